package sigv4rs_test

// S3 Express One Zone against botocore (../../tests/data/s3express-vectors.json,
// written by tests/tools/s3express_vectors.py with botocore's S3ExpressAuth,
// S3ExpressQueryAuth and REST-XML parser), as tests/s3express.rs does it
// through the C ABI: every expected value comes from that file. Also the
// flag's errors and RotateXML.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

type expressCase struct {
	ID              string      `json:"id"`
	Mode            string      `json:"mode"`
	Method          string      `json:"method"`
	URL             string      `json:"url"`
	Headers         [][2]string `json:"headers"`
	Body            string      `json:"body"`
	Region          string      `json:"region"`
	Service         string      `json:"service"`
	AccessKeyID     string      `json:"access_key_id"`
	SecretAccessKey string      `json:"secret_access_key"`
	SessionToken    string      `json:"session_token"`
	UnixTime        int64       `json:"unix_time"`
	Expires         int64       `json:"expires"`
	PayloadSigning  bool        `json:"payload_signing"`
	CanonicalReq    string      `json:"canonical_request"`
	StringToSign    string      `json:"string_to_sign"`
	OutputHeaders   [][2]string `json:"output_headers"`
	PresignedURL    string      `json:"presigned_url"`
}

type createSessionDoc struct {
	ID          string `json:"id"`
	XML         string `json:"xml"`
	Credentials *struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		SessionToken    string `json:"session_token"`
		Expiration      int64  `json:"expiration"`
	} `json:"credentials"`
}

type expressVectors struct {
	Botocore      string             `json:"botocore_version"`
	Cases         []expressCase      `json:"cases"`
	CreateSession []createSessionDoc `json:"create_session"`
}

func loadExpress(t *testing.T) expressVectors {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "..", "tests", "data", "s3express-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v expressVectors
	if err := json.Unmarshal(text, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) < 200 || len(v.CreateSession) < 5 {
		t.Fatalf("the vectors file lost cases: %d, %d", len(v.Cases), len(v.CreateSession))
	}
	return v
}

