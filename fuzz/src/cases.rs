//! The bodies of the request targets: header signing, presigning and the
//! debug outputs, each with its cross-checks.

use crate::check::{self, must_fail};
use crate::input::{Bad, Knobs, Req, Text, split_q};
use crate::reference;
use crate::*;

/// Status of a protocol result.
pub fn st<T>(r: &Result<T, S>) -> S {
    match r {
        Ok(_) => S::Ok,
        Err(s) => *s,
    }
}

/// What a call must return when an injected (NULL, n) / over-long field is
/// read: NULL_ARGUMENT / INVALID_ARGUMENT (too many headers is checked
/// first); a bad payload is only read after the target is parsed.
fn check_bad(what: &str, r: &Req, s: S) {
    if !r.bad_is_read() {
        return;
    }
    let (f, want) = match r.bad() {
        Bad::Null(f) => (f, S::NullArgument),
        Bad::Huge(f) => (f, S::InvalidArgument),
        Bad::None => unreachable!(),
    };
    if f == input::Field::Payload {
        assert!(
            !matches!(s, S::Ok | S::BufferTooSmall),
            "{what}: bad payload field accepted"
        );
    } else if r.headers.len() <= SIGV4RS_MAX_HEADERS {
        assert_eq!(s, want, "{what}: bad {f:?} field");
    }
}

fn sign(signer: *const sigv4rs_signer, req: &sigv4rs_request, t: i64, cap: Cap) -> Result<Vec<u8>, S> {
    stateless("sign_headers", cap, &mut |o, c, l| {
        sigv4rs_signer_sign_headers(signer, req, t, o, c, l)
    })
}

fn debug(
    signer: *const sigv4rs_signer,
    req: &sigv4rs_request,
    t: i64,
    e: u32,
) -> (Result<Vec<u8>, S>, Result<Vec<u8>, S>) {
    let cr = once("canonical_request", &mut |o, c, l| {
        sigv4rs_signer_canonical_request(signer, req, t, u32::from(e != 0), e, o, c, l)
    });
    let sts = once("string_to_sign", &mut |o, c, l| {
        sigv4rs_signer_string_to_sign(signer, req, t, u32::from(e != 0), e, o, c, l)
    });
    (cr, sts)
}

fn sign_once(signer: *const sigv4rs_signer, req: &sigv4rs_request, t: i64) -> Result<Vec<u8>, S> {
    once("sign_headers", &mut |o, c, l| {
        sigv4rs_signer_sign_headers(signer, req, t, o, c, l)
    })
}

/// The same signer in caller storage (`sigv4rs_signer_init`).
pub struct Stored {
    pub storage: Box<sigv4rs_signer_storage>,
    pub signer: *mut sigv4rs_signer,
}

impl Stored {
    pub fn new(c: &Creds) -> Stored {
        let names: Vec<sigv4rs_bytes> = c.unsigned.iter().map(|n| b(n, true)).collect();
        let cfg = sigv4rs_config {
            access_key_id: b(&c.akid, true),
            secret_access_key: b(&c.secret, true),
            session_token: b(&c.token, true),
            region: b(&c.region, true),
            service: b(&c.service, true),
            flags: c.flags,
            unsigned_headers: names.as_ptr(),
            unsigned_headers_len: names.len(),
            expiration: 0,
        };
        let mut storage = Box::new(sigv4rs_signer_storage {
            _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
        });
        let mut out = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_init(&mut *storage, &cfg, &mut out), S::Ok);
        Stored { storage, signer: out }
    }
}

impl Drop for Stored {
    fn drop(&mut self) {
        sigv4rs_signer_deinit(&mut *self.storage);
    }
}

