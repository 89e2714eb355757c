#!/usr/bin/env bash
# Issue 13's credential checks in one line for `make test`:
#   credentials: botocore agreement N/N, sts M/M, imds+container K/K,
#                rotation R signatures verified, refresh single-flight ok
# Runs the sources against botocore (run_sources.sh), the fetched sources
# against loopback fakes and moto (run_remote.sh), and reads the rotation and
# single-flight results from their Rust tests (tests/threads.rs,
# tests/credentials.rs). Fails if any part fails or prints no count.
set -uo pipefail
cd "$(dirname "$0")/../.."
fail=0
src=$(bash tests/creds/run_sources.sh 2>&1) || fail=1
printf '%s\n' "$src" | tail -n 3
agree=$(printf '%s\n' "$src" | sed -n 's/^credentials: botocore agreement \([0-9]*\/[0-9]*\).*/\1/p' | tail -n 1)
rem=$(bash tests/creds/run_remote.sh 2>&1) || fail=1
printf '%s\n' "$rem" | tail -n 2
sts=$(printf '%s\n' "$rem" | sed -n 's/^credentials: sts \([0-9]*\/[0-9]*\), .*/\1/p' | tail -n 1)
imds=$(printf '%s\n' "$rem" | sed -n 's/^credentials: .*imds+container \([0-9]*\/[0-9]*\).*/\1/p' | tail -n 1)
rot=$(cargo test --quiet --release --test threads rotation -- --nocapture 2>&1) || fail=1
nrot=$(printf '%s\n' "$rot" | sed -n 's/.*rotation: \([0-9]*\) signatures verified.*/\1/p' | tail -n 1)
sf=$(cargo test --quiet --release --test credentials provider_runs_once -- --nocapture 2>&1) || fail=1
printf '%s\n' "$sf" | grep -q "refresh single-flight ok" && single=ok || { single=FAILED; fail=1; }
for v in agree sts imds nrot; do [ -n "${!v}" ] || { echo "run_all: no count for $v" >&2; fail=1; }; done
echo "credentials: botocore agreement ${agree:-?}, sts ${sts:-?}, imds+container ${imds:-?}," \
  "rotation ${nrot:-?} signatures verified, refresh single-flight $single"
exit $fail
