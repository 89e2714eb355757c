//! The committed header and the bindings' ABI tables must equal what
//! `tests/common/abi.rs` generates from the Rust sources, and the header's
//! version macros must equal Cargo.toml's version. `SIGV4RS_BLESS=1`
//! (`make header`) rewrites them; `SIGV4RS_HEADER=<file>` checks the macros
//! of another copy.

// Only the header reader and the generator of tests/common/.
#[allow(dead_code)]
#[path = "common/abi.rs"]
mod abi;
#[allow(dead_code)]
#[path = "common/header.rs"]
mod header;

use std::collections::BTreeMap;

use header::Header;

#[test]
fn committed_header_and_tables_are_current() {
    let path = abi::root().join("include/sigv4rs.h");
    let fresh = abi::generate_header();
    let bless = std::env::var_os("SIGV4RS_BLESS").is_some();
    if bless {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/sigv4rs.h is stale: run `make header` and commit it"
    );
    for (file, text) in abi::tables(&Header::parse(&fresh)) {
        if bless {
            std::fs::write(&file, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            committed == text,
            "{} is stale: run `make header` and commit it",
            file.display()
        );
    }
}

/// The status enum in the header is `sigv4rs_status::ALL`, and every status
/// has its own message from `sigv4rs_status_str`.
#[test]
fn header_statuses_have_messages() {
    let h = Header::load();
    let codes = h.status_codes();
    assert_eq!(codes.len(), sigv4rs::ffi::sigv4rs_status::ALL.len());
    let mut seen = std::collections::BTreeSet::new();
    for (name, code) in codes {
        let p = sigv4rs::ffi::sigv4rs_status_str(code);
        // SAFETY: a static NUL-terminated string.
        let msg = unsafe { std::ffi::CStr::from_ptr(p) }.to_str().unwrap();
        assert_ne!(msg, "unknown status", "{name}");
        assert!(seen.insert(msg), "{name}: message {msg:?} used twice");
    }
}

/// `SIGV4RS_VERSION_*` are Cargo.toml's version, and the composite
/// `SIGV4RS_VERSION_NUMBER`, evaluated as C would, is the documented
/// `(MAJOR << 16) | (MINOR << 8) | PATCH` of it.
#[test]
fn version_macros_match_cargo() {
    let h = Header::load();
    let cargo = |v: &str| -> i64 { v.parse().unwrap() };
    let want = [
        cargo(env!("CARGO_PKG_VERSION_MAJOR")),
        cargo(env!("CARGO_PKG_VERSION_MINOR")),
        cargo(env!("CARGO_PKG_VERSION_PATCH")),
    ];
    let parts = [
        "SIGV4RS_VERSION_MAJOR",
        "SIGV4RS_VERSION_MINOR",
        "SIGV4RS_VERSION_PATCH",
    ];
    assert_eq!(parts.map(|p| h.define_int(p)), want, "{parts:?} against Cargo.toml");
    let composite = |[major, minor, patch]: [i64; 3]| (major << 16) | (minor << 8) | patch;
    let eval = |defines: &BTreeMap<String, String>| eval_macro(defines, "SIGV4RS_VERSION_NUMBER");
    assert_eq!(
        eval(&h.defines),
        composite(want),
        "SIGV4RS_VERSION_NUMBER against Cargo.toml"
    );
    // Version 0.x leaves MAJOR out of the number above: the formula is also
    // evaluated with other parts, each in its own byte.
    for other in [[1, 2, 3], [255, 0, 0], [0, 255, 0], [0, 0, 255]] {
        let mut d = h.defines.clone();
        for (p, v) in parts.iter().zip(other) {
            d.insert(p.to_string(), v.to_string());
        }
        assert_eq!(
            eval(&d),
            composite(other),
            "SIGV4RS_VERSION_NUMBER for version {other:?}"
        );
    }
}

/// The value of a macro made of integers, other macros, parentheses, `<<`,
/// `|` and `+`, with C's precedence (`+` before `<<` before `|`).
fn eval_macro(defines: &BTreeMap<String, String>, name: &str) -> i64 {
    let body = defines.get(name).unwrap_or_else(|| panic!("no #define {name}"));
    let mut tokens = Vec::new();
    let mut rest = body.as_str();
    while let Some(c) = rest.chars().next() {
        let len = if c.is_whitespace() {
            rest = &rest[1..];
            continue;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len())
        } else if rest.starts_with("<<") {
            2
        } else {
            1
        };
        tokens.push(&rest[..len]);
        rest = &rest[len..];
    }
    let mut pos = 0;
    let v = expr(defines, &tokens, &mut pos, 0);
    assert_eq!(pos, tokens.len(), "#define {name} {body}: trailing tokens");
    v
}

