"""Verifier.begin and BodyVerifier: bodies signed by the binding's Signer
(a plain x-amz-content-sha256, UNSIGNED-PAYLOAD, and aws-chunked through
`sign_streaming` in every stream mode and checksum) verify whatever way
they are split, decode to the data that was signed, and any changed byte
of a chunk, a chunk signature or the trailer, or a cut body, is refused."""

import io
import random

import pytest

import sigv4rs
from sigv4rs import errors as E

AKID = "AKIDBODYTEST"
SECRET = "body/Secret+Key/ForTheVerifierTests0123"
T = 1700000000
HOST = "bucket.example.com"
CHUNK = 8192  # S3's smallest chunk but the last

CHECKSUMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"]
MODES = [("signed", None)] + [(m, c) for m in ("signed-trailer", "unsigned-trailer") for c in CHECKSUMS]
SIZES = [0, 1, CHUNK, CHUNK + 1, 3 * CHUNK + 77]


def verifier(**kw):
    return sigv4rs.Verifier("us-east-1", "s3", {AKID: SECRET}, s3=True, **kw)


def data_of(n, seed=7):
    return random.Random(seed + n).randbytes(n)


def streamed(data, mode="signed", checksum=None, chunk_size=CHUNK, path="/bucket/obj"):
    """(target, received headers, wire body) of an aws-chunked PUT."""
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True) as s:
        extra = [("Content-Type", "application/octet-stream")]
        out, enc = s.sign_streaming("PUT", "https://" + HOST + path, len(data), extra, chunk_size=chunk_size,
                                    mode=mode, checksum=checksum, time=T, body=data)
        wire = enc.read()
    return path, [("Host", HOST)] + extra + list(out.items()), wire


def plain(data, **kw):
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "s3", s3=True) as s:
        out = s.sign("PUT", "https://%s/bucket/obj" % HOST, body=data, time=T, **kw)
    return "/bucket/obj", [("Host", HOST)] + list(out.items()), data


def feed(body, wire, rng):
    """Feeds `wire` in random pieces (1 byte to 3 chunks); the payload."""
    out, i = [], 0
    while i < len(wire):
        n = rng.choice([1, 2, 7, 100, CHUNK - 1, CHUNK + 90, 3 * CHUNK])
        out.append(body.update(wire[i:i + n]))
        i += n
    body.finish()
    return b"".join(out)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("mode,checksum", MODES, ids=["%s-%s" % m for m in MODES])
def test_streamed_bodies_verify_and_decode(mode, checksum, size, summary):
    data = data_of(size)
    target, headers, wire = streamed(data, mode, checksum)
    v = verifier()
    rng = random.Random(size)
    for _ in range(3):
        body = v.begin("PUT", target, headers, now=T)
        assert body.result.access_key_id == AKID and body.result.form == "header"
        assert feed(body, wire, rng) == data
    # In one piece, through update_into (in place), and through a reader.
    body = v.begin("PUT", target, headers, now=T)
    buf = bytearray(wire)
    n = body.update_into(buf)
    body.finish()
    assert bytes(buf[:n]) == data
    with v.begin("PUT", target, headers, now=T) as body:
        assert body.reader(io.BytesIO(wire), len(wire)).read() == data


def _flip(wire, i):
    return wire[:i] + bytes([wire[i] ^ 0x01]) + wire[i + 1:]


def run(target, headers, wire, rng=None):
    """The status the body gets (None: verified), fed in random pieces."""
    try:
        body = verifier().begin("PUT", target, headers, now=T)
        feed(body, wire, rng or random.Random(1))
    except E.VerificationError as e:
        return e.status
    return None


