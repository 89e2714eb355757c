#!/usr/bin/env bash
# sigv4rs on bare-metal Cortex-M and RISC-V under QEMU (issue 6).
#
# Installs what is missing (tools/setup.sh: apt + Debian's rustc-web,
# qemu-system-arm and qemu-system-riscv32 unpacked under /opt),
# cross-compiles the library without std for thumbv7m-none-eabi (Cortex-M3),
# thumbv7em-none-eabihf (Cortex-M4F) and riscv32imc-unknown-none-elf
# (ESP32-C3 class) at opt-level s, z, z with sha2's compact SHA-256, and z
# with the application's SHA-256 (plus `a`: zc with the sigv4a feature, on
# M4F and RV32 only), links the C test firmware (fw/) against
# each, runs it on lm3s6965evb and mps2-an385 (M3), mps2-an386 (M4F) and
# virt (RV32, -bios none) with semihosting (exit status = failure count),
# and prints flash/RAM sizes and stack use (painted in QEMU and static from
# -Z emit-stack-sizes).
#
# Env: SIGV4RS_FW_BREAK=1  corrupt one expected value: the run must fail
#      SIGV4RS_FW_ENFORCE_TARGETS=0  report the targets without failing the run
#      SIGV4RS_FW_VARIANTS  subset of "s z zc zo a" (default all); QUICK=1 = "zc"
#      SIGV4RS_FW_OUT       outputs (default <repo>/target/embedded)
#      SIGV4RS_FW_CARGO_DIR cargo build dirs (default ~/.cache/sigv4rs-embedded/cargo)
#      RUST_WEB_DIR, QEMU_DIR, QEMU_RISCV_DIR  toolchain prefixes
#                           (/opt/rust-web, /opt/qemu-arm, /opt/qemu-riscv)
#      NO_APT=1             never call apt (fail if something is missing)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT="${SIGV4RS_FW_OUT:-$REPO/target/embedded}"
# Cargo's build dirs live outside the clone so a fresh CI clone reuses the
# build-std work (core + compiler_builtins, ~40 s per build).
CARGO_DIR="${SIGV4RS_FW_CARGO_DIR:-${XDG_CACHE_HOME:-${HOME:-$REPO/target}/.cache}/sigv4rs-embedded/cargo}"
export RUST_WEB_DIR="${RUST_WEB_DIR:-/opt/rust-web}"
export QEMU_DIR="${QEMU_DIR:-/opt/qemu-arm}"
export QEMU_RISCV_DIR="${QEMU_RISCV_DIR:-/opt/qemu-riscv}"
BREAK="${SIGV4RS_FW_BREAK:-0}"
ENFORCE="${SIGV4RS_FW_ENFORCE_TARGETS:-1}"
read -ra VARIANTS <<<"${SIGV4RS_FW_VARIANTS:-s z zc zo a}"
[ "${QUICK:-0}" = 1 ] && VARIANTS=(zc)
TARGETS=(thumbv7m-none-eabi thumbv7em-none-eabihf riscv32imc-unknown-none-elf)
# The issue's targets.
FLASH_LIMIT=8192
STACK_LIMIT=1536
# Exported functions; the "signing" subset is what the flash target counts
# (no debug output, hasher or status strings).
EXPORTS=(sigv4rs_signer_init sigv4rs_signer_deinit sigv4rs_signer_sign_headers sigv4rs_signer_presign
         sigv4rs_signer_canonical_request sigv4rs_signer_string_to_sign sigv4rs_chunked_encoded_length
         sigv4rs_chunked_begin sigv4rs_chunked_sign_chunk sigv4rs_chunked_finish
         sigv4rs_payload_hasher_init sigv4rs_payload_hasher_update sigv4rs_payload_hasher_finish
         sigv4rs_status_str sigv4rs_version)
SIGNING=(sigv4rs_signer_init sigv4rs_signer_deinit sigv4rs_signer_sign_headers sigv4rs_signer_presign
         sigv4rs_chunked_encoded_length sigv4rs_chunked_begin sigv4rs_chunked_sign_chunk sigv4rs_chunked_finish)
