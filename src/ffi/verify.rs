//! The verifier: a received request checked against its `Authorization`
//! header or presigned query, with the secret from a C lookup callback.

use core::ffi::c_void;

use super::boundary::{ffi_boundary, try_status};
use super::consts::{SIGV4RS_MAX_ACCESS_KEY_ID_LEN, SIGV4RS_MAX_REGION_LEN, SIGV4RS_MAX_SERVICE_LEN};
use super::request::{CHeaders, request, sigv4rs_request};
use super::slice::{bytes, sigv4rs_bytes};
use super::status::{CallbackStatus, callback_code, sigv4rs_status};
use crate::sign::{Form, LookupError, VerifyConfig, VerifyError, VerifyInfo, verify};

/// Policy bits of `sigv4rs_verifier_config.skip`: the request time within
/// `max_skew` seconds of now (header form; presigned: not dated in the
/// future beyond it).
pub const SIGV4RS_VERIFY_SKIP_CLOCK_SKEW: u32 = 1;
/// Accept a presigned URL after `X-Amz-Date` + `X-Amz-Expires`.
pub const SIGV4RS_VERIFY_SKIP_EXPIRY: u32 = 2;
/// Accept any region in the credential scope.
pub const SIGV4RS_VERIFY_SKIP_REGION: u32 = 4;
/// Accept any service in the credential scope.
pub const SIGV4RS_VERIFY_SKIP_SERVICE: u32 = 8;
/// Accept `host` unsigned, and (header form) `x-amz-*` headers unsigned.
pub const SIGV4RS_VERIFY_SKIP_UNSIGNED_HEADERS: u32 = 16;
/// Do not compare a signed `x-amz-content-sha256` with the body given.
pub const SIGV4RS_VERIFY_SKIP_PAYLOAD_HASH: u32 = 32;
/// Default `max_skew`: 900 seconds, as AWS.
pub const SIGV4RS_DEFAULT_MAX_SKEW: u32 = 900;
/// Longest `SignedHeaders` list a verifier accepts (and the size of
/// `sigv4rs_verify_result.signed_headers`).
#[cfg(not(sigv4rs_limits = "small"))]
pub const SIGV4RS_MAX_SIGNED_HEADERS_LEN: usize = 1024;
/// Longest `SignedHeaders` list (small build-time limits).
#[cfg(sigv4rs_limits = "small")]
pub const SIGV4RS_MAX_SIGNED_HEADERS_LEN: usize = 512;
/// `sigv4rs_verify_result.form`: not determined.
pub const SIGV4RS_VERIFY_FORM_NONE: u32 = 0;
/// `sigv4rs_verify_result.form`: the `Authorization` header.
pub const SIGV4RS_VERIFY_FORM_HEADER: u32 = 1;
/// `sigv4rs_verify_result.form`: a presigned query.
pub const SIGV4RS_VERIFY_FORM_QUERY: u32 = 2;

const _: () = assert!(
    SIGV4RS_MAX_SIGNED_HEADERS_LEN == crate::sign::MAX_SIGNED_HEADERS_LEN
        && SIGV4RS_DEFAULT_MAX_SKEW == crate::sign::DEFAULT_MAX_SKEW
        && SIGV4RS_VERIFY_SKIP_CLOCK_SKEW == crate::sign::Skip::CLOCK_SKEW
        && SIGV4RS_VERIFY_SKIP_EXPIRY == crate::sign::Skip::EXPIRY
        && SIGV4RS_VERIFY_SKIP_REGION == crate::sign::Skip::REGION
        && SIGV4RS_VERIFY_SKIP_SERVICE == crate::sign::Skip::SERVICE
        && SIGV4RS_VERIFY_SKIP_UNSIGNED_HEADERS == crate::sign::Skip::UNSIGNED_HEADERS
        && SIGV4RS_VERIFY_SKIP_PAYLOAD_HASH == crate::sign::Skip::PAYLOAD_HASH
);

