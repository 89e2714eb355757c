//! Bugs found by the fuzz targets (fuzz/README.md), reproduced through the
//! C ABI; each test asserts the documented behaviour. A bug found while it
//! is still open gets its test `#[ignore = "open bug <id>: ..."]` (so
//! `make test` stays green; `cargo test --test fuzz_regressions --
//! --ignored` reproduces it) and its id in fuzz/smoke.sh's skip list; the
//! fix removes both.

use sigv4rs::ffi::*;
use sigv4rs_status as S;

const T: i64 = 1_440_938_160;

fn b(s: &[u8]) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: if s.is_empty() { std::ptr::null() } else { s.as_ptr() },
        len: s.len(),
    }
}

fn config(service: &[u8], flags: u32) -> sigv4rs_config {
    sigv4rs_config {
        access_key_id: b(b"AKIDEXAMPLE"),
        secret_access_key: b(b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        session_token: b(b""),
        region: b(b"us-east-1"),
        service: b(service),
        flags,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    }
}

struct Signer(*mut sigv4rs_signer);

impl Signer {
    fn new(service: &[u8], flags: u32) -> Signer {
        let mut out = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_new(&config(service, flags), &mut out), S::Ok);
        Signer(out)
    }
}

impl Drop for Signer {
    fn drop(&mut self) {
        sigv4rs_signer_free(self.0);
    }
}

fn request(method: &[u8], url: &[u8], headers: &[sigv4rs_header]) -> sigv4rs_request {
    sigv4rs_request {
        method: b(method),
        url: b(url),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: headers.as_ptr(),
        headers_len: headers.len(),
        payload_mode: 0,
        payload: b(b""),
    }
}

/// Bug `chunked-header-overflow` (fuzz target `chunked`), fixed.
///
/// A seed request with 64 headers, which `sigv4rs_signer_sign_headers`
/// signs, made `sigv4rs_chunked_begin` panic: `Plan::with_stream`
/// (src/sign/canonical.rs, the `extra` closure) appended the signer's own
/// entries to `order: [u8; MAX_HEADERS + 4]`, but a stream seed adds up to
/// 8 (host, x-amz-date, x-amz-content-sha256, x-amz-security-token,
/// content-encoding, content-length, x-amz-decoded-content-length,
/// x-amz-trailer): index 68 was out of bounds. std builds returned PANIC
/// (900); firmware builds (panic = abort) aborted. From 61 headers up
/// (token and trailer), 63 without.
#[test]
fn chunked_begin_with_64_headers() {
    let signer = Signer::new(b"s3", SIGV4RS_FLAG_S3);
    let names: Vec<String> = (0..SIGV4RS_MAX_HEADERS).map(|i| format!("X-Amz-Meta-H{i}")).collect();
    let hs: Vec<sigv4rs_header> = names
        .iter()
        .map(|n| sigv4rs_header {
            name: b(n.as_bytes()),
            value: b(b"v"),
        })
        .collect();
    let req = request(b"PUT", b"https://examplebucket.s3.amazonaws.com/key", &hs);
    let mut out = vec![0u8; 16_384];
    let mut len = 0;
    assert_eq!(
        sigv4rs_signer_sign_headers(signer.0, &req, T, out.as_mut_ptr(), out.len(), &mut len),
        S::Ok
    );
    let stream = sigv4rs_stream {
        mode: 0,
        checksum: 0,
        decoded_length: 10,
        chunk_size: 65_536,
    };
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let s = sigv4rs_chunked_begin(
        signer.0,
        &req,
        T,
        &stream,
        &mut state,
        out.as_mut_ptr(),
        out.len(),
        &mut len,
    );
    assert_eq!(s, S::Ok, "chunked_begin with the 64 headers sign_headers accepts");
}

