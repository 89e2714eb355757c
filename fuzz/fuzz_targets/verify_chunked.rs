#![no_main]
//! The streamed body verifier (`sigv4rs_body_verifier_begin` / `_update` /
//! `_finish`). Input: `HEAD` bytes (case, then 7 little-endian u16 split
//! points), then the body as received. The case picks a fixed seed request
//! signed here by the library's signer for a fixed object: aws-chunked in
//! every mode and checksum the verifier takes, a plain body with its
//! SHA-256, or `UNSIGNED-PAYLOAD`. The body is fed whole and in the pieces
//! the split points make (empty ones included).
//!
//! Checked: no panic / UB; `*decoded_len <= len`; on error `*decoded_len`
//! is 0 and the status sticks (`_update` and `_finish` again), then
//! NOT_INITIALIZED; whole and split feeds give the same status, and on OK
//! the same decoded bytes; only documented statuses; OK only when the
//! decoded bytes are the object (signed modes, plain hash: anything else
//! is a forgery), or, unsigned trailer, an object of the signed length
//! whose checksum (computed here) is the one in the trailer; the body the
//! library itself signed verifies.

use libfuzzer_sys::fuzz_target;
use sigv4rs_fuzz::reference::Ck;
use sigv4rs_fuzz::*;
use std::sync::OnceLock;

/// Case byte, then 7 split points.
const HEAD: usize = 15;
const TIME: i64 = 1_369_353_600; // 2013-05-24T00:00:00Z
const AKID: &[u8] = b"AKIAIOSFODNN7EXAMPLE";
const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const URL: &[u8] = b"https://s3.amazonaws.com/examplebucket/chunkObject.txt";
/// Bytes of the object: one data chunk and the final one (signed chunks but
/// the last need 8 KiB, past the inputs' size).
const OBJECT_LEN: usize = 777;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// aws-chunked: `sigv4rs_stream_mode`, `sigv4rs_checksum`.
    Chunked(u32, u32),
    /// `x-amz-content-sha256` = the object's hash.
    PlainHash,
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
}

const CASES: [Kind; 13] = [
    Kind::Chunked(0, 0),
    Kind::Chunked(1, 1),
    Kind::Chunked(1, 2),
    Kind::Chunked(1, 3),
    Kind::Chunked(1, 4),
    Kind::Chunked(1, 5),
    Kind::Chunked(2, 1),
    Kind::Chunked(2, 2),
    Kind::Chunked(2, 3),
    Kind::Chunked(2, 4),
    Kind::Chunked(2, 5),
    Kind::PlainHash,
    Kind::Unsigned,
];

/// A seed request (its headers, as the signer wrote them) and the body the
/// library signs for the object.
struct Seed {
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    body: Vec<u8>,
}

fn object() -> Vec<u8> {
    (0..OBJECT_LEN).map(|i| (i * 131 + i / 251) as u8).collect()
}

fn request(headers: &[sigv4rs_header], mode: u32, payload: &[u8]) -> sigv4rs_request {
    sigv4rs_request {
        method: b(b"PUT", false),
        url: b(URL, false),
        host: b(b"", true),
        path: b(b"", true),
        query: b(b"", true),
        headers: headers.as_ptr(),
        headers_len: headers.len(),
        payload_mode: mode,
        payload: b(payload, false),
    }
}

fn signer() -> *mut sigv4rs_signer {
    let cfg = sigv4rs_config {
        access_key_id: b(AKID, false),
        secret_access_key: b(SECRET, false),
        session_token: b(b"", true),
        region: b(b"us-east-1", false),
        service: b(b"s3", false),
        flags: SIGV4RS_FLAG_S3,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    };
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&cfg, &mut s), S::Ok);
    s
}

/// `Name: value` entries separated by NUL.
fn split_headers(out: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let out = out.strip_suffix(b"\0").unwrap_or(out);
    out.split(|&c| c == 0)
        .map(|e| {
            let at = e.windows(2).position(|w| w == b": ").unwrap();
            (e[..at].to_vec(), e[at + 2..].to_vec())
        })
        .collect()
}

fn out_call(f: &mut dyn FnMut(*mut u8, usize, *mut usize) -> S) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    assert_eq!(f(buf.as_mut_ptr(), buf.len(), &mut len), S::Ok);
    buf.truncate(len);
    buf
}

