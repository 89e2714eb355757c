"""Typical use of the public API: `mypy --strict` must accept it (tests/test_typing.py)."""

import datetime
import io
from typing import BinaryIO, Dict, Iterator, List, Optional, Tuple

import sigv4rs
import sigv4rs.wsgi
from sigv4rs import InvalidHeaderValueError
from sigv4rs.requests_auth import SigV4Auth

URL = "https://examplebucket.s3.amazonaws.com/test.txt"


def sign_all(signer: sigv4rs.Signer) -> List[str]:
    headers: Dict[str, str] = signer.sign("GET", URL, {"Range": "bytes=0-9"}, time=1369353600)
    pairs: List[Tuple[bytes, bytes]] = [(b"X-A", b"1"), (b"x-a", b"2")]
    signer.sign("PUT", sigv4rs.Parts("h", "/k", "a=b"), pairs, body=b"x", time=datetime.datetime(2015, 8, 30))
    signer.sign_parts("GET", "h", "/", "", unsigned_payload=True, time=1.5)
    url: str = signer.presign("GET", URL, expires=sigv4rs.MAX_EXPIRES, headers={"X-A": "1"})
    creq: str = signer.canonical_request("GET", URL, time=0)
    sts: str = signer.string_to_sign("GET", URL, time=0, presign_expires=60)
    return [headers["Authorization"], url, creq, sts]


def stream(signer: sigv4rs.Signer) -> int:
    headers, body = signer.sign_streaming("PUT", URL, 3, mode="signed-trailer", checksum="crc32c",
                                          body=io.BytesIO(b"abc"))
    frames: Iterator[bytes] = iter(body)
    v4a: bool = body.sigv4a
    return (len(body) + len(next(frames)) + len(headers) + sigv4rs.chunked_encoded_length(3)
            + sigv4rs.chunked_encoded_length(3, mode="signed-trailer", checksum="crc64nvme", sigv4a=v4a))


def errors(signer: sigv4rs.Signer) -> str:
    try:
        signer.sign("GET", URL, {"X-A": "\n"})
    except InvalidHeaderValueError as e:
        where: Tuple[Optional[str], Optional[int], Optional[int], Optional[str]] = (
            e.field, e.index, e.offset, e.header_name)
        return "%s %s %s" % (e.status, e.code, where)
    except sigv4rs.ArgumentTypeError as e:
        return e.message
    except sigv4rs.Error as e:
        return str(e)
    return sigv4rs.__version__ + sigv4rs.version() + sigv4rs.library_path()


def provider() -> sigv4rs.Credentials:
    return sigv4rs.Credentials("ASIAEXAMPLE", "secret", "token", expiration=datetime.datetime(2030, 1, 1))


def refreshing() -> Optional[datetime.datetime]:
    s = sigv4rs.Signer(region="us-east-1", service="s3", credentials=provider, margin=sigv4rs.DEFAULT_REFRESH_MARGIN)
    s.rotate("AKIDEXAMPLE", "secret", expiration=2000000000)
    fixed = sigv4rs.Signer("AKIDEXAMPLE", "secret", "us-east-1", "s3", expiration=datetime.datetime(2030, 1, 1))
    try:
        s.sign("GET", URL)
    except sigv4rs.CredentialsExpiredError as e:
        cause: Optional[BaseException] = e.__cause__
        print(cause)
    except sigv4rs.CredentialsError as e:
        print(e.status)
    SigV4Auth(credentials=provider, region="us-east-1", service="s3")
    return s.expiration or fixed.expiration


def my_transport(method: str, url: str, headers: List[Tuple[str, str]], body: bytes,
                 timeout: float) -> Tuple[int, bytes]:
    return sigv4rs.chain.http_transport(method, url, headers, body, min(timeout, 5.0))


def default_chain() -> str:
    signer: sigv4rs.Signer = sigv4rs.Signer.from_default_chain("us-east-1", "s3", s3=True, profile="dev",
                                                               sts_region="eu-west-1", process_timeout=10,
                                                               margin=600)
    chain: sigv4rs.DefaultChain = sigv4rs.default_chain(transport=my_transport)
    with sigv4rs.DefaultChain(profile="dev", region="eu-west-1", process_timeout=2.5) as other:
        s2 = sigv4rs.Signer(region="us-east-1", service="es", credentials=other)
        s2.close()
    SigV4Auth(credentials=chain, region="eu-west-1", service="es")
    SigV4Auth(refreshable_credentials=chain, region="eu-west-1", service="es")
    try:
        signer.sign("GET", URL)
    except sigv4rs.MissingCredentialsError as e:
        cause: Optional[BaseException] = e.__cause__
        return "%s %s %s" % (cause, chain.last_error, chain.closed)
    return chain.profile or ""


def sigv4a_and_express(xml: bytes) -> Tuple[str, str]:
    with sigv4rs.Signer("AKIDEXAMPLE", "secret", "us-east-1,us-west-2", "execute-api", sigv4a=True) as v4a:
        region_set: str = v4a.sign("GET", URL)["X-Amz-Region-Set"]
        is_v4a: bool = v4a.sigv4a
    express = sigv4rs.Signer(region="us-east-1", service="s3express", s3express=True,
                             credentials=sigv4rs.Credentials("ASIAEXAMPLE", "secret", "token"))
    express.rotate_xml(xml, timeout=1.0)
    express.rotate_xml(xml.decode())
    name, value = sigv4rs.checksum("crc64nvme", b"data")
    c: sigv4rs.Checksum = sigv4rs.Checksum("sha1")
    c.update(b"da")
    c.copy().update(memoryview(b"ta"))
    return region_set + str(is_v4a) + name + value, c.header_name + c.finish()



def verify(headers: List[Tuple[str, str]], raw: BinaryIO) -> Tuple[str, bytes]:
    def lookup(akid: str) -> Optional[Tuple[str, Optional[str]]]:
        return ("secret", None) if akid == "AKIDEXAMPLE" else None

    v = sigv4rs.Verifier("us-east-1", "s3", lookup, s3=True, skip_expiry=True, max_skew=300)
    sigv4rs.Verifier("us-east-1", "es", {"AKIDEXAMPLE": "secret"})
    try:
        r: sigv4rs.VerifyResult = v.verify("PUT", "/bucket/key", headers, b"body", now=1700000000)
    except sigv4rs.VerificationError as e:
        code: Optional[int] = e.code
        return "%s %s %s" % (e.status, code, e.result), b""
    signed: Tuple[str, ...] = r.signed_headers
    with v.begin("PUT", "/bucket/key", headers) as body:
        data = body.update(b"chunk") + body.reader(raw, 10).read()
        body.finish()
    mw = sigv4rs.wsgi.VerifyMiddleware(lambda env, start: [b""], v, spool_limit=1 << 16)
    return ";".join(signed) + str(mw.max_body), data

with sigv4rs.Signer("AKIDEXAMPLE", "secret", "us-east-1", "s3", s3=True) as s:
    sign_all(s)
    stream(s)
    errors(s)
env_signer: sigv4rs.Signer = sigv4rs.Signer.from_env("s3", region="us-east-1", s3=True)
auth = SigV4Auth("AKIDEXAMPLE", "secret", "us-east-1", "es", session_token="token", include_hdrs=["host"])
signer: sigv4rs.Signer = auth.signer
