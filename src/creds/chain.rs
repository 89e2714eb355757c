//! The default credential chain, in the order of botocore's
//! `create_credential_resolver`:
//!
//! 1. environment variables ([`env`]; skipped when a profile is given in
//!    [`ChainOptions::profile`], as botocore skips it for `Session(profile=)`);
//! 2. the profile's `role_arn` (without `web_identity_token_file`):
//!    AssumeRole with credentials from `source_profile` or
//!    `credential_source` (`Environment`, `Ec2InstanceMetadata`,
//!    `EcsContainer`), chains of roles and loop detection as botocore;
//! 3. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` / `AWS_ROLE_ARN` /
//!    `AWS_ROLE_SESSION_NAME`, each falling back to the profile's
//!    `web_identity_token_file` / `role_arn` / `role_session_name`;
//! 4. static keys in the `credentials` file's `[profile]`;
//! 5. the profile's `credential_process` ([`process`]);
//! 6. static keys in the `config` file's profile;
//! 7. the ECS / EKS container endpoint ([`container`]);
//! 8. EC2 instance metadata ([`imds`]).
//!
//! A step that has nothing (`ErrorKind::NotFound`) passes to the next; any
//! other error ends the chain, as botocore raises. Not done (known
//! differences, tests/creds/botocore_agreement.py): SSO and `login_session`
//! profiles, the boto2 / EC2-tools files (`~/.boto`, `/etc/boto.cfg`,
//! `AWS_CREDENTIAL_FILE`), `mfa_serial` (no prompt: `Config` error), and
//! botocore's assume-role cache.

use super::profile::{ProfileFiles, View, selected_profile};
use super::{Credentials, Environment, Error, ErrorKind, Source, Transport};
use super::{container, env, imds, process, sts};
use std::format;
use std::string::String;
use std::sync::Arc;
use std::vec::Vec;
use zeroize::Zeroize;

/// botocore waits for a `credential_process` forever; we stop it after
/// this long (the AWS SDK for Go's default).
pub const DEFAULT_PROCESS_TIMEOUT_MS: u32 = 60_000;

/// Roles assumed one from another at most (botocore stops at Python's
/// recursion limit; a config file must not overflow our stack).
pub const MAX_ROLE_CHAIN: usize = 32;

/// Web identity token files larger than this are refused (STS takes 20000
/// characters at most).
pub const MAX_TOKEN_FILE: u64 = 1 << 20;

/// How to run the chain.
#[derive(Clone)]
pub struct ChainOptions {
    /// A profile chosen by the caller (botocore's `Session(profile=...)`):
    /// overrides `AWS_PROFILE` and turns off the environment step. It
    /// must exist in one of the files.
    pub profile: Option<String>,
    /// Region for STS; else `AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile's `region`, `us-east-1`.
    pub region: Option<String>,
    /// HTTPS for STS (AssumeRole, AssumeRoleWithWebIdentity); without it
    /// those steps fail with `NoTransport`.
    pub transport: Option<Arc<dyn Transport>>,
    pub process_timeout_ms: u32,
}

impl Default for ChainOptions {
    fn default() -> Self {
        ChainOptions {
            profile: None,
            region: None,
            transport: None,
            process_timeout_ms: DEFAULT_PROCESS_TIMEOUT_MS,
        }
    }
}

impl core::fmt::Debug for ChainOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChainOptions")
            .field("profile", &self.profile)
            .field("region", &self.region)
            .field("transport", &self.transport.is_some())
            .field("process_timeout_ms", &self.process_timeout_ms)
            .finish()
    }
}

/// Runs the default chain: reads the shared files, then
/// [`resolve_with_files`].
pub fn resolve(env: &dyn Environment, opts: &ChainOptions) -> Result<Credentials, Error> {
    let files = ProfileFiles::load(env)?;
    resolve_with_files(env, &files, opts)
}

/// The default chain over files already loaded.
pub fn resolve_with_files(
    env: &dyn Environment,
    files: &ProfileFiles,
    opts: &ChainOptions,
) -> Result<Credentials, Error> {
    let explicit = opts.profile.is_some();
    let profile = opts.profile.clone().unwrap_or_else(|| selected_profile(env));
    let pq = shown(&profile);
    // botocore's scoped config raises ProfileNotFound for a chosen profile
    // (even `default`) that no file defines, before any provider runs.
    let chosen = explicit || env.var("AWS_DEFAULT_PROFILE").is_some() || env.var("AWS_PROFILE").is_some();
    if chosen && !files.has_profile(&profile) {
        return Err(Error {
            source: Source::SharedConfigFile,
            kind: ErrorKind::Config,
            detail: format!(
                "profile {pq} is in neither {} nor {}",
                files.config_path().display(),
                files.credentials_path().display()
            ),
        });
    }
    let cx = Cx {
        env,
        files,
        opts,
        top: &profile,
    };
    if !explicit && let Some(r) = step(env::from_env(env)) {
        return r;
    }
    if has_role(files, &profile) {
        let mut visited = std::vec![profile.clone()];
        return cx.assume_role(&profile, &mut visited);
    }
    if let Some(r) = cx.profile_providers(&profile, !explicit) {
        return r;
    }
    if let Some(r) = step(container::fetch(env)) {
        return r;
    }
    match imds::fetch(&imds::ImdsConfig::from_env(env, Some(files), &profile)) {
        Err(e) if e.kind == ErrorKind::NotFound => Err(Error {
            source: Source::Imds,
            kind: ErrorKind::NotFound,
            detail: format!(
                "no credentials: environment, profile {pq} (role, web identity, credentials file, \
                 credential_process, config file), container, IMDS ({})",
                e.detail
            ),
        }),
        r => r,
    }
}

