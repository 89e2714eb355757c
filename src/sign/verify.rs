//! The verifier: a received request's `Authorization` header or presigned
//! query parsed strictly, its canonical request rebuilt by the signer's own
//! pipeline (plan -> canonical request -> the algorithm seam), the signature
//! recomputed with the secret a lookup returns, and compared in constant
//! time ([`ct_eq`], the one comparison of secret-dependent bytes). SigV4
//! only; aws-chunked bodies are refused (not verified yet).

use zeroize::Zeroize;

use super::algorithm::Algorithm;
use super::canonical::{canonical_request_hash, write_canonical_request};
use super::checksum::ChecksumKind;
use super::encode::{hex32, pct_decoded_at, unhex32};
use super::headers::{is_token, trim};
use super::key::derive;
use super::plan::{PayloadLine, Plan, UNSIGNED_PAYLOAD};
use super::query::SortedQuery;
use super::request::{Payload, Request};
use super::sha::{HmacKey, sha256};
use super::signer::{Creds, Flags, Signer, is_name_part};
use super::sink::{Counter, Sink, SliceWriter};
use super::stream::StreamMode;
use super::time::AmzDate;
use super::{
    Error, MAX_ACCESS_KEY_ID_LEN, MAX_EXPIRES, MAX_REGION_LEN, MAX_SECRET_KEY_LEN, MAX_SERVICE_LEN,
    MAX_SESSION_TOKEN_LEN,
};

/// Longest `SignedHeaders` list (the `;`-separated names).
#[cfg(not(sigv4rs_limits = "small"))]
pub const MAX_SIGNED_HEADERS_LEN: usize = 1024;
/// Longest `SignedHeaders` list (1024 in a default build).
#[cfg(sigv4rs_limits = "small")]
pub const MAX_SIGNED_HEADERS_LEN: usize = 512;

/// Default clock skew allowed, in seconds (15 minutes, as AWS).
pub const DEFAULT_MAX_SKEW: u32 = 900;

const ALGORITHM: &[u8] = b"AWS4-HMAC-SHA256";

/// Policy checks a verifier may turn off ([`VerifyConfig::skip`] bits).
/// Always checked: the syntax, `X-Amz-Date` on the scope's day, the expiry
/// bound (1 ..= 7 days), the session token, the signature.
pub struct Skip;

impl Skip {
    /// The request time within [`VerifyConfig::max_skew`] of now (header
    /// form; presigned: not signed in the future beyond it).
    pub const CLOCK_SKEW: u32 = 1;
    /// A presigned URL used after `X-Amz-Date` + `X-Amz-Expires`.
    pub const EXPIRY: u32 = 2;
    /// The scope's region equal to the configured one.
    pub const REGION: u32 = 4;
    /// The scope's service equal to the configured one.
    pub const SERVICE: u32 = 8;
    /// `host` (and, in the header form, every `x-amz-*` header present)
    /// among the signed headers.
    pub const UNSIGNED_HEADERS: u32 = 16;
    /// A signed `x-amz-content-sha256` equal to the SHA-256 of the body the
    /// caller passed.
    pub const PAYLOAD_HASH: u32 = 32;
    /// Every bit.
    pub const ALL: u32 = 63;
}

/// What a verifier expects.
#[derive(Clone, Copy, Debug)]
pub struct VerifyConfig<'a> {
    /// The region requests must be scoped to.
    pub region: &'a [u8],
    /// The service requests must be scoped to.
    pub service: &'a [u8],
    /// Canonicalization [`Flags`]: `S3`, `NO_PATH_NORMALIZATION`,
    /// `SINGLE_ENCODE_PATH`, `UNSIGNED_SESSION_TOKEN` (the token travels
    /// unsigned: not among the signed headers, not in the canonical query);
    /// others: `InvalidArgument`.
    pub flags: u32,
    /// [`Skip`] bits: policy checks turned off.
    pub skip: u32,
    /// Allowed clock skew in seconds; 0 for [`DEFAULT_MAX_SKEW`].
    pub max_skew: u32,
}

