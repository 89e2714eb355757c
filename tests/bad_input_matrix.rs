//! Issue 7, table-driven: every exported function against every kind of bad
//! input (NULL pointers, `(NULL, 0)` and `(NULL, n)` inputs, lengths near
//! SIZE_MAX, CR/LF/NUL/invalid UTF-8, empty names, every short capacity,
//! times outside 1970..9999, bad expiries, use after `_deinit`). Each call
//! must give the expected status, write nothing on failure (canaries), write
//! nothing past `*out_len`, and leave caller state alone on failure.
//!
//! Then the header's doc comments must agree: every status the matrix sees a
//! function return must be in that function's "Statuses:" list
//! (`those of X` / `as X` references resolved).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CStr;
use std::sync::OnceLock;

use common::b;
use sigv4rs::ffi::*;
use sigv4rs::sign::ChunkState;
use sigv4rs_status as S;

const T: i64 = 1_440_938_160;
const CANARY: u8 = 0xA5;
const LEN_CANARY: usize = 0x5EED_CAFE;
const BIG: usize = 1 << 17;
/// Input lengths no object can have: SIZE_MAX, SIZE_MAX - 1, PTRDIFF_MAX + 1.
const HUGE: [usize; 3] = [usize::MAX, usize::MAX - 1, isize::MAX as usize + 1];
const NULL0: sigv4rs_bytes = sigv4rs_bytes {
    ptr: std::ptr::null(),
    len: 0,
};

fn null_n(n: usize) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: n,
    }
}

/// A non-NULL pointer with a length no object can have (never read).
fn huge(n: usize) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: b"x".as_ptr(),
        len: n,
    }
}

/// A copy that lives for the whole test (cases hold raw pointers).
fn lb(s: &[u8]) -> sigv4rs_bytes {
    let s: &'static [u8] = Box::leak(s.to_vec().into_boxed_slice());
    sigv4rs_bytes {
        ptr: s.as_ptr(),
        len: s.len(),
    }
}

fn leak_headers(h: Vec<sigv4rs_header>) -> (*const sigv4rs_header, usize) {
    let h: &'static [sigv4rs_header] = Box::leak(h.into_boxed_slice());
    (h.as_ptr(), h.len())
}

fn hdr(n: &[u8], v: &[u8]) -> sigv4rs_header {
    sigv4rs_header {
        name: lb(n),
        value: lb(v),
    }
}

fn as_bytes<T>(t: &T) -> Vec<u8> {
    // SAFETY: only used on the plain-data C structs (arrays of u64).
    unsafe { std::slice::from_raw_parts((t as *const T).cast::<u8>(), std::mem::size_of::<T>()) }.to_vec()
}

fn name(s: S) -> String {
    format!("{s:?}")
}

// ---------------------------------------------------------------------------
// Recording

#[derive(Default)]
struct Matrix {
    /// Cells per function.
    cells: BTreeMap<&'static str, usize>,
    /// Distinct case labels per function (the matrix's columns).
    labels: BTreeMap<&'static str, BTreeSet<String>>,
    observed: BTreeMap<&'static str, BTreeSet<u32>>,
    failures: Vec<String>,
}

impl Matrix {
    fn cell(&mut self, func: &'static str, what: &str, want: S, got: S, problems: Vec<String>) {
        *self.cells.entry(func).or_default() += 1;
        self.labels.entry(func).or_default().insert(label_of(what));
        self.observed.entry(func).or_default().insert(got as u32);
        if got != want {
            self.failures
                .push(format!("{func}: {what}: got {}, want {}", name(got), name(want)));
        }
        for p in problems {
            self.failures.push(format!("{func}: {what}: {p}"));
        }
    }

    /// A function that returns no status.
    fn void_cell(&mut self, func: &'static str, what: &str, problems: Vec<String>) {
        *self.cells.entry(func).or_default() += 1;
        self.labels.entry(func).or_default().insert(label_of(what));
        for p in problems {
            self.failures.push(format!("{func}: {what}: {p}"));
        }
    }

    fn fail(&mut self, func: &str, what: &str, p: &str) {
        self.failures.push(format!("{func}: {what}: {p}"));
    }
}

/// "cap 17" and "cap 18" are one column.
fn label_of(what: &str) -> String {
    match what.rfind("cap ") {
        Some(i) if what[i + 4..].bytes().all(|c| c.is_ascii_digit()) => format!("{}cap <n>", &what[..i]),
        _ => what.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Output calls

#[derive(Clone, Copy, Debug)]
enum Out {
    /// A canary buffer of this capacity (16 more canary bytes behind it).
    Cap(usize),
    /// `out = NULL` with this capacity.
    Null(usize),
    /// `out_len = NULL` (a large buffer).
    NullLen,
}

struct Called {
    status: S,
    out: Vec<u8>,
    len: usize,
    problems: Vec<String>,
}

/// Calls `f` as `how` says and checks the output rule for the status it
/// returned: OK writes `*out_len <= cap` bytes and nothing after; on
/// BUFFER_TOO_SMALL `*out_len > cap` and nothing is written; on any other
/// status neither the buffer nor `*out_len` is touched.
fn call_out(how: Out, f: &dyn Fn(*mut u8, usize, *mut usize) -> S) -> Called {
    let cap = match how {
        Out::Cap(c) => c,
        Out::Null(c) => c,
        Out::NullLen => BIG,
    };
    let real = match how {
        Out::Null(_) => 0,
        _ => cap + 16,
    };
    let mut buf = vec![CANARY; real];
    let mut len = LEN_CANARY;
    let out_ptr = match how {
        Out::Null(_) => std::ptr::null_mut(),
        _ => buf.as_mut_ptr(),
    };
    let len_ptr: *mut usize = match how {
        Out::NullLen => std::ptr::null_mut(),
        _ => &mut len,
    };
    let status = f(out_ptr, cap, len_ptr);
    let mut problems = Vec::new();
    let untouched = |from: usize| buf[from.min(buf.len())..].iter().all(|&c| c == CANARY);
    match status {
        S::Ok => {
            if matches!(how, Out::NullLen) {
                problems.push("OK without an out_len".into());
            } else if len == 0 || len > cap {
                problems.push(format!("OK with *out_len {len} (cap {cap})"));
            } else if !untouched(len) {
                problems.push(format!("wrote past *out_len {len}"));
            }
        }
        S::BufferTooSmall => {
            if !untouched(0) {
                problems.push("wrote on BUFFER_TOO_SMALL".into());
            }
            if !matches!(how, Out::NullLen) && len <= cap {
                problems.push(format!("BUFFER_TOO_SMALL with *out_len {len} <= cap {cap}"));
            }
        }
        s => {
            if !untouched(0) {
                problems.push(format!("wrote the buffer on {}", name(s)));
            }
            if len != LEN_CANARY {
                problems.push(format!("wrote *out_len on {}", name(s)));
            }
        }
    }
    let out = if status == S::Ok {
        buf[..len].to_vec()
    } else {
        Vec::new()
    };
    Called {
        status,
        out,
        len,
        problems,
    }
}

// ---------------------------------------------------------------------------
// Signers

fn good_config() -> sigv4rs_config {
    sigv4rs_config {
        access_key_id: b(b"AKIDEXAMPLE"),
        secret_access_key: b(b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        session_token: b(b"SESSIONTOKEN"),
        region: b(b"us-east-1"),
        service: b(b"s3"),
        flags: SIGV4RS_FLAG_S3,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
    }
}

fn heap_signer() -> *mut sigv4rs_signer {
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&good_config(), &mut s), S::Ok);
    s
}

/// A signer in leaked storage, then `_deinit`: the pointer stays, the signer
/// does not.
fn deinit_signer() -> *mut sigv4rs_signer {
    let st = Box::leak(Box::new(sigv4rs_signer_storage { _opaque: [0; 640] }));
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(st, &good_config(), &mut s), S::Ok);
    sigv4rs_signer_deinit(st);
    s
}

/// A zeroed storage that was never initialized.
fn zeroed_signer() -> *mut sigv4rs_signer {
    let st = Box::leak(Box::new(sigv4rs_signer_storage { _opaque: [0; 640] }));
    (st as *mut sigv4rs_signer_storage).cast()
}

// ---------------------------------------------------------------------------
// Request functions: sign_headers, presign, canonical_request,
// string_to_sign (header and query mode each) and chunked_begin.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Header,
    Query,
    Begin,
}

type ReqCall = fn(
    *const sigv4rs_signer,
    *const sigv4rs_request,
    i64,
    u32,
    *const sigv4rs_stream,
    *mut sigv4rs_chunked,
    *mut u8,
    usize,
    *mut usize,
) -> S;

struct Variant {
    func: &'static str,
    label: &'static str,
    kind: Kind,
    /// Text output ends with a NUL.
    nul: bool,
    call: ReqCall,
}

