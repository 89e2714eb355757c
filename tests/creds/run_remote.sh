#!/usr/bin/env bash
# The remote credential sources against botocore and moto: IMDS and the
# container endpoint on loopback fakes (imds_test.py, container_test.py),
# STS through moto (sts_test.py). Builds examples/fetch_credentials, gets
# the interop venv (moto, boto3, botocore) through tests/interop/run.py's
# setup_venv (cached; about 40 s the first time), runs the three and ends
# with one line:
#   credentials: sts M/M, imds+container K/K
# Exit status 0 only if every case passed. Servers are started and stopped
# by the tests themselves.
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)

# The example's path, wherever CARGO_TARGET_DIR points.
bin=$(cargo build --quiet --example fetch_credentials --message-format=json |
      python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "fetch_credentials" and m.get("executable"):
        print(m["executable"])') || exit 1
[ -x "$bin" ] || { echo "run_remote: examples/fetch_credentials did not build" >&2; exit 1; }

# The interop venv, under its lock, without the s3s-fs install.
py=$(python3 - <<'EOF' | tail -n 1
import fcntl, sys
sys.path.insert(0, "tests/interop")
import run
cache = run.cache_dir()
(cache / "logs").mkdir(parents=True, exist_ok=True)
with open(cache / ".setup.lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    py, _how = run.setup_venv(cache)
print(py)
EOF
) || exit 1
[ -x "$py" ] || { echo "run_remote: no venv python ($py)" >&2; exit 1; }

export PYTHONDONTWRITEBYTECODE=1
fail=0
declare -A pass total
for t in imds container sts; do
    out=$("$py" "tests/creds/${t}_test.py" --bin "$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E "^$t [0-9]+/[0-9]+ in " | tail -n 1)
    if [ -z "$line" ]; then
        pass[$t]=0 total[$t]=1 fail=1
        continue
    fi
    counts=${line#"$t "}
    counts=${counts%% *}
    pass[$t]=${counts%/*}
    total[$t]=${counts#*/}
    [ "$rc" -eq 0 ] || fail=1
done
echo "run_remote: $(( $(date +%s) - start )) s"
echo "credentials: sts ${pass[sts]}/${total[sts]}, imds+container $(( pass[imds] + pass[container] ))/$(( total[imds] + total[container] ))"
exit $fail
