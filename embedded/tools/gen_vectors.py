#!/usr/bin/env python3
"""Writes a C header of test vectors from the official SigV4 suite files.

Usage: gen_vectors.py SUITE_V4_DIR OUT.h [--break] [CASE...]

Inputs are request.txt and context.json; every expected value (canonical
requests, strings to sign, signatures, headers to add, presigned URL
parameters, payload hashes) is read from the suite's own files, never from
the library (one SHA-256 of a long body comes from Python's hashlib). --break flips one hex digit of one expected signature, to prove
that a wrong answer fails the firmware run.
"""
import hashlib
import json
import os
import sys
from datetime import datetime, timezone

BREAK_CASE = "get-vanilla"
FLAG_NO_PATH_NORMALIZATION = 2
FLAG_CONTENT_SHA256_HEADER = 8
FLAG_UNSIGNED_SESSION_TOKEN = 16


def parse_request(raw):
    """request.txt -> (method, target, [(name, value)], body). obs-fold lines
    are joined with one space (the API takes field values, no CR/LF)."""
    line, _, rest = raw.partition(b"\n")
    method, _, target = line.partition(b" ")
    if target.endswith(b" HTTP/1.1"):
        target = target[: -len(b" HTTP/1.1")]
    headers, body = [], b""
    while rest:
        cur, nl, rest2 = rest.partition(b"\n")
        if cur == b"":
            body = rest2
            break
        rest = rest2 if nl else b""
        if cur[:1] in (b" ", b"\t"):
            n, v = headers[-1]
            headers[-1] = (n, v + b" " + cur)
        else:
            n, _, v = cur.partition(b":")
            headers.append((n, v))
    return method, target, headers, body


def expected(case_dir, name):
    with open(os.path.join(case_dir, name), "rb") as f:
        return f.read().rstrip()


def c_str(b):
    """Bytes as a C string literal (octal escapes: never more than 3 digits,
    unlike hex ones, so a following digit is safe)."""
    out = ['"']
    for c in b:
        if c in (0x22, 0x5C):
            out.append("\\" + chr(c))
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        elif c == 0x0A:
            out.append("\\n")
        else:
            out.append("\\%03o" % c)
    out.append('"')
    return "".join(out)


def unix_time(ts):
    return int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def multiset_minus(a, b):
    left = list(b)
    out = []
    for x in a:
        if x in left:
            left.remove(x)
        else:
            out.append(x)
    return out


def lower_pairs(hs):
    return [(n.lower(), v) for n, v in hs]


