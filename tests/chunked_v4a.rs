//! SigV4a aws-chunked (`STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]`)
//! through the C ABI. ECDSA signatures cannot be compared, so every seed,
//! chunk and trailer signature is verified: against strings to sign built
//! here from aws-c-auth's rules (tests/test_chunked_signing.c, its v4a
//! cases: the same texts, `AWS4-ECDSA-P256-SHA256-PAYLOAD` / `-TRAILER`, the
//! scope without region, the previous signature unpadded) with aws-c-auth's
//! public key for its credentials, the suite's public key for AKIDEXAMPLE
//! and the key `derive_v4a` gives. On the wire each chunk and trailer
//! signature is DER hex padded with `*` to 144 characters
//! (aws_signing.c, `s_add_signature_property_to_result_set`).
#![cfg(feature = "sigv4a")]

mod common;

use common::*;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use sha2::Digest;
use sigv4rs::ffi::*;

const DOC_TIME: i64 = 1_369_353_600; // 2013-05-24T00:00:00Z
const DOC_AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// aws-c-auth's verification key for DOC_AKID / DOC_SECRET
/// (`s_chunked_test_ecc_pub_x` / `_y`).
const DOC_PUB_X: &str = "18b7d04643359f6ec270dcbab8dce6d169d66ddc9778c75cfb08dfdb701637ab";
const DOC_PUB_Y: &str = "fa36b35e4fe67e3112261d2e17a956ef85b06e44712d2850bcd3c2161e9993f2";
const DATE: &str = "20130524T000000Z";
const SCOPE: &str = "20130524/s3/aws4_request";
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha_hex(b: &[u8]) -> String {
    hexs(&sha2::Sha256::digest(b))
}

fn key_xy(x: &str, y: &str) -> VerifyingKey {
    let mut sec1 = vec![4u8];
    sec1.extend(unhex(x));
    sec1.extend(unhex(y));
    VerifyingKey::from_sec1_bytes(&sec1).unwrap()
}

fn derived_key(akid: &str, secret: &str) -> VerifyingKey {
    let pk = sigv4rs::sign::derive_v4a(akid.as_bytes(), secret.as_bytes()).public_key();
    VerifyingKey::from_sec1_bytes(&pk).unwrap()
}

/// The suite's public key and the credentials it belongs to.
fn suite() -> (VerifyingKey, String, String) {
    let v = &suite_v4a_vectors()[0];
    (
        key_xy(v.text("public_key_x"), v.text("public_key_y")),
        v.text("access_key_id").to_string(),
        v.text("secret_access_key").to_string(),
    )
}

/// Whether `sig_hex` (DER hex) signs `sts` under every key.
fn verifies(keys: &[&VerifyingKey], sts: &str, sig_hex: &str) -> bool {
    if sig_hex.is_empty() || !sig_hex.len().is_multiple_of(2) || !sig_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let Ok(sig) = DerSignature::from_bytes(&unhex(sig_hex)) else {
        return false;
    };
    keys.iter().all(|k| k.verify(sts.as_bytes(), &sig).is_ok())
}

fn v4a_signer(akid: &str, secret: &str) -> Signer {
    new_signer(&Creds {
        akid,
        secret,
        token: "",
        region: "us-east-1",
        service: "s3",
        flags: SIGV4RS_FLAG_S3 | SIGV4RS_FLAG_SIGV4A,
    })
    .unwrap()
}

fn stream(mode: u32, checksum: u32, len: u64, chunk: u32) -> sigv4rs_stream {
    sigv4rs_stream {
        mode,
        checksum,
        decoded_length: len,
        chunk_size: chunk,
    }
}

struct Upload {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    declared_len: u64,
}

impl Upload {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn seed(&self) -> &str {
        self.header("Authorization")
            .unwrap()
            .rsplit("Signature=")
            .next()
            .unwrap()
    }
}

fn begin(
    signer: &Signer,
    extra: &[(String, String)],
    st: &sigv4rs_stream,
    state: *mut sigv4rs_chunked,
) -> Result<Vec<u8>, sigv4rs_status> {
    let hs = c_headers(extra);
    let url = "https://s3.amazonaws.com/examplebucket/chunkObject.txt";
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(url.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: hs.len(),
        payload_mode: 0,
        payload: b(b""),
    };
    call_out(&|o, c, l| sigv4rs_chunked_begin(signer.0, &req, DOC_TIME, st, state, o, c, l))
}

