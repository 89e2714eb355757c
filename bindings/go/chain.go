package sigv4rs

// The AWS SDKs' default credential chain, resolved by the library
// (sigv4rs_chain: environment, shared files and profiles, container
// endpoint, IMDS), with net/http as its HTTPS transport for STS. A Chain is
// a Signer's Provider: the provider callback (provider.go) calls
// sigv4rs_chain_resolve with the sink it was given, so the credentials go
// from the library's chain to the library's signer and never enter Go
// memory.
//
// This file has the //export, so its preamble may hold declarations and
// macros only (cgo copies it into two C files); the C helpers it needs are
// in cgo.go.

/*
#include <stdint.h>
#include "sigv4rs.h"
*/
import "C"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"runtime/cgo"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// ChainOptions configures NewDefaultChain. The zero value is the SDKs'
// default chain, with net/http for STS.
type ChainOptions struct {
	// Profile to use; it must exist in the shared files, and the
	// environment variables step is skipped (as the SDKs do for an
	// explicit profile). "": AWS_PROFILE, else "default".
	Profile string
	// Region for STS. "": AWS_REGION, AWS_DEFAULT_REGION, the profile's
	// region, else us-east-1.
	Region string
	// HTTPClient sends the STS requests (AssumeRole for role_arn profiles,
	// AssumeRoleWithWebIdentity). nil: a client with http.DefaultTransport's
	// settings (proxy from the environment, TLS certificates verified),
	// no compression and no redirects.
	HTTPClient *http.Client
	// ProcessTimeout: how long a credential_process may run before it is
	// killed. 0 or less: 60 s. Whole milliseconds (rounded up).
	ProcessTimeout time.Duration
}

// Chain is the AWS SDKs' default credential chain, in botocore's order:
// the environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN); the profile's role_arn (AssumeRole with
// source_profile or credential_source); web identity
// (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or the profile's
// web_identity_token_file); static keys in the shared credentials file;
// credential_process; static keys in the config file; the ECS / EKS Pod
// Identity container endpoint; EC2 instance metadata (IMDSv2). The files
// and variables (HOME, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE,
// AWS_CONFIG_FILE, AWS_ENDPOINT_URL_STS, AWS_EC2_METADATA_DISABLED...) are
// read afresh each time it resolves.
//
// Give it to a Signer as Config.Provider: the signer resolves it on its
// first signature and again within ProviderMargin of expiry. Retrieve
// itself always fails: the credentials go from the library's chain
// straight into the signer and never reach Go. One Chain may serve any
// number of signers; its resolves run one at a time.
//
// STS requests go through ChainOptions.HTTPClient, each bounded by the
// library's timeout and by the signer's ProviderTimeout (counted from the
// start of the resolve); the library makes up to 5 attempts (or
// AWS_MAX_ATTEMPTS / the profile's max_attempts), with pauses of up to 1,
// 2, 4 and 8 s between them.
type Chain struct {
	p       *cChain         // nil once freed
	handle  uintptr         // cgo.Handle of tr, the transport's user data
	tr      *chainTransport // does not point back to the Chain
	turn    chan struct{}   // one resolve at a time, waited for with a deadline
	process time.Duration   // the process timeout in force
	mu      sync.Mutex      // p (LastError against free), closed, users
	closed  bool            // Close was called
	users   int             // signers whose Provider it is
}

// chainTransport is what sigv4rsGoTransport finds through its handle.
// deadline and err belong to the resolve in progress, on whose goroutine
// the transport runs (a cgo callback runs on the goroutine of the C call);
// Chain.turn orders resolves.
type chainTransport struct {
	client   *http.Client
	deadline time.Time // the resolve's: no exchange goes past it
	err      error     // why the last exchange failed in Go; nil after an HTTP answer
}

// ChainError is why a Chain found no usable credentials. A signing call
// that then fails with ErrMissingCredentials or ErrCredentialsExpired has
// it as its Err.
type ChainError struct {
	// Status is the library's: ErrCredentialsNotFound,
	// ErrCredentialsMalformed, ErrCredentialsExpired,
	// ErrCredentialsFetchFailed, ErrCredentialsConfig, ErrNoTransport, a
	// refusal of what a source gave (ErrInvalidSecretKey...), or ErrBusy
	// when another signer's resolve of the chain outlasted the timeout.
	// errors.Is(err, ErrCredentialsFetchFailed) and the like hold.
	Status int
	// Detail is the library's explanation, "<source>: <kind>: <detail>"
	// (sigv4rs_chain_last_error, e.g. `Process: Fetch: profile "dev":
	// credential_process exited with exit status: 1`). Never a secret.
	Detail string
	// Err is why the last STS exchange failed in Go (the HTTP client's
	// error, a context deadline, a *PanicError), nil when it got an
	// HTTP answer or there was none.
	Err error
}

func (e *ChainError) Error() string {
	msg := "sigv4rs: credential chain: " + statusText(uint32(e.Status)) + " (status " + strconv.Itoa(e.Status) + ")"
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += "; last STS exchange: " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is an *Error with the same status.
func (e *ChainError) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Status == e.Status
}

