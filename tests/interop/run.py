#!/usr/bin/env python3
"""sigv4rs interoperability harness: real SigV4-verifying servers on loopback.

Installs (once, cached) s3s-fs and a venv with moto, builds our own
verifier server (tests/interop/verifier_server: the Go binding's Verifier
middleware over an in-memory S3), starts them on free 127.0.0.1 ports and
runs the scenario of each server with every language adapter found in
ADAPTERS (s3s-fs's scenario for our server too). The scenario, the
tampering and the verdicts are all here. An adapter signs with its language's binding (one JSON request a
line in, what the library produced out) and sends a few requests with its
language's own HTTP client (op "roundtrip"); this harness sends the rest
itself, with http.client, and presigned URLs with the curl tool. Standard
library only. See README.md.

    python3 tests/interop/run.py [--only c,go] [--targets s3s,moto,sigv4rs] [--keep-going]
    python3 tests/interop/run.py --setup-only
    python3 tests/interop/run.py --stream-size 314572800   # C adapter, peak RSS
"""
import argparse
import ctypes
import fcntl
import hashlib
import http.client
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

S3S_VERSION = "0.14.1"
# moto's server needs boto3/botocore; versions that were tried together.
VENV_PINS = ["moto[server]==5.2.5", "boto3==1.43.11", "botocore==1.43.11"]

REGION = "us-east-1"
S3S_AK = "AKIAINTEROPS3S000001"
# '/' and '+' in the secret: they must reach HMAC unchanged.
S3S_SK = "interop/Secret+Key0123456789abcdefWXYZ"
WRONG_SK = "wrong/Secret+Key0123456789abcdefWXYZ"
# s3s-fs answers body and chunk verification failures with a bare 500; the
# cause is only in its log.
S3S_CAUSES = re.compile(rb"AwsChunkedStreamError: SignatureMismatch|UploadStreamError: Sha256Mismatch")
# Our verifier server logs every refusal (the library's status); a reject
# case there needs a 4xx and that line.
VERIFIER_CAUSES = re.compile(rb"sigv4rs: rejected ")
TARGETS = ("s3s", "moto", "sigv4rs")
# The library status each refusal of s3s's scenario must have on our server
# (src/ffi/status.rs): refused, and for the damage done.
VERIFIER_WANT = {
    "neg-mixed-case-host-without-host-line": 224, "neg-flipped-signature": 224,
    "neg-altered-x-amz-meta-header": 224, "neg-altered-range-header": 224,
    "neg-body-altered-after-signing": 218,  # PAYLOAD_MISMATCH
    "neg-chunk-signature-altered": 227, "neg-chunk-data-altered-signed-trailer": 227,  # CHUNK_SIGNATURE_MISMATCH
    "neg-chunk-data-altered-unsigned-crc32": 229, "neg-chunk-data-altered-unsigned-crc32c": 229,  # CHECKSUM_MISMATCH
    "neg-chunk-data-altered-unsigned-sha256": 229,
    "neg-presign-expired": 212, "neg-presign-flipped-signature": 224,
    "neg-clock-skew-30min": 211, "neg-wrong-secret": 224,
}

CLIENT_TIMEOUT = 300.0
BUILD_TIMEOUT = 600.0
HTTP_TIMEOUT = 60


class Adapter:
    """A language adapter: used only when `marker` exists. Paths in `build`
    and `run` are relative to `cwd`; "{work}" is the run's scratch folder and
    "{python}" the test venv's interpreter (it has requests) if there is one.
    `encoders`: the form encoders its form_encode op knows, its language's
    usual one first."""

    def __init__(self, name, marker, run, cwd=".", build=None, env=None, encoders=("",)):
        self.name, self.marker, self.run, self.cwd = name, marker, run, cwd
        self.build, self.env, self.encoders = build, env or {}, encoders

    def present(self):
        return (ROOT / self.marker).is_file()


ADAPTERS = [
    Adapter("c", "bindings/c/interop/adapter.c", encoders=("libcurl",),
            build=["make", "--no-print-directory", "-C", "bindings/c/interop"],
            run=["bindings/c/interop/build/adapter"]),
    Adapter("go", "bindings/go/interop/main.go", cwd="bindings/go", encoders=("url.Values",),
            # Go's build cache misses a rebuilt libsigv4rs.a (golang/go#24355):
            # a digest of the library and header in CGO_CFLAGS forces a relink.
            build=["sh", "-c", "CGO_CFLAGS=\"-O2 -g -DSIGV4RS_BUILD_STAMP=$(cat ../../target/release/libsigv4rs.a "
                   "../../include/sigv4rs.h | sha256sum | cut -c1-16)\" exec go build -tags sigv4rs_dev -o {work}/go-adapter ./interop"],
            run=["{work}/go-adapter"]),
    Adapter("ruby", "bindings/ruby/interop/adapter.rb", cwd="bindings/ruby", encoders=("URI.encode_www_form",),
            run=["ruby", "-w", "-Ilib", "interop/adapter.rb"]),
    Adapter("python", "bindings/python/interop/adapter.py", cwd="bindings/python", encoders=("urlencode", "requests"),
            run=["{python}", "interop/adapter.py"], env={"PYTHONPATH": str(ROOT / "bindings/python")}),
]


def log(msg):
    print(f"interop: {msg}", flush=True)


def clean_env(extra=None):
    """The environment for servers and adapters: no proxies (loopback only)
    and no ambient AWS credentials that an adapter could pick up by mistake."""
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and not k.startswith("AWS_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra or {})
    return env


# ------------------------------------------------------------------ setup
def cache_dir():
    d = os.environ.get("SIGV4RS_INTEROP_CACHE") or os.path.expanduser("~/.cache/sigv4rs-interop")
    return Path(d)


def run_logged(cmd, logfile, timeout, env=None, cwd=None):
    with open(logfile, "ab") as f:
        f.write(f"\n$ {' '.join(map(str, cmd))}\n".encode())
        f.flush()
        try:
            return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout,
                                  env=env, cwd=cwd, stdin=subprocess.DEVNULL).returncode
        except subprocess.TimeoutExpired:
            return -1


def setup_s3s(cache):
    binary = cache / "bin" / "s3s-fs"
    crates = cache / ".crates.toml"
    if binary.is_file() and crates.is_file() and f"s3s-fs {S3S_VERSION}" in crates.read_text():
        return binary, "cached"
    log(f"installing s3s-fs {S3S_VERSION} (cargo install --debug: 1.5-6 min on 2 cores; "
        f"log {cache / 'logs/s3s-install.log'})")
    env = dict(os.environ)
    env.pop("CARGO_TARGET_DIR", None)  # cargo install then builds in a temp dir it deletes
    rc = run_logged(["cargo", "install", f"s3s-fs@{S3S_VERSION}", "--features", "binary",
                     "--locked", "--debug", "--root", str(cache)],
                    cache / "logs" / "s3s-install.log", 1800, env=env)
    if rc != 0 or not binary.is_file():
        raise SystemExit(f"interop: cargo install s3s-fs failed (rc {rc}); "
                         f"see {cache / 'logs/s3s-install.log'}")
    return binary, "installed"


def setup_venv(cache):
    venv = cache / "venv"
    py = venv / "bin" / "python"
    marker = venv / ".sigv4rs-interop-pins"
    want = "\n".join([sys.version.split()[0]] + VENV_PINS) + "\n"
    if py.is_file() and marker.is_file() and marker.read_text() == want:
        return py, "cached"
    log(f"creating venv {venv} with {' '.join(VENV_PINS)} (about 2 min; "
        f"log {cache / 'logs/venv-install.log'})")
    shutil.rmtree(venv, ignore_errors=True)
    logfile = cache / "logs" / "venv-install.log"
    rc = run_logged([sys.executable, "-m", "venv", str(venv)], logfile, 300)
    if rc == 0:
        rc = run_logged([str(py), "-m", "pip", "install", "--disable-pip-version-check",
                         "--no-input", *VENV_PINS], logfile, 1800)
    if rc == 0:
        rc = run_logged([str(py), "-c", "import boto3, moto.server"], logfile, 120)
    if rc != 0:
        raise SystemExit(f"interop: venv setup failed (rc {rc}); see {logfile}")
    marker.write_text(want)
    return py, "installed"


