"""Credentials that change under a signer (issue 13): rotation, expiry, a
provider (callable or botocore's RefreshableCredentials) called when they
are absent or within the margin, failures chained as `__cause__`, threads
signing while another rotates, the requests drop-in, and no secret in any
repr, str or log line.

Every expected signature is botocore's (`SigV4Auth`, `SigV4QueryAuth`) for
the credential set that should have been used, at the same fixed time."""

import datetime
import gc
import logging
import os
import subprocess
import sys
import threading
import time

import pytest

import sigv4rs
from sigv4rs import _abi

botocore = pytest.importorskip("botocore")
import botocore.auth  # noqa: E402
import botocore.exceptions  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import (  # noqa: E402
    Credentials as BotoCredentials,
    DeferredRefreshableCredentials,
    RefreshableCredentials,
)

T = 1440938160  # 2015-08-30T12:36:00Z
URL = "https://example.amazonaws.com/a/b?x=1&y=2"
REGION, SERVICE = "us-east-1", "service"
MARGIN = sigv4rs.DEFAULT_REFRESH_MARGIN
# Secrets that must never show up in a repr, str, message or log line.
SECRET_MARK = "S3CR3T"


def utc(secs):
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)


def cred(i, expiration=None, token=True):
    """Credential set i: its own key id, secret and token."""
    return sigv4rs.Credentials("AKIDSET%04d" % i, "%s/secret/%04d/wJalrXUtnFEMI" % (SECRET_MARK, i),
                               "%sTOKEN%04d" % (SECRET_MARK, i) if token else None, expiration)


def boto_sign(c, when, url=URL, expires=None):
    """botocore's headers (X-Amz-Date, X-Amz-Security-Token, Authorization)
    or presigned URL for a GET of `url` at `when` with credentials `c`."""
    creds = BotoCredentials(c.access_key_id, c.secret_access_key, c.session_token)
    now = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=when)
    orig = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: now
    try:
        req = AWSRequest(method="GET", url=url, headers={})
        if expires is None:
            botocore.auth.SigV4Auth(creds, SERVICE, REGION).add_auth(req)
            return {k: req.headers[k] for k in ("X-Amz-Date", "X-Amz-Security-Token", "Authorization")
                    if k in req.headers}
        botocore.auth.SigV4QueryAuth(creds, SERVICE, REGION, expires=expires).add_auth(req)
        return req.url
    finally:
        botocore.auth.get_current_datetime = orig


def assert_signed_with(signer, c, when):
    """`signer` signs at `when` exactly as botocore does with `c`."""
    assert signer.sign("GET", URL, time=when) == boto_sign(c, when)


class Counting:
    """A callable provider returning `sets` in turn (the last one again
    when they run out); `fail` makes it raise instead."""

    def __init__(self, *sets):
        self.sets = list(sets)
        self.calls = 0
        self.fail = None
        self.raised = []

    def __call__(self):
        self.calls += 1
        if self.fail is not None:
            e = self.fail("refresh %d failed (%s)" % (self.calls, "upstream down"))
            self.raised.append(e)
            raise e
        return self.sets[min(self.calls, len(self.sets)) - 1]


def no_secret(text):
    assert SECRET_MARK not in text and "wJalrXUtnFEMI" not in text, text


# --- rotation and expiry ------------------------------------------------------

