#!/usr/bin/env python3
"""W1 of /work/shared/bench/WORKLOADS.md through the Python binding, botocore
and requests-aws4auth, in one run: microseconds per signature (best of
several rounds; shared machines are noisy, compare within a run).

W1: S3 GET https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026
with `range: bytes=0-9`, the session token, at 2015-08-30T12:36:00Z.

    python bench/bench.py [--rounds 10] [--seconds 0.2]
"""

import argparse
import ctypes
import datetime
import hashlib
import hmac
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import sigv4rs  # noqa: E402
from sigv4rs import _ffi  # noqa: E402

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUu"
    "wthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQc"
    "HNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/o"
    "LxBA=="
)
URL = "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026"
HEADERS = {"range": "bytes=0-9"}
T = 1440938160
FIXED = datetime.datetime(2015, 8, 30, 12, 36, 0)


def measure(fn, rounds, seconds):
    """Best µs per call over `rounds` rounds of about `seconds` each."""
    n = 1
    while True:  # calibrate
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt > seconds / 4:
            break
        n *= 2
    n = max(1, int(n * seconds / dt))
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def binding_cases():
    signer = sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True, session_token=TOKEN)

    def reuse():
        return signer.sign("GET", URL, HEADERS, time=T)

    def fresh():
        with sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True, session_token=TOKEN) as s:
            return s.sign("GET", URL, HEADERS, time=T)

    # The packed C call alone on a prebuilt buffer and spans, as Signer.sign
    # makes it: what ctypes and the library cost without the binding's
    # Python-side conversions.
    lib = _ffi.load()
    parts = [b"GET", URL.encode(), b"", b"", b"", b""] + [x.encode() for kv in HEADERS.items() for x in kv]
    spans, o = [], 0
    for p in parts:
        spans += (o, len(p))
        o += len(p)
    data = b"".join(parts)
    packed = struct.pack("=%dI" % len(spans), *spans)
    buf = ctypes.create_string_buffer(2048)
    n = ctypes.c_size_t()
    size = ctypes.c_size_t.from_param
    args = (signer._ptr, data, ctypes.c_size_t(o), packed, size(len(spans)), 0, ctypes.c_int64(T), 0, 0,
            ctypes.byref(buf), size(2048), ctypes.byref(n), None, size(0))
    fn = lib.sign_packed_unchecked

    def raw():
        return fn(*args)

    assert raw() == 0
    return signer, reuse, fresh, raw


def verify_cases(signer):
    """W1 as a server receives it, through Verifier.verify (the lookup a
    dict's get) and begin/finish; checked to verify, and a tampered copy
    to be refused, before timing."""
    out = signer.sign("GET", URL, HEADERS, time=T)
    target = URL[len("https://examplebucket.s3.amazonaws.com"):]
    headers = [("Host", "examplebucket.s3.amazonaws.com")] + list(HEADERS.items()) + list(out.items())
    v = sigv4rs.Verifier("us-east-1", "s3", {AKID: (SECRET, TOKEN)}.get, s3=True)
    assert v.verify("GET", target, headers, b"", now=T).access_key_id == AKID
    try:
        v.verify("GET", target + "x", headers, b"", now=T)
        raise AssertionError("a tampered W1 verified")
    except sigv4rs.SignatureMismatchError:
        pass

    def verify():
        return v.verify("GET", target, headers, b"", now=T)

    def begin_finish():
        return v.begin("GET", target, headers, now=T).finish()

    return verify, begin_finish


def botocore_cases():
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: FIXED
    creds = Credentials(AKID, SECRET, TOKEN)
    s3 = botocore.auth.S3SigV4Auth(creds, "s3", "us-east-1")
    v4 = botocore.auth.SigV4Auth(creds, "s3", "us-east-1")

    def run(auth):
        def f():
            req = AWSRequest(method="GET", url=URL, headers=HEADERS)
            auth.add_auth(req)
            return req.headers["Authorization"]
        return f

    def request_only():
        return AWSRequest(method="GET", url=URL, headers=HEADERS)

    return run(s3), run(v4), request_only, botocore.__version__


