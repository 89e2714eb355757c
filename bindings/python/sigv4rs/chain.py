"""The library's default credential chain (`sigv4rs_chain`), as a signer's
credentials source: `Signer(region=..., service=...,
credentials=sigv4rs.default_chain())`, or `Signer.from_default_chain(region,
service)`.

The chain resolves in the library, as the AWS SDKs do (environment,
profiles with `role_arn`, web identity, `credential_process`, the shared
files, the container endpoint, IMDS), reading the environment and the files
afresh on each resolve. Its STS calls (`AssumeRole`,
`AssumeRoleWithWebIdentity`) go through a transport in Python: by default
`http_transport` (http.client, the standard library's HTTP stack), or any
callable `(method, url, headers, body, timeout) -> (status, body)`. The
credentials go from the chain into the signer inside the library: the
secret never enters Python (the transport sees the STS answer, which it
passes on).
"""

from __future__ import annotations

import base64
import ctypes
import http.client
import logging
import math
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _abi, _ffi
from . import errors as E

_OK = _abi.STATUS_OK
_FETCH_FAILED = _abi.STATUS_CREDENTIALS_FETCH_FAILED
_U32_MAX = 0xFFFFFFFF
_log = logging.getLogger("sigv4rs")

Text = Union[str, bytes, bytearray, memoryview]
# (method, url, headers, body, timeout in seconds) -> (HTTP status, body).
Transport = Callable[[str, str, List[Tuple[str, str]], bytes, float], Tuple[int, bytes]]


# --- the default transport --------------------------------------------------------

