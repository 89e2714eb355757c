"""Credentials that change under a signer: `Credentials`, and the providers a
`Signer` calls for fresh ones (`Signer(region=..., service=...,
credentials=provider)`).

A provider is either a callable returning `Credentials`, an object with
botocore's `RefreshableCredentials` interface (`get_frozen_credentials()`
and its expiry), duck-typed: botocore is never imported here, or the
library's default chain (`sigv4rs.DefaultChain`, which puts the credentials
into the signer without Python seeing them). The library
calls the provider from inside a signing call (`sigv4rs_signer_set_provider`),
on the signing thread, when the signer has no credentials or they expire
within `margin` seconds of the signing time; one call at a time per signer,
while other threads go on signing with the current set. The callback never
lets an exception into C: it remembers it, and the next signing call that
fails for want of credentials raises `MissingCredentialsError` or
`CredentialsExpiredError` with it as `__cause__`.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime
import logging
import math
import threading
from typing import Any, Callable, Optional, Protocol, Tuple, Union

from . import _abi, _ffi
from . import errors as E
from .chain import DefaultChain

# Seconds before expiry at which a signer asks its provider (the library's
# SIGV4RS_DEFAULT_REFRESH_MARGIN), and after a failed call before the next
# (SIGV4RS_PROVIDER_RETRY_SECS). The generated table carries them once the
# header does; until then the values the C documentation gives.
DEFAULT_REFRESH_MARGIN: int = getattr(_abi, "DEFAULT_REFRESH_MARGIN", 300)
PROVIDER_RETRY_SECS: int = getattr(_abi, "PROVIDER_RETRY_SECS", 10)
# For a refreshable object whose expiry cannot be read (no `_expiry_time`):
# the signer asks it again this long after the margin (it refreshes itself
# when it needs to).
POLL_SECS = 60

_OK = _abi.STATUS_OK
_U32_MAX = 0xFFFFFFFF
_log = logging.getLogger("sigv4rs")

Text = Union[str, bytes, bytearray, memoryview]
# Unix seconds (a float is floored) or a datetime (naive means UTC).
Expiration = Union[int, float, datetime.datetime]


@dataclasses.dataclass(frozen=True)
class Credentials:
    """One set of credentials, as a provider returns them. `expiration`:
    when they expire (a datetime, naive meaning UTC, or Unix seconds), or
    None if they do not. The secret and the token stay out of repr()."""

    access_key_id: Text
    secret_access_key: Text = dataclasses.field(repr=False)
    session_token: Optional[Text] = dataclasses.field(default=None, repr=False)
    expiration: Optional[Expiration] = None


class FrozenCredentials(Protocol):
    """What botocore's `get_frozen_credentials()` returns (ReadOnlyCredentials)."""

    access_key: str
    secret_key: str
    token: Optional[str]


class RefreshableLike(Protocol):
    """botocore's `RefreshableCredentials` (or `Credentials`), duck-typed."""

    def get_frozen_credentials(self) -> Any: ...


# What `credentials=` accepts.
CredentialSource = Union[Credentials, Callable[[], Credentials], RefreshableLike, DefaultChain]


def _bytes(value: Any, what: str) -> bytes:
    from .signer import _b

    return _b(value, what)  # type: ignore[no-any-return]


def expiration_secs(value: Optional[Expiration], what: str = "expiration") -> int:
    """Unix seconds of `value` for the C ABI: 0 for None (does not expire)."""
    if value is None:
        return 0
    from .signer import unix_time

    try:
        secs = unix_time(value)
    except E.ArgumentTypeError:
        raise E.ArgumentTypeError(
            "%s must be a datetime, Unix seconds (int or float) or None, not %s" % (what, type(value).__name__)
        ) from None
    if secs <= 0:
        # 0 means "does not expire" in C: a 1970 expiry is a mistake.
        raise E.InvalidTimeError("%s must be after 1970-01-01 (None: they do not expire)" % what,
                                 E.InvalidTimeError.code)
    return secs


def iso(secs: int) -> str:
    """`secs` as an ISO 8601 UTC time, for messages."""
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def c_credentials(akid: bytes, secret: bytes, token: bytes, expiration: int) -> _ffi.sigv4rs_credentials:
    """The C struct pointing into the three bytes objects (it holds them
    until it is dropped)."""
    B = _ffi.sigv4rs_bytes
    return _ffi.sigv4rs_credentials(B(akid, len(akid)), B(secret, len(secret)), B(token or None, len(token)),
                                    expiration)


def margin_secs(value: Any) -> int:
    if value is None:
        return DEFAULT_REFRESH_MARGIN
    if isinstance(value, bool) or not isinstance(value, int):
        raise E.ArgumentTypeError("margin must be int seconds, not %s" % type(value).__name__)
    if not 0 <= value <= _U32_MAX:
        raise E.InvalidArgumentError("margin must be 0..%d seconds, got %d" % (_U32_MAX, value),
                                     E.InvalidArgumentError.code)
    return int(value)


