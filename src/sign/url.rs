//! The request target: scheme, authority, the host that gets signed, path
//! and query, as slices of what the caller gave.

use super::encode::{HOST, has};
use super::{Error, MAX_URL_LEN};

/// Where a request goes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Target<'a> {
    /// `http`, `https`, `ws` or `wss` (as written).
    pub scheme: &'a [u8],
    /// `host[:port]` as written.
    pub authority: &'a [u8],
    /// The `host` value to sign: the authority without a default port.
    pub host: &'a [u8],
    /// Path as written (may be empty).
    pub path: &'a [u8],
    /// Query without `?` (may be empty).
    pub query: &'a [u8],
}

fn default_port(scheme: &[u8]) -> Option<&'static [u8]> {
    if scheme.eq_ignore_ascii_case(b"https") || scheme.eq_ignore_ascii_case(b"wss") {
        Some(b"443")
    } else if scheme.eq_ignore_ascii_case(b"http") || scheme.eq_ignore_ascii_case(b"ws") {
        Some(b"80")
    } else {
        None
    }
}

fn is_ctl(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

impl<'a> Target<'a> {
    /// Parses `scheme://authority[/path][?query][#fragment]`; the fragment is
    /// dropped.
    pub fn parse_url(url: &'a [u8]) -> Result<Self, Error> {
        if url.len() > MAX_URL_LEN {
            return Err(Error::InputTooLong);
        }
        // The scheme is short: look for `://` right after it.
        let colon = url.iter().take(8).position(|&b| b == b':').ok_or(Error::InvalidUrl)?;
        if url.get(colon + 1..colon + 3) != Some(b"//") {
            return Err(Error::InvalidUrl);
        }
        let scheme = &url[..colon];
        let port = default_port(scheme).ok_or(Error::InvalidUrl)?;
        let rest = &url[colon + 3..];
        // One pass: control bytes anywhere are refused; note where the
        // authority, the path and the query end.
        let (mut auth_end, mut query_start, mut end) = (None, None, rest.len());
        for (i, &b) in rest.iter().enumerate() {
            if is_ctl(b) {
                return Err(Error::InvalidUrl);
            }
            match b {
                b'/' if auth_end.is_none() => auth_end = Some(i),
                b'?' if query_start.is_none() => {
                    auth_end.get_or_insert(i);
                    query_start = Some(i);
                }
                b'#' => {
                    // The fragment is dropped, but still checked for control bytes.
                    end = end.min(i);
                }
                _ => {}
            }
        }
        let auth_end = auth_end.unwrap_or(end).min(end);
        let authority = &rest[..auth_end];
        if authority.contains(&b'@') {
            return Err(Error::InvalidUrl);
        }
        let (path, query) = match query_start.filter(|&q| q < end) {
            Some(q) => (&rest[auth_end..q], &rest[q + 1..end]),
            None => (&rest[auth_end..end], &rest[end..end]),
        };
        let host = signed_host(authority, port)?;
        if host.is_empty() {
            return Err(Error::InvalidHost);
        }
        Ok(Target {
            scheme,
            authority,
            host,
            path,
            query,
        })
    }

    /// A target from parts; `host` may be empty when the request carries a
    /// `Host` header. The scheme is https.
    pub fn from_parts(host: &'a [u8], path: &'a [u8], query: &'a [u8]) -> Result<Self, Error> {
        if host.len() > MAX_URL_LEN || path.len() + query.len() > MAX_URL_LEN {
            return Err(Error::InputTooLong);
        }
        if path.iter().any(|&b| is_ctl(b) || b == b'?' || b == b'#') {
            return Err(Error::InvalidPath);
        }
        if query.iter().any(|&b| is_ctl(b) || b == b'#') {
            return Err(Error::InvalidQuery);
        }
        let host_signed = if host.is_empty() {
            host
        } else {
            signed_host(host, b"443")?
        };
        Ok(Target {
            scheme: b"https",
            authority: host,
            host: host_signed,
            path,
            query,
        })
    }
}

/// Validates `host[:port]` and drops the port when it is the default.
pub(crate) fn signed_host<'a>(authority: &'a [u8], default: &[u8]) -> Result<&'a [u8], Error> {
    // Split at the port colon, which for an IPv6 literal follows the `]`.
    let (host, port) = if authority.first() == Some(&b'[') {
        let close = authority.iter().position(|&b| b == b']').ok_or(Error::InvalidHost)?;
        let inner = &authority[1..close];
        if inner.is_empty()
            || !inner
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'%' | b'-' | b'_' | b'~'))
        {
            return Err(Error::InvalidHost);
        }
        match &authority[close + 1..] {
            [] => (authority, None),
            [b':', port @ ..] => (&authority[..close + 1], Some(port)),
            _ => return Err(Error::InvalidHost),
        }
    } else {
        let (host, port) = match authority.iter().rposition(|&b| b == b':') {
            Some(i) => (&authority[..i], Some(&authority[i + 1..])),
            None => (authority, None),
        };
        if host.is_empty() || !host.iter().all(|&b| has(b, HOST)) {
            return Err(Error::InvalidHost);
        }
        (host, port)
    };
    match port {
        None | Some([]) => Ok(host),
        Some(p) => {
            if p.len() > 5 || !p.iter().all(u8::is_ascii_digit) {
                return Err(Error::InvalidHost);
            }
            let n = p.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
            let d = default.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
            if n > 65_535 {
                Err(Error::InvalidHost)
            } else if n == d {
                Ok(host)
            } else {
                Ok(authority)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let t = Target::parse_url(b"https://Example.com:8443/a/b?x=1&y#frag").unwrap();
        assert_eq!(t.host, b"Example.com:8443");
        assert_eq!(t.path, b"/a/b");
        assert_eq!(t.query, b"x=1&y");
        let t = Target::parse_url(b"https://example.com:443").unwrap();
        assert_eq!((t.host, t.path, t.query), (&b"example.com"[..], &b""[..], &b""[..]));
        let t = Target::parse_url(b"http://example.com:80?q").unwrap();
        assert_eq!((t.host, t.path, t.query), (&b"example.com"[..], &b""[..], &b"q"[..]));
        let t = Target::parse_url(b"http://[::1]:9000/x").unwrap();
        assert_eq!(t.host, b"[::1]:9000");
        let t = Target::parse_url(b"https://[fe80::1]:443/").unwrap();
        assert_eq!(t.host, b"[fe80::1]");
        let t = Target::parse_url(b"https://h:/").unwrap();
        assert_eq!(t.host, b"h");
    }

    #[test]
    fn rejects_bad_urls() {
        for bad in [
            &b"example.com/x"[..],
            b"ftp://example.com/",
            b"https://user:pw@example.com/",
            b"https:///x",
            b"https://exa mple.com/",
            b"https://example.com:99999/",
            b"https://example.com:8a/",
            b"https://[::1/",
            b"https://example.com/\r\nX: y",
            b"https://example.com/\0",
        ] {
            assert!(Target::parse_url(bad).is_err(), "{:?}", core::str::from_utf8(bad));
        }
    }
}
