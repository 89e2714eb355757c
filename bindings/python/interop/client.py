#!/usr/bin/env python3
"""Interop client for tests/interop/run.py (protocol: tests/interop/README.md).

Signs with the Python binding and talks HTTP through requests: SigV4Auth
for ordinary requests, Signer.sign_streaming for aws-chunked bodies
(generated on the fly, so memory stays constant), and the curl tool for
presigned URLs. Case names match the C client where the case is the same.

    python3 interop/client.py      cases for $INTEROP_TARGET (s3s or moto)

One JSON object per case on stdout; exit 0 when every case passed, 1 if not.
Needs requests: when the running interpreter lacks it, the client re-runs
itself with <root>/target/pyvenv/bin/python (`make -C bindings/python venv`).
"""

import json
import os
import socket
import subprocess
import sys
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("INTEROP_ROOT") or os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.dirname(HERE))  # bindings/python, also without PYTHONPATH
sys.dont_write_bytecode = True  # keep the source tree free of __pycache__


def _need_requests():
    try:
        import requests  # noqa: F401
        return
    except ImportError:
        pass
    venv = os.path.join(ROOT, "target", "pyvenv")
    py = os.path.join(venv, "bin", "python")
    # The harness runs us with its own interpreter; the binding's test venv has requests.
    if os.path.exists(py) and os.path.realpath(sys.prefix) != os.path.realpath(venv) \
            and not os.environ.get("SIGV4RS_INTEROP_REEXEC"):
        os.environ["SIGV4RS_INTEROP_REEXEC"] = "1"
        os.execv(py, [py] + sys.argv)
    sys.stderr.write("client: needs the requests package; run `make -C bindings/python venv` "
                     "(creates target/pyvenv) or install requests for %s\n" % sys.executable)
    sys.exit(2)


_need_requests()

import requests  # noqa: E402

import sigv4rs  # noqa: E402
from sigv4rs.requests_auth import SigV4Auth  # noqa: E402

CHUNK = 65536
TIMEOUT = 60
FORM = "application/x-www-form-urlencoded; charset=utf-8"
JSON10 = "application/x-amz-json-1.0"
WRONG_SECRET = "wrong/Secret+Key0123456789abcdefWXYZ"
S3NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"

ENV = {}
FAILED = False
EMITTED = set()


# ------------------------------------------------------------- reporting

def emit(case, accept, status, ok, detail):
    global FAILED
    print(json.dumps({"lang": "python", "case": case, "expect": "accept" if accept else "reject",
                      "status": int(status), "ok": bool(ok), "detail": detail}), flush=True)
    EMITTED.add(case)
    if not ok:
        FAILED = True


def run_case(name, accept, fn, *args, **kwargs):
    """Runs one case; an exception is that case failing, not a crash."""
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - reported as the case's outcome
        global FAILED
        sys.stderr.write("case %s:\n" % name)
        traceback.print_exc(file=sys.stderr)
        if name in EMITTED:  # a case is reported once: fail the run instead
            FAILED = True
        else:
            emit(name, accept, 0, False, "exception: %s: %s" % (type(e).__name__, e))


def describe(r):
    """Status and, for an S3/AWS error, its code and message."""
    text = "HTTP %d" % r.status_code
    if r.status_code >= 300 and r.content:
        try:
            root = ET.fromstring(r.content)
            code = next((e.text for e in root.iter() if e.tag.rpartition("}")[2] == "Code"), None)
            msg = next((e.text for e in root.iter() if e.tag.rpartition("}")[2] == "Message"), None)
            if code:
                text += " %s%s" % (code, ": " + msg[:120] if msg else "")
        except ET.ParseError:
            text += " " + r.text[:120].replace("\n", " ")
    return text


# ------------------------------------------------------------- test data

# Byte i of every test object is (i*31+7) % 251, as in the C client; the
# pattern repeats every 251 bytes, so any slice comes from one block.
PATTERN = bytes((i * 31 + 7) % 251 for i in range(251))
BLOCK = PATTERN * 262  # 65762 bytes: any offset mod 251 plus 64 KiB


def gen(off, n):
    parts = []
    while n > 0:
        start = off % 251
        k = min(n, len(BLOCK) - start)
        parts.append(BLOCK[start:start + k])
        off += k
        n -= k
    return b"".join(parts)


class GenFile:
    """`size` test bytes as a seekable binary file made on the fly (no
    memory held): SigV4Auth hashes it and rewinds, requests sends it with
    its Content-Length, sign_streaming reads it chunk by chunk."""

    def __init__(self, size):
        self.size, self.pos = size, 0

    def __len__(self):
        return self.size - self.pos

    def read(self, n=-1):
        if n is None or n < 0:
            n = self.size - self.pos
        n = min(n, self.size - self.pos, CHUNK)
        data = gen(self.pos, n)
        self.pos += n
        return data

    def seek(self, off, whence=0):
        self.pos = off if whence == 0 else (self.pos + off if whence == 1 else self.size + off)
        return self.pos

    def tell(self):
        return self.pos


