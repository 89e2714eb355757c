//! One test per canonicalization rule the official suite does not cover
//! (S3 rules, payload modes, session-token modes, host and port, unsigned
//! headers), through the Rust API. Expected strings are written by hand
//! from the AWS SigV4 documentation.

use sigv4rs::sign::{Config, Error, Flags, HeaderList, Mode, Payload, Request, Signer, Target};

const T: i64 = 1_440_938_160;
const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn signer(flags: u32, token: &str, unsigned: &[&[u8]]) -> Signer {
    Signer::new(&Config {
        access_key_id: b"AKIDEXAMPLE",
        secret_access_key: b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token: token.as_bytes(),
        expiration: None,
        region: b"us-east-1",
        service: b"s3",
        flags,
        unsigned_headers: &unsigned,
    })
    .unwrap()
}

fn text(r: Result<usize, Error>, buf: &[u8]) -> String {
    let n = r.unwrap();
    String::from_utf8(buf[..n - 1].to_vec()).unwrap()
}

fn creq(s: &Signer, req: &Request<'_>, mode: Mode) -> String {
    let mut buf = vec![0u8; 8192];
    text(s.canonical_request(req, T, mode, &mut buf), &buf)
}

fn headers(s: &Signer, req: &Request<'_>) -> Vec<String> {
    let mut buf = vec![0u8; 8192];
    let n = s.sign_headers(req, T, &mut buf).unwrap();
    buf[..n - 1]
        .split(|&c| c == 0)
        .map(|e| String::from_utf8(e.to_vec()).unwrap())
        .collect()
}

fn presign(s: &Signer, req: &Request<'_>, e: u32) -> String {
    let mut buf = vec![0u8; 8192];
    text(s.presign(req, T, e, &mut buf), &buf)
}

const NONE: [(&[u8], &[u8]); 0] = [];

fn get<'a>(url: &'a str, hs: &'a dyn HeaderList) -> Request<'a> {
    Request {
        method: b"GET",
        target: Target::parse_url(url.as_bytes()).unwrap(),
        headers: hs,
        payload: Payload::Auto(b""),
    }
}

#[test]
fn s3_path_is_encoded_once_and_not_normalized() {
    let s = signer(Flags::S3, "", &[]);
    let cases = [
        ("/my%20file%2Bv1.txt", "/my%20file%2Bv1.txt"),
        ("/a b/ü", "/a%20b/%C3%BC"),
        ("/a/../b//c/./d", "/a/../b//c/./d"),
        ("/k%2fx%7e", "/k%2Fx~"),
        ("/a$b@c", "/a%24b%40c"),
        ("", "/"),
    ];
    for (path, want) in cases {
        let url = format!("https://examplebucket.s3.amazonaws.com{path}");
        let c = creq(&s, &get(&url, &NONE), Mode::Headers);
        assert_eq!(c.lines().nth(1).unwrap(), want, "{path}");
    }
}

#[test]
fn non_s3_path_is_normalized_and_encoded_again() {
    for (flags, want) in [
        (0, "/b/c%2520d"),
        (Flags::NO_PATH_NORMALIZATION, "/a/../b//c%2520d"),
        (Flags::SINGLE_ENCODE_PATH, "/b/c%20d"),
    ] {
        let s = Signer::new(&Config {
            service: b"es",
            ..cfg(flags)
        })
        .unwrap();
        let c = creq(&s, &get("https://h.example/a/../b//c%20d", &NONE), Mode::Headers);
        assert_eq!(c.lines().nth(1).unwrap(), want, "flags {flags}");
    }
}

fn cfg(flags: u32) -> Config<'static> {
    Config {
        access_key_id: b"AKIDEXAMPLE",
        secret_access_key: b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token: b"",
        expiration: None,
        region: b"us-east-1",
        service: b"service",
        flags,
        unsigned_headers: &[] as &[&[u8]; 0],
    }
}

#[test]
fn s3_header_signing_adds_content_sha256() {
    let s = signer(Flags::S3, "", &[]);
    let hs: [(&[u8], &[u8]); 1] = [(b"Range", b"bytes=0-9")];
    let req = get("https://examplebucket.s3.amazonaws.com/test.txt", &hs);
    assert_eq!(
        creq(&s, &req, Mode::Headers),
        format!(
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:{EMPTY_SHA}\n\
             x-amz-date:20150830T123600Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n{EMPTY_SHA}"
        )
    );
    let out = headers(&s, &req);
    assert_eq!(out[0], "X-Amz-Date: 20150830T123600Z");
    assert_eq!(out[1], format!("X-Amz-Content-SHA256: {EMPTY_SHA}"));
    assert!(out[2].starts_with(
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, \
         SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature="
    ));
    assert_eq!(out.len(), 3);
}

