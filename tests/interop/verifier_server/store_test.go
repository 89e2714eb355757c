package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

const (
	testAK = "AKIASERVERTEST000001"
	testSK = "server/Secret+Key0123456789abcdefWXYZ"
)

type fixture struct {
	t    *testing.T
	url  string
	s    *sigv4rs.Signer
	mu   sync.Mutex
	logs []string
}

func newFixture(t *testing.T, buffer bool) *fixture {
	f := &fixture{t: t}
	h, err := newHandler(options{accessKey: testAK, secretKey: testSK, region: "us-east-1", buffer: buffer,
		logf: func(format string, args ...any) {
			f.mu.Lock()
			f.logs = append(f.logs, fmt.Sprintf(format, args...))
			f.mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	f.url = ts.URL
	f.s, err = sigv4rs.NewSigner(sigv4rs.Config{AccessKeyID: testAK, SecretAccessKey: testSK,
		Region: "us-east-1", Service: "s3", S3: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.s.Close() })
	return f
}

// do signs (body's SHA-256) and sends; returns status, body, headers.
func (f *fixture) do(method, path string, body []byte, hdr ...string) (int, string, http.Header) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if err := f.s.Sign(req, body); err != nil {
		f.t.Fatal(err)
	}
	return f.send(req)
}

func (f *fixture) send(req *http.Request) (int, string, http.Header) {
	f.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (f *fixture) want(status int, method, path string, body []byte, hdr ...string) string {
	f.t.Helper()
	got, out, _ := f.do(method, path, body, hdr...)
	if got != status {
		f.t.Fatalf("%s %s: %d %s, want %d", method, path, got, out, status)
	}
	return out
}

type listing struct {
	Keys                  []string `xml:"Contents>Key"`
	Prefixes              []string `xml:"CommonPrefixes>Prefix"`
	IsTruncated           bool
	NextContinuationToken string
	KeyCount              int
}

func (f *fixture) list(query string) listing {
	f.t.Helper()
	var l listing
	if err := xml.Unmarshal([]byte(f.want(200, "GET", "/bkt?"+query, nil)), &l); err != nil {
		f.t.Fatal(err)
	}
	return l
}

func same(a []string, b ...string) bool {
	a = append([]string(nil), a...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

func TestStore(t *testing.T) {
	f := newFixture(t, false)
	f.want(404, "GET", "/bkt/x", nil)
	f.want(200, "PUT", "/bkt", nil)
	for _, k := range []string{"a/1", "a/2", "b/x%20y", "c"} {
		f.want(200, "PUT", "/bkt/"+k, []byte("data of "+k), "Content-Type", "text/plain")
	}
	if l := f.list("list-type=2&prefix=a%2F"); !same(l.Keys, "a/1", "a/2") || l.KeyCount != 2 {
		t.Errorf("prefix a/: %+v", l)
	}
	if l := f.list("list-type=2&delimiter=%2F"); !same(l.Keys, "c") || !same(l.Prefixes, "a/", "b/") {
		t.Errorf("delimiter: %+v", l)
	}
	l := f.list("list-type=2&max-keys=3")
	if !l.IsTruncated || len(l.Keys) != 3 || l.NextContinuationToken == "" {
		t.Fatalf("page 1: %+v", l)
	}
	if l2 := f.list("list-type=2&max-keys=3&continuation-token=" + l.NextContinuationToken); !same(l2.Keys, "c") || l2.IsTruncated {
		t.Errorf("page 2: %+v", l2)
	}
	if l := f.list("list-type=2&start-after=a%2F2"); !same(l.Keys, "b/x y", "c") {
		t.Errorf("start-after: %+v", l)
	}
	if l := f.list("marker=b%2Fx%20y"); !same(l.Keys, "c") {
		t.Errorf("V1 marker: %+v", l)
	}
	if l := f.list("list-type=2&prefix=b&encoding-type=url"); !same(l.Keys, "b%2Fx+y") {
		t.Errorf("encoding-type=url: %+v", l)
	}
	if out := f.want(200, "GET", "/bkt?location", nil); !strings.Contains(out, "<LocationConstraint") {
		t.Errorf("location: %s", out)
	}
	if out := f.want(206, "GET", "/bkt/a/1", nil, "Range", "bytes=1-3"); out != "ata" {
		t.Errorf("range: %q", out)
	}
	code, out, h := f.do("HEAD", "/bkt/b/x%20y", nil)
	if code != 200 || out != "" || h.Get("Content-Length") != "15" || h.Get("ETag") == "" || h.Get("Content-Type") != "text/plain" {
		t.Errorf("HEAD: %d %q %v", code, out, h)
	}
	f.want(409, "DELETE", "/bkt", nil)
	f.want(204, "DELETE", "/bkt/c", nil)
	f.want(404, "GET", "/bkt/c", nil)
	if out := f.want(200, "GET", "/", nil); !strings.Contains(out, "<Name>bkt</Name>") {
		t.Errorf("ListBuckets: %s", out)
	}
	if len(f.logs) != 0 {
		t.Errorf("refusals logged for signed requests: %v", f.logs)
	}
}

// An upload whose body fails verification is refused, logged and not
// stored, whether the store reads it streamed or the middleware buffers it.
func TestFailedUploadNotStored(t *testing.T) {
	for _, buffer := range []bool{false, true} {
		f := newFixture(t, buffer)
		f.want(200, "PUT", "/bkt", nil)
		data := bytes.Repeat([]byte("0123456789"), 3000)
		req, _ := http.NewRequest("PUT", f.url+"/bkt/up", nil)
		err := f.s.SignStreaming(req, bytes.NewReader(data), int64(len(data)),
			sigv4rs.StreamOptions{Mode: sigv4rs.StreamSignedTrailer, Checksum: sigv4rs.ChecksumCRC32C, ChunkSize: 8192})
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := io.ReadAll(req.Body)
		good := append([]byte(nil), enc...)
		enc[bytes.Index(enc, []byte("\r\n"))+12] ^= 1 // in the first chunk's data
		req.Body = io.NopCloser(bytes.NewReader(enc))
		if code, out, _ := f.send(req); code != 403 || !strings.Contains(out, "<Code>SignatureDoesNotMatch</Code>") {
			t.Fatalf("buffer=%v: damaged upload got %d %s", buffer, code, out)
		}
		f.want(404, "GET", "/bkt/up", nil)
		if len(f.logs) != 1 || !strings.Contains(f.logs[0], "sigv4rs: rejected PUT /bkt/up: status 227") {
			t.Errorf("buffer=%v: log %q", buffer, f.logs)
		}
		// The undamaged bytes, same signature: stored.
		req.Body = io.NopCloser(bytes.NewReader(good))
		if code, out, _ := f.send(req); code != 200 {
			t.Fatalf("buffer=%v: upload got %d %s", buffer, code, out)
		}
		if out := f.want(200, "GET", "/bkt/up", nil); out != string(data) {
			t.Errorf("buffer=%v: stored %d bytes", buffer, len(out))
		}
	}
}