def test_rotation_signs_as_botocore_with_the_new_credentials():
    a, b, c = cred(1), cred(2), cred(3, token=False)
    with sigv4rs.Signer(a.access_key_id, a.secret_access_key, REGION, SERVICE, session_token=a.session_token) as s:
        assert_signed_with(s, a, T)
        s.rotate(b.access_key_id, b.secret_access_key, b.session_token)
        assert_signed_with(s, b, T)
        assert s.presign("GET", URL, expires=600, time=T) == boto_sign(b, T, expires=600)
        assert (s.access_key_id, s.has_session_token) == (b.access_key_id, True)
        # To long-term keys (no token), bytes accepted as for the constructor.
        s.rotate(c.access_key_id.encode(), c.secret_access_key.encode())
        out = s.sign("GET", URL, time=T + 86400)  # another day: the key is derived for c
        assert out == boto_sign(c, T + 86400) and "X-Amz-Security-Token" not in out
        assert (s.access_key_id, s.has_session_token, s.expiration) == (c.access_key_id, False, None)
        # A refused rotation changes nothing.
        with pytest.raises(sigv4rs.InvalidAccessKeyIdError):
            s.rotate("BAD/KEY", "x")
        with pytest.raises(sigv4rs.InvalidSessionTokenError):
            s.rotate(a.access_key_id, a.secret_access_key, "has space")
        assert_signed_with(s, c, T)
        assert s.access_key_id == c.access_key_id
    with pytest.raises(sigv4rs.ClosedError):
        s.rotate(a.access_key_id, a.secret_access_key)


def test_expiry_raises_credentials_expired_at_expiration():
    a, b = cred(1), cred(2)
    s = sigv4rs.Signer(a.access_key_id, a.secret_access_key, REGION, SERVICE, session_token=a.session_token,
                       expiration=T + 100)
    assert s.expiration == utc(T + 100)
    assert_signed_with(s, a, T + 99)
    for call in (lambda: s.sign("GET", URL, time=T + 100), lambda: s.presign("GET", URL, time=T + 100),
                 lambda: s.sign("GET", URL, time=T + 10 ** 6),
                 lambda: s.sign_streaming("PUT", URL, 3, time=T + 100, body=b"abc")):
        with pytest.raises(sigv4rs.CredentialsExpiredError) as e:
            call()
        err = e.value
        assert err.code == _abi.STATUS_CREDENTIALS_EXPIRED and err.status == "CREDENTIALS_EXPIRED"
        assert "credentials expired at 2015-08-30T12:37:40Z" in str(err)
        assert isinstance(err, sigv4rs.CredentialsError) and err.__cause__ is None and err.field is None
    # A rotation with a later expiry (a datetime, naive = UTC) brings it back.
    s.rotate(b.access_key_id, b.secret_access_key, b.session_token,
             expiration=datetime.datetime(2015, 8, 30, 13, 36))
    assert s.expiration == utc(T + 3600)
    assert_signed_with(s, b, T + 100)
    with pytest.raises(sigv4rs.CredentialsExpiredError):
        s.sign("GET", URL, time=T + 3600)
    s.rotate(b.access_key_id, b.secret_access_key, b.session_token, expiration=None)
    assert s.expiration is None
    assert_signed_with(s, b, T + 10 ** 6)
    # Fixed Credentials with an expiry, as credentials=.
    f = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=cred(3, expiration=utc(T + 60)))
    assert f.expiration == utc(T + 60) and f.access_key_id == "AKIDSET0003"
    assert_signed_with(f, cred(3), T + 59)
    with pytest.raises(sigv4rs.CredentialsExpiredError):
        f.sign("GET", URL, time=T + 60)


@pytest.mark.parametrize("value, exc", [
    ("tomorrow", sigv4rs.ArgumentTypeError),
    (True, sigv4rs.ArgumentTypeError),
    (0, sigv4rs.InvalidTimeError),
    (-5, sigv4rs.InvalidTimeError),
    (253402300800, sigv4rs.InvalidTimeError),
    (float("nan"), sigv4rs.InvalidTimeError),
])
def test_bad_expirations(value, exc):
    with pytest.raises(exc):
        sigv4rs.Signer("AKID", "secret", REGION, SERVICE, expiration=value)
    with sigv4rs.Signer("AKID", "secret", REGION, SERVICE) as s:
        with pytest.raises(exc):
            s.rotate("AKID2", "secret2", expiration=value)
        assert s.access_key_id == "AKID" and s.expiration is None