/// The secret lookup a verifier calls once per request that parses and
/// passes the policy checks, with the access key id of its credential
/// scope. It copies the secret access key (1 to `secret_cap` =
/// `SIGV4RS_MAX_SECRET_KEY_LEN` bytes) into `secret` and its length into
/// `*secret_len`; for temporary credentials, the session token the request
/// must carry into `token` (up to `token_cap` = `SIGV4RS_MAX_SESSION_TOKEN_LEN`
/// bytes) and its length into `*token_len` (left 0: none); write no more
/// than that. Both buffers are the library's, on its stack, wiped after the
/// call (the token's over `*token_len` bytes when it returns OK). Returns OK,
/// `SIGV4RS_STATUS_UNKNOWN_ACCESS_KEY` for a key it does not know, anything
/// else for a failure (the verification then returns LOOKUP_FAILED).
#[allow(non_camel_case_types)]
pub type sigv4rs_secret_lookup_fn = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        access_key_id: *const u8,
        access_key_id_len: usize,
        secret: *mut u8,
        secret_cap: usize,
        secret_len: *mut usize,
        token: *mut u8,
        token_cap: usize,
        token_len: *mut usize,
    ) -> sigv4rs_status,
>;

/// `sigv4rs_secret_lookup_fn` read back as returning a plain `u32`: a C
/// lookup returning a number that is no status is then no undefined
/// behaviour.
type LookupFn = unsafe extern "C" fn(
    *mut c_void,
    *const u8,
    usize,
    *mut u8,
    usize,
    *mut usize,
    *mut u8,
    usize,
    *mut usize,
) -> CallbackStatus;

/// What a verifier expects. Zero-initialize, then set `region`, `service`
/// and `lookup`: every policy check is then on, with a 900 s clock skew.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_verifier_config {
    /// The region requests must be scoped to, e.g. `us-east-1`.
    pub region: sigv4rs_bytes,
    /// The service requests must be scoped to, e.g. `s3`.
    pub service: sigv4rs_bytes,
    /// Canonicalization: `SIGV4RS_FLAG_S3` (S3 rules: path encoded once, not
    /// normalized; presigned payload `UNSIGNED-PAYLOAD`), or for other
    /// services `SIGV4RS_FLAG_NO_PATH_NORMALIZATION`,
    /// `SIGV4RS_FLAG_SINGLE_ENCODE_PATH`; `SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN`
    /// for clients that attach the session token after signing (it is then
    /// neither a signed header nor part of the canonical query); other
    /// bits: INVALID_ARGUMENT.
    pub flags: u32,
    /// `SIGV4RS_VERIFY_SKIP_*` bits: policy checks turned off.
    pub skip: u32,
    /// Allowed clock skew in seconds; 0 for `SIGV4RS_DEFAULT_MAX_SKEW`.
    pub max_skew: u32,
    /// The secret lookup (required).
    pub lookup: sigv4rs_secret_lookup_fn,
    /// Passed to `lookup` as `user`.
    pub lookup_user: *mut c_void,
}

/// What `sigv4rs_verify` found, filled as far as it got (a rejected
/// request's claimed access key id can be logged). Never holds the secret.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_verify_result {
    /// `SIGV4RS_VERIFY_FORM_*`.
    pub form: u32,
    /// `X-Amz-Expires` of a presigned request; 0 otherwise.
    pub expires: u32,
    /// `X-Amz-Date` as Unix seconds; 0 until parsed.
    pub signed_at: i64,
    /// The credential scope's access key id (`access_key_id_len` bytes).
    pub access_key_id: [u8; SIGV4RS_MAX_ACCESS_KEY_ID_LEN],
    /// Its length.
    pub access_key_id_len: usize,
    /// The scope's region (`region_len` bytes).
    pub region: [u8; SIGV4RS_MAX_REGION_LEN],
    /// Its length.
    pub region_len: usize,
    /// The scope's service (`service_len` bytes).
    pub service: [u8; SIGV4RS_MAX_SERVICE_LEN],
    /// Its length.
    pub service_len: usize,
    /// The signed header names, `;`-separated, lower-case (decoded from a
    /// presigned query).
    pub signed_headers: [u8; SIGV4RS_MAX_SIGNED_HEADERS_LEN],
    /// Its length.
    pub signed_headers_len: usize,
    /// Size of the canonical request with its NUL once computed (the
    /// request parsed, passed the policy checks and its secret was found),
    /// whether or not it fitted in the caller's buffer; else 0.
    pub canonical_request_len: usize,
}

fn result_of(info: &VerifyInfo) -> sigv4rs_verify_result {
    fn put<const N: usize>(src: &[u8]) -> [u8; N] {
        let mut dst = [0; N];
        dst[..src.len()].copy_from_slice(src);
        dst
    }
    sigv4rs_verify_result {
        form: match info.form {
            Form::None => SIGV4RS_VERIFY_FORM_NONE,
            Form::Header => SIGV4RS_VERIFY_FORM_HEADER,
            Form::Query => SIGV4RS_VERIFY_FORM_QUERY,
        },
        expires: info.expires,
        signed_at: info.signed_at,
        access_key_id: put(info.access_key_id()),
        access_key_id_len: info.access_key_id().len(),
        region: put(info.region()),
        region_len: info.region().len(),
        service: put(info.service()),
        service_len: info.service().len(),
        signed_headers: put(info.signed_headers()),
        signed_headers_len: info.signed_headers().len(),
        canonical_request_len: info.canonical_request_len,
    }
}

