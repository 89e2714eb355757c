//! STS `AssumeRole` (signed by this library with the source credentials)
//! and `AssumeRoleWithWebIdentity` (unsigned), over the caller's
//! [`Transport`]: STS is HTTPS and the library links no TLS stack.
//!
//! The requests are what botocore sends: `POST` of a query-protocol form
//! (`Action`, `Version=2011-06-15`, then the parameters, each
//! percent-encoded but for `A-Za-z0-9-_.~`) with
//! `Content-Type: application/x-www-form-urlencoded; charset=utf-8`,
//! retried as botocore's default ("legacy") retry mode does: up to 5
//! attempts (or the session's `max_attempts`: see [`attempts_from`]) on
//! transport errors, 429/500/502/503/504/509 and the throttling codes (plus
//! `IDPCommunicationError` for web identity), after `rand * 2^(n-1)` seconds. Each attempt is signed afresh and bounded by
//! [`TIMEOUT_MS`].

use std::format;
use std::string::{String, ToString};
use std::time::Duration;
use std::vec::Vec;

use super::imds::now_unix;
use super::xml::{XmlError, XmlText, parse_sts_credentials, sts_error_code};
use super::{Credentials, Environment, Error, ErrorKind, HttpRequest, Source, Transport};
use crate::sign::{Config, Error as SignError, Payload, Request, Signer, Target};

/// Time allowed to each STS attempt, end to end.
pub const TIMEOUT_MS: u32 = 30_000;
/// botocore's legacy retry mode (its default): 5 attempts in all.
pub const DEFAULT_ATTEMPTS: u32 = 5;
/// The `standard` and `adaptive` retry modes: 3 attempts in all.
const STANDARD_ATTEMPTS: u32 = 3;

/// Attempts per STS call from the session's settings, as botocore's client
/// computes them: `AWS_MAX_ATTEMPTS` or the profile's `max_attempts` (total
/// attempts, at least 1), else by `AWS_RETRY_MODE` / `retry_mode`: 5 for
/// `legacy` (the default), 3 for `standard` and `adaptive`. `Err` names the
/// setting that is not valid.
pub fn attempts_from(max_attempts: Option<&str>, retry_mode: Option<&str>) -> Result<u32, String> {
    if let Some(v) = max_attempts {
        return match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("max_attempts {v:?}: not a whole number of at least 1")),
        };
    }
    match retry_mode {
        None | Some("legacy") => Ok(DEFAULT_ATTEMPTS),
        Some("standard" | "adaptive") => Ok(STANDARD_ATTEMPTS),
        Some(m) => Err(format!("retry_mode {m:?}: not legacy, standard or adaptive")),
    }
}
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
const VERSION: &str = "2011-06-15";
/// Regions that `sts_regional_endpoints = legacy` sends to the global
/// endpoint (botocore `LEGACY_GLOBAL_STS_REGIONS`).
const LEGACY_GLOBAL_REGIONS: [&str; 16] = [
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];
const GLOBAL_ENDPOINT: &str = "https://sts.amazonaws.com";
const GLOBAL_HOST: &str = "sts.amazonaws.com";
const DEFAULT_REGION: &str = "us-east-1";

/// Profile settings that change the endpoint, for callers that read the
/// shared files (each `None` when absent). Variables win over them.
#[derive(Clone, Copy, Debug, Default)]
pub struct EndpointSettings<'a> {
    /// The profile's `services` section's `sts = endpoint_url = ...`.
    pub sts_endpoint_url: Option<&'a str>,
    /// The profile's `endpoint_url`.
    pub endpoint_url: Option<&'a str>,
    /// The profile's `sts_regional_endpoints` (`legacy` / `regional`).
    pub sts_regional_endpoints: Option<&'a str>,
    /// The profile's `ignore_configured_endpoint_urls`.
    pub ignore_configured_endpoint_urls: Option<&'a str>,
}

