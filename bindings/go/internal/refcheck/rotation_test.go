package refcheck

// Credentials that change under a signer, checked against aws-sdk-go-v2:
// after each Rotate and each provider refresh the signatures (header and
// presign) are the SDK's for the new credentials; and 8 goroutines signing
// while another rotates every millisecond each get one of the sets' SDK
// signatures, whole (the Authorization and the X-Amz-Security-Token of one
// set), under the race detector.

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

// The W1 set and three others (one without a session token).
var rotSets = []aws.Credentials{
	benchCreds,
	{AccessKeyID: "ASIAROTATEDONE", SecretAccessKey: "rotated/secret/one+AAAAAAAAAAAAAAAAAAAAA", SessionToken: "FwoGZXIvYXdzEONE//token+one="},
	{AccessKeyID: "ASIAROTATEDTWO", SecretAccessKey: "rotated/secret/two+BBBBBBBBBBBBBBBBBBBBB", SessionToken: "FwoGZXIvYXdzETWO//token+two=="},
	{AccessKeyID: "AKIAROTATEDTHREE", SecretAccessKey: "rotated/secret/three+CCCCCCCCCCCCCCCCCCC"},
}

func ours(c aws.Credentials) sigv4rs.Credentials {
	return sigv4rs.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

func newW1(t testing.TB) *http.Request {
	req, err := http.NewRequest("GET", w1URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Range", "bytes=0-9")
	return req
}

// sdkRef is what aws-sdk-go-v2 signs with c at at: W1's Authorization
// and token header, and W3's presigned signature.
type sdkRef struct {
	auth, token, presign string
}

func sdkReference(t testing.TB, c aws.Credentials, at time.Time) sdkRef {
	req := newW1(t)
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, emptySHA256, "s3", "us-east-1", at, s3Opts); err != nil {
		t.Fatal(err)
	}
	pre, _ := http.NewRequest("GET", w3URL+"?X-Amz-Expires="+strconv.Itoa(3600), nil)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, pre, "UNSIGNED-PAYLOAD", "s3", "us-east-1", at, s3Opts)
	if err != nil {
		t.Fatal(err)
	}
	q, err := presignedParams(u)
	if err != nil {
		t.Fatal(err)
	}
	return sdkRef{auth: req.Header.Get("Authorization"), token: req.Header.Get("X-Amz-Security-Token"), presign: q.Get("X-Amz-Signature")}
}

// checkAgainst signs W1 and presigns W3 with s and compares with ref.
func checkAgainst(t *testing.T, s *sigv4rs.Signer, ref sdkRef, what string) {
	t.Helper()
	req := newW1(t)
	if err := s.Sign(req, nil); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := req.Header.Get("Authorization"); got != ref.auth || req.Header.Get("X-Amz-Security-Token") != ref.token {
		t.Fatalf("%s: header signing differs from aws-sdk-go-v2:\n ours %s (token %q)\n sdk  %s (token %q)",
			what, got, req.Header.Get("X-Amz-Security-Token"), ref.auth, ref.token)
	}
	pre, _ := http.NewRequest("GET", w3URL, nil)
	u, err := s.Presign(pre, time.Hour)
	if err != nil {
		t.Fatalf("%s: presign: %v", what, err)
	}
	q, err := presignedParams(u)
	if err != nil || q.Get("X-Amz-Signature") != ref.presign {
		t.Fatalf("%s: presigned signature %s (%v), aws-sdk-go-v2 %s", what, q.Get("X-Amz-Signature"), err, ref.presign)
	}
}

