//! Status codes. Numbers are fixed forever: a retired code is never reused.
//! Ranges: 1-99 misuse of the API, 100-199 invalid input, 200-299
//! verification, 900+ internal.

use core::ffi::c_char;

use crate::sign::Error;

/// Defines `sigv4rs_status` and its tables from one list: name, number,
/// message, documentation. The header's enum, `sigv4rs_status_str` and the
/// bindings' tables (`make header`) are all generated from it.
macro_rules! statuses {
    ($($(#[doc = $doc:literal])* $name:ident = $num:literal => $msg:literal,)*) => {
        /// Result of every fallible call. `SIGV4RS_STATUS_OK` is 0; see
        /// `sigv4rs_status_str` for a message.
        #[allow(non_camel_case_types)]
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum sigv4rs_status {
            $($(#[doc = $doc])* $name = $num,)*
        }

        impl sigv4rs_status {
            /// Every status, in number order.
            pub const ALL: &'static [sigv4rs_status] = &[$(sigv4rs_status::$name,)*];

            /// The status with this number, if any.
            pub const fn from_u32(n: u32) -> Option<Self> {
                match n {
                    $($num => Some(sigv4rs_status::$name),)*
                    _ => None,
                }
            }

            /// The static message `sigv4rs_status_str` returns.
            pub const fn message(self) -> &'static core::ffi::CStr {
                match self {
                    $(sigv4rs_status::$name => $msg,)*
                }
            }

            /// The variant's name (`InvalidHeaderValue`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(sigv4rs_status::$name => stringify!($name),)*
                }
            }

            /// Its documentation, one line per doc line.
            pub const fn doc(self) -> &'static [&'static str] {
                match self {
                    $(sigv4rs_status::$name => &[$($doc,)*],)*
                }
            }
        }
    };
}

