//! The request cases of the bad-input matrix, shared by the `sign` family
//! (`sigv4rs_signer_sign_headers`, `_presign`, `_canonical_request`,
//! `_string_to_sign`) and the `chunked` family (`sigv4rs_chunked_begin`),
//! which take the same request.

use sigv4rs::ffi::*;
use sigv4rs::sign::ChunkState;
use sigv4rs_status as S;

use super::b;
use super::matrix::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Header,
    Query,
    Begin,
}

pub type ReqCall = fn(
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

pub struct Variant {
    func: &'static str,
    label: &'static str,
    kind: Kind,
    /// The output is NUL-terminated `Name: value` strings one after the
    /// other (else one NUL-terminated string).
    pieces: bool,
    call: ReqCall,
}

const HEADERS: u32 = sigv4rs_auth::Headers as u32;
const PRESIGN: u32 = sigv4rs_auth::Presign as u32;

pub fn variants() -> Vec<Variant> {
    vec![
        Variant {
            func: "sigv4rs_signer_sign_headers",
            label: "",
            kind: Kind::Header,
            pieces: true,
            call: |s, r, t, _, _, _, o, c, l| sigv4rs_signer_sign_headers(s, r, t, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_presign",
            label: "",
            kind: Kind::Query,
            pieces: false,
            call: |s, r, t, e, _, _, o, c, l| sigv4rs_signer_presign(s, r, t, e, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_canonical_request",
            label: "(headers) ",
            kind: Kind::Header,
            pieces: false,
            call: |s, r, t, _, _, _, o, c, l| sigv4rs_signer_canonical_request(s, r, t, HEADERS, 0, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_canonical_request",
            label: "(presign) ",
            kind: Kind::Query,
            pieces: false,
            call: |s, r, t, e, _, _, o, c, l| sigv4rs_signer_canonical_request(s, r, t, PRESIGN, e, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_string_to_sign",
            label: "(headers) ",
            kind: Kind::Header,
            pieces: false,
            call: |s, r, t, _, _, _, o, c, l| sigv4rs_signer_string_to_sign(s, r, t, HEADERS, 0, o, c, l),
        },
        Variant {
            func: "sigv4rs_signer_string_to_sign",
            label: "(presign) ",
            kind: Kind::Query,
            pieces: false,
            call: |s, r, t, e, _, _, o, c, l| sigv4rs_signer_string_to_sign(s, r, t, PRESIGN, e, o, c, l),
        },
        Variant {
            func: "sigv4rs_chunked_begin",
            label: "",
            kind: Kind::Begin,
            pieces: true,
            call: |s, r, t, _, st, state, o, c, l| sigv4rs_chunked_begin(s, r, t, st, state, o, c, l),
        },
    ]
}

/// Expected status by kind.
#[derive(Clone, Copy)]
pub struct Want {
    header: S,
    query: S,
    begin: S,
}

pub fn all(s: S) -> Want {
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
pub enum Sig {
    /// The S3 signer of `good_config`, or with `plain`, `plain_config`'s.
    Heap,
    Null,
    Deinit,
    Zeroed,
}

#[derive(Clone, Copy)]
pub struct RCase {
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

pub const ALL_KINDS: &[Kind] = &[Kind::Header, Kind::Query, Kind::Begin];

pub const STREAM: sigv4rs_stream = sigv4rs_stream {
    mode: 0,
    checksum: 0,
    decoded_length: 100,
    chunk_size: 64,
};

pub fn base_request() -> sigv4rs_request {
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

pub fn rcase(req: sigv4rs_request, want: Want) -> RCase {
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

pub fn with(f: impl FnOnce(&mut sigv4rs_request)) -> sigv4rs_request {
    let mut r = base_request();
    f(&mut r);
    r
}

pub fn with_headers(h: Vec<sigv4rs_header>) -> sigv4rs_request {
    let (p, n) = leak_headers(h);
    with(|r| {
        r.headers = p;
        r.headers_len = n;
    })
}

pub fn parts(host: sigv4rs_bytes, path: sigv4rs_bytes, query: sigv4rs_bytes) -> sigv4rs_request {
    with(|r| {
        r.url = NULL0;
        r.host = host;
        r.path = path;
        r.query = query;
    })
}

pub fn request_cases() -> Vec<(String, RCase)> {
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
        "out NULL, cap 0, out_len NULL",
        RCase {
            out: Out::NullBoth,
            ..rcase(base_request(), all(S::NullArgument))
        },
    );
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
        m("method with CRLF", lb(b"GET\r\n"), S::InvalidMethod),
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
        p("parts: a path, no host", parts(NULL0, lb(b"/"), NULL0), S::MissingHost),
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
    // Repeated names are counted one by one, not merged first.
    fields.push((
        "65 headers of one name".into(),
        with_headers((0..65).map(|_| hdr(b"x-a", b"1")).collect()),
        S::TooManyHeaders,
    ));
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
        pl("payload hash 3 digits", 2, lb(b"abc"), begin_ok(S::InvalidPayloadHash)),
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
    // Expiry (query mode only).
    for e in [0u32, SIGV4RS_MAX_EXPIRES + 1, u32::MAX] {
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
        b"https://example.com/?X-Amz-Expires=5",
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
pub fn stream_shapes() -> Vec<(String, sigv4rs_stream, S)> {
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
        ("sigv4a signed".into(), s(3, 0, 100, 64), S::Ok),
        ("sigv4a signed, trailer sha256".into(), s(4, 3, 100, 64), S::Ok),
        (
            "sigv4a, checksum without trailer".into(),
            s(3, 2, 100, 64),
            S::InvalidArgument,
        ),
        (
            "sigv4a, trailer without checksum".into(),
            s(4, 0, 100, 64),
            S::InvalidArgument,
        ),
        ("mode 5".into(), s(5, 0, 100, 64), S::InvalidArgument),
        ("mode u32::MAX".into(), s(u32::MAX, 0, 100, 64), S::InvalidArgument),
        ("signed, trailer crc64nvme".into(), s(1, 4, 100, 64), S::Ok),
        ("unsigned, trailer sha1".into(), s(2, 5, 100, 64), S::Ok),
        ("checksum 6".into(), s(1, 6, 100, 64), S::InvalidArgument),
        ("checksum u32::MAX".into(), s(2, u32::MAX, 100, 64), S::InvalidArgument),
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

/// What an OK output must look like: NUL-terminated, and either one string
/// or `Name: value` strings (no empty one).
fn output_problems(v: &Variant, out: &[u8]) -> Vec<String> {
    let Some((&0, text)) = out.split_last() else {
        return vec!["output not NUL-terminated".into()];
    };
    let bad = if v.pieces {
        text.split(|&c| c == 0).any(|p| !p.windows(2).any(|w| w == b": "))
    } else {
        text.contains(&0)
    };
    if bad {
        vec![format!("output shape: {:?}", String::from_utf8_lossy(out))]
    } else {
        vec![]
    }
}

/// The signers a family runs its cases with: the S3 one, and with `plain`
/// also a non-S3 one without a token (its case labels say so).
fn signers(plain: bool) -> Vec<(&'static str, *mut sigv4rs_signer)> {
    let mut v = vec![("", heap_signer(&good_config()))];
    if plain {
        v.push(("plain signer: ", heap_signer(&plain_config())));
    }
    v
}

/// Runs every request case through the variants of `kinds`.
pub fn run_request_cases(m: &mut Matrix, kinds: &[Kind], plain: bool) {
    let heaps = signers(plain);
    let deinit = deinit_signer();
    let zeroed = zeroed_signer();
    for (what, c) in request_cases() {
        for v in variants() {
            if !kinds.contains(&v.kind) || !c.kinds.contains(&v.kind) {
                continue;
            }
            for &(who, heap) in &heaps {
                let signer: *const sigv4rs_signer = match c.signer {
                    Sig::Heap => heap,
                    // The other signers are the same for every heap signer.
                    _ if !who.is_empty() => continue,
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
                    _opaque: [0xA5A5_A5A5_A5A5_A5A5; SIGV4RS_CHUNKED_STATE_SIZE / 8],
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
                if r.status == S::Ok {
                    problems.extend(output_problems(&v, &r.out));
                }
                m.cell(
                    v.func,
                    &format!("{who}{}{what}", v.label),
                    c.want.of(v.kind),
                    r.status,
                    problems,
                );
            }
        }
    }
    for (_, heap) in heaps {
        sigv4rs_signer_free(heap);
    }
}

/// Every capacity from 0 to needed - 1 is refused without a write; needed
/// and needed + 1 give the same output.
pub fn run_request_capacities(m: &mut Matrix, kinds: &[Kind], plain: bool) {
    let heaps = signers(plain);
    let req = base_request();
    for v in variants().iter().filter(|v| kinds.contains(&v.kind)) {
        for &(who, heap) in &heaps {
            let label = format!("{who}{}", v.label);
            let call = |state: *mut sigv4rs_chunked, o: *mut u8, c: usize, l: *mut usize| {
                (v.call)(heap, &req, T, 3600, &STREAM, state, o, c, l)
            };
            let mut state = sigv4rs_chunked {
                _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
            };
            let sp: *mut sigv4rs_chunked = &mut state;
            let q = call_out(Out::Null(0), &|o, c, l| call(sp, o, c, l));
            let need = q.len;
            if q.status != S::BufferTooSmall {
                m.fail(
                    v.func,
                    &format!("{label}size query"),
                    &format!("got {}", name(q.status)),
                );
                continue;
            }
            for cap in 0..need {
                let mut state = sigv4rs_chunked {
                    _opaque: [7; SIGV4RS_CHUNKED_STATE_SIZE / 8],
                };
                let sp: *mut sigv4rs_chunked = &mut state;
                let r = call_out(Out::Cap(cap), &|o, c, l| call(sp, o, c, l));
                let mut problems = r.problems;
                if r.len != need {
                    problems.push(format!("*out_len {} != {need}", r.len));
                }
                if state._opaque != [7; SIGV4RS_CHUNKED_STATE_SIZE / 8] {
                    problems.push("state written".into());
                }
                m.cell(
                    v.func,
                    &format!("{label}cap {cap}"),
                    S::BufferTooSmall,
                    r.status,
                    problems,
                );
            }
            let mut outs = Vec::new();
            for cap in [need, need + 1] {
                let mut state = sigv4rs_chunked {
                    _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
                };
                let sp: *mut sigv4rs_chunked = &mut state;
                let r = call_out(Out::Cap(cap), &|o, c, l| call(sp, o, c, l));
                let mut problems = r.problems;
                if r.status == S::Ok {
                    if r.len != need {
                        problems.push(format!("*out_len {} != {need}", r.len));
                    }
                    problems.extend(output_problems(v, &r.out));
                }
                outs.push(r.out);
                m.cell(v.func, &format!("{label}cap needed(+0/1)"), S::Ok, r.status, problems);
            }
            if outs[0] != outs[1] {
                m.fail(
                    v.func,
                    &format!("{label}capacities needed and needed + 1"),
                    "outputs differ",
                );
            }
        }
    }
    for (_, heap) in heaps {
        sigv4rs_signer_free(heap);
    }
}
