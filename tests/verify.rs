//! The verifier (`sigv4rs::sign::verify`, `sigv4rs_verify`). Expected
//! outcomes never come from the code under test: requests signed by AWS's
//! own suite (tests/data/suite-v4-vectors.txt: the signed request's headers
//! and the presigned URL) and by the aws-sigv4 crate must verify; every
//! single-byte tampering must not, with the status named here.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::verify::*;
use common::*;
use sigv4rs::sign::{
    Flags, LookupError, Payload, Request, Skip, Target, VerifyConfig, VerifyError, VerifyInfo, verify,
};

/// The suite case as received in the header form and (complete cases) the
/// query form, with its keys and environment.
fn suite_requests(v: &Vector) -> (Received, Option<Received>, Keys, u32) {
    let hdrs = |key: &str| -> Headers {
        v.pairs(key)
            .into_iter()
            .map(|(n, v)| (n.into_bytes(), v.into_bytes()))
            .collect()
    };
    let body = Some(v.bytes("body").to_vec());
    let header = Received {
        method: v.bytes("method").to_vec(),
        host: Vec::new(),
        path: v.bytes("path").to_vec(),
        query: v.bytes("query").to_vec(),
        headers: hdrs("signed_header"),
        body: body.clone(),
    };
    let query = v.get("presign_prefix").map(|prefix| {
        let prefix = std::str::from_utf8(prefix).unwrap();
        let url = format!("{prefix}{}", v.all("presign_param").join("&"));
        let (host, path, query) = split_url(&url);
        Received {
            method: v.bytes("method").to_vec(),
            host,
            path,
            query,
            headers: hdrs("header"),
            body: body.clone(),
        }
    });
    let keys = Keys {
        akid: v.bytes("access_key_id").to_vec(),
        secret: v.bytes("secret_access_key").to_vec(),
        token: v.bytes("session_token").to_vec(),
    };
    let mut flags = 0;
    if v.text("normalize") == "0" {
        flags |= Flags::NO_PATH_NORMALIZATION;
    }
    if v.text("omit_session_token") == "1" {
        flags |= Flags::UNSIGNED_SESSION_TOKEN;
    }
    (header, query, keys, flags)
}

#[test]
fn official_suite_verifies_in_both_forms() {
    let mut failures = Vec::new();
    let (mut n_header, mut n_query) = (0, 0);
    for v in suite_vectors() {
        let (header, query, keys, flags) = suite_requests(&v);
        let env = Env {
            region: v.text("region"),
            service: v.text("service"),
            flags,
            skip: 0,
            now: v.num("time"),
        };
        let mut buf = vec![0u8; 8192];
        let (r, info) = check(&header, &keys, &env, &mut buf);
        if r.is_ok() {
            n_header += 1;
        } else {
            failures.push(format!("{} header: {r:?}", v.name));
        }
        let creq = std::str::from_utf8(&buf[..info.canonical_request_len.saturating_sub(1)])
            .unwrap()
            .to_string();
        // double-encode-path's expected canonical request is of another
        // time (caveat 4).
        if r.is_ok() && creq.as_bytes() != v.bytes("header_creq") && v.num("creq_time") == v.num("time") {
            failures.push(format!("{} header: canonical request {creq:?}", v.name));
        }
        if let Some(q) = &query {
            match run(q, &keys, &env) {
                Ok(()) => n_query += 1,
                Err(e) => failures.push(format!("{} query: {e:?}", v.name)),
            }
        }
    }
    println!("verify: official suite accepted header {n_header}, query {n_query}");
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!((n_header, n_query), (40, 38));
}

// ---------------------------------------------------------------------------
// Tampering: every alphanumeric byte of every signed part, rotated within
// its class (so the request stays well-formed), and every body byte.

fn rotate(b: u8) -> u8 {
    match b {
        b'z' => b'a',
        b'Z' => b'A',
        b'9' => b'0',
        b'f' => b'a', // hex digits stay hex (signatures)
        _ => b + 1,
    }
}

use VerifyError as E;

