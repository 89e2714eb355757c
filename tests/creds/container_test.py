#!/usr/bin/env python3
"""Container credentials (ECS, EKS Pod Identity): botocore's
ContainerProvider + ContainerMetadataFetcher and sigv4rs
(`fetch_credentials container`, the library's container::fetch_with) against
the same fake endpoint (tests/creds/imds_fake.py).

Each case runs two fresh fakes with the same script side by side, one for
botocore (in this process) and one for sigv4rs (a subprocess). It passes when
botocore gets the case's known answer (credentials, none, or an error) with
the case's requests, and sigv4rs sends the same requests (path, Accept,
Authorization) and gets the same credentials (or an error of the expected
kind) in bounded time, without a secret or token in its messages.

The relative URI's host (169.254.170.2) is replaced by the fake's address on
both sides (botocore: the fetcher's IP_ADDRESS; ours: --relative-host).
Retry pauses are 50 ms on both sides except in the `default-timing` cases,
which use botocore's own 2 s timeout and 1 s pause.

    container_test.py --bin target/debug/examples/fetch_credentials
"""
import argparse
import calendar
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from imds_fake import FakeServer, Step  # noqa: E402

import botocore.httpsession  # noqa: E402
from botocore.credentials import ContainerProvider  # noqa: E402
from botocore.utils import ContainerMetadataFetcher  # noqa: E402

AK = "ASIACONTAINEREXAMPLE"
SK = "container/Secret+Key0123456789abcdWXYZ"
ST = "IQoJb3JpZ2luX2VjEFAKE//container+session/token=="
AUTH = "Bearer-ecs-auth-token-0123456789"
REL = "/v2/credentials/7f1e2d3c-aaaa-bbbb-cccc-0123456789ab"
FULL = "/v1/credentials"
EXP = "2030-01-02T03:04:05Z"

DIFFERENCES = {
    "https-full-uri": "botocore fetches an https:// FULL_URI with its TLS stack; this library has none "
                      "and answers NoTransport without connecting.",
    "default-timing-3-failures": "botocore sleeps 1 s after the last failed attempt too (3 s of pauses "
                                 "in all); we do not sleep when no attempt follows (2 s).",
}


def doc(drop=(), **extra):
    d = {"RoleArn": "arn:aws:iam::123456789012:role/ecs-task", "AccessKeyId": AK, "SecretAccessKey": SK,
         "Token": ST, "Expiration": EXP, "AccountId": "123456789012"}
    d.update(extra)
    for k in drop:
        d.pop(k)
    return json.dumps(d).encode()


def auth_required(step, token=AUTH):
    def check(req):
        if req["headers"].get("authorization") != token:
            return Step(401, b'{"message":"unauthorized"}')
        return None
    step.check = check
    return step


class Case:
    """`env`: the variables, with {url} replaced by the fake's base URL and
    {tok} by a token file's path (`token_file` is its contents). `want`:
    "creds", "none" (no variables: botocore's load() returns None) or
    "error". `kind`: our error kind. `reqs`: the (path, authorization)
    pairs expected."""

    def __init__(self, name, routes, env, want, reqs, kind=None, token_file=None, host="127.0.0.1",
                 fast=True, max_s=1.5, ours_max_s=None):
        self.name, self.routes, self.env, self.want, self.reqs = name, routes, env, want, reqs
        self.kind, self.token_file, self.host, self.fast = kind, token_file, host, fast
        self.max_s, self.ours_max_s = max_s, ours_max_s or max_s


OK = [Step(200, doc())]
R = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": REL}
F = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "{url}" + FULL}


