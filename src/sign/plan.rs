//! The plan: everything decided about one request before any text is
//! written. Inputs are validated here once; the canonical request and the
//! outputs only read the plan.

use core::cmp::Ordering;

use super::encode::unhex32;
use super::headers::{cmp_names, is_field_value, is_token, trim};
use super::query::{AUTH_REGION_SET, AUTH_S3_TOKEN, AUTH_TOKEN, SortedQuery};
use super::request::{Mode, Payload, Request};
use super::sha::{EMPTY_SHA256, sha256};
use super::signer::{Creds, Flags, Signer, s3express};
use super::sink::Sink;
use super::stream::Streaming;
use super::time::AmzDate;
use super::url::signed_host;
use super::{Error, MAX_EXPIRES, MAX_HEADERS};

pub(crate) const UNSIGNED_PAYLOAD: &[u8] = b"UNSIGNED-PAYLOAD";

/// A header the signer adds to the canonical headers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum Added {
    Host,
    Date,
    ContentSha256,
    Token,
    /// The four headers of an aws-chunked seed request.
    ContentEncoding,
    ContentLength,
    DecodedLength,
    Trailer,
    /// S3 Express's session token header (in place of [`Added::Token`]);
    /// absent without the feature, so that firmware plans stay as small.
    #[cfg(feature = "s3express")]
    S3SessionToken,
    /// SigV4a's `x-amz-region-set` (header mode).
    #[cfg(feature = "sigv4a")]
    RegionSet,
}

/// Every [`Added`], in declaration order (an entry packs the discriminant).
const ADDED: [Added; 8 + cfg!(feature = "s3express") as usize + cfg!(feature = "sigv4a") as usize] = [
    Added::Host,
    Added::Date,
    Added::ContentSha256,
    Added::Token,
    Added::ContentEncoding,
    Added::ContentLength,
    Added::DecodedLength,
    Added::Trailer,
    #[cfg(feature = "s3express")]
    Added::S3SessionToken,
    #[cfg(feature = "sigv4a")]
    Added::RegionSet,
];

impl Added {
    /// The canonical (lower-case) name.
    pub(crate) fn name(self) -> &'static [u8] {
        match self {
            Added::Host => b"host",
            Added::Date => b"x-amz-date",
            Added::ContentSha256 => b"x-amz-content-sha256",
            Added::Token => b"x-amz-security-token",
            Added::ContentEncoding => b"content-encoding",
            Added::ContentLength => b"content-length",
            Added::DecodedLength => b"x-amz-decoded-content-length",
            Added::Trailer => b"x-amz-trailer",
            #[cfg(feature = "s3express")]
            Added::S3SessionToken => b"x-amz-s3session-token",
            #[cfg(feature = "sigv4a")]
            Added::RegionSet => b"x-amz-region-set",
        }
    }
}

/// One canonical header: the caller's header `i`, or one the signer adds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Header {
    Caller(usize),
    Added(Added),
}

/// A [`Header`] in one byte (the plan holds up to 72 of them): a caller
/// index below `MAX_HEADERS`, else `MAX_HEADERS` + the added header.
#[derive(Clone, Copy)]
struct Entry(u8);

const _: () = assert!(MAX_HEADERS + ADDED.len() <= 256);

impl Entry {
    fn pack(h: Header) -> Entry {
        match h {
            Header::Caller(i) => Entry(i as u8),
            Header::Added(a) => Entry(MAX_HEADERS as u8 + a as u8),
        }
    }

    fn get(self) -> Header {
        match usize::from(self.0).checked_sub(MAX_HEADERS) {
            None => Header::Caller(usize::from(self.0)),
            Some(a) => Header::Added(ADDED[a]),
        }
    }
}

