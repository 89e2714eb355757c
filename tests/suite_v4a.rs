//! The official SigV4a suite (`tests/data/aws-sig-v4-test-suite/v4a`, as
//! `tests/data/suite-v4a-vectors.txt`) through the C ABI: canonical request
//! and string to sign byte for byte in header and query mode; the signed
//! request's other headers and parameters as multisets; every signature
//! (ours and the suite's samples) verified with the suite's public key,
//! since ECDSA samples cannot be reproduced; the derived public key equal to
//! the suite's.
#![cfg(feature = "sigv4a")]

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use sigv4rs::ffi::*;

type TextFn = extern "C" fn(
    *const sigv4rs_signer,
    *const sigv4rs_request,
    i64,
    u32,
    u32,
    *mut u8,
    usize,
    *mut usize,
) -> sigv4rs_status;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn suite_key(v: &Vector) -> VerifyingKey {
    let mut sec1 = vec![4u8];
    sec1.extend(unhex(v.text("public_key_x")));
    sec1.extend(unhex(v.text("public_key_y")));
    VerifyingKey::from_sec1_bytes(&sec1).expect("the suite's public key is a P-256 point")
}

/// Whether `sig_hex` (hex DER) is a signature of `sts` under `key`.
fn verifies(key: &VerifyingKey, sts: &str, sig_hex: &str) -> bool {
    if !sig_hex.len().is_multiple_of(2) || !sig_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    DerSignature::from_bytes(&unhex(sig_hex)).is_ok_and(|sig| key.verify(sts.as_bytes(), &sig).is_ok())
}

/// The Authorization value up to `Signature=`, and the signature.
fn split_auth(v: &str) -> (&str, &str) {
    let i = v.rfind("Signature=").map_or(v.len(), |i| i + "Signature=".len());
    v.split_at(i)
}

/// Header multiset with the Authorization signature cut off.
fn unsigned_multiset(h: &[(String, String)]) -> String {
    let cut: Vec<(String, String)> = h
        .iter()
        .map(|(n, v)| {
            let v = if n.eq_ignore_ascii_case("authorization") {
                split_auth(v).0
            } else {
                v
            };
            (n.clone(), v.to_string())
        })
        .collect();
    format!("{:?}", header_multiset(&cut))
}

fn check(failures: &mut Vec<String>, case: &str, what: &str, ok: bool, detail: String) -> bool {
    if !ok {
        failures.push(format!("{case} {what}:\n{detail}"));
    }
    ok
}

fn eq(failures: &mut Vec<String>, case: &str, what: &str, want: &str, got: &str) -> bool {
    check(
        failures,
        case,
        what,
        want == got,
        format!("--- expected\n{want}\n--- got\n{got}"),
    )
}

fn run_case(v: &Vector, failures: &mut Vec<String>) -> (bool, bool) {
    let name = v.name.as_str();
    let key = suite_key(v);
    let sign_body = v.num("sign_body") == 1;
    let mut flags = SIGV4RS_FLAG_SIGV4A;
    if v.num("normalize") == 0 {
        flags |= SIGV4RS_FLAG_NO_PATH_NORMALIZATION;
    }
    if sign_body {
        flags |= SIGV4RS_FLAG_CONTENT_SHA256_HEADER;
    }
    if v.num("omit_session_token") == 1 {
        flags |= SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN;
    }
    let signer = new_signer(&Creds {
        akid: v.text("access_key_id"),
        secret: v.text("secret_access_key"),
        token: v.text("session_token"),
        region: v.text("region"),
        service: v.text("service"),
        flags,
    })
    .expect("signer");
    let headers = v.pairs("header");
    let hdrs = c_headers(&headers);
    let req = sigv4rs_request {
        method: b(v.bytes("method")),
        url: b(b""),
        host: b(b""),
        path: b(v.bytes("path")),
        query: b(v.bytes("query")),
        headers: hdrs.as_ptr(),
        headers_len: hdrs.len(),
        payload_mode: if sign_body {
            sigv4rs_payload_mode::Bytes as u32
        } else {
            0
        },
        payload: b(v.bytes("body")),
    };
    let time = v.num("time");
    let text = |f: TextFn, expires: u32| {
        let auth = u32::from(expires != 0);
        let out = call_out(&|o, c, l| f(signer.0, &req, time, auth, expires, o, c, l)).expect("debug output");
        String::from_utf8(out).unwrap()
    };

    // Header mode.
    let out =
        split_headers(&call_out(&|o, c, l| sigv4rs_signer_sign_headers(signer.0, &req, time, o, c, l)).expect("sign"));
    let mut ok = eq(
        failures,
        name,
        "header canonical request",
        v.text("header_creq"),
        &text(sigv4rs_signer_canonical_request, 0),
    );
    let sts = v.text("header_sts");
    ok &= eq(
        failures,
        name,
        "header string to sign",
        sts,
        &text(sigv4rs_signer_string_to_sign, 0),
    );
    let auth = &out.iter().find(|(n, _)| n == "Authorization").expect("Authorization").1;
    let sig = split_auth(auth).1;
    ok &= check(
        failures,
        name,
        "header signature verifies",
        verifies(&key, sts, sig),
        sig.into(),
    );
    for k in ["header_sig", "header_sig_alt"] {
        ok &= check(
            failures,
            name,
            k,
            verifies(&key, sts, v.text(k)),
            "the suite's sample does not verify".into(),
        );
    }
    let again =
        split_headers(&call_out(&|o, c, l| sigv4rs_signer_sign_headers(signer.0, &req, time, o, c, l)).expect("sign"));
    ok &= eq(
        failures,
        name,
        "header signing is deterministic",
        &format!("{out:?}"),
        &format!("{again:?}"),
    );
    let mut merged: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| !out.iter().any(|(o, _)| o.eq_ignore_ascii_case(n)))
        .cloned()
        .collect();
    merged.extend(out.iter().cloned());
    ok &= eq(
        failures,
        name,
        "header signed request headers",
        &unsigned_multiset(&v.pairs("signed_header")),
        &unsigned_multiset(&merged),
    );

    // Query mode.
    let expires = v.num("expires") as u32;
    let mut qok = eq(
        failures,
        name,
        "query canonical request",
        v.text("query_creq"),
        &text(sigv4rs_signer_canonical_request, expires),
    );
    let qsts = v.text("query_sts");
    qok &= eq(
        failures,
        name,
        "query string to sign",
        qsts,
        &text(sigv4rs_signer_string_to_sign, expires),
    );
    let url = call_out(&|o, c, l| sigv4rs_signer_presign(signer.0, &req, time, expires, o, c, l)).expect("presign");
    let url = String::from_utf8(url).unwrap();
    let (prefix, query) = url.split_at(url.find('?').map_or(url.len(), |i| i + 1));
    qok &= eq(
        failures,
        name,
        "presigned URL up to ?",
        v.text("presign_prefix"),
        prefix,
    );
    let qsig = query
        .split('&')
        .find_map(|p| p.strip_prefix("X-Amz-Signature="))
        .unwrap_or_default();
    qok &= check(
        failures,
        name,
        "query signature verifies",
        verifies(&key, qsts, qsig),
        qsig.into(),
    );
    for k in ["query_sig", "query_sig_alt"] {
        qok &= check(
            failures,
            name,
            k,
            verifies(&key, qsts, v.text(k)),
            "the suite's sample does not verify".into(),
        );
    }
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("X-Amz-Signature="))
        .collect();
    qok &= eq(
        failures,
        name,
        "presigned URL parameters",
        &format!("{:?}", query_multiset(&v.all("presign_param").join("&"))),
        &format!("{:?}", query_multiset(&rest.join("&"))),
    );
    (ok, qok)
}

