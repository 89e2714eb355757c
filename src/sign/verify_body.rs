//! A received body checked as it arrives, after its request verified: the
//! SHA-256 an `x-amz-content-sha256` header announced, or an aws-chunked
//! body (`STREAMING-*`) decoded in place with each chunk signature, the
//! trailer signature and the trailer checksum checked. The state is plain
//! data of fixed size (caller memory), whatever the body's length.

use super::checksum::Checksum;
use super::encode::hex32;
use super::request::Request;
use super::sha::{EMPTY_SHA256, HmacKey, Sha256};
use super::sink::Sink;
use super::stream::StreamMode;
use super::time::AmzDate;
use super::verify::{BodyError, BodyPlan, Lookup, VerifyConfig, VerifyError, VerifyInfo, ct_eq, verify_with};
use super::{MAX_REGION_LEN, MAX_SERVICE_LEN};

/// Smallest chunk but the last that S3 takes in the signed streaming modes.
pub const MIN_CHUNK_SIZE: u64 = 8192;

/// Longest framing line (chunk header or trailer line, without CRLF): a
/// 16-digit size, `;chunk-signature=` and 64 digits fit.
const LINE_MAX: usize = 128;

/// `<yyyymmdd>/<region>/<service>/aws4_request`.
const SCOPE_MAX: usize = 8 + 1 + MAX_REGION_LEN + 1 + MAX_SERVICE_LEN + 1 + 12;

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Phase {
    /// Plain body: everything is payload.
    Plain,
    /// A chunk's size line.
    Header,
    /// Inside a chunk's data.
    Data,
    /// The CRLF after a chunk's data; `crlf` bytes of it seen.
    DataEnd,
    /// Trailer lines, up to the blank line.
    Trailer,
    /// The blank line after the final chunk (no trailer).
    Last,
    /// All of it arrived.
    Done,
}

/// The state of one body being verified. `ready` comes first so the C ABI
/// can check it before trusting the rest.
#[repr(C)]
pub struct BodyVerifier {
    ready: u32,
    failed: Option<BodyError>,
    phase: Phase,
    plan: BodyPlan,
    /// Bytes of the CRLF after the data seen (`DataEnd`).
    crlf: u8,
    /// Trailer progress: checksum line seen, signature line seen.
    got_checksum: bool,
    got_signature: bool,
    line_len: u8,
    line: [u8; LINE_MAX],
    /// Payload bytes still expected (chunked).
    remaining: u64,
    /// Bytes left in the current chunk.
    chunk_left: u64,
    /// The plain body's hash, a chunk's, or the trailer lines'.
    hash: Sha256,
    checksum: Option<Checksum>,
    key: HmacKey,
    date: [u8; 16],
    scope_len: u8,
    scope: [u8; SCOPE_MAX],
    /// The previous signature of the chain (the seed's at first).
    prev: [u8; 64],
    /// The current chunk's signature as sent.
    sent: [u8; 64],
}

impl BodyVerifier {
    /// The value of the first word of a started state.
    pub const READY: u32 = 0x5642_4f44;

    /// A state that accepts nothing until a verified request starts it.
    pub const fn empty() -> Self {
        BodyVerifier {
            ready: 0,
            failed: None,
            phase: Phase::Done,
            plan: BodyPlan::Pass,
            crlf: 0,
            got_checksum: false,
            got_signature: false,
            line_len: 0,
            line: [0; LINE_MAX],
            remaining: 0,
            chunk_left: 0,
            hash: Sha256::new(),
            checksum: None,
            key: HmacKey::ZERO,
            date: [0; 16],
            scope_len: 0,
            scope: [0; SCOPE_MAX],
            prev: [0; 64],
            sent: [0; 64],
        }
    }

    /// Starts the state after a request verified with `key` and `seed`
    /// (its signature), dated `date`, scoped to `region` and `service`.
    /// In place: the state is larger than a firmware stack likes to copy.
    fn start(&mut self, plan: BodyPlan, key: &HmacKey, seed: &[u8; 64], date: &AmzDate, region: &[u8], service: &[u8]) {
        let s = self;
        *s = Self::empty();
        s.ready = Self::READY;
        s.plan = plan;
        s.phase = match plan {
            BodyPlan::Pass | BodyPlan::Hash(_) => Phase::Plain,
            BodyPlan::Chunked {
                checksum, decoded_len, ..
            } => {
                s.remaining = decoded_len;
                s.checksum = checksum.map(Checksum::new);
                s.key = key.clone();
                s.prev = *seed;
                s.date = date.full;
                let mut n = 0;
                for part in [date.date(), b"/", region, b"/", service, b"/", b"aws4_request"] {
                    s.scope[n..n + part.len()].copy_from_slice(part);
                    n += part.len();
                }
                s.scope_len = n as u8;
                Phase::Header
            }
        };
    }

    fn mode(&self) -> Option<StreamMode> {
        match self.plan {
            BodyPlan::Chunked { mode, .. } => Some(mode),
            _ => None,
        }
    }

    fn signed(&self) -> bool {
        self.mode().is_some_and(StreamMode::signed)
    }