def cases():
    return [
        Case("relative-uri", {("GET", REL): OK}, R, "creds", [(REL, None)]),
        Case("full-uri-loopback-auth-token", {("GET", FULL): [auth_required(Step(200, doc()))]},
             {**F, "AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH}, "creds", [(FULL, AUTH)]),
        Case("full-uri-localhost", {("GET", FULL): OK},
             {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost:{port}" + FULL}, "creds", [(FULL, None)]),
        Case("full-uri-ipv6-loopback", {("GET", FULL): OK}, F, "creds", [(FULL, None)], host="::1"),
        Case("full-uri-127-0-0-2", {("GET", FULL): OK}, F, "creds", [(FULL, None)], host="127.0.0.2"),
        Case("relative-wins-over-full", {("GET", REL): OK}, {**R, "AWS_CONTAINER_CREDENTIALS_FULL_URI":
                                                              "http://127.0.0.1:9/never"}, "creds", [(REL, None)]),
        Case("token-file-wins", {("GET", FULL): [auth_required(Step(200, doc()), "from-file-token")]},
             {**F, "AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "{tok}"},
             "creds", [(FULL, "from-file-token")], token_file="from-file-token"),
        # botocore does not strip the file: a final newline is an illegal header value.
        Case("token-file-newline", {("GET", FULL): OK},
             {**F, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "{tok}"}, "error", [], kind="Config",
             token_file="from-file-token\n"),
        Case("token-env-crlf", {("GET", FULL): OK},
             {**F, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Evil: 1"}, "error", [], kind="Config"),
        Case("token-file-missing", {("GET", FULL): OK},
             {**F, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/nonexistent/sigv4rs/token"}, "error", [],
             kind="Config"),
        Case("host-not-allowed-imds", {}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.169.254/x"},
             "error", [], kind="Config"),
        Case("host-not-allowed-name", {}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com:{port}/x"},
             "error", [], kind="Config"),
        Case("host-not-allowed-public-ip", {}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.10/x"},
             "error", [], kind="Config"),
        Case("https-full-uri", {}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://127.0.0.1:{port}/x"},
             "error", None, kind="NoTransport"),
        Case("no-variables", {}, {}, "none", [], kind="NotFound"),
        Case("500-then-200", {("GET", REL): [Step(500, b"busy"), Step(200, doc())]}, R, "creds", [(REL, None)] * 2),
        Case("404-gives-up", {("GET", REL): [Step(404, b"")]}, R, "error", [(REL, None)] * 3, kind="Fetch"),
        Case("not-json-gives-up", {("GET", REL): [Step(200, b"<html>")]}, R, "error", [(REL, None)] * 3,
             kind="Fetch"),
        Case("garbage-http-then-ok", {("GET", REL): [Step(raw=b"garbage\r\n\r\n"), Step(200, doc())]}, R, "creds",
             [(REL, None)] * 2),
        Case("closed-then-ok", {("GET", REL): [Step(close=True), Step(200, doc())]}, R, "creds", [(REL, None)] * 2),
        Case("chunked-answer", {("GET", REL): [Step(200, doc(), chunked=True)]}, R, "creds", [(REL, None)]),
        Case("missing-token-field", {("GET", REL): [Step(200, doc(drop=("Token",)))]}, R, "error", [(REL, None)],
             kind="Malformed"),
        Case("missing-expiration-field", {("GET", REL): [Step(200, doc(drop=("Expiration",)))]}, R, "error",
             [(REL, None)], kind="Malformed"),
        # botocore's own timing: 2 s per try, 1 s pause.
        Case("default-timing-slow-then-ok", {("GET", REL): [Step(200, doc(), delay=2.5), Step(200, doc())]}, R,
             "creds", [(REL, None)] * 2, fast=False, max_s=3.6),
        Case("default-timing-3-failures", {("GET", REL): [Step(503, b"")]}, R, "error", [(REL, None)] * 3,
             kind="Fetch", fast=False, max_s=3.6, ours_max_s=2.6),
    ]


def expand(case, url, port, tok):
    return {k: v.replace("{url}", url).replace("{port}", str(port)).replace("{tok}", tok or "")
            for k, v in case.env.items()}


def token_path(case, tmp, who):
    if case.token_file is None:
        return None
    p = os.path.join(tmp, f"{case.name}-{who}.token")
    with open(p, "w") as f:
        f.write(case.token_file)
    return p


def simplify(reqs):
    for r in reqs:
        if r["headers"].get("accept") != "application/json":
            raise AssertionError(f"request without Accept: application/json: {r['headers']}")
    return [(r["path"], r["headers"].get("authorization")) for r in reqs]


def run_botocore(case, tmp):
    with FakeServer(case.routes, case.host) as s:
        env = expand(case, s.url, s.port, token_path(case, tmp, "botocore"))
        if case.fast:
            session = botocore.httpsession.URLLib3Session(timeout=1)
            fetcher = ContainerMetadataFetcher(session=session, sleep=lambda _s: time.sleep(0.05))
        else:
            fetcher = ContainerMetadataFetcher()
        fetcher.IP_ADDRESS = f"127.0.0.1:{s.port}"
        t = time.monotonic()
        try:
            c = ContainerProvider(environ=env, fetcher=fetcher).load()
            r = ("creds", c) if c is not None else ("none", None)
        except Exception as e:
            r = ("error", e)
        return r, simplify(s.requests()), time.monotonic() - t


def run_ours(binary, case, tmp):
    with FakeServer(case.routes, case.host) as s:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.lower().endswith("_proxy")}
        env.update(expand(case, s.url, s.port, token_path(case, tmp, "sigv4rs")))
        args = [binary, "container", "--relative-host", f"127.0.0.1:{s.port}"]
        if case.fast:
            args += ["--timeout-ms", "1000", "--sleep-ms", "50"]
        t = time.monotonic()
        out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        el = time.monotonic() - t
        if out.returncode != 0:
            raise AssertionError(f"fetch_credentials exited {out.returncode}: {out.stderr[-500:]}")
        return json.loads(out.stdout), simplify(s.requests()), el


def check(binary, case, tmp):
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        fb, fo = ex.submit(run_botocore, case, tmp), ex.submit(run_ours, binary, case, tmp)
        ((bwhat, bval), breqs, bel), (o, oreqs, oel) = fb.result(), fo.result()
    if case.name == "https-full-uri":
        # botocore tries TLS against a plain-HTTP fake: some failure; we never connect.
        if bwhat != "error" or oreqs or o["ok"] or o["kind"] != case.kind:
            raise AssertionError(f"botocore {bwhat}, ours {o}, requests {oreqs}")
        return f"botocore: {type(bval).__name__}; sigv4rs: {o['kind']} without a request"
    if bwhat != case.want:
        raise AssertionError(f"botocore got {bwhat} ({bval!r}), the case expects {case.want}")
    if bwhat == "creds":
        f = bval.get_frozen_credentials()
        if (f.access_key, f.secret_key, f.token) != (AK, SK, ST):
            raise AssertionError("botocore read other credentials than the fake served")
    if breqs != case.reqs:
        raise AssertionError(f"botocore's requests {breqs} != the case's {case.reqs}")
    if oreqs != breqs:
        raise AssertionError(f"requests differ:\n  botocore {breqs}\n  sigv4rs  {oreqs}")
    text = json.dumps({k: o.get(k) for k in ("debug", "display", "detail")})
    for secret in (SK, ST, AUTH, "from-file-token", "X-Evil"):
        if secret in text:
            raise AssertionError(f"a secret or token in our output: {text}")
    if case.want == "creds":
        if not o["ok"] or (o["access_key_id"], o["secret_access_key"], o["session_token"]) != (AK, SK, ST):
            raise AssertionError(f"sigv4rs: {o}")
        if o["expiration"] != calendar.timegm(time.strptime(EXP, "%Y-%m-%dT%H:%M:%SZ")):
            raise AssertionError(f"expiration {o['expiration']}")
    elif o["ok"] or o["kind"] != case.kind:
        raise AssertionError(f"sigv4rs: {o.get('display')}, expected a {case.kind} error")
    if bel > case.max_s or oel > case.ours_max_s:
        raise AssertionError(f"took botocore {bel:.2f} s (max {case.max_s}), sigv4rs {oel:.2f} s "
                             f"(max {case.ours_max_s})")
    return f"botocore {bel:.2f} s, sigv4rs {oel:.2f} s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    passed = total = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases():
            if a.only and a.only not in case.name:
                continue
            total += 1
            try:
                note = check(a.bin, case, tmp)
                passed += 1
                mark = " (named difference)" if case.name in DIFFERENCES else ""
                print(f"container {case.name}: ok{mark}: {note}", flush=True)
            except Exception as e:
                print(f"container {case.name}: FAIL: {e}", flush=True)
    print("container named differences:")
    for k, v in DIFFERENCES.items():
        print(f"  {k}: {v}")
    print(f"container {passed}/{total} in {time.monotonic() - t0:.1f} s")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
