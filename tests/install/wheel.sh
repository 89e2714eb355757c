#!/usr/bin/env bash
# The Python package as pip installs it (issue 14): `python -m build` makes
# the sdist and, from it, the wheel; a fresh venv installs the sdist (cargo
# builds libsigv4rs.so into the package), then, with SIGV4RS_LIB unset, the
# requests drop-in signs requests to a local server that checks each
# signature with botocore. `pip install ./bindings/python` is checked too.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export W=$ROOT/target/install/wheel
PKG=$ROOT/bindings/python
PYTHON=${PYTHON:-python3}

# The cargo target dir stays between runs: cargo rebuilds only what changed
# (its fingerprints follow the sources' mtimes, which the sdist keeps).
mkdir -p "$W"
find "$W" -mindepth 1 -maxdepth 1 ! -name cargo -exec rm -rf {} +
export CARGO_TARGET_DIR=$W/cargo
unset SIGV4RS_LIB PYTHONPATH
export PYTHONNOUSERSITE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# setuptools leaves these in the package directory.
trap 'rm -rf "$PKG/build" "$PKG/sigv4rs.egg-info"' EXIT

now() { date +%s%N; }
secs() { echo $(( ($2 - $1 + 500000000) / 1000000000 )); }
t0=$(now)

"$PYTHON" -m venv "$W/tools"
"$W/tools/bin/pip" install --quiet build==1.6.1 packaging==26.4 pyproject_hooks==1.3.3
t=$(now)
"$W/tools/bin/python" -m build --outdir "$W/dist" "$PKG" > "$W/build.log" 2>&1 || {
  tail -n 40 "$W/build.log" >&2; echo "wheel: python -m build failed (log: $W/build.log)" >&2; exit 1; }
build_s=$(secs "$t" "$(now)")
sdist=$(echo "$W"/dist/sigv4rs-*.tar.gz)
wheel=$(echo "$W"/dist/sigv4rs-*.whl)

# The wheel: any Python 3 (ctypes, no extension module), this platform; the
# library and py.typed inside the package; the sdist has the crate.
"$W/tools/bin/python" - "$wheel" "$sdist" <<'EOF'
import sys, tarfile, zipfile
wheel, sdist = sys.argv[1:]
tag = wheel.rsplit("/", 1)[1].split("-", 2)[2]
assert tag.startswith("py3-none-linux_"), "wheel tag: " + tag
names = set(zipfile.ZipFile(wheel).namelist())
for need in ("sigv4rs/libsigv4rs.so", "sigv4rs/py.typed", "sigv4rs/requests_auth.py"):
    assert need in names, "wheel: no " + need
assert not any(n.startswith("sigv4rs/") and n.endswith(".so") and n != "sigv4rs/libsigv4rs.so" for n in names), names
top = sdist.rsplit("/", 1)[1][:-len(".tar.gz")]
members = set(tarfile.open(sdist).getnames())
for need in ("Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "src/lib.rs", "include/sigv4rs.h"):
    assert "%s/crate/%s" % (top, need) in members, "sdist: no crate/" + need
EOF

# A fresh venv installs the sdist: pip builds it (no wheel cache: every run
# compiles through setup.py), then the test's own tools, pinned as the
# binding's tests pin them.
"$PYTHON" -m venv "$W/venv"
t=$(now)
"$W/venv/bin/pip" install -v --no-cache-dir "$sdist" > "$W/install.log" 2>&1 || {
  tail -n 40 "$W/install.log" >&2; echo "wheel: pip install of the sdist failed" >&2; exit 1; }
install_s=$(secs "$t" "$(now)")
# cargo ran, on the sdist's own copy of the crate.
grep -Eq 'sigv4rs v[0-9.]+ \(/.*/crate\)' "$W/install.log" || {
  echo "wheel: pip install did not build the sdist's crate with cargo (log: $W/install.log)" >&2; exit 1; }
mapfile -t pins < <(grep -E '^(requests|urllib3|certifi|charset-normalizer|idna|botocore|jmespath|python-dateutil|six)==' \
  "$PKG/requirements-test.txt")
"$W/venv/bin/pip" install --quiet "${pins[@]}"

# Run outside the source tree, so that `import sigv4rs` is the installed one.
cd "$W"
"$W/venv/bin/python" - <<'EOF'
import http.server, os, re, sys, sysconfig, threading

import botocore.auth, botocore.awsrequest, botocore.credentials
import requests

import sigv4rs
from sigv4rs.requests_auth import SigV4Auth

AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                  r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})\Z")


