//! ECS task role and EKS Pod Identity credentials from the container
//! endpoint, as botocore's `ContainerProvider` and
//! `ContainerMetadataFetcher` read them.
//!
//! * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (wins): `http://169.254.170.2`
//!   followed by it.
//! * `AWS_CONTAINER_CREDENTIALS_FULL_URI`: an `http://` URL whose host is a
//!   loopback address or one of `169.254.170.2`, `169.254.170.23`
//!   (EKS Pod Identity), `fd00:ec2::23` and `localhost`. An `https://` one
//!   botocore would fetch with TLS; this library has no TLS stack, so it
//!   is a `NoTransport` error.
//! * `Authorization`: the contents of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`
//!   (read again on every fetch, not trimmed), else
//!   `AWS_CONTAINER_AUTHORIZATION_TOKEN`; a value with CR or LF is refused.
//! * Each try has 2 s; a failed try (connection error, timeout, non-200,
//!   body that is not JSON) is followed by 1 s of sleep; 3 tries in all.
//!   (botocore also sleeps after the last one; we do not.)

use std::format;
use std::net::IpAddr;
use std::string::{String, ToString};
use std::time::Duration;

use super::http::{FailKind, request_classified};
use super::imds::owned;
use super::json::{JsonError, parse_credentials};
use super::{Credentials, Environment, Error, ErrorKind, Source};

const RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
const FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const AUTH_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
const AUTH_TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";

/// Hosts botocore accepts in a full URI besides loopback addresses.
const ALLOWED_HOSTS: [&str; 4] = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"];

/// Timing and the relative URI's host. [`Default`] is botocore's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerOptions {
    /// Per try (botocore: 2 s).
    pub timeout_ms: u32,
    /// Tries in all (botocore: 3).
    pub attempts: u32,
    /// Pause after a failed try (botocore: 1 s).
    pub retry_sleep_ms: u32,
    /// Authority the relative URI is appended to (`169.254.170.2`).
    pub relative_host: String,
}

impl Default for ContainerOptions {
    fn default() -> Self {
        ContainerOptions {
            timeout_ms: 2000,
            attempts: 3,
            retry_sleep_ms: 1000,
            relative_host: "169.254.170.2".to_string(),
        }
    }
}

fn err(kind: ErrorKind, detail: impl Into<String>) -> Error {
    Error {
        source: Source::Container,
        kind,
        detail: detail.into(),
    }
}

/// Fetches with botocore's timing. `NotFound` without either URI variable.
pub fn fetch(env: &dyn Environment) -> Result<Credentials, Error> {
    fetch_with(env, &ContainerOptions::default())
}

/// The host of an `http://` URL, lower-cased, IPv6 without brackets (as
/// Python's `urlparse(...).hostname`).
fn url_host(url: &str) -> Option<String> {
    let rest = url.get(7..)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let host = if let Some(inner) = authority.strip_prefix('[') {
        inner.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    Some(host.to_ascii_lowercase())
}

/// botocore's `_validate_allowed_url` for an `http://` URL.
fn host_allowed(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) || ALLOWED_HOSTS.contains(&host)
}

/// The `Authorization` value, read now (the file wins over the variable).
fn auth_token(env: &dyn Environment) -> Result<Option<String>, Error> {
    let token = if let Some(path) = env.var(AUTH_TOKEN_FILE) {
        let bytes = std::fs::read(&path)
            .map_err(|e| err(ErrorKind::Config, format!("{AUTH_TOKEN_FILE} {path}: {}", e.kind())))?;
        Some(
            String::from_utf8(bytes)
                .map_err(|_| err(ErrorKind::Config, format!("{AUTH_TOKEN_FILE} {path}: not UTF-8")))?,
        )
    } else {
        env.var(AUTH_TOKEN)
    };
    if token.as_ref().is_some_and(|t| t.contains(['\r', '\n'])) {
        let from = if env.var(AUTH_TOKEN_FILE).is_some() {
            AUTH_TOKEN_FILE
        } else {
            AUTH_TOKEN
        };
        return Err(err(
            ErrorKind::Config,
            format!("{from}: the token is not a legal header value (CR or LF)"),
        ));
    }
    Ok(token)
}

