#!/usr/bin/env python3
"""The Python adapter of tests/interop/run.py (protocol: tests/interop/README.md).

One JSON request a line on stdin, one JSON answer a line on stdout: what
sigv4rs.Signer produced (ops sign, presign, chunked), what
urlencode or requests wrote (form_encode), or how a request signed with
SigV4Auth or sign_streaming and sent with requests went (roundtrip). run.py
starts it with target/pyvenv's python when there is one, for requests.
"""
import hashlib
import json
import resource
import sys
import urllib.parse

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import sigv4rs  # noqa: E402

CHUNK = 65536
# Byte i of every test object is (i*31+7) % 251.
PATTERN = bytes((i * 31 + 7) % 251 for i in range(251))
BLOCK = PATTERN * (CHUNK // 251 + 2)


def gen(off, n):
    parts = []
    while n > 0:
        start = off % 251
        k = min(n, len(BLOCK) - start)
        parts.append(BLOCK[start:start + k])
        off, n = off + k, n - k
    return b"".join(parts)


def pieces(n, size=CHUNK):
    """n bytes of test data in pieces of size, made as they are read."""
    return (gen(o, min(size, n - o)) for o in range(0, n, size))


def body(q):
    return gen(0, q["gen"]) if "gen" in q else q.get("body", "").encode()


def payload(q):
    """The payload arguments: the body, a hash made piece by piece, or UNSIGNED-PAYLOAD."""
    if q.get("payload") == "unsigned":
        return {"unsigned_payload": True}
    if q.get("payload") == "hash":
        h = hashlib.sha256()
        for p in pieces(q["gen"]):
            h.update(p)
        return {"payload_hash": h.hexdigest()}
    return {"body": body(q)}


def sign(s, q):
    return {"headers": list(s.sign(q["method"], q["url"], q["headers"], time=q["time"], **payload(q)).items())}


def presign(s, q):
    return {"url": s.presign(q["method"], q["url"], q["expires"], q["headers"], time=q["time"])}


def stream(s, q, source=None):
    return s.sign_streaming(q["method"], q["url"], q["gen"], q["headers"], q["chunk"], q["mode"],
                            q["checksum"] or None, q["time"], source)


def chunked(s, q):
    headers, enc = stream(s, q)
    frames = [enc.sign_chunk(p) for p in pieces(q["gen"], q["chunk"])] + [enc.finish()]
    return {"headers": list(headers.items()), "frames": [f.decode() for f in frames]}


def form_encode(s, q):
    params = [tuple(p) for p in q["params"]]
    if q.get("how") == "requests":
        import requests
        return {"url": requests.Request("GET", q["url"], params=params).prepare().url}
    return {"url": q["url"] + "?" + urllib.parse.urlencode(params)}


def roundtrip(s, q):
    import requests
    from sigv4rs.requests_auth import SigV4Auth

    session = requests.Session()
    session.trust_env = False  # no netrc, no proxies: loopback only
    headers, auth, enc = dict(q["headers"]), None, None
    if q.get("mode"):
        signed, enc = stream(s, q, pieces(q["gen"]))
        headers.update(signed)
        p = session.prepare_request(requests.Request(q["method"], q["url"], headers=headers, data=enc))
    else:
        auth = SigV4Auth(q["ak"], q["sk"], q["region"], q["service"], session_token=q["token"] or None,
                         s3=q["s3"], clock=lambda: q["time"])
        p = session.prepare_request(requests.Request(q["method"], q["url"], headers=headers, data=body(q) or None))
    # requests writes the host lower-case; keep it as given, so that SigV4Auth
    # has to send the Host the library signed.
    p.url = q["url"]
    if auth:
        p.prepare_auth(auth)
    h, n, head = hashlib.sha256(), 0, b""
    with session.send(p, stream=True, timeout=60) as r:
        for piece in r.raw.stream(CHUNK, decode_content=False):
            h.update(piece)
            n += len(piece)
            head += piece[:max(0, 4096 - len(head))]
    out = {"status": r.status_code, "length": n, "sha256": h.hexdigest(), "body": head.decode("utf-8", "replace"),
           "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if enc is not None:
        out.update(sent=enc.produced, declared=int(headers["Content-Length"]))
    return out


OPS = {"sign": sign, "presign": presign, "chunked": chunked, "form_encode": form_encode, "roundtrip": roundtrip}


def main():
    for line in sys.stdin:
        q = json.loads(line)
        try:
            op = OPS[q["op"]]
            with sigv4rs.Signer(q["ak"], q["sk"], q["region"], q["service"], session_token=q["token"] or None,
                                s3=q["s3"]) as s:
                ans = op(s, q)
        except Exception as e:  # noqa: BLE001 - a refusal is an answer; run.py judges it
            ans = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(ans), flush=True)


if __name__ == "__main__":
    main()
