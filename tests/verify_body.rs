//! The body verifier through the C ABI (`sigv4rs_body_verifier_*`): the two
//! AWS S3 documentation chunked uploads (literal bytes from the
//! documentation) verify; every aws-chunked upload sigv4rs signs, in every
//! mode and checksum, verifies split anywhere and decodes to the object;
//! single-byte changes of those bodies and truncations are rejected with
//! the status of what was changed; plain bodies are held to their
//! `x-amz-content-sha256`; misuse gets its documented status.

mod common;

use common::cverify::{Keys, Lcg, lookup};
use common::upload::*;
use common::*;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

const TOKEN: &str = "FQoGZXIvYXdzEXAMPLE//token+with/slashes==";

static DOC_KEYS: std::sync::LazyLock<Keys> = std::sync::LazyLock::new(|| Keys {
    akid: DOC_AKID.to_string(),
    secret: DOC_SECRET.to_string(),
    token: String::new(),
});

fn verifier(keys: &Keys, flags: u32, skip: u32) -> sigv4rs_verifier_config {
    sigv4rs_verifier_config {
        region: b(b"us-east-1"),
        service: b(b"s3"),
        flags,
        skip,
        max_skew: 0,
        lookup: Some(lookup),
        lookup_user: keys as *const Keys as *mut core::ffi::c_void,
    }
}

fn empty_state() -> sigv4rs_body_verifier {
    sigv4rs_body_verifier {
        _opaque: [0; SIGV4RS_BODY_VERIFIER_SIZE / 8],
    }
}

/// `sigv4rs_body_verifier_begin` on a PUT of `url` with `headers`.
fn begin(
    cfg: &sigv4rs_verifier_config,
    url: &str,
    headers: &[(String, String)],
    now: i64,
    state: &mut sigv4rs_body_verifier,
) -> sigv4rs_status {
    let hs = c_headers(headers);
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
    let mut r = std::mem::MaybeUninit::<sigv4rs_verify_result>::uninit();
    sigv4rs_body_verifier_begin(cfg, &req, now, r.as_mut_ptr(), std::ptr::null_mut(), 0, state)
}

/// Feeds `body` in pieces of the sizes `piece` picks, then finishes: the
/// decoded payload, or the first status that is not OK.
fn feed(state: &mut sigv4rs_body_verifier, body: &[u8], piece: &mut dyn FnMut() -> usize) -> Result<Vec<u8>, S> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let n = piece().clamp(1, rest.len());
        let mut buf = rest[..n].to_vec();
        let mut got = usize::MAX;
        let st = sigv4rs_body_verifier_update(state, buf.as_mut_ptr(), n, &mut got);
        if st != S::Ok {
            assert_eq!(got, 0, "decoded length on error");
            // Failed for good.
            let mut g = 0;
            assert_eq!(sigv4rs_body_verifier_update(state, buf.as_mut_ptr(), 1, &mut g), st);
            assert_eq!(sigv4rs_body_verifier_finish(state), st);
            assert_eq!(sigv4rs_body_verifier_finish(state), S::NotInitialized);
            return Err(st);
        }
        assert!(got <= n);
        out.extend_from_slice(&buf[..got]);
        rest = &rest[n..];
    }
    match sigv4rs_body_verifier_finish(state) {
        S::Ok => {
            assert_eq!(sigv4rs_body_verifier_finish(state), S::NotInitialized);
            Ok(out)
        }
        st => Err(st),
    }
}

fn whole(state: &mut sigv4rs_body_verifier, body: &[u8]) -> Result<Vec<u8>, S> {
    feed(state, body, &mut || usize::MAX)
}

