#!/usr/bin/env python3
"""IMDS credentials: botocore's InstanceMetadataFetcher and sigv4rs against
the same fake IMDS (tests/creds/imds_fake.py).

For every case, two fresh fakes with the same script run side by side: one
read by botocore (in this process), one by `fetch_credentials imds` (the
library's ImdsConfig::from_env + imds::fetch, as a subprocess). A case
passes when
  * botocore gets the case's known answer (credentials or none) with the
    case's request sequence: the fake behaves as IMDS does for botocore;
  * sigv4rs sends the same requests (method, path, token and TTL headers)
    and gets the same credentials (or none), within the case's time bound;
  * no error message or Debug output of ours holds the secret or a token.
Settings cases compare `fetch_credentials imds-config` with the fetcher
botocore's create_credential_resolver builds from the same variables and
files. Differences we chose are named in DIFFERENCES, each shown by a case.

    imds_test.py --bin target/debug/examples/fetch_credentials
Run with the interop venv's python (botocore). Prints `imds K/K`.
"""
import argparse
import calendar
import concurrent.futures
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from imds_fake import FakeServer, Step  # noqa: E402

import botocore.credentials  # noqa: E402
import botocore.session  # noqa: E402
from botocore.utils import InstanceMetadataFetcher  # noqa: E402

TOKEN = "AQAEAFAKEimdsSessionToken-1234567890abcdef=="
ROLE = "sigv4rs-test-role"
TOKEN_PATH = "/latest/api/token"
LIST = "/latest/meta-data/iam/security-credentials/"
AK = "ASIAIMDSEXAMPLE00001"
SK = "imds/Secret+Key0123456789abcdefWXYZ"
ST = "IQoJb3JpZ2luX2VjEFAKE//imds+session/token=="
# Refresh window of create_credential_resolver (15 min) plus botocore's jitter.
EXTEND_MIN, EXTEND_MAX = 900 + 120, 900 + 600

DIFFERENCES = {
    "drip": "botocore's timeout is per socket read, so a server that sends a byte every 0.3 s "
            "holds it for as long as it likes (it succeeds after ~2.4 s); ours is a deadline for the "
            "whole request (fails after 1 s): every fetch is bounded.",
    "code-not-success": "a document with Code other than \"Success\" but all four fields: botocore uses "
                        "the credentials (it only checks the fields); the shared JSON reader refuses it.",
    "camel-case-names": "accessKeyId/secretAccessKey/sessionToken/expiration (AWS IoT spelling): botocore "
                        "finds no AccessKeyId and moves on; the shared JSON reader accepts both spellings.",
    "config-bad-mode": "an endpoint mode other than IPv4/IPv6 makes botocore raise "
                       "InvalidIMDSEndpointModeError; ImdsConfig::from_env cannot fail, so it means IPv4.",
    "config-bad-timeout": "a timeout that is not an integer makes botocore raise (int('1.5')); "
                          "ours keeps the default 1 s.",
}


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def doc(exp_in=6 * 3600, drop=(), **extra):
    d = {"Code": "Success", "LastUpdated": iso(time.time() - 60), "Type": "AWS-HMAC",
         "AccessKeyId": AK, "SecretAccessKey": SK, "Token": ST, "Expiration": iso(time.time() + exp_in)}
    d.update(extra)
    for k in drop:
        d.pop(k, None)
    return json.dumps(d, indent=2).encode()


