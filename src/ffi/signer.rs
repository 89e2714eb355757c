//! The signer handle: heap (`_new`/`_free`) or caller storage
//! (`_init`/`_deinit`), and the signing calls.

use super::boundary::{ffi_boundary, ffi_boundary_void, try_status};
use super::request::{CHeaders, CNames, config, request, sigv4rs_config, sigv4rs_request};
use super::slice::{finish, output};
use super::status::sigv4rs_status;
use crate::sign::{Mode, Signer};

/// An immutable signer: credentials, region, service, flags and a cache of
/// the day's signing key. Every function taking `const sigv4rs_signer *`
/// may run concurrently from any number of threads; `_free`/`_deinit` must
/// not race with them. Corresponds to a `Box<Signer>` (from `_new`) or a
/// `Signer` inside a `sigv4rs_signer_storage` (from `_init`).
#[allow(non_camel_case_types)]
pub struct sigv4rs_signer {
    _private: [u8; 0],
}

/// Bytes of caller memory a signer needs (see `sigv4rs_signer_init`): two
/// credential slots (for rotation while signing) of up to
/// `SIGV4RS_MAX_SESSION_TOKEN_LEN` bytes of token each.
#[cfg(not(sigv4rs_limits = "small"))]
pub const SIGV4RS_SIGNER_STORAGE_SIZE: usize = 34_816;
/// Bytes of caller memory a signer needs in a build with the small limits
/// (2 KiB session tokens).
#[cfg(sigv4rs_limits = "small")]
pub const SIGV4RS_SIGNER_STORAGE_SIZE: usize = 5632;
/// Alignment that memory needs.
pub const SIGV4RS_SIGNER_STORAGE_ALIGN: usize = 8;

/// Caller-owned memory for a signer, for builds without a heap. Declare one
/// (static, global or on a large enough stack) and pass it to
/// `sigv4rs_signer_init`. Its contents are private.
#[cfg(not(sigv4rs_limits = "small"))]
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct sigv4rs_signer_storage {
    /// Private.
    pub _opaque: [u64; 4352],
}

/// Caller-owned memory for a signer (small build-time limits).
#[cfg(sigv4rs_limits = "small")]
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct sigv4rs_signer_storage {
    /// Private.
    pub _opaque: [u64; 704],
}

/// What a `sigv4rs_signer *` points to: where the signer lives, then the
/// signer. The tag makes `_free` on a caller-storage signer, and calls after
/// `_deinit` (an all-zero storage), defined.
#[doc(hidden)]
#[repr(C)]
pub struct SignerHandle {
    pub(crate) origin: u64,
    /// The signer itself.
    pub signer: Signer,
}

#[cfg_attr(not(feature = "std"), allow(dead_code))] // only `_new` (std) makes heap handles
const ON_HEAP: u64 = u64::from_le_bytes(*b"sv4rheap");
const IN_STORAGE: u64 = u64::from_le_bytes(*b"sv4rstor");

const _: () = assert!(core::mem::size_of::<SignerHandle>() <= SIGV4RS_SIGNER_STORAGE_SIZE);

const _: () = assert!(core::mem::align_of::<SignerHandle>() <= SIGV4RS_SIGNER_STORAGE_ALIGN);
const _: () = assert!(core::mem::size_of::<sigv4rs_signer_storage>() == SIGV4RS_SIGNER_STORAGE_SIZE);
const _: () = assert!(core::mem::align_of::<sigv4rs_signer_storage>() == SIGV4RS_SIGNER_STORAGE_ALIGN);

/// The one place a handle becomes a signer: NULL_ARGUMENT for NULL. A
/// storage that `_deinit` (or a failed `_init`) zeroed holds an empty
/// signer, which the signing calls refuse with NOT_INITIALIZED after their
/// argument checks, as for any signer that is not ready.
pub(crate) fn as_signer<'a>(p: *const sigv4rs_signer) -> Result<&'a Signer, sigv4rs_status> {
    // SAFETY: a non-NULL handle comes from `_new` or `_init` (the caller's
    // contract), so it points to a `SignerHandle`, or to a storage that is
    // all zero after `_deinit`: a valid handle of unknown origin holding an
    // empty `Signer` (integers, arrays, atomics, cells and an `Option` of a
    // function pointer: all zero is a valid value of each).
    let h = unsafe { p.cast::<SignerHandle>().as_ref() }.ok_or(sigv4rs_status::NullArgument)?;
    Ok(&h.signer)
}