class Verifier(http.server.BaseHTTPRequestHandler):
    """200 when botocore, given what arrived, computes the same signature."""

    def check(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        m = AUTH.match(self.headers.get("Authorization", ""))
        if not m or m.group(1) != AKID:
            return 403, b"no SigV4 Authorization for " + AKID.encode()
        _, _, region, service, signed, got = m.groups()
        headers = {name: self.headers[name] for name in signed.split(";")}
        req = botocore.awsrequest.AWSRequest(self.command, "http://%s%s" % (self.headers["Host"], self.path),
                                             headers=headers, data=body)
        auth = botocore.auth.SigV4Auth(botocore.credentials.Credentials(AKID, SECRET), service, region)
        req.context["timestamp"] = self.headers["X-Amz-Date"]
        want = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
        return (200, b"ok") if want == got else (403, b"botocore signs " + want.encode())

    def respond(self):
        status, text = self.check()
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_PUT = do_POST = respond

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Verifier)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % server.server_address[1]

assert "SIGV4RS_LIB" not in os.environ
auth = SigV4Auth(AKID, SECRET, "eu-west-1", "execute-api", session_token="token/+=")
calls = [
    requests.get(base + "/prod/items", params={"q": "a/b~c", "n": "1"}, auth=auth, timeout=10),
    requests.put(base + "/prod/items/k%20y", data=b'{"v": 1}', headers={"Content-Type": "application/json"},
                 auth=auth, timeout=10),
    requests.post(base + "/prod/", data="caf\u00e9", auth=auth, timeout=10),
]
for r in calls:
    assert r.status_code == 200, (r.request.method, r.request.url, r.status_code, r.text)
# The server does check: another secret is refused.
bad = requests.get(base + "/prod/items", auth=SigV4Auth(AKID, SECRET[:-1] + "X", "eu-west-1", "execute-api"),
                   timeout=10)
assert bad.status_code == 403, bad.status_code
server.shutdown()

# The library is the package's own copy, in this venv's site-packages.
site = os.path.realpath(sysconfig.get_paths()["platlib"])
lib = os.path.realpath(sigv4rs.library_path())
assert lib == os.path.join(site, "sigv4rs", "libsigv4rs.so"), (lib, site)
with open("/proc/self/maps") as maps:
    assert lib in maps.read(), "not mapped: " + lib
assert sigv4rs.version() == sigv4rs.__version__
print("signed %d requests, botocore agrees; loaded %s" % (len(calls), os.path.relpath(lib, os.environ["W"])))
EOF

# From the source tree as the README says (the crate at ../../ there).
"$PYTHON" -m venv "$W/venv-tree"
t=$(now)
"$W/venv-tree/bin/pip" install -v --no-cache-dir "$PKG" > "$W/install-tree.log" 2>&1 || {
  tail -n 40 "$W/install-tree.log" >&2; echo "wheel: pip install ./bindings/python failed" >&2; exit 1; }
tree_s=$(secs "$t" "$(now)")
grep -q 'cargo rustc --lib' "$W/install-tree.log" || { echo "wheel: pip install ./bindings/python did not run cargo" >&2; exit 1; }
"$W/venv-tree/bin/python" -c '
import os, sysconfig, sigv4rs
lib = os.path.realpath(sigv4rs.library_path())
assert lib.startswith(os.path.realpath(sysconfig.get_paths()["platlib"]) + "/sigv4rs/"), lib
with sigv4rs.Signer("AKIDEXAMPLE", "secret", "us-east-1", "s3", s3=True) as s:
    assert "Authorization" in s.sign("GET", "https://b.s3.amazonaws.com/k")
'

kb() { echo $(( ($(stat -c %s "$1") + 512) / 1024 )); }
echo "wheel ok (wheel $(kb "$wheel") KB, sdist $(kb "$sdist") KB, build sdist+wheel ${build_s} s," \
  "pip install sdist ${install_s} s, pip install ./bindings/python ${tree_s} s, total $(secs "$t0" "$(now)") s)"
