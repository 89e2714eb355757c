//! aws-chunked streaming uploads through the C ABI: the seed request, then
//! one call per chunk, then the final chunk and trailer. The state lives in
//! caller memory; memory use does not depend on the object size.

use super::boundary::{ffi_boundary, try_status};
use super::request::{CHeaders, request, sigv4rs_request};
use super::signer::{as_signer, sigv4rs_signer};
use super::slice::{bytes, finish, output, sigv4rs_bytes};
use super::status::sigv4rs_status;
use crate::sign::{AmzDate, ChecksumKind, ChunkState, Seed, StreamMode, Streaming};

const _: () = assert!(core::mem::size_of::<ChunkState>() <= SIGV4RS_CHUNKED_STATE_SIZE);

/// Bytes of a `sigv4rs_chunked` state.
pub const SIGV4RS_CHUNKED_STATE_SIZE: usize = 320;
/// Longest chunk header `sigv4rs_chunked_sign_chunk` writes (8 hex digits,
/// `;chunk-signature=`, 64 hex digits, CRLF).
pub const SIGV4RS_CHUNK_HEADER_MAX_LEN: usize = 91;
/// Longest end of body `sigv4rs_chunked_finish` writes (signed final chunk,
/// a SHA-256 trailer, its signature, the closing CRLF).
pub const SIGV4RS_CHUNKED_FINISH_MAX_LEN: usize = 244;
/// `SIGV4RS_CHUNK_HEADER_MAX_LEN` for the SigV4a modes: the signature is
/// 144 characters (`SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN`, padded with `*`).
pub const SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN: usize = 171;
/// `SIGV4RS_CHUNKED_FINISH_MAX_LEN` for the SigV4a modes (two 144-character
/// signatures).
pub const SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN: usize = 404;

/// Caller-owned state of one streamed upload (no heap). Set up by
/// `sigv4rs_chunked_begin`; spent by `sigv4rs_chunked_finish`. Not for
/// concurrent use; do not copy it while in use.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct sigv4rs_chunked {
    /// Private.
    pub _opaque: [u64; 40],
}

const _: () = assert!(core::mem::align_of::<ChunkState>() <= 8);
const _: () = assert!(core::mem::size_of::<sigv4rs_chunked>() == SIGV4RS_CHUNKED_STATE_SIZE);

/// Streaming payload kinds (values of `sigv4rs_stream.mode`).
#[allow(non_camel_case_types)]
#[repr(u32)]
pub enum sigv4rs_stream_mode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: every chunk signed, no trailer.
    Signed = 0,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks plus a
    /// signed checksum trailer.
    SignedTrailer = 1,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks, checksum
    /// trailer (use over TLS). With a SigV4 or a SigV4a signer.
    UnsignedTrailer = 2,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD`: SigV4a
    /// (`SIGV4RS_FLAG_SIGV4A` signers), every chunk signed, no trailer.
    /// Each signature takes 144 characters on the wire (padded with `*`).
    SignedV4a = 3,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER`: SigV4a's signed
    /// chunks plus a signed checksum trailer.
    SignedTrailerV4a = 4,
}

/// Trailer checksums (values of `sigv4rs_stream.checksum`).
#[allow(non_camel_case_types)]
#[repr(u32)]
pub enum sigv4rs_checksum {
    /// No trailer (required for `SIGV4RS_STREAM_MODE_SIGNED`).
    None = 0,
    /// `x-amz-checksum-crc32`.
    Crc32 = 1,
    /// `x-amz-checksum-crc32c`.
    Crc32c = 2,
    /// `x-amz-checksum-sha256`.
    Sha256 = 3,
    /// `x-amz-checksum-crc64nvme` (CRC-64/NVME). Firmware builds take it
    /// with the cargo feature `extra-checksums` (else INVALID_ARGUMENT).
    Crc64nvme = 4,
    /// `x-amz-checksum-sha1` (firmware: feature `extra-checksums`, as above).
    Sha1 = 5,
}