/// The statuses a tampering of byte `i` of the Authorization value may get.
fn auth_expect(auth: &str, i: usize) -> &'static [VerifyError] {
    let at = |s: &str| auth.find(s).unwrap();
    let cred = at("Credential=") + 11;
    let parts: Vec<usize> = auth[cred..].match_indices('/').map(|(j, _)| cred + j).take(4).collect();
    let sh = at("SignedHeaders=");
    let sig = at("Signature=");
    if i < 16 {
        &[E::UnsupportedAlgorithm]
    } else if (at("Credential")..cred).contains(&i) || (sh..sh + 14).contains(&i) || (sig..sig + 10).contains(&i) {
        &[E::MalformedAuthorization]
    } else if i < parts[0] {
        &[E::UnknownAccessKey]
    } else if i < parts[1] {
        &[E::DateScopeMismatch]
    } else if i < parts[2] {
        &[E::WrongRegion]
    } else if i < parts[3] {
        &[E::WrongService]
    } else if i < sh {
        &[E::MalformedCredential]
    } else if i < sig {
        &[E::MalformedSignedHeaders, E::SignedHeaderMissing, E::UnsignedHeader]
    } else {
        &[E::SignatureMismatch]
    }
}

struct Tally {
    rejected: usize,
    total: usize,
    wrong: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: String, got: Result<(), VerifyError>, allowed: &[VerifyError]) {
        self.total += 1;
        match got {
            Err(e) if allowed.contains(&e) => self.rejected += 1,
            other => self.wrong.push(format!("{what}: {other:?}, want one of {allowed:?}")),
        }
    }
}

fn tamper_all(r: &Received, keys: &Keys, env: &Env<'_>, name: &str, t: &mut Tally) {
    let alnum = |v: &[u8]| -> Vec<usize> { (0..v.len()).filter(|&i| v[i].is_ascii_alphanumeric()).collect() };
    for i in alnum(&r.method) {
        let mut m = r.clone();
        m.method[i] = rotate(m.method[i]);
        t.check(
            format!("{name} method {i}"),
            run(&m, keys, env),
            &[E::SignatureMismatch],
        );
    }
    // Bytes of segments a `..` removes are not signed (the normalized path
    // is): RFC 3986's dot removal, by segment start offsets.
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut removed: Vec<(usize, usize)> = Vec::new();
    let mut off = 0;
    for seg in r.path.split(|&b| b == b'/') {
        let span = (off, off + seg.len());
        off += seg.len() + 1;
        match seg {
            b".." if env.flags & Flags::NO_PATH_NORMALIZATION == 0 => removed.extend(kept.pop()),
            _ => kept.push(span),
        }
    }
    for i in alnum(&r.path) {
        if removed.iter().any(|&(a, b)| (a..b).contains(&i)) {
            continue;
        }
        let mut m = r.clone();
        m.path[i] = rotate(m.path[i]);
        t.check(format!("{name} path {i}"), run(&m, keys, env), &[E::SignatureMismatch]);
    }
    let presigned = r.query.windows(15).any(|w| w == b"X-Amz-Signature");
    for i in alnum(&r.query) {
        let mut m = r.clone();
        m.query[i] = rotate(m.query[i]);
        // A presigned query's auth parameters have their own statuses.
        let allowed: &[VerifyError] = if presigned {
            &[
                E::SignatureMismatch,
                E::MalformedQueryAuth,
                E::UnsupportedAlgorithm,
                E::MalformedCredential,
                E::MalformedSignedHeaders,
                E::MalformedDate,
                E::DateScopeMismatch,
                E::ClockSkew,
                E::RequestExpired,
                E::Request(sigv4rs::sign::Error::InvalidExpires),
                E::UnknownAccessKey,
                E::WrongRegion,
                E::WrongService,
                E::SignedHeaderMissing,
                E::UnsignedHeader,
                E::TokenMismatch,
            ]
        } else {
            &[E::SignatureMismatch]
        };
        t.check(format!("{name} query {i}"), run(&m, keys, env), allowed);
    }
    // A signed x-amz-content-sha256 stands for the body.
    let sha_header = r
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(b"x-amz-content-sha256"));
    let body_allowed: &[VerifyError] = if sha_header {
        &[E::PayloadMismatch]
    } else {
        &[E::SignatureMismatch]
    };
    if let Some(body) = &r.body {
        for i in 0..body.len() {
            let mut m = r.clone();
            m.body.as_mut().unwrap()[i] ^= 1;
            t.check(format!("{name} body {i}"), run(&m, keys, env), body_allowed);
        }
    }
    for (h, (n, v)) in r.headers.iter().enumerate() {
        let lname = String::from_utf8_lossy(n).to_ascii_lowercase();
        let value = String::from_utf8_lossy(v).to_string();
        for i in alnum(v) {
            let mut m = r.clone();
            m.headers[h].1[i] = rotate(m.headers[h].1[i]);
            let allowed: &[VerifyError] = match lname.as_str() {
                "authorization" => auth_expect(&value, i),
                "x-amz-date" => &[
                    E::MalformedDate,
                    E::DateScopeMismatch,
                    E::ClockSkew,
                    E::SignatureMismatch,
                ],
                "x-amz-security-token" => &[E::TokenMismatch],
                "x-amz-content-sha256" => &[E::PayloadMismatch],
                _ => &[E::SignatureMismatch],
            };
            let signed = lname == "authorization"
                || r.headers.iter().any(|(n, v)| {
                    n.eq_ignore_ascii_case(b"authorization") && String::from_utf8_lossy(v).contains(&lname)
                });
            if !signed && !presigned {
                continue;
            }
            if presigned
                && lname != "host"
                && !r
                    .query
                    .windows(lname.len())
                    .any(|w| w.eq_ignore_ascii_case(lname.as_bytes()))
            {
                continue;
            }
            t.check(format!("{name} header {lname} {i}"), run(&m, keys, env), allowed);
        }
    }
}

