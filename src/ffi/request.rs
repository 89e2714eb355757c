//! The request and config structs C fills in, and their conversion to the
//! core's types (checked once, then read without copying).

use super::slice::{array, bytes, sigv4rs_bytes};
use super::status::sigv4rs_status;
use crate::sign::{ByteList, Config, HeaderList, MAX_HEADERS, Payload, Request, Target};

/// One header: name and value (no NUL terminators needed).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_header {
    /// Header name, e.g. `Content-Type` (any case).
    pub name: sigv4rs_bytes,
    /// Header value as it will be sent.
    pub value: sigv4rs_bytes,
}

/// How the payload is hashed (values of `sigv4rs_request.payload_mode`).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sigv4rs_payload_mode {
    /// Default (0): the value of an `x-amz-content-sha256` header among the
    /// request's headers if there is one; else `UNSIGNED-PAYLOAD` for an S3
    /// presigned URL; else SHA-256 of `payload` (empty when not given).
    Auto = 0,
    /// SHA-256 of the bytes in `payload`.
    Bytes = 1,
    /// `payload` is a precomputed SHA-256: 64 hex digits (see
    /// `sigv4rs_payload_hasher` for bodies that arrive in pieces).
    Sha256Hex = 2,
    /// `UNSIGNED-PAYLOAD`: the body is not signed.
    Unsigned = 3,
}

/// Signer settings. Zero-initialize, then set the fields you need:
/// `{0}` plus keys, region and service gives a non-S3 signer with path
/// normalization and double encoding. Strings are copied by
/// `sigv4rs_signer_new`/`_init`; the struct may be freed afterwards.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_config {
    /// Access key id (`AKIA...`/`ASIA...`), 1 to `SIGV4RS_MAX_ACCESS_KEY_ID_LEN` bytes.
    /// Access key id, secret and token all empty: no credentials yet (a
    /// provider or `sigv4rs_signer_rotate` supplies them).
    pub access_key_id: sigv4rs_bytes,
    /// Secret access key, 1 to `SIGV4RS_MAX_SECRET_KEY_LEN` bytes.
    pub secret_access_key: sigv4rs_bytes,
    /// Session token of temporary credentials; empty when there is none.
    pub session_token: sigv4rs_bytes,
    /// Region, e.g. `us-east-1`.
    pub region: sigv4rs_bytes,
    /// Service signing name, e.g. `s3`, `es`, `execute-api`, `sts`.
    pub service: sigv4rs_bytes,
    /// `SIGV4RS_FLAG_*` bits; unknown bits give `SIGV4RS_STATUS_INVALID_ARGUMENT`.
    pub flags: u32,
    /// Extra header names never to sign (besides the built-in list:
    /// authorization, connection, expect, keep-alive, proxy-authenticate,
    /// proxy-authorization, te, trailer, transfer-encoding, upgrade,
    /// user-agent, x-amzn-trace-id). May be NULL when the count is 0.
    pub unsigned_headers: *const sigv4rs_bytes,
    /// Number of entries in `unsigned_headers`.
    pub unsigned_headers_len: usize,
    /// When the credentials expire (Unix seconds); 0 if they do not. From
    /// then on signing returns CREDENTIALS_EXPIRED (unless a provider or a
    /// rotation replaced them).
    pub expiration: i64,
}

/// A request to sign. Zero-initialize, then set `method` and either `url`
/// (absolute: `https://host[:port]/path?query`) or `host`, `path` and
/// `query` (scheme https). Give the path and query as they will be sent
/// (already percent-encoded): the signer never re-encodes what goes on the
/// wire, only the canonical form. In the query a raw `+` is a space (signed
/// `%20`), as form encoders write it and AWS reads it; write a plus as
/// `%2B`. The host from `url` or `host` is signed lower-case.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_request {
    /// HTTP method, e.g. `GET`.
    pub method: sigv4rs_bytes,
    /// Absolute URL; when empty, `host`, `path` and `query` are used.
    pub url: sigv4rs_bytes,
    /// `host[:port]`, used when `url` is empty (may be empty if `headers`
    /// has a `Host` header).
    pub host: sigv4rs_bytes,
    /// Path, e.g. `/bucket/key`, used when `url` is empty.
    pub path: sigv4rs_bytes,
    /// Query without `?`, used when `url` is empty.
    pub query: sigv4rs_bytes,
    /// Headers to sign (the never-signed ones are skipped). `host` is added
    /// from the URL when absent. May be NULL when `headers_len` is 0.
    pub headers: *const sigv4rs_header,
    /// Number of headers, at most `SIGV4RS_MAX_HEADERS`.
    pub headers_len: usize,
    /// A `sigv4rs_payload_mode` value.
    pub payload_mode: u32,
    /// Body bytes (`SIGV4RS_PAYLOAD_MODE_AUTO`/`_BYTES`) or 64 hex digits
    /// (`SIGV4RS_PAYLOAD_MODE_SHA256_HEX`).
    pub payload: sigv4rs_bytes,
}

