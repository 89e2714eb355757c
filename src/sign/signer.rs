//! The signer: validated credentials and settings, stored inline (no heap,
//! so it can live in caller memory on firmware), plus the key cache.
//! Immutable after configuration; every signing method takes `&self`.

use core::fmt;

use zeroize::Zeroize;

use core::sync::atomic::Ordering;

use super::headers::{ByteList, DEFAULT_UNSIGNED, is_token};
use super::key::{KeyCache, derive};
use super::sha::HmacKey;
use super::time::AmzDate;
use super::{
    Error, MAX_ACCESS_KEY_ID_LEN, MAX_REGION_LEN, MAX_SECRET_KEY_LEN, MAX_SERVICE_LEN, MAX_SESSION_TOKEN_LEN,
    MAX_UNSIGNED_HEADERS_LEN,
};
use crate::slots::{Clear, ReadGuard, Slots, WriteError};

/// Signer option bits.
pub struct Flags;

impl Flags {
    /// S3 rules: no path normalization, path encoded once, and
    /// `x-amz-content-sha256` always added; presigned URLs default to
    /// `UNSIGNED-PAYLOAD`.
    pub const S3: u32 = 1;
    /// Keep `.`, `..` and empty path segments (non-S3 services).
    pub const NO_PATH_NORMALIZATION: u32 = 2;
    /// Encode the path once, as S3 does, for a non-S3 service.
    pub const SINGLE_ENCODE_PATH: u32 = 4;
    /// Add and sign `x-amz-content-sha256` for any service.
    pub const CONTENT_SHA256_HEADER: u32 = 8;
    /// Attach the session token after signing, unsigned (as STS's
    /// `omit_session_token` wants).
    pub const UNSIGNED_SESSION_TOKEN: u32 = 16;
    /// S3 Express One Zone: S3 rules, and the session token (required) goes
    /// in `x-amz-s3session-token` / `X-Amz-S3session-Token` instead of
    /// `x-amz-security-token`. Needs the `s3express` cargo feature. Not
    /// with [`Flags::SIGV4A`] (refused: AWS signs S3 Express with SigV4).
    pub const S3EXPRESS: u32 = 32;
    /// SigV4a (`AWS4-ECDSA-P256-SHA256`): the region is a region set
    /// (`us-east-1,us-west-2`, `*`), signed as `X-Amz-Region-Set`. Only in
    /// builds with the `sigv4a` feature (else an unknown bit). Not with
    /// [`Flags::S3EXPRESS`].
    pub const SIGV4A: u32 = 64;
    /// Every known bit (of this build).
    pub const ALL: u32 =
        31 | if cfg!(feature = "s3express") {
            Flags::S3EXPRESS
        } else {
            0
        } | if cfg!(feature = "sigv4a") { Flags::SIGV4A } else { 0 };
}

/// Whether `flags` ask for S3 Express; a constant `false` without the
/// feature, so firmware builds carry none of its code.
#[inline(always)]
pub(crate) fn s3express(flags: u32) -> bool {
    cfg!(feature = "s3express") && flags & Flags::S3EXPRESS != 0
}

/// Settings for a signer. The byte strings are copied into the signer.
#[derive(Clone, Copy)]
pub struct Config<'a> {
    /// Access key id (1 to 128 bytes of visible ASCII, no `/` or `,`).
    pub access_key_id: &'a [u8],
    /// Secret access key (1 to 128 bytes).
    pub secret_access_key: &'a [u8],
    /// Session token, empty for long-term credentials (up to
    /// `MAX_SESSION_TOKEN_LEN` bytes of visible ASCII).
    pub session_token: &'a [u8],
    /// When the credentials expire (Unix seconds); `None` if they do not.
    /// All three credential fields empty: none yet (a provider or a
    /// rotation supplies them).
    pub expiration: Option<i64>,
    /// Region, e.g. `us-east-1`.
    pub region: &'a [u8],
    /// Service, e.g. `s3`, `es`, `sts`.
    pub service: &'a [u8],
    /// [`Flags`] bits.
    pub flags: u32,
    /// Header names never to sign, besides the built-in list.
    pub unsigned_headers: &'a dyn ByteList,
}

