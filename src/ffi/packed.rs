//! The packed entry point for bindings: the whole request in one byte
//! buffer plus an array of spans, and the output's header lines as offsets,
//! so that a binding builds no C structs and parses no text per call.

use super::boundary::{ffi_boundary, try_status};
use super::signer::{as_signer, sigv4rs_signer};
use super::slice::{array, finish, output};
use super::status::sigv4rs_status;
use crate::sign::{HeaderList, MAX_HEADERS, Payload, Request, Target};

/// The first span of header 0 in `sigv4rs_signer_sign_packed`'s `spans`
/// (spans before it: method, url, host, path, query, payload).
pub const SIGV4RS_PACKED_FIRST_HEADER: usize = 6;
/// Most header lines SigV4 header signing outputs (Host, Content-Encoding,
/// Content-Length, X-Amz-Decoded-Content-Length, X-Amz-Trailer, X-Amz-Date,
/// X-Amz-Security-Token, X-Amz-Content-SHA256, Authorization). A SigV4a
/// signer adds X-Amz-Region-Set: see `SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS`.
/// `sigv4rs_signer_sign_packed` signs no aws-chunked seed, so its lines
/// always fit.
pub const SIGV4RS_MAX_OUTPUT_HEADERS: usize = 9;
/// `SIGV4RS_MAX_OUTPUT_HEADERS` for SigV4a signers (X-Amz-Region-Set too):
/// reached by `sigv4rs_chunked_begin` in a `_V4A` trailer mode.
pub const SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS: usize = 10;
/// `uint32_t`s `sigv4rs_signer_sign_packed` needs in `fields`: the count,
/// then four per output header.
pub const SIGV4RS_PACKED_FIELDS_LEN: usize = 37;
const _: () = assert!(SIGV4RS_PACKED_FIELDS_LEN == 1 + 4 * SIGV4RS_MAX_OUTPUT_HEADERS);

struct PackedHeaders<'a> {
    data: &'a [u8],
    spans: &'a [u32],
}

fn span<'a>(data: &'a [u8], spans: &[u32], i: usize) -> &'a [u8] {
    let (off, len) = (spans[2 * i] as usize, spans[2 * i + 1] as usize);
    &data[off..off + len]
}

impl HeaderList for PackedHeaders<'_> {
    fn count(&self) -> usize {
        self.spans.len() / 2 / 2 - SIGV4RS_PACKED_FIRST_HEADER / 2
    }
    fn header(&self, i: usize) -> (&[u8], &[u8]) {
        let first = SIGV4RS_PACKED_FIRST_HEADER + 2 * i;
        (
            span(self.data, self.spans, first),
            span(self.data, self.spans, first + 1),
        )
    }
}

/// Writes `fields` for header output `text` (NUL-terminated `Name: value`
/// lines): the count, then name offset, name length, value offset, value
/// length per line. Names are tokens, so the first `:` ends them.
fn write_fields(text: &[u8], fields: &mut [u32]) {
    let mut n = 0;
    let mut start = 0;
    while start < text.len() {
        let end = next_nul(text, start);
        let line = &text[start..end];
        let colon = line.iter().position(|&c| c == b':').unwrap_or(line.len());
        let value = (colon + 2).min(line.len());
        let at = 1 + 4 * n;
        fields[at] = start as u32;
        fields[at + 1] = colon as u32;
        fields[at + 2] = (start + value) as u32;
        fields[at + 3] = (line.len() - value) as u32;
        n += 1;
        start = end + 1;
    }
    fields[0] = n as u32;
}

/// Index of the first NUL in `b` from `i` on (else `b.len()`), eight bytes
/// at a time: the token and Authorization lines are hundreds of bytes and a
/// byte loop cost a fifth of a binding's call.
fn next_nul(b: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        // The lowest flagged byte is always a true zero (borrows only run upward).
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            return i + (z.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c == 0).map_or(b.len(), |p| i + p)
}

