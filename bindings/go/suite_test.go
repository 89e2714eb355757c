package sigv4rs_test

// The official AWS SigV4 suite, from the vector file that
// tests/tools/suite_vectors.py writes from the suite's files
// (../../tests/data/suite-v4-vectors.txt, shared with the Rust, C, Ruby,
// Python and firmware runners; SIGV4RS_SUITE_VECTORS names another copy).
// Every expected value comes from that file.
//
// Each case runs through the low-level Request API (exact bytes) and, when
// net/url reproduces its path and query exactly, through *http.Request too.

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

// vector is one case of the file: its `key value` lines in order.
type vector struct {
	name   string
	fields [][2]string
}

func (v vector) get(key string) (string, bool) {
	for _, f := range v.fields {
		if f[0] == key {
			return f[1], true
		}
	}
	return "", false
}

func (v vector) str(key string) string {
	s, _ := v.get(key)
	return s
}

func (v vector) all(key string) []string {
	var out []string
	for _, f := range v.fields {
		if f[0] == key {
			out = append(out, f[1])
		}
	}
	return out
}

func (v vector) headers(key string) []sigv4rs.Header {
	var hs []sigv4rs.Header
	for _, p := range v.all(key) {
		n, val, _ := strings.Cut(p, ":")
		hs = append(hs, sigv4rs.Header{Name: n, Value: val})
	}
	return hs
}

func (v vector) time(key string) time.Time {
	n, _ := strconv.ParseInt(v.str(key), 10, 64)
	return time.Unix(n, 0).UTC()
}

// unescape undoes the file's `\\`, `\n` and `\xHH`.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] != '\\':
			b.WriteByte(s[i])
		case strings.HasPrefix(s[i:], `\\`):
			b.WriteByte('\\')
			i++
		case strings.HasPrefix(s[i:], `\n`):
			b.WriteByte('\n')
			i++
		case strings.HasPrefix(s[i:], `\x`) && len(s) >= i+4:
			n, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return "", err
			}
			b.WriteByte(byte(n))
			i += 3
		default:
			return "", fmt.Errorf("bad escape in %q", s)
		}
	}
	return b.String(), nil
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	return loadVectorFile(t, "SIGV4RS_SUITE_VECTORS", "suite-v4-vectors.txt")
}

// loadVectorFile reads the vector file that env names, else
// tests/data/name.
func loadVectorFile(t *testing.T, env, name string) []vector {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		path = filepath.Join("..", "..", "tests", "data", name)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("vector file (run from bindings/go): %v", err)
	}
	var out []vector
	var cur *vector
	for _, line := range strings.Split(string(text), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		value, err := unescape(value)
		switch {
		case err != nil:
			t.Fatal(err)
		case key == "case":
			cur = &vector{name: value}
		case cur == nil:
			t.Fatalf("%q outside a case", line)
		case key == "end":
			out = append(out, *cur)
			cur = nil
		default:
			cur.fields = append(cur.fields, [2]string{key, value})
		}
	}
	if cur != nil {
		t.Fatalf("case %s has no end", cur.name)
	}
	return out
}

// multiset renders (lower-case name, value) pairs sorted, for comparison.
func multiset(hs []sigv4rs.Header) string {
	var s []string
	for _, h := range hs {
		s = append(s, strings.ToLower(h.Name)+":"+h.Value)
	}
	sort.Strings(s)
	return strings.Join(s, "\n")
}

func sorted(ps []string) string {
	ps = append([]string(nil), ps...)
	sort.Strings(ps)
	return strings.Join(ps, "&")
}

// merged is the request's headers with the signer's replacing same names.
func merged(req, out []sigv4rs.Header) []sigv4rs.Header {
	var all []sigv4rs.Header
	for _, h := range req {
		replaced := false
		for _, o := range out {
			replaced = replaced || strings.EqualFold(o.Name, h.Name)
		}
		if !replaced {
			all = append(all, h)
		}
	}
	return append(all, out...)
}

func signatureOf(hs []sigv4rs.Header) string {
	for _, h := range hs {
		if h.Name == "Authorization" {
			if i := strings.LastIndex(h.Value, "Signature="); i >= 0 {
				return h.Value[i+len("Signature="):]
			}
		}
	}
	return "<no Authorization>"
}

// httpHeaders flattens req.Header plus Host into pairs.
func httpHeaders(req *http.Request) []sigv4rs.Header {
	hs := []sigv4rs.Header{{Name: "Host", Value: req.Host}}
	for k, vs := range req.Header {
		for _, v := range vs {
			hs = append(hs, sigv4rs.Header{Name: k, Value: v})
		}
	}
	return hs
}

