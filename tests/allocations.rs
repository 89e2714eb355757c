//! Zero heap allocations per signature on every path, C ABI and Rust API,
//! header signing, presigning, debug outputs and chunk signing (counted by a
//! global allocator; not timed).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::b;
use sigv4rs::ffi::*;
use sigv4rs::sign::{ChunkState, Config, Flags, Mode, Payload, Request, Signer, StreamMode, Streaming, Target};

// Per-thread counts, so tests running in parallel do not disturb each other.
thread_local!(static COUNT: Cell<usize> = const { Cell::new(0) });
struct Counting;
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations(f: impl FnOnce()) -> usize {
    let before = COUNT.with(|c| c.get());
    f();
    COUNT.with(|c| c.get()) - before
}

const T: i64 = 1_440_938_160;

#[test]
fn the_counter_counts() {
    assert_eq!(allocations(|| drop(std::hint::black_box(vec![1u8; 10]))), 1);
}

#[test]
fn c_abi_paths_do_not_allocate() {
    let hs = [sigv4rs_header {
        name: b(b"Range"),
        value: b(b"bytes=0-9"),
    }];
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(b"https://examplebucket.s3.amazonaws.com/a%20b/test.txt?list-type=2&prefix=photos%2F2026"),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: 1,
        payload_mode: 1,
        payload: b(b"body"),
    };
    let cfg = sigv4rs_config {
        access_key_id: b(b"AKIDEXAMPLE"),
        secret_access_key: b(b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        session_token: b(b"TOKEN"),
        region: b(b"us-east-1"),
        service: b(b"s3"),
        flags: SIGV4RS_FLAG_S3,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    };
    let mut storage = Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    });
    let mut out = [0u8; 4096];
    let mut len = 0usize;
    let (o, c) = (out.as_mut_ptr(), out.len());
    let n = allocations(|| {
        for _ in 0..3 {
            let mut s = std::ptr::null_mut();
            assert_eq!(sigv4rs_signer_init(&mut *storage, &cfg, &mut s), sigv4rs_status::Ok);
            assert_eq!(
                sigv4rs_signer_sign_headers(s, &req, T, o, c, &mut len),
                sigv4rs_status::Ok
            );
            assert_eq!(
                sigv4rs_signer_presign(s, &req, T, 3600, o, c, &mut len),
                sigv4rs_status::Ok
            );
            assert_eq!(
                sigv4rs_signer_canonical_request(s, &req, T, sigv4rs_auth::Headers as u32, 0, o, c, &mut len),
                sigv4rs_status::Ok
            );
            assert_eq!(
                sigv4rs_signer_string_to_sign(s, &req, T, sigv4rs_auth::Presign as u32, 60, o, c, &mut len),
                sigv4rs_status::Ok
            );
            let stream = sigv4rs_stream {
                mode: 1,
                checksum: 3,
                decoded_length: 20_000,
                chunk_size: 8192,
            };
            let mut st = sigv4rs_chunked {
                _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
            };
            assert_eq!(
                sigv4rs_chunked_begin(s, &req, T, &stream, &mut st, o, c, &mut len),
                sigv4rs_status::Ok
            );
            let data = [7u8; 8192];
            for size in [8192usize, 8192, 3616] {
                let r = sigv4rs_chunked_sign_chunk(s, &mut st, b(&data[..size]), o, c, &mut len);
                assert_eq!(r, sigv4rs_status::Ok);
            }
            assert_eq!(sigv4rs_chunked_finish(s, &mut st, o, c, &mut len), sigv4rs_status::Ok);
            let mut h = sigv4rs_payload_hasher { _opaque: [0; 16] };
            assert_eq!(sigv4rs_payload_hasher_init(&mut h), sigv4rs_status::Ok);
            assert_eq!(sigv4rs_payload_hasher_update(&mut h, b(&data)), sigv4rs_status::Ok);
            assert_eq!(
                sigv4rs_payload_hasher_finish(&mut h, o, c, &mut len),
                sigv4rs_status::Ok
            );
            // Errors do not allocate either.
            assert_eq!(
                sigv4rs_signer_presign(s, &req, T, 0, o, c, &mut len),
                sigv4rs_status::InvalidExpires
            );
            sigv4rs_signer_deinit(&mut *storage);
        }
    });
    assert_eq!(n, 0, "allocations on C ABI paths");
}

#[test]
fn rust_api_paths_do_not_allocate() {
    let hs: [(&[u8], &[u8]); 2] = [(b"host", b"search.example"), (b"content-type", b"application/json")];
    let cfg = Config {
        access_key_id: b"AKIDEXAMPLE",
        secret_access_key: b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token: b"",
        expiration: None,
        region: b"us-west-2",
        service: b"es",
        flags: Flags::CONTENT_SHA256_HEADER,
        unsigned_headers: &[b"x-skip".as_slice()],
    };
    let mut out = [0u8; 4096];
    let n = allocations(|| {
        for _ in 0..3 {
            let s = Signer::new(&cfg).unwrap();
            let req = Request {
                method: b"POST",
                target: Target::parse_url(b"https://search.example/movies/_doc/5?refresh=true").unwrap(),
                headers: &hs,
                payload: Payload::Bytes(b"{\"a\":1}"),
            };
            s.sign_headers(&req, T, &mut out).unwrap();
            s.presign(&req, T, 60, &mut out).unwrap();
            s.canonical_request(&req, T, Mode::Headers, &mut out).unwrap();
            s.string_to_sign(&req, T, Mode::Presign(60), &mut out).unwrap();
            s.signature(&req, T, Mode::Headers).unwrap();
            let mut st = ChunkState::empty();
            let stream = Streaming {
                mode: StreamMode::Signed,
                checksum: None,
                decoded_len: 10,
                chunk_size: 8,
            };
            s.begin_chunked(&req, T, &stream, &mut st, &mut out).unwrap();
            st.sign_chunk(&s, b"12345678", &mut out).unwrap();
            st.sign_chunk(&s, b"90", &mut out).unwrap();
            st.finish(&s, &mut out).unwrap();
        }
    });
    assert_eq!(n, 0, "allocations on Rust API paths");
}