@pytest.mark.parametrize("mode,checksum", MODES, ids=["%s-%s" % m for m in MODES])
def test_changed_chunk_byte_is_refused(mode, checksum):
    data = data_of(2 * CHUNK + 10)
    target, headers, wire = streamed(data, mode, checksum)
    # The first byte of the second chunk's data, found from the framing.
    second = wire.index(b"\r\n", wire.index(b"\r\n") + 2 + CHUNK + 2) + 2
    assert wire[second:second + 100] == data[CHUNK:CHUNK + 100]
    want = "CHECKSUM_MISMATCH" if mode == "unsigned-trailer" else "CHUNK_SIGNATURE_MISMATCH"
    assert run(target, headers, _flip(wire, second)) == want
    assert run(target, headers, _flip(wire, len(wire) - 40)) is not None  # in the trailer / final chunk
    assert run(target, headers, wire) is None


@pytest.mark.parametrize("mode,checksum", [m for m in MODES if m[0] != "unsigned-trailer"],
                         ids=["%s-%s" % m for m in MODES if m[0] != "unsigned-trailer"])
def test_changed_chunk_signature_is_refused(mode, checksum):
    target, headers, wire = streamed(data_of(CHUNK + 5), mode, checksum)
    i = wire.index(b"chunk-signature=") + len(b"chunk-signature=")
    sig = wire[i:i + 64]
    other = bytes(b"0123456789abcdef"[(b"0123456789abcdef".index(sig[0]) + 1) % 16:][:1]) + sig[1:]
    assert run(target, headers, wire[:i] + other + wire[i + 64:]) == "CHUNK_SIGNATURE_MISMATCH"


@pytest.mark.parametrize("mode", ["signed-trailer", "unsigned-trailer"])
def test_changed_trailer_is_refused(mode):
    target, headers, wire = streamed(data_of(100), mode, "crc32")
    i = wire.index(b"x-amz-checksum-crc32:") + len(b"x-amz-checksum-crc32:")
    value = wire[i:i + 8]
    changed = wire[:i] + (b"AAAAAA==" if value != b"AAAAAA==" else b"AAAAAQ==") + wire[i + 8:]
    assert run(target, headers, changed) == "CHECKSUM_MISMATCH"
    renamed = wire.replace(b"x-amz-checksum-crc32:", b"x-amz-checksum-crc33:")
    assert run(target, headers, renamed) == "MALFORMED_TRAILER"
    if mode == "signed-trailer":
        j = wire.index(b"x-amz-trailer-signature:") + len(b"x-amz-trailer-signature:")
        other = b"0" if wire[j:j + 1] != b"0" else b"1"
        assert run(target, headers, wire[:j] + other + wire[j + 1:]) == "CHUNK_SIGNATURE_MISMATCH"


