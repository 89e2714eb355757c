//! Bad input, `signer` family: `sigv4rs_signer_new`, `_init`, `_deinit`,
//! `_free` and `_new_from_env` (see `tests/common/matrix.rs`).

mod common;

use common::b;
use common::matrix::*;
use common::requests::base_request;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

family!("signer", |m| {
    run_config(m);
    run_env(m);
});

/// The bytes each field may hold, as the header documents its status: the
/// secret any; the access key id visible ASCII but `/` and `,`; the token
/// visible ASCII; region and service `A-Za-z0-9-_.`.
fn allowed(field: &str, c: u8) -> bool {
    match field {
        "secret" => true,
        "access key id" => c.is_ascii_graphic() && c != b'/' && c != b',',
        "session token" => c.is_ascii_graphic(),
        _ => c.is_ascii_alphanumeric() || b"-_.".contains(&c),
    }
}

fn config_cases() -> Vec<(String, Option<sigv4rs_config>, S)> {
    let g = good_config();
    let mut v: Vec<(String, Option<sigv4rs_config>, S)> = vec![
        ("good".into(), Some(g), S::Ok),
        ("config NULL".into(), None, S::NullArgument),
    ];
    type Field = fn(&mut sigv4rs_config) -> &mut sigv4rs_bytes;
    let fields: [(&str, Field, S); 5] = [
        ("access key id", |c| &mut c.access_key_id, S::InvalidAccessKeyId),
        ("secret", |c| &mut c.secret_access_key, S::InvalidSecretKey),
        ("session token", |c| &mut c.session_token, S::InvalidSessionToken),
        ("region", |c| &mut c.region, S::InvalidRegion),
        ("service", |c| &mut c.service, S::InvalidService),
    ];
    for (fname, f, bad) in fields {
        let mut set = |what: &str, val: sigv4rs_bytes, want: S| {
            let mut c = g;
            *f(&mut c) = val;
            v.push((format!("{fname} {what}"), Some(c), want));
        };
        let empty_ok = fname == "session token";
        set("(NULL, 0)", NULL0, if empty_ok { S::Ok } else { bad });
        set("(non-NULL, 0)", lb(b""), if empty_ok { S::Ok } else { bad });
        set("(NULL, 5)", null_n(5), S::NullArgument);
        for n in HUGE {
            set(&format!("len {n:#x}"), huge(n), S::InvalidArgument);
        }
        // A length no input can have is refused before a byte is read.
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
            ("invalid UTF-8", b"abc\xff"),
        ] {
            let ok = val.iter().all(|&c| allowed(fname, c));
            set(what, lb(val), if ok { S::Ok } else { bad });
        }
        let max = match fname {
            "access key id" => SIGV4RS_MAX_ACCESS_KEY_ID_LEN,
            "secret" => SIGV4RS_MAX_SECRET_KEY_LEN,
            "session token" => SIGV4RS_MAX_SESSION_TOKEN_LEN,
            "region" => SIGV4RS_MAX_REGION_LEN,
            _ => SIGV4RS_MAX_SERVICE_LEN,
        };
        set("at the maximum length", lb(&vec![b'a'; max]), S::Ok);
        set("one past the maximum length", lb(&vec![b'a'; max + 1]), bad);
    }
    // SigV4a: the region is a region set.
    for (what, set, want) in [
        ("one region", &b"us-east-1"[..], S::Ok),
        ("two regions", b"us-east-1,us-west-2", S::Ok),
        ("*", b"*", S::Ok),
        ("wildcard name", b"us-*", S::Ok),
        ("at the maximum length", &[b'a'; SIGV4RS_MAX_REGION_LEN], S::Ok),
        ("empty", b"", S::InvalidRegionSet),
        ("leading comma", b",us-east-1", S::InvalidRegionSet),
        ("trailing comma", b"us-east-1,", S::InvalidRegionSet),
        ("empty name", b"us-east-1,,us-west-2", S::InvalidRegionSet),
        ("space after comma", b"us-east-1, us-west-2", S::InvalidRegionSet),
        ("with CR", b"us-east-1\r", S::InvalidRegionSet),
        ("with /", b"us/east", S::InvalidRegionSet),
        ("non-ASCII UTF-8", "r\u{e9}gion".as_bytes(), S::InvalidRegionSet),
        (
            "one past the maximum length",
            &[b'a'; SIGV4RS_MAX_REGION_LEN + 1],
            S::InvalidRegionSet,
        ),
    ] {
        v.push((
            format!("sigv4a region set {what}"),
            Some(sigv4rs_config {
                flags: SIGV4RS_FLAG_SIGV4A,
                region: lb(set),
                ..g
            }),
            want,
        ));
    }
    // S3 Express is signed with SigV4 only: with SigV4a it is refused.
    v.push((
        "S3EXPRESS | SIGV4A".into(),
        Some(sigv4rs_config {
            flags: SIGV4RS_FLAG_S3EXPRESS | SIGV4RS_FLAG_SIGV4A,
            session_token: lb(b"SESSIONTOKEN"),
            ..g
        }),
        S::InvalidArgument,
    ));
    for flags in [1u32 << 7, 1 << 20, 1 << 31, u32::MAX] {
        v.push((
            format!("flags {flags:#x}"),
            Some(sigv4rs_config { flags, ..g }),
            S::InvalidArgument,
        ));
    }
    // S3 Express signs with a CreateSession token: none is refused, unless
    // no credentials at all (a provider or rotation brings them).
    let express = SIGV4RS_FLAG_S3EXPRESS;
    for (what, token, want) in [
        ("with a token", lb(b"SESSIONTOKEN"), S::Ok),
        ("token (NULL, 0)", NULL0, S::InvalidSessionToken),
        ("token (non-NULL, 0)", lb(b""), S::InvalidSessionToken),
    ] {
        v.push((
            format!("S3EXPRESS {what}"),
            Some(sigv4rs_config {
                flags: express,
                session_token: token,
                ..g
            }),
            want,
        ));
    }
    v.push((
        "S3EXPRESS without credentials".into(),
        Some(sigv4rs_config {
            flags: express | SIGV4RS_FLAG_S3,
            access_key_id: NULL0,
            secret_access_key: NULL0,
            session_token: NULL0,
            ..g
        }),
        S::Ok,
    ));
    let names = |n: Vec<sigv4rs_bytes>| -> (*const sigv4rs_bytes, usize) {
        let n: &'static [sigv4rs_bytes] = Box::leak(n.into_boxed_slice());
        (n.as_ptr(), n.len())
    };
    let mut un = |what: &str, list: Vec<sigv4rs_bytes>, want: S| {
        let (p, n) = names(list);
        v.push((
            format!("unsigned headers: {what}"),
            Some(sigv4rs_config {
                unsigned_headers: p,
                unsigned_headers_len: n,
                expiration: 0,
                ..g
            }),
            want,
        ));
    };
    un("one valid", vec![lb(b"X-Skip")], S::Ok);
    un("name (NULL, 0)", vec![NULL0], S::InvalidUnsignedHeader);
    un("name (NULL, 3)", vec![null_n(3)], S::NullArgument);
    for n in HUGE {
        un(&format!("name len {n:#x}"), vec![huge(n)], S::InvalidArgument);
    }
    for (what, bad) in [
        ("space", &b"x a"[..]),
        ("colon", b"x:a"),
        ("CR", b"x\r"),
        ("LF", b"x\n"),
        ("NUL", b"x\0"),
        ("invalid UTF-8", b"x\xff"),
    ] {
        un(&format!("name with {what}"), vec![lb(bad)], S::InvalidUnsignedHeader);
    }
    un(
        "second name bad",
        vec![lb(b"x-first"), lb(b"x second")],
        S::InvalidUnsignedHeader,
    );
    un("names filling 256 bytes", vec![lb(&[b'a'; 255])], S::Ok);
    un(
        "one name of 300 bytes",
        vec![lb(&[b'a'; 300])],
        S::InvalidUnsignedHeader,
    );
    un(
        "names over 256 bytes",
        vec![lb(&[b'a'; 200]), lb(&[b'b'; 60])],
        S::InvalidUnsignedHeader,
    );
    un(
        "257 names",
        (0..257).map(|_| lb(b"a")).collect(),
        S::InvalidUnsignedHeader,
    );
    v.push((
        "unsigned headers (NULL, 1)".into(),
        Some(sigv4rs_config {
            unsigned_headers: std::ptr::null(),
            unsigned_headers_len: 1,
            expiration: 0,
            ..g
        }),
        S::NullArgument,
    ));
    for n in HUGE {
        v.push((
            format!("unsigned headers count {n:#x}"),
            Some(sigv4rs_config {
                unsigned_headers: std::ptr::dangling(),
                unsigned_headers_len: n,
                expiration: 0,
                ..g
            }),
            S::InvalidArgument,
        ));
    }
    v
}

