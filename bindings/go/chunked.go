package sigv4rs

// #include "sigv4rs.h"
import "C"

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// StreamMode says how an aws-chunked body is signed (values of
// sigv4rs_stream.mode). The same names serve SigV4a signers
// (Config.SigV4a), whose chunks and trailer are signed with ECDSA: the
// signer passes the library its _V4A modes (StreamMode 3 and 4, which are
// accepted too; a SigV4 signer refuses them with ErrInvalidArgument).
type StreamMode uint32

const (
	// StreamSigned: STREAMING-AWS4-HMAC-SHA256-PAYLOAD (SigV4a:
	// STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD), every chunk signed, no
	// trailer.
	StreamSigned StreamMode = C.SIGV4RS_STREAM_MODE_SIGNED
	// StreamSignedTrailer: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
	// (SigV4a: STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER), signed
	// chunks and a signed checksum trailer.
	StreamSignedTrailer StreamMode = C.SIGV4RS_STREAM_MODE_SIGNED_TRAILER
	// StreamUnsignedTrailer: STREAMING-UNSIGNED-PAYLOAD-TRAILER, unsigned
	// chunks and an unsigned checksum trailer (use over TLS); only the
	// seed is signed, with SigV4a too.
	StreamUnsignedTrailer StreamMode = C.SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER
)

// Checksum is an S3 checksum algorithm (values of sigv4rs_checksum): the
// trailer of an aws-chunked body (StreamOptions.Checksum), or an
// x-amz-checksum-* header computed up front (ChecksumHeader,
// NewChecksumHash).
type Checksum uint32

const (
	ChecksumNone      Checksum = C.SIGV4RS_CHECKSUM_NONE      // no trailer: StreamSigned only
	ChecksumCRC32     Checksum = C.SIGV4RS_CHECKSUM_CRC32     // x-amz-checksum-crc32
	ChecksumCRC32C    Checksum = C.SIGV4RS_CHECKSUM_CRC32C    // x-amz-checksum-crc32c
	ChecksumSHA256    Checksum = C.SIGV4RS_CHECKSUM_SHA256    // x-amz-checksum-sha256
	ChecksumCRC64NVME Checksum = C.SIGV4RS_CHECKSUM_CRC64NVME // x-amz-checksum-crc64nvme
	ChecksumSHA1      Checksum = C.SIGV4RS_CHECKSUM_SHA1      // x-amz-checksum-sha1
)

// DefaultChunkSize is the chunk size when StreamOptions.ChunkSize is 0.
const DefaultChunkSize = 64 << 10

// StreamOptions is the shape of an aws-chunked upload.
type StreamOptions struct {
	Mode StreamMode
	// Required with the trailer modes, ChecksumNone with StreamSigned.
	Checksum Checksum
	// Bytes per chunk (every chunk but the last has exactly this many);
	// 0 means DefaultChunkSize. S3 wants at least 8192.
	ChunkSize int
}

func (o StreamOptions) chunkSize() (uint32, error) {
	n := o.ChunkSize
	if n == 0 {
		n = DefaultChunkSize
	}
	if n < 0 || int64(n) > math.MaxUint32 {
		return 0, argError(ErrInvalidArgument, "chunk size "+strconv.Itoa(o.ChunkSize)+" out of range")
	}
	return uint32(n), nil
}

// EncodedLength returns the Content-Length of the aws-chunked encoding of
// size bytes: what S3 needs before the first byte is sent. It is the
// length of a SigV4 signer's upload; Signer.EncodedLength gives any
// signer's (SigV4a signatures are longer).
func EncodedLength(size int64, opts StreamOptions) (int64, error) {
	chunk, err := opts.chunkSize()
	if err != nil {
		return 0, err
	}
	return encodedLength(size, opts, chunk)
}

// EncodedLength returns the Content-Length of this signer's aws-chunked
// encoding of size bytes (as NewChunkedEncoder sets it).
func (s *Signer) EncodedLength(size int64, opts StreamOptions) (int64, error) {
	opts.Mode = s.streamMode(opts.Mode)
	return EncodedLength(size, opts)
}