# --- fetching from each kind of source ---------------------------------------

_NO_ATTR = object()


def _from_callable(fn: Callable[[], Any]) -> Callable[[int], Tuple[Any, Any, Any, int]]:
    def fetch(t: int) -> Tuple[Any, Any, Any, int]:
        c = fn()
        if not isinstance(c, Credentials):
            # The type only: the value may hold a secret.
            raise E.ArgumentTypeError("the credentials provider must return sigv4rs.Credentials, not %s"
                                      % type(c).__name__)
        return c.access_key_id, c.secret_access_key, c.session_token, expiration_secs(c.expiration)

    return fetch


def _expiry_of(obj: Any) -> Any:
    """botocore's expiry: `_expiry_time` (a datetime, or None when they do
    not expire); _NO_ATTR when the object has none."""
    return getattr(obj, "_expiry_time", _NO_ATTR)


def _from_refreshable(obj: Any, margin: int) -> Callable[[int], Tuple[Any, Any, Any, int]]:
    """botocore's RefreshableCredentials (and DeferredRefreshableCredentials,
    and plain Credentials): `get_frozen_credentials()` refreshes them when
    botocore's own windows say so (15 minutes advisory, 10 mandatory: always
    when the signer asks within the default 5-minute margin) and gives a
    consistent (key, secret, token); the expiry is `_expiry_time`, the only
    place botocore keeps it (`refresh_needed()` only compares it with a
    window)."""

    def fetch(t: int) -> Tuple[Any, Any, Any, int]:
        for _ in range(3):
            frozen = obj.get_frozen_credentials()
            expiry = _expiry_of(obj)
            # botocore publishes a refresh as the frozen set, then the expiry:
            # an expiry read after an unchanged frozen set belongs to it, or
            # to a newer set (earlier, so harmless).
            if getattr(obj, "_frozen_credentials", frozen) is frozen:
                break
        if frozen is None:
            raise E.MissingCredentialsError("the credentials provider (%s) returned no credentials"
                                            % type(obj).__name__, E.MissingCredentialsError.code)
        try:
            akid, secret, token = frozen.access_key, frozen.secret_key, frozen.token
        except AttributeError:
            raise E.ArgumentTypeError("get_frozen_credentials() of %s returned %s, without access_key, secret_key "
                                      "and token" % (type(obj).__name__, type(frozen).__name__)) from None
        if expiry is _NO_ATTR:
            # Refreshable, but its expiry is not readable: ask it again a
            # little after the margin; it decides whether to refresh.
            secs = t + margin + POLL_SECS if callable(getattr(obj, "refresh_needed", None)) else 0
        elif expiry is None:
            secs = 0
        elif isinstance(expiry, datetime.datetime):
            secs = expiration_secs(expiry, "the provider's _expiry_time")
        else:
            raise E.ArgumentTypeError("_expiry_time of %s is %s, not a datetime"
                                      % (type(obj).__name__, type(expiry).__name__))
        return akid, secret, token, secs

    return fetch


class Info:
    """What a Signer shows of its current credentials (never the secret):
    the access key id and whether there is a session token, of the last set
    it was given (by the constructor, rotate() or its provider)."""

    __slots__ = ("access_key_id", "has_session_token")

    def __init__(self, access_key_id: Any = "", has_session_token: bool = False) -> None:
        self.access_key_id = ""
        self.has_session_token = False
        self.set(access_key_id, has_session_token)

    def set(self, access_key_id: Any, has_session_token: bool) -> None:
        akid = access_key_id
        if not isinstance(akid, str):
            akid = bytes(akid).decode("utf-8", "replace")
        # One tuple store would be atomic; two attribute stores are close
        # enough for a display value.
        self.access_key_id, self.has_session_token = akid, has_session_token


