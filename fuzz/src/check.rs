//! Well-formedness of successful outputs, checked against the request and an
//! independent re-computation of dates, hashes and signatures.

use crate::input::{Req, trim};
use crate::reference::{amz_date, pct_decode, scope, sha256_hex};
use crate::{Creds, SIGV4RS_FLAG_CONTENT_SHA256_HEADER, SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN};

pub fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&c| is_tchar(c))
}

/// A header value the library must accept: no control byte but tab.
pub fn is_field_value(s: &[u8]) -> bool {
    s.iter().all(|&c| c == b'\t' || (c >= 0x20 && c != 0x7f))
}

pub fn is_hex64_lower(s: &[u8]) -> bool {
    s.len() == 64 && s.iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

fn is_ctl(c: u8) -> bool {
    c < 0x20 || c == 0x7f
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Text outputs end with their only NUL.
pub fn strip_nul<'a>(what: &str, out: &'a [u8]) -> &'a [u8] {
    assert_eq!(out.last(), Some(&0), "{what}: output not NUL-terminated");
    let body = &out[..out.len() - 1];
    assert!(!body.contains(&0), "{what}: NUL inside the output: {}", show(out));
    body
}

/// Stream settings of an aws-chunked seed request.
#[derive(Clone, Copy, Debug)]
pub struct StreamInfo {
    pub mode: u32,
    pub checksum: u32,
    pub decoded: u64,
    pub encoded: u64,
}

/// The payload hash header mode sends, or None when the signer does not
/// add `X-Amz-Content-SHA256` (then any caller header is signed as is).
fn expected_sha_header(c: &Creds, r: &Req, stream: Option<StreamInfo>) -> Option<String> {
    if let Some(st) = stream {
        return Some(
            [
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            ][st.mode as usize]
                .to_string(),
        );
    }
    let caller_sha = r
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(b"x-amz-content-sha256"));
    if r.payload_mode == 0 && caller_sha {
        return None;
    }
    if !(c.s3() || c.flags & SIGV4RS_FLAG_CONTENT_SHA256_HEADER != 0) {
        return None;
    }
    Some(payload_hash(r))
}

/// `aws-chunked`, then the request's own first non-empty Content-Encoding
/// (trimmed, inner spaces collapsed) unless that is `aws-chunked` itself.
fn content_encoding(r: &Req) -> String {
    let own = r
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"content-encoding"))
        .map(|(_, v)| trim(v))
        .find(|v| !v.is_empty())
        .filter(|v| !v.eq_ignore_ascii_case(b"aws-chunked"));
    match own {
        None => "aws-chunked".to_string(),
        Some(v) => {
            let words: Vec<&[u8]> = v
                .split(|&c| c == b' ' || c == b'\t')
                .filter(|w| !w.is_empty())
                .collect();
            format!("aws-chunked,{}", String::from_utf8_lossy(&words.join(&b' ')))
        }
    }
}

/// The payload line for a request whose payload is hashed or given.
pub fn payload_hash(r: &Req) -> String {
    match r.payload_mode {
        2 => String::from_utf8(r.payload.to_ascii_lowercase()).unwrap(),
        3 => "UNSIGNED-PAYLOAD".to_string(),
        _ => sha256_hex(&r.payload),
    }
}

/// Result of a header-mode output.
pub struct HeaderOut {
    pub entries: Vec<(String, String)>,
    pub signed: Vec<String>,
    pub signature: String,
}

