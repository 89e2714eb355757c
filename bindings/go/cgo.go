package sigv4rs

/*
#include <stdlib.h>
#include <string.h>
#include "sigv4rs.h"

// Go may not hand C memory that holds Go pointers (and Go 1.19 has no
// runtime.Pinner), so Go passes flat byte buffers and these helpers build
// the library's structs on the C stack.
//
// A packed argument list is one byte buffer plus (offset, length) pairs of
// uint32_t, as sigv4rs_signer_sign_packed takes them: field i is
// buf[spans[2i]:][:spans[2i+1]].
static sigv4rs_bytes gs_field(const uint8_t *buf, const uint32_t *spans, size_t i)
{
	sigv4rs_bytes b;
	b.len = spans[2 * i + 1];
	b.ptr = b.len ? buf + spans[2 * i] : NULL;
	return b;
}

// Each unsigned-header name costs at least 2 of the 256 bytes allowed.
#define GS_MAX_UNSIGNED (SIGV4RS_MAX_UNSIGNED_HEADERS_LEN / 2)

// Fields: access key id, secret, session token, region, service, then the
// unsigned header names. expiration: Unix seconds, 0 for none.
static sigv4rs_signer *gs_new(const uint8_t *buf, const uint32_t *offs, size_t nunsigned,
                              uint32_t flags, int64_t expiration, uint32_t *status)
{
	sigv4rs_bytes un[GS_MAX_UNSIGNED];
	sigv4rs_config cfg;
	sigv4rs_signer *s = NULL;
	size_t i;

	if (nunsigned > GS_MAX_UNSIGNED) {
		*status = SIGV4RS_STATUS_INVALID_UNSIGNED_HEADER;
		return NULL;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.access_key_id = gs_field(buf, offs, 0);
	cfg.secret_access_key = gs_field(buf, offs, 1);
	cfg.session_token = gs_field(buf, offs, 2);
	cfg.region = gs_field(buf, offs, 3);
	cfg.service = gs_field(buf, offs, 4);
	cfg.flags = flags;
	cfg.expiration = expiration;
	for (i = 0; i < nunsigned; i++)
		un[i] = gs_field(buf, offs, 5 + i);
	cfg.unsigned_headers = nunsigned ? un : NULL;
	cfg.unsigned_headers_len = nunsigned;
	*status = sigv4rs_signer_new(&cfg, &s);
	return *status == SIGV4RS_STATUS_OK ? s : NULL;
}

// Credentials from packed fields: access key id, secret, session token.
static void gs_creds(sigv4rs_credentials *c, const uint8_t *buf, const uint32_t *offs, int64_t expiration)
{
	memset(c, 0, sizeof *c);
	c->access_key_id = gs_field(buf, offs, 0);
	c->secret_access_key = gs_field(buf, offs, 1);
	c->session_token = gs_field(buf, offs, 2);
	c->expiration = expiration;
}

static uint32_t gs_rotate(const sigv4rs_signer *s, const uint8_t *buf, const uint32_t *offs, int64_t expiration)
{
	sigv4rs_credentials c;

	gs_creds(&c, buf, offs, expiration);
	return sigv4rs_signer_rotate(s, &c);
}

static uint32_t gs_rotate_xml(const sigv4rs_signer *s, const uint8_t *xml, size_t len)
{
	sigv4rs_bytes b;

	b.ptr = xml;
	b.len = len;
	return sigv4rs_signer_rotate_xml(s, b);
}

static uint32_t gs_sink_put(sigv4rs_credentials_sink *sink, const uint8_t *buf, const uint32_t *offs,
                            int64_t expiration)
{
	sigv4rs_credentials c;

	gs_creds(&c, buf, offs, expiration);
	return sigv4rs_credentials_sink_put(sink, &c);
}

// The Go provider callback (provider.go). Its user data is a cgo.Handle, an
// integer: no Go pointer reaches C.
extern uint32_t sigv4rsGoProvider(uintptr_t handle, int64_t unix_time, sigv4rs_credentials_sink *sink);

// Set when the provider ran on this thread: the C helpers that sign clear
// it before the library call and report it after (Go then wakes the calls
// that found the credentials lock taken: credState.notify). Per thread,
// and read within the same C call, since a goroutine may change threads
// between calls.
static __thread int gs_provider_ran;

static sigv4rs_status gs_provider(void *user, int64_t unix_time, sigv4rs_credentials_sink *sink)
{
	uint32_t st = sigv4rsGoProvider((uintptr_t)user, unix_time, sink);

	gs_provider_ran = 1;
	return st;
}

// handle 0 removes the provider.
static uint32_t gs_set_provider(sigv4rs_signer *s, uintptr_t handle, uint32_t margin)
{
	return sigv4rs_signer_set_provider(s, handle ? gs_provider : NULL, (void *)handle, margin);
}

enum { GS_SIGN, GS_PRESIGN, GS_CANONICAL, GS_STRING_TO_SIGN };

// Fills *r (and hs, which r points into) from packed fields: method, url,
// host, path, query, payload (unused here: it is passed apart), then name
// and value of each header (sigv4rs_signer_sign_packed's layout).
static uint32_t gs_fill(sigv4rs_request *r, sigv4rs_header *hs,
                        const uint8_t *buf, const uint32_t *offs, size_t nheaders,
                        uint32_t mode, const uint8_t *payload, size_t payload_len)
{
	size_t i;

	if (nheaders > SIGV4RS_MAX_HEADERS)
		return SIGV4RS_STATUS_TOO_MANY_HEADERS;
	memset(r, 0, sizeof *r);
	r->method = gs_field(buf, offs, 0);
	r->url = gs_field(buf, offs, 1);
	r->host = gs_field(buf, offs, 2);
	r->path = gs_field(buf, offs, 3);
	r->query = gs_field(buf, offs, 4);
	for (i = 0; i < nheaders; i++) {
		hs[i].name = gs_field(buf, offs, SIGV4RS_PACKED_FIRST_HEADER + 2 * i);
		hs[i].value = gs_field(buf, offs, SIGV4RS_PACKED_FIRST_HEADER + 1 + 2 * i);
	}
	r->headers = nheaders ? hs : NULL;
	r->headers_len = nheaders;
	r->payload_mode = mode;
	r->payload.ptr = payload_len ? payload : NULL;
	r->payload.len = payload_len;
	return SIGV4RS_STATUS_OK;
}

// After a failed call, *loc says which input of r the status is about,
// asked while r (on this C stack) is still the request the call was given.
// Successful calls (and BUFFER_TOO_SMALL, which is retried) skip it.
static uint32_t gs_locate(const sigv4rs_request *r, uint32_t st, sigv4rs_location *loc)
{
	if (st != SIGV4RS_STATUS_OK && st != SIGV4RS_STATUS_BUFFER_TOO_SMALL &&
	    sigv4rs_request_locate(r, st, loc) != SIGV4RS_STATUS_OK)
		loc->field = SIGV4RS_FIELD_NONE;
	return st;
}

// gs_fill's own refusal (more headers than the library takes).
static uint32_t gs_too_many(sigv4rs_location *loc)
{
	loc->field = SIGV4RS_FIELD_HEADERS;
	loc->index = 0;
	loc->offset = SIGV4RS_NO_OFFSET;
	return SIGV4RS_STATUS_TOO_MANY_HEADERS;
}

// The payload is separate from the packed fields so a large body is not
// copied. auth matters to GS_CANONICAL and GS_STRING_TO_SIGN, expires to
// those and GS_PRESIGN. On failure *loc is written (see gs_locate).
static uint32_t gs_request(int op, const sigv4rs_signer *s,
                           const uint8_t *buf, const uint32_t *offs, size_t nheaders,
                           uint32_t mode, const uint8_t *payload, size_t payload_len,
                           int64_t t, uint32_t auth, uint32_t expires,
                           uint8_t *out, size_t cap, size_t *out_len, sigv4rs_location *loc, int *ran)
{
	sigv4rs_header hs[SIGV4RS_MAX_HEADERS];
	sigv4rs_request r;
	uint32_t st = gs_fill(&r, hs, buf, offs, nheaders, mode, payload, payload_len);

	if (st != SIGV4RS_STATUS_OK)
		return gs_too_many(loc);
	gs_provider_ran = 0;
	switch (op) {
	case GS_SIGN:
		st = sigv4rs_signer_sign_headers(s, &r, t, out, cap, out_len);
		break;
	case GS_PRESIGN:
		st = sigv4rs_signer_presign(s, &r, t, expires, out, cap, out_len);
		break;
	case GS_CANONICAL:
		st = sigv4rs_signer_canonical_request(s, &r, t, auth, expires, out, cap, out_len);
		break;
	default:
		st = sigv4rs_signer_string_to_sign(s, &r, t, auth, expires, out, cap, out_len);
		break;
	}
	*ran = gs_provider_ran;
	return gs_locate(&r, st, loc);
}

// After sigv4rs_signer_sign_packed failed with st (the slow path): *loc as
// gs_request writes it, from the same request rebuilt as a struct.
static uint32_t gs_relocate(const uint8_t *buf, const uint32_t *offs, size_t nheaders,
                            uint32_t mode, const uint8_t *payload, size_t payload_len,
                            uint32_t st, sigv4rs_location *loc)
{
	sigv4rs_header hs[SIGV4RS_MAX_HEADERS];
	sigv4rs_request r;

	if (gs_fill(&r, hs, buf, offs, nheaders, mode, payload, payload_len) != SIGV4RS_STATUS_OK)
		return gs_too_many(loc);
	return gs_locate(&r, st, loc);
}

// sigv4rs_signer_sign_packed with the signer as void *: cgo checks a
// pointer to an incomplete C type by boxing it (one allocation per call),
// an unsafe.Pointer in place.
static uint32_t gs_sign_packed(const void *s, const uint8_t *buf, size_t buf_len,
                               const uint32_t *spans, size_t spans_len, uint32_t mode,
                               int64_t t, uint32_t auth, uint32_t expires,
                               uint8_t *out, size_t cap, size_t *out_len,
                               uint32_t *fields, size_t fields_cap, int *ran)
{
	uint32_t st;

	gs_provider_ran = 0;
	st = sigv4rs_signer_sign_packed(s, buf, buf_len, spans, spans_len, mode, t, auth, expires,
	                                out, cap, out_len, fields, fields_cap);
	*ran = gs_provider_ran;
	return st;
}

static void gs_stream(sigv4rs_stream *st, uint32_t mode, uint32_t checksum, uint64_t decoded, uint32_t chunk)
{
	memset(st, 0, sizeof *st);
	st->mode = mode;
	st->checksum = checksum;
	st->decoded_length = decoded;
	st->chunk_size = chunk;
}

static uint32_t gs_encoded_length(uint32_t mode, uint32_t checksum, uint64_t decoded, uint32_t chunk,
                                  uint64_t *out)
{
	sigv4rs_stream st;

	gs_stream(&st, mode, checksum, decoded, chunk);
	return sigv4rs_chunked_encoded_length(&st, out);
}

// state is C memory (see cChunked in Go).
static uint32_t gs_chunked_begin(const sigv4rs_signer *s,
                                 const uint8_t *buf, const uint32_t *offs, size_t nheaders, int64_t t,
                                 uint32_t mode, uint32_t checksum, uint64_t decoded, uint32_t chunk,
                                 sigv4rs_chunked *state, uint8_t *out, size_t cap, size_t *out_len,
                                 sigv4rs_location *loc, int *ran)
{
	sigv4rs_header hs[SIGV4RS_MAX_HEADERS];
	sigv4rs_request r;
	sigv4rs_stream st;
	uint32_t rc = gs_fill(&r, hs, buf, offs, nheaders, SIGV4RS_PAYLOAD_MODE_AUTO, NULL, 0);

	if (rc != SIGV4RS_STATUS_OK)
		return gs_too_many(loc);
	gs_stream(&st, mode, checksum, decoded, chunk);
	gs_provider_ran = 0;
	rc = sigv4rs_chunked_begin(s, &r, t, &st, state, out, cap, out_len);
	*ran = gs_provider_ran;
	return gs_locate(&r, rc, loc);
}

static uint32_t gs_sign_chunk(const sigv4rs_signer *s, sigv4rs_chunked *state,
                              const uint8_t *data, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	sigv4rs_bytes d;

	d.ptr = len ? data : NULL;
	d.len = len;
	return sigv4rs_chunked_sign_chunk(s, state, d, out, cap, out_len);
}

// The default credential chain (chain.go). Its transport is the Go
// function sigv4rsGoTransport, whose user data is a cgo.Handle (an
// integer) like the provider's.
extern uint32_t sigv4rsGoTransport(uintptr_t handle, sigv4rs_http_request *req, sigv4rs_http_response *resp);

static sigv4rs_status gs_transport(void *user, const sigv4rs_http_request *req, sigv4rs_http_response *resp)
{
	return sigv4rsGoTransport((uintptr_t)user, (sigv4rs_http_request *)req, resp);
}

// Fields: profile, region.
static sigv4rs_chain *gs_chain_new(const uint8_t *buf, const uint32_t *offs, uintptr_t handle,
                                   uint32_t process_timeout_ms, uint32_t *status)
{
	sigv4rs_chain_options o;
	sigv4rs_chain *c = NULL;

	memset(&o, 0, sizeof o);
	o.profile = gs_field(buf, offs, 0);
	o.region = gs_field(buf, offs, 1);
	o.transport = gs_transport;
	o.transport_user = (void *)handle;
	o.process_timeout_ms = process_timeout_ms;
	*status = sigv4rs_chain_new(&o, &c);
	return *status == SIGV4RS_STATUS_OK ? c : NULL;
}

// The verifier's secret lookup (verify.go). Its user data is a cgo.Handle
// of the one verification call: no Go pointer reaches C.
extern uint32_t sigv4rsGoLookup(uintptr_t handle, const uint8_t *akid, size_t akid_len,
                                uint8_t *secret, size_t secret_cap, size_t *secret_len,
                                uint8_t *token, size_t token_cap, size_t *token_len);

static sigv4rs_status gs_lookup(void *user, const uint8_t *akid, size_t akid_len,
                                uint8_t *secret, size_t secret_cap, size_t *secret_len,
                                uint8_t *token, size_t token_cap, size_t *token_len)
{
	return sigv4rsGoLookup((uintptr_t)user, akid, akid_len, secret, secret_cap, secret_len,
	                       token, token_cap, token_len);
}

// cfg: region then service, rlen and slen bytes.
static void gs_vconfig(sigv4rs_verifier_config *c, const uint8_t *cfg, size_t rlen, size_t slen,
                       uint32_t flags, uint32_t skip, uint32_t max_skew, uintptr_t handle)
{
	memset(c, 0, sizeof *c);
	c->region.ptr = rlen ? cfg : NULL;
	c->region.len = rlen;
	c->service.ptr = slen ? cfg + rlen : NULL;
	c->service.len = slen;
	c->flags = flags;
	c->skip = skip;
	c->max_skew = max_skew;
	c->lookup = gs_lookup;
	c->lookup_user = (void *)handle;
}

// sigv4rs_verify of the packed request (gs_fill's layout) with the body
// (or its hash) apart.
static uint32_t gs_verify(const uint8_t *cfg, size_t rlen, size_t slen, uint32_t flags, uint32_t skip,
                          uint32_t max_skew, uintptr_t handle,
                          const uint8_t *buf, const uint32_t *offs, size_t nheaders,
                          uint32_t mode, const uint8_t *payload, size_t payload_len, int64_t t,
                          sigv4rs_verify_result *res, uint8_t *cr, size_t cr_cap)
{
	sigv4rs_header hs[SIGV4RS_MAX_HEADERS];
	sigv4rs_verifier_config c;
	sigv4rs_request r;
	uint32_t st = gs_fill(&r, hs, buf, offs, nheaders, mode, payload, payload_len);

	if (st != SIGV4RS_STATUS_OK) {
		memset(res, 0, sizeof *res);
		return st;
	}
	gs_vconfig(&c, cfg, rlen, slen, flags, skip, max_skew, handle);
	return sigv4rs_verify(&c, &r, t, res, cr, cr_cap);
}

// sigv4rs_body_verifier_begin of the packed request; the body follows
// through sigv4rs_body_verifier_update into *body (C memory).
static uint32_t gs_body_begin(const uint8_t *cfg, size_t rlen, size_t slen, uint32_t flags, uint32_t skip,
                              uint32_t max_skew, uintptr_t handle,
                              const uint8_t *buf, const uint32_t *offs, size_t nheaders, int64_t t,
                              sigv4rs_verify_result *res, sigv4rs_body_verifier *body)
{
	sigv4rs_header hs[SIGV4RS_MAX_HEADERS];
	sigv4rs_verifier_config c;
	sigv4rs_request r;
	uint32_t st = gs_fill(&r, hs, buf, offs, nheaders, SIGV4RS_PAYLOAD_MODE_UNSIGNED, NULL, 0);

	if (st != SIGV4RS_STATUS_OK) {
		memset(res, 0, sizeof *res);
		return st;
	}
	gs_vconfig(&c, cfg, rlen, slen, flags, skip, max_skew, handle);
	return sigv4rs_body_verifier_begin(&c, &r, t, res, NULL, 0, body);
}
*/
import "C"

