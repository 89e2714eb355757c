//! SigV4a's cryptography: the P-256 private key derived from the secret
//! (the specification's HMAC-SHA256 counter-mode KDF, NIST SP 800-108) and
//! the ECDSA signature over the string to sign, deterministic (RFC 6979),
//! written as hex of its ASN.1 DER form.

use ecdsa::hazmat::sign_prehashed_rfc6979;
use p256::{NistP256, NonZeroScalar};
use zeroize::Zeroize;

use super::sha::hmac;
use super::sink::Sink;
use super::{MAX_ACCESS_KEY_ID_LEN, MAX_SECRET_KEY_LEN};

/// The algorithm's name, also the KDF's label.
pub(crate) const ALGORITHM: &[u8] = b"AWS4-ECDSA-P256-SHA256";

/// The P-256 group order minus 2, big-endian: a KDF output above it is
/// rejected (and the counter bumped), so that output + 1 is a private key.
const N_MINUS_2: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa,
    0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x4f,
];

/// A derived private key: the scalar, big-endian. Zeroed on drop; no
/// `Debug`.
pub struct V4aKey(pub(crate) [u8; 32]);

impl Drop for V4aKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Derives the SigV4a private key of a credential pair: for counter = 1,
/// 2, ...: k0 = HMAC-SHA256("AWS4A" + secret, 1u32 || "AWS4-ECDSA-P256-SHA256"
/// || 0x00 || access key id || counter || 256u32), until k0 <= n - 2; the
/// key is k0 + 1. (A second round has probability about 2^-32.)
pub fn derive_v4a(access_key_id: &[u8], secret: &[u8]) -> V4aKey {
    let mut key = [0u8; 5 + MAX_SECRET_KEY_LEN];
    key[..5].copy_from_slice(b"AWS4A");
    key[5..5 + secret.len()].copy_from_slice(secret);
    let key_len = 5 + secret.len();
    // 1u32 || label || 0x00 || context (akid || counter) || 256u32
    let mut fixed = [0u8; 4 + 22 + 1 + MAX_ACCESS_KEY_ID_LEN + 1 + 4];
    fixed[..4].copy_from_slice(&1u32.to_be_bytes());
    fixed[4..26].copy_from_slice(ALGORITHM);
    let mut n = 27;
    fixed[n..n + access_key_id.len()].copy_from_slice(access_key_id);
    n += access_key_id.len();
    let counter_at = n;
    n += 1;
    fixed[n..n + 4].copy_from_slice(&256u32.to_be_bytes());
    n += 4;
    let mut out = V4aKey([0; 32]);
    for counter in 1..=255u8 {
        fixed[counter_at] = counter;
        out.0 = hmac(&key[..key_len], &fixed[..n]);
        // Big-endian byte order is numeric order.
        if out.0 <= N_MINUS_2 {
            break;
        }
    }
    key.zeroize();
    // + 1, big-endian (no carry out: k0 <= n - 2).
    for b in out.0.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            break;
        }
    }
    out
}

/// Longest SigV4a signature: a DER `SEQUENCE { INTEGER r, INTEGER s }` of
/// at most 72 bytes, in hex.
pub const MAX_SIGNATURE_HEX_LEN: usize = 144;

/// A signature as hex of its DER form (70 to 72 bytes, usually; shorter when
/// r or s has leading zero bytes).
#[derive(Clone, Copy)]
pub struct DerHex {
    pub(crate) hex: [u8; MAX_SIGNATURE_HEX_LEN],
    pub(crate) len: u8,
}

impl AsRef<[u8]> for DerHex {
    fn as_ref(&self) -> &[u8] {
        &self.hex[..usize::from(self.len)]
    }
}

impl DerHex {
    /// 64 hex digits carried as a value of this type (a canonical request
    /// hash, where the pipeline passes "digits").
    pub(crate) fn from_hex64(h: &[u8; 64]) -> DerHex {
        let mut d = DerHex {
            hex: [b'0'; MAX_SIGNATURE_HEX_LEN],
            len: 64,
        };
        d.hex[..64].copy_from_slice(h);
        d
    }

    fn push(&mut self, b: u8) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let n = usize::from(self.len);
        self.hex[n] = DIGITS[usize::from(b >> 4)];
        self.hex[n + 1] = DIGITS[usize::from(b & 15)];
        self.len += 2;
    }

    /// One DER INTEGER of a big-endian unsigned value: leading zero bytes
    /// dropped, a 0x00 added when the top bit is set.
    fn integer(&mut self, v: &[u8; 32]) {
        let (body, pad) = int_body(v);
        self.push(0x02);
        self.push(body.len() as u8 + u8::from(pad));
        if pad {
            self.push(0);
        }
        for &b in body {
            self.push(b);
        }
    }
}

