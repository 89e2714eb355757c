"""Verifying received requests: `Verifier`, `BodyVerifier`, `VerifyResult`.

    v = sigv4rs.Verifier("us-east-1", "s3", {"AKID": "SECRET"}.get, s3=True)
    result = v.verify("PUT", "/bucket/key?x=1", headers, body)   # or raises
    body = v.begin("PUT", "/bucket/key", headers)   # body checked as it comes
    data = body.update(chunk) ...; body.finish()

Every check is the library's (`sigv4rs_verify`, `sigv4rs_body_verifier_*`);
this module converts arguments and results. The secret goes from the lookup
into the library's buffer (wiped after the call); Python str and bytes
objects cannot be wiped, so a lookup that wants no copy left returns a
bytearray it clears itself.
"""

from __future__ import annotations

import ctypes
import dataclasses
import io
import threading
from collections import abc
from typing import Any, Callable, Mapping, Optional, Tuple, Union

from . import _abi, _ffi
from . import errors as E
from .credentials import Credentials
from .signer import Headers, Parts, Text, Time, _b, _header_items, _located_error, unix_time

_OK = _abi.STATUS_OK
_UNKNOWN = _abi.STATUS_UNKNOWN_ACCESS_KEY
_FAILED = _abi.STATUS_LOOKUP_FAILED
_U32_MAX = 0xFFFFFFFF
_byref = ctypes.byref
# Statuses that mean the caller's arguments or configuration are wrong, not
# the request: raised as the plain status classes, never VerificationError.
_NOT_THE_REQUEST = frozenset((
    _abi.STATUS_NULL_ARGUMENT, _abi.STATUS_BUFFER_TOO_SMALL, _abi.STATUS_INVALID_ARGUMENT,
    _abi.STATUS_NOT_INITIALIZED, _abi.STATUS_INVALID_REGION, _abi.STATUS_INVALID_SERVICE,
    _abi.STATUS_INVALID_TIME, _abi.STATUS_INVALID_PAYLOAD_HASH, _abi.STATUS_PANIC,
))
_FORMS = {_abi.VERIFY_FORM_HEADER: "header", _abi.VERIFY_FORM_QUERY: "query"}
_SKIPS = (
    ("skip_clock_skew", _abi.VERIFY_SKIP_CLOCK_SKEW),
    ("skip_expiry", _abi.VERIFY_SKIP_EXPIRY),
    ("skip_region", _abi.VERIFY_SKIP_REGION),
    ("skip_service", _abi.VERIFY_SKIP_SERVICE),
    ("skip_unsigned_headers", _abi.VERIFY_SKIP_UNSIGNED_HEADERS),
    ("skip_payload_hash", _abi.VERIFY_SKIP_PAYLOAD_HASH),
)
_ALL_SKIPS = 0
for _n, _bit in _SKIPS:
    _ALL_SKIPS |= _bit

# What a lookup returns: the secret, (secret, token or None), a
# sigv4rs.Credentials, or None for an unknown key.
Secret = Union[str, bytes, bytearray, memoryview]
LookupResult = Union[None, Secret, Tuple[Secret, Optional[Secret]], Credentials]
Lookup = Union[Callable[[str], LookupResult], Mapping[str, Any]]


@dataclasses.dataclass(frozen=True)
class VerifyResult:
    """What a verification found (as far as it got, on an error's
    `result`). `form`: "header" (Authorization) or "query" (presigned), None
    before it was known; `access_key_id`, `region`, `service`: the
    credential scope's (the key id as the lookup was given it);
    `signed_headers`: the lower-case names signed; `signed_at`: X-Amz-Date
    as Unix seconds (None before parsed); `expires`: X-Amz-Expires of a
    presigned request, else None; `canonical_request`: when asked for and
    computed (it holds no secret: for a debug log)."""

    form: Optional[str]
    access_key_id: str
    region: str
    service: str
    signed_headers: Tuple[str, ...]
    signed_at: Optional[int]
    expires: Optional[int]
    canonical_request: Optional[str] = None


def _text(arr, n):
    # string_at: slicing a ctypes array would build a list of ints.
    # surrogateescape: the same str the lookup was given for the same bytes.
    return ctypes.string_at(ctypes.addressof(arr), min(n, len(arr))).decode("utf-8", "surrogateescape")


