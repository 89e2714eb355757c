//! Credentials from environment variables, as botocore's `EnvProvider`:
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, the token from
//! `AWS_SECURITY_TOKEN` or else `AWS_SESSION_TOKEN` (botocore's order), and
//! `AWS_CREDENTIAL_EXPIRATION` (RFC 3339).

use super::{Credentials, Environment, Error, ErrorKind, Source};
use std::string::String;

fn err(kind: ErrorKind, detail: &str) -> Error {
    Error {
        source: Source::Environment,
        kind,
        detail: String::from(detail),
    }
}

/// `NotFound` without `AWS_ACCESS_KEY_ID` (empty counts as unset);
/// `Malformed` when the secret is missing or the expiration does not parse;
/// `Expired` when the expiration has passed.
pub fn from_env(env: &dyn Environment) -> Result<Credentials, Error> {
    let Some(access_key_id) = env.var("AWS_ACCESS_KEY_ID") else {
        return Err(err(ErrorKind::NotFound, "AWS_ACCESS_KEY_ID is not set"));
    };
    let Some(secret_access_key) = env.var("AWS_SECRET_ACCESS_KEY") else {
        return Err(err(
            ErrorKind::Malformed,
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
        ));
    };
    let session_token = env
        .var("AWS_SECURITY_TOKEN")
        .or_else(|| env.var("AWS_SESSION_TOKEN"))
        .unwrap_or_default();
    let expiration = match env.var("AWS_CREDENTIAL_EXPIRATION") {
        None => None,
        Some(v) => match super::json::parse_iso8601(v.as_bytes()) {
            Some(t) => Some(t),
            None => {
                return Err(err(
                    ErrorKind::Malformed,
                    "AWS_CREDENTIAL_EXPIRATION is not an RFC 3339 time",
                ));
            }
        },
    };
    let creds = Credentials {
        access_key_id,
        secret_access_key,
        session_token,
        expiration,
        source: Source::Environment,
    };
    super::process::check_expiry(&creds, Source::Environment)?;
    Ok(creds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::format;

    struct Env(HashMap<&'static str, &'static str>);
    impl Environment for Env {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).filter(|v| !v.is_empty()).map(|v| String::from(*v))
        }
    }

    fn env(vars: &[(&'static str, &'static str)]) -> Env {
        Env(vars.iter().copied().collect())
    }

    #[test]
    fn variables_as_botocore() {
        let kind = |vars: &[(&'static str, &'static str)]| from_env(&env(vars)).map_err(|e| e.kind).map(|_| ());
        assert_eq!(kind(&[]), Err(ErrorKind::NotFound));
        assert_eq!(
            kind(&[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "s")]),
            Err(ErrorKind::NotFound)
        );
        assert_eq!(kind(&[("AWS_ACCESS_KEY_ID", "AK")]), Err(ErrorKind::Malformed));
        assert_eq!(
            kind(&[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "")]),
            Err(ErrorKind::Malformed)
        );
        let c = from_env(&env(&[
            ("AWS_ACCESS_KEY_ID", "AK"),
            ("AWS_SECRET_ACCESS_KEY", "SK"),
            ("AWS_SESSION_TOKEN", "session"),
            ("AWS_SECURITY_TOKEN", "security"),
        ]))
        .unwrap();
        assert_eq!((c.access_key_id.as_str(), c.secret_access_key.as_str()), ("AK", "SK"));
        // botocore looks at AWS_SECURITY_TOKEN first.
        assert_eq!(c.session_token, "security");
        assert_eq!(c.source, Source::Environment);
        let c = from_env(&env(&[
            ("AWS_ACCESS_KEY_ID", "AK"),
            ("AWS_SECRET_ACCESS_KEY", "SK"),
            ("AWS_SECURITY_TOKEN", ""),
            ("AWS_SESSION_TOKEN", "session"),
            ("AWS_CREDENTIAL_EXPIRATION", "2100-01-01T00:00:00Z"),
        ]))
        .unwrap();
        assert_eq!(c.session_token, "session");
        assert_eq!(c.expiration, Some(4_102_444_800));
        let base = [("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SECRETSECRET")];
        let past = [base[0], base[1], ("AWS_CREDENTIAL_EXPIRATION", "2001-01-01T00:00:00Z")];
        assert_eq!(kind(&past), Err(ErrorKind::Expired));
        let bad = [base[0], base[1], ("AWS_CREDENTIAL_EXPIRATION", "soon")];
        let e = from_env(&env(&bad)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(!format!("{e} {e:?}").contains("SECRETSECRET"));
    }
}
