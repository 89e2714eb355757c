//! Which input of a request a failing status is about, for error messages
//! that say where ("header 3 (X-Foo): byte 5"). Asked after the failure,
//! with the same request and the status it got: nothing is kept between
//! calls, and successful calls pay nothing for it.

use super::boundary::ffi_boundary;
use super::request::sigv4rs_request;
use super::slice::sigv4rs_bytes;
use super::status::sigv4rs_status;
use super::status::sigv4rs_status as S;
use crate::sign::encode::{FIELD, has};
use crate::sign::headers::is_tchar;
use crate::sign::{MAX_HEADERS, MAX_QUERY_PARAMS, MAX_URL_LEN};

/// The inputs of a `sigv4rs_request` (values of `sigv4rs_location.field`).
#[allow(non_camel_case_types)]
#[repr(u32)]
pub enum sigv4rs_field {
    /// Not one input of the request (the status is about something else:
    /// the signer, the time, the output buffer...), or not found.
    None = 0,
    /// `method`.
    Method = 1,
    /// `url`.
    Url = 2,
    /// `host`.
    Host = 3,
    /// `path`.
    Path = 4,
    /// `query`.
    Query = 5,
    /// The `headers` array as a whole (NULL, or too many).
    Headers = 6,
    /// The name of header `index`.
    HeaderName = 7,
    /// The value of header `index`.
    HeaderValue = 8,
    /// `payload_mode`.
    PayloadMode = 9,
    /// `payload`.
    Payload = 10,
}

/// Where a request input is bad (see `sigv4rs_request_locate`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct sigv4rs_location {
    /// A `sigv4rs_field` value.
    pub field: u32,
    /// The header's index for HEADER_NAME and HEADER_VALUE, else 0.
    pub index: u32,
    /// Offset of the first bad byte in that input, or `SIGV4RS_NO_OFFSET`
    /// when no single byte is to blame (empty, too long, a missing part).
    pub offset: u32,
}

/// `sigv4rs_location.offset` when no single byte is to blame.
pub const SIGV4RS_NO_OFFSET: u32 = 4_294_967_295;

const NOWHERE: sigv4rs_location = sigv4rs_location {
    field: sigv4rs_field::None as u32,
    index: 0,
    offset: SIGV4RS_NO_OFFSET,
};

fn at(field: sigv4rs_field, index: usize, offset: Option<usize>) -> sigv4rs_location {
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    sigv4rs_location {
        field: field as u32,
        index: to_u32(index),
        offset: offset.map_or(SIGV4RS_NO_OFFSET, to_u32),
    }
}

/// An input as its status sees it: `Err(status)` for `(NULL, n > 0)` or an
/// impossible length, never dereferenced then.
fn view<'a>(b: &sigv4rs_bytes) -> Result<&'a [u8], S> {
    // SAFETY: `bytes` checks NULL and the length; the rest is the caller's
    // contract (the same request the failing call was given).
    unsafe { super::slice::bytes(b) }
}