/// The STS endpoint: `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, then
/// `profile_endpoint` (the profile's `endpoint_url`), else the default for
/// `region` (see [`default_endpoint`]; `AWS_STS_REGIONAL_ENDPOINTS=legacy`
/// picks the global endpoint for the legacy regions). None of the
/// configured URLs when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
pub fn endpoint(env: &dyn Environment, region: &str, profile_endpoint: Option<&str>) -> String {
    endpoint_from(
        env,
        region,
        &EndpointSettings {
            endpoint_url: profile_endpoint,
            ..EndpointSettings::default()
        },
    )
}

/// [`endpoint`] with every profile setting botocore reads, in botocore's
/// order: `AWS_ENDPOINT_URL_STS`, the profile's `services` `sts`
/// `endpoint_url`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`.
pub fn endpoint_from(env: &dyn Environment, region: &str, p: &EndpointSettings<'_>) -> String {
    let ignore = env
        .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| p.ignore_configured_endpoint_urls.map(str::to_string))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !ignore {
        let configured = env
            .var("AWS_ENDPOINT_URL_STS")
            .or_else(|| p.sts_endpoint_url.map(str::to_string))
            .or_else(|| env.var("AWS_ENDPOINT_URL"))
            .or_else(|| p.endpoint_url.map(str::to_string));
        if let Some(url) = configured.filter(|u| !u.is_empty()) {
            return url;
        }
    }
    let legacy = env
        .var("AWS_STS_REGIONAL_ENDPOINTS")
        .or_else(|| p.sts_regional_endpoints.map(str::to_string))
        .is_some_and(|v| v == "legacy");
    default_endpoint(region, legacy)
}

/// `https://sts.<region>.<partition suffix>` (botocore's default
/// `sts_regional_endpoints = regional`), or the global
/// `https://sts.amazonaws.com` for `aws-global` and, when `legacy_global`,
/// for the sixteen regions botocore's legacy mode sent there. No region is
/// `aws-global`, as botocore's STS client without a region has it (signed
/// for `us-east-1`).
pub fn default_endpoint(region: &str, legacy_global: bool) -> String {
    if region.is_empty() || region == "aws-global" || (legacy_global && LEGACY_GLOBAL_REGIONS.contains(&region)) {
        return GLOBAL_ENDPOINT.to_string();
    }
    format!("https://sts.{region}.{}", dns_suffix(region))
}

/// `prefix-word-digits`, the shape of botocore's partition regexes.
fn region_in(region: &str, prefix: &str) -> bool {
    let Some(rest) = region.strip_prefix(prefix) else {
        return false;
    };
    let Some((word, num)) = rest.split_once('-') else {
        return false;
    };
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !num.is_empty()
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// The partition's DNS suffix (botocore `partitions.json`, 1.43).
fn dns_suffix(region: &str) -> &'static str {
    const TABLE: [(&str, &str, &str); 6] = [
        ("cn-", "aws-cn-global", "amazonaws.com.cn"),
        ("eusc-de-", "aws-eusc-global", "amazonaws.eu"),
        ("us-iso-", "aws-iso-global", "c2s.ic.gov"),
        ("us-isob-", "aws-iso-b-global", "sc2s.sgov.gov"),
        ("eu-isoe-", "aws-iso-e-global", "cloud.adc-e.uk"),
        ("us-isof-", "aws-iso-f-global", "csp.hci.ic.gov"),
    ];
    TABLE
        .iter()
        .find(|(prefix, global, _)| region == *global || region_in(region, prefix))
        .map_or("amazonaws.com", |(_, _, suffix)| suffix)
}

/// botocore's `percent_encode`: everything but `A-Za-z0-9-_.~`.
fn form_encode(out: &mut String, v: &str) {
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn form(params: &[(&str, &str)]) -> String {
    let mut s = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        form_encode(&mut s, k);
        s.push('=');
        form_encode(&mut s, v);
    }
    s
}

/// The request URL: the endpoint with its path, or `/` (botocore
/// `_urljoin` for the query protocol's `/`).
fn request_url(endpoint: &str) -> Result<String, String> {
    let (scheme, rest) = endpoint.split_once("://").ok_or("endpoint is not a URL")?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") || rest.is_empty() {
        return Err("endpoint is not an http(s) URL".to_string());
    }
    Ok(if rest.contains('/') {
        format!("{scheme}://{rest}")
    } else {
        format!("{scheme}://{rest}/")
    })
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host.to_ascii_lowercase()
}

