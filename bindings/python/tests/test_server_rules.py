"""What the server computes (issue 10), through the package: a raw `+` in a
query is a space, the host is signed lower-case and sent that way, escaped
dot segments are dots once a single-encoded path is decoded. Expected values
are hand-derived from the SigV4 and RFC 3986 rules, taken from the AWS S3
documentation's examples, or computed by botocore from the request as a
server reads it. The requests round trips go to the `verifier` server
(conftest.py), which checks each signature with its own SigV4 code."""

import datetime
import hashlib
import socket
import urllib.parse

import pytest

requests = pytest.importorskip("requests")
botocore = pytest.importorskip("botocore")
import botocore.auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

import sigv4rs  # noqa: E402
from sigv4rs.requests_auth import SigV4Auth  # noqa: E402

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
T = 1440938160  # 2015-08-30T12:36:00Z
DOC_AKID = "AKIAIOSFODNN7EXAMPLE"
DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_T = 1369353600  # 2013-05-24T00:00:00Z
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def line(text, i):
    return text.split("\n")[i]


def signature(headers):
    return headers["Authorization"].rsplit("Signature=", 1)[1]


def botocore_signed(url, service, when, expires=None, headers=()):
    """botocore's header signature (or presigned URL) for `url`, written the
    way a server reads it: botocore signs a raw '+' literally."""
    assert "+" not in url.partition("?")[2]
    creds = Credentials(AKID, SECRET)
    now = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=when)
    orig = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: now
    try:
        req = AWSRequest(method="GET", url=url, headers=dict(headers))
        if expires is None:
            botocore.auth.SigV4Auth(creds, service, "us-east-1").add_auth(req)
            return req.headers["Authorization"].rsplit("Signature=", 1)[1]
        botocore.auth.SigV4QueryAuth(creds, service, "us-east-1", expires=expires).add_auth(req)
        return req.url
    finally:
        botocore.auth.get_current_datetime = orig


# --- the package ------------------------------------------------------------

def test_plus_in_a_query_is_a_space():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "es") as s:
        for q, want in [
            ("q=star+wars", "q=star%20wars"),
            ("q=star%20wars", "q=star%20wars"),
            ("q=1%2B1", "q=1%2B1"),
            ("a+b=c+d+&e=%2B+", "a%20b=c%20d%20&e=%2B%20"),
            # Sorted by the encoded key: %20 < %2B < A.
            ("x%2By=2&x+y=1&xA=3", "x%20y=1&x%2By=2&xA=3"),
        ]:
            url = "https://search-d.us-east-1.es.amazonaws.com/_search?" + q
            assert line(s.canonical_request("GET", url, time=T), 2) == want, q
            signed = line(s.canonical_request("GET", url, time=T, presign_expires=60), 2).split("&")
            assert all(p in signed for p in want.split("&")), q
            assert "\n" + hashlib.sha256(s.canonical_request("GET", url, time=T).encode()).hexdigest() in \
                s.string_to_sign("GET", url, time=T)
        url = "https://search-d.us-east-1.es.amazonaws.com/movies/_search?q=title:star+wars&size=10"
        as_read = url.replace("title:star+wars", "title%3Astar%20wars")
        assert signature(s.sign("GET", url, time=T)) == botocore_signed(as_read, "es", T)
        # botocore writes the query of its presigned URL decoded and
        # re-encoded: the same URL, byte for byte.
        link = s.presign("GET", url, 300, time=T)
        assert link == botocore_signed(as_read, "es", T, expires=300)
        assert link.startswith(as_read + "&X-Amz-Algorithm=") and "+" not in link


def test_presigned_url_carries_the_query_as_signed():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True) as s:
        url = "https://b.s3.amazonaws.com/k?prefix=a+b&x=%7e%2f&flag&&y=1+1%2B&z=%zz%c3%a9"
        link = s.presign("GET", url, 60, time=T)
        # Caller's order; each piece canonical; empty pieces dropped; no '='
        # added to a valueless parameter; then the X-Amz-* parameters.
        want = "https://b.s3.amazonaws.com/k?prefix=a%20b&x=~%2F&flag&y=1%201%2B&z=%25zz%C3%A9&X-Amz-Algorithm="
        assert link.startswith(want), link
        signed = line(s.canonical_request("GET", url, time=T, presign_expires=60), 2).split("&")
        for p in ["prefix=a%20b", "x=~%2F", "flag=", "y=1%201%2B", "z=%25zz%C3%A9"]:
            assert p in signed, p


def test_mixed_case_host_signs_the_documented_examples():
    with sigv4rs.Signer(DOC_AKID, DOC_SECRET, "us-east-1", "s3", s3=True) as doc:
        out = doc.sign("GET", "https://ExampleBucket.S3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
                       time=DOC_T)
        assert signature(out) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        # The host to send, first, so that what is sent is what was signed.
        assert list(out)[0] == "Host" and out["Host"] == "examplebucket.s3.amazonaws.com"
        lower = doc.sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
                         time=DOC_T)
        assert "Host" not in lower
        link = doc.presign("GET", "https://ExampleBucket.S3.amazonaws.com/test.txt", 86400, time=DOC_T)
        assert link.startswith("https://examplebucket.s3.amazonaws.com/test.txt?")
        assert link.endswith("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")


