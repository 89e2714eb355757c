#!/usr/bin/env python3
"""aws-chunked uploads signed by foreign signers (README.md, "aws-chunked").

    python chunked_gen.py awscrt|botocore COUNT SEED > chunked-SIGNER.jsonl
    python chunked_gen.py cases COUNT SEED > chunked-cases.jsonl   (gosdk's inputs)

Needs the venv (target/pyvenv: botocore, awscrt). One PUT a line: the seed
request's headers, the encoded body, and the object's SHA-256.

- awscrt: the seed request signed by aws-c-auth (awscrt.auth.aws_sign_request,
  signed_body_value STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]); every chunk
  and the trailer signed by aws-c-auth too (awscrt_chunk.py: awscrt 0.38.1's
  Python does not expose that signing, so it is called by address). Each
  signature is also computed with hmac/hashlib from the AWS documentation's
  string to sign: a disagreement stops the generator.
- botocore: STREAMING-UNSIGNED-PAYLOAD-TRAILER as botocore sends it: the
  headers from httpchecksum._apply_request_trailer_checksum, the body from its
  AwsChunkedWrapper (with its checksum trailer), the seed signed by
  S3SigV4Auth.
"""

import base64
import datetime
import hashlib
import hmac
import io
import json
import random
import sys
import zlib

sys.dont_write_bytecode = True  # awscrt_chunk is imported from the source tree

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
REGIONS = ["us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1"]
AKID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def checksum_b64(alg, data):
    """The trailer value, from the standard library and awscrt.checksums."""
    if alg == "crc32":
        raw = zlib.crc32(data).to_bytes(4, "big")
    elif alg == "crc32c":
        from awscrt import checksums
        raw = checksums.crc32c(data).to_bytes(4, "big")
    elif alg == "crc64nvme":
        from awscrt import checksums
        raw = checksums.crc64nvme(data).to_bytes(8, "big")
    else:
        raw = hashlib.new(alg, data).digest()
    return base64.b64encode(raw).decode()


def case(rng, i):
    """The i-th input: object, chunk size, keys, region, time, mode."""
    fixed = [0, 1, 8191, 8192, 8193, 65537]
    if i < len(fixed) * 2:
        size = fixed[i % len(fixed)]
    elif rng.random() < 0.1:
        size = rng.randrange(8192, 70000)
    else:
        size = rng.randrange(0, 20000)
    chunk = rng.choice([8192, 8192, 8192, 8193, 10000, 16384, 65536, rng.randrange(8192, 30000)])
    token = None
    if rng.random() < 0.35:
        token = "".join(rng.choice(SECRET_CHARS) for _ in range(rng.randrange(16, 400)))
    return {
        "id": i,
        "object": rng.randbytes(size),
        "chunk_size": chunk,
        "access_key_id": "AKIA" + "".join(rng.choice(AKID_CHARS) for _ in range(16)),
        "secret_access_key": "".join(rng.choice(SECRET_CHARS) for _ in range(40)),
        "session_token": token,
        "region": rng.choice(REGIONS),
        "time": rng.randrange(1420070400, 1893456000),  # 2015..2030
        "bucket": "b%d-%s" % (i, rng.choice(["data", "logs", "x.y"])),
        "key": rng.choice(["obj", "a/b/c.txt", "d%C3%A9j%C3%A0", "k%20v", "x-%2A-y"]),
        "checksum": rng.choice(["crc32", "crc32c", "sha256", "sha1", "crc64nvme"]),
    }


def line(signer, mode, c, url, headers, body, checksum):
    return {
        "signer": signer,
        "mode": mode,
        "checksum": checksum,
        "method": "PUT",
        "url": url,
        "headers": headers,
        "body_hex": body.hex(),
        "object_len": len(c["object"]),
        "object_sha256": hashlib.sha256(c["object"]).hexdigest(),
        "chunk_size": c["chunk_size"],
        "access_key_id": c["access_key_id"],
        "secret_access_key": c["secret_access_key"],
        "session_token": c["session_token"],
        "region": c["region"],
        "service": "s3",
        "time": c["time"],
        "id": c["id"],
    }


# awscrt -------------------------------------------------------------------

