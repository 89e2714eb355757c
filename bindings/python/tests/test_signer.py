"""The Signer API: known answers, input forms, payload modes, lifetime and
threads."""

import datetime
import gc
import hashlib
import threading

import pytest

import sigv4rs
from sigv4rs import _abi

# AWS S3 documentation examples (the doc's own keys, 2013-05-24T00:00:00Z).
DOC_AKID = "AKIAIOSFODNN7EXAMPLE"
DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_TIME = 1369353600
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
T = 1440938160  # 2015-08-30T12:36:00Z


@pytest.fixture
def doc_s3():
    with sigv4rs.Signer(DOC_AKID, DOC_SECRET, "us-east-1", "s3", s3=True) as s:
        yield s


def test_s3_documented_get_object(doc_s3):
    out = doc_s3.sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
                      time=DOC_TIME)
    assert list(out) == ["X-Amz-Date", "X-Amz-Content-SHA256", "Authorization"]
    assert out["X-Amz-Date"] == "20130524T000000Z"
    assert out["X-Amz-Content-SHA256"] == hashlib.sha256(b"").hexdigest()
    assert out["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_s3_documented_list_and_lifecycle(doc_s3):
    out = doc_s3.sign("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", time=DOC_TIME)
    assert out["Authorization"].endswith("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    out = doc_s3.sign("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", time=DOC_TIME)
    assert out["Authorization"].endswith("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")


def test_s3_documented_presign(doc_s3):
    url = doc_s3.presign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", 86400, time=DOC_TIME)
    assert url == (
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    assert "UNSIGNED-PAYLOAD" in doc_s3.canonical_request(
        "GET", "https://examplebucket.s3.amazonaws.com/test.txt", time=DOC_TIME, presign_expires=86400)


def test_str_and_bytes_inputs_sign_alike():
    a = sigv4rs.Signer(AKID, SECRET, "us-east-1", "es", session_token="TOKEN")
    b = sigv4rs.Signer(AKID.encode(), SECRET.encode(), b"us-east-1", bytearray(b"es"),
                       session_token=memoryview(b"TOKEN"))
    url = "https://search.example.com/idx/_doc/1?refresh=true"
    body = '{"a": "\u00e9"}'
    x = a.sign("PUT", url, {"Content-Type": "application/json", "X-Meta": "\u00e9t\u00e9"}, body=body, time=T)
    y = b.sign(b"PUT", url.encode(), [(b"Content-Type", b"application/json"), (b"X-Meta", "\u00e9t\u00e9".encode())],
               body=body.encode(), time=T)
    assert x == y
    assert x["X-Amz-Security-Token"] == "TOKEN"
    a.close()
    b.close()


def test_header_forms_and_repeats():
    import requests.structures

    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "service")
    url = "https://example.amazonaws.com/"
    d = s.sign("GET", url, {"My-Header1": "a", "My-Header2": "b"}, time=T)
    ci = s.sign("GET", url, requests.structures.CaseInsensitiveDict({"My-Header1": "a", "My-Header2": "b"}), time=T)
    lst = s.sign("GET", url, [("My-Header1", "a"), ("My-Header2", "b")], time=T)
    assert d == ci == lst
    creq = s.canonical_request("GET", url, [("X-A", " 1  2 "), ("x-a", "3"), ("X-A", "\t4")], time=T)
    assert "\nx-a:1 2,3,4\n" in creq


def test_parts_equal_url():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True)
    url = s.sign("GET", "https://bucket.s3.amazonaws.com:8443/a%20b?x=1&y", time=T)
    parts = s.sign_parts("GET", "bucket.s3.amazonaws.com:8443", "/a%20b", "x=1&y", time=T)
    assert url == parts
    assert s.presign_parts("GET", "bucket.s3.amazonaws.com", "/k", "", time=T) == \
        s.presign("GET", "https://bucket.s3.amazonaws.com/k", time=T)
    # Host from a header when the parts leave it empty.
    assert s.sign_parts("GET", "", "/a%20b", "x=1&y", [("Host", "bucket.s3.amazonaws.com:8443")], time=T) == url


def test_time_forms():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "service")
    url = "https://example.amazonaws.com/"
    want = s.sign("GET", url, time=T)
    assert s.sign("GET", url, time=T + 0.999) == want
    assert s.sign("GET", url, time=datetime.datetime(2015, 8, 30, 12, 36, 0)) == want
    aware = datetime.datetime(2015, 8, 30, 14, 36, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert s.sign("GET", url, time=aware) == want
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
    now = datetime.datetime.strptime(s.sign("GET", url)["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    assert before <= now <= before + datetime.timedelta(seconds=5)


def test_readme_example_runs(capsys):
    """The README's example, as written."""
    import os
    import re

    with open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8") as f:
        text = f.read()
    code = re.search(r"## Example\n\n```python\n(.*?)```", text, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" in out and "X-Amz-Signature=" in out


def test_payload_modes():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True)
    url = "https://b.s3.amazonaws.com/k"
    body = b"hello"
    h = hashlib.sha256(body).hexdigest()
    assert s.sign("PUT", url, body=body, time=T)["X-Amz-Content-SHA256"] == h
    assert s.sign("PUT", url, payload_hash=h.upper(), time=T)["X-Amz-Content-SHA256"] == h
    assert s.sign("PUT", url, body=body, time=T) == s.sign("PUT", url, payload_hash=h, time=T)
    assert s.sign("PUT", url, body=body, unsigned_payload=True, time=T)["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    # AUTO: a caller header is the payload hash, and the signer adds none.
    out = s.sign("PUT", url, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, body=body, time=T)
    assert "X-Amz-Content-SHA256" not in out
    assert s.canonical_request("PUT", url, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, body=body,
                               time=T).endswith("\nUNSIGNED-PAYLOAD")
    # Non-S3: the header only on request.
    es = sigv4rs.Signer(AKID, SECRET, "us-east-1", "es")
    assert "X-Amz-Content-SHA256" not in es.sign("POST", url, body=body, time=T)
    es2 = sigv4rs.Signer(AKID, SECRET, "us-east-1", "es", content_sha256_header=True)
    assert es2.sign("POST", url, body=body, time=T)["X-Amz-Content-SHA256"] == h


def test_flags_and_unsigned_headers():
    url = "https://example.amazonaws.com/a/./b/../c%3A"
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "service")
    assert s.canonical_request("GET", url, time=T).split("\n")[1] == "/a/c%253A"
    raw = sigv4rs.Signer(AKID, SECRET, "us-east-1", "service", normalize_path=False, single_encode_path=True)
    assert raw.canonical_request("GET", url, time=T).split("\n")[1] == "/a/./b/../c%3A"
    u = sigv4rs.Signer(AKID, SECRET, "us-east-1", "service", unsigned_headers=["X-Trace", b"x-other"])
    creq = u.canonical_request("GET", url, {"X-Trace": "1", "X-Other": "2", "X-Kept": "3"}, time=T)
    assert "x-trace" not in creq and "x-other" not in creq and "x-kept:3" in creq
    tok = sigv4rs.Signer(AKID, SECRET, "us-east-1", "sts", session_token="T0K", unsigned_session_token=True)
    out = tok.sign("GET", url, time=T)
    assert out["X-Amz-Security-Token"] == "T0K" and "x-amz-security-token" not in out["Authorization"]


def test_large_outputs_grow_the_buffer():
    token = "A" * 4096
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True, session_token=token)
    headers = [("X-Amz-Meta-%d" % i, "v" * 200) for i in range(60)]
    url = "https://b.s3.amazonaws.com/" + "k" * 8000 + "?" + "&".join("p%d=%s" % (i, "%2F" * 10) for i in range(100))
    assert s.sign("GET", url, headers, time=T)["X-Amz-Security-Token"] == token
    assert len(s.canonical_request("GET", url, headers, time=T)) > 20000
    assert s.presign("GET", url, 60, headers, time=T).startswith(url + "&X-Amz-Algorithm=")


def test_close_and_context_manager():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "service")
    assert not s.closed and "open" in repr(s)
    with s as same:
        assert same is s
    assert s.closed and "closed" in repr(s)
    s.close()  # idempotent
    for call in (lambda: s.sign("GET", "https://h/"), lambda: s.presign("GET", "https://h/"),
                 lambda: s.canonical_request("GET", "https://h/"), lambda: s.string_to_sign("GET", "https://h/")):
        with pytest.raises(sigv4rs.ClosedError) as e:
            call()
        assert isinstance(e.value, sigv4rs.NotInitializedError) and e.value.code == 4


def test_del_frees_without_close():
    for _ in range(2000):
        sigv4rs.Signer(AKID, SECRET, "us-east-1", "service")
    gc.collect()


def test_secret_not_in_repr():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "service", session_token="SECRET-TOKEN")
    assert SECRET not in repr(s) and "SECRET-TOKEN" not in repr(s) and AKID in repr(s)
    assert not hasattr(s, "secret_access_key")


