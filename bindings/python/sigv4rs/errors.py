"""Exceptions: one class per `sigv4rs_status`, all under `sigv4rs.Error`.

The classes are made from the generated status table (`_abi.STATUSES`):
status INVALID_HEADER_VALUE is `InvalidHeaderValueError`, and a new status
gets its class with no edit here. Input errors (statuses 100-199) and
INVALID_ARGUMENT are also `ValueError`s, and a wrong Python type is also a
`TypeError`, so callers can catch either the library's classes or the
usual built-in ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Type

from . import _abi


class Error(Exception):
    """Base class. `code` is the C status number, `status` its name."""

    code: Optional[int] = None
    status: str = "UNKNOWN"

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def __str__(self) -> str:
        return "%s [%s=%s]" % (self.message, self.status, self.code)


class InvalidInputError(Error, ValueError):
    """Base of the invalid-input statuses (100-199)."""


def _status_class(code: int, name: str, camel: str, message: str) -> Type[Error]:
    if 100 <= code < 200:
        bases: tuple = (InvalidInputError,)
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


__all__ = ["Error", "InvalidInputError", "ArgumentTypeError", "ClosedError", "from_status"]
__all__ += [cls.__name__ for cls in _BY_CODE.values()]


def __getattr__(name: str) -> Type[Error]:
    # Reached only for names not defined above. Its type tells type
    # checkers that the generated names (InvalidUrlError...) are Errors.
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def from_status(code: int, context: Optional[str] = None) -> Error:
    """The exception for a non-OK status, its message prefixed by `context`."""
    cls = _BY_CODE.get(code, Error)
    msg = _MESSAGES.get(code, "unknown status")
    if context:
        msg = "%s: %s" % (context, msg)
    return cls(msg, code)
