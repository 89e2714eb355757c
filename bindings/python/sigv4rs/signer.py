"""The Signer: a Python object owning one heap `sigv4rs_signer`."""

from __future__ import annotations

import ctypes
import datetime
import math
import os
import struct
import sys
import threading
import time as _time
from collections import abc
from typing import TYPE_CHECKING, Any, Dict, Iterable, Mapping, NamedTuple, Optional, Tuple, Union, overload

from . import _abi, _ffi
from . import credentials as C
from . import errors as E
from .credentials import CredentialSource, Expiration

if TYPE_CHECKING:
    from .chain import Transport
    from .streaming import ChunkedEncoder, Source

# str is UTF-8 encoded; bytes-like objects are taken as they are.
Text = Union[str, bytes, bytearray, memoryview]
# A mapping, or (name, value) pairs for repeated names.
Headers = Union[Mapping[str, Text], Mapping[bytes, Text], Iterable[Tuple[Text, Text]]]
# Unix seconds (a float is floored) or a datetime (naive means UTC).
Time = Union[int, float, datetime.datetime]

_OK = _abi.STATUS_OK
_TOO_SMALL = _abi.STATUS_BUFFER_TOO_SMALL
_BUSY = _abi.STATUS_BUSY
# Statuses a signing call returns for want of credentials: raised with the
# provider's last exception as __cause__ (never signed again for a location).
_CREDENTIALS = frozenset((_abi.STATUS_MISSING_CREDENTIALS, _abi.STATUS_CREDENTIALS_EXPIRED, _abi.STATUS_BUSY))
_Bytes = _ffi.sigv4rs_bytes
_Request = _ffi.sigv4rs_request
_FlatRequest = _ffi.FlatRequest
_byref = ctypes.byref
_addressof = ctypes.addressof
_U32_MAX = 0xFFFFFFFF
_MAX_TIME = _abi.MAX_UNIX_TIME
_AUTH_HEADERS = _abi.AUTH_HEADERS
_AUTH_PRESIGN = _abi.AUTH_PRESIGN
_PAYLOAD_AUTO = _abi.PAYLOAD_MODE_AUTO
# `spans` goes to C as a struct.pack bytes object: its buffer must be
# aligned for uint32_t (CPython's bytes header is 32 bytes on 64-bit).
if (sys.getsizeof(b"") - 1) % 4:
    raise ImportError("sigv4rs: bytes buffers are not aligned for uint32_t on this Python")
# The packed call's constant size_t arguments are made once, by
# from_param: ctypes passes the argument objects it makes (and byref()s) as
# they are, where it converts a c_size_t instance again on every call.
_size_t_arg = ctypes.c_size_t.from_param
# The packed call's `fields` output is not asked for (NULL, capacity 0):
# in Python, splitting the text output costs less than reading `fields`.
_NO_FIELDS_CAP = _size_t_arg(0)


class _Packers(Dict[int, Tuple[Any, Any]]):
    """Span count n -> (`struct.Struct("<n>I").pack`, size_t argument n),
    made on first use."""

    def __missing__(self, n):
        p = self[n] = (struct.Struct("=%dI" % n).pack, _size_t_arg(n))
        return p


_packers = _Packers()


class Parts(NamedTuple):
    """A request target given as `host[:port]`, path and query (no `?`),
    instead of a URL. Pass it wherever a URL is accepted: the bytes go to
    the library exactly as given (raw UTF-8 or spaces included, for exact
    control); `host` may be empty when a `Host` header is given. The scheme
    of a presigned URL made from parts is https."""

    host: Text
    path: Text = "/"
    query: Text = ""


# An absolute URL as sent (ASCII, percent-encoded), or Parts.
Target = Union[str, bytes, Parts]


def _b(value, what):
    """`value` as bytes: str is UTF-8 encoded; bytes-like is copied."""
    t = type(value)
    if t is str:
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise E.InvalidArgumentError("%s is not encodable as UTF-8 (%s)" % (what, e.reason)) from None
    if t is bytes:
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return _b(str(value), what)
    if value is None:
        raise E.ArgumentTypeError("%s is required (str or bytes), got None" % what)
    raise E.ArgumentTypeError("%s must be str or bytes, not %s" % (what, t.__name__))


def _opt_b(value, what):
    return b"" if value is None else _b(value, what)


def _flag(value, what):
    if type(value) is not bool:
        raise E.ArgumentTypeError("%s must be True or False, not %s" % (what, type(value).__name__))
    return value


def _flags(s3, normalize_path, single_encode_path, content_sha256_header, unsigned_session_token,
           sigv4a=False, s3express=False):
    if sigv4a is True and s3express is True:
        # The library's INVALID_ARGUMENT would not say which.
        raise E.InvalidArgumentError("sigv4a and s3express are exclusive: AWS signs S3 Express with SigV4 only",
                                     E.InvalidArgumentError.code)
    flags = 0
    for on, bit in (
        (_flag(s3, "s3"), _abi.FLAG_S3),
        (_flag(sigv4a, "sigv4a"), _abi.FLAG_SIGV4A),
        (_flag(s3express, "s3express"), _abi.FLAG_S3EXPRESS),
        (not _flag(normalize_path, "normalize_path"), _abi.FLAG_NO_PATH_NORMALIZATION),
        (_flag(single_encode_path, "single_encode_path"), _abi.FLAG_SINGLE_ENCODE_PATH),
        (_flag(content_sha256_header, "content_sha256_header"), _abi.FLAG_CONTENT_SHA256_HEADER),
        (_flag(unsigned_session_token, "unsigned_session_token"), _abi.FLAG_UNSIGNED_SESSION_TOKEN),
    ):
        if on:
            flags |= bit
    return flags