# The symbol of an export in a small-limits build (init/deinit are suffixed).
symbol_of() { case $1 in sigv4rs_signer_init | sigv4rs_signer_deinit) echo "${1}_small" ;; *) echo "$1" ;; esac; }
# Header signing and presigning alone (no aws-chunked): the 8 KiB target.
HEADERS_ONLY=(sigv4rs_signer_init sigv4rs_signer_deinit sigv4rs_signer_sign_headers sigv4rs_signer_presign)
CHUNKED_LIMIT=10240
OWN_SHA_LIMIT=6656
# Flash is still over the targets above (README "Firmware"). Until it meets
# them, these ceilings (the zc/zo figures plus about 2 %) are what the run
# enforces, so that it cannot grow unnoticed: the header-only,
# with-aws-chunked and own-SHA images, per target. Raised on purpose for
# credential rotation and refresh (issue 13): 1.35 KB, then 0.4 KB for its
# fixes (writer release on unwind, retry pause, due re-check). Raised
# again for the verifier (issue 16, phase 1), which firmware does not call
# but whose changes to the shared plan and query code cost the signing
# images about 0.95 KB (RV32 1.1 KB); not yet looked into (issue 16 note).
# Raised for its phase 2 (body verifier): +244 B on M3 header-only zc, of
# which .rodata +200 (six status messages, 225-230, in sigv4rs_status_str)
# and .text +44 (inlining moved: StreamMode::payload_line gained a caller).
declare -A FLASH_CEILING=(
  [thumbv7m-none-eabi]="22400 25700 21750" [thumbv7em-none-eabihf]="22400 25700 21750"
  [riscv32imc-unknown-none-elf]="25800 30000 24950")
# SigV4a (variant a: zc + --features sigv4a; M4F and RV32 only): the
# header-only flash and the peak painted signing stack, per target. No issue
# target; measured figures plus about 2 %, so growth is seen.
# Measured 2026-12-06 (at 89d72e9): M4F 40,990 B / 6,280 B, RV32 48,762 B / 6,068 B;
# at f22d7f2 (the verifier's statuses): M4F 41,918 B / 6,288 B, RV32 49,972 B / 6,084 B.
declare -A V4A_CEILING=([thumbv7em-none-eabihf]="42100 6400" [riscv32imc-unknown-none-elf]="50150 6200")
V4A_TARGETS="thumbv7em-none-eabihf riscv32imc-unknown-none-elf"
# Whether variant $1 is built for target $2.
built() { [ "$1" != a ] || [[ " $V4A_TARGETS " == *" $2 "* ]]; }
# Calls whose stack the 1.5 KiB target is about.
SIGNING_CALLS=(sigv4rs_signer_sign_headers sigv4rs_signer_presign sigv4rs_chunked_begin
               sigv4rs_chunked_sign_chunk sigv4rs_chunked_finish)

mkdir -p "$OUT"
T0=$(date +%s.%N)
TIMES=()
t_step=0
step() { t_step=$(date +%s.%N); printf '\n=== %s\n' "$*"; }
took() { TIMES+=("$(awk -v a="$t_step" -v b="$(date +%s.%N)" -v s="$1" 'BEGIN{printf "%-52s %6.1f s", s, b-a}')"); }
die() { echo "run.sh: $*" >&2; exit 2; }