#[test]
fn aws_documentation_uploads_verify_split_anywhere() {
    let cfg = verifier(&DOC_KEYS, SIGV4RS_FLAG_S3, 0);
    for (headers, body) in doc_requests() {
        let mut rng = Lcg(7);
        let splits: [&mut dyn FnMut() -> usize; 4] =
            [&mut || usize::MAX, &mut || 1, &mut || 7, &mut || 1 + rng.next(9000)];
        for piece in splits {
            let mut st = empty_state();
            assert_eq!(begin(&cfg, DOC_URL, &headers, DOC_TIME, &mut st), S::Ok);
            assert_eq!(feed(&mut st, &body, piece), Ok(vec![b'a'; 66_560]));
        }
        // sigv4rs_verify does not take the body's framing for the object.
        let hs = c_headers(&headers);
        let req = sigv4rs_request {
            method: b(b"PUT"),
            url: b(DOC_URL.as_bytes()),
            host: b(b""),
            path: b(b""),
            query: b(b""),
            headers: hs.as_ptr(),
            headers_len: hs.len(),
            payload_mode: sigv4rs_payload_mode::Bytes as u32,
            payload: b(&body),
        };
        let mut r = std::mem::MaybeUninit::uninit();
        assert_eq!(
            sigv4rs_verify(&cfg, &req, DOC_TIME, r.as_mut_ptr(), std::ptr::null_mut(), 0),
            S::StreamingUnsupported
        );
    }
}

/// The seed of a chunked upload signed by sigv4rs, and its encoded body.
fn signed_upload(mode: u32, checksum: u32, data: &[u8], chunk: u32, token: &str) -> Upload {
    let s = new_signer(&Creds {
        akid: DOC_AKID,
        secret: DOC_SECRET,
        token,
        region: "us-east-1",
        service: "s3",
        flags: SIGV4RS_FLAG_S3,
    })
    .unwrap();
    let stream = sigv4rs_stream {
        mode,
        checksum,
        decoded_length: data.len() as u64,
        chunk_size: chunk,
    };
    upload(&s, DOC_URL, &[], DOC_TIME, stream, data)
}

fn object(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 131 + i / 251) as u8).collect()
}

/// Every mode and checksum sigv4rs signs.
const MODES: [(u32, u32); 11] = [
    (0, 0),
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (2, 1),
    (2, 2),
    (2, 3),
    (2, 4),
    (2, 5),
];

#[test]
fn everything_sigv4rs_signs_verifies_and_decodes() {
    let mut n = 0;
    let mut rng = Lcg(42);
    for (mode, ck) in MODES {
        for (size, chunk) in [
            (1, 8192),
            (8191, 8192),
            (8192, 8192),
            (8193, 8192),
            (65_537, 65_536),
            (3 * 8192, 8192),
        ] {
            for token in ["", TOKEN] {
                let keys = Keys {
                    akid: DOC_AKID.to_string(),
                    secret: DOC_SECRET.to_string(),
                    token: token.to_string(),
                };
                let cfg = verifier(&keys, SIGV4RS_FLAG_S3, 0);
                let data = object(size);
                let u = signed_upload(mode, ck, &data, chunk, token);
                assert_eq!(u.body.len() as u64, u.declared_len);
                let mut st = empty_state();
                assert_eq!(begin(&cfg, DOC_URL, &u.headers, DOC_TIME + 60, &mut st), S::Ok);
                let got = feed(&mut st, &u.body, &mut || 1 + rng.next(3000));
                assert!(
                    got.as_ref() == Ok(&data),
                    "mode {mode} checksum {ck} size {size}: {got:?}"
                );
                n += 1;
            }
        }
    }
    println!("verify: aws-chunked round trips {n}/{n}");
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Part {
    Size,
    Ext,
    Sig,
    LineEnd,
    Data,
    TrailerName,
    TrailerValue,
    TrailerSigName,
    TrailerSig,
    TrailerLineEnd,
}

/// What each byte of an encoded body is, read from the layout the
/// signer's inputs fix (chunk sizes known), not from the verifier.
fn parts(body: &[u8], signed: bool) -> Vec<Part> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    loop {
        let end = i + body[i..].windows(2).position(|w| w == b"\r\n").unwrap();
        let line = &body[i..end];
        let semi = line.iter().position(|&c| c == b';').unwrap_or(line.len());
        let size = usize::from_str_radix(std::str::from_utf8(&line[..semi]).unwrap(), 16).unwrap();
        out.extend(std::iter::repeat_n(Part::Size, semi));
        if signed {
            out.extend(std::iter::repeat_n(Part::Ext, b";chunk-signature=".len()));
            out.extend(std::iter::repeat_n(Part::Sig, line.len() - semi - 17));
        }
        out.extend([Part::LineEnd; 2]);
        i = end + 2;
        if size == 0 {
            break;
        }
        out.extend(std::iter::repeat_n(Part::Data, size));
        out.extend([Part::LineEnd; 2]);
        i += size + 2;
    }
    // Trailer lines, then the blank line.
    while i < body.len() {
        let end = i + body[i..].windows(2).position(|w| w == b"\r\n").unwrap();
        let line = &body[i..end];
        if let Some(c) = line.iter().position(|&x| x == b':') {
            let sig = line.starts_with(b"x-amz-trailer-signature");
            let (n, v) = if sig {
                (Part::TrailerSigName, Part::TrailerSig)
            } else {
                (Part::TrailerName, Part::TrailerValue)
            };
            out.extend(std::iter::repeat_n(n, c + 1));
            out.extend(std::iter::repeat_n(v, line.len() - c - 1));
        }
        out.extend([Part::TrailerLineEnd; 2]);
        i = end + 2;
    }
    assert_eq!(out.len(), body.len());
    out
}

