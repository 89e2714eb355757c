//! Bad input, `chain` family: `sigv4rs_chain_new`, `_free`, `_resolve`,
//! `_last_error` and `sigv4rs_http_response_write` (see
//! `tests/common/matrix.rs`). Besides the status of each call: a failed
//! `_new` leaves `*out` alone; a resolve that fails leaves the signer
//! without credentials and a `last_error` that names a source and holds no
//! secret; one that succeeds leaves it signing and `last_error` empty; a
//! refused write leaves the response body as it was; a body over the cap
//! fails the exchange whatever the transport returns.
//!
//! The chain reads the process environment: the matrix is built once (the
//! other test of this binary waits for it), with a temporary HOME and
//! shared files, every other `AWS_*` variable removed and IMDS disabled.

mod common;

use std::ffi::c_void;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, Ordering};

use common::b;
use common::matrix::*;
use sigv4rs::creds::{HttpRequest, Transport};
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("chain", |m| {
    let dir = environment();
    run_new(m);
    run_free(m);
    run_last_error(m);
    run_resolve(m);
    run_response_write(m);
    let _ = std::fs::remove_dir_all(dir);
});

const N: &str = "sigv4rs_chain_new";
const F: &str = "sigv4rs_chain_free";
const R: &str = "sigv4rs_chain_resolve";
const L: &str = "sigv4rs_chain_last_error";
const W: &str = "sigv4rs_http_response_write";

const DEFAULT_SECRET: &str = "defaultSecret/K7MDENG+bPxRfiCYEXAMPLE";
const SOURCE_SECRET: &str = "sourceSecret/K7MDENG+bPxRfiCYEXAMPLE";
const ROLE_SECRET: &str = "roleSecret/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// Secrets the scripts print; none may show in a message.
const PRINTED: [&str; 3] = ["PRINTEDSECRET1", "PRINTEDSECRET2", "PRINTEDSECRET3"];

/// The temporary HOME and files; returns the directory.
fn environment() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("sigv4rs-bad-input-chain-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.display().to_string()
    };
    let json = |fields: &str| format!("cat <<'EOF'\n{{\"Version\": 1, {fields}}}\nEOF\n");
    let scripts = [
        (
            "broken",
            script("broken.sh", "echo PRINTEDSECRET1\necho PRINTEDSECRET2 >&2\nexit 1\n"),
        ),
        (
            "garbled",
            script("garbled.sh", &json("\"SecretAccessKey\": \"PRINTEDSECRET3\"")),
        ),
        (
            "expired",
            script(
                "expired.sh",
                &json(
                    "\"AccessKeyId\": \"AKIDOLD\", \"SecretAccessKey\": \"PRINTEDSECRET3\", \"Expiration\": \"2001-01-01T00:00:00Z\"",
                ),
            ),
        ),
        (
            "badkey",
            script(
                "badkey.sh",
                &json("\"AccessKeyId\": \"AKID WITH SPACE\", \"SecretAccessKey\": \"PRINTEDSECRET3\""),
            ),
        ),
        (
            "badsecret",
            script(
                "badsecret.sh",
                &json(&format!(
                    "\"AccessKeyId\": \"AKIDLONG\", \"SecretAccessKey\": \"{}\"",
                    "s".repeat(129)
                )),
            ),
        ),
        (
            "badtoken",
            script(
                "badtoken.sh",
                &json(
                    "\"AccessKeyId\": \"AKIDTOK\", \"SecretAccessKey\": \"PRINTEDSECRET3\", \"SessionToken\": \"a\\u0001b\"",
                ),
            ),
        ),
    ];
    let mut config = String::from(
        "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/demo\nsource_profile = base\n\n\
         [profile empty]\nregion = eu-west-1\n\n",
    );
    for (profile, path) in &scripts {
        config.push_str(&format!("[profile {profile}]\ncredential_process = {path}\n\n"));
    }
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(
        dir.join("credentials"),
        format!(
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = {DEFAULT_SECRET}\n\n\
             [base]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = {SOURCE_SECRET}\n"
        ),
    )
    .unwrap();
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            // SAFETY: the matrix is built once, before any other test of
            // this binary reads the environment (they wait for it).
            unsafe { std::env::remove_var(&k) };
        }
    }
    for (k, v) in [
        ("HOME", dir.display().to_string()),
        ("AWS_CONFIG_FILE", dir.join("config").display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("credentials").display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ] {
        // SAFETY: as above.
        unsafe { std::env::set_var(k, v) };
    }
    dir
}

