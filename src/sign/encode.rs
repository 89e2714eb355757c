//! Percent-encoding as SigV4 defines it: every byte outside `A-Za-z0-9-._~`
//! becomes `%XX` with upper-case hex.

use super::sink::Sink;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// Character classes, one table lookup per byte (bit flags below).
pub static CLASS: [u8; 256] = build_classes();
/// RFC 3986 unreserved.
pub const UNRESERVED: u8 = 1;
/// RFC 9110 token character.
pub const TCHAR: u8 = 2;
/// Allowed in a host (reg-name: unreserved, sub-delims, `%`).
pub const HOST: u8 = 4;
/// Allowed in a field value (not a control byte, tab allowed).
pub const FIELD: u8 = 8;

const fn build_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            c |= UNRESERVED | HOST;
        }
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            )
        {
            c |= TCHAR;
        }
        if matches!(
            b,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b'%'
        ) {
            c |= HOST;
        }
        if b == b'\t' || (b >= 0x20 && b != 0x7f) {
            c |= FIELD;
        }
        t[i] = c;
        i += 1;
    }
    t
}

/// True when byte `b` has class `class`.
#[inline(always)]
pub fn has(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// RFC 3986 unreserved: never encoded by SigV4.
#[inline(always)]
pub fn is_unreserved(b: u8) -> bool {
    has(b, UNRESERVED)
}

/// `%XX` for one byte.
#[inline]
pub const fn pct(b: u8) -> [u8; 3] {
    [b'%', HEX_UPPER[(b >> 4) as usize], HEX_UPPER[(b & 15) as usize]]
}

const fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The byte a valid `%XX` at `s[i]` stands for.
#[inline]
pub fn pct_decoded_at(s: &[u8], i: usize) -> Option<u8> {
    if s.get(i) != Some(&b'%') {
        return None;
    }
    match (
        s.get(i + 1).and_then(|&c| hex_val(c)),
        s.get(i + 2).and_then(|&c| hex_val(c)),
    ) {
        (Some(h), Some(l)) => Some(h << 4 | l),
        _ => None,
    }
}

/// Encodes `raw` byte for byte; `/` is kept when `keep_slash`.
pub fn encode<S: Sink + ?Sized>(s: &mut S, raw: &[u8], keep_slash: bool) {
    let mut start = 0;
    for (i, &b) in raw.iter().enumerate() {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            continue;
        }
        s.put(&raw[start..i]);
        s.put(&pct(b));
        start = i + 1;
    }
    s.put(&raw[start..]);
}

/// Which part of a URL a piece comes from: it decides how `/` and `+` read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    /// A path: a literal `/` is a separator and stays; `+` is a plus.
    Path,
    /// A query key or value: `/` is data; `+` is a space, as form encoders
    /// write it and as AWS's signers and servers read it.
    Query,
}

/// Decodes valid `%XX` escapes in `raw`, then encodes the result; an invalid
/// `%` stands for itself. In a path a literal `/` stays (a decoded `%2F`
/// does not: it was data, not a separator); in a query `+` becomes `%20`.
pub fn reencode<S: Sink + ?Sized>(s: &mut S, raw: &[u8], part: Part) {
    let keep_slash = part == Part::Path;
    let plus_space = part == Part::Query;
    let mut start = 0;
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if is_unreserved(b) || (keep_slash && b == b'/') {
            i += 1;
            continue;
        }
        s.put(&raw[start..i]);
        if plus_space && b == b'+' {
            s.put(b"%20");
            i += 1;
            start = i;
            continue;
        }
        match pct_decoded_at(raw, i) {
            Some(d) => {
                if is_unreserved(d) {
                    s.put(&[d]);
                } else {
                    s.put(&pct(d));
                }
                i += 3;
            }
            None => {
                s.put(&pct(b));
                i += 1;
            }
        }
        start = i;
    }
    s.put(&raw[start..]);
}

