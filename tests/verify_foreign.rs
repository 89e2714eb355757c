//! Requests signed by other SigV4 implementations verify; a tampered copy
//! of each does not. The corpus (tests/verify_corpus/README.md) is written
//! by botocore, aws-sdk-go-v2 and Ruby's aws-sigv4 with
//! tests/verify_corpus/run.sh (run here when target/verify-corpus lacks
//! it); `SIGV4RS_VERIFY_CORPUS` names another directory.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::verify::*;
use serde_json::Value;
use sigv4rs::sign::Flags;

const SIGNERS: [&str; 3] = ["botocore", "gosdk", "ruby"];

fn corpus_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SIGV4RS_VERIFY_CORPUS") {
        return d.into();
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/verify-corpus");
    if !SIGNERS.iter().all(|s| dir.join(format!("{s}.jsonl")).exists()) {
        let st = Command::new("bash")
            .arg(root.join("tests/verify_corpus/run.sh"))
            .status()
            .expect("bash tests/verify_corpus/run.sh");
        assert!(st.success(), "tests/verify_corpus/run.sh failed");
    }
    dir
}

fn text<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// One corpus line as the server receives it, with its keys and server.
fn received(v: &Value) -> (Received, Keys, String, String, u32, i64) {
    let (_, path, query) = split_url(text(v, "url"));
    let headers = v["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
        .collect();
    let r = Received {
        method: text(v, "method").into(),
        host: Vec::new(),
        path,
        query,
        headers,
        body: Some(unhex(text(v, "body_hex"))),
    };
    let keys = Keys {
        akid: text(v, "access_key_id").into(),
        secret: text(v, "secret_access_key").into(),
        token: v["session_token"].as_str().unwrap_or("").into(),
    };
    let flags = if v["s3"].as_bool().unwrap() { Flags::S3 } else { 0 };
    let time = v["time"].as_i64().unwrap();
    (
        r,
        keys,
        text(v, "region").into(),
        text(v, "service").into(),
        flags,
        time,
    )
}

/// The `i`th tampering of a received request: a byte of what it signs
/// changed (method, path, query, a signed header's value, the signature,
/// the date), or the server's secret.
fn tamper(r: &Received, keys: &Keys, i: usize) -> (Received, Keys, &'static str) {
    let mut r = r.clone();
    let mut k = Keys {
        akid: keys.akid.clone(),
        secret: keys.secret.clone(),
        token: keys.token.clone(),
    };
    let flip = |b: &mut Vec<u8>, at: usize| {
        let at = at % b.len();
        b[at] = if b[at] == b'a' { b'b' } else { b'a' };
    };
    let what = match i % 6 {
        0 => {
            r.method = if r.method == b"GET" {
                b"PUT".to_vec()
            } else {
                b"GET".to_vec()
            };
            "method"
        }
        1 => {
            r.path.push(b'x');
            "path"
        }
        2 => {
            r.query = if r.query.is_empty() {
                b"tampered=1".to_vec()
            } else {
                [r.query.as_slice(), b"&tampered=1"].concat()
            };
            "query"
        }
        3 => {
            // The host header (always signed).
            let h = r
                .headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(b"host"))
                .unwrap();
            h.1.insert(0, b'x');
            "host"
        }
        4 => {
            flip(&mut k.secret, i / 6);
            "secret"
        }
        _ => {
            // The signature's last digit, in the header or the query.
            let auth = r
                .headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(b"authorization"));
            let sig = match auth {
                Some(h) => &mut h.1,
                None => &mut r.query,
            };
            let at = sig.windows(10).rposition(|w| w == b"Signature=").unwrap() + 10 + 63;
            sig[at] = if sig[at] == b'0' { b'1' } else { b'0' };
            "signature"
        }
    };
    (r, k, what)
}

#[test]
fn foreign_signers_verify_and_their_tampered_requests_do_not() {
    let dir = corpus_dir();
    let (mut accepted, mut total, mut rejected, mut tampered) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut per = Vec::new();
    for s in SIGNERS {
        let lines = std::fs::read_to_string(dir.join(format!("{s}.jsonl"))).unwrap();
        let (mut ok, mut n) = (0, 0);
        for (i, line) in lines.lines().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            let (r, keys, region, service, flags, time) = received(&v);
            let env = Env {
                region: &region,
                service: &service,
                flags,
                skip: 0,
                now: time,
            };
            n += 1;
            match run(&r, &keys, &env) {
                Ok(()) => ok += 1,
                Err(e) => failures.push(format!("{s} line {}: {e:?}: {}", i + 1, &line[..line.len().min(400)])),
            }
            let (t, tk, what) = tamper(&r, &keys, i);
            tampered += 1;
            match run(&t, &tk, &env) {
                Err(_) => rejected += 1,
                Ok(()) => failures.push(format!("{s} line {}: tampered {what} verifies", i + 1)),
            }
        }
        assert!(n >= 2000, "{s}: {n} requests, the issue asks for 2,000");
        per.push(format!("{s} {ok}/{n}"));
        accepted += ok;
        total += n;
    }
    println!(
        "verify: accepted {accepted}/{total}, rejected {rejected}/{tampered} (foreign signers: {})",
        per.join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