profile_of() { case $1 in s) echo firmware ;; z | zc | zo | a) echo firmware-z ;; *) die "unknown variant $1" ;; esac; }
# zo: the application's own SHA-256 (fw/sha256_compress.c), as a hardware engine would be.
# a: SigV4a (p256/ecdsa, no_std, no alloc).
features_of() { case $1 in zo) echo "--features caller-sha256" ;; a) echo "--features sigv4a" ;; *) echo "" ;; esac; }
rustflags_of() { # -Z emit-stack-sizes only adds a non-loaded section
  # Firmware takes the small build-time limits (32 headers, 32 query parameters).
  case $1 in
    zc | a) echo '-Z emit-stack-sizes --cfg sigv4rs_limits="small" --cfg sha2_backend_soft="compact"' ;;
    *) echo '-Z emit-stack-sizes --cfg sigv4rs_limits="small"' ;;
  esac
}
cpu_of() {
  case $1 in
    thumbv7m-none-eabi) echo "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft" ;;
    thumbv7em-none-eabihf) echo "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16" ;;
    # ISA spec 2.2: I still includes the CSR instructions the startup code
    # uses, and GCC picks its rv32im/ilp32 libgcc (rv32imc_zicsr would not
    # match a multilib).
    riscv32*) echo "-misa-spec=2.2 -march=rv32imc -mabi=ilp32" ;;
  esac
}
boards_of() {
  case $1 in thumbv7m-none-eabi) echo "lm3s6965evb mps2-an385" ;; riscv32*) echo virt ;; *) echo "mps2-an386" ;; esac
}
short_of() { case $1 in thumbv7m-none-eabi) echo M3 ;; riscv32*) echo RV32 ;; *) echo M4F ;; esac; }
# GNU toolchain prefix: gcc, ld, size, nm, objdump.
gnu_of() { case $1 in riscv32*) echo riscv64-unknown-elf- ;; *) echo arm-none-eabi- ;; esac; }
# Startup code and linker script of the firmware.
fw_dir_of() { case $1 in riscv32*) echo "$HERE/fw/riscv" ;; *) echo "$HERE/fw" ;; esac; }
qemu_of() { case $1 in riscv32*) echo "$QEMU_RISCV_DIR/usr/bin/qemu-system-riscv32" ;; *) echo "$QEMU_DIR/usr/bin/qemu-system-arm" ;; esac; }
# GNU binutils cannot read the LLVM bitcode build-std leaves in
# compiler_builtins' object and says so; harmless.
quiet() { grep -v 'LLVM gold plugin\|bfd plugin' || true; }

# ------------------------------------------------------------ 1. toolchains
step "1. toolchains (tools/setup.sh)"
bash "$HERE/tools/setup.sh"
export LD_LIBRARY_PATH="$RUST_WEB_DIR/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
RUSTC="$RUST_WEB_DIR/usr/bin/rustc"
CARGO="$RUST_WEB_DIR/usr/bin/cargo"
took "toolchains (apt + unpack; cached after the first run)"

# ------------------------------------------------------------ 2. vectors
step "2. test vectors from tests/data/suite-v4-vectors.txt"
SUITE="$REPO/tests/data/suite-v4-vectors.txt"
mkdir -p "$OUT/gen/good" "$OUT/gen/broken"
python3 "$HERE/tools/gen_vectors.py" "$SUITE" "$OUT/gen/good/vectors.h"
python3 "$HERE/tools/gen_vectors.py" "$SUITE" "$OUT/gen/broken/vectors.h" --break
VEC="$OUT/gen/good"
if [ "$BREAK" = 1 ]; then
  echo "SIGV4RS_FW_BREAK=1: one expected signature corrupted; this run must FAIL"
  VEC="$OUT/gen/broken"
fi
echo "$(sed -n 's/^#define FW_N_CASES //p' "$VEC/vectors.h") suite cases -> $VEC/vectors.h"
# SigV4a (variant a): the firmware prints its signatures, verified on the host.
SUITE_V4A="$REPO/tests/data/suite-v4a-vectors.txt"
for d in good broken; do python3 "$HERE/tools/gen_v4a.py" "$SUITE_V4A" "$OUT/gen/$d/vectors_v4a.h"; done
N_V4A=$(sed -n 's/^#define FW_N_V4A_CASES //p' "$OUT/gen/good/vectors_v4a.h")
echo "$N_V4A SigV4a suite cases -> $VEC/vectors_v4a.h"
took "generate vectors"

