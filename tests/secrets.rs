//! Secrets (issue 7): where the secret and the derived signing key live while
//! a signer is in use, that `_deinit`, `clear()`, drop and `_free` leave none
//! of them behind, and that no `Debug` output or status message shows them.
//!
//! Constant time: the signer never compares a signature, a key or the
//! secret with anything (the key cache compares day numbers only;
//! validation looks at the secret's length only). The verifier
//! (`sigv4rs_verify`) compares the signature it computed with the one
//! received, and the session token with the lookup's, through one function,
//! `ct_eq` (OR of XORs over every byte, no early exit, no branch on the
//! data): `verification_compares_through_ct_eq_only` checks that by
//! construction; the timing statistics belong to `make bench`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::b;
use hmac::{KeyInit, Mac};
use sigv4rs::ffi::*;
use sigv4rs::sign::{Config, Error, Flags, Payload, Request, Signer, Target};
use sigv4rs_status as S;

const T: i64 = 1_440_938_160; // 2015-08-30
const AKID: &[u8] = b"AKIDEXAMPLE";
const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &[u8] = b"SESSIONTOKEN-0123456789abcdefghijklmnopqrstuvwxyz";
const REGION: &[u8] = b"us-east-1";
const SERVICE: &[u8] = b"s3";

// ---------------------------------------------------------------------------
// Expected key material, computed without the library.

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().into()
}

/// "YYYYMMDD" of a Unix time (days since 1970 to a civil date).
fn ymd(unix: i64) -> String {
    let z = unix / 86_400 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}{m:02}{d:02}", yoe + era * 400 + i64::from(m <= 2))
}

/// kDate, kRegion, kService, kSigning for the day of `unix`.
fn chain(unix: i64) -> [[u8; 32]; 4] {
    let k_date = hmac(&[b"AWS4", SECRET].concat(), ymd(unix).as_bytes());
    let k_region = hmac(&k_date, REGION);
    let k_service = hmac(&k_region, SERVICE);
    [k_date, k_region, k_service, hmac(&k_service, b"aws4_request")]
}

/// HMAC midstates of a key (< 64 bytes): SHA-256 state after one block of
/// key ^ ipad, and after key ^ opad, as native-endian words.
fn midstates(key: &[u8]) -> [u8; 64] {
    const H0: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];
    let mut out = [0u8; 64];
    for (half, pad) in [0x36u8, 0x5c].into_iter().enumerate() {
        let mut block = [pad; 64];
        for (b, k) in block.iter_mut().zip(key) {
            *b ^= k;
        }
        let mut st = H0;
        sha2::block_api::compress256(&mut st, &[block]);
        for (i, w) in st.iter().enumerate() {
            out[half * 32 + i * 4..half * 32 + i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
        }
    }
    out
}