fn options(profile: sigv4rs_bytes, region: sigv4rs_bytes) -> sigv4rs_chain_options {
    sigv4rs_chain_options {
        profile,
        region,
        transport: None,
        transport_user: std::ptr::null_mut(),
        process_timeout_ms: 10_000,
    }
}

fn new_chain(o: &sigv4rs_chain_options) -> *mut sigv4rs_chain {
    let mut c = std::ptr::null_mut();
    assert_eq!(sigv4rs_chain_new(o, &mut c), S::Ok);
    c
}

fn chain_for(profile: &str) -> *mut sigv4rs_chain {
    new_chain(&options(lb(profile.as_bytes()), NULL0))
}

/// 64 zero bytes: no library object.
fn zeroed() -> *mut c_void {
    Box::leak(Box::new([0u64; 8])).as_mut_ptr().cast()
}

// ---------------------------------------------------------------------------

fn run_new(m: &mut Matrix) {
    let canary = 0x5EED_usize as *mut sigv4rs_chain;
    let new = |m: &mut Matrix, what: &str, o: *const sigv4rs_chain_options, out_null: bool, want: S| {
        let mut out = canary;
        let got = sigv4rs_chain_new(o, if out_null { std::ptr::null_mut() } else { &mut out });
        let mut problems = vec![];
        if got == S::Ok {
            if out.is_null() || out == canary {
                problems.push("OK without a chain".to_string());
            } else {
                sigv4rs_chain_free(out);
            }
        } else if out != canary {
            problems.push(format!("wrote *out on {}", name(got)));
        }
        m.cell(N, what, want, got, problems);
    };
    let zero = options(NULL0, NULL0);
    new(m, "options NULL", std::ptr::null(), false, S::NullArgument);
    new(m, "out NULL", &zero, true, S::NullArgument);
    new(m, "options NULL, out NULL", std::ptr::null(), true, S::NullArgument);
    new(m, "{0} options", &zero, false, S::Ok);
    for (what, o) in [
        ("profile dev", options(lb(b"dev"), NULL0)),
        ("non-ASCII profile", options(lb("d\u{e9}veloppeur".as_bytes()), NULL0)),
        ("profile of 100,000 bytes", options(lb(&[b'p'; 100_000]), NULL0)),
        ("profile (non-NULL, 0)", options(lb(b""), lb(b""))),
        ("region eu-west-1", options(NULL0, lb(b"eu-west-1"))),
        ("region of 64 bytes", options(NULL0, lb(&[b'r'; 64]))),
    ] {
        new(m, what, &o, false, S::Ok);
    }
    for (what, t, u, ms) in [
        ("transport, user NULL", true, false, 0),
        ("no transport, user set", false, true, 1),
        ("process timeout UINT32_MAX", true, true, u32::MAX),
    ] {
        let o = sigv4rs_chain_options {
            transport: if t { Some(answer) } else { None },
            transport_user: if u { zeroed() } else { std::ptr::null_mut() },
            process_timeout_ms: ms,
            ..zero
        };
        new(m, what, &o, false, S::Ok);
    }
    type Field = fn(sigv4rs_bytes) -> sigv4rs_chain_options;
    let fields: [(&str, Field); 2] = [("profile", |v| options(v, NULL0)), ("region", |v| options(NULL0, v))];
    for (field, make) in fields {
        new(
            m,
            &format!("{field} (NULL, 3)"),
            &make(null_n(3)),
            false,
            S::NullArgument,
        );
        for n in HUGE {
            new(
                m,
                &format!("{field} len {n:#x}"),
                &make(huge(n)),
                false,
                S::InvalidArgument,
            );
        }
        for (what, v) in [
            ("invalid UTF-8", &b"dev\xff"[..]),
            ("truncated UTF-8", b"dev\xc3"),
            ("overlong UTF-8", b"\xc0\xaf"),
            ("UTF-16 surrogate", b"\xed\xa0\x80"),
            ("CR", b"dev\r"),
            ("LF", b"dev\nx"),
            ("CR LF", b"a\r\nb"),
            ("NUL", b"dev\0"),
            ("tab", b"de\tv"),
            ("DEL", b"dev\x7f"),
            ("C1 control U+0085", "dev\u{85}".as_bytes()),
        ] {
            new(m, &format!("{field} {what}"), &make(lb(v)), false, S::InvalidArgument);
        }
    }
    for (what, v) in [
        ("space", &b"us east 1"[..]),
        ("slash", b"us/east"),
        ("65 bytes", &[b'r'; 65]),
        ("non-ASCII", "\u{e9}u-west-1".as_bytes()),
    ] {
        new(
            m,
            &format!("region {what}"),
            &options(NULL0, lb(v)),
            false,
            S::InvalidRegion,
        );
    }
}