fn make_seed(kind: Kind) -> Seed {
    let s = signer();
    let data = object();
    let seed = match kind {
        Kind::Chunked(mode, checksum) => {
            let req = request(&[], 0, b"");
            let stream = sigv4rs_stream {
                mode,
                checksum,
                decoded_length: data.len() as u64,
                chunk_size: 8192,
            };
            let mut st = Box::new(sigv4rs_chunked {
                _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
            });
            let sp: *mut sigv4rs_chunked = &mut *st;
            let headers = out_call(&mut |o, c, l| sigv4rs_chunked_begin(s, &req, TIME, &stream, sp, o, c, l));
            let mut body = out_call(&mut |o, c, l| sigv4rs_chunked_sign_chunk(s, sp, b(&data, false), o, c, l));
            body.extend_from_slice(&data);
            body.extend_from_slice(b"\r\n");
            body.extend(out_call(&mut |o, c, l| sigv4rs_chunked_finish(s, sp, o, c, l)));
            Seed {
                headers: split_headers(&headers),
                body,
            }
        }
        Kind::PlainHash | Kind::Unsigned => {
            // S3 signer: x-amz-content-sha256 is sent and signed.
            let mode = if kind == Kind::PlainHash { 1 } else { 3 };
            let req = request(&[], mode, &data);
            let headers = out_call(&mut |o, c, l| sigv4rs_signer_sign_headers(s, &req, TIME, o, c, l));
            Seed {
                headers: split_headers(&headers),
                body: data.clone(),
            }
        }
    };
    sigv4rs_signer_free(s);
    if std::env::var_os("VERIFY_CHUNKED_PRINT").is_some() {
        for (n, v) in &seed.headers {
            eprintln!(
                "{kind:?} {}: {}",
                String::from_utf8_lossy(n),
                String::from_utf8_lossy(v)
            );
        }
    }
    seed
}

fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| CASES.iter().map(|&k| make_seed(k)).collect())
}

unsafe extern "C" fn lookup(
    _: *mut core::ffi::c_void,
    akid: *const u8,
    akid_len: usize,
    secret: *mut u8,
    secret_cap: usize,
    secret_len: *mut usize,
    _: *mut u8,
    _: usize,
    token_len: *mut usize,
) -> S {
    // SAFETY: the library passes valid buffers of the sizes it gives.
    unsafe {
        if std::slice::from_raw_parts(akid, akid_len) != AKID {
            return S::UnknownAccessKey;
        }
        assert!(SECRET.len() <= secret_cap);
        std::ptr::copy_nonoverlapping(SECRET.as_ptr(), secret, SECRET.len());
        *secret_len = SECRET.len();
        *token_len = 0;
    }
    S::Ok
}

fn begin(seed: &Seed) -> Box<sigv4rs_body_verifier> {
    let cfg = sigv4rs_verifier_config {
        region: b(b"us-east-1", false),
        service: b(b"s3", false),
        flags: SIGV4RS_FLAG_S3,
        skip: 0,
        max_skew: 0,
        lookup: Some(lookup),
        lookup_user: std::ptr::null_mut(),
    };
    let hs: Vec<sigv4rs_header> = seed
        .headers
        .iter()
        .map(|(n, v)| sigv4rs_header {
            name: b(n, false),
            value: b(v, true),
        })
        .collect();
    let req = request(&hs, 0, b"");
    // Garbage before begin: it must write the state whole.
    let mut st = Box::new(sigv4rs_body_verifier {
        _opaque: [0x5A5A_5A5A_5A5A_5A5A; SIGV4RS_BODY_VERIFIER_SIZE / 8],
    });
    let mut r = std::mem::MaybeUninit::<sigv4rs_verify_result>::uninit();
    let s = sigv4rs_body_verifier_begin(&cfg, &req, TIME, r.as_mut_ptr(), std::ptr::null_mut(), 0, &mut *st);
    assert_eq!(s, S::Ok, "the seed request does not verify");
    st
}

const UPDATE_ERRORS: [S; 6] = [
    S::MalformedChunk,
    S::ChunkTooSmall,
    S::ChunkSignatureMismatch,
    S::MalformedTrailer,
    S::ChecksumMismatch,
    S::DecodedLengthMismatch,
];

