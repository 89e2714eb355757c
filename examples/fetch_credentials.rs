//! Test tool for tests/creds/run_remote.sh: fetches credentials from one
//! remote source and prints one JSON line. It prints the secret and the
//! token (the tests compare them with botocore's): do not use it on real
//! credentials.
//!
//! ```text
//! fetch_credentials imds                       # ImdsConfig::from_env + imds::fetch
//! fetch_credentials imds-config                # the resolved settings
//! fetch_credentials container [--relative-host H] [--timeout-ms N] [--attempts N] [--sleep-ms N]
//! fetch_credentials sts-endpoint --region R [--profile-endpoint URL]
//! fetch_credentials assume-role --endpoint URL --region R --role-arn A --session S
//!                               [--external-id X] [--duration N]   # source keys: AWS_* variables
//! fetch_credentials web-identity --endpoint URL --region R --role-arn A --session S --token-file F
//! fetch_credentials call --endpoint URL --region R --body FORM     # signed STS POST, AWS_* keys
//! ```
//!
//! STS goes through a test transport that speaks plain HTTP (the library's
//! `creds::http`), for moto on loopback.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};
use sigv4rs::creds::profile::{ProfileFiles, selected_profile};
use sigv4rs::creds::{
    Credentials, Environment, Error, HttpRequest, HttpResponse, ProcessEnv, Transport, container, http, imds, sts,
};
use sigv4rs::sign::{Config, Payload, Request, Signer, Target};

/// HTTP only: enough for moto on loopback.
struct PlainHttp;

impl Transport for PlainHttp {
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, String> {
        let headers: Vec<(&str, &str)> = req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        http::request(&req.method, &req.url, &headers, &req.body, req.timeout_ms)
    }
}

fn args() -> (String, HashMap<String, String>) {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().unwrap_or_default();
    let mut opts = HashMap::new();
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        opts.insert(k.trim_start_matches("--").to_string(), v);
    }
    (cmd, opts)
}

fn result(r: Result<Credentials, Error>) -> Value {
    match r {
        Ok(c) => json!({
            "ok": true,
            "access_key_id": c.access_key_id,
            "secret_access_key": c.secret_access_key,
            "session_token": c.session_token,
            "expiration": c.expiration,
            "source": format!("{:?}", c.source),
            "debug": format!("{c:?}"),
        }),
        Err(e) => json!({
            "ok": false,
            "source": format!("{:?}", e.source),
            "kind": format!("{:?}", e.kind),
            "detail": e.detail,
            "display": e.to_string(),
            "debug": format!("{e:?}"),
        }),
    }
}

fn opt<'a>(o: &'a HashMap<String, String>, k: &str) -> &'a str {
    o.get(k).map(String::as_str).unwrap_or("")
}

fn num(o: &HashMap<String, String>, k: &str, default: u32) -> u32 {
    o.get(k).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn env_credentials() -> Credentials {
    let env = ProcessEnv;
    Credentials {
        access_key_id: env.var("AWS_ACCESS_KEY_ID").unwrap_or_default(),
        secret_access_key: env.var("AWS_SECRET_ACCESS_KEY").unwrap_or_default(),
        session_token: env.var("AWS_SESSION_TOKEN").unwrap_or_default(),
        expiration: None,
        source: sigv4rs::creds::Source::Environment,
    }
}

/// A signed STS query POST with the `AWS_*` keys (checks that credentials
/// work: moto verifies the signature and the session token).
fn call(o: &HashMap<String, String>) -> Value {
    let c = env_credentials();
    let url = opt(o, "endpoint").trim_end_matches('/').to_string() + "/";
    let body = opt(o, "body").as_bytes().to_vec();
    let ct = "application/x-www-form-urlencoded; charset=utf-8";
    let signer = match Signer::new(&Config {
        access_key_id: c.access_key_id.as_bytes(),
        secret_access_key: c.secret_access_key.as_bytes(),
        session_token: c.session_token.as_bytes(),
        expiration: c.expiration,
        region: opt(o, "region").as_bytes(),
        service: b"sts",
        flags: 0,
        unsigned_headers: &[] as &[&[u8]; 0],
    }) {
        Ok(s) => s,
        Err(e) => return json!({"ok": false, "detail": format!("{e:?}")}),
    };
    let hs: [(&[u8], &[u8]); 1] = [(b"content-type", ct.as_bytes())];
    let req = Request {
        method: b"POST",
        target: Target::parse_url(url.as_bytes()).expect("url"),
        headers: &hs,
        payload: Payload::Bytes(&body),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut out = vec![0u8; 8192];
    let n = signer.sign_headers(&req, now, &mut out).expect("sign");
    let text = String::from_utf8(out[..n].to_vec()).unwrap();
    let mut headers = vec![("Content-Type", ct)];
    headers.extend(text.split('\0').filter_map(|e| e.split_once(": ")));
    match http::request("POST", &url, &headers, &body, 10_000) {
        Ok(r) => json!({"ok": true, "status": r.status, "body": String::from_utf8_lossy(&r.body)}),
        Err(e) => json!({"ok": false, "detail": e}),
    }
}

fn main() {
    let (cmd, o) = args();
    let env = ProcessEnv;
    let t = Instant::now();
    let mut out = match cmd.as_str() {
        "imds" | "imds-config" => {
            let profile = selected_profile(&env);
            let files = ProfileFiles::load(&env).ok();
            let cfg = imds::ImdsConfig::from_env(&env, files.as_ref(), &profile);
            if cmd == "imds" {
                result(imds::fetch(&cfg))
            } else {
                json!({
                    "base_url": cfg.base_url(),
                    "endpoint": cfg.endpoint,
                    "ipv6": cfg.endpoint_mode_ipv6,
                    "disabled": cfg.disabled,
                    "timeout_ms": cfg.timeout_ms,
                    "attempts": cfg.attempts,
                })
            }
        }
        "container" => {
            let d = container::ContainerOptions::default();
            let opts = container::ContainerOptions {
                timeout_ms: num(&o, "timeout-ms", d.timeout_ms),
                attempts: num(&o, "attempts", d.attempts),
                retry_sleep_ms: num(&o, "sleep-ms", d.retry_sleep_ms),
                relative_host: o.get("relative-host").cloned().unwrap_or(d.relative_host),
            };
            result(container::fetch_with(&env, &opts))
        }
        "sts-endpoint" => {
            let p = o.get("profile-endpoint").map(String::as_str);
            json!({"endpoint": sts::endpoint(&env, opt(&o, "region"), p)})
        }
        "assume-role" => result(sts::assume_role(
            &env_credentials(),
            opt(&o, "role-arn"),
            opt(&o, "session"),
            o.get("external-id").map(String::as_str),
            o.get("duration").and_then(|d| d.parse().ok()),
            opt(&o, "region"),
            opt(&o, "endpoint"),
            sts::DEFAULT_ATTEMPTS,
            &PlainHttp,
        )),
        "web-identity" => {
            let token = std::fs::read_to_string(opt(&o, "token-file")).unwrap_or_default();
            result(sts::assume_role_with_web_identity(
                opt(&o, "role-arn"),
                opt(&o, "session"),
                &token,
                opt(&o, "region"),
                opt(&o, "endpoint"),
                sts::DEFAULT_ATTEMPTS,
                &PlainHttp,
            ))
        }
        "call" => call(&o),
        _ => {
            eprintln!("usage: see the doc comment of examples/fetch_credentials.rs");
            std::process::exit(2);
        }
    };
    out["elapsed_ms"] = json!(t.elapsed().as_millis() as u64);
    println!("{out}");
}
