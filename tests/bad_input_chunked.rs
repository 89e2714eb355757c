//! Bad input, `chunked` family: `sigv4rs_chunked_encoded_length`, `_begin`
//! (the request cases of `tests/common/requests.rs` plus the stream's),
//! `_sign_chunk` and `_finish` (see `tests/common/matrix.rs`).

mod common;

use common::b;
use common::matrix::*;
use common::requests::{Kind, STREAM, base_request, run_request_capacities, run_request_cases, stream_shapes};
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("chunked", |m| {
    run_request_cases(m, &[Kind::Begin], false);
    run_request_capacities(m, &[Kind::Begin], false);
    run_encoded_length(m);
    run_chunks(m);
});

// ---------------------------------------------------------------------------
// Streaming: encoded length, chunks, finish.

/// The encoded length computed in u128, independently of the library.
fn encoded_len_oracle(s: &sigv4rs_stream) -> u128 {
    let signed = s.mode != 2;
    // SigV4a's signatures (modes 3 and 4) are padded to 144 characters.
    let width = if s.mode >= 3 { 144 } else { 64 };
    let hex = |n: u128| format!("{n:x}").len() as u128;
    let sig = if signed { 17 + width } else { 0 };
    let size = u128::from(s.chunk_size);
    let d = u128::from(s.decoded_length);
    let (full, rest) = (d / size, d % size);
    let mut total = full * (hex(size) + sig + 4 + size);
    if rest > 0 {
        total += hex(rest) + sig + 4 + rest;
    }
    total += 1 + sig + 2;
    let (name_len, b64) = match s.checksum {
        0 => (0, 0),
        1 => ("x-amz-checksum-crc32".len() as u128, 8),
        2 => ("x-amz-checksum-crc32c".len() as u128, 8),
        3 => ("x-amz-checksum-sha256".len() as u128, 44),
        4 => ("x-amz-checksum-crc64nvme".len() as u128, 12),
        5 => ("x-amz-checksum-sha1".len() as u128, 28),
        c => panic!("no checksum {c}"),
    };
    if s.checksum != 0 {
        total += name_len + 1 + b64 + 2;
        if signed {
            total += "x-amz-trailer-signature:".len() as u128 + width + 2;
        }
    }
    total + 2
}

fn run_encoded_length(m: &mut Matrix) {
    const F: &str = "sigv4rs_chunked_encoded_length";
    let call = |m: &mut Matrix, what: &str, s: Option<&sigv4rs_stream>, out_null: bool, want: S| {
        let mut out = 0xDEAD_BEEFu64;
        let sp: *const sigv4rs_stream = s.map_or(std::ptr::null(), |s| s);
        let op: *mut u64 = if out_null { std::ptr::null_mut() } else { &mut out };
        let got = sigv4rs_chunked_encoded_length(sp, op);
        let mut problems = Vec::new();
        if got != S::Ok && out != 0xDEAD_BEEF {
            problems.push("*out written on error".into());
        }
        if got == S::Ok
            && let Some(s) = s
            && u128::from(out) != encoded_len_oracle(s)
        {
            problems.push(format!("length {out}, want {}", encoded_len_oracle(s)));
        }
        m.cell(F, what, want, got, problems);
    };
    call(m, "stream NULL", None, false, S::NullArgument);
    call(m, "out NULL", Some(&STREAM), true, S::NullArgument);
    for (what, s, want) in stream_shapes() {
        call(m, &what, Some(&s), false, want);
    }
    // Lengths right at the u64 edge, each mode and checksum: the oracle says
    // whether the encoded length fits; it must be exact or INPUT_TOO_LONG.
    for (mode, checksum) in [(0u32, 0u32), (1, 1), (1, 3), (2, 2), (1, 4), (2, 5), (3, 0), (4, 3)] {
        for chunk in [1u32, 8192, u32::MAX] {
            let at = |d: u64| sigv4rs_stream {
                mode,
                checksum,
                decoded_length: d,
                chunk_size: chunk,
            };
            // Largest decoded length whose encoding fits in a u64.
            let (mut lo, mut hi) = (0u64, u64::MAX);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if encoded_len_oracle(&at(mid)) <= u128::from(u64::MAX) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            for d in [lo.saturating_sub(1), lo, lo.saturating_add(1), lo.saturating_add(200)] {
                let s = at(d);
                let want = if encoded_len_oracle(&s) <= u128::from(u64::MAX) {
                    S::Ok
                } else {
                    S::InputTooLong
                };
                call(
                    m,
                    &format!("mode {mode} checksum {checksum} chunk {chunk} length {d:#x} (u64 edge)"),
                    Some(&s),
                    false,
                    want,
                );
            }
        }
    }
}

