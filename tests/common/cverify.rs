//! The verifier through the C ABI: a lookup callback over fixed keys, and
//! a small deterministic generator (tests/verify_body.rs,
//! tests/verify_body_foreign.rs).

use sigv4rs::ffi::*;

/// The one access key a test lookup knows (`lookup_user` points at it).
pub struct Keys {
    pub akid: String,
    pub secret: String,
    pub token: String,
}

/// A `sigv4rs_secret_lookup_fn` over a `Keys`.
pub unsafe extern "C" fn lookup(
    user: *mut core::ffi::c_void,
    akid: *const u8,
    akid_len: usize,
    secret: *mut u8,
    secret_cap: usize,
    secret_len: *mut usize,
    token: *mut u8,
    token_cap: usize,
    token_len: *mut usize,
) -> sigv4rs_status {
    // SAFETY: the test passes a `Keys` and the library valid buffers.
    unsafe {
        let k = &*(user as *const Keys);
        if std::slice::from_raw_parts(akid, akid_len) != k.akid.as_bytes() {
            return sigv4rs_status::UnknownAccessKey;
        }
        assert!(k.secret.len() <= secret_cap && k.token.len() <= token_cap);
        std::ptr::copy_nonoverlapping(k.secret.as_ptr(), secret, k.secret.len());
        *secret_len = k.secret.len();
        std::ptr::copy_nonoverlapping(k.token.as_ptr(), token, k.token.len());
        *token_len = k.token.len();
    }
    sigv4rs_status::Ok
}

/// A small deterministic generator (split points, tampered bytes).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}