// Unwrap returns Err.
func (e *ChainError) Unwrap() error {
	return e.Err
}

var (
	errChainClosed   = &Error{Status: ErrNotInitialized.Status, Message: "chain is closed"}
	errChainRetrieve = errors.New("sigv4rs: Chain.Retrieve gives no credentials: " +
		"use the Chain as Config.Provider (the library puts its credentials into the signer, never into Go memory)")
)

// NewDefaultChain creates the default credential chain. Nothing is read
// from the files, the environment or the network until a signer asks it.
// Close it when done (a finalizer does so too).
func NewDefaultChain(opts ChainOptions) (*Chain, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	client := opts.HTTPClient
	if client == nil {
		client = defaultSTSClient()
	}
	tr := &chainTransport{client: client}
	h := cgo.NewHandle(tr)
	ms := processMillis(opts.ProcessTimeout)
	p := getPacker()
	p.add(opts.Profile)
	p.add(opts.Region)
	native, err := chainNewC(p, uintptr(h), ms)
	putPacker(p)
	if err != nil {
		h.Delete()
		if errors.Is(err, ErrInvalidArgument) {
			return nil, argError(ErrInvalidArgument, "chain profile or region: not UTF-8 text without control bytes")
		}
		return nil, err
	}
	process := time.Duration(ms) * time.Millisecond
	if ms == 0 {
		process = time.Minute
	}
	c := &Chain{p: native, handle: uintptr(h), tr: tr, turn: make(chan struct{}, 1), process: process}
	runtime.SetFinalizer(c, (*Chain).free)
	return c, nil
}

// processMillis is ProcessTimeout in the library's milliseconds (0: its
// default).
func processMillis(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(ms)
}

var (
	stsClientOnce sync.Once
	stsClient     *http.Client
)

// defaultSTSClient has http.DefaultTransport's settings, without
// compression (the headers go out as the library gave them, with Host and
// Content-Length only added) and without redirects (STS answers in place:
// a 3xx fails the exchange rather than sending the signed request
// elsewhere).
func defaultSTSClient() *http.Client {
	stsClientOnce.Do(func() {
		t := &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			DialContext: (&net.Dialer{
				Timeout:   30 * time.Second,
				KeepAlive: 30 * time.Second,
			}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          10,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true,
		}
		stsClient = &http.Client{
			Transport: t,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	})
	return stsClient
}

// Retrieve always fails (see Chain): use the Chain as Config.Provider.
func (c *Chain) Retrieve(context.Context) (Credentials, error) {
	return Credentials{}, errChainRetrieve
}

// LastError is the library's explanation of the chain's last failed
// resolve, "<source>: <kind>: <detail>" (never a secret), or "" after a
// success, before any resolve, and once the chain is freed. A signing
// error carries the same text (ChainError.Detail).
func (c *Chain) LastError() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil {
		return ""
	}
	buf := make([]byte, 512)
	for {
		var n C.size_t
		st := C.sigv4rs_chain_last_error(c.p, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &n)
		switch {
		case st == C.SIGV4RS_STATUS_OK && n > 0 && int(n) <= len(buf):
			return string(buf[:n-1])
		case st == C.SIGV4RS_STATUS_BUFFER_TOO_SMALL && int(n) > len(buf):
			buf = make([]byte, int(n))
		default:
			return ""
		}
	}
}

// Close releases the chain. Signers made with it keep resolving it until
// they are closed (or collected); the library's chain is freed after the
// last of them. NewSigner with a closed chain returns ErrClosed. Close is
// idempotent.
func (c *Chain) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	c.closed = true
	idle := c.users == 0
	c.mu.Unlock()
	if idle {
		c.free()
	}
	return nil
}

// free frees the library's chain, then the transport's handle: no signer
// uses it any more (Close, release, or the finalizer of an unreachable
// chain, which no signer's provider state references).
func (c *Chain) free() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil {
		C.sigv4rs_chain_free(c.p)
		c.p = nil
		cgo.Handle(c.handle).Delete()
		c.handle = 0
	}
}