def test_constructor_forms_are_checked():
    p = Counting(cred(1))
    for kwargs, exc, words in [
        (dict(access_key_id="AKID", credentials=p), sigv4rs.ArgumentTypeError, "access_key_id"),
        (dict(session_token="T", credentials=p), sigv4rs.ArgumentTypeError, "session_token"),
        (dict(expiration=T, credentials=p), sigv4rs.ArgumentTypeError, "expiration"),
        (dict(credentials=42), sigv4rs.ArgumentTypeError, "not int"),
        (dict(credentials=p, margin="300"), sigv4rs.ArgumentTypeError, "margin"),
        (dict(credentials=p, margin=-1), sigv4rs.InvalidArgumentError, "margin"),
        (dict(credentials=p, margin=2 ** 32), sigv4rs.InvalidArgumentError, "margin"),
        (dict(credentials=cred(1), margin=60), sigv4rs.ArgumentTypeError, "margin"),
        (dict(access_key_id="AKID", secret_access_key="s", margin=60), sigv4rs.ArgumentTypeError, "margin"),
        (dict(credentials=p, region=None), sigv4rs.ArgumentTypeError, "region"),
    ]:
        args = dict(region=REGION, service=SERVICE)
        args.update(kwargs)
        with pytest.raises(exc) as e:
            sigv4rs.Signer(**args)
        assert words in str(e.value), (kwargs, str(e.value))
    assert p.calls == 0


def test_error_classes_come_from_the_table():
    for name, code in [("MissingCredentialsError", 140), ("CredentialsExpiredError", 141), ("BusyError", 142)]:
        cls = getattr(sigv4rs, name)
        assert cls.code == code == getattr(_abi, "STATUS_" + cls.status) and name in sigv4rs.__all__
        assert issubclass(cls, sigv4rs.CredentialsError) and issubclass(cls, sigv4rs.Error)
        # Numbered in the input range: ValueErrors, as MissingCredentialsError was in 0.1.
        assert issubclass(cls, sigv4rs.InvalidInputError) and issubclass(cls, ValueError)
    for code, _, camel, _ in _abi.STATUSES[1:]:
        cls = getattr(sigv4rs, camel + "Error")
        assert issubclass(cls, sigv4rs.CredentialsError) == (140 <= code < 150 or 160 <= code < 170), camel
    assert "CredentialsError" in sigv4rs.__all__ and not issubclass(sigv4rs.InvalidUrlError, sigv4rs.CredentialsError)


# --- a callable provider ------------------------------------------------------

def test_provider_called_when_absent_then_within_the_margin_only():
    p = Counting(cred(1, T + 3600), cred(2, T + 7200), cred(3))
    s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=p)
    assert p.calls == 0 and s.access_key_id == "" and not s.has_session_token
    with pytest.raises(sigv4rs.MissingCredentialsError):
        s.expiration  # none yet; asking does not call the provider
    assert p.calls == 0
    assert_signed_with(s, cred(1), T)
    assert p.calls == 1 and s.expiration == utc(T + 3600) and s.access_key_id == "AKIDSET0001"
    for t in (T + 1, T + 1800, T + 3600 - MARGIN - 1):
        assert_signed_with(s, cred(1), t)
    assert p.calls == 1
    # Within the margin: asked again, and the new set signs at once.
    assert_signed_with(s, cred(2), T + 3600 - MARGIN)
    assert p.calls == 2 and s.expiration == utc(T + 7200)
    for t in (T + 3600, T + 7200 - MARGIN - 1):
        assert_signed_with(s, cred(2), t)
    assert s.presign("GET", URL, expires=60, time=T + 3601) == boto_sign(cred(2), T + 3601, expires=60)
    assert p.calls == 2
    # Credentials that do not expire: never asked again.
    assert_signed_with(s, cred(3), T + 7200 - MARGIN)
    assert p.calls == 3 and s.expiration is None
    assert_signed_with(s, cred(3), T + 10 ** 8)
    assert p.calls == 3
    s.close()


