"""SigV4a both ways against AWS's CRT (awscrt: aws-c-auth): seeded random
requests signed by awscrt.auth.aws_sign_request (V4_ASYMMETRIC, header and
query form) and by the binding, then

(a) everything but the signature equal: the headers added (Authorization up
    to `Signature=`, X-Amz-Date, X-Amz-Region-Set, X-Amz-Security-Token)
    or the presigned URL's parameters;
(b) awscrt's signature verifies over sigv4rs's string to sign, under the
    public key of the SigV4a KDF (tests/v4a_keys.py, from the spec): so
    both strings to sign, and both private keys, are the same (awscrt
    shows neither);
(c) sigv4rs's signature verifies too (awscrt.crypto.EC);
(d) for 1000 random credentials, awscrt's and sigv4rs's signatures of a
    small request both verify under the KDF's key: the same key pair.

ECDSA nonces differ (awscrt's are random), so signatures are verified,
never compared. SIGV4RS_DIFF_V4A_SEED changes the run.
"""

import datetime
import io
import os
import random

import pytest

awscrt = pytest.importorskip("awscrt")
from awscrt import auth, http  # noqa: E402

import sigv4rs  # noqa: E402
from v4a_keys import credentials_key, verifies  # noqa: E402

SEED = int(os.environ.get("SIGV4RS_DIFF_V4A_SEED", "15"))
REQUESTS = 300
CREDENTIALS = 1000

UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
GRAPHIC = "".join(chr(c) for c in range(0x21, 0x7F))
WORD = "abcdefghijklmnopqrstuvwxyz0123456789-_.~"
REGION_SETS = ["us-east-1", "us-east-1,us-west-2", "*", "eu-*", "ap-southeast-2,eu-west-1,us-east-2"]
SERVICES = ["service", "lambda", "execute-api", "iam"]
METHODS = ["GET", "PUT", "POST", "DELETE"]


def text(r, alphabet, n):
    return "".join(r.choice(alphabet) for _ in range(n))


def random_credentials(r):
    akid = "AKIA" + text(r, UPPER_DIGITS, 16)
    # Mostly AWS-shaped secrets; some of any visible ASCII and length.
    secret = text(r, GRAPHIC, r.randint(1, 128)) if r.randrange(4) == 0 else text(r, SECRET, 40)
    return akid, secret


def random_case(r):
    akid, secret = random_credentials(r)
    word = lambda: text(r, WORD, r.randint(1, 8))  # noqa: E731
    return dict(
        akid=akid, secret=secret, token=text(r, SECRET, 64) if r.randrange(3) == 0 else None,
        region_set=r.choice(REGION_SETS), service=r.choice(SERVICES), method=r.choice(METHODS),
        host="%s.example.amazonaws.com" % word(),
        path="".join("/" + word() for _ in range(r.randrange(4))) or "/",
        query="&".join("%s=%s" % (word(), word()) for _ in range(r.randrange(4))),
        headers=[("x-test-%d" % i, word()) for i in range(r.randrange(3))],
        body=text(r, GRAPHIC, r.randrange(64)).encode(),
        time=1440938160 + r.randrange(400000000),
    )


def crt_sign(c, expires=None):
    """awscrt's signed request: (headers it added, its path?query)."""
    target = c["path"] + ("?" + c["query"] if c["query"] else "")
    given = [("host", c["host"])] + c["headers"]
    req = http.HttpRequest(c["method"], target, http.HttpHeaders(given), io.BytesIO(c["body"]))
    cfg = auth.AwsSigningConfig(
        algorithm=auth.AwsSigningAlgorithm.V4_ASYMMETRIC,
        signature_type=(auth.AwsSignatureType.HTTP_REQUEST_HEADERS if expires is None
                        else auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS),
        credentials_provider=auth.AwsCredentialsProvider.new_static(c["akid"], c["secret"], c["token"]),
        region=c["region_set"], service=c["service"],
        date=datetime.datetime.fromtimestamp(c["time"], datetime.timezone.utc),
        expiration_in_seconds=expires,
    )
    signed = auth.aws_sign_request(req, cfg).result()
    headers = list(signed.headers)
    assert headers[: len(given)] == given, headers  # awscrt appends what it adds
    return headers[len(given):], signed.path