/// The `Host` line header signing must output: the target's host without a
/// default port, lower-cased, when it has capitals and the caller gave no
/// Host header.
fn expected_host_line(r: &Req) -> Option<String> {
    if r.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"host")) {
        return None;
    }
    let (scheme, authority): (&[u8], &[u8]) = if r.url.is_empty() {
        (b"https", &r.host)
    } else {
        let i = r.url.windows(3).position(|w| w == b"://")?;
        let rest = &r.url[i + 3..];
        let end = rest
            .iter()
            .position(|&x| matches!(x, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        (&r.url[..i], &rest[..end])
    };
    if !authority.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    let default: &[u8] = if scheme.eq_ignore_ascii_case(b"https") || scheme.eq_ignore_ascii_case(b"wss") {
        b"443"
    } else {
        b"80"
    };
    // The port colon is the last one, after `]` for an IPv6 literal.
    let colon = authority.iter().rposition(|&x| x == b':');
    let host = match colon {
        Some(i) if !authority.starts_with(b"[") || authority[..i].ends_with(b"]") => {
            let port = &authority[i + 1..];
            // Compared as numbers, as the library does (`0443` is 443).
            let num = |d: &[u8]| {
                d.iter()
                    .try_fold(0u32, |n, &x| Some(n * 10 + u32::from(x.checked_sub(b'0')?)))
            };
            if port.is_empty() || (port.len() <= 5 && num(port) == num(default)) {
                &authority[..i]
            } else {
                authority
            }
        }
        _ => authority,
    };
    Some(String::from_utf8_lossy(&host.to_ascii_lowercase()).into_owned())
}

/// Checks `Name: value\0...Authorization: ...\0`.
pub fn header_output(out: &[u8], c: &Creds, t: i64, r: &Req, stream: Option<StreamInfo>) -> HeaderOut {
    let what = "header output";
    assert_eq!(out.last(), Some(&0), "{what}: not NUL-terminated");
    let mut entries = Vec::new();
    for e in out[..out.len() - 1].split(|&x| x == 0) {
        assert!(!e.iter().any(|&x| is_ctl(x)), "{what}: control byte in {:?}", show(e));
        // Values may carry a caller's non-ASCII bytes (Content-Encoding).
        let s = String::from_utf8_lossy(e);
        let (n, v) = s
            .split_once(": ")
            .unwrap_or_else(|| panic!("{what}: entry without ': ': {s:?}"));
        assert!(is_token(n.as_bytes()), "{what}: bad name {n:?}");
        assert!(
            !entries
                .iter()
                .any(|(m, _): &(String, String)| m.eq_ignore_ascii_case(n)),
            "{what}: {n} twice"
        );
        entries.push((n.to_string(), v.to_string()));
    }
    let get = |n: &str| entries.iter().find(|(m, _)| m == n).map(|(_, v)| v.clone());
    let (last, auth) = entries.last().cloned().expect("no entries");
    assert_eq!(last, "Authorization", "{what}: Authorization is not last");
    let date = amz_date(t).expect("OK with an invalid time");
    assert_eq!(get("X-Amz-Date").as_deref(), Some(&date[..]), "{what}: X-Amz-Date");
    let token = get(c.token_names().0);
    if c.token.is_empty() {
        assert!(token.is_none(), "{what}: token without a session token");
    } else {
        assert_eq!(token.as_deref().map(str::as_bytes), Some(&c.token[..]), "{what}: token");
    }
    assert_eq!(
        get("X-Amz-Content-SHA256"),
        expected_sha_header(c, r, stream),
        "{what}: X-Amz-Content-SHA256"
    );
    if let Some(st) = stream {
        assert_eq!(
            get("Content-Encoding"),
            Some(content_encoding(r)),
            "{what}: Content-Encoding"
        );
        assert_eq!(get("Content-Length"), Some(st.encoded.to_string()));
        assert_eq!(get("X-Amz-Decoded-Content-Length"), Some(st.decoded.to_string()));
        let trailer = [
            "",
            "x-amz-checksum-crc32",
            "x-amz-checksum-crc32c",
            "x-amz-checksum-sha256",
            "x-amz-checksum-crc64nvme",
            "x-amz-checksum-sha1",
        ];
        assert_eq!(
            get("X-Amz-Trailer"),
            (st.checksum != 0).then(|| trailer[st.checksum as usize].to_string())
        );
    }
    // The host is signed lower-case; when the target's is not, the signed
    // value is output as Host (not with a caller's own Host header).
    let want_host = expected_host_line(r);
    assert_eq!(get("Host"), want_host, "{what}: Host");
    if want_host.is_some() {
        assert_eq!(entries[0].0, "Host", "{what}: Host is not first");
    }
    let n_expected = 2
        + usize::from(want_host.is_some())
        + usize::from(!c.token.is_empty())
        + usize::from(expected_sha_header(c, r, stream).is_some())
        + stream.map_or(0, |s| 3 + usize::from(s.checksum != 0));
    assert_eq!(entries.len(), n_expected, "{what}: unexpected entries {entries:?}");

    // Authorization: AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..
    let mut cred = b"AWS4-HMAC-SHA256 Credential=".to_vec();
    cred.extend_from_slice(&c.akid);
    cred.push(b'/');
    cred.extend_from_slice(&scope(c, &date));
    cred.extend_from_slice(b", SignedHeaders=");
    let a = auth.as_bytes();
    assert!(a.starts_with(&cred), "{what}: credential in {auth:?}");
    let rest = &auth[cred.len()..];
    let (list, sig) = rest
        .split_once(", Signature=")
        .unwrap_or_else(|| panic!("{what}: no signature: {auth:?}"));
    assert!(is_hex64_lower(sig.as_bytes()), "{what}: signature {sig:?}");
    let signed: Vec<String> = list.split(';').map(str::to_string).collect();
    check_signed_list(what, &signed, c, r, stream, true);
    HeaderOut {
        entries,
        signed,
        signature: sig.to_string(),
    }
}

/// SignedHeaders: sorted, unique, lower-case tokens; every caller header
/// the signer may sign is there, and nothing else but its own.
fn check_signed_list(what: &str, signed: &[String], c: &Creds, r: &Req, stream: Option<StreamInfo>, header_mode: bool) {
    for w in signed.windows(2) {
        assert!(w[0] < w[1], "{what}: SignedHeaders not sorted/unique: {signed:?}");
    }
    for n in signed {
        assert!(
            is_token(n.as_bytes()) && !n.bytes().any(|x| x.is_ascii_uppercase()),
            "{what}: bad signed name {n:?}"
        );
    }
    let has = |n: &str| signed.iter().any(|s| s == n);
    assert!(has("host"), "{what}: host not signed");
    if header_mode {
        assert!(has("x-amz-date"), "{what}: x-amz-date not signed");
    }
    let token_unsigned = !c.token.is_empty() && c.flags & SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN != 0;
    if header_mode && !c.token.is_empty() {
        assert_eq!(has(c.token_names().1), !token_unsigned, "{what}: token signing");
    }
    // With a token, a caller's x-amz-security-token is replaced: by the
    // signer's in header mode (unless unsigned), by the query parameter when
    // presigning.
    let token_dropped = !c.token.is_empty() && (token_unsigned || !header_mode);
    let own: &[&str] = &[
        "host",
        "x-amz-date",
        "x-amz-content-sha256",
        c.token_names().1,
        "content-encoding",
        "content-length",
        "x-amz-decoded-content-length",
        "x-amz-trailer",
    ];
    for n in signed {
        let from_caller = r.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n.as_bytes()));
        assert!(
            from_caller || own.contains(&n.as_str()),
            "{what}: {n} signed but never given"
        );
    }
    for (h, _) in &r.headers {
        let l = String::from_utf8_lossy(h).to_ascii_lowercase();
        let dropped = c.is_unsigned(h)
            || (token_dropped && l == c.token_names().1)
            || (stream.is_some_and(|s| s.checksum == 0) && l == "x-amz-trailer")
            // The seed request of a stream lists content-length as unsigned
            // when the signer says so; the rest are replaced and signed.
            || (stream.is_some() && l == "content-length" && c.is_unsigned(h));
        if l == "host" || !dropped {
            assert!(has(&l), "{what}: caller header {l} not signed: {signed:?}");
        } else {
            assert!(
                !has(&l) || own.contains(&l.as_str()),
                "{what}: unsigned header {l} signed"
            );
        }
    }
}

