package sigv4rs

// Credentials that change under a signer: Rotate, Expiration, Config's
// Expiration and Provider. Signatures are checked against the official
// suite's get-vanilla (its documented signature for its keys) and, for
// other keys, against specSignature (crypto/hmac) over the suite's
// canonical request; the signing time is fixed through Config.Now
// (testClock). The same checks against aws-sdk-go-v2, and signing while
// another goroutine rotates, are in internal/refcheck/rotation_test.go.
//
// Providers here never call t.Fatal (runtime.Goexit must not run inside
// the library's callback): they report through their results.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// get-vanilla of the official suite (tests/data/suite-v4-vectors.txt).
const (
	vanillaSignature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	vanillaURL       = "https://example.amazonaws.com/"
)

// vanillaCanonical is get-vanilla's canonical request at t (the suite's
// header_creq at its own time).
func vanillaCanonical(t time.Time) string {
	return "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:" + t.UTC().Format("20060102T150405Z") +
		"\n\nhost;x-amz-date\n" + emptySHA256
}

// T0 is the suite's signing time.
var T0 = fixed

// Credential sets: the suite's, and others (tokens are attached unsigned,
// Config.UnsignedSessionToken, so the canonical request stays the suite's).
var (
	suiteCreds = Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: testSecret}
	credSets   = []Credentials{
		suiteCreds,
		{AccessKeyID: "ASIAROTATED1", SecretAccessKey: "rotated/secret/one+AAAAAAAAAAAAAAAAAAAAA", SessionToken: "token-one"},
		{AccessKeyID: "ASIAROTATED2", SecretAccessKey: "rotated/secret/two+BBBBBBBBBBBBBBBBBBBBB", SessionToken: "token-two"},
		{AccessKeyID: "AKIAROTATED3", SecretAccessKey: "rotated/secret/three+CCCCCCCCCCCCCCCCCCC"},
	}
)

// testClock is a Config.Now the test moves.
type testClock struct{ unix atomic.Int64 }

func newClock(t time.Time) *testClock {
	c := &testClock{}
	c.set(t)
	return c
}

func (c *testClock) Now() time.Time  { return time.Unix(c.unix.Load(), 0).UTC() }
func (c *testClock) set(t time.Time) { c.unix.Store(t.Unix()) }
func (c *testClock) at(secs int64)   { c.unix.Store(T0.Unix() + secs) }
func (c *testClock) config() func(*Config) {
	return func(cfg *Config) {
		cfg.Now = c.Now
		cfg.UnsignedSessionToken = true
	}
}

// emptyKeys: a signer that starts without credentials.
func emptyKeys(cfg *Config) {
	cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken = "", "", ""
}

// signVanilla signs get-vanilla and returns which set of credSets signed
// it, after checking the signature (and token) against that set's
// reference at the signer's time.
func signVanilla(s *Signer, now time.Time) (int, error) {
	req, err := http.NewRequest("GET", vanillaURL, nil)
	if err != nil {
		return -1, err
	}
	if err := s.Sign(req, nil); err != nil {
		return -1, err
	}
	return whichSet(req.Header, now)
}

