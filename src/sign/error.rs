//! What can go wrong while configuring or signing. No variant carries input
//! bytes, so an error can never leak a secret.

/// A signing or configuration error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The output needs this many bytes.
    BufferTooSmall(usize),
    /// Unknown flag bits or payload mode.
    InvalidArgument,
    /// The signer was never configured, or was cleared.
    NotInitialized,
    /// Access key id empty, too long, or with a byte outside printable ASCII
    /// or one of space, `/`, `,`.
    InvalidAccessKeyId,
    /// Secret key empty or too long.
    InvalidSecretKey,
    /// Session token too long or with a byte outside visible ASCII.
    InvalidSessionToken,
    /// Region empty, too long, or not `A-Za-z0-9-_.`.
    InvalidRegion,
    /// Service empty, too long, or not `A-Za-z0-9-_.`.
    InvalidService,
    /// SigV4a region set empty, too long, or not a `,`-separated list of
    /// non-empty names of `A-Za-z0-9-_.*`.
    InvalidRegionSet,
    /// An unsigned-header name is not a header name, or the list is too long.
    InvalidUnsignedHeader,
    /// Method empty or not an HTTP token.
    InvalidMethod,
    /// URL not `scheme://authority[/path][?query][#fragment]` with a known
    /// scheme, or with user info or control bytes.
    InvalidUrl,
    /// Host or port malformed.
    InvalidHost,
    /// No host: neither in the URL, nor given, nor as a `Host` header.
    MissingHost,
    /// Path with a control byte, `?` or `#`.
    InvalidPath,
    /// Query with a control byte or `#`.
    InvalidQuery,
    /// A presigned request's query already holds an `X-Amz-*` auth parameter.
    ReservedQueryParameter,
    /// Header name empty or not an HTTP token.
    InvalidHeaderName,
    /// Header value with CR, LF, NUL or another control byte.
    InvalidHeaderValue,
    /// Precomputed payload hash that is not 64 hex digits.
    InvalidPayloadHash,
    /// Time before 1970 or after 9999.
    InvalidTime,
    /// Presign expiry outside 1 s ..= 7 days.
    InvalidExpires,
    /// More headers than `MAX_HEADERS`.
    TooManyHeaders,
    /// More query parameters than `MAX_QUERY_PARAMS`.
    TooManyQueryParameters,
    /// URL, path or query longer than `MAX_URL_LEN`.
    InputTooLong,
    /// A streamed chunk that is empty, or not the chunk size (only the last
    /// may be shorter), or beyond the declared length.
    InvalidChunkSize,
    /// Finishing a stream before all declared bytes were signed.
    IncompletePayload,
    /// The signer has no credentials (none configured, and none from its
    /// provider yet).
    NoCredentials,
    /// The credentials expired at or before the signing time (and no
    /// provider replaced them).
    CredentialsExpired,
    /// Another rotation or provider call is under way; nothing changed.
    Busy,
}