fn run_free(m: &mut Matrix) {
    sigv4rs_chain_free(std::ptr::null_mut());
    m.void_cell(F, "NULL", vec![]);
    sigv4rs_chain_free(chain_for(""));
    m.void_cell(F, "a chain", vec![]);
    let z = zeroed();
    sigv4rs_chain_free(z.cast());
    let untouched = as_bytes(unsafe { &*z.cast::<[u64; 8]>() }) == [0u8; 64];
    m.void_cell(
        F,
        "zeroed memory",
        if untouched { vec![] } else { vec!["changed it".into()] },
    );
    let s = heap_signer(&plain_config());
    sigv4rs_chain_free(s.cast());
    let signs = signs(s) == Ok(());
    m.void_cell(
        F,
        "a signer",
        if signs {
            vec![]
        } else {
            vec!["the signer no longer signs".into()]
        },
    );
    sigv4rs_signer_free(s);
}

/// Signs a GET with `s` at `T`.
fn signs(s: *const sigv4rs_signer) -> Result<(), S> {
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(b"https://example.amazonaws.com/"),
        host: NULL0,
        path: NULL0,
        query: NULL0,
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: NULL0,
    };
    let mut out = vec![0u8; 65536];
    let mut len = 0;
    match sigv4rs_signer_sign_headers(s, &req, T, out.as_mut_ptr(), out.len(), &mut len) {
        S::Ok => Ok(()),
        e => Err(e),
    }
}

fn last_error(c: *const sigv4rs_chain) -> String {
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    assert_eq!(
        sigv4rs_chain_last_error(c, buf.as_mut_ptr(), buf.len(), &mut len),
        S::Ok
    );
    String::from_utf8(buf[..len - 1].to_vec()).unwrap()
}

fn run_last_error(m: &mut Matrix) {
    let ok = chain_for("");
    let failed = chain_for("nosuch");
    // One resolve each: a message for one, none for the other.
    for c in [ok, failed] {
        let p = Probe::new(c.cast());
        let s = probe_signer(&p);
        let _ = signs(s);
        sigv4rs_signer_free(s);
    }
    let msg = last_error(failed);
    assert!(msg.starts_with("SharedConfigFile: Config: "), "{msg}");
    let need = msg.len() + 1;
    let le = |m: &mut Matrix, what: &str, c: *const sigv4rs_chain, how: Out, want: S, expect: &[u8]| {
        let r = call_out(how, &|o, cap, l| sigv4rs_chain_last_error(c, o, cap, l));
        let mut problems = r.problems;
        if r.status == S::Ok && r.out != expect {
            problems.push(format!("wrote {:?}", String::from_utf8_lossy(&r.out)));
        }
        if r.status == S::BufferTooSmall && r.len != expect.len() {
            problems.push(format!("*out_len {} != {}", r.len, expect.len()));
        }
        m.cell(L, what, want, r.status, problems);
    };
    let full = [msg.as_bytes(), b"\0"].concat();
    le(m, "chain NULL", std::ptr::null(), Out::Cap(4096), S::NullArgument, b"");
    le(
        m,
        "not a chain",
        zeroed().cast(),
        Out::Cap(4096),
        S::InvalidArgument,
        b"",
    );
    let s = heap_signer(&plain_config());
    le(m, "a signer", s.cast(), Out::Cap(4096), S::InvalidArgument, b"");
    sigv4rs_signer_free(s);
    le(m, "out_len NULL", failed, Out::NullLen, S::NullArgument, b"");
    le(m, "out NULL, cap 5", failed, Out::Null(5), S::NullArgument, b"");
    le(
        m,
        "out NULL, cap SIZE_MAX",
        failed,
        Out::Null(usize::MAX),
        S::NullArgument,
        b"",
    );
    le(
        m,
        "out NULL, cap 0, out_len NULL",
        failed,
        Out::NullBoth,
        S::NullArgument,
        b"",
    );
    le(
        m,
        "out NULL, cap 0 (size query)",
        failed,
        Out::Null(0),
        S::BufferTooSmall,
        &full,
    );
    for cap in 0..need {
        le(
            m,
            &format!("cap {cap}"),
            failed,
            Out::Cap(cap),
            S::BufferTooSmall,
            &full,
        );
    }
    le(m, &format!("cap {need}"), failed, Out::Cap(need), S::Ok, &full);
    le(m, "after a success", ok, Out::Cap(16), S::Ok, b"\0");
    le(
        m,
        "after a success, size query",
        ok,
        Out::Null(0),
        S::BufferTooSmall,
        b"\0",
    );
    let fresh = chain_for("");
    le(m, "before any resolve", fresh, Out::Cap(16), S::Ok, b"\0");
    for c in [ok, failed, fresh] {
        sigv4rs_chain_free(c);
    }
}

