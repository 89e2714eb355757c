package sigv4rs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	vAK     = "AKIAVERIFYTEST000001"
	vSK     = "verify/Secret+Key0123456789abcdefWXYZ"
	vToken  = "FwoGZXIvYXdzE/token+with=="
	vRegion = "us-east-1"
)

// vNow is the signing time of every request here.
var vNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func vSigner(t testing.TB, s3 bool, token string) *Signer {
	t.Helper()
	service := "s3"
	if !s3 {
		service = "execute-api"
	}
	s, err := NewSigner(Config{AccessKeyID: vAK, SecretAccessKey: vSK, SessionToken: token,
		Region: vRegion, Service: service, S3: s3, Now: func() time.Time { return vNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// vLookup knows vAK with vSK (and token); any other key is unknown.
func vLookup(secret, token string) func(context.Context, string) (Credentials, error) {
	return func(_ context.Context, id string) (Credentials, error) {
		if id != vAK {
			return Credentials{}, fmt.Errorf("key %q: %w", id, ErrUnknownAccessKey)
		}
		return Credentials{SecretAccessKey: secret, SessionToken: token}, nil
	}
}

func vVerifier(t testing.TB, s3 bool, mod func(*VerifierConfig)) *Verifier {
	t.Helper()
	cfg := VerifierConfig{Region: vRegion, Service: "s3", S3: s3, Lookup: vLookup(vSK, ""),
		Now: func() time.Time { return vNow }}
	if !s3 {
		cfg.Service = "execute-api"
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// received is req as a server reads it: written by Go's client code and
// parsed by Go's server code.
func received(t testing.TB, req *http.Request, body []byte) *http.Request {
	t.Helper()
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func newReq(t testing.TB, method, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	return req
}

func wantStatus(t testing.TB, err error, want *Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want status %d (%s)", err, want.Status, want.Message)
	}
}

func TestVerifyHeaderForms(t *testing.T) {
	body := []byte("Action=ListUsers&Version=2010-05-08")
	for _, tc := range []struct {
		name  string
		s3    bool
		token string
		sign  func(*Signer, *http.Request) error
	}{
		{"non-s3 body hash", false, "", func(s *Signer, r *http.Request) error { return s.Sign(r, body) }},
		{"s3 sha256", true, "", func(s *Signer, r *http.Request) error { return s.Sign(r, body) }},
		{"s3 unsigned payload", true, "", func(s *Signer, r *http.Request) error { return s.SignUnsigned(r) }},
		{"s3 session token", true, vToken, func(s *Signer, r *http.Request) error { return s.Sign(r, body) }},
		{"non-s3 session token", false, vToken, func(s *Signer, r *http.Request) error { return s.Sign(r, body) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := vSigner(t, tc.s3, tc.token)
			req := newReq(t, "POST", "https://Example.com/a%20b/./c?x=1&y=%2F", body)
			req.Header.Set("X-Amz-Meta-Note", "a   b")
			if err := tc.sign(s, req); err != nil {
				t.Fatal(err)
			}
			v := vVerifier(t, tc.s3, func(c *VerifierConfig) { c.Lookup = vLookup(vSK, tc.token) })
			res, err := v.Verify(received(t, req, body), body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.Form != FormHeader || res.AccessKeyID != vAK || res.Region != vRegion ||
				res.Service != map[bool]string{true: "s3", false: "execute-api"}[tc.s3] ||
				!res.SignedAt.Equal(vNow) || res.Expires != 0 {
				t.Errorf("result %+v", res)
			}
			if !containsAll(res.SignedHeaders, "host", "x-amz-date", "x-amz-meta-note") {
				t.Errorf("signed headers %v", res.SignedHeaders)
			}
			if tc.token != "" {
				// The same request against a lookup with another token.
				v := vVerifier(t, tc.s3, func(c *VerifierConfig) { c.Lookup = vLookup(vSK, vToken+"x") })
				_, err := v.Verify(received(t, req, body), body)
				wantStatus(t, err, ErrTokenMismatch)
			}
		})
	}
}

func containsAll(have []string, want ...string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

func TestVerifyPresigned(t *testing.T) {
	for _, token := range []string{"", vToken} {
		s := vSigner(t, true, token)
		u, err := s.Presign(newReq(t, "GET", "https://bucket.example.com/my%20key.txt?response-content-type=text%2Fplain", nil), 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		v := vVerifier(t, true, func(c *VerifierConfig) { c.Lookup = vLookup(vSK, token) })
		res, err := v.Verify(received(t, newReq(t, "GET", u, nil), nil), nil)
		if err != nil {
			t.Fatalf("token %q: %v", token, err)
		}
		if res.Form != FormQuery || res.Expires != 5*time.Minute || res.AccessKeyID != vAK {
			t.Errorf("result %+v", res)
		}
		// A presigned PUT binds no body (S3: UNSIGNED-PAYLOAD).
		u, err = s.Presign(newReq(t, "PUT", "https://bucket.example.com/k", nil), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(received(t, newReq(t, "PUT", u, nil), []byte("any body")), []byte("any body")); err != nil {
			t.Fatalf("presigned PUT: %v", err)
		}
		// Expired: verified 61 s after a 60 s URL was signed.
		late := vVerifier(t, true, func(c *VerifierConfig) {
			c.Lookup = vLookup(vSK, token)
			c.Now = func() time.Time { return vNow.Add(61 * time.Second) }
		})
		res, err = late.Verify(received(t, newReq(t, "PUT", u, nil), nil), nil)
		wantStatus(t, err, ErrRequestExpired)
		if res.AccessKeyID != vAK {
			t.Errorf("rejected result lost the access key id: %+v", res)
		}
	}
}

// tampered requests: each damaged copy of a request signed here is refused
// with its own status.
func TestVerifyTampered(t *testing.T) {
	body := []byte("the body that was signed")
	type tamper struct {
		name string
		mod  func(r *http.Request, body []byte) []byte // damages the received request
		cfg  func(c *VerifierConfig)
		want *Error
	}
	flipLast := func(s string) string {
		b := []byte(s)
		if b[len(b)-1] == '0' {
			b[len(b)-1] = '1'
		} else {
			b[len(b)-1] = '0'
		}
		return string(b)
	}
	for _, s3 := range []bool{false, true} {
		bodyStatus := ErrSignatureMismatch // the hash is in the canonical request
		if s3 {
			bodyStatus = ErrPayloadMismatch // x-amz-content-sha256 no longer matches
		}
		for _, tc := range []tamper{
			{"header value", func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Meta-X", "altered"); return b }, nil, ErrSignatureMismatch},
			{"path", func(r *http.Request, b []byte) []byte {
				r.RequestURI = strings.Replace(r.RequestURI, "/obj", "/obk", 1)
				return b
			}, nil, ErrSignatureMismatch},
			{"query", func(r *http.Request, b []byte) []byte {
				r.RequestURI = strings.Replace(r.RequestURI, "q=1", "q=2", 1)
				return b
			}, nil, ErrSignatureMismatch},
			{"host", func(r *http.Request, b []byte) []byte { r.Host = "other.example.com"; return b }, nil, ErrSignatureMismatch},
			// Signed lower-case, received otherwise: the Host as received counts.
			{"host case", func(r *http.Request, b []byte) []byte { r.Host = "Bucket.example.com"; return b }, nil, ErrSignatureMismatch},
			{"body byte", func(r *http.Request, b []byte) []byte {
				c := append([]byte(nil), b...)
				c[3] ^= 1
				return c
			}, nil, bodyStatus},
			{"signature", func(r *http.Request, b []byte) []byte {
				r.Header.Set("Authorization", flipLast(r.Header.Get("Authorization")))
				return b
			}, nil, ErrSignatureMismatch},
			{"unsigned x-amz header added", func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Foo", "1"); return b }, nil, ErrUnsignedHeader},
			{"wrong secret", nil, func(c *VerifierConfig) { c.Lookup = vLookup("wrong"+vSK, "") }, ErrSignatureMismatch},
			{"unknown key", nil, func(c *VerifierConfig) {
				c.Lookup = vLookup(vSK, "")
				c.Lookup = func(context.Context, string) (Credentials, error) { return Credentials{}, ErrUnknownAccessKey }
			}, ErrUnknownAccessKey},
			{"skew +16min", nil, func(c *VerifierConfig) { c.Now = func() time.Time { return vNow.Add(16 * time.Minute) } }, ErrClockSkew},
			{"skew -16min", nil, func(c *VerifierConfig) { c.Now = func() time.Time { return vNow.Add(-16 * time.Minute) } }, ErrClockSkew},
			{"skew over MaxSkew", nil, func(c *VerifierConfig) {
				c.MaxSkew = time.Minute
				c.Now = func() time.Time { return vNow.Add(2 * time.Minute) }
			}, ErrClockSkew},
			{"wrong region", nil, func(c *VerifierConfig) { c.Region = "eu-west-1" }, ErrWrongRegion},
		} {
			t.Run(fmt.Sprintf("s3=%v/%s", s3, tc.name), func(t *testing.T) {
				s := vSigner(t, s3, "")
				req := newReq(t, "PUT", "https://bucket.example.com/obj?q=1", body)
				req.Header.Set("X-Amz-Meta-X", "signed")
				if err := s.Sign(req, body); err != nil {
					t.Fatal(err)
				}
				v := vVerifier(t, s3, nil)
				// Undamaged, it passes.
				if _, err := v.Verify(received(t, req, body), body); err != nil {
					t.Fatalf("undamaged: %v", err)
				}
				if tc.cfg != nil {
					v = vVerifier(t, s3, tc.cfg)
				}
				r, b := received(t, req, body), body
				if tc.mod != nil {
					b = tc.mod(r, body)
				}
				res, err := v.Verify(r, b)
				wantStatus(t, err, tc.want)
				if res == nil || res.AccessKeyID != vAK {
					t.Errorf("result %+v: want the claimed access key id", res)
				}
				noSecret(t, err, res)
			})
		}
	}
}

// noSecret: the secret is in no output of err or res.
func noSecret(t testing.TB, vals ...any) {
	t.Helper()
	for _, v := range vals {
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			if out := fmt.Sprintf(f, v); strings.Contains(out, vSK) || strings.Contains(out, fmt.Sprintf("%x", vSK)) {
				t.Fatalf("%s shows the secret: %s", f, out)
			}
		}
	}
}

func TestVerifyLookupFailures(t *testing.T) {
	s := vSigner(t, true, "")
	req := newReq(t, "GET", "https://bucket.example.com/obj", nil)
	if err := s.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("store down")
	for _, tc := range []struct {
		name   string
		lookup func(context.Context, string) (Credentials, error)
		check  func(error) bool
	}{
		{"error", func(context.Context, string) (Credentials, error) { return Credentials{}, boom },
			func(err error) bool { return errors.Is(err, ErrLookupFailed) && errors.Is(err, boom) }},
		{"unknown", func(context.Context, string) (Credentials, error) {
			return Credentials{}, fmt.Errorf("no such key: %w", ErrUnknownAccessKey)
		}, func(err error) bool { return errors.Is(err, ErrUnknownAccessKey) }},
		{"panic", func(context.Context, string) (Credentials, error) { panic("lookup bug") },
			func(err error) bool {
				var p *PanicError
				return errors.Is(err, ErrLookupFailed) && errors.As(err, &p) && p.Value == "lookup bug"
			}},
		{"empty secret", func(context.Context, string) (Credentials, error) { return Credentials{}, nil },
			func(err error) bool { return errors.Is(err, ErrLookupFailed) }},
		{"secret too long", func(context.Context, string) (Credentials, error) {
			return Credentials{SecretAccessKey: strings.Repeat(vSK, 10)}, nil
		}, func(err error) bool { return errors.Is(err, ErrLookupFailed) }},
		{"context", func(ctx context.Context, _ string) (Credentials, error) {
			if ctx.Value(ctxProbe{}) != "here" {
				return Credentials{}, errors.New("not the request's context")
			}
			return Credentials{SecretAccessKey: vSK}, nil
		}, func(err error) bool { return err == nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := vVerifier(t, true, func(c *VerifierConfig) { c.Lookup = tc.lookup })
			r := received(t, req, nil)
			r = r.WithContext(context.WithValue(r.Context(), ctxProbe{}, "here"))
			res, err := v.Verify(r, nil)
			if !tc.check(err) {
				t.Fatalf("got %v", err)
			}
			noSecret(t, err, res)
		})
	}
}

type ctxProbe struct{}

// The lookup's handle lives for one call, and a Verifier holds nothing
// that keeps it alive.
func TestVerifyHandleLifetime(t *testing.T) {
	var handles []cgo.Handle
	lastLookupHandle = func(h cgo.Handle) { handles = append(handles, h) }
	defer func() { lastLookupHandle = nil }()
	s := vSigner(t, true, "")
	req := newReq(t, "GET", "https://bucket.example.com/obj", nil)
	if err := s.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	collected := make(chan struct{})
	func() {
		v := vVerifier(t, true, nil)
		runtime.SetFinalizer(v, func(*Verifier) { close(collected) })
		for i := 0; i < 3; i++ {
			if _, err := v.Verify(received(t, req, nil), nil); err != nil {
				t.Fatal(err)
			}
		}
	}()
	if len(handles) != 3 {
		t.Fatalf("%d handles seen, want 3", len(handles))
	}
	for _, h := range handles {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("handle %d still valid after its call", h)
				}
			}()
			h.Value()
		}()
	}
	for i := 0; i < 20; i++ {
		runtime.GC()
		select {
		case <-collected:
			return
		default:
		}
	}
	t.Fatal("the Verifier was not collected: something still references it")
}

func TestVerifyConcurrent(t *testing.T) {
	s := vSigner(t, true, "")
	v := vVerifier(t, true, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				body := []byte(fmt.Sprintf("body %d %d", g, i))
				req := newReq(t, "PUT", fmt.Sprintf("https://b.example.com/k%d", i), body)
				if err := s.Sign(req, body); err != nil {
					errs <- err
					return
				}
				r := received(t, req, body)
				if _, err := v.Verify(r, body); err != nil {
					errs <- err
					return
				}
				if _, err := v.Verify(r, append(body, 'x')); !errors.Is(err, ErrPayloadMismatch) {
					errs <- fmt.Errorf("tampered body: %v", err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestNewVerifierRefuses(t *testing.T) {
	if _, err := NewVerifier(VerifierConfig{Region: vRegion, Service: "s3"}); !errors.Is(err, ErrNullArgument) {
		t.Errorf("no Lookup: %v", err)
	}
	l := vLookup(vSK, "")
	if _, err := NewVerifier(VerifierConfig{Region: vRegion, Service: "s3", Lookup: l, MaxSkew: -time.Second}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative MaxSkew: %v", err)
	}
	if _, err := NewVerifier(VerifierConfig{Region: vRegion, Service: "s3", Lookup: l, Skip: 1 << 20}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown skip bit: %v", err)
	}
	// A bad region is the library's to find, on the first call.
	v, err := NewVerifier(VerifierConfig{Region: "bad region", Service: "s3", Lookup: l})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(received(t, newReq(t, "GET", "https://b.example.com/", nil), nil), nil)
	wantStatus(t, err, ErrInvalidRegion)
}