/// Why a request was not verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The request or configuration itself is invalid (method, header
    /// names or values, path, query, payload hash, time, flags; an
    /// `X-Amz-Expires` outside 1 ..= 7 days is `InvalidExpires`; a signed
    /// header list over [`MAX_SIGNED_HEADERS_LEN`] is `InputTooLong`).
    Request(Error),
    /// Neither an `Authorization` header nor `X-Amz-*` auth parameters.
    MissingAuthorization,
    /// Two `Authorization` headers, or one and `X-Amz-*` auth parameters.
    AmbiguousAuthorization,
    /// An algorithm other than `AWS4-HMAC-SHA256`.
    UnsupportedAlgorithm,
    /// `Authorization` not `AWS4-HMAC-SHA256 Credential=..,
    /// SignedHeaders=.., Signature=..` (a component missing, repeated,
    /// unknown or empty, a bad separator).
    MalformedAuthorization,
    /// Credential not `<akid>/<yyyymmdd>/<region>/<service>/aws4_request`.
    MalformedCredential,
    /// Signed headers empty, not lower-case tokens, unsorted or repeated.
    MalformedSignedHeaders,
    /// Signature not 64 lower-case hex digits.
    MalformedSignature,
    /// A presigned query's auth parameter missing, repeated or badly
    /// percent-encoded.
    MalformedQueryAuth,
    /// No `X-Amz-Date` (header form).
    MissingDate,
    /// `X-Amz-Date` not `YYYYMMDDTHHMMSSZ`, or repeated.
    MalformedDate,
    /// The scope's date is not `X-Amz-Date`'s day.
    DateScopeMismatch,
    /// The request time is further from now than the allowed skew.
    ClockSkew,
    /// The presigned URL has expired.
    RequestExpired,
    /// The scope's region is not the configured one.
    WrongRegion,
    /// The scope's service is not the configured one.
    WrongService,
    /// `host` or an `x-amz-*` header present is not signed.
    UnsignedHeader,
    /// A signed header is not in the request.
    SignedHeaderMissing,
    /// The payload hash is needed and the caller gave neither the body nor
    /// its hash.
    PayloadRequired,
    /// `x-amz-content-sha256` differs from the body's SHA-256.
    PayloadMismatch,
    /// `x-amz-content-sha256` neither 64 hex digits nor `UNSIGNED-PAYLOAD`
    /// (nor `STREAMING-*`), or repeated.
    InvalidContentSha256,
    /// An aws-chunked (`STREAMING-*`) body given to [`verify`] (the body
    /// verifier takes them), or a streaming mode it does not verify (SigV4a).
    StreamingUnsupported,
    /// The session token missing, different, or given when the access key
    /// has none.
    TokenMismatch,
    /// The lookup does not know the access key id.
    UnknownAccessKey,
    /// The lookup failed, or returned an empty or too long secret.
    LookupFailed,
    /// The signature is not the one computed.
    SignatureMismatch,
    /// The body to come cannot be verified as its headers announce it
    /// (aws-chunked without a decoded length, a bad `x-amz-trailer`).
    Body(BodyError),
}

impl From<Error> for VerifyError {
    fn from(e: Error) -> Self {
        VerifyError::Request(e)
    }
}

/// Why a body was not verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum BodyError {
    /// No verified request started this state, or it is spent.
    NotInitialized = 1,
    /// aws-chunked framing broken: a chunk size line, its extension, the
    /// CRLF after the data, or bytes after the end.
    MalformedChunk,
    /// A chunk other than the last is under 8 KiB (signed modes).
    ChunkTooSmall,
    /// A chunk's or the trailer's signature is not the one computed.
    ChunkSignatureMismatch,
    /// `x-amz-trailer` missing, unknown or repeated (trailer modes) or
    /// present without one; a trailer line other than the announced
    /// checksum and the trailer signature, repeated, missing or out of order.
    MalformedTrailer,
    /// The trailer checksum is not the body's.
    ChecksumMismatch,
    /// `x-amz-decoded-content-length` missing or not a number, or the
    /// chunks add up to another length.
    DecodedLengthMismatch,
    /// The body ended before its last chunk (or trailer).
    Incomplete,
    /// The body's SHA-256 is not `x-amz-content-sha256`.
    PayloadMismatch,
}

/// What the body of a verified request must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyPlan {
    /// Not covered by the signature (`UNSIGNED-PAYLOAD`): passed through.
    Pass,
    /// Its SHA-256 must be this.
    Hash([u8; 32]),
    /// aws-chunked.
    Chunked {
        mode: StreamMode,
        checksum: Option<ChecksumKind>,
        decoded_len: u64,
    },
}

/// A lookup's failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupError {
    /// No such access key id.
    UnknownKey,
    /// Anything else (the store is down...).
    Failed,
}

/// Which form a request was signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Form {
    /// Not determined (no authorization found).
    #[default]
    None = 0,
    /// `Authorization` header.
    Header = 1,
    /// Presigned query.
    Query = 2,
}

