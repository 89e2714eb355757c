#!/usr/bin/env python3
"""Writes tests/data/botocore-vectors.json: S3 (and a few non-S3) SigV4
reference vectors produced by botocore, an implementation independent of
sigv4rs. The official AWS suite has no S3 cases; these fill that gap.

Run it in a venv with botocore installed:

    python3 -m venv /tmp/botovenv
    /tmp/botovenv/bin/pip install botocore
    /tmp/botovenv/bin/python tests/tools/botocore_vectors.py

How botocore is driven (read from botocore/auth.py, checked against the
installed version, recorded in the output):

* Time: `SigV4Auth.add_auth` calls `get_current_datetime()`, a name imported
  into `botocore.auth` from `botocore.compat`; it is replaced in
  `botocore.auth` by a function returning 2015-08-30T12:36:00 (naive UTC,
  as the original returns with its default `remove_tzinfo=True`).
* Canonical request / string to sign / signature: captured by subclassing
  the signers and wrapping `string_to_sign(request, canonical_request)` and
  `signature(string_to_sign, request)`, so the values are the ones the
  signer actually used inside `add_auth`.
* Payload: `S3SigV4Auth._modify_request_before_signing` always replaces a
  caller's `X-Amz-Content-SHA256` header with `self.payload(request)`, so a
  preset `UNSIGNED-PAYLOAD` header is NOT honoured for S3. `payload()`
  returns `UNSIGNED-PAYLOAD` when `_should_sha256_sign_payload` is false;
  for S3 the explicit switch is `request.context['client_config'].s3
  ['payload_signing_enabled']` (a `botocore.config.Config(s3=...)`). With no
  such config, no `Content-MD5`/checksum header, the payload is hashed
  (SHA-256 of the body), which is what the "hashed" cases rely on.
  `S3SigV4QueryAuth.payload()` is always `UNSIGNED-PAYLOAD`.
* Non-S3 `SigV4Auth._normalize_url_path` is
  `quote(remove_dot_segments(path), safe='/~')`: dot segments and empty
  segments are removed and the already-encoded path is encoded again
  (`%3A` -> `%253A`), the documented double encoding for non-S3 services.
  S3 signers return the path unchanged (no normalization, no re-encoding).
* Query (header mode): `_canonical_query_string_url` splits the URL's
  query at `&` and `=` and sorts the raw (already encoded) pairs; nothing is
  re-encoded. Presigning (`SigV4QueryAuth._modify_request_before_signing`)
  parses the query with `parse_qs` (decodes; keeps only the first value of
  a repeated key; `+` becomes a space) and re-encodes it with
  `percent_encode_sequence`, so presign cases avoid repeated keys and `+`.
* Headers: every header given is signed except SIGNED_HEADERS_BLACKLIST;
  `host` is derived from the URL (default port dropped). Values are trimmed
  and inner whitespace runs collapsed (`' '.join(value.split())`). A `Date`
  header would make botocore replace `Date` instead of adding `X-Amz-Date`,
  so none of the cases passes one.
"""

import datetime
import hashlib
import json
import os
import sys

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqw"
    "AeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wU"
    "E8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0"
    "rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIl"
    "TJabIQwj2ICCR/oLxBA=="
)
FIXED_TIME = datetime.datetime(2015, 8, 30, 12, 36, 0)
UNIX_TIME = 1440938160

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "botocore-vectors.json")


def _fixed_now(remove_tzinfo=True):
    if remove_tzinfo:
        return FIXED_TIME
    return FIXED_TIME.replace(tzinfo=datetime.timezone.utc)


# The name `add_auth` looks up at call time.
assert hasattr(botocore.auth, "get_current_datetime"), "botocore.auth no longer imports get_current_datetime"
botocore.auth.get_current_datetime = _fixed_now
assert int(FIXED_TIME.replace(tzinfo=datetime.timezone.utc).timestamp()) == UNIX_TIME


class _Capture:
    """Records what `add_auth` computed, at the point it used it."""

    captured_canonical_request = None
    captured_string_to_sign = None
    captured_signature = None

    def string_to_sign(self, request, canonical_request):
        sts = super().string_to_sign(request, canonical_request)
        self.captured_canonical_request = canonical_request
        self.captured_string_to_sign = sts
        return sts

    def signature(self, string_to_sign, request):
        sig = super().signature(string_to_sign, request)
        self.captured_signature = sig
        return sig


class S3Headers(_Capture, botocore.auth.S3SigV4Auth):
    pass


class S3Presign(_Capture, botocore.auth.S3SigV4QueryAuth):
    pass


class V4Headers(_Capture, botocore.auth.SigV4Auth):
    pass


SIGNERS = {
    ("headers", True): S3Headers,
    ("presign", True): S3Presign,
    ("headers", False): V4Headers,
}

OUTPUT_HEADERS = ["X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256", "Authorization"]

BUCKET = "https://examplebucket.s3.amazonaws.com"
ES = "https://search-mydomain.us-west-2.es.amazonaws.com"
PUT_BODY = "Welcome to Amazon S3."
JSON_BODY = '{"title": "Moby Dick", "year": 1851}'


