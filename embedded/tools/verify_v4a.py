#!/usr/bin/env python3
"""Verifies the SigV4a signatures a firmware run printed ("V4A <case>
<header|query> <hex DER>") against the suite: ECDSA P-256 / SHA-256 over the
suite's string to sign, under the suite's public key (public-key.json, in
tests/data/suite-v4a-vectors.txt). Plain Python (hashlib + the curve
arithmetic below), nothing from the library.

Usage: verify_v4a.py LOG VECTOR_FILE N_EXPECTED [--break]
--break tampers each string to sign (SIGV4RS_FW_BREAK): every check fails.
Every run also proves a tampered string to sign is rejected.
Exit status: 0 when N_EXPECTED signatures were printed and all verify.
"""
import hashlib
import sys

from gen_vectors import load_vectors

# NIST P-256 (FIPS 186-4 D.1.2.3).
P = 2**256 - 2**224 + 2**192 + 2**96 - 1
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def on_curve(q):
    x, y = q
    return (y * y - (x * x * x - 3 * x + B)) % P == 0


def add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        m = (3 * x1 * x1 - 3) * pow(2 * y1, -1, P) % P
    else:
        m = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (m * m - x1 - x2) % P
    return x3, (m * (x1 - x3) - y1) % P


def mul(k, q):
    r = None
    while k:
        if k & 1:
            r = add(r, q)
        q = add(q, q)
        k >>= 1
    return r


def der_rs(sig):
    """(r, s) of a DER SEQUENCE of two INTEGERs, or None."""
    if len(sig) < 8 or sig[0] != 0x30 or sig[1] != len(sig) - 2:
        return None
    out, i = [], 2
    for _ in range(2):
        if sig[i] != 0x02 or i + 2 + sig[i + 1] > len(sig):
            return None
        n = sig[i + 1]
        out.append(int.from_bytes(sig[i + 2:i + 2 + n], "big"))
        i += 2 + n
    return tuple(out) if i == len(sig) else None


def verify(q, msg, sig_hex):
    try:
        rs = der_rs(bytes.fromhex(sig_hex))
    except ValueError:
        return False
    if rs is None or not on_curve(q):
        return False
    r, s = rs
    if not (1 <= r < N and 1 <= s < N):
        return False
    e = int.from_bytes(hashlib.sha256(msg).digest(), "big")
    w = pow(s, -1, N)
    x = add(mul(e * w % N, G), mul(r * w % N, q))
    return x is not None and x[0] % N == r


def main():
    log, vectors, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
    broken = "--break" in sys.argv
    cases = {dict(c)["case"].decode(): dict(reversed(c)) for c in load_vectors(vectors)}
    printed = [line.split() for line in open(log, errors="replace") if line.startswith("V4A ")]
    good = bad = 0
    for _, name, mode, sig in printed:
        c = cases[name]
        q = (int(c["public_key_x"], 16), int(c["public_key_y"], 16))
        sts = c["header_sts" if mode == "header" else "query_sts"]
        # Negative control: the same signature over a tampered string to sign.
        tampered = sts[:-1] + (b"0" if sts[-1:] != b"0" else b"1")
        assert not verify(q, tampered, sig), "verifier accepted a tampered string to sign"
        if verify(q, tampered if broken else sts, sig):
            good += 1
        else:
            bad += 1
            print("v4a verify: FAIL %s %s %s" % (name, mode, sig))
    print("v4a verify: %d of %d signatures verify under the suite's public key (expected %d)%s; "
          "tampered strings to sign rejected" % (good, len(printed), expected,
                                                 " [SIGV4RS_FW_BREAK: strings to sign tampered]" if broken else ""))
    sys.exit(0 if good == expected and bad == 0 else 1)


if __name__ == "__main__":
    main()
