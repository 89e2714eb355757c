//! Hostile and malformed input through every exported function: each gets
//! its documented status, nothing is written on failure (canaries stay),
//! nothing past the capacity, and no panic crosses the boundary.

mod common;

use std::ffi::CStr;

use common::*;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

const T: i64 = 1_440_938_160;

fn creds() -> Creds<'static> {
    Creds {
        akid: "AKIDEXAMPLE",
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        token: "",
        region: "us-east-1",
        service: "service",
        flags: 0,
    }
}

fn request(method: &[u8], url: &[u8], headers: &[sigv4rs_header]) -> sigv4rs_request {
    sigv4rs_request {
        method: b(method),
        url: b(url),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: if headers.is_empty() {
            std::ptr::null()
        } else {
            headers.as_ptr()
        },
        headers_len: headers.len(),
        payload_mode: 0,
        payload: b(b""),
    }
}

type SignFn = fn(*const sigv4rs_signer, *const sigv4rs_request, *mut u8, usize, *mut usize) -> S;

/// The four request-taking functions, as one shape (presign and debug
/// outputs with a 3600 s expiry).
fn all_sign_fns() -> [(&'static str, SignFn); 6] {
    [
        ("sign_headers", |s, r, o, c, l| {
            sigv4rs_signer_sign_headers(s, r, T, o, c, l)
        }),
        ("presign", |s, r, o, c, l| {
            sigv4rs_signer_presign(s, r, T, 3600, o, c, l)
        }),
        ("canonical_request(header)", |s, r, o, c, l| {
            sigv4rs_signer_canonical_request(s, r, T, 0, o, c, l)
        }),
        ("canonical_request(query)", |s, r, o, c, l| {
            sigv4rs_signer_canonical_request(s, r, T, 3600, o, c, l)
        }),
        ("string_to_sign(header)", |s, r, o, c, l| {
            sigv4rs_signer_string_to_sign(s, r, T, 0, o, c, l)
        }),
        ("string_to_sign(query)", |s, r, o, c, l| {
            sigv4rs_signer_string_to_sign(s, r, T, 3600, o, c, l)
        }),
    ]
}

/// Calls `f` with a large canary-filled buffer and expects `want`; on any
/// status but OK the buffer and `*out_len` must be untouched.
fn expect_status(what: &str, want: S, f: &dyn Fn(*mut u8, usize, *mut usize) -> S) {
    let mut buf = vec![0xA5u8; 8192];
    let mut len = 0xDEADusize;
    let got = f(buf.as_mut_ptr(), buf.len(), &mut len);
    assert_eq!(got, want, "{what}");
    if got != S::Ok {
        assert!(buf.iter().all(|&c| c == 0xA5), "{what}: output written on {got:?}");
        assert_eq!(len, 0xDEAD, "{what}: *out_len written on {got:?}");
    }
}

#[test]
fn status_strings_are_static_and_distinct() {
    let known = [
        0u32, 1, 2, 3, 4, 100, 101, 102, 103, 104, 105, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120,
    ];
    let more = [121u32, 130, 131, 132, 140, 150, 151, 900];
    let mut seen = std::collections::BTreeSet::new();
    for code in known.iter().chain(more.iter()) {
        let p = sigv4rs_status_str(*code);
        assert!(!p.is_null());
        let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap();
        assert_ne!(s, "unknown status", "{code}");
        assert!(seen.insert(s.to_string()), "duplicate message {s}");
    }
    for code in [5u32, 99, 106, 999, u32::MAX] {
        let s = unsafe { CStr::from_ptr(sigv4rs_status_str(code)) }.to_str().unwrap();
        assert_eq!(s, "unknown status");
    }
    // Every status the enum has is covered above.
    assert_eq!(known.len() + more.len(), 30);
}

#[test]
fn version_string_matches_cargo() {
    let v = unsafe { CStr::from_ptr(sigv4rs_version()) }.to_str().unwrap();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
}

#[test]
fn config_errors() {
    let long = "a".repeat(129);
    let long_token = "a".repeat(4097);
    let cases: Vec<(&str, Creds<'_>, S)> = vec![
        ("empty akid", Creds { akid: "", ..creds() }, S::InvalidAccessKeyId),
        (
            "akid with slash",
            Creds {
                akid: "AK/ID",
                ..creds()
            },
            S::InvalidAccessKeyId,
        ),
        (
            "akid with space",
            Creds {
                akid: "AK ID",
                ..creds()
            },
            S::InvalidAccessKeyId,
        ),
        (
            "akid with CRLF",
            Creds {
                akid: "AK\r\nID",
                ..creds()
            },
            S::InvalidAccessKeyId,
        ),
        (
            "akid non-ASCII",
            Creds {
                akid: "AKIDé",
                ..creds()
            },
            S::InvalidAccessKeyId,
        ),
        ("akid too long", Creds { akid: &long, ..creds() }, S::InvalidAccessKeyId),
        ("empty secret", Creds { secret: "", ..creds() }, S::InvalidSecretKey),
        (
            "secret too long",
            Creds {
                secret: &long,
                ..creds()
            },
            S::InvalidSecretKey,
        ),
        (
            "token with LF",
            Creds {
                token: "abc\ndef",
                ..creds()
            },
            S::InvalidSessionToken,
        ),
        (
            "token with space",
            Creds {
                token: "abc def",
                ..creds()
            },
            S::InvalidSessionToken,
        ),
        (
            "token too long",
            Creds {
                token: &long_token,
                ..creds()
            },
            S::InvalidSessionToken,
        ),
        ("empty region", Creds { region: "", ..creds() }, S::InvalidRegion),
        (
            "region with slash",
            Creds {
                region: "us/east",
                ..creds()
            },
            S::InvalidRegion,
        ),
        (
            "region with NUL",
            Creds {
                region: "us\0east",
                ..creds()
            },
            S::InvalidRegion,
        ),
        ("empty service", Creds { service: "", ..creds() }, S::InvalidService),
        (
            "service with CR",
            Creds {
                service: "s3\r",
                ..creds()
            },
            S::InvalidService,
        ),
        (
            "unknown flag",
            Creds {
                flags: 1 << 20,
                ..creds()
            },
            S::InvalidArgument,
        ),
    ];
    for (what, c, want) in cases {
        let cfg = config(&c);
        let mut out = std::ptr::dangling_mut::<sigv4rs_signer>();
        assert_eq!(sigv4rs_signer_new(&cfg, &mut out), want, "new: {what}");
        assert_eq!(
            out,
            std::ptr::dangling_mut::<sigv4rs_signer>(),
            "new wrote *out on error: {what}"
        );
        let mut st = sigv4rs_signer_storage { _opaque: [7; 640] };
        let mut out2 = std::ptr::dangling_mut::<sigv4rs_signer>();
        assert_eq!(sigv4rs_signer_init(&mut st, &cfg, &mut out2), want, "init: {what}");
        assert_eq!(out2, std::ptr::dangling_mut::<sigv4rs_signer>());
        assert!(
            st._opaque.iter().all(|&w| w == 0),
            "init left bytes behind on error: {what}"
        );
    }
    // Accepted edges: invalid UTF-8 in the secret is just bytes; max lengths.
    let max_token = "t".repeat(4096);
    let ok = [
        Creds {
            secret: "\u{7f}",
            ..creds()
        },
        Creds {
            akid: &long[..128],
            secret: &long[..128],
            token: &max_token,
            ..creds()
        },
    ];
    for c in ok {
        assert!(new_signer(&c).is_ok());
    }
    let mut cfg = config(&creds());
    cfg.secret_access_key = sigv4rs_bytes {
        ptr: b"\xff\xfe".as_ptr(),
        len: 2,
    };
    let mut out = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&cfg, &mut out), S::Ok);
    sigv4rs_signer_free(out);
}

