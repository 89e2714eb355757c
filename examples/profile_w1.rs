//! Profiling aid: signs workload W1 (or W3 with `presign`) in a loop, for
//! `perf record` / `valgrind --tool=callgrind`.
use sigv4rs::sign::{Config, Flags, Payload, Request, Signer, Target};

fn main() {
    let presign = std::env::args().any(|a| a == "presign");
    let n: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(200_000);
    let token = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
    let s = Signer::new(&Config {
        access_key_id: b"AKIDEXAMPLE",
        secret_access_key: b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token: token.as_bytes(),
        expiration: None,
        region: b"us-east-1",
        service: b"s3",
        flags: Flags::S3,
        unsigned_headers: &[] as &[&[u8]; 0],
    })
    .unwrap();
    let hs: [(&[u8], &[u8]); 2] = [(b"host", b"examplebucket.s3.amazonaws.com"), (b"range", b"bytes=0-9")];
    let mut out = [0u8; 2048];
    let mut total = 0usize;
    for _ in 0..n {
        let url: &[u8] = if presign {
            b"https://examplebucket.s3.amazonaws.com/test.txt"
        } else {
            b"https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026"
        };
        let req = Request {
            method: b"GET",
            target: Target::parse_url(url).unwrap(),
            headers: &hs,
            payload: Payload::Auto(b""),
        };
        total += if presign {
            s.presign(&req, 1_440_938_160, 3600, &mut out).unwrap()
        } else {
            s.sign_headers(&req, 1_440_938_160, &mut out).unwrap()
        };
    }
    println!("{total}");
}
