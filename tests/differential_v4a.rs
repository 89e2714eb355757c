//! SigV4a against AWS's Rust implementation (the aws-sigv4 crate, feature
//! `sigv4a`): the same private key for random credentials (so the same
//! public key), and, both signing with RFC 6979 nonces, the very same
//! Authorization header and presigned URL for random requests; each side's
//! signature also verifies under the other side's key and string to sign.
#![cfg(feature = "sigv4a")]

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::*;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use sigv4rs::ffi::*;

/// xorshift64*: reproducible "random" inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn from(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
}

const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const GRAPHIC: &[u8] =
    b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn random_creds(r: &mut Rng) -> (String, String) {
    let akid = format!("AKIA{}", r.from(UPPER_DIGITS, 16));
    // Mostly AWS-shaped secrets; some of any visible ASCII and length.
    let secret = if r.below(4) == 0 {
        let n = 1 + r.below(128);
        r.from(GRAPHIC, n)
    } else {
        r.from(SECRET, 40)
    };
    (akid, secret)
}

/// aws-sigv4's public key for a credential pair, SEC1 uncompressed.
fn aws_public_key(akid: &str, secret: &str) -> Vec<u8> {
    let k = aws_sigv4::sign::v4a::generate_signing_key(akid, secret);
    let sk = SigningKey::from_slice(k.as_ref()).unwrap();
    sk.verifying_key().to_sec1_point(false).as_bytes().to_vec()
}

#[test]
fn same_public_key_for_1000_random_credentials() {
    let mut r = Rng(0x5349_4734_6100_0001);
    let mut same = 0;
    for _ in 0..1000 {
        let (akid, secret) = random_creds(&mut r);
        let ours = sigv4rs::sign::derive_v4a(akid.as_bytes(), secret.as_bytes()).public_key();
        assert_eq!(
            hex(&ours),
            hex(&aws_public_key(&akid, &secret)),
            "public key for {akid}"
        );
        same += 1;
    }
    println!("differential v4a: public key equal to aws-sigv4's for {same}/1000 random credentials");
}

struct Case {
    akid: String,
    secret: String,
    token: Option<String>,
    region_set: &'static str,
    service: &'static str,
    method: &'static str,
    host: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    time: i64,
}

fn random_case(r: &mut Rng) -> Case {
    let (akid, secret) = random_creds(r);
    let token = (r.below(3) == 0).then(|| r.from(SECRET, 64));
    let sets = [
        "us-east-1",
        "us-east-1,us-west-2",
        "*",
        "eu-*",
        "ap-southeast-2,eu-west-1,us-east-2",
    ];
    let services = ["service", "lambda", "execute-api", "iam"];
    let methods = ["GET", "PUT", "POST", "DELETE"];
    let word = |r: &mut Rng| {
        let n = 1 + r.below(8);
        r.from(b"abcdefghijklmnopqrstuvwxyz0123456789-_.~", n)
    };
    let path = (0..r.below(4)).map(|_| format!("/{}", word(r))).collect::<String>();
    let query = (0..r.below(4))
        .map(|_| format!("{}={}", word(r), word(r)))
        .collect::<Vec<_>>()
        .join("&");
    let headers = (0..r.below(3)).map(|i| (format!("x-test-{i}"), word(r))).collect();
    let n = r.below(64);
    let body = r.from(GRAPHIC, n).into_bytes();
    Case {
        akid,
        secret,
        token,
        region_set: sets[r.below(sets.len())],
        service: services[r.below(services.len())],
        method: methods[r.below(methods.len())],
        host: format!("{}.example.amazonaws.com", word(r)),
        path: if path.is_empty() { "/".into() } else { path },
        query,
        headers,
        body,
        time: 1_440_938_160 + r.below(400_000_000) as i64,
    }
}

impl Case {
    fn url(&self) -> String {
        let q = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        format!("https://{}{}{q}", self.host, self.path)
    }

    /// aws-sigv4's instructions: (headers to add, query parameters to add,
    /// signature).
    #[allow(clippy::type_complexity)]
    fn aws(&self, expires: Option<u32>) -> (Vec<(String, String)>, Vec<(String, String)>, String) {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
        let identity =
            aws_credential_types::Credentials::new(&self.akid, &self.secret, self.token.clone(), None, "test").into();
        let mut settings = SigningSettings::default();
        if let Some(e) = expires {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(u64::from(e)));
        }
        let params = aws_sigv4::sign::v4a::SigningParams::builder()
            .identity(&identity)
            .region_set(self.region_set)
            .name(self.service)
            .time(UNIX_EPOCH + Duration::from_secs(self.time as u64))
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let mut headers: Vec<(&str, &str)> = vec![("host", self.host.as_str())];
        headers.extend(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let url = self.url();
        let req =
            SignableRequest::new(self.method, &url, headers.into_iter(), SignableBody::Bytes(&self.body)).unwrap();
        let (instructions, sig) = sign(req, &params).unwrap().into_parts();
        let (h, q) = instructions.into_parts();
        let h = h
            .into_iter()
            .map(|h| (h.name().to_string(), h.value().to_string()))
            .collect();
        let q = q.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        (h, q, sig)
    }