/// A started upload of 100 bytes in chunks of 64 for each stream mode.
fn streams() -> [(&'static str, sigv4rs_stream); 6] {
    [
        ("signed", STREAM),
        (
            "signed+crc32c",
            sigv4rs_stream {
                mode: 1,
                checksum: 2,
                ..STREAM
            },
        ),
        (
            "unsigned+sha256",
            sigv4rs_stream {
                mode: 2,
                checksum: 3,
                ..STREAM
            },
        ),
        ("sigv4a signed", sigv4rs_stream { mode: 3, ..STREAM }),
        (
            "sigv4a signed+crc64nvme",
            sigv4rs_stream {
                mode: 4,
                checksum: 4,
                ..STREAM
            },
        ),
        (
            "sigv4a unsigned+crc32",
            sigv4rs_stream {
                mode: 2,
                checksum: 1,
                ..STREAM
            },
        ),
    ]
}

/// The good signer, SigV4a for the "sigv4a" streams.
fn config_for(what: &str) -> sigv4rs_config {
    let mut c = good_config();
    if what.starts_with("sigv4a") {
        c.flags |= SIGV4RS_FLAG_SIGV4A;
    }
    c
}

fn begin(signer: *const sigv4rs_signer, st: &sigv4rs_stream) -> Box<sigv4rs_chunked> {
    let mut state = Box::new(sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    });
    let mut out = vec![0u8; 4096];
    let mut len = 0;
    let req = base_request();
    assert_eq!(
        sigv4rs_chunked_begin(signer, &req, T, st, &mut *state, out.as_mut_ptr(), out.len(), &mut len),
        S::Ok
    );
    state
}

fn chunk(signer: *const sigv4rs_signer, state: &mut sigv4rs_chunked, data: &[u8]) -> (S, Vec<u8>) {
    let mut out = [0u8; SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN];
    let mut len = 0;
    let s = sigv4rs_chunked_sign_chunk(signer, state, b(data), out.as_mut_ptr(), out.len(), &mut len);
    (s, out[..if s == S::Ok { len } else { 0 }].to_vec())
}

fn finish(signer: *const sigv4rs_signer, state: &mut sigv4rs_chunked) -> (S, Vec<u8>) {
    let mut out = [0u8; SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN];
    let mut len = 0;
    let s = sigv4rs_chunked_finish(signer, state, out.as_mut_ptr(), out.len(), &mut len);
    (s, out[..if s == S::Ok { len } else { 0 }].to_vec())
}

const DATA: [u8; 100] = [0x42; 100];