// streamMode is the library's mode for m on s: a SigV4a signer signs the
// same shapes with ECDSA, under their _V4A mode numbers; other values go
// through as they are, for the library to judge.
func (s *Signer) streamMode(m StreamMode) StreamMode {
	if s == nil || !s.v4a {
		return m
	}
	switch m {
	case StreamSigned:
		return C.SIGV4RS_STREAM_MODE_SIGNED_V4A
	case StreamSignedTrailer:
		return C.SIGV4RS_STREAM_MODE_SIGNED_TRAILER_V4A
	}
	return m
}

func encodedLength(size int64, opts StreamOptions, chunk uint32) (int64, error) {
	if size < 0 {
		return 0, argError(ErrInvalidArgument, "negative size: aws-chunked needs the length in advance")
	}
	n, err := encodedLengthC(opts.Mode, opts.Checksum, uint64(size), chunk)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64 {
		return 0, statusError(uint32(ErrInputTooLong.Status))
	}
	return int64(n), nil
}

// ChunkedEncoder signs the chunks of one aws-chunked upload, for callers
// that frame the body themselves; SignStreaming does it all. It is not for
// concurrent use, except that Close may be called from any goroutine.
type ChunkedEncoder struct {
	s         *Signer
	mu        sync.Mutex
	state     *cChunked // C memory; nil once finished or closed
	size      int64
	encLen    int64
	chunkSize int
}

// NewChunkedEncoder signs the seed of an aws-chunked upload of size bytes
// (header authentication, at the signer's clock) and sets on req the
// headers to send: Content-Encoding: aws-chunked,
// X-Amz-Decoded-Content-Length, X-Amz-Trailer (trailer modes),
// X-Amz-Content-Sha256 (the streaming mode), X-Amz-Date,
// X-Amz-Region-Set (SigV4a), X-Amz-Security-Token and Authorization,
// replacing any spelling of those names; req.ContentLength becomes the
// encoded length, and req.Host the signed host when Go would send another
// (as Sign does). req.Body is not touched.
//
// Then send, for each chunk of the data in order (ChunkSize bytes each,
// the last one shorter if need be), AppendChunkHeader's output, the bytes
// and "\r\n"; and at the end AppendFinish's output. Close the encoder when
// done or abandoned.
func (s *Signer) NewChunkedEncoder(req *http.Request, size int64, opts StreamOptions) (*ChunkedEncoder, error) {
	opts.Mode = s.streamMode(opts.Mode)
	chunk, err := opts.chunkSize()
	if err != nil {
		return nil, err
	}
	encLen, err := encodedLength(size, opts, chunk)
	if err != nil {
		return nil, err
	}
	p := getPacker()
	defer putPacker(p)
	// Content-Length is left to the library, which signs the encoded one.
	n, host, err := packHTTPLen(p, req, false, 0)
	if err != nil {
		return nil, err
	}
	state := newChunkedState()
	if state == nil {
		return nil, errors.New("sigv4rs: out of C memory for the streaming state")
	}
	out, err := s.chunkedBegin(p, n, s.clock(), opts.Mode, opts.Checksum, uint64(size), chunk, state)
	if err != nil {
		err = p.httpLocated(err)
	}
	var signed string
	if err == nil {
		signed, out = host.signed(out)
		err = setStreamOutput(req, out, encLen)
	}
	if err != nil {
		freeChunkedState(state)
		return nil, err
	}
	host.send(req, signed)
	e := &ChunkedEncoder{s: s, state: state, size: size, encLen: encLen, chunkSize: int(chunk)}
	runtime.SetFinalizer(e, (*ChunkedEncoder).Close)
	return e, nil
}

