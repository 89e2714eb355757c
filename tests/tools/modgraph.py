#!/usr/bin/env python3
"""The module graph of src/sign/: which module imports which (outside its
tests), printed in dependency order. Fails (exit 1) on a cycle, and on a
`pub mod`: submodules are crate-private, the API is what mod.rs re-exports.

    tests/tools/modgraph.py [DIR]      (default: src/sign)
"""
import pathlib
import re
import sys


def strip(text):
    """The file without comments, string literals and its test module."""
    text = re.split(r"^#\[cfg\(test\)\]", text, flags=re.M)[0]
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'b?"(?:\\.|[^"\\])*"', '""', text)


def heads(group):
    """First path segment of each item in a `{a, b::c, d::{e, f}}` list."""
    depth, item, out = 0, "", []
    for ch in group + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(item.strip().split("::")[0])
            item = ""
        else:
            item += ch
    return [h for h in out if h]


def graph(root):
    mods = {p.stem: strip(p.read_text()) for p in root.glob("*.rs") if p.stem != "mod"}
    top = strip((root / "mod.rs").read_text())
    # Names mod.rs re-exports resolve to the module they come from.
    owner = {}
    for m, names in re.findall(r"pub use (\w+)::(\{[^}]*\}|\w+);", top):
        for n in heads(names.strip("{}")):
            owner[n] = m
    edges = {}
    for m, text in mods.items():
        deps = set()
        for path in re.findall(r"\b(?:super|crate::sign)::(\{[^;]*\}|\w+)", text):
            for h in heads(path[1:-1]) if path.startswith("{") else [path]:
                dep = h if h in mods else owner.get(h)
                if dep and dep != m:
                    deps.add(dep)
        edges[m] = deps
    return edges, top


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src/sign")
    edges, top = graph(root)
    public = re.findall(r"^\s*pub mod (\w+)", top, flags=re.M)
    if public:
        sys.exit("modgraph: `pub mod %s` in %s/mod.rs: make it pub(crate) and re-export "
                 "the API from mod.rs" % (", ".join(public), root))
    order, state, stack = [], {}, []

    def visit(m):
        if state.get(m) == "done":
            return
        if state.get(m) == "open":
            cycle = stack[stack.index(m):] + [m]
            sys.exit("modgraph: import cycle in %s: %s" % (root, " -> ".join(cycle)))
        state[m] = "open"
        stack.append(m)
        for d in sorted(edges[m]):
            visit(d)
        stack.pop()
        state[m] = "done"
        order.append(m)

    for m in sorted(edges):
        visit(m)
    for m in order:
        print("  %-10s <- %s" % (m, ", ".join(sorted(edges[m])) or "(leaf)"))
    print("modgraph: %d modules in %s, no cycle" % (len(order), root))


if __name__ == "__main__":
    main()
