package sigv4rs

// The default credential chain (Chain, issue 13) through a Signer: keys
// from the environment, the shared files and credential_process sign as
// the SigV4 steps computed here with crypto/hmac say they must; STS
// (web identity, role_arn + source_profile) goes through net/http to a fake
// STS on loopback, which checks the form and recomputes the AssumeRole
// signature with the source keys; failures (HTTP 500, a panicking
// transport, a server that never answers) end in bounded time with the
// library's reason and no secret; signers sharing a chain take turns; the
// chain outlives its signers in any closing order. The same AssumeRole request is verified by aws-sdk-go-v2
// in internal/refcheck/chain_test.go.
//
// The chain reads the process environment: each test isolates it
// (chainSandbox) and none runs in parallel.

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	envAKID    = "AKIDENVEXAMPLE"
	envSecret  = "envSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"
	envToken   = "envToken//FwoGZXIvYXdzEXAMPLE="
	fileAKID   = "AKIDFILEEXAMPLE"
	fileSecret = "fileSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"
	devAKID    = "AKIDDEVEXAMPLE"
	devSecret  = "devSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"
	srcAKID    = "AKIDSOURCEEXAMPLE"
	srcSecret  = "sourceSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"
	// The AssumeRole example of the STS API reference.
	roleAKID   = "ASIAIOSFODNN7EXAMPLE"
	roleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
	roleToken  = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
	roleARN    = "arn:aws:iam::123456789012:role/demo"
	// A web identity token: a secret too.
	webToken = "eyJhbGciOiJSUzI1NiJ9.WEBIDENTITYSECRET.c2lnbmF0dXJl"
	stsForm  = "application/x-www-form-urlencoded; charset=utf-8"
)

// chainSandbox isolates what the chain reads: a temporary HOME with the
// shared files' paths in it, IMDS disabled, every other AWS_* variable
// unset; the environment is restored when the test ends.
type chainSandbox struct {
	t     *testing.T
	dir   string
	saved map[string]*string
}

func newChainSandbox(t *testing.T) *chainSandbox {
	sb := &chainSandbox{t: t, dir: t.TempDir(), saved: map[string]*string{}}
	t.Cleanup(sb.restore)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			sb.unset(k)
		}
	}
	sb.set("HOME", sb.dir)
	sb.set("AWS_CONFIG_FILE", sb.path("config"))
	sb.set("AWS_SHARED_CREDENTIALS_FILE", sb.path("credentials"))
	sb.set("AWS_EC2_METADATA_DISABLED", "true")
	return sb
}

func (sb *chainSandbox) keep(k string) {
	if _, ok := sb.saved[k]; ok {
		return
	}
	if v, ok := os.LookupEnv(k); ok {
		sb.saved[k] = &v
	} else {
		sb.saved[k] = nil
	}
}

func (sb *chainSandbox) set(k, v string) {
	sb.keep(k)
	if err := os.Setenv(k, v); err != nil {
		sb.t.Fatal(err)
	}
}

func (sb *chainSandbox) unset(k string) {
	sb.keep(k)
	os.Unsetenv(k)
}

func (sb *chainSandbox) restore() {
	for k, v := range sb.saved {
		if v == nil {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, *v)
		}
	}
}

func (sb *chainSandbox) path(name string) string {
	return filepath.Join(sb.dir, name)
}

func (sb *chainSandbox) write(name, text string) string {
	p := sb.path(name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		sb.t.Fatal(err)
	}
	return p
}

// script writes an executable /bin/sh script.
func (sb *chainSandbox) script(name, body string) string {
	p := sb.path(name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o700); err != nil {
		sb.t.Fatal(err)
	}
	return p
}

