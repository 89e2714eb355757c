"""aws-chunked streaming (`Signer.sign_streaming`, `ChunkedEncoder`): the
two AWS S3 documentation examples byte for byte, edge sizes in every mode
checked by an independent parser (hmac, hashlib, zlib, and table CRC32C and
CRC64/NVME here), botocore's unsigned-trailer encoder (its CRCs through
awscrt), the stream interfaces, misuse, constant memory, and requests on
the wire."""

import base64
import hashlib
import hmac
import http.server
import io
import threading
import tracemalloc
import zlib

import pytest

import sigv4rs

DOC_AKID = "AKIAIOSFODNN7EXAMPLE"
DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_TIME = 1369353600  # 2013-05-24T00:00:00Z
DOC_URL = "https://s3.amazonaws.com/examplebucket/chunkObject.txt"
DOC_HEADERS = {"x-amz-storage-class": "REDUCED_REDUNDANCY"}
DOC_DATA = b"a" * 66560

CHECKSUMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"]
MODES = [("signed", None)] + [(m, c) for m in ("signed-trailer", "unsigned-trailer") for c in CHECKSUMS]


@pytest.fixture
def doc_s3():
    with sigv4rs.Signer(DOC_AKID, DOC_SECRET, "us-east-1", "s3", s3=True) as s:
        yield s


def chunk_sigs(body):
    return [part[:64].decode() for part in body.split(b"chunk-signature=")[1:]]


def test_aws_documentation_streaming_example(doc_s3):
    # "Signature Calculations for the Authorization Header: Transferring
    # Payload in Multiple Chunks (Chunked Upload)", AWS S3 API reference.
    headers, enc = doc_s3.sign_streaming("PUT", DOC_URL, len(DOC_DATA), DOC_HEADERS, time=DOC_TIME,
                                         body=io.BytesIO(DOC_DATA))
    assert headers["Content-Length"] == "66824" and len(enc) == 66824
    assert headers["X-Amz-Decoded-Content-Length"] == "66560"
    assert headers["Content-Encoding"] == "aws-chunked"
    assert headers["X-Amz-Content-SHA256"] == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    assert headers["X-Amz-Date"] == "20130524T000000Z"
    assert "X-Amz-Trailer" not in headers
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class, "
        "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
    assert enc.seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    body = b"".join(enc)
    assert chunk_sigs(body) == [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ]
    # The whole body as the documentation lays it out.
    want = (b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
            + b"a" * 65536
            + b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
            + b"a" * 1024
            + b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
    assert body == want and len(body) == 66824


def test_aws_documentation_trailer_example():
    # "... Including Trailing Headers": CRC32C trailer; that example does
    # not sign Content-Length.
    with sigv4rs.Signer(DOC_AKID, DOC_SECRET, "us-east-1", "s3", s3=True, unsigned_headers=["content-length"]) as s:
        headers, enc = s.sign_streaming("PUT", DOC_URL, len(DOC_DATA), DOC_HEADERS, mode="signed-trailer",
                                        checksum="crc32c", time=DOC_TIME, body=DOC_DATA)
        body = enc.read()
    assert headers["X-Amz-Trailer"] == "x-amz-checksum-crc32c"
    assert headers["X-Amz-Content-SHA256"] == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    assert "SignedHeaders=content-encoding;host;x-amz-content-sha256;" in headers["Authorization"]
    assert headers["Authorization"].endswith(
        "Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e")
    assert chunk_sigs(body) == [
        "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
        "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
        "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
    ]
    assert body.endswith(
        b"\r\nx-amz-checksum-crc32c:sOO8/Q==\r\n"
        b"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n")
    assert len(body) == len(enc) == int(headers["Content-Length"])


# --- an independent decoder -------------------------------------------------

def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _crc64nvme_table():
    # CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, all-ones init and xor-out.
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x9A6C9329AC4BC9B5 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC64NVME = _crc64nvme_table()


def crc64nvme(data):
    c = 0xFFFFFFFFFFFFFFFF
    for b in data:
        c = _CRC64NVME[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFFFFFFFFFF


def test_reference_crcs_check_values():
    # The catalogued check values of "123456789" (reveng's CRC catalogue).
    assert crc32c(b"123456789") == 0xE3069283
    assert crc64nvme(b"123456789") == 0xAE8B14860A799888


def expected_checksum(name, data):
    if name == "x-amz-checksum-crc32":
        raw = zlib.crc32(data).to_bytes(4, "big")
    elif name == "x-amz-checksum-crc32c":
        raw = crc32c(data).to_bytes(4, "big")
    elif name == "x-amz-checksum-crc64nvme":
        raw = crc64nvme(data).to_bytes(8, "big")
    elif name == "x-amz-checksum-sha1":
        raw = hashlib.sha1(data).digest()
    elif name == "x-amz-checksum-sha256":
        raw = hashlib.sha256(data).digest()
    else:
        raise AssertionError("unexpected trailer %r" % name)
    return base64.b64encode(raw).decode()


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def decode(body, seed, mode, checksum, chunk_size, key, amz_date, scope):
    """Parses and verifies an aws-chunked body; returns the data."""
    empty = hashlib.sha256(b"").hexdigest()
    prev, data, rest, sizes = seed, b"", body, []
    while True:
        line, sep, rest = rest.partition(b"\r\n")
        assert sep, "chunk header line"
        size_hex, _, sig = line.decode().partition(";chunk-signature=")
        size = int(size_hex, 16)
        assert size_hex == "%x" % size
        chunk, rest = rest[:size], rest[size:]
        if mode == "unsigned-trailer":
            assert not sig
        else:
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty,
                             hashlib.sha256(chunk).hexdigest()])
            want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
            assert sig == want, "chunk signature %d" % len(sizes)
            prev = want
        data += chunk
        sizes.append(size)
        if size == 0:
            break
        assert rest[:2] == b"\r\n"
        rest = rest[2:]
    # Every chunk but the last data chunk is exactly the chunk size.
    assert all(s == chunk_size for s in sizes[:-2])
    if mode == "signed":
        assert rest == b"\r\n"
        return data
    lines = rest.decode().split("\r\n")
    name, _, value = lines[0].partition(":")
    assert name == "x-amz-checksum-" + checksum
    assert value == expected_checksum(name, data)
    if mode == "signed-trailer":
        tname, _, tsig = lines[1].partition(":")
        assert tname == "x-amz-trailer-signature"
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev,
                         hashlib.sha256((lines[0] + "\n").encode()).hexdigest()])
        assert tsig == hmac.new(key, sts.encode(), hashlib.sha256).hexdigest(), "trailer signature"
        lines = lines[2:]
    else:
        lines = lines[1:]
    assert lines == ["", ""], "closing blank line"
    return data


