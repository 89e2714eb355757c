#![no_main]
//! See fuzz/README.md for what this target checks.

use libfuzzer_sys::fuzz_target;
use sigv4rs_fuzz::cases;

fuzz_target!(|data: &[u8]| {
    let (k, r, _) = cases::request_input(data, Some(true));
    cases::run_sign(&k, &r);
});