#[test]
fn config_null_pointers() {
    let good = config(&creds());
    let mut out = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(std::ptr::null(), &mut out), S::NullArgument);
    assert_eq!(sigv4rs_signer_new(&good, std::ptr::null_mut()), S::NullArgument);
    let null_n = sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: 3,
    };
    for field in 0..5 {
        let mut c = good;
        match field {
            0 => c.access_key_id = null_n,
            1 => c.secret_access_key = null_n,
            2 => c.session_token = null_n,
            3 => c.region = null_n,
            _ => c.service = null_n,
        }
        assert_eq!(sigv4rs_signer_new(&c, &mut out), S::NullArgument, "field {field}");
    }
    // (NULL, 0) is a valid empty token.
    let mut c = good;
    c.session_token = sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: 0,
    };
    assert_eq!(sigv4rs_signer_new(&c, &mut out), S::Ok);
    sigv4rs_signer_free(out);
    // Lengths no slice can have.
    c.session_token = sigv4rs_bytes {
        ptr: b"x".as_ptr(),
        len: usize::MAX,
    };
    assert_eq!(sigv4rs_signer_new(&c, &mut out), S::InvalidArgument);
    c.session_token = sigv4rs_bytes {
        ptr: b"x".as_ptr(),
        len: isize::MAX as usize,
    };
    assert_eq!(sigv4rs_signer_new(&c, &mut out), S::InvalidSessionToken);
    // Unsigned-header list.
    let mut c = good;
    c.unsigned_headers = std::ptr::null();
    c.unsigned_headers_len = 2;
    assert_eq!(sigv4rs_signer_new(&c, &mut out), S::NullArgument);
    let bad_names = [b(b"x-ok"), b(b"bad name")];
    c.unsigned_headers = bad_names.as_ptr();
    assert_eq!(sigv4rs_signer_new(&c, &mut out), S::InvalidUnsignedHeader);
    let long_name = vec![b'a'; 300];
    let too_long = [b(&long_name)];
    c.unsigned_headers = too_long.as_ptr();
    c.unsigned_headers_len = 1;
    assert_eq!(sigv4rs_signer_new(&c, &mut out), S::InvalidUnsignedHeader);
    c.unsigned_headers_len = usize::MAX;
    assert_eq!(sigv4rs_signer_new(&c, &mut out), S::InvalidArgument);
    sigv4rs_signer_free(std::ptr::null_mut());
}

