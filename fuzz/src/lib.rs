//! Shared harness of the fuzz targets. Every call goes through the C ABI
//! (`sigv4rs::ffi`); outputs land in canary-guarded buffers, and any broken
//! contract panics, which libFuzzer reports as a crash (its panic hook
//! aborts, so a panic caught inside the library is a crash too).

pub mod cases;
pub mod check;
pub mod input;
pub mod reference;

pub use sigv4rs::ffi::*;
pub type S = sigv4rs_status;

/// Byte that fills output buffers before a call.
pub const CANARY: u8 = 0xA5;
/// Bytes of canaries past the capacity given to the library.
pub const GUARD: usize = 64;
/// Value `*out_len` holds before a call.
pub const LEN_SENTINEL: usize = 0x5EED_CAFE;

/// Known library bugs (see README): inputs that hit them are skipped when
/// `SIGV4RS_FUZZ_SKIP_KNOWN` names their id (or is `all`), so a long run
/// can look for other bugs. Unset: they are reported like any crash.
pub fn skip_known(id: &str) -> bool {
    use std::sync::OnceLock;
    static SKIP: OnceLock<String> = OnceLock::new();
    let s = SKIP.get_or_init(|| std::env::var("SIGV4RS_FUZZ_SKIP_KNOWN").unwrap_or_default());
    s == "all" || s.split(',').any(|x| x == id)
}

/// A `sigv4rs_bytes` over `s`; an empty slice is NULL or a dangling
/// non-NULL pointer (both mean empty).
pub fn b(s: &[u8], empty_null: bool) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: if s.is_empty() && empty_null {
            std::ptr::null()
        } else {
            s.as_ptr()
        },
        len: s.len(),
    }
}

/// One output call's result.
#[derive(Debug)]
pub struct Out {
    pub status: S,
    pub len: usize,
    pub bytes: Vec<u8>,
}

/// Calls `f` with capacity `cap` (NULL `out` when `cap == 0 && null_out`),
/// and checks the output contract: nothing past `*out_len` on OK, nothing
/// at all otherwise, `*out_len` written only on OK / BUFFER_TOO_SMALL.
pub fn call_out(what: &str, cap: usize, null_out: bool, f: &mut dyn FnMut(*mut u8, usize, *mut usize) -> S) -> Out {
    let mut buf = vec![CANARY; cap + GUARD];
    let ptr = if null_out && cap == 0 {
        std::ptr::null_mut()
    } else {
        buf.as_mut_ptr()
    };
    let mut len = LEN_SENTINEL;
    let status = f(ptr, cap, &mut len);
    assert_ne!(status, S::Panic, "{what}: PANIC status");
    match status {
        S::Ok => {
            assert!(len <= cap, "{what}: *out_len {len} > capacity {cap}");
            assert!(
                buf[len..].iter().all(|&c| c == CANARY),
                "{what}: bytes written past *out_len {len} (cap {cap})"
            );
            buf.truncate(len);
        }
        S::BufferTooSmall => {
            assert!(len > cap, "{what}: BUFFER_TOO_SMALL with *out_len {len} <= cap {cap}");
            assert!(
                buf.iter().all(|&c| c == CANARY),
                "{what}: bytes written on BUFFER_TOO_SMALL"
            );
            buf.clear();
        }
        s => {
            assert_eq!(len, LEN_SENTINEL, "{what}: *out_len written on {s:?}");
            assert!(buf.iter().all(|&c| c == CANARY), "{what}: bytes written on {s:?}");
            buf.clear();
        }
    }
    Out {
        status,
        len,
        bytes: buf,
    }
}

/// How the final, successful call sizes its buffer.
#[derive(Clone, Copy, Debug)]
pub enum Cap {
    /// Exactly what the size query said.
    Exact,
    /// That plus some slack.
    Slack(usize),
    /// First a try with this (maybe too small) capacity, then exact.
    TryFirst(usize),
}

impl Cap {
    pub fn from_knobs(sel: u8, raw: u16) -> Cap {
        match sel % 4 {
            0 => Cap::Exact,
            1 => Cap::Slack(usize::from(raw % 64)),
            2 => Cap::Slack(65_536),
            _ => Cap::TryFirst(usize::from(raw)),
        }
    }
}