def compare_stream(r, off=0):
    """(bytes, first differing offset or None), comparing while it streams."""
    n, bad = 0, None
    for piece in r.raw.stream(CHUNK, decode_content=False):
        if bad is None and piece != gen(off + n, len(piece)):
            want = gen(off + n, len(piece))
            bad = n + next(i for i in range(len(piece)) if piece[i] != want[i])
        n += len(piece)
    return n, bad


# ------------------------------------------------------------- plumbing

SESSION = None


def session():
    global SESSION
    if SESSION is None:
        SESSION = requests.Session()
        SESSION.trust_env = False  # no netrc, no proxies: loopback only
    return SESSION


def key_path(key):
    """RFC 3986 encoding of a key, '/' kept: as it goes on the wire."""
    return urllib.parse.quote(key, safe="/")


def s3_url(wire_key=None, query=None):
    url = "%s/%s" % (ENV["endpoint"], ENV["bucket"])
    if wire_key is not None:
        url += "/" + wire_key
    if query is not None:
        url += "?" + query
    # What is signed must be what requests sends.
    prepared = requests.Request("GET", url).prepare().url
    if prepared != url:
        raise AssertionError("requests would send %s for %s" % (prepared, url))
    return url


def mixed_case_endpoint():
    """ENDPOINT with the host written LocalHost (it must resolve to the
    server's 127.0.0.1), or None when it does not resolve so."""
    host, _, port = urllib.parse.urlsplit(ENV["endpoint"]).netloc.rpartition(":")
    try:
        addrs = {a[4][0] for a in socket.getaddrinfo("LocalHost", int(port), proto=socket.IPPROTO_TCP)}
    except socket.gaierror:
        addrs = set()
    if host != "127.0.0.1" or "127.0.0.1" not in addrs:
        return None
    return "http://LocalHost:" + port


def send_as_written(method, url, auth, **kw):
    """Signs and sends `url` with its host as written: requests would
    lower-case it when preparing the URL, so it is set on the prepared
    request, and SigV4Auth applies the Host the library signed."""
    r = session().prepare_request(requests.Request(method, ENV["endpoint"] + "/", **kw))
    r.url = url
    r.prepare_auth(auth)
    return session().send(r, timeout=TIMEOUT)


def s3_auth(ak=None, sk=None, token=None, **kw):
    return SigV4Auth(ak or ENV["ak"], sk or ENV["sk"], ENV["region"], "s3", session_token=token, **kw)


class Tamper(requests.auth.AuthBase):
    """Signs with `inner`, then alters the signed request."""

    def __init__(self, inner, fn):
        self.inner, self.fn = inner, fn

    def __call__(self, r):
        r = self.inner(r)
        self.fn(r)
        return r


def flip_hex(s, i):
    return s[:i] + ("1" if s[i] == "0" else "0") + s[i + 1:]


def flip_auth_signature(r):
    a = r.headers["Authorization"]
    r.headers["Authorization"] = flip_hex(a, len(a) - 1)


def send(method, url, auth, **kw):
    kw.setdefault("timeout", TIMEOUT)
    return session().request(method, url, auth=auth, **kw)


def s3_get_compare(auth, wire_key, size, with_status=False):
    """(ok, text) of a signed GET of a whole object compared with the test
    data; (ok, text, status) with_status."""
    r = send("GET", s3_url(wire_key), auth, stream=True)
    with r:
        if r.status_code != 200:
            r.content  # noqa: B018 - read the error body for describe()
            out = False, "GET %s" % describe(r)
        else:
            n, bad = compare_stream(r)
            if bad is not None:
                out = False, "GET 200, byte %d differs" % bad
            elif n != size:
                out = False, "GET 200, %d bytes (want %d)" % (n, size)
            else:
                out = True, "GET 200, %d bytes match" % n
    return out + (r.status_code,) if with_status else out


def report(name, accept, r, extra_ok=True, extra=""):
    d = describe(r) + ("; " + extra if extra else "")
    ok = (200 <= r.status_code < 300 and extra_ok) if accept else (r.status_code >= 400 and extra_ok)
    emit(name, accept, r.status_code, ok, d)


# ------------------------------------------------------------- S3 cases

SIZES = [(0, "0B"), (1, "1B"), (8192, "8KiB"), (65537, "64KiB+1"), (3 << 20, "3MiB")]
MODES = [("signed", None), ("signed-trailer", "crc32c"), ("unsigned-trailer", "crc32")]


