"""The packed signing path (`sigv4rs_signer_sign_packed`) against the
classic struct-request path it replaced, on the same inputs."""

import threading

import pytest

import sigv4rs

T = 1440938160
URL = "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026"


def classic(signer, auth, expires, *args):
    return signer._unpacked("test", auth, expires, *args, T)


CASES = [
    ("GET", URL, {"range": "bytes=0-9"}, b"", None, False),
    ("PUT", URL, [("X-A", "1"), ("x-a", "2"), (b"X-B", b"\xff")], b"body" * 100, None, False),
    ("POST", sigv4rs.Parts("Example.com:8443", "/a b/", "x=1&y"), None, "text", None, False),
    ("GET", "https://EXAMPLE.com/", {}, b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", False),
    ("GET", URL, {"h%d" % i: "v" * i for i in range(40)}, b"", None, True),
    ("GET", sigv4rs.Parts("", "/", ""), [("Host", "h.example")], b"", None, False),
]


@pytest.mark.parametrize("s3", [False, True])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_packed_equals_classic(case, s3):
    method, target, headers, body, ph, unsigned = CASES[case]
    with sigv4rs.Signer("AKID", "SECRET", "us-east-1", "s3" if s3 else "svc", s3=s3, session_token="tok") as s:
        got = s.sign(method, target, headers, body=body, payload_hash=ph, unsigned_payload=unsigned, time=T)
        want = classic(s, 0, 0, method, target, headers, body, ph, unsigned)
        assert got == want
        url = s.presign(method, target, 600, headers, time=T, body=body, payload_hash=ph,
                        unsigned_payload=unsigned)
        assert url == classic(s, 1, 600, method, target, headers, body, ph, unsigned)


def test_packed_long_presign_grows_the_buffer():
    # Output beyond the per-thread 8 KiB buffer: the BUFFER_TOO_SMALL retry.
    with sigv4rs.Signer("AKID", "SECRET", "us-east-1", "svc") as s:
        url = "https://h.example/?" + "&".join("k%d=%s" % (i, "v" * 100) for i in range(100))
        got = s.presign("GET", url, 60, time=T)
        assert len(got) > 10000
        assert got == classic(s, 1, 60, "GET", url, None, b"", None, False)


def test_packed_threads_use_their_own_buffers():
    with sigv4rs.Signer("AKID", "SECRET", "us-east-1", "svc") as s:
        want = {i: s.sign("GET", "https://h.example/%d" % i, time=T) for i in range(8)}
        bad = []

        def run(i):
            for _ in range(300):
                if s.sign("GET", "https://h.example/%d" % i, time=T) != want[i]:
                    bad.append(i)

        ts = [threading.Thread(target=run, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not bad
