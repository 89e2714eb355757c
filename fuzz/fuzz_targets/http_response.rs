#![no_main]
//! The HTTP/1.1 response parser of the IMDS / container client
//! (`creds::http`): never panics; an accepted answer has a final status and
//! a body within the cap; re-framed with Content-Length and with chunks it
//! parses to the same answer; and the answer does not depend on where the
//! socket reads split the bytes.

use libfuzzer_sys::fuzz_target;
use sigv4rs::creds::http::{MAX_BODY, parse_response, parse_response_in_two_reads};

fuzz_target!(|data: &[u8]| {
    // The first two bytes choose the read split; the rest is the response.
    let (split, raw) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (0, data),
    };
    let whole = parse_response(raw);
    let split_up = parse_response_in_two_reads(raw, split);
    match (&whole, &split_up) {
        (Ok(a), Ok(b)) => assert_eq!((a.status, &a.body), (b.status, &b.body), "split at {split}"),
        (Err(_), Err(_)) => {}
        _ => panic!("split at {split} changed the outcome: {whole:?} vs {split_up:?}"),
    }
    let Ok(r) = whole else { return };
    assert!((200..=999).contains(&r.status), "status {}", r.status);
    assert!(r.body.len() <= MAX_BODY);
    let mut framed = format!("HTTP/1.1 {} R\r\nContent-Length: {}\r\n\r\n", r.status, r.body.len()).into_bytes();
    framed.extend_from_slice(&r.body);
    let mut chunked = format!("HTTP/1.1 {} R\r\nTransfer-Encoding: chunked\r\n\r\n", r.status).into_bytes();
    for piece in r.body.chunks(5) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    for again in [framed, chunked] {
        let r2 = parse_response(&again).expect("a re-framed accepted answer");
        // 204 and 304 never have a body, whatever the framing says.
        assert_eq!((r2.status, &r2.body), (r.status, &r.body));
    }
});
