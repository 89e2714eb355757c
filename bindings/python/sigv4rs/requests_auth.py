"""A `requests` auth object, a drop-in for requests-aws4auth's `AWS4Auth`:

    from sigv4rs.requests_auth import SigV4Auth
    auth = SigV4Auth(access_key, secret_key, "eu-west-1", "es", session_token=token)
    requests.get(url, auth=auth)

Also usable wherever a requests auth object is accepted, e.g. opensearch-py's
`RequestsHttpConnection(http_auth=auth)` (it is called with the
PreparedRequest and returns it).

What is signed is what goes on the wire:
* the URL's path and query as urllib3 will send them (it upper-cases
  percent escapes and encodes a few characters requests leaves alone, such
  as `[` and `]` in a path: non-S3 services encode the path again, so the
  difference would change the signature);
* every header in the prepared request (requests has already added
  Accept, Accept-Encoding, Content-Length...; User-Agent and Connection are
  never signed), str values as latin-1 bytes, as http.client sends them;
* the body: bytes as is; str as urllib3 encodes it (UTF-8 with urllib3 2,
  latin-1 with urllib3 1); a seekable file is hashed from its current
  position and rewound; a generator or other stream is sent as
  UNSIGNED-PAYLOAD (S3 accepts it; most other services do not, so give them
  bytes or a seekable file). An `X-Amz-Content-SHA256` header you set is
  used as the payload hash as is.
* an aws-chunked body (the `ChunkedEncoder` from `Signer.sign_streaming`)
  is not signed again: it was signed when it was made, and its chunk
  signatures chain from that signature. Its headers are set on the request.
* the host as sent: the library signs it lower-case, and when the URL's host
  has upper-case letters its `Host` output is set on the request (urllib3
  lower-cases the host it sends anyway).

As AWS4Auth, a request that already carries `X-Amz-Date` is signed at that
time; see SigV4Auth for the date rules and the constructor forms.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import re
import threading
from typing import Any, Callable, Iterable, Optional

import requests
import requests.auth

from . import errors as E
from .chain import DefaultChain
from .credentials import CredentialSource
from .signer import Signer, Text
from .streaming import ChunkedEncoder

try:  # the function urllib3 applies to every request target before sending
    from urllib3.util.url import _encode_target
except ImportError:  # pragma: no cover - other urllib3 versions
    _encode_target = None  # type: ignore[assignment]

try:
    from requests.compat import is_urllib3_1 as _URLLIB3_1
except ImportError:  # pragma: no cover
    _URLLIB3_1 = False

_STR_BODY_ENCODING = "latin-1" if _URLLIB3_1 else "utf-8"
_CHUNK = 1 << 20
# Targets urllib3 leaves as they are: allowed characters and upper-case
# escapes only (the usual case, as requests has prepared the URL already).
_WIRE_READY = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*\Z")
# The only X-Amz-Date form SigV4 signs (it goes verbatim into the string to sign).
_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\Z")
# Signed whatever include_hdrs says: SigV4 requires host, and the signer
# adds and signs the others itself (SigV4a, S3 Express: one each).
_ALWAYS_SIGNED = {b"host", b"x-amz-date", b"x-amz-security-token", b"x-amz-content-sha256", b"x-amz-region-set",
                  b"x-amz-s3session-token"}
_SIGNER_OPTIONS = ("normalize_path", "single_encode_path", "content_sha256_header", "unsigned_session_token",
                   "unsigned_headers", "sigv4a", "s3express")


def wire_url(url: str) -> str:
    """`url` with its path and query as urllib3 will send them."""
    if _encode_target is None:
        return url
    url = url.split("#", 1)[0]
    scheme_end = url.find("://")
    if scheme_end < 0:
        return url
    start = scheme_end + 3
    cut = len(url)
    for sep in "/?":
        i = url.find(sep, start)
        if 0 <= i < cut:
            cut = i
    target = url[cut:] or "/"
    if target.startswith("?"):
        target = "/" + target
    if not _WIRE_READY.match(target):
        target = _encode_target(target)
    return url[:cut] + target


def _wire_headers(headers):
    """(name, value) pairs as http.client sends them: str as latin-1."""
    items = headers.lower_items() if hasattr(headers, "lower_items") else headers.items()
    out = []
    for i, (n, v) in enumerate(items):
        try:
            out.append((n if type(n) is bytes else n.encode("latin-1"),
                        v if type(v) is bytes else v.encode("latin-1")))
        except UnicodeEncodeError as e:
            err = E.InvalidHeaderValueError(
                "header %r is not latin-1: http.client sends str values as latin-1 and could not send it; "
                "pass the bytes to send (e.g. value.encode('utf-8')) or an ASCII encoding of it" % (n,),
                E.InvalidHeaderValueError.code,
            )
            # The value when it is the value (str offsets are latin-1 bytes).
            err.field, err.index, err.offset = "header_value", i, e.start
            if type(n) is str and not all(ord(c) < 256 for c in n):  # the name, encoded first
                err.field = "header_name"
            name = list(headers.keys())[i]  # as set (lower_items lower-cases)
            err.header_name = name if type(name) is str else name.decode("latin-1")
            raise err from None
        except AttributeError:
            raise E.ArgumentTypeError("header %r must be str or bytes" % (n,)) from None
    return out


def _amz_date_time(value):
    """Unix seconds of an X-Amz-Date value, or None unless it is a valid
    SigV4 time, `YYYYMMDDTHHMMSSZ`."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    m = _AMZ_DATE.match(value.strip())
    if m is None:
        return None
    try:
        return calendar.timegm(datetime.datetime(*map(int, m.groups())).timetuple())
    except ValueError:  # no such day or time, e.g. 20150230
        return None


