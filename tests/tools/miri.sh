#!/usr/bin/env bash
# The C ABI's unsafe code (src/ffi/) under Miri: tests/ffi_memory.rs, which
# takes and hands out every kind of pointer once, and tests/ffi_memory_creds.rs,
# the credential and chain pointers (it reads files and the clock, so it runs
# without Miri's isolation). Needs nightly with the
# miri component; adds it with rustup when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "miri: installing the nightly toolchain (rustup)"
  rustup toolchain install nightly --profile minimal \
    || { echo "miri: rustup could not install nightly; run 'rustup toolchain install nightly'" >&2; exit 1; }
fi
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  echo "miri: adding the miri and rust-src components (rustup)"
  rustup component add --toolchain nightly miri rust-src \
    || { echo "miri: rustup could not add miri; run 'rustup component add --toolchain nightly miri rust-src'" >&2; exit 1; }
fi
# Its own target dir: Miri's builds would otherwise evict the normal ones.
export CARGO_TARGET_DIR=target/miri
cargo +nightly miri setup >/dev/null 2>&1 || cargo +nightly miri setup
cargo +nightly miri test --test ffi_memory
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-disable-isolation" cargo +nightly miri test --test ffi_memory_creds