# ------------------------------------------------------------ 3. Rust builds
for v in "${VARIANTS[@]}"; do
  for t in "${TARGETS[@]}"; do
    built "$v" "$t" || continue
    step "3. cargo build  $t  variant $v (profile $(profile_of "$v"), RUSTFLAGS $(rustflags_of "$v"))"
    log="$OUT/cargo-$v-$t.log"
    rc=0
    # The build dirs are shared by every checkout, and cargo names our crate's
    # artifacts the same in all of them: after another checkout built here,
    # cargo would take its archive as fresh. Forget ours then (deps stay).
    owner="$CARGO_DIR/$v/$t.checkout"
    if [ "$(cat "$owner" 2>/dev/null)" != "$REPO" ]; then
      env RUSTC="$RUSTC" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$CARGO_DIR/$v" "$CARGO" clean \
        --manifest-path "$REPO/Cargo.toml" -p sigv4rs --target "$t" --profile "$(profile_of "$v")" \
        >/dev/null 2>&1 || true
      mkdir -p "$CARGO_DIR/$v" && echo "$REPO" >"$owner"
    fi
    read -ra feat <<<"$(features_of "$v")"
    # cargo rustc --crate-type staticlib: only the archive (no rlib/cdylib).
    env RUSTC="$RUSTC" RUSTDOC="$RUST_WEB_DIR/usr/bin/rustdoc" RUSTC_BOOTSTRAP=1 \
      RUSTFLAGS="$(rustflags_of "$v")" CARGO_TARGET_DIR="$CARGO_DIR/$v" \
      "$CARGO" rustc --manifest-path "$REPO/Cargo.toml" --locked --lib --crate-type staticlib \
      --no-default-features "${feat[@]}" --profile "$(profile_of "$v")" --target "$t" \
      -Z build-std=core,compiler_builtins -Z build-std-features=compiler-builtins-mem \
      >"$log" 2>&1 || rc=$?
    grep -vE '^\s+(Compiling|Downloaded|Downloading|Updating|Locking)' "$log" | sed 's/^/    /' || true
    [ $rc = 0 ] || die "cargo failed ($t, $v): see $log"
    cp "$CARGO_DIR/$v/$t/$(profile_of "$v")/libsigv4rs.a" "$OUT/lib-$v-$t.a"
    took "rust build $(short_of "$t") $v"
  done
done

# ------------------------------------------------------------ 4. link + run
# SIGV4RS_LIMITS_SMALL: the library is built with the small limits (its
# signer storage is smaller, and init/deinit carry the _small suffix).
CFLAGS=(-std=gnu11 -Os -g -Wall -Wextra -Werror -ffunction-sections -fdata-sections -ffreestanding
        -DSIGV4RS_LIMITS_SMALL -I "$REPO/include" -I "$HERE/fw")
# No libc: compiler_builtins in the archive provides (weak) memcpy/memset/
# memcmp/strlen for both languages; libgcc only for what GCC itself emits.
# RISC-V: fw/riscv/include has the <string.h> declarations (no libc there).
# shellcheck disable=SC2054 # -Wl,a,b is one argument
LDFLAGS=(-nostdlib -nostartfiles -Wl,--gc-sections -Wl,-z,noexecstack)

own_sha_of() { [ "$1" = zo ] && echo "$HERE/fw/sha256_compress.c"; true; }
# A helper's output words as the array W (no word has a space).
words() { read -ra W <<<"$("$@")"; }

link_fw() { # target variant vector-dir out.elf
  local t=$1 v=$2 vec=$3 elf=$4
  rm -f "$elf"
  local d inc=() cpu sha
  d=$(fw_dir_of "$t")
  [ -d "$d/include" ] && inc=(-I "$d/include")
  words cpu_of "$t"; cpu=("${W[@]}")
  words own_sha_of "$v"; sha=("${W[@]}")
  local v4a=()
  [ "$v" = a ] && v4a=(-DFW_SIGV4A)
  "$(gnu_of "$t")gcc" "${cpu[@]}" "${CFLAGS[@]}" "${inc[@]}" "${v4a[@]}" -I "$vec" -DFW_TARGET="\"$t $v\"" "${LDFLAGS[@]}" \
    -T "$d/link.ld" -Wl,-Map="${elf%.elf}.map" "$d/startup.c" "$HERE/fw/main.c" \
    "${sha[@]}" "$OUT/lib-$v-$t.a" -lgcc -o "$elf" 2>&1 | quiet
  [ -f "$elf" ] || die "link failed: $elf"
}

RUNS_OK=0
RUNS_BAD=0
declare -A PAINT=() VERDICT=()
run_fw() { # target board elf -> sets RC, LOG
  local t=$1 b=$2 elf=$3 bios=()
  LOG="$OUT/qemu-$(basename "${elf%.elf}")-$b.log"
  RC=0
  # virt: no OpenSBI; the reset ROM jumps straight to the firmware in DRAM.
  case $t in riscv32*) bios=(-bios none) ;; esac
  timeout 300 "$(qemu_of "$t")" -M "$b" "${bios[@]}" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$elf" >"$LOG" 2>&1 || RC=$?
  # lm3s6965evb's "Timer with period zero" is QEMU noise.
  sed -i '/Timer with period zero/d' "$LOG"
}

