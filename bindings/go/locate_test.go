package sigv4rs

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// wantLoc checks a failed call's location, derived by hand from the input.
func wantLoc(t *testing.T, what string, err error, sentinel *Error, field string, index, offset int, header, msg string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Errorf("%s: got %v, want status %d", what, err, sentinel.Status)
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: %T is not an *Error", what, err)
		return
	}
	if e.Field != field || e.Index != index || e.Offset != offset || e.HeaderName != header {
		t.Errorf("%s: field %q index %d offset %d header %q, want %q %d %d %q",
			what, e.Field, e.Index, e.Offset, e.HeaderName, field, index, offset, header)
	}
	if e.Error() != msg {
		t.Errorf("%s: message\n  %q\nwant\n  %q", what, e.Error(), msg)
	}
}

func TestLocateRaw(t *testing.T) {
	s := newTestSigner(t, nil)
	hs := func(last Header) []Header {
		return []Header{{"X-A", "a"}, {"X-B", "b"}, {"X-C", "c"}, last}
	}
	// "hello" is bytes 0-4: the CR is byte 5 of the 4th header (index 3).
	crValue := &Request{Method: "GET", URL: "https://example.com/", Headers: hs(Header{"X-Foo", "hello\rworld"})}
	const crMsg = "sigv4rs: header 3 (X-Foo) value: invalid header value at byte 5 (status 118)"
	_, err := s.SignRaw(crValue, fixed)
	wantLoc(t, "SignRaw CR in value", err, ErrInvalidHeaderValue, FieldHeaderValue, 3, 5, "X-Foo", crMsg)
	_, err = s.PresignRaw(crValue, fixed, time.Hour)
	wantLoc(t, "PresignRaw CR in value", err, ErrInvalidHeaderValue, FieldHeaderValue, 3, 5, "X-Foo", crMsg)
	_, err = s.CanonicalRequestRaw(crValue, fixed, 0)
	wantLoc(t, "CanonicalRequestRaw CR in value", err, ErrInvalidHeaderValue, FieldHeaderValue, 3, 5, "X-Foo", crMsg)
	_, err = s.StringToSignRaw(crValue, fixed, time.Hour)
	wantLoc(t, "StringToSignRaw CR in value", err, ErrInvalidHeaderValue, FieldHeaderValue, 3, 5, "X-Foo", crMsg)

	// "X Foo": the space is byte 1 of header 1's name.
	_, err = s.SignRaw(&Request{Method: "GET", URL: "https://example.com/",
		Headers: []Header{{"X-A", "a"}, {"X Foo", "v"}}}, fixed)
	wantLoc(t, "bad header name", err, ErrInvalidHeaderName, FieldHeaderName, 1, 1, "X Foo",
		"sigv4rs: header 1 (X Foo) name: invalid header name at byte 1 (status 117)")
	// A name with a control byte is quoted in the message.
	_, err = s.SignRaw(&Request{Method: "GET", URL: "https://example.com/",
		Headers: []Header{{"X\nA", "a"}}}, fixed)
	wantLoc(t, "LF in header name", err, ErrInvalidHeaderName, FieldHeaderName, 0, 1, "X\nA",
		`sigv4rs: header 0 ("X\nA") name: invalid header name at byte 1 (status 117)`)

	// "GE T": the space is byte 2; an empty method has no bad byte.
	_, err = s.SignRaw(&Request{Method: "GE T", URL: "https://example.com/"}, fixed)
	wantLoc(t, "bad method", err, ErrInvalidMethod, FieldMethod, -1, 2, "",
		"sigv4rs: method: invalid method at byte 2 (status 110)")
	_, err = s.SignRaw(&Request{URL: "https://example.com/"}, fixed)
	wantLoc(t, "empty method", err, ErrInvalidMethod, FieldMethod, -1, -1, "",
		"sigv4rs: method: invalid method (status 110)")

	// "https://" is bytes 0-7, "example.com" 8-18: the DEL is byte 19.
	_, err = s.SignRaw(&Request{Method: "GET", URL: "https://example.com\x7f/"}, fixed)
	wantLoc(t, "control byte in URL", err, ErrInvalidURL, FieldURL, -1, 19, "",
		"sigv4rs: url: invalid URL at byte 19 (status 111)")

	var many []Header
	for i := 0; i < 65; i++ {
		many = append(many, Header{"X-H" + strconv.Itoa(i), "v"})
	}
	_, err = s.SignRaw(&Request{Method: "GET", URL: "https://example.com/", Headers: many}, fixed)
	wantLoc(t, "65 headers", err, ErrTooManyHeaders, FieldHeaders, -1, -1, "",
		"sigv4rs: headers: too many headers (status 130)")

	// Not about one input: no location, the message as before.
	_, err = s.SignRaw(&Request{Method: "GET", URL: "https://example.com/"}, time.Unix(-1, 0))
	wantLoc(t, "time before 1970", err, ErrInvalidTime, "", 0, 0, "", "sigv4rs: invalid time (status 120)")
	if _, err := s.SignRaw(&Request{Method: "GET", URL: "https://example.com/", Headers: hs(Header{"X-Foo", "ok"})}, fixed); err != nil {
		t.Fatalf("good request after failures: %v", err)
	}
}