def ttl_checked(step):
    """Real IMDS answers a token PUT without a valid TTL header with 400."""
    def check(req):
        ttl = req["headers"].get("x-aws-ec2-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return Step(400, b"")
        return None
    step.check = check
    return step


def v2(step):
    """IMDSv2 required: a GET without the session token gets a 401."""
    def check(req):
        if req["headers"].get("x-aws-ec2-metadata-token") != TOKEN:
            return Step(401, b"")
        return None
    step.check = check
    return step


def token_ok():
    return [ttl_checked(Step(200, TOKEN))]


def role_routes(list_steps=None, cred_steps=None, token=True):
    wrap = v2 if token else (lambda s: s)
    return {
        ("GET", LIST): [wrap(s) for s in (list_steps or [Step(200, ROLE)])],
        ("GET", LIST + ROLE): [wrap(s) for s in (cred_steps or [Step(200, doc())])],
    }


V2_REQS = [("PUT", TOKEN_PATH, None, "21600"), ("GET", LIST, TOKEN, None), ("GET", LIST + ROLE, TOKEN, None)]
V1_REQS = [("PUT", TOKEN_PATH, None, "21600"), ("GET", LIST, None, None), ("GET", LIST + ROLE, None, None)]


class Case:
    def __init__(self, name, routes, want, reqs=None, timeout=1, attempts=1, env=None, suffix="",
                 max_s=1.5, kind=None, extended=False, ours=None):
        self.name, self.routes, self.want, self.reqs = name, routes, want, reqs
        self.timeout, self.attempts, self.env, self.suffix = timeout, attempts, env or {}, suffix
        self.max_s, self.kind, self.extended = max_s, kind, extended
        # A named difference: what sigv4rs gets instead ("creds"/"none").
        self.ours = ours or want


def cases():
    v1 = lambda status: {("PUT", TOKEN_PATH): [Step(status, b"")], **role_routes(token=False)}  # noqa: E731
    c = [
        Case("v2-token-flow", {("PUT", TOKEN_PATH): token_ok(), **role_routes()}, "creds", V2_REQS),
        Case("v2-chunked-answers", {("PUT", TOKEN_PATH): [ttl_checked(Step(200, TOKEN, chunked=True))],
                                    **role_routes([Step(200, ROLE, chunked=True)], [Step(200, doc(), chunked=True)])},
             "creds", V2_REQS),
        # Two attempts: a 403/404/405 is not retried (other statuses are).
        Case("v1-fallback-403", v1(403), "creds", V1_REQS, attempts=2),
        Case("v1-fallback-404", v1(404), "creds", V1_REQS, attempts=2),
        Case("v1-fallback-405", v1(405), "creds", V1_REQS, attempts=2),
        # A 500 is retried, then botocore gives up on the token, not on IMDS.
        Case("token-500-then-v1", v1(500), "creds", [V1_REQS[0]] * 2 + V1_REQS[1:], attempts=2, max_s=2.5),
        Case("token-400-ends", {("PUT", TOKEN_PATH): [Step(400, b"")], **role_routes()}, "none",
             [V2_REQS[0]], kind="Fetch"),
        Case("token-read-timeout-then-v1", {("PUT", TOKEN_PATH): [Step(200, TOKEN, delay=3)], **role_routes(token=False)},
             "creds", V1_REQS, attempts=2, max_s=2.0),
        Case("token-closed-then-v2", {("PUT", TOKEN_PATH): [Step(close=True), *token_ok()], **role_routes()},
             "creds", [V2_REQS[0]] + V2_REQS, attempts=2, max_s=2.0),
        Case("role-name-newline", {("PUT", TOKEN_PATH): token_ok(),
                                   **role_routes([Step(200, ROLE + "\n")])}, "creds", V2_REQS),
        Case("no-role-404", {("PUT", TOKEN_PATH): token_ok(), **role_routes([Step(404, b"")])}, "none",
             V2_REQS[:2], kind="NotFound"),
        Case("role-empty-retried", {("PUT", TOKEN_PATH): token_ok(), **role_routes([Step(200, b""), Step(200, ROLE)])},
             "creds", V2_REQS[:2] + V2_REQS[1:], attempts=2),
        Case("creds-500-retried", {("PUT", TOKEN_PATH): token_ok(),
                                   **role_routes(None, [Step(500, b"oops"), Step(200, doc())])},
             "creds", V2_REQS + V2_REQS[2:], attempts=2),
        Case("creds-500-gives-up", {("PUT", TOKEN_PATH): token_ok(), **role_routes(None, [Step(500, b"")])},
             "none", V2_REQS + V2_REQS[2:], attempts=2, kind="Fetch"),
        Case("creds-not-json-retried", {("PUT", TOKEN_PATH): token_ok(),
                                        **role_routes(None, [Step(200, b"<html>"), Step(200, doc())])},
             "creds", V2_REQS + V2_REQS[2:], attempts=2),
        Case("creds-not-json", {("PUT", TOKEN_PATH): token_ok(), **role_routes(None, [Step(200, b"{\"AccessKeyId\":")])},
             "none", V2_REQS, kind="Malformed"),
        Case("creds-missing-token", {("PUT", TOKEN_PATH): token_ok(),
                                     **role_routes(None, [Step(200, doc(drop=("Token",)))])}, "none", V2_REQS,
             kind="Malformed"),
        Case("creds-error-document", {("PUT", TOKEN_PATH): token_ok(), **role_routes(None, [Step(200, json.dumps(
            {"Code": "AssumeRoleUnauthorizedAccess", "Message": "EC2 cannot assume the role",
             "LastUpdated": iso(time.time())}).encode())])}, "none", V2_REQS, kind="Malformed"),
        Case("garbage-http", {("PUT", TOKEN_PATH): token_ok(),
                              **role_routes([Step(raw=b"HELLO THERE\r\n\r\n"), Step(200, ROLE)])},
             "creds", V2_REQS[:2] + V2_REQS[1:], attempts=2),
        Case("slow-role-vs-timeout", {("PUT", TOKEN_PATH): token_ok(), **role_routes([Step(200, ROLE, delay=3)])},
             "none", V2_REQS[:2] + V2_REQS[1:2], attempts=2, max_s=2.6, kind="Fetch"),
        Case("drip", {("PUT", TOKEN_PATH): token_ok(), **role_routes(None, [Step(200, doc(), drip=(8, 0.3))])},
             "creds", V2_REQS, max_s=1.6, ours="none", kind="Fetch"),
        Case("expired-extended", {("PUT", TOKEN_PATH): token_ok(), **role_routes(None, [Step(200, doc(exp_in=-300))])},
             "creds", V2_REQS, extended=True),
        Case("expiring-extended", {("PUT", TOKEN_PATH): token_ok(), **role_routes(None, [Step(200, doc(exp_in=600))])},
             "creds", V2_REQS, extended=True),
        Case("endpoint-with-path", {("PUT", "/p/x" + TOKEN_PATH): token_ok(),
                                    ("GET", "/p/x" + LIST): [v2(Step(200, ROLE))],
                                    ("GET", "/p/x" + LIST + ROLE): [v2(Step(200, doc()))]},
             "creds", [(m, "/p/x" + p, t, ttl) for (m, p, t, ttl) in V2_REQS], suffix="/p/x"),
        Case("code-not-success", {("PUT", TOKEN_PATH): token_ok(),
                                  **role_routes(None, [Step(200, doc(Code="Failure"))])}, "creds", V2_REQS,
             ours="none", kind="Malformed"),
        Case("camel-case-names", {("PUT", TOKEN_PATH): token_ok(), **role_routes(None, [Step(200, json.dumps(
            {"Code": "Success", "accessKeyId": AK, "secretAccessKey": SK, "sessionToken": ST,
             "expiration": iso(time.time() + 3600)}).encode())])}, "none", V2_REQS, ours="creds"),
        Case("disabled", {("PUT", TOKEN_PATH): token_ok(), **role_routes()}, "none", [],
             env={"AWS_EC2_METADATA_DISABLED": "TRUE"}, kind="NotFound"),
        Case("zero-attempts", {("PUT", TOKEN_PATH): token_ok(), **role_routes()}, "none", [], attempts=0,
             kind="NotFound"),
    ]
    return c


def simplify(reqs):
    return [(r["method"], r["path"], r["headers"].get("x-aws-ec2-metadata-token"),
             r["headers"].get("x-aws-ec2-metadata-token-ttl-seconds")) for r in reqs]


def run_botocore(case):
    with FakeServer(case.routes) as s:
        f = InstanceMetadataFetcher(timeout=case.timeout, num_attempts=case.attempts,
                                    # As create_credential_resolver configures it.
                                    config={"ec2_metadata_service_endpoint": s.url + case.suffix,
                                            "ec2_credential_refresh_window": 15 * 60},
                                    env=dict(case.env))
        t = time.monotonic()
        r = f.retrieve_iam_role_credentials()
        return r, simplify(s.requests()), time.monotonic() - t


def base_env(tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.lower().endswith("_proxy")}
    env.update(HOME=tmp, AWS_CONFIG_FILE=os.path.join(tmp, "none-config"),
               AWS_SHARED_CREDENTIALS_FILE=os.path.join(tmp, "none-credentials"))
    return env


def run_ours(binary, case, tmp):
    with FakeServer(case.routes) as s:
        env = base_env(tmp)
        env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=s.url + case.suffix,
                   AWS_METADATA_SERVICE_TIMEOUT=str(case.timeout),
                   AWS_METADATA_SERVICE_NUM_ATTEMPTS=str(case.attempts), **case.env)
        t = time.monotonic()
        out = subprocess.run([binary, "imds"], env=env, capture_output=True, text=True, timeout=60)
        el = time.monotonic() - t
        if out.returncode != 0:
            raise AssertionError(f"fetch_credentials exited {out.returncode}: {out.stderr[-500:]}")
        return json.loads(out.stdout), simplify(s.requests()), el


