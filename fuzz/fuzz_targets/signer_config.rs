#![no_main]
//! (5) Signer creation: `sigv4rs_signer_new`, `_init` in caller storage
//! (aligned or not, fresh or holding a signer), `_deinit`, `_new_from_env`,
//! with arbitrary keys, region, service, flags and unsigned-header lists.
//! The status must be exactly what a small model of the documented rules
//! says; on OK the signer must sign and leave the unsigned names out.

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sigv4rs_fuzz::check::{header_output, is_token};
use sigv4rs_fuzz::input::Req;
use sigv4rs_fuzz::*;

#[derive(Arbitrary, Debug, Clone)]
enum Field {
    Preset(u8),
    Raw(Vec<u8>),
    /// (NULL, n > 0).
    Null(u8),
    /// A length over PTRDIFF_MAX.
    Huge,
}

#[derive(Arbitrary, Debug)]
struct Input {
    akid: Field,
    secret: Field,
    token: Field,
    region: Field,
    service: Field,
    flags: u32,
    raw_flags: bool,
    unsigned: Vec<Field>,
    /// 0: the list; 1: (NULL, n); 2: count over PTRDIFF_MAX; 3: 257 names.
    list_mode: u8,
    storage_off: u8,
    prefill: bool,
    env: bool,
    env_region_param: bool,
    status_code: u32,
    /// First an `_init` with a NULL `out`: NULL_ARGUMENT, storage wiped.
    null_out_first: bool,
}

