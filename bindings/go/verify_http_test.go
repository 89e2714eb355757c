package sigv4rs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// echo answers what it read: the body's length and SHA-256 and the
// headers it saw; a body that failed at its end gets WriteError.
func echo(t testing.TB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := VerifiedFrom(r.Context())
		if !ok || res.AccessKeyID != vAK {
			t.Errorf("handler reached without a verified result: %+v", res)
		}
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			WriteError(w, err)
			return
		}
		fmt.Fprintf(w, "len=%d sha=%x cl=%d ce=%q form=%s", n, h.Sum(nil), r.ContentLength,
			r.Header.Get("Content-Encoding"), res.Form)
	})
}

func echoLine(body []byte, form string) string {
	return fmt.Sprintf("len=%d sha=%s cl=%d ce=\"\" form=%s", len(body), sha256Hex(body), len(body), form)
}

// rejections records the middleware's OnReject calls.
type rejections struct {
	handled atomic.Int32 // requests that reached the handler
	mu      sync.Mutex
	errs    []error
	ids     []string
}

func (rj *rejections) hook(_ *http.Request, res *VerifyResult, err error) {
	rj.mu.Lock()
	defer rj.mu.Unlock()
	rj.errs = append(rj.errs, err)
	rj.ids = append(rj.ids, res.AccessKeyID)
}

func (rj *rejections) last() (error, string) {
	rj.mu.Lock()
	defer rj.mu.Unlock()
	if len(rj.errs) == 0 {
		return nil, ""
	}
	return rj.errs[len(rj.errs)-1], rj.ids[len(rj.ids)-1]
}

func mwServer(t *testing.T, s3 bool, opts MiddlewareOptions, mod func(*VerifierConfig)) (*httptest.Server, *rejections) {
	t.Helper()
	rj := &rejections{}
	opts.OnReject = rj.hook
	h := echo(t)
	ts := httptest.NewServer(vVerifier(t, s3, mod).MiddlewareWith(opts, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			rj.handled.Add(1)
			h.ServeHTTP(w, r)
		})))
	t.Cleanup(ts.Close)
	return ts, rj
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// s3Code is the <Code> of an S3 XML error.
func s3Code(t *testing.T, body string) string {
	t.Helper()
	var e struct{ Code, Message string }
	if err := xml.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not an XML error: %q", body)
	}
	if strings.Contains(body, vSK) {
		t.Fatalf("the error shows the secret: %s", body)
	}
	return e.Code
}

func testData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*31 + 7) % 251)
	}
	return b
}

var verifyModes = []struct {
	name string
	opts StreamOptions
}{
	{"signed", StreamOptions{Mode: StreamSigned, ChunkSize: 8192}},
	{"signed-trailer-crc32c", StreamOptions{Mode: StreamSignedTrailer, Checksum: ChecksumCRC32C, ChunkSize: 8192}},
	{"signed-trailer-sha256", StreamOptions{Mode: StreamSignedTrailer, Checksum: ChecksumSHA256, ChunkSize: 8192}},
	{"unsigned-trailer-crc32", StreamOptions{Mode: StreamUnsignedTrailer, Checksum: ChecksumCRC32, ChunkSize: 8192}},
	{"unsigned-trailer-crc64nvme", StreamOptions{Mode: StreamUnsignedTrailer, Checksum: ChecksumCRC64NVME, ChunkSize: 8192}},
}

