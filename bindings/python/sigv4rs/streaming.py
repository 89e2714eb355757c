"""aws-chunked streaming uploads: `Signer.sign_streaming` and ChunkedEncoder.

    headers, body = signer.sign_streaming("PUT", url, size, body=open(path, "rb"))
    requests.put(url, data=body, headers=headers)

The body is signed chunk by chunk while it is sent, each chunk signature
chained from the previous one, so memory stays at about one chunk whatever
the object size.

A SigV4a signer (`sigv4a=True`) streams too, with the same mode names: its
chunks and trailer are signed with ECDSA (`STREAMING-AWS4-ECDSA-P256-
SHA256-PAYLOAD[-TRAILER]`), each signature padded with `*` to 144 characters.
"""

from __future__ import annotations

import ctypes
import threading
from collections import abc
from typing import Dict, Iterable, Iterator, Optional, Protocol, Union

from . import _abi, _ffi
from . import errors as E
from .checksums import ALGORITHMS
from .signer import _parse_header_output, unix_time


class Readable(Protocol):
    """A binary file-like object: `read(n)` returns up to n bytes."""

    def read(self, n: int, /) -> bytes: ...


# What a ChunkedEncoder reads the data from.
Source = Union[Readable, bytes, bytearray, memoryview, Iterable[bytes]]

MODES = {"signed": _abi.STREAM_MODE_SIGNED, "signed-trailer": _abi.STREAM_MODE_SIGNED_TRAILER,
         "unsigned-trailer": _abi.STREAM_MODE_UNSIGNED_TRAILER}
# The same names on a SigV4a signer: the library takes the ECDSA modes
# there (and refuses the HMAC ones); unsigned chunks are the same for both.
MODES_V4A = {"signed": _abi.STREAM_MODE_SIGNED_V4A, "signed-trailer": _abi.STREAM_MODE_SIGNED_TRAILER_V4A,
             "unsigned-trailer": _abi.STREAM_MODE_UNSIGNED_TRAILER}
CHECKSUMS: Dict[Optional[str], int] = {None: _abi.CHECKSUM_NONE}
CHECKSUMS.update(ALGORITHMS)
_NAMES = ", ".join(map(repr, ALGORITHMS))
_MAX_U32 = (1 << 32) - 1
_MAX_U64 = (1 << 64) - 1
_CRLF = b"\r\n"
_OUT_CAP = max(_abi.CHUNK_HEADER_MAX_LEN, _abi.CHUNKED_FINISH_MAX_LEN,
               _abi.SIGV4A_CHUNK_HEADER_MAX_LEN, _abi.SIGV4A_CHUNKED_FINISH_MAX_LEN)


def _int(value, what, lo, hi):
    if isinstance(value, bool) or not isinstance(value, int):
        raise E.ArgumentTypeError("%s must be int, not %s" % (what, type(value).__name__))
    # Checked here: ctypes would silently wrap the C integer.
    if not lo <= value <= hi:
        raise E.InvalidArgumentError("%s must be %d..%d, got %d" % (what, lo, hi, value), E.InvalidArgumentError.code)
    return int(value)


def _stream(size, chunk_size, mode, checksum, sigv4a):
    if mode not in MODES:
        raise E.InvalidArgumentError("mode must be one of %s, not %r" % (", ".join(map(repr, MODES)), mode),
                                     E.InvalidArgumentError.code)
    if checksum not in CHECKSUMS:
        raise E.InvalidArgumentError("checksum must be None or one of %s, not %r" % (_NAMES, checksum),
                                     E.InvalidArgumentError.code)
    # The C call refuses these too, but without saying which rule.
    if mode == "signed" and checksum is not None:
        raise E.InvalidArgumentError("mode 'signed' has no trailer: use 'signed-trailer' for a checksum",
                                     E.InvalidArgumentError.code)
    if mode != "signed" and checksum is None:
        raise E.InvalidArgumentError("mode %r needs a checksum (%s)" % (mode, _NAMES),
                                     E.InvalidArgumentError.code)
    st = _ffi.sigv4rs_stream()
    st.mode = (MODES_V4A if sigv4a else MODES)[mode]
    st.checksum = CHECKSUMS[checksum]
    st.decoded_length = _int(size, "size", 0, _MAX_U64)
    st.chunk_size = _int(chunk_size, "chunk_size", 1, _MAX_U32)
    return st


