//go:build cgo

package sigv4rs

// No definitions here: this file has an //export, so cgo copies its
// preamble into two C files. The C helpers are in cgo.go.

// #include <stdint.h>
// #include "sigv4rs.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"runtime/cgo"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// VerifySkip is a set of policy checks a Verifier leaves out (bits of
// sigv4rs_verifier_config.skip). Every check is on by default.
type VerifySkip uint32

const (
	// SkipClockSkew: accept any request time (header form), or a presigned
	// URL dated in the future.
	SkipClockSkew VerifySkip = C.SIGV4RS_VERIFY_SKIP_CLOCK_SKEW
	// SkipExpiry: accept a presigned URL after X-Amz-Date + X-Amz-Expires.
	SkipExpiry VerifySkip = C.SIGV4RS_VERIFY_SKIP_EXPIRY
	// SkipRegion: accept any region in the credential scope.
	SkipRegion VerifySkip = C.SIGV4RS_VERIFY_SKIP_REGION
	// SkipService: accept any service in the credential scope.
	SkipService VerifySkip = C.SIGV4RS_VERIFY_SKIP_SERVICE
	// SkipUnsignedHeaders: accept host and x-amz-* headers unsigned.
	SkipUnsignedHeaders VerifySkip = C.SIGV4RS_VERIFY_SKIP_UNSIGNED_HEADERS
	// SkipPayloadHash: do not compare a signed x-amz-content-sha256 with
	// the body.
	SkipPayloadHash VerifySkip = C.SIGV4RS_VERIFY_SKIP_PAYLOAD_HASH
)

// VerifierConfig is what a Verifier expects of requests.
type VerifierConfig struct {
	Region  string // the region requests must be scoped to, e.g. "us-east-1"
	Service string // the service, e.g. "s3"

	// S3 rules: the path encoded once and not normalized, presigned
	// requests with UNSIGNED-PAYLOAD.
	S3 bool
	// For other services: keep ".", ".." and empty path segments.
	NoPathNormalization bool
	// For other services: the path encoded once.
	SingleEncodePath bool
	// Clients that attach the session token after signing: it is then
	// neither a signed header nor part of the canonical query.
	UnsignedSessionToken bool

	// Skip turns policy checks off.
	Skip VerifySkip
	// MaxSkew is the allowed clock skew (whole seconds); 0 means 15
	// minutes, as AWS.
	MaxSkew time.Duration

	// Lookup returns the credentials of an access key id: its secret and,
	// for temporary credentials, the session token requests must carry
	// (Credentials.AccessKeyID and Expires are not used). For a key it
	// does not know it returns an error that errors.Is ErrUnknownAccessKey;
	// any other error fails the verification with ErrLookupFailed (the
	// error is the *Error's Err). ctx is the request's. The secret is
	// copied straight into the library's buffer, which is wiped after the
	// call; the binding keeps no copy. Lookup may be called from many
	// goroutines at once.
	Lookup func(ctx context.Context, accessKeyID string) (Credentials, error)

	// Now is the server's clock (default time.Now).
	Now func() time.Time
}

// Verifier checks SigV4 signatures of received requests (Authorization
// header or presigned query) through the library's sigv4rs_verify. It is
// immutable and safe for concurrent use, and holds nothing to release.
type Verifier struct {
	cfg        []byte // region then service
	rlen, slen int
	flags      uint32
	skip       uint32
	maxSkew    uint32
	lookup     func(context.Context, string) (Credentials, error)
	now        func() time.Time
}

// NewVerifier checks cfg and makes a Verifier. The region and service are
// checked by the library on each call (ErrInvalidRegion, ErrInvalidService).
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	if cfg.Lookup == nil {
		return nil, argError(ErrNullArgument, "VerifierConfig.Lookup is nil")
	}
	if cfg.MaxSkew < 0 || cfg.MaxSkew/time.Second > math.MaxUint32 {
		return nil, argError(ErrInvalidArgument, "VerifierConfig.MaxSkew out of range")
	}
	if cfg.Skip&^VerifySkip(C.SIGV4RS_VERIFY_SKIP_CLOCK_SKEW|C.SIGV4RS_VERIFY_SKIP_EXPIRY|
		C.SIGV4RS_VERIFY_SKIP_REGION|C.SIGV4RS_VERIFY_SKIP_SERVICE|
		C.SIGV4RS_VERIFY_SKIP_UNSIGNED_HEADERS|C.SIGV4RS_VERIFY_SKIP_PAYLOAD_HASH) != 0 {
		return nil, argError(ErrInvalidArgument, "unknown VerifySkip bits")
	}
	v := &Verifier{
		cfg:     []byte(cfg.Region + cfg.Service),
		rlen:    len(cfg.Region),
		slen:    len(cfg.Service),
		skip:    uint32(cfg.Skip),
		maxSkew: uint32(cfg.MaxSkew / time.Second),
		lookup:  cfg.Lookup,
		now:     cfg.Now,
	}
	if v.now == nil {
		v.now = time.Now
	}
	for _, f := range []struct {
		on  bool
		bit uint32
	}{
		{cfg.S3, flagS3},
		{cfg.NoPathNormalization, flagNoPathNormalization},
		{cfg.SingleEncodePath, flagSingleEncodePath},
		{cfg.UnsignedSessionToken, flagUnsignedSessionToken},
	} {
		if f.on {
			v.flags |= f.bit
		}
	}
	return v, nil
}

