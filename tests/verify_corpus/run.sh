#!/usr/bin/env bash
# Writes the verifier corpus: target/verify-corpus/{botocore,gosdk,ruby}.jsonl,
# requests signed by three reference signers (README.md), and
# chunked-{awscrt,botocore,gosdk}.jsonl, aws-chunked uploads (README.md,
# "aws-chunked"; checked by tests/verify_body_foreign.rs), then checks the first ones
# independently of sigv4rs (check.py: a spec verifier, and each signer's
# header-form lines re-signed by the two others). Prints one summary line;
# the check's report is in target/verify-corpus/check.txt.
#
# Offline once `make test` has run its setup (tests/tools/setup.sh: Go with
# Debian's aws-sdk-go-v2 sources, ruby-aws-sigv4) and made the Python venv
# (bindings/python, botocore); the venv is made here if missing.
#
# VERIFY_CORPUS_N (lines per form and signer, default 1024),
# VERIFY_CORPUS_CHUNKED (aws-chunked uploads per signer, default 300) and
# VERIFY_CORPUS_SEED (default 20261206) change the corpus; the defaults give
# the same files on every run.
set -euo pipefail

start=$(date +%s.%N)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/target/verify-corpus
n=${VERIFY_CORPUS_N:-1024}
nc=${VERIFY_CORPUS_CHUNKED:-300}
seed=${VERIFY_CORPUS_SEED:-20261206}
py=$root/target/pyvenv/bin/python
mkdir -p "$out"

if ! "$py" -c 'import botocore' 2>/dev/null; then
  make -s -C "$root/bindings/python" venv >&2
fi
command -v go >/dev/null || { echo "run.sh: go not found (tests/tools/setup.sh)" >&2; exit 1; }
command -v ruby >/dev/null || { echo "run.sh: ruby not found (tests/tools/setup.sh)" >&2; exit 1; }

# aws-sdk-go-v2 from /usr/share/gocode (go.mod's replace); no module proxy.
export GO111MODULE=on GOPROXY=off GOSUMDB=off GOFLAGS=-mod=readonly
if [ -z "$(go env GOCACHE 2>/dev/null | grep -v '^off$' || true)" ]; then
  export GOCACHE=$out/go-cache
fi
(cd "$here/gosdk" && go build -o "$out/gosdk" .)

# Inputs: more than kept where a generator rejects some (gosdk: query-order).
python3 "$here/cases.py" botocore "$n" "$seed" > "$out/cases-botocore.jsonl"
python3 "$here/cases.py" gosdk $((n * 2)) "$seed" > "$out/cases-gosdk.jsonl"
python3 "$here/cases.py" ruby $((n + n / 4)) "$seed" > "$out/cases-ruby.jsonl"

"$py" "$here/botocore_gen.py" "$n" < "$out/cases-botocore.jsonl" > "$out/botocore.jsonl"
"$out/gosdk" gen "$n" < "$out/cases-gosdk.jsonl" > "$out/gosdk.jsonl" 2> "$out/gosdk.log"
ruby "$here/ruby_gen.rb" gen "$n" < "$out/cases-ruby.jsonl" > "$out/ruby.jsonl" 2> "$out/ruby.log"

# aws-chunked uploads. gosdk keeps ~90% of its inputs (README: aws-chunked).
chunked_start=$(date +%s.%N)
"$py" "$here/chunked_gen.py" awscrt "$nc" "$seed" > "$out/chunked-awscrt.jsonl"
"$py" "$here/chunked_gen.py" botocore "$nc" "$seed" > "$out/chunked-botocore.jsonl"
"$py" "$here/chunked_gen.py" cases $((nc * 7 / 5)) "$seed" > "$out/chunked-cases.jsonl"
"$out/gosdk" chunked < "$out/chunked-cases.jsonl" > "$out/chunked-gosdk.jsonl"
chunked_secs=$(python3 -c "print(round($(date +%s.%N) - $chunked_start, 1))")
chunked=$(for s in awscrt botocore gosdk; do printf '%s %d, ' "$s" "$(wc -l < "$out/chunked-$s.jsonl")"; done)

# Cross-check: each signer's header-form lines re-signed by the two others.
resign() { # signer source
  case $1 in
    botocore) "$py" "$here/botocore_gen.py" resign ;;
    gosdk) "$out/gosdk" resign ;;
    ruby) ruby "$here/ruby_gen.rb" resign ;;
  esac < "$out/$2.jsonl" > "$out/resign-$2-by-$1.json"
}
pids=()
for pair in "gosdk botocore" "ruby botocore" "botocore gosdk" "ruby gosdk" "botocore ruby" "gosdk ruby"; do
  resign $pair & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

status=0
python3 "$here/check.py" "$out" > "$out/check.txt" || status=$?
counts=$(for s in botocore gosdk ruby; do
  printf '%s %d (%d header, %d query); ' "$s" "$(wc -l < "$out/$s.jsonl")" \
    "$(grep -c '"form": *"header"' "$out/$s.jsonl")" "$(grep -c '"form": *"query"' "$out/$s.jsonl")"
done)
secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || python3 -c "print(round($(date +%s.%N) - $start, 1))")
printf 'verify-corpus: %s%s; aws-chunked %s%s s; %.1f s (report: %s)\n' "$counts" \
  "$(tail -n 1 "$out/check.txt" | sed 's/^summary: //')" "$chunked" "$chunked_secs" \
  "$secs" "${out#"$root"/}/check.txt"
exit $status