def _result(res, creq=None):
    sh = _text(res.signed_headers, res.signed_headers_len)
    return VerifyResult(
        form=_FORMS.get(res.form),
        access_key_id=_text(res.access_key_id, res.access_key_id_len),
        region=_text(res.region, res.region_len),
        service=_text(res.service, res.service_len),
        signed_headers=tuple(sh.split(";")) if sh else (),
        signed_at=res.signed_at or None,
        expires=res.expires or None,
        canonical_request=creq,
    )


def _secret_bytes(value, what):
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return value
    raise E.ArgumentTypeError("lookup: %s must be str or bytes, not %s" % (what, type(value).__name__))


def _copy_into(dst, cap, len_p, value, what):
    """Copies `value` into the library's buffer (no more than `cap`)."""
    data = _secret_bytes(value, what)
    mv = memoryview(data).cast("B")
    n = len(mv)
    if n == 0 or n > cap:
        # Never written past the capacity; the library says LOOKUP_FAILED.
        raise E.LookupFailedError("lookup: %s is %s" % (what, "empty" if n == 0 else "too long"),
                                  E.LookupFailedError.code)
    if isinstance(data, bytes):
        ctypes.memmove(dst, data, n)
    elif mv.readonly:
        ctypes.memmove(dst, bytes(mv), n)
    else:  # a bytearray the caller may clear: no copy of it made here
        arr = (ctypes.c_char * n).from_buffer(mv)
        ctypes.memmove(dst, arr, n)
        del arr
    len_p[0] = n


def _put(got, secret_p, secret_cap, secret_len_p, token_p, token_cap, token_len_p):
    """Copies what a lookup returned into the library's buffers."""
    if isinstance(got, Credentials):
        secret, token = got.secret_access_key, got.session_token
    elif isinstance(got, tuple):
        if len(got) != 2:
            raise E.ArgumentTypeError("lookup must return a secret or (secret, token), not a %d-tuple" % len(got))
        secret, token = got
    else:
        secret, token = got, None
    _copy_into(secret_p, secret_cap, secret_len_p, secret, "the secret")
    if token is not None:
        _copy_into(token_p, token_cap, token_len_p, token, "the session token")


class _LookupState(threading.local):
    error: Optional[BaseException] = None


