// Command interop is the Go adapter of tests/interop/run.py (protocol:
// tests/interop/README.md): one JSON request a line on stdin, one JSON
// answer a line on stdout. It signs *http.Request values with the binding
// (Sign, SignPayloadHash, SignUnsigned, Presign, NewChunkedEncoder) and
// reports what net/http would send, writes queries with url.Values.Encode
// (form_encode), and sends requests with net/http through
// sigv4rs.Transport, aws-chunked ones made by SignStreaming (roundtrip).
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

// request is one line of run.py.
type request struct {
	Op, AK, SK, Token, Region, Service, Method, URL, Body, Payload, Mode, Checksum string
	S3                                                                             bool
	Headers, Params                                                                [][2]string
	Time, Expires, Gen                                                             int64
	Chunk                                                                          int
}

// gen fills p with the test data from offset off: byte i is (i*31+7) % 251.
func gen(p []byte, off int64) {
	for i := range p {
		p[i] = byte(((off+int64(i))%251*31 + 7) % 251)
	}
}

// genReader yields n bytes of test data, made as they are read.
type genReader struct{ off, n int64 }

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	if left := g.n - g.off; int64(len(p)) > left {
		p = p[:left]
	}
	gen(p, g.off)
	g.off += int64(len(p))
	return len(p), nil
}

// counting counts the bytes net/http reads from a body.
type counting struct {
	io.ReadCloser
	n int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

// body is the single-shot body of q (aws-chunked ones are made per chunk).
func (q *request) body() []byte {
	if q.Gen == 0 || q.Mode != "" || q.Payload == "hash" {
		return []byte(q.Body)
	}
	b := make([]byte, q.Gen)
	gen(b, 0)
	return b
}

// httpRequest is q as net/http sends it, which must be what run.py sends.
func (q *request) httpRequest(body []byte) (*http.Request, error) {
	req, err := http.NewRequest(q.Method, q.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	want, rest := "/", q.URL[strings.Index(q.URL, "://")+3:]
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		want = rest[i:]
	}
	if req.URL.RequestURI() != want {
		return nil, fmt.Errorf("net/http would send %q, not %q", req.URL.RequestURI(), want)
	}
	for _, h := range q.Headers {
		req.Header.Add(h[0], h[1])
	}
	return req, nil
}

// headers is what net/http sends besides the body: Host when the binding
// set req.Host, Content-Length, and req.Header.
func headers(req *http.Request) [][2]string {
	var hs [][2]string
	if req.Host != "" {
		hs = append(hs, [2]string{"Host", req.Host})
	}
	if req.ContentLength > 0 {
		hs = append(hs, [2]string{"Content-Length", strconv.FormatInt(req.ContentLength, 10)})
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hs = append(hs, [2]string{k, v})
		}
	}
	return hs
}

func (q *request) stream() sigv4rs.StreamOptions {
	return sigv4rs.StreamOptions{
		Mode: map[string]sigv4rs.StreamMode{"signed": sigv4rs.StreamSigned,
			"signed-trailer": sigv4rs.StreamSignedTrailer, "unsigned-trailer": sigv4rs.StreamUnsignedTrailer}[q.Mode],
		Checksum: map[string]sigv4rs.Checksum{"crc32": sigv4rs.ChecksumCRC32, "crc32c": sigv4rs.ChecksumCRC32C,
			"sha256": sigv4rs.ChecksumSHA256}[q.Checksum],
		ChunkSize: q.Chunk,
	}
}

func sign(s *sigv4rs.Signer, q *request) (any, error) {
	b := q.body()
	req, err := q.httpRequest(b)
	if err != nil {
		return nil, err
	}
	switch q.Payload {
	case "unsigned":
		err = s.SignUnsigned(req)
	case "hash": // constant memory: the body is hashed as it is made
		h := sha256.New()
		io.Copy(h, &genReader{n: q.Gen})
		req.ContentLength = q.Gen
		err = s.SignPayloadHash(req, hex.EncodeToString(h.Sum(nil)))
	default:
		err = s.Sign(req, b)
	}
	return map[string]any{"headers": headers(req)}, err
}

func chunked(s *sigv4rs.Signer, q *request) (any, error) {
	req, err := q.httpRequest(nil)
	if err != nil {
		return nil, err
	}
	enc, err := s.NewChunkedEncoder(req, q.Gen, q.stream())
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	var frames []string
	data := make([]byte, q.Chunk)
	for off := int64(0); off < q.Gen && err == nil; off += int64(q.Chunk) {
		d := data[:min(int64(q.Chunk), q.Gen-off)]
		gen(d, off)
		var f []byte
		f, err = enc.AppendChunkHeader(nil, d)
		frames = append(frames, string(f))
	}
	f, err2 := enc.AppendFinish(nil)
	if err == nil {
		err = err2
	}
	return map[string]any{"headers": headers(req), "frames": append(frames, string(f))}, err
}

// base sends requests as they are: no proxy, no gzip negotiation.
var base = &http.Transport{DisableCompression: true}

func roundtrip(s *sigv4rs.Signer, q *request) (any, error) {
	req, err := q.httpRequest(q.body())
	if err != nil {
		return nil, err
	}
	ans := map[string]any{}
	var body *counting
	if q.Mode != "" {
		if err := s.SignStreaming(req, &genReader{n: q.Gen}, q.Gen, q.stream()); err != nil {
			return nil, err
		}
		body = &counting{ReadCloser: req.Body}
		req.Body = body
	}
	c := &http.Client{Transport: &sigv4rs.Transport{Signer: s, Base: base}, Timeout: 10 * time.Minute}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	sum := sha256.Sum256(data)
	ans["status"], ans["length"], ans["sha256"] = resp.StatusCode, len(data), hex.EncodeToString(sum[:])
	ans["body"], ans["rss_kib"] = string(data[:min(int64(len(data)), 4096)]), ru.Maxrss
	if body != nil {
		ans["sent"], ans["declared"] = body.n, req.ContentLength
	}
	return ans, err
}

func min(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func handle(q *request) (any, error) {
	s, err := sigv4rs.NewSigner(sigv4rs.Config{AccessKeyID: q.AK, SecretAccessKey: q.SK, SessionToken: q.Token,
		Region: q.Region, Service: q.Service, S3: q.S3, Now: func() time.Time { return time.Unix(q.Time, 0) }})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	switch q.Op {
	case "sign":
		return sign(s, q)
	case "presign":
		req, err := q.httpRequest(nil)
		if err != nil {
			return nil, err
		}
		u, err := s.Presign(req, time.Duration(q.Expires)*time.Second)
		return map[string]string{"url": u}, err
	case "chunked":
		return chunked(s, q)
	case "form_encode":
		v := url.Values{}
		for _, p := range q.Params {
			v.Add(p[0], p[1])
		}
		return map[string]string{"url": q.URL + "?" + v.Encode()}, nil
	case "roundtrip":
		return roundtrip(s, q)
	}
	return nil, fmt.Errorf("unknown op %q", q.Op)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for in.Scan() {
		var q request
		var ans any
		err := json.Unmarshal(in.Bytes(), &q)
		if err == nil {
			ans, err = handle(&q)
		}
		if err != nil {
			ans = map[string]string{"error": err.Error()}
		}
		if err := out.Encode(ans); err != nil {
			os.Exit(2)
		}
	}
}
