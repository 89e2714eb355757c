// Package sigv4rs signs HTTP requests with AWS Signature Version 4 through
// the sigv4rs C library (a Rust crate with a C ABI).
//
// Make one Signer per set of credentials and reuse it from any number of
// goroutines; sign a *http.Request in place with Sign, SignPayloadHash or
// SignUnsigned, make a presigned URL with Presign, or wrap an
// http.RoundTripper with Transport. The Raw methods take the request as the
// exact bytes that go on the wire, for full control.
//
// The package links the installed library (`make install` in the sigv4rs
// checkout), found through pkg-config: libsigv4rs.so by default,
// libsigv4rs.a with -tags sigv4rs_static. README.md, "Install", has the
// details.
package sigv4rs

// #include "sigv4rs.h"
import "C"

import (
	"bytes"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Flag bits of sigv4rs_config.flags.
const (
	flagS3                   = C.SIGV4RS_FLAG_S3
	flagNoPathNormalization  = C.SIGV4RS_FLAG_NO_PATH_NORMALIZATION
	flagSingleEncodePath     = C.SIGV4RS_FLAG_SINGLE_ENCODE_PATH
	flagContentSHA256Header  = C.SIGV4RS_FLAG_CONTENT_SHA256_HEADER
	flagUnsignedSessionToken = C.SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN
	flagS3Express            = C.SIGV4RS_FLAG_S3EXPRESS
	flagSigV4a               = C.SIGV4RS_FLAG_SIGV4A
)

// Config holds a signer's credentials and settings. The library copies the
// strings; the Config may be reused or dropped after NewSigner.
type Config struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // empty: none
	Region          string // e.g. "us-east-1"; with SigV4a the region set, e.g. "*"
	Service         string // signing name, e.g. "s3", "es", "execute-api"

	// S3 rules: no path normalization, path encoded once,
	// X-Amz-Content-SHA256 always added, presigned URLs UNSIGNED-PAYLOAD.
	S3 bool
	// Keep ".", ".." and empty path segments (non-S3).
	NoPathNormalization bool
	// Encode the path once, as S3 does, for another service.
	SingleEncodePath bool
	// Add and sign X-Amz-Content-SHA256 for any service.
	ContentSHA256Header bool
	// Attach the session token after signing, unsigned.
	UnsignedSessionToken bool
	// Header names never to sign, besides the library's built-in list.
	UnsignedHeaders []string

	// SigV4a signs with AWS4-ECDSA-P256-SHA256 (multi-Region access
	// points, global endpoints): Region is then the region set
	// ("us-east-1", "us-east-1,us-west-2" or "*"), signed as
	// X-Amz-Region-Set. The signature is ECDSA P-256 (hex DER): this
	// library's is deterministic (RFC 6979), other signers' are not, so
	// check one by verifying it with the key derived from the
	// credentials, not by comparing bytes. A bad region set is
	// ErrInvalidRegionSet. aws-chunked uploads (SignStreaming) keep their
	// StreamMode names and are signed with ECDSA too
	// (STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]).
	SigV4a bool
	// S3Express signs for S3 Express One Zone directory buckets (Service
	// "s3express", credentials from CreateSession: see RotateXML): S3's
	// rules, and the session token goes in X-Amz-S3session-Token (header
	// and presigned URL) instead of X-Amz-Security-Token. Credentials
	// without a session token are refused (ErrInvalidSessionToken);
	// together with SigV4a, ErrInvalidArgument (AWS signs S3 Express with
	// SigV4 only).
	S3Express bool

	// Now is the clock (default time.Now); tests set a fixed instant.
	Now func() time.Time

	// Expiration is when the credentials above expire (zero: never). From
	// then on signing fails with ErrCredentialsExpired, unless Rotate or
	// the Provider replaced them. Whole seconds (rounded down).
	Expiration time.Time
	// Provider, when set, is asked for credentials by a signing call when
	// the signer has none (the three key fields above may be empty) or
	// they expire within ProviderMargin; see CredentialsProvider. A
	// *Chain (NewDefaultChain) is the SDKs' default credential chain.
	Provider CredentialsProvider
	// ProviderMargin is how long before expiry the Provider is asked:
	// 0 means DefaultProviderMargin (5 minutes), a negative value none (at
	// expiry). Whole seconds (rounded up).
	ProviderMargin time.Duration
	// ProviderTimeout bounds each Retrieve (the context's deadline): 0 or
	// less means DefaultProviderTimeout (30 s). For a Chain it bounds the
	// STS exchanges of a resolve (see Chain).
	ProviderTimeout time.Duration
}

