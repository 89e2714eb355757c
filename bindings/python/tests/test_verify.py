"""sigv4rs.Verifier.verify: requests signed by the binding's Signer (and by
botocore) verify; tampered copies are refused with the status that names
the change; the lookup's failures never reach C; the secret is never shown.

The expectations are independent of the verifier: what was signed (the
Signer's output, the Authorization header parsed here) and which byte was
changed."""

import datetime
import hashlib
import re
import traceback

import pytest

import sigv4rs
from sigv4rs import errors as E

AKID = "AKIDVERIFYTEST"
SECRET = "Sekr3t/verify+VALUE/ZzQ9xW7pLmN0aBcDeFgHiJ"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN//verify=="
T = 1700000000  # 2023-11-14T22:13:20Z
HOST = "bucket.example.com"


def lookup(akid):
    return {AKID: SECRET, "AKIDTEMP": (SECRET, TOKEN)}.get(akid)


def s3_verifier(**kw):
    return sigv4rs.Verifier("us-east-1", "s3", lookup, s3=True, **kw)


def received(signed, headers):
    """The headers a server receives: Host, the caller's, the signer's."""
    return [("Host", HOST)] + list(headers) + list(signed.items())


def signed_put(signer=None, body=b"hello, world", path="/key.txt", query="x=1&y=a%20b", extra=()):
    s = signer or sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True)
    hs = [("Content-Type", "text/plain"), ("X-Amz-Meta-Colour", "blue")] + list(extra)
    out = s.sign("PUT", "https://%s%s?%s" % (HOST, path, query), hs, body=body, time=T)
    return "%s?%s" % (path, query), received(out, hs), body, out


def status_of(fn, *args, **kw):
    with pytest.raises(E.VerificationError) as ei:
        fn(*args, **kw)
    return ei.value.status


def test_header_form_verifies_with_what_was_signed():
    target, headers, body, out = signed_put()
    r = s3_verifier().verify("PUT", target, headers, body, now=T)
    # What the Authorization header the signer wrote says, parsed here.
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([^,]+), Signature=[0-9a-f]{64}", out["Authorization"])
    assert m
    assert (r.form, r.access_key_id, r.region, r.service) == ("header", AKID, "us-east-1", "s3")
    assert r.signed_headers == tuple(m.group(5).split(";"))
    assert "x-amz-meta-colour" in r.signed_headers
    assert r.signed_at == T and r.expires is None and r.canonical_request is None


def test_headers_as_mapping_bytes_and_absolute_url():
    target, headers, body, out = signed_put()
    v = s3_verifier()
    assert v.verify("PUT", target, dict(headers), body, now=T).access_key_id == AKID
    as_bytes = [(n.encode(), v_.encode()) for n, v_ in headers]
    assert v.verify(b"PUT", target.encode(), as_bytes, bytearray(body), now=T).form == "header"
    assert v.verify("PUT", "https://" + HOST + target, headers, memoryview(body), now=T).form == "header"
    assert v.verify("PUT", sigv4rs.Parts(HOST, "/key.txt", "x=1&y=a%20b"), headers, body, now=T).form == "header"


def test_canonical_request_is_the_signers():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True)
    target, headers, body, out = signed_put(s)
    r = s3_verifier().verify("PUT", target, headers, body, now=T, canonical_request=True)
    want = s.canonical_request("PUT", "https://%s%s" % (HOST, target),
                               [("Content-Type", "text/plain"), ("X-Amz-Meta-Colour", "blue"),
                                ("X-Amz-Date", out["X-Amz-Date"])], body=body, time=T)
    assert r.canonical_request == want
    # Also on a rejection: what the server computed, for the log.
    bad = [(n, "green" if n == "X-Amz-Meta-Colour" else v) for n, v in headers]
    with pytest.raises(E.SignatureMismatchError) as ei:
        s3_verifier().verify("PUT", target, bad, body, now=T, canonical_request=True)
    assert "x-amz-meta-colour:green\n" in ei.value.result.canonical_request