/// The statuses a change of a byte of `part` may get.
fn allowed(part: Part, signed: bool, trailer: bool) -> Vec<S> {
    let end_of_body = if trailer {
        vec![S::MalformedTrailer, S::IncompletePayload]
    } else {
        vec![S::MalformedChunk, S::IncompletePayload]
    };
    match part {
        // A new size shifts the framing, or breaks the declared length.
        Part::Size => vec![
            S::MalformedChunk,
            S::DecodedLengthMismatch,
            S::ChunkTooSmall,
            S::ChunkSignatureMismatch,
        ],
        Part::Ext => vec![S::MalformedChunk],
        Part::Sig => vec![S::ChunkSignatureMismatch, S::MalformedChunk],
        Part::LineEnd => [vec![S::MalformedChunk], end_of_body].concat(),
        Part::Data if signed => vec![S::ChunkSignatureMismatch],
        Part::Data => vec![S::ChecksumMismatch],
        Part::TrailerName | Part::TrailerSigName => vec![S::MalformedTrailer],
        Part::TrailerValue => vec![S::ChecksumMismatch],
        Part::TrailerSig => vec![S::ChunkSignatureMismatch, S::MalformedTrailer],
        // A lost line end joins the next line to the value.
        Part::TrailerLineEnd => [vec![S::ChecksumMismatch], end_of_body].concat(),
    }
}