func newTestChain(t *testing.T, opts ChainOptions) *Chain {
	t.Helper()
	c, err := NewDefaultChain(opts)
	if err != nil {
		t.Fatalf("NewDefaultChain: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// chainSigner is a signer without keys whose Provider is c, at T0.
func chainSigner(t *testing.T, c *Chain, edit func(*Config)) *Signer {
	t.Helper()
	return newTestSigner(t, func(cfg *Config) {
		emptyKeys(cfg)
		cfg.Provider = c
		if edit != nil {
			edit(cfg)
		}
	})
}

// wantKeys signs get-vanilla at T0 with s and requires the Authorization
// that the SigV4 steps (crypto/hmac, here) give for the expected keys,
// the session token signed.
func wantKeys(t *testing.T, s *Signer, akid, secret, token, what string) {
	t.Helper()
	req := mustRequest(t, "GET", vanillaURL)
	if err := s.Sign(req, nil); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	creq := "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
	signed := "host;x-amz-date"
	if token != "" {
		creq += "x-amz-security-token:" + token + "\n"
		signed += ";x-amz-security-token"
	}
	creq += "\n" + signed + "\n" + emptySHA256
	want := "AWS4-HMAC-SHA256 Credential=" + akid + "/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
		signed + ", Signature=" + specSignature(secret, T0, "us-east-1", "service", creq)
	if got := req.Header.Get("Authorization"); got != want {
		t.Fatalf("%s: Authorization\n got  %s\n want %s", what, got, want)
	}
	if got := req.Header.Get("X-Amz-Security-Token"); got != token {
		t.Fatalf("%s: X-Amz-Security-Token %q, want %q", what, got, token)
	}
}

// signErr signs get-vanilla and returns the error (nil: it signed).
func signErr(t *testing.T, s *Signer) error {
	t.Helper()
	return s.Sign(mustRequest(t, "GET", vanillaURL), nil)
}

// noSecrets fails when any secret appears in texts.
func noSecrets(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range []string{envSecret, envToken, fileSecret, devSecret, srcSecret, roleSecret, roleToken,
			webToken, "WEBIDENTITYSECRET", "LEAKEDSECRET"} {
			if strings.Contains(text, s) {
				t.Errorf("%s: a secret (%.12s...) in %q", what, s, text)
			}
		}
	}
}

// stsXML is an STS answer for action with the role's credentials.
func stsXML(action string, exp time.Time) string {
	return fmt.Sprintf(`<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <%[1]sResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/go-chain</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:go-chain</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>%[2]s</AccessKeyId>
      <SecretAccessKey>%[3]s</SecretAccessKey>
      <SessionToken>%[4]s</SessionToken>
      <Expiration>%[5]s</Expiration>
    </Credentials>
  </%[1]sResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</%[1]sResponse>
`, action, roleAKID, roleSecret, roleToken, exp.UTC().Format(time.RFC3339))
}

// fakeSTS serves STS on loopback: check vets each request (its problems
// are test errors) and the answer is the role's credentials.
type fakeSTS struct {
	*httptest.Server
	calls atomic.Int32
}

func newFakeSTS(t *testing.T, action string, exp time.Time, check func(r *http.Request, body []byte) []string) *fakeSTS {
	f := &fakeSTS{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("fake STS: reading the body: %v", err)
			return
		}
		problems := check(r, body)
		// Only what the library gave, plus Host and Content-Length.
		for name := range r.Header {
			switch name {
			case "Content-Type", "Content-Length", "Authorization", "X-Amz-Date":
			default:
				problems = append(problems, "unexpected header "+name)
			}
		}
		if r.Method != "POST" || r.URL.Path != "/" || r.Header.Get("Content-Type") != stsForm ||
			r.ContentLength != int64(len(body)) {
			problems = append(problems, fmt.Sprintf("request %s %s, Content-Type %q, Content-Length %d",
				r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.ContentLength))
		}
		for _, p := range problems {
			t.Errorf("fake STS: %s", p)
		}
		if len(problems) > 0 {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, stsXML(action, exp))
	}))
	t.Cleanup(f.Close)
	return f
}

// formProblems compares the form fields of body with want.
func formProblems(body []byte, want map[string]string) []string {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return []string{"body is not a form"}
	}
	var problems []string
	for k, v := range want {
		if got := form[k]; len(got) != 1 || got[0] != v {
			problems = append(problems, fmt.Sprintf("form field %s: %d value(s), want %.40q", k, len(got), v))
		}
	}
	return problems
}

