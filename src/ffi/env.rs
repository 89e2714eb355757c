//! `std` conveniences: the system clock and credentials from the standard
//! environment variables.

use super::boundary::{ffi_boundary, try_status};
use super::request::sigv4rs_config;
use super::signer::{sigv4rs_signer, sigv4rs_signer_new};
use super::slice::{bytes, sigv4rs_bytes};
use super::status::sigv4rs_status;

/// Writes the current time in seconds since 1970-01-01 UTC.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_TIME (clock before 1970), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_unix_time_now(out: *mut i64) -> sigv4rs_status {
    ffi_boundary! {
        if out.is_null() {
            return sigv4rs_status::NullArgument;
        }
        let t = try_status!(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| sigv4rs_status::InvalidTime));
        // SAFETY: non-NULL and writable (contract).
        unsafe { *out = t.as_secs() as i64 };
        sigv4rs_status::Ok
    }
}

/// Creates a heap signer from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
/// and (if set and non-empty) `AWS_SESSION_TOKEN`. An empty `region` is
/// read from `AWS_REGION`, then `AWS_DEFAULT_REGION`. Free the result with
/// `sigv4rs_signer_free`.
///
/// Statuses: those of `sigv4rs_signer_new`, plus MISSING_CREDENTIALS.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_new_from_env(
    region: sigv4rs_bytes,
    service: sigv4rs_bytes,
    flags: u32,
    out: *mut *mut sigv4rs_signer,
) -> sigv4rs_status {
    ffi_boundary! {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let (Some(akid), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
            return sigv4rs_status::MissingCredentials;
        };
        let token = var("AWS_SESSION_TOKEN").unwrap_or_default();
        // SAFETY: valid for reads (contract).
        let region_in = try_status!(unsafe { bytes(&region) });
        let env_region = if region_in.is_empty() {
            match var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")) {
                Some(r) => r,
                None => return sigv4rs_status::MissingCredentials,
            }
        } else {
            std::ffi::OsString::new()
        };
        use std::os::unix::ffi::OsStrExt;
        let b = |s: &std::ffi::OsString| {
            let s = s.as_os_str().as_bytes();
            sigv4rs_bytes { ptr: s.as_ptr(), len: s.len() }
        };
        let cfg = sigv4rs_config {
            access_key_id: b(&akid),
            secret_access_key: b(&secret),
            session_token: b(&token),
            region: if region_in.is_empty() { b(&env_region) } else { region },
            service,
            flags,
            unsigned_headers: core::ptr::null(),
            unsigned_headers_len: 0,
            expiration: 0,
        };
        sigv4rs_signer_new(&cfg, out)
    }
}