def _encoded_length(stream):
    out = ctypes.c_uint64(0)
    status = _ffi.load().sigv4rs_chunked_encoded_length(ctypes.byref(stream), ctypes.byref(out))
    if status != _abi.STATUS_OK:
        raise E.from_status(status, "chunked_encoded_length")
    return out.value


def chunked_encoded_length(size: int, chunk_size: int = 65536, mode: str = "signed",
                           checksum: Optional[str] = None, *, sigv4a: bool = False) -> int:
    """The Content-Length of the aws-chunked body of `size` bytes
    (`sigv4a=True`: as a SigV4a signer streams it, with 144-character
    signatures)."""
    if type(sigv4a) is not bool:
        raise E.ArgumentTypeError("sigv4a must be True or False, not %s" % type(sigv4a).__name__)
    return _encoded_length(_stream(size, chunk_size, mode, checksum, sigv4a))


def begin(signer, method, url, size, headers, chunk_size, mode, checksum, time, body):
    stream = _stream(size, chunk_size, mode, checksum, signer.sigv4a)
    req, block = signer._request(method, url, headers, b"", None, False)
    state = _ffi.sigv4rs_chunked()
    raw = signer._output(signer._lib.sigv4rs_chunked_begin, "sign_streaming", req, unix_time(time),
                         ctypes.byref(stream), ctypes.byref(state))
    del block  # kept alive until the call returned
    out = _parse_header_output(raw)
    enc = ChunkedEncoder(signer, state, stream, mode, checksum, dict(out), body)
    return out, enc