// ---------------------------------------------------------------------------
// Resolving, through a provider of the test's own that records the status

/// The sink of the provider call under way (the transport calls back into
/// the chain with it to provoke BUSY).
static SINK: AtomicPtr<sigv4rs_credentials_sink> = AtomicPtr::new(std::ptr::null_mut());
/// Whether `answer` calls back into the chain, and what it got.
static REENTER: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
static REENTERED: Mutex<Vec<S>> = Mutex::new(Vec::new());

struct Probe {
    chain: *mut c_void,
    seen: Mutex<Vec<S>>,
}

impl Probe {
    fn new(chain: *mut c_void) -> Probe {
        Probe {
            chain,
            seen: Mutex::new(Vec::new()),
        }
    }
}

unsafe extern "C" fn probe(user: *mut c_void, t: i64, sink: *mut sigv4rs_credentials_sink) -> S {
    // SAFETY: the `Probe` given to set_provider, alive while the signer is.
    let p = unsafe { &*(user as *const Probe) };
    SINK.store(sink, Ordering::SeqCst);
    let s = sigv4rs_chain_resolve(p.chain, t, sink);
    SINK.store(std::ptr::null_mut(), Ordering::SeqCst);
    p.seen.lock().unwrap().push(s);
    s
}

/// A signer without credentials whose provider is `probe` over `p`.
fn probe_signer(p: &Probe) -> *mut sigv4rs_signer {
    let cfg = sigv4rs_config {
        access_key_id: NULL0,
        secret_access_key: NULL0,
        session_token: NULL0,
        ..plain_config()
    };
    let s = heap_signer(&cfg);
    assert_eq!(
        sigv4rs_signer_set_provider(s, Some(probe), (p as *const Probe).cast_mut().cast(), 300),
        S::Ok
    );
    s
}

/// An in-process STS: the AssumeRole answer in 50-byte pieces; when
/// `REENTER` holds a chain, it first calls `sigv4rs_chain_resolve` on it.
unsafe extern "C" fn answer(_: *mut c_void, _: *const sigv4rs_http_request, resp: *mut sigv4rs_http_response) -> S {
    let chain = REENTER.load(Ordering::SeqCst);
    if !chain.is_null() {
        let s = sigv4rs_chain_resolve(chain, T, SINK.load(Ordering::SeqCst));
        REENTERED.lock().unwrap().push(s);
    }
    let xml = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>\
         <SecretAccessKey>{ROLE_SECRET}</SecretAccessKey><SessionToken>ROLETOKEN</SessionToken>\
         <Expiration>2999-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    );
    // SAFETY: the library's response for this call.
    unsafe { (*resp).status = 200 };
    for piece in xml.as_bytes().chunks(50) {
        let s = sigv4rs_http_response_write(resp, piece.as_ptr(), piece.len());
        if s != S::Ok {
            return s;
        }
    }
    S::Ok
}