/// Zeroes a whole storage, volatile so the wipe is not optimized away.
fn wipe_storage(storage: *mut sigv4rs_signer_storage) {
    let p = storage.cast::<u64>();
    for i in 0..SIGV4RS_SIGNER_STORAGE_SIZE / 8 {
        // SAFETY: `storage` is valid for its whole size (callers' contract).
        unsafe { core::ptr::write_volatile(p.add(i), 0) };
    }
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// Creates a signer on the heap from `config` (strings are copied). On OK,
/// `*out` is the new signer, to be released with `sigv4rs_signer_free`;
/// on error `*out` is not written.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (unknown flags, or
/// `SIGV4RS_FLAG_S3EXPRESS` with `SIGV4RS_FLAG_SIGV4A`),
/// INVALID_ACCESS_KEY_ID, INVALID_SECRET_KEY, INVALID_SESSION_TOKEN,
/// INVALID_TIME (`expiration` negative or after 9999), INVALID_REGION,
/// INVALID_REGION_SET (`SIGV4RS_FLAG_SIGV4A`), INVALID_SERVICE,
/// INVALID_UNSIGNED_HEADER, PANIC.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_new(config_: *const sigv4rs_config, out: *mut *mut sigv4rs_signer) -> sigv4rs_status {
    ffi_boundary! {
        if out.is_null() {
            return sigv4rs_status::NullArgument;
        }
        let mut names = CNames::EMPTY;
        // SAFETY: `config_` is NULL or valid (contract).
        let cfg = try_status!(unsafe { config(config_, &mut names) });
        let mut b = std::boxed::Box::new(SignerHandle {
            origin: ON_HEAP,
            signer: Signer::empty(),
        });
        try_status!(b.signer.configure(&cfg));
        // SAFETY: `out` is non-NULL and writable (contract).
        unsafe { *out = std::boxed::Box::into_raw(b).cast() };
        sigv4rs_status::Ok
    }
}

/// Frees a signer made by `sigv4rs_signer_new`, zeroing its secret and
/// derived keys first. NULL is a no-op. A signer made by
/// `sigv4rs_signer_init` is not freed (its memory is the caller's): its
/// storage is zeroed as `sigv4rs_signer_deinit` does; one already
/// deinitialized is left alone. Freeing a heap signer twice is undefined.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_free(signer: *mut sigv4rs_signer) {
    ffi_boundary_void! {
        if signer.is_null() {
            return;
        }
        // SAFETY: a live handle from `_new` or `_init`, or a zeroed storage
        // (contract); only the tag is read here.
        let origin = unsafe { signer.cast::<SignerHandle>().as_ref() }.map_or(0, |h| h.origin);
        match origin {
            // SAFETY: made by `Box::into_raw` in `_new` and freed once
            // (contract); dropping the signer wipes it.
            ON_HEAP => drop(unsafe { std::boxed::Box::from_raw(signer.cast::<SignerHandle>()) }),
            // `_init` hands out the storage's own address.
            IN_STORAGE => wipe_storage(signer.cast()),
            _ => {}
        }
    }
}

/// Creates a signer inside caller memory (no heap). On OK, `*out` points
/// into `storage`, valid until `sigv4rs_signer_deinit(storage)`. The
/// storage is wiped first: on any error but a NULL or misaligned `storage`
/// it is left zeroed (a signer it held is gone), and `*out` is not written.
/// Re-initializing a storage that holds a signer replaces it.
///
/// Statuses: as `sigv4rs_signer_new`, plus INVALID_ARGUMENT when `storage`
/// is misaligned.
#[cfg(not(sigv4rs_limits = "small"))]
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_init(
    storage: *mut sigv4rs_signer_storage,
    config_: *const sigv4rs_config,
    out: *mut *mut sigv4rs_signer,
) -> sigv4rs_status {
    init(storage, config_, out)
}

/// `sigv4rs_signer_init` of a build with the small limits (the header maps
/// the name when SIGV4RS_LIMITS_SMALL is defined). Creates a signer inside caller memory (no heap). On OK, `*out` points
/// into `storage`, valid until `sigv4rs_signer_deinit(storage)`. The
/// storage is wiped first: on any error but a NULL or misaligned `storage`
/// it is left zeroed (a signer it held is gone), and `*out` is not written.
/// Re-initializing a storage that holds a signer replaces it.
///
/// Statuses: as `sigv4rs_signer_new`, plus INVALID_ARGUMENT when `storage`
/// is misaligned.
#[cfg(sigv4rs_limits = "small")]
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_init_small(
    storage: *mut sigv4rs_signer_storage,
    config_: *const sigv4rs_config,
    out: *mut *mut sigv4rs_signer,
) -> sigv4rs_status {
    init(storage, config_, out)
}