class ChunkedEncoder:
    """The aws-chunked body of one upload (from `Signer.sign_streaming`).

    Read it as a stream: it is a binary file-like object (`read(n)`), an
    iterator of bytes (one framed chunk per item) and has `len()` (the
    encoded length). Each chunk is read from the source, signed and framed
    as it is asked for, so memory stays at about one chunk.

    With requests pass the encoder itself: `requests.put(url,
    data=encoder, headers=headers)`. Its `len()` makes requests send
    Content-Length. A plain generator (`data=iter(encoder)`) would make
    requests add `Transfer-Encoding: chunked` next to the signed
    Content-Length, which S3 refuses. `SigV4Auth` recognizes an encoder
    body and sends it with the headers signed here, without re-signing.

    The source must give exactly `size` bytes: fewer raises
    IncompletePayloadError; an iterable giving more raises
    InvalidChunkSizeError; a file is read no further than `size` bytes (so
    an open file positioned at a part's offset works). The body can be
    sent once; it is not rewindable (a retry needs a new
    `sign_streaming`).

    Without a source (`body=None`), drive it by hand: for each chunk (all
    exactly `chunk_size` bytes but the last) send `sign_chunk(data)`, the
    data and `b"\\r\\n"`; then send `finish()`.

    From a SigV4a signer the chunk and trailer signatures are ECDSA
    (`sigv4a` is then True), each padded with `*` to 144 characters.
    """

    headers: Dict[str, str]
    mode: str
    checksum: Optional[str]
    sigv4a: bool
    decoded_length: int
    chunk_size: int
    content_length: int

    def __init__(self, signer, state, stream, mode, checksum, headers, body):
        self._signer = signer  # keeps the C signer alive while the body is sent
        self._state = state
        self._stateref = ctypes.byref(state)
        self._lock = threading.RLock()
        self.headers = headers
        self.mode = mode
        self.checksum = checksum
        self.sigv4a = signer.sigv4a
        self.decoded_length = stream.decoded_length
        self.chunk_size = stream.chunk_size
        self.content_length = _encoded_length(stream)
        declared = {k.lower(): v for k, v in headers.items()}.get("content-length")
        if declared != str(self.content_length):
            raise E.Error("sign_streaming: Content-Length %r != encoded length %d (library bug)"
                          % (declared, self.content_length))
        # Room for any chunk header or end, SigV4 or SigV4a (404 bytes at
        # most); one buffer per upload, so the larger size costs nothing.
        self._out = ctypes.create_string_buffer(_OUT_CAP)
        self._n = ctypes.c_size_t(0)
        self._fed = 0       # data bytes signed
        self._emitted = 0   # wire bytes produced by the iterator/read
        self._finished = False
        self._frame = None  # memoryview of the frame being read, and position
        self._pos = 0
        self._pending = None
        self._kind = None
        if body is not None:
            self._attach(body)

    def _attach(self, body):
        if hasattr(body, "read"):
            self._kind, self._src = "file", body
        elif isinstance(body, (bytes, bytearray, memoryview)):
            mv = memoryview(body).cast("B")
            if len(mv) != self.decoded_length:
                raise E.InvalidArgumentError("body has %d bytes, size is %d" % (len(mv), self.decoded_length),
                                             E.InvalidArgumentError.code)
            self._kind, self._src, self._off = "buffer", mv, 0
        elif isinstance(body, str):
            raise E.ArgumentTypeError("body must be bytes, a binary file or an iterable of bytes, not str")
        elif isinstance(body, abc.Iterable) or hasattr(body, "__iter__"):
            self._kind, self._src, self._pending = "iter", iter(body), bytearray()
        else:
            raise E.ArgumentTypeError("body must be bytes, a binary file or an iterable of bytes, not %s"
                                      % type(body).__name__)

    # --- the C calls -------------------------------------------------------

    def _wire(self, fn, what, *args):
        out, n = self._out, self._n
        st = self._signer._call(fn, self._stateref, *args, out, len(out), ctypes.byref(n))
        if st == _abi.STATUS_BUFFER_TOO_SMALL:  # not expected (sized by the maxima); the state is unchanged
            out = ctypes.create_string_buffer(n.value)
            st = self._signer._call(fn, self._stateref, *args, out, len(out), ctypes.byref(n))
        if st != _abi.STATUS_OK:
            raise E.from_status(st, what)
        return ctypes.string_at(out, n.value)

    def sign_chunk(self, data: Union[bytes, bytearray, memoryview]) -> bytes:
        """Signs the next chunk; returns its header (`<hex>;chunk-signature=
        <sig>\\r\\n`, or `<hex>\\r\\n` unsigned). Send it, `data`, then
        `\\r\\n`."""
        if type(data) is not bytes:
            if not isinstance(data, (bytearray, memoryview)):
                raise E.ArgumentTypeError("chunk must be bytes, not %s" % type(data).__name__)
            data = bytes(data)
        with self._lock:
            hdr = self._wire(self._signer._lib.sigv4rs_chunked_sign_chunk, "sign_chunk",
                             _ffi.sigv4rs_bytes(data, len(data)))
            self._fed += len(data)
            return hdr

    def finish(self) -> bytes:
        """The end of the body: the final 0-length chunk, the trailer
        (trailer modes) and the closing CRLF."""
        with self._lock:
            end = self._wire(self._signer._lib.sigv4rs_chunked_finish, "finish")
            self._finished = True
            return end

    # --- the source --------------------------------------------------------

    def _short(self, got):
        return E.IncompletePayloadError("body ended after %d of %d bytes" % (self._fed + got, self.decoded_length),
                                        E.IncompletePayloadError.code)

    def _take(self, n):
        """Exactly n bytes from the source."""
        if self._kind == "buffer":
            data = bytes(self._src[self._off:self._off + n])
            self._off += n
            return data
        if self._kind == "file":
            parts, got = [], 0
            while got < n:
                piece = self._src.read(n - got)
                if not piece:
                    raise self._short(got)
                if isinstance(piece, str):
                    raise E.ArgumentTypeError("body.read() returned str: open the file in binary mode")
                parts.append(piece)
                got += len(piece)
            if got > n:
                raise E.InvalidChunkSizeError("body.read(%d) returned %d bytes" % (n, got),
                                              E.InvalidChunkSizeError.code)
            return parts[0] if len(parts) == 1 and type(parts[0]) is bytes else b"".join(parts)
        if self._kind == "iter":
            buf = self._pending
            while len(buf) < n:
                piece = next(self._src, None)
                if piece is None:
                    raise self._short(len(buf))
                if isinstance(piece, str):
                    raise E.ArgumentTypeError("body iterable yielded str, not bytes")
                buf += piece
            data = bytes(buf[:n])
            del buf[:n]
            return data
        raise E.ArgumentTypeError("no body: pass body= to sign_streaming, or use sign_chunk() and finish()")

    def _check_no_surplus(self):
        if self._kind != "iter":
            return
        extra = len(self._pending)
        while not extra:
            piece = next(self._src, None)
            if piece is None:
                return
            extra = len(piece)
        raise E.InvalidChunkSizeError("body iterable gave more than size=%d bytes" % self.decoded_length,
                                      E.InvalidChunkSizeError.code)

    def _next_frame(self):
        """The next framed chunk (or the end), or None when done."""
        with self._lock:
            if self._finished:
                return None
            left = self.decoded_length - self._fed
            if left:
                data = self._take(min(left, self.chunk_size))
                frame = b"".join((self.sign_chunk(data), data, _CRLF))
            else:
                self._check_no_surplus()
                frame = self.finish()
            self._emitted += len(frame)
            if self._finished and self._emitted != self.content_length:
                raise E.Error("aws-chunked body is %d bytes, Content-Length %d (library bug)"
                              % (self._emitted, self.content_length))
            return frame

    # --- stream interfaces ------------------------------------------------

    def __len__(self) -> int:
        return self.content_length

    def __iter__(self) -> Iterator[bytes]:
        with self._lock:
            if self._frame is not None and self._pos < len(self._frame):
                rest, self._frame = bytes(self._frame[self._pos:]), None
            else:
                rest = None
        if rest:
            yield rest
        while True:
            frame = self._next_frame()
            if frame is None:
                return
            yield frame

    def read(self, n: Optional[int] = -1) -> bytes:
        """Up to `n` bytes of the body (all that is left when n < 0 or
        None, which is not constant memory); b"" at the end."""
        if n is None or n < 0:
            return b"".join(iter(self))
        parts = []
        with self._lock:
            while n > 0:
                if self._frame is None or self._pos >= len(self._frame):
                    frame = self._next_frame()
                    if frame is None:
                        self._frame = None
                        break
                    self._frame, self._pos = memoryview(frame), 0
                k = min(n, len(self._frame) - self._pos)
                parts.append(self._frame[self._pos:self._pos + k])
                self._pos += k
                n -= k
        return bytes(parts[0]) if len(parts) == 1 else b"".join(parts)

    def readable(self) -> bool:
        return True

    @property
    def produced(self) -> int:
        """Wire bytes handed out so far by read() and iteration."""
        with self._lock:
            held = len(self._frame) - self._pos if self._frame is not None else 0
            return self._emitted - held

    @property
    def seed_signature(self) -> str:
        """The seed (header) signature the chunk signatures chain from."""
        return self.headers.get("Authorization", "").rpartition("Signature=")[2]

    def __repr__(self) -> str:
        return "<sigv4rs.ChunkedEncoder %s%s%s %d bytes in %d-byte chunks, %d encoded%s>" % (
            "sigv4a " if self.sigv4a else "", self.mode, "+" + self.checksum if self.checksum else "",
            self.decoded_length, self.chunk_size, self.content_length, ", finished" if self._finished else "")
