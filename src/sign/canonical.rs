//! The canonical request, step by step as the SigV4 specification names
//! them: canonical URI, canonical query, canonical headers, signed headers,
//! hashed payload. Each step writes a plan into a [`Sink`]; nothing is
//! buffered. Presigning's `X-Amz-*` parameters come from the algorithm.

use super::algorithm::Algorithm;
use super::encode::{Part, encode, is_unreserved, pct, reencode};
use super::headers::{write_lower, write_value};
use super::path::{UriRules, write_canonical_uri};
use super::plan::{Added, Header, Plan};
use super::query::{AUTH_PARAMS, Param};
use super::sha::Sha256;
use super::signer::Flags;
use super::sink::{Sink, put_decimal};

fn rules(plan: &Plan<'_>) -> UriRules {
    let f = plan.flags;
    let s3 = f & Flags::S3 != 0;
    UriRules {
        normalize: !s3 && f & Flags::NO_PATH_NORMALIZATION == 0,
        single_encode: s3 || f & Flags::SINGLE_ENCODE_PATH != 0,
    }
}

/// `aws-chunked`, then the caller's own encoding if any.
pub(crate) fn write_content_encoding(plan: &Plan<'_>, s: &mut dyn Sink) {
    s.put(b"aws-chunked");
    if let Some(e) = plan.encoding {
        s.put(b",");
        write_value(s, e);
    }
}

fn write_header_value(plan: &Plan<'_>, s: &mut dyn Sink, h: Header) {
    let stream = plan.stream;
    match h {
        Header::Added(Added::Host) => write_lower(s, plan.req.target.host),
        Header::Added(Added::Date) => s.put(&plan.date.full),
        Header::Added(Added::ContentSha256) => plan.write_payload_line(s),
        Header::Added(Added::Token) => s.put(plan.creds.session_token()),
        #[cfg(feature = "s3express")]
        Header::Added(Added::S3SessionToken) => s.put(plan.creds.session_token()),
        Header::Added(Added::ContentEncoding) => write_content_encoding(plan, s),
        Header::Added(Added::ContentLength) => put_decimal(s, stream.map_or(0, |(_, enc)| enc)),
        Header::Added(Added::DecodedLength) => put_decimal(s, stream.map_or(0, |(st, _)| st.decoded_len)),
        Header::Added(Added::Trailer) => s.put(
            stream
                .and_then(|(st, _)| st.checksum)
                .map_or(&b""[..], |k| k.header_name()),
        ),
        #[cfg(feature = "sigv4a")]
        Header::Added(Added::RegionSet) => s.put(plan.signer.region()),
        Header::Caller(i) => write_value(s, plan.req.headers.header(i).1),
    }
}

/// `host;x-amz-date;...`. In a query (`X-Amz-SignedHeaders`) the list is
/// percent-encoded: `;` and any name byte outside the unreserved set (`&`,
/// `'`, `*`...).
pub(crate) fn write_signed_headers(plan: &Plan<'_>, s: &mut dyn Sink, query: bool) {
    let mut prev: Option<&[u8]> = None;
    for h in plan.headers() {
        let name = plan.name(h);
        if prev.is_some_and(|p| p.eq_ignore_ascii_case(name)) {
            continue;
        }
        if prev.is_some() {
            s.put(if query { b"%3B" } else { b";" });
        }
        if query && !name.iter().all(|&b| is_unreserved(b)) {
            for &b in name {
                let b = b.to_ascii_lowercase();
                if is_unreserved(b) { s.put(&[b]) } else { s.put(&pct(b)) }
            }
        } else {
            write_lower(s, name);
        }
        prev = Some(name);
    }
}

/// `name:value\n` per name, repeated names joined with `,`.
fn write_canonical_headers(plan: &Plan<'_>, s: &mut dyn Sink) {
    let mut prev: Option<&[u8]> = None;
    for h in plan.headers() {
        let name = plan.name(h);
        if prev.is_some_and(|p| p.eq_ignore_ascii_case(name)) {
            s.put(b",");
        } else {
            if prev.is_some() {
                s.put(b"\n");
            }
            write_lower(s, name);
            s.put(b":");
        }
        write_header_value(plan, s, h);
        prev = Some(name);
    }
    s.put(b"\n");
}

/// Value of auth parameter `i` (an index into `AUTH_PARAMS`), encoded for
/// a query string.
pub(crate) fn write_auth_param<A: Algorithm>(plan: &Plan<'_>, alg: &A, s: &mut dyn Sink, i: usize) {
    match i {
        0 => s.put(alg.name()),
        1 => {
            encode(s, plan.creds.access_key_id(), false);
            s.put(b"%2F");
            alg.write_scope(s, b"%2F");
        }
        2 => s.put(&alg.date().full),
        3 => put_decimal(s, u64::from(plan.expires.unwrap_or(0))),
        4 => write_signed_headers(plan, s, true),
        #[cfg(feature = "sigv4a")]
        super::query::AUTH_REGION_SET => encode(s, plan.signer.region(), false),
        _ => encode(s, plan.creds.session_token(), false),
    }
}

fn write_canonical_query<A: Algorithm>(plan: &Plan<'_>, alg: &A, s: &mut dyn Sink) {
    for (n, p) in plan.query.iter().enumerate() {
        if n > 0 {
            s.put(b"&");
        }
        match p {
            Param::User(k, v) => {
                reencode(s, k, Part::Query);
                s.put(b"=");
                reencode(s, v, Part::Query);
            }
            Param::Auth(i) => {
                s.put(AUTH_PARAMS[i]);
                s.put(b"=");
                write_auth_param(plan, alg, s, i);
            }
        }
    }
}

/// The canonical request.
pub(crate) fn write_canonical_request<A: Algorithm>(plan: &Plan<'_>, alg: &A, s: &mut dyn Sink) {
    let req = plan.req;
    s.put(req.method);
    s.put(b"\n");
    write_canonical_uri(s, req.target.path, rules(plan));
    s.put(b"\n");
    write_canonical_query(plan, alg, s);
    s.put(b"\n");
    write_canonical_headers(plan, s);
    s.put(b"\n");
    write_signed_headers(plan, s, false);
    s.put(b"\n");
    plan.write_payload_line(s);
}

/// SHA-256 of the canonical request.
pub(crate) fn canonical_request_hash<A: Algorithm>(plan: &Plan<'_>, alg: &A) -> [u8; 32] {
    let mut h = Sha256::new();
    write_canonical_request(plan, alg, &mut h);
    h.finish_reset()
}