@pytest.mark.parametrize("mode,checksum", MODES, ids=["%s-%s" % m for m in MODES])
def test_cut_body_is_incomplete(mode, checksum):
    target, headers, wire = streamed(data_of(CHUNK + 5), mode, checksum)
    for cut in (0, 10, len(wire) // 2, len(wire) - 1):
        assert run(target, headers, wire[:cut]) == "INCOMPLETE_PAYLOAD", cut


def test_broken_framing_and_changed_headers():
    target, headers, wire = streamed(data_of(CHUNK + 5))
    assert run(target, headers, b"zz" + wire[wire.index(b";"):]) == "MALFORMED_CHUNK"
    longer = [(n, str(int(v) + 1) if n == "X-Amz-Decoded-Content-Length" else v) for n, v in headers]
    assert run(target, longer, wire) == "SIGNATURE_MISMATCH"  # a signed header: refused at begin
    wrong = sigv4rs.Verifier("us-east-1", "s3", {AKID: SECRET + "!"}, s3=True)
    with pytest.raises(E.SignatureMismatchError):
        wrong.begin("PUT", target, headers, now=T)


def test_small_chunks_are_refused():
    target, headers, wire = streamed(data_of(3000), chunk_size=1000)
    assert run(target, headers, wire) == "CHUNK_TOO_SMALL"


def test_failed_body_stays_failed_and_reader_raises_at_the_end():
    target, headers, wire = streamed(data_of(2 * CHUNK))
    last = len(wire) - 200
    bad = _flip(wire, last)
    body = verifier().begin("PUT", target, headers, now=T)
    with pytest.raises(E.VerificationError) as ei:
        body.update(bad)
    first = ei.value.status
    with pytest.raises(E.VerificationError) as again:
        body.update(b"x")
    assert again.value.status == first
    with pytest.raises(E.VerificationError):
        body.finish()
    reader = verifier().begin("PUT", target, headers, now=T).reader(io.BytesIO(bad), len(bad))
    with pytest.raises(E.VerificationError):
        reader.read()
    with pytest.raises(E.VerificationError):
        reader.read(1)  # no silent end after a failure
    short = verifier().begin("PUT", target, headers, now=T).reader(io.BytesIO(wire[:-5]), len(wire))
    with pytest.raises(E.IncompletePayloadError) as ei:
        short.read()
    assert isinstance(ei.value, E.VerificationError)


def test_plain_bodies():
    data = data_of(20000)
    v = verifier()
    target, headers, wire = plain(data)
    body = v.begin("PUT", target, headers, now=T)
    assert feed(body, wire, random.Random(3)) == data
    assert run(target, headers, _flip(wire, 12345)) == "PAYLOAD_MISMATCH"
    assert run(target, headers, wire[:-1]) in ("PAYLOAD_MISMATCH", "INCOMPLETE_PAYLOAD")
    # Through a reader: the data comes before the check, the last read raises.
    reader = v.begin("PUT", target, headers, now=T).reader(io.BytesIO(_flip(wire, 5)), len(wire))
    assert reader.read(100) == _flip(data, 5)[:100]
    with pytest.raises(E.PayloadMismatchError):
        reader.read()
    assert v.begin("PUT", target, headers, now=T).reader(io.BytesIO(wire), len(wire)).read() == data
    # UNSIGNED-PAYLOAD: the body passes through (TLS protects it).
    target, headers, wire = plain(data, unsigned_payload=True)
    assert feed(v.begin("PUT", target, headers, now=T), wire, random.Random(4)) == data


def test_other_services_need_the_whole_body():
    with sigv4rs.Signer(AKID, SECRET, "us-east-1", "execute-api") as s:
        out = s.sign("POST", "https://%s/prod/x" % HOST, body=b"{}", time=T)
    v = sigv4rs.Verifier("us-east-1", "execute-api", {AKID: SECRET})
    with pytest.raises(E.PayloadRequiredError):
        v.begin("POST", "/prod/x", [("Host", HOST)] + list(out.items()), now=T)


def test_secret_not_in_body_verifier_output():
    target, headers, wire = streamed(data_of(CHUNK + 5), "signed-trailer", "sha256")
    body = verifier().begin("PUT", target, headers, now=T)
    shown = [repr(body), repr(body.result)]
    try:
        body.update(_flip(wire, 300))
    except E.VerificationError as e:
        shown += [str(e), repr(e), repr(vars(e))]
    text = "\n".join(shown)
    assert AKID in text and SECRET not in text


@pytest.mark.parametrize("checksum", CHECKSUMS)
def test_botocore_unsigned_trailer_uploads(checksum, monkeypatch):
    """What botocore sends for a PutObject with a flexible checksum over
    https: its AwsChunkedWrapper body, headers signed by S3SigV4Auth with
    STREAMING-UNSIGNED-PAYLOAD-TRAILER."""
    pytest.importorskip("botocore")
    import datetime

    import botocore.auth
    from botocore import httpchecksum
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    if checksum not in httpchecksum._CHECKSUM_CLS:
        pytest.skip("botocore has no %s here" % checksum)
    when = datetime.datetime(2023, 11, 14, 22, 13, 20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda remove_tzinfo=True: when if remove_tzinfo else when.replace(
                            tzinfo=datetime.timezone.utc))
    for size in (0, 5000, 3 * CHUNK + 1):
        data = data_of(size, 11)
        wrapper = httpchecksum.AwsChunkedWrapper(io.BytesIO(data), checksum_cls=httpchecksum._CHECKSUM_CLS[checksum],
                                                 checksum_name="x-amz-checksum-" + checksum, chunk_size=CHUNK)
        wire = wrapper.read()
        req = AWSRequest(method="PUT", url="https://%s/bucket/obj" % HOST, data=wire, headers={
            "Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-" + checksum,
            "X-Amz-Decoded-Content-Length": str(size), "Content-Length": str(len(wire))})
        req.context["checksum"] = {"request_algorithm": {"in": "trailer", "algorithm": checksum}}
        botocore.auth.S3SigV4Auth(Credentials(AKID, SECRET), "s3", "us-east-1").add_auth(req)
        assert req.headers["X-Amz-Content-SHA256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        headers = [("Host", HOST)] + list(req.headers.items())
        body = verifier().begin("PUT", "/bucket/obj", headers, now=T)
        assert feed(body, wire, random.Random(size)) == data
        if size:
            i = wire.index(b"\r\n") + 2 + size // 2
            assert run("/bucket/obj", headers, _flip(wire, i)) == "CHECKSUM_MISMATCH"


def test_every_single_byte_change_and_cut_is_refused(summary):
    """Every byte of small bodies flipped (XOR 1: changes a hex digit, a
    name, a CRLF, data...) and every proper prefix: none may verify."""
    changed = cut = 0
    for mode, checksum in [("signed", None), ("signed-trailer", "crc32c"), ("unsigned-trailer", "sha1")]:
        data = data_of(100)
        target, headers, wire = streamed(data, mode, checksum)
        v = verifier()

        def status(body_bytes):
            try:
                b = v.begin("PUT", target, headers, now=T)
                got = b.update(body_bytes)
                b.finish()
            except E.VerificationError as e:
                return e.status
            return got

        assert status(wire) == data
        for i in range(len(wire)):
            got = status(_flip(wire, i))
            assert isinstance(got, str), (mode, i, got)
            changed += 1
        for n in range(len(wire)):
            got = status(wire[:n])
            assert got == "INCOMPLETE_PAYLOAD", (mode, n, got)
            cut += 1
    summary("python body verifier: %d/%d single-byte changes and %d/%d cuts refused (3 stream modes)"
            % (changed, changed, cut, cut))


def test_aws_documentation_chunked_upload():
    """The AWS S3 documentation's chunked upload, literal bytes (headers,
    seed and chunk signatures as the documentation prints them)."""
    sigs = ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"]
    wire = (b"10000;chunk-signature=" + sigs[0].encode() + b"\r\n" + b"a" * 65536
            + b"\r\n400;chunk-signature=" + sigs[1].encode() + b"\r\n" + b"a" * 1024
            + b"\r\n0;chunk-signature=" + sigs[2].encode() + b"\r\n\r\n")
    headers = [
        ("Host", "s3.amazonaws.com"), ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                          "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                          "x-amz-decoded-content-length;x-amz-storage-class, "
                          "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"), ("Content-Length", "66824"),
    ]
    v = sigv4rs.Verifier("us-east-1", "s3", {"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
                         s3=True)
    now = 1369353600
    body = v.begin("PUT", "/examplebucket/chunkObject.txt", headers, now=now)
    assert feed(body, wire, random.Random(9)) == b"a" * 66560
    j = wire.index(sigs[1].encode())
    changed = wire[:j] + (b"1" if wire[j:j + 1] != b"1" else b"2") + wire[j + 1:]
    with pytest.raises(E.ChunkSignatureMismatchError):
        feed(v.begin("PUT", "/examplebucket/chunkObject.txt", headers, now=now), changed, random.Random(9))