// Numbers are fixed forever; ranges: 1-99 misuse of the API, 100-199
// invalid input, 200-299 verification, 900+ internal. Adding a status: a line here, then (for
// input errors) the core `Error` variant and its arm below; `make header`.
statuses! {
    /// Success.
    Ok = 0 => c"ok",
    /// A required pointer was NULL, or an input was `(NULL, n > 0)`.
    NullArgument = 1 => c"null argument",
    /// The output buffer is too small; `*out_len` holds the size needed and
    /// nothing was written.
    BufferTooSmall = 2 => c"output buffer too small",
    /// Unknown flag bits or payload mode, a misaligned storage pointer, an
    /// input length over `PTRDIFF_MAX`, text that must be UTF-8 without
    /// control bytes and is not (a chain's profile or region), or a pointer
    /// to another kind of object than the call takes (a chain, a
    /// transport's response).
    InvalidArgument = 3 => c"invalid argument",
    /// The signer (or hasher) was not initialized, or was deinitialized.
    NotInitialized = 4 => c"not initialized",
    /// Access key id empty, too long, or with space, `/`, `,` or a byte
    /// outside visible ASCII.
    InvalidAccessKeyId = 100 => c"invalid access key id",
    /// Secret key empty or longer than `SIGV4RS_MAX_SECRET_KEY_LEN`.
    InvalidSecretKey = 101 => c"invalid secret key",
    /// Session token too long or with a byte outside visible ASCII.
    InvalidSessionToken = 102 => c"invalid session token",
    /// Region empty, too long, or not `A-Za-z0-9-_.`.
    InvalidRegion = 103 => c"invalid region",
    /// Service empty, too long, or not `A-Za-z0-9-_.`.
    InvalidService = 104 => c"invalid service",
    /// An unsigned-header name is not a valid header name, or the names do
    /// not fit in `SIGV4RS_MAX_UNSIGNED_HEADERS_LEN`.
    InvalidUnsignedHeader = 105 => c"invalid unsigned header name",
    /// `SIGV4RS_FLAG_SIGV4A`: the region (a region set) is empty, longer
    /// than `SIGV4RS_MAX_REGION_LEN`, or not names of `A-Za-z0-9-_.*`
    /// separated by single commas.
    InvalidRegionSet = 106 => c"invalid region set",
    /// Method empty or not an HTTP token.
    InvalidMethod = 110 => c"invalid method",
    /// URL malformed: no `scheme://`, scheme not http/https/ws/wss, user
    /// info, or a control byte (CR, LF, NUL...).
    InvalidUrl = 111 => c"invalid URL",
    /// Host or port malformed.
    InvalidHost = 112 => c"invalid host",
    /// No host in the URL, the request or a `Host` header.
    MissingHost = 113 => c"missing host",
    /// Path with a control byte, `?` or `#`.
    InvalidPath = 114 => c"invalid path",
    /// Query with a control byte or `#`.
    InvalidQuery = 115 => c"invalid query",
    /// Presigning a URL whose query already has an `X-Amz-*` auth parameter.
    ReservedQueryParameter = 116 => c"reserved query parameter",
    /// Header name empty or not an HTTP token (space, `:`, CR, LF, NUL...).
    InvalidHeaderName = 117 => c"invalid header name",
    /// Header value with CR, LF, NUL or another control byte but tab.
    InvalidHeaderValue = 118 => c"invalid header value",
    /// Precomputed payload hash that is not 64 hex digits.
    InvalidPayloadHash = 119 => c"invalid payload hash",
    /// Signing time before 1970-01-01 or after 9999-12-31.
    InvalidTime = 120 => c"invalid time",
    /// Presign expiry not within 1 ..= `SIGV4RS_MAX_EXPIRES` seconds.
    InvalidExpires = 121 => c"invalid expiry",
    /// More than `SIGV4RS_MAX_HEADERS` headers.
    TooManyHeaders = 130 => c"too many headers",
    /// More than `SIGV4RS_MAX_QUERY_PARAMS` query parameters.
    TooManyQueryParameters = 131 => c"too many query parameters",
    /// URL, path or query longer than `SIGV4RS_MAX_URL_LEN`; a transport's
    /// response body over `SIGV4RS_MAX_HTTP_RESPONSE_LEN`.
    InputTooLong = 132 => c"input too long",
    /// No credentials: the signer has none yet (no provider, or its
    /// provider has not delivered), or, for `sigv4rs_signer_new_from_env`,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (or the region) are not
    /// set in the environment.
    MissingCredentials = 140 => c"missing credentials",
    /// The credentials expired at or before the signing time, and no
    /// provider or rotation replaced them; from `sigv4rs_chain_resolve`, a
    /// source gave credentials that have already expired.
    CredentialsExpired = 141 => c"credentials expired",
    /// Another rotation or provider call on this signer is under way;
    /// nothing changed. Retry. From `sigv4rs_chain_resolve`: called by the
    /// same chain's transport (calls on a chain run one at a time).
    Busy = 142 => c"busy",
    /// `sigv4rs_signer_rotate_json`: not a credentials document (not JSON,
    /// nested too deep, the key id or secret missing or empty, a field
    /// given twice or of the wrong type, an `Expiration` that is not an
    /// RFC 3339 instant, an instance metadata `Code` other than `Success`,
    /// a `Version` other than 1); `sigv4rs_signer_rotate_xml`: not a
    /// well-formed STS or CreateSession response with all four credential
    /// fields (or an error document).
    InvalidCredentialsDocument = 143 => c"invalid credentials document",
    /// A streamed chunk is empty, is not the chunk size (only the last may be
    /// shorter), or goes beyond the declared length.
    InvalidChunkSize = 150 => c"invalid chunk size",
    /// `sigv4rs_chunked_finish` before all declared bytes were signed;
    /// `sigv4rs_body_verifier_finish` before the body's end arrived.
    IncompletePayload = 151 => c"incomplete payload",
    /// `sigv4rs_chain_resolve`: no source of the chain had credentials
    /// (no variables, no keys or settings in the profile, no container
    /// endpoint, no instance metadata).
    CredentialsNotFound = 160 => c"credentials not found",
    /// `sigv4rs_chain_resolve`: a shared file, `credential_process` output,
    /// endpoint or STS answer that does not parse or lacks a field, or
    /// credentials the signer refuses.
    CredentialsMalformed = 161 => c"malformed credentials",
    /// `sigv4rs_chain_resolve`: fetching failed: a `credential_process`
    /// that exited non-zero or timed out, an endpoint or STS that could not
    /// be reached or answered an error (after retries).
    CredentialsFetchFailed = 162 => c"credentials fetch failed",
    /// `sigv4rs_chain_resolve`: an invalid or unsupported profile setting
    /// (a profile that does not exist, a role chain loop, an unknown
    /// `credential_source`, `mfa_serial`, an unreadable token file...).
    CredentialsConfig = 163 => c"invalid credentials configuration",
    /// `sigv4rs_chain_resolve`: the profile needs STS (`role_arn`, web
    /// identity) and the chain has no HTTPS transport.
    NoTransport = 164 => c"no HTTPS transport",
    /// `sigv4rs_verify`: neither an `Authorization` header nor presigned
    /// `X-Amz-*` query parameters.
    MissingAuthorization = 200 => c"missing authorization",
    /// `sigv4rs_verify`: two `Authorization` headers, or one and presigned
    /// `X-Amz-*` query parameters.
    AmbiguousAuthorization = 201 => c"ambiguous authorization",
    /// `sigv4rs_verify`: an algorithm other than `AWS4-HMAC-SHA256` (SigV2,
    /// SigV4a...).
    UnsupportedAlgorithm = 202 => c"unsupported algorithm",
    /// `sigv4rs_verify`: `Authorization` is not `AWS4-HMAC-SHA256
    /// Credential=.., SignedHeaders=.., Signature=..` (components separated
    /// by `,` with optional spaces, each exactly once, in any order; none
    /// empty or unknown).
    MalformedAuthorization = 203 => c"malformed authorization",
    /// `sigv4rs_verify`: the credential is not
    /// `<access key id>/<yyyymmdd>/<region>/<service>/aws4_request`.
    MalformedCredential = 204 => c"malformed credential",
    /// `sigv4rs_verify`: signed headers empty, not lower-case header names,
    /// or not strictly sorted (so also repeated).
    MalformedSignedHeaders = 205 => c"malformed signed headers",
    /// `sigv4rs_verify`: the signature is not 64 lower-case hex digits.
    MalformedSignature = 206 => c"malformed signature",
    /// `sigv4rs_verify`: a presigned query's `X-Amz-Algorithm`,
    /// `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
    /// `X-Amz-SignedHeaders` or `X-Amz-Signature` missing, one of them or
    /// `X-Amz-Security-Token` repeated, an empty token, or a bad `%` escape.
    MalformedQueryAuth = 207 => c"malformed query authorization",
    /// `sigv4rs_verify`: a header-form request without `X-Amz-Date` (the
    /// `Date` header is not accepted in its place).
    MissingDate = 208 => c"missing date",
    /// `sigv4rs_verify`: `X-Amz-Date` not a valid `YYYYMMDDTHHMMSSZ`, or
    /// given twice.
    MalformedDate = 209 => c"malformed date",
    /// `sigv4rs_verify`: the credential scope's date is not the day of
    /// `X-Amz-Date`.
    DateScopeMismatch = 210 => c"date not the scope's",
    /// `sigv4rs_verify`: the request time is more than the allowed skew
    /// from the server's (a presigned URL: dated in the future beyond it).
    ClockSkew = 211 => c"request time too skewed",
    /// `sigv4rs_verify`: a presigned URL past `X-Amz-Date` + `X-Amz-Expires`.
    RequestExpired = 212 => c"request expired",
    /// `sigv4rs_verify`: the scope's region is not the verifier's.
    WrongRegion = 213 => c"wrong region",
    /// `sigv4rs_verify`: the scope's service is not the verifier's.
    WrongService = 214 => c"wrong service",
    /// `sigv4rs_verify`: `host`, or (header form) an `x-amz-*` header the
    /// request carries, is not signed.
    UnsignedHeader = 215 => c"header not signed",
    /// `sigv4rs_verify`: a signed header is not in the request.
    SignedHeaderMissing = 216 => c"signed header missing",
    /// `sigv4rs_verify`: the canonical request needs the body's hash (no
    /// signed `x-amz-content-sha256`, not S3 presigned) and the payload
    /// mode is UNSIGNED (no body or hash given).
    PayloadRequired = 217 => c"payload required",
    /// `sigv4rs_verify`: `x-amz-content-sha256` is not the SHA-256 of the
    /// body (or hash) given.
    PayloadMismatch = 218 => c"payload hash mismatch",
    /// `sigv4rs_verify`: a signed `x-amz-content-sha256` that is not 64 hex
    /// digits, `UNSIGNED-PAYLOAD` or `STREAMING-*`, or repeated.
    InvalidContentSha256 = 219 => c"invalid x-amz-content-sha256",
    /// `sigv4rs_verify`: an aws-chunked body (`x-amz-content-sha256:
    /// STREAMING-*`) given to `sigv4rs_verify` (use
    /// `sigv4rs_body_verifier_begin`), or a streaming mode the body verifier
    /// does not check (SigV4a's).
    StreamingUnsupported = 220 => c"aws-chunked body: use the body verifier",
    /// `sigv4rs_verify`: the session token is missing, differs from the one
    /// the lookup returned, is repeated, or is given for a key that has
    /// none.
    TokenMismatch = 221 => c"session token mismatch",
    /// `sigv4rs_verify`: the lookup does not know the access key id (it
    /// returned this status). Also the status a lookup callback returns.
    UnknownAccessKey = 222 => c"unknown access key id",
    /// `sigv4rs_verify`: the lookup returned a status other than OK and
    /// UNKNOWN_ACCESS_KEY, or an empty or too long secret or token.
    LookupFailed = 223 => c"secret lookup failed",
    /// `sigv4rs_verify`: the signature is not the one computed for this
    /// request with the access key's secret.
    SignatureMismatch = 224 => c"signature mismatch",
    /// Body verifier: the aws-chunked framing is broken (a chunk size line,
    /// its `chunk-signature` extension, the CRLF after a chunk's data, or
    /// bytes after the end of the body).
    MalformedChunk = 225 => c"malformed aws-chunked framing",
    /// Body verifier: a signed aws-chunked chunk other than the last is
    /// under 8 KiB, which S3 refuses.
    ChunkTooSmall = 226 => c"chunk under 8 KiB before the last",
    /// Body verifier: a chunk's or the trailer's signature is not the one
    /// computed (data, order or signature changed).
    ChunkSignatureMismatch = 227 => c"chunk signature mismatch",
    /// `x-amz-trailer` missing, repeated or not a known checksum in a
    /// trailer mode, or present without one; or (body verifier) a trailer
    /// line other than that checksum and `x-amz-trailer-signature`,
    /// repeated, missing or out of order.
    MalformedTrailer = 228 => c"malformed trailer",
    /// Body verifier: the trailer's checksum is not the body's.
    ChecksumMismatch = 229 => c"checksum mismatch",
    /// `x-amz-decoded-content-length` missing, repeated or not a number in
    /// an aws-chunked request, or (body verifier) the chunks add up to
    /// another length.
    DecodedLengthMismatch = 230 => c"decoded content length mismatch",
    /// A bug: the library panicked. The call had no effect.
    Panic = 900 => c"internal error (panic)",
}

