"""sigv4rs.asgi.VerifyMiddleware, driven with hand-built ASGI scopes and
body messages split at random: signed uploads reach the app decoded,
tampered ones get the S3 error and the app is never called."""

import asyncio
import random
import xml.etree.ElementTree as ET

import pytest

import sigv4rs
import sigv4rs.asgi

AKID = "AKIDASGITEST"
SECRET = "asgi/Secret+Key/NeverShown0123456789"
T = 1700000000
HOST = "bucket.example.com"
CHUNK = 8192


def scope_for(method, target, headers, raw_path=True):
    path, _, query = target.partition("?")
    import urllib.parse

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "https", "path": urllib.parse.unquote(path), "query_string": query.encode(),
             "headers": [(n.lower().encode(), v.encode()) for n, v in headers], "server": ("127.0.0.1", 443)}
    if raw_path:
        scope["raw_path"] = path.encode()
    return scope


def run(mw, scope, body, seed=0):
    """(status, response body, [(scope, body) the app got])."""
    rng = random.Random(seed)
    pieces, i = [], 0
    while i < len(body):
        n = rng.choice([1, 50, CHUNK, 3 * CHUNK])
        pieces.append(body[i:i + n])
        i += n
    msgs = [{"type": "http.request", "body": p, "more_body": k < len(pieces) - 1} for k, p in enumerate(pieces)]
    msgs = msgs or [{"type": "http.request", "body": b"", "more_body": False}]
    sent = []

    async def receive():
        return msgs.pop(0) if msgs else {"type": "http.disconnect"}

    async def send(msg):
        sent.append(msg)

    asyncio.run(mw(scope, receive, send))
    status = sent[0]["status"]
    return status, b"".join(m.get("body", b"") for m in sent[1:])


class App:
    def __init__(self):
        self.calls = []

    async def __call__(self, scope, receive, send):
        parts = []
        while True:
            msg = await receive()
            parts.append(msg.get("body", b""))
            if not msg.get("more_body"):
                break
        self.calls.append((scope, b"".join(parts)))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def middleware(app, service="s3"):
    v = sigv4rs.Verifier("us-east-1", service, {AKID: SECRET}, s3=service == "s3")
    return sigv4rs.asgi.VerifyMiddleware(app, v, clock=lambda: T, spool_limit=4096)


def streamed(data, mode, checksum, target="/bucket/a%20b.bin?partNumber=2"):
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True) as s:
        out, enc = s.sign_streaming("PUT", "https://" + HOST + target, len(data), chunk_size=CHUNK, mode=mode,
                                    checksum=checksum, time=T, body=data)
        return target, [("Host", HOST)] + list(out.items()), enc.read()


@pytest.mark.parametrize("raw_path", [True, False])
@pytest.mark.parametrize("mode,checksum", [("signed", None), ("signed-trailer", "crc32"),
                                           ("unsigned-trailer", "sha1")])
def test_streamed_upload_reaches_the_app_decoded(mode, checksum, raw_path):
    data = random.Random(5).randbytes(2 * CHUNK + 99)
    target, headers, wire = streamed(data, mode, checksum)
    app = App()
    assert run(middleware(app), scope_for("PUT", target, headers, raw_path), wire) == (200, b"ok")
    (scope, body), = app.calls
    assert body == data
    hs = dict(scope["headers"])
    assert hs[b"content-length"] == str(len(data)).encode() and b"content-encoding" not in hs
    assert scope["sigv4rs.result"].access_key_id == AKID


def test_tampered_upload_never_reaches_the_app():
    data = random.Random(6).randbytes(2 * CHUNK)
    target, headers, wire = streamed(data, "signed", None)
    for i in (300, CHUNK + 200, len(wire) - 50):
        bad = wire[:i] + bytes([wire[i] ^ 1]) + wire[i + 1:]
        app = App()
        status, out = run(middleware(app), scope_for("PUT", target, headers), bad)
        assert status in (400, 403) and app.calls == []
        assert ET.fromstring(out).tag == "Error" and SECRET.encode() not in out
    app = App()
    status, out = run(middleware(app), scope_for("PUT", target, headers), wire[:-10])  # then disconnect
    assert (status, ET.fromstring(out).findtext("Code"), app.calls) == (400, "IncompleteBody", [])


def test_other_service_and_lifespan_pass_through():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "execute-api") as s:
        out = s.sign("POST", "https://%s/prod/x" % HOST, body=b"payload", time=T)
    headers = [("Host", HOST)] + list(out.items())
    app = App()
    assert run(middleware(app, "execute-api"), scope_for("POST", "/prod/x", headers), b"payload") == (200, b"ok")
    assert app.calls[0][1] == b"payload"
    status, out = run(middleware(app, "execute-api"), scope_for("POST", "/prod/x", headers), b"payloaD")
    assert (status, ET.fromstring(out).findtext("Code"), len(app.calls)) == (403, "SignatureDoesNotMatch", 1)
    seen = []

    async def lifespan_app(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(middleware(lifespan_app)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]


def test_body_limit():
    data = random.Random(7).randbytes(CHUNK + 10)
    target, headers, wire = streamed(data, "signed", None)
    v = sigv4rs.Verifier("us-east-1", "s3", {AKID: SECRET}, s3=True)
    for limit, want in ((len(wire) - 1, 413), (len(wire), 200)):
        app = App()
        mw = sigv4rs.asgi.VerifyMiddleware(app, v, clock=lambda: T, max_body=limit)
        assert run(mw, scope_for("PUT", target, headers), wire)[0] == want
        assert len(app.calls) == (want == 200)
    # Without a Content-Length the bytes received are counted.
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True) as s:
        out = s.sign("PUT", "https://%s/bucket/k" % HOST, unsigned_payload=True, time=T)
    headers = [("Host", HOST)] + list(out.items())
    for limit, want in ((99, 413), (100, 200)):
        app = App()
        mw = sigv4rs.asgi.VerifyMiddleware(app, v, clock=lambda: T, max_body=limit)
        assert run(mw, scope_for("PUT", "/bucket/k", headers), b"x" * 100, seed=3)[0] == want
        assert [b for _, b in app.calls] == ([b"x" * 100] if want == 200 else [])
