#!/usr/bin/env python3
"""Sanity checks of the verifier corpus, independent of sigv4rs (stdlib only).

    python3 check.py DIR

1. spec: every line (header and query form) verified by a small server-side
   SigV4 implementation written from the AWS documentation: the canonical
   request rebuilt from what a server receives (method, URL, headers, body)
   and the signed-header list the request carries, the signature recomputed
   and compared; scope, date, token and expiry checked against the line.
2. cross: DIR/resign-<source>-by-<signer>.json, written by run.sh (each
   header-form line of one signer re-signed by another from the headers it
   signed), summarized; each disagreement is attributed to a known,
   documented difference of the re-signing signer when one applies, else
   counted as unexplained.

Prints a report; exits 1 when a spec check fails or a disagreement is
unexplained.
"""

import collections
import glob
import hashlib
import hmac
import json
import os
import re
import sys
from urllib.parse import unquote_to_bytes

UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def uri_encode(data, keep_slash):
    out = []
    for b in data:
        if b in UNRESERVED or (keep_slash and b == 0x2F):
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def split_url(url):
    rest = url.split("://", 1)[1]
    slash = rest.find("/")
    qmark = rest.find("?")
    if slash < 0 or (0 <= qmark < slash):
        slash = qmark if qmark >= 0 else len(rest)
    host, target = rest[:slash], rest[slash:]
    path, _, query = target.partition("?")
    return host, path or "/", query


def normalize(path):
    # RFC 3986 dot-segment removal plus empty segments, as AWS does for
    # services other than S3 (the suite's normalize-path cases).
    out = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    p = "/" + "/".join(out)
    if path.endswith("/") and out:
        p += "/"
    return p


def canonical_uri(path, s3):
    if s3:
        # Single encoding, per segment: decoded, then encoded.
        return "/".join(uri_encode(unquote_to_bytes(seg), False) for seg in path.split("/"))
    # Normalized, then the path as received encoded again.
    return uri_encode(normalize(path).encode("utf-8"), True)


def query_pairs(query):
    pairs = []
    if query:
        for part in query.split("&"):
            k, _, v = part.partition("=")
            pairs.append((unquote_to_bytes(k), unquote_to_bytes(v)))
    return pairs


def canonical_query(pairs):
    enc = sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in pairs)
    return "&".join("%s=%s" % kv for kv in enc)


def collapse(v):
    v = v.strip(" \t")
    return re.sub(" +", " ", v)


