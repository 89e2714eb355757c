#![no_main]
//! Single-shot checksums: `sigv4rs_checksum_init` with any algorithm id,
//! updates split anywhere, forks by memcpy, finish with any capacity, use
//! after finish, `_header_name` for any id. Statuses as include/sigv4rs.h
//! documents them; every value equals an independent implementation
//! (crc32fast, crc32c, sha1, sha2, and a bit-by-bit CRC-64/NVME from its
//! parameters), base64-encoded.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sha2::Digest;
use sigv4rs_fuzz::*;
use std::ffi::CStr;

#[derive(Arbitrary, Debug)]
enum Op {
    /// `id % 8` when `small` (mostly meaningful ids), else any u32.
    Init {
        id: u32,
        small: bool,
    },
    Update(Vec<u8>),
    /// The same data again, cut at `at`: two updates.
    Split {
        data: Vec<u8>,
        at: u16,
    },
    /// A large update from a repeated byte.
    Big {
        len: u16,
        byte: u8,
    },
    Empty {
        null: bool,
    },
    NullData {
        len: u8,
    },
    HugeLen,
    NullState,
    /// Copy state 0 into state 1 (the header allows memcpy forks).
    Fork,
    Swap,
    Finish {
        cap: u8,
        null_out: bool,
    },
    FinishNullLen,
    /// A zeroed state that was never initialized.
    Zero,
    HeaderName {
        id: u32,
    },
}

/// What the header documents per id: (header name, base64 length).
fn kind(id: u32) -> Option<(&'static str, usize)> {
    match id {
        1 => Some(("x-amz-checksum-crc32", 8)),
        2 => Some(("x-amz-checksum-crc32c", 8)),
        3 => Some(("x-amz-checksum-sha256", 44)),
        4 => Some(("x-amz-checksum-crc64nvme", 12)),
        5 => Some(("x-amz-checksum-sha1", 28)),
        _ => None,
    }
}

