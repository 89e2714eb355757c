"""sigv4rs: AWS Signature Version 4 signing over the sigv4rs C library.

    import sigv4rs
    with sigv4rs.Signer("AKID", "SECRET", "us-east-1", "s3", s3=True) as s:
        headers = s.sign("GET", "https://bucket.s3.amazonaws.com/key")

For requests: `sigv4rs.requests_auth.SigV4Auth` (imports requests).
aws-chunked streaming uploads: `Signer.sign_streaming`.
SigV4a: `Signer(..., region="*", sigv4a=True)`; S3 Express One Zone:
`Signer(..., s3express=True)` and `Signer.rotate_xml(create_session_body)`.
x-amz-checksum-* values: `sigv4rs.checksum("crc64nvme", data)`, `sigv4rs.Checksum`.
Credentials that expire: `Signer.rotate`, or `Signer(region=...,
service=..., credentials=provider)` with a callable returning
`sigv4rs.Credentials` or botocore's `RefreshableCredentials`.
The default credential chain (environment, profiles, STS, container, IMDS):
`Signer.from_default_chain(region, service)`, or
`credentials=sigv4rs.default_chain()`.
"""

from typing import Type

from . import _abi
from .chain import DefaultChain, default_chain
from .checksums import Checksum, checksum
from .credentials import DEFAULT_REFRESH_MARGIN, PROVIDER_RETRY_SECS, CredentialSource, Credentials
from .errors import *  # noqa: F401,F403 (the exception classes, see errors.__all__)
from .errors import Error
from .errors import __all__ as _error_names
from .signer import Parts, Signer, library_path, unix_time, version
from .streaming import ChunkedEncoder, chunked_encoded_length
from .verifier import BodyVerifier, VerifiedReader, Verifier, VerifyResult

MAX_EXPIRES = _abi.MAX_EXPIRES
MAX_HEADERS = _abi.MAX_HEADERS
MAX_QUERY_PARAMS = _abi.MAX_QUERY_PARAMS
MAX_URL_LEN = _abi.MAX_URL_LEN
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
VERIFY_SKIP_CLOCK_SKEW = _abi.VERIFY_SKIP_CLOCK_SKEW
VERIFY_SKIP_EXPIRY = _abi.VERIFY_SKIP_EXPIRY
VERIFY_SKIP_REGION = _abi.VERIFY_SKIP_REGION
VERIFY_SKIP_SERVICE = _abi.VERIFY_SKIP_SERVICE
VERIFY_SKIP_UNSIGNED_HEADERS = _abi.VERIFY_SKIP_UNSIGNED_HEADERS
VERIFY_SKIP_PAYLOAD_HASH = _abi.VERIFY_SKIP_PAYLOAD_HASH

__version__ = _abi.VERSION
__all__ = ["Signer", "Parts", "ChunkedEncoder", "chunked_encoded_length", "version", "library_path", "unix_time",
           "Credentials", "CredentialSource", "DEFAULT_REFRESH_MARGIN", "PROVIDER_RETRY_SECS",
           "DefaultChain", "default_chain", "Checksum", "checksum",
           "Verifier", "VerifyResult", "BodyVerifier", "VerifiedReader",
           "MAX_EXPIRES", "MAX_HEADERS", "MAX_QUERY_PARAMS", "MAX_URL_LEN", "UNSIGNED_PAYLOAD",
           "VERIFY_SKIP_CLOCK_SKEW", "VERIFY_SKIP_EXPIRY", "VERIFY_SKIP_REGION", "VERIFY_SKIP_SERVICE",
           "VERIFY_SKIP_UNSIGNED_HEADERS", "VERIFY_SKIP_PAYLOAD_HASH"]
__all__ += _error_names


def __getattr__(name: str) -> Type[Error]:
    # As in errors: the status classes are made at import, from the table.
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