def test_presigned_verifies_until_it_expires():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True)
    url = s.presign("GET", "https://%s/photos/cat.jpg?versionId=3" % HOST, 600, time=T)
    target = url[len("https://" + HOST):]
    v = s3_verifier()
    r = v.verify("GET", target, [("Host", HOST)], None, now=T + 599)
    assert (r.form, r.expires, r.signed_at, r.signed_headers) == ("query", 600, T, ("host",))
    assert status_of(v.verify, "GET", target, [("Host", HOST)], None, now=T + 601) == "REQUEST_EXPIRED"
    assert s3_verifier(skip_expiry=True).verify("GET", target, [("Host", HOST)], None, now=T + 601)
    tampered = target.replace("versionId=3", "versionId=4")
    assert status_of(v.verify, "GET", tampered, [("Host", HOST)], None, now=T) == "SIGNATURE_MISMATCH"
    sig = re.search(r"X-Amz-Signature=([0-9a-f]{64})", target).group(1)
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    assert status_of(v.verify, "GET", target.replace(sig, flipped), [("Host", HOST)], None,
                     now=T) == "SIGNATURE_MISMATCH"


def test_session_token_must_be_the_lookups():
    s = sigv4rs.Signer("AKIDTEMP", SECRET, "us-east-1", "s3", session_token=TOKEN, s3=True)
    target, headers, body, out = signed_put(s)
    assert out["X-Amz-Security-Token"] == TOKEN
    assert s3_verifier().verify("PUT", target, headers, body, now=T).access_key_id == "AKIDTEMP"
    for other in ({"AKIDTEMP": (SECRET, TOKEN + "x")}, {"AKIDTEMP": SECRET}):
        v = sigv4rs.Verifier("us-east-1", "s3", other, s3=True)
        assert status_of(v.verify, "PUT", target, headers, body, now=T) == "TOKEN_MISMATCH"
    # A lookup returning sigv4rs.Credentials works the same.
    v = sigv4rs.Verifier("us-east-1", "s3", lambda k: sigv4rs.Credentials(k, SECRET, TOKEN), s3=True)
    assert v.verify("PUT", target, headers, body, now=T).form == "header"


def test_unsigned_session_token():
    s = sigv4rs.Signer("AKIDTEMP", SECRET, "us-east-1", "s3", session_token=TOKEN, s3=True,
                       unsigned_session_token=True)
    target, headers, body, out = signed_put(s)
    assert "x-amz-security-token" not in out["Authorization"]
    assert status_of(s3_verifier().verify, "PUT", target, headers, body, now=T) == "UNSIGNED_HEADER"
    assert s3_verifier(unsigned_session_token=True).verify("PUT", target, headers, body, now=T)


# (what is changed, the status the change must get) on a signed S3 PUT.
def _set(headers, name, value):
    return [(n, value if n.lower() == name else v) for n, v in headers]


TAMPER = [
    ("header value", lambda t, h, b: (t, _set(h, "x-amz-meta-colour", "red"), b), "SIGNATURE_MISMATCH"),
    ("header dropped", lambda t, h, b: (t, [p for p in h if p[0] != "Content-Type"], b), "SIGNED_HEADER_MISSING"),
    ("unsigned x-amz header", lambda t, h, b: (t, h + [("x-amz-meta-new", "1")], b), "UNSIGNED_HEADER"),
    ("path", lambda t, h, b: (t.replace("/key.txt", "/key.txu"), h, b), "SIGNATURE_MISMATCH"),
    ("query value", lambda t, h, b: (t.replace("x=1", "x=2"), h, b), "SIGNATURE_MISMATCH"),
    ("query added", lambda t, h, b: (t + "&z=", h, b), "SIGNATURE_MISMATCH"),
    ("body byte", lambda t, h, b: (t, h, b[:-1] + b"?"), "PAYLOAD_MISMATCH"),
    ("host", lambda t, h, b: (t, _set(h, "host", "other.example.com"), b), "SIGNATURE_MISMATCH"),
    ("signature", lambda t, h, b: (t, _set(h, "authorization", _flip_sig(dict(h)["Authorization"])), b),
     "SIGNATURE_MISMATCH"),
    ("malformed auth", lambda t, h, b: (t, _set(h, "authorization", "AWS4-HMAC-SHA256 Credential=x"), b),
     "MALFORMED_AUTHORIZATION"),
    ("no auth", lambda t, h, b: (t, [p for p in h if p[0] != "Authorization"], b), "MISSING_AUTHORIZATION"),
    ("date", lambda t, h, b: (t, _set(h, "x-amz-date", "20231114T221321Z"), b), "SIGNATURE_MISMATCH"),
]


def _flip_sig(auth):
    return auth[:-1] + ("0" if auth[-1] != "0" else "1")