#[test]
fn init_storage_checks_and_deinit_wipes() {
    let cfg = config(&Creds {
        token: "SESSIONTOKEN",
        ..creds()
    });
    let mut out = std::ptr::null_mut();
    assert_eq!(
        sigv4rs_signer_init(std::ptr::null_mut(), &cfg, &mut out),
        S::NullArgument
    );
    let mut st = Box::new(sigv4rs_signer_storage { _opaque: [0; 640] });
    assert_eq!(
        sigv4rs_signer_init(&mut *st, &cfg, std::ptr::null_mut()),
        S::NullArgument
    );
    assert_eq!(
        sigv4rs_signer_init(&mut *st, std::ptr::null(), &mut out),
        S::NullArgument
    );
    // Misaligned storage.
    let mut raw = vec![0u64; 641];
    let mis = (raw.as_mut_ptr() as *mut u8).wrapping_add(1) as *mut sigv4rs_signer_storage;
    assert_eq!(sigv4rs_signer_init(mis, &cfg, &mut out), S::InvalidArgument);

    // A config rejected late (its second unsigned-header name) leaves the
    // storage all zero: nothing of the first name or the keys stays behind.
    let names = [b(b"x-first-name"), b(b"bad name")];
    let mut late = cfg;
    late.unsigned_headers = names.as_ptr();
    late.unsigned_headers_len = 2;
    st._opaque = [0xFF; 640];
    assert_eq!(sigv4rs_signer_init(&mut *st, &late, &mut out), S::InvalidUnsignedHeader);
    assert!(st._opaque.iter().all(|&w| w == 0), "rejected init left bytes behind");

    assert_eq!(sigv4rs_signer_init(&mut *st, &cfg, &mut out), S::Ok);
    let bytes = |st: &sigv4rs_signer_storage| -> Vec<u8> { st._opaque.iter().flat_map(|w| w.to_ne_bytes()).collect() };
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(has(&bytes(&st), b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
    let req = request(b"GET", b"https://example.amazonaws.com/", &[]);
    let sign = |o: *mut u8, c: usize, l: *mut usize| sigv4rs_signer_sign_headers(out, &req, T, o, c, l);
    expect_status("sign with init signer", S::Ok, &sign);
    sigv4rs_signer_deinit(&mut *st);
    assert!(bytes(&st).iter().all(|&c| c == 0), "deinit left secret or key bytes");
    expect_status("use after deinit", S::NotInitialized, &sign);
    sigv4rs_signer_deinit(std::ptr::null_mut());
}

#[test]
fn request_errors_through_every_signing_call() {
    let signer = new_signer(&creds()).unwrap();
    let h = |n: &'static [u8], v: &'static [u8]| sigv4rs_header {
        name: b(n),
        value: b(v),
    };
    let long_url = [b"https://example.com/".as_slice(), &vec![b'a'; 16_400]].concat();
    let many_params: Vec<u8> = (0..129).flat_map(|i| format!("p{i}=v&").into_bytes()).collect();
    let many_url = [b"https://example.com/?".as_slice(), &many_params].concat();
    let many_headers: Vec<sigv4rs_header> = (0..65).map(|_| h(b"x-a", b"1")).collect();
    struct Case {
        what: &'static str,
        req: sigv4rs_request,
        want: S,
    }
    let url = |u: &'static [u8]| request(b"GET", u, &[]);
    let hdr: Vec<(&str, sigv4rs_header, S)> = vec![
        ("header name with space", h(b"bad name", b"v"), S::InvalidHeaderName),
        ("header name with colon", h(b"bad:name", b"v"), S::InvalidHeaderName),
        ("header name empty", h(b"", b"v"), S::InvalidHeaderName),
        ("header name with CR", h(b"x\r", b"v"), S::InvalidHeaderName),
        ("header name with LF", h(b"x\n", b"v"), S::InvalidHeaderName),
        ("header name with NUL", h(b"x\0", b"v"), S::InvalidHeaderName),
        ("header name invalid UTF-8", h(b"x\xff", b"v"), S::InvalidHeaderName),
        ("header value with CR", h(b"x-a", b"a\rb"), S::InvalidHeaderValue),
        (
            "header value with LF",
            h(b"x-a", b"a\nX-Injected: 1"),
            S::InvalidHeaderValue,
        ),
        ("header value with CRLF", h(b"x-a", b"a\r\nb"), S::InvalidHeaderValue),
        ("header value with NUL", h(b"x-a", b"a\0b"), S::InvalidHeaderValue),
        ("header value with DEL", h(b"x-a", b"a\x7fb"), S::InvalidHeaderValue),
    ];
    let mut cases = vec![
        Case {
            what: "empty method",
            req: request(b"", b"https://example.com/", &[]),
            want: S::InvalidMethod,
        },
        Case {
            what: "method with space",
            req: request(b"G T", b"https://example.com/", &[]),
            want: S::InvalidMethod,
        },
        Case {
            what: "method with CRLF",
            req: request(b"GET\r\n", b"https://example.com/", &[]),
            want: S::InvalidMethod,
        },
        Case {
            what: "no scheme",
            req: url(b"example.com/"),
            want: S::InvalidUrl,
        },
        Case {
            what: "ftp scheme",
            req: url(b"ftp://example.com/"),
            want: S::InvalidUrl,
        },
        Case {
            what: "user info",
            req: url(b"https://u:p@example.com/"),
            want: S::InvalidUrl,
        },
        Case {
            what: "CRLF in URL",
            req: url(b"https://example.com/\r\nX: y"),
            want: S::InvalidUrl,
        },
        Case {
            what: "NUL in URL",
            req: url(b"https://example.com/a\0b"),
            want: S::InvalidUrl,
        },
        Case {
            what: "bad port",
            req: url(b"https://example.com:70000/"),
            want: S::InvalidHost,
        },
        Case {
            what: "empty host",
            req: url(b"https:///x"),
            want: S::InvalidHost,
        },
        Case {
            what: "space in host",
            req: url(b"https://exa mple.com/"),
            want: S::InvalidHost,
        },
        Case {
            what: "URL too long",
            req: request(b"GET", &long_url, &[]),
            want: S::InputTooLong,
        },
        Case {
            what: "too many query params",
            req: request(b"GET", &many_url, &[]),
            want: S::TooManyQueryParameters,
        },
        Case {
            what: "too many headers",
            req: request(b"GET", b"https://example.com/", &many_headers),
            want: S::TooManyHeaders,
        },
    ];
    for (what, header, want) in &hdr {
        let one = Box::leak(Box::new([*header]));
        cases.push(Case {
            what,
            req: request(b"GET", b"https://example.com/", one),
            want: *want,
        });
    }
    // Parts instead of a URL.
    let mut parts = request(b"GET", b"", &[]);
    parts.host = b(b"example.com");
    parts.path = b(b"/a\r\nb");
    cases.push(Case {
        what: "CRLF in path",
        req: parts,
        want: S::InvalidPath,
    });
    parts.path = b(b"/a?b");
    cases.push(Case {
        what: "? in path",
        req: parts,
        want: S::InvalidPath,
    });
    parts.path = b(b"/a");
    parts.query = b(b"a=1#frag");
    cases.push(Case {
        what: "# in query",
        req: parts,
        want: S::InvalidQuery,
    });
    parts.query = b(b"a=\n");
    cases.push(Case {
        what: "LF in query",
        req: parts,
        want: S::InvalidQuery,
    });
    let mut nohost = request(b"GET", b"", &[]);
    nohost.path = b(b"/");
    cases.push(Case {
        what: "no host at all",
        req: nohost,
        want: S::MissingHost,
    });
    // Payload modes.
    let mut p = url(b"https://example.com/");
    p.payload_mode = 9;
    cases.push(Case {
        what: "unknown payload mode",
        req: p,
        want: S::InvalidArgument,
    });
    p.payload_mode = sigv4rs_payload_mode::Sha256Hex as u32;
    p.payload = b(b"abc");
    cases.push(Case {
        what: "short payload hash",
        req: p,
        want: S::InvalidPayloadHash,
    });
    p.payload = b(&[b'g'; 64]);
    cases.push(Case {
        what: "non-hex payload hash",
        req: p,
        want: S::InvalidPayloadHash,
    });
    // NULL pointers inside the request.
    let mut n = url(b"https://example.com/");
    n.headers_len = 1;
    cases.push(Case {
        what: "headers NULL with len 1",
        req: n,
        want: S::NullArgument,
    });
    let mut n = url(b"https://example.com/");
    n.method = sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: 3,
    };
    cases.push(Case {
        what: "method (NULL, 3)",
        req: n,
        want: S::NullArgument,
    });
    let mut n = url(b"https://example.com/");
    n.url = sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: 10,
    };
    cases.push(Case {
        what: "url (NULL, 10)",
        req: n,
        want: S::NullArgument,
    });
    let mut n = url(b"https://example.com/");
    n.payload = sigv4rs_bytes {
        ptr: std::ptr::null(),
        len: 1,
    };
    cases.push(Case {
        what: "payload (NULL, 1)",
        req: n,
        want: S::NullArgument,
    });
    let mut n = url(b"https://example.com/");
    n.payload = sigv4rs_bytes {
        ptr: b"x".as_ptr(),
        len: usize::MAX,
    };
    cases.push(Case {
        what: "payload len SIZE_MAX",
        req: n,
        want: S::InvalidArgument,
    });
    let mut n = url(b"https://example.com/");
    n.headers = std::ptr::dangling::<sigv4rs_header>();
    n.headers_len = usize::MAX;
    cases.push(Case {
        what: "headers_len SIZE_MAX",
        req: n,
        want: S::TooManyHeaders,
    });

    for (name, f) in all_sign_fns() {
        for c in &cases {
            expect_status(&format!("{name}: {}", c.what), c.want, &|o, cap, l| {
                f(signer.0, &c.req, o, cap, l)
            });
        }
        let good = url(b"https://example.com/");
        expect_status(&format!("{name}: NULL signer"), S::NullArgument, &|o, cap, l| {
            f(std::ptr::null(), &good, o, cap, l)
        });
        expect_status(&format!("{name}: NULL request"), S::NullArgument, &|o, cap, l| {
            f(signer.0, std::ptr::null(), o, cap, l)
        });
        assert_eq!(
            f(signer.0, &good, std::ptr::null_mut(), 0, std::ptr::null_mut()),
            S::NullArgument
        );
        let mut len = 0;
        assert_eq!(f(signer.0, &good, std::ptr::null_mut(), 10, &mut len), S::NullArgument);
        // Valid request, odd-but-fine bytes: invalid UTF-8 in a value, raw
        // UTF-8 in the path.
        let odd = [h(b"x-odd", b"\xff\xfe bytes")];
        let ok = request(b"GET", "https://example.com/ሴ?q=ü".as_bytes(), &odd);
        expect_status(&format!("{name}: odd but valid"), S::Ok, &|o, cap, l| {
            f(signer.0, &ok, o, cap, l)
        });
    }
}

