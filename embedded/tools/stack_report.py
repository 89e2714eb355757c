#!/usr/bin/env python3
"""Static worst-case stack of exported functions in a linked Thumb or RV32 ELF.

Usage: stack_report.py ELF [--objdump PATH] [--top N] ROOT...
(objdump and c++filt: arm-none-eabi-* or riscv64-unknown-elf-*, from the
ELF's machine)

Frame sizes come from LLVM's .stack_sizes (rustc -Z emit-stack-sizes);
functions without an entry (assembly) or with 0 (machine-outlined code) get
an estimate from their prologue (push/vpush/str lr,[sp,#-n]!/sub sp). The call graph comes from the disassembly: bl/b/b.w to
a function start are calls. Indirect calls (blx/bx rN) may reach any
function whose address is taken: a word in the image equal to its address
(vtables, literal pools) or a movw/movt pair building it (LLVM passes
`dyn` methods as bare function pointers). That makes the result an upper
bound, unless recursion shows up, which is reported.

RISC-V: calls are jal (ra, or t0 for the machine outliner), auipc+jalr
(objdump resolves the target in a comment), tail calls j or auipc+jr, and a
branch to another function's start. Indirect: jalr or jr through any other
register, except a jump-table dispatch (see scan_riscv);
jr t0 inside an OUTLINED_FUNCTION is its return, and its frame is 0 (the
outliner moves callers' prologues there; .stack_sizes counts them in the
caller). Address-taken: a word in
the non-code image equal to a function's start (run.sh links RISC-V code at
0x42000000, so small constants do not collide), or a lui/auipc+addi pair
that objdump resolves to one. Prologue estimate: addi sp,sp,-N.

Prints, per root: "STATIC <root> <bytes> <direct-only bytes> <notes>" and
"PATH <root> <frame>:<name> ..." (names demangled), then the N largest
frames as "FRAME <bytes> <name>".
"""
import re
import struct
import subprocess
import sys


def is_riscv(data):
    return struct.unpack_from("<H", data, 18)[0] == 243  # e_machine EM_RISCV


def elf_sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        sys.exit("stack_report: 32-bit little-endian ELF expected")
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    secs = []
    for i in range(shnum):
        f = struct.unpack_from("<10I", data, shoff + i * shentsize)
        secs.append({"name": f[0], "type": f[1], "flags": f[2], "addr": f[3], "off": f[4],
                     "size": f[5], "link": f[6]})
    names = secs[shstrndx]["off"]
    for s in secs:
        s["name"] = data[names + s["name"]:data.index(b"\0", names + s["name"])].decode()
    return secs