/// Streams `data` with output buffers of exactly the SigV4a maxima.
fn upload(signer: &Signer, extra: &[(String, String)], st: sigv4rs_stream, data: &[u8]) -> Upload {
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let seed = begin(signer, extra, &st, &mut state).unwrap();
    let mut declared = 0u64;
    assert_eq!(sigv4rs_chunked_encoded_length(&st, &mut declared), sigv4rs_status::Ok);
    let mut body = Vec::new();
    let mut hbuf = [0u8; SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN];
    for chunk in data.chunks(st.chunk_size as usize) {
        let mut len = 0;
        assert_eq!(
            sigv4rs_chunked_sign_chunk(signer.0, &mut state, b(chunk), hbuf.as_mut_ptr(), hbuf.len(), &mut len),
            sigv4rs_status::Ok
        );
        body.extend_from_slice(&hbuf[..len]);
        body.extend_from_slice(chunk);
        body.extend_from_slice(b"\r\n");
    }
    let mut fbuf = [0u8; SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN];
    let mut len = 0;
    assert_eq!(
        sigv4rs_chunked_finish(signer.0, &mut state, fbuf.as_mut_ptr(), fbuf.len(), &mut len),
        sigv4rs_status::Ok
    );
    body.extend_from_slice(&fbuf[..len]);
    Upload {
        headers: split_headers(&seed),
        body,
        declared_len: declared,
    }
}

/// A wire signature: DER hex, then `*` up to 144 characters. Returns the
/// hex (the next link's "previous signature").
fn unpad(wire: &str) -> Result<&str, String> {
    if wire.len() != 144 {
        return Err(format!("signature field of {} characters", wire.len()));
    }
    let hex = wire.trim_end_matches('*');
    if hex.contains('*') || !hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(format!("not lower-case hex then padding: {wire}"));
    }
    Ok(hex)
}

/// Parses an aws-chunked body of a signed SigV4a `mode` (3, 4) or the
/// unsigned one (2), verifying each signature against the string to sign
/// built here; returns the decoded data.
fn verify_body(body: &[u8], seed: &str, mode: u32, keys: &[&VerifyingKey]) -> Result<Vec<u8>, String> {
    let mut prev = seed.to_string();
    let mut data = Vec::new();
    let mut rest = body;
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("no chunk header line")?;
        let line = std::str::from_utf8(&rest[..eol]).map_err(|e| e.to_string())?;
        rest = &rest[eol + 2..];
        let (size_hex, sig) = match line.split_once(";chunk-signature=") {
            Some((h, s)) => (h, Some(s)),
            None => (line, None),
        };
        let size = usize::from_str_radix(size_hex, 16).map_err(|e| e.to_string())?;
        let chunk = rest.get(..size).ok_or("short chunk")?;
        if mode == 2 {
            if sig.is_some() {
                return Err("signature in the unsigned mode".into());
            }
        } else {
            let sig = unpad(sig.ok_or("unsigned chunk")?)?;
            let sts = format!(
                "AWS4-ECDSA-P256-SHA256-PAYLOAD\n{DATE}\n{SCOPE}\n{prev}\n{EMPTY}\n{}",
                sha_hex(chunk)
            );
            if !verifies(keys, &sts, sig) {
                return Err(format!("chunk of {size} bytes: signature does not verify"));
            }
            prev = sig.to_string();
        }
        data.extend_from_slice(chunk);
        rest = &rest[size..];
        if size == 0 {
            break;
        }
        if rest.get(..2) != Some(b"\r\n") {
            return Err("no CRLF after chunk data".into());
        }
        rest = &rest[2..];
    }
    if mode == 3 {
        return if rest == b"\r\n" {
            Ok(data)
        } else {
            Err("bad end".into())
        };
    }
    let text = std::str::from_utf8(rest).map_err(|e| e.to_string())?;
    let mut lines = text.split("\r\n");
    let trailer = lines.next().unwrap();
    let (name, value) = trailer.split_once(':').ok_or("no trailer")?;
    if value != common::checksum_ref::expected_checksum(name, &data) {
        return Err(format!("{name}: {value}"));
    }
    if mode == 4 {
        let wire = lines
            .next()
            .and_then(|l| l.strip_prefix("x-amz-trailer-signature:"))
            .ok_or("no trailer signature")?;
        let tsig = unpad(wire)?;
        let sts = format!(
            "AWS4-ECDSA-P256-SHA256-TRAILER\n{DATE}\n{SCOPE}\n{prev}\n{}",
            sha_hex(format!("{trailer}\n").as_bytes())
        );
        if !verifies(keys, &sts, tsig) {
            return Err("trailer signature does not verify".into());
        }
    }
    if lines.collect::<Vec<_>>() != ["", ""] {
        return Err("no closing blank line".into());
    }
    Ok(data)
}

