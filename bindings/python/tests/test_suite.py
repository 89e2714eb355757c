"""The official AWS SigV4 suite through the binding, from the vector file
that tests/tools/suite_vectors.py writes from the suite's files
(tests/data/suite-v4-vectors.txt, shared with the Rust, C, Go, Ruby and
firmware runners; SIGV4RS_SUITE_VECTORS names another copy): canonical
request, string to sign, signature and signed request, header and query
mode, byte for byte. Expected values come only from that file."""

import collections
import os
import re

import pytest

import sigv4rs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VECTORS = os.environ.get("SIGV4RS_SUITE_VECTORS") or os.path.join(ROOT, "tests", "data", "suite-v4-vectors.txt")

ESCAPE = re.compile(rb"\\(?:x([0-9A-F]{2})|(.))")


def unescape(value):
    """`\\\\`, `\\n` and `\\xHH` back to bytes."""
    def one(m):
        if m.group(1):
            return bytes([int(m.group(1), 16)])
        return {b"\\": b"\\", b"n": b"\n"}[m.group(2)]
    return ESCAPE.sub(one, value.encode("ascii"))


class Vector:
    """One case: its `key value` lines in order."""

    def __init__(self, name):
        self.name = name
        self.fields = []

    def get(self, key):
        return next((v for k, v in self.fields if k == key), None)

    def text(self, key):
        return self.get(key).decode("utf-8")

    def all(self, key):
        return [v.decode("utf-8") for k, v in self.fields if k == key]

    def pairs(self, key):
        """`Name:value` values as (name, value)."""
        return [tuple(p.split(":", 1)) for p in self.all(key)]


def load_vectors(path=VECTORS):
    cases, cur = [], None
    with open(path, encoding="ascii") as f:
        for line in f.read().split("\n"):
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition(" ")
            if key == "case":
                cur = Vector(value)
            elif key == "end":
                cases.append(cur)
                cur = None
            else:
                cur.fields.append((key, unescape(value)))
    assert cur is None, "last case has no end"
    return cases


def header_multiset(headers):
    return collections.Counter((n.lower(), v) for n, v in headers)


def merged(req_headers, out):
    """The request's headers with the signer's output replacing same names."""
    names = {n.lower() for n in out}
    return [(n, v) for n, v in req_headers if n.lower() not in names] + list(out.items())


def signature_of(out):
    return out["Authorization"].rsplit("Signature=", 1)[1]


def signer_for(v, **kw):
    return sigv4rs.Signer(
        v.text("access_key_id"),
        v.text("secret_access_key"),
        v.text("region"),
        v.text("service"),
        session_token=v.text("session_token") or None,
        unsigned_session_token=v.text("omit_session_token") == "1",
        **kw,
    )


class Checker:
    def __init__(self):
        self.failures = []

    def __call__(self, case, what, want, got):
        if want != got:
            self.failures.append("%s %s:\n--- expected\n%s\n--- got\n%s" % (case, what, want, got))
            return False
        return True


def run_case(v, check):
    """Header mode, then (complete cases only) query mode: (header ok, query
    ok or None)."""
    name = v.name
    target = sigv4rs.Parts("", v.get("path"), v.get("query"))  # host from the Host header
    headers = v.pairs("header")
    kw = dict(headers=headers, time=int(v.text("time")), body=v.get("body"))
    signer = signer_for(v, normalize_path=v.text("normalize") == "1",
                        content_sha256_header=v.text("sign_body") == "1")
    with signer:
        out = signer.sign(v.text("method"), target, **kw)
        creq = signer.canonical_request(v.text("method"), target, **dict(kw, time=int(v.text("creq_time"))))
        ok = check(name, "header canonical request", v.text("header_creq"), creq)
        if v.get("header_sts") is not None:
            ok &= check(name, "header string to sign", v.text("header_sts"),
                        signer.string_to_sign(v.text("method"), target, **kw))
        ok &= check(name, "header signature", v.text("header_sig"), signature_of(out))
        ok &= check(name, "header signed request headers", header_multiset(v.pairs("signed_header")),
                    header_multiset(merged(headers, out)))
        if v.text("kind") == "partial":
            return ok, None

        expires = int(v.text("expires"))
        qok = check(name, "query canonical request", v.text("query_creq"),
                    signer.canonical_request(v.text("method"), target, presign_expires=expires, **kw))
        qok &= check(name, "query string to sign", v.text("query_sts"),
                     signer.string_to_sign(v.text("method"), target, presign_expires=expires, **kw))
        url = signer.presign(v.text("method"), target, expires, **kw)
        prefix, mark, query = url.partition("?")
        params = query.split("&")
        qok &= check(name, "presigned URL up to ?", v.text("presign_prefix"), prefix + mark)
        sig = next((p[len("X-Amz-Signature="):] for p in params if p.startswith("X-Amz-Signature=")), "")
        qok &= check(name, "query signature", v.text("query_sig"), sig)
        qok &= check(name, "presigned URL parameters", collections.Counter(v.all("presign_param")),
                     collections.Counter(params))
        return ok, qok


def test_official_suite_v4(summary):
    check = Checker()
    complete = partial = header_ok = query_ok = partial_ok = 0
    for v in load_vectors():
        h, q = run_case(v, check)
        if q is None:
            partial += 1
            partial_ok += h
        else:
            complete += 1
            header_ok += h
            query_ok += q
    summary("python suite v4: header %d/%d, query %d/%d, partial %d/2"
            % (header_ok, complete, query_ok, complete, partial_ok))
    assert (complete, partial) == (38, 2), "expected 38 complete and 2 partial cases"
    assert not check.failures, "%d failures:\n%s" % (len(check.failures), "\n\n".join(check.failures))
    assert (header_ok, query_ok, partial_ok) == (38, 38, 2)


@pytest.mark.parametrize("name", ["get-vanilla", "post-sts-header-after", "get-utf8"])
def test_suite_case_via_url_form(name):
    """The URL entry point gives the same signature as parts for ASCII
    cases; raw UTF-8 in a URL is refused (it is not a wire form)."""
    v = next(v for v in load_vectors() if v.name == name)
    headers = v.pairs("header")
    host = next(val for n, val in headers if n.lower() == "host")
    query = v.text("query")
    url = "https://%s%s%s" % (host, v.text("path"), "?" + query if query else "")
    headers = [(n, val) for n, val in headers if n.lower() != "host"]
    with signer_for(v) as s:
        if not v.get("path").isascii():
            with pytest.raises(sigv4rs.InvalidUrlError):
                s.sign(v.text("method"), url, headers, time=int(v.text("time")))
            return
        out = s.sign(v.text("method"), url, headers, time=int(v.text("time")))
    assert signature_of(out) == v.text("header_sig")