/// Bug `chunked-length-overflow` (fuzz target `chunked`), fixed.
///
/// `Streaming::encoded_len` (src/sign/chunked.rs) checked the multiplication
/// and the addition of the decoded length, but not the `+=` of the last
/// partial chunk, the final chunk and the trailer. A decoded length whose
/// encoded length is just over 2^64 - 1 panicked with overflow checks on
/// (PANIC, 900) and, in release builds, wrapped: OK with a Content-Length
/// of a few bytes. The header documents INPUT_TOO_LONG.
/// Here: 64 KiB chunks, signed, no trailer; the true length is 2^64 + 50.
#[test]
fn encoded_length_overflow_is_input_too_long() {
    let stream = sigv4rs_stream {
        mode: 0,
        checksum: 0,
        decoded_length: 18_421_446_067_330_466_141,
        chunk_size: 65_536,
    };
    let mut n = 0xdead;
    let s = sigv4rs_chunked_encoded_length(&stream, &mut n);
    assert_eq!((s, n), (S::InputTooLong, 0xdead), "encoded_length");
    // chunked_begin validates the same way.
    let signer = Signer::new(b"s3", SIGV4RS_FLAG_S3);
    let req = request(b"PUT", b"https://examplebucket.s3.amazonaws.com/key", &[]);
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let mut out = vec![0u8; 4096];
    let mut len = 0;
    let s = sigv4rs_chunked_begin(
        signer.0,
        &req,
        T,
        &stream,
        &mut state,
        out.as_mut_ptr(),
        out.len(),
        &mut len,
    );
    assert_eq!(s, S::InputTooLong, "chunked_begin");
}

/// Bug `presign-host-header` (fuzz targets `presign`, `debug_outputs`), fixed.
///
/// Presigning from parts with an empty `host` took the authority from the
/// request's Host header, never validated as `host[:port]`
/// (`Plan::with_stream` in src/sign/canonical.rs set `authority` from
/// `caller_host`; `write_presigned_url` pasted it). The call returned OK
/// with a URL that is not the request's: a `#` turns the whole query,
/// signature included, into a fragment; `/`, `?`, `@` or a space move the
/// host; an empty value gave `https:///?...`. The same value in the
/// `host` field is refused (INVALID_HOST).
#[test]
fn presign_validates_host_header() {
    let signer = Signer::new(b"s3", SIGV4RS_FLAG_S3);
    for host in [
        &b"evil.example#"[..],
        b"a b",
        b"h/x?y=1",
        b"user@h",
        b"",
        b"exa]mple.com",
    ] {
        let hs = [sigv4rs_header {
            name: b(b"Host"),
            value: b(host),
        }];
        let mut req = request(b"GET", b"", &hs);
        req.path = b(b"/key");
        let mut out = vec![0u8; 4096];
        let mut len = 0;
        let s = sigv4rs_signer_presign(signer.0, &req, T, 3600, out.as_mut_ptr(), out.len(), &mut len);
        let url = if s == S::Ok {
            String::from_utf8_lossy(&out[..len - 1]).into_owned()
        } else {
            String::new()
        };
        assert!(
            matches!(s, S::InvalidHost | S::MissingHost),
            "Host {:?}: {s:?} {url}",
            String::from_utf8_lossy(host)
        );
    }
}

/// Bug `init-error-storage` (fuzz target `signer_config`), fixed.
///
/// The header says `sigv4rs_signer_init` leaves the storage zeroed on
/// error, but errors found while reading the config ((NULL, n) or
/// over-long fields, more than 256 unsigned names) returned before the
/// storage was wiped (src/ffi/signer.rs: `config()` ran before
/// `write_bytes`). A signer already in the storage stayed alive, secret
/// included, and kept signing.
#[test]
fn failed_init_zeroes_the_storage() {
    let mut storage = Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    });
    let mut signer = std::ptr::null_mut();
    assert_eq!(
        sigv4rs_signer_init(&mut *storage, &config(b"s3", 0), &mut signer),
        S::Ok
    );
    let mut bad = config(b"s3", 0);
    bad.access_key_id = sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: 3,
    };
    let mut out = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(&mut *storage, &bad, &mut out), S::NullArgument);
    assert!(
        storage._opaque.iter().all(|&w| w == 0),
        "storage not zeroed after a failed init"
    );
    let req = request(b"GET", b"https://h/", &[]);
    let mut buf = [0u8; 1024];
    let mut len = 0;
    assert_eq!(
        sigv4rs_signer_sign_headers(signer, &req, T, buf.as_mut_ptr(), buf.len(), &mut len),
        S::NotInitialized,
        "the old signer still signs"
    );
}
