//! Sizes and limits, exported so C can size stack arrays.

/// Hex digits of a signature.
pub const SIGV4RS_SIGNATURE_LEN: usize = 64;
/// Most hex digits of a SigV4a signature (hex of a DER ECDSA signature of
/// at most 72 bytes; usually 140 to 144 digits).
pub const SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN: usize = 144;
/// Bytes of an `X-Amz-Date` value (`20150830T123600Z`).
pub const SIGV4RS_AMZ_DATE_LEN: usize = 16;
/// Hex digits of a SHA-256.
pub const SIGV4RS_SHA256_HEX_LEN: usize = 64;
/// Longest access key id.
pub const SIGV4RS_MAX_ACCESS_KEY_ID_LEN: usize = 128;
/// Longest secret access key.
pub const SIGV4RS_MAX_SECRET_KEY_LEN: usize = 128;
/// Longest session token.
pub const SIGV4RS_MAX_SESSION_TOKEN_LEN: usize = 16384;
/// Longest region.
pub const SIGV4RS_MAX_REGION_LEN: usize = 64;
/// Longest service name.
pub const SIGV4RS_MAX_SERVICE_LEN: usize = 64;
/// Room for extra unsigned-header names (each costs its length + 1).
pub const SIGV4RS_MAX_UNSIGNED_HEADERS_LEN: usize = 256;
/// Most headers in one request (32 in a library built with
/// `--cfg sigv4rs_limits="small"`, as the firmware builds are).
pub const SIGV4RS_MAX_HEADERS: usize = 64;
/// Most query parameters in one request (32 in a library built with
/// `--cfg sigv4rs_limits="small"`).
pub const SIGV4RS_MAX_QUERY_PARAMS: usize = 128;
/// Longest URL (or path plus query).
pub const SIGV4RS_MAX_URL_LEN: usize = 16384;
/// Longest presign expiry in seconds (7 days).
pub const SIGV4RS_MAX_EXPIRES: u32 = 604800;
/// Latest signing time accepted (9999-12-31T23:59:59Z).
pub const SIGV4RS_MAX_UNIX_TIME: i64 = 253402300799;

/// S3 rules: no path normalization, path encoded once, `x-amz-content-sha256`
/// always added; presigned URLs default to `UNSIGNED-PAYLOAD`.
pub const SIGV4RS_FLAG_S3: u32 = 1;
/// Keep `.`, `..` and empty path segments (non-S3).
pub const SIGV4RS_FLAG_NO_PATH_NORMALIZATION: u32 = 2;
/// Encode the path once, as S3 does, for another service.
pub const SIGV4RS_FLAG_SINGLE_ENCODE_PATH: u32 = 4;
/// Add and sign `x-amz-content-sha256` for any service.
pub const SIGV4RS_FLAG_CONTENT_SHA256_HEADER: u32 = 8;
/// Attach the session token after signing, unsigned.
pub const SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN: u32 = 16;
/// S3 Express One Zone (service `s3express`, credentials from
/// CreateSession): S3 rules, and the session token goes in
/// `x-amz-s3session-token` (presigned: `X-Amz-S3session-Token`) instead of
/// `x-amz-security-token`. Credentials without a token are refused
/// (INVALID_SESSION_TOKEN). Absent from `--no-default-features` builds,
/// which refuse it (INVALID_ARGUMENT). S3 Express is signed with SigV4
/// only: together with `SIGV4RS_FLAG_SIGV4A` it is refused
/// (INVALID_ARGUMENT).
pub const SIGV4RS_FLAG_S3EXPRESS: u32 = 32;
/// Sign with SigV4a (`AWS4-ECDSA-P256-SHA256`): `region` holds the region
/// set (`us-east-1`, `us-east-1,us-west-2`, `*`), signed as
/// `X-Amz-Region-Set`; the scope has no region; the signature is hex DER
/// (up to `SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN` digits). A library built
/// without SigV4a (firmware builds) refuses it as an unknown flag
/// (INVALID_ARGUMENT), and so does every build together with
/// `SIGV4RS_FLAG_S3EXPRESS` (AWS does not sign S3 Express with SigV4a).
pub const SIGV4RS_FLAG_SIGV4A: u32 = 64;

use crate::sign::{self, Flags};
#[cfg(feature = "sigv4a")]
const _: () = assert!(SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN == sign::v4a::MAX_SIGNATURE_HEX_LEN);
const _: () = {
    assert!(SIGV4RS_MAX_ACCESS_KEY_ID_LEN == sign::MAX_ACCESS_KEY_ID_LEN);
    assert!(SIGV4RS_MAX_SECRET_KEY_LEN == sign::MAX_SECRET_KEY_LEN);
    assert!(cfg!(sigv4rs_limits = "small") || SIGV4RS_MAX_SESSION_TOKEN_LEN == sign::MAX_SESSION_TOKEN_LEN);
    assert!(sign::MAX_SESSION_TOKEN_LEN <= SIGV4RS_MAX_SESSION_TOKEN_LEN);
    assert!(SIGV4RS_MAX_REGION_LEN == sign::MAX_REGION_LEN);
    assert!(SIGV4RS_MAX_SERVICE_LEN == sign::MAX_SERVICE_LEN);
    assert!(cfg!(sigv4rs_limits = "small") || SIGV4RS_MAX_UNSIGNED_HEADERS_LEN == sign::MAX_UNSIGNED_HEADERS_LEN);
    assert!(sign::MAX_UNSIGNED_HEADERS_LEN <= SIGV4RS_MAX_UNSIGNED_HEADERS_LEN);
    // The header states the default limits; a small build has lower ones.
    assert!(cfg!(sigv4rs_limits = "small") || SIGV4RS_MAX_HEADERS == sign::MAX_HEADERS);
    assert!(cfg!(sigv4rs_limits = "small") || SIGV4RS_MAX_QUERY_PARAMS == sign::MAX_QUERY_PARAMS);
    assert!(sign::MAX_HEADERS <= SIGV4RS_MAX_HEADERS && sign::MAX_QUERY_PARAMS <= SIGV4RS_MAX_QUERY_PARAMS);
    assert!(SIGV4RS_MAX_URL_LEN == sign::MAX_URL_LEN);
    assert!(SIGV4RS_MAX_EXPIRES == sign::MAX_EXPIRES);
    assert!(SIGV4RS_MAX_UNIX_TIME == sign::time::MAX_UNIX_TIME);
    assert!(SIGV4RS_FLAG_S3 == Flags::S3);
    assert!(SIGV4RS_FLAG_NO_PATH_NORMALIZATION == Flags::NO_PATH_NORMALIZATION);
    assert!(SIGV4RS_FLAG_SINGLE_ENCODE_PATH == Flags::SINGLE_ENCODE_PATH);
    assert!(SIGV4RS_FLAG_CONTENT_SHA256_HEADER == Flags::CONTENT_SHA256_HEADER);
    assert!(SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN == Flags::UNSIGNED_SESSION_TOKEN);
    assert!(SIGV4RS_FLAG_S3EXPRESS == Flags::S3EXPRESS);
    assert!(SIGV4RS_FLAG_SIGV4A == Flags::SIGV4A);
};