fn run_config(m: &mut Matrix) {
    const N: &str = "sigv4rs_signer_new";
    const I: &str = "sigv4rs_signer_init";
    let dangling = std::ptr::dangling_mut::<sigv4rs_signer>();
    let mut not_zeroed = Vec::new();
    for (what, cfg, want) in config_cases() {
        let cp: *const sigv4rs_config = cfg.as_ref().map_or(std::ptr::null(), |c| c);
        // Heap.
        let mut out = dangling;
        let got = sigv4rs_signer_new(cp, &mut out);
        let mut problems = vec![];
        if got != S::Ok && out != dangling {
            problems.push("*out written on error".into());
        }
        if got == S::Ok {
            sigv4rs_signer_free(out);
        }
        m.cell(N, &what, want, got, problems);
        // Caller storage holding garbage, then the same after a live signer.
        for prior in ["garbage", "a live signer"] {
            let mut st = Box::new(sigv4rs_signer_storage {
                _opaque: [0xFFFF_FFFF_FFFF_FFFF; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
            });
            if prior == "a live signer" {
                let mut p = std::ptr::null_mut();
                assert_eq!(sigv4rs_signer_init(&mut *st, &good_config(), &mut p), S::Ok);
            }
            let mut out = dangling;
            let got = sigv4rs_signer_init(&mut *st, cp, &mut out);
            let mut problems = vec![];
            if got == S::Ok {
                if out != (&mut *st as *mut sigv4rs_signer_storage).cast() {
                    problems.push("*out does not point at the storage".into());
                }
            } else {
                if out != dangling {
                    problems.push("*out written on error".into());
                }
                // Documented: "on error the storage is left zeroed".
                if st._opaque.iter().any(|&w| w != 0) && prior == "garbage" {
                    not_zeroed.push(what.clone());
                }
            }
            m.cell(I, &format!("{what} (storage held {prior})"), want, got, problems);
            sigv4rs_signer_deinit(&mut *st);
            let zero = st._opaque.iter().all(|&w| w == 0);
            m.void_cell(
                "sigv4rs_signer_deinit",
                "after each _init case",
                if zero {
                    vec![]
                } else {
                    vec![format!("storage not zeroed after {what}")]
                },
            );
        }
    }
    let g = good_config();
    let mut out = dangling;
    m.cell(
        N,
        "out NULL",
        S::NullArgument,
        sigv4rs_signer_new(&g, std::ptr::null_mut()),
        vec![],
    );
    let mut st = Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    });
    m.cell(
        I,
        "storage NULL",
        S::NullArgument,
        sigv4rs_signer_init(std::ptr::null_mut(), &g, &mut out),
        vec![],
    );
    st._opaque = [0xFF; SIGV4RS_SIGNER_STORAGE_SIZE / 8];
    m.cell(
        I,
        "out NULL",
        S::NullArgument,
        sigv4rs_signer_init(&mut *st, &g, std::ptr::null_mut()),
        vec![],
    );
    if st._opaque.iter().any(|&w| w != 0) {
        not_zeroed.push("out NULL".into());
    }
    st._opaque = [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8];
    if !not_zeroed.is_empty() {
        m.fail(
            I,
            "errors found before the storage is wiped",
            &format!(
                "storage not left zeroed (its doc: \"on error the storage is left zeroed\"; a signer it held stays live) \
                 in {} cases: {}",
                not_zeroed.len(),
                not_zeroed.join("; ")
            ),
        );
    }
    let mut raw = vec![0u64; 642];
    for off in 1..8 {
        let mis = (raw.as_mut_ptr() as *mut u8)
            .wrapping_add(off)
            .cast::<sigv4rs_signer_storage>();
        let got = sigv4rs_signer_init(mis, &g, &mut out);
        let problems = if raw.iter().any(|&w| w != 0) {
            vec!["misaligned storage written".to_string()]
        } else {
            vec![]
        };
        m.cell(
            I,
            &format!("storage misaligned by {off}"),
            S::InvalidArgument,
            got,
            problems,
        );
    }
    if out != dangling {
        m.fail(I, "errors", "*out written");
    }
    // Deinit, re-init, deinit again: fine; NULL is a no-op.
    sigv4rs_signer_deinit(&mut *st);
    sigv4rs_signer_deinit(&mut *st);
    let zero = st._opaque.iter().all(|&w| w == 0);
    m.void_cell(
        "sigv4rs_signer_deinit",
        "twice",
        if zero { vec![] } else { vec!["not zero".into()] },
    );
    sigv4rs_signer_deinit(std::ptr::null_mut());
    m.void_cell("sigv4rs_signer_deinit", "NULL", vec![]);
    m.cell(
        I,
        "re-init after _deinit",
        S::Ok,
        sigv4rs_signer_init(&mut *st, &g, &mut out),
        vec![],
    );
    // A signer that has signed lives in the storage (its secret is there)
    // until _deinit, which leaves none of it.
    let req = base_request();
    let signed = call_out(Out::Cap(4096), &|o, c, l| {
        sigv4rs_signer_sign_headers(out, &req, T, o, c, l)
    });
    let secret = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let held = as_bytes(&*st).windows(secret.len()).any(|w| w == secret);
    sigv4rs_signer_deinit(&mut *st);
    let mut problems = signed.problems;
    if signed.status != S::Ok {
        problems.push(format!("signing through it: {}", name(signed.status)));
    }
    if !held {
        problems.push("the storage did not hold the secret before _deinit".into());
    }
    if st._opaque.iter().any(|&w| w != 0) {
        problems.push("storage not zeroed".into());
    }
    m.void_cell("sigv4rs_signer_deinit", "after signing", problems);
    sigv4rs_signer_free(std::ptr::null_mut());
    m.void_cell("sigv4rs_signer_free", "NULL", vec![]);
}

