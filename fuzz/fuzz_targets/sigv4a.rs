#![no_main]
//! SigV4a (`SIGV4RS_FLAG_SIGV4A`): random requests through a heap and a
//! caller-storage v4a signer, header mode and presigned. Each must give the
//! status the SigV4 signer gives for the same request; every signature must
//! verify (p256) under the public key of `derive_v4a` over the string to
//! sign the library exports, and that string must have the v4a shape:
//! algorithm, date, `date/service/aws4_request`, SHA-256 of the exported
//! canonical request.

use libfuzzer_sys::fuzz_target;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use sigv4rs_fuzz::cases::{Stored, request_input, st};
use sigv4rs_fuzz::*;

const ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256";
const SETS: [&[u8]; 5] = [
    b"us-east-1",
    b"*",
    b"us-east-1,us-west-2",
    b"eu-*",
    b"ap-southeast-2,eu-west-1,us-east-2",
];

fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// The signature after `tag` in `out`, up to NUL, `,` or `&`.
fn signature_after<'a>(out: &'a [u8], tag: &[u8]) -> &'a [u8] {
    let at = out
        .windows(tag.len())
        .rposition(|w| w == tag)
        .unwrap_or_else(|| panic!("no {} in the output", String::from_utf8_lossy(tag)))
        + tag.len();
    let rest = &out[at..];
    let end = rest
        .iter()
        .position(|&c| matches!(c, 0 | b',' | b'&'))
        .unwrap_or(rest.len());
    &rest[..end]
}

fn debug(
    signer: *const sigv4rs_signer,
    req: &sigv4rs_request,
    t: i64,
    e: u32,
) -> (Result<Vec<u8>, S>, Result<Vec<u8>, S>) {
    let auth = u32::from(e != 0);
    let cr = once("canonical_request", &mut |o, c, l| {
        sigv4rs_signer_canonical_request(signer, req, t, auth, e, o, c, l)
    });
    let sts = once("string_to_sign", &mut |o, c, l| {
        sigv4rs_signer_string_to_sign(signer, req, t, auth, e, o, c, l)
    });
    (cr, sts)
}

/// Checks the v4a string to sign against the canonical request and returns
/// it without the NUL.
fn check_sts<'a>(sts: &'a [u8], creq: &[u8], c: &Creds, t: i64) -> &'a [u8] {
    let sts = sts.strip_suffix(b"\0").expect("string to sign without NUL");
    let creq = creq.strip_suffix(b"\0").expect("canonical request without NUL");
    let date = reference::amz_date(t).expect("OK with an invalid time");
    let mut want = format!("{ALGORITHM}\n{date}\n{}/", &date[..8]).into_bytes();
    want.extend_from_slice(&c.service);
    want.extend_from_slice(b"/aws4_request\n");
    want.extend_from_slice(reference::sha256_hex(creq).as_bytes());
    assert_eq!(
        String::from_utf8_lossy(sts),
        String::from_utf8_lossy(&want),
        "v4a string to sign"
    );
    sts
}

fn verify(key: &VerifyingKey, sts: &[u8], sig: &[u8], what: &str) {
    assert!(
        !sig.is_empty() && sig.len() <= SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN,
        "{what}: signature length {}",
        sig.len()
    );
    let der = unhex(sig).unwrap_or_else(|| panic!("{what}: signature not hex"));
    let der = DerSignature::from_bytes(&der).unwrap_or_else(|_| panic!("{what}: signature not DER"));
    assert!(key.verify(sts, &der).is_ok(), "{what}: signature does not verify");
}

/// The verifying key of `derive_v4a` for these credentials (a scalar
/// multiplication: cached per preset, there are five).
fn public_key(c: &Creds) -> VerifyingKey {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static KEYS: Mutex<Option<HashMap<(Vec<u8>, Vec<u8>), VerifyingKey>>> = Mutex::new(None);
    let mut keys = KEYS.lock().unwrap();
    *keys
        .get_or_insert_with(HashMap::new)
        .entry((c.akid.clone(), c.secret.clone()))
        .or_insert_with(|| {
            let public = sigv4rs::sign::derive_v4a(&c.akid, &c.secret).public_key();
            VerifyingKey::from_sec1_bytes(&public).expect("derived public key")
        })
}

fuzz_target!(|data: &[u8]| {
    let (k, r, _) = request_input(data, None);
    // The SigV4 twin: same credentials and request, a plain region.
    let v4 = Creds::preset(k.creds, k.flags);
    let mut a = v4.clone();
    a.flags |= SIGV4RS_FLAG_SIGV4A;
    a.region = SETS[usize::from(k.creds / 5) % SETS.len()].to_vec();
    let s4 = v4.signer();
    let sa = a.signer();
    let stored = Stored::new(&a);
    let t = pick_time(k.time_sel, k.time_raw);
    let e = k.expires();
    let (req, _hs) = r.to_c();
    let cap = Cap::from_knobs(k.cap_sel, k.cap_raw);
    let key = public_key(&a);

    for presign in [false, true] {
        let mode = if presign { "presign" } else { "sign_headers" };
        let call = |signer: *const sigv4rs_signer, cap: Cap| {
            stateless(mode, cap, &mut |o, c, l| {
                if presign {
                    sigv4rs_signer_presign(signer, &req, t, e, o, c, l)
                } else {
                    sigv4rs_signer_sign_headers(signer, &req, t, o, c, l)
                }
            })
        };
        let want = st(&call(s4.0, Cap::Exact));
        let heap = call(sa.0, cap);
        let s = st(&heap);
        assert_eq!(s, want, "{mode}: v4a status differs from SigV4's");
        // Once (the protocol was just checked on the heap signer).
        let held = once(mode, &mut |o, c, l| {
            if presign {
                sigv4rs_signer_presign(stored.signer, &req, t, e, o, c, l)
            } else {
                sigv4rs_signer_sign_headers(stored.signer, &req, t, o, c, l)
            }
        });
        // RFC 6979: the same bytes from both signers.
        assert_eq!(heap, held, "{mode}: storage signer differs");
        let ee = if presign { e } else { 0 };
        let (cr, sts) = debug(sa.0, &req, t, ee);
        if !(presign && e == 0) {
            assert_eq!(st(&cr), s, "canonical_request vs {mode}");
            assert_eq!(st(&sts), s, "string_to_sign vs {mode}");
        }
        let Ok(out) = heap else { continue };
        let sts = check_sts(sts.as_ref().unwrap(), cr.as_ref().unwrap(), &a, t);
        if presign {
            let sig = signature_after(&out, b"X-Amz-Signature=");
            assert!(
                out.windows(17).any(|w| w == b"X-Amz-Region-Set="),
                "presign: no X-Amz-Region-Set"
            );
            verify(&key, sts, sig, "presign");
        } else {
            let auth = format!("Authorization: {ALGORITHM} Credential=");
            assert!(
                out.windows(auth.len()).any(|w| w == auth.as_bytes()),
                "sign_headers: no v4a Authorization"
            );
            let mut set = b"X-Amz-Region-Set: ".to_vec();
            set.extend_from_slice(&a.region);
            set.push(0);
            assert!(
                out.windows(set.len()).any(|w| w == set),
                "sign_headers: no X-Amz-Region-Set"
            );
            verify(&key, sts, signature_after(&out, b"Signature="), "sign_headers");
        }
    }
});
