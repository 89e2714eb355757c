#!/usr/bin/env python3
"""sigv4rs interoperability harness: real SigV4-verifying servers on loopback.

Installs (once, cached) s3s-fs and a venv with moto, starts both on free
127.0.0.1 ports, runs every language client found in CLIENTS against each,
checks what they report (one JSON object per stdout line, see README.md) and
stops the servers whatever happens. Standard library only.

    python3 tests/interop/run.py [--only c,go] [--targets s3s,moto] [--keep-going]
    python3 tests/interop/run.py --setup-only
    python3 tests/interop/run.py --stream-size 314572800   # C client, peak RSS
"""
import argparse
import ctypes
import fcntl
import json
import os
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
# s3s-fs answers body and chunk verification failures with a bare 500; the
# cause is only in its log.
S3S_CAUSES = re.compile(r"AwsChunkedStreamError: SignatureMismatch|UploadStreamError: Sha256Mismatch")

CLIENT_TIMEOUT = 300.0
BUILD_TIMEOUT = 600.0


class Client:
    """A language client: used only when `marker` exists. Paths in `build`
    and `run` are relative to `cwd`; "{work}" is the run's scratch folder."""

    def __init__(self, name, marker, run, cwd=".", build=None, env=None):
        self.name, self.marker, self.run, self.cwd = name, marker, run, cwd
        self.build, self.env = build, env or {}

    def present(self):
        return (ROOT / self.marker).is_file()


CLIENTS = [
    Client("c", "bindings/c/interop/client.c",
           build=["make", "--no-print-directory", "-C", "bindings/c/interop"],
           run=["bindings/c/interop/build/client"]),
    Client("go", "bindings/go/interop/main.go", cwd="bindings/go",
           # Go's build cache misses a rebuilt libsigv4rs.a (golang/go#24355):
           # a digest of the library and header in CGO_CFLAGS forces a relink.
           build=["sh", "-c", "CGO_CFLAGS=\"-O2 -g -DSIGV4RS_BUILD_STAMP=$(cat ../../target/release/libsigv4rs.a "
                  "../../include/sigv4rs.h | sha256sum | cut -c1-16)\" exec go build -o {work}/go-client ./interop"],
           run=["{work}/go-client"]),
    Client("ruby", "bindings/ruby/interop/client.rb", cwd="bindings/ruby",
           run=["ruby", "-Ilib", "interop/client.rb"]),
    Client("python", "bindings/python/interop/client.py", cwd="bindings/python",
           run=[sys.executable, "interop/client.py"],
           env={"PYTHONPATH": str(ROOT / "bindings/python")}),
]


def log(msg):
    print(f"interop: {msg}", flush=True)


def clean_env(extra=None):
    """The environment for servers and clients: no proxies (loopback only)
    and no ambient AWS credentials that a client could pick up by mistake."""
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