impl fmt::Debug for Config<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field(
                "access_key_id",
                &core::str::from_utf8(self.access_key_id).unwrap_or("<bytes>"),
            )
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &if self.session_token.is_empty() {
                    "<none>"
                } else {
                    "<redacted>"
                },
            )
            .field("expiration", &self.expiration)
            .field("region", &core::str::from_utf8(self.region).unwrap_or("<bytes>"))
            .field("service", &core::str::from_utf8(self.service).unwrap_or("<bytes>"))
            .field("flags", &self.flags)
            .finish()
    }
}

/// One set of credentials, for [`Signer::rotate`] and providers.
#[derive(Clone, Copy)]
pub struct CredentialSet<'a> {
    /// Access key id (as in [`Config`]).
    pub access_key_id: &'a [u8],
    /// Secret access key.
    pub secret_access_key: &'a [u8],
    /// Session token, empty for long-term credentials.
    pub session_token: &'a [u8],
    /// Unix seconds; `None` if they do not expire.
    pub expiration: Option<i64>,
}

impl fmt::Debug for CredentialSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialSet")
            .field(
                "access_key_id",
                &core::str::from_utf8(self.access_key_id).unwrap_or("<bytes>"),
            )
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// A source of credentials the signer calls, during a signing call, when it
/// has none or they expire within the margin. `call` gets the provider
/// itself (its `data` words: for the C ABI a function and its user data),
/// the signing time, and a sink to [`CredentialSink::put`] the new set
/// into. One call at a time per signer; other signing calls meanwhile go on
/// with the current credentials.
#[derive(Clone, Copy)]
pub struct Provider {
    /// Fetches credentials and puts them into the sink.
    pub call: fn(&Provider, i64, &mut CredentialSink<'_>) -> Result<(), Error>,
    /// The provider's own data (opaque to the signer).
    pub data: [usize; 2],
}

/// Where a [`Provider`] puts what it fetched: straight into the signer's
/// inactive credential slot.
pub struct CredentialSink<'a> {
    slot: &'a mut Creds,
    filled: bool,
    /// The signer's flags (S3 Express needs a token).
    flags: u32,
}

impl CredentialSink<'_> {
    /// Validates and stores `c` (replacing an earlier put).
    pub fn put(&mut self, c: &CredentialSet<'_>) -> Result<(), Error> {
        // Checked first: a refused put leaves an earlier one in place.
        check_credentials(c)?;
        check_token_for(self.flags, c)?;
        self.slot.clear();
        self.filled = self.slot.fill(c).is_ok();
        Ok(())
    }
}

/// Seconds before expiry at which a provider is asked for fresh
/// credentials, unless set: 5 minutes, like the AWS SDKs' refresh windows.
pub const DEFAULT_REFRESH_MARGIN: u32 = 300;
/// After a provider fails, seconds before it is asked again.
pub const PROVIDER_RETRY_SECS: u32 = 10;

/// One credential set and the day-key cache that belongs to it.
pub(crate) struct Creds {
    akid: [u8; MAX_ACCESS_KEY_ID_LEN],
    akid_len: u16,
    // "AWS4" + secret: the first HMAC key of the derivation.
    secret: [u8; 4 + MAX_SECRET_KEY_LEN],
    secret_len: u16,
    token: [u8; MAX_SESSION_TOKEN_LEN],
    token_len: u16,
    /// Unix seconds; 0 when they do not expire (so a cleared slot is all
    /// zero).
    pub(crate) expiration: i64,
    cache: KeyCache,
}

impl Creds {
    pub(crate) const fn empty() -> Creds {
        Creds {
            akid: [0; MAX_ACCESS_KEY_ID_LEN],
            akid_len: 0,
            secret: [0; 4 + MAX_SECRET_KEY_LEN],
            secret_len: 0,
            token: [0; MAX_SESSION_TOKEN_LEN],
            token_len: 0,
            expiration: 0,
            cache: KeyCache::new(),
        }
    }

