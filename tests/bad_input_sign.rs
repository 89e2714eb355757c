//! Bad input, `sign` family: `sigv4rs_signer_sign_headers`, `_presign`,
//! `_canonical_request` and `_string_to_sign` (header and query mode), with
//! an S3 signer and a plain one (see `tests/common/matrix.rs`).

mod common;

use common::matrix::*;
use common::requests::{Kind, base_request, run_request_capacities, run_request_cases};
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("sign", |m| {
    run_request_cases(m, &[Kind::Header, Kind::Query], true);
    run_request_capacities(m, &[Kind::Header, Kind::Query], true);
    run_auth_modes(m);
});

/// The debug outputs' `auth` argument: HEADERS takes no expiry, and no other
/// value than HEADERS and PRESIGN is a mode.
fn run_auth_modes(m: &mut Matrix) {
    type Debug =
        extern "C" fn(*const sigv4rs_signer, *const sigv4rs_request, i64, u32, u32, *mut u8, usize, *mut usize) -> S;
    let signer = heap_signer(&good_config());
    let req = base_request();
    let headers = sigv4rs_auth::Headers as u32;
    for (func, f) in [
        (
            "sigv4rs_signer_canonical_request",
            sigv4rs_signer_canonical_request as Debug,
        ),
        ("sigv4rs_signer_string_to_sign", sigv4rs_signer_string_to_sign as Debug),
    ] {
        for (what, auth, expires) in [
            ("auth HEADERS, expiry 60", headers, 60),
            ("auth 2", 2, 0),
            ("auth 2, expiry 60", 2, 60),
            ("auth u32::MAX", u32::MAX, 0),
        ] {
            let r = call_out(Out::Cap(BIG), &|o, c, l| f(signer, &req, T, auth, expires, o, c, l));
            m.cell(func, what, S::InvalidArgument, r.status, r.problems);
        }
    }
    sigv4rs_signer_free(signer);
}