/// Feeds `pieces` of the body, then finishes: the decoded bytes, or the
/// first status that is not OK. Checks the per-call contract on the way.
fn feed(seed: &Seed, pieces: &[&[u8]]) -> Result<Vec<u8>, S> {
    let mut st = begin(seed);
    let sp: *mut sigv4rs_body_verifier = &mut *st;
    let mut out = Vec::new();
    for p in pieces {
        let mut buf = p.to_vec();
        let mut got = usize::MAX;
        let ptr = if buf.is_empty() {
            std::ptr::null_mut()
        } else {
            buf.as_mut_ptr()
        };
        let s = sigv4rs_body_verifier_update(sp, ptr, buf.len(), &mut got);
        if s != S::Ok {
            assert!(UPDATE_ERRORS.contains(&s), "_update: undocumented {s:?}");
            assert_eq!(got, 0, "_update {s:?}: *decoded_len {got}");
            // Failed for good: the same status again, whatever comes.
            let mut more = *b"0\r\n\r\n";
            let mut g = usize::MAX;
            assert_eq!(
                sigv4rs_body_verifier_update(sp, more.as_mut_ptr(), more.len(), &mut g),
                s,
                "not sticky"
            );
            assert_eq!(g, 0);
            assert_eq!(
                sigv4rs_body_verifier_update(sp, std::ptr::null_mut(), 0, &mut g),
                s,
                "not sticky"
            );
            assert_eq!(sigv4rs_body_verifier_finish(sp), s, "_finish after {s:?}");
            assert_eq!(sigv4rs_body_verifier_finish(sp), S::NotInitialized);
            return Err(s);
        }
        assert!(got <= buf.len(), "*decoded_len {got} > len {}", buf.len());
        out.extend_from_slice(&buf[..got]);
    }
    let s = sigv4rs_body_verifier_finish(sp);
    assert!(
        s == S::Ok || s == S::IncompletePayload || s == S::PayloadMismatch,
        "_finish: undocumented {s:?}"
    );
    // Spent either way.
    assert_eq!(sigv4rs_body_verifier_finish(sp), S::NotInitialized);
    let mut g = usize::MAX;
    let mut one = [b'0'];
    assert_eq!(
        sigv4rs_body_verifier_update(sp, one.as_mut_ptr(), 1, &mut g),
        S::NotInitialized
    );
    assert_eq!(g, 0);
    if s == S::Ok { Ok(out) } else { Err(s) }
}

/// The value of the last `<name>:<value>` line of `body` naming checksum
/// `ck` (the trailer comes last).
fn trailer_value<'a>(body: &'a [u8], ck: &Ck) -> Option<&'a [u8]> {
    body.split(|&c| c == b'\n').rev().find_map(|l| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let colon = l.iter().position(|&c| c == b':')?;
        l[..colon]
            .eq_ignore_ascii_case(ck.name().as_bytes())
            .then(|| l[colon + 1..].trim_ascii())
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < HEAD {
        return;
    }
    let kind = CASES[data[0] as usize % CASES.len()];
    let seed = &seeds()[data[0] as usize % CASES.len()];
    let body = &data[HEAD..];
    let mut cuts: Vec<usize> = data[1..HEAD]
        .chunks(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (body.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut at = 0;
    for c in cuts {
        pieces.push(&body[at..c]);
        at = c;
    }
    pieces.push(&body[at..]);

    let whole = feed(seed, &[body]);
    let split = feed(seed, &pieces);
    assert_eq!(whole, split, "outcome depends on the split");

    if body == seed.body.as_slice() {
        assert!(whole.is_ok(), "the body the library signed: {whole:?}");
    }
    let Ok(decoded) = whole else { return };
    let obj = object();
    match kind {
        Kind::Chunked(2, ck) => {
            // Unsigned chunks: only the length (signed) and the checksum
            // hold the object.
            assert_eq!(decoded.len(), obj.len(), "decoded length not the signed one");
            let mut c = Ck::new(ck).unwrap();
            c.update(&decoded);
            assert_eq!(
                trailer_value(body, &c),
                Some(c.b64().as_bytes()),
                "accepted a trailer checksum that is not the payload's"
            );
        }
        Kind::Chunked(..) | Kind::PlainHash => assert!(decoded == obj, "forgery: accepted another payload"),
        Kind::Unsigned => assert_eq!(decoded, body, "an unsigned body changed"),
    }
});