def mode_name(mode, checksum):
    return "signed" if mode == "signed" else "%s-%s" % (mode.split("-")[0], checksum)


def case_create_bucket(auth):
    r = send("PUT", s3_url(), auth, data=b"")
    report("create-bucket", True, r, True, ENV["bucket"])


def case_put_single(auth, name, wire_key, size):
    r = send("PUT", s3_url(wire_key), auth, data=gen(0, size))
    ok, get = (False, "")
    if 200 <= r.status_code < 300:
        ok, get = s3_get_compare(auth, wire_key, size)
    emit(name, True, r.status_code, ok, "PUT %s%s" % (describe(r), "; " + get if get else ""))


class FrameBody:
    """A ChunkedEncoder's frames as a file-like body for requests, with one
    frame altered after signing (negative controls) and a byte count."""

    def __init__(self, enc, index=-1, how=None):
        self.enc, self.index, self.how = enc, index, how
        self.frames = iter(enc)
        self.buf, self.count, self.sent = b"", 0, 0

    def __len__(self):
        return len(self.enc)

    def __iter__(self):
        while True:
            piece = self.read(CHUNK)
            if not piece:
                return
            yield piece

    def _frame(self):
        frame = next(self.frames, None)
        if frame is not None and self.count == self.index:
            hdr_end = frame.index(b"\r\n")
            b = bytearray(frame)
            if self.how == "sig":  # last hex digit of the chunk signature
                b[hdr_end - 1] = ord("1") if b[hdr_end - 1] == ord("0") else ord("0")
            elif self.how == "data":  # first data byte
                b[hdr_end + 2] ^= 1
            frame = bytes(b)
        self.count += 1
        return frame

    def read(self, n=-1):
        while n is None or n < 0 or len(self.buf) < n:
            frame = self._frame()
            if frame is None:
                break
            self.buf += frame
        if n is None or n < 0:
            n = len(self.buf)
        out, self.buf = self.buf[:n], self.buf[n:]
        self.sent += len(out)
        return out