fn variants() -> Vec<Variant> {
    vec![
        Variant {
            func: "sigv4rs_signer_sign_headers",
            label: "",
            kind: Kind::Header,
            nul: true,
            call: |s, r, t, _, _, _, o, c, l| sigv4rs_signer_sign_headers(s, r, t, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_presign",
            label: "",
            kind: Kind::Query,
            nul: true,
            call: |s, r, t, e, _, _, o, c, l| sigv4rs_signer_presign(s, r, t, e, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_canonical_request",
            label: "(expiry 0) ",
            kind: Kind::Header,
            nul: true,
            call: |s, r, t, _, _, _, o, c, l| sigv4rs_signer_canonical_request(s, r, t, 0, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_canonical_request",
            label: "(presign) ",
            kind: Kind::Query,
            nul: true,
            call: |s, r, t, e, _, _, o, c, l| sigv4rs_signer_canonical_request(s, r, t, e, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_string_to_sign",
            label: "(expiry 0) ",
            kind: Kind::Header,
            nul: true,
            call: |s, r, t, _, _, _, o, c, l| sigv4rs_signer_string_to_sign(s, r, t, 0, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_string_to_sign",
            label: "(presign) ",
            kind: Kind::Query,
            nul: true,
            call: |s, r, t, e, _, _, o, c, l| sigv4rs_signer_string_to_sign(s, r, t, e, o, c, l),
        },
        Variant {
            func: "sigv4rs_chunked_begin",
            label: "",
            kind: Kind::Begin,
            nul: true,
            call: |s, r, t, _, st, state, o, c, l| sigv4rs_chunked_begin(s, r, t, st, state, o, c, l),
        },
    ]
}

/// Expected status by kind.
#[derive(Clone, Copy)]
struct Want {
    header: S,
    query: S,
    begin: S,
}

fn all(s: S) -> Want {
    Want {
        header: s,
        query: s,
        begin: s,
    }
}

impl Want {
    fn of(&self, k: Kind) -> S {
        match k {
            Kind::Header => self.header,
            Kind::Query => self.query,
            Kind::Begin => self.begin,
        }
    }
}

#[derive(Clone, Copy)]
enum Sig {
    Heap,
    Null,
    Deinit,
    Zeroed,
}

#[derive(Clone, Copy)]
struct RCase {
    req: Option<sigv4rs_request>,
    signer: Sig,
    time: i64,
    expires: u32,
    stream: Option<sigv4rs_stream>,
    state_null: bool,
    out: Out,
    want: Want,
    kinds: &'static [Kind],
}

const ALL_KINDS: &[Kind] = &[Kind::Header, Kind::Query, Kind::Begin];

const STREAM: sigv4rs_stream = sigv4rs_stream {
    mode: 0,
    checksum: 0,
    decoded_length: 100,
    chunk_size: 64,
};

fn base_request() -> sigv4rs_request {
    let (headers, n) = leak_headers(vec![
        hdr(b"Content-Type", b"text/plain"),
        hdr(b"X-Amz-Meta-Note", b"  a  b "),
    ]);
    sigv4rs_request {
        method: b(b"PUT"),
        url: b(b"https://examplebucket.s3.amazonaws.com/photos/a%20b.jpg?x-id=PutObject&tag=1"),
        host: NULL0,
        path: NULL0,
        query: NULL0,
        headers,
        headers_len: n,
        payload_mode: sigv4rs_payload_mode::Bytes as u32,
        payload: b(b"hello"),
    }
}

fn rcase(req: sigv4rs_request, want: Want) -> RCase {
    RCase {
        req: Some(req),
        signer: Sig::Heap,
        time: T,
        expires: 3600,
        stream: Some(STREAM),
        state_null: false,
        out: Out::Cap(BIG),
        want,
        kinds: ALL_KINDS,
    }
}

fn with(f: impl FnOnce(&mut sigv4rs_request)) -> sigv4rs_request {
    let mut r = base_request();
    f(&mut r);
    r
}

fn with_headers(h: Vec<sigv4rs_header>) -> sigv4rs_request {
    let (p, n) = leak_headers(h);
    with(|r| {
        r.headers = p;
        r.headers_len = n;
    })
}

fn parts(host: sigv4rs_bytes, path: sigv4rs_bytes, query: sigv4rs_bytes) -> sigv4rs_request {
    with(|r| {
        r.url = NULL0;
        r.host = host;
        r.path = path;
        r.query = query;
    })
}

fn request_cases() -> Vec<(String, RCase)> {
    let ok = all(S::Ok);
    let mut v: Vec<(String, RCase)> = Vec::new();
    let mut add = |what: &str, c: RCase| v.push((what.to_string(), c));

    add("good request", rcase(base_request(), ok));
    // Pointer arguments.
    add(
        "signer NULL",
        RCase {
            signer: Sig::Null,
            ..rcase(base_request(), all(S::NullArgument))
        },
    );
    add(
        "request NULL",
        RCase {
            req: None,
            ..rcase(base_request(), all(S::NullArgument))
        },
    );
    add(
        "out_len NULL",
        RCase {
            out: Out::NullLen,
            ..rcase(base_request(), all(S::NullArgument))
        },
    );
    for cap in [1usize, 4096, usize::MAX] {
        add(
            &format!("out NULL, cap {cap:#x}"),
            RCase {
                out: Out::Null(cap),
                ..rcase(base_request(), all(S::NullArgument))
            },
        );
    }
    add(
        "out NULL, cap 0 (size query)",
        RCase {
            out: Out::Null(0),
            ..rcase(base_request(), all(S::BufferTooSmall))
        },
    );
    add(
        "stream NULL",
        RCase {
            stream: None,
            kinds: &[Kind::Begin],
            ..rcase(base_request(), all(S::NullArgument))
        },
    );
    add(
        "state NULL",
        RCase {
            state_null: true,
            kinds: &[Kind::Begin],
            ..rcase(base_request(), all(S::NullArgument))
        },
    );
    for (what, st, want) in stream_shapes() {
        if want != S::Ok {
            add(
                &format!("stream {what}"),
                RCase {
                    stream: Some(st),
                    kinds: &[Kind::Begin],
                    ..rcase(base_request(), all(want))
                },
            );
        }
    }
    // Signers that are not (or no longer) initialized.
    add(
        "signer after _deinit",
        RCase {
            signer: Sig::Deinit,
            ..rcase(base_request(), all(S::NotInitialized))
        },
    );
    add(
        "zeroed storage, never initialized",
        RCase {
            signer: Sig::Zeroed,
            ..rcase(base_request(), all(S::NotInitialized))
        },
    );

    // Method.
    let m = |what: &str, method: sigv4rs_bytes, want: S| (what.to_string(), with(|r| r.method = method), want);
    let mut fields = vec![
        m("method (NULL, 0)", NULL0, S::InvalidMethod),
        m("method (NULL, 3)", null_n(3), S::NullArgument),
        m("method with space", lb(b"G T"), S::InvalidMethod),
        m("method with CR", lb(b"GET\r"), S::InvalidMethod),
        m("method with LF", lb(b"GET\n"), S::InvalidMethod),
        m("method with NUL", lb(b"GE\0T"), S::InvalidMethod),
        m("method invalid UTF-8", lb(b"G\xffT"), S::InvalidMethod),
        m("method (non-NULL, 0)", lb(b""), S::InvalidMethod),
    ];
    for n in HUGE {
        fields.push(m(&format!("method len {n:#x}"), huge(n), S::InvalidArgument));
    }
    // URL.
    let u = |what: &str, url: sigv4rs_bytes, want: S| (what.to_string(), with(|r| r.url = url), want);
    fields.extend([
        u("url (NULL, 10)", null_n(10), S::NullArgument),
        u("url (NULL, 0), no host", NULL0, S::MissingHost),
        u("url with CR", lb(b"https://example.com/a\rb"), S::InvalidUrl),
        u("url with LF", lb(b"https://example.com/a\nb"), S::InvalidUrl),
        u(
            "url with CRLF header",
            lb(b"https://example.com/\r\nX-Evil: 1"),
            S::InvalidUrl,
        ),
        u("url with NUL", lb(b"https://example.com/a\0b"), S::InvalidUrl),
        u("url with NUL in host", lb(b"https://exam\0ple.com/"), S::InvalidUrl),
        u("url with NUL in query", lb(b"https://example.com/?a=\0"), S::InvalidUrl),
        u("url without scheme", lb(b"example.com/a"), S::InvalidUrl),
        u("url ftp scheme", lb(b"ftp://example.com/"), S::InvalidUrl),
        u("url with user info", lb(b"https://user:pw@example.com/"), S::InvalidUrl),
        u("url empty host", lb(b"https:///a"), S::InvalidHost),
        u("url host with space", lb(b"https://exa mple.com/"), S::InvalidHost),
        u(
            "url host invalid UTF-8",
            lb(b"https://ex\xffample.com/"),
            S::InvalidHost,
        ),
        u("url bad port", lb(b"https://example.com:99999/"), S::InvalidHost),
        u("url path invalid UTF-8", lb(b"https://example.com/a\xff\xfeb"), S::Ok),
        u(
            "url path raw UTF-8",
            lb("https://example.com/\u{1234}?q=\u{fc}".as_bytes()),
            S::Ok,
        ),
        u(
            "url too long",
            lb(&[b"https://example.com/".as_slice(), &[b'a'; SIGV4RS_MAX_URL_LEN]].concat()),
            S::InputTooLong,
        ),
        u(
            "url at the limit",
            lb(&[b"https://example.com/".as_slice(), &[b'a'; SIGV4RS_MAX_URL_LEN - 20]].concat()),
            S::Ok,
        ),
    ]);
    for n in HUGE {
        fields.push(u(&format!("url len {n:#x}"), huge(n), S::InvalidArgument));
    }
    let params = |n: usize| {
        let q: Vec<String> = (0..n).map(|i| format!("p{i}=1")).collect();
        lb(format!("https://example.com/?{}", q.join("&")).as_bytes())
    };
    fields.push(u("129 query parameters", params(129), S::TooManyQueryParameters));
    fields.push(u("128 query parameters", params(128), S::Ok));
    // Host, path and query given apart.
    let p = |what: &str, r: sigv4rs_request, want: S| (what.to_string(), r, want);
    let (h, pa, q) = (b(b"example.com"), b(b"/a/b"), b(b"x=1"));
    fields.extend([
        p("parts", parts(h, pa, q), S::Ok),
        p("parts (NULL, 0) everywhere", parts(NULL0, NULL0, NULL0), S::MissingHost),
        p("host (NULL, 5)", parts(null_n(5), pa, q), S::NullArgument),
        p("path (NULL, 5)", parts(h, null_n(5), q), S::NullArgument),
        p("query (NULL, 5)", parts(h, pa, null_n(5)), S::NullArgument),
        p("host with CR", parts(lb(b"example.com\r"), pa, q), S::InvalidHost),
        p("host with LF", parts(lb(b"exa\nmple.com"), pa, q), S::InvalidHost),
        p("host with NUL", parts(lb(b"exa\0mple.com"), pa, q), S::InvalidHost),
        p("host with space", parts(lb(b"exa mple.com"), pa, q), S::InvalidHost),
        p(
            "host invalid UTF-8",
            parts(lb(b"ex\xffample.com"), pa, q),
            S::InvalidHost,
        ),
        p("path with CR", parts(h, lb(b"/a\rb"), q), S::InvalidPath),
        p("path with LF", parts(h, lb(b"/a\nb"), q), S::InvalidPath),
        p("path with NUL", parts(h, lb(b"/a\0b"), q), S::InvalidPath),
        p("path with ?", parts(h, lb(b"/a?b"), q), S::InvalidPath),
        p("path with #", parts(h, lb(b"/a#b"), q), S::InvalidPath),
        p("path invalid UTF-8", parts(h, lb(b"/a\xffb"), q), S::Ok),
        p("query with CR", parts(h, pa, lb(b"a=\r")), S::InvalidQuery),
        p("query with LF", parts(h, pa, lb(b"a=\n")), S::InvalidQuery),
        p("query with NUL", parts(h, pa, lb(b"a=\0")), S::InvalidQuery),
        p("query with #", parts(h, pa, lb(b"a=1#f")), S::InvalidQuery),
        p(
            "path + query too long",
            parts(h, lb(&[b'/'; SIGV4RS_MAX_URL_LEN]), lb(b"a")),
            S::InputTooLong,
        ),
        // Documented as "used when url is empty": not read otherwise.
        p("host (NULL, 5) beside a URL", with(|r| r.host = null_n(5)), S::Ok),
    ]);
    for n in HUGE {
        fields.push(p(
            &format!("host len {n:#x}"),
            parts(huge(n), pa, q),
            S::InvalidArgument,
        ));
        fields.push(p(&format!("path len {n:#x}"), parts(h, huge(n), q), S::InvalidArgument));
        fields.push(p(
            &format!("query len {n:#x}"),
            parts(h, pa, huge(n)),
            S::InvalidArgument,
        ));
    }
    let mut host_hdr = parts(NULL0, pa, q);
    let (hp, hn) = leak_headers(vec![hdr(b"Host", b"example.com")]);
    host_hdr.headers = hp;
    host_hdr.headers_len = hn;
    fields.push(p("host (NULL, 0) with a Host header", host_hdr, S::Ok));

    // Headers.
    let one = |what: &str, h: sigv4rs_header, want: S| (what.to_string(), with_headers(vec![h]), want);
    let nv = |n: sigv4rs_bytes, v: sigv4rs_bytes| sigv4rs_header { name: n, value: v };
    fields.extend([
        one("header name (NULL, 0)", nv(NULL0, lb(b"v")), S::InvalidHeaderName),
        one("header name (NULL, 4)", nv(null_n(4), lb(b"v")), S::NullArgument),
        one("header value (NULL, 0)", nv(lb(b"x-a"), NULL0), S::Ok),
        one("header value (NULL, 4)", nv(lb(b"x-a"), null_n(4)), S::NullArgument),
    ]);
    for n in HUGE {
        fields.push(one(
            &format!("header name len {n:#x}"),
            nv(huge(n), lb(b"v")),
            S::InvalidArgument,
        ));
        fields.push(one(
            &format!("header value len {n:#x}"),
            nv(lb(b"x-a"), huge(n)),
            S::InvalidArgument,
        ));
    }
    for (what, bad) in [
        ("space", &b"x a"[..]),
        ("colon", b"x:a"),
        ("trailing colon", b"x-a:"),
        ("leading space", b" x-a"),
        ("CR", b"x-a\r"),
        ("LF", b"x-a\n"),
        ("CRLF", b"x\r\ny"),
        ("NUL", b"x\0a"),
        ("tab", b"x\ta"),
        ("DEL", b"x\x7f"),
        ("invalid UTF-8", b"x\xff"),
        ("UTF-8", "x-\u{e9}".as_bytes()),
        ("parenthesis", b"x(a)"),
    ] {
        fields.push(one(
            &format!("header name with {what}"),
            hdr(bad, b"v"),
            S::InvalidHeaderName,
        ));
    }
    for (what, bad, want) in [
        ("CR", &b"a\rb"[..], S::InvalidHeaderValue),
        ("LF", b"a\nb", S::InvalidHeaderValue),
        ("CRLF injection", b"a\r\nX-Evil: 1", S::InvalidHeaderValue),
        ("trailing CRLF", b"a\r\n", S::InvalidHeaderValue),
        ("NUL", b"a\0b", S::InvalidHeaderValue),
        ("SOH", b"a\x01b", S::InvalidHeaderValue),
        ("DEL", b"a\x7fb", S::InvalidHeaderValue),
        ("tab", b"a\tb", S::Ok),
        ("invalid UTF-8", b"a\xff\xfeb", S::Ok),
        ("only spaces", b"   ", S::Ok),
    ] {
        fields.push(one(&format!("header value with {what}"), hdr(b"x-a", bad), want));
    }
    fields.push((
        "headers (NULL, 1)".into(),
        with(|r| {
            r.headers = std::ptr::null();
            r.headers_len = 1;
        }),
        S::NullArgument,
    ));
    fields.push((
        "headers (NULL, 0)".into(),
        with(|r| {
            r.headers = std::ptr::null();
            r.headers_len = 0;
        }),
        S::Ok,
    ));
    for n in HUGE {
        fields.push((
            format!("headers_len {n:#x}"),
            with(|r| {
                r.headers = std::ptr::dangling();
                r.headers_len = n;
            }),
            S::TooManyHeaders,
        ));
    }
    let many = |n: usize| with_headers((0..n).map(|i| hdr(format!("x-h{i}").as_bytes(), b"1")).collect());
    fields.push(("65 headers".into(), many(65), S::TooManyHeaders));
    fields.push(("64 headers (the maximum)".into(), many(64), S::Ok));

    // Payload.
    let pl = |what: &str, mode: u32, data: sigv4rs_bytes, want: Want| {
        (
            what.to_string(),
            with(|r| {
                r.payload_mode = mode;
                r.payload = data;
            }),
            want,
        )
    };
    let hex_ok = lb(&[b'A'; 64]);
    let begin_ok = |s: S| Want {
        header: s,
        query: s,
        begin: S::Ok,
    };
    let mut payloads = vec![
        pl("payload mode 4", 4, NULL0, all(S::InvalidArgument)),
        pl("payload mode u32::MAX", u32::MAX, NULL0, all(S::InvalidArgument)),
        pl("payload (NULL, 0) bytes", 1, NULL0, ok),
        pl("payload (NULL, 0) auto", 0, NULL0, ok),
        pl("payload (NULL, 7) bytes", 1, null_n(7), all(S::NullArgument)),
        pl("payload (NULL, 7) unsigned", 3, null_n(7), all(S::NullArgument)),
        pl("payload hash (NULL, 0)", 2, NULL0, begin_ok(S::InvalidPayloadHash)),
        pl(
            "payload hash 63 digits",
            2,
            lb(&[b'a'; 63]),
            begin_ok(S::InvalidPayloadHash),
        ),
        pl(
            "payload hash 65 digits",
            2,
            lb(&[b'a'; 65]),
            begin_ok(S::InvalidPayloadHash),
        ),
        pl(
            "payload hash not hex",
            2,
            lb(&[b'g'; 64]),
            begin_ok(S::InvalidPayloadHash),
        ),
        pl(
            "payload hash with NUL",
            2,
            lb(&[&[b'a'; 63][..], b"\0"].concat()),
            begin_ok(S::InvalidPayloadHash),
        ),
        pl("payload hash upper case", 2, hex_ok, ok),
        pl("payload invalid UTF-8", 1, lb(b"\xff\xfe\0\r\n"), ok),
    ];
    for n in HUGE {
        payloads.push(pl(&format!("payload len {n:#x}"), 1, huge(n), all(S::InvalidArgument)));
    }

    for (what, r, want) in fields {
        add(&what, rcase(r, all(want)));
    }
    for (what, r, want) in payloads {
        add(&what, rcase(r, want));
    }

    // Time.
    for t in [-1i64, -86_400, i64::MIN, SIGV4RS_MAX_UNIX_TIME + 1, i64::MAX] {
        add(
            &format!("time {t}"),
            RCase {
                time: t,
                ..rcase(base_request(), all(S::InvalidTime))
            },
        );
    }
    for t in [0i64, SIGV4RS_MAX_UNIX_TIME] {
        add(
            &format!("time {t}"),
            RCase {
                time: t,
                ..rcase(base_request(), ok)
            },
        );
    }
    // Expiry (query mode only; 0 means header mode for the debug outputs).
    for e in [SIGV4RS_MAX_EXPIRES + 1, u32::MAX] {
        add(
            &format!("expiry {e}"),
            RCase {
                expires: e,
                kinds: &[Kind::Query],
                ..rcase(base_request(), all(S::InvalidExpires))
            },
        );
    }
    for e in [1u32, SIGV4RS_MAX_EXPIRES] {
        add(
            &format!("expiry {e}"),
            RCase {
                expires: e,
                kinds: &[Kind::Query],
                ..rcase(base_request(), ok)
            },
        );
    }
    // A query that already carries auth parameters.
    for q in [
        &b"https://example.com/?X-Amz-Signature=1"[..],
        b"https://example.com/?a=1&X-Amz-Credential=x",
        b"https://example.com/?X-Amz-Date",
    ] {
        add(
            &format!("reserved parameter in {}", String::from_utf8_lossy(q)),
            rcase(
                with(|r| r.url = lb(q)),
                Want {
                    header: S::Ok,
                    query: S::ReservedQueryParameter,
                    begin: S::Ok,
                },
            ),
        );
    }
    v
}

/// Stream shapes and what `sigv4rs_chunked_encoded_length` says of them.
fn stream_shapes() -> Vec<(String, sigv4rs_stream, S)> {
    let s = |mode, checksum, decoded_length, chunk_size| sigv4rs_stream {
        mode,
        checksum,
        decoded_length,
        chunk_size,
    };
    vec![
        ("signed".into(), s(0, 0, 66_560, 65_536), S::Ok),
        ("signed, trailer crc32".into(), s(1, 1, 100, 64), S::Ok),
        ("unsigned, trailer sha256".into(), s(2, 3, 100, 64), S::Ok),
        ("empty object".into(), s(0, 0, 0, 64), S::Ok),
        ("mode 3".into(), s(3, 0, 100, 64), S::InvalidArgument),
        ("mode u32::MAX".into(), s(u32::MAX, 0, 100, 64), S::InvalidArgument),
        ("checksum 4".into(), s(1, 4, 100, 64), S::InvalidArgument),
        ("chunk size 0".into(), s(0, 0, 100, 0), S::InvalidArgument),
        ("checksum without trailer".into(), s(0, 1, 100, 64), S::InvalidArgument),
        ("trailer without checksum".into(), s(1, 0, 100, 64), S::InvalidArgument),
        (
            "unsigned trailer without checksum".into(),
            s(2, 0, 100, 64),
            S::InvalidArgument,
        ),
        ("length u64::MAX, chunk 1".into(), s(0, 0, u64::MAX, 1), S::InputTooLong),
        // 87 bytes per 1-byte chunk: fits until the final chunk is added.
        (
            "length 0x02f149902f149902, chunk 1".into(),
            s(0, 0, 0x02f1_4990_2f14_9902, 1),
            S::InputTooLong,
        ),
        (
            "length u64::MAX, chunk u32::MAX".into(),
            s(1, 2, u64::MAX, u32::MAX),
            S::InputTooLong,
        ),
    ]
}

fn run_request_cases(m: &mut Matrix) {
    let heap = heap_signer();
    let deinit = deinit_signer();
    let zeroed = zeroed_signer();
    for (what, c) in request_cases() {
        for v in variants() {
            if !c.kinds.contains(&v.kind) {
                continue;
            }
            let signer: *const sigv4rs_signer = match c.signer {
                Sig::Heap => heap,
                Sig::Null => std::ptr::null(),
                Sig::Deinit => deinit,
                Sig::Zeroed => zeroed,
            };
            let req_ptr: *const sigv4rs_request = match &c.req {
                Some(r) => r,
                None => std::ptr::null(),
            };
            let stream_ptr: *const sigv4rs_stream = match &c.stream {
                Some(s) => s,
                None => std::ptr::null(),
            };
            let mut state = sigv4rs_chunked {
                _opaque: [0xA5A5_A5A5_A5A5_A5A5; 32],
            };
            let before = as_bytes(&state);
            let state_ptr: *mut sigv4rs_chunked = if c.state_null { std::ptr::null_mut() } else { &mut state };
            let r = call_out(c.out, &|o, cap, l| {
                (v.call)(signer, req_ptr, c.time, c.expires, stream_ptr, state_ptr, o, cap, l)
            });
            let mut problems = r.problems;
            if v.kind == Kind::Begin && !c.state_null {
                let after = as_bytes(&state);
                if r.status == S::Ok {
                    if after[..4] != ChunkState::READY.to_ne_bytes() {
                        problems.push("OK but the state is not ready".into());
                    }
                } else if after != before {
                    problems.push(format!("state written on {}", name(r.status)));
                }
            }
            if r.status == S::Ok && v.nul && r.out.last() != Some(&0) {
                problems.push("output not NUL-terminated".into());
            }
            m.cell(
                v.func,
                &format!("{}{what}", v.label),
                c.want.of(v.kind),
                r.status,
                problems,
            );
        }
    }
    sigv4rs_signer_free(heap);
}

/// Every capacity from 0 to needed - 1 is refused without a write; needed
/// and needed + 1 give the same output.
fn run_request_capacities(m: &mut Matrix) {
    let heap = heap_signer();
    let req = base_request();
    for v in variants() {
        let call = |state: *mut sigv4rs_chunked, o: *mut u8, c: usize, l: *mut usize| {
            (v.call)(heap, &req, T, 3600, &STREAM, state, o, c, l)
        };
        let mut state = sigv4rs_chunked { _opaque: [0; 32] };
        let sp: *mut sigv4rs_chunked = &mut state;
        let q = call_out(Out::Null(0), &|o, c, l| call(sp, o, c, l));
        let need = q.len;
        if q.status != S::BufferTooSmall {
            m.fail(v.func, "size query", &format!("got {}", name(q.status)));
            continue;
        }
        for cap in 0..need {
            let mut state = sigv4rs_chunked { _opaque: [7; 32] };
            let sp: *mut sigv4rs_chunked = &mut state;
            let r = call_out(Out::Cap(cap), &|o, c, l| call(sp, o, c, l));
            let mut problems = r.problems;
            if r.len != need {
                problems.push(format!("*out_len {} != {need}", r.len));
            }
            if state._opaque != [7; 32] {
                problems.push("state written".into());
            }
            m.cell(
                v.func,
                &format!("{}cap {cap}", v.label),
                S::BufferTooSmall,
                r.status,
                problems,
            );
        }
        let mut outs = Vec::new();
        for cap in [need, need + 1] {
            let mut state = sigv4rs_chunked { _opaque: [0; 32] };
            let sp: *mut sigv4rs_chunked = &mut state;
            let r = call_out(Out::Cap(cap), &|o, c, l| call(sp, o, c, l));
            let mut problems = r.problems;
            if r.status == S::Ok && r.len != need {
                problems.push(format!("*out_len {} != {need}", r.len));
            }
            outs.push(r.out);
            m.cell(
                v.func,
                &format!("{}cap needed(+0/1)", v.label),
                S::Ok,
                r.status,
                problems,
            );
        }
        if outs[0] != outs[1] {
            m.fail(v.func, "capacities needed and needed + 1", "outputs differ");
        }
    }
    sigv4rs_signer_free(heap);
}

// ---------------------------------------------------------------------------
// Streaming: encoded length, chunks, finish.

/// The encoded length computed in u128, independently of the library.
fn encoded_len_oracle(s: &sigv4rs_stream) -> u128 {
    let signed = s.mode != 2;
    let hex = |n: u128| format!("{n:x}").len() as u128;
    let sig = if signed { 17 + 64 } else { 0 };
    let size = u128::from(s.chunk_size);
    let d = u128::from(s.decoded_length);
    let (full, rest) = (d / size, d % size);
    let mut total = full * (hex(size) + sig + 4 + size);
    if rest > 0 {
        total += hex(rest) + sig + 4 + rest;
    }
    total += 1 + sig + 2;
    let (name_len, b64) = match s.checksum {
        0 => (0, 0),
        1 => ("x-amz-checksum-crc32".len() as u128, 8),
        2 => ("x-amz-checksum-crc32c".len() as u128, 8),
        _ => ("x-amz-checksum-sha256".len() as u128, 44),
    };
    if s.checksum != 0 {
        total += name_len + 1 + b64 + 2;
        if signed {
            total += "x-amz-trailer-signature:".len() as u128 + 64 + 2;
        }
    }
    total + 2
}

fn run_encoded_length(m: &mut Matrix) {
    const F: &str = "sigv4rs_chunked_encoded_length";
    let call = |m: &mut Matrix, what: &str, s: Option<&sigv4rs_stream>, out_null: bool, want: S| {
        let mut out = 0xDEAD_BEEFu64;
        let sp: *const sigv4rs_stream = s.map_or(std::ptr::null(), |s| s);
        let op: *mut u64 = if out_null { std::ptr::null_mut() } else { &mut out };
        let got = sigv4rs_chunked_encoded_length(sp, op);
        let mut problems = Vec::new();
        if got != S::Ok && out != 0xDEAD_BEEF {
            problems.push("*out written on error".into());
        }
        if got == S::Ok
            && let Some(s) = s
            && u128::from(out) != encoded_len_oracle(s)
        {
            problems.push(format!("length {out}, want {}", encoded_len_oracle(s)));
        }
        m.cell(F, what, want, got, problems);
    };
    call(m, "stream NULL", None, false, S::NullArgument);
    call(m, "out NULL", Some(&STREAM), true, S::NullArgument);
    for (what, s, want) in stream_shapes() {
        call(m, &what, Some(&s), false, want);
    }
    // Lengths right at the u64 edge, each mode and checksum: the oracle says
    // whether the encoded length fits; it must be exact or INPUT_TOO_LONG.
    for (mode, checksum) in [(0u32, 0u32), (1, 1), (1, 3), (2, 2)] {
        for chunk in [1u32, 8192, u32::MAX] {
            let at = |d: u64| sigv4rs_stream {
                mode,
                checksum,
                decoded_length: d,
                chunk_size: chunk,
            };
            // Largest decoded length whose encoding fits in a u64.
            let (mut lo, mut hi) = (0u64, u64::MAX);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if encoded_len_oracle(&at(mid)) <= u128::from(u64::MAX) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            for d in [lo.saturating_sub(1), lo, lo.saturating_add(1), lo.saturating_add(200)] {
                let s = at(d);
                let want = if encoded_len_oracle(&s) <= u128::from(u64::MAX) {
                    S::Ok
                } else {
                    S::InputTooLong
                };
                call(
                    m,
                    &format!("mode {mode} checksum {checksum} chunk {chunk} length {d:#x} (u64 edge)"),
                    Some(&s),
                    false,
                    want,
                );
            }
        }
    }
}

/// A started upload of 100 bytes in chunks of 64 for each stream mode.
fn streams() -> [(&'static str, sigv4rs_stream); 3] {
    [
        ("signed", STREAM),
        (
            "signed+crc32c",
            sigv4rs_stream {
                mode: 1,
                checksum: 2,
                ..STREAM
            },
        ),
        (
            "unsigned+sha256",
            sigv4rs_stream {
                mode: 2,
                checksum: 3,
                ..STREAM
            },
        ),
    ]
}

fn begin(signer: *const sigv4rs_signer, st: &sigv4rs_stream) -> Box<sigv4rs_chunked> {
    let mut state = Box::new(sigv4rs_chunked { _opaque: [0; 32] });
    let mut out = vec![0u8; 4096];
    let mut len = 0;
    let req = base_request();
    assert_eq!(
        sigv4rs_chunked_begin(signer, &req, T, st, &mut *state, out.as_mut_ptr(), out.len(), &mut len),
        S::Ok
    );
    state
}

fn chunk(signer: *const sigv4rs_signer, state: &mut sigv4rs_chunked, data: &[u8]) -> (S, Vec<u8>) {
    let mut out = [0u8; 256];
    let mut len = 0;
    let s = sigv4rs_chunked_sign_chunk(signer, state, b(data), out.as_mut_ptr(), out.len(), &mut len);
    (s, out[..if s == S::Ok { len } else { 0 }].to_vec())
}

fn finish(signer: *const sigv4rs_signer, state: &mut sigv4rs_chunked) -> (S, Vec<u8>) {
    let mut out = [0u8; 512];
    let mut len = 0;
    let s = sigv4rs_chunked_finish(signer, state, out.as_mut_ptr(), out.len(), &mut len);
    (s, out[..if s == S::Ok { len } else { 0 }].to_vec())
}

const DATA: [u8; 100] = [0x42; 100];

fn run_chunks(m: &mut Matrix) {
    const C: &str = "sigv4rs_chunked_sign_chunk";
    const F: &str = "sigv4rs_chunked_finish";
    let heap = heap_signer();
    for (mode, st) in streams() {
        // Reference: 64 + 36 bytes, then the end, with no error in between.
        let mut s = begin(heap, &st);
        let reference = [
            chunk(heap, &mut s, &DATA[..64]).1,
            chunk(heap, &mut s, &DATA[64..]).1,
            finish(heap, &mut s).1,
        ];

        // The same upload with every bad call in between; the state must
        // not move, so the output must equal the reference.
        let mut s = begin(heap, &st);
        let mut outputs = Vec::new();
        let sc = |m: &mut Matrix,
                  what: &str,
                  signer: *const sigv4rs_signer,
                  state: *mut sigv4rs_chunked,
                  data: sigv4rs_bytes,
                  how: Out,
                  want: S| {
            let before = (!state.is_null()).then(|| as_bytes(unsafe { &*state }));
            let r = call_out(how, &|o, c, l| sigv4rs_chunked_sign_chunk(signer, state, data, o, c, l));
            let mut problems = r.problems;
            if r.status != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*state })) {
                problems.push(format!("state changed on {}", name(r.status)));
            }
            m.cell(C, &format!("{mode}: {what}"), want, r.status, problems);
            r.out
        };
        let sp: *mut sigv4rs_chunked = &mut *s;
        let first = b(&DATA[..64]);
        sc(
            m,
            "signer NULL",
            std::ptr::null(),
            sp,
            first,
            Out::Cap(256),
            S::NullArgument,
        );
        sc(
            m,
            "state NULL",
            heap,
            std::ptr::null_mut(),
            first,
            Out::Cap(256),
            S::NullArgument,
        );
        sc(m, "out_len NULL", heap, sp, first, Out::NullLen, S::NullArgument);
        sc(m, "out NULL, cap 1", heap, sp, first, Out::Null(1), S::NullArgument);
        sc(
            m,
            "out NULL, cap SIZE_MAX",
            heap,
            sp,
            first,
            Out::Null(usize::MAX),
            S::NullArgument,
        );
        sc(
            m,
            "data (NULL, 64)",
            heap,
            sp,
            null_n(64),
            Out::Cap(256),
            S::NullArgument,
        );
        sc(m, "data (NULL, 0)", heap, sp, NULL0, Out::Cap(256), S::InvalidChunkSize);
        sc(
            m,
            "data (non-NULL, 0)",
            heap,
            sp,
            lb(b""),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        for n in HUGE {
            sc(
                m,
                &format!("data len {n:#x}"),
                heap,
                sp,
                huge(n),
                Out::Cap(256),
                S::InvalidArgument,
            );
        }
        sc(
            m,
            "short chunk",
            heap,
            sp,
            b(&DATA[..63]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        sc(
            m,
            "long chunk",
            heap,
            sp,
            b(&[0u8; 65]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        sc(
            m,
            "whole object in one chunk",
            heap,
            sp,
            b(&DATA),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        let q = call_out(Out::Null(0), &|o, c, l| {
            sigv4rs_chunked_sign_chunk(heap, sp, first, o, c, l)
        });
        m.cell(
            C,
            &format!("{mode}: out NULL, cap 0 (size query)"),
            S::BufferTooSmall,
            q.status,
            q.problems,
        );
        for cap in 0..q.len {
            sc(
                m,
                &format!("cap {cap}"),
                heap,
                sp,
                first,
                Out::Cap(cap),
                S::BufferTooSmall,
            );
        }
        // The end before all bytes: refused, state kept.
        let fc = |m: &mut Matrix,
                  what: &str,
                  signer: *const sigv4rs_signer,
                  state: *mut sigv4rs_chunked,
                  how: Out,
                  want: S| {
            let before = (!state.is_null()).then(|| as_bytes(unsafe { &*state }));
            let r = call_out(how, &|o, c, l| sigv4rs_chunked_finish(signer, state, o, c, l));
            let mut problems = r.problems;
            if r.status != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*state })) {
                problems.push(format!("state changed on {}", name(r.status)));
            }
            m.cell(F, &format!("{mode}: {what}"), want, r.status, problems);
            r.out
        };
        fc(m, "before any chunk", heap, sp, Out::Cap(512), S::IncompletePayload);
        outputs.push(sc(m, "chunk 1 (cap exact)", heap, sp, first, Out::Cap(q.len), S::Ok));
        fc(m, "after chunk 1 of 2", heap, sp, Out::Cap(512), S::IncompletePayload);
        sc(
            m,
            "chunk 2 too long",
            heap,
            sp,
            b(&DATA[..64]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        sc(
            m,
            "chunk 2 too short",
            heap,
            sp,
            b(&DATA[..35]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        outputs.push(sc(m, "chunk 2", heap, sp, b(&DATA[64..]), Out::Cap(256), S::Ok));
        sc(
            m,
            "chunk past the declared length",
            heap,
            sp,
            b(&DATA[..1]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        fc(m, "signer NULL", std::ptr::null(), sp, Out::Cap(512), S::NullArgument);
        fc(
            m,
            "state NULL",
            heap,
            std::ptr::null_mut(),
            Out::Cap(512),
            S::NullArgument,
        );
        fc(m, "out_len NULL", heap, sp, Out::NullLen, S::NullArgument);
        fc(m, "out NULL, cap 1", heap, sp, Out::Null(1), S::NullArgument);
        let q = call_out(Out::Null(0), &|o, c, l| sigv4rs_chunked_finish(heap, sp, o, c, l));
        m.cell(
            F,
            &format!("{mode}: out NULL, cap 0 (size query)"),
            S::BufferTooSmall,
            q.status,
            q.problems,
        );
        for cap in 0..q.len {
            fc(m, &format!("cap {cap}"), heap, sp, Out::Cap(cap), S::BufferTooSmall);
        }
        outputs.push(fc(m, "finish (cap exact)", heap, sp, Out::Cap(q.len), S::Ok));
        if outputs != reference {
            m.fail(C, mode, "output differs from an upload without failed calls");
        }
        // Spent.
        fc(m, "after finish", heap, sp, Out::Cap(512), S::NotInitialized);
        sc(m, "after finish", heap, sp, first, Out::Cap(256), S::NotInitialized);

        // Never started: zeroed, garbage.
        for (what, fill) in [("zeroed state", 0u64), ("garbage state", 0xA5A5_A5A5_A5A5_A5A5)] {
            let mut z = sigv4rs_chunked { _opaque: [fill; 32] };
            sc(m, what, heap, &mut z, first, Out::Cap(256), S::NotInitialized);
            fc(m, what, heap, &mut z, Out::Cap(512), S::NotInitialized);
        }

        // Started with a signer that is deinitialized afterwards.
        let st_mem = Box::leak(Box::new(sigv4rs_signer_storage { _opaque: [0; 640] }));
        let mut fresh = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_init(st_mem, &good_config(), &mut fresh), S::Ok);
        let mut s2 = begin(fresh, &st);
        assert_eq!(chunk(fresh, &mut s2, &DATA[..64]).0, S::Ok);
        sigv4rs_signer_deinit(st_mem);
        let sp2: *mut sigv4rs_chunked = &mut *s2;
        sc(
            m,
            "signer after _deinit",
            fresh,
            sp2,
            b(&DATA[64..]),
            Out::Cap(256),
            S::NotInitialized,
        );
        let mut s3 = begin(heap, &st);
        assert_eq!(chunk(heap, &mut s3, &DATA[..64]).0, S::Ok);
        assert_eq!(chunk(heap, &mut s3, &DATA[64..]).0, S::Ok);
        fc(
            m,
            "signer after _deinit",
            fresh,
            &mut *s3,
            Out::Cap(512),
            S::NotInitialized,
        );
    }
    // The documented maxima (SIGV4RS_CHUNK_HEADER_MAX_LEN for a chunk
    // header, SIGV4RS_CHUNKED_FINISH_MAX_LEN for the end), for every mode and checksum, with the widest chunk size
    // (8 hex digits). Size queries only: the 256 MiB chunk is never read.
    let wide: Vec<u8> = vec![0; 1 << 28];
    for (mode, checksum) in [(0u32, 0u32), (1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)] {
        let st = sigv4rs_stream {
            mode,
            checksum,
            decoded_length: 1 << 28,
            chunk_size: 1 << 28,
        };
        let mut s = begin(heap, &st);
        let sp: *mut sigv4rs_chunked = &mut *s;
        let q = call_out(Out::Null(0), &|o, c, l| {
            sigv4rs_chunked_sign_chunk(heap, sp, b(&wide), o, c, l)
        });
        let mut problems = q.problems;
        if q.len > SIGV4RS_CHUNK_HEADER_MAX_LEN {
            problems.push(format!(
                "chunk header needs {} bytes (over SIGV4RS_CHUNK_HEADER_MAX_LEN)",
                q.len
            ));
        }
        m.cell(
            C,
            &format!("mode {mode} checksum {checksum}: 256 MiB chunk (size query)"),
            S::BufferTooSmall,
            q.status,
            problems,
        );
        let mut s = begin(
            heap,
            &sigv4rs_stream {
                decoded_length: 0,
                ..st
            },
        );
        let sp: *mut sigv4rs_chunked = &mut *s;
        let q = call_out(Out::Null(0), &|o, c, l| sigv4rs_chunked_finish(heap, sp, o, c, l));
        let mut problems = q.problems;
        if q.len > SIGV4RS_CHUNKED_FINISH_MAX_LEN {
            problems.push(format!(
                "final block needs {} bytes (over SIGV4RS_CHUNKED_FINISH_MAX_LEN)",
                q.len
            ));
        }
        m.cell(
            F,
            &format!("mode {mode} checksum {checksum}: end (size query)"),
            S::BufferTooSmall,
            q.status,
            problems,
        );
    }
    sigv4rs_signer_free(heap);
}

// ---------------------------------------------------------------------------
// Payload hasher

fn run_hasher(m: &mut Matrix) {
    const I: &str = "sigv4rs_payload_hasher_init";
    const U: &str = "sigv4rs_payload_hasher_update";
    const F: &str = "sigv4rs_payload_hasher_finish";
    use sha2::Digest;
    let hex = |d: &[u8]| -> Vec<u8> {
        sha2::Sha256::digest(d)
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect()
    };

    m.cell(
        I,
        "hasher NULL",
        S::NullArgument,
        sigv4rs_payload_hasher_init(std::ptr::null_mut()),
        vec![],
    );
    let mut h = sigv4rs_payload_hasher {
        _opaque: [0xA5A5_A5A5_A5A5_A5A5; 16],
    };
    m.cell(I, "garbage memory", S::Ok, sigv4rs_payload_hasher_init(&mut h), vec![]);

    let upd = |m: &mut Matrix, what: &str, h: *mut sigv4rs_payload_hasher, d: sigv4rs_bytes, want: S| {
        let before = (!h.is_null()).then(|| as_bytes(unsafe { &*h }));
        let got = sigv4rs_payload_hasher_update(h, d);
        let mut problems = vec![];
        if got != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*h })) {
            problems.push(format!("hasher changed on {}", name(got)));
        }
        m.cell(U, what, want, got, problems);
    };
    let hp: *mut sigv4rs_payload_hasher = &mut h;
    upd(m, "hasher NULL", std::ptr::null_mut(), b(b"x"), S::NullArgument);
    upd(m, "data (NULL, 0)", hp, NULL0, S::Ok);
    upd(m, "data (non-NULL, 0)", hp, lb(b""), S::Ok);
    upd(m, "data (NULL, 3)", hp, null_n(3), S::NullArgument);
    for n in HUGE {
        upd(m, &format!("data len {n:#x}"), hp, huge(n), S::InvalidArgument);
    }
    upd(m, "data with NUL, CR, LF, invalid UTF-8", hp, b(b"a\0\r\n\xff"), S::Ok);
    for (what, fill) in [("zeroed hasher", 0u64), ("garbage hasher", 0xA5A5_A5A5_A5A5_A5A5)] {
        let mut z = sigv4rs_payload_hasher { _opaque: [fill; 16] };
        upd(m, what, &mut z, b(b"x"), S::NotInitialized);
        upd(
            m,
            &format!("{what}, data (NULL, 3)"),
            &mut z,
            null_n(3),
            S::NotInitialized,
        );
        let zp: *mut sigv4rs_payload_hasher = &mut z;
        let r = call_out(Out::Cap(80), &|o, c, l| sigv4rs_payload_hasher_finish(zp, o, c, l));
        m.cell(F, what, S::NotInitialized, r.status, r.problems);
    }

    let fin = |m: &mut Matrix, what: &str, h: *mut sigv4rs_payload_hasher, how: Out, want: S| {
        let before = (!h.is_null()).then(|| as_bytes(unsafe { &*h }));
        let r = call_out(how, &|o, c, l| sigv4rs_payload_hasher_finish(h, o, c, l));
        let mut problems = r.problems;
        if r.status != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*h })) {
            problems.push(format!("hasher changed on {}", name(r.status)));
        }
        if r.status == S::BufferTooSmall && r.len != 65 {
            problems.push(format!("*out_len {} != 65", r.len));
        }
        m.cell(F, what, want, r.status, problems);
        r.out
    };
    fin(m, "hasher NULL", std::ptr::null_mut(), Out::Cap(80), S::NullArgument);
    fin(m, "out_len NULL", hp, Out::NullLen, S::NullArgument);
    fin(m, "out NULL, cap 65", hp, Out::Null(65), S::NullArgument);
    fin(m, "out NULL, cap SIZE_MAX", hp, Out::Null(usize::MAX), S::NullArgument);
    fin(m, "out NULL, cap 0 (size query)", hp, Out::Null(0), S::BufferTooSmall);
    for cap in 0..65 {
        fin(m, &format!("cap {cap}"), hp, Out::Cap(cap), S::BufferTooSmall);
    }
    let out = fin(m, "cap 65", hp, Out::Cap(65), S::Ok);
    if out != [hex(b"a\0\r\n\xff"), vec![0]].concat() {
        m.fail(F, "digest", "wrong digest after the failed calls");
    }
    fin(m, "after finish", hp, Out::Cap(80), S::NotInitialized);
    upd(m, "after finish", hp, b(b"x"), S::NotInitialized);
}

// ---------------------------------------------------------------------------
// Configuration: _new, _init, _new_from_env

fn config_cases() -> Vec<(String, Option<sigv4rs_config>, S)> {
    let g = good_config();
    let mut v: Vec<(String, Option<sigv4rs_config>, S)> = vec![
        ("good".into(), Some(g), S::Ok),
        ("config NULL".into(), None, S::NullArgument),
    ];
    type Field = fn(&mut sigv4rs_config) -> &mut sigv4rs_bytes;
    let fields: [(&str, Field, S); 5] = [
        ("access key id", |c| &mut c.access_key_id, S::InvalidAccessKeyId),
        ("secret", |c| &mut c.secret_access_key, S::InvalidSecretKey),
        ("session token", |c| &mut c.session_token, S::InvalidSessionToken),
        ("region", |c| &mut c.region, S::InvalidRegion),
        ("service", |c| &mut c.service, S::InvalidService),
    ];
    for (fname, f, bad) in fields {
        let mut set = |what: &str, val: sigv4rs_bytes, want: S| {
            let mut c = g;
            *f(&mut c) = val;
            v.push((format!("{fname} {what}"), Some(c), want));
        };
        let empty_ok = fname == "session token";
        set("(NULL, 0)", NULL0, if empty_ok { S::Ok } else { bad });
        set("(non-NULL, 0)", lb(b""), if empty_ok { S::Ok } else { bad });
        set("(NULL, 5)", null_n(5), S::NullArgument);
        for n in HUGE {
            set(&format!("len {n:#x}"), huge(n), S::InvalidArgument);
        }
        let secret = fname == "secret";
        // The secret is any bytes; the others are restricted.
        for (what, val) in [
            ("with CR", &b"abc\rdef"[..]),
            ("with LF", b"abc\ndef"),
            ("with NUL", b"abc\0def"),
            ("with space", b"abc def"),
            ("invalid UTF-8", b"abc\xff"),
        ] {
            set(what, lb(val), if secret { S::Ok } else { bad });
        }
        let max = match fname {
            "access key id" => SIGV4RS_MAX_ACCESS_KEY_ID_LEN,
            "secret" => SIGV4RS_MAX_SECRET_KEY_LEN,
            "session token" => SIGV4RS_MAX_SESSION_TOKEN_LEN,
            "region" => SIGV4RS_MAX_REGION_LEN,
            _ => SIGV4RS_MAX_SERVICE_LEN,
        };
        set("at the maximum length", lb(&vec![b'a'; max]), S::Ok);
        set("one past the maximum length", lb(&vec![b'a'; max + 1]), bad);
    }
    for flags in [1u32 << 5, 1 << 31, u32::MAX] {
        v.push((
            format!("flags {flags:#x}"),
            Some(sigv4rs_config { flags, ..g }),
            S::InvalidArgument,
        ));
    }
    let names = |n: Vec<sigv4rs_bytes>| -> (*const sigv4rs_bytes, usize) {
        let n: &'static [sigv4rs_bytes] = Box::leak(n.into_boxed_slice());
        (n.as_ptr(), n.len())
    };
    let mut un = |what: &str, list: Vec<sigv4rs_bytes>, want: S| {
        let (p, n) = names(list);
        v.push((
            format!("unsigned headers: {what}"),
            Some(sigv4rs_config {
                unsigned_headers: p,
                unsigned_headers_len: n,
                ..g
            }),
            want,
        ));
    };
    un("one valid", vec![lb(b"X-Skip")], S::Ok);
    un("name (NULL, 0)", vec![NULL0], S::InvalidUnsignedHeader);
    un("name (NULL, 3)", vec![null_n(3)], S::NullArgument);
    for n in HUGE {
        un(&format!("name len {n:#x}"), vec![huge(n)], S::InvalidArgument);
    }
    for (what, bad) in [
        ("space", &b"x a"[..]),
        ("colon", b"x:a"),
        ("CR", b"x\r"),
        ("LF", b"x\n"),
        ("NUL", b"x\0"),
        ("invalid UTF-8", b"x\xff"),
    ] {
        un(&format!("name with {what}"), vec![lb(bad)], S::InvalidUnsignedHeader);
    }
    un(
        "second name bad",
        vec![lb(b"x-first"), lb(b"x second")],
        S::InvalidUnsignedHeader,
    );
    un("names filling 256 bytes", vec![lb(&[b'a'; 255])], S::Ok);
    un(
        "names over 256 bytes",
        vec![lb(&[b'a'; 200]), lb(&[b'b'; 60])],
        S::InvalidUnsignedHeader,
    );
    un(
        "257 names",
        (0..257).map(|_| lb(b"a")).collect(),
        S::InvalidUnsignedHeader,
    );
    v.push((
        "unsigned headers (NULL, 1)".into(),
        Some(sigv4rs_config {
            unsigned_headers: std::ptr::null(),
            unsigned_headers_len: 1,
            ..g
        }),
        S::NullArgument,
    ));
    for n in HUGE {
        v.push((
            format!("unsigned headers count {n:#x}"),
            Some(sigv4rs_config {
                unsigned_headers: std::ptr::dangling(),
                unsigned_headers_len: n,
                ..g
            }),
            S::InvalidArgument,
        ));
    }
    v
}

fn run_config(m: &mut Matrix) {
    const N: &str = "sigv4rs_signer_new";
    const I: &str = "sigv4rs_signer_init";
    let dangling = std::ptr::dangling_mut::<sigv4rs_signer>();
    let mut not_zeroed = Vec::new();
    for (what, cfg, want) in config_cases() {
        let cp: *const sigv4rs_config = cfg.as_ref().map_or(std::ptr::null(), |c| c);
        // Heap.
        let mut out = dangling;
        let got = sigv4rs_signer_new(cp, &mut out);
        let mut problems = vec![];
        if got != S::Ok && out != dangling {
            problems.push("*out written on error".into());
        }
        if got == S::Ok {
            sigv4rs_signer_free(out);
        }
        m.cell(N, &what, want, got, problems);
        // Caller storage holding garbage, then the same after a live signer.
        for prior in ["garbage", "a live signer"] {
            let mut st = Box::new(sigv4rs_signer_storage {
                _opaque: [0xFFFF_FFFF_FFFF_FFFF; 640],
            });
            if prior == "a live signer" {
                let mut p = std::ptr::null_mut();
                assert_eq!(sigv4rs_signer_init(&mut *st, &good_config(), &mut p), S::Ok);
            }
            let mut out = dangling;
            let got = sigv4rs_signer_init(&mut *st, cp, &mut out);
            let mut problems = vec![];
            if got == S::Ok {
                if out != (&mut *st as *mut sigv4rs_signer_storage).cast() {
                    problems.push("*out does not point at the storage".into());
                }
            } else {
                if out != dangling {
                    problems.push("*out written on error".into());
                }
                // Documented: "on error the storage is left zeroed".
                if st._opaque.iter().any(|&w| w != 0) && prior == "garbage" {
                    not_zeroed.push(what.clone());
                }
            }
            m.cell(I, &format!("{what} (storage held {prior})"), want, got, problems);
            sigv4rs_signer_deinit(&mut *st);
        }
    }
    let g = good_config();
    let mut out = dangling;
    m.cell(
        N,
        "out NULL",
        S::NullArgument,
        sigv4rs_signer_new(&g, std::ptr::null_mut()),
        vec![],
    );
    let mut st = Box::new(sigv4rs_signer_storage { _opaque: [0; 640] });
    m.cell(
        I,
        "storage NULL",
        S::NullArgument,
        sigv4rs_signer_init(std::ptr::null_mut(), &g, &mut out),
        vec![],
    );
    st._opaque = [0xFF; 640];
    m.cell(
        I,
        "out NULL",
        S::NullArgument,
        sigv4rs_signer_init(&mut *st, &g, std::ptr::null_mut()),
        vec![],
    );
    if st._opaque.iter().any(|&w| w != 0) {
        not_zeroed.push("out NULL".into());
    }
    st._opaque = [0; 640];
    if !not_zeroed.is_empty() {
        m.fail(
            I,
            "errors found before the storage is wiped",
            &format!(
                "storage not left zeroed (its doc: \"on error the storage is left zeroed\"; a signer it held stays live) \
                 in {} cases: {}",
                not_zeroed.len(),
                not_zeroed.join("; ")
            ),
        );
    }
    let mut raw = vec![0u64; 642];
    for off in 1..8 {
        let mis = (raw.as_mut_ptr() as *mut u8)
            .wrapping_add(off)
            .cast::<sigv4rs_signer_storage>();
        let got = sigv4rs_signer_init(mis, &g, &mut out);
        let problems = if raw.iter().any(|&w| w != 0) {
            vec!["misaligned storage written".to_string()]
        } else {
            vec![]
        };
        m.cell(
            I,
            &format!("storage misaligned by {off}"),
            S::InvalidArgument,
            got,
            problems,
        );
    }
    if out != dangling {
        m.fail(I, "errors", "*out written");
    }
    // Deinit, re-init, deinit again: fine; NULL is a no-op.
    sigv4rs_signer_deinit(&mut *st);
    sigv4rs_signer_deinit(&mut *st);
    let zero = st._opaque.iter().all(|&w| w == 0);
    m.void_cell(
        "sigv4rs_signer_deinit",
        "twice",
        if zero { vec![] } else { vec!["not zero".into()] },
    );
    sigv4rs_signer_deinit(std::ptr::null_mut());
    m.void_cell("sigv4rs_signer_deinit", "NULL", vec![]);
    m.cell(
        I,
        "re-init after _deinit",
        S::Ok,
        sigv4rs_signer_init(&mut *st, &g, &mut out),
        vec![],
    );
    sigv4rs_signer_deinit(&mut *st);
    sigv4rs_signer_free(std::ptr::null_mut());
    m.void_cell("sigv4rs_signer_free", "NULL", vec![]);
}

fn run_env(m: &mut Matrix) {
    const E: &str = "sigv4rs_signer_new_from_env";
    let vars = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ];
    // SAFETY (all set/remove_var below): this binary's only environment use
    // runs once, from one thread (the matrix is built under a OnceLock).
    let set = |vals: [Option<&[u8]>; 5]| {
        use std::os::unix::ffi::OsStrExt;
        for (k, v) in vars.iter().zip(vals) {
            match v {
                Some(v) => unsafe { std::env::set_var(k, std::ffi::OsStr::from_bytes(v)) },
                None => unsafe { std::env::remove_var(k) },
            }
        }
    };
    let akid: Option<&[u8]> = Some(b"AKIDEXAMPLE");
    let secret: Option<&[u8]> = Some(b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    let region = b(b"us-east-1");
    let service = b(b"s3");
    let dangling = std::ptr::dangling_mut::<sigv4rs_signer>();
    let call = |m: &mut Matrix,
                what: &str,
                env: [Option<&[u8]>; 5],
                r: sigv4rs_bytes,
                s: sigv4rs_bytes,
                flags: u32,
                out_null: bool,
                want: S| {
        set(env);
        let mut out = dangling;
        let op: *mut *mut sigv4rs_signer = if out_null { std::ptr::null_mut() } else { &mut out };
        let got = sigv4rs_signer_new_from_env(r, s, flags, op);
        let mut problems = vec![];
        if got != S::Ok && out != dangling {
            problems.push("*out written on error".into());
        }
        if got == S::Ok {
            sigv4rs_signer_free(out);
        }
        m.cell(E, what, want, got, problems);
    };
    let full = [akid, secret, Some(&b"TOKEN"[..]), None, None];
    call(m, "good", full, region, service, 0, false, S::Ok);
    call(
        m,
        "no AWS_ACCESS_KEY_ID",
        [None, secret, None, None, None],
        region,
        service,
        0,
        false,
        S::MissingCredentials,
    );
    call(
        m,
        "no AWS_SECRET_ACCESS_KEY",
        [akid, None, None, None, None],
        region,
        service,
        0,
        false,
        S::MissingCredentials,
    );
    call(
        m,
        "empty AWS_ACCESS_KEY_ID",
        [Some(b""), secret, None, None, None],
        region,
        service,
        0,
        false,
        S::MissingCredentials,
    );
    call(
        m,
        "empty AWS_SESSION_TOKEN",
        [akid, secret, Some(b""), None, None],
        region,
        service,
        0,
        false,
        S::Ok,
    );
    call(
        m,
        "no credentials, out NULL",
        [None, None, None, None, None],
        region,
        service,
        0,
        true,
        S::MissingCredentials,
    );
    call(m, "out NULL", full, region, service, 0, true, S::NullArgument);
    call(
        m,
        "region (NULL, 0), none in env",
        full,
        NULL0,
        service,
        0,
        false,
        S::MissingCredentials,
    );
    call(
        m,
        "region (NULL, 0), AWS_REGION",
        [akid, secret, None, Some(b"eu-west-1"), None],
        NULL0,
        service,
        0,
        false,
        S::Ok,
    );
    call(
        m,
        "region (NULL, 0), AWS_DEFAULT_REGION",
        [akid, secret, None, None, Some(b"eu-west-1")],
        NULL0,
        service,
        0,
        false,
        S::Ok,
    );
    call(
        m,
        "region (NULL, 0), AWS_REGION with LF",
        [akid, secret, None, Some(b"eu\n"), None],
        NULL0,
        service,
        0,
        false,
        S::InvalidRegion,
    );
    call(
        m,
        "region (NULL, 5)",
        full,
        null_n(5),
        service,
        0,
        false,
        S::NullArgument,
    );
    call(
        m,
        "service (NULL, 5)",
        full,
        region,
        null_n(5),
        0,
        false,
        S::NullArgument,
    );
    call(m, "service (NULL, 0)", full, region, NULL0, 0, false, S::InvalidService);
    for n in HUGE {
        call(
            m,
            &format!("region len {n:#x}"),
            full,
            huge(n),
            service,
            0,
            false,
            S::InvalidArgument,
        );
        call(
            m,
            &format!("service len {n:#x}"),
            full,
            region,
            huge(n),
            0,
            false,
            S::InvalidArgument,
        );
    }
    call(
        m,
        "region with CR",
        full,
        b(b"us-east-1\r"),
        service,
        0,
        false,
        S::InvalidRegion,
    );
    call(
        m,
        "service with NUL",
        full,
        region,
        b(b"s\x003"),
        0,
        false,
        S::InvalidService,
    );
    call(
        m,
        "unknown flags",
        full,
        region,
        service,
        1 << 9,
        false,
        S::InvalidArgument,
    );
    call(
        m,
        "AWS_ACCESS_KEY_ID invalid UTF-8",
        [Some(b"AK\xffID"), secret, None, None, None],
        region,
        service,
        0,
        false,
        S::InvalidAccessKeyId,
    );
    call(
        m,
        "AWS_ACCESS_KEY_ID with CR",
        [Some(b"AKID\r"), secret, None, None, None],
        region,
        service,
        0,
        false,
        S::InvalidAccessKeyId,
    );
    call(
        m,
        "AWS_SECRET_ACCESS_KEY too long",
        [akid, Some(&[b's'; 129]), None, None, None],
        region,
        service,
        0,
        false,
        S::InvalidSecretKey,
    );
    call(
        m,
        "AWS_SESSION_TOKEN with space",
        [akid, secret, Some(b"a b"), None, None],
        region,
        service,
        0,
        false,
        S::InvalidSessionToken,
    );
    set([None, None, None, None, None]);
}

fn run_misc(m: &mut Matrix) {
    let mut now = -7i64;
    m.cell(
        "sigv4rs_unix_time_now",
        "out NULL",
        S::NullArgument,
        sigv4rs_unix_time_now(std::ptr::null_mut()),
        vec![],
    );
    let got = sigv4rs_unix_time_now(&mut now);
    let p = if now < 1_700_000_000 {
        vec![format!("implausible time {now}")]
    } else {
        vec![]
    };
    m.cell("sigv4rs_unix_time_now", "out", S::Ok, got, p);

    let mut codes: Vec<u32> = (0..1000).collect();
    codes.extend([u32::MAX, u32::MAX - 1, 1 << 31, 0x1_0000]);
    for c in codes {
        let p = sigv4rs_status_str(c);
        let problems = if p.is_null() {
            vec!["NULL".to_string()]
        } else {
            let s = unsafe { CStr::from_ptr(p) }.to_bytes();
            if s.is_empty() || !s.iter().all(|b| (0x20..0x7f).contains(b)) {
                vec![format!("odd message {s:?}")]
            } else {
                vec![]
            }
        };
        m.void_cell("sigv4rs_status_str", &format!("code {c}"), problems);
    }
    let v = sigv4rs_version();
    let ok = !v.is_null() && unsafe { CStr::from_ptr(v) }.to_str() == Ok(env!("CARGO_PKG_VERSION"));
    m.void_cell(
        "sigv4rs_version",
        "version",
        if ok { vec![] } else { vec!["wrong version".into()] },
    );
}

fn matrix() -> &'static Matrix {
    static M: OnceLock<Matrix> = OnceLock::new();
    M.get_or_init(|| {
        let mut m = Matrix::default();
        run_request_cases(&mut m);
        run_request_capacities(&mut m);
        run_encoded_length(&mut m);
        run_chunks(&mut m);
        run_hasher(&mut m);
        run_config(&mut m);
        run_env(&mut m);
        run_misc(&mut m);
        m
    })
}

#[test]
fn bad_input_matrix() {
    let m = matrix();
    let total: usize = m.cells.values().sum();
    let cases: usize = m.labels.values().map(|l| l.len()).sum();
    eprintln!(
        "bad input matrix: {} functions, {cases} distinct cases, {total} calls",
        m.cells.len()
    );
    for (f, n) in &m.cells {
        eprintln!("  {f:<36} {:>4} cases {n:>6} calls", m.labels[f].len());
    }
    let exported = exported_functions();
    let missing: Vec<&String> = exported.iter().filter(|f| !m.cells.contains_key(f.as_str())).collect();
    assert!(missing.is_empty(), "functions the matrix does not cover: {missing:?}");
    assert!(
        m.failures.is_empty(),
        "{} failures:\n{}",
        m.failures.len(),
        m.failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The header's doc comments

fn header() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/sigv4rs.h")).unwrap()
}

/// `SIGV4RS_STATUS_<NAME> = <code>` from the header's enum.
fn status_codes(h: &str) -> BTreeMap<String, u32> {
    h.lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("SIGV4RS_STATUS_")?;
            let (n, v) = l.split_once(" = ")?;
            Some((n.to_string(), v.trim_end_matches(',').parse().ok()?))
        })
        .collect()
}

struct FnDoc {
    returns_status: bool,
    doc: String,
}

/// Each declared function with its doc comment (the `//` lines right above).
fn function_docs(h: &str) -> BTreeMap<String, FnDoc> {
    let mut out = BTreeMap::new();
    let mut comment: Vec<&str> = Vec::new();
    for line in h.lines() {
        if let Some(c) = line.strip_prefix("//") {
            comment.push(c.trim());
            continue;
        }
        let decl = line
            .find('(')
            .map(|i| &line[..i])
            .and_then(|before| before.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next())
            .filter(|n| n.starts_with("sigv4rs_") && !line.starts_with(' ') && !line.starts_with('#'));
        if let Some(n) = decl
            && !line.contains("static inline")
        {
            out.insert(
                n.to_string(),
                FnDoc {
                    returns_status: line.starts_with("sigv4rs_status "),
                    doc: comment.join(" "),
                },
            );
        }
        comment.clear();
    }
    out
}

fn exported_functions() -> Vec<String> {
    function_docs(&header()).into_keys().collect()
}

/// The statuses each function's doc lists, references resolved; or the
/// problems found while reading them.
fn documented() -> Result<BTreeMap<String, BTreeSet<u32>>, Vec<String>> {
    let h = header();
    let codes = status_codes(&h);
    let docs = function_docs(&h);
    let mut direct: BTreeMap<String, (BTreeSet<u32>, Vec<String>)> = BTreeMap::new();
    let mut errors = Vec::new();
    for (f, d) in &docs {
        let Some(i) = d.doc.find("Statuses:") else {
            if d.returns_status {
                errors.push(format!(
                    "{f}: returns a status but its comment has no \"Statuses:\" list"
                ));
            }
            continue;
        };
        let text = &d.doc[i + "Statuses:".len()..];
        let (mut set, mut refs) = (BTreeSet::new(), Vec::new());
        for (k, part) in text.split('`').enumerate() {
            if k % 2 == 1 {
                if docs.contains_key(part) {
                    refs.push(part.to_string());
                }
                continue;
            }
            for w in part.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                let upper = w.len() >= 2
                    && w.chars().any(|c| c.is_ascii_uppercase())
                    && w.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit());
                if !upper {
                    continue;
                }
                match codes.get(w) {
                    Some(&c) => {
                        set.insert(c);
                    }
                    None => errors.push(format!("{f}: \"Statuses:\" names {w}, which is no status")),
                }
            }
        }
        direct.insert(f.clone(), (set, refs));
    }
    fn resolve(
        f: &str,
        direct: &BTreeMap<String, (BTreeSet<u32>, Vec<String>)>,
        stack: &mut Vec<String>,
        errors: &mut Vec<String>,
    ) -> BTreeSet<u32> {
        if stack.iter().any(|s| s == f) {
            errors.push(format!("circular status references: {stack:?} -> {f}"));
            return BTreeSet::new();
        }
        let Some((set, refs)) = direct.get(f) else {
            errors.push(format!("{stack:?} refers to {f}, which has no \"Statuses:\" list"));
            return BTreeSet::new();
        };
        stack.push(f.to_string());
        let mut all = set.clone();
        for r in refs {
            all.extend(resolve(r, direct, stack, errors));
        }
        stack.pop();
        all
    }
    let mut out = BTreeMap::new();
    for f in direct.keys() {
        out.insert(f.clone(), resolve(f, &direct, &mut Vec::new(), &mut errors));
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn status_name(codes: &BTreeMap<String, u32>, c: u32) -> String {
    codes
        .iter()
        .find(|(_, v)| **v == c)
        .map_or(format!("status {c}"), |(n, _)| n.clone())
}

#[test]
fn header_status_lists_parse() {
    let docs = documented().unwrap_or_else(|e| panic!("header doc comments:\n{}", e.join("\n")));
    let codes = status_codes(&header());
    assert_eq!(codes.len(), 30, "statuses in the header's enum");
    for (f, set) in &docs {
        let names: Vec<String> = set.iter().map(|c| status_name(&codes, *c)).collect();
        eprintln!("{f}: {}", names.join(", "));
        assert!(
            set.contains(&0) && set.contains(&900),
            "{f}: OK and PANIC should be listed"
        );
    }
}

#[test]
fn header_docs_list_every_observed_status() {
    let docs = documented().unwrap_or_else(|e| panic!("header doc comments:\n{}", e.join("\n")));
    let codes = status_codes(&header());
    let m = matrix();
    let mut missing = Vec::new();
    for (f, seen) in &m.observed {
        let listed = docs.get(*f).cloned().unwrap_or_default();
        for c in seen.difference(&listed) {
            missing.push(format!(
                "{f} returned {} but its doc comment in include/sigv4rs.h does not list it",
                status_name(&codes, *c)
            ));
        }
    }
    // Documented but never produced (informative: PANIC cannot be).
    for (f, listed) in &docs {
        let seen = m.observed.get(f.as_str()).cloned().unwrap_or_default();
        let unseen: Vec<String> = listed.difference(&seen).map(|c| status_name(&codes, *c)).collect();
        if !unseen.is_empty() {
            eprintln!(
                "note: {f}: documented, not produced by the matrix: {}",
                unseen.join(", ")
            );
        }
    }
    assert!(
        missing.is_empty(),
        "header doc comments are incomplete:\n{}",
        missing.join("\n")
    );
}
