#!/usr/bin/env python3
"""Writes tests/data/s3express-vectors.json: S3 Express One Zone vectors
produced by botocore (independent of sigv4rs), for tests/s3express.rs.

    python3 -m venv target/pyvenv && target/pyvenv/bin/pip install botocore
    target/pyvenv/bin/python tests/tools/s3express_vectors.py

* Signing: botocore's own S3ExpressAuth (header mode: `x-amz-s3session-token`
  added and signed, no `X-Amz-Security-Token`) and S3ExpressQueryAuth
  (presigned: `X-Amz-S3session-Token` among the auth parameters), service
  `s3express`, over seeded random requests. The time is fixed per request by
  replacing `botocore.auth.get_current_datetime` (as botocore_vectors.py
  does); canonical request, string to sign and signature are captured where
  `add_auth` used them.
* Inputs are written in canonical form (paths and queries percent-encoded
  with upper-case escapes, unreserved bytes bare, no `+`, no repeated or
  valueless keys), because botocore's S3 signers sign the URL as given
  (header mode) or re-encode it with parse_qs/percent_encode_sequence
  (presign); sigv4rs canonicalizes, so on canonical input both agree and
  any difference is a signing difference.
* CreateSession: botocore's REST-XML parser with the s3 model's
  `CreateSession` output shape reads each document of CREATE_SESSION; the
  four credential fields it returns are recorded (Expiration as Unix
  seconds), or `null` when it finds no credentials.
"""

import datetime
import hashlib
import json
import os
import random
import sys

import botocore
import botocore.auth
import botocore.parsers
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

SEED = 15
N_HEADERS = 150
N_PRESIGN = 150
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "s3express-vectors.json")

_now = [None]


def _fixed_now(remove_tzinfo=True):
    t = _now[0]
    return t if remove_tzinfo else t.replace(tzinfo=datetime.timezone.utc)


assert hasattr(botocore.auth, "get_current_datetime")
botocore.auth.get_current_datetime = _fixed_now


class _Capture:
    def string_to_sign(self, request, canonical_request):
        sts = super().string_to_sign(request, canonical_request)
        self.captured = {"canonical_request": canonical_request, "string_to_sign": sts}
        return sts

    def signature(self, string_to_sign, request):
        sig = super().signature(string_to_sign, request)
        self.captured["signature"] = sig
        return sig


class Headers(_Capture, botocore.auth.S3ExpressAuth):
    pass


class Presign(_Capture, botocore.auth.S3ExpressQueryAuth):
    pass


UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def canon(r, n, extra=" !$&'()*+,;=:@/?#[]%\u00fc\u20ac"):
    """n characters, percent-encoded in canonical form (UTF-8, upper hex)."""
    out = []
    for _ in range(n):
        c = r.choice(UNRESERVED) if not extra or r.random() < 0.8 else r.choice(extra)
        if c in UNRESERVED:
            out.append(c)
        else:
            out.extend("%%%02X" % b for b in c.encode())
    return "".join(out)


def b64ish(r, n):
    return "".join(r.choice(UNRESERVED[:62] + "+/") for _ in range(n)) + r.choice(["", "=", "=="])


def random_case(r, i, mode):
    zone = r.choice(["usw2-az1", "use1-az4", "euw1-az1", "apne1-az4"])
    region = {"usw2": "us-west-2", "use1": "us-east-1", "euw1": "eu-west-1", "apne1": "ap-northeast-1"}[
        zone.split("-")[0]
    ]
    bucket = "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(r.randint(3, 20)))
    host = f"{bucket}--{zone}--x-s3.s3express-{zone}.{region}.amazonaws.com"
    if r.random() < 0.1:
        host = f"s3express-{zone}.{region}.amazonaws.com"  # path style
    segs = [canon(r, r.randint(0, 12)) for _ in range(r.randint(1, 4))]
    path = "/" + "/".join(segs)
    params, seen = [], set()
    for _ in range(r.choice([0, 0, 1, 2, 4])):
        k = canon(r, r.randint(1, 8))
        if k in seen or k.lower().startswith("x-amz-"):
            continue
        seen.add(k)
        params.append(f"{k}={canon(r, r.randint(0, 10))}")
    if mode == "headers" and r.random() < 0.1:
        params.append(r.choice(["session", "uploads", "acl"]) + "")  # valueless: header mode only
    url = f"https://{host}{path}" + ("?" + "&".join(params) if params else "")
    method = r.choice(["GET", "GET", "PUT", "HEAD", "DELETE", "POST"])
    headers = []
    if r.random() < 0.4:
        headers.append(("Content-Type", r.choice(["text/plain", "application/octet-stream", "image/png"])))
    if r.random() < 0.3:
        headers.append(("x-amz-meta-" + canon(r, 4, extra="").lower(), canon(r, 12, extra="")))
    if mode == "headers" and r.random() < 0.2:
        headers.append(("Range", "bytes=0-%d" % r.randint(1, 9999)))
    body = ""
    if method in ("PUT", "POST") and mode == "headers" and r.random() < 0.7:
        body = "".join(r.choice(UNRESERVED + " \n") for _ in range(r.randint(0, 300)))
    t = datetime.datetime(2023, 11, 28) + datetime.timedelta(seconds=r.randint(0, 3 * 365 * 86400))
    return {
        "id": f"{mode}-{i}",
        "mode": mode,
        "method": method,
        "url": url,
        "headers": [list(h) for h in headers],
        "body": body,
        "region": region,
        "service": "s3express",
        "access_key_id": "ASIA" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        "secret_access_key": b64ish(r, 40),
        "session_token": b64ish(r, r.randint(20, 400)),
        "unix_time": int(t.replace(tzinfo=datetime.timezone.utc).timestamp()),
        "time": t,
        "expires": r.choice([1, 300, 3600, 604800]) if mode == "presign" else None,
        "payload_signing": mode == "presign" or r.random() < 0.8,
    }