fn storage_class() -> Vec<(String, String)> {
    vec![("x-amz-storage-class".to_string(), "REDUCED_REDUNDANCY".to_string())]
}

/// aws-c-auth's expected seed canonical request for its chunked test (the
/// headers it is given, with our Content-Length and x-amz-trailer).
fn doc_canonical_request(mode: &str, content_length: u64, trailer: Option<&str>) -> String {
    let (trailer_line, trailer_name) = match trailer {
        Some(t) => (format!("x-amz-trailer:{t}\n"), ";x-amz-trailer"),
        None => (String::new(), ""),
    };
    format!(
        "PUT\n/examplebucket/chunkObject.txt\n\n\
         content-encoding:aws-chunked\n\
         content-length:{content_length}\n\
         host:s3.amazonaws.com\n\
         x-amz-content-sha256:{mode}\n\
         x-amz-date:20130524T000000Z\n\
         x-amz-decoded-content-length:66560\n\
         x-amz-region-set:us-east-1\n\
         x-amz-storage-class:REDUCED_REDUNDANCY\n\
         {trailer_line}\n\
         content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
         x-amz-decoded-content-length;x-amz-region-set;x-amz-storage-class{trailer_name}\n\
         {mode}"
    )
}

/// The seed's string to sign, from its canonical request.
fn seed_sts(creq: &str) -> String {
    format!("AWS4-ECDSA-P256-SHA256\n{DATE}\n{SCOPE}\n{}", sha_hex(creq.as_bytes()))
}

#[test]
fn derived_key_is_aws_c_auths() {
    let want = format!("04{DOC_PUB_X}{DOC_PUB_Y}");
    let got = sigv4rs::sign::derive_v4a(DOC_AKID.as_bytes(), DOC_SECRET.as_bytes()).public_key();
    assert_eq!(hexs(&got), want);
}

