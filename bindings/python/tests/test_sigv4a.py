"""The binding's SigV4a option: what it adds, its errors, and the requests
adapter with it. (The suite: test_suite_v4a.py; against awscrt:
test_differential_v4a.py.) Signatures are verified under the key of the
SigV4a KDF (v4a_keys.py), never compared with our own output."""

import hashlib

import pytest

import sigv4rs
from v4a_keys import credentials_key, verifies

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
URL = "https://example.amazonaws.com/a?b=c"
T = 1440938160


def test_signs_with_ecdsa_for_the_region_set():
    key = credentials_key(AKID, SECRET)
    with sigv4rs.Signer(AKID, SECRET, "us-east-1,us-west-2", "service", session_token="TOKEN", sigv4a=True) as s:
        assert (s.sigv4a, s.s3express, s.region) == (True, False, "us-east-1,us-west-2")
        assert s.flags == sigv4rs.signer._abi.FLAG_SIGV4A and "sigv4a" in repr(s)
        out = s.sign("GET", URL, {"X-Custom": "1"}, time=T)
        assert set(out) == {"X-Amz-Date", "X-Amz-Region-Set", "X-Amz-Security-Token", "Authorization"}
        assert out["X-Amz-Region-Set"] == "us-east-1,us-west-2"
        head, _, sig = out["Authorization"].partition(", Signature=")
        assert head == ("AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/service/aws4_request, "
                        "SignedHeaders=host;x-amz-date;x-amz-region-set;x-amz-security-token;x-custom")
        assert len(sig) <= sigv4rs.signer._abi.SIGV4A_SIGNATURE_MAX_LEN
        assert verifies(key, s.string_to_sign("GET", URL, {"X-Custom": "1"}, time=T), sig)
        url = s.presign("GET", URL, 60, time=T)
        assert "&X-Amz-Region-Set=us-east-1%2Cus-west-2&" in url
        sig = url.rpartition("&X-Amz-Signature=")[2]
        assert verifies(key, s.string_to_sign("GET", URL, time=T, presign_expires=60), sig)


@pytest.mark.parametrize("region_set", ["", "us east", "us-east-1,", ",us-east-1", "a,,b", "x" * 65])
def test_invalid_region_sets(region_set):
    with pytest.raises(sigv4rs.InvalidRegionSetError):
        sigv4rs.Signer(AKID, SECRET, region_set, "service", sigv4a=True)


def test_flag_types():
    with pytest.raises(sigv4rs.ArgumentTypeError, match="sigv4a"):
        sigv4rs.Signer(AKID, SECRET, "*", "service", sigv4a=1)  # type: ignore[arg-type]
    with pytest.raises(sigv4rs.ArgumentTypeError, match="s3express"):
        sigv4rs.Signer(AKID, SECRET, "*", "service", s3express="yes")  # type: ignore[arg-type]


def test_from_env(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    with sigv4rs.Signer.from_env("service", "*", sigv4a=True) as s:
        out = s.sign("GET", URL, time=T)
    assert out["X-Amz-Region-Set"] == "*"
    # The string to sign written out from the spec.
    creq = (b"GET\n/a\nb=c\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-region-set:*\n\n"
            b"host;x-amz-date;x-amz-region-set\n" + hashlib.sha256(b"").hexdigest().encode())
    sts = "AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/service/aws4_request\n" + hashlib.sha256(creq).hexdigest()
    assert verifies(credentials_key(AKID, SECRET), sts, out["Authorization"].rpartition("Signature=")[2])


def test_requests_adapter_takes_the_option():
    requests = pytest.importorskip("requests")
    from sigv4rs.requests_auth import SigV4Auth

    auth = SigV4Auth(AKID, SECRET, "*", "execute-api", sigv4a=True, include_hdrs={"host"})
    r = auth(requests.Request("GET", URL).prepare())
    assert r.headers["Authorization"].startswith("AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/")
    assert r.headers["X-Amz-Region-Set"] == "*"
    assert "SignedHeaders=host;x-amz-date;x-amz-region-set," in r.headers["Authorization"]