def case_vectors(suite, name, idx):
    d = os.path.join(suite, name)
    with open(os.path.join(d, "request.txt"), "rb") as f:
        method, target, headers, body = parse_request(f.read())
    with open(os.path.join(d, "context.json")) as f:
        ctx = json.load(f)
    if name == "get-space-normalized":
        # Edited upstream to %20; its expected files were made from the raw
        # space (suite README, caveat 1).
        assert target == b"/example%20space/"
        target = b"/example space/"
    path, _, query = target.partition(b"?")
    flags = 0
    if not ctx["normalize"]:
        flags |= FLAG_NO_PATH_NORMALIZATION
    if ctx["sign_body"]:
        flags |= FLAG_CONTENT_SHA256_HEADER
    if ctx.get("omit_session_token", False):
        flags |= FLAG_UNSIGNED_SESSION_TOKEN
    creds = ctx["credentials"]
    host = next(v for n, v in headers if n.lower() == b"host")

    # Header mode: what the signer must add = signed request minus request.
    with open(os.path.join(d, "header-signed-request.txt"), "rb") as f:
        _, _, signed_headers, _ = parse_request(f.read())
    added = multiset_minus(lower_pairs(signed_headers), lower_pairs(headers))
    # Query mode: the presigned target's path, and its query as a multiset.
    with open(os.path.join(d, "query-signed-request.txt"), "rb") as f:
        _, qtarget, _, _ = parse_request(f.read())
    qpath, _, qquery = qtarget.partition(b"?")
    # The suite pastes raw UTF-8 into its URL; the signer's URL carries the
    # query as signed, those bytes escaped.
    params = [b"".join(bytes([c]) if 0x20 < c < 0x7f else b"%%%02X" % c for c in p)
              for p in qquery.split(b"&") if p]
    creq = expected(d, "header-canonical-request.txt")

    p = "c%d_" % idx
    lines = ["/* %s */" % name]
    lines.append("static const sigv4rs_header %sheaders[] = {" % p)
    for n, v in headers:
        lines.append("    {{(const uint8_t *)%s, %d}, {(const uint8_t *)%s, %d}}," % (c_str(n), len(n), c_str(v), len(v)))
    lines.append("};")
    lines.append("static const char *const %sadded[] = {" % p)
    for n, v in added:
        lines.append("    %s, %s," % (c_str(n), c_str(v)))
    lines.append("};")
    lines.append("static const char *const %sparams[] = {" % p)
    for q in params:
        lines.append("    %s," % c_str(q))
    lines.append("};")
    fields = {
        "name": c_str(name.encode()),
        "akid": c_str(creds["access_key_id"].encode()),
        "secret": c_str(creds["secret_access_key"].encode()),
        "token": c_str(creds.get("token", "").encode()),
        "region": c_str(ctx["region"].encode()),
        "service": c_str(ctx["service"].encode()),
        "flags": str(flags),
        "time": "%dLL" % unix_time(ctx["timestamp"]),
        "expires": str(ctx["expiration_in_seconds"]),
        "method": c_str(method),
        "path": c_str(path), "path_len": str(len(path)),
        "query": c_str(query), "query_len": str(len(query)),
        "headers": p + "headers", "n_headers": str(len(headers)),
        "payload_mode": "SIGV4RS_PAYLOAD_MODE_BYTES" if ctx["sign_body"] else "SIGV4RS_PAYLOAD_MODE_AUTO",
        "body": c_str(body), "body_len": str(len(body)),
        # The canonical request's last line is the payload's SHA-256.
        "body_sha256": c_str(creq.rsplit(b"\n", 1)[1]),
        "h_creq": c_str(creq),
        "h_sts": c_str(expected(d, "header-string-to-sign.txt")),
        "h_sig": c_str(expected(d, "header-signature.txt")),
        "added": p + "added", "n_added": str(len(added)),
        "q_creq": c_str(expected(d, "query-canonical-request.txt")),
        "q_sts": c_str(expected(d, "query-string-to-sign.txt")),
        "q_sig": c_str(expected(d, "query-signature.txt")),
        "q_prefix": c_str(b"https://" + host + qpath + b"?"),
        "params": p + "params", "n_params": str(len(params)),
    }
    return "\n".join(lines), fields


def main():
    args = sys.argv[1:]
    broken = "--break" in args
    args = [a for a in args if a != "--break"]
    suite, out, names = args[0], args[1], args[2:]
    if not names:
        names = sorted(n for n in os.listdir(suite) if os.path.exists(os.path.join(suite, n, "context.json")))
    body, entries = [], []
    for i, n in enumerate(names):
        text, fields = case_vectors(suite, n, i)
        if broken and n == (BREAK_CASE if BREAK_CASE in names else names[0]):
            sig = fields["h_sig"]
            fields["h_sig"] = sig[:1] + ("1" if sig[1] == "0" else "0") + sig[2:]
        body.append(text)
        entries.append("    {\n" + "\n".join("        .%s = %s," % kv for kv in fields.items()) + "\n    },")
    with open(out, "w") as f:
        f.write("/* Generated by embedded/tools/gen_vectors.py from %s. Do not edit. */\n"
                % "tests/data/aws-sig-v4-test-suite/v4")
        f.write("#define FW_SUITE_BROKEN %d\n" % (1 if broken else 0))
        # The S3 examples' body, hashed by Python's hashlib (not the library).
        f.write('#define FW_SHA256_A66560 "%s"\n\n' % hashlib.sha256(b"a" * 66560).hexdigest())
        f.write("\n\n".join(body))
        f.write("\n\nstatic const struct fw_case fw_cases[] = {\n%s\n};\n" % "\n".join(entries))
        f.write("#define FW_N_CASES %d\n" % len(entries))


if __name__ == "__main__":
    main()
