//! Library version.

use core::ffi::c_char;

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version as a static NUL-terminated string, e.g. "0.1.0".
/// Compare with the `SIGV4RS_VERSION_*` macros of the header you compiled
/// against.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_version() -> *const c_char {
    VERSION.as_ptr().cast()
}