fn init(
    storage: *mut sigv4rs_signer_storage,
    config_: *const sigv4rs_config,
    out: *mut *mut sigv4rs_signer,
) -> sigv4rs_status {
    ffi_boundary! {
        if storage.is_null() {
            return sigv4rs_status::NullArgument;
        }
        if !(storage as usize).is_multiple_of(SIGV4RS_SIGNER_STORAGE_ALIGN) {
            return sigv4rs_status::InvalidArgument;
        }
        // Wiped before anything else, so every later error leaves it zeroed
        // and a signer it held is gone.
        wipe_storage(storage);
        if out.is_null() {
            return sigv4rs_status::NullArgument;
        }
        let mut names = CNames::EMPTY;
        // SAFETY: `config_` is NULL or valid (contract).
        let cfg = try_status!(unsafe { config(config_, &mut names) });
        let p = storage.cast::<SignerHandle>();
        // SAFETY: the storage is large and aligned enough (asserted above and
        // at compile time), and all zero: a valid handle of unknown origin
        // holding an empty `Signer` (only integers, arrays and atomics).
        let h = unsafe { &mut *p };
        if let Err(e) = h.signer.configure(&cfg) {
            // Leave nothing of a rejected config behind.
            wipe_storage(storage);
            return e.into();
        }
        h.origin = IN_STORAGE;
        // SAFETY: `out` is non-NULL and writable (contract).
        unsafe { *out = p.cast() };
        sigv4rs_status::Ok
    }
}

/// Zeroes a storage initialized by `sigv4rs_signer_init` (secret and derived
/// keys included). The signer pointer is invalid afterwards; calls through
/// it return NOT_INITIALIZED while the storage stays zeroed. NULL is a no-op.
#[cfg(not(sigv4rs_limits = "small"))]
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_deinit(storage: *mut sigv4rs_signer_storage) {
    deinit(storage)
}

/// `sigv4rs_signer_deinit` of a build with the small limits. Zeroes a storage initialized by `sigv4rs_signer_init` (secret and derived
/// keys included). The signer pointer is invalid afterwards; calls through
/// it return NOT_INITIALIZED while the storage stays zeroed. NULL is a no-op.
#[cfg(sigv4rs_limits = "small")]
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_deinit_small(storage: *mut sigv4rs_signer_storage) {
    deinit(storage)
}

fn deinit(storage: *mut sigv4rs_signer_storage) {
    ffi_boundary_void! {
        if !storage.is_null() {
            wipe_storage(storage);
        }
    }
}

fn sign_with(
    signer: *const sigv4rs_signer,
    req: *const sigv4rs_request,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    f: impl FnOnce(&Signer, &crate::sign::Request<'_>, &mut [u8]) -> Result<usize, crate::sign::Error>,
) -> sigv4rs_status {
    let s = try_status!(as_signer(signer));
    let mut headers = CHeaders::EMPTY;
    // The request is used where it was built (`ref`): moving it out of the
    // Result cost firmware a second copy on the stack.
    // SAFETY: `req` is NULL or valid; `out`/`out_len` per contract.
    match unsafe { request(req, &mut headers) } {
        Err(e) => e,
        Ok(ref r) => {
            let (buf, len) = try_status!(unsafe { output(out, out_cap, out_len) });
            finish(f(s, r, buf), len)
        }
    }
}

/// Signs `request` for header authentication at `unix_time` (seconds since
/// 1970-01-01 UTC). Writes the headers to add as consecutive NUL-terminated
/// `Name: value` strings (ready for `curl_slist_append`): `Host` (only
/// when the URL's host has upper-case letters: the signed, lower-cased
/// value, so that what is sent is what was signed), `X-Amz-Date`,
/// `X-Amz-Security-Token` (with a session token), `X-Amz-Content-SHA256`
/// (S3, or with `SIGV4RS_FLAG_CONTENT_SHA256_HEADER`; not when your own
/// `x-amz-content-sha256` header is the payload hash in AUTO mode) and
/// `Authorization`.
/// They replace any request header of the same name. `*out_len` gets the
/// bytes written, every NUL included. `out = NULL, out_cap = 0` asks for
/// the size (BUFFER_TOO_SMALL with `*out_len` set).
///
/// Statuses: OK, NULL_ARGUMENT, BUFFER_TOO_SMALL, INVALID_ARGUMENT,
/// NOT_INITIALIZED, INVALID_METHOD, INVALID_URL, INVALID_HOST, MISSING_HOST,
/// INVALID_PATH, INVALID_QUERY, INVALID_HEADER_NAME, INVALID_HEADER_VALUE,
/// INVALID_PAYLOAD_HASH, INVALID_TIME, TOO_MANY_HEADERS,
/// TOO_MANY_QUERY_PARAMETERS, INPUT_TOO_LONG, MISSING_CREDENTIALS (none
/// yet, and no provider delivered), CREDENTIALS_EXPIRED (at or after their
/// expiration, and no provider replaced them), PANIC. Nothing is written to
/// `out` unless OK; `*out_len` only on OK and BUFFER_TOO_SMALL.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_sign_headers(
    signer: *const sigv4rs_signer,
    request_: *const sigv4rs_request,
    unix_time: i64,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        sign_with(signer, request_, out, out_cap, out_len, |s, r, b| s.sign_headers(r, unix_time, b))
    }
}