// 1. Keys in the environment variables.
func TestChainEnvironment(t *testing.T) {
	sb := newChainSandbox(t)
	sb.set("AWS_ACCESS_KEY_ID", envAKID)
	sb.set("AWS_SECRET_ACCESS_KEY", envSecret)
	c := newTestChain(t, ChainOptions{})
	s := chainSigner(t, c, nil)
	wantKeys(t, s, envAKID, envSecret, "", "environment keys")
	if exp, err := s.Expiration(); err != nil || !exp.IsZero() {
		t.Fatalf("Expiration: %v %v, want none", exp, err)
	}
	if c.LastError() != "" {
		t.Fatalf("LastError after a success: %q", c.LastError())
	}
	sb.set("AWS_SESSION_TOKEN", envToken)
	wantKeys(t, chainSigner(t, c, nil), envAKID, envSecret, envToken, "environment keys and token")

	if _, err := c.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "Config.Provider") {
		t.Fatalf("Retrieve: %v", err)
	}
}

// 2. A profile of the shared credentials file: default, AWS_PROFILE, the
// Profile option (which skips the environment variables).
func TestChainProfile(t *testing.T) {
	sb := newChainSandbox(t)
	sb.write("credentials", "[default]\naws_access_key_id = "+fileAKID+"\naws_secret_access_key = "+fileSecret+
		"\n\n[dev]\naws_access_key_id = "+devAKID+"\naws_secret_access_key = "+devSecret+"\n")
	c := newTestChain(t, ChainOptions{})
	wantKeys(t, chainSigner(t, c, nil), fileAKID, fileSecret, "", "default profile")
	sb.set("AWS_PROFILE", "dev")
	wantKeys(t, chainSigner(t, c, nil), devAKID, devSecret, "", "AWS_PROFILE=dev")

	sb.unset("AWS_PROFILE")
	sb.set("AWS_ACCESS_KEY_ID", envAKID)
	sb.set("AWS_SECRET_ACCESS_KEY", envSecret)
	wantKeys(t, chainSigner(t, newTestChain(t, ChainOptions{Profile: "dev"}), nil), devAKID, devSecret, "", "Profile dev")
	wantKeys(t, chainSigner(t, c, nil), envAKID, envSecret, "", "no profile: the variables first")

	nosuch := newTestChain(t, ChainOptions{Profile: "nosuch"})
	err := signErr(t, chainSigner(t, nosuch, nil))
	if !errors.Is(err, ErrMissingCredentials) || !errors.Is(err, ErrCredentialsConfig) || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Fatalf("missing profile: %v", err)
	}
	for _, bad := range []ChainOptions{{Profile: "a\nb"}, {Region: "us east"}} {
		if c, err := NewDefaultChain(bad); c != nil || !(errors.Is(err, ErrInvalidArgument) || errors.Is(err, ErrInvalidRegion)) {
			t.Errorf("NewDefaultChain(%+v): %v", bad, err)
		}
	}
}

// 3. credential_process: the signer's expiration is the process's; a
// process that fails is named in the signing error, without what it printed.
func TestChainCredentialProcess(t *testing.T) {
	sb := newChainSandbox(t)
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	ok := sb.script("creds.sh", fmt.Sprintf(`echo run >> '%s'
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "%s"}\n'
`, sb.path("runs"), roleAKID, roleSecret, roleToken, exp.UTC().Format(time.RFC3339)))
	fail := sb.script("fail.sh", `printf '{"Version": 1, "AccessKeyId": "AKIDLEAK", "SecretAccessKey": "LEAKEDSECRET1"}'
echo 'oops LEAKEDSECRET2' >&2
exit 1
`)
	sb.write("config", "[default]\ncredential_process = "+ok+"\n\n[profile broken]\ncredential_process = "+fail+"\n")
	c := newTestChain(t, ChainOptions{ProcessTimeout: 10 * time.Second})
	s := chainSigner(t, c, nil)
	wantKeys(t, s, roleAKID, roleSecret, roleToken, "credential_process")
	if got, err := s.Expiration(); err != nil || !got.Equal(exp) {
		t.Fatalf("Expiration %v (%v), want the process's %v", got, err, exp)
	}
	wantKeys(t, s, roleAKID, roleSecret, roleToken, "again")
	if runs, _ := os.ReadFile(sb.path("runs")); strings.Count(string(runs), "run") != 1 {
		t.Fatalf("credential_process ran %d times for two signatures", strings.Count(string(runs), "run"))
	}

	broken := newTestChain(t, ChainOptions{Profile: "broken"})
	bs := chainSigner(t, broken, nil)
	err := signErr(t, bs)
	var ce *ChainError
	if !errors.Is(err, ErrMissingCredentials) || !errors.Is(err, ErrCredentialsFetchFailed) || !errors.As(err, &ce) {
		t.Fatalf("failing process: %v", err)
	}
	for _, want := range []string{"Process: Fetch: ", `"broken"`, "exit status: 1"} {
		if !strings.Contains(err.Error(), want) || !strings.Contains(ce.Detail, want) {
			t.Errorf("failing process: %q not in %q", want, err)
		}
	}
	if ce.Detail != broken.LastError() || ce.Err != nil {
		t.Errorf("Detail %q, LastError %q, Err %v", ce.Detail, broken.LastError(), ce.Err)
	}
	_, expErr := bs.Expiration()
	noSecrets(t, "failing process", err.Error(), fmt.Sprintf("%+v", err), broken.LastError(), expErr.Error())
	t.Logf("%v", err)
}

