//! Single-shot `x-amz-checksum-*` headers: a checksum of a whole body,
//! computed as it is read, for requests that are not aws-chunked (S3
//! PutObject, UploadPart with a checksum header). The value goes into the
//! request's headers before signing, so it is signed with them.

use super::boundary::{ffi_boundary, try_status};
use super::chunked::checksum_kind;
use super::slice::{bytes, output, sigv4rs_bytes};
use super::status::sigv4rs_status;
use crate::sign::Checksum;
use core::ffi::c_char;

/// Bytes of a `sigv4rs_checksum_state`.
pub const SIGV4RS_CHECKSUM_STATE_SIZE: usize = 128;
/// Longest checksum value `sigv4rs_checksum_finish` writes, NUL not counted
/// (the base64 of a SHA-256).
pub const SIGV4RS_CHECKSUM_MAX_LEN: usize = 44;

/// Caller-owned checksum state (no heap). Initialize with
/// `sigv4rs_checksum_init`; it may be copied with `memcpy` to fork a
/// checksum. Not for concurrent use.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct sigv4rs_checksum_state {
    /// Private.
    pub _opaque: [u64; 16],
}

const MAGIC: u64 = 0x7369_6776_3463_6b73;

// `magic` tells an initialized state from zeroed or finished memory; the
// checksum's u32 tag is checked too, after which any bytes are valid.
#[repr(C)]
struct Inner {
    magic: u64,
    ck: Checksum,
}

const _: () = assert!(core::mem::size_of::<Inner>() <= SIGV4RS_CHECKSUM_STATE_SIZE);
const _: () = assert!(core::mem::align_of::<Inner>() <= 8);
const _: () = assert!(core::mem::size_of::<sigv4rs_checksum_state>() == SIGV4RS_CHECKSUM_STATE_SIZE);
const _: () = assert!(crate::sign::ChecksumKind::Sha256.b64_len() == SIGV4RS_CHECKSUM_MAX_LEN);

fn inner<'a>(p: *mut sigv4rs_checksum_state) -> Result<&'a mut Inner, sigv4rs_status> {
    if p.is_null() {
        return Err(sigv4rs_status::NullArgument);
    }
    // SAFETY: valid, aligned, large enough (asserted); the magic (a u64 at
    // offset 0) and the tag (a u32 at offset 8, `repr(C)` and the tag-first
    // `repr(u32)` state) are read as integers before any typed access.
    let (magic, tag) = unsafe { (p.cast::<u64>().read(), p.cast::<u32>().add(2).read()) };
    if magic != MAGIC || !Checksum::valid_tag(tag) {
        return Err(sigv4rs_status::NotInitialized);
    }
    // SAFETY: as above; with a valid tag every byte pattern is a valid state.
    Ok(unsafe { &mut *p.cast::<Inner>() })
}

/// Starts a checksum of kind `checksum` (a `sigv4rs_checksum` value) in
/// `state`. On error `state` is not written.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (`SIGV4RS_CHECKSUM_NONE`,
/// an unknown value, or `SIGV4RS_CHECKSUM_CRC64NVME`/`SIGV4RS_CHECKSUM_SHA1`
/// in a firmware build without the `extra-checksums` feature), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_checksum_init(state: *mut sigv4rs_checksum_state, checksum: u32) -> sigv4rs_status {
    ffi_boundary! {
        if state.is_null() {
            return sigv4rs_status::NullArgument;
        }
        let Some(kind) = checksum_kind(checksum) else {
            return sigv4rs_status::InvalidArgument;
        };
        // SAFETY: non-NULL, valid and aligned for `Inner` (asserted above).
        unsafe { state.cast::<Inner>().write(Inner { magic: MAGIC, ck: Checksum::new(kind) }) };
        sigv4rs_status::Ok
    }
}

/// Feeds `data` (`(NULL, 0)` is fine).
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT, NOT_INITIALIZED, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_checksum_update(state: *mut sigv4rs_checksum_state, data: sigv4rs_bytes) -> sigv4rs_status {
    ffi_boundary! {
        let i = try_status!(inner(state));
        // SAFETY: `data` is valid for reads (contract).
        let d = try_status!(unsafe { bytes(&data) });
        i.ck.update(d);
        sigv4rs_status::Ok
    }
}

/// Writes the checksum's header value, its base64 as S3 wants it, plus a
/// NUL (at most `SIGV4RS_CHECKSUM_MAX_LEN` + 1 bytes), and ends the
/// checksum (initialize again before reuse). Add it to the request's
/// headers, under `sigv4rs_checksum_header_name`, before signing. On
/// BUFFER_TOO_SMALL the checksum goes on unchanged.
///
/// Statuses: OK, NULL_ARGUMENT, BUFFER_TOO_SMALL, NOT_INITIALIZED, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_checksum_finish(
    state: *mut sigv4rs_checksum_state,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let i = try_status!(inner(state));
        // SAFETY: `out`/`out_len` per contract.
        let (buf, len) = try_status!(unsafe { output(out, out_cap, out_len) });
        let need = i.ck.kind().b64_len() + 1;
        if buf.len() < need {
            *len = need;
            return sigv4rs_status::BufferTooSmall;
        }
        let (b64, n) = i.ck.finish_b64();
        i.magic = 0;
        buf[..n].copy_from_slice(&b64[..n]);
        buf[n] = 0;
        *len = n + 1;
        sigv4rs_status::Ok
    }
}

/// The header a checksum is sent in: a static, NUL-terminated, lower-case
/// name (`x-amz-checksum-crc64nvme`) for a `sigv4rs_checksum` value; NULL
/// for `SIGV4RS_CHECKSUM_NONE`, unknown values and the kinds a build lacks
/// (see `sigv4rs_checksum_init`). Never fails, never allocates, thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_checksum_header_name(checksum: u32) -> *const c_char {
    checksum_kind(checksum).map_or(core::ptr::null(), |k| k.header_name_nul().as_ptr().cast())
}
