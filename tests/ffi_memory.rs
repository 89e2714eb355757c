//! Every kind of pointer the C ABI takes or hands out, exercised once with
//! small inputs: handles from the heap and from caller storage (including
//! `_free` on a storage signer and calls after `_deinit`), borrowed inputs
//! (`(NULL, 0)`, unaligned bytes), size queries, exact and short buffers,
//! the chunked and hasher states. Small enough to run under Miri
//! (`make miri`), which checks the `unsafe` in `src/ffi/` for undefined
//! behaviour; expected values are the official suite's get-vanilla case.

mod common;

use common::*;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

const T: i64 = 1_440_938_160; // 20150830T123600Z
/// get-vanilla, header mode (official suite).
const VANILLA_SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

fn creds() -> Creds<'static> {
    Creds {
        akid: "AKIDEXAMPLE",
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        token: "",
        region: "us-east-1",
        service: "service",
        flags: 0,
    }
}

fn vanilla() -> sigv4rs_request {
    sigv4rs_request {
        method: b(b"GET"),
        url: b(b"https://example.amazonaws.com/"),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: b(b""),
    }
}

/// Caller storage as C holds it: one raw pointer, used for every call (a
/// `&mut` per call would invalidate the signer pointer under Miri's rules).
struct Storage(*mut sigv4rs_signer_storage);

impl Storage {
    fn new(fill: u64) -> Storage {
        Storage(Box::into_raw(Box::new(sigv4rs_signer_storage {
            _opaque: [fill; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
        })))
    }
    fn all_zero(&self) -> bool {
        // SAFETY: a live allocation of ours; no call is running.
        unsafe { (*self.0)._opaque.iter().all(|&w| w == 0) }
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        // SAFETY: made by Box::into_raw in `new`.
        drop(unsafe { Box::from_raw(self.0) });
    }
}

fn authorization_signature(s: *const sigv4rs_signer) -> Result<String, sigv4rs_status> {
    let req = vanilla();
    let out = call_out(&|o, c, l| sigv4rs_signer_sign_headers(s, &req, T, o, c, l))?;
    let text = String::from_utf8(out).unwrap();
    Ok(text.rsplit_once("Signature=").unwrap().1.to_string())
}

#[test]
fn heap_signer_signs_and_frees() {
    let s = new_signer(&creds()).unwrap();
    assert_eq!(authorization_signature(s.0).unwrap(), VANILLA_SIG);
    // Presign, canonical request and string to sign: size query, then exact.
    let req = vanilla();
    let url = call_out(&|o, c, l| sigv4rs_signer_presign(s.0, &req, T, 60, o, c, l)).unwrap();
    assert!(url.starts_with(b"https://example.amazonaws.com/?X-Amz-Algorithm="));
    let creq =
        call_out(&|o, c, l| sigv4rs_signer_canonical_request(s.0, &req, T, sigv4rs_auth::Headers as u32, 0, o, c, l))
            .unwrap();
    assert!(creq.starts_with(b"GET\n/\n\nhost:example.amazonaws.com\n"));
    let sts =
        call_out(&|o, c, l| sigv4rs_signer_string_to_sign(s.0, &req, T, sigv4rs_auth::Headers as u32, 0, o, c, l))
            .unwrap();
    assert!(sts.starts_with(b"AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"));
    sigv4rs_signer_free(std::ptr::null_mut());
}

#[test]
fn storage_signer_lifecycle() {
    let st = Storage::new(0);
    let cfg = config(&creds());
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(st.0, &cfg, &mut s), S::Ok);
    assert_eq!(authorization_signature(s).unwrap(), VANILLA_SIG);
    sigv4rs_signer_deinit(st.0);
    assert!(st.all_zero(), "deinit leaves the storage zeroed");
    assert_eq!(authorization_signature(s), Err(S::NotInitialized));
    // `_free` after `_deinit`: left alone.
    sigv4rs_signer_free(s);
    assert!(st.all_zero());
    sigv4rs_signer_deinit(std::ptr::null_mut());
}

#[test]
fn free_on_a_storage_signer_wipes_it_and_frees_nothing() {
    let st = Storage::new(0);
    let cfg = config(&creds());
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(st.0, &cfg, &mut s), S::Ok);
    assert!(!st.all_zero());
    sigv4rs_signer_free(s);
    assert!(st.all_zero(), "free zeroes a storage signer");
    assert_eq!(authorization_signature(s), Err(S::NotInitialized));
    // The storage is still the caller's: it can hold a new signer.
    assert_eq!(sigv4rs_signer_init(st.0, &cfg, &mut s), S::Ok);
    assert_eq!(authorization_signature(s).unwrap(), VANILLA_SIG);
    sigv4rs_signer_deinit(st.0);
}

#[test]
fn failed_init_leaves_zeroes_and_rejects_misalignment() {
    let st = Storage::new(7);
    let mut cfg = config(&creds());
    cfg.region = b(b"");
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(st.0, &cfg, &mut s), S::InvalidRegion);
    assert!(s.is_null());
    assert!(st.all_zero());
    let misaligned = st.0.cast::<u8>().wrapping_add(1).cast();
    assert_eq!(sigv4rs_signer_init(misaligned, &cfg, &mut s), S::InvalidArgument);
}

