//! The committed header must equal a fresh cbindgen run, and its version
//! macros must equal Cargo.toml's version. `SIGV4RS_BLESS=1` rewrites it.

use std::path::Path;

fn generate() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(Path::new(root).join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn committed_header_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/sigv4rs.h");
    let fresh = generate();
    if std::env::var_os("SIGV4RS_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/sigv4rs.h is stale: run `make header` and commit it"
    );
}

#[test]
fn version_macros_match_cargo() {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/sigv4rs.h")).unwrap();
    let get = |name: &str| -> u32 {
        let line = header
            .lines()
            .find(|l| l.starts_with(&format!("#define {name} ")))
            .expect(name);
        line.split_whitespace().nth(2).unwrap().parse().unwrap()
    };
    let want: Vec<u32> = env!("CARGO_PKG_VERSION")
        .split('.')
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(
        [
            get("SIGV4RS_VERSION_MAJOR"),
            get("SIGV4RS_VERSION_MINOR"),
            get("SIGV4RS_VERSION_PATCH")
        ],
        [want[0], want[1], want[2]]
    );
    // The composite, computed as the header's formula says.
    let composite = (want[0] << 16) | (want[1] << 8) | want[2];
    assert!(header.contains("((SIGV4RS_VERSION_MAJOR << 16) | (SIGV4RS_VERSION_MINOR << 8) | SIGV4RS_VERSION_PATCH)"));
    assert_eq!(
        composite,
        (get("SIGV4RS_VERSION_MAJOR") << 16) | (get("SIGV4RS_VERSION_MINOR") << 8) | get("SIGV4RS_VERSION_PATCH")
    );
}