class Verifier:
    """Verifies received SigV4 requests for one region and service.

    `lookup(access_key_id)` returns the key's secret, `(secret,
    session_token)` for temporary credentials (the request must then carry
    that token), or a `sigv4rs.Credentials`; None or raising
    `UnknownAccessKeyError` for a key it does not know. A mapping works
    too (`{"AKID": "secret"}`). Any other exception (a database down) makes
    the verification fail with `LookupFailedError`, with that exception as
    `__cause__`; it never reaches the library.

    `s3=True`: S3's rules (path encoded once, presigned payload unsigned);
    other services: `normalize_path`, `single_encode_path` as the signer's.
    `unsigned_session_token=True` for clients that add the token after
    signing. Policy checks, all on by default, are turned off by name
    (`skip_clock_skew=True`, `skip_expiry`, `skip_region`, `skip_service`,
    `skip_unsigned_headers`, `skip_payload_hash`) or by `skip`, an OR of
    `sigv4rs.VERIFY_SKIP_*` bits. `max_skew`: the allowed clock skew in
    seconds (900 as AWS).

    Thread-safe: the lookup is called on the verifying thread, once per
    request that parses and passes the policy checks.
    """

    def __init__(self, region: Text, service: Text, lookup: Lookup, *, s3: bool = False,
                 normalize_path: bool = True, single_encode_path: bool = False,
                 unsigned_session_token: bool = False, skip: int = 0, skip_clock_skew: bool = False,
                 skip_expiry: bool = False, skip_region: bool = False, skip_service: bool = False,
                 skip_unsigned_headers: bool = False, skip_payload_hash: bool = False,
                 max_skew: int = _abi.DEFAULT_MAX_SKEW) -> None:
        from .signer import _flags

        if isinstance(lookup, abc.Mapping):
            table = lookup
            lookup = table.get
        if not callable(lookup):
            raise E.ArgumentTypeError("lookup must be callable or a mapping, not %s" % type(lookup).__name__)
        self._lookup = lookup
        flags = _flags(s3, normalize_path, single_encode_path, False, unsigned_session_token)
        if isinstance(skip, bool) or not isinstance(skip, int):
            raise E.ArgumentTypeError("skip must be an int of VERIFY_SKIP_* bits, not %s" % type(skip).__name__)
        if skip & ~_ALL_SKIPS or skip < 0:
            raise E.InvalidArgumentError("skip has unknown bits: %#x" % skip, E.InvalidArgumentError.code)
        named = dict(skip_clock_skew=skip_clock_skew, skip_expiry=skip_expiry, skip_region=skip_region,
                     skip_service=skip_service, skip_unsigned_headers=skip_unsigned_headers,
                     skip_payload_hash=skip_payload_hash)
        for name, bit in _SKIPS:
            if type(named[name]) is not bool:
                raise E.ArgumentTypeError("%s must be True or False" % name)
            if named[name]:
                skip |= bit
        if isinstance(max_skew, bool) or not isinstance(max_skew, int):
            raise E.ArgumentTypeError("max_skew must be int seconds, not %s" % type(max_skew).__name__)
        # 0 would mean the default to the library: refused, not reinterpreted.
        if not 1 <= max_skew <= _U32_MAX:
            raise E.InvalidArgumentError("max_skew must be 1..%d seconds (skip_clock_skew=True turns the check off)"
                                         % _U32_MAX, E.InvalidArgumentError.code)
        self.region = region if isinstance(region, str) else bytes(_b(region, "region")).decode("utf-8", "replace")
        self.service = service if isinstance(service, str) else bytes(_b(service, "service")).decode("utf-8",
                                                                                                     "replace")
        self.flags = flags
        self.skip = skip
        self.max_skew = max_skew
        self.s3 = bool(s3)
        self._lib = _ffi.load()
        self._state = _LookupState()
        # The C callback lives as long as the Verifier (the config points at it).
        self._cfunc = _ffi.lookup_fn(self._callback)
        self._region_b = _b(region, "region")
        self._service_b = _b(service, "service")
        cfg = _ffi.sigv4rs_verifier_config()
        cfg.region = _ffi.sigv4rs_bytes(self._region_b, len(self._region_b))
        cfg.service = _ffi.sigv4rs_bytes(self._service_b, len(self._service_b))
        cfg.flags = flags
        cfg.skip = skip
        cfg.max_skew = max_skew
        cfg.lookup = self._cfunc
        cfg.lookup_user = None
        self._cfg = cfg
        self._cfgref = _byref(cfg)
        self._probe()

    def _probe(self):
        """Checks the configuration now (region, service) rather than on
        the first request: a request with no authorization reaches no
        lookup, and is refused for the configuration first."""
        req = _ffi.FlatRequest(b"GET", 3, None, 0, b"localhost", 9, b"/", 1, None, 0, None, 0,
                               _abi.PAYLOAD_MODE_UNSIGNED, None, 0)
        res = _ffi.sigv4rs_verify_result()
        st = self._lib.sigv4rs_verify(self._cfgref, _byref(_ffi.sigv4rs_request.from_buffer(req)), 0,
                                      _byref(res), None, 0)
        if st in _NOT_THE_REQUEST and st != _abi.STATUS_INVALID_TIME:
            raise E.from_status(st, "Verifier")

    def _callback(self, user, akid_p, akid_len, secret_p, secret_cap, secret_len_p, token_p, token_cap,
                  token_len_p):
        # Nothing may escape into C: every exception becomes a status, and
        # is kept for the verifying call (same thread) to chain or re-raise.
        try:
            akid = ctypes.string_at(akid_p, akid_len).decode("utf-8", "surrogateescape") if akid_len else ""
            got = self._lookup(akid)
        except E.UnknownAccessKeyError:
            return _UNKNOWN
        except BaseException as e:  # noqa: B902 (re-raised by the caller when not an Exception)
            # Its traceback holds this frame, which has no secret yet.
            self._state.error = e
            return _FAILED
        if got is None:
            return _UNKNOWN
        try:
            _put(got, secret_p, secret_cap, secret_len_p, token_p, token_cap, token_len_p)
            return _OK
        except BaseException as e:  # noqa: B902
            # Without its traceback: those frames hold the secret.
            self._state.error = e.with_traceback(None)
            return _FAILED
        finally:
            del got

    def __repr__(self) -> str:
        return "<sigv4rs.Verifier region=%r service=%r s3=%r skip=%#x max_skew=%d>" % (
            self.region, self.service, self.s3, self.skip, self.max_skew)

    # --- calls ------------------------------------------------------------

    def _error(self, st, what, view, res, creq):
        if st in _NOT_THE_REQUEST:
            return E.from_status(st, what)
        located = _located_error(self._lib, st, what, view)
        err = E.verification_class(st)(located.message, st)
        err.field, err.index, err.offset, err.header_name = (located.field, located.index, located.offset,
                                                             located.header_name)
        err.result = _result(res, creq)
        return err

    def _run(self, fn, what, method, url, headers, body, payload_hash, now, canonical_request, *extra):
        req, keep = _request(method, url, headers, body, payload_hash)
        view = _ffi.sigv4rs_request.from_buffer(req)
        t = unix_time(now)
        if type(canonical_request) is not bool:
            raise E.ArgumentTypeError("canonical_request must be True or False")
        buf, cap = None, 0
        if canonical_request:
            cap = _creq_bound(keep)
            buf = ctypes.create_string_buffer(cap)
        res = _ffi.sigv4rs_verify_result()
        state = self._state
        state.error = None
        st = fn(self._cfgref, _byref(view), t, _byref(res), buf, cap, *extra)
        if canonical_request and res.canonical_request_len > cap:  # not expected: the bound is generous
            cap = res.canonical_request_len
            buf = ctypes.create_string_buffer(cap)
            st = fn(self._cfgref, _byref(view), t, _byref(res), buf, cap, *extra)
        cause, state.error = state.error, None
        if cause is not None and not isinstance(cause, Exception):
            raise cause  # KeyboardInterrupt, SystemExit in the lookup
        creq = None
        if canonical_request and 0 < res.canonical_request_len <= cap:
            creq = buf.raw[:res.canonical_request_len - 1].decode("utf-8", "surrogateescape")
        if st != _OK:
            err = self._error(st, what, view, res, creq)
            if st == _FAILED and cause is not None:
                raise err from cause
            raise err
        del keep
        return _result(res, creq)

    def verify(self, method: Text, url: Union[Text, Parts], headers: Optional[Headers] = None,
               body: Optional[Union[bytes, bytearray, memoryview]] = b"", *, payload_hash: Optional[Text] = None,
               now: Optional[Time] = None, canonical_request: bool = False) -> VerifyResult:
        """Verifies a request as received; returns a VerifyResult or raises
        a VerificationError (its class names the status).

        `url`: the request target as received, `/path?query` with the Host
        header in `headers`, or an absolute URL, or `sigv4rs.Parts(host,
        path, query)`; bytes are passed through exactly. `headers`: every
        header received (mapping, or (name, value) pairs keeping repeats),
        Authorization included; str values are UTF-8 encoded (pass bytes
        for latin-1). The body: `body` (bytes; empty by default), or
        `payload_hash` (its hex SHA-256), or `body=None` when it is not at
        hand (a request that signs its body other than through
        x-amz-content-sha256 then fails with PayloadRequiredError).
        aws-chunked bodies: use `begin`. `now`: the server's clock (default
        the current time). `canonical_request=True` puts the canonical
        request the library computed in the result (and in an error's
        `result`), for a debug log."""
        return self._run(self._lib.sigv4rs_verify, "verify", method, url, headers, body, payload_hash, now,
                         canonical_request)

    def begin(self, method: Text, url: Union[Text, Parts], headers: Optional[Headers] = None, *,
              now: Optional[Time] = None, canonical_request: bool = False) -> BodyVerifier:
        """Verifies a request's headers now and its body as it arrives:
        returns a BodyVerifier to feed the body (as received) to. A body
        signed with x-amz-content-sha256 (a hash, UNSIGNED-PAYLOAD, or
        aws-chunked STREAMING-*: decoded, every chunk and trailer checked).
        A request whose canonical request needs the body's hash without
        that header (other services' plain requests) raises
        PayloadRequiredError: read the body and call `verify` with it."""
        state = _ffi.sigv4rs_body_verifier()
        try:
            result = self._run(self._lib.sigv4rs_body_verifier_begin, "begin", method, url, headers, None, None,
                               now, canonical_request, _byref(state))
        except BaseException:
            ctypes.memset(ctypes.addressof(state), 0, ctypes.sizeof(state))
            raise
        return BodyVerifier(self, state, result)


