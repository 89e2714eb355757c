"""Errors that say where (issue 11): after a failing call the binding asks
`sigv4rs_request_locate` which input was bad and puts it in the error
(`field`, `index`, `offset`, `header_name` and the message). The expected
locations are counted by hand from the inputs."""

import io
import os

import pytest
import requests

import sigv4rs
from sigv4rs import _ffi
from sigv4rs.requests_auth import SigV4Auth

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
T = 1440938160
URL = "https://example.com/"
# The 4th header (index 3) has a CR at byte 2 of its value.
CR_HEADERS = [("A", "1"), ("B", "2"), ("C", "3"), ("X-Foo", "ab\rcd")]


@pytest.fixture(scope="module")
def s():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "service") as signer:
        yield signer


CALLS = {
    "sign": lambda s, m, u, h: s.sign(m, u, h, time=T),
    "presign": lambda s, m, u, h: s.presign(m, u, 60, h, time=T),
    "canonical_request": lambda s, m, u, h: s.canonical_request(m, u, h, time=T),
    "string_to_sign": lambda s, m, u, h: s.string_to_sign(m, u, h, time=T, presign_expires=60),
    "sign_streaming": lambda s, m, u, h: s.sign_streaming(m, u, 3, h, time=T, body=io.BytesIO(b"abc")),
}


def where(e):
    return (type(e.value), e.value.field, e.value.index, e.value.offset, e.value.header_name)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_cr_in_the_value_of_the_4th_header(s, call):
    with pytest.raises(sigv4rs.InvalidHeaderValueError) as e:
        CALLS[call](s, "PUT", URL, CR_HEADERS)
    assert where(e) == (sigv4rs.InvalidHeaderValueError, "header_value", 3, 2, "X-Foo")
    assert e.value.message == "%s: header 3 (X-Foo) value: invalid header value at byte 2" % call
    assert str(e.value) == e.value.message + " [INVALID_HEADER_VALUE=118]"


@pytest.mark.parametrize("call", sorted(CALLS))
def test_bad_method(s, call):
    with pytest.raises(sigv4rs.InvalidMethodError) as e:
        CALLS[call](s, "G(T", URL, None)  # "(" is byte 1
    assert where(e) == (sigv4rs.InvalidMethodError, "method", None, 1, None)
    assert e.value.message == "%s: method: invalid method at byte 1" % call


def test_empty_method_has_no_offset(s):
    with pytest.raises(sigv4rs.InvalidMethodError) as e:
        s.sign("", URL, time=T)
    assert where(e) == (sigv4rs.InvalidMethodError, "method", None, None, None)
    assert e.value.message == "sign: method: invalid method"


@pytest.mark.parametrize("call", sorted(CALLS))
def test_url_with_a_control_byte(s, call):
    url = "https://example.com/a\x01b"  # "https://" 8 + "example.com" 11 + "/a": byte 21
    with pytest.raises(sigv4rs.InvalidUrlError) as e:
        CALLS[call](s, "PUT", url, None)
    assert where(e) == (sigv4rs.InvalidUrlError, "url", None, 21, None)
    assert e.value.message == "%s: url: invalid URL at byte 21" % call


@pytest.mark.parametrize("call", sorted(CALLS))
def test_bad_header_name(s, call):
    with pytest.raises(sigv4rs.InvalidHeaderNameError) as e:
        CALLS[call](s, "PUT", URL, {"X-Ok": "1", "Bad Name": "x"})  # the space is byte 3 of header 1
    assert where(e) == (sigv4rs.InvalidHeaderNameError, "header_name", 1, 3, "Bad Name")
    assert e.value.message == "%s: header 1 (Bad Name) name: invalid header name at byte 3" % call


def test_header_name_in_the_message_is_escaped(s):
    with pytest.raises(sigv4rs.InvalidHeaderNameError) as e:
        s.sign("GET", URL, [(b"X-\x00y", b"1")], time=T)
    assert where(e) == (sigv4rs.InvalidHeaderNameError, "header_name", 0, 2, "X-\x00y")
    assert e.value.message == "sign: header 0 (X-\\x00y) name: invalid header name at byte 2"


