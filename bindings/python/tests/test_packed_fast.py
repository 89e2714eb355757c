"""The packed path's inline case (str method, URL and dict headers, all
ASCII; bytes body) against the classic struct-request path, at its edges:
what it must hand to the general packing, and a signing reentered on the
same thread while it holds the thread's buffer."""

import sys

import pytest

import sigv4rs

T = 1440938160
URL = "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026"


class LyingLen(str):
    """A str whose len() is not its length: only its data may be signed."""

    def __len__(self):
        return 1


class OwnStr(str):
    """A str subclass whose str() differs from its data (the classic path
    signs str(value))."""

    def __str__(self):
        return "other"


CASES = [
    # The inline case with a payload (it goes last in the buffer).
    ("PUT", URL, {"X-A": "1", "x-b": "two"}, b"body" * 100),
    ("GET", URL, None, b""),
    ("GET", URL, {}, b"x"),
    # Not ASCII: UTF-8 bytes, packed by the general path.
    ("PUT", URL, {"x-meta": "caf\u00e9"}, b""),
    ("G\u00c9T", URL, {"range": "bytes=0-9"}, b""),
    # Not exactly str.
    ("GET", URL, {"range": LyingLen("bytes=0-9")}, b""),
    ("GET", URL, {LyingLen("range"): "bytes=0-9"}, b""),
    ("GET", URL, {"range": OwnStr("bytes=0-9")}, b""),
    ("GET", LyingLen(URL), {"range": "bytes=0-9"}, b""),
    ("GET", URL, {"range": b"bytes=0-9"}, bytearray(b"abc")),
]


def classic(signer, auth, expires, method, target, headers, body):
    what = "presign" if auth else "sign"
    return signer._unpacked(what, auth, expires, method, target, headers, body, None, False, T)


def outcome(f):
    try:
        return f()
    except sigv4rs.Error as e:
        return type(e), str(e)


@pytest.mark.parametrize("s3", [False, True])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_inline_case_equals_classic(case, s3):
    method, target, headers, body = CASES[case]
    with sigv4rs.Signer("AKID", "SECRET", "us-east-1", "s3" if s3 else "svc", s3=s3, session_token="tok") as s:
        got = outcome(lambda: s.sign(method, target, headers, body=body, time=T))
        assert got == outcome(lambda: classic(s, 0, 0, method, target, headers, body))
        got = outcome(lambda: s.presign(method, target, 600, headers, time=T, body=body))
        assert got == outcome(lambda: classic(s, 1, 600, method, target, headers, body))


def test_empty_url_is_still_named():
    with sigv4rs.Signer("AKID", "SECRET", "us-east-1", "svc") as s:
        with pytest.raises(sigv4rs.InvalidUrlError, match="url is empty"):
            s.sign("GET", "", {"a": "b"}, time=T)


def test_signing_reentered_on_the_thread_keeps_the_outer_inputs():
    # A signal handler or a finalizer run by the GC can sign on this thread
    # after the outer call has set up its per-thread buffer and before it
    # calls the library; a profile hook stands for it here, deterministically
    # (it runs on the outer call's `_inflight.append`).
    with sigv4rs.Signer("AKID", "SECRET", "us-east-1", "s3", s3=True, session_token="tok") as s:
        want_outer = s.sign("GET", URL, {"range": "bytes=0-9"}, time=T)
        # The inner request is the longer one: with its length and time in
        # the outer call, the library would sign the outer request at the
        # wrong time rather than fail (a failure retries on the slow path).
        inner_url = URL + "&more=" + "x" * 100
        want_inner = s.sign("PUT", inner_url, time=T + 86400)
        inner = []

        def hook(frame, event, arg):
            if event == "c_call" and not inner and getattr(arg, "__self__", None) is s._inflight:
                inner.append(None)
                inner[0] = s.sign("PUT", inner_url, time=T + 86400)

        sys.setprofile(hook)
        try:
            got = s.sign("GET", URL, {"range": "bytes=0-9"}, time=T)
        finally:
            sys.setprofile(None)
        assert inner == [want_inner]
        assert got == want_outer
