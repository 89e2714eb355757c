//! Bad input, `checksum` family: `sigv4rs_checksum_init`, `_update`,
//! `_finish` and `_header_name` (see `tests/common/matrix.rs`). The values
//! themselves are checked against botocore in tests/checksums.rs.

mod common;

use common::b;
use common::matrix::*;
use sigv4rs::ffi::*;
use sigv4rs_status as S;
use std::ffi::CStr;

family!("checksum", |m| {
    run_checksum(m);
});

const GARBAGE: u64 = 0xA5A5_A5A5_A5A5_A5A5;

fn state(fill: u64) -> sigv4rs_checksum_state {
    sigv4rs_checksum_state { _opaque: [fill; 16] }
}

fn run_checksum(m: &mut Matrix) {
    const I: &str = "sigv4rs_checksum_init";
    const U: &str = "sigv4rs_checksum_update";
    const F: &str = "sigv4rs_checksum_finish";
    const N: &str = "sigv4rs_checksum_header_name";

    // init: NULL, every value of the enum and unknown ones; no write on error.
    m.cell(
        I,
        "state NULL",
        S::NullArgument,
        sigv4rs_checksum_init(std::ptr::null_mut(), 1),
        vec![],
    );
    for (what, v, want) in [
        ("NONE", 0u32, S::InvalidArgument),
        ("CRC32", 1, S::Ok),
        ("CRC32C", 2, S::Ok),
        ("SHA256", 3, S::Ok),
        ("CRC64NVME", 4, S::Ok),
        ("SHA1", 5, S::Ok),
        ("6", 6, S::InvalidArgument),
        ("u32::MAX", u32::MAX, S::InvalidArgument),
    ] {
        let mut st = state(GARBAGE);
        let got = sigv4rs_checksum_init(&mut st, v);
        let mut problems = vec![];
        if got != S::Ok && st._opaque != [GARBAGE; 16] {
            problems.push(format!("state written on {}", name(got)));
        }
        m.cell(I, &format!("checksum {what}, garbage memory"), want, got, problems);
    }

    let upd = |m: &mut Matrix, what: &str, p: *mut sigv4rs_checksum_state, d: sigv4rs_bytes, want: S| {
        let before = (!p.is_null()).then(|| as_bytes(unsafe { &*p }));
        let got = sigv4rs_checksum_update(p, d);
        let mut problems = vec![];
        if got != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*p })) {
            problems.push(format!("state changed on {}", name(got)));
        }
        m.cell(U, what, want, got, problems);
    };
    let fin = |m: &mut Matrix, what: &str, p: *mut sigv4rs_checksum_state, how: Out, want: S, need: usize| {
        let before = (!p.is_null()).then(|| as_bytes(unsafe { &*p }));
        let r = call_out(how, &|o, c, l| sigv4rs_checksum_finish(p, o, c, l));
        let mut problems = r.problems;
        if r.status != S::Ok && before.is_some_and(|b| b != as_bytes(unsafe { &*p })) {
            problems.push(format!("state changed on {}", name(r.status)));
        }
        if r.status == S::BufferTooSmall && r.len != need {
            problems.push(format!("*out_len {} != {need}", r.len));
        }
        m.cell(F, what, want, r.status, problems);
        r.out
    };

    // Uninitialized memory: zeroed, garbage, and the magic with a bad tag.
    let mut bad_tag = state(0);
    {
        let mut ok = state(0);
        sigv4rs_checksum_init(&mut ok, 1);
        bad_tag._opaque[0] = ok._opaque[0];
        bad_tag._opaque[1] = 0xFFFF_FFFF;
    }
    for (what, mut z) in [
        ("zeroed state", state(0)),
        ("garbage state", state(GARBAGE)),
        ("magic, bad tag", bad_tag),
    ] {
        let zp: *mut sigv4rs_checksum_state = &mut z;
        upd(m, what, zp, b(b"x"), S::NotInitialized);
        upd(m, &format!("{what}, data (NULL, 3)"), zp, null_n(3), S::NotInitialized);
        fin(m, what, zp, Out::Cap(80), S::NotInitialized, 0);
    }

    // Each kind: the argument checks, then the value (a known answer for
    // "123456789": the CRC catalogue's check values, FIPS 180 digests).
    for (v, want, check) in [
        (1u32, 9usize, "y/Q5Jg=="),
        (2, 9, "4waSgw=="),
        (3, 45, "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="),
        (4, 13, "rosUhgp5mIg="),
        (5, 29, "98O8HYCOBHMq32eZZczDTKeuNEE="),
    ] {
        let mut st = state(GARBAGE);
        let sp: *mut sigv4rs_checksum_state = &mut st;
        m.cell(I, &format!("checksum {v}"), S::Ok, sigv4rs_checksum_init(sp, v), vec![]);
        upd(m, "state NULL", std::ptr::null_mut(), b(b"x"), S::NullArgument);
        upd(m, "data (NULL, 0)", sp, NULL0, S::Ok);
        upd(m, "data (non-NULL, 0)", sp, lb(b""), S::Ok);
        upd(m, "data (NULL, 3)", sp, null_n(3), S::NullArgument);
        for n in HUGE {
            upd(m, &format!("data len {n:#x}"), sp, huge(n), S::InvalidArgument);
        }
        upd(m, "data 1234", sp, b(b"1234"), S::Ok);
        upd(m, "data 56789", sp, b(b"56789"), S::Ok);
        fin(m, "state NULL", std::ptr::null_mut(), Out::Cap(80), S::NullArgument, 0);
        fin(m, "out_len NULL", sp, Out::NullLen, S::NullArgument, 0);
        fin(m, "out NULL, cap 45", sp, Out::Null(45), S::NullArgument, 0);
        fin(
            m,
            "out NULL, cap SIZE_MAX",
            sp,
            Out::Null(usize::MAX),
            S::NullArgument,
            0,
        );
        fin(
            m,
            "out NULL, cap 0, out_len NULL",
            sp,
            Out::NullBoth,
            S::NullArgument,
            0,
        );
        fin(
            m,
            "out NULL, cap 0 (size query)",
            sp,
            Out::Null(0),
            S::BufferTooSmall,
            want,
        );
        for cap in 0..want {
            fin(m, &format!("cap {cap}"), sp, Out::Cap(cap), S::BufferTooSmall, want);
        }
        let out = fin(m, "exact cap", sp, Out::Cap(want), S::Ok, want);
        if out != [check.as_bytes(), b"\0"].concat() {
            m.fail(
                F,
                &format!("checksum {v}"),
                "wrong value of \"123456789\" after the failed calls",
            );
        }
        assert!(want <= SIGV4RS_CHECKSUM_MAX_LEN + 1);
        fin(m, "after finish", sp, Out::Cap(80), S::NotInitialized, 0);
        upd(m, "after finish", sp, b(b"x"), S::NotInitialized);
    }

    // Names: every kind, NULL for NONE and unknown values, one static string.
    for (v, want) in [
        (0u32, None),
        (1, Some("x-amz-checksum-crc32")),
        (2, Some("x-amz-checksum-crc32c")),
        (3, Some("x-amz-checksum-sha256")),
        (4, Some("x-amz-checksum-crc64nvme")),
        (5, Some("x-amz-checksum-sha1")),
        (6, None),
        (u32::MAX, None),
    ] {
        let p = sigv4rs_checksum_header_name(v);
        let got = (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap());
        let mut problems = vec![];
        if got != want {
            problems.push(format!("{got:?} != {want:?}"));
        }
        if sigv4rs_checksum_header_name(v) != p {
            problems.push("another pointer on the second call".into());
        }
        m.void_cell(N, &format!("checksum {v}"), problems);
    }
}
