//! The signer's operations, each one pass down the pipeline: request →
//! plan → canonical request → string to sign → signature → output.
//! Nothing below this module calls back up into it.

use super::Error;
use super::algorithm::{Algorithm, V4};
use super::canonical::{canonical_request_hash, write_canonical_request};
use super::chunked::ChunkState;
use super::encode::hex32;
use super::output::{write_headers, write_presigned_url};
use super::plan::Plan;
use super::request::{Mode, Request};
use super::signer::Signer;
use super::sink::{Counter, Sink, SliceWriter};
use super::stream::Streaming;

/// The signature of a prepared plan (hashes a pending payload first).
fn sign<A: Algorithm>(plan: &mut Plan<'_>, alg: &A) -> A::Signature {
    plan.hash_payload();
    alg.sign(&hex32(&canonical_request_hash(plan, alg)))
}

/// Sizes the output with `placeholder` in place of what it embeds; only
/// when it fits, computes that (`compute`, after the payload is hashed)
/// and writes the output and a NUL. Nothing is written on error.
fn write_output<T>(
    out: &mut [u8],
    plan: &mut Plan<'_>,
    placeholder: T,
    compute: impl FnOnce(&mut Plan<'_>) -> T,
    emit: impl Fn(&Plan<'_>, &mut dyn Sink, &T),
) -> Result<(usize, T), Error> {
    let mut c = Counter(0);
    emit(plan, &mut c, &placeholder);
    let needed = c.0.saturating_add(1);
    if out.len() < needed {
        return Err(Error::BufferTooSmall(needed));
    }
    plan.hash_payload();
    let v = compute(plan);
    let mut w = SliceWriter::new(out);
    emit(plan, &mut w, &v);
    w.put(b"\0");
    debug_assert!(!w.overflowed() && w.len() == needed);
    Ok((w.len(), v))
}

impl Signer {
    fn v4(&self, plan: &Plan<'_>) -> V4<'_> {
        V4 {
            signer: self,
            date: plan.date,
        }
    }

    /// Signs `req` for header authentication at `unix_time`. Writes the
    /// headers to add into `out` as `Name: value\0` entries and returns the
    /// number of bytes written (every NUL included). Nothing is written on
    /// error; [`Error::BufferTooSmall`] carries the size needed.
    pub fn sign_headers(&self, req: &Request<'_>, unix_time: i64, out: &mut [u8]) -> Result<usize, Error> {
        let mut plan = Plan::new(self, req);
        plan.prepare(unix_time, Mode::Headers, None)?;
        let alg = self.v4(&plan);
        let (n, _) = write_output(
            out,
            &mut plan,
            alg.placeholder(),
            |p| sign(p, &alg),
            |p, s, sig| write_headers(p, &alg, s, sig),
        )?;
        Ok(n)
    }

    /// Writes the presigned URL (NUL-terminated) valid for `expires` seconds;
    /// returns the bytes written, the NUL included.
    pub fn presign(&self, req: &Request<'_>, unix_time: i64, expires: u32, out: &mut [u8]) -> Result<usize, Error> {
        let mut plan = Plan::new(self, req);
        plan.prepare(unix_time, Mode::Presign(expires), None)?;
        let alg = self.v4(&plan);
        let (n, _) = write_output(
            out,
            &mut plan,
            alg.placeholder(),
            |p| sign(p, &alg),
            |p, s, sig| write_presigned_url(p, &alg, s, sig),
        )?;
        Ok(n)
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
        let mut plan = Plan::new(self, req);
        plan.prepare(unix_time, mode, None)?;
        let alg = self.v4(&plan);
        let (n, _) = write_output(
            out,
            &mut plan,
            (),
            |_| (),
            |p, s, _| write_canonical_request(p, &alg, s),
        )?;
        Ok(n)
    }

    /// Writes the string to sign (NUL-terminated).
    pub fn string_to_sign(
        &self,
        req: &Request<'_>,
        unix_time: i64,
        mode: Mode,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let mut plan = Plan::new(self, req);
        plan.prepare(unix_time, mode, None)?;
        let alg = self.v4(&plan);
        let (n, _) = write_output(
            out,
            &mut plan,
            [b'0'; 64],
            |p| hex32(&canonical_request_hash(p, &alg)),
            |_, s, creq| alg.write_string_to_sign(s, creq),
        )?;
        Ok(n)
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
        streaming.validate()?;
        let mut plan = Plan::new(self, req);
        plan.prepare(unix_time, Mode::Headers, Some(*streaming))?;
        let alg = self.v4(&plan);
        let (n, seed) = write_output(
            out,
            &mut plan,
            alg.placeholder(),
            |p| sign(p, &alg),
            |p, s, sig| write_headers(p, &alg, s, sig),
        )?;
        state.start(streaming, plan.date, seed);
        Ok(n)
    }

    /// The signature alone (64 lower-case hex digits).
    pub fn signature(&self, req: &Request<'_>, unix_time: i64, mode: Mode) -> Result<[u8; 64], Error> {
        let mut plan = Plan::new(self, req);
        plan.prepare(unix_time, mode, None)?;
        let alg = self.v4(&plan);
        Ok(sign(&mut plan, &alg))
    }
}
