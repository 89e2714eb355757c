//! Bad input, `verify` family: `sigv4rs_verify` (see `tests/common/matrix.rs`),
//! and its C-side contract: the lookup callback's statuses, the result
//! struct, the canonical request's size query. The request is the official
//! suite's get-vanilla as signed by AWS. The body verifier
//! (`sigv4rs_body_verifier_*`) on the AWS S3 documentation's chunked upload.

mod common;

use std::ffi::c_void;

use common::b;
use common::matrix::*;
use common::upload::{DOC_AKID, DOC_SECRET, DOC_TIME, DOC_URL, doc_requests};
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("verify", |m| {
    run_verify(m);
    run_body(m);
});

const V: &str = "sigv4rs_verify";
const SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// What the test lookup does, by `user`.
#[derive(Clone, Copy)]
enum Lookup {
    Found,
    Returns(S),
    SecretLen(usize),
    TokenLen(usize),
}

unsafe extern "C" fn lookup(
    user: *mut c_void,
    akid: *const u8,
    akid_len: usize,
    secret: *mut u8,
    secret_cap: usize,
    secret_len: *mut usize,
    token: *mut u8,
    token_cap: usize,
    token_len: *mut usize,
) -> sigv4rs_status {
    let how = unsafe { *(user as *const Lookup) };
    let akid = unsafe { std::slice::from_raw_parts(akid, akid_len) };
    assert_eq!(secret_cap, SIGV4RS_MAX_SECRET_KEY_LEN);
    assert_eq!(token_cap, SIGV4RS_MAX_SESSION_TOKEN_LEN);
    if akid != b"AKIDEXAMPLE" {
        return S::UnknownAccessKey;
    }
    unsafe { std::ptr::copy_nonoverlapping(SECRET.as_ptr(), secret, SECRET.len()) };
    unsafe { *secret_len = SECRET.len() };
    let _ = token;
    match how {
        Lookup::Found => S::Ok,
        Lookup::Returns(st) => st,
        Lookup::SecretLen(n) => {
            unsafe { *secret_len = n };
            S::Ok
        }
        Lookup::TokenLen(n) => {
            unsafe { *token_len = n };
            S::Ok
        }
    }
}

fn config(how: &Lookup) -> sigv4rs_verifier_config {
    sigv4rs_verifier_config {
        region: b(b"us-east-1"),
        service: b(b"service"),
        flags: 0,
        skip: 0,
        max_skew: 0,
        lookup: Some(lookup),
        lookup_user: how as *const Lookup as *mut c_void,
    }
}

fn auth() -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature={SIG}"
    )
}

fn headers(auth: &str) -> Vec<sigv4rs_header> {
    vec![
        hdr(b"Host", b"example.amazonaws.com"),
        hdr(b"X-Amz-Date", b"20150830T123600Z"),
        hdr(b"Authorization", auth.as_bytes()),
    ]
}

fn request(h: &[sigv4rs_header]) -> sigv4rs_request {
    sigv4rs_request {
        method: b(b"GET"),
        url: NULL0,
        host: NULL0,
        path: b(b"/"),
        query: NULL0,
        headers: h.as_ptr(),
        headers_len: h.len(),
        payload_mode: 1,
        payload: NULL0,
    }
}

fn blank() -> sigv4rs_verify_result {
    unsafe { std::mem::transmute([0xA5u8; std::mem::size_of::<sigv4rs_verify_result>()]) }
}

/// One call; the result must be written in full (no canary byte left) but
/// for a NULL `result`.
fn call(m: &mut Matrix, what: &str, c: *const sigv4rs_verifier_config, r: *const sigv4rs_request, t: i64, want: S) {
    let mut res = blank();
    let got = sigv4rs_verify(c, r, t, &mut res, std::ptr::null_mut(), 0);
    let mut problems = vec![];
    let zero_tail = |a: &[u8], n: usize| a[n..].iter().all(|&x| x == 0);
    if res.form == 0xA5A5_A5A5
        || !zero_tail(&res.access_key_id, res.access_key_id_len)
        || !zero_tail(&res.signed_headers, res.signed_headers_len)
    {
        problems.push("result not written in full".into());
    }
    m.cell(V, what, want, got, problems);
}