/// Headers already checked for NULL pointers.
pub(crate) struct CHeaders<'a>(&'a [sigv4rs_header]);

impl HeaderList for CHeaders<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn header(&self, i: usize) -> (&[u8], &[u8]) {
        let h = &self.0[i];
        // SAFETY: every entry was checked by `request()` before this list was
        // made; it lives as long as the call.
        unsafe { (bytes(&h.name).unwrap_or_default(), bytes(&h.value).unwrap_or_default()) }
    }
}

/// Unsigned-header names already checked for NULL pointers.
pub(crate) struct CNames<'a>(&'a [sigv4rs_bytes]);

impl ByteList for CNames<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn item(&self, i: usize) -> &[u8] {
        // SAFETY: checked by `config()`.
        unsafe { bytes(&self.0[i]).unwrap_or_default() }
    }
}

/// Converts a C config.
///
/// # Safety
/// `c` must be NULL or valid, with valid pointers inside.
pub(crate) unsafe fn config<'a>(
    c: *const sigv4rs_config,
    names: &'a mut CNames<'a>,
) -> Result<Config<'a>, sigv4rs_status> {
    // SAFETY: NULL checked; the rest is the caller's contract.
    let c = unsafe { c.as_ref() }.ok_or(sigv4rs_status::NullArgument)?;
    // SAFETY: contract of this function.
    unsafe {
        let list = array(c.unsigned_headers, c.unsigned_headers_len)?;
        if list.len() > crate::sign::MAX_UNSIGNED_HEADERS_LEN {
            return Err(sigv4rs_status::InvalidUnsignedHeader);
        }
        for n in list {
            bytes(n)?;
        }
        *names = CNames(list);
        Ok(Config {
            access_key_id: bytes(&c.access_key_id)?,
            secret_access_key: bytes(&c.secret_access_key)?,
            session_token: bytes(&c.session_token)?,
            expiration: (c.expiration != 0).then_some(c.expiration),
            region: bytes(&c.region)?,
            service: bytes(&c.service)?,
            flags: c.flags,
            unsigned_headers: names,
        })
    }
}

/// Converts a C request.
///
/// # Safety
/// `r` must be NULL or valid, with valid pointers inside.
pub(crate) unsafe fn request<'a>(
    r: *const sigv4rs_request,
    headers: &'a mut CHeaders<'a>,
) -> Result<Request<'a>, sigv4rs_status> {
    // SAFETY: NULL checked; the rest is the caller's contract.
    let r = unsafe { r.as_ref() }.ok_or(sigv4rs_status::NullArgument)?;
    // SAFETY: contract of this function.
    unsafe {
        if r.headers_len > MAX_HEADERS {
            return Err(sigv4rs_status::TooManyHeaders);
        }
        let list = array(r.headers, r.headers_len)?;
        for h in list {
            bytes(&h.name)?;
            bytes(&h.value)?;
        }
        *headers = CHeaders(list);
        let method = bytes(&r.method)?;
        let url = bytes(&r.url)?;
        let target = if url.is_empty() {
            Target::from_parts(bytes(&r.host)?, bytes(&r.path)?, bytes(&r.query)?)?
        } else {
            Target::parse_url(url)?
        };
        let data = bytes(&r.payload)?;
        let payload = match r.payload_mode {
            0 => Payload::Auto(data),
            1 => Payload::Bytes(data),
            2 => Payload::Sha256Hex(data),
            3 => Payload::Unsigned,
            _ => return Err(sigv4rs_status::InvalidArgument),
        };
        Ok(Request {
            method,
            target,
            headers,
            payload,
        })
    }
}

impl CHeaders<'_> {
    pub(crate) const EMPTY: CHeaders<'static> = CHeaders(&[]);
}

impl CNames<'_> {
    pub(crate) const EMPTY: CNames<'static> = CNames(&[]);
}