/// What a verification found, filled as far as parsing got (so a server
/// can log who a rejected request claimed to be). Never the secret.
#[derive(Clone)]
pub struct VerifyInfo {
    /// The form.
    pub form: Form,
    akid: [u8; MAX_ACCESS_KEY_ID_LEN],
    akid_len: usize,
    region: [u8; MAX_REGION_LEN],
    region_len: usize,
    service: [u8; MAX_SERVICE_LEN],
    service_len: usize,
    signed: [u8; MAX_SIGNED_HEADERS_LEN],
    signed_len: usize,
    /// `X-Amz-Date` as Unix seconds (0 until parsed).
    pub signed_at: i64,
    /// `X-Amz-Expires` of a presigned request (0 otherwise).
    pub expires: u32,
    /// The canonical request's size with its NUL, once computed (0 before).
    pub canonical_request_len: usize,
}

impl Default for VerifyInfo {
    fn default() -> Self {
        VerifyInfo {
            form: Form::None,
            akid: [0; MAX_ACCESS_KEY_ID_LEN],
            akid_len: 0,
            region: [0; MAX_REGION_LEN],
            region_len: 0,
            service: [0; MAX_SERVICE_LEN],
            service_len: 0,
            signed: [0; MAX_SIGNED_HEADERS_LEN],
            signed_len: 0,
            signed_at: 0,
            expires: 0,
            canonical_request_len: 0,
        }
    }
}

impl VerifyInfo {
    /// The access key id of the credential scope.
    pub fn access_key_id(&self) -> &[u8] {
        &self.akid[..self.akid_len]
    }
    /// The scope's region.
    pub fn region(&self) -> &[u8] {
        &self.region[..self.region_len]
    }
    /// The scope's service.
    pub fn service(&self) -> &[u8] {
        &self.service[..self.service_len]
    }
    /// The signed header names, `;`-separated (decoded in the query form).
    pub fn signed_headers(&self) -> &[u8] {
        &self.signed[..self.signed_len]
    }
}

/// Compares two byte strings in time that depends on their lengths only
/// (which are public): every byte is read, differences are OR-ed together,
/// with no branch on them and no early exit. The verifier's only comparison
/// of signatures and session tokens.
#[inline(never)]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut acc = 0u8;
    for (x, y) in a.iter().zip(b) {
        acc |= core::hint::black_box(x ^ y);
    }
    core::hint::black_box(acc) == 0
}

/// The verifier's algorithm at the seam: SigV4 over the received scope,
/// keyed with the day key derived from the looked-up secret.
struct Received<'a> {
    date: AmzDate,
    region: &'a [u8],
    service: &'a [u8],
    key: HmacKey,
}

impl Algorithm for Received<'_> {
    type Signature = [u8; 64];

    fn from_hex(hex: [u8; 64]) -> [u8; 64] {
        hex
    }

    fn hex_of(digits: &[u8; 64]) -> &[u8; 64] {
        digits
    }

    fn name(&self) -> &'static [u8] {
        ALGORITHM
    }

    fn date(&self) -> &AmzDate {
        &self.date
    }

    fn write_scope(&self, s: &mut dyn Sink, sep: &[u8]) {
        s.put(self.date.date());
        s.put(sep);
        s.put(self.region);
        s.put(sep);
        s.put(self.service);
        s.put(sep);
        s.put(b"aws4_request");
    }

    fn sign(&self, creq_hex: &[u8; 64]) -> [u8; 64] {
        let mut mac = self.key.start();
        self.write_string_to_sign(&mut mac, creq_hex);
        hex32(&mac.finish())
    }

    fn placeholder(&self) -> &[u8; 64] {
        &[b'0'; 64]
    }
}

// A received plan reads its rules from the verifier's flags and never the
// signer's credentials (no auth parameters are added): these stand in.
static NO_SIGNER: Signer = Signer::empty();
static NO_CREDS: Creds = Creds::empty();

/// The parsed authorization.
struct Parsed {
    signature: [u8; 64],
    date: AmzDate,
}

/// Percent-decodes a query value (`+` is a space) into `out`; `None` when
/// it does not fit or a `%` is not followed by two hex digits.
fn decode_into(raw: &[u8], out: &mut [u8]) -> Option<usize> {
    let (mut i, mut n) = (0, 0);
    while i < raw.len() {
        let b = match raw[i] {
            b'%' => {
                let d = pct_decoded_at(raw, i)?;
                i += 3;
                d
            }
            b'+' => {
                i += 1;
                b' '
            }
            b => {
                i += 1;
                b
            }
        };
        *out.get_mut(n)? = b;
        n += 1;
    }
    Some(n)
}