// Requests signed by the binding's Signer pass the middleware, and the
// handler reads the object (aws-chunked decoded).
func TestMiddlewareAccepts(t *testing.T) {
	passed, total := 0, 0
	run := func(name string, f func(t *testing.T)) {
		total++
		if t.Run(name, f) {
			passed++
		}
	}
	for _, buffer := range []bool{false, true} {
		opts := MiddlewareOptions{Buffer: buffer, BufferMemory: 4096, TempDir: t.TempDir()}
		ts, rj := mwServer(t, true, opts, func(c *VerifierConfig) { c.Lookup = vLookup(vSK, vToken) })
		s := vSigner(t, true, vToken)
		body := testData(100000)
		url := ts.URL + "/bucket/my%20key+%2B.bin?x-id=PutObject"
		run(fmt.Sprintf("buffer=%v/sha256", buffer), func(t *testing.T) {
			req, _ := http.NewRequest("PUT", url, bytes.NewReader(body))
			if err := s.Sign(req, body); err != nil {
				t.Fatal(err)
			}
			if code, out := send(t, req); code != 200 || out != echoLine(body, "header") {
				t.Fatalf("%d %s", code, out)
			}
		})
		run(fmt.Sprintf("buffer=%v/unsigned", buffer), func(t *testing.T) {
			req, _ := http.NewRequest("PUT", url, bytes.NewReader(body))
			if err := s.SignUnsigned(req); err != nil {
				t.Fatal(err)
			}
			if code, out := send(t, req); code != 200 || out != echoLine(body, "header") {
				t.Fatalf("%d %s", code, out)
			}
		})
		run(fmt.Sprintf("buffer=%v/presigned", buffer), func(t *testing.T) {
			u, err := s.Presign(newReq(t, "PUT", url, nil), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("PUT", u, bytes.NewReader(body))
			if code, out := send(t, req); code != 200 || out != echoLine(body, "query") {
				t.Fatalf("%d %s", code, out)
			}
		})
		for _, m := range verifyModes {
			for _, size := range []int{0, 1, 8192, 100000} {
				run(fmt.Sprintf("buffer=%v/chunked-%s-%d", buffer, m.name, size), func(t *testing.T) {
					data := body[:size]
					req, _ := http.NewRequest("PUT", url, nil)
					if err := s.SignStreaming(req, bytes.NewReader(data), int64(size), m.opts); err != nil {
						t.Fatal(err)
					}
					if code, out := send(t, req); code != 200 || out != echoLine(data, "header") {
						t.Fatalf("%d %s", code, out)
					}
				})
			}
		}
		if err, _ := rj.last(); err != nil {
			t.Errorf("a rejection was reported: %v", err)
		}
		if left, _ := os.ReadDir(opts.TempDir); len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
	fmt.Printf("go verifier: %d/%d requests signed by the binding (sha256, UNSIGNED-PAYLOAD, presigned, aws-chunked in %d modes x 4 sizes; token) accepted by the middleware, streamed and buffered\n",
		passed, total, len(verifyModes))
}

func TestMiddlewareWholeBody(t *testing.T) {
	ts, rj := mwServer(t, false, MiddlewareOptions{MaxBody: 1000}, nil)
	s := vSigner(t, false, "")
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	req, _ := http.NewRequest("POST", ts.URL+"/", bytes.NewReader(body))
	if err := s.Sign(req, body); err != nil {
		t.Fatal(err)
	}
	if code, out := send(t, req); code != 200 || out != echoLine(body, "header") {
		t.Fatalf("%d %s", code, out)
	}
	// The same signature over another body of the same length.
	other := bytes.ToUpper(body)
	req.Body, req.GetBody = io.NopCloser(bytes.NewReader(other)), nil
	code, out := send(t, req)
	if code != 403 || s3Code(t, out) != "SignatureDoesNotMatch" {
		t.Fatalf("tampered body: %d %s", code, out)
	}
	if err, id := rj.last(); !errors.Is(err, ErrSignatureMismatch) || id != vAK {
		t.Fatalf("OnReject got %v, key %q", err, id)
	}
	big := bytes.Repeat([]byte("x"), 1001)
	req, _ = http.NewRequest("POST", ts.URL+"/", bytes.NewReader(big))
	if err := s.Sign(req, big); err != nil {
		t.Fatal(err)
	}
	if code, out := send(t, req); code != 413 || s3Code(t, out) != "EntityTooLarge" {
		t.Fatalf("over MaxBody: %d %s", code, out)
	}
}

// streamed is an aws-chunked request signed by the binding, its encoded
// body in memory to be damaged.
func streamed(t *testing.T, s *Signer, url string, data []byte, opts StreamOptions) (*http.Request, []byte) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url, nil)
	if err := s.SignStreaming(req, bytes.NewReader(data), int64(len(data)), opts); err != nil {
		t.Fatal(err)
	}
	enc, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	return req, enc
}

func withBody(req *http.Request, b []byte) *http.Request {
	req.Body, req.GetBody = io.NopCloser(bytes.NewReader(b)), nil
	return req
}