class _HTTPS(http.client.HTTPConnection):
    """HTTPS whose socket can be cut at the deadline during the TLS
    handshake too (http.client's HTTPSConnection handshakes inside
    wrap_socket, before `sock` is the TLS socket)."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: Optional[int], timeout: float, tls_host: str) -> None:
        super().__init__(host, port, timeout=timeout)
        self.tls_host = tls_host

    def connect(self) -> None:
        super().connect()  # TCP, then the proxy's CONNECT when tunnelling
        ctx = ssl.create_default_context()  # certificates and host name verified
        self.sock = ctx.wrap_socket(self.sock, server_hostname=self.tls_host, do_handshake_on_connect=False)
        self.sock.do_handshake()


def _proxy(scheme: str, host: str) -> Optional[Tuple[str, Optional[int], Dict[str, str]]]:
    """The proxy urllib would use for `scheme://host` (environment
    variables, no_proxy): (host, port, headers), or None."""
    url = urllib.request.getproxies().get(scheme)
    if not url or urllib.request.proxy_bypass(host):
        return None
    p = urllib.parse.urlsplit(url if "://" in url else "http://" + url)
    if not p.hostname:
        return None
    headers = {}
    if p.username is not None:
        userpass = "%s:%s" % (urllib.parse.unquote(p.username), urllib.parse.unquote(p.password or ""))
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(userpass.encode("utf-8")).decode("ascii")
    return p.hostname, p.port, headers


def _cut(conn: http.client.HTTPConnection, fired: List[bool]) -> None:
    # Runs on the timer's thread: unblocks the exchange's read or write.
    fired.append(True)
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def http_transport(method: str, url: str, headers: Sequence[Tuple[str, str]], body: bytes,
                   timeout: float) -> Tuple[int, bytes]:
    """The default transport: one exchange over http.client, the whole of it
    (connection, TLS handshake, request, answer) within `timeout` seconds, or
    TimeoutError. HTTPS verifies the certificate and host name against the
    system's CA store (`ssl.create_default_context()`); `http://` only when
    the URL says so (`AWS_ENDPOINT_URL_STS`). Proxies as urllib finds them
    (`https_proxy`, `http_proxy`, `no_proxy`). Sends `headers` as given,
    adding only Host and Content-Length; follows no redirect. Returns the
    status and the body (at most `MAX_HTTP_RESPONSE_LEN` + 1 bytes: the
    library refuses a longer one). Error messages name no header or body."""
    deadline = time.monotonic() + timeout
    u = urllib.parse.urlsplit(url)
    scheme = u.scheme.lower()
    host = u.hostname
    if scheme not in ("http", "https") or not host:
        raise ValueError("the transport takes http:// and https:// URLs, not %r" % (u.scheme + "://",))
    port = u.port
    target = (u.path or "/") + ("?" + u.query if u.query else "")
    proxy = _proxy(scheme, host)
    conn: http.client.HTTPConnection
    if scheme == "https":
        if proxy is None:
            conn = _HTTPS(host, port, timeout, host)
        else:
            conn = _HTTPS(proxy[0], proxy[1] or 80, timeout, host)
            conn.set_tunnel(host, port, headers=proxy[2])
    elif proxy is None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    else:
        conn = http.client.HTTPConnection(proxy[0], proxy[1], timeout=timeout)
        target = urllib.parse.urlunsplit((scheme, u.netloc, u.path or "/", u.query, ""))
        headers = list(headers) + list(proxy[2].items())
    # Socket timeouts bound each operation; the timer bounds them all.
    fired: List[bool] = []
    timer = threading.Timer(max(deadline - time.monotonic(), 0.0), _cut, (conn, fired))
    timer.daemon = True
    timer.start()
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read(_abi.MAX_HTTP_RESPONSE_LEN + 1)
        status = resp.status
    except (OSError, http.client.HTTPException):
        if fired or time.monotonic() >= deadline:
            raise TimeoutError("no complete answer within %g s" % timeout) from None
        raise
    finally:
        timer.cancel()
        conn.close()
    if fired:  # cut while reading a body that runs to the end of the connection
        raise TimeoutError("no complete answer within %g s" % timeout)
    return status, data


# --- the chain --------------------------------------------------------------------

def _string(b: Any) -> bytes:
    """The bytes of a `raw_bytes` the library handed out."""
    return ctypes.string_at(b.ptr, b.len) if b.len else b""


def _process_timeout_ms(value: Optional[float]) -> int:
    if value is None:
        return 0  # the library's 60 s
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise E.ArgumentTypeError("process_timeout must be seconds (int or float), not %s" % type(value).__name__)
    if not (math.isfinite(value) and 0 < value and math.ceil(value * 1000) <= _U32_MAX):
        raise E.InvalidArgumentError("process_timeout must be more than 0 and at most %d seconds, got %r"
                                     % (_U32_MAX // 1000, value), E.InvalidArgumentError.code)
    return math.ceil(value * 1000)


class DefaultChain:
    """The default credential chain, in the library (`sigv4rs_chain`): give
    it to signers as `credentials=`; each asks it when it has no
    credentials or they are about to expire.

    `profile`: the profile to use (it must exist; the environment variables
    step is skipped), default `AWS_PROFILE`, else `default`. `region`: for
    STS, default `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's, else
    us-east-1. `transport`: sends the STS requests (`http_transport` by
    default; see `Transport`). `process_timeout`: seconds a
    `credential_process` may run before it is killed (60 by default).

    Several signers may share one chain (resolves run one at a time).
    `close()` (or a `with` block) releases it: the library's chain is freed
    once no signer uses it either; signers made before go on with it.
    """

    profile: Optional[str]
    region: Optional[str]
    transport: Transport

    def __init__(self, profile: Optional[Text] = None, region: Optional[Text] = None,
                 transport: Optional[Transport] = None, process_timeout: Optional[float] = None) -> None:
        from .signer import _opt_b

        self._ptr: Optional[int] = None  # first, for __del__ if anything below fails
        self._lock = threading.RLock()  # reentrant: a finalizer may release while a thread holds it
        self._users = 0
        self._closing = False
        self._tls = threading.local()
        self._lib = _ffi.load()
        if not self._lib.has_chain:
            raise E.Error("DefaultChain: the library (%s) was built without the default chain (a hosted build "
                          "has it)" % self._lib._name)
        if transport is None:
            transport = http_transport
        elif not callable(transport):
            raise E.ArgumentTypeError("transport must be a callable (method, url, headers, body, timeout) -> "
                                      "(status, body), not %s" % type(transport).__name__)
        prof = _opt_b(profile, "profile")
        reg = _opt_b(region, "region")
        ms = _process_timeout_ms(process_timeout)
        self.transport = transport
        self.profile = prof.decode("utf-8", "replace") if prof else None
        self.region = reg.decode("utf-8", "replace") if reg else None
        # Lives as long as the library's chain (it calls it back).
        self._cfunc = _ffi.transport_fn(self._send)
        B = _ffi.sigv4rs_bytes
        opts = _ffi.sigv4rs_chain_options(B(prof or None, len(prof)), B(reg or None, len(reg)), self._cfunc,
                                          None, ms)
        out = ctypes.c_void_p()
        st = self._lib.sigv4rs_chain_new(ctypes.byref(opts), ctypes.byref(out))
        if st == _abi.STATUS_INVALID_ARGUMENT:
            raise E.from_status(st, "DefaultChain: profile and region must be UTF-8 without control characters")
        if st != _OK:
            raise E.from_status(st, "DefaultChain")
        self._ptr = out.value

    # --- the transport callback ---------------------------------------------------

    def _send(self, user: Any, req_p: Any, resp_p: Any) -> int:
        # Runs on the resolving (signing) thread, inside the library. Nothing
        # may raise into C: any failure is a failed attempt, and the exception
        # becomes the cause of the chain's error (that of the last attempt).
        self._tls.transport_error = None
        try:
            req = req_p.contents
            n = req.headers_len
            headers = [(_string(h.name).decode("latin-1"), _string(h.value).decode("latin-1"))
                       for h in (req.headers[:n] if n else ())]
            out = self.transport(_string(req.method).decode("latin-1"), _string(req.url).decode("latin-1"),
                                 headers, _string(req.body), req.timeout_ms / 1000.0)
            del headers  # a signature, maybe a token
            if not isinstance(out, tuple) or len(out) != 2:
                raise E.ArgumentTypeError("the transport must return (status, body), not %s" % type(out).__name__)
            status, data = out
            if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 999:
                raise E.ArgumentTypeError("the transport must return an HTTP status (100..999) first")
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise E.ArgumentTypeError("the transport must return the body as bytes, not %s"
                                          % type(data).__name__)
            resp_p.contents.status = status
            if len(data):
                data = bytes(data)
                st = self._lib.sigv4rs_http_response_write(resp_p, data, len(data))
                if st != _OK:
                    raise E.from_status(st, "the transport's answer")
            return _OK
        except BaseException as e:  # noqa: B036 (nothing may cross into C)
            # Without its traceback: the frames hold the request (tokens).
            self._tls.transport_error = e.with_traceback(None)
            return _FETCH_FAILED

    # --- resolving (from a signer's provider callback) -----------------------------

    def _resolve(self, t: int, sink: Any) -> Tuple[int, Optional[E.Error]]:
        """`sigv4rs_chain_resolve` into `sink`: (status, None) or (status, the
        error: the chain's last_error as its message, a transport exception
        as its cause). Called only by a signer using the chain (so it is
        not freed meanwhile)."""
        tls = self._tls
        tls.transport_error = None
        st = self._lib.sigv4rs_chain_resolve(self._ptr, t, sink)
        cause, tls.transport_error = tls.transport_error, None
        if st == _OK:
            return st, None
        err = E.from_status(st, "default credential chain")
        detail = self._read_last_error()
        if detail:
            err.message = "default credential chain: %s" % detail
            err.args = (err.message,)
        err.__cause__ = cause
        return st, err

    def _read_last_error(self) -> str:
        ptr = self._ptr
        if ptr is None:
            raise E.ClosedError("the DefaultChain is closed", E.ClosedError.code)
        n = ctypes.c_size_t(0)
        cap = 512
        while True:
            buf = ctypes.create_string_buffer(cap)
            st = self._lib.sigv4rs_chain_last_error(ptr, buf, cap, ctypes.byref(n))
            if st != _abi.STATUS_BUFFER_TOO_SMALL:
                break
            cap = n.value
        if st != _OK:
            raise E.from_status(st, "last_error")
        return buf.raw[: n.value - 1].decode("utf-8", "replace")

    @property
    def last_error(self) -> str:
        """Why the last resolve failed: "<source>: <kind>: <detail>" (e.g.
        `Process: Fetch: profile "dev": credential_process exited with exit
        status: 1`), never a secret; "" after a success or before any."""
        return self._read_last_error()

    # --- lifetime -----------------------------------------------------------------
    #
    # Each signer using the chain counts as a user from its constructor until
    # its C signer is freed; the library's chain is freed once it is closed
    # (close(), or collected) and has no user.

    def _acquire(self) -> None:
        with self._lock:
            if self._closing or self._ptr is None:
                raise E.ClosedError("the DefaultChain is closed", E.ClosedError.code)
            self._users += 1

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            free = self._closing and self._users == 0
        if free:
            self._free()

    def _free(self) -> None:
        with self._lock:
            ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._lib.sigv4rs_chain_free(ptr)

    def close(self) -> None:
        """Releases the chain: no new signer may use it, and the library's
        chain is freed once the signers using it are. Idempotent."""
        with self._lock:
            self._closing = True
            free = self._users == 0
        if free:
            self._free()

    @property
    def closed(self) -> bool:
        return self._closing or self._ptr is None

    def __enter__(self) -> DefaultChain:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # A signer using the chain refers to it: here none is left but,
        # in a collected cycle, one whose finalizer frees the chain after
        # its C signer (Signer._free / __del__ release it).
        try:
            self._closing = True
            if self._users == 0 and self._ptr is not None:
                ptr, self._ptr = self._ptr, None
                self._lib.sigv4rs_chain_free(ptr)
        except Exception:  # interpreter shutdown
            pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        transport = getattr(self, "transport", None)
        name = getattr(transport, "__qualname__", type(transport).__name__)
        return "<sigv4rs.DefaultChain profile=%r region=%r transport=%s %s>" % (
            getattr(self, "profile", None), getattr(self, "region", None), name, state)


def default_chain(profile: Optional[Text] = None, region: Optional[Text] = None,
                  transport: Optional[Transport] = None, process_timeout: Optional[float] = None) -> DefaultChain:
    """`DefaultChain(...)`: the chain to pass as a signer's `credentials=`."""
    return DefaultChain(profile=profile, region=region, transport=transport, process_timeout=process_timeout)