fn copy_to(dst: &mut [u8], src: &[u8]) -> Option<usize> {
    dst.get_mut(..src.len())?.copy_from_slice(src);
    Some(src.len())
}

/// `<akid>/<yyyymmdd>/<region>/<service>/aws4_request` into `info`; the
/// scope date returned.
fn parse_credential(c: &[u8], info: &mut VerifyInfo) -> Result<[u8; 8], VerifyError> {
    let bad = VerifyError::MalformedCredential;
    let mut parts = c.split(|&b| b == b'/');
    let (Some(akid), Some(day), Some(region), Some(service), Some(term), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad);
    };
    let akid_ok = |b: &u8| (0x21..0x7f).contains(b) && *b != b',';
    if akid.is_empty() || !akid.iter().all(akid_ok) || term != b"aws4_request" {
        return Err(bad);
    }
    if day.len() != 8 || !day.iter().all(u8::is_ascii_digit) {
        return Err(bad);
    }
    if !is_name_part(region, MAX_REGION_LEN) || !is_name_part(service, MAX_SERVICE_LEN) {
        return Err(bad);
    }
    info.akid_len = copy_to(&mut info.akid, akid).ok_or(bad)?;
    info.region_len = copy_to(&mut info.region, region).ok_or(bad)?;
    info.service_len = copy_to(&mut info.service, service).ok_or(bad)?;
    let mut d = [0u8; 8];
    d.copy_from_slice(day);
    Ok(d)
}

/// A signed header list (already in `info`): lower-case tokens, strictly
/// ascending, at least one.
fn check_signed_headers(info: &VerifyInfo) -> Result<(), VerifyError> {
    let mut prev: Option<&[u8]> = None;
    for name in info.signed_headers().split(|&b| b == b';') {
        if !is_token(name) || name.iter().any(u8::is_ascii_uppercase) || prev.is_some_and(|p| p >= name) {
            return Err(VerifyError::MalformedSignedHeaders);
        }
        prev = Some(name);
    }
    Ok(())
}

fn parse_signature(s: &[u8]) -> Result<[u8; 64], VerifyError> {
    let ok = s.len() == 64 && s.iter().all(|&b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let mut out = [0u8; 64];
    if !ok {
        return Err(VerifyError::MalformedSignature);
    }
    out.copy_from_slice(s);
    Ok(out)
}

/// `YYYYMMDDTHHMMSSZ` to an instant: digits read loosely, then formatted
/// back and compared (so month 13 or 25:00 fail).
pub(crate) fn parse_amz_date(s: &[u8]) -> Option<(i64, AmzDate)> {
    if s.len() != 16 || s[8] != b'T' || s[15] != b'Z' {
        return None;
    }
    let num = |r: core::ops::Range<usize>| {
        s[r].iter()
            .try_fold(0i64, |a, &c| c.is_ascii_digit().then(|| a * 10 + i64::from(c - b'0')))
    };
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || y < 1970 {
        return None;
    }
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let t = days * 86_400 + hh * 3600 + mm * 60 + ss;
    let back = AmzDate::from_unix(t).ok()?;
    (back.full[..] == *s).then_some((t, back))
}

fn header_form(req: &Request<'_>, value: &[u8], info: &mut VerifyInfo) -> Result<Parsed, VerifyError> {
    let bad = VerifyError::MalformedAuthorization;
    let value = trim(value);
    let sp = value.iter().position(|&b| b == b' ').ok_or(bad)?;
    let (alg, rest) = value.split_at(sp);
    if alg != ALGORITHM {
        return Err(if alg.is_empty() {
            bad
        } else {
            VerifyError::UnsupportedAlgorithm
        });
    }
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(|&b| b == b',') {
        let part = trim(part);
        let eq = part.iter().position(|&b| b == b'=').ok_or(bad)?;
        let (k, v) = (&part[..eq], &part[eq + 1..]);
        let slot = match k {
            b"Credential" => &mut cred,
            b"SignedHeaders" => &mut signed,
            b"Signature" => &mut sig,
            _ => return Err(bad),
        };
        if slot.is_some() || v.is_empty() {
            return Err(bad);
        }
        *slot = Some(v);
    }
    let (Some(cred), Some(signed), Some(sig)) = (cred, signed, sig) else {
        return Err(bad);
    };
    let day = parse_credential(cred, info)?;
    info.signed_len = copy_to(&mut info.signed, signed).ok_or(VerifyError::Request(Error::InputTooLong))?;
    check_signed_headers(info)?;
    let signature = parse_signature(sig)?;
    let mut date = None;
    for i in 0..req.headers.count() {
        let (n, v) = req.headers.header(i);
        if n.eq_ignore_ascii_case(b"x-amz-date") {
            if date.is_some() {
                return Err(VerifyError::MalformedDate);
            }
            date = Some(trim(v));
        }
    }
    let (t, date) = parse_amz_date(date.ok_or(VerifyError::MissingDate)?).ok_or(VerifyError::MalformedDate)?;
    if date.date() != day {
        return Err(VerifyError::DateScopeMismatch);
    }
    info.signed_at = t;
    Ok(Parsed { signature, date })
}

/// The presigning parameters the verifier reads, by index.
const Q_NAMES: [&[u8]; 7] = [
    b"X-Amz-Algorithm",
    b"X-Amz-Credential",
    b"X-Amz-Date",
    b"X-Amz-Expires",
    b"X-Amz-SignedHeaders",
    b"X-Amz-Signature",
    b"X-Amz-Security-Token",
];

fn query_params(query: &[u8]) -> Result<[Option<&[u8]>; 7], VerifyError> {
    let mut found = [None; 7];
    for piece in query.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match piece.iter().position(|&b| b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &piece[piece.len()..]),
        };
        let key_is = |n: &[u8]| super::encode::Reencoded::new(k).eq(n.iter().copied());
        if let Some(i) = Q_NAMES.iter().position(|n| key_is(n)) {
            if found[i].is_some() {
                return Err(VerifyError::MalformedQueryAuth);
            }
            found[i] = Some(v);
        }
    }
    Ok(found)
}