/// A signer from the environment signs with what it was given: the key id,
/// the region (the argument, else `AWS_REGION`, else `AWS_DEFAULT_REGION`),
/// the service, and the token when one is set and not empty.
fn env_signer_problems(
    signer: *const sigv4rs_signer,
    env: [Option<&[u8]>; 5],
    region: sigv4rs_bytes,
    service: sigv4rs_bytes,
) -> Vec<String> {
    let text = |v: sigv4rs_bytes| -> String {
        // SAFETY: the call that read these inputs returned OK.
        let s = if v.len == 0 {
            &[][..]
        } else {
            unsafe { std::slice::from_raw_parts(v.ptr, v.len) }
        };
        String::from_utf8_lossy(s).into_owned()
    };
    let var = |i: usize| {
        env[i]
            .filter(|v| !v.is_empty())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let region = Some(text(region))
        .filter(|r| !r.is_empty())
        .or(var(3))
        .or(var(4))
        .unwrap_or_default();
    let scope = format!(
        "Credential={}/20150830/{region}/{}/aws4_request,",
        var(0).unwrap_or_default(),
        text(service)
    );
    let req = base_request();
    let r = call_out(Out::Cap(4096), &|o, c, l| {
        sigv4rs_signer_sign_headers(signer, &req, T, o, c, l)
    });
    let out = String::from_utf8_lossy(&r.out).into_owned();
    let mut problems = r.problems;
    if r.status != S::Ok {
        problems.push(format!("signing with it: {}", name(r.status)));
    } else if !out.contains(&scope) {
        problems.push(format!("signed without {scope:?}: {out:?}"));
    } else if out.contains("X-Amz-Security-Token:") != var(2).is_some() {
        problems.push(format!("token {:?} but signed {out:?}", var(2)));
    }
    problems
}

fn run_env(m: &mut Matrix) {
    const E: &str = "sigv4rs_signer_new_from_env";
    let vars = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ];
    // SAFETY (all set/remove_var below): this binary's only environment use
    // runs once, from one thread (the matrix is built under a OnceLock).
    let set = |vals: [Option<&[u8]>; 5]| {
        use std::os::unix::ffi::OsStrExt;
        for (k, v) in vars.iter().zip(vals) {
            match v {
                Some(v) => unsafe { std::env::set_var(k, std::ffi::OsStr::from_bytes(v)) },
                None => unsafe { std::env::remove_var(k) },
            }
        }
    };
    let akid: Option<&[u8]> = Some(b"AKIDEXAMPLE");
    let secret: Option<&[u8]> = Some(b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    let region = b(b"us-east-1");
    let service = b(b"s3");
    let dangling = std::ptr::dangling_mut::<sigv4rs_signer>();
    let call = |m: &mut Matrix,
                what: &str,
                env: [Option<&[u8]>; 5],
                r: sigv4rs_bytes,
                s: sigv4rs_bytes,
                flags: u32,
                out_null: bool,
                want: S| {
        set(env);
        let mut out = dangling;
        let op: *mut *mut sigv4rs_signer = if out_null { std::ptr::null_mut() } else { &mut out };
        let got = sigv4rs_signer_new_from_env(r, s, flags, op);
        let mut problems = vec![];
        if got != S::Ok && out != dangling {
            problems.push("*out written on error".into());
        }
        if got == S::Ok {
            problems.extend(env_signer_problems(out, env, r, s));
            sigv4rs_signer_free(out);
        }
        m.cell(E, what, want, got, problems);
    };
    let full = [akid, secret, Some(&b"TOKEN"[..]), None, None];
    call(m, "good", full, region, service, 0, false, S::Ok);
    call(
        m,
        "no AWS_ACCESS_KEY_ID",
        [None, secret, None, None, None],
        region,
        service,
        0,
        false,
        S::MissingCredentials,
    );
    call(
        m,
        "no AWS_SECRET_ACCESS_KEY",
        [akid, None, None, None, None],
        region,
        service,
        0,
        false,
        S::MissingCredentials,
    );
    call(
        m,
        "empty AWS_ACCESS_KEY_ID",
        [Some(b""), secret, None, None, None],
        region,
        service,
        0,
        false,
        S::MissingCredentials,
    );
    call(
        m,
        "empty AWS_SESSION_TOKEN",
        [akid, secret, Some(b""), None, None],
        region,
        service,
        0,
        false,
        S::Ok,
    );
    call(
        m,
        "no credentials, out NULL",
        [None, None, None, None, None],
        region,
        service,
        0,
        true,
        S::MissingCredentials,
    );
    call(m, "out NULL", full, region, service, 0, true, S::NullArgument);
    call(
        m,
        "region (NULL, 0), none in env",
        full,
        NULL0,
        service,
        0,
        false,
        S::MissingCredentials,
    );
    call(
        m,
        "region (NULL, 0), AWS_REGION",
        [akid, secret, None, Some(b"eu-west-1"), None],
        NULL0,
        service,
        0,
        false,
        S::Ok,
    );
    call(
        m,
        "region (NULL, 0), AWS_DEFAULT_REGION",
        [akid, secret, None, None, Some(b"eu-west-1")],
        NULL0,
        service,
        0,
        false,
        S::Ok,
    );
    call(
        m,
        "region (NULL, 0), AWS_REGION with LF",
        [akid, secret, None, Some(b"eu\n"), None],
        NULL0,
        service,
        0,
        false,
        S::InvalidRegion,
    );
    call(
        m,
        "region (NULL, 5)",
        full,
        null_n(5),
        service,
        0,
        false,
        S::NullArgument,
    );
    call(
        m,
        "service (NULL, 5)",
        full,
        region,
        null_n(5),
        0,
        false,
        S::NullArgument,
    );
    call(m, "service (NULL, 0)", full, region, NULL0, 0, false, S::InvalidService);
    for n in HUGE {
        call(
            m,
            &format!("region len {n:#x}"),
            full,
            huge(n),
            service,
            0,
            false,
            S::InvalidArgument,
        );
        call(
            m,
            &format!("service len {n:#x}"),
            full,
            region,
            huge(n),
            0,
            false,
            S::InvalidArgument,
        );
    }
    call(
        m,
        "region with CR",
        full,
        b(b"us-east-1\r"),
        service,
        0,
        false,
        S::InvalidRegion,
    );
    call(
        m,
        "service with NUL",
        full,
        region,
        b(b"s\x003"),
        0,
        false,
        S::InvalidService,
    );
    call(
        m,
        "unknown flags",
        full,
        region,
        service,
        1 << 9,
        false,
        S::InvalidArgument,
    );
    call(
        m,
        "AWS_ACCESS_KEY_ID invalid UTF-8",
        [Some(b"AK\xffID"), secret, None, None, None],
        region,
        service,
        0,
        false,
        S::InvalidAccessKeyId,
    );
    call(
        m,
        "AWS_ACCESS_KEY_ID with CR",
        [Some(b"AKID\r"), secret, None, None, None],
        region,
        service,
        0,
        false,
        S::InvalidAccessKeyId,
    );
    call(
        m,
        "AWS_SECRET_ACCESS_KEY too long",
        [akid, Some(&[b's'; 129]), None, None, None],
        region,
        service,
        0,
        false,
        S::InvalidSecretKey,
    );
    call(
        m,
        "AWS_SESSION_TOKEN with space",
        [akid, secret, Some(b"a b"), None, None],
        region,
        service,
        0,
        false,
        S::InvalidSessionToken,
    );
    set([None, None, None, None, None]);
}
