package sigv4rs_test

// SigV4a aws-chunked uploads (STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD
// [-TRAILER], and STREAMING-UNSIGNED-PAYLOAD-TRAILER under a SigV4a seed),
// sent by net/http to an httptest server. ECDSA signatures cannot be
// compared, so each one (seed, chunks, trailer) is verified with
// crypto/ecdsa over a string to sign built here from aws-c-auth's rules:
// the seed's from its canonical request, a chunk's
// "AWS4-ECDSA-P256-SHA256-PAYLOAD\n<date>\n<scope>\n<prev>\n<sha256("")>\n
// <sha256(chunk)>", the trailer's "AWS4-ECDSA-P256-SHA256-TRAILER\n<date>\n
// <scope>\n<prev>\n<sha256(trailer line + "\n")>", the scope without
// region, <prev> the previous signature unpadded. On the wire a chunk or
// trailer signature is the hex DER padded with '*' to 144 characters.
// Keys: aws-c-auth's public key for the S3 documentation credentials
// (tests/test_chunked_signing.c) and deriveV4aKey's.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

const (
	v4aDocAKID   = "AKIAIOSFODNN7EXAMPLE"
	v4aDocSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	// aws-c-auth's verification key for those credentials
	// (s_chunked_test_ecc_pub_x / _y).
	v4aDocPubX   = "18b7d04643359f6ec270dcbab8dce6d169d66ddc9778c75cfb08dfdb701637ab"
	v4aDocPubY   = "fa36b35e4fe67e3112261d2e17a956ef85b06e44712d2850bcd3c2161e9993f2"
	v4aEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	v4aSigWidth  = 144 // SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN: chunk signatures are padded to it
)

var v4aDocTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// v4aDocKeys are aws-c-auth's key and the derived one: both must verify.
func v4aDocKeys(t *testing.T) []*ecdsa.PublicKey {
	t.Helper()
	x, _ := new(big.Int).SetString(v4aDocPubX, 16)
	y, _ := new(big.Int).SetString(v4aDocPubY, 16)
	doc := &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
	derived := &deriveV4aKey(v4aDocAKID, v4aDocSecret).PublicKey
	if !doc.Equal(derived) {
		t.Fatal("deriveV4aKey differs from aws-c-auth's key for the documentation credentials")
	}
	return []*ecdsa.PublicKey{doc, derived}
}

func verifiesAll(keys []*ecdsa.PublicKey, sts, sigHex string) bool {
	for _, k := range keys {
		if !verifies(k, sts, sigHex) {
			return false
		}
	}
	return true
}

// unpadV4a checks a wire signature (hex DER then '*' to 144 characters)
// and returns the hex.
func unpadV4a(wire string) (string, error) {
	if len(wire) != v4aSigWidth {
		return "", fmt.Errorf("signature field of %d characters, want %d", len(wire), v4aSigWidth)
	}
	sig := strings.TrimRight(wire, "*")
	if sig == "" || strings.Trim(sig, "0123456789abcdef") != "" {
		return "", fmt.Errorf("not lower-case hex then padding: %q", wire)
	}
	return sig, nil
}

// v4aUpload is what the server received.
type v4aUpload struct {
	method, path string
	host         string
	header       http.Header
	contentLen   int64
	body         []byte
}

