//! Shared helpers for the integration tests: the official suite's vectors and
//! thin safe wrappers over the exported `extern "C"` functions.
#![allow(dead_code)]

pub mod checksum_ref;
pub mod cverify;
pub mod header;
pub mod matrix;
pub mod requests;
pub mod upload;
pub mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sigv4rs::ffi::*;

pub fn b(s: &[u8]) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: if s.is_empty() { std::ptr::null() } else { s.as_ptr() },
        len: s.len(),
    }
}

/// The official suite as test vectors, written by
/// `tests/tools/suite_vectors.py`; `SIGV4RS_SUITE_VECTORS` names another
/// copy (a corrupted one proves that a wrong expected value fails).
pub fn suite_vectors_path() -> PathBuf {
    match std::env::var_os("SIGV4RS_SUITE_VECTORS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/suite-v4-vectors.txt"),
    }
}

/// One case of the vector file: its `key value` lines in order, unescaped.
pub struct Vector {
    pub name: String,
    pub fields: Vec<(String, Vec<u8>)>,
}

impl Vector {
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }
    pub fn bytes(&self, key: &str) -> &[u8] {
        self.get(key).unwrap_or_else(|| panic!("{}: no {key}", self.name))
    }
    pub fn text(&self, key: &str) -> &str {
        std::str::from_utf8(self.bytes(key)).unwrap()
    }
    pub fn num(&self, key: &str) -> i64 {
        self.text(key).parse().unwrap()
    }
    /// Every value of a repeated key, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| std::str::from_utf8(v).unwrap())
            .collect()
    }
    /// The `Name:value` pairs of a repeated key.
    pub fn pairs(&self, key: &str) -> Vec<(String, String)> {
        self.all(key)
            .into_iter()
            .map(|p| {
                let (n, v) = p.split_once(':').unwrap();
                (n.to_string(), v.to_string())
            })
            .collect()
    }
}

/// `\\`, `\n` and `\xHH` back to bytes.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        let (byte, used) = match (b[i], b.get(i + 1)) {
            (b'\\', Some(b'n')) => (b'\n', 2),
            (b'\\', Some(b'\\')) => (b'\\', 2),
            (b'\\', Some(b'x')) => (u8::from_str_radix(&s[i + 2..i + 4], 16).unwrap(), 4),
            (b'\\', _) => panic!("bad escape in {s:?}"),
            (c, _) => (c, 1),
        };
        out.push(byte);
        i += used;
    }
    out
}

pub fn suite_vectors() -> Vec<Vector> {
    vectors_from(&suite_vectors_path())
}

/// The SigV4a half of the suite (`tests/data/suite-v4a-vectors.txt`, or
/// `SIGV4RS_SUITE_V4A_VECTORS`).
pub fn suite_v4a_vectors() -> Vec<Vector> {
    let path = match std::env::var_os("SIGV4RS_SUITE_V4A_VECTORS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/suite-v4a-vectors.txt"),
    };
    vectors_from(&path)
}

/// The cases of a vector file.
pub fn vectors_from(path: &Path) -> Vec<Vector> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut cases = Vec::new();
    let mut cur: Option<Vector> = None;
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "case" => {
                cur = Some(Vector {
                    name: value.to_string(),
                    fields: Vec::new(),
                })
            }
            "end" => cases.push(cur.take().expect("end without case")),
            _ => cur
                .as_mut()
                .expect("field outside a case")
                .fields
                .push((key.to_string(), unescape(value))),
        }
    }
    assert!(cur.is_none(), "last case has no end");
    cases
}

/// RFC 3339 `YYYY-MM-DDTHH:MM:SSZ` to Unix seconds (independent of the library).
pub fn rfc3339(ts: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| ts[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (y2, m2) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    let days = 365 * y2 + y2 / 4 - y2 / 100 + y2 / 400 + (153 * (m2 - 3) + 2) / 5 + d - 719_469;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

/// Owns a heap signer made through the C ABI.
pub struct Signer(pub *mut sigv4rs_signer);

impl Drop for Signer {
    fn drop(&mut self) {
        sigv4rs_signer_free(self.0);
    }
}

pub struct Creds<'a> {
    pub akid: &'a str,
    pub secret: &'a str,
    pub token: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub flags: u32,
}

pub fn config(c: &Creds<'_>) -> sigv4rs_config {
    sigv4rs_config {
        access_key_id: b(c.akid.as_bytes()),
        secret_access_key: b(c.secret.as_bytes()),
        session_token: b(c.token.as_bytes()),
        region: b(c.region.as_bytes()),
        service: b(c.service.as_bytes()),
        flags: c.flags,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    }
}

pub fn new_signer(c: &Creds<'_>) -> Result<Signer, sigv4rs_status> {
    let cfg = config(c);
    let mut out = std::ptr::null_mut();
    match sigv4rs_signer_new(&cfg, &mut out) {
        sigv4rs_status::Ok => Ok(Signer(out)),
        s => Err(s),
    }
}

/// Header pairs as C structs (the Vec must outlive the request).
pub fn c_headers(h: &[(String, String)]) -> Vec<sigv4rs_header> {
    h.iter()
        .map(|(n, v)| sigv4rs_header {
            name: b(n.as_bytes()),
            value: b(v.as_bytes()),
        })
        .collect()
}

pub type OutFn<'a> = dyn Fn(*mut u8, usize, *mut usize) -> sigv4rs_status + 'a;

/// Calls an output function with a size query, then an exact buffer; checks
/// that one byte less is refused without touching the buffer. Returns the
/// output without its final NUL.
pub fn call_out(f: &OutFn<'_>) -> Result<Vec<u8>, sigv4rs_status> {
    let mut need = 0usize;
    match f(std::ptr::null_mut(), 0, &mut need) {
        sigv4rs_status::BufferTooSmall => {}
        s => return Err(s),
    }
    assert!(need > 0);
    // One byte short: refused, canaries intact, size reported again.
    let mut short = vec![0xA5u8; need + 8];
    let mut got = 0usize;
    assert_eq!(
        f(short.as_mut_ptr(), need - 1, &mut got),
        sigv4rs_status::BufferTooSmall
    );
    assert_eq!(got, need);
    assert!(short.iter().all(|&c| c == 0xA5), "bytes written on BUFFER_TOO_SMALL");
    let mut buf = vec![0xA5u8; need + 8];
    let mut len = 0usize;
    let s = f(buf.as_mut_ptr(), need, &mut len);
    if s != sigv4rs_status::Ok {
        return Err(s);
    }
    assert_eq!(len, need);
    assert_eq!(buf[len - 1], 0, "output not NUL-terminated");
    assert!(buf[len..].iter().all(|&c| c == 0xA5), "written past *out_len");
    buf.truncate(len - 1);
    Ok(buf)
}

/// Splits header output into (name, value) pairs.
pub fn split_headers(out: &[u8]) -> Vec<(String, String)> {
    out.split(|&c| c == 0)
        .map(|e| {
            let e = std::str::from_utf8(e).unwrap();
            let (n, v) = e.split_once(": ").unwrap();
            (n.to_string(), v.to_string())
        })
        .collect()
}

/// Multiset of (lower-case name, value).
pub fn header_multiset(h: &[(String, String)]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for (n, v) in h {
        *m.entry((n.to_ascii_lowercase(), v.clone())).or_insert(0) += 1;
    }
    m
}

pub fn query_multiset(q: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for p in q.split('&').filter(|p| !p.is_empty()) {
        *m.entry(p.to_string()).or_insert(0) += 1;
    }
    m
}