#[test]
fn official_suite_v4a() {
    let (mut header_ok, mut query_ok, mut n) = (0, 0, 0);
    let mut failures = Vec::new();
    for v in suite_v4a_vectors() {
        let (h, q) = run_case(&v, &mut failures);
        n += 1;
        header_ok += usize::from(h);
        query_ok += usize::from(q);
    }
    println!("suite v4a: header {header_ok}/{n}, query {query_ok}/{n}");
    assert_eq!(n, 38, "expected 38 cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The key derived from the suite's credentials is the suite's key pair.
#[test]
fn derived_public_key_is_the_suites() {
    for v in suite_v4a_vectors() {
        let k = sigv4rs::sign::derive_v4a(v.bytes("access_key_id"), v.bytes("secret_access_key"));
        let pk = k.public_key();
        let want = format!("04{}{}", v.text("public_key_x"), v.text("public_key_y"));
        let got: String = pk.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, want, "{}", v.name);
    }
}

/// A wrong signature, string to sign or key does not verify: the checks
/// above can fail.
#[test]
fn verification_can_fail() {
    let v = &suite_v4a_vectors()[0];
    let key = suite_key(v);
    let sts = v.text("header_sts");
    let sig = v.text("header_sig");
    assert!(verifies(&key, sts, sig));
    assert!(!verifies(&key, &sts.replace("aws4_request", "aws4_requesu"), sig));
    let mut bad = sig.as_bytes().to_vec();
    let last = bad.len() - 1;
    bad[last] = if bad[last] == b'0' { b'1' } else { b'0' };
    assert!(!verifies(&key, sts, std::str::from_utf8(&bad).unwrap()));
    let other = sigv4rs::sign::derive_v4a(b"AKIDEXAMPLE", b"another secret").public_key();
    let other = VerifyingKey::from_sec1_bytes(&other).unwrap();
    assert!(!verifies(&other, sts, sig));
}

/// The committed vector file is what the generator writes today.
#[test]
fn vector_file_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fresh = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("suite-v4a-vectors-{}.txt", std::process::id()));
    let status = Command::new("python3")
        .arg(root.join("tests/tools/suite_vectors.py"))
        .arg("--v4a")
        .arg("--out")
        .arg(&fresh)
        .status()
        .expect("python3 runs tests/tools/suite_vectors.py");
    assert!(status.success(), "tests/tools/suite_vectors.py --v4a failed");
    let same = std::fs::read(&fresh).unwrap() == std::fs::read(root.join("tests/data/suite-v4a-vectors.txt")).unwrap();
    std::fs::remove_file(&fresh).unwrap();
    assert!(
        same,
        "tests/data/suite-v4a-vectors.txt is stale: regenerate it with `python3 tests/tools/suite_vectors.py --v4a`"
    );
}
