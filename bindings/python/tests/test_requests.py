"""requests round trips through SigV4Auth to a local http.server, each
re-verified with botocore from what actually arrived (method, raw request
target, headers, body), plus unit checks of the adapter's wire rules."""

import datetime
import hashlib
import http.server
import io
import threading

import pytest

requests = pytest.importorskip("requests")
botocore = pytest.importorskip("botocore")
import botocore.auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

import sigv4rs  # noqa: E402
from sigv4rs.requests_auth import SigV4Auth, wire_url  # noqa: E402

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqw"


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = []

    def _handle(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:-2]
                if not size:
                    break
                body += chunk
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Recorder.received.append(dict(method=self.command, target=self.path, headers=list(self.headers.items()),
                                      body=body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    srv.daemon_threads = True
    th = threading.Thread(target=srv.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
    th.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()
    srv.server_close()
    th.join(5)


def send(server, method, path, auth, **kw):
    Recorder.received.clear()
    resp = requests.request(method, server + path, auth=auth, timeout=5, **kw)
    assert resp.status_code == 200
    assert len(Recorder.received) == 1
    return Recorder.received[0]


def botocore_authorization(server, got, service, region, s3):
    """What botocore signs for the request as it arrived, given the headers
    its Authorization lists (as an AWS server verifies it)."""
    headers = dict(got["headers"])
    signed = set(headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";"))
    amz_date = headers["X-Amz-Date"]
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    creds = Credentials(AKID, SECRET, headers.get("X-Amz-Security-Token"))
    cls = botocore.auth.S3SigV4Auth if s3 else botocore.auth.SigV4Auth
    req = AWSRequest(method=got["method"], url=server + got["target"], data=got["body"] or None)
    for n, v in got["headers"]:
        if n.lower() in signed:
            req.headers[n] = v
    if s3:
        # S3SigV4Auth recomputes X-Amz-Content-SHA256 itself (from the body
        # that arrived), unless told payload signing is off.
        unsigned = headers.get("X-Amz-Content-SHA256") == "UNSIGNED-PAYLOAD"
        req.context["client_config"] = Config(s3={"payload_signing_enabled": not unsigned})
    orig = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: when
    try:
        cls(creds, service, region).add_auth(req)
    finally:
        botocore.auth.get_current_datetime = orig
    return req.headers["Authorization"], req.headers.get("X-Amz-Content-SHA256")


NEVER_SIGNED = {"authorization", "user-agent", "connection", "transfer-encoding"}


def check(server, got, service="s3", region="us-east-1", s3=True):
    headers = dict(got["headers"])
    want, sha = botocore_authorization(server, got, service, region, s3)
    assert headers["Authorization"] == want
    # Every header that arrived was signed, but the never-signed ones.
    signed = set(headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";"))
    assert {n.lower() for n in headers} - signed == NEVER_SIGNED & {n.lower() for n in headers}
    if s3:
        assert headers["X-Amz-Content-SHA256"] == sha
    return headers


def test_get_with_query_and_token(server):
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "s3", session_token=TOKEN)
    got = send(server, "GET", "/examplebucket/test.txt?list-type=2&prefix=photos%2F2026", auth,
               headers={"Range": "bytes=0-9"})
    headers = check(server, got)
    assert headers["X-Amz-Security-Token"] == TOKEN
    assert headers["X-Amz-Content-SHA256"] == hashlib.sha256(b"").hexdigest()
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    # What requests added before auth ran is signed; what is never signed is not.
    assert {"accept", "accept-encoding", "host", "range", "x-amz-security-token"} <= set(signed)
    assert "user-agent" not in signed and "connection" not in signed


def test_put_bytes_s3(server):
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "s3")
    got = send(server, "PUT", "/bucket/a%20b%2Bc.txt", auth, data=b"hello world",
               headers={"Content-Type": "text/plain", "x-amz-meta-note": "two   spaces\t "})
    headers = check(server, got)
    assert headers["X-Amz-Content-SHA256"] == hashlib.sha256(b"hello world").hexdigest()


def test_post_json_es(server):
    auth = SigV4Auth(AKID, SECRET, "us-west-2", "es")
    got = send(server, "POST", "/movies/_doc/5?refresh=true", auth, json={"title": "Moby Dick", "y": "\u00e9"})
    headers = check(server, got, "es", "us-west-2", s3=False)
    assert "X-Amz-Content-SHA256" not in headers


def test_str_body_is_signed_as_sent(server):
    auth = SigV4Auth(AKID, SECRET, "us-west-2", "es")
    got = send(server, "POST", "/idx/_search", auth, data="{\"q\": \"caf\u00e9\"}",
               headers={"Content-Type": "application/json"})
    check(server, got, "es", "us-west-2", s3=False)
    assert got["body"] == "{\"q\": \"caf\u00e9\"}".encode("utf-8")


def test_form_body(server):
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "sts")
    got = send(server, "POST", "/", auth, data={"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    check(server, got, "sts", "us-east-1", s3=False)


def test_seekable_file_is_hashed_and_rewound(server):
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "s3")
    f = io.BytesIO(b"skip-this|" + b"x" * 100_000)
    f.seek(10)
    got = send(server, "PUT", "/bucket/big.bin", auth, data=f)
    headers = check(server, got)
    assert got["body"] == b"x" * 100_000
    assert headers["X-Amz-Content-SHA256"] == hashlib.sha256(b"x" * 100_000).hexdigest()


def test_generator_is_unsigned_payload(server):
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "s3")
    got = send(server, "PUT", "/bucket/stream.bin", auth, data=(c for c in [b"ab", b"cd"]))
    headers = check(server, got)
    assert headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD" and got["body"] == b"abcd"
    assert headers.get("Transfer-Encoding") == "chunked"