// Damaged copies of signed requests are refused with the status of their
// damage, by the middleware or (streamed bodies) by the body's Read.
func TestMiddlewareRejects(t *testing.T) {
	body := testData(20000)
	type tcase struct {
		name string
		make func(t *testing.T, s *Signer, url string) *http.Request
		cfg  func(*VerifierConfig)
		code int
		s3   string
		want *Error
	}
	signed := func(mod func(*http.Request)) func(*testing.T, *Signer, string) *http.Request {
		return func(t *testing.T, s *Signer, url string) *http.Request {
			req, _ := http.NewRequest("PUT", url, bytes.NewReader(body))
			req.Header.Set("X-Amz-Meta-X", "signed")
			if err := s.Sign(req, body); err != nil {
				t.Fatal(err)
			}
			if mod != nil {
				mod(req)
			}
			return req
		}
	}
	chunked := func(opts StreamOptions, damage func(enc []byte)) func(*testing.T, *Signer, string) *http.Request {
		return func(t *testing.T, s *Signer, url string) *http.Request {
			req, enc := streamed(t, s, url, body, opts)
			damage(enc)
			return withBody(req, enc)
		}
	}
	// The first data byte: after the first chunk header's CRLF.
	dataByte := func(enc []byte) { enc[bytes.Index(enc, []byte("\r\n"))+2] ^= 1 }
	// The last hex digit of the first chunk signature.
	sigDigit := func(enc []byte) {
		i := bytes.Index(enc, []byte("\r\n")) - 1
		enc[i] = "01"[boolInt(enc[i] == '0')]
	}
	cases := []tcase{
		{"header value", signed(func(r *http.Request) { r.Header.Set("X-Amz-Meta-X", "altered") }), nil, 403, "SignatureDoesNotMatch", ErrSignatureMismatch},
		{"path", signed(func(r *http.Request) { r.URL.Path += "x" }), nil, 403, "SignatureDoesNotMatch", ErrSignatureMismatch},
		{"query", signed(func(r *http.Request) { r.URL.RawQuery = "q=2" }), nil, 403, "SignatureDoesNotMatch", ErrSignatureMismatch},
		{"signature", signed(func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-1]+"01"[boolInt(a[len(a)-1] == '0'):][:1])
		}), nil, 403, "SignatureDoesNotMatch", ErrSignatureMismatch},
		{"body byte", signed(func(r *http.Request) {
			b := append([]byte(nil), body...)
			b[100] ^= 1
			withBody(r, b)
		}), nil, 400, "XAmzContentSHA256Mismatch", ErrPayloadMismatch},
		// Content-Length left unsigned (0 when signing), so only the hash
		// can tell.
		{"body short", func(t *testing.T, s *Signer, url string) *http.Request {
			req, _ := http.NewRequest("PUT", url, nil)
			if err := s.Sign(req, body); err != nil {
				t.Fatal(err)
			}
			req.ContentLength = int64(len(body) - 1)
			return withBody(req, body[:len(body)-1])
		}, nil, 400, "XAmzContentSHA256Mismatch", ErrPayloadMismatch},
		{"wrong secret", signed(nil), func(c *VerifierConfig) { c.Lookup = vLookup(vSK+"x", "") }, 403, "SignatureDoesNotMatch", ErrSignatureMismatch},
		{"unknown key", signed(nil), func(c *VerifierConfig) {
			c.Lookup = func(context.Context, string) (Credentials, error) { return Credentials{}, ErrUnknownAccessKey }
		}, 403, "InvalidAccessKeyId", ErrUnknownAccessKey},
		{"skew", signed(nil), func(c *VerifierConfig) { c.Now = func() time.Time { return vNow.Add(30 * time.Minute) } }, 403, "RequestTimeTooSkewed", ErrClockSkew},
		{"presign expired", func(t *testing.T, s *Signer, url string) *http.Request {
			u, err := s.Presign(newReq(t, "GET", url, nil), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", u, nil)
			return req
		}, func(c *VerifierConfig) { c.Now = func() time.Time { return vNow.Add(2 * time.Minute) } }, 403, "AccessDenied", ErrRequestExpired},
		{"chunk data signed", chunked(StreamOptions{Mode: StreamSigned, ChunkSize: 8192}, dataByte), nil, 403, "SignatureDoesNotMatch", ErrChunkSignatureMismatch},
		{"chunk signature", chunked(StreamOptions{Mode: StreamSigned, ChunkSize: 8192}, sigDigit), nil, 403, "SignatureDoesNotMatch", ErrChunkSignatureMismatch},
		{"chunk data signed trailer", chunked(StreamOptions{Mode: StreamSignedTrailer, Checksum: ChecksumCRC32C, ChunkSize: 8192}, dataByte), nil, 403, "SignatureDoesNotMatch", ErrChunkSignatureMismatch},
		{"chunk data unsigned crc32", chunked(StreamOptions{Mode: StreamUnsignedTrailer, Checksum: ChecksumCRC32, ChunkSize: 8192}, dataByte), nil, 400, "BadDigest", ErrChecksumMismatch},
		{"chunk data unsigned sha256", chunked(StreamOptions{Mode: StreamUnsignedTrailer, Checksum: ChecksumSHA256, ChunkSize: 8192}, dataByte), nil, 400, "BadDigest", ErrChecksumMismatch},
		{"trailer checksum", chunked(StreamOptions{Mode: StreamUnsignedTrailer, Checksum: ChecksumCRC32, ChunkSize: 8192}, func(enc []byte) {
			i := bytes.LastIndex(enc, []byte("x-amz-checksum-crc32:")) + len("x-amz-checksum-crc32:")
			enc[i] ^= 1
		}), nil, 400, "BadDigest", ErrChecksumMismatch},
	}
	passed, total := 0, 0
	for _, buffer := range []bool{false, true} {
		for _, tc := range cases {
			total++
			ok := t.Run(fmt.Sprintf("buffer=%v/%s", buffer, tc.name), func(t *testing.T) {
				ts, rj := mwServer(t, true, MiddlewareOptions{Buffer: buffer}, tc.cfg)
				s := vSigner(t, true, "")
				code, out := send(t, tc.make(t, s, ts.URL+"/bucket/obj?q=1"))
				if code != tc.code || s3Code(t, out) != tc.s3 {
					t.Fatalf("got %d %s, want %d %s", code, out, tc.code, tc.s3)
				}
				err, id := rj.last()
				if !errors.Is(err, tc.want) || id != vAK {
					t.Fatalf("OnReject got %v (key %q), want status %d", err, id, tc.want.Status)
				}
				noSecret(t, err, out)
				if buffer && rj.handled.Load() != 0 {
					t.Fatal("Buffer: the handler was called with a body that failed")
				}
			})
			if ok {
				passed++
			}
		}
	}
	fmt.Printf("go verifier: %d/%d damaged copies of signed requests (header, path, query, signature, body, secret, key, skew, expiry, chunk data/signature, trailer checksum) refused by the middleware with their status, streamed and buffered\n",
		passed, total)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Begin's reader decodes and verifies whatever the reads' sizes.