def test_margin_is_configurable():
    p = Counting(cred(1, T + 1000), cred(2, T + 5000))
    with sigv4rs.Signer(region=REGION, service=SERVICE, credentials=p, margin=10) as s:
        assert_signed_with(s, cred(1), T)
        assert_signed_with(s, cred(1), T + 989)
        assert p.calls == 1
        assert_signed_with(s, cred(2), T + 990)
        assert p.calls == 2


def test_provider_failure_keeps_old_credentials_then_expired_with_its_exception():
    p = Counting(cred(1, T + 1000), cred(2, T + 9000))
    s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=p)
    assert_signed_with(s, cred(1), T)
    p.fail = ConnectionError
    # Due (within the margin): the provider fails, the old set signs.
    assert_signed_with(s, cred(1), T + 800)
    assert p.calls == 2
    # Not asked again before PROVIDER_RETRY_SECS...
    assert_signed_with(s, cred(1), T + 800 + sigv4rs.PROVIDER_RETRY_SECS - 1)
    assert p.calls == 2
    # ...then again (and it fails again).
    assert_signed_with(s, cred(1), T + 800 + sigv4rs.PROVIDER_RETRY_SECS)
    assert p.calls == 3
    # At the expiry: CredentialsExpiredError caused by the provider's exception.
    with pytest.raises(sigv4rs.CredentialsExpiredError) as e:
        s.sign("GET", URL, time=T + 1000)
    assert p.calls == 4 and e.value.__cause__ is p.raised[-1] and e.value.__suppress_context__
    assert isinstance(e.value.__cause__, ConnectionError) and "refresh 4 failed" in str(e.value.__cause__)
    with pytest.raises(sigv4rs.CredentialsExpiredError) as e:
        s.presign("GET", URL, time=T + 1001)  # within the retry delay: not asked
    assert p.calls == 4 and e.value.__cause__ is p.raised[-1]
    # The provider recovers: the next due call gets a new set.
    p.fail = None
    assert_signed_with(s, cred(2), T + 1000 + sigv4rs.PROVIDER_RETRY_SECS)
    assert p.calls == 5 and s._provider.error is None
    s.close()


def test_provider_failing_from_the_start_is_missing_credentials_with_cause(caplog):
    p = Counting(cred(1))
    p.fail = RuntimeError
    s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=p)
    with caplog.at_level(logging.WARNING, logger="sigv4rs"):
        with pytest.raises(sigv4rs.MissingCredentialsError) as e:
            s.sign("GET", URL, time=T)
    assert p.calls == 1 and isinstance(e.value.__cause__, RuntimeError) and e.value.__cause__ is p.raised[0]
    assert "credentials provider" in caplog.text and "RuntimeError" in caplog.text
    with pytest.raises(sigv4rs.MissingCredentialsError):
        s.expiration


@pytest.mark.parametrize("returned, cause, words", [
    (("AKID", "%s-secret" % SECRET_MARK), sigv4rs.ArgumentTypeError, "must return sigv4rs.Credentials, not tuple"),
    (None, sigv4rs.ArgumentTypeError, "not NoneType"),
    (sigv4rs.Credentials("BAD KEY", "%s-secret" % SECRET_MARK), sigv4rs.InvalidAccessKeyIdError, "access key id"),
    (sigv4rs.Credentials("AKID", ""), sigv4rs.InvalidSecretKeyError, "secret key"),
    (sigv4rs.Credentials("AKID", "%s-secret" % SECRET_MARK, "bad token"), sigv4rs.InvalidSessionTokenError,
     "session token"),
    (sigv4rs.Credentials("AKIDOLD", "%s-secret" % SECRET_MARK, None, T), sigv4rs.CredentialsExpiredError,
     "expired at 2015-08-30T12:36:00Z"),
    (sigv4rs.Credentials(42, "%s-secret" % SECRET_MARK), sigv4rs.ArgumentTypeError, "access_key_id"),
    (sigv4rs.Credentials("AKID", "%s-secret" % SECRET_MARK, None, "soon"), sigv4rs.ArgumentTypeError,
     "expiration"),
])
def test_what_a_provider_returns_is_checked(returned, cause, words):
    calls = []
    s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=lambda: calls.append(1) or returned)
    with pytest.raises(sigv4rs.MissingCredentialsError) as e:
        s.sign("GET", URL, time=T)
    assert len(calls) == 1 and type(e.value.__cause__) is cause and words in str(e.value.__cause__)
    no_secret(str(e.value.__cause__) + repr(e.value.__cause__) + str(e.value))


