//! The `x-amz-checksum-*` checksums (CRC32, CRC32C, CRC64NVME, SHA-1,
//! SHA-256), for aws-chunked trailers and single-shot headers, and the
//! base64 they are sent in. Nibble tables keep the code tiny for firmware.

use super::sha::Sha256;
#[cfg(feature = "extra-checksums")]
use super::sha1::Sha1;

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

#[cfg(feature = "extra-checksums")]
/// CRC-64/NVME: poly 0xAD93D23594C93659 (reflected: 0x9A6C9329AC4BC9B5),
/// init and xorout all ones, as S3 computes it.
const CRC64NVME: [u64; 16] = {
    let mut t = [0u64; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 4 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x9A6C_9329_AC4B_C9B5
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

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

#[cfg(feature = "extra-checksums")]
fn crc64_update(mut c: u64, data: &[u8]) -> u64 {
    for &b in data {
        c ^= u64::from(b);
        c = (c >> 4) ^ CRC64NVME[(c & 15) as usize];
        c = (c >> 4) ^ CRC64NVME[(c & 15) as usize];
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
    /// `x-amz-checksum-crc64nvme` (feature `extra-checksums`).
    #[cfg(feature = "extra-checksums")]
    Crc64Nvme,
    /// `x-amz-checksum-sha1` (feature `extra-checksums`).
    #[cfg(feature = "extra-checksums")]
    Sha1,
}

impl ChecksumKind {
    /// Every kind of this build.
    pub const ALL: &'static [ChecksumKind] = &[
        ChecksumKind::Crc32,
        ChecksumKind::Crc32c,
        ChecksumKind::Sha256,
        #[cfg(feature = "extra-checksums")]
        ChecksumKind::Crc64Nvme,
        #[cfg(feature = "extra-checksums")]
        ChecksumKind::Sha1,
    ];

    /// The kind whose header is `name` (any case).
    pub fn of_header_name(name: &[u8]) -> Option<ChecksumKind> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.header_name().eq_ignore_ascii_case(name))
    }

    /// The name with a NUL after it, for the C ABI: one copy of each
    /// string in a firmware image.
    pub const fn header_name_nul(self) -> &'static [u8] {
        match self {
            ChecksumKind::Crc32 => b"x-amz-checksum-crc32\0",
            ChecksumKind::Crc32c => b"x-amz-checksum-crc32c\0",
            ChecksumKind::Sha256 => b"x-amz-checksum-sha256\0",
            #[cfg(feature = "extra-checksums")]
            ChecksumKind::Crc64Nvme => b"x-amz-checksum-crc64nvme\0",
            #[cfg(feature = "extra-checksums")]
            ChecksumKind::Sha1 => b"x-amz-checksum-sha1\0",
        }
    }

    /// The trailer or header name.
    pub fn header_name(self) -> &'static [u8] {
        let z = self.header_name_nul();
        &z[..z.len() - 1]
    }

    /// Length of the base64 value.
    pub const fn b64_len(self) -> usize {
        match self {
            ChecksumKind::Sha256 => 44,
            #[cfg(feature = "extra-checksums")]
            ChecksumKind::Sha1 => 28,
            #[cfg(feature = "extra-checksums")]
            ChecksumKind::Crc64Nvme => 12,
            ChecksumKind::Crc32 | ChecksumKind::Crc32c => 8,
        }
    }
}

/// The running state: one variant at a time, so the largest (SHA-256)
/// sets the size that aws-chunked state and the C checksum state reserve.
/// `repr(u32)`: a u32 tag first, then plain data, so the C ABI can check
/// the tag ([`Checksum::valid_tag`]) of caller memory before reading it.
#[derive(Clone)]
#[repr(u32)]
enum State {
    Crc32(u32) = 0,
    Crc32c(u32) = 1,
    #[cfg(feature = "extra-checksums")]
    Crc64Nvme(u64) = 2,
    #[cfg(feature = "extra-checksums")]
    Sha1(Sha1) = 3,
    Sha256(Sha256) = 4,
}

/// A running checksum of one kind.
#[derive(Clone)]
#[repr(transparent)]
pub struct Checksum {
    state: State,
}