func whichSet(h http.Header, now time.Time) (int, error) {
	auth := h.Get("Authorization")
	akid, _, _ := strings.Cut(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 Credential="), "/")
	for i, c := range credSets {
		if c.AccessKeyID != akid {
			continue
		}
		want := specSignature(c.SecretAccessKey, now, "us-east-1", "service", vanillaCanonical(now))
		if got := authSignature(auth); got != want {
			return -1, fmt.Errorf("set %d (%s): signature %s, want %s", i, akid, got, want)
		}
		if got := h.Get("X-Amz-Security-Token"); got != c.SessionToken {
			return -1, fmt.Errorf("set %d (%s): token %q, want %q", i, akid, got, c.SessionToken)
		}
		return i, nil
	}
	return -1, fmt.Errorf("unknown credentials in %q", auth)
}

func wantSet(t *testing.T, s *Signer, clk *testClock, want int, what string) {
	t.Helper()
	got, err := signVanilla(s, clk.Now())
	if err != nil || got != want {
		t.Fatalf("%s: signed with set %d (%v), want set %d", what, got, err, want)
	}
}

// The helpers' reference is the suite's: get-vanilla's documented
// signature for the suite's keys.
func TestVanillaReference(t *testing.T) {
	if got := specSignature(testSecret, T0, "us-east-1", "service", vanillaCanonical(T0)); got != vanillaSignature {
		t.Fatalf("reference %s, suite %s", got, vanillaSignature)
	}
	s := newTestSigner(t, nil)
	req, _ := http.NewRequest("GET", vanillaURL, nil)
	if err := s.Sign(req, nil); err != nil || authSignature(req.Header.Get("Authorization")) != vanillaSignature {
		t.Fatalf("%v %v", err, req.Header)
	}
}

// Rotate replaces the keys: each signature after it is the new set's,
// rotating back gives the suite's signature again; refused credentials
// change nothing.
func TestRotate(t *testing.T) {
	clk := newClock(T0)
	s := newTestSigner(t, clk.config())
	wantSet(t, s, clk, 0, "before any rotation")
	for _, i := range []int{1, 2, 3, 0, 2} {
		if err := s.Rotate(credSets[i]); err != nil {
			t.Fatalf("Rotate(set %d): %v", i, err)
		}
		wantSet(t, s, clk, i, fmt.Sprintf("after Rotate(set %d)", i))
	}
	if err := s.Rotate(suiteCreds); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", vanillaURL, nil)
	if err := s.Sign(req, nil); err != nil || authSignature(req.Header.Get("Authorization")) != vanillaSignature {
		t.Fatalf("back to the suite's keys: %v %v", err, req.Header)
	}

	for _, tc := range []struct {
		c    Credentials
		want error
	}{
		{Credentials{SecretAccessKey: "x"}, ErrInvalidAccessKeyID},
		{Credentials{AccessKeyID: "AKID"}, ErrInvalidSecretKey},
		{Credentials{AccessKeyID: "AKID", SecretAccessKey: "x", SessionToken: "a\nb"}, ErrInvalidSessionToken},
		{Credentials{AccessKeyID: "AKID", SecretAccessKey: "x", Expires: time.Unix(-5, 0)}, ErrInvalidTime},
		{Credentials{AccessKeyID: "AKID", SecretAccessKey: "x", Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, ErrInvalidTime},
	} {
		if err := s.Rotate(tc.c); !errors.Is(err, tc.want) {
			t.Errorf("Rotate(%v): %v, want %v", tc.c, err, tc.want)
		}
	}
	wantSet(t, s, clk, 0, "after refused rotations")

	var nilSigner *Signer
	if err := nilSigner.Rotate(suiteCreds); !errors.Is(err, ErrNullArgument) {
		t.Errorf("nil signer: %v", err)
	}
	s.Close()
	if err := s.Rotate(suiteCreds); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if _, err := s.Expiration(); !errors.Is(err, ErrClosed) {
		t.Errorf("Expiration after Close: %v", err)
	}
}

// Config.Expiration and Credentials.Expires: signing works until the
// instant, fails with ErrCredentialsExpired from it on (nothing wrapped:
// there is no provider), and a rotation brings it back.
func TestExpiry(t *testing.T) {
	clk := newClock(T0)
	exp := T0.Add(100 * time.Second)
	s := newTestSigner(t, func(c *Config) { clk.config()(c); c.Expiration = exp })
	if got, err := s.Expiration(); err != nil || !got.Equal(exp) {
		t.Fatalf("Expiration: %v %v, want %v", got, err, exp)
	}
	clk.at(99)
	wantSet(t, s, clk, 0, "a second before expiry")
	clk.at(100)
	_, err := signVanilla(s, clk.Now())
	var e *Error
	if !errors.Is(err, ErrCredentialsExpired) || !errors.As(err, &e) || e.Err != nil || errors.Unwrap(err) != nil {
		t.Fatalf("at expiry: %v", err)
	}
	if _, err := s.Presign(mustRequest(t, "GET", vanillaURL), time.Hour); !errors.Is(err, ErrCredentialsExpired) {
		t.Fatalf("Presign at expiry: %v", err)
	}
	if _, err := s.NewChunkedEncoder(mustRequest(t, "PUT", vanillaURL), 1, StreamOptions{}); !errors.Is(err, ErrCredentialsExpired) {
		t.Fatalf("NewChunkedEncoder at expiry: %v", err)
	}

	next := credSets[1]
	next.Expires = T0.Add(200*time.Second + 900*time.Millisecond) // whole seconds: 200
	if err := s.Rotate(next); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Expiration(); err != nil || !got.Equal(T0.Add(200*time.Second)) {
		t.Fatalf("Expiration after Rotate: %v %v", got, err)
	}
	wantSet(t, s, clk, 1, "after rotating at expiry")
	clk.at(200)
	if _, err := signVanilla(s, clk.Now()); !errors.Is(err, ErrCredentialsExpired) {
		t.Fatalf("rotated set at its expiry: %v", err)
	}
	if err := s.Rotate(credSets[2]); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Expiration(); err != nil || !got.IsZero() {
		t.Fatalf("Expiration without expiry: %v %v", got, err)
	}
	clk.at(1 << 30)
	wantSet(t, s, clk, 2, "credentials that do not expire")

	for _, bad := range []time.Time{time.Unix(0, 0), time.Unix(-1, 0), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		cfg := testConfig()
		cfg.Expiration = bad
		if s, err := NewSigner(cfg); !errors.Is(err, ErrInvalidTime) || s != nil {
			t.Errorf("Config.Expiration %v: %v", bad, err)
		}
	}

	// No credentials and no provider: Rotate supplies them.
	empty := newTestSigner(t, func(c *Config) { clk.config()(c); emptyKeys(c) })
	if _, err := signVanilla(empty, clk.Now()); !errors.Is(err, ErrMissingCredentials) {
		t.Fatalf("no credentials: %v", err)
	}
	if _, err := empty.Expiration(); !errors.Is(err, ErrMissingCredentials) {
		t.Fatalf("Expiration without credentials: %v", err)
	}
	if err := empty.Rotate(credSets[3]); err != nil {
		t.Fatal(err)
	}
	wantSet(t, empty, clk, 3, "after the first Rotate")
}

// countingProvider hands out credSets[1], [2], [3], [1]... each valid for
// life from the signer's clock, and counts its calls; fail, when set,
// makes it return that error instead (or panic, for panicValue).
type countingProvider struct {
	clk   *testClock
	life  time.Duration
	calls atomic.Int32

	mu         sync.Mutex
	fail       error
	panicValue any
	delay      time.Duration
	creds      *Credentials // returned as is when set
	deadline   atomic.Bool  // ctx had a deadline within the timeout
}

func (p *countingProvider) Retrieve(ctx context.Context) (Credentials, error) {
	n := p.calls.Add(1)
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= DefaultProviderTimeout {
		p.deadline.Store(true)
	}
	p.mu.Lock()
	fail, pv, delay, creds := p.fail, p.panicValue, p.delay, p.creds
	p.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if pv != nil {
		panic(pv)
	}
	if fail != nil {
		return Credentials{}, fail
	}
	if creds != nil {
		return *creds, nil
	}
	c := credSets[1+int(n-1)%3]
	c.Expires = p.clk.Now().Add(p.life)
	return c, nil
}

// wantProviderSet: s signs with what p's last call gave.
func wantProviderSet(t *testing.T, s *Signer, p *countingProvider, what string) {
	t.Helper()
	got, err := signVanilla(s, p.clk.Now())
	n := p.calls.Load()
	if want := 1 + int(n-1)%3; err != nil || got != want {
		t.Fatalf("%s: signed with set %d (%v), want set %d (call %d)", what, got, err, want, n)
	}
}

func (p *countingProvider) set(fail error, pv any) {
	p.mu.Lock()
	p.fail, p.panicValue = fail, pv
	p.mu.Unlock()
}

// fetchError is a provider's own error type, to find with errors.As.
type fetchError struct{ code int }

func (e *fetchError) Error() string { return fmt.Sprintf("fetch failed with %d", e.code) }

func providerSigner(t *testing.T, p *countingProvider, edit func(*Config)) *Signer {
	t.Helper()
	return newTestSigner(t, func(c *Config) {
		p.clk.config()(c)
		emptyKeys(c)
		c.Provider = p
		if edit != nil {
			edit(c)
		}
	})
}

func wantCalls(t *testing.T, p *countingProvider, want int32, what string) {
	t.Helper()
	if got := p.calls.Load(); got != want {
		t.Fatalf("%s: %d provider calls, want %d", what, got, want)
	}
}

// The provider is called once when the signer has none, again once the
// credentials are within the margin of expiry, and not otherwise.
func TestProviderCalledWhenDue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		margin time.Duration
		secs   int64 // the margin the library applies
	}{
		{"default margin", 0, 300},
		{"ten minutes", 10 * time.Minute, 600},
		{"1.5 s rounds up", 1500 * time.Millisecond, 2},
		{"none", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock(T0)
			p := &countingProvider{clk: clk, life: time.Hour}
			s := providerSigner(t, p, func(c *Config) { c.ProviderMargin = tc.margin })
			wantCalls(t, p, 0, "NewSigner")
			if _, err := s.Expiration(); !errors.Is(err, ErrMissingCredentials) {
				t.Fatalf("Expiration before the first call: %v", err)
			}
			wantSet(t, s, clk, 1, "first signature")
			wantCalls(t, p, 1, "first signature")
			if got, err := s.Expiration(); err != nil || !got.Equal(T0.Add(time.Hour)) {
				t.Fatalf("Expiration: %v %v", got, err)
			}
			due := int64(3600) - tc.secs
			for _, at := range []int64{0, 1, due / 2, due - 1} {
				clk.at(at)
				wantSet(t, s, clk, 1, fmt.Sprintf("at +%d s, before the margin", at))
			}
			wantCalls(t, p, 1, "before the margin")
			clk.at(due)
			wantSet(t, s, clk, 2, fmt.Sprintf("at +%d s, within the margin", due))
			wantCalls(t, p, 2, "within the margin")
			for i := 0; i < 5; i++ {
				wantSet(t, s, clk, 2, "fresh credentials")
			}
			wantCalls(t, p, 2, "fresh credentials")
		})
	}
	if DefaultProviderMargin != 5*time.Minute || ProviderRetryInterval != 10*time.Second {
		t.Errorf("library constants: margin %v, retry %v", DefaultProviderMargin, ProviderRetryInterval)
	}
}

