"""The library's default credential chain in the binding (issue 13):
`sigv4rs.DefaultChain`, `default_chain()`, `Signer.from_default_chain` and
the requests drop-in on it, with STS through the binding's transport
(`sigv4rs.chain.http_transport`, or the caller's).

Each test runs in its own environment: a temporary HOME and shared files,
IMDS disabled, every other AWS_* variable (and proxy variable) unset. Every
expected signature is botocore's for the keys the source holds; the fake
STS checks the requests itself (botocore re-signs AssumeRole)."""

import ctypes
import datetime
import gc
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest

import sigv4rs
from sigv4rs import chain as chain_mod

botocore = pytest.importorskip("botocore")
import botocore.auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials as BotoCredentials  # noqa: E402

from conftest import AKID as VERIFIER_AKID, SECRET as VERIFIER_SECRET  # noqa: E402

T = 1440938160  # 2015-08-30T12:36:00Z
URL = "https://example.amazonaws.com/a/b?x=1&y=2"
REGION, SERVICE = "us-east-1", "service"
# Marks every secret (keys, tokens, process output): never in a message or log.
MARK = "S3CR3T"
ENV_AKID, ENV_SECRET, ENV_TOKEN = "AKIDENVEXAMPLE", MARK + "/env/wJalrXUtnFEMI", MARK + "envtoken"
DEV_AKID, DEV_SECRET = "AKIDDEVEXAMPLE", MARK + "/dev/wJalrXUtnFEMI"
FILE_AKID, FILE_SECRET = "AKIDFILEEXAMPLE", MARK + "/file/wJalrXUtnFEMI"
SOURCE_AKID, SOURCE_SECRET = "AKIDSOURCEEXAMPLE", MARK + "/source/wJalrXUtnFEMI"
ROLE_AKID, ROLE_SECRET, ROLE_TOKEN = "ASIAROLEEXAMPLE", MARK + "/role/wJalrXUtnFEMI", MARK + "roletoken/+=="
ROLE_ARN = "arn:aws:iam::123456789012:role/demo"
WEB_TOKEN = "eyJ" + MARK + "webidentitytoken"


def utc(secs):
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)


def iso(secs):
    return utc(secs).strftime("%Y-%m-%dT%H:%M:%SZ")


def boto_sign(akid, secret, token, when):
    """botocore's headers for a GET of URL at `when` with these keys."""
    now = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=when)
    orig = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: now
    try:
        req = AWSRequest(method="GET", url=URL, headers={})
        botocore.auth.SigV4Auth(BotoCredentials(akid, secret, token), SERVICE, REGION).add_auth(req)
        return {k: req.headers[k] for k in ("X-Amz-Date", "X-Amz-Security-Token", "Authorization")
                if k in req.headers}
    finally:
        botocore.auth.get_current_datetime = orig


def no_secret(*texts):
    for text in texts:
        assert MARK not in text and "wJalrXUtnFEMI" not in text, text


def error_texts(err):
    """str() and repr() of an error and of every cause under it."""
    out = []
    while err is not None:
        out += [str(err), repr(err)]
        err = err.__cause__
    return out


class Sandbox:
    def __init__(self, path, monkeypatch):
        self.dir = path
        self.mp = monkeypatch

    def set(self, name, value):
        self.mp.setenv(name, value)

    def write(self, name, text):
        p = self.dir / name
        p.write_text(text)
        return str(p)

    def script(self, name, body):
        p = self.write(name, "#!/bin/sh\n" + body)
        os.chmod(p, 0o755)
        return p


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return Sandbox(tmp_path, monkeypatch)


# --- loopback servers -----------------------------------------------------------------