// checker collects mismatches of one case.
type checker struct {
	case_    string
	failures *[]string
	ok       bool
}

func (c *checker) eq(what, want, got string) {
	if want != got {
		*c.failures = append(*c.failures, fmt.Sprintf("%s %s:\n--- expected\n%s\n--- got\n%s", c.case_, what, want, got))
		c.ok = false
	}
}

func (c *checker) noErr(what string, err error) {
	if err != nil {
		*c.failures = append(*c.failures, fmt.Sprintf("%s %s: %v", c.case_, what, err))
		c.ok = false
	}
}

// target is the request target as the suite's signed requests write it.
func target(v vector) string {
	if q := v.str("query"); q != "" {
		return v.str("path") + "?" + q
	}
	return v.str("path")
}

func host(v vector) string {
	for _, h := range v.headers("header") {
		if strings.EqualFold(h.Name, "Host") {
			return h.Value
		}
	}
	return ""
}

// httpRequest builds *http.Request for v when net/url keeps its path and
// query exactly as written; nil otherwise (raw space, raw UTF-8 path...).
func httpRequest(v vector) *http.Request {
	u, err := url.Parse("https://" + host(v) + target(v))
	if err != nil || u.EscapedPath() != v.str("path") || u.RawQuery != v.str("query") {
		return nil
	}
	req := &http.Request{Method: v.str("method"), URL: u, Host: host(v), Header: http.Header{}}
	for _, h := range v.headers("header") {
		switch {
		case strings.EqualFold(h.Name, "Host"):
		case strings.EqualFold(h.Name, "Content-Length"):
			n, err := strconv.ParseInt(h.Value, 10, 64)
			if err != nil {
				return nil
			}
			req.ContentLength = n
			req.Header.Add(h.Name, h.Value)
		default:
			req.Header.Add(h.Name, h.Value)
		}
	}
	return req
}

func wireLine(req *http.Request) string {
	target := req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		target += "?" + req.URL.RawQuery
	}
	return req.Method + " " + target
}

