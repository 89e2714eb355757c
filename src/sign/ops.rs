//! The signer's operations, each one pass down the pipeline: request →
//! plan → canonical request → string to sign → signature → output.
//! Nothing below this module calls back up into it.
//!
//! Each call first checks the signer and the time and gets the day's key
//! (`V4::new`), then builds the plan in a separate frame (`run`): on a small
//! stack, key derivation and the plan are never live together.

use super::Error;
#[cfg(feature = "sigv4a")]
use super::algorithm::V4a;
use super::algorithm::{Algorithm, V4};
use super::canonical::{canonical_request_hash, write_canonical_request};
use super::chunked::{ChunkState, Seed};
use super::encode::hex32;
use super::output::{headers_bound, url_bound, write_headers, write_presigned_url};
use super::plan::Plan;
use super::request::{Mode, Request};
use super::signer::{Creds, Flags, Signer};
use super::sink::{Counter, Sink, SliceWriter};
use super::stream::Streaming;
use super::time::AmzDate;
use crate::slots::ReadGuard;

/// What an operation writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    /// The headers to add (also an aws-chunked seed request's).
    Headers,
    /// The presigned URL.
    Url,
    CanonicalRequest,
    StringToSign,
}

/// The signature of a prepared plan (hashes a pending payload first).
fn sign<A: Algorithm>(plan: &mut Plan<'_>, alg: &A) -> A::Signature {
    plan.hash_payload();
    alg.sign(&hex32(&canonical_request_hash(plan, alg)))
}

fn emit<A: Algorithm>(what: Output, plan: &Plan<'_>, alg: &A, s: &mut dyn Sink, digits: &A::Signature) {
    match what {
        Output::Headers => write_headers(plan, alg, s, digits),
        Output::Url => write_presigned_url(plan, alg, s, digits),
        Output::CanonicalRequest => write_canonical_request(plan, alg, s),
        Output::StringToSign => alg.write_string_to_sign(s, A::hex_of(digits)),
    }
}

/// Receives an aws-chunked seed request's signature.
type Seeded<'a, S> = &'a mut dyn FnMut(&S);

/// One signing call's credentials (held for the whole call: a rotation
/// meanwhile does not touch them) and algorithm.
struct Call<'a, A> {
    alg: A,
    creds: ReadGuard<'a, Creds>,
}

impl Signer {
    /// What a call at `unix_time` signs with: the credentials (refreshed
    /// if due, checked against their expiry) and the algorithm with the
    /// day's key. Not inlined: the refresh and the checks keep their
    /// temporaries in this frame, not in the signing call's.
    #[inline(never)]
    fn call_at(&self, unix_time: i64) -> Result<Call<'_, V4<'_>>, Error> {
        let date = self.checked_date(unix_time)?;
        let creds = self.credentials_at(unix_time)?;
        let alg = V4::new(self, &creds, &date);
        Ok(Call { alg, creds })
    }

    /// [`Signer::call_at`] for SigV4a.
    #[cfg(feature = "sigv4a")]
    #[inline(never)]
    fn call_at_v4a(&self, unix_time: i64) -> Result<Call<'_, V4a<'_>>, Error> {
        let date = self.checked_date(unix_time)?;
        let creds = self.credentials_at(unix_time)?;
        let alg = V4a::new(self, &creds, &date);
        Ok(Call { alg, creds })
    }

    /// Whether this signer signs SigV4a.
    fn is_v4a(&self) -> bool {
        cfg!(feature = "sigv4a") && self.flags & Flags::SIGV4A != 0
    }

    /// One operation without a stream, with the signer's algorithm.
    fn op(&self, req: &Request<'_>, unix_time: i64, mode: Mode, what: Output, out: &mut [u8]) -> Result<usize, Error> {
        #[cfg(feature = "sigv4a")]
        if self.is_v4a() {
            return match self.call_at_v4a(unix_time) {
                Ok(ref call) => self.run(call, req, mode, what, out, None),
                Err(e) => Err(e),
            };
        }
        match self.call_at(unix_time) {
            Ok(ref call) => self.run(call, req, mode, what, out, None),
            Err(e) => Err(e),
        }
    }