fn is_ctl(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

fn first(s: &[u8], bad: impl Fn(u8) -> bool) -> Option<usize> {
    s.iter().position(|&b| bad(b))
}

/// Offset of parameter `MAX_QUERY_PARAMS` (the first one too many), or of
/// the first parameter named like a presigning one.
fn query_offset(q: &[u8], status: S) -> Option<usize> {
    let mut start = 0;
    let mut n = 0;
    for piece in q.split(|&b| b == b'&') {
        if !piece.is_empty() {
            let name = &piece[..piece.iter().position(|&b| b == b'=').unwrap_or(piece.len())];
            let reserved = name.len() > 6 && name[..6].eq_ignore_ascii_case(b"x-amz-");
            if (status == S::TooManyQueryParameters && n == MAX_QUERY_PARAMS)
                || (status == S::ReservedQueryParameter && reserved)
            {
                return Some(start);
            }
            n += 1;
        }
        start += piece.len() + 1;
    }
    None
}

fn locate(r: &sigv4rs_request, status: S) -> sigv4rs_location {
    use sigv4rs_field as F;
    // Conversion errors first, in the order the signing calls check them.
    if matches!(status, S::NullArgument | S::InvalidArgument) {
        if r.headers_len > 0 && r.headers.is_null() {
            return at(F::Headers, 0, None);
        }
        if r.headers_len <= MAX_HEADERS && !r.headers.is_null() {
            // SAFETY: the caller's array of `headers_len` entries.
            let hs = unsafe { core::slice::from_raw_parts(r.headers, r.headers_len) };
            for (i, h) in hs.iter().enumerate() {
                if view(&h.name) == Err(status) {
                    return at(F::HeaderName, i, None);
                }
                if view(&h.value) == Err(status) {
                    return at(F::HeaderValue, i, None);
                }
            }
        }
        if view(&r.method) == Err(status) {
            return at(F::Method, 0, None);
        }
        if view(&r.url) == Err(status) {
            return at(F::Url, 0, None);
        }
        // The parts are read only when there is no URL.
        if r.url.len == 0 {
            for (f, b) in [(F::Host, &r.host), (F::Path, &r.path), (F::Query, &r.query)] {
                if view(b) == Err(status) {
                    return at(f, 0, None);
                }
            }
        }
        if view(&r.payload) == Err(status) {
            return at(F::Payload, 0, None);
        }
        if status == S::InvalidArgument && r.payload_mode > 3 {
            return at(F::PayloadMode, 0, None);
        }
        return NOWHERE;
    }
    let (Ok(method), Ok(url), Ok(host), Ok(path), Ok(query)) = (
        view(&r.method),
        view(&r.url),
        view(&r.host),
        view(&r.path),
        view(&r.query),
    ) else {
        return NOWHERE;
    };
    let parts = url.is_empty();
    // Where the query lives: its own field, or inside the URL after `?`.
    let (qfield, q, qbase) = if parts {
        (F::Query, query, 0)
    } else {
        let end = url.iter().position(|&b| b == b'#').unwrap_or(url.len());
        match url[..end].iter().position(|&b| b == b'?') {
            Some(i) => (F::Url, &url[i + 1..end], i + 1),
            None => (F::Url, &url[end..end], end),
        }
    };
    let headers = || -> &[super::request::sigv4rs_header] {
        if r.headers_len == 0 || r.headers.is_null() || r.headers_len > MAX_HEADERS {
            &[]
        } else {
            // SAFETY: as above.
            unsafe { core::slice::from_raw_parts(r.headers, r.headers_len) }
        }
    };
    match status {
        S::TooManyHeaders => at(F::Headers, 0, None),
        S::InvalidMethod => at(F::Method, 0, first(method, |b| !is_tchar(b))),
        S::InvalidUrl => {
            // User info (`@` in the authority) is refused too.
            let at_sign = url.windows(3).position(|w| w == b"://").and_then(|i| {
                let auth = &url[i + 3..];
                let end = first(auth, |b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(auth.len());
                first(&auth[..end], |b| b == b'@').map(|j| i + 3 + j)
            });
            at(F::Url, 0, first(url, is_ctl).or(at_sign))
        }
        // Without `host`, a Host header stands in for it.
        S::InvalidHost if parts && host.is_empty() => headers()
            .iter()
            .position(|h| view(&h.name).is_ok_and(|n| n.eq_ignore_ascii_case(b"host")))
            .map_or(NOWHERE, |i| at(F::HeaderValue, i, None)),
        S::InvalidHost | S::MissingHost if parts => at(F::Host, 0, first(host, |b| is_ctl(b) || b == b' ')),
        S::InvalidHost | S::MissingHost => {
            // The authority starts after `scheme://`.
            let start = url.windows(3).position(|w| w == b"://").map(|i| i + 3);
            at(F::Url, 0, start)
        }
        S::InvalidPath => at(F::Path, 0, first(path, |b| is_ctl(b) || b == b'?' || b == b'#')),
        S::InvalidQuery => at(qfield, 0, first(q, |b| is_ctl(b) || b == b'#').map(|i| i + qbase)),
        S::InputTooLong if parts && host.len() > MAX_URL_LEN => at(F::Host, 0, Some(MAX_URL_LEN)),
        S::InputTooLong if parts => at(F::Path, 0, None),
        S::InputTooLong => at(F::Url, 0, Some(MAX_URL_LEN)),
        S::TooManyQueryParameters | S::ReservedQueryParameter => {
            at(qfield, 0, query_offset(q, status).map(|i| i + qbase))
        }
        S::InvalidHeaderName => headers()
            .iter()
            .enumerate()
            .find_map(|(i, h)| {
                let name = view(&h.name).ok()?;
                let bad = if name.is_empty() {
                    Some(None)
                } else {
                    first(name, |b| !is_tchar(b)).map(Some)
                };
                bad.map(|off| at(F::HeaderName, i, off))
            })
            .unwrap_or(NOWHERE),
        S::InvalidHeaderValue => headers()
            .iter()
            .enumerate()
            .find_map(|(i, h)| {
                let value = view(&h.value).ok()?;
                first(value, |b| !has(b, FIELD)).map(|off| at(F::HeaderValue, i, Some(off)))
            })
            .unwrap_or(NOWHERE),
        S::InvalidPayloadHash => match view(&r.payload) {
            Ok(p) => at(
                F::Payload,
                0,
                first(p, |b| !b.is_ascii_hexdigit()).filter(|_| p.len() == 64),
            ),
            Err(_) => NOWHERE,
        },
        _ => NOWHERE,
    }
}

/// Troubleshooting: after a call given `request` returned `status`, says
/// which input of `request` it is about: `out->field` (a `sigv4rs_field`),
/// the header's `index`, and the `offset` of the first bad byte (or
/// `SIGV4RS_NO_OFFSET`). `out->field` is NONE when `status` is not about
/// one input of the request (the signer, the time, the output buffer...).
/// Nothing is kept between calls: pass the same request again. The inputs
/// are read as the signing calls read them (`(NULL, n > 0)` is never
/// dereferenced).
///
/// Statuses: OK, NULL_ARGUMENT (no `request` or no `out`), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_request_locate(
    request: *const sigv4rs_request,
    status: u32,
    out: *mut sigv4rs_location,
) -> sigv4rs_status {
    ffi_boundary! {
        // SAFETY: NULL or valid (contract).
        let (Some(r), false) = (unsafe { request.as_ref() }, out.is_null()) else {
            return S::NullArgument;
        };
        let loc = S::from_u32(status).map_or(NOWHERE, |s| locate(r, s));
        // SAFETY: non-NULL and writable (contract).
        unsafe { *out = loc };
        S::Ok
    }
}
