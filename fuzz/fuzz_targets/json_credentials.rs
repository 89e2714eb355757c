#![no_main]
//! (13) The JSON credential documents (`sigv4rs::creds::json`, a Rust API:
//! no C ABI). Any input: no panic; both readers agree on what is not JSON;
//! every string read unescapes consistently (length, bytes, equality, a
//! too-small buffer) and as a separate UTF-16-based decoder does; and an
//! instant `parse_iso8601` reads formats back to itself.

use libfuzzer_sys::fuzz_target;
use sigv4rs::creds::json::{JsonError, JsonStr, parse_credentials, parse_iso8601, parse_process_credentials};

/// Independent unescaping: escapes to UTF-16 units, then `decode_utf16`.
fn reference_unescape(raw: &[u8]) -> String {
    let text = std::str::from_utf8(raw).expect("raw strings are UTF-8");
    let mut out = String::new();
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        for c in char::decode_utf16(units.drain(..)) {
            out.push(c.expect("a credential string holds no lone surrogate"));
        }
    };
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            flush(&mut units, &mut out);
            out.push(c);
            continue;
        }
        let e = chars.next().expect("escape");
        let simple = match e {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let h: String = chars.by_ref().take(4).collect();
                units.push(u16::from_str_radix(&h, 16).expect("hex"));
                continue;
            }
            _ => panic!("bad escape kept"),
        };
        flush(&mut units, &mut out);
        out.push(simple);
    }
    flush(&mut units, &mut out);
    out
}

fn check_str(s: JsonStr<'_>, data: &[u8]) {
    let raw = s.raw();
    let range = data.as_ptr_range();
    assert!(raw.is_empty() || (range.contains(&raw.as_ptr()) && raw.as_ptr_range().end <= range.end));
    let n = s.unescaped_len();
    assert!(n <= raw.len(), "unescaping never grows");
    let mut buf = vec![0xA5u8; n + 8];
    assert_eq!(s.write_unescaped(&mut buf), Some(n));
    assert!(buf[n..].iter().all(|&b| b == 0xA5), "written past the length");
    let text = std::str::from_utf8(&buf[..n]).expect("unescaped is UTF-8");
    assert_eq!(text, reference_unescape(raw));
    assert!(s.eq_unescaped(&buf[..n]));
    if n > 0 {
        assert_eq!(s.write_unescaped(&mut buf[..n - 1]), None);
        assert!(!s.eq_unescaped(&buf[..n - 1]));
    }
    let mut longer = buf[..n].to_vec();
    longer.push(b'x');
    assert!(!s.eq_unescaped(&longer));
}

/// Days since 1970-01-01 to (y, m, d): Hinnant's civil_from_days, unlike
/// the library's month-summing way.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn format_z(t: i64) -> String {
    let (y, m, d) = civil(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

fuzz_target!(|data: &[u8]| {
    let any = parse_credentials(data);
    let process = parse_process_credentials(data);
    // One scanner: the same verdict on syntax and depth.
    let scan = |r: &Result<_, JsonError>| match r {
        Err(e @ (JsonError::Syntax { .. } | JsonError::TooDeep)) => Some(*e),
        _ => None,
    };
    assert_eq!(scan(&any), scan(&process));
    for r in [any, process] {
        match r {
            Ok(c) => {
                check_str(c.access_key_id, data);
                check_str(c.secret_access_key, data);
                assert!(c.access_key_id.unescaped_len() > 0 && c.secret_access_key.unescaped_len() > 0);
                for s in [c.session_token, c.account_id].into_iter().flatten() {
                    check_str(s, data);
                    assert!(s.unescaped_len() > 0);
                }
                // Debug is made of the other fields only: no secret, no token.
                let text = |s: JsonStr<'_>| std::str::from_utf8(s.raw()).unwrap().to_owned();
                let token = if c.session_token.is_some() {
                    "<redacted>"
                } else {
                    "<none>"
                };
                let want = format!(
                    "JsonCredentials {{ access_key_id: {:?}, secret_access_key: \"<redacted>\", session_token: {token:?}, \
                     expiration: {:?}, account_id: {:?} }}",
                    text(c.access_key_id),
                    c.expiration,
                    c.account_id.map(text)
                );
                assert_eq!(format!("{c:?}"), want);
            }
            Err(JsonError::Syntax { offset }) => assert!(offset <= data.len()),
            Err(_) => {}
        }
    }
    if let Some(t) = parse_iso8601(data) {
        let z = format_z(t);
        assert_eq!(parse_iso8601(z.as_bytes()), Some(t), "{z}");
        // A plain `...Z` instant is exactly what it formats to.
        if data.len() == 20 && data[19].eq_ignore_ascii_case(&b'z') {
            assert!(z.as_bytes().eq_ignore_ascii_case(data), "{z}");
        }
    }
});
