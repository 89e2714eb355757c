//! The signing key: derived from the secret once per UTC day (region and
//! service are fixed per signer) and cached inside the signer.
//!
//! The cache is a sequence lock over atomic words, so an immutable signer can
//! be shared by threads without a mutex or `unsafe`: a reader that races a
//! writer sees a mismatched sequence and derives the key itself.

use core::sync::atomic::{AtomicU32, Ordering, fence};

use super::sha::{HmacKey, hmac};

/// Derives `kSigning` for `date` (`YYYYMMDD`) and returns it ready to MAC.
/// `prefixed_secret` is `"AWS4" + secret`.
pub fn derive(prefixed_secret: &[u8], date: &[u8], region: &[u8], service: &[u8]) -> HmacKey {
    let mut k = hmac(prefixed_secret, date);
    for part in [region, service, b"aws4_request"] {
        k = hmac(&k, part);
    }
    let key = HmacKey::new(&k);
    zeroize::Zeroize::zeroize(&mut k);
    key
}

/// The `day` of a cached SigV4a key (day numbers + 1 stay far below it).
#[cfg(feature = "sigv4a")]
const V4A_TAG: u32 = u32::MAX;

/// One cached key: the day it is for and its HMAC midstates.
pub struct KeyCache {
    seq: AtomicU32,
    /// Day number + 1; 0 means empty.
    day: AtomicU32,
    words: [AtomicU32; 16],
}

impl Default for KeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyCache {
    /// An empty cache.
    pub const fn new() -> Self {
        KeyCache {
            seq: AtomicU32::new(0),
            day: AtomicU32::new(0),
            words: [const { AtomicU32::new(0) }; 16],
        }
    }

    /// The key for `day`, if cached and read without a concurrent write.
    pub fn get(&self, day: u32) -> Option<HmacKey> {
        let s1 = self.seq.load(Ordering::Acquire);
        if s1 & 1 != 0 {
            return None;
        }
        let d = self.day.load(Ordering::Relaxed);
        let mut key = HmacKey {
            inner: [0; 8],
            outer: [0; 8],
        };
        for (i, w) in self.words.iter().enumerate() {
            let v = w.load(Ordering::Relaxed);
            if i < 8 {
                key.inner[i] = v;
            } else {
                key.outer[i - 8] = v;
            }
        }
        fence(Ordering::Acquire);
        let s2 = self.seq.load(Ordering::Relaxed);
        (s1 == s2 && d == day.wrapping_add(1)).then_some(key)
    }

    /// Stores the key for `day`, unless another thread is storing one now.
    pub fn put(&self, day: u32, key: &HmacKey) {
        let Some(s) = self.claim() else {
            return;
        };
        fence(Ordering::Release);
        self.day.store(day.wrapping_add(1), Ordering::Relaxed);
        for (i, w) in self.words.iter().enumerate() {
            w.store(if i < 8 { key.inner[i] } else { key.outer[i - 8] }, Ordering::Relaxed);
        }
        self.seq.store(s.wrapping_add(2), Ordering::Release);
    }

    /// The SigV4a private key, if cached (it depends on the credentials
    /// alone, so it stays for their lifetime; a signer signs with one
    /// algorithm, so it takes the day key's place).
    #[cfg(feature = "sigv4a")]
    pub fn get_v4a(&self) -> Option<super::v4a::V4aKey> {
        let s1 = self.seq.load(Ordering::Acquire);
        if s1 & 1 != 0 {
            return None;
        }
        let d = self.day.load(Ordering::Relaxed);
        let mut key = super::v4a::V4aKey([0; 32]);
        for (c, w) in key.0.chunks_exact_mut(4).zip(&self.words) {
            c.copy_from_slice(&w.load(Ordering::Relaxed).to_be_bytes());
        }
        fence(Ordering::Acquire);
        let s2 = self.seq.load(Ordering::Relaxed);
        (s1 == s2 && d == V4A_TAG).then_some(key)
    }