#[test]
fn tampered_and_truncated_bodies_are_rejected_with_their_status() {
    let (mut accepted, mut rejected, mut total) = (0, 0, 0);
    let mut rng = Lcg(3);
    let cfg = verifier(&DOC_KEYS, SIGV4RS_FLAG_S3, 0);
    for (mode, ck) in [(0, 0), (1, 2), (1, 3), (2, 1), (2, 3), (1, 4), (2, 5)] {
        let (signed, trailer) = (mode != 2, ck != 0);
        let data = object(2 * 8192 + 100);
        let u = signed_upload(mode, ck, &data, 8192, "");
        let map = parts(&u.body, signed);
        let start = |st: &mut sigv4rs_body_verifier| {
            assert_eq!(begin(&cfg, DOC_URL, &u.headers, DOC_TIME, st), S::Ok);
        };
        let mut st = empty_state();
        start(&mut st);
        assert_eq!(whole(&mut st, &u.body).as_deref(), Ok(&data[..]));
        accepted += 1;
        // Every framing byte, and data bytes at a stride (each costs a
        // whole verification).
        for (i, &part) in map.iter().enumerate() {
            if part == Part::Data && i % 97 != 0 {
                continue;
            }
            for flip in [0x01u8, 0x20, 0x80] {
                let mut body = u.body.clone();
                body[i] ^= flip;
                let mut st = empty_state();
                start(&mut st);
                let got = feed(&mut st, &body, &mut || 1 + rng.next(5000));
                // Header names are case-insensitive: a trailer name's
                // letter in the other case is the same trailer.
                let same = matches!(part, Part::TrailerName | Part::TrailerSigName)
                    && flip == 0x20
                    && u.body[i].is_ascii_alphabetic();
                let ok = if same {
                    got.as_deref() == Ok(&data[..])
                } else {
                    got.as_ref()
                        .err()
                        .is_some_and(|s| allowed(part, signed, trailer).contains(s))
                };
                assert!(
                    ok,
                    "mode {mode} checksum {ck}: byte {i} ({part:?}) ^ {flip:#x}: {:?}",
                    got.map(|d| d.len())
                );
                rejected += 1;
                total += 1;
            }
        }
        // Cut short anywhere: never accepted, and never a decoding error.
        for cut in (0..u.body.len())
            .step_by(61)
            .chain([u.body.len() - 1, u.body.len() - 2])
        {
            let mut st = empty_state();
            start(&mut st);
            assert_eq!(
                whole(&mut st, &u.body[..cut]),
                Err(S::IncompletePayload),
                "mode {mode}: cut at {cut}"
            );
            rejected += 1;
            total += 1;
        }
        // One byte more.
        let mut longer = u.body.clone();
        longer.push(b'\n');
        let mut st = empty_state();
        start(&mut st);
        assert_eq!(whole(&mut st, &longer), Err(S::MalformedChunk));
        rejected += 1;
        total += 1;
    }
    let mut docs = 0;
    let dcfg = verifier(&DOC_KEYS, SIGV4RS_FLAG_S3, 0);
    for (headers, body) in doc_requests() {
        // The documentation's signatures: each one's every hex digit.
        let text = String::from_utf8_lossy(&body).into_owned();
        for (at, _) in text.match_indices("signature") {
            let digits = at + text[at..].find(['=', ':']).unwrap() + 1;
            for i in digits..digits + 64 {
                let mut b2 = body.clone();
                b2[i] = if b2[i] == b'0' { b'1' } else { b'0' };
                let mut st = empty_state();
                assert_eq!(begin(&dcfg, DOC_URL, &headers, DOC_TIME, &mut st), S::Ok);
                assert_eq!(whole(&mut st, &b2), Err(S::ChunkSignatureMismatch));
                docs += 1;
            }
        }
        accepted += 1;
    }
    rejected += docs;
    total += docs;
    println!(
        "verify: aws-chunked accepted {accepted}/{accepted} (every mode and checksum, and the AWS documentation's \
         two uploads), rejected {rejected}/{total} (single-byte changes of framing, signatures, trailers and \
         sampled data; truncations; an extra byte)"
    );
}

#[test]
fn non_final_chunks_under_8_kib_are_refused_when_signed() {
    let cfg = verifier(&DOC_KEYS, SIGV4RS_FLAG_S3, 0);
    for (mode, ck) in [(0, 0), (1, 2), (2, 2)] {
        let data = object(3 * 4096 + 5);
        let u = signed_upload(mode, ck, &data, 4096, "");
        let mut st = empty_state();
        assert_eq!(begin(&cfg, DOC_URL, &u.headers, DOC_TIME, &mut st), S::Ok);
        let want = if mode == 2 { Ok(data) } else { Err(S::ChunkTooSmall) };
        assert_eq!(whole(&mut st, &u.body), want, "mode {mode}");
    }
    // A small last chunk is fine (and a single small chunk is the last).
    let data = object(100);
    let u = signed_upload(0, 0, &data, 8192, "");
    let mut st = empty_state();
    assert_eq!(begin(&cfg, DOC_URL, &u.headers, DOC_TIME, &mut st), S::Ok);
    assert_eq!(whole(&mut st, &u.body), Ok(data));
}

/// A PUT signed with `sigv4rs_signer_sign_headers`, S3 rules, `extra`
/// headers, the payload as given.
fn signed_put(extra: &[(&str, &str)], mode: u32, payload: &[u8], flags: u32, service: &str) -> Vec<(String, String)> {
    let s = new_signer(&Creds {
        akid: DOC_AKID,
        secret: DOC_SECRET,
        token: "",
        region: "us-east-1",
        service,
        flags,
    })
    .unwrap();
    let extra = hv(extra);
    let hs = c_headers(&extra);
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(DOC_URL.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: hs.len(),
        payload_mode: mode,
        payload: b(payload),
    };
    let out = call_out(&|o, c, l| sigv4rs_signer_sign_headers(s.0, &req, DOC_TIME, o, c, l)).unwrap();
    let mut h = extra.clone();
    h.retain(|(n, _)| !split_headers(&out).iter().any(|(m, _)| m.eq_ignore_ascii_case(n)));
    h.extend(split_headers(&out));
    h
}

