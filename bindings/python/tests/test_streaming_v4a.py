"""aws-chunked from a SigV4a signer (`sign_streaming` with `sigv4a=True`).

ECDSA signatures cannot be compared, so every seed, chunk and trailer
signature is verified under the public key of the SigV4a KDF written in
`v4a_keys` (checked here against aws-c-auth's key for the S3 example
credentials), over strings to sign built here from aws-c-auth's rules
(tests/test_chunked_signing.c, its v4a cases): `AWS4-ECDSA-P256-SHA256-
PAYLOAD` / `-TRAILER`, the scope without region, the previous signature as
unpadded hex. On the wire each signature is the DER hex padded with `*` to
144 characters (aws_signing.c)."""

import hashlib
import io

import pytest

pytest.importorskip("awscrt")

import sigv4rs  # noqa: E402
from test_streaming import (CHECKSUMS, DOC_AKID, DOC_DATA, DOC_HEADERS, DOC_SECRET, DOC_TIME,  # noqa: E402
                            DOC_URL, MODES, Recorder, expected_checksum, gen, server)
from v4a_keys import credentials_key, derive_private, public_point, verifies  # noqa: E402

assert server  # a fixture, used by name below

DATE = "20130524T000000Z"
SCOPE = "20130524/s3/aws4_request"
EMPTY = hashlib.sha256(b"").hexdigest()
# aws-c-auth's verification key for DOC_AKID / DOC_SECRET
# (`s_chunked_test_ecc_pub_x` / `_y` in its test_chunked_signing.c).
DOC_PUB = (0x18b7d04643359f6ec270dcbab8dce6d169d66ddc9778c75cfb08dfdb701637ab,
           0xfa36b35e4fe67e3112261d2e17a956ef85b06e44712d2850bcd3c2161e9993f2)
CONTENT_SHA256 = {
    "signed": "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "signed-trailer": "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    "unsigned-trailer": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
}
URL = "https://b.s3.amazonaws.com/k"


@pytest.fixture(scope="module")
def doc_key():
    return credentials_key(DOC_AKID, DOC_SECRET)


@pytest.fixture
def v4a():
    with sigv4rs.Signer(DOC_AKID, DOC_SECRET, "us-east-1", "s3", s3=True, sigv4a=True) as s:
        yield s


def sha_hex(b):
    return hashlib.sha256(b).hexdigest()


def unpad(wire):
    """The DER hex of a wire signature (`*`-padded to 144 characters)."""
    assert len(wire) == 144, "signature field of %d characters" % len(wire)
    hexpart = wire.rstrip("*")
    assert hexpart and "*" not in hexpart and all(c in "0123456789abcdef" for c in hexpart), wire
    return hexpart


def verify_body(body, seed, mode, checksum, chunk_size, key):
    """Parses a SigV4a aws-chunked body, verifying every chunk and trailer
    signature and the trailer checksum; returns the data."""
    prev, data, rest, sizes = seed, b"", body, []
    while True:
        line, sep, rest = rest.partition(b"\r\n")
        assert sep, "chunk header line"
        size_hex, _, wire = line.decode().partition(";chunk-signature=")
        size = int(size_hex, 16)
        assert size_hex == "%x" % size
        chunk, rest = rest[:size], rest[size:]
        assert len(chunk) == size, "short chunk"
        if mode == "unsigned-trailer":
            assert line == size_hex.encode(), "unsigned chunk header"
        else:
            sig = unpad(wire)
            sts = "\n".join(["AWS4-ECDSA-P256-SHA256-PAYLOAD", DATE, SCOPE, prev, EMPTY, sha_hex(chunk)])
            assert verifies(key, sts, sig), "chunk %d signature" % len(sizes)
            prev = sig
        data += chunk
        sizes.append(size)
        if size == 0:
            break
        assert rest[:2] == b"\r\n"
        rest = rest[2:]
    assert all(s == chunk_size for s in sizes[:-2]) and max(sizes) <= chunk_size
    if mode == "signed":
        assert rest == b"\r\n"
        return data
    lines = rest.decode().split("\r\n")
    name, _, value = lines[0].partition(":")
    assert name == "x-amz-checksum-" + checksum
    assert value == expected_checksum(name, data), "trailer checksum"
    if mode == "signed-trailer":
        tname, _, wire = lines[1].partition(":")
        assert tname == "x-amz-trailer-signature"
        sts = "\n".join(["AWS4-ECDSA-P256-SHA256-TRAILER", DATE, SCOPE, prev, sha_hex((lines[0] + "\n").encode())])
        assert verifies(key, sts, unpad(wire)), "trailer signature"
        lines = lines[2:]
    else:
        lines = lines[1:]
    assert lines == ["", ""], "closing blank line"
    return data


