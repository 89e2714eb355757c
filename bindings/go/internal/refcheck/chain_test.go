package refcheck

// The default credential chain (sigv4rs.Chain) checked against
// aws-sdk-go-v2: a role_arn + source_profile profile sends AssumeRole
// through net/http to a fake STS on loopback, which verifies the request's
// Authorization by signing the same request with the SDK and the source
// profile's keys; the signer then signs (header and presign) as the SDK
// does with the assumed role's credentials. Keys from the environment
// variables likewise. The environment is isolated per test.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

var (
	chainSource = aws.Credentials{AccessKeyID: "AKIDSOURCEEXAMPLE", SecretAccessKey: "sourceSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	// The AssumeRole example of the STS API reference.
	chainRole = aws.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
		SessionToken: "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="}
)

const chainRoleARN = "arn:aws:iam::123456789012:role/demo"

// isolateEnv gives the test a temporary HOME with the shared files' paths
// in it, IMDS disabled and no other AWS_* variable; restored at the end.
func isolateEnv(t *testing.T) (dir string, set func(k, v string)) {
	dir = t.TempDir()
	saved := map[string]*string{}
	keep := func(k string) {
		if _, ok := saved[k]; !ok {
			if v, ok := os.LookupEnv(k); ok {
				saved[k] = &v
			} else {
				saved[k] = nil
			}
		}
	}
	t.Cleanup(func() {
		for k, v := range saved {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	})
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			keep(k)
			os.Unsetenv(k)
		}
	}
	set = func(k, v string) {
		keep(k)
		os.Setenv(k, v)
	}
	set("HOME", dir)
	set("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	set("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	set("AWS_EC2_METADATA_DISABLED", "true")
	return dir, set
}

// chainS3Signer is an S3 signer at benchTime whose Provider is a new
// default chain with opts.
func chainS3Signer(t *testing.T, opts sigv4rs.ChainOptions) *sigv4rs.Signer {
	c, err := sigv4rs.NewDefaultChain(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := sigv4rs.NewSigner(sigv4rs.Config{Region: "us-east-1", Service: "s3", S3: true, Provider: c,
		Now: func() time.Time { return benchTime }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sdkAssumeRoleAuthorization is the Authorization aws-sdk-go-v2 gives the
// AssumeRole request r (body, Content-Type, host, X-Amz-Date as received)
// signed with creds.
func sdkAssumeRoleAuthorization(r *http.Request, body []byte, creds aws.Credentials) (string, error) {
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "", err
	}
	req, err := http.NewRequest("POST", "http://"+r.Host+"/", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	// The SDK signs Content-Length when it is set; STS requests (botocore's,
	// the library's) do not.
	req.ContentLength = 0
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", at)
	return req.Header.Get("Authorization"), err
}

func TestChainAssumeRoleMatchesSDK(t *testing.T) {
	dir, set := isolateEnv(t)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	var calls atomic.Int32
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		want, err := sdkAssumeRoleAuthorization(r, body, chainSource)
		if got := r.Header.Get("Authorization"); err != nil || got != want {
			t.Errorf("fake STS: Authorization\n got %s\n sdk %s (%v)", got, want, err)
			w.WriteHeader(403)
			return
		}
		if form.Get("Action") != "AssumeRole" || form.Get("RoleArn") != chainRoleARN || form.Get("RoleSessionName") != "refcheck" {
			t.Errorf("fake STS: form %v", form)
			w.WriteHeader(400)
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>
<Expiration>%s</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
			chainRole.AccessKeyID, chainRole.SecretAccessKey, chainRole.SessionToken, exp.Format(time.RFC3339))
	}))
	defer sts.Close()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("credentials", "[base]\naws_access_key_id = "+chainSource.AccessKeyID+"\naws_secret_access_key = "+chainSource.SecretAccessKey+"\n")
	write("config", "[profile role]\nrole_arn = "+chainRoleARN+"\nsource_profile = base\nrole_session_name = refcheck\n")
	set("AWS_ENDPOINT_URL_STS", sts.URL)

	s := chainS3Signer(t, sigv4rs.ChainOptions{Profile: "role"})
	checkAgainst(t, s, sdkReference(t, chainRole, benchTime), "assumed role")
	if got, err := s.Expiration(); err != nil || !got.Equal(exp) {
		t.Fatalf("Expiration %v (%v), want %v", got, err, exp)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d STS calls", n)
	}

	// The environment variables, with a token.
	env := aws.Credentials{AccessKeyID: "AKIDENVEXAMPLE", SecretAccessKey: "envSecret/K7MDENG+bPxRfiCYEXAMPLEKEY",
		SessionToken: "envToken//FwoGZXIvYXdzEXAMPLE="}
	set("AWS_ACCESS_KEY_ID", env.AccessKeyID)
	set("AWS_SECRET_ACCESS_KEY", env.SecretAccessKey)
	set("AWS_SESSION_TOKEN", env.SessionToken)
	checkAgainst(t, chainS3Signer(t, sigv4rs.ChainOptions{}), sdkReference(t, env, benchTime), "environment")
	fmt.Printf("go credential chain vs aws-sdk-go-v2 %s: AssumeRole request verified by the SDK with the source keys; "+
		"assumed-role and environment credentials sign (header and presign) as the SDK\n", aws.SDKVersion)
}
