"""An ASGI (3.0) middleware that lets only verified HTTP requests reach the app.

    app = sigv4rs.asgi.VerifyMiddleware(app, sigv4rs.Verifier(
        "us-east-1", "s3", lookup, s3=True))

As `sigv4rs.wsgi.VerifyMiddleware`: the headers are verified, the whole
body is received, verified (aws-chunked decoded) and spooled, and only then
is the app called, with a `receive` that gives the verified payload;
refused requests get the S3-style XML error. The target is
`scope["raw_path"]` (as sent) when the server gives it, else `path`
re-encoded as in the WSGI middleware. The lookup and the library calls run
on the event loop: keep the lookup fast (an in-memory table), or verify in
a thread. Other scopes (websocket, lifespan) pass through.
"""

from __future__ import annotations

import hashlib
import tempfile
import urllib.parse
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional, Tuple

from . import _abi
from . import errors as E
from .signer import Parts
from .verifier import Verifier
from .wsgi import ERRORS, TooLarge, error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_COPY = 64 * 1024


def request_from_scope(scope: Scope) -> Tuple[str, Parts, List[Tuple[bytes, bytes]]]:
    """(method, target, headers) of an ASGI HTTP scope."""
    raw = scope.get("raw_path")
    if raw:
        path = bytes(raw).partition(b"?")[0]
    else:
        path = urllib.parse.quote_from_bytes(scope.get("path", "/").encode("utf-8"), safe="/-_.~").encode("ascii")
    headers = [(bytes(n), bytes(v)) for n, v in scope.get("headers", [])]
    if not any(n.lower() == b"host" for n, _ in headers) and scope.get("server"):
        host, port = scope["server"][0], scope["server"][1]
        default = {"http": 80, "https": 443}.get(scope.get("scheme", "http"))
        headers.append((b"host", (host if port in (None, default) else "%s:%s" % (host, port)).encode("latin-1")))
    return scope.get("method", "GET"), Parts(b"", path, bytes(scope.get("query_string", b""))), headers


class VerifyMiddleware:
    """Calls `app` only for HTTP requests `verifier` verifies, body
    included (see the module). `scope["sigv4rs.result"]` is the
    VerifyResult; the app's `receive` gives the decoded payload."""

    def __init__(self, app: ASGIApp, verifier: Verifier, *, spool_limit: int = 1 << 20,
                 max_body: int = 64 << 20, clock: Optional[Callable[[], int]] = None) -> None:
        if not isinstance(verifier, Verifier):
            raise E.ArgumentTypeError("verifier must be a sigv4rs.Verifier, not %s" % type(verifier).__name__)
        self.app = app
        self.verifier = verifier
        self.spool_limit = spool_limit
        self.max_body = max_body
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        method, target, headers = request_from_scope(scope)
        now = self.clock() if self.clock is not None else None
        declared = [v for n, v in headers if n.lower() == b"content-length"]
        if declared and declared[0].strip().isdigit() and int(declared[0]) > self.max_body:
            await _respond(send, 413, "EntityTooLarge", "the body is longer than allowed")
            return
        spool = tempfile.SpooledTemporaryFile(max_size=self.spool_limit)
        try:
            try:
                result = await self._verify(method, target, headers, now, receive, spool)
            except TooLarge:
                await _respond(send, 413, "EntityTooLarge", "the body is longer than allowed")
                return
            except E.VerificationError as e:
                status, code = ERRORS.get(e.code or 0, (403, "AccessDenied"))
                await _respond(send, status, code, e.message, e.result)
                return
            size = spool.tell()
            spool.seek(0)
            inner = dict(scope)
            inner["sigv4rs.result"] = result
            inner["headers"] = _app_headers(headers, size)
            await self.app(inner, _Replay(spool, receive), send)
        finally:
            spool.close()

    async def _verify(self, method, target, headers, now, receive, spool):
        total = 0

        async def chunks():
            nonlocal total
            while True:
                msg = await receive()
                if msg.get("type") == "http.disconnect":
                    raise E.verification_class(_abi.STATUS_INCOMPLETE_PAYLOAD)(
                        "body: the client went away", _abi.STATUS_INCOMPLETE_PAYLOAD)
                data = msg.get("body", b"")
                total += len(data)
                if total > self.max_body:
                    raise TooLarge()
                yield data
                if not msg.get("more_body", False):
                    return

        try:
            body = self.verifier.begin(method, target, headers, now=now)
        except E.PayloadRequiredError:
            h = hashlib.sha256()
            async for data in chunks():
                h.update(data)
                spool.write(data)
            return self.verifier.verify(method, target, headers, payload_hash=h.hexdigest(), now=now)
        with body:
            async for data in chunks():
                spool.write(body.update(data))
            return body.finish()


def _app_headers(headers, size):
    """The headers the app sees: Content-Length the payload's, aws-chunked
    out of Content-Encoding, no Transfer-Encoding."""
    out = []
    for n, v in headers:
        name = n.lower()
        if name in (b"content-length", b"transfer-encoding"):
            continue
        if name == b"content-encoding":
            codings = [c.strip() for c in v.split(b",") if c.strip() and c.strip().lower() != b"aws-chunked"]
            if not codings:
                continue
            v = b", ".join(codings)
        out.append((n, v))
    out.append((b"content-length", str(size).encode("ascii")))
    return out


class _Replay:
    """`receive` for the app: the spooled payload, then the server's."""

    def __init__(self, spool, receive):
        self._spool, self._receive, self._done = spool, receive, False

    async def __call__(self) -> Dict[str, Any]:
        if self._done:
            return dict(await self._receive())
        data = self._spool.read(_COPY)
        more = bool(data) and self._spool.tell() < self._spool_size()
        if not more:
            self._done = True
        return {"type": "http.request", "body": data, "more_body": more}

    def _spool_size(self):
        pos = self._spool.tell()
        end = self._spool.seek(0, 2)
        self._spool.seek(pos)
        return end


async def _respond(send, status, code, message, result=None):
    body = error_body(code, message, result)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/xml"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