/// The kind behind a `sigv4rs_checksum` value; `None` for NONE, unknown
/// values, and the feature's kinds in a build without it.
pub(crate) fn checksum_kind(v: u32) -> Option<ChecksumKind> {
    Some(match v {
        1 => ChecksumKind::Crc32,
        2 => ChecksumKind::Crc32c,
        3 => ChecksumKind::Sha256,
        #[cfg(feature = "extra-checksums")]
        4 => ChecksumKind::Crc64Nvme,
        #[cfg(feature = "extra-checksums")]
        5 => ChecksumKind::Sha1,
        _ => return None,
    })
}

/// The shape of a streamed upload, fixed before the first byte is sent.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_stream {
    /// A `sigv4rs_stream_mode` value.
    pub mode: u32,
    /// A `sigv4rs_checksum` value: not NONE with a trailer mode, NONE without.
    pub checksum: u32,
    /// Bytes of the object.
    pub decoded_length: u64,
    /// Bytes per chunk; every chunk but the last is exactly this long. S3
    /// wants at least 8192 (64 KiB is usual).
    pub chunk_size: u32,
}

fn streaming(s: *const sigv4rs_stream) -> Result<Streaming, sigv4rs_status> {
    // SAFETY: NULL checked; valid for reads (contract).
    let s = unsafe { s.as_ref() }.ok_or(sigv4rs_status::NullArgument)?;
    let mode = match s.mode {
        0 => StreamMode::Signed,
        1 => StreamMode::SignedTrailer,
        2 => StreamMode::UnsignedTrailer,
        3 => StreamMode::SignedV4a,
        4 => StreamMode::SignedTrailerV4a,
        _ => return Err(sigv4rs_status::InvalidArgument),
    };
    let checksum = match (s.checksum, checksum_kind(s.checksum)) {
        (0, _) => None,
        (_, Some(k)) => Some(k),
        _ => return Err(sigv4rs_status::InvalidArgument),
    };
    let st = Streaming {
        mode,
        checksum,
        decoded_len: s.decoded_length,
        chunk_size: s.chunk_size,
    };
    st.validate()?;
    Ok(st)
}

/// The state behind `p`, if `sigv4rs_chunked_begin` set it up.
fn state<'a>(p: *mut sigv4rs_chunked) -> Result<&'a mut ChunkState, sigv4rs_status> {
    if p.is_null() {
        return Err(sigv4rs_status::NullArgument);
    }
    // SAFETY: non-NULL, valid and aligned (contract and asserts). `ready` is
    // the first field of the repr(C) state: read it alone before trusting
    // the rest, which only `_begin` writes.
    let ready = unsafe { p.cast::<u32>().read() };
    if ready != ChunkState::READY {
        return Err(sigv4rs_status::NotInitialized);
    }
    // SAFETY: as above; the state was written by `_begin`.
    Ok(unsafe { &mut *p.cast::<ChunkState>() })
}

/// The `Content-Length` of the encoded (aws-chunked) body of `stream`, which
/// S3 needs before the first byte is sent (exact in every mode: SigV4a's
/// signatures are padded to a fixed width).
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (unknown mode or checksum,
/// chunk size 0, checksum without trailer mode or the reverse),
/// INPUT_TOO_LONG (overflow), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_chunked_encoded_length(stream: *const sigv4rs_stream, out: *mut u64) -> sigv4rs_status {
    ffi_boundary! {
        if out.is_null() {
            return sigv4rs_status::NullArgument;
        }
        let st = try_status!(streaming(stream));
        let n = try_status!(st.encoded_len());
        // SAFETY: non-NULL and writable (contract).
        unsafe { *out = n };
        sigv4rs_status::Ok
    }
}

