//! Canonical query string: split at `&`, decode and re-encode each key and
//! value, sort by key then value. A parameter without `=` has an empty value;
//! repeated keys are kept; empty pieces (`a&&b`) are skipped.
//!
//! Parameters are sorted as offsets into the caller's query, so nothing is
//! copied. Presigning adds its `X-Amz-*` parameters as virtual entries.

use core::cmp::Ordering;

use super::encode::Reencoded;
use super::{Error, MAX_QUERY_PARAMS};

/// The presigning parameters, in the order they are appended to a URL.
pub const AUTH_PARAMS: [&[u8]; 6 + cfg!(feature = "s3express") as usize + cfg!(feature = "sigv4a") as usize] = [
    b"X-Amz-Algorithm",
    b"X-Amz-Credential",
    b"X-Amz-Date",
    b"X-Amz-Expires",
    b"X-Amz-SignedHeaders",
    b"X-Amz-Security-Token",
    // S3 Express's token, spelled as botocore's S3ExpressQueryAuth and
    // aws-sdk-go-v2 spell it (the canonical query sorts on this case).
    #[cfg(feature = "s3express")]
    b"X-Amz-S3session-Token",
    #[cfg(feature = "sigv4a")]
    b"X-Amz-Region-Set",
];
/// Index of `X-Amz-Security-Token` in [`AUTH_PARAMS`].
pub const AUTH_TOKEN: usize = 5;
/// Index of `X-Amz-S3session-Token` in [`AUTH_PARAMS`] (with the
/// `s3express` feature).
pub const AUTH_S3_TOKEN: usize = 6;
/// Index of SigV4a's `X-Amz-Region-Set` in [`AUTH_PARAMS`] (with the
/// `sigv4a` feature).
pub const AUTH_REGION_SET: usize = if cfg!(feature = "s3express") { 7 } else { 6 };
const SIGNATURE_PARAM: &[u8] = b"X-Amz-Signature";

const VIRTUAL: u16 = 0xff00;

/// One entry of the sorted list.
#[derive(Clone, Copy)]
pub enum Param<'a> {
    /// A caller parameter, raw key and value.
    User(&'a [u8], &'a [u8]),
    /// An index into [`AUTH_PARAMS`].
    Auth(usize),
}

/// The query's parameters in canonical order.
pub struct SortedQuery<'a> {
    query: &'a [u8],
    order: [u16; MAX_QUERY_PARAMS + AUTH_PARAMS.len()],
    len: usize,
}

fn split_at_offset(query: &[u8], start: usize) -> (&[u8], &[u8]) {
    let piece = &query[start..];
    let piece = &piece[..piece.iter().position(|&b| b == b'&').unwrap_or(piece.len())];
    match piece.iter().position(|&b| b == b'=') {
        Some(i) => (&piece[..i], &piece[i + 1..]),
        None => (piece, &piece[piece.len()..]),
    }
}

fn key_of<'a>(query: &'a [u8], e: u16) -> Param<'a> {
    if e >= VIRTUAL {
        Param::Auth(usize::from(e - VIRTUAL))
    } else {
        let (k, v) = split_at_offset(query, usize::from(e));
        Param::User(k, v)
    }
}

fn cmp(query: &[u8], a: u16, b: u16) -> Ordering {
    match (key_of(query, a), key_of(query, b)) {
        (Param::User(ka, va), Param::User(kb, vb)) => Reencoded::new(ka)
            .cmp(Reencoded::new(kb))
            .then_with(|| Reencoded::new(va).cmp(Reencoded::new(vb))),
        (Param::User(k, _), Param::Auth(i)) => Reencoded::new(k).cmp(AUTH_PARAMS[i].iter().copied()),
        (Param::Auth(i), Param::User(k, _)) => AUTH_PARAMS[i].iter().copied().cmp(Reencoded::new(k)),
        (Param::Auth(i), Param::Auth(j)) => AUTH_PARAMS[i].cmp(AUTH_PARAMS[j]),
    }
}

impl<'a> SortedQuery<'a> {
    /// No parameters yet (see [`SortedQuery::fill`]).
    pub const fn empty() -> Self {
        SortedQuery {
            query: &[],
            order: [0; MAX_QUERY_PARAMS + AUTH_PARAMS.len()],
            len: 0,
        }
    }

    /// Sorts `query`'s parameters plus the auth parameters whose flag is set
    /// in `auth` (bit i for `AUTH_PARAMS[i]`), in place (the list is the
    /// largest part of a plan). With any auth parameter, a caller parameter
    /// of the same name (or `X-Amz-Signature`) is refused.
    pub fn fill(&mut self, query: &'a [u8], auth: u8) -> Result<(), Error> {
        self.fill_inner(query, auth, &[])
    }

    /// A received request's query as its signer canonicalized it: every
    /// parameter as given, less those named in `skip` (a presigned URL's
    /// `X-Amz-Signature`; an unsigned `X-Amz-Security-Token`).
    pub(crate) fn fill_received(&mut self, query: &'a [u8], skip: &[&[u8]]) -> Result<(), Error> {
        self.fill_inner(query, 0, skip)
    }

    fn fill_inner(&mut self, query: &'a [u8], auth: u8, skip: &[&[u8]]) -> Result<(), Error> {
        if query.len() >= usize::from(VIRTUAL) {
            return Err(Error::InputTooLong);
        }
        self.query = query;
        self.len = 0;
        let s = self;
        let mut start = 0usize;
        while start <= query.len() {
            let end = query[start..]
                .iter()
                .position(|&b| b == b'&')
                .map_or(query.len(), |i| start + i);
            let skipped = !skip.is_empty() && {
                let (k, _) = split_at_offset(query, start);
                skip.iter().any(|n| Reencoded::new(k).eq(n.iter().copied()))
            };
            if end > start && !skipped {
                if s.len == MAX_QUERY_PARAMS {
                    return Err(Error::TooManyQueryParameters);
                }
                if auth != 0 {
                    let (k, _) = split_at_offset(query, start);
                    let reserved = |name: &[u8]| Reencoded::new(k).eq(name.iter().copied());
                    if AUTH_PARAMS.iter().any(|n| reserved(n)) || reserved(SIGNATURE_PARAM) {
                        return Err(Error::ReservedQueryParameter);
                    }
                }
                s.order[s.len] = start as u16;
                s.len += 1;
            }
            start = end + 1;
        }
        for i in 0..AUTH_PARAMS.len() {
            if auth & (1 << i) != 0 {
                s.order[s.len] = VIRTUAL + i as u16;
                s.len += 1;
            }
        }
        // Insertion sort: small n, no allocation, tiny code.
        for i in 1..s.len {
            let mut j = i;
            while j > 0 && cmp(query, s.order[j - 1], s.order[j]) == Ordering::Greater {
                s.order.swap(j - 1, j);
                j -= 1;
            }
        }
        Ok(())
    }

    /// The parameters in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = Param<'a>> + '_ {
        self.order[..self.len].iter().map(move |&e| key_of(self.query, e))
    }
}