// Signer signs requests. It is safe for concurrent use; its settings are
// immutable and its credentials change only through Rotate or the
// Provider, atomically (each signature uses one set, whole). Close
// releases it (and zeroes the secret); a finalizer does so too if Close
// is never called.
type Signer struct {
	// Close takes the write lock so the library's free never races with a
	// signing call (the C API forbids that).
	mu     sync.RWMutex
	p      *cSigner
	now    func() time.Time
	cs     *credState             // credentials that change (provider.go)
	handle uintptr                // the cgo.Handle of cs given to the library, 0 without a Provider
	rotMu  sync.Mutex             // one Rotate at a time (the library says BUSY to a second)
	date   atomic.Pointer[string] // the last X-Amz-Date value, to reuse it
	v4a    bool                   // Config.SigV4a: streaming modes map to the _V4A ones
}

// NewSigner validates cfg and creates a signer.
func NewSigner(cfg Config) (*Signer, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	var flags uint32
	for _, f := range []struct {
		on  bool
		bit uint32
	}{
		{cfg.S3, flagS3},
		{cfg.NoPathNormalization, flagNoPathNormalization},
		{cfg.SingleEncodePath, flagSingleEncodePath},
		{cfg.ContentSHA256Header, flagContentSHA256Header},
		{cfg.UnsignedSessionToken, flagUnsignedSessionToken},
		{cfg.S3Express, flagS3Express},
		{cfg.SigV4a, flagSigV4a},
	} {
		if f.on {
			flags |= f.bit
		}
	}
	exp, err := expirationSecs(cfg.Expiration)
	if err != nil {
		return nil, err
	}
	p := getPacker()
	p.add(cfg.AccessKeyID)
	p.add(cfg.SecretAccessKey)
	p.add(cfg.SessionToken)
	p.add(cfg.Region)
	p.add(cfg.Service)
	for _, h := range cfg.UnsignedHeaders {
		p.add(h)
	}
	c, err := newSignerC(p, len(cfg.UnsignedHeaders), flags, exp)
	p.wipe()
	putPacker(p)
	if err != nil {
		return nil, err
	}
	s := &Signer{p: c, now: cfg.Now, cs: &credState{}, v4a: cfg.SigV4a}
	s.cs.setToken(cfg.SessionToken)
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.Provider != nil {
		if err := s.setProvider(cfg.Provider, cfg.ProviderMargin, cfg.ProviderTimeout); err != nil {
			freeSignerC(c)
			return nil, err
		}
	}
	runtime.SetFinalizer(s, (*Signer).free)
	return s, nil
}

// Close frees the signer, zeroing its keys. Later calls return ErrClosed.
// Close is idempotent and waits for signing calls in progress.
func (s *Signer) Close() error {
	if s == nil {
		return nil
	}
	s.free()
	runtime.SetFinalizer(s, nil)
	return nil
}

func (s *Signer) free() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil {
		freeSignerC(s.p)
		s.p = nil
	}
	// After the free: no provider call can be running or start.
	s.deleteHandle()
}

// Header is one request header.
type Header struct {
	Name, Value string
}

// PayloadMode says how Request.Payload becomes the canonical request's
// payload hash.
type PayloadMode uint32

const (
	// PayloadAuto: the value of an X-Amz-Content-SHA256 header among the
	// request's headers if there is one; else UNSIGNED-PAYLOAD for an S3
	// presigned URL; else SHA-256 of Payload.
	PayloadAuto PayloadMode = C.SIGV4RS_PAYLOAD_MODE_AUTO
	// PayloadBytes: SHA-256 of Payload.
	PayloadBytes PayloadMode = C.SIGV4RS_PAYLOAD_MODE_BYTES
	// PayloadSHA256Hex: Payload is a precomputed SHA-256 in 64 hex digits.
	PayloadSHA256Hex PayloadMode = C.SIGV4RS_PAYLOAD_MODE_SHA256_HEX
	// PayloadUnsigned: UNSIGNED-PAYLOAD.
	PayloadUnsigned PayloadMode = C.SIGV4RS_PAYLOAD_MODE_UNSIGNED
)

// Request is a request in the library's terms: exactly what goes on the
// wire. Set Method and either URL (absolute, "https://host[:port]/path?query")
// or Host, Path and Query (scheme https). Path and Query are already
// percent-encoded as sent; nothing is re-encoded; a raw '+' in Query is a
// space. Headers are signed in order per name (the never-signed ones are
// skipped). The host of URL or Host is signed lower-case; a Host header
// overrides it and is signed as given (this is how to sign a host in
// another case).
type Request struct {
	Method      string
	URL         string
	Host        string
	Path        string
	Query       string
	Headers     []Header
	PayloadMode PayloadMode
	Payload     []byte // body bytes, or the 64 hex digits of PayloadSHA256Hex
}