    /// Stores the SigV4a key, unless another thread is storing one now.
    #[cfg(feature = "sigv4a")]
    pub fn put_v4a(&self, key: &super::v4a::V4aKey) {
        let Some(s) = self.claim() else {
            return;
        };
        fence(Ordering::Release);
        self.day.store(V4A_TAG, Ordering::Relaxed);
        for (c, w) in key.0.chunks_exact(4).zip(&self.words) {
            w.store(u32::from_be_bytes([c[0], c[1], c[2], c[3]]), Ordering::Relaxed);
        }
        self.seq.store(s.wrapping_add(2), Ordering::Release);
    }

    /// Takes the writer's turn: the even sequence number it found, now odd.
    #[cfg(target_has_atomic = "32")]
    fn claim(&self) -> Option<u32> {
        let s = self.seq.load(Ordering::Relaxed);
        (s & 1 == 0
            && self
                .seq
                .compare_exchange(s, s.wrapping_add(1), Ordering::Acquire, Ordering::Relaxed)
                .is_ok())
        .then_some(s)
    }

    /// Without compare-and-swap (RV32IMC, Cortex-M0) two writers cannot
    /// take turns safely through a shared signer, so the cache is never
    /// written and every call derives its key (about ten SHA-256 blocks).
    #[cfg(not(target_has_atomic = "32"))]
    fn claim(&self) -> Option<u32> {
        None
    }

    /// Forgets the key (zeroes every word).
    pub fn clear(&mut self) {
        *self.day.get_mut() = 0;
        for w in self.words.iter_mut() {
            *w.get_mut() = 0;
        }
        *self.seq.get_mut() = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_documented_signing_key() {
        // The key-derivation example of the AWS SigV4 documentation
        // (20150830/us-east-1/iam), checked via a MAC of the empty message
        // against one computed with the `hmac` crate from the documented key.
        use hmac::{KeyInit, Mac};
        let documented: [u8; 32] = [
            0xc4, 0xaf, 0xb1, 0xcc, 0x57, 0x71, 0xd8, 0x71, 0x76, 0x3a, 0x39, 0x3e, 0x44, 0xb7, 0x03, 0x57, 0x1b, 0x55,
            0xcc, 0x28, 0x42, 0x4d, 0x1a, 0x5e, 0x86, 0xda, 0x6e, 0xd3, 0xc1, 0x54, 0xa4, 0xb9,
        ];
        let key = derive(
            b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            b"20150830",
            b"us-east-1",
            b"iam",
        );
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(&documented).unwrap();
        m.update(b"msg");
        assert_eq!(key.mac(b"msg")[..], m.finalize().into_bytes()[..]);
    }

    #[test]
    fn cache_hits_only_its_day() {
        let c = KeyCache::new();
        assert!(c.get(0).is_none());
        let k = derive(b"AWS4s", b"20150830", b"r", b"s");
        c.put(16_677, &k);
        assert!(c.get(16_677).is_some_and(|g| g.inner == k.inner && g.outer == k.outer));
        assert!(c.get(16_678).is_none());
    }

    /// Whether a type implements Debug (the autoref trick: the `&&W` impl
    /// wins when it applies).
    struct W<'a, T>(#[allow(dead_code)] &'a T);
    trait ViaDebug {
        fn is_debug(&self) -> bool {
            true
        }
    }
    impl<T: core::fmt::Debug> ViaDebug for &W<'_, T> {}
    trait ViaPlain {
        fn is_debug(&self) -> bool {
            false
        }
    }
    impl<T> ViaPlain for W<'_, T> {}

    // Types that hold key material have no Debug, so no format can show it.
    #[test]
    #[allow(clippy::needless_borrow)] // the `&&` is the trick
    fn key_types_have_no_debug() {
        let k = derive(b"AWS4x", b"20150830", b"r", b"s");
        let cache = KeyCache::new();
        assert!(!(&&W(&k)).is_debug(), "HmacKey implements Debug");
        assert!(!(&&W(&cache)).is_debug(), "KeyCache implements Debug");
        assert!((&&W(&1u8)).is_debug(), "the trick detects Debug");
    }
}
