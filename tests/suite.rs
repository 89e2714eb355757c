//! The official AWS SigV4 suite, driven through the exported `extern "C"`
//! functions: canonical request, string to sign, signature and signed
//! request, in header and query mode, byte for byte. The cases and every
//! expected value come from `tests/data/suite-v4-vectors.txt`, which
//! `tests/tools/suite_vectors.py` writes from the suite's files
//! (`tests/data/aws-sig-v4-test-suite/v4`) for every runner (C, Go, Ruby,
//! Python, firmware); the last test checks that the file is up to date.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
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

fn check(failures: &mut Vec<String>, case: &str, what: &str, want: &str, got: &str) -> bool {
    if want != got {
        failures.push(format!("{case} {what}:\n--- expected\n{want}\n--- got\n{got}"));
        false
    } else {
        true
    }
}

/// Header output merged into the request: the signer's headers replace the
/// request's headers of the same name.
fn merged(req_headers: &[(String, String)], out: &[(String, String)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = req_headers
        .iter()
        .filter(|(n, _)| !out.iter().any(|(o, _)| o.eq_ignore_ascii_case(n)))
        .cloned()
        .collect();
    all.extend(out.iter().cloned());
    all
}

/// A request as `sigv4rs_signer_sign_packed` takes it: one buffer, spans.
struct Packed {
    data: Vec<u8>,
    spans: Vec<u32>,
}

impl Packed {
    fn new(v: &Vector, headers: &[(String, String)]) -> Packed {
        let mut p = Packed {
            data: Vec::new(),
            spans: Vec::new(),
        };
        let parts: [&[u8]; 6] = [
            v.bytes("method"),
            b"",
            b"",
            v.bytes("path"),
            v.bytes("query"),
            v.bytes("body"),
        ];
        for part in parts {
            p.push(part);
        }
        for (n, val) in headers {
            p.push(n.as_bytes());
            p.push(val.as_bytes());
        }
        p
    }

    fn push(&mut self, bytes: &[u8]) {
        self.spans.extend([self.data.len() as u32, bytes.len() as u32]);
        self.data.extend_from_slice(bytes);
    }

    /// Output (with its NUL) and fields; header mode when `expires` is 0.
    fn sign(&self, signer: *const sigv4rs_signer, payload_mode: u32, time: i64, expires: u32) -> (Vec<u8>, Vec<u32>) {
        let auth = u32::from(expires != 0);
        let mut out = vec![0u8; 8192];
        let mut fields = vec![u32::MAX; SIGV4RS_PACKED_FIELDS_LEN];
        let mut len = 0usize;
        let st = sigv4rs_signer_sign_packed(
            signer,
            self.data.as_ptr(),
            self.data.len(),
            self.spans.as_ptr(),
            self.spans.len(),
            payload_mode,
            time,
            auth,
            expires,
            out.as_mut_ptr(),
            out.len(),
            &mut len,
            fields.as_mut_ptr(),
            fields.len(),
        );
        assert_eq!(st, sigv4rs_status::Ok, "sign_packed");
        out.truncate(len);
        (out, fields)
    }
}

fn signature_of(auth_headers: &[(String, String)]) -> String {
    let auth = &auth_headers.iter().find(|(n, _)| n == "Authorization").unwrap().1;
    auth.rsplit("Signature=").next().unwrap().to_string()
}

/// One case: header mode, then (complete cases only) query mode.
fn run_case(v: &Vector, failures: &mut Vec<String>) -> (bool, Option<bool>) {
    let name = v.name.as_str();
    let sign_body = v.num("sign_body") == 1;
    let mut flags = 0;
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
    let text = |f: TextFn, time: i64, expires: u32| {
        let auth = u32::from(expires != 0); // SIGV4RS_AUTH_HEADERS or _PRESIGN
        let out = call_out(&|o, c, l| f(signer.0, &req, time, auth, expires, o, c, l)).expect("debug output");
        String::from_utf8(out).unwrap()
    };
    let time = v.num("time");
    let mut eq = |what: &str, want: &str, got: &str| check(failures, name, what, want, got);

    let out =
        split_headers(&call_out(&|o, c, l| sigv4rs_signer_sign_headers(signer.0, &req, time, o, c, l)).expect("sign"));
    let creq = text(sigv4rs_signer_canonical_request, v.num("creq_time"), 0);
    let mut ok = eq("header canonical request", v.text("header_creq"), &creq);
    if let Some(sts) = v.get("header_sts") {
        let got = text(sigv4rs_signer_string_to_sign, time, 0);
        ok &= eq("header string to sign", std::str::from_utf8(sts).unwrap(), &got);
    }
    ok &= eq("header signature", v.text("header_sig"), &signature_of(&out));
    // The packed entry point, given the same request: the same signature,
    // and `fields` pointing at each `Name: value` line.
    let pack = Packed::new(v, &headers);
    let payload_mode = req.payload_mode;
    let (packed_out, fields) = pack.sign(signer.0, payload_mode, time, 0);
    let lines: Vec<(String, String)> = (0..fields[0] as usize)
        .map(|i| {
            let f = &fields[1 + 4 * i..5 + 4 * i];
            let at = |o: u32, l: u32| String::from_utf8(packed_out[o as usize..(o + l) as usize].to_vec()).unwrap();
            (at(f[0], f[1]), at(f[2], f[3]))
        })
        .collect();
    ok &= eq("packed header signature", v.text("header_sig"), &signature_of(&lines));
    ok &= eq("packed header lines", &format!("{out:?}"), &format!("{lines:?}"));
    let want = header_multiset(&v.pairs("signed_header"));
    let got = header_multiset(&merged(&headers, &out));
    ok &= eq(
        "header signed request headers",
        &format!("{want:?}"),
        &format!("{got:?}"),
    );
    if v.text("kind") == "partial" {
        return (ok, None);
    }

    let expires = v.num("expires") as u32;
    let creq = text(sigv4rs_signer_canonical_request, time, expires);
    let mut qok = eq("query canonical request", v.text("query_creq"), &creq);
    let sts = text(sigv4rs_signer_string_to_sign, time, expires);
    qok &= eq("query string to sign", v.text("query_sts"), &sts);
    let url = call_out(&|o, c, l| sigv4rs_signer_presign(signer.0, &req, time, expires, o, c, l)).expect("presign");
    let url = String::from_utf8(url).unwrap();
    let (prefix, query) = url.split_at(url.find('?').map_or(url.len(), |i| i + 1));
    qok &= eq("presigned URL up to ?", v.text("presign_prefix"), prefix);
    let sig = query.split('&').find_map(|p| p.strip_prefix("X-Amz-Signature="));
    qok &= eq("query signature", v.text("query_sig"), sig.unwrap_or_default());
    let (packed_url, _) = pack.sign(signer.0, payload_mode, time, expires);
    qok &= eq(
        "packed presigned URL",
        &url,
        std::str::from_utf8(&packed_url[..packed_url.len() - 1]).unwrap(),
    );
    let want = query_multiset(&v.all("presign_param").join("&"));
    qok &= eq(
        "presigned URL parameters",
        &format!("{want:?}"),
        &format!("{:?}", query_multiset(query)),
    );
    (ok, Some(qok))
}

#[test]
fn official_suite_v4() {
    let (mut header_ok, mut query_ok, mut partial_ok, mut complete, mut partial) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for v in suite_vectors() {
        match run_case(&v, &mut failures) {
            (h, Some(q)) => {
                complete += 1;
                header_ok += usize::from(h);
                query_ok += usize::from(q);
            }
            (h, None) => {
                partial += 1;
                partial_ok += usize::from(h);
            }
        }
    }
    println!("suite v4: header {header_ok}/{complete}, query {query_ok}/{complete}, partial {partial_ok}/2");
    assert_eq!((complete, partial), (38, 2), "expected 38 complete and 2 partial cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_eq!((header_ok, query_ok, partial_ok), (38, 38, 2));
}

/// Every runner reads the committed vector file: it must be exactly what
/// the generator writes from the suite's files today.
#[test]
fn vector_file_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fresh = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("suite-v4-vectors-{}.txt", std::process::id()));
    let status = Command::new("python3")
        .arg(root.join("tests/tools/suite_vectors.py"))
        .arg("--out")
        .arg(&fresh)
        .status()
        .expect("python3 runs tests/tools/suite_vectors.py");
    assert!(status.success(), "tests/tools/suite_vectors.py failed");
    let same = std::fs::read(&fresh).unwrap() == std::fs::read(root.join("tests/data/suite-v4-vectors.txt")).unwrap();
    std::fs::remove_file(&fresh).unwrap();
    assert!(
        same,
        "tests/data/suite-v4-vectors.txt differs from what tests/tools/suite_vectors.py writes from \
         tests/data/aws-sig-v4-test-suite/v4: regenerate it with `python3 tests/tools/suite_vectors.py`"
    );
}