#[test]
fn time_and_expiry_limits() {
    let signer = new_signer(&creds()).unwrap();
    let req = request(b"GET", b"https://example.com/", &[]);
    for t in [-1i64, i64::MIN, SIGV4RS_MAX_UNIX_TIME + 1, i64::MAX] {
        expect_status(&format!("time {t}"), S::InvalidTime, &|o, c, l| {
            sigv4rs_signer_sign_headers(signer.0, &req, t, o, c, l)
        });
        expect_status(&format!("presign time {t}"), S::InvalidTime, &|o, c, l| {
            sigv4rs_signer_presign(signer.0, &req, t, 60, o, c, l)
        });
    }
    for t in [0i64, SIGV4RS_MAX_UNIX_TIME] {
        expect_status(&format!("time {t}"), S::Ok, &|o, c, l| {
            sigv4rs_signer_sign_headers(signer.0, &req, t, o, c, l)
        });
    }
    for e in [0u32, SIGV4RS_MAX_EXPIRES + 1, u32::MAX] {
        expect_status(&format!("expires {e}"), S::InvalidExpires, &|o, c, l| {
            sigv4rs_signer_presign(signer.0, &req, T, e, o, c, l)
        });
    }
    for e in [1u32, SIGV4RS_MAX_EXPIRES] {
        expect_status(&format!("expires {e}"), S::Ok, &|o, c, l| {
            sigv4rs_signer_presign(signer.0, &req, T, e, o, c, l)
        });
    }
    // A presign whose query already has an auth parameter.
    for q in [
        &b"https://example.com/?X-Amz-Signature=1"[..],
        b"https://example.com/?X-Amz-Expires=5",
        b"https://example.com/?X-Amz-Date",
    ] {
        let r = request(b"GET", q, &[]);
        expect_status("reserved", S::ReservedQueryParameter, &|o, c, l| {
            sigv4rs_signer_presign(signer.0, &r, T, 60, o, c, l)
        });
    }
}