class FakeSTS:
    """An HTTP server on loopback: `answer(request)` gives (status, body) for
    each request, recorded in `requests` (method, target, headers, form)."""

    def __init__(self, answer, tls=None):
        fake = self
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                req = dict(method="POST", target=self.path, headers=list(self.headers.items()), body=body,
                           form=dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)))
                fake.requests.append(req)
                status, out = answer(req)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        scheme = "http"
        if tls is not None:  # (certificate file, key file)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
            scheme = "https"
        self.thread = threading.Thread(target=self.srv.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
        self.thread.start()
        self.url = "%s://127.0.0.1:%d" % (scheme, self.srv.server_address[1])

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
        self.thread.join(5)


class Stalling:
    """Accepts connections and then never answers, or (`dribble`) sends a
    status line and then one header byte every 50 ms."""

    def __init__(self, dribble=False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.dribble = dribble
        self.stop = threading.Event()
        self.conns = []
        self.url = "http://127.0.0.1:%d/" % self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(c)
            if self.dribble:
                threading.Thread(target=self._drip, args=(c,), daemon=True).start()

    def _drip(self, c):
        try:
            c.sendall(b"HTTP/1.1 200 OK\r\n")
            while not self.stop.wait(0.05):
                c.sendall(b"X")
        except OSError:
            pass

    def close(self):
        self.stop.set()
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


def sts_xml(action, exp):
    """An STS answer (the shape of the API reference's example) with the role's keys."""
    return ("""<{a}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{a}Result>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:s</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{akid}</AccessKeyId>
      <SecretAccessKey>{secret}</SecretAccessKey>
      <SessionToken>{token}</SessionToken>
      <Expiration>{exp}</Expiration>
    </Credentials>
  </{a}Result>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</{a}Response>
""".format(a=action, akid=ROLE_AKID, secret=ROLE_SECRET, token=ROLE_TOKEN.replace("&", "&amp;"),
           exp=iso(exp))).encode()


def sts_error(code):
    return ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>no</Message></Error>"
            "</ErrorResponse>" % code).encode()


def web_identity(sandbox, sts_url):
    token_file = sandbox.write("web-token", WEB_TOKEN)
    sandbox.set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file)
    sandbox.set("AWS_ROLE_ARN", ROLE_ARN)
    sandbox.set("AWS_ROLE_SESSION_NAME", "py-chain")
    sandbox.set("AWS_ENDPOINT_URL_STS", sts_url)


# --- 1, 2: environment and shared files -----------------------------------------------

def test_environment_keys_sign_as_botocore(sandbox, verifier):
    import requests
    from sigv4rs.requests_auth import SigV4Auth

    sandbox.set("AWS_ACCESS_KEY_ID", ENV_AKID)
    sandbox.set("AWS_SECRET_ACCESS_KEY", ENV_SECRET)
    sandbox.set("AWS_SESSION_TOKEN", ENV_TOKEN)
    want = boto_sign(ENV_AKID, ENV_SECRET, ENV_TOKEN, T)
    with sigv4rs.Signer.from_default_chain(REGION, SERVICE) as s:
        assert s.sign("GET", URL, time=T) == want
        assert s.expiration is None
    with sigv4rs.default_chain() as chain:
        s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=chain)
        assert s.sign("GET", URL, time=T) == want
        assert chain.last_error == ""
        s.close()
    # The requests drop-in, both keywords, against a server that recomputes
    # the signature with the verifier's keys.
    sandbox.set("AWS_ACCESS_KEY_ID", VERIFIER_AKID)
    sandbox.set("AWS_SECRET_ACCESS_KEY", VERIFIER_SECRET)
    sandbox.mp.delenv("AWS_SESSION_TOKEN")
    with sigv4rs.default_chain() as chain:
        for auth in (SigV4Auth(credentials=chain, region=REGION, service=SERVICE),
                     SigV4Auth(refreshable_credentials=chain, region=REGION, service=SERVICE)):
            r = requests.get("http://127.0.0.1:%d/x?a=b" % verifier.port, auth=auth, timeout=10)
            assert r.status_code == 200, r.text
            auth.close()
    verifier.received.clear()