#[test]
fn every_single_byte_tampering_is_rejected() {
    let mut t = Tally {
        rejected: 0,
        total: 0,
        wrong: Vec::new(),
    };
    for v in suite_vectors() {
        let (header, query, keys, flags) = suite_requests(&v);
        let env = Env {
            region: v.text("region"),
            service: v.text("service"),
            flags,
            skip: 0,
            now: v.num("time"),
        };
        tamper_all(&header, &keys, &env, &format!("{} header", v.name), &mut t);
        if let Some(q) = &query {
            tamper_all(q, &keys, &env, &format!("{} query", v.name), &mut t);
        }
    }
    println!("verify: tampering rejected {}/{}", t.rejected, t.total);
    assert!(t.wrong.is_empty(), "{} wrong: {:#?}", t.wrong.len(), &t.wrong);
    assert!(t.total > 3000, "{}", t.total);
}

// ---------------------------------------------------------------------------
// Requests signed by AWS's Rust SDK signer (the aws-sigv4 crate).

/// xorshift64*: reproducible "random" inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn from(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
}

/// aws-sigv4's query values are raw: encode them as a URL carries them.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

struct Signed {
    received: Received,
    keys: Keys,
    region: String,
    service: String,
    flags: u32,
    now: i64,
}

fn aws_signed(r: &mut Rng, presign: bool) -> Signed {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        UriPathNormalizationMode, sign,
    };
    let akid = format!("AKIA{}", r.from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
    let secret = r.from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
    let token =
        (r.below(3) == 0).then(|| r.from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", 80));
    let s3 = r.below(2) == 0;
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"];
    let services = ["s3", "service", "execute-api", "iam", "lambda"];
    let region = regions[r.below(regions.len())].to_string();
    let service = if s3 {
        "s3".to_string()
    } else {
        services[1 + r.below(services.len() - 1)].to_string()
    };
    let methods = ["GET", "PUT", "POST", "DELETE", "HEAD"];
    let method = methods[r.below(methods.len())];
    let word = |r: &mut Rng| {
        let n = 1 + r.below(8);
        let w = r.from(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~", n);
        match r.below(6) {
            0 => format!("{w}%20x"),
            1 => format!("{w}%E2%9C%93"),
            _ => w,
        }
    };
    let host_len = 1 + r.below(10);
    let host = format!(
        "{}.example.amazonaws.com",
        r.from(b"abcdefghijklmnopqrstuvwxyz0123456789", host_len)
    );
    let path: String = (0..r.below(4)).map(|_| format!("/{}", word(r))).collect();
    let path = if path.is_empty() { "/".to_string() } else { path };
    let query = (0..r.below(4))
        .map(|_| format!("{}={}", word(r), word(r)))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers: Vec<(String, String)> = vec![("host".into(), host.clone())];
    for i in 0..r.below(3) {
        let w = word(r);
        headers.push((format!("x-test-{i}"), w));
    }
    if r.below(3) == 0 {
        let w = word(r);
        headers.push(("x-amz-meta-k".into(), w));
    }
    let n = r.below(100);
    let body = r
        .from(b"abcdefghijklmnopqrstuvwxyz {}[]\"':,0123456789\n", n)
        .into_bytes();
    let time = 1_440_938_160 + r.below(400_000_000) as i64;
    let expires = 1 + r.below(604_800) as u32;

    let identity = aws_credential_types::Credentials::new(&akid, &secret, token.clone(), None, "test").into();
    let mut settings = SigningSettings::default();
    if s3 {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        if !presign {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
    }
    if presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(u64::from(expires)));
    }
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&region)
        .name(&service)
        .time(UNIX_EPOCH + Duration::from_secs(time as u64))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let url = format!("https://{host}{path}{}{query}", if query.is_empty() { "" } else { "?" });
    let signable_body = if s3 && presign {
        SignableBody::UnsignedPayload
    } else {
        SignableBody::Bytes(&body)
    };
    let req = SignableRequest::new(
        method,
        &url,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        signable_body,
    )
    .unwrap();
    let (instructions, _) = sign(req, &params).unwrap().into_parts();
    let (h, q) = instructions.into_parts();
    let mut all_headers = headers.clone();
    all_headers.extend(h.into_iter().map(|h| (h.name().to_string(), h.value().to_string())));
    let mut query = query;
    for (k, v) in q {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("{k}={}", encode(&v)));
    }
    Signed {
        received: Received {
            method: method.into(),
            host: Vec::new(),
            path: path.into_bytes(),
            query: query.into_bytes(),
            headers: all_headers
                .into_iter()
                .map(|(n, v)| (n.into_bytes(), v.into_bytes()))
                .collect(),
            body: Some(body),
        },
        keys: Keys {
            akid: akid.into_bytes(),
            secret: secret.into_bytes(),
            token: token.unwrap_or_default().into_bytes(),
        },
        region,
        service,
        flags: if s3 { Flags::S3 } else { 0 },
        now: time + r.below(if presign { expires as usize } else { 900 }) as i64,
    }
}

