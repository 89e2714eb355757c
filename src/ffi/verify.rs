//! The verifier: a received request checked against its `Authorization`
//! header or presigned query, with the secret from a C lookup callback.

use core::ffi::c_void;

use super::boundary::{ffi_boundary, try_status};
use super::consts::{SIGV4RS_MAX_ACCESS_KEY_ID_LEN, SIGV4RS_MAX_REGION_LEN, SIGV4RS_MAX_SERVICE_LEN};
use super::request::{CHeaders, request, sigv4rs_request};
use super::slice::{bytes, sigv4rs_bytes};
use super::status::{CallbackStatus, callback_code, sigv4rs_status};
use crate::sign::{
    BodyError, BodyVerifier, Form, LookupError, VerifyConfig, VerifyError, VerifyInfo, verify, verify_begin,
};

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

impl From<BodyError> for sigv4rs_status {
    fn from(e: BodyError) -> Self {
        use sigv4rs_status as S;
        match e {
            BodyError::NotInitialized => S::NotInitialized,
            BodyError::MalformedChunk => S::MalformedChunk,
            BodyError::ChunkTooSmall => S::ChunkTooSmall,
            BodyError::ChunkSignatureMismatch => S::ChunkSignatureMismatch,
            BodyError::MalformedTrailer => S::MalformedTrailer,
            BodyError::ChecksumMismatch => S::ChecksumMismatch,
            BodyError::DecodedLengthMismatch => S::DecodedLengthMismatch,
            BodyError::Incomplete => S::IncompletePayload,
            BodyError::PayloadMismatch => S::PayloadMismatch,
        }
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
            VerifyError::Body(e) => e.into(),
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
/// received, `Authorization` included. A `Host` header is canonicalized as
/// received; `host` (or the URL's) only stands in when there is none, and is
/// lower-cased as a DNS name: pass the `Host` header to hold a client to
/// the case it sent. The payload: `SIGV4RS_PAYLOAD_MODE_BYTES`
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
        run(config, request_, unix_time, result, canonical_request, canonical_request_cap, None)
    }
}

/// The verification behind `sigv4rs_verify` and (with `body`)
/// `sigv4rs_body_verifier_begin`.
fn run(
    config: *const sigv4rs_verifier_config,
    request_: *const sigv4rs_request,
    unix_time: i64,
    result: *mut sigv4rs_verify_result,
    canonical_request: *mut u8,
    canonical_request_cap: usize,
    body: Option<&mut BodyVerifier>,
) -> sigv4rs_status {
    {
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
            unsafe {
                core::slice::from_raw_parts_mut(canonical_request, canonical_request_cap.min(isize::MAX as usize))
            }
        };
        let mut info = VerifyInfo::default();
        let r = match body {
            None => verify(&cfg, &req, unix_time, &mut lookup, &mut info, creq),
            Some(b) => verify_begin(&cfg, &req, unix_time, &mut lookup, &mut info, creq, b),
        };
        // SAFETY: non-NULL and writable (contract).
        unsafe { result.write(result_of(&info)) };
        match r {
            Ok(()) => sigv4rs_status::Ok,
            Err(e) => e.into(),
        }
    }
}

/// Bytes of a `sigv4rs_body_verifier`.
pub const SIGV4RS_BODY_VERIFIER_SIZE: usize = 1024;

/// Caller-owned state of one request body being verified (no heap), set
/// up by `sigv4rs_body_verifier_begin`, spent by
/// `sigv4rs_body_verifier_finish`. Not for concurrent use; do not copy it
/// while in use.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct sigv4rs_body_verifier {
    /// Private.
    pub _opaque: [u64; 128],
}

const _: () = assert!(core::mem::size_of::<sigv4rs_body_verifier>() == SIGV4RS_BODY_VERIFIER_SIZE);
const _: () = assert!(core::mem::size_of::<BodyVerifier>() <= SIGV4RS_BODY_VERIFIER_SIZE);
const _: () = assert!(core::mem::align_of::<BodyVerifier>() <= 8);