@pytest.mark.parametrize("what,change,status", TAMPER, ids=[t[0] for t in TAMPER])
def test_tampered_copies_are_refused(what, change, status):
    target, headers, body, _ = signed_put()
    v = s3_verifier()
    assert v.verify("PUT", target, headers, body, now=T)
    t2, h2, b2 = change(target, headers, body)
    with pytest.raises(E.VerificationError) as ei:
        v.verify("PUT", t2, h2, b2, now=T)
    assert ei.value.status == status
    assert ei.value.code == getattr(sigv4rs._abi, "STATUS_" + status)
    assert isinstance(ei.value, getattr(E, "".join(w.title() for w in status.split("_")) + "Error"))


def test_wrong_secret_unknown_key_and_policy():
    target, headers, body, _ = signed_put()
    wrong = sigv4rs.Verifier("us-east-1", "s3", {AKID: SECRET + "x"}, s3=True)
    assert status_of(wrong.verify, "PUT", target, headers, body, now=T) == "SIGNATURE_MISMATCH"
    nobody = sigv4rs.Verifier("us-east-1", "s3", {}, s3=True)
    with pytest.raises(E.UnknownAccessKeyError) as ei:
        nobody.verify("PUT", target, headers, body, now=T)
    assert ei.value.result.access_key_id == AKID  # the claimed key, for the log
    other_region = sigv4rs.Verifier("eu-west-1", "s3", lookup, s3=True)
    assert status_of(other_region.verify, "PUT", target, headers, body, now=T) == "WRONG_REGION"
    assert sigv4rs.Verifier("eu-west-1", "s3", lookup, s3=True, skip_region=True).verify(
        "PUT", target, headers, body, now=T)
    other_service = sigv4rs.Verifier("us-east-1", "sqs", lookup, s3=True)
    assert status_of(other_service.verify, "PUT", target, headers, body, now=T) == "WRONG_SERVICE"


def test_clock_skew():
    target, headers, body, _ = signed_put()
    v = s3_verifier()
    for now in (T - 900, T + 900):
        assert v.verify("PUT", target, headers, body, now=now)
    for now in (T - 901, T + 901, datetime.datetime(2023, 11, 15)):
        assert status_of(v.verify, "PUT", target, headers, body, now=now) == "CLOCK_SKEW"
    assert status_of(s3_verifier(max_skew=60).verify, "PUT", target, headers, body, now=T + 61) == "CLOCK_SKEW"
    assert s3_verifier(skip_clock_skew=True).verify("PUT", target, headers, body, now=T + 86400)
    assert s3_verifier(skip=sigv4rs.VERIFY_SKIP_CLOCK_SKEW).verify("PUT", target, headers, body, now=T + 86400)


def test_other_services_sign_the_body():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "execute-api")
    body = b'{"a": 1}'
    out = s.sign("POST", "https://%s/prod/items" % HOST, {"Content-Type": "application/json"}, body=body, time=T)
    assert "X-Amz-Content-SHA256" not in out
    headers = received(out, [("Content-Type", "application/json")])
    v = sigv4rs.Verifier("us-east-1", "execute-api", lookup)
    assert v.verify("POST", "/prod/items", headers, body, now=T)
    assert v.verify("POST", "/prod/items", headers, payload_hash=hashlib.sha256(body).hexdigest(), now=T)
    assert status_of(v.verify, "POST", "/prod/items", headers, body + b" ", now=T) == "SIGNATURE_MISMATCH"
    assert status_of(v.verify, "POST", "/prod/items", headers, None, now=T) == "PAYLOAD_REQUIRED"


def test_repeated_headers_are_kept():
    s = sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True)
    target, headers, body, _ = signed_put(s, extra=[("X-Amz-Meta-Tag", "a"), ("X-Amz-Meta-Tag", "b")])
    v = s3_verifier()
    assert v.verify("PUT", target, headers, body, now=T)
    one = [p for p in headers if p != ("X-Amz-Meta-Tag", "b")]
    assert status_of(v.verify, "PUT", target, one, body, now=T) == "SIGNATURE_MISMATCH"


def test_unparseable_request_is_a_verification_error():
    target, headers, body, _ = signed_put()
    with pytest.raises(E.VerificationError) as ei:
        s3_verifier().verify("PUT", target, headers + [("Bad Name", "x")], body, now=T)
    assert isinstance(ei.value, E.InvalidHeaderNameError) and isinstance(ei.value, ValueError)
    assert ei.value.field == "header_name" and ei.value.index == len(headers)


# --- the lookup ------------------------------------------------------------


