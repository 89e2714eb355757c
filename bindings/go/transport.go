//go:build cgo

package sigv4rs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
)

// Transport is an http.RoundTripper that signs each request with Signer
// (header authentication) and sends it with Base (http.DefaultTransport
// when nil). Every request, redirects and retries included, is signed
// afresh at the time it is sent.
//
// The body is hashed without being buffered when req.GetBody is set (as
// http.NewRequest does for bytes, strings and bytes.Buffer bodies): a copy
// from GetBody is hashed and the original is sent. Otherwise it is read into
// memory first. A request that already has an X-Amz-Content-SHA256 header
// (e.g. UNSIGNED-PAYLOAD, or a hash you computed) is signed with that value
// and its body is not read.
//
// Only the headers present when RoundTrip is called are signed; those the
// base transport adds afterwards (Accept-Encoding, User-Agent) are not.
//
// A request prepared by SignStreaming (X-Amz-Content-Sha256 STREAMING-...
// with an Authorization header) is sent as it is: its chunk signatures
// depend on its seed signature.
type Transport struct {
	Signer *Signer
	Base   http.RoundTripper
}

// RoundTrip signs a clone of req and sends it; req itself is not modified.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req != nil && req.Body != nil {
			req.Body.Close()
		}
	}
	if t.Signer == nil {
		closeBody()
		return nil, errors.New("sigv4rs: Transport.Signer is nil")
	}
	if req == nil || req.URL == nil {
		closeBody()
		return nil, argError(ErrNullArgument, "request or its URL is nil")
	}
	if isStreaming(req) {
		// Signed by SignStreaming: its chunk signatures chain from this
		// seed signature, so signing again would break them.
		base := t.Base
		if base == nil {
			base = http.DefaultTransport
		}
		return base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	var err error
	switch {
	case r.Header.Get("X-Amz-Content-Sha256") != "":
		err = t.Signer.signHTTP(r, PayloadAuto, nil)
	case req.Body == nil || req.Body == http.NoBody:
		err = t.Signer.signHTTP(r, PayloadBytes, nil)
	case req.GetBody != nil:
		var sum string
		if sum, err = hashGetBody(req); err == nil {
			err = t.Signer.SignPayloadHash(r, sum)
		}
	default:
		var body []byte
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err == nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) {
				return io.NopCloser(bytes.NewReader(body)), nil
			}
			r.ContentLength = int64(len(body))
			err = t.Signer.Sign(r, body)
		}
	}
	if err != nil {
		closeBody()
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// isStreaming: an aws-chunked request already signed (SignStreaming).
func isStreaming(req *http.Request) bool {
	return strings.HasPrefix(req.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") &&
		req.Header.Get("Authorization") != ""
}

// hashGetBody hashes a fresh copy of the body, leaving req.Body unread.
func hashGetBody(req *http.Request) (string, error) {
	rc, err := req.GetBody()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