fn run_chunks(m: &mut Matrix) {
    const C: &str = "sigv4rs_chunked_sign_chunk";
    const F: &str = "sigv4rs_chunked_finish";
    for (mode, st) in streams() {
        let heap = heap_signer(&config_for(mode));
        // Reference: 64 + 36 bytes, then the end, with no error in between.
        let mut s = begin(heap, &st);
        let reference = [
            chunk(heap, &mut s, &DATA[..64]).1,
            chunk(heap, &mut s, &DATA[64..]).1,
            finish(heap, &mut s).1,
        ];

        // The same upload with every bad call in between; the state must
        // not move, so the output must equal the reference.
        let mut s = begin(heap, &st);
        let mut outputs = Vec::new();
        let sc = |m: &mut Matrix,
                  what: &str,
                  signer: *const sigv4rs_signer,
                  state: *mut sigv4rs_chunked,
                  data: sigv4rs_bytes,
                  how: Out,
                  want: S| {
            let before = (!state.is_null()).then(|| as_bytes(unsafe { &*state }));
            let r = call_out(how, &|o, c, l| sigv4rs_chunked_sign_chunk(signer, state, data, o, c, l));
            let mut problems = r.problems;
            if r.status != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*state })) {
                problems.push(format!("state changed on {}", name(r.status)));
            }
            m.cell(C, &format!("{mode}: {what}"), want, r.status, problems);
            r.out
        };
        let sp: *mut sigv4rs_chunked = &mut *s;
        let first = b(&DATA[..64]);
        sc(
            m,
            "signer NULL",
            std::ptr::null(),
            sp,
            first,
            Out::Cap(256),
            S::NullArgument,
        );
        sc(
            m,
            "state NULL",
            heap,
            std::ptr::null_mut(),
            first,
            Out::Cap(256),
            S::NullArgument,
        );
        sc(m, "out_len NULL", heap, sp, first, Out::NullLen, S::NullArgument);
        sc(
            m,
            "out NULL, cap 0, out_len NULL",
            heap,
            sp,
            first,
            Out::NullBoth,
            S::NullArgument,
        );
        sc(m, "out NULL, cap 1", heap, sp, first, Out::Null(1), S::NullArgument);
        sc(
            m,
            "out NULL, cap SIZE_MAX",
            heap,
            sp,
            first,
            Out::Null(usize::MAX),
            S::NullArgument,
        );
        sc(
            m,
            "data (NULL, 64)",
            heap,
            sp,
            null_n(64),
            Out::Cap(256),
            S::NullArgument,
        );
        sc(m, "data (NULL, 0)", heap, sp, NULL0, Out::Cap(256), S::InvalidChunkSize);
        sc(
            m,
            "data (non-NULL, 0)",
            heap,
            sp,
            lb(b""),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        for n in HUGE {
            sc(
                m,
                &format!("data len {n:#x}"),
                heap,
                sp,
                huge(n),
                Out::Cap(256),
                S::InvalidArgument,
            );
        }
        sc(
            m,
            "short chunk",
            heap,
            sp,
            b(&DATA[..63]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        sc(
            m,
            "long chunk",
            heap,
            sp,
            b(&[0u8; 65]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        sc(
            m,
            "whole object in one chunk",
            heap,
            sp,
            b(&DATA),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        let q = call_out(Out::Null(0), &|o, c, l| {
            sigv4rs_chunked_sign_chunk(heap, sp, first, o, c, l)
        });
        m.cell(
            C,
            &format!("{mode}: out NULL, cap 0 (size query)"),
            S::BufferTooSmall,
            q.status,
            q.problems,
        );
        for cap in 0..q.len {
            sc(
                m,
                &format!("cap {cap}"),
                heap,
                sp,
                first,
                Out::Cap(cap),
                S::BufferTooSmall,
            );
        }
        // The end before all bytes: refused, state kept.
        let fc = |m: &mut Matrix,
                  what: &str,
                  signer: *const sigv4rs_signer,
                  state: *mut sigv4rs_chunked,
                  how: Out,
                  want: S| {
            let before = (!state.is_null()).then(|| as_bytes(unsafe { &*state }));
            let r = call_out(how, &|o, c, l| sigv4rs_chunked_finish(signer, state, o, c, l));
            let mut problems = r.problems;
            if r.status != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*state })) {
                problems.push(format!("state changed on {}", name(r.status)));
            }
            m.cell(F, &format!("{mode}: {what}"), want, r.status, problems);
            r.out
        };
        fc(m, "before any chunk", heap, sp, Out::Cap(512), S::IncompletePayload);
        outputs.push(sc(m, "chunk 1 (cap exact)", heap, sp, first, Out::Cap(q.len), S::Ok));
        fc(m, "after chunk 1 of 2", heap, sp, Out::Cap(512), S::IncompletePayload);
        sc(
            m,
            "chunk 2 too long",
            heap,
            sp,
            b(&DATA[..64]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        sc(
            m,
            "chunk 2 too short",
            heap,
            sp,
            b(&DATA[..35]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        outputs.push(sc(m, "chunk 2", heap, sp, b(&DATA[64..]), Out::Cap(256), S::Ok));
        sc(
            m,
            "chunk past the declared length",
            heap,
            sp,
            b(&DATA[..1]),
            Out::Cap(256),
            S::InvalidChunkSize,
        );
        fc(m, "signer NULL", std::ptr::null(), sp, Out::Cap(512), S::NullArgument);
        fc(
            m,
            "state NULL",
            heap,
            std::ptr::null_mut(),
            Out::Cap(512),
            S::NullArgument,
        );
        fc(m, "out_len NULL", heap, sp, Out::NullLen, S::NullArgument);
        fc(
            m,
            "out NULL, cap 0, out_len NULL",
            heap,
            sp,
            Out::NullBoth,
            S::NullArgument,
        );
        fc(m, "out NULL, cap 1", heap, sp, Out::Null(1), S::NullArgument);
        let q = call_out(Out::Null(0), &|o, c, l| sigv4rs_chunked_finish(heap, sp, o, c, l));
        m.cell(
            F,
            &format!("{mode}: out NULL, cap 0 (size query)"),
            S::BufferTooSmall,
            q.status,
            q.problems,
        );
        for cap in 0..q.len {
            fc(m, &format!("cap {cap}"), heap, sp, Out::Cap(cap), S::BufferTooSmall);
        }
        outputs.push(fc(m, "finish (cap exact)", heap, sp, Out::Cap(q.len), S::Ok));
        if outputs != reference {
            m.fail(C, mode, "output differs from an upload without failed calls");
        }
        // Spent.
        fc(m, "after finish", heap, sp, Out::Cap(512), S::NotInitialized);
        sc(m, "after finish", heap, sp, first, Out::Cap(256), S::NotInitialized);

        // Never started: zeroed, garbage.
        for (what, fill) in [("zeroed state", 0u64), ("garbage state", 0xA5A5_A5A5_A5A5_A5A5)] {
            let mut z = sigv4rs_chunked {
                _opaque: [fill; SIGV4RS_CHUNKED_STATE_SIZE / 8],
            };
            sc(m, what, heap, &mut z, first, Out::Cap(256), S::NotInitialized);
            fc(m, what, heap, &mut z, Out::Cap(512), S::NotInitialized);
        }

        // Started with a signer that is deinitialized afterwards.
        let st_mem = Box::leak(Box::new(sigv4rs_signer_storage {
            _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
        }));
        let mut fresh = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_init(st_mem, &config_for(mode), &mut fresh), S::Ok);
        let mut s2 = begin(fresh, &st);
        assert_eq!(chunk(fresh, &mut s2, &DATA[..64]).0, S::Ok);
        sigv4rs_signer_deinit(st_mem);
        let sp2: *mut sigv4rs_chunked = &mut *s2;
        sc(
            m,
            "signer after _deinit",
            fresh,
            sp2,
            b(&DATA[64..]),
            Out::Cap(256),
            S::NotInitialized,
        );
        let mut s3 = begin(heap, &st);
        assert_eq!(chunk(heap, &mut s3, &DATA[..64]).0, S::Ok);
        assert_eq!(chunk(heap, &mut s3, &DATA[64..]).0, S::Ok);
        fc(
            m,
            "signer after _deinit",
            fresh,
            &mut *s3,
            Out::Cap(512),
            S::NotInitialized,
        );
        sigv4rs_signer_free(heap);
    }
    run_mode_mismatch(m);
    // The documented maxima (SIGV4RS_CHUNK_HEADER_MAX_LEN for a chunk
    // header, SIGV4RS_CHUNKED_FINISH_MAX_LEN for the end; the SIGV4A_ ones
    // in modes 3 and 4), for every mode and checksum, with the widest chunk
    // size (8 hex digits). Size queries only: the 256 MiB chunk is never read.
    let wide: Vec<u8> = vec![0; 1 << 28];
    let v4 = heap_signer(&good_config());
    let v4a = heap_signer(&config_for("sigv4a"));
    for (mode, checksum) in [
        (0u32, 0u32),
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (1, 5),
        (2, 1),
        (2, 2),
        (2, 3),
        (2, 4),
        (2, 5),
        (3, 0),
        (4, 1),
        (4, 2),
        (4, 3),
        (4, 4),
        (4, 5),
    ] {
        let (heap, header_max, finish_max) = if mode >= 3 {
            (
                v4a,
                SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN,
                SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN,
            )
        } else {
            (v4, SIGV4RS_CHUNK_HEADER_MAX_LEN, SIGV4RS_CHUNKED_FINISH_MAX_LEN)
        };
        let st = sigv4rs_stream {
            mode,
            checksum,
            decoded_length: 1 << 28,
            chunk_size: 1 << 28,
        };
        let mut s = begin(heap, &st);
        let sp: *mut sigv4rs_chunked = &mut *s;
        let q = call_out(Out::Null(0), &|o, c, l| {
            sigv4rs_chunked_sign_chunk(heap, sp, b(&wide), o, c, l)
        });
        let mut problems = q.problems;
        if q.len > header_max {
            problems.push(format!("chunk header needs {} bytes (over {header_max})", q.len));
        }
        m.cell(
            C,
            &format!("mode {mode} checksum {checksum}: 256 MiB chunk (size query)"),
            S::BufferTooSmall,
            q.status,
            problems,
        );
        let mut s = begin(
            heap,
            &sigv4rs_stream {
                decoded_length: 0,
                ..st
            },
        );
        let sp: *mut sigv4rs_chunked = &mut *s;
        let q = call_out(Out::Null(0), &|o, c, l| sigv4rs_chunked_finish(heap, sp, o, c, l));
        let mut problems = q.problems;
        if q.len > finish_max {
            problems.push(format!("final block needs {} bytes (over {finish_max})", q.len));
        }
        m.cell(
            F,
            &format!("mode {mode} checksum {checksum}: end (size query)"),
            S::BufferTooSmall,
            q.status,
            problems,
        );
    }
    sigv4rs_signer_free(v4);
    sigv4rs_signer_free(v4a);
}

/// `_begin` with a signed mode of the other algorithm than the signer's.
fn run_mode_mismatch(m: &mut Matrix) {
    const B: &str = "sigv4rs_chunked_begin";
    let v4 = heap_signer(&good_config());
    let v4a = heap_signer(&config_for("sigv4a"));
    for (what, signer, mode, checksum) in [
        ("SigV4 signer, mode SIGNED_V4A", v4, 3u32, 0u32),
        ("SigV4 signer, mode SIGNED_TRAILER_V4A", v4, 4, 2),
        ("SigV4a signer, mode SIGNED", v4a, 0, 0),
        ("SigV4a signer, mode SIGNED_TRAILER", v4a, 1, 2),
    ] {
        let st = sigv4rs_stream {
            mode,
            checksum,
            ..STREAM
        };
        let mut state = sigv4rs_chunked {
            _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
        };
        let req = base_request();
        let sp: *mut sigv4rs_chunked = &mut state;
        let r = call_out(Out::Cap(4096), &|o, c, l| {
            sigv4rs_chunked_begin(signer, &req, T, &st, sp, o, c, l)
        });
        let mut problems = r.problems;
        if state._opaque.iter().any(|&w| w != 0) {
            problems.push("state written on error".into());
        }
        m.cell(B, what, S::InvalidArgument, r.status, problems);
    }
    sigv4rs_signer_free(v4);
    sigv4rs_signer_free(v4a);
}