/// Checks a presigned URL; returns its `X-Amz-Signature`.
pub fn presigned_url(out: &[u8], scheme: &[u8], c: &Creds, t: i64, expires: u32, r: &Req) -> String {
    let what = "presigned URL";
    let url = strip_nul(what, out);
    assert!(!url.iter().any(|&x| is_ctl(x)), "{what}: control byte: {}", show(url));
    let mut pre = scheme.to_vec();
    pre.extend_from_slice(b"://");
    assert!(url.starts_with(&pre), "{what}: scheme: {}", show(url));
    assert!(
        !url.contains(&b'#'),
        "{what}: '#' (a fragment hides the signature): {}",
        show(url)
    );
    let rest = &url[pre.len()..];
    let auth_end = rest.iter().position(|&x| x == b'/' || x == b'?').unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    assert!(!authority.is_empty(), "{what}: empty authority: {}", show(url));
    assert!(
        !authority
            .iter()
            .any(|&x| matches!(x, b' ' | b'@' | b'\\' | b'"' | b'<' | b'>')),
        "{what}: authority {:?} is not a host",
        show(authority)
    );
    let q = url.iter().position(|&x| x == b'?').expect("no query");
    let params: Vec<&[u8]> = url[q + 1..].split(|&x| x == b'&').collect();
    let named = |n: &[u8]| -> Vec<&[u8]> {
        params
            .iter()
            .filter_map(|p| {
                let (k, v) = match p.iter().position(|&x| x == b'=') {
                    Some(i) => (&p[..i], &p[i + 1..]),
                    None => (&p[..], &[][..]),
                };
                (pct_decode(k) == n).then_some(v)
            })
            .collect()
    };
    let sigs = named(b"X-Amz-Signature");
    assert_eq!(sigs.len(), 1, "{what}: {} X-Amz-Signature: {}", sigs.len(), show(url));
    let last = params.last().unwrap();
    assert!(last.starts_with(b"X-Amz-Signature="), "{what}: signature not last");
    assert!(is_hex64_lower(sigs[0]), "{what}: signature {:?}", show(sigs[0]));
    let date = amz_date(t).expect("OK with an invalid time");
    let one = |n: &str, v: &[u8]| {
        let got = named(n.as_bytes());
        assert_eq!(got, vec![v], "{what}: {n} in {}", show(url));
    };
    one("X-Amz-Algorithm", b"AWS4-HMAC-SHA256");
    one("X-Amz-Date", date.as_bytes());
    one("X-Amz-Expires", expires.to_string().as_bytes());
    let cred = named(b"X-Amz-Credential");
    assert_eq!(cred.len(), 1, "{what}: credential");
    let mut want = c.akid.clone();
    want.push(b'/');
    want.extend_from_slice(&scope(c, &date));
    assert_eq!(pct_decode(cred[0]), want, "{what}: credential value");
    let tok = named(c.token_names().2);
    if c.token.is_empty() {
        assert!(tok.is_empty(), "{what}: token param without a token");
    } else {
        assert_eq!(tok.len(), 1, "{what}: token param");
        assert_eq!(pct_decode(tok[0]), c.token, "{what}: token value");
    }
    let sh = named(b"X-Amz-SignedHeaders");
    assert_eq!(sh.len(), 1, "{what}: SignedHeaders");
    let list = String::from_utf8(pct_decode(sh[0])).expect("SignedHeaders not UTF-8");
    let signed: Vec<String> = list.split(';').map(str::to_string).collect();
    check_signed_list(what, &signed, c, r, None, false);
    String::from_utf8(sigs[0].to_vec()).unwrap()
}