def test_the_same_set_again_is_not_asked_for_on_every_call():
    p = Counting(cred(1, T + 1000))  # always the same set
    with sigv4rs.Signer(region=REGION, service=SERVICE, credentials=p) as s:
        assert_signed_with(s, cred(1), T)
        assert_signed_with(s, cred(1), T + 800)  # due: asked, the same set comes back
        assert p.calls == 2
        assert_signed_with(s, cred(1), T + 805)  # retried only after PROVIDER_RETRY_SECS
        assert p.calls == 2
        assert_signed_with(s, cred(1), T + 810)
        assert p.calls == 3 and "the same credentials (AKIDSET0001) again" in str(s._provider.error)
        with pytest.raises(sigv4rs.CredentialsExpiredError) as e:
            s.sign("GET", URL, time=T + 1000)
        # Asked once more: what it returns has expired by now.
        assert p.calls == 4 and "the credentials it returned (AKIDSET0001) expired at" in str(e.value.__cause__)


def test_a_call_that_is_no_longer_due_does_not_ask():
    # A thread that saw the old set due can reach the provider just after
    # another thread refreshed it (the C check is not repeated under the
    # switch); the binding answers it without asking.
    p = Counting(cred(1, T + 1000), cred(2, T + 5000))
    with sigv4rs.Signer(region=REGION, service=SERVICE, credentials=p) as s:
        assert_signed_with(s, cred(1), T)
        cb = s._provider.cfunc
        assert cb(None, T + 10, None) != _abi.STATUS_OK and p.calls == 1  # fresh: not asked, no put
        assert s._provider.error is None
        assert_signed_with(s, cred(2), T + 700)
        assert cb(None, T + 4699, None) != _abi.STATUS_OK and p.calls == 2


def test_rotate_resets_what_the_provider_put():
    p = Counting(cred(1, T + 1000), cred(2, T + 9000))
    with sigv4rs.Signer(region=REGION, service=SERVICE, credentials=p) as s:
        assert_signed_with(s, cred(1), T)
        s.rotate(cred(3).access_key_id, cred(3).secret_access_key, cred(3).session_token, expiration=T + 100)
        assert s.access_key_id == "AKIDSET0003" and s.expiration == utc(T + 100)
        # Due (within the margin): the provider is asked at once, although
        # the set it put last is still fresh.
        assert_signed_with(s, cred(2), T + 1)
        assert p.calls == 2 and s.access_key_id == "AKIDSET0002"


def test_rotate_from_inside_the_provider_is_busy_at_once():
    results = []

    def provider():
        t0 = time.monotonic()
        try:
            s.rotate("AKIDINNER", "secret")
        except sigv4rs.BusyError as e:
            results.append((time.monotonic() - t0, str(e)))
        return cred(1, T + 3600)

    s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=provider)
    assert_signed_with(s, cred(1), T)
    (elapsed, msg), = results
    assert elapsed < 1 and "inside this signer's own credentials provider" in msg
    assert isinstance(sigv4rs.BusyError("x"), sigv4rs.CredentialsError)


def test_the_callback_lives_as_long_as_the_signer():
    # In a child process: a broken lifetime would crash it, not pytest.
    code = r"""
import gc, sigv4rs
T = 1440938160
def make():
    n = [0]
    def provider():
        n[0] += 1
        return sigv4rs.Credentials("AKID%d" % n[0], "secret", None, T + 1000 * n[0])
    return sigv4rs.Signer(region="us-east-1", service="s3", credentials=provider, margin=0)
s = make()  # nothing but the signer refers to the provider now
gc.collect()
for i in range(2000):
    gc.collect() if i % 100 == 0 else None
    a = s.sign("GET", "https://h/", time=T + i)["Authorization"]
    assert ("Credential=AKID%d/" % (i // 1000 + 1)) in a, (i, a)
s.close()
assert s._provider is None  # released with the C signer
print("ok", a.split("Credential=")[1].split("/")[0])
"""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0 and r.stdout.split() == ["ok", "AKID2"], (r.returncode, r.stdout, r.stderr)