/// The full output protocol around one output function:
/// size query (NULL, 0) -> BUFFER_TOO_SMALL with n; n - 1 -> BUFFER_TOO_SMALL
/// with n; then a buffer of n (+ slack) -> OK with exactly n. Errors must not
/// depend on the capacity. `snap` (for stateful calls) must read the same
/// after every call but the successful one. Only the last call may succeed.
pub fn protocol(
    what: &str,
    cap: Cap,
    f: &mut dyn FnMut(*mut u8, usize, *mut usize) -> S,
    snap: Option<&dyn Fn() -> Vec<u8>>,
) -> Result<Vec<u8>, S> {
    let before = snap.map(|s| s());
    let same = |tag: &str| {
        if let (Some(s), Some(b)) = (snap, &before) {
            assert!(s() == *b, "{what}: state changed by a failed call ({tag})");
        }
    };
    let q = call_out(what, 0, true, f);
    same("size query");
    if q.status != S::BufferTooSmall {
        assert_ne!(q.status, S::Ok, "{what}: OK with no buffer");
        // The same error with room to spare.
        let r = call_out(what, 4096, false, f);
        assert_eq!(r.status, q.status, "{what}: error depends on capacity");
        same("error retry");
        return Err(q.status);
    }
    let n = q.len;
    assert!(n > 0 && n < (1 << 24), "{what}: absurd size {n}");
    let short = call_out(what, n - 1, false, f);
    assert_eq!(short.status, S::BufferTooSmall, "{what}: n - 1 bytes not refused");
    assert_eq!(short.len, n, "{what}: size changed between calls");
    same("n - 1");
    let final_cap = match cap {
        Cap::Exact => n,
        Cap::Slack(k) => n + k,
        Cap::TryFirst(c) => {
            if c < n {
                let t = call_out(what, c, c == 0, f);
                assert_eq!(t.status, S::BufferTooSmall, "{what}: cap {c} < {n} not refused");
                assert_eq!(t.len, n, "{what}: size changed between calls");
                same("small cap");
                n
            } else {
                c
            }
        }
    };
    let r = call_out(what, final_cap, false, f);
    assert_eq!(r.status, S::Ok, "{what}: sized buffer refused");
    assert_eq!(r.len, n, "{what}: wrote {} bytes, size query said {n}", r.len);
    Ok(r.bytes)
}

/// Runs a stateless output function through [`protocol`], then with an
/// exact and a very large buffer: every result must agree.
pub fn stateless(what: &str, cap: Cap, f: &mut dyn FnMut(*mut u8, usize, *mut usize) -> S) -> Result<Vec<u8>, S> {
    let a = protocol(what, cap, f, None);
    let n = a.as_ref().map_or(4096, Vec::len);
    // Once more with an exact buffer (signing is deterministic), and with a
    // buffer far past any size (the library then sizes the output from
    // lengths alone, without a counting pass): the same result each time.
    for (cap, why) in [
        (n, "not deterministic"),
        (1 << 18, "a large buffer gave another result"),
    ] {
        let b = call_out(what, cap, false, f);
        match &a {
            Ok(out) => assert_eq!(Some(out), (b.status == S::Ok).then_some(&b.bytes), "{what}: {why}"),
            Err(s) => assert_eq!(b.status, *s, "{what}: {why}"),
        }
    }
    a
}

/// One call with room to spare (the output protocol is checked elsewhere).
pub fn once(what: &str, f: &mut dyn FnMut(*mut u8, usize, *mut usize) -> S) -> Result<Vec<u8>, S> {
    let r = call_out(what, 1 << 16, false, f);
    match r.status {
        S::Ok => Ok(r.bytes),
        S::BufferTooSmall => protocol(what, Cap::Exact, f, None),
        s => Err(s),
    }
}

/// An owned heap signer made through the C ABI.
pub struct Signer(pub *mut sigv4rs_signer);

impl Drop for Signer {
    fn drop(&mut self) {
        sigv4rs_signer_free(self.0);
    }
}

/// Credentials a signer is made from (kept to recompute signatures).
#[derive(Clone, Debug)]
pub struct Creds {
    pub akid: Vec<u8>,
    pub secret: Vec<u8>,
    pub token: Vec<u8>,
    pub region: Vec<u8>,
    pub service: Vec<u8>,
    pub flags: u32,
    pub unsigned: Vec<Vec<u8>>,
}

impl Creds {
    /// A preset: the suite's keys, the S3 documentation's, with a session
    /// token, every field at its maximum length, and odd but valid bytes.
    pub fn preset(i: u8, flags: u8) -> Creds {
        let mut c = Creds {
            akid: b"AKIDEXAMPLE".to_vec(),
            secret: b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_vec(),
            token: Vec::new(),
            region: b"us-east-1".to_vec(),
            service: b"service".to_vec(),
            flags: u32::from(flags & 31),
            unsigned: Vec::new(),
        };
        match i % 5 {
            0 => {}
            1 => {
                c.akid = b"AKIAIOSFODNN7EXAMPLE".to_vec();
                c.secret = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_vec();
                c.service = b"s3".to_vec();
                c.flags |= SIGV4RS_FLAG_S3;
            }
            2 => {
                c.token = b"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267".to_vec();
            }
            3 => {
                c.akid = vec![b'A'; SIGV4RS_MAX_ACCESS_KEY_ID_LEN];
                c.secret = (0..SIGV4RS_MAX_SECRET_KEY_LEN as u32)
                    .map(|x| (x * 37 + 1) as u8)
                    .collect();
                c.token = (0..SIGV4RS_MAX_SESSION_TOKEN_LEN)
                    .map(|x| b'!' + (x % 94) as u8)
                    .collect();
                c.region = vec![b'r'; SIGV4RS_MAX_REGION_LEN];
                c.service = vec![b's'; SIGV4RS_MAX_SERVICE_LEN];
            }
            _ => {
                c.akid = b"A!~\"#$%&'()*+-.:;<=>?@[\\]^_`{|}~".to_vec();
                c.secret = vec![0xff, 0, b'\n', 0x80];
                c.region = b"eu_x.1-Z".to_vec();
                c.service = b"execute-api".to_vec();
                c.unsigned = vec![b"X-Skip".to_vec(), b"content-type".to_vec()];
            }
        }
        c
    }