def no_secret(o):
    text = json.dumps({k: o.get(k) for k in ("debug", "display", "detail")})
    for s in (SK, ST, TOKEN):
        if s in text:
            raise AssertionError(f"a secret or token in our output: {text}")


def check(binary, case, tmp):
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        fb = ex.submit(run_botocore, case)
        fo = ex.submit(run_ours, binary, case, tmp)
        (b, breqs, bel), (o, oreqs, oel) = fb.result(), fo.result()
    # 1. The fake gives botocore the case's known answer.
    got_b = "creds" if b else "none"
    if got_b != case.want:
        raise AssertionError(f"botocore got {got_b}, the case expects {case.want}")
    if b and (b["access_key"], b["secret_key"], b["token"]) != (AK, SK, ST):
        raise AssertionError("botocore read other credentials than the fake served")
    if case.reqs is not None and breqs != case.reqs:
        raise AssertionError(f"botocore's requests {breqs} != the case's {case.reqs}")
    # 2. Ours: the same requests, the same answer.
    if oreqs != breqs:
        raise AssertionError(f"requests differ:\n  botocore {breqs}\n  sigv4rs  {oreqs}")
    no_secret(o)
    got_o = "creds" if o["ok"] else "none"
    if got_o != case.ours:
        raise AssertionError(f"sigv4rs got {got_o} ({o.get('display')}), expected {case.ours}")
    if o["ok"]:
        if (o["access_key_id"], o["secret_access_key"], o["session_token"]) != (AK, SK, ST):
            raise AssertionError("sigv4rs read other credentials")
        if SK in o["debug"] or ST in o["debug"]:
            raise AssertionError("Debug of Credentials shows a secret")
        if not b:
            return f"botocore none, sigv4rs credentials ({oel:.2f} s)"
        b_exp = calendar.timegm(time.strptime(b["expiry_time"], "%Y-%m-%dT%H:%M:%SZ"))
        if case.extended:
            now = time.time()
            for who, e in (("botocore", b_exp), ("sigv4rs", o["expiration"])):
                if not now + EXTEND_MIN - 5 <= e <= now + EXTEND_MAX + 1:
                    raise AssertionError(f"{who} expiration {e} not extended to now + 17..25 min")
        elif o["expiration"] != b_exp:
            raise AssertionError(f"expiration {o['expiration']} != botocore's {b_exp}")
    elif case.kind and o["kind"] != case.kind:
        raise AssertionError(f"error kind {o['kind']} != {case.kind}: {o['display']}")
    if oel > case.max_s:
        raise AssertionError(f"sigv4rs took {oel:.2f} s > {case.max_s} s")
    return f"botocore {bel:.2f} s, sigv4rs {oel:.2f} s"