# --- botocore's RefreshableCredentials ------------------------------------------

class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return utc(self.t)


def refresher(clock, lifetime=3600):
    """A refresh function as botocore's fetchers give (metadata dict), and
    the sigv4rs.Credentials of each set it returned."""
    sets = []

    def refresh():
        i = 100 + len(sets)
        c = cred(i)
        sets.append(c)
        return {"access_key": c.access_key_id, "secret_key": c.secret_access_key, "token": c.session_token,
                "expiry_time": utc(clock.t + lifetime).isoformat()}

    return refresh, sets


def test_botocore_refreshable_credentials_as_provider():
    clock = Clock(T)
    refresh, sets = refresher(clock)
    first = cred(99)
    # Short-lived initial credentials: 1000 s, outside botocore's own
    # windows (15 and 10 minutes), inside neither until the signer's margin.
    rc = RefreshableCredentials(first.access_key_id, first.secret_access_key, first.session_token,
                                utc(T + 1000), refresh, "test", time_fetcher=clock)
    s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=rc)
    assert_signed_with(s, first, T)
    assert s.expiration == utc(T + 1000) and not sets
    clock.t = T + 1000 - MARGIN - 1
    assert_signed_with(s, first, clock.t)
    assert not sets
    # Within the margin: the signer asks, botocore refreshes (mandatory window).
    clock.t = T + 1000 - MARGIN
    out = s.sign("GET", URL, time=clock.t)
    assert len(sets) == 1 and out == boto_sign(sets[0], clock.t)
    assert s.expiration == utc(clock.t + 3600) and s.access_key_id == sets[0].access_key_id
    # And again an hour later.
    clock.t += 3600 - MARGIN
    assert_signed_with(s, sets[0], clock.t - 1)
    out = s.sign("GET", URL, time=clock.t)
    assert len(sets) == 2 and out == boto_sign(sets[1], clock.t)
    # botocore's refresh failing in its mandatory window: the old set signs
    # until it expires, then the error chains botocore's exception.
    clock.t += 3600 - MARGIN

    def broken():
        raise botocore.exceptions.CredentialRetrievalError(provider="test", error_msg="IMDS unreachable")

    rc._refresh_using = broken
    assert_signed_with(s, sets[1], clock.t)
    clock.t += MARGIN
    with pytest.raises(sigv4rs.CredentialsExpiredError) as e:
        s.sign("GET", URL, time=clock.t)
    assert "IMDS unreachable" in str(e.value.__cause__)
    s.close()


def test_botocore_deferred_and_plain_credentials():
    clock = Clock(T)
    refresh, sets = refresher(clock, lifetime=900)
    d = DeferredRefreshableCredentials(refresh, "test", time_fetcher=clock)
    with sigv4rs.Signer(region=REGION, service=SERVICE, credentials=d) as s:
        assert not sets
        assert_signed_with(s, cred(100), T)  # the first set refresh() returns
        assert len(sets) == 1 and s.expiration == utc(T + 900)
        clock.t = T + 900 - MARGIN
        out = s.sign("GET", URL, time=clock.t)
        assert len(sets) == 2 and out == boto_sign(sets[1], clock.t)
    # botocore's plain Credentials: fixed, read once.
    b = BotoCredentials(cred(7).access_key_id, cred(7).secret_access_key, cred(7).session_token)
    with sigv4rs.Signer(region=REGION, service=SERVICE, credentials=b) as s:
        assert_signed_with(s, cred(7), T)
        assert s.expiration is None


# --- threads ------------------------------------------------------------------

