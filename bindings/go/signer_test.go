package sigv4rs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var fixed = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

func testConfig() Config {
	return Config{
		AccessKeyID:     "AKIDEXAMPLE",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		Region:          "us-east-1",
		Service:         "service",
		Now:             func() time.Time { return fixed },
	}
}

func newTestSigner(t testing.TB, edit func(*Config)) *Signer {
	t.Helper()
	cfg := testConfig()
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewSigner(cfg)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The library, the header and abi_gen.go are one version.
func TestVersionMatchesABITable(t *testing.T) {
	if Version() != abiVersion || headerVersion() != abiVersion {
		t.Fatalf("library %s, header %s, abi_gen.go %s", Version(), headerVersion(), abiVersion)
	}
}

// checkABI (run at init) accepts another patch and refuses another minor
// or major, naming both versions.
func TestCheckABI(t *testing.T) {
	same := fmt.Sprintf("%d.%d.%d", abiMajor, abiMinor, 99)
	if err := checkABI(same, same); err != nil {
		t.Errorf("patch %s refused: %v", same, err)
	}
	want := fmt.Sprintf("%d.%d", abiMajor, abiMinor)
	for _, other := range []string{
		fmt.Sprintf("%d.%d.0", abiMajor, abiMinor+1),
		fmt.Sprintf("%d.%d.0", abiMajor+1, abiMinor),
		fmt.Sprintf("%d.%d", abiMajor, abiMinor+10),
		"",
	} {
		for _, tc := range []struct{ header, library, names string }{
			{other, same, "sigv4rs.h"},
			{same, other, "linked library"},
		} {
			err := checkABI(tc.header, tc.library)
			if err == nil || !strings.Contains(err.Error(), tc.names+" is version "+other+",") ||
				!strings.Contains(err.Error(), "ABI "+want+" ") {
				t.Errorf("header %q, library %q: %v", tc.header, tc.library, err)
			}
		}
	}
}

// The debug outputs pass the library an explicit auth mode: header mode
// takes no expiry, presign mode needs one, other modes are refused.
func TestDebugAuthMode(t *testing.T) {
	s := newTestSigner(t, nil)
	r := &Request{Method: "GET", URL: "https://example.com/p?a=b"}
	for _, op := range []int{opCanonical, opStringToSign} {
		for _, tc := range []struct {
			auth, expires uint32
			want          error
		}{
			{authHeaders, 60, ErrInvalidArgument},
			{authPresign + 1, 0, ErrInvalidArgument},
			{authPresign + 1, 60, ErrInvalidArgument},
			{1 << 31, 60, ErrInvalidArgument},
			{authPresign, 0, ErrInvalidExpires},
			{authPresign, 1<<32 - 1, ErrInvalidExpires},
		} {
			if _, err := s.raw(op, r, fixed, tc.auth, tc.expires); !errors.Is(err, tc.want) {
				t.Errorf("op %d auth %d expires %d: %v, want %v", op, tc.auth, tc.expires, err, tc.want)
			}
		}
		headers, err := s.raw(op, r, fixed, authHeaders, 0)
		if err != nil || strings.Contains(headers, "X-Amz-Expires") {
			t.Errorf("op %d header mode: %q, %v", op, headers, err)
		}
		presign, err := s.raw(op, r, fixed, authPresign, 60)
		if err != nil || (op == opCanonical && !strings.Contains(presign, "X-Amz-Expires=60&")) || presign == headers {
			t.Errorf("op %d presign mode: %q, %v", op, presign, err)
		}
	}
}

// Every status of sigv4rs.h but OK has a sentinel with its number and the
// library's message.
func TestSentinelPerStatus(t *testing.T) {
	h, err := os.ReadFile(filepath.Join("..", "..", "include", "sigv4rs.h"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`SIGV4RS_STATUS_([A-Z0-9_]+) = (\d+),`)
	found := 0
	for _, m := range re.FindAllStringSubmatch(string(h), -1) {
		n, _ := strconv.Atoi(m[2])
		if n == 0 {
			continue
		}
		found++
		ok := false
		for _, s := range sentinels {
			if s.Status == n {
				ok = true
				if s.Message != statusText(uint32(n)) || s.Message == "unknown status" {
					t.Errorf("%s: message %q", m[1], s.Message)
				}
			}
		}
		if !ok {
			t.Errorf("no sentinel for SIGV4RS_STATUS_%s (%d)", m[1], n)
		}
	}
	if found != len(sentinels) {
		t.Errorf("header has %d statuses, package %d sentinels", found, len(sentinels))
	}
}

func TestErrorsIs(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", statusError(118))
	if !errors.Is(err, ErrInvalidHeaderValue) || errors.Is(err, ErrInvalidHeaderName) {
		t.Fatal("errors.Is by status")
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 118 || !strings.Contains(e.Error(), "status 118") {
		t.Fatalf("errors.As: %v", err)
	}
	if !errors.Is(ErrClosed, ErrNotInitialized) {
		t.Fatal("ErrClosed is NOT_INITIALIZED")
	}
	if errors.Is(statusError(118), nil) {
		t.Fatal("nil target")
	}
}

func TestNewSignerErrors(t *testing.T) {
	many := make([]string, 200)
	for i := range many {
		many[i] = "x-h" + strconv.Itoa(i)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want error
	}{
		// No credentials at all is allowed (a provider or a rotation brings them).
		{"empty config", func(c *Config) { *c = Config{} }, ErrInvalidRegion},
		{"empty key id", func(c *Config) { c.AccessKeyID = "" }, ErrInvalidAccessKeyID},
		{"non-ASCII key id", func(c *Config) { c.AccessKeyID = "AKIDÉXAMPLE" }, ErrInvalidAccessKeyID},
		{"NUL in key id", func(c *Config) { c.AccessKeyID = "AKID\x00X" }, ErrInvalidAccessKeyID},
		{"empty secret", func(c *Config) { c.SecretAccessKey = "" }, ErrInvalidSecretKey},
		{"long secret", func(c *Config) { c.SecretAccessKey = strings.Repeat("s", 129) }, ErrInvalidSecretKey},
		{"token with LF", func(c *Config) { c.SessionToken = "tok\nen" }, ErrInvalidSessionToken},
		{"non-ASCII token", func(c *Config) { c.SessionToken = "tøken" }, ErrInvalidSessionToken},
		{"empty region", func(c *Config) { c.Region = "" }, ErrInvalidRegion},
		{"region with space", func(c *Config) { c.Region = "us east-1" }, ErrInvalidRegion},
		{"non-ASCII service", func(c *Config) { c.Service = "sérvice" }, ErrInvalidService},
		{"bad unsigned header", func(c *Config) { c.UnsignedHeaders = []string{"bad name"} }, ErrInvalidUnsignedHeader},
		{"too many unsigned headers", func(c *Config) { c.UnsignedHeaders = many }, ErrInvalidUnsignedHeader},
	} {
		cfg := testConfig()
		tc.edit(&cfg)
		s, err := NewSigner(cfg)
		if !errors.Is(err, tc.want) || s != nil {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSignErrors(t *testing.T) {
	s := newTestSigner(t, nil)
	get := func(u string) *http.Request { return httptest.NewRequest("GET", u, nil) }
	many := get("https://example.com/")
	for i := 0; i < 65; i++ {
		many.Header.Set("X-H"+strconv.Itoa(i), "v")
	}
	var params []string
	for i := 0; i < 129; i++ {
		params = append(params, "p"+strconv.Itoa(i)+"=1")
	}
	for _, tc := range []struct {
		name string
		req  *http.Request
		edit func(*http.Request)
		want error
	}{
		{"nil request", nil, nil, ErrNullArgument},
		{"nil URL", &http.Request{Method: "GET"}, nil, ErrNullArgument},
		{"no host", &http.Request{Method: "GET", URL: mustURL("/x")}, nil, ErrMissingHost},
		{"CRLF in value", get("https://example.com/"), func(r *http.Request) { r.Header.Set("X-A", "a\r\nX-B: b") }, ErrInvalidHeaderValue},
		{"NUL in value", get("https://example.com/"), func(r *http.Request) { r.Header.Set("X-A", "a\x00") }, ErrInvalidHeaderValue},
		{"space in name", get("https://example.com/"), func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }, ErrInvalidHeaderName},
		{"non-ASCII name", get("https://example.com/"), func(r *http.Request) { r.Header["Ünï"] = []string{"v"} }, ErrInvalidHeaderName},
		{"empty name", get("https://example.com/"), func(r *http.Request) { r.Header[""] = []string{"v"} }, ErrInvalidHeaderName},
		{"bad method", get("https://example.com/"), func(r *http.Request) { r.Method = "GE T" }, ErrInvalidMethod},
		{"non-ASCII host", get("https://example.com/"), func(r *http.Request) { r.Host = "exämple.com" }, ErrInvalidHost},
		{"65 headers", many, nil, ErrTooManyHeaders},
		{"lower-case host key", get("https://example.com/"), func(r *http.Request) { r.Header["host"] = []string{"x"} }, ErrInvalidHeaderName},
		{"odd content-length key", get("https://example.com/"), func(r *http.Request) { r.Header["content-Length"] = []string{"1"} }, ErrInvalidHeaderName},
		{"129 query params", get("https://example.com/?" + strings.Join(params, "&")), nil, ErrTooManyQueryParameters},
		{"path too long", get("https://example.com/" + strings.Repeat("a", 17000)), nil, ErrInputTooLong},
	} {
		if tc.edit != nil {
			tc.edit(tc.req)
		}
		if err := s.Sign(tc.req, nil); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}

	req := get("https://example.com/")
	if err := s.SignPayloadHash(req, "abc"); !errors.Is(err, ErrInvalidPayloadHash) {
		t.Errorf("short hash: %v", err)
	}
	if len(req.Header) != 0 {
		t.Errorf("failed Sign changed headers: %v", req.Header)
	}
	for _, d := range []time.Duration{0, -time.Second, 500 * time.Millisecond, 8 * 24 * time.Hour, 1 << 62} {
		if _, err := s.Presign(get("https://example.com/"), d); !errors.Is(err, ErrInvalidExpires) {
			t.Errorf("expires %v: %v", d, err)
		}
		if d != 0 {
			if _, err := s.CanonicalRequest(get("https://example.com/"), nil, d); !errors.Is(err, ErrInvalidExpires) {
				t.Errorf("canonical expires %v: %v", d, err)
			}
		}
	}
	if _, err := s.Presign(get("https://example.com/?X-Amz-Signature=x"), time.Hour); !errors.Is(err, ErrReservedQueryParameter) {
		t.Errorf("reserved parameter: %v", err)
	}
	if _, err := s.Presign(get("https://exämple.com/"), time.Hour); !errors.Is(err, ErrInvalidHost) {
		t.Errorf("presign non-ASCII host: %v", err)
	}
	old := newTestSigner(t, func(c *Config) { c.Now = func() time.Time { return time.Unix(-1, 0) } })
	if err := old.Sign(get("https://example.com/"), nil); !errors.Is(err, ErrInvalidTime) {
		t.Errorf("time before 1970: %v", err)
	}
	zero := newTestSigner(t, func(c *Config) { c.Now = func() time.Time { return time.Time{} } })
	if err := zero.Sign(get("https://example.com/"), nil); !errors.Is(err, ErrInvalidTime) {
		t.Errorf("zero time: %v", err)
	}
	if _, err := s.SignRaw(nil, fixed); !errors.Is(err, ErrNullArgument) {
		t.Errorf("SignRaw(nil): %v", err)
	}
	if _, err := s.SignRaw(&Request{Method: "GET", URL: "ftp://example.com/"}, fixed); !errors.Is(err, ErrInvalidURL) {
		t.Errorf("ftp URL: %v", err)
	}
	if _, err := s.SignRaw(&Request{Method: "GET", Path: "/"}, fixed); !errors.Is(err, ErrMissingHost) {
		t.Errorf("no host: %v", err)
	}
	if _, err := s.SignRaw(&Request{}, fixed); !errors.Is(err, ErrInvalidMethod) {
		t.Errorf("empty request: %v", err)
	}
	if _, err := s.SignRaw(&Request{Method: "GET", URL: "https://example.com/", PayloadMode: 7}, fixed); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad payload mode: %v", err)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestNilAndZeroSigner(t *testing.T) {
	req := httptest.NewRequest("GET", "https://example.com/", nil)
	var nilSigner *Signer
	if err := nilSigner.Sign(req, nil); !errors.Is(err, ErrNullArgument) {
		t.Fatalf("nil signer: %v", err)
	}
	if err := nilSigner.Close(); err != nil {
		t.Fatal(err)
	}
	var zero Signer
	if _, err := zero.Presign(req, time.Hour); !errors.Is(err, ErrClosed) {
		t.Fatalf("zero signer: %v", err)
	}
}

func TestClosedSigner(t *testing.T) {
	s := newTestSigner(t, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	req := httptest.NewRequest("GET", "https://example.com/", nil)
	if err := s.Sign(req, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sign after Close: %v", err)
	}
	if _, err := s.Presign(req, time.Hour); !errors.Is(err, ErrClosed) {
		t.Fatalf("Presign after Close: %v", err)
	}
	if _, err := s.SignRaw(&Request{Method: "GET", URL: "https://example.com/"}, fixed); !errors.Is(err, ErrClosed) {
		t.Fatalf("SignRaw after Close: %v", err)
	}
}

// Outputs larger than the first buffer: a 4096-byte token and a 16 KiB URL.
func TestLargeOutputs(t *testing.T) {
	token := strings.Repeat("T", 4096)
	s := newTestSigner(t, func(c *Config) { c.SessionToken = token })
	req := httptest.NewRequest("GET", "https://example.com/", nil)
	if err := s.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("X-Amz-Security-Token") != token {
		t.Fatal("token header")
	}
	long := "https://example.com/" + strings.Repeat("p", 16000)
	u, err := s.Presign(httptest.NewRequest("GET", long, nil), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, long+"?X-Amz-Algorithm=") || !strings.Contains(u, "X-Amz-Security-Token="+token) {
		t.Fatalf("presigned URL: %.200s...", u)
	}
}

// What Sign sends to the library: the host Go writes (without a default
// port), Content-Length from the field, header entries Go does not send
// skipped, every value passed.
func TestSignedFromWireForm(t *testing.T) {
	s := newTestSigner(t, nil)
	req := httptest.NewRequest("PUT", "https://example.com:443/a%2Fb/c%20d?x=1&y", strings.NewReader("body"))
	req.Host = "example.com:443"
	req.Header["Host"] = []string{"ignored.example"}
	req.Header["Content-Length"] = []string{"999"}
	req.Header["Transfer-Encoding"] = []string{"chunked"}
	req.Header.Add("X-Multi", "b")
	req.Header.Add("X-Multi", " a ")
	req.Header["x-multi"] = []string{"c"}
	creq, err := s.CanonicalRequest(req, []byte("body"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Host without its default port, as curl and aws-sdk-go-v2 send it.
	want := "PUT\n/a%252Fb/c%2520d\nx=1&y=\ncontent-length:4\nhost:example.com\nx-amz-date:20150830T123600Z\nx-multi:b,a,c\n\n" +
		"content-length;host;x-amz-date;x-multi\n230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5"
	if creq != want {
		t.Fatalf("canonical request:\n%s\nwant:\n%s", creq, want)
	}

	// And Go is made to send that.
	if err := s.Sign(req, []byte("body")); err != nil || req.Host != "example.com" {
		t.Fatalf("Sign: %v, req.Host %q", err, req.Host)
	}

	zone := httptest.NewRequest("GET", "https://[fe80::1%25en0]:8443/", nil)
	creq, err = s.CanonicalRequest(zone, nil, 0)
	if err != nil || !strings.Contains(creq, "\nhost:[fe80::1]:8443\n") {
		t.Fatalf("IPv6 zone: %v\n%s", err, creq)
	}
}

func TestSignReplacesHeaders(t *testing.T) {
	s := newTestSigner(t, func(c *Config) { c.S3 = true; c.SessionToken = "tok" })
	req := httptest.NewRequest("GET", "https://bucket.s3.amazonaws.com/key", nil)
	req.Header["x-amz-date"] = []string{"old"}
	req.Header["AUTHORIZATION"] = []string{"old"}
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := s.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"X-Amz-Date": true, "X-Amz-Security-Token": true, "X-Amz-Content-Sha256": true, "Authorization": true}
	if len(req.Header) != len(want) {
		t.Fatalf("headers: %v", req.Header)
	}
	for k, v := range req.Header {
		if !want[k] || len(v) != 1 {
			t.Fatalf("header %s: %v", k, v)
		}
	}
	if req.Header.Get("X-Amz-Content-Sha256") != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatal("Sign must hash the body it is given")
	}
	// Signing again gives the same result (the old outputs are replaced).
	first := req.Header.Get("Authorization")
	if err := s.Sign(req, nil); err != nil || req.Header.Get("Authorization") != first {
		t.Fatalf("re-sign: %v", err)
	}
	if err := s.SignUnsigned(req); err != nil || req.Header.Get("X-Amz-Content-Sha256") != "UNSIGNED-PAYLOAD" {
		t.Fatalf("SignUnsigned: %v %v", err, req.Header)
	}
	hash := strings.Repeat("AB", 32)
	if err := s.SignPayloadHash(req, hash); err != nil || req.Header.Get("X-Amz-Content-Sha256") != strings.ToLower(hash) {
		t.Fatalf("SignPayloadHash: %v %v", err, req.Header)
	}
}

// One signer, many goroutines: identical results, no race (go test -race).
func TestConcurrentSigning(t *testing.T) {
	s := newTestSigner(t, func(c *Config) { c.SessionToken = "tok" })
	ref := httptest.NewRequest("POST", "https://example.com/p?q=1", nil)
	if err := s.Sign(ref, []byte("x")); err != nil {
		t.Fatal(err)
	}
	want := ref.Header.Get("Authorization")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				req := httptest.NewRequest("POST", "https://example.com/p?q=1", nil)
				if err := s.Sign(req, []byte("x")); err != nil || req.Header.Get("Authorization") != want {
					errs <- fmt.Errorf("iteration %d: %v %q", i, err, req.Header.Get("Authorization"))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Close while other goroutines sign: each call either signs or says
// ErrClosed; nothing crashes.
func TestCloseWhileSigning(t *testing.T) {
	s := newTestSigner(t, nil)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				req := httptest.NewRequest("GET", "https://example.com/", nil)
				if err := s.Sign(req, nil); err != nil && !errors.Is(err, ErrClosed) {
					t.Errorf("unexpected: %v", err)
					return
				}
			}
		}()
	}
	time.Sleep(time.Millisecond)
	s.Close()
	wg.Wait()
}

// Signers dropped without Close are freed by the finalizer.
func TestFinalizer(t *testing.T) {
	for i := 0; i < 100; i++ {
		s, err := NewSigner(testConfig())
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Sign(httptest.NewRequest("GET", "https://example.com/", nil), nil)
	}
	runtime.GC()
	runtime.GC()
}

func TestOutputHeaderParsing(t *testing.T) {
	var got []string
	out := []byte("A: 1\x00B: x: y\x00C: ")
	for len(out) > 0 {
		var n, v []byte
		n, v, out = nextOutputHeader(out)
		got = append(got, string(n)+"="+string(v))
	}
	if strings.Join(got, "|") != "A=1|B=x: y|C=" {
		t.Fatal(got)
	}
}

// parseFields splits lines as nextOutputHeader does.
func TestParseFields(t *testing.T) {
	out := []byte("A: 1\x00B: x: y\x00C: \x00D")
	var p packer
	p.parseFields(out)
	var got []string
	for i := 0; i < p.lines(); i++ {
		n, v := p.line(out, i)
		got = append(got, string(n)+"="+string(v))
	}
	if strings.Join(got, "|") != "A=1|B=x: y|C=|D=" {
		t.Fatal(got)
	}
}

// Bodies up to maxPackedPayload go through sigv4rs_signer_sign_packed,
// larger ones through the struct path: both sign as the precomputed hash.
func TestPackedAndStructPaths(t *testing.T) {
	s := newTestSigner(t, func(c *Config) { c.S3 = true; c.SessionToken = "tok" })
	for _, n := range []int{0, 1, maxPackedPayload, maxPackedPayload + 1, 3 * maxPackedPayload} {
		body := []byte(strings.Repeat("x", n))
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		var auth [2]string
		for i := range auth {
			req := httptest.NewRequest("PUT", "https://Bucket.s3.amazonaws.com/key?a=b", nil)
			req.Header.Set("X-Foo", "bar")
			var err error
			if i == 0 {
				err = s.Sign(req, body)
			} else {
				err = s.SignPayloadHash(req, hash)
			}
			if err != nil || req.Header.Get("X-Amz-Content-Sha256") != hash || req.Host != "bucket.s3.amazonaws.com" {
				t.Fatalf("%d bytes, call %d: %v %v %q", n, i, err, req.Header, req.Host)
			}
			auth[i] = req.Header.Get("Authorization")
		}
		if auth[0] != auth[1] || auth[0] == "" {
			t.Fatalf("%d bytes: %q != %q", n, auth[0], auth[1])
		}
		r := &Request{Method: "PUT", URL: "https://bucket.s3.amazonaws.com/key?a=b",
			Headers: []Header{{"X-Foo", "bar"}}, PayloadMode: PayloadBytes, Payload: body}
		hs, err := s.SignRaw(r, fixed)
		if err != nil || len(hs) != 4 || hs[2] != (Header{"X-Amz-Content-SHA256", hash}) {
			t.Fatalf("SignRaw %d bytes: %v %v", n, err, hs)
		}
	}
	// A bad header value is located the same way on both paths.
	for _, n := range []int{0, 3 * maxPackedPayload} {
		req := httptest.NewRequest("PUT", "https://bucket.s3.amazonaws.com/key", nil)
		req.Header["X-Bad"] = []string{"ok", "a\x01b"}
		err := s.Sign(req, make([]byte, n))
		var e *Error
		if !errors.As(err, &e) || e.Field != FieldHeaderValue || e.Index != 1 || e.Offset != 1 || e.HeaderName != "X-Bad" {
			t.Fatalf("%d bytes: %v %+v", n, err, e)
		}
	}
}
