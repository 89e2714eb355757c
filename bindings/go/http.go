//go:build cgo

package sigv4rs

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// clock is the signing time in Unix seconds (0 for a nil or zero Signer,
// which request then refuses).
func (s *Signer) clock() int64 {
	if s == nil || s.now == nil {
		return 0
	}
	return unixTime(s.now())
}

// Sign signs req for header authentication with the SHA-256 of body as the
// payload hash, and sets the signer's headers on req (X-Amz-Date,
// X-Amz-Region-Set with SigV4a, X-Amz-Security-Token or, with S3Express,
// X-Amz-S3session-Token, X-Amz-Content-SHA256, Authorization), replacing
// any of the same name. Sign does not read req.Body: pass the bytes that
// will be sent.
//
// What is signed is what Go's client will send: the path and query as on
// the wire (req.URL.EscapedPath, or URL.Opaque, and RawQuery; a raw '+' in
// the query is a space, as form encoders write it and AWS reads it), the
// host, every value of every req.Header entry, and Content-Length when
// req.ContentLength > 0. req.Header's Host, Content-Length,
// Transfer-Encoding and Trailer entries are skipped because Go's client
// does not send them. Headers added later (Go's transport adds
// Accept-Encoding and User-Agent) are not signed; AWS accepts unsigned
// headers other than X-Amz-*.
//
// The host (req.Host, else req.URL.Host) is signed lower-case and without
// a default port (:443, and :80 for http), as AWS and curl compute it;
// when Go would send it otherwise, Sign sets req.Host to the signed value
// so that the wire agrees.
func (s *Signer) Sign(req *http.Request, body []byte) error {
	return s.signHTTP(req, PayloadBytes, body)
}

// SignPayloadHash is Sign with a precomputed payload hash (64 hex digits),
// for bodies streamed from a file or a pipe: hash them with crypto/sha256.
func (s *Signer) SignPayloadHash(req *http.Request, hexHash string) error {
	p := []byte(hexHash)
	return s.signHTTP(req, PayloadSHA256Hex, p)
}

// SignUnsigned is Sign with UNSIGNED-PAYLOAD: the body is not signed (S3
// accepts this over HTTPS).
func (s *Signer) SignUnsigned(req *http.Request) error {
	return s.signHTTP(req, PayloadUnsigned, nil)
}

func (s *Signer) signHTTP(req *http.Request, mode PayloadMode, payload []byte) error {
	p := getPacker()
	defer putPacker(p)
	n, host, err := packHTTP(p, req, false)
	if err != nil {
		return err
	}
	out, err := s.request(opSign, p, n, mode, payload, s.clock(), authHeaders, 0)
	if err != nil {
		return p.httpLocated(err)
	}
	signed, first := host.signedLine(p, out)
	host.send(req, signed)
	if req.Header == nil {
		req.Header = make(http.Header, 4)
	}
	s.setOutput(req.Header, p, out, first)
	return nil
}

// partsHost is the host of a request signed for header authentication:
// what Go would send, and what the library is given as the request's host.
type partsHost struct{ sent, given string }

// signed returns the host the library signed and out without its Host
// entry: that entry, the host lower-cased, comes first when the host had
// upper-case letters; else the host is as given, minus a :443 (the library
// takes it as an https host, so drops that port whatever the scheme).
func (h partsHost) signed(out []byte) (string, []byte) {
	if name, value, rest := nextOutputHeader(out); string(name) == "Host" {
		return string(value), rest
	}
	return withoutDefaultPort(h.given, "https"), out
}

// signedLine is signed for output read through p.fields: the host the
// library signed and the first output line that is not Host.
func (h partsHost) signedLine(p *packer, out []byte) (string, int) {
	if p.lines() > 0 {
		if name, value := p.line(out, 0); string(name) == "Host" {
			return string(value), 1
		}
	}
	return withoutDefaultPort(h.given, "https"), 0
}

