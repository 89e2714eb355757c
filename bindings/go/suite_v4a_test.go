package sigv4rs_test

// The official AWS SigV4a suite, from the vector file that
// tests/tools/suite_vectors.py --v4a writes from the suite's files
// (../../tests/data/suite-v4a-vectors.txt; SIGV4RS_SUITE_V4A_VECTORS names
// another copy). Canonical requests and strings to sign must match byte
// for byte; ECDSA signatures cannot be reproduced, so ours and the suite's
// samples are verified with the suite's public key, and the key pair the
// spec derives from the credentials (deriveV4aKey, written here from the
// spec) must be the suite's.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

const v4aAlgorithm = "AWS4-ECDSA-P256-SHA256"

func loadV4aVectors(t *testing.T) []vector {
	t.Helper()
	return loadVectorFile(t, "SIGV4RS_SUITE_V4A_VECTORS", "suite-v4a-vectors.txt")
}

// suiteKey is the case's public-key.json.
func suiteKey(t *testing.T, v vector) *ecdsa.PublicKey {
	t.Helper()
	x, okx := new(big.Int).SetString(v.str("public_key_x"), 16)
	y, oky := new(big.Int).SetString(v.str("public_key_y"), 16)
	if !okx || !oky || !elliptic.P256().IsOnCurve(x, y) {
		t.Fatalf("%s: the suite's public key is no P-256 point", v.name)
	}
	return &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
}

// verifies: sigHex is a hex DER ECDSA signature of SHA-256(sts) under pub.
func verifies(pub *ecdsa.PublicKey, sts, sigHex string) bool {
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) == 0 {
		return false
	}
	digest := sha256.Sum256([]byte(sts))
	return ecdsa.VerifyASN1(pub, digest[:], sig)
}

// deriveV4aKey is the SigV4a key derivation of the spec (as aws-c-auth
// and aws-sdk-go-v2's internal/v4a do it): NIST SP 800-108 HMAC-SHA256 in
// counter mode, key "AWS4A"+secret, label the algorithm, context the
// access key id and a one-byte counter, 256 bits (one block); the first
// candidate c <= n-2 gives the private key c+1.
func deriveV4aKey(akid, secret string) *ecdsa.PrivateKey {
	curve := elliptic.P256()
	nMinus2 := new(big.Int).Sub(curve.Params().N, big.NewInt(2))
	for counter := 1; counter <= 254; counter++ {
		mac := hmac.New(sha256.New, []byte("AWS4A"+secret))
		mac.Write([]byte{0, 0, 0, 1}) // block i = 1
		mac.Write([]byte(v4aAlgorithm))
		mac.Write([]byte{0})
		mac.Write([]byte(akid))
		mac.Write([]byte{byte(counter)})
		mac.Write([]byte{0, 0, 1, 0}) // L = 256 bits
		c := new(big.Int).SetBytes(mac.Sum(nil))
		if c.Cmp(nMinus2) <= 0 {
			k := &ecdsa.PrivateKey{D: c.Add(c, big.NewInt(1))}
			k.Curve = curve
			k.X, k.Y = curve.ScalarBaseMult(k.D.FillBytes(make([]byte, 32)))
			return k
		}
	}
	return nil
}

// splitAuth cuts an Authorization value after "Signature=".
func splitAuth(auth string) (prefix, sig string) {
	i := strings.LastIndex(auth, "Signature=")
	if i < 0 {
		return auth, ""
	}
	i += len("Signature=")
	return auth[:i], auth[i:]
}

// withoutSignature is hs with the Authorization signature cut off.
func withoutSignature(hs []sigv4rs.Header) []sigv4rs.Header {
	out := make([]sigv4rs.Header, len(hs))
	for i, h := range hs {
		if strings.EqualFold(h.Name, "Authorization") {
			h.Value, _ = splitAuth(h.Value)
		}
		out[i] = h
	}
	return out
}

func authorization(hs []sigv4rs.Header) string {
	for _, h := range hs {
		if h.Name == "Authorization" {
			return h.Value
		}
	}
	return ""
}

// presignParts is a presigned URL's part up to '?', its X-Amz-Signature
// and its other parameters.
func presignParts(u string) (prefix, sig string, params []string) {
	i := strings.IndexByte(u, '?') + 1
	for _, p := range strings.Split(u[i:], "&") {
		if strings.HasPrefix(p, "X-Amz-Signature=") {
			sig = p[len("X-Amz-Signature="):]
		} else {
			params = append(params, p)
		}
	}
	return u[:i], sig, params
}

func v4aConfig(v vector) sigv4rs.Config {
	return sigv4rs.Config{
		AccessKeyID:          v.str("access_key_id"),
		SecretAccessKey:      v.str("secret_access_key"),
		SessionToken:         v.str("session_token"),
		Region:               v.str("region"), // the region set
		Service:              v.str("service"),
		NoPathNormalization:  v.str("normalize") == "0",
		ContentSHA256Header:  v.str("sign_body") == "1",
		UnsignedSessionToken: v.str("omit_session_token") == "1",
		SigV4a:               true,
	}
}

