//! The outputs, the last step: the headers to add (`Name: value\0` each)
//! or the presigned URL, given the plan, the algorithm and the signature.

use super::algorithm::Algorithm;
use super::canonical::{write_auth_param, write_content_encoding, write_signed_headers};
use super::encode::{Part, reencode};
use super::headers::write_lower;
use super::plan::{Added, Plan};
use super::query::{AUTH_PARAMS, AUTH_REGION_SET, AUTH_S3_TOKEN, AUTH_TOKEN};
use super::sink::{Counter, Sink, put_decimal};

/// Header mode: `Name: value\0` for each header to add.
pub(crate) fn write_headers<A: Algorithm>(plan: &Plan<'_>, alg: &A, s: &mut dyn Sink, sig: &A::Signature) {
    if plan.host_header {
        s.put(b"Host: ");
        write_lower(s, plan.req.target.host);
        s.put(b"\0");
    }
    if let Some((st, enc)) = plan.stream {
        s.put(b"Content-Encoding: ");
        write_content_encoding(plan, s);
        s.put(b"\0Content-Length: ");
        put_decimal(s, enc);
        s.put(b"\0X-Amz-Decoded-Content-Length: ");
        put_decimal(s, st.decoded_len);
        s.put(b"\0");
        if let Some(k) = st.checksum {
            s.put(b"X-Amz-Trailer: ");
            s.put(k.header_name());
            s.put(b"\0");
        }
    }
    s.put(b"X-Amz-Date: ");
    s.put(&alg.date().full);
    s.put(b"\0");
    if let Some(set) = alg.region_set() {
        s.put(b"X-Amz-Region-Set: ");
        s.put(set);
        s.put(b"\0");
    }
    let token = plan.creds.session_token();
    if !token.is_empty() {
        s.put(if plan.token_header() == Added::Token {
            b"X-Amz-Security-Token: "
        } else {
            b"X-Amz-S3session-Token: "
        });
        s.put(token);
        s.put(b"\0");
    }
    if plan.add_sha {
        s.put(b"X-Amz-Content-SHA256: ");
        plan.write_payload_line(s);
        s.put(b"\0");
    }
    s.put(b"Authorization: ");
    s.put(alg.name());
    s.put(b" Credential=");
    s.put(plan.creds.access_key_id());
    s.put(b"/");
    alg.write_scope(s, b"/");
    s.put(b", SignedHeaders=");
    write_signed_headers(plan, s, false);
    s.put(b", Signature=");
    s.put(sig.as_ref());
}

/// Presign mode: the URL with the auth parameters appended.
pub(crate) fn write_presigned_url<A: Algorithm>(plan: &Plan<'_>, alg: &A, s: &mut dyn Sink, sig: &A::Signature) {
    let t = &plan.req.target;
    s.put(t.scheme);
    s.put(b"://");
    if t.authority.is_empty() {
        // The caller's Host header, signed as given.
        s.put(plan.authority);
    } else {
        write_lower(s, plan.authority);
    }
    if !t.path.starts_with(b"/") {
        s.put(b"/");
    }
    s.put(t.path);
    s.put(b"?");
    // The caller's parameters in their order, each written as it was
    // signed (`+` as `%20`...), so that no server can read them two ways.
    for piece in t.query.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        match piece.iter().position(|&b| b == b'=') {
            Some(i) => {
                reencode(s, &piece[..i], Part::Query);
                s.put(b"=");
                reencode(s, &piece[i + 1..], Part::Query);
            }
            None => reencode(s, piece, Part::Query),
        }
        s.put(b"&");
    }
    for (i, name) in AUTH_PARAMS.iter().enumerate() {
        // One token parameter at most: the signer's kind, when it has one.
        // (Folds to the plain token test without the s3express feature.)
        let token_param = i == AUTH_TOKEN || (cfg!(feature = "s3express") && i == AUTH_S3_TOKEN);
        if token_param && (i != plan.token_param() || plan.creds.session_token().is_empty()) {
            continue;
        }
        if i == AUTH_REGION_SET && alg.region_set().is_none() {
            continue;
        }
        s.put(name);
        s.put(b"=");
        write_auth_param(plan, alg, s, i);
        s.put(b"&");
    }
    s.put(b"X-Amz-Signature=");
    s.put(sig.as_ref());
}

/// Bytes of the credential scope (a few `put`s, no traversal).
fn scope_len<A: Algorithm>(alg: &A) -> usize {
    let mut c = Counter(0);
    alg.write_scope(&mut c, b"/");
    c.0
}

/// Sum of the canonical header names plus one per name: the signed header
/// list is never longer (repeated names are listed once).
fn names_len(plan: &Plan<'_>) -> usize {
    plan.headers().map(|h| plan.name(h).len() + 1).sum()
}

/// An upper bound of what [`write_headers`] writes (the NUL after it
/// included), from lengths alone: with a buffer at least this large the
/// output can be written without a sizing pass. Never below the real size
/// (the fuzzers and `ops` check it).
pub(crate) fn headers_bound<A: Algorithm>(plan: &Plan<'_>, alg: &A, sig: &A::Signature) -> usize {
    let mut n = 256; // every fixed name and separator, with room to spare
    n += plan.req.target.host.len();
    if let Some((_, _)) = plan.stream {
        n += 128 + plan.encoding.map_or(0, <[u8]>::len);
    }
    n += plan.creds.session_token().len() + plan.payload_line_len().max(64);
    n += alg.name().len() + plan.creds.access_key_id().len() + scope_len(alg);
    n += alg.region_set().map_or(0, |r| 32 + r.len());
    n + names_len(plan) + sig.as_ref().len()
}

/// An upper bound of what [`write_presigned_url`] writes (NUL included),
/// as [`headers_bound`]: re-encoding or encoding writes at most three bytes
/// per byte read.
pub(crate) fn url_bound<A: Algorithm>(plan: &Plan<'_>, alg: &A, sig: &A::Signature) -> usize {
    let t = &plan.req.target;
    let mut n = 256; // the parameter names, separators and decimal expiry
    n += t.scheme.len() + plan.authority.len() + t.path.len() + 3 * t.query.len();
    n += alg.name().len() + 3 * (plan.creds.access_key_id().len() + scope_len(alg));
    n += 3 * (names_len(plan) + plan.creds.session_token().len());
    n += alg.region_set().map_or(0, |r| 32 + 3 * r.len());
    n + sig.as_ref().len()
}