/// [`fetch`] with other timing (tests, impatient callers).
pub fn fetch_with(env: &dyn Environment, opts: &ContainerOptions) -> Result<Credentials, Error> {
    let url = if let Some(rel) = env.var(RELATIVE_URI) {
        format!("http://{}{rel}", opts.relative_host)
    } else if let Some(full) = env.var(FULL_URI) {
        let scheme = full.split("://").next().unwrap_or("").to_ascii_lowercase();
        if scheme == "https" {
            return Err(err(
                ErrorKind::NoTransport,
                format!("{FULL_URI} is https: this library fetches plain http only"),
            ));
        }
        if scheme != "http" || !full.contains("://") {
            return Err(err(ErrorKind::Config, format!("{FULL_URI}: not an http:// URL")));
        }
        let host = url_host(&full).unwrap_or_default();
        if !host_allowed(&host) {
            return Err(err(
                ErrorKind::Config,
                format!(
                    "{FULL_URI}: host '{host}' is not allowed (a loopback address or one of {})",
                    ALLOWED_HOSTS.join(", ")
                ),
            ));
        }
        full
    } else {
        return Err(err(
            ErrorKind::NotFound,
            format!("neither {RELATIVE_URI} nor {FULL_URI} is set"),
        ));
    };
    let token = auth_token(env)?;
    let mut headers = std::vec![("Accept", "application/json")];
    if let Some(t) = &token {
        headers.push(("Authorization", t.as_str()));
    }
    let mut last = String::from("no attempt made (attempts = 0)");
    for attempt in 1..=opts.attempts {
        let body = match request_classified("GET", &url, &headers, b"", opts.timeout_ms) {
            Ok(r) if r.status == 200 => match parse_credentials(&r.body) {
                // Not JSON: retried, as botocore retries its ValueError.
                Err(JsonError::Syntax { .. } | JsonError::TooDeep) => {
                    last = "the answer is not JSON".to_string();
                    None
                }
                _ => Some(r.body),
            },
            Ok(r) => {
                last = format!("HTTP {}", r.status);
                None
            }
            Err(f) if f.kind == FailKind::Invalid => {
                return Err(err(
                    ErrorKind::Config,
                    format!("invalid container credentials URL: {}", f.msg),
                ));
            }
            Err(f) => {
                last = f.msg;
                None
            }
        };
        if let Some(body) = body {
            return credentials(&body);
        }
        if attempt < opts.attempts {
            std::thread::sleep(Duration::from_millis(u64::from(opts.retry_sleep_ms)));
        }
    }
    Err(err(
        ErrorKind::Fetch,
        format!("{last} (after {} attempt(s))", opts.attempts),
    ))
}