for v in "${VARIANTS[@]}"; do
  for t in "${TARGETS[@]}"; do
    built "$v" "$t" || continue
    step "4. firmware  $t  variant $v"
    elf="$OUT/fw-$v-$t.elf"
    link_fw "$t" "$v" "$VEC" "$elf"
    "$(gnu_of "$t")size" "$elf" | sed 's/^/    /'
    for b in $(boards_of "$t"); do
      run_fw "$t" "$b" "$elf"
      grep -E '^(FAIL|    )' "$LOG" | head -60 | sed 's/^/    /' || true
      pass=$(grep -c '^PASS' "$LOG" || true)
      fail=$(grep -c '^FAIL' "$LOG" || true)
      last=$(grep '^RESULT' "$LOG" || echo "RESULT: none (crashed? see $LOG)")
      v4a_ok=1
      if [ "$v" = a ]; then
        # The printed ECDSA signatures, against the suite's public key.
        brk=(); [ "$BREAK" = 1 ] && brk=(--break)
        if ! (cd "$HERE/tools" && python3 verify_v4a.py "$LOG" "$SUITE_V4A" $((2 * N_V4A)) "${brk[@]}") \
          | sed 's/^/    /'; then v4a_ok=0; fi
      fi
      if [ "$RC" = 0 ] && [ "$fail" = 0 ] && [ $v4a_ok = 1 ] && grep -q '^RESULT: PASS' "$LOG"; then
        VERDICT[$v-$t-$b]=PASS
        RUNS_OK=$((RUNS_OK + 1))
      else
        VERDICT[$v-$t-$b]=FAIL
        RUNS_BAD=$((RUNS_BAD + 1))
      fi
      printf '    %-12s %s  (%s PASS lines, %s FAIL lines, exit status %s)  %s\n' \
        "$b" "${VERDICT[$v-$t-$b]}" "$pass" "$fail" "$RC" "$last"
      [ -n "${PAINT[$v-$t]:-}" ] || PAINT[$v-$t]="$LOG"
    done
    took "link + qemu $(short_of "$t") $v ($(boards_of "$t"))"
  done
done

# ------------------------------------------------------------ 5. negative control
# Proves on every run that a wrong expected value reaches the exit status,
# once per architecture (the exit paths differ: BKPT vs ebreak semihosting).
if [ "$BREAK" != 1 ]; then
  step "5. negative control: the same firmware with one corrupted expected signature must exit 1"
  v=${VARIANTS[0]}
  for t in thumbv7m-none-eabi riscv32imc-unknown-none-elf; do
    built "$v" "$t" || continue
    b=$(boards_of "$t"); b=${b%% *}
    link_fw "$t" "$v" "$OUT/gen/broken" "$OUT/fw-broken-$t.elf"
    run_fw "$t" "$b" "$OUT/fw-broken-$t.elf"
    echo "  $t on $b:"
    { grep -A3 '^FAIL' "$LOG" || true; } | sed 's/^/    /'
    { grep '^RESULT' "$LOG" || echo "no RESULT line (crashed? see $LOG)"; } | sed 's/^/    /'
    if [ "$RC" = 1 ]; then echo "    exit status 1 as expected: OK"; RUNS_OK=$((RUNS_OK + 1))
    else echo "    exit status $RC, expected 1: the verdict does not come through"; RUNS_BAD=$((RUNS_BAD + 1)); fi
  done
  took "negative control (M3, RV32)"
fi

