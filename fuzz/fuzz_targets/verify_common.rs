//! Shared by the verify_* targets (included with `#[path]`).

use hmac::{KeyInit, Mac};
use sigv4rs::sign::{Request, VerifyConfig, VerifyError, VerifyInfo, verify};

pub const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
pub const NOW: i64 = 1_440_938_160;

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().into()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether `sig` is the SigV4 signature of the canonical request `creq`
/// (without its NUL) under the scope `info` reports, computed here.
pub fn independent_matches(info: &VerifyInfo, creq: &[u8], sig: &[u8]) -> bool {
    use sha2::Digest;
    let date = chrono_like(info.signed_at);
    let scope = format!(
        "{}/{}/{}/aws4_request",
        &date[..8],
        String::from_utf8_lossy(info.region()),
        String::from_utf8_lossy(info.service())
    );
    let sts = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex(&sha2::Sha256::digest(creq))
    );
    let mut k = hmac(&[b"AWS4", SECRET].concat(), date[..8].as_bytes());
    for part in [info.region(), info.service(), b"aws4_request"] {
        k = hmac(&k, part);
    }
    hex(&hmac(&k, sts.as_bytes())).as_bytes() == sig
}

/// `YYYYMMDDTHHMMSSZ` of Unix seconds (days-to-civil, independent of the
/// library's).
fn chrono_like(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Runs the verifier twice (deterministic), checks `VerifyInfo`, and, when
/// the canonical request was computed, the decision against `agrees`
/// (None: no received signature found in the input).
pub fn check(req: &Request<'_>, agrees: impl Fn(&VerifyInfo, &[u8]) -> Option<bool>) {
    let cfg = VerifyConfig {
        region: b"us-east-1",
        service: b"service",
        flags: 0,
        skip: 0,
        max_skew: 0,
    };
    let mut lookup = |akid: &[u8], secret: &mut [u8], _: &mut [u8]| {
        if akid != b"AKIDEXAMPLE" {
            return Err(sigv4rs::sign::LookupError::UnknownKey);
        }
        secret[..SECRET.len()].copy_from_slice(SECRET);
        Ok((SECRET.len(), 0))
    };
    let mut info = VerifyInfo::default();
    let mut creq = vec![0u8; 16_384];
    let r = verify(&cfg, req, NOW, &mut lookup, &mut info, &mut creq);
    let mut info2 = VerifyInfo::default();
    let r2 = verify(&cfg, req, NOW, &mut lookup, &mut info2, &mut []);
    assert_eq!(r, r2, "not deterministic");
    assert_eq!(info.canonical_request_len, info2.canonical_request_len);
    let signed = info.signed_headers();
    if !signed.is_empty() && !matches!(r, Err(VerifyError::MalformedSignedHeaders)) {
        let names: Vec<&[u8]> = signed.split(|&b| b == b';').collect();
        // Past their check, names are sorted, distinct, lower-case.
        if !matches!(
            r,
            Err(VerifyError::MalformedSignature
                | VerifyError::MalformedQueryAuth
                | VerifyError::MalformedDate
                | VerifyError::MissingDate
                | VerifyError::Request(_)
                | VerifyError::MalformedAuthorization)
        ) {
            assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
            assert!(!signed.iter().any(u8::is_ascii_uppercase));
        }
    }
    if info.canonical_request_len > 0 && info.canonical_request_len <= creq.len() {
        let creq = &creq[..info.canonical_request_len - 1];
        match (r, agrees(&info, creq)) {
            (Ok(()), Some(m)) => assert!(m, "accepted a signature that is not the HMAC"),
            (Err(VerifyError::SignatureMismatch), Some(m)) => assert!(!m, "rejected the right HMAC"),
            (Ok(()), None) => panic!("accepted without a signature in the input"),
            _ => {}
        }
    } else {
        assert!(
            r.is_err() || info.canonical_request_len > creq.len(),
            "OK without a canonical request"
        );
    }
}