def test_lookup_exception_is_lookup_failed_with_its_cause():
    def broken(akid):
        raise ConnectionError("secret store unreachable")

    target, headers, body, _ = signed_put()
    with pytest.raises(E.LookupFailedError) as ei:
        sigv4rs.Verifier("us-east-1", "s3", broken, s3=True).verify("PUT", target, headers, body, now=T)
    assert isinstance(ei.value.__cause__, ConnectionError)
    assert ei.value.result.access_key_id == AKID


@pytest.mark.parametrize("answer,status", [
    (None, "UNKNOWN_ACCESS_KEY"),
    (E.UnknownAccessKeyError("no such key", 222), "UNKNOWN_ACCESS_KEY"),
    ("", "LOOKUP_FAILED"),
    ("x" * (sigv4rs._abi.MAX_SECRET_KEY_LEN + 1), "LOOKUP_FAILED"),
    ((SECRET, "t" * (sigv4rs._abi.MAX_SESSION_TOKEN_LEN + 1)), "LOOKUP_FAILED"),
    ((SECRET, TOKEN, "extra"), "LOOKUP_FAILED"),
    (42, "LOOKUP_FAILED"),
])
def test_lookup_answers(answer, status):
    def lk(akid):
        if isinstance(answer, Exception):
            raise answer
        return answer

    target, headers, body, _ = signed_put()
    v = sigv4rs.Verifier("us-east-1", "s3", lk, s3=True)
    assert status_of(v.verify, "PUT", target, headers, body, now=T) == status


def test_lookup_gets_the_key_id_and_bytearray_secret_works():
    seen = []
    secret = bytearray(SECRET.encode())

    def lk(akid):
        seen.append(akid)
        return secret

    target, headers, body, _ = signed_put()
    assert sigv4rs.Verifier("us-east-1", "s3", lk, s3=True).verify("PUT", target, headers, body, now=T)
    assert seen == [AKID]


def test_keyboard_interrupt_in_lookup_is_not_swallowed():
    def lk(akid):
        raise KeyboardInterrupt

    target, headers, body, _ = signed_put()
    with pytest.raises(KeyboardInterrupt):
        sigv4rs.Verifier("us-east-1", "s3", lk, s3=True).verify("PUT", target, headers, body, now=T)


def test_configuration_errors_are_not_verification_errors():
    for kw in (dict(region=""), dict(service="")):
        args = dict(region="us-east-1", service="s3")
        args.update(kw)
        with pytest.raises(sigv4rs.Error) as ei:
            sigv4rs.Verifier(args["region"], args["service"], lookup)
        assert not isinstance(ei.value, E.VerificationError)
    with pytest.raises(E.InvalidArgumentError):
        sigv4rs.Verifier("us-east-1", "s3", lookup, max_skew=0)
    with pytest.raises(E.InvalidArgumentError):
        sigv4rs.Verifier("us-east-1", "s3", lookup, skip=1 << 20)
    with pytest.raises(TypeError):
        sigv4rs.Verifier("us-east-1", "s3", "not callable")


# --- the secret is never shown -----------------------------------------------


def test_secret_never_shown():
    target, headers, body, _ = signed_put()
    good, wrong = s3_verifier(), sigv4rs.Verifier("us-east-1", "s3", {AKID: SECRET + "x"}, s3=True)
    r = good.verify("PUT", target, headers, body, now=T, canonical_request=True)
    shown = [repr(good), str(wrong), repr(r), str(r)]
    for v in (good, wrong):
        for _, change, _ in TAMPER:
            t2, h2, b2 = change(target, headers, body)
            try:
                v.verify("PUT", t2, h2, b2, now=T, canonical_request=True)
            except E.VerificationError as e:
                shown += [str(e), repr(e), repr(e.result), repr(vars(e)),
                          "".join(traceback.format_exception(type(e), e, e.__traceback__))]
    text = "\n".join(shown)
    assert AKID in text and "x-amz-meta-colour" in text  # the check reads real output
    assert SECRET not in text and SECRET[:12] not in text


# --- botocore-signed requests ---------------------------------------------------