# ------------------------------------------------------------- settings
@contextlib.contextmanager
def environ(env):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def botocore_settings(env):
    with environ(env):
        s = botocore.session.Session()
        f = botocore.credentials.create_credential_resolver(s).get_provider("iam-role")._role_fetcher
        return {"base_url": f.get_base_url(), "timeout_ms": int(f._timeout * 1000),
                "attempts": f._num_attempts, "disabled": f._disabled}


def settings_cases():
    ep = "http://127.0.0.1:1338/"
    return [
        ("config-defaults", {}, None, None),
        ("config-env", {"AWS_METADATA_SERVICE_TIMEOUT": "3", "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "4",
                        "AWS_EC2_METADATA_DISABLED": "True"}, None, None),
        ("config-file", {}, "[default]\nmetadata_service_timeout = 5\nmetadata_service_num_attempts = 2\n"
                            "ec2_metadata_service_endpoint = " + ep + "\n", None),
        ("config-env-over-file", {"AWS_METADATA_SERVICE_TIMEOUT": "2",
                                  "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.2/"},
         "[default]\nmetadata_service_timeout = 5\nec2_metadata_service_endpoint = " + ep + "\n", None),
        ("config-profile", {"AWS_PROFILE": "other"},
         "[default]\nmetadata_service_timeout = 5\n[profile other]\nmetadata_service_num_attempts = 3\n", None),
        ("config-credentials-file-merged", {}, "[default]\nmetadata_service_timeout = 5\n",
         "[default]\nmetadata_service_timeout = 7\n"),
        ("config-ipv6-env", {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"}, None, None),
        ("config-ipv6-file", {}, "[default]\nec2_metadata_service_endpoint_mode = ipv6\n", None),
        ("config-endpoint-wins-over-ipv6", {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv6",
                                            "AWS_EC2_METADATA_SERVICE_ENDPOINT": ep}, None, None),
        ("config-imds-use-ipv6", {}, "[default]\nimds_use_ipv6 = true\n", None),
        ("config-mode-ipv4-over-use-ipv6", {"AWS_IMDS_USE_IPV6": "true",
                                            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv4"}, None, None),
        ("config-bad-mode", {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv5"}, None, None),
        ("config-bad-timeout", {"AWS_METADATA_SERVICE_TIMEOUT": "1.5"}, None, None),
    ]


def check_settings(binary, name, vars_, config, credentials, tmp):
    d = tempfile.mkdtemp(dir=tmp)
    env = base_env(d)
    for fname, text in (("config", config), ("credentials", credentials)):
        path = os.path.join(d, fname)
        if text is not None:
            with open(path, "w") as f:
                f.write(text)
        env["AWS_CONFIG_FILE" if fname == "config" else "AWS_SHARED_CREDENTIALS_FILE"] = path
    env.update(vars_)
    out = subprocess.run([binary, "imds-config"], env=env, capture_output=True, text=True, timeout=30)
    ours = json.loads(out.stdout)
    ours = {k: ours[k] for k in ("base_url", "timeout_ms", "attempts", "disabled")}
    if name in DIFFERENCES:
        try:
            theirs = botocore_settings(env)
        except Exception as e:  # the named difference: botocore raises
            defaults = {"base_url": "http://169.254.169.254/", "timeout_ms": 1000, "attempts": 1, "disabled": False}
            if ours != defaults:
                raise AssertionError(f"botocore raised {type(e).__name__}; ours {ours} != defaults")
            return f"botocore raises {type(e).__name__}, sigv4rs uses the defaults"
        raise AssertionError(f"botocore did not raise: {theirs}")
    theirs = botocore_settings(env)
    if ours != theirs:
        raise AssertionError(f"settings differ:\n  botocore {theirs}\n  sigv4rs  {ours}")
    return f"{ours['base_url']} {ours['timeout_ms']} ms x{ours['attempts']}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    passed = total = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(c.name, lambda c=c: check(a.bin, c, tmp)) for c in cases()]
        jobs += [(n, lambda n=n, v=v, cf=cf, cr=cr: check_settings(a.bin, n, v, cf, cr, tmp))
                 for (n, v, cf, cr) in settings_cases()]
        for name, job in jobs:
            if a.only and a.only not in name:
                continue
            total += 1
            try:
                note = job()
                passed += 1
                mark = " (named difference)" if name in DIFFERENCES else ""
                print(f"imds {name}: ok{mark}: {note}", flush=True)
            except Exception as e:
                print(f"imds {name}: FAIL: {e}", flush=True)
    print("imds named differences:")
    for k, v in DIFFERENCES.items():
        print(f"  {k}: {v}")
    print(f"imds {passed}/{total} in {time.monotonic() - t0:.1f} s")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