def test_host_case_with_ports_and_ip_literals():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "execute-api") as s:
        for url, host in [
            ("https://API.Example.COM:8443/p", "api.example.com:8443"),
            ("https://API.example.com:443/p", "api.example.com"),
            ("http://Api.Example.com:80/p", "api.example.com"),
            ("http://[FE80::AB]:8080/p", "[fe80::ab]:8080"),
        ]:
            assert line(s.canonical_request("GET", url, time=T), 3) == "host:" + host, url
            out = s.sign("GET", url, time=T)
            assert out["Host"] == host, url
            assert signature(out) == botocore_signed(url.lower(), "execute-api", T), url


def test_an_explicit_host_header_is_signed_as_given():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "execute-api") as s:
        url = "https://API.example.com/p"
        creq = s.canonical_request("GET", url, {"Host": "  API.Example.com "}, time=T)
        assert creq == ("GET\n/p\n\nhost:API.Example.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                        + EMPTY_SHA)
        assert "Host" not in s.sign("GET", url, {"Host": "API.Example.com"}, time=T)


def test_escaped_dot_segments_with_single_encoding():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "execute-api", single_encode_path=True) as s:
        for path, want in [
            ("/%2e", "/"),
            ("/%2E/x", "/x"),
            ("/%2e./x", "/x"),
            ("/a/b/%2e%2E/c", "/a/c"),
            ("/a/%2e%2e%2e", "/a/..."),  # three dots: a name
            ("/a/%2e%2fb", "/a/.%2Fb"),  # '%2F' is data, not a separator
        ]:
            url = "https://h.example" + path
            assert line(s.canonical_request("GET", url, time=T), 1) == want, path
        # The same signature as botocore for the path the server resolves.
        assert signature(s.sign("GET", "https://h.example/a/b/%2e%2E/c", time=T)) == \
            botocore_signed("https://h.example/a/c", "execute-api", T)
    # Double encoding (the default) signs %2e as data, as botocore does.
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "execute-api") as d:
        url = "https://h.example/a/%2e%2e/b"
        assert line(d.canonical_request("GET", url, time=T), 1) == "/a/%252e%252e/b"
        assert signature(d.sign("GET", url, time=T)) == botocore_signed(url, "execute-api", T)


# --- requests, checked by the verifier in conftest.py ----------------------------

def test_verifier_refuses_a_literal_plus(verifier):
    # The verifier reads '+' as a space: a signature over '%2B' must fail.
    url = "http://127.0.0.1:%d/idx/_search?q=a+b" % verifier.port
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "es") as s:
        headers = s.sign("GET", url.replace("a+b", "a%2Bb"))
    r = requests.get(url, headers=headers, timeout=5)
    assert r.status_code == 403 and "q=a%20b" in r.text


def test_params_with_spaces_round_trip(verifier):
    base = "http://127.0.0.1:%d" % verifier.port
    for service, path, params in [
        ("es", "/movies/_search", {"q": "star wars", "filter": "a+b = c", "note": "", "tilde": "~x y~"}),
        ("s3", "/bucket/", {"list-type": "2", "prefix": "photos/2026 summer/", "start-after": "a b"}),
    ]:
        verifier.received.clear()
        r = requests.get(base + path, params=params, auth=SigV4Auth(AKID, SECRET, "us-east-1", service), timeout=5)
        assert r.status_code == 200, r.text
        got = verifier.received[0]["target"]
        assert "+" in got and "%20" not in got, got  # requests wrote spaces as '+'
        assert urllib.parse.parse_qs(got.partition("?")[2], keep_blank_values=True) == \
            {k: [v] for k, v in params.items()}


def test_mixed_case_host_round_trip(verifier):
    port = verifier.port
    try:
        addrs = {a[4][0] for a in socket.getaddrinfo("LocalHost", port, proto=socket.IPPROTO_TCP)}
    except socket.gaierror:
        pytest.skip("LocalHost does not resolve")
    if "127.0.0.1" not in addrs:
        pytest.skip("LocalHost does not resolve to 127.0.0.1")
    url = "http://LocalHost:%d/b/K?q=A%%20B" % port
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "es")
    # requests lower-cases the host when it prepares the URL.
    verifier.received.clear()
    assert requests.get(url, auth=auth, timeout=5).status_code == 200
    assert verifier.received[0]["headers"]["Host"] == "localhost:%d" % port
    # A URL set on the PreparedRequest by hand keeps its case: the signer's
    # Host output is applied, and it is what goes on the wire.
    with requests.Session() as s:
        r = s.prepare_request(requests.Request("GET", "http://127.0.0.1:%d/placeholder" % port))
        r.url = url
        auth(r)
        verifier.received.clear()
        resp = s.send(r, timeout=5)
        assert resp.status_code == 200, resp.text
        assert r.headers["Host"] == "localhost:%d" % port
    assert verifier.received[0]["headers"]["Host"] == "localhost:%d" % port
    assert verifier.received[0]["target"] == "/b/K?q=A%20B"