/// Header signing: (1) from a URL, (2) from parts.
pub fn run_sign(k: &Knobs, r: &Req) {
    let creds = Creds::preset(k.creds, k.flags);
    let signer = creds.signer();
    let t = pick_time(k.time_sel, k.time_raw);
    let (req, _hs) = r.to_c();
    let out = sign(signer.0, &req, t, Cap::from_knobs(k.cap_sel, k.cap_raw));
    let s = st(&out);
    assert!(is_sign_status(s, false), "sign_headers: undocumented status {s:?}");
    check_bad("sign_headers", r, s);
    if let Some(why) = must_fail(r, t, None) {
        assert_ne!(s, S::Ok, "sign_headers accepted: {why}");
    }
    check_located(r, &req, s);
    if r.bad() == Bad::None {
        check_packed(signer.0, r, t, &sign_once(signer.0, &req, t));
    }
    // Same verdict from the debug outputs of header mode.
    let (cr, sts) = debug(signer.0, &req, t, 0);
    assert_eq!(st(&cr), s, "canonical_request vs sign_headers");
    assert_eq!(st(&sts), s, "string_to_sign vs sign_headers");
    let Ok(out) = out else { return };
    let h = check::header_output(&out, &creds, t, r, None);
    let creq = check::canonical_request(cr.as_ref().unwrap(), r, false);
    let sts = check::string_to_sign(sts.as_ref().unwrap(), creq, &creds, t);
    assert_eq!(
        h.signature,
        reference::signature(&creds, sts),
        "signature differs from HMAC(string to sign)"
    );
    // Key cache: another day in between, then a signer in caller storage.
    if let Some(t2) = t.checked_add(86_400 * 3).filter(|&x| x <= SIGV4RS_MAX_UNIX_TIME) {
        let _ = sign_once(signer.0, &req, t2);
    }
    assert_eq!(
        sign_once(signer.0, &req, t).unwrap(),
        out,
        "cached key changed the output"
    );
    let stored = Stored::new(&creds);
    assert_eq!(
        sign_once(stored.signer, &req, t).unwrap(),
        out,
        "storage signer differs"
    );
}

/// (2) Parts: also signed as the equivalent URL, which must agree.
pub fn run_parts(k: &Knobs, r: &Req) {
    run_sign(k, r);
    let host_ok = !r.host.is_empty()
        && !r
            .host
            .iter()
            .any(|&c| c < 0x21 || c == 0x7f || matches!(c, b'/' | b'?' | b'#' | b'@'));
    // A '#' would start a fragment in the URL form.
    let path_ok =
        (r.path.is_empty() || r.path.starts_with(b"/")) && !r.path.contains(&b'#') && !r.query.contains(&b'#');
    if !host_ok || !path_ok || r.bad() != Bad::None {
        return;
    }
    let mut u = r.clone();
    u.url = b"https://".to_vec();
    u.url.extend_from_slice(&r.host);
    u.url.extend_from_slice(&r.path);
    if !r.query.is_empty() {
        u.url.push(b'?');
        u.url.extend_from_slice(&r.query);
    }
    if u.url.len() > SIGV4RS_MAX_URL_LEN {
        return;
    }
    let creds = Creds::preset(k.creds, k.flags);
    let signer = creds.signer();
    let t = pick_time(k.time_sel, k.time_raw);
    let (pr, _h1) = r.to_c();
    let (ur, _h2) = u.to_c();
    let a = sign_once(signer.0, &pr, t);
    let b = sign_once(signer.0, &ur, t);
    assert_eq!(a.is_ok(), b.is_ok(), "parts {:?} vs URL {:?}", st(&a), st(&b));
    if a.is_ok() {
        assert_eq!(a, b, "parts and URL sign differently");
    }
}