    /// The signing time of a call at `unix_time`, the signer checked.
    /// (The checks return the date alone: a `Result<V4>` moved into the
    /// caller cost small stacks a second copy of the key.)
    fn checked_date(&self, unix_time: i64) -> Result<AmzDate, Error> {
        if !self.is_ready() {
            return Err(Error::NotInitialized);
        }
        AmzDate::from_unix(unix_time)
    }

    /// Plans `req`, sizes the output with placeholder digits and, only when
    /// it fits, hashes the payload, computes the digits the output embeds
    /// (signature or canonical request hash) and writes the output and a
    /// NUL. Nothing is written on error. Returns the bytes written. For an
    /// aws-chunked seed request, `chunked` carries the stream and a function
    /// given the seed signature on success (called from here: a returned
    /// copy cost every caller's frame 64 bytes).
    #[inline(never)]
    fn run<A: Algorithm>(
        &self,
        call: &Call<'_, A>,
        req: &Request<'_>,
        mode: Mode,
        what: Output,
        out: &mut [u8],
        chunked: Option<(&Streaming, Seeded<'_, A::Signature>)>,
    ) -> Result<usize, Error> {
        let (stream, seeded) = match chunked {
            Some((st, f)) => (Some(st), Some(f)),
            None => (None, None),
        };
        let alg = &call.alg;
        let mut plan = Plan::new(self, &call.creds, req);
        plan.prepare(*alg.date(), mode, stream)?;
        // A signature of variable length is computed first and sizes the
        // output itself.
        let early = match what {
            Output::Headers | Output::Url if A::SIGN_FIRST => Some(sign(&mut plan, alg)),
            _ => None,
        };
        // Sizing: from lengths alone when the buffer is surely large enough
        // (the usual case), else exactly, by a counting pass.
        let placeholder = early.as_ref().unwrap_or(alg.placeholder());
        // Bare metal keeps the smaller code: always the counting pass.
        let bound = match what {
            Output::Headers if !cfg!(target_os = "none") => headers_bound(&plan, alg, placeholder),
            Output::Url if !cfg!(target_os = "none") => url_bound(&plan, alg, placeholder),
            _ => usize::MAX,
        };
        let needed = if out.len() > bound {
            None
        } else {
            let mut c = Counter(0);
            emit(what, &plan, alg, &mut c, placeholder);
            let needed = c.0.saturating_add(1);
            if out.len() < needed {
                return Err(Error::BufferTooSmall(needed));
            }
            Some(needed)
        };
        let digits = match what {
            Output::Headers | Output::Url => match early {
                Some(sig) => sig,
                None => sign(&mut plan, alg),
            },
            Output::CanonicalRequest => {
                plan.hash_payload();
                *alg.placeholder()
            }
            Output::StringToSign => {
                plan.hash_payload();
                A::from_hex(hex32(&canonical_request_hash(&plan, alg)))
            }
        };
        let mut w = SliceWriter::new(out);
        emit(what, &plan, alg, &mut w, &digits);
        w.put(b"\0");
        debug_assert!(!w.overflowed() && needed.is_none_or(|n| w.len() == n) && w.len() <= bound);
        if let Some(f) = seeded {
            f(&digits);
        }
        Ok(w.len())
    }

    // The calls below use the `Call` where `call_at` returned it (`ref`):
    // moving it out of the Result cost small stacks a second copy.

    /// Signs `req` for header authentication at `unix_time`. Writes the
    /// headers to add into `out` as `Name: value\0` entries and returns the
    /// number of bytes written (every NUL included). Nothing is written on
    /// error; [`Error::BufferTooSmall`] carries the size needed.
    pub fn sign_headers(&self, req: &Request<'_>, unix_time: i64, out: &mut [u8]) -> Result<usize, Error> {
        self.op(req, unix_time, Mode::Headers, Output::Headers, out)
    }

    /// Writes the presigned URL (NUL-terminated) valid for `expires` seconds;
    /// returns the bytes written, the NUL included.
    pub fn presign(&self, req: &Request<'_>, unix_time: i64, expires: u32, out: &mut [u8]) -> Result<usize, Error> {
        self.op(req, unix_time, Mode::Presign(expires), Output::Url, out)
    }

    /// Writes the canonical request (NUL-terminated), as AWS shows it in a
    /// `SignatureDoesNotMatch` answer.
    pub fn canonical_request(
        &self,
        req: &Request<'_>,
        unix_time: i64,
        mode: Mode,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        self.op(req, unix_time, mode, Output::CanonicalRequest, out)
    }

    /// Writes the string to sign (NUL-terminated).
    pub fn string_to_sign(
        &self,
        req: &Request<'_>,
        unix_time: i64,
        mode: Mode,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        self.op(req, unix_time, mode, Output::StringToSign, out)
    }

    /// Starts an aws-chunked upload: signs the seed request (adding
    /// `Content-Encoding: aws-chunked`, `Content-Length` of the encoded body,
    /// `X-Amz-Decoded-Content-Length`, `X-Amz-Trailer` with a trailer, and the
    /// streaming `X-Amz-Content-SHA256`), writes the headers to add as
    /// [`Signer::sign_headers`] does, and readies `state` for the chunks.
    /// The request's payload is ignored.
    pub fn begin_chunked(
        &self,
        req: &Request<'_>,
        unix_time: i64,
        streaming: &Streaming,
        state: &mut ChunkState,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        self.begin_chunked_with(req, unix_time, streaming, out, &mut |date, seed| {
            state.start(streaming, date, seed)
        })
    }

    /// [`Signer::begin_chunked`] with the state left to `start`, called
    /// on success with the signing time and the seed (the day's key, or
    /// SigV4a's, and the seed signature; the C ABI builds the state in the
    /// caller's memory). Not inlined: the call's key lives in this frame,
    /// not the caller's. A SigV4a signer takes the SigV4a modes or the
    /// unsigned one, a SigV4 signer the others ([`Error::InvalidArgument`]).
    #[inline(never)]
    pub(crate) fn begin_chunked_with(
        &self,
        req: &Request<'_>,
        unix_time: i64,
        streaming: &Streaming,
        out: &mut [u8],
        start: &mut dyn FnMut(AmzDate, Seed<'_>),
    ) -> Result<usize, Error> {
        streaming.validate()?;
        if streaming.mode.signed() && streaming.mode.v4a() != self.is_v4a() {
            return Err(Error::InvalidArgument);
        }
        #[cfg(feature = "sigv4a")]
        if self.is_v4a() {
            let got = self.call_at_v4a(unix_time);
            let call = match got {
                Ok(ref call) => call,
                Err(e) => return Err(e),
            };
            return self.run(
                call,
                req,
                Mode::Headers,
                Output::Headers,
                out,
                Some((streaming, &mut |seed| {
                    start(call.alg.date, Seed::V4a(call.alg.key(), seed))
                })),
            );
        }
        // (`ref`: a moved `Call` cost small stacks a second copy.)
        let got = self.call_at(unix_time);
        let call = match got {
            Ok(ref call) => call,
            Err(e) => return Err(e),
        };
        self.run(
            call,
            req,
            Mode::Headers,
            Output::Headers,
            out,
            Some((streaming, &mut |seed| {
                start(call.alg.date, Seed::V4(call.alg.key(), seed))
            })),
        )
    }

    /// The signature alone (64 lower-case hex digits).
    /// SigV4 only ([`Error::InvalidArgument`] on a SigV4a signer).
    pub fn signature(&self, req: &Request<'_>, unix_time: i64, mode: Mode) -> Result<[u8; 64], Error> {
        if self.is_v4a() {
            return Err(Error::InvalidArgument);
        }
        let call = self.call_at(unix_time)?;
        let alg = &call.alg;
        let mut plan = Plan::new(self, &call.creds, req);
        plan.prepare(*alg.date(), mode, None)?;
        Ok(sign(&mut plan, alg))
    }
}
