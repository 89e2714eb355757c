package sigv4rs

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"math"
	"math/bits"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

// The aws-chunked examples of the S3 API reference ("Signature
// Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks", and its "Including Trailing Headers" variant), as in
// tests/chunked.rs.
var docTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

const (
	docAKID   = "AKIAIOSFODNN7EXAMPLE"
	docSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	docURL    = "https://s3.amazonaws.com/examplebucket/chunkObject.txt"
)

func docSigner(t testing.TB, unsigned ...string) *Signer {
	t.Helper()
	s, err := NewSigner(Config{
		AccessKeyID: docAKID, SecretAccessKey: docSecret, Region: "us-east-1", Service: "s3",
		S3: true, UnsignedHeaders: unsigned, Now: func() time.Time { return docTime },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func docRequest(t testing.TB) *http.Request {
	t.Helper()
	req, err := http.NewRequest("PUT", docURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	return req
}

func chunkSigs(body []byte) []string {
	var sigs []string
	parts := strings.Split(string(body), "chunk-signature=")
	for _, p := range parts[1:] {
		sigs = append(sigs, p[:64])
	}
	return sigs
}

func sameStrings(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// docExamplesOK counts the documentation examples that passed, for the
// summary line of make test.
var docExamplesOK int

func TestStreamingAWSDocumentationExample(t *testing.T) {
	s := docSigner(t)
	req := docRequest(t)
	data := bytes.Repeat([]byte("a"), 66560)
	if err := s.SignStreaming(req, bytes.NewReader(data), int64(len(data)), StreamOptions{ChunkSize: 65536}); err != nil {
		t.Fatal(err)
	}
	if req.ContentLength != 66824 {
		t.Errorf("ContentLength %d, want 66824", req.ContentLength)
	}
	for k, v := range map[string]string{
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Decoded-Content-Length": "66560",
		"X-Amz-Content-Sha256":         "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
		"X-Amz-Date":                   "20130524T000000Z",
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
			"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;" +
			"x-amz-decoded-content-length;x-amz-storage-class, " +
			"Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
	} {
		if got := req.Header[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if _, ok := req.Header["Content-Length"]; ok || req.Header.Get("X-Amz-Trailer") != "" {
		t.Errorf("unexpected headers: %v", req.Header)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	want.WriteString("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n")
	want.Write(data[:65536])
	want.WriteString("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n")
	want.Write(data[:1024])
	want.WriteString("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
	if !bytes.Equal(body, want.Bytes()) {
		t.Errorf("body differs from the documentation (%d bytes, want %d); signatures %v",
			len(body), want.Len(), chunkSigs(body))
	}
	if int64(len(body)) != req.ContentLength {
		t.Errorf("%d bytes produced, ContentLength %d", len(body), req.ContentLength)
	}
	if err := req.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if !t.Failed() {
		docExamplesOK++
	}
}

func TestStreamingAWSDocumentationTrailerExample(t *testing.T) {
	// That example does not sign Content-Length.
	s := docSigner(t, "content-length")
	req := docRequest(t)
	data := bytes.Repeat([]byte("a"), 66560)
	opts := StreamOptions{Mode: StreamSignedTrailer, Checksum: ChecksumCRC32C, ChunkSize: 65536}
	if err := s.SignStreaming(req, bytes.NewReader(data), int64(len(data)), opts); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("X-Amz-Trailer"); got != "x-amz-checksum-crc32c" {
		t.Errorf("X-Amz-Trailer %q", got)
	}
	if got := req.Header.Get("X-Amz-Content-Sha256"); got != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" {
		t.Errorf("X-Amz-Content-Sha256 %q", got)
	}
	auth := req.Header.Get("Authorization")
	if !strings.HasSuffix(auth, "SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;"+
		"x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer, "+
		"Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e") {
		t.Errorf("Authorization %q", auth)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := chunkSigs(body), []string{
		"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
		"1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
		"2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
	}; !sameStrings(got, want) {
		t.Errorf("chunk signatures %v, want %v", got, want)
	}
	tail := "\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n" +
		"x-amz-checksum-crc32c:sOO8/Q==\r\n" +
		"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n"
	if !strings.HasSuffix(string(body), tail) {
		t.Errorf("body ends %q", body[len(body)-200:])
	}
	if int64(len(body)) != req.ContentLength {
		t.Errorf("%d bytes produced, ContentLength %d", len(body), req.ContentLength)
	}
	if !t.Failed() {
		docExamplesOK++
	}
	fmt.Printf("go streaming: AWS S3 documentation examples %d/2 (seed, chunk and trailer signatures, "+
		"Content-Length, body byte for byte)\n", docExamplesOK)
}

// ---------------------------------------------------------------------------
// An independent aws-chunked verifier (crypto/hmac, hash/crc32): the
// decoded data, or why the body is wrong.

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

type chunkVerifier struct {
	key         []byte
	date, scope string
}

func newChunkVerifier(secret string, at time.Time, region, service string) chunkVerifier {
	day := at.UTC().Format("20060102")
	key := hmacSHA256([]byte("AWS4"+secret), day)
	for _, part := range []string{region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	return chunkVerifier{key: key, date: at.UTC().Format("20060102T150405Z"),
		scope: day + "/" + region + "/" + service + "/aws4_request"}
}

func checksumValue(ck Checksum, data []byte) (name, value string) {
	var sum []byte
	switch ck {
	case ChecksumCRC32:
		name, sum = "x-amz-checksum-crc32", binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(data))
	case ChecksumCRC32C:
		name, sum = "x-amz-checksum-crc32c",
			binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	case ChecksumSHA256:
		s := sha256.Sum256(data)
		name, sum = "x-amz-checksum-sha256", s[:]
	case ChecksumSHA1:
		s := sha1.Sum(data)
		name, sum = "x-amz-checksum-sha1", s[:]
	case ChecksumCRC64NVME:
		name, sum = "x-amz-checksum-crc64nvme", binary.BigEndian.AppendUint64(nil, crc64.Checksum(data, crc64NVME))
	}
	return name, base64.StdEncoding.EncodeToString(sum)
}

// CRC-64/NVME is hash/crc64 with its polynomial (0xad93d23594c93659,
// bit-reversed as crc64 takes it): same reflection, init and final xor.
var crc64NVME = crc64.MakeTable(bits.Reverse64(0xad93d23594c93659))

// checksumValue's references agree with botocore/awscrt's values.
func TestChecksumValueReference(t *testing.T) {
	text, err := os.ReadFile("../../tests/data/checksum-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []map[string]string `json:"cases"`
	}
	json.Unmarshal(text, &doc) // the repeat cases' counts are numbers: skipped
	n := 0
	for _, c := range doc.Cases {
		data, err := hex.DecodeString(c["payload_hex"])
		if c["payload_hex"] == "" && c["name"] != "empty" || err != nil {
			continue
		}
		for ck, alg := range map[Checksum]string{ChecksumCRC32: "crc32", ChecksumCRC32C: "crc32c",
			ChecksumSHA256: "sha256", ChecksumSHA1: "sha1", ChecksumCRC64NVME: "crc64nvme"} {
			if name, value := checksumValue(ck, data); name != "x-amz-checksum-"+alg || value != c[alg] {
				t.Errorf("%s of %s: %s: %s, botocore %s", alg, c["name"], name, value, c[alg])
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("only %d values checked", n)
	}
}

func (v chunkVerifier) verify(body []byte, seed string, mode StreamMode, ck Checksum) ([]byte, error) {
	empty := sha256Hex(nil)
	prev := seed
	var data []byte
	rest := body
	for {
		eol := bytes.Index(rest, []byte("\r\n"))
		if eol < 0 {
			return nil, errors.New("no chunk header line")
		}
		line := string(rest[:eol])
		rest = rest[eol+2:]
		sizeHex, sig, signed := strings.Cut(line, ";chunk-signature=")
		size, err := strconv.ParseUint(sizeHex, 16, 31)
		if err != nil || int(size) > len(rest) {
			return nil, fmt.Errorf("bad chunk header %q", line)
		}
		chunk := rest[:size]
		if mode == StreamUnsignedTrailer {
			if signed {
				return nil, fmt.Errorf("signed chunk in unsigned mode: %q", line)
			}
		} else {
			sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + v.date + "\n" + v.scope + "\n" + prev + "\n" + empty + "\n" + sha256Hex(chunk)
			want := hex.EncodeToString(hmacSHA256(v.key, sts))
			if sig != want {
				return nil, fmt.Errorf("chunk %d: signature %q, want %q", len(data), sig, want)
			}
			prev = want
		}
		data = append(data, chunk...)
		rest = rest[size:]
		if size == 0 {
			break
		}
		if !bytes.HasPrefix(rest, []byte("\r\n")) {
			return nil, errors.New("no CRLF after chunk data")
		}
		rest = rest[2:]
	}
	if mode == StreamSigned {
		if string(rest) != "\r\n" {
			return nil, fmt.Errorf("end %q", rest)
		}
		return data, nil
	}
	lines := strings.Split(string(rest), "\r\n")
	name, value := checksumValue(ck, data)
	trailer := name + ":" + value
	if lines[0] != trailer {
		return nil, fmt.Errorf("trailer %q, want %q", lines[0], trailer)
	}
	lines = lines[1:]
	if mode == StreamSignedTrailer {
		sts := "AWS4-HMAC-SHA256-TRAILER\n" + v.date + "\n" + v.scope + "\n" + prev + "\n" + sha256Hex([]byte(trailer+"\n"))
		want := "x-amz-trailer-signature:" + hex.EncodeToString(hmacSHA256(v.key, sts))
		if lines[0] != want {
			return nil, fmt.Errorf("trailer signature %q, want %q", lines[0], want)
		}
		lines = lines[1:]
	}
	if len(lines) != 2 || lines[0] != "" || lines[1] != "" {
		return nil, fmt.Errorf("no closing blank line: %q", lines)
	}
	return data, nil
}

func seedSignature(auth string) string {
	_, sig, _ := strings.Cut(auth, "Signature=")
	return sig
}

// ---------------------------------------------------------------------------

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*31 + 7) % 251)
	}
	return b
}

var streamModes = []StreamOptions{
	{Mode: StreamSigned},
	{Mode: StreamSignedTrailer, Checksum: ChecksumCRC32},
	{Mode: StreamSignedTrailer, Checksum: ChecksumCRC32C},
	{Mode: StreamSignedTrailer, Checksum: ChecksumSHA256},
	{Mode: StreamUnsignedTrailer, Checksum: ChecksumCRC32},
	{Mode: StreamUnsignedTrailer, Checksum: ChecksumCRC32C},
	{Mode: StreamUnsignedTrailer, Checksum: ChecksumSHA256},
	{Mode: StreamSignedTrailer, Checksum: ChecksumCRC64NVME},
	{Mode: StreamSignedTrailer, Checksum: ChecksumSHA1},
	{Mode: StreamUnsignedTrailer, Checksum: ChecksumCRC64NVME},
	{Mode: StreamUnsignedTrailer, Checksum: ChecksumSHA1},
}

func TestStreamingEdgeSizes(t *testing.T) {
	s := docSigner(t)
	v := newChunkVerifier(docSecret, docTime, "us-east-1", "s3")
	n := 0
	for _, chunk := range []int{8192, 0} {
		cs := chunk
		if cs == 0 {
			cs = DefaultChunkSize
		}
		for _, base := range streamModes {
			opts := base
			opts.ChunkSize = chunk
			for _, size := range []int{0, 1, cs - 1, cs, cs + 1, 3 * cs, 3*cs + 5} {
				for _, oneByte := range []bool{false, true} {
					name := fmt.Sprintf("mode %d checksum %d chunk %d size %d one-byte reads %v",
						opts.Mode, opts.Checksum, cs, size, oneByte)
					data := pattern(size)
					req, _ := http.NewRequest("PUT", "https://b.s3.amazonaws.com/k", nil)
					// onlyReader: no Len or WriteTo for the encoder to lean on.
					if err := s.SignStreaming(req, onlyReader{bytes.NewReader(data)}, int64(size), opts); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					var r io.Reader = req.Body
					if oneByte {
						r = iotest.OneByteReader(r)
					}
					body, err := io.ReadAll(r)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					want, err := EncodedLength(int64(size), opts)
					if err != nil || int64(len(body)) != want || req.ContentLength != want {
						t.Fatalf("%s: %d bytes, ContentLength %d, EncodedLength %d (%v)",
							name, len(body), req.ContentLength, want, err)
					}
					if got := req.Header.Get("X-Amz-Decoded-Content-Length"); got != strconv.Itoa(size) {
						t.Fatalf("%s: decoded length %q", name, got)
					}
					got, err := v.verify(body, seedSignature(req.Header.Get("Authorization")), opts.Mode, opts.Checksum)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if !bytes.Equal(got, data) {
						t.Fatalf("%s: decoded data differs", name)
					}
					req.Body.Close()
					n++
				}
			}
		}
	}
	fmt.Printf("go streaming: %d uploads (%d mode/checksum pairs, sizes 0, 1, chunk-1, chunk, chunk+1, 3 chunks (+5), "+
		"chunk 8 KiB and 64 KiB, whole and 1-byte reads): encoded length = bytes produced, "+
		"every signature and checksum verified independently\n", n, len(streamModes))
}

// The low-level encoder: the caller frames the body.
func TestChunkedEncoderByHand(t *testing.T) {
	s := docSigner(t)
	v := newChunkVerifier(docSecret, docTime, "us-east-1", "s3")
	req, _ := http.NewRequest("PUT", "https://b.s3.amazonaws.com/k", nil)
	opts := StreamOptions{Mode: StreamSignedTrailer, Checksum: ChecksumSHA256, ChunkSize: 4}
	e, err := s.NewChunkedEncoder(req, 10, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.ChunkSize() != 4 || e.Size() != 10 || e.EncodedLength() != req.ContentLength {
		t.Fatalf("encoder %d %d %d, ContentLength %d", e.ChunkSize(), e.Size(), e.EncodedLength(), req.ContentLength)
	}
	if req.Body != nil {
		t.Fatal("NewChunkedEncoder set a body")
	}
	var body []byte
	for _, bad := range []string{"abc", "abcde", ""} {
		if _, err := e.AppendChunkHeader(nil, []byte(bad)); !errors.Is(err, ErrInvalidChunkSize) {
			t.Fatalf("chunk %q: %v", bad, err)
		}
	}
	for i, c := range []string{"abcd", "efgh"} {
		if body, err = e.AppendChunkHeader(body, []byte(c)); err != nil {
			t.Fatal(err)
		}
		body = append(append(body, c...), "\r\n"...)
		if i == 0 {
			if _, err := e.AppendFinish(nil); !errors.Is(err, ErrIncompletePayload) {
				t.Fatalf("early finish: %v", err)
			}
		}
	}
	if _, err := e.AppendChunkHeader(nil, []byte("ijkl")); !errors.Is(err, ErrInvalidChunkSize) {
		t.Fatalf("last chunk too long: %v", err)
	}
	// A dst without room is grown; its contents are kept.
	if body, err = e.AppendChunkHeader(body[:len(body):len(body)], []byte("ij")); err != nil {
		t.Fatal(err)
	}
	body = append(body, "ij\r\n"...)
	if body, err = e.AppendFinish(body); err != nil {
		t.Fatal(err)
	}
	if int64(len(body)) != e.EncodedLength() {
		t.Fatalf("%d bytes, encoded length %d", len(body), e.EncodedLength())
	}
	data, err := v.verify(body, seedSignature(req.Header.Get("Authorization")), opts.Mode, opts.Checksum)
	if err != nil || string(data) != "abcdefghij" {
		t.Fatalf("%q %v", data, err)
	}
	if _, err := e.AppendFinish(nil); !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("finish twice: %v", err)
	}
	if e.Close() != nil || e.Close() != nil {
		t.Fatal("Close")
	}
	if _, err := e.AppendChunkHeader(nil, []byte("x")); !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestStreamingErrors(t *testing.T) {
	s := docSigner(t)
	maxU32 := uint64(math.MaxUint32) // variables: no constant overflow on 32-bit int
	put := func() *http.Request {
		req, _ := http.NewRequest("PUT", "https://b.s3.amazonaws.com/k", nil)
		return req
	}
	for _, tc := range []struct {
		name string
		size int64
		opts StreamOptions
		want error
	}{
		{"checksum without trailer mode", 10, StreamOptions{Checksum: ChecksumCRC32}, ErrInvalidArgument},
		{"trailer mode without checksum", 10, StreamOptions{Mode: StreamSignedTrailer}, ErrInvalidArgument},
		{"unsigned trailer without checksum", 10, StreamOptions{Mode: StreamUnsignedTrailer}, ErrInvalidArgument},
		// 3, 4: the SigV4a modes (chunked_v4a_test.go).
		{"unknown mode", 10, StreamOptions{Mode: 5}, ErrInvalidArgument},
		{"unknown checksum", 10, StreamOptions{Mode: StreamSignedTrailer, Checksum: 6}, ErrInvalidArgument}, // 4, 5: CRC64NVME, SHA-1
		{"negative chunk size", 10, StreamOptions{ChunkSize: -1}, ErrInvalidArgument},
		{"chunk size over 32 bits", 10, StreamOptions{ChunkSize: int(maxU32 + 1)}, ErrInvalidArgument},
		{"negative size", -1, StreamOptions{}, ErrInvalidArgument},
		{"overflow", math.MaxInt64, StreamOptions{ChunkSize: 1}, ErrInputTooLong},
		{"over MaxInt64", math.MaxInt64, StreamOptions{ChunkSize: int(maxU32)}, ErrInputTooLong},
	} {
		if _, err := EncodedLength(tc.size, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: EncodedLength: %v, want %v", tc.name, err, tc.want)
		}
		req := put()
		if err := s.SignStreaming(req, strings.NewReader("x"), tc.size, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: SignStreaming: %v, want %v", tc.name, err, tc.want)
		}
		if len(req.Header) != 0 || req.Body != nil || req.ContentLength != 0 {
			t.Errorf("%s: failed SignStreaming changed the request", tc.name)
		}
	}
	if n, err := EncodedLength(0, StreamOptions{}); err != nil || n != int64(len("0;chunk-signature=")+64+4) {
		t.Errorf("EncodedLength(0): %d %v", n, err)
	}

	req := put()
	req.Header.Set("X-A", "a\r\nb")
	if err := s.SignStreaming(req, nil, 0, StreamOptions{}); !errors.Is(err, ErrInvalidHeaderValue) {
		t.Errorf("bad header: %v", err)
	}
	if err := s.SignStreaming(nil, nil, 0, StreamOptions{}); !errors.Is(err, ErrNullArgument) {
		t.Errorf("nil request: %v", err)
	}

	// A nil body is an empty one.
	req = put()
	if err := s.SignStreaming(req, nil, 0, StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(req.Body); err != nil || int64(len(b)) != req.ContentLength {
		t.Errorf("nil body: %d bytes, %v", len(b), err)
	}

	// Shorter and longer bodies than declared.
	req = put()
	if err := s.SignStreaming(req, strings.NewReader(strings.Repeat("x", 9000)), 10000, StreamOptions{ChunkSize: 8192}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(req.Body); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "9000 of 10000") {
		t.Errorf("short body: %v", err)
	}
	req = put()
	if err := s.SignStreaming(req, strings.NewReader("01234567890"), 10, StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(req.Body)
	if err == nil || !strings.Contains(err.Error(), "longer") || bytes.Contains(b, []byte("\r\n0;")) {
		t.Errorf("long body: %v, final chunk sent: %q", err, b)
	}
	// A source error comes through.
	req = put()
	boom := errors.New("boom")
	if err := s.SignStreaming(req, iotest.ErrReader(boom), 10, StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(req.Body); !errors.Is(err, boom) {
		t.Errorf("source error: %v", err)
	}

	// Close closes the source; reading afterwards fails.
	src := &closeRecorder{Reader: bytes.NewReader(pattern(100000))}
	req = put()
	if err := s.SignStreaming(req, src, 100000, StreamOptions{ChunkSize: 8192}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(req.Body, make([]byte, 10000)); err != nil {
		t.Fatal(err)
	}
	if err := req.Body.Close(); err != nil || !src.closed {
		t.Fatalf("Close: %v, source closed %v", err, src.closed)
	}
	req.Body.Close()
	if _, err := io.ReadAll(req.Body); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("read after Close: %v", err)
	}

	// The signer closed mid-stream.
	s2 := docSigner(t)
	req = put()
	if err := s2.SignStreaming(req, bytes.NewReader(pattern(100000)), 100000, StreamOptions{ChunkSize: 8192}); err != nil {
		t.Fatal(err)
	}
	io.ReadFull(req.Body, make([]byte, 100))
	s2.Close()
	if _, err := io.ReadAll(req.Body); !errors.Is(err, ErrClosed) {
		t.Errorf("signer closed mid-stream: %v", err)
	}
	if err := s2.SignStreaming(put(), nil, 0, StreamOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("closed signer: %v", err)
	}
}

// net/http may close the body from another goroutine while a Read waits
// for the source.
func TestStreamingCloseDuringRead(t *testing.T) {
	s := docSigner(t)
	for i := 0; i < 20; i++ {
		pr, pw := io.Pipe()
		req, _ := http.NewRequest("PUT", "https://b.s3.amazonaws.com/k", nil)
		if err := s.SignStreaming(req, pr, 1<<20, StreamOptions{ChunkSize: 8192}); err != nil {
			t.Fatal(err)
		}
		go func() {
			pw.Write(pattern(20000))
		}()
		done := make(chan error)
		go func() {
			_, err := io.Copy(io.Discard, req.Body)
			done <- err
		}()
		time.Sleep(time.Duration(i) * 100 * time.Microsecond)
		req.Body.Close()
		if err := <-done; err == nil {
			t.Fatal("read after Close succeeded")
		}
		pw.Close()
	}
}

// The body is made chunk by chunk: reading 32 MiB allocates about one
// chunk buffer, not the object.
func TestStreamingConstantMemory(t *testing.T) {
	s := docSigner(t)
	const size = 32 << 20
	req, _ := http.NewRequest("PUT", "https://b.s3.amazonaws.com/k", nil)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := s.SignStreaming(req, io.LimitReader(zeroReader{}, size), size, StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := io.CopyBuffer(io.Discard, onlyReader{req.Body}, make([]byte, 32<<10))
	if err != nil || n != req.ContentLength {
		t.Fatalf("%d bytes of %d: %v", n, req.ContentLength, err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	if alloc > 1<<20 {
		t.Fatalf("streaming %d bytes allocated %d bytes", size, alloc)
	}
	fmt.Printf("go streaming: 32 MiB encoded with %d KiB allocated\n", alloc>>10)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}

// Sent by net/http, through a plain client and through Transport (which
// must pass it on unchanged), to a server that checks the seed with the
// library and the chunks with the independent verifier.
func TestStreamingThroughServer(t *testing.T) {
	s := newTestSigner(t, func(c *Config) { c.S3 = true; c.Service = "s3"; c.Now = time.Now })
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = verifyReceived(s, r, body)
		}
		if err == nil && (r.Header.Get("Content-Encoding") != "aws-chunked" || r.ContentLength != int64(len(body)) ||
			len(r.TransferEncoding) != 0) {
			err = fmt.Errorf("framing: Content-Encoding %q, Content-Length %d, %d bytes, Transfer-Encoding %v",
				r.Header.Get("Content-Encoding"), r.ContentLength, len(body), r.TransferEncoding)
		}
		var data []byte
		if err == nil {
			at, _ := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
			v := newChunkVerifier(testConfig().SecretAccessKey, at, "us-east-1", "s3")
			mode := map[string]StreamMode{
				"STREAMING-AWS4-HMAC-SHA256-PAYLOAD":         StreamSigned,
				"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": StreamSignedTrailer,
				"STREAMING-UNSIGNED-PAYLOAD-TRAILER":         StreamUnsignedTrailer,
			}[r.Header.Get("X-Amz-Content-Sha256")]
			ck := map[string]Checksum{"": ChecksumNone, "x-amz-checksum-crc32": ChecksumCRC32,
				"x-amz-checksum-crc32c": ChecksumCRC32C, "x-amz-checksum-sha256": ChecksumSHA256,
				"x-amz-checksum-crc64nvme": ChecksumCRC64NVME, "x-amz-checksum-sha1": ChecksumSHA1,
			}[r.Header.Get("X-Amz-Trailer")]
			data, err = v.verify(body, seedSignature(r.Header.Get("Authorization")), mode, ck)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.Write([]byte(sha256Hex(data)))
	}))
	defer srv.Close()
	for _, client := range []*http.Client{{}, {Transport: &Transport{Signer: s}}} {
		for _, opts := range streamModes {
			for _, size := range []int{0, 1, 8192, 65537, 300000} {
				opts.ChunkSize = 8192
				data := pattern(size)
				req, _ := http.NewRequest("PUT", srv.URL+"/bucket/a%20key+%C3%BC", nil)
				req.Header.Set("X-Amz-Meta-Note", "streamed")
				if err := s.SignStreaming(req, onlyReader{bytes.NewReader(data)}, int64(size), opts); err != nil {
					t.Fatal(err)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(msg) != sha256Hex(data) {
					t.Fatalf("mode %d checksum %d size %d: %d %s", opts.Mode, opts.Checksum, size, resp.StatusCode, msg)
				}
			}
		}
	}
	if hits.Load() != int32(2*len(streamModes)*5) {
		t.Fatalf("%d requests verified", hits.Load())
	}
	fmt.Printf("go streaming: %d/%d uploads sent by net/http (plain client and Transport) verified on an httptest server\n",
		hits.Load(), 2*len(streamModes)*5)
}

// Headers the seed sets replace the caller's, whatever their spelling, and
// what is signed is what net/http sends (a session token included).
func TestStreamingReplacesHeaders(t *testing.T) {
	s := newTestSigner(t, func(c *Config) { c.S3 = true; c.Service = "s3"; c.Now = time.Now; c.SessionToken = "tok/en+=" })
	srv := newVerifyingServer(t, s)
	req, _ := http.NewRequest("PUT", srv.URL+"/b/k", nil)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header["x-amz-decoded-content-length"] = []string{"5"}
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-sha1")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	req.TransferEncoding = []string{"chunked"}
	opts := StreamOptions{Mode: StreamSignedTrailer, Checksum: ChecksumCRC32}
	if err := s.SignStreaming(req, bytes.NewReader(pattern(1000)), 1000, opts); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"Content-Encoding": "aws-chunked,gzip", "X-Amz-Decoded-Content-Length": "1000",
		"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Security-Token": "tok/en+=",
		"X-Amz-Content-Sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
	} {
		if got := req.Header[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if _, ok := req.Header["x-amz-decoded-content-length"]; ok || req.TransferEncoding != nil {
		t.Errorf("caller's spelling or Transfer-Encoding kept: %v %v", req.Header, req.TransferEncoding)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, msg)
	}
}