#[test]
fn payload_modes() {
    let s = signer(Flags::S3, "", &[]);
    let last = |p: Payload<'_>, hs: &[(&[u8], &[u8])]| {
        let req = Request {
            payload: p,
            ..get("https://b.s3.amazonaws.com/k", &hs)
        };
        creq(&s, &req, Mode::Headers).lines().last().unwrap().to_string()
    };
    // SHA-256("abc") from FIPS 180-2.
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(last(Payload::Bytes(b"abc"), &NONE), abc);
    assert_eq!(last(Payload::Auto(b"abc"), &NONE), abc);
    assert_eq!(last(Payload::Sha256Hex(abc.to_uppercase().as_bytes()), &NONE), abc);
    assert_eq!(last(Payload::Unsigned, &NONE), "UNSIGNED-PAYLOAD");
    // A caller's x-amz-content-sha256 header is the payload line in Auto mode
    // and is signed as given; the signer adds none of its own.
    let hs: [(&[u8], &[u8]); 1] = [(b"X-Amz-Content-Sha256", b" UNSIGNED-PAYLOAD ")];
    assert_eq!(last(Payload::Auto(b"ignored"), &hs), "UNSIGNED-PAYLOAD");
    let out = headers(&s, &get("https://b.s3.amazonaws.com/k", &hs));
    assert_eq!(
        out.iter()
            .filter(|h| h.to_ascii_lowercase().starts_with("x-amz-content-sha256"))
            .count(),
        0
    );
    assert!(
        out.last()
            .unwrap()
            .contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date,")
    );
    // In an explicit mode the signer's header replaces the caller's.
    let req = Request {
        payload: Payload::Bytes(b"abc"),
        ..get("https://b.s3.amazonaws.com/k", &hs)
    };
    assert!(creq(&s, &req, Mode::Headers).contains(&format!("x-amz-content-sha256:{abc}\n")));
    assert!(headers(&s, &req).contains(&format!("X-Amz-Content-SHA256: {abc}")));
    // Non-S3 adds the header only when asked.
    let plain = Signer::new(&cfg(0)).unwrap();
    assert!(!creq(&plain, &get("https://h.example/", &NONE), Mode::Headers).contains("x-amz-content-sha256"));
    let asked = Signer::new(&cfg(Flags::CONTENT_SHA256_HEADER)).unwrap();
    assert!(creq(&asked, &get("https://h.example/", &NONE), Mode::Headers).contains("x-amz-content-sha256"));
}

