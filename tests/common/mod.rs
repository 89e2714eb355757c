//! Shared helpers for the integration tests: the official suite's files and
//! thin safe wrappers over the exported `extern "C"` functions.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sigv4rs::ffi::*;

pub fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/aws-sig-v4-test-suite/v4")
}

pub fn b(s: &[u8]) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: if s.is_empty() { std::ptr::null() } else { s.as_ptr() },
        len: s.len(),
    }
}

/// A parsed `request.txt`.
#[derive(Clone, Debug)]
pub struct RawRequest {
    pub request_line: String,
    pub method: String,
    pub path: Vec<u8>,
    pub query: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Parses the suite's HTTP text: request line, `Name:value` lines, obs-fold
/// continuation lines (unfolded with one space: the API takes field values,
/// which cannot hold CR/LF), an empty line, the body.
pub fn parse_request(text: &[u8]) -> RawRequest {
    let first_nl = text.iter().position(|&c| c == b'\n').unwrap_or(text.len());
    let request_line = String::from_utf8(text[..first_nl].to_vec()).unwrap();
    let (method, target) = request_line.split_once(' ').unwrap();
    let method = method.to_string();
    let target = target.strip_suffix(" HTTP/1.1").unwrap_or(target);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.as_bytes().to_vec(), q.as_bytes().to_vec()),
        None => (target.as_bytes().to_vec(), Vec::new()),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut rest = &text[(first_nl + 1).min(text.len())..];
    let mut body = Vec::new();
    while !rest.is_empty() {
        let nl = rest.iter().position(|&c| c == b'\n');
        let line = &rest[..nl.unwrap_or(rest.len())];
        rest = &rest[nl.map_or(rest.len(), |i| i + 1)..];
        if line.is_empty() {
            body = rest.to_vec();
            break;
        }
        let line = String::from_utf8(line.to_vec()).unwrap();
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = headers.last_mut().expect("continuation without header");
            last.1.push(' ');
            last.1.push_str(&line);
        } else {
            let (n, v) = line.split_once(':').unwrap();
            headers.push((n.to_string(), v.to_string()));
        }
    }
    RawRequest {
        request_line: request_line.clone(),
        method,
        path,
        query,
        headers,
        body,
    }
}

/// The text of an expected-output file, trailing whitespace trimmed.
pub fn expected(dir: &Path, name: &str) -> Option<String> {
    let s = std::fs::read_to_string(dir.join(name)).ok()?;
    Some(s.trim_end().to_string())
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