def test_profile_from_the_shared_credentials_file(sandbox):
    sandbox.write("credentials", "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"
                                 "[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                  % (FILE_AKID, FILE_SECRET, DEV_AKID, DEV_SECRET))
    with sigv4rs.Signer.from_default_chain(REGION, SERVICE) as s:
        assert s.sign("GET", URL, time=T) == boto_sign(FILE_AKID, FILE_SECRET, None, T)
    with sigv4rs.Signer.from_default_chain(REGION, SERVICE, profile="dev") as s:
        assert s.sign("GET", URL, time=T) == boto_sign(DEV_AKID, DEV_SECRET, None, T)
    sandbox.set("AWS_PROFILE", "dev")
    with sigv4rs.Signer.from_default_chain(REGION, SERVICE) as s:
        assert s.sign("GET", URL, time=T) == boto_sign(DEV_AKID, DEV_SECRET, None, T)
    # The option wins over AWS_PROFILE; a profile no file has is a config error.
    with sigv4rs.Signer.from_default_chain(REGION, SERVICE, profile="default") as s:
        assert s.sign("GET", URL, time=T) == boto_sign(FILE_AKID, FILE_SECRET, None, T)
    with sigv4rs.DefaultChain(profile="nosuch") as chain:
        s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=chain)
        with pytest.raises(sigv4rs.MissingCredentialsError) as e:
            s.sign("GET", URL, time=T)
        cause = e.value.__cause__
        assert isinstance(cause, sigv4rs.CredentialsConfigError) and '"nosuch"' in str(cause)
        assert str(cause).startswith("default credential chain: " + chain.last_error)


# --- 3: credential_process --------------------------------------------------------------

def test_credential_process_expiration_and_failures(sandbox, caplog):
    exp = int(time.time()) + 3600
    good = sandbox.script("good.sh", "printf '%s'\n" % (
        '{"Version": 1, "AccessKeyId": "AKIDPROCEXAMPLE", "SecretAccessKey": "%s", "SessionToken": "%s", '
        '"Expiration": "%s"}' % (MARK + "/proc/wJalrXUtnFEMI", MARK + "proctoken", iso(exp))))
    bad = sandbox.script("bad.sh", "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDLEAK\", "
                                   "\"SecretAccessKey\": \"%s1\"}'\necho '%s2' >&2\nexit 1\n" % (MARK, MARK))
    slow = sandbox.script("slow.sh", "sleep 5\n")
    sandbox.write("config", "[default]\ncredential_process = %s\n\n[profile bad]\ncredential_process = %s\n\n"
                            "[profile slow]\ncredential_process = %s\n" % (good, bad, slow))
    now = int(time.time())
    with sigv4rs.Signer.from_default_chain(REGION, SERVICE) as s:
        assert s.sign("GET", URL, time=now) == boto_sign("AKIDPROCEXAMPLE", MARK + "/proc/wJalrXUtnFEMI",
                                                         MARK + "proctoken", now)
        assert s.expiration == utc(exp)
    for profile, words, kw in (("bad", ["Process: Fetch: ", '"bad"', "exit status: 1"], {}),
                               ("slow", ["Process: Fetch: ", '"slow"'], dict(process_timeout=0.3))):
        start = time.monotonic()
        chain = sigv4rs.DefaultChain(profile=profile, **kw)
        s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=chain)
        with pytest.raises(sigv4rs.MissingCredentialsError) as e:
            s.sign("GET", URL, time=now)
        assert time.monotonic() - start < 3, profile  # the slow script is killed at 0.3 s
        cause = e.value.__cause__
        assert isinstance(cause, sigv4rs.CredentialsFetchFailedError), repr(cause)
        assert cause.code == sigv4rs.CredentialsFetchFailedError.code == 162
        for w in words:
            assert w in str(cause) and w in chain.last_error, (w, str(cause))
        no_secret(*error_texts(e.value), chain.last_error, repr(s), repr(chain))
        s.close()
        chain.close()
    no_secret(caplog.text)
    assert "DefaultChain" in caplog.text and "exit status: 1" in caplog.text


# --- 4: STS through the binding's transport ------------------------------------------------