// A failing provider: the old credentials keep working until they
// expire, it is asked again ProviderRetryInterval later, and then signing
// fails with ErrCredentialsExpired wrapping the provider's error. Once it
// recovers, signing works again.
func TestProviderErrorKeepsCredentialsUntilExpiry(t *testing.T) {
	clk := newClock(T0)
	p := &countingProvider{clk: clk, life: 1000 * time.Second}
	s := providerSigner(t, p, nil)
	wantSet(t, s, clk, 1, "first signature")

	down := &fetchError{code: 503}
	p.set(down, nil)
	clk.at(800) // within the margin: asked, fails
	wantSet(t, s, clk, 1, "provider failing, before expiry")
	wantCalls(t, p, 2, "first failure")
	clk.at(800 + 9)
	wantSet(t, s, clk, 1, "within the retry interval")
	wantCalls(t, p, 2, "within the retry interval")
	clk.at(800 + 10)
	wantSet(t, s, clk, 1, "retried, failing again")
	wantCalls(t, p, 3, "after the retry interval")

	clk.at(1000)
	_, err := signVanilla(s, clk.Now())
	var fe *fetchError
	var e *Error
	if !errors.Is(err, ErrCredentialsExpired) || errors.Unwrap(err) != error(down) || !errors.As(err, &fe) || fe.code != 503 ||
		!errors.As(err, &e) || e.Err != error(down) || !strings.Contains(err.Error(), "fetch failed with 503") {
		t.Fatalf("at expiry: %v", err)
	}
	// Presign and streaming too.
	if _, err := s.Presign(mustRequest(t, "GET", vanillaURL), time.Hour); !errors.Is(err, ErrCredentialsExpired) || !errors.As(err, &fe) {
		t.Fatalf("Presign at expiry: %v", err)
	}
	if _, err := s.NewChunkedEncoder(mustRequest(t, "PUT", vanillaURL), 1, StreamOptions{}); !errors.Is(err, ErrCredentialsExpired) || !errors.As(err, &fe) {
		t.Fatalf("NewChunkedEncoder at expiry: %v", err)
	}

	p.set(nil, nil)
	clk.at(1000 + 9)
	if _, err := signVanilla(s, clk.Now()); !errors.Is(err, ErrCredentialsExpired) {
		t.Fatalf("within the retry interval after expiry: %v", err)
	}
	wantCalls(t, p, 4, "failures at +800, +810, +1000")
	clk.at(1000 + 10)
	wantProviderSet(t, s, p, "provider recovered")
	wantCalls(t, p, 5, "recovered")

	// No credentials at all and a failing provider: ErrMissingCredentials,
	// wrapping the error; Expiration says the same.
	q := &countingProvider{clk: clk, life: time.Hour, fail: &fetchError{code: 403}}
	s2 := providerSigner(t, q, nil)
	if _, err := signVanilla(s2, clk.Now()); !errors.Is(err, ErrMissingCredentials) || !errors.As(err, &fe) || fe.code != 403 {
		t.Fatalf("no credentials: %v", err)
	}
	if _, err := s2.Expiration(); !errors.Is(err, ErrMissingCredentials) || !errors.As(err, &fe) {
		t.Fatalf("Expiration: %v", err)
	}
}

