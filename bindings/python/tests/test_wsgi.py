"""sigv4rs.wsgi.VerifyMiddleware: called with environs built here as a WSGI
server builds them (PEP 3333: PATH_INFO decoded, headers as HTTP_*), and
once through wsgiref on loopback. Requests the binding's Signer signed reach
the app with the verified, decoded body; tampered ones get the S3 error and
the app is never called, so it never sees unverified bytes."""

import http.client
import io
import random
import threading
import urllib.parse
import wsgiref.simple_server
import xml.etree.ElementTree as ET

import pytest

import sigv4rs
import sigv4rs.wsgi
from sigv4rs import errors as E

AKID = "AKIDWSGITEST"
SECRET = "wsgi/Secret+Key/NeverShown987654321"
T = 1700000000
HOST = "bucket.example.com"
CHUNK = 8192
MODES = [("signed", None), ("signed-trailer", "crc32c"), ("unsigned-trailer", "crc64nvme"),
         ("signed-trailer", "sha256")]


class App:
    """Records what it was given."""

    def __init__(self):
        self.calls = []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read()
        self.calls.append((environ, body))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def environ_for(method, target, headers, body, raw_uri=False):
    """The environ a WSGI server builds for a request as received."""
    path, _, query = target.partition("?")
    env = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": urllib.parse.unquote(path, "latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if raw_uri:
        env["RAW_URI"] = target
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            env[key] = value
        elif "HTTP_" + key in env:
            env["HTTP_" + key] += "," + value
        else:
            env["HTTP_" + key] = value
    return env


def call(mw, env):
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = status, headers

    it = mw(env, start_response)
    try:
        body = b"".join(it)
    finally:
        if hasattr(it, "close"):
            it.close()
    return int(got["status"].split()[0]), dict(got["headers"]), body


def middleware(app, lookup=None, **kw):
    v = sigv4rs.Verifier("us-east-1", "s3", {AKID: SECRET} if lookup is None else lookup, s3=True)
    return sigv4rs.wsgi.VerifyMiddleware(app, v, clock=lambda: T, **kw)


def signer():
    return sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True)


def streamed(data, mode="signed", checksum=None, target="/bucket/dir/a%20b.bin?partNumber=1&uploadId=x"):
    with signer() as s:
        out, enc = s.sign_streaming("PUT", "https://" + HOST + target, len(data), [("Content-Type", "x/y")],
                                    chunk_size=CHUNK, mode=mode, checksum=checksum, time=T, body=data)
        wire = enc.read()
    return target, [("Host", HOST), ("Content-Type", "x/y")] + list(out.items()), wire


def plain(data, target="/bucket/k.txt"):
    with signer() as s:
        out = s.sign("PUT", "https://" + HOST + target, [("Content-Type", "text/plain")], body=data, time=T)
    headers = [("Host", HOST), ("Content-Type", "text/plain"), ("Content-Length", str(len(data)))]
    return target, headers + list(out.items()), data


def error_code(body):
    root = ET.fromstring(body)
    assert root.tag == "Error"
    return root.findtext("Code")


@pytest.mark.parametrize("raw_uri", [False, True], ids=["path-info", "raw-uri"])
@pytest.mark.parametrize("mode,checksum", MODES, ids=["%s-%s" % m for m in MODES])
def test_streamed_upload_reaches_the_app_decoded(mode, checksum, raw_uri):
    data = random.Random(1).randbytes(2 * CHUNK + 333)
    target, headers, wire = streamed(data, mode, checksum)
    app = App()
    status, _, out = call(middleware(app, spool_limit=4096), environ_for("PUT", target, headers, wire, raw_uri))
    assert (status, out) == (200, b"ok")
    (env, body), = app.calls
    assert body == data
    assert env["CONTENT_LENGTH"] == str(len(data))
    assert "HTTP_CONTENT_ENCODING" not in env  # aws-chunked was the only coding
    assert env["HTTP_X_AMZ_DECODED_CONTENT_LENGTH"] == str(len(data))
    r = env["sigv4rs.result"]
    assert (r.access_key_id, r.form, r.signed_at) == (AKID, "header", T)
    assert "content-encoding" in r.signed_headers


def test_plain_put_and_presigned_get():
    app = App()
    mw = middleware(app)
    target, headers, body = plain(b"hello")
    assert call(mw, environ_for("PUT", target, headers, body))[0] == 200
    assert app.calls[-1][1] == b"hello"
    with signer() as s:
        url = s.presign("GET", "https://%s/bucket/k.txt?response-content-type=a%%2Fb" % HOST, 60, time=T)
    target = url[len("https://" + HOST):]
    assert call(mw, environ_for("GET", target, [("Host", HOST)], b""))[0] == 200
    assert app.calls[-1][0]["sigv4rs.result"].form == "query"


