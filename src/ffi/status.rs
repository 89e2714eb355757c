//! Status codes. Numbers are fixed forever: a retired code is never reused.
//! Ranges: 1-99 misuse of the API, 100-199 invalid input, 900+ internal.

use core::ffi::c_char;

use crate::sign::Error;

/// Result of every fallible call. `SIGV4RS_STATUS_OK` is 0; see
/// `sigv4rs_status_str` for a message.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sigv4rs_status {
    /// Success.
    Ok = 0,
    /// A required pointer was NULL, or an input was `(NULL, n > 0)`.
    NullArgument = 1,
    /// The output buffer is too small; `*out_len` holds the size needed and
    /// nothing was written.
    BufferTooSmall = 2,
    /// Unknown flag bits or payload mode, a misaligned storage pointer, or an
    /// input length over `PTRDIFF_MAX`.
    InvalidArgument = 3,
    /// The signer (or hasher) was not initialized, or was deinitialized.
    NotInitialized = 4,
    /// Access key id empty, too long, or with space, `/`, `,` or a byte
    /// outside visible ASCII.
    InvalidAccessKeyId = 100,
    /// Secret key empty or longer than `SIGV4RS_MAX_SECRET_KEY_LEN`.
    InvalidSecretKey = 101,
    /// Session token too long or with a byte outside visible ASCII.
    InvalidSessionToken = 102,
    /// Region empty, too long, or not `A-Za-z0-9-_.`.
    InvalidRegion = 103,
    /// Service empty, too long, or not `A-Za-z0-9-_.`.
    InvalidService = 104,
    /// An unsigned-header name is not a valid header name, or the names do
    /// not fit in `SIGV4RS_MAX_UNSIGNED_HEADERS_LEN`.
    InvalidUnsignedHeader = 105,
    /// Method empty or not an HTTP token.
    InvalidMethod = 110,
    /// URL malformed: no `scheme://`, scheme not http/https/ws/wss, user
    /// info, or a control byte (CR, LF, NUL...).
    InvalidUrl = 111,
    /// Host or port malformed.
    InvalidHost = 112,
    /// No host in the URL, the request or a `Host` header.
    MissingHost = 113,
    /// Path with a control byte, `?` or `#`.
    InvalidPath = 114,
    /// Query with a control byte or `#`.
    InvalidQuery = 115,
    /// Presigning a URL whose query already has an `X-Amz-*` auth parameter.
    ReservedQueryParameter = 116,
    /// Header name empty or not an HTTP token (space, `:`, CR, LF, NUL...).
    InvalidHeaderName = 117,
    /// Header value with CR, LF, NUL or another control byte but tab.
    InvalidHeaderValue = 118,
    /// Precomputed payload hash that is not 64 hex digits.
    InvalidPayloadHash = 119,
    /// Signing time before 1970-01-01 or after 9999-12-31.
    InvalidTime = 120,
    /// Presign expiry not within 1 ..= `SIGV4RS_MAX_EXPIRES` seconds.
    InvalidExpires = 121,
    /// More than `SIGV4RS_MAX_HEADERS` headers.
    TooManyHeaders = 130,
    /// More than `SIGV4RS_MAX_QUERY_PARAMS` query parameters.
    TooManyQueryParameters = 131,
    /// URL, path or query longer than `SIGV4RS_MAX_URL_LEN`.
    InputTooLong = 132,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (or the region) are not
    /// set in the environment.
    MissingCredentials = 140,
    /// A streamed chunk is empty, is not the chunk size (only the last may be
    /// shorter), or goes beyond the declared length.
    InvalidChunkSize = 150,
    /// `sigv4rs_chunked_finish` before all declared bytes were signed.
    IncompletePayload = 151,
    /// A bug: the library panicked. The call had no effect.
    Panic = 900,
}

impl From<Error> for sigv4rs_status {
    fn from(e: Error) -> Self {
        use sigv4rs_status as S;
        match e {
            Error::BufferTooSmall(_) => S::BufferTooSmall,
            Error::InvalidArgument => S::InvalidArgument,
            Error::NotInitialized => S::NotInitialized,
            Error::InvalidAccessKeyId => S::InvalidAccessKeyId,
            Error::InvalidSecretKey => S::InvalidSecretKey,
            Error::InvalidSessionToken => S::InvalidSessionToken,
            Error::InvalidRegion => S::InvalidRegion,
            Error::InvalidService => S::InvalidService,
            Error::InvalidUnsignedHeader => S::InvalidUnsignedHeader,
            Error::InvalidMethod => S::InvalidMethod,
            Error::InvalidUrl => S::InvalidUrl,
            Error::InvalidHost => S::InvalidHost,
            Error::MissingHost => S::MissingHost,
            Error::InvalidPath => S::InvalidPath,
            Error::InvalidQuery => S::InvalidQuery,
            Error::ReservedQueryParameter => S::ReservedQueryParameter,
            Error::InvalidHeaderName => S::InvalidHeaderName,
            Error::InvalidHeaderValue => S::InvalidHeaderValue,
            Error::InvalidPayloadHash => S::InvalidPayloadHash,
            Error::InvalidTime => S::InvalidTime,
            Error::InvalidExpires => S::InvalidExpires,
            Error::TooManyHeaders => S::TooManyHeaders,
            Error::TooManyQueryParameters => S::TooManyQueryParameters,
            Error::InputTooLong => S::InputTooLong,
            Error::InvalidChunkSize => S::InvalidChunkSize,
            Error::IncompletePayload => S::IncompletePayload,
        }
    }
}

/// A static, NUL-terminated English message for a status code. Unknown codes
/// get "unknown status". Never fails, never allocates, thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_status_str(status: u32) -> *const c_char {
    let s: &'static core::ffi::CStr = match status {
        0 => c"ok",
        1 => c"null argument",
        2 => c"output buffer too small",
        3 => c"invalid argument",
        4 => c"not initialized",
        100 => c"invalid access key id",
        101 => c"invalid secret key",
        102 => c"invalid session token",
        103 => c"invalid region",
        104 => c"invalid service",
        105 => c"invalid unsigned header name",
        110 => c"invalid method",
        111 => c"invalid URL",
        112 => c"invalid host",
        113 => c"missing host",
        114 => c"invalid path",
        115 => c"invalid query",
        116 => c"reserved query parameter",
        117 => c"invalid header name",
        118 => c"invalid header value",
        119 => c"invalid payload hash",
        120 => c"invalid time",
        121 => c"invalid expiry",
        130 => c"too many headers",
        131 => c"too many query parameters",
        132 => c"input too long",
        140 => c"missing credentials",
        150 => c"invalid chunk size",
        151 => c"incomplete payload",
        900 => c"internal error (panic)",
        _ => c"unknown status",
    };
    s.as_ptr()
}
