//! aws-chunked signed streaming (S3 `STREAMING-*` payloads): the seed
//! request, one signature per chunk chained from the previous one, the
//! final zero-length chunk and an optional checksum trailer. The state is a
//! few hundred bytes whatever the object size. It keeps the seed's signing
//! key, so a credential rotation mid-upload leaves the upload's chain
//! intact; finishing zeroes it.
//!
//! SigV4a (`STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]`) follows
//! aws-c-auth: the same strings to sign with `AWS4-ECDSA-P256-SHA256-PAYLOAD`
//! / `-TRAILER` and SigV4a's scope (no region), each signed with ECDSA; on the
//! wire a signature is its DER in hex padded with `*` to 144 digits, and the
//! next string to sign chains the unpadded hex.

use super::Error;
use super::algorithm::V4;
use super::checksum::Checksum;
use super::encode::hex32;
use super::sha::{EMPTY_SHA256, HmacKey, sha256};
use super::signer::Signer;
use super::sink::{Counter, Sink, SliceWriter};
use super::stream::{StreamMode, Streaming, hex_digits};
use super::time::AmzDate;
#[cfg(feature = "sigv4a")]
use super::v4a::{Der, DerHex, V4aKey};

/// The seed request's key and signature, handed to a new state.
pub(crate) enum Seed<'a> {
    V4(&'a HmacKey, &'a [u8; 64]),
    #[cfg(feature = "sigv4a")]
    V4a(&'a V4aKey, &'a DerHex),
}

/// The signature chain: the key the seed was signed with and the previous
/// signature (SigV4a's as DER bytes: its hex would not fit the state).
enum Chain {
    V4 {
        key: HmacKey,
        prev: [u8; 64],
    },
    #[cfg(feature = "sigv4a")]
    V4a {
        key: V4aKey,
        prev: Der,
    },
}

impl Chain {
    fn of(seed: Seed<'_>) -> Chain {
        match seed {
            Seed::V4(key, sig) => Chain::V4 {
                key: key.clone(),
                prev: *sig,
            },
            #[cfg(feature = "sigv4a")]
            Seed::V4a(key, sig) => Chain::V4a {
                key: V4aKey(key.0),
                prev: Der::of(sig),
            },
        }
    }
}

// The padded SigV4a signature is what the encoded length counts.
#[cfg(feature = "sigv4a")]
const _: () = assert!(StreamMode::SignedV4a.sig_len() as usize == super::v4a::MAX_SIGNATURE_HEX_LEN);

/// What a signature of the chain signs.
#[derive(Clone, Copy)]
enum Link {
    Chunk,
    Trailer,
}

