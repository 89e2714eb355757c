"""Exceptions: one class per `sigv4rs_status`, all under `sigv4rs.Error`.

The classes are made from the generated status table (`_abi.STATUSES`):
status INVALID_HEADER_VALUE is `InvalidHeaderValueError`, and a new status
gets its class with no edit here. Input errors (statuses 100-199) and
INVALID_ARGUMENT are also `ValueError`s, and a wrong Python type is also a
`TypeError`, so callers can catch either the library's classes or the
usual built-in ones. The credential statuses (140-149: MISSING_CREDENTIALS,
CREDENTIALS_EXPIRED, BUSY...; 160-169, the credential sources') also derive
from `CredentialsError`; the verifier's (200-299) from `VerificationError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Type

from . import _abi


class Error(Exception):
    """Base class. `code` is the C status number, `status` its name.

    When the library can say which input of the request is bad, `field`
    names it ("method", "url", "host", "path", "query", "headers",
    "header_name", "header_value", "payload_mode", "payload"); for a header,
    `index` is its position in the headers given (0-based) and
    `header_name` its name; `offset` is the first bad byte in that input
    (of its UTF-8 encoding), or None when no single byte is to blame. All
    are None otherwise."""

    code: Optional[int] = None
    status: str = "UNKNOWN"
    field: Optional[str] = None
    index: Optional[int] = None
    offset: Optional[int] = None
    header_name: Optional[str] = None

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def __str__(self) -> str:
        return "%s [%s=%s]" % (self.message, self.status, self.code)


class InvalidInputError(Error, ValueError):
    """Base of the invalid-input statuses (100-199)."""


class CredentialsError(Error):
    """Base of the credential statuses (140-149, 160-169): no credentials yet
    (`MissingCredentialsError`), expired ones (`CredentialsExpiredError`),
    a rotation that met another one or a provider call (`BusyError`). When a
    credential provider failed, the sign call's error has the provider's
    exception as its `__cause__`."""


class VerificationError(Error):
    """A received request that does not verify (`Verifier.verify`, `begin`,
    a BodyVerifier). The verifier's statuses (200-299: SignatureMismatchError,
    ClockSkewError...) derive from it, and a request the library cannot
    parse (InvalidUrlError, IncompletePayloadError...) is raised as a class
    deriving from both. `result` is the `VerifyResult` filled as far as the
    verification got (the claimed access key id, for a log); never the
    secret."""

    result: Optional[Any] = None


def _is_credentials_status(code: int) -> bool:
    # The library numbers them 140-149 (a signer's) and 160-169 (sources).
    return 140 <= code < 150 or 160 <= code < 170


def _status_class(code: int, name: str, camel: str, message: str) -> Type[Error]:
    if _is_credentials_status(code):  # in the input range too (MissingCredentialsError was a ValueError in 0.1)
        bases: tuple = (InvalidInputError, CredentialsError)
    elif 100 <= code < 200:
        bases = (InvalidInputError,)
    elif 200 <= code < 300:
        bases = (VerificationError,)
    elif code == _abi.STATUS_INVALID_ARGUMENT:
        bases = (Error, ValueError)
    else:
        bases = (Error,)
    doc = "Status %s (%d): %s." % (name, code, message)
    return type(camel + "Error", bases, {"code": code, "status": name, "__doc__": doc, "__module__": __name__})


_BY_CODE: Dict[int, Type[Error]] = {
    st[0]: _status_class(*st) for st in _abi.STATUSES if st[0] != _abi.STATUS_OK
}
_MESSAGES = {code: message for code, _, _, message in _abi.STATUSES}
globals().update((cls.__name__, cls) for cls in _BY_CODE.values())


# Binding-only refinements of two statuses.
if TYPE_CHECKING:  # the generated bases, as type checkers see them
    class _InvalidArgument(Error, ValueError): ...
    _NotInitialized = Error
else:
    _InvalidArgument = _BY_CODE[_abi.STATUS_INVALID_ARGUMENT]
    _NotInitialized = _BY_CODE[_abi.STATUS_NOT_INITIALIZED]


class ArgumentTypeError(_InvalidArgument, TypeError):
    """A Python value of the wrong type (or None where a value is required)."""


class ClosedError(_NotInitialized):
    """The Signer was closed."""


__all__ = ["Error", "InvalidInputError", "CredentialsError", "VerificationError", "ArgumentTypeError", "ClosedError", "from_status"]
__all__ += [cls.__name__ for cls in _BY_CODE.values()]


def __getattr__(name: str) -> Type[Error]:
    # Reached only for names not defined above. Its type tells type
    # checkers that the generated names (InvalidUrlError...) are Errors.
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


# Location field numbers (`sigv4rs_location.field`) by name, from the table.
FIELDS: Dict[int, str] = {
    getattr(_abi, n): n[len("FIELD_"):].lower() for n in dir(_abi) if n.startswith("FIELD_")
}


def _show(name: str) -> str:
    """`name` for a message: control characters escaped."""
    return "".join(c if " " <= c != "\x7f" else repr(c)[1:-1] for c in name)


def locate(err: Error, context: Optional[str], field: str, index: Optional[int] = None,
           offset: Optional[int] = None, header_name: Optional[str] = None) -> Error:
    """Sets `err`'s location and rewrites its message to name it:
    `sign: header 3 (X-Foo) value: invalid header value at byte 5`.
    Returns `err`."""
    err.field, err.index, err.offset, err.header_name = field, index, offset, header_name
    if field in ("header_name", "header_value"):
        where = "header %s (%s) %s" % (index, _show(header_name or ""), field[len("header_"):])
    else:
        where = field
    msg = "%s: %s" % (where, _MESSAGES.get(err.code, "unknown status") if err.code is not None else err.status)
    if offset is not None:
        msg += " at byte %d" % offset
    if context:
        msg = "%s: %s" % (context, msg)
    err.message = msg
    err.args = (msg,)
    return err


def from_status(code: int, context: Optional[str] = None) -> Error:
    """The exception for a non-OK status, its message prefixed by `context`."""
    cls = _BY_CODE.get(code, Error)
    msg = _MESSAGES.get(code, "unknown status")
    if context:
        msg = "%s: %s" % (context, msg)
    return cls(msg, code)


_VERIFICATION: Dict[int, Type[VerificationError]] = {}


def verification_class(code: int) -> Type[VerificationError]:
    """The class a verification raises for `code`: the status's own class
    when it is already a VerificationError, else one deriving from both
    (an InvalidUrlError that is also a VerificationError)."""
    cls = _BY_CODE.get(code, Error)
    if issubclass(cls, VerificationError):
        return cls
    sub = _VERIFICATION.get(code)
    if sub is None:
        sub = _VERIFICATION[code] = type(cls.__name__, (cls, VerificationError),
                                         {"__doc__": cls.__doc__, "__module__": __name__})
    return sub