// runV4aCase checks one case in header and query mode, on the raw route
// and, where net/url carries the request, the *http.Request route.
func runV4aCase(t *testing.T, v vector, failures *[]string, routes *routeCounts) (headerOK, queryOK bool) {
	key := suiteKey(t, v)
	cfg := v4aConfig(v)
	at := v.time("time")
	signer := newSuiteSigner(t, cfg, at)
	mode := sigv4rs.PayloadAuto
	if cfg.ContentSHA256Header {
		mode = sigv4rs.PayloadBytes
	}
	headers := v.headers("header")
	body := []byte(v.str("body"))
	rr := &sigv4rs.Request{
		Method: v.str("method"), Path: v.str("path"), Query: v.str("query"),
		Headers: headers, PayloadMode: mode, Payload: body,
	}
	secs, _ := strconv.Atoi(v.str("expires"))
	expires := time.Duration(secs) * time.Second
	sts, qsts := v.str("header_sts"), v.str("query_sts")
	wantSigned := multiset(withoutSignature(v.headers("signed_header")))

	// The suite's samples verify: the key and strings to sign agree.
	hc := &checker{case_: v.name, failures: failures, ok: true}
	for _, k := range []string{"header_sig", "header_sig_alt"} {
		hc.eq(k+" verifies", "true", fmt.Sprint(verifies(key, sts, v.str(k))))
	}
	qc := &checker{case_: v.name, failures: failures, ok: true}
	for _, k := range []string{"query_sig", "query_sig_alt"} {
		qc.eq(k+" verifies", "true", fmt.Sprint(verifies(key, qsts, v.str(k))))
	}

	// Header mode, raw route.
	hc.case_ = v.name + " [raw]"
	creq, err := signer.CanonicalRequestRaw(rr, at, 0)
	hc.noErr("canonical request", err)
	hc.eq("header canonical request", v.str("header_creq"), creq)
	got, err := signer.StringToSignRaw(rr, at, 0)
	hc.noErr("string to sign", err)
	hc.eq("header string to sign", sts, got)
	out, err := signer.SignRaw(rr, at)
	hc.noErr("sign", err)
	_, sig := splitAuth(authorization(out))
	hc.eq("header signature verifies", "true", fmt.Sprint(verifies(key, sts, sig)))
	hc.eq("header signed request headers", wantSigned, multiset(withoutSignature(merged(headers, out))))

	// Query mode, raw route.
	qc.case_ = v.name + " [raw]"
	creq, err = signer.CanonicalRequestRaw(rr, at, expires)
	qc.noErr("canonical request", err)
	qc.eq("query canonical request", v.str("query_creq"), creq)
	got, err = signer.StringToSignRaw(rr, at, expires)
	qc.noErr("string to sign", err)
	qc.eq("query string to sign", qsts, got)
	u, err := signer.PresignRaw(rr, at, expires)
	qc.noErr("presign", err)
	prefix, qsig, params := presignParts(u)
	routes.raw++
	qc.eq("presigned URL up to ?", v.str("presign_prefix"), prefix)
	qc.eq("query signature verifies", "true", fmt.Sprint(verifies(key, qsts, qsig)))
	qc.eq("presigned URL parameters", sorted(v.all("presign_param")), sorted(params))

	req := httpRequest(v)
	if req == nil {
		return hc.ok, qc.ok
	}
	routes.httpHeader++
	c := &checker{case_: v.name + " [http]", failures: failures, ok: true}
	creq, err = signer.CanonicalRequest(req, body, 0)
	c.noErr("canonical request", err)
	c.eq("header canonical request", v.str("header_creq"), creq)
	got, err = signer.StringToSign(req, body, 0)
	c.noErr("string to sign", err)
	c.eq("header string to sign", sts, got)
	c.noErr("sign", signer.Sign(req, body))
	_, sig = splitAuth(req.Header.Get("Authorization"))
	c.eq("header signature verifies", "true", fmt.Sprint(verifies(key, sts, sig)))
	c.eq("header signed request headers", wantSigned, multiset(withoutSignature(httpHeaders(req))))
	hc.ok = hc.ok && c.ok

	// Presign takes no body: the sign_body cases stay on the raw route.
	if !cfg.ContentSHA256Header {
		routes.httpQuery++
		req := httpRequest(v)
		c := &checker{case_: v.name + " [http]", failures: failures, ok: true}
		got, err := signer.StringToSign(req, nil, expires)
		c.noErr("string to sign", err)
		c.eq("query string to sign", qsts, got)
		u, err := signer.Presign(req, expires)
		c.noErr("presign", err)
		prefix, qsig, params := presignParts(u)
		c.eq("presigned URL up to ?", v.str("presign_prefix"), prefix)
		c.eq("query signature verifies", "true", fmt.Sprint(verifies(key, qsts, qsig)))
		c.eq("presigned URL parameters", sorted(v.all("presign_param")), sorted(params))
		qc.ok = qc.ok && c.ok
	}
	return hc.ok, qc.ok
}