def _ascii_url(url):
    u = _b(url, "url")
    if not u:
        err = E.InvalidUrlError("url is empty", E.InvalidUrlError.code)
        err.field = "url"
        raise err
    if not u.isascii():
        # A URL on the wire is ASCII; signing raw UTF-8 would sign a path
        # the HTTP client then percent-encodes differently.
        offset = next(i for i, c in enumerate(u) if c > 0x7F)
        err = E.InvalidUrlError(
            "url must be ASCII, percent-encoded as it goes on the wire (use sigv4rs.Parts for raw bytes); "
            "byte %d is not" % offset,
            E.InvalidUrlError.code,
        )
        err.field, err.offset = "url", offset
        raise err
    return u


# Statuses about the request's inputs: after one, `sigv4rs_request_locate`
# says which input (success paths never call it).
_LOCATABLE = frozenset(
    [code for code, *_ in _abi.STATUSES if 100 <= code < 200]
    + [_abi.STATUS_NULL_ARGUMENT, _abi.STATUS_INVALID_ARGUMENT]
)
_HEADER_FIELDS = (_abi.FIELD_HEADER_NAME, _abi.FIELD_HEADER_VALUE)


def _located_error(lib, st, what, view):
    """The exception for status `st` of a call given the C request `view`
    (still alive), with the bad input's location when the library finds it."""
    err = E.from_status(st, what)
    if st not in _LOCATABLE:
        return err
    loc = _ffi.sigv4rs_location()
    if lib.sigv4rs_request_locate(_byref(view), st, _byref(loc)) != _OK or loc.field == _abi.FIELD_NONE:
        return err
    index = name = None
    if loc.field in _HEADER_FIELDS:
        index = loc.index
        if index < view.headers_len:
            b = view.headers[index].name
            ptr = ctypes.c_void_p.from_address(_addressof(b)).value
            raw = ctypes.string_at(ptr, b.len) if ptr and b.len else b""
            # The bytes given (a str's UTF-8 encoding): decodes back to it.
            name = raw.decode("utf-8", "backslashreplace")
    offset = None if loc.offset == _abi.NO_OFFSET else loc.offset
    return E.locate(err, what, E.FIELDS.get(loc.field, str(loc.field)), index, offset, name)