/// The signing key of `unix`'s day as the cache holds it.
fn cached_key(unix: i64) -> [u8; 64] {
    midstates(&chain(unix)[3])
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Everything secret-derived that must never be stored: the derivation's
/// intermediate keys, the raw signing key, and the pads of the first key.
fn never_stored(unix: i64) -> Vec<(String, Vec<u8>)> {
    let names = ["kDate", "kRegion", "kService", "kSigning"];
    let mut v: Vec<(String, Vec<u8>)> = chain(unix)
        .iter()
        .zip(names)
        .flat_map(|(k, n)| {
            [
                (n.to_string(), k[..8].to_vec()),
                (format!("{n} (tail)"), k[24..].to_vec()),
            ]
        })
        .collect();
    let first = [b"AWS4", SECRET].concat();
    let xor = |p: u8| first.iter().map(|b| b ^ p).take(16).collect::<Vec<u8>>();
    v.push(("secret ^ ipad".into(), xor(0x36)));
    v.push(("secret ^ opad".into(), xor(0x5c)));
    v.push(("hex of kSigning".into(), hex(&chain(unix)[3])[..16].to_vec()));
    v
}

fn hex(b: &[u8]) -> Vec<u8> {
    b.iter().flat_map(|x| format!("{x:02x}").into_bytes()).collect()
}

// ---------------------------------------------------------------------------
// Freed memory is checked before it goes back to the system: any freed
// block the size of a `Signer` must not hold the secret or a cached key.

static WATCH: AtomicBool = AtomicBool::new(false);
std::thread_local! {
    // Only the watching test's own frees count: other tests running in
    // parallel free Signer-sized buffers of signer bytes (their scans).
    static WATCHING_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
static SIGNER_FREES: AtomicUsize = AtomicUsize::new(0);
static DIRTY_FREES: AtomicUsize = AtomicUsize::new(0);
static KEY: OnceLock<[u8; 64]> = OnceLock::new();

struct Scanning;
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if WATCH.load(Ordering::SeqCst)
            && WATCHING_HERE.with(std::cell::Cell::get)
            && (l.size() == std::mem::size_of::<Signer>() || l.size() == std::mem::size_of::<SignerHandle>())
        {
            // SAFETY: the block is still ours until System.dealloc below.
            let bytes = unsafe { std::slice::from_raw_parts(p, l.size()) };
            SIGNER_FREES.fetch_add(1, Ordering::SeqCst);
            let key = KEY.get().map_or(&[][..], |k| &k[..16]);
            if bytes.windows(SECRET.len()).any(|w| w == SECRET)
                || (!key.is_empty() && bytes.windows(16).any(|w| w == key))
            {
                DIRTY_FREES.fetch_add(1, Ordering::SeqCst);
            }
        }
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static GLOBAL: Scanning = Scanning;

// ---------------------------------------------------------------------------

fn c_config() -> sigv4rs_config {
    sigv4rs_config {
        access_key_id: b(AKID),
        secret_access_key: b(SECRET),
        session_token: b(TOKEN),
        region: b(REGION),
        service: b(SERVICE),
        flags: SIGV4RS_FLAG_S3,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    }
}

const NO_NAMES: [&[u8]; 0] = [];

fn rust_config() -> Config<'static> {
    Config {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token: TOKEN,
        expiration: None,
        region: REGION,
        service: SERVICE,
        flags: Flags::S3,
        unsigned_headers: &NO_NAMES,
    }
}

fn c_sign(s: *const sigv4rs_signer, unix: i64) {
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(b"https://examplebucket.s3.amazonaws.com/test.txt"),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: b(b""),
    };
    let mut out = [0u8; 2048];
    let mut len = 0;
    assert_eq!(
        sigv4rs_signer_sign_headers(s, &req, unix, out.as_mut_ptr(), out.len(), &mut len),
        S::Ok
    );
}

fn rust_sign(s: &Signer, unix: i64) -> Vec<u8> {
    let hs: [(&[u8], &[u8]); 0] = [];
    let req = Request {
        method: b"GET",
        target: Target::parse_url(b"https://examplebucket.s3.amazonaws.com/test.txt").unwrap(),
        headers: &hs,
        payload: Payload::Unsigned,
    };
    let mut out = [0u8; 2048];
    let n = s.sign_headers(&req, unix, &mut out).unwrap();
    out[..n].to_vec()
}

fn storage_bytes(st: &sigv4rs_signer_storage) -> Vec<u8> {
    st._opaque.iter().flat_map(|w| w.to_ne_bytes()).collect()
}