/// The four fields botocore requires (`KeyError` there without one).
fn credentials(body: &[u8]) -> Result<Credentials, Error> {
    let c = parse_credentials(body).map_err(|e| err(ErrorKind::Malformed, format!("container credentials: {e:?}")))?;
    let (Some(tok), Some(expiration)) = (c.session_token.as_ref(), c.expiration) else {
        let missing = if c.session_token.is_none() {
            "Token"
        } else {
            "Expiration"
        };
        return Err(err(
            ErrorKind::Malformed,
            format!("container credentials: missing {missing}"),
        ));
    };
    let bad_utf8 = || err(ErrorKind::Malformed, "container credentials: a field is not UTF-8");
    Ok(Credentials {
        access_key_id: owned(&c.access_key_id).ok_or_else(bad_utf8)?,
        secret_access_key: owned(&c.secret_access_key).ok_or_else(bad_utf8)?,
        session_token: owned(tok).ok_or_else(bad_utf8)?,
        expiration: Some(expiration),
        source: Source::Container,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};
    use std::vec::Vec;

    struct MapEnv(Vec<(String, String)>);
    impl Environment for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        }
    }
    fn env(pairs: &[(&str, &str)]) -> MapEnv {
        MapEnv(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn full_uri_hosts_as_botocore_allows_them() {
        // botocore 1.43 `_ALLOWED_HOSTS` plus `ip_address(host).is_loopback`.
        for host in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "localhost",
            "169.254.170.2",
            "169.254.170.23",
            "fd00:ec2::23",
        ] {
            assert!(host_allowed(host), "{host}");
        }
        for host in [
            "169.254.169.254",
            "example.com",
            "127.1",
            "fd00:ec2:0::23",
            "localhost.",
            "::ffff:127.0.0.1",
            "",
        ] {
            assert!(!host_allowed(host), "{host}");
        }
        assert_eq!(url_host("http://[FD00:EC2::23]:80/x").as_deref(), Some("fd00:ec2::23"));
        assert_eq!(url_host("http://LocalHost:8080?x").as_deref(), Some("localhost"));
        assert_eq!(url_host("http://u:p@127.0.0.1/").as_deref(), Some("127.0.0.1"));
    }

    #[test]
    fn refused_before_any_request() {
        let o = ContainerOptions::default();
        let cases: [(&[(&str, &str)], ErrorKind); 6] = [
            (&[], ErrorKind::NotFound),
            (&[(FULL_URI, "http://169.254.169.254/creds")], ErrorKind::Config),
            (&[(FULL_URI, "https://localhost/creds")], ErrorKind::NoTransport),
            (&[(FULL_URI, "ftp://localhost/creds")], ErrorKind::Config),
            (
                &[(FULL_URI, "http://127.0.0.1:9/"), (AUTH_TOKEN, "tok\r\nX: y")],
                ErrorKind::Config,
            ),
            (
                &[
                    (FULL_URI, "http://127.0.0.1:9/"),
                    (AUTH_TOKEN_FILE, "/nonexistent/sigv4rs-token"),
                ],
                ErrorKind::Config,
            ),
        ];
        for (vars, kind) in cases {
            let e = fetch_with(&env(vars), &o).unwrap_err();
            assert_eq!((e.kind, e.source), (kind, Source::Container), "{vars:?}: {e}");
            assert!(!e.detail.contains("tok\r"), "{e}");
        }
    }

    /// Serves `answers` (one per connection), recording each request head.
    fn server(answers: Vec<&'static str>) -> (u16, Arc<Mutex<Vec<String>>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        std::thread::spawn(move || {
            for a in answers {
                let (mut s, _) = l.accept().unwrap();
                let mut req = Vec::new();
                let mut b = [0u8; 1];
                while !req.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap_or(0) == 1 {
                    req.push(b[0]);
                }
                s2.lock().unwrap().push(String::from_utf8_lossy(&req).into_owned());
                let _ = s.write_all(a.as_bytes());
            }
        });
        (port, seen)
    }

    const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 109\r\n\r\n{\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"s3cr3t\",\"Token\":\"t0k\",\"Expiration\":\"2030-01-01T00:00:00Z\"}   ";

    #[test]
    fn token_file_is_read_again_on_every_fetch_and_wins() {
        assert_eq!(OK.len() - OK.find("\r\n\r\n").unwrap() - 4, 109);
        let (port, seen) = server(std::vec![OK, OK]);
        let dir = std::env::temp_dir().join(format!("sigv4rs-container-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "first-token").unwrap();
        let e = env(&[
            (FULL_URI, &format!("http://127.0.0.1:{port}/v2/creds")),
            (AUTH_TOKEN, "env-token"),
            (AUTH_TOKEN_FILE, file.to_str().unwrap()),
        ]);
        let o = ContainerOptions::default();
        let c = fetch_with(&e, &o).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.secret_access_key.as_str()),
            ("ASIAEXAMPLE", "s3cr3t")
        );
        assert_eq!((c.session_token.as_str(), c.expiration), ("t0k", Some(1_893_456_000)));
        std::fs::write(&file, "second-token").unwrap();
        fetch_with(&e, &o).unwrap();
        let seen = seen.lock().unwrap();
        assert!(seen[0].starts_with("GET /v2/creds HTTP/1.1\r\n"), "{}", seen[0]);
        assert!(
            seen[0].contains("\r\nAccept: application/json\r\nAuthorization: first-token\r\n"),
            "{}",
            seen[0]
        );
        assert!(seen[1].contains("\r\nAuthorization: second-token\r\n"), "{}", seen[1]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn retries_then_gives_up_with_the_last_status() {
        let (port, seen) = server(std::vec![
            "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnope}",
            "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n",
        ]);
        let o = ContainerOptions {
            retry_sleep_ms: 10,
            relative_host: format!("127.0.0.1:{port}"),
            ..ContainerOptions::default()
        };
        let e = fetch_with(&env(&[(RELATIVE_URI, "/v2/credentials/abc?x=1")]), &o).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Fetch);
        assert_eq!(e.detail, "HTTP 503 (after 3 attempt(s))");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        assert!(
            seen.iter()
                .all(|r| r.starts_with("GET /v2/credentials/abc?x=1 HTTP/1.1\r\n"))
        );
        assert!(seen.iter().all(|r| !r.contains("Authorization")));
    }
}
