"""`sigv4rs.checksum` / `sigv4rs.Checksum` (over sigv4rs_checksum_*) and
aws-chunked trailers against the values botocore and awscrt compute
(tests/data/checksum-vectors.json, written by tests/tools/checksum_vectors.py),
whole, in pieces and forked; misuse raises the binding's errors."""

import json
import os
import random

import pytest

import sigv4rs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VECTORS = os.environ.get("SIGV4RS_CHECKSUM_VECTORS") or os.path.join(ROOT, "tests", "data",
                                                                      "checksum-vectors.json")
ALGORITHMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"]


def load():
    with open(VECTORS, encoding="utf-8") as f:
        doc = json.load(f)
    cases = []
    for c in doc["cases"]:
        if "payload_hex" in c:
            data = bytes.fromhex(c["payload_hex"])
        else:
            data = bytes.fromhex(c["repeat_hex"]) * c["count"]
        cases.append((c["name"], data, {a: c[a] for a in ALGORITHMS}))
    return cases


CASES = load()


def test_vectors_whole_in_pieces_and_forked(summary):
    r = random.Random(15)
    n = 0
    for name, data, want in CASES:
        for alg in ALGORITHMS:
            where = "%s %s" % (name, alg)
            assert sigv4rs.checksum(alg, data) == ("x-amz-checksum-" + alg, want[alg]), where
            c = sigv4rs.Checksum(alg)
            assert c.header_name == "x-amz-checksum-" + alg and c.algorithm == alg
            cut = sorted(r.randrange(len(data) + 1) for _ in range(3))
            fork = None
            for lo, hi in zip([0] + cut, cut + [len(data)]):
                c.update(memoryview(data)[lo:hi])  # empty pieces too
                if fork is None:
                    fork = c.copy()
                    rest = data[hi:]
            assert c.finish() == want[alg], where + " in pieces"
            fork.update(bytearray(rest))
            assert fork.finish() == want[alg], where + " forked"
            n += 1
    summary("python checksums: %d/%d values as botocore/awscrt (%d payloads x %s)"
            % (n, len(CASES) * len(ALGORITHMS), len(CASES), ", ".join(ALGORITHMS)))
    assert len(CASES) >= 40


def test_str_is_utf8():
    assert sigv4rs.checksum("sha1", "é") == sigv4rs.checksum("sha1", "é".encode())


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_trailer_values_are_the_vectors(alg):
    """An unsigned-trailer upload's trailer carries the vector value."""
    with sigv4rs.Signer("AKIDEXAMPLE", "secret", "us-east-1", "s3", s3=True) as s:
        for name, data, want in CASES[:12] + CASES[-1:]:
            headers, enc = s.sign_streaming("PUT", "https://b.s3.amazonaws.com/k", len(data), chunk_size=8192,
                                            mode="unsigned-trailer", checksum=alg, time=1440938160, body=data)
            assert headers["X-Amz-Trailer"] == "x-amz-checksum-" + alg
            body = enc.read()
            trailer = "x-amz-checksum-%s:%s\r\n\r\n" % (alg, want[alg])
            assert body.endswith(b"0\r\n" + trailer.encode()), (name, body[-80:])


def test_misuse():
    with pytest.raises(sigv4rs.InvalidArgumentError, match="crc64nvme"):
        sigv4rs.checksum("md5", b"")
    with pytest.raises(sigv4rs.InvalidArgumentError):
        sigv4rs.Checksum("CRC32")  # S3's header names are lower case; so are these
    with pytest.raises(sigv4rs.ArgumentTypeError):
        sigv4rs.Checksum(4)  # type: ignore[arg-type]
    with pytest.raises(sigv4rs.ArgumentTypeError):
        sigv4rs.checksum("crc32", None)  # type: ignore[arg-type]
    c = sigv4rs.Checksum("crc32")
    c.update(b"x")
    c.finish()
    with pytest.raises(sigv4rs.NotInitializedError):
        c.update(b"y")
    with pytest.raises(sigv4rs.NotInitializedError):
        c.finish()
    assert repr(c) == "<sigv4rs.Checksum crc32>"
