//! What the caller asks to sign: the pipeline's input types.

use super::headers::HeaderList;
use super::url::Target;

/// How the payload enters the canonical request.
#[derive(Clone, Copy, Debug)]
pub enum Payload<'a> {
    /// A caller `x-amz-content-sha256` header if there is one; else
    /// `UNSIGNED-PAYLOAD` for an S3 presigned URL; else SHA-256 of the bytes.
    Auto(&'a [u8]),
    /// SHA-256 of these bytes.
    Bytes(&'a [u8]),
    /// A precomputed SHA-256 as 64 hex digits.
    Sha256Hex(&'a [u8]),
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
}

/// A request to sign.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// HTTP method.
    pub method: &'a [u8],
    /// Where it goes.
    pub target: Target<'a>,
    /// Its headers (the signer skips the never-signed ones).
    pub headers: &'a dyn HeaderList,
    /// Its payload.
    pub payload: Payload<'a>,
}

/// Header signing or a presigned URL with this expiry in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `Authorization` header.
    Headers,
    /// Query parameters, valid for this many seconds (1 ..= 604800).
    Presign(u32),
}