// seedSTS is the seed's string to sign, from the canonical request of
// what was received (the Authorization's SignedHeaders, values as sent;
// the test's paths and values need no encoding or trimming).
func (u *v4aUpload) seedSTS(scope string) (string, error) {
	auth := u.header.Get("Authorization")
	const prefix = "AWS4-ECDSA-P256-SHA256 Credential=" + v4aDocAKID + "/"
	if !strings.HasPrefix(auth, prefix+scope+", SignedHeaders=") {
		return "", fmt.Errorf("Authorization %q", auth)
	}
	names, _, _ := strings.Cut(strings.TrimPrefix(auth, prefix+scope+", SignedHeaders="), ", ")
	var creq strings.Builder
	creq.WriteString(u.method + "\n" + u.path + "\n\n")
	for _, n := range strings.Split(names, ";") {
		var v string
		switch n {
		case "host":
			v = u.host
		case "content-length":
			v = strconv.FormatInt(u.contentLen, 10)
		default:
			vs := u.header.Values(n)
			if len(vs) != 1 {
				return "", fmt.Errorf("signed header %s sent %d times", n, len(vs))
			}
			v = vs[0]
		}
		creq.WriteString(n + ":" + v + "\n")
	}
	creq.WriteString("\n" + names + "\n" + u.header.Get("X-Amz-Content-Sha256"))
	return v4aAlgorithm + "\n" + u.header.Get("X-Amz-Date") + "\n" + scope + "\n" + sha256Hex([]byte(creq.String())), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// verifyV4aBody parses an aws-chunked body and verifies every chunk and
// trailer signature under keys (the unsigned-trailer mode has none); it
// returns the decoded data.
func verifyV4aBody(body []byte, seed, date, scope string, signed, trailer bool, keys []*ecdsa.PublicKey) ([]byte, error) {
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
		sizeHex, wire, hasSig := strings.Cut(line, ";chunk-signature=")
		size, err := strconv.ParseUint(sizeHex, 16, 31)
		if err != nil || int(size) > len(rest) {
			return nil, fmt.Errorf("bad chunk header %q", line)
		}
		chunk := rest[:size]
		if hasSig != signed {
			return nil, fmt.Errorf("chunk header %q in a mode signed=%v", line, signed)
		}
		if signed {
			sig, err := unpadV4a(wire)
			if err != nil {
				return nil, err
			}
			sts := "AWS4-ECDSA-P256-SHA256-PAYLOAD\n" + date + "\n" + scope + "\n" + prev + "\n" +
				v4aEmptyHash + "\n" + sha256Hex(chunk)
			if !verifiesAll(keys, sts, sig) {
				return nil, fmt.Errorf("chunk at %d (%d bytes): signature does not verify", len(data), size)
			}
			prev = sig
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
	if !trailer {
		if string(rest) != "\r\n" {
			return nil, fmt.Errorf("end %q", rest)
		}
		return data, nil
	}
	lines := strings.Split(string(rest), "\r\n")
	name, _, _ := strings.Cut(lines[0], ":")
	var ck sigv4rs.Checksum
	for _, a := range checksumAlgs {
		if "x-amz-checksum-"+a.name == name {
			ck = a.alg
		}
	}
	if n, v := sigv4rs.ChecksumReference(ck, data); ck == 0 || lines[0] != n+":"+v {
		return nil, fmt.Errorf("trailer %q, want %q", lines[0], n+":"+v)
	}
	if signed {
		wire := strings.TrimPrefix(lines[1], "x-amz-trailer-signature:")
		if wire == lines[1] {
			return nil, fmt.Errorf("no trailer signature: %q", lines[1])
		}
		sig, err := unpadV4a(wire)
		if err != nil {
			return nil, err
		}
		sts := "AWS4-ECDSA-P256-SHA256-TRAILER\n" + date + "\n" + scope + "\n" + prev + "\n" +
			sha256Hex([]byte(lines[0]+"\n"))
		if !verifiesAll(keys, sts, sig) {
			return nil, errors.New("trailer signature does not verify")
		}
		lines = lines[1:]
	}
	if len(lines) != 3 || lines[1] != "" || lines[2] != "" {
		return nil, fmt.Errorf("no closing blank line: %q", lines[1:])
	}
	return data, nil
}

func v4aPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*31 + 7) % 251)
	}
	return b
}