/// The payload line of the canonical request.
pub(crate) enum PayloadLine<'a> {
    Text(&'a [u8]),
    /// A SHA-256, kept raw (hex on output: half the bytes in every plan).
    Hash([u8; 32]),
    /// Bytes still to hash (the size of every output is known without it).
    Pending(&'a [u8]),
}

/// One request, decided.
pub(crate) struct Plan<'a> {
    pub(crate) signer: &'a Signer,
    /// The canonicalization rules' [`Flags`] (the signer's; the verifier's
    /// own for a received request).
    pub(crate) flags: u32,
    /// The credentials this call signs with (one set, whole).
    pub(crate) creds: &'a Creds,
    pub(crate) req: &'a Request<'a>,
    pub(crate) date: AmzDate,
    /// `Some(seconds)` for a presigned URL.
    pub(crate) expires: Option<u32>,
    order: [Entry; MAX_HEADERS + ADDED.len()],
    nheaders: usize,
    pub(crate) query: SortedQuery<'a>,
    pub(crate) payload: PayloadLine<'a>,
    /// Header output includes `X-Amz-Content-SHA256`.
    pub(crate) add_sha: bool,
    /// The seed request of an aws-chunked upload, with its encoded length.
    pub(crate) stream: Option<(&'a Streaming, u64)>,
    /// A caller's own Content-Encoding (e.g. gzip), kept after `aws-chunked`
    /// as S3 wants (`aws-chunked,gzip`).
    pub(crate) encoding: Option<&'a [u8]>,
    /// `host[:port]` for a presigned URL: the target's, else the Host header's.
    pub(crate) authority: &'a [u8],
    /// The signed host is the target's lower-cased (DNS names are
    /// case-insensitive and clients disagree on the case they send), so
    /// header mode outputs `Host:` whenever that differs from what was given.
    pub(crate) host_header: bool,
}

const STREAM_HEADERS: [Added; 4] = [
    Added::ContentEncoding,
    Added::ContentLength,
    Added::DecodedLength,
    Added::Trailer,
];

impl<'a> Plan<'a> {
    /// An empty plan for `req`; [`Plan::prepare`] decides it in place.
    pub(crate) fn new(signer: &'a Signer, creds: &'a Creds, req: &'a Request<'a>) -> Self {
        Plan {
            signer,
            flags: signer.flags,
            creds,
            req,
            date: AmzDate { full: [0; 16], day: 0 },
            expires: None,
            order: [Entry(0); MAX_HEADERS + ADDED.len()],
            nheaders: 0,
            query: SortedQuery::empty(),
            payload: PayloadLine::Text(b""),
            add_sha: false,
            stream: None,
            encoding: None,
            authority: b"",
            host_header: false,
        }
    }

    /// Validates the request and decides what gets signed: the date, the
    /// payload line, the canonical headers in order and the query in order.
    /// `date` is the signing time, already checked (as the signer is).
    /// Not inlined: its temporaries then never sit under the hashing that
    /// follows (firmware stack).
    #[inline(never)]
    pub(crate) fn prepare(&mut self, date: AmzDate, mode: Mode, stream: Option<&'a Streaming>) -> Result<(), Error> {
        let (signer, req) = (self.signer, self.req);
        self.date = date;
        let expires = match mode {
            Mode::Headers => None,
            Mode::Presign(e) if (1..=MAX_EXPIRES).contains(&e) => Some(e),
            Mode::Presign(_) => return Err(Error::InvalidExpires),
        };
        self.expires = expires;
        if !is_token(req.method) {
            return Err(Error::InvalidMethod);
        }
        let headers = req.headers;
        let n = headers.count();
        if n > MAX_HEADERS {
            return Err(Error::TooManyHeaders);
        }
        let mut caller_sha = None;
        let mut caller_host: Option<&'a [u8]> = None;
        let mut caller_encoding: Option<&'a [u8]> = None;
        for i in 0..n {
            let (name, value) = headers.header(i);
            if !is_token(name) {
                return Err(Error::InvalidHeaderName);
            }
            if !is_field_value(value) {
                return Err(Error::InvalidHeaderValue);
            }
            if caller_sha.is_none() && name.eq_ignore_ascii_case(b"x-amz-content-sha256") {
                caller_sha = Some(trim(value));
            }
            if caller_encoding.is_none() && name.eq_ignore_ascii_case(b"content-encoding") {
                caller_encoding = Some(trim(value)).filter(|v| !v.is_empty());
            }
            if caller_host.is_none() && name.eq_ignore_ascii_case(b"host") {
                caller_host = Some(trim(value));
            }
        }
        if caller_host.is_none() && req.target.host.is_empty() {
            return Err(Error::MissingHost);
        }

        let flags = signer.flags;
        let s3 = flags & Flags::S3 != 0;
        let stream = match stream {
            Some(st) if mode == Mode::Headers => Some((st, st.encoded_len()?)),
            Some(_) => return Err(Error::InvalidArgument),
            None => None,
        };
        self.payload = match req.payload {
            _ if stream.is_some() => {
                PayloadLine::Text(stream.map(|(st, _)| st.mode.payload_line()).unwrap_or_default())
            }
            Payload::Auto(bytes) => match caller_sha {
                Some(v) => PayloadLine::Text(v),
                None if s3 && expires.is_some() => PayloadLine::Text(UNSIGNED_PAYLOAD),
                None => PayloadLine::Pending(bytes),
            },
            Payload::Bytes(bytes) => PayloadLine::Pending(bytes),
            Payload::Sha256Hex(h) => PayloadLine::Hash(unhex32(h).ok_or(Error::InvalidPayloadHash)?),
            Payload::Unsigned => PayloadLine::Text(UNSIGNED_PAYLOAD),
        };
        let uses_caller_sha = matches!(req.payload, Payload::Auto(_)) && caller_sha.is_some() && stream.is_none();
        let add_sha = stream.is_some()
            || (expires.is_none() && (s3 || flags & Flags::CONTENT_SHA256_HEADER != 0) && !uses_caller_sha);
        let has_token = !self.creds.session_token().is_empty();
        let sign_token = has_token && flags & Flags::UNSIGNED_SESSION_TOKEN == 0;
        let v4a = cfg!(feature = "sigv4a") && flags & Flags::SIGV4A != 0;
        let token = self.token_header();

        // Canonical headers: the caller's, minus the never-signed ones and
        // those the signer replaces, plus the signer's own.
        let mut len = 0;
        for i in 0..n {
            let (name, _) = headers.header(i);
            let replaced = (expires.is_none() && name.eq_ignore_ascii_case(b"x-amz-date"))
                || (v4a && expires.is_none() && name.eq_ignore_ascii_case(b"x-amz-region-set"))
                || (has_token && name.eq_ignore_ascii_case(token.name()))
                || (add_sha && name.eq_ignore_ascii_case(b"x-amz-content-sha256"))
                || (stream.is_some() && STREAM_HEADERS.iter().any(|h| h.name().eq_ignore_ascii_case(name)));
            let host = name.eq_ignore_ascii_case(b"host");
            if host || !(replaced || signer.is_unsigned_header(name)) {
                self.order[len] = Entry::pack(Header::Caller(i));
                len += 1;
            }
        }
        let chunked = stream.is_some();
        for (a, on) in [
            (Added::Host, caller_host.is_none()),
            (Added::Date, expires.is_none()),
            (Added::ContentSha256, add_sha),
            (token, expires.is_none() && sign_token),
            (Added::ContentEncoding, chunked),
            // Signed unless the signer lists it as unsigned (some SDKs leave it out).
            (
                Added::ContentLength,
                chunked && !signer.is_unsigned_header(Added::ContentLength.name()),
            ),
            (Added::DecodedLength, chunked),
            (Added::Trailer, stream.is_some_and(|(st, _)| st.checksum.is_some())),
            #[cfg(feature = "sigv4a")]
            (Added::RegionSet, v4a && expires.is_none()),
        ] {
            if on {
                self.order[len] = Entry::pack(Header::Added(a));
                len += 1;
            }
        }
        self.nheaders = len;
        self.sort_headers();

        let auth = match expires {
            None => 0,
            // Every auth parameter but the token, which only a signed token adds.
            Some(_) => {
                0b01_1111
                    | if sign_token { 1 << self.token_param() } else { 0 }
                    | if v4a { 1 << AUTH_REGION_SET } else { 0 }
            }
        };
        self.query.fill(req.target.query, auth)?;
        let authority = if req.target.authority.is_empty() {
            caller_host.unwrap_or_default()
        } else {
            req.target.authority
        };
        // A presigned URL pastes the authority: a Host header standing in for
        // it must be a real `host[:port]` (no `#`, `/`, `@`, space...).
        if expires.is_some() && req.target.authority.is_empty() {
            if authority.is_empty() {
                return Err(Error::MissingHost);
            }
            signed_host(authority, b"443")?;
        }
        self.add_sha = add_sha;
        self.stream = stream;
        self.encoding = caller_encoding.filter(|e| !e.eq_ignore_ascii_case(b"aws-chunked"));
        self.authority = authority;
        self.host_header = caller_host.is_none() && req.target.host.iter().any(u8::is_ascii_uppercase);
        Ok(())
    }

    /// Insertion sort of the canonical headers by name: few entries, no
    /// allocation, tiny code; stable, so repeated names keep request order.
    fn sort_headers(&mut self) {
        for i in 1..self.nheaders {
            let mut j = i;
            while j > 0 && cmp_names(self.entry_name(j - 1), self.entry_name(j)) == Ordering::Greater {
                self.order.swap(j - 1, j);
                j -= 1;
            }
        }
    }

    /// Decides a RECEIVED request (the verifier): the canonical headers are
    /// exactly the request's headers named in `signed` (a checked
    /// `;`-separated lower-case list), `host` from the target when no Host
    /// header came; the query as received, less `X-Amz-Signature` when
    /// `presigned`. `Ok(false)` when a signed name is in no header. The
    /// payload line is the caller's to set.
    pub(crate) fn prepare_received(&mut self, signed: &[u8], skip_params: &[&[u8]]) -> Result<bool, Error> {
        let req = self.req;
        if !is_token(req.method) {
            return Err(Error::InvalidMethod);
        }
        let headers = req.headers;
        let n = headers.count();
        if n > MAX_HEADERS {
            return Err(Error::TooManyHeaders);
        }
        let is_signed = |name: &[u8]| signed.split(|&b| b == b';').any(|s| s.eq_ignore_ascii_case(name));
        let mut len = 0;
        let mut host = false;
        for i in 0..n {
            let (name, value) = headers.header(i);
            if !is_token(name) {
                return Err(Error::InvalidHeaderName);
            }
            if !is_field_value(value) {
                return Err(Error::InvalidHeaderValue);
            }
            if is_signed(name) {
                host |= name.eq_ignore_ascii_case(b"host");
                self.order[len] = Entry::pack(Header::Caller(i));
                len += 1;
            }
        }
        if !host && is_signed(b"host") && !req.target.host.is_empty() {
            self.order[len] = Entry::pack(Header::Added(Added::Host));
            len += 1;
            host = true;
        }
        self.nheaders = len;
        self.sort_headers();
        self.query.fill_received(req.target.query, skip_params)?;
        let present = |s: &[u8]| (host && s == b"host") || (0..n).any(|i| headers.header(i).0.eq_ignore_ascii_case(s));
        Ok(signed.split(|&b| b == b';').all(present))
    }

    /// The session token's header: S3 Express has its own.
    pub(crate) fn token_header(&self) -> Added {
        #[cfg(feature = "s3express")]
        if s3express(self.signer.flags) {
            return Added::S3SessionToken;
        }
        Added::Token
    }

    /// The session token's presigning parameter (an index into
    /// `AUTH_PARAMS`).
    pub(crate) fn token_param(&self) -> usize {
        if s3express(self.signer.flags) {
            AUTH_S3_TOKEN
        } else {
            AUTH_TOKEN
        }
    }

    fn entry_name(&self, i: usize) -> &'a [u8] {
        self.name(self.order[i].get())
    }

    /// The name of a canonical header (as given for a caller's).
    pub(crate) fn name(&self, h: Header) -> &'a [u8] {
        match h {
            Header::Caller(i) => self.req.headers.header(i).0,
            Header::Added(a) => a.name(),
        }
    }

    /// The canonical headers in canonical order (repeated names adjacent).
    pub(crate) fn headers(&self) -> impl Iterator<Item = Header> + '_ {
        self.order[..self.nheaders].iter().map(|e| e.get())
    }

    /// Hashes a payload given as bytes (once, after sizing, before signing).
    #[inline(never)]
    pub(crate) fn hash_payload(&mut self) {
        if let PayloadLine::Pending(bytes) = self.payload {
            self.payload = if bytes.is_empty() {
                PayloadLine::Text(EMPTY_SHA256)
            } else {
                PayloadLine::Hash(sha256(bytes))
            };
        }
    }

    /// Writes the payload line (64 placeholder digits while still
    /// pending). Not inlined: the hex digits' buffer stays in this frame.
    #[inline(never)]
    pub(crate) fn write_payload_line(&self, s: &mut dyn Sink) {
        match &self.payload {
            PayloadLine::Text(t) => s.put(t),
            PayloadLine::Hash(h) => s.put(&super::encode::hex32(h)),
            PayloadLine::Pending(_) => s.put(&[b'0'; 64]),
        }
    }

    /// The payload line's length.
    pub(crate) fn payload_line_len(&self) -> usize {
        match &self.payload {
            PayloadLine::Text(t) => t.len(),
            _ => 64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        for i in 0..MAX_HEADERS {
            assert_eq!(Entry::pack(Header::Caller(i)).get(), Header::Caller(i));
        }
        for a in ADDED {
            assert_eq!(Entry::pack(Header::Added(a)).get(), Header::Added(a));
        }
    }
}