/// (3) Presigned URLs.
pub fn run_presign(k: &Knobs, r: &Req) {
    let creds = Creds::preset(k.creds, k.flags);
    let signer = creds.signer();
    let t = pick_time(k.time_sel, k.time_raw);
    let e = k.expires();
    let (req, _hs) = r.to_c();
    let out = stateless("presign", Cap::from_knobs(k.cap_sel, k.cap_raw), &mut |o, c, l| {
        sigv4rs_signer_presign(signer.0, &req, t, e, o, c, l)
    });
    let s = st(&out);
    assert!(is_sign_status(s, true), "presign: undocumented status {s:?}");
    check_bad("presign", r, s);
    if let Some(why) = must_fail(r, t, Some(e)) {
        assert_ne!(s, S::Ok, "presign accepted: {why}");
    }
    if e == 0 {
        // Expiry 0 means header mode to the debug calls: nothing to compare.
        assert_ne!(s, S::Ok, "presign accepted expiry 0");
        return;
    }
    let (cr, sts) = debug(signer.0, &req, t, e);
    assert_eq!(st(&cr), s, "canonical_request vs presign");
    assert_eq!(st(&sts), s, "string_to_sign vs presign");
    let Ok(out) = out else { return };
    let scheme: Vec<u8> = if r.url.is_empty() {
        b"https".to_vec()
    } else {
        r.url[..r.url.windows(3).position(|w| w == b"://").unwrap()].to_vec()
    };
    let sig = check::presigned_url(&out, &scheme, &creds, t, e, r);
    let creq = check::canonical_request(cr.as_ref().unwrap(), r, true);
    let sts = check::string_to_sign(sts.as_ref().unwrap(), creq, &creds, t);
    assert_eq!(
        sig,
        reference::signature(&creds, sts),
        "signature differs from HMAC(string to sign)"
    );
    // The URL handed out must be one the library itself accepts as a URL.
    let url = &out[..out.len() - 1];
    let back = Req {
        method: b"GET".to_vec(),
        url: url.to_vec(),
        ..Req::default()
    };
    let (breq, _bh) = back.to_c();
    let rs = st(&sign_once(signer.0, &breq, t));
    assert!(
        matches!(rs, S::Ok | S::InputTooLong | S::TooManyQueryParameters),
        "presigned URL refused as a URL ({rs:?}): {}",
        String::from_utf8_lossy(url)
    );
}

/// (4) canonical_request / string_to_sign, header mode (expiry 0) or
/// presign mode, held against sign_headers / presign.
pub fn run_debug(k: &Knobs, r: &Req) {
    let creds = Creds::preset(k.creds, k.flags);
    let signer = creds.signer();
    let t = pick_time(k.time_sel, k.time_raw);
    let e = if k.expires_sel.is_multiple_of(3) {
        0
    } else {
        k.expires()
    };
    let (req, _hs) = r.to_c();
    let (cr, sts) = debug(signer.0, &req, t, e);
    let s = st(&cr);
    assert!(is_sign_status(s, true), "canonical_request: undocumented status {s:?}");
    assert_eq!(st(&sts), s, "string_to_sign vs canonical_request");
    check_bad("canonical_request", r, s);
    if let Some(why) = must_fail(r, t, (e != 0).then_some(e)) {
        assert_ne!(s, S::Ok, "canonical_request accepted: {why}");
    }
    if e == 0 {
        assert!(
            !matches!(s, S::InvalidExpires | S::ReservedQueryParameter),
            "header mode: {s:?}"
        );
    }
    let signed = if e == 0 {
        sign(signer.0, &req, t, Cap::from_knobs(k.cap_sel, k.cap_raw))
    } else {
        stateless("presign", Cap::from_knobs(k.cap_sel, k.cap_raw), &mut |o, c, l| {
            sigv4rs_signer_presign(signer.0, &req, t, e, o, c, l)
        })
    };
    assert_eq!(st(&signed), s, "signing vs canonical_request");
    let Ok(cr) = cr else { return };
    let creq = check::canonical_request(&cr, r, e != 0);
    let sts = check::string_to_sign(sts.as_ref().unwrap(), creq, &creds, t);
    let want = reference::signature(&creds, sts);
    let out = signed.unwrap();
    let got = if e == 0 {
        check::header_output(&out, &creds, t, r, None).signature
    } else {
        let scheme: Vec<u8> = if r.url.is_empty() {
            b"https".to_vec()
        } else {
            r.url[..r.url.windows(3).position(|w| w == b"://").unwrap()].to_vec()
        };
        check::presigned_url(&out, &scheme, &creds, t, e, r)
    };
    assert_eq!(got, want, "signature differs from HMAC(string to sign)");
}

/// Parses one fuzz input of the request targets.
pub fn request_input(data: &[u8], url_mode: Option<bool>) -> (Knobs, Req, Text) {
    let (k, text) = Knobs::split(data);
    let t = input::parse_text(text, k.has(input::MISC_LF_FOLD));
    let url = url_mode.unwrap_or(k.has(input::MISC_URL));
    let r = Req::from_text(&t, &k, url);
    (k, r, t)
}

