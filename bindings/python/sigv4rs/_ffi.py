"""ctypes declarations of include/sigv4rs.h and the library loader.

The struct layouts mirror the header field for field. Byte-string pointers
are declared `c_char_p` rather than `POINTER(c_uint8)`: the ABI is the same
(a plain data pointer), and ctypes can then point at a `bytes` object's
buffer without a copy or a cast.
"""

import ctypes
import ctypes.util
import os
import threading

# Version this binding was written against; the ABI may change between
# minor versions before 1.0 (the SONAME is libsigv4rs.so.0.<minor>).
ABI_VERSION = (0, 1)

# Limits and flags (sigv4rs.h).
SIGNATURE_LEN = 64
AMZ_DATE_LEN = 16
SHA256_HEX_LEN = 64
MAX_ACCESS_KEY_ID_LEN = 128
MAX_SECRET_KEY_LEN = 128
MAX_SESSION_TOKEN_LEN = 4096
MAX_REGION_LEN = 64
MAX_SERVICE_LEN = 64
MAX_UNSIGNED_HEADERS_LEN = 256
MAX_HEADERS = 64
MAX_QUERY_PARAMS = 128
MAX_URL_LEN = 16384
MAX_EXPIRES = 604800
MAX_UNIX_TIME = 253402300799

FLAG_S3 = 1
FLAG_NO_PATH_NORMALIZATION = 2
FLAG_SINGLE_ENCODE_PATH = 4
FLAG_CONTENT_SHA256_HEADER = 8
FLAG_UNSIGNED_SESSION_TOKEN = 16

PAYLOAD_MODE_AUTO = 0
PAYLOAD_MODE_BYTES = 1
PAYLOAD_MODE_SHA256_HEX = 2
PAYLOAD_MODE_UNSIGNED = 3

# aws-chunked streaming (enum sigv4rs_stream_mode, enum sigv4rs_checksum).
STREAM_MODE_SIGNED = 0
STREAM_MODE_SIGNED_TRAILER = 1
STREAM_MODE_UNSIGNED_TRAILER = 2
CHECKSUM_NONE = 0
CHECKSUM_CRC32 = 1
CHECKSUM_CRC32C = 2
CHECKSUM_SHA256 = 3
CHUNKED_STATE_SIZE = 256

# enum sigv4rs_status
STATUS_OK = 0
STATUS_NULL_ARGUMENT = 1
STATUS_BUFFER_TOO_SMALL = 2
STATUS_INVALID_ARGUMENT = 3
STATUS_NOT_INITIALIZED = 4
STATUS_INVALID_ACCESS_KEY_ID = 100
STATUS_INVALID_SECRET_KEY = 101
STATUS_INVALID_SESSION_TOKEN = 102
STATUS_INVALID_REGION = 103
STATUS_INVALID_SERVICE = 104
STATUS_INVALID_UNSIGNED_HEADER = 105
STATUS_INVALID_METHOD = 110
STATUS_INVALID_URL = 111
STATUS_INVALID_HOST = 112
STATUS_MISSING_HOST = 113
STATUS_INVALID_PATH = 114
STATUS_INVALID_QUERY = 115
STATUS_RESERVED_QUERY_PARAMETER = 116
STATUS_INVALID_HEADER_NAME = 117
STATUS_INVALID_HEADER_VALUE = 118
STATUS_INVALID_PAYLOAD_HASH = 119
STATUS_INVALID_TIME = 120
STATUS_INVALID_EXPIRES = 121
STATUS_TOO_MANY_HEADERS = 130
STATUS_TOO_MANY_QUERY_PARAMETERS = 131
STATUS_INPUT_TOO_LONG = 132
STATUS_MISSING_CREDENTIALS = 140
STATUS_INVALID_CHUNK_SIZE = 150
STATUS_INCOMPLETE_PAYLOAD = 151
STATUS_PANIC = 900


class sigv4rs_bytes(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_char_p), ("len", ctypes.c_size_t)]


class sigv4rs_header(ctypes.Structure):
    _fields_ = [("name", sigv4rs_bytes), ("value", sigv4rs_bytes)]


class sigv4rs_config(ctypes.Structure):
    _fields_ = [
        ("access_key_id", sigv4rs_bytes),
        ("secret_access_key", sigv4rs_bytes),
        ("session_token", sigv4rs_bytes),
        ("region", sigv4rs_bytes),
        ("service", sigv4rs_bytes),
        ("flags", ctypes.c_uint32),
        ("unsigned_headers", ctypes.POINTER(sigv4rs_bytes)),
        ("unsigned_headers_len", ctypes.c_size_t),
    ]


