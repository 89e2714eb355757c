//! The verifier (`sigv4rs::sign::verify`, `sigv4rs_verify`). Expected
//! outcomes never come from the code under test: requests signed by AWS's
//! own suite (tests/data/suite-v4-vectors.txt: the signed request's headers
//! and the presigned URL) and by the aws-sigv4 crate must verify; every
//! single-byte tampering must not, with the status named here.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::*;
use sigv4rs::ffi::*;
use sigv4rs::sign::{
    Flags, HeaderList, LookupError, Payload, Request, Skip, Target, VerifyConfig, VerifyError, VerifyInfo, verify,
};

type Headers = Vec<(Vec<u8>, Vec<u8>)>;

struct Hs<'a>(&'a Headers);

impl HeaderList for Hs<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn header(&self, i: usize) -> (&[u8], &[u8]) {
        (&self.0[i].0, &self.0[i].1)
    }
}

/// A received request.
#[derive(Clone, Debug)]
struct Received {
    method: Vec<u8>,
    host: Vec<u8>,
    path: Vec<u8>,
    query: Vec<u8>,
    headers: Headers,
    body: Option<Vec<u8>>,
}

/// Who the lookup knows.
struct Keys {
    akid: Vec<u8>,
    secret: Vec<u8>,
    token: Vec<u8>,
}

struct Env<'a> {
    region: &'a str,
    service: &'a str,
    flags: u32,
    skip: u32,
    now: i64,
}

fn check(r: &Received, keys: &Keys, env: &Env<'_>, creq: &mut [u8]) -> (Result<(), VerifyError>, VerifyInfo) {
    let hs = Hs(&r.headers);
    let req = Request {
        method: &r.method,
        target: Target::from_parts(&r.host, &r.path, &r.query).expect("target"),
        headers: &hs,
        payload: match &r.body {
            Some(b) => Payload::Bytes(b),
            None => Payload::Unsigned,
        },
    };
    let cfg = VerifyConfig {
        region: env.region.as_bytes(),
        service: env.service.as_bytes(),
        flags: env.flags,
        skip: env.skip,
        max_skew: 0,
    };
    let mut lookup = |akid: &[u8], secret: &mut [u8], token: &mut [u8]| {
        if akid != keys.akid.as_slice() {
            return Err(LookupError::UnknownKey);
        }
        secret[..keys.secret.len()].copy_from_slice(&keys.secret);
        token[..keys.token.len()].copy_from_slice(&keys.token);
        Ok((keys.secret.len(), keys.token.len()))
    };
    let mut info = VerifyInfo::default();
    let r = verify(&cfg, &req, env.now, &mut lookup, &mut info, creq);
    (r, info)
}

fn run(r: &Received, keys: &Keys, env: &Env<'_>) -> Result<(), VerifyError> {
    check(r, keys, env, &mut []).0
}

fn split_url(url: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let rest = url.split_once("://").unwrap().1;
    let (host, pq) = rest.split_at(rest.find('/').unwrap());
    let (p, q) = pq.split_once('?').unwrap_or((pq, ""));
    (host.into(), p.into(), q.into())
}

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
        let creq = std::str::from_utf8(&buf[..info.canonical_request_len.saturating_sub(1)]).unwrap().to_string();
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
    let parts: Vec<usize> = auth[cred..]
        .match_indices('/')
        .map(|(j, _)| cred + j)
        .take(4)
        .collect();
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
        t.check(format!("{name} method {i}"), run(&m, keys, env), &[E::SignatureMismatch]);
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
    let sha_header = r.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"x-amz-content-sha256"));
    let body_allowed: &[VerifyError] = if sha_header { &[E::PayloadMismatch] } else { &[E::SignatureMismatch] };
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
                "x-amz-date" => &[E::MalformedDate, E::DateScopeMismatch, E::ClockSkew, E::SignatureMismatch],
                "x-amz-security-token" => &[E::TokenMismatch],
                "x-amz-content-sha256" => &[E::PayloadMismatch],
                _ => &[E::SignatureMismatch],
            };
            let signed = lname == "authorization"
                || r.headers.iter().any(|(n, v)| {
                    n.eq_ignore_ascii_case(b"authorization")
                        && String::from_utf8_lossy(v).contains(&lname)
                });
            if !signed && !presigned {
                continue;
            }
            if presigned && lname != "host" && !r.query.windows(lname.len()).any(|w| w.eq_ignore_ascii_case(lname.as_bytes())) {
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