def test_threads_sign_while_the_main_thread_rotates(summary):
    sets = [cred(i) for i in range(1, 13)]
    want = {c.access_key_id: boto_sign(c, T) for c in sets}
    s = sigv4rs.Signer(sets[0].access_key_id, sets[0].secret_access_key, REGION, SERVICE,
                       session_token=sets[0].session_token)
    stop = threading.Event()
    seen, bad, counts, errors = set(), [], [0] * 8, []

    def signer_thread(k):
        try:
            while not stop.is_set():
                out = s.sign("GET", URL, time=T)
                akid = out["Authorization"].split("Credential=")[1].split("/")[0]
                if out != want.get(akid):
                    bad.append(out)
                seen.add(akid)
                counts[k] += 1
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=signer_thread, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    rotations = 0
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline or rotations < 200:
        c = sets[rotations % len(sets)]
        s.rotate(c.access_key_id, c.secret_access_key, c.session_token)
        rotations += 1
        if rotations % 8 == 0:
            time.sleep(0)
    stop.set()
    for th in threads:
        th.join(30)
    s.close()
    total = sum(counts)
    assert not errors and not bad, (errors, bad[:3])
    assert all(counts) and len(seen) >= 2, (counts, seen)
    summary("python credentials: rotation %d signatures verified (8 threads, %d rotations, %d sets seen)"
            % (total, rotations, len(seen)))


def test_threads_share_one_refresh(summary):
    gate = threading.Event()
    sets = [cred(1, T + 1000), cred(2, T + 5000)]
    calls, opened = [], []

    def provider():
        calls.append(threading.get_ident())
        if len(calls) > 1:
            # Hold the refresh until the other threads have signed 50 times
            # each: no lock may keep them waiting for it.
            opened.append(gate.wait(5))
        return sets[min(len(calls), 2) - 1]

    s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=provider)
    assert_signed_with(s, cred(1), T)
    want = {c.access_key_id: boto_sign(c, T + 800) for c in sets}
    bad, seen = [], set()

    def worker():
        for i in range(300):
            out = s.sign("GET", URL, time=T + 800)  # due: the old set within the margin
            akid = out["Authorization"].split("Credential=")[1].split("/")[0]
            seen.add(akid)
            if out != want[akid]:
                bad.append(out)
            if i == 50:
                gate.set()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not bad and len(calls) == 2 and opened == [True], (len(calls), opened, bad[:2])
    # While the refresh ran, the old set signed; then the new one.
    assert seen == set(want) and s.sign("GET", URL, time=T + 800) == want[sets[1].access_key_id]
    s.close()
    summary("python credentials: refresh single-flight ok (8 threads x 300 signatures, 1 refresh)")


# --- the requests drop-in -------------------------------------------------------

def test_requests_drop_in_takes_credentials():
    requests = pytest.importorskip("requests")
    from sigv4rs.requests_auth import SigV4Auth

    p = Counting(cred(1, T + 1000), cred(2, T + 9000))
    now = [T]
    auth = SigV4Auth(credentials=p, region=REGION, service=SERVICE, clock=lambda: now[0])

    def signed():
        r = auth(requests.Request("GET", URL).prepare())
        return {k: r.headers[k] for k in ("X-Amz-Date", "X-Amz-Security-Token", "Authorization")}

    def plain(c):
        # The same request through the key-pair form (tested against
        # requests-aws4auth elsewhere).
        r = SigV4Auth(c.access_key_id, c.secret_access_key, REGION, SERVICE, session_token=c.session_token,
                      clock=lambda: now[0])(requests.Request("GET", URL).prepare())
        return {k: r.headers[k] for k in ("X-Amz-Date", "X-Amz-Security-Token", "Authorization")}

    assert signed() == plain(cred(1)) and p.calls == 1
    now[0] = T + 800
    assert signed() == plain(cred(2)) and p.calls == 2
    assert auth.signer is auth.signer and auth.signer.access_key_id == "AKIDSET0002"
    # botocore's RefreshableCredentials through credentials= too.
    clock = Clock(T)
    refresh, sets = refresher(clock)
    rc = RefreshableCredentials("AKIDFIRST", "%s-first" % SECRET_MARK, None, utc(T + 100), refresh, "test",
                                time_fetcher=clock)
    a2 = SigV4Auth(credentials=rc, region=REGION, service=SERVICE, clock=lambda: clock.t, margin=60)
    r = a2(requests.Request("GET", URL).prepare())
    assert len(sets) == 1 and sets[0].access_key_id in r.headers["Authorization"]  # botocore refreshed (<10 min)
    for kwargs, words in [(dict(access_key="AKID"), "access_key"),
                          (dict(refreshable_credentials=rc), "refreshable_credentials"),
                          (dict(credentials=None, margin=60), "margin")]:
        args = dict(credentials=p, region=REGION, service=SERVICE)
        args.update(kwargs)
        with pytest.raises(sigv4rs.ArgumentTypeError) as e:
            SigV4Auth(**args)
        assert words in str(e.value)
    auth.close()
    a2.close()