#[test]
fn borrowed_inputs_null_empty_and_unaligned() {
    let s = new_signer(&creds()).unwrap();
    let mut req = vanilla();
    // (NULL, n > 0) is refused; (NULL, 0) is empty.
    req.payload = sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: 3,
    };
    let mut len = 0usize;
    assert_eq!(
        sigv4rs_signer_sign_headers(s.0, &req, T, std::ptr::null_mut(), 0, &mut len),
        S::NullArgument
    );
    // Bytes at an odd address, headers through a pointer.
    let backing = b"xGET".to_vec();
    let name = b"My-Header".to_vec();
    let value = b"v".to_vec();
    let hs = [sigv4rs_header {
        name: b(&name),
        value: b(&value),
    }];
    let mut req = vanilla();
    req.method = b(&backing[1..]);
    req.headers = hs.as_ptr();
    req.headers_len = 1;
    let out = call_out(&|o, c, l| sigv4rs_signer_sign_headers(s.0, &req, T, o, c, l)).unwrap();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("SignedHeaders=host;my-header;x-amz-date,")
    );
    assert_eq!(
        sigv4rs_signer_sign_headers(s.0, std::ptr::null(), T, std::ptr::null_mut(), 0, &mut len),
        S::NullArgument
    );
}

#[test]
fn status_strings_are_static() {
    for code in [0u32, 2, 118, 900, 5, u32::MAX] {
        let p = sigv4rs_status_str(code);
        // SAFETY: a static NUL-terminated string.
        let text = unsafe { std::ffi::CStr::from_ptr(p) }.to_str().unwrap();
        assert!(!text.is_empty());
    }
}

