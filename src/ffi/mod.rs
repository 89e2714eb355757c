//! The C ABI: the only module with `unsafe`. Each file is one concern;
//! every exported function runs its body inside the panic boundary.

// C entry points take raw pointers by design; each documents its pointer
// contract, and Rust callers use the safe `sign` API instead.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
#[cfg(feature = "std")]
pub mod chain;
pub mod checksum;
pub mod chunked;
pub mod consts;
pub mod creds;
#[cfg(all(feature = "std", unix))]
pub mod env;
pub mod hasher;
pub mod locate;
pub mod packed;
#[cfg(all(not(feature = "std"), target_os = "none"))]
mod panic;
pub mod request;
pub mod signer;
pub mod slice;
pub mod status;
pub mod verify;
pub mod version;

#[cfg(feature = "std")]
pub use chain::*;
pub use checksum::*;
pub use chunked::*;
pub use consts::*;
pub use creds::*;
#[cfg(all(feature = "std", unix))]
pub use env::*;
pub use hasher::*;
pub use locate::*;
pub use packed::*;
pub use request::*;
pub use signer::*;
pub use slice::sigv4rs_bytes;
pub use status::*;
pub use verify::*;
pub use version::*;