def _is_signing_key(obj):
    """requests-aws4auth's AWS4SigningKey, duck-typed (no import needed)."""
    return not isinstance(obj, (str, bytes, bytearray, memoryview)) and all(
        hasattr(obj, a) for a in ("region", "service", "scope", "secret_key"))


class SigV4Auth(requests.auth.AuthBase):
    """Signs each request with SigV4, a drop-in for AWS4Auth.

    The forms AWS4Auth takes:
    * `SigV4Auth(access_key, secret_key, region, service[, date],
      session_token=None)`;
    * `SigV4Auth(access_key, signing_key)` with an `AWS4SigningKey` (its
      secret, region and service are used; one made with
      `store_secret_key=False` is refused: the library derives its keys from
      the secret);
    * `SigV4Auth(refreshable_credentials=creds, region=..., service=...)`
      with botocore credentials (re-read on every request; the signer is
      rebuilt when they rotate); a `sigv4rs.DefaultChain` there is taken as
      `credentials=`.

    And sigv4rs's own: `SigV4Auth(credentials=source, region=...,
    service=..., margin=None)`, `source` as for `sigv4rs.Signer`'s
    `credentials=`: `sigv4rs.Credentials`, a callable returning them, or
    botocore's `RefreshableCredentials`, or the default chain
    (`sigv4rs.default_chain()`); one signer asks it for fresh credentials
    when they are absent or expire within `margin` seconds.

    `date` (AWS4Auth's scope date, `YYYYMMDD`) is checked and otherwise has
    no effect, as with AWS4Auth, which derives a new key when the request's
    date differs: the scope is always the signing day.

    Signing time: a request's own `X-Amz-Date` when it is a SigV4 time
    (`YYYYMMDDTHHMMSSZ`), as AWS4Auth signs it; any other value is replaced
    by the current time, or raises `sigv4rs.InvalidTimeError` (a ValueError)
    with `raise_invalid_date=True`. Otherwise `clock()`, or now.

    `include_hdrs`: AWS4Auth's set of headers to sign (names, `x-amz-*`,
    `*`); `host` and the headers the signer adds (`X-Amz-Date`,
    `X-Amz-Security-Token`, `X-Amz-Content-SHA256`) are always signed.
    Without it every header is signed but User-Agent, Connection and the
    other never-signed ones (AWS4Auth's default is host, content-type, date
    and x-amz-*).

    Extras: `s3` (default: service == "s3"), `unsigned_payload` (never hash
    bodies), `clock` (a callable returning Unix seconds, for tests), and the
    `sigv4rs.Signer` options `normalize_path`, `single_encode_path`,
    `content_sha256_header`, `unsigned_session_token`, `unsigned_headers`,
    `sigv4a` (`region` is then the region set) and `s3express`.
    """

    def __init__(self, access_key: Optional[Text] = None, secret_key: Any = None, region: Optional[str] = None,
                 service: Optional[str] = None, *args: str, session_token: Optional[Text] = None,
                 refreshable_credentials: Any = None, credentials: Optional[CredentialSource] = None,
                 margin: Optional[int] = None, date: Optional[str] = None,
                 include_hdrs: Optional[Iterable[str]] = None, raise_invalid_date: bool = False,
                 s3: Optional[bool] = None, unsigned_payload: bool = False,
                 clock: Optional[Callable[[], int]] = None, **signer_options: Any) -> None:
        unknown = sorted(set(signer_options) - set(_SIGNER_OPTIONS))
        if unknown:
            raise TypeError(
                "SigV4Auth got an unexpected keyword argument %r; it takes AWS4Auth's (session_token, "
                "refreshable_credentials, region, service, date, include_hdrs, raise_invalid_date), credentials, "
                "margin, s3, unsigned_payload, clock and the Signer options %s"
                % (unknown[0], ", ".join(_SIGNER_OPTIONS)))
        if len(args) > 1:
            raise TypeError("SigV4Auth takes AWS4Auth's positional forms (access_key, secret_key, region, "
                            "service[, date]) or (access_key, signing_key), not %d arguments" % (4 + len(args)))
        if args:
            if date is not None:
                raise TypeError("SigV4Auth got date both as the 5th argument and as a keyword")
            date = args[0]
        if _is_signing_key(secret_key):
            key = secret_key
            if region is not None or service is not None or date is not None:
                raise TypeError("SigV4Auth(access_key, signing_key) takes region, service and date from the "
                                "AWS4SigningKey; pass no others")
            if key.secret_key is None:
                raise ValueError("signing_key: this AWS4SigningKey was made with store_secret_key=False, and "
                                 "sigv4rs derives its signing keys from the secret itself; use "
                                 "SigV4Auth(access_key, secret_key, region, service)")
            secret_key, region, service = key.secret_key, key.region, key.service
        if date is not None and not (isinstance(date, str) and re.fullmatch(r"\d{8}", date)):
            raise ValueError("date must be the scope date as 'YYYYMMDD' (AWS4Auth's 5th argument), got %r"
                             % (date,))
        if type(raise_invalid_date) is not bool:
            raise ValueError("raise_invalid_date must be True or False")
        if isinstance(refreshable_credentials, DefaultChain):
            # The library's chain refreshes itself: one signer on it.
            if credentials is not None:
                raise E.ArgumentTypeError("SigV4Auth takes credentials= or refreshable_credentials=, not both")
            credentials, refreshable_credentials = refreshable_credentials, None
        if region is None or service is None:
            raise E.ArgumentTypeError("SigV4Auth needs region and service: SigV4Auth(access_key, secret_key, "
                                      "region, service), or region=..., service=... with credentials or "
                                      "refreshable_credentials")
        if credentials is not None:
            given = [n for n, v in (("access_key", access_key), ("secret_key", secret_key),
                                    ("session_token", session_token),
                                    ("refreshable_credentials", refreshable_credentials)) if v is not None]
            if given:
                raise E.ArgumentTypeError("SigV4Auth takes credentials= instead of %s, not with them"
                                          % ", ".join(given))
        elif margin is not None:
            raise E.ArgumentTypeError("margin is for credentials= (a provider)")
        self.include_hdrs = None
        if include_hdrs is not None:
            if isinstance(include_hdrs, (str, bytes)):
                raise TypeError("include_hdrs must be a collection of header names such as {'host', 'x-amz-*'}, "
                                "not a single str")
            try:
                self.include_hdrs = {n.strip().lower().encode("latin-1") for n in include_hdrs}
            except (AttributeError, TypeError, UnicodeEncodeError):
                raise TypeError("include_hdrs must be a collection of header names (str)") from None
        self.region = region
        self.service = service
        self.date = date
        self.raise_invalid_date = raise_invalid_date
        self.s3 = (service == "s3") if s3 is None else s3
        self.unsigned_payload = unsigned_payload
        self.clock = clock
        self._options = signer_options
        self._lock = threading.Lock()
        self.refreshable_credentials = refreshable_credentials
        self._creds_key: Optional[tuple] = None
        self._signer: Optional[Signer] = None
        if credentials is not None:
            # One signer; the library asks the source when it must.
            self._signer = Signer(region=region, service=service, credentials=credentials, margin=margin,
                                  s3=self.s3, **signer_options)
        elif refreshable_credentials is None:
            if access_key is None or secret_key is None:
                raise E.ArgumentTypeError("SigV4Auth needs access_key and secret_key (or refreshable_credentials)")
            self._signer = self._make(access_key, secret_key, session_token)

    def _make(self, access_key, secret_key, token) -> Signer:
        return Signer(access_key, secret_key, self.region, self.service, session_token=token or None,
                      s3=self.s3, **self._options)

    @property
    def signer(self) -> Signer:
        """The current sigv4rs.Signer."""
        rc = self.refreshable_credentials
        if rc is None:
            assert self._signer is not None  # made in __init__
            return self._signer
        frozen = rc.get_frozen_credentials() if hasattr(rc, "get_frozen_credentials") else rc
        key = (frozen.access_key, frozen.secret_key, frozen.token)
        with self._lock:
            signer = self._signer
            if signer is None or key != self._creds_key:
                old, signer = signer, self._make(*key)
                self._signer, self._creds_key = signer, key
                if old is not None:
                    old.close()  # deferred while another thread signs with it
            return signer

    def close(self) -> None:
        with self._lock:
            if self._signer is not None:
                self._signer.close()

    def _payload(self, r):
        """(body, payload_hash, unsigned) for the prepared request."""
        body = r.body
        if self.unsigned_payload:
            return b"", None, True
        if body is None or isinstance(body, bytes):
            return body or b"", None, False
        if isinstance(body, str):
            return body.encode(_STR_BODY_ENCODING), None, False
        if isinstance(body, (bytearray, memoryview)):
            return bytes(body), None, False
        if "x-amz-content-sha256" in r.headers:
            return b"", None, False  # the caller's header is the payload hash
        if hasattr(body, "read") and hasattr(body, "seek") and hasattr(body, "tell"):
            try:
                pos = body.tell()
                h = hashlib.sha256()
                for chunk in iter(lambda: body.read(_CHUNK), b""):
                    if isinstance(chunk, str):
                        chunk = chunk.encode(_STR_BODY_ENCODING)
                    h.update(chunk)
                body.seek(pos)
                return b"", h.hexdigest(), False
            except (OSError, ValueError):
                pass  # not really seekable: fall through
        return b"", None, True

    def _signs(self, name):
        """Whether include_hdrs selects header `name` (lower-case bytes)."""
        inc = self.include_hdrs
        return (name in inc or name in _ALWAYS_SIGNED or b"*" in inc
                # AWS4Auth's wildcard leaves out x-amz-client-context.
                or (b"x-amz-*" in inc and name.startswith(b"x-amz-") and name != b"x-amz-client-context"))

    def _user_header(self, err, headers):
        """Points `err` (about header `err.index` of the list given to the
        signer) at the request's header: its index in `r.headers`, skipping
        none of those include_hdrs left out, and its name as set."""
        wire = _wire_headers(headers)
        kept = range(len(wire))
        if self.include_hdrs is not None:
            kept = [i for i, (n, _) in enumerate(wire) if self._signs(n.lower())]
        if err.index is None or err.field is None or err.index >= len(kept):
            return
        i = kept[err.index]
        names = list(headers.keys())
        name = names[i] if i < len(names) else err.header_name
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        E.locate(err, "sign", err.field, i, err.offset, name)

    def _time(self, r):
        """The signing time: the request's X-Amz-Date when valid, else the clock."""
        given = r.headers.get("X-Amz-Date")
        if given is not None:
            t = _amz_date_time(given)
            if t is not None:
                return t
            if self.raise_invalid_date:
                raise E.InvalidTimeError(
                    "X-Amz-Date %r is not a SigV4 time (YYYYMMDDTHHMMSSZ); with raise_invalid_date=False "
                    "it is replaced by the current time" % (given,), E.InvalidTimeError.code)
        return self.clock() if self.clock is not None else None

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if isinstance(r.body, ChunkedEncoder):
            # Re-signing would break the chain from the seed signature.
            for name, value in r.body.headers.items():
                r.headers[name] = value
            return r
        if r.method is None or r.url is None:
            raise E.ArgumentTypeError("the request has no method or URL: sign a prepared request")
        method = r.method
        now = self._time(r)
        body, payload_hash, unsigned = self._payload(r)
        headers = _wire_headers(r.headers)
        if self.include_hdrs is not None:
            headers = [(n, v) for n, v in headers if self._signs(n.lower())]
        url = wire_url(r.url)
        try:
            try:
                out = self.signer.sign(method, url, headers, body=body, payload_hash=payload_hash,
                                       unsigned_payload=unsigned, time=now)
            except E.ClosedError:
                if self.refreshable_credentials is None:
                    raise
                # Credentials rotated (and the old signer closed) meanwhile.
                out = self.signer.sign(method, url, headers, body=body, payload_hash=payload_hash,
                                       unsigned_payload=unsigned, time=now)
        except E.Error as err:
            if err.index is not None:
                self._user_header(err, r.headers)
            raise
        for name, value in out.items():
            r.headers[name] = value  # replaces any case variant
        return r

    def __repr__(self) -> str:
        return "<sigv4rs SigV4Auth region=%r service=%r s3=%r>" % (self.region, self.service, self.s3)
