//! S3 Express One Zone against botocore (`tests/data/s3express-vectors.json`,
//! written by `tests/tools/s3express_vectors.py` with botocore's own
//! S3ExpressAuth / S3ExpressQueryAuth and its REST-XML parser), through the
//! C ABI: canonical request, string to sign, signature, the added headers
//! and the presigned URL byte for byte; CreateSession documents read by
//! `sigv4rs_signer_rotate_xml` into the credentials botocore reads.
//! Expected values come only from the JSON file.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

fn load() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/s3express-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn s<'a>(c: &'a Value, key: &str) -> &'a str {
    c[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no string {key}", c["id"]))
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
        .collect()
}

fn express_signer(c: &Value) -> Signer {
    new_signer(&Creds {
        akid: s(c, "access_key_id"),
        secret: s(c, "secret_access_key"),
        token: s(c, "session_token"),
        region: s(c, "region"),
        service: s(c, "service"),
        // S3 is implied: S3 Express alone must give S3's rules.
        flags: SIGV4RS_FLAG_S3EXPRESS,
    })
    .unwrap_or_else(|st| panic!("{}: signer: {st:?}", c["id"]))
}

/// Mismatches of one case, as text (empty: it matched).
fn run_case(c: &Value) -> Vec<String> {
    let id = s(c, "id");
    let mut bad = Vec::new();
    let mut check = |what: &str, want: &str, got: &str| {
        if want != got {
            bad.push(format!("{id} {what}:\n--- botocore\n{want}\n--- sigv4rs\n{got}"));
        }
    };
    let presign = s(c, "mode") == "presign";
    let t = c["unix_time"].as_i64().unwrap();
    let expires = c["expires"].as_u64().map_or(0, |e| u32::try_from(e).unwrap());
    let signer = express_signer(c);
    let headers = pairs(&c["headers"]);
    let hdrs = c_headers(&headers);
    let body = s(c, "body").as_bytes();
    let mode = if presign {
        sigv4rs_payload_mode::Auto
    } else if c["payload_signing"].as_bool().unwrap() {
        sigv4rs_payload_mode::Bytes
    } else {
        sigv4rs_payload_mode::Unsigned
    };
    let req = sigv4rs_request {
        method: b(s(c, "method").as_bytes()),
        url: b(s(c, "url").as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hdrs.as_ptr(),
        headers_len: hdrs.len(),
        payload_mode: mode as u32,
        payload: b(body),
    };
    let auth = u32::from(presign);
    let text = |r: Result<Vec<u8>, S>| r.map_or_else(|st| format!("status {st:?}"), |v| String::from_utf8(v).unwrap());
    let creq = call_out(&|o, n, l| sigv4rs_signer_canonical_request(signer.0, &req, t, auth, expires, o, n, l));
    check("canonical request", s(c, "canonical_request"), &text(creq));
    let sts = call_out(&|o, n, l| sigv4rs_signer_string_to_sign(signer.0, &req, t, auth, expires, o, n, l));
    check("string to sign", s(c, "string_to_sign"), &text(sts));
    if presign {
        let url = call_out(&|o, n, l| sigv4rs_signer_presign(signer.0, &req, t, expires, o, n, l));
        check("presigned URL", s(c, "presigned_url"), &text(url));
    } else {
        // Header names are case-insensitive (botocore writes
        // `x-amz-s3session-token`, sigv4rs `X-Amz-S3session-Token`); values
        // byte for byte, in botocore's order.
        let lower = |h: Vec<(String, String)>| {
            let mut v: Vec<_> = h.into_iter().map(|(n, v)| (n.to_ascii_lowercase(), v)).collect();
            v.sort();
            format!("{v:#?}")
        };
        let got = call_out(&|o, n, l| sigv4rs_signer_sign_headers(signer.0, &req, t, o, n, l));
        match got {
            Ok(out) => check(
                "added headers",
                &lower(pairs(&c["output_headers"])),
                &lower(split_headers(&out)),
            ),
            Err(st) => check("added headers", "OK", &format!("{st:?}")),
        }
    }
    bad
}

#[test]
fn botocore_s3express_vectors() {
    let v = load();
    let cases = v["cases"].as_array().unwrap();
    let (mut ok, mut bad) = (0, Vec::new());
    for c in cases {
        let m = run_case(c);
        ok += usize::from(m.is_empty());
        bad.extend(m);
    }
    let n = |mode: &str| cases.iter().filter(|c| c["mode"] == mode).count();
    println!(
        "s3express vectors: {ok}/{} (header {}, presign {}; botocore {})",
        cases.len(),
        n("headers"),
        n("presign"),
        s(&v, "botocore_version")
    );
    assert!(n("headers") >= 100 && n("presign") >= 100, "too few cases");
    assert!(bad.is_empty(), "{} mismatches:\n\n{}", bad.len(), bad.join("\n\n"));
}

/// A signer without S3 Express, with the same credentials, must differ:
/// the vectors would not notice a flag that did nothing.
#[test]
fn without_the_flag_the_token_is_a_security_token() {
    let v = load();
    let c = &v["cases"][0];
    let signer = new_signer(&Creds {
        akid: s(c, "access_key_id"),
        secret: s(c, "secret_access_key"),
        token: s(c, "session_token"),
        region: s(c, "region"),
        service: s(c, "service"),
        flags: SIGV4RS_FLAG_S3,
    })
    .unwrap();
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(s(c, "url").as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: sigv4rs_payload_mode::Unsigned as u32,
        payload: b(b""),
    };
    let out = call_out(&|o, n, l| sigv4rs_signer_sign_headers(signer.0, &req, 1_700_000_000, o, n, l)).unwrap();
    let names: Vec<_> = split_headers(&out).into_iter().map(|(n, _)| n).collect();
    assert!(names.iter().any(|n| n == "X-Amz-Security-Token"), "{names:?}");
    assert!(!names.iter().any(|n| n.eq_ignore_ascii_case("x-amz-s3session-token")));
}

/// CreateSession responses: what `sigv4rs_signer_rotate_xml` puts into an
/// S3 Express signer signs exactly as a signer configured with the
/// credentials botocore's parser read from the same document.
#[test]
fn create_session_documents_as_botocore_reads_them() {
    let v = load();
    let docs = v["create_session"].as_array().unwrap();
    let seed = &v["cases"][0];
    let req_url = s(seed, "url");
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(req_url.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: sigv4rs_payload_mode::Unsigned as u32,
        payload: b(b""),
    };
    let sign = |sg: &Signer, t: i64| call_out(&|o, n, l| sigv4rs_signer_sign_headers(sg.0, &req, t, o, n, l));
    let mut checked = 0;
    for d in docs {
        let id = s(d, "id");
        let signer = express_signer(seed);
        let st = sigv4rs_signer_rotate_xml(signer.0, b(s(d, "xml").as_bytes()));
        let Some(want) = d["credentials"].as_object() else {
            assert_eq!(st, S::InvalidCredentialsDocument, "{id}");
            continue;
        };
        assert_eq!(st, S::Ok, "{id}");
        let exp = want["expiration"].as_i64().unwrap();
        let mut got_exp = 0;
        assert_eq!(sigv4rs_signer_expiration(signer.0, &mut got_exp), S::Ok);
        assert_eq!(got_exp, exp, "{id}: expiration");
        let reference = new_signer(&Creds {
            akid: want["access_key_id"].as_str().unwrap(),
            secret: want["secret_access_key"].as_str().unwrap(),
            token: want["session_token"].as_str().unwrap(),
            region: s(seed, "region"),
            service: "s3express",
            flags: SIGV4RS_FLAG_S3EXPRESS,
        })
        .unwrap();
        let t = exp - 60;
        assert_eq!(
            sign(&signer, t),
            sign(&reference, t),
            "{id}: signs as botocore's credentials"
        );
        assert_eq!(sign(&signer, exp), Err(S::CredentialsExpired), "{id}");
        checked += 1;
    }
    println!(
        "create session documents: {checked}/{} read as botocore reads them",
        docs.len()
    );
    assert!(checked >= 5);
}

/// An S3 Express signer refuses credentials without a token, however they
/// come (rotation, a CreateSession-less STS document is fine: it has one).
#[test]
fn s3express_needs_a_token() {
    let v = load();
    let seed = &v["cases"][0];
    let signer = express_signer(seed);
    let c = sigv4rs_credentials {
        access_key_id: b(b"ASIAEXAMPLE"),
        secret_access_key: b(b"secret"),
        session_token: b(b""),
        expiration: 0,
    };
    assert_eq!(sigv4rs_signer_rotate(signer.0, &c), S::InvalidSessionToken);
    let json = br#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret"}"#;
    assert_eq!(sigv4rs_signer_rotate_json(signer.0, b(json)), S::InvalidSessionToken);
    let c = sigv4rs_credentials {
        session_token: b(b"TOKEN"),
        ..c
    };
    assert_eq!(sigv4rs_signer_rotate(signer.0, &c), S::Ok);
}