/// The bytes `reencode(raw, Part::Query)` writes, one at a time (for
/// sorting without a buffer); with `Part::Path` a `/` is encoded too.
#[derive(Clone)]
pub struct Reencoded<'a> {
    raw: &'a [u8],
    i: usize,
    pending: [u8; 2],
    npending: u8,
    plus_space: bool,
}

impl<'a> Reencoded<'a> {
    /// Iterates the canonical form of query key or value `raw`.
    pub fn new(raw: &'a [u8]) -> Self {
        Self::of(raw, Part::Query)
    }

    /// Iterates the canonical form of `raw` read as `part`.
    pub fn of(raw: &'a [u8], part: Part) -> Self {
        Reencoded {
            raw,
            i: 0,
            pending: [0; 2],
            npending: 0,
            plus_space: part == Part::Query,
        }
    }
}

impl Iterator for Reencoded<'_> {
    type Item = u8;
    #[inline]
    fn next(&mut self) -> Option<u8> {
        if self.npending > 0 {
            let b = self.pending[2 - self.npending as usize];
            self.npending -= 1;
            return Some(b);
        }
        let b = *self.raw.get(self.i)?;
        let out = if is_unreserved(b) {
            self.i += 1;
            return Some(b);
        } else if self.plus_space && b == b'+' {
            self.i += 1;
            b' '
        } else if let Some(d) = pct_decoded_at(self.raw, self.i) {
            self.i += 3;
            if is_unreserved(d) {
                return Some(d);
            }
            d
        } else {
            self.i += 1;
            b
        };
        let e = pct(out);
        self.pending = [e[1], e[2]];
        self.npending = 2;
        Some(b'%')
    }
}

/// Lower-case hex of a 32-byte digest.
pub fn hex32(d: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (o, b) in out.chunks_exact_mut(2).zip(d.iter()) {
        o[0] = HEX_LOWER[(b >> 4) as usize];
        o[1] = HEX_LOWER[(b & 15) as usize];
    }
    out
}

/// The 32 bytes that 64 hex digits (either case) stand for.
pub fn unhex32(s: &[u8]) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *o = (hex_val(pair[0])? << 4) | hex_val(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::sink::SliceWriter;

    fn run(f: impl FnOnce(&mut SliceWriter<'_>)) -> std::string::String {
        let mut buf = [0u8; 256];
        let mut w = SliceWriter::new(&mut buf);
        f(&mut w);
        let n = w.len();
        std::string::String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn encode_keeps_only_unreserved() {
        assert_eq!(
            run(|w| encode(w, b"aZ09-._~ /+*%3A", false)),
            "aZ09-._~%20%2F%2B%2A%253A"
        );
        assert_eq!(run(|w| encode(w, b"/a b/c", true)), "/a%20b/c");
        assert_eq!(run(|w| encode(w, "ሴ".as_bytes(), true)), "%E1%88%B4");
    }

    #[test]
    fn reencode_decodes_first() {
        assert_eq!(run(|w| reencode(w, b"%41%2f%7E%zz%", Part::Query)), "A%2F~%25zz%25");
        assert_eq!(
            run(|w| reencode(w, b"/a%2Fb/%e1%88%b4", Part::Path)),
            "/a%2Fb/%E1%88%B4"
        );
    }

    #[test]
    fn plus_is_a_space_in_queries_only() {
        assert_eq!(run(|w| reencode(w, b"a+b c%2B", Part::Query)), "a%20b%20c%2B");
        assert_eq!(run(|w| reencode(w, b"/a+b c%2B", Part::Path)), "/a%2Bb%20c%2B");
    }

    #[test]
    fn reencoded_iterator_equals_writer() {
        for raw in [
            &b"%41%2f%7E%zz%"[..],
            b"a+b c",
            b"+%2B+",
            b"",
            b"%",
            b"%4",
            "ሴ=x".as_bytes(),
        ] {
            let it: std::vec::Vec<u8> = Reencoded::new(raw).collect();
            assert_eq!(
                std::string::String::from_utf8(it).unwrap(),
                run(|w| reencode(w, raw, Part::Query))
            );
        }
    }
}