/// `path?query` of a text target (for the chunked target's request).
pub fn path_query(t: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (p, q) = split_q(t);
    (p.to_vec(), q.unwrap_or_default().to_vec())
}

/// `sigv4rs_request_locate` on the status a request got: always OK, and for
/// a bad header it names a header whose name or value really has a bad byte
/// there (checked here against the RFC 9110 rules, not the library's).
fn check_located(r: &Req, req: &sigv4rs_request, s: S) {
    let mut at = sigv4rs_location {
        field: 77,
        index: 77,
        offset: 77,
    };
    assert_eq!(sigv4rs_request_locate(req, s as u32, &mut at), S::Ok, "locate");
    assert!(at.field <= sigv4rs_field::Payload as u32, "locate: field {}", at.field);
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    let header = |i: u32| r.headers.get(i as usize).expect("locate: header index out of range");
    match s {
        S::InvalidHeaderName if r.bad() == Bad::None => {
            assert_eq!(at.field, sigv4rs_field::HeaderName as u32, "locate: {at:?}");
            let name = &header(at.index).0;
            if at.offset == SIGV4RS_NO_OFFSET {
                assert!(name.is_empty(), "locate: no offset in {name:?}");
            } else {
                assert!(!tchar(name[at.offset as usize]), "locate: {at:?} in {name:?}");
            }
        }
        S::InvalidHeaderValue if r.bad() == Bad::None => {
            assert_eq!(at.field, sigv4rs_field::HeaderValue as u32, "locate: {at:?}");
            let b = header(at.index).1[at.offset as usize];
            assert!(b != b'\t' && (b < 0x20 || b == 0x7f), "locate: {at:?} points at {b:#x}");
        }
        S::Ok | S::BufferTooSmall | S::InvalidTime => {
            assert_eq!(at.field, sigv4rs_field::None as u32, "locate: {at:?} for {s:?}")
        }
        _ => {}
    }
}

/// `sigv4rs_signer_sign_packed` with the same request as one buffer: the
/// same status, the same bytes, and `fields` at each line's name and value.
fn check_packed(signer: *const sigv4rs_signer, r: &Req, t: i64, want: &Result<Vec<u8>, S>) {
    let mut data = Vec::new();
    let mut spans: Vec<u32> = Vec::new();
    let mut push = |b: &[u8]| {
        spans.extend([data.len() as u32, b.len() as u32]);
        data.extend_from_slice(b);
    };
    for part in [&r.method, &r.url, &r.host, &r.path, &r.query, &r.payload] {
        push(part);
    }
    for (n, v) in &r.headers {
        push(n);
        push(v);
    }
    let mut out = vec![0u8; want.as_ref().map_or(1 << 16, |t| t.len().max(1 << 16))];
    let mut fields = vec![0u32; SIGV4RS_PACKED_FIELDS_LEN];
    let mut len = 0usize;
    let st = sigv4rs_signer_sign_packed(
        signer,
        data.as_ptr(),
        data.len(),
        spans.as_ptr(),
        spans.len(),
        r.payload_mode,
        t,
        0,
        0,
        out.as_mut_ptr(),
        out.len(),
        &mut len,
        fields.as_mut_ptr(),
        fields.len(),
    );
    match want {
        Ok(text) => {
            assert_eq!(st, S::Ok, "packed: status");
            assert_eq!(&out[..len], &text[..], "packed: output");
            let lines: Vec<&[u8]> = text[..text.len() - 1].split(|&b| b == 0).collect();
            assert_eq!(fields[0] as usize, lines.len(), "packed: line count");
            for (i, line) in lines.iter().enumerate() {
                let f = &fields[1 + 4 * i..5 + 4 * i];
                let name = &out[f[0] as usize..(f[0] + f[1]) as usize];
                let value = &out[f[2] as usize..(f[2] + f[3]) as usize];
                assert_eq!(
                    [name, b": ", value].concat(),
                    line.to_vec(),
                    "packed: fields of line {i}"
                );
            }
        }
        Err(s) => assert_eq!(st, *s, "packed: status"),
    }
}