func TestStreamingSigV4a(t *testing.T) {
	keys := v4aDocKeys(t)
	const scope = "20130524/s3/aws4_request"
	var got []v4aUpload
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = append(got, v4aUpload{method: r.Method, path: r.URL.EscapedPath(), host: r.Host,
			header: r.Header.Clone(), contentLen: r.ContentLength, body: body})
	}))
	defer srv.Close()
	s := newSuiteSigner(t, sigv4rs.Config{AccessKeyID: v4aDocAKID, SecretAccessKey: v4aDocSecret,
		Region: "us-east-1", Service: "s3", S3: true, SigV4a: true}, v4aDocTime)
	// A token and a trailer make the seed's longest output (10 lines with
	// Host): every one must reach the request.
	withToken := newSuiteSigner(t, sigv4rs.Config{AccessKeyID: v4aDocAKID, SecretAccessKey: v4aDocSecret,
		SessionToken: "session/token+=", Region: "*", Service: "s3", S3: true, SigV4a: true}, v4aDocTime)

	const chunk = 8192
	size := 3*chunk + 100 // three full chunks, a short one
	data := v4aPattern(size)
	type upload struct {
		signer          *sigv4rs.Signer
		opts            sigv4rs.StreamOptions
		signed, trailer bool
		content         string // X-Amz-Content-Sha256
	}
	var ups []upload
	const (
		v4aPayload = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
		unsigned   = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	)
	ups = append(ups, upload{s, sigv4rs.StreamOptions{Mode: sigv4rs.StreamSigned}, true, false, v4aPayload},
		// The raw library modes 3 and 4 are taken as well.
		upload{s, sigv4rs.StreamOptions{Mode: 3}, true, false, v4aPayload},
		upload{s, sigv4rs.StreamOptions{Mode: 4, Checksum: sigv4rs.ChecksumCRC32}, true, true, v4aPayload + "-TRAILER"})
	for _, a := range checksumAlgs {
		ups = append(ups,
			upload{s, sigv4rs.StreamOptions{Mode: sigv4rs.StreamSignedTrailer, Checksum: a.alg}, true, true, v4aPayload + "-TRAILER"},
			upload{s, sigv4rs.StreamOptions{Mode: sigv4rs.StreamUnsignedTrailer, Checksum: a.alg}, false, true, unsigned})
	}
	ups = append(ups,
		upload{withToken, sigv4rs.StreamOptions{Mode: sigv4rs.StreamSignedTrailer, Checksum: sigv4rs.ChecksumCRC64NVME}, true, true, v4aPayload + "-TRAILER"},
		upload{withToken, sigv4rs.StreamOptions{Mode: sigv4rs.StreamUnsignedTrailer, Checksum: sigv4rs.ChecksumSHA1}, false, true, unsigned})

	// Upper case in the host: the library signs it lower-cased and says so
	// in a Host line, which the binding turns into req.Host.
	host := strings.Replace(srv.URL, "127.0.0.1", "LocalHost", 1)
	client := &http.Client{Transport: &http.Transport{DialContext: (&dialTo{srv.Listener.Addr().String()}).dial}}
	for i, u := range ups {
		u.opts.ChunkSize = chunk
		name := fmt.Sprintf("upload %d (mode %d, checksum %d)", i, u.opts.Mode, u.opts.Checksum)
		req, _ := http.NewRequest("PUT", host+"/examplebucket/chunkObject.txt", nil)
		req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
		if err := u.signer.SignStreaming(req, bytes.NewReader(data), int64(size), u.opts); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := u.signer.EncodedLength(int64(size), u.opts)
		if err != nil || req.ContentLength != want {
			t.Fatalf("%s: ContentLength %d, Signer.EncodedLength %d (%v)", name, req.ContentLength, want, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		r := got[len(got)-1]
		if r.contentLen != int64(len(r.body)) || r.contentLen != want {
			t.Fatalf("%s: Content-Length %d sent, %d bytes received, %d encoded", name, r.contentLen, len(r.body), want)
		}
		// The padded signatures: SigV4a lengths, not SigV4's.
		if sigv4Len, err := sigv4rs.EncodedLength(int64(size), sigv4rs.StreamOptions{Mode: u.opts.Mode % 3,
			Checksum: u.opts.Checksum, ChunkSize: chunk}); u.signed && (err != nil || sigv4Len >= want) {
			t.Errorf("%s: SigV4a length %d, SigV4 %d (%v)", name, want, sigv4Len, err)
		}
		for k, v := range map[string]string{
			"Content-Encoding":             "aws-chunked",
			"X-Amz-Decoded-Content-Length": strconv.Itoa(size),
			"X-Amz-Content-Sha256":         u.content,
			"X-Amz-Date":                   "20130524T000000Z",
		} {
			if r.header.Get(k) != v {
				t.Errorf("%s: %s %q, want %q", name, k, r.header.Get(k), v)
			}
		}
		if u.signer == withToken {
			if r.header.Get("X-Amz-Region-Set") != "*" || r.header.Get("X-Amz-Security-Token") != "session/token+=" ||
				r.host != strings.ToLower(strings.TrimPrefix(host, "http://")) || r.header.Get("X-Amz-Trailer") == "" {
				t.Errorf("%s: a seed line is missing: host %q, %v", name, r.host, r.header)
			}
		} else if r.header.Get("X-Amz-Region-Set") != "us-east-1" {
			t.Errorf("%s: X-Amz-Region-Set %q", name, r.header.Get("X-Amz-Region-Set"))
		}
		sts, err := r.seedSTS(scope)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, seed := splitAuth(r.header.Get("Authorization"))
		if !verifiesAll(keys, sts, seed) {
			t.Fatalf("%s: seed signature does not verify over\n%s", name, sts)
		}
		decoded, err := verifyV4aBody(r.body, seed, "20130524T000000Z", scope, u.signed, u.trailer, keys)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(decoded, data) {
			t.Fatalf("%s: decoded data differs", name)
		}
	}

	// The checks can fail: a byte of the second chunk, the trailer value,
	// another seed, another key.
	signedTrailer := got[3].body // StreamSignedTrailer, crc32
	_, seed := splitAuth(got[3].header.Get("Authorization"))
	other := []*ecdsa.PublicKey{&deriveV4aKey(v4aDocAKID, "another secret").PublicKey}
	for _, tc := range []struct {
		what, seed, want string
		keys             []*ecdsa.PublicKey
		tamper           func([]byte)
	}{
		{"chunk data", seed, "chunk at 8192 (8192 bytes): signature does not verify", keys, func(b []byte) {
			second := bytes.Index(b, []byte("\r\n")) + 2 + chunk + 2 // the second chunk's header
			b[second+bytes.Index(b[second:], []byte("\r\n"))+2+100] ^= 1
		}},
		{"trailer", seed, "trailer \"x-amz-checksum-crc32:", keys, func(b []byte) {
			b[bytes.Index(b, []byte("x-amz-checksum-crc32:"))+len("x-amz-checksum-crc32:")] ^= 1
		}},
		{"seed", seed[:len(seed)-2] + "00", "chunk at 0 (8192 bytes): signature does not verify", keys, func([]byte) {}},
		{"key", seed, "chunk at 0 (8192 bytes): signature does not verify", other, func([]byte) {}},
	} {
		b := append([]byte(nil), signedTrailer...)
		tc.tamper(b)
		if _, err := verifyV4aBody(b, tc.seed, "20130524T000000Z", scope, true, true, tc.keys); err == nil ||
			!strings.Contains(err.Error(), tc.want) {
			t.Errorf("tampered %s: %v, want %q", tc.what, err, tc.want)
		}
	}
	fmt.Printf("go streaming v4a: %d uploads (signed, signed trailer and unsigned trailer; each checksum) sent by net/http: "+
		"Content-Length = bytes sent, seed, chunk and trailer signatures verified with crypto/ecdsa\n", len(got))
}

// Modes a signer cannot sign are refused before req is touched.
func TestStreamingSigV4aModes(t *testing.T) {
	v4 := newSuiteSigner(t, sigv4rs.Config{AccessKeyID: v4aDocAKID, SecretAccessKey: v4aDocSecret,
		Region: "us-east-1", Service: "s3", S3: true}, v4aDocTime)
	v4a := newSuiteSigner(t, sigv4rs.Config{AccessKeyID: v4aDocAKID, SecretAccessKey: v4aDocSecret,
		Region: "us-east-1", Service: "s3", S3: true, SigV4a: true}, v4aDocTime)
	for _, tc := range []struct {
		s    *sigv4rs.Signer
		opts sigv4rs.StreamOptions
	}{
		{v4, sigv4rs.StreamOptions{Mode: 3}},
		{v4, sigv4rs.StreamOptions{Mode: 4, Checksum: sigv4rs.ChecksumCRC32}},
		{v4a, sigv4rs.StreamOptions{Mode: 5, Checksum: sigv4rs.ChecksumCRC32}},
		{v4a, sigv4rs.StreamOptions{Mode: sigv4rs.StreamSigned, Checksum: sigv4rs.ChecksumCRC32}},
	} {
		req, _ := http.NewRequest("PUT", "https://b.s3.amazonaws.com/k", nil)
		if err := tc.s.SignStreaming(req, strings.NewReader("data"), 4, tc.opts); !errors.Is(err, sigv4rs.ErrInvalidArgument) {
			t.Errorf("mode %d checksum %d: %v", tc.opts.Mode, tc.opts.Checksum, err)
		}
		if len(req.Header) != 0 || req.Body != nil {
			t.Errorf("mode %d: req changed", tc.opts.Mode)
		}
	}
	// The same shapes on either signer; SigV4a's are longer.
	for _, m := range []sigv4rs.StreamMode{sigv4rs.StreamSigned, sigv4rs.StreamSignedTrailer, sigv4rs.StreamUnsignedTrailer} {
		opts := sigv4rs.StreamOptions{Mode: m, Checksum: sigv4rs.ChecksumSHA256, ChunkSize: 8192}
		if m == sigv4rs.StreamSigned {
			opts.Checksum = sigv4rs.ChecksumNone
		}
		a, err1 := v4.EncodedLength(100000, opts)
		b, err2 := v4a.EncodedLength(100000, opts)
		if err1 != nil || err2 != nil || (m == sigv4rs.StreamUnsignedTrailer) != (a == b) || a > b {
			t.Errorf("mode %d: SigV4 %d (%v), SigV4a %d (%v)", m, a, err1, b, err2)
		}
	}
}

// dialTo connects every request to addr, whatever the URL's host says.
type dialTo struct{ addr string }

func (d *dialTo) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	var nd net.Dialer
	return nd.DialContext(ctx, network, d.addr)
}
