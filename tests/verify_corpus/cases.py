#!/usr/bin/env python3
"""Deterministic request inputs for one reference signer (stdlib only).

    python3 cases.py SIGNER COUNT_PER_FORM SEED > cases.jsonl

SIGNER is botocore, gosdk or ruby. Writes COUNT_PER_FORM header-form and as
many query-form inputs, interleaved (header, query, header, ...), one JSON
object a line. The signer's generator (botocore_gen.py, gosdk/main.go,
ruby_gen.rb) signs each and writes the corpus line; a generator may reject
an input it cannot sign the AWS way (gosdk: the query-order rule, see
README), so the driver asks for more inputs than it keeps.

Every input is something a server receives byte for byte as the signer
signed it (README, "What the inputs cover and leave out"):
* hosts lower-case, no explicit default port;
* paths written as sent: unreserved characters, upper-case %XX (spaces,
  reserved characters, UTF-8), and for non-S3 raw sub-delims; S3 paths are
  in canonical (single-encoded) form; `.` and empty segments only where the
  signer normalizes the AWS way (botocore non-S3) or nothing is normalized
  (S3);
* queries in canonical form (unreserved + upper-case %XX), so no signer
  re-encodes them differently from a server;
* header values printable ASCII (UTF-8 for gosdk and ruby), inner runs of
  spaces, no tabs, no whole-quoted value with inner runs; repeated header
  lines (not for botocore);
* no body for botocore's presigned requests.
"""

import json
import random
import sys

UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
RESERVED = " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}"
NON_ASCII = ["é", "ሴ", "😀", "ü", "日本"]
SUB_DELIMS = "!$&'()+,;=:@"  # raw in non-S3 paths ('*' left out: ruby keeps it raw)
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

REGIONS = ["us-east-1", "eu-west-3", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "sa-east-1"]
SERVICES = ["execute-api", "es", "sts", "dynamodb", "lambda", "sqs", "iam", "aoss", "monitoring"]
S3_HOSTS = ["examplebucket.s3.amazonaws.com", "s3.us-west-2.amazonaws.com", "my.bucket.s3.eu-west-3.amazonaws.com",
            "localhost:9000", "127.0.0.1:9000", "minio.local:9000"]
HOSTS = ["example.amazonaws.com", "abc123.execute-api.us-east-1.amazonaws.com", "sts.amazonaws.com",
         "search-domain-x.us-west-2.es.amazonaws.com", "dynamodb.eu-west-3.amazonaws.com", "localhost:8080",
         "127.0.0.1:8443", "api.internal.example:8000"]
HEADER_NAMES = ["Content-Type", "content-type", "X-Amz-Meta-Color", "x-amz-meta-a_b", "X-Custom", "x-custom",
                "Accept", "Range", "If-Match", "If-None-Match", "X-Amz-Acl", "x-amz-storage-class", "Cache-Control",
                "Content-MD5", "X-Amz-Target", "X-Amz-Tagging", "Content-Encoding", "Accept-Language",
                "X-Forwarded-For", "My-Header1", "X-Amz-Grant-Read", "x-amz-server-side-encryption"]
UNSIGNED_NAMES = ["User-Agent", "X-Amzn-Trace-Id"]  # present, never signed by any of the three
WORDS = ["a", "Value", "x=y", "a,b", "(paren)", "1;2", "bytes=0-9", "application/json", "UPPER", "*/*", "%41",
         "text/plain; charset=utf-8", "\"etag-1\"", "gzip", "en-US,en;q=0.5", "/path/x", "k:v", "~tilde", "a+b"]
WORDS_UTF8 = ["café", "ሴ", "über"]
METHODS = ["GET", "GET", "PUT", "POST", "DELETE", "HEAD"]


def esc(s):
    return "".join("%%%02X" % b for b in s.encode("utf-8"))


