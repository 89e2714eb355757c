#![no_main]
//! The verifier's presigned-query parser (`sigv4rs::sign::verify`, query
//! form): the fuzzed bytes are the query of a GET to example.amazonaws.com
//! (the suite's get-vanilla presigned URL is the seed). The invariants of
//! `verify_authorization`: no panic, determinism, a well-formed
//! `VerifyInfo`, and a decision that agrees with an independent HMAC over
//! the canonical request the verifier wrote.

use libfuzzer_sys::fuzz_target;
use sigv4rs::sign::{Payload, Request, Target};

#[path = "verify_common.rs"]
mod verify_common;

fuzz_target!(|data: &[u8]| {
    let Ok(target) = Target::from_parts(b"example.amazonaws.com", b"/", data) else {
        return;
    };
    let headers: [(&[u8], &[u8]); 1] = [(b"Host", b"example.amazonaws.com")];
    let req = Request {
        method: b"GET",
        target,
        headers: &headers,
        payload: Payload::Bytes(b""),
    };
    verify_common::check(&req, |info, creq| {
        let at = data.windows(16).position(|w| w == b"X-Amz-Signature=")?;
        let sig = &data[at + 16..];
        let end = sig.iter().position(|&b| b == b'&').unwrap_or(sig.len());
        Some(verify_common::independent_matches(info, creq, &sig[..end]))
    });
});