    fn signer(&self) -> Signer {
        new_signer(&Creds {
            akid: &self.akid,
            secret: &self.secret,
            token: self.token.as_deref().unwrap_or(""),
            region: self.region_set,
            service: self.service,
            flags: SIGV4RS_FLAG_SIGV4A,
        })
        .expect("signer")
    }

    /// Ours: (output, string to sign), header mode or presigned.
    fn ours(&self, s: &Signer, expires: Option<u32>) -> (String, String) {
        let url = self.url();
        let hs = c_headers(&self.headers);
        let req = sigv4rs_request {
            method: b(self.method.as_bytes()),
            url: b(url.as_bytes()),
            host: b(b""),
            path: b(b""),
            query: b(b""),
            headers: hs.as_ptr(),
            headers_len: hs.len(),
            payload_mode: sigv4rs_payload_mode::Bytes as u32,
            payload: b(&self.body),
        };
        let t = self.time;
        let out = match expires {
            None => call_out(&|o, c, l| sigv4rs_signer_sign_headers(s.0, &req, t, o, c, l)),
            Some(e) => call_out(&|o, c, l| sigv4rs_signer_presign(s.0, &req, t, e, o, c, l)),
        }
        .expect("sign");
        let (auth, e) = expires.map_or((0, 0), |e| (1, e));
        let sts = call_out(&|o, c, l| sigv4rs_signer_string_to_sign(s.0, &req, t, auth, e, o, c, l)).expect("sts");
        (String::from_utf8(out).unwrap(), String::from_utf8(sts).unwrap())
    }
}

fn verifies(public: &[u8], sts: &str, sig_hex: &str) -> bool {
    let key = VerifyingKey::from_sec1_bytes(public).unwrap();
    DerSignature::from_bytes(&unhex(sig_hex)).is_ok_and(|sig| key.verify(sts.as_bytes(), &sig).is_ok())
}

#[test]
fn same_signatures_as_aws_sigv4_for_random_requests() {
    let mut r = Rng(0x5349_4734_6100_0002);
    let (mut headers_same, mut urls_same, n) = (0, 0, 300);
    for i in 0..n {
        let c = random_case(&mut r);
        let signer = c.signer();
        let ours_pk = sigv4rs::sign::derive_v4a(c.akid.as_bytes(), c.secret.as_bytes()).public_key();
        let theirs_pk = aws_public_key(&c.akid, &c.secret);

        // Header mode: the headers aws-sigv4 adds are exactly ours (we add
        // no Host: it is in the URL, lower case).
        let (out, sts) = c.ours(&signer, None);
        let mut ours: Vec<(String, String)> = split_headers(out.as_bytes())
            .into_iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v))
            .collect();
        let (h, _, sig) = c.aws(None);
        let mut theirs: Vec<(String, String)> = h.into_iter().map(|(n, v)| (n.to_ascii_lowercase(), v)).collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "case {i}: header mode, {}", c.url());
        assert!(
            verifies(&theirs_pk, &sts, &sig),
            "case {i}: aws-sigv4's signature under our string to sign"
        );
        let our_sig = out.rsplit("Signature=").next().unwrap().trim_end_matches('\0');
        assert!(verifies(&ours_pk, &sts, our_sig), "case {i}: ours under our key");
        headers_same += 1;

        // Presigned: the parameters aws-sigv4 adds are ours (as a multiset).
        let expires = 1 + r.below(604_800) as u32;
        let (url, qsts) = c.ours(&signer, Some(expires));
        let url = url.trim_end_matches('\0');
        let (_, q, qsig) = c.aws(Some(expires));
        let added: String = q
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut want = query_multiset(&added);
        for (k, n) in query_multiset(&c.query) {
            *want.entry(k).or_default() += n;
        }
        let got = query_multiset(url.split_once('?').unwrap().1);
        assert_eq!(got, want, "case {i}: presigned, {url}");
        assert!(verifies(&theirs_pk, &qsts, &qsig), "case {i}: presigned signature");
        urls_same += 1;
    }
    println!("differential v4a: aws-sigv4 signs the same: header {headers_same}/{n}, presigned {urls_same}/{n}");
}

/// aws-sigv4's query values are raw: encode them as a URL carries them.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
