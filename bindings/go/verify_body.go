//go:build cgo

package sigv4rs

// #include "sigv4rs.h"
import "C"

import (
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Begin verifies the signature of r as Verify does, but without its body,
// which follows through the returned BodyVerifier: read the body from it
// (it reads r.Body) instead of from r.Body.
//
// By X-Amz-Content-Sha256: 64 hex digits, the body's SHA-256 is compared
// at its end; UNSIGNED-PAYLOAD (and S3 presigned requests), the body
// passes through; STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] and
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, the aws-chunked body is decoded
// (Read returns the object's bytes) and every chunk and trailer signature
// and the trailer checksum are checked. A request whose signature covers
// the body's hash without that header (other services than S3) gets
// ErrPayloadRequired: read the body and call Verify.
//
// Errors and the result are as Verify's; on error no BodyVerifier is made.
func (v *Verifier) Begin(r *http.Request) (*VerifyResult, *BodyVerifier, error) {
	res := &VerifyResult{}
	if v == nil || r == nil || r.URL == nil {
		return res, nil, argError(ErrNullArgument, "verifier, request or its URL is nil")
	}
	p := getPacker()
	defer putPacker(p)
	n, err := packReceived(p, r)
	if err != nil {
		return res, nil, err
	}
	if p.big {
		return res, nil, statusError(C.SIGV4RS_STATUS_INPUT_TOO_LONG)
	}
	state := newBodyState()
	if state == nil {
		return res, nil, errors.New("sigv4rs: out of C memory for the body verifier")
	}
	call := &verifyCall{ctx: r.Context(), lookup: v.lookup}
	h := call.handle()
	if lastLookupHandle != nil {
		lastLookupHandle(h)
	}
	var cres C.sigv4rs_verify_result
	st := bodyBeginC(v, p, n, uintptr(h), unixTime(v.now()), &cres, state)
	h.Delete()
	runtime.KeepAlive(v)
	res.fill(&cres)
	if err := call.result(st); err != nil {
		freeBodyState(state)
		return res, nil, err
	}
	src := r.Body
	if src == nil {
		src = http.NoBody
	}
	b := &BodyVerifier{state: state, src: src, chunked: streamingPayload(r.Header)}
	runtime.SetFinalizer(b, (*BodyVerifier).release)
	return res, b, nil
}

// streamingPayload: x-amz-content-sha256 says the body is aws-chunked.
func streamingPayload(h http.Header) bool {
	return strings.HasPrefix(h.Get("X-Amz-Content-Sha256"), "STREAMING-")
}

// BodyVerifier reads a request body and verifies it as it goes (Begin).
//
// Read returns the payload (an aws-chunked body decoded), and at the end
// of the body, instead of io.EOF, the verification's error when the body
// is not the one signed: ErrPayloadMismatch, ErrChunkSignatureMismatch,
// ErrChecksumMismatch, ErrIncompletePayload... (an *Error). Bytes are not
// authenticated until Read has returned io.EOF: commit nothing before
// (write an upload to a temporary place and move it into place at
// io.EOF, or buffer it). A failure is sticky: later Reads return it again.
//
// Close releases the library state and closes the body it reads. A
// BodyVerifier is for one goroutine, except that Close may be called from
// any.
type BodyVerifier struct {
	mu      sync.Mutex
	state   *cBodyVerifier // C memory; nil once finished or released
	src     io.ReadCloser
	err     error // sticky: io.EOF, a verification error or src's error
	chunked bool
}

// Chunked reports whether the body is aws-chunked (and Read decodes it).
func (b *BodyVerifier) Chunked() bool { return b.chunked }

// Read reads the body from the underlying request body, decoded and
// checked as far as it goes.
func (b *BodyVerifier) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if b.state == nil {
		return 0, ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Chunk framing decodes to nothing: read on until payload or the end
	// (a bounded number of empty reads, as io.Reader allows).
	for empty := 0; empty < 100; {
		n, rerr := b.src.Read(p)
		if n > 0 {
			d, st := bodyUpdateC(b.state, p[:n])
			if st != C.SIGV4RS_STATUS_OK {
				return 0, b.fail(statusError(st))
			}
			if d > 0 {
				// An io.EOF with data is seen again on the next Read.
				if rerr != nil && rerr != io.EOF {
					b.fail(rerr)
				}
				return d, nil
			}
		} else {
			empty++
		}
		switch {
		case rerr == io.EOF:
			st := bodyFinishC(b.state)
			b.releaseLocked()
			if st != C.SIGV4RS_STATUS_OK {
				b.err = statusError(st)
			} else {
				b.err = io.EOF
			}
			return 0, b.err
		case rerr != nil:
			return 0, b.fail(rerr)
		}
	}
	return 0, nil
}

func (b *BodyVerifier) fail(err error) error {
	b.err = err
	b.releaseLocked()
	return err
}

// Close releases the state (a body not read to its end is not verified)
// and closes the underlying body.
func (b *BodyVerifier) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.releaseLocked()
	if b.err == nil {
		b.err = ErrClosed
	}
	return b.src.Close()
}

func (b *BodyVerifier) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.releaseLocked()
}

func (b *BodyVerifier) releaseLocked() {
	if b.state != nil {
		freeBodyState(b.state)
		b.state = nil
		runtime.SetFinalizer(b, nil)
	}
}

// decodedLength is X-Amz-Decoded-Content-Length, or -1.
func decodedLength(h http.Header) int64 {
	n, err := strconv.ParseInt(h.Get("X-Amz-Decoded-Content-Length"), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