def chunks_of(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


def encoded_len(n, size, mode, checksum):
    """Length of the body framed as the AWS documentation shows it."""
    sig = len(";chunk-signature=") + 64
    total = 0
    for k in [len(x) for x in chunks_of(b"\0" * n, size)] + [0]:
        total += len("%x" % k) + sig + 2 + (k + 2 if k else 0)
    if mode == SIGNED_TRAILER:
        name = "x-amz-checksum-" + checksum
        total += len(name) + 1 + len(checksum_b64(checksum, b"")) + 2
        total += len("x-amz-trailer-signature:") + 64 + 2
    return total + 2


def chain(key, date, scope, prev, algorithm, tail):
    """One link of the chunk signature chain (AWS S3 docs, "Signature
    calculations for the Authorization header: transferring payload in
    multiple chunks")."""
    sts = "\n".join([algorithm, date, scope, prev, tail])
    return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


def signing_key(secret, day, region, service):
    k = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


_crt = []


def crt_signer():
    if not _crt:
        import awscrt_chunk
        _crt.append(awscrt_chunk.Crt())
    return _crt[0]


def awscrt_line(c, mode):
    from awscrt import auth, http

    t = datetime.datetime.fromtimestamp(c["time"], datetime.timezone.utc)
    host = "%s.s3.%s.amazonaws.com" % (c["bucket"], c["region"])
    path = "/" + c["key"]
    data, size = c["object"], c["chunk_size"]
    checksum = c["checksum"] if mode == SIGNED_TRAILER else None
    hs = [
        ("Host", host),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", str(len(data))),
        ("Content-Length", str(encoded_len(len(data), size, mode, checksum))),
        ("x-amz-storage-class", "STANDARD"),
    ]
    if checksum:
        hs.append(("x-amz-trailer", "x-amz-checksum-" + checksum))
    req = http.HttpRequest("PUT", path, http.HttpHeaders(hs))
    creds = auth.AwsCredentialsProvider.new_static(
        c["access_key_id"], c["secret_access_key"], c["session_token"])
    cfg = auth.AwsSigningConfig(
        algorithm=auth.AwsSigningAlgorithm.V4,
        signature_type=auth.AwsSignatureType.HTTP_REQUEST_HEADERS,
        credentials_provider=creds,
        region=c["region"],
        service="s3",
        date=t,
        use_double_uri_encode=False,
        should_normalize_uri_path=False,
        signed_body_value=mode,
        signed_body_header_type=auth.AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256,
    )
    auth.aws_sign_request(req, cfg).result()
    headers = [[k, v] for k, v in req.headers]
    authz = next(v for k, v in headers if k.lower() == "authorization")
    prev = authz.rsplit("Signature=", 1)[1]
    date = next(v for k, v in headers if k.lower() == "x-amz-date")
    scope = "%s/%s/s3/aws4_request" % (date[:8], c["region"])
    key = signing_key(c["secret_access_key"], date[:8], c["region"], "s3")
    empty = hashlib.sha256(b"").hexdigest()
    crt, ccreds = crt_signer(), auth.AwsCredentials(
        c["access_key_id"], c["secret_access_key"], c["session_token"])

    def agree(crt_sig, doc_sig):
        if crt_sig != doc_sig:
            sys.exit("chunked_gen: id %d: aws-c-auth %s, AWS docs %s" % (c["id"], crt_sig, doc_sig))
        return crt_sig

    out = io.BytesIO()
    for piece in chunks_of(data, size) + [b""]:
        doc = chain(key, date, scope, prev, "AWS4-HMAC-SHA256-PAYLOAD",
                    empty + "\n" + hashlib.sha256(piece).hexdigest())
        prev = agree(crt.sign_link(2, ccreds, c["region"], "s3", t, prev, payload=piece), doc)
        out.write(b"%x;chunk-signature=%s\r\n" % (len(piece), prev.encode()))
        if piece:
            out.write(piece + b"\r\n")
    if checksum:
        name, value = "x-amz-checksum-" + checksum, checksum_b64(checksum, data)
        trailer = "%s:%s" % (name, value)
        doc = chain(key, date, scope, prev, "AWS4-HMAC-SHA256-TRAILER",
                    hashlib.sha256((trailer + "\n").encode()).hexdigest())
        sig = agree(crt.sign_link(6, ccreds, c["region"], "s3", t, prev, trailers=[(name, value)]), doc)
        out.write(("%s\r\nx-amz-trailer-signature:%s\r\n" % (trailer, sig)).encode())
    out.write(b"\r\n")
    body = out.getvalue()
    assert len(body) == encoded_len(len(data), size, mode, checksum)
    return line("awscrt", mode, c, "https://%s%s" % (host, path), headers, body, checksum)


# botocore -----------------------------------------------------------------

_now = [None]


def botocore_line(c):
    import botocore.auth as bauth
    from botocore import httpchecksum
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    bauth.get_current_datetime = lambda remove_tzinfo=True: (
        _now[0] if remove_tzinfo else _now[0].replace(tzinfo=datetime.timezone.utc))
    data, alg = c["object"], c["checksum"]
    name = "x-amz-checksum-" + alg
    context = {"checksum": {"request_algorithm": {"in": "trailer", "algorithm": alg, "name": name}}}
    r = {"headers": {"Content-Length": str(len(data))}, "body": data, "context": context}
    httpchecksum._apply_request_trailer_checksum(r)
    # The same wrapper, with a chunk size of the input's (botocore: 1 MiB).
    wrapper = httpchecksum.AwsChunkedWrapper(
        io.BytesIO(data), checksum_cls=r["body"]._checksum_cls, checksum_name=name,
        chunk_size=c["chunk_size"])
    body = wrapper.read()
    url = "https://s3.%s.amazonaws.com/%s/%s" % (c["region"], c["bucket"], c["key"])
    req = AWSRequest(method="PUT", url=url, headers=r["headers"], data=body)
    req.context.update(context)
    creds = Credentials(c["access_key_id"], c["secret_access_key"], c["session_token"])
    signer = bauth.S3SigV4Auth(creds, "s3", c["region"])
    _now[0] = datetime.datetime.fromtimestamp(c["time"], datetime.timezone.utc).replace(tzinfo=None)
    signer.add_auth(req)
    prepared = req.prepare()
    headers = [["host", bauth._host_from_url(prepared.url)]]
    headers += [[k, v] for k, v in prepared.headers.items()]
    return line("botocore", UNSIGNED_TRAILER, c, prepared.url, headers, body, alg)


def main():
    signer, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random("%s/%d" % (signer, seed))
    out = sys.stdout
    for i in range(count):
        c = case(rng, i)
        if signer == "cases":
            c = dict(c, object_hex=c.pop("object").hex())
            out.write(json.dumps(c) + "\n")
        elif signer == "awscrt":
            mode = [SIGNED, SIGNED_TRAILER][i % 2]
            out.write(json.dumps(awscrt_line(c, mode)) + "\n")
        else:
            out.write(json.dumps(botocore_line(c)) + "\n")


if __name__ == "__main__":
    main()