/// The region a request to `url` is signed for: `us-east-1` at the global
/// endpoint (botocore's rules say so for it), else `region`.
fn signing_region<'a>(url: &str, region: &'a str) -> &'a str {
    if host_of(url) == GLOBAL_HOST || region.is_empty() {
        DEFAULT_REGION
    } else {
        region
    }
}

fn err(source: Source, kind: ErrorKind, detail: impl Into<String>) -> Error {
    Error {
        source,
        kind,
        detail: detail.into(),
    }
}

/// Headers from the signer: `Name: value\0` entries.
fn sign(
    source: &Credentials,
    region: &str,
    url: &str,
    body: &[u8],
    now: i64,
) -> Result<Vec<(String, String)>, SignError> {
    let signer = Signer::new(&Config {
        access_key_id: source.access_key_id.as_bytes(),
        secret_access_key: source.secret_access_key.as_bytes(),
        session_token: source.session_token.as_bytes(),
        // Expired source credentials fail here, not at STS.
        expiration: source.expiration,
        region: region.as_bytes(),
        service: b"sts",
        flags: 0,
        unsigned_headers: &[] as &[&[u8]; 0],
    })?;
    let headers: [(&[u8], &[u8]); 1] = [(b"content-type", CONTENT_TYPE.as_bytes())];
    let req = Request {
        method: b"POST",
        target: Target::parse_url(url.as_bytes())?,
        headers: &headers,
        payload: Payload::Bytes(body),
    };
    let mut out = std::vec![0u8; 8192];
    let n = loop {
        match signer.sign_headers(&req, now, &mut out) {
            Ok(n) => break n,
            Err(SignError::BufferTooSmall(need)) if need > out.len() => out.resize(need, 0),
            Err(e) => return Err(e),
        }
    };
    let mut list = Vec::new();
    for entry in out[..n].split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let text = core::str::from_utf8(entry).map_err(|_| SignError::InvalidHeaderValue)?;
        if let Some((name, value)) = text.split_once(": ") {
            list.push((name.to_string(), value.to_string()));
        }
    }
    // The buffer held the session token.
    zeroize::Zeroize::zeroize(&mut out);
    Ok(list)
}

/// Error codes botocore's legacy retry mode retries (HTTP 400 ones).
fn retryable_code(code: &str, web_identity: bool) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "ProvisionedThroughputExceededException"
    ) || (web_identity && code == "IDPCommunicationError")
}

fn text(t: &XmlText<'_>) -> Option<String> {
    let mut v = std::vec![0u8; t.unescaped_len()];
    let n = t.write_unescaped(&mut v)?;
    v.truncate(n);
    String::from_utf8(v).ok()
}

/// `rand * 2^(n-1)` seconds before retry `n` (the clock's nanoseconds
/// stand in for the random number: no RNG in the library).
fn backoff(retry: u32) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let base = 1000u64 << (retry - 1).min(10);
    Duration::from_millis(base * u64::from(nanos % 1000) / 1000)
}

/// Waits between attempts (`std::thread::sleep`; tests record instead).
type Sleep<'a> = &'a dyn Fn(Duration);

