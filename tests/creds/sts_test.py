#!/usr/bin/env python3
"""STS through moto: sigv4rs's AssumeRole (signed by sigv4rs, checked by
moto) and AssumeRoleWithWebIdentity, then the credentials they return sign
GetCallerIdentity, which moto accepts and which names the assumed role.
botocore makes the same calls against the same moto, through the same
recording proxy, to show both request shapes are accepted and alike
(method, path, Content-Type, form parameters, signed headers, scope).
Endpoint resolution is compared with botocore's clients.

moto runs from the interop venv (tests/interop/run.py: `setup_venv`) on a
free loopback port, auth off for the IAM setup and the unsigned web
identity calls (moto answers an unsigned request with a 500 once auth is
on), then on (POST /moto-api/reset-auth 0): every later request is
signature- and token-checked. Stopped whatever happens.

    sts_test.py --bin target/debug/examples/fetch_credentials
Run with the interop venv's python (moto, boto3). Prints `sts M/M`.
"""
import argparse
import contextlib
import http.client
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
import run as interop  # noqa: E402  (Server, clean_env: moto's start and stop)

import boto3  # noqa: E402
import botocore.session  # noqa: E402
from botocore import UNSIGNED  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ACCOUNT = "123456789012"
ROLE_NAME = "sigv4rs-remote-role"
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpteS1zYSJ9.c2lnbmF0dXJl"
CFG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)

DIFFERENCES = {}


