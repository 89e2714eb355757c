//! Bad input, `hasher` family: `sigv4rs_payload_hasher_init`, `_update` and
//! `_finish` (see `tests/common/matrix.rs`).

mod common;

use common::b;
use common::matrix::*;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("hasher", |m| {
    run_hasher(m);
});

fn run_hasher(m: &mut Matrix) {
    const I: &str = "sigv4rs_payload_hasher_init";
    const U: &str = "sigv4rs_payload_hasher_update";
    const F: &str = "sigv4rs_payload_hasher_finish";
    use sha2::Digest;
    let hex = |d: &[u8]| -> Vec<u8> {
        sha2::Sha256::digest(d)
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect()
    };

    m.cell(
        I,
        "hasher NULL",
        S::NullArgument,
        sigv4rs_payload_hasher_init(std::ptr::null_mut()),
        vec![],
    );
    let mut h = sigv4rs_payload_hasher {
        _opaque: [0xA5A5_A5A5_A5A5_A5A5; 16],
    };
    m.cell(I, "garbage memory", S::Ok, sigv4rs_payload_hasher_init(&mut h), vec![]);

    let upd = |m: &mut Matrix, what: &str, h: *mut sigv4rs_payload_hasher, d: sigv4rs_bytes, want: S| {
        let before = (!h.is_null()).then(|| as_bytes(unsafe { &*h }));
        let got = sigv4rs_payload_hasher_update(h, d);
        let mut problems = vec![];
        if got != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*h })) {
            problems.push(format!("hasher changed on {}", name(got)));
        }
        m.cell(U, what, want, got, problems);
    };
    let hp: *mut sigv4rs_payload_hasher = &mut h;
    upd(m, "hasher NULL", std::ptr::null_mut(), b(b"x"), S::NullArgument);
    upd(m, "data (NULL, 0)", hp, NULL0, S::Ok);
    upd(m, "data (non-NULL, 0)", hp, lb(b""), S::Ok);
    upd(m, "data (NULL, 3)", hp, null_n(3), S::NullArgument);
    for n in HUGE {
        upd(m, &format!("data len {n:#x}"), hp, huge(n), S::InvalidArgument);
    }
    upd(m, "data with NUL, CR, LF, invalid UTF-8", hp, b(b"a\0\r\n\xff"), S::Ok);
    for (what, fill) in [("zeroed hasher", 0u64), ("garbage hasher", 0xA5A5_A5A5_A5A5_A5A5)] {
        let mut z = sigv4rs_payload_hasher { _opaque: [fill; 16] };
        upd(m, what, &mut z, b(b"x"), S::NotInitialized);
        upd(
            m,
            &format!("{what}, data (NULL, 3)"),
            &mut z,
            null_n(3),
            S::NotInitialized,
        );
        let zp: *mut sigv4rs_payload_hasher = &mut z;
        let r = call_out(Out::Cap(80), &|o, c, l| sigv4rs_payload_hasher_finish(zp, o, c, l));
        m.cell(F, what, S::NotInitialized, r.status, r.problems);
    }

    let fin = |m: &mut Matrix, what: &str, h: *mut sigv4rs_payload_hasher, how: Out, want: S| {
        let before = (!h.is_null()).then(|| as_bytes(unsafe { &*h }));
        let r = call_out(how, &|o, c, l| sigv4rs_payload_hasher_finish(h, o, c, l));
        let mut problems = r.problems;
        if r.status != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*h })) {
            problems.push(format!("hasher changed on {}", name(r.status)));
        }
        if r.status == S::BufferTooSmall && r.len != 65 {
            problems.push(format!("*out_len {} != 65", r.len));
        }
        m.cell(F, what, want, r.status, problems);
        r.out
    };
    fin(m, "hasher NULL", std::ptr::null_mut(), Out::Cap(80), S::NullArgument);
    fin(m, "out_len NULL", hp, Out::NullLen, S::NullArgument);
    fin(m, "out NULL, cap 65", hp, Out::Null(65), S::NullArgument);
    fin(m, "out NULL, cap SIZE_MAX", hp, Out::Null(usize::MAX), S::NullArgument);
    fin(m, "out NULL, cap 0, out_len NULL", hp, Out::NullBoth, S::NullArgument);
    fin(m, "out NULL, cap 0 (size query)", hp, Out::Null(0), S::BufferTooSmall);
    for cap in 0..65 {
        fin(m, &format!("cap {cap}"), hp, Out::Cap(cap), S::BufferTooSmall);
    }
    let out = fin(m, "cap 65", hp, Out::Cap(65), S::Ok);
    if out != [hex(b"a\0\r\n\xff"), vec![0]].concat() {
        m.fail(F, "digest", "wrong digest after the failed calls");
    }
    fin(m, "after finish", hp, Out::Cap(80), S::NotInitialized);
    upd(m, "after finish", hp, b(b"x"), S::NotInitialized);

    // Initialized again, a long body in uneven pieces: the whole body's digest.
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 31 + 7) as u8).collect();
    m.cell(I, "after finish", S::Ok, sigv4rs_payload_hasher_init(hp), vec![]);
    for piece in data.chunks(7919) {
        upd(m, "100,000 bytes in 7919-byte pieces", hp, b(piece), S::Ok);
    }
    let out = fin(m, "after 100,000 bytes", hp, Out::Cap(65), S::Ok);
    if out != [hex(&data), vec![0]].concat() {
        m.fail(F, "digest", "wrong digest of 100,000 bytes fed in pieces");
    }
}