/// One STS call with botocore's retries. `signer`: the source credentials
/// for a signed call.
fn call(
    source_kind: Source,
    action: &str,
    params: &[(&str, &str)],
    signer: Option<(&Credentials, &str)>,
    (endpoint, attempts): (&str, u32),
    transport: &dyn Transport,
    sleep: Sleep<'_>,
) -> Result<Credentials, Error> {
    let url = request_url(endpoint).map_err(|m| err(source_kind, ErrorKind::Config, format!("STS {m}")))?;
    let mut all = std::vec![("Action", action), ("Version", VERSION)];
    all.extend_from_slice(params);
    let body = form(&all).into_bytes();
    let web_identity = source_kind == Source::WebIdentity;
    let mut last = String::new();
    for attempt in 1..=attempts {
        if attempt > 1 {
            sleep(backoff(attempt - 1));
        }
        let mut headers = std::vec![("Content-Type".to_string(), CONTENT_TYPE.to_string())];
        if let Some((creds, region)) = signer {
            let signed = sign(creds, signing_region(&url, region), &url, &body, now_unix()).map_err(|e| {
                err(
                    source_kind,
                    ErrorKind::Config,
                    format!("STS {action}: cannot sign with the source credentials: {e:?}"),
                )
            })?;
            headers.extend(signed);
        }
        let req = HttpRequest {
            method: "POST".to_string(),
            url: url.clone(),
            headers,
            body: body.clone(),
            timeout_ms: TIMEOUT_MS,
        };
        let resp = match transport.send(&req) {
            Ok(r) => r,
            Err(m) => {
                last = format!("STS {action}: transport: {m}");
                continue;
            }
        };
        if resp.status == 200 {
            return parsed(source_kind, action, &resp.body);
        }
        let code = sts_error_code(&resp.body).and_then(|c| text(&c));
        let retry = matches!(resp.status, 429 | 500 | 502 | 503 | 504 | 509)
            || (resp.status == 400 && code.as_deref().is_some_and(|c| retryable_code(c, web_identity)));
        let detail = code.unwrap_or_else(|| format!("HTTP {}", resp.status));
        if !retry {
            return Err(err(source_kind, ErrorKind::Fetch, detail));
        }
        last = detail;
    }
    Err(err(source_kind, ErrorKind::Fetch, last))
}

fn parsed(source_kind: Source, action: &str, body: &[u8]) -> Result<Credentials, Error> {
    let c = parse_sts_credentials(body).map_err(|e| {
        let detail = match e {
            XmlError::Sts => sts_error_code(body)
                .and_then(|c| text(&c))
                .unwrap_or_else(|| "ErrorResponse".to_string()),
            e => format!("STS {action} response: {e:?}"),
        };
        err(source_kind, ErrorKind::Malformed, detail)
    })?;
    let field = |t: &XmlText<'_>| {
        text(t).ok_or_else(|| {
            err(
                source_kind,
                ErrorKind::Malformed,
                format!("STS {action} response: a field is not UTF-8"),
            )
        })
    };
    Ok(Credentials {
        access_key_id: field(&c.access_key_id)?,
        secret_access_key: field(&c.secret_access_key)?,
        session_token: field(&c.session_token)?,
        expiration: Some(c.expiration),
        source: source_kind,
    })
}

/// botocore's parameter validation: minimum lengths (and the minimum
/// duration) are checked before anything is sent.
fn check_min(source_kind: Source, name: &str, value: &str, min: usize) -> Result<(), Error> {
    if value.chars().count() < min {
        return Err(err(
            source_kind,
            ErrorKind::Config,
            format!("{name}: shorter than {min} characters"),
        ));
    }
    Ok(())
}

/// `AssumeRole`, signed with `source` for `region` (`us-east-1` when empty
/// or at the global endpoint). STS errors are `Fetch` errors whose detail
/// is the STS error code.
#[allow(clippy::too_many_arguments)]
pub fn assume_role(
    source: &Credentials,
    role_arn: &str,
    session_name: &str,
    external_id: Option<&str>,
    duration_secs: Option<u32>,
    region: &str,
    endpoint: &str,
    attempts: u32,
    transport: &dyn Transport,
) -> Result<Credentials, Error> {
    let args = (role_arn, session_name, external_id, duration_secs);
    assume_role_sleeping(
        source,
        args,
        region,
        (endpoint, attempts),
        transport,
        &std::thread::sleep,
    )
}

type RoleArgs<'a> = (&'a str, &'a str, Option<&'a str>, Option<u32>);