    fn check(&self) -> Result<(), BodyError> {
        if self.ready != Self::READY {
            return Err(BodyError::NotInitialized);
        }
        match self.failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Takes the next `buf.len()` bytes of the body as received and decodes
    /// them in place: the payload among them is moved to the front and its
    /// length returned. Payload is authenticated only once [`finish`]
    /// returns `Ok`. After an error the state is failed: every later call
    /// returns that error.
    ///
    /// [`finish`]: BodyVerifier::finish
    pub fn update(&mut self, buf: &mut [u8]) -> Result<usize, BodyError> {
        self.check()?;
        match self.feed(buf) {
            Ok(n) => Ok(n),
            Err(e) => {
                self.fail(e);
                Err(e)
            }
        }
    }

    /// The body has ended: `Ok` when all of it arrived and checked. The
    /// state is spent either way.
    pub fn finish(&mut self) -> Result<(), BodyError> {
        if self.ready != Self::READY {
            return Err(BodyError::NotInitialized);
        }
        let r = match (self.failed, self.phase, self.plan) {
            (Some(e), _, _) => Err(e),
            (None, Phase::Plain, BodyPlan::Hash(want)) => {
                if self.hash.clone().finish() == want {
                    Ok(())
                } else {
                    Err(BodyError::PayloadMismatch)
                }
            }
            (None, Phase::Plain | Phase::Done, _) => Ok(()),
            _ => Err(BodyError::Incomplete),
        };
        self.fail(BodyError::NotInitialized);
        self.ready = 0;
        r
    }

    /// Fails the state and drops its key.
    fn fail(&mut self, e: BodyError) {
        self.failed = Some(e);
        self.key = HmacKey::ZERO;
    }

    fn feed(&mut self, buf: &mut [u8]) -> Result<usize, BodyError> {
        if self.phase == Phase::Plain {
            if let BodyPlan::Hash(_) = self.plan {
                self.hash.update(buf);
            }
            return Ok(buf.len());
        }
        let (mut r, mut w) = (0, 0);
        while r < buf.len() {
            match self.phase {
                Phase::Data => {
                    let n = (buf.len() - r).min(self.chunk_left.min(usize::MAX as u64) as usize);
                    let data = &buf[r..r + n];
                    if self.signed() {
                        self.hash.update(data);
                    }
                    if let Some(c) = self.checksum.as_mut() {
                        c.update(data);
                    }
                    buf.copy_within(r..r + n, w);
                    (r, w) = (r + n, w + n);
                    self.chunk_left -= n as u64;
                    if self.chunk_left == 0 {
                        self.phase = Phase::DataEnd;
                        self.crlf = 0;
                    }
                }
                Phase::DataEnd => {
                    if buf[r] != b"\r\n"[self.crlf as usize] {
                        return Err(BodyError::MalformedChunk);
                    }
                    r += 1;
                    self.crlf += 1;
                    if self.crlf == 2 {
                        if self.signed() {
                            let h = hex32(&self.hash.clone().finish());
                            self.link(b"AWS4-HMAC-SHA256-PAYLOAD", &[EMPTY_SHA256, b"\n", &h])?;
                        }
                        self.phase = Phase::Header;
                    }
                }
                Phase::Done => return Err(BodyError::MalformedChunk),
                Phase::Header | Phase::Trailer | Phase::Last => {
                    let b = buf[r];
                    r += 1;
                    if b != b'\n' {
                        if self.line_len as usize == LINE_MAX {
                            return Err(self.line_error());
                        }
                        self.line[self.line_len as usize] = b;
                        self.line_len += 1;
                        continue;
                    }
                    let n = self.line_len as usize;
                    self.line_len = 0;
                    if n == 0 || self.line[n - 1] != b'\r' {
                        return Err(self.line_error());
                    }
                    let line = self.line;
                    self.on_line(&line[..n - 1])?;
                }
                Phase::Plain => unreachable!(),
            }
        }
        Ok(w)
    }

    fn line_error(&self) -> BodyError {
        if self.phase == Phase::Trailer {
            BodyError::MalformedTrailer
        } else {
            BodyError::MalformedChunk
        }
    }

    fn on_line(&mut self, line: &[u8]) -> Result<(), BodyError> {
        match self.phase {
            Phase::Header => self.on_chunk_header(line),
            Phase::Last if line.is_empty() => {
                self.phase = Phase::Done;
                Ok(())
            }
            Phase::Last => Err(BodyError::MalformedChunk),
            _ => self.on_trailer_line(line),
        }
    }

    /// `<hex size>;chunk-signature=<64 hex>` (signed) or `<hex size>`.
    fn on_chunk_header(&mut self, line: &[u8]) -> Result<(), BodyError> {
        let bad = BodyError::MalformedChunk;
        let (size, ext) = match line.iter().position(|&b| b == b';') {
            Some(i) => (&line[..i], Some(&line[i + 1..])),
            None => (line, None),
        };
        if size.is_empty() || size.len() > 16 {
            return Err(bad);
        }
        let mut n = 0u64;
        for &c in size {
            let d = (c as char).to_digit(16).ok_or(bad)?;
            n = n << 4 | u64::from(d);
        }
        match (self.signed(), ext) {
            (true, Some(e)) => {
                let sig = e.strip_prefix(b"chunk-signature=").ok_or(bad)?;
                self.sent = sig_digits(sig).ok_or(bad)?;
            }
            (false, None) => {}
            _ => return Err(bad),
        }
        if n > self.remaining || (n == 0 && self.remaining != 0) {
            return Err(BodyError::DecodedLengthMismatch);
        }
        if n != 0 && n < MIN_CHUNK_SIZE && n < self.remaining && self.signed() {
            return Err(BodyError::ChunkTooSmall);
        }
        self.remaining -= n;
        self.hash = Sha256::new();
        if n != 0 {
            self.chunk_left = n;
            self.phase = Phase::Data;
            return Ok(());
        }
        // The final chunk: signed over no data.
        if self.signed() {
            self.link(b"AWS4-HMAC-SHA256-PAYLOAD", &[EMPTY_SHA256, b"\n", EMPTY_SHA256])?;
        }
        self.phase = if self.checksum.is_some() {
            Phase::Trailer
        } else {
            Phase::Last
        };
        Ok(())
    }

    /// `<checksum name>:<base64>`, then (signed) `x-amz-trailer-signature:
    /// <64 hex>`, then the blank line.
    fn on_trailer_line(&mut self, line: &[u8]) -> Result<(), BodyError> {
        let bad = BodyError::MalformedTrailer;
        let signed = self.signed();
        if line.is_empty() {
            if !self.got_checksum || (signed && !self.got_signature) {
                return Err(bad);
            }
            self.phase = Phase::Done;
            return Ok(());
        }
        let colon = line.iter().position(|&b| b == b':').ok_or(bad)?;
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        let Some(ck) = self.checksum.as_ref() else {
            return Err(bad);
        };
        if name.eq_ignore_ascii_case(b"x-amz-trailer-signature") {
            if !signed || !self.got_checksum || self.got_signature {
                return Err(bad);
            }
            self.sent = sig_digits(value).ok_or(bad)?;
            self.got_signature = true;
            let h = hex32(&self.hash.clone().finish());
            return self.link(b"AWS4-HMAC-SHA256-TRAILER", &[&h]);
        }
        let kind = ck.kind();
        if !name.eq_ignore_ascii_case(kind.header_name()) || self.got_checksum {
            return Err(bad);
        }
        self.got_checksum = true;
        // The trailer's canonical form, as the signer hashed it.
        self.hash.put(kind.header_name());
        self.hash.put(b":");
        self.hash.put(value);
        self.hash.put(b"\n");
        let (b64, n) = ck.finish_b64();
        if value != &b64[..n] {
            return Err(BodyError::ChecksumMismatch);
        }
        Ok(())
    }

    /// Checks the signature sent (`self.sent`) against the next link of the
    /// chain, `<algorithm>\n<date>\n<scope>\n<previous>\n` + `tail`, in
    /// constant time; it then becomes the previous one.
    fn link(&mut self, algorithm: &[u8], tail: &[&[u8]]) -> Result<(), BodyError> {
        let mut mac = self.key.start();
        for part in [
            algorithm,
            b"\n",
            &self.date,
            b"\n",
            &self.scope[..self.scope_len as usize],
            b"\n",
        ] {
            mac.put(part);
        }
        mac.put(&self.prev);
        mac.put(b"\n");
        for t in tail {
            mac.put(t);
        }
        let computed = hex32(&mac.finish());
        if !ct_eq(&computed, &self.sent) {
            return Err(BodyError::ChunkSignatureMismatch);
        }
        self.prev = self.sent;
        Ok(())
    }
}

fn trim(v: &[u8]) -> &[u8] {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = v.iter().position(|b| !ws(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    &v[start..end]
}

/// 64 lower-case hex digits.
fn sig_digits(s: &[u8]) -> Option<[u8; 64]> {
    let ok = s.len() == 64 && s.iter().all(|&b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let mut out = [0u8; 64];
    out.copy_from_slice(s.get(..64)?);
    ok.then_some(out)
}

/// Verifies `req` as [`verify`](super::verify) does, but for its body,
/// which is to come (the request's payload is not read): on `Ok`, `body`
/// is ready to check it ([`BodyVerifier::update`], then
/// [`BodyVerifier::finish`]); on error it is left not started.
pub fn verify_begin(
    cfg: &VerifyConfig<'_>,
    req: &Request<'_>,
    now: i64,
    lookup: &mut Lookup<'_>,
    info: &mut VerifyInfo,
    creq: &mut [u8],
    body: &mut BodyVerifier,
) -> Result<(), VerifyError> {
    body.ready = 0;
    body.key = HmacKey::ZERO;
    verify_with(
        cfg,
        req,
        now,
        lookup,
        info,
        creq,
        Some(&mut |plan, key, seed, date, region, service| {
            body.start(plan, key, seed, date, region, service);
        }),
    )
}
