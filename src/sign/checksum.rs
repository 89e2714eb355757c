//! Checksums for aws-chunked trailers (CRC32, CRC32C, SHA-256) and the
//! base64 they are sent in. Nibble tables keep the code tiny for firmware.

use super::sha::Sha256;

const fn nibble_table(poly: u32) -> [u32; 16] {
    let mut t = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 4 {
            c = if c & 1 != 0 { (c >> 1) ^ poly } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

const CRC32: [u32; 16] = nibble_table(0xEDB8_8320);
const CRC32C: [u32; 16] = nibble_table(0x82F6_3B78);

/// Continues a reflected CRC (state is the running value before the final
/// inversion; start from `!0`).
fn crc_update(table: &[u32; 16], mut c: u32, data: &[u8]) -> u32 {
    for &b in data {
        c ^= u32::from(b);
        c = (c >> 4) ^ table[(c & 15) as usize];
        c = (c >> 4) ^ table[(c & 15) as usize];
    }
    c
}

/// Which checksum an aws-chunked upload carries in its trailer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumKind {
    /// `x-amz-checksum-crc32`.
    Crc32,
    /// `x-amz-checksum-crc32c`.
    Crc32c,
    /// `x-amz-checksum-sha256`.
    Sha256,
}

impl ChecksumKind {
    /// The trailer header name.
    pub fn header_name(self) -> &'static [u8] {
        match self {
            ChecksumKind::Crc32 => b"x-amz-checksum-crc32",
            ChecksumKind::Crc32c => b"x-amz-checksum-crc32c",
            ChecksumKind::Sha256 => b"x-amz-checksum-sha256",
        }
    }

    /// Length of the base64 value.
    pub fn b64_len(self) -> usize {
        match self {
            ChecksumKind::Sha256 => 44,
            _ => 8,
        }
    }
}

/// A running checksum of one kind.
#[derive(Clone)]
pub struct Checksum {
    kind: ChecksumKind,
    crc: u32,
    sha: Sha256,
}

impl Checksum {
    /// Starts a checksum.
    pub fn new(kind: ChecksumKind) -> Self {
        Checksum {
            kind,
            crc: !0,
            sha: Sha256::new(),
        }
    }

    /// Its kind.
    pub fn kind(&self) -> ChecksumKind {
        self.kind
    }

    /// Feeds data.
    pub fn update(&mut self, data: &[u8]) {
        match self.kind {
            ChecksumKind::Crc32 => self.crc = crc_update(&CRC32, self.crc, data),
            ChecksumKind::Crc32c => self.crc = crc_update(&CRC32C, self.crc, data),
            ChecksumKind::Sha256 => self.sha.update(data),
        }
    }

    /// The base64 value; returns the buffer and its used length.
    pub fn finish_b64(&self) -> ([u8; 44], usize) {
        let mut out = [0u8; 44];
        let n = match self.kind {
            ChecksumKind::Sha256 => base64(&self.sha.clone().finish(), &mut out),
            _ => base64(&(!self.crc).to_be_bytes(), &mut out),
        };
        (out, n)
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard padded base64 of `data` into `out`; returns the length written.
/// `out` must hold `4 * ceil(len / 3)` bytes.
pub fn base64(data: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0;
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            out[n + i] = if i <= chunk.len() {
                B64[(v >> (18 - 6 * i) & 63) as usize]
            } else {
                b'='
            };
        }
        n += 4;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64_of(kind: ChecksumKind, data: &[u8]) -> std::string::String {
        let mut c = Checksum::new(kind);
        c.update(data);
        let (buf, n) = c.finish_b64();
        std::string::String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn crc_check_values() {
        // The "check" values of the CRC catalogue for "123456789".
        let mut c = Checksum::new(ChecksumKind::Crc32);
        c.update(b"123456789");
        assert_eq!(!c.crc, 0xCBF4_3926);
        let mut c = Checksum::new(ChecksumKind::Crc32c);
        c.update(b"1234");
        c.update(b"56789");
        assert_eq!(!c.crc, 0xE306_9283);
    }

    #[test]
    fn base64_rfc4648_vectors() {
        let mut out = [0u8; 16];
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            let n = base64(input.as_bytes(), &mut out);
            assert_eq!(&out[..n], want.as_bytes());
        }
    }

    #[test]
    fn aws_trailer_example_crc32c() {
        // The AWS streaming-trailers example: 66,560 bytes of 'a' -> sOO8/Q==.
        assert_eq!(b64_of(ChecksumKind::Crc32c, &[b'a'; 66_560]), "sOO8/Q==");
        assert_eq!(
            b64_of(ChecksumKind::Sha256, b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }
}
