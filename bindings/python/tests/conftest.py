"""Summary lines (suite counts, differential counts) are printed by the
tests and repeated in pytest's terminal summary, so `make test` shows them
without `-s`.

The `verifier` fixture: a local http.server that answers 200 only when a
request's SigV4 signature is the one an AWS server computes from what
arrived. Its check is written here from the SigV4 rules with hashlib and
hmac: not sigv4rs, and not botocore (which signs a raw '+' literally)."""

import hashlib
import hmac
import http.server
import re
import threading
import types
import urllib.parse

import pytest

# The verifier's credentials (the suite's example keys).
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def pytest_configure(config):
    config._sigv4rs_summary = []


@pytest.fixture
def summary(request):
    def add(line):
        print(line)
        request.config._sigv4rs_summary.append(line)

    return add


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = getattr(config, "_sigv4rs_summary", [])
    if lines:
        terminalreporter.section("sigv4rs summary")
        for line in lines:
            terminalreporter.write_line(line)


def server_check(method, target, headers, body):
    """(ok, canonical request) as an AWS server verifies a request from what
    arrived: the Host as received; the path as received (S3: decoded once
    and encoded once; other services: encoded again; test paths are already
    normalized); the query form-decoded ('+' is a space) and each key and
    value encoded with quote(safe='-_.~'), sorted; the headers listed in
    SignedHeaders, values trimmed and whitespace runs collapsed, repeats
    joined with ','. http.server decoded header bytes as latin-1."""
    hs = [(n.lower(), v.encode("latin-1")) for n, v in headers]
    first = dict(reversed(hs))
    auth = first.get("authorization", b"").decode("latin-1")
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})", auth)
    if not m:
        return False, "bad Authorization %r" % auth
    akid, day, region, service, signed, sig = m.groups()
    path, _, query = target.partition("?")
    if service == "s3":
        uri = urllib.parse.quote(urllib.parse.unquote_to_bytes(path), safe="/-_.~")
    else:
        assert not re.search(r"//|/\.\.?(/|$)", path), "the verifier does not normalize paths"
        uri = urllib.parse.quote(path, safe="/-_.~")
    pairs = sorted((urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                   for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True))
    canon_headers = b""
    for name in signed.split(";"):
        values = [b" ".join(v.split()) for n, v in hs if n == name]
        if not values:
            return False, "signed header %s not received" % name
        canon_headers += name.encode() + b":" + b",".join(values) + b"\n"
    payload = first.get("x-amz-content-sha256", b"").decode() or hashlib.sha256(body).hexdigest()
    creq = b"\n".join([method.encode(), uri.encode(), "&".join(k + "=" + v for k, v in pairs).encode(),
                       canon_headers, signed.encode(), payload.encode()])
    amz_date = first.get("x-amz-date", b"").decode()
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    sts = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz_date, scope, hashlib.sha256(creq).hexdigest())
    key = ("AWS4" + SECRET).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    ok = akid == AKID and amz_date[:8] == day and hmac.compare_digest(want, sig)
    return ok, creq.decode("latin-1")


class _Verifier(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = []

    def _handle(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ok, creq = server_check(self.command, self.path, list(self.headers.items()), body)
        _Verifier.received.append(dict(target=self.path, headers=dict(self.headers.items()), ok=ok))
        out = b"ok" if ok else ("SignatureDoesNotMatch; canonical request:\n" + creq).encode("latin-1")
        self.send_response(200 if ok else 403)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_PUT = do_POST = _handle

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def verifier():
    """.port (on 127.0.0.1) and .received (what arrived: target, headers, ok;
    cleared by the test that reads it)."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Verifier)
    srv.daemon_threads = True
    th = threading.Thread(target=srv.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
    th.start()
    yield types.SimpleNamespace(port=srv.server_address[1], received=_Verifier.received)
    srv.shutdown()
    srv.server_close()
    th.join(5)
