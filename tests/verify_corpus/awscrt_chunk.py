"""aws-c-auth's own chunk and trailer signing (AWS_ST_HTTP_REQUEST_CHUNK = 2,
AWS_ST_HTTP_REQUEST_TRAILING_HEADERS = 6), which awscrt 0.38.1's Python does
not expose: aws_sign_request_aws is called inside _awscrt.abi3.so by its
address (the module's symbol table, read with nm), on a signable made here
(aws/auth/signable.h: previous-signature property, payload stream, the
"headers" property list), with a config from awscrt's signing_config_new.
Used by chunked_gen.py; any mismatch of layout fails loudly, and the
signatures are checked against the AWS documentation's string to sign."""
import ctypes as C
import subprocess

import _awscrt
from awscrt import auth

P = C.c_void_p


class Cursor(C.Structure):
    _fields_ = [("len", C.c_size_t), ("ptr", P)]


class Pair(C.Structure):
    _fields_ = [("name", Cursor), ("value", Cursor)]


class ArrayList(C.Structure):
    _fields_ = [("alloc", P), ("current_size", C.c_size_t), ("length", C.c_size_t),
                ("item_size", C.c_size_t), ("data", P)]


GET_PROPERTY = C.CFUNCTYPE(C.c_int, P, P, C.POINTER(Cursor))
GET_LIST = C.CFUNCTYPE(C.c_int, P, P, C.POINTER(C.POINTER(ArrayList)))
GET_STREAM = C.CFUNCTYPE(C.c_int, P, C.POINTER(P))
DESTROY = C.CFUNCTYPE(None, P)
DONE = C.CFUNCTYPE(None, P, C.c_int, P)


class Vtable(C.Structure):
    _fields_ = [("get_property", GET_PROPERTY), ("get_property_list", GET_LIST),
                ("get_payload_stream", GET_STREAM), ("destroy", DESTROY)]


class Signable(C.Structure):
    _fields_ = [("allocator", P), ("impl", P), ("vtable", C.POINTER(Vtable))]


def _symbols(path):
    out = {}
    for l in subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = l.split()
        if len(parts) == 3:
            out[parts[2]] = int(parts[0], 16)
    return out