/// The profile's own credentials, as botocore resolves a `source_profile`:
/// its role (if it has `role_arn` and no static keys), else web identity
/// (profile settings only), `credentials` file keys, `credential_process`,
/// `config` file keys. `NotFound` if it has none.
pub fn resolve_profile(
    env: &dyn Environment,
    files: &ProfileFiles,
    profile: &str,
    opts: &ChainOptions,
) -> Result<Credentials, Error> {
    let pq = shown(profile);
    let cx = Cx {
        env,
        files,
        opts,
        top: profile,
    };
    if has_role(files, profile) && !has_static(files, profile) {
        let mut visited = std::vec![String::from(profile)];
        return cx.assume_role(profile, &mut visited);
    }
    cx.profile_providers(profile, false).unwrap_or_else(|| {
        Err(Error {
            source: Source::SharedConfigFile,
            kind: ErrorKind::NotFound,
            detail: format!("profile {pq} has no credentials"),
        })
    })
}

/// A name from a file or a variable, for a message: quoted, its first line
/// only and at most 64 characters (a value that swallowed the next lines
/// of a file may hold a secret).
fn shown(s: &str) -> String {
    let line = s.split(['\n', '\r']).next().unwrap_or("");
    let cut: String = line.chars().take(64).collect();
    let more = if cut.len() < s.len() { "..." } else { "" };
    format!("{cut:?}{more}")
}

/// `None` for NotFound (the chain goes on), the result otherwise (it stops).
fn step(r: Result<Credentials, Error>) -> Option<Result<Credentials, Error>> {
    match r {
        Err(e) if e.kind == ErrorKind::NotFound => None,
        r => Some(r),
    }
}

fn has_static(files: &ProfileFiles, p: &str) -> bool {
    files.contains(View::Merged, p, "aws_access_key_id") || files.contains(View::Merged, p, "aws_secret_access_key")
}

fn has_role(files: &ProfileFiles, p: &str) -> bool {
    files.contains(View::Merged, p, "role_arn") && !files.contains(View::Merged, p, "web_identity_token_file")
}

fn config_err(source: Source, detail: String) -> Error {
    Error {
        source,
        kind: ErrorKind::Config,
        detail,
    }
}

struct Cx<'a> {
    env: &'a dyn Environment,
    files: &'a ProfileFiles,
    opts: &'a ChainOptions,
    /// The profile the chain started from (region, STS endpoint).
    top: &'a str,
}

