//! Independent re-computations (RustCrypto `hmac`/`sha2`, plain loops) to
//! hold the library's outputs against.

use hmac::{KeyInit, Mac};
use sha2::Digest;

use crate::Creds;

pub fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(d: &[u8]) -> String {
    hex(&sha2::Sha256::digest(d))
}

pub fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

/// `kSigning` for `date` (`YYYYMMDD`).
pub fn signing_key(c: &Creds, date: &[u8]) -> Vec<u8> {
    let mut k = b"AWS4".to_vec();
    k.extend_from_slice(&c.secret);
    let mut k = hmac(&k, date);
    for part in [&c.region[..], &c.service[..], b"aws4_request"] {
        k = hmac(&k, part);
    }
    k
}

/// The signature of a string to sign.
pub fn signature(c: &Creds, sts: &[u8]) -> String {
    // Line 3 is the scope, which starts with the date.
    let date = &sts.split(|&x| x == b'\n').nth(2).expect("scope line")[..8];
    hex(&hmac(&signing_key(c, date), sts))
}

/// `YYYYMMDDTHHMMSSZ` by walking years and months (not the library's
/// closed-form day count). `None` outside 1970..=9999.
pub fn amz_date(t: i64) -> Option<String> {
    if !(0..=crate::SIGV4RS_MAX_UNIX_TIME).contains(&t) {
        return None;
    }
    let mut days = t / 86_400;
    let secs = t % 86_400;
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut y = 1970;
    while days >= if leap(y) { 366 } else { 365 } {
        days -= if leap(y) { 366 } else { 365 };
        y += 1;
    }
    let dim = [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut m = 0;
    while days >= dim[m] {
        days -= dim[m];
        m += 1;
    }
    Some(format!(
        "{y:04}{:02}{:02}T{:02}{:02}{:02}Z",
        m + 1,
        days + 1,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ))
}

/// `date/region/service/aws4_request`.
pub fn scope(c: &Creds, date: &str) -> Vec<u8> {
    let mut s = date.as_bytes()[..8].to_vec();
    for p in [&c.region[..], &c.service[..], b"aws4_request"] {
        s.push(b'/');
        s.extend_from_slice(p);
    }
    s
}

/// Valid `%XX` escapes decoded; anything else kept.
pub fn pct_decode(s: &[u8]) -> Vec<u8> {
    let hv = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && i + 2 < s.len()
            && let (Some(h), Some(l)) = (hv(s[i + 1]), hv(s[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

fn crc(poly: u32, data: &[u8], mut c: u32) -> u32 {
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ poly } else { c >> 1 };
        }
    }
    c
}

/// Bitwise reflected CRC-64/NVME (poly 0x9a6c9329ac4bc9b5), without the
/// final xor.
fn crc64(d: &[u8], mut c: u64) -> u64 {
    for &b in d {
        c ^= u64::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x9a6c_9329_ac4b_c9b5
            } else {
                c >> 1
            };
        }
    }
    c
}

/// Running trailer checksum (bitwise CRCs, RustCrypto for SHA-256 and SHA-1).
#[derive(Clone)]
pub enum Ck {
    Crc32(u32),
    Crc32c(u32),
    Sha(sha2::Sha256),
    Crc64(u64),
    Sha1(sha1::Sha1),
}

impl Ck {
    pub fn new(kind: u32) -> Option<Ck> {
        match kind {
            1 => Some(Ck::Crc32(!0)),
            2 => Some(Ck::Crc32c(!0)),
            3 => Some(Ck::Sha(sha2::Sha256::new())),
            4 => Some(Ck::Crc64(!0)),
            5 => Some(Ck::Sha1(sha1::Sha1::new())),
            _ => None,
        }
    }
    pub fn update(&mut self, d: &[u8]) {
        match self {
            Ck::Crc32(c) => *c = crc(0xEDB8_8320, d, *c),
            Ck::Crc32c(c) => *c = crc(0x82F6_3B78, d, *c),
            Ck::Sha(h) => h.update(d),
            Ck::Crc64(c) => *c = crc64(d, *c),
            Ck::Sha1(h) => h.update(d),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Ck::Crc32(_) => "x-amz-checksum-crc32",
            Ck::Crc32c(_) => "x-amz-checksum-crc32c",
            Ck::Sha(_) => "x-amz-checksum-sha256",
            Ck::Crc64(_) => "x-amz-checksum-crc64nvme",
            Ck::Sha1(_) => "x-amz-checksum-sha1",
        }
    }
    pub fn b64(&self) -> String {
        match self {
            Ck::Crc32(c) | Ck::Crc32c(c) => base64(&(!*c).to_be_bytes()),
            Ck::Sha(h) => base64(&h.clone().finalize()),
            Ck::Crc64(c) => base64(&(!*c).to_be_bytes()),
            Ck::Sha1(h) => base64(&h.clone().finalize()),
        }
    }
}

pub fn base64(d: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in d.chunks(3) {
        let v =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            s.push(if i <= c.len() {
                T[(v >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    s
}

/// The aws-chunked `Content-Length` in 128-bit arithmetic (`None` for an
/// invalid stream shape).
pub fn encoded_len(mode: u32, checksum: u32, decoded: u64, chunk: u32) -> Option<u128> {
    if mode > 2 || checksum > 5 || chunk == 0 || (mode != 0) != (checksum != 0) {
        return None;
    }
    let signed = mode != 2;
    let hexd = |n: u128| format!("{n:x}").len() as u128;
    let over = |n: u128| hexd(n) + if signed { 17 + 64 } else { 0 } + 4;
    let (d, c) = (u128::from(decoded), u128::from(chunk));
    let mut t = (d / c) * over(c) + d;
    if d % c > 0 {
        t += over(d % c);
    }
    t += 1 + if signed { 17 + 64 } else { 0 } + 2;
    if checksum != 0 {
        // x-amz-checksum-<crc32|crc32c|sha256|crc64nvme|sha1>, base64 digests.
        let name = [0, 20, 21, 21, 24, 19][checksum as usize];
        let b64 = [0, 8, 8, 44, 12, 28][checksum as usize];
        t += name + 1 + b64 + 2;
        if signed {
            t += 24 + 64 + 2;
        }
    }
    Some(t + 2)
}

/// The signature of one chunk (or of the final empty one), chained from
/// the previous signature.
pub fn chunk_signature(key: &[u8], date: &str, scope: &[u8], prev: &str, data: &[u8]) -> String {
    let mut m = b"AWS4-HMAC-SHA256-PAYLOAD\n".to_vec();
    m.extend_from_slice(date.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(scope);
    m.push(b'\n');
    m.extend_from_slice(prev.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(sha256_hex(b"").as_bytes());
    m.push(b'\n');
    m.extend_from_slice(sha256_hex(data).as_bytes());
    hex(&hmac(key, &m))
}

/// The trailer signature.
pub fn trailer_signature(key: &[u8], date: &str, scope: &[u8], prev: &str, trailer_line: &str) -> String {
    let mut m = b"AWS4-HMAC-SHA256-TRAILER\n".to_vec();
    m.extend_from_slice(date.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(scope);
    m.push(b'\n');
    m.extend_from_slice(prev.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(sha256_hex(format!("{trailer_line}\n").as_bytes()).as_bytes());
    hex(&hmac(key, &m))
}