def test_web_identity_through_the_default_transport(sandbox):
    exp = int(time.time()) + 3600

    def answer(req):
        f = req["form"]
        ok = (f.get("Action") == "AssumeRoleWithWebIdentity" and f.get("Version") == "2011-06-15"
              and f.get("RoleArn") == ROLE_ARN and f.get("WebIdentityToken") == WEB_TOKEN
              and f.get("RoleSessionName") == "py-chain")
        return (200, sts_xml("AssumeRoleWithWebIdentity", exp)) if ok else (400, sts_error("ValidationError"))

    sts = FakeSTS(answer)
    try:
        web_identity(sandbox, sts.url)
        with sigv4rs.Signer.from_default_chain(REGION, SERVICE) as s:
            now = int(time.time())
            assert s.sign("GET", URL, time=now) == boto_sign(ROLE_AKID, ROLE_SECRET, ROLE_TOKEN, now)
            assert s.sign("GET", URL, time=now + 60) == boto_sign(ROLE_AKID, ROLE_SECRET, ROLE_TOKEN, now + 60)
            assert s.expiration == utc(exp)
    finally:
        sts.close()
    assert len(sts.requests) == 1, "one STS call for two signatures"
    r = sts.requests[0]
    assert r["target"] == "/"
    # The library's headers as given; the transport adds Host and Content-Length only.
    names = sorted(n.lower() for n, _ in r["headers"])
    assert names == ["content-length", "content-type", "host"], r["headers"]
    hs = {n.lower(): v for n, v in r["headers"]}
    assert hs["host"] == sts.url[len("http://"):]
    assert hs["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert int(hs["content-length"]) == len(r["body"])


def test_assume_role_signed_with_the_source_profile(sandbox):
    exp = int(time.time()) + 1800
    sandbox.write("credentials", "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                  % (SOURCE_AKID, SOURCE_SECRET))
    sandbox.write("config", "[profile role]\nrole_arn = %s\nsource_profile = base\nrole_session_name = py-ar\n"
                  % ROLE_ARN)
    verdicts = []

    def answer(req):
        # botocore signs the request that arrived with the source keys: the
        # Authorization must be the same.
        hs = {n.lower(): v for n, v in req["headers"]}
        when = datetime.datetime.strptime(hs.get("x-amz-date", ""), "%Y%m%dT%H%M%SZ")
        mine = AWSRequest(method="POST", url="http://%s/" % hs["host"], data=req["body"],
                          headers={"Content-Type": hs["content-type"]})
        orig = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda remove_tzinfo=True: when
        try:
            botocore.auth.SigV4Auth(BotoCredentials(SOURCE_AKID, SOURCE_SECRET), "sts", "us-east-1").add_auth(mine)
        finally:
            botocore.auth.get_current_datetime = orig
        f = req["form"]
        ok = (hs.get("authorization") == mine.headers["Authorization"] and f.get("Action") == "AssumeRole"
              and f.get("RoleArn") == ROLE_ARN and f.get("RoleSessionName") == "py-ar")
        verdicts.append(ok)
        return (200, sts_xml("AssumeRole", exp)) if ok else (403, sts_error("SignatureDoesNotMatch"))

    sts = FakeSTS(answer)
    try:
        sandbox.set("AWS_ENDPOINT_URL_STS", sts.url)
        with sigv4rs.DefaultChain(profile="role") as chain:
            s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=chain)
            now = int(time.time())
            assert s.sign("GET", URL, time=now) == boto_sign(ROLE_AKID, ROLE_SECRET, ROLE_TOKEN, now), \
                chain.last_error
            assert s.expiration == utc(exp)
            s.close()
    finally:
        sts.close()
    assert verdicts == [True]
    assert "Credential=%s/" % SOURCE_AKID in dict((n.lower(), v) for n, v in sts.requests[0]["headers"])[
        "authorization"]


def test_http_transport_through_an_http_proxy(sandbox):
    sts = FakeSTS(lambda req: (200, b"proxied"))
    try:
        sandbox.set("http_proxy", sts.url)
        out = chain_mod.http_transport("POST", "http://sts.example.invalid/", [("Content-Type", "text/plain")],
                                       b"a=1", 5.0)
    finally:
        sts.close()
    assert out == (200, b"proxied")
    r = sts.requests[0]
    assert r["target"] == "http://sts.example.invalid/" and r["body"] == b"a=1"
    assert ("Host", "sts.example.invalid") in r["headers"]


def test_http_transport_verifies_certificates(sandbox):
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a certificate")
    cert, key = str(sandbox.dir / "cert.pem"), str(sandbox.dir / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    sts = FakeSTS(lambda req: (200, b"over tls"), tls=(cert, key))
    try:
        # Not in the system's store: refused.
        with pytest.raises(ssl.SSLCertVerificationError):
            chain_mod.http_transport("POST", sts.url + "/", [], b"a=1", 5.0)
        # Trusted (OpenSSL's SSL_CERT_FILE): the exchange goes through.
        sandbox.set("SSL_CERT_FILE", cert)
        assert chain_mod.http_transport("POST", sts.url + "/", [("X-A", "1")], b"a=1", 5.0) == (200, b"over tls")
    finally:
        sts.close()
    r = sts.requests[-1]
    assert r["body"] == b"a=1" and ("Host", sts.url[len("https://"):]) in r["headers"]


def test_http_transport_bounds_the_whole_exchange():
    for dribble in (False, True):
        srv = Stalling(dribble=dribble)
        out = []

        def call():
            start = time.monotonic()
            try:
                out.append(chain_mod.http_transport("POST", srv.url, [], b"x", 0.4))
            except Exception as e:
                out.append(e)
            out.append(time.monotonic() - start)

        th = threading.Thread(target=call, daemon=True)
        th.start()
        th.join(5)  # a transport that does not end fails the test, not hangs it
        srv.close()
        # A server sending a byte every 50 ms never lets a socket timeout fire.
        assert len(out) == 2 and isinstance(out[0], TimeoutError), (dribble, out)
        assert 0.35 <= out[1] < 1.5 and "0.4 s" in str(out[0]), (dribble, out)
    with pytest.raises(ValueError):
        chain_mod.http_transport("POST", "ftp://h/", [], b"", 1.0)


# --- 5, 6: failures --------------------------------------------------------------------

def test_transport_failures_fail_in_bounded_time(sandbox, caplog):
    # Each failed attempt is retried with botocore's backoff (up to 1, 2, 4
    # then 8 s before attempts 2 to 5): so that the test takes seconds, each
    # chain meets three kinds of failure, then an STS error that is not
    # retried (a transport failing to the end costs 7.5 s on average; see
    # test_transport_callback_keeps_exceptions_out_of_c). The two run at once.
    fail500 = FakeSTS(lambda req: (500, sts_error("InternalFailure")))
    denied = FakeSTS(lambda req: (403, sts_error("AccessDenied")))
    silent = Stalling()
    web_identity(sandbox, fail500.url)
    seen = {"modes": [], "answers": []}

    def modes(method, url, headers, body, timeout):
        n = len(seen["modes"])
        start = time.monotonic()
        try:
            if n == 0:  # to AWS_ENDPOINT_URL_STS: HTTP 500
                out = chain_mod.http_transport(method, url, headers, body, timeout)
            elif n == 1:
                raise ConnectionResetError("connection reset by peer")
            elif n == 2:  # a server that never answers, a short timeout
                out = chain_mod.http_transport(method, silent.url, headers, body, 0.3)
            else:
                out = chain_mod.http_transport(method, denied.url, headers, body, timeout)
        except Exception as e:
            seen["modes"].append((type(e).__name__, time.monotonic() - start))
            raise
        seen["modes"].append((out[0], time.monotonic() - start))
        return out

    def answers(method, url, headers, body, timeout):
        n = len(seen["answers"])
        seen["answers"].append(timeout)
        if n == 3:
            return chain_mod.http_transport(method, denied.url, headers, body, timeout)
        return ["200 OK", (200,), (200, "<xml/>")][n]

    results = {}

    def run(transport):
        chain = sigv4rs.DefaultChain(transport=transport)
        s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=chain)
        start = time.monotonic()
        try:
            s.sign("GET", URL)
            results[transport.__name__] = ("signed", 0, "")
        except Exception as e:
            results[transport.__name__] = (e, time.monotonic() - start, chain.last_error)
        s.close()
        chain.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in (modes, answers)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    finally:
        for srv in (fail500, denied, silent):
            srv.close()
    # Every failure was an attempt that failed (the library tried again).
    assert [m for m, _ in seen["modes"]] == [500, "ConnectionResetError", "TimeoutError", 403], seen
    assert all(took < 1.0 for _, took in seen["modes"]), seen
    assert seen["answers"] == [30.0] * 4, seen  # the library's bound, in seconds
    assert len(fail500.requests) == 1 and len(denied.requests) == 2
    for name, (err, took, last) in results.items():
        assert isinstance(err, sigv4rs.MissingCredentialsError), (name, err)
        assert took < 7 + 2, (name, took)  # the backoff's bound, and slack
        cause = err.__cause__
        assert isinstance(cause, sigv4rs.CredentialsFetchFailedError), (name, repr(cause))
        assert str(cause).startswith("default credential chain: WebIdentity: Fetch: ") and last in str(cause)
        no_secret(*error_texts(err), last)
        # The last attempt's answer; no transport exception under it.
        assert "AccessDenied" in last and cause.__cause__ is None, (name, last, repr(cause.__cause__))
    no_secret(caplog.text)


def test_transport_callback_keeps_exceptions_out_of_c(sandbox):
    # The C callback called directly, as the library calls it (the response
    # is not one the library made, so a body write is refused): whatever
    # the transport does, a status comes back, and a failure keeps the
    # exception, without its traceback (the frames hold the request), as
    # the cause for the chain's error.
    from sigv4rs import _ffi

    seen = []

    def make(behaviour):
        def transport(method, url, headers, body, timeout):
            seen.append((method, url, headers, body, timeout))
            return behaviour()
        return transport

    def boom():
        raise ConnectionResetError("connection reset by peer")

    B = _ffi.raw_bytes
    keep = [b"POST", b"https://sts.amazonaws.com/", b"Content-Type", b"text/plain", b"Action=X\x00&y=1"]
    addr = [ctypes.cast(ctypes.c_char_p(k), ctypes.c_void_p).value for k in keep]
    header = _ffi.raw_header(B(addr[2], len(keep[2])), B(addr[3], len(keep[3])))
    req = _ffi.sigv4rs_http_request(B(addr[0], 4), B(addr[1], len(keep[1])), ctypes.pointer(header), 1,
                                    B(addr[4], len(keep[4])), 2500)
    for behaviour, status, cause in ((boom, 162, ConnectionResetError), (lambda: "200 OK", 162, TypeError),
                                     (lambda: (True, b""), 162, TypeError), (lambda: (200, "x"), 162, TypeError),
                                     (lambda: (200, b"<xml/>"), 162, sigv4rs.InvalidArgumentError),
                                     (lambda: (204, b""), 0, None)):
        chain = sigv4rs.DefaultChain(transport=make(behaviour))
        resp = _ffi.sigv4rs_http_response(0, None)
        assert chain._cfunc(None, ctypes.pointer(req), ctypes.pointer(resp)) == status
        err = chain._tls.transport_error
        if cause is None:
            assert err is None and resp.status == 204
        else:
            assert isinstance(err, cause) and err.__traceback__ is None, repr(err)
        chain.close()
    assert seen[0] == ("POST", "https://sts.amazonaws.com/", [("Content-Type", "text/plain")],
                       b"Action=X\x00&y=1", 2.5)


def test_no_credentials_anywhere(sandbox):
    with sigv4rs.default_chain() as chain:
        s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=chain)
        for call in (lambda: s.sign("GET", URL), lambda: s.expiration):
            with pytest.raises(sigv4rs.MissingCredentialsError) as e:
                call()
            cause = e.value.__cause__
            assert isinstance(cause, sigv4rs.CredentialsNotFoundError), repr(cause)
            assert "NotFound: no credentials" in str(cause) and "IMDS" in str(cause)
        assert chain.last_error.startswith("Imds: NotFound: ")
        # STS is needed but the profile's source has nothing: still no secret, a clear reason.
        s.close()


