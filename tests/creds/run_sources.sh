#!/usr/bin/env bash
# The credential sources against botocore: builds examples/resolve_credentials
# and runs tests/creds/botocore_agreement.py with the Python binding's test
# venv (target/pyvenv, botocore pinned in bindings/python/requirements-test.txt).
#   tests/creds/run_sources.sh [--cases N] [--seed S] [--keep DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CARGO=${CARGO:-cargo}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
make --no-print-directory -C bindings/python venv >/dev/null
"$CARGO" build --quiet --profile test-fast --example resolve_credentials
exec "$ROOT/target/pyvenv/bin/python" tests/creds/botocore_agreement.py \
  --example "$TARGET/test-fast/examples/resolve_credentials" "$@"
