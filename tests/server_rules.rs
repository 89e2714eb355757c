//! What the server computes, through the C ABI (issue 10): a raw `+` in a
//! query is a space, the host is signed lower-case (and sent that way), and
//! escaped dot segments are dots once a path is decoded. Expected values
//! are written by hand from the SigV4 and RFC 3986 rules, taken from the AWS
//! S3 documentation's examples, or computed by the `aws-sigv4` crate.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::*;
use sigv4rs::ffi::*;

const T: i64 = 1_440_938_160; // 20150830T123600Z
const DOC_T: i64 = 1_369_353_600; // 20130524T000000Z
const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn signer(service: &str, flags: u32) -> Signer {
    new_signer(&Creds {
        akid: AKID,
        secret: SECRET,
        token: "",
        region: "us-east-1",
        service,
        flags,
    })
    .unwrap()
}

fn doc_signer() -> Signer {
    new_signer(&Creds {
        akid: "AKIAIOSFODNN7EXAMPLE",
        secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        token: "",
        region: "us-east-1",
        service: "s3",
        flags: SIGV4RS_FLAG_S3,
    })
    .unwrap()
}

struct Req {
    url: String,
    headers: Vec<(String, String)>,
    c: Vec<sigv4rs_header>,
}

impl Req {
    fn new(url: &str, headers: &[(&str, &str)]) -> Req {
        let headers: Vec<(String, String)> = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        let c = c_headers(&headers);
        Req {
            url: url.to_string(),
            headers,
            c,
        }
    }

    fn c(&self) -> sigv4rs_request {
        sigv4rs_request {
            method: b(b"GET"),
            url: b(self.url.as_bytes()),
            host: b(b""),
            path: b(b""),
            query: b(b""),
            headers: if self.c.is_empty() {
                std::ptr::null()
            } else {
                self.c.as_ptr()
            },
            headers_len: self.c.len(),
            payload_mode: 0,
            payload: b(b""),
        }
    }
}

fn text(v: Vec<u8>) -> String {
    String::from_utf8(v).unwrap()
}

fn creq(s: &Signer, r: &Req, t: i64, expires: u32) -> String {
    let req = r.c();
    text(
        call_out(&|o, c, l| sigv4rs_signer_canonical_request(s.0, &req, t, u32::from(expires != 0), expires, o, c, l))
            .unwrap(),
    )
}

fn sign(s: &Signer, r: &Req, t: i64) -> Vec<(String, String)> {
    let req = r.c();
    split_headers(&call_out(&|o, c, l| sigv4rs_signer_sign_headers(s.0, &req, t, o, c, l)).unwrap())
}

fn presign(s: &Signer, r: &Req, t: i64, e: u32) -> String {
    let req = r.c();
    text(call_out(&|o, c, l| sigv4rs_signer_presign(s.0, &req, t, e, o, c, l)).unwrap())
}

fn signature_of(headers: &[(String, String)]) -> String {
    let auth = &headers.iter().find(|(n, _)| n == "Authorization").unwrap().1;
    auth.rsplit_once("Signature=").unwrap().1.to_string()
}

fn line(c: &str, i: usize) -> &str {
    c.lines().nth(i).unwrap()
}

/// The signature the `aws-sigv4` crate computes (non-S3 settings).
fn aws_signature(r: &Req, service: &str, t: i64, expires: Option<u32>) -> String {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
    let identity = aws_credential_types::Credentials::new(AKID, SECRET, None, None, "test").into();
    let mut settings = SigningSettings::default();
    if let Some(e) = expires {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(e.into()));
    }
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(UNIX_EPOCH + Duration::from_secs(t as u64))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let hs = r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let req = SignableRequest::new("GET", r.url.as_str(), hs, SignableBody::Bytes(b"")).unwrap();
    sign(req, &params).unwrap().into_parts().1
}