fn query_form(
    q: &[Option<&[u8]>; 7],
    token: &mut [u8],
    token_len: &mut usize,
    info: &mut VerifyInfo,
) -> Result<Parsed, VerifyError> {
    let bad = VerifyError::MalformedQueryAuth;
    let need = |i: usize| q[i].ok_or(bad);
    let mut buf = [0u8; MAX_ACCESS_KEY_ID_LEN + MAX_REGION_LEN + MAX_SERVICE_LEN + 32];
    let n = decode_into(need(0)?, &mut buf).ok_or(bad)?;
    if &buf[..n] != ALGORITHM {
        return Err(VerifyError::UnsupportedAlgorithm);
    }
    let cred = need(1)?;
    let n = decode_into(cred, &mut buf).ok_or(VerifyError::MalformedCredential)?;
    let day = parse_credential(&buf[..n], info)?;
    let signed = need(4)?;
    let n = decode_into(signed, &mut info.signed).ok_or(VerifyError::Request(Error::InputTooLong))?;
    info.signed_len = n;
    check_signed_headers(info)?;
    let n = decode_into(need(5)?, &mut buf).ok_or(VerifyError::MalformedSignature)?;
    let signature = parse_signature(&buf[..n])?;
    let n = decode_into(need(2)?, &mut buf).ok_or(VerifyError::MalformedDate)?;
    let (t, date) = parse_amz_date(&buf[..n]).ok_or(VerifyError::MalformedDate)?;
    if date.date() != day {
        return Err(VerifyError::DateScopeMismatch);
    }
    info.signed_at = t;
    let e = need(3)?;
    let expires = if !e.is_empty() && e.len() <= 7 && e.iter().all(u8::is_ascii_digit) {
        e.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
    } else {
        0
    };
    if !(1..=MAX_EXPIRES).contains(&expires) {
        return Err(Error::InvalidExpires.into());
    }
    info.expires = expires;
    if let Some(t) = q[6] {
        *token_len = decode_into(t, token).ok_or(bad)?;
        if *token_len == 0 {
            return Err(bad);
        }
    }
    Ok(Parsed { signature, date })
}

