//go:build cgo

package sigv4rs

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// MiddlewareOptions tune Middleware. The zero value is usable.
type MiddlewareOptions struct {
	// MaxBody bounds the bodies read whole for Verify: requests whose
	// signature covers the body's hash without X-Amz-Content-Sha256 (other
	// services than S3). 0 means 10 MiB; a longer body is answered 413.
	MaxBody int64

	// Buffer makes the middleware read and verify every streamed body
	// (X-Amz-Content-Sha256 requests, aws-chunked ones decoded) before it
	// calls the handler, so the handler only ever sees verified bytes: a
	// failure is answered like a signature failure and the handler is not
	// called. Bodies are held in memory up to BufferMemory (0: 1 MiB),
	// beyond that in a temporary file in TempDir (os.TempDir() when
	// empty), removed when the handler returns; BufferMax (0: no limit)
	// bounds them (413 beyond).
	Buffer       bool
	BufferMemory int64
	BufferMax    int64
	TempDir      string

	// OnReject, when set, is called for each request the middleware
	// refuses, and for each streamed body whose verification fails while
	// the handler reads it: res is the verification as far as it got
	// (its AccessKeyID is the one claimed), err an *Error (or, for a body
	// that could not be read, that error). For logs; it must not write to
	// the response.
	OnReject func(r *http.Request, res *VerifyResult, err error)
}

const (
	defaultMaxBody      = 10 << 20
	defaultBufferMemory = 1 << 20
)

type verifiedKey struct{}

// VerifiedFrom returns the verification result Middleware put in a
// request's context.
func VerifiedFrom(ctx context.Context) (*VerifyResult, bool) {
	res, ok := ctx.Value(verifiedKey{}).(*VerifyResult)
	return res, ok
}

// Middleware is MiddlewareWith with the default options.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return v.MiddlewareWith(MiddlewareOptions{}, next)
}

// MiddlewareWith verifies each request before next sees it. A request
// refused is answered with an S3-style XML error (see WriteError) and next
// is not called. An accepted request reaches next with its result in the
// context (VerifiedFrom).
//
// The body: a request with X-Amz-Content-Sha256 (S3 clients, aws-chunked
// uploads) or an S3 presigned one is verified through Begin while next
// reads r.Body. An aws-chunked body is decoded: r.Body yields the object,
// r.ContentLength and the Content-Length header are
// X-Amz-Decoded-Content-Length, and aws-chunked is taken out of
// Content-Encoding. Unless opts.Buffer is set, the signature of such a
// body is only known at its end: r.Body's Read then returns the
// verification error (an *Error: errors.Is(err, ErrPayloadMismatch),
// ErrChunkSignatureMismatch...) instead of io.EOF, so next must treat the
// bytes as unverified until it reads io.EOF, and may answer a failure
// with WriteError. A body next does not read to its end is not verified.
//
// Other requests (the body's hash only in the signature) are read whole,
// up to opts.MaxBody, and verified with Verify before next is called;
// next reads the same bytes from r.Body.
func (v *Verifier) MiddlewareWith(opts MiddlewareOptions, next http.Handler) http.Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = defaultMaxBody
	}
	if opts.BufferMemory <= 0 {
		opts.BufferMemory = defaultBufferMemory
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reject := func(res *VerifyResult, err error) {
			if opts.OnReject != nil {
				opts.OnReject(r, res, err)
			}
			WriteError(w, err)
		}
		res, body, err := v.Begin(r)
		var cleanup func()
		switch {
		case errors.Is(err, ErrPayloadRequired):
			whole, rerr := readUpTo(r.Body, opts.MaxBody)
			if rerr != nil {
				reject(res, rerr)
				return
			}
			if res, err = v.Verify(r, whole); err != nil {
				reject(res, err)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(whole))
			r.ContentLength = int64(len(whole))
		case err != nil:
			reject(res, err)
			return
		default:
			// The server closes the body it made, not this one: free the
			// library state even when next leaves the body unread.
			defer body.Close()
			if body.Chunked() {
				decodedHeaders(r)
			}
			if opts.Buffer {
				rc, n, done, berr := spill(body, opts)
				if berr != nil {
					reject(res, berr)
					return
				}
				cleanup = done
				r.Body, r.ContentLength = rc, n
			} else {
				r.Body = &watchedBody{BodyVerifier: body, onFail: func(err error) {
					if opts.OnReject != nil {
						opts.OnReject(r, res, err)
					}
				}}
			}
		}
		if cleanup != nil {
			defer cleanup()
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), verifiedKey{}, res)))
	})
}

// decodedHeaders makes an aws-chunked request look like the object's
// upload to the handler.
func decodedHeaders(r *http.Request) {
	if n := decodedLength(r.Header); n >= 0 {
		r.ContentLength = n
		r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
	}
	var keep []string
	for _, v := range r.Header.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "aws-chunked") {
				keep = append(keep, c)
			}
		}
	}
	if len(keep) == 0 {
		r.Header.Del("Content-Encoding")
	} else {
		r.Header.Set("Content-Encoding", strings.Join(keep, ","))
	}
}

// errTooLarge is a body over a middleware limit.
var errTooLarge = errors.New("sigv4rs: request body over the middleware's limit")

// readUpTo reads all of body, at most max bytes (errTooLarge beyond).
func readUpTo(body io.Reader, max int64) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errTooLarge
	}
	return b, nil
}

