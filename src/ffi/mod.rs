//! The C ABI: the only module with `unsafe`. Each file is one concern;
//! every exported function runs its body inside the panic boundary.

mod boundary;
#[cfg(all(not(feature = "std"), target_os = "none"))]
mod panic;
pub mod consts;
#[cfg(all(feature = "std", unix))]
pub mod env;
pub mod hasher;
pub mod request;
pub mod signer;
pub mod slice;
pub mod status;
pub mod version;

pub use consts::*;
pub use hasher::*;
pub use request::*;
pub use signer::*;
pub use slice::sigv4rs_bytes;
pub use status::*;
pub use version::*;
