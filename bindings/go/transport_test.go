package sigv4rs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// verifyReceived re-signs what the server received (method, raw request
// target, Host, the headers named in SignedHeaders, the body) with the
// library and compares the Authorization header, as a service would.
func verifyReceived(s *Signer, r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	const sh = "SignedHeaders="
	i := strings.Index(auth, sh)
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || i < 0 {
		return fmt.Errorf("no SigV4 Authorization: %q", auth)
	}
	names := strings.Split(auth[i+len(sh):strings.Index(auth[i:], ",")+i], ";")
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return err
	}
	path, query, _ := strings.Cut(r.RequestURI, "?")
	req := &Request{Method: r.Method, Path: path, Query: query}
	signed := map[string]bool{}
	for _, n := range names {
		signed[n] = true
		switch n {
		case "host":
			req.Headers = append(req.Headers, Header{"Host", r.Host})
		case "content-length":
			req.Headers = append(req.Headers, Header{"Content-Length", strconv.FormatInt(r.ContentLength, 10)})
		default:
			vs := r.Header.Values(n)
			if len(vs) == 0 {
				return fmt.Errorf("signed header %s not received", n)
			}
			for _, v := range vs {
				req.Headers = append(req.Headers, Header{n, v})
			}
		}
	}
	// A service refuses unsigned x-amz-* headers (the unsigned session
	// token mode aside).
	for k := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") && !signed[lk] && lk != "x-amz-security-token" {
			return fmt.Errorf("unsigned %s received", k)
		}
	}
	if h := r.Header.Get("X-Amz-Content-Sha256"); len(h) == 64 {
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != h {
			return fmt.Errorf("body does not match X-Amz-Content-SHA256")
		}
	} else if h == "" {
		req.PayloadMode, req.Payload = PayloadBytes, body
	}
	out, err := s.SignRaw(req, at)
	if err != nil {
		return err
	}
	for _, h := range out {
		if h.Name == "Authorization" && h.Value != auth {
			return fmt.Errorf("signature mismatch:\n got  %s\n want %s", auth, h.Value)
		}
	}
	return nil
}

type verifyingServer struct {
	*httptest.Server
	hits   atomic.Int32
	failed atomic.Value
}

func newVerifyingServer(t *testing.T, s *Signer) *verifyingServer {
	v := &verifyingServer{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		if err := verifyReceived(s, r, body); err != nil {
			v.failed.Store(err.Error())
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/after%20redirect?from=1", http.StatusFound)
			return
		}
		fmt.Fprintf(w, "ok %d", len(body))
	}))
	t.Cleanup(v.Close)
	return v
}

// onlyReader hides every method but Read, so http.NewRequest sets no
// GetBody and Transport must buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestTransportVerifiedByServer(t *testing.T) {
	for _, cfg := range []struct {
		name string
		edit func(*Config)
	}{
		{"service", func(c *Config) {}},
		{"s3 with token", func(c *Config) { c.S3 = true; c.Service = "s3"; c.SessionToken = "FQoGZXIvYXdzEBYaDEXAMPLE" }},
		{"sha header, unsigned token", func(c *Config) {
			c.ContentSHA256Header = true
			c.SessionToken = "tok"
			c.UnsignedSessionToken = true
		}},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			s := newTestSigner(t, func(c *Config) { cfg.edit(c); c.Now = time.Now })
			srv := newVerifyingServer(t, s)
			client := &http.Client{Transport: &Transport{Signer: s}}
			big := bytes.Repeat([]byte("0123456789"), 100000)
			for _, tc := range []struct {
				name   string
				method string
				target string
				body   func() io.Reader
				header map[string]string
			}{
				{"get", "GET", "/", nil, nil},
				{"odd path and query", "GET", "/a%20b/%C3%BC/%2F/~x!$'()*+,;=:@?x=a+b&y=%zz&z&=v&k=v%2Fw&k=a", nil,
					map[string]string{"X-Amz-Meta-A": "  spaced   value ", "Range": "bytes=0-9"}},
				{"bytes body (GetBody)", "PUT", "/object", func() io.Reader { return bytes.NewReader(big) }, nil},
				{"reader body (buffered)", "POST", "/form", func() io.Reader { return onlyReader{strings.NewReader("a=1&b=2")} },
					map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
				{"unsigned payload header", "PUT", "/stream", func() io.Reader { return onlyReader{strings.NewReader("data")} },
					map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}},
				{"empty post", "POST", "/empty", func() io.Reader { return http.NoBody }, nil},
				{"redirect", "GET", "/redirect", nil, nil},
			} {
				var body io.Reader
				if tc.body != nil {
					body = tc.body()
				}
				req, err := http.NewRequest(tc.method, srv.URL+tc.target, body)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d %s", tc.name, resp.StatusCode, msg)
				}
				if req.Header.Get("Authorization") != "" {
					t.Fatalf("%s: the caller's request was modified", tc.name)
				}
			}
			if f, _ := srv.failed.Load().(string); f != "" {
				t.Fatal(f)
			}
			if srv.hits.Load() != 8 {
				t.Fatalf("server verified %d requests, want 8", srv.hits.Load())
			}
		})
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestTransportErrors(t *testing.T) {
	s := newTestSigner(t, nil)
	s.Close()
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("PUT", "http://127.0.0.1:1/", body)
	_, err := (&Transport{Signer: s}).RoundTrip(req)
	if !errors.Is(err, ErrClosed) || !body.closed {
		t.Fatalf("closed signer: %v, body closed %v", err, body.closed)
	}
	body = &closeRecorder{Reader: strings.NewReader("x")}
	req, _ = http.NewRequest("PUT", "http://127.0.0.1:1/", body)
	if _, err := (&Transport{}).RoundTrip(req); err == nil || !body.closed {
		t.Fatalf("nil signer: %v, body closed %v", err, body.closed)
	}
	s2 := newTestSigner(t, nil)
	req, _ = http.NewRequest("GET", "http://127.0.0.1:1/", nil)
	req.Header.Set("X-Bad", "a\nb")
	if _, err := (&Transport{Signer: s2}).RoundTrip(req); !errors.Is(err, ErrInvalidHeaderValue) {
		t.Fatalf("bad header: %v", err)
	}
}
