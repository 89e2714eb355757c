//! Bad input, `creds` family: `sigv4rs_signer_rotate`, `_rotate_json`,
//! `_set_provider`, `_expiration` and `sigv4rs_credentials_sink_put` (see
//! `tests/common/matrix.rs`). Besides the status of each call: a failed
//! rotation has no effect (the signer signs exactly as before and keeps its
//! expiration), a successful one signs exactly as a fresh signer with the
//! new set does, and `BUSY` is produced deterministically by a provider that
//! rotates its own signer.

mod common;

use std::ffi::c_void;

use common::b;
use common::matrix::*;
use common::requests::base_request;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("creds", |m| {
    run_rotate(m);
    run_rotate_json(m);
    run_rotate_xml(m);
    run_sink_put(m);
    run_set_provider(m);
    run_expiration(m);
});

const R: &str = "sigv4rs_signer_rotate";
const J: &str = "sigv4rs_signer_rotate_json";
const X: &str = "sigv4rs_signer_rotate_xml";
const P: &str = "sigv4rs_credentials_sink_put";
const SP: &str = "sigv4rs_signer_set_provider";
const E: &str = "sigv4rs_signer_expiration";

/// The configured signers' expiration (after `T`).
const EXP0: i64 = T + 3600;

fn creds(akid: &[u8], secret: &[u8], token: &[u8], expiration: i64) -> sigv4rs_credentials {
    sigv4rs_credentials {
        access_key_id: lb(akid),
        secret_access_key: lb(secret),
        session_token: lb(token),
        expiration,
    }
}

fn new_set() -> sigv4rs_credentials {
    creds(b"AKIDNEWSET", b"new/secret+key=", b"NEWTOKEN", T + 7200)
}

/// The bytes each credential field may hold (the header's status docs).
fn allowed(field: &str, c: u8) -> bool {
    match field {
        "secret" => true,
        "access key id" => c.is_ascii_graphic() && c != b'/' && c != b',',
        _ => c.is_ascii_graphic(),
    }
}

/// Credential sets and the status rotating to (or putting) each gives.
fn cred_cases() -> Vec<(String, sigv4rs_credentials, S)> {
    let g = new_set();
    let mut v = vec![
        ("good".to_string(), g, S::Ok),
        (
            "good, no token, no expiry".into(),
            sigv4rs_credentials {
                session_token: NULL0,
                expiration: 0,
                ..g
            },
            S::Ok,
        ),
    ];
    type Field = fn(&mut sigv4rs_credentials) -> &mut sigv4rs_bytes;
    let fields: [(&str, Field, S, usize); 3] = [
        (
            "access key id",
            |c| &mut c.access_key_id,
            S::InvalidAccessKeyId,
            SIGV4RS_MAX_ACCESS_KEY_ID_LEN,
        ),
        (
            "secret",
            |c| &mut c.secret_access_key,
            S::InvalidSecretKey,
            SIGV4RS_MAX_SECRET_KEY_LEN,
        ),
        (
            "session token",
            |c| &mut c.session_token,
            S::InvalidSessionToken,
            SIGV4RS_MAX_SESSION_TOKEN_LEN,
        ),
    ];
    for (fname, f, bad, max) in fields {
        let mut set = |what: &str, val: sigv4rs_bytes, want: S| {
            let mut c = g;
            *f(&mut c) = val;
            v.push((format!("{fname} {what}"), c, want));
        };
        let empty_ok = fname == "session token";
        set("(NULL, 0)", NULL0, if empty_ok { S::Ok } else { bad });
        set("(non-NULL, 0)", lb(b""), if empty_ok { S::Ok } else { bad });
        set("(NULL, 5)", null_n(5), S::NullArgument);
        for n in HUGE {
            set(&format!("len {n:#x}"), huge(n), S::InvalidArgument);
        }
        set("len PTRDIFF_MAX", huge(isize::MAX as usize), bad);
        for (what, val) in [
            ("with CR", &b"abc\rdef"[..]),
            ("with LF", b"abc\ndef"),
            ("with CRLF", b"abc\r\ndef"),
            ("with NUL", b"abc\0def"),
            ("with space", b"abc def"),
            ("with /", b"abc/def"),
            ("with ,", b"abc,def"),
            ("with DEL", b"abc\x7fdef"),
            ("non-ASCII UTF-8", "abc\u{e9}".as_bytes()),
            ("with 0xFF", b"abc\xff"),
        ] {
            let ok = val.iter().all(|&c| allowed(fname, c));
            set(what, lb(val), if ok { S::Ok } else { bad });
        }
        set("at the maximum length", lb(&vec![b'a'; max]), S::Ok);
        set("one past the maximum length", lb(&vec![b'a'; max + 1]), bad);
    }
    for (e, want) in [
        (-1i64, S::InvalidTime),
        (i64::MIN, S::InvalidTime),
        (SIGV4RS_MAX_UNIX_TIME + 1, S::InvalidTime),
        (i64::MAX, S::InvalidTime),
        (1, S::Ok),
        (T, S::Ok),
        (SIGV4RS_MAX_UNIX_TIME, S::Ok),
    ] {
        v.push((
            format!("expiration {e}"),
            sigv4rs_credentials { expiration: e, ..g },
            want,
        ));
    }
    v
}

// ---------------------------------------------------------------------------
// Signers and what they sign

fn config_with(c: &sigv4rs_credentials) -> sigv4rs_config {
    sigv4rs_config {
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: c.session_token,
        expiration: c.expiration,
        ..good_config()
    }
}

