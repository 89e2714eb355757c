"""SigV4a keys for the tests, independent of sigv4rs: the private key
derived from credentials as the SigV4a specification says and its public
point (written here from the spec and FIPS 186-4, with hmac and ints), and
ECDSA P-256 verification by AWS's CRT (awscrt.crypto.EC) under that point."""

import functools
import hashlib
import hmac

from awscrt.crypto import EC

# P-256 (FIPS 186-4 D.1.2.3): field prime, group order, base point.
P = 2**256 - 2**224 + 2**192 + 2**96 - 1
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
# SubjectPublicKeyInfo of a P-256 uncompressed point (RFC 5480) up to the point.
_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")


def _add(p, q):
    """p + q, affine (a = -3), p != -q: for the table only (an inversion
    costs as much as ten additions)."""
    (x1, y1), (x2, y2) = p, q
    if p == q:
        m = (3 * x1 * x1 - 3) * pow(2 * y1, -1, P) % P
    else:
        m = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (m * m - x1 - x2) % P
    return x3, (m * (x1 - x3) - y1) % P


def _madd(X, Y, Z, x2, y2):
    """Jacobian (X, Y, Z) + affine (x2, y2), the points neither equal nor
    opposite (add-2007-bl with Z2 = 1)."""
    zz = Z * Z % P
    h = (x2 * zz - X) % P
    r = (y2 * zz * Z - Y) % P
    hh = h * h % P
    hhh = hh * h % P
    v = X * hh % P
    X3 = (r * r - hhh - 2 * v) % P
    return X3, (r * (v - X3) - Y * hhh) % P, Z * h % P


def _affine(points):
    """Jacobian points to affine with one inversion (Montgomery's trick)."""
    prefix, acc = [], 1
    for _, _, z in points:
        prefix.append(acc)
        acc = acc * z % P
    inv = pow(acc, -1, P)
    out = [None] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        zi = inv * prefix[i] % P  # 1 / z
        inv = inv * z % P
        zi2 = zi * zi % P
        out[i] = (x * zi2 % P, y * zi2 * zi % P)
    return out


@functools.lru_cache(maxsize=None)
def _table():
    """b 2^(8j) G for each byte position j < 32 and byte value 1 <= b < 256
    (at index b - 1): a multiplication is then at most 32 additions."""
    out, base = [], G
    for _ in range(32):
        two = _add(base, base)
        row = [(base[0], base[1], 1), (two[0], two[1], 1)]
        for _ in range(253):
            row.append(_madd(*row[-1], *base))
        row = _affine(row)
        out.append(row)
        base = _add(row[-1], base)  # 256 b
    return out


def public_point(d):
    """d G: the sum over d's bytes b_j of b_j 2^(8j) G (a partial sum is
    below the next term, and both below n: never equal nor opposite)."""
    acc = None
    for j, b in enumerate(d.to_bytes(32, "little")):
        if b:
            x2, y2 = _table()[j][b - 1]
            acc = (x2, y2, 1) if acc is None else _madd(*acc, x2, y2)
    return _affine([acc])[0]


def derive_private(access_key_id, secret_access_key):
    """The SigV4a private scalar: NIST SP 800-108 KDF in counter mode with
    HMAC-SHA256, key "AWS4A" + secret, label "AWS4-ECDSA-P256-SHA256",
    context the access key id and a one-byte counter, 256 bits; the first
    candidate c with c <= n - 2 gives d = c + 1."""
    key = b"AWS4A" + secret_access_key.encode()
    for counter in range(1, 255):
        fixed = (b"\x00\x00\x00\x01" + b"AWS4-ECDSA-P256-SHA256" + b"\x00" + access_key_id.encode()
                 + bytes([counter]) + b"\x00\x00\x01\x00")
        c = int.from_bytes(hmac.new(key, fixed, hashlib.sha256).digest(), "big")
        if c <= N - 2:
            return c + 1
    raise AssertionError("no candidate below n - 1 in 254 tries")


def public_key(x, y):
    """An awscrt EC public key from its coordinates (ints)."""
    return EC.new_key_from_der_data(_SPKI_PREFIX + b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big"))


def credentials_key(access_key_id, secret_access_key):
    """The SigV4a public key of a credential pair, for awscrt."""
    return public_key(*public_point(derive_private(access_key_id, secret_access_key)))


def verifies(key, string_to_sign, signature_hex):
    """Whether `signature_hex` (hex DER ECDSA) signs `string_to_sign` under `key`."""
    try:
        sig = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    return key.verify(hashlib.sha256(string_to_sign.encode()).digest(), sig)