const AKIDS: &[&[u8]] = &[
    b"AKIDEXAMPLE",
    b"AKIAIOSFODNN7EXAMPLE",
    b"AK ID",
    b"AK/ID",
    b"AK,ID",
    b"AKID\x7f",
    "é".as_bytes(),
    b"",
    b"~!",
];
const SECRETS: &[&[u8]] = &[b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", b"\0", b"", b"\xff\n"];
const TOKENS: &[&[u8]] = &[b"", b"tok", b"a b", b"a\nb", b"~"];
const REGIONS: &[&[u8]] = &[b"us-east-1", b"us east", b"", b"a/b", b"a_b.c-D", b"\xc3\xa9"];
const SERVICES: &[&[u8]] = &[b"s3", b"service", b"execute-api", b"", b"s 3", b"s:3"];
const NAMES: &[&[u8]] = &[
    b"X-Skip",
    b"content-type",
    b"Host",
    b"x-amz-date",
    b"bad name",
    b"",
    b"a:b",
    b"User-Agent",
    b"Content-Length",
];

/// Field bytes: presets include the limits and one past them.
fn value(f: &Field, presets: &[&[u8]], max: usize, fill: u8) -> Vec<u8> {
    match f {
        Field::Preset(i) => {
            let i = usize::from(*i);
            match i % (presets.len() + 2) {
                j if j < presets.len() => presets[j].to_vec(),
                j if j == presets.len() => vec![fill; max],
                _ => vec![fill; max + 1],
            }
        }
        Field::Raw(v) => v.clone(),
        Field::Null(_) | Field::Huge => Vec::new(),
    }
}

fn cbytes(f: &Field, v: &[u8]) -> sigv4rs_bytes {
    match f {
        Field::Null(n) => sigv4rs_bytes {
            ptr: std::ptr::null(),
            len: usize::from(*n).max(1),
        },
        Field::Huge => sigv4rs_bytes {
            ptr: b"x".as_ptr(),
            len: isize::MAX as usize + 1,
        },
        _ => b(v, false),
    }
}

fn ptr_err(f: &Field) -> Option<S> {
    match f {
        Field::Null(_) => Some(S::NullArgument),
        Field::Huge => Some(S::InvalidArgument),
        _ => None,
    }
}

fn name_part(s: &[u8], max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.iter().all(|&c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
}

/// The documented rules, in the order the C ABI applies them.
fn model(inp: &Input, v: &Values, flags: u32) -> S {
    match inp.list_mode % 4 {
        1 => return S::NullArgument,
        2 => return S::InvalidArgument,
        3 => return S::InvalidUnsignedHeader,
        _ => {}
    }
    if inp.unsigned.len() > SIGV4RS_MAX_UNSIGNED_HEADERS_LEN {
        return S::InvalidUnsignedHeader;
    }
    for f in inp
        .unsigned
        .iter()
        .chain([&inp.akid, &inp.secret, &inp.token, &inp.region, &inp.service])
    {
        if let Some(s) = ptr_err(f) {
            return s;
        }
    }
    if flags & !127 != 0 {
        return S::InvalidArgument;
    }
    // S3 Express is signed with SigV4 only.
    if flags & SIGV4RS_FLAG_S3EXPRESS != 0 && flags & SIGV4RS_FLAG_SIGV4A != 0 {
        return S::InvalidArgument;
    }
    // All three credential fields empty: no credentials yet (a provider or a
    // rotation brings them), so none of their rules apply.
    let none_yet = v.akid.is_empty() && v.secret.is_empty() && v.token.is_empty();
    let akid_ok = |c: u8| (0x21..0x7f).contains(&c) && c != b'/' && c != b',';
    if !none_yet
        && (v.akid.is_empty() || v.akid.len() > SIGV4RS_MAX_ACCESS_KEY_ID_LEN || !v.akid.iter().all(|&c| akid_ok(c)))
    {
        return S::InvalidAccessKeyId;
    }
    if !none_yet && (v.secret.is_empty() || v.secret.len() > SIGV4RS_MAX_SECRET_KEY_LEN) {
        return S::InvalidSecretKey;
    }
    if v.token.len() > SIGV4RS_MAX_SESSION_TOKEN_LEN || !v.token.iter().all(|c| (0x21..0x7f).contains(c)) {
        return S::InvalidSessionToken;
    }
    // S3 Express: credentials must carry a (CreateSession) token.
    if !none_yet && flags & SIGV4RS_FLAG_S3EXPRESS != 0 && v.token.is_empty() {
        return S::InvalidSessionToken;
    }
    if flags & SIGV4RS_FLAG_SIGV4A != 0 {
        // A region set: names of `A-Za-z0-9-_.*` joined by single commas.
        let name = |n: &[u8]| !n.is_empty() && n.iter().all(|&c| c.is_ascii_alphanumeric() || b"-_.*".contains(&c));
        if v.region.len() > SIGV4RS_MAX_REGION_LEN || !v.region.split(|&c| c == b',').all(name) {
            return S::InvalidRegionSet;
        }
    } else if !name_part(&v.region, SIGV4RS_MAX_REGION_LEN) {
        return S::InvalidRegion;
    }
    if !name_part(&v.service, SIGV4RS_MAX_SERVICE_LEN) {
        return S::InvalidService;
    }
    let mut packed = 0;
    for n in &v.names {
        packed += 1 + n.len();
        if !is_token(n) || n.len() > 255 || packed > SIGV4RS_MAX_UNSIGNED_HEADERS_LEN {
            return S::InvalidUnsignedHeader;
        }
    }
    S::Ok
}

struct Values {
    akid: Vec<u8>,
    secret: Vec<u8>,
    token: Vec<u8>,
    region: Vec<u8>,
    service: Vec<u8>,
    names: Vec<Vec<u8>>,
}

fn documented(s: S, env: bool) -> bool {
    use sigv4rs_status::*;
    matches!(
        s,
        Ok | NullArgument
            | InvalidArgument
            | InvalidAccessKeyId
            | InvalidSecretKey
            | InvalidSessionToken
            | InvalidRegion
            | InvalidRegionSet
            | InvalidService
            | InvalidUnsignedHeader
    ) || (env && s == MissingCredentials)
}

/// Signs a request carrying the unsigned names as headers; checks the
/// output (unsigned names left out) and that both signers agree.
fn sign_with(c: &Creds, heap: *const sigv4rs_signer, stored: *const sigv4rs_signer) {
    let mut r = Req {
        method: b"PUT".to_vec(),
        url: b"https://examplebucket.s3.amazonaws.com/a%20b/c?x=1".to_vec(),
        payload_mode: 1,
        payload: b"body".to_vec(),
        ..Req::default()
    };
    for n in c.unsigned.iter().filter(|n| is_token(n)).take(40) {
        r.headers.push((n.clone(), b"v".to_vec()));
    }
    r.headers.push((b"X-Signed".to_vec(), b"yes".to_vec()));
    let (req, _hs) = r.to_c();
    let t = 1_440_938_160;
    let f = |s: *const sigv4rs_signer| {
        stateless("sign_headers", Cap::Exact, &mut |o, cap, l| {
            sigv4rs_signer_sign_headers(s, &req, t, o, cap, l)
        })
    };
    if c.akid.is_empty() && c.secret.is_empty() {
        // No credentials yet: both signers say so, and write nothing.
        for s in [heap, stored] {
            assert_eq!(
                f(s),
                Err(sigv4rs_status::MissingCredentials),
                "a signer without credentials"
            );
        }
        return;
    }
    let a = f(heap).expect("a valid signer refused a valid request");
    assert_eq!(f(stored).as_ref(), Ok(&a), "heap and storage signers differ");
    if c.flags & SIGV4RS_FLAG_SIGV4A != 0 {
        // The model below is SigV4's; SigV4a output is held to the suite and
        // to aws-sigv4 (tests/suite_v4a.rs, tests/differential_v4a.rs).
        return;
    }
    let h = header_output(&a, c, t, &r, None);
    let sts = stateless("string_to_sign", Cap::Exact, &mut |o, cap, l| {
        sigv4rs_signer_string_to_sign(heap, &req, t, sigv4rs_auth::Headers as u32, 0, o, cap, l)
    })
    .unwrap();
    assert_eq!(h.signature, reference::signature(c, &sts[..sts.len() - 1]));
}

fn status_str_check(code: u32) {
    let p = sigv4rs_status_str(code);
    assert!(!p.is_null());
    let s = unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes();
    assert!(!s.is_empty() && s.iter().all(|c| (0x20..0x7f).contains(c)));
    // The statuses! table is the one list of codes (the header's enum is
    // generated from it): status_str must give each its own message.
    match sigv4rs_status::from_u32(code) {
        Some(st) => assert_eq!(s, st.message().to_bytes(), "status_str({code})"),
        None => assert_eq!(s, b"unknown status", "status_str({code})"),
    }
}

fn new_signer(cfg: *const sigv4rs_config) -> (S, *mut sigv4rs_signer) {
    let sentinel = 0x5eed as *mut sigv4rs_signer;
    let mut out = sentinel;
    let s = sigv4rs_signer_new(cfg, &mut out);
    if s != S::Ok {
        assert_eq!(out, sentinel, "signer_new wrote *out on {s:?}");
        return (s, std::ptr::null_mut());
    }
    (s, out)
}

fuzz_target!(|inp: Input| {
    status_str_check(inp.status_code);
    let flags = if inp.raw_flags { inp.flags } else { inp.flags & 127 };
    let v = Values {
        akid: value(&inp.akid, AKIDS, SIGV4RS_MAX_ACCESS_KEY_ID_LEN, b'A'),
        secret: value(&inp.secret, SECRETS, SIGV4RS_MAX_SECRET_KEY_LEN, b's'),
        token: value(&inp.token, TOKENS, SIGV4RS_MAX_SESSION_TOKEN_LEN, b't'),
        region: value(&inp.region, REGIONS, SIGV4RS_MAX_REGION_LEN, b'r'),
        service: value(&inp.service, SERVICES, SIGV4RS_MAX_SERVICE_LEN, b'v'),
        names: inp.unsigned.iter().map(|f| value(f, NAMES, 255, b'n')).collect(),
    };
    let mut names: Vec<sigv4rs_bytes> = inp.unsigned.iter().zip(&v.names).map(|(f, n)| cbytes(f, n)).collect();
    let filler = vec![b(b"a", false); SIGV4RS_MAX_UNSIGNED_HEADERS_LEN + 1];
    let (list_ptr, list_len) = match inp.list_mode % 4 {
        1 => (std::ptr::null(), names.len().max(1)),
        2 => (names.as_ptr(), isize::MAX as usize / 16 + 1),
        3 => (filler.as_ptr(), filler.len()),
        _ => (
            if names.is_empty() {
                std::ptr::null()
            } else {
                names.as_mut_ptr() as *const _
            },
            names.len(),
        ),
    };
    let cfg = sigv4rs_config {
        access_key_id: cbytes(&inp.akid, &v.akid),
        secret_access_key: cbytes(&inp.secret, &v.secret),
        session_token: cbytes(&inp.token, &v.token),
        region: cbytes(&inp.region, &v.region),
        service: cbytes(&inp.service, &v.service),
        flags,
        unsigned_headers: list_ptr,
        unsigned_headers_len: list_len,
        expiration: 0,
    };
    let want = model(&inp, &v, flags);

    // Heap.
    let (s_new, heap) = new_signer(&cfg);
    assert!(documented(s_new, false), "signer_new: {s_new:?}");
    assert_eq!(s_new, want, "signer_new vs the documented rules");

    // Caller storage, maybe misaligned, maybe holding a signer already.
    let mut mem = vec![0u64; SIGV4RS_SIGNER_STORAGE_SIZE / 8 + 1];
    let off = usize::from(inp.storage_off % 8);
    let base = unsafe { (mem.as_mut_ptr() as *mut u8).add(off) };
    let storage = base as *mut sigv4rs_signer_storage;
    let good = Creds::preset(0, 0);
    if off == 0 && inp.prefill {
        let gcfg = sigv4rs_config {
            access_key_id: b(&good.akid, false),
            secret_access_key: b(&good.secret, false),
            session_token: b(b"", true),
            region: b(&good.region, false),
            service: b(&good.service, false),
            flags: 0,
            unsigned_headers: std::ptr::null(),
            unsigned_headers_len: 0,
            expiration: 0,
        };
        let mut o = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_init(storage, &gcfg, &mut o), S::Ok);
    } else {
        unsafe { std::ptr::write_bytes(base, CANARY, SIGV4RS_SIGNER_STORAGE_SIZE) };
    }
    if off == 0 && inp.null_out_first {
        let s = sigv4rs_signer_init(storage, &cfg, std::ptr::null_mut());
        assert_eq!(s, S::NullArgument, "init with a NULL out");
        let after = unsafe { std::slice::from_raw_parts(base, SIGV4RS_SIGNER_STORAGE_SIZE) };
        assert!(
            after.iter().all(|&x| x == 0),
            "init with a NULL out left the storage non-zero"
        );
        unsafe { std::ptr::write_bytes(base, CANARY, SIGV4RS_SIGNER_STORAGE_SIZE) };
    }
    let before = unsafe { std::slice::from_raw_parts(base, SIGV4RS_SIGNER_STORAGE_SIZE) }.to_vec();
    let sentinel = 0x5eed as *mut sigv4rs_signer;
    let mut out = sentinel;
    let s_init = sigv4rs_signer_init(storage, &cfg, &mut out);
    let after = unsafe { std::slice::from_raw_parts(base, SIGV4RS_SIGNER_STORAGE_SIZE) };
    if off != 0 {
        assert_eq!(s_init, S::InvalidArgument, "misaligned storage accepted");
        assert!(after == &before[..], "misaligned storage written");
        assert_eq!(out, sentinel);
        if !heap.is_null() {
            sigv4rs_signer_free(heap);
        }
        return;
    }
    assert_eq!(s_init, s_new, "signer_init vs signer_new");
    if s_init != S::Ok {
        assert_eq!(out, sentinel, "signer_init wrote *out on {s_init:?}");
        // "on error the storage is left zeroed"
        assert!(
            after.iter().all(|&x| x == 0),
            "signer_init left the storage non-zero on {s_init:?}"
        );
    } else {
        assert_eq!(out as *mut u8, base, "signer not inside the storage");
        let c = Creds {
            akid: v.akid.clone(),
            secret: v.secret.clone(),
            token: v.token.clone(),
            region: v.region.clone(),
            service: v.service.clone(),
            flags,
            unsigned: v.names.clone(),
        };
        sign_with(&c, heap, out);
        sigv4rs_signer_deinit(storage);
        let after = unsafe { std::slice::from_raw_parts(base, SIGV4RS_SIGNER_STORAGE_SIZE) };
        assert!(after.iter().all(|&x| x == 0), "deinit left bytes");
        let after_req = Req {
            method: b"GET".to_vec(),
            url: b"https://h/".to_vec(),
            ..Req::default()
        };
        let (req, _h) = after_req.to_c();
        let r = call_out("sign after deinit", 256, false, &mut |o, cap, l| {
            sigv4rs_signer_sign_headers(out, &req, 0, o, cap, l)
        });
        assert_eq!(r.status, S::NotInitialized, "signing after deinit");
    }
    if !heap.is_null() {
        sigv4rs_signer_free(heap);
    }

    // The environment variant: same values through AWS_* variables.
    let plain = |f: &Field, x: &[u8]| !matches!(f, Field::Null(_) | Field::Huge) && !x.contains(&0);
    if inp.env
        && inp.list_mode.is_multiple_of(4)
        && plain(&inp.akid, &v.akid)
        && plain(&inp.secret, &v.secret)
        && plain(&inp.token, &v.token)
        && plain(&inp.region, &v.region)
        && plain(&inp.service, &v.service)
    {
        use std::os::unix::ffi::OsStrExt;
        let os = |x: &[u8]| std::ffi::OsStr::from_bytes(x).to_owned();
        // SAFETY: libFuzzer runs the target on one thread; nothing else
        // reads the environment meanwhile.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", os(&v.akid));
            std::env::set_var("AWS_SECRET_ACCESS_KEY", os(&v.secret));
            std::env::set_var("AWS_SESSION_TOKEN", os(&v.token));
            std::env::set_var("AWS_REGION", os(&v.region));
            std::env::remove_var("AWS_DEFAULT_REGION");
        }
        let region_param = if inp.env_region_param {
            b(&v.region, true)
        } else {
            b(b"", true)
        };
        let sentinel = 0x5eed as *mut sigv4rs_signer;
        let mut o = sentinel;
        let s = sigv4rs_signer_new_from_env(region_param, b(&v.service, true), flags, &mut o);
        assert!(documented(s, true), "new_from_env: {s:?}");
        let want = if v.akid.is_empty() || v.secret.is_empty() || v.region.is_empty() {
            S::MissingCredentials
        } else {
            let mut only = Input {
                unsigned: Vec::new(),
                ..inp
            };
            only.list_mode = 0;
            model(&only, &Values { names: Vec::new(), ..v }, flags)
        };
        assert_eq!(s, want, "new_from_env vs the documented rules");
        if s == S::Ok {
            sigv4rs_signer_free(o);
        } else {
            assert_eq!(o, sentinel, "new_from_env wrote *out on {s:?}");
        }
    }
});
