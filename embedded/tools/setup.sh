#!/usr/bin/env bash
# Installs what the firmware build needs, idempotently (root, Debian 12):
#  - apt: arm-none-eabi GCC/binutils/newlib headers, riscv64-unknown-elf
#    GCC/binutils (rv32 multilibs: libgcc for rv32im/ilp32), plus the shared
#    libraries of the unpacked packages below;
#  - Debian's rustc-web + cargo-web + rust-web-src, unpacked into
#    $RUST_WEB_DIR (never dpkg-installed: they conflict with rustup);
#  - qemu-system-arm, unpacked into $QEMU_DIR (a dpkg install would remove
#    the image's newer qemu-utils, which Breaks qemu-system-common << 8);
#  - qemu-system-misc, unpacked into $QEMU_RISCV_DIR the same way, keeping
#    only qemu-system-riscv32 (the package has a dozen other machines).
# Each unpack is marked complete with its version; a second run does nothing.
set -euo pipefail

RUST_WEB_DIR="${RUST_WEB_DIR:-/opt/rust-web}"
QEMU_DIR="${QEMU_DIR:-/opt/qemu-arm}"
QEMU_RISCV_DIR="${QEMU_RISCV_DIR:-/opt/qemu-riscv}"
die() { echo "setup: $*" >&2; exit 1; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
updated=0
apt_update() { [ $updated = 1 ] || { apt-get update -qq; updated=1; }; }
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/{print $2}'; }
# Depends of pkg=ver, first alternative, no versions; minus what we unpack
# ourselves and virtual names (libc-dev is covered by libc6-dev).
deps_of() {
  apt-cache show "$1" | sed -n 's/^Depends: //p' | head -1 | tr ',' '\n' \
    | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/^ +//; s/ +$//' \
    | grep -vE '^(qemu-system-.*|rustc-web|cargo-web|libstd-rust-web.*|rust-web-src|libc-dev|)$' || true
}

[ "$(id -u)" = 0 ] || [ "${NO_APT:-0}" = 1 ] || die "needs root for apt (or NO_APT=1 with everything present)"

BASE=(gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi gcc libc6-dev binutils
      gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf)
RUST_PKGS=(rustc-web cargo-web libstd-rust-web-dev rust-web-src)

need_lists=0
for p in "${BASE[@]}"; do installed "$p" || need_lists=1; done
[ -f "$RUST_WEB_DIR/.complete" ] && [ -f "$QEMU_DIR/.complete" ] && [ -f "$QEMU_RISCV_DIR/.complete" ] || need_lists=1
# The image's lists may be stale or empty: refresh once before choosing versions.
[ $need_lists = 1 ] && [ "${NO_APT:-0}" != 1 ] && apt_update

# ---- versions to unpack (an existing, complete unpack is kept as is)
if [ -f "$RUST_WEB_DIR/.complete" ]; then RUST_VER="$(cat "$RUST_WEB_DIR/.complete")"
else RUST_VER="$(candidate rustc-web)"; fi
if [ -f "$QEMU_DIR/.complete" ]; then QEMU_VER="$(cat "$QEMU_DIR/.complete")"
else QEMU_VER="$(candidate qemu-system-arm)"; fi
if [ -f "$QEMU_RISCV_DIR/.complete" ]; then QEMU_RISCV_VER="$(cat "$QEMU_RISCV_DIR/.complete")"
else QEMU_RISCV_VER="$(candidate qemu-system-misc)"; fi
usable() { [ -n "$1" ] && [ "$1" != "(none)" ]; }
usable "$RUST_VER" || die "rustc-web not available from apt"
usable "$QEMU_VER" || die "qemu-system-arm not available from apt"
usable "$QEMU_RISCV_VER" || die "qemu-system-misc not available from apt"
MAJMIN="$(echo "$RUST_VER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')"
# sha2 0.11 needs rustc >= 1.88: bookworm main has 1.85, bookworm-security 1.96.
[ "${MAJMIN#1.}" -ge 88 ] || die "rustc-web $RUST_VER < 1.88 (sha2 0.11 MSRV); is bookworm-security in the apt sources?"

# ---- apt packages: base + runtime libraries of what we unpack
want=("${BASE[@]}")
for p in cargo-web "libstd-rust-web-$MAJMIN"; do mapfile -t -O "${#want[@]}" want < <(deps_of "$p=$RUST_VER"); done
mapfile -t -O "${#want[@]}" want < <(deps_of "qemu-system-arm=$QEMU_VER")
mapfile -t -O "${#want[@]}" want < <(deps_of "qemu-system-misc=$QEMU_RISCV_VER")
missing=()
for p in $(printf '%s\n' "${want[@]}" | sort -u); do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "${NO_APT:-0}" = 1 ] && die "missing packages with NO_APT=1: ${missing[*]}"
  echo "apt install: ${missing[*]}"
  apt_update
  # --no-remove: never let apt take out a package the image ships.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-remove \
    "${missing[@]}" >/dev/null
