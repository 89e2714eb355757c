#![no_main]
//! (7) The payload hasher: init, updates of any sizes, forks by memcpy,
//! finish with any capacity, use after finish; every digest is compared
//! with RustCrypto's SHA-256.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sha2::Digest;
use sigv4rs_fuzz::*;

#[derive(Arbitrary, Debug)]
enum Op {
    Update(Vec<u8>),
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
    /// Copy hasher 0 into hasher 1 (the header allows memcpy forks).
    Fork,
    Swap,
    Finish {
        cap: u8,
        null_out: bool,
    },
    Init,
    /// A zeroed hasher that was never initialized.
    Zero,
}

struct H {
    c: Box<sigv4rs_payload_hasher>,
    /// None: not initialized (or finished).
    model: Option<sha2::Sha256>,
}

fuzz_target!(|ops: Vec<Op>| {
    let mut hs = [
        H {
            c: Box::new(sigv4rs_payload_hasher { _opaque: [0; 16] }),
            model: None,
        },
        H {
            c: Box::new(sigv4rs_payload_hasher { _opaque: [0; 16] }),
            model: None,
        },
    ];
    assert_eq!(sigv4rs_payload_hasher_init(std::ptr::null_mut()), S::NullArgument);
    assert_eq!(
        sigv4rs_payload_hasher_update(std::ptr::null_mut(), b(b"x", false)),
        S::NullArgument
    );
    assert_eq!(sigv4rs_payload_hasher_init(&mut *hs[0].c), S::Ok);
    hs[0].model = Some(sha2::Sha256::new());
    for op in ops.iter().take(64) {
        let h = &mut hs[0];
        let ready = h.model.is_some();
        let not_init = |ok: S| if ready { ok } else { S::NotInitialized };
        match op {
            Op::Update(d) => {
                let s = sigv4rs_payload_hasher_update(&mut *h.c, b(d, false));
                assert_eq!(s, not_init(S::Ok), "update");
                if let Some(m) = h.model.as_mut() {
                    m.update(d);
                }
            }
            Op::Big { len, byte } => {
                let d = vec![*byte; usize::from(*len) * 4];
                let s = sigv4rs_payload_hasher_update(&mut *h.c, b(&d, false));
                assert_eq!(s, not_init(S::Ok), "update (big)");
                if let Some(m) = h.model.as_mut() {
                    m.update(&d);
                }
            }
            Op::Empty { null } => {
                let s = sigv4rs_payload_hasher_update(&mut *h.c, b(b"", *null));
                assert_eq!(s, not_init(S::Ok), "empty update");
            }
            Op::NullData { len } => {
                let before = h.c._opaque;
                let s = sigv4rs_payload_hasher_update(
                    &mut *h.c,
                    sigv4rs_bytes {
                        ptr: std::ptr::null(),
                        len: usize::from(*len).max(1),
                    },
                );
                assert_eq!(s, not_init(S::NullArgument), "(NULL, n) update");
                assert_eq!(before, h.c._opaque, "failed update changed the hasher");
            }
            Op::HugeLen => {
                let before = h.c._opaque;
                let s = sigv4rs_payload_hasher_update(
                    &mut *h.c,
                    sigv4rs_bytes {
                        ptr: b"x".as_ptr(),
                        len: usize::MAX,
                    },
                );
                assert_eq!(s, not_init(S::InvalidArgument), "over-long update");
                assert_eq!(before, h.c._opaque, "failed update changed the hasher");
            }
            Op::Fork => {
                *hs[1].c = sigv4rs_payload_hasher {
                    _opaque: hs[0].c._opaque,
                };
                hs[1].model = hs[0].model.clone();
            }
            Op::Swap => hs.swap(0, 1),
            Op::Finish { cap, null_out } => {
                let cap = usize::from(*cap);
                let before = h.c._opaque;
                let r = call_out("hasher_finish", cap, *null_out, &mut |o, c, l| {
                    sigv4rs_payload_hasher_finish(&mut *h.c, o, c, l)
                });
                match &h.model {
                    None => assert_eq!(r.status, S::NotInitialized, "finish"),
                    Some(_) if cap < 65 => {
                        assert_eq!(r.status, S::BufferTooSmall, "finish with {cap} bytes");
                        assert_eq!(r.len, 65);
                        assert_eq!(before, h.c._opaque, "BUFFER_TOO_SMALL changed the hash");
                    }
                    Some(m) => {
                        assert_eq!(r.status, S::Ok, "finish");
                        assert_eq!(r.len, 65);
                        let want = reference::hex(&m.clone().finalize());
                        assert_eq!(&r.bytes[..64], want.as_bytes(), "digest");
                        assert_eq!(r.bytes[64], 0);
                        h.model = None;
                    }
                }
            }
            Op::Init => {
                assert_eq!(sigv4rs_payload_hasher_init(&mut *h.c), S::Ok);
                h.model = Some(sha2::Sha256::new());
            }
            Op::Zero => {
                *h.c = sigv4rs_payload_hasher { _opaque: [0; 16] };
                h.model = None;
            }
        }
    }
});
