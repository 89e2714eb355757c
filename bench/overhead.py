#!/usr/bin/env python3
"""The binding overhead line of `make bench`: W1 signed through each
binding (Python Signer.sign, Ruby Signer#sign_request, Go Signer.Sign, all
reusing a signer) minus W1 through the C ABI from the same `make bench` run
(target/bench/summary.json, written by `cargo bench --bench sign`). Runs
each binding's own bench and reads its W1 line."""

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(lang):
    out = subprocess.run(["make", "--no-print-directory", "-C", "bindings/" + lang, "bench"],
                         cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(out.stdout)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        sys.exit("bench: %s bench failed" % lang)
    return out.stdout


def number(pattern, text, lang):
    m = re.search(pattern, text, re.M)
    if not m:
        sys.exit("bench: no W1 line in the %s bench output (%s)" % (lang, pattern))
    return float(m.group(1))


def main():
    records = json.loads((ROOT / "target/bench/summary.json").read_text())
    c_us = next(r["sigv4rs_ns"] for r in records
                if r["workload"] == "W1" and r["variant"] == "reuse"
                and r.get("algorithm", "sigv4") == "sigv4") / 1000
    py = number(r"^\s*sigv4rs binding  Signer\.sign, reuse\s+([\d.]+) us", run("python"), "python")
    rb = number(r"^\s*sigv4rs \(reuse\)\s+([\d.]+) us", run("ruby"), "ruby")
    go = number(r"^BenchmarkW1Sign(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", run("go"), "go") / 1000
    print("C ABI W1 (reuse): %.2f us" % c_us)
    print("binding overhead W1 over C: python %.2f us, ruby %.2f us, go %.2f us"
          % (py - c_us, rb - c_us, go - c_us))


if __name__ == "__main__":
    main()