/// The payload line of a received request: a signed `x-amz-content-sha256`
/// header's value; else `UNSIGNED-PAYLOAD` for S3 presigned; else the body's
/// hash (given as bytes or as 64 hex digits). With `streamed`, the body is
/// still to come (the request's payload is not read): also what it must be.
fn payload_line<'a>(
    req: &Request<'a>,
    info: &VerifyInfo,
    presigned: bool,
    cfg: &VerifyConfig<'_>,
    streamed: bool,
) -> Result<(PayloadLine<'a>, BodyPlan), VerifyError> {
    let name = b"x-amz-content-sha256";
    let signed = info.signed_headers().split(|&b| b == b';').any(|n| n == name);
    let header = if signed {
        single(req, name).map_err(|_| VerifyError::InvalidContentSha256)?
    } else {
        None
    };
    let body = match req.payload {
        _ if streamed => None,
        Payload::Auto(b) | Payload::Bytes(b) => Some(sha256(b)),
        Payload::Sha256Hex(h) => Some(unhex32(h).ok_or(Error::InvalidPayloadHash)?),
        Payload::Unsigned => None,
    };
    let skip_hash = cfg.skip & Skip::PAYLOAD_HASH != 0;
    match header {
        Some(v) if v.starts_with(b"STREAMING-") => {
            if !streamed {
                return Err(VerifyError::StreamingUnsupported);
            }
            let mode = [
                StreamMode::Signed,
                StreamMode::SignedTrailer,
                StreamMode::UnsignedTrailer,
            ]
            .into_iter()
            .find(|m| m.payload_line() == v)
            .ok_or(VerifyError::StreamingUnsupported)?;
            Ok((PayloadLine::Text(v), chunked_plan(req, mode)?))
        }
        Some(v) if v == UNSIGNED_PAYLOAD => Ok((PayloadLine::Text(v), BodyPlan::Pass)),
        Some(v) => {
            let h = unhex32(v).ok_or(VerifyError::InvalidContentSha256)?;
            match body {
                Some(b) if !skip_hash && b != h => Err(VerifyError::PayloadMismatch),
                _ if streamed && !skip_hash => Ok((PayloadLine::Text(v), BodyPlan::Hash(h))),
                _ => Ok((PayloadLine::Text(v), BodyPlan::Pass)),
            }
        }
        None if presigned && cfg.flags & Flags::S3 != 0 => Ok((PayloadLine::Text(UNSIGNED_PAYLOAD), BodyPlan::Pass)),
        None => body
            .map(|h| (PayloadLine::Hash(h), BodyPlan::Pass))
            .ok_or(VerifyError::PayloadRequired),
    }
}

/// The one value of header `name`, trimmed; `Err` when repeated.
fn single<'a>(req: &Request<'a>, name: &[u8]) -> Result<Option<&'a [u8]>, ()> {
    let mut found = None;
    for i in 0..req.headers.count() {
        let (n, v) = req.headers.header(i);
        if n.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(());
            }
            found = Some(trim(v));
        }
    }
    Ok(found)
}

/// What an aws-chunked body must be: `x-amz-decoded-content-length` bytes,
/// with the checksum `x-amz-trailer` names in the trailer modes.
fn chunked_plan(req: &Request<'_>, mode: StreamMode) -> Result<BodyPlan, VerifyError> {
    let len = VerifyError::Body(BodyError::DecodedLengthMismatch);
    let d = single(req, b"x-amz-decoded-content-length")
        .map_err(|_| len)?
        .ok_or(len)?;
    if d.is_empty() || d.len() > 19 || !d.iter().all(u8::is_ascii_digit) {
        return Err(len);
    }
    let decoded_len = d.iter().fold(0u64, |a, &c| a * 10 + u64::from(c - b'0'));
    let bad = VerifyError::Body(BodyError::MalformedTrailer);
    let trailer = single(req, b"x-amz-trailer").map_err(|_| bad)?;
    let checksum = match (mode, trailer) {
        (StreamMode::Signed, None) => None,
        (StreamMode::Signed, Some(_)) | (_, None) => return Err(bad),
        (_, Some(t)) => Some(ChecksumKind::of_header_name(t).ok_or(bad)?),
    };
    Ok(BodyPlan::Chunked {
        mode,
        checksum,
        decoded_len,
    })
}

/// Checks the configuration.
fn check_config(cfg: &VerifyConfig<'_>) -> Result<(), Error> {
    let known = Flags::S3 | Flags::NO_PATH_NORMALIZATION | Flags::SINGLE_ENCODE_PATH | Flags::UNSIGNED_SESSION_TOKEN;
    if cfg.flags & !known != 0 || cfg.skip & !Skip::ALL != 0 {
        return Err(Error::InvalidArgument);
    }
    if !is_name_part(cfg.region, MAX_REGION_LEN) {
        return Err(Error::InvalidRegion);
    }
    if !is_name_part(cfg.service, MAX_SERVICE_LEN) {
        return Err(Error::InvalidService);
    }
    Ok(())
}