#[test]
fn aws_sigv4_crate_requests_verify_and_tampered_do_not() {
    let mut r = Rng(0x5eed_1234_abcd_0001);
    let n = 2000;
    let (mut accepted, mut rejected, mut total_tampered) = (0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..2 * n {
        let presign = i % 2 == 1;
        let s = aws_signed(&mut r, presign);
        let env = Env {
            region: &s.region,
            service: &s.service,
            flags: s.flags,
            skip: 0,
            now: s.now,
        };
        match run(&s.received, &s.keys, &env) {
            Ok(()) => accepted += 1,
            Err(e) => failures.push(format!("{i} {e:?}: {:?}", s.received)),
        }
        // One tampered copy per request: a signature digit, a path or body
        // byte, or the method.
        let mut t = s.received.clone();
        let (what, want): (&str, &[VerifyError]) = match r.below(4) {
            0 => {
                let sig = if presign {
                    let q = String::from_utf8(t.query.clone()).unwrap();
                    q.find("X-Amz-Signature=").unwrap() + 16
                } else {
                    0
                };
                if presign {
                    let j = sig + r.below(64);
                    t.query[j] = rotate(t.query[j]);
                } else {
                    let h = t.headers.iter().position(|(n, _)| n == b"authorization").unwrap();
                    let v = &mut t.headers[h].1;
                    let j = v.len() - 1 - r.below(64);
                    v[j] = rotate(v[j]);
                }
                ("signature", &[E::SignatureMismatch])
            }
            1 => {
                let j = r.below(t.path.len());
                let escaped = t.path[j.saturating_sub(2)..j].contains(&b'%');
                if !t.path[j].is_ascii_alphanumeric() || escaped {
                    t.method[0] = rotate(t.method[0]);
                    ("method", &[E::SignatureMismatch])
                } else {
                    t.path[j] = rotate(t.path[j]);
                    ("path", &[E::SignatureMismatch])
                }
            }
            2 if !(t.body.as_ref().unwrap().is_empty() || presign && s.flags & Flags::S3 != 0) => {
                let b = t.body.as_mut().unwrap();
                let j = r.below(b.len());
                b[j] ^= 1;
                ("body", &[E::SignatureMismatch, E::PayloadMismatch])
            }
            _ => {
                t.method[0] = rotate(t.method[0]);
                ("method", &[E::SignatureMismatch])
            }
        };
        total_tampered += 1;
        match run(&t, &s.keys, &env) {
            Err(e) if want.contains(&e) => rejected += 1,
            other => failures.push(format!("{i} tampered {what}: {other:?}")),
        }
    }
    println!(
        "verify: aws-sigv4 accepted {accepted}/{}, rejected {rejected}/{total_tampered}",
        2 * n
    );
    assert!(
        failures.is_empty(),
        "{} failures: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
}

// ---------------------------------------------------------------------------
// Policy checks and strict parsing, each with its status.

fn case(name: &str) -> (Received, Received, Keys, i64) {
    let v = suite_vectors().into_iter().find(|v| v.name == name).unwrap();
    let (h, q, k, _) = suite_requests(&v);
    (h, q.unwrap(), k, v.num("time"))
}

fn env(now: i64) -> Env<'static> {
    Env {
        region: "us-east-1",
        service: "service",
        flags: 0,
        skip: 0,
        now,
    }
}

fn set_header(r: &mut Received, name: &str, value: &str) {
    r.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name.as_bytes()));
    r.headers.push((name.into(), value.into()));
}