def unix_time(value: Optional[Time]) -> int:
    """Seconds since the epoch for `value`: None (now), int, float (floored)
    or datetime (naive means UTC)."""
    if value is None:
        return int(_time.time())
    secs: int
    if type(value) is int:
        secs = value
    elif isinstance(value, bool):
        raise E.ArgumentTypeError("time must be int, float or datetime, not bool")
    elif isinstance(value, int):
        secs = int(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise E.InvalidTimeError("time is not finite: %r" % value, E.InvalidTimeError.code)
        secs = math.floor(value)
    elif isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        secs = math.floor(value.timestamp())
    else:
        raise E.ArgumentTypeError("time must be int, float or datetime, not %s" % type(value).__name__)
    # ctypes would silently wrap an int64 overflow.
    if not 0 <= secs <= _abi.MAX_UNIX_TIME:
        raise E.InvalidTimeError("time %r is outside 1970..9999" % (value,), E.InvalidTimeError.code)
    return secs


def _expires(value, what="expires"):
    if type(value) is not int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise E.ArgumentTypeError("%s must be int seconds, not %s" % (what, type(value).__name__))
        value = int(value)
    # Checked here: ctypes would wrap the C uint32 silently.
    if not 1 <= value <= _abi.MAX_EXPIRES:
        raise E.InvalidExpiresError(
            "%s must be 1..%d seconds, got %d" % (what, _abi.MAX_EXPIRES, value), E.InvalidExpiresError.code
        )
    return value


def _header_items(headers):
    if headers is None:
        return ()
    if isinstance(headers, abc.Mapping):
        return headers.items()
    if isinstance(headers, (str, bytes)):
        raise E.ArgumentTypeError("headers must be a mapping or a list of (name, value) pairs, not str/bytes")
    try:
        return list(headers)
    except TypeError:
        raise E.ArgumentTypeError(
            "headers must be a mapping or a list of (name, value) pairs, not %s" % type(headers).__name__
        ) from None


def _parse_header_output(raw):
    out = {}
    for line in raw.decode("ascii").split("\0"):
        name, _, value = line.partition(": ")
        out[name] = value
    return out


class _OutBuffer:
    """An output buffer and its length cell, with the packed call's
    arguments for them (see `_size_t_arg`), and cells for its data_len and
    unix_time (setting a cell's value costs half as much as making a new
    argument). One per thread, reused; `_packed` takes it out of the
    thread's slot while it is in use."""

    __slots__ = ("buf", "cap", "n", "nref", "buf_ref", "cap_arg", "data_len", "time")

    def __init__(self, cap=8192):
        self.buf = ctypes.create_string_buffer(cap)
        self.cap = cap
        self.n = ctypes.c_size_t(0)
        self.nref = _byref(self.n)
        self.buf_ref = _byref(self.buf)
        self.cap_arg = _size_t_arg(cap)
        self.data_len = ctypes.c_size_t(0)
        self.time = ctypes.c_int64(0)


_tls = threading.local()
_KEEP_MAX = 1 << 16  # larger one-off outputs are not kept per thread


class Signer:
    """Signs requests for one region and service, with credentials that may
    change: `rotate()`, or a provider the signer calls when they are absent
    or about to expire (`credentials=`).

    Thread-safe: share one. Owns a C signer; release it with `close()` (or
    a `with` block). The secret is copied into the library (and zeroed there
    when replaced or on close); this object does not keep it.
    """

    region: str
    service: str
    flags: int
    s3: bool
    sigv4a: bool
    s3express: bool
    _provider: Optional[C.Provider]
    _info: C.Info

    @overload
    def __init__(
        self,
        access_key_id: Text,
        secret_access_key: Text,
        region: Text,
        service: Text,
        session_token: Optional[Text] = None,
        s3: bool = False,
        normalize_path: bool = True,
        single_encode_path: bool = False,
        content_sha256_header: bool = False,
        unsigned_session_token: bool = False,
        unsigned_headers: Iterable[Text] = (),
        *,
        expiration: Optional[Expiration] = None,
        sigv4a: bool = False,
        s3express: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        region: Text,
        service: Text,
        credentials: CredentialSource,
        margin: Optional[int] = None,
        s3: bool = False,
        normalize_path: bool = True,
        single_encode_path: bool = False,
        content_sha256_header: bool = False,
        unsigned_session_token: bool = False,
        unsigned_headers: Iterable[Text] = (),
        sigv4a: bool = False,
        s3express: bool = False,
    ) -> None: ...

    def __init__(
        self,
        access_key_id: Optional[Text] = None,
        secret_access_key: Optional[Text] = None,
        region: Optional[Text] = None,
        service: Optional[Text] = None,
        session_token: Optional[Text] = None,
        s3: bool = False,
        normalize_path: bool = True,
        single_encode_path: bool = False,
        content_sha256_header: bool = False,
        unsigned_session_token: bool = False,
        unsigned_headers: Iterable[Text] = (),
        *,
        expiration: Optional[Expiration] = None,
        credentials: Optional[CredentialSource] = None,
        margin: Optional[int] = None,
        sigv4a: bool = False,
        s3express: bool = False,
    ) -> None:
        """`Signer(access_key_id, secret_access_key, region, service,
        session_token=None, ..., expiration=None)`: one set of credentials,
        replaceable with `rotate()`; `expiration` (datetime, Unix seconds or
        None) makes signing at or after it raise CredentialsExpiredError.

        `Signer(region=..., service=..., credentials=source, margin=None)`:
        `source` is a `sigv4rs.Credentials`, or a provider the signer calls
        (on the signing thread, one call at a time) when it has no
        credentials or they expire within `margin` seconds
        (`sigv4rs.DEFAULT_REFRESH_MARGIN`, 300, by default): a callable
        returning `sigv4rs.Credentials`, botocore's
        `RefreshableCredentials` (any object with `get_frozen_credentials()`),
        or a `sigv4rs.DefaultChain` (see also `from_default_chain`).

        `sigv4a=True` signs with SigV4a (AWS4-ECDSA-P256-SHA256): `region`
        is then the region set ("us-east-1", "us-east-1,us-west-2", "*"),
        sent as X-Amz-Region-Set. `s3express=True` signs for S3 Express One
        Zone (S3's rules; the session token goes in X-Amz-S3session-Token,
        and credentials must have one: see `rotate_xml`). Not both.
        """
        self._init_state()
        flags = _flags(s3, normalize_path, single_encode_path, content_sha256_header, unsigned_session_token,
                       sigv4a, s3express)
        provider = None
        if credentials is not None:
            given = [n for n, v in (("access_key_id", access_key_id), ("secret_access_key", secret_access_key),
                                    ("session_token", session_token), ("expiration", expiration)) if v is not None]
            if given:
                raise E.ArgumentTypeError("pass the credentials either as credentials= or as %s, not both"
                                          % ", ".join(given))
            if isinstance(credentials, C.Credentials):
                if margin is not None:
                    raise E.ArgumentTypeError("margin is for a credentials provider, not fixed sigv4rs.Credentials")
                access_key_id, secret_access_key = credentials.access_key_id, credentials.secret_access_key
                session_token, expiration = credentials.session_token, credentials.expiration
            else:
                provider = C.Provider(credentials, C.margin_secs(margin), self._info)
                access_key_id = secret_access_key = b""
        elif margin is not None:
            raise E.ArgumentTypeError("margin is for a credentials provider (credentials=...)")
        akid = _b(access_key_id, "access_key_id")
        secret = _b(secret_access_key, "secret_access_key")
        token = _opt_b(session_token, "session_token")
        exp = C.expiration_secs(expiration)
        reg = _b(region, "region")
        svc = _b(service, "service")
        if isinstance(unsigned_headers, (str, bytes)):
            raise E.ArgumentTypeError("unsigned_headers must be a list of header names, not a single str/bytes")
        try:
            names = [_b(n, "unsigned_headers entry") for n in unsigned_headers]
        except TypeError:
            raise E.ArgumentTypeError(
                "unsigned_headers must be a list of header names, not %s" % type(unsigned_headers).__name__
            ) from None
        cfg = _ffi.sigv4rs_config()
        cfg.access_key_id = _Bytes(akid, len(akid))
        cfg.secret_access_key = _Bytes(secret, len(secret))
        cfg.session_token = _Bytes(token or None, len(token))
        cfg.region = _Bytes(reg, len(reg))
        cfg.service = _Bytes(svc, len(svc))
        cfg.flags = flags
        arr = (_Bytes * len(names))(*[_Bytes(n, len(n)) for n in names])
        if names:
            cfg.unsigned_headers = arr
        cfg.unsigned_headers_len = len(names)
        cfg.expiration = exp
        token_len = len(token)
        ptr = _ffi.signer_p()
        st = self._lib.sigv4rs_signer_new(_byref(cfg), _byref(ptr))
        # Keep the config's buffers alive until the call has returned.
        del akid, secret, token, reg, svc, names, arr, cfg
        if st != _OK:
            raise E.from_status(st, "Signer")
        if provider is not None:
            # Before the signer is shared; the callback lives as long as self.
            try:
                provider.acquire()
                st = self._lib.sigv4rs_signer_set_provider(ptr, provider.cfunc, None, provider.margin)
                if st != _OK:
                    raise E.from_status(st, "Signer")
            except BaseException:
                self._lib.sigv4rs_signer_free(ptr)
                provider.release()
                raise
            self._provider = provider
        self._ptr = ptr
        self._init_attrs(access_key_id, region, service, flags, token_len)

    def _init_state(self):
        self._ptr = None  # first, for __del__ if anything below fails
        self._provider = None
        self._info = C.Info()
        self._lock = threading.Lock()
        self._inflight = []
        self._closing = False
        self._lib = _ffi.load()
        self._sign_packed = self._lib.sign_packed_unchecked

    def _init_attrs(self, akid, region, service, flags, token_len):
        as_text = lambda v: v if isinstance(v, str) else bytes(v).decode("utf-8", "replace")  # noqa: E731
        self._info.set(akid, token_len > 0)
        self.region = as_text(region)
        self.service = as_text(service)
        self.flags = flags
        self.s3 = bool(flags & (_abi.FLAG_S3 | _abi.FLAG_S3EXPRESS))  # S3 Express signs with S3's rules
        self.sigv4a = bool(flags & _abi.FLAG_SIGV4A)
        self.s3express = bool(flags & _abi.FLAG_S3EXPRESS)

    @property
    def access_key_id(self) -> str:
        """The access key id of the last credentials given to the signer (by
        the constructor, `rotate()` or its provider); "" before a provider
        has delivered any."""
        return self._info.access_key_id

    @property
    def has_session_token(self) -> bool:
        """Whether the last credentials given to the signer have a token."""
        return self._info.has_session_token

    @property
    def expiration(self) -> Optional[datetime.datetime]:
        """When the signer's current credentials expire (an aware UTC
        datetime), or None if they do not. MissingCredentialsError when it
        has none yet (a provider that has not delivered)."""
        out = ctypes.c_int64(0)
        st = self._call(self._lib.sigv4rs_signer_expiration, _byref(out))
        if st != _OK:
            raise self._credentials_error(st, "expiration")
        return None if out.value == 0 else datetime.datetime.fromtimestamp(out.value, datetime.timezone.utc)

    def rotate(self, access_key_id: Text, secret_access_key: Text, session_token: Optional[Text] = None,
               expiration: Optional[Expiration] = None, *, timeout: float = 5.0) -> None:
        """Replaces the credentials while other threads may be signing: each
        signature uses one set, whole (no lock on the signing path); the old
        secret is zeroed once the calls using it return. `expiration` as for
        the constructor. A rotation meeting another one, or a provider call,
        is retried for up to `timeout` seconds, then raises BusyError."""
        akid = _b(access_key_id, "access_key_id")
        secret = _b(secret_access_key, "secret_access_key")
        token = _opt_b(session_token, "session_token")
        exp = C.expiration_secs(expiration)
        c = C.c_credentials(akid, secret, token, exp)
        token_len = len(token)
        del secret, token
        self._rotate_call(self._lib.sigv4rs_signer_rotate, _byref(c), "rotate", timeout)
        del c
        self._info.set(access_key_id, token_len > 0)

    def rotate_json(self, json: Text, *, timeout: float = 5.0) -> None:
        """Replaces the credentials, as `rotate`, with those of a JSON
        credentials document (the container endpoint's, IMDS's or
        `credential_process` output: AccessKeyId, SecretAccessKey, Token or
        SessionToken, Expiration), read without a copy of the secret in
        Python. InvalidCredentialsDocumentError when it is not one; the
        signer then keeps its credentials. `access_key_id` is "" afterwards."""
        doc = _b(json, "json")
        self._rotate_call(self._lib.sigv4rs_signer_rotate_json, _Bytes(doc, len(doc)), "rotate_json", timeout)
        # A display value: the library read the document; a token key means it signs with one.
        self._info.set("", b'"Token"' in doc or b'"SessionToken"' in doc)

    def rotate_xml(self, xml: Text, *, timeout: float = 5.0) -> None:
        """Replaces the credentials, as `rotate`, with those of an XML
        response body: S3 CreateSession (for `s3express=True` signers) or
        STS AssumeRole*, with AccessKeyId, SecretAccessKey, SessionToken
        and Expiration. InvalidCredentialsDocumentError when it is not one
        (an error document, a missing field); the signer then keeps its
        credentials. The key id stays in the library: `access_key_id` is
        "" afterwards."""
        doc = _b(xml, "xml")
        self._rotate_call(self._lib.sigv4rs_signer_rotate_xml, _Bytes(doc, len(doc)), "rotate_xml", timeout)
        self._info.set("", True)  # a document without a token is refused

    def _rotate_call(self, fn, arg, what, timeout):
        """`fn(signer, arg)`, a rotation: retried while BUSY for up to
        `timeout` seconds; raises on failure and resets the provider's
        state on success."""
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise E.ArgumentTypeError("timeout must be seconds (int or float), not %s" % type(timeout).__name__)
        deadline = None
        delay = 0.0
        while True:
            st = self._call(fn, arg)
            if st != _BUSY:
                break
            p = self._provider
            if p is not None and p.thread == threading.get_ident():
                raise E.BusyError("%s: called from inside this signer's own credentials provider, which "
                                  "holds the credentials until it returns" % what, E.BusyError.code)
            now = _time.monotonic()
            if deadline is None:
                deadline = now + timeout
            elif now >= deadline:
                break
            _time.sleep(delay)  # 0 first: let the GIL go to the writer
            delay = min(max(delay * 2, 1e-4), 1e-2)
        if st != _OK:
            raise E.from_status(st, what)
        if self._provider is not None:
            self._provider.reset()

    def _credentials_error(self, st, what):
        """The exception for credential status `st` (other statuses as
        usual): the provider's last exception is its `__cause__`; an expiry
        message says when."""
        err = E.from_status(st, what)
        if st == _abi.STATUS_CREDENTIALS_EXPIRED:
            out = ctypes.c_int64(0)
            try:
                if self._call(self._lib.sigv4rs_signer_expiration, _byref(out)) == _OK and out.value:
                    err.message += " at %s" % C.iso(out.value)
                    err.args = (err.message,)
            except E.ClosedError:
                pass
        p = self._provider
        if p is not None and p.error is not None and st in _CREDENTIALS:
            err.__cause__ = p.error  # also suppresses the context, as `raise ... from`
        return err

    @classmethod
    def from_env(cls, service: Text, region: Optional[Text] = None, s3: bool = False, normalize_path: bool = True,
                 single_encode_path: bool = False, content_sha256_header: bool = False,
                 unsigned_session_token: bool = False, *, sigv4a: bool = False, s3express: bool = False) -> Signer:
        """A signer from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
        AWS_SESSION_TOKEN; `region` None reads AWS_REGION/AWS_DEFAULT_REGION.
        Raises MissingCredentialsError when they are not set."""
        self = cls.__new__(cls)
        self._init_state()
        flags = _flags(s3, normalize_path, single_encode_path, content_sha256_header, unsigned_session_token,
                       sigv4a, s3express)
        reg = _opt_b(region, "region")
        svc = _b(service, "service")
        ptr = _ffi.signer_p()
        st = self._lib.sigv4rs_signer_new_from_env(
            _Bytes(reg or None, len(reg)), _Bytes(svc, len(svc)), flags, _byref(ptr)
        )
        if st != _OK:
            raise E.from_status(st, "Signer.from_env")
        self._ptr = ptr
        self._init_attrs(
            os.environ.get("AWS_ACCESS_KEY_ID", ""),
            region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", ""),
            service,
            flags,
            len(os.environ.get("AWS_SESSION_TOKEN", "")),
        )
        return self

    @classmethod
    def from_default_chain(cls, region: Text, service: Text, *, profile: Optional[Text] = None,
                           sts_region: Optional[Text] = None, transport: Optional[Transport] = None,
                           process_timeout: Optional[float] = None, margin: Optional[int] = None, s3: bool = False,
                           normalize_path: bool = True, single_encode_path: bool = False,
                           content_sha256_header: bool = False, unsigned_session_token: bool = False,
                           unsigned_headers: Iterable[Text] = (), sigv4a: bool = False,
                           s3express: bool = False) -> Signer:
        """A signer on its own default credential chain (`sigv4rs.DefaultChain`
        with `profile`, `sts_region` as its region, `transport` and
        `process_timeout`), freed with the signer. Nothing is fetched until
        the first signing call."""
        from .chain import DefaultChain

        chain = DefaultChain(profile=profile, region=sts_region, transport=transport,
                             process_timeout=process_timeout)
        try:
            return cls(region=region, service=service, credentials=chain, margin=margin, s3=s3,
                       normalize_path=normalize_path, single_encode_path=single_encode_path,
                       content_sha256_header=content_sha256_header, unsigned_session_token=unsigned_session_token,
                       unsigned_headers=unsigned_headers, sigv4a=sigv4a, s3express=s3express)
        finally:
            chain.close()  # the library's chain goes with the signer

    # --- lifetime ---------------------------------------------------------
    #
    # A call registers itself in `_inflight` (list append/pop are atomic)
    # before reading the pointer, and checks `_closing` after: so the free,
    # which happens only once `_closing` is set and `_inflight` is empty,
    # never runs while a call is inside the library.

    def close(self) -> None:
        """Frees the C signer (its secret is zeroed). Idempotent. Calls in
        other threads finish first; later calls raise ClosedError."""
        self._closing = True
        if not self._inflight:
            self._free()

    def _free(self):
        with self._lock:
            ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._lib.sigv4rs_signer_free(ptr)
            # The C signer is gone: its provider callback can go too, and
            # the chain it used may be freed (after the signer, never before).
            p, self._provider = self._provider, None
            if p is not None:
                p.release()

    @property
    def closed(self) -> bool:
        return self._closing or self._ptr is None

    def __enter__(self) -> Signer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self):
        # Safety net only: nothing else can hold this object here.
        ptr = getattr(self, "_ptr", None)
        if ptr is not None:
            self._ptr = None
            try:
                self._lib.sigv4rs_signer_free(ptr)
                p = self._provider
                if p is not None:
                    p.release()  # its chain is freed after the C signer
            except Exception:  # interpreter shutdown
                pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        info = getattr(self, "_info", None)
        p = getattr(self, "_provider", None)
        if p is not None:
            state += " provider=%s" % p.source_type
        kind = "".join(" " + k for k in ("sigv4a", "s3express") if getattr(self, k, False))
        return "<sigv4rs.Signer%s %s region=%r service=%r s3=%r token=%r %s>" % (
            kind,
            (info.access_key_id or "-") if info is not None else "?",
            getattr(self, "region", "?"),
            getattr(self, "service", "?"),
            getattr(self, "s3", "?"),
            info.has_session_token if info is not None else "?",
            state,
        )

    def _call(self, fn, *args):
        """`fn(signer_ptr, *args)` under the lifetime protocol above;
        returns the status."""
        self._inflight.append(None)
        try:
            ptr = self._ptr
            if self._closing or ptr is None:
                raise E.ClosedError("the Signer is closed", E.ClosedError.code)
            return fn(ptr, *args)
        finally:
            self._inflight.pop()
            if self._closing and not self._inflight:
                self._free()

    # --- request building -------------------------------------------------

    def _request(self, method, target, headers, body, payload_hash, unsigned_payload):
        """A `sigv4rs_request` (as a FlatRequest) and the header block it
        points to. The FlatRequest references every bytes object it points
        into; the caller holds both until the C call has returned."""
        m = _b(method, "method")
        if type(target) is Parts or isinstance(target, Parts):
            h = _opt_b(target.host, "host")
            p = _opt_b(target.path, "path")
            q = _opt_b(target.query, "query")
            u = b""
        else:
            u = _ascii_url(target)
            h = p = q = b""
        block = None
        nh = 0
        if headers:
            args = []
            for pair in _header_items(headers):
                try:
                    name, value = pair
                except (TypeError, ValueError):
                    raise E.ArgumentTypeError("each header must be a (name, value) pair, got %r" % (pair,)) from None
                n = name.encode("utf-8") if type(name) is str else _b(name, "header name")
                v = value.encode("utf-8") if type(value) is str else _b(value, "value of header %r" % (name,))
                args += (n, len(n), v, len(v))
            nh = len(args) >> 2
            if nh:
                block = _ffi.header_block(nh)(*args)
        elif headers is not None and not isinstance(headers, (abc.Mapping, list, tuple)):
            _header_items(headers)  # raises for a wrong type
        if unsigned_payload is not False and unsigned_payload is not True:
            raise E.ArgumentTypeError("unsigned_payload must be True or False")
        if payload_hash is not None:
            if unsigned_payload:
                raise E.InvalidArgumentError(
                    "payload_hash and unsigned_payload are exclusive", E.InvalidArgumentError.code
                )
            mode = _abi.PAYLOAD_MODE_SHA256_HEX
            data = _b(payload_hash, "payload_hash")
        elif unsigned_payload:
            mode = _abi.PAYLOAD_MODE_UNSIGNED
            data = b""
        else:
            # AUTO: a caller x-amz-content-sha256 header wins, S3 presigns
            # are UNSIGNED-PAYLOAD, else SHA-256 of the body.
            mode = _abi.PAYLOAD_MODE_AUTO
            if body is None:
                data = b""
            elif type(body) is bytes:
                data = body
            elif hasattr(body, "read") or hasattr(body, "__next__"):
                raise E.ArgumentTypeError(
                    "body must be bytes or str; for a stream pass payload_hash (hex SHA-256) or unsigned_payload=True"
                )
            else:
                data = _b(body, "body")
        req = _FlatRequest(
            m, len(m), u or None, len(u), h or None, len(h), p or None, len(p), q or None, len(q),
            _addressof(block) if nh else None, nh, mode, data or None, len(data),
        )
        return req, block

    def _output(self, fn, what, req, t, *extra):
        out = _tls.__dict__.get("out")
        if out is None:
            out = _tls.out = _OutBuffer()
        self._inflight.append(None)
        try:
            ptr = self._ptr
            if self._closing or ptr is None:
                raise E.ClosedError("the Signer is closed", E.ClosedError.code)
            view = _Request.from_buffer(req)
            st = fn(ptr, _byref(view), t, *extra, out.buf, out.cap, out.nref)
            if st == _TOO_SMALL:
                out = _OutBuffer(out.n.value)
                if out.cap <= _KEEP_MAX:
                    _tls.out = out
                st = fn(ptr, _byref(view), t, *extra, out.buf, out.cap, out.nref)
        finally:
            self._inflight.pop()
            if self._closing and not self._inflight:
                self._free()
        if st != _OK:
            if st in _CREDENTIALS:
                raise self._credentials_error(st, what)
            # `view` (and the caller's header block) are still alive here.
            raise _located_error(self._lib, st, what, view)
        return out.buf[: out.n.value - 1]  # without the final NUL

    def _packed(self, what, auth, expires, method, target, headers, body, payload_hash, unsigned_payload,
                time):
        """Signs through `sigv4rs_signer_sign_packed`: the request as one
        bytes object and its (offset, length) spans, into this thread's
        output buffer. Returns what `sign` (a dict) or `presign` (a str)
        return. The common case is packed inline, any other by
        `_pack_any`, which checks the arguments as `_request` does, in the
        same order; on a failure (or an input too large for u32 spans) signs
        again through `_request` and `_output`, which raise the located error."""
        data = None
        if (type(method) is str and type(target) is str and (type(headers) is dict or headers is None)
                and type(body) is bytes and payload_hash is None and unsigned_payload is False):
            # The common case, packed here (it is the hot path): str method,
            # URL and headers, all ASCII. Str lengths are then byte offsets,
            # and one join and one encode make `data`.
            lm = len(method)
            o = lm + len(target)
            strs = [method, target]
            spans = [0, lm, lm, o - lm, o, 0, o, 0, o, 0, o, 0]
            for name, value in headers.items() if headers else ():
                # Exactly str: a subclass's len() or str() may disagree
                # with its data (`_pack_any` takes those).
                if type(name) is not str or type(value) is not str:
                    break
                ln = len(name)
                lv = len(value)
                strs += (name, value)
                spans += (o, ln, o + ln, lv)
                o += ln + lv
            else:
                text = "".join(strs)
                if target and text.isascii():
                    mode = _PAYLOAD_AUTO
                    data = text.encode()
                    data_len = o
                    if body:
                        # The payload goes last in the buffer.
                        spans[10] = o
                        spans[11] = len(body)
                        data += body
                        data_len += len(body)
        if data is None:
            data, data_len, spans, mode = self._pack_any(method, target, headers, body, payload_hash,
                                                         unsigned_payload)
        t = time if type(time) is int and 0 <= time <= _MAX_TIME else unix_time(time)
        if data_len > _U32_MAX:
            return self._unpacked(what, auth, expires, method, target, headers, body, payload_hash,
                                  unsigned_payload, t)
        pack, k = _packers[len(spans)]
        spans = pack(*spans)
        # The thread's buffer leaves its slot while in use: a signing
        # reentered on this thread (by a signal handler, or a finalizer the
        # GC runs) takes another one instead of overwriting these cells.
        tls = _tls.__dict__
        out = tls.pop("out", None) or _OutBuffer()
        dl = out.data_len
        dl.value = data_len
        tm = out.time
        tm.value = t
        fn = self._sign_packed
        self._inflight.append(None)
        try:
            ptr = self._ptr
            if self._closing or ptr is None:
                raise E.ClosedError("the Signer is closed", E.ClosedError.code)
            st = fn(ptr, data, dl, spans, k, mode, tm, auth, expires, out.buf_ref, out.cap_arg, out.nref,
                    None, _NO_FIELDS_CAP)
            res = out
            if st == _TOO_SMALL:
                res = _OutBuffer(out.n.value)
                st = fn(ptr, data, dl, spans, k, mode, tm, auth, expires, res.buf_ref, res.cap_arg, res.nref,
                        None, _NO_FIELDS_CAP)
                if res.cap <= _KEEP_MAX:
                    out = res
        finally:
            self._inflight.pop()
            if self._closing and not self._inflight:
                self._free()
        raw = res.buf[: res.n.value - 1] if st == _OK else None  # without the final NUL
        tls["out"] = out
        if raw is None:
            if st in _CREDENTIALS:
                # Not about the request: signing again would only ask the
                # provider again.
                raise self._credentials_error(st, what)
            return self._unpacked(what, auth, expires, method, target, headers, body, payload_hash,
                                  unsigned_payload, t)
        if auth == _AUTH_PRESIGN:
            return raw.decode("utf-8", "surrogateescape")
        # "Name: value" lines, NUL-separated, as _parse_header_output reads
        # them; partition finds the separators faster than split("\0") (a
        # byte-by-byte loop) and costs less than reading `fields`.
        d = {}
        rest = raw.decode("ascii")
        while rest:
            name, _, rest = rest.partition(": ")
            value, _, rest = rest.partition("\0")
            d[name] = value
        return d

    def _pack_any(self, method, target, headers, body, payload_hash, unsigned_payload):
        """`(data, data_len, spans, payload_mode)` for any valid arguments,
        checked as `_request` checks them."""
        m = method.encode() if type(method) is str and method.isascii() else _b(method, "method")
        if type(target) is str and target and target.isascii():
            u = target.encode()
            h = p = q = b""
        elif type(target) is Parts or isinstance(target, Parts):
            h = _opt_b(target.host, "host")
            p = _opt_b(target.path, "path")
            q = _opt_b(target.query, "query")
            u = b""
        else:
            u = _ascii_url(target)
            h = p = q = b""
        if type(headers) is dict:
            hitems = headers.items()
        elif headers:
            hitems = _header_items(headers)
        else:
            if headers is not None and not isinstance(headers, (abc.Mapping, list, tuple)):
                _header_items(headers)  # raises for a wrong type
            hitems = ()
        # The request's parts in span order: method, url, host, path, query,
        # payload, then name and value of each header.
        parts = [m, u, h, p, q, b""]
        lm = len(m)
        o1 = lm + len(u)
        o2 = o1 + len(h)
        o3 = o2 + len(p)
        o = o3 + len(q)
        spans = [0, lm, lm, len(u), o1, len(h), o2, len(p), o3, len(q), o, 0]
        for pair in hitems:
            try:
                name, value = pair
            except (TypeError, ValueError):
                raise E.ArgumentTypeError("each header must be a (name, value) pair, got %r" % (pair,)) from None
            n = name.encode("utf-8") if type(name) is str else _b(name, "header name")
            v = value.encode("utf-8") if type(value) is str else _b(value, "value of header %r" % (name,))
            ln = len(n)
            parts += (n, v)
            spans += (o, ln, o + ln, len(v))
            o += ln + len(v)
        if unsigned_payload is not False and unsigned_payload is not True:
            raise E.ArgumentTypeError("unsigned_payload must be True or False")
        if payload_hash is not None:
            if unsigned_payload:
                raise E.InvalidArgumentError(
                    "payload_hash and unsigned_payload are exclusive", E.InvalidArgumentError.code
                )
            mode = _abi.PAYLOAD_MODE_SHA256_HEX
            data = _b(payload_hash, "payload_hash")
        elif unsigned_payload:
            mode = _abi.PAYLOAD_MODE_UNSIGNED
            data = b""
        else:
            mode = _PAYLOAD_AUTO
            if body is None:
                data = b""
            elif type(body) is bytes:
                data = body
            elif hasattr(body, "read") or hasattr(body, "__next__"):
                raise E.ArgumentTypeError(
                    "body must be bytes or str; for a stream pass payload_hash (hex SHA-256) or unsigned_payload=True"
                )
            else:
                data = _b(body, "body")
        if data:
            # The payload goes last in the buffer.
            parts.append(data)
            spans[10] = o
            spans[11] = len(data)
            o += len(data)
        return b"".join(parts), o, spans, mode

    def _unpacked(self, what, auth, expires, method, target, headers, body, payload_hash, unsigned_payload, t):
        """The slow path of `_packed`: the struct request and the classic
        call (its errors carry the location); the same result."""
        req, block = self._request(method, target, headers, body, payload_hash, unsigned_payload)
        if auth == _AUTH_PRESIGN:
            raw = self._output(self._lib.sigv4rs_signer_presign, what, req, t, expires)
            return raw.decode("utf-8", "surrogateescape")
        raw = self._output(self._lib.sigv4rs_signer_sign_headers, what, req, t)
        return _parse_header_output(raw)

    # --- public API ---------------------------------------------------------

    def sign(self, method: Text, url: Target, headers: Optional[Headers] = None, body: Text = b"",
             payload_hash: Optional[Text] = None, unsigned_payload: bool = False,
             time: Optional[Time] = None) -> Dict[str, str]:
        """Signs for the Authorization header. Returns the headers to add
        (replacing any of the same name): Host (only when the URL's host has
        upper-case letters and no Host header is given: the lower-cased host
        that was signed), X-Amz-Date, X-Amz-Security-Token (with a token),
        X-Amz-Content-SHA256 (S3, or content_sha256_header) and
        Authorization, as a dict of str.

        `url` is absolute and exactly as sent (percent-encoded), or a Parts.
        A raw `+` in its query is a space (signed `%20`, as form encoders
        mean it); a literal plus is `%2B`.
        `headers` (mapping or list of pairs, for repeated names) are the
        headers you will send. Payload: `payload_hash` (hex SHA-256) or
        `unsigned_payload=True`, else an x-amz-content-sha256 header you pass,
        else SHA-256 of `body`."""
        return self._packed("sign", _AUTH_HEADERS, 0, method, url, headers, body, payload_hash, unsigned_payload,
                            time)

    def sign_parts(self, method: Text, host: Text, path: Text, query: Text, headers: Optional[Headers] = None,
                   body: Text = b"", payload_hash: Optional[Text] = None, unsigned_payload: bool = False,
                   time: Optional[Time] = None) -> Dict[str, str]:
        """`sign` with the target as host, path and query (bytes passed
        through exactly; `headers` may carry Host when `host` is empty)."""
        return self.sign(method, Parts(host, path, query), headers, body, payload_hash, unsigned_payload, time)

    def presign(self, method: Text, url: Target, expires: int = 3600, headers: Optional[Headers] = None,
                time: Optional[Time] = None, body: Text = b"", payload_hash: Optional[Text] = None,
                unsigned_payload: bool = False) -> str:
        """A presigned URL valid for `expires` seconds (1..604800): the host
        lower-cased and each query parameter written as it was signed (`+`
        as `%20`, escapes in upper case...), in the caller's order, then the
        X-Amz-* parameters. Headers beyond Host are bound to the URL: the
        client must send them. S3
        signers sign UNSIGNED-PAYLOAD unless told otherwise; other services
        the hash of `body` (empty by default)."""
        exp = _expires(expires)
        return self._packed("presign", _AUTH_PRESIGN, exp, method, url, headers, body, payload_hash,
                            unsigned_payload, time)

    def presign_parts(self, method: Text, host: Text, path: Text, query: Text, expires: int = 3600,
                      headers: Optional[Headers] = None, time: Optional[Time] = None, body: Text = b"",
                      payload_hash: Optional[Text] = None, unsigned_payload: bool = False) -> str:
        """`presign` with the target as host, path and query."""
        return self.presign(method, Parts(host, path, query), expires, headers, time, body, payload_hash,
                            unsigned_payload)

    def _debug(self, fn, what, method, url, headers, body, payload_hash, unsigned_payload, time, presign_expires):
        if presign_expires is None:
            mode = (_abi.AUTH_HEADERS, 0)
        else:
            mode = (_abi.AUTH_PRESIGN, _expires(presign_expires, "presign_expires"))
        req, block = self._request(method, url, headers, body, payload_hash, unsigned_payload)
        raw = self._output(fn, what, req, unix_time(time), *mode)
        return raw.decode("utf-8", "surrogateescape")

    def canonical_request(self, method: Text, url: Target, headers: Optional[Headers] = None, body: Text = b"",
                          payload_hash: Optional[Text] = None, unsigned_payload: bool = False,
                          time: Optional[Time] = None, presign_expires: Optional[int] = None) -> str:
        """The canonical request that `sign` would sign or, with
        `presign_expires` (1..604800 seconds), `presign` with that expiry.
        Compare it with AWS's SignatureDoesNotMatch answer."""
        return self._debug(self._lib.sigv4rs_signer_canonical_request, "canonical_request", method, url,
                           headers, body, payload_hash, unsigned_payload, time, presign_expires)

    def string_to_sign(self, method: Text, url: Target, headers: Optional[Headers] = None, body: Text = b"",
                       payload_hash: Optional[Text] = None, unsigned_payload: bool = False,
                       time: Optional[Time] = None, presign_expires: Optional[int] = None) -> str:
        """The string to sign, as `canonical_request`."""
        return self._debug(self._lib.sigv4rs_signer_string_to_sign, "string_to_sign", method, url, headers,
                           body, payload_hash, unsigned_payload, time, presign_expires)

    def sign_streaming(self, method: Text, url: Target, size: int, headers: Optional[Headers] = None,
                       chunk_size: int = 65536, mode: str = "signed", checksum: Optional[str] = None,
                       time: Optional[Time] = None,
                       body: Optional[Source] = None) -> Tuple[Dict[str, str], ChunkedEncoder]:
        """Starts an aws-chunked upload (S3 PutObject/UploadPart) of `size`
        bytes sent in chunks of `chunk_size` (the last may be shorter).

        `mode`: "signed" (every chunk signed), "signed-trailer" or
        "unsigned-trailer" (with a `checksum` trailer: "crc32", "crc32c",
        "crc64nvme", "sha1" or "sha256"; unsigned chunks are for TLS only). `headers` are the other
        headers you will send, as for `sign`. A SigV4a signer takes the
        same modes and signs them with ECDSA
        (STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]).

        Returns `(headers, encoder)`: the headers to add (X-Amz-Date,
        Authorization, Content-Encoding: aws-chunked, Content-Length (the
        encoded length), X-Amz-Decoded-Content-Length, X-Amz-Content-SHA256,
        X-Amz-Trailer...), replacing any of the same name, and a
        `sigv4rs.ChunkedEncoder` producing the body from `body` (a binary
        file-like object, bytes, or an iterable of bytes) with constant
        memory. See ChunkedEncoder for use with requests."""
        from .streaming import begin

        return begin(self, method, url, size, headers, chunk_size, mode, checksum, time, body)


def version() -> str:
    """The loaded library's version, "major.minor.patch"."""
    return _ffi.load().sigv4rs_version().decode("ascii")


def library_path() -> str:
    """Path (or name) of the loaded shared library."""
    return _ffi.load()._name