func (r *Request) pack(p *packer) {
	p.add(r.Method)
	p.add(r.URL)
	p.add(r.Host)
	p.add(r.Path)
	p.add(r.Query)
	p.add("") // the payload, given apart (see request)
	for _, h := range r.Headers {
		p.add(h.Name)
		p.add(h.Value)
	}
}

// unixTime is t in whole seconds; times before 1970 (the zero Time
// included) are negative and the library refuses them with INVALID_TIME.
func unixTime(t time.Time) int64 {
	return t.Unix()
}

// expiresSecs maps a duration to the library's seconds; out-of-range
// values map to values the library refuses with INVALID_EXPIRES.
func expiresSecs(d time.Duration) uint32 {
	secs := int64(d / time.Second)
	switch {
	case secs <= 0:
		return 0
	case secs > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(secs)
}

// debugAuth maps the debug outputs' presignExpires to the library's mode:
// 0 is header signing; anything else presigning, so a negative or
// sub-second expiry is refused (ErrInvalidExpires), never header mode.
func debugAuth(presignExpires time.Duration) (auth, expires uint32) {
	if presignExpires == 0 {
		return authHeaders, 0
	}
	return authPresign, expiresSecs(presignExpires)
}

func (s *Signer) raw(op int, r *Request, t time.Time, auth, expires uint32) (string, error) {
	if r == nil {
		return "", argError(ErrNullArgument, "request is nil")
	}
	p := getPacker()
	defer putPacker(p)
	r.pack(p)
	out, err := s.request(op, p, len(r.Headers), r.PayloadMode, r.Payload, unixTime(t), auth, expires)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// SignRaw signs r for header authentication at t and returns the headers to
// add (replacing any of the same name): Host (first, only when the host of
// URL or Host had upper-case letters: the lower-cased host that was
// signed), X-Amz-Date, X-Amz-Region-Set (SigV4a), X-Amz-Security-Token
// (with a session token; X-Amz-S3session-Token with S3Express),
// X-Amz-Content-SHA256 (S3 or ContentSHA256Header) and Authorization.
func (s *Signer) SignRaw(r *Request, t time.Time) ([]Header, error) {
	if r == nil {
		return nil, argError(ErrNullArgument, "request is nil")
	}
	p := getPacker()
	defer putPacker(p)
	r.pack(p)
	out, err := s.request(opSign, p, len(r.Headers), r.PayloadMode, r.Payload, unixTime(t), authHeaders, 0)
	if err != nil {
		return nil, err
	}
	hs := make([]Header, p.lines())
	for i := range hs {
		hs[i] = s.outputHeader(p.line(out, i))
	}
	return hs, nil
}

// PresignRaw returns the presigned URL of r, valid for expires (1 second to
// 7 days, whole seconds) from t.
func (s *Signer) PresignRaw(r *Request, t time.Time, expires time.Duration) (string, error) {
	return s.raw(opPresign, r, t, authPresign, expiresSecs(expires))
}

// CanonicalRequestRaw returns the canonical request that SignRaw
// (presignExpires == 0) or PresignRaw (with that expiry) signs: compare it
// with the one in an AWS SignatureDoesNotMatch answer.
func (s *Signer) CanonicalRequestRaw(r *Request, t time.Time, presignExpires time.Duration) (string, error) {
	auth, expires := debugAuth(presignExpires)
	return s.raw(opCanonical, r, t, auth, expires)
}

// StringToSignRaw returns the string to sign, as CanonicalRequestRaw does
// for the canonical request.
func (s *Signer) StringToSignRaw(r *Request, t time.Time, presignExpires time.Duration) (string, error) {
	auth, expires := debugAuth(presignExpires)
	return s.raw(opStringToSign, r, t, auth, expires)
}

// nextOutputHeader splits the first "Name: value" off the library's
// "Name: value\0Name: value\0..." output (final NUL already removed).
func nextOutputHeader(out []byte) (name, value, rest []byte) {
	line := out
	if i := bytes.IndexByte(out, 0); i >= 0 {
		line, rest = out[:i], out[i+1:]
	}
	if i := bytes.Index(line, []byte(": ")); i >= 0 {
		return line[:i], line[i+2:], rest
	}
	return line, nil, rest
}