// 4a. Web identity: AssumeRoleWithWebIdentity through net/http to the
// fake STS, which checks the form; the signer then signs with the role.
func TestChainWebIdentity(t *testing.T) {
	sb := newChainSandbox(t)
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	sts := newFakeSTS(t, "AssumeRoleWithWebIdentity", exp, func(r *http.Request, body []byte) []string {
		p := formProblems(body, map[string]string{"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
			"RoleArn": roleARN, "RoleSessionName": "go-chain", "WebIdentityToken": webToken})
		if r.Header.Get("Authorization") != "" {
			p = append(p, "AssumeRoleWithWebIdentity is signed")
		}
		return p
	})
	sb.set("AWS_WEB_IDENTITY_TOKEN_FILE", sb.write("token", webToken))
	sb.set("AWS_ROLE_ARN", roleARN)
	sb.set("AWS_ROLE_SESSION_NAME", "go-chain")
	sb.set("AWS_ENDPOINT_URL_STS", sts.URL)
	c := newTestChain(t, ChainOptions{})
	s := chainSigner(t, c, nil)
	wantKeys(t, s, roleAKID, roleSecret, roleToken, "web identity")
	wantKeys(t, s, roleAKID, roleSecret, roleToken, "web identity, again")
	if got, err := s.Expiration(); err != nil || !got.Equal(exp) {
		t.Fatalf("Expiration %v (%v), want STS's %v", got, err, exp)
	}
	if n := sts.calls.Load(); n != 1 {
		t.Fatalf("%d STS calls for two signatures", n)
	}
}

// 4b. role_arn + source_profile: AssumeRole signed with the source keys;
// the fake STS recomputes the signature (crypto/hmac, over the canonical
// request of what it received).
func TestChainAssumeRole(t *testing.T) {
	sb := newChainSandbox(t)
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	sts := newFakeSTS(t, "AssumeRole", exp, func(r *http.Request, body []byte) []string {
		p := formProblems(body, map[string]string{"Action": "AssumeRole", "Version": "2011-06-15",
			"RoleArn": roleARN, "RoleSessionName": "go-chain"})
		return append(p, verifyAssumeRole(r, body, srcAKID, srcSecret)...)
	})
	sb.write("credentials", "[base]\naws_access_key_id = "+srcAKID+"\naws_secret_access_key = "+srcSecret+"\n")
	sb.write("config", "[profile role]\nrole_arn = "+roleARN+"\nsource_profile = base\nrole_session_name = go-chain\n")
	sb.set("AWS_ENDPOINT_URL_STS", sts.URL)
	c := newTestChain(t, ChainOptions{Profile: "role"})
	s := chainSigner(t, c, nil)
	wantKeys(t, s, roleAKID, roleSecret, roleToken, "assumed role")
	if got, err := s.Expiration(); err != nil || !got.Equal(exp) {
		t.Fatalf("Expiration %v (%v), want STS's %v", got, err, exp)
	}
	if n := sts.calls.Load(); n != 1 {
		t.Fatalf("%d STS calls", n)
	}
}