/// `good_config`'s signer expiring at `EXP0`.
fn config0() -> sigv4rs_config {
    sigv4rs_config {
        expiration: EXP0,
        ..good_config()
    }
}

/// A signer without credentials (all three empty).
fn empty_config() -> sigv4rs_config {
    sigv4rs_config {
        access_key_id: NULL0,
        secret_access_key: NULL0,
        session_token: NULL0,
        ..good_config()
    }
}

/// Owns a heap signer or one in (boxed) caller storage.
struct Owned {
    ptr: *mut sigv4rs_signer,
    storage: Option<Box<sigv4rs_signer_storage>>,
}

impl Owned {
    fn heap(cfg: &sigv4rs_config) -> Owned {
        Owned {
            ptr: heap_signer(cfg),
            storage: None,
        }
    }

    fn storage(cfg: &sigv4rs_config) -> Owned {
        let mut st = Box::new(sigv4rs_signer_storage {
            _opaque: [0xA5A5_A5A5_A5A5_A5A5; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
        });
        let mut p = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_init(&mut *st, cfg, &mut p), S::Ok);
        Owned {
            ptr: p,
            storage: Some(st),
        }
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        match &mut self.storage {
            Some(st) => sigv4rs_signer_deinit(&mut **st),
            None => sigv4rs_signer_free(self.ptr),
        }
    }
}

/// What a signer signs now: the status and the headers of `base_request`
/// at `T` (empty unless OK), and its expiration query.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    sign: S,
    out: Vec<u8>,
    expiration: (S, i64),
}

fn seen(s: *const sigv4rs_signer) -> Seen {
    let req = base_request();
    let r = call_out(Out::Cap(BIG), &|o, c, l| {
        sigv4rs_signer_sign_headers(s, &req, T, o, c, l)
    });
    let mut e = -7i64;
    let st = sigv4rs_signer_expiration(s, &mut e);
    Seen {
        sign: r.status,
        out: r.out,
        expiration: (st, e),
    }
}

/// What a fresh signer configured with `c` signs (`None` when `c` cannot
/// configure one).
fn fresh(c: &sigv4rs_credentials) -> Option<Seen> {
    let mut p = std::ptr::null_mut();
    (sigv4rs_signer_new(&config_with(c), &mut p) == S::Ok).then(|| {
        let s = seen(p);
        sigv4rs_signer_free(p);
        s
    })
}

/// After a call on a signer that saw `before`: on OK it must sign as
/// `after_ok` (when given), on failure exactly as before.
fn effect(got: S, before: &Seen, now: &Seen, after_ok: Option<&Seen>) -> Vec<String> {
    if got != S::Ok {
        if now != before {
            return vec![format!("failed with {} but changed the signer: {now:?}", name(got))];
        }
    } else if let Some(w) = after_ok
        && now != w
    {
        return vec![format!("signs {now:?}, a fresh signer with the set {w:?}")];
    }
    vec![]
}

// ---------------------------------------------------------------------------
// Providers driven by a script

#[derive(Clone, Copy)]
enum Step {
    Put(Option<sigv4rs_credentials>),
    PutNullSink,
    Rotate(sigv4rs_credentials),
    RotateJson(sigv4rs_bytes),
}

struct Script {
    signer: *const sigv4rs_signer,
    steps: Vec<Step>,
    got: Vec<S>,
    ret: S,
    calls: usize,
}

impl Script {
    fn new(steps: Vec<Step>, ret: S) -> Box<Script> {
        Box::new(Script {
            signer: std::ptr::null(),
            steps,
            got: vec![],
            ret,
            calls: 0,
        })
    }
}

unsafe extern "C" fn scripted(user: *mut c_void, _t: i64, sink: *mut sigv4rs_credentials_sink) -> S {
    // SAFETY: the tests pass a live `Script` and sign from one thread.
    let s = unsafe { &mut *user.cast::<Script>() };
    s.calls += 1;
    for step in s.steps.clone() {
        let st = match step {
            Step::Put(c) => sigv4rs_credentials_sink_put(sink, c.as_ref().map_or(std::ptr::null(), |c| c)),
            Step::PutNullSink => sigv4rs_credentials_sink_put(std::ptr::null_mut(), &new_set()),
            Step::Rotate(c) => sigv4rs_signer_rotate(s.signer, &c),
            Step::RotateJson(j) => sigv4rs_signer_rotate_json(s.signer, j),
        };
        s.got.push(st);
    }
    s.ret
}

/// A heap signer from `cfg` with `script` as its provider (default
/// margin); the script learns the signer.
fn scripted_signer(cfg: &sigv4rs_config, script: &mut Script) -> Owned {
    let o = Owned::heap(cfg);
    script.signer = o.ptr;
    let user: *mut Script = script;
    assert_eq!(
        sigv4rs_signer_set_provider(o.ptr, Some(scripted), user.cast(), SIGV4RS_DEFAULT_REFRESH_MARGIN),
        S::Ok
    );
    o
}

// ---------------------------------------------------------------------------