def setup(need_s3s, need_moto):
    cache = cache_dir()
    (cache / "logs").mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    # Two runs at once (two engineers, or CI) must not install over each other.
    with open(cache / ".setup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        s3s, how_s3s, t_s3s = None, "skipped", 0.0
        if need_s3s:
            t = time.monotonic()
            s3s, how_s3s = setup_s3s(cache)
            t_s3s = time.monotonic() - t
        py, how_venv, t_venv = None, "skipped", 0.0
        if need_moto:
            t = time.monotonic()
            py, how_venv = setup_venv(cache)
            t_venv = time.monotonic() - t
    log(f"setup took {time.monotonic() - t0:.1f} s (s3s-fs {how_s3s} {t_s3s:.1f} s, "
        f"moto venv {how_venv} {t_venv:.1f} s; cache {cache})")
    return s3s, py


# ---------------------------------------------------------------- servers
def die_with_parent():
    """Runs in the server's child process: SIGTERM it if the harness dies
    (even by SIGKILL), so no server outlives a run."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, logfile):
        self.name, self.logfile = name, logfile
        self.proc, self.port = None, None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, make_cmd, env, wait_s):
        # The port is chosen before the server binds it; retry if someone took it.
        for _attempt in range(3):
            self.port = free_port()
            with open(self.logfile, "ab") as f:
                self.proc = subprocess.Popen(make_cmd(self.port), stdout=f, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, env=env,
                                             start_new_session=True, preexec_fn=die_with_parent)
            t0 = time.monotonic()
            while time.monotonic() - t0 < wait_s and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                    log(f"{self.name} pid {self.proc.pid} listening on {self.endpoint} "
                        f"after {time.monotonic() - t0:.2f} s")
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError(f"{self.name} did not open its port; see {self.logfile}")

    def stop(self):
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        # SIGTERM: s3s-fs's graceful SIGINT path waits for idle connections.
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        log(f"stopped {self.name} (pid {p.pid})")


# -------------------------------------------------------------- test data
CHUNK = 64 << 10
# Byte i of every test object is (i*31+7) % 251: period 251, so any slice
# is a window into one repeated block.
PATTERN = bytes((i * 31 + 7) % 251 for i in range(251))
BLOCK = PATTERN * (CHUNK // 251 + 2)


def gen(off, n):
    """n bytes of test data from offset off."""
    parts = []
    while n > 0:
        start = off % 251
        k = min(n, len(BLOCK) - start)
        parts.append(BLOCK[start:start + k])
        off, n = off + k, n - k
    return b"".join(parts)


def gen_body(n):
    """(length, pieces): n bytes of test data, made while they are sent."""
    return n, (gen(o, min(CHUNK, n - o)) for o in range(0, n, CHUNK))


def gen_sha256(n):
    h = hashlib.sha256()
    for piece in gen_body(n)[1]:
        h.update(piece)
    return h.hexdigest()


def enc(s, keep_slash=True):
    """RFC 3986: every byte but the unreserved ones (and '/') as %XX."""
    return urllib.parse.quote(s, safe="/" if keep_slash else "")


def flip(s, i):
    """s with its hex digit at i changed."""
    return s[:i] + ("1" if s[i] == "0" else "0") + s[i + 1:]


def header(pairs, name):
    """The value of header name among (name, value) pairs, or None."""
    return next((v for n, v in pairs if n.lower() == name), None)


# --------------------------------------------------------------- adapters
class AdapterError(Exception):
    """The adapter answered {"error": ...}: the binding refused the request."""


class AdapterGone(Exception):
    """The adapter crashed, timed out or broke the protocol: its run stops."""


class AdapterProc:
    """A running adapter: one JSON request a line on its stdin, one JSON
    answer a line on its stdout, until its stdin closes."""

    def __init__(self, cmd, cwd, env, errfile, deadline):
        self.deadline = deadline
        with open(errfile, "wb") as err:
            self.p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=err, start_new_session=True, preexec_fn=die_with_parent)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def call(self, obj):
        try:
            self.p.stdin.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
            self.p.stdin.flush()
        except OSError as e:
            raise AdapterGone(f"adapter stopped reading ({e})") from None
        try:
            line = self.lines.get(timeout=max(0.1, self.deadline - time.monotonic()))
        except queue.Empty:
            raise AdapterGone("timed out") from None
        if line is None:
            raise AdapterGone(f"adapter exited (status {self.p.wait()}) during op {obj['op']}")
        try:
            ans = json.loads(line.decode("utf-8", "replace"))
        except ValueError:
            ans = None
        if not isinstance(ans, dict):
            raise AdapterGone(f"protocol error: answer to op {obj['op']} is not a JSON object: {line[:200]!r}")
        if "error" in ans:
            raise AdapterError(f"adapter: {ans['error']}")
        return ans

    def close(self):
        """Closes its stdin; returns what went wrong when it ended."""
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            rc = self.p.wait(max(1.0, min(10.0, self.deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            if self.p.poll() is None:  # timeout, Ctrl-C or SIGTERM: end the adapter's own group
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(10)
        if rc is None:
            return ["did not exit after its stdin closed"]
        return [] if rc == 0 else [f"killed by signal {-rc}" if rc < 0 else f"exit status {rc}"]


# ------------------------------------------------------------------- HTTP
class Resp:
    """An answer: status (0: none), the first 64 KiB of the body, its
    length, the first byte that differs from the test data (when compared)
    and a transport error."""

    def __init__(self, status=0, head=b"", length=0, bad=None, error=""):
        self.status, self.head, self.length, self.bad, self.error = status, head, length, bad, error

    def ok2xx(self):
        return 200 <= self.status < 300 and not self.error

    def describe(self):
        d = f"HTTP {self.status}"
        code = re.search(rb"<Code>([^<]*)</Code>", self.head)
        if code:
            msg = re.search(rb"<Message>([^<]{1,160})", self.head)
            d += " " + code.group(1).decode(errors="replace") + (": " + msg.group(1).decode(errors="replace")
                                                               if msg else "")
        return d + (f", {self.error}" if self.error else "")


def http_send(method, url, lines, body=None, compare_from=None):
    """Sends exactly: the request target as the URL writes it, these header
    lines in order (Host among them), and body: None, bytes, or (length,
    pieces). With compare_from, the answer is compared with the test data
    from that offset while it streams in."""
    u = urllib.parse.urlsplit(url)
    target = url[len(f"{u.scheme}://{u.netloc}"):] or "/"
    if isinstance(body, bytes):
        body = (len(body), (body,))
    r = Resp()
    head = bytearray()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=HTTP_TIMEOUT)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in lines:
            conn.putheader(name, value)
        if body is not None and header(lines, "content-length") is None:
            conn.putheader("Content-Length", str(body[0]))
        conn.endheaders()
        try:
            for piece in body[1] if body else ():
                conn.send(piece)
        except OSError as e:  # the server may answer before it reads the whole body
            r.error = f"sending the body: {e}"
        resp = conn.getresponse()
        r.status = resp.status
        while piece := resp.read(CHUNK):
            if compare_from is not None and r.bad is None:
                want = gen(compare_from + r.length, len(piece))
                if piece != want:
                    r.bad = r.length + next(i for i, (a, b) in enumerate(zip(piece, want)) if a != b)
            if len(head) < 65536:
                head += piece[:65536 - len(head)]
            r.length += len(piece)
    except (OSError, http.client.HTTPException) as e:
        r.error = r.error or f"{type(e).__name__}: {e}"
    finally:
        conn.close()
    r.head = bytes(head)
    return r


def curl(url, scratch, upload=None):
    """The curl command-line tool on url (-T upload when given)."""
    out = scratch / "curl.out"
    out.unlink(missing_ok=True)
    cmd = ["curl", "-sS", "-g", "--path-as-is", "--max-time", "60", "-o", str(out), "-w", "%{http_code}"]
    try:
        p = subprocess.run(cmd + (["-T", str(upload)] if upload else []) + [url], capture_output=True,
                           timeout=90, env=clean_env(), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Resp(error=f"curl: {e}")
    body = out.read_bytes() if out.exists() else b""
    status = int(p.stdout) if p.stdout.strip().isdigit() else 0
    return Resp(status, body, len(body), error=p.stderr.decode(errors="replace").strip()[:300])


def wire(url, own, signed):
    """Header lines as sent: the request's own, then the adapter's, which
    replace own ones of the same name; Host as the URL writes it unless the
    adapter gave one."""
    names = {n.lower() for n, _ in signed}
    lines = [(n, v) for n, v in own if n.lower() not in names] + [(n, v) for n, v in signed]
    if header(lines, "host") is None:
        lines.insert(0, ("Host", urllib.parse.urlsplit(url).netloc))
    return lines


def listed(body, want):
    """(ok, text): whether a ListObjectsV2 answer lists exactly the keys want."""
    try:
        keys = [e.text or "" for e in ET.fromstring(body).iter() if e.tag.rpartition("}")[2] == "Key"]
    except ET.ParseError as e:
        return False, f"bad XML: {e}"
    if sorted(keys) == sorted(want):
        return True, f"{len(keys)} key(s) listed as expected"
    return False, f"listed {keys!r}, want {want!r}"


class CauseLog:
    """Counts a server log's cause lines, read as the log grows. always:
    every reject needs one (our verifier server), else only a 500 (s3s)."""

    def __init__(self, path, pattern=S3S_CAUSES, always=False):
        self.path, self.off, self.n, self.rest = path, 0, 0, b""
        self.pattern, self.always, self.last = pattern, always, ""

    def count(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except FileNotFoundError:
            return self.n
        self.off += len(data)
        *lines, self.rest = (self.rest + data).split(b"\n")
        hits = [line for line in lines if self.pattern.search(line)]
        if hits:
            self.n += len(hits)
            m = re.search(rb"status \d+ \([^)]*\)", hits[-1])
            self.last = m.group(0).decode(errors="replace") if m else ""
        return self.n


# ------------------------------------------------------------- one run
class Fail(Exception):
    """A case's own check failed before the request could be judged."""


class Case:
    def __init__(self, run, name, expect, status, good, detail):
        self.run, self.name, self.expect = run, name, expect
        self.status, self.good, self.detail = status, good, detail

    def line(self):
        return (f"  {'ok  ' if self.good else 'FAIL'} {self.run.lang}/{self.run.target} {self.name:<40} "
                f"{self.expect:<6} {self.status:>3}  {self.detail}")


class Run:
    """One adapter against one server: the helpers the scenarios are
    written with, and the cases with their verdicts."""

    def __init__(self, adapter, target, endpoint, bucket, ak, sk, scratch, causes=None, role_arn=None):
        self.lang, self.target, self.encoders = adapter.name, target, adapter.encoders
        self.endpoint, self.bucket, self.ak, self.sk = endpoint, bucket, ak, sk
        self.scratch, self.causes, self.role_arn = scratch, causes, role_arn
        port = urllib.parse.urlsplit(endpoint).port
        # /etc/hosts resolves LocalHost to 127.0.0.1; it must be signed and
        # sent lower-case.
        self.mixed, self.host = f"http://LocalHost:{port}", f"localhost:{port}"
        self.s3 = self.signer()
        self.proc, self.cases, self.errors, self.seconds, self.gone = None, [], [], 0.0, None

    @property
    def failed(self):
        return bool(self.errors) or any(not c.good for c in self.cases)

    # -- cases
    def case(self, name, expect, fn, *args):
        """Runs one case: fn returns (response, ok, detail). accept needs a
        2xx and ok; reject needs ok and a 4xx, or on s3s a 500 whose cause
        s3s logged for this very request."""
        before = self.causes.count() if self.causes and not self.gone else 0
        try:
            if self.gone:
                raise Fail(f"not run: {self.gone}")
            r, ok, extra = fn(*args)
        except (AdapterError, Fail) as e:
            r, ok, extra = Resp(), False, str(e)
        except AdapterGone as e:  # the rest of the scenario fails without it
            self.gone = str(e)
            self.errors.append(self.gone)
            r, ok, extra = Resp(), False, self.gone
        except Exception as e:  # noqa: BLE001 - this case fails, the others run
            traceback.print_exc()
            r, ok, extra = Resp(), False, f"harness error: {type(e).__name__}: {e}"
        detail = r.describe() + (f"; {extra}" if extra else "")
        if expect == "accept":
            good = ok and r.ok2xx()
        elif self.causes and self.causes.always:
            logged = 400 <= r.status < 500 and self.caused(before)
            want = VERIFIER_WANT.get(name)
            right = logged and (want is None or self.causes.last.startswith(f"status {want} "))
            good = ok and right
            detail += (f"; refusal logged: {self.causes.last}" if logged else "; no refusal in the server log") + \
                ("" if right or not logged else f", want status {want}")
        elif r.status == 500 and self.causes:
            good = ok and self.caused(before)
            detail += "; cause in the s3s log" if good else "; no cause line in the s3s log"
        else:
            good = ok and 400 <= r.status < 500
        c = Case(self, name, expect, r.status, good, detail)
        self.cases.append(c)
        print(c.line(), flush=True)

    def caused(self, before):
        deadline = time.monotonic() + 3
        while self.causes.count() <= before and time.monotonic() < deadline:
            time.sleep(0.05)  # the log may trail the answer a little
        return self.causes.count() > before

    # -- requests
    def signer(self, service="s3", ak=None, sk=None, token=""):
        return {"ak": ak or self.ak, "sk": sk or self.sk, "token": token, "region": REGION,
                "service": service, "s3": service == "s3"}

    def url(self, key=None, query=None, base=None):
        """Path-style S3: key and query as they go on the wire."""
        return (f"{base or self.endpoint}/{self.bucket}" + (f"/{key}" if key is not None else "")
                + (f"?{query}" if query is not None else ""))

    def call(self, op, method, url, headers=(), body=None, signer=None, t=0, **kw):
        """Asks the adapter for op on this request at now + t seconds. body:
        None, text, or an int: that many bytes of test data."""
        if url.startswith(self.mixed):
            self.mixed_base()
        obj = {"op": op, **(signer or self.s3), "method": method, "url": url,
               "headers": [list(h) for h in headers], "time": int(time.time()) + t}
        if isinstance(body, int):
            obj["gen"] = body
        elif body is not None:
            obj["body"] = body
        obj.update(kw)
        return self.proc.call(obj)

    def send(self, method, url, headers=(), body=None, payload="", signer=None, t=0, tamper=None,
             compare_from=None):
        """Signed by the adapter, sent from here. payload: "" (the body's
        hash), "unsigned", or "hash" (hashed by the adapter piece by piece).
        tamper(lines, data) -> data damages the request after signing.
        Returns the answer and the adapter's headers."""
        signed = [tuple(h) for h in self.call("sign", method, url, headers, body, signer, t,
                                              payload=payload)["headers"]]
        lines = wire(url, headers, signed)
        data = None if body is None else gen_body(body) if isinstance(body, int) else body.encode()
        if tamper:
            data = tamper(lines, data)
        return http_send(method, url, lines, data, compare_from), signed

    def mixed_base(self):
        """The endpoint through the mixed-case host, once LocalHost is known
        to lead to the server."""
        try:
            addrs = {a[4][0] for a in socket.getaddrinfo("LocalHost", None, proto=socket.IPPROTO_TCP)}
        except socket.gaierror:
            addrs = set()
        if "127.0.0.1" not in addrs:
            raise Fail(f"LocalHost resolves to {sorted(addrs)}, not 127.0.0.1")
        return self.mixed

    def host_sent(self, signed):
        """(ok, text): the adapter's Host line is the lower-cased host."""
        h = header(signed, "host")
        return h == self.host, f"signed Host {h}" if h else "no Host line from the adapter"

    def get_compare(self, key, size, signer=None):
        """(ok, text): a signed GET of a whole object, compared with the test data."""
        r, _ = self.send("GET", self.url(key), signer=signer, compare_from=0)
        if r.ok2xx() and r.status == 200 and r.bad is None and r.length == size:
            return True, f"GET 200, {size} bytes match", r
        if r.bad is not None and r.status == 200:
            return False, f"GET {r.describe()}, byte {r.bad} differs", r
        return False, f"GET {r.describe()}, {r.length} bytes (want {size})", r

    def then_get(self, r, ok, notes, key, size):
        """A PUT's case: read the object back when the PUT and its checks passed."""
        if ok and r.ok2xx():
            ok, text, _ = self.get_compare(key, size)
            notes.append(text)
        return r, ok, "; ".join(n for n in notes if n)

    def chunked(self, url, size, mode, checksum="", chunk=CHUNK, tamper=None, index=0):
        """An aws-chunked PUT framed here: the adapter's seed headers, then
        per chunk its header, the data and CRLF, then its final frame.
        tamper "sig" or "data" damages chunk `index` after signing."""
        ans = self.call("chunked", "PUT", url, (), size, mode=mode, checksum=checksum, chunk=chunk)
        signed, frames = [tuple(h) for h in ans["headers"]], ans["frames"]
        n = -(-size // chunk)
        if len(frames) != n + 1:
            raise Fail(f"{len(frames)} frames for {n} chunk(s) and the end")
        length = sum(len(f.encode()) for f in frames) + size + 2 * n
        if header(signed, "content-length") != str(length):
            raise Fail(f"Content-Length {header(signed, 'content-length')}, the frames make {length} bytes")
        if header(signed, "x-amz-decoded-content-length") != str(size):
            raise Fail(f"X-Amz-Decoded-Content-Length {header(signed, 'x-amz-decoded-content-length')}")

        def body():
            for i, frame in enumerate(frames[:-1]):
                data = gen(i * chunk, min(chunk, size - i * chunk))
                if i == index and tamper == "sig":
                    frame = flip(frame, len(frame) - 3)  # last signature digit, before CRLF
                if i == index and tamper == "data":
                    data = bytes([data[0] ^ 1]) + data[1:]
                yield frame.encode() + data + b"\r\n"
            yield frames[-1].encode()
        r = http_send("PUT", url, wire(url, (), signed), (length, body()))
        return r, f"{n} chunks, {length} wire bytes", signed

    def presign(self, method, url, expires=300, signer=None, t=0):
        return self.call("presign", method, url, (), None, signer, t, expires=expires)["url"]

    def presigned_shape(self, url, base=None):
        """'' when a presigned URL has the host lower-cased and no '+' (its
        query is written as signed)."""
        if not url.startswith((base or self.endpoint).lower() + "/"):
            return f"URL not on the lower-cased host: {url[:120]}"
        return f"'+' in the URL: {url}" if "+" in url else ""

    def form_url(self, how, base, params):
        """The URL the language's own form encoder writes for params."""
        return self.call("form_encode", "GET", base, (), None, params=[list(p) for p in params], how=how)["url"]

    def roundtrip(self, method, url, headers=(), body=None, signer=None, **kw):
        """The adapter signs and sends with its language's HTTP client."""
        a = self.call("roundtrip", method, url, headers, body, signer, **kw)
        return Resp(a["status"], a.get("body", "").encode(), a.get("length", 0)), a


# --------------------------------------------------------------- the cases
# Each returns (response, ok, detail) for Run.case.
SIZES = [(0, "0B"), (1, "1B"), (8192, "8KiB"), (65537, "64KiB+1"), (3 << 20, "3MiB")]
MODES = [("signed", ""), ("signed-trailer", "crc32c"), ("unsigned-trailer", "crc32")]
ODD_KEYS = ["odd/a b+c=d&e.txt", "odd/pct%41 ~*'()!$,;:@.bin",
            "odd/\u00fcn\u00ef/\u65e5\u672c-\u043a\u043b\u044e\u0447.txt"]  # üñï/日本-ключ
# Listed by prefix "my key"; "my+key.txt" would be too if a server read a
# '+' in the query as a plus.
MY_KEYS = ["my key.txt", "my key/x.txt"]
TOKEN = "FwoGZXIvYXdzE/token+with=="  # '/', '+', '=' must be encoded in a presigned query
FORM = "application/x-www-form-urlencoded; charset=utf-8"
JSON10 = "application/x-amz-json-1.0"
GCI = "Action=GetCallerIdentity&Version=2011-06-15"
LIST_QUEUES = "Action=ListQueues&Version=2012-11-05"
LIST_TABLES = "DynamoDB_20120810.ListTables"
OCTETS = [("Content-Type", "application/octet-stream")]


def mode_name(mode, checksum):
    return "signed" if mode == "signed" else f"{mode.split('-')[0]}-{checksum}"


def create_bucket(r):
    resp, _ = r.send("PUT", r.url(), body="")
    return resp, True, r.bucket


def put(r, key, size, payload="", url=None, host=False):
    """A signed PUT of test data, read back. payload "hash": the adapter
    hashed the body in pieces, checked against hashlib; host: through the
    mixed-case host, so the adapter's Host line must be sent."""
    resp, signed = r.send("PUT", url or r.url(key), body=size, payload=payload)
    ok, notes = True, []
    sent = header(signed, "x-amz-content-sha256")
    if payload == "unsigned":
        ok = sent == "UNSIGNED-PAYLOAD"
        notes.append(f"x-amz-content-sha256 {sent}")
    if payload == "hash":
        ok = sent == gen_sha256(size)
        notes.append(f"sha256 {sent[:12] if sent else None}...{'' if ok else ' WRONG'}")
    if host:
        host_ok, text = r.host_sent(signed)
        ok, notes = ok and host_ok, notes + [text]
    return r.then_get(resp, ok, notes, key, size)


def put_chunked(r, key, size, mode, checksum="", chunk=CHUNK, url=None, host=False):
    resp, info, signed = r.chunked(url or r.url(key), size, mode, checksum, chunk)
    ok, notes = True, [info]
    if host:
        ok, text = r.host_sent(signed)
        notes.append(text)
    return r.then_get(resp, ok, notes, key, size)


def chunked_refused(r, key, size, mode, checksum, tamper, index):
    resp, info, _ = r.chunked(r.url(key), size, mode, checksum, tamper=tamper, index=index)
    return resp, True, f"{info}, chunk {index} {tamper} damaged after signing"


def get_range(r):
    resp, _ = r.send("GET", r.url("single/8KiB"), [("Range", "bytes=100-199")], compare_from=100)
    ok = resp.status == 206 and resp.length == 100 and resp.bad is None
    return resp, ok, f"{resp.length} bytes{'' if resp.bad is None else ', differ'}"


def plain(r, method, key=None, query=None, headers=(), body=None):
    resp, _ = r.send(method, r.url(key, query), headers, body)
    return resp, True, ""


def delete_object(r):
    resp, _ = r.send("DELETE", r.url("meta/spaces"))
    after, _ = r.send("GET", r.url("meta/spaces"))
    return resp, after.status == 404, f"GET afterwards {after.status}"


def list_query(r, query, want, label=None):
    resp, _ = r.send("GET", r.url(query=query))
    ok, text = listed(resp.head, want) if resp.status == 200 else (False, "")
    return resp, ok, f"{label or 'query ' + query}: {text}"


def list_prefix(r, prefix, want, after=None):
    q = f"list-type=2&prefix={enc(prefix, False)}" + (f"&start-after={enc(after, False)}" if after else "")
    return list_query(r, q + "&max-keys=100", want, f"prefix {enc(prefix, False)}")


def form_list(r, how, prefix, must, want):
    """ListObjectsV2 whose query the language's form encoder wrote: a space
    as '+', which the listing shows the server read as a space."""
    url = r.form_url(how, r.url(), [("list-type", "2"), ("prefix", prefix)])
    if must.lower() not in url.lower():  # libcurl writes lower-case escapes
        raise Fail(f"{how} wrote {url}, without {must}")
    return list_query(r, url.partition("?")[2], want, f"{how} query {url.partition('?')[2]}")


def presign_get(r, key, size, query=None, signer=None, base=None):
    url = r.presign("GET", r.url(key, query, base), signer=signer)
    resp = curl(url, r.scratch)
    ok = resp.status == 200 and resp.head == gen(0, size)
    shape = r.presigned_shape(url, base)
    return resp, ok and not shape, f"curl GET: {resp.length} bytes{' match' if ok else ''}" + (shape and f"; {shape}")


def presign_form_list(r, how, prefix, want, base=None):
    url = r.presign("GET", r.form_url(how, r.url(base=base), [("list-type", "2"), ("prefix", prefix)]))
    resp = curl(url, r.scratch)
    ok, text = listed(resp.head, want) if resp.status == 200 else (False, "")
    shape = r.presigned_shape(url, base) or ("" if f"prefix={enc(prefix, False)}&" in url
                                             else f"prefix not written as signed: {url}")
    return resp, ok and not shape, f"curl GET {url.partition('&X-Amz-')[0]}: {text}{'; ' + shape if shape else ''}"


def presign_put(r, key, size):
    """curl -T sends no signed header: s3s checks the URL's signature over
    UNSIGNED-PAYLOAD (its presigned canonical request always ends so)."""
    path = r.scratch / "presigned-put.bin"
    path.write_bytes(gen(0, size))
    resp = curl(r.presign("PUT", r.url(key)), r.scratch, upload=path)
    return r.then_get(resp, True, ["curl -T"], key, size)


def presign_refused(r, t, expires, flip_sig=False):
    url = r.presign("GET", r.url("single/8KiB"), expires, t=t)
    if flip_sig:
        i = url.index("X-Amz-Signature=") + len("X-Amz-Signature=") + 63
        url = flip(url, i)
    return curl(url, r.scratch), True, "curl GET"


def refused(r, method, key, headers=(), body=None, tamper=None, signer=None, t=0):
    resp, _ = r.send(method, r.url(key), headers, body, signer=signer, t=t, tamper=tamper)
    return resp, True, ""


def flip_signature(lines, data):
    i = next(i for i, (n, _) in enumerate(lines) if n.lower() == "authorization")
    lines[i] = (lines[i][0], flip(lines[i][1], len(lines[i][1]) - 1))
    return data


def set_header(name, value):
    def tamper(lines, data):
        i = next(i for i, (n, _) in enumerate(lines) if n.lower() == name.lower())
        lines[i] = (lines[i][0], value)
        return data
    return tamper


def flip_body_byte(lines, data):
    b = bytearray(b"".join(data[1]) if isinstance(data, tuple) else data)
    b[len(b) // 2] ^= 1  # the signed hash no longer matches
    return bytes(b)


def neg_without_host_line(r):
    """Without the adapter's Host line a client sends the URL's host as
    written, which the server reads as it is: not what was signed."""
    url = r.url("single/8KiB", base=r.mixed_base())
    as_written = urllib.parse.urlsplit(url).netloc

    def tamper(lines, data):
        lines[:] = [(n, as_written if n.lower() == "host" else v) for n, v in lines]
        return data
    resp, signed = r.send("GET", url, tamper=tamper)
    ok, text = r.host_sent(signed)
    return resp, ok, f"{text}, sent Host {as_written}"


def get_mixed(r):
    resp, signed = r.send("GET", r.url("single/8KiB", base=r.mixed_base()), compare_from=0)
    ok, text = r.host_sent(signed)
    return resp, ok and resp.length == 8192 and resp.bad is None, f"{text}; {resp.length} bytes"


def post(r, signer, ctype, body, must=None, tamper=None, base=None, target=None):
    """POST / to a non-S3 service; must: text the answer must hold; base:
    the mixed-case host, whose Host line must come from the adapter."""
    headers = [("Content-Type", ctype)] + ([("X-Amz-Target", target)] if target else [])
    resp, signed = r.send("POST", (base or r.endpoint) + "/", headers, body, signer=signer, tamper=tamper)
    ok, notes = True, []
    if must:
        ok = must.encode() in resp.head
        notes.append(f"{'has' if ok else 'MISSING'} {must}")
    if base:
        host_ok, text = r.host_sent(signed)
        ok, notes = ok and host_ok, notes + [text]
    return resp, ok, "; ".join(notes)


def alter_version(lines, data):
    i = data.rindex(b"5")  # a digit of the API version
    return data[:i] + b"6" + data[i + 1:]


def assume_role(r, sts, creds):
    body = (f"Action=AssumeRole&RoleArn={enc(r.role_arn, False)}&RoleSessionName=sigv4rs-{r.lang}"
            "&Version=2011-06-15")
    resp, ok, text = post(r, sts, FORM, body, "<SessionToken>")
    if resp.status == 200:
        for e in ET.fromstring(resp.head).iter():
            if e.tag.rpartition("}")[2] in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
                creds[e.tag.rpartition("}")[2]] = e.text
    return resp, ok, text


def rt_put(r, key, size, url, stream=None, chunk=CHUNK):
    """PUT with the language's own client (aws-chunked from a stream when
    stream is (mode, checksum)), read back from here."""
    kw = {"mode": stream[0], "checksum": stream[1], "chunk": chunk} if stream else {}
    resp, a = r.roundtrip("PUT", url, OCTETS, size, **kw)
    ok, notes = True, [f"peak RSS {a.get('rss_kib')} KiB"]
    if stream:
        ok = a.get("sent") == a.get("declared")
        notes.insert(0, f"{a.get('sent')} body bytes sent, Content-Length {a.get('declared')}")
    return r.then_get(resp, ok, notes, key, size)


def rt_get(r, url, size):
    resp, a = r.roundtrip("GET", url)
    ok = resp.length == size and a.get("sha256") == gen_sha256(size)
    return resp, ok, f"{resp.length} bytes, sha256 {'matches' if ok else 'DIFFERS'}"


def rt_post(r, signer, ctype, body, must, target=None, base=None):
    headers = [("Content-Type", ctype)] + ([("X-Amz-Target", target)] if target else [])
    resp, _ = r.roundtrip("POST", (base or r.endpoint) + "/", headers, body, signer)
    ok = must.encode() in resp.head
    return resp, ok, f"{'has' if ok else 'MISSING'} {must}"


def get_object(r, key, size, signer=None):
    ok, text, resp = r.get_compare(key, size, signer)
    return resp, ok, text


def missing(why):
    raise Fail(why)


# ---------------------------------------------------------- the scenarios
def s3s_scenario(r):
    c, m = r.case, r.mixed
    c("create-bucket", "accept", create_bucket, r)
    # First, while the adapter is fresh: its peak RSS is in the detail.
    c("roundtrip-put-chunked-signed-32MiB-streamed", "accept", rt_put, r, "rt/32MiB", 32 << 20, r.url("rt/32MiB"),
      ("signed", ""))
    for size, n in SIZES:
        c(f"put-single-{n}", "accept", put, r, enc(f"single/{n}"), size)
    c("put-unsigned-payload-8KiB", "accept", put, r, "unsigned/8KiB", 8192, "unsigned")
    c("put-sha256-stream-3MiB", "accept", put, r, "hashed/3MiB", 3 << 20, "hash")
    for mode, ck in MODES:
        for size, n in SIZES:
            mn = mode_name(mode, ck)
            c(f"put-chunked-{mn}-{n}", "accept", put_chunked, r, enc(f"chunked/{mn}/{n}"), size, mode, ck)
    c("get-range-signed", "accept", get_range, r)

    # Odd keys: written, read back, listed by prefix.
    wire_keys = [enc(k) for k in ODD_KEYS]
    for i, k in enumerate(wire_keys):
        c(f"put-odd-key-{i + 1}", "accept", put, r, k, 1000 + i)
    c("list-prefix-odd/", "accept", list_prefix, r, "odd/", ODD_KEYS)
    c("list-prefix-space-plus-equals-amp", "accept", list_prefix, r, "odd/a b+c=d&", ODD_KEYS[:1])
    c("list-prefix-percent-tilde-star", "accept", list_prefix, r, "odd/pct%41 ~*'(", ODD_KEYS[1:2])
    c("list-prefix-utf8", "accept", list_prefix, r, "odd/\u00fcn", ODD_KEYS[2:])

    # Less common shapes of ordinary requests.
    c("get-bucket-location-valueless-query", "accept", plain, r, "GET", None, "location")
    c("head-object-utf8-key", "accept", plain, r, "HEAD", wire_keys[2])
    # Runs of spaces inside signed values: canonicalized as one space.
    c("put-header-values-with-space-runs", "accept", plain, r, "PUT", "meta/spaces", None,
      [("x-amz-meta-spaces", "a   b  c"), ("Content-Type", "text/plain;  charset=utf-8")], "spaces")
    c("delete-object", "accept", delete_object, r)
    c("put-key-dot-segments", "accept", put, r, "dots/a/./b/../c", 10)
    c("put-key-empty-segment", "accept", put, r, "dots/x//y", 11)
    c("list-start-after-odd-key", "accept", list_prefix, r, "odd/", ODD_KEYS[1:], ODD_KEYS[0])
    for name, key, mode, ck, size, chunk in [
            ("put-chunked-signed-64KiB-exact", "chunked/more/a", "signed", "", 65536, CHUNK),
            ("put-chunked-signed-crc32-128KiB-exact", "chunked/more/b", "signed-trailer", "crc32", 131072, CHUNK),
            ("put-chunked-signed-sha256-64KiB+1", "chunked/more/c", "signed-trailer", "sha256", 65537, CHUNK),
            ("put-chunked-unsigned-crc32c-64KiB-exact", "chunked/more/d", "unsigned-trailer", "crc32c", 65536, CHUNK),
            ("put-chunked-unsigned-sha256-8KiB-chunks", "chunked/more/e", "unsigned-trailer", "sha256", 100000, 8192),
            ("put-chunked-signed-8KiB-chunks-1MiB+3", "chunked/more/f", "signed", "", (1 << 20) + 3, 8192)]:
        c(name, "accept", put_chunked, r, key, size, mode, ck, chunk)
    # A session token: s3s checks the signature over it, not its value.
    token = r.signer(token=TOKEN)
    c("get-with-session-token", "accept", get_object, r, "single/8KiB", 8192, token)
    c("presign-get-curl-with-session-token", "accept", presign_get, r, "single/8KiB", 8192, None, token)

    # Presigned URLs, fetched with the curl tool.
    c("presign-get-curl-odd-key", "accept", presign_get, r, wire_keys[0], 1000)
    c("presign-get-curl-with-query", "accept", presign_get, r, wire_keys[1], 1001,
      "response-content-type=text%2Fplain%3B%20charset%3Dutf-8&response-cache-control=no-cache")
    c("presign-put-curl", "accept", presign_put, r, enc("presigned/put \u00fc+=.bin"), 100000)

    # What servers compute: a '+' in a query is a space (as the language's
    # form encoder writes it), the host is signed and sent lower-case.
    c("put-key-my-space-1", "accept", put, r, "my%20key.txt", 21)
    c("put-key-my-space-2", "accept", put, r, "my%20key/x.txt", 22)
    c("put-key-my-plus", "accept", put, r, "my%2Bkey.txt", 23)
    for i, how in enumerate(r.encoders):
        sfx = f"-{how}" if i else ""
        c(f"list-prefix-form-encoded-space{sfx}", "accept", form_list, r, how, "my key", "prefix=my+key", MY_KEYS)
        c(f"list-prefix-form-encoded-space-plus-equals-amp{sfx}", "accept", form_list, r, how, "odd/a b+c=d&",
          "a+b%2Bc%3Dd%26", ODD_KEYS[:1])
        c(f"presign-list-form-encoded-space-curl{sfx}", "accept", presign_form_list, r, how, "my key", MY_KEYS)
    c("get-mixed-case-host", "accept", get_mixed, r)
    c("put-mixed-case-host", "accept", put, r, "host/mixed-case", 1000, "", r.url("host/mixed-case", base=m), True)
    c("put-sha256-stream-mixed-case-host", "accept", put, r, "host/hashed", 100000, "hash",
      r.url("host/hashed", base=m), True)
    c("put-chunked-signed-mixed-case-host", "accept", put_chunked, r, "host/chunked", 100000, "signed-trailer",
      "crc32c", CHUNK, r.url("host/chunked", base=m), True)
    c("neg-mixed-case-host-without-host-line", "reject", neg_without_host_line, r)
    c("presign-get-mixed-case-host-curl", "accept", presign_get, r, "single/8KiB", 8192, None, None, m)
    c("presign-list-mixed-case-host-form-encoded-space-curl", "accept", presign_form_list, r, r.encoders[0],
      "odd/a b+c=d&", ODD_KEYS[:1], m)

    # Negative controls: every one must be refused.
    get8 = "single/8KiB"
    c("neg-flipped-signature", "reject", refused, r, "GET", get8, (), None, flip_signature)
    c("neg-altered-x-amz-meta-header", "reject", refused, r, "PUT", "neg/meta", [("x-amz-meta-x", "signed-value")],
      "meta test body", set_header("x-amz-meta-x", "altered-value"))
    c("neg-altered-range-header", "reject", refused, r, "GET", get8, [("Range", "bytes=0-9")], None,
      set_header("Range", "bytes=0-19"))
    c("neg-body-altered-after-signing", "reject", refused, r, "PUT", "neg/body", (), 8192, flip_body_byte)
    # The framing of the damaged uploads, undamaged, must be accepted.
    for mode, ck in MODES:
        mn = mode_name(mode, ck)
        c(f"put-chunked-encoder-by-hand-{mn}-150000B", "accept", put_chunked, r, f"chunked/by-hand/{mn}", 150000,
          mode, ck)
    c("neg-chunk-signature-altered", "reject", chunked_refused, r, "neg/chunk-sig", 150000, "signed", "", "sig", 1)
    c("neg-chunk-data-altered-signed-trailer", "reject", chunked_refused, r, "neg/chunk-data", 150000,
      "signed-trailer", "crc32c", "data", 1)
    # Unsigned chunks: only the trailer checksum protects the data.
    for ck, index in (("crc32", 1), ("crc32c", 2), ("sha256", 0)):
        c(f"neg-chunk-data-altered-unsigned-{ck}", "reject", chunked_refused, r, f"neg/unsigned-{ck}", 150000,
          "unsigned-trailer", ck, "data", index)
    c("neg-presign-expired", "reject", presign_refused, r, -3600, 60)
    c("neg-presign-flipped-signature", "reject", presign_refused, r, 0, 300, True)
    c("neg-clock-skew-30min", "reject", refused, r, "GET", get8, (), None, None, None, -1800)
    c("neg-wrong-secret", "reject", refused, r, "GET", get8, (), None, None, r.signer(sk=WRONG_SK))

    # The language's own HTTP client, through the mixed-case host.
    c("roundtrip-put-mixed-case-host", "accept", rt_put, r, "rt/put", 1000, r.url("rt/put", base=m))
    c("roundtrip-get-mixed-case-host", "accept", rt_get, r, r.url("single/8KiB", base=m), 8192)
    c("roundtrip-put-chunked-signed-crc32c-mixed-case-host", "accept", rt_put, r, "rt/chunked", 150000,
      r.url("rt/chunked", base=m), ("signed-trailer", "crc32c"))


def moto_scenario(r):
    c = r.case
    # S3 as a second opinion (moto trusts x-amz-content-sha256).
    c("create-bucket", "accept", create_bucket, r)
    c("put-single-8KiB", "accept", put, r, "single/8KiB", 8192)
    c("put-chunked-signed-64KiB+1", "accept", put_chunked, r, "chunked/signed/64KiB%2B1", 65537, "signed")

    sts = r.signer("sts")
    c("sts-get-caller-identity", "accept", post, r, sts, FORM, GCI, ":user/sigv4rs-interop</Arn>")
    creds = {}
    c("sts-assume-role", "accept", assume_role, r, sts, creds)
    c("neg-sts-body-altered-after-signing", "reject", post, r, sts, FORM, GCI, None, alter_version)
    c("neg-sts-wrong-secret", "reject", post, r, r.signer("sts", sk=WRONG_SK), FORM, GCI)
    tmp = [creds.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
    if all(tmp):
        # Temporary credentials: the token is sent and signed.
        c("sts-get-caller-identity-temp-creds", "accept", post, r, r.signer("sts", *tmp), FORM, GCI,
          ":assumed-role/")
        c("neg-sts-temp-creds-wrong-token", "reject", post, r, r.signer("sts", tmp[0], tmp[1], tmp[2] + "x"),
          FORM, GCI)
    else:
        c("sts-get-caller-identity-temp-creds", "accept", missing, "no temporary credentials (AssumeRole failed)")
        c("neg-sts-temp-creds-wrong-token", "reject", missing, "no temporary credentials (AssumeRole failed)")

    sqs = r.signer("sqs")
    queue_name = f"sqs-q-{r.bucket[:40]}"
    c("sqs-create-queue", "accept", post, r, sqs, FORM,
      f"Action=CreateQueue&QueueName={queue_name}&Version=2012-11-05", "<QueueUrl>")
    c("sqs-list-queues", "accept", post, r, sqs, FORM, LIST_QUEUES, queue_name)
    c("neg-sqs-flipped-signature", "reject", post, r, sqs, FORM, LIST_QUEUES, None, flip_signature)
    # A mixed-case host, signed and sent lower-case. No '+' in a query: moto
    # takes the raw query as the canonical one (botocore's
    # _canonical_query_string_url), so it refuses a raw '+' whoever signs it.
    c("sqs-list-queues-mixed-case-host", "accept", post, r, sqs, FORM, LIST_QUEUES, queue_name, None, r.mixed)
    c("sts-get-caller-identity-mixed-case-host", "accept", post, r, sts, FORM, GCI, ":user/sigv4rs-interop</Arn>",
      None, r.mixed)

    ddb = r.signer("dynamodb")
    c("dynamodb-list-tables", "accept", post, r, ddb, JSON10, "{}", "TableNames", None, None, LIST_TABLES)
    c("neg-dynamodb-flipped-signature", "reject", post, r, ddb, JSON10, "{}", None, flip_signature, None, LIST_TABLES)

    # The language's own HTTP client.
    c("roundtrip-sts-get-caller-identity-mixed-case-host", "accept", rt_post, r, sts, FORM, GCI,
      ":user/sigv4rs-interop</Arn>", None, r.mixed)
    c("roundtrip-dynamodb-list-tables", "accept", rt_post, r, ddb, JSON10, "{}", "TableNames", LIST_TABLES)


def stream_scenario(size):
    """--stream-size: one aws-chunked upload of size bytes by the adapter's
    own client, read back; its peak RSS is in the detail."""
    def scenario(r):
        r.case("create-bucket", "accept", create_bucket, r)
        r.case(f"stream-chunked-{size}", "accept", rt_put, r, "stream/big", size, r.url("stream/big"), ("signed", ""))
    return scenario


# ------------------------------------------------------------------- main
def expand(args, work):
    venv_py = ROOT / "target/pyvenv/bin/python"  # the binding's test venv: it has requests
    python = str(venv_py) if venv_py.is_file() else sys.executable
    return [a.replace("{work}", str(work)).replace("{python}", python) for a in args]


def build_adapter(adapter, work):
    if not adapter.build:
        return None
    logfile = work / f"{adapter.name}-build.log"
    t0 = time.monotonic()
    rc = run_logged(expand(adapter.build, work), logfile, BUILD_TIMEOUT,
                    env=clean_env(adapter.env), cwd=ROOT / adapter.cwd)
    if rc != 0:
        tail = logfile.read_text(errors="replace")[-3000:]
        return f"build failed (rc {rc}):\n{tail}"
    log(f"built adapter {adapter.name} in {time.monotonic() - t0:.1f} s")
    return None


def build_verifier_server(work):
    """Builds tests/interop/verifier_server into work: (binary, error)."""
    logfile, binary = work / "verifier-server-build.log", work / "verifier-server"
    t0 = time.monotonic()
    # As the Go adapter: a digest of the library and header forces a relink
    # (golang/go#24355). Offline: its go.mod replaces the binding by the
    # checkout's bindings/go and needs nothing else.
    cmd = ["sh", "-c", "CGO_CFLAGS=\"-O2 -g -DSIGV4RS_BUILD_STAMP=$(cat ../../../target/release/libsigv4rs.a "
           "../../../include/sigv4rs.h | sha256sum | cut -c1-16)\" exec go build -tags sigv4rs_dev -o "
           f"{binary} ."]
    env = clean_env({"GOFLAGS": "-mod=readonly", "GOPROXY": "off", "GOSUMDB": "off"})
    rc = run_logged(cmd, logfile, BUILD_TIMEOUT, env=env, cwd=HERE / "verifier_server")
    if rc != 0:
        return None, f"build failed (rc {rc}):\n{logfile.read_text(errors='replace')[-3000:]}"
    log(f"built the sigv4rs verifier server in {time.monotonic() - t0:.1f} s")
    return binary, None


def run_adapter(adapter, target, scenario, server, work, timeout, creds, causes):
    """One adapter against one server: starts it, runs the scenario, stops it."""
    scratch = work / f"{adapter.name}-{target}-tmp"
    scratch.mkdir()
    r = Run(adapter, target, server.endpoint, creds["bucket"], creds["ak"], creds["sk"], scratch, causes,
            creds.get("role_arn"))
    log(f"running adapter {adapter.name} against {target} (timeout {timeout:.0f} s)")
    t0 = time.monotonic()
    errfile = work / f"{adapter.name}-{target}.stderr"
    r.proc = AdapterProc(expand(adapter.run, work), ROOT / adapter.cwd, clean_env(adapter.env), errfile,
                         t0 + timeout)
    try:
        scenario(r)
    finally:
        r.errors += r.proc.close()
    r.seconds = time.monotonic() - t0
    if not r.cases:
        r.errors.append("ran no cases")
    for e in r.errors:
        print(f"  FAIL {adapter.name}/{target}: {e}", flush=True)
    if r.failed:
        tail = errfile.read_text(errors="replace")[-2000:] if errfile.exists() else ""
        if tail:
            print(f"  --- {errfile.name} (last lines) ---\n{tail}", flush=True)
    acc = [c for c in r.cases if c.expect == "accept"]
    rej = [c for c in r.cases if c.expect == "reject"]
    log(f"{adapter.name}/{target}: {len(r.cases)} cases, accepted {sum(c.good for c in acc)}/{len(acc)}, "
        f"rejected {sum(c.good for c in rej)}/{len(rej)}{', ERRORS' if r.errors else ''} in {r.seconds:.1f} s")
    return r


class Failed:
    """A run that did not start (a build, or the harness itself)."""

    def __init__(self, lang, target, error):
        self.lang, self.target, self.cases, self.errors = lang, target, [], [error]
        self.failed = True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated adapter names (default: every present adapter)")
    ap.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated: {','.join(TARGETS)}")
    ap.add_argument("--keep-going", action="store_true", help="run the other adapters after a failure")
    ap.add_argument("--setup-only", action="store_true", help="install what is missing, then stop")
    ap.add_argument("--stream-size", type=int, metavar="N",
                    help="upload N bytes aws-chunked with the C adapter's libcurl to s3s; print its peak RSS")
    ap.add_argument("--client-timeout", type=float, default=CLIENT_TIMEOUT,
                    help="seconds for one adapter against one server")
    ap.add_argument("--keep-logs", action="store_true", help="keep the scratch folder (logs)")
    a = ap.parse_args()

    targets = [t for t in a.targets.split(",") if t]
    if any(t not in TARGETS for t in targets) or not targets:
        ap.error(f"--targets takes some of {','.join(TARGETS)}")
    if a.stream_size is not None:
        targets, a.only = ["s3s"], "c"
    names = [c.name for c in ADAPTERS]
    wanted = a.only.split(",") if a.only else names
    if any(w not in names for w in wanted):
        ap.error(f"--only takes {','.join(names)}")
    adapters = [c for c in ADAPTERS if c.name in wanted and c.present()]
    missing_ = [f"{c.name} ({c.marker})" for c in ADAPTERS if c.name in wanted and not c.present()]
    if not a.setup_only:
        log(f"adapters: {', '.join(c.name for c in adapters) or 'none'}"
            f"{'; not present: ' + ', '.join(missing_) if missing_ else ''}")

    t0 = time.monotonic()
    s3s_bin, venv_py = setup("s3s" in targets, "moto" in targets)
    if a.setup_only:
        return 0
    if not adapters:
        log("no adapter to run")
        print("interop: accepted 0/0, rejected 0/0", flush=True)
        return 1
    if not (ROOT / "target/release/libsigv4rs.a").is_file():
        raise SystemExit("interop: target/release/libsigv4rs.a missing: run `cargo build --release` first")

    # SIGTERM (e.g. from `timeout`) must still stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="sigv4rs-interop-"))
    servers, runs, failed_early = {}, [], False
    try:
        for c in adapters:
            err = build_adapter(c, work)
            if err:
                print(f"  FAIL {c.name}: {err}", flush=True)
                runs.append(Failed(c.name, "build", err))
        if runs and not a.keep_going:
            failed_early, adapters = True, []
        adapters = [c for c in adapters if not any(r.lang == c.name for r in runs)]
        verifier_bin = None
        if adapters and "sigv4rs" in targets:
            verifier_bin, err = build_verifier_server(work)
            if err:
                print(f"  FAIL sigv4rs server: {err}", flush=True)
                runs.append(Failed("sigv4rs-server", "build", err))
                targets = [t for t in targets if t != "sigv4rs"]
                if not a.keep_going:
                    failed_early, adapters = True, []

        if adapters and "s3s" in targets:
            data = work / "s3s-data"
            data.mkdir()
            s = servers["s3s"] = Server("s3s-fs", work / "s3s.log")
            s.start(lambda p: [str(s3s_bin), "--host", "127.0.0.1", "--port", str(p),
                               "--access-key", S3S_AK, "--secret-key", S3S_SK, str(data)],
                    clean_env({"RUST_LOG": "info"}), 20)
        moto = {}
        if adapters and "moto" in targets:
            m = servers["moto"] = Server("moto", work / "moto.log")
            m.start(lambda p: [str(venv_py), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(p)],
                    clean_env(), 60)
            out = subprocess.run([str(venv_py), str(HERE / "moto_setup.py"), m.endpoint],
                                 capture_output=True, text=True, timeout=120, env=clean_env())
            if out.returncode != 0:
                raise RuntimeError(f"moto setup failed:\n{out.stderr[-2000:]}")
            moto = json.loads(out.stdout.strip().splitlines()[-1])
            log(f"moto: IAM user key {moto['access_key']}, role {moto['role_arn']}, auth enforced")

        if adapters and "sigv4rs" in targets:
            v = servers["sigv4rs"] = Server("sigv4rs-verifier", work / "sigv4rs.log")
            v.start(lambda p: [str(verifier_bin), "--host", "127.0.0.1", "--port", str(p),
                               "--access-key", S3S_AK, "--secret-key", S3S_SK, "--region", REGION,
                               "--session-token", TOKEN], clean_env(), 20)

        run_id = secrets.token_hex(4)
        for c in adapters:
            if failed_early:
                break
            for target in targets:
                creds = {"bucket": f"sigv4rs-{c.name}-{run_id}", "ak": S3S_AK, "sk": S3S_SK}
                scenario, timeout, causes = s3s_scenario, a.client_timeout, None
                if target == "sigv4rs":
                    causes = CauseLog(servers["sigv4rs"].logfile, VERIFIER_CAUSES, always=True)
                elif target == "s3s":
                    causes = CauseLog(servers["s3s"].logfile)
                    if a.stream_size is not None:
                        scenario = stream_scenario(a.stream_size)
                        timeout = max(timeout, 300 + a.stream_size / 2**20)  # a debug s3s hashes slowly
                else:
                    scenario = moto_scenario
                    creds.update(ak=moto["access_key"], sk=moto["secret_key"], role_arn=moto["role_arn"])
                r = run_adapter(c, target, scenario, servers[target], work, timeout, creds, causes)
                runs.append(r)
                if r.failed and not a.keep_going:
                    failed_early = True
                    break
    except Exception as e:  # noqa: BLE001 - reported, then the servers are stopped
        log(f"error: {e}")
        failed_early = True
        runs.append(Failed("harness", "-", str(e)))
    finally:
        for s in servers.values():
            s.stop()

    failed = failed_early or any(r.failed for r in runs)
    if a.keep_logs or failed:
        shutil.rmtree(work / "s3s-data", ignore_errors=True)
        log(f"logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    for r in runs:
        good = sum(c.good for c in r.cases)
        log(f"  {r.lang}/{r.target}: {good}/{len(r.cases)} cases passed"
            f"{' (' + '; '.join(r.errors)[:200] + ')' if r.errors else ''}")
    cases = [c for r in runs for c in r.cases]
    acc = [c for c in cases if c.expect == "accept"]
    rej = [c for c in cases if c.expect == "reject"]
    log(f"{len(runs)} adapter run(s), {'FAILED' if failed else 'all passed'}, "
        f"total {time.monotonic() - t0:.1f} s")
    print(f"interop: accepted {sum(c.good for c in acc)}/{len(acc)}, "
          f"rejected {sum(c.good for c in rej)}/{len(rej)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