else
  echo "apt: all present"
fi

download() { # dir pkg=ver...
  local d=$1; shift
  chmod 777 "$d"   # apt's _apt user writes there
  ( cd "$d" && apt-get download -qq "$@" )
}

# ---- rustc-web
if [ "$(cat "$RUST_WEB_DIR/.complete" 2>/dev/null)" != "$RUST_VER" ] || [ ! -x "$RUST_WEB_DIR/usr/bin/rustc" ]; then
  echo "unpacking rustc-web $RUST_VER into $RUST_WEB_DIR"
  dl="$(mktemp -d)"
  download "$dl" "${RUST_PKGS[@]/%/=$RUST_VER}" "libstd-rust-web-$MAJMIN=$RUST_VER"
  rm -rf "$RUST_WEB_DIR"; mkdir -p "$RUST_WEB_DIR"
  for f in "$dl"/*.deb; do dpkg-deb -x "$f" "$RUST_WEB_DIR"; done
  rm -rf "$dl"
  # build-std reads only library/: drop the compiler's own sources (~365 MB).
  find "$RUST_WEB_DIR"/usr/src/rustc-* -mindepth 1 -maxdepth 1 ! -name library -exec rm -rf {} +
  echo "$RUST_VER" > "$RUST_WEB_DIR/.complete"
else
  echo "rustc-web $RUST_VER: cached in $RUST_WEB_DIR"
fi

# ---- qemu-system-arm
if [ "$(cat "$QEMU_DIR/.complete" 2>/dev/null)" != "$QEMU_VER" ] || [ ! -x "$QEMU_DIR/usr/bin/qemu-system-arm" ]; then
  echo "unpacking qemu-system-arm $QEMU_VER into $QEMU_DIR"
  dl="$(mktemp -d)"
  download "$dl" "qemu-system-arm=$QEMU_VER"
  rm -rf "$QEMU_DIR"; mkdir -p "$QEMU_DIR"
  dpkg-deb -x "$dl"/qemu-system-arm_*.deb "$QEMU_DIR"
  rm -rf "$dl"
  echo "$QEMU_VER" > "$QEMU_DIR/.complete"
else
  echo "qemu-system-arm $QEMU_VER: cached in $QEMU_DIR"
fi

# ---- qemu-system-misc: only qemu-system-riscv32 is kept (~20 of 200 MB)
if [ "$(cat "$QEMU_RISCV_DIR/.complete" 2>/dev/null)" != "$QEMU_RISCV_VER" ] \
   || [ ! -x "$QEMU_RISCV_DIR/usr/bin/qemu-system-riscv32" ]; then
  echo "unpacking qemu-system-misc $QEMU_RISCV_VER into $QEMU_RISCV_DIR (qemu-system-riscv32 only)"
  dl="$(mktemp -d)"
  download "$dl" "qemu-system-misc=$QEMU_RISCV_VER"
  rm -rf "$QEMU_RISCV_DIR"; mkdir -p "$QEMU_RISCV_DIR"
  dpkg-deb -x "$dl"/qemu-system-misc_*.deb "$QEMU_RISCV_DIR"
  rm -rf "$dl"
  find "$QEMU_RISCV_DIR/usr/bin" -name 'qemu-system-*' ! -name qemu-system-riscv32 -delete
  rm -rf "${QEMU_RISCV_DIR:?}/usr/share"
  echo "$QEMU_RISCV_VER" > "$QEMU_RISCV_DIR/.complete"
else
  echo "qemu-system-misc $QEMU_RISCV_VER: cached in $QEMU_RISCV_DIR"
fi

# ---- sanity
export LD_LIBRARY_PATH="$RUST_WEB_DIR/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
"$RUST_WEB_DIR/usr/bin/rustc" --version >/dev/null || die "unpacked rustc does not run"
sysroot="$("$RUST_WEB_DIR/usr/bin/rustc" --print sysroot)"
[ -f "$sysroot/lib/rustlib/src/rust/library/core/Cargo.toml" ] || die "no library source under $sysroot (rust-web-src layout changed?)"
"$QEMU_DIR/usr/bin/qemu-system-arm" --version >/dev/null || die "unpacked qemu does not run"
command -v arm-none-eabi-gcc >/dev/null || die "arm-none-eabi-gcc missing"
"$QEMU_RISCV_DIR/usr/bin/qemu-system-riscv32" --version >/dev/null || die "unpacked qemu-system-riscv32 does not run"
command -v riscv64-unknown-elf-gcc >/dev/null || die "riscv64-unknown-elf-gcc missing"
# The firmware links libgcc for rv32imc/ilp32 (GCC picks its rv32im multilib).
case "$(riscv64-unknown-elf-gcc -march=rv32imc -mabi=ilp32 -print-libgcc-file-name)" in
  */rv32*/ilp32/libgcc.a) ;;
  *) die "riscv64-unknown-elf-gcc has no rv32/ilp32 libgcc multilib" ;;
esac