class Provider:
    """A signer's provider: the source, the C callback made from it (kept
    alive by the Signer as long as the C signer) and what the last call left.

    Attributes read by the Signer: `error`, the exception of the last failed
    call (None after a success); `calls`, how many times the source was
    asked. `thread` is the thread inside a call (rotate() refuses to wait
    for its own provider)."""

    def __init__(self, source: Any, margin: int, info: Any) -> None:
        self.chain: Optional[DefaultChain] = None
        self._acquired = False
        if isinstance(source, DefaultChain):
            self.chain = source
        elif callable(getattr(source, "get_frozen_credentials", None)):
            self.fetch = _from_refreshable(source, margin)
        elif callable(source):
            self.fetch = _from_callable(source)
        else:
            raise E.ArgumentTypeError(
                "credentials must be sigv4rs.Credentials, a callable returning them, botocore credentials "
                "(an object with get_frozen_credentials()) or a sigv4rs.DefaultChain, not %s"
                % type(source).__name__)
        self.source_type = type(source).__name__
        self.margin = margin
        self.info = info
        self.error: Optional[BaseException] = None
        self.calls = 0
        self.thread: Optional[int] = None
        # Signing time from which the last set put is due for refresh
        # (expiration - margin; inf when it does not expire); None before
        # the first put and after a rotate().
        self.fresh_until: Optional[float] = None
        # (access key id, expiration) of the last set put.
        self.last: Optional[Tuple[bytes, int]] = None
        self._lib = _ffi.load()
        self.cfunc = _ffi.provider_fn(self._callback)

    def acquire(self) -> None:
        """Before the C signer gets the callback: a chain is not freed while
        it is in use (ClosedError if it is closed)."""
        if self.chain is not None:
            self.chain._acquire()
            self._acquired = True

    def release(self) -> None:
        """Once the C signer is freed (or never got the callback): the chain
        may go."""
        if self._acquired:
            self._acquired = False
            self.chain._release()  # type: ignore[union-attr]

    def reset(self) -> None:
        """After a rotate(): what the provider put is no longer current."""
        self.fresh_until = None
        self.last = None
        self.error = None

    def _callback(self, user: Any, t: int, sink: Any) -> int:
        # Runs on the signing thread, inside the C call (ctypes took the
        # GIL back). Must not raise: everything is caught and remembered.
        if self.chain is not None:
            return self._chain_callback(t, sink)
        try:
            fresh = self.fresh_until
            if fresh is not None and t < fresh:
                # Another thread saw the old set due and asked after this
                # one had refreshed it: nothing to do. (Not OK: the signer
                # keeps its current set, the fresh one.)
                return _abi.STATUS_MISSING_CREDENTIALS
            self.thread = threading.get_ident()
            self.calls += 1
            try:
                akid, secret, token, exp = self.fetch(t)
            finally:
                self.thread = None
            a = _bytes(akid, "access_key_id")
            if exp and exp <= t:
                raise E.CredentialsExpiredError(
                    "credentials provider: the credentials it returned (%s) expired at %s, not after the "
                    "signing time %s" % (a.decode("ascii", "replace"), iso(exp), iso(t)),
                    E.CredentialsExpiredError.code)
            if exp and self.last == (a, exp) and exp - self.margin <= t:
                # The same set again, still within the margin: keep it (a
                # failure, so the signer asks again PROVIDER_RETRY_SECS later
                # instead of on every signing call).
                self.error = E.CredentialsExpiredError(
                    "credentials provider: returned the same credentials (%s) again, expiring at %s"
                    % (a.decode("ascii", "replace"), iso(exp)), E.CredentialsExpiredError.code)
                _log.debug("sigv4rs: %s", self.error.message)
                return _abi.STATUS_CREDENTIALS_EXPIRED
            tok = b"" if token is None else _bytes(token, "session_token")
            token_len = len(tok)
            c = c_credentials(a, _bytes(secret, "secret_access_key"), tok, exp)
            del secret, token, tok  # the struct holds the only references now
            st = self._lib.sigv4rs_credentials_sink_put(sink, ctypes.byref(c))
            del c
            if st != _OK:
                raise E.from_status(st, "credentials provider")
            self.last = (a, exp)
            self.fresh_until = exp - self.margin if exp else math.inf
            self.error = None
            self.info.set(akid, bool(token_len))
            return _OK
        except BaseException as e:  # noqa: B036 (nothing may cross into C)
            self._failed(e)
            return _abi.STATUS_MISSING_CREDENTIALS

    def _chain_callback(self, t: int, sink: Any) -> int:
        # The chain puts the credentials into the sink inside the library:
        # they never enter Python, and the library already asks only when
        # due (fresh_until and last are for Python sources).
        try:
            self.thread = threading.get_ident()
            self.calls += 1
            try:
                st, err = self.chain._resolve(t, sink)  # type: ignore[union-attr]
            finally:
                self.thread = None
            if st == _OK:
                self.error = None
                self.info.set("", False)  # the key id stays in the library
                return _OK
            self._failed(err)
            return st
        except BaseException as e:  # noqa: B036
            self._failed(e)
            return _abi.STATUS_MISSING_CREDENTIALS

    def _failed(self, e: Any) -> None:
        self.error = e
        try:
            _log.warning("sigv4rs: the credentials provider (%s) failed (%s: %s); signing goes on with the "
                         "current credentials until they expire, and asks again in %d s",
                         self.source_type, type(e).__name__, e, PROVIDER_RETRY_SECS)
        except BaseException:  # noqa: B036
            pass
