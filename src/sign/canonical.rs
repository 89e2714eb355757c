//! One signing operation, step by step as the SigV4 specification names
//! them: canonical URI, canonical query, canonical headers, signed headers,
//! hashed payload, canonical request, credential scope, string to sign,
//! signature. Each step writes into a [`Sink`]; nothing is buffered.

use core::cmp::Ordering;

use super::chunked::Streaming;
use super::encode::{Part, encode, hex32, is_sha256_hex, is_unreserved, pct, reencode};
use super::headers::{cmp_names, is_field_value, is_token, trim, write_lower, write_value};
use super::path::{UriRules, write_canonical_uri};
use super::query::{AUTH_PARAMS, AUTH_TOKEN, Param, SortedQuery};
use super::sha::{Sha256, sha256};
use super::signer::{Flags, Mode, Payload, Request, Signer};
use super::sink::{Sink, put_decimal};
use super::time::AmzDate;
use super::url::signed_host;
use super::{Error, MAX_EXPIRES, MAX_HEADERS};

const ALGORITHM: &[u8] = b"AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD: &[u8] = b"UNSIGNED-PAYLOAD";
const EMPTY_SHA256: &[u8] = b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Headers the signer adds, as entries after the caller's (< MAX_HEADERS).
const V_HOST: u8 = 250;
const V_DATE: u8 = 251;
const V_SHA: u8 = 252;
const V_TOKEN: u8 = 253;
// aws-chunked seed requests.
const V_CENC: u8 = 246;
const V_CLEN: u8 = 247;
const V_DLEN: u8 = 248;
const V_TRAILER: u8 = 249;
/// Most headers the signer adds (host, date, content hash, token and the
/// four of an aws-chunked seed).
const VIRTUAL_HEADERS: usize = 8;
const STREAM_HEADERS: [&[u8]; 4] = [
    b"content-encoding",
    b"content-length",
    b"x-amz-decoded-content-length",
    b"x-amz-trailer",
];

enum PayloadLine<'a> {
    Text(&'a [u8]),
    Hex([u8; 64]),
    /// Bytes still to hash (the size of every output is known without it).
    Pending(&'a [u8]),
}

/// Everything decided about one request before any output is written.
pub(crate) struct Plan<'a> {
    signer: &'a Signer,
    req: &'a Request<'a>,
    date: AmzDate,
    expires: Option<u32>,
    order: [u8; MAX_HEADERS + VIRTUAL_HEADERS],
    nheaders: usize,
    query: SortedQuery<'a>,
    payload: PayloadLine<'a>,
    add_sha: bool,
    /// The seed request of an aws-chunked upload, with its encoded length.
    stream: Option<(Streaming, u64)>,
    /// A caller's own Content-Encoding (e.g. gzip), kept after `aws-chunked`
    /// as S3 wants (`aws-chunked,gzip`).
    encoding: Option<&'a [u8]>,
    /// `host[:port]` for a presigned URL: the target's, else the Host header's.
    authority: &'a [u8],
    /// The signed host is the target's lower-cased (DNS names are
    /// case-insensitive and clients disagree on the case they send), so
    /// header mode outputs `Host:` whenever that differs from what was given.
    host_header: bool,
}

impl<'a> Plan<'a> {
    pub(crate) fn new(signer: &'a Signer, req: &'a Request<'a>, unix_time: i64, mode: Mode) -> Result<Self, Error> {
        Self::with_stream(signer, req, unix_time, mode, None)
    }

