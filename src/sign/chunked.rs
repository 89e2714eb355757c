//! aws-chunked signed streaming (S3 `STREAMING-*` payloads): the seed
//! request, one signature per chunk chained from the previous one, the
//! final zero-length chunk and an optional checksum trailer. The state is a
//! few hundred bytes whatever the object size.

use super::Error;
use super::checksum::{Checksum, ChecksumKind};
use super::encode::hex32;
use super::sha::{Hmac, sha256};
use super::signer::Signer;
use super::sink::{Counter, Sink, SliceWriter};
use super::time::AmzDate;

const EMPTY_SHA256: &[u8] = b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Which streaming payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamMode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: signed chunks, no trailer.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and a
    /// signed checksum trailer.
    SignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks, checksum trailer.
    UnsignedTrailer,
}

impl StreamMode {
    /// The `x-amz-content-sha256` value of the seed request.
    pub fn payload_line(self) -> &'static [u8] {
        match self {
            StreamMode::Signed => b"STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            StreamMode::SignedTrailer => b"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            StreamMode::UnsignedTrailer => b"STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        }
    }
    fn signed(self) -> bool {
        self != StreamMode::UnsignedTrailer
    }
}

/// The shape of a streamed upload, known before the first byte is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Streaming {
    /// Signed or unsigned chunks, trailer or not.
    pub mode: StreamMode,
    /// The trailer checksum: required with a trailer, refused without one.
    pub checksum: Option<ChecksumKind>,
    /// Bytes of the object (`x-amz-decoded-content-length`).
    pub decoded_len: u64,
    /// Bytes per chunk; every chunk but the last has exactly this size (S3
    /// wants at least 8192).
    pub chunk_size: u32,
}

fn hex_digits(n: u64) -> u64 {
    u64::from((64 - n.leading_zeros()).div_ceil(4).max(1))
}

impl Streaming {
    /// Checks the combination.
    pub fn validate(&self) -> Result<(), Error> {
        let trailer = self.mode != StreamMode::Signed;
        if self.chunk_size == 0 || trailer != self.checksum.is_some() {
            return Err(Error::InvalidArgument);
        }
        self.encoded_len().map(|_| ())
    }

    fn chunk_overhead(&self, size: u64) -> u64 {
        // `<hex>[;chunk-signature=<64>]\r\n` <data> `\r\n`
        hex_digits(size) + if self.mode.signed() { 17 + 64 } else { 0 } + 4
    }

    /// The `Content-Length` of the encoded body (checked: a length that does
    /// not fit in 64 bits is `InputTooLong`).
    pub fn encoded_len(&self) -> Result<u64, Error> {
        let size = u64::from(self.chunk_size);
        let full = self.decoded_len / size;
        let rest = self.decoded_len % size;
        let mut total = full.checked_mul(self.chunk_overhead(size));
        if rest > 0 {
            total = total.and_then(|t| t.checked_add(self.chunk_overhead(rest)));
        }
        total = total.and_then(|t| t.checked_add(self.decoded_len));
        // Final chunk `0[;chunk-signature=<64>]\r\n`, trailer, blank line.
        let mut tail = 1 + if self.mode.signed() { 17 + 64 } else { 0 } + 2 + 2;
        if let Some(k) = self.checksum {
            tail += (k.header_name().len() + 1 + k.b64_len() + 2) as u64;
            if self.mode.signed() {
                tail += 24 + 64 + 2;
            }
        }
        total.and_then(|t| t.checked_add(tail)).ok_or(Error::InputTooLong)
    }
}

/// The running state of one streamed upload: plain data, so it can live in
/// caller memory. `ready` comes first so the C ABI can check it before
/// trusting the rest.
#[repr(C)]
pub struct ChunkState {
    ready: u32,
    mode: StreamMode,
    date: AmzDate,
    prev: [u8; 64],
    remaining: u64,
    chunk_size: u32,
    checksum: Option<Checksum>,
}

impl ChunkState {
    /// The value of the first word of a started state.
    pub const READY: u32 = 0x4348_4e4b;

    /// A state that accepts no chunk until a seed request starts it.
    pub const fn empty() -> Self {
        ChunkState {
            ready: 0,
            mode: StreamMode::Signed,
            date: AmzDate { full: [0; 16], day: 0 },
            prev: [0; 64],
            remaining: 0,
            chunk_size: 0,
            checksum: None,
        }
    }

    pub(crate) fn start(&mut self, s: &Streaming, date: AmzDate, seed: [u8; 64]) {
        *self = ChunkState {
            ready: Self::READY,
            mode: s.mode,
            date,
            prev: seed,
            remaining: s.decoded_len,
            chunk_size: s.chunk_size,
            checksum: s.checksum.map(Checksum::new),
        };
    }

