#![no_main]
//! (13) STS and S3 CreateSession XML (`sigv4rs::creds::xml`, and
//! `sigv4rs_signer_rotate_xml` over it). Any input: no panic; the readers
//! agree (an error code only with `Sts`; the combined reader is the STS
//! one on `Response` roots); every text read unescapes consistently
//! (length, bytes, equality, a too-small buffer) and as a separate decoder
//! does; the C call returns a documented status and, on OK, the signer
//! holds the document's expiration.

use libfuzzer_sys::fuzz_target;
use sigv4rs::creds::xml::{XmlError, XmlText, parse_credentials_xml, parse_sts_credentials, sts_error_code};
use sigv4rs::ffi::*;
use sigv4rs_status as S;

/// Rotates a fresh S3 Express signer to `data` through the C ABI.
fn rotate_check(data: &[u8], parsed: &Result<i64, XmlError>) {
    let cfg = sigv4rs_config {
        access_key_id: sigv4rs_bytes {
            ptr: b"AKID".as_ptr(),
            len: 4,
        },
        secret_access_key: sigv4rs_bytes {
            ptr: b"s".as_ptr(),
            len: 1,
        },
        session_token: sigv4rs_bytes {
            ptr: b"T".as_ptr(),
            len: 1,
        },
        region: sigv4rs_bytes {
            ptr: b"us-east-1".as_ptr(),
            len: 9,
        },
        service: sigv4rs_bytes {
            ptr: b"s3express".as_ptr(),
            len: 9,
        },
        flags: SIGV4RS_FLAG_S3EXPRESS,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    };
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&cfg, &mut s), S::Ok);
    let st = sigv4rs_signer_rotate_xml(
        s,
        sigv4rs_bytes {
            ptr: data.as_ptr(),
            len: data.len(),
        },
    );
    let mut exp = -1;
    assert_eq!(sigv4rs_signer_expiration(s, &mut exp), S::Ok);
    match parsed {
        Err(_) => assert_eq!(st, S::InvalidCredentialsDocument),
        Ok(e) if st == S::Ok => assert_eq!(exp, *e),
        Ok(_) => {
            assert!(
                matches!(
                    st,
                    S::InvalidAccessKeyId | S::InvalidSecretKey | S::InvalidSessionToken | S::InvalidTime
                ),
                "{st:?}"
            );
            assert_eq!(exp, 0, "a refused document changed the signer");
        }
    }
    sigv4rs_signer_free(s);
}

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
    let any = parse_credentials_xml(data);
    rotate_check(data, &any.as_ref().map(|c| c.expiration).map_err(|e| *e));
    if let Ok(c) = &any {
        for t in [c.access_key_id, c.secret_access_key, c.session_token] {
            check_text(t, data);
        }
    }
    let creds = parse_sts_credentials(data);
    if let Ok(c) = &creds {
        assert_eq!(any.as_ref().map(|a| a.expiration).ok(), Some(c.expiration));
    }
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
