//! S3 (and a few non-S3) reference vectors produced by botocore, an
//! independent implementation (`tests/data/botocore-vectors.json`, written
//! by `tests/tools/botocore_vectors.py`), driven through the exported
//! `extern "C"` functions: canonical request, string to sign, signature and
//! the added headers (header mode) or the presigned URL (query mode).
//! Expected values come only from the JSON file.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use serde_json::Value;
use sigv4rs::ffi::*;

/// 2015-08-30T12:36:00Z, the time botocore was frozen at.
const TIME: i64 = 1_440_938_160;

type DebugFn = extern "C" fn(
    *const sigv4rs_signer,
    *const sigv4rs_request,
    i64,
    u32,
    u32,
    *mut u8,
    usize,
    *mut usize,
) -> sigv4rs_status;

struct Vectors {
    botocore_version: String,
    akid: String,
    secret: String,
    cases: Vec<Value>,
}

fn load() -> Vectors {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/botocore-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["unix_time"].as_i64(), Some(TIME), "vectors made at another time");
    assert_eq!(rfc3339(v["time"].as_str().unwrap()), TIME);
    Vectors {
        botocore_version: v["botocore_version"].as_str().unwrap().to_string(),
        akid: v["access_key_id"].as_str().unwrap().to_string(),
        secret: v["secret_access_key"].as_str().unwrap().to_string(),
        cases: v["cases"].as_array().unwrap().clone(),
    }
}

fn s<'a>(c: &'a Value, key: &str) -> &'a str {
    c[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: missing string {key}", c["id"]))
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
        .collect()
}

struct Mismatches<'a> {
    id: &'a str,
    list: &'a mut Vec<String>,
    ok: bool,
}

impl Mismatches<'_> {
    fn check(&mut self, what: &str, want: &str, got: &str) {
        if want != got {
            self.list.push(format!(
                "{} {what}:\n--- expected (botocore)\n{want}\n--- got\n{got}",
                self.id
            ));
            self.ok = false;
        }
    }
    fn error(&mut self, what: &str, status: sigv4rs_status) {
        self.list.push(format!("{} {what}: status {status:?}", self.id));
        self.ok = false;
    }
}

fn text(f: DebugFn, signer: &Signer, req: &sigv4rs_request, expires: u32) -> Result<String, sigv4rs_status> {
    call_out(&|o, c, l| f(signer.0, req, TIME, u32::from(expires != 0), expires, o, c, l))
        .map(|v| String::from_utf8(v).unwrap())
}

fn auth_part<'a>(auth: &'a str, key: &str) -> &'a str {
    auth.split(", ")
        .find_map(|p| p.strip_prefix(key))
        .or_else(|| auth.split(' ').find_map(|p| p.strip_prefix(key)))
        .map_or("", |v| v.trim_end_matches(','))
}

