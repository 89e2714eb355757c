"""A WSGI middleware that lets only verified requests reach the app.

    app = sigv4rs.wsgi.VerifyMiddleware(app, sigv4rs.Verifier(
        "us-east-1", "s3", lookup, s3=True))

Each request's signature is verified before the app is called; its body is
read whole, verified (aws-chunked decoded, every chunk checked) and spooled
into a `tempfile.SpooledTemporaryFile` (in memory up to `spool_limit`
bytes), then the app gets it as `wsgi.input`: it never sees a byte that did
not verify. A rejected request gets an S3-style XML error (403 mostly) and
the app is not called.

The path. SigV4 signs the path as sent. WSGI gives it URL-decoded
(PATH_INFO, as latin-1 text), so when the server does not pass the raw
target (REQUEST_URI, as uWSGI and others do; RAW_URI, gunicorn) it is
re-encoded the way AWS SDKs encode (every byte but letters, digits, `-_.~/`
as %XX). That is exact for SDK clients under S3's rules; it fails for a
path sent with `%2F` (decoded to `/`, re-encoded as `/`), and, for other
services (whose canonical path is the path as sent), for a client that left
characters such as `!$'()*+,;=:@` unescaped. wsgiref is such a server:
prefer one that gives the raw target. Header names come back from HTTP_*
keys with `_` as `-`, so a header sent with an underscore in its name is
seen with a dash (most servers drop those).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.parse
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from xml.sax.saxutils import escape

from . import _abi
from . import errors as E
from .signer import Parts
from .verifier import Verifier, VerifyResult

Environ = Dict[str, Any]
StartResponse = Callable[..., Any]

_COPY = 64 * 1024
# Status -> (HTTP status, S3 error code). Anything else: 403 AccessDenied.
_MALFORMED = (400, "AuthorizationHeaderMalformed")
ERRORS: Dict[int, Tuple[int, str]] = {
    _abi.STATUS_SIGNATURE_MISMATCH: (403, "SignatureDoesNotMatch"),
    _abi.STATUS_UNKNOWN_ACCESS_KEY: (403, "InvalidAccessKeyId"),
    _abi.STATUS_CLOCK_SKEW: (403, "RequestTimeTooSkewed"),
    _abi.STATUS_REQUEST_EXPIRED: (403, "AccessDenied"),
    _abi.STATUS_MISSING_AUTHORIZATION: (403, "AccessDenied"),
    _abi.STATUS_TOKEN_MISMATCH: (403, "InvalidToken"),
    _abi.STATUS_PAYLOAD_MISMATCH: (400, "XAmzContentSHA256Mismatch"),
    _abi.STATUS_INVALID_CONTENT_SHA256: (400, "InvalidArgument"),
    _abi.STATUS_INCOMPLETE_PAYLOAD: (400, "IncompleteBody"),
    _abi.STATUS_LOOKUP_FAILED: (500, "InternalError"),
    _abi.STATUS_MALFORMED_AUTHORIZATION: _MALFORMED,
    _abi.STATUS_MALFORMED_CREDENTIAL: _MALFORMED,
    _abi.STATUS_MALFORMED_SIGNED_HEADERS: _MALFORMED,
    _abi.STATUS_MALFORMED_SIGNATURE: _MALFORMED,
    _abi.STATUS_MALFORMED_QUERY_AUTH: (400, "AuthorizationQueryParametersError"),
    _abi.STATUS_WRONG_REGION: _MALFORMED,
    _abi.STATUS_CHUNK_SIGNATURE_MISMATCH: (403, "SignatureDoesNotMatch"),
    _abi.STATUS_CHECKSUM_MISMATCH: (400, "BadDigest"),
    _abi.STATUS_DECODED_LENGTH_MISMATCH: (400, "IncompleteBody"),
    _abi.STATUS_MALFORMED_CHUNK: (400, "InvalidRequest"),
    _abi.STATUS_CHUNK_TOO_SMALL: (400, "InvalidRequest"),
    _abi.STATUS_MALFORMED_TRAILER: (400, "MalformedTrailerError"),
}
_REASONS = {400: "Bad Request", 403: "Forbidden", 411: "Length Required", 413: "Payload Too Large",
            500: "Internal Server Error"}


class TooLarge(Exception):
    """The body is longer than max_body."""


def _latin1(s: str) -> bytes:
    # PEP 3333: environ strings carry the wire bytes as latin-1.
    return s.encode("latin-1", "replace")


def request_from_environ(environ: Environ) -> Tuple[str, Parts, List[Tuple[bytes, bytes]]]:
    """(method, target, headers) of a WSGI request, for `Verifier.verify`
    and `begin`: the target as Parts with the Host header carrying the
    host; headers as (name, value) bytes, names lower-case with `-`."""
    headers: List[Tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_") and isinstance(value, str):
            headers.append((key[5:].lower().replace("_", "-").encode("latin-1"), _latin1(value)))
    for key, name in (("CONTENT_TYPE", b"content-type"), ("CONTENT_LENGTH", b"content-length")):
        value = environ.get(key)
        if value:  # servers set them empty when absent
            headers.append((name, _latin1(value)))
    if "HTTP_HOST" not in environ:
        host = environ.get("SERVER_NAME", "")
        port = environ.get("SERVER_PORT", "")
        default = {"http": "80", "https": "443"}.get(environ.get("wsgi.url_scheme", "http"))
        if port and port != default:
            host += ":" + port
        headers.append((b"host", _latin1(host)))
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        target = _latin1(raw)
        if not target.startswith(b"/") and b"://" in target:  # absolute form (proxies)
            target = b"/" + target.split(b"://", 1)[1].partition(b"/")[2]
        path, _, query = target.partition(b"?")
    else:
        decoded = _latin1(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or b"/"
        path = urllib.parse.quote_from_bytes(decoded, safe="/-_.~").encode("ascii")
        query = _latin1(environ.get("QUERY_STRING", ""))
    return environ.get("REQUEST_METHOD", "GET"), Parts(b"", path, query), headers


def error_body(code: str, message: str, result: Optional[VerifyResult] = None) -> bytes:
    """An S3-style XML error document (never the secret: the claimed
    access key id at most)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>', escape(code), "</Code><Message>",
             escape(message), "</Message>"]
    if result is not None and result.access_key_id:
        akid = result.access_key_id.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
        parts += ["<AWSAccessKeyId>", escape(akid), "</AWSAccessKeyId>"]
    parts.append("</Error>")
    return "".join(parts).encode("utf-8")