/// Writes the presigned URL for `request`, valid for `expires_secs`
/// (1 ..= `SIGV4RS_MAX_EXPIRES`) from `unix_time`, NUL-terminated:
/// the URL with `X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`,
/// `-SignedHeaders`, `-Security-Token` (with a token) and `-Signature`
/// appended to its query. The host is written lower-case and each query
/// parameter as it was signed (`+` as `%20`), in the caller's order.
/// S3 signers default to `UNSIGNED-PAYLOAD`.
/// `*out_len` counts the NUL.
///
/// Statuses: those of `sigv4rs_signer_sign_headers`, plus INVALID_EXPIRES
/// and RESERVED_QUERY_PARAMETER.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_presign(
    signer: *const sigv4rs_signer,
    request_: *const sigv4rs_request,
    unix_time: i64,
    expires_secs: u32,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        sign_with(signer, request_, out, out_cap, out_len, |s, r, b| s.presign(r, unix_time, expires_secs, b))
    }
}

/// Where a signature goes (values of the `auth` argument of the debug
/// outputs).
#[allow(non_camel_case_types)]
#[repr(u32)]
pub enum sigv4rs_auth {
    /// The `Authorization` header (`sigv4rs_signer_sign_headers`).
    Headers = 0,
    /// A presigned URL's query (`sigv4rs_signer_presign`).
    Presign = 1,
}

/// The signing mode of a debug output: HEADERS takes `expires_secs == 0`.
fn mode(auth: u32, expires_secs: u32) -> Result<Mode, sigv4rs_status> {
    match auth {
        0 if expires_secs == 0 => Ok(Mode::Headers),
        1 => Ok(Mode::Presign(expires_secs)),
        _ => Err(sigv4rs_status::InvalidArgument),
    }
}

/// Troubleshooting: writes the canonical request (NUL-terminated) that
/// header signing (`auth = SIGV4RS_AUTH_HEADERS`, `expires_secs = 0`) or
/// presigning for `expires_secs` (`SIGV4RS_AUTH_PRESIGN`) would sign.
/// Compare it with the one in AWS's `SignatureDoesNotMatch` answer.
///
/// Statuses: those of `sigv4rs_signer_presign` (INVALID_ARGUMENT also for
/// an unknown `auth`, or header mode with a non-zero `expires_secs`).
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_canonical_request(
    signer: *const sigv4rs_signer,
    request_: *const sigv4rs_request,
    unix_time: i64,
    auth: u32,
    expires_secs: u32,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let m = try_status!(mode(auth, expires_secs));
        sign_with(signer, request_, out, out_cap, out_len, |s, r, b| s.canonical_request(r, unix_time, m, b))
    }
}

/// Troubleshooting: writes the string to sign (NUL-terminated), as
/// `sigv4rs_signer_canonical_request` does for the canonical request.
///
/// Statuses: those of `sigv4rs_signer_canonical_request`.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_string_to_sign(
    signer: *const sigv4rs_signer,
    request_: *const sigv4rs_request,
    unix_time: i64,
    auth: u32,
    expires_secs: u32,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let m = try_status!(mode(auth, expires_secs));
        sign_with(signer, request_, out, out_cap, out_len, |s, r, b| s.string_to_sign(r, unix_time, m, b))
    }
}
