//! The default credential chain through the C ABI (issue 13):
//! `sigv4rs_chain_new` / `_resolve` / `_last_error` / `_free` and a
//! transport callback, with shared files in a temporary HOME. A signer
//! without credentials gets them from the chain
//! (`sigv4rs_signer_set_provider(signer, sigv4rs_chain_resolve, chain)`):
//! the signatures equal the aws-sigv4 crate's for the credentials the
//! sources hold; an expiring `credential_process` set is refreshed within
//! the margin; a failing source leaves MISSING_CREDENTIALS and a
//! `last_error` naming the source and no secret; a `role_arn` profile
//! goes to a fake STS on loopback through the transport, signed with the
//! source profile's key; resolves on one chain run one at a time; and the
//! libcurl example (`bindings/c/examples/chain_curl.c`) does the same from C.
//!
//! The environment is process-wide: every test here holds `ENV` while it
//! changes the variables and until its signers are done.

mod common;

use std::ffi::c_void;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Creds, Signer, b, new_signer, split_headers};
use sigv4rs::ffi::*;
use sigv4rs_status as S;

const T: i64 = 1_440_938_160; // 20150830T123600Z
const URL: &str = "https://example.amazonaws.com/?Param1=value1";

const FILE_AKID: &str = "AKIDFILEEXAMPLE";
const FILE_SECRET: &str = "fileSecret/K7MDENG+bPxRfiCYEXAMPLEKEY";
const DEV_AKID: &str = "AKIDDEVEXAMPLE";
const DEV_SECRET: &str = "devSecret/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SOURCE_AKID: &str = "AKIDSOURCEEXAMPLE";
const SOURCE_SECRET: &str = "sourceSecret/K7MDENG+bPxRfiCYEXAMPLEKEY";
// The AssumeRole example of the STS API reference.
const ROLE_AKID: &str = "ASIAIOSFODNN7EXAMPLE";
const ROLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
const ROLE_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/demo";

// ---------------------------------------------------------------------------
// The environment

static ENV: Mutex<()> = Mutex::new(());

/// A temporary HOME with the shared files' paths set and every other
/// `AWS_*` variable removed (IMDS disabled: nothing leaves the machine),
/// for as long as it lives.
struct Sandbox {
    dir: PathBuf,
    _lock: MutexGuard<'static, ()>,
}