/// Live signer in caller storage: the secret once (as "AWS4" + secret), the
/// token once, the day's key once (the cache), nothing else derived from the
/// secret, nothing past the `Signer`; a new day replaces the cached key.
#[test]
fn storage_holds_key_material_only_where_expected() {
    let mut st = Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    });
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(&mut *st, &c_config(), &mut s), S::Ok);
    let live = storage_bytes(&st);
    assert_eq!(
        count(&live, &[b"AWS4", SECRET].concat()),
        1,
        "secret stored as AWS4 + secret, once"
    );
    assert_eq!(count(&live, SECRET), 1);
    assert_eq!(count(&live, TOKEN), 1);
    assert_eq!(count(&live, &cached_key(T)), 0, "a key before any signing");
    let tail = &live[std::mem::size_of::<SignerHandle>()..];
    assert!(tail.iter().all(|&c| c == 0), "bytes past the signer");

    for (day, unix) in [(0, T), (1, T + 86_400), (2, T + 5 * 86_400)] {
        c_sign(s, unix);
        let now = storage_bytes(&st);
        assert_eq!(count(&now, &cached_key(unix)), 1, "day {day}: the cached key, once");
        if day > 0 {
            assert_eq!(
                count(&now, &cached_key(T)[..16]),
                0,
                "day {day}: the old day's key is gone"
            );
        }
        for (what, needle) in never_stored(unix) {
            assert_eq!(count(&now, &needle), 0, "day {day}: {what} is in the storage");
        }
        assert_eq!(count(&now, SECRET), 1, "day {day}: secret copies");
        // Outside the secret, token and cache, only the short fields are
        // non-zero: at most akid + region + service + lengths + flags.
        let nonzero = now.iter().filter(|&&c| c != 0).count();
        let budget = 4 + SECRET.len() + TOKEN.len() + 64 + AKID.len() + REGION.len() + SERVICE.len() + 64;
        assert!(
            nonzero <= budget,
            "day {day}: {nonzero} non-zero bytes, expected at most {budget}"
        );
    }
    sigv4rs_signer_deinit(&mut *st);
    assert!(storage_bytes(&st).iter().all(|&c| c == 0), "deinit left bytes behind");
    // Re-init after deinit, then a failed re-init: nothing of the first stays.
    assert_eq!(sigv4rs_signer_init(&mut *st, &c_config(), &mut s), S::Ok);
    c_sign(s, T);
    let mut bad = c_config();
    bad.region = b(b"bad region");
    assert_eq!(sigv4rs_signer_init(&mut *st, &bad, &mut s), S::InvalidRegion);
    assert!(
        storage_bytes(&st).iter().all(|&c| c == 0),
        "rejected re-init left bytes behind"
    );
}

/// A zero-allocated boxed `Signer` (so padding reads as zero), configured
/// and used through the Rust API; `clear()` leaves every byte zero.
#[test]
fn clear_leaves_no_secret_or_key() {
    // SAFETY: an all-zero Signer is a valid empty one (the C ABI relies on it).
    let mut s: Box<Signer> = unsafe { Box::<Signer>::new_zeroed().assume_init() };
    let bytes = |s: &Signer| -> Vec<u8> {
        let p = (s as *const Signer).cast::<u8>();
        // SAFETY: reading the struct's own bytes; volatile so the reads stay.
        (0..std::mem::size_of::<Signer>())
            .map(|i| unsafe { p.add(i).read_volatile() })
            .collect()
    };
    assert!(bytes(&s).iter().all(|&c| c == 0));
    s.configure(&rust_config()).unwrap();
    rust_sign(&s, T);
    let live = bytes(&s);
    assert_eq!(count(&live, SECRET), 1);
    assert_eq!(count(&live, TOKEN), 1);
    assert_eq!(count(&live, &cached_key(T)), 1, "signing key cached");
    s.clear();
    let after = bytes(&s);
    let left: Vec<usize> = after
        .iter()
        .enumerate()
        .filter(|(_, c)| **c != 0)
        .map(|(i, _)| i)
        .collect();
    assert!(
        left.is_empty(),
        "clear() left {} non-zero bytes at {left:?}",
        left.len()
    );
    assert!(!s.is_ready());
    // A cleared signer refuses to sign.
    let hs: [(&[u8], &[u8]); 0] = [];
    let req = Request {
        method: b"GET",
        target: Target::parse_url(b"https://example.com/").unwrap(),
        headers: &hs,
        payload: Payload::Unsigned,
    };
    assert_eq!(s.sign_headers(&req, T, &mut [0u8; 1024]), Err(Error::NotInitialized));
    // configure() on a used signer replaces everything (the same checks).
    s.configure(&rust_config()).unwrap();
    rust_sign(&s, T + 86_400);
    let mut other = rust_config();
    other.secret_access_key = b"another-secret-another-secret-0123456789";
    s.configure(&other).unwrap();
    let now = bytes(&s);
    assert_eq!(count(&now, SECRET), 0, "old secret after re-configure");
    assert_eq!(
        count(&now, &cached_key(T + 86_400)[..16]),
        0,
        "old key after re-configure"
    );
}