    /// Bytes still expected.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    fn check(&self) -> Result<(), Error> {
        if self.ready == Self::READY {
            Ok(())
        } else {
            Err(Error::NotInitialized)
        }
    }

    /// An HMAC over `<algorithm>\n<date>\n<scope>\n<previous signature>\n`,
    /// the start of both the chunk and the trailer strings to sign.
    fn chained_mac(&self, signer: &Signer, algorithm: &[u8]) -> Hmac {
        let mut mac = signer.signing_key(&self.date).start();
        mac.put(algorithm);
        mac.put(b"\n");
        mac.put(&self.date.full);
        mac.put(b"\n");
        signer.write_scope(&mut mac, &self.date);
        mac.put(b"\n");
        mac.put(&self.prev);
        mac.put(b"\n");
        mac
    }

    /// The next chunk's signature (signed modes), chaining from the previous.
    fn chain(&mut self, signer: &Signer, data_hash: &[u8; 64]) -> [u8; 64] {
        let mut mac = self.chained_mac(signer, b"AWS4-HMAC-SHA256-PAYLOAD");
        mac.put(EMPTY_SHA256);
        mac.put(b"\n");
        mac.put(data_hash);
        self.prev = hex32(&mac.finish());
        self.prev
    }

    fn write_chunk_header(&self, s: &mut dyn Sink, len: u64, sig: &[u8; 64]) {
        let mut hex = [0u8; 16];
        let n = hex_digits(len) as usize;
        for (i, h) in hex[..n].iter_mut().enumerate() {
            *h = b"0123456789abcdef"[(len >> (4 * (n - 1 - i)) & 15) as usize];
        }
        s.put(&hex[..n]);
        if self.mode.signed() {
            s.put(b";chunk-signature=");
            s.put(sig);
        }
        s.put(b"\r\n");
    }

    /// Signs one data chunk and writes its header (`<hex-size>;chunk-signature=<sig>\r\n`,
    /// or `<hex-size>\r\n` unsigned). Send the header, the data, then `\r\n`.
    /// Every chunk but the last must be exactly the chunk size.
    pub fn sign_chunk(&mut self, signer: &Signer, data: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        self.check()?;
        if !signer.is_ready() {
            return Err(Error::NotInitialized);
        }
        let want = self.remaining.min(u64::from(self.chunk_size));
        if data.is_empty() || data.len() as u64 != want {
            return Err(Error::InvalidChunkSize);
        }
        let mut c = Counter(0);
        self.write_chunk_header(&mut c, want, &[0; 64]);
        if out.len() < c.0 {
            return Err(Error::BufferTooSmall(c.0));
        }
        if let Some(ck) = self.checksum.as_mut() {
            ck.update(data);
        }
        let sig = if self.mode.signed() {
            self.chain(signer, &hex32(&sha256(data)))
        } else {
            [0; 64]
        };
        self.remaining -= want;
        let mut w = SliceWriter::new(out);
        self.write_chunk_header(&mut w, want, &sig);
        Ok(w.len())
    }

    /// Writes the final zero-length chunk, the trailer (with its signature in
    /// the signed mode) and the closing blank line; the state is then spent.
    pub fn finish(&mut self, signer: &Signer, out: &mut [u8]) -> Result<usize, Error> {
        self.check()?;
        if !signer.is_ready() {
            return Err(Error::NotInitialized);
        }
        if self.remaining != 0 {
            return Err(Error::IncompletePayload);
        }
        let mut c = Counter(0);
        self.write_final(&mut c, &[0; 64], &[0; 64]);
        if out.len() < c.0 {
            return Err(Error::BufferTooSmall(c.0));
        }
        let (sig, tsig) = if self.mode.signed() {
            let sig = self.chain(signer, &hex32(&sha256(b"")));
            (sig, self.trailer_signature(signer))
        } else {
            ([0; 64], [0; 64])
        };
        let mut w = SliceWriter::new(out);
        self.write_final(&mut w, &sig, &tsig);
        self.ready = 0;
        Ok(w.len())
    }

    fn write_trailer_line(&self, s: &mut dyn Sink, nl: &[u8]) {
        if let Some(ck) = &self.checksum {
            let (b64, n) = ck.finish_b64();
            s.put(ck_name(ck));
            s.put(b":");
            s.put(&b64[..n]);
            s.put(nl);
        }
    }

    fn trailer_signature(&self, signer: &Signer) -> [u8; 64] {
        if self.checksum.is_none() {
            return [0; 64];
        }
        let mut h = super::sha::Sha256::new();
        self.write_trailer_line(&mut h, b"\n");
        let mut mac = self.chained_mac(signer, b"AWS4-HMAC-SHA256-TRAILER");
        mac.put(&hex32(&h.finish()));
        hex32(&mac.finish())
    }

    fn write_final(&self, s: &mut dyn Sink, sig: &[u8; 64], tsig: &[u8; 64]) {
        self.write_chunk_header(s, 0, sig);
        self.write_trailer_line(s, b"\r\n");
        if self.checksum.is_some() && self.mode.signed() {
            s.put(b"x-amz-trailer-signature:");
            s.put(tsig);
            s.put(b"\r\n");
        }
        s.put(b"\r\n");
    }
}

fn ck_name(c: &Checksum) -> &'static [u8] {
    c.kind().header_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_length_of_the_aws_example() {
        // AWS S3 docs: 66,560 bytes in 64 KiB chunks -> Content-Length 66,824.
        let s = Streaming {
            mode: StreamMode::Signed,
            checksum: None,
            decoded_len: 66_560,
            chunk_size: 65_536,
        };
        assert_eq!(s.encoded_len().unwrap(), 66_824);
    }

    #[test]
    fn hex_digit_counts() {
        for (n, d) in [(0u64, 1u64), (1, 1), (15, 1), (16, 2), (65_536, 5), (u64::MAX, 16)] {
            assert_eq!(hex_digits(n), d, "{n}");
        }
    }
}