# ------------------------------------------------------------ 6. sizes
step "6. footprint of the signer alone (staticlib linked by itself, --gc-sections)"
sec() { "$(gnu_of "$2")size" -A "$1" | awk -v s="$3" '$1==s{print $2; f=1} END{if(!f) print 0}'; }
rust_only() { # target archive out.elf roots...
  local t=$1 a=$2 elf=$3; shift 3
  rm -f "$elf"
  local req=()
  for r in "$@"; do req+=(--require-defined="$(symbol_of "$r")"); done
  # zo: the application's SHA-256 is not ours to count.
  local own=()
  case $a in *-zo-*) own=(--defsym=sigv4rs_sha256_compress=0) ;; esac
  # RISC-V code addresses are even numbers that small constants can equal:
  # a high base keeps stack_report.py's address-taken scan honest.
  case $t in riscv32*) own+=(-m elf32lriscv --defsym=__rust_only_text=0x42000000) ;; esac
  # (--defsym before -T: the script tests DEFINED(__rust_only_text).)
  "$(gnu_of "$t")ld" "${own[@]}" -T "$HERE/tools/rust_only.ld" --gc-sections "${req[@]}" -e "$(symbol_of "$1")" "$a" \
    -o "$elf" 2>&1 | quiet
  [ -f "$elf" ] || die "rust-only link failed: $elf"
}
declare -A FLASH_SIGN=() FLASH_HDR=() DATA_BSS=()
printf '%-5s %-3s %8s %8s %6s %6s %12s %16s\n' target var .text .rodata .data .bss "flash(all)" "flash(signing)"
for t in "${TARGETS[@]}"; do
  for v in "${VARIANTS[@]}"; do
    built "$v" "$t" || continue
    all="$OUT/rust-all-$v-$t.elf"
    sig="$OUT/rust-signing-$v-$t.elf"
    rust_only "$t" "$OUT/lib-$v-$t.a" "$all" "${EXPORTS[@]}"
    rust_only "$t" "$OUT/lib-$v-$t.a" "$sig" "${SIGNING[@]}"
    tx=$(sec "$all" "$t" .text); ro=$(sec "$all" "$t" .rodata); da=$(sec "$all" "$t" .data); bs=$(sec "$all" "$t" .bss)
    stx=$(sec "$sig" "$t" .text); sro=$(sec "$sig" "$t" .rodata); sda=$(sec "$sig" "$t" .data); sbs=$(sec "$sig" "$t" .bss)
    FLASH_SIGN[$v-$t]=$((stx + sro + sda))
    hdr="$OUT/rust-headers-$v-$t.elf"
    rust_only "$t" "$OUT/lib-$v-$t.a" "$hdr" "${HEADERS_ONLY[@]}"
    FLASH_HDR[$v-$t]=$(($(sec "$hdr" "$t" .text) + $(sec "$hdr" "$t" .rodata) + $(sec "$hdr" "$t" .data)))
    DATA_BSS[$v-$t]=$((da + bs + sda + sbs))
    printf '%-5s %-3s %8d %8d %6d %6d %12d %16d\n' "$(short_of "$t")" "$v" "$tx" "$ro" "$da" "$bs" \
      $((tx + ro + da)) "${FLASH_SIGN[$v-$t]}"
  done
done
echo "flash = .text + .rodata + .data (load image); all = the 15 exports; signing = signer_init/deinit,"
echo "sign_headers, presign, chunked_* (no canonical_request/string_to_sign, hasher, status_str, version)."
echo "s = opt-level s, z = opt-level z, zc = z + --cfg sha2_backend_soft=\"compact\", zo = z + the application's"
echo "SHA-256 (feature caller-sha256, not counted), a = zc + SigV4a (feature sigv4a; M4F, RV32); all with"
echo "--cfg sigv4rs_limits=\"small\"; panic=abort, lto, 1 CGU."
# M3 and M4F differ by a few bytes: the breakdown is shown for M4F, and for
# RV32 in the first variant and zc.
for v in "${VARIANTS[@]}"; do
  echo
  echo "where the flash goes: M4F $v, signing subset (tools/size_report.py)"
  python3 "$HERE/tools/size_report.py" "$OUT/rust-signing-$v-thumbv7em-none-eabihf.elf" --top 10 | sed 's/^/    /'
done
for v in "${VARIANTS[@]}"; do
  [ "$v" = "${VARIANTS[0]}" ] || [ "$v" = zc ] || continue
  echo
  echo "where the flash goes: RV32 $v, signing subset (tools/size_report.py)"
  python3 "$HERE/tools/size_report.py" "$OUT/rust-signing-$v-riscv32imc-unknown-none-elf.elf" --top 10 | sed 's/^/    /'
done
took "sizes"