class Crt:
    def __init__(self):
        path = _awscrt.__file__
        lib = C.PyDLL(path)
        syms = _symbols(path)
        base = C.cast(lib.PyInit__awscrt, P).value - syms["PyInit__awscrt"]
        f = lambda name, res, *args: C.CFUNCTYPE(res, *args)(base + syms[name])
        self.default_allocator = f("aws_default_allocator", P)
        self.stream_from_cursor = f("aws_input_stream_new_from_cursor", P, P, C.POINTER(Cursor))
        self.stream_release = f("aws_input_stream_release", P, P)
        self.sign = f("aws_sign_request_aws", C.c_int, P, C.POINTER(Signable), P, DONE, P)
        self.result_property = f("aws_signing_result_get_property", C.c_int, P, P, C.POINTER(P))
        self.last_error = f("aws_last_error", C.c_int)
        self.error_name = f("aws_error_name", C.c_char_p, C.c_int)
        self.py_config = lib.aws_py_get_signing_config
        self.py_config.restype = P
        self.py_config.argtypes = [C.py_object]
        self.py_creds = lib.aws_py_get_credentials
        self.py_creds.restype = P
        self.py_creds.argtypes = [C.py_object]
        self.py_provider = lib.aws_py_get_credentials_provider
        self.py_provider.restype = P
        self.py_provider.argtypes = [C.py_object]

    def _config(self, sig_type, creds, region, service, date):
        """A signing config of `sig_type`; aws-c-auth wants chunk and trailer
        signing to use credentials, not a provider (which Python only
        takes): `credentials` is the member before `credentials_provider`."""
        provider = auth.AwsCredentialsProvider.new_static(
            creds.access_key_id, creds.secret_access_key, creds.session_token)
        cfg = auth.AwsSigningConfig.__new__(auth.AwsSigningConfig)
        auth.NativeResource.__init__(cfg)
        cfg._binding = _awscrt.signing_config_new(
            auth.AwsSigningAlgorithm.V4, sig_type, provider, region, service, date, date.timestamp(),
            None, False, False, None, auth.AwsSignedBodyHeaderType.NONE, 0, False)
        ptr = self.py_config(cfg)
        words = (C.c_uint64 * 48).from_address(ptr)
        at = [i for i in range(48) if words[i] == self.py_provider(provider)]
        if len(at) != 1 or words[at[0] - 1] != 0:
            raise RuntimeError("aws_signing_config_aws: credentials_provider not found")
        words[at[0] - 1] = self.py_creds(creds)
        return cfg, ptr, provider

    def _string(self, s):
        b = s.encode()
        buf = C.create_string_buffer(16 + len(b) + 1)
        C.memmove(C.addressof(buf) + 8, C.byref(C.c_size_t(len(b))), 8)
        C.memmove(C.addressof(buf) + 16, b, len(b))
        return buf

    def sign_link(self, sig_type, creds, region, service, date, prev, payload=None, trailers=None):
        """One signature of the chain: sig_type 2 (chunk) or 6 (trailing headers)."""
        cfg, cfg_ptr, provider = self._config(sig_type, creds, region, service, date)
        keep = [cfg, provider]
        prev_b = C.create_string_buffer(prev.encode(), len(prev))
        keep.append(prev_b)

        def name_of(p):
            n = C.c_size_t.from_address(p + 8).value
            return C.string_at(p + 16, n).decode()

        def get_property(_s, name, out):
            if name_of(name) == "previous-signature":
                out[0].len, out[0].ptr = len(prev), C.addressof(prev_b)
                return 0
            return -1

        pairs = None
        if trailers is not None:
            pairs = (Pair * len(trailers))()
            for i, (k, v) in enumerate(trailers):
                kb, vb = C.create_string_buffer(k.encode(), len(k)), C.create_string_buffer(v.encode(), len(v))
                keep += [kb, vb]
                pairs[i].name = Cursor(len(k), C.addressof(kb))
                pairs[i].value = Cursor(len(v), C.addressof(vb))
            lst = ArrayList(None, C.sizeof(pairs), len(trailers), C.sizeof(Pair), C.addressof(pairs))
            keep += [pairs, lst]

        def get_list(_s, name, out):
            if trailers is not None and name_of(name) == "headers":
                out[0] = C.pointer(lst)
                return 0
            return -1

        stream = [None]

        def get_stream(_s, out):
            if payload is None:
                out[0] = None
                return 0
            pb = C.create_string_buffer(payload, len(payload))
            keep.append(pb)
            stream[0] = self.stream_from_cursor(self.default_allocator(), C.byref(Cursor(len(payload), C.addressof(pb))))
            out[0] = stream[0]
            return 0

        vt = Vtable(GET_PROPERTY(get_property), GET_LIST(get_list), GET_STREAM(get_stream), DESTROY(lambda s: None))
        signable = Signable(self.default_allocator(), None, C.pointer(vt))
        got = {}
        sig_name = self._string("signature")

        def done(result, err, _u):
            if err:
                got["error"] = self.error_name(err).decode()
                return
            out = P()
            if self.result_property(result, C.addressof(sig_name), C.byref(out)) != 0:
                got["error"] = "no signature"
                return
            n = C.c_size_t.from_address(out.value + 8).value
            got["sig"] = C.string_at(out.value + 16, n).decode()

        cb = DONE(done)
        rc = self.sign(self.default_allocator(), C.byref(signable), cfg_ptr, cb, None)
        if stream[0]:
            self.stream_release(stream[0])
        if rc != 0:
            raise RuntimeError("aws_sign_request_aws: %s" % self.error_name(self.last_error()).decode())
        if "sig" not in got:
            raise RuntimeError("aws-c-auth: %s" % got.get("error", "no callback"))
        return got["sig"]
