#![no_main]
//! The verifier's `Authorization` parser (`sigv4rs::sign::verify`, header
//! form): the fuzzed bytes are the Authorization value (first line) and an
//! X-Amz-Date value (second line) of the suite's get-vanilla request. Never
//! panics; deterministic; what `VerifyInfo` reports is well-formed once
//! parsing passed; and the decision agrees with an independent HMAC
//! (hmac/sha2 crates) over the canonical request the verifier wrote: OK
//! only when the received signature is that HMAC, SIGNATURE_MISMATCH only
//! when it is not.

use libfuzzer_sys::fuzz_target;
use sigv4rs::sign::{Payload, Request, Target};

#[path = "verify_common.rs"]
mod verify_common;

fuzz_target!(|data: &[u8]| {
    let mut lines = data.splitn(2, |&b| b == b'\n');
    let auth = lines.next().unwrap_or_default();
    let date = lines.next().unwrap_or(b"20150830T123600Z");
    let headers: [(&[u8], &[u8]); 3] = [
        (b"Host", b"example.amazonaws.com"),
        (b"X-Amz-Date", date),
        (b"Authorization", auth),
    ];
    let req = Request {
        method: b"GET",
        target: Target::from_parts(b"", b"/", b"").unwrap(),
        headers: &headers,
        payload: Payload::Bytes(b""),
    };
    verify_common::check(&req, |info, creq| {
        // The received signature: after the last "Signature=".
        let text = auth;
        let at = text.windows(10).rposition(|w| w == b"Signature=")?;
        let sig = &text[at + 10..];
        // Up to the next separator or optional whitespace (SP, HTAB: a
        // header value's trailing OWS is not part of it).
        let end = sig
            .iter()
            .position(|&b| b == b',' || b == b' ' || b == b'\t')
            .unwrap_or(sig.len());
        Some(verify_common::independent_matches(info, creq, &sig[..end]))
    });
});
