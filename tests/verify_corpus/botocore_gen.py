#!/usr/bin/env python3
"""botocore signer: reads cases.py inputs on stdin, writes corpus lines.

    python botocore_gen.py COUNT_PER_FORM < cases.jsonl > botocore.jsonl
    python botocore_gen.py resign < other.jsonl   (one JSON summary line)

Needs botocore (target/pyvenv). Header form: SigV4Auth (non-S3) and
S3SigV4Auth (S3; UNSIGNED-PAYLOAD through the client config's
s3.payload_signing_enabled=False, as botocore does for S3). Query form:
SigV4QueryAuth and S3SigV4QueryAuth. The time is botocore's own
get_current_datetime, replaced in botocore.auth. The line's headers are
those of the prepared request (AWSRequest.prepare(): the signer's headers,
the caller's, Content-Length) after a Host header equal to the one
botocore signed (http.client sends it first).
"""

import datetime
import json
import sys

import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

_now = [None]


def _fixed_now(remove_tzinfo=True):
    t = _now[0]
    return t if remove_tzinfo else t.replace(tzinfo=datetime.timezone.utc)


auth.get_current_datetime = _fixed_now


def capture(cls):
    class Captured(cls):
        def string_to_sign(self, request, canonical_request):
            self.creq = canonical_request
            return super().string_to_sign(request, canonical_request)

    return Captured


SIGNERS = {
    ("header", False): capture(auth.SigV4Auth),
    ("header", True): capture(auth.S3SigV4Auth),
    ("query", False): capture(auth.SigV4QueryAuth),
    ("query", True): capture(auth.S3SigV4QueryAuth),
}


def sign(c):
    url = "%s://%s%s" % (c["scheme"], c["host"], c["path"])
    if c["query"]:
        url += "?" + c["query"]
    body = bytes.fromhex(c["body_hex"])
    req = AWSRequest(method=c["method"], url=url, data=body)
    for name, value in c["headers"]:
        req.headers[name] = value  # HTTPHeaders: a second assignment adds a line
    if c["unsigned_payload"]:
        req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    creds = Credentials(c["access_key_id"], c["secret_access_key"], c["session_token"])
    cls = SIGNERS[(c["form"], c["s3"])]
    if c["form"] == "query":
        signer = cls(creds, c["service"], c["region"], expires=c["expires"])
    else:
        signer = cls(creds, c["service"], c["region"])
    _now[0] = datetime.datetime.fromtimestamp(c["time"], datetime.timezone.utc).replace(tzinfo=None)
    signer.add_auth(req)
    prepared = req.prepare()
    headers = [["host", auth._host_from_url(prepared.url)]]
    headers += [[k, v] for k, v in prepared.headers.items()]
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return {
        "signer": "botocore",
        "form": c["form"],
        "s3": c["s3"],
        "method": prepared.method,
        "url": prepared.url,
        "headers": headers,
        "body_hex": body.hex(),
        "access_key_id": c["access_key_id"],
        "secret_access_key": c["secret_access_key"],
        "session_token": c["session_token"],
        "region": c["region"],
        "service": c["service"],
        "time": c["time"],
        "expires": c["expires"],
        "id": c["id"],
        "signed_payload": signer.creq.rsplit("\n", 1)[1],
        "canonical_request": signer.creq,
    }


class _Resigner(auth.SigV4Auth):
    """SigV4Auth, the path kept as written for S3 lines (S3SigV4Auth would
    replace a signed X-Amz-Content-SHA256 such as UNSIGNED-PAYLOAD)."""

    s3 = False

    def _normalize_url_path(self, path):
        return path if self.s3 else super()._normalize_url_path(path)


def resign(line):
    """Re-signs a header-form line with the headers it signed; returns
    (botocore's Authorization, the line's)."""
    theirs = next(v for k, v in line["headers"] if k.lower() == "authorization")
    signed = theirs.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    req = AWSRequest(method=line["method"], url=line["url"], data=bytes.fromhex(line["body_hex"]))
    for name, value in line["headers"]:
        if name.lower() in signed:
            req.headers[name] = value
    signer = _Resigner(Credentials(line["access_key_id"], line["secret_access_key"], line["session_token"]),
                       line["service"], line["region"])
    signer.s3 = line["s3"]
    _now[0] = datetime.datetime.fromtimestamp(line["time"], datetime.timezone.utc).replace(tzinfo=None)
    signer.add_auth(req)
    return req.headers["Authorization"], theirs


def resign_all():
    res = {k: {"Checked": 0, "Agree": 0, "Disagree": []} for k in ("s3", "non-s3")}
    for raw in sys.stdin:
        line = json.loads(raw)
        if line["form"] != "header":
            continue
        c = res["s3" if line["s3"] else "non-s3"]
        c["Checked"] += 1
        try:
            ours, theirs = resign(line)
        except Exception as e:  # reported as a disagreement
            ours, theirs = "error: %r" % e, None
        if ours == theirs:
            c["Agree"] += 1
        else:
            c["Disagree"].append(line["id"])
    print(json.dumps(res))


def main():
    if sys.argv[1:] == ["resign"]:
        return resign_all()
    want = int(sys.argv[1])
    done = {"header": 0, "query": 0}
    out = sys.stdout
    for line in sys.stdin:
        c = json.loads(line)
        if done[c["form"]] >= want:
            continue
        out.write(json.dumps(sign(c)) + "\n")
        done[c["form"]] += 1
    if min(done.values()) < want:
        sys.exit("botocore_gen: only %r lines, want %d per form" % (done, want))


if __name__ == "__main__":
    main()