#[test]
fn every_short_capacity_is_refused_without_writing() {
    let signer = new_signer(&Creds {
        token: "TOKEN",
        ..creds()
    })
    .unwrap();
    let hs = [sigv4rs_header {
        name: b(b"Content-Type"),
        value: b(b"text/plain"),
    }];
    let req = request(b"PUT", b"https://example.com/a/b?x=1", &hs);
    for (name, f) in all_sign_fns() {
        let mut need = 0;
        assert_eq!(f(signer.0, &req, std::ptr::null_mut(), 0, &mut need), S::BufferTooSmall);
        for cap in 0..need {
            let mut buf = vec![0x5Au8; need + 16];
            let mut len = 0;
            assert_eq!(
                f(signer.0, &req, buf.as_mut_ptr(), cap, &mut len),
                S::BufferTooSmall,
                "{name} cap {cap}"
            );
            assert_eq!(len, need);
            assert!(buf.iter().all(|&c| c == 0x5A), "{name}: wrote with cap {cap}");
        }
        let mut buf = vec![0x5Au8; need + 16];
        let mut len = 0;
        assert_eq!(f(signer.0, &req, buf.as_mut_ptr(), need, &mut len), S::Ok);
        assert_eq!(len, need);
        assert_eq!(buf[need - 1], 0);
        assert!(!buf[..need - 1].contains(&0) || name == "sign_headers");
        assert!(buf[need..].iter().all(|&c| c == 0x5A), "{name}: wrote past capacity");
    }
}