/// The secret lookup: given the access key id, writes the secret into the
/// first buffer and a session token the request must carry (if any) into
/// the second, and returns their lengths. Both buffers are zeroed after.
pub type Lookup<'l> = dyn FnMut(&[u8], &mut [u8], &mut [u8]) -> Result<(usize, usize), LookupError> + 'l;

/// Verifies `req` at `now` (Unix seconds): `Ok` only when it is signed by
/// the holder of the secret `lookup` returns for its access key id and
/// passes every policy check `cfg` does not skip. `info` receives what was
/// parsed; `creq`, when the canonical request was computed and fits with a
/// NUL, receives it (`info.canonical_request_len` is its size either way).
/// An aws-chunked request is refused (`StreamingUnsupported`): the body
/// verifier takes those.
pub fn verify(
    cfg: &VerifyConfig<'_>,
    req: &Request<'_>,
    now: i64,
    lookup: &mut Lookup<'_>,
    info: &mut VerifyInfo,
    creq: &mut [u8],
) -> Result<(), VerifyError> {
    verify_with(cfg, req, now, lookup, info, creq, None)
}

/// Called once a request whose body is still to come verified: what the
/// body must be, the signing key, the request's signature (the seed of a
/// chunk chain), its date, region and service.
pub(crate) type Start<'s> = dyn FnMut(BodyPlan, &HmacKey, &[u8; 64], &AmzDate, &[u8], &[u8]) + 's;

/// [`verify`]; with `start`, the request's payload is not read and `start`
/// is called on success with what the body must be.
pub(crate) fn verify_with(
    cfg: &VerifyConfig<'_>,
    req: &Request<'_>,
    now: i64,
    lookup: &mut Lookup<'_>,
    info: &mut VerifyInfo,
    creq: &mut [u8],
    start: Option<&mut Start<'_>>,
) -> Result<(), VerifyError> {
    *info = VerifyInfo::default();
    check_config(cfg)?;
    AmzDate::from_unix(now)?;
    let mut auth = None;
    for i in 0..req.headers.count() {
        let (n, v) = req.headers.header(i);
        if n.eq_ignore_ascii_case(b"authorization") {
            if auth.is_some() {
                return Err(VerifyError::AmbiguousAuthorization);
            }
            auth = Some(v);
        }
    }
    let q = query_params(req.target.query)?;
    let presigned = q[0].is_some() || q[1].is_some() || q[5].is_some();
    let mut token = [0u8; MAX_SESSION_TOKEN_LEN];
    let mut token_len = 0;
    // A closure, so that a parse error still wipes what was copied.
    let parsed = (|| match auth {
        Some(_) if presigned => Err(VerifyError::AmbiguousAuthorization),
        Some(v) => {
            info.form = Form::Header;
            let p = header_form(req, v, info)?;
            let mut tok = None;
            for i in 0..req.headers.count() {
                let (n, v) = req.headers.header(i);
                if n.eq_ignore_ascii_case(b"x-amz-security-token") {
                    if tok.is_some() {
                        return Err(VerifyError::TokenMismatch);
                    }
                    tok = Some(trim(v));
                }
            }
            if let Some(t) = tok {
                token_len = copy_to(&mut token, t).ok_or(VerifyError::TokenMismatch)?;
            }
            Ok(p)
        }
        None if presigned => {
            info.form = Form::Query;
            query_form(&q, &mut token, &mut token_len, info)
        }
        None => Err(VerifyError::MissingAuthorization),
    })();
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            token.zeroize();
            return Err(e);
        }
    };
    let r = check_and_compare(
        cfg,
        req,
        now,
        lookup,
        info,
        creq,
        &parsed,
        &token[..token_len],
        presigned,
        start,
    );
    // Only the token's bytes were written (a whole-buffer volatile wipe
    // cost more than the verification).
    token[..token_len].zeroize();
    r
}