def test_wire_form_of_the_path_is_signed(server):
    # requests' prepare_url already writes the URL as urllib3 sends it; a
    # PreparedRequest whose url is set directly is not, and urllib3 then
    # upper-cases escapes and encodes [ ] on the wire. A non-S3 service
    # encodes the path again, so only the wire form verifies.
    path = "/idx/_doc/a%2fb[1]%3a"
    auth = SigV4Auth(AKID, SECRET, "us-west-2", "es")
    Recorder.received.clear()
    with requests.Session() as s:
        r = s.prepare_request(requests.Request("GET", server + "/placeholder"))
        r.url = server + path
        auth(r)
        assert s.send(r, timeout=5).status_code == 200
    got = Recorder.received[0]
    assert got["target"] == "/idx/_doc/a%2Fb%5B1%5D%3A"
    check(server, got, "es", "us-west-2", s3=False)
    assert wire_url("http://h" + path) == "http://h/idx/_doc/a%2Fb%5B1%5D%3A"
    assert wire_url("http://h") == "http://h/" and wire_url("http://h?a=b#f") == "http://h/?a=b"


def test_session_reuse_and_stale_headers(server):
    auth = SigV4Auth(AKID, SECRET, "eu-west-1", "s3", session_token=TOKEN)
    s = requests.Session()
    s.auth = auth
    # Stale: replaced. (A SigV4 X-Amz-Date would be the signing time, as in AWS4Auth.)
    s.headers.update({"X-Amz-Date": "Fri, 01 Jan 1999 00:00:00 GMT", "X-Amz-Security-Token": "OLD",
                      "Authorization": "AWS4-HMAC-SHA256 stale"})
    for _ in range(3):
        Recorder.received.clear()
        assert s.get(server + "/b/k", timeout=5).status_code == 200
        headers = check(server, Recorder.received[0], "s3", "eu-west-1")
        assert headers["X-Amz-Date"].startswith("20") and headers["X-Amz-Security-Token"] == TOKEN
    s.close()


def test_refreshable_credentials(server):
    class Frozen:
        def __init__(self, token):
            self.access_key, self.secret_key, self.token = AKID, SECRET, token

    class Rotating:
        def __init__(self):
            self.n = 0

        def get_frozen_credentials(self):
            self.n += 1
            return Frozen("TOKEN%d" % (self.n // 2))

    auth = SigV4Auth(refreshable_credentials=Rotating(), region="us-east-1", service="s3")
    tokens = []
    for _ in range(4):
        got = send(server, "GET", "/b/k", auth)
        tokens.append(check(server, got)["X-Amz-Security-Token"])
    assert tokens == ["TOKEN0", "TOKEN1", "TOKEN1", "TOKEN2"]


def test_clock_and_options():
    fixed = 1440938160
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "es", clock=lambda: fixed, content_sha256_header=True,
                     unsigned_headers=["x-trace"])
    r = requests.Request("POST", "https://search.example.com/i/_doc", data=b"{}",
                         headers={"X-Trace": "1"}).prepare()
    auth(r)
    assert r.headers["X-Amz-Date"] == "20150830T123600Z"
    assert r.headers["X-Amz-Content-SHA256"] == hashlib.sha256(b"{}").hexdigest()
    assert "x-trace" not in r.headers["Authorization"]
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "es", content_sha256_header=True,
                        unsigned_headers=["x-trace"]) as ref:
        want = ref.sign("POST", "https://search.example.com/i/_doc",
                        [(n, v) for n, v in r.headers.items() if n not in
                         ("X-Amz-Date", "X-Amz-Content-SHA256", "Authorization")],
                        body=b"{}", time=fixed)
    assert r.headers["Authorization"] == want["Authorization"]


def test_latin1_header_value_is_signed_as_sent():
    fixed = 1440938160
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "s3", clock=lambda: fixed)
    r = requests.Request("GET", "https://b.s3.amazonaws.com/k", headers={"x-amz-meta-city": "M\u00fcnchen"}).prepare()
    auth(r)
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True) as ref:
        creq = ref.canonical_request("GET", "https://b.s3.amazonaws.com/k",
                                     [(n, v.encode("latin-1")) for n, v in r.headers.items()
                                      if n.lower().startswith(("x-amz-meta", "accept"))], time=fixed)
    assert "x-amz-meta-city:M\udcfcnchen" in creq  # the byte 0xFC, as http.client sends it
    bad = requests.Request("GET", "https://b.s3.amazonaws.com/k", headers={"x-amz-meta-x": "\u20ac"}).prepare()
    with pytest.raises(sigv4rs.InvalidHeaderValueError):
        auth(bad)


def test_aws4auth_compatible_construction():
    a = SigV4Auth(AKID, SECRET, "eu-west-1", "es", session_token=TOKEN)
    assert (a.region, a.service, a.s3) == ("eu-west-1", "es", False)
    assert SigV4Auth(AKID, SECRET, "eu-west-1", "s3").s3 is True
    assert SigV4Auth(AKID, SECRET, "eu-west-1", "es", "20150830").date == "20150830"  # AWS4Auth's date
    with pytest.raises(TypeError):
        SigV4Auth(AKID, SECRET)  # (more forms: test_requests_aws4auth.py)
    # opensearch-py's RequestsHttpConnection sets session.auth = http_auth:
    # any callable that takes and returns the PreparedRequest.
    r = requests.Request("GET", "https://search.example.com/").prepare()
    assert a(r) is r and r.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