#[test]
fn payload_hasher() {
    use sha2::Digest;
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 31 + 7) as u8).collect();
    let mut h = sigv4rs_payload_hasher { _opaque: [0; 16] };
    // Zeroed memory is not an initialized hasher.
    assert_eq!(sigv4rs_payload_hasher_update(&mut h, b(b"x")), S::NotInitialized);
    assert_eq!(sigv4rs_payload_hasher_init(std::ptr::null_mut()), S::NullArgument);
    assert_eq!(
        sigv4rs_payload_hasher_update(std::ptr::null_mut(), b(b"x")),
        S::NullArgument
    );
    assert_eq!(sigv4rs_payload_hasher_init(&mut h), S::Ok);
    for chunk in data.chunks(7919) {
        assert_eq!(sigv4rs_payload_hasher_update(&mut h, b(chunk)), S::Ok);
    }
    assert_eq!(
        sigv4rs_payload_hasher_update(
            &mut h,
            sigv4rs_bytes {
                ptr: std::ptr::null(),
                len: 0
            }
        ),
        S::Ok
    );
    assert_eq!(
        sigv4rs_payload_hasher_update(
            &mut h,
            sigv4rs_bytes {
                ptr: std::ptr::null(),
                len: 5
            }
        ),
        S::NullArgument
    );
    let mut out = [0xA5u8; 80];
    let mut len = 0;
    assert_eq!(
        sigv4rs_payload_hasher_finish(&mut h, out.as_mut_ptr(), 64, &mut len),
        S::BufferTooSmall
    );
    assert_eq!(len, 65);
    assert!(out.iter().all(|&c| c == 0xA5));
    assert_eq!(
        sigv4rs_payload_hasher_finish(&mut h, out.as_mut_ptr(), out.len(), std::ptr::null_mut()),
        S::NullArgument
    );
    assert_eq!(
        sigv4rs_payload_hasher_finish(&mut h, out.as_mut_ptr(), out.len(), &mut len),
        S::Ok
    );
    assert_eq!(len, 65);
    let want: String = sha2::Sha256::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(&out[..64], want.as_bytes());
    assert_eq!(out[64], 0);
    assert!(out[65..].iter().all(|&c| c == 0xA5));
    // Finished: must be initialized again.
    assert_eq!(sigv4rs_payload_hasher_update(&mut h, b(b"x")), S::NotInitialized);
    assert_eq!(
        sigv4rs_payload_hasher_finish(&mut h, out.as_mut_ptr(), out.len(), &mut len),
        S::NotInitialized
    );
}