fn run_verify(m: &mut Matrix) {
    let found = Lookup::Found;
    let cfg = config(&found);
    let a = auth();
    let h = headers(&a);
    let req = request(&h);
    call(m, "valid", &cfg, &req, T, S::Ok);

    // Pointers.
    call(m, "config NULL", std::ptr::null(), &req, T, S::NullArgument);
    call(m, "request NULL", &cfg, std::ptr::null(), T, S::NullArgument);
    let got = sigv4rs_verify(&cfg, &req, T, std::ptr::null_mut(), std::ptr::null_mut(), 0);
    m.cell(V, "result NULL", S::NullArgument, got, vec![]);
    let mut res = blank();
    let got = sigv4rs_verify(&cfg, &req, T, &mut res, std::ptr::null_mut(), 5);
    m.cell(V, "canonical_request NULL, cap 5", S::NullArgument, got, vec![]);
    let c = sigv4rs_verifier_config { lookup: None, ..cfg };
    call(m, "lookup NULL", &c, &req, T, S::NullArgument);
    for (what, region, want) in [
        ("region (NULL, 3)", null_n(3), S::NullArgument),
        ("region empty", NULL0, S::InvalidRegion),
        ("region with space", b(b"us east"), S::InvalidRegion),
        ("region len SIZE_MAX", huge(usize::MAX), S::InvalidArgument),
    ] {
        let c = sigv4rs_verifier_config { region, ..cfg };
        call(m, what, &c, &req, T, want);
    }
    let c = sigv4rs_verifier_config {
        service: b(b"s/3"),
        ..cfg
    };
    call(m, "service with /", &c, &req, T, S::InvalidService);
    for (what, flags, skip) in [
        ("flags SIGV4A", 64, 0),
        ("flags CONTENT_SHA256_HEADER", SIGV4RS_FLAG_CONTENT_SHA256_HEADER, 0),
        ("flags bit 31", 1 << 31, 0),
        ("skip bit 6", 0, 64),
    ] {
        let c = sigv4rs_verifier_config { flags, skip, ..cfg };
        call(m, what, &c, &req, T, S::InvalidArgument);
    }
    for t in [-1, SIGV4RS_MAX_UNIX_TIME + 1, i64::MIN] {
        call(m, &format!("time {t}"), &cfg, &req, t, S::InvalidTime);
    }

    // The request's own errors.
    let r = sigv4rs_request {
        method: b(b"G T"),
        ..req
    };
    call(m, "method with space", &cfg, &r, T, S::InvalidMethod);
    let r = sigv4rs_request { headers_len: 65, ..req };
    call(m, "headers_len 65", &cfg, &r, T, S::TooManyHeaders);
    let r = sigv4rs_request {
        headers: std::ptr::null(),
        ..req
    };
    call(m, "headers (NULL, 3)", &cfg, &r, T, S::NullArgument);
    let r = sigv4rs_request { payload_mode: 9, ..req };
    call(m, "payload mode 9", &cfg, &r, T, S::InvalidArgument);
    let r = sigv4rs_request {
        payload_mode: 2,
        payload: b(b"zz"),
        ..req
    };
    call(m, "payload hash zz", &cfg, &r, T, S::InvalidPayloadHash);
    let r = sigv4rs_request {
        path: b(b"/a#b"),
        ..req
    };
    call(m, "path with #", &cfg, &r, T, S::InvalidPath);
    let mut hh = h.clone();
    hh.push(hdr(b"X-Other", b"a\r\nb"));
    let r = request(&hh);
    call(m, "header value with CR LF", &cfg, &r, T, S::InvalidHeaderValue);
    let mut hh = h.clone();
    hh.push(hdr(b"", b"x"));
    let r = request(&hh);
    call(m, "header name empty", &cfg, &r, T, S::InvalidHeaderName);
    let long = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;{}, Signature={SIG}",
        "x".repeat(1100)
    );
    let hh = headers(&long);
    call(
        m,
        "signed headers over the maximum",
        &cfg,
        &request(&hh),
        T,
        S::InputTooLong,
    );

    // Verification statuses.
    let with_auth = |m: &mut Matrix, what: &str, a: &str, t: i64, want: S| {
        let hh = headers(a);
        call(m, what, &cfg, &request(&hh), t, want);
    };
    let sh = "SignedHeaders=host;x-amz-date";
    let cred = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
    with_auth(
        m,
        "algorithm AWS4-HMAC-SHA1",
        &a.replace("SHA256", "SHA1"),
        T,
        S::UnsupportedAlgorithm,
    );
    with_auth(
        m,
        "no Signature",
        &format!("AWS4-HMAC-SHA256 {cred}, {sh}"),
        T,
        S::MalformedAuthorization,
    );
    with_auth(
        m,
        "credential short",
        &a.replace("/aws4_request", ""),
        T,
        S::MalformedCredential,
    );
    with_auth(
        m,
        "signed headers unsorted",
        &a.replace("host;x-amz-date", "x-amz-date;host"),
        T,
        S::MalformedSignedHeaders,
    );
    with_auth(
        m,
        "signature upper case",
        &a.replace(SIG, &SIG.to_uppercase()),
        T,
        S::MalformedSignature,
    );
    with_auth(
        m,
        "scope date",
        &a.replace("20150830", "20150831"),
        T,
        S::DateScopeMismatch,
    );
    with_auth(m, "time +1 h", &a, T + 3600, S::ClockSkew);
    with_auth(m, "region", &a.replace("us-east-1", "us-west-2"), T, S::WrongRegion);
    with_auth(m, "service", &a.replace("/service/", "/s3/"), T, S::WrongService);
    with_auth(
        m,
        "host unsigned",
        &a.replace("host;x-amz-date", "x-amz-date"),
        T,
        S::UnsignedHeader,
    );
    with_auth(
        m,
        "signed header absent",
        &a.replace("host;x-amz-date", "host;x-amz-date;x-zz"),
        T,
        S::SignedHeaderMissing,
    );
    with_auth(
        m,
        "unknown key",
        &a.replace("AKIDEXAMPLE", "AKIDOTHER"),
        T,
        S::UnknownAccessKey,
    );
    with_auth(
        m,
        "signature tampered",
        &a.replace("5fa00", "5fa01"),
        T,
        S::SignatureMismatch,
    );
    let hh = vec![hdr(b"Host", b"example.amazonaws.com")];
    call(m, "no authorization", &cfg, &request(&hh), T, S::MissingAuthorization);
    let mut hh = headers(&a);
    hh.push(hdr(b"authorization", a.as_bytes()));
    call(
        m,
        "two Authorization headers",
        &cfg,
        &request(&hh),
        T,
        S::AmbiguousAuthorization,
    );
    let hh = vec![
        hdr(b"Host", b"example.amazonaws.com"),
        hdr(b"Authorization", a.as_bytes()),
    ];
    call(m, "no X-Amz-Date", &cfg, &request(&hh), T, S::MissingDate);
    let hh = vec![
        hdr(b"Host", b"example.amazonaws.com"),
        hdr(b"X-Amz-Date", b"20150830T253600Z"),
        hdr(b"Authorization", a.as_bytes()),
    ];
    call(m, "X-Amz-Date hour 25", &cfg, &request(&hh), T, S::MalformedDate);
    let r = sigv4rs_request { payload_mode: 3, ..req };
    call(m, "payload unsigned (not at hand)", &cfg, &r, T, S::PayloadRequired);
    let with_sha = |m: &mut Matrix, what: &str, v: &[u8], body: &[u8], want: S| {
        let a2 = a.replace("host;x-amz-date", "host;x-amz-content-sha256;x-amz-date");
        let mut hh = headers(&a2);
        hh.push(hdr(b"x-amz-content-sha256", v));
        let r = sigv4rs_request {
            payload: b(body),
            ..request(&hh)
        };
        call(m, what, &cfg, &r, T, want);
    };
    let empty_sha = b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    with_sha(m, "content sha256 of another body", empty_sha, b"x", S::PayloadMismatch);
    with_sha(m, "content sha256 not hex", b"xyz", b"", S::InvalidContentSha256);
    with_sha(
        m,
        "content sha256 STREAMING",
        b"STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        b"",
        S::StreamingUnsupported,
    );
    let mut hh = headers(&a.replace("host;x-amz-date", "host;x-amz-date;x-amz-security-token"));
    hh.push(hdr(b"X-Amz-Security-Token", b"TOKEN"));
    call(m, "token the key lacks", &cfg, &request(&hh), T, S::TokenMismatch);
    // Presigned query.
    let q = |query: &str| sigv4rs_request {
        query: lb(query.as_bytes()),
        headers: h.as_ptr(),
        headers_len: 1,
        ..req
    };
    let presigned = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d";
    call(m, "presigned", &cfg, &q(presigned), T, S::Ok);
    call(m, "presigned expired", &cfg, &q(presigned), T + 3601, S::RequestExpired);
    call(
        m,
        "presigned expires 0",
        &cfg,
        &q(&presigned.replace("Expires=3600", "Expires=0")),
        T,
        S::InvalidExpires,
    );
    call(
        m,
        "presigned without date",
        &cfg,
        &q(&presigned.replace("X-Amz-Date=20150830T123600Z&", "")),
        T,
        S::MalformedQueryAuth,
    );
    let r = q(presigned);
    let hh = headers(&a);
    let r = sigv4rs_request {
        headers: hh.as_ptr(),
        headers_len: 3,
        ..r
    };
    call(m, "presigned and Authorization", &cfg, &r, T, S::AmbiguousAuthorization);

    // The lookup's statuses and lengths.
    for (what, how, want) in [
        (
            "lookup returns LOOKUP_FAILED",
            Lookup::Returns(S::LookupFailed),
            S::LookupFailed,
        ),
        ("lookup returns BUSY", Lookup::Returns(S::Busy), S::LookupFailed),
        (
            "lookup returns UNKNOWN_ACCESS_KEY",
            Lookup::Returns(S::UnknownAccessKey),
            S::UnknownAccessKey,
        ),
        ("lookup secret_len 0", Lookup::SecretLen(0), S::LookupFailed),
        (
            "lookup secret_len cap + 1",
            Lookup::SecretLen(SIGV4RS_MAX_SECRET_KEY_LEN + 1),
            S::LookupFailed,
        ),
        (
            "lookup token_len cap + 1",
            Lookup::TokenLen(SIGV4RS_MAX_SESSION_TOKEN_LEN + 1),
            S::LookupFailed,
        ),
        ("lookup token the request lacks", Lookup::TokenLen(3), S::TokenMismatch),
    ] {
        let c = config(&how);
        call(m, what, &c, &req, T, want);
    }

    // A C lookup may return any number: read as a u32, no undefined
    // behaviour (not under Miri, which checks the declared return type).
    #[cfg(not(miri))]
    {
        unsafe extern "C" fn odd(
            _: *mut c_void,
            _: *const u8,
            _: usize,
            _: *mut u8,
            _: usize,
            _: *mut usize,
            _: *mut u8,
            _: usize,
            _: *mut usize,
        ) -> u32 {
            12345
        }
        type F = unsafe extern "C" fn(
            *mut c_void,
            *const u8,
            usize,
            *mut u8,
            usize,
            *mut usize,
            *mut u8,
            usize,
            *mut usize,
        ) -> sigv4rs_status;
        let c = sigv4rs_verifier_config {
            lookup: Some(unsafe { std::mem::transmute::<*const (), F>(odd as *const ()) }),
            ..cfg
        };
        call(m, "lookup returns 12345", &c, &req, T, S::LookupFailed);
    }

    // The result and the canonical request's size query.
    let mut res = blank();
    let st = sigv4rs_verify(&cfg, &req, T, &mut res, std::ptr::null_mut(), 0);
    let want_creq = b"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\0";
    let mut problems = vec![];
    if res.canonical_request_len != want_creq.len() {
        problems.push(format!("canonical_request_len {}", res.canonical_request_len));
    }
    if (res.form, res.expires, res.signed_at) != (SIGV4RS_VERIFY_FORM_HEADER, 0, T)
        || &res.access_key_id[..res.access_key_id_len] != b"AKIDEXAMPLE"
        || &res.region[..res.region_len] != b"us-east-1"
        || &res.service[..res.service_len] != b"service"
        || &res.signed_headers[..res.signed_headers_len] != b"host;x-amz-date"
    {
        problems.push("result fields".into());
    }
    m.cell(V, "size query", S::Ok, st, problems);
    for cap in [want_creq.len() - 1, want_creq.len()] {
        let mut buf = vec![CANARY; cap + 16];
        let st = sigv4rs_verify(&cfg, &req, T, &mut res, buf.as_mut_ptr(), cap);
        let mut problems = vec![];
        if cap < want_creq.len() && buf.iter().any(|&x| x != CANARY) {
            problems.push("wrote into a short buffer".into());
        }
        if cap == want_creq.len() && (&buf[..cap] != want_creq || buf[cap..].iter().any(|&x| x != CANARY)) {
            problems.push(format!("canonical request {:?}", String::from_utf8_lossy(&buf)));
        }
        m.cell(V, &format!("canonical request cap {cap}"), S::Ok, st, problems);
    }
    // A rejected request still reports who it claimed to be, and its
    // canonical request (a debug log's use).
    let a2 = a.replace("5fa00", "5fa01");
    let hh = headers(&a2);
    let mut buf = vec![CANARY; 512];
    let st = sigv4rs_verify(&cfg, &request(&hh), T, &mut res, buf.as_mut_ptr(), buf.len());
    let mut problems = vec![];
    if &res.access_key_id[..res.access_key_id_len] != b"AKIDEXAMPLE" || &buf[..want_creq.len()] != want_creq {
        problems.push("rejected request's result".into());
    }
    m.cell(V, "signature mismatch reports", S::SignatureMismatch, st, problems);
}