def elf_functions(data, secs):
    """{address: (name, size)} of STT_FUNC symbols (Thumb bit cleared)."""
    funcs = {}
    for s in secs:
        if s["type"] != 2:  # SHT_SYMTAB
            continue
        strtab = secs[s["link"]]["off"]
        for i in range(s["size"] // 16):
            name, value, size, info, _, shndx = struct.unpack_from("<IIIBBH", data, s["off"] + i * 16)
            if info & 0xF == 2 and shndx != 0:
                n = data[strtab + name:data.index(b"\0", strtab + name)].decode()
                a = value & ~1
                # Aliases (memcpy and its mangled twin): keep the plain C name.
                if a not in funcs or (funcs[a][0].startswith("_R") and not n.startswith("_R")):
                    funcs[a] = (n, size)
    return funcs


def stack_sizes(data, secs):
    out = {}
    for s in secs:
        if s["name"] != ".stack_sizes":
            continue
        p, end = s["off"], s["off"] + s["size"]
        while p < end:
            addr, = struct.unpack_from("<I", data, p)
            p += 4
            val = shift = 0
            while True:  # ULEB128
                b = data[p]
                p += 1
                val |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            out[addr & ~1] = val
    return out


CXXFILT = "arm-none-eabi-c++filt"


def demangle(names):
    try:
        res = subprocess.run([CXXFILT], input="\n".join(names), text=True,
                             capture_output=True, check=True).stdout.split("\n")[:len(names)]
    except (OSError, subprocess.CalledProcessError):
        res = list(names)
    out = []
    for n in res:
        n = re.sub(r"\[[0-9a-f]+\]", "", n)  # crate hashes
        out.append(n if len(n) <= 120 else n[:117] + "...")
    return out


REG_LIST = re.compile(r"\{([^}]*)\}")


def reg_count(text):
    n = 0
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-")
            n += int(re.sub(r"\D", "", b)) - int(re.sub(r"\D", "", a)) + 1
        elif part:
            n += 1
    return n


def word_at(data, secs, addr):
    """The 32-bit word the image holds at addr (outside the code), or None."""
    for s in secs:
        if s["type"] == 1 and s["flags"] & 2 and not s["flags"] & 4 and s["addr"] <= addr < s["addr"] + s["size"] - 3:
            return struct.unpack_from("<I", data, s["off"] + addr - s["addr"])[0]
    return None


def scan_riscv(dis, data, secs, funcs, taken):
    """Calls, indirect sites and prologue estimates from RISC-V objdump output.

    A jump-table dispatch (`lw rX, ...` then `jr rX`, in a function that
    builds the address of a table whose first word points into the function
    itself) is a branch inside the function, not an indirect call."""
    calls, indirect, prologue = {}, {}, {}
    dispatch, has_table = {}, set()
    cur, name, first, prev = None, "", 0, ("", "")
    for line in dis.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        if m:
            cur, name, first = int(m.group(1), 16), m.group(2), 0
            calls.setdefault(cur, set())
            continue
        m = re.match(r"^\s*[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if not m or cur is None:
            continue
        op, arg = m.group(1), m.group(2)
        last, prev = prev, (op, arg)
        # The outliner moves whole prologues (addi sp,sp,-N; sw ra,...) into
        # OUTLINED_FUNCTIONs called through t0: that stack is the caller's,
        # already in its .stack_sizes entry, so they count 0.
        if first < 6 and not name.startswith("OUTLINED_FUNCTION"):
            first += 1
            r = re.match(r"sp,sp,-(\d+)$", arg)
            if r and op in ("addi", "add", "c.addi16sp", "c.addi"):
                prologue[cur] = prologue.get(cur, 0) + int(r.group(1))
        t = re.search(r"\b([0-9a-f]+) <([^>]+)>", arg)
        tgt = int(t.group(1), 16) if t else None
        if op in ("jal", "j", "jalr", "jr") or (op.startswith("b") and t):
            if tgt is not None:  # direct (jal/j/branch, or auipc+jalr/jr resolved by objdump)
                if tgt in funcs and tgt != cur:
                    calls[cur].add(tgt)
            elif op in ("jalr", "jr"):
                reg = re.match(r"(?:-?\d+\()?(\w+)\)?$", arg.split(",")[-1].strip())
                reg = reg.group(1) if reg else arg
                if op == "jr" and (reg == "ra" or (reg == "t0" and name.startswith("OUTLINED_FUNCTION"))):
                    continue  # a return
                indirect[cur] = indirect.get(cur, 0) + 1
                if op == "jr" and last[0] == "lw" and last[1].startswith(reg + ","):
                    dispatch[cur] = dispatch.get(cur, 0) + 1
        elif tgt is not None and op in ("addi", "add", "c.addi"):
            if tgt in funcs:
                taken.add(tgt)  # lui/auipc + addi building a function's address
            else:
                w = word_at(data, secs, tgt)
                if w is not None and cur < w < cur + funcs[cur][1]:
                    has_table.add(cur)
    for a in has_table:
        if dispatch.get(a):
            indirect[a] -= dispatch[a]
            if not indirect[a]:
                del indirect[a]
    return calls, indirect, prologue


def main():
    global CXXFILT
    args = sys.argv[1:]
    objdump, top = "arm-none-eabi-objdump", 8
    if "--objdump" in args:
        i = args.index("--objdump")
        objdump = args[i + 1]
        del args[i:i + 2]
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    elf, roots = args[0], args[1:]
    data = open(elf, "rb").read()
    riscv = is_riscv(data)
    if riscv:
        CXXFILT = "riscv64-unknown-elf-c++filt"
        if objdump == "arm-none-eabi-objdump":
            objdump = "riscv64-unknown-elf-objdump"
    secs = elf_sections(data)
    funcs = elf_functions(data, secs)
    frames = stack_sizes(data, secs)

    # Words in the loaded image that equal a function address: with the
    # Thumb bit anywhere (literal pools live in .text) on ARM; outside the
    # code on RISC-V, which has no Thumb bit and no literal pools.
    taken = set()
    for s in secs:
        if s["flags"] & 2 and s["type"] == 1 and not (riscv and s["flags"] & 4):  # ALLOC, PROGBITS, !EXEC
            for i in range(0, s["size"] - 3, 4):
                w, = struct.unpack_from("<I", data, s["off"] + i)
                if riscv and w in funcs:
                    taken.add(w)
                elif not riscv and w & 1 and (w & ~1) in funcs:
                    taken.add(w & ~1)

    dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], capture_output=True, text=True,
                         check=True).stdout
    if riscv:
        calls, indirect, prologue = scan_riscv(dis, data, secs, funcs, taken)
        dis = ""
    else:
        calls, indirect, prologue = {}, {}, {}
    cur, movw, first = None, {}, 0
    for line in dis.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        if m:
            cur = int(m.group(1), 16) & ~1
            calls.setdefault(cur, set())
            movw, first = {}, 0
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if not m or cur is None:
            continue
        op, arg = m.group(1), m.group(2)
        base = op.split(".")[0]
        # Prologue estimate for functions without .stack_sizes.
        if first < 6:
            first += 1
            r = REG_LIST.search(arg)
            if r and (base == "push" or (base == "stmdb" and arg.startswith("sp!"))):
                prologue[cur] = prologue.get(cur, 0) + 4 * reg_count(r.group(1))
            elif r and base == "vpush":
                prologue[cur] = prologue.get(cur, 0) + 8 * reg_count(r.group(1))
            elif base == "str" and re.match(r"\w+, \[sp, #-(\d+)\]!", arg):
                prologue[cur] = prologue.get(cur, 0) + int(re.search(r"#-(\d+)", arg).group(1))
            elif base in ("sub", "subw") and arg.startswith("sp, ") and "#" in arg:
                prologue[cur] = prologue.get(cur, 0) + int(re.search(r"#(\d+)", arg).group(1))
        if base in ("movw", "movt"):
            r = re.match(r"(\w+), #(\d+)", arg)
            if r:
                if base == "movw":
                    movw[r.group(1)] = int(r.group(2))
                elif r.group(1) in movw:
                    v = (int(r.group(2)) << 16) | movw[r.group(1)]
                    if v & 1 and (v & ~1) in funcs:
                        taken.add(v & ~1)
            continue
        t = re.search(r"\b([0-9a-f]+) <([^>]+)>", arg)
        is_branch = re.match(r"^(bl|blx|b)(eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?(\.[nw])?$", op)
        if is_branch and t:
            tgt = int(t.group(1), 16) & ~1
            if tgt in funcs and tgt != cur:
                calls[cur].add(tgt)
        elif base in ("blx", "bx") and re.match(r"^(r\d+|ip|sl|fp|sb)$", arg.strip()):
            indirect[cur] = indirect.get(cur, 0) + 1

    def frame(a):
        # The larger of the two: the machine outliner's functions get a 0
        # entry even when they save LR on the stack.
        return max(frames.get(a, 0), prologue.get(a, 0))

    names = {a: n for a, (n, _) in funcs.items()}
    by_name = {n: a for a, n in names.items()}

    def solve(use_indirect):
        memo, notes = {}, set()

        def worst(a, path):
            if a in path:
                notes.add("recursion via " + names.get(a, hex(a)))
                return (0, [])
            if a in memo:
                return memo[a]
            succ = set(calls.get(a, ()))
            if use_indirect and indirect.get(a):
                succ |= taken
            best = (0, [])
            for c in succ:
                w = worst(c, path | {a})
                if w[0] > best[0]:
                    best = w
            res = (frame(a) + best[0], [a] + best[1])
            memo[a] = res
            return res
        return worst, notes

    full, full_notes = solve(True)
    direct, _ = solve(False)
    for r in roots:
        if r not in by_name:
            print("STATIC %s - - not-linked" % r)
            continue
        a = by_name[r]
        total, path = full(a, frozenset())
        dtotal, _ = direct(a, frozenset())
        reach, todo = set(), [a]
        while todo:
            x = todo.pop()
            if x not in reach:
                reach.add(x)
                todo.extend(calls.get(x, ()))
                if indirect.get(x):
                    todo.extend(taken)
        est = sorted(names[x] for x in reach if x not in frames)
        ind = sum(indirect.get(x, 0) for x in reach)
        notes = []
        if ind:
            notes.append("%d-indirect-sites" % ind)
        if est:
            notes.append("prologue-estimate:" + ",".join(demangle(est)).replace(" ", ""))
        print("STATIC %s %d %d %s" % (r, total, dtotal, " ".join(notes) or "-"))
        print("PATH %s %s" % (r, " -> ".join("%d:%s" % (frame(x), n)
                                              for x, n in zip(path, demangle([names[x] for x in path])))))
    for note in sorted(full_notes):
        print("NOTE " + note)
    print("TAKEN %s" % ", ".join(demangle(sorted(names[a] for a in taken))))
    biggest = sorted(frames, key=lambda a: -frames[a])[:top]
    for a, n in zip(biggest, demangle([names.get(a, hex(a)) for a in biggest])):
        print("FRAME %d %s" % (frames[a], n))


if __name__ == "__main__":
    main()