def gen(n, seed=7):
    return bytes((i * 31 + seed) % 251 for i in range(n))


@pytest.mark.parametrize("mode,checksum", MODES)
def test_edge_sizes_in_every_mode(doc_s3, mode, checksum):
    key = signing_key(DOC_SECRET, "20130524", "us-east-1", "s3")
    chunk = 8192
    for size in [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 5]:
        data = gen(size)
        headers, enc = doc_s3.sign_streaming("PUT", "https://b.s3.amazonaws.com/k", size, chunk_size=chunk,
                                             mode=mode, checksum=checksum, time=DOC_TIME, body=io.BytesIO(data))
        body = b"".join(enc)
        want_len = sigv4rs.chunked_encoded_length(size, chunk, mode, checksum)
        assert len(body) == len(enc) == want_len == int(headers["Content-Length"]), (mode, size)
        assert headers["X-Amz-Decoded-Content-Length"] == str(size)
        if checksum:
            assert headers["X-Amz-Trailer"] == "x-amz-checksum-" + checksum
        got = decode(body, enc.seed_signature, mode, checksum, chunk, key, "20130524T000000Z",
                     "20130524/us-east-1/s3/aws4_request")
        assert got == data, (mode, size)


def test_default_chunk_size_edges(doc_s3):
    # The sizes named in the brief, at the default 64 KiB chunk.
    for size in [0, 1, 65536, 65537]:
        headers, enc = doc_s3.sign_streaming("PUT", "https://b.s3.amazonaws.com/k", size, time=DOC_TIME,
                                             body=gen(size))
        body = enc.read()
        assert len(body) == len(enc) == int(headers["Content-Length"])
        assert enc.read() == b"" and enc.read(10) == b"" and list(enc) == []


@pytest.mark.parametrize("checksum", CHECKSUMS)  # crc32c and crc64nvme through awscrt
def test_unsigned_trailer_matches_botocore(doc_s3, checksum):
    httpchecksum = pytest.importorskip("botocore.httpchecksum")
    cls = httpchecksum._CHECKSUM_CLS[checksum]
    for size in [0, 1, 8192, 20000]:
        data = gen(size, 3)
        wrapper = httpchecksum.AwsChunkedWrapper(io.BytesIO(data), checksum_cls=cls,
                                                 checksum_name="x-amz-checksum-" + checksum, chunk_size=8192)
        _, enc = doc_s3.sign_streaming("PUT", "https://b.s3.amazonaws.com/k", size, chunk_size=8192,
                                       mode="unsigned-trailer", checksum=checksum, time=DOC_TIME, body=data)
        assert enc.read() == wrapper.read(), (checksum, size)


# --- stream interfaces ------------------------------------------------------

