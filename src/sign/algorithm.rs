//! The algorithm seam: what depends on the signing algorithm once the
//! canonical request exists (its name, the credential scope, the string to
//! sign, the key and the signature). Canonicalization never looks past this
//! trait, so SigV4a (ECDSA, a region set instead of a region) or a verifier
//! (recompute, then compare) plugs in here.

use super::encode::hex32;
use super::sha::{Hmac, HmacKey};
use super::signer::{Creds, Signer};
use super::sink::Sink;
use super::time::AmzDate;

/// One signing algorithm bound to a signer and a signing time.
pub(crate) trait Algorithm {
    /// The signature as written in `Authorization` or `X-Amz-Signature`.
    type Signature: AsRef<[u8]> + Copy;
    /// Signatures vary in length: outputs are sized with the real one,
    /// computed first.
    const SIGN_FIRST: bool = false;
    /// 64 hex digits (a canonical request hash) as a `Signature` value: the
    /// pipeline carries either in one "digits" slot.
    fn from_hex(hex: [u8; 64]) -> Self::Signature;
    /// The hex digits [`Algorithm::from_hex`] stored.
    fn hex_of(digits: &Self::Signature) -> &[u8; 64];
    /// The region set, signed as `X-Amz-Region-Set` (SigV4a).
    fn region_set(&self) -> Option<&[u8]> {
        None
    }
    /// `AWS4-HMAC-SHA256`, the `X-Amz-Algorithm` value.
    fn name(&self) -> &'static [u8];
    /// The signing time.
    fn date(&self) -> &AmzDate;
    /// The credential scope, with `sep` for `/` (`%2F` in a query).
    fn write_scope(&self, s: &mut dyn Sink, sep: &[u8]);
    /// The string to sign, given the canonical request's hash in hex.
    fn write_string_to_sign(&self, s: &mut dyn Sink, creq_hex: &[u8; 64]) {
        s.put(self.name());
        s.put(b"\n");
        s.put(&self.date().full);
        s.put(b"\n");
        self.write_scope(s, b"/");
        s.put(b"\n");
        s.put(creq_hex);
    }
    /// The signature of the string to sign built from `creq_hex`.
    fn sign(&self, creq_hex: &[u8; 64]) -> Self::Signature;
    /// What an output embeds before the real signature is known (sizing);
    /// a constant, not a stack copy.
    fn placeholder(&self) -> &Self::Signature;
}

/// SigV4: HMAC-SHA256 with the day's derived key.
pub(crate) struct V4<'a> {
    pub(crate) signer: &'a Signer,
    pub(crate) date: AmzDate,
    key: HmacKey,
}

impl<'a> V4<'a> {
    /// SigV4 at `date` with `creds`, with the day's key (from their cache,
    /// or derived and cached). Not inlined: derivation's hash states then
    /// live in this frame only, never beside a plan. (`date` by reference:
    /// a by-value copy sat in every caller's frame.)
    #[inline(never)]
    pub(crate) fn new(signer: &'a Signer, creds: &Creds, date: &AmzDate) -> Self {
        V4 {
            signer,
            date: *date,
            key: creds.signing_key(date, signer.region(), signer.service()),
        }
    }

    /// SigV4 at `date` with a key already derived (an upload's chunks keep
    /// the seed's key: a rotation mid-upload does not change it).
    pub(crate) fn with_key(signer: &'a Signer, date: &AmzDate, key: &HmacKey) -> Self {
        V4 {
            signer,
            date: *date,
            key: key.clone(),
        }
    }

    /// The day's key.
    pub(crate) fn key(&self) -> &HmacKey {
        &self.key
    }

    /// A MAC keyed with the day's key, built in the caller's frame (a
    /// returned copy cost small stacks a second MAC state).
    pub(crate) fn mac(&self) -> Hmac {
        self.key.start()
    }