fn auth_of(r: &Received) -> String {
    let (_, v) = r
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(b"authorization"))
        .unwrap();
    String::from_utf8(v.clone()).unwrap()
}

#[test]
fn policy_checks_each_have_their_status() {
    let (h, q, keys, t) = case("get-vanilla");
    let base = env(t);
    assert_eq!(run(&h, &keys, &base), Ok(()));
    assert_eq!(run(&q, &keys, &base), Ok(()));

    // Clock skew: 900 s either way, then not; configurable; can be off.
    for (now, want) in [
        (t + 900, Ok(())),
        (t - 900, Ok(())),
        (t + 901, Err(E::ClockSkew)),
        (t - 901, Err(E::ClockSkew)),
    ] {
        assert_eq!(run(&h, &keys, &Env { now, ..env(t) }), want, "header at {now}");
    }
    let mut two_min = 0;
    {
        let cfg = VerifyConfig {
            region: b"us-east-1",
            service: b"service",
            flags: 0,
            skip: 0,
            max_skew: 120,
        };
        let hs = Hs(&h.headers);
        let req = Request {
            method: &h.method,
            target: Target::from_parts(b"", &h.path, &h.query).unwrap(),
            headers: &hs,
            payload: Payload::Bytes(b""),
        };
        let mut lookup = |_: &[u8], s: &mut [u8], _: &mut [u8]| {
            s[..keys.secret.len()].copy_from_slice(&keys.secret);
            Ok((keys.secret.len(), 0))
        };
        for now in [t + 120, t + 121] {
            let mut info = VerifyInfo::default();
            if verify(&cfg, &req, now, &mut lookup, &mut info, &mut []) == Err(E::ClockSkew) {
                two_min = now - t;
            }
        }
    }
    assert_eq!(two_min, 121, "max_skew 120");
    let skip = |bits: u32, now: i64| Env {
        skip: bits,
        now,
        ..env(t)
    };
    assert_eq!(run(&h, &keys, &skip(Skip::CLOCK_SKEW, t + 86_400 * 400)), Ok(()));
    // Presigned: 3600 s valid, then expired; not before its date (skew).
    assert_eq!(run(&q, &keys, &env(t + 3600)), Ok(()));
    assert_eq!(run(&q, &keys, &env(t + 3601)), Err(E::RequestExpired));
    assert_eq!(run(&q, &keys, &skip(Skip::EXPIRY, t + 3601)), Ok(()));
    assert_eq!(run(&q, &keys, &env(t - 901)), Err(E::ClockSkew));
    assert_eq!(run(&q, &keys, &env(t - 900)), Ok(()));

    // Region and service of the scope.
    let other = |region: &'static str, service: &'static str, skip: u32| Env {
        region,
        service,
        skip,
        ..env(t)
    };
    assert_eq!(run(&h, &keys, &other("us-west-2", "service", 0)), Err(E::WrongRegion));
    assert_eq!(run(&h, &keys, &other("us-west-2", "service", Skip::REGION)), Ok(()));
    assert_eq!(run(&q, &keys, &other("us-east-1", "s3", 0)), Err(E::WrongService));
    assert_eq!(run(&q, &keys, &other("us-east-1", "s3", Skip::SERVICE)), Ok(()));

    // An x-amz-* header present but not signed (header form); a presigned
    // request may carry one (only host must be signed there).
    let mut m = h.clone();
    m.headers.push((b"X-Amz-Meta-Extra".to_vec(), b"1".to_vec()));
    assert_eq!(run(&m, &keys, &base), Err(E::UnsignedHeader));
    assert_eq!(run(&m, &keys, &skip(Skip::UNSIGNED_HEADERS, t)), Ok(()));
    let mut m = q.clone();
    m.headers.push((b"X-Amz-Meta-Extra".to_vec(), b"1".to_vec()));
    assert_eq!(run(&m, &keys, &base), Ok(()));
    // Host not signed.
    let mut m = h.clone();
    set_header(
        &mut m,
        "Authorization",
        &auth_of(&h).replace("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date"),
    );
    assert_eq!(run(&m, &keys, &base), Err(E::UnsignedHeader));
    // A signed header absent from the request.
    let mut m = h.clone();
    set_header(
        &mut m,
        "Authorization",
        &auth_of(&h).replace("host;x-amz-date", "host;x-amz-date;x-zz"),
    );
    assert_eq!(run(&m, &keys, &base), Err(E::SignedHeaderMissing));

    // X-Amz-Date: on the scope's day, well-formed, present, once.
    let mut m = h.clone();
    set_header(&mut m, "X-Amz-Date", "20150831T003600Z");
    assert_eq!(
        run(
            &m,
            &keys,
            &Env {
                skip: Skip::CLOCK_SKEW,
                ..env(t)
            }
        ),
        Err(E::DateScopeMismatch)
    );
    for bad in [
        "20150830T123600",
        "20151330T123600Z",
        "20150830T250000Z",
        "2015-08-30T12:36:00Z",
        "20150830t123600z",
    ] {
        let mut m = h.clone();
        set_header(&mut m, "X-Amz-Date", bad);
        assert_eq!(run(&m, &keys, &base), Err(E::MalformedDate), "{bad}");
    }
    let mut m = h.clone();
    m.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(b"x-amz-date"));
    assert_eq!(run(&m, &keys, &base), Err(E::MissingDate));
    let mut m = h.clone();
    m.headers.push((b"x-amz-date".to_vec(), b"20150830T123600Z".to_vec()));
    assert_eq!(run(&m, &keys, &base), Err(E::MalformedDate));

    // Payload: needed and not given; x-amz-content-sha256 against the body.
    let mut m = h.clone();
    m.body = None;
    assert_eq!(run(&m, &keys, &base), Err(E::PayloadRequired));
    assert_eq!(run(&q, &keys, &Env { flags: 0, ..env(t) }), Ok(()));
    let (xh, _, xk, xt) = case("post-x-www-form-urlencoded");
    let mut m = xh.clone();
    m.body = Some(b"other".to_vec());
    assert_eq!(run(&m, &xk, &env(xt)), Err(E::PayloadMismatch));
    assert_eq!(
        run(
            &m,
            &xk,
            &Env {
                skip: Skip::PAYLOAD_HASH,
                ..env(xt)
            }
        ),
        Ok(())
    );
    m.body = None;
    assert_eq!(run(&m, &xk, &env(xt)), Ok(()), "the signed header stands for the body");
    for (value, want) in [
        ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", E::StreamingUnsupported),
        ("not-a-hash", E::InvalidContentSha256),
    ] {
        let mut m = xh.clone();
        set_header(&mut m, "X-Amz-Content-Sha256", value);
        assert_eq!(run(&m, &xk, &env(xt)), Err(want), "{value}");
    }

    // Keys and tokens.
    let unknown = Keys {
        akid: b"OTHER".to_vec(),
        ..Keys {
            akid: vec![],
            secret: keys.secret.clone(),
            token: vec![],
        }
    };
    assert_eq!(run(&h, &unknown, &base), Err(E::UnknownAccessKey));
    let with_token = Keys {
        token: b"TOKEN".to_vec(),
        akid: keys.akid.clone(),
        secret: keys.secret.clone(),
    };
    assert_eq!(
        run(&h, &with_token, &base),
        Err(E::TokenMismatch),
        "the key has a token the request lacks"
    );
    let wrong_secret = Keys {
        secret: b"wrong".to_vec(),
        akid: keys.akid.clone(),
        token: vec![],
    };
    assert_eq!(run(&h, &wrong_secret, &base), Err(E::SignatureMismatch));
    let (th, tq, tkeys, tt) = case("post-sts-header-before");
    assert_eq!(run(&th, &tkeys, &env(tt)), Ok(()));
    assert_eq!(run(&tq, &tkeys, &env(tt)), Ok(()));
    let other_token = Keys {
        token: b"SOMETHINGELSE".to_vec(),
        akid: tkeys.akid.clone(),
        secret: tkeys.secret.clone(),
    };
    assert_eq!(run(&th, &other_token, &env(tt)), Err(E::TokenMismatch));
    assert_eq!(run(&tq, &other_token, &env(tt)), Err(E::TokenMismatch));
    let no_token = Keys {
        token: vec![],
        akid: tkeys.akid.clone(),
        secret: tkeys.secret.clone(),
    };
    assert_eq!(run(&th, &no_token, &env(tt)), Err(E::TokenMismatch));
    // Lookup failures.
    let cfg = VerifyConfig {
        region: b"us-east-1",
        service: b"service",
        flags: 0,
        skip: 0,
        max_skew: 0,
    };
    let hs = Hs(&h.headers);
    let req = Request {
        method: &h.method,
        target: Target::from_parts(b"", &h.path, &h.query).unwrap(),
        headers: &hs,
        payload: Payload::Bytes(b""),
    };
    let mut info = VerifyInfo::default();
    for (res, want) in [
        (Err(LookupError::Failed), E::LookupFailed),
        (Ok((0, 0)), E::LookupFailed),
        (Ok((129, 0)), E::LookupFailed),
    ] {
        let mut lookup = |_: &[u8], _: &mut [u8], _: &mut [u8]| res;
        assert_eq!(verify(&cfg, &req, t, &mut lookup, &mut info, &mut []), Err(want));
    }
    assert_eq!(info.access_key_id(), b"AKIDEXAMPLE");
}

