//! The credential ABI's pointers (src/ffi/creds.rs, src/ffi/chain.rs)
//! exercised once each, small enough for Miri (`make miri`): rotation and
//! the provider's sink on heap and caller-storage signers, a chain
//! resolving from the environment and through a transport (request read,
//! response written in pieces), `last_error` into short and exact buffers,
//! and the refusals of stray pointers. Expected signatures are the official
//! suite's get-vanilla (keys AKIDEXAMPLE / wJalr...).

mod common;

use std::ffi::c_void;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

const T: i64 = 1_440_938_160; // 20150830T123600Z
const VANILLA_SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const ROLE_TOKEN: &str = "FwoGZXIvYXdzEXAMPLEroleSessionToken";

/// The environment is the process's: one test at a time changes it.
static ENV: Mutex<()> = Mutex::new(());

fn vanilla() -> sigv4rs_request {
    sigv4rs_request {
        method: b(b"GET"),
        url: b(b"https://example.amazonaws.com/"),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: b(b""),
    }
}

fn sign(s: *const sigv4rs_signer, t: i64) -> Result<String, S> {
    let req = vanilla();
    let out = call_out(&|o, c, l| sigv4rs_signer_sign_headers(s, &req, t, o, c, l))?;
    Ok(String::from_utf8(out).unwrap())
}

fn signature(headers: &str) -> &str {
    headers.rsplit_once("Signature=").unwrap().1.trim_end()
}

fn empty_config() -> sigv4rs_config {
    config(&Creds {
        akid: "",
        secret: "",
        token: "",
        region: "us-east-1",
        service: "service",
        flags: 0,
    })
}

fn vanilla_creds(exp: i64) -> sigv4rs_credentials {
    sigv4rs_credentials {
        access_key_id: b(AKID.as_bytes()),
        secret_access_key: b(SECRET.as_bytes()),
        session_token: b(b""),
        expiration: exp,
    }
}

/// A provider that puts the vanilla keys, expiring at `*user`, and counts.
static CALLS: AtomicUsize = AtomicUsize::new(0);
unsafe extern "C" fn put_vanilla(user: *mut c_void, _t: i64, sink: *mut sigv4rs_credentials_sink) -> S {
    CALLS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the test's i64, alive while the signer is.
    let exp = unsafe { *(user as *const i64) };
    sigv4rs_credentials_sink_put(sink, &vanilla_creds(exp))
}

#[test]
fn rotate_and_provider_on_heap_and_storage_signers() {
    // Heap: no credentials, then a rotation, then its expiration.
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&empty_config(), &mut s), S::Ok);
    assert_eq!(sign(s, T), Err(S::MissingCredentials));
    assert_eq!(sigv4rs_signer_rotate(s, &vanilla_creds(T + 60)), S::Ok);
    assert_eq!(signature(&sign(s, T).unwrap()), VANILLA_SIG);
    let mut exp = 0;
    assert_eq!(sigv4rs_signer_expiration(s, &mut exp), S::Ok);
    assert_eq!(exp, T + 60);
    assert_eq!(sign(s, T + 60), Err(S::CredentialsExpired));
    // A JSON document (IMDS shape), with a JSON escape in the secret.
    let doc = br#"{"Code":"Success","AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"wJalrXUtnFEMI\/K7MDENG+bPxRfiCYEXAMPLEKEY","Token":"","Expiration":"2015-08-30T13:36:00Z"}"#;
    assert_eq!(sigv4rs_signer_rotate_json(s, b(doc)), S::Ok);
    assert_eq!(signature(&sign(s, T).unwrap()), VANILLA_SIG);
    assert_eq!(sigv4rs_signer_rotate_json(s, b(b"{}")), S::InvalidCredentialsDocument);
    assert_eq!(sigv4rs_signer_rotate(s, std::ptr::null()), S::NullArgument);
    sigv4rs_signer_free(s);

    // Caller storage with a provider: asked on the first signature only.
    let st = Box::into_raw(Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    }));
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(st, &empty_config(), &mut s), S::Ok);
    let until: i64 = T + 3600;
    CALLS.store(0, Ordering::SeqCst);
    assert_eq!(
        sigv4rs_signer_set_provider(s, Some(put_vanilla), (&until as *const i64).cast_mut().cast(), 300),
        S::Ok
    );
    assert_eq!(signature(&sign(s, T).unwrap()), VANILLA_SIG);
    assert_eq!(signature(&sign(s, T + 1).unwrap()).len(), 64);
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
    // A sink pointer that is not one: refused, not dereferenced as one.
    assert_eq!(
        sigv4rs_credentials_sink_put(std::ptr::null_mut(), &vanilla_creds(0)),
        S::NullArgument
    );
    sigv4rs_signer_deinit(st);
    // SAFETY: made by Box::into_raw above; the signer is gone.
    let st = unsafe { Box::from_raw(st) };
    assert!(st._opaque.iter().all(|&w| w == 0), "deinit zeroes the storage");
}