/// Starts an aws-chunked upload of `request` (S3 PUT/UploadPart): signs
/// the seed request and writes the headers to send, as
/// `sigv4rs_signer_sign_headers` does, plus `Content-Encoding: aws-chunked`,
/// `Content-Length` (the encoded length), `X-Amz-Decoded-Content-Length`
/// and `X-Amz-Trailer` (trailer modes); `X-Amz-Content-SHA256` is the
/// streaming mode. These replace request headers of the same names, except
/// that a request's own `Content-Encoding` (e.g. `gzip`) is kept after
/// `aws-chunked` (`aws-chunked,gzip`), as S3 wants; the request's payload is
/// ignored. On OK, `*state` is ready for the chunks;
/// on error it is not written. A `SIGV4RS_FLAG_SIGV4A` signer takes the
/// `_V4A` modes (the seed request is signed with SigV4a, the chunks and
/// trailer with ECDSA too) or `SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER`; other
/// signers take the others.
///
/// Statuses: those of `sigv4rs_signer_sign_headers`, plus the ones of
/// `sigv4rs_chunked_encoded_length`, and INVALID_ARGUMENT for a signed mode
/// of the other algorithm than the signer's.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_chunked_begin(
    signer: *const sigv4rs_signer,
    request_: *const sigv4rs_request,
    unix_time: i64,
    stream: *const sigv4rs_stream,
    state_out: *mut sigv4rs_chunked,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let s = try_status!(as_signer(signer));
        let st = try_status!(streaming(stream));
        if state_out.is_null() {
            return sigv4rs_status::NullArgument;
        }
        let mut headers = CHeaders::EMPTY;
        // SAFETY: `request_` NULL or valid; `out`/`out_len` per contract.
        let built = unsafe { request(request_, &mut headers) };
        let r = match built {
            Err(e) => return e,
            Ok(ref r) => r,
        };
        // SAFETY: per contract.
        let (buf, len) = try_status!(unsafe { output(out, out_cap, out_len) });
        // The state is made only on success, straight into the caller's
        // memory (a copy on this stack cost firmware 232 bytes).
        let r = s.begin_chunked_with(r, unix_time, &st, buf, &mut |date, seed| {
            store_state(state_out, &st, date, seed)
        });
        finish(r, len)
    }
}

/// Builds the state in `out` (non-NULL, valid, aligned and large enough:
/// asserted at compile time). Not inlined: the state's temporary then never
/// shares a frame with the signing call before it.
#[inline(never)]
fn store_state(out: *mut sigv4rs_chunked, st: &Streaming, date: AmzDate, seed: Seed<'_>) {
    // SAFETY: see above.
    unsafe { out.cast::<ChunkState>().write(ChunkState::started(st, date, seed)) };
}

/// Signs the next data chunk and writes its header:
/// `<hex-size>;chunk-signature=<signature>\r\n` (unsigned trailer mode:
/// `<hex-size>\r\n`). Send that header, the chunk's bytes, then `\r\n`.
/// The output is wire bytes, not NUL-terminated; `*out_len` is their count
/// (at most `SIGV4RS_CHUNK_HEADER_MAX_LEN`, or
/// `SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN` in the SigV4a modes, where the
/// signature is padded with `*` to 144 characters, as aws-c-auth sends it).
/// Every chunk but the last must be exactly the chunk size.
///
/// Statuses: OK, NULL_ARGUMENT, BUFFER_TOO_SMALL (state unchanged),
/// NOT_INITIALIZED (no `_begin`, or after `_finish`), INVALID_CHUNK_SIZE,
/// INVALID_ARGUMENT, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_chunked_sign_chunk(
    signer: *const sigv4rs_signer,
    state_: *mut sigv4rs_chunked,
    data: sigv4rs_bytes,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let s = try_status!(as_signer(signer));
        let st = try_status!(state(state_));
        // SAFETY: per contract.
        let (d, (buf, len)) = unsafe { (try_status!(bytes(&data)), try_status!(output(out, out_cap, out_len))) };
        finish(st.sign_chunk(s, d, buf), len)
    }
}

/// Writes the end of the body: the final zero-length chunk, the checksum
/// trailer and its signature (trailer modes) and the closing blank line.
/// Wire bytes, not NUL-terminated (at most `SIGV4RS_CHUNKED_FINISH_MAX_LEN`,
/// or `SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN` in the SigV4a modes).
/// The state is spent and its key zeroed.
///
/// Statuses: OK, NULL_ARGUMENT, BUFFER_TOO_SMALL (state unchanged),
/// NOT_INITIALIZED, INCOMPLETE_PAYLOAD (fewer bytes signed than declared),
/// PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_chunked_finish(
    signer: *const sigv4rs_signer,
    state_: *mut sigv4rs_chunked,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let s = try_status!(as_signer(signer));
        let st = try_status!(state(state_));
        // SAFETY: per contract.
        let (buf, len) = try_status!(unsafe { output(out, out_cap, out_len) });
        finish(st.finish(s, buf), len)
    }
}