#[test]
fn authorization_is_parsed_strictly() {
    let (h, q, keys, t) = case("get-vanilla");
    let base = env(t);
    let auth = auth_of(&h);
    let sig = &auth[auth.find("Signature=").unwrap() + 10..];
    let cred = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
    let ok = [
        format!("AWS4-HMAC-SHA256 {cred},SignedHeaders=host;x-amz-date,Signature={sig}"),
        format!("AWS4-HMAC-SHA256 {cred} , SignedHeaders=host;x-amz-date ,  Signature={sig}"),
        format!("AWS4-HMAC-SHA256 Signature={sig}, {cred}, SignedHeaders=host;x-amz-date"),
        format!("  AWS4-HMAC-SHA256   {cred}, SignedHeaders=host;x-amz-date, Signature={sig}  "),
    ];
    for a in &ok {
        let mut m = h.clone();
        set_header(&mut m, "Authorization", a);
        assert_eq!(run(&m, &keys, &base), Ok(()), "{a}");
    }
    let sh = "SignedHeaders=host;x-amz-date";
    let bad: Vec<(String, VerifyError)> = vec![
        (
            format!("AWS4-HMAC-SHA1 {cred}, {sh}, Signature={sig}"),
            E::UnsupportedAlgorithm,
        ),
        (
            format!("AWS4-ECDSA-P256-SHA256 {cred}, {sh}, Signature={sig}"),
            E::UnsupportedAlgorithm,
        ),
        ("AWS AKIDEXAMPLE:c2lnbmF0dXJl".into(), E::UnsupportedAlgorithm),
        (
            format!("aws4-hmac-sha256 {cred}, {sh}, Signature={sig}"),
            E::UnsupportedAlgorithm,
        ),
        (
            format!("AWS4-HMAC-SHA256,{cred}, {sh}, Signature={sig}"),
            E::UnsupportedAlgorithm,
        ),
        ("AWS4-HMAC-SHA256".into(), E::MalformedAuthorization),
        (format!("AWS4-HMAC-SHA256 {cred}, {sh}"), E::MalformedAuthorization),
        (
            format!("AWS4-HMAC-SHA256 {cred}, {sh}, Signature={sig}, {cred}"),
            E::MalformedAuthorization,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, {sh}, Signature={sig},"),
            E::MalformedAuthorization,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred},, {sh}, Signature={sig}"),
            E::MalformedAuthorization,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}; {sh}; Signature={sig}"),
            E::MalformedAuthorization,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, {sh}, Signature={sig}, Extra=1"),
            E::MalformedAuthorization,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, {sh}, signature={sig}"),
            E::MalformedAuthorization,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=, Signature={sig}"),
            E::MalformedAuthorization,
        ),
        (
            format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, {sh}, Signature={sig}"),
            E::MalformedCredential,
        ),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request/x, {sh}, Signature={sig}"
            ),
            E::MalformedCredential,
        ),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083/us-east-1/service/aws4_request, {sh}, Signature={sig}"
            ),
            E::MalformedCredential,
        ),
        (
            format!("AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/service/aws4_request, {sh}, Signature={sig}"),
            E::MalformedCredential,
        ),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us east/service/aws4_request, {sh}, Signature={sig}"
            ),
            E::MalformedCredential,
        ),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_requesT, {sh}, Signature={sig}"
            ),
            E::MalformedCredential,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=x-amz-date;host, Signature={sig}"),
            E::MalformedSignedHeaders,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host;host;x-amz-date, Signature={sig}"),
            E::MalformedSignedHeaders,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=Host;x-amz-date, Signature={sig}"),
            E::MalformedSignedHeaders,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host;;x-amz-date, Signature={sig}"),
            E::MalformedSignedHeaders,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host;x-amz-date;, Signature={sig}"),
            E::MalformedSignedHeaders,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, {sh}, Signature={}", sig.to_uppercase()),
            E::MalformedSignature,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, {sh}, Signature={}", &sig[1..]),
            E::MalformedSignature,
        ),
        (
            format!("AWS4-HMAC-SHA256 {cred}, {sh}, Signature={sig}0"),
            E::MalformedSignature,
        ),
    ];
    for (a, want) in &bad {
        let mut m = h.clone();
        set_header(&mut m, "Authorization", a);
        assert_eq!(run(&m, &keys, &base), Err(*want), "{a}");
    }
    // Two Authorization headers; one and a presigned query; none.
    let mut m = h.clone();
    m.headers.push((b"authorization".to_vec(), auth.clone().into_bytes()));
    assert_eq!(run(&m, &keys, &base), Err(E::AmbiguousAuthorization));
    let mut m = q.clone();
    m.headers.push((b"Authorization".to_vec(), auth.into_bytes()));
    assert_eq!(run(&m, &keys, &base), Err(E::AmbiguousAuthorization));
    let mut m = h.clone();
    m.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(b"authorization"));
    assert_eq!(run(&m, &keys, &base), Err(E::MissingAuthorization));
}

