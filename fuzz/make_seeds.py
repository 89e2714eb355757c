#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from the official
suite requests (tests/data/aws-sig-v4-test-suite/v4) and a few S3 requests.

Request targets take KNOB_LEN (32) knob bytes, then a suite-style text
request (see src/input.rs). Offsets of the knobs used here: 0 creds preset,
1 flags, 2 time selector, 14 payload mode, 19 misc bits, 20 expiry selector.
Files named regress-* (inputs that found bugs) and the seeds of targets not
in OWNED (hand-written) are kept.
Run from anywhere: python3 fuzz/make_seeds.py
"""
import hashlib
import hmac
import os
import random
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "..", "tests", "data", "aws-sig-v4-test-suite", "v4")
OUT = os.path.join(HERE, "corpus")

MISC_URL = 16
MISC_HOST_FIELD = 8


def knobs(creds=0, flags=0, time_sel=0, payload_mode=0, misc=0, expires_sel=0):
    k = bytearray(32)
    k[0], k[1], k[2], k[14], k[19], k[20] = creds, flags, time_sel, payload_mode, misc, expires_sel
    return bytes(k)


def suite(name):
    d = os.path.join(SUITE, name)
    if not os.path.isdir(d):  # the two partial cases live one level down
        d = os.path.join(SUITE, "post-sts-token", name)
    with open(os.path.join(d, "request.txt"), "rb") as f:
        return f.read()


# A few suite cases per target, picked for what they exercise.
HEADER_CASES = [
    "get-vanilla", "get-vanilla-query-order-encoded", "get-header-value-multiline",
    "get-slash-dot-slash-unnormalized", "get-utf8", "post-x-www-form-urlencoded",
    "get-header-key-duplicate", "get-space-unnormalized",
]
PRESIGN_CASES = ["get-vanilla", "get-vanilla-query-unreserved", "get-relative-relative-normalized", "post-vanilla-query"]
DEBUG_CASES = ["get-vanilla-empty-query-key", "post-header-value-case", "get-unreserved", "get-vanilla-with-session-token"]

# S3 documentation examples (AKIAIOSFODNN7EXAMPLE, 2013-05-24): creds 1, time 1.
S3_TEXTS = [
    b"GET /test.txt HTTP/1.1\nHost: examplebucket.s3.amazonaws.com\nRange: bytes=0-9\n\n",
    b"PUT /test%24file.text HTTP/1.1\nHost: examplebucket.s3.amazonaws.com\n"
    b"Date: Fri, 24 May 2013 00:00:00 GMT\nx-amz-storage-class: REDUCED_REDUNDANCY\n\nWelcome to Amazon S3.",
    b"GET https://examplebucket.s3.amazonaws.com/?lifecycle HTTP/1.1\n\n",
    b"GET https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J HTTP/1.1\n\n",
    b"GET http://[::1]:9000/bucket/a%2Fb/%7Ekey?uploads&x-id=GetObject HTTP/1.1\n\n",
]


# The targets whose seeds this script writes (and so may delete).
OWNED = ["sign_url", "sign_parts", "presign", "debug_outputs", "chunked", "signer_config", "payload_hasher",
         "checksum", "sigv4a", "verify_chunked"]


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def chunk_plan(mode, checksum, len_sel, size_sel, ops=b""):
    # Plan: mode, checksum, shape, len_sel, len_raw u64, size_sel, size_raw u32, ops.
    return bytes([mode, checksum, 0, len_sel]) + bytes(8) + bytes([size_sel]) + bytes(4) + ops


# verify_chunked: the seed requests its target signs (S3 documentation keys,
# 2013-05-24, PUT of s3.amazonaws.com/examplebucket/chunkObject.txt) and
# bodies for its 777-byte object, signed here independently of the library.
VC_SECRET = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
VC_DATE = "20130524T000000Z"
VC_SCOPE = "20130524/us-east-1/s3/aws4_request"
VC_OBJECT = bytes((i * 131 + i // 251) & 0xFF for i in range(777))
# (stream mode, checksum) in the target's case order; then plain hash, unsigned.
VC_CASES = [(0, 0)] + [(1, c) for c in range(1, 6)] + [(2, c) for c in range(1, 6)]
VC_CHECKSUM = {1: "crc32", 2: "crc32c", 3: "sha256", 4: "crc64nvme", 5: "sha1"}
VC_MODE = {0: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 1: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
           2: "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}


def _crc_reflected(data, poly, width):
    mask = (1 << width) - 1
    crc = mask
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return (crc ^ mask).to_bytes(width // 8, "big")


def _checksum(kind, data):
    import base64
    raw = {1: lambda: zlib.crc32(data).to_bytes(4, "big"),
           2: lambda: _crc_reflected(data, 0x82F63B78, 32),
           3: lambda: hashlib.sha256(data).digest(),
           4: lambda: _crc_reflected(data, 0x9A6C9329AC4BC9B5, 64),
           5: lambda: hashlib.sha1(data).digest()}[kind]()
    return base64.b64encode(raw).decode()


def _hmac(key, msg):
    return hmac.new(key, msg.encode() if isinstance(msg, str) else msg, hashlib.sha256).digest()


def _sha(b):
    return hashlib.sha256(b).hexdigest()


def vc_body(mode, ck):
    """The aws-chunked body of VC_OBJECT in one chunk, as the S3
    documentation frames it, and the seed request's signature."""
    key = b"AWS4" + VC_SECRET
    for part in ["20130524", "us-east-1", "s3", "aws4_request"]:
        key = _hmac(key, part)
    signed = mode != 2
    trailer = ("x-amz-checksum-%s:%s" % (VC_CHECKSUM[ck], _checksum(ck, VC_OBJECT))) if ck else None

    def frame(sigs):
        ext = (lambda i: ";chunk-signature=" + sigs[i]) if signed else (lambda i: "")
        b = ("%x%s\r\n" % (len(VC_OBJECT), ext(0))).encode() + VC_OBJECT + ("\r\n0%s\r\n" % ext(1)).encode()
        if trailer:
            b += (trailer + "\r\n").encode()
            if signed:
                b += ("x-amz-trailer-signature:%s\r\n" % sigs[2]).encode()
        return b + b"\r\n"

    length = len(frame(["0" * 64] * 3))
    headers = [("content-encoding", "aws-chunked"), ("content-length", str(length)),
               ("host", "s3.amazonaws.com"), ("x-amz-content-sha256", VC_MODE[mode]),
               ("x-amz-date", VC_DATE), ("x-amz-decoded-content-length", str(len(VC_OBJECT)))]
    if ck:
        headers.append(("x-amz-trailer", "x-amz-checksum-" + VC_CHECKSUM[ck]))
    names = ";".join(n for n, _ in headers)
    creq = "PUT\n/examplebucket/chunkObject.txt\n\n%s\n%s\n%s" % (
        "".join("%s:%s\n" % h for h in headers), names, VC_MODE[mode])
    prev = _hmac(key, "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (VC_DATE, VC_SCOPE, _sha(creq.encode()))).hex()
    sigs = []
    for data in [VC_OBJECT, b""]:
        prev = _hmac(key, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s" % (
            VC_DATE, VC_SCOPE, prev, _sha(b""), _sha(data))).hex()
        sigs.append(prev)
    if trailer:
        sigs.append(_hmac(key, "AWS4-HMAC-SHA256-TRAILER\n%s\n%s\n%s\n%s" % (
            VC_DATE, VC_SCOPE, prev, _sha((trailer + "\n").encode()))).hex())
    return frame(sigs)