impl Sandbox {
    fn new(name: &str) -> Sandbox {
        let lock = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let dir = std::env::temp_dir().join(format!("sigv4rs-chain-abi-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let s = Sandbox { dir, _lock: lock };
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("AWS_") {
                // SAFETY: every test of this binary holds `ENV` while it
                // reads or changes the environment.
                unsafe { std::env::remove_var(&k) };
            }
        }
        s.set("HOME", &s.dir.display().to_string());
        s.set("AWS_CONFIG_FILE", &s.path("config").display().to_string());
        s.set(
            "AWS_SHARED_CREDENTIALS_FILE",
            &s.path("credentials").display().to_string(),
        );
        s.set("AWS_EC2_METADATA_DISABLED", "true");
        s
    }

    fn set(&self, k: &str, v: &str) {
        // SAFETY: as in `new`.
        unsafe { std::env::set_var(k, v) };
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// An executable `/bin/sh` script.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.write(name, &format!("#!/bin/sh\n{body}"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// Lines in a file the scripts append to (0 when absent).
    fn lines(&self, name: &str) -> usize {
        std::fs::read_to_string(self.path(name)).map_or(0, |t| t.lines().count())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// Chains, signers, signatures

/// Owns a chain. Declare it before the signers using it (they drop first).
struct Chain(*mut sigv4rs_chain);

impl Chain {
    fn new(profile: &str, transport: sigv4rs_transport_fn, user: *mut c_void) -> Chain {
        let opts = sigv4rs_chain_options {
            profile: b(profile.as_bytes()),
            region: b(b""),
            transport,
            transport_user: user,
            process_timeout_ms: 10_000,
        };
        let mut c = std::ptr::null_mut();
        assert_eq!(sigv4rs_chain_new(&opts, &mut c), S::Ok);
        Chain(c)
    }

    fn last_error(&self) -> String {
        let mut buf = vec![0u8; 4096];
        let mut len = 0;
        assert_eq!(
            sigv4rs_chain_last_error(self.0, buf.as_mut_ptr(), buf.len(), &mut len),
            S::Ok
        );
        assert_eq!(buf[len - 1], 0, "last_error is NUL-terminated");
        String::from_utf8(buf[..len - 1].to_vec()).unwrap()
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        sigv4rs_chain_free(self.0);
    }
}

/// A signer with no credentials whose provider is `chain`.
fn chain_signer(chain: &Chain, margin: u32) -> Signer {
    let s = new_signer(&Creds {
        akid: "",
        secret: "",
        token: "",
        region: "us-east-1",
        service: "service",
        flags: 0,
    })
    .unwrap();
    assert_eq!(
        sigv4rs_signer_set_provider(s.0, Some(sigv4rs_chain_resolve), chain.0.cast(), margin),
        S::Ok
    );
    s
}

/// Records what `sigv4rs_chain_resolve` returned when called by a provider
/// of one's own (the signer itself only sees OK or not).
struct Probe {
    chain: *mut sigv4rs_chain,
    seen: Mutex<Vec<S>>,
}

unsafe extern "C" fn probe(user: *mut c_void, t: i64, sink: *mut sigv4rs_credentials_sink) -> S {
    // SAFETY: `user` is the `Probe` given to set_provider, alive while the
    // signer is.
    let p = unsafe { &*(user as *const Probe) };
    let s = sigv4rs_chain_resolve(p.chain.cast(), t, sink);
    p.seen.lock().unwrap().push(s);
    s
}

fn probe_signer(p: &Probe) -> Signer {
    let s = new_signer(&Creds {
        akid: "",
        secret: "",
        token: "",
        region: "us-east-1",
        service: "service",
        flags: 0,
    })
    .unwrap();
    assert_eq!(
        sigv4rs_signer_set_provider(s.0, Some(probe), (p as *const Probe).cast_mut().cast(), 300),
        S::Ok
    );
    s
}

/// Header signing of GET `URL` at `t`: the headers, or the status.
fn sign(s: &Signer, t: i64) -> Result<Vec<(String, String)>, S> {
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(URL.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: b(b""),
    };
    let mut out = vec![0u8; 65536];
    let mut len = 0;
    match sigv4rs_signer_sign_headers(s.0, &req, t, out.as_mut_ptr(), out.len(), &mut len) {
        S::Ok => Ok(split_headers(&out[..len - 1])),
        st => Err(st),
    }
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn signature_of(h: &[(String, String)]) -> String {
    let auth = header(h, "Authorization").expect("Authorization");
    auth.rsplit_once("Signature=").unwrap().1.to_string()
}

fn credential_of(h: &[(String, String)]) -> String {
    let auth = header(h, "Authorization").expect("Authorization");
    let c = auth.split("Credential=").nth(1).unwrap();
    c.split(',').next().unwrap().to_string()
}

/// What the aws-sigv4 crate signs for `method url` with `headers` and
/// `body` at `t` (service, region as given).
#[allow(clippy::too_many_arguments)]
fn aws_signature(
    akid: &str,
    secret: &str,
    token: Option<&str>,
    service: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    t: i64,
) -> String {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let identity = aws_credential_types::Credentials::new(akid, secret, token.map(str::to_string), None, "test").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(UNIX_EPOCH + Duration::from_secs(t as u64))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let req = SignableRequest::new(method, url, headers.iter().copied(), SignableBody::Bytes(body)).unwrap();
    sign(req, &params).unwrap().into_parts().1
}

fn aws_get_signature(akid: &str, secret: &str, token: Option<&str>, t: i64) -> String {
    aws_signature(akid, secret, token, "service", "GET", URL, &[], b"", t)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Unix seconds to `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days).
fn rfc3339(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[test]
fn rfc3339_round_trip() {
    for t in [0, 951_782_400, T, 1_709_164_800, 4_102_444_799] {
        assert_eq!(common::rfc3339(&rfc3339(t)), t, "{}", rfc3339(t));
    }
}

// ---------------------------------------------------------------------------
// A fake STS (or any HTTP server) on loopback, and a transport for it

struct Seen {
    head: String,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Answers the next `answers.len()` connections, one answer each, and
/// records the requests; gives up 20 s after starting.
struct Server {
    port: u16,
    thread: JoinHandle<Vec<Seen>>,
}

impl Server {
    fn start(answers: Vec<(u16, String)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut seen = Vec::new();
            for (status, body) in answers {
                let mut conn = loop {
                    match listener.accept() {
                        Ok((c, _)) => break c,
                        Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                        Err(_) => return seen,
                    }
                };
                conn.set_nonblocking(false).unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let Some(req) = read_request(&mut conn) else {
                    continue;
                };
                seen.push(req);
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
            seen
        });
        Server { port, thread }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn finish(self) -> Vec<Seen> {
        self.thread.join().unwrap()
    }
}

fn read_request(conn: &mut TcpStream) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8(data[..head_end].to_vec()).ok()?;
    let mut seen = Seen {
        head,
        body: data[head_end + 4..].to_vec(),
    };
    let len: usize = seen.header("content-length").map_or(0, |v| v.parse().unwrap());
    while seen.body.len() < len {
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        seen.body.extend_from_slice(&buf[..n]);
    }
    Some(seen)
}

/// The AssumeRole answer of the STS API reference, expiring at `exp`.
fn assume_role_xml(exp: i64) -> String {
    format!(
        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
  <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{ROLE_AKID}</AccessKeyId>
      <SecretAccessKey>{ROLE_SECRET}</SecretAccessKey>
      <SessionToken>{ROLE_TOKEN}</SessionToken>
      <Expiration>{}</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
"#,
        rfc3339(exp)
    )
}

/// The transport's user data: how many calls it had.
#[derive(Default)]
struct Net {
    calls: AtomicUsize,
}

fn slice(b: &sigv4rs_bytes) -> &[u8] {
    if b.len == 0 {
        &[]
    } else {
        // SAFETY: the library's request, valid during the transport call.
        unsafe { std::slice::from_raw_parts(b.ptr, b.len) }
    }
}

/// A plain-HTTP transport (the fake STS is on loopback), delivering the
/// body in 100-byte pieces as libcurl's write callback would.
unsafe extern "C" fn http_transport(
    user: *mut c_void,
    req: *const sigv4rs_http_request,
    resp: *mut sigv4rs_http_response,
) -> S {
    // SAFETY: `user` is the test's `Net`; `req` the library's request.
    let (net, req) = unsafe { (&*(user as *const Net), &*req) };
    net.calls.fetch_add(1, Ordering::SeqCst);
    let url = std::str::from_utf8(slice(&req.url)).unwrap();
    let Some(rest) = url.strip_prefix("http://") else {
        return S::InvalidUrl;
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(mut conn) = TcpStream::connect(authority) else {
        return S::InvalidHost;
    };
    let limit = Some(Duration::from_millis(req.timeout_ms.into()));
    conn.set_read_timeout(limit).unwrap();
    conn.set_write_timeout(limit).unwrap();
    let body = slice(&req.body);
    let mut msg = format!(
        "{} /{path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: {}\r\nConnection: close\r\n",
        std::str::from_utf8(slice(&req.method)).unwrap(),
        body.len()
    )
    .into_bytes();
    // SAFETY: as above.
    let headers = unsafe { std::slice::from_raw_parts(req.headers, req.headers_len) };
    for h in headers {
        msg.extend_from_slice(slice(&h.name));
        msg.extend_from_slice(b": ");
        msg.extend_from_slice(slice(&h.value));
        msg.extend_from_slice(b"\r\n");
    }
    msg.extend_from_slice(b"\r\n");
    msg.extend_from_slice(body);
    let mut answer = Vec::new();
    if conn.write_all(&msg).is_err() || conn.read_to_end(&mut answer).is_err() {
        return S::InvalidArgument;
    }
    let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return S::InvalidArgument;
    };
    let status_line = String::from_utf8_lossy(&answer[..split]).to_string();
    let code: u32 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    // SAFETY: the library's response for this call.
    unsafe { (*resp).status = code };
    for piece in answer[split + 4..].chunks(100) {
        let st = sigv4rs_http_response_write(resp, piece.as_ptr(), piece.len());
        if st != S::Ok {
            return st;
        }
    }
    S::Ok
}

// ---------------------------------------------------------------------------
// Tests

/// Static keys of the credentials file, `[default]` and a chosen profile:
/// the signature is the aws-sigv4 crate's for those keys.
#[test]
fn file_credentials_sign_as_aws_sigv4() {
    let sb = Sandbox::new("file");
    sb.write(
        "credentials",
        &format!(
            "[default]\naws_access_key_id = {FILE_AKID}\naws_secret_access_key = {FILE_SECRET}\n\n\
             [dev]\naws_access_key_id = {DEV_AKID}\naws_secret_access_key = {DEV_SECRET}\n"
        ),
    );
    for (profile, akid, secret) in [("", FILE_AKID, FILE_SECRET), ("dev", DEV_AKID, DEV_SECRET)] {
        let chain = Chain::new(profile, None, std::ptr::null_mut());
        let s = chain_signer(&chain, 300);
        let h = sign(&s, T).unwrap_or_else(|st| panic!("profile {profile:?}: {st:?}: {}", chain.last_error()));
        assert_eq!(
            credential_of(&h),
            format!("{akid}/20150830/us-east-1/service/aws4_request")
        );
        assert_eq!(header(&h, "X-Amz-Security-Token"), None);
        assert_eq!(
            signature_of(&h),
            aws_get_signature(akid, secret, None, T),
            "profile {profile:?}"
        );
        assert_eq!(chain.last_error(), "", "after a success");
        let mut exp = -1;
        assert_eq!(sigv4rs_signer_expiration(s.0, &mut exp), S::Ok);
        assert_eq!(exp, 0, "file keys do not expire");
    }
    // AWS_PROFILE picks the profile when the options do not.
    sb.set("AWS_PROFILE", "dev");
    let chain = Chain::new("", None, std::ptr::null_mut());
    let s = chain_signer(&chain, 300);
    let h = sign(&s, T).unwrap();
    assert_eq!(signature_of(&h), aws_get_signature(DEV_AKID, DEV_SECRET, None, T));
}

/// `credential_process` with expiring credentials: the signer asks the
/// chain again once the signing time is within the margin of expiry, not
/// before; each run's keys sign.
#[test]
fn credential_process_refreshes_within_the_margin() {
    let sb = Sandbox::new("refresh");
    let runs = sb.path("runs");
    // Run n: keys ...n, expiring n * 1000 s from now.
    let script = sb.script(
        "creds.sh",
        &format!(
            "echo run >> '{runs}'\nn=$(( $(wc -l < '{runs}') + 0 ))\n\
             exp=$(date -u -d \"@$(( $(date +%s) + 1000 * n ))\" +%Y-%m-%dT%H:%M:%SZ)\n\
             printf '{{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC%s\", \"SecretAccessKey\": \"procSecret%s\", \
             \"SessionToken\": \"procToken%s\", \"Expiration\": \"%s\"}}\\n' \"$n\" \"$n\" \"$n\" \"$exp\"\n",
            runs = runs.display()
        ),
    );
    sb.write(
        "config",
        &format!("[default]\ncredential_process = {}\n", script.display()),
    );
    let chain = Chain::new("", None, std::ptr::null_mut());
    let s = chain_signer(&chain, 300);
    let t0 = now();
    let expect = |t: i64, n: usize| {
        let h = sign(&s, t).unwrap_or_else(|st| panic!("{st:?}: {}", chain.last_error()));
        let (akid, secret, token) = (
            format!("AKIDPROC{n}"),
            format!("procSecret{n}"),
            format!("procToken{n}"),
        );
        assert!(credential_of(&h).starts_with(&format!("{akid}/")), "{h:?}");
        assert_eq!(header(&h, "X-Amz-Security-Token"), Some(token.as_str()));
        assert_eq!(signature_of(&h), aws_get_signature(&akid, &secret, Some(&token), t));
        assert_eq!(sb.lines("runs"), n, "credential_process runs by t0 + {}", t - t0);
    };
    expect(t0, 1);
    let mut exp = 0;
    assert_eq!(sigv4rs_signer_expiration(s.0, &mut exp), S::Ok);
    assert!((t0 + 1000..t0 + 1005).contains(&exp), "expiration {exp}, t0 {t0}");
    expect(t0 + 10, 1);
    expect(t0 + 690, 1); // 310 s left: outside the margin
    expect(t0 + 750, 2); // 250 s left: refreshed
    expect(t0 + 750, 2);
    expect(t0 + 1650, 2); // run 2 expires at t0 + 2000
    expect(t0 + 1750, 3);
}

/// A source that fails: signing says MISSING_CREDENTIALS, the resolve
/// status says why, and `last_error` names the source without the secret
/// the process printed.
#[test]
fn failing_sources_name_themselves_without_secrets() {
    let sb = Sandbox::new("fail");
    let fail = sb.script(
        "fail.sh",
        "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDLEAK\", \"SecretAccessKey\": \"LEAKEDSECRET1\"}'\n\
         echo 'oops LEAKEDSECRET2' >&2\nexit 3\n",
    );
    let garbled = sb.script(
        "garbled.sh",
        "printf '{\"Version\": 1, \"SecretAccessKey\": \"LEAKEDSECRET3\"}'\n",
    );
    let expired = sb.script(
        "expired.sh",
        "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDOLD\", \"SecretAccessKey\": \"LEAKEDSECRET4\", \
         \"Expiration\": \"2001-01-01T00:00:00Z\"}'\n",
    );
    sb.write(
        "config",
        &format!(
            "[profile broken]\ncredential_process = {}\n\n[profile garbled]\ncredential_process = {}\n\n\
             [profile expired]\ncredential_process = {}\n\n\
             [profile role]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n\n[profile empty]\nregion = eu-west-1\n",
            fail.display(),
            garbled.display(),
            expired.display()
        ),
    );
    sb.write(
        "credentials",
        &format!("[base]\naws_access_key_id = {SOURCE_AKID}\naws_secret_access_key = {SOURCE_SECRET}\n"),
    );
    let secrets = [
        "LEAKEDSECRET1",
        "LEAKEDSECRET2",
        "LEAKEDSECRET3",
        "LEAKEDSECRET4",
        SOURCE_SECRET,
    ];
    for (profile, want, words) in [
        (
            "broken",
            S::CredentialsFetchFailed,
            &["Process: Fetch: ", "\"broken\"", "exit status: 3"][..],
        ),
        ("garbled", S::CredentialsMalformed, &["Process: Malformed: "][..]),
        ("expired", S::CredentialsExpired, &["Process: Expired: "][..]),
        ("role", S::NoTransport, &["AssumeRole: NoTransport: "][..]),
        ("empty", S::CredentialsNotFound, &["NotFound", "IMDS"][..]),
        ("nosuch", S::CredentialsConfig, &["Config", "\"nosuch\""][..]),
    ] {
        let chain = Chain::new(profile, None, std::ptr::null_mut());
        let s = chain_signer(&chain, 300);
        assert_eq!(sign(&s, T).unwrap_err(), S::MissingCredentials, "profile {profile}");
        let msg = chain.last_error();
        for w in words {
            assert!(msg.contains(w), "profile {profile}: {w:?} not in {msg:?}");
        }
        for secret in secrets {
            assert!(!msg.contains(secret), "profile {profile}: a secret in {msg:?}");
        }
        // The status a provider of one's own sees.
        let p = Probe {
            chain: chain.0,
            seen: Mutex::new(Vec::new()),
        };
        let ps = probe_signer(&p);
        assert_eq!(sign(&ps, T).unwrap_err(), S::MissingCredentials);
        assert_eq!(*p.seen.lock().unwrap(), [want], "profile {profile}: {msg}");
        eprintln!("{profile}: {} | {msg}", name(want));
    }
}

fn name(s: S) -> &'static str {
    s.name()
}

/// `role_arn` with `source_profile`: AssumeRole through the caller's
/// transport to a fake STS on loopback (`AWS_ENDPOINT_URL_STS`), signed
/// with the source profile's key as the aws-sigv4 crate signs it; the
/// signer then signs with the assumed credentials, and asks STS once.
#[test]
fn assume_role_goes_through_the_transport() {
    let sb = Sandbox::new("role");
    sb.write(
        "credentials",
        &format!("[base]\naws_access_key_id = {SOURCE_AKID}\naws_secret_access_key = {SOURCE_SECRET}\n"),
    );
    sb.write(
        "config",
        &format!("[profile role]\nrole_arn = {ROLE_ARN}\nsource_profile = base\nrole_session_name = chain-abi\n"),
    );
    let exp = now() + 3600;
    let sts = Server::start(vec![(200, assume_role_xml(exp))]);
    sb.set("AWS_ENDPOINT_URL_STS", &sts.url());
    let net = Net::default();
    let chain = Chain::new("role", Some(http_transport), (&net as *const Net).cast_mut().cast());
    let s = chain_signer(&chain, 300);
    let t = now();
    let h = sign(&s, t).unwrap_or_else(|st| panic!("{st:?}: {}", chain.last_error()));
    let h2 = sign(&s, t + 60).unwrap();
    let seen = sts.finish();

    // The signer holds the assumed credentials.
    assert!(credential_of(&h).starts_with(&format!("{ROLE_AKID}/")), "{h:?}");
    assert_eq!(header(&h, "X-Amz-Security-Token"), Some(ROLE_TOKEN));
    assert_eq!(
        signature_of(&h),
        aws_get_signature(ROLE_AKID, ROLE_SECRET, Some(ROLE_TOKEN), t)
    );
    assert_eq!(
        signature_of(&h2),
        aws_get_signature(ROLE_AKID, ROLE_SECRET, Some(ROLE_TOKEN), t + 60)
    );
    let mut e = 0;
    assert_eq!(sigv4rs_signer_expiration(s.0, &mut e), S::Ok);
    assert_eq!(e, exp);
    assert_eq!(net.calls.load(Ordering::SeqCst), 1, "one STS call for two signatures");

    // What STS got: AssumeRole, signed with the source key for us-east-1.
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert!(r.head.starts_with("POST / HTTP/1.1\r\n"), "{}", r.head);
    let body = String::from_utf8(r.body.clone()).unwrap();
    for part in [
        "Action=AssumeRole",
        "Version=2011-06-15",
        "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo",
        "RoleSessionName=chain-abi",
    ] {
        assert!(body.split('&').any(|p| p == part), "{part} not in {body}");
    }
    let auth = r.header("authorization").expect("a signed request");
    let amz_date = r.header("x-amz-date").unwrap();
    assert!(
        auth.contains(&format!(
            "Credential={SOURCE_AKID}/{}/us-east-1/sts/aws4_request",
            &amz_date[..8]
        )),
        "{auth}"
    );
    let content_type = r.header("content-type").unwrap();
    let at = common::rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz_date[..4],
        &amz_date[4..6],
        &amz_date[6..8],
        &amz_date[9..11],
        &amz_date[11..13],
        &amz_date[13..15]
    ));
    let want = aws_signature(
        SOURCE_AKID,
        SOURCE_SECRET,
        None,
        "sts",
        "POST",
        &format!("{}/", sts_url_of(r)),
        &[("content-type", content_type)],
        &r.body,
        at,
    );
    assert!(
        auth.ends_with(&format!("Signature={want}")),
        "{auth} vs aws-sigv4 {want}"
    );
    assert_eq!(chain.last_error(), "");
}

/// STS retries follow the session's settings as botocore's client does:
/// `AWS_MAX_ATTEMPTS` first, then the profile's `max_attempts`; a setting
/// that is not valid is a configuration error, before any request.
#[test]
fn sts_attempts_follow_max_attempts() {
    let sb = Sandbox::new("attempts");
    sb.write(
        "credentials",
        &format!("[base]\naws_access_key_id = {SOURCE_AKID}\naws_secret_access_key = {SOURCE_SECRET}\n"),
    );
    sb.write(
        "config",
        &format!("[profile role]\nrole_arn = {ROLE_ARN}\nsource_profile = base\nmax_attempts = 2\n"),
    );
    // The server answers `want` connections with a 500, then is gone (a
    // further attempt fails to connect, and still counts).
    let attempts = |var: Option<&str>, want: usize| {
        match var {
            Some(v) => sb.set("AWS_MAX_ATTEMPTS", v),
            // SAFETY: the sandbox holds the environment lock.
            None => unsafe { std::env::remove_var("AWS_MAX_ATTEMPTS") },
        }
        let sts = Server::start(vec![(500, String::new()); want]);
        sb.set("AWS_ENDPOINT_URL_STS", &sts.url());
        let net = Net::default();
        let chain = Chain::new("role", Some(http_transport), (&net as *const Net).cast_mut().cast());
        let s = chain_signer(&chain, 300);
        assert_eq!(sign(&s, now()), Err(S::MissingCredentials));
        let why = chain.last_error();
        drop(s);
        drop(chain);
        drop(sts.finish());
        (net.calls.load(Ordering::SeqCst), why)
    };
    assert_eq!(attempts(None, 2).0, 2, "the profile's max_attempts");
    assert_eq!(attempts(Some("1"), 1).0, 1, "AWS_MAX_ATTEMPTS wins");
    let (calls, why) = attempts(Some("0"), 0);
    assert_eq!(calls, 0);
    assert!(why.starts_with("AssumeRole: Config: max_attempts"), "{why}");
}

fn sts_url_of(r: &Seen) -> String {
    format!("http://{}", r.header("host").unwrap())
}

/// Resolves on one chain from several threads run one at a time (the
/// script notices a second copy of itself running).
#[test]
fn resolves_on_a_chain_run_one_at_a_time() {
    let sb = Sandbox::new("serial");
    let dir = sb.dir.display().to_string();
    let script = sb.script(
        "creds.sh",
        &format!(
            "if ! mkdir '{dir}/busy' 2>/dev/null; then echo overlap >> '{dir}/overlaps'; fi\n\
             sleep 0.2\necho run >> '{dir}/runs'\nrmdir '{dir}/busy' 2>/dev/null\n\
             printf '{{\"Version\": 1, \"AccessKeyId\": \"AKIDSERIAL\", \"SecretAccessKey\": \"serialSecret\"}}\\n'\n"
        ),
    );
    sb.write(
        "config",
        &format!("[default]\ncredential_process = {}\n", script.display()),
    );
    let chain = Chain::new("", None, std::ptr::null_mut());
    let addr = chain.0 as usize;
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| {
                let c = Chain(addr as *mut sigv4rs_chain);
                let s = chain_signer(&c, 300);
                let h = sign(&s, T).unwrap();
                assert_eq!(
                    signature_of(&h),
                    aws_get_signature("AKIDSERIAL", "serialSecret", None, T)
                );
                drop(s);
                std::mem::forget(c); // the test's chain, freed once below
            });
        }
    });
    assert_eq!(sb.lines("runs"), 4);
    assert_eq!(sb.lines("overlaps"), 0, "two resolves ran at once");
}

// ---------------------------------------------------------------------------
// The libcurl example

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The static library of this test's profile, rebuilt (as tests/abi.rs
/// does for the shared one).
fn static_lib() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let profile = match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(p) => p,
    };
    let status = Command::new(env!("CARGO"))
        .args(["build", "--lib", "--profile", profile, "--manifest-path"])
        .arg(root().join("Cargo.toml"))
        .status()
        .unwrap();
    assert!(status.success(), "cargo build --lib --profile {profile} failed");
    dir.join("libsigv4rs.a")
}

/// `chain_curl` built with -Werror against the library, run with a
/// `role_arn` profile: libcurl takes AssumeRole to the fake STS, then the
/// GET to a loopback server, signed with the assumed credentials. With a
/// failing profile it prints `last_error` (no secret) and exits 1.
#[test]
fn chain_curl_example_assumes_a_role_over_libcurl() {
    let probe = Command::new("sh")
        .args(["-c", "echo '#include <curl/curl.h>' | cc -E -x c - > /dev/null 2>&1"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: no C compiler or no libcurl headers (apt-get install libcurl4-openssl-dev)");
        return;
    }
    let sb = Sandbox::new("curl");
    let lib = static_lib();
    let exe = sb.path("chain_curl");
    let out = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O1", "-I"])
        .arg(root().join("include"))
        .arg(root().join("bindings/c/examples/chain_curl.c"))
        .arg(&lib)
        .args([
            "-lcurl",
            "-lgcc_s",
            "-lutil",
            "-lrt",
            "-lpthread",
            "-lm",
            "-ldl",
            "-lc",
            "-o",
        ])
        .arg(&exe)
        .output()
        .expect("cc");
    assert!(
        out.status.success(),
        "chain_curl.c does not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sb.write(
        "credentials",
        &format!("[base]\naws_access_key_id = {SOURCE_AKID}\naws_secret_access_key = {SOURCE_SECRET}\n"),
    );
    let broken = sb.script("fail.sh", "echo 'LEAKEDSECRET9' >&2\nexit 5\n");
    sb.write(
        "config",
        &format!(
            "[profile role]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n\n\
             [profile broken]\ncredential_process = {}\n",
            broken.display()
        ),
    );
    let sts = Server::start(vec![(200, assume_role_xml(now() + 3600))]);
    let api = Server::start(vec![(200, "hello".to_string())]);
    let api_url = api.url();
    let run = |profile: &str| {
        let mut c = Command::new(&exe);
        c.arg(format!("{api_url}/items?id=1"))
            .args(["us-east-1", "service"])
            .env("AWS_PROFILE", profile)
            .env("AWS_ENDPOINT_URL_STS", sts.url())
            .env("no_proxy", "*");
        for p in [
            "http_proxy",
            "https_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "all_proxy",
        ] {
            c.env_remove(p);
        }
        c.output().unwrap()
    };
    let bad = run("broken");
    let err = String::from_utf8_lossy(&bad.stderr).to_string();
    assert_eq!(bad.status.code(), Some(1), "{err}");
    assert!(err.contains("chain_curl: credentials: Process: Fetch: "), "{err}");
    assert!(!err.contains("LEAKEDSECRET9"), "{err}");
    let good = run("role");
    let err = String::from_utf8_lossy(&good.stderr).to_string();
    assert!(good.status.success(), "chain_curl failed: {err}");
    assert_eq!(String::from_utf8_lossy(&good.stdout), "hello");
    assert!(err.contains("HTTP 200"), "{err}");
    let to_sts = sts.finish();
    let to_api = api.finish();
    assert_eq!(to_sts.len(), 1);
    assert!(
        to_sts[0]
            .header("authorization")
            .unwrap()
            .contains(&format!("Credential={SOURCE_AKID}/"))
    );
    assert!(String::from_utf8_lossy(&to_sts[0].body).contains("Action=AssumeRole"));
    assert_eq!(to_api.len(), 1);
    let r = &to_api[0];
    assert!(r.head.starts_with("GET /items?id=1 HTTP/1.1\r\n"), "{}", r.head);
    let auth = r.header("authorization").unwrap();
    assert!(auth.contains(&format!("Credential={ROLE_AKID}/")), "{auth}");
    assert_eq!(r.header("x-amz-security-token"), Some(ROLE_TOKEN));
    // The signature is the aws-sigv4 crate's for what the server got.
    let amz_date = r.header("x-amz-date").unwrap();
    let at = common::rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz_date[..4],
        &amz_date[4..6],
        &amz_date[6..8],
        &amz_date[9..11],
        &amz_date[11..13],
        &amz_date[13..15]
    ));
    let want = aws_signature(
        ROLE_AKID,
        ROLE_SECRET,
        Some(ROLE_TOKEN),
        "service",
        "GET",
        &format!("{api_url}/items?id=1"),
        &[],
        b"",
        at,
    );
    assert!(auth.ends_with(&format!("Signature={want}")), "{auth} vs {want}");
}