#[test]
fn clock_and_environment() {
    assert_eq!(sigv4rs_unix_time_now(std::ptr::null_mut()), S::NullArgument);
    let mut now = 0i64;
    assert_eq!(sigv4rs_unix_time_now(&mut now), S::Ok);
    let sys = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - sys).abs() <= 2);

    // The only test that touches the environment.
    let mut out = std::ptr::null_mut();
    let region = b(b"us-east-1");
    let service = b(b"s3");
    unsafe {
        std::env::remove_var("AWS_ACCESS_KEY_ID");
        std::env::remove_var("AWS_SECRET_ACCESS_KEY");
        std::env::remove_var("AWS_SESSION_TOKEN");
    }
    assert_eq!(
        sigv4rs_signer_new_from_env(region, service, 0, &mut out),
        S::MissingCredentials
    );
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        std::env::set_var("AWS_SESSION_TOKEN", "bad token");
    }
    assert_eq!(
        sigv4rs_signer_new_from_env(region, service, 0, &mut out),
        S::InvalidSessionToken
    );
    unsafe { std::env::set_var("AWS_SESSION_TOKEN", "TOKEN") };
    assert_eq!(
        sigv4rs_signer_new_from_env(region, service, 0, std::ptr::null_mut()),
        S::NullArgument
    );
    assert_eq!(sigv4rs_signer_new_from_env(region, service, 0, &mut out), S::Ok);
    let req = request(b"GET", b"https://example.com/", &[]);
    let mut buf = vec![0u8; 1024];
    let mut len = 0;
    assert_eq!(
        sigv4rs_signer_sign_headers(out, &req, T, buf.as_mut_ptr(), buf.len(), &mut len),
        S::Ok
    );
    assert!(String::from_utf8_lossy(&buf[..len]).contains("X-Amz-Security-Token: TOKEN"));
    sigv4rs_signer_free(out);
    unsafe {
        std::env::remove_var("AWS_REGION");
        std::env::remove_var("AWS_DEFAULT_REGION");
    }
    assert_eq!(
        sigv4rs_signer_new_from_env(b(b""), service, 0, &mut out),
        S::MissingCredentials
    );
    unsafe { std::env::set_var("AWS_DEFAULT_REGION", "eu-west-1") };
    assert_eq!(sigv4rs_signer_new_from_env(b(b""), service, 0, &mut out), S::Ok);
    sigv4rs_signer_free(out);
}