def vc_input(case, body, cuts=()):
    """Case byte, 7 little-endian u16 split points (0: none), the body."""
    cuts = list(cuts) + [0] * (7 - len(cuts))
    return bytes([case]) + struct.pack("<7H", *cuts) + body


def main():
    # Only the targets written here; keep the regress-* seeds (fuzzer-found
    # inputs of fixed bugs) and the other targets' hand-written seeds.
    for t in OWNED:
        d = os.path.join(OUT, t)
        for f in os.listdir(d) if os.path.isdir(d) else []:
            if not f.startswith("regress-"):
                os.remove(os.path.join(d, f))
    for c in HEADER_CASES:
        write("sign_url", c, knobs() + suite(c))
        write("sign_parts", c, knobs(misc=MISC_HOST_FIELD) + suite(c))
    for c in PRESIGN_CASES:
        write("presign", c, knobs(expires_sel=0) + suite(c))
        write("presign", c + "-url", knobs(misc=MISC_URL) + suite(c))
    for c in DEBUG_CASES:
        creds = 2 if "session-token" in c else 0
        write("debug_outputs", c + "-header", knobs(creds=creds) + suite(c))
        write("debug_outputs", c + "-query", knobs(creds=creds, expires_sel=1 + 3) + suite(c))
    for i, t in enumerate(S3_TEXTS):
        k = knobs(creds=1, time_sel=1, misc=MISC_URL)
        write("sign_url", "s3-%d" % i, k + t)
        write("presign", "s3-%d" % i, k + t)
        write("debug_outputs", "s3-%d" % i, knobs(creds=1, time_sel=1, misc=MISC_URL, expires_sel=4) + t)
        write("sign_parts", "s3-%d" % i, knobs(creds=1, time_sel=1, misc=MISC_HOST_FIELD) + t)

    # aws-chunked: the two S3 documentation uploads (66,560 bytes in 64 KiB
    # chunks, without and with a CRC32C trailer), unsigned trailer, and
    # small chunks with a wrong-size chunk and an early finish.
    put = (b"PUT /examplebucket/chunkObject.txt HTTP/1.1\nHost: s3.amazonaws.com\n"
           b"x-amz-storage-class: REDUCED_REDUNDANCY\n\n")
    k = knobs(creds=1, time_sel=1)
    write("chunked", "s3-doc-signed", k + put + chunk_plan(0, 0, 1, 0))
    write("chunked", "s3-doc-trailer-crc32c", k + put + chunk_plan(1, 1, 1, 0))
    write("chunked", "unsigned-trailer-sha256", k + put + chunk_plan(2, 2, 0, 2))
    # ops: Off{delta=+1} (variant 1 of 8), Finish (variant 6): a u32 picks the
    # variant as (u32 * 8) >> 32.
    ops = b"\x01" + struct.pack("<I", 0x30000000) + b"\x01" + b"\x01" + struct.pack("<I", 0xD0000000)
    write("chunked", "small-chunks-wrong", k + put + chunk_plan(0, 0, 0, 4, ops))
    # SigV4a modes (3, 4): the same uploads through the SigV4a signer.
    write("chunked", "v4a-doc-signed", k + put + chunk_plan(3, 0, 1, 0))
    write("chunked", "v4a-doc-trailer-crc32c", k + put + chunk_plan(4, 1, 1, 0))
    write("chunked", "v4a-small-chunks-wrong", k + put + chunk_plan(3, 0, 0, 4, ops))

    # verify_chunked: each case's valid body, whole and cut at a few places
    # (mid chunk header, mid data, inside the CRLFs, mid trailer).
    for i, (mode, ck) in enumerate(VC_CASES):
        body = vc_body(mode, ck)
        name = "%s-%s" % (VC_MODE[mode].lower(), VC_CHECKSUM.get(ck, "none"))
        write("verify_chunked", name, vc_input(i, body))
        write("verify_chunked", name + "-split", vc_input(i, body, (1, 40, 90, 400, 866, 868, len(body) - 40)))
    write("verify_chunked", "plain-sha256", vc_input(len(VC_CASES), VC_OBJECT))
    write("verify_chunked", "plain-sha256-split", vc_input(len(VC_CASES), VC_OBJECT, (1, 64, 65, 700)))
    write("verify_chunked", "unsigned-payload", vc_input(len(VC_CASES) + 1, VC_OBJECT, (5, 300)))

    # sigv4a: the creds knob picks the region set (creds // 5) and the
    # credentials preset (creds % 5).
    for name, data in [
        ("get-vanilla-set4", knobs(creds=20) + suite("get-vanilla")),
        ("get-vanilla-with-session-token-header-set0", knobs(creds=2) + suite("get-vanilla-with-session-token")),
        ("post-header-value-case-query-set1", knobs(creds=5, expires_sel=4) + suite("post-header-value-case")),
        ("post-vanilla-query-url-set0", knobs(misc=MISC_URL) + suite("post-vanilla-query")),
        ("s3-0-set2", knobs(creds=11, time_sel=1, misc=MISC_URL, expires_sel=4) + S3_TEXTS[0]),
        ("s3-3-set3", knobs(creds=16, time_sel=1, misc=MISC_URL, expires_sel=4) + S3_TEXTS[3]),
    ]:
        write("sigv4a", name, data)

    # Arbitrary-decoded targets: all-zero input is a valid config / a fresh
    # hash; a few fixed pseudo-random inputs add variety.
    rnd = random.Random(7)
    write("signer_config", "zeros", bytes(96))
    write("payload_hasher", "zeros", bytes(64))
    for i in range(4):
        write("signer_config", "random-%d" % i, bytes(rnd.randrange(256) for _ in range(160)))
        write("payload_hasher", "random-%d" % i, bytes(rnd.randrange(256) for _ in range(300)))
    write("payload_hasher", "abc", b"\x00\x00\x00\x00\x01abc" + bytes(8))
    # checksum: an all-zero input (CRC32, no data) and pseudo-random ones.
    rnd = random.Random(11)
    write("checksum", "zeros", bytes(64))
    for i in range(4):
        write("checksum", "random-%d" % i, bytes(rnd.randrange(256) for _ in range(300)))

    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(OUT) for f in fs)
    print("seeds: %d bytes" % total)


if __name__ == "__main__":
    main()