#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn check_and_compare(
    cfg: &VerifyConfig<'_>,
    req: &Request<'_>,
    now: i64,
    lookup: &mut Lookup<'_>,
    info: &mut VerifyInfo,
    creq: &mut [u8],
    parsed: &Parsed,
    sent_token: &[u8],
    presigned: bool,
    start: Option<&mut Start<'_>>,
) -> Result<(), VerifyError> {
    let skip = |bit: u32| cfg.skip & bit != 0;
    let unsigned_token = cfg.flags & Flags::UNSIGNED_SESSION_TOKEN != 0;
    if !skip(Skip::REGION) && info.region() != cfg.region {
        return Err(VerifyError::WrongRegion);
    }
    if !skip(Skip::SERVICE) && info.service() != cfg.service {
        return Err(VerifyError::WrongService);
    }
    let skew = i64::from(if cfg.max_skew == 0 {
        DEFAULT_MAX_SKEW
    } else {
        cfg.max_skew
    });
    let t = info.signed_at;
    if !skip(Skip::CLOCK_SKEW) && (t > now.saturating_add(skew) || (!presigned && t < now.saturating_sub(skew))) {
        return Err(VerifyError::ClockSkew);
    }
    if presigned && !skip(Skip::EXPIRY) && now > t + i64::from(info.expires) {
        return Err(VerifyError::RequestExpired);
    }
    if !skip(Skip::UNSIGNED_HEADERS) {
        let signed = |n: &[u8]| {
            info.signed_headers()
                .split(|&b| b == b';')
                .any(|s| s.eq_ignore_ascii_case(n))
        };
        if !signed(b"host") {
            return Err(VerifyError::UnsignedHeader);
        }
        for i in 0..req.headers.count() {
            let n = req.headers.header(i).0;
            let amz = n.len() >= 6 && n[..6].eq_ignore_ascii_case(b"x-amz-");
            let token = unsigned_token && n.eq_ignore_ascii_case(b"x-amz-security-token");
            if !presigned && amz && !token && !signed(n) {
                return Err(VerifyError::UnsignedHeader);
            }
        }
    }
    let mut plan = Plan::new(&NO_SIGNER, &NO_CREDS, req);
    plan.flags = cfg.flags;
    plan.query = SortedQuery::empty();
    let skip_params: &[&[u8]] = match (presigned, unsigned_token) {
        (false, _) => &[],
        (true, false) => &[b"X-Amz-Signature"],
        (true, true) => &[b"X-Amz-Signature", b"X-Amz-Security-Token"],
    };
    if !plan.prepare_received(info.signed_headers(), skip_params)? {
        return Err(VerifyError::SignedHeaderMissing);
    }
    let (line, body) = payload_line(req, info, presigned, cfg, start.is_some())?;
    plan.payload = line;

    // The secret, "AWS4"-prefixed as the derivation wants it.
    let mut secret = [0u8; 4 + MAX_SECRET_KEY_LEN];
    let mut token = [0u8; MAX_SESSION_TOKEN_LEN];
    secret[..4].copy_from_slice(b"AWS4");
    let found = lookup(info.access_key_id(), &mut secret[4..], &mut token);
    let mut creq_len = 0;
    // What the lookup wrote: its reported lengths on success, else anything.
    let wipe = match found {
        Ok((_, k)) if k <= MAX_SESSION_TOKEN_LEN => k,
        _ => MAX_SESSION_TOKEN_LEN,
    };
    let r = match found {
        Err(LookupError::UnknownKey) => Err(VerifyError::UnknownAccessKey),
        Err(LookupError::Failed) => Err(VerifyError::LookupFailed),
        Ok((s, k)) if s == 0 || s > MAX_SECRET_KEY_LEN || k > MAX_SESSION_TOKEN_LEN => Err(VerifyError::LookupFailed),
        Ok((s, k)) => {
            let key = derive(&secret[..4 + s], parsed.date.date(), info.region(), info.service());
            // The token is compared after the signature is computed, so
            // both always cost the same.
            let token_ok = ct_eq(sent_token, &token[..k]);
            let alg = Received {
                date: parsed.date,
                region: info.region(),
                service: info.service(),
                key,
            };
            let computed = alg.sign(&hex32(&canonical_request_hash(&plan, &alg)));
            let mut c = Counter(0);
            write_canonical_request(&plan, &alg, &mut c);
            let len = c.0.saturating_add(1);
            if creq.len() >= len {
                let mut w = SliceWriter::new(creq);
                write_canonical_request(&plan, &alg, &mut w);
                w.put(b"\0");
            }
            creq_len = len;
            let sig_ok = ct_eq(&computed, &parsed.signature);
            if !token_ok {
                Err(VerifyError::TokenMismatch)
            } else if !sig_ok {
                Err(VerifyError::SignatureMismatch)
            } else {
                if let Some(start) = start {
                    start(
                        body,
                        &alg.key,
                        &parsed.signature,
                        &parsed.date,
                        info.region(),
                        info.service(),
                    );
                }
                Ok(())
            }
        }
    };
    secret.zeroize();
    token[..wipe].zeroize();
    info.canonical_request_len = creq_len;
    r
}
