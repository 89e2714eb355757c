//! aws-chunked uploads signed by other signers verify through the C ABI
//! (`sigv4rs_body_verifier_*`) and decode to the object they were made from;
//! a tampered copy of each (a data byte, a chunk signature digit, the
//! trailer checksum, in turn) is rejected with the status of what changed.
//! The corpus is `target/verify-corpus/chunked-*.jsonl`, written by
//! tests/verify_corpus/run.sh (README.md there, "aws-chunked"), run here when
//! missing; `SIGV4RS_VERIFY_CORPUS` names another directory.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::cverify::{Keys, Lcg, lookup};
use common::*;
use serde_json::Value;
use sha2::Digest;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

const SIGNERS: [&str; 3] = ["awscrt", "botocore", "gosdk"];

fn corpus_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SIGV4RS_VERIFY_CORPUS") {
        return d.into();
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/verify-corpus");
    if !SIGNERS.iter().all(|s| dir.join(format!("chunked-{s}.jsonl")).exists()) {
        let st = Command::new("bash")
            .arg(root.join("tests/verify_corpus/run.sh"))
            .status()
            .expect("bash tests/verify_corpus/run.sh");
        assert!(st.success(), "tests/verify_corpus/run.sh failed");
    }
    dir
}

fn text<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in line {}", v["id"]))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Begins on the line's request, feeds `body` in pieces of random sizes,
/// finishes: the decoded payload, or the first status that is not OK.
fn verify_body(v: &Value, body: &[u8], rng: &mut Lcg) -> Result<Vec<u8>, S> {
    let keys = Keys {
        akid: text(v, "access_key_id").into(),
        secret: text(v, "secret_access_key").into(),
        token: v["session_token"].as_str().unwrap_or("").into(),
    };
    let cfg = sigv4rs_verifier_config {
        region: b(text(v, "region").as_bytes()),
        service: b(text(v, "service").as_bytes()),
        flags: SIGV4RS_FLAG_S3,
        skip: 0,
        max_skew: 0,
        lookup: Some(lookup),
        lookup_user: &keys as *const Keys as *mut core::ffi::c_void,
    };
    let headers: Vec<(String, String)> = v["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
        .collect();
    let hs = c_headers(&headers);
    let req = sigv4rs_request {
        method: b(text(v, "method").as_bytes()),
        url: b(text(v, "url").as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: hs.len(),
        payload_mode: 0,
        payload: b(b""),
    };
    let mut state = sigv4rs_body_verifier {
        _opaque: [0; SIGV4RS_BODY_VERIFIER_SIZE / 8],
    };
    let mut r = std::mem::MaybeUninit::<sigv4rs_verify_result>::uninit();
    let now = v["time"].as_i64().unwrap();
    let st = sigv4rs_body_verifier_begin(&cfg, &req, now, r.as_mut_ptr(), std::ptr::null_mut(), 0, &mut state);
    if st != S::Ok {
        return Err(st);
    }
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let n = (1 + rng.next(20_000)).min(rest.len());
        let mut buf = rest[..n].to_vec();
        let mut got = usize::MAX;
        let st = sigv4rs_body_verifier_update(&mut state, buf.as_mut_ptr(), n, &mut got);
        if st != S::Ok {
            assert_eq!(got, 0, "decoded length on error");
            return Err(st);
        }
        out.extend_from_slice(&buf[..got]);
        rest = &rest[n..];
    }
    match sigv4rs_body_verifier_finish(&mut state) {
        S::Ok => Ok(out),
        st => Err(st),
    }
}

/// Where the parts of an encoded body are, read from its framing as the AWS
/// documentation lays it out (not from the verifier).
struct Layout {
    /// Data bytes of every chunk.
    data: Vec<std::ops::Range<usize>>,
    /// The 64 digits of every chunk signature.
    sigs: Vec<usize>,
    /// The trailer checksum's base64 value.
    checksum: Option<std::ops::Range<usize>>,
}

fn layout(body: &[u8]) -> Layout {
    let line_end = |i: usize| i + body[i..].windows(2).position(|w| w == b"\r\n").unwrap();
    let mut l = Layout {
        data: Vec::new(),
        sigs: Vec::new(),
        checksum: None,
    };
    let mut i = 0;
    loop {
        let end = line_end(i);
        let line = &body[i..end];
        let semi = line.iter().position(|&c| c == b';').unwrap_or(line.len());
        let size = usize::from_str_radix(std::str::from_utf8(&line[..semi]).unwrap(), 16).unwrap();
        if semi < line.len() {
            assert!(line[semi..].starts_with(b";chunk-signature="));
            l.sigs.push(i + semi + 17);
        }
        i = end + 2;
        if size == 0 {
            break;
        }
        l.data.push(i..i + size);
        i += size + 2;
    }
    while i < body.len() {
        let end = line_end(i);
        let line = &body[i..end];
        if line.starts_with(b"x-amz-checksum-") {
            let colon = line.iter().position(|&c| c == b':').unwrap();
            l.checksum = Some(i + colon + 1..end);
        }
        i = end + 2;
    }
    l
}

/// The `i`th tampering of `body` (a data byte, a chunk signature digit, the
/// trailer checksum; the next one that the body has), and the status a
/// server must answer.
fn tamper(body: &[u8], signed: bool, i: usize, rng: &mut Lcg) -> (Vec<u8>, &'static str, S) {
    let l = layout(body);
    let mut t = body.to_vec();
    for k in 0..3 {
        match (i + k) % 3 {
            0 if !l.data.is_empty() => {
                let r = &l.data[rng.next(l.data.len())];
                t[r.start + rng.next(r.len())] ^= 1;
                let want = if signed {
                    S::ChunkSignatureMismatch
                } else {
                    S::ChecksumMismatch
                };
                return (t, "data byte", want);
            }
            1 if !l.sigs.is_empty() => {
                let at = l.sigs[rng.next(l.sigs.len())] + rng.next(64);
                t[at] = if t[at] == b'0' { b'1' } else { b'0' };
                return (t, "chunk signature digit", S::ChunkSignatureMismatch);
            }
            2 if l.checksum.is_some() => {
                let r = l.checksum.unwrap();
                // A base64 digit of the value (not the padding).
                let digits = body[r.clone()].iter().filter(|&&c| c != b'=').count();
                let at = r.start + rng.next(digits);
                t[at] = if t[at] == b'A' { b'B' } else { b'A' };
                return (t, "trailer checksum", S::ChecksumMismatch);
            }
            _ => {}
        }
    }
    unreachable!("nothing to tamper with")
}

#[test]
fn foreign_aws_chunked_uploads_verify_and_their_tampered_copies_do_not() {
    let dir = corpus_dir();
    let mut rng = Lcg(2026);
    let (mut accepted, mut total, mut rejected, mut tampered) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut refused = Vec::new();
    let mut per = Vec::new();
    for s in SIGNERS {
        let lines = std::fs::read_to_string(dir.join(format!("chunked-{s}.jsonl"))).unwrap();
        let (mut ok, mut n, mut rej, mut tam) = (0, 0, 0, 0);
        for (i, line) in lines.lines().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            let body = unhex(text(&v, "body_hex"));
            let signed = text(&v, "mode") != "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
            n += 1;
            match verify_body(&v, &body, &mut rng) {
                Ok(obj) => {
                    let sha = hex(&sha2::Sha256::digest(&obj));
                    if obj.len() as u64 == v["object_len"].as_u64().unwrap() && sha == text(&v, "object_sha256") {
                        ok += 1;
                    } else {
                        failures.push(format!("{s} id {}: decoded to another object", v["id"]));
                    }
                }
                Err(st) => {
                    failures.push(format!("{s} id {} ({}): rejected {st:?}", v["id"], text(&v, "mode")));
                    refused.push(line.to_string());
                }
            }
            let (t, what, want) = tamper(&body, signed, i, &mut rng);
            tam += 1;
            match verify_body(&v, &t, &mut rng) {
                Err(st) if st == want => rej += 1,
                got => failures.push(format!("{s} id {}: tampered {what}: {got:?}, want {want:?}", v["id"])),
            }
        }
        assert!(n >= 300, "{s}: {n} bodies");
        per.push(format!("{s} {ok}/{n}"));
        accepted += ok;
        total += n;
        rejected += rej;
        tampered += tam;
    }
    if !refused.is_empty() {
        // The bodies a foreign signer made that the verifier refused, whole.
        std::fs::write(dir.join("chunked-refused.jsonl"), refused.join("\n") + "\n").unwrap();
    }
    println!(
        "verify: aws-chunked foreign accepted {accepted}/{total}, rejected {rejected}/{tampered} ({})",
        per.join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} failures (refused bodies in {}):\n{}",
        failures.len(),
        dir.join("chunked-refused.jsonl").display(),
        failures[..failures.len().min(20)].join("\n")
    );
}