#[test]
fn presigned_query_is_parsed_strictly() {
    let (_, q, keys, t) = case("get-vanilla");
    let base = env(t);
    let query = String::from_utf8(q.query.clone()).unwrap();
    let with = |f: &dyn Fn(&str) -> String| {
        let mut m = q.clone();
        m.query = f(&query).into_bytes();
        run(&m, &keys, &base)
    };
    let drop = |name: &str| {
        let name = name.to_string();
        move |s: &str| {
            s.split('&')
                .filter(|p| !p.starts_with(&format!("{name}=")))
                .collect::<Vec<_>>()
                .join("&")
        }
    };
    for p in [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
    ] {
        assert_eq!(with(&drop(p)), Err(E::MalformedQueryAuth), "without {p}");
        let dup = |s: &str| {
            let one = s
                .split('&')
                .find(|x| x.starts_with(&format!("{p}=")))
                .unwrap()
                .to_string();
            format!("{s}&{one}")
        };
        assert_eq!(with(&dup), Err(E::MalformedQueryAuth), "{p} twice");
    }
    assert_eq!(with(&drop("X-Amz-Signature")), Err(E::MalformedQueryAuth));
    assert_eq!(
        with(&|s: &str| s.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")),
        Err(E::UnsupportedAlgorithm)
    );
    assert_eq!(
        with(&|s: &str| s.replace("%2Fservice%2F", "%2Fservice%2Fx%2F")),
        Err(E::MalformedCredential)
    );
    assert_eq!(
        with(&|s: &str| s.replace("%2Fservice%2F", "%2Fservice%ZZ")),
        Err(E::MalformedCredential)
    );
    assert_eq!(
        with(&|s: &str| s.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=HOST")),
        Err(E::MalformedSignedHeaders)
    );
    assert_eq!(with(&|s: &str| s.replace("T123600Z", "T123600")), Err(E::MalformedDate));
    for e in ["0", "604801", "-1", "+5", "1e3", ""] {
        let r = with(&|s: &str| s.replace("X-Amz-Expires=3600", &format!("X-Amz-Expires={e}")));
        assert_eq!(r, Err(E::Request(sigv4rs::sign::Error::InvalidExpires)), "expires {e}");
    }
    assert_eq!(
        with(&|s: &str| s.replace("X-Amz-Expires=3600", "X-Amz-Expires=604800")),
        Err(E::SignatureMismatch)
    );
    assert_eq!(
        with(&|s: &str| format!("{s}&X-Amz-Security-Token=")),
        Err(E::MalformedQueryAuth)
    );
    // Percent-encoded names are the same parameters (as canonicalization reads them).
    assert_eq!(
        with(&|s: &str| format!("{s}&X-Amz-%44ate=20150830T123600Z")),
        Err(E::MalformedQueryAuth)
    );
}