#[test]
fn s3_presign_defaults_to_unsigned_payload() {
    let s = signer(Flags::S3, "", &[]);
    let req = get("https://examplebucket.s3.amazonaws.com/test.txt", &NONE);
    assert_eq!(
        creq(&s, &req, Mode::Presign(86400)),
        "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2F\
         aws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n\
         host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
    );
    let url = presign(&s, &req, 86400);
    assert!(url.starts_with(
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=\
         AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=86400&\
         X-Amz-SignedHeaders=host&X-Amz-Signature="
    ));
    // The AWS S3 documentation's presigned-URL example (examplebucket,
    // test.txt, 86400 s, 2013-05-24T00:00:00Z, the doc's keys).
    let doc = Signer::new(&Config {
        secret_access_key: b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        access_key_id: b"AKIAIOSFODNN7EXAMPLE",
        service: b"s3",
        ..cfg(Flags::S3)
    })
    .unwrap();
    let mut buf = vec![0u8; 2048];
    let n = doc.presign(&req, 1_369_353_600, 86400, &mut buf).unwrap();
    let url = std::str::from_utf8(&buf[..n - 1]).unwrap();
    assert!(
        url.ends_with("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
        "{url}"
    );
}

#[test]
fn s3_documented_header_examples() {
    // The AWS S3 documentation's "GET object" example: range request,
    // 2013-05-24T00:00:00Z, the doc's keys.
    let doc = Signer::new(&Config {
        secret_access_key: b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        access_key_id: b"AKIAIOSFODNN7EXAMPLE",
        service: b"s3",
        ..cfg(Flags::S3)
    })
    .unwrap();
    let hs: [(&[u8], &[u8]); 1] = [(b"Range", b"bytes=0-9")];
    let req = get("https://examplebucket.s3.amazonaws.com/test.txt", &hs);
    let mut buf = vec![0u8; 2048];
    let n = doc.sign_headers(&req, 1_369_353_600, &mut buf).unwrap();
    let out = std::str::from_utf8(&buf[..n - 1]).unwrap();
    assert!(
        out.ends_with("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        "{out}"
    );
    // "GET bucket lifecycle": a valueless `?lifecycle` query.
    let req = get("https://examplebucket.s3.amazonaws.com/?lifecycle", &NONE);
    let n = doc.sign_headers(&req, 1_369_353_600, &mut buf).unwrap();
    let out = std::str::from_utf8(&buf[..n - 1]).unwrap();
    assert!(
        out.ends_with("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        "{out}"
    );
    // "Get bucket (list objects)": max-keys=2&prefix=J.
    let req = get("https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", &NONE);
    let n = doc.sign_headers(&req, 1_369_353_600, &mut buf).unwrap();
    let out = std::str::from_utf8(&buf[..n - 1]).unwrap();
    assert!(
        out.ends_with("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
        "{out}"
    );
}

#[test]
fn session_token_signed_or_attached_after() {
    let signed = signer(0, "TOKEN/+=", &[]);
    let req = get("https://h.example/", &NONE);
    assert!(creq(&signed, &req, Mode::Headers).contains("x-amz-security-token:TOKEN/+=\n"));
    assert!(headers(&signed, &req).contains(&"X-Amz-Security-Token: TOKEN/+=".to_string()));
    let q = creq(&signed, &req, Mode::Presign(60));
    assert!(
        q.contains("&X-Amz-Security-Token=TOKEN%2F%2B%3D&X-Amz-SignedHeaders=host\n"),
        "{q}"
    );
    assert!(presign(&signed, &req, 60).contains("&X-Amz-Security-Token=TOKEN%2F%2B%3D&X-Amz-Signature="));

    let after = signer(Flags::UNSIGNED_SESSION_TOKEN, "TOKEN", &[]);
    let c = creq(&after, &req, Mode::Headers);
    assert!(!c.contains("security-token"), "{c}");
    let out = headers(&after, &req);
    assert!(out.contains(&"X-Amz-Security-Token: TOKEN".to_string()));
    assert!(out.last().unwrap().contains("SignedHeaders=host;x-amz-date,"));
    assert!(!creq(&after, &req, Mode::Presign(60)).contains("Security-Token"));
    assert!(presign(&after, &req, 60).contains("&X-Amz-Security-Token=TOKEN&"));
    // A caller's own token header is replaced by the signer's.
    let hs: [(&[u8], &[u8]); 1] = [(b"X-Amz-Security-Token", b"OLD")];
    assert!(!creq(&signed, &get("https://h.example/", &hs), Mode::Headers).contains("OLD"));
}

#[test]
fn host_from_url_drops_default_port_only() {
    let s = Signer::new(&cfg(0)).unwrap();
    for (url, host) in [
        ("https://h.example:443/", "h.example"),
        ("http://h.example:80/", "h.example"),
        ("http://h.example:443/", "h.example:443"),
        ("https://h.example:8443/", "h.example:8443"),
        ("http://[::1]:9000/", "[::1]:9000"),
        ("https://[::1]/", "[::1]"),
    ] {
        let c = creq(&s, &get(url, &NONE), Mode::Headers);
        assert!(c.contains(&format!("\nhost:{host}\n")), "{url}: {c}");
    }
    // A caller Host header wins over the URL.
    let hs: [(&[u8], &[u8]); 1] = [(b"Host", b"other.example:8080")];
    let c = creq(&s, &get("https://h.example/", &hs), Mode::Headers);
    assert!(c.contains("\nhost:other.example:8080\n"));
    // Presigned URLs keep the authority as written.
    assert!(presign(&s, &get("https://h.example:443/x", &NONE), 60).starts_with("https://h.example:443/x?X-Amz-"));
}

#[test]
fn unsigned_headers_and_duplicates() {
    let s = Signer::new(&Config {
        unsigned_headers: &[b"X-Skip-Me".as_slice()],
        ..cfg(0)
    })
    .unwrap();
    let hs: [(&[u8], &[u8]); 8] = [
        (b"User-Agent", b"curl/8"),
        (b"x-skip-me", b"1"),
        (b"Connection", b"keep-alive"),
        (b"X-Amzn-Trace-Id", b"Root=1"),
        (b"My-Header", b"  b  "),
        (b"my-header", b"a"),
        (b"X-Amz-Date", b"19990101T000000Z"),
        (b"Authorization", b"stale"),
    ];
    let c = creq(&s, &get("https://h.example/", &hs), Mode::Headers);
    assert_eq!(
        c,
        format!(
            "GET\n/\n\nhost:h.example\nmy-header:b,a\nx-amz-date:20150830T123600Z\n\nhost;my-header;x-amz-date\n{EMPTY_SHA}"
        )
    );
}

#[test]
fn query_canonicalization() {
    let s = Signer::new(&cfg(0)).unwrap();
    for (q, want) in [
        ("b=2&a=1&a=0&c", "a=0&a=1&b=2&c="),
        ("a=b+c&d=e f", "a=b%20c&d=e%20f"),
        ("a=b%2Bc", "a=b%2Bc"),
        ("%7e=%41&x=%2f%2F", "x=%2F%2F&~=A"),
        ("&&a=1&&", "a=1"),
        ("k=v=w", "k=v%3Dw"),
        ("=v&Z=1&a=1", "=v&Z=1&a=1"),
        ("a=%zz", "a=%25zz"),
        ("ሴ=bar", "%E1%88%B4=bar"),
    ] {
        let c = creq(&s, &get(&format!("https://h.example/?{q}"), &NONE), Mode::Headers);
        assert_eq!(c.lines().nth(2).unwrap(), want, "{q}");
    }
}

#[test]
fn signing_key_is_cached_per_day_without_changing_results() {
    let s = Signer::new(&cfg(0)).unwrap();
    let req = get("https://h.example/", &NONE);
    let a = s.signature(&req, T, Mode::Headers).unwrap();
    let b = s.signature(&req, T + 1, Mode::Headers).unwrap();
    let a2 = s.signature(&req, T, Mode::Headers).unwrap();
    assert_eq!(a, a2);
    assert_ne!(a, b);
    // A fresh signer (no cache) agrees on another day too.
    let next_day = T + 86_400;
    let cached = s.signature(&req, next_day, Mode::Headers).unwrap();
    let fresh = Signer::new(&cfg(0))
        .unwrap()
        .signature(&req, next_day, Mode::Headers)
        .unwrap();
    assert_eq!(cached, fresh);
    assert_eq!(s.signature(&req, T, Mode::Headers).unwrap(), a);
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let s = signer(0, "SECRETTOKEN", &[]);
    let d = format!("{s:?}");
    assert!(!d.contains("wJalrXUtnFEMI"), "{d}");
    assert!(!d.contains("SECRETTOKEN"), "{d}");
    assert!(d.contains("AKIDEXAMPLE"));
    let c = format!(
        "{:?}",
        Config {
            session_token: b"SECRETTOKEN",
            expiration: None,
            ..cfg(0)
        }
    );
    assert!(!c.contains("wJalrXUtnFEMI") && !c.contains("SECRETTOKEN"), "{c}");
}

#[test]
fn presigned_signed_headers_are_percent_encoded() {
    // Header names may hold token characters that are reserved in a query
    // (`&`, `'`, `*`, `#`...); X-Amz-SignedHeaders must encode them.
    let s = signer(Flags::S3, "", &[]);
    let hs: [(&[u8], &[u8]); 2] = [(b"X-A&B", b"v"), (b"x-c'*#", b"w")];
    let req = get("https://examplebucket.s3.amazonaws.com/test.txt", &hs);
    let c = creq(&s, &req, Mode::Presign(3600));
    assert!(
        c.contains("&X-Amz-SignedHeaders=host%3Bx-a%26b%3Bx-c%27%2A%23\n"),
        "{c}"
    );
    assert!(c.ends_with("\n\nhost;x-a&b;x-c'*#\nUNSIGNED-PAYLOAD"), "{c}");
    let url = presign(&s, &req, 3600);
    assert!(
        url.contains("&X-Amz-SignedHeaders=host%3Bx-a%26b%3Bx-c%27%2A%23&X-Amz-Signature="),
        "{url}"
    );
}