// verifyAssumeRole recomputes the Authorization of a received AssumeRole
// from the SigV4 steps: the canonical request of the headers it names, as
// received, and the body.
func verifyAssumeRole(r *http.Request, body []byte, akid, secret string) []string {
	auth := r.Header.Get("Authorization")
	date := r.Header.Get("X-Amz-Date")
	at, err := time.Parse("20060102T150405Z", date)
	if err != nil {
		return []string{"X-Amz-Date " + date}
	}
	const signed = "content-type;host;x-amz-date"
	creq := "POST\n/\n\ncontent-type:" + r.Header.Get("Content-Type") + "\nhost:" + r.Host + "\nx-amz-date:" + date +
		"\n\n" + signed + "\n" + sha256Hex(body)
	want := "AWS4-HMAC-SHA256 Credential=" + akid + "/" + date[:8] + "/us-east-1/sts/aws4_request, SignedHeaders=" +
		signed + ", Signature=" + specSignature(secret, at, "us-east-1", "sts", creq)
	if auth != want {
		return []string{fmt.Sprintf("Authorization\n got  %s\n want %s", auth, want)}
	}
	return nil
}

// panicTransport fails every exchange with a panic.
type panicTransport struct{ calls atomic.Int32 }

func (p *panicTransport) RoundTrip(*http.Request) (*http.Response, error) {
	p.calls.Add(1)
	panic("transport exploded")
}

// quietTLSServer is an httptest TLS server that does not log handshake
// failures.
func quietTLSServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}

// The default STS client verifies certificates, follows no redirect (the
// signed request stays where the library sent it) and adds no header but
// Host and Content-Length (the fake STS of the tests above checks that).
func TestChainDefaultClient(t *testing.T) {
	var calls atomic.Int32
	srv := quietTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	client := defaultSTSClient()
	_, err := client.Post(srv.URL, stsForm, strings.NewReader("Action=AssumeRole"))
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) || calls.Load() != 0 {
		t.Fatalf("a self-signed certificate: %v, %d requests served", err, calls.Load())
	}
	// The same settings, trusting the test certificate.
	trusting := *client
	tr := client.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	trusting.Transport = tr
	resp, err := trusting.Post(srv.URL, stsForm, strings.NewReader("Action=AssumeRole"))
	if err != nil || resp.StatusCode != http.StatusTemporaryRedirect || calls.Load() != 1 {
		t.Fatalf("a redirect: %v %v, %d requests served", resp, err, calls.Load())
	}
	resp.Body.Close()
	if !tr.DisableCompression || tr.Proxy == nil || client != defaultSTSClient() {
		t.Fatal("settings")
	}
}

// countingTransport counts the exchanges it passes on.
type countingTransport struct {
	base  http.RoundTripper
	calls atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.base.RoundTrip(r)
}