def case(
    id,
    mode,
    method,
    url,
    headers=(),
    body="",
    *,
    s3=True,
    token=False,
    region=None,
    service=None,
    expires=None,
    payload_signing=True,
    note=None,
    quirk=None,
):
    if service is None:
        service = "s3" if s3 else "es"
    if region is None:
        region = "us-east-1" if s3 else "us-west-2"
    if mode == "presign" and expires is None:
        expires = 3600
    return {
        "id": id,
        "mode": mode,
        "method": method,
        "url": url,
        "headers": [list(h) for h in headers],
        "body": body,
        "expires": expires,
        "service": service,
        "region": region,
        "token": TOKEN if token else "",
        "s3": s3,
        "payload_signing": payload_signing,
        "note": note,
        "quirk": quirk,
    }


UNSIGNED_NOTE = (
    "UNSIGNED-PAYLOAD via client_config s3.payload_signing_enabled=False: S3SigV4Auth overwrites a "
    "preset X-Amz-Content-SHA256 header with payload(), so the header alone is not honoured"
)

CASES = [
    # --- S3, header mode, payload hashed -------------------------------
    case("s3-get-range", "headers", "GET", f"{BUCKET}/test.txt", [("Range", "bytes=0-9")],
         note="request shape of the AWS S3 docs example GET object with Range"),
    case("s3-get-range-token", "headers", "GET", f"{BUCKET}/test.txt", [("Range", "bytes=0-9")], token=True),
    case("s3-get-range-eu-west-1", "headers", "GET", "https://examplebucket.s3.eu-west-1.amazonaws.com/test.txt",
         [("Range", "bytes=0-9")], region="eu-west-1"),
    case("s3-list-objects-v2", "headers", "GET", f"{BUCKET}/?list-type=2&prefix=photos%2F2026"),
    case("s3-list-objects-v2-token", "headers", "GET", f"{BUCKET}/?list-type=2&prefix=photos%2F2026&max-keys=10",
         token=True),
    case("s3-put-body", "headers", "PUT", f"{BUCKET}/test%24file.text",
         [("x-amz-storage-class", "REDUCED_REDUNDANCY")], PUT_BODY,
         note="request shape of the AWS S3 docs example PUT object (without its Date header)"),
    case("s3-put-body-token", "headers", "PUT", f"{BUCKET}/uploads/report.csv",
         [("Content-Type", "text/csv")], "a,b,c\n1,2,3\n", token=True),
    case("s3-key-space-plus", "headers", "GET", f"{BUCKET}/my%20file%2Bv1.txt"),
    case("s3-key-reserved-chars", "headers", "GET", f"{BUCKET}/dir/a%20b%2Bc%3Dd~%2A%27%28x%29.txt"),
    case("s3-key-non-ascii", "headers", "PUT", f"{BUCKET}/%C3%BC.txt", [("Content-Type", "text/plain")], "u-umlaut"),
    case("s3-path-style", "headers", "GET", "https://s3.amazonaws.com/examplebucket/key"),
    case("s3-path-style-slashes", "headers", "GET", "https://s3.amazonaws.com/examplebucket/a//b/../c/./d",
         note="S3 keeps empty and dot segments: no normalization"),
    case("s3-port-https", "headers", "GET", "https://localhost:9000/bucket/key"),
    case("s3-port-http", "headers", "PUT", "http://localhost:9000/bucket/key", [], "minio body", token=True),
    case("s3-explicit-default-port", "headers", "GET", "https://examplebucket.s3.amazonaws.com:443/test.txt"),
    case("s3-meta-content-type", "headers", "PUT", f"{BUCKET}/meta.txt",
         [("Content-Type", "text/plain; charset=utf-8"), ("x-amz-meta-foo", "bar  baz")], "hello"),
    case("s3-acl", "headers", "GET", f"{BUCKET}/test.txt?acl"),
    case("s3-acl-put-token", "headers", "PUT", f"{BUCKET}/test.txt?acl", [("x-amz-acl", "public-read")], token=True),
    case("s3-repeated-query-keys", "headers", "GET", f"{BUCKET}/?b=2&a=2&a=1&a=10&c"),
    # --- S3, header mode, UNSIGNED-PAYLOAD -----------------------------
    case("s3-unsigned-get", "headers", "GET", f"{BUCKET}/test.txt", [("Range", "bytes=0-9")],
         payload_signing=False, note=UNSIGNED_NOTE),
    case("s3-unsigned-put-token", "headers", "PUT", f"{BUCKET}/big%20upload.bin",
         [("Content-Type", "application/octet-stream")], "not hashed", token=True, payload_signing=False,
         note=UNSIGNED_NOTE),
    # --- S3, presigned ----------------------------------------------------
    case("s3-presign-get", "presign", "GET", f"{BUCKET}/test.txt", expires=86400,
         note="the AWS S3 docs example of query-string auth uses 86400"),
    case("s3-presign-get-3600", "presign", "GET", f"{BUCKET}/my%20file%2Bv1.txt"),
    case("s3-presign-get-token", "presign", "GET", f"{BUCKET}/dir/a%20b%2Bc%3Dd~%2A%27%28x%29.txt", token=True),
    case("s3-presign-get-7days", "presign", "GET", f"{BUCKET}/%C3%BC.txt", expires=604800),
    case("s3-presign-get-query", "presign", "GET",
         f"{BUCKET}/test.txt?response-content-disposition=attachment%3B%20filename%3Dtest.txt"
         "&versionId=3HL4kqtJlcpXroDTDmJ"),
    case("s3-presign-put", "presign", "PUT", f"{BUCKET}/uploads/my%20photo.jpg"),
    case("s3-presign-put-token-content-type", "presign", "PUT", f"{BUCKET}/uploads/report.csv",
         [("Content-Type", "text/csv")], token=True, expires=604800),
    case("s3-presign-path-style-port", "presign", "GET", "http://localhost:9000/bucket/key%20x", token=True),
    # --- non-S3 (es), header mode ------------------------------------------
    case("es-post-json", "headers", "POST", f"{ES}/my-index/_doc",
         [("Content-Type", "application/json")], JSON_BODY, s3=False),
    case("es-post-json-token", "headers", "POST", f"{ES}/my-index/_search?size=10",
         [("Content-Type", "application/json")], '{"query": {"match_all": {}}}', s3=False, token=True),
    case("es-get-double-encode", "headers", "GET", f"{ES}/my-index/_doc/a%3Ab", s3=False,
         note="non-S3: the encoded path is encoded again (%3A -> %253A)"),
    case("es-get-normalize", "headers", "GET", f"{ES}/my-index/./x/../_doc//a%20b", s3=False,
         note="non-S3: dot and empty segments removed, then double encoded"),
    case("aoss-preset-content-sha256", "headers", "POST",
         "https://abc123.us-west-2.aoss.amazonaws.com/my-index/_search",
         [("Content-Type", "application/json"), ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")],
         '{"size": 1}', s3=False, service="aoss",
         note="non-S3 SigV4Auth.canonical_request takes a preset X-Amz-Content-SHA256 header as the payload line"),
]


def sign(c):
    creds = Credentials(AKID, SECRET, c["token"] or None)
    cls = SIGNERS[(c["mode"], c["s3"])]
    if c["mode"] == "presign":
        auth = cls(creds, c["service"], c["region"], expires=c["expires"])
    else:
        auth = cls(creds, c["service"], c["region"])
    headers = {}
    for n, v in c["headers"]:
        assert n not in headers, "repeated header names are not represented"
        headers[n] = v
    data = c["body"].encode() or None
    req = AWSRequest(method=c["method"], url=c["url"], headers=headers, data=data)
    if not c["payload_signing"]:
        req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    auth.add_auth(req)

    creq = auth.captured_canonical_request
    payload_line = creq.rsplit("\n", 1)[1]
    signed_headers = creq.rsplit("\n", 2)[1]
    out = {
        "canonical_request": creq,
        "string_to_sign": auth.captured_string_to_sign,
        "signature": auth.captured_signature,
        "signed_headers": signed_headers,
        "payload_hash": payload_line,
    }
    if c["mode"] == "headers":
        out["output_headers"] = [[n, req.headers[n]] for n in OUTPUT_HEADERS if n in req.headers]
        # Every header of the signed request, as botocore would send it
        # (before the HTTP layer adds Host, Content-Length, User-Agent...).
        out["final_headers"] = [[n, v] for n, v in req.headers.items()]
        assert out["output_headers"][-1][1].endswith("Signature=" + auth.captured_signature)
    else:
        out["presigned_url"] = req.url
        assert req.url.endswith("&X-Amz-Signature=" + auth.captured_signature)
    # Sanity: the payload line is what the case says it is.
    body = c["body"].encode()
    preset = [v for n, v in c["headers"] if n.lower() == "x-amz-content-sha256"]
    if preset and not c["s3"]:
        assert payload_line == preset[0], c["id"]
    elif c["mode"] == "presign":
        assert payload_line == "UNSIGNED-PAYLOAD"
    elif c["payload_signing"]:
        assert payload_line == hashlib.sha256(body).hexdigest(), c["id"]
    else:
        assert payload_line == "UNSIGNED-PAYLOAD", c["id"]
    return out


def main():
    results = []
    for c in CASES:
        r = dict(c)
        r.update(sign(c))
        if r["note"] is None:
            del r["note"]
        if r["quirk"] is None:
            del r["quirk"]
        results.append(r)
    doc = {
        "generator": "tests/tools/botocore_vectors.py",
        "botocore_version": botocore.__version__,
        "python_version": sys.version.split()[0],
        "time": "2015-08-30T12:36:00Z",
        "unix_time": UNIX_TIME,
        "access_key_id": AKID,
        "secret_access_key": SECRET,
        "cases": results,
    }
    path = os.path.normpath(OUT)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=True)
        f.write("\n")
    print(f"wrote {len(results)} cases to {path} (botocore {botocore.__version__})")


if __name__ == "__main__":
    main()
