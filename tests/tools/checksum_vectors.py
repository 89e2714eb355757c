#!/usr/bin/env python3
"""Writes tests/data/checksum-vectors.json: x-amz-checksum-* values (base64,
as sent in headers and aws-chunked trailers) computed by botocore, whose
CRC32C and CRC64NVME come from awscrt (AWS's C implementation) and whose
CRC32, SHA-1 and SHA-256 come from zlib and hashlib: implementations
independent of sigv4rs. tests/checksums.rs checks every value, and reruns
this script to compare when a Python with botocore and awscrt is found.

    python3 -m venv /tmp/ckvenv && /tmp/ckvenv/bin/pip install botocore awscrt
    /tmp/ckvenv/bin/python tests/tools/checksum_vectors.py        # writes the file
    /tmp/ckvenv/bin/python tests/tools/checksum_vectors.py -      # to stdout

Payloads: the empty one, "123456789" (the CRC catalogue's check input),
seeded random bytes of lengths around the 64-byte block and padding edges
and beyond, and AWS's streaming example (66,560 bytes of 'a', stored as a
repeat rather than spelled out).
"""

import json
import os
import random
import sys

import awscrt
import botocore
from botocore import httpchecksum as h

ALGORITHMS = {
    "crc32": h.Crc32Checksum,
    "crc32c": h.CrtCrc32cChecksum,
    "crc64nvme": h.CrtCrc64NvmeChecksum,
    "sha1": h.Sha1Checksum,
    "sha256": h.Sha256Checksum,
}


def values(data):
    out = {}
    for name, cls in ALGORITHMS.items():
        c = cls()
        # In two pieces: botocore's own streaming path.
        c.update(data[: len(data) // 2])
        c.update(data[len(data) // 2 :])
        out[name] = c.b64digest()
    return out


def main():
    rng = random.Random(15)
    lengths = [1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 255, 256, 1000, 4097]
    lengths += sorted(rng.randrange(1, 3000) for _ in range(12))
    cases = [{"name": "empty", "payload_hex": ""}, {"name": "check", "payload_hex": b"123456789".hex()}]
    for n in lengths:
        cases.append({"name": "random %d" % n, "payload_hex": rng.randbytes(n).hex()})
    cases.append({"name": "AWS streaming example", "repeat_hex": "61", "count": 66560})
    for c in cases:
        data = bytes.fromhex(c["payload_hex"]) if "payload_hex" in c else bytes.fromhex(c["repeat_hex"]) * c["count"]
        c.update(values(data))
    doc = {
        "generator": "tests/tools/checksum_vectors.py",
        "botocore": botocore.__version__,
        "awscrt": awscrt.__version__,
        "cases": cases,
    }
    text = json.dumps(doc, indent=1) + "\n"
    if sys.argv[1:] == ["-"]:
        sys.stdout.write(text)
    else:
        path = os.path.join(os.path.dirname(__file__), "..", "data", "checksum-vectors.json")
        with open(path, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