def test_threads_share_one_signer_and_close_waits():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True)
    url = "https://b.s3.amazonaws.com/k"
    want = {t: s.sign("GET", url, time=t)["Authorization"] for t in (T, T + 86400 * 3)}
    errors = []
    start = threading.Barrier(9)

    def work(k):
        start.wait()
        try:
            for i in range(300):
                t = (T, T + 86400 * 3)[(i + k) % 2]
                assert s.sign("GET", url, time=t)["Authorization"] == want[t]
        except sigv4rs.ClosedError:
            pass  # closed while running: later calls must refuse, not crash
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    start.wait()
    for th in threads:
        th.join(30)
    assert not errors
    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    start = threading.Barrier(9)
    for th in threads:
        th.start()
    start.wait()
    s.close()  # in-flight calls finish; the free waits for the last one
    for th in threads:
        th.join(30)
    assert not errors and s.closed


def test_from_env(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "TOK")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with sigv4rs.Signer.from_env("s3", s3=True) as s:
        out = s.sign("GET", "https://b.s3.amazonaws.com/k", time=T)
        assert "/eu-west-1/s3/" in out["Authorization"] and out["X-Amz-Security-Token"] == "TOK"
    with sigv4rs.Signer(AKID, SECRET, "eu-west-1", "s3", s3=True, session_token="TOK") as ref:
        assert out == ref.sign("GET", "https://b.s3.amazonaws.com/k", time=T)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(sigv4rs.MissingCredentialsError):
        sigv4rs.Signer.from_env("s3")


def test_version_and_library():
    major, minor, patch = sigv4rs.version().split(".")
    assert (int(major), int(minor)) == _abi.ABI_VERSION and patch.isdigit()
    assert sigv4rs.library_path()