def _request(method, url, headers, body, payload_hash):
    """A FlatRequest and the objects it points into (kept by the caller)."""
    m = _b(method, "method")
    h = p = q = u = b""
    if isinstance(url, Parts):
        h, p, q = (_b(x, what) if x is not None else b"" for x, what in
                   ((url.host, "host"), (url.path, "path"), (url.query, "query")))
    else:
        target = _b(url, "url")
        if target.startswith(b"/"):
            # Origin form, as a server receives it: the host is the Host header.
            p, _, q = target.partition(b"?")
        else:
            u = target
    block, nh, hlen = None, 0, 0
    if headers:
        args = []
        for pair in _header_items(headers):
            try:
                name, value = pair
            except (TypeError, ValueError):
                raise E.ArgumentTypeError("each header must be a (name, value) pair, got %r" % (pair,)) from None
            n = _b(name, "header name")
            v = _b(value, "value of header %r" % (name,))
            args += (n, len(n), v, len(v))
            hlen += len(n) + len(v)
        nh = len(args) >> 2
        if nh:
            block = _ffi.header_block(nh)(*args)
    elif headers is not None and not isinstance(headers, (abc.Mapping, list, tuple)):
        _header_items(headers)  # raises for a wrong type
    if payload_hash is not None:
        if body not in (None, b""):
            raise E.InvalidArgumentError("pass body or payload_hash, not both", E.InvalidArgumentError.code)
        mode, data = _abi.PAYLOAD_MODE_SHA256_HEX, _b(payload_hash, "payload_hash")
    elif body is None:
        mode, data = _abi.PAYLOAD_MODE_UNSIGNED, b""
    elif isinstance(body, (bytes, bytearray, memoryview)):
        mode, data = _abi.PAYLOAD_MODE_BYTES, bytes(body)
    else:
        raise E.ArgumentTypeError("body must be bytes or None (not at hand); for a stream use begin(), not %s"
                                  % type(body).__name__)
    req = _ffi.FlatRequest(m, len(m), u or None, len(u), h or None, len(h), p or None, len(p), q or None, len(q),
                           ctypes.addressof(block) if nh else None, nh, mode, data or None, len(data))
    return req, (req, block, m, u, h, p, q, data, hlen)