fn assume_role_sleeping(
    source: &Credentials,
    (role_arn, session_name, external_id, duration_secs): RoleArgs<'_>,
    region: &str,
    endpoint: (&str, u32),
    transport: &dyn Transport,
    sleep: Sleep<'_>,
) -> Result<Credentials, Error> {
    let s = Source::AssumeRole;
    check_min(s, "RoleArn", role_arn, 20)?;
    check_min(s, "RoleSessionName", session_name, 2)?;
    if let Some(x) = external_id {
        check_min(s, "ExternalId", x, 2)?;
    }
    let duration = duration_secs.map(|d| d.to_string());
    if duration_secs.is_some_and(|d| d < 900) {
        return Err(err(s, ErrorKind::Config, "DurationSeconds: below 900"));
    }
    // The operation's member order, as botocore's serializer writes it.
    let mut params = std::vec![("RoleArn", role_arn), ("RoleSessionName", session_name)];
    if let Some(d) = &duration {
        params.push(("DurationSeconds", d));
    }
    if let Some(x) = external_id {
        params.push(("ExternalId", x));
    }
    call(
        s,
        "AssumeRole",
        &params,
        Some((source, region)),
        endpoint,
        transport,
        sleep,
    )
}

/// `AssumeRoleWithWebIdentity`: unsigned; the token is the proof.
pub fn assume_role_with_web_identity(
    role_arn: &str,
    session_name: &str,
    web_identity_token: &str,
    region: &str,
    endpoint: &str,
    attempts: u32,
    transport: &dyn Transport,
) -> Result<Credentials, Error> {
    // Unsigned: the region only chose the endpoint.
    let _ = region;
    web_identity_sleeping(
        role_arn,
        session_name,
        web_identity_token,
        (endpoint, attempts),
        transport,
        &std::thread::sleep,
    )
}