def doc_seed_sts(mode, content_length, trailer=None):
    """The seed's string to sign for the S3 example request (aws-c-auth's
    canonical request with this Content-Length and x-amz-trailer)."""
    creq = "\n".join([
        "PUT", "/examplebucket/chunkObject.txt", "",
        "content-encoding:aws-chunked",
        "content-length:%d" % content_length,
        "host:s3.amazonaws.com",
        "x-amz-content-sha256:" + mode,
        "x-amz-date:" + DATE,
        "x-amz-decoded-content-length:66560",
        "x-amz-region-set:us-east-1",
        "x-amz-storage-class:REDUCED_REDUNDANCY",
    ] + (["x-amz-trailer:" + trailer] if trailer else []) + [
        "",
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
        "x-amz-region-set;x-amz-storage-class" + (";x-amz-trailer" if trailer else ""),
        mode,
    ])
    return "\n".join(["AWS4-ECDSA-P256-SHA256", DATE, SCOPE, sha_hex(creq.encode())])


def test_kdf_key_is_aws_c_auths():
    assert public_point(derive_private(DOC_AKID, DOC_SECRET)) == DOC_PUB


@pytest.mark.parametrize("mode,checksum", [("signed", None), ("signed-trailer", "crc32c")])
def test_aws_c_auth_examples(v4a, doc_key, mode, checksum):
    # aws-c-auth's sigv4a_chunked_signing_test / ..._trailing_headers_...:
    # 65536 + 1024 bytes of 'a' (the trailer: this library's CRC32C, the
    # S3 documentation's sOO8/Q==).
    headers, enc = v4a.sign_streaming("PUT", DOC_URL, len(DOC_DATA), DOC_HEADERS, mode=mode, checksum=checksum,
                                      time=DOC_TIME, body=io.BytesIO(DOC_DATA))
    body = b"".join(enc)
    # Chunk headers `<hex>;chunk-signature=<144>\r\n`, data, CRLF; the end.
    want = 66560 + (5 + 17 + 144 + 2 + 2) + (3 + 17 + 144 + 2 + 2) + (1 + 17 + 144 + 2) + 2
    if checksum:
        trailer = "x-amz-checksum-crc32c:sOO8/Q=="
        want += len(trailer) + 2 + 24 + 144 + 2
        tail = body[-(2 + len(trailer) + 2 + 24 + 144 + 4):]
        assert tail.startswith(("\r\n%s\r\nx-amz-trailer-signature:" % trailer).encode())
        assert headers["X-Amz-Trailer"] == "x-amz-checksum-crc32c"
    assert len(body) == len(enc) == int(headers["Content-Length"]) == want
    assert sigv4rs.chunked_encoded_length(66560, 65536, mode, checksum, sigv4a=True) == want
    assert headers["X-Amz-Content-SHA256"] == CONTENT_SHA256[mode]
    assert headers["X-Amz-Region-Set"] == "us-east-1"
    assert headers["Authorization"].startswith(
        "AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/s3/aws4_request, SignedHeaders=")
    sts = doc_seed_sts(CONTENT_SHA256[mode], want, headers.get("X-Amz-Trailer"))
    assert verifies(doc_key, sts, enc.seed_signature), "seed signature"
    assert verify_body(body, enc.seed_signature, mode, checksum, 65536, doc_key) == DOC_DATA
    assert enc.sigv4a and "sigv4a" in repr(enc)


