//! SHA-256 and HMAC-SHA256 on top of `sha2`'s block function.
//!
//! Our own buffering lets a keyed HMAC be kept as two precomputed midstates
//! (inner and outer), so a cached signing key costs no compression at all
//! before the string to sign, and the midstates fit in plain words.

use crate::compress::compress as compress256;
use zeroize::Zeroize;

use super::sink::Sink;

const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// SHA-256 of nothing, in hex.
pub(crate) const EMPTY_SHA256: &[u8] = b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Streaming SHA-256.
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    buf: [u8; 64],
    /// Bytes fed so far; the buffered count is `total % 64` (no separate
    /// field: this state sits on the deepest stack path).
    total: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    /// A fresh hasher.
    pub const fn new() -> Self {
        Sha256 {
            state: H0,
            buf: [0; 64],
            total: 0,
        }
    }

    /// Resumes from a midstate taken after `blocks` whole 64-byte blocks.
    pub(crate) const fn from_midstate(state: [u32; 8], blocks: u64) -> Self {
        Sha256 {
            state,
            buf: [0; 64],
            total: blocks * 64,
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, mut data: &[u8]) {
        let used = (self.total % 64) as usize;
        self.total = self.total.wrapping_add(data.len() as u64);
        if used > 0 {
            let take = core::cmp::min(64 - used, data.len());
            self.buf[used..used + take].copy_from_slice(&data[..take]);
            data = &data[take..];
            if used + take < 64 {
                return;
            }
            compress256(&mut self.state, core::slice::from_ref(&self.buf));
        }
        let (blocks, rest) = data.as_chunks::<64>();
        if !blocks.is_empty() {
            compress256(&mut self.state, blocks);
        }
        self.buf[..rest.len()].copy_from_slice(rest);
    }

    /// Pads and returns the digest.
    pub fn finish(mut self) -> [u8; 32] {
        self.finish_reset()
    }

    /// Pads and returns the digest, in place, leaving a fresh hasher: one
    /// state serves a chain of hashes (a state per hash costs firmware stack).
    pub(crate) fn finish_reset(&mut self) -> [u8; 32] {
        let bits = self.total.wrapping_mul(8);
        let n = (self.total % 64) as usize;
        self.buf[n] = 0x80;
        self.buf[n + 1..].fill(0);
        if n >= 56 {
            compress256(&mut self.state, core::slice::from_ref(&self.buf));
            self.buf.fill(0);
        }
        self.buf[56..].copy_from_slice(&bits.to_be_bytes());
        compress256(&mut self.state, core::slice::from_ref(&self.buf));
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(self.state.iter()) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        // Reset field by field: `*self = Sha256::new()` builds a temporary.
        // (The final state is the digest: wiped, for keys derived by HMAC.)
        self.state.zeroize();
        self.buf.zeroize();
        self.state = H0;
        self.total = 0;
        out
    }
}

impl Sink for Sha256 {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// SHA-256 of one slice.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(data);
    h.finish_reset()
}

/// An HMAC-SHA256 key reduced to its inner and outer midstates.
#[derive(Clone)]
pub struct HmacKey {
    pub(crate) inner: [u32; 8],
    pub(crate) outer: [u32; 8],
}

impl HmacKey {
    /// No key (all zero): a placeholder in a state not started.
    pub const ZERO: HmacKey = HmacKey {
        inner: [0; 8],
        outer: [0; 8],
    };

    /// Prepares `key` (hashed first when longer than a block, as RFC 2104 says).
    pub fn new(key: &[u8]) -> Self {
        let mut pad = ipad(&mut Sha256::new(), key);
        let mut inner = H0;
        compress256(&mut inner, core::slice::from_ref(&pad));
        to_opad(&mut pad);
        let mut outer = H0;
        compress256(&mut outer, core::slice::from_ref(&pad));
        pad.zeroize();
        HmacKey { inner, outer }
    }

    /// Starts a MAC computation.
    pub fn start(&self) -> Hmac {
        Hmac {
            inner: Sha256::from_midstate(self.inner, 1),
            outer: self.outer,
        }
    }

    /// HMAC of one message.
    #[cfg(test)]
    pub fn mac(&self, msg: &[u8]) -> [u8; 32] {
        let mut h = self.start();
        h.update(msg);
        h.finish()
    }
}

impl Drop for HmacKey {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// A running HMAC-SHA256.
pub struct Hmac {
    inner: Sha256,
    outer: [u32; 8],
}

impl Hmac {
    /// Feeds message bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// The tag.
    /// (By reference, and in place: a by-value finish copied the whole
    /// running MAC on small stacks.) The MAC is spent afterwards.
    pub fn finish(&mut self) -> [u8; 32] {
        // The outer hash reuses the inner state (one state on the stack).
        let ih = self.inner.finish_reset();
        self.inner.state = self.outer;
        self.inner.total = 64;
        self.outer.zeroize();
        self.inner.update(&ih);
        self.inner.finish_reset()
    }
}

impl Sink for Hmac {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// The key block XOR ipad (the key hashed first, with `h`, when longer
/// than a block).
fn ipad(h: &mut Sha256, key: &[u8]) -> [u8; 64] {
    let mut pad = [0u8; 64];
    if key.len() > 64 {
        h.update(key);
        pad[..32].copy_from_slice(&h.finish_reset());
    } else {
        pad[..key.len()].copy_from_slice(key);
    }
    for b in pad.iter_mut() {
        *b ^= 0x36;
    }
    pad
}

/// Turns an ipad block into the opad block, in place.
fn to_opad(pad: &mut [u8; 64]) {
    for b in pad.iter_mut() {
        *b ^= 0x36 ^ 0x5c;
    }
}

/// HMAC-SHA256 with a one-off key: one hash state and one pad block for
/// the whole computation (key derivation chains five of these; nested
/// states cost firmware stack).
pub fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut pad = ipad(&mut h, key);
    h.update(&pad);
    h.update(msg);
    let inner = h.finish_reset();
    to_opad(&mut pad);
    h.update(&pad);
    h.update(&inner);
    pad.zeroize();
    h.finish_reset()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> std::string::String {
        b.iter().map(|x| std::format!("{x:02x}")).collect()
    }

    #[test]
    fn sha256_known_answers() {
        // FIPS 180-2 examples.
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn sha256_matches_sha2_for_every_split() {
        use sha2::Digest;
        let data: std::vec::Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let want = sha2::Sha256::digest(&data[..len]);
            for split in [0, 1, len / 2, len.saturating_sub(1), len] {
                let split = split.min(len);
                let mut h = Sha256::new();
                h.update(&data[..split]);
                h.update(&data[split..len]);
                assert_eq!(h.finish()[..], want[..], "len {len} split {split}");
            }
        }
    }

    #[test]
    fn hmac_rfc4231() {
        // Test case 2 and case 6 (key longer than a block).
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