impl Cx<'_> {
    /// A text setting; a nested block where text is needed is `Malformed`.
    fn text(&self, view: View, profile: &str, key: &str, source: Source) -> Result<Option<&str>, Error> {
        match self.files.lookup(view, profile, key) {
            None => Ok(None),
            Some(v) => match v.text() {
                Some(t) => Ok(Some(t)),
                None => Err(Error {
                    source,
                    kind: ErrorKind::Malformed,
                    detail: format!("profile {}: {key} is a nested block, not a value", shown(profile)),
                }),
            },
        }
    }

    /// botocore's `ProfileProviderBuilder.providers` (SSO and login left
    /// out): `None` when none of them applies.
    fn profile_providers(&self, profile: &str, env_vars: bool) -> Option<Result<Credentials, Error>> {
        let pq = shown(profile);
        match self.web_identity(profile, env_vars) {
            Ok(None) => {}
            Ok(Some(c)) => return Some(Ok(c)),
            Err(e) => return Some(Err(e)),
        }
        if self.files.contains(View::Credentials, profile, "aws_access_key_id") {
            return Some(self.static_keys(View::Credentials, profile, Source::SharedCredentialsFile));
        }
        match self.text(View::Merged, profile, "credential_process", Source::Process) {
            Err(e) => return Some(Err(e)),
            Ok(Some(cmd)) => {
                return Some(process::run(cmd, self.opts.process_timeout_ms).map_err(|mut e| {
                    e.detail = format!("profile {pq}: {}", e.detail);
                    e
                }));
            }
            Ok(None) => {}
        }
        if self.files.contains(View::Config, profile, "aws_access_key_id") {
            return Some(self.static_keys(View::Config, profile, Source::SharedConfigFile));
        }
        None
    }

    /// `aws_access_key_id` (present), `aws_secret_access_key` (required),
    /// `aws_security_token` or else `aws_session_token`.
    fn static_keys(&self, view: View, profile: &str, source: Source) -> Result<Credentials, Error> {
        let pq = shown(profile);
        let path = match view {
            View::Credentials => self.files.credentials_path(),
            _ => self.files.config_path(),
        };
        let bad = |what: &str| Error {
            source,
            kind: ErrorKind::Malformed,
            detail: format!("{}: profile {pq}: {what}", path.display()),
        };
        let ak = self
            .text(view, profile, "aws_access_key_id", source)?
            .unwrap_or_default();
        let Some(sk) = self.text(view, profile, "aws_secret_access_key", source)? else {
            return Err(bad("aws_access_key_id without aws_secret_access_key"));
        };
        // botocore hands out empty keys (and requests then fail); an
        // error that names the file is more use.
        if ak.is_empty() || sk.is_empty() {
            return Err(bad("empty aws_access_key_id or aws_secret_access_key"));
        }
        let token = match self.files.lookup(view, profile, "aws_security_token") {
            Some(_) => self.text(view, profile, "aws_security_token", source)?,
            None => self.text(view, profile, "aws_session_token", source)?,
        };
        Ok(Credentials {
            access_key_id: String::from(ak),
            secret_access_key: String::from(sk),
            session_token: String::from(token.unwrap_or_default()),
            expiration: None,
            source,
        })
    }

    /// `Ok(None)` without a token file (variable or profile setting).
    fn web_identity(&self, profile: &str, env_vars: bool) -> Result<Option<Credentials>, Error> {
        let pq = shown(profile);
        let src = Source::WebIdentity;
        let setting = |var: &str, key: &str| -> Result<Option<String>, Error> {
            if env_vars && let Some(v) = self.env.var(var) {
                return Ok(Some(v));
            }
            Ok(self.text(View::Merged, profile, key, src)?.map(String::from))
        };
        let token_file = match setting("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file")? {
            Some(p) if !p.is_empty() => p,
            _ => return Ok(None),
        };
        let role_arn = match setting("AWS_ROLE_ARN", "role_arn")? {
            Some(a) if !a.is_empty() => a,
            _ => {
                return Err(config_err(
                    src,
                    format!("web identity token file set for profile {pq} but no role ARN"),
                ));
            }
        };
        let session = self.session_name(setting("AWS_ROLE_SESSION_NAME", "role_session_name")?);
        // Read at fetch time and unmodified, as botocore's token loader.
        let mut token = read_token(&token_file)?;
        let result = (|| {
            let transport = self.transport(src)?;
            let region = self.region();
            let endpoint = self.sts_endpoint(&region, src)?;
            let attempts = self.sts_attempts(src)?;
            sts::assume_role_with_web_identity(&role_arn, &session, &token, &region, &endpoint, attempts, transport)
        })();
        token.zeroize();
        result.map(Some)
    }

    fn transport(&self, source: Source) -> Result<&dyn Transport, Error> {
        match &self.opts.transport {
            Some(t) => Ok(t.as_ref()),
            None => Err(Error {
                source,
                kind: ErrorKind::NoTransport,
                detail: String::from("STS needs HTTPS: no transport in ChainOptions"),
            }),
        }
    }

    /// botocore reads these from the session's profile (the top one).
    fn sts_endpoint(&self, region: &str, src: Source) -> Result<String, Error> {
        let p = self.top;
        let settings = sts::EndpointSettings {
            sts_endpoint_url: self.files.service_setting(p, "sts", "endpoint_url"),
            endpoint_url: self.text(View::Merged, p, "endpoint_url", src)?,
            sts_regional_endpoints: self.text(View::Merged, p, "sts_regional_endpoints", src)?,
            ignore_configured_endpoint_urls: self.text(View::Merged, p, "ignore_configured_endpoint_urls", src)?,
        };
        Ok(sts::endpoint_from(self.env, region, &settings))
    }

    /// Attempts per STS call: the session's retry settings (variables
    /// first, then the top profile), as botocore's STS client reads them.
    fn sts_attempts(&self, src: Source) -> Result<u32, Error> {
        let p = self.top;
        let max = match self.env.var("AWS_MAX_ATTEMPTS") {
            Some(v) => Some(v),
            None => self.text(View::Merged, p, "max_attempts", src)?.map(String::from),
        };
        let mode = match self.env.var("AWS_RETRY_MODE") {
            Some(v) => Some(v),
            None => self.text(View::Merged, p, "retry_mode", src)?.map(String::from),
        };
        sts::attempts_from(max.as_deref(), mode.as_deref()).map_err(|m| config_err(src, m))
    }

    fn region(&self) -> String {
        self.opts
            .region
            .clone()
            .or_else(|| self.env.var("AWS_REGION"))
            .or_else(|| self.env.var("AWS_DEFAULT_REGION"))
            .or_else(|| {
                self.files
                    .get(self.top, "region")
                    .filter(|r| !r.is_empty())
                    .map(String::from)
            })
            .unwrap_or_else(|| String::from("us-east-1"))
    }

    /// The given name, or one made up (botocore: `botocore-session-<time>`).
    fn session_name(&self, given: Option<String>) -> String {
        match given {
            Some(n) if !n.is_empty() => n,
            _ => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                format!("sigv4rs-session-{now}")
            }
        }
    }

    /// botocore's `AssumeRoleProvider._load_creds_via_assume_role`.
    fn assume_role(&self, profile: &str, visited: &mut Vec<String>) -> Result<Credentials, Error> {
        let pq = shown(profile);
        let src = Source::AssumeRole;
        let role_arn = String::from(self.text(View::Merged, profile, "role_arn", src)?.unwrap_or_default());
        let source_profile = self.text(View::Merged, profile, "source_profile", src)?;
        let credential_source = self.text(View::Merged, profile, "credential_source", src)?;
        let source = match (credential_source, source_profile) {
            (Some(_), Some(_)) => {
                return Err(config_err(
                    src,
                    format!("profile {pq} has both source_profile and credential_source"),
                ));
            }
            (None, None) => {
                return Err(config_err(
                    src,
                    format!("profile {pq} has role_arn but no source_profile or credential_source"),
                ));
            }
            (Some(cs), None) => self.credential_source(profile, cs)?,
            (None, Some(sp)) => {
                let sp = String::from(sp);
                let spq = shown(&sp);
                if !self.files.has_profile(&sp) {
                    return Err(config_err(
                        src,
                        format!("source_profile {spq} of profile {pq} does not exist"),
                    ));
                }
                // A profile may name itself to use its own static keys.
                if visited.contains(&sp) && (sp != profile || !has_static(self.files, &sp)) {
                    return Err(config_err(
                        src,
                        format!("source_profile loop: {spq} after {} profiles", visited.len()),
                    ));
                }
                if visited.len() > MAX_ROLE_CHAIN {
                    return Err(config_err(
                        src,
                        format!("more than {MAX_ROLE_CHAIN} roles in a source_profile chain"),
                    ));
                }
                visited.push(sp.clone());
                if has_static(self.files, &sp) || !has_role(self.files, &sp) {
                    match self.profile_providers(&sp, false) {
                        Some(r) => r?,
                        None => return Err(config_err(src, format!("source_profile {spq} has no credentials"))),
                    }
                } else {
                    self.assume_role(&sp, visited)?
                }
            }
        };
        if self.files.contains(View::Merged, profile, "mfa_serial") {
            return Err(config_err(
                src,
                format!("profile {pq}: mfa_serial needs a prompt; not supported"),
            ));
        }
        let session = self.session_name(
            self.text(View::Merged, profile, "role_session_name", src)?
                .map(String::from),
        );
        let external_id = self.text(View::Merged, profile, "external_id", src)?;
        // botocore: int(duration_seconds), silently dropped when invalid.
        let duration = self
            .text(View::Merged, profile, "duration_seconds", src)?
            .and_then(py_int)
            .and_then(|d| u32::try_from(d).ok());
        let transport = self.transport(src)?;
        let region = self.region();
        let endpoint = self.sts_endpoint(&region, src)?;
        let attempts = self.sts_attempts(src)?;
        sts::assume_role(
            &source,
            &role_arn,
            &session,
            external_id,
            duration,
            &region,
            &endpoint,
            attempts,
            transport,
        )
    }

    fn credential_source(&self, profile: &str, name: &str) -> Result<Credentials, Error> {
        let pq = shown(profile);
        let nq = shown(name);
        // botocore checks the name case-sensitively.
        let r = match name {
            "Environment" => env::from_env(self.env),
            "EcsContainer" => container::fetch(self.env),
            "Ec2InstanceMetadata" => imds::fetch(&imds::ImdsConfig::from_env(self.env, Some(self.files), self.top)),
            _ => {
                return Err(config_err(
                    Source::AssumeRole,
                    format!(
                        "credential_source {nq} of profile {pq} is not Environment, Ec2InstanceMetadata or EcsContainer"
                    ),
                ));
            }
        };
        r.map_err(|e| {
            if e.kind == ErrorKind::NotFound {
                Error {
                    source: e.source,
                    kind: ErrorKind::Fetch,
                    detail: format!("credential_source {nq} of profile {pq}: {}", e.detail),
                }
            } else {
                e
            }
        })
    }
}