# ------------------------------------------------------------ 7. stack
step "7. stack: painted in QEMU (high-water mark per exported function) vs static (-Z emit-stack-sizes)"
declare -A STATIC=() PAINTED=()
for t in "${TARGETS[@]}"; do
  for v in "${VARIANTS[@]}"; do
    built "$v" "$t" || continue
    syms=(); for e in "${EXPORTS[@]}"; do syms+=("$(symbol_of "$e")"); done
    python3 "$HERE/tools/stack_report.py" "$OUT/rust-all-$v-$t.elf" "${syms[@]}" >"$OUT/stack-$v-$t.txt"
    while read -r _ name bytes _; do STATIC[$v-$t-${name%_small}]=$bytes; done < <(grep '^STATIC' "$OUT/stack-$v-$t.txt")
    while read -r _ name bytes _; do PAINTED[$v-$t-$name]=$bytes; done < <(grep '^STACK' "${PAINT[$v-$t]}" || true)
  done
done
# One table per architecture (ARM: M3 and M4F side by side; RV32).
for group in "thumbv7m-none-eabi thumbv7em-none-eabihf" riscv32imc-unknown-none-elf; do
  echo
  printf '%-34s' "painted / static (bytes)"
  for t in $group; do for v in "${VARIANTS[@]}"; do if built "$v" "$t"; then printf '%13s' "$(short_of "$t") $v"; fi; done; done
  echo
  for e in "${EXPORTS[@]}"; do
    printf '%-34s' "$e"
    for t in $group; do for v in "${VARIANTS[@]}"; do
      built "$v" "$t" || continue
      printf '%13s' "${PAINTED[$v-$t-$e]:-?}/${STATIC[$v-$t-$e]:-?}"
    done; done
    echo
  done
done
echo "painted: deepest use below the caller's SP over every call the firmware makes (QEMU);"
echo "static: worst path in the call graph, indirect calls counted as reaching any address-taken function."
for t in "${TARGETS[@]}"; do
  for v in "${VARIANTS[@]}"; do
    [ "$v" = "${VARIANTS[0]}" ] || [ "$v" = zc ] || [ "$v" = a ] || continue
    built "$v" "$t" || continue
    echo
    echo "deepest static paths, $(short_of "$t") $v (frame bytes:function):"
    for e in sigv4rs_signer_sign_headers sigv4rs_chunked_begin; do
      { grep "^PATH $e " "$OUT/stack-$v-$t.txt" || true; } | cut -d' ' -f2- | sed 's/ -> /\n        -> /g; s/^/    /'
    done
    echo "  largest frames:"
    { grep '^FRAME' "$OUT/stack-$v-$t.txt" || true; } | head -6 | sed 's/^FRAME /    /'
    grep '^NOTE' "$OUT/stack-$v-$t.txt" | sed 's/^/    /' || true
  done
done
took "stack report"

# ------------------------------------------------------------ 8. verdict
step "8. issue targets"
# Enforced: .data/.bss = 0 everywhere; the painted stack of every signing
# call within the target in zc and zo (the builds a device ships; s and z
# are shown); flash within the ceilings while it misses the targets.
MISSED=()
declare -A PEAK=()
for t in "${TARGETS[@]}"; do
  for v in "${VARIANTS[@]}"; do
    built "$v" "$t" || continue
    peak=0; peak_s=0; who=""
    for e in "${SIGNING_CALLS[@]}"; do
      p=${PAINTED[$v-$t-$e]:-0}; s=${STATIC[$v-$t-$e]:-0}
      [ "$p" -gt "$peak" ] && { peak=$p; who=$e; }
      [ "$s" -gt "$peak_s" ] && peak_s=$s
    done
    f=${FLASH_SIGN[$v-$t]}
    PEAK[$v-$t]=$peak
    [ "${DATA_BSS[$v-$t]}" = 0 ] || MISSED+=(".data/.bss $(short_of "$t") $v")
    case $v in zc | zo) [ "$peak" -le $STACK_LIMIT ] || MISSED+=("stack $(short_of "$t") $v $peak B") ;; esac
    printf '%-4s %-3s flash(signing) %6d B %-4s | .data+.bss %d B %-4s | peak signing stack painted %5d B %-4s (static %5d B) (%s)\n' \
      "$(short_of "$t")" "$v" "$f" "$([ "$f" -le $CHUNKED_LIMIT ] && echo ok || echo OVER)" \
      "${DATA_BSS[$v-$t]}" "$([ "${DATA_BSS[$v-$t]}" = 0 ] && echo ok || echo OVER)" \
      "$peak" "$([ "$peak" -le $STACK_LIMIT ] && echo ok || echo OVER)" "$peak_s" "${who#sigv4rs_}"
  done
  read -r c_hdr c_chunked c_own <<<"${FLASH_CEILING[$t]}"
  for pair in "${FLASH_HDR[zc-$t]:-}:$c_hdr:header-only" "${FLASH_SIGN[zc-$t]:-}:$c_chunked:chunked" \
    "${FLASH_HDR[zo-$t]:-}:$c_own:own-sha"; do
    IFS=: read -r n c what <<<"$pair"
    [ -z "$n" ] || [ "$n" -le "$c" ] || MISSED+=("flash $(short_of "$t") $what $n B > ceiling $c B")
  done
  if built a "$t" && [ -n "${FLASH_HDR[a-$t]:-}" ]; then
    read -r c_flash c_stack <<<"${V4A_CEILING[$t]}"
    [ "${FLASH_HDR[a-$t]}" -le "$c_flash" ] || MISSED+=("flash $(short_of "$t") sigv4a ${FLASH_HDR[a-$t]} B > ceiling $c_flash B")
    [ "${PEAK[a-$t]}" -le "$c_stack" ] || MISSED+=("stack $(short_of "$t") sigv4a ${PEAK[a-$t]} B > ceiling $c_stack B")
  fi