import (
	"bytes"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Operations of gs_request.
const (
	opSign          = int(C.GS_SIGN)
	opPresign       = int(C.GS_PRESIGN)
	opCanonical     = int(C.GS_CANONICAL)
	opStringToSign  = int(C.GS_STRING_TO_SIGN)
	authHeaders     = uint32(C.SIGV4RS_AUTH_HEADERS)
	authPresign     = uint32(C.SIGV4RS_AUTH_PRESIGN)
	firstOutputSize = 2048
	// Buffers that grew past this are not kept in the pool.
	maxPooledSize = 64 << 10
	// Payloads up to this size are copied into the packed buffer and
	// signed by sigv4rs_signer_sign_packed; larger ones are passed apart
	// (through a C request struct) rather than copied.
	maxPackedPayload = 16 << 10
	// The request's fields before its headers in a packed list: method,
	// url, host, path, query, payload.
	packedFirstHeader = int(C.SIGV4RS_PACKED_FIRST_HEADER)
	packedPayload     = 5
	// Signing again after another goroutine's provider call or Rotate
	// (see credState.raced), at most this often per call.
	maxRaceRetries = 3
)

// packer holds one call's packed arguments and output buffer; pooled so a
// signature costs few allocations. Everything C is given here is plain
// memory without Go pointers, which cgo lets C read and write during the
// call.
type packer struct {
	buf   []byte
	spans []C.uint32_t // (offset, length) in buf of each field
	big   bool         // buf outgrew uint32 offsets
	// The request's header map has another spelling of a name Sign sets
	// (see packHTTPLen and setOutput).
	respell bool
	out     []byte
	n       C.size_t           // *out_len; a field so its address needs no allocation
	loc     C.sigv4rs_location // where a failed request call went wrong, likewise
	ran     C.int              // the call ran the credentials provider, likewise
	// The output's header lines after a header signing: count, then name
	// offset and length, value offset and length in out, per line.
	fields [C.SIGV4RS_PACKED_FIELDS_LEN]C.uint32_t
}

var packers = sync.Pool{New: func() any {
	return &packer{
		buf:   make([]byte, 0, 1024),
		spans: make([]C.uint32_t, 0, 64),
		out:   make([]byte, firstOutputSize),
	}
}}

func getPacker() *packer {
	p := packers.Get().(*packer)
	p.buf = p.buf[:0]
	p.spans = p.spans[:0]
	p.big, p.respell = false, false
	return p
}

func putPacker(p *packer) {
	if cap(p.buf) > maxPooledSize || cap(p.out) > maxPooledSize {
		return
	}
	packers.Put(p)
}

func (p *packer) add(s string) {
	off := len(p.buf)
	p.buf = append(p.buf, s...)
	p.spans = append(p.spans, C.uint32_t(off), C.uint32_t(len(s)))
	if uint64(len(p.buf)) > math.MaxUint32 {
		p.big = true
	}
}

// field is packed field i.
func (p *packer) field(i int) []byte {
	off, n := int(p.spans[2*i]), int(p.spans[2*i+1])
	return p.buf[off : off+n]
}

// lines is the number of output header lines in p.fields.
func (p *packer) lines() int {
	return int(p.fields[0])
}

// line is output header line i (name, value) in out, by p.fields.
func (p *packer) line(out []byte, i int) (name, value []byte) {
	f := p.fields[1+4*i : 5+4*i]
	return out[f[0] : f[0]+f[1]], out[f[2] : f[2]+f[3]]
}

// parseFields fills p.fields from header output text ("Name: value\0..."),
// as sigv4rs_signer_sign_packed's fields output would be.
func (p *packer) parseFields(out []byte) {
	n, start := 0, 0
	for start < len(out) && n < int(C.SIGV4RS_MAX_OUTPUT_HEADERS) {
		end := len(out)
		if i := bytes.IndexByte(out[start:], 0); i >= 0 {
			end = start + i
		}
		f := p.fields[1+4*n : 5+4*n]
		f[0], f[1], f[2], f[3] = C.uint32_t(start), C.uint32_t(end-start), C.uint32_t(end), 0
		if i := bytes.Index(out[start:end], []byte(": ")); i >= 0 {
			f[1], f[2], f[3] = C.uint32_t(i), C.uint32_t(start+i+2), C.uint32_t(end-start-i-2)
		}
		start = end + 1
		n++
	}
	p.fields[0] = C.uint32_t(n)
}

// wipe zeroes the packed bytes (they may hold the secret key).
func (p *packer) wipe() {
	b := p.buf[:cap(p.buf)]
	for i := range b {
		b[i] = 0
	}
}

func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// newSignerC creates a library signer from packed config fields.
func newSignerC(p *packer, nunsigned int, flags uint32, expiration int64) (*C.sigv4rs_signer, error) {
	var st C.uint32_t
	if p.big {
		return nil, statusError(C.SIGV4RS_STATUS_INVALID_ARGUMENT)
	}
	s := C.gs_new(bytesPtr(p.buf), &p.spans[0], C.size_t(nunsigned), C.uint32_t(flags), C.int64_t(expiration), &st)
	if st != C.SIGV4RS_STATUS_OK {
		return nil, statusError(uint32(st))
	}
	return s, nil
}

// request runs op on the packed request (its payload field left empty:
// payload is given here) and returns the output without its final NUL.
// The result aliases p.out: copy it before putPacker. For opSign, p.fields
// then holds its header lines. auth (authHeaders or authPresign) matters
// to opCanonical and opStringToSign.
//
// Signing and presigning go through sigv4rs_signer_sign_packed: the Go
// buffers are passed as they are (plain bytes and uint32s, which cgo lets
// C read) and no C struct is built; its fields output gives the header
// lines (the struct path parses them with parseFields). Other operations, large
// payloads and unknown payload modes (whose status the struct calls give)
// take the struct path, as does locating the input a failed call is about.
func (s *Signer) request(op int, p *packer, nheaders int, mode PayloadMode, payload []byte, unix int64, auth, expires uint32) ([]byte, error) {
	if s == nil {
		return nil, argError(ErrNullArgument, "signer is nil")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.p == nil {
		return nil, ErrClosed
	}
	if p.big {
		return nil, statusError(C.SIGV4RS_STATUS_INVALID_ARGUMENT)
	}
	packed := (op == opSign || op == opPresign) && len(payload) <= maxPackedPayload &&
		mode <= PayloadUnsigned && uint64(len(p.buf)+len(payload)) <= math.MaxUint32
	if packed {
		p.spans[2*packedPayload] = C.uint32_t(len(p.buf))
		p.spans[2*packedPayload+1] = C.uint32_t(len(payload))
		p.buf = append(p.buf, payload...)
	}
	gen, retries := s.cs.refreshes(), 0
	for {
		var st C.uint32_t
		if packed {
			st = C.gs_sign_packed(unsafe.Pointer(s.p), bytesPtr(p.buf), C.size_t(len(p.buf)),
				&p.spans[0], C.size_t(len(p.spans)), C.uint32_t(mode), C.int64_t(unix),
				C.uint32_t(auth), C.uint32_t(expires),
				bytesPtr(p.out), C.size_t(len(p.out)), &p.n, &p.fields[0], C.size_t(len(p.fields)), &p.ran)
		} else {
			st = C.gs_request(C.int(op), s.p, bytesPtr(p.buf), &p.spans[0], C.size_t(nheaders),
				C.uint32_t(mode), bytesPtr(payload), C.size_t(len(payload)),
				C.int64_t(unix), C.uint32_t(auth), C.uint32_t(expires),
				bytesPtr(p.out), C.size_t(len(p.out)), &p.n, &p.loc, &p.ran)
		}
		runtime.KeepAlive(s)
		if p.ran != 0 {
			s.cs.notify()
		}
		switch {
		case st == C.SIGV4RS_STATUS_OK:
			if p.n == 0 {
				return nil, statusError(C.SIGV4RS_STATUS_PANIC)
			}
			out := p.out[:p.n-1]
			if op == opSign && !packed {
				p.parseFields(out)
			}
			return out, nil
		case st == C.SIGV4RS_STATUS_BUFFER_TOO_SMALL && int(p.n) > len(p.out):
			// *out_len is the size needed: one retry suffices.
			p.out = make([]byte, int(p.n))
		case retries < maxRaceRetries && s.cs.raced(uint32(st), unix, gen):
			// Another goroutine's provider call (or Rotate) held the
			// credentials: signed again with what it brought.
			gen = s.cs.refreshes()
			retries++
		default:
			if packed {
				// The slow path: the same request as a struct, asked where.
				C.gs_relocate(bytesPtr(p.buf), &p.spans[0], C.size_t(nheaders),
					C.uint32_t(mode), bytesPtr(payload), C.size_t(len(payload)), st, &p.loc)
			}
			return nil, s.cs.explain(p.locatedError(uint32(st)))
		}
	}
}

// locatedError is the error for status st of the packed request's call,
// with p.loc (written by the C helper on failure) as its location.
func (p *packer) locatedError(st uint32) error {
	e := statusError(st).(*Error)
	field := locField(p.loc.field)
	if field == "" {
		return e
	}
	e.Field = field
	e.Index, e.Offset = -1, -1
	if p.loc.offset != C.SIGV4RS_NO_OFFSET {
		e.Offset = int(p.loc.offset)
	}
	if field == FieldHeaderName || field == FieldHeaderValue {
		e.Index = int(p.loc.index)
		e.HeaderName = p.headerName(e.Index)
	}
	return e
}

// headerName is the name of packed header i (fields: method, url, host,
// path, query, payload, then name and value of each header).
func (p *packer) headerName(i int) string {
	k := packedFirstHeader + 2*i
	if i < 0 || 2*k+1 >= len(p.spans) {
		return ""
	}
	return string(p.field(k))
}

func locField(f C.uint32_t) string {
	switch f {
	case C.SIGV4RS_FIELD_METHOD:
		return FieldMethod
	case C.SIGV4RS_FIELD_URL:
		return FieldURL
	case C.SIGV4RS_FIELD_HOST:
		return FieldHost
	case C.SIGV4RS_FIELD_PATH:
		return FieldPath
	case C.SIGV4RS_FIELD_QUERY:
		return FieldQuery
	case C.SIGV4RS_FIELD_HEADERS:
		return FieldHeaders
	case C.SIGV4RS_FIELD_HEADER_NAME:
		return FieldHeaderName
	case C.SIGV4RS_FIELD_HEADER_VALUE:
		return FieldHeaderValue
	case C.SIGV4RS_FIELD_PAYLOAD_MODE:
		return FieldPayloadMode
	case C.SIGV4RS_FIELD_PAYLOAD:
		return FieldPayload
	}
	return ""
}

type cSigner = C.sigv4rs_signer

func freeSignerC(p *C.sigv4rs_signer) {
	C.sigv4rs_signer_free(p)
}

func statusText(st uint32) string {
	return C.GoString(C.sigv4rs_status_str(C.uint32_t(st)))
}

// Version is the version of the linked library, "major.minor.patch".
func Version() string {
	return C.GoString(C.sigv4rs_version())
}

// headerVersion is the version of the sigv4rs.h compiled against.
func headerVersion() string {
	return fmt.Sprintf("%d.%d.%d", C.SIGV4RS_VERSION_MAJOR, C.SIGV4RS_VERSION_MINOR, C.SIGV4RS_VERSION_PATCH)
}

// abiErr is set when the header or library is of another ABI (pre-1.0:
// another major.minor) than abi_gen.go's, which would give wrong statuses
// or worse: every constructor returns it instead of a signer.
var abiErr = checkABI(headerVersion(), Version())

func checkABI(header, library string) error {
	want := fmt.Sprintf("%d.%d", abiMajor, abiMinor)
	for _, v := range [...]struct{ what, version string }{{"sigv4rs.h", header}, {"linked library", library}} {
		if majorMinor(v.version) != want {
			return fmt.Errorf("sigv4rs: %s is version %s, this binding needs ABI %s (abi_gen.go, version %s)",
				v.what, v.version, want, abiVersion)
		}
	}
	return nil
}

// majorMinor is "1.2" for "1.2.3".
func majorMinor(v string) string {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		if j := strings.IndexByte(v[i+1:], '.'); j >= 0 {
			return v[:i+1+j]
		}
	}
	return v
}

// cChunked is the library's streaming state. It lives in C memory
// (calloc): the state must stay put from call to call, and Go promises
// that for none of its memory (goroutine stacks move).
type cChunked = C.sigv4rs_chunked

// Output room that suffices in every mode: the SigV4a maxima are the
// larger (144-character signatures), and a few dozen bytes more per
// buffer cost nothing measurable (BUFFER_TOO_SMALL is retried anyway).
const (
	chunkHeaderRoom = int(C.SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN)
	chunkFinishRoom = int(C.SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN)
)

func newChunkedState() *cChunked {
	return (*cChunked)(C.calloc(1, C.SIGV4RS_CHUNKED_STATE_SIZE))
}

func freeChunkedState(st *cChunked) {
	C.free(unsafe.Pointer(st))
}

func encodedLengthC(mode StreamMode, ck Checksum, size uint64, chunk uint32) (uint64, error) {
	var n C.uint64_t
	st := C.gs_encoded_length(C.uint32_t(mode), C.uint32_t(ck), C.uint64_t(size), C.uint32_t(chunk), &n)
	if st != C.SIGV4RS_STATUS_OK {
		return 0, statusError(uint32(st))
	}
	return uint64(n), nil
}

// chunkedBegin signs the packed seed request into state and returns the
// seed headers (without the final NUL), aliasing p.out like request.
func (s *Signer) chunkedBegin(p *packer, nheaders int, unix int64, mode StreamMode, ck Checksum,
	size uint64, chunk uint32, state *cChunked) ([]byte, error) {
	if s == nil {
		return nil, argError(ErrNullArgument, "signer is nil")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.p == nil {
		return nil, ErrClosed
	}
	gen, retries := s.cs.refreshes(), 0
	for {
		if p.big {
			return nil, statusError(C.SIGV4RS_STATUS_INVALID_ARGUMENT)
		}
		st := C.gs_chunked_begin(s.p, bytesPtr(p.buf), &p.spans[0], C.size_t(nheaders), C.int64_t(unix),
			C.uint32_t(mode), C.uint32_t(ck), C.uint64_t(size), C.uint32_t(chunk), state,
			bytesPtr(p.out), C.size_t(len(p.out)), &p.n, &p.loc, &p.ran)
		runtime.KeepAlive(s)
		if p.ran != 0 {
			s.cs.notify()
		}
		switch {
		case st == C.SIGV4RS_STATUS_OK:
			if p.n == 0 {
				return nil, statusError(C.SIGV4RS_STATUS_PANIC)
			}
			return p.out[:p.n-1], nil
		case st == C.SIGV4RS_STATUS_BUFFER_TOO_SMALL && int(p.n) > len(p.out):
			p.out = make([]byte, int(p.n))
		case retries < maxRaceRetries && s.cs.raced(uint32(st), unix, gen):
			gen = s.cs.refreshes()
			retries++
		default:
			return nil, s.cs.explain(p.locatedError(uint32(st)))
		}
	}
}

// chunkedAppend appends the header of chunk data (finish false) or the end
// of the body (finish true) to dst. The output is written straight into
// dst's spare capacity: plain bytes, which C may write during the call.
func (s *Signer) chunkedAppend(state *cChunked, data, dst []byte, finish bool) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.p == nil {
		return dst, ErrClosed
	}
	room := chunkHeaderRoom
	if finish {
		room = chunkFinishRoom
	}
	var n C.size_t
	for {
		if cap(dst)-len(dst) < room {
			grown := make([]byte, len(dst), len(dst)+room)
			copy(grown, dst)
			dst = grown
		}
		spare := dst[len(dst):cap(dst)]
		var st C.uint32_t
		if finish {
			st = C.uint32_t(C.sigv4rs_chunked_finish(s.p, state, bytesPtr(spare), C.size_t(len(spare)), &n))
		} else {
			st = C.gs_sign_chunk(s.p, state, bytesPtr(data), C.size_t(len(data)),
				bytesPtr(spare), C.size_t(len(spare)), &n)
		}
		runtime.KeepAlive(s)
		switch {
		case st == C.SIGV4RS_STATUS_OK && int(n) <= len(spare):
			return dst[:len(dst)+int(n)], nil
		case st == C.SIGV4RS_STATUS_BUFFER_TOO_SMALL && int(n) > len(spare):
			// The state is unchanged: retry with the size asked for.
			room = int(n)
		case st == C.SIGV4RS_STATUS_OK:
			return dst, statusError(C.SIGV4RS_STATUS_PANIC)
		default:
			return dst, statusError(uint32(st))
		}
	}
}

// rotateC replaces the signer's credentials with the packed fields (access
// key id, secret, session token).
func rotateC(s *cSigner, p *packer, expiration int64) error {
	st := C.gs_rotate(s, bytesPtr(p.buf), &p.spans[0], C.int64_t(expiration))
	if st != C.SIGV4RS_STATUS_OK {
		return statusError(uint32(st))
	}
	return nil
}

// rotateXMLC replaces the signer's credentials with those of a
// CreateSession or STS XML response.
func rotateXMLC(s *cSigner, xml []byte) error {
	st := C.gs_rotate_xml(s, bytesPtr(xml), C.size_t(len(xml)))
	if st != C.SIGV4RS_STATUS_OK {
		return statusError(uint32(st))
	}
	return nil
}

// sinkPutC gives a provider call's sink the packed credentials.
func sinkPutC(sink *C.sigv4rs_credentials_sink, p *packer, expiration int64) error {
	st := C.gs_sink_put(sink, bytesPtr(p.buf), &p.spans[0], C.int64_t(expiration))
	if st != C.SIGV4RS_STATUS_OK {
		return statusError(uint32(st))
	}
	return nil
}

// setProviderC makes the library call sigv4rsGoProvider with handle (0:
// no provider).
func setProviderC(s *cSigner, handle uintptr, marginSecs uint32) error {
	st := C.gs_set_provider(s, C.uintptr_t(handle), C.uint32_t(marginSecs))
	if st != C.SIGV4RS_STATUS_OK {
		return statusError(uint32(st))
	}
	return nil
}

// expirationC is when the signer's credentials expire (0: never).
func expirationC(s *cSigner) (int64, error) {
	var out C.int64_t
	st := C.sigv4rs_signer_expiration(s, &out)
	if st != C.SIGV4RS_STATUS_OK {
		return 0, statusError(uint32(st))
	}
	return int64(out), nil
}

type cChain = C.sigv4rs_chain

// chainNewC creates a library chain from packed fields (profile, region)
// whose transport calls sigv4rsGoTransport with handle.
func chainNewC(p *packer, handle uintptr, processTimeoutMs uint32) (*cChain, error) {
	var st C.uint32_t
	if p.big {
		return nil, statusError(C.SIGV4RS_STATUS_INVALID_ARGUMENT)
	}
	c := C.gs_chain_new(bytesPtr(p.buf), &p.spans[0], C.uintptr_t(handle), C.uint32_t(processTimeoutMs), &st)
	if st != C.SIGV4RS_STATUS_OK {
		return nil, statusError(uint32(st))
	}
	return c, nil
}

// verifyC runs sigv4rs_verify on the packed request (n headers) with the
// body or hash apart, the lookup reaching handle h.
func verifyC(v *Verifier, p *packer, n int, mode uint32, payload []byte, h uintptr, unix int64,
	res *C.sigv4rs_verify_result) uint32 {
	st := C.gs_verify(bytesPtr(v.cfg), C.size_t(v.rlen), C.size_t(v.slen), C.uint32_t(v.flags),
		C.uint32_t(v.skip), C.uint32_t(v.maxSkew), C.uintptr_t(h),
		bytesPtr(p.buf), &p.spans[0], C.size_t(n), C.uint32_t(mode),
		bytesPtr(payload), C.size_t(len(payload)), C.int64_t(unix), res, nil, 0)
	return uint32(st)
}

// cBodyVerifier is the library's body verification state, in C memory
// (calloc): it must stay put from call to call.
type cBodyVerifier = C.sigv4rs_body_verifier

func newBodyState() *cBodyVerifier {
	return (*cBodyVerifier)(C.calloc(1, C.SIGV4RS_BODY_VERIFIER_SIZE))
}

func freeBodyState(b *cBodyVerifier) {
	C.free(unsafe.Pointer(b))
}

// bodyBeginC runs sigv4rs_body_verifier_begin on the packed request.
func bodyBeginC(v *Verifier, p *packer, n int, h uintptr, unix int64, res *C.sigv4rs_verify_result,
	state *cBodyVerifier) uint32 {
	st := C.gs_body_begin(bytesPtr(v.cfg), C.size_t(v.rlen), C.size_t(v.slen), C.uint32_t(v.flags),
		C.uint32_t(v.skip), C.uint32_t(v.maxSkew), C.uintptr_t(h),
		bytesPtr(p.buf), &p.spans[0], C.size_t(n), C.int64_t(unix), res, state)
	return uint32(st)
}

// bodyUpdateC decodes data in place: its first n bytes are then payload.
func bodyUpdateC(state *cBodyVerifier, data []byte) (int, uint32) {
	var n C.size_t
	st := C.sigv4rs_body_verifier_update(state, bytesPtr(data), C.size_t(len(data)), &n)
	if st == C.SIGV4RS_STATUS_OK && int(n) > len(data) {
		return 0, C.SIGV4RS_STATUS_PANIC // the library broke its promise
	}
	if st != C.SIGV4RS_STATUS_OK {
		return 0, uint32(st)
	}
	return int(n), uint32(st)
}

func bodyFinishC(state *cBodyVerifier) uint32 {
	return uint32(C.sigv4rs_body_verifier_finish(state))
}