impl Checksum {
    /// Whether `tag` is a valid first u32 of a `Checksum` in this build
    /// (any bytes after a valid tag are a valid state).
    pub const fn valid_tag(tag: u32) -> bool {
        matches!(tag, 0 | 1 | 4) || (cfg!(feature = "extra-checksums") && matches!(tag, 2 | 3))
    }

    /// Starts a checksum.
    pub fn new(kind: ChecksumKind) -> Self {
        let state = match kind {
            ChecksumKind::Crc32 => State::Crc32(!0),
            ChecksumKind::Crc32c => State::Crc32c(!0),
            #[cfg(feature = "extra-checksums")]
            ChecksumKind::Crc64Nvme => State::Crc64Nvme(!0),
            #[cfg(feature = "extra-checksums")]
            ChecksumKind::Sha1 => State::Sha1(Sha1::new()),
            ChecksumKind::Sha256 => State::Sha256(Sha256::new()),
        };
        Checksum { state }
    }

    /// Its kind.
    pub fn kind(&self) -> ChecksumKind {
        match self.state {
            State::Crc32(_) => ChecksumKind::Crc32,
            State::Crc32c(_) => ChecksumKind::Crc32c,
            #[cfg(feature = "extra-checksums")]
            State::Crc64Nvme(_) => ChecksumKind::Crc64Nvme,
            #[cfg(feature = "extra-checksums")]
            State::Sha1(_) => ChecksumKind::Sha1,
            State::Sha256(_) => ChecksumKind::Sha256,
        }
    }

    /// Feeds data.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Crc32(c) => *c = crc_update(&CRC32, *c, data),
            State::Crc32c(c) => *c = crc_update(&CRC32C, *c, data),
            #[cfg(feature = "extra-checksums")]
            State::Crc64Nvme(c) => *c = crc64_update(*c, data),
            #[cfg(feature = "extra-checksums")]
            State::Sha1(h) => h.update(data),
            State::Sha256(h) => h.update(data),
        }
    }

    /// The base64 value (the checksum big-endian, as AWS sends it); returns
    /// the buffer and its used length ([`ChecksumKind::b64_len`]).
    pub fn finish_b64(&self) -> ([u8; 44], usize) {
        let mut out = [0u8; 44];
        let n = match &self.state {
            State::Crc32(c) | State::Crc32c(c) => base64(&(!c).to_be_bytes(), &mut out),
            #[cfg(feature = "extra-checksums")]
            State::Crc64Nvme(c) => base64(&(!c).to_be_bytes(), &mut out),
            #[cfg(feature = "extra-checksums")]
            State::Sha1(h) => base64(&h.clone().finish(), &mut out),
            State::Sha256(h) => base64(&h.clone().finish(), &mut out),
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
        // (The base64 is of the big-endian value.)
        let b64 = |v: &[u8]| {
            let mut o = [0u8; 12];
            let n = base64(v, &mut o);
            std::string::String::from_utf8(o[..n].to_vec()).unwrap()
        };
        assert_eq!(
            b64_of(ChecksumKind::Crc32, b"123456789"),
            b64(&0xCBF4_3926u32.to_be_bytes())
        );
        let mut c = Checksum::new(ChecksumKind::Crc32c);
        c.update(b"1234");
        c.update(b"56789");
        let (v, n) = c.finish_b64();
        assert_eq!(&v[..n], b64(&0xE306_9283u32.to_be_bytes()).as_bytes());
        // CRC-64/NVME (the NVM Express spec's CRC; catalogue check value).
        #[cfg(feature = "extra-checksums")]
        {
            let mut c = Checksum::new(ChecksumKind::Crc64Nvme);
            c.update(b"12345");
            c.update(b"6789");
            let (v, n) = c.finish_b64();
            assert_eq!(&v[..n], b64(&0xAE8B_1486_0A79_9888u64.to_be_bytes()).as_bytes());
        }
    }

    #[test]
    #[cfg(feature = "extra-checksums")]
    fn lengths_and_names_agree() {
        for k in [
            ChecksumKind::Crc32,
            ChecksumKind::Crc32c,
            ChecksumKind::Crc64Nvme,
            ChecksumKind::Sha1,
            ChecksumKind::Sha256,
        ] {
            assert_eq!(b64_of(k, b"x").len(), k.b64_len(), "{k:?}");
            assert_eq!(Checksum::new(k).kind(), k);
        }
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