done
echo "targets: header signing + presigning <= $FLASH_LIMIT B (zc), with aws-chunked <= $CHUNKED_LIMIT B (zc),"
echo "with the application's SHA-256 <= $OWN_SHA_LIMIT B (zo), .data/.bss = 0, any signing call <= $STACK_LIMIT B of stack."
echo "flash targets missed; enforced meanwhile: the ceilings in run.sh (FLASH_CEILING, V4A_CEILING)."
# One line per target (zc for flash and stack; zo for own-sha), "-" for a
# variant not built.
for t in "${TARGETS[@]}"; do
  peak=0
  for e in "${SIGNING_CALLS[@]}"; do
    p=${PAINTED[zc-$t-$e]:-0}
    [ "$p" -gt "$peak" ] && peak=$p
  done
  # SigV4a (variant a): header-only flash and peak signing stack, where built.
  v4a=""
  built a "$t" && v4a=", sigv4a ${FLASH_HDR[a-$t]:--} B, stack ${PEAK[a-$t]:--} B"
  echo "firmware $t: flash ${FLASH_HDR[zc-$t]:--}/$FLASH_LIMIT B, chunked ${FLASH_SIGN[zc-$t]:--}/$CHUNKED_LIMIT B," \
    "own-sha ${FLASH_HDR[zo-$t]:--}/$OWN_SHA_LIMIT B, stack $peak/$STACK_LIMIT B$v4a"
done
if [ "$ENFORCE" = 1 ]; then
  echo "enforced: ${#MISSED[@]} failed${MISSED[*]:+: ${MISSED[*]}}"
  [ ${#MISSED[@]} = 0 ] && RUNS_OK=$((RUNS_OK + 1)) || RUNS_BAD=$((RUNS_BAD + 1))
else
  echo "SIGV4RS_FW_ENFORCE_TARGETS=0: reported only${MISSED[*]:+ (would fail: ${MISSED[*]})}."
fi

printf '\n=== timings\n'
printf '%s\n' "${TIMES[@]}"
awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%-52s %6.1f s\n", "total", b-a}'
echo "toolchain: $("$RUSTC" --version) | $(arm-none-eabi-gcc --version | head -1) |" \
  "$(riscv64-unknown-elf-gcc --version | head -1) | $("$(qemu_of thumbv7m-none-eabi)" --version | head -1) |" \
  "$(basename "$(qemu_of riscv32imc-unknown-none-elf)") $("$(qemu_of riscv32imc-unknown-none-elf)" --version | head -1 | sed 's/.*version //')"
echo
echo "per run:"
for v in "${VARIANTS[@]}"; do for t in "${TARGETS[@]}"; do built "$v" "$t" || continue; for b in $(boards_of "$t"); do
  printf '  %-4s %-3s %-12s %s\n' "$(short_of "$t")" "$v" "$b" "${VERDICT[$v-$t-$b]}"
done; done; done
# The closing line CI tools read: firmware runs (plus the negative control).
echo "embedded: $RUNS_OK passed, $RUNS_BAD failed"
[ "$RUNS_BAD" = 0 ]
