//! sigv4rs: AWS Signature Version 4 for C, firmware and FFI callers.
//!
//! `sign` is the signing core (`no_std`, no allocation, no `unsafe`); `ffi`
//! is the C ABI over it.
#![no_std]

#[cfg(feature = "std")]
extern crate std;

// Without `std`, a hosted target still needs a panic runtime to link the
// cdylib/staticlib: link std's, unnamed, so no code can use std by mistake.
// Bare-metal targets get `ffi::panic` instead.
#[cfg(all(not(feature = "std"), not(target_os = "none")))]
extern crate std as _;

/// cbindgen:ignore
mod compress;
/// cbindgen:ignore
pub mod creds;
pub mod ffi;
/// cbindgen:ignore
pub mod sign;
/// cbindgen:ignore
mod slots;