/// Signs a request given as one buffer for bindings. `spans` holds
/// `(offset, length)` pairs of `uint32_t` into `data`: method, url, host,
/// path, query, payload, then name and value of each header
/// (`spans_len = 2 * (SIGV4RS_PACKED_FIRST_HEADER + 2 * headers)`). The
/// inputs mean what the fields of `sigv4rs_request` mean. With
/// `auth = SIGV4RS_AUTH_HEADERS` (and `expires_secs = 0`) `out` gets what
/// `sigv4rs_signer_sign_headers` writes; with `SIGV4RS_AUTH_PRESIGN`, what
/// `sigv4rs_signer_presign` writes. When `fields` is not NULL (then
/// `fields_cap >= SIGV4RS_PACKED_FIELDS_LEN`), on OK it gets the number of
/// header lines, then for each: name offset and length, value offset and
/// length in `out` (none for a URL).
///
/// Statuses: those of `sigv4rs_signer_sign_headers` and
/// `sigv4rs_signer_presign` (INVALID_ARGUMENT also for `spans_len`
/// not of that form, a span outside `data`, `fields_cap` too small, an
/// unknown `auth` or header mode with a non-zero `expires_secs`).
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_sign_packed(
    signer: *const sigv4rs_signer,
    data: *const u8,
    data_len: usize,
    spans: *const u32,
    spans_len: usize,
    payload_mode: u32,
    unix_time: i64,
    auth: u32,
    expires_secs: u32,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    fields: *mut u32,
    fields_cap: usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let s = try_status!(as_signer(signer));
        // SAFETY: per contract (NULL with a length is refused).
        let (data, spans) = unsafe { (try_status!(array(data, data_len)), try_status!(array(spans, spans_len))) };
        let first = 2 * SIGV4RS_PACKED_FIRST_HEADER;
        if spans.len() < first || !(spans.len() - first).is_multiple_of(4) {
            return sigv4rs_status::InvalidArgument;
        }
        if (spans.len() - first) / 4 > MAX_HEADERS {
            return sigv4rs_status::TooManyHeaders;
        }
        let inside = |p: &[u32]| (p[0] as usize).checked_add(p[1] as usize).is_some_and(|end| end <= data.len());
        if !spans.chunks_exact(2).all(inside) {
            return sigv4rs_status::InvalidArgument;
        }
        if !fields.is_null() && fields_cap < SIGV4RS_PACKED_FIELDS_LEN {
            return sigv4rs_status::InvalidArgument;
        }
        let presign = match (auth, expires_secs) {
            (0, 0) => false,
            (1, _) => true,
            _ => return sigv4rs_status::InvalidArgument,
        };
        let get = |i: usize| span(data, spans, i);
        let url = get(1);
        let target = try_status!(if url.is_empty() {
            Target::from_parts(get(2), get(3), get(4))
        } else {
            Target::parse_url(url)
        });
        let body = get(5);
        let payload = match payload_mode {
            0 => Payload::Auto(body),
            1 => Payload::Bytes(body),
            2 => Payload::Sha256Hex(body),
            3 => Payload::Unsigned,
            _ => return sigv4rs_status::InvalidArgument,
        };
        let headers = PackedHeaders { data, spans };
        let req = Request {
            method: get(0),
            target,
            headers: &headers,
            payload,
        };
        // SAFETY: per contract.
        let (buf, len) = unsafe { try_status!(output(out, out_cap, out_len)) };
        let r = if presign {
            s.presign(&req, unix_time, expires_secs, buf)
        } else {
            s.sign_headers(&req, unix_time, buf)
        };
        if let (Ok(n), false) = (&r, fields.is_null()) {
            // SAFETY: non-NULL with room for SIGV4RS_PACKED_FIELDS_LEN (checked, contract).
            let f = unsafe { core::slice::from_raw_parts_mut(fields, SIGV4RS_PACKED_FIELDS_LEN) };
            if presign {
                f[0] = 0;
            } else {
                write_fields(&buf[..*n], f);
            }
        }
        finish(r, len)
    }
}

#[cfg(test)]
mod tests {
    use super::next_nul;

    // Against a byte loop: a NUL at every offset of every length, none,
    // and bytes that fool a carelessly-masked word test (0x01, 0x80, 0xff).
    #[test]
    fn next_nul_finds_the_first_nul() {
        for len in 0..40 {
            for fill in [b'a', 0x01, 0x80, 0xff] {
                let mut b = [fill; 40];
                for nul in (0..len).map(Some).chain([None]) {
                    b[..len].fill(fill);
                    if let Some(at) = nul {
                        b[at] = 0;
                        if at + 1 < len {
                            b[at + 1] = 0; // a second NUL must not win
                        }
                    }
                    for from in 0..=len {
                        let want = b[from..len].iter().position(|&c| c == 0).map_or(len, |p| from + p);
                        assert_eq!(next_nul(&b[..len], from), want, "len {len} nul {nul:?} from {from}");
                    }
                }
            }
        }
    }
}