    /// Validates `c` and copies it in (on a cleared slot).
    fn fill(&mut self, c: &CredentialSet<'_>) -> Result<(), Error> {
        check_credentials(c)?;
        copy_into(&mut self.akid, c.access_key_id);
        self.akid_len = c.access_key_id.len() as u16;
        copy_into(&mut self.secret, b"AWS4");
        copy_into(&mut self.secret[4..], c.secret_access_key);
        self.secret_len = 4 + c.secret_access_key.len() as u16;
        copy_into(&mut self.token, c.session_token);
        self.token_len = c.session_token.len() as u16;
        self.expiration = c.expiration.unwrap_or(0);
        Ok(())
    }

    /// The access key id.
    pub(crate) fn access_key_id(&self) -> &[u8] {
        &self.akid[..usize::from(self.akid_len)]
    }

    pub(crate) fn session_token(&self) -> &[u8] {
        &self.token[..usize::from(self.token_len)]
    }

    /// The signing key for `date`, from the cache or derived (and cached).
    pub(crate) fn signing_key(&self, date: &AmzDate, region: &[u8], service: &[u8]) -> HmacKey {
        if let Some(k) = self.cache.get(date.day) {
            return k;
        }
        let k = derive(
            &self.secret[..usize::from(self.secret_len)],
            date.date(),
            region,
            service,
        );
        self.cache.put(date.day, &k);
        k
    }

    /// The SigV4a private key, from the cache or derived (and cached).
    #[cfg(feature = "sigv4a")]
    pub(crate) fn v4a_key(&self) -> super::v4a::V4aKey {
        if let Some(k) = self.cache.get_v4a() {
            return k;
        }
        let k = super::v4a::derive_v4a(self.access_key_id(), &self.secret[4..usize::from(self.secret_len)]);
        self.cache.put_v4a(&k);
        k
    }
}

impl Clear for Creds {
    /// Zeroes the used prefixes (bytes past each length are always zero:
    /// fills write within the lengths, on a cleared slot).
    fn clear(&mut self) {
        self.akid[..usize::from(self.akid_len)].zeroize();
        self.akid_len = 0;
        self.secret[..usize::from(self.secret_len)].zeroize();
        self.secret_len = 0;
        self.token[..usize::from(self.token_len)].zeroize();
        self.token_len = 0;
        self.expiration = 0;
        self.cache.clear();
    }

    fn is_set(&self) -> bool {
        self.akid_len != 0
    }
}

fn check_credentials(c: &CredentialSet<'_>) -> Result<(), Error> {
    let akid_ok = |b: u8| (0x21..0x7f).contains(&b) && b != b'/' && b != b',';
    if c.access_key_id.is_empty()
        || c.access_key_id.len() > MAX_ACCESS_KEY_ID_LEN
        || !c.access_key_id.iter().all(|&b| akid_ok(b))
    {
        return Err(Error::InvalidAccessKeyId);
    }
    if c.secret_access_key.is_empty() || c.secret_access_key.len() > MAX_SECRET_KEY_LEN {
        return Err(Error::InvalidSecretKey);
    }
    if c.session_token.len() > MAX_SESSION_TOKEN_LEN || !c.session_token.iter().all(|b| (0x21..0x7f).contains(b)) {
        return Err(Error::InvalidSessionToken);
    }
    if c.expiration.is_some_and(|e| !(1..=253_402_300_799).contains(&e)) {
        return Err(Error::InvalidTime);
    }
    Ok(())
}

/// S3 Express signs with a CreateSession token: a set without one would
/// only earn `AccessDenied` from the bucket, so it is refused here.
fn check_token_for(flags: u32, c: &CredentialSet<'_>) -> Result<(), Error> {
    if s3express(flags) && c.session_token.is_empty() {
        return Err(Error::InvalidSessionToken);
    }
    Ok(())
}

const READY: u32 = 0x5349_4734;

/// A configured signer: settings fixed at configuration, and credentials
/// that can be replaced while other threads sign ([`Signer::rotate`], or a
/// [`Provider`]).
pub struct Signer {
    ready: u32,
    pub(crate) flags: u32,
    region: [u8; MAX_REGION_LEN],
    region_len: u8,
    service: [u8; MAX_SERVICE_LEN],
    service_len: u8,
    // Lower-cased names, each prefixed by its length.
    unsigned: [u8; MAX_UNSIGNED_HEADERS_LEN],
    unsigned_len: u16,
    creds: Slots<Creds>,
    provider: Option<Provider>,
    margin: u32,
    /// No provider call before this time (Unix seconds): after a failure,
    /// or a success that is still due.
    retry_at: RetryAt,
}