fn run_rotate(m: &mut Matrix) {
    let good = new_set();
    // Pointers and uninitialized signers.
    let heap = Owned::heap(&config0());
    let before = seen(heap.ptr);
    m.cell(
        R,
        "signer NULL",
        S::NullArgument,
        sigv4rs_signer_rotate(std::ptr::null(), &good),
        vec![],
    );
    m.cell(
        R,
        "signer NULL, credentials NULL",
        S::NullArgument,
        sigv4rs_signer_rotate(std::ptr::null(), std::ptr::null()),
        vec![],
    );
    let got = sigv4rs_signer_rotate(heap.ptr, std::ptr::null());
    let p = effect(got, &before, &seen(heap.ptr), None);
    m.cell(R, "credentials NULL", S::NullArgument, got, p);
    for (what, s) in [
        ("signer after _deinit", deinit_signer()),
        ("zeroed storage", zeroed_signer()),
    ] {
        m.cell(R, what, S::NotInitialized, sigv4rs_signer_rotate(s, &good), vec![]);
        // Pointers are checked first.
        m.cell(
            R,
            &format!("{what}, credentials NULL"),
            S::NullArgument,
            sigv4rs_signer_rotate(s, std::ptr::null()),
            vec![],
        );
        let p = if seen(s).sign == S::NotInitialized {
            vec![]
        } else {
            vec!["the signer came to life".to_string()]
        };
        m.void_cell(R, &format!("{what}: still not initialized"), p);
    }
    drop(heap);

    // Every credential case, on a heap and a caller-storage signer.
    for (what, c, want) in cred_cases() {
        let after_ok = fresh(&c);
        for (kind, s) in [("", Owned::heap(&config0())), ("storage: ", Owned::storage(&config0()))] {
            let before = seen(s.ptr);
            let got = sigv4rs_signer_rotate(s.ptr, &c);
            let p = effect(got, &before, &seen(s.ptr), after_ok.as_ref());
            m.cell(R, &format!("{kind}{what}"), want, got, p);
        }
    }

    // A signer without credentials gets them.
    let s = Owned::heap(&empty_config());
    let before = seen(s.ptr);
    let got = sigv4rs_signer_rotate(s.ptr, &good);
    let p = effect(got, &before, &seen(s.ptr), fresh(&good).as_ref());
    m.cell(R, "signer without credentials", S::Ok, got, p);

    // BUSY, deterministically: a provider rotating its own signer. The
    // provider's set wins; the rotation had no effect.
    let mut script = Script::new(vec![Step::Rotate(good), Step::Put(Some(good))], S::Ok);
    let s = scripted_signer(&empty_config(), &mut script);
    let now = seen(s.ptr);
    let want_now = fresh(&good).unwrap();
    let mut p = vec![];
    if now != want_now || script.calls != 1 {
        p.push(format!("{} provider calls; then signs {now:?}", script.calls));
    }
    let got = script.got.first().copied().unwrap_or(S::Panic);
    m.cell(R, "from inside the signer's provider", S::Busy, got, p);
    // Once the provider is done, rotation works again.
    let other = creds(b"AKIDOTHER", b"other", b"", 0);
    let got = sigv4rs_signer_rotate(s.ptr, &other);
    let p = effect(got, &now, &seen(s.ptr), fresh(&other).as_ref());
    m.cell(R, "after the provider call", S::Ok, got, p);
}

/// Credential documents (see `src/creds/json.rs` for where each comes from).
const IMDS: &[u8] = br#"{
  "Code" : "Success",
  "LastUpdated" : "2012-04-26T16:39:16Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIAIOSFODNN7EXAMPLE",
  "SecretAccessKey" : "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "Token" : "token",
  "Expiration" : "2017-05-17T15:09:54Z"
}"#;
const ECS: &[u8] = br#"{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","Expiration":"2016-02-25T06:03:31Z","RoleArn":"arn:aws:iam::123456789012:role/task","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","Token":"AQoDYXdzEJr..."}"#;
const IOT: &[u8] = br#"{"credentials":{"accessKeyId":"AKIDIOT","secretAccessKey":"secret access key","sessionToken":"session-token","expiration":"2018-01-18T09:18:06Z"}}"#;

