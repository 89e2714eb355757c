//! EC2 instance metadata (IMDS) role credentials, fetched as botocore's
//! `InstanceMetadataFetcher` fetches them:
//!
//! 1. `PUT /latest/api/token` with `x-aws-ec2-metadata-token-ttl-seconds:
//!    21600` (IMDSv2). A 403, 404 or 405, a read timeout, or failures on
//!    every attempt mean "no token": the GETs go without one (IMDSv1). A
//!    400 ends the fetch.
//! 2. `GET /latest/meta-data/iam/security-credentials/`: the role name.
//! 3. `GET /latest/meta-data/iam/security-credentials/<role>`: the JSON.
//!
//! The GETs carry `x-aws-ec2-metadata-token` when there is a token and are
//! retried (up to `attempts` in all) on connection errors, timeouts, a
//! non-200 status, an empty body, or (credentials) a body that is not JSON.
//! Each request is bounded by `timeout_ms` (botocore: 1 s, 1 attempt).
//!
//! Like botocore, credentials that expire within the refresh window
//! (15 min plus 2..10 min of jitter) get their expiration moved to now plus
//! that window: IMDS keeps serving the last credentials during an outage
//! and EC2 honours them ("static stability").

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::http::{FailKind, Failure, request_classified};
use super::json::{JsonError, JsonStr, parse_credentials};
use super::profile::ProfileFiles;
use super::{Credentials, Environment, Error, ErrorKind, Source};

/// botocore's `METADATA_BASE_URL`.
pub const DEFAULT_ENDPOINT: &str = "http://169.254.169.254/";
/// botocore's `METADATA_BASE_URL_IPv6`.
pub const DEFAULT_ENDPOINT_IPV6: &str = "http://[fd00:ec2::254]/";
/// Lifetime asked for the IMDSv2 session token (6 h, botocore's value).
const TOKEN_TTL: &str = "21600";
const TOKEN_PATH: &str = "latest/api/token";
const ROLE_PATH: &str = "latest/meta-data/iam/security-credentials/";
/// botocore's `_DEFAULT_ADVISORY_REFRESH_TIMEOUT`, which
/// `create_credential_resolver` passes as `ec2_credential_refresh_window`.
const REFRESH_WINDOW: i64 = 15 * 60;

