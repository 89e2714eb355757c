package sigv4rs

// S3 checksums (x-amz-checksum-*) computed up front, for a request whose
// body is at hand: sigv4rs_checksum_init/_update/_finish. (aws-chunked
// uploads compute theirs as a trailer: StreamOptions.Checksum.)

/*
#include "sigv4rs.h"

static uint32_t gs_checksum_update(sigv4rs_checksum_state *st, const uint8_t *data, size_t len)
{
	sigv4rs_bytes b;

	b.ptr = data;
	b.len = len;
	return sigv4rs_checksum_update(st, b);
}
*/
import "C"

import (
	"encoding/base64"
	"hash"
)

// HeaderName is the header the checksum is sent in, lower-case
// ("x-amz-checksum-crc64nvme"); "" for ChecksumNone and unknown values.
func (c Checksum) HeaderName() string {
	name := C.sigv4rs_checksum_header_name(C.uint32_t(c))
	if name == nil {
		return ""
	}
	return C.GoString(name)
}

// ChecksumHeader is the x-amz-checksum-* header of data: add it to the
// request's headers before signing (S3 then checks the body against it).
// ErrInvalidArgument for ChecksumNone and unknown values.
func ChecksumHeader(c Checksum, data []byte) (Header, error) {
	h, err := NewChecksumHash(c)
	if err != nil {
		return Header{}, err
	}
	h.Write(data)
	return h.Header(), nil
}

// ChecksumHash computes an S3 checksum incrementally. It is a hash.Hash
// whose Sum appends the checksum's bytes (a CRC big-endian, or the SHA
// digest); Value and Header give it as S3 wants it, base64 in the
// algorithm's x-amz-checksum-* header. Neither ends the computation:
// more may be written after. Copying a ChecksumHash (h2 := *h) forks it.
// Not for concurrent use.
//
// Make one with NewChecksumHash: on the zero value Write fails
// (ErrNotInitialized) and the other methods panic.
type ChecksumHash struct {
	// The library's state, plain bytes: a copy is a fork (the C API
	// allows memcpy), so it may live in Go memory.
	state C.sigv4rs_checksum_state
	alg   Checksum
}

var _ hash.Hash = (*ChecksumHash)(nil)

// NewChecksumHash starts a checksum of kind c. ErrInvalidArgument for
// ChecksumNone and unknown values.
func NewChecksumHash(c Checksum) (*ChecksumHash, error) {
	h := &ChecksumHash{alg: c}
	if err := h.init(); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *ChecksumHash) init() error {
	if st := C.sigv4rs_checksum_init(&h.state, C.uint32_t(h.alg)); st != C.SIGV4RS_STATUS_OK {
		return statusError(uint32(st))
	}
	return nil
}

// Checksum is the algorithm.
func (h *ChecksumHash) Checksum() Checksum {
	return h.alg
}

// Write adds p to the checksum. It never fails on a ChecksumHash from
// NewChecksumHash.
func (h *ChecksumHash) Write(p []byte) (int, error) {
	if st := C.gs_checksum_update(&h.state, bytesPtr(p), C.size_t(len(p))); st != C.SIGV4RS_STATUS_OK {
		return 0, statusError(uint32(st))
	}
	return len(p), nil
}

// Value is the checksum of what was written so far, base64, as the
// x-amz-checksum-* header value.
func (h *ChecksumHash) Value() string {
	// The library's finish ends a state: finish a fork.
	fork := h.state
	var out [C.SIGV4RS_CHECKSUM_MAX_LEN + 1]byte
	var n C.size_t
	st := C.sigv4rs_checksum_finish(&fork, bytesPtr(out[:]), C.size_t(len(out)), &n)
	if st != C.SIGV4RS_STATUS_OK || n == 0 {
		panic(statusError(uint32(st)))
	}
	return string(out[:n-1]) // without the NUL
}

// Header is the x-amz-checksum-* header of what was written so far.
func (h *ChecksumHash) Header() Header {
	return Header{Name: h.alg.HeaderName(), Value: h.Value()}
}

// Sum appends the checksum of what was written so far to b.
func (h *ChecksumHash) Sum(b []byte) []byte {
	raw, err := base64.StdEncoding.DecodeString(h.Value())
	if err != nil {
		panic("sigv4rs: checksum value is not base64: " + err.Error())
	}
	return append(b, raw...)
}

// Reset starts the checksum again, same algorithm.
func (h *ChecksumHash) Reset() {
	if err := h.init(); err != nil {
		panic(err)
	}
}

// Size is the number of bytes Sum appends.
func (h *ChecksumHash) Size() int {
	switch h.alg {
	case ChecksumCRC32, ChecksumCRC32C:
		return 4
	case ChecksumCRC64NVME:
		return 8
	case ChecksumSHA1:
		return 20
	case ChecksumSHA256:
		return 32
	}
	panic(ErrNotInitialized)
}

// BlockSize is the algorithm's block size: 64 for the SHAs, 1 for the
// CRCs (as hash/crc32 says).
func (h *ChecksumHash) BlockSize() int {
	switch h.alg {
	case ChecksumSHA1, ChecksumSHA256:
		return 64
	}
	return 1
}
