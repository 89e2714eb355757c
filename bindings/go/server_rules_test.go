package sigv4rs

// What the server computes (issue 10), through the Go API: a raw '+' in a
// query is a space, the host is signed lower-case without a default port
// and Go is made to send it so, and escaped dot segments are dots once the
// path is decoded. Expected values are canonical requests written by hand
// from the SigV4 and RFC 3986 rules, whose signatures are computed here
// with crypto/hmac (specSignature), or the AWS S3 documentation's
// signatures (GET object and presigned URL examples, aws-chunked example).

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// specSignature signs a canonical request by the SigV4 steps (string to
// sign, signing key), independently of the library.
func specSignature(secret string, at time.Time, region, service, creq string) string {
	v := newChunkVerifier(secret, at, region, service)
	sts := "AWS4-HMAC-SHA256\n" + v.date + "\n" + v.scope + "\n" + sha256Hex([]byte(creq))
	return hex.EncodeToString(hmacSHA256(v.key, sts))
}

func authSignature(auth string) string {
	_, sig, _ := strings.Cut(auth, "Signature=")
	return sig
}

func mustRequest(t *testing.T, method, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// wireHostOf is the Host header net/http writes for req.
func wireHostOf(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	return req.URL.Host
}

const testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

func TestPlusInQueryIsASpace(t *testing.T) {
	s := newTestSigner(t, func(c *Config) { c.Service = "es" })
	form := url.Values{"q": {"title:star wars"}, "op": {"1+1"}}.Encode()
	if form != "op=1%2B1&q=title%3Astar+wars" {
		t.Fatalf("url.Values.Encode: %s", form)
	}
	for _, tc := range []struct{ query, canonical string }{
		{"q=star+wars", "q=star%20wars"},
		{"q=star%20wars", "q=star%20wars"},
		{"q=1%2B1", "q=1%2B1"},
		{"a+b=c+d+&e=%2B+", "a%20b=c%20d%20&e=%2B%20"},
		{"+=", "%20="},
		// Sorted by the encoded key: %20 < %2B < A.
		{"x%2By=2&x+y=1&xA=3", "x%20y=1&x%2By=2&xA=3"},
		{form, "op=1%2B1&q=title%3Astar%20wars"},
	} {
		req := mustRequest(t, "GET", "https://search-d.us-east-1.es.amazonaws.com/_search?"+tc.query)
		creq := "GET\n/_search\n" + tc.canonical + "\nhost:search-d.us-east-1.es.amazonaws.com\n" +
			"x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256
		if got, err := s.CanonicalRequest(req, nil, 0); err != nil || got != creq {
			t.Errorf("%s: canonical request %v\n%s\nwant\n%s", tc.query, err, got, creq)
			continue
		}
		if err := s.Sign(req, nil); err != nil {
			t.Fatal(err)
		}
		want := specSignature(testSecret, fixed, "us-east-1", "es", creq)
		if got := authSignature(req.Header.Get("Authorization")); got != want {
			t.Errorf("%s: signature %s, want %s", tc.query, got, want)
		}
		// Sent as it was written: the server reads '+' as a space too.
		if req.URL.RawQuery != tc.query || req.Host != "search-d.us-east-1.es.amazonaws.com" {
			t.Errorf("%s: request changed: query %q, Host %q", tc.query, req.URL.RawQuery, req.Host)
		}
	}
}

// A presigned URL carries the caller's parameters in their order, each as
// it was signed, so that no server can read them another way.
func TestPresignedQueryAsSigned(t *testing.T) {
	s := newTestSigner(t, func(c *Config) { c.S3 = true; c.Service = "s3" })
	for _, tc := range []struct{ query, inURL, canonical string }{
		{"prefix=a+b&x=%7e%2f&flag&&y=1+1%2B", "prefix=a%20b&x=~%2F&flag&y=1%201%2B",
			"flag=&prefix=a%20b&x=~%2F&y=1%201%2B"},
		{url.Values{"prefix": {"star wars/"}}.Encode(), "prefix=star%20wars%2F", "prefix=star%20wars%2F"},
	} {
		req := mustRequest(t, "GET", "https://b.s3.amazonaws.com/k?"+tc.query)
		u, err := s.Presign(req, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		prefix := "https://b.s3.amazonaws.com/k?" + tc.inURL + "&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
		if !strings.HasPrefix(u, prefix) || strings.Contains(u, "+") {
			t.Errorf("%s: presigned URL\n%s\nwant it to start\n%s", tc.query, u, prefix)
		}
		creq := "GET\n/k\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request" +
			"&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&" + tc.canonical +
			"\nhost:b.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
		want := "&X-Amz-Signature=" + specSignature(testSecret, fixed, "us-east-1", "s3", creq)
		if !strings.HasSuffix(u, want) {
			t.Errorf("%s: presigned URL %s\nwant it to end %s", tc.query, u, want)
		}
	}
}

// The S3 documentation's GET object example (examplebucket, Range
// bytes=0-9, 20130524T000000Z) with its host written in mixed case: DNS and
// AWS do not care about case, so the documented signature must come out,
// and Go must send the host lower-case as signed.
func TestMixedCaseHostS3DocumentationExample(t *testing.T) {
	s := docSigner(t)
	const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	for _, tc := range []struct{ url, host, wantHost string }{
		{"https://ExampleBucket.S3.amazonaws.com/test.txt", "", "examplebucket.s3.amazonaws.com"},
		{"https://examplebucket.s3.amazonaws.com/test.txt", "EXAMPLEBUCKET.s3.amazonaws.com", "examplebucket.s3.amazonaws.com"},
		{"https://ExampleBucket.S3.amazonaws.com:443/test.txt", "", "examplebucket.s3.amazonaws.com"},
		// Already what is signed: req.Host is left alone.
		{"https://examplebucket.s3.amazonaws.com/test.txt", "", ""},
	} {
		req := mustRequest(t, "GET", tc.url)
		req.Host = tc.host
		req.Header.Set("Range", "bytes=0-9")
		if err := s.Sign(req, nil); err != nil {
			t.Fatal(err)
		}
		if got := authSignature(req.Header.Get("Authorization")); got != sig {
			t.Errorf("%s (Host %q): signature %s, want the documented %s", tc.url, tc.host, got, sig)
		}
		if req.Host != tc.wantHost || req.Header["Host"] != nil {
			t.Errorf("%s (Host %q): req.Host %q, want %q; header %v", tc.url, tc.host, req.Host, tc.wantHost, req.Header)
		}
	}

	// Through Transport: the request that goes out carries the signed host.
	var sent *http.Request
	tr := &Transport{Signer: s, Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})}
	req := mustRequest(t, "GET", "https://ExampleBucket.S3.amazonaws.com/test.txt")
	req.Header.Set("Range", "bytes=0-9")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sent.Host != "examplebucket.s3.amazonaws.com" || authSignature(sent.Header.Get("Authorization")) != sig {
		t.Errorf("Transport sent Host %q, %s", sent.Host, sent.Header.Get("Authorization"))
	}
	if req.Host != "ExampleBucket.S3.amazonaws.com" || req.Header.Get("Authorization") != "" {
		t.Error("Transport changed the caller's request")
	}

	// The documented presigned URL (86400 s), from a mixed-case URL.
	req = mustRequest(t, "GET", "https://EXAMPLEBUCKET.s3.amazonaws.com/test.txt")
	u, err := s.Presign(req, 86400*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://examplebucket.s3.amazonaws.com/test.txt?") ||
		!strings.HasSuffix(u, "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404") {
		t.Errorf("presigned URL %s", u)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The aws-chunked documentation example with the host in mixed case: the
// same seed signature, and req.Host set to the host signed.
func TestStreamingMixedCaseHost(t *testing.T) {
	s := docSigner(t)
	req, err := http.NewRequest("PUT", "https://S3.AmazonAWS.com/examplebucket/chunkObject.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	data := bytes.Repeat([]byte("a"), 66560)
	if err := s.SignStreaming(req, bytes.NewReader(data), int64(len(data)), StreamOptions{ChunkSize: 65536}); err != nil {
		t.Fatal(err)
	}
	defer req.Body.Close()
	const sig = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	if got := authSignature(req.Header.Get("Authorization")); got != sig {
		t.Errorf("seed signature %s, want the documented %s", got, sig)
	}
	if req.Host != "s3.amazonaws.com" || req.Header["Host"] != nil {
		t.Errorf("req.Host %q, header %v", req.Host, req.Header)
	}
}

// The host in canonical form (lower case, no default port, no IPv6 zone),
// and Go made to send exactly that.
func TestHostCaseAndDefaultPorts(t *testing.T) {
	s := newTestSigner(t, nil)
	for _, tc := range []struct{ url, reqHost, signed string }{
		{"https://API.Example.COM:8443/p", "", "api.example.com:8443"},
		{"https://example.com:443/p", "", "example.com"},
		{"https://Example.com:443/p", "", "example.com"},
		{"http://example.com:80/p", "", "example.com"},
		{"http://example.com:8080/p", "", "example.com:8080"},
		{"https://example.com:80/p", "", "example.com:80"},
		// The library takes a host without a URL as https: :443 goes whatever
		// the scheme.
		{"http://example.com:443/p", "", "example.com"},
		{"http://[FE80::AB]:8080/p", "", "[fe80::ab]:8080"},
		{"https://[fe80::1%25en0]:443/p", "", "[fe80::1]"},
		{"https://127.0.0.1:9000/p", "Virtual.Example.com", "virtual.example.com"},
		{"https://127.0.0.1:9000/p", "virtual.example.com:443", "virtual.example.com"},
	} {
		req := mustRequest(t, "GET", tc.url)
		req.Host = tc.reqHost
		creq := "GET\n/p\n\nhost:" + tc.signed + "\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256
		if got, err := s.CanonicalRequest(req, nil, 0); err != nil || got != creq {
			t.Errorf("%s (Host %q): %v\n%s\nwant\n%s", tc.url, tc.reqHost, err, got, creq)
			continue
		}
		before := wireHostOf(req)
		if err := s.Sign(req, nil); err != nil {
			t.Fatal(err)
		}
		want := specSignature(testSecret, fixed, "us-east-1", "service", creq)
		if got := authSignature(req.Header.Get("Authorization")); got != want {
			t.Errorf("%s (Host %q): signature %s, want %s", tc.url, tc.reqHost, got, want)
		}
		if sent := wireHostOf(req); sent != tc.signed || before == tc.signed && req.Host != tc.reqHost {
			t.Errorf("%s (Host %q): Go sends %q (req.Host %q), signed %q", tc.url, tc.reqHost, sent, req.Host, tc.signed)
		}
	}

	// With a token and S3, five headers come out: none is lost.
	s3 := newTestSigner(t, func(c *Config) { c.S3 = true; c.Service = "s3"; c.SessionToken = "tok" })
	req := mustRequest(t, "GET", "https://Bucket.S3.amazonaws.com/k")
	if err := s3.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	creq := "GET\n/k\n\nhost:bucket.s3.amazonaws.com\nx-amz-content-sha256:" + emptySHA256 +
		"\nx-amz-date:20150830T123600Z\nx-amz-security-token:tok\n\n" +
		"host;x-amz-content-sha256;x-amz-date;x-amz-security-token\n" + emptySHA256
	want := specSignature(testSecret, fixed, "us-east-1", "s3", creq)
	if req.Host != "bucket.s3.amazonaws.com" || len(req.Header) != 4 ||
		authSignature(req.Header.Get("Authorization")) != want {
		t.Errorf("Host %q, headers %v, want signature %s", req.Host, req.Header, want)
	}

	// Presign: a req.Host that differs from the URL's host is signed
	// lower-case, without a default port, as a Host header.
	req = mustRequest(t, "GET", "https://127.0.0.1:9000/p")
	req.Host = "Virtual.Example.com:443"
	got, err := s.CanonicalRequest(req, nil, time.Minute)
	if err != nil || !strings.Contains(got, "\nhost:virtual.example.com\n") {
		t.Errorf("presign with req.Host: %v\n%s", err, got)
	}
}

// Request.Headers with Host is the way to sign a host in another case:
// signed as given, and no Host comes out.
func TestRawHostHeaderSignedAsGiven(t *testing.T) {
	s := newTestSigner(t, nil)
	r := &Request{Method: "GET", URL: "https://API.example.com/p", Headers: []Header{{"Host", "API.Example.com"}}}
	creq := "GET\n/p\n\nhost:API.Example.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256
	if got, err := s.CanonicalRequestRaw(r, fixed, 0); err != nil || got != creq {
		t.Errorf("%v\n%s", err, got)
	}
	out, err := s.SignRaw(r, fixed)
	if err != nil || len(out) != 2 || out[0].Name != "X-Amz-Date" {
		t.Errorf("%v %v", err, out)
	}
	// Without it, the lower-cased host is the first output.
	r.Headers = nil
	if out, err = s.SignRaw(r, fixed); err != nil || out[0] != (Header{"Host", "api.example.com"}) {
		t.Errorf("%v %v", err, out)
	}
}

// With SingleEncodePath and normalization, %2e is a '.' when dot segments
// are removed (RFC 3986 6.2.2: escapes of unreserved bytes are decoded
// first); double encoding signs it as data, and S3 does not normalize.
func TestEscapedDotSegments(t *testing.T) {
	single := newTestSigner(t, func(c *Config) { c.Service = "execute-api"; c.SingleEncodePath = true })
	double := newTestSigner(t, func(c *Config) { c.Service = "execute-api" })
	s3 := newTestSigner(t, func(c *Config) { c.Service = "s3"; c.S3 = true })
	for _, tc := range []struct {
		s             *Signer
		path, service string
		canonical     string
	}{
		{single, "/%2e", "execute-api", "/"},
		{single, "/%2E/x", "execute-api", "/x"},
		{single, "/%2e./x", "execute-api", "/x"},
		{single, "/a/b/%2e%2E/c", "execute-api", "/a/c"},
		{single, "/a/%2e%2e%2e", "execute-api", "/a/..."},
		{single, "/a/%2e%2fb", "execute-api", "/a/.%2Fb"},
		{double, "/a/%2e%2e/b", "execute-api", "/a/%252e%252e/b"},
		{s3, "/a/%2e%2e/b", "s3", "/a/../b"},
	} {
		req := mustRequest(t, "GET", "https://h.example"+tc.path)
		if req.URL.EscapedPath() != tc.path {
			t.Fatalf("net/url would send %q", req.URL.EscapedPath())
		}
		headers := "host:h.example\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
		if tc.s == s3 {
			headers = "host:h.example\nx-amz-content-sha256:" + emptySHA256 +
				"\nx-amz-date:20150830T123600Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
		}
		creq := "GET\n" + tc.canonical + "\n\n" + headers + emptySHA256
		if got, err := tc.s.CanonicalRequest(req, nil, 0); err != nil || got != creq {
			t.Errorf("%s: %v\n%s\nwant\n%s", tc.path, err, got, creq)
			continue
		}
		if err := tc.s.Sign(req, nil); err != nil {
			t.Fatal(err)
		}
		want := specSignature(testSecret, fixed, "us-east-1", tc.service, creq)
		if got := authSignature(req.Header.Get("Authorization")); got != want {
			t.Errorf("%s: signature %s, want %s", tc.path, got, want)
		}
	}
}