#[test]
fn hasher_state_in_caller_memory() {
    let mut h = sigv4rs_payload_hasher { _opaque: [0; 16] };
    assert_eq!(sigv4rs_payload_hasher_init(&mut h), S::Ok);
    assert_eq!(sigv4rs_payload_hasher_update(&mut h, b(b"ab")), S::Ok);
    assert_eq!(sigv4rs_payload_hasher_update(&mut h, b(b"c")), S::Ok);
    let mut hex = [0u8; 65];
    let mut len = 0usize;
    assert_eq!(
        sigv4rs_payload_hasher_finish(&mut h, hex.as_mut_ptr(), hex.len(), &mut len),
        S::Ok
    );
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    assert_eq!(
        &hex[..64],
        b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn chunked_state_in_caller_memory() {
    let mut c = creds();
    c.service = "s3";
    c.flags = SIGV4RS_FLAG_S3;
    let s = new_signer(&c).unwrap();
    let stream = sigv4rs_stream {
        mode: sigv4rs_stream_mode::Signed as u32,
        checksum: sigv4rs_checksum::None as u32,
        decoded_length: 5,
        chunk_size: 4,
    };
    let mut req = vanilla();
    req.method = b(b"PUT");
    req.url = b(b"https://b.s3.amazonaws.com/k");
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let mut seed = vec![0u8; 2048];
    let mut len = 0usize;
    assert_eq!(
        sigv4rs_chunked_begin(
            s.0,
            &req,
            T,
            &stream,
            &mut state,
            seed.as_mut_ptr(),
            seed.len(),
            &mut len
        ),
        S::Ok
    );
    let mut body = Vec::new();
    for chunk in [&b"abcd"[..], b"e"] {
        let mut line = [0u8; SIGV4RS_CHUNK_HEADER_MAX_LEN];
        assert_eq!(
            sigv4rs_chunked_sign_chunk(s.0, &mut state, b(chunk), line.as_mut_ptr(), line.len(), &mut len),
            S::Ok
        );
        body.extend_from_slice(&line[..len]);
        body.extend_from_slice(chunk);
        body.extend_from_slice(b"\r\n");
    }
    let mut fin = [0u8; SIGV4RS_CHUNKED_FINISH_MAX_LEN];
    assert_eq!(
        sigv4rs_chunked_finish(s.0, &mut state, fin.as_mut_ptr(), fin.len(), &mut len),
        S::Ok
    );
    body.extend_from_slice(&fin[..len]);
    let mut encoded = 0u64;
    assert_eq!(sigv4rs_chunked_encoded_length(&stream, &mut encoded), S::Ok);
    assert_eq!(body.len() as u64, encoded);
    assert!(body.starts_with(b"4;chunk-signature="));
}

#[test]
fn packed_request_and_fields() {
    let s = new_signer(&creds()).unwrap();
    // get-vanilla as one buffer: method, url, then four empty spans.
    let data = b"GEThttps://example.amazonaws.com/";
    let spans = [0u32, 3, 3, 30, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut out = vec![0u8; 512];
    let mut fields = [0u32; SIGV4RS_PACKED_FIELDS_LEN];
    let mut len = 0usize;
    let st = sigv4rs_signer_sign_packed(
        s.0,
        data.as_ptr(),
        data.len(),
        spans.as_ptr(),
        spans.len(),
        0,
        T,
        sigv4rs_auth::Headers as u32,
        0,
        out.as_mut_ptr(),
        out.len(),
        &mut len,
        fields.as_mut_ptr(),
        fields.len(),
    );
    assert_eq!(st, S::Ok);
    assert_eq!(fields[0], 2, "X-Amz-Date and Authorization");
    let value = &out[fields[7] as usize..(fields[7] + fields[8]) as usize];
    assert!(value.ends_with(VANILLA_SIG.as_bytes()));
}

unsafe extern "C" fn suite_lookup(
    _user: *mut core::ffi::c_void,
    _akid: *const u8,
    _akid_len: usize,
    secret: *mut u8,
    _secret_cap: usize,
    secret_len: *mut usize,
    _token: *mut u8,
    _token_cap: usize,
    _token_len: *mut usize,
) -> sigv4rs_status {
    let k = creds().secret;
    // SAFETY: the library's buffers, larger than the suite's secret.
    unsafe {
        std::ptr::copy_nonoverlapping(k.as_ptr(), secret, k.len());
        *secret_len = k.len();
    }
    S::Ok
}

#[test]
fn verifier_and_body_state_in_caller_memory() {
    let mut c = creds();
    c.service = "s3";
    c.flags = SIGV4RS_FLAG_S3;
    let s = new_signer(&c).unwrap();
    let stream = sigv4rs_stream {
        mode: sigv4rs_stream_mode::SignedTrailer as u32,
        checksum: sigv4rs_checksum::Crc32c as u32,
        decoded_length: 5,
        chunk_size: 8192,
    };
    let mut req = vanilla();
    req.method = b(b"PUT");
    req.url = b(b"https://b.s3.amazonaws.com/k");
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let sp: *mut sigv4rs_chunked = &mut state;
    let seed = call_out(&|o, n, l| sigv4rs_chunked_begin(s.0, &req, T, &stream, sp, o, n, l)).unwrap();
    let mut body = vec![0u8; 1];
    let mut len = 0usize;
    let mut line = [0u8; SIGV4RS_CHUNK_HEADER_MAX_LEN];
    assert_eq!(
        sigv4rs_chunked_sign_chunk(s.0, &mut state, b(b"hello"), line.as_mut_ptr(), line.len(), &mut len),
        S::Ok
    );
    body.extend_from_slice(&line[..len]);
    body.extend_from_slice(b"hello\r\n");
    let mut fin = [0u8; SIGV4RS_CHUNKED_FINISH_MAX_LEN];
    assert_eq!(
        sigv4rs_chunked_finish(s.0, &mut state, fin.as_mut_ptr(), fin.len(), &mut len),
        S::Ok
    );
    body.extend_from_slice(&fin[..len]);

    let pairs = split_headers(&seed);
    let hs = c_headers(&pairs);
    req.headers = hs.as_ptr();
    req.headers_len = hs.len();
    let cfg = sigv4rs_verifier_config {
        region: b(b"us-east-1"),
        service: b(b"s3"),
        flags: SIGV4RS_FLAG_S3,
        skip: 0,
        max_skew: 0,
        lookup: Some(suite_lookup),
        lookup_user: std::ptr::null_mut(),
    };
    // The state on the heap, full of junk before `_begin`, used through one
    // raw pointer as C would.
    let st = Box::into_raw(Box::new(sigv4rs_body_verifier { _opaque: [0xABAB; 128] }));
    let mut r = std::mem::MaybeUninit::uninit();
    let mut creq = vec![0u8; 1024];
    assert_eq!(
        sigv4rs_body_verifier_begin(&cfg, &req, T, r.as_mut_ptr(), creq.as_mut_ptr(), creq.len(), st),
        S::Ok
    );
    // SAFETY: written by the call.
    let r = unsafe { r.assume_init() };
    assert!(r.canonical_request_len > 0 && creq[r.canonical_request_len - 1] == 0);
    // Pieces at odd addresses (the body starts at offset 1), one empty.
    let mut decoded = Vec::new();
    let mut at = 1;
    for n in [3usize, 0, 20, 1, usize::MAX] {
        let n = n.min(body.len() - at);
        let mut got = 0usize;
        let p = if n == 0 {
            std::ptr::null_mut()
        } else {
            body[at..].as_mut_ptr()
        };
        assert_eq!(sigv4rs_body_verifier_update(st, p, n, &mut got), S::Ok);
        decoded.extend_from_slice(&body[at..at + got]);
        at += n;
    }
    assert_eq!(decoded, b"hello");
    assert_eq!(sigv4rs_body_verifier_finish(st), S::Ok);
    assert_eq!(sigv4rs_body_verifier_finish(st), S::NotInitialized);
    // SAFETY: made by Box::into_raw above.
    drop(unsafe { Box::from_raw(st) });
}
