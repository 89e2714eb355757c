//! The bad-input matrix (issue 7), shared by `tests/bad_input_*.rs`, one
//! binary per function family: every exported function against every kind
//! of bad input (NULL pointers, `(NULL, 0)` and `(NULL, n)` inputs, lengths
//! near SIZE_MAX, CR/LF/NUL/invalid UTF-8, empty names, every short
//! capacity, times outside 1970..9999, bad expiries, use after `_deinit`).
//! Each call must give the expected status, write nothing on failure
//! (canaries), write nothing past `*out_len`, and leave caller state alone
//! on failure. Then every status a function was seen to return must be in
//! its "Statuses:" list in the header.

use std::collections::{BTreeMap, BTreeSet};

use sigv4rs::ffi::*;
use sigv4rs_status as S;

use super::b;
use super::header::Header;

/// Which family covers each exported function; `tests/bad_input_misc.rs`
/// checks that the header declares no function outside them.
pub const FAMILIES: &[(&str, &[&str])] = &[
    (
        "signer",
        &[
            "sigv4rs_signer_new",
            "sigv4rs_signer_new_from_env",
            "sigv4rs_signer_init",
            "sigv4rs_signer_deinit",
            "sigv4rs_signer_free",
        ],
    ),
    (
        "sign",
        &[
            "sigv4rs_signer_sign_headers",
            "sigv4rs_signer_presign",
            "sigv4rs_signer_canonical_request",
            "sigv4rs_signer_string_to_sign",
            "sigv4rs_request_locate",
            "sigv4rs_signer_sign_packed",
        ],
    ),
    (
        "chunked",
        &[
            "sigv4rs_chunked_encoded_length",
            "sigv4rs_chunked_begin",
            "sigv4rs_chunked_sign_chunk",
            "sigv4rs_chunked_finish",
        ],
    ),
    (
        "hasher",
        &[
            "sigv4rs_payload_hasher_init",
            "sigv4rs_payload_hasher_update",
            "sigv4rs_payload_hasher_finish",
        ],
    ),
    (
        "checksum",
        &[
            "sigv4rs_checksum_init",
            "sigv4rs_checksum_update",
            "sigv4rs_checksum_finish",
            "sigv4rs_checksum_header_name",
        ],
    ),
    (
        "creds",
        &[
            "sigv4rs_signer_rotate",
            "sigv4rs_signer_set_provider",
            "sigv4rs_credentials_sink_put",
            "sigv4rs_signer_expiration",
            "sigv4rs_signer_rotate_json",
            "sigv4rs_signer_rotate_xml",
        ],
    ),
    (
        "chain",
        &[
            "sigv4rs_chain_new",
            "sigv4rs_chain_free",
            "sigv4rs_chain_resolve",
            "sigv4rs_chain_last_error",
            "sigv4rs_http_response_write",
        ],
    ),
    (
        "verify",
        &[
            "sigv4rs_verify",
            "sigv4rs_body_verifier_begin",
            "sigv4rs_body_verifier_update",
            "sigv4rs_body_verifier_finish",
        ],
    ),
    (
        "misc",
        &["sigv4rs_status_str", "sigv4rs_version", "sigv4rs_unix_time_now"],
    ),
];

pub const T: i64 = 1_440_938_160;
pub const CANARY: u8 = 0xA5;
pub const LEN_CANARY: usize = 0x5EED_CAFE;
pub const BIG: usize = 1 << 17;
/// Input lengths no object can have: SIZE_MAX, SIZE_MAX - 1, PTRDIFF_MAX + 1.
pub const HUGE: [usize; 3] = [usize::MAX, usize::MAX - 1, isize::MAX as usize + 1];
pub const NULL0: sigv4rs_bytes = sigv4rs_bytes {
    ptr: std::ptr::null(),
    len: 0,
};

pub fn null_n(n: usize) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: n,
    }
}

/// A non-NULL pointer with a length no object can have (never read).
pub fn huge(n: usize) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: b"x".as_ptr(),
        len: n,
    }
}

/// A copy that lives for the whole test (cases hold raw pointers).
pub fn lb(s: &[u8]) -> sigv4rs_bytes {
    let s: &'static [u8] = Box::leak(s.to_vec().into_boxed_slice());
    sigv4rs_bytes {
        ptr: s.as_ptr(),
        len: s.len(),
    }
}

pub fn leak_headers(h: Vec<sigv4rs_header>) -> (*const sigv4rs_header, usize) {
    let h: &'static [sigv4rs_header] = Box::leak(h.into_boxed_slice());
    (h.as_ptr(), h.len())
}

pub fn hdr(n: &[u8], v: &[u8]) -> sigv4rs_header {
    sigv4rs_header {
        name: lb(n),
        value: lb(v),
    }
}

