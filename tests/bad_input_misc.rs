//! Bad input, `misc` family: `sigv4rs_status_str`, `sigv4rs_version` and
//! `sigv4rs_unix_time_now` (see `tests/common/matrix.rs`); and the checks
//! that span the families: every function the header declares belongs to
//! one, and every "Statuses:" list in the header reads.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CStr;

use common::header::Header;
use common::matrix::*;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("misc", |m| {
    run_misc(m);
});

fn run_misc(m: &mut Matrix) {
    const N: &str = "sigv4rs_unix_time_now";
    m.cell(
        N,
        "out NULL",
        S::NullArgument,
        sigv4rs_unix_time_now(std::ptr::null_mut()),
        vec![],
    );
    let mut now = -7i64;
    let got = sigv4rs_unix_time_now(&mut now);
    let sys = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let p = if (now - sys).abs() > 2 {
        vec![format!("time {now}, the system clock says {sys}")]
    } else {
        vec![]
    };
    m.cell(N, "out", S::Ok, got, p);

    // Codes the header's enum has get their own message; others get
    // "unknown status". Messages are static: the same pointer each time.
    let known: BTreeSet<u32> = Header::load().status_codes().into_values().collect();
    let mut messages: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
    let mut codes: Vec<u32> = (0..1000).collect();
    codes.extend([u32::MAX, u32::MAX - 1, 1 << 31, 0x1_0000]);
    for c in codes {
        let p = sigv4rs_status_str(c);
        let mut problems = vec![];
        if p.is_null() {
            problems.push("NULL".to_string());
        } else {
            let s = unsafe { CStr::from_ptr(p) }.to_bytes();
            if s.is_empty() || !s.iter().all(|b| (0x20..0x7f).contains(b)) {
                problems.push(format!("odd message {s:?}"));
            }
            let unknown = s == b"unknown status";
            if known.contains(&c) {
                if unknown {
                    problems.push("a status of the header's enum is \"unknown status\"".into());
                } else if let Some(other) = messages.insert(s.to_vec(), c) {
                    problems.push(format!("same message as status {other}"));
                }
            } else if !unknown {
                problems.push(format!(
                    "no status in the header, yet the message {:?}",
                    String::from_utf8_lossy(s)
                ));
            }
            if sigv4rs_status_str(c) != p {
                problems.push("another pointer on the second call".into());
            }
        }
        m.void_cell("sigv4rs_status_str", &format!("code {c}"), problems);
    }
    let v = sigv4rs_version();
    let ok = !v.is_null() && unsafe { CStr::from_ptr(v) }.to_str() == Ok(env!("CARGO_PKG_VERSION"));
    m.void_cell(
        "sigv4rs_version",
        "version",
        if ok {
            vec![]
        } else {
            vec!["not Cargo.toml's version".into()]
        },
    );
}

/// A function no family covers would go untested.
#[test]
fn every_header_function_is_in_a_family() {
    let declared: BTreeSet<String> = Header::load().functions.into_keys().collect();
    let covered: BTreeSet<String> = FAMILIES
        .iter()
        .flat_map(|(_, fs)| fs.iter().map(|f| f.to_string()))
        .collect();
    let missing: Vec<&String> = declared.difference(&covered).collect();
    let gone: Vec<&String> = covered.difference(&declared).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "declared in include/sigv4rs.h but in no family of tests/common/matrix.rs: {missing:?}; \
         in a family but not declared: {gone:?}"
    );
}

#[test]
fn header_status_lists_parse() {
    let h = Header::load();
    let docs = h
        .documented_statuses()
        .unwrap_or_else(|e| panic!("header doc comments:\n{}", e.join("\n")));
    assert!(
        docs.len() >= 15,
        "functions with a \"Statuses:\" list: {:?}",
        docs.keys()
    );
    for (f, set) in &docs {
        let names: Vec<String> = set.iter().map(|c| h.status_name(*c)).collect();
        eprintln!("{f}: {}", names.join(", "));
        assert!(
            set.contains(&0) && set.contains(&900),
            "{f}: OK and PANIC should be listed"
        );
    }
}

/// A status number is never reused: the statuses the library had when this
/// list was written keep their names and numbers (new ones may be added).
#[test]
fn statuses_keep_their_numbers() {
    const SINCE_0_1: [(&str, u32); 30] = [
        ("OK", 0),
        ("NULL_ARGUMENT", 1),
        ("BUFFER_TOO_SMALL", 2),
        ("INVALID_ARGUMENT", 3),
        ("NOT_INITIALIZED", 4),
        ("INVALID_ACCESS_KEY_ID", 100),
        ("INVALID_SECRET_KEY", 101),
        ("INVALID_SESSION_TOKEN", 102),
        ("INVALID_REGION", 103),
        ("INVALID_SERVICE", 104),
        ("INVALID_UNSIGNED_HEADER", 105),
        ("INVALID_METHOD", 110),
        ("INVALID_URL", 111),
        ("INVALID_HOST", 112),
        ("MISSING_HOST", 113),
        ("INVALID_PATH", 114),
        ("INVALID_QUERY", 115),
        ("RESERVED_QUERY_PARAMETER", 116),
        ("INVALID_HEADER_NAME", 117),
        ("INVALID_HEADER_VALUE", 118),
        ("INVALID_PAYLOAD_HASH", 119),
        ("INVALID_TIME", 120),
        ("INVALID_EXPIRES", 121),
        ("TOO_MANY_HEADERS", 130),
        ("TOO_MANY_QUERY_PARAMETERS", 131),
        ("INPUT_TOO_LONG", 132),
        ("MISSING_CREDENTIALS", 140),
        ("INVALID_CHUNK_SIZE", 150),
        ("INCOMPLETE_PAYLOAD", 151),
        ("PANIC", 900),
    ];
    let codes = Header::load().status_codes();
    for (n, c) in SINCE_0_1 {
        assert_eq!(codes.get(n), Some(&c), "SIGV4RS_STATUS_{n} in include/sigv4rs.h");
    }
    let mut numbers: Vec<u32> = codes.values().copied().collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), codes.len(), "two statuses share a number: {codes:?}");
}