// send makes Go send the signed host: Go writes req.Host (else
// req.URL.Host) as it is, and ignores a Host entry in req.Header.
func (h partsHost) send(req *http.Request, signed string) {
	if signed != h.sent {
		req.Host = signed
	}
}

// setOutput sets the signer's headers, output lines first.. of out (read
// through p.fields), on h, replacing every spelling of their names. Done
// naively this cost a third of Sign, hence: one pass over h only when it
// may hold another spelling, one allocation for all the values, the
// values that repeat from one signature to the next shared.
func (s *Signer) setOutput(h http.Header, p *packer, out []byte, first int) {
	n := p.lines() - first
	// On the stack for the usual lines; never drop one (Authorization is last).
	var keyBuf [maxOutputHeaders]string
	keys := keyBuf[:]
	if n > len(keys) {
		keys = make([]string, n)
	}
	vals := make([]string, n)
	// packHTTPLen saw whether h spells a usual output name otherwise; for
	// any other output name, look.
	respell := p.respell
	for i := range vals {
		name, value := p.line(out, first+i)
		switch string(name) {
		case "X-Amz-Date":
			keys[i], vals[i] = "X-Amz-Date", s.dateValue(value)
		case "X-Amz-Security-Token":
			keys[i], vals[i] = "X-Amz-Security-Token", s.tokenValue(value)
		case "X-Amz-Content-SHA256":
			keys[i], vals[i] = "X-Amz-Content-Sha256", payloadHashValue(value)
		case "Authorization":
			keys[i], vals[i] = "Authorization", string(value)
		default:
			keys[i], vals[i] = canonicalOutputName(name), string(value)
			respell = true
		}
	}
	if respell {
		for k := range h {
			for _, key := range keys[:n] {
				if len(k) == len(key) && k != key && strings.EqualFold(k, key) {
					delete(h, k)
				}
			}
		}
	}
	for i, key := range keys[:n] {
		h[key] = vals[i : i+1 : i+1]
	}
}

// outputHeader is an output line as SignRaw returns it, the usual names
// and the values that repeat from one signature to the next shared.
func (s *Signer) outputHeader(name, value []byte) Header {
	switch string(name) {
	case "X-Amz-Date":
		return Header{"X-Amz-Date", s.dateValue(value)}
	case "X-Amz-Security-Token":
		return Header{"X-Amz-Security-Token", s.tokenValue(value)}
	case "X-Amz-Content-SHA256":
		return Header{"X-Amz-Content-SHA256", payloadHashValue(value)}
	case "Authorization":
		return Header{"Authorization", string(value)}
	}
	return Header{string(name), string(value)}
}

// dateValue is an X-Amz-Date value as a string, the same for every
// signature of a second.
func (s *Signer) dateValue(value []byte) string {
	if d := s.date.Load(); d != nil && *d == string(value) {
		return *d
	}
	d := string(value)
	s.date.Store(&d)
	return d
}

// tokenValue is an X-Amz-Security-Token value as a string: the signer's
// current one (Config, Rotate or the provider) when it is that.
func (s *Signer) tokenValue(value []byte) string {
	if t := s.cs.token.Load(); t != nil && *t == string(value) {
		return *t
	}
	return string(value)
}

// payloadHashValue is an X-Amz-Content-SHA256 value as a string, the
// usual ones without allocating.
func payloadHashValue(value []byte) string {
	switch string(value) {
	case emptySHA256:
		return emptySHA256
	case unsignedPayload:
		return unsignedPayload
	}
	return string(value)
}

// otherOutputSpelling: k is a usual output name (those setOutput knows)
// spelt otherwise than setOutput sets it ("x-amz-date",
// "X-Amz-Content-SHA256").
func otherOutputSpelling(k string) bool {
	switch len(k) {
	case len("X-Amz-Date"):
		return k != "X-Amz-Date" && strings.EqualFold(k, "X-Amz-Date")
	case len("Authorization"):
		return k != "Authorization" && strings.EqualFold(k, "Authorization")
	case len("X-Amz-Security-Token"): // and X-Amz-Content-Sha256
		switch k {
		case "X-Amz-Security-Token", "X-Amz-Content-Sha256":
			return false
		}
		return strings.EqualFold(k, "X-Amz-Security-Token") || strings.EqualFold(k, "X-Amz-Content-Sha256")
	}
	return false
}