fn run_resolve(m: &mut Matrix) {
    let chain = chain_for("");
    let signer = heap_signer(&plain_config());
    // Without a sink.
    for (what, c, want) in [
        ("chain NULL, sink NULL", std::ptr::null_mut(), S::NullArgument),
        ("sink NULL", chain.cast(), S::NullArgument),
        ("not a chain, sink NULL", zeroed(), S::InvalidArgument),
        ("a signer, sink NULL", signer.cast(), S::InvalidArgument),
    ] {
        m.cell(R, what, want, sigv4rs_chain_resolve(c, T, std::ptr::null_mut()), vec![]);
    }
    sigv4rs_signer_free(signer);

    // From a provider, with its sink.
    let secrets = [DEFAULT_SECRET, SOURCE_SECRET, ROLE_SECRET];
    let through = |m: &mut Matrix, what: &str, c: *mut c_void, want: S, check_message: bool| {
        let p = Probe::new(c);
        let s = probe_signer(&p);
        let signed = signs(s);
        sigv4rs_signer_free(s);
        let seen = p.seen.into_inner().unwrap();
        let mut problems = vec![];
        let got = match seen[..] {
            [one] => one,
            _ => {
                problems.push(format!("the provider ran {} times", seen.len()));
                S::Panic
            }
        };
        match (got, signed) {
            (S::Ok, Ok(())) | (_, Err(S::MissingCredentials)) => {}
            (g, r) => problems.push(format!("resolve gave {}, signing {r:?}", name(g))),
        }
        if check_message {
            let msg = last_error(c.cast());
            if (got == S::Ok) != msg.is_empty() {
                problems.push(format!("last_error {msg:?} after {}", name(got)));
            }
            for secret in secrets.iter().chain(PRINTED.iter()) {
                if msg.contains(secret) {
                    problems.push(format!("a secret in last_error {msg:?}"));
                }
            }
            let sources = [
                "Environment:",
                "SharedCredentialsFile:",
                "SharedConfigFile:",
                "Process:",
                "AssumeRole:",
                "WebIdentity:",
                "Container:",
                "Imds:",
            ];
            if got != S::Ok && !sources.iter().any(|s| msg.starts_with(s)) {
                problems.push(format!("last_error {msg:?} names no source"));
            }
            eprintln!("  {what}: {} | {msg}", name(got));
        }
        m.cell(R, what, want, got, problems);
    };
    through(m, "chain NULL", std::ptr::null_mut(), S::NullArgument, false);
    through(m, "not a chain", zeroed(), S::InvalidArgument, false);
    let s = heap_signer(&plain_config());
    through(m, "a signer", s.cast(), S::InvalidArgument, false);
    sigv4rs_signer_free(s);
    through(m, "default profile", chain.cast(), S::Ok, true);
    for (profile, want) in [
        ("broken", S::CredentialsFetchFailed),
        ("garbled", S::CredentialsMalformed),
        ("expired", S::CredentialsExpired),
        ("empty", S::CredentialsNotFound),
        ("nosuch", S::CredentialsConfig),
        ("role", S::NoTransport),
        ("badkey", S::InvalidAccessKeyId),
        ("badsecret", S::InvalidSecretKey),
        ("badtoken", S::InvalidSessionToken),
    ] {
        let c = chain_for(profile);
        through(m, &format!("profile {profile}"), c.cast(), want, true);
        sigv4rs_chain_free(c);
    }
    // One chain, read afresh on each resolve: AWS_PROFILE makes it fail,
    // then succeed (and the message goes).
    let c = chain_for("");
    // SAFETY: as in `environment`.
    unsafe { std::env::set_var("AWS_PROFILE", "broken") };
    through(m, "AWS_PROFILE broken", c.cast(), S::CredentialsFetchFailed, true);
    // SAFETY: as above.
    unsafe { std::env::remove_var("AWS_PROFILE") };
    through(m, "AWS_PROFILE unset again", c.cast(), S::Ok, true);
    sigv4rs_chain_free(c);

    // role_arn with a transport; then one that calls back into its chain.
    let o = sigv4rs_chain_options {
        transport: Some(answer),
        ..options(lb(b"role"), NULL0)
    };
    let c = new_chain(&o);
    through(m, "profile role, transport", c.cast(), S::Ok, true);
    REENTER.store(c.cast(), Ordering::SeqCst);
    through(m, "profile role, transport calling back", c.cast(), S::Ok, true);
    REENTER.store(std::ptr::null_mut(), Ordering::SeqCst);
    let inner = std::mem::take(&mut *REENTERED.lock().unwrap());
    m.cell(
        R,
        "from its own transport",
        S::Busy,
        inner.first().copied().unwrap_or(S::Panic),
        if inner.len() == 1 {
            vec![]
        } else {
            vec![format!("called back {} times", inner.len())]
        },
    );
    sigv4rs_chain_free(c);
    sigv4rs_chain_free(chain);
}

