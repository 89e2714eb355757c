#!/bin/sh
# tests/threads.rs under ThreadSanitizer (issue 7). Needs the nightly
# toolchain with rust-src (`rustup component add rust-src --toolchain
# nightly`): std is rebuilt instrumented (-Zbuild-std), or TSan would not
# see its atomics and locks. A separate target dir keeps the normal build.
set -eu
cd "$(dirname "$0")/../.."
target=$(rustc -vV | sed -n 's/^host: //p')
if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
    echo "tsan: needs nightly with rust-src: rustup component add rust-src --toolchain nightly" >&2
    exit 1
fi
# halt_on_error: the first report fails the run; second_deadlock_stack for
# readable lock reports.
RUSTFLAGS="-Zsanitizer=thread" \
RUSTDOCFLAGS="-Zsanitizer=thread" \
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
SIGV4RS_THREADS_ROUNDS="${SIGV4RS_THREADS_ROUNDS:-100}" \
    cargo +nightly test -Zbuild-std --target "$target" --target-dir target/tsan \
    --test threads -- --test-threads=1 "$@"
echo "tsan: tests/threads.rs clean under ThreadSanitizer"
