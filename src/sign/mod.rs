//! The signing core: pure, `no_std`, no allocation, no `unsafe`.
#![forbid(unsafe_code)]

mod canonical;
pub mod checksum;
pub mod chunked;
pub mod encode;
mod error;
pub mod headers;
pub mod key;
pub mod path;
pub mod query;
pub mod sha;
mod signer;
pub mod sink;
pub mod time;
pub mod url;

pub use checksum::ChecksumKind;
pub use chunked::{ChunkState, StreamMode, Streaming};
pub use error::Error;
pub use headers::{ByteList, HeaderList};
pub use signer::{Config, Flags, Mode, Payload, Request, Signer};
pub use time::AmzDate;
pub use url::Target;

/// Longest access key id.
pub const MAX_ACCESS_KEY_ID_LEN: usize = 128;
/// Longest secret access key.
pub const MAX_SECRET_KEY_LEN: usize = 128;
/// Longest session token.
pub const MAX_SESSION_TOKEN_LEN: usize = 4096;
/// Longest region name.
pub const MAX_REGION_LEN: usize = 64;
/// Longest service name.
pub const MAX_SERVICE_LEN: usize = 64;
/// Room for extra unsigned-header names (each costs its length + 1).
pub const MAX_UNSIGNED_HEADERS_LEN: usize = 256;
/// Most headers a request may carry.
pub const MAX_HEADERS: usize = 64;
/// Most query parameters a request may carry.
pub const MAX_QUERY_PARAMS: usize = 128;
/// Longest URL (or path plus query).
pub const MAX_URL_LEN: usize = 16_384;
/// Longest presign expiry: 7 days.
pub const MAX_EXPIRES: u32 = 604_800;
