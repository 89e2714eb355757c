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
});

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
