//! Resolves credentials with the default chain (the process environment,
//! the shared files) and prints one JSON line:
//! `{"access_key_id","secret_access_key","session_token","expiration","source"}`
//! (exit 0) or `{"error":{"source","kind","detail"}}` (exit 1).
//!
//! A TEST TOOL: it prints the secret and the token in clear, for
//! tests/creds/botocore_agreement.py to compare with botocore.
//!
//!     cargo run --example resolve_credentials -- [--profile NAME] [--process-timeout-ms N]
//!
//! No transport is given, so role and web identity profiles end in a
//! `NoTransport` error after their settings have been checked.
use sigv4rs::creds::chain::{ChainOptions, resolve};
use sigv4rs::creds::{Error, ProcessEnv};

fn usage() -> ! {
    eprintln!("usage: resolve_credentials [--profile NAME] [--process-timeout-ms N]");
    std::process::exit(2)
}

fn main() {
    let mut opts = ChainOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--profile" => opts.profile = Some(args.next().unwrap_or_else(|| usage())),
            "--process-timeout-ms" => {
                opts.process_timeout_ms = args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| usage())
            }
            _ => usage(),
        }
    }
    let (line, code) = match resolve(&ProcessEnv, &opts) {
        Ok(c) => (
            serde_json::json!({
                "access_key_id": c.access_key_id,
                "secret_access_key": c.secret_access_key,
                "session_token": if c.session_token.is_empty() { None } else { Some(&c.session_token) },
                "expiration": c.expiration,
                "source": format!("{:?}", c.source),
            }),
            0,
        ),
        Err(Error { source, kind, detail }) => (
            serde_json::json!({"error": {
                "source": format!("{source:?}"),
                "kind": format!("{kind:?}"),
                "detail": detail,
            }}),
            1,
        ),
    };
    println!("{line}");
    std::process::exit(code)
}
