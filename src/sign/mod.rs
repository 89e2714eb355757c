//! The signing core: pure, `no_std`, no allocation, no `unsafe`.
#![forbid(unsafe_code)]

// Modules in layers; a module imports only from its own layer or those
// above, never back (tests/tools/modgraph.py fails on a cycle).
//
// Leaves: text rules, hashing, time, checksums.
pub(crate) mod checksum;
pub(crate) mod encode;
mod error;
pub(crate) mod headers;
pub(crate) mod key;
pub(crate) mod path;
pub(crate) mod query;
pub(crate) mod sha;
#[cfg(feature = "extra-checksums")]
pub(crate) mod sha1;
pub(crate) mod sink;
pub(crate) mod time;
pub(crate) mod url;
#[cfg(feature = "sigv4a")]
pub(crate) mod v4a;

// Inputs: the request, the configured signer, an upload's shape.
mod request;
mod signer;
mod stream;

// The pipeline: plan -> canonical request -> (algorithm: string to sign,
// key, signature) -> output. The algorithm is a seam below canonical
// because a presigned canonical query embeds its name and scope.
mod algorithm;
mod canonical;
mod output;
mod plan;

// Operations over the pipeline: signing calls and aws-chunked chunks.
mod chunked;
mod ops;
mod verify;
mod verify_body;

pub use checksum::{Checksum, ChecksumKind};
pub use chunked::ChunkState;
pub(crate) use chunked::Seed;
pub use error::Error;
pub use headers::{ByteList, HeaderList};
pub use request::{Mode, Payload, Request};
pub use signer::{
    Config, CredentialSet, CredentialSink, DEFAULT_REFRESH_MARGIN, Flags, PROVIDER_RETRY_SECS, Provider, Signer,
};
pub use stream::{StreamMode, Streaming};
pub use time::AmzDate;
pub use url::Target;
#[cfg(feature = "sigv4a")]
pub use v4a::{V4aKey, derive_v4a};
pub use verify::{
    BodyError, DEFAULT_MAX_SKEW, Form, Lookup, LookupError, MAX_SIGNED_HEADERS_LEN, Skip, VerifyConfig, VerifyError,
    VerifyInfo, ct_eq, verify,
};
pub use verify_body::{BodyVerifier, MIN_CHUNK_SIZE, verify_begin};

/// Longest access key id.
pub const MAX_ACCESS_KEY_ID_LEN: usize = 128;
/// Longest secret access key.
pub const MAX_SECRET_KEY_LEN: usize = 128;
/// Longest session token: 16 KiB (STS documents no maximum; session
/// policies and tags grow tokens), 2 KiB with `sigv4rs_limits="small"`
/// (the AWS IoT credentials provider's tokens are about 1 KiB).
#[cfg(not(sigv4rs_limits = "small"))]
pub const MAX_SESSION_TOKEN_LEN: usize = 16_384;
/// Longest session token (16 KiB in a default build).
#[cfg(sigv4rs_limits = "small")]
pub const MAX_SESSION_TOKEN_LEN: usize = 2048;
/// Longest region name (or SigV4a region set).
pub const MAX_REGION_LEN: usize = 64;
/// Longest service name.
pub const MAX_SERVICE_LEN: usize = 64;
/// Room for extra unsigned-header names (each costs its length + 1; 128
/// with `sigv4rs_limits="small"`).
#[cfg(not(sigv4rs_limits = "small"))]
pub const MAX_UNSIGNED_HEADERS_LEN: usize = 256;
/// Room for extra unsigned-header names (256 in a default build).
#[cfg(sigv4rs_limits = "small")]
pub const MAX_UNSIGNED_HEADERS_LEN: usize = 128;
// Build-time limits: firmware builds with `--cfg sigv4rs_limits="small"`
// carry a smaller plan (its sort arrays are sized by these) on their stack.

/// Most headers a request may carry (32 with `sigv4rs_limits="small"`).
#[cfg(not(sigv4rs_limits = "small"))]
pub const MAX_HEADERS: usize = 64;
/// Most headers a request may carry (64 in a default build).
#[cfg(sigv4rs_limits = "small")]
pub const MAX_HEADERS: usize = 32;
/// Most query parameters a request may carry (32 with
/// `sigv4rs_limits="small"`).
#[cfg(not(sigv4rs_limits = "small"))]
pub const MAX_QUERY_PARAMS: usize = 128;
/// Most query parameters a request may carry (128 in a default build).
#[cfg(sigv4rs_limits = "small")]
pub const MAX_QUERY_PARAMS: usize = 32;
/// Longest URL (or path plus query).
pub const MAX_URL_LEN: usize = 16_384;
/// Longest presign expiry: 7 days.
pub const MAX_EXPIRES: u32 = 604_800;