    pub(crate) fn with_stream(
        signer: &'a Signer,
        req: &'a Request<'a>,
        unix_time: i64,
        mode: Mode,
        stream: Option<Streaming>,
    ) -> Result<Self, Error> {
        if !signer.is_ready() {
            return Err(Error::NotInitialized);
        }
        let date = AmzDate::from_unix(unix_time)?;
        let expires = match mode {
            Mode::Headers => None,
            Mode::Presign(e) if (1..=MAX_EXPIRES).contains(&e) => Some(e),
            Mode::Presign(_) => return Err(Error::InvalidExpires),
        };
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
        let payload = match req.payload {
            _ if stream.is_some() => {
                PayloadLine::Text(stream.map(|(st, _)| st.mode.payload_line()).unwrap_or_default())
            }
            Payload::Auto(bytes) => match caller_sha {
                Some(v) => PayloadLine::Text(v),
                None if s3 && expires.is_some() => PayloadLine::Text(UNSIGNED_PAYLOAD),
                None => PayloadLine::Pending(bytes),
            },
            Payload::Bytes(bytes) => PayloadLine::Pending(bytes),
            Payload::Sha256Hex(h) => {
                if !is_sha256_hex(h) {
                    return Err(Error::InvalidPayloadHash);
                }
                let mut hex = [0u8; 64];
                for (d, s) in hex.iter_mut().zip(h) {
                    *d = s.to_ascii_lowercase();
                }
                PayloadLine::Hex(hex)
            }
            Payload::Unsigned => PayloadLine::Text(UNSIGNED_PAYLOAD),
        };
        let uses_caller_sha = matches!(req.payload, Payload::Auto(_)) && caller_sha.is_some() && stream.is_none();
        let add_sha = stream.is_some()
            || (expires.is_none() && (s3 || flags & Flags::CONTENT_SHA256_HEADER != 0) && !uses_caller_sha);
        let has_token = !signer.session_token().is_empty();
        let sign_token = has_token && flags & Flags::UNSIGNED_SESSION_TOKEN == 0;

        // Canonical headers: the caller's, minus the never-signed ones and
        // those the signer replaces, plus the signer's own.
        let mut order = [0u8; MAX_HEADERS + VIRTUAL_HEADERS];
        let mut len = 0;
        for i in 0..n {
            let (name, _) = headers.header(i);
            let replaced = (expires.is_none() && name.eq_ignore_ascii_case(b"x-amz-date"))
                || (has_token && name.eq_ignore_ascii_case(b"x-amz-security-token"))
                || (add_sha && name.eq_ignore_ascii_case(b"x-amz-content-sha256"))
                || (stream.is_some() && STREAM_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)));
            let host = name.eq_ignore_ascii_case(b"host");
            if host || !(replaced || signer.is_unsigned_header(name)) {
                order[len] = i as u8;
                len += 1;
            }
        }
        let mut extra = |v: u8, on: bool| {
            if on {
                order[len] = v;
                len += 1;
            }
        };
        extra(V_HOST, caller_host.is_none());
        extra(V_DATE, expires.is_none());
        extra(V_SHA, add_sha);
        extra(V_TOKEN, expires.is_none() && sign_token);
        extra(V_CENC, stream.is_some());
        // Signed unless the signer lists it as unsigned (some SDKs leave it out).
        extra(
            V_CLEN,
            stream.is_some() && !signer.is_unsigned_header(STREAM_HEADERS[1]),
        );
        extra(V_DLEN, stream.is_some());
        extra(V_TRAILER, stream.is_some_and(|(st, _)| st.checksum.is_some()));
        let name_of = |e: u8| -> &[u8] { entry_name(headers, e) };
        for i in 1..len {
            let mut j = i;
            while j > 0 && cmp_names(name_of(order[j - 1]), name_of(order[j])) == Ordering::Greater {
                order.swap(j - 1, j);
                j -= 1;
            }
        }

        let auth = match expires {
            None => 0,
            // Every auth parameter but the token, which only a signed token adds.
            Some(_) => 0b01_1111 | if sign_token { 1 << AUTH_TOKEN } else { 0 },
        };
        let query = SortedQuery::new(req.target.query, auth)?;
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
        Ok(Plan {
            signer,
            req,
            date,
            expires,
            order,
            nheaders: len,
            query,
            payload,
            add_sha,
            stream,
            encoding: caller_encoding.filter(|e| !e.eq_ignore_ascii_case(b"aws-chunked")),
            authority,
            host_header: caller_host.is_none() && req.target.host.iter().any(u8::is_ascii_uppercase),
        })
    }

    fn rules(&self) -> UriRules {
        let f = self.signer.flags;
        let s3 = f & Flags::S3 != 0;
        UriRules {
            normalize: !s3 && f & Flags::NO_PATH_NORMALIZATION == 0,
            single_encode: s3 || f & Flags::SINGLE_ENCODE_PATH != 0,
        }
    }

    /// Hashes a payload given as bytes (once, before signing).
    pub(crate) fn hash_payload(&mut self) {
        if let PayloadLine::Pending(bytes) = self.payload {
            self.payload = if bytes.is_empty() {
                PayloadLine::Text(EMPTY_SHA256)
            } else {
                PayloadLine::Hex(hex32(&sha256(bytes)))
            };
        }
    }

    fn payload_line(&self) -> &[u8] {
        match &self.payload {
            PayloadLine::Text(t) => t,
            PayloadLine::Hex(h) => h,
            PayloadLine::Pending(_) => &[b'0'; 64],
        }
    }

    fn sorted_headers(&self) -> impl Iterator<Item = u8> + '_ {
        self.order[..self.nheaders].iter().copied()
    }

    fn write_header_value(&self, s: &mut dyn Sink, e: u8) {
        match e {
            V_HOST => write_lower(s, self.req.target.host),
            V_DATE => s.put(&self.date.full),
            V_SHA => s.put(self.payload_line()),
            V_TOKEN => s.put(self.signer.session_token()),
            V_CENC => self.write_content_encoding(s),
            V_CLEN => put_decimal(s, self.stream.map_or(0, |(_, enc)| enc)),
            V_DLEN => put_decimal(s, self.stream.map_or(0, |(st, _)| st.decoded_len)),
            V_TRAILER => s.put(
                self.stream
                    .and_then(|(st, _)| st.checksum)
                    .map_or(&b""[..], |k| k.header_name()),
            ),
            i => write_value(s, self.req.headers.header(usize::from(i)).1),
        }
    }

    /// `host;x-amz-date;...` with `sep` between names.
    /// In a query (`X-Amz-SignedHeaders`) the list is percent-encoded: `;`
    /// and any name byte outside the unreserved set (`&`, `'`, `*`...).
    fn write_signed_headers(&self, s: &mut dyn Sink, query: bool) {
        let mut prev: Option<&[u8]> = None;
        for e in self.sorted_headers() {
            let name = entry_name(self.req.headers, e);
            if prev.is_some_and(|p| p.eq_ignore_ascii_case(name)) {
                continue;
            }
            if prev.is_some() {
                s.put(if query { b"%3B" } else { b";" });
            }
            if query && !name.iter().all(|&b| is_unreserved(b)) {
                for &b in name {
                    let b = b.to_ascii_lowercase();
                    if is_unreserved(b) { s.put(&[b]) } else { s.put(&pct(b)) }
                }
            } else {
                write_lower(s, name);
            }
            prev = Some(name);
        }
    }

    /// `name:value\n` per name, repeated names joined with `,`.
    fn write_canonical_headers(&self, s: &mut dyn Sink) {
        let mut prev: Option<&[u8]> = None;
        for e in self.sorted_headers() {
            let name = entry_name(self.req.headers, e);
            if prev.is_some_and(|p| p.eq_ignore_ascii_case(name)) {
                s.put(b",");
            } else {
                if prev.is_some() {
                    s.put(b"\n");
                }
                write_lower(s, name);
                s.put(b":");
            }
            self.write_header_value(s, e);
            prev = Some(name);
        }
        s.put(b"\n");
    }

    fn write_content_encoding(&self, s: &mut dyn Sink) {
        s.put(b"aws-chunked");
        if let Some(e) = self.encoding {
            s.put(b",");
            write_value(s, e);
        }
    }

    /// `date/region/service/aws4_request`, with `sep` for `/`.
    fn write_scope(&self, s: &mut dyn Sink, sep: &[u8]) {
        self.signer.write_scope_sep(s, &self.date, sep);
    }

    /// The signing time.
    pub(crate) fn date(&self) -> AmzDate {
        self.date
    }

    /// Value of auth parameter `i`, encoded for a query string.
    fn write_auth_param(&self, s: &mut dyn Sink, i: usize) {
        match i {
            0 => s.put(ALGORITHM),
            1 => {
                encode(s, self.signer.access_key_id(), false);
                s.put(b"%2F");
                self.write_scope(s, b"%2F");
            }
            2 => s.put(&self.date.full),
            3 => put_decimal(s, u64::from(self.expires.unwrap_or(0))),
            4 => self.write_signed_headers(s, true),
            _ => encode(s, self.signer.session_token(), false),
        }
    }

    fn write_canonical_query(&self, s: &mut dyn Sink) {
        for (n, p) in self.query.iter().enumerate() {
            if n > 0 {
                s.put(b"&");
            }
            match p {
                Param::User(k, v) => {
                    reencode(s, k, Part::Query);
                    s.put(b"=");
                    reencode(s, v, Part::Query);
                }
                Param::Auth(i) => {
                    s.put(AUTH_PARAMS[i]);
                    s.put(b"=");
                    self.write_auth_param(s, i);
                }
            }
        }
    }

    /// The canonical request.
    pub(crate) fn write_canonical_request(&self, s: &mut dyn Sink) {
        s.put(self.req.method);
        s.put(b"\n");
        write_canonical_uri(s, self.req.target.path, self.rules());
        s.put(b"\n");
        self.write_canonical_query(s);
        s.put(b"\n");
        self.write_canonical_headers(s);
        s.put(b"\n");
        self.write_signed_headers(s, false);
        s.put(b"\n");
        s.put(self.payload_line());
    }

    pub(crate) fn canonical_request_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        self.write_canonical_request(&mut h);
        h.finish()
    }

    /// The string to sign, given the hex hash of the canonical request.
    pub(crate) fn write_string_to_sign(&self, s: &mut dyn Sink, creq_hex: &[u8; 64]) {
        s.put(ALGORITHM);
        s.put(b"\n");
        s.put(&self.date.full);
        s.put(b"\n");
        self.write_scope(s, b"/");
        s.put(b"\n");
        s.put(creq_hex);
    }

    /// The signature: HMAC of the string to sign with the day's key.
    pub(crate) fn signature(&self) -> [u8; 64] {
        let creq = hex32(&self.canonical_request_hash());
        let key = self.signer.signing_key(&self.date);
        let mut mac = key.start();
        self.write_string_to_sign(&mut mac, &creq);
        hex32(&mac.finish())
    }

    /// Header mode output: `Name: value\0` for each header to add.
    pub(crate) fn write_header_output(&self, s: &mut dyn Sink, sig: &[u8; 64]) {
        if self.host_header {
            s.put(b"Host: ");
            write_lower(s, self.req.target.host);
            s.put(b"\0");
        }
        if let Some((st, enc)) = self.stream {
            s.put(b"Content-Encoding: ");
            self.write_content_encoding(s);
            s.put(b"\0Content-Length: ");
            put_decimal(s, enc);
            s.put(b"\0X-Amz-Decoded-Content-Length: ");
            put_decimal(s, st.decoded_len);
            s.put(b"\0");
            if let Some(k) = st.checksum {
                s.put(b"X-Amz-Trailer: ");
                s.put(k.header_name());
                s.put(b"\0");
            }
        }
        s.put(b"X-Amz-Date: ");
        s.put(&self.date.full);
        s.put(b"\0");
        let token = self.signer.session_token();
        if !token.is_empty() {
            s.put(b"X-Amz-Security-Token: ");
            s.put(token);
            s.put(b"\0");
        }
        if self.add_sha {
            s.put(b"X-Amz-Content-SHA256: ");
            s.put(self.payload_line());
            s.put(b"\0");
        }
        s.put(b"Authorization: AWS4-HMAC-SHA256 Credential=");
        s.put(self.signer.access_key_id());
        s.put(b"/");
        self.write_scope(s, b"/");
        s.put(b", SignedHeaders=");
        self.write_signed_headers(s, false);
        s.put(b", Signature=");
        s.put(sig);
    }

    /// Presign output: the URL with the auth parameters appended.
    pub(crate) fn write_presigned_url(&self, s: &mut dyn Sink, sig: &[u8; 64]) {
        let t = &self.req.target;
        s.put(t.scheme);
        s.put(b"://");
        if t.authority.is_empty() {
            // The caller's Host header, signed as given.
            s.put(self.authority);
        } else {
            write_lower(s, self.authority);
        }
        if !t.path.starts_with(b"/") {
            s.put(b"/");
        }
        s.put(t.path);
        s.put(b"?");
        // The caller's parameters in their order, each written as it was
        // signed (`+` as `%20`...), so that no server can read them two ways.
        for piece in t.query.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            match piece.iter().position(|&b| b == b'=') {
                Some(i) => {
                    reencode(s, &piece[..i], Part::Query);
                    s.put(b"=");
                    reencode(s, &piece[i + 1..], Part::Query);
                }
                None => reencode(s, piece, Part::Query),
            }
            s.put(b"&");
        }
        for (i, name) in AUTH_PARAMS.iter().enumerate() {
            if i == AUTH_TOKEN && self.signer.session_token().is_empty() {
                continue;
            }
            s.put(name);
            s.put(b"=");
            self.write_auth_param(s, i);
            s.put(b"&");
        }
        s.put(b"X-Amz-Signature=");
        s.put(sig);
    }
}

fn entry_name(headers: &dyn super::headers::HeaderList, e: u8) -> &[u8] {
    match e {
        V_HOST => b"host",
        V_DATE => b"x-amz-date",
        V_SHA => b"x-amz-content-sha256",
        V_TOKEN => b"x-amz-security-token",
        V_CENC => STREAM_HEADERS[0],
        V_CLEN => STREAM_HEADERS[1],
        V_DLEN => STREAM_HEADERS[2],
        V_TRAILER => STREAM_HEADERS[3],
        i => headers.header(usize::from(i)).0,
    }
}