/// The request's headers after signing: the added headers replace the
/// caller's of the same name (the header output contract).
fn merged(req_headers: &[(String, String)], out: &[(String, String)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = req_headers
        .iter()
        .filter(|(n, _)| !out.iter().any(|(o, _)| o.eq_ignore_ascii_case(n)))
        .cloned()
        .collect();
    all.extend(out.iter().cloned());
    all
}

fn multiset_text(m: &BTreeMap<impl std::fmt::Debug, usize>) -> String {
    m.iter()
        .map(|(k, n)| {
            if *n == 1 {
                format!("{k:?}")
            } else {
                format!("{k:?} x{n}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn run_case(v: &Vectors, c: &Value, list: &mut Vec<String>) -> bool {
    let id = s(c, "id");
    let mut m = Mismatches { id, list, ok: true };
    let presign = match s(c, "mode") {
        "headers" => false,
        "presign" => true,
        other => panic!("{id}: unknown mode {other}"),
    };
    let s3 = c["s3"].as_bool().unwrap();
    let payload_signing = c["payload_signing"].as_bool().unwrap();
    let expires = if presign {
        u32::try_from(c["expires"].as_u64().unwrap()).unwrap()
    } else {
        0
    };
    let signer = new_signer(&Creds {
        akid: &v.akid,
        secret: &v.secret,
        token: s(c, "token"),
        region: s(c, "region"),
        service: s(c, "service"),
        flags: if s3 { SIGV4RS_FLAG_S3 } else { 0 },
    })
    .unwrap_or_else(|st| panic!("{id}: signer: {st:?}"));

    let mut headers = pairs(&c["headers"]);
    let body = s(c, "body").as_bytes();
    let payload_mode = if !presign && !payload_signing {
        // botocore sent `UNSIGNED-PAYLOAD`: give that payload line as the
        // caller's `x-amz-content-sha256` header (AUTO mode takes it).
        headers.push(("X-Amz-Content-SHA256".to_string(), s(c, "payload_hash").to_string()));
        sigv4rs_payload_mode::Auto
    } else if presign {
        // botocore's S3 presigned URLs are always `UNSIGNED-PAYLOAD`, the
        // default of an S3 signer's presign in AUTO mode.
        assert_eq!(s(c, "payload_hash"), "UNSIGNED-PAYLOAD", "{id}");
        assert!(body.is_empty(), "{id}: presign with a body");
        sigv4rs_payload_mode::Auto
    } else if headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("x-amz-content-sha256"))
    {
        // The caller's header is the payload line (botocore's non-S3 signer
        // honours a preset one too).
        sigv4rs_payload_mode::Auto
    } else {
        sigv4rs_payload_mode::Bytes
    };
    let hdrs = c_headers(&headers);
    let url = s(c, "url");
    let req = sigv4rs_request {
        method: b(s(c, "method").as_bytes()),
        url: b(url.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hdrs.as_ptr(),
        headers_len: hdrs.len(),
        payload_mode: payload_mode as u32,
        payload: b(body),
    };

    match text(sigv4rs_signer_canonical_request, &signer, &req, expires) {
        Ok(got) => m.check("canonical request", s(c, "canonical_request"), &got),
        Err(st) => m.error("canonical request", st),
    }
    match text(sigv4rs_signer_string_to_sign, &signer, &req, expires) {
        Ok(got) => m.check("string to sign", s(c, "string_to_sign"), &got),
        Err(st) => m.error("string to sign", st),
    }

    if presign {
        let got = call_out(&|o, cap, l| sigv4rs_signer_presign(signer.0, &req, TIME, expires, o, cap, l))
            .map(|v| String::from_utf8(v).unwrap());
        let got = match got {
            Ok(g) => g,
            Err(st) => {
                m.error("presign", st);
                return false;
            }
        };
        let want = s(c, "presigned_url");
        let (want_base, want_query) = want.split_once('?').unwrap();
        let (got_base, got_query) = got.split_once('?').unwrap_or((&got, ""));
        m.check("presigned URL scheme, host and path", want_base, got_base);
        m.check(
            "presigned URL query parameters (multiset)",
            &multiset_text(&query_multiset(want_query)),
            &multiset_text(&query_multiset(got_query)),
        );
        let sig = got_query
            .split('&')
            .find_map(|p| p.strip_prefix("X-Amz-Signature="))
            .unwrap_or_default();
        m.check("signature", s(c, "signature"), sig);
        let signed = got_query
            .split('&')
            .find_map(|p| p.strip_prefix("X-Amz-SignedHeaders="))
            .unwrap_or_default()
            .replace("%3B", ";");
        m.check("signed headers", s(c, "signed_headers"), &signed);
    } else {
        let out = call_out(&|o, cap, l| sigv4rs_signer_sign_headers(signer.0, &req, TIME, o, cap, l));
        let out = match out {
            Ok(o) => split_headers(&o),
            Err(st) => {
                m.error("sign headers", st);
                return false;
            }
        };
        // botocore's added headers, less one the caller already sends with
        // the same value (the `X-Amz-Content-SHA256: UNSIGNED-PAYLOAD` given
        // above): the library signs the caller's header and adds no copy.
        let want_added: Vec<_> = pairs(&c["output_headers"])
            .into_iter()
            .filter(|(n, v)| !headers.iter().any(|(hn, hv)| hn.eq_ignore_ascii_case(n) && hv == v))
            .collect();
        m.check(
            "added headers (multiset)",
            &multiset_text(&header_multiset(&want_added)),
            &multiset_text(&header_multiset(&out)),
        );
        m.check(
            "signed request headers (multiset)",
            &multiset_text(&header_multiset(&pairs(&c["final_headers"]))),
            &multiset_text(&header_multiset(&merged(&headers, &out))),
        );
        let auth = out
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map_or("", |(_, v)| v.as_str());
        m.check("signature", s(c, "signature"), auth_part(auth, "Signature="));
        m.check(
            "signed headers",
            s(c, "signed_headers"),
            auth_part(auth, "SignedHeaders="),
        );
    }
    m.ok
}

#[test]
fn botocore_vectors() {
    let v = load();
    let mut mismatches = Vec::new();
    let (mut ok, mut skipped) = (0usize, Vec::new());
    for c in &v.cases {
        let id = s(c, "id");
        if let Some(reason) = c.get("skip").and_then(|x| x.as_str()) {
            println!("skip {id}: {reason}");
            skipped.push(id.to_string());
            continue;
        }
        if let Some(q) = c.get("quirk").and_then(|x| x.as_str()) {
            println!("note {id}: botocore quirk: {q}");
        }
        ok += usize::from(run_case(&v, c, &mut mismatches));
    }
    let ran = v.cases.len() - skipped.len();
    println!(
        "botocore vectors: {ok}/{ran} (botocore {}, {} skipped)",
        v.botocore_version,
        skipped.len()
    );
    assert!(v.cases.len() >= 20, "too few cases");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n\n{}",
        mismatches.len(),
        mismatches.join("\n\n")
    );
    assert_eq!(ok, ran);
}