// acquire counts a signer taking the chain as its provider (NewSigner).
func (c *Chain) acquire() error {
	if c == nil {
		return argError(ErrNullArgument, "chain is nil")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.p == nil {
		return errChainClosed
	}
	c.users++
	return nil
}

// release undoes acquire once the signer's library signer is freed, and
// frees a closed chain that has no signer left.
func (c *Chain) release() {
	c.mu.Lock()
	c.users--
	idle := c.closed && c.users == 0
	c.mu.Unlock()
	if idle {
		c.free()
	}
}

// slack is how much longer than the provider timeout a resolve may take:
// a credential_process, the library's pauses between STS attempts (15 s at
// most) and its IMDS and container endpoint timeouts.
func (c *Chain) slack() time.Duration {
	return c.process + 20*time.Second
}

// resolve runs the library's chain into sink, from the provider callback
// of a signer that holds the chain (so it is not freed meanwhile). The
// signer's timeout bounds the wait for another signer's resolve and every
// STS exchange.
func (c *Chain) resolve(unix int64, timeout time.Duration, sink *C.sigv4rs_credentials_sink) error {
	deadline := time.Now().Add(timeout)
	wait := time.NewTimer(timeout)
	select {
	case c.turn <- struct{}{}:
		wait.Stop()
	case <-wait.C:
		return &ChainError{Status: ErrBusy.Status, Err: context.DeadlineExceeded,
			Detail: "another signer's resolve of this chain did not end within the provider timeout"}
	}
	defer func() { <-c.turn }()
	c.tr.deadline, c.tr.err = deadline, nil
	st := C.sigv4rs_chain_resolve(unsafe.Pointer(c.p), C.int64_t(unix), sink)
	runtime.KeepAlive(c)
	goErr := c.tr.err
	c.tr.deadline, c.tr.err = time.Time{}, nil
	if st == C.SIGV4RS_STATUS_OK {
		return nil
	}
	return &ChainError{Status: int(st), Detail: c.LastError(), Err: goErr}
}

// sigv4rsGoTransport is the chain's transport (gs_transport in cgo.go
// calls it): handle is the cgo.Handle of the chain's chainTransport. It
// returns OK once resp has the status and body, anything else for a
// failed exchange (which the library retries). Nothing unwinds into C: a
// panic (the HTTP client's, or a stale handle's) is recovered and fails
// the exchange.
//
//export sigv4rsGoTransport
func sigv4rsGoTransport(handle C.uintptr_t, req *C.sigv4rs_http_request, resp *C.sigv4rs_http_response) (st C.uint32_t) {
	var tr *chainTransport
	defer func() {
		if r := recover(); r != nil {
			if tr != nil {
				tr.err = &PanicError{Value: r, Stack: debug.Stack()}
			}
			st = C.SIGV4RS_STATUS_CREDENTIALS_FETCH_FAILED
		}
	}()
	tr = cgo.Handle(handle).Value().(*chainTransport)
	var err error
	st, err = tr.exchange(req, resp)
	tr.err = err
	return st
}

// cText copies library bytes into a Go string.
func cText(b C.sigv4rs_bytes) string {
	if b.len == 0 || b.ptr == nil {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(b.ptr)), int(b.len)))
}

// exchange sends creq with the chain's client and hands the answer to
// cresp. The body (a form that may hold a web identity token) and the
// answer (which holds a secret key) are never logged nor put in an error,
// and the binding's copies are zeroed after use.
func (tr *chainTransport) exchange(creq *C.sigv4rs_http_request, cresp *C.sigv4rs_http_response) (C.uint32_t, error) {
	const failed = C.SIGV4RS_STATUS_CREDENTIALS_FETCH_FAILED
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(creq.timeout_ms)*time.Millisecond)
	defer cancel()
	if !tr.deadline.IsZero() {
		var cancelResolve context.CancelFunc
		ctx, cancelResolve = context.WithDeadline(ctx, tr.deadline) // the earlier one holds
		defer cancelResolve()
	}
	var body []byte
	if creq.body.len > 0 && creq.body.ptr != nil {
		body = make([]byte, int(creq.body.len))
		copy(body, unsafe.Slice((*byte)(unsafe.Pointer(creq.body.ptr)), len(body)))
		defer wipe(body)
	}
	req, err := http.NewRequestWithContext(ctx, cText(creq.method), cText(creq.url), bytes.NewReader(body))
	if err != nil {
		return failed, fmt.Errorf("STS request: %w", err)
	}
	agent := false
	for _, h := range unsafe.Slice(creq.headers, int(creq.headers_len)) {
		name, value := cText(h.name), cText(h.value)
		switch {
		case strings.EqualFold(name, "Host"):
			req.Host = value
			continue
		case strings.EqualFold(name, "User-Agent"):
			agent = true
		}
		// As given: net/http writes a key as it is in the map.
		req.Header[name] = append(req.Header[name], value)
	}
	if !agent {
		// An empty User-Agent keeps net/http from adding its own.
		req.Header["User-Agent"] = []string{""}
	}
	resp, err := tr.client.Do(req)
	if err != nil {
		return failed, err
	}
	defer resp.Body.Close()
	cresp.status = C.uint32_t(resp.StatusCode)
	var buf [16 << 10]byte
	defer wipe(buf[:])
	for {
		n, rerr := resp.Body.Read(buf[:])
		if n > 0 {
			if st := C.sigv4rs_http_response_write(cresp, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(n)); st != C.SIGV4RS_STATUS_OK {
				return C.uint32_t(st), fmt.Errorf("STS response body: %w", statusError(uint32(st)))
			}
		}
		switch {
		case rerr == io.EOF:
			return C.SIGV4RS_STATUS_OK, nil
		case rerr != nil:
			return failed, fmt.Errorf("STS response body: %w", rerr)
		}
	}
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