#[test]
fn plus_in_a_query_is_a_space() {
    let s = signer("es", 0);
    for (q, want) in [
        ("q=star+wars", "q=star%20wars"),
        ("q=star%20wars", "q=star%20wars"),
        ("q=1%2B1", "q=1%2B1"),
        ("a+b=c+d+&e=%2B+", "a%20b=c%20d%20&e=%2B%20"),
        ("+=", "%20="),
        // Sorted by the canonical (encoded) key: `%20` < `%2B` < `A`.
        ("x%2By=2&x+y=1&xA=3", "x%20y=1&x%2By=2&xA=3"),
    ] {
        let r = Req::new(&format!("https://search-d.us-east-1.es.amazonaws.com/_search?{q}"), &[]);
        assert_eq!(line(&creq(&s, &r, T, 0), 2), want, "header mode, {q}");
        let p = creq(&s, &r, T, 60);
        let params: Vec<&str> = line(&p, 2).split('&').collect();
        assert!(want.split('&').all(|w| params.contains(&w)), "presign mode, {q}: {p}");
    }
    // The same signature as the aws-sigv4 crate, which reads `+` as a space.
    let r = Req::new(
        "https://search-d.us-east-1.es.amazonaws.com/movies/_search?q=title:star+wars&size=10",
        &[],
    );
    assert_eq!(signature_of(&sign(&s, &r, T)), aws_signature(&r, "es", T, None));
    let url = presign(&s, &r, T, 300);
    let aws = aws_signature(&r, "es", T, Some(300));
    assert!(url.ends_with(&format!("&X-Amz-Signature={aws}")), "{url} vs {aws}");
}

#[test]
fn presigned_urls_carry_the_query_as_signed() {
    let s = signer("s3", SIGV4RS_FLAG_S3);
    let r = Req::new("https://b.s3.amazonaws.com/k?prefix=a+b&x=%7e%2f&flag&&y=1+1%2B", &[]);
    let url = presign(&s, &r, T, 60);
    let (_, query) = url.split_once('?').unwrap();
    assert!(
        query.starts_with("prefix=a%20b&x=~%2F&flag&y=1%201%2B&X-Amz-Algorithm="),
        "{url}"
    );
    assert!(!url.contains('+'), "{url}");
    // Every caller parameter in the URL is byte for byte what was signed.
    let c = creq(&s, &r, T, 60);
    for p in ["prefix=a%20b", "x=~%2F", "flag=", "y=1%201%2B"] {
        assert!(line(&c, 2).split('&').any(|q| q == p), "{p} not in {c}");
    }
}

#[test]
fn host_is_signed_lower_case_and_sent_that_way() {
    // The AWS S3 documentation's GET object example, with a mixed-case host:
    // DNS is case-insensitive, so the documented signature must come out.
    let doc = doc_signer();
    let r = Req::new(
        "https://ExampleBucket.S3.amazonaws.com/test.txt",
        &[("Range", "bytes=0-9")],
    );
    let out = sign(&doc, &r, DOC_T);
    assert_eq!(
        signature_of(&out),
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    );
    assert_eq!(
        out[0],
        ("Host".to_string(), "examplebucket.s3.amazonaws.com".to_string())
    );
    // Already lower-case: no Host header in the output (nothing to fix).
    let r = Req::new(
        "https://examplebucket.s3.amazonaws.com/test.txt",
        &[("Range", "bytes=0-9")],
    );
    assert!(sign(&doc, &r, DOC_T).iter().all(|(n, _)| n != "Host"));
    // The documented presigned URL, from a mixed-case URL.
    let r = Req::new("https://EXAMPLEBUCKET.s3.amazonaws.com/test.txt", &[]);
    let url = presign(&doc, &r, DOC_T, 86400);
    assert!(
        url.starts_with("https://examplebucket.s3.amazonaws.com/test.txt?"),
        "{url}"
    );
    assert!(
        url.ends_with("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
        "{url}"
    );
}

#[test]
fn host_case_with_ports_and_ip_literals() {
    let s = signer("execute-api", 0);
    for (url, host) in [
        ("https://API.Example.COM:8443/p", "api.example.com:8443"),
        ("https://API.example.com:443/p", "api.example.com"),
        ("http://Api.Example.com:80/p", "api.example.com"),
        ("http://[FE80::AB]:8080/p", "[fe80::ab]:8080"),
        ("https://[FE80::AB]/p", "[fe80::ab]"),
    ] {
        let r = Req::new(url, &[]);
        let c = creq(&s, &r, T, 0);
        assert_eq!(line(&c, 3), format!("host:{host}"), "{url}");
        let out = sign(&s, &r, T);
        assert_eq!(out[0], ("Host".to_string(), host.to_string()), "{url}");
        // The same request written lower-case signs the same.
        let lower = Req::new(&url.to_ascii_lowercase(), &[]);
        assert_eq!(signature_of(&out), signature_of(&sign(&s, &lower, T)), "{url}");
    }
}

#[test]
fn an_explicit_host_header_is_signed_as_given() {
    let s = signer("execute-api", 0);
    let r = Req::new("https://API.example.com/p", &[("Host", "  API.Example.com ")]);
    let c = creq(&s, &r, T, 0);
    assert_eq!(
        c,
        format!("GET\n/p\n\nhost:API.Example.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{EMPTY_SHA}")
    );
    assert!(sign(&s, &r, T).iter().all(|(n, _)| n != "Host"));
    // From parts with a Host header only: the URL carries it as signed.
    let given = [("Host".to_string(), "Bucket.Example.com".to_string())];
    let hs = c_headers(&given);
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(b""),
        host: b(b""),
        path: b(b"/k"),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: 1,
        payload_mode: 0,
        payload: b(b""),
    };
    let url = text(call_out(&|o, c, l| sigv4rs_signer_presign(s.0, &req, T, 60, o, c, l)).unwrap());
    assert!(url.starts_with("https://Bucket.Example.com/k?"), "{url}");
}

