package sigv4rs

// Credentials that change under a signer: Rotate, Expiration and a
// CredentialsProvider the library calls back (sigv4rs_signer_set_provider)
// when the signer has no credentials or they are about to expire.
//
// This file has the //export, so its preamble may hold declarations and
// macros only (cgo copies it into two C files); the C helpers it needs are
// in cgo.go.

/*
#include <stdint.h>
#include "sigv4rs.h"

// sigv4rs.h names these in its comments but does not define them yet
// (cbindgen leaves out a const whose value is another crate's path): the
// library's values (src/sign/signer.rs) until it does.
#ifdef SIGV4RS_DEFAULT_REFRESH_MARGIN
#define GS_DEFAULT_REFRESH_MARGIN SIGV4RS_DEFAULT_REFRESH_MARGIN
#else
#define GS_DEFAULT_REFRESH_MARGIN 300
#endif
#ifdef SIGV4RS_PROVIDER_RETRY_SECS
#define GS_PROVIDER_RETRY_SECS SIGV4RS_PROVIDER_RETRY_SECS
#else
#define GS_PROVIDER_RETRY_SECS 10
#endif
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Credentials is one set of AWS credentials, with the fields of
// aws-sdk-go-v2's aws.Credentials that signing uses. Printing it with fmt
// shows the secret key and the session token as "[redacted]".
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string    // empty: long-term keys
	Expires         time.Time // zero: they do not expire
}

// CredentialsProvider fetches credentials (from STS, the instance or
// container endpoint, a vault...): the shape of aws-sdk-go-v2's
// aws.CredentialsProvider, with this package's Credentials.
//
// A Signer with a Provider calls Retrieve from a signing call (on the
// signing goroutine) when it has no credentials or they expire within
// Config.ProviderMargin; one call at a time per signer, while the other
// goroutines go on signing with the credentials they have (a goroutine
// that has none, or only expired ones, waits for the call in progress).
// ctx has Config.ProviderTimeout as its deadline: Retrieve must honor it.
//
// When Retrieve returns an error, panics (the panic is recovered, as a
// *PanicError) or returns credentials the library refuses or that have
// already expired, the signer keeps its credentials, which go on working
// until they expire, and asks again ProviderRetryInterval later. A signing
// call that then fails with ErrMissingCredentials or ErrCredentialsExpired
// returns an *Error whose Err (errors.Unwrap, errors.As) is that last
// failure.
//
// Retrieve must not call the Signer's methods (it runs inside one), nor
// runtime.Goexit (t.FailNow in a test).
type CredentialsProvider interface {
	Retrieve(ctx context.Context) (Credentials, error)
}

// CredentialsProviderFunc makes a function a CredentialsProvider.
type CredentialsProviderFunc func(ctx context.Context) (Credentials, error)

// Retrieve calls f.
func (f CredentialsProviderFunc) Retrieve(ctx context.Context) (Credentials, error) {
	return f(ctx)
}

const (
	// DefaultProviderMargin is how long before expiry a Provider is asked
	// when Config.ProviderMargin is 0: the library's
	// SIGV4RS_DEFAULT_REFRESH_MARGIN (5 minutes, the SDKs' kind of window).
	DefaultProviderMargin = time.Duration(C.GS_DEFAULT_REFRESH_MARGIN) * time.Second
	// DefaultProviderTimeout bounds a Retrieve when Config.ProviderTimeout
	// is not set.
	DefaultProviderTimeout = 30 * time.Second
	// ProviderRetryInterval: after a failed Retrieve the signer asks again
	// this long later (signing time), not before (the library's
	// SIGV4RS_PROVIDER_RETRY_SECS).
	ProviderRetryInterval = time.Duration(C.GS_PROVIDER_RETRY_SECS) * time.Second
)

// PanicError is the failure recorded when a CredentialsProvider panicked:
// the panic is recovered in the callback (it must never unwind into the C
// library) and the call counts as failed.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the provider's goroutine stack at the panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v", e.Value)
}

// Unwrap is the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// credState is what a Signer shares with its provider callback. The
// callback finds it through a cgo.Handle (an integer in the library's
// user data), so it must not point back to the Signer: the Signer's
// finalizer could then never run.
type credState struct {
	// The current session token, to reuse its string in outputs.
	token atomic.Pointer[string]

	// Set before the signer is shared; provider nil without one.
	provider CredentialsProvider
	timeout  time.Duration

	// Events: a provider call or a rotation ended (each held the
	// library's credentials lock). Written under mu.
	gen     atomic.Uint64
	mu      sync.Mutex
	changed chan struct{} // closed at the next event (made by a waiter)
	lastErr error         // why the last provider call failed; nil after a success
	// The library's retry time after a failed provider call: before it, a
	// signing call does not ask the provider (src/sign/signer.rs).
	retryAt int64
}

func (cs *credState) setToken(token string) {
	cs.token.Store(&token)
}

// refreshes is read before a signing call: raced compares it after.
func (cs *credState) refreshes() uint64 {
	if cs == nil || cs.provider == nil {
		return 0
	}
	return cs.gen.Load()
}

// raced reports whether a signing call at unix that failed with status st
// should be made again, and waits until it may. The library asks the
// provider when a call finds no usable credentials, unless a provider
// call failed less than ProviderRetryInterval before; if another
// goroutine holds its credentials lock (its provider call, or a Rotate),
// the call fails at once instead of waiting. So: when an event happened
// since the call began, sign again; when the library would not have asked
// the provider (retry interval), do not; otherwise the lock was held:
// wait for the holder to finish (at most the provider's timeout).
func (cs *credState) raced(st uint32, unix int64, before uint64) bool {
	if cs == nil || cs.provider == nil ||
		(st != C.SIGV4RS_STATUS_MISSING_CREDENTIALS && st != C.SIGV4RS_STATUS_CREDENTIALS_EXPIRED) {
		return false
	}
	cs.mu.Lock()
	if cs.gen.Load() != before {
		cs.mu.Unlock()
		return true
	}
	if unix < cs.retryAt {
		cs.mu.Unlock()
		return false
	}
	if cs.changed == nil {
		cs.changed = make(chan struct{})
	}
	changed := cs.changed
	cs.mu.Unlock()
	wait := time.NewTimer(cs.waitLimit())
	defer wait.Stop()
	select {
	case <-changed:
		return true
	case <-wait.C:
		return false
	}
}

// waitLimit bounds raced's wait for the provider call in progress: the
// provider's timeout, plus what a Chain's library may add to it.
func (cs *credState) waitLimit() time.Duration {
	d := cs.timeout + time.Second
	if c, ok := cs.provider.(*Chain); ok {
		d += c.slack()
	}
	return d
}

// record keeps the outcome of a provider call (from the callback, before
// the library has installed what it put).
func (cs *credState) record(unix int64, err error) {
	cs.mu.Lock()
	cs.lastErr = err
	if err != nil {
		// As the library computes it: (t as u32) + retry, saturating.
		cs.retryAt = int64(uint32(unix)) + int64(C.GS_PROVIDER_RETRY_SECS)
		if cs.retryAt > math.MaxUint32 {
			cs.retryAt = math.MaxUint32
		}
	}
	cs.mu.Unlock()
}

// notify wakes the signing calls waiting in raced: a provider call or a
// Rotate has ended and the library has released its credentials lock
// (called after the C call that held it returned).
func (cs *credState) notify() {
	if cs == nil || cs.provider == nil {
		return
	}
	cs.mu.Lock()
	cs.gen.Add(1)
	if cs.changed != nil {
		close(cs.changed)
		cs.changed = nil
	}
	cs.mu.Unlock()
}

// explain attaches the provider's last failure to a missing or expired
// credentials error.
func (cs *credState) explain(err error) error {
	e, ok := err.(*Error)
	if !ok || cs == nil || cs.provider == nil ||
		(e.Status != C.SIGV4RS_STATUS_MISSING_CREDENTIALS && e.Status != C.SIGV4RS_STATUS_CREDENTIALS_EXPIRED) {
		return err
	}
	cs.mu.Lock()
	e.Err = cs.lastErr
	cs.mu.Unlock()
	return e
}

// fetch calls Retrieve and gives the result to the library's sink; a
// Chain puts its credentials into the sink itself (they never enter Go).
func (cs *credState) fetch(unix int64, sink *C.sigv4rs_credentials_sink) error {
	if c, ok := cs.provider.(*Chain); ok {
		return c.resolve(unix, cs.timeout, sink)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cs.timeout)
	defer cancel()
	c, err := cs.provider.Retrieve(ctx)
	if err != nil {
		return err
	}
	exp, err := expirationSecs(c.Expires)
	if err != nil {
		return fmt.Errorf("unusable credentials: %w", err)
	}
	if exp != 0 && exp <= unix {
		return fmt.Errorf("credentials that expire at %s, not after the signing time %s",
			time.Unix(exp, 0).UTC().Format(time.RFC3339), time.Unix(unix, 0).UTC().Format(time.RFC3339))
	}
	p := getPacker()
	p.add(c.AccessKeyID)
	p.add(c.SecretAccessKey)
	p.add(c.SessionToken)
	if p.big {
		err = statusError(C.SIGV4RS_STATUS_INVALID_ARGUMENT)
	} else {
		err = sinkPutC(sink, p, exp)
	}
	p.wipe()
	putPacker(p)
	if err != nil {
		return fmt.Errorf("unusable credentials: %w", err)
	}
	cs.setToken(c.SessionToken)
	return nil
}

// sigv4rsGoProvider is the library's provider for every Signer with a
// Provider (gs_provider in cgo.go calls it): handle is the cgo.Handle of
// the signer's credState. It returns OK after a put, anything else for a
// failure. Nothing unwinds into C: a panic (the provider's, or a stale
// handle's) is recovered and counts as a failure. The signing call it ran
// in calls notify once the library has installed the credentials (the C
// helpers report that it ran).
//
//export sigv4rsGoProvider
func sigv4rsGoProvider(handle C.uintptr_t, unixTime C.int64_t, sink *C.sigv4rs_credentials_sink) C.uint32_t {
	var cs *credState
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
		cs = cgo.Handle(handle).Value().(*credState)
		return cs.fetch(int64(unixTime), sink)
	}()
	if cs != nil {
		cs.record(int64(unixTime), err)
	}
	if err != nil {
		return C.SIGV4RS_STATUS_MISSING_CREDENTIALS
	}
	return C.SIGV4RS_STATUS_OK
}

// setProvider registers the callback with a new handle (NewSigner, before
// the signer is shared).
func (s *Signer) setProvider(p CredentialsProvider, margin, timeout time.Duration) error {
	c, chain := p.(*Chain)
	if chain {
		// Freed only after this signer (release, in deleteHandle).
		if err := c.acquire(); err != nil {
			return err
		}
	}
	s.cs.provider = p
	s.cs.timeout = timeout
	if timeout <= 0 {
		s.cs.timeout = DefaultProviderTimeout
	}
	h := cgo.NewHandle(s.cs)
	if err := setProviderC(s.p, uintptr(h), marginSecs(margin)); err != nil {
		h.Delete()
		if chain {
			c.release()
		}
		return err
	}
	s.handle = uintptr(h)
	return nil
}

// deleteHandle releases the provider's handle once the library signer is
// freed (under s.mu's write lock), and the signer's hold on a Chain.
func (s *Signer) deleteHandle() {
	if s.handle != 0 {
		cgo.Handle(s.handle).Delete()
		s.handle = 0
		if c, ok := s.cs.provider.(*Chain); ok {
			c.release()
		}
	}
}

// marginSecs is Config.ProviderMargin in the library's seconds.
func marginSecs(d time.Duration) uint32 {
	switch {
	case d == 0:
		return uint32(C.GS_DEFAULT_REFRESH_MARGIN)
	case d < 0:
		return 0
	}
	secs := (d + time.Second - 1) / time.Second
	if secs > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(secs)
}

// expirationSecs is t in the library's Unix seconds, 0 for the zero Time
// (no expiry). Other times up to the epoch are refused here: the library
// takes 0 as "never" and a negative value is no instant it accepts.
func expirationSecs(t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if secs := t.Unix(); secs > 0 {
		return secs, nil
	}
	return 0, argError(ErrInvalidTime, "expiration at or before 1970-01-01T00:00:00Z")
}

// Rotate replaces the signer's credentials. It is safe while other
// goroutines sign: each signature uses one set, whole (the old or the
// new); the replaced secret is zeroed once the calls using it return.
// c.Expires zero means they do not expire. Concurrent Rotate calls take
// turns; ErrBusy means the Provider is fetching right now (nothing
// changed: retry, or let the provider's result stand).
func (s *Signer) Rotate(c Credentials) error {
	if s == nil {
		return argError(ErrNullArgument, "signer is nil")
	}
	exp, err := expirationSecs(c.Expires)
	if err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.p == nil {
		return ErrClosed
	}
	s.rotMu.Lock()
	defer s.rotMu.Unlock()
	p := getPacker()
	p.add(c.AccessKeyID)
	p.add(c.SecretAccessKey)
	p.add(c.SessionToken)
	if p.big {
		err = statusError(C.SIGV4RS_STATUS_INVALID_ARGUMENT)
	} else {
		err = rotateC(s.p, p, exp)
	}
	p.wipe()
	putPacker(p)
	runtime.KeepAlive(s)
	// Signing calls that found the library's lock taken may go on.
	s.cs.notify()
	if err != nil {
		return err
	}
	s.cs.setToken(c.SessionToken)
	return nil
}

// RotateXML replaces the signer's credentials, as Rotate does, with those
// of an XML response body: S3's CreateSession (for S3 Express One Zone,
// see Config.S3Express) or STS's AssumeRole, AssumeRoleWithWebIdentity...
// AccessKeyId, SecretAccessKey, SessionToken and Expiration are all
// required. The secret goes from doc into the library and never into a Go
// string: zero doc afterwards if it must not linger. On any error the
// signer keeps its credentials: ErrInvalidCredentialsDocument for a body
// that is not such a response (not well-formed XML, an error response, a
// missing field), ErrInvalidAccessKeyID, ErrInvalidSecretKey,
// ErrInvalidSessionToken or ErrInvalidTime for a bad field, ErrBusy as
// for Rotate.
func (s *Signer) RotateXML(doc []byte) error {
	if s == nil {
		return argError(ErrNullArgument, "signer is nil")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.p == nil {
		return ErrClosed
	}
	s.rotMu.Lock()
	defer s.rotMu.Unlock()
	err := rotateXMLC(s.p, doc)
	runtime.KeepAlive(s)
	s.cs.notify()
	if err != nil {
		return err
	}
	// The token is in the library only; outputs copy it.
	s.cs.setToken("")
	return nil
}

// Expiration is when the signer's current credentials expire: the zero
// Time when they do not. ErrMissingCredentials when it has none yet (a
// Provider not asked yet, or failing: see Error.Err).
func (s *Signer) Expiration() (time.Time, error) {
	if s == nil {
		return time.Time{}, argError(ErrNullArgument, "signer is nil")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.p == nil {
		return time.Time{}, ErrClosed
	}
	exp, err := expirationC(s.p)
	runtime.KeepAlive(s)
	if err != nil {
		return time.Time{}, s.cs.explain(err)
	}
	if exp == 0 {
		return time.Time{}, nil
	}
	return time.Unix(exp, 0), nil
}