// spill reads the verified body whole: into memory up to
// opts.BufferMemory, then into a temporary file. It returns the body to
// give the handler, its length and what removes the file.
func spill(body io.Reader, opts MiddlewareOptions) (io.ReadCloser, int64, func(), error) {
	limit := opts.BufferMax
	var mem bytes.Buffer
	n, err := io.Copy(&mem, io.LimitReader(body, opts.BufferMemory+1))
	if err != nil {
		return nil, 0, nil, err
	}
	if n <= opts.BufferMemory {
		if limit > 0 && n > limit {
			return nil, 0, nil, errTooLarge
		}
		return io.NopCloser(bytes.NewReader(mem.Bytes())), n, nil, nil
	}
	f, err := os.CreateTemp(opts.TempDir, "sigv4rs-body-*")
	if err != nil {
		return nil, 0, nil, err
	}
	done := func() {
		f.Close()
		os.Remove(f.Name())
	}
	src := io.MultiReader(&mem, body)
	if limit > 0 {
		src = io.LimitReader(src, limit+1)
	}
	n, err = io.Copy(f, src)
	if err == nil && limit > 0 && n > limit {
		err = errTooLarge
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		done()
		return nil, 0, nil, err
	}
	return io.NopCloser(f), n, done, nil
}

// watchedBody reports the verification failure that ends a streamed body.
type watchedBody struct {
	*BodyVerifier
	onFail func(error)
	told   bool
}

func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.BodyVerifier.Read(p)
	if err != nil && err != io.EOF && !w.told {
		var e *Error
		if errors.As(err, &e) && e != ErrClosed {
			w.told = true
			w.onFail(err)
		}
	}
	return n, err
}

// ErrorCode is the HTTP status and S3 error code WriteError answers err
// with: 403 for refused signatures and policy (SignatureDoesNotMatch,
// RequestTimeTooSkewed, InvalidAccessKeyId, AccessDenied...), 400 for a
// body that is not the one signed or is malformed (XAmzContentSHA256Mismatch,
// BadDigest, IncompleteBody, InvalidRequest) and for malformed
// authorization, 413 EntityTooLarge past a middleware limit, 500
// InternalError when the secret lookup failed.
func ErrorCode(err error) (int, string) {
	if errors.Is(err, errTooLarge) {
		return http.StatusRequestEntityTooLarge, "EntityTooLarge"
	}
	var e *Error
	if !errors.As(err, &e) {
		return http.StatusBadRequest, "IncompleteBody" // the body could not be read
	}
	switch st := e.Status; {
	case st == ErrSignatureMismatch.Status || st == ErrChunkSignatureMismatch.Status:
		return http.StatusForbidden, "SignatureDoesNotMatch"
	case st == ErrClockSkew.Status:
		return http.StatusForbidden, "RequestTimeTooSkewed"
	case st == ErrUnknownAccessKey.Status:
		return http.StatusForbidden, "InvalidAccessKeyId"
	case st == ErrTokenMismatch.Status:
		return http.StatusForbidden, "InvalidToken"
	case st == ErrPayloadMismatch.Status:
		return http.StatusBadRequest, "XAmzContentSHA256Mismatch"
	case st == ErrChecksumMismatch.Status:
		return http.StatusBadRequest, "BadDigest"
	case st == ErrIncompletePayload.Status || st == ErrDecodedLengthMismatch.Status:
		return http.StatusBadRequest, "IncompleteBody"
	case st == ErrMalformedChunk.Status || st == ErrChunkTooSmall.Status || st == ErrMalformedTrailer.Status ||
		st == ErrInvalidContentSha256.Status || (st >= 100 && st < 200):
		return http.StatusBadRequest, "InvalidRequest" // bad input: header, URL, framing...
	case st >= ErrMalformedAuthorization.Status && st <= ErrMalformedSignature.Status:
		return http.StatusBadRequest, "AuthorizationHeaderMalformed"
	case st == ErrMalformedQueryAuth.Status:
		return http.StatusBadRequest, "AuthorizationQueryParametersError"
	case st == ErrLookupFailed.Status || st == ErrPanic.Status || st < 100:
		return http.StatusInternalServerError, "InternalError"
	}
	return http.StatusForbidden, "AccessDenied"
}

// WriteError answers a refused request (or a streamed body that failed
// its verification) with ErrorCode's status and an S3-style body:
// <Error><Code>..</Code><Message>..</Message></Error>. The message is the
// library's text for the status (sigv4rs_status_str); nothing of the
// lookup's error or the secret.
func WriteError(w http.ResponseWriter, err error) {
	status, code := ErrorCode(err)
	msg := "the request body could not be read"
	var e *Error
	switch {
	case errors.Is(err, errTooLarge):
		msg = "request body too large"
	case errors.As(err, &e):
		msg = statusText(uint32(e.Status))
	}
	var body bytes.Buffer
	body.WriteString(xml.Header + "<Error><Code>" + code + "</Code><Message>")
	xml.EscapeText(&body, []byte(msg))
	body.WriteString("</Message></Error>\n")
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(body.Len()))
	if e != nil {
		h.Set("X-Sigv4rs-Status", strconv.Itoa(e.Status))
	}
	w.WriteHeader(status)
	w.Write(body.Bytes())
}