class sigv4rs_request(ctypes.Structure):
    _fields_ = [
        ("method", sigv4rs_bytes),
        ("url", sigv4rs_bytes),
        ("host", sigv4rs_bytes),
        ("path", sigv4rs_bytes),
        ("query", sigv4rs_bytes),
        ("headers", ctypes.POINTER(sigv4rs_header)),
        ("headers_len", ctypes.c_size_t),
        ("payload_mode", ctypes.c_uint32),
        ("payload", sigv4rs_bytes),
    ]


class sigv4rs_signer(ctypes.Structure):
    """Opaque."""


class sigv4rs_stream(ctypes.Structure):
    _fields_ = [
        ("mode", ctypes.c_uint32),
        ("checksum", ctypes.c_uint32),
        ("decoded_length", ctypes.c_uint64),
        ("chunk_size", ctypes.c_uint32),
    ]


class sigv4rs_chunked(ctypes.Structure):
    """Opaque caller-owned state (uint64 words: 8-byte aligned)."""

    _fields_ = [("_opaque", ctypes.c_uint64 * (CHUNKED_STATE_SIZE // 8))]


# Fast path. Filling nested ctypes structs field by field costs about half a
# microsecond per field; these flat mirrors of `sigv4rs_request` and of an
# array of k `sigv4rs_header` are filled by one constructor call each. The
# layouts are checked against the declarations above at import.
class FlatRequest(ctypes.Structure):
    _fields_ = [
        ("method", ctypes.c_char_p), ("method_len", ctypes.c_size_t),
        ("url", ctypes.c_char_p), ("url_len", ctypes.c_size_t),
        ("host", ctypes.c_char_p), ("host_len", ctypes.c_size_t),
        ("path", ctypes.c_char_p), ("path_len", ctypes.c_size_t),
        ("query", ctypes.c_char_p), ("query_len", ctypes.c_size_t),
        ("headers", ctypes.c_void_p), ("headers_len", ctypes.c_size_t),
        ("payload_mode", ctypes.c_uint32),
        ("payload", ctypes.c_char_p), ("payload_len", ctypes.c_size_t),
    ]


_header_blocks = {}


def header_block(k):
    """A struct type laid out as `sigv4rs_header[k]`, built from 4k
    positional values (name, name_len, value, value_len, ...)."""
    t = _header_blocks.get(k)
    if t is None:
        fields = []
        for i in range(k):
            fields += [("n%d" % i, ctypes.c_char_p), ("nl%d" % i, ctypes.c_size_t),
                       ("v%d" % i, ctypes.c_char_p), ("vl%d" % i, ctypes.c_size_t)]
        t = type("sigv4rs_header_x%d" % k, (ctypes.Structure,), {"_fields_": fields})
        _header_blocks[k] = t
    return t


def _check_layouts():
    flat = [(n, getattr(FlatRequest, n).offset) for n, _ in FlatRequest._fields_]
    nested = []
    for name, typ in sigv4rs_request._fields_:
        off = getattr(sigv4rs_request, name).offset
        if typ is sigv4rs_bytes:
            nested += [(name, off), (name + "_len", off + sigv4rs_bytes.len.offset)]
        else:
            nested.append((name, off))
    assert flat == nested and ctypes.sizeof(FlatRequest) == ctypes.sizeof(sigv4rs_request), "request layout"
    assert ctypes.sizeof(header_block(3)) == ctypes.sizeof(sigv4rs_header * 3), "header layout"
    assert header_block(2).v1.offset == sigv4rs_header.value.offset + ctypes.sizeof(sigv4rs_header)
    assert ctypes.sizeof(sigv4rs_stream) == 24 and sigv4rs_stream.chunk_size.offset == 16, "stream layout"
    assert ctypes.sizeof(sigv4rs_chunked) == CHUNKED_STATE_SIZE, "chunked state layout"


_check_layouts()


signer_p = ctypes.POINTER(sigv4rs_signer)
_size_p = ctypes.POINTER(ctypes.c_size_t)
_u8_p = ctypes.c_char_p  # output buffers: create_string_buffer objects

# (name, restype, argtypes)
_PROTOTYPES = [
    ("sigv4rs_unix_time_now", ctypes.c_uint32, [ctypes.POINTER(ctypes.c_int64)]),
    ("sigv4rs_signer_new", ctypes.c_uint32, [ctypes.POINTER(sigv4rs_config), ctypes.POINTER(signer_p)]),
    (
        "sigv4rs_signer_new_from_env",
        ctypes.c_uint32,
        [sigv4rs_bytes, sigv4rs_bytes, ctypes.c_uint32, ctypes.POINTER(signer_p)],
    ),
    ("sigv4rs_signer_free", None, [signer_p]),
    (
        "sigv4rs_signer_sign_headers",
        ctypes.c_uint32,
        [signer_p, ctypes.POINTER(sigv4rs_request), ctypes.c_int64, _u8_p, ctypes.c_size_t, _size_p],
    ),
    (
        "sigv4rs_signer_presign",
        ctypes.c_uint32,
        [
            signer_p,
            ctypes.POINTER(sigv4rs_request),
            ctypes.c_int64,
            ctypes.c_uint32,
            _u8_p,
            ctypes.c_size_t,
            _size_p,
        ],
    ),
    (
        "sigv4rs_signer_canonical_request",
        ctypes.c_uint32,
        [
            signer_p,
            ctypes.POINTER(sigv4rs_request),
            ctypes.c_int64,
            ctypes.c_uint32,
            _u8_p,
            ctypes.c_size_t,
            _size_p,
        ],
    ),
    (
        "sigv4rs_signer_string_to_sign",
        ctypes.c_uint32,
        [
            signer_p,
            ctypes.POINTER(sigv4rs_request),
            ctypes.c_int64,
            ctypes.c_uint32,
            _u8_p,
            ctypes.c_size_t,
            _size_p,
        ],
    ),
    (
        "sigv4rs_chunked_encoded_length",
        ctypes.c_uint32,
        [ctypes.POINTER(sigv4rs_stream), ctypes.POINTER(ctypes.c_uint64)],
    ),
    (
        "sigv4rs_chunked_begin",
        ctypes.c_uint32,
        [
            signer_p,
            ctypes.POINTER(sigv4rs_request),
            ctypes.c_int64,
            ctypes.POINTER(sigv4rs_stream),
            ctypes.POINTER(sigv4rs_chunked),
            _u8_p,
            ctypes.c_size_t,
            _size_p,
        ],
    ),
    (
        "sigv4rs_chunked_sign_chunk",
        ctypes.c_uint32,
        [signer_p, ctypes.POINTER(sigv4rs_chunked), sigv4rs_bytes, _u8_p, ctypes.c_size_t, _size_p],
    ),
    (
        "sigv4rs_chunked_finish",
        ctypes.c_uint32,
        [signer_p, ctypes.POINTER(sigv4rs_chunked), _u8_p, ctypes.c_size_t, _size_p],
    ),
    ("sigv4rs_status_str", ctypes.c_char_p, [ctypes.c_uint32]),
    ("sigv4rs_version", ctypes.c_char_p, []),
]

LIB_NAME = "libsigv4rs.so"
SONAME = "libsigv4rs.so.%d.%d" % ABI_VERSION


def _candidates():
    env = os.environ.get("SIGV4RS_LIB")
    if env:
        # An explicit path is the only candidate: a typo must not silently
        # fall back to some other copy.
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    # Source checkout: bindings/python/sigv4rs -> <root>/target/release.
    out = [os.path.normpath(os.path.join(here, "..", "..", "..", "target", "release", LIB_NAME))]
    found = ctypes.util.find_library("sigv4rs")
    if found:
        out.append(found)
    out.append(SONAME)
    return out


_lock = threading.Lock()
_lib = None


def load():
    """The loaded library (loaded once, on first use)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            _lib = _load()
    return _lib


def _load():
    tried = []
    lib = None
    for cand in _candidates():
        if os.sep in cand and not os.path.exists(cand):
            tried.append("%s (missing)" % cand)
            continue
        try:
            lib = ctypes.CDLL(cand)
            break
        except OSError as e:
            tried.append("%s (%s)" % (cand, e))
    if lib is None:
        raise OSError(
            "sigv4rs: cannot load the shared library; build it with `cargo build --release` "
            "or set SIGV4RS_LIB to its path. Tried: " + "; ".join(tried)
        )
    for name, restype, argtypes in _PROTOTYPES:
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    version = lib.sigv4rs_version().decode("ascii")
    major, minor = (int(x) for x in version.split(".")[:2])
    if (major, minor) != ABI_VERSION:
        raise OSError(
            "sigv4rs: library version %s does not match this binding's ABI %d.%d" % ((version,) + ABI_VERSION)
        )
    return lib