func newSuiteSigner(t *testing.T, cfg sigv4rs.Config, at time.Time) *sigv4rs.Signer {
	t.Helper()
	cfg.Now = func() time.Time { return at }
	s, err := sigv4rs.NewSigner(cfg)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type routeCounts struct{ httpHeader, httpQuery, raw int }

// checkPresigned compares a presigned URL with the case's prefix, signature
// and parameters.
func checkPresigned(c *checker, v vector, u string) {
	i := strings.IndexByte(u, '?') + 1
	c.eq("presigned URL up to ?", v.str("presign_prefix"), u[:i])
	params := strings.Split(u[i:], "&")
	sig := ""
	for _, p := range params {
		if strings.HasPrefix(p, "X-Amz-Signature=") {
			sig = p[len("X-Amz-Signature="):]
		}
	}
	c.eq("query signature", v.str("query_sig"), sig)
	c.eq("presigned URL parameters", sorted(v.all("presign_param")), sorted(params))
}

// runCase checks one case in header mode and, for complete cases, query
// mode, on the raw route and, where it fits, the *http.Request route.
func runCase(t *testing.T, v vector, failures *[]string, routes *routeCounts) (headerOK, queryOK bool) {
	cfg := sigv4rs.Config{
		AccessKeyID:          v.str("access_key_id"),
		SecretAccessKey:      v.str("secret_access_key"),
		SessionToken:         v.str("session_token"),
		Region:               v.str("region"),
		Service:              v.str("service"),
		NoPathNormalization:  v.str("normalize") == "0",
		ContentSHA256Header:  v.str("sign_body") == "1",
		UnsignedSessionToken: v.str("omit_session_token") == "1",
	}
	at, creqAt := v.time("time"), v.time("creq_time")
	signer := newSuiteSigner(t, cfg, at)
	creqSigner := newSuiteSigner(t, cfg, creqAt)
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
	wantSts, hasSts := v.get("header_sts")
	complete := v.str("kind") == "complete"
	expires := time.Duration(0)
	if complete {
		n, _ := strconv.Atoi(v.str("expires"))
		expires = time.Duration(n) * time.Second
	}

	// Header mode, raw route.
	hc := &checker{case_: v.name + " [raw]", failures: failures, ok: true}
	creq, err := creqSigner.CanonicalRequestRaw(rr, creqAt, 0)
	hc.noErr("canonical request", err)
	hc.eq("header canonical request", v.str("header_creq"), creq)
	if hasSts {
		sts, err := signer.StringToSignRaw(rr, at, 0)
		hc.noErr("string to sign", err)
		hc.eq("header string to sign", wantSts, sts)
	}
	out, err := signer.SignRaw(rr, at)
	hc.noErr("sign", err)
	hc.eq("header signature", v.str("header_sig"), signatureOf(out))
	hc.eq("header signed request headers", multiset(v.headers("signed_header")), multiset(merged(headers, out)))

	// Query mode, raw route.
	qc := &checker{case_: v.name + " [raw]", failures: failures, ok: true}
	if complete {
		creq, err = signer.CanonicalRequestRaw(rr, at, expires)
		qc.noErr("canonical request", err)
		qc.eq("query canonical request", v.str("query_creq"), creq)
		sts, err := signer.StringToSignRaw(rr, at, expires)
		qc.noErr("string to sign", err)
		qc.eq("query string to sign", v.str("query_sts"), sts)
		u, err := signer.PresignRaw(rr, at, expires)
		qc.noErr("presign", err)
		checkPresigned(qc, v, u)
		routes.raw++ // route counts are of complete cases
	}

	// The same through *http.Request, where net/url can carry it.
	req := httpRequest(v)
	if req == nil {
		if !complete {
			hc.eq("fits *http.Request", "yes", "no")
		}
		return hc.ok, qc.ok
	}
	if complete {
		routes.httpHeader++
	}
	c := &checker{case_: v.name + " [http]", failures: failures, ok: true}
	creq, err = creqSigner.CanonicalRequest(req, body, 0)
	c.noErr("canonical request", err)
	c.eq("header canonical request", v.str("header_creq"), creq)
	if hasSts {
		sts, err := signer.StringToSign(req, body, 0)
		c.noErr("string to sign", err)
		c.eq("header string to sign", wantSts, sts)
	}
	c.noErr("sign", signer.Sign(req, body))
	c.eq("header signature", v.str("header_sig"), signatureOf(httpHeaders(req)))
	c.eq("signed request line", v.str("method")+" "+target(v), wireLine(req))
	c.eq("header signed request headers", multiset(v.headers("signed_header")), multiset(httpHeaders(req)))
	hc.ok = hc.ok && c.ok

	// Presign takes no body: the two sign_body cases hash one in query
	// mode too, so they stay on the raw route.
	if complete && !cfg.ContentSHA256Header {
		routes.httpQuery++
		req := httpRequest(v)
		c := &checker{case_: v.name + " [http]", failures: failures, ok: true}
		creq, err := signer.CanonicalRequest(req, nil, expires)
		c.noErr("canonical request", err)
		c.eq("query canonical request", v.str("query_creq"), creq)
		sts, err := signer.StringToSign(req, nil, expires)
		c.noErr("string to sign", err)
		c.eq("query string to sign", v.str("query_sts"), sts)
		u, err := signer.Presign(req, expires)
		c.noErr("presign", err)
		checkPresigned(c, v, u)
		c.eq("presigned request line", v.str("method")+" "+target(v), wireLine(req))
		c.eq("presigned request headers", multiset(headers), multiset(httpHeaders(req)))
		qc.ok = qc.ok && c.ok
	}
	return hc.ok, qc.ok
}

func TestOfficialSuiteV4(t *testing.T) {
	var failures []string
	var headerOK, queryOK, partialOK, complete, partial int
	var routes routeCounts
	for _, v := range loadVectors(t) {
		h, q := runCase(t, v, &failures, &routes)
		if v.str("kind") == "complete" {
			complete++
			if h {
				headerOK++
			}
			if q {
				queryOK++
			}
		} else {
			partial++
			if h {
				partialOK++
			}
		}
	}
	fmt.Printf("go suite v4: header %d/%d, query %d/%d, partial %d/2\n", headerOK, complete, queryOK, complete, partialOK)
	t.Logf("routes: raw %d cases (both modes); *http.Request %d in header mode, %d in query mode",
		routes.raw, routes.httpHeader, routes.httpQuery)
	if complete != 38 || partial != 2 {
		t.Errorf("expected 38 complete and 2 partial cases, found %d and %d", complete, partial)
	}
	for _, f := range failures {
		t.Error(f)
	}
	if headerOK != 38 || queryOK != 38 || partialOK != 2 {
		t.Errorf("suite: header %d/38, query %d/38, partial %d/2", headerOK, queryOK, partialOK)
	}
}