pub fn as_bytes<T>(t: &T) -> Vec<u8> {
    // SAFETY: only used on the plain-data C structs (arrays of u64).
    unsafe { std::slice::from_raw_parts((t as *const T).cast::<u8>(), std::mem::size_of::<T>()) }.to_vec()
}

pub fn name(s: S) -> String {
    format!("{s:?}")
}

// ---------------------------------------------------------------------------
// Recording

pub struct Matrix {
    pub family: &'static str,
    /// Cells per function.
    pub cells: BTreeMap<&'static str, usize>,
    /// Distinct case labels per function (the matrix's columns).
    pub labels: BTreeMap<&'static str, BTreeSet<String>>,
    pub observed: BTreeMap<&'static str, BTreeSet<u32>>,
    pub failures: Vec<String>,
}

impl Matrix {
    pub fn new(family: &'static str) -> Matrix {
        assert!(FAMILIES.iter().any(|(f, _)| *f == family), "no family {family}");
        Matrix {
            family,
            cells: BTreeMap::new(),
            labels: BTreeMap::new(),
            observed: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    pub fn cell(&mut self, func: &'static str, what: &str, want: S, got: S, problems: Vec<String>) {
        self.observed.entry(func).or_default().insert(got as u32);
        if got != want {
            self.failures
                .push(format!("{func}: {what}: got {}, want {}", name(got), name(want)));
        }
        self.void_cell(func, what, problems);
    }

    /// A function that returns no status.
    pub fn void_cell(&mut self, func: &'static str, what: &str, problems: Vec<String>) {
        *self.cells.entry(func).or_default() += 1;
        self.labels.entry(func).or_default().insert(label_of(what));
        for p in problems {
            self.failures.push(format!("{func}: {what}: {p}"));
        }
    }

    pub fn fail(&mut self, func: &str, what: &str, p: &str) {
        self.failures.push(format!("{func}: {what}: {p}"));
    }

    fn functions(&self) -> &'static [&'static str] {
        FAMILIES.iter().find(|(f, _)| *f == self.family).unwrap().1
    }

    /// Prints the counts; fails on any failed cell, and unless the cells
    /// cover exactly the family's functions.
    pub fn assert_passes(&self) {
        let f = self.family;
        let total: usize = self.cells.values().sum();
        let cases: usize = self.labels.values().map(|l| l.len()).sum();
        eprintln!(
            "bad input matrix ({f}): {} functions, {cases} distinct cases, {total} calls",
            self.cells.len()
        );
        for (func, n) in &self.cells {
            eprintln!("  {func:<36} {:>4} cases {n:>6} calls", self.labels[func].len());
        }
        let want: BTreeSet<&str> = self.functions().iter().copied().collect();
        let got: BTreeSet<&str> = self.cells.keys().copied().collect();
        assert_eq!(got, want, "bad input ({f}): the functions this family's cells cover");
        assert!(
            self.failures.is_empty(),
            "bad input ({f}): {} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }

    /// Every status a function returned is in its doc comment's list.
    pub fn assert_documented(&self) {
        let h = Header::load();
        let docs = h
            .documented_statuses()
            .unwrap_or_else(|e| panic!("header doc comments:\n{}", e.join("\n")));
        let mut missing = Vec::new();
        for (func, seen) in &self.observed {
            let listed = docs.get(*func).cloned().unwrap_or_default();
            for c in seen.difference(&listed) {
                missing.push(format!(
                    "{func} returned {} but its doc comment in include/sigv4rs.h does not list it",
                    h.status_name(*c)
                ));
            }
            // Documented but never produced (informative: PANIC cannot be).
            let unseen: Vec<String> = listed.difference(seen).map(|c| h.status_name(*c)).collect();
            if !unseen.is_empty() {
                eprintln!(
                    "note: {func}: documented, not produced by the matrix: {}",
                    unseen.join(", ")
                );
            }
        }
        assert!(
            missing.is_empty(),
            "bad input ({}): header doc comments are incomplete:\n{}",
            self.family,
            missing.join("\n")
        );
    }
}

/// "cap 17" and "cap 18" are one column.
pub fn label_of(what: &str) -> String {
    match what.rfind("cap ") {
        Some(i) if what[i + 4..].bytes().all(|c| c.is_ascii_digit()) => format!("{}cap <n>", &what[..i]),
        _ => what.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Output calls

#[derive(Clone, Copy, Debug)]
pub enum Out {
    /// A canary buffer of this capacity (16 more canary bytes behind it).
    Cap(usize),
    /// `out = NULL` with this capacity.
    Null(usize),
    /// `out_len = NULL` (a large buffer).
    NullLen,
    /// A size query without `out_len`: `out = NULL, cap = 0, out_len = NULL`.
    NullBoth,
}

pub struct Called {
    pub status: S,
    pub out: Vec<u8>,
    pub len: usize,
    pub problems: Vec<String>,
}

/// Calls `f` as `how` says and checks the output rule for the status it
/// returned: OK writes `*out_len <= cap` bytes and nothing after; on
/// BUFFER_TOO_SMALL `*out_len > cap` and nothing is written; on any other
/// status neither the buffer nor `*out_len` is touched.
pub fn call_out(how: Out, f: &dyn Fn(*mut u8, usize, *mut usize) -> S) -> Called {
    let cap = match how {
        Out::Cap(c) | Out::Null(c) => c,
        Out::NullLen => BIG,
        Out::NullBoth => 0,
    };
    let real = match how {
        Out::Null(_) | Out::NullBoth => 0,
        _ => cap + 16,
    };
    let no_len = matches!(how, Out::NullLen | Out::NullBoth);
    let mut buf = vec![CANARY; real];
    let mut len = LEN_CANARY;
    let out_ptr = match how {
        Out::Null(_) | Out::NullBoth => std::ptr::null_mut(),
        _ => buf.as_mut_ptr(),
    };
    let len_ptr: *mut usize = if no_len { std::ptr::null_mut() } else { &mut len };
    let status = f(out_ptr, cap, len_ptr);
    let mut problems = Vec::new();
    let untouched = |from: usize| buf[from.min(buf.len())..].iter().all(|&c| c == CANARY);
    match status {
        S::Ok => {
            if no_len {
                problems.push("OK without an out_len".into());
            } else if len == 0 || len > cap {
                problems.push(format!("OK with *out_len {len} (cap {cap})"));
            } else if !untouched(len) {
                problems.push(format!("wrote past *out_len {len}"));
            }
        }
        S::BufferTooSmall => {
            if !untouched(0) {
                problems.push("wrote on BUFFER_TOO_SMALL".into());
            }
            if !no_len && len <= cap {
                problems.push(format!("BUFFER_TOO_SMALL with *out_len {len} <= cap {cap}"));
            }
        }
        s => {
            if !untouched(0) {
                problems.push(format!("wrote the buffer on {}", name(s)));
            }
            if len != LEN_CANARY {
                problems.push(format!("wrote *out_len on {}", name(s)));
            }
        }
    }
    let out = if status == S::Ok {
        buf[..len].to_vec()
    } else {
        Vec::new()
    };
    Called {
        status,
        out,
        len,
        problems,
    }
}

// ---------------------------------------------------------------------------
// Signers

/// An S3 signer with a session token.
pub fn good_config() -> sigv4rs_config {
    sigv4rs_config {
        access_key_id: b(b"AKIDEXAMPLE"),
        secret_access_key: b(b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        session_token: b(b"SESSIONTOKEN"),
        region: b(b"us-east-1"),
        service: b(b"s3"),
        flags: SIGV4RS_FLAG_S3,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    }
}

/// A non-S3 signer without a token (path normalization, double encoding).
pub fn plain_config() -> sigv4rs_config {
    sigv4rs_config {
        session_token: NULL0,
        service: b(b"service"),
        flags: 0,
        ..good_config()
    }
}

pub fn heap_signer(cfg: &sigv4rs_config) -> *mut sigv4rs_signer {
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(cfg, &mut s), S::Ok);
    s
}

/// A signer in leaked storage, then `_deinit`: the pointer stays, the signer
/// does not.
pub fn deinit_signer() -> *mut sigv4rs_signer {
    let st = Box::leak(Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    }));
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(st, &good_config(), &mut s), S::Ok);
    sigv4rs_signer_deinit(st);
    s
}

/// A zeroed storage that was never initialized.
pub fn zeroed_signer() -> *mut sigv4rs_signer {
    let st = Box::leak(Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    }));
    (st as *mut sigv4rs_signer_storage).cast()
}

/// A family file's matrix, built once by `$build` (a `fn(&mut Matrix)`),
/// and its two tests: every cell passes, and every status observed is in the
/// function's documented list.
#[allow(unused_macros)] // only the bad_input_* files use it
macro_rules! family {
    ($name:literal, $build:expr) => {
        fn matrix() -> &'static $crate::common::matrix::Matrix {
            static M: std::sync::OnceLock<$crate::common::matrix::Matrix> = std::sync::OnceLock::new();
            M.get_or_init(|| {
                let mut m = $crate::common::matrix::Matrix::new($name);
                let build: fn(&mut $crate::common::matrix::Matrix) = $build;
                build(&mut m);
                m
            })
        }

        #[test]
        fn bad_input_matrix() {
            matrix().assert_passes();
        }

        #[test]
        fn header_docs_list_every_observed_status() {
            matrix().assert_documented();
        }
    };
}
#[allow(unused_imports)]
pub(crate) use family;