fn read_token(path: &str) -> Result<String, Error> {
    use std::io::Read;
    let fail = |what: String| Error {
        source: Source::WebIdentity,
        kind: ErrorKind::Fetch,
        detail: format!("web identity token file {}: {what}", shown(path)),
    };
    let f = std::fs::File::open(path).map_err(|e| fail(format!("{}", e.kind())))?;
    let mut bytes = Vec::new();
    f.take(MAX_TOKEN_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("{}", e.kind())))?;
    if bytes.len() as u64 > MAX_TOKEN_FILE {
        bytes.zeroize();
        return Err(fail(format!("larger than {MAX_TOKEN_FILE} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| {
        e.into_bytes().zeroize();
        fail(String::from("not UTF-8"))
    })
}

/// Python's `int(str)` for what a config file holds: surrounding
/// whitespace, a sign, ASCII digits with single `_` between them.
fn py_int(s: &str) -> Option<i64> {
    let t = s.trim_matches(super::profile::py_space);
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        match b {
            b'_' => {}
            b'0'..=b'9' => v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?,
            _ => return None,
        }
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::{HttpRequest, HttpResponse};
    use std::collections::HashMap;
    use std::sync::Mutex;

    struct MapEnv(HashMap<String, String>);
    impl Environment for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).filter(|v| !v.is_empty()).cloned()
        }
    }
    fn env(vars: &[(&str, &str)]) -> MapEnv {
        let mut m: HashMap<String, String> = vars.iter().map(|(k, v)| (String::from(*k), String::from(*v))).collect();
        m.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
        MapEnv(m)
    }

    /// STS stand-in: records requests, answers call n with keys `ASIAROLE<n>`.
    #[derive(Default)]
    struct FakeSts(Mutex<Vec<HttpRequest>>);
    impl Transport for FakeSts {
        fn send(&self, req: &HttpRequest) -> Result<HttpResponse, String> {
            let mut seen = self.0.lock().unwrap();
            seen.push(req.clone());
            let n = seen.len();
            let action = if form(req).get("Action").map(String::as_str) == Some("AssumeRole") {
                "AssumeRole"
            } else {
                "AssumeRoleWithWebIdentity"
            };
            let body = format!(
                "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result><Credentials>\
                 <AccessKeyId>ASIAROLE{n}</AccessKeyId><SecretAccessKey>rolesecret{n}</SecretAccessKey>\
                 <SessionToken>roletoken{n}</SessionToken><Expiration>2100-01-01T00:00:00Z</Expiration>\
                 </Credentials></{action}Result></{action}Response>"
            );
            Ok(HttpResponse {
                status: 200,
                body: body.into_bytes(),
            })
        }
    }

    fn form(req: &HttpRequest) -> HashMap<String, String> {
        let unesc = |s: &str| {
            let b = s.replace('+', " ");
            let b = b.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' {
                    out.push(u8::from_str_radix(core::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap());
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        };
        core::str::from_utf8(&req.body)
            .unwrap()
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (unesc(k), unesc(v)))
            .collect()
    }

    fn auth(req: &HttpRequest) -> Option<&str> {
        req.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.as_str())
    }

    fn files(config: &str, credentials: &str) -> ProfileFiles {
        ProfileFiles::from_contents(Some(config.as_bytes()), Some(credentials.as_bytes())).unwrap()
    }

    fn opts_with(sts: &Arc<FakeSts>, profile: Option<&str>) -> ChainOptions {
        ChainOptions {
            profile: profile.map(String::from),
            transport: Some(sts.clone() as Arc<dyn Transport>),
            ..ChainOptions::default()
        }
    }

    fn ok(e: &MapEnv, f: &ProfileFiles, o: &ChainOptions) -> (String, Source) {
        let c = resolve_with_files(e, f, o).unwrap_or_else(|e| panic!("{e}"));
        (c.access_key_id.clone(), c.source)
    }

    fn kind(e: &MapEnv, f: &ProfileFiles, o: &ChainOptions) -> ErrorKind {
        resolve_with_files(e, f, o)
            .map(|c| panic!("unexpected {c:?}"))
            .unwrap_err()
            .kind
    }

    /// A credential_process script printing `{"Version":1,...}` with key `ak`.
    fn script(ak: &str) -> String {
        let dir = std::env::temp_dir().join(format!("sigv4rs-chain-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{ak}.sh"));
        std::fs::write(
            &path,
            format!("#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"{ak}\", \"SecretAccessKey\": \"s\"}}'\n"),
        )
        .unwrap();
        format!("sh '{}'", path.display())
    }

    // The order of botocore's create_credential_resolver.
    #[test]
    fn precedence() {
        let none = ChainOptions::default();
        let env_keys = [("AWS_ACCESS_KEY_ID", "AKENV"), ("AWS_SECRET_ACCESS_KEY", "s")];
        let proc_cmd = script("AKPROC");
        let all = files(
            &format!(
                "[default]\naws_access_key_id = AKCONFIG\naws_secret_access_key = s\ncredential_process = {proc_cmd}\n"
            ),
            "[default]\naws_access_key_id = AKCREDS\naws_secret_access_key = s\n",
        );
        assert_eq!(ok(&env(&env_keys), &all, &none), ("AKENV".into(), Source::Environment));
        assert_eq!(
            ok(&env(&[]), &all, &none),
            ("AKCREDS".into(), Source::SharedCredentialsFile)
        );
        let no_creds = files(
            &format!(
                "[default]\naws_access_key_id = AKCONFIG\naws_secret_access_key = s\ncredential_process = {proc_cmd}\n"
            ),
            "",
        );
        assert_eq!(ok(&env(&[]), &no_creds, &none), ("AKPROC".into(), Source::Process));
        let config_only = files(
            "[default]\naws_access_key_id = AKCONFIG\naws_secret_access_key = s\n",
            "",
        );
        assert_eq!(
            ok(&env(&[]), &config_only, &none),
            ("AKCONFIG".into(), Source::SharedConfigFile)
        );
        // credential_process in the credentials file counts (merged view).
        let in_creds = files("", &format!("[default]\ncredential_process = {proc_cmd}\n"));
        assert_eq!(ok(&env(&[]), &in_creds, &none), ("AKPROC".into(), Source::Process));
        // An explicit profile turns the environment off; AWS_PROFILE does not.
        let two = files("[profile p]\naws_access_key_id = AKP\naws_secret_access_key = s\n", "");
        let explicit = ChainOptions {
            profile: Some("p".into()),
            ..ChainOptions::default()
        };
        assert_eq!(
            ok(&env(&env_keys), &two, &explicit),
            ("AKP".into(), Source::SharedConfigFile)
        );
        let with_var = [env_keys[0], env_keys[1], ("AWS_PROFILE", "p")];
        assert_eq!(ok(&env(&with_var), &two, &none), ("AKENV".into(), Source::Environment));
        assert_eq!(
            ok(&env(&[("AWS_PROFILE", "p")]), &two, &none),
            ("AKP".into(), Source::SharedConfigFile)
        );
        // A chosen profile must exist, even with keys in the environment.
        let ghost = [env_keys[0], env_keys[1], ("AWS_PROFILE", "ghost")];
        assert_eq!(kind(&env(&ghost), &two, &none), ErrorKind::Config);
        assert_eq!(
            kind(&env(&[("AWS_PROFILE", "default")]), &two, &none),
            ErrorKind::Config
        );
        // Nothing anywhere: NotFound (IMDS disabled, no container).
        assert_eq!(kind(&env(&[]), &two, &none), ErrorKind::NotFound);
        // A key without its secret stops the chain.
        let partial = files("", "[default]\naws_access_key_id = AK\n");
        assert_eq!(kind(&env(&[]), &partial, &none), ErrorKind::Malformed);
        let secret_only = files(
            "[default]\naws_access_key_id = AKC\naws_secret_access_key = s\n",
            "[default]\naws_secret_access_key = s\n",
        );
        assert_eq!(
            ok(&env(&[]), &secret_only, &none),
            ("AKC".into(), Source::SharedConfigFile)
        );
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("sigv4rs-chain-{}", std::process::id())));
    }

    #[test]
    fn long_role_chains() {
        let chain = |n: usize| {
            let mut cfg = String::new();
            for i in 0..n {
                cfg.push_str(&format!(
                    "[profile r{i}]\nrole_arn = arn:aws:iam::1:role/R{i}\nsource_profile = r{}\n",
                    i + 1
                ));
            }
            cfg.push_str(&format!(
                "[profile r{n}]\naws_access_key_id = AKBASE\naws_secret_access_key = s\n"
            ));
            files(&cfg, "")
        };
        let sts = Arc::new(FakeSts::default());
        let c = resolve_with_files(&env(&[]), &chain(5), &opts_with(&sts, Some("r0"))).unwrap();
        assert_eq!(c.access_key_id, "ASIAROLE5");
        assert_eq!(sts.0.lock().unwrap().len(), 5);
        let sts = Arc::new(FakeSts::default());
        let r = resolve_with_files(&env(&[]), &chain(MAX_ROLE_CHAIN + 5), &opts_with(&sts, Some("r0")));
        assert_eq!(r.map(|_| ()).unwrap_err().kind, ErrorKind::Config);
        assert!(sts.0.lock().unwrap().is_empty());
    }

    #[test]
    fn assume_role_requests() {
        let sts = Arc::new(FakeSts::default());
        let f = files(
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\nexternal_id = ext-1\n\
             duration_seconds =  1_800 \nrole_session_name = my session\nregion = eu-west-3\n",
            "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = s\n",
        );
        let e = env(&[("AWS_PROFILE", "r")]);
        let c = resolve_with_files(&e, &f, &opts_with(&sts, None)).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.secret_access_key.as_str()),
            ("ASIAROLE1", "rolesecret1")
        );
        assert_eq!(
            (c.session_token.as_str(), c.expiration, c.source),
            ("roletoken1", Some(4_102_444_800), Source::AssumeRole)
        );
        let seen = sts.0.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let p = form(&seen[0]);
        assert_eq!(p["Action"], "AssumeRole");
        assert_eq!(p["RoleArn"], "arn:aws:iam::123456789012:role/R");
        assert_eq!(p["RoleSessionName"], "my session");
        assert_eq!(p["ExternalId"], "ext-1");
        assert_eq!(p["DurationSeconds"], "1800");
        assert_eq!(seen[0].url, "https://sts.eu-west-3.amazonaws.com/");
        assert!(
            auth(&seen[0]).unwrap().contains("Credential=AKBASE/"),
            "{:?}",
            auth(&seen[0])
        );
    }

    #[test]
    fn role_chains_loops_and_sources() {
        let cfg = "[profile top]\nrole_arn = arn:aws:iam::1:role/Top\nsource_profile = mid\n\
                   [profile mid]\nrole_arn = arn:aws:iam::1:role/Mid\nsource_profile = base\n\
                   [profile base]\naws_access_key_id = AKBASE\naws_secret_access_key = s\n\
                   [profile loop1]\nrole_arn = arn:aws:iam::1:role/L\nsource_profile = loop2\n\
                   [profile loop2]\nrole_arn = arn:aws:iam::1:role/L\nsource_profile = loop1\n\
                   [profile selfish]\nrole_arn = arn:aws:iam::1:role/S\nsource_profile = selfish\n\
                   aws_access_key_id = AKSELF\naws_secret_access_key = s\n\
                   [profile selfless]\nrole_arn = arn:aws:iam::1:role/S\nsource_profile = selfless\n\
                   [profile envsrc]\nrole_arn = arn:aws:iam::1:role/E\ncredential_source = Environment\n\
                   [profile bothsrc]\nrole_arn = arn:aws:iam::1:role/B\ncredential_source = Environment\nsource_profile = base\n\
                   [profile nosrc]\nrole_arn = arn:aws:iam::1:role/N\n\
                   [profile badsrc]\nrole_arn = arn:aws:iam::1:role/X\ncredential_source = environment\n\
                   [profile ghostsrc]\nrole_arn = arn:aws:iam::1:role/G\nsource_profile = ghost\n\
                   [profile emptysrc]\nrole_arn = arn:aws:iam::1:role/G\nsource_profile = empty\n[profile empty]\nregion = x\n";
        let f = files(cfg, "");
        let e = env(&[("AWS_ACCESS_KEY_ID", "AKENV"), ("AWS_SECRET_ACCESS_KEY", "s")]);
        let run = |p: &str| {
            let sts = Arc::new(FakeSts::default());
            let r = resolve_with_files(&e, &f, &opts_with(&sts, Some(p)));
            let seen = sts.0.lock().unwrap().clone();
            (r, seen)
        };
        // top -> mid -> base: two calls, the second signed with the first's keys.
        let (r, seen) = run("top");
        assert_eq!(r.unwrap().access_key_id, "ASIAROLE2");
        assert_eq!(form(&seen[0])["RoleArn"], "arn:aws:iam::1:role/Mid");
        assert!(auth(&seen[0]).unwrap().contains("Credential=AKBASE/"));
        assert_eq!(form(&seen[1])["RoleArn"], "arn:aws:iam::1:role/Top");
        assert!(auth(&seen[1]).unwrap().contains("Credential=ASIAROLE1/"));
        // A profile may source its own static keys; otherwise it is a loop.
        let (r, seen) = run("selfish");
        assert_eq!(r.unwrap().access_key_id, "ASIAROLE1");
        assert!(auth(&seen[0]).unwrap().contains("Credential=AKSELF/"));
        // credential_source = Environment works under an explicit profile.
        let (r, seen) = run("envsrc");
        assert_eq!(r.unwrap().access_key_id, "ASIAROLE1");
        assert!(auth(&seen[0]).unwrap().contains("Credential=AKENV/"));
        for p in [
            "loop1", "selfless", "bothsrc", "nosrc", "badsrc", "ghostsrc", "emptysrc",
        ] {
            let (r, seen) = run(p);
            assert_eq!(r.map(|_| ()).unwrap_err().kind, ErrorKind::Config, "{p}");
            assert!(seen.is_empty(), "{p}");
        }
        // Checks and source resolution come before the missing transport.
        assert_eq!(
            kind(
                &e,
                &f,
                &ChainOptions {
                    profile: Some("top".into()),
                    ..ChainOptions::default()
                }
            ),
            ErrorKind::NoTransport
        );
        assert_eq!(
            kind(
                &e,
                &f,
                &ChainOptions {
                    profile: Some("loop1".into()),
                    ..ChainOptions::default()
                }
            ),
            ErrorKind::Config
        );
    }

    #[test]
    fn web_identity_and_endpoints() {
        let dir = std::env::temp_dir().join(format!("sigv4rs-webid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tok = dir.join("token");
        std::fs::write(&tok, "eyJtoken-from-file\n").unwrap();
        let tok = tok.to_str().unwrap();
        let sts = Arc::new(FakeSts::default());
        let f = files(
            "[default]\nrole_arn = arn:aws:iam::1:role/FromProfile\nweb_identity_token_file = /nonexistent\n\
             services = mine\n[services mine]\nsts =\n  endpoint_url = http://127.0.0.1:1/\n",
            "",
        );
        // Variables win key by key; the role ARN falls back to the profile.
        let e = env(&[("AWS_WEB_IDENTITY_TOKEN_FILE", tok), ("AWS_ROLE_SESSION_NAME", "irsa")]);
        let c = resolve_with_files(&e, &f, &opts_with(&sts, None)).unwrap();
        assert_eq!((c.access_key_id.as_str(), c.source), ("ASIAROLE1", Source::WebIdentity));
        let seen = sts.0.lock().unwrap().clone();
        let p = form(&seen[0]);
        assert_eq!(p["Action"], "AssumeRoleWithWebIdentity");
        assert_eq!(p["RoleArn"], "arn:aws:iam::1:role/FromProfile");
        assert_eq!(p["RoleSessionName"], "irsa");
        assert_eq!(p["WebIdentityToken"], "eyJtoken-from-file\n");
        assert!(auth(&seen[0]).is_none());
        assert_eq!(seen[0].url, "http://127.0.0.1:1/");
        // AWS_ENDPOINT_URL_STS beats the services section.
        let sts = Arc::new(FakeSts::default());
        let e2 = env(&[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", tok),
            ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:2"),
        ]);
        resolve_with_files(&e2, &f, &opts_with(&sts, None)).unwrap();
        assert_eq!(sts.0.lock().unwrap()[0].url, "http://127.0.0.1:2/");
        // An explicit profile ignores the variables: the profile's missing token file.
        let sts = Arc::new(FakeSts::default());
        let r = resolve_with_files(&e, &f, &opts_with(&sts, Some("default")));
        assert_eq!(r.map(|_| ()).unwrap_err().kind, ErrorKind::Fetch);
        // A token file and no role ARN anywhere.
        let bare = files("", "");
        assert_eq!(
            kind(
                &env(&[("AWS_WEB_IDENTITY_TOKEN_FILE", tok)]),
                &bare,
                &opts_with(&sts, None)
            ),
            ErrorKind::Config
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn errors_hold_no_secret() {
        let f = files(
            "[default]\naws_access_key_id = AK\n",
            "[p]\naws_secret_access_key = SECRETSECRET1\n",
        );
        let e = env(&[
            ("AWS_PROFILE", "p"),
            ("AWS_ACCESS_KEY_ID", ""),
            ("AWS_SESSION_TOKEN", "SECRETSECRET2"),
        ]);
        let err = resolve_with_files(&e, &f, &ChainOptions::default())
            .map(|_| ())
            .unwrap_err();
        let text = format!("{err} {err:?} {:?}", ChainOptions::default());
        assert!(!text.contains("SECRETSECRET"), "{text}");
        // A value that swallowed the next (indented) line of the file.
        let f = files(
            "[profile r]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n   aws_session_token = SECRETSECRET3\n\
             web_identity_token_file = /nonexistent\n    SECRETSECRET4\n",
            "",
        );
        let o = ChainOptions {
            profile: Some("r".into()),
            ..ChainOptions::default()
        };
        let err = resolve_with_files(&env(&[]), &f, &o).map(|_| ()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Fetch);
        assert!(!format!("{err}").contains("SECRETSECRET"), "{err}");
        let f = files(
            "[profile r]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n   aws_session_token = SECRETSECRET5\n",
            "",
        );
        let o = ChainOptions {
            profile: Some("r".into()),
            ..ChainOptions::default()
        };
        let err = resolve_with_files(&env(&[]), &f, &o).map(|_| ()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(
            !format!("{err}").contains("SECRETSECRET") && format!("{err}").contains("\"base\"..."),
            "{err}"
        );
        assert_eq!(py_int(" +1_800 "), Some(1800));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(py_int("abc"), None);
    }
}