#[test]
fn plain_bodies_are_held_to_their_signed_hash() {
    let cfg = verifier(&DOC_KEYS, SIGV4RS_FLAG_S3, 0);
    let body = object(100_000);
    let h = signed_put(&[], sigv4rs_payload_mode::Bytes as u32, &body, SIGV4RS_FLAG_S3, "s3");
    let mut st = empty_state();
    assert_eq!(begin(&cfg, DOC_URL, &h, DOC_TIME, &mut st), S::Ok);
    let mut rng = Lcg(5);
    assert_eq!(feed(&mut st, &body, &mut || rng.next(20_000)), Ok(body.clone()));
    for i in [0, 4567, body.len() - 1] {
        let mut b2 = body.clone();
        b2[i] ^= 4;
        let mut st = empty_state();
        assert_eq!(begin(&cfg, DOC_URL, &h, DOC_TIME, &mut st), S::Ok);
        assert_eq!(whole(&mut st, &b2), Err(S::PayloadMismatch));
    }
    let mut st = empty_state();
    assert_eq!(begin(&cfg, DOC_URL, &h, DOC_TIME, &mut st), S::Ok);
    assert_eq!(whole(&mut st, &body[1..]), Err(S::PayloadMismatch));
    // With the check turned off, any body passes.
    let skip = verifier(&DOC_KEYS, SIGV4RS_FLAG_S3, SIGV4RS_VERIFY_SKIP_PAYLOAD_HASH);
    let mut st = empty_state();
    assert_eq!(begin(&skip, DOC_URL, &h, DOC_TIME, &mut st), S::Ok);
    assert_eq!(whole(&mut st, b"other"), Ok(b"other".to_vec()));
    // UNSIGNED-PAYLOAD: passed through.
    let h = signed_put(&[], sigv4rs_payload_mode::Unsigned as u32, b"", SIGV4RS_FLAG_S3, "s3");
    let mut st = empty_state();
    assert_eq!(begin(&cfg, DOC_URL, &h, DOC_TIME, &mut st), S::Ok);
    assert_eq!(whole(&mut st, b"anything"), Ok(b"anything".to_vec()));
    // Another service signs the body's hash without announcing it: the
    // body is needed up front.
    let h = signed_put(&[], sigv4rs_payload_mode::Bytes as u32, b"{}", 0, "s3");
    let plain = verifier(&DOC_KEYS, 0, 0);
    let mut st = empty_state();
    assert_eq!(begin(&plain, DOC_URL, &h, DOC_TIME, &mut st), S::PayloadRequired);
    let mut g = 0;
    assert_eq!(
        sigv4rs_body_verifier_update(&mut st, [0u8].as_mut_ptr(), 1, &mut g),
        S::NotInitialized
    );
}

#[test]
fn chunked_headers_are_checked_before_the_body() {
    let cfg = verifier(&DOC_KEYS, SIGV4RS_FLAG_S3, 0);
    let sha = ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
    let cases: [(&[(&str, &str)], S); 9] = [
        (
            &[sha, ("x-amz-trailer", "x-amz-checksum-crc32")],
            S::DecodedLengthMismatch,
        ),
        (
            &[
                sha,
                ("x-amz-decoded-content-length", "12x"),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
            ],
            S::DecodedLengthMismatch,
        ),
        (
            &[
                sha,
                ("x-amz-decoded-content-length", "1"),
                ("x-amz-decoded-content-length", "1"),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
            ],
            S::DecodedLengthMismatch,
        ),
        (&[sha, ("x-amz-decoded-content-length", "10")], S::MalformedTrailer),
        (
            &[
                sha,
                ("x-amz-decoded-content-length", "10"),
                ("x-amz-trailer", "x-amz-checksum-md5"),
            ],
            S::MalformedTrailer,
        ),
        (
            &[
                ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
                ("x-amz-decoded-content-length", "10"),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
            ],
            S::MalformedTrailer,
        ),
        (
            &[
                ("x-amz-content-sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"),
                ("x-amz-decoded-content-length", "10"),
            ],
            S::StreamingUnsupported,
        ),
        (
            &[
                ("x-amz-content-sha256", "STREAMING-FOO"),
                ("x-amz-decoded-content-length", "10"),
            ],
            S::StreamingUnsupported,
        ),
        (
            &[
                sha,
                ("x-amz-decoded-content-length", "10"),
                ("x-amz-trailer", "X-Amz-Checksum-CRC32"),
            ],
            S::Ok,
        ),
    ];
    for (extra, want) in cases {
        // AUTO: the caller's x-amz-content-sha256 is signed as given.
        let h = signed_put(extra, sigv4rs_payload_mode::Auto as u32, b"", SIGV4RS_FLAG_S3, "s3");
        let mut st = empty_state();
        assert_eq!(begin(&cfg, DOC_URL, &h, DOC_TIME, &mut st), want, "{extra:?}");
    }
}

