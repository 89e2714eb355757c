#!/usr/bin/env python3
"""A loopback S3-style PUT endpoint that checks SigV4 on its own (hashlib and
hmac from the AWS specification, no sigv4rs code): the examples' end-to-end
check.

put_server.py PORT_FILE AKID SECRET: serves 127.0.0.1 on a free port (written
to PORT_FILE) until killed. Each PUT is answered 200 when its Authorization
header verifies (key id, scope, signed headers host, content-type and
x-amz-*, payload hash = the body's, date within 15 minutes), else 403 with
the reason; one line per request on stdout: `PUT <path> <status> <reason>
<body sha256>`.
"""
import datetime
import hashlib
import hmac
import http.server
import sys
import urllib.parse

PORT_FILE, AKID, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]


def canonical_query(query):
    pairs = []
    for part in query.split("&") if query else []:
        k, _, v = part.partition("=")
        enc = lambda s: urllib.parse.quote(urllib.parse.unquote_plus(s), safe="-_.~")
        pairs.append((enc(k), enc(v)))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def verify(method, target, headers, body):
    """None when the request is signed right, else why not."""
    auth = headers.get("Authorization", "")
    prefix = "AWS4-HMAC-SHA256 "
    if not auth.startswith(prefix):
        return "no-sigv4-authorization"
    fields = dict(p.strip().split("=", 1) for p in auth[len(prefix):].split(","))
    akid, day, region, service, term = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    amz_date = headers.get("X-Amz-Date", "")
    payload_hash = headers.get("X-Amz-Content-SHA256", "")
    if akid != AKID or term != "aws4_request" or service != "s3" or not amz_date.startswith(day):
        return "credential-scope"
    if not {"host", "content-type", "x-amz-date", "x-amz-content-sha256"} <= set(signed):
        return "signed-headers"
    if payload_hash != hashlib.sha256(body).hexdigest():
        return "payload-hash"
    sent = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    if abs((datetime.datetime.now(datetime.timezone.utc) - sent).total_seconds()) > 900:
        return "clock-skew"
    url = urllib.parse.urlsplit(target)
    canon_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed)
    creq = "\n".join([method, url.path, canonical_query(url.query), canon_headers, ";".join(signed), payload_hash])
    scope = f"{day}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + SECRET).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(want, fields.get("Signature", "")) else "signature"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        why = verify("PUT", self.path, self.headers, body)
        status = 200 if why is None else 403
        reply = b"" if why is None else f"<Error><Code>SignatureDoesNotMatch</Code><Reason>{why}</Reason></Error>".encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
        print(f"PUT {self.path} {status} {why or 'ok'} {hashlib.sha256(body).hexdigest()}", flush=True)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
__import__("os").rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