const BEGIN: &str = "sigv4rs_body_verifier_begin";
const UPDATE: &str = "sigv4rs_body_verifier_update";
const FINISH: &str = "sigv4rs_body_verifier_finish";

unsafe extern "C" fn doc_lookup(
    _user: *mut c_void,
    akid: *const u8,
    akid_len: usize,
    secret: *mut u8,
    _secret_cap: usize,
    secret_len: *mut usize,
    _token: *mut u8,
    _token_cap: usize,
    _token_len: *mut usize,
) -> sigv4rs_status {
    unsafe {
        if std::slice::from_raw_parts(akid, akid_len) != DOC_AKID.as_bytes() {
            return S::UnknownAccessKey;
        }
        std::ptr::copy_nonoverlapping(DOC_SECRET.as_ptr(), secret, DOC_SECRET.len());
        *secret_len = DOC_SECRET.len();
    }
    S::Ok
}

fn fresh() -> sigv4rs_body_verifier {
    sigv4rs_body_verifier {
        _opaque: [0; SIGV4RS_BODY_VERIFIER_SIZE / 8],
    }
}

/// The body verifier: the documentation's upload (S3), its pieces.
fn run_body(m: &mut Matrix) {
    let cfg = sigv4rs_verifier_config {
        region: b(b"us-east-1"),
        service: b(b"s3"),
        flags: SIGV4RS_FLAG_S3,
        skip: 0,
        max_skew: 0,
        lookup: Some(doc_lookup),
        lookup_user: std::ptr::null_mut(),
    };
    let (doc_h, body) = doc_requests().remove(0);
    let pairs: Vec<sigv4rs_header> = doc_h.iter().map(|(n, v)| hdr(n.as_bytes(), v.as_bytes())).collect();
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(DOC_URL.as_bytes()),
        host: NULL0,
        path: NULL0,
        query: NULL0,
        headers: pairs.as_ptr(),
        headers_len: pairs.len(),
        payload_mode: 0,
        payload: NULL0,
    };
    let begin = |m: &mut Matrix,
                 what: &str,
                 c: *const sigv4rs_verifier_config,
                 r: &sigv4rs_request,
                 t: i64,
                 st: *mut sigv4rs_body_verifier,
                 want: S| {
        let mut res = blank();
        let got = sigv4rs_body_verifier_begin(c, r, t, &mut res, std::ptr::null_mut(), 0, st);
        let problems = if res.form == 0xA5A5_A5A5 {
            vec!["result not written".to_string()]
        } else {
            vec![]
        };
        m.cell(BEGIN, what, want, got, problems);
    };
    let mut st = fresh();
    begin(m, "valid", &cfg, &req, DOC_TIME, &mut st, S::Ok);
    begin(
        m,
        "body NULL",
        &cfg,
        &req,
        DOC_TIME,
        std::ptr::null_mut(),
        S::NullArgument,
    );
    begin(
        m,
        "config NULL",
        std::ptr::null(),
        &req,
        DOC_TIME,
        &mut fresh(),
        S::NullArgument,
    );
    let got = sigv4rs_body_verifier_begin(
        &cfg,
        &req,
        DOC_TIME,
        std::ptr::null_mut(),
        std::ptr::null_mut(),
        0,
        &mut fresh(),
    );
    m.cell(BEGIN, "result NULL", S::NullArgument, got, vec![]);
    begin(
        m,
        "an hour late",
        &cfg,
        &req,
        DOC_TIME + 3600,
        &mut fresh(),
        S::ClockSkew,
    );
    let mut cr = pairs.clone();
    cr.push(hdr(b"X-Other", b"x\r\nX-Injected: 1"));
    let r2 = sigv4rs_request {
        headers: cr.as_ptr(),
        headers_len: cr.len(),
        ..req
    };
    begin(
        m,
        "CR LF in a header value",
        &cfg,
        &r2,
        DOC_TIME,
        &mut fresh(),
        S::InvalidHeaderValue,
    );
    let mut utf = pairs.clone();
    utf.push(hdr(b"X-Other", b"\xff\xfe"));
    let r2 = sigv4rs_request {
        headers: utf.as_ptr(),
        headers_len: utf.len(),
        ..req
    };
    begin(m, "unsigned header not UTF-8", &cfg, &r2, DOC_TIME, &mut fresh(), S::Ok);
    let r2 = sigv4rs_request { headers_len: 65, ..req };
    begin(
        m,
        "headers_len 65",
        &cfg,
        &r2,
        DOC_TIME,
        &mut fresh(),
        S::TooManyHeaders,
    );
    // get-vanilla: another service signs the empty body's hash unannounced.
    let a = auth();
    let h = headers(&a);
    let found = Lookup::Found;
    begin(
        m,
        "body hash not announced",
        &config(&found),
        &request(&h),
        T,
        &mut fresh(),
        S::PayloadRequired,
    );

    // Pieces of the body.
    let update = |m: &mut Matrix, what: &str, st: *mut sigv4rs_body_verifier, data: *mut u8, len: usize, want: S| {
        let mut n = usize::MAX;
        let got = sigv4rs_body_verifier_update(st, data, len, &mut n);
        let problems = if n > len && !(n == usize::MAX && got == S::NullArgument && st.is_null()) && n != 0 {
            vec![format!("decoded_len {n}")]
        } else {
            vec![]
        };
        m.cell(UPDATE, what, want, got, problems);
    };
    let mut one = *b"1";
    update(
        m,
        "state NULL",
        std::ptr::null_mut(),
        one.as_mut_ptr(),
        1,
        S::NullArgument,
    );
    update(m, "never begun", &mut fresh(), one.as_mut_ptr(), 1, S::NotInitialized);
    let mut junk = sigv4rs_body_verifier {
        _opaque: [u64::MAX; SIGV4RS_BODY_VERIFIER_SIZE / 8],
    };
    update(
        m,
        "state of 0xFF bytes",
        &mut junk,
        one.as_mut_ptr(),
        1,
        S::NotInitialized,
    );
    update(m, "data (NULL, 1)", &mut st, std::ptr::null_mut(), 1, S::NullArgument);
    update(
        m,
        "len SIZE_MAX",
        &mut st,
        one.as_mut_ptr(),
        usize::MAX,
        S::InvalidArgument,
    );
    let mut n = 0;
    let got = sigv4rs_body_verifier_update(&mut st, one.as_mut_ptr(), 1, std::ptr::null_mut());
    m.cell(UPDATE, "decoded_len NULL", S::NullArgument, got, vec![]);
    update(m, "(NULL, 0)", &mut st, std::ptr::null_mut(), 0, S::Ok);
    let mut all = body.clone();
    let got = sigv4rs_body_verifier_update(&mut st, all.as_mut_ptr(), all.len(), &mut n);
    let problems = if n != 66_560 || all[..n].iter().any(|&c| c != b'a') {
        vec![format!("decoded {n}")]
    } else {
        vec![]
    };
    m.cell(UPDATE, "the whole body", S::Ok, got, problems);
    update(
        m,
        "a byte after the end",
        &mut st,
        one.as_mut_ptr(),
        1,
        S::MalformedChunk,
    );
    update(
        m,
        "again after a failure",
        &mut st,
        one.as_mut_ptr(),
        1,
        S::MalformedChunk,
    );
    m.cell(
        FINISH,
        "after a failed update",
        S::MalformedChunk,
        sigv4rs_body_verifier_finish(&mut st),
        vec![],
    );
    m.cell(
        FINISH,
        "spent",
        S::NotInitialized,
        sigv4rs_body_verifier_finish(&mut st),
        vec![],
    );
    m.cell(
        FINISH,
        "NULL",
        S::NullArgument,
        sigv4rs_body_verifier_finish(std::ptr::null_mut()),
        vec![],
    );
    m.cell(
        FINISH,
        "never begun",
        S::NotInitialized,
        sigv4rs_body_verifier_finish(&mut fresh()),
        vec![],
    );
    let mut st = fresh();
    begin(m, "valid again", &cfg, &req, DOC_TIME, &mut st, S::Ok);
    m.cell(
        FINISH,
        "before the body",
        S::IncompletePayload,
        sigv4rs_body_verifier_finish(&mut st),
        vec![],
    );
    let mut st = fresh();
    begin(m, "valid, then the body whole", &cfg, &req, DOC_TIME, &mut st, S::Ok);
    let mut all = body.clone();
    sigv4rs_body_verifier_update(&mut st, all.as_mut_ptr(), all.len(), &mut n);
    m.cell(
        FINISH,
        "after the body",
        S::Ok,
        sigv4rs_body_verifier_finish(&mut st),
        vec![],
    );

    // Framing: each malformation on a fresh state.
    let sig = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
    for (what, bytes, want) in [
        (
            "size not hex",
            format!("1z000;chunk-signature={sig}\r\n"),
            S::MalformedChunk,
        ),
        ("no signature", "10000\r\n".to_string(), S::MalformedChunk),
        (
            "LF without CR",
            format!("10000;chunk-signature={sig}\n"),
            S::MalformedChunk,
        ),
        ("line of 200 digits", "1".repeat(200), S::MalformedChunk),
        (
            "size over the declared length",
            format!("20000;chunk-signature={sig}\r\n"),
            S::DecodedLengthMismatch,
        ),
        (
            "size 17 digits",
            format!("00000000000010000;chunk-signature={sig}\r\n"),
            S::MalformedChunk,
        ),
        (
            "upper-case signature",
            format!("10000;chunk-signature={}\r\n", sig.to_uppercase()),
            S::MalformedChunk,
        ),
        (
            "chunk of 1 KiB first",
            format!("400;chunk-signature={sig}\r\n"),
            S::ChunkTooSmall,
        ),
        (
            "final chunk first",
            format!("0;chunk-signature={sig}\r\n"),
            S::DecodedLengthMismatch,
        ),
    ] {
        let mut st = fresh();
        let mut res = blank();
        sigv4rs_body_verifier_begin(&cfg, &req, DOC_TIME, &mut res, std::ptr::null_mut(), 0, &mut st);
        let mut v = bytes.into_bytes();
        update(m, what, &mut st, v.as_mut_ptr(), v.len(), want);
    }
    let mut st = fresh();
    let mut res = blank();
    sigv4rs_body_verifier_begin(&cfg, &req, DOC_TIME, &mut res, std::ptr::null_mut(), 0, &mut st);
    let mut v = body.clone();
    v[200] ^= 1;
    update(
        m,
        "a data byte changed",
        &mut st,
        v.as_mut_ptr(),
        v.len(),
        S::ChunkSignatureMismatch,
    );
}