def _encoded(signer, body, size=40000, chunk=8192, mode="signed-trailer", checksum="sha256"):
    return signer.sign_streaming("PUT", "https://b.s3.amazonaws.com/k", size, chunk_size=chunk, mode=mode,
                                 checksum=checksum, time=DOC_TIME, body=body)[1]


def test_every_source_and_reader_gives_the_same_bytes(doc_s3):
    data = gen(40000)
    want = b"".join(_encoded(doc_s3, data))

    def pieces(sizes):
        pos = 0
        while pos < len(data):
            for n in sizes:
                yield data[pos:pos + n]
                pos += n

    class Trickle(io.RawIOBase):  # short reads, as a socket or pipe gives
        def __init__(self):
            self.pos = 0

        def readable(self):
            return True

        def readinto(self, b):
            n = min(len(b), 1000, len(data) - self.pos)
            b[:n] = data[self.pos:self.pos + n]
            self.pos += n
            return n

    sources = [
        lambda: data, lambda: bytearray(data), lambda: memoryview(data), lambda: io.BytesIO(data), Trickle,
        lambda: iter([data]), lambda: pieces([1, 8191, 3, 20000]), lambda: pieces([100000]),
        lambda: (bytes([b]) for b in data), lambda: [data[:5], b"", data[5:]],
    ]
    for make in sources:
        for reader in ("iter", 1, 7, 16384, 100000, -1, None):
            enc = _encoded(doc_s3, make())
            if reader == "iter":
                got = b"".join(enc)
            else:
                parts = []
                while True:
                    p = enc.read(reader)
                    if not p:
                        break
                    assert reader is None or reader < 0 or len(p) <= reader
                    parts.append(p)
                got = b"".join(parts)
            assert got == want, (type(make()).__name__, reader)


def test_read_then_iterate_continues(doc_s3):
    want = b"".join(_encoded(doc_s3, gen(40000)))
    enc = _encoded(doc_s3, gen(40000))
    head = enc.read(100)
    assert head + b"".join(enc) == want


def test_file_is_read_no_further_than_size(doc_s3):
    f = io.BytesIO(gen(50000))
    f.seek(1000)
    enc = _encoded(doc_s3, f, size=10000)
    body = enc.read()
    assert f.tell() == 11000
    key = signing_key(DOC_SECRET, "20130524", "us-east-1", "s3")
    assert decode(body, enc.seed_signature, "signed-trailer", "sha256", 8192, key, "20130524T000000Z",
                  "20130524/us-east-1/s3/aws4_request") == gen(50000)[1000:11000]


def test_by_hand(doc_s3):
    data = gen(20000)
    want = b"".join(_encoded(doc_s3, data, size=20000))
    enc = _encoded(doc_s3, None, size=20000)
    out = b""
    for i in range(0, 20000, 8192):
        piece = data[i:i + 8192]
        out += enc.sign_chunk(piece) + piece + b"\r\n"
    out += enc.finish()
    assert out == want


# --- misuse ------------------------------------------------------------------

def test_bad_shapes_are_refused(doc_s3):
    url = "https://b.s3.amazonaws.com/k"
    for kwargs, exc in [
        (dict(mode="chunked"), sigv4rs.InvalidArgumentError),
        (dict(mode="signed", checksum="crc32"), sigv4rs.InvalidArgumentError),
        (dict(mode="signed-trailer"), sigv4rs.InvalidArgumentError),
        (dict(mode="unsigned-trailer", checksum="md5"), sigv4rs.InvalidArgumentError),
        (dict(chunk_size=0), sigv4rs.InvalidArgumentError),
        (dict(chunk_size=1 << 32), sigv4rs.InvalidArgumentError),
        (dict(chunk_size=8192.0), TypeError),
        (dict(body="text"), TypeError),
        (dict(body=42), TypeError),
        (dict(body=b"too short"), sigv4rs.InvalidArgumentError),
    ]:
        with pytest.raises(exc):
            doc_s3.sign_streaming("PUT", url, 10, time=DOC_TIME, **kwargs)
    for size, exc in [(-1, sigv4rs.InvalidArgumentError), (1 << 64, sigv4rs.InvalidArgumentError),
                      (True, TypeError), ("10", TypeError)]:
        with pytest.raises(exc):
            doc_s3.sign_streaming("PUT", url, size, time=DOC_TIME)
    with pytest.raises(sigv4rs.InputTooLongError):
        sigv4rs.chunked_encoded_length((1 << 64) - 1, 1)
    with pytest.raises(sigv4rs.InvalidHeaderValueError):
        doc_s3.sign_streaming("PUT", url, 10, {"X-A": "a\nb"}, time=DOC_TIME)