/// Drop (`Box<Signer>`) and `sigv4rs_signer_free` wipe before freeing: the
/// allocator checks the block as it is returned.
#[test]
fn drop_and_free_wipe_before_freeing() {
    KEY.get_or_init(|| cached_key(T));
    WATCHING_HERE.with(|w| w.set(true));
    WATCH.store(true, Ordering::SeqCst);
    // The check catches a dirty block.
    let dirty = DIRTY_FREES.load(Ordering::SeqCst);
    let mut planted = vec![0u8; std::mem::size_of::<Signer>()];
    planted[100..100 + SECRET.len()].copy_from_slice(SECRET);
    drop(std::hint::black_box(planted));
    assert_eq!(
        DIRTY_FREES.load(Ordering::SeqCst),
        dirty + 1,
        "the allocator check works"
    );
    let before = SIGNER_FREES.load(Ordering::SeqCst);
    for _ in 0..3 {
        let s = Box::new(Signer::new(&rust_config()).unwrap());
        rust_sign(&s, T);
        drop(s);
        let mut p = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_new(&c_config(), &mut p), S::Ok);
        c_sign(p, T);
        sigv4rs_signer_free(p);
    }
    WATCH.store(false, Ordering::SeqCst);
    WATCHING_HERE.with(|w| w.set(false));
    assert!(
        SIGNER_FREES.load(Ordering::SeqCst) - before >= 6,
        "the allocator saw the frees"
    );
    assert_eq!(
        DIRTY_FREES.load(Ordering::SeqCst),
        dirty + 1,
        "a Signer was freed with its secret or signing key still in it"
    );
}

/// Whether a type implements Debug, without naming a generic bound (the
/// autoref trick: the `&&W` impl wins when it applies).
#[allow(dead_code)]
struct W<'a, T>(&'a T);
trait ViaDebug {
    fn is_debug(&self) -> bool {
        true
    }
}
impl<T: std::fmt::Debug> ViaDebug for &W<'_, T> {}
trait ViaPlain {
    fn is_debug(&self) -> bool {
        false
    }
}
impl<T> ViaPlain for W<'_, T> {}

#[test]
#[allow(clippy::needless_borrow)] // the `&&` is the trick
fn debug_output_and_messages_show_no_secret() {
    let s = Signer::new(&rust_config()).unwrap();
    rust_sign(&s, T);
    let cfg = rust_config();
    let mut texts = vec![
        format!("{s:?}"),
        format!("{s:#?}"),
        format!("{cfg:?}"),
        format!("{cfg:#?}"),
        format!("{:?}", Signer::empty()),
    ];
    for e in [
        Error::BufferTooSmall(7),
        Error::InvalidArgument,
        Error::NotInitialized,
        Error::InvalidAccessKeyId,
        Error::InvalidSecretKey,
        Error::InvalidSessionToken,
        Error::InvalidRegion,
        Error::InvalidService,
        Error::InvalidUnsignedHeader,
        Error::InvalidMethod,
        Error::InvalidUrl,
        Error::InvalidHost,
        Error::MissingHost,
        Error::InvalidPath,
        Error::InvalidQuery,
        Error::ReservedQueryParameter,
        Error::InvalidHeaderName,
        Error::InvalidHeaderValue,
        Error::InvalidPayloadHash,
        Error::InvalidTime,
        Error::InvalidExpires,
        Error::TooManyHeaders,
        Error::TooManyQueryParameters,
        Error::InputTooLong,
        Error::InvalidChunkSize,
        Error::IncompletePayload,
    ] {
        texts.push(format!("{e:?} {:?}", sigv4rs_status::from(e)));
    }
    // Errors from real bad configs carry no input bytes.
    let mut bad = rust_config();
    bad.region = b"bad region with the secret wJalrXUtnFEMI";
    texts.push(format!("{:?}", Signer::new(&bad).err()));
    for code in 0..1000u32 {
        let p = sigv4rs_status_str(code);
        texts.push(unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned());
    }
    let key = hex(&chain(T)[3]);
    let needles: [(&str, &[u8]); 5] = [
        ("secret", SECRET),
        ("secret prefix", &SECRET[..8]),
        ("token", TOKEN),
        ("token prefix", &TOKEN[..12]),
        ("signing key hex", &key[..16]),
    ];
    for t in &texts {
        for (what, n) in needles {
            assert_eq!(count(t.as_bytes(), n), 0, "{what} in {t:?}");
        }
    }
    assert!(texts[0].contains("<redacted>"), "{}", texts[0]);
    // Types that hold key material have no Debug at all.
    // (HmacKey and KeyCache, crate-private, are checked in src/sign/key.rs.)
    let chunk = sigv4rs::sign::ChunkState::empty();
    assert!(!(&&W(&chunk)).is_debug(), "ChunkState implements Debug");
    assert!((&&W(&s)).is_debug(), "the trick detects Debug");
}