fn is_encoded(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let x = s[i];
        if x.is_ascii_alphanumeric() || b"-._~".contains(&x) {
            i += 1;
        } else if x == b'%'
            && s.get(i + 1)
                .is_some_and(|h| h.is_ascii_digit() || (b'A'..=b'F').contains(h))
            && s.get(i + 2)
                .is_some_and(|h| h.is_ascii_digit() || (b'A'..=b'F').contains(h))
        {
            i += 3;
        } else {
            return false;
        }
    }
    true
}

/// Checks the canonical request's shape; returns it without the NUL.
pub fn canonical_request<'a>(out: &'a [u8], r: &Req, presign: bool) -> &'a [u8] {
    let what = "canonical request";
    let creq = strip_nul(what, out);
    let lines: Vec<&[u8]> = creq.split(|&x| x == b'\n').collect();
    assert!(lines.len() >= 7, "{what}: {} lines: {}", lines.len(), show(creq));
    assert_eq!(lines[0], &r.method[..], "{what}: method");
    let uri = lines[1];
    assert!(uri.starts_with(b"/"), "{what}: URI {}", show(uri));
    assert!(
        uri.split(|&x| x == b'/').all(is_encoded),
        "{what}: URI not encoded: {}",
        show(uri)
    );
    let mut prev: Option<(&[u8], &[u8])> = None;
    if !lines[2].is_empty() {
        for p in lines[2].split(|&x| x == b'&') {
            let i = p.iter().position(|&x| x == b'=').expect("param without =");
            let (k, v) = (&p[..i], &p[i + 1..]);
            assert!(
                is_encoded(k) && is_encoded(v),
                "{what}: query not encoded: {}",
                show(lines[2])
            );
            if let Some(pv) = prev {
                assert!(pv <= (k, v), "{what}: query not sorted: {}", show(lines[2]));
            }
            prev = Some((k, v));
        }
    }
    let blank = lines[3..].iter().position(|l| l.is_empty()).expect("no blank line") + 3;
    assert_eq!(
        lines.len(),
        blank + 3,
        "{what}: lines after the headers: {}",
        show(creq)
    );
    let mut names = Vec::new();
    for h in &lines[3..blank] {
        let i = h.iter().position(|&x| x == b':').expect("header without :");
        let (n, v) = (&h[..i], &h[i + 1..]);
        assert!(
            is_token(n) && !n.iter().any(u8::is_ascii_uppercase),
            "{what}: name {}",
            show(n)
        );
        assert!(
            !v.contains(&b'\t') && !v.windows(2).any(|w| w == b"  ") && trim(v) == v,
            "{what}: value not trimmed/collapsed: {}",
            show(v)
        );
        if let Some(p) = names.last() {
            assert!(p < &n, "{what}: headers not sorted/unique");
        }
        names.push(n);
    }
    assert_eq!(
        lines[blank + 1],
        &names.join(&b";"[..])[..],
        "{what}: signed headers line"
    );
    assert!(names.contains(&&b"host"[..]), "{what}: no host");
    if !presign {
        assert!(names.contains(&&b"x-amz-date"[..]), "{what}: no x-amz-date");
    } else {
        for p in [
            "X-Amz-Algorithm=",
            "X-Amz-Credential=",
            "X-Amz-Date=",
            "X-Amz-Expires=",
            "X-Amz-SignedHeaders=",
        ] {
            assert!(
                lines[2].split(|&x| x == b'&').any(|q| q.starts_with(p.as_bytes())),
                "{what}: no {p}"
            );
        }
    }
    creq
}

