"""`x-amz-checksum-*` values (S3's flexible checksums) over the library's
`sigv4rs_checksum_*`: `checksum(algorithm, data)` for one buffer, or a
`Checksum` fed piece by piece.

    name, value = sigv4rs.checksum("crc64nvme", data)
    signer.sign("PUT", url, {name: value}, body=data)
"""

from __future__ import annotations

import ctypes
import threading
from typing import Dict, Tuple, Union

from . import _abi, _ffi
from . import errors as E
from .signer import _b

# The names as S3 and `Signer.sign_streaming(checksum=...)` spell them.
ALGORITHMS: Dict[str, int] = {
    "crc32": _abi.CHECKSUM_CRC32,
    "crc32c": _abi.CHECKSUM_CRC32C,
    "crc64nvme": _abi.CHECKSUM_CRC64NVME,
    "sha1": _abi.CHECKSUM_SHA1,
    "sha256": _abi.CHECKSUM_SHA256,
}

Data = Union[str, bytes, bytearray, memoryview]

_OK = _abi.STATUS_OK


def algorithm_id(algorithm: str) -> int:
    """The `SIGV4RS_CHECKSUM_*` value of a name ("crc64nvme")."""
    if not isinstance(algorithm, str):
        raise E.ArgumentTypeError("algorithm must be str, not %s" % type(algorithm).__name__)
    try:
        return ALGORITHMS[algorithm]
    except KeyError:
        raise E.InvalidArgumentError("checksum algorithm must be one of %s, not %r"
                                     % (", ".join(map(repr, ALGORITHMS)), algorithm),
                                     E.InvalidArgumentError.code) from None


class Checksum:
    """One checksum over data given in pieces: `update()` as often as
    needed, then `finish()` for the header value (base64, as S3 wants it).
    The state lives in this object (no heap in the library); a lock makes
    concurrent calls safe, though the order of concurrent updates is not
    defined."""

    __slots__ = ("algorithm", "header_name", "_state", "_lock", "_lib")

    algorithm: str
    header_name: str

    def __init__(self, algorithm: str) -> None:
        """`algorithm`: "crc32", "crc32c", "crc64nvme", "sha1" or "sha256"."""
        kind = algorithm_id(algorithm)
        self._lib = _ffi.load()
        self._lock = threading.Lock()
        self._state = _ffi.sigv4rs_checksum_state()
        st = self._lib.sigv4rs_checksum_init(ctypes.byref(self._state), kind)
        if st != _OK:
            # A library built without this kind (firmware without extra-checksums).
            raise E.from_status(st, "Checksum(%r)" % algorithm)
        self.algorithm = algorithm
        self.header_name = self._lib.sigv4rs_checksum_header_name(kind).decode("ascii")

    def update(self, data: Data) -> None:
        """Feeds `data` (str is UTF-8 encoded). NotInitializedError after
        `finish()`."""
        b = _b(data, "data")
        with self._lock:
            st = self._lib.sigv4rs_checksum_update(ctypes.byref(self._state), _ffi.sigv4rs_bytes(b, len(b)))
        if st != _OK:
            raise E.from_status(st, "Checksum.update")

    def finish(self) -> str:
        """The header value; ends the checksum (`update` and `finish` then
        raise NotInitializedError)."""
        out = ctypes.create_string_buffer(_abi.CHECKSUM_MAX_LEN + 1)
        n = ctypes.c_size_t(0)
        with self._lock:
            st = self._lib.sigv4rs_checksum_finish(ctypes.byref(self._state), out, len(out), ctypes.byref(n))
        if st != _OK:
            raise E.from_status(st, "Checksum.finish")
        return out.raw[: n.value - 1].decode("ascii")  # without the NUL

    def copy(self) -> Checksum:
        """An independent copy of the state so far (the C state may be
        copied byte for byte), e.g. for a running value of a stream."""
        other = Checksum.__new__(Checksum)
        other._lib = self._lib
        other._lock = threading.Lock()
        with self._lock:
            other._state = _ffi.sigv4rs_checksum_state.from_buffer_copy(self._state)
        other.algorithm = self.algorithm
        other.header_name = self.header_name
        return other

    def __repr__(self) -> str:
        return "<sigv4rs.Checksum %s>" % self.algorithm


def checksum(algorithm: str, data: Data) -> Tuple[str, str]:
    """`(header_name, value)` of `data` for `algorithm` ("crc32", "crc32c",
    "crc64nvme", "sha1", "sha256"), e.g. `("x-amz-checksum-crc64nvme",
    "rosUhgp5mIg=")`: add it to the request's headers before signing."""
    c = Checksum(algorithm)
    c.update(data)
    return c.header_name, c.finish()