func TestOfficialSuiteV4a(t *testing.T) {
	var failures []string
	var headerOK, queryOK, n int
	var routes routeCounts
	for _, v := range loadV4aVectors(t) {
		h, q := runV4aCase(t, v, &failures, &routes)
		n++
		if h {
			headerOK++
		}
		if q {
			queryOK++
		}
	}
	fmt.Printf("go suite v4a: header %d/%d, query %d/%d\n", headerOK, n, queryOK, n)
	t.Logf("routes: raw %d cases (both modes); *http.Request %d in header mode, %d in query mode",
		routes.raw, routes.httpHeader, routes.httpQuery)
	if n != 38 {
		t.Errorf("expected 38 cases, found %d", n)
	}
	for _, f := range failures {
		t.Error(f)
	}
}

// The spec's derivation, from the suite's credentials, gives the suite's
// public key: deriveV4aKey is right, so it can check other credentials.
func TestV4aDerivedKeyIsTheSuites(t *testing.T) {
	for _, v := range loadV4aVectors(t) {
		k := deriveV4aKey(v.str("access_key_id"), v.str("secret_access_key"))
		want := suiteKey(t, v)
		if k == nil || k.X.Cmp(want.X) != 0 || k.Y.Cmp(want.Y) != 0 {
			t.Fatalf("%s: derived public key differs from public-key.json", v.name)
		}
	}
}

// Random credentials: the signer's signatures (header, presigned, through
// *http.Request) verify under the key derived here from the same
// credentials, and not under another's.
func TestV4aSignaturesVerifyUnderDerivedKey(t *testing.T) {
	random := func(n int) string {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	at := time.Unix(1700000000, 0)
	other := deriveV4aKey("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	for i := 0; i < 4; i++ {
		akid := "AKIA" + strings.ToUpper(random(12))[:16]
		secret := random(30)
		key := &deriveV4aKey(akid, secret).PublicKey
		for _, regionSet := range []string{"*", "us-east-1,us-west-2"} {
			s := newSuiteSigner(t, sigv4rs.Config{
				AccessKeyID: akid, SecretAccessKey: secret, Region: regionSet,
				Service: "s3", S3: true, SigV4a: true, SessionToken: "tok" + random(8),
			}, at)
			rr := &sigv4rs.Request{Method: "GET", URL: "https://mrap.accesspoint.s3-global.amazonaws.com/k?x=1"}
			out, err := s.SignRaw(rr, at)
			if err != nil {
				t.Fatal(err)
			}
			sts, err := s.StringToSignRaw(rr, at, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, sig := splitAuth(authorization(out))
			if !verifies(key, sts, sig) {
				t.Errorf("credentials %d, %s: header signature does not verify under the derived key", i, regionSet)
			}
			if verifies(&other.PublicKey, sts, sig) {
				t.Errorf("credentials %d: verifies under another key", i)
			}
			u, err := s.PresignRaw(rr, at, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			qsts, err := s.StringToSignRaw(rr, at, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if _, qsig, _ := presignParts(u); !verifies(key, qsts, qsig) {
				t.Errorf("credentials %d, %s: presigned signature does not verify", i, regionSet)
			}

			// *http.Request: S3, a token and SigV4a make five headers
			// (X-Amz-Date, X-Amz-Region-Set, X-Amz-Security-Token,
			// X-Amz-Content-Sha256, Authorization): all set.
			req, _ := http.NewRequest("PUT", "https://mrap.accesspoint.s3-global.amazonaws.com/k", nil)
			body := []byte("payload " + random(8))
			if err := s.Sign(req, body); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("X-Amz-Region-Set"); got != regionSet {
				t.Errorf("X-Amz-Region-Set %q, want %q", got, regionSet)
			}
			hsts, err := s.StringToSign(req, body, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, hsig := splitAuth(req.Header.Get("Authorization"))
			if !verifies(key, hsts, hsig) {
				t.Errorf("credentials %d, %s: *http.Request signature does not verify (headers set: %d)",
					i, regionSet, len(req.Header))
			}
		}
	}
}

// The checks above can fail: a tampered string to sign, signature or key
// does not verify.
func TestV4aVerificationCanFail(t *testing.T) {
	v := loadV4aVectors(t)[0]
	key, sts, sig := suiteKey(t, v), v.str("header_sts"), v.str("header_sig")
	if !verifies(key, sts, sig) {
		t.Fatal("the suite's sample does not verify")
	}
	if verifies(key, strings.Replace(sts, "aws4_request", "aws4_requesu", 1), sig) {
		t.Error("a tampered string to sign verifies")
	}
	if verifies(key, sts, sig[:len(sig)-2]+"00") {
		t.Error("a tampered signature verifies")
	}
	if other := deriveV4aKey("AKIDEXAMPLE", "another secret"); verifies(&other.PublicKey, sts, sig) {
		t.Error("the signature verifies under another key")
	}
}