const (
	// X-Amz-Date, X-Amz-Region-Set (SigV4a), X-Amz-Security-Token (or
	// X-Amz-S3session-Token), X-Amz-Content-SHA256, Authorization.
	maxOutputHeaders = 5
	emptySHA256      = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	unsignedPayload  = "UNSIGNED-PAYLOAD"
)

// Presign returns a presigned URL for req, valid for expires (1 second to
// 7 days, whole seconds). req is not modified. The URL has req.URL's
// scheme, host (lower-cased, without a default port) and path, then each
// query parameter in its order as it was signed (a raw '+' as %20, %7e as
// ~, lower-case hex in upper case...), then the X-Amz-* parameters. The
// signed host is the URL's, or req.Host if that differs (lower-cased and
// without a default port: whoever uses the URL must send that Host).
// S3 signers sign UNSIGNED-PAYLOAD; others the hash of an empty body.
// Headers in req.Header (and Content-Length when req.ContentLength > 0)
// are signed too: whoever uses the URL must send them. Unlike
// aws-sdk-go-v2, X-Amz-* headers are not moved into the query.
func (s *Signer) Presign(req *http.Request, expires time.Duration) (string, error) {
	p := getPacker()
	defer putPacker(p)
	n, _, err := packHTTP(p, req, true)
	if err != nil {
		return "", err
	}
	out, err := s.request(opPresign, p, n, PayloadAuto, nil, s.clock(), authPresign, expiresSecs(expires))
	if err != nil {
		return "", p.httpLocated(err)
	}
	return string(out), nil
}

// CanonicalRequest returns the canonical request that Sign(req, body)
// (presignExpires == 0) or Presign(req, presignExpires) (body ignored)
// would sign now, for troubleshooting SignatureDoesNotMatch.
func (s *Signer) CanonicalRequest(req *http.Request, body []byte, presignExpires time.Duration) (string, error) {
	return s.debugHTTP(opCanonical, req, body, presignExpires)
}

// StringToSign returns the string to sign, as CanonicalRequest does for the
// canonical request.
func (s *Signer) StringToSign(req *http.Request, body []byte, presignExpires time.Duration) (string, error) {
	return s.debugHTTP(opStringToSign, req, body, presignExpires)
}

func (s *Signer) debugHTTP(op int, req *http.Request, body []byte, presignExpires time.Duration) (string, error) {
	p := getPacker()
	defer putPacker(p)
	presign := presignExpires != 0
	n, _, err := packHTTP(p, req, presign)
	if err != nil {
		return "", err
	}
	mode := PayloadBytes
	if presign {
		mode, body = PayloadAuto, nil
	}
	auth, expires := debugAuth(presignExpires)
	out, err := s.request(op, p, n, mode, body, s.clock(), auth, expires)
	if err != nil {
		return "", p.httpLocated(err)
	}
	return string(out), nil
}

// packHTTP packs req in the library's terms and returns the header count
// and, for header signing, the host. Sign passes host, path and query as
// separate fields (the library signs the host lower-case and says so when
// that changes it); Presign passes an absolute URL so the output keeps the
// scheme.
func packHTTP(p *packer, req *http.Request, presign bool) (int, partsHost, error) {
	if req == nil || req.URL == nil {
		return 0, partsHost{}, argError(ErrNullArgument, "request or its URL is nil")
	}
	return packHTTPLen(p, req, presign, req.ContentLength)
}

