#!/usr/bin/env bash
# Issue 14's install checks in one line for `make test`:
#   install: wheel ok, gem ok, go ok, cmake c ok, cmake c++ ok, abi ok
# Each part is a script of this directory whose last line is `<name> ok (...)`
# (cmake.sh covers both C and C++), plus the ABI baseline
# (tests/abi_baseline.rs). All parts run, even after a failure; the exit
# status is 0 only if every part passed. Logs: target/install/<name>.log.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p target/install
fail=0
declare -A ok
part() { # name command...
  local name=$1 log=target/install/$1.log start=$SECONDS
  shift
  if "$@" >"$log" 2>&1; then
    ok[$name]=ok
    echo "install-test: $(tail -n 1 "$log") [$((SECONDS - start)) s]"
  else
    ok[$name]=FAILED
    fail=1
    echo "install-test: $name FAILED; the end of $log:" >&2
    tail -n 30 "$log" >&2
  fi
}
part wheel bash tests/install/wheel.sh
part gem bash tests/install/gem.sh
part go bash tests/install/go.sh
part cmake bash tests/install/cmake.sh
abi() {
  local out
  out=$(cargo test --profile test-fast --test abi_baseline -- --nocapture 2>&1) || { echo "$out"; return 1; }
  echo "$out"
  echo "$out" | sed -n 's/^abi: \(.* matches .*\)/abi ok (\1)/p' | grep . || return 1
}
part abi abi
echo "install: wheel ${ok[wheel]}, gem ${ok[gem]}, go ${ok[go]}, cmake c ${ok[cmake]}, cmake c++ ${ok[cmake]}, abi ${ok[abi]}"
exit $fail