// ---------------------------------------------------------------------------
// Response bodies: the adapter the chain uses, driven directly (a refused
// body through the chain would cost STS's retries and their backoff).

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The bad inputs, around writes of "ab", "" and "c".
    BadInputs,
    /// 1 MiB in 4 KiB pieces, then one byte, then nothing.
    Cap,
    /// 1 MiB in one write.
    Exact,
    /// 1 MiB + 1 in one write.
    OverInOne,
    /// Returns this number without writing anything (status 200).
    Returns(u32),
    /// Sets this HTTP status, writes "x", returns OK.
    Http(u32),
}

struct Ctx<'a> {
    m: &'a mut Matrix,
    mode: Mode,
}

/// The transport, with a C caller's freedom to return any number.
unsafe extern "C" fn scripted(
    user: *mut c_void,
    _: *const sigv4rs_http_request,
    resp: *mut sigv4rs_http_response,
) -> u32 {
    // SAFETY: the test's `Ctx`, alive during `send`.
    let ctx = unsafe { &mut *user.cast::<Ctx<'_>>() };
    let m = &mut *ctx.m;
    let write = |m: &mut Matrix, what: &str, r: *mut sigv4rs_http_response, d: &[u8], want: S| {
        let got = sigv4rs_http_response_write(r, if d.is_empty() { std::ptr::null() } else { d.as_ptr() }, d.len());
        m.cell(W, what, want, got, vec![]);
    };
    // SAFETY: the library's response for this call.
    unsafe { (*resp).status = 200 };
    match ctx.mode {
        Mode::BadInputs => {
            write(m, "2 bytes", resp, b"ab", S::Ok);
            m.cell(
                W,
                "resp NULL",
                S::NullArgument,
                sigv4rs_http_response_write(std::ptr::null_mut(), b"x".as_ptr(), 1),
                vec![],
            );
            m.cell(
                W,
                "data (NULL, 3)",
                S::NullArgument,
                sigv4rs_http_response_write(resp, std::ptr::null(), 3),
                vec![],
            );
            m.cell(
                W,
                "data (NULL, 0)",
                S::Ok,
                sigv4rs_http_response_write(resp, std::ptr::null(), 0),
                vec![],
            );
            write(m, "data (non-NULL, 0)", resp, b"", S::Ok);
            for n in HUGE {
                let got = sigv4rs_http_response_write(resp, b"x".as_ptr(), n);
                m.cell(W, &format!("len {n:#x}"), S::InvalidArgument, got, vec![]);
            }
            let mut own = sigv4rs_http_response {
                status: 200,
                _private: std::ptr::null_mut(),
            };
            write(m, "a response made by the caller", &mut own, b"x", S::InvalidArgument);
            own._private = zeroed();
            write(m, "a response over other memory", &mut own, b"x", S::InvalidArgument);
            let buf = zeroed();
            own._private = buf.cast::<u8>().wrapping_add(1).cast();
            write(m, "a misaligned response", &mut own, b"x", S::InvalidArgument);
            write(m, "1 byte after the refusals", resp, b"c", S::Ok);
            0
        }
        Mode::Cap => {
            let piece = [b'z'; 4096];
            for _ in 0..SIGV4RS_MAX_HTTP_RESPONSE_LEN / piece.len() {
                write(m, "up to 1 MiB in 4 KiB pieces", resp, &piece, S::Ok);
            }
            write(m, "1 byte over 1 MiB", resp, b"z", S::InputTooLong);
            write(m, "after the cap, 0 bytes", resp, b"", S::InputTooLong);
            write(m, "after the cap, 1 byte", resp, b"z", S::InputTooLong);
            0
        }
        Mode::Exact => {
            write(
                m,
                "1 MiB at once",
                resp,
                &vec![b'z'; SIGV4RS_MAX_HTTP_RESPONSE_LEN],
                S::Ok,
            );
            0
        }
        Mode::OverInOne => {
            let big = vec![b'z'; SIGV4RS_MAX_HTTP_RESPONSE_LEN + 1];
            write(m, "1 MiB + 1 at once", resp, &big, S::InputTooLong);
            0
        }
        Mode::Returns(n) => n,
        Mode::Http(code) => {
            // SAFETY: as above.
            unsafe { (*resp).status = code };
            write(m, "1 byte", resp, b"x", S::Ok);
            0
        }
    }
}

type Typed = unsafe extern "C" fn(*mut c_void, *const sigv4rs_http_request, *mut sigv4rs_http_response) -> S;

/// One exchange through the chain's adapter for a C transport.
fn send(m: &mut Matrix, f: Typed, req: &HttpRequest, mode: Mode) -> Result<sigv4rs::creds::HttpResponse, String> {
    let mut ctx = Ctx { m, mode };
    let t = CTransport::new(Some(f), (&mut ctx as *mut Ctx<'_>).cast()).unwrap();
    t.send(req)
}

fn run_response_write(m: &mut Matrix) {
    type Raw = unsafe extern "C" fn(*mut c_void, *const sigv4rs_http_request, *mut sigv4rs_http_response) -> u32;
    // SAFETY: `sigv4rs_status` is `#[repr(u32)]`: the same ABI; the library
    // reads the result as a number (a C transport may return any).
    let f: Typed = unsafe { std::mem::transmute::<Raw, Typed>(scripted) };
    let req = HttpRequest {
        method: "POST".into(),
        url: "https://sts.us-east-1.amazonaws.com/".into(),
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
        body: b"Action=AssumeRole".to_vec(),
        timeout_ms: 1000,
    };
    // What each exchange gives: (HTTP status, body length), or an error.
    type Shape = Result<(u16, usize), ()>;
    let cases: Vec<(&str, Mode, Shape)> = vec![
        ("bad inputs", Mode::BadInputs, Ok((200, 3))),
        ("over the cap in pieces", Mode::Cap, Err(())),
        ("exactly the cap", Mode::Exact, Ok((200, SIGV4RS_MAX_HTTP_RESPONSE_LEN))),
        ("over the cap at once", Mode::OverInOne, Err(())),
        ("transport returns INVALID_ARGUMENT", Mode::Returns(3), Err(())),
        ("transport returns 12345", Mode::Returns(12345), Err(())),
        ("transport returns UINT32_MAX", Mode::Returns(u32::MAX), Err(())),
        ("HTTP status 0", Mode::Http(0), Err(())),
        ("HTTP status 99", Mode::Http(99), Err(())),
        ("HTTP status 1000", Mode::Http(1000), Err(())),
        ("HTTP status 2^32 - 1", Mode::Http(u32::MAX), Err(())),
        ("HTTP status 403", Mode::Http(403), Ok((403, 1))),
    ];
    for (what, mode, want) in cases {
        let got = send(m, f, &req, mode);
        let shape = got.as_ref().map(|r| (r.status, r.body.len())).map_err(|_| ());
        if shape != want {
            m.fail(W, what, &format!("the exchange gave {shape:?}, want {want:?}"));
        }
        if let (Mode::BadInputs, Ok(r)) = (mode, &got)
            && r.body != b"abc"
        {
            m.fail(
                W,
                what,
                &format!(
                    "body {:?}: a refused write changed it",
                    String::from_utf8_lossy(&r.body)
                ),
            );
        }
        if let Err(e) = &got {
            eprintln!("  {what}: {e}");
        }
    }
}