// VerifyForm is where a request carries its signature.
type VerifyForm int

const (
	FormNone   VerifyForm = C.SIGV4RS_VERIFY_FORM_NONE   // not determined
	FormHeader VerifyForm = C.SIGV4RS_VERIFY_FORM_HEADER // the Authorization header
	FormQuery  VerifyForm = C.SIGV4RS_VERIFY_FORM_QUERY  // a presigned query
)

func (f VerifyForm) String() string {
	switch f {
	case FormHeader:
		return "header"
	case FormQuery:
		return "query"
	}
	return "none"
}

// VerifyResult is what a verification found: all of it for an accepted
// request, as far as it got for a rejected one (the claimed access key id
// can be logged). It never holds the secret.
type VerifyResult struct {
	Form          VerifyForm
	AccessKeyID   string
	Region        string        // the credential scope's
	Service       string        // the credential scope's
	SignedHeaders []string      // lower-case, sorted
	SignedAt      time.Time     // X-Amz-Date (UTC); zero until parsed
	Expires       time.Duration // X-Amz-Expires of a presigned request; 0 otherwise
}

// verifyCall is one verification's state, reached from the lookup
// callback through a cgo.Handle that lives for the call only.
type verifyCall struct {
	ctx    context.Context
	lookup func(context.Context, string) (Credentials, error)
	err    error // why the lookup failed, for the *Error's Err
}

// handle registers c for one library call; the caller deletes it.
func (c *verifyCall) handle() cgo.Handle {
	return cgo.NewHandle(c)
}

// lastLookupHandle is set by tests to see the handle of the last call.
var lastLookupHandle func(cgo.Handle)

// sigv4rsGoLookup is the library's secret lookup for every Verifier
// (gs_lookup in cgo.go calls it). It copies the secret and token from the
// Credentials straight into the library's buffers. Nothing unwinds into C:
// a panic of Lookup (or a stale handle) is a lookup failure.
//
//export sigv4rsGoLookup
func sigv4rsGoLookup(handle C.uintptr_t, akid *C.uint8_t, akidLen C.size_t,
	secret *C.uint8_t, secretCap C.size_t, secretLen *C.size_t,
	token *C.uint8_t, tokenCap C.size_t, tokenLen *C.size_t) (st C.uint32_t) {
	var call *verifyCall
	defer func() {
		if r := recover(); r != nil {
			if call != nil {
				call.err = &PanicError{Value: r, Stack: debug.Stack()}
			}
			st = C.SIGV4RS_STATUS_LOOKUP_FAILED
		}
	}()
	call = cgo.Handle(handle).Value().(*verifyCall)
	id := ""
	if akidLen > 0 {
		id = C.GoStringN((*C.char)(unsafe.Pointer(akid)), C.int(akidLen))
	}
	c, err := call.lookup(call.ctx, id)
	if err != nil {
		call.err = err
		if errors.Is(err, ErrUnknownAccessKey) {
			return C.SIGV4RS_STATUS_UNKNOWN_ACCESS_KEY
		}
		return C.SIGV4RS_STATUS_LOOKUP_FAILED
	}
	if len(c.SecretAccessKey) == 0 || len(c.SecretAccessKey) > int(secretCap) ||
		len(c.SessionToken) > int(tokenCap) {
		// Lengths only: the values stay out of the error.
		call.err = fmt.Errorf("sigv4rs: Lookup returned a secret of %d bytes (1 to %d) and a token of %d (at most %d)",
			len(c.SecretAccessKey), int(secretCap), len(c.SessionToken), int(tokenCap))
		return C.SIGV4RS_STATUS_LOOKUP_FAILED
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(secret)), int(secretCap)), c.SecretAccessKey)
	*secretLen = C.size_t(len(c.SecretAccessKey))
	if c.SessionToken != "" {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(token)), int(tokenCap)), c.SessionToken)
		*tokenLen = C.size_t(len(c.SessionToken))
	}
	return C.SIGV4RS_STATUS_OK
}