def chunked_put(signer, wire_key, mode, checksum, size, chunk=CHUNK, tamper=None, index=0):
    """(response, info, body ok) of an aws-chunked PUT of `size` test bytes."""
    url = s3_url(wire_key)
    headers, enc = signer.sign_streaming("PUT", url, size, chunk_size=chunk, mode=mode, checksum=checksum,
                                         body=GenFile(size))
    want = sigv4rs.chunked_encoded_length(size, chunk, mode, checksum)
    if int(headers["Content-Length"]) != want or len(enc) != want:
        raise AssertionError("Content-Length %s, len(encoder) %d, chunked_encoded_length %d"
                             % (headers["Content-Length"], len(enc), want))
    body = FrameBody(enc, index, tamper) if tamper else enc
    r = send("PUT", url, None, data=body, headers=headers)
    sent = body.sent if tamper else enc.produced
    chunks = -(-size // chunk) + 1
    if r.status_code < 300 and sent != want:
        return r, "sent %d body bytes, Content-Length %d" % (sent, want), False
    return r, "%d chunks, %d wire bytes" % (chunks, sent), True


def case_put_chunked(signer, auth, name, wire_key, mode, checksum, size, chunk=CHUNK):
    r, info, body_ok = chunked_put(signer, wire_key, mode, checksum, size, chunk)
    ok, get = body_ok and 200 <= r.status_code < 300, ""
    if ok:
        ok, get = s3_get_compare(auth, wire_key, size)
    emit(name, True, r.status_code, ok, "PUT %s (%s)%s" % (describe(r), info, "; " + get if get else ""))


def case_put_unsigned_payload(auth_unsigned, auth, name, wire_key, size):
    r = send("PUT", s3_url(wire_key), auth_unsigned, data=gen(0, size))
    sent = r.request.headers.get("X-Amz-Content-SHA256")
    ok, get = 200 <= r.status_code < 300 and sent == "UNSIGNED-PAYLOAD", ""
    if ok:
        ok, get = s3_get_compare(auth, wire_key, size)
    emit(name, True, r.status_code, ok, "PUT %s (x-amz-content-sha256 %s); %s" % (describe(r), sent, get))


def case_put_hashed_stream(auth, name, wire_key, size):
    # SigV4Auth hashes the seekable file piece by piece and rewinds it.
    r = send("PUT", s3_url(wire_key), auth, data=GenFile(size))
    sha = r.request.headers.get("X-Amz-Content-SHA256", "")
    ok, get = 200 <= r.status_code < 300, ""
    if ok:
        ok, get = s3_get_compare(auth, wire_key, size)
    emit(name, True, r.status_code, ok, "PUT %s (sha256 %.12s...); %s" % (describe(r), sha, get))


def case_get_range(auth, wire_key):
    r = send("GET", s3_url(wire_key), auth, headers={"Range": "bytes=100-199"}, stream=True)
    with r:
        n, bad = compare_stream(r, 100)
    report("get-range-signed", True, r, r.status_code == 206 and n == 100 and bad is None,
           "%d bytes%s" % (n, ", differ" if bad is not None else ""))


ODD_KEYS = [
    "odd/a b+c=d&e.txt",
    "odd/pct%41 ~*'()!$,;:@.bin",
    "odd/\u00fcn\u00ef/\u65e5\u672c-\u043a\u043b\u044e\u0447.txt",  # üñï/日本-ключ
]


def listed_keys(content):
    root = ET.fromstring(content)
    return [e.text for e in root.iter(S3NS + "Key")]


def case_list(auth, name, prefix, want, start_after=None):
    q = "list-type=2&prefix=%s" % urllib.parse.quote(prefix, safe="")
    if start_after is not None:
        q += "&start-after=%s" % urllib.parse.quote(start_after, safe="")
    q += "&max-keys=100"
    r = send("GET", s3_url(query=q), auth)
    if r.status_code != 200:
        report(name, True, r)
        return
    keys = listed_keys(r.content)
    ok = sorted(keys) == sorted(want)
    info = ("prefix %s: %d key(s) listed as expected" % (urllib.parse.quote(prefix, safe=""), len(want)) if ok
            else "listed %r, want %r" % (keys, want))
    report(name, True, r, ok, info)


def case_list_form_encoded(auth, name, how):
    """ListObjectsV2 whose prefix has a space written as '+' by a form
    encoder: the listed keys show that the server read a space."""
    params = {"list-type": "2", "prefix": "odd/a b", "max-keys": "100"}
    if how == "urlencode":
        r = send("GET", s3_url(query=urllib.parse.urlencode(params)), auth)
    else:
        r = send("GET", s3_url(), auth, params=params)
    wire = r.request.url.partition("?")[2]
    keys = listed_keys(r.content) if r.status_code == 200 else []
    ok = "prefix=odd%2Fa+b" in wire and keys == ODD_KEYS[:1]
    report(name, True, r, ok, "sent ?%s; listed %r" % (wire, keys))


def case_mixed_case_host(auth, name, endpoint):
    url = "%s/%s/single/8KiB" % (endpoint, ENV["bucket"])
    r = send_as_written("GET", url, auth)
    host = r.request.headers.get("Host")
    ok = r.status_code == 200 and r.content == gen(0, 8192) and host == endpoint.lower()[len("http://"):]
    report(name, True, r, ok, "GET %s with Host: %s; %d bytes" % (url, host, len(r.content)))


def curl_tool(url, upload=None, out=None):
    """HTTP status from the curl tool (0 if it did not run), and the body."""
    out = out or os.path.join(ENV["tmpdir"], "curl.out")
    if os.path.exists(out):
        os.remove(out)
    cmd = ["curl", "-sS", "-g", "--path-as-is", "--max-time", "60", "-o", out, "-w", "%{http_code}"]
    if upload:
        cmd += ["-T", upload]
    p = subprocess.run(cmd + [url], capture_output=True, timeout=90)
    if p.stderr:
        sys.stderr.write(p.stderr.decode(errors="replace"))
    try:
        status = int(p.stdout.decode().strip() or 0)
    except ValueError:
        status = 0
    body = b""
    if os.path.exists(out):
        with open(out, "rb") as f:
            body = f.read()
    return status, body


def file_matches(body, size):
    if body == gen(0, size):
        return True, "%d bytes match" % len(body)
    return False, "content differs (%d bytes)" % len(body)


def case_presign_get(signer, name, wire_key, query, size):
    url = signer.presign("GET", s3_url(wire_key, query), expires=300)
    st, body = curl_tool(url)
    ok, why = file_matches(body, size) if st == 200 else (False, "")
    emit(name, True, st, st == 200 and ok, "curl GET -> %d; %s" % (st, why))


def case_presign_list_form_encoded(signer, name):
    q = urllib.parse.urlencode({"list-type": "2", "prefix": "odd/a b", "max-keys": "100"})
    url = signer.presign("GET", s3_url(query=q), expires=300)
    st, body = curl_tool(url)
    keys = listed_keys(body) if st == 200 else []
    # The URL carries the query as signed: the space as %20, no '+'.
    ok = st == 200 and "prefix=odd%2Fa%20b&" in url and keys == ODD_KEYS[:1]
    emit(name, True, st, ok, "curl GET %s... -> %d; listed %r" % (url.partition("&X-Amz-")[0], st, keys))


def case_presign_mixed_case_host(signer, name, endpoint):
    url = signer.presign("GET", "%s/%s/single/8KiB" % (endpoint, ENV["bucket"]), expires=300)
    st, body = curl_tool(url)
    ok, why = file_matches(body, 8192) if st == 200 else (False, "")
    ok = ok and url.startswith(endpoint.lower() + "/")
    emit(name, True, st, st == 200 and ok, "curl GET %s... -> %d; %s" % (url.partition("?")[0], st, why))


def case_presign_put(signer, auth, name, wire_key, size):
    path = os.path.join(ENV["tmpdir"], "presigned-put.bin")
    with open(path, "wb") as f:
        f.write(gen(0, size))
    url = s3_url(wire_key)
    t = int(time.time())
    link = signer.presign("PUT", url, expires=300, time=t)
    # The URL must not bind a body hash: curl -T sends no signed header.
    unsigned = signer.canonical_request("PUT", url, time=t, presign_expires=300).endswith("\nUNSIGNED-PAYLOAD")
    st, _ = curl_tool(link, upload=path)
    ok, get = st == 200 and unsigned, ""
    if ok:
        ok, get = s3_get_compare(auth, wire_key, size)
    emit(name, True, st, ok, "curl -T -> %d; canonical payload %s; %s"
         % (st, "UNSIGNED-PAYLOAD" if unsigned else "NOT UNSIGNED-PAYLOAD", get))


def case_presign_refused(signer, name, wire_key, t, expires, flip):
    url = signer.presign("GET", s3_url(wire_key), expires=expires, time=t)
    if flip:
        i = url.index("X-Amz-Signature=") + len("X-Amz-Signature=") + 63
        url = flip_hex(url, i)
    st, body = curl_tool(url)
    code = ""
    try:
        code = ET.fromstring(body).findtext("Code") or ""
    except ET.ParseError:
        pass
    emit(name, False, st, 400 <= st < 500, "curl GET -> %d %s" % (st, code))


def case_refused(name, method, url, auth, **kw):
    r = send(method, url, auth, **kw)
    report(name, False, r)


def case_chunked_refused(signer, name, wire_key, mode, checksum, size, how, index):
    r, info, _ = chunked_put(signer, wire_key, mode, checksum, size, tamper=how, index=index)
    report(name, False, r, True, info)


def run_s3s():
    signer = sigv4rs.Signer(ENV["ak"], ENV["sk"], ENV["region"], "s3", s3=True)
    auth = s3_auth()
    run_case("create-bucket", True, case_create_bucket, auth)

    for size, sname in SIZES:
        run_case("put-single-" + sname, True, case_put_single, auth, "put-single-" + sname,
                 key_path("single/" + sname), size)
    run_case("put-unsigned-payload-8KiB", True, case_put_unsigned_payload, s3_auth(unsigned_payload=True), auth,
             "put-unsigned-payload-8KiB", "unsigned/8KiB", 8192)
    run_case("put-sha256-stream-3MiB", True, case_put_hashed_stream, auth, "put-sha256-stream-3MiB",
             "hashed/3MiB", 3 << 20)

    for mode, ck in MODES:
        mn = mode_name(mode, ck)
        for size, sname in SIZES:
            name = "put-chunked-%s-%s" % (mn, sname)
            run_case(name, True, case_put_chunked, signer, auth, name, key_path("chunked/%s/%s" % (mn, sname)),
                     mode, ck, size)

    run_case("get-range-signed", True, case_get_range, auth, "single/8KiB")

    wire = [key_path(k) for k in ODD_KEYS]
    for i, k in enumerate(wire):
        name = "put-odd-key-%d" % (i + 1)
        run_case(name, True, case_put_single, auth, name, k, 1000 + i)
    run_case("list-prefix-odd/", True, case_list, auth, "list-prefix-odd/", "odd/", ODD_KEYS)
    run_case("list-prefix-space-plus-equals-amp", True, case_list, auth, "list-prefix-space-plus-equals-amp",
             "odd/a b+c=d&", ODD_KEYS[:1])
    run_case("list-prefix-percent-tilde-star", True, case_list, auth, "list-prefix-percent-tilde-star",
             "odd/pct%41 ~*'(", ODD_KEYS[1:2])
    run_case("list-prefix-utf8", True, case_list, auth, "list-prefix-utf8", "odd/\u00fcn", ODD_KEYS[2:])
    # A space written '+' by a form encoder is a space (issue 10).
    for how in ("urlencode", "params"):
        name = "list-prefix-form-encoded-space-" + how
        run_case(name, True, case_list_form_encoded, auth, name, how)
    mixed = mixed_case_endpoint()
    if mixed:
        run_case("get-mixed-case-host", True, case_mixed_case_host, auth, "get-mixed-case-host", mixed)
    else:
        sys.stderr.write("client: LocalHost does not resolve to 127.0.0.1; mixed-case host cases skipped\n")

    run_s3s_more(signer, auth, wire)

    run_case("presign-get-curl-odd-key", True, case_presign_get, signer, "presign-get-curl-odd-key", wire[0], None,
             1000)
    run_case("presign-get-curl-with-query", True, case_presign_get, signer, "presign-get-curl-with-query", wire[1],
             "response-content-type=text%2Fplain%3B%20charset%3Dutf-8&response-cache-control=no-cache", 1001)
    run_case("presign-put-curl", True, case_presign_put, signer, auth, "presign-put-curl",
             key_path("presigned/put \u00fc+=.bin"), 100000)
    run_case("presign-list-curl-form-encoded-space", True, case_presign_list_form_encoded, signer,
             "presign-list-curl-form-encoded-space")
    if mixed:
        run_case("presign-get-curl-mixed-case-host", True, case_presign_mixed_case_host, signer,
                 "presign-get-curl-mixed-case-host", mixed)

    run_s3s_negative(signer, auth)
    signer.close()


def run_s3s_more(signer, auth, wire):
    """Less common shapes of otherwise ordinary requests."""
    run_case("get-bucket-location-valueless-query", True,
             lambda: report("get-bucket-location-valueless-query", True, send("GET", s3_url(query="location"), auth)))
    run_case("head-object-utf8-key", True,
             lambda: report("head-object-utf8-key", True, send("HEAD", s3_url(wire[2]), auth)))
    # Runs of spaces inside signed values: canonicalized as one space.
    run_case("put-header-values-with-space-runs", True, lambda: report(
        "put-header-values-with-space-runs", True,
        send("PUT", s3_url("meta/spaces"), auth, data=b"spaces",
             headers={"x-amz-meta-spaces": "a   b  c", "Content-Type": "text/plain;  charset=utf-8"})))

    def delete():
        r = send("DELETE", s3_url("meta/spaces"), auth)
        g = send("GET", s3_url("meta/spaces"), auth)
        emit("delete-object", True, r.status_code, 200 <= r.status_code < 300 and g.status_code == 404,
             "DELETE %s; GET afterwards %d" % (describe(r), g.status_code))
    run_case("delete-object", True, delete)
    # (No dot-segment key: requests removes /./ and /../ before sending.)
    run_case("put-key-empty-segment", True, case_put_single, auth, "put-key-empty-segment", "dots/x//y", 11)
    run_case("list-start-after-odd-key", True, case_list, auth, "list-start-after-odd-key", "odd/", ODD_KEYS[1:],
             ODD_KEYS[0])

    more = [
        ("put-chunked-signed-64KiB-exact", "chunked/more/a", "signed", None, 65536, CHUNK),
        ("put-chunked-signed-crc32-128KiB-exact", "chunked/more/b", "signed-trailer", "crc32", 131072, CHUNK),
        ("put-chunked-signed-sha256-64KiB+1", "chunked/more/c", "signed-trailer", "sha256", 65537, CHUNK),
        ("put-chunked-unsigned-crc32c-64KiB-exact", "chunked/more/d", "unsigned-trailer", "crc32c", 65536, CHUNK),
        ("put-chunked-unsigned-sha256-8KiB-chunks", "chunked/more/e", "unsigned-trailer", "sha256", 100000, 8192),
        ("put-chunked-signed-8KiB-chunks-1MiB+3", "chunked/more/f", "signed", None, (1 << 20) + 3, 8192),
    ]
    for name, key, mode, ck, size, chunk in more:
        run_case(name, True, case_put_chunked, signer, auth, name, key, mode, ck, size, chunk)

    # A session token (s3s checks the signature over it, not its value);
    # '/', '+' and '=' must be encoded in the presigned query.
    token = "FwoGZXIvYXdzE/token+with=="

    def with_token():
        ok, get, status = s3_get_compare(s3_auth(token=token), "single/8KiB", 8192, with_status=True)
        emit("get-with-session-token", True, status, ok, get)
    run_case("get-with-session-token", True, with_token)
    with sigv4rs.Signer(ENV["ak"], ENV["sk"], ENV["region"], "s3", s3=True, session_token=token) as t:
        run_case("presign-get-curl-with-session-token", True, case_presign_get, t,
                 "presign-get-curl-with-session-token", "single/8KiB", None, 8192)


def run_s3s_negative(signer, auth):
    """Every one must be refused."""
    get8 = s3_url("single/8KiB")
    run_case("neg-flipped-signature", False, case_refused, "neg-flipped-signature", "GET", get8,
             Tamper(auth, flip_auth_signature))

    def alter(name, value):
        def fn(r):
            r.headers[name] = value
        return fn
    run_case("neg-altered-x-amz-meta-header", False, case_refused, "neg-altered-x-amz-meta-header", "PUT",
             s3_url("neg/meta"), Tamper(auth, alter("x-amz-meta-x", "altered-value")), data=b"meta test body",
             headers={"x-amz-meta-x": "signed-value"})
    run_case("neg-altered-range-header", False, case_refused, "neg-altered-range-header", "GET", get8,
             Tamper(auth, alter("Range", "bytes=0-19")), headers={"Range": "bytes=0-9"})

    def alter_body(r):
        b = bytearray(r.body)
        b[len(b) // 2] ^= 1  # after signing: the hash no longer matches
        r.body = bytes(b)
    run_case("neg-body-altered-after-signing", False, case_refused, "neg-body-altered-after-signing", "PUT",
             s3_url("neg/body"), Tamper(auth, alter_body), data=gen(0, 8192))

    for name, key, mode, ck, how, index in [
        ("neg-chunk-signature-altered", "neg/chunk-sig", "signed", None, "sig", 1),
        ("neg-chunk-data-altered-signed-trailer", "neg/chunk-data", "signed-trailer", "crc32c", "data", 1),
        # Unsigned chunks: only the trailer checksum protects the data.
        ("neg-chunk-data-altered-unsigned-crc32", "neg/unsigned-data", "unsigned-trailer", "crc32", "data", 1),
        ("neg-chunk-data-altered-unsigned-crc32c", "neg/unsigned-data-c", "unsigned-trailer", "crc32c", "data", 2),
        ("neg-chunk-data-altered-unsigned-sha256", "neg/unsigned-data-s", "unsigned-trailer", "sha256", "data", 0),
    ]:
        run_case(name, False, case_chunked_refused, signer, name, key, mode, ck, 150000, how, index)

    now = int(time.time())
    run_case("neg-presign-expired", False, case_presign_refused, signer, "neg-presign-expired", "single/8KiB",
             now - 3600, 60, False)
    run_case("neg-presign-flipped-signature", False, case_presign_refused, signer, "neg-presign-flipped-signature",
             "single/8KiB", now, 300, True)
    run_case("neg-clock-skew-30min", False, case_refused, "neg-clock-skew-30min", "GET", get8,
             s3_auth(clock=lambda: time.time() - 1800))
    run_case("neg-wrong-secret", False, case_refused, "neg-wrong-secret", "GET", get8, s3_auth(sk=WRONG_SECRET))


# ------------------------------------------------------------- moto cases

def svc_case(name, accept, auth, content_type, body, target=None, tamper=None, must_contain=None):
    headers = {"Content-Type": content_type}
    if target:
        headers["X-Amz-Target"] = target
    if tamper is not None:
        auth = Tamper(auth, tamper)
    r = send("POST", ENV["endpoint"] + "/", auth, data=body.encode(), headers=headers)
    ok, info = True, ""
    if must_contain is not None:
        ok = must_contain in r.text
        info = "%s %s" % ("has" if ok else "MISSING", must_contain)
    report(name, accept, r, ok, info)
    return r


def svc_auth(service, ak=None, sk=None, token=None):
    return SigV4Auth(ak or ENV["ak"], sk or ENV["sk"], ENV["region"], service, session_token=token)


def run_moto():
    # S3 header signing as a second opinion (moto trusts the payload hash).
    signer = sigv4rs.Signer(ENV["ak"], ENV["sk"], ENV["region"], "s3", s3=True)
    auth = s3_auth()
    run_case("create-bucket", True, case_create_bucket, auth)
    run_case("put-single-8KiB", True, case_put_single, auth, "put-single-8KiB", "single/8KiB", 8192)
    run_case("put-chunked-signed-64KiB+1", True, case_put_chunked, signer, auth, "put-chunked-signed-64KiB+1",
             key_path("chunked/signed/64KiB+1"), "signed", None, 65537)
    signer.close()

    gci = "Action=GetCallerIdentity&Version=2011-06-15"
    sts = svc_auth("sts")
    run_case("sts-get-caller-identity", True, svc_case, "sts-get-caller-identity", True, sts, FORM, gci,
             None, None, ":user/sigv4rs-interop</Arn>")

    creds = {}

    def assume():
        body = "Action=AssumeRole&RoleArn=%s&RoleSessionName=sigv4rs-python&Version=2011-06-15" % (
            urllib.parse.quote(ENV["role_arn"], safe=""))
        r = svc_case("sts-assume-role", True, sts, FORM, body, must_contain="<SessionToken>")
        if r.status_code == 200:
            root = ET.fromstring(r.content)
            for e in root.iter():
                tag = e.tag.rpartition("}")[2]
                if tag in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
                    creds[tag] = e.text
    run_case("sts-assume-role", True, assume)

    def alter_version(r):
        i = r.body.rfind(b"5")  # a digit of the API version
        r.body = r.body[:i] + b"6" + r.body[i + 1:]
    run_case("neg-sts-body-altered-after-signing", False, svc_case, "neg-sts-body-altered-after-signing", False,
             sts, FORM, gci, None, alter_version)
    run_case("neg-sts-wrong-secret", False, svc_case, "neg-sts-wrong-secret", False,
             svc_auth("sts", sk=WRONG_SECRET), FORM, gci)

    if len(creds) == 3:
        # Temporary credentials: the token is sent and signed.
        tmp = svc_auth("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        run_case("sts-get-caller-identity-temp-creds", True, svc_case, "sts-get-caller-identity-temp-creds", True,
                 tmp, FORM, gci, None, None, ":assumed-role/")
        bad = svc_auth("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"] + "x")
        run_case("neg-sts-temp-creds-wrong-token", False, svc_case, "neg-sts-temp-creds-wrong-token", False, bad,
                 FORM, gci)
    else:
        emit("sts-get-caller-identity-temp-creds", True, 0, False, "no temporary credentials (AssumeRole failed)")
        emit("neg-sts-temp-creds-wrong-token", False, 0, False, "no temporary credentials (AssumeRole failed)")

    sqs = svc_auth("sqs")
    qname = "sqs-q-%s" % ENV["bucket"][:40]
    run_case("sqs-create-queue", True, svc_case, "sqs-create-queue", True, sqs, FORM,
             "Action=CreateQueue&QueueName=%s&Version=2012-11-05" % qname, None, None, "<QueueUrl>")
    run_case("sqs-list-queues", True, svc_case, "sqs-list-queues", True, sqs, FORM,
             "Action=ListQueues&Version=2012-11-05", None, None, qname)
    run_case("neg-sqs-flipped-signature", False, svc_case, "neg-sqs-flipped-signature", False, sqs, FORM,
             "Action=ListQueues&Version=2012-11-05", None, flip_auth_signature)
    # No '+' in a query here: moto verifies with botocore's SigV4Auth, which
    # signs a raw '+' literally (neither %2B nor %20), so it refuses one
    # whatever a client signs; s3s reads it as a space (the s3s cases).

    mixed = mixed_case_endpoint()
    if mixed:
        def sts_mixed():
            r = send_as_written("POST", mixed + "/", sts, data=gci.encode(), headers={"Content-Type": FORM})
            host = r.request.headers.get("Host")
            report("sts-get-caller-identity-mixed-case-host", True, r,
                   ":user/sigv4rs-interop</Arn>" in r.text and host == mixed.lower()[len("http://"):],
                   "POST %s/ with Host: %s" % (mixed, host))
        run_case("sts-get-caller-identity-mixed-case-host", True, sts_mixed)

    ddb = svc_auth("dynamodb")
    run_case("dynamodb-list-tables", True, svc_case, "dynamodb-list-tables", True, ddb, JSON10, "{}",
             "DynamoDB_20120810.ListTables", None, "TableNames")
    run_case("neg-dynamodb-flipped-signature", False, svc_case, "neg-dynamodb-flipped-signature", False, ddb,
             JSON10, "{}", "DynamoDB_20120810.ListTables", flip_auth_signature)


# ------------------------------------------------------------------ main

def need(name):
    v = os.environ.get(name)
    if not v:
        sys.stderr.write("client: %s is not set\n" % name)
        sys.exit(2)
    return v


def main():
    if len(sys.argv) != 1:
        sys.stderr.write("usage: %s  (configured by INTEROP_* variables)\n" % sys.argv[0])
        return 2
    ENV.update(target=need("INTEROP_TARGET"), endpoint=need("INTEROP_ENDPOINT"), ak=need("INTEROP_AK"),
               sk=need("INTEROP_SK"), region=need("INTEROP_REGION"), bucket=need("INTEROP_BUCKET"),
               tmpdir=os.environ.get("INTEROP_TMPDIR") or "/tmp", role_arn=os.environ.get("INTEROP_ROLE_ARN"))
    sys.stderr.write("client: python %s, requests %s, sigv4rs %s from %s\n" % (
        sys.version.split()[0], requests.__version__, sigv4rs.version(), sigv4rs.library_path()))
    if ENV["target"] == "s3s":
        run_s3s()
    elif ENV["target"] == "moto":
        need("INTEROP_ROLE_ARN")
        run_moto()
    else:
        sys.stderr.write("client: unknown INTEROP_TARGET %s\n" % ENV["target"])
        return 2
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