# --- secrets ------------------------------------------------------------------

def test_no_secret_in_repr_str_errors_or_logs(caplog):
    c = cred(1, T + 1000)
    texts = [repr(c), str(c), repr(cred(2))]
    assert repr(c) == "Credentials(access_key_id='AKIDSET0001', expiration=%d)" % (T + 1000)
    p = Counting(c)
    s = sigv4rs.Signer(region=REGION, service=SERVICE, credentials=p)
    texts.append(repr(s))
    s.sign("GET", URL, time=T)
    texts += [repr(s), str(s)]
    f = sigv4rs.Signer(c.access_key_id, c.secret_access_key, REGION, SERVICE, session_token=c.session_token,
                       expiration=T + 10)
    texts += [repr(f), str(f)]
    p.fail = ValueError
    errs = []
    with caplog.at_level(logging.DEBUG, logger="sigv4rs"):
        s.sign("GET", URL, time=T + 900)
        for call in (lambda: s.sign("GET", URL, time=T + 1000), lambda: f.sign("GET", URL, time=T + 10),
                     lambda: f.rotate(c.access_key_id, c.secret_access_key, "bad token"),
                     lambda: f.rotate("BAD KEY", c.secret_access_key)):
            with pytest.raises(sigv4rs.Error) as e:
                call()
            errs.append(e.value)
    for e in errs:
        texts += [str(e), repr(e), e.message, str(e.__cause__), repr(e.__cause__)]
    texts.append(caplog.text)
    assert "credentials provider" in caplog.text
    for text in texts:
        no_secret(text)
    s.close()
    f.close()
    gc.collect()


def test_rotate_json_reads_a_container_document():
    """A container/IMDS credentials document signs as the same credentials
    given to rotate(); a refused document changes nothing."""
    doc = (b'{"AccessKeyId":"ASIAJSONEXAMPLE","SecretAccessKey":"json/secret+key",'
           b'"Token":"tok-json","Expiration":"2030-01-02T03:04:05Z"}')
    exp = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    t = int(exp.timestamp()) - 600
    with sigv4rs.Signer("AKIDOLD", "old", "us-east-1", "sts") as s, \
            sigv4rs.Signer("AKIDOLD", "old", "us-east-1", "sts") as ref:
        s.rotate_json(doc)
        ref.rotate("ASIAJSONEXAMPLE", "json/secret+key", "tok-json", expiration=exp)
        assert s.expiration == exp and s.has_session_token
        assert s.sign("GET", "https://sts.amazonaws.com/", time=t) == ref.sign("GET", "https://sts.amazonaws.com/", time=t)
        for bad in (b"", b"{}", b'{"AccessKeyId":"A"}', b"<xml/>"):
            with pytest.raises(sigv4rs.InvalidCredentialsDocumentError):
                s.rotate_json(bad)
        with pytest.raises(sigv4rs.ArgumentTypeError):
            s.rotate_json(None)  # type: ignore[arg-type]
        assert s.expiration == exp