def test_options_are_checked(sandbox):
    with pytest.raises(sigv4rs.ArgumentTypeError):
        sigv4rs.DefaultChain(transport="urllib")  # type: ignore[arg-type]
    with pytest.raises(sigv4rs.InvalidArgumentError):
        sigv4rs.DefaultChain(profile="a\nb")
    with pytest.raises(sigv4rs.InvalidRegionError):
        sigv4rs.DefaultChain(region="us east 1")
    for bad in (0, -1, float("nan"), 10 ** 10):
        with pytest.raises(sigv4rs.InvalidArgumentError):
            sigv4rs.DefaultChain(process_timeout=bad)
    with pytest.raises(sigv4rs.ArgumentTypeError):
        sigv4rs.DefaultChain(process_timeout="5")  # type: ignore[arg-type]
    c = sigv4rs.DefaultChain(profile="dev", region="eu-west-1", process_timeout=1.5)
    assert (c.profile, c.region) == ("dev", "eu-west-1") and "open" in repr(c)
    c.close()


# --- 7: lifetime --------------------------------------------------------------------------

LIFETIME = r"""
import ctypes, gc, sys, weakref
import sigv4rs
from sigv4rs import _ffi

lib = _ffi.load()
events = []  # ("signer", addr) / ("chain", addr) frees, ("new", signer, chain)
real_signer_free, real_chain_free = lib.sigv4rs_signer_free, lib.sigv4rs_chain_free
def signer_free(p):
    events.append(("signer", ctypes.cast(p, ctypes.c_void_p).value))
    real_signer_free(p)
def chain_free(p):
    events.append(("chain", p))
    real_chain_free(p)
lib.sigv4rs_signer_free, lib.sigv4rs_chain_free = signer_free, chain_free

T = 1440938160
def new(chain, **kw):
    s = sigv4rs.Signer(region="us-east-1", service="s3", credentials=chain, **kw)
    events.append(("new", ctypes.cast(s._ptr, ctypes.c_void_p).value, chain._ptr))
    return s
def sign(s, t=T):
    a = s.sign("GET", "https://h/", time=t)["Authorization"]
    assert "Credential=AKIDENV/" in a, a
    return a

# The chain closed first: its signer goes on, and frees it.
c = sigv4rs.DefaultChain(); s = new(c)
c.close(); c.close()
assert c.closed and c._ptr is not None
sign(s); s.close(); s.close()
assert c._ptr is None
for call in (lambda: new(c), lambda: c.last_error):
    try:
        call(); raise SystemExit("used a closed chain")
    except sigv4rs.ClosedError:
        pass

# The signer closed first; the chain serves another, then goes with it.
c = sigv4rs.DefaultChain(); s1 = new(c); sign(s1); s1.close()
assert c._ptr is not None
s2 = new(c); sign(s2); c.close()
assert c._ptr is not None
del s2; gc.collect()
assert c._ptr is None

# Nothing but the signer refers to the chain (margin 0: asked at each due time).
s = new(sigv4rs.DefaultChain(), margin=0)
gc.collect()
for i in range(300):
    sign(s, T + i)
del s

# Reference cycles: the collector finalizes signer and chain in any order.
refs = []
for i in range(300):
    c = sigv4rs.DefaultChain(); s = new(c); sign(s)
    c.cycle, s.cycle = s, c
    refs.append(weakref.ref(c))
    if i % 3 == 0:
        s2 = new(c); s2.cycle = c; sign(s2); del s2
    del c, s
    if i % 50 == 0:
        gc.collect()
s = sigv4rs.Signer.from_default_chain("us-east-1", "s3"); sign(s); del s
gc.collect()
assert not any(r() for r in refs)

# Each chain was freed once, after every signer that used it.
live = {}
freed_chains = 0
for ev in events:
    if ev[0] == "new":
        live[ev[1]] = ev[2]
    elif ev[0] == "signer":
        live.pop(ev[1], None)
    else:
        assert ev[1] not in live.values(), ("chain freed before its signer", ev)
        freed_chains += 1
print("ok", freed_chains)
"""


def test_lifetime_in_either_order_and_by_the_collector(sandbox):
    # In a child process: a chain freed too early would crash it, not pytest.
    sandbox.set("AWS_ACCESS_KEY_ID", "AKIDENV")
    sandbox.set("AWS_SECRET_ACCESS_KEY", "secret")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([sys.executable, "-c", LIFETIME], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, (r.stdout, r.stderr)
    # 2 + 1 + 300 chains + from_default_chain's.
    assert r.stdout.split() == ["ok", "304"], (r.stdout, r.stderr)
    gc.collect()
