#!/usr/bin/env bash
# First step of `make test`: the Debian packages the tests need on a fresh
# Debian machine with Rust. As root, installs what is missing and says so;
# otherwise names the packages and stops. The rest sets itself up where it
# is used: the Python venv (bindings/python/Makefile), the interop servers
# (tests/interop/run.py), the fuzz toolchain (fuzz/smoke.sh) and the
# firmware toolchains (embedded/tools/setup.sh).
set -euo pipefail

# Package -> what needs it.
PACKAGES=(
  "libcurl4-openssl-dev C examples, C interop client"
  "libssl-dev libcrypto: SigV4a signatures verified in the C and C++ suite tests"
  "pkg-config make install-check"
  "binutils nm/readelf in the ABI tests"
  "valgrind make c-memcheck"
  "curl presigned URLs fetched in the interop tests"
  "golang-go Go binding"
  "golang-github-aws-aws-sdk-go-v2-dev Go differential"
  "ruby Ruby binding"
  "ruby-ffi Ruby binding"
  "ruby-minitest Ruby tests"
  "ruby-aws-sigv4 Ruby differential"
  "ruby-webrick Ruby: the Rack verifier middleware behind a real server"
  "g++ C++ wrapper (bindings/cpp), CMake test"
  "cmake CMake package test (tests/install/cmake.sh)"
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for entry in "${PACKAGES[@]}"; do
  pkg=${entry%% *}
  installed "$pkg" || missing+=("$pkg")
done
# A Debian python3 without ensurepip cannot make the test venv.
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=("python3-venv")
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: Debian packages present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup: missing Debian packages: ${missing[*]}" >&2
  echo "setup: install them, then run make test again:" >&2
  echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "setup: installing Debian packages: ${missing[*]}"
apt-get update -qq
# --no-remove: never let apt take out a package the machine already has.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-remove \
  "${missing[@]}" >/dev/null
echo "setup: installed ${#missing[@]} package(s)"
