"""The official AWS SigV4a suite through the binding, from
tests/data/suite-v4a-vectors.txt (read as test_suite reads the v4 file):
canonical request, string to sign, added headers and presigned URL but its
signature, byte for byte, in header and query mode. ECDSA signatures differ
from signer to signer, so they are verified with the suite's public key:
ours over the suite's string to sign, and both of the suite's sample
signatures over ours."""

import collections
import os

import sigv4rs
from test_suite import ROOT, Checker, header_multiset, load_vectors, merged, signer_for
from v4a_keys import public_key, verifies

VECTORS = os.environ.get("SIGV4RS_SUITE_V4A_VECTORS") or os.path.join(ROOT, "tests", "data",
                                                                       "suite-v4a-vectors.txt")


def unsigned(auth):
    """An Authorization value up to and including `Signature=`, and the signature."""
    head, mark, sig = auth.rpartition("Signature=")
    return head + mark, sig


def run_case(v, check):
    """(header mode ok, query mode ok)."""
    name = v.name
    key = public_key(int(v.text("public_key_x"), 16), int(v.text("public_key_y"), 16))
    method = v.text("method")
    target = sigv4rs.Parts("", v.get("path"), v.get("query"))  # host from the Host header
    headers = v.pairs("header")
    kw = dict(headers=headers, time=int(v.text("time")), body=v.get("body"))
    with signer_for(v, sigv4a=True, normalize_path=v.text("normalize") == "1",
                    content_sha256_header=v.text("sign_body") == "1") as signer:
        out = signer.sign(method, target, **kw)
        ok = check(name, "header canonical request", v.text("header_creq"),
                   signer.canonical_request(method, target, **dict(kw, time=int(v.text("creq_time")))))
        sts = signer.string_to_sign(method, target, **kw)
        ok &= check(name, "header string to sign", v.text("header_sts"), sts)
        # The signed request: every header byte for byte, Authorization
        # up to its signature.
        want = [(n, unsigned(val)[0] if n.lower() == "authorization" else val)
                for n, val in v.pairs("signed_header")]
        got = [(n, unsigned(val)[0] if n.lower() == "authorization" else val) for n, val in merged(headers, out)]
        ok &= check(name, "header signed request headers", header_multiset(want), header_multiset(got))
        sig = unsigned(out["Authorization"])[1]
        ok &= check(name, "header signature verifies over the suite's string to sign", True,
                    verifies(key, v.text("header_sts"), sig))
        for which in ("header_sig", "header_sig_alt"):
            ok &= check(name, "suite's %s verifies over our string to sign" % which, True,
                        verifies(key, sts, v.text(which)))

        expires = int(v.text("expires"))
        qok = check(name, "query canonical request", v.text("query_creq"),
                    signer.canonical_request(method, target, presign_expires=expires, **kw))
        qsts = signer.string_to_sign(method, target, presign_expires=expires, **kw)
        qok &= check(name, "query string to sign", v.text("query_sts"), qsts)
        url = signer.presign(method, target, expires, **kw)
        prefix, mark, query = url.partition("?")
        qok &= check(name, "presigned URL up to ?", v.text("presign_prefix"), prefix + mark)
        params = query.split("&")
        sigs = [p[len("X-Amz-Signature="):] for p in params if p.startswith("X-Amz-Signature=")]
        qok &= check(name, "presigned URL parameters but X-Amz-Signature", collections.Counter(v.all("presign_param")),
                     collections.Counter(p for p in params if not p.startswith("X-Amz-Signature=")))
        qok &= check(name, "one X-Amz-Signature verifying over the suite's string to sign", [True],
                     [verifies(key, v.text("query_sts"), s) for s in sigs])
        for which in ("query_sig", "query_sig_alt"):
            qok &= check(name, "suite's %s verifies over our string to sign" % which, True,
                         verifies(key, qsts, v.text(which)))
    return ok, qok


def test_official_suite_v4a(summary):
    check = Checker()
    n = header_ok = query_ok = 0
    for v in load_vectors(VECTORS):
        assert v.text("kind") == "complete", v.name
        h, q = run_case(v, check)
        n += 1
        header_ok += h
        query_ok += q
    summary("python suite v4a: header %d/%d, query %d/%d" % (header_ok, n, query_ok, n))
    assert n == 38, "expected 38 cases"
    assert not check.failures, "%d failures:\n%s" % (len(check.failures), "\n\n".join(check.failures))
    assert (header_ok, query_ok) == (n, n)