def test_parts_are_located(s):
    with pytest.raises(sigv4rs.InvalidPathError) as e:
        s.sign("GET", sigv4rs.Parts("example.com", "/a?b"), time=T)  # "?" is byte 2 of the path
    assert where(e) == (sigv4rs.InvalidPathError, "path", None, 2, None)
    assert e.value.message == "sign: path: invalid path at byte 2"


def test_binding_checks_are_located_too(s):
    with pytest.raises(sigv4rs.InvalidUrlError) as e:
        s.sign("GET", "https://ex\u00e4mple.com/", time=T)  # "https://ex": byte 10
    assert (e.value.field, e.value.offset) == ("url", 10)
    assert "byte 10" in e.value.message


def test_errors_not_about_an_input_have_no_location(s):
    with pytest.raises(sigv4rs.InvalidExpiresError) as e:
        s.presign("GET", URL, 0, time=T)
    assert (e.value.field, e.value.index, e.value.offset, e.value.header_name) == (None, None, None, None)


def test_locate_runs_only_after_a_failure(s, monkeypatch):
    lib = _ffi.load()
    real = lib.sigv4rs_request_locate
    calls = []

    def spy(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(lib, "sigv4rs_request_locate", spy)
    s.sign("GET", URL, {"X-A": "1"}, time=T)
    s.presign("GET", URL, time=T)
    s.sign_streaming("PUT", URL, 3, time=T, body=b"abc")
    assert calls == []
    with pytest.raises(sigv4rs.InvalidHeaderValueError):
        s.sign("GET", URL, {"X-A": "\n"}, time=T)
    assert calls == [sigv4rs.InvalidHeaderValueError.code]


def test_requests_auth_names_the_request_header():
    # include_hdrs leaves out Accept and Content-Type: the signer gets
    # [x-amz-meta-a, x-amz-meta-b] and reports index 1; the error points at
    # the request's header 3, with its name as set.
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "s3", include_hdrs=["host", "x-amz-*"], clock=lambda: T)
    r = requests.Request("GET", "https://b.s3.amazonaws.com/k").prepare()
    for name, value in (("Accept", "x"), ("X-Amz-Meta-A", "1"), ("Content-Type", "y"), ("X-Amz-Meta-B", "a\rb")):
        r.headers[name] = value  # set after prepare(), which would refuse the CR
    with pytest.raises(sigv4rs.InvalidHeaderValueError) as e:
        auth(r)
    assert where(e) == (sigv4rs.InvalidHeaderValueError, "header_value", 3, 1, "X-Amz-Meta-B")
    assert e.value.message == "sign: header 3 (X-Amz-Meta-B) value: invalid header value at byte 1"


def test_requests_auth_non_latin1_value_is_located():
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "s3", clock=lambda: T)
    r = requests.Request("GET", "https://b.s3.amazonaws.com/k", headers={"X-A": "1", "X-B": "ab\u20ac"}).prepare()
    with pytest.raises(sigv4rs.InvalidHeaderValueError) as e:
        auth(r)
    assert where(e) == (sigv4rs.InvalidHeaderValueError, "header_value", 1, 2, "X-B")


# Where the library itself is found (issue 14): the wheel carries its own
# copy next to the package, tried first; SIGV4RS_LIB, when set, is the only
# candidate (the tests set it, so they never load a stale copy).
def test_library_search_order(monkeypatch):
    pkg = os.path.dirname(os.path.abspath(_ffi.__file__))
    monkeypatch.delenv("SIGV4RS_LIB", raising=False)
    found = _ffi._candidates()
    assert found[0] == os.path.join(pkg, "libsigv4rs.so")
    assert found[1] == os.path.normpath(os.path.join(pkg, "..", "..", "..", "target", "release", "libsigv4rs.so"))
    assert found[-1] == sigv4rs._abi.SONAME
    monkeypatch.setenv("SIGV4RS_LIB", "/nowhere/libsigv4rs.so")
    assert _ffi._candidates() == ["/nowhere/libsigv4rs.so"]