# ------------------------------------------------------------ the proxy
class Proxy:
    """Forwards to moto verbatim (the Host line too, so signatures hold) and
    records each request: method, path, headers, body."""

    def __init__(self, upstream_port):
        self.log = []
        proxy = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.log.append({"method": self.command, "path": self.path,
                                  "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                c = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() not in ("connection", "content-length"):
                        c.putheader(k, v)
                c.putheader("Content-Length", str(len(body)))
                c.endheaders(body)
                r = c.getresponse()
                data = r.read()
                proxy.log[-1]["response"] = (r.status, data[:2000])
                self.send_response(r.status)
                self.send_header("Content-Type", r.getheader("Content-Type") or "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                c.close()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def take(self):
        log, self.log = self.log, []
        return log

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def shape(req):
    """What must agree between botocore's request and ours."""
    auth = req["headers"].get("authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=[^/]+/\d{8}/([^,]+), SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$",
                 auth)
    return {
        "method": req["method"], "path": req["path"],
        "content-type": req["headers"].get("content-type"),
        "params": sorted(urllib.parse.parse_qsl(req["body"].decode(), keep_blank_values=True)),
        "scope": m.group(1) if m else None,
        "signed-headers": m.group(2) if m else None,
        "authorized": bool(auth),
        "token-header": "x-amz-security-token" in req["headers"],
    }


# ------------------------------------------------------------- helpers
def ours(binary, args, env_extra=None, tmp=None):
    env = interop.clean_env({"HOME": tmp or "/nonexistent"})
    env.update(env_extra or {})
    out = subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise AssertionError(f"fetch_credentials {args[0]} exited {out.returncode}: {out.stderr[-800:]}")
    return json.loads(out.stdout)


def creds_env(c):
    return {"AWS_ACCESS_KEY_ID": c["access_key_id"], "AWS_SECRET_ACCESS_KEY": c["secret_access_key"],
            "AWS_SESSION_TOKEN": c.get("session_token") or ""}


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


def botocore_session_credentials(env):
    with environ(env):
        s = botocore.session.Session()
        c = s.get_credentials()
        return c.get_frozen_credentials() if c else None


def caller_arn_ours(binary, endpoint, c):
    r = ours(binary, ["call", "--endpoint", endpoint, "--region", "us-east-1",
                      "--body", "Action=GetCallerIdentity&Version=2011-06-15"], creds_env(c))
    if not r["ok"] or r["status"] != 200:
        raise AssertionError(f"GetCallerIdentity signed by sigv4rs refused: {r}")
    m = re.search(r"<Arn>([^<]+)</Arn>", r["body"])
    return m.group(1) if m else None


def caller_arn_botocore(endpoint, ak, sk, token):
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=ak,
                       aws_secret_access_key=sk, aws_session_token=token, config=CFG)
    return sts.get_caller_identity()["Arn"]


def no_secret(o, *secrets):
    text = json.dumps({k: o.get(k) for k in ("debug", "display", "detail")})
    for s in secrets:
        if s and s in text:
            raise AssertionError(f"a secret in our output: {text}")


class Results:
    def __init__(self):
        self.passed = self.total = 0

    @contextlib.contextmanager
    def case(self, name):
        self.total += 1
        t = time.monotonic()
        try:
            yield
            self.passed += 1
            mark = " (named difference)" if name in DIFFERENCES else ""
            print(f"sts {name}: ok{mark} ({time.monotonic() - t:.2f} s)", flush=True)
        except Exception as e:
            print(f"sts {name}: FAIL: {type(e).__name__}: {e}", flush=True)


# --------------------------------------------------------------- cases
def endpoint_cases(binary, res, tmp):
    base = {"AWS_EC2_METADATA_DISABLED": "true", "HOME": tmp,
            "AWS_CONFIG_FILE": os.path.join(tmp, "none"), "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none")}
    combos = [
        ("us-east-1", {}), ("eu-west-1", {}), ("ap-southeast-2", {}), ("cn-north-1", {}), ("us-gov-west-1", {}),
        ("us-iso-east-1", {}), ("eusc-de-east-1", {}), ("aws-global", {}),
        ("eu-west-1", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}),
        ("us-east-1", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}),
        ("af-south-1", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}),
        ("eu-west-1", {"AWS_STS_REGIONAL_ENDPOINTS": "regional"}),
        ("eu-west-1", {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}),
        ("eu-west-1", {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000"}),
        ("eu-west-1", {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}),
        ("eu-west-1", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000"}),
        ("eu-west-1", {"@profile_endpoint": "http://127.0.0.1:7000"}),
        ("eu-west-1", {"@profile_endpoint": "http://127.0.0.1:7000", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}),
    ]
    with res.case("endpoint-resolution"):
        for region, extra in combos:
            env = dict(base)
            env.update({k: v for k, v in extra.items() if not k.startswith("@")})
            pe = extra.get("@profile_endpoint")
            if pe:
                path = os.path.join(tmp, "endpoint-config")
                with open(path, "w") as f:
                    f.write(f"[default]\nendpoint_url = {pe}\n")
                env["AWS_CONFIG_FILE"] = path
            with environ(env):
                want = botocore.session.Session().create_client("sts", region_name=region).meta.endpoint_url
            args = ["sts-endpoint", "--region", region] + (["--profile-endpoint", pe] if pe else [])
            got = ours(binary, args, env)["endpoint"]
            if got != want:
                raise AssertionError(f"{region} {extra}: sigv4rs {got} != botocore {want}")
    with res.case("endpoint-no-region"):
        # botocore's STS client without a region is aws-global: the global endpoint.
        with environ(base):
            c = botocore.session.Session().create_client("sts")
            want = (c.meta.endpoint_url, c.meta.region_name)
        if want != ("https://sts.amazonaws.com", "aws-global"):
            raise AssertionError(f"botocore without a region: {want}")
        got = ours(binary, ["sts-endpoint", "--region", ""], base)["endpoint"]
        if got != want[0]:
            raise AssertionError(got)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    a = ap.parse_args()
    res = Results()
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="sigv4rs-sts-")
    moto = interop.Server("moto", os.path.join(tmp, "moto.log"))
    proxy = None
    try:
        endpoint_cases(a.bin, res, tmp)
        moto.start(lambda p: [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(p)],
                   interop.clean_env(), 60)
        proxy = Proxy(moto.port)
        ep = proxy.url
        # Auth off: the IAM user (its key signs AssumeRole) and the role.
        iam = boto3.client("iam", endpoint_url=moto.endpoint, region_name="us-east-1",
                           aws_access_key_id="setup", aws_secret_access_key="setup", config=CFG)
        allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
        iam.create_user(UserName="sigv4rs-remote")
        iam.put_user_policy(UserName="sigv4rs-remote", PolicyName="all", PolicyDocument=allow)
        key = iam.create_access_key(UserName="sigv4rs-remote")["AccessKey"]
        user_arn = iam.get_user(UserName="sigv4rs-remote")["User"]["Arn"]
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}]})
        role_arn = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="all", PolicyDocument=allow)
        # moto authorizes an assumed role's calls by its managed policies.
        pol = iam.create_policy(PolicyName="sigv4rs-remote-all", PolicyDocument=allow)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=ROLE_NAME, PolicyArn=pol)
        # A second role that any principal may assume (moto checks trust): for role chaining.
        anyone = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
        chain_arn = iam.create_role(RoleName="sigv4rs-chain-role", AssumeRolePolicyDocument=anyone)["Role"]["Arn"]
        user = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}
        token_file = os.path.join(tmp, "web-identity-token")
        with open(token_file, "w") as f:
            f.write(WEB_TOKEN)

        # Web identity, unsigned, while auth is off.
        wi = {}
        with res.case("web-identity-sigv4rs"):
            o = ours(a.bin, ["web-identity", "--endpoint", ep, "--region", "us-east-1", "--role-arn", role_arn,
                             "--session", "wi-sigv4rs", "--token-file", token_file])
            if not o["ok"] or o["source"] != "WebIdentity" or not o["access_key_id"].startswith("ASIA"):
                raise AssertionError(o)
            no_secret(o, o["secret_access_key"], o["session_token"], WEB_TOKEN)
            wi["ours"], wi["ours_req"] = o, proxy.take()
        with res.case("web-identity-botocore-same-shape"):
            env = {"AWS_WEB_IDENTITY_TOKEN_FILE": token_file, "AWS_ROLE_ARN": role_arn,
                   "AWS_ROLE_SESSION_NAME": "wi-sigv4rs", "AWS_ENDPOINT_URL_STS": ep, "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_EC2_METADATA_DISABLED": "true", "HOME": tmp,
                   "AWS_CONFIG_FILE": os.path.join(tmp, "none"), "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none")}
            f = botocore_session_credentials(env)
            if f is None or not f.access_key.startswith("ASIA"):
                raise AssertionError(f"botocore: {f}")
            wi["botocore"] = f
            b, o = [shape(r) for r in proxy.take()], [shape(r) for r in wi["ours_req"]]
            if len(b) != 1 or b != o:
                raise AssertionError(f"request shapes differ:\n  botocore {b}\n  sigv4rs  {o}")
            if o[0]["authorized"] or ("WebIdentityToken", WEB_TOKEN) not in o[0]["params"]:
                raise AssertionError(f"not an unsigned AssumeRoleWithWebIdentity: {o}")

        # Auth on.
        req = urllib.request.Request(moto.endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "application/octet-stream"})
        urllib.request.urlopen(req, timeout=20).read()

        with res.case("web-identity-credentials-sign-get-caller-identity"):
            arn = caller_arn_ours(a.bin, ep, wi["ours"])
            if arn != f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/wi-sigv4rs":
                raise AssertionError(arn)
            f = wi["botocore"]
            if caller_arn_botocore(ep, f.access_key, f.secret_key, f.token) != arn:
                raise AssertionError("botocore's web identity credentials name another role")
            proxy.take()

        ar = {}
        with res.case("assume-role-signed-by-sigv4rs"):
            t = time.time()
            o = ours(a.bin, ["assume-role", "--endpoint", ep, "--region", "us-east-1", "--role-arn", role_arn,
                             "--session", "ar-sigv4rs", "--external-id", "ext-12345", "--duration", "900"],
                     creds_env(user))
            if not o["ok"] or o["source"] != "AssumeRole" or not o["access_key_id"].startswith("ASIA"):
                raise AssertionError(o)
            # moto honours DurationSeconds: the expiration says the parameter arrived.
            if not t + 890 <= o["expiration"] <= time.time() + 910:
                raise AssertionError(f"expiration {o['expiration']} is not now + 900 s")
            no_secret(o, o["secret_access_key"], o["session_token"], user["secret_access_key"])
            ar["ours"], ar["ours_req"] = o, proxy.take()
        with res.case("assume-role-botocore-same-shape"):
            cfg = os.path.join(tmp, "assume-config")
            with open(cfg, "w") as fh:
                fh.write(f"[profile src]\naws_access_key_id = {user['access_key_id']}\n"
                         f"aws_secret_access_key = {user['secret_access_key']}\n"
                         f"[profile role]\nrole_arn = {role_arn}\nsource_profile = src\n"
                         f"role_session_name = ar-sigv4rs\nexternal_id = ext-12345\nduration_seconds = 900\n"
                         f"region = us-east-1\nendpoint_url = {ep}\n")
            env = {"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none"),
                   "AWS_PROFILE": "role", "AWS_EC2_METADATA_DISABLED": "true", "HOME": tmp}
            f = botocore_session_credentials(env)
            if f is None or not f.access_key.startswith("ASIA"):
                raise AssertionError(f"botocore: {f}")
            ar["botocore"] = f
            b, o = [shape(r) for r in proxy.take()], [shape(r) for r in ar["ours_req"]]
            if len(b) != 1 or b != o:
                raise AssertionError(f"request shapes differ:\n  botocore {b}\n  sigv4rs  {o}")
            if o[0]["scope"] != "us-east-1/sts/aws4_request" or o[0]["token-header"]:
                raise AssertionError(o)
        with res.case("assumed-role-credentials-sign-get-caller-identity"):
            arn = caller_arn_ours(a.bin, ep, ar["ours"])
            if arn != f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/ar-sigv4rs":
                raise AssertionError(arn)
            f = ar["botocore"]
            if caller_arn_botocore(ep, f.access_key, f.secret_key, f.token) != arn:
                raise AssertionError("botocore's credentials name another role")
            proxy.take()
        with res.case("assume-role-from-session-credentials"):
            # Role chaining: the source has a session token, signed as X-Amz-Security-Token.
            o = ours(a.bin, ["assume-role", "--endpoint", ep, "--region", "us-east-1", "--role-arn", chain_arn,
                             "--session", "chained"], creds_env(ar["ours"]))
            if not o["ok"]:
                raise AssertionError(f"{o['display']}: moto said {[r.get('response') for r in proxy.take()]}")
            sh = [shape(r) for r in proxy.take()]
            if not sh[0]["token-header"] or "x-amz-security-token" not in sh[0]["signed-headers"].split(";"):
                raise AssertionError(f"token not signed: {sh}")
            f = ar["botocore"]
            sts = boto3.client("sts", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=f.access_key,
                               aws_secret_access_key=f.secret_key, aws_session_token=f.token, config=CFG)
            sts.assume_role(RoleArn=chain_arn, RoleSessionName="chained")
            b = [shape(r) for r in proxy.take()]
            if b[0]["signed-headers"] != sh[0]["signed-headers"]:
                raise AssertionError(f"signed headers: botocore {b[0]['signed-headers']}, ours {sh[0]['signed-headers']}")
            if caller_arn_ours(a.bin, ep, o) != f"arn:aws:sts::{ACCOUNT}:assumed-role/sigv4rs-chain-role/chained":
                raise AssertionError("chained credentials")
            proxy.take()

        # Refusals: our error's detail is the STS code botocore reports.
        bad = [
            ("wrong-secret", {**user, "secret_access_key": "wrong/" + user["secret_access_key"][6:]}),
            ("unknown-key", {"access_key_id": "AKIAUNKNOWN000000000", "secret_access_key": "x" * 40}),
            ("wrong-session-token", {**ar["ours"], "session_token": ar["ours"]["session_token"][:-4] + "AAAA"}),
        ]
        # moto's STS checks (after the signature): a session name over 64 characters.
        bad.append(("validation-error", user))
        for name, c in bad:
            with res.case(f"refused-{name}"):
                session = "x" * 70 if name == "validation-error" else "refused"
                o = ours(a.bin, ["assume-role", "--endpoint", ep, "--region", "us-east-1", "--role-arn", role_arn,
                                 "--session", session], creds_env(c))
                sts = boto3.client("sts", endpoint_url=ep, region_name="us-east-1",
                                   aws_access_key_id=c["access_key_id"], aws_secret_access_key=c["secret_access_key"],
                                   aws_session_token=c.get("session_token") or None, config=CFG)
                try:
                    sts.assume_role(RoleArn=role_arn, RoleSessionName=session)
                    raise AssertionError("botocore's request was accepted")
                except ClientError as e:
                    code = e.response["Error"]["Code"]
                if o["ok"] or o["kind"] != "Fetch" or o["detail"] != code:
                    hint = ""
                    if o.get("detail", "").startswith("HTTP "):
                        # moto answers auth failures <ErrorResponse><Errors><Error><Code>; botocore's
                        # QueryParser reads that shape, xml::sts_error_code must too.
                        hint = " (xml::sts_error_code found no <Code>: ErrorResponse/Errors/Error?)"
                    raise AssertionError(f"ours {o.get('display')}, botocore {code}{hint}")
                no_secret(o, c["secret_access_key"], c.get("session_token"))
                proxy.take()
    finally:
        if proxy:
            proxy.close()
        moto.stop()
    if res.passed == res.total:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"sts: kept {tmp} (moto.log)")
    print("sts named differences:")
    for k, v in DIFFERENCES.items():
        print(f"  {k}: {v}")
    print(f"sts {res.passed}/{res.total} in {time.monotonic() - t0:.1f} s")
    return 0 if res.passed == res.total else 1


if __name__ == "__main__":
    sys.exit(main())