func TestBeginAnySplit(t *testing.T) {
	s := vSigner(t, true, "")
	v := vVerifier(t, true, nil)
	data := testData(30000)
	for _, m := range verifyModes {
		for _, bufSize := range []int{1, 7, 8192, 100000} {
			req, enc := streamed(t, s, "https://bucket.example.com/k", data, m.opts)
			r := received(t, req, enc)
			res, bv, err := v.Begin(r)
			if err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
			if !bv.Chunked() || res.AccessKeyID != vAK {
				t.Fatalf("%s: chunked %v, %+v", m.name, bv.Chunked(), res)
			}
			var got bytes.Buffer
			_, err = io.CopyBuffer(&got, struct{ io.Reader }{bv}, make([]byte, bufSize))
			bv.Close()
			if err != nil || !bytes.Equal(got.Bytes(), data) {
				t.Fatalf("%s, reads of %d: %v, %d bytes, equal %v", m.name, bufSize, err, got.Len(), bytes.Equal(got.Bytes(), data))
			}
			// Read after the end keeps saying io.EOF.
			if n, err := bv.Read(make([]byte, 10)); n != 0 || err != io.EOF {
				t.Fatalf("after the end: %d, %v", n, err)
			}
		}
	}
}

// A failure is sticky, and Close releases an unfinished verifier.
func TestBeginStickyFailure(t *testing.T) {
	s := vSigner(t, true, "")
	v := vVerifier(t, true, nil)
	data := testData(30000)
	req, enc := streamed(t, s, "https://bucket.example.com/k", data, StreamOptions{Mode: StreamSigned, ChunkSize: 8192})
	enc[bytes.Index(enc, []byte("\r\n"))+2] ^= 1
	_, bv, err := v.Begin(received(t, req, enc))
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(bv)
	if !errors.Is(err, ErrChunkSignatureMismatch) {
		t.Fatalf("got %v", err)
	}
	if _, again := bv.Read(make([]byte, 10)); !errors.Is(again, err) {
		t.Fatalf("second Read: %v", again)
	}
	bv.Close()

	// Cut short (its headers intact): INCOMPLETE_PAYLOAD at the end, in
	// every mode.
	for _, m := range verifyModes {
		req, enc = streamed(t, s, "https://bucket.example.com/k", data, m.opts)
		r := received(t, req, enc)
		r.Body = io.NopCloser(bytes.NewReader(enc[:len(enc)-5]))
		_, bv, err = v.Begin(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(bv); !errors.Is(err, ErrIncompletePayload) {
			t.Fatalf("%s cut: got %v", m.name, err)
		}
		bv.Close()
	}

	req, enc = streamed(t, s, "https://bucket.example.com/k", data, StreamOptions{Mode: StreamSigned, ChunkSize: 8192})
	_, bv, err = v.Begin(received(t, req, enc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bv.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	bv.Close()
	if _, err := bv.Read(make([]byte, 100)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
}