// For an *http.Request the index is the value's in req.Header[name]: the
// binding's own Content-Length (and Host, for Presign) and the other keys
// before it in the list given to C do not count.
func TestLocateHTTP(t *testing.T) {
	s := newTestSigner(t, nil)
	const msg = `sigv4rs: req.Header["X-Foo"][1] value: invalid header value at byte 3 (status 118)`
	mk := func() *http.Request {
		r := httptest.NewRequest("PUT", "https://example.com/k", nil)
		r.ContentLength = 5 // packed first, as Content-Length
		r.Header["A-First"] = []string{"1", "2"}
		r.Header["X-Foo"] = []string{"good", "bad\rvalue"}
		r.Header["Z-Last"] = []string{"z"}
		return r
	}
	err := s.Sign(mk(), []byte("hello"))
	wantLoc(t, "Sign", err, ErrInvalidHeaderValue, FieldHeaderValue, 1, 3, "X-Foo", msg)
	_, err = s.Presign(mk(), time.Hour)
	wantLoc(t, "Presign", err, ErrInvalidHeaderValue, FieldHeaderValue, 1, 3, "X-Foo", msg)
	_, err = s.CanonicalRequest(mk(), []byte("hello"), 0)
	wantLoc(t, "CanonicalRequest", err, ErrInvalidHeaderValue, FieldHeaderValue, 1, 3, "X-Foo", msg)
	_, err = s.StringToSign(mk(), nil, time.Hour)
	wantLoc(t, "StringToSign", err, ErrInvalidHeaderValue, FieldHeaderValue, 1, 3, "X-Foo", msg)
	_, err = s.NewChunkedEncoder(mk(), 100, StreamOptions{Mode: StreamSigned})
	wantLoc(t, "NewChunkedEncoder", err, ErrInvalidHeaderValue, FieldHeaderValue, 1, 3, "X-Foo", msg)

	r := mk()
	r.Header["X-Foo"] = []string{"good"}
	r.Header["Bad Name"] = []string{"v"}
	err = s.Sign(r, []byte("hello"))
	wantLoc(t, "Sign bad name", err, ErrInvalidHeaderName, FieldHeaderName, 0, 3, "Bad Name",
		`sigv4rs: req.Header["Bad Name"][0] name: invalid header name at byte 3 (status 117)`)

	// Presign signs a req.Host other than the URL's as a Host header that
	// the binding adds: not one of req.Header's. "other" is bytes 0-4.
	r = mk()
	r.Header["X-Foo"] = []string{"good"}
	r.Host = "other\x01.example.com"
	_, err = s.Presign(r, time.Hour)
	wantLoc(t, "Presign bad req.Host", err, ErrInvalidHeaderValue, FieldHeaderValue, -1, 5, "Host",
		"sigv4rs: Host header (from req.Host) value: invalid header value at byte 5 (status 118)")

	r = mk()
	r.Header["X-Foo"] = []string{"good"}
	r.Method = "P\x00T"
	err = s.Sign(r, []byte("hello"))
	wantLoc(t, "Sign bad method", err, ErrInvalidMethod, FieldMethod, -1, 1, "",
		"sigv4rs: method: invalid method at byte 1 (status 110)")
}