/// Precedence climbing: level 0 `|`, 1 `<<`, 2 `+`, then operands.
fn expr(defines: &BTreeMap<String, String>, t: &[&str], pos: &mut usize, level: usize) -> i64 {
    const OPS: [&str; 3] = ["|", "<<", "+"];
    if level == OPS.len() {
        let tok = t[*pos];
        *pos += 1;
        return match tok {
            "(" => {
                let v = expr(defines, t, pos, 0);
                assert_eq!(t.get(*pos), Some(&")"), "unbalanced parentheses");
                *pos += 1;
                v
            }
            _ if tok.starts_with(|c: char| c.is_ascii_digit()) => {
                tok.trim_end_matches(['u', 'U', 'l', 'L']).parse().expect(tok)
            }
            _ => eval_macro(defines, tok),
        };
    }
    let mut v = expr(defines, t, pos, level + 1);
    while t.get(*pos) == Some(&OPS[level]) {
        *pos += 1;
        let r = expr(defines, t, pos, level + 1);
        v = match level {
            0 => v | r,
            1 => v << r,
            _ => v + r,
        };
    }
    v
}

#[test]
fn macro_evaluator() {
    let d: BTreeMap<String, String> = [("A", "2"), ("B", "(A << 3 | 1)"), ("C", "1 + A << 2 | B")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    assert_eq!(eval_macro(&d, "B"), 17);
    assert_eq!(eval_macro(&d, "C"), 29);
}

/// The shared header reader on a sample of what cbindgen writes.
#[test]
fn header_reader() {
    let h = Header::parse(
        "/* (a comment) */
#define SIGV4RS_X 7
#define OTHER 1
enum sigv4rs_status
#if defined(__cplusplus)
  : uint32_t
#endif
 {
  // Success.
  SIGV4RS_STATUS_OK = 0,
  SIGV4RS_STATUS_PANIC = 900,
};
typedef struct sigv4rs_signer sigv4rs_signer;
typedef struct {
  uint32_t mode;
} sigv4rs_stream;

#if defined(SIGV4RS_STD)
// Does it.
//
// Statuses: OK, PANIC.
sigv4rs_status sigv4rs_do(const sigv4rs_signer *signer,
                          uint8_t *out);
#endif

// No statuses.
const char *sigv4rs_str(void);
static inline sigv4rs_bytes sigv4rs_cstr(const char *s) {
",
    );
    assert_eq!(h.defines.keys().collect::<Vec<_>>(), ["SIGV4RS_X"]);
    assert_eq!(h.define_int("SIGV4RS_X"), 7);
    assert_eq!(
        h.enums["sigv4rs_status"],
        [
            ("SIGV4RS_STATUS_OK".to_string(), 0),
            ("SIGV4RS_STATUS_PANIC".to_string(), 900)
        ]
    );
    assert_eq!(
        h.structs.iter().collect::<Vec<_>>(),
        ["sigv4rs_signer", "sigv4rs_stream"]
    );
    assert_eq!(h.functions.keys().collect::<Vec<_>>(), ["sigv4rs_do", "sigv4rs_str"]);
    let f = &h.functions["sigv4rs_do"];
    assert_eq!(
        (f.returns.as_str(), f.std_only, f.statuses_text()),
        ("sigv4rs_status", true, Some(" OK, PANIC."))
    );
    let params: Vec<(&str, &str)> = f.params.iter().map(|p| (p.ty.as_str(), p.name.as_str())).collect();
    assert_eq!(params, [("const sigv4rs_signer *", "signer"), ("uint8_t *", "out")]);
    let g = &h.functions["sigv4rs_str"];
    assert_eq!(
        (g.returns.as_str(), g.std_only, g.params.len(), g.doc.as_str()),
        ("const char *", false, 0, "No statuses.")
    );
    assert_eq!(h.documented_statuses().unwrap()["sigv4rs_do"], [0, 900].into());
}
