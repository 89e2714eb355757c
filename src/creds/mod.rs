//! Credentials: where they come from and how they are read.
//!
//! `json` and `xml` are `no_std` and allocation-free (firmware reads the AWS
//! IoT credentials provider's answer with them, straight into a signer).
//! The sources (`env`, `profile`, `process`, `imds`, `container`, `sts`,
//! `chain`) need `std`: files, processes, sockets. Plain-HTTP link-local
//! endpoints are fetched here (`http`); HTTPS (STS) goes through a
//! [`Transport`] the caller supplies, so no TLS stack is linked in.

pub mod json;
pub mod xml;

#[cfg(feature = "std")]
pub mod chain;
#[cfg(feature = "std")]
pub mod container;
#[cfg(feature = "std")]
pub mod env;
#[cfg(feature = "std")]
pub mod http;
#[cfg(feature = "std")]
pub mod imds;
#[cfg(feature = "std")]
pub mod process;
#[cfg(feature = "std")]
pub mod profile;
#[cfg(feature = "std")]
pub mod sts;

#[cfg(feature = "std")]
pub use hosted::*;

#[cfg(feature = "std")]
mod hosted {
    use std::string::String;
    use std::vec::Vec;

    /// Where a set of credentials came from.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Source {
        /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
        Environment,
        /// The shared `credentials` file.
        SharedCredentialsFile,
        /// The shared `config` file (static keys in a profile).
        SharedConfigFile,
        /// A profile's `credential_process`.
        Process,
        /// STS `AssumeRole` (`role_arn` with `source_profile` or `credential_source`).
        AssumeRole,
        /// STS `AssumeRoleWithWebIdentity` (env or profile `web_identity_token_file`).
        WebIdentity,
        /// ECS / EKS Pod Identity container endpoint.
        Container,
        /// EC2 instance metadata (IMDSv2).
        Imds,
    }

    /// Resolved credentials. `Debug` never shows the secret or the token;
    /// `Drop` zeroizes them.
    pub struct Credentials {
        pub access_key_id: String,
        pub secret_access_key: String,
        /// Empty for long-term keys.
        pub session_token: String,
        /// Unix seconds; `None` for credentials that do not expire.
        pub expiration: Option<i64>,
        pub source: Source,
    }

    impl core::fmt::Debug for Credentials {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("Credentials")
                .field("access_key_id", &self.access_key_id)
                .field("secret_access_key", &"<redacted>")
                .field(
                    "session_token",
                    &if self.session_token.is_empty() {
                        "<none>"
                    } else {
                        "<redacted>"
                    },
                )
                .field("expiration", &self.expiration)
                .field("source", &self.source)
                .finish()
        }
    }

    impl Drop for Credentials {
        fn drop(&mut self) {
            zeroize::Zeroize::zeroize(&mut self.secret_access_key);
            zeroize::Zeroize::zeroize(&mut self.session_token);
        }
    }

    /// What went wrong, for a status and a message that never holds a secret.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ErrorKind {
        /// This source has nothing (no variable, no file, no profile): the
        /// chain goes on to the next one.
        NotFound,
        /// A file, JSON or XML document that does not parse, a missing field.
        Malformed,
        /// Credentials whose `Expiration` has passed.
        Expired,
        /// A profile setting that is invalid or unsupported (a role chain
        /// loop, an unknown `credential_source`...).
        Config,
        /// A fetch that failed: connection, HTTP status, timeout, a process
        /// that exited non-zero.
        Fetch,
        /// STS (or a profile) needs HTTPS and no transport was given.
        NoTransport,
    }

    /// An error from a source: which source, what kind, and a short detail
    /// (a file path, a profile name, an HTTP status; never a secret).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Error {
        pub source: Source,
        pub kind: ErrorKind,
        pub detail: String,
    }

    impl core::fmt::Display for Error {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(f, "{:?}: {:?}: {}", self.source, self.kind, self.detail)
        }
    }

    /// An HTTPS request for the caller's transport (STS). `Debug` shows the
    /// method, URL and header names only: values and body may hold tokens.
    #[derive(Clone)]
    pub struct HttpRequest {
        pub method: String,
        pub url: String,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
        /// The whole exchange must finish within this many milliseconds.
        pub timeout_ms: u32,
    }

    impl core::fmt::Debug for HttpRequest {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
            f.debug_struct("HttpRequest")
                .field("method", &self.method)
                .field("url", &self.url)
                .field("headers", &names)
                .field("body", &format_args!("<{} bytes>", self.body.len()))
                .field("timeout_ms", &self.timeout_ms)
                .finish()
        }
    }

    /// The transport's answer.
    #[derive(Clone, Debug)]
    pub struct HttpResponse {
        pub status: u16,
        pub body: Vec<u8>,
    }

    /// Sends HTTPS requests for the library (libcurl in C, each binding's
    /// HTTP stack). Errors are short messages without secrets.
    pub trait Transport: Send + Sync {
        fn send(&self, req: &HttpRequest) -> Result<HttpResponse, String>;
    }

    /// Reads a variable of the process environment, or of a test's map.
    pub trait Environment {
        fn var(&self, name: &str) -> Option<String>;
    }

    /// The process environment (empty values count as unset, as the SDKs do).
    pub struct ProcessEnv;

    impl Environment for ProcessEnv {
        fn var(&self, name: &str) -> Option<String> {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        }
    }
}
