package sigv4rs

import "strconv"

// Error is a failure reported by the library (or found before calling it).
// Status is the library's sigv4rs_status number, which never changes
// between releases; Message is its English text.
//
// Compare with the sentinels using errors.Is: two *Error values match when
// their Status is equal, so errors.Is(err, ErrInvalidHeaderValue) holds
// for any error with status 118, whatever its message.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string {
	return "sigv4rs: " + e.Message + " (status " + strconv.Itoa(e.Status) + ")"
}

// Is reports whether target is an *Error with the same status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Status == e.Status
}

func sentinel(st uint32) *Error {
	return &Error{Status: int(st), Message: statusText(st)}
}

// Sentinels, one per status of sigv4rs.h, for errors.Is.
var (
	ErrNullArgument           = sentinel(1)
	ErrBufferTooSmall         = sentinel(2)
	ErrInvalidArgument        = sentinel(3)
	ErrNotInitialized         = sentinel(4)
	ErrInvalidAccessKeyID     = sentinel(100)
	ErrInvalidSecretKey       = sentinel(101)
	ErrInvalidSessionToken    = sentinel(102)
	ErrInvalidRegion          = sentinel(103)
	ErrInvalidService         = sentinel(104)
	ErrInvalidUnsignedHeader  = sentinel(105)
	ErrInvalidMethod          = sentinel(110)
	ErrInvalidURL             = sentinel(111)
	ErrInvalidHost            = sentinel(112)
	ErrMissingHost            = sentinel(113)
	ErrInvalidPath            = sentinel(114)
	ErrInvalidQuery           = sentinel(115)
	ErrReservedQueryParameter = sentinel(116)
	ErrInvalidHeaderName      = sentinel(117)
	ErrInvalidHeaderValue     = sentinel(118)
	ErrInvalidPayloadHash     = sentinel(119)
	ErrInvalidTime            = sentinel(120)
	ErrInvalidExpires         = sentinel(121)
	ErrTooManyHeaders         = sentinel(130)
	ErrTooManyQueryParameters = sentinel(131)
	ErrInputTooLong           = sentinel(132)
	ErrMissingCredentials     = sentinel(140)
	ErrInvalidChunkSize       = sentinel(150)
	ErrIncompletePayload      = sentinel(151)
	ErrPanic                  = sentinel(900)
)

// ErrClosed is returned by a Signer after Close. It has the library's
// NOT_INITIALIZED status, so errors.Is(err, ErrNotInitialized) holds too.
var ErrClosed = &Error{Status: 4, Message: "signer is closed"}

var sentinels = []*Error{
	ErrNullArgument, ErrBufferTooSmall, ErrInvalidArgument, ErrNotInitialized,
	ErrInvalidAccessKeyID, ErrInvalidSecretKey, ErrInvalidSessionToken,
	ErrInvalidRegion, ErrInvalidService, ErrInvalidUnsignedHeader,
	ErrInvalidMethod, ErrInvalidURL, ErrInvalidHost, ErrMissingHost,
	ErrInvalidPath, ErrInvalidQuery, ErrReservedQueryParameter,
	ErrInvalidHeaderName, ErrInvalidHeaderValue, ErrInvalidPayloadHash,
	ErrInvalidTime, ErrInvalidExpires, ErrTooManyHeaders,
	ErrTooManyQueryParameters, ErrInputTooLong, ErrMissingCredentials,
	ErrInvalidChunkSize, ErrIncompletePayload, ErrPanic,
}

// statusError returns a fresh *Error so callers may not alter a sentinel.
func statusError(st uint32) error {
	for _, s := range sentinels {
		if uint32(s.Status) == st {
			return &Error{Status: s.Status, Message: s.Message}
		}
	}
	return &Error{Status: int(st), Message: statusText(st)}
}

// argError is an error found in Go before calling the library, with the
// status the library uses for that kind of input.
func argError(like *Error, msg string) error {
	return &Error{Status: like.Status, Message: msg}
}
