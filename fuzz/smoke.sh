#!/usr/bin/env bash
# Bounded fuzzing pass for `make test`: every target for SIGV4RS_FUZZ_SECS
# seconds (default 20), two at a time (the machine has 2 cores), from the
# committed seeds into a throw-away corpus. Prints one line per target and
# exits non-zero if any target crashed or broke an invariant (the input is
# left in fuzz/artifacts/<target>/).
set -uo pipefail
cd "$(dirname "$0")"

SECS=${SIGV4RS_FUZZ_SECS:-20}
JOBS=${SIGV4RS_FUZZ_JOBS:-2}
TARGETS="sign_url sign_parts presign debug_outputs signer_config chunked payload_hasher json_credentials xml_credentials http_response profile_files checksum sigv4a verify_authorization verify_query verify_chunked"
# Ids of open library bugs (README.md) whose inputs are skipped, so the pass
# guards against new ones while a known one waits for its fix. None now.
export SIGV4RS_FUZZ_SKIP_KNOWN=${SIGV4RS_FUZZ_SKIP_KNOWN-}

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz smoke: needs the nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi
export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked || exit 1
fi

start=$(date +%s)
# -a: the library's debug assertions (e.g. the output size bound) run too.
cargo +nightly fuzz build -a >/dev/null 2>target-build.log || { cat target-build.log >&2; exit 1; }
rm -f target-build.log
built=$(date +%s)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {
    local t=$1
    mkdir -p "$work/$t"
    cargo +nightly fuzz run -a "$t" "$work/$t" "corpus/$t" -- \
        -max_total_time="$SECS" -max_len=8192 -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
        >"$work/$t.log" 2>&1
    echo $? >"$work/$t.rc"
}

running=0
for t in $TARGETS; do
    run "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

fail=0
for t in $TARGETS; do
    rc=$(cat "$work/$t.rc")
    log="$work/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    if [ "$rc" = 0 ]; then
        printf 'fuzz smoke: %-15s ok    %9s execs (%s/s), %s\n' "$t" "${execs:-?}" "${speed:-?}" "${cov:-?}"
    else
        fail=1
        printf 'fuzz smoke: %-15s FAIL  %9s execs, exit %s; input in fuzz/artifacts/%s/\n' "$t" "${execs:-?}" "$rc" "$t"
        grep -E -A3 'panicked at|ERROR: (AddressSanitizer|libFuzzer)' "$log" | head -12 | sed 's/^/    /'
    fi
done
end=$(date +%s)
echo "fuzz smoke: build $((built - start)) s, fuzzing $((end - built)) s ($SECS s per target, $JOBS at a time)"
exit $fail