def hmac256(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def spec_verify(line):
    """Returns None when the line verifies, else the reason."""
    host, path, query = split_url(line["url"])
    headers = collections.OrderedDict()
    for name, value in line["headers"]:
        headers.setdefault(name.lower(), []).append(value)
    body = bytes.fromhex(line["body_hex"])
    amz_date = "%04d%02d%02dT%02d%02d%02dZ" % __import__("time").gmtime(line["time"])[:6]
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], line["region"], line["service"])
    cred = "%s/%s" % (line["access_key_id"], scope)
    pairs = query_pairs(query)
    if line["form"] == "header":
        auth = headers.get("authorization", [None])[0]
        m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})", auth or "")
        if not m:
            return "authorization header malformed"
        if m.group(1) != cred:
            return "credential %s, want %s" % (m.group(1), cred)
        signed, sig = m.group(2).split(";"), m.group(3)
        if headers.get("x-amz-date") != [amz_date]:
            return "x-amz-date %r" % headers.get("x-amz-date")
        token = headers.get("x-amz-security-token")
        if (token or [None])[0] != line["session_token"] or (token and "x-amz-security-token" not in signed):
            return "session token"
        payload = headers.get("x-amz-content-sha256", [None])[0]
        if payload is None:
            payload = hashlib.sha256(body).hexdigest()
        elif payload != "UNSIGNED-PAYLOAD" and payload != hashlib.sha256(body).hexdigest():
            return "x-amz-content-sha256 is not the body's"
    else:
        params = {}
        for k, v in pairs:
            params.setdefault(k.decode("utf-8", "replace"), []).append(v.decode("utf-8", "replace"))
        one = lambda k: (params.get(k) or [None])[0]  # noqa: E731
        if one("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or one("X-Amz-Credential") != cred:
            return "algorithm or credential"
        if one("X-Amz-Date") != amz_date or one("X-Amz-Expires") != str(line["expires"]):
            return "date or expires"
        if one("X-Amz-Security-Token") != line["session_token"]:
            return "session token"
        signed, sig = one("X-Amz-SignedHeaders").split(";"), one("X-Amz-Signature")
        pairs = [(k, v) for k, v in pairs if k != b"X-Amz-Signature"]
        payload = one("X-Amz-Content-Sha256")
        if payload is None:
            payload = "UNSIGNED-PAYLOAD" if line["s3"] else hashlib.sha256(body).hexdigest()
        if not 1 <= line["expires"] <= 604800:
            return "expires out of range"
    if signed != sorted(signed) or "host" not in signed:
        return "signed headers not sorted or without host"
    canon_headers = []
    for name in signed:
        if name not in headers:
            return "signed header %s not sent" % name
        canon_headers.append("%s:%s\n" % (name, ",".join(collapse(v) for v in headers[name])))
    creq = "\n".join([line["method"], canonical_uri(path, line["s3"]), canonical_query(pairs),
                      "".join(canon_headers), ";".join(signed), payload])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    key = ("AWS4" + line["secret_access_key"]).encode("utf-8")
    for part in (amz_date[:8], line["region"], line["service"], "aws4_request"):
        key = hmac256(key, part)
    if hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest() != sig:
        if creq != line.get("canonical_request"):
            return "signature: canonical request differs from the signer's:\n  ours   %r\n  signer %r" % (
                creq, line.get("canonical_request"))
        return "signature differs, canonical request equal"
    return None


# --- known differences of a re-signing signer (README: cross-check)

def go_query_order(line):
    """aws-sdk-go-v2 sorts parameters by decoded name and value."""
    pairs = query_pairs(split_url(line["url"])[2])
    by_decoded = sorted(pairs)
    by_encoded = sorted(pairs, key=lambda kv: (uri_encode(kv[0], False), uri_encode(kv[1], False)))
    return by_decoded != by_encoded


def unnormalized_path(line):
    """aws-sdk-go-v2 and the pure-Ruby gem never remove dot or empty segments."""
    path = split_url(line["url"])[1]
    return not line["s3"] and normalize(path) != path


def ruby_empty_repeat(line):
    """The gem's query sort compares nil with a String (raises) when a
    repeated key has an empty or no value."""
    seen = collections.Counter(k for k, _ in query_pairs(split_url(line["url"])[2]))
    return any(seen[k] > 1 and v == b"" for k, v in query_pairs(split_url(line["url"])[2]))


def ruby_quoted(line):
    """The gem keeps a whole-quoted value verbatim (inner runs)."""
    vals = collections.defaultdict(list)
    for n, v in line["headers"]:
        vals[n.lower()].append(v.strip())
    return any(re.fullmatch(r'".*"', ",".join(vs)) and re.search(r"\s\s", ",".join(vs)) for vs in vals.values())


KNOWN = {
    "gosdk": [("path-normalization", unnormalized_path), ("query-order", go_query_order)],
    "ruby": [("path-normalization", unnormalized_path), ("repeated-key-empty-value", ruby_empty_repeat),
             ("whole-quoted-value", ruby_quoted)],
    "botocore": [],
}


def main():
    d = sys.argv[1]
    failed = False
    lines = {}
    spec_fail = 0
    cross = collections.Counter()
    for signer in ("botocore", "gosdk", "ruby"):
        path = os.path.join(d, signer + ".jsonl")
        lines[signer] = {}
        fails = collections.Counter()
        n = 0
        for raw in open(path, encoding="utf-8"):
            line = json.loads(raw)
            lines[signer][line["id"]] = line
            n += 1
            why = spec_verify(line)
            if why:
                fails[line["form"]] += 1
                if sum(fails.values()) <= 3:
                    print("spec: %s id %d (%s, s3=%s): %s" % (signer, line["id"], line["form"], line["s3"], why))
        forms = collections.Counter(l["form"] for l in lines[signer].values())
        print("spec: %-8s %d lines (%d header, %d query): %d verify, %d fail" % (
            signer, n, forms["header"], forms["query"], n - sum(fails.values()), sum(fails.values())))
        failed |= bool(fails)
        spec_fail += sum(fails.values())
    for path in sorted(glob.glob(os.path.join(d, "resign-*-by-*.json"))):
        source, by = re.fullmatch(r"resign-(\w+)-by-(\w+)\.json", os.path.basename(path)).groups()
        res = json.load(open(path))
        parts = []
        for kind in ("non-s3", "s3"):
            r = res[kind]
            differ = set(r["Disagree"])
            # Lines the re-signer defines as AWS does (no known difference
            # applies) must all agree; the others are counted by reason.
            applicable = agree = 0
            known = collections.Counter()
            known_differ = collections.Counter()
            for i, line in lines[source].items():
                if line["form"] != "header" or line["s3"] != (kind == "s3"):
                    continue
                reason = next((name for name, pred in KNOWN[by] if pred(line)), None)
                if reason:
                    known[reason] += 1
                    known_differ[reason] += i in differ
                    continue
                applicable += 1
                if i in differ:
                    if applicable - agree <= 2:
                        print("cross: %s line %d re-signed by %s differs, no known reason" % (source, i, by))
                else:
                    agree += 1
            assert applicable + sum(known.values()) == r["Checked"]
            failed |= agree != applicable
            cross["checked"] += applicable
            cross["agree"] += agree
            cross["unexplained"] += applicable - agree
            why = ", ".join("%s %d (%d differ)" % (k, c, known_differ[k]) for k, c in sorted(known.items()))
            parts.append("%s %d/%d agree%s" % (kind, agree, applicable, "; left out: " + why if why else ""))
        print("cross: %-8s by %-8s %s" % (source, by, " | ".join(parts)))
    print("summary: spec %d fail; cross-check %d/%d agree (lines without a known difference), %d unexplained" % (
        spec_fail, cross["agree"], cross["checked"], cross["unexplained"]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