/// The verifier compares secret-dependent bytes (signatures, tokens) only
/// through `ct_eq`, which has no early exit: checked on its source (the one
/// comparison function, its shape) and on its behaviour.
#[test]
fn verification_compares_through_ct_eq_only() {
    let root = env!("CARGO_MANIFEST_DIR");
    let src = std::fs::read_to_string(format!("{root}/src/sign/verify.rs")).unwrap();
    // ct_eq: an XOR accumulated with OR over every byte, black-boxed, and
    // no return inside its loop.
    let body = &src[src.find("pub fn ct_eq(").unwrap()..];
    let body = &body[..body.find("\n}\n").unwrap()];
    assert!(body.contains("acc |= core::hint::black_box(x ^ y)"), "{body}");
    assert!(body.contains("core::hint::black_box(acc) == 0"), "{body}");
    let loop_ = &body[body.find("for (x, y)").unwrap()..];
    assert!(
        !loop_.contains("return") && !loop_.contains("break"),
        "early exit in ct_eq: {body}"
    );
    // The computed signature and the token are compared by ct_eq, and no
    // other comparison touches them.
    assert!(src.contains("ct_eq(&computed, &parsed.signature)"));
    assert!(src.contains("ct_eq(sent_token, &token[..k])"));
    // The body verifier's chunk and trailer signatures, likewise.
    let body = std::fs::read_to_string(format!("{root}/src/sign/verify_body.rs")).unwrap();
    assert!(body.contains("ct_eq(&computed, &self.sent)"));
    assert_eq!(body.matches("computed").count(), 2, "computed signature used elsewhere");
    for (i, line) in src.lines().enumerate() {
        let l = line.trim();
        if l.starts_with("//") {
            continue;
        }
        for name in ["computed", "signature", "token"] {
            for op in ["==", "!="] {
                let cmp_left = format!("{name} {op}");
                let cmp_right = format!("{op} {name}");
                let hit =
                    (l.contains(&cmp_left) || l.contains(&cmp_right)) && !l.contains("_len") && !l.contains(".len()");
                assert!(!hit, "src/sign/verify.rs:{}: compares {name} outside ct_eq: {l}", i + 1);
            }
        }
    }
    // Exported: the only verification entry point is `sigv4rs_verify`.
    let header = std::fs::read_to_string(format!("{root}/include/sigv4rs.h")).unwrap();
    let verifiers: Vec<&str> = header
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("//")
                && l.contains("sigv4rs_")
                && l.contains('(')
                && ["verify", "compare", "equal", "check_signature", "validate"]
                    .iter()
                    .any(|w| l.contains(w))
        })
        .collect();
    assert_eq!(verifiers.len(), 1, "{verifiers:?}");
    assert!(verifiers[0].contains("sigv4rs_status sigv4rs_verify("), "{verifiers:?}");
    // Behaviour: equal only when equal, at every position and length.
    use sigv4rs::sign::ct_eq;
    let a = [0x5au8; 64];
    assert!(ct_eq(&a, &a));
    assert!(ct_eq(b"", b""));
    assert!(!ct_eq(&a, &a[..63]));
    for i in 0..64 {
        for bit in 0..8 {
            let mut b = a;
            b[i] ^= 1 << bit;
            assert!(!ct_eq(&a, &b), "differs at {i} bit {bit}");
        }
    }
}