def _creq_bound(keep):
    """More than the canonical request can take: each target byte encoded
    (twice at most: 5 characters), each header byte once with its
    separators, the signed header list, the hash and the lines."""
    _, _, m, u, h, p, q, _, hlen = keep
    return len(m) + 6 * (len(u) + len(h) + len(p) + len(q)) + 2 * hlen + _abi.MAX_SIGNED_HEADERS_LEN + 1024


class BodyVerifier:
    """The body of a request whose headers verified (`Verifier.begin`).

    Feed it the body as received with `update(chunk)` (any split), which
    returns the payload bytes (aws-chunked framing removed), then call
    `finish()`: the body is authenticated only when finish returns, so
    commit nothing before. A failed update or finish raises a
    VerificationError and the verifier stays failed. `reader(raw)` wraps a
    raw body stream as a file-like object doing the same.

    `result` is the header verification's VerifyResult. The state (which
    holds a key derived from the secret) is wiped by finish, on failure,
    by `close()` and when the object goes.
    """

    result: VerifyResult

    def __init__(self, verifier: Verifier, state: Any, result: VerifyResult) -> None:
        self._verifier = verifier  # the library state refers to nothing of it, but keep the lib
        self._lib = verifier._lib
        self._state = state
        self._stateref = _byref(state)
        self._lock = threading.Lock()
        self._buf = bytearray(0)
        self._n = ctypes.c_size_t(0)
        self._error: Optional[E.VerificationError] = None
        self._done = False
        self.result = result
        self.received = 0  # bytes fed (as received)
        self.decoded = 0   # payload bytes given back

    def _wipe(self):
        ctypes.memset(ctypes.addressof(self._state), 0, ctypes.sizeof(self._state))

    def _fail(self, st, what):
        err = E.verification_class(st)(E.from_status(st, what).message, st)
        err.result = self.result
        self._error = err
        self._wipe()
        return err

    def _check(self):
        if self._error is not None:
            raise self._error
        if self._done:
            raise E.ClosedError("the body was finished or closed", E.ClosedError.code)

    def _update_in_place(self, mv, n):
        """Decodes the first n bytes of the writable buffer `mv` in place;
        returns the payload length (at its start)."""
        if n == 0:
            return 0
        arr = (ctypes.c_char * n).from_buffer(mv)
        try:
            st = self._lib.sigv4rs_body_verifier_update(self._stateref, ctypes.addressof(arr), n, _byref(self._n))
        finally:
            del arr  # releases the buffer export
        if st != _OK:
            raise self._fail(st, "body")
        self.received += n
        self.decoded += self._n.value
        return self._n.value

    def update(self, chunk: Union[bytes, bytearray, memoryview]) -> bytes:
        """The next bytes of the body as received; returns the payload
        they carry (maybe empty: framing only). Not authenticated yet."""
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise E.ArgumentTypeError("chunk must be bytes, not %s" % type(chunk).__name__)
        with self._lock:
            self._check()
            src = memoryview(chunk).cast("B")
            n = len(src)
            if len(self._buf) < n:
                self._buf = bytearray(n)
            self._buf[:n] = src
            k = self._update_in_place(memoryview(self._buf), n)
            return bytes(memoryview(self._buf)[:k])

    def update_into(self, buf: Union[bytearray, memoryview], n: Optional[int] = None) -> int:
        """`update` without copies: decodes the first `n` bytes (all by
        default) of the writable `buf` in place and returns how many payload
        bytes are now at its start."""
        mv = memoryview(buf).cast("B")
        if mv.readonly:
            raise E.ArgumentTypeError("update_into needs a writable buffer (bytearray)")
        n = len(mv) if n is None else n
        if not 0 <= n <= len(mv):
            raise E.InvalidArgumentError("n must be 0..%d" % len(mv), E.InvalidArgumentError.code)
        with self._lock:
            self._check()
            return self._update_in_place(mv, n)

    def finish(self) -> VerifyResult:
        """The body has ended: returns `result` when all of it arrived and
        checked, else raises (IncompletePayloadError, PayloadMismatchError,
        ChunkSignatureMismatchError...)."""
        with self._lock:
            self._check()
            st = self._lib.sigv4rs_body_verifier_finish(self._stateref)
            if st != _OK:
                raise self._fail(st, "body")
            self._done = True
            self._wipe()
            return self.result

    def reader(self, raw: Any, length: Optional[int] = None) -> VerifiedReader:
        """A binary file-like object reading the payload from `raw` (a
        stream of the body as received, read with `read(n)`), at most
        `length` bytes of it when given (a WSGI input: CONTENT_LENGTH).
        Reading past the end finishes the verification: the last read
        raises when it fails, and the data read before is not
        authenticated until it returned b"" without raising."""
        return VerifiedReader(self, raw, length)

    def close(self) -> None:
        """Abandons the body (wipes the state). Idempotent."""
        with self._lock:
            if not self._done:
                self._done = True
                self._wipe()

    def __enter__(self) -> BodyVerifier:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self):
        try:
            self._wipe()
        except Exception:  # interpreter shutdown
            pass

    def __repr__(self) -> str:
        state = "failed" if self._error is not None else "done" if self._done else "open"
        return "<sigv4rs.BodyVerifier %s key=%r %d bytes in, %d out>" % (
            state, self.result.access_key_id, self.received, self.decoded)