// packHTTPLen is packHTTP with the Content-Length to sign given apart
// (streaming signs the encoded length, which req does not hold yet).
func packHTTPLen(p *packer, req *http.Request, presign bool, contentLength int64) (int, partsHost, error) {
	var h partsHost
	if req == nil || req.URL == nil {
		return 0, h, argError(ErrNullArgument, "request or its URL is nil")
	}
	u := req.URL
	method := req.Method
	if method == "" {
		method = http.MethodGet // as net/http does
	}
	path := wirePath(req)
	host := req.Host
	if host == "" {
		host = u.Host
	}
	nh := 0
	if presign {
		scheme := u.Scheme
		if scheme == "" {
			scheme = "https"
		}
		authority := u.Host
		if authority == "" {
			authority = host
		}
		url := scheme + "://" + authority + path
		if u.RawQuery != "" {
			url += "?" + u.RawQuery
		}
		p.add(method)
		p.add(url)
		p.add("")
		p.add("")
		p.add("")
		p.add("") // the payload, given apart (see request)
		// The library signs the URL's host lower-case without a default
		// port, but a Host header as given: so req.Host goes the same way.
		host = lowerASCII(withoutDefaultPort(host, scheme))
		if host != lowerASCII(withoutDefaultPort(authority, scheme)) {
			p.add("Host")
			p.add(host)
			nh++
		}
	} else {
		sent, err := wireHost(host)
		if err != nil {
			return 0, h, err
		}
		// Without a default port, as curl, browsers and aws-sdk-go-v2 send
		// it; the library lower-cases it.
		h = partsHost{sent: sent, given: withoutDefaultPort(sent, u.Scheme)}
		p.add(method)
		p.add("")
		p.add(h.given)
		p.add(path)
		p.add(u.RawQuery)
		p.add("") // the payload, given apart (see request)
	}
	if contentLength > 0 {
		p.add("Content-Length")
		p.add(strconv.FormatInt(contentLength, 10))
		nh++
	}
	// Sorted names: two spellings of one name ("X-A", "x-a") are joined in
	// a stable order, not Go's random map order. The values are kept with
	// the names so the map is not searched again.
	var stack [16]headerValues
	hs := stack[:0]
	for k, vs := range req.Header {
		if skip, err := skippedHeader(k); skip || err != nil {
			if err != nil {
				return 0, h, err
			}
			continue
		}
		if !p.respell && otherOutputSpelling(k) {
			p.respell = true
		}
		hs = append(hs, headerValues{k, vs})
		for i := len(hs) - 1; i > 0 && hs[i].name < hs[i-1].name; i-- {
			hs[i], hs[i-1] = hs[i-1], hs[i]
		}
	}
	for _, hv := range hs {
		for _, v := range hv.values {
			p.add(hv.name)
			p.add(v)
			nh++
		}
	}
	return nh, h, nil
}

// headerValues is one req.Header entry.
type headerValues struct {
	name   string
	values []string
}

// httpLocated maps the header index of a failed call's error (an index in
// the header list packed for C) back to req.Header: the index of the
// value among req.Header[name]'s. Host and Content-Length entries of that
// list come from req.Host and req.ContentLength (req.Header's own are
// skipped or refused by packHTTPLen), so they get -1.
func (p *packer) httpLocated(err error) error {
	e, ok := err.(*Error)
	if !ok || (e.Field != FieldHeaderName && e.Field != FieldHeaderValue) {
		return err
	}
	e.fromHTTP = true
	if e.HeaderName == "Host" || e.HeaderName == "Content-Length" {
		e.Index = -1
		return e
	}
	n := 0
	for i := 0; i < e.Index; i++ {
		if p.headerName(i) == e.HeaderName {
			n++
		}
	}
	e.Index = n
	return e
}

// wireHost is the Host header Go's client writes for host: cut at a space
// or "/", IPv6 zone removed. Go converts a non-ASCII (IDN) host to
// punycode, which the standard library does not export: such hosts are
// refused rather than signed differently from what is sent.
func wireHost(host string) (string, error) {
	// One pass: cut at the first space or "/", refuse non-ASCII before it.
	for i := 0; i < len(host); i++ {
		if c := host[i]; c == ' ' || c == '/' {
			host = host[:i]
			break
		} else if c >= 0x80 {
			return "", argError(ErrInvalidHost, "host is not ASCII: use its punycode (xn--) form")
		}
	}
	if strings.HasPrefix(host, "[") {
		if i := strings.LastIndex(host, "]"); i >= 0 {
			if j := strings.LastIndex(host[:i], "%"); j >= 0 {
				host = host[:j] + host[i:]
			}
		}
	}
	return host, nil
}

