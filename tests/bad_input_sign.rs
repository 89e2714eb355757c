//! Bad input, `sign` family: `sigv4rs_signer_sign_headers`, `_presign`,
//! `_canonical_request` and `_string_to_sign` (header and query mode), with
//! an S3 signer and a plain one (see `tests/common/matrix.rs`).

mod common;

use common::matrix::*;
use common::requests::{Kind, base_request, run_request_capacities, run_request_cases};
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("sign", |m| {
    run_request_cases(m, &[Kind::Header, Kind::Query], true);
    run_request_capacities(m, &[Kind::Header, Kind::Query], true);
    run_auth_modes(m);
    run_locate(m);
    run_packed(m);
    run_credentials(m);
});

/// Signers without credentials (MISSING_CREDENTIALS) and with expired ones
/// (CREDENTIALS_EXPIRED, from the expiration on; OK one second before), in
/// every signing function of the family; nothing written on failure.
fn run_credentials(m: &mut Matrix) {
    type Debug =
        extern "C" fn(*const sigv4rs_signer, *const sigv4rs_request, i64, u32, u32, *mut u8, usize, *mut usize) -> S;
    let none = heap_signer(&sigv4rs_config {
        access_key_id: NULL0,
        secret_access_key: NULL0,
        session_token: NULL0,
        ..good_config()
    });
    let expiring = heap_signer(&sigv4rs_config {
        expiration: T + 60,
        ..good_config()
    });
    let req = base_request();
    let headers = sigv4rs_auth::Headers as u32;
    let presign = sigv4rs_auth::Presign as u32;
    // (label, signer, time, status).
    let cases = [
        ("no credentials", none, T, S::MissingCredentials),
        ("credentials expiring in 1 s", expiring, T + 59, S::Ok),
        (
            "credentials expired at the signing time",
            expiring,
            T + 60,
            S::CredentialsExpired,
        ),
        (
            "credentials expired a day before",
            expiring,
            T + 60 + 86_400,
            S::CredentialsExpired,
        ),
    ];
    for (what, signer, t, want) in cases {
        let r = call_out(Out::Cap(BIG), &|o, c, l| {
            sigv4rs_signer_sign_headers(signer, &req, t, o, c, l)
        });
        m.cell("sigv4rs_signer_sign_headers", what, want, r.status, r.problems);
        let r = call_out(Out::Cap(BIG), &|o, c, l| {
            sigv4rs_signer_presign(signer, &req, t, 60, o, c, l)
        });
        m.cell("sigv4rs_signer_presign", what, want, r.status, r.problems);
        for (func, f) in [
            (
                "sigv4rs_signer_canonical_request",
                sigv4rs_signer_canonical_request as Debug,
            ),
            ("sigv4rs_signer_string_to_sign", sigv4rs_signer_string_to_sign as Debug),
        ] {
            for (mode, auth, exp) in [("(headers) ", headers, 0), ("(presign) ", presign, 60)] {
                let r = call_out(Out::Cap(BIG), &|o, c, l| f(signer, &req, t, auth, exp, o, c, l));
                m.cell(func, &format!("{mode}{what}"), want, r.status, r.problems);
            }
        }
        // The packed form: method, url, host, path, query, payload spans.
        let data = b"GEThttps://h.example/p";
        let spans: [u32; 12] = [0, 3, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0];
        for (mode, auth, exp) in [("(headers) ", 0u32, 0u32), ("(presign) ", 1, 60)] {
            let mut out = vec![0xA5u8; 4096];
            let mut fields = vec![0xA5A5_A5A5u32; 64];
            let mut len = 7usize;
            let st = sigv4rs_signer_sign_packed(
                signer,
                data.as_ptr(),
                data.len(),
                spans.as_ptr(),
                spans.len(),
                0,
                t,
                auth,
                exp,
                out.as_mut_ptr(),
                out.len(),
                &mut len,
                fields.as_mut_ptr(),
                fields.len(),
            );
            let mut p = vec![];
            if st != S::Ok && (out.iter().any(|&b| b != 0xA5) || fields.iter().any(|&f| f != 0xA5A5_A5A5) || len != 7) {
                p.push(format!("output written on {}", name(st)));
            }
            m.cell("sigv4rs_signer_sign_packed", &format!("{mode}{what}"), want, st, p);
        }
    }
    sigv4rs_signer_free(none);
    sigv4rs_signer_free(expiring);
}