// setStreamOutput puts the seed headers on req: Content-Length into
// req.ContentLength (Go's client ignores it in req.Header), the others
// into req.Header, replacing every spelling of their names.
func setStreamOutput(req *http.Request, out []byte, encLen int64) error {
	// Checked before req is touched: a mismatch would be a library bug.
	clen := int64(-1)
	for rest := out; len(rest) > 0; {
		var name, value []byte
		name, value, rest = nextOutputHeader(rest)
		if string(name) == "Content-Length" {
			if n, err := strconv.ParseInt(string(value), 10, 64); err == nil {
				clen = n
			}
		}
	}
	if clen != encLen {
		return &Error{Status: ErrPanic.Status, Message: fmt.Sprintf(
			"seed Content-Length %d != encoded length %d", clen, encLen)}
	}
	if req.Header == nil {
		req.Header = make(http.Header, 8)
	}
	for len(out) > 0 {
		var name, value []byte
		name, value, out = nextOutputHeader(out)
		if string(name) == "Content-Length" {
			continue
		}
		key := canonicalOutputName(name)
		for k := range req.Header {
			if k != key && strings.EqualFold(k, key) {
				delete(req.Header, k)
			}
		}
		req.Header[key] = []string{string(value)}
	}
	req.ContentLength = encLen
	req.TransferEncoding = nil
	return nil
}

// EncodedLength is the Content-Length of the whole encoded body.
func (e *ChunkedEncoder) EncodedLength() int64 { return e.encLen }

// ChunkSize is the size of every chunk but the last.
func (e *ChunkedEncoder) ChunkSize() int { return e.chunkSize }

// Size is the number of data bytes declared (X-Amz-Decoded-Content-Length).
func (e *ChunkedEncoder) Size() int64 { return e.size }

// errEncoderDone: the encoder was closed or has written the end (a fresh
// value each time, as statusError gives).
func errEncoderDone() error {
	return &Error{Status: ErrNotInitialized.Status, Message: "chunked encoder is finished or closed"}
}

// AppendChunkHeader signs the next chunk, data, and appends its header
// ("<hex size>;chunk-signature=<sig>\r\n", or "<hex size>\r\n" in
// StreamUnsignedTrailer mode; with SigV4a <sig> is the hex DER signature
// padded with '*' to 144 characters) to dst. Every chunk but the last must be
// exactly ChunkSize bytes (ErrInvalidChunkSize otherwise); a refused chunk
// leaves the encoder unchanged.
func (e *ChunkedEncoder) AppendChunkHeader(dst, data []byte) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == nil {
		return dst, errEncoderDone()
	}
	return e.s.chunkedAppend(e.state, data, dst, false)
}

// AppendFinish appends the end of the body to dst: the final zero-length
// chunk, the checksum trailer and its signature (trailer modes) and the
// closing blank line. It fails with ErrIncompletePayload before Size bytes
// were signed. Afterwards the encoder is spent.
func (e *ChunkedEncoder) AppendFinish(dst []byte) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == nil {
		return dst, errEncoderDone()
	}
	out, err := e.s.chunkedAppend(e.state, nil, dst, true)
	if err == nil {
		e.release()
	}
	return out, err
}

// Close releases the encoder's C memory. It is idempotent, safe from any
// goroutine, and later calls fail.
func (e *ChunkedEncoder) Close() error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.release()
	runtime.SetFinalizer(e, nil)
	return nil
}

func (e *ChunkedEncoder) release() {
	if e.state != nil {
		freeChunkedState(e.state)
		e.state = nil
	}
}

