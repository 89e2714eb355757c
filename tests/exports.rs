//! The shared library exports only `sigv4rs_*` functions, and every function
//! the header declares is exported.

use std::path::PathBuf;
use std::process::Command;

fn shared_lib() -> PathBuf {
    // The test binary lives in target/<profile>/deps; the cdylib beside deps.
    // `cargo test` does not relink the cdylib, so build it here first.
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let mut build = Command::new(env!("CARGO"));
    build.args([
        "build",
        "--lib",
        "--manifest-path",
        concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
    ]);
    if dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    assert!(build.status().unwrap().success(), "cargo build --lib failed");
    dir.join("libsigv4rs.so")
}

#[test]
fn only_prefixed_symbols_are_exported() {
    let lib = shared_lib();
    assert!(lib.exists(), "{} not built", lib.display());
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .expect("nm (binutils) is needed");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let syms: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().nth(2)).collect();
    assert!(!syms.is_empty());
    let stray: Vec<&&str> = syms.iter().filter(|s| !s.starts_with("sigv4rs_")).collect();
    assert!(stray.is_empty(), "exported symbols without the prefix: {stray:?}");

    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/sigv4rs.h")).unwrap();
    let declared: Vec<String> = header
        .lines()
        .filter(|l| !l.starts_with("//") && l.contains("sigv4rs_") && l.contains('('))
        .filter_map(|l| {
            let before = &l[..l.find('(')?];
            let name = before.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next()?;
            (name.starts_with("sigv4rs_") && name != "sigv4rs_cstr").then(|| name.to_string())
        })
        .collect();
    assert!(declared.len() >= 15, "{declared:?}");
    for d in &declared {
        assert!(
            syms.contains(&d.as_str()),
            "{d} is declared in the header but not exported"
        );
    }
    for s in &syms {
        assert!(
            declared.iter().any(|d| d == s),
            "{s} is exported but not declared in the header"
        );
    }
}