/// Where and how to reach IMDS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImdsConfig {
    /// A custom base URL (`AWS_EC2_METADATA_SERVICE_ENDPOINT`,
    /// `ec2_metadata_service_endpoint`); wins over the mode.
    pub endpoint: Option<String>,
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6` (or `imds_use_ipv6`).
    pub endpoint_mode_ipv6: bool,
    /// `AWS_EC2_METADATA_DISABLED=true`.
    pub disabled: bool,
    /// Per request (`AWS_METADATA_SERVICE_TIMEOUT`, seconds; default 1 s).
    pub timeout_ms: u32,
    /// Tries per request (`AWS_METADATA_SERVICE_NUM_ATTEMPTS`; default 1).
    pub attempts: u32,
}

impl Default for ImdsConfig {
    /// botocore's defaults: the IPv4 endpoint, 1 s, one attempt.
    fn default() -> Self {
        ImdsConfig {
            endpoint: None,
            endpoint_mode_ipv6: false,
            disabled: false,
            timeout_ms: 1000,
            attempts: 1,
        }
    }
}

/// botocore's `int(...)` of a setting: `None` when it does not read.
fn int_setting(v: &str) -> Option<i64> {
    let v = v.trim();
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

impl ImdsConfig {
    /// The settings as botocore reads them: each variable first, then the
    /// profile's key (the credentials file's section over the config
    /// file's, as botocore merges them). A timeout or attempt count that is
    /// not an integer (botocore raises) keeps the default; an endpoint mode
    /// other than IPv4/IPv6 (botocore raises) means IPv4.
    pub fn from_env(env: &dyn Environment, files: Option<&ProfileFiles>, profile: &str) -> ImdsConfig {
        let setting = |var: &str, key: &str| -> Option<String> {
            env.var(var).or_else(|| {
                // The merged view: credentials file over config file.
                files?.get(profile, key).map(str::to_string)
            })
        };
        let mut cfg = ImdsConfig {
            disabled: env
                .var("AWS_EC2_METADATA_DISABLED")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            ..ImdsConfig::default()
        };
        if let Some(s) =
            setting("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout").and_then(|v| int_setting(&v))
        {
            // A negative timeout makes urllib3 raise: keep the default.
            if s >= 0 {
                cfg.timeout_ms = u32::try_from(s.saturating_mul(1000)).unwrap_or(u32::MAX);
            }
        }
        if let Some(n) =
            setting("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts").and_then(|v| int_setting(&v))
        {
            // range(n) with n <= 0 makes no request at all.
            cfg.attempts = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        }
        cfg.endpoint = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint");
        cfg.endpoint_mode_ipv6 = match setting(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
            "ec2_metadata_service_endpoint_mode",
        ) {
            Some(m) => m.eq_ignore_ascii_case("ipv6"),
            None => setting("AWS_IMDS_USE_IPV6", "imds_use_ipv6").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        };
        cfg
    }

    /// The base URL botocore would use: the custom endpoint, else the IPv6
    /// or IPv4 default.
    pub fn base_url(&self) -> &str {
        match &self.endpoint {
            Some(e) => e,
            None if self.endpoint_mode_ipv6 => DEFAULT_ENDPOINT_IPV6,
            None => DEFAULT_ENDPOINT,
        }
    }

    fn url(&self, path: &str) -> String {
        let base = self.base_url();
        let sep = if base.ends_with('/') { "" } else { "/" };
        format!("{base}{sep}{path}")
    }
}

fn err(kind: ErrorKind, detail: impl Into<String>) -> Error {
    Error {
        source: Source::Imds,
        kind,
        detail: detail.into(),
    }
}

/// What the last try of a request ran into.
enum Last {
    Nothing,
    Io(Failure),
    Status(u16),
    Empty,
    NotJson,
}

impl Last {
    fn into_error(self, what: &str, attempts: u32) -> Error {
        let tries = format!("after {attempts} attempt(s)");
        match self {
            Last::Nothing => err(ErrorKind::NotFound, format!("{what}: no attempt made (attempts = 0)")),
            Last::Io(f) if matches!(f.kind, FailKind::Connect | FailKind::ConnectTimeout) => err(
                ErrorKind::NotFound,
                format!("{what}: IMDS unreachable {tries}: {}", f.msg),
            ),
            Last::Io(f) => err(ErrorKind::Fetch, format!("{what}: {} ({tries})", f.msg)),
            // No role attached to the instance (profile).
            Last::Status(404) => err(ErrorKind::NotFound, format!("{what}: HTTP 404 {tries}")),
            Last::Status(s) => err(ErrorKind::Fetch, format!("{what}: HTTP {s} {tries}")),
            Last::Empty => err(ErrorKind::Fetch, format!("{what}: empty answer {tries}")),
            Last::NotJson => err(ErrorKind::Malformed, format!("{what}: answer is not JSON {tries}")),
        }
    }
}

fn config_error(f: Failure) -> Error {
    err(
        ErrorKind::Config,
        format!("invalid IMDS endpoint or request: {}", f.msg),
    )
}

/// The IMDSv2 token, or `None` for IMDSv1 (botocore `_fetch_metadata_token`).
fn token(cfg: &ImdsConfig) -> Result<Option<String>, Error> {
    let url = cfg.url(TOKEN_PATH);
    for _ in 0..cfg.attempts {
        match request_classified(
            "PUT",
            &url,
            &[("x-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL)],
            b"",
            cfg.timeout_ms,
        ) {
            Ok(r) if r.status == 200 => {
                let t = String::from_utf8(r.body).map_err(|_| err(ErrorKind::Fetch, "IMDS token is not UTF-8"))?;
                return Ok(Some(t));
            }
            // IMDSv2 not offered: IMDSv1.
            Ok(r) if matches!(r.status, 403..=405) => return Ok(None),
            Ok(r) if r.status == 400 => return Err(err(ErrorKind::Fetch, "IMDS token request: HTTP 400")),
            Ok(_) => {}
            Err(f) if f.kind == FailKind::ReadTimeout => return Ok(None),
            Err(f) if f.kind == FailKind::Invalid => return Err(config_error(f)),
            Err(_) => {}
        }
    }
    Ok(None)
}

/// A GET retried as botocore's `_get_request` does; `json`: retry bodies
/// that are not JSON too.
fn get(cfg: &ImdsConfig, url: &str, token: Option<&str>, what: &str, json: bool) -> Result<Vec<u8>, Error> {
    let headers: &[(&str, &str)] = match token {
        Some(t) => &[("x-aws-ec2-metadata-token", t)],
        None => &[],
    };
    let mut last = Last::Nothing;
    for _ in 0..cfg.attempts {
        match request_classified("GET", url, headers, b"", cfg.timeout_ms) {
            Ok(r) if r.status != 200 => last = Last::Status(r.status),
            Ok(r) if r.body.is_empty() => last = Last::Empty,
            Ok(r)
                if json
                    && matches!(
                        parse_credentials(&r.body),
                        Err(JsonError::Syntax { .. } | JsonError::TooDeep)
                    ) =>
            {
                last = Last::NotJson
            }
            Ok(r) => return Ok(r.body),
            Err(f) if f.kind == FailKind::Invalid => return Err(config_error(f)),
            Err(f) => last = Last::Io(f),
        }
    }
    Err(last.into_error(what, cfg.attempts))
}

/// The role name as it goes into the URL: urllib3 drops tabs and line
/// breaks and percent-encodes what a path may not hold.
fn role_path_segment(body: &[u8]) -> String {
    let mut out = String::new();
    for &b in body.iter().filter(|&&b| !matches!(b, b'\t' | b'\r' | b'\n')) {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A JSON string field as an owned `String` (UTF-8 after unescaping).
pub(crate) fn owned(s: &JsonStr<'_>) -> Option<String> {
    let mut v = std::vec![0u8; s.unescaped_len()];
    let n = s.write_unescaped(&mut v)?;
    v.truncate(n);
    String::from_utf8(v).ok()
}

/// Unix seconds now.
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// botocore's `_evaluate_expiration`: an expiration within the refresh
/// window (plus 120..=600 s of jitter) becomes now plus that window.
fn stable_expiration(expiration: i64, now: i64, jitter: i64) -> i64 {
    let offset = REFRESH_WINDOW + jitter;
    if now >= expiration - offset {
        now + offset
    } else {
        expiration
    }
}

/// 120..=600 s, from the clock's nanoseconds (no RNG in the library).
fn jitter() -> i64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    120 + i64::from(nanos % 481)
}

/// Fetches the instance's role credentials. `NotFound` when IMDS is
/// disabled, unreachable or has no role; `Fetch` for other failed
/// requests; `Malformed` for an answer that is not a complete credential
/// document; `Config` for an invalid endpoint. botocore moves on to the
/// next source after any of them.
pub fn fetch(cfg: &ImdsConfig) -> Result<Credentials, Error> {
    if cfg.disabled {
        return Err(err(ErrorKind::NotFound, "disabled by AWS_EC2_METADATA_DISABLED"));
    }
    let token = token(cfg)?;
    let token = token.as_deref();
    let role = get(cfg, &cfg.url(ROLE_PATH), token, "IMDS role name", false)?;
    let segment = role_path_segment(&role);
    let body = get(
        cfg,
        &cfg.url(&format!("{ROLE_PATH}{segment}")),
        token,
        "IMDS role credentials",
        true,
    )?;
    let c = parse_credentials(&body).map_err(|e| {
        let detail = match e {
            JsonError::NotSuccess => "IMDS credentials: Code is not Success".to_string(),
            e => format!("IMDS credentials: {e:?}"),
        };
        err(ErrorKind::Malformed, detail)
    })?;
    // botocore requires all four fields.
    let (Some(tok), Some(expiration)) = (c.session_token.as_ref(), c.expiration) else {
        let missing = if c.session_token.is_none() {
            "Token"
        } else {
            "Expiration"
        };
        return Err(err(
            ErrorKind::Malformed,
            format!("IMDS credentials: missing {missing}"),
        ));
    };
    let bad_utf8 = || err(ErrorKind::Malformed, "IMDS credentials: a field is not UTF-8");
    Ok(Credentials {
        access_key_id: owned(&c.access_key_id).ok_or_else(bad_utf8)?,
        secret_access_key: owned(&c.secret_access_key).ok_or_else(bad_utf8)?,
        session_token: owned(tok).ok_or_else(bad_utf8)?,
        expiration: Some(stable_expiration(expiration, now_unix(), jitter())),
        source: Source::Imds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct MapEnv(&'static [(&'static str, &'static str)]);
    impl Environment for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn settings_as_botocore_reads_them() {
        assert_eq!(
            ImdsConfig::from_env(&MapEnv(&[]), None, "default"),
            ImdsConfig::default()
        );
        assert_eq!(ImdsConfig::default().base_url(), "http://169.254.169.254/");
        let c = ImdsConfig::from_env(
            &MapEnv(&[
                ("AWS_EC2_METADATA_DISABLED", "TRUE"),
                ("AWS_METADATA_SERVICE_TIMEOUT", " 3 "),
                ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "-2"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"),
            ]),
            None,
            "default",
        );
        assert!(c.disabled && c.endpoint_mode_ipv6);
        assert_eq!((c.timeout_ms, c.attempts), (3000, 0));
        assert_eq!(c.base_url(), "http://[fd00:ec2::254]/");
        let c = ImdsConfig::from_env(
            &MapEnv(&[
                ("AWS_EC2_METADATA_DISABLED", "1"),
                ("AWS_METADATA_SERVICE_TIMEOUT", "1.5"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "bogus"),
                ("AWS_IMDS_USE_IPV6", "true"),
            ]),
            None,
            "default",
        );
        assert!(!c.disabled && !c.endpoint_mode_ipv6);
        assert_eq!(c.timeout_ms, 1000);
        assert_eq!(c.url(TOKEN_PATH), "http://127.0.0.1:1338/latest/api/token");
        let c = ImdsConfig::from_env(&MapEnv(&[("AWS_IMDS_USE_IPV6", "True")]), None, "default");
        assert!(c.endpoint_mode_ipv6);
    }

    #[test]
    fn role_names_go_into_the_path_as_urllib3_sends_them() {
        // Observed with botocore 1.43 against a fake IMDS.
        assert_eq!(role_path_segment(b"role\n"), "role");
        assert_eq!(role_path_segment(b"role1\nrole2"), "role1role2");
        assert_eq!(role_path_segment(b" role "), "%20role%20");
        assert_eq!(role_path_segment(b"r%2Fx"), "r%2Fx");
        assert_eq!(role_path_segment(b"a\"<>`{}"), "a%22%3C%3E%60%7B%7D");
    }

    #[test]
    fn expiration_extension_follows_botocore() {
        let now = 1_800_000_000;
        // Far from expiry: unchanged.
        assert_eq!(stable_expiration(now + 6 * 3600, now, 300), now + 6 * 3600);
        // Inside 15 min + jitter, or already expired: now + that.
        assert_eq!(stable_expiration(now + 1000, now, 300), now + 1200);
        assert_eq!(stable_expiration(now - 60, now, 120), now + 1020);
        assert_eq!(stable_expiration(now + 1200, now, 300), now + 1200);
        assert!((0..1000).map(|_| jitter()).all(|j| (120..=600).contains(&j)));
    }

    #[test]
    fn disabled_or_zero_attempts_sends_nothing() {
        let mut cfg = ImdsConfig {
            endpoint: Some("http://127.0.0.1:9/".to_string()),
            disabled: true,
            ..ImdsConfig::default()
        };
        assert_eq!(fetch(&cfg).unwrap_err().kind, ErrorKind::NotFound);
        cfg.disabled = false;
        cfg.attempts = 0;
        let e = fetch(&cfg).unwrap_err();
        assert_eq!((e.kind, e.source), (ErrorKind::NotFound, Source::Imds));
        cfg.endpoint = Some("not a url".to_string());
        cfg.attempts = 1;
        assert_eq!(fetch(&cfg).unwrap_err().kind, ErrorKind::Config);
    }
}