def sign(c):
    _now[0] = c.pop("time")
    creds = Credentials(c["access_key_id"], c["secret_access_key"], c["session_token"])
    if c["mode"] == "presign":
        auth = Presign(creds, c["service"], c["region"], identity_cache=None, expires=c["expires"])
    else:
        auth = Headers(creds, c["service"], c["region"], identity_cache=None)
    req = AWSRequest(method=c["method"], url=c["url"], headers=dict(c["headers"]), data=c["body"].encode() or None)
    if not c["payload_signing"]:
        req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    auth.add_auth(req)
    out = dict(auth.captured)
    creq = out["canonical_request"]
    payload = creq.rsplit("\n", 1)[1]
    if c["mode"] == "presign":
        assert payload == "UNSIGNED-PAYLOAD"
        assert "X-Amz-S3session-Token=" in req.url and "Security-Token" not in req.url
        out["presigned_url"] = req.url
    else:
        want = hashlib.sha256(c["body"].encode()).hexdigest() if c["payload_signing"] else "UNSIGNED-PAYLOAD"
        assert payload == want, c["id"]
        assert "x-amz-security-token" not in creq
        out["output_headers"] = [
            [n, req.headers[n]]
            for n in ("X-Amz-Date", "x-amz-s3session-token", "X-Amz-Content-SHA256", "Authorization")
        ]
    assert creq.split("\n")[-2].count("x-amz-s3session-token") == (c["mode"] == "headers")
    c.update(out)
    return c


NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
TOKEN = "AgAAAJbBhYrC2Lmq3VXGjZmkEXAMPLEtokenQf0c3Fz8Q2YvKb4t7yPZ1aN0uF6X+k/9m5r8w=="


def cs(body, ns=NS, decl=True):
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if decl else ""
    return f"{head}<CreateSessionResult{ns}>{body}</CreateSessionResult>"


def creds_xml(akid="ASIAIOSFODNN7EXAMPLE", secret="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token=TOKEN,
              exp="2023-11-28T20:34:56Z", order=(0, 1, 2, 3)):
    parts = [
        f"<AccessKeyId>{akid}</AccessKeyId>",
        f"<Expiration>{exp}</Expiration>",
        f"<SecretAccessKey>{secret}</SecretAccessKey>",
        f"<SessionToken>{token}</SessionToken>",
    ]
    return "<Credentials>" + "".join(parts[i] for i in order) + "</Credentials>"


# The API reference's Response Syntax (element order, namespace), with values.
CREATE_SESSION = [
    ("api-reference-shape", cs("\n   " + creds_xml() + "\n")),
    ("no-declaration-no-namespace", cs(creds_xml(order=(3, 2, 1, 0)), ns="", decl=False)),
    ("sse-fields-first", cs("<ServerSideEncryption>aws:kms</ServerSideEncryption>"
                            "<SSEKMSKeyId>arn:aws:kms:us-west-2:111122223333:key/01</SSEKMSKeyId>"
                            "<BucketKeyEnabled>true</BucketKeyEnabled>" + creds_xml())),
    ("fractional-expiration", cs(creds_xml(exp="2024-02-29T23:59:59.123Z"))),
    ("secret-with-references", cs(creds_xml(secret="a&amp;b&lt;c&#x2F;d&#43;e"))),
    ("secret-in-cdata", cs(creds_xml(secret="<![CDATA[cd&ata/secret]]>"))),
    ("prefixed-namespace", '<s3:CreateSessionResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">'
                           + creds_xml().replace("<", "<s3:").replace("<s3:/", "</s3:")
                           + "</s3:CreateSessionResult>"),
    ("no-credentials", cs("<ServerSideEncryption>AES256</ServerSideEncryption>")),
]


def parse_create_session(xml):
    session = botocore.session.get_session()
    op = session.get_service_model("s3").operation_model("CreateSession")
    parsed = botocore.parsers.create_parser("rest-xml").parse(
        {"body": xml.encode(), "headers": {}, "status_code": 200}, op.output_shape
    )
    c = parsed.get("Credentials")
    if not c:
        return None
    return {
        "access_key_id": c["AccessKeyId"],
        "secret_access_key": c["SecretAccessKey"],
        "session_token": c["SessionToken"],
        "expiration": int(c["Expiration"].timestamp()),
    }


def main():
    r = random.Random(SEED)
    cases = [sign(random_case(r, i, "headers")) for i in range(N_HEADERS)]
    cases += [sign(random_case(r, i, "presign")) for i in range(N_PRESIGN)]
    docs = [{"id": n, "xml": x, "credentials": parse_create_session(x)} for n, x in CREATE_SESSION]
    doc = {
        "generator": "tests/tools/s3express_vectors.py",
        "botocore_version": botocore.__version__,
        "python_version": sys.version.split()[0],
        "seed": SEED,
        "cases": cases,
        "create_session": docs,
    }
    with open(os.path.normpath(OUT), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"wrote {len(cases)} signing cases and {len(docs)} CreateSession documents (botocore {botocore.__version__})")


if __name__ == "__main__":
    main()
