"""Error paths: every kind of bad input gives a typed sigv4rs.Error (never a
crash or a silently wrong signature)."""

import io

import pytest

import sigv4rs
from sigv4rs import _abi, _ffi
from sigv4rs import errors as E

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
T = 1440938160
URL = "https://example.amazonaws.com/"


@pytest.fixture(scope="module")
def s():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "service") as signer:
        yield signer


@pytest.mark.parametrize("kwargs, exc", [
    (dict(access_key_id=None), sigv4rs.ArgumentTypeError),
    (dict(access_key_id=123), sigv4rs.ArgumentTypeError),
    (dict(secret_access_key=None), sigv4rs.ArgumentTypeError),
    (dict(region=None), sigv4rs.ArgumentTypeError),
    (dict(service=4.5), sigv4rs.ArgumentTypeError),
    (dict(session_token=7), sigv4rs.ArgumentTypeError),
    (dict(s3="yes"), sigv4rs.ArgumentTypeError),
    (dict(normalize_path=None), sigv4rs.ArgumentTypeError),
    (dict(unsigned_headers="x-trace"), sigv4rs.ArgumentTypeError),
    (dict(unsigned_headers=5), sigv4rs.ArgumentTypeError),
    (dict(unsigned_headers=[None]), sigv4rs.ArgumentTypeError),
    (dict(access_key_id=""), sigv4rs.InvalidAccessKeyIdError),
    (dict(access_key_id="AKID/X"), sigv4rs.InvalidAccessKeyIdError),
    (dict(access_key_id="\u00c4KID"), sigv4rs.InvalidAccessKeyIdError),
    (dict(access_key_id="A" * 129), sigv4rs.InvalidAccessKeyIdError),
    (dict(secret_access_key=""), sigv4rs.InvalidSecretKeyError),
    (dict(secret_access_key="s" * 129), sigv4rs.InvalidSecretKeyError),
    (dict(session_token="has space"), sigv4rs.InvalidSessionTokenError),
    (dict(session_token="t\u00f6ken"), sigv4rs.InvalidSessionTokenError),
    (dict(session_token="T" * (_abi.MAX_SESSION_TOKEN_LEN + 1)), sigv4rs.InvalidSessionTokenError),
    (dict(region=""), sigv4rs.InvalidRegionError),
    (dict(region="eu west"), sigv4rs.InvalidRegionError),
    (dict(region="r\u00e9gion"), sigv4rs.InvalidRegionError),
    (dict(service=""), sigv4rs.InvalidServiceError),
    (dict(service="s3/x"), sigv4rs.InvalidServiceError),
    (dict(unsigned_headers=["bad name"]), sigv4rs.InvalidUnsignedHeaderError),
    (dict(unsigned_headers=["x" * 200, "y" * 100]), sigv4rs.InvalidUnsignedHeaderError),
    (dict(secret_access_key="\ud800"), sigv4rs.InvalidArgumentError),
])
def test_signer_construction_errors(kwargs, exc):
    args = dict(access_key_id=AKID, secret_access_key=SECRET, region="us-east-1", service="service")
    args.update(kwargs)
    with pytest.raises(exc) as e:
        sigv4rs.Signer(**args)
    assert isinstance(e.value, sigv4rs.Error)
    assert e.value.code == exc.code


def test_empty_token_means_none():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "service", session_token="") as s:
        assert "X-Amz-Security-Token" not in s.sign("GET", URL, time=T)


