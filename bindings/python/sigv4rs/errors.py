"""Exceptions: one class per `sigv4rs_status`, all under `sigv4rs.Error`.

Input errors (statuses 100-199) are also `ValueError`s, and a wrong Python
type is also a `TypeError`, so callers can catch either the library's
classes or the usual built-in ones.
"""

from . import _ffi

__all__ = [
    "Error", "NullArgumentError", "BufferTooSmallError", "InvalidArgumentError", "ArgumentTypeError",
    "NotInitializedError", "ClosedError", "InvalidInputError", "InvalidAccessKeyIdError", "InvalidSecretKeyError",
    "InvalidSessionTokenError", "InvalidRegionError", "InvalidServiceError", "InvalidUnsignedHeaderError",
    "InvalidMethodError", "InvalidUrlError", "InvalidHostError", "MissingHostError", "InvalidPathError",
    "InvalidQueryError", "ReservedQueryParameterError", "InvalidHeaderNameError", "InvalidHeaderValueError",
    "InvalidPayloadHashError", "InvalidTimeError", "InvalidExpiresError", "TooManyHeadersError",
    "TooManyQueryParametersError", "InputTooLongError", "MissingCredentialsError", "InvalidChunkSizeError",
    "IncompletePayloadError", "PanicError", "from_status",
]


class Error(Exception):
    """Base class. `code` is the C status number, `status` its name."""

    code = None
    status = "UNKNOWN"

    def __init__(self, message, code=None):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def __str__(self):
        return "%s [%s=%s]" % (self.message, self.status, self.code)


class NullArgumentError(Error):
    code, status = _ffi.STATUS_NULL_ARGUMENT, "NULL_ARGUMENT"


class BufferTooSmallError(Error):
    code, status = _ffi.STATUS_BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL"


class InvalidArgumentError(Error, ValueError):
    code, status = _ffi.STATUS_INVALID_ARGUMENT, "INVALID_ARGUMENT"


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """A Python value of the wrong type (or None where a value is required)."""


class NotInitializedError(Error):
    code, status = _ffi.STATUS_NOT_INITIALIZED, "NOT_INITIALIZED"


class ClosedError(NotInitializedError):
    """The Signer was closed."""


class InvalidInputError(Error, ValueError):
    """Base of the invalid-input statuses (100-199)."""


def _input(name, code, status):
    return type(name, (InvalidInputError,), {"code": code, "status": status, "__doc__": status})


InvalidAccessKeyIdError = _input("InvalidAccessKeyIdError", 100, "INVALID_ACCESS_KEY_ID")
InvalidSecretKeyError = _input("InvalidSecretKeyError", 101, "INVALID_SECRET_KEY")
InvalidSessionTokenError = _input("InvalidSessionTokenError", 102, "INVALID_SESSION_TOKEN")
InvalidRegionError = _input("InvalidRegionError", 103, "INVALID_REGION")
InvalidServiceError = _input("InvalidServiceError", 104, "INVALID_SERVICE")
InvalidUnsignedHeaderError = _input("InvalidUnsignedHeaderError", 105, "INVALID_UNSIGNED_HEADER")
InvalidMethodError = _input("InvalidMethodError", 110, "INVALID_METHOD")
InvalidUrlError = _input("InvalidUrlError", 111, "INVALID_URL")
InvalidHostError = _input("InvalidHostError", 112, "INVALID_HOST")
MissingHostError = _input("MissingHostError", 113, "MISSING_HOST")
InvalidPathError = _input("InvalidPathError", 114, "INVALID_PATH")
InvalidQueryError = _input("InvalidQueryError", 115, "INVALID_QUERY")
ReservedQueryParameterError = _input("ReservedQueryParameterError", 116, "RESERVED_QUERY_PARAMETER")
InvalidHeaderNameError = _input("InvalidHeaderNameError", 117, "INVALID_HEADER_NAME")
InvalidHeaderValueError = _input("InvalidHeaderValueError", 118, "INVALID_HEADER_VALUE")
InvalidPayloadHashError = _input("InvalidPayloadHashError", 119, "INVALID_PAYLOAD_HASH")
InvalidTimeError = _input("InvalidTimeError", 120, "INVALID_TIME")
InvalidExpiresError = _input("InvalidExpiresError", 121, "INVALID_EXPIRES")
TooManyHeadersError = _input("TooManyHeadersError", 130, "TOO_MANY_HEADERS")
TooManyQueryParametersError = _input("TooManyQueryParametersError", 131, "TOO_MANY_QUERY_PARAMETERS")
InputTooLongError = _input("InputTooLongError", 132, "INPUT_TOO_LONG")
MissingCredentialsError = _input("MissingCredentialsError", 140, "MISSING_CREDENTIALS")
InvalidChunkSizeError = _input("InvalidChunkSizeError", 150, "INVALID_CHUNK_SIZE")
IncompletePayloadError = _input("IncompletePayloadError", 151, "INCOMPLETE_PAYLOAD")


class PanicError(Error):
    """A bug in the library (it caught a panic; the call had no effect)."""

    code, status = _ffi.STATUS_PANIC, "PANIC"


_BY_CODE = {
    cls.code: cls
    for cls in [NullArgumentError, BufferTooSmallError, InvalidArgumentError, NotInitializedError, PanicError]
    + InvalidInputError.__subclasses__()
}


def _status_message(code):
    # The library's own static text; fall back if it cannot be loaded.
    try:
        return _ffi.load().sigv4rs_status_str(code).decode("ascii")
    except OSError:
        return "status %d" % code


def from_status(code, context=None):
    """The exception for a non-OK status, its message prefixed by `context`."""
    cls = _BY_CODE.get(code, Error)
    msg = _status_message(code)
    if context:
        msg = "%s: %s" % (context, msg)
    err = cls(msg, code)
    if cls is Error:
        err.status = "UNKNOWN"
    return err