// withoutDefaultPort returns host[:port] without the port when it is the
// scheme's default (80 for http, else 443) or empty, by the library's rule
// (up to 5 digits, leading zeros allowed).
func withoutDefaultPort(host, scheme string) string {
	if host == "" || !isPortByte(host[len(host)-1]) {
		return host // no port: its last byte would be a digit or the ':'
	}
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.IndexByte(host[:i], ':') >= 0 && !strings.HasSuffix(host[:i], "]") {
		return host // no port, or a bare IPv6 address
	}
	port := host[i+1:]
	if len(port) > 5 {
		return host
	}
	n := 0
	for j := 0; j < len(port); j++ {
		if port[j] < '0' || port[j] > '9' {
			return host
		}
		n = n*10 + int(port[j]-'0')
	}
	def := 443
	if strings.EqualFold(scheme, "http") {
		def = 80
	}
	if port == "" || n == def {
		return host[:i]
	}
	return host
}

// isPortByte: c may end a host with a port.
func isPortByte(c byte) bool {
	return '0' <= c && c <= '9' || c == ':'
}

// lowerASCII lower-cases the ASCII letters of s, nothing else.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// wirePath is the request-target path Go's client sends (URL.RequestURI
// without the query), "/" when empty.
func wirePath(req *http.Request) string {
	u := req.URL
	var path string
	switch {
	case u.Opaque != "":
		// "//host/path" (absolute form) or a bare path.
		path = u.Opaque
		if strings.HasPrefix(path, "//") {
			rest := path[2:]
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				path = rest[i:]
			} else {
				path = ""
			}
		}
	case u.RawPath == "" && pathAsIs(u.Path):
		// What EscapedPath returns, without its slower scan.
		path = u.Path
	default:
		path = u.EscapedPath()
	}
	if path == "" {
		path = "/"
	}
	return path
}

// pathAsIs: url.URL.EscapedPath escapes no byte of path (its RawPath
// empty): letters, digits and -._~$&+,/:;=@ (RFC 3986 section 3.3).
func pathAsIs(path string) bool {
	for i := 0; i < len(path); i++ {
		if !pathByte[path[i]] {
			return false
		}
	}
	return true
}

// pathByte: the bytes pathAsIs accepts.
var pathByte = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~$&+,/:;=@") {
		t[c] = true
	}
	return t
}()

// skippedHeader: the req.Header entries Go's client never sends: it writes
// Host, Content-Length, Transfer-Encoding and Trailer from the request's
// fields and skips those keys. It skips only that exact spelling, though:
// another ("host") would go out as a second, conflicting header, so it is
// refused.
func skippedHeader(k string) (bool, error) {
	switch len(k) {
	case 4, 7, 14, 17:
	default:
		return false, nil
	}
	for _, name := range [...]string{"Host", "Trailer", "Content-Length", "Transfer-Encoding"} {
		if strings.EqualFold(k, name) {
			if k == name {
				return true, nil
			}
			return false, argError(ErrInvalidHeaderName, "req.Header has "+strconv.Quote(k)+
				": Go's client would send it besides the "+name+" it sets from the request")
		}
	}
	return false, nil
}

// canonicalOutputName maps the library's output names to Go's canonical
// header keys without allocating for the known ones.
func canonicalOutputName(name []byte) string {
	switch string(name) {
	case "X-Amz-Date":
		return "X-Amz-Date"
	case "X-Amz-Security-Token":
		return "X-Amz-Security-Token"
	case "X-Amz-Content-SHA256":
		return "X-Amz-Content-Sha256"
	case "Authorization":
		return "Authorization"
	}
	return http.CanonicalHeaderKey(string(name))
}
