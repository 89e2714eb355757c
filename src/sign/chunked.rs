//! aws-chunked signed streaming (S3 `STREAMING-*` payloads): the seed
//! request, one signature per chunk chained from the previous one, the
//! final zero-length chunk and an optional checksum trailer. The state is a
//! few hundred bytes whatever the object size. It keeps the seed's signing
//! key, so a credential rotation mid-upload leaves the upload's chain
//! intact; finishing (or [`ChunkState::clear`]) zeroes it.

use super::Error;
use super::algorithm::V4;
use super::checksum::Checksum;
use super::encode::hex32;
use super::sha::{EMPTY_SHA256, HmacKey, sha256};
use super::signer::Signer;
use super::sink::{Counter, Sink, SliceWriter};
use super::stream::{StreamMode, Streaming, hex_digits};
use super::time::AmzDate;

/// The running state of one streamed upload: plain data, so it can live in
/// caller memory. `ready` comes first so the C ABI can check it before
/// trusting the rest.
#[repr(C)]
pub struct ChunkState {
    ready: u32,
    mode: StreamMode,
    date: AmzDate,
    key: HmacKey,
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
            key: HmacKey::ZERO,
            prev: [0; 64],
            remaining: 0,
            chunk_size: 0,
            checksum: None,
        }
    }

    pub(crate) fn start(&mut self, s: &Streaming, date: AmzDate, key: &HmacKey, seed: [u8; 64]) {
        *self = Self::started(s, date, key, seed);
    }

    /// The state after a seed request signed at `date` with `key` and `seed`.
    pub(crate) fn started(s: &Streaming, date: AmzDate, key: &HmacKey, seed: [u8; 64]) -> Self {
        ChunkState {
            ready: Self::READY,
            mode: s.mode,
            date,
            key: key.clone(),
            prev: seed,
            remaining: s.decoded_len,
            chunk_size: s.chunk_size,
            checksum: s.checksum.map(Checksum::new),
        }
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

    /// The signature of `<algorithm>\n<date>\n<scope>\n<previous signature>\n`
    /// followed by `tail`: the chunk's and the trailer's string to sign.
    /// Not inlined: the one MAC state lives here, not in the callers'
    /// frames beside their hash states, nor above the key's derivation.
    #[inline(never)]
    fn chained_sig(&self, alg: &V4<'_>, algorithm: &[u8], tail: &[&[u8]]) -> [u8; 64] {
        let mut mac = alg.mac();
        alg.prefix(&mut mac, algorithm);
        mac.put(&self.prev);
        mac.put(b"\n");
        for t in tail {
            mac.put(t);
        }
        hex32(&mac.finish())
    }

    /// The next chunk's signature (signed modes), chaining from the previous.
    fn chain(&mut self, signer: &Signer, data_hash: &[u8]) -> [u8; 64] {
        let alg = V4::with_key(signer, &self.date, &self.key);
        self.prev = self.chained_sig(&alg, b"AWS4-HMAC-SHA256-PAYLOAD", &[EMPTY_SHA256, b"\n", data_hash]);
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
            let sig = self.chain(signer, EMPTY_SHA256);
            (sig, self.trailer_signature(signer))
        } else {
            ([0; 64], [0; 64])
        };
        let mut w = SliceWriter::new(out);
        self.write_final(&mut w, &sig, &tsig);
        self.ready = 0;
        // The upload is over: its key goes (the old value's drop zeroes it).
        self.key = HmacKey::ZERO;
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
        let th = self.trailer_hash();
        let alg = V4::with_key(signer, &self.date, &self.key);
        self.chained_sig(&alg, b"AWS4-HMAC-SHA256-TRAILER", &[&th])
    }

    /// The hash of the trailer lines, in hex. Not inlined: its hash state
    /// stays out of the frame that holds the MAC's.
    #[inline(never)]
    fn trailer_hash(&self) -> [u8; 64] {
        let mut h = super::sha::Sha256::new();
        self.write_trailer_line(&mut h, b"\n");
        hex32(&h.finish())
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
