//! Fuzz input of the request targets: `KNOB_LEN` bytes of knobs (decoded
//! with `arbitrary`; all zero = defaults), then an HTTP-like request as in
//! the official suite's `request.txt`:
//!
//! ```text
//! METHOD TARGET[ HTTP/1.1]\n Name:value\n (continuation: leading SP/TAB)\n \n body
//! ```
//!
//! TARGET is an absolute URL or `path[?query]`. Seeds are suite files with
//! a zero knob block in front, so mutations start from real requests.

use arbitrary::{Arbitrary, Unstructured};

use crate::{b, sigv4rs_bytes, sigv4rs_header, sigv4rs_request};

pub const KNOB_LEN: usize = 32;

/// Settings that a text request cannot express. Fixed-size fields only, so
/// each sits at a fixed offset of the knob block.
#[derive(Arbitrary, Debug, Default, Clone, Copy)]
pub struct Knobs {
    /// Credential preset (`Creds::preset`).
    pub creds: u8,
    /// `SIGV4RS_FLAG_*` bits (masked to the known ones).
    pub flags: u8,
    pub time_sel: u8,
    pub time_raw: u64,
    pub cap_sel: u8,
    pub cap_raw: u16,
    /// `payload_mode`; values over 3 are passed as they are.
    pub payload_mode: u8,
    /// 0xF0..=0xFF: make one input field (NULL, n > 0) or over PTRDIFF_MAX.
    pub bad: u8,
    /// Synthetic `X-Pad-N` headers appended.
    pub pad_headers: u8,
    /// Synthetic query parameters appended.
    pub pad_query: u8,
    /// Path grown by this many 65-byte segments (255 pass the URL limit).
    pub pad_path: u8,
    /// Bit flags, see `MISC_*`.
    pub misc: u8,
    pub expires_sel: u8,
    pub expires: u32,
}

/// Continuation lines keep their LF (header value injection) instead of
/// being unfolded with a space.
pub const MISC_LF_FOLD: u8 = 1;
/// Empty fields as (NULL, 0) instead of a dangling pointer.
pub const MISC_EMPTY_NULL: u8 = 2;
/// Drop `Host` headers from the request.
pub const MISC_DROP_HOST: u8 = 4;
/// Parts mode: give the host in `request.host` (else only a Host header).
pub const MISC_HOST_FIELD: u8 = 8;
/// Request-line target as a URL (else parts) where a target allows both.
pub const MISC_URL: u8 = 16;

impl Knobs {
    pub fn split(data: &[u8]) -> (Knobs, &[u8]) {
        let n = data.len().min(KNOB_LEN);
        let mut u = Unstructured::new(&data[..n]);
        let k = Knobs::arbitrary(&mut u).unwrap_or_default();
        (k, &data[n..])
    }

    pub fn has(&self, bit: u8) -> bool {
        self.misc & bit != 0
    }

    /// Presign expiry: mostly valid, sometimes at or past the edges.
    pub fn expires(&self) -> u32 {
        match self.expires_sel % 6 {
            0 => 3600,
            1 => self.expires,
            2 => [0, 1, 604_799, 604_800, 604_801, u32::MAX][(self.expires % 6) as usize],
            _ => 1 + self.expires % 604_800,
        }
    }
}