def ours(c, signer, expires=None):
    """The binding's (output, string to sign): headers dict or presigned URL."""
    url = "https://%s%s%s" % (c["host"], c["path"], "?" + c["query"] if c["query"] else "")
    args = (c["method"], url)
    kw = dict(headers=c["headers"], body=c["body"], time=c["time"])
    if expires is None:
        return signer.sign(*args, **kw), signer.string_to_sign(*args, **kw)
    return signer.presign(*args, expires, **kw), signer.string_to_sign(*args, presign_expires=expires, **kw)


def split_auth(headers):
    """Header (lower-case name, value) pairs sorted, Authorization cut after
    `Signature=`, and the signature."""
    out, sig = [], None
    for n, v in headers:
        if n.lower() == "authorization":
            v, _, sig = v.partition("Signature=")
            v += "Signature="
        out.append((n.lower(), v))
    return sorted(out), sig


def split_query(target):
    """(path, parameters but X-Amz-Signature sorted, X-Amz-Signature values)."""
    path, _, query = target.partition("?")
    params = query.split("&") if query else []
    sigs = [p.partition("=")[2] for p in params if p.startswith("X-Amz-Signature=")]
    return path, sorted(p for p in params if not p.startswith("X-Amz-Signature=")), sigs


def test_awscrt_v4a_both_ways(summary):
    r = random.Random(SEED)
    failures = []
    same = 0
    for i in range(REQUESTS):
        c = random_case(r)
        expires = r.randint(1, sigv4rs.MAX_EXPIRES)
        where = "case %d (seed %d): %s %s%s?%s" % (i, SEED, c["method"], c["host"], c["path"], c["query"])
        key = credentials_key(c["akid"], c["secret"])
        bad = []
        with sigv4rs.Signer(c["akid"], c["secret"], c["region_set"], c["service"], session_token=c["token"],
                            sigv4a=True) as signer:
            # Header form.
            theirs, _ = crt_sign(c)
            out, sts = ours(c, signer)
            (want, their_sig), (got, our_sig) = split_auth(theirs), split_auth(out.items())
            if want != got:
                bad.append("(a) headers:\n  awscrt  %s\n  sigv4rs %s" % (want, got))
            if not verifies(key, sts, their_sig):
                bad.append("(b) awscrt's header signature over sigv4rs's string to sign")
            if not verifies(key, sts, our_sig):
                bad.append("(c) sigv4rs's header signature")
            # Query form.
            _, their_target = crt_sign(c, expires)
            url, qsts = ours(c, signer, expires)
            scheme_host, our_target = url[: len("https://") + len(c["host"])], url[len("https://") + len(c["host"]):]
            (tpath, tparams, tsigs), (opath, oparams, osigs) = split_query(their_target), split_query(our_target)
            if (scheme_host, opath, oparams) != ("https://" + c["host"], tpath, tparams):
                bad.append("(a) presigned:\n  awscrt  %s\n  sigv4rs %s" % (their_target, url))
            if len(tsigs) != 1 or not verifies(key, qsts, tsigs[0]):
                bad.append("(b) awscrt's query signature over sigv4rs's string to sign")
            if len(osigs) != 1 or not verifies(key, qsts, osigs[0]):
                bad.append("(c) sigv4rs's query signature")
        if bad:
            failures.append("%s\n%s" % (where, "\n".join(bad)))
        else:
            same += 1

    # (d) The key pair: a small request per credential pair.
    keys_same = 0
    small = dict(method="GET", host="example.amazonaws.com", path="/", query="", headers=[], body=b"", token=None,
                 region_set="*", service="service", time=1440938160)
    for i in range(CREDENTIALS):
        c = dict(small)
        c["akid"], c["secret"] = random_credentials(r)
        key = credentials_key(c["akid"], c["secret"])
        with sigv4rs.Signer(c["akid"], c["secret"], "*", "service", sigv4a=True) as signer:
            out, sts = ours(c, signer)
        theirs, _ = crt_sign(c)
        ok = verifies(key, sts, split_auth(theirs)[1]) and verifies(key, sts, split_auth(out.items())[1])
        keys_same += ok
        if not ok:
            failures.append("(d) credentials %d (seed %d, %s): a signature does not verify under the KDF's key"
                            % (i, SEED, c["akid"]))

    summary("python differential v4a (awscrt %s): signed %d/%d both ways, public key %d/%d"
            % (awscrt.__version__, same, REQUESTS, keys_same, CREDENTIALS))
    assert not failures, "%d failures:\n%s" % (len(failures), "\n\n".join(failures[:10]))