impl From<Error> for sigv4rs_status {
    fn from(e: Error) -> Self {
        use sigv4rs_status as S;
        match e {
            Error::BufferTooSmall(_) => S::BufferTooSmall,
            Error::InvalidArgument => S::InvalidArgument,
            Error::NoCredentials => S::MissingCredentials,
            Error::CredentialsExpired => S::CredentialsExpired,
            Error::Busy => S::Busy,
            Error::NotInitialized => S::NotInitialized,
            Error::InvalidAccessKeyId => S::InvalidAccessKeyId,
            Error::InvalidSecretKey => S::InvalidSecretKey,
            Error::InvalidSessionToken => S::InvalidSessionToken,
            Error::InvalidRegion => S::InvalidRegion,
            Error::InvalidService => S::InvalidService,
            Error::InvalidRegionSet => S::InvalidRegionSet,
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
    sigv4rs_status::from_u32(status)
        .map_or(c"unknown status", sigv4rs_status::message)
        .as_ptr()
}

/// What the library reads a C callback's `sigv4rs_status` return as. C may
/// return any number, which must not become an enum value, so: a `u32`.
/// Miri checks the ABI of its tests' Rust-to-Rust callback calls and does
/// not count a `#[repr(u32)]` enum and `u32` as compatible; there every
/// callback is Rust returning a real variant, so the declared type is read.
#[cfg(not(miri))]
pub(crate) type CallbackStatus = u32;
#[cfg(miri)]
pub(crate) type CallbackStatus = sigv4rs_status;

/// The number a callback returned.
#[cfg(not(miri))]
pub(crate) fn callback_code(st: CallbackStatus) -> u32 {
    st
}
#[cfg(miri)]
pub(crate) fn callback_code(st: CallbackStatus) -> u32 {
    st as u32
}