/// The running state of one streamed upload: plain data, so it can live in
/// caller memory. `ready` comes first so the C ABI can check it before
/// trusting the rest.
#[repr(C)]
pub struct ChunkState {
    ready: u32,
    mode: StreamMode,
    date: AmzDate,
    chain: Chain,
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
            chain: Chain::V4 {
                key: HmacKey::ZERO,
                prev: [0; 64],
            },
            remaining: 0,
            chunk_size: 0,
            checksum: None,
        }
    }

    pub(crate) fn start(&mut self, s: &Streaming, date: AmzDate, seed: Seed<'_>) {
        *self = Self::started(s, date, seed);
    }

    /// The state after a seed request signed at `date` with `seed`'s key
    /// and signature.
    pub(crate) fn started(s: &Streaming, date: AmzDate, seed: Seed<'_>) -> Self {
        ChunkState {
            ready: Self::READY,
            mode: s.mode,
            date,
            chain: Chain::of(seed),
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

    /// Signs `<algorithm>\n<date>\n<scope>\n<previous signature>\n`
    /// followed by `tail` (the chunk's or the trailer's string to sign) and
    /// makes that signature the previous one. Not inlined: the one MAC
    /// (or hash) state lives here, not in the callers' frames beside theirs.
    #[inline(never)]
    fn chain(&mut self, signer: &Signer, link: Link, tail: &[&[u8]]) {
        match &mut self.chain {
            Chain::V4 { key, prev } => {
                let alg = V4::with_key(signer, &self.date, key);
                let mut mac = alg.mac();
                alg.prefix(
                    &mut mac,
                    match link {
                        Link::Chunk => b"AWS4-HMAC-SHA256-PAYLOAD",
                        Link::Trailer => b"AWS4-HMAC-SHA256-TRAILER",
                    },
                );
                mac.put(prev);
                mac.put(b"\n");
                for t in tail {
                    mac.put(t);
                }
                *prev = hex32(&mac.finish());
            }
            #[cfg(feature = "sigv4a")]
            Chain::V4a { key, prev } => {
                let mut h = super::sha::Sha256::new();
                h.put(match link {
                    Link::Chunk => b"AWS4-ECDSA-P256-SHA256-PAYLOAD\n",
                    Link::Trailer => b"AWS4-ECDSA-P256-SHA256-TRAILER\n",
                });
                h.put(&self.date.full);
                h.put(b"\n");
                // SigV4a's scope: no region.
                h.put(self.date.date());
                h.put(b"/");
                h.put(signer.service());
                h.put(b"/aws4_request\n");
                // The previous signature unpadded, as aws-c-auth trims it.
                prev.write_hex(&mut h);
                h.put(b"\n");
                for t in tail {
                    h.put(t);
                }
                *prev = Der::of(&super::v4a::sign_digest(key, &h.finish()));
            }
        }
    }

    /// Writes the previous signature as sent: SigV4's hex, or SigV4a's
    /// padded with `*` to a fixed width (the length is known up front).
    fn write_sig(&self, s: &mut dyn Sink) {
        let n = match &self.chain {
            Chain::V4 { prev, .. } => {
                s.put(prev);
                prev.len()
            }
            #[cfg(feature = "sigv4a")]
            Chain::V4a { prev, .. } => {
                prev.write_hex(s);
                prev.hex_len()
            }
        };
        for _ in n..self.mode.sig_len() as usize {
            s.put(b"*");
        }
    }

    /// `<hex-size>[;chunk-signature=<previous signature>]\r\n`.
    fn write_chunk_header(&self, s: &mut dyn Sink, len: u64) {
        let mut hex = [0u8; 16];
        let n = hex_digits(len) as usize;
        for (i, h) in hex[..n].iter_mut().enumerate() {
            *h = b"0123456789abcdef"[(len >> (4 * (n - 1 - i)) & 15) as usize];
        }
        s.put(&hex[..n]);
        if self.mode.signed() {
            s.put(b";chunk-signature=");
            self.write_sig(s);
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
        // Signatures have a fixed width on the wire: the previous one sizes
        // the next.
        let mut c = Counter(0);
        self.write_chunk_header(&mut c, want);
        if out.len() < c.0 {
            return Err(Error::BufferTooSmall(c.0));
        }
        if let Some(ck) = self.checksum.as_mut() {
            ck.update(data);
        }
        if self.mode.signed() {
            self.chain(signer, Link::Chunk, &[EMPTY_SHA256, b"\n", &hex32(&sha256(data))]);
        }
        self.remaining -= want;
        let mut w = SliceWriter::new(out);
        self.write_chunk_header(&mut w, want);
        Ok(w.len())
    }

    /// Writes the final zero-length chunk, the trailer (with its signature in
    /// the signed modes) and the closing blank line; the state is then spent.
    pub fn finish(&mut self, signer: &Signer, out: &mut [u8]) -> Result<usize, Error> {
        self.check()?;
        if !signer.is_ready() {
            return Err(Error::NotInitialized);
        }
        if self.remaining != 0 {
            return Err(Error::IncompletePayload);
        }
        let mut c = Counter(0);
        self.write_final(&mut c, None);
        if out.len() < c.0 {
            return Err(Error::BufferTooSmall(c.0));
        }
        // It fits: written in order, each signature as soon as it is made
        // (the trailer's chains on the final chunk's).
        let mut w = SliceWriter::new(out);
        self.write_final(&mut w, Some(signer));
        self.ready = 0;
        // The upload is over: its key goes (the old value's drop zeroes it).
        self.chain = Chain::V4 {
            key: HmacKey::ZERO,
            prev: [0; 64],
        };
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

    /// The hash of the trailer lines, in hex. Not inlined: its hash state
    /// stays out of the frame that holds the MAC's.
    #[inline(never)]
    fn trailer_hash(&self) -> [u8; 64] {
        let mut h = super::sha::Sha256::new();
        self.write_trailer_line(&mut h, b"\n");
        hex32(&h.finish())
    }

    /// The end of the body; with `signer`, signs as it goes (without, the
    /// previous signature stands in: same width, for sizing).
    fn write_final(&mut self, s: &mut dyn Sink, signer: Option<&Signer>) {
        let sign = self.mode.signed();
        if let (Some(signer), true) = (signer, sign) {
            self.chain(signer, Link::Chunk, &[EMPTY_SHA256, b"\n", EMPTY_SHA256]);
        }
        self.write_chunk_header(s, 0);
        self.write_trailer_line(s, b"\r\n");
        if self.checksum.is_some() && sign {
            if let Some(signer) = signer {
                let th = self.trailer_hash();
                self.chain(signer, Link::Trailer, &[&th]);
            }
            s.put(b"x-amz-trailer-signature:");
            self.write_sig(s);
            s.put(b"\r\n");
        }
        s.put(b"\r\n");
    }
}

fn ck_name(c: &Checksum) -> &'static [u8] {
    c.kind().header_name()
}