def setup(need_moto):
    cache = cache_dir()
    (cache / "logs").mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    # Two runs at once (two engineers, or CI) must not install over each other.
    with open(cache / ".setup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
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


def count_causes(logfile):
    try:
        with open(logfile, "r", errors="replace") as f:
            return sum(1 for line in f if S3S_CAUSES.search(line))
    except FileNotFoundError:
        return 0


# ---------------------------------------------------------------- clients
class Case:
    def __init__(self, client, target, obj):
        self.client, self.target = client, target
        self.name, self.expect = obj["case"], obj["expect"]
        self.status, self.ok, self.detail = obj["status"], obj["ok"], obj["detail"]
        self.note = ""
        self.good = self.client_verdict()

    def client_verdict(self):
        if not self.ok:
            return False
        if self.expect == "accept":
            return 200 <= self.status < 300
        # A refusal is a 4xx, or s3s-fs's 500 whose cause is checked in its log.
        return 400 <= self.status < 500 or (self.target == "s3s" and self.status == 500)

    def line(self):
        flag = "ok  " if self.good else "FAIL"
        note = f" [{self.note}]" if self.note else ""
        return (f"  {flag} {self.client}/{self.target} {self.name:<40} {self.expect:<6} "
                f"{self.status:>3}  {self.detail}{note}")


def parse_case(line, client):
    """One stdout line -> dict, or an error message."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None, f"not JSON: {line[:200]!r}"
    if not isinstance(obj, dict):
        return None, f"not a JSON object: {line[:200]!r}"
    types = {"lang": str, "case": str, "expect": str, "status": int, "ok": bool, "detail": str}
    for k, t in types.items():
        if not isinstance(obj.get(k), t) or (t is int and isinstance(obj.get(k), bool)):
            return None, f"field {k!r} missing or not {t.__name__}: {line[:200]!r}"
    if obj["lang"] != client:
        return None, f"lang {obj['lang']!r} != {client!r}"
    if obj["expect"] not in ("accept", "reject") or not obj["case"]:
        return None, f"bad expect or case: {line[:200]!r}"
    return obj, None


class Run:
    """One client against one target."""

    def __init__(self, client, target):
        self.client, self.target = client, target
        self.cases, self.errors = [], []
        self.seconds = 0.0

    @property
    def failed(self):
        return bool(self.errors) or any(not c.good for c in self.cases)


def expand(args, work):
    return [a.replace("{work}", str(work)) for a in args]


def build_client(client, work):
    if not client.build:
        return None
    logfile = work / f"{client.name}-build.log"
    t0 = time.monotonic()
    rc = run_logged(expand(client.build, work), logfile, BUILD_TIMEOUT,
                    env=clean_env(client.env), cwd=ROOT / client.cwd)
    if rc != 0:
        tail = logfile.read_text(errors="replace")[-3000:]
        return f"build failed (rc {rc}):\n{tail}"
    log(f"built client {client.name} in {time.monotonic() - t0:.1f} s")
    return None


def run_client(client, target, env, work, timeout, s3s_log, extra_args=()):
    run = Run(client.name, target)
    errfile = work / f"{client.name}-{target}.stderr"
    before = count_causes(s3s_log) if target == "s3s" else 0
    log(f"running client {client.name} against {target} (timeout {timeout:.0f} s)")
    t0 = time.monotonic()
    seen = set()

    def on_line(raw):
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line.strip():
            return
        obj, err = parse_case(line, client.name)
        if err:
            run.errors.append(f"protocol error: {err}")
            return
        if obj["case"] in seen:
            run.errors.append(f"case {obj['case']!r} reported twice")
        seen.add(obj["case"])
        case = Case(client.name, target, obj)
        if case.good and case.expect == "reject" and case.status == 500:
            case.note = "500: cause checked in the s3s log after the run"
        run.cases.append(case)
        print(case.line(), flush=True)

    with open(errfile, "wb") as err:
        proc = subprocess.Popen(expand(client.run, work) + list(extra_args), cwd=ROOT / client.cwd,
                                env=env, stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=die_with_parent)
        reader = threading.Thread(target=lambda: [on_line(ln) for ln in proc.stdout], daemon=True)
        reader.start()
        rc = None
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            run.errors.append(f"timed out after {timeout:.0f} s")
        finally:
            if proc.poll() is None:  # timeout, Ctrl-C or SIGTERM: end the client's own group
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        reader.join(10)
    run.seconds = time.monotonic() - t0
    if rc is not None and rc < 0:
        run.errors.append(f"killed by signal {-rc}")
    elif rc not in (None, 0, 1):
        run.errors.append(f"exit status {rc} (crash?)")
    elif rc == 1 and all(c.good for c in run.cases):
        run.errors.append("exit status 1 but every case passed")
    if not run.cases:
        run.errors.append("printed no cases")

    n500 = [c for c in run.cases if c.expect == "reject" and c.status == 500 and c.good]
    if n500:
        # Every 500 rejection needs its own cause line in the s3s log.
        deadline = time.monotonic() + 3
        while True:
            causes = count_causes(s3s_log) - before
            if causes >= len(n500) or time.monotonic() > deadline:
                break
            time.sleep(0.1)  # the log may trail the response a little
        if causes >= len(n500):
            log(f"{client.name}/{target}: {len(n500)} rejection(s) as 500, {causes} matching "
                f"cause line(s) in the s3s log: ok")
        for c in n500:
            c.note = "500 with cause in the s3s log"
            if causes < len(n500):
                c.good = False
                c.note = f"only {causes} cause line(s) in the s3s log for {len(n500)} 500s"
                print(c.line(), flush=True)
    for e in run.errors:
        print(f"  FAIL {client.name}/{target}: {e}", flush=True)
    if run.failed:
        tail = errfile.read_text(errors="replace")[-2000:] if errfile.exists() else ""
        if tail:
            print(f"  --- {errfile.name} (last lines) ---\n{tail}", flush=True)
    acc = [c for c in run.cases if c.expect == "accept"]
    rej = [c for c in run.cases if c.expect == "reject"]
    log(f"{client.name}/{target}: {len(run.cases)} cases, accepted "
        f"{sum(c.good for c in acc)}/{len(acc)}, rejected {sum(c.good for c in rej)}/{len(rej)}"
        f"{', ERRORS' if run.errors else ''} in {run.seconds:.1f} s")
    return run


# ------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated client names (default: every present client)")
    ap.add_argument("--targets", default="s3s,moto", help="comma-separated: s3s,moto")
    ap.add_argument("--keep-going", action="store_true", help="run the other clients after a failure")
    ap.add_argument("--setup-only", action="store_true", help="install what is missing, then stop")
    ap.add_argument("--stream-size", type=int, metavar="N",
                    help="upload N bytes aws-chunked with the C client to s3s and print its peak RSS")
    ap.add_argument("--client-timeout", type=float, default=CLIENT_TIMEOUT)
    ap.add_argument("--keep-logs", action="store_true", help="keep the scratch folder (logs)")
    a = ap.parse_args()

    targets = [t for t in a.targets.split(",") if t]
    if any(t not in ("s3s", "moto") for t in targets) or not targets:
        ap.error("--targets takes s3s and/or moto")
    if a.stream_size is not None:
        targets, a.only = ["s3s"], "c"
    names = [c.name for c in CLIENTS]
    wanted = a.only.split(",") if a.only else names
    if any(w not in names for w in wanted):
        ap.error(f"--only takes {','.join(names)}")
    clients = [c for c in CLIENTS if c.name in wanted and c.present()]
    missing = [f"{c.name} ({c.marker})" for c in CLIENTS if c.name in wanted and not c.present()]
    if not a.setup_only:
        log(f"clients: {', '.join(c.name for c in clients) or 'none'}"
            f"{'; not present: ' + ', '.join(missing) if missing else ''}")

    t0 = time.monotonic()
    s3s_bin, venv_py = setup("moto" in targets)
    if a.setup_only:
        return 0
    if not clients:
        log("no client to run")
        print("interop: accepted 0/0, rejected 0/0", flush=True)
        return 1
    if not (ROOT / "target/release/libsigv4rs.a").is_file():
        raise SystemExit("interop: target/release/libsigv4rs.a missing: run `cargo build --release` first")

    # SIGTERM (e.g. from `timeout`) must still stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="sigv4rs-interop-"))
    servers, runs, failed_early = {}, [], False
    try:
        for c in clients:
            err = build_client(c, work)
            if err:
                r = Run(c.name, "build")
                r.errors.append(err)
                print(f"  FAIL {c.name}: {err}", flush=True)
                runs.append(r)
        if any(r.failed for r in runs) and not a.keep_going:
            failed_early = True
            clients = []
        clients = [c for c in clients if not any(r.client == c.name for r in runs)]

        if clients and "s3s" in targets:
            data = work / "s3s-data"
            data.mkdir()
            s = servers["s3s"] = Server("s3s-fs", work / "s3s.log")
            s.start(lambda p: [str(s3s_bin), "--host", "127.0.0.1", "--port", str(p),
                               "--access-key", S3S_AK, "--secret-key", S3S_SK, str(data)],
                    clean_env({"RUST_LOG": "info"}), 20)
        moto = {}
        if clients and "moto" in targets:
            m = servers["moto"] = Server("moto", work / "moto.log")
            m.start(lambda p: [str(venv_py), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(p)],
                    clean_env(), 60)
            out = subprocess.run([str(venv_py), str(HERE / "moto_setup.py"), m.endpoint],
                                 capture_output=True, text=True, timeout=120, env=clean_env())
            if out.returncode != 0:
                raise RuntimeError(f"moto setup failed:\n{out.stderr[-2000:]}")
            moto = json.loads(out.stdout.strip().splitlines()[-1])
            log(f"moto: IAM user key {moto['access_key']}, role {moto['role_arn']}, auth enforced")

        run_id = secrets.token_hex(4)
        for c in clients:
            if failed_early:
                break
            for target in targets:
                scratch = work / f"{c.name}-{target}-tmp"
                scratch.mkdir()
                s = servers[target]
                env = {"INTEROP_TARGET": target, "INTEROP_ENDPOINT": s.endpoint,
                       "INTEROP_REGION": REGION, "INTEROP_BUCKET": f"sigv4rs-{c.name}-{run_id}",
                       "INTEROP_TMPDIR": str(scratch), "INTEROP_ROOT": str(ROOT)}
                if target == "s3s":
                    env.update(INTEROP_AK=S3S_AK, INTEROP_SK=S3S_SK)
                else:
                    env.update(INTEROP_AK=moto["access_key"], INTEROP_SK=moto["secret_key"],
                               INTEROP_ROLE_ARN=moto["role_arn"])
                extra, timeout = (), a.client_timeout
                if a.stream_size is not None:
                    extra = ("--stream-size", str(a.stream_size))
                    timeout = max(timeout, 300 + a.stream_size / 2**20)  # debug s3s hashes slowly
                r = run_client(c, target, clean_env({**c.env, **env}), work, timeout,
                               servers["s3s"].logfile if "s3s" in servers else None, extra)
                runs.append(r)
                if r.failed and not a.keep_going:
                    failed_early = True
                    break
    except Exception as e:  # noqa: BLE001 - reported, then the servers are stopped
        log(f"error: {e}")
        failed_early = True
        r = Run("harness", "-")
        r.errors.append(str(e))
        runs.append(r)
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
        log(f"  {r.client}/{r.target}: {good}/{len(r.cases)} cases passed"
            f"{' (' + '; '.join(r.errors)[:200] + ')' if r.errors else ''}")
    cases = [c for r in runs for c in r.cases]
    acc = [c for c in cases if c.expect == "accept"]
    rej = [c for c in cases if c.expect == "reject"]
    log(f"{len(runs)} client run(s), {'FAILED' if failed else 'all passed'}, "
        f"total {time.monotonic() - t0:.1f} s")
    print(f"interop: accepted {sum(c.good for c in acc)}/{len(acc)}, "
          f"rejected {sum(c.good for c in rej)}/{len(rej)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