#[test]
fn aws_c_auth_chunked_example() {
    // aws-c-auth `sigv4a_chunked_signing_test`: 65536 + 1024 bytes of 'a',
    // then the empty chunk; each chunk's string to sign is its literal
    // "pre" + previous signature + "post".
    let s = v4a_signer(DOC_AKID, DOC_SECRET);
    let doc = key_xy(DOC_PUB_X, DOC_PUB_Y);
    let derived = derived_key(DOC_AKID, DOC_SECRET);
    let u = upload(&s, &storage_class(), stream(3, 0, 66_560, 65_536), &[b'a'; 66_560]);
    // Three chunk headers of `<hex>;chunk-signature=<144>\r\n`, each chunk's
    // data and CRLF, the closing CRLF.
    let want_len = 66_560 + (5 + 17 + 144 + 2 + 2) + (3 + 17 + 144 + 2 + 2) + (1 + 17 + 144 + 2) + 2;
    assert_eq!(u.declared_len, want_len);
    assert_eq!(u.body.len() as u64, want_len);
    assert_eq!(u.header("Content-Length"), Some(want_len.to_string().as_str()));
    assert_eq!(u.header("X-Amz-Decoded-Content-Length"), Some("66560"));
    assert_eq!(u.header("X-Amz-Region-Set"), Some("us-east-1"));
    assert_eq!(
        u.header("X-Amz-Content-SHA256"),
        Some("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
    );
    let auth = u.header("Authorization").unwrap();
    assert!(
        auth.starts_with(
            "AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/s3/aws4_request, \
             SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
             x-amz-decoded-content-length;x-amz-region-set;x-amz-storage-class, Signature="
        ),
        "{auth}"
    );
    let creq = doc_canonical_request("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", want_len, None);
    assert!(
        verifies(&[&doc, &derived], &seed_sts(&creq), u.seed()),
        "seed signature"
    );

    // aws-c-auth's strings to sign, literally.
    let pre = "AWS4-ECDSA-P256-SHA256-PAYLOAD\n20130524T000000Z\n20130524/s3/aws4_request\n";
    let posts = [
        "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
         bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a",
        "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
         2edc986847e209b4016e141a6dc8716d3207350f416969382d431539bf292e4a",
        "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ];
    let text = String::from_utf8_lossy(&u.body).to_string();
    let wires: Vec<&str> = text.split(";chunk-signature=").skip(1).map(|s| &s[..144]).collect();
    assert_eq!(wires.len(), 3);
    let mut prev = u.seed().to_string();
    for (wire, post) in wires.iter().zip(posts) {
        let sig = unpad(wire).unwrap();
        let sts = format!("{pre}{prev}{post}");
        assert!(verifies(&[&doc, &derived], &sts, sig), "{sts}");
        prev = sig.to_string();
    }
    // Byte layout around the signatures.
    assert!(u.body.starts_with(b"10000;chunk-signature="));
    assert_eq!(&u.body[5 + 17 + 144..5 + 17 + 144 + 2], b"\r\n");
    assert!(text[5 + 17 + 144 + 2 + 65_536..].starts_with("\r\n400;chunk-signature="));
    assert!(text.ends_with("\r\n\r\n"));
    assert!(text[text.len() - (1 + 17 + 144 + 4)..].starts_with("0;chunk-signature="));
    assert_eq!(
        verify_body(&u.body, u.seed(), 3, &[&doc, &derived]).unwrap(),
        vec![b'a'; 66_560]
    );
}

#[test]
fn aws_c_auth_trailer_example() {
    // aws-c-auth `sigv4a_trailing_headers_signing_test`, with the trailer
    // this library sends (a CRC32C: the S3 documentation's sOO8/Q== for
    // these bytes) in place of its first/second/third headers.
    let s = v4a_signer(DOC_AKID, DOC_SECRET);
    let doc = key_xy(DOC_PUB_X, DOC_PUB_Y);
    let u = upload(&s, &storage_class(), stream(4, 2, 66_560, 65_536), &[b'a'; 66_560]);
    let trailer = "x-amz-checksum-crc32c:sOO8/Q==";
    let want_len = 66_560
        + (5 + 17 + 144 + 2 + 2)
        + (3 + 17 + 144 + 2 + 2)
        + (1 + 17 + 144 + 2)
        + (trailer.len() as u64 + 2)
        + (24 + 144 + 2)
        + 2;
    assert_eq!(u.declared_len, want_len);
    assert_eq!(u.body.len() as u64, want_len);
    assert_eq!(u.header("X-Amz-Trailer"), Some("x-amz-checksum-crc32c"));
    assert_eq!(
        u.header("X-Amz-Content-SHA256"),
        Some("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER")
    );
    let creq = doc_canonical_request(
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
        want_len,
        Some("x-amz-checksum-crc32c"),
    );
    assert!(verifies(&[&doc], &seed_sts(&creq), u.seed()), "seed signature");
    let text = String::from_utf8_lossy(&u.body).to_string();
    let tail = &text[text.len() - (2 + trailer.len() + 2 + 24 + 144 + 2 + 2)..];
    assert!(
        tail.starts_with(&format!("\r\n{trailer}\r\nx-amz-trailer-signature:")),
        "{tail:?}"
    );
    // The final chunk's signature seeds the trailer's, as in aws-c-auth.
    let last = unpad(&text.rsplit(";chunk-signature=").next().unwrap()[..144]).unwrap();
    let tsig = unpad(&tail[2 + trailer.len() + 2 + 24..][..144]).unwrap();
    let sts = format!(
        "AWS4-ECDSA-P256-SHA256-TRAILER\n20130524T000000Z\n20130524/s3/aws4_request\n{last}\n{}",
        sha_hex(format!("{trailer}\n").as_bytes())
    );
    assert!(verifies(&[&doc], &sts, tsig));
    assert!(verify_body(&u.body, u.seed(), 4, &[&doc]).is_ok());
}

#[test]
fn suite_key_every_mode_and_edge_size() {
    let (suite_key, akid, secret) = suite();
    let derived = derived_key(&akid, &secret);
    let s = v4a_signer(&akid, &secret);
    let chunk = 8192u32;
    for (mode, checksum) in [(3u32, 0u32), (4, 1), (4, 2), (4, 3), (4, 4), (4, 5), (2, 2), (2, 3)] {
        for len in [0usize, 1, 8191, 8192, 8193, 2 * 8192 + 5] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            let u = upload(&s, &[], stream(mode, checksum, len as u64, chunk), &data);
            let at = format!("mode {mode} checksum {checksum} len {len}");
            assert_eq!(u.body.len() as u64, u.declared_len, "{at}");
            assert_eq!(
                u.header("Content-Length"),
                Some(u.declared_len.to_string().as_str()),
                "{at}"
            );
            assert!(
                u.header("Authorization")
                    .unwrap()
                    .starts_with("AWS4-ECDSA-P256-SHA256 "),
                "{at}"
            );
            let got =
                verify_body(&u.body, u.seed(), mode, &[&suite_key, &derived]).unwrap_or_else(|e| panic!("{at}: {e}"));
            assert!(got == data, "{at}: decoded data differs");
        }
    }
}

#[test]
fn tampering_fails_verification() {
    let (suite_key, akid, secret) = suite();
    let s = v4a_signer(&akid, &secret);
    let data: Vec<u8> = (0..20_000u32).map(|i| i as u8).collect();
    let u = upload(&s, &[], stream(4, 3, 20_000, 8192), &data);
    assert!(verify_body(&u.body, u.seed(), 4, &[&suite_key]).is_ok());
    // A data byte, a signature digit, the padding, the trailer value.
    let find = |what: &[u8]| u.body.windows(what.len()).position(|w| w == what).unwrap();
    let first_sig = find(b";chunk-signature=") + 17;
    // A padding byte inside a signature field (not a '*' in the data).
    let pad = (0..u.body.len() - 17)
        .filter(|&i| u.body[i..].starts_with(b";chunk-signature="))
        .find_map(|i| {
            u.body[i + 17..i + 17 + 144]
                .iter()
                .position(|&c| c == b'*')
                .map(|p| i + 17 + p)
        })
        .expect("a padded signature");
    let trailer_value = find(b"x-amz-checksum-sha256:") + 22;
    for (what, at) in [
        ("data", 200),
        ("signature", first_sig + 20),
        ("padding", pad),
        ("trailer", trailer_value),
    ] {
        let mut bad = u.body.clone();
        bad[at] = if bad[at] == b'1' { b'2' } else { b'1' };
        assert!(verify_body(&bad, u.seed(), 4, &[&suite_key]).is_err(), "{what}");
    }
    // Another seed, another key.
    let other_seed = u.seed().replacen(|c: char| c.is_ascii_hexdigit(), "0", 1);
    assert!(verify_body(&u.body, &other_seed, 4, &[&suite_key]).is_err());
    let other = derived_key(&akid, "another secret");
    assert!(verify_body(&u.body, u.seed(), 4, &[&other]).is_err());
}

#[test]
fn signer_and_mode_must_agree() {
    let (_, akid, secret) = suite();
    let v4a = v4a_signer(&akid, &secret);
    let v4 = new_signer(&Creds {
        akid: &akid,
        secret: &secret,
        token: "",
        region: "us-east-1",
        service: "s3",
        flags: SIGV4RS_FLAG_S3,
    })
    .unwrap();
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    for (signer, mode, checksum, want) in [
        (&v4a, 0, 0, Err(sigv4rs_status::InvalidArgument)),
        (&v4a, 1, 2, Err(sigv4rs_status::InvalidArgument)),
        (&v4, 3, 0, Err(sigv4rs_status::InvalidArgument)),
        (&v4, 4, 2, Err(sigv4rs_status::InvalidArgument)),
    ] {
        let got = begin(signer, &[], &stream(mode, checksum, 100, 64), &mut state).map(|_| ());
        assert_eq!(got, want, "mode {mode}");
    }
    // Refused: the state is still not ready.
    let mut len = 0;
    assert_eq!(
        sigv4rs_chunked_finish(v4a.0, &mut state, std::ptr::null_mut(), 0, &mut len),
        sigv4rs_status::NotInitialized
    );
}

#[test]
fn maxima_are_reached() {
    // The longest end of body: a SHA-256 trailer (the longest value) with
    // its signature, both 144 characters.
    let (_, akid, secret) = suite();
    let s = v4a_signer(&akid, &secret);
    let u = upload(&s, &[], stream(4, 3, 1, 64), b"x");
    // The body: the 1-byte chunk's header (164), "x\r\n", then the end.
    assert!(u.body.starts_with(b"1;chunk-signature="));
    assert_eq!(
        u.body.len() - (1 + 17 + 144 + 2) - 3,
        SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN
    );
    assert_eq!(
        SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN,
        (1 + 17 + 144 + 2) + (22 + 44 + 2) + (24 + 144 + 2) + 2
    );
    // 8 hex digits of size, `;chunk-signature=`, 144, CRLF.
    assert_eq!(SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN, 8 + 17 + 144 + 2);
}

#[test]
fn rotation_mid_upload_keeps_the_seed_key() {
    // The state keeps the seed's private key: chunks after a rotation still
    // verify with the old public key (and not with the new one).
    let (suite_key, akid, secret) = suite();
    let s = v4a_signer(&akid, &secret);
    let st = stream(3, 0, 100, 64);
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let seed = split_headers(&begin(&s, &[], &st, &mut state).unwrap());
    let seed = seed.iter().find(|(n, _)| n == "Authorization").unwrap().1.clone();
    let seed = seed.rsplit("Signature=").next().unwrap().to_string();
    let new = sigv4rs_credentials {
        access_key_id: b(b"AKIDOTHER"),
        secret_access_key: b(b"another secret"),
        session_token: b(b""),
        expiration: 0,
    };
    assert_eq!(sigv4rs_signer_rotate(s.0, &new), sigv4rs_status::Ok);
    let mut body = Vec::new();
    let mut buf = [0u8; SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN];
    for part in [&[7u8; 64][..], &[9u8; 36][..]] {
        let mut len = 0;
        assert_eq!(
            sigv4rs_chunked_sign_chunk(s.0, &mut state, b(part), buf.as_mut_ptr(), buf.len(), &mut len),
            sigv4rs_status::Ok
        );
        body.extend_from_slice(&buf[..len]);
        body.extend_from_slice(part);
        body.extend_from_slice(b"\r\n");
    }
    let mut len = 0;
    assert_eq!(
        sigv4rs_chunked_finish(s.0, &mut state, buf.as_mut_ptr(), buf.len(), &mut len),
        sigv4rs_status::Ok
    );
    body.extend_from_slice(&buf[..len]);
    assert!(verify_body(&body, &seed, 3, &[&suite_key]).is_ok());
    let rotated = derived_key("AKIDOTHER", "another secret");
    assert!(verify_body(&body, &seed, 3, &[&rotated]).is_err());
}

#[test]
fn seed_header_lines_reach_the_sigv4a_maximum() {
    // Host (the URL's has upper case, none given), the four aws-chunked
    // lines with a trailer, date, region set, token, content hash,
    // Authorization.
    let s = new_signer(&Creds {
        akid: "AKIDEXAMPLE",
        secret: "secret",
        token: "token",
        region: "*",
        service: "s3",
        flags: SIGV4RS_FLAG_S3 | SIGV4RS_FLAG_SIGV4A,
    })
    .unwrap();
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(b"https://S3.amazonaws.com/examplebucket/chunkObject.txt"),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: core::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: b(b""),
    };
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let st = stream(4, 3, 1, 64);
    let sp: *mut sigv4rs_chunked = &mut state;
    let out = call_out(&|o, c, l| sigv4rs_chunked_begin(s.0, &req, DOC_TIME, &st, sp, o, c, l)).unwrap();
    let lines = split_headers(&out);
    assert_eq!(lines.len(), SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS, "{lines:?}");
    assert_eq!(SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS, SIGV4RS_MAX_OUTPUT_HEADERS + 1);
}
