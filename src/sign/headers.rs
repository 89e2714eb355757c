//! Canonical headers: lower-case names, values trimmed with inner runs of
//! spaces and tabs collapsed, repeated names joined with `,` in request
//! order, sorted by name.

use core::cmp::Ordering;

use super::encode::{FIELD, TCHAR, has};

/// Headers a signer reads; implemented for slices of pairs and by the C ABI
/// over its header array.
pub trait HeaderList {
    /// Number of headers.
    fn count(&self) -> usize;
    /// Name and value of header `i` (`i < count()`).
    fn header(&self, i: usize) -> (&[u8], &[u8]);
}

impl HeaderList for [(&[u8], &[u8])] {
    fn count(&self) -> usize {
        self.len()
    }
    fn header(&self, i: usize) -> (&[u8], &[u8]) {
        self[i]
    }
}

impl HeaderList for &[(&[u8], &[u8])] {
    fn count(&self) -> usize {
        self.len()
    }
    fn header(&self, i: usize) -> (&[u8], &[u8]) {
        self[i]
    }
}

impl<const N: usize> HeaderList for [(&[u8], &[u8]); N] {
    fn count(&self) -> usize {
        N
    }
    fn header(&self, i: usize) -> (&[u8], &[u8]) {
        self[i]
    }
}

/// A list of byte strings (the unsigned-header names of a config).
pub trait ByteList {
    /// Number of entries.
    fn count(&self) -> usize;
    /// Entry `i` (`i < count()`).
    fn item(&self, i: usize) -> &[u8];
}

impl ByteList for [&[u8]] {
    fn count(&self) -> usize {
        self.len()
    }
    fn item(&self, i: usize) -> &[u8] {
        self[i]
    }
}

impl ByteList for &[&[u8]] {
    fn count(&self) -> usize {
        self.len()
    }
    fn item(&self, i: usize) -> &[u8] {
        self[i]
    }
}

impl<const N: usize> ByteList for [&[u8]; N] {
    fn count(&self) -> usize {
        N
    }
    fn item(&self, i: usize) -> &[u8] {
        self[i]
    }
}

/// Never signed: hop-by-hop headers, and ones that proxies and client
/// libraries add or rewrite after signing.
pub const DEFAULT_UNSIGNED: [&[u8]; 12] = [
    b"authorization",
    b"connection",
    b"expect",
    b"keep-alive",
    b"proxy-authenticate",
    b"proxy-authorization",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"user-agent",
    b"x-amzn-trace-id",
];

/// RFC 9110 token character.
pub fn is_tchar(b: u8) -> bool {
    has(b, TCHAR)
}

/// A header name (or method) is a non-empty token.
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// A header value holds no control byte other than tab (so no CR, LF, NUL).
pub fn is_field_value(s: &[u8]) -> bool {
    s.iter().all(|&b| has(b, FIELD))
}

/// Case-insensitive name order (names compare as if lower-cased).
pub fn cmp_names(a: &[u8], b: &[u8]) -> Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

/// Writes `value` trimmed, with runs of spaces and tabs as one space.
pub fn write_value<S: super::sink::Sink + ?Sized>(s: &mut S, value: &[u8]) {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    // Most values need no change: no tab, no edge space, no double space.
    let clean = !value.first().is_some_and(ws)
        && !value.last().is_some_and(ws)
        && !value.windows(2).any(|w| w[1] == b' ' && w[0] == b' ')
        && !value.contains(&b'\t');
    if clean {
        s.put(value);
        return;
    }
    let mut first = true;
    for word in value.split(ws).filter(|w| !w.is_empty()) {
        if !first {
            s.put(b" ");
        }
        s.put(word);
        first = false;
    }
}

/// `value` without leading and trailing spaces and tabs.
pub fn trim(value: &[u8]) -> &[u8] {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !ws(b)).unwrap_or(value.len());
    let end = value.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    &value[start..end]
}

/// Writes `name` lower-cased.
pub fn write_lower<S: super::sink::Sink + ?Sized>(s: &mut S, name: &[u8]) {
    // Runs between capitals go out as they are: no copy buffer on the
    // stack (this sits on the deepest path of a signing call).
    let mut rest = name;
    while let Some(i) = rest.iter().position(u8::is_ascii_uppercase) {
        s.put(&rest[..i]);
        s.put(&[rest[i].to_ascii_lowercase()]);
        rest = &rest[i + 1..];
    }
    s.put(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::sink::SliceWriter;

    #[test]
    fn values_are_trimmed_and_collapsed() {
        let mut buf = [0u8; 64];
        let mut w = SliceWriter::new(&mut buf);
        write_value(&mut w, b" \t a   b\t\tc \"  d\" ");
        let n = w.len();
        assert_eq!(&buf[..n], b"a b c \" d\"");
        assert_eq!(trim(b"  x y \t"), b"x y");
        assert_eq!(trim(b"   "), b"");
    }

    #[test]
    fn names_and_values_are_validated() {
        assert!(is_token(b"X-Amz-Meta_1"));
        for bad in [&b""[..], b"a b", b"a:b", b"a\r", "é".as_bytes(), b"a\0"] {
            assert!(!is_token(bad));
        }
        assert!(is_field_value("tab\tand ünïcode".as_bytes()));
        for bad in [&b"a\rb"[..], b"a\nb", b"a\0b", b"a\x7f", b"a\x0bb"] {
            assert!(!is_field_value(bad));
        }
    }
}
