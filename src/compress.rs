//! SHA-256's compression function, the one primitive the signer needs:
//! `sha2`'s, or with the `caller-sha256` feature the application's own,
//! linked by name (a hardware hash engine, mbedTLS, PSA...):
//!
//! ```c
//! /* Runs the SHA-256 compression function over `blocks` 64-byte blocks at
//!  * `data`, updating `state` (8 words H0..H7, native byte order). */
//! void sigv4rs_sha256_compress(uint32_t state[8], const uint8_t *data, size_t blocks);
//! ```
//!
//! The library does the padding, buffering and HMAC itself, so the engine
//! needs no state of its own between calls.

#[cfg(not(feature = "caller-sha256"))]
pub(crate) use sha2::block_api::compress256 as compress;

#[cfg(feature = "caller-sha256")]
unsafe extern "C" {
    fn sigv4rs_sha256_compress(state: *mut u32, data: *const u8, blocks: usize);
}

/// `compress256` through the application's function.
#[cfg(feature = "caller-sha256")]
pub(crate) fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    if !blocks.is_empty() {
        // SAFETY: `state` is 8 writable words and `blocks` is
        // `64 * blocks.len()` readable bytes, as the contract above says.
        unsafe { sigv4rs_sha256_compress(state.as_mut_ptr(), blocks.as_ptr().cast(), blocks.len()) }
    }
}