class Gen:
    def __init__(self, signer, seed):
        self.signer = signer
        self.r = random.Random("%s/%s" % (seed, signer))

    def pick(self, xs):
        return xs[self.r.randrange(len(xs))]

    # --- path
    def segment(self, s3):
        out = []
        for _ in range(1 + self.r.randrange(8)):
            x = self.r.random()
            if x < 0.65:
                out.append(self.pick(UNRESERVED))
            elif x < 0.75:
                # %20 (space), %25, %3F ...; %2F only for non-S3 (S3: whether a
                # server decodes it to '/' before encoding the path is unclear)
                c = self.pick(RESERVED)
                out.append(esc("%" if (s3 and c == "/") else c))
            elif x < 0.87:
                out.append(esc(self.pick(NON_ASCII)))
            elif not s3:
                out.append(self.pick(SUB_DELIMS))
            else:
                out.append(esc(self.pick(SUB_DELIMS)))
        seg = "".join(out)
        if seg in (".", ".."):
            seg += "x"
        return seg

    def path(self, s3):
        # Dot and empty segments: S3 (never normalized, `..` left out) and
        # botocore non-S3 (normalized as AWS does); never last for
        # botocore non-S3 (its trailing-slash rule after a final `.`/`..`
        # differs from RFC 3986's).
        dots = s3 or self.signer == "botocore"
        specials = [".", ""] if s3 else [".", "..", ""]
        segs = []
        for _ in range(self.r.randrange(6)):
            if dots and self.r.random() < 0.15:
                segs.append(self.pick(specials))
            else:
                segs.append(self.segment(s3))
        if dots and not s3 and segs and segs[-1] in (".", ".."):
            segs.append(self.segment(s3))
        p = "/" + "/".join(segs)
        if segs and self.r.random() < 0.2 and not p.endswith("/"):
            p += "/"
        if dots and self.r.random() < 0.05:
            p = "/" + p  # leading '//'
        return p

    # --- query (canonical form)
    def qword(self, allow_empty=True):
        if allow_empty and self.r.random() < 0.05:
            return ""
        out = []
        for _ in range(1 + self.r.randrange(6)):
            x = self.r.random()
            if x < 0.7:
                out.append(self.pick(UNRESERVED))
            elif x < 0.9:
                out.append(esc(self.pick(RESERVED)))  # %26 %3D %2B %20 ...
            else:
                out.append(esc(self.pick(NON_ASCII)))
        return "".join(out)

    def query(self, form):
        # botocore presign keeps one value per key (parse_qs): no repeats there.
        repeats = not (self.signer == "botocore" and form == "query")
        pairs = []  # (key, value or None for a bare key)
        for _ in range(self.r.choice([0, 0, 1, 2, 3, 4, 6])):
            x = self.r.random()
            if x < 0.15 and pairs and repeats:
                k = self.pick(pairs)[0]
                pairs.append((k, self.qword(allow_empty=False)))
            elif x < 0.25:
                pairs.append((self.qword(False), None))  # ?acl
            elif x < 0.35:
                pairs.append((self.qword(False), ""))  # ?k=
            else:
                pairs.append((self.qword(False), self.qword()))
        # Keys starting X-Amz- would collide with the presign parameters.
        pairs = [(k, v) for k, v in pairs if not k.lower().startswith("x-amz-")]
        if self.signer == "ruby":
            # The gem's sort compares nil with a String (raises) when a
            # repeated key has an empty or missing value.
            keys = [k for k, _ in pairs]
            pairs = [(k, "v" if (keys.count(k) > 1 and not v) else v) for k, v in pairs]
        return "&".join(k if v is None else "%s=%s" % (k, v) for k, v in pairs)

    # --- headers
    def value(self):
        x = self.r.random()
        if x < 0.06:
            return ""
        words = [self.pick(WORDS) for _ in range(1 + self.r.randrange(4))]
        if self.signer != "botocore" and self.r.random() < 0.15:
            words.append(self.pick(WORDS_UTF8))
        v = words[0]
        for w in words[1:]:
            v += self.pick([" ", " ", "  ", "   "]) + w
        if v.startswith('"') and v.endswith('"') and "  " in v:
            v = v + "x"
        if self.r.random() < 0.15:
            v = self.pick([" ", "  "]) + v
        if self.r.random() < 0.15:
            v = v + self.pick([" ", "  "])
        return v

    def headers(self, s3, form):
        hs = []
        used = set()
        for _ in range(self.r.choice([0, 1, 1, 2, 3, 4, 5])):
            name = self.pick(HEADER_NAMES)
            # botocore's prepared request keeps one line per name
            # (HeadersDict) though it signed them all: no repeats there.
            if name.lower() in used and (self.signer == "botocore" or self.r.random() < 0.5):
                continue
            used.add(name.lower())
            hs.append([name, self.value()])
            if self.r.random() < 0.1 and self.signer != "botocore":
                # a repeated header: a second line with the same name
                hs.append([name if self.r.random() < 0.5 else name.lower(), self.value()])
        if self.r.random() < 0.15:
            hs.append([self.pick(UNSIGNED_NAMES), "agent/1.0  (x)"])
        return hs

    def body(self, method):
        if method in ("GET", "HEAD") or self.r.random() < 0.25:
            return b""
        if self.r.random() < 0.5:
            return ("".join(self.pick(UNRESERVED + " \n{}:\",") for _ in range(self.r.randrange(1, 300)))).encode()
        return bytes(self.r.randrange(256) for _ in range(self.r.randrange(1, 600)))

    def expires(self):
        x = self.r.random()
        if x < 0.1:
            return 1
        if x < 0.2:
            return 604800
        if x < 0.35:
            return self.pick([60, 300, 900, 3600, 86400])
        return self.r.randrange(1, 604801)

    def case(self, i, form):
        r = self.r
        s3 = r.random() < 0.5
        method = self.pick(METHODS)
        scheme = "https" if r.random() < 0.8 else "http"
        host = self.pick(S3_HOSTS if s3 else HOSTS)
        path = self.path(s3)
        query = self.query(form)
        headers = self.headers(s3, form)
        body = self.body(method)
        if self.signer == "botocore" and form == "query":
            body = b""  # SigV4QueryAuth moves a body into the query (as JSON)
        token = None
        if r.random() < 0.35:
            token = "".join(self.pick(B64) for _ in range(r.randrange(16, 400))) + self.pick(["", "=", "=="])
        akid = "AKIA" + "".join(self.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        if r.random() < 0.1:
            akid = "ASIA" + akid[4:]
        secret = "".join(self.pick(B64) for _ in range(40))
        return {
            "id": i,
            "form": form,
            "s3": s3,
            "method": method,
            "scheme": scheme,
            "host": host,
            "path": path,
            "query": query,
            "headers": headers,
            "body_hex": body.hex(),
            "access_key_id": akid,
            "secret_access_key": secret,
            "session_token": token,
            "region": self.pick(REGIONS),
            "service": "s3" if s3 else self.pick(SERVICES),
            "time": r.randrange(1420070400, 1893456000),  # 2015..2030
            "expires": self.expires() if form == "query" else None,
            # S3 only: sign UNSIGNED-PAYLOAD in header form (x-amz-content-sha256)
            "unsigned_payload": s3 and form == "header" and r.random() < 0.25,
            # gosdk: presign with header hoisting (X-Amz-* into the query) on or off
            "hoist": r.random() < 0.5,
            # ruby, non-S3: apply_checksum_header
            "checksum_header": r.random() < 0.5,
        }


def main():
    signer, count, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if signer not in ("botocore", "gosdk", "ruby"):
        sys.exit("cases.py: unknown signer %r" % signer)
    g = Gen(signer, seed)
    out = sys.stdout
    for i in range(count):
        for form in ("header", "query"):
            out.write(json.dumps(g.case(2 * i + (form == "query"), form), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