    /// Feeds `<algorithm>\n<date>\n<scope>\n` to `mac`: the start of every
    /// string to sign of this algorithm family (request, chunk, trailer).
    pub(crate) fn prefix(&self, mac: &mut Hmac, algorithm: &[u8]) {
        mac.put(algorithm);
        mac.put(b"\n");
        mac.put(&self.date.full);
        mac.put(b"\n");
        self.write_scope(mac, b"/");
        mac.put(b"\n");
    }
}

impl Algorithm for V4<'_> {
    type Signature = [u8; 64];

    fn from_hex(hex: [u8; 64]) -> [u8; 64] {
        hex
    }

    fn hex_of(digits: &[u8; 64]) -> &[u8; 64] {
        digits
    }

    fn name(&self) -> &'static [u8] {
        b"AWS4-HMAC-SHA256"
    }

    fn date(&self) -> &AmzDate {
        &self.date
    }

    fn write_scope(&self, s: &mut dyn Sink, sep: &[u8]) {
        s.put(self.date.date());
        s.put(sep);
        s.put(self.signer.region());
        s.put(sep);
        s.put(self.signer.service());
        s.put(sep);
        s.put(b"aws4_request");
    }

    // Not inlined: the MAC state stays out of the caller's frame (the
    // plan's) on small stacks.
    #[inline(never)]
    fn sign(&self, creq_hex: &[u8; 64]) -> [u8; 64] {
        let mut mac = self.mac();
        self.prefix(&mut mac, self.name());
        mac.put(creq_hex);
        hex32(&mac.finish())
    }

    fn placeholder(&self) -> &[u8; 64] {
        &[b'0'; 64]
    }
}

/// SigV4a: ECDSA P-256 with the key derived from the credentials, over a
/// scope without region (the region set is a signed header or parameter).
#[cfg(feature = "sigv4a")]
pub(crate) struct V4a<'a> {
    pub(crate) signer: &'a Signer,
    pub(crate) date: AmzDate,
    key: super::v4a::V4aKey,
}

#[cfg(feature = "sigv4a")]
impl<'a> V4a<'a> {
    /// SigV4a at `date` with the key of `creds` (cached, or derived and
    /// cached).
    #[inline(never)]
    pub(crate) fn new(signer: &'a Signer, creds: &Creds, date: &AmzDate) -> Self {
        V4a {
            signer,
            date: *date,
            key: creds.v4a_key(),
        }
    }

    /// The private key (an upload's chunks keep the seed's).
    pub(crate) fn key(&self) -> &super::v4a::V4aKey {
        &self.key
    }
}

#[cfg(feature = "sigv4a")]
const V4A_PLACEHOLDER: super::v4a::DerHex = super::v4a::DerHex {
    hex: [b'0'; super::v4a::MAX_SIGNATURE_HEX_LEN],
    len: super::v4a::MAX_SIGNATURE_HEX_LEN as u8,
};

#[cfg(feature = "sigv4a")]
impl Algorithm for V4a<'_> {
    type Signature = super::v4a::DerHex;
    const SIGN_FIRST: bool = true;

    fn from_hex(hex: [u8; 64]) -> Self::Signature {
        super::v4a::DerHex::from_hex64(&hex)
    }

    fn hex_of(digits: &Self::Signature) -> &[u8; 64] {
        digits.hex.first_chunk().unwrap_or(&[b'0'; 64])
    }

    fn region_set(&self) -> Option<&[u8]> {
        Some(self.signer.region())
    }

    fn name(&self) -> &'static [u8] {
        super::v4a::ALGORITHM
    }

    fn date(&self) -> &AmzDate {
        &self.date
    }

    fn write_scope(&self, s: &mut dyn Sink, sep: &[u8]) {
        s.put(self.date.date());
        s.put(sep);
        s.put(self.signer.service());
        s.put(sep);
        s.put(b"aws4_request");
    }

    #[inline(never)]
    fn sign(&self, creq_hex: &[u8; 64]) -> Self::Signature {
        let mut h = super::sha::Sha256::new();
        self.write_string_to_sign(&mut h, creq_hex);
        super::v4a::sign_digest(&self.key, &h.finish())
    }

    fn placeholder(&self) -> &Self::Signature {
        &V4A_PLACEHOLDER
    }
}