// Credentials the library refuses, or already expired, count as a
// failure, with the reason wrapped.
func TestProviderBadCredentials(t *testing.T) {
	clk := newClock(T0)
	for _, tc := range []struct {
		name  string
		creds Credentials
		want  error
		text  string
	}{
		{"empty", Credentials{}, ErrInvalidAccessKeyID, "unusable credentials: sigv4rs: "},
		{"no secret", Credentials{AccessKeyID: "AKID"}, ErrInvalidSecretKey, "unusable credentials: sigv4rs: "},
		{"expired", Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", Expires: T0}, nil, "expire at 2015-08-30T12:36:00Z"},
		{"before 1970", Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", Expires: time.Unix(-1, 0)}, ErrInvalidTime, "unusable credentials: sigv4rs: "},
	} {
		c := tc.creds
		p := &countingProvider{clk: clk, creds: &c}
		s := providerSigner(t, p, nil)
		_, err := signVanilla(s, clk.Now())
		var e *Error
		if !errors.Is(err, ErrMissingCredentials) || !errors.As(err, &e) || e.Err == nil ||
			(tc.want != nil && !errors.Is(e.Err, tc.want)) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// A panicking provider is contained: the signing call fails with the
// panic as a *PanicError, the process goes on, and a later call works.
func TestProviderPanicContained(t *testing.T) {
	clk := newClock(T0)
	boom := errors.New("boom")
	for _, pv := range []any{"provider exploded", boom} {
		p := &countingProvider{clk: clk, life: time.Hour, panicValue: pv}
		s := providerSigner(t, p, nil)
		_, err := signVanilla(s, clk.Now())
		var pe *PanicError
		if !errors.Is(err, ErrMissingCredentials) || !errors.As(err, &pe) || pe.Value != pv || len(pe.Stack) == 0 ||
			!strings.Contains(err.Error(), "last credentials provider failure: panic: ") {
			t.Fatalf("panic %v: %v", pv, err)
		}
		if pv == boom && !errors.Is(err, boom) {
			t.Fatalf("panic with an error: errors.Is does not reach it: %v", err)
		}
		p.set(nil, nil)
		clk.at(int64(ProviderRetryInterval / time.Second))
		wantProviderSet(t, s, p, "after the panic")
		clk.set(T0)
	}
}

// Retrieve's context has a deadline (ProviderTimeout, default 30 s).
func TestProviderTimeout(t *testing.T) {
	clk := newClock(T0)
	slow := CredentialsProviderFunc(func(ctx context.Context) (Credentials, error) {
		if _, ok := ctx.Deadline(); !ok {
			return Credentials{}, errors.New("no deadline")
		}
		select {
		case <-ctx.Done():
			return Credentials{}, ctx.Err()
		case <-time.After(10 * time.Second):
			return Credentials{}, errors.New("the context did not end")
		}
	})
	s := newTestSigner(t, func(c *Config) {
		clk.config()(c)
		emptyKeys(c)
		c.Provider = slow
		c.ProviderTimeout = 50 * time.Millisecond
	})
	start := time.Now()
	_, err := signVanilla(s, clk.Now())
	if !errors.Is(err, ErrMissingCredentials) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("after %v: %v", time.Since(start), err)
	}
	p := &countingProvider{clk: clk, life: time.Hour}
	providerSigner(t, p, nil).Sign(mustRequest(t, "GET", vanillaURL), nil)
	if !p.deadline.Load() {
		t.Fatal("default: no deadline within DefaultProviderTimeout")
	}
}

// Goroutines that find no credentials (or expired ones) while another's
// provider call is fetching wait for it and sign with what it brought:
// one call per refresh, every signature good. Rounds on fresh signers,
// then on one whose credentials expire; ProviderTimeout bounds a wait
// that would never end (a wake-up before the library installs the
// credentials) to about a second.
func TestProviderConcurrentFirstUse(t *testing.T) {
	const goroutines, rounds = 8, 10
	herd := func(s *Signer, clk *testClock, want func() int) {
		var wg sync.WaitGroup
		errs := make(chan error, goroutines)
		start := make(chan struct{})
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if set, err := signVanilla(s, clk.Now()); err != nil || set != want() {
					errs <- fmt.Errorf("set %d (want %d): %v", set, want(), err)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	timeout := func(c *Config) { c.ProviderTimeout = time.Second }
	for r := 0; r < rounds; r++ {
		clk := newClock(T0)
		p := &countingProvider{clk: clk, life: time.Hour, delay: 5 * time.Millisecond}
		s := providerSigner(t, p, timeout)
		herd(s, clk, func() int { return 1 })
		wantCalls(t, p, 1, fmt.Sprintf("round %d: %d goroutines, no credentials", r, goroutines))
	}
	clk := newClock(T0)
	p := &countingProvider{clk: clk, life: time.Minute, delay: 5 * time.Millisecond}
	s := providerSigner(t, p, func(c *Config) { timeout(c); c.ProviderMargin = -1 })
	for r := 1; r <= rounds; r++ {
		clk.at(int64(60 * (r - 1)))
		herd(s, clk, func() int { return 1 + (r-1)%3 })
		wantCalls(t, p, int32(r), fmt.Sprintf("round %d: %d goroutines at expiry", r, goroutines))
	}
}

// Rotate while the provider is fetching: ErrBusy, nothing changed.
func TestRotateBusyDuringProviderCall(t *testing.T) {
	clk := newClock(T0)
	inside, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	p := CredentialsProviderFunc(func(ctx context.Context) (Credentials, error) {
		once.Do(func() { close(inside) })
		<-release
		return credSets[1], nil
	})
	s := newTestSigner(t, func(c *Config) { clk.config()(c); emptyKeys(c); c.Provider = p })
	done := make(chan error)
	go func() {
		_, err := signVanilla(s, clk.Now())
		done <- err
	}()
	<-inside
	if err := s.Rotate(credSets[2]); !errors.Is(err, ErrBusy) {
		t.Errorf("Rotate during the provider call: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantSet(t, s, clk, 1, "the provider's result stands")
	if err := s.Rotate(credSets[2]); err != nil {
		t.Fatal(err)
	}
	wantSet(t, s, clk, 2, "Rotate after the provider call")
}

// Close deletes the provider's handle; so does the finalizer of a signer
// dropped without Close (the handle must not keep the signer alive).
func TestProviderHandleDeleted(t *testing.T) {
	clk := newClock(T0)
	valid := func(h uintptr) (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		_ = cgo.Handle(h).Value()
		return true
	}
	s := providerSigner(t, &countingProvider{clk: clk, life: time.Hour}, nil)
	h := s.handle
	if h == 0 || !valid(h) {
		t.Fatal("no handle")
	}
	s.Close()
	if s.handle != 0 || valid(h) {
		t.Fatal("Close kept the handle")
	}

	handles := make([]uintptr, 20)
	for i := range handles {
		s, err := NewSigner(Config{Region: "us-east-1", Service: "service", Now: clk.Now, UnsignedSessionToken: true,
			Provider: &countingProvider{clk: clk, life: time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := signVanilla(s, clk.Now()); err != nil {
			t.Fatal(err)
		}
		handles[i] = s.handle
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		left := 0
		for _, h := range handles {
			if valid(h) {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d handles of dropped signers still valid", left, len(handles))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// No secret key or session token in what fmt prints of a Config, a
// Credentials (values, pointers, nested), a Signer, or the errors.
func TestNoSecretsInFmt(t *testing.T) {
	const secret, token = "SECRETsecretSECRET/abc+def", "TOKENtokenTOKEN"
	creds := Credentials{AccessKeyID: "AKIDSHOWN", SecretAccessKey: secret, SessionToken: token, Expires: T0}
	clk := newClock(T0)
	fail := errors.New("provider down")
	p := &countingProvider{clk: clk, life: time.Hour, creds: &creds}
	cfg := Config{AccessKeyID: "AKIDSHOWN", SecretAccessKey: secret, SessionToken: token,
		Region: "us-east-1", Service: "service", Now: clk.Now, Provider: p}
	s, err := NewSigner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clk.at(1 << 20) // cfg's credentials do not expire: within no margin
	_ = s.Rotate(Credentials{AccessKeyID: "AKIDSHOWN", SecretAccessKey: secret, SessionToken: "bad\n" + token})
	rotateErr := s.Rotate(Credentials{AccessKeyID: "AKID SHOWN", SecretAccessKey: secret, SessionToken: token})
	expired := creds
	expired.Expires = clk.Now().Add(time.Second)
	if err := s.Rotate(expired); err != nil {
		t.Fatal(err)
	}
	clk.at(1<<20 + 1)
	p.set(fail, nil)
	_, signErr := signVanilla(s, clk.Now())
	if !errors.Is(signErr, ErrCredentialsExpired) || !errors.Is(rotateErr, ErrInvalidAccessKeyID) {
		t.Fatalf("errors: %v, %v", signErr, rotateErr)
	}
	p.set(nil, nil)
	clk.at(1<<20 + 20)
	_, expiredErr := signVanilla(s, clk.Now()) // the provider gives expired credentials

	values := []any{cfg, &cfg, creds, &creds, []Credentials{creds}, struct{ C Config }{cfg},
		map[string]Credentials{"k": creds}, s, signErr, rotateErr, expiredErr}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v", "%T"}
	for _, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			for _, bad := range []string{secret, token, fmt.Sprintf("%x", secret), fmt.Sprintf("%X", token), "SECRET", "TOKEN"} {
				if strings.Contains(out, bad) {
					t.Errorf("fmt %s of %T shows a secret: %s", verb, v, out)
				}
			}
		}
	}
	// What is shown: the access key id, the redaction, the provider's type.
	out := fmt.Sprintf("%+v", cfg)
	for _, want := range []string{"AccessKeyID:AKIDSHOWN", "SecretAccessKey:[redacted]", "SessionToken:[redacted]",
		"Provider:*sigv4rs.countingProvider", "Region:us-east-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("%%+v of Config lacks %q: %s", want, out)
		}
	}
	if out := fmt.Sprintf("%#v", creds); !strings.HasPrefix(out, "sigv4rs.Credentials{AccessKeyID:\"AKIDSHOWN\", SecretAccessKey:\"[redacted]\"") {
		t.Errorf("%%#v of Credentials: %s", out)
	}
	if out := fmt.Sprintf("%v", Credentials{AccessKeyID: "A"}); out != "{A   0001-01-01 00:00:00 +0000 UTC}" {
		t.Errorf("empty secrets are shown empty: %s", out)
	}
}

// Margins in the library's seconds.
func TestMarginSecs(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want uint32
	}{
		{0, 300}, {-time.Second, 0}, {time.Nanosecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2},
		{time.Hour, 3600}, {1 << 62, 1<<32 - 1},
	} {
		if got := marginSecs(tc.d); got != tc.want {
			t.Errorf("marginSecs(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}