fn web_identity_sleeping(
    role_arn: &str,
    session_name: &str,
    web_identity_token: &str,
    endpoint: (&str, u32),
    transport: &dyn Transport,
    sleep: Sleep<'_>,
) -> Result<Credentials, Error> {
    let s = Source::WebIdentity;
    check_min(s, "RoleArn", role_arn, 20)?;
    check_min(s, "RoleSessionName", session_name, 2)?;
    check_min(s, "WebIdentityToken", web_identity_token, 4)?;
    let params = [
        ("RoleArn", role_arn),
        ("RoleSessionName", session_name),
        ("WebIdentityToken", web_identity_token),
    ];
    call(
        s,
        "AssumeRoleWithWebIdentity",
        &params,
        None,
        endpoint,
        transport,
        sleep,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::HttpResponse;
    use std::sync::Mutex;

    struct MapEnv(&'static [(&'static str, &'static str)]);
    impl Environment for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        }
    }

    /// Answers from a list (the last one repeats) and keeps the requests.
    struct Script {
        answers: Vec<Result<(u16, &'static str), &'static str>>,
        seen: Mutex<Vec<HttpRequest>>,
    }
    impl Transport for Script {
        fn send(&self, req: &HttpRequest) -> Result<HttpResponse, String> {
            let mut seen = self.seen.lock().unwrap();
            seen.push(req.clone());
            let a = self.answers[(seen.len() - 1).min(self.answers.len() - 1)];
            a.map(|(status, body)| HttpResponse {
                status,
                body: body.as_bytes().to_vec(),
            })
            .map_err(str::to_string)
        }
    }
    fn script(answers: Vec<Result<(u16, &'static str), &'static str>>) -> Script {
        Script {
            answers,
            seen: Mutex::new(Vec::new()),
        }
    }

    // The AssumeRole response example of the STS API reference, shortened.
    const OK: &str = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
        <AssumeRoleResult><SourceIdentity>Alice</SourceIdentity><AssumedRoleUser>\
        <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>\
        <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId></AssumedRoleUser>\
        <Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\
        <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\
        <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764</SessionToken>\
        <Expiration>2019-11-09T13:34:41Z</Expiration></Credentials>\
        <PackedPolicySize>6</PackedPolicySize></AssumeRoleResult>\
        <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>\
        </AssumeRoleResponse>";
    const DENIED: &str = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
        <Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error>\
        <RequestId>x</RequestId></ErrorResponse>";
    const THROTTLED: &str = "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>";
    const IDP: &str = "<ErrorResponse><Error><Code>IDPCommunicationError</Code></Error></ErrorResponse>";
    const ROLE: &str = "arn:aws:iam::123456789012:role/demo";

    fn source() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".to_string(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string(),
            session_token: "source-session-token".to_string(),
            expiration: None,
            source: Source::Environment,
        }
    }

    fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn endpoints_as_botocore_resolves_them() {
        // botocore 1.43's STS endpoint rule set and partitions.json.
        let none = MapEnv(&[]);
        for (region, want) in [
            ("", "https://sts.amazonaws.com"),
            ("eu-west-3", "https://sts.eu-west-3.amazonaws.com"),
            ("aws-global", "https://sts.amazonaws.com"),
            ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn"),
            ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com"),
            ("us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov"),
            ("us-isob-east-1", "https://sts.us-isob-east-1.sc2s.sgov.gov"),
            ("eu-isoe-west-1", "https://sts.eu-isoe-west-1.cloud.adc-e.uk"),
            ("us-isof-south-1", "https://sts.us-isof-south-1.csp.hci.ic.gov"),
            ("eusc-de-east-1", "https://sts.eusc-de-east-1.amazonaws.eu"),
            ("mars-east-1", "https://sts.mars-east-1.amazonaws.com"),
        ] {
            assert_eq!(endpoint(&none, region, None), want, "{region}");
        }
        let legacy = MapEnv(&[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")]);
        assert_eq!(endpoint(&legacy, "eu-west-1", None), "https://sts.amazonaws.com");
        assert_eq!(
            endpoint(&legacy, "af-south-1", None),
            "https://sts.af-south-1.amazonaws.com"
        );
        assert_eq!(endpoint(&legacy, "us-east-1", Some("http://p")), "http://p");
        let both = MapEnv(&[
            ("AWS_ENDPOINT_URL", "http://global"),
            ("AWS_ENDPOINT_URL_STS", "http://sts"),
        ]);
        assert_eq!(endpoint(&both, "eu-west-1", Some("http://p")), "http://sts");
        let global = MapEnv(&[("AWS_ENDPOINT_URL", "http://global")]);
        assert_eq!(endpoint(&global, "eu-west-1", Some("http://p")), "http://global");
        let p = EndpointSettings {
            sts_endpoint_url: Some("http://svc"),
            endpoint_url: Some("http://p"),
            ..EndpointSettings::default()
        };
        assert_eq!(endpoint_from(&global, "eu-west-1", &p), "http://svc");
        let ignore = MapEnv(&[
            ("AWS_ENDPOINT_URL_STS", "http://sts"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "True"),
        ]);
        assert_eq!(
            endpoint(&ignore, "eu-west-1", Some("http://p")),
            "https://sts.eu-west-1.amazonaws.com"
        );
    }

    #[test]
    fn assume_role_request_is_botocores() {
        let t = script(std::vec![Ok((200, OK))]);
        let c = assume_role(
            &source(),
            ROLE,
            "sess name",
            Some("ext:1/2"),
            Some(900),
            "eu-west-1",
            "https://sts.eu-west-1.amazonaws.com",
            DEFAULT_ATTEMPTS,
            &t,
        )
        .unwrap();
        assert_eq!(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
        assert_eq!(c.session_token, "AQoDYXdzEPT//////////wEXAMPLEtc764");
        assert_eq!((c.expiration, c.source), (Some(1_573_306_481), Source::AssumeRole));
        let seen = t.seen.lock().unwrap();
        let r = &seen[0];
        assert_eq!(
            (r.method.as_str(), r.url.as_str()),
            ("POST", "https://sts.eu-west-1.amazonaws.com/")
        );
        assert_eq!(
            String::from_utf8(r.body.clone()).unwrap(),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo\
             &RoleSessionName=sess%20name&DurationSeconds=900&ExternalId=ext%3A1%2F2"
        );
        assert_eq!(header(r, "content-type"), Some(CONTENT_TYPE));
        assert_eq!(header(r, "x-amz-security-token"), Some("source-session-token"));
        let auth = header(r, "authorization").unwrap();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), "{auth}");
        assert!(
            auth.contains(
                "/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
            ),
            "{auth}"
        );
        assert!(header(r, "x-amz-date").is_some());
    }

    #[test]
    fn global_endpoint_is_signed_for_us_east_1() {
        let t = script(std::vec![Ok((200, OK))]);
        assume_role(
            &source(),
            ROLE,
            "s1",
            None,
            None,
            "eu-west-1",
            "https://STS.amazonaws.com",
            DEFAULT_ATTEMPTS,
            &t,
        )
        .unwrap();
        let seen = t.seen.lock().unwrap();
        assert!(
            header(&seen[0], "authorization")
                .unwrap()
                .contains("/us-east-1/sts/aws4_request")
        );
        assert_eq!(seen[0].url, "https://STS.amazonaws.com/");
    }

    #[test]
    fn web_identity_is_unsigned() {
        let t = script(std::vec![Ok((
            200,
            &OK.replace("AssumeRole", "AssumeRoleWithWebIdentity").leak()[..]
        ))]);
        let c = assume_role_with_web_identity(
            ROLE,
            "web",
            "eyJ.token+/=",
            "",
            "http://127.0.0.1:5000/prefix",
            DEFAULT_ATTEMPTS,
            &t,
        )
        .unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.source),
            ("ASIAIOSFODNN7EXAMPLE", Source::WebIdentity)
        );
        let seen = t.seen.lock().unwrap();
        assert_eq!(seen[0].url, "http://127.0.0.1:5000/prefix");
        assert_eq!(
            seen[0].headers,
            std::vec![("Content-Type".to_string(), CONTENT_TYPE.to_string())]
        );
        assert_eq!(
            String::from_utf8(seen[0].body.clone()).unwrap(),
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo\
             &RoleSessionName=web&WebIdentityToken=eyJ.token%2B%2F%3D"
        );
    }

    #[test]
    fn errors_carry_the_sts_code_and_retries_follow_botocore() {
        // Not retried: the code is the detail, no secret anywhere.
        let t = script(std::vec![Ok((403, DENIED))]);
        let e = assume_role(
            &source(),
            ROLE,
            "s1",
            None,
            None,
            "us-east-1",
            "https://sts.amazonaws.com",
            DEFAULT_ATTEMPTS,
            &t,
        )
        .unwrap_err();
        assert_eq!(
            (e.kind, e.detail.as_str(), t.seen.lock().unwrap().len()),
            (ErrorKind::Fetch, "AccessDenied", 1)
        );
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("EXAMPLEKEY") && !shown.contains("source-session-token"));
        // Throttling, a 503, a transport error: retried, then it works.
        let t = script(std::vec![
            Ok((400, THROTTLED)),
            Ok((503, "")),
            Err("reset"),
            Ok((200, OK))
        ]);
        let slept = Mutex::new(Vec::new());
        let args = (ROLE, "s1", None, None);
        let rec = |d: Duration| slept.lock().unwrap().push(d);
        assume_role_sleeping(&source(), args, "us-east-1", ("https://sts.amazonaws.com", 5), &t, &rec).unwrap();
        assert_eq!(t.seen.lock().unwrap().len(), 4);
        // rand * 2^(n-1) s before retry n.
        let slept = slept.into_inner().unwrap();
        assert_eq!(slept.len(), 3);
        for (n, d) in slept.iter().enumerate() {
            assert!(*d < Duration::from_secs(1 << n), "retry {}: {d:?}", n + 1);
        }
        // Each attempt is signed afresh (same date here, same signature):
        // the token is there every time.
        assert!(
            t.seen
                .lock()
                .unwrap()
                .iter()
                .all(|r| header(r, "x-amz-security-token").is_some())
        );
        // IDPCommunicationError is retried for web identity only.
        let t = script(std::vec![Ok((400, IDP))]);
        let e = assume_role(
            &source(),
            ROLE,
            "s1",
            None,
            None,
            "",
            "https://sts.amazonaws.com",
            5,
            &t,
        )
        .unwrap_err();
        assert_eq!(
            (e.detail.as_str(), t.seen.lock().unwrap().len()),
            ("IDPCommunicationError", 1)
        );
        let t = script(std::vec![Ok((400, IDP)), Ok((200, OK))]);
        web_identity_sleeping(ROLE, "web", "token", ("https://sts.amazonaws.com", 5), &t, &|_| {}).unwrap();
        assert_eq!(t.seen.lock().unwrap().len(), 2);
    }

    #[test]
    fn attempts_follow_the_session_settings() {
        assert_eq!(attempts_from(None, None), Ok(5));
        assert_eq!(attempts_from(None, Some("legacy")), Ok(5));
        assert_eq!(attempts_from(None, Some("standard")), Ok(3));
        assert_eq!(attempts_from(None, Some("adaptive")), Ok(3));
        assert_eq!(attempts_from(Some("2"), Some("standard")), Ok(2));
        assert_eq!(attempts_from(Some(" 1 "), None), Ok(1));
        assert!(attempts_from(Some("0"), None).is_err());
        assert!(attempts_from(Some("two"), None).is_err());
        assert!(attempts_from(None, Some("eager")).is_err());
        // Two attempts: the second failure ends the call.
        let t = script(std::vec![Ok((500, ""))]);
        let e = web_identity_sleeping(ROLE, "web", "token", ("https://sts.amazonaws.com", 2), &t, &|_| {}).unwrap_err();
        assert_eq!((e.detail.as_str(), t.seen.lock().unwrap().len()), ("HTTP 500", 2));
    }

    #[test]
    fn five_attempts_at_most() {
        let t = script(std::vec![Ok((500, ""))]);
        let e = web_identity_sleeping(ROLE, "web", "token", ("https://sts.amazonaws.com", 5), &t, &|_| {}).unwrap_err();
        assert_eq!((e.kind, e.detail.as_str()), (ErrorKind::Fetch, "HTTP 500"));
        assert_eq!(t.seen.lock().unwrap().len(), 5);
        let t = script(std::vec![Err("connection refused")]);
        let e = web_identity_sleeping(ROLE, "web", "token", ("https://sts.amazonaws.com", 5), &t, &|_| {}).unwrap_err();
        assert_eq!(e.detail, "STS AssumeRoleWithWebIdentity: transport: connection refused");
        assert_eq!(t.seen.lock().unwrap().len(), 5);
    }

    #[test]
    fn botocore_parameter_validation_is_checked_first() {
        let t = script(std::vec![Ok((200, OK))]);
        let ep = "https://sts.amazonaws.com";
        let s = source();
        for e in [
            assume_role(&s, "arn:aws:iam::1:role", "s1", None, None, "", ep, 5, &t),
            assume_role(&s, ROLE, "s", None, None, "", ep, 5, &t),
            assume_role(&s, ROLE, "s1", Some("x"), None, "", ep, 5, &t),
            assume_role(&s, ROLE, "s1", None, Some(899), "", ep, 5, &t),
            assume_role_with_web_identity(ROLE, "s1", "abc", "", ep, 5, &t),
            assume_role(&s, ROLE, "s1", None, None, "", "sts.amazonaws.com", 5, &t),
        ] {
            assert_eq!(e.unwrap_err().kind, ErrorKind::Config);
        }
        let mut bad = source();
        bad.access_key_id = "AK ID".to_string();
        assert_eq!(
            assume_role(&bad, ROLE, "s1", None, None, "", ep, 5, &t)
                .unwrap_err()
                .kind,
            ErrorKind::Config
        );
        assert!(t.seen.lock().unwrap().is_empty());
    }

    #[test]
    fn a_200_that_is_not_credentials_is_malformed() {
        for body in [
            "",
            "<x/>",
            DENIED,
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>",
        ] {
            let t = script(std::vec![Ok((200, body))]);
            let e = assume_role(
                &source(),
                ROLE,
                "s1",
                None,
                None,
                "",
                "https://sts.amazonaws.com",
                5,
                &t,
            )
            .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Malformed, "{body}");
        }
    }
}
