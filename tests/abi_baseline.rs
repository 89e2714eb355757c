//! ABI stability (issue 14): the C ABI of this version against the
//! committed baseline `abi/sigv4rs.abi`, one fact per line: the SONAME,
//! each exported function's C prototype (parameter types; names are not
//! ABI) from the committed header, each struct's size and field offsets
//! (the compiler's, `tests/common/abi.rs`), each enum value and integer
//! constant. `tests/abi.rs` checks that the library exports exactly the
//! header's functions, so the symbols are covered too.
//!
//! The policy (README "ABI"): under one SONAME a fact may be added, never
//! removed or changed. A removal or a change fails here unless the version's
//! minor (0.x) or major (1.x on) was bumped, which changes the SONAME; then
//! `make abi-baseline` records the new ABI. An addition under the same
//! SONAME fails only until it is recorded (`make abi-baseline`), so the
//! baseline always holds the whole ABI.

#[allow(dead_code)]
#[path = "common/abi.rs"]
mod abi;
#[allow(dead_code)]
#[path = "common/header.rs"]
mod header;

use std::collections::BTreeSet;

use header::Header;

const BASELINE: &str = "abi/sigv4rs.abi";
/// Handles whose layout is private (pointers to them are the ABI).
const OPAQUE: [&str; 3] = ["sigv4rs_chain", "sigv4rs_signer", "sigv4rs_credentials_sink"];

/// The ABI of the sources, as sorted lines (the SONAME line first).
fn current(h: &Header) -> Vec<String> {
    let mut facts = BTreeSet::new();
    for f in h.functions.values() {
        let params: Vec<&str> = f.params.iter().map(|p| p.ty.as_str()).collect();
        let std = if f.std_only { " [std]" } else { "" };
        facts.insert(format!("function {} {}({}){std}", f.returns, f.name, params.join(", ")));
    }
    let layouts = abi::layouts();
    for (name, size, fields) in &layouts {
        let f: Vec<String> = fields.iter().map(|(n, o)| format!("{n}@{o}")).collect();
        facts.insert(format!("struct {name} size {size}: {}", f.join(" ")));
    }
    let laid: BTreeSet<&str> = layouts.iter().map(|(n, ..)| *n).collect();
    let missing: Vec<&String> = h
        .structs
        .iter()
        .filter(|s| !laid.contains(s.as_str()) && !OPAQUE.contains(&s.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "structs of the header without a layout in tests/common/abi.rs `layouts()`: {missing:?}"
    );
    for (name, values) in &h.enums {
        for (k, v) in values {
            facts.insert(format!("enum {name} {k} = {v}"));
        }
    }
    // Integer macros (enum values are above), less the version's.
    for (k, v) in &h.defines {
        if k.starts_with("SIGV4RS_") && !k.starts_with("SIGV4RS_VERSION") && v.parse::<i64>().is_ok() {
            facts.insert(format!("const {k} = {v}"));
        }
    }
    let mut lines = vec![format!("soname {}", abi::soname())];
    lines.extend(facts);
    lines
}

fn render(lines: &[String]) -> String {
    let mut s = String::from(
        "# The C ABI of libsigv4rs, one fact per line: written by `make abi-baseline`,\n\
         # checked by tests/abi_baseline.rs (`make test`). Do not edit by hand.\n",
    );
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

fn parse(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(String::from)
        .collect()
}

/// Removed, changed or added facts and what they mean; `None` if equal.
fn compare(base: &[String], now: &[String]) -> Option<String> {
    let (b, n): (BTreeSet<&String>, BTreeSet<&String>) = (base.iter().collect(), now.iter().collect());
    if b == n {
        return None;
    }
    let gone: Vec<&&String> = b.difference(&n).filter(|l| !l.starts_with("soname ")).collect();
    let added: Vec<&&String> = n.difference(&b).filter(|l| !l.starts_with("soname ")).collect();
    let soname = |l: &String| l.trim_start_matches("soname ").to_string();
    let (sb, sn) = (soname(&base[0]), soname(&now[0]));
    let mut msg = String::new();
    for l in &gone {
        msg.push_str(&format!("  - {l}\n"));
    }
    for l in &added {
        msg.push_str(&format!("  + {l}\n"));
    }
    Some(if sb != sn {
        format!("the baseline is for {sb:?}, the library is {sn:?}: record the new ABI with `make abi-baseline`\n{msg}")
    } else if !gone.is_empty() {
        format!(
            "ABI break under the same {sn}: {} fact(s) removed or changed. Either keep the ABI, or bump the \
             version's minor (0.x; major from 1.0) in Cargo.toml, which changes the SONAME, then run \
             `make header` and `make abi-baseline`:\n{msg}",
            gone.len()
        )
    } else {
        format!(
            "{} compatible addition(s) not in the baseline: record them with `make abi-baseline`\n{msg}",
            added.len()
        )
    })
}

#[test]
fn abi_matches_the_baseline() {
    let h = Header::load();
    let now = current(&h);
    let path = abi::root().join(BASELINE);
    if std::env::var_os("SIGV4RS_BLESS_ABI").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, render(&now)).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{BASELINE}: {e}: run `make abi-baseline`"));
    let base = parse(&text);
    if let Some(why) = compare(&base, &now) {
        panic!("{BASELINE}: {why}");
    }
    let count = |p: &str| now.iter().filter(|l| l.starts_with(p)).count();
    println!(
        "abi: {} matches {BASELINE} ({} functions, {} structs, {} enum values, {} constants)",
        now[0].trim_start_matches("soname "),
        count("function "),
        count("struct "),
        count("enum "),
        count("const ")
    );
}

/// The comparison itself: each kind of change gets its verdict.
#[test]
fn changes_are_classified() {
    let base: Vec<String> = [
        "soname libsigv4rs.so.0.3",
        "function void f(int)",
        "struct s size 8: a@0",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(compare(&base, &base), None);
    let mut added = base.clone();
    added.push("function void g(void)".into());
    assert!(compare(&base, &added).unwrap().contains("compatible addition"));
    let mut changed = base.clone();
    changed[2] = "struct s size 16: a@0 b@8".into();
    let why = compare(&base, &changed).unwrap();
    assert!(why.contains("ABI break under the same libsigv4rs.so.0.3"), "{why}");
    assert!(
        why.contains("  - struct s size 8: a@0") && why.contains("  + struct s size 16"),
        "{why}"
    );
    let mut bumped = changed.clone();
    bumped[0] = "soname libsigv4rs.so.0.4".into();
    assert!(compare(&base, &bumped).unwrap().contains("record the new ABI"));
}