fn set_env(vars: &[(&str, &str)]) {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            // SAFETY: tests that touch the environment hold ENV.
            unsafe { std::env::remove_var(&k) };
        }
    }
    for (k, v) in vars {
        // SAFETY: as above.
        unsafe { std::env::set_var(k, v) };
    }
}

fn new_chain(transport: sigv4rs_transport_fn, user: *mut c_void) -> *mut sigv4rs_chain {
    let opts = sigv4rs_chain_options {
        profile: b(b""),
        region: b(b""),
        transport,
        transport_user: user,
        process_timeout_ms: 0,
    };
    let mut c = std::ptr::null_mut();
    assert_eq!(sigv4rs_chain_new(&opts, &mut c), S::Ok);
    c
}

fn last_error(c: *const sigv4rs_chain) -> String {
    let mut len = 0;
    assert_eq!(
        sigv4rs_chain_last_error(c, std::ptr::null_mut(), 0, &mut len),
        S::BufferTooSmall
    );
    let mut buf = vec![0u8; len];
    let mut n = 0;
    assert_eq!(sigv4rs_chain_last_error(c, buf.as_mut_ptr(), buf.len(), &mut n), S::Ok);
    assert_eq!((n, buf[n - 1]), (len, 0));
    String::from_utf8(buf[..n - 1].to_vec()).unwrap()
}

fn chain_signer(c: *mut sigv4rs_chain) -> *mut sigv4rs_signer {
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&empty_config(), &mut s), S::Ok);
    assert_eq!(
        sigv4rs_signer_set_provider(s, Some(sigv4rs_chain_resolve), c.cast(), 300),
        S::Ok
    );
    s
}

fn bytes_of(x: &sigv4rs_bytes) -> &[u8] {
    if x.len == 0 {
        &[]
    } else {
        // SAFETY: the library's request, valid during the transport call.
        unsafe { std::slice::from_raw_parts(x.ptr, x.len) }
    }
}