// 5. Failed exchanges: STS (over HTTPS) answers 500, the client's
// transport panics, the server never answers (the signer's
// ProviderTimeout bounds the exchanges). Each fails within a bounded time with the library's
// fetch-failed reason, after its 2 attempts (AWS_MAX_ATTEMPTS), and no
// secret. They run at once.
func TestChainTransportFailures(t *testing.T) {
	sb := newChainSandbox(t)
	var errorCalls atomic.Int32
	down := quietTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errorCalls.Add(1)
		w.WriteHeader(500)
	}))
	defer down.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held struct {
		sync.Mutex
		conns  []net.Conn
		closed bool
	}
	defer func() {
		silent.Close()
		held.Lock()
		held.closed = true
		for _, c := range held.conns {
			c.Close()
		}
		held.Unlock()
	}()
	go func() { // accepts, never answers
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			held.Lock()
			if held.closed {
				conn.Close()
			}
			held.conns = append(held.conns, conn)
			held.Unlock()
		}
	}()
	sb.set("AWS_WEB_IDENTITY_TOKEN_FILE", sb.write("token", webToken))
	sb.set("AWS_ROLE_ARN", roleARN)
	sb.set("AWS_ENDPOINT_URL_STS", down.URL)
	// Two attempts (botocore's setting, honoured by the library): a retry
	// is still made, with a pause of at most 1 s.
	sb.set("AWS_MAX_ATTEMPTS", "2")

	panics := &panicTransport{}
	toSilent := &countingTransport{base: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", silent.Addr().String())
	}}}
	const providerTimeout = 400 * time.Millisecond
	cases := []struct {
		name    string
		opts    ChainOptions
		timeout time.Duration
		calls   func() int32
		check   func(ce *ChainError) bool
	}{
		{"HTTP 500", ChainOptions{HTTPClient: down.Client()}, 0, errorCalls.Load,
			func(ce *ChainError) bool { return strings.Contains(ce.Detail, "HTTP 500") && ce.Err == nil }},
		{"panicking transport", ChainOptions{HTTPClient: &http.Client{Transport: panics}}, 0, panics.calls.Load,
			func(ce *ChainError) bool {
				var pe *PanicError
				return strings.Contains(ce.Detail, "transport") && errors.As(ce, &pe) && pe.Value == "transport exploded"
			}},
		{"no answer", ChainOptions{HTTPClient: &http.Client{Transport: toSilent}}, providerTimeout, toSilent.calls.Load,
			func(ce *ChainError) bool {
				return strings.Contains(ce.Detail, "transport") && errors.Is(ce, context.DeadlineExceeded)
			}},
	}
	type result struct {
		err     error
		elapsed time.Duration
	}
	results := make([]result, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		s := chainSigner(t, newTestChain(t, tc.opts), func(c *Config) { c.ProviderTimeout = tc.timeout })
		req := mustRequest(t, "GET", vanillaURL)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			err := s.Sign(req, nil)
			results[i] = result{err, time.Since(start)}
		}(i)
	}
	wg.Wait()
	for i, tc := range cases {
		err, elapsed := results[i].err, results[i].elapsed
		var ce *ChainError
		if !errors.Is(err, ErrMissingCredentials) || !errors.Is(err, ErrCredentialsFetchFailed) || !errors.As(err, &ce) ||
			!strings.HasPrefix(ce.Detail, "WebIdentity: Fetch: ") || !tc.check(ce) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		// 2 attempts, a pause of at most 1 s, each exchange within the
		// provider timeout (30 s by default, but these fail at once).
		if elapsed > 5*time.Second || (tc.timeout > 0 && elapsed < tc.timeout) {
			t.Errorf("%s: failed after %v", tc.name, elapsed)
		}
		if n := tc.calls(); n != 2 {
			t.Errorf("%s: %d attempts, want 2 (AWS_MAX_ATTEMPTS)", tc.name, n)
		}
		noSecrets(t, tc.name, err.Error())
		t.Logf("%s, after %v: %v", tc.name, elapsed.Round(time.Millisecond), err)
	}
}

// 6. No credentials anywhere: ErrMissingCredentials, caused by the
// chain's not found.
func TestChainNotFound(t *testing.T) {
	newChainSandbox(t)
	c := newTestChain(t, ChainOptions{})
	s := chainSigner(t, c, nil)
	err := signErr(t, s)
	var ce *ChainError
	if !errors.Is(err, ErrMissingCredentials) || !errors.Is(err, ErrCredentialsNotFound) || !errors.As(err, &ce) ||
		!strings.Contains(err.Error(), "NotFound") || ce.Detail != c.LastError() {
		t.Fatalf("no credentials: %v", err)
	}
	if _, err := s.Expiration(); !errors.Is(err, ErrMissingCredentials) || !errors.Is(err, ErrCredentialsNotFound) {
		t.Fatalf("Expiration: %v", err)
	}
}