/// A parsed text request.
#[derive(Clone, Debug, Default)]
pub struct Text {
    pub method: Vec<u8>,
    pub target: Vec<u8>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// Parses the text part; never fails (any bytes give some request).
pub fn parse_text(t: &[u8], lf_fold: bool) -> Text {
    let mut lines = t.split(|&c| c == b'\n');
    let first = lines.next().unwrap_or_default();
    let (method, target) = match first.iter().position(|&c| c == b' ') {
        Some(i) => (&first[..i], &first[i + 1..]),
        None => (first, &[][..]),
    };
    let target = match find_last(target, b" HTTP/") {
        Some(i) => &target[..i],
        None => target,
    };
    let mut r = Text {
        method: method.to_vec(),
        target: target.to_vec(),
        ..Text::default()
    };
    let mut consumed = first.len() + 1;
    for line in lines {
        consumed += line.len() + 1;
        if line.is_empty() {
            r.body = t.get(consumed..).unwrap_or_default().to_vec();
            break;
        }
        if (line[0] == b' ' || line[0] == b'\t') && !r.headers.is_empty() {
            let v = &mut r.headers.last_mut().unwrap().1;
            v.push(if lf_fold { b'\n' } else { b' ' });
            v.extend_from_slice(line);
            continue;
        }
        match line.iter().position(|&c| c == b':') {
            Some(i) => r.headers.push((line[..i].to_vec(), line[i + 1..].to_vec())),
            None => r.headers.push((line.to_vec(), Vec::new())),
        }
    }
    r
}

fn find_last(h: &[u8], n: &[u8]) -> Option<usize> {
    (0..=h.len().saturating_sub(n.len()))
        .rev()
        .find(|&i| h[i..].starts_with(n))
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// The request to sign, as owned bytes (what the C structs point into).
#[derive(Clone, Debug, Default)]
pub struct Req {
    pub method: Vec<u8>,
    pub url: Vec<u8>,
    pub host: Vec<u8>,
    pub path: Vec<u8>,
    pub query: Vec<u8>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub payload_mode: u32,
    pub payload: Vec<u8>,
    /// `Knobs::bad` injection, applied when the C struct is made.
    pub bad: u8,
    pub empty_null: bool,
}

/// Which field an injection hits, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bad {
    None,
    Null(Field),
    Huge(Field),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Method,
    Url,
    Host,
    Path,
    Query,
    HeaderName,
    HeaderValue,
    Payload,
}

impl Req {
    /// From a text request: URL mode (`url`) or parts mode (`host`, `path`,
    /// `query`).
    pub fn from_text(t: &Text, k: &Knobs, url_mode: bool) -> Req {
        let mut headers = t.headers.clone();
        let host_hdr = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(b"host"))
            .map(|(_, v)| trim(v).to_vec());
        if k.has(MISC_DROP_HOST) {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(b"host"));
        }
        for i in 0..usize::from(k.pad_headers % 96) {
            headers.push((format!("X-Pad-{i}").into_bytes(), format!(" v{i} ").into_bytes()));
        }
        let mut target = t.target.clone();
        // Absolute target: split off scheme and authority for parts mode.
        let (scheme_auth, rel) = match find(&target, b"://") {
            Some(i) => {
                let rest = &target[i + 3..];
                let end = rest
                    .iter()
                    .position(|&c| matches!(c, b'/' | b'?' | b'#'))
                    .unwrap_or(rest.len());
                (Some(target[..i + 3 + end].to_vec()), target[i + 3 + end..].to_vec())
            }
            None => (None, std::mem::take(&mut target)),
        };
        let mut rel = rel;
        if k.pad_path > 0 {
            let (p, q) = split_q(&rel);
            let mut p = p.to_vec();
            for i in 0..usize::from(k.pad_path) {
                p.extend_from_slice(format!("/{:064}", i).as_bytes());
            }
            let q = q.map(<[u8]>::to_vec);
            rel = p;
            if let Some(q) = q {
                rel.push(b'?');
                rel.extend_from_slice(&q);
            }
        }
        if k.pad_query > 0 {
            rel.push(if rel.contains(&b'?') { b'&' } else { b'?' });
            // 0..=140: past the 128-parameter limit, without sorting costs
            // that would slow every run down.
            for i in 0..usize::from(k.pad_query % 141) {
                if i > 0 {
                    rel.push(b'&');
                }
                rel.extend_from_slice(format!("p{}={}", i % 7, i).as_bytes());
            }
        }
        let default_host = host_hdr.clone().unwrap_or_else(|| b"example.amazonaws.com".to_vec());
        let mut r = Req {
            method: t.method.clone(),
            headers,
            payload_mode: u32::from(k.payload_mode),
            payload: t.body.clone(),
            bad: k.bad,
            empty_null: k.has(MISC_EMPTY_NULL),
            ..Req::default()
        };
        if url_mode {
            let mut url = scheme_auth.unwrap_or_else(|| {
                let mut u = b"https://".to_vec();
                u.extend_from_slice(&default_host);
                u
            });
            url.extend_from_slice(&rel);
            r.url = url;
        } else {
            let (p, q) = split_q(&rel);
            r.path = p.to_vec();
            r.query = q.unwrap_or_default().to_vec();
            if k.has(MISC_HOST_FIELD) {
                r.host = match &scheme_auth {
                    Some(sa) => sa[find(sa, b"://").unwrap() + 3..].to_vec(),
                    None => default_host,
                };
            }
        }
        r
    }

    pub fn bad(&self) -> Bad {
        if self.bad < 0xF0 {
            return Bad::None;
        }
        let f = match self.bad & 7 {
            0 => Field::Method,
            1 => Field::Url,
            2 => Field::Host,
            3 => Field::Path,
            4 => Field::Query,
            5 => Field::HeaderName,
            6 => Field::HeaderValue,
            _ => Field::Payload,
        };
        if self.bad & 8 == 0 { Bad::Null(f) } else { Bad::Huge(f) }
    }

    /// True when the injected field is one the call reads.
    pub fn bad_is_read(&self) -> bool {
        match self.bad() {
            Bad::None => false,
            Bad::Null(f) | Bad::Huge(f) => match f {
                Field::Method | Field::Payload => true,
                Field::Url => true,
                // Parts are read only without a URL.
                Field::Host | Field::Path | Field::Query => self.url.is_empty(),
                Field::HeaderName | Field::HeaderValue => !self.headers.is_empty(),
            },
        }
    }

    /// The C structs: the returned vector backs `headers` and must outlive
    /// the request.
    pub fn to_c(&self) -> (sigv4rs_request, Vec<sigv4rs_header>) {
        let en = self.empty_null;
        let mut hs: Vec<sigv4rs_header> = self
            .headers
            .iter()
            .map(|(n, v)| sigv4rs_header {
                name: b(n, en),
                value: b(v, en),
            })
            .collect();
        let mut r = sigv4rs_request {
            method: b(&self.method, en),
            url: b(&self.url, en),
            host: b(&self.host, en),
            path: b(&self.path, en),
            query: b(&self.query, en),
            headers: if hs.is_empty() && en {
                std::ptr::null()
            } else {
                hs.as_ptr()
            },
            headers_len: hs.len(),
            payload_mode: self.payload_mode,
            payload: b(&self.payload, en),
        };
        let spoil = |x: &mut sigv4rs_bytes, huge: bool| {
            if huge {
                // Never read: the library must refuse the length first.
                x.ptr = b"x".as_ptr();
                x.len = isize::MAX as usize + 1 + (self.bad as usize & 0x30);
            } else {
                x.ptr = std::ptr::null();
                x.len = x.len.max(1);
            }
        };
        match self.bad() {
            Bad::None => {}
            Bad::Null(f) | Bad::Huge(f) => {
                let huge = matches!(self.bad(), Bad::Huge(_));
                match f {
                    Field::Method => spoil(&mut r.method, huge),
                    Field::Url => spoil(&mut r.url, huge),
                    Field::Host => spoil(&mut r.host, huge),
                    Field::Path => spoil(&mut r.path, huge),
                    Field::Query => spoil(&mut r.query, huge),
                    Field::Payload => spoil(&mut r.payload, huge),
                    Field::HeaderName | Field::HeaderValue => {
                        if let Some(h) = hs.last_mut() {
                            if f == Field::HeaderName {
                                spoil(&mut h.name, huge)
                            } else {
                                spoil(&mut h.value, huge)
                            }
                        }
                    }
                }
            }
        }
        // `hs` moved into the return value: its heap buffer does not move.
        r.headers = if hs.is_empty() && en {
            std::ptr::null()
        } else {
            hs.as_ptr()
        };
        (r, hs)
    }
}

