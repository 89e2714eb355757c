#!/usr/bin/env python3
"""Writes a C header of test vectors for the firmware from the suite's
vector file (tests/data/suite-v4-vectors.txt, written by
tests/tools/suite_vectors.py from the official SigV4 suite and read by every
other suite runner too).

Usage: gen_vectors.py VECTOR_FILE OUT.h [--break] [CASE...]

VECTOR_FILE may also be a folder (run.sh passes the suite's v4 folder):
the repository's vector file is read then. The complete cases are written
(the firmware checks header and query mode); every expected value
(canonical requests, strings to sign, signatures, headers to add, presigned
URL parameters, payload hashes) comes from the vector file, never from the
library (one SHA-256 of a long body comes from Python's hashlib). --break
flips one hex digit of one expected signature, to prove that a wrong
answer fails the firmware run.
"""
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "..", "tests", "data", "suite-v4-vectors.txt")
BREAK_CASE = "get-vanilla"


def load_vectors(path):
    """The vector file's cases as lists of (key, bytes) in file order."""
    unescape = re.compile(rb"\\(?:x([0-9A-F]{2})|(.))")

    def one(m):
        return bytes([int(m.group(1), 16)]) if m.group(1) else {b"\\": b"\\", b"n": b"\n"}[m.group(2)]

    cases, cur = [], None
    with open(path, encoding="ascii") as f:
        for line in f.read().split("\n"):
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition(" ")
            if key == "case":
                cur = [(key, value.encode())]
            elif key == "end":
                cases.append(cur)
                cur = None
            else:
                cur.append((key, unescape.sub(one, value.encode("ascii"))))
    return cases


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


def multiset_minus(a, b):
    left = list(b)
    out = []
    for x in a:
        if x in left:
            left.remove(x)
        else:
            out.append(x)
    return out


def pairs(case, key):
    """`Name:value` values of a repeated key as (name, value)."""
    return [tuple(v.split(b":", 1)) for k, v in case if k == key]


def case_vectors(case, idx):
    get = dict(reversed(case)).get  # the first value of a key
    name = get("case").decode()
    headers = pairs(case, "header")
    flags = [f for f, on in (("SIGV4RS_FLAG_NO_PATH_NORMALIZATION", get("normalize") == b"0"),
                             ("SIGV4RS_FLAG_CONTENT_SHA256_HEADER", get("sign_body") == b"1"),
                             ("SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN", get("omit_session_token") == b"1")) if on]
    # Header mode: the firmware expects exactly the headers the signed
    # request adds to the request (names case-insensitive).
    lower = [(n.lower(), v) for n, v in headers]
    added = multiset_minus([(n.lower(), v) for n, v in pairs(case, "signed_header")], lower)
    params = [v for k, v in case if k == "presign_param"]
    creq = get("header_creq")

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
        "akid": c_str(get("access_key_id")),
        "secret": c_str(get("secret_access_key")),
        "token": c_str(get("session_token")),
        "region": c_str(get("region")),
        "service": c_str(get("service")),
        "flags": " | ".join(flags) or "0",
        "time": "%sLL" % get("time").decode(),
        "expires": get("expires").decode(),
        "method": c_str(get("method")),
        "path": c_str(get("path")), "path_len": str(len(get("path"))),
        "query": c_str(get("query")), "query_len": str(len(get("query"))),
        "headers": p + "headers", "n_headers": str(len(headers)),
        "payload_mode": "SIGV4RS_PAYLOAD_MODE_BYTES" if get("sign_body") == b"1" else "SIGV4RS_PAYLOAD_MODE_AUTO",
        "body": c_str(get("body")), "body_len": str(len(get("body"))),
        # The canonical request's last line is the payload's SHA-256.
        "body_sha256": c_str(creq.rsplit(b"\n", 1)[1]),
        "h_creq": c_str(creq),
        "h_sts": c_str(get("header_sts")),
        "h_sig": c_str(get("header_sig")),
        "added": p + "added", "n_added": str(len(added)),
        "q_creq": c_str(get("query_creq")),
        "q_sts": c_str(get("query_sts")),
        "q_sig": c_str(get("query_sig")),
        "q_prefix": c_str(get("presign_prefix")),
        "params": p + "params", "n_params": str(len(params)),
    }
    return "\n".join(lines), fields


def main():
    args = sys.argv[1:]
    broken = "--break" in args
    args = [a for a in args if a != "--break"]
    vectors, out, names = args[0], args[1], args[2:]
    if os.path.isdir(vectors):
        vectors = VECTORS
    cases = [c for c in load_vectors(vectors) if dict(c)["kind"] == b"complete"]
    if names:
        cases = [c for c in cases if c[0][1].decode() in names]
    names = [c[0][1].decode() for c in cases]
    body, entries = [], []
    for i, case in enumerate(cases):
        text, fields = case_vectors(case, i)
        if broken and names[i] == (BREAK_CASE if BREAK_CASE in names else names[0]):
            sig = fields["h_sig"]
            fields["h_sig"] = sig[:1] + ("1" if sig[1] == "0" else "0") + sig[2:]
        body.append(text)
        entries.append("    {\n" + "\n".join("        .%s = %s," % kv for kv in fields.items()) + "\n    },")
    with open(out, "w") as f:
        f.write("/* Generated by embedded/tools/gen_vectors.py from %s. Do not edit. */\n"
                % "tests/data/suite-v4-vectors.txt")
        f.write("#define FW_SUITE_BROKEN %d\n" % (1 if broken else 0))
        # The S3 examples' body, hashed by Python's hashlib (not the library).
        f.write('#define FW_SHA256_A66560 "%s"\n\n' % hashlib.sha256(b"a" * 66560).hexdigest())
        f.write("\n\n".join(body))
        f.write("\n\nstatic const struct fw_case fw_cases[] = {\n%s\n};\n" % "\n".join(entries))
        f.write("#define FW_N_CASES %d\n" % len(entries))


if __name__ == "__main__":
    main()