def test_source_of_the_wrong_length(doc_s3):
    enc = _encoded(doc_s3, io.BytesIO(gen(9000)), size=10000)
    with pytest.raises(sigv4rs.IncompletePayloadError, match="ended after 9000 of 10000"):
        enc.read()
    enc = _encoded(doc_s3, iter([gen(10001)]), size=10000)
    with pytest.raises(sigv4rs.InvalidChunkSizeError, match="more than size"):
        enc.read()
    enc = _encoded(doc_s3, io.StringIO("x" * 10000), size=10000)
    with pytest.raises(TypeError, match="binary"):
        enc.read()
    with pytest.raises(TypeError, match="no body"):
        _encoded(doc_s3, None).read()


def test_by_hand_rules_are_the_c_rules(doc_s3):
    enc = _encoded(doc_s3, None, size=10000)
    with pytest.raises(sigv4rs.InvalidChunkSizeError):
        enc.sign_chunk(b"x" * 100)  # not the chunk size
    with pytest.raises(sigv4rs.InvalidChunkSizeError):
        enc.sign_chunk(b"")
    enc.sign_chunk(b"x" * 8192)
    with pytest.raises(sigv4rs.IncompletePayloadError):
        enc.finish()
    with pytest.raises(sigv4rs.InvalidChunkSizeError):
        enc.sign_chunk(b"x" * 8192)  # beyond the declared length
    enc.sign_chunk(bytearray(1808))
    enc.finish()
    with pytest.raises(sigv4rs.NotInitializedError):
        enc.finish()


def test_closed_signer():
    s = sigv4rs.Signer(DOC_AKID, DOC_SECRET, "us-east-1", "s3", s3=True)
    enc = _encoded(s, gen(40000), size=40000)
    enc.read(10)
    s.close()
    with pytest.raises(sigv4rs.ClosedError):
        enc.read()
    with pytest.raises(sigv4rs.ClosedError):
        _encoded(s, gen(40000), size=40000)


# --- memory -------------------------------------------------------------------

class PatternFile:
    """`size` bytes made on the fly: a source that needs no memory."""

    def __init__(self, size):
        self.left = size
        self.block = gen(251) * 300

    def read(self, n):
        n = min(n, self.left, len(self.block))
        self.left -= n
        return self.block[:n]


def test_constant_memory(doc_s3):
    size = 32 << 20
    _, enc = doc_s3.sign_streaming("PUT", "https://b.s3.amazonaws.com/k", size, mode="signed-trailer",
                                   checksum="crc32c", time=DOC_TIME, body=PatternFile(size))
    total = 0
    tracemalloc.start()
    try:
        while True:
            p = enc.read(16384)  # urllib3's block size
            if not p:
                break
            total += len(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == len(enc)
    assert peak < 512 * 1024, "peak %d bytes for a %d-byte body" % (peak, size)


# --- requests on the wire -----------------------------------------------------

class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = []

    def do_PUT(self):
        body = b""
        if "Content-Length" in self.headers:
            body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.received.append((dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    srv.daemon_threads = True
    th = threading.Thread(target=srv.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
    th.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def test_requests_sends_content_length_not_chunked(server, doc_s3):
    requests = pytest.importorskip("requests")
    from sigv4rs.requests_auth import SigV4Auth

    url = server + "/bucket/key%20x"
    data = gen(150000)
    key = signing_key(DOC_SECRET, "20130524", "us-east-1", "s3")
    for auth in (None, SigV4Auth(DOC_AKID, "another secret", "us-east-1", "s3")):
        headers, enc = doc_s3.sign_streaming("PUT", url, len(data), {"Content-Type": "text/plain"},
                                             mode="signed-trailer", checksum="sha256", time=DOC_TIME,
                                             body=io.BufferedReader(io.BytesIO(data)))
        sent = {"Content-Type": "text/plain"}
        if auth is None:
            sent.update(headers)
        Recorder.received.clear()
        with requests.Session() as session:
            session.trust_env = False
            r = session.put(url, data=enc, headers=sent, auth=auth)
        assert r.status_code == 200
        (got_headers, body), = Recorder.received
        assert "Transfer-Encoding" not in got_headers
        assert got_headers["Content-Length"] == headers["Content-Length"] == str(len(body))
        # With SigV4Auth: the encoder's own signature, not a new one.
        assert got_headers["Authorization"] == headers["Authorization"]
        assert got_headers["X-Amz-Content-SHA256"] == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
        assert decode(body, enc.seed_signature, "signed-trailer", "sha256", 65536, key, "20130524T000000Z",
                      "20130524/us-east-1/s3/aws4_request") == data
    # Why the encoder itself must be passed: a bare generator is sent
    # with Transfer-Encoding: chunked next to the signed Content-Length.
    headers, enc = doc_s3.sign_streaming("PUT", url, 10, time=DOC_TIME, body=b"0123456789")
    p = requests.Request("PUT", url, data=iter(enc), headers=headers).prepare()
    assert p.headers["Transfer-Encoding"] == "chunked"


