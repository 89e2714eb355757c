#![no_main]
//! (13) STS XML (`sigv4rs::creds::xml`, a Rust API: no C ABI). Any input:
//! no panic; the two readers agree (an error code only with `Sts`); every
//! text read unescapes consistently (length, bytes, equality, a too-small
//! buffer) and as a separate decoder does.

use libfuzzer_sys::fuzz_target;
use sigv4rs::creds::xml::{XmlError, XmlText, parse_sts_credentials, sts_error_code};

/// Independent decoding of validated element text: split at markup with
/// `str::find`, references through a table and `char::from_u32`.
fn reference_unescape(raw: &[u8]) -> String {
    let mut rest = std::str::from_utf8(raw).expect("XML text is UTF-8");
    let mut out = String::new();
    let push_text = |out: &mut String, t: &str| out.push_str(&t.replace("\r\n", "\n").replace('\r', "\n"));
    while !rest.is_empty() {
        let cut = rest.find(['<', '&']).unwrap_or(rest.len());
        push_text(&mut out, &rest[..cut]);
        rest = &rest[cut..];
        if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let end = r.find("]]>").expect("closed CDATA");
            push_text(&mut out, &r[..end]);
            rest = &r[end + 3..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->").expect("closed comment") + 3..];
        } else if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>").expect("closed PI") + 2..];
        } else if let Some(r) = rest.strip_prefix('&') {
            let end = r.find(';').expect("reference");
            let body = &r[..end];
            let c = match body {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let cp = match body.strip_prefix("#x") {
                        Some(h) => u32::from_str_radix(h, 16),
                        None => body[1..].parse::<u32>(),
                    };
                    char::from_u32(cp.expect("number")).expect("character")
                }
            };
            out.push(c);
            rest = &r[end + 1..];
        } else if !rest.is_empty() {
            panic!("markup kept in text: {rest:?}");
        }
    }
    out
}

fn check_text(t: XmlText<'_>, data: &[u8]) {
    let raw = t.raw();
    let range = data.as_ptr_range();
    assert!(raw.is_empty() || (range.contains(&raw.as_ptr()) && raw.as_ptr_range().end <= range.end));
    let n = t.unescaped_len();
    assert!(n <= raw.len(), "unescaping never grows");
    let mut buf = vec![0xA5u8; n + 8];
    assert_eq!(t.write_unescaped(&mut buf), Some(n));
    assert!(buf[n..].iter().all(|&b| b == 0xA5), "written past the length");
    let text = std::str::from_utf8(&buf[..n]).expect("unescaped is UTF-8");
    assert_eq!(text, reference_unescape(raw));
    assert!(t.eq_unescaped(&buf[..n]));
    if n > 0 {
        assert_eq!(t.write_unescaped(&mut buf[..n - 1]), None);
        assert!(!t.eq_unescaped(&buf[..n - 1]));
    }
}

fuzz_target!(|data: &[u8]| {
    let creds = parse_sts_credentials(data);
    let code = sts_error_code(data);
    if let Some(c) = code {
        check_text(c, data);
        assert_eq!(creds.as_ref().err(), Some(&XmlError::Sts));
    }
    match creds {
        Ok(c) => {
            for t in [c.access_key_id, c.secret_access_key, c.session_token] {
                check_text(t, data);
                assert!(t.unescaped_len() > 0);
            }
            // Debug is made of the other fields only: no secret, no token.
            let want = format!(
                "StsCredentials {{ access_key_id: {:?}, secret_access_key: \"<redacted>\", \
                 session_token: \"<redacted>\", expiration: {} }}",
                std::str::from_utf8(c.access_key_id.raw()).unwrap(),
                c.expiration
            );
            assert_eq!(format!("{c:?}"), want);
        }
        Err(XmlError::Syntax { offset }) => assert!(offset <= data.len()),
        Err(_) => {}
    }
});