@pytest.mark.parametrize("call, exc", [
    (lambda s: s.sign(None, URL, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign(1, URL, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", None, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", 42, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, headers=5, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, headers="Host: x", time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, headers=[("X-A",)], time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, headers=[("X-A", None)], time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, headers={"X-A": 3}, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, body=12, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, body=io.BytesIO(b"x"), time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, body=iter([b"x"]), time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, unsigned_payload="yes", time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, payload_hash=5, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, time="now"), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, time=True), sigv4rs.ArgumentTypeError),
    (lambda s: s.presign("GET", URL, expires="60", time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.presign("GET", URL, expires=True, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.presign("GET", URL, expires=60.0, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("", URL, time=T), sigv4rs.InvalidMethodError),
    (lambda s: s.sign("GE T", URL, time=T), sigv4rs.InvalidMethodError),
    (lambda s: s.sign("G\u00c9T", URL, time=T), sigv4rs.InvalidMethodError),
    (lambda s: s.sign("GET", "", time=T), sigv4rs.InvalidUrlError),
    (lambda s: s.sign("GET", "example.com/x", time=T), sigv4rs.InvalidUrlError),
    (lambda s: s.sign("GET", "ftp://example.com/", time=T), sigv4rs.InvalidUrlError),
    (lambda s: s.sign("GET", "https://u:p@example.com/", time=T), sigv4rs.InvalidUrlError),
    (lambda s: s.sign("GET", "https://example.com/\r\nX-Injected: 1", time=T), sigv4rs.InvalidUrlError),
    (lambda s: s.sign("GET", "https://example.com/\u00fc", time=T), sigv4rs.InvalidUrlError),
    (lambda s: s.sign("GET", b"https://example.com/\xc3\xbc", time=T), sigv4rs.InvalidUrlError),
    (lambda s: s.sign("GET", "https://exa mple.com/", time=T), sigv4rs.InvalidHostError),
    (lambda s: s.sign("GET", "https://example.com:99999/", time=T), sigv4rs.InvalidHostError),
    (lambda s: s.sign("GET", "https:///path", time=T), sigv4rs.InvalidHostError),
    (lambda s: s.sign_parts("GET", "", "/", "", time=T), sigv4rs.MissingHostError),
    (lambda s: s.sign_parts("GET", "h", "/a?b", "", time=T), sigv4rs.InvalidPathError),
    (lambda s: s.sign_parts("GET", "h", "/a\n", "", time=T), sigv4rs.InvalidPathError),
    (lambda s: s.sign_parts("GET", "h", "/", "a=#", time=T), sigv4rs.InvalidQueryError),
    (lambda s: s.sign_parts("GET", "h", "/", 3, time=T), sigv4rs.ArgumentTypeError),
    (lambda s: s.sign("GET", URL, {"Bad Name": "v"}, time=T), sigv4rs.InvalidHeaderNameError),
    (lambda s: s.sign("GET", URL, {"": "v"}, time=T), sigv4rs.InvalidHeaderNameError),
    (lambda s: s.sign("GET", URL, {"X-\u00c4": "v"}, time=T), sigv4rs.InvalidHeaderNameError),
    (lambda s: s.sign("GET", URL, {"X-A": "v\r\nX-Injected: 1"}, time=T), sigv4rs.InvalidHeaderValueError),
    (lambda s: s.sign("GET", URL, {"X-A": "v\x00"}, time=T), sigv4rs.InvalidHeaderValueError),
    (lambda s: s.sign("GET", URL, {"X-A": "a\x7fb"}, time=T), sigv4rs.InvalidHeaderValueError),
    (lambda s: s.sign("GET", URL, payload_hash="abc", time=T), sigv4rs.InvalidPayloadHashError),
    (lambda s: s.sign("GET", URL, payload_hash="g" * 64, time=T), sigv4rs.InvalidPayloadHashError),
    (lambda s: s.sign("GET", URL, payload_hash="0" * 64, unsigned_payload=True, time=T),
     sigv4rs.InvalidArgumentError),
    (lambda s: s.sign("GET", URL, time=-1), sigv4rs.InvalidTimeError),
    (lambda s: s.sign("GET", URL, time=2 ** 63), sigv4rs.InvalidTimeError),
    (lambda s: s.sign("GET", URL, time=253402300800), sigv4rs.InvalidTimeError),
    (lambda s: s.sign("GET", URL, time=float("nan")), sigv4rs.InvalidTimeError),
    (lambda s: s.sign("GET", URL, time=float("inf")), sigv4rs.InvalidTimeError),
    (lambda s: s.presign("GET", URL, 0, time=T), sigv4rs.InvalidExpiresError),
    (lambda s: s.presign("GET", URL, -1, time=T), sigv4rs.InvalidExpiresError),
    (lambda s: s.presign("GET", URL, 604801, time=T), sigv4rs.InvalidExpiresError),
    (lambda s: s.presign("GET", URL, 2 ** 32 + 60, time=T), sigv4rs.InvalidExpiresError),
    (lambda s: s.canonical_request("GET", URL, time=T, presign_expires=0), sigv4rs.InvalidExpiresError),
    (lambda s: s.string_to_sign("GET", URL, time=T, presign_expires=604801), sigv4rs.InvalidExpiresError),
    (lambda s: s.canonical_request("GET", URL, time=T, presign_expires="60"), sigv4rs.ArgumentTypeError),
    (lambda s: s.presign("GET", URL + "?X-Amz-Signature=x", time=T), sigv4rs.ReservedQueryParameterError),
    (lambda s: s.presign("GET", URL + "?x-amz-date=1", time=T), None),  # case matters: not reserved
    (lambda s: s.presign("GET", URL + "?X-Amz-Credential=1", time=T), sigv4rs.ReservedQueryParameterError),
    (lambda s: s.sign("GET", URL, [("X-%d" % i, "v") for i in range(65)], time=T), sigv4rs.TooManyHeadersError),
    (lambda s: s.sign("GET", URL + "?" + "&".join("p%d" % i for i in range(129)), time=T),
     sigv4rs.TooManyQueryParametersError),
    (lambda s: s.sign("GET", URL + "a" * 16384, time=T), sigv4rs.InputTooLongError),
])
def test_request_errors(s, call, exc):
    if exc is None:
        call(s)
        return
    with pytest.raises(exc) as e:
        call(s)
    assert isinstance(e.value, sigv4rs.Error) and e.value.code == exc.code


def test_error_shape(s):
    with pytest.raises(sigv4rs.InvalidHeaderValueError) as e:
        s.sign("GET", URL, {"X-A": "v\n"}, time=T)
    err = e.value
    assert err.code == 118 and err.status == "INVALID_HEADER_VALUE"
    assert str(err) == "sign: header 0 (X-A) value: invalid header value at byte 1 [INVALID_HEADER_VALUE=118]"
    assert isinstance(err, ValueError) and isinstance(err, sigv4rs.InvalidInputError)
    with pytest.raises(TypeError) as e:
        s.sign("GET", 42)
    assert "url must be str or bytes, not int" in str(e.value)
    with pytest.raises(TypeError) as e:
        sigv4rs.Signer(AKID, SECRET, None, "s3")
    assert "region is required (str or bytes), got None" in str(e.value)


def test_every_status_has_a_class_and_message():
    lib = _ffi.load()
    for code, name, camel, _ in _abi.STATUSES[1:]:
        cls = getattr(sigv4rs, camel + "Error")
        assert (cls.code, cls.status) == (code, name) and camel + "Error" in sigv4rs.__all__
        assert issubclass(cls, sigv4rs.InvalidInputError) == (100 <= code < 200)
        err = E.from_status(code, "ctx")
        # The message is the library's own.
        assert type(err) is cls and str(err) == "ctx: %s [%s=%d]" % (lib.sigv4rs_status_str(code).decode(), name, code)
    unknown = E.from_status(777)
    assert type(unknown) is sigv4rs.Error and unknown.code == 777 and "unknown status" in str(unknown)


# The classes of sigv4rs 0.1 (code, extra built-in bases): still there.
CLASSES_0_1 = {
    "NullArgumentError": (1, ()), "BufferTooSmallError": (2, ()), "InvalidArgumentError": (3, (ValueError,)),
    "ArgumentTypeError": (3, (ValueError, TypeError)), "NotInitializedError": (4, ()), "ClosedError": (4, ()),
    "InvalidAccessKeyIdError": (100, (ValueError,)), "InvalidSecretKeyError": (101, (ValueError,)),
    "InvalidSessionTokenError": (102, (ValueError,)), "InvalidRegionError": (103, (ValueError,)),
    "InvalidServiceError": (104, (ValueError,)), "InvalidUnsignedHeaderError": (105, (ValueError,)),
    "InvalidMethodError": (110, (ValueError,)), "InvalidUrlError": (111, (ValueError,)),
    "InvalidHostError": (112, (ValueError,)), "MissingHostError": (113, (ValueError,)),
    "InvalidPathError": (114, (ValueError,)), "InvalidQueryError": (115, (ValueError,)),
    "ReservedQueryParameterError": (116, (ValueError,)), "InvalidHeaderNameError": (117, (ValueError,)),
    "InvalidHeaderValueError": (118, (ValueError,)), "InvalidPayloadHashError": (119, (ValueError,)),
    "InvalidTimeError": (120, (ValueError,)), "InvalidExpiresError": (121, (ValueError,)),
    "TooManyHeadersError": (130, (ValueError,)), "TooManyQueryParametersError": (131, (ValueError,)),
    "InputTooLongError": (132, (ValueError,)), "MissingCredentialsError": (140, (ValueError,)),
    "InvalidChunkSizeError": (150, (ValueError,)), "IncompletePayloadError": (151, (ValueError,)),
    "PanicError": (900, ()),
}


def test_classes_of_0_1_remain():
    builtin = (ValueError, TypeError)
    for name, (code, bases) in CLASSES_0_1.items():
        cls = getattr(sigv4rs, name)
        assert name in sigv4rs.__all__ and getattr(E, name) is cls and cls.__module__ == "sigv4rs.errors"
        assert issubclass(cls, sigv4rs.Error) and cls.code == code, name
        assert tuple(b for b in builtin if issubclass(cls, b)) == bases, name
        assert issubclass(cls, sigv4rs.InvalidInputError) == (100 <= code < 200), name
    assert issubclass(sigv4rs.ArgumentTypeError, sigv4rs.InvalidArgumentError)
    assert issubclass(sigv4rs.ClosedError, sigv4rs.NotInitializedError)
    with pytest.raises(AttributeError):
        getattr(sigv4rs, "NoSuchError")


def test_signer_still_works_after_errors(s):
    for bad in ("", "x y"):
        with pytest.raises(sigv4rs.Error):
            s.sign(bad, URL, time=T)
    assert s.sign("GET", URL, time=T)["X-Amz-Date"] == "20150830T123600Z"