/// A signature's DER bytes: what an aws-chunked state keeps of the previous
/// signature (half the room of its hex).
#[derive(Clone, Copy)]
pub(crate) struct Der {
    bytes: [u8; MAX_SIGNATURE_HEX_LEN / 2],
    len: u8,
}

impl Der {
    /// No signature yet.
    pub(crate) const EMPTY: Der = Der {
        bytes: [0; MAX_SIGNATURE_HEX_LEN / 2],
        len: 0,
    };

    /// The bytes behind `h` (lower-case hex, as [`der_hex`] writes it).
    pub(crate) fn of(h: &DerHex) -> Der {
        let nibble = |c: u8| {
            if c >= b'a' {
                c - b'a' + 10
            } else {
                c.wrapping_sub(b'0') & 15
            }
        };
        let mut d = Der::EMPTY;
        for (b, pair) in d.bytes.iter_mut().zip(h.as_ref().chunks_exact(2)) {
            *b = nibble(pair[0]) << 4 | nibble(pair[1]);
        }
        d.len = h.len / 2;
        d
    }

    /// Writes the signature as hex (the chained "previous signature").
    pub(crate) fn write_hex(&self, s: &mut dyn Sink) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for &b in &self.bytes[..usize::from(self.len)] {
            s.put(&[DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]);
        }
    }

    /// Hex digits [`Der::write_hex`] writes.
    pub(crate) fn hex_len(&self) -> usize {
        2 * usize::from(self.len)
    }
}

fn int_body(v: &[u8; 32]) -> (&[u8], bool) {
    let first = v.iter().position(|&b| b != 0).unwrap_or(31);
    let body = &v[first..];
    (body, body[0] & 0x80 != 0)
}

/// The DER form of (r, s), in hex.
pub(crate) fn der_hex(r: &[u8; 32], s: &[u8; 32]) -> DerHex {
    let len = |v: &[u8; 32]| {
        let (b, pad) = int_body(v);
        2 + b.len() + usize::from(pad)
    };
    let mut d = DerHex {
        hex: [0; MAX_SIGNATURE_HEX_LEN],
        len: 0,
    };
    d.push(0x30);
    // At most 2 * 35 = 70 < 128: the short length form.
    d.push((len(r) + len(s)) as u8);
    d.integer(r);
    d.integer(s);
    d
}

/// Signs the SHA-256 digest `z` of a string to sign with `key` (RFC 6979
/// nonce, no extra data: the same input always gives the same signature).
pub(crate) fn sign_digest(key: &V4aKey, z: &[u8; 32]) -> DerHex {
    // The KDF's range check makes every derived key a valid scalar.
    let Some(mut d) = NonZeroScalar::from_repr(key.0.into()).into_option() else {
        return DerHex {
            hex: [0; MAX_SIGNATURE_HEX_LEN],
            len: 0,
        };
    };
    let (sig, _) = sign_prehashed_rfc6979::<NistP256, sha2::Sha256>(&d, z, &[]);
    d.zeroize();
    let (r, s) = sig.split_bytes();
    der_hex(&r.into(), &s.into())
}

impl V4aKey {
    /// The public key, SEC1 uncompressed (`04 || X || Y`): what a verifier
    /// (or the suite's public-key.json) holds.
    pub fn public_key(&self) -> [u8; 65] {
        use p256::elliptic_curve::sec1::ToSec1Point;
        let mut out = [0u8; 65];
        if let Some(mut d) = NonZeroScalar::from_repr(self.0.into()).into_option() {
            let p = p256::PublicKey::from_secret_scalar(&d);
            d.zeroize();
            out.copy_from_slice(p.as_affine().to_sec1_point(false).as_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> std::string::String {
        b.iter().map(|x| std::format!("{x:02x}")).collect()
    }

    #[test]
    fn suite_key() {
        // The private half of the suite's public-key.json, as aws-sigv4's
        // own test pins it (the public point is checked in tests/suite_v4a.rs).
        let k = derive_v4a(b"AKIDEXAMPLE", b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        assert_eq!(
            hex(&k.0),
            "7efc8c0e65a324242818c5a50c891c6060b6a00717b7ba3cbe3c5d765be9259c"
        );
    }

    #[test]
    fn der_integers() {
        let mut r = [0u8; 32];
        r[31] = 1;
        let mut s = [0u8; 32];
        s[0] = 0x80;
        let d = der_hex(&r, &s);
        let want = std::format!("3026020101022100{}", hex(&s));
        assert_eq!(core::str::from_utf8(d.as_ref()).unwrap(), want);
    }
}