def test_botocore_signed_requests_verify(monkeypatch, summary):
    botocore = pytest.importorskip("botocore")
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    when = datetime.datetime(2023, 11, 14, 22, 13, 20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda remove_tzinfo=True: when if remove_tzinfo else when.replace(
                            tzinfo=datetime.timezone.utc))
    creds = Credentials(AKID, SECRET)
    temp = Credentials("AKIDTEMP", SECRET, TOKEN)
    cases = [
        # (auth class, service, verifier kw, method, url, headers, body)
        (botocore.auth.S3SigV4Auth, "s3", dict(s3=True), "PUT", "https://%s/a/b%%20c.txt?tagging=" % HOST,
         {"Content-Type": "text/plain"}, b"data"),
        (botocore.auth.SigV4Auth, "sqs", {}, "POST", "https://%s/" % HOST,
         {"Content-Type": "application/x-www-form-urlencoded"}, b"Action=ListQueues&Version=2012-11-05"),
        (botocore.auth.SigV4Auth, "execute-api", {}, "GET", "https://%s/prod/x?b=2&a=1" % HOST, {}, b""),
    ]
    count = 0
    for cls, service, kw, method, url, hs, body in cases:
        for c in (creds, temp):
            req = AWSRequest(method=method, url=url, headers=dict(hs), data=body)
            cls(c, service, "us-east-1").add_auth(req)
            target = url[len("https://" + HOST):]
            headers = [("Host", HOST)] + list(req.headers.items())
            v = sigv4rs.Verifier("us-east-1", service, lookup, **kw)
            r = v.verify(method, target, headers, body, now=T)
            assert r.access_key_id == c.access_key and r.signed_at == T
            assert status_of(v.verify, method, target, headers, body + b"!", now=T) in (
                "SIGNATURE_MISMATCH", "PAYLOAD_MISMATCH")
            count += 1
    # A botocore presigned S3 URL.
    req = AWSRequest(method="GET", url="https://%s/a/key" % HOST)
    botocore.auth.S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=300).add_auth(req)
    target = req.url[len("https://" + HOST):]
    v = s3_verifier()
    assert v.verify("GET", target, [("Host", HOST)], None, now=T + 10).form == "query"
    assert status_of(v.verify, "GET", target, [("Host", HOST)], None, now=T + 301) == "REQUEST_EXPIRED"
    assert count == 6
    summary("python verify: botocore %s signed 7/7 verified (S3SigV4Auth, SigV4Auth sqs and execute-api, long-term "
            "and temporary keys; S3SigV4QueryAuth), each changed body and the expired presign refused"
            % botocore.__version__)


def test_readme_example_runs(capsys):
    import os

    with open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8") as f:
        text = f.read()
    code = re.search(r"## Verifying requests\n.*?```python\n(.*?)```", text, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == "AKIDEXAMPLE ('host', 'x-amz-date')\nSIGNATURE_MISMATCH AKIDEXAMPLE\n"


def test_callback_lives_with_the_verifier_and_errors_stay_on_their_thread():
    import concurrent.futures
    import gc

    def make():
        def lk(akid):
            if akid == "AKIDBROKEN":
                raise ConnectionError("broken " + akid)
            return SECRET

        return sigv4rs.Verifier("us-east-1", "s3", lk, s3=True)

    v = make()
    gc.collect()  # only the Verifier holds the lookup and its C callback now
    good = signed_put()
    bad = signed_put(sigv4rs.Signer("AKIDBROKEN", SECRET, "us-east-1", "s3", s3=True))

    def one(i):
        target, headers, body, _ = bad if i % 2 else good
        try:
            v.verify("PUT", target, headers, body, now=T)
            return "ok", None
        except E.LookupFailedError as e:
            return e.status, str(e.__cause__)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(one, range(200)))
    assert got == [("LOOKUP_FAILED", "broken AKIDBROKEN") if i % 2 else ("ok", None) for i in range(200)]


def test_lookup_failure_tracebacks_hold_no_secret():
    """A secret the library refuses (too long): the error's cause carries
    no frame whose locals hold it (`capture_locals`, as error trackers do)."""
    long_secret = "L0ngSecret/" * 1500  # over the secret and the token capacities

    def attempt(v):  # a frame of its own: the test's locals hold the secret
        target, headers, body, _ = signed_put()
        try:
            v.verify("PUT", target, headers, body, now=T)
        except E.LookupFailedError as e:
            return e

    for answer in (long_secret, (SECRET, long_secret), (long_secret, TOKEN, 1)):
        e = attempt(sigv4rs.Verifier("us-east-1", "s3", lambda k, a=answer: a, s3=True))
        assert e.__cause__ is not None
        text = "".join(traceback.TracebackException(type(e), e, e.__traceback__, capture_locals=True).format())
        assert "is too long" in text or "-tuple" in text
        assert "L0ngSecret" not in text and SECRET not in text