/// Unix seconds in an atomic: 64 bits where the core has them; else 32,
/// clamped (past 2106 such a core asks a failing provider on every call).
#[cfg(target_has_atomic = "64")]
struct RetryAt(core::sync::atomic::AtomicU64);
#[cfg(not(target_has_atomic = "64"))]
struct RetryAt(core::sync::atomic::AtomicU32);

impl RetryAt {
    const fn new() -> Self {
        #[cfg(target_has_atomic = "64")]
        return RetryAt(core::sync::atomic::AtomicU64::new(0));
        #[cfg(not(target_has_atomic = "64"))]
        return RetryAt(core::sync::atomic::AtomicU32::new(0));
    }
    fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed) as i64
    }
    fn set(&self, t: i64) {
        #[cfg(target_has_atomic = "64")]
        self.0.store(t.max(0) as u64, Ordering::Relaxed);
        #[cfg(not(target_has_atomic = "64"))]
        self.0.store(t.clamp(0, i64::from(u32::MAX)) as u32, Ordering::Relaxed);
    }
    fn reset(&mut self) {
        *self.0.get_mut() = 0;
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let creds = self.creds.read();
        let akid = creds
            .as_ref()
            .map(|g| core::str::from_utf8(g.access_key_id()).unwrap_or("<bytes>"));
        f.debug_struct("Signer")
            .field("access_key_id", &akid)
            .field("secret_access_key", &"<redacted>")
            .field("provider", &self.provider.is_some())
            .field("region", &core::str::from_utf8(self.region()).unwrap_or("<bytes>"))
            .field("service", &core::str::from_utf8(self.service()).unwrap_or("<bytes>"))
            .field("flags", &self.flags)
            .finish()
    }
}

fn copy_into(dst: &mut [u8], src: &[u8]) {
    dst[..src.len()].copy_from_slice(src);
}