// One chain, many signers: their resolves take turns (8 signers signing
// at once, under the race detector), and a signer whose ProviderTimeout
// passes while another's resolve runs gives up with ErrBusy.
func TestChainSharedBySigners(t *testing.T) {
	sb := newChainSandbox(t)
	sb.set("AWS_ACCESS_KEY_ID", envAKID)
	sb.set("AWS_SECRET_ACCESS_KEY", envSecret)
	c := newTestChain(t, ChainOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		s, req := chainSigner(t, c, nil), mustRequest(t, "GET", vanillaURL)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Sign(req, nil)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	slow := sb.script("slow.sh", `sleep 1
printf '{"Version": 1, "AccessKeyId": "`+devAKID+`", "SecretAccessKey": "`+devSecret+`"}\n'
`)
	sb.write("config", "[profile slow]\ncredential_process = "+slow+"\n")
	sc := newTestChain(t, ChainOptions{Profile: "slow"})
	first := chainSigner(t, sc, nil)
	impatient := chainSigner(t, sc, func(cfg *Config) { cfg.ProviderTimeout = 100 * time.Millisecond })
	done, req := make(chan error), mustRequest(t, "GET", vanillaURL)
	go func() { done <- first.Sign(req, nil) }()
	time.Sleep(200 * time.Millisecond) // first's resolve is running
	start := time.Now()
	err := signErr(t, impatient)
	elapsed := time.Since(start)
	var ce *ChainError
	if !errors.Is(err, ErrMissingCredentials) || !errors.Is(err, ErrBusy) || !errors.As(err, &ce) ||
		!errors.Is(err, context.DeadlineExceeded) || elapsed > 700*time.Millisecond {
		t.Errorf("while another signer resolves, after %v: %v", elapsed, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantKeys(t, first, devAKID, devSecret, "", "slow process")
}

func handleValid(h uintptr) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = cgo.Handle(h).Value()
	return h != 0
}

// 7. The library's chain is freed after the last signer using it,
// whichever is closed first, or by the finalizers.
func TestChainLifetime(t *testing.T) {
	sb := newChainSandbox(t)
	sb.set("AWS_ACCESS_KEY_ID", envAKID)
	sb.set("AWS_SECRET_ACCESS_KEY", envSecret)
	newSigner := func(c *Chain) (*Signer, error) {
		return NewSigner(Config{Region: "us-east-1", Service: "service", Now: testConfig().Now, Provider: c})
	}

	// The chain closed first: its signers go on; the last one frees it.
	c, _ := NewDefaultChain(ChainOptions{})
	h := c.handle
	s1, _ := newSigner(c)
	s2, _ := newSigner(c)
	c.Close()
	c.Close()
	if c.p == nil || !handleValid(h) {
		t.Fatal("freed while signers use it")
	}
	if _, err := newSigner(c); !errors.Is(err, ErrClosed) {
		t.Fatalf("NewSigner with a closed chain: %v", err)
	}
	wantKeys(t, s1, envAKID, envSecret, "", "chain closed, signer 1")
	s1.Close()
	wantKeys(t, s2, envAKID, envSecret, "", "chain closed, signer 2")
	if c.p == nil {
		t.Fatal("freed while signer 2 uses it")
	}
	s2.Close()
	s2.Close()
	if c.p != nil || handleValid(h) || c.LastError() != "" {
		t.Fatal("not freed after its last signer")
	}

	// Signer first.
	c, _ = NewDefaultChain(ChainOptions{})
	h = c.handle
	s, _ := newSigner(c)
	wantKeys(t, s, envAKID, envSecret, "", "signer then chain")
	s.Close()
	if c.p == nil {
		t.Fatal("freed with its signer, before Close")
	}
	c.Close()
	if c.p != nil || handleValid(h) {
		t.Fatal("Close did not free an unused chain")
	}
	var nilChain *Chain
	if _, err := newSigner(nilChain); !errors.Is(err, ErrNullArgument) {
		t.Fatalf("nil chain: %v", err)
	}
	if nilChain.Close() != nil || nilChain.LastError() != "" {
		t.Fatal("nil chain")
	}

	// Neither closed: the finalizers free signers and chains, in order.
	var chains, signers []uintptr
	for i := 0; i < 10; i++ {
		c, _ := NewDefaultChain(ChainOptions{})
		s, err := newSigner(c)
		if err != nil {
			t.Fatal(err)
		}
		wantKeys(t, s, envAKID, envSecret, "", "dropped")
		chains, signers = append(chains, c.handle), append(signers, s.handle)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		left := 0
		for _, h := range append(append([]uintptr{}, chains...), signers...) {
			if handleValid(h) {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d handles of dropped chains and signers still valid", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