@pytest.mark.parametrize("mode,checksum", MODES)
def test_every_mode_and_checksum(v4a, doc_key, mode, checksum):
    chunk = 8192
    for size in [0, 1, chunk, 3 * chunk + 5]:  # several chunks, a short last one
        data = gen(size)
        headers, enc = v4a.sign_streaming("PUT", URL, size, chunk_size=chunk, mode=mode, checksum=checksum,
                                          time=DOC_TIME, body=io.BytesIO(data))
        body = b"".join(enc)
        declared = int(headers["Content-Length"])
        assert len(body) == len(enc) == declared, (mode, size)
        assert declared == sigv4rs.chunked_encoded_length(size, chunk, mode, checksum, sigv4a=True)
        # Each signature 144 characters instead of SigV4's 64.
        sigs = 0 if mode == "unsigned-trailer" else -(-size // chunk) + 1 + (mode == "signed-trailer")
        assert declared - sigv4rs.chunked_encoded_length(size, chunk, mode, checksum) == 80 * sigs
        assert headers["X-Amz-Content-SHA256"] == CONTENT_SHA256[mode]
        assert headers["X-Amz-Decoded-Content-Length"] == str(size)
        assert headers.get("X-Amz-Trailer") == (checksum and "x-amz-checksum-" + checksum)
        assert verify_body(body, enc.seed_signature, mode, checksum, chunk, doc_key) == data, (mode, size)


def test_unsigned_trailer_matches_botocore(v4a):
    httpchecksum = pytest.importorskip("botocore.httpchecksum")
    for checksum in CHECKSUMS:
        data = gen(20000, 3)
        wrapper = httpchecksum.AwsChunkedWrapper(io.BytesIO(data), checksum_cls=httpchecksum._CHECKSUM_CLS[checksum],
                                                 checksum_name="x-amz-checksum-" + checksum, chunk_size=8192)
        _, enc = v4a.sign_streaming("PUT", URL, len(data), chunk_size=8192, mode="unsigned-trailer",
                                    checksum=checksum, time=DOC_TIME, body=data)
        assert enc.read() == wrapper.read(), checksum


def test_tampering_fails_verification(v4a, doc_key):
    data = gen(20000)
    headers, enc = v4a.sign_streaming("PUT", URL, len(data), chunk_size=8192, mode="signed-trailer",
                                      checksum="crc64nvme", time=DOC_TIME, body=data)
    body = enc.read()
    seed = enc.seed_signature
    assert verify_body(body, seed, "signed-trailer", "crc64nvme", 8192, doc_key) == data
    start = body.index(b"\r\n") + 2
    changed = body[:start + 100] + bytes([body[start + 100] ^ 1]) + body[start + 101:]
    with pytest.raises(AssertionError, match="chunk 0 signature"):
        verify_body(changed, seed, "signed-trailer", "crc64nvme", 8192, doc_key)
    # The chain: another seed breaks the first chunk's signature.
    with pytest.raises(AssertionError, match="chunk 0 signature"):
        verify_body(body, seed[:-2] + ("00" if seed[-2:] != "00" else "01"), "signed-trailer", "crc64nvme", 8192,
                    doc_key)
    # Another checksum value; a trailer signature not over this trailer.
    trailer = b"x-amz-checksum-crc64nvme:" + expected_checksum("x-amz-checksum-crc64nvme", data).encode()
    other = expected_checksum("x-amz-checksum-crc64nvme", data[:-1] + b"\0").encode()
    forged = body.replace(trailer, b"x-amz-checksum-crc64nvme:" + other)
    assert forged != body
    with pytest.raises(AssertionError, match="trailer checksum"):
        verify_body(forged, seed, "signed-trailer", "crc64nvme", 8192, doc_key)
    at = body.index(b"x-amz-trailer-signature:") + 24 + 20
    forged = body[:at] + (b"0" if body[at:at + 1] != b"0" else b"1") + body[at + 1:]
    with pytest.raises(AssertionError, match="trailer signature"):
        verify_body(forged, seed, "signed-trailer", "crc64nvme", 8192, doc_key)
    with pytest.raises(AssertionError, match="chunk 0 signature"):
        verify_body(body, seed, "signed-trailer", "crc64nvme", 8192, credentials_key(DOC_AKID, "another secret"))


def test_by_hand(v4a, doc_key):
    data = gen(20000)
    _, enc = v4a.sign_streaming("PUT", URL, len(data), chunk_size=8192, mode="signed-trailer", checksum="sha1",
                                time=DOC_TIME)
    out = b""
    for i in range(0, len(data), 8192):
        piece = data[i:i + 8192]
        hdr = enc.sign_chunk(piece)
        assert len(hdr) == len("%x" % len(piece)) + 17 + 144 + 2
        out += hdr + piece + b"\r\n"
    end = enc.finish()
    assert len(end) <= sigv4rs._abi.SIGV4A_CHUNKED_FINISH_MAX_LEN
    out += end
    assert len(out) == len(enc)
    assert verify_body(out, enc.seed_signature, "signed-trailer", "sha1", 8192, doc_key) == data


def test_seed_with_every_header_line(doc_key):
    # A token, a trailer and an upper-case host (a Host line): the seed
    # writes SIGV4A_MAX_OUTPUT_HEADERS lines.
    with sigv4rs.Signer(DOC_AKID, DOC_SECRET, "us-east-1", "s3", "token/x", s3=True, sigv4a=True) as s:
        headers, enc = s.sign_streaming("PUT", "https://B.s3.amazonaws.com/k", 9000, chunk_size=8192,
                                        mode="signed-trailer", checksum="crc32", time=DOC_TIME, body=gen(9000))
        body = enc.read()
    assert len(headers) == sigv4rs._abi.SIGV4A_MAX_OUTPUT_HEADERS
    assert headers["Host"] == "b.s3.amazonaws.com" and headers["X-Amz-Security-Token"] == "token/x"
    assert verify_body(body, enc.seed_signature, "signed-trailer", "crc32", 8192, doc_key) == gen(9000)


def test_requests_on_the_wire(server, v4a, doc_key):
    requests = pytest.importorskip("requests")
    from sigv4rs.requests_auth import SigV4Auth

    url = server + "/bucket/key"
    data = gen(70000)
    headers, enc = v4a.sign_streaming("PUT", url, len(data), mode="signed-trailer", checksum="crc64nvme",
                                      time=DOC_TIME, body=io.BytesIO(data))
    Recorder.received.clear()
    with requests.Session() as session:
        session.trust_env = False
        auth = SigV4Auth(DOC_AKID, "another secret", "us-east-1", "s3", sigv4a=True)
        r = session.put(url, data=enc, auth=auth)
    assert r.status_code == 200
    (got, body), = Recorder.received
    assert "Transfer-Encoding" not in got
    assert got["Content-Length"] == headers["Content-Length"] == str(len(body))
    assert got["Authorization"] == headers["Authorization"]  # not signed again
    assert verify_body(body, enc.seed_signature, "signed-trailer", "crc64nvme", 65536, doc_key) == data


def test_arguments():
    with pytest.raises(sigv4rs.InvalidArgumentError):
        sigv4rs.chunked_encoded_length(10, 8192, "chunked", sigv4a=True)
    with pytest.raises(TypeError):
        sigv4rs.chunked_encoded_length(10, sigv4a=1)


def test_buffers_fit_without_a_retry(v4a, monkeypatch):
    # The encoder's buffer is sized by the SigV4a maxima: no call comes
    # back BUFFER_TOO_SMALL (the retry would hide a wrong size).
    statuses = []
    call = v4a._call

    def recording(fn, *args):
        st = call(fn, *args)
        statuses.append(st)
        return st

    monkeypatch.setattr(v4a, "_call", recording)
    _, enc = v4a.sign_streaming("PUT", URL, 9000, chunk_size=8192, mode="signed-trailer", checksum="sha256",
                                time=DOC_TIME, body=gen(9000))
    enc.read()
    assert len(statuses) == 3 and set(statuses) == {sigv4rs._abi.STATUS_OK}
