//! ABI guard (issue 7): the functions `libsigv4rs.so` exports must be
//! exactly the list in README.md between `<!-- abi:start -->` and
//! `<!-- abi:end -->`, and the ones the header declares; it exports no
//! symbol without the `sigv4rs_` prefix. Adding, removing or renaming an
//! export means updating that list on purpose.

// Only the header reader of tests/common/, not the other helpers.
#[allow(dead_code)]
#[path = "common/header.rs"]
mod header;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use header::Header;

const START: &str = "<!-- abi:start -->";
const END: &str = "<!-- abi:end -->";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cdylib of this test's profile (target/<profile>, `debug` for
/// `dev`), rebuilt first: `cargo test` does not relink it.
fn shared_lib() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let profile = match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(p) => p,
    };
    let status = Command::new(env!("CARGO"))
        .args(["build", "--lib", "--profile", profile, "--manifest-path"])
        .arg(root().join("Cargo.toml"))
        .status()
        .unwrap();
    assert!(status.success(), "cargo build --lib --profile {profile} failed");
    dir.join("libsigv4rs.so")
}

/// `nm -D --defined-only` of the library: (type letter, name) pairs, built
/// and read once for both tests.
fn symbols() -> &'static [(String, String)] {
    static SYMS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SYMS.get_or_init(|| {
        let lib = shared_lib();
        let out = Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(&lib)
            .output()
            .expect("nm (binutils) is needed");
        assert!(out.status.success(), "nm {} failed", lib.display());
        let syms: Vec<(String, String)> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace().skip(1);
                let (kind, name) = (w.next()?, w.next()?);
                Some((kind.to_string(), name.split('@').next().unwrap().to_string()))
            })
            .collect();
        assert!(!syms.is_empty(), "nm found no symbol in {}", lib.display());
        syms
    })
}

/// The exported functions.
fn exported() -> BTreeSet<String> {
    symbols()
        .iter()
        .filter(|(kind, _)| matches!(kind.as_str(), "T" | "t" | "W" | "i"))
        .map(|(_, name)| name.clone())
        .collect()
}

/// Data as well as functions: nothing of Rust's or of a dependency leaks.
#[test]
fn only_prefixed_symbols_are_exported() {
    let stray: Vec<&String> = symbols()
        .iter()
        .map(|(_, name)| name)
        .filter(|name| !name.starts_with("sigv4rs_"))
        .collect();
    assert!(stray.is_empty(), "exported symbols without the prefix: {stray:?}");
}

/// Every `sigv4rs_*` name in backticks between the markers.
fn documented(readme: &str) -> Result<BTreeSet<String>, String> {
    let start = readme.find(START).ok_or("no start marker")?;
    let end = readme[start..]
        .find(END)
        .ok_or("no end marker after the start marker")?
        + start;
    let section = &readme[start + START.len()..end];
    let names: BTreeSet<String> = section
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|t| t.trim_end_matches("()"))
        .filter(|t| t.starts_with("sigv4rs_") && t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
        .map(str::to_string)
        .collect();
    if names.is_empty() {
        return Err("the section names no `sigv4rs_*` function".into());
    }
    Ok(names)
}

fn suggested_section(names: &BTreeSet<String>) -> String {
    let mut s = format!("{START}\n");
    for n in names {
        s.push_str(&format!("- `{n}`\n"));
    }
    s.push_str(END);
    s
}

#[test]
fn exported_symbols_match_the_readme_list() {
    let syms = exported();
    assert!(syms.len() >= 15, "suspiciously few exports: {syms:?}");
    // SIGV4RS_README: another file to check (to try a proposed list).
    let path = std::env::var_os("SIGV4RS_README").map_or(root().join("README.md"), PathBuf::from);
    let readme = std::fs::read_to_string(&path).unwrap();
    let listed = documented(&readme).unwrap_or_else(|why| {
        panic!(
            "README.md has no ABI list ({why}). Add a section listing every exported function \
             between the markers, e.g.:\n\n{}\n",
            suggested_section(&syms)
        )
    });
    let missing: Vec<&String> = syms.difference(&listed).collect();
    let extra: Vec<&String> = listed.difference(&syms).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the ABI changed: exported but not in README.md's list: {missing:?}; \
         listed but not exported: {extra:?}. Update the list on purpose (and the SONAME \
         if the change breaks callers)."
    );
    let header: BTreeSet<String> = Header::load().functions.into_keys().collect();
    assert_eq!(header, syms, "the header's declarations and the exports differ");
}

#[test]
fn readme_list_parser() {
    let text = format!("x\n{START}\n- `sigv4rs_a` (std)\n- `sigv4rs_b()`\n`other`\n{END}\n- `sigv4rs_c`");
    let got = documented(&text).unwrap();
    assert_eq!(got.into_iter().collect::<Vec<_>>(), ["sigv4rs_a", "sigv4rs_b"]);
    assert!(documented("no markers").is_err());
    assert!(documented(&format!("{START}\n{END}")).is_err());
}