/// The debug outputs' `auth` argument: HEADERS takes no expiry, and no other
/// value than HEADERS and PRESIGN is a mode.
fn run_auth_modes(m: &mut Matrix) {
    type Debug =
        extern "C" fn(*const sigv4rs_signer, *const sigv4rs_request, i64, u32, u32, *mut u8, usize, *mut usize) -> S;
    let signer = heap_signer(&good_config());
    let req = base_request();
    let headers = sigv4rs_auth::Headers as u32;
    for (func, f) in [
        (
            "sigv4rs_signer_canonical_request",
            sigv4rs_signer_canonical_request as Debug,
        ),
        ("sigv4rs_signer_string_to_sign", sigv4rs_signer_string_to_sign as Debug),
    ] {
        for (what, auth, expires) in [
            ("auth HEADERS, expiry 60", headers, 60),
            ("auth 2", 2, 0),
            ("auth 2, expiry 60", 2, 60),
            ("auth u32::MAX", u32::MAX, 0),
        ] {
            let r = call_out(Out::Cap(BIG), &|o, c, l| f(signer, &req, T, auth, expires, o, c, l));
            m.cell(func, what, S::InvalidArgument, r.status, r.problems);
        }
    }
    sigv4rs_signer_free(signer);
}

/// `sigv4rs_request_locate` after a failing `sign_headers`: which input, the
/// header's index and the first bad byte, derived by hand per case.
fn run_locate(m: &mut Matrix) {
    const L: &str = "sigv4rs_request_locate";
    use sigv4rs_field as F;
    const NO: u32 = SIGV4RS_NO_OFFSET;
    let signer = heap_signer(&good_config());
    let with = |f: &dyn Fn(&mut sigv4rs_request)| {
        let mut r = base_request();
        f(&mut r);
        r
    };
    let headers = |h: Vec<sigv4rs_header>| leak_headers(h);
    // (what, request, sign_headers' status, (field, index, offset)).
    type Case = (&'static str, sigv4rs_request, S, (F, u32, u32));
    let cases: Vec<Case> = vec![
        (
            "method with a space",
            with(&|r| r.method = lb(b"GE T")),
            S::InvalidMethod,
            (F::Method, 0, 2),
        ),
        (
            "method empty",
            with(&|r| r.method = lb(b"")),
            S::InvalidMethod,
            (F::Method, 0, NO),
        ),
        (
            "method (NULL, 3)",
            with(&|r| r.method = null_n(3)),
            S::NullArgument,
            (F::Method, 0, NO),
        ),
        (
            "URL with LF",
            with(&|r| r.url = lb(b"https://h.example/a\nb")),
            S::InvalidUrl,
            (F::Url, 0, 19),
        ),
        (
            "URL with user info",
            with(&|r| r.url = lb(b"https://u@h.example/")),
            S::InvalidUrl,
            (F::Url, 0, 9),
        ),
        (
            "URL bad port",
            with(&|r| r.url = lb(b"https://h.example:99999/")),
            S::InvalidHost,
            (F::Url, 0, 8),
        ),
        (
            "URL query with DEL",
            with(&|r| r.url = lb(b"https://h.example/p?a=1&b=\x7f")),
            S::InvalidUrl,
            (F::Url, 0, 26),
        ),
        (
            "header 1 value with CR",
            with(&|r| (r.headers, r.headers_len) = headers(vec![hdr(b"A", b"ok"), hdr(b"X-Foo", b"ab\rc")])),
            S::InvalidHeaderValue,
            (F::HeaderValue, 1, 2),
        ),
        (
            "header 2 name with a colon",
            with(&|r| (r.headers, r.headers_len) = headers(vec![hdr(b"A", b"1"), hdr(b"B", b"2"), hdr(b"X:Y", b"3")])),
            S::InvalidHeaderName,
            (F::HeaderName, 2, 1),
        ),
        (
            "header 0 value (NULL, 2)",
            with(&|r| {
                (r.headers, r.headers_len) = headers(vec![sigv4rs_header {
                    name: lb(b"A"),
                    value: null_n(2),
                }])
            }),
            S::NullArgument,
            (F::HeaderValue, 0, NO),
        ),
        (
            "headers (NULL, 1)",
            with(&|r| (r.headers, r.headers_len) = (std::ptr::null(), 1)),
            S::NullArgument,
            (F::Headers, 0, NO),
        ),
        (
            "65 headers",
            with(&|r| (r.headers, r.headers_len) = headers(vec![hdr(b"A", b"1"); 65])),
            S::TooManyHeaders,
            (F::Headers, 0, NO),
        ),
        (
            "payload hash not hex",
            with(&|r| {
                r.payload_mode = sigv4rs_payload_mode::Sha256Hex as u32;
                r.payload = lb(&[&b"e3b0c442".repeat(7)[..], b"zzzzzzzz"].concat());
            }),
            S::InvalidPayloadHash,
            (F::Payload, 0, 56),
        ),
        (
            "payload mode 9",
            with(&|r| r.payload_mode = 9),
            S::InvalidArgument,
            (F::PayloadMode, 0, NO),
        ),
        (
            "parts: path with #",
            with(&|r| {
                r.url = lb(b"");
                r.host = lb(b"h.example");
                r.path = lb(b"/a#b");
            }),
            S::InvalidPath,
            (F::Path, 0, 2),
        ),
        (
            "parts: no host anywhere",
            with(&|r| {
                r.url = lb(b"");
                r.path = lb(b"/a");
                (r.headers, r.headers_len) = (std::ptr::null(), 0);
            }),
            S::MissingHost,
            (F::Host, 0, NO),
        ),
        (
            "parts: query with NUL",
            with(&|r| {
                r.url = lb(b"");
                r.host = lb(b"h.example");
                r.query = lb(b"a=\0");
            }),
            S::InvalidQuery,
            (F::Query, 0, 2),
        ),
    ];
    for (what, req, want, (field, index, offset)) in cases {
        let mut len = 0usize;
        let got = sigv4rs_signer_sign_headers(signer, &req, T, std::ptr::null_mut(), 0, &mut len);
        m.cell(
            "sigv4rs_signer_sign_headers",
            &format!("locate: {what}"),
            want,
            got,
            vec![],
        );
        let mut loc = sigv4rs_location {
            field: 99,
            index: 99,
            offset: 99,
        };
        let st = sigv4rs_request_locate(&req, got as u32, &mut loc);
        let wanted = sigv4rs_location {
            field: field as u32,
            index,
            offset,
        };
        let p = if loc == wanted {
            vec![]
        } else {
            vec![format!("located {loc:?}, want {wanted:?}")]
        };
        m.cell(L, what, S::Ok, st, p);
    }
    // Statuses about no input of the request, and the pointers.
    let req = base_request();
    for (what, code) in [("BUFFER_TOO_SMALL", 2u32), ("INVALID_TIME", 120), ("unknown code", 5)] {
        let mut loc = sigv4rs_location {
            field: 99,
            index: 0,
            offset: 0,
        };
        let st = sigv4rs_request_locate(&req, code, &mut loc);
        let p = if loc.field == F::None as u32 && loc.offset == NO {
            vec![]
        } else {
            vec![format!("located {loc:?}")]
        };
        m.cell(L, what, S::Ok, st, p);
    }
    let mut loc = sigv4rs_location {
        field: 0,
        index: 0,
        offset: 0,
    };
    m.cell(
        L,
        "request NULL",
        S::NullArgument,
        sigv4rs_request_locate(std::ptr::null(), 118, &mut loc),
        vec![],
    );
    m.cell(
        L,
        "out NULL",
        S::NullArgument,
        sigv4rs_request_locate(&req, 118, std::ptr::null_mut()),
        vec![],
    );
    sigv4rs_signer_free(signer);
}

/// `sigv4rs_signer_sign_packed`: spans that do not fit, NULLs, small
/// `fields`, modes; nothing written unless OK.
fn run_packed(m: &mut Matrix) {
    const P: &str = "sigv4rs_signer_sign_packed";
    let signer = heap_signer(&good_config());
    let data = b"GEThttps://h.example/pX-Ab".to_vec();
    // method, url, host, path, query, payload, then X-A: b.
    let good: Vec<u32> = vec![0, 3, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0, 22, 3, 25, 1];
    let bad_method = b"G\rThttps://h.example/pX-Ab";
    let call = |spans: &[u32], d: (*const u8, usize), auth: u32, exp: u32, fcap: usize, out_cap: usize| {
        let mut out = vec![0xA5u8; 4096];
        let mut fields = vec![0xA5A5_A5A5u32; 64];
        let mut len = 7usize;
        let st = sigv4rs_signer_sign_packed(
            signer,
            d.0,
            d.1,
            if spans.is_empty() {
                std::ptr::null()
            } else {
                spans.as_ptr()
            },
            spans.len(),
            0,
            T,
            auth,
            exp,
            if out_cap == 0 {
                std::ptr::null_mut()
            } else {
                out.as_mut_ptr()
            },
            out_cap,
            &mut len,
            fields.as_mut_ptr(),
            fcap,
        );
        let mut p = vec![];
        if st != S::Ok && out.iter().any(|&b| b != 0xA5) {
            p.push("output written on failure".to_string());
        }
        if st != S::Ok && fields.iter().any(|&f| f != 0xA5A5_A5A5) {
            p.push("fields written on failure".to_string());
        }
        if st == S::Ok && auth == 0 {
            let n = fields[0] as usize;
            let text = &out[..len];
            let last = &fields[1 + 4 * (n - 1)..5 + 4 * (n - 1)];
            let name = &text[last[0] as usize..(last[0] + last[1]) as usize];
            // One entry per NUL-terminated line, Authorization last.
            if n != text.iter().filter(|&&b| b == 0).count() || name != b"Authorization" {
                p.push(format!("{n} lines, last named {:?}", String::from_utf8_lossy(name)));
            }
        }
        (st, p)
    };
    let d = (data.as_ptr(), data.len());
    let fl = SIGV4RS_PACKED_FIELDS_LEN;
    // (what, spans, data, auth, expires, fields_cap, out_cap, status).
    type Case = (&'static str, Vec<u32>, (*const u8, usize), u32, u32, usize, usize, S);
    let cases: Vec<Case> = vec![
        ("ok", good.clone(), d, 0, 0, fl, 4096, S::Ok),
        ("ok presign", good.clone(), d, 1, 60, fl, 4096, S::Ok),
        ("size query", good.clone(), d, 0, 0, fl, 0, S::BufferTooSmall),
        ("spans empty", vec![], d, 0, 0, fl, 4096, S::InvalidArgument),
        ("spans odd", good[..13].to_vec(), d, 0, 0, fl, 4096, S::InvalidArgument),
        (
            "half a header",
            good[..14].to_vec(),
            d,
            0,
            0,
            fl,
            4096,
            S::InvalidArgument,
        ),
        (
            "span past data",
            [&good[..15], &[2]].concat(),
            d,
            0,
            0,
            fl,
            4096,
            S::InvalidArgument,
        ),
        (
            "span offset overflow",
            [&good[..14], &[u32::MAX, 1]].concat(),
            d,
            0,
            0,
            fl,
            4096,
            S::InvalidArgument,
        ),
        (
            "data (NULL, n)",
            good.clone(),
            (std::ptr::null(), 28),
            0,
            0,
            fl,
            4096,
            S::NullArgument,
        ),
        (
            "fields too small",
            good.clone(),
            d,
            0,
            0,
            fl - 1,
            4096,
            S::InvalidArgument,
        ),
        ("auth 2", good.clone(), d, 2, 0, fl, 4096, S::InvalidArgument),
        (
            "headers with expiry",
            good.clone(),
            d,
            0,
            60,
            fl,
            4096,
            S::InvalidArgument,
        ),
        ("presign expiry 0", good.clone(), d, 1, 0, fl, 4096, S::InvalidExpires),
        (
            "65 headers",
            [&good[..12], &[24, 3, 27, 1].repeat(65)].concat(),
            d,
            0,
            0,
            fl,
            4096,
            S::TooManyHeaders,
        ),
        (
            "method with CR",
            good.clone(),
            (bad_method.as_ptr(), bad_method.len()),
            0,
            0,
            fl,
            4096,
            S::InvalidMethod,
        ),
    ];
    for (what, spans, d, auth, exp, fcap, cap, want) in cases {
        let (st, p) = call(&spans, d, auth, exp, fcap, cap);
        m.cell(P, what, want, st, p);
    }
    let mut len = 0usize;
    let null_signer = sigv4rs_signer_sign_packed(
        std::ptr::null(),
        d.0,
        d.1,
        good.as_ptr(),
        good.len(),
        0,
        T,
        0,
        0,
        std::ptr::null_mut(),
        0,
        &mut len,
        std::ptr::null_mut(),
        0,
    );
    m.cell(P, "signer NULL", S::NullArgument, null_signer, vec![]);
    sigv4rs_signer_free(signer);
}