    /// Makes the signer through `sigv4rs_signer_new`; panics if refused
    /// (presets are valid).
    pub fn signer(&self) -> Signer {
        let names: Vec<sigv4rs_bytes> = self.unsigned.iter().map(|n| b(n, true)).collect();
        let cfg = sigv4rs_config {
            access_key_id: b(&self.akid, true),
            secret_access_key: b(&self.secret, true),
            session_token: b(&self.token, true),
            region: b(&self.region, true),
            service: b(&self.service, true),
            flags: self.flags,
            unsigned_headers: if names.is_empty() {
                std::ptr::null()
            } else {
                names.as_ptr()
            },
            unsigned_headers_len: names.len(),
            expiration: 0,
        };
        let mut out = std::ptr::null_mut();
        let s = sigv4rs_signer_new(&cfg, &mut out);
        assert_eq!(s, S::Ok, "preset signer refused: {self:?}");
        assert!(!out.is_null());
        Signer(out)
    }

    pub fn s3(&self) -> bool {
        // S3 Express implies S3's rules.
        self.flags & (SIGV4RS_FLAG_S3 | SIGV4RS_FLAG_S3EXPRESS) != 0
    }

    /// The session token's header as output, as signed, and its presigning
    /// parameter (S3 Express has its own).
    pub fn token_names(&self) -> (&'static str, &'static str, &'static [u8]) {
        if self.flags & SIGV4RS_FLAG_S3EXPRESS != 0 {
            (
                "X-Amz-S3session-Token",
                "x-amz-s3session-token",
                b"X-Amz-S3session-Token",
            )
        } else {
            ("X-Amz-Security-Token", "x-amz-security-token", b"X-Amz-Security-Token")
        }
    }

    /// True when the signer never signs header `name`.
    pub fn is_unsigned(&self, name: &[u8]) -> bool {
        const DEFAULT: [&[u8]; 12] = [
            b"authorization",
            b"connection",
            b"expect",
            b"keep-alive",
            b"proxy-authenticate",
            b"proxy-authorization",
            b"te",
            b"trailer",
            b"transfer-encoding",
            b"upgrade",
            b"user-agent",
            b"x-amzn-trace-id",
        ];
        DEFAULT.iter().any(|d| d.eq_ignore_ascii_case(name))
            || self.unsigned.iter().any(|u| u.eq_ignore_ascii_case(name))
    }
}

/// Every status the header documents for the request-taking functions
/// (PANIC excluded: it is a bug).
pub fn is_sign_status(s: S, presign_like: bool) -> bool {
    use crate::sigv4rs_status::*;
    matches!(
        s,
        Ok | NullArgument
            | BufferTooSmall
            | InvalidArgument
            | NotInitialized
            | InvalidMethod
            | InvalidUrl
            | InvalidHost
            | MissingHost
            | InvalidPath
            | InvalidQuery
            | InvalidHeaderName
            | InvalidHeaderValue
            | InvalidPayloadHash
            | InvalidTime
            | TooManyHeaders
            | TooManyQueryParameters
            | InputTooLong
    ) || (presign_like && matches!(s, InvalidExpires | ReservedQueryParameter))
}

/// Seconds to pick a signing time from.
pub fn pick_time(sel: u8, raw: u64) -> i64 {
    const SUITE: i64 = 1_440_938_160;
    const EDGES: [i64; 10] = [
        0,
        -1,
        SIGV4RS_MAX_UNIX_TIME,
        SIGV4RS_MAX_UNIX_TIME + 1,
        i64::MIN,
        i64::MAX,
        951_782_400,
        4_102_444_799,
        86_399,
        1_369_353_600,
    ];
    match sel % 8 {
        0 => SUITE,
        1 => 1_369_353_600,
        2 => raw as i64,
        3 => (raw % (SIGV4RS_MAX_UNIX_TIME as u64 + 1)) as i64,
        4 => EDGES[(raw % EDGES.len() as u64) as usize],
        _ => SUITE + (raw as i64 % 1_000_000),
    }
}
