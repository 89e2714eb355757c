//! `(pointer, length)` inputs and `(buf, cap, *len)` outputs.

use super::status::sigv4rs_status;

/// A borrowed byte string: `ptr` to `len` bytes, no NUL needed. `(NULL, 0)`
/// is the empty string; `(NULL, n > 0)` is `SIGV4RS_STATUS_NULL_ARGUMENT`.
/// The bytes are read during the call only (and copied by `_new`/`_init`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_bytes {
    /// First byte (may be NULL when `len` is 0).
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

/// The bytes behind `b`, checked for NULL and for a length no slice can have.
///
/// # Safety
/// When `b.ptr` is not NULL it must be valid for reads of `b.len` bytes for `'a`.
pub(crate) unsafe fn bytes<'a>(b: &sigv4rs_bytes) -> Result<&'a [u8], sigv4rs_status> {
    if b.len == 0 {
        return Ok(&[]);
    }
    if b.ptr.is_null() {
        return Err(sigv4rs_status::NullArgument);
    }
    if b.len > isize::MAX as usize {
        return Err(sigv4rs_status::InvalidArgument);
    }
    // SAFETY: non-NULL, length fits a slice; validity is the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts(b.ptr, b.len) })
}

/// Same as [`bytes`] for an array of `T` given as pointer and count.
///
/// # Safety
/// When `ptr` is not NULL it must be valid for reads of `len` elements for `'a`.
pub(crate) unsafe fn array<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], sigv4rs_status> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(sigv4rs_status::NullArgument);
    }
    if len > isize::MAX as usize / core::mem::size_of::<T>().max(1) {
        return Err(sigv4rs_status::InvalidArgument);
    }
    // SAFETY: as for `bytes`.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// The output buffer `(out, cap)` and the length pointer, checked.
///
/// # Safety
/// `out` (when not NULL) must be valid for writes of `cap` bytes and must not
/// overlap any input; `out_len` (when not NULL) must be valid for a write.
pub(crate) unsafe fn output<'a>(
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(&'a mut [u8], &'a mut usize), sigv4rs_status> {
    if out_len.is_null() || (out.is_null() && cap != 0) {
        return Err(sigv4rs_status::NullArgument);
    }
    // SAFETY: checked non-NULL; validity is the caller's contract.
    let len = unsafe { &mut *out_len };
    let buf: &mut [u8] = if out.is_null() {
        &mut []
    } else {
        // SAFETY: non-NULL and writable for `cap` bytes (contract); clamped to
        // the largest slice Rust allows.
        unsafe { core::slice::from_raw_parts_mut(out, cap.min(isize::MAX as usize)) }
    };
    Ok((buf, len))
}

/// Reports a core result through `*out_len`.
pub(crate) fn finish(r: Result<usize, crate::sign::Error>, out_len: &mut usize) -> sigv4rs_status {
    match r {
        Ok(n) => {
            *out_len = n;
            sigv4rs_status::Ok
        }
        Err(crate::sign::Error::BufferTooSmall(n)) => {
            *out_len = n;
            sigv4rs_status::BufferTooSmall
        }
        Err(e) => e.into(),
    }
}