#[test]
fn misuse_gets_its_documented_status() {
    let cfg = verifier(&DOC_KEYS, SIGV4RS_FLAG_S3, 0);
    let (headers, body) = doc_requests().remove(0);
    let hs = c_headers(&headers);
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(DOC_URL.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: hs.len(),
        payload_mode: 0,
        payload: b(b""),
    };
    // NULL state: refused, the result still written.
    let mut r = std::mem::MaybeUninit::<sigv4rs_verify_result>::uninit();
    let p = r.as_mut_ptr();
    // SAFETY: filled with a pattern first, then read after the call wrote it.
    unsafe { p.cast::<u8>().write_bytes(0xAB, size_of::<sigv4rs_verify_result>()) };
    assert_eq!(
        sigv4rs_body_verifier_begin(&cfg, &req, DOC_TIME, p, std::ptr::null_mut(), 0, std::ptr::null_mut()),
        S::NullArgument
    );
    // SAFETY: written by the call.
    assert_eq!(unsafe { r.assume_init() }.form, SIGV4RS_VERIFY_FORM_NONE);
    // A state of garbage, or never begun, or after a failed begin.
    let mut junk = sigv4rs_body_verifier {
        _opaque: [0xABAB_ABAB_ABAB_ABAB; SIGV4RS_BODY_VERIFIER_SIZE / 8],
    };
    let mut n = 7;
    let mut one = [b'x'];
    assert_eq!(
        sigv4rs_body_verifier_update(&mut junk, one.as_mut_ptr(), 1, &mut n),
        S::NotInitialized
    );
    assert_eq!(n, 0);
    assert_eq!(sigv4rs_body_verifier_finish(&mut junk), S::NotInitialized);
    assert_eq!(begin(&cfg, DOC_URL, &headers, DOC_TIME + 3600, &mut junk), S::ClockSkew);
    assert_eq!(sigv4rs_body_verifier_finish(&mut junk), S::NotInitialized);
    // NULL pointers and lengths.
    let mut st = empty_state();
    assert_eq!(begin(&cfg, DOC_URL, &headers, DOC_TIME, &mut st), S::Ok);
    assert_eq!(
        sigv4rs_body_verifier_update(&mut st, one.as_mut_ptr(), 1, std::ptr::null_mut()),
        S::NullArgument
    );
    assert_eq!(
        sigv4rs_body_verifier_update(&mut st, std::ptr::null_mut(), 1, &mut n),
        S::NullArgument
    );
    assert_eq!(
        sigv4rs_body_verifier_update(&mut st, one.as_mut_ptr(), usize::MAX, &mut n),
        S::InvalidArgument
    );
    assert_eq!(
        sigv4rs_body_verifier_update(std::ptr::null_mut(), one.as_mut_ptr(), 1, &mut n),
        S::NullArgument
    );
    assert_eq!(sigv4rs_body_verifier_finish(std::ptr::null_mut()), S::NullArgument);
    // (NULL, 0) is an empty piece; the state was not disturbed by the above.
    assert_eq!(
        sigv4rs_body_verifier_update(&mut st, std::ptr::null_mut(), 0, &mut n),
        S::Ok
    );
    assert_eq!(whole(&mut st, &body), Ok(vec![b'a'; 66_560]));
    // Finishing early.
    let mut st = empty_state();
    assert_eq!(begin(&cfg, DOC_URL, &headers, DOC_TIME, &mut st), S::Ok);
    assert_eq!(sigv4rs_body_verifier_finish(&mut st), S::IncompletePayload);
    assert_eq!(sigv4rs_body_verifier_finish(&mut st), S::NotInitialized);
}