def test_other_service_body_hashed_while_spooled():
    app = App()
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "execute-api") as s:
        body = b'{"k": "' + b"v" * 5000 + b'"}'
        out = s.sign("POST", "https://%s/prod/items?q=1" % HOST, {"Content-Type": "application/json"}, body=body,
                     time=T)
    headers = [("Host", HOST), ("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    headers += list(out.items())
    v = sigv4rs.Verifier("us-east-1", "execute-api", {AKID: SECRET})
    mw = sigv4rs.wsgi.VerifyMiddleware(app, v, clock=lambda: T, spool_limit=1000)
    assert call(mw, environ_for("POST", "/prod/items?q=1", headers, body))[0] == 200
    assert app.calls[-1][1] == body
    changed = body.replace(b"vvv", b"vvw", 1)
    status, _, out = call(mw, environ_for("POST", "/prod/items?q=1", headers, changed))
    assert (status, error_code(out)) == (403, "SignatureDoesNotMatch")
    assert len(app.calls) == 1


def _flip(wire, i):
    return wire[:i] + bytes([wire[i] ^ 0x01]) + wire[i + 1:]


def test_tampered_requests_never_reach_the_app():
    data = random.Random(2).randbytes(2 * CHUNK + 10)
    target, headers, wire = streamed(data, "signed-trailer", "crc32")
    ptarget, pheaders, pbody = plain(b"hello world")
    trailer = wire.index(b"x-amz-checksum-crc32:") + len(b"x-amz-checksum-crc32:")
    cases = [
        # (what, method, target, headers, body, HTTP status, S3 code)
        ("chunk byte", "PUT", target, headers, _flip(wire, 200), 403, "SignatureDoesNotMatch"),
        ("last chunk byte", "PUT", target, headers, _flip(wire, wire.rindex(b"chunk-signature=") - 10), 403,
         "SignatureDoesNotMatch"),
        ("trailer", "PUT", target, headers, wire[:trailer] + b"AAAAAA==" + wire[trailer + 8:], 400, "BadDigest"),
        ("cut", "PUT", target, headers + [], wire[:-30], 400, "IncompleteBody"),
        ("plain body byte", "PUT", ptarget, pheaders, _flip(pbody, 3), 400, "XAmzContentSHA256Mismatch"),
        ("header", "PUT", ptarget, [(n, "text/html" if n == "Content-Type" else v) for n, v in pheaders], pbody,
         403, "SignatureDoesNotMatch"),
        ("path", "PUT", ptarget + "x", pheaders, pbody, 403, "SignatureDoesNotMatch"),
        ("query", "PUT", ptarget + "?a=1", pheaders, pbody, 403, "SignatureDoesNotMatch"),
        ("no auth", "PUT", ptarget, [p for p in pheaders if p[0] != "Authorization"], pbody, 403, "AccessDenied"),
    ]
    for what, method, t, h, b, want_status, want_code in cases:
        app = App()
        env = environ_for(method, t, h, b)
        if what == "cut":  # the server's Content-Length is the whole body; the client stopped early
            env["CONTENT_LENGTH"] = str(len(wire))
        status, hdrs, out = call(middleware(app), env)
        assert app.calls == [], what
        assert hdrs["Content-Type"] == "application/xml"
        assert (status, error_code(out)) == (want_status, want_code), what
        assert SECRET.encode() not in out


def test_wrong_secret_unknown_key_lookup_failure_expiry():
    target, headers, body = plain(b"x")
    cases = [
        ({AKID: SECRET + "0"}, 403, "SignatureDoesNotMatch"),
        ({}, 403, "InvalidAccessKeyId"),
        (lambda k: 1 / 0, 500, "InternalError"),
    ]
    for lookup, want_status, want_code in cases:
        app = App()
        status, _, out = call(middleware(app, lookup), environ_for("PUT", target, headers, body))
        assert (status, error_code(out)) == (want_status, want_code)
        assert app.calls == [] and SECRET.encode() not in out
        if want_code != "InternalError":
            assert ET.fromstring(out).findtext("AWSAccessKeyId") == AKID
    with signer() as s:
        url = s.presign("GET", "https://%s/bucket/k.txt" % HOST, 60, time=T - 61)
    app = App()
    status, _, out = call(middleware(app), environ_for("GET", url[len("https://" + HOST):], [("Host", HOST)], b""))
    assert (status, error_code(out), app.calls) == (403, "AccessDenied", [])
    late = sigv4rs.wsgi.VerifyMiddleware(app, sigv4rs.Verifier("us-east-1", "s3", {AKID: SECRET}, s3=True),
                                         clock=lambda: T + 901)
    status, _, out = call(late, environ_for("PUT", target, headers, body))
    assert (status, error_code(out), app.calls) == (403, "RequestTimeTooSkewed", [])


def test_body_limit():
    data = random.Random(3).randbytes(3 * CHUNK)
    target, headers, wire = streamed(data)
    app = App()
    status, _, out = call(middleware(app, max_body=len(wire) - 1), environ_for("PUT", target, headers, wire))
    assert (status, error_code(out), app.calls) == (413, "EntityTooLarge", [])
    assert call(middleware(app, max_body=len(wire)), environ_for("PUT", target, headers, wire))[0] == 200


def test_request_from_environ():
    env = environ_for("PUT", "/b/a%20b%2Bc?x=%2F", [("Host", HOST), ("X-Amz-Meta-A", "1"), ("X-Amz-Meta-A", "2"),
                                                    ("Content-Length", "0")], b"")
    method, target, headers = sigv4rs.wsgi.request_from_environ(env)
    assert method == "PUT"
    assert (target.path, target.query) == (b"/b/a%20b%2Bc", b"x=%2F")
    assert sorted(headers) == [(b"content-length", b"0"), (b"host", HOST.encode()), (b"x-amz-meta-a", b"1,2")]
    env["RAW_URI"] = "/b/a%20b+c?x=%2F"
    assert sigv4rs.wsgi.request_from_environ(env)[1].path == b"/b/a%20b+c"
    del env["HTTP_HOST"]
    hosts = [v for n, v in sigv4rs.wsgi.request_from_environ(env)[2] if n == b"host"]
    assert hosts == [b"127.0.0.1"]


def test_through_wsgiref_on_loopback():
    app = App()
    v = sigv4rs.Verifier("us-east-1", "s3", {AKID: SECRET}, s3=True)
    mw = sigv4rs.wsgi.VerifyMiddleware(app, v)  # the real clock: signed now

    class Quiet(wsgiref.simple_server.WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = wsgiref.simple_server.make_server("127.0.0.1", 0, mw, handler_class=Quiet)
    port = server.server_address[1]
    th = threading.Thread(target=server.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
    th.start()
    try:
        data = random.Random(4).randbytes(CHUNK + 1000)
        host = "127.0.0.1:%d" % port
        target = "/bucket/dir/a%20b.bin"
        results = []
        for tamper in (False, True):
            with signer() as s:
                out, enc = s.sign_streaming("PUT", "http://%s%s" % (host, target), len(data), chunk_size=CHUNK,
                                            mode="signed-trailer", checksum="crc32c", body=data)
                wire = enc.read()
            if tamper:
                wire = _flip(wire, 500)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.putrequest("PUT", target, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host)
            for name, value in out.items():
                conn.putheader(name, value)
            conn.endheaders(wire)
            resp = conn.getresponse()
            results.append((resp.status, resp.read()))
            conn.close()
        assert results[0] == (200, b"ok")
        assert app.calls[0][1] == data and len(app.calls) == 1
        assert results[1][0] == 403 and error_code(results[1][1]) == "SignatureDoesNotMatch"
    finally:
        server.shutdown()
        server.server_close()
        th.join(5)


def test_middleware_needs_a_verifier():
    with pytest.raises(E.ArgumentTypeError):
        sigv4rs.wsgi.VerifyMiddleware(App(), {AKID: SECRET})


def test_chunked_transfer_needs_a_terminated_input():
    with signer() as s:
        out = s.sign("PUT", "https://%s/bucket/k" % HOST, unsigned_payload=True, time=T)
    headers = [("Host", HOST), ("Transfer-Encoding", "chunked")] + list(out.items())
    for limit, terminated, want in ((100, True, 200), (99, True, 413), (100, False, 411)):
        app = App()
        env = environ_for("PUT", "/bucket/k", headers, b"y" * 100)
        if terminated:
            env["wsgi.input_terminated"] = True
        status, _, out_body = call(middleware(app, max_body=limit), env)
        assert status == want
        assert [b for _, b in app.calls] == ([b"y" * 100] if want == 200 else [])
        if want == 200:
            assert app.calls[0][0]["CONTENT_LENGTH"] == "100"
            assert "HTTP_TRANSFER_ENCODING" not in app.calls[0][0]