func expressSigner(t *testing.T, c expressCase) *sigv4rs.Signer {
	t.Helper()
	// S3 is implied: S3Express alone must give S3's rules.
	s, err := sigv4rs.NewSigner(sigv4rs.Config{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Region: c.Region, Service: c.Service, S3Express: true,
	})
	if err != nil {
		t.Fatalf("%s: NewSigner: %v", c.ID, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// lowerSorted renders headers with lower-case names, sorted: botocore
// writes x-amz-s3session-token, sigv4rs X-Amz-S3session-Token.
func lowerSorted(hs []sigv4rs.Header) string {
	var s []string
	for _, h := range hs {
		s = append(s, strings.ToLower(h.Name)+": "+h.Value)
	}
	sort.Strings(s)
	return strings.Join(s, "\n")
}

func pairHeaders(ps [][2]string) []sigv4rs.Header {
	var hs []sigv4rs.Header
	for _, p := range ps {
		hs = append(hs, sigv4rs.Header{Name: p[0], Value: p[1]})
	}
	return hs
}

// runExpressCase checks one case on the raw route and, for header cases
// whose URL net/url keeps as written, through *http.Request.
func runExpressCase(t *testing.T, c expressCase, httpRoute *int) (bad []string) {
	eq := func(what, want, got string) {
		if want != got {
			bad = append(bad, fmt.Sprintf("%s %s:\n--- botocore\n%s\n--- sigv4rs\n%s", c.ID, what, want, got))
		}
	}
	text := func(s string, err error) string {
		if err != nil {
			return err.Error()
		}
		return s
	}
	s := expressSigner(t, c)
	at := time.Unix(c.UnixTime, 0)
	presign := c.Mode == "presign"
	mode := sigv4rs.PayloadUnsigned
	switch {
	case presign:
		mode = sigv4rs.PayloadAuto
	case c.PayloadSigning:
		mode = sigv4rs.PayloadBytes
	}
	r := &sigv4rs.Request{Method: c.Method, URL: c.URL, Headers: pairHeaders(c.Headers),
		PayloadMode: mode, Payload: []byte(c.Body)}
	expires := time.Duration(c.Expires) * time.Second
	eq("canonical request", c.CanonicalReq, text(s.CanonicalRequestRaw(r, at, expires)))
	eq("string to sign", c.StringToSign, text(s.StringToSignRaw(r, at, expires)))
	if presign {
		eq("presigned URL", c.PresignedURL, text(s.PresignRaw(r, at, expires)))
		return bad
	}
	out, err := s.SignRaw(r, at)
	if err != nil {
		eq("sign", "ok", err.Error())
		return bad
	}
	want := lowerSorted(pairHeaders(c.OutputHeaders))
	eq("added headers", want, lowerSorted(out))

	u, err := url.Parse(c.URL)
	if err != nil || u.Scheme+"://"+u.Host+u.EscapedPath()+strings.TrimSuffix("?"+u.RawQuery, "?") != c.URL {
		return bad
	}
	*httpRoute++
	req := &http.Request{Method: c.Method, URL: u, Host: u.Host, Header: http.Header{}}
	for _, h := range c.Headers {
		req.Header.Add(h[0], h[1])
	}
	s = newSuiteSigner(t, sigv4rs.Config{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Region: c.Region, Service: c.Service, S3Express: true,
	}, at)
	if c.PayloadSigning {
		err = s.Sign(req, []byte(c.Body))
	} else {
		err = s.SignUnsigned(req)
	}
	if err != nil {
		eq("http sign", "ok", err.Error())
		return bad
	}
	var got []sigv4rs.Header
	for _, o := range c.OutputHeaders {
		got = append(got, sigv4rs.Header{Name: o[0], Value: req.Header.Get(o[0])})
	}
	eq("*http.Request headers", want, lowerSorted(got))
	if _, ok := req.Header["X-Amz-Security-Token"]; ok {
		eq("*http.Request headers", "no X-Amz-Security-Token", "X-Amz-Security-Token")
	}
	return bad
}

func TestS3ExpressBotocoreVectors(t *testing.T) {
	v := loadExpress(t)
	var bad []string
	ok, headers, httpRoute := 0, 0, 0
	for _, c := range v.Cases {
		m := runExpressCase(t, c, &httpRoute)
		if len(m) == 0 {
			ok++
		}
		if c.Mode == "headers" {
			headers++
		}
		bad = append(bad, m...)
	}
	fmt.Printf("go s3express vectors: %d/%d (header %d, presign %d; botocore %s)\n",
		ok, len(v.Cases), headers, len(v.Cases)-headers, v.Botocore)
	t.Logf("*http.Request route: %d header cases", httpRoute)
	if headers < 100 || len(v.Cases)-headers < 100 || httpRoute < 50 {
		t.Errorf("too few cases: header %d (%d through *http.Request), presign %d",
			headers, httpRoute, len(v.Cases)-headers)
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// Without S3Express the same credentials give X-Amz-Security-Token: the
// vectors would not notice a flag that did nothing.
func TestS3ExpressFlagMovesTheToken(t *testing.T) {
	c := loadExpress(t).Cases[0]
	at := time.Unix(c.UnixTime, 0)
	r := &sigv4rs.Request{Method: "GET", URL: c.URL, PayloadMode: sigv4rs.PayloadUnsigned}
	names := func(express bool) string {
		s := newSuiteSigner(t, sigv4rs.Config{
			AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
			Region: c.Region, Service: c.Service, S3: true, S3Express: express,
		}, at)
		out, err := s.SignRaw(r, at)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, h := range out {
			if strings.Contains(h.Name, "Token") {
				n = append(n, h.Name)
			}
		}
		u, err := s.PresignRaw(r, at, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"X-Amz-Security-Token=", "X-Amz-S3session-Token="} {
			if strings.Contains(u, p) {
				n = append(n, "?"+p)
			}
		}
		return strings.Join(n, " ")
	}
	if got := names(false); got != "X-Amz-Security-Token ?X-Amz-Security-Token=" {
		t.Errorf("S3 signer: %s", got)
	}
	if got := names(true); got != "X-Amz-S3session-Token ?X-Amz-S3session-Token=" {
		t.Errorf("S3 Express signer: %s", got)
	}
}

func TestS3ExpressAndSigV4aErrors(t *testing.T) {
	base := sigv4rs.Config{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "TOKEN",
		Region: "us-east-1", Service: "s3express"}
	for _, tc := range []struct {
		name string
		edit func(*sigv4rs.Config)
		want *sigv4rs.Error
	}{
		{"S3Express without a token", func(c *sigv4rs.Config) { c.S3Express, c.SessionToken = true, "" },
			sigv4rs.ErrInvalidSessionToken},
		{"S3Express with SigV4a", func(c *sigv4rs.Config) { c.S3Express, c.SigV4a = true, true },
			sigv4rs.ErrInvalidArgument},
		{"SigV4a, empty region set", func(c *sigv4rs.Config) { c.SigV4a, c.Region, c.Service = true, "", "s3" },
			sigv4rs.ErrInvalidRegionSet},
		{"SigV4a, a space in the region set", func(c *sigv4rs.Config) { c.SigV4a, c.Region, c.Service = true, "us-east-1, us-west-2", "s3" },
			sigv4rs.ErrInvalidRegionSet},
	} {
		cfg := base
		tc.edit(&cfg)
		s, err := sigv4rs.NewSigner(cfg)
		if s != nil {
			s.Close()
		}
		var e *sigv4rs.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Status != tc.want.Status {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	// The same settings are fine with what each lacked.
	for _, cfg := range []sigv4rs.Config{
		{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "T", Region: "us-east-1", Service: "s3express", S3Express: true},
		{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", Region: "us-east-1,us-west-2", Service: "s3", SigV4a: true},
	} {
		s, err := sigv4rs.NewSigner(cfg)
		if err != nil {
			t.Errorf("%+v: %v", cfg.Region, err)
			continue
		}
		s.Close()
	}

	// Rotating an S3 Express signer to credentials without a token.
	s := newSuiteSigner(t, sigv4rs.Config{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret",
		SessionToken: "T", Region: "us-east-1", Service: "s3express", S3Express: true}, time.Unix(1700000000, 0))
	if err := s.Rotate(sigv4rs.Credentials{AccessKeyID: "ASIAOTHER", SecretAccessKey: "s2"}); !errors.Is(err, sigv4rs.ErrInvalidSessionToken) {
		t.Errorf("Rotate without a token: %v", err)
	}
	if err := s.Rotate(sigv4rs.Credentials{AccessKeyID: "ASIAOTHER", SecretAccessKey: "s2", SessionToken: "T2"}); err != nil {
		t.Errorf("Rotate: %v", err)
	}
}

// CreateSession responses: what RotateXML puts into an S3 Express signer
// signs exactly as a signer configured with the credentials botocore's
// parser read from the same document, until the Expiration it read.
func TestRotateXMLCreateSession(t *testing.T) {
	v := loadExpress(t)
	seed := v.Cases[0]
	r := &sigv4rs.Request{Method: "GET", URL: seed.URL, PayloadMode: sigv4rs.PayloadUnsigned}
	checked, refused := 0, 0
	for _, d := range v.CreateSession {
		s := expressSigner(t, seed)
		err := s.RotateXML([]byte(d.XML))
		if d.Credentials == nil {
			if !errors.Is(err, sigv4rs.ErrInvalidCredentialsDocument) {
				t.Errorf("%s: got %v, want ErrInvalidCredentialsDocument", d.ID, err)
			} else {
				refused++
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", d.ID, err)
			continue
		}
		want := d.Credentials
		if exp, err := s.Expiration(); err != nil || exp.Unix() != want.Expiration {
			t.Errorf("%s: Expiration %v, %v; botocore read %d", d.ID, exp, err, want.Expiration)
		}
		ref := expressSigner(t, expressCase{ID: d.ID, AccessKeyID: want.AccessKeyID,
			SecretAccessKey: want.SecretAccessKey, SessionToken: want.SessionToken,
			Region: seed.Region, Service: seed.Service})
		at := time.Unix(want.Expiration-60, 0)
		got, err1 := s.SignRaw(r, at)
		exp, err2 := ref.SignRaw(r, at)
		if err1 != nil || err2 != nil || lowerSorted(got) != lowerSorted(exp) {
			t.Errorf("%s: does not sign as botocore's credentials (%v, %v)", d.ID, err1, err2)
		}
		if _, err := s.SignRaw(r, time.Unix(want.Expiration, 0)); !errors.Is(err, sigv4rs.ErrCredentialsExpired) {
			t.Errorf("%s: signing at expiry: %v", d.ID, err)
		}
		checked++
	}
	fmt.Printf("go create session documents: %d/%d as botocore reads them (%d without credentials refused)\n",
		checked+refused, len(v.CreateSession), refused)
	if checked < 5 {
		t.Errorf("only %d documents checked", checked)
	}
}

// A malformed or error response changes nothing: the signer signs as
// before, with the credentials it had.
func TestRotateXMLMalformed(t *testing.T) {
	v := loadExpress(t)
	seed := v.Cases[0]
	good := v.CreateSession[0].XML
	r := &sigv4rs.Request{Method: "GET", URL: seed.URL, PayloadMode: sigv4rs.PayloadUnsigned}
	at := time.Unix(seed.UnixTime, 0)
	s := expressSigner(t, seed)
	before, err := s.SignRaw(r, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, doc string
		want      *sigv4rs.Error
	}{
		{"truncated", good[:len(good)/2], sigv4rs.ErrInvalidCredentialsDocument},
		{"not XML", `{"AccessKeyId":"ASIA"}`, sigv4rs.ErrInvalidCredentialsDocument},
		{"empty", "", sigv4rs.ErrInvalidCredentialsDocument},
		{"error response", `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`,
			sigv4rs.ErrInvalidCredentialsDocument},
		{"no session token", strings.NewReplacer("<SessionToken>", "<Other>", "</SessionToken>", "</Other>").Replace(good),
			sigv4rs.ErrInvalidCredentialsDocument},
	} {
		err := s.RotateXML([]byte(tc.doc))
		var e *sigv4rs.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &e) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		after, err := s.SignRaw(r, at)
		if err != nil || lowerSorted(after) != lowerSorted(before) {
			t.Errorf("%s: the signer's credentials changed (%v)", tc.name, err)
		}
	}
	s.Close()
	if err := s.RotateXML([]byte(good)); !errors.Is(err, sigv4rs.ErrClosed) {
		t.Errorf("closed signer: %v", err)
	}
}
