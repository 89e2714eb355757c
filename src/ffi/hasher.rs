//! Incremental payload hashing for bodies that arrive in pieces: hash as you
//! read, then sign with `SIGV4RS_PAYLOAD_MODE_SHA256_HEX`.

use super::boundary::{ffi_boundary, try_status};
use super::slice::{bytes, output, sigv4rs_bytes};
use super::status::sigv4rs_status;
use crate::sign::encode::hex32;
use crate::sign::sha::Sha256;

/// Bytes of a `sigv4rs_payload_hasher`.
pub const SIGV4RS_PAYLOAD_HASHER_SIZE: usize = 128;

/// Caller-owned SHA-256 state (no heap). Initialize with
/// `sigv4rs_payload_hasher_init`; it may be copied with `memcpy` to fork a
/// hash. Not for concurrent use.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct sigv4rs_payload_hasher {
    /// Private.
    pub _opaque: [u64; 16],
}

const MAGIC: u64 = 0x7369_6776_3472_7368;

// Every field is plain data, so any bytes are a valid value; `magic` tells
// an initialized hasher from zeroed or finished memory.
struct Inner {
    magic: u64,
    sha: Sha256,
}

const _: () = assert!(core::mem::size_of::<Inner>() <= SIGV4RS_PAYLOAD_HASHER_SIZE);
const _: () = assert!(core::mem::align_of::<Inner>() <= 8);
const _: () = assert!(core::mem::size_of::<sigv4rs_payload_hasher>() == SIGV4RS_PAYLOAD_HASHER_SIZE);

fn inner<'a>(h: *mut sigv4rs_payload_hasher) -> Result<&'a mut Inner, sigv4rs_status> {
    if h.is_null() {
        return Err(sigv4rs_status::NullArgument);
    }
    // SAFETY: valid, aligned, large enough (asserted); the magic is checked
    // before anything else is read.
    let i = unsafe { &mut *h.cast::<Inner>() };
    if i.magic != MAGIC {
        return Err(sigv4rs_status::NotInitialized);
    }
    Ok(i)
}

/// Starts a hash in `hasher`.
///
/// Statuses: OK, NULL_ARGUMENT, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_payload_hasher_init(hasher: *mut sigv4rs_payload_hasher) -> sigv4rs_status {
    ffi_boundary! {
        if hasher.is_null() {
            return sigv4rs_status::NullArgument;
        }
        // SAFETY: non-NULL, valid and aligned for `Inner` (asserted above).
        unsafe { hasher.cast::<Inner>().write(Inner { magic: MAGIC, sha: Sha256::new() }) };
        sigv4rs_status::Ok
    }
}

/// Feeds `data` (`(NULL, 0)` is fine).
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT, NOT_INITIALIZED, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_payload_hasher_update(
    hasher: *mut sigv4rs_payload_hasher,
    data: sigv4rs_bytes,
) -> sigv4rs_status {
    ffi_boundary! {
        let i = try_status!(inner(hasher));
        // SAFETY: `data` is valid for reads (contract).
        let d = try_status!(unsafe { bytes(&data) });
        i.sha.update(d);
        sigv4rs_status::Ok
    }
}

/// Writes the SHA-256 as 64 lower-case hex digits plus a NUL (65 bytes) and
/// ends the hash (the hasher must be initialized again before reuse). On
/// BUFFER_TOO_SMALL the hash goes on unchanged.
///
/// Statuses: OK, NULL_ARGUMENT, BUFFER_TOO_SMALL, NOT_INITIALIZED, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_payload_hasher_finish(
    hasher: *mut sigv4rs_payload_hasher,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let i = try_status!(inner(hasher));
        // SAFETY: `out`/`out_len` per contract.
        let (buf, len) = try_status!(unsafe { output(out, out_cap, out_len) });
        if buf.len() < 65 {
            *len = 65;
            return sigv4rs_status::BufferTooSmall;
        }
        let sha = core::mem::take(&mut i.sha);
        i.magic = 0;
        buf[..64].copy_from_slice(&hex32(&sha.finish()));
        buf[64] = 0;
        *len = 65;
        sigv4rs_status::Ok
    }
}