impl From<VerifyError> for sigv4rs_status {
    fn from(e: VerifyError) -> Self {
        use sigv4rs_status as S;
        match e {
            VerifyError::Request(e) => e.into(),
            VerifyError::MissingAuthorization => S::MissingAuthorization,
            VerifyError::AmbiguousAuthorization => S::AmbiguousAuthorization,
            VerifyError::UnsupportedAlgorithm => S::UnsupportedAlgorithm,
            VerifyError::MalformedAuthorization => S::MalformedAuthorization,
            VerifyError::MalformedCredential => S::MalformedCredential,
            VerifyError::MalformedSignedHeaders => S::MalformedSignedHeaders,
            VerifyError::MalformedSignature => S::MalformedSignature,
            VerifyError::MalformedQueryAuth => S::MalformedQueryAuth,
            VerifyError::MissingDate => S::MissingDate,
            VerifyError::MalformedDate => S::MalformedDate,
            VerifyError::DateScopeMismatch => S::DateScopeMismatch,
            VerifyError::ClockSkew => S::ClockSkew,
            VerifyError::RequestExpired => S::RequestExpired,
            VerifyError::WrongRegion => S::WrongRegion,
            VerifyError::WrongService => S::WrongService,
            VerifyError::UnsignedHeader => S::UnsignedHeader,
            VerifyError::SignedHeaderMissing => S::SignedHeaderMissing,
            VerifyError::PayloadRequired => S::PayloadRequired,
            VerifyError::PayloadMismatch => S::PayloadMismatch,
            VerifyError::InvalidContentSha256 => S::InvalidContentSha256,
            VerifyError::StreamingUnsupported => S::StreamingUnsupported,
            VerifyError::TokenMismatch => S::TokenMismatch,
            VerifyError::UnknownAccessKey => S::UnknownAccessKey,
            VerifyError::LookupFailed => S::LookupFailed,
            VerifyError::SignatureMismatch => S::SignatureMismatch,
        }
    }
}