/// `{"AccessKeyId":<akid>,"SecretAccessKey":<secret>[,"Token":<token>]}`
/// from raw JSON string contents (escapes as given).
fn doc(akid: &str, secret: &str, token: Option<&str>) -> Vec<u8> {
    let mut d = format!(r#"{{"AccessKeyId":"{akid}","SecretAccessKey":"{secret}""#);
    if let Some(t) = token {
        d.push_str(&format!(r#","Token":"{t}""#));
    }
    d.push('}');
    d.into_bytes()
}

/// Documents, the status, and (for OK) the set it must rotate to.
fn json_cases() -> Vec<(String, Vec<u8>, S, Option<sigv4rs_credentials>)> {
    let rfc = common::rfc3339;
    let set = |a: &[u8], s: &[u8], t: &[u8], e: i64| Some(creds(a, s, t, e));
    let doc_err = S::InvalidCredentialsDocument;
    let mut v: Vec<(String, Vec<u8>, S, Option<sigv4rs_credentials>)> = vec![
        (
            "IMDS document".into(),
            IMDS.to_vec(),
            S::Ok,
            set(
                b"ASIAIOSFODNN7EXAMPLE",
                b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                b"token",
                rfc("2017-05-17T15:09:54Z"),
            ),
        ),
        (
            "ECS document".into(),
            ECS.to_vec(),
            S::Ok,
            set(
                b"ASIAIOSFODNN7EXAMPLE",
                b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                b"AQoDYXdzEJr...",
                rfc("2016-02-25T06:03:31Z"),
            ),
        ),
        (
            "IoT document".into(),
            IOT.to_vec(),
            S::Ok,
            set(
                b"AKIDIOT",
                b"secret access key",
                b"session-token",
                rfc("2018-01-18T09:18:06Z"),
            ),
        ),
        (
            "no token, no expiration".into(),
            doc("AKID", "s", None),
            S::Ok,
            set(b"AKID", b"s", b"", 0),
        ),
        (
            "token null".into(),
            br#"{"AccessKeyId":"AKID","SecretAccessKey":"s","Token":null}"#.to_vec(),
            S::Ok,
            set(b"AKID", b"s", b"", 0),
        ),
        (
            "Expiration before the signing time (accepted)".into(),
            br#"{"AccessKeyId":"AKID","SecretAccessKey":"s","Expiration":"2015-08-30T00:00:00Z"}"#.to_vec(),
            S::Ok,
            set(b"AKID", b"s", b"", rfc("2015-08-30T00:00:00Z")),
        ),
        (
            "Expiration at the epoch".into(),
            br#"{"AccessKeyId":"AKID","SecretAccessKey":"s","Expiration":"1970-01-01T00:00:00Z"}"#.to_vec(),
            S::InvalidTime,
            None,
        ),
        // Escapes: unescaped for the key id and secret, refused in a token.
        (
            "access key id with \\u escapes".into(),
            doc(r"AKID\u0041\u0042", "s", None),
            S::Ok,
            set(b"AKIDAB", b"s", b"", 0),
        ),
        (
            "secret with \\/ (as some encoders write /)".into(),
            doc("AKID", r"wJal\/K7MDENG\/bPx", None),
            S::Ok,
            set(b"AKID", b"wJal/K7MDENG/bPx", b"", 0),
        ),
        (
            "secret with \\n (any byte is allowed)".into(),
            doc("AKID", r"a\nb", None),
            S::Ok,
            set(b"AKID", b"a\nb", b"", 0),
        ),
        (
            "access key id of 128 \\u escapes".into(),
            doc(&r"\u0041".repeat(128), "s", None),
            S::Ok,
            set(&[b'A'; 128], b"s", b"", 0),
        ),
        (
            "access key id of 129 \\u escapes".into(),
            doc(&r"\u0041".repeat(129), "s", None),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "secret of 129 bytes with an escape".into(),
            doc("AKID", &format!(r"\/{}", "s".repeat(128)), None),
            S::InvalidSecretKey,
            None,
        ),
        (
            "access key id with escaped CR LF".into(),
            doc(r"AKID\r\n", "s", None),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "access key id with \\/".into(),
            doc(r"AK\/ID", "s", None),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "access key id with \\u0000".into(),
            doc(r"AK\u0000ID", "s", None),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "access key id non-ASCII".into(),
            doc("AK\u{e9}ID", "s", None),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "token with escaped CR LF".into(),
            doc("AKID", "s", Some(r"tok\r\nen")),
            S::InvalidSessionToken,
            None,
        ),
        (
            "token with \\/".into(),
            doc("AKID", "s", Some(r"to\/ken")),
            S::InvalidSessionToken,
            None,
        ),
        (
            "token with a space".into(),
            doc("AKID", "s", Some("to ken")),
            S::InvalidSessionToken,
            None,
        ),
        (
            "token at the maximum length".into(),
            doc("AKID", "s", Some(&"t".repeat(SIGV4RS_MAX_SESSION_TOKEN_LEN))),
            S::Ok,
            set(b"AKID", b"s", &vec![b't'; SIGV4RS_MAX_SESSION_TOKEN_LEN], 0),
        ),
        (
            "token one past the maximum length".into(),
            doc("AKID", "s", Some(&"t".repeat(SIGV4RS_MAX_SESSION_TOKEN_LEN + 1))),
            S::InvalidSessionToken,
            None,
        ),
        (
            "access key id of 129 bytes".into(),
            doc(&"A".repeat(129), "s", None),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "secret of 129 bytes".into(),
            doc("AKID", &"s".repeat(129), None),
            S::InvalidSecretKey,
            None,
        ),
    ];
    // Not a credentials document.
    for (what, d) in [
        ("empty", &b""[..]),
        ("whitespace", b"  \n"),
        ("null", b"null"),
        ("an array", b"[]"),
        ("an empty object", b"{}"),
        ("a string", br#""AKID""#),
        ("no access key id", br#"{"SecretAccessKey":"s"}"#),
        ("no secret", br#"{"AccessKeyId":"AKID"}"#),
        ("empty access key id", br#"{"AccessKeyId":"","SecretAccessKey":"s"}"#),
        ("empty secret", br#"{"AccessKeyId":"AKID","SecretAccessKey":""}"#),
        ("access key id a number", br#"{"AccessKeyId":1,"SecretAccessKey":"s"}"#),
        (
            "token a number",
            br#"{"AccessKeyId":"A","SecretAccessKey":"s","Token":7}"#,
        ),
        (
            "access key id twice",
            br#"{"AccessKeyId":"A","accessKeyId":"B","SecretAccessKey":"s"}"#,
        ),
        (
            "Expiration not a date",
            br#"{"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"}"#,
        ),
        (
            "Expiration a number",
            br#"{"AccessKeyId":"A","SecretAccessKey":"s","Expiration":1700000000}"#,
        ),
        (
            "IMDS Code Failure",
            br#"{"Code":"Failure","AccessKeyId":"A","SecretAccessKey":"s"}"#,
        ),
        ("Version 2", br#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"}"#),
        ("trailing garbage", br#"{"AccessKeyId":"A","SecretAccessKey":"s"}x"#),
        ("two documents", br#"{"AccessKeyId":"A","SecretAccessKey":"s"}{}"#),
        (
            "raw CR in a string",
            b"{\"AccessKeyId\":\"A\r\",\"SecretAccessKey\":\"s\"}",
        ),
        (
            "raw LF in a string",
            b"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\n\"}",
        ),
        (
            "raw NUL in a string",
            b"{\"AccessKeyId\":\"A\0\",\"SecretAccessKey\":\"s\"}",
        ),
        (
            "invalid UTF-8",
            b"{\"AccessKeyId\":\"A\xff\",\"SecretAccessKey\":\"s\"}",
        ),
        ("bad escape", br#"{"AccessKeyId":"A\q","SecretAccessKey":"s"}"#),
        ("single quotes", b"{'AccessKeyId':'A','SecretAccessKey':'s'}"),
        ("trailing comma", br#"{"AccessKeyId":"A","SecretAccessKey":"s",}"#),
        (
            "a NUL after the document",
            b"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}\0",
        ),
    ] {
        v.push((format!("document {what}"), d.to_vec(), doc_err, None));
    }
    let deep = [
        &b"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"x\":"[..],
        &b"[".repeat(100_000),
        &b"]".repeat(100_000),
        b"}",
    ]
    .concat();
    v.push(("document nested 100,000 deep".into(), deep, doc_err, None));
    // Truncated at every offset of a real document.
    for n in 0..IMDS.len() {
        v.push((format!("IMDS document, cap {n}"), IMDS[..n].to_vec(), doc_err, None));
    }
    for n in 0..IOT.len() {
        v.push((format!("IoT document, cap {n}"), IOT[..n].to_vec(), doc_err, None));
    }
    v
}

/// An S3 CreateSession response (the API reference's shape).
const CREATE_SESSION: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<CreateSessionResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Credentials><AccessKeyId>ASIAEXPRESS</AccessKeyId><Expiration>2015-08-30T13:36:00Z</Expiration><SecretAccessKey>express/secret+key</SecretAccessKey><SessionToken>EXPRESSTOKEN==</SessionToken></Credentials></CreateSessionResult>"#;

/// `CreateSessionResult` with the four fields given raw (None: absent).
fn cs_doc(akid: Option<&str>, secret: Option<&str>, token: Option<&str>, exp: Option<&str>) -> Vec<u8> {
    let mut d = String::from("<CreateSessionResult><Credentials>");
    for (n, v) in [
        ("AccessKeyId", akid),
        ("SecretAccessKey", secret),
        ("SessionToken", token),
        ("Expiration", exp),
    ] {
        if let Some(v) = v {
            d.push_str(&format!("<{n}>{v}</{n}>"));
        }
    }
    d.push_str("</Credentials></CreateSessionResult>");
    d.into_bytes()
}

/// Documents for `_rotate_xml`, the status each gives and the set it holds.
fn xml_cases() -> Vec<(String, Vec<u8>, S, Option<sigv4rs_credentials>)> {
    let rfc = common::rfc3339;
    let set = |a: &[u8], s: &[u8], t: &[u8], e: i64| Some(creds(a, s, t, e));
    let doc_err = S::InvalidCredentialsDocument;
    let e = Some("2015-08-30T13:36:00Z");
    let t1 = rfc("2015-08-30T13:36:00Z");
    let mut v: Vec<(String, Vec<u8>, S, Option<sigv4rs_credentials>)> = vec![
        (
            "CreateSession response".into(),
            CREATE_SESSION.to_vec(),
            S::Ok,
            set(b"ASIAEXPRESS", b"express/secret+key", b"EXPRESSTOKEN==", t1),
        ),
        (
            "STS AssumeRole response".into(),
            b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIASTS</AccessKeyId>\
<SecretAccessKey>sts-secret</SecretAccessKey><SessionToken>STSTOKEN</SessionToken>\
<Expiration>2015-08-30T13:36:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
                .to_vec(),
            S::Ok,
            set(b"ASIASTS", b"sts-secret", b"STSTOKEN", t1),
        ),
        (
            "secret with references".into(),
            cs_doc(Some("AKID"), Some("a&amp;b&#x2F;c"), Some("T"), e),
            S::Ok,
            set(b"AKID", b"a&b/c", b"T", t1),
        ),
        ("empty document".into(), vec![], doc_err, None),
        ("JSON, not XML".into(), IMDS.to_vec(), doc_err, None),
        (
            "S3 error document".into(),
            b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>".to_vec(),
            doc_err,
            None,
        ),
        (
            "STS ErrorResponse".into(),
            b"<ErrorResponse><Error><Code>ExpiredToken</Code></Error></ErrorResponse>".to_vec(),
            doc_err,
            None,
        ),
        (
            "CreateSessionResult not the root".into(),
            [b"<a>".as_slice(), &cs_doc(Some("A"), Some("s"), Some("T"), e), b"</a>"].concat(),
            doc_err,
            None,
        ),
        (
            "DOCTYPE".into(),
            [b"<!DOCTYPE x>".as_slice(), &cs_doc(Some("A"), Some("s"), Some("T"), e)].concat(),
            doc_err,
            None,
        ),
        (
            "no AccessKeyId".into(),
            cs_doc(None, Some("s"), Some("T"), e),
            doc_err,
            None,
        ),
        (
            "no SecretAccessKey".into(),
            cs_doc(Some("A"), None, Some("T"), e),
            doc_err,
            None,
        ),
        (
            "no SessionToken".into(),
            cs_doc(Some("A"), Some("s"), None, e),
            doc_err,
            None,
        ),
        (
            "no Expiration".into(),
            cs_doc(Some("A"), Some("s"), Some("T"), None),
            doc_err,
            None,
        ),
        (
            "empty SessionToken".into(),
            cs_doc(Some("A"), Some("s"), Some(""), e),
            doc_err,
            None,
        ),
        (
            "Expiration not RFC 3339".into(),
            cs_doc(Some("A"), Some("s"), Some("T"), Some("tomorrow")),
            doc_err,
            None,
        ),
        (
            "Expiration at the epoch".into(),
            cs_doc(Some("A"), Some("s"), Some("T"), Some("1970-01-01T00:00:00Z")),
            S::InvalidTime,
            None,
        ),
        (
            "Expiration before the signing time".into(),
            cs_doc(Some("A"), Some("s"), Some("T"), Some("2015-08-30T12:00:00Z")),
            S::Ok,
            None,
        ),
        (
            "access key id with a space".into(),
            cs_doc(Some("AK ID"), Some("s"), Some("T"), e),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "access key id with CR LF".into(),
            cs_doc(Some("AK&#13;&#10;ID"), Some("s"), Some("T"), e),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "access key id over the maximum once decoded".into(),
            cs_doc(Some(&"&#65;".repeat(129)), Some("s"), Some("T"), e),
            S::InvalidAccessKeyId,
            None,
        ),
        (
            "secret over the maximum".into(),
            cs_doc(Some("A"), Some(&"s".repeat(129)), Some("T"), e),
            S::InvalidSecretKey,
            None,
        ),
        (
            "token with a reference".into(),
            cs_doc(Some("A"), Some("s"), Some("T&amp;U"), e),
            S::InvalidSessionToken,
            None,
        ),
        (
            "token with a NUL reference".into(),
            cs_doc(Some("A"), Some("s"), Some("T&#0;"), e),
            doc_err,
            None,
        ),
        (
            "token with a space".into(),
            cs_doc(Some("A"), Some("s"), Some("T U"), e),
            S::InvalidSessionToken,
            None,
        ),
        (
            "credentials twice".into(),
            b"<CreateSessionResult><Credentials/><Credentials/></CreateSessionResult>".to_vec(),
            doc_err,
            None,
        ),
        (
            "invalid UTF-8".into(),
            cs_doc(Some("A\u{fffd}"), Some("s"), Some("T"), e)
                .into_iter()
                .map(|c| if c == 0xbd { 0xff } else { c })
                .collect(),
            doc_err,
            None,
        ),
    ];
    let deep = ["<a>".repeat(100_000), "</a>".repeat(100_000)].concat().into_bytes();
    v.push(("nested 100,000 deep".into(), deep, doc_err, None));
    for n in 0..CREATE_SESSION.len() {
        v.push((
            format!("CreateSession response, cap {n}"),
            CREATE_SESSION[..n].to_vec(),
            doc_err,
            None,
        ));
    }
    v
}

fn run_rotate_xml(m: &mut Matrix) {
    let heap = Owned::heap(&config0());
    let before = seen(heap.ptr);
    let d = lb(CREATE_SESSION);
    m.cell(
        X,
        "signer NULL",
        S::NullArgument,
        sigv4rs_signer_rotate_xml(std::ptr::null(), d),
        vec![],
    );
    let got = sigv4rs_signer_rotate_xml(heap.ptr, null_n(5));
    let p = effect(got, &before, &seen(heap.ptr), None);
    m.cell(X, "xml (NULL, 5)", S::NullArgument, got, p);
    let got = sigv4rs_signer_rotate_xml(heap.ptr, NULL0);
    let p = effect(got, &before, &seen(heap.ptr), None);
    m.cell(X, "xml (NULL, 0)", S::InvalidCredentialsDocument, got, p);
    for n in HUGE {
        let got = sigv4rs_signer_rotate_xml(heap.ptr, huge(n));
        let p = effect(got, &before, &seen(heap.ptr), None);
        m.cell(X, &format!("xml len {n:#x}"), S::InvalidArgument, got, p);
    }
    for (what, s) in [
        ("signer after _deinit", deinit_signer()),
        ("zeroed storage", zeroed_signer()),
    ] {
        m.cell(X, what, S::NotInitialized, sigv4rs_signer_rotate_xml(s, d), vec![]);
        m.cell(
            X,
            &format!("{what}, xml (NULL, 5)"),
            S::NullArgument,
            sigv4rs_signer_rotate_xml(s, null_n(5)),
            vec![],
        );
    }
    drop(heap);

    for (what, d, want, set) in xml_cases() {
        let after_ok = set.as_ref().and_then(fresh);
        if want == S::Ok && set.is_some() && after_ok.is_none() {
            m.fail(X, &what, "the expected set does not configure a signer");
        }
        for (kind, s) in [("", Owned::heap(&config0())), ("storage: ", Owned::storage(&config0()))] {
            let before = seen(s.ptr);
            let got = sigv4rs_signer_rotate_xml(s.ptr, b(&d));
            let now = seen(s.ptr);
            let mut p = effect(got, &before, &now, after_ok.as_ref());
            if got == S::Ok && what.starts_with("Expiration before") && now.sign != S::CredentialsExpired {
                p.push(format!("then signs with {}", name(now.sign)));
            }
            m.cell(X, &format!("{kind}{what}"), want, got, p);
        }
    }
}

fn run_rotate_json(m: &mut Matrix) {
    let heap = Owned::heap(&config0());
    let before = seen(heap.ptr);
    let d = lb(IMDS);
    m.cell(
        J,
        "signer NULL",
        S::NullArgument,
        sigv4rs_signer_rotate_json(std::ptr::null(), d),
        vec![],
    );
    let got = sigv4rs_signer_rotate_json(heap.ptr, null_n(5));
    let p = effect(got, &before, &seen(heap.ptr), None);
    m.cell(J, "json (NULL, 5)", S::NullArgument, got, p);
    let got = sigv4rs_signer_rotate_json(heap.ptr, NULL0);
    let p = effect(got, &before, &seen(heap.ptr), None);
    m.cell(J, "json (NULL, 0)", S::InvalidCredentialsDocument, got, p);
    for n in HUGE {
        let got = sigv4rs_signer_rotate_json(heap.ptr, huge(n));
        let p = effect(got, &before, &seen(heap.ptr), None);
        m.cell(J, &format!("json len {n:#x}"), S::InvalidArgument, got, p);
    }
    for (what, s) in [
        ("signer after _deinit", deinit_signer()),
        ("zeroed storage", zeroed_signer()),
    ] {
        m.cell(J, what, S::NotInitialized, sigv4rs_signer_rotate_json(s, d), vec![]);
        m.cell(
            J,
            &format!("{what}, json (NULL, 5)"),
            S::NullArgument,
            sigv4rs_signer_rotate_json(s, null_n(5)),
            vec![],
        );
    }
    drop(heap);

    for (what, d, want, set) in json_cases() {
        let after_ok = set.as_ref().and_then(fresh);
        if want == S::Ok && after_ok.is_none() {
            m.fail(J, &what, "the expected set does not configure a signer");
        }
        for (kind, s) in [("", Owned::heap(&config0())), ("storage: ", Owned::storage(&config0()))] {
            let before = seen(s.ptr);
            let got = sigv4rs_signer_rotate_json(s.ptr, b(&d));
            let now = seen(s.ptr);
            let mut p = effect(got, &before, &now, after_ok.as_ref());
            if got == S::Ok && what.starts_with("Expiration before") && now.sign != S::CredentialsExpired {
                p.push(format!("then signs with {}", name(now.sign)));
            }
            m.cell(J, &format!("{kind}{what}"), want, got, p);
        }
    }

    // BUSY from inside the signer's provider; the provider's put wins.
    let good = new_set();
    let mut script = Script::new(vec![Step::RotateJson(lb(IMDS)), Step::Put(Some(good))], S::Ok);
    let s = scripted_signer(&empty_config(), &mut script);
    let now = seen(s.ptr);
    let p = if now == fresh(&good).unwrap() {
        vec![]
    } else {
        vec![format!("signs {now:?}")]
    };
    let got = script.got.first().copied().unwrap_or(S::Panic);
    m.cell(J, "from inside the signer's provider", S::Busy, got, p);
}

fn run_sink_put(m: &mut Matrix) {
    let good = new_set();
    m.cell(
        P,
        "sink NULL (outside a provider call)",
        S::NullArgument,
        sigv4rs_credentials_sink_put(std::ptr::null_mut(), &good),
        vec![],
    );
    m.cell(
        P,
        "sink NULL, credentials NULL",
        S::NullArgument,
        sigv4rs_credentials_sink_put(std::ptr::null_mut(), std::ptr::null()),
        vec![],
    );
    // Inside a provider call of a signer without credentials: what was put
    // is what it signs with; after a refused put it has none.
    let missing = missing_like();
    let mut run = |what: &str, steps: Vec<Step>, wants: &[S], then: &Seen| {
        let mut script = Script::new(steps, S::Ok);
        let s = scripted_signer(&empty_config(), &mut script);
        let now = seen(s.ptr);
        let mut p = vec![];
        if &now != then {
            p.push(format!("then signs {now:?}, want {then:?}"));
        }
        if script.calls != 1 {
            p.push(format!("{} provider calls", script.calls));
        }
        for (i, want) in wants.iter().enumerate() {
            let got = script.got.get(i).copied().unwrap_or(S::Panic);
            let label = if i + 1 == wants.len() {
                what.to_string()
            } else {
                format!("{what} (put {i})")
            };
            m.cell(P, &label, *want, got, std::mem::take(&mut p));
        }
    };
    run(
        "inside a provider: sink NULL",
        vec![Step::PutNullSink],
        &[S::NullArgument],
        &missing,
    );
    run(
        "inside a provider: credentials NULL",
        vec![Step::Put(None)],
        &[S::NullArgument],
        &missing,
    );
    for (what, c, want) in cred_cases() {
        let then = if want == S::Ok {
            fresh(&c).unwrap()
        } else {
            missing_like()
        };
        run(
            &format!("inside a provider: {what}"),
            vec![Step::Put(Some(c))],
            &[want],
            &then,
        );
    }
    let other = creds(b"AKIDOTHER", b"other", b"", 0);
    run(
        "inside a provider: a second put replaces the first",
        vec![Step::Put(Some(good)), Step::Put(Some(other))],
        &[S::Ok, S::Ok],
        &fresh(&other).unwrap(),
    );
}

fn missing_like() -> Seen {
    Seen {
        sign: S::MissingCredentials,
        out: vec![],
        expiration: (S::MissingCredentials, -7),
    }
}

unsafe extern "C" fn never_called(user: *mut c_void, _t: i64, _sink: *mut sigv4rs_credentials_sink) -> S {
    if !user.is_null() {
        // SAFETY: the tests pass a live `usize` counter.
        unsafe { *user.cast::<usize>() += 1 };
    }
    S::InvalidArgument
}

fn run_set_provider(m: &mut Matrix) {
    let mut calls = 0usize;
    let user: *mut usize = &mut calls;
    let f: sigv4rs_provider_fn = Some(never_called);
    let margin = SIGV4RS_DEFAULT_REFRESH_MARGIN;
    m.cell(
        SP,
        "signer NULL",
        S::NullArgument,
        sigv4rs_signer_set_provider(std::ptr::null_mut(), f, user.cast(), margin),
        vec![],
    );
    m.cell(
        SP,
        "signer NULL, provider NULL",
        S::NullArgument,
        sigv4rs_signer_set_provider(std::ptr::null_mut(), None, std::ptr::null_mut(), 0),
        vec![],
    );
    for (what, s) in [
        ("signer after _deinit", deinit_signer()),
        ("zeroed storage", zeroed_signer()),
    ] {
        m.cell(
            SP,
            what,
            S::NotInitialized,
            sigv4rs_signer_set_provider(s, f, user.cast(), margin),
            vec![],
        );
        let p = if seen(s).sign == S::NotInitialized {
            vec![]
        } else {
            vec!["the signer came to life".to_string()]
        };
        m.void_cell(SP, &format!("{what}: still not initialized"), p);
    }
    // Accepted: any margin, NULL user data, NULL provider (none / removed).
    for (what, mg) in [
        ("margin 0", 0u32),
        ("default margin", margin),
        ("margin u32::MAX", u32::MAX),
    ] {
        let s = Owned::heap(&config0());
        m.cell(
            SP,
            what,
            S::Ok,
            sigv4rs_signer_set_provider(s.ptr, f, user.cast(), mg),
            vec![],
        );
    }
    let s = Owned::heap(&config0());
    m.cell(
        SP,
        "user NULL",
        S::Ok,
        sigv4rs_signer_set_provider(s.ptr, f, std::ptr::null_mut(), margin),
        vec![],
    );
    let s = Owned::heap(&empty_config());
    m.cell(
        SP,
        "provider NULL (none set)",
        S::Ok,
        sigv4rs_signer_set_provider(s.ptr, None, std::ptr::null_mut(), margin),
        vec![],
    );
    // Set, then removed with NULL: a signer without credentials no longer
    // asks it (MISSING_CREDENTIALS, no call).
    let s = Owned::heap(&empty_config());
    assert_eq!(sigv4rs_signer_set_provider(s.ptr, f, user.cast(), margin), S::Ok);
    let got = sigv4rs_signer_set_provider(s.ptr, None, user.cast(), margin);
    calls = 0;
    let now = seen(s.ptr);
    let p = if now.sign == S::MissingCredentials && calls == 0 {
        vec![]
    } else {
        vec![format!("after removal: {} and {calls} provider calls", name(now.sign))]
    };
    m.cell(SP, "provider NULL removes a provider", S::Ok, got, p);
    // Without the removal the same signer asks it once (the control).
    let s = Owned::heap(&empty_config());
    assert_eq!(sigv4rs_signer_set_provider(s.ptr, f, user.cast(), margin), S::Ok);
    calls = 0;
    let now = seen(s.ptr);
    if now.sign != S::MissingCredentials || calls != 1 {
        m.fail(SP, "control", &format!("{} and {calls} provider calls", name(now.sign)));
    }
}

fn run_expiration(m: &mut Matrix) {
    let call = |s: *const sigv4rs_signer, out_null: bool| {
        let mut e = -7i64;
        let st = sigv4rs_signer_expiration(s, if out_null { std::ptr::null_mut() } else { &mut e });
        (st, e)
    };
    let cell = |m: &mut Matrix, what: &str, s: *const sigv4rs_signer, out_null: bool, want: S, value: i64| {
        let (st, e) = call(s, out_null);
        let p = match st {
            S::Ok if e != value => vec![format!("*out {e}, want {value}")],
            S::Ok => vec![],
            _ if e != -7 => vec![format!("*out written ({e}) on {}", name(st))],
            _ => vec![],
        };
        m.cell(E, what, want, st, p);
    };
    let heap = Owned::heap(&config0());
    cell(m, "signer NULL", std::ptr::null(), false, S::NullArgument, 0);
    cell(m, "signer NULL, out NULL", std::ptr::null(), true, S::NullArgument, 0);
    cell(m, "out NULL", heap.ptr, true, S::NullArgument, 0);
    cell(m, "signer after _deinit", deinit_signer(), false, S::NotInitialized, 0);
    cell(m, "zeroed storage", zeroed_signer(), false, S::NotInitialized, 0);
    cell(m, "expiring", heap.ptr, false, S::Ok, EXP0);
    let storage = Owned::storage(&config0());
    cell(m, "storage: expiring", storage.ptr, false, S::Ok, EXP0);
    let plain = Owned::heap(&good_config());
    cell(m, "not expiring", plain.ptr, false, S::Ok, 0);
    let none = Owned::heap(&empty_config());
    cell(m, "no credentials", none.ptr, false, S::MissingCredentials, 0);
    let none = Owned::storage(&empty_config());
    cell(m, "storage: no credentials", none.ptr, false, S::MissingCredentials, 0);
    // Expired credentials still have their expiration.
    let old = Owned::heap(&sigv4rs_config {
        expiration: T - 1,
        ..good_config()
    });
    cell(m, "expired", old.ptr, false, S::Ok, T - 1);
    // Follows rotations: to an expiring set, to one that does not expire,
    // and through a JSON document.
    assert_eq!(sigv4rs_signer_rotate(plain.ptr, &new_set()), S::Ok);
    cell(m, "after a rotation", plain.ptr, false, S::Ok, T + 7200);
    assert_eq!(sigv4rs_signer_rotate(plain.ptr, &creds(b"AK", b"s", b"", 0)), S::Ok);
    cell(
        m,
        "after a rotation to a set that does not expire",
        plain.ptr,
        false,
        S::Ok,
        0,
    );
    assert_eq!(sigv4rs_signer_rotate_json(plain.ptr, lb(IOT)), S::Ok);
    cell(
        m,
        "after rotate_json (IoT)",
        plain.ptr,
        false,
        S::Ok,
        common::rfc3339("2018-01-18T09:18:06Z"),
    );
}