pub(crate) fn is_name_part(s: &[u8], max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A SigV4a region set: names (wildcards allowed) separated by `,`.
#[cfg(feature = "sigv4a")]
fn is_region_set(s: &[u8]) -> bool {
    s.len() <= MAX_REGION_LEN
        && s.split(|&b| b == b',').all(|name| {
            !name.is_empty()
                && name
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*'))
        })
}

impl Default for Signer {
    fn default() -> Self {
        Self::empty()
    }
}

impl Signer {
    /// An unconfigured signer (all zero); every signing call on it returns
    /// [`Error::NotInitialized`].
    pub const fn empty() -> Signer {
        Signer {
            ready: 0,
            flags: 0,
            region: [0; MAX_REGION_LEN],
            region_len: 0,
            service: [0; MAX_SERVICE_LEN],
            service_len: 0,
            unsigned: [0; MAX_UNSIGNED_HEADERS_LEN],
            unsigned_len: 0,
            creds: Slots::new(Creds::empty(), Creds::empty()),
            provider: None,
            margin: 0,
            retry_at: RetryAt::new(),
        }
    }

    /// A signer for `config`.
    pub fn new(config: &Config<'_>) -> Result<Signer, Error> {
        let mut s = Signer::empty();
        s.configure(config)?;
        Ok(s)
    }

    /// Validates `config` and stores it in place (no large temporary, for
    /// small stacks). On error the signer is left cleared.
    pub fn configure(&mut self, c: &Config<'_>) -> Result<(), Error> {
        self.clear();
        let r = self.configure_inner(c);
        if r.is_err() {
            self.clear();
        }
        r
    }

    fn configure_inner(&mut self, c: &Config<'_>) -> Result<(), Error> {
        if c.flags & !Flags::ALL != 0 {
            return Err(Error::InvalidArgument);
        }
        // S3 Express is SigV4 only (in a build without both features one of
        // the two is an unknown bit, refused above).
        if s3express(c.flags) && cfg!(feature = "sigv4a") && c.flags & Flags::SIGV4A != 0 {
            return Err(Error::InvalidArgument);
        }
        let none_yet = c.access_key_id.is_empty() && c.secret_access_key.is_empty() && c.session_token.is_empty();
        let set = CredentialSet {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: c.session_token,
            expiration: c.expiration,
        };
        if !none_yet {
            check_credentials(&set)?;
            check_token_for(c.flags, &set)?;
        }
        #[cfg(feature = "sigv4a")]
        if c.flags & Flags::SIGV4A != 0 && !is_region_set(c.region) {
            return Err(Error::InvalidRegionSet);
        }
        let v4a = cfg!(feature = "sigv4a") && c.flags & Flags::SIGV4A != 0;
        if !v4a && !is_name_part(c.region, MAX_REGION_LEN) {
            return Err(Error::InvalidRegion);
        }
        if !is_name_part(c.service, MAX_SERVICE_LEN) {
            return Err(Error::InvalidService);
        }
        let mut packed = 0usize;
        for i in 0..c.unsigned_headers.count() {
            let name = c.unsigned_headers.item(i);
            if !is_token(name) || name.len() > 255 || packed + 1 + name.len() > MAX_UNSIGNED_HEADERS_LEN {
                return Err(Error::InvalidUnsignedHeader);
            }
            self.unsigned[packed] = name.len() as u8;
            for (d, s) in self.unsigned[packed + 1..].iter_mut().zip(name) {
                *d = s.to_ascii_lowercase();
            }
            packed += 1 + name.len();
            // Kept current so a later error's clear() wipes what was written.
            self.unsigned_len = packed as u16;
        }
        // S3 Express is S3: its rules apply.
        self.flags = c.flags | if s3express(c.flags) { Flags::S3 } else { 0 };
        copy_into(&mut self.region, c.region);
        self.region_len = c.region.len() as u8;
        copy_into(&mut self.service, c.service);
        self.service_len = c.service.len() as u8;
        if !none_yet {
            // Checked above: the fill cannot fail.
            self.creds.set_mut(|slot| {
                let _ = slot.fill(&set);
            });
        }
        self.ready = READY;
        Ok(())
    }

    /// Zeroes every byte that held a credential or a derived key. Bytes past
    /// each field's length are always zero (configure writes only within the
    /// lengths, on a cleared signer), so wiping the used prefixes is enough:
    /// a fresh signer per request stays cheap.
    pub fn clear(&mut self) {
        self.ready = 0;
        self.flags = 0;
        self.region[..usize::from(self.region_len)].zeroize();
        self.region_len = 0;
        self.service[..usize::from(self.service_len)].zeroize();
        self.service_len = 0;
        self.unsigned[..usize::from(self.unsigned_len)].zeroize();
        self.unsigned_len = 0;
        self.creds.clear_mut();
        self.provider = None;
        self.margin = 0;
        self.retry_at.reset();
    }

    /// Replaces the credentials while other threads may be signing with
    /// this signer: each signature uses one set, whole; the day's key cache
    /// starts afresh; the replaced secret is zeroed once the calls using it
    /// are done. [`Error::Busy`] when another rotation or a provider call
    /// is under way (nothing changed). On a core without compare-and-swap
    /// (RV32IMC) it must not run concurrently with signing: use
    /// [`Signer::rotate_mut`] there.
    #[cfg(target_has_atomic = "32")]
    pub fn rotate(&self, c: &CredentialSet<'_>) -> Result<(), Error> {
        if !self.is_ready() {
            return Err(Error::NotInitialized);
        }
        check_credentials(c)?;
        check_token_for(self.flags, c)?;
        self.creds.write(|slot| slot.fill(c)).map_err(write_error)
    }

    /// [`Signer::rotate`] with exclusive access (any core).
    pub fn rotate_mut(&mut self, c: &CredentialSet<'_>) -> Result<(), Error> {
        if !self.is_ready() {
            return Err(Error::NotInitialized);
        }
        check_credentials(c)?;
        check_token_for(self.flags, c)?;
        self.creds.set_mut(|slot| {
            let _ = slot.fill(c);
        });
        Ok(())
    }

    /// Sets the provider asked for credentials when there are none or they
    /// expire within `margin_secs` (see [`DEFAULT_REFRESH_MARGIN`]). Not on
    /// cores without compare-and-swap ([`Error::InvalidArgument`]): there
    /// the application rotates ([`Signer::rotate_mut`]) between calls.
    pub fn set_provider(&mut self, provider: Option<Provider>, margin_secs: u32) -> Result<(), Error> {
        if !self.is_ready() {
            return Err(Error::NotInitialized);
        }
        if !cfg!(target_has_atomic = "32") && provider.is_some() {
            return Err(Error::InvalidArgument);
        }
        self.provider = provider;
        self.margin = margin_secs;
        self.retry_at.reset();
        Ok(())
    }

    /// When the current credentials expire (Unix seconds): `Ok(None)` if
    /// they do not, [`Error::NoCredentials`] if there are none.
    pub fn expiration(&self) -> Result<Option<i64>, Error> {
        if !self.is_ready() {
            return Err(Error::NotInitialized);
        }
        let g = self.creds.read().ok_or(Error::NoCredentials)?;
        Ok((g.expiration != 0).then_some(g.expiration))
    }

    /// The credentials to sign with at `t`: refreshed first through the
    /// provider when due (one caller at a time; the others go on with what
    /// is there), then checked against their expiry.
    pub(crate) fn credentials_at(&self, t: i64) -> Result<ReadGuard<'_, Creds>, Error> {
        if let Some(p) = &self.provider
            && t >= self.retry_at.get()
            && self.due(t)
        {
            self.refresh(p, t);
        }
        let g = self.creds.read().ok_or(Error::NoCredentials)?;
        if g.expiration != 0 && t >= g.expiration {
            return Err(Error::CredentialsExpired);
        }
        Ok(g)
    }

    /// Whether credentials are due from the provider at `t`.
    fn due(&self, t: i64) -> bool {
        match self.creds.read() {
            None => true,
            Some(g) => g.expiration != 0 && t >= g.expiration.saturating_sub(i64::from(self.margin)),
        }
    }

    #[cfg(target_has_atomic = "32")]
    fn refresh(&self, p: &Provider, t: i64) {
        // Due is checked again under the writer's switch: a caller that saw
        // "due" just before another's refresh landed must not ask again.
        let r = self.creds.write(|slot| {
            if self.due(t) {
                // Flags only matter to S3 Express (none without the feature).
                call_provider(p, t, slot, if cfg!(feature = "s3express") { self.flags } else { 0 })
            } else {
                Err(Error::Busy)
            }
        });
        let backoff = match r {
            Err(WriteError::Fill(e)) => e != Error::Busy,
            // A fresh set that is already due would be asked for again on
            // every call: the same pause as after a failure.
            Ok(()) => self.due(t),
            Err(WriteError::Busy) => false,
        };
        if backoff {
            self.retry_at.set(t.saturating_add(i64::from(PROVIDER_RETRY_SECS)));
        }
    }

    #[cfg(not(target_has_atomic = "32"))]
    fn refresh(&self, _: &Provider, _: i64) {}

    /// True once configured (and not cleared).
    pub fn is_ready(&self) -> bool {
        self.ready == READY
    }

    /// The region.
    pub fn region(&self) -> &[u8] {
        &self.region[..usize::from(self.region_len)]
    }

    /// The service.
    pub fn service(&self) -> &[u8] {
        &self.service[..usize::from(self.service_len)]
    }

    pub(crate) fn is_unsigned_header(&self, name: &[u8]) -> bool {
        if DEFAULT_UNSIGNED.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return true;
        }
        let mut rest = &self.unsigned[..usize::from(self.unsigned_len)];
        while let [n, tail @ ..] = rest {
            let (entry, tail) = tail.split_at(usize::from(*n));
            if entry.eq_ignore_ascii_case(name) {
                return true;
            }
            rest = tail;
        }
        false
    }
}

fn call_provider(p: &Provider, t: i64, slot: &mut Creds, flags: u32) -> Result<(), Error> {
    let mut sink = CredentialSink {
        slot,
        filled: false,
        flags,
    };
    (p.call)(p, t, &mut sink)?;
    if sink.filled { Ok(()) } else { Err(Error::NoCredentials) }
}

fn write_error(e: WriteError<Error>) -> Error {
    match e {
        WriteError::Busy => Error::Busy,
        WriteError::Fill(e) => e,
    }
}

impl Drop for Signer {
    fn drop(&mut self) {
        self.clear();
        for s in self.creds.each_mut() {
            s.clear();
        }
    }
}