/// CRC-64/NVME from its parameters, one bit at a time: width 64, poly
/// 0xad93d23594c93659 (reflected in and out), init and xorout all ones.
fn crc64nvme(data: &[u8]) -> u64 {
    const POLY_REFLECTED: u64 = 0xad93_d235_94c9_3659u64.reverse_bits();
    let mut crc = !0u64;
    for &byte in data {
        crc ^= u64::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY_REFLECTED
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The header value S3 expects: base64 of the big-endian checksum / digest.
fn reference(id: u32, data: &[u8]) -> String {
    let raw: Vec<u8> = match id {
        1 => crc32fast::hash(data).to_be_bytes().to_vec(),
        2 => crc32c::crc32c(data).to_be_bytes().to_vec(),
        3 => sha2::Sha256::digest(data).to_vec(),
        4 => crc64nvme(data).to_be_bytes().to_vec(),
        5 => sha1::Sha1::digest(data).to_vec(),
        _ => unreachable!(),
    };
    reference::base64(&raw)
}

struct St {
    c: Box<sigv4rs_checksum_state>,
    /// None: not initialized (or finished); else the id and all data fed.
    model: Option<(u32, Vec<u8>)>,
}

fn zeroed() -> Box<sigv4rs_checksum_state> {
    Box::new(sigv4rs_checksum_state { _opaque: [0; 16] })
}

fn update(h: &mut St, d: &[u8], what: &str) {
    let s = sigv4rs_checksum_update(&mut *h.c, b(d, false));
    match h.model.as_mut() {
        Some((_, data)) => {
            assert_eq!(s, S::Ok, "{what}");
            data.extend_from_slice(d);
        }
        None => assert_eq!(s, S::NotInitialized, "{what} (not initialized)"),
    }
}

fuzz_target!(|ops: Vec<Op>| {
    // The reference itself, against CRC-64/NVME's published check value.
    assert_eq!(crc64nvme(b"123456789"), 0xae8b_1486_0a79_9888);
    let mut hs = [
        St {
            c: zeroed(),
            model: None,
        },
        St {
            c: zeroed(),
            model: None,
        },
    ];
    for op in ops.iter().take(64) {
        let h = &mut hs[0];
        let ready = h.model.is_some();
        let not_init = |ok: S| if ready { ok } else { S::NotInitialized };
        match op {
            Op::Init { id, small } => {
                let id = if *small { id % 8 } else { *id };
                let before = h.c._opaque;
                let s = sigv4rs_checksum_init(&mut *h.c, id);
                if kind(id).is_some() {
                    assert_eq!(s, S::Ok, "init {id}");
                    h.model = Some((id, Vec::new()));
                } else {
                    assert_eq!(s, S::InvalidArgument, "init {id}");
                    assert_eq!(before, h.c._opaque, "failed init {id} wrote the state");
                }
                assert_eq!(sigv4rs_checksum_init(std::ptr::null_mut(), id), S::NullArgument);
            }
            Op::Update(d) => update(h, d, "update"),
            Op::Split { data, at } => {
                let at = usize::from(*at) % (data.len() + 1);
                update(h, &data[..at], "update (first part)");
                update(h, &data[at..], "update (second part)");
            }
            Op::Big { len, byte } => update(h, &vec![*byte; usize::from(*len) * 4], "update (big)"),
            Op::Empty { null } => {
                let s = sigv4rs_checksum_update(&mut *h.c, b(b"", *null));
                assert_eq!(s, not_init(S::Ok), "empty update");
            }
            Op::NullData { len } => {
                let before = h.c._opaque;
                let data = sigv4rs_bytes {
                    ptr: std::ptr::null(),
                    len: usize::from(*len).max(1),
                };
                let s = sigv4rs_checksum_update(&mut *h.c, data);
                assert_eq!(s, not_init(S::NullArgument), "(NULL, n) update");
                assert_eq!(before, h.c._opaque, "failed update changed the state");
            }
            Op::HugeLen => {
                let before = h.c._opaque;
                let data = sigv4rs_bytes {
                    ptr: b"x".as_ptr(),
                    len: usize::MAX,
                };
                let s = sigv4rs_checksum_update(&mut *h.c, data);
                assert_eq!(s, not_init(S::InvalidArgument), "over-long update");
                assert_eq!(before, h.c._opaque, "failed update changed the state");
            }
            Op::NullState => {
                assert_eq!(
                    sigv4rs_checksum_update(std::ptr::null_mut(), b(b"x", false)),
                    S::NullArgument
                );
                let mut len = LEN_SENTINEL;
                let mut buf = [CANARY; 64];
                let s = sigv4rs_checksum_finish(std::ptr::null_mut(), buf.as_mut_ptr(), 64, &mut len);
                assert_eq!(s, S::NullArgument, "finish with a NULL state");
                assert!(len == LEN_SENTINEL && buf.iter().all(|&c| c == CANARY));
            }
            Op::Fork => {
                *hs[1].c = sigv4rs_checksum_state {
                    _opaque: hs[0].c._opaque,
                };
                hs[1].model = hs[0].model.clone();
            }
            Op::Swap => hs.swap(0, 1),
            Op::Finish { cap, null_out } => {
                let cap = usize::from(*cap);
                let before = h.c._opaque;
                // call_out: nothing past *out_len, nothing at all unless OK.
                let r = call_out("checksum_finish", cap, *null_out, &mut |o, c, l| {
                    sigv4rs_checksum_finish(&mut *h.c, o, c, l)
                });
                match &h.model {
                    None => assert_eq!(r.status, S::NotInitialized, "finish"),
                    Some((id, _)) if cap < kind(*id).unwrap().1 + 1 => {
                        let need = kind(*id).unwrap().1 + 1;
                        assert_eq!(r.status, S::BufferTooSmall, "finish {id} with {cap} bytes");
                        assert_eq!(r.len, need, "size needed for {id}");
                        assert_eq!(before, h.c._opaque, "BUFFER_TOO_SMALL changed the checksum");
                    }
                    Some((id, data)) => {
                        assert_eq!(r.status, S::Ok, "finish {id}");
                        let want = reference(*id, data);
                        assert_eq!(r.len, want.len() + 1, "length for {id}");
                        assert_eq!(&r.bytes[..want.len()], want.as_bytes(), "value of checksum {id}");
                        assert_eq!(r.bytes[want.len()], 0, "NUL");
                        h.model = None;
                    }
                }
            }
            Op::FinishNullLen => {
                let before = h.c._opaque;
                let mut buf = [CANARY; 64];
                let s = sigv4rs_checksum_finish(&mut *h.c, buf.as_mut_ptr(), 64, std::ptr::null_mut());
                assert_eq!(s, not_init(S::NullArgument), "finish with NULL out_len");
                assert!(buf.iter().all(|&c| c == CANARY), "finish wrote with NULL out_len");
                assert_eq!(before, h.c._opaque, "failed finish changed the state");
            }
            Op::Zero => {
                *h.c = sigv4rs_checksum_state { _opaque: [0; 16] };
                h.model = None;
            }
            Op::HeaderName { id } => {
                let p = sigv4rs_checksum_header_name(*id);
                match kind(*id) {
                    None => assert!(p.is_null(), "header name for unknown id {id}"),
                    Some((name, _)) => {
                        assert!(!p.is_null(), "no header name for {id}");
                        // SAFETY: the header promises a static NUL-terminated string.
                        let got = unsafe { CStr::from_ptr(p) };
                        assert_eq!(got.to_bytes(), name.as_bytes(), "header name for {id}");
                    }
                }
            }
        }
    }
});