class VerifiedReader(io.RawIOBase):
    """The payload of a raw body stream, decoded and verified as it is read
    (`BodyVerifier.reader`)."""

    def __init__(self, body: BodyVerifier, raw: Any, length: Optional[int] = None) -> None:
        super().__init__()
        if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 0):
            raise E.InvalidArgumentError("length must be a non-negative int or None", E.InvalidArgumentError.code)
        self.body = body
        self._raw = raw
        self._left = length
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.body._error is not None:
            raise self.body._error
        mv = memoryview(b).cast("B")
        while not self._eof and len(mv):
            want = len(mv) if self._left is None else min(len(mv), self._left)
            data = self._raw.read(want) if want else b""
            if not data:
                self._eof = True
                if self._left:
                    err = E.verification_class(_abi.STATUS_INCOMPLETE_PAYLOAD)(
                        "body: ended %d bytes before its length" % self._left, _abi.STATUS_INCOMPLETE_PAYLOAD)
                    err.result = self.body.result
                    self.body.close()
                    raise err
                self.body.finish()
                return 0
            k = len(data)
            if k > want:
                raise E.Error("body: read(%d) returned %d bytes" % (want, k))
            if self._left is not None:
                self._left -= k
            mv[:k] = data
            n = self.body.update_into(mv, k)
            if n:
                return n
        return 0
