"""A scripted HTTP/1.1 server on loopback for the IMDS and container tests.

Each route ((method, path)) answers from a list of steps, one per request,
the last one repeating; a path without a route gets a 404. Every request is
logged (method, path, headers with lower-case names). The server reads the
request itself (not http.server) so that a step can answer with raw bytes,
drip its answer, stall or close without answering. Standard library only.
"""
import socket
import socketserver
import threading
import time


class Step:
    """One answer. `status`/`body`/`headers` make a normal response
    (Content-Length, or chunked when `chunked`); `raw` is sent verbatim;
    `delay` seconds pass first; `drip` sends the last `drip[0]` bytes one at
    a time, `drip[1]` seconds apart; `close` closes without answering.
    `check(request) -> Step|None` may replace the step (e.g. a 401 when a
    required header is missing)."""

    def __init__(self, status=200, body=b"", headers=None, raw=None, delay=0.0, drip=None,
                 chunked=False, close=False, check=None):
        self.status, self.body = status, body if isinstance(body, bytes) else body.encode()
        self.headers, self.raw, self.delay, self.drip = headers or {}, raw, delay, drip
        self.chunked, self.close, self.check = chunked, close, check

    def wire(self):
        if self.raw is not None:
            return self.raw
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                  404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error",
                  503: "Service Unavailable"}.get(self.status, "Status")
        head = [f"HTTP/1.1 {self.status} {reason}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.chunked:
            head.append("Transfer-Encoding: chunked")
            body = b""
            for i in range(0, len(self.body), 7):
                piece = self.body[i:i + 7]
                body += b"%x\r\n%s\r\n" % (len(piece), piece)
            body += b"0\r\n\r\n"
        else:
            head.append(f"Content-Length: {len(self.body)}")
            body = self.body
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class FakeServer:
    def __init__(self, routes, host="127.0.0.1"):
        self.routes = {k: list(v) for k, v in routes.items()}
        self.hits = {}
        self.log = []
        self.lock = threading.Lock()
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                fake._handle(self.request)

        family = socket.AF_INET6 if ":" in host else socket.AF_INET

        class Server(socketserver.ThreadingTCPServer):
            address_family = family
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server((host, 0), Handler)
        self.host, self.port = host, self.server.server_address[1]
        # A short poll: shutdown() waits for it.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self):
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{h}:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def requests(self):
        with self.lock:
            return list(self.log)

    def _handle(self, sock):
        sock.settimeout(10)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = (lines[0].split(" ") + ["", "", ""])[:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        n = int(headers.get("content-length", "0") or 0)
        try:
            while len(rest) < n:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                rest += chunk
        except OSError:
            pass
        req = {"method": method, "path": target, "headers": headers, "body": rest[:n]}
        key = (method, target)
        with self.lock:
            self.log.append(req)
            steps = self.routes.get(key)
            i = self.hits.get(key, 0)
            self.hits[key] = i + 1
        step = Step(404, b"Not Found") if not steps else steps[min(i, len(steps) - 1)]
        if step.check is not None:
            step = step.check(req) or step
        try:
            if step.delay:
                time.sleep(step.delay)
            if step.close:
                return
            wire = step.wire()
            if step.drip:
                k, gap = step.drip
                sock.sendall(wire[:-k])
                for b in wire[-k:]:
                    time.sleep(gap)
                    sock.sendall(bytes([b]))
            else:
                sock.sendall(wire)
        except OSError:
            pass
        finally:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