// SignStreaming prepares req to upload size bytes read from body as an
// aws-chunked stream (S3 PutObject, UploadPart), in constant memory: it
// signs the seed request as NewChunkedEncoder does (headers set on req,
// req.ContentLength the encoded length) and sets req.Body to a reader that
// produces the encoded body while it is sent, holding one chunk at a time.
// Send req with a plain http.Client (Transport passes such a request
// through unchanged: it cannot be signed again), and soon: the seed is
// signed at the signer's clock now, and servers refuse stale requests
// (15 minutes for S3).
//
// body must yield exactly size bytes: a shorter body makes the upload fail
// with io.ErrUnexpectedEOF, and after the last byte body is read once more
// to check that it ends (so a body longer than size fails too, before the
// final chunk is sent). Closing req.Body closes body if it is an io.Closer.
// req.GetBody is cleared: the stream cannot be replayed for a redirect or
// retry. On error req is unchanged and body is neither read nor closed.
func (s *Signer) SignStreaming(req *http.Request, body io.Reader, size int64, opts StreamOptions) error {
	if body == nil {
		body = http.NoBody
	}
	e, err := s.NewChunkedEncoder(req, size, opts)
	if err != nil {
		return err
	}
	req.Body = newStreamBody(e, body)
	req.GetBody = nil
	return nil
}

// streamBody makes the aws-chunked body while it is read: the pending
// output is up to three segments (chunk header, data, CRLF) over buffers
// reused from chunk to chunk.
type streamBody struct {
	enc    *ChunkedEncoder
	src    io.Reader
	left   int64 // source bytes still to read
	data   []byte
	hdr    []byte
	segs   [3][]byte
	cur    int
	nseg   int
	ended  bool // the final chunk is queued
	err    error
	closer sync.Once
}

var crlf = []byte("\r\n")

func newStreamBody(e *ChunkedEncoder, src io.Reader) *streamBody {
	n := e.chunkSize
	if int64(n) > e.size {
		n = int(e.size) // a small object needs no full chunk buffer
	}
	return &streamBody{
		enc:  e,
		src:  src,
		left: e.size,
		data: make([]byte, n),
		hdr:  make([]byte, 0, chunkFinishRoom),
	}
}

// Read implements io.Reader.
func (b *streamBody) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if b.cur == b.nseg {
			if b.err != nil {
				break
			}
			if b.err = b.next(); b.err != nil {
				break
			}
			continue
		}
		c := copy(p[n:], b.segs[b.cur])
		b.segs[b.cur] = b.segs[b.cur][c:]
		n += c
		if len(b.segs[b.cur]) == 0 {
			b.cur++
		}
	}
	if n > 0 {
		return n, nil
	}
	return 0, b.err
}

// next queues the next chunk, or the end of the body, or returns io.EOF.
func (b *streamBody) next() error {
	b.cur, b.nseg = 0, 0
	if b.ended {
		return io.EOF
	}
	var err error
	if b.left > 0 {
		m := len(b.data)
		if int64(m) > b.left {
			m = int(b.left)
		}
		got, rerr := io.ReadFull(b.src, b.data[:m])
		if rerr != nil {
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				return fmt.Errorf("sigv4rs: body ended after %d of %d bytes: %w",
					b.enc.size-b.left+int64(got), b.enc.size, io.ErrUnexpectedEOF)
			}
			return rerr
		}
		b.left -= int64(m)
		if b.hdr, err = b.enc.AppendChunkHeader(b.hdr[:0], b.data[:m]); err != nil {
			return err
		}
		b.segs = [3][]byte{b.hdr, b.data[:m], crlf}
		b.nseg = 3
		return nil
	}
	if err := b.checkEnd(); err != nil {
		return err
	}
	if b.hdr, err = b.enc.AppendFinish(b.hdr[:0]); err != nil {
		return err
	}
	b.segs[0] = b.hdr
	b.nseg = 1
	b.ended = true
	return nil
}

// checkEnd reads once past the declared size: the data must end there.
func (b *streamBody) checkEnd() error {
	var one [1]byte
	for i := 0; i < 100; i++ {
		n, err := b.src.Read(one[:])
		if n > 0 {
			return fmt.Errorf("sigv4rs: body is longer than the %d bytes declared", b.enc.size)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// Close closes the source (if it is an io.Closer) and releases the
// encoder. net/http may call it from another goroutine during a Read.
func (b *streamBody) Close() error {
	var err error
	b.closer.Do(func() {
		if c, ok := b.src.(io.Closer); ok {
			err = c.Close()
		}
		b.enc.Close()
	})
	return err
}