/// `path?query` at the first `?`.
pub fn split_q(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&c| c == b'?') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

pub fn trim(v: &[u8]) -> &[u8] {
    let ws = |c: &u8| *c == b' ' || *c == b'\t';
    let s = v.iter().position(|c| !ws(c)).unwrap_or(v.len());
    let e = v.iter().rposition(|c| !ws(c)).map_or(s, |i| i + 1);
    &v[s..e]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `make_seeds.py` writes knobs at these offsets.
    #[test]
    fn knob_offsets() {
        let mut d = [0u8; KNOB_LEN];
        d[0] = 1; // creds
        d[1] = 8; // flags
        d[2] = 1; // time_sel
        d[11] = 2; // cap_sel
        d[14] = 3; // payload_mode
        d[16] = 5; // pad_headers
        d[19] = MISC_URL; // misc
        d[20] = 3; // expires_sel
        let (k, rest) = Knobs::split(&d);
        assert!(rest.is_empty());
        assert_eq!((k.creds, k.flags, k.time_sel, k.cap_sel), (1, 8, 1, 2));
        assert_eq!(
            (k.payload_mode, k.pad_headers, k.misc, k.expires_sel),
            (3, 5, MISC_URL, 3)
        );
    }

    #[test]
    fn parses_suite_text() {
        let t = parse_text(b"GET /a b/?x=1 HTTP/1.1\nHost:h\nMy: a\n  b\n\nbody", false);
        assert_eq!(t.method, b"GET");
        assert_eq!(t.target, b"/a b/?x=1");
        assert_eq!(t.headers[1], (b"My".to_vec(), b" a   b".to_vec()));
        assert_eq!(t.body, b"body");
    }
}
