//! Canonical URI.
//!
//! Non-S3: remove dot segments and collapse repeated `/` (unless switched
//! off), then encode every byte of the path as given, so `%3A` becomes
//! `%253A` ("double encoding"). S3: no normalization, and the path is taken
//! as already encoded once (valid `%XX` escapes are decoded and re-encoded).
//! With both single encoding and normalization, a segment is classified
//! after its escaped unreserved bytes are decoded (RFC 3986 §6.2.2.2 comes
//! before §6.2.2.3), so `/%2e%2E/` climbs like `/../`. With double encoding
//! the path is data as written: `%2e` is not a dot (as botocore, the Go SDK
//! and the aws-sigv4 crate compute it).

use super::encode::{Part, Reencoded, encode, reencode};
use super::sink::Sink;

/// How the path is turned into the canonical URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UriRules {
    /// Remove `.`/`..` segments and empty segments.
    pub normalize: bool,
    /// Treat the path as encoded once (S3) instead of encoding it again.
    pub single_encode: bool,
}

enum Seg {
    /// Empty or `.`: dropped when normalizing.
    Null,
    /// `..`: removes the previous kept segment.
    Up,
    Normal,
}

fn kind(seg: &[u8], rules: UriRules) -> Seg {
    let is = |dots: &[u8]| {
        if rules.single_encode {
            Reencoded::of(seg, Part::Path).eq(dots.iter().copied())
        } else {
            seg == dots
        }
    };
    if is(b"") || is(b".") {
        Seg::Null
    } else if is(b"..") {
        Seg::Up
    } else {
        Seg::Normal
    }
}

/// Segments after the leading `/`.
fn segments(path: &[u8]) -> impl Iterator<Item = &[u8]> + Clone {
    let body = path.strip_prefix(b"/").unwrap_or(path);
    body.split(|&b| b == b'/')
}

fn put_encoded<S: Sink + ?Sized>(s: &mut S, raw: &[u8], rules: UriRules) {
    if rules.single_encode {
        reencode(s, raw, Part::Path);
    } else {
        encode(s, raw, true);
    }
}

/// Writes the canonical URI of `path`. Not inlined: its buffers stay off
/// the deeper query and header paths of the canonical request.
#[inline(never)]
pub fn write_canonical_uri<S: Sink + ?Sized>(s: &mut S, path: &[u8], rules: UriRules) {
    if !path.starts_with(b"/") {
        s.put(b"/");
    }
    if !rules.normalize || segments(path).all(|g| matches!(kind(g, rules), Seg::Normal)) {
        put_encoded(s, path, rules);
        return;
    }
    if path.starts_with(b"/") {
        s.put(b"/");
    }
    // A kept segment is one that no later `..` climbs over. Checking each
    // segment by scanning forward needs no stack of segments (no buffer),
    // at a quadratic cost only for paths that need normalizing at all.
    let mut first = true;
    let mut last_kind_trailing = false;
    let mut rest = segments(path);
    for seg in segments(path) {
        rest.next();
        let k = kind(seg, rules);
        last_kind_trailing = !matches!(k, Seg::Normal);
        if !matches!(k, Seg::Normal) {
            continue;
        }
        let mut depth: isize = 0;
        let mut kept = true;
        for later in rest.clone() {
            match kind(later, rules) {
                Seg::Normal => depth += 1,
                Seg::Up => {
                    depth -= 1;
                    if depth < 0 {
                        kept = false;
                        break;
                    }
                }
                Seg::Null => {}
            }
        }
        if kept {
            if !first {
                s.put(b"/");
            }
            put_encoded(s, seg, rules);
            first = false;
        }
    }
    // `/a/b/..` and `/a/` keep a trailing slash, unless nothing was kept.
    if last_kind_trailing && !first {
        s.put(b"/");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::sink::SliceWriter;

    fn canon(path: &str, normalize: bool, single_encode: bool) -> std::string::String {
        let mut buf = [0u8; 256];
        let mut w = SliceWriter::new(&mut buf);
        write_canonical_uri(
            &mut w,
            path.as_bytes(),
            UriRules {
                normalize,
                single_encode,
            },
        );
        let n = w.len();
        std::string::String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn normalizes_like_rfc3986_plus_slash_collapse() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/.", "/"),
            ("/..", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/./example", "/example"),
            ("//example//", "/example/"),
            ("/a/b/../c", "/a/c"),
            ("/a/b/..", "/a/"),
            ("/a/b/.", "/a/b/"),
            ("/a/./b/", "/a/b/"),
            ("/../../a", "/a"),
            ("/a/../../b/./c//d/", "/b/c/d/"),
            ("a/b", "/a/b"),
            ("/a..b/.c/..d", "/a..b/.c/..d"),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input, true, false), want, "{input}");
        }
    }

    #[test]
    fn escaped_dots_are_dots_only_when_the_path_is_decoded() {
        // Single encoding: %2e is an escaped `.` (RFC 3986 §6.2.2.2 first).
        let single = [
            ("/%2e", "/"),
            ("/%2E/x", "/x"),
            ("/a/%2e%2E/b", "/b"),
            ("/%2e./x", "/x"),
            ("/a/.%2e", "/"),
            ("/a/%2e%2e%2e/b", "/a/.../b"),
            ("/a/%2e%2fb", "/a/.%2Fb"),
        ];
        for (input, want) in single {
            assert_eq!(canon(input, true, true), want, "{input}");
        }
        // Double encoding: the escape is data, encoded again.
        assert_eq!(canon("/%2e/x", true, false), "/%252e/x");
        assert_eq!(canon("/a/%2E%2E/b", true, false), "/a/%252E%252E/b");
        // Without normalization nothing is removed.
        assert_eq!(canon("/a/%2e%2e/b", false, true), "/a/../b");
    }

    #[test]
    fn unnormalized_keeps_segments() {
        assert_eq!(canon("//example//", false, false), "//example//");
        assert_eq!(canon("/example/..", false, false), "/example/..");
        assert_eq!(canon("", false, false), "/");
    }

    #[test]
    fn double_versus_single_encoding() {
        assert_eq!(canon("/a%3Ab c/ሴ", true, false), "/a%253Ab%20c/%E1%88%B4");
        assert_eq!(canon("/a%3Ab c/ሴ", false, true), "/a%3Ab%20c/%E1%88%B4");
        assert_eq!(canon("/k%2fx/%7e$", false, true), "/k%2Fx/~%24");
        assert_eq!(
            canon("/test/@connections/JBDvjfGEIAMCERw%3D", true, false),
            "/test/%40connections/JBDvjfGEIAMCERw%253D"
        );
    }
}