#[test]
fn parts_host_is_lower_cased_too() {
    let s = signer("execute-api", 0);
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(b""),
        host: b(b"API.Example.com"),
        path: b(b"/p"),
        query: b(b"q=a+b"),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: b(b""),
    };
    let c = text(
        call_out(&|o, c, l| sigv4rs_signer_canonical_request(s.0, &req, T, sigv4rs_auth::Headers as u32, 0, o, c, l))
            .unwrap(),
    );
    assert_eq!(line(&c, 2), "q=a%20b");
    assert_eq!(line(&c, 3), "host:api.example.com");
    let out = split_headers(&call_out(&|o, c, l| sigv4rs_signer_sign_headers(s.0, &req, T, o, c, l)).unwrap());
    assert_eq!(out[0], ("Host".to_string(), "api.example.com".to_string()));
    let url = text(call_out(&|o, c, l| sigv4rs_signer_presign(s.0, &req, T, 60, o, c, l)).unwrap());
    assert!(url.starts_with("https://api.example.com/p?q=a%20b&X-Amz-"), "{url}");
}

#[test]
fn escaped_dot_segments_with_single_encoding_and_normalization() {
    let s = signer("execute-api", SIGV4RS_FLAG_SINGLE_ENCODE_PATH);
    for (path, want) in [
        ("/%2e", "/"),
        ("/%2E/x", "/x"),
        ("/%2e./x", "/x"),
        ("/a/b/%2e%2E/c", "/a/c"),
        ("/a/%2e%2e%2e", "/a/..."),
        ("/a/%2e%2fb", "/a/.%2Fb"),
    ] {
        let r = Req::new(&format!("https://h.example{path}"), &[]);
        assert_eq!(line(&creq(&s, &r, T, 0), 1), want, "{path}");
        let plain = Req::new(&format!("https://h.example{want}"), &[]);
        if !want.contains('%') {
            assert_eq!(
                signature_of(&sign(&s, &r, T)),
                signature_of(&sign(&s, &plain, T)),
                "{path}"
            );
        }
    }
    // Double encoding (the default) signs the path as data, as the SDKs do:
    // the aws-sigv4 crate agrees on the signature.
    let d = signer("execute-api", 0);
    let r = Req::new("https://h.example/a/%2e%2e/b", &[]);
    assert_eq!(line(&creq(&d, &r, T, 0), 1), "/a/%252e%252e/b");
    assert_eq!(
        signature_of(&sign(&d, &r, T)),
        aws_signature(&r, "execute-api", T, None)
    );
    // S3 (no normalization) keeps the segment, decoded.
    let s3 = signer("s3", SIGV4RS_FLAG_S3);
    assert_eq!(line(&creq(&s3, &r, T, 0), 1), "/a/../b");
}