def _chunked(environ: Environ) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


class _Limited:
    """`raw` with reads counted: at most `limit` bytes, else TooLarge."""

    def __init__(self, raw, limit):
        self.raw, self.limit, self.n = raw, limit, 0

    def read(self, n=-1):
        data = self.raw.read(n) if n is not None and n >= 0 else self.raw.read()
        self.n += len(data)
        if self.n > self.limit:
            raise TooLarge()
        return data


class _Closing:
    """The app's response iterable, closing the spooled body after it."""

    def __init__(self, it, spool):
        self._it, self._spool = it, spool

    def __iter__(self):
        return iter(self._it)

    def close(self):
        try:
            close = getattr(self._it, "close", None)
            if close is not None:
                close()
        finally:
            self._spool.close()


class VerifyMiddleware:
    """Calls `app` only for requests `verifier` verifies, body included.

    `spool_limit`: bytes of verified body kept in memory (more goes to a
    temporary file); `max_body`: the longest body read (as received;
    longer: 413 EntityTooLarge). `clock`: returns the server's time in
    Unix seconds (default: the system clock).

    The app's environ: `wsgi.input` the verified payload (aws-chunked
    framing removed), CONTENT_LENGTH its length, `aws-chunked` taken out of
    HTTP_CONTENT_ENCODING, HTTP_X_AMZ_DECODED_CONTENT_LENGTH kept, and
    `sigv4rs.result` the VerifyResult (access key id, scope, signed
    headers) to authorize with.
    """

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]], verifier: Verifier, *,
                 spool_limit: int = 1 << 20, max_body: int = 64 << 20,
                 clock: Optional[Callable[[], int]] = None) -> None:
        if not isinstance(verifier, Verifier):
            raise E.ArgumentTypeError("verifier must be a sigv4rs.Verifier, not %s" % type(verifier).__name__)
        self.app = app
        self.verifier = verifier
        self.spool_limit = spool_limit
        self.max_body = max_body
        self.clock = clock

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, target, headers = request_from_environ(environ)
        now = self.clock() if self.clock is not None else None
        try:
            length: Optional[int] = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._respond(start_response, 400, "InvalidArgument", "bad Content-Length")
        if _chunked(environ) and not environ.get("CONTENT_LENGTH"):
            # Read to the end only where the server says the input ends.
            if not environ.get("wsgi.input_terminated"):
                return self._respond(start_response, 411, "MissingContentLength",
                                     "a chunked body needs a server that sets wsgi.input_terminated")
            length = None
        if length is not None and length > self.max_body:
            return self._respond(start_response, 413, "EntityTooLarge", "the body is longer than allowed")
        spool = tempfile.SpooledTemporaryFile(max_size=self.spool_limit)
        try:
            raw = _Limited(environ["wsgi.input"], self.max_body)
            try:
                result = self._verify(method, target, headers, now, raw, length, spool)
            except TooLarge:
                spool.close()
                return self._respond(start_response, 413, "EntityTooLarge", "the body is longer than allowed")
            except E.VerificationError as e:
                spool.close()
                return self._deny(start_response, e)
        except BaseException:
            spool.close()
            raise
        size = spool.tell()
        spool.seek(0)
        env = dict(environ)
        env["wsgi.input"] = spool
        env["CONTENT_LENGTH"] = str(size)
        env["sigv4rs.result"] = result
        env.pop("HTTP_TRANSFER_ENCODING", None)  # the app reads CONTENT_LENGTH bytes
        env["wsgi.input_terminated"] = True
        enc = [c.strip() for c in env.get("HTTP_CONTENT_ENCODING", "").split(",")]
        if "aws-chunked" in [c.lower() for c in enc]:
            rest = ", ".join(c for c in enc if c and c.lower() != "aws-chunked")
            if rest:
                env["HTTP_CONTENT_ENCODING"] = rest
            else:
                del env["HTTP_CONTENT_ENCODING"]
        try:
            return _Closing(self.app(env, start_response), spool)
        except BaseException:
            spool.close()
            raise

    def _verify(self, method, target, headers, now, raw, length, spool):
        try:
            body = self.verifier.begin(method, target, headers, now=now)
        except E.PayloadRequiredError:
            # The canonical request holds the body's hash: hash it as it is
            # spooled, then verify with the hash.
            h = hashlib.sha256()
            left = length
            while left is None or left > 0:
                data = raw.read(_COPY if left is None else min(_COPY, left))
                if not data:
                    break
                h.update(data)
                spool.write(data)
                if left is not None:
                    left -= len(data)
            if left:
                err = E.verification_class(_abi.STATUS_INCOMPLETE_PAYLOAD)(
                    "body: ended %d bytes before its Content-Length" % left, _abi.STATUS_INCOMPLETE_PAYLOAD)
                raise err
            return self.verifier.verify(method, target, headers, payload_hash=h.hexdigest(), now=now)
        with body:
            shutil.copyfileobj(body.reader(raw, length), spool, _COPY)
            return body.result

    def _deny(self, start_response, err):
        status, code = ERRORS.get(err.code or 0, (403, "AccessDenied"))
        return self._respond(start_response, status, code, err.message, err.result)

    def _respond(self, start_response, status, code, message, result=None):
        body = error_body(code, message, result)
        start_response("%d %s" % (status, _REASONS.get(status, "Error")),
                       [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body]
