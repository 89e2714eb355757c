#!/bin/bash
# The libcurl example end to end: PUTs a file to tests/put_server.py on
# loopback, which verifies the signature independently (200), then again
# with a wrong secret (403), and checks that the server got the file.
# Usage: curl_put_test.sh CURL_PUT_PROGRAM WORK_DIR. Last line on success:
#   curl_put: signed PUT accepted (200), wrong secret refused (403)
set -euo pipefail
prog=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
akid=AKIDCPPEXAMPLE
secret='cppSecret/K7MDENG+bPxRfiCYEXAMPLEKEY'

python3 "$here/put_server.py" "$work/port" "$akid" "$secret" > "$work/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
head -c 100000 /dev/urandom > "$work/object.bin"
url="http://127.0.0.1:$port/examplebucket/dir/object%20one.bin"

AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN= \
    "$prog" "$url" "$work/object.bin" us-east-1 > "$work/good.out" 2> "$work/good.err"
grep -qx 'HTTP status: 200' "$work/good.out"

if AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=wrong AWS_SESSION_TOKEN= \
    "$prog" "$url" "$work/object.bin" us-east-1 > "$work/bad.out" 2> "$work/bad.err"; then
    echo "curl_put: a wrong secret was accepted" >&2
    exit 1
fi
grep -qx 'HTTP status: 403' "$work/bad.out"

sum=$(sha256sum < "$work/object.bin" | cut -d' ' -f1)
want="PUT /examplebucket/dir/object%20one.bin 200 ok $sum
PUT /examplebucket/dir/object%20one.bin 403 signature $sum"
if [ "$(cat "$work/server.log")" != "$want" ]; then
    echo "curl_put: the server saw:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
echo "curl_put: signed PUT accepted (200), wrong secret refused (403)"