/// Verifies a received request at `unix_time` (the server's clock): OK only
/// when it carries a SigV4 signature (`Authorization: AWS4-HMAC-SHA256 ...`
/// or a presigned `X-Amz-*` query) made with the secret `config->lookup`
/// returns for its access key id, over exactly this request, and passes
/// every policy check `config->skip` leaves on. The signature (and session
/// token) are compared in constant time.
///
/// Give the request as received: `method`; `host` (or a `Host` header),
/// `path` and `query` exactly as on the wire (or `url`); every header
/// received, `Authorization` included. The payload: `SIGV4RS_PAYLOAD_MODE_BYTES`
/// (or `_AUTO`) with the body (empty: an empty body),
/// `SIGV4RS_PAYLOAD_MODE_SHA256_HEX` with its SHA-256, or
/// `SIGV4RS_PAYLOAD_MODE_UNSIGNED` when the body is not at hand (then a
/// request that signs its body's hash other than through
/// `x-amz-content-sha256` gets PAYLOAD_REQUIRED). aws-chunked
/// (`STREAMING-*`) bodies and SigV4a are not verified by this version.
///
/// `*result` (when not NULL) is always written in full: zeroed, then what
/// the verification found (see `sigv4rs_verify_result`). When
/// `canonical_request` is not NULL and the canonical request was computed
/// and fits in `canonical_request_cap` bytes with a NUL, it is written
/// there (a server's debug log); its size is `result->canonical_request_len`
/// either way (call with NULL, 0 to learn it). The status does not depend
/// on the buffer.
///
/// Statuses: OK; NULL_ARGUMENT (`config`, `request`, `result` or
/// `config->lookup` is `NULL`, or a `NULL` pointer has a length);
/// INVALID_ARGUMENT (unknown `flags` or `skip` bits or payload mode, a
/// length over `PTRDIFF_MAX`); INVALID_REGION, INVALID_SERVICE (the
/// config's); INVALID_TIME (`unix_time`); the request's INVALID_METHOD,
/// INVALID_URL, INVALID_HOST, MISSING_HOST, INVALID_PATH, INVALID_QUERY,
/// INVALID_HEADER_NAME, INVALID_HEADER_VALUE, INVALID_PAYLOAD_HASH,
/// TOO_MANY_HEADERS, TOO_MANY_QUERY_PARAMETERS, INPUT_TOO_LONG (also a
/// signed header list over `SIGV4RS_MAX_SIGNED_HEADERS_LEN`);
/// MISSING_AUTHORIZATION, AMBIGUOUS_AUTHORIZATION, UNSUPPORTED_ALGORITHM,
/// MALFORMED_AUTHORIZATION, MALFORMED_CREDENTIAL, MALFORMED_SIGNED_HEADERS,
/// MALFORMED_SIGNATURE, MALFORMED_QUERY_AUTH, MISSING_DATE, MALFORMED_DATE,
/// INVALID_EXPIRES (`X-Amz-Expires` not 1 ..= `SIGV4RS_MAX_EXPIRES`);
/// DATE_SCOPE_MISMATCH, CLOCK_SKEW, REQUEST_EXPIRED, WRONG_REGION,
/// WRONG_SERVICE, UNSIGNED_HEADER, SIGNED_HEADER_MISSING, PAYLOAD_REQUIRED,
/// PAYLOAD_MISMATCH, INVALID_CONTENT_SHA256, STREAMING_UNSUPPORTED,
/// TOKEN_MISMATCH, UNKNOWN_ACCESS_KEY, LOOKUP_FAILED, SIGNATURE_MISMATCH;
/// PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_verify(
    config: *const sigv4rs_verifier_config,
    request_: *const sigv4rs_request,
    unix_time: i64,
    result: *mut sigv4rs_verify_result,
    canonical_request: *mut u8,
    canonical_request_cap: usize,
) -> sigv4rs_status {
    ffi_boundary! {
        if result.is_null() {
            return sigv4rs_status::NullArgument;
        }
        // SAFETY: non-NULL and writable (contract).
        unsafe { result.write(result_of(&VerifyInfo::default())) };
        if canonical_request.is_null() && canonical_request_cap != 0 {
            return sigv4rs_status::NullArgument;
        }
        // SAFETY: NULL or valid (contract).
        let Some(c) = (unsafe { config.as_ref() }) else {
            return sigv4rs_status::NullArgument;
        };
        let Some(f) = c.lookup else {
            return sigv4rs_status::NullArgument;
        };
        // SAFETY: the same function type but for the return, read as the
        // `u32` a C enum is (see `CallbackStatus`).
        let f: LookupFn = unsafe { core::mem::transmute::<_, LookupFn>(f) };
        // SAFETY: valid pointers inside (contract).
        let (region, service) = unsafe { (try_status!(bytes(&c.region)), try_status!(bytes(&c.service))) };
        let mut headers = CHeaders::EMPTY;
        // SAFETY: NULL or valid (contract).
        let req = try_status!(unsafe { request(request_, &mut headers) });
        let cfg = VerifyConfig {
            region,
            service,
            flags: c.flags,
            skip: c.skip,
            max_skew: c.max_skew,
        };
        let user = c.lookup_user;
        let mut lookup = |akid: &[u8], secret: &mut [u8], token: &mut [u8]| {
            let (mut s, mut t) = (0usize, 0usize);
            // SAFETY: the callback's contract: it writes within the
            // capacities given and the two lengths.
            let st = unsafe {
                f(
                    user,
                    akid.as_ptr(),
                    akid.len(),
                    secret.as_mut_ptr(),
                    secret.len(),
                    &mut s,
                    token.as_mut_ptr(),
                    token.len(),
                    &mut t,
                )
            };
            match callback_code(st) {
                0 => Ok((s, t)),
                n if n == sigv4rs_status::UnknownAccessKey as u32 => Err(LookupError::UnknownKey),
                _ => Err(LookupError::Failed),
            }
        };
        let creq: &mut [u8] = if canonical_request.is_null() {
            &mut []
        } else {
            // SAFETY: writable for `cap` bytes, not overlapping inputs
            // (contract); clamped to the largest slice.
            unsafe { core::slice::from_raw_parts_mut(canonical_request, canonical_request_cap.min(isize::MAX as usize)) }
        };
        let mut info = VerifyInfo::default();
        let r = verify(&cfg, &req, unix_time, &mut lookup, &mut info, creq);
        // SAFETY: non-NULL and writable (contract).
        unsafe { result.write(result_of(&info)) };
        match r {
            Ok(()) => sigv4rs_status::Ok,
            Err(e) => e.into(),
        }
    }
}