/// Checks the string to sign against the canonical request; returns it
/// without the NUL.
pub fn string_to_sign<'a>(out: &'a [u8], creq: &[u8], c: &Creds, t: i64) -> &'a [u8] {
    let what = "string to sign";
    let sts = strip_nul(what, out);
    let date = amz_date(t).expect("OK with an invalid time");
    let mut want = b"AWS4-HMAC-SHA256\n".to_vec();
    want.extend_from_slice(date.as_bytes());
    want.push(b'\n');
    want.extend_from_slice(&scope(c, &date));
    want.push(b'\n');
    want.extend_from_slice(sha256_hex(creq).as_bytes());
    assert_eq!(show(sts), show(&want), "{what}");
    sts
}

/// A reason the library must refuse this request, if there is one the
/// harness can tell without re-implementing the parser.
pub fn must_fail(r: &Req, t: i64, expires: Option<u32>) -> Option<&'static str> {
    if r.bad_is_read() {
        return Some("a (NULL, n) or over-long field");
    }
    if !is_token(&r.method) {
        return Some("method not a token");
    }
    if r.headers.len() > crate::SIGV4RS_MAX_HEADERS {
        return Some("too many headers");
    }
    if r.headers.iter().any(|(n, _)| !is_token(n)) {
        return Some("header name not a token");
    }
    if r.headers.iter().any(|(_, v)| !is_field_value(v)) {
        return Some("header value with CR/LF/NUL/control byte");
    }
    if amz_date(t).is_none() {
        return Some("time out of range");
    }
    if r.payload_mode > 3 {
        return Some("unknown payload mode");
    }
    if r.payload_mode == 2 && !(r.payload.len() == 64 && r.payload.iter().all(u8::is_ascii_hexdigit)) {
        return Some("payload hash not 64 hex digits");
    }
    if let Some(e) = expires
        && !(1..=crate::SIGV4RS_MAX_EXPIRES).contains(&e)
    {
        return Some("expiry out of range");
    }
    let has_host_hdr = r.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"host"));
    if !r.url.is_empty() {
        let u = &r.url;
        if u.len() > crate::SIGV4RS_MAX_URL_LEN {
            return Some("URL too long");
        }
        if u.iter().any(|&c| is_ctl(c)) {
            return Some("control byte in URL");
        }
        let Some(i) = u.windows(3).position(|w| w == b"://") else {
            return Some("URL without ://");
        };
        let scheme = u[..i].to_ascii_lowercase();
        if !matches!(&scheme[..], b"http" | b"https" | b"ws" | b"wss") {
            return Some("URL scheme");
        }
        let rest = &u[i + 3..];
        let end = rest
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        if rest[..end].contains(&b'@') {
            return Some("user info in URL");
        }
        if end == 0 {
            return Some("URL without host");
        }
    } else {
        if r.path.iter().any(|&c| is_ctl(c) || c == b'?' || c == b'#') {
            return Some("bad byte in path");
        }
        if r.query.iter().any(|&c| is_ctl(c) || c == b'#') {
            return Some("bad byte in query");
        }
        if r.path.len() + r.query.len() > crate::SIGV4RS_MAX_URL_LEN || r.host.len() > crate::SIGV4RS_MAX_URL_LEN {
            return Some("path + query too long");
        }
        if r.host.is_empty() && !has_host_hdr {
            return Some("no host anywhere");
        }
    }
    None
}
