//! `x-amz-checksum-*` values through the C ABI, single-shot
//! (`sigv4rs_checksum_*`) and in aws-chunked trailers, against the values
//! botocore and awscrt compute (tests/data/checksum-vectors.json, written by
//! tests/tools/checksum_vectors.py), including the empty payload.

mod common;

use common::*;
use serde_json::Value;
use sigv4rs::ffi::*;
use std::ffi::CStr;
use std::path::Path;

const ALGS: [(&str, u32); 5] = [
    ("crc32", SIGV4RS_CHECKSUM_CRC32 as u32),
    ("crc32c", SIGV4RS_CHECKSUM_CRC32C as u32),
    ("crc64nvme", SIGV4RS_CHECKSUM_CRC64NVME as u32),
    ("sha1", SIGV4RS_CHECKSUM_SHA1 as u32),
    ("sha256", SIGV4RS_CHECKSUM_SHA256 as u32),
];
use sigv4rs_checksum::{
    Crc32 as SIGV4RS_CHECKSUM_CRC32, Crc32c as SIGV4RS_CHECKSUM_CRC32C, Crc64nvme as SIGV4RS_CHECKSUM_CRC64NVME,
    Sha1 as SIGV4RS_CHECKSUM_SHA1, Sha256 as SIGV4RS_CHECKSUM_SHA256,
};

fn vectors_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/checksum-vectors.json")
}

struct Case {
    name: String,
    data: Vec<u8>,
    want: Vec<(&'static str, u32, String)>,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn cases() -> Vec<Case> {
    let doc: Value = serde_json::from_slice(&std::fs::read(vectors_file()).unwrap()).unwrap();
    let cases: Vec<Case> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let data = match c["payload_hex"].as_str() {
                Some(h) => unhex(h),
                None => unhex(c["repeat_hex"].as_str().unwrap()).repeat(c["count"].as_u64().unwrap() as usize),
            };
            let want = ALGS
                .iter()
                .map(|&(n, v)| (n, v, c[n].as_str().unwrap_or_else(|| panic!("no {n}")).to_string()))
                .collect();
            Case {
                name: c["name"].as_str().unwrap().to_string(),
                data,
                want,
            }
        })
        .collect();
    assert!(
        cases.len() >= 30 && cases[0].data.is_empty(),
        "the vectors file lost cases"
    );
    cases
}

fn finish(st: &mut sigv4rs_checksum_state) -> String {
    let p: *mut sigv4rs_checksum_state = st;
    let out = call_out(&|o, c, l| sigv4rs_checksum_finish(p, o, c, l)).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn single_shot_values_match_botocore() {
    let cases = cases();
    let mut n = 0;
    for c in &cases {
        for (alg, v, want) in &c.want {
            let mut st = sigv4rs_checksum_state { _opaque: [0; 16] };
            assert_eq!(sigv4rs_checksum_init(&mut st, *v), sigv4rs_status::Ok);
            // Uneven pieces; half-way, a memcpy fork that must finish alike.
            let (a, rest) = c.data.split_at(c.data.len() / 3);
            assert_eq!(sigv4rs_checksum_update(&mut st, b(a)), sigv4rs_status::Ok);
            let mut fork = sigv4rs_checksum_state { _opaque: st._opaque };
            for piece in rest.chunks(997) {
                assert_eq!(sigv4rs_checksum_update(&mut st, b(piece)), sigv4rs_status::Ok);
            }
            assert_eq!(&finish(&mut st), want, "{alg} of {}", c.name);
            assert_eq!(sigv4rs_checksum_update(&mut fork, b(rest)), sigv4rs_status::Ok);
            assert_eq!(&finish(&mut fork), want, "{alg} of {} (forked)", c.name);
            n += 1;
        }
    }
    for (alg, v) in ALGS {
        let name = unsafe { CStr::from_ptr(sigv4rs_checksum_header_name(v)) };
        assert_eq!(name.to_str().unwrap(), format!("x-amz-checksum-{alg}"));
    }
    println!("checksums vs botocore/awscrt: single-shot {n}/{n}");
}

/// The trailer of an unsigned-trailer upload (its signed form is checked
/// against an independent signer in tests/chunked.rs).
fn trailer(signer: &Signer, checksum: u32, data: &[u8]) -> String {
    let stream = sigv4rs_stream {
        mode: 2,
        checksum,
        decoded_length: data.len() as u64,
        chunk_size: 8192,
    };
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(b"https://b.s3.amazonaws.com/k"),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: b(b""),
    };
    let mut state = sigv4rs_chunked { _opaque: [0; 40] };
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    let s = sigv4rs_chunked_begin(
        signer.0,
        &req,
        1_440_938_160,
        &stream,
        &mut state,
        buf.as_mut_ptr(),
        buf.len(),
        &mut len,
    );
    assert_eq!(s, sigv4rs_status::Ok);
    for chunk in data.chunks(8192) {
        let s = sigv4rs_chunked_sign_chunk(signer.0, &mut state, b(chunk), buf.as_mut_ptr(), buf.len(), &mut len);
        assert_eq!(s, sigv4rs_status::Ok);
    }
    let s = sigv4rs_chunked_finish(signer.0, &mut state, buf.as_mut_ptr(), buf.len(), &mut len);
    assert_eq!(s, sigv4rs_status::Ok);
    let end = String::from_utf8(buf[..len].to_vec()).unwrap();
    let line = end
        .strip_prefix("0\r\n")
        .and_then(|t| t.strip_suffix("\r\n\r\n"))
        .expect(&end);
    line.to_string()
}

#[test]
fn trailer_values_match_botocore() {
    let signer = new_signer(&Creds {
        akid: "AKIDEXAMPLE",
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        token: "",
        region: "us-east-1",
        service: "s3",
        flags: SIGV4RS_FLAG_S3,
    })
    .unwrap();
    let mut n = 0;
    for c in &cases() {
        for (alg, v, want) in &c.want {
            assert_eq!(
                trailer(&signer, *v, &c.data),
                format!("x-amz-checksum-{alg}:{want}"),
                "{}",
                c.name
            );
            n += 1;
        }
    }
    println!("checksums vs botocore/awscrt: trailers {n}/{n}");
}

/// The generator, rerun when a Python with botocore and awscrt is at hand
/// (`SIGV4RS_CHECKSUM_PYTHON`, else target/pyvenv), gives the same values.
#[test]
fn generator_reproduces_the_vectors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let py = std::env::var("SIGV4RS_CHECKSUM_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target/pyvenv/bin/python"));
    let out = std::process::Command::new(&py)
        .arg(root.join("tests/tools/checksum_vectors.py"))
        .arg("-")
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o.stdout,
        _ => {
            println!("checksum generator: skipped (no botocore + awscrt at {})", py.display());
            return;
        }
    };
    let fresh: Value = serde_json::from_slice(&out).unwrap();
    let stored: Value = serde_json::from_slice(&std::fs::read(vectors_file()).unwrap()).unwrap();
    assert_eq!(
        fresh["cases"], stored["cases"],
        "tests/data/checksum-vectors.json is stale or wrong"
    );
    println!(
        "checksum generator: reproduced with botocore {} and awscrt {}",
        fresh["botocore"], fresh["awscrt"]
    );
}