/// Verifies a received request as `sigv4rs_verify` does, for a server that
/// has its headers and reads the body after: the request's payload fields
/// are not read. On OK, `*body` is ready for the body: pass every byte of
/// it as received to `sigv4rs_body_verifier_update`, then call
/// `sigv4rs_body_verifier_finish`. What the body must be comes from the
/// signed `x-amz-content-sha256`: 64 hex digits, a body with that SHA-256
/// (unless `SIGV4RS_VERIFY_SKIP_PAYLOAD_HASH`); `UNSIGNED-PAYLOAD` (or none
/// on an S3 presigned request), any body, passed through;
/// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, `...-PAYLOAD-TRAILER` or
/// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, an aws-chunked body of
/// `x-amz-decoded-content-length` bytes, decoded in place, with every
/// chunk signature, the trailer's signature and its checksum (the one
/// `x-amz-trailer` names) checked. A request whose canonical request holds
/// the body's hash without that header (services other than S3) gets
/// PAYLOAD_REQUIRED: verify it with `sigv4rs_verify` and the whole body.
///
/// `*result`, `canonical_request`: as for `sigv4rs_verify`. On error
/// `*body` is left not started (its later calls: NOT_INITIALIZED).
///
/// Statuses: those of `sigv4rs_verify` (NULL_ARGUMENT also for `body`),
/// except that STREAMING_UNSUPPORTED is only for SigV4a's streaming modes
/// and other `STREAMING-*` values; plus MALFORMED_TRAILER (`x-amz-trailer`
/// missing, repeated or not a known checksum in a trailer mode, present in
/// the other) and DECODED_LENGTH_MISMATCH (`x-amz-decoded-content-length`
/// missing, repeated or not a number, in an aws-chunked request).
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_body_verifier_begin(
    config: *const sigv4rs_verifier_config,
    request_: *const sigv4rs_request,
    unix_time: i64,
    result: *mut sigv4rs_verify_result,
    canonical_request: *mut u8,
    canonical_request_cap: usize,
    body: *mut sigv4rs_body_verifier,
) -> sigv4rs_status {
    ffi_boundary! {
        if body.is_null() {
            if !result.is_null() {
                // SAFETY: non-NULL and writable (contract).
                unsafe { result.write(result_of(&VerifyInfo::default())) };
            }
            return sigv4rs_status::NullArgument;
        }
        let b = body.cast::<BodyVerifier>();
        // SAFETY: non-NULL, writable, aligned and large enough (contract and
        // asserts). Written whole before any reference to it is made: the
        // caller's bytes may be anything.
        unsafe { b.write(BodyVerifier::empty()) };
        // SAFETY: initialized just above; the caller does not touch it
        // during the call (contract).
        let b = unsafe { &mut *b };
        run(config, request_, unix_time, result, canonical_request, canonical_request_cap, Some(b))
    }
}

/// The state behind `p`, if `sigv4rs_body_verifier_begin` set it up.
fn body_state<'a>(p: *mut sigv4rs_body_verifier) -> Result<&'a mut BodyVerifier, sigv4rs_status> {
    if p.is_null() {
        return Err(sigv4rs_status::NullArgument);
    }
    // SAFETY: non-NULL, valid and aligned (contract and asserts). `ready` is
    // the first field of the repr(C) state: read it alone before trusting
    // the rest, which only `_begin` writes.
    let ready = unsafe { p.cast::<u32>().read() };
    if ready != BodyVerifier::READY {
        return Err(sigv4rs_status::NotInitialized);
    }
    // SAFETY: as above; the state was written by `_begin`.
    Ok(unsafe { &mut *p.cast::<BodyVerifier>() })
}

/// Takes the next `len` bytes of the body as received (split anywhere)
/// and decodes them in place: on OK, the first `*decoded_len` bytes of
/// `data` are payload (aws-chunked framing removed; any other body is left
/// as it is, `*decoded_len` = `len`). Payload is authenticated only when
/// `sigv4rs_body_verifier_finish` returns OK: keep nothing before that.
/// On error `*decoded_len` is 0, `data` holds unspecified bytes, and the
/// state is failed: every later call returns the same status.
///
/// Statuses: OK; NULL_ARGUMENT (`body` or `decoded_len` is `NULL`, or
/// `data` is `NULL` with a length); INVALID_ARGUMENT (`len` over
/// `PTRDIFF_MAX`);
/// NOT_INITIALIZED (no successful `_begin`, or after `_finish`);
/// MALFORMED_CHUNK, CHUNK_TOO_SMALL, CHUNK_SIGNATURE_MISMATCH,
/// MALFORMED_TRAILER, CHECKSUM_MISMATCH, DECODED_LENGTH_MISMATCH; PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_body_verifier_update(
    body: *mut sigv4rs_body_verifier,
    data: *mut u8,
    len: usize,
    decoded_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        if decoded_len.is_null() {
            return sigv4rs_status::NullArgument;
        }
        // SAFETY: non-NULL and writable (contract).
        unsafe { *decoded_len = 0 };
        if data.is_null() && len != 0 {
            return sigv4rs_status::NullArgument;
        }
        if len > isize::MAX as usize {
            return sigv4rs_status::InvalidArgument;
        }
        let st = try_status!(body_state(body));
        let buf: &mut [u8] = if len == 0 {
            &mut []
        } else {
            // SAFETY: non-NULL, writable for `len` bytes, not the state
            // (contract).
            unsafe { core::slice::from_raw_parts_mut(data, len) }
        };
        match st.update(buf) {
            Ok(n) => {
                // SAFETY: as above.
                unsafe { *decoded_len = n };
                sigv4rs_status::Ok
            }
            Err(e) => e.into(),
        }
    }
}

/// The body has ended: OK when all of it arrived and was verified (the
/// SHA-256 it was signed with; aws-chunked: the final chunk, the trailer
/// and its signature and checksum). The state is spent (its key zeroed)
/// whatever the status.
///
/// Statuses: OK; NULL_ARGUMENT; NOT_INITIALIZED (no successful `_begin`,
/// or again after `_finish`); INCOMPLETE_PAYLOAD (the body ended early);
/// PAYLOAD_MISMATCH (the body's hash is not `x-amz-content-sha256`);
/// an earlier `_update`'s failure, again (MALFORMED_CHUNK, CHUNK_TOO_SMALL,
/// CHUNK_SIGNATURE_MISMATCH, MALFORMED_TRAILER, CHECKSUM_MISMATCH,
/// DECODED_LENGTH_MISMATCH); PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_body_verifier_finish(body: *mut sigv4rs_body_verifier) -> sigv4rs_status {
    ffi_boundary! {
        let st = try_status!(body_state(body));
        match st.finish() {
            Ok(()) => sigv4rs_status::Ok,
            Err(e) => e.into(),
        }
    }
}
