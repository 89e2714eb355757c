//! The shape of an aws-chunked upload, known before the first byte: an
//! input of the seed request's plan and of the chunk state.

use super::Error;
use super::checksum::ChecksumKind;

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
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD`: SigV4a's signed chunks,
    /// no trailer.
    SignedV4a,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER`: SigV4a's signed
    /// chunks and signed checksum trailer.
    SignedTrailerV4a,
}

/// The hex digits of a SigV4 chunk or trailer signature.
const V4_SIG_LEN: u64 = 64;
/// Those of a SigV4a one: its DER in hex, padded with `*` to the longest
/// (72 bytes), as aws-c-auth writes it, so lengths are known up front.
const V4A_SIG_LEN: u64 = 144;

impl StreamMode {
    /// The `x-amz-content-sha256` value of the seed request.
    pub fn payload_line(self) -> &'static [u8] {
        match self {
            StreamMode::Signed => b"STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            StreamMode::SignedTrailer => b"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            StreamMode::UnsignedTrailer => b"STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            StreamMode::SignedV4a => b"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
            StreamMode::SignedTrailerV4a => b"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
        }
    }
    pub(crate) fn signed(self) -> bool {
        self != StreamMode::UnsignedTrailer
    }
    /// Whether the chunks are signed with SigV4a (a SigV4a signer's modes;
    /// the unsigned one serves both algorithms).
    pub fn v4a(self) -> bool {
        matches!(self, StreamMode::SignedV4a | StreamMode::SignedTrailerV4a)
    }
    fn trailer(self) -> bool {
        !matches!(self, StreamMode::Signed | StreamMode::SignedV4a)
    }
    /// Hex digits of each chunk (and trailer) signature on the wire.
    pub(crate) const fn sig_len(self) -> u64 {
        match self {
            StreamMode::UnsignedTrailer => 0,
            StreamMode::SignedV4a | StreamMode::SignedTrailerV4a => V4A_SIG_LEN,
            StreamMode::Signed | StreamMode::SignedTrailer => V4_SIG_LEN,
        }
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

pub(crate) fn hex_digits(n: u64) -> u64 {
    u64::from((64 - n.leading_zeros()).div_ceil(4).max(1))
}

impl Streaming {
    /// Checks the combination.
    pub fn validate(&self) -> Result<(), Error> {
        if self.chunk_size == 0 || self.mode.trailer() != self.checksum.is_some() {
            return Err(Error::InvalidArgument);
        }
        self.encoded_len().map(|_| ())
    }

    fn chunk_overhead(&self, size: u64) -> u64 {
        // `<hex>[;chunk-signature=<sig>]\r\n` <data> `\r\n`
        hex_digits(size) + self.sig_field() + 4
    }

    /// `;chunk-signature=<sig>`, or nothing unsigned.
    fn sig_field(&self) -> u64 {
        if self.mode.signed() {
            17 + self.mode.sig_len()
        } else {
            0
        }
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
        // Final chunk `0[;chunk-signature=<sig>]\r\n`, trailer, blank line.
        let mut tail = 1 + self.sig_field() + 2 + 2;
        if let Some(k) = self.checksum {
            tail += (k.header_name().len() + 1 + k.b64_len() + 2) as u64;
            if self.mode.signed() {
                // `x-amz-trailer-signature:<sig>\r\n`
                tail += 24 + self.mode.sig_len() + 2;
            }
        }
        total.and_then(|t| t.checked_add(tail)).ok_or(Error::InputTooLong)
    }
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