def requests_cases():
    import requests
    import requests_aws4auth
    from requests_aws4auth import AWS4Auth

    from sigv4rs.requests_auth import SigV4Auth

    base = requests.Request("GET", URL, headers={"Range": "bytes=0-9", "X-Amz-Date": "20150830T123600Z"}).prepare()
    aws4 = AWS4Auth(AKID, SECRET, "us-east-1", "s3", "20150830", session_token=TOKEN)  # key for the fixed day
    ours = SigV4Auth(AKID, SECRET, "us-east-1", "s3", session_token=TOKEN, clock=lambda: T)

    def run(auth):
        def f():
            return auth(base.copy()).headers["Authorization"]
        return f

    def copy_only():
        return base.copy()

    return run(ours), run(aws4), copy_only, requests_aws4auth.__version__


def floor():
    """Python's own crypto for one W1 signature with a cached key: SHA-256 of
    the canonical request + HMAC-SHA256 of the string to sign."""
    creq = ("GET\n/test.txt\nlist-type=2&prefix=photos%2F2026\nhost:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\nx-amz-content-sha256:" + hashlib.sha256(b"").hexdigest() +
            "\nx-amz-date:20150830T123600Z\nx-amz-security-token:" + TOKEN +
            "\n\nhost;range;x-amz-content-sha256;x-amz-date;x-amz-security-token\n" +
            hashlib.sha256(b"").hexdigest()).encode()
    key = b"k" * 32

    def f():
        sts = b"AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/s3/aws4_request\n" + \
            hashlib.sha256(creq).hexdigest().encode()
        return hmac.new(key, sts, hashlib.sha256).hexdigest()

    return f


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=0.2, help="time per round")
    a = ap.parse_args()

    signer, reuse, fresh, raw = binding_cases()
    b_s3, b_v4, b_req, boto_v = botocore_cases()
    r_ours, r_aws4, r_copy, aws4_v = requests_cases()
    verify, begin_finish = verify_cases(signer)

    # Same signature from the binding and botocore's S3 signer.
    mine = reuse()["Authorization"]
    assert mine == b_s3(), "binding and botocore S3SigV4Auth disagree on W1"
    assert r_ours() == mine

    rows = [
        ("sigv4rs binding  Signer.sign, reuse", reuse),
        ("sigv4rs binding  Signer.sign, fresh signer each time", fresh),
        ("sigv4rs binding  bare packed C call via ctypes (prebuilt input)", raw),
        ("botocore %s S3SigV4Auth.add_auth (incl. AWSRequest)" % boto_v, b_s3),
        ("botocore %s SigV4Auth.add_auth (incl. AWSRequest)" % boto_v, b_v4),
        ("  (botocore AWSRequest construction alone)", b_req),
        ("requests: sigv4rs SigV4Auth(PreparedRequest) (incl. copy)", r_ours),
        ("requests: requests-aws4auth %s AWS4Auth (incl. copy)" % aws4_v, r_aws4),
        ("  (PreparedRequest.copy alone)", r_copy),
        ("python crypto floor (hashlib sha256 + hmac, cached key)", floor()),
        ("sigv4rs binding  Verifier.verify (W1 as received)", verify),
        ("sigv4rs binding  Verifier.begin + BodyVerifier.finish (W1, empty body)", begin_finish),
    ]
    print("W1 (S3 GET, range, session token, fixed time) on %s, Python %s, library %s"
          % (os.uname().machine, sys.version.split()[0], sigv4rs.version()))
    print("best of %d rounds x %.2fs; microseconds per signature" % (a.rounds, a.seconds))
    results = {}
    for name, fn in rows:
        us = measure(fn, a.rounds, a.seconds)
        results[name] = us
        print("  %-66s %8.2f us" % (name, us))
    ours = results[rows[0][0]]
    boto = results[rows[3][0]]
    print("binding reuse vs botocore S3SigV4Auth: %.1fx faster" % (boto / ours))
    signer.close()


if __name__ == "__main__":
    main()