// Verify checks the signature of r, a request as a server received it,
// with body its whole body (nil or empty: none). It does not read r.Body.
//
// What is checked is what came over the wire: r.Method, r.Host, the
// request target r.RequestURI (for a request made in Go rather than
// received, URL.EscapedPath and URL.RawQuery), every value of every
// r.Header entry, and Content-Length from r.ContentLength when r.Header
// has none (a request made in Go).
//
// On success it returns the result and nil. On failure it returns the
// result as far as the verification got (never nil) and an *Error whose
// Status says why (errors.Is(err, ErrSignatureMismatch),
// ErrClockSkew...); for ErrUnknownAccessKey and ErrLookupFailed its Err is
// Lookup's error.
//
// aws-chunked bodies (X-Amz-Content-Sha256: STREAMING-*) are refused
// here (ErrStreamingUnsupported): use Begin.
func (v *Verifier) Verify(r *http.Request, body []byte) (*VerifyResult, error) {
	res := &VerifyResult{}
	if v == nil || r == nil || r.URL == nil {
		return res, argError(ErrNullArgument, "verifier, request or its URL is nil")
	}
	p := getPacker()
	defer putPacker(p)
	n, err := packReceived(p, r)
	if err != nil {
		return res, err
	}
	if p.big {
		return res, statusError(C.SIGV4RS_STATUS_INPUT_TOO_LONG)
	}
	call := &verifyCall{ctx: r.Context(), lookup: v.lookup}
	h := call.handle()
	defer h.Delete()
	if lastLookupHandle != nil {
		lastLookupHandle(h)
	}
	var cres C.sigv4rs_verify_result
	st := verifyC(v, p, n, C.SIGV4RS_PAYLOAD_MODE_BYTES, body, uintptr(h), unixTime(v.now()), &cres)
	runtime.KeepAlive(v)
	res.fill(&cres)
	return res, call.result(st)
}

// result is the error for status st of the call (nil for OK).
func (c *verifyCall) result(st uint32) error {
	if st == C.SIGV4RS_STATUS_OK {
		return nil
	}
	e := statusError(st).(*Error)
	if st == C.SIGV4RS_STATUS_UNKNOWN_ACCESS_KEY || st == C.SIGV4RS_STATUS_LOOKUP_FAILED {
		e.Err = c.err
	}
	return e
}

func (res *VerifyResult) fill(c *C.sigv4rs_verify_result) {
	res.Form = VerifyForm(c.form)
	res.AccessKeyID = cField(c.access_key_id[:], c.access_key_id_len)
	res.Region = cField(c.region[:], c.region_len)
	res.Service = cField(c.service[:], c.service_len)
	res.SignedHeaders = nil
	if sh := cField(c.signed_headers[:], c.signed_headers_len); sh != "" {
		res.SignedHeaders = strings.Split(sh, ";")
	}
	res.SignedAt = time.Time{}
	if c.signed_at != 0 {
		res.SignedAt = time.Unix(int64(c.signed_at), 0).UTC()
	}
	res.Expires = time.Duration(c.expires) * time.Second
}

// cField is the first n bytes of a fixed result array.
func cField(a []C.uint8_t, n C.size_t) string {
	if int(n) > len(a) {
		n = C.size_t(len(a))
	}
	b := make([]byte, int(n))
	for i := range b {
		b[i] = byte(a[i])
	}
	return string(b)
}

// packReceived packs r as received (gs_fill's layout) and returns the
// header count.
func packReceived(p *packer, r *http.Request) (int, error) {
	path, query := wirePath(r), r.URL.RawQuery
	if strings.HasPrefix(r.RequestURI, "/") {
		// The request target as it came, not as Go parsed it.
		path, query = r.RequestURI, ""
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path, query = path[:i], path[i+1:]
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	p.add(method)
	p.add("")
	p.add("") // the host goes as a Host header: verified as received, not lower-cased
	p.add(path)
	p.add(query)
	p.add("") // the payload, given apart
	n := 0
	if host != "" {
		p.add("Host")
		p.add(host)
		n++
	}
	if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength > 0 {
		p.add("Content-Length")
		p.add(strconv.FormatInt(r.ContentLength, 10))
		n++
	}
	for k, vs := range r.Header {
		if k == "Host" {
			continue // r.Host is the one received
		}
		for _, v := range vs {
			p.add(k)
			p.add(v)
			n++
		}
	}
	if n > int(C.SIGV4RS_MAX_HEADERS) {
		return 0, statusError(C.SIGV4RS_STATUS_TOO_MANY_HEADERS)
	}
	return n, nil
}