/// A transport answering STS from memory: checks the request's shape,
/// then writes the AssumeRoleWithWebIdentity answer in 64-byte pieces.
unsafe extern "C" fn fake_sts(
    user: *mut c_void,
    req: *const sigv4rs_http_request,
    resp: *mut sigv4rs_http_response,
) -> S {
    // SAFETY: `user` is the test's counter; `req` the library's request.
    let (calls, req) = unsafe { (&*(user as *const AtomicUsize), &*req) };
    calls.fetch_add(1, Ordering::SeqCst);
    // SAFETY: as above.
    let headers = unsafe { std::slice::from_raw_parts(req.headers, req.headers_len) };
    let names: Vec<&[u8]> = headers.iter().map(|h| bytes_of(&h.name)).collect();
    let body = String::from_utf8(bytes_of(&req.body).to_vec()).unwrap();
    if bytes_of(&req.method) != b"POST"
        || !bytes_of(&req.url).starts_with(b"http://sts.invalid")
        || !names.iter().any(|n| n.eq_ignore_ascii_case(b"content-type"))
        || !body.contains("Action=AssumeRoleWithWebIdentity")
        || !body.contains("WebIdentityToken=eyJ0b2tlbiJ9")
        || req.timeout_ms == 0
    {
        return S::InvalidArgument;
    }
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let answer = format!(
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
         <AccessKeyId>{AKID}</AccessKeyId><SecretAccessKey>{SECRET}</SecretAccessKey>\
         <SessionToken>{ROLE_TOKEN}</SessionToken><Expiration>{}</Expiration>\
         </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
        iso(exp)
    );
    // SAFETY: the library's response for this call.
    unsafe { (*resp).status = 200 };
    for piece in answer.as_bytes().chunks(64) {
        let st = sigv4rs_http_response_write(resp, piece.as_ptr(), piece.len());
        if st != S::Ok {
            return st;
        }
    }
    S::Ok
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
fn iso(t: u64) -> String {
    let (days, secs) = ((t / 86_400) as i64, t % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
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
fn chain_from_the_environment_and_through_a_transport() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("sigv4rs-ffi-memory-creds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, "eyJ0b2tlbiJ9").unwrap();
    let home = dir.display().to_string();
    let none = dir.join("absent").display().to_string();
    let base = [
        ("HOME", home.as_str()),
        ("AWS_CONFIG_FILE", none.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", none.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];

    // Environment variables.
    let mut vars = base.to_vec();
    vars.extend([("AWS_ACCESS_KEY_ID", AKID), ("AWS_SECRET_ACCESS_KEY", SECRET)]);
    set_env(&vars);
    let c = new_chain(None, std::ptr::null_mut());
    let s = chain_signer(c);
    assert_eq!(signature(&sign(s, T).unwrap()), VANILLA_SIG);
    assert_eq!(last_error(c), "");
    sigv4rs_signer_free(s);

    // Nothing anywhere: the signer says missing, the chain says why.
    set_env(&base);
    let s = chain_signer(c);
    assert_eq!(sign(s, T), Err(S::MissingCredentials));
    assert!(last_error(c).contains("NotFound"), "{}", last_error(c));
    sigv4rs_signer_free(s);
    sigv4rs_chain_free(c);

    // Web identity through the transport; the answer's token is signed.
    let calls = AtomicUsize::new(0);
    let tf = token_file.display().to_string();
    let mut vars = base.to_vec();
    vars.extend([
        ("AWS_WEB_IDENTITY_TOKEN_FILE", tf.as_str()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/miri"),
        ("AWS_ENDPOINT_URL_STS", "http://sts.invalid"),
    ]);
    set_env(&vars);
    let c = new_chain(Some(fake_sts), (&calls as *const AtomicUsize).cast_mut().cast());
    let s = chain_signer(c);
    let h = sign(s, T).unwrap_or_else(|e| panic!("{e:?}: {}", last_error(c)));
    let hs = split_headers(h.as_bytes());
    assert!(hs.contains(&("X-Amz-Security-Token".into(), ROLE_TOKEN.into())), "{h}");
    assert!(h.contains("Credential=AKIDEXAMPLE/20150830/"), "{h}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Outside a transport call no response is valid: refused by its tag.
    let mut other = [0u64; 8];
    let mut stray = sigv4rs_http_response {
        status: 0,
        _private: other.as_mut_ptr().cast(),
    };
    assert_eq!(
        sigv4rs_http_response_write(&mut stray, b"x".as_ptr(), 1),
        S::InvalidArgument
    );
    sigv4rs_signer_free(s);
    sigv4rs_chain_free(c);
    sigv4rs_chain_free(std::ptr::null_mut());
    set_env(&[]);
    let _ = std::fs::remove_dir_all(&dir);
}
