#!/usr/bin/env python3
"""Where the flash goes: symbol sizes of a linked ELF grouped by area.

Usage: size_report.py ELF [--top N]
(needs arm-none-eabi-nm and -size, or riscv64-unknown-elf-* for a RISC-V ELF)

Groups demangled symbols (code and read-only data) by the part of the
library they belong to, prints each group's bytes and share, then the N
largest symbols. Bytes not covered by a sized symbol (alignment, unnamed
constants) are shown as "unattributed".
"""
import re
import subprocess
import sys

GROUPS = [  # first match wins
    ("SHA-256 / HMAC (sha2, sign::sha)", r"sha2::|sign::sha::|\bhmac::|digest::"),
    ("plan, canonical request, outputs (sign::plan, canonical, output, ops)", r"sign::(plan|canonical|output|ops)::|Signer>::(run|v4_at|sign_headers|presign|canonical_request|string_to_sign|begin_chunked|signature)\b"),
    ("aws-chunked (sign::chunked, checksum, ffi::chunked)", r"sign::(chunked|stream|checksum)::|ffi::chunked::|^sigv4rs_chunked_"),
    ("signer, key cache, algorithm (sign::signer, key, algorithm)", r"sign::(signer|key|algorithm)::"),
    ("URL/path/query/header/encoding rules", r"sign::(url|path|query|headers|encode|sink|time|request)::"),
    ("C ABI glue (ffi, exported sigv4rs_*)", r"sigv4rs::ffi::|^sigv4rs_"),
    ("compiler_builtins (mem*, 64-bit division)", r"compiler_builtins::|^__aeabi|^mem|^__(?!sync_)"),
    ("compare-and-swap from the app (fw/riscv/atomic.c)", r"^__sync_"),
    ("machine outliner (OUTLINED_FUNCTION_*)", r"^OUTLINED_FUNCTION"),
    ("core (slices, iterators, panics)", r"core::|^<\[u8"),
]


def gnu_prefix(elf):
    """The binutils prefix for the ELF's machine (e_machine 243 = RISC-V)."""
    with open(elf, "rb") as f:
        head = f.read(20)
    return "riscv64-unknown-elf-" if head[18:20] == b"\xf3\x00" else "arm-none-eabi-"


def main():
    args = sys.argv[1:]
    top = 15
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    elf = args[0]
    tools = gnu_prefix(elf)
    total = 0
    for line in subprocess.run([tools + "size", "-A", elf], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[0] in (".text", ".rodata", ".data"):
            total += int(p[1])
    syms = []
    for line in subprocess.run([tools + "nm", "-S", "-C", "-t", "d", "--size-sort", elf],
                               capture_output=True, text=True, check=True).stdout.splitlines():
        p = line.split(None, 3)
        if len(p) == 4 and p[2] in "tTrRdDwWbB" and p[2] not in "bB":
            syms.append((int(p[1]), p[2], re.sub(r"\[[0-9a-f]+\]", "", p[3])))
    sums = {g: 0 for g, _ in GROUPS}
    other = 0
    for size, _, name in syms:
        for g, pat in GROUPS:
            if re.search(pat, name):
                sums[g] += size
                break
        else:
            other += size
    covered = sum(s for s, _, _ in syms)
    print("%-52s %7s %6s" % ("area", "bytes", "share"))
    rows = sorted(sums.items(), key=lambda kv: -kv[1]) + [("other", other), ("unattributed", total - covered)]
    for g, s in rows:
        if s:
            print("%-52s %7d %5.1f%%" % (g, s, 100.0 * s / total))
    print("%-52s %7d" % ("total flash (.text + .rodata + .data)", total))
    print()
    print("largest symbols:")
    for size, kind, name in sorted(syms, reverse=True)[:top]:
        print("  %6d %s %s" % (size, kind, name if len(name) <= 110 else name[:107] + "..."))


if __name__ == "__main__":
    main()