// Rotate, then a Provider's refreshes: every signature is the SDK's for
// the credentials in force.
func TestRotationMatchesSDK(t *testing.T) {
	at := benchTime
	refs := make([]sdkRef, len(rotSets))
	for i, c := range rotSets {
		refs[i] = sdkReference(t, c, at)
	}
	s, err := sigv4rs.NewSigner(sigv4rs.Config{
		AccessKeyID: benchAKID, SecretAccessKey: benchSecret, SessionToken: benchToken,
		Region: "us-east-1", Service: "s3", S3: true, Now: func() time.Time { return at },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkAgainst(t, s, refs[0], "before rotating")
	rotations := 0
	for _, i := range []int{1, 2, 3, 0, 3, 1, 2} {
		if err := s.Rotate(ours(rotSets[i])); err != nil {
			t.Fatal(err)
		}
		rotations++
		checkAgainst(t, s, refs[i], fmt.Sprintf("after Rotate(set %d)", i))
	}

	// A provider: the signer starts without credentials; each refresh
	// (inside the margin) brings the next set. The day changes too, so
	// references are per time.
	var now atomic.Int64
	now.Store(at.Unix())
	var calls atomic.Int32
	const life = 3600
	p := sigv4rs.CredentialsProviderFunc(func(ctx context.Context) (sigv4rs.Credentials, error) {
		n := calls.Add(1)
		c := ours(rotSets[int(n)%len(rotSets)])
		c.Expires = time.Unix(now.Load()+life, 0)
		return c, nil
	})
	ps, err := sigv4rs.NewSigner(sigv4rs.Config{Region: "us-east-1", Service: "s3", S3: true, Provider: p,
		Now: func() time.Time { return time.Unix(now.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	refreshes := 0
	for step := 0; step < 8; step++ {
		if step > 0 {
			// Into the margin of the current set: the next is fetched.
			now.Add(life - int64(sigv4rs.DefaultProviderMargin/time.Second))
		}
		tm := time.Unix(now.Load(), 0).UTC()
		n := int(calls.Load())
		ref := sdkReference(t, rotSets[(n+1)%len(rotSets)], tm)
		checkAgainst(t, ps, ref, fmt.Sprintf("provider refresh %d at %s", step, tm.Format(time.RFC3339)))
		if got := int(calls.Load()); got != n+1 {
			t.Fatalf("refresh %d: %d provider calls, want %d", step, got, n+1)
		}
		refreshes++
	}
	fmt.Printf("go credentials vs aws-sdk-go-v2 %s: %d rotations and %d provider refreshes, header and presign signatures identical\n",
		aws.SDKVersion, rotations, refreshes)
}

// 8 goroutines sign W1 while another rotates every millisecond: each
// result is exactly one set's SDK signature and token.
func TestRotateWhileSigningMatchesSDK(t *testing.T) {
	at := benchTime
	bySig := map[string]int{}
	for i, c := range rotSets {
		ref := sdkReference(t, c, at)
		bySig[ref.auth] = i
	}
	s, err := sigv4rs.NewSigner(sigv4rs.Config{
		AccessKeyID: benchAKID, SecretAccessKey: benchSecret, SessionToken: benchToken,
		Region: "us-east-1", Service: "s3", S3: true, Now: func() time.Time { return at },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// 200 rotations, one per millisecond at most (fewer on a loaded
	// machine: the ticker drops ticks the rotator misses).
	const goroutines, wantRotations = 8, 200
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen [4]atomic.Int64
	var signatures atomic.Int64
	errs := make(chan error, goroutines+1)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req := newW1(t)
				if err := s.Sign(req, nil); err != nil {
					errs <- err
					return
				}
				auth := req.Header.Get("Authorization")
				i, ok := bySig[auth]
				if !ok {
					errs <- fmt.Errorf("signature of no set: %s", auth)
					return
				}
				if tok := req.Header.Get("X-Amz-Security-Token"); tok != rotSets[i].SessionToken {
					errs <- fmt.Errorf("set %d's signature with token %q", i, tok)
					return
				}
				seen[i].Add(1)
				signatures.Add(1)
			}
		}()
	}
	rotations := 0
	tick := time.NewTicker(time.Millisecond)
	deadline := time.After(30 * time.Second)
rotate:
	for rotations < wantRotations {
		select {
		case <-deadline:
			break rotate
		case <-tick.C:
			rotations++
			if err := s.Rotate(ours(rotSets[rotations%len(rotSets)])); err != nil {
				errs <- fmt.Errorf("rotation %d: %v", rotations, err)
				break rotate
			}
		}
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var per []string
	sets := 0
	for i := range seen {
		n := seen[i].Load()
		per = append(per, strconv.FormatInt(n, 10))
		if n > 0 {
			sets++
		}
	}
	if rotations != wantRotations || sets != len(rotSets) {
		t.Errorf("%d rotations, %d sets seen (%s): the signers did not overlap the rotations", rotations, sets, strings.Join(per, "/"))
	}
	fmt.Printf("go rotation under load: %d signatures by %d goroutines during %d rotations (every ms), each one set's aws-sdk-go-v2 signature and token (per set %s)\n",
		signatures.Load(), goroutines, rotations, strings.Join(per, "/"))
}

// sdkProvider is the README's adapter: an aws-sdk-go-v2 provider as a
// sigv4rs CredentialsProvider (no aws.CredentialsCache needed: the
// signer keeps the credentials and asks again before they expire).
type sdkProvider struct{ aws.CredentialsProvider }

func (p sdkProvider) Retrieve(ctx context.Context) (sigv4rs.Credentials, error) {
	c, err := p.CredentialsProvider.Retrieve(ctx)
	return sigv4rs.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expires: c.Expires}, err
}

func TestSDKProviderAdapter(t *testing.T) {
	at := benchTime
	var calls atomic.Int32
	src := aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		calls.Add(1)
		c := rotSets[2]
		c.CanExpire, c.Expires = true, at.Add(time.Hour)
		return c, nil
	})
	s, err := sigv4rs.NewSigner(sigv4rs.Config{Region: "us-east-1", Service: "s3", S3: true,
		Provider: sdkProvider{src}, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ref := sdkReference(t, rotSets[2], at)
	for i := 0; i < 3; i++ {
		checkAgainst(t, s, ref, "through the adapter")
	}
	if exp, err := s.Expiration(); err != nil || !exp.Equal(at.Add(time.Hour)) || calls.Load() != 1 {
		t.Fatalf("Expiration %v %v, %d calls", exp, err, calls.Load())
	}
}
