//! `make bench`: the workloads of bench/WORKLOADS.md, through the C ABI and
//! the Rust API, fresh and reused signer, against two references measured in
//! the same run: the aws-sigv4 crate and the crypto floor (the SHA-256 and
//! HMAC work SigV4 cannot avoid, built by hand with sha2/hmac). Times are
//! medians of interleaved short samples; ratios are the figures of merit.
//! Heap allocations are counted with a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use hmac::{KeyInit, Mac};
use sha2::Digest;
use sigv4rs::ffi::*;
use sigv4rs::sign::{Config, Flags, Mode, Payload, Request, Signer, Target};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

const TIME: i64 = 1_440_938_160; // 2015-08-30T12:36:00Z
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
const W2_BODY: &str = r#"{"title":"The Shawshank Redemption","director":"Frank Darabont","year":1994,"genre":["Drama","Crime"],"rating":9.30,"actors":["Tim Robbins","Morgan Freeman","Bob Gunton"],"runtime":142,"lang":"en-GB"}"#;

struct Workload {
    id: &'static str,
    method: &'static str,
    url: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    service: &'static str,
    region: &'static str,
    s3: bool,
    token: &'static str,
    body: Vec<u8>,
    presign: Option<u32>,
    /// The canonical request, written by hand for the floor.
    creq: String,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn workloads() -> Vec<Workload> {
    let empty = hex(&sha2::Sha256::digest(b""));
    let w2_hash = hex(&sha2::Sha256::digest(W2_BODY.as_bytes()));
    let w4: Vec<u8> = (0..1u32 << 20).map(|i| ((i as u64 * 31 + 7) % 251) as u8).collect();
    let w4_hash = hex(&sha2::Sha256::digest(&w4));
    let tok_q: String = TOKEN
        .bytes()
        .map(|c| {
            if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                (c as char).to_string()
            } else {
                format!("%{c:02X}")
            }
        })
        .collect();
    vec![
        Workload {
            id: "W1",
            method: "GET",
            url: "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026",
            headers: vec![("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-9")],
            service: "s3",
            region: "us-east-1",
            s3: true,
            token: TOKEN,
            body: Vec::new(),
            presign: None,
            creq: format!(
                "GET\n/test.txt\nlist-type=2&prefix=photos%2F2026\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
                 x-amz-content-sha256:{empty}\nx-amz-date:20150830T123600Z\nx-amz-security-token:{TOKEN}\n\n\
                 host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token\n{empty}"
            ),
        },
        Workload {
            id: "W2",
            method: "POST",
            url: "https://search-my-domain.us-west-2.es.amazonaws.com/movies/_doc/5",
            headers: vec![
                ("host", "search-my-domain.us-west-2.es.amazonaws.com"),
                ("content-type", "application/json"),
            ],
            service: "es",
            region: "us-west-2",
            s3: false,
            token: "",
            body: W2_BODY.as_bytes().to_vec(),
            presign: None,
            creq: format!(
                "POST\n/movies/_doc/5\n\ncontent-type:application/json\nhost:search-my-domain.us-west-2.es.amazonaws.com\n\
                 x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n{w2_hash}"
            ),
        },
        Workload {
            id: "W3",
            method: "GET",
            url: "https://examplebucket.s3.amazonaws.com/test.txt",
            headers: vec![("host", "examplebucket.s3.amazonaws.com")],
            service: "s3",
            region: "us-east-1",
            s3: true,
            token: TOKEN,
            body: Vec::new(),
            presign: Some(3600),
            creq: format!(
                "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2F\
                 aws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-Security-Token={tok_q}&\
                 X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
            ),
        },
        Workload {
            id: "W4",
            method: "POST",
            url: "https://search-my-domain.us-west-2.es.amazonaws.com/movies/_bulk",
            headers: vec![
                ("host", "search-my-domain.us-west-2.es.amazonaws.com"),
                ("content-type", "application/x-ndjson"),
            ],
            service: "es",
            region: "us-west-2",
            s3: false,
            token: "",
            body: w4,
            presign: None,
            creq: format!(
                "POST\n/movies/_bulk\n\ncontent-type:application/x-ndjson\nhost:search-my-domain.us-west-2.es.amazonaws.com\n\
                 x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n{w4_hash}"
            ),
        },
    ]
}

// ---------------------------------------------------------------- sigv4rs

fn config(w: &Workload) -> Config<'_> {
    config_flags(w, if w.s3 { Flags::S3 } else { 0 })
}

fn config_flags(w: &Workload, flags: u32) -> Config<'_> {
    Config {
        access_key_id: AKID.as_bytes(),
        secret_access_key: SECRET.as_bytes(),
        session_token: w.token.as_bytes(),
        expiration: None,
        region: w.region.as_bytes(),
        service: w.service.as_bytes(),
        flags,
        unsigned_headers: &[] as &[&[u8]; 0],
    }
}

fn c_config(w: &Workload) -> sigv4rs_config {
    c_config_flags(w, if w.s3 { SIGV4RS_FLAG_S3 } else { 0 })
}

fn c_config_flags(w: &Workload, flags: u32) -> sigv4rs_config {
    let b = |s: &str| sigv4rs_bytes {
        ptr: s.as_ptr(),
        len: s.len(),
    };
    sigv4rs_config {
        access_key_id: b(AKID),
        secret_access_key: b(SECRET),
        session_token: b(w.token),
        region: b(w.region),
        service: b(w.service),
        flags,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    }
}

struct CReq {
    headers: Vec<sigv4rs_header>,
    req: sigv4rs_request,
}

fn c_request(w: &Workload) -> CReq {
    let b = |s: &[u8]| sigv4rs_bytes {
        ptr: s.as_ptr(),
        len: s.len(),
    };
    let headers: Vec<sigv4rs_header> = w
        .headers
        .iter()
        .map(|(n, v)| sigv4rs_header {
            name: b(n.as_bytes()),
            value: b(v.as_bytes()),
        })
        .collect();
    let req = sigv4rs_request {
        method: b(w.method.as_bytes()),
        url: b(w.url.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: headers.as_ptr(),
        headers_len: headers.len(),
        payload_mode: 0,
        payload: b(&w.body),
    };
    CReq { headers, req }
}

fn c_sign(signer: *const sigv4rs_signer, w: &Workload, r: &CReq, out: &mut [u8]) -> usize {
    c_sign_as(signer, w.presign, r, out)
}

/// Header form (`None`) or presigned for `presign` seconds.
fn c_sign_as(signer: *const sigv4rs_signer, presign: Option<u32>, r: &CReq, out: &mut [u8]) -> usize {
    let _ = &r.headers;
    let mut len = 0;
    let st = match presign {
        None => sigv4rs_signer_sign_headers(signer, &r.req, TIME, out.as_mut_ptr(), out.len(), &mut len),
        Some(e) => sigv4rs_signer_presign(signer, &r.req, TIME, e, out.as_mut_ptr(), out.len(), &mut len),
    };
    assert_eq!(st, sigv4rs_status::Ok);
    len
}

/// One C ABI signature: a new signer in `storage` (fresh) or `reused`.
fn c_once(
    storage: &mut sigv4rs_signer_storage,
    cfg: &sigv4rs_config,
    reused: *const sigv4rs_signer,
    fresh: bool,
    w: &Workload,
    r: &CReq,
    out: &mut [u8],
) -> usize {
    if !fresh {
        return c_sign(reused, w, r, out);
    }
    let mut p = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(storage, cfg, &mut p), sigv4rs_status::Ok);
    let n = c_sign(p, w, r, out);
    sigv4rs_signer_deinit(storage);
    n
}

fn rust_sign(s: &Signer, w: &Workload, out: &mut [u8]) -> usize {
    let hs: [(&[u8], &[u8]); 2];
    let h1: [(&[u8], &[u8]); 1];
    let headers: &dyn sigv4rs::sign::HeaderList = if w.headers.len() == 2 {
        hs = [
            (w.headers[0].0.as_bytes(), w.headers[0].1.as_bytes()),
            (w.headers[1].0.as_bytes(), w.headers[1].1.as_bytes()),
        ];
        &hs
    } else {
        h1 = [(w.headers[0].0.as_bytes(), w.headers[0].1.as_bytes())];
        &h1
    };
    let req = Request {
        method: w.method.as_bytes(),
        target: Target::parse_url(w.url.as_bytes()).unwrap(),
        headers,
        payload: Payload::Auto(&w.body),
    };
    match w.presign {
        None => s.sign_headers(&req, TIME, out).unwrap(),
        Some(e) => s.presign(&req, TIME, e, out).unwrap(),
    }
}

// ---------------------------------------------------------------- aws-sigv4

struct Aws {
    identity: aws_smithy_runtime_api::client::identity::Identity,
}

impl Aws {
    fn new(w: &Workload) -> Aws {
        let token = (!w.token.is_empty()).then(|| w.token.to_string());
        Aws {
            identity: aws_credential_types::Credentials::new(AKID, SECRET, token, None, "bench").into(),
        }
    }

    fn sign(&self, w: &Workload) -> String {
        self.sign_as(w, false)
    }

    /// SigV4a (the region is the region set); RFC 6979 nonces as ours, so
    /// the same signature.
    fn sign_v4a(&self, w: &Workload) -> String {
        self.sign_as(w, true)
    }

    fn sign_as(&self, w: &Workload, v4a: bool) -> String {
        use aws_sigv4::http_request::{
            PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
            SigningSettings, UriPathNormalizationMode, sign,
        };
        let mut settings = SigningSettings::default();
        if w.s3 {
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
            if w.presign.is_none() {
                settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            }
        }
        if let Some(e) = w.presign {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(e.into()));
        }
        let time = UNIX_EPOCH + Duration::from_secs(TIME as u64);
        let params: aws_sigv4::http_request::SigningParams<'_> = if v4a {
            aws_sigv4::sign::v4a::SigningParams::builder()
                .identity(&self.identity)
                .region_set(w.region)
                .name(w.service)
                .time(time)
                .settings(settings)
                .build()
                .unwrap()
                .into()
        } else {
            aws_sigv4::sign::v4::SigningParams::builder()
                .identity(&self.identity)
                .region(w.region)
                .name(w.service)
                .time(time)
                .settings(settings)
                .build()
                .unwrap()
                .into()
        };
        let body = if w.s3 && w.presign.is_some() {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(&w.body)
        };
        let req = SignableRequest::new(w.method, w.url, w.headers.iter().copied(), body).unwrap();
        let (_, sig) = sign(req, &params).unwrap().into_parts();
        sig
    }
}

// ---------------------------------------------------------------- floor

struct Floor {
    creq: Vec<u8>,
    sts_prefix: Vec<u8>,
    key: hmac::Hmac<sha2::Sha256>,
    scope: Vec<(Vec<u8>, Vec<u8>)>,
    hash_body: bool,
}

fn hmac1(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().into()
}

impl Floor {
    fn new(w: &Workload) -> Floor {
        let scope = format!("20150830/{}/{}/aws4_request", w.region, w.service);
        let mut k = hmac1(format!("AWS4{SECRET}").as_bytes(), b"20150830");
        for p in [w.region, w.service, "aws4_request"] {
            k = hmac1(&k, p.as_bytes());
        }
        Floor {
            creq: w.creq.as_bytes().to_vec(),
            sts_prefix: format!("AWS4-HMAC-SHA256\n20150830T123600Z\n{scope}\n").into_bytes(),
            key: hmac::Hmac::<sha2::Sha256>::new_from_slice(&k).unwrap(),
            scope: vec![
                (format!("AWS4{SECRET}").into_bytes(), b"20150830".to_vec()),
                (Vec::new(), w.region.as_bytes().to_vec()),
                (Vec::new(), w.service.as_bytes().to_vec()),
                (Vec::new(), b"aws4_request".to_vec()),
            ],
            hash_body: !w.body.is_empty(),
        }
    }

    fn hex_into(d: &[u8], out: &mut [u8; 64]) {
        const H: &[u8; 16] = b"0123456789abcdef";
        for (i, b) in d.iter().enumerate() {
            out[2 * i] = H[(b >> 4) as usize];
            out[2 * i + 1] = H[(b & 15) as usize];
        }
    }

    /// One signature's unavoidable work: payload hash (when there is a
    /// body), SHA-256 of the canonical request, HMAC of the string to sign;
    /// `fresh` adds the four chained HMACs of the key derivation.
    fn run(&self, body: &[u8], fresh: bool) -> [u8; 32] {
        let mut hx = [0u8; 64];
        if self.hash_body {
            Self::hex_into(&sha2::Sha256::digest(body), &mut hx);
            black_box(&hx);
        }
        Self::hex_into(&sha2::Sha256::digest(&self.creq), &mut hx);
        let mut mac = if fresh {
            let mut k = hmac1(&self.scope[0].0, &self.scope[0].1);
            for (_, part) in &self.scope[1..] {
                k = hmac1(&k, part);
            }
            hmac::Hmac::<sha2::Sha256>::new_from_slice(&k).unwrap()
        } else {
            self.key.clone()
        };
        mac.update(&self.sts_prefix);
        mac.update(&hx);
        mac.finalize().into_bytes().into()
    }
}

// ---------------------------------------------------------------- SigV4a

/// The suite's SigV4a public key (for these very credentials), SEC1
/// uncompressed, from tests/data/suite-v4a-vectors.txt.
fn suite_public_key() -> Vec<u8> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/suite-v4a-vectors.txt")).unwrap();
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim().to_string())
            .unwrap()
    };
    let mut key = vec![4u8];
    for v in [field("public_key_x "), field("public_key_y ")] {
        key.extend(
            (0..v.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&v[i..i + 2], 16).unwrap()),
        );
    }
    key
}

/// Before timing SigV4a on `w`: our signature is aws-sigv4's (both RFC 6979)
/// and verifies under the suite's public key over our string to sign.
fn check_v4a(w: &Workload, s: &Signer, aws: &Aws, public: &[u8]) {
    use p256::ecdsa::signature::Verifier;
    let mut out = [0u8; 2048];
    let n = rust_sign(s, w, &mut out);
    let text = std::str::from_utf8(&out[..n]).unwrap();
    let tag = if w.presign.is_some() {
        "X-Amz-Signature="
    } else {
        "Signature="
    };
    let sig = text.rsplit(tag).next().unwrap().split('\0').next().unwrap();
    assert_eq!(
        sig,
        aws.sign_v4a(w),
        "{}: SigV4a signature differs from aws-sigv4's",
        w.id
    );

    let t = Target::parse_url(w.url.as_bytes()).unwrap();
    let hs: Vec<(&[u8], &[u8])> = w.headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect();
    let hl: &[(&[u8], &[u8])] = &hs;
    let req = Request {
        method: w.method.as_bytes(),
        target: t,
        headers: &hl,
        payload: Payload::Auto(&w.body),
    };
    let mode = w.presign.map_or(Mode::Headers, Mode::Presign);
    let mut sts = [0u8; 2048];
    let n = s.string_to_sign(&req, TIME, mode, &mut sts).unwrap();
    let sts = &sts[..n - 1];
    assert!(
        sts.starts_with(b"AWS4-ECDSA-P256-SHA256\n"),
        "{}: not a SigV4a string to sign",
        w.id
    );
    let der: Vec<u8> = (0..sig.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&sig[i..i + 2], 16).unwrap())
        .collect();
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public).unwrap();
    let der = p256::ecdsa::DerSignature::from_bytes(&der).unwrap();
    assert!(
        key.verify(sts, &der).is_ok(),
        "{}: SigV4a signature does not verify",
        w.id
    );
}

// ---------------------------------------------------------------- timing

/// Medians (ns per call) of interleaved samples of each closure.
fn measure(fs: &mut [&mut dyn FnMut()], budget: Duration) -> Vec<f64> {
    // Calibrate a batch per closure to ~50 µs... 2 ms.
    let mut batch = Vec::new();
    for f in fs.iter_mut() {
        let mut n = 1u64;
        loop {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            if t.elapsed() > Duration::from_micros(200) || n >= 1 << 20 {
                break;
            }
            n *= 2;
        }
        batch.push(n);
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); fs.len()];
    let start = Instant::now();
    while start.elapsed() < budget || samples[0].len() < 21 {
        for (i, f) in fs.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..batch[i] {
                f();
            }
            samples[i].push(t.elapsed().as_nanos() as f64 / batch[i] as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(|a, b| a.partial_cmp(b).unwrap());
            s[s.len() / 2]
        })
        .collect()
}

fn allocs_per_call(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..n {
        f();
    }
    (ALLOCS.load(Ordering::Relaxed) - before) as f64 / n as f64
}

// ---------------------------------------------------------------- verification

/// The verifier's secret store in the bench: the workload's key and token.
struct Store {
    secret: &'static str,
    token: &'static str,
}

/// `sigv4rs_secret_lookup_fn` over a `Store` (`user`).
unsafe extern "C" fn c_lookup(
    user: *mut std::ffi::c_void,
    akid: *const u8,
    akid_len: usize,
    secret: *mut u8,
    secret_cap: usize,
    secret_len: *mut usize,
    token: *mut u8,
    token_cap: usize,
    token_len: *mut usize,
) -> sigv4rs_status {
    // SAFETY: the lookup contract: `user` is the `Store` the bench passed,
    // the buffers are writable for their capacities.
    unsafe {
        let store = &*(user as *const Store);
        if std::slice::from_raw_parts(akid, akid_len) != AKID.as_bytes() {
            return sigv4rs_status::UnknownAccessKey;
        }
        if store.secret.len() > secret_cap || store.token.len() > token_cap {
            return sigv4rs_status::LookupFailed;
        }
        std::ptr::copy_nonoverlapping(store.secret.as_ptr(), secret, store.secret.len());
        *secret_len = store.secret.len();
        std::ptr::copy_nonoverlapping(store.token.as_ptr(), token, store.token.len());
        *token_len = store.token.len();
    }
    sigv4rs_status::Ok
}

/// A request as a server receives it after sigv4rs signed it: the URL and
/// every header (the signer's added ones included), the body.
#[derive(Clone)]
struct Received {
    url: Vec<u8>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Where the 64 hex digits of the signature are: (header index or
    /// `usize::MAX` for the URL, offset).
    sig_at: (usize, usize),
}

/// Signs `w` with sigv4rs (header form, or presigned for `expires`) and
/// returns the request as received.
fn received(w: &Workload, presign: Option<u32>) -> Received {
    let s = Signer::new(&config(w)).unwrap();
    let hs: Vec<(&[u8], &[u8])> = w.headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect();
    let hl: &[(&[u8], &[u8])] = &hs;
    let req = Request {
        method: w.method.as_bytes(),
        target: Target::parse_url(w.url.as_bytes()).unwrap(),
        headers: &hl,
        payload: Payload::Auto(&w.body),
    };
    let mut out = vec![0u8; 4096];
    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = w
        .headers
        .iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect();
    let find = |hay: &[u8], tag: &[u8]| hay.windows(tag.len()).position(|x| x == tag).map(|i| i + tag.len());
    match presign {
        None => {
            let n = s.sign_headers(&req, TIME, &mut out).unwrap();
            for e in out[..n].split(|&b| b == 0).filter(|e| !e.is_empty()) {
                let i = find(e, b": ").unwrap();
                headers.push((e[..i - 2].to_vec(), e[i..].to_vec()));
            }
            let k = headers.iter().position(|(n, _)| n == b"Authorization").unwrap();
            let at = find(&headers[k].1, b"Signature=").unwrap();
            assert_eq!(headers[k].1.len(), at + 64);
            Received {
                url: w.url.as_bytes().to_vec(),
                headers,
                sig_at: (k, at),
            }
        }
        Some(e) => {
            let n = s.presign(&req, TIME, e, &mut out).unwrap();
            let url = out[..n - 1].to_vec();
            let at = find(&url, b"X-Amz-Signature=").unwrap();
            Received {
                url,
                headers,
                sig_at: (usize::MAX, at),
            }
        }
    }
}

impl Received {
    fn sig_mut(&mut self) -> &mut [u8] {
        let (k, at) = self.sig_at;
        let s = if k == usize::MAX {
            &mut self.url
        } else {
            &mut self.headers[k].1
        };
        &mut s[at..at + 64]
    }

    /// A copy with hex digit `i` of the signature changed (still hex).
    fn tampered(&self, i: usize) -> Received {
        let mut r = self.clone();
        let d = &mut r.sig_mut()[i];
        *d = flip_hex(*d);
        r
    }

    fn c_headers(&self) -> Vec<sigv4rs_header> {
        self.headers
            .iter()
            .map(|(n, v)| sigv4rs_header {
                name: sigv4rs_bytes {
                    ptr: n.as_ptr(),
                    len: n.len(),
                },
                value: sigv4rs_bytes {
                    ptr: v.as_ptr(),
                    len: v.len(),
                },
            })
            .collect()
    }

    /// The C request over `hdrs` (from `c_headers`, kept alive by the caller).
    fn c_request(&self, w: &Workload, hdrs: &[sigv4rs_header]) -> sigv4rs_request {
        let b = |s: &[u8]| sigv4rs_bytes {
            ptr: s.as_ptr(),
            len: s.len(),
        };
        sigv4rs_request {
            method: b(w.method.as_bytes()),
            url: b(&self.url),
            host: b(b""),
            path: b(b""),
            query: b(b""),
            headers: hdrs.as_ptr(),
            headers_len: hdrs.len(),
            payload_mode: 1, // SIGV4RS_PAYLOAD_MODE_BYTES: the body as received
            payload: b(&w.body),
        }
    }
}

/// A hex digit changed into another hex digit.
fn flip_hex(d: u8) -> u8 {
    const H: &[u8; 16] = b"0123456789abcdef";
    H[H.iter().position(|&x| x == d).unwrap() ^ 1]
}

fn verifier_config(w: &Workload, store: &Store) -> sigv4rs_verifier_config {
    sigv4rs_verifier_config {
        region: sigv4rs_bytes {
            ptr: w.region.as_ptr(),
            len: w.region.len(),
        },
        service: sigv4rs_bytes {
            ptr: w.service.as_ptr(),
            len: w.service.len(),
        },
        flags: if w.s3 { SIGV4RS_FLAG_S3 } else { 0 },
        skip: 0,
        max_skew: 0,
        lookup: Some(c_lookup),
        lookup_user: store as *const Store as *mut std::ffi::c_void,
    }
}

fn c_verify(cfg: &sigv4rs_verifier_config, req: &sigv4rs_request) -> sigv4rs_status {
    let mut res = std::mem::MaybeUninit::<sigv4rs_verify_result>::uninit();
    sigv4rs_verify(cfg, req, TIME, res.as_mut_ptr(), std::ptr::null_mut(), 0)
}

fn rust_verify(w: &Workload, r: &Received, store: &Store) -> Result<(), sigv4rs::sign::VerifyError> {
    let hs: Vec<(&[u8], &[u8])> = r.headers.iter().map(|(n, v)| (n.as_slice(), v.as_slice())).collect();
    rust_verify_hs(w, r, &hs, store)
}

/// `sign::verify` over headers `hs` (borrowed from `r`, built outside the
/// timed call).
fn rust_verify_hs(
    w: &Workload,
    r: &Received,
    hs: &[(&[u8], &[u8])],
    store: &Store,
) -> Result<(), sigv4rs::sign::VerifyError> {
    use sigv4rs::sign::{LookupError, VerifyConfig, VerifyInfo, verify};
    let req = Request {
        method: w.method.as_bytes(),
        target: Target::parse_url(&r.url).unwrap(),
        headers: &hs,
        payload: Payload::Bytes(&w.body),
    };
    let cfg = VerifyConfig {
        region: w.region.as_bytes(),
        service: w.service.as_bytes(),
        flags: if w.s3 { Flags::S3 } else { 0 },
        skip: 0,
        max_skew: 0,
    };
    let mut lookup = |akid: &[u8], secret: &mut [u8], token: &mut [u8]| {
        if akid != AKID.as_bytes() {
            return Err(LookupError::UnknownKey);
        }
        secret[..store.secret.len()].copy_from_slice(store.secret.as_bytes());
        token[..store.token.len()].copy_from_slice(store.token.as_bytes());
        Ok((store.secret.len(), store.token.len()))
    };
    let mut info = VerifyInfo::default();
    verify(&cfg, &req, TIME, &mut lookup, &mut info, &mut [])
}

/// Before timing: the request verifies (C ABI and Rust) and copies with the
/// signature's first, middle or last hex digit changed get
/// SIGNATURE_MISMATCH (the full path, not an early parse error).
fn check_verify(w: &Workload, r: &Received, store: &Store, what: &str) {
    let cfg = verifier_config(w, store);
    let h = r.c_headers();
    assert_eq!(
        c_verify(&cfg, &r.c_request(w, &h)),
        sigv4rs_status::Ok,
        "{what}: C verify"
    );
    assert_eq!(rust_verify(w, r, store), Ok(()), "{what}: Rust verify");
    for i in [0, 32, 63] {
        let t = r.tampered(i);
        let th = t.c_headers();
        assert_eq!(
            c_verify(&cfg, &t.c_request(w, &th)),
            sigv4rs_status::SignatureMismatch,
            "{what}: tampered digit {i}, C"
        );
        assert_eq!(
            rust_verify(w, &t, store),
            Err(sigv4rs::sign::VerifyError::SignatureMismatch),
            "{what}: tampered digit {i}, Rust"
        );
    }
}

/// Verification next to signing: each row verifies the request sigv4rs
/// signed, timed interleaved with signing it (C ABI, reused and fresh
/// signer). Returns the summary.json rows.
fn bench_verify(budget: Duration) -> Vec<String> {
    let mut records = Vec::new();
    println!();
    println!("Verification (sigv4rs_verify, sign::verify) of the request sigv4rs signed, timed interleaved");
    println!("with signing it through the C ABI (reuse: one signer; fresh: a new signer per signature):");
    println!(
        "{:<3} {:<9} {:>11} {:>11} {:>11} {:>11} {:>9} {:>9} {:>7}",
        "", "form", "sign reuse", "sign fresh", "verify C", "verify Rs", "/reuse", "/fresh", "allocs"
    );
    let ws = workloads();
    let rows: [(&str, Option<u32>); 6] = [
        ("W1", None),
        ("W1", Some(3600)),
        ("W2", None),
        ("W2", Some(3600)),
        ("W3", Some(3600)),
        ("W4", None),
    ];
    for (id, presign) in rows {
        let w = ws.iter().find(|w| w.id == id).unwrap();
        let form = if presign.is_some() { "presigned" } else { "header" };
        let store = Store {
            secret: SECRET,
            token: w.token,
        };
        let r = received(w, presign);
        check_verify(w, &r, &store, &format!("{id} {form}"));

        let vcfg = verifier_config(w, &store);
        let vh = r.c_headers();
        let vreq = r.c_request(w, &vh);
        let hs: Vec<(&[u8], &[u8])> = r.headers.iter().map(|(n, v)| (n.as_slice(), v.as_slice())).collect();
        let ccfg = c_config(w);
        let creq = c_request(w);
        let mut reused = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_new(&ccfg, &mut reused), sigv4rs_status::Ok);
        let mut storage = Box::new(sigv4rs_signer_storage {
            _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
        });
        let mut out = [0u8; 2048];
        let mut out2 = [0u8; 2048];
        let mut sign_reuse = || {
            black_box(c_sign_as(reused, presign, &creq, &mut out));
        };
        let mut sign_fresh = || {
            let mut p = std::ptr::null_mut();
            assert_eq!(sigv4rs_signer_init(&mut *storage, &ccfg, &mut p), sigv4rs_status::Ok);
            black_box(c_sign_as(p, presign, &creq, &mut out2));
            sigv4rs_signer_deinit(&mut *storage);
        };
        let mut verify_c = || {
            let st = c_verify(black_box(&vcfg), black_box(&vreq));
            assert!(st == sigv4rs_status::Ok);
        };
        let mut verify_rs = || {
            let v = rust_verify_hs(w, black_box(&r), &hs, &store);
            assert!(v.is_ok());
        };
        let allocs = allocs_per_call(100, &mut verify_c);
        let allocs_rs = allocs_per_call(100, &mut verify_rs);
        let t = measure(
            &mut [&mut sign_reuse, &mut sign_fresh, &mut verify_c, &mut verify_rs],
            budget,
        );
        let (reuse_ns, fresh_ns, v_ns, vrs_ns) = (t[0], t[1], t[2], t[3]);
        println!(
            "{:<3} {:<9} {:>11.0} {:>11.0} {:>11.0} {:>11.0} {:>9.2} {:>9.2} {:>7.1}",
            id,
            form,
            reuse_ns,
            fresh_ns,
            v_ns,
            vrs_ns,
            v_ns / reuse_ns,
            v_ns / fresh_ns,
            allocs
        );
        records.push(format!(
            "{{\"workload\":\"{id}\",\"variant\":\"{form}\",\"operation\":\"verify\",\"algorithm\":\"sigv4\",\
             \"sigv4rs_ns\":{v_ns:.1},\"sigv4rs_rust_ns\":{vrs_ns:.1},\"sign_ns\":{reuse_ns:.1},\
             \"sign_fresh_ns\":{fresh_ns:.1},\"ratio_to_sign\":{:.4},\"ratio_to_sign_fresh\":{:.4},\
             \"ratio_to_sign_rust\":{:.4},\"allocs_per_verify\":{allocs},\"allocs_per_verify_rust\":{allocs_rs}}}",
            v_ns / reuse_ns,
            v_ns / fresh_ns,
            vrs_ns / reuse_ns
        ));
        sigv4rs_signer_free(reused);
    }
    println!("    (ratios: verify C over signing the same request, reused / fresh signer; verify derives");
    println!("    the signing key from the looked-up secret each time, as a fresh signer does)");
    records
}

// ---------------------------------------------------------------- body verification

/// An S3 PUT of a 1 MiB object (W4's size and bytes) with W1's credentials.
const PUT_URL: &str = "https://examplebucket.s3.amazonaws.com/upload.bin";
const CHUNK: usize = 64 * 1024;

/// A body as the server receives it: pieces of 64 KiB copied into the
/// receive buffer `recv` and decoded in place there, or (None: a plain body,
/// which the verifier does not change, read where it is as
/// `sigv4rs_verify` does) passed in place; then finished. Returns the
/// status and the payload bytes seen.
fn body_verify(
    cfg: &sigv4rs_verifier_config,
    req: &sigv4rs_request,
    st: &mut sigv4rs_body_verifier,
    body: &mut [u8],
    mut recv: Option<&mut [u8]>,
) -> (sigv4rs_status, usize) {
    let mut res = std::mem::MaybeUninit::<sigv4rs_verify_result>::uninit();
    let s = sigv4rs_body_verifier_begin(cfg, req, TIME, res.as_mut_ptr(), std::ptr::null_mut(), 0, st);
    if s != sigv4rs_status::Ok {
        return (s, 0);
    }
    let mut payload = 0;
    for piece in body.chunks_mut(CHUNK) {
        let mut n = 0;
        let buf = match recv.as_deref_mut() {
            Some(r) => {
                r[..piece.len()].copy_from_slice(piece);
                &mut r[..piece.len()]
            }
            None => piece,
        };
        let s = sigv4rs_body_verifier_update(st, buf.as_mut_ptr(), buf.len(), &mut n);
        if s != sigv4rs_status::Ok {
            return (s, payload);
        }
        payload += n;
    }
    (sigv4rs_body_verifier_finish(st), payload)
}

/// Signs the object as an aws-chunked upload through `sigv4rs_chunked_*`,
/// writing the encoded body into `out` (as a client fills its send
/// buffer). Returns the seed headers' length and the body's.
fn chunked_sign(
    signer: *const sigv4rs_signer,
    req: &sigv4rs_request,
    stream: &sigv4rs_stream,
    state: &mut sigv4rs_chunked,
    data: &[u8],
    headers: &mut [u8],
    out: &mut [u8],
) -> (usize, usize) {
    let mut hl = 0;
    let st = sigv4rs_chunked_begin(
        signer,
        req,
        TIME,
        stream,
        state,
        headers.as_mut_ptr(),
        headers.len(),
        &mut hl,
    );
    assert!(st == sigv4rs_status::Ok);
    let mut at = 0;
    for chunk in data.chunks(stream.chunk_size as usize) {
        let mut n = 0;
        let b = sigv4rs_bytes {
            ptr: chunk.as_ptr(),
            len: chunk.len(),
        };
        let st = sigv4rs_chunked_sign_chunk(signer, state, b, out[at..].as_mut_ptr(), 256, &mut n);
        assert!(st == sigv4rs_status::Ok);
        at += n;
        out[at..at + chunk.len()].copy_from_slice(chunk);
        at += chunk.len();
        out[at..at + 2].copy_from_slice(b"\r\n");
        at += 2;
    }
    let mut n = 0;
    let st = sigv4rs_chunked_finish(signer, state, out[at..].as_mut_ptr(), 512, &mut n);
    assert!(st == sigv4rs_status::Ok);
    (hl, at + n)
}

/// NUL-separated `Name: value` entries.
fn split_out(out: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    out.split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let i = e.windows(2).position(|x| x == b": ").unwrap();
            (e[..i].to_vec(), e[i + 2..].to_vec())
        })
        .collect()
}

fn c_hdrs(hs: &[(Vec<u8>, Vec<u8>)]) -> Vec<sigv4rs_header> {
    let b = |s: &[u8]| sigv4rs_bytes {
        ptr: s.as_ptr(),
        len: s.len(),
    };
    hs.iter()
        .map(|(n, v)| sigv4rs_header {
            name: b(n),
            value: b(v),
        })
        .collect()
}

fn put_request(hdrs: &[sigv4rs_header], payload_mode: u32, payload: &[u8]) -> sigv4rs_request {
    let b = |s: &[u8]| sigv4rs_bytes {
        ptr: s.as_ptr(),
        len: s.len(),
    };
    sigv4rs_request {
        method: b(b"PUT"),
        url: b(PUT_URL.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hdrs.as_ptr(),
        headers_len: hdrs.len(),
        payload_mode,
        payload: b(payload),
    }
}

/// Body verification next to signing, 1 MiB (W4's bytes) as an S3 PUT with
/// W1's credentials: an aws-chunked upload in 64 KiB chunks verified through
/// `sigv4rs_body_verifier_*` (pieces of 64 KiB copied into a receive buffer,
/// decoded there) vs signed through `sigv4rs_chunked_*` (encoded into a send
/// buffer); a plain body (`x-amz-content-sha256`) through the body verifier
/// vs `sigv4rs_verify` with the body. Each checked OK and tampered-rejected
/// before timing. Returns the summary.json rows.
fn bench_body_verify(budget: Duration) -> Vec<String> {
    let mut records = Vec::new();
    let ws = workloads();
    let w1 = ws.iter().find(|w| w.id == "W1").unwrap();
    let w4 = ws.iter().find(|w| w.id == "W4").unwrap();
    let data = &w4.body;
    assert_eq!(data.len(), 1 << 20);
    let store = Store {
        secret: SECRET,
        token: w1.token,
    };
    let vcfg = verifier_config(w1, &store);
    let ccfg = c_config(w1);
    let mut signer = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&ccfg, &mut signer), sigv4rs_status::Ok);
    let mut bv = Box::new(sigv4rs_body_verifier {
        _opaque: [0; SIGV4RS_BODY_VERIFIER_SIZE / 8],
    });
    let mut recv = vec![0u8; CHUNK];
    println!();
    println!("Body verification, 1 MiB (W4's bytes) as an S3 PUT, timed interleaved with signing it (C ABI,");
    println!("one signer); the verifier is begun on the request each time (key derived from the secret):");
    println!(
        "{:<3} {:<22} {:>11} {:>11} {:>9} {:>9} {:>7}",
        "", "body", "reference", "verify", "/ref", "MB/s", "allocs"
    );

    // aws-chunked, signed chunks (no trailer), 64 KiB.
    let stream = sigv4rs_stream {
        mode: 0,
        checksum: 0,
        decoded_length: data.len() as u64,
        chunk_size: CHUNK as u32,
    };
    let mut encoded_len = 0u64;
    assert_eq!(
        sigv4rs_chunked_encoded_length(&stream, &mut encoded_len),
        sigv4rs_status::Ok
    );
    let no_headers: [sigv4rs_header; 0] = [];
    let sreq = put_request(&no_headers, 0, b"");
    let mut cstate = Box::new(sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    });
    let mut hbuf = vec![0u8; 4096];
    let mut send = vec![0u8; encoded_len as usize + 1024];
    let (hl, bl) = chunked_sign(signer, &sreq, &stream, &mut cstate, data, &mut hbuf, &mut send);
    assert_eq!(bl as u64, encoded_len);
    let mut body = send[..bl].to_vec();
    let seed = split_out(&hbuf[..hl]);
    let sh = c_hdrs(&seed);
    let vreq = put_request(&sh, 0, b"");
    // Checked: it verifies and decodes to the object (pieces of 64 KiB and of
    // 1000 bytes); a changed data byte or signature digit is refused.
    let mut decoded = Vec::new();
    {
        let mut res = std::mem::MaybeUninit::<sigv4rs_verify_result>::uninit();
        let s = sigv4rs_body_verifier_begin(&vcfg, &vreq, TIME, res.as_mut_ptr(), std::ptr::null_mut(), 0, &mut *bv);
        assert_eq!(s, sigv4rs_status::Ok, "chunked: begin");
        for piece in body.chunks(1000) {
            let mut p = piece.to_vec();
            let mut n = 0;
            assert_eq!(
                sigv4rs_body_verifier_update(&mut *bv, p.as_mut_ptr(), p.len(), &mut n),
                sigv4rs_status::Ok
            );
            decoded.extend_from_slice(&p[..n]);
        }
        assert_eq!(sigv4rs_body_verifier_finish(&mut *bv), sigv4rs_status::Ok);
    }
    assert!(decoded == *data, "chunked: decoded bytes are not the object");
    assert_eq!(
        body_verify(&vcfg, &vreq, &mut bv, &mut body, Some(&mut recv)),
        (sigv4rs_status::Ok, data.len())
    );
    let first_sig = body.windows(16).position(|x| x == b"chunk-signature=").unwrap() + 16;
    for (what, at) in [("data byte", body.len() / 2), ("chunk signature", first_sig + 10)] {
        let mut t = body.clone();
        t[at] = if t[at] == b'0' { b'1' } else { b'0' };
        let (s, _) = body_verify(&vcfg, &vreq, &mut bv, &mut t, Some(&mut recv));
        assert_eq!(s, sigv4rs_status::ChunkSignatureMismatch, "chunked: changed {what}");
    }

    let mut sign = || {
        black_box(chunked_sign(
            signer,
            &sreq,
            &stream,
            &mut cstate,
            black_box(data),
            &mut hbuf,
            &mut send,
        ));
    };
    let mut verify = || {
        let r = body_verify(&vcfg, &vreq, &mut bv, black_box(&mut body), Some(&mut recv));
        assert!(r.0 == sigv4rs_status::Ok);
    };
    let allocs = allocs_per_call(5, &mut verify);
    let t = measure(&mut [&mut sign, &mut verify], budget);
    records.push(body_row(
        "aws-chunked 64 KiB",
        "sign_chunked_ns",
        t[0],
        t[1],
        data.len(),
        allocs,
    ));

    // Plain body: x-amz-content-sha256 = its hash (the S3 signer sends it).
    let breq = put_request(&no_headers, 1, data);
    let mut out = vec![0u8; 4096];
    let mut n = 0;
    assert_eq!(
        sigv4rs_signer_sign_headers(signer, &breq, TIME, out.as_mut_ptr(), out.len(), &mut n),
        sigv4rs_status::Ok
    );
    let phs = split_out(&out[..n]);
    let ph = c_hdrs(&phs);
    let preq_body = put_request(&ph, 1, data);
    let preq = put_request(&ph, 0, b"");
    assert_eq!(c_verify(&vcfg, &preq_body), sigv4rs_status::Ok, "plain: sigv4rs_verify");
    let mut plain = data.clone();
    assert_eq!(
        body_verify(&vcfg, &preq, &mut bv, &mut plain, None),
        (sigv4rs_status::Ok, data.len())
    );
    let mut t_body = data.clone();
    t_body[data.len() / 2] ^= 1;
    let tampered = put_request(&ph, 1, &t_body);
    assert_ne!(
        c_verify(&vcfg, &tampered),
        sigv4rs_status::Ok,
        "plain: tampered, sigv4rs_verify"
    );
    assert_eq!(
        body_verify(&vcfg, &preq, &mut bv, &mut t_body, None).0,
        sigv4rs_status::PayloadMismatch,
        "plain: tampered, body verifier"
    );
    let mut whole = || {
        let s = c_verify(black_box(&vcfg), black_box(&preq_body));
        assert!(s == sigv4rs_status::Ok);
    };
    let mut streamed = || {
        let r = body_verify(&vcfg, &preq, &mut bv, black_box(&mut plain), None);
        assert!(r.0 == sigv4rs_status::Ok);
    };
    let allocs = allocs_per_call(5, &mut streamed);
    let t = measure(&mut [&mut whole, &mut streamed], budget);
    records.push(body_row(
        "plain (verify whole)",
        "verify_whole_ns",
        t[0],
        t[1],
        data.len(),
        allocs,
    ));
    println!("    (aws-chunked: reference = signing the same upload (sigv4rs_chunked_*), each side with one 1 MiB");
    println!("    copy (receive / send buffer); plain: reference = sigv4rs_verify with the whole body, verify =");
    println!("    the body verifier in 64 KiB pieces; MB/s of payload through the verifier)");
    sigv4rs_signer_free(signer);
    records
}

fn body_row(what: &str, ref_key: &str, ref_ns: f64, v_ns: f64, len: usize, allocs: f64) -> String {
    println!(
        "{:<3} {:<22} {:>11.0} {:>11.0} {:>9.3} {:>9.0} {:>7.1}",
        "W4",
        what,
        ref_ns,
        v_ns,
        v_ns / ref_ns,
        len as f64 / v_ns * 1e3,
        allocs
    );
    format!(
        "{{\"workload\":\"W4\",\"variant\":\"{what}\",\"operation\":\"verify_body\",\"algorithm\":\"sigv4\",\
         \"sigv4rs_ns\":{v_ns:.1},\"{ref_key}\":{ref_ns:.1},\"ratio\":{:.4},\"mb_per_s\":{:.1},\
         \"allocs_per_verify\":{allocs}}}",
        v_ns / ref_ns,
        len as f64 / v_ns * 1e3
    )
}

// ---------------------------------------------------------------- timing test

/// A cycle counter (TSC, fenced) on x86_64; nanoseconds elsewhere.
#[inline(always)]
fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    #[allow(unused_unsafe)]
    // SAFETY: lfence and rdtsc are baseline x86_64 instructions.
    unsafe {
        use std::arch::x86_64::{_mm_lfence, _rdtsc};
        _mm_lfence();
        let t = _rdtsc();
        _mm_lfence();
        t
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
}

/// xorshift64*: the random class order.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Running mean and variance (Welford).
#[derive(Clone, Copy, Default)]
struct Acc {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Acc {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
    }
}

/// Welch's t statistic.
fn welch(a: &Acc, b: &Acc) -> f64 {
    let va = a.m2 / (a.n - 1.0);
    let vb = b.m2 / (b.n - 1.0);
    (a.mean - b.mean) / (va / a.n + vb / b.n).sqrt()
}

/// dudect's threshold: |t| above it is a definite leak.
const T_LEAK: f64 = 10.0;
/// Crops: keep measurements at or below this percentile of a pilot run
/// (1.0: no crop).
const CROPS: [f64; 4] = [1.0, 0.99, 0.90, 0.50];
/// The class pairs compared: a correct signature, b wrong in the first hex
/// digit, c in the last, d in the middle.
const PAIRS: [(usize, usize); 6] = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)];

struct Dudect {
    /// Per pair, the largest |t| over the crops.
    t: [f64; 6],
    /// Measurements kept uncropped (all four classes).
    n: usize,
    mean_ticks: f64,
}

/// dudect: `n` calls of `run`, each timed alone, with the class drawn at
/// random: before each call (untimed) `inputs[class]` is copied into
/// `slot`, the one buffer `run` reads, so every class runs on the same
/// addresses (separate buffers per class give |t| up to ~80 for identical
/// contents here: alignment and aliasing, not data). Welch's t between
/// every two classes after each crop.
fn dudect(n: usize, seed: u64, slot: *mut u8, inputs: &[Vec<u8>], run: &mut dyn FnMut()) -> Dudect {
    let len = inputs[0].len();
    assert!(inputs.len() == 4 && inputs.iter().all(|x| x.len() == len) && len <= 4096);
    // The class inputs 4 KiB apart in one page-aligned block: the copy's
    // source has the same alignment (and low 12 address bits) whatever the
    // class (separate Vecs leave an A/A |t| of ~15 here).
    let mut block = vec![0u8; 5 * 4096];
    let base = block.as_ptr().align_offset(4096);
    for (c, x) in inputs.iter().enumerate() {
        block[base + c * 4096..][..len].copy_from_slice(x);
    }
    let src = |c: usize| block[base + c * 4096..].as_ptr();
    let mut rng = Rng(seed | 1);
    let mut one = |rng: &mut Rng| -> (usize, u64) {
        let c = (rng.next() >> 60) as usize & 3;
        // SAFETY: `slot` is writable for `len` bytes (callers), and `run`
        // does not hold a reference to it across calls.
        unsafe { std::ptr::copy_nonoverlapping(src(c), slot, len) };
        // The copy's stores drained before the clock starts.
        std::sync::atomic::fence(Ordering::SeqCst);
        let t0 = ticks();
        run();
        let t1 = ticks();
        (c, t1.wrapping_sub(t0))
    };
    // Warm-up, then a pilot run sets the crop thresholds.
    let pilot_n = (n / 20).clamp(2_000, 100_000);
    let mut pilot = Vec::with_capacity(pilot_n);
    for i in 0..pilot_n + 4_000 {
        let (_, d) = one(&mut rng);
        if i >= 4_000 {
            pilot.push(d);
        }
    }
    pilot.sort_unstable();
    let thr: Vec<u64> = CROPS
        .iter()
        .map(|&p| {
            if p >= 1.0 {
                u64::MAX
            } else {
                pilot[((pilot.len() as f64 * p) as usize).min(pilot.len() - 1)]
            }
        })
        .collect();
    let mut acc = [[Acc::default(); 4]; CROPS.len()];
    for _ in 0..n {
        let (c, d) = one(&mut rng);
        for (k, &th) in thr.iter().enumerate() {
            if d <= th {
                acc[k][c].push(d as f64);
            }
        }
    }
    let mut t = [0f64; 6];
    for (j, &(x, y)) in PAIRS.iter().enumerate() {
        t[j] = acc.iter().map(|a| welch(&a[x], &a[y]).abs()).fold(0.0, f64::max);
    }
    Dudect {
        t,
        n: acc[0].iter().map(|a| a.n as usize).sum(),
        mean_ticks: acc[0].iter().map(|a| a.mean * a.n).sum::<f64>() / acc[0].iter().map(|a| a.n).sum::<f64>(),
    }
}

fn dudect_line(name: &str, d: &Dudect) -> String {
    let names = ["a-b", "a-c", "a-d", "b-c", "b-d", "c-d"];
    let ts: Vec<String> = names.iter().zip(d.t).map(|(p, t)| format!("{p} {t:.1}")).collect();
    format!(
        "{name:<34} n={:<9} {:>6.0} ticks  |t| {}",
        d.n,
        d.mean_ticks,
        ts.join(", ")
    )
}

/// Early-exit comparison, the naive one (`==` on slices: memcmp, which
/// compares 32 bytes per step here, so the exit's position shows only
/// across a 32-byte boundary: c-d on 64 bytes stays small).
#[inline(never)]
fn naive_eq(a: &[u8], b: &[u8]) -> bool {
    a == b
}

/// Early-exit comparison, byte by byte.
#[inline(never)]
fn naive_loop_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for i in 0..a.len() {
        if a[i] != b[i] {
            return false;
        }
    }
    true
}

/// The timing test: correct signature (a) vs wrong in the first (b), last
/// (c), middle (d) hex digit, through `sigv4rs_verify` (W1, header form)
/// and through `ct_eq` alone; controls: naive early-exit comparisons must
/// show a leak with the same harness. Returns false on a leak in the
/// verifier or ct_eq, or a control that shows none.
fn timing_test(quick: bool) -> bool {
    let scale = if quick { 10 } else { 1 };
    let start = Instant::now();
    println!();
    println!("Timing test (dudect: 4 classes in random order, each call timed alone with rdtsc; Welch's t");
    println!("between classes, max |t| over crops none/p99/p90/p50; |t| > {T_LEAK} is a definite leak):");
    println!("  a correct signature, b wrong in its first hex digit, c in its last, d in the middle");
    let mut ok = true;

    // The whole verification (C ABI), W1 header form: one request whose
    // signature bytes are overwritten with the class's before each call.
    let ws = workloads();
    let w = ws.iter().find(|w| w.id == "W1").unwrap();
    let store = Store {
        secret: SECRET,
        token: w.token,
    };
    let good = received(w, None);
    check_verify(w, &good, &store, "timing W1");
    let sig = good.clone().sig_mut().to_vec();
    let classes = |s: &[u8], at: [usize; 3]| -> Vec<Vec<u8>> {
        let mut v = vec![s.to_vec()];
        for i in at {
            let mut x = s.to_vec();
            x[i] = flip_hex(x[i]);
            v.push(x);
        }
        v
    };
    let sigs = classes(&sig, [0, 63, 32]);
    let mut live = good.clone();
    let slot = live.sig_mut().as_mut_ptr();
    let hs = live.c_headers();
    let req = live.c_request(w, &hs);
    let vcfg = verifier_config(w, &store);
    for (c, s) in sigs.iter().enumerate() {
        // SAFETY: `slot` points at the 64 signature bytes inside `live`.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), slot, 64) };
        let want = if c == 0 {
            sigv4rs_status::Ok
        } else {
            sigv4rs_status::SignatureMismatch
        };
        assert_eq!(c_verify(&vcfg, &req), want, "timing class {c}");
    }
    let d = dudect(400_000 / scale, 0x5151_7e57, slot, &sigs, &mut || {
        black_box(c_verify(&vcfg, black_box(&req)));
    });
    println!("{}", dudect_line("sigv4rs_verify (W1 header)", &d));
    if d.t.iter().any(|&t| t > T_LEAK) {
        println!("  LEAK: sigv4rs_verify's time depends on the signature (|t| > {T_LEAK})");
        ok = false;
    }

    // ct_eq alone, over the 64 hex digits verify compares.
    let n_small = 16_000_000 / scale;
    let mut buf = vec![0u8; 64];
    let p = buf.as_mut_ptr();
    // SAFETY (the closures below): `p`/`q` point at the live buffer the
    // harness writes before each call, never while a slice of it is held.
    let recv = || unsafe { std::slice::from_raw_parts(p, 64) };
    let d = dudect(n_small, 0xc7e9_0001, p, &sigs, &mut || {
        black_box(sigv4rs::sign::ct_eq(black_box(&sig), black_box(recv())));
    });
    println!("{}", dudect_line("ct_eq (64 bytes)", &d));
    if d.t.iter().any(|&t| t > T_LEAK) {
        println!("  LEAK: ct_eq's time depends on where the inputs differ (|t| > {T_LEAK})");
        ok = false;
    }

    // Controls, the same harness: four identical classes (A/A: must not
    // fail), then early-exit comparisons (must). glibc's memcmp compares 32
    // bytes per step here, so on 64 bytes the exit's position shows only
    // across the 32-byte boundary (c-d stays small); a 1 KiB one shows it
    // everywhere.
    let same = vec![sig.clone(); 4];
    let d = dudect(n_small / 4, 0xaaaa_0001, p, &same, &mut || {
        black_box(sigv4rs::sign::ct_eq(black_box(&sig), black_box(recv())));
    });
    println!("{}", dudect_line("control A/A: ct_eq, 4 x correct", &d));
    if d.t.iter().any(|&t| t > T_LEAK) {
        println!("  the harness finds a difference between identical classes: it cannot be trusted");
        ok = false;
    }
    let long: Vec<u8> = sig.iter().cycle().take(1024).copied().collect();
    let longs = classes(&long, [0, 1023, 512]);
    let mut lbuf = vec![0u8; 1024];
    let q = lbuf.as_mut_ptr();
    let lrecv = || unsafe { std::slice::from_raw_parts(q, 1024) };
    type Cmp = fn(&[u8], &[u8]) -> bool;
    // (name, comparison, over 1 KiB: the required one)
    let controls: [(&str, Cmp, bool); 3] = [
        ("control: a == b (64 bytes)", naive_eq, false),
        ("control: byte loop early exit (64)", naive_loop_eq, false),
        ("control: a == b (1 KiB)", naive_eq, true),
    ];
    for (k, (name, cmp, required)) in controls.into_iter().enumerate() {
        let (a, inputs, slot) = if required { (&long, &longs, q) } else { (&sig, &sigs, p) };
        let d = dudect(n_small / 4, 0xbad0_0000 + k as u64, slot, inputs, &mut || {
            let b = if required { lrecv() } else { recv() };
            black_box(cmp(black_box(a), black_box(b)));
        });
        let seen = d.t[3].max(d.t[4]) > T_LEAK; // b-c, b-d: the position alone
        println!(
            "{}  {}",
            dudect_line(name, &d),
            if seen { "(leak seen)" } else { "(NOT seen)" }
        );
        if required && !seen {
            println!("  the harness does not see a 1 KiB early exit: it cannot fail, so it does not pass");
            ok = false;
        }
    }
    println!(
        "    timing test: {:.1} s, {}",
        start.elapsed().as_secs_f64(),
        if ok { "no leak" } else { "FAILED" }
    );
    ok
}

// ---------------------------------------------------------------- main

fn main() {
    let quick = std::env::args().any(|a| a == "--quick") || std::env::var_os("SIGV4RS_BENCH_QUICK").is_some();
    let budget = Duration::from_millis(if quick { 300 } else { 2000 });
    // `cargo bench --bench sign -- verify`: the verification rows and the
    // timing test only (summary.json is then left as it is).
    let verify_only = std::env::args().any(|a| a == "verify");
    if verify_only {
        bench_verify(budget / 2);
        bench_body_verify(budget / 2);
        if !timing_test(quick) {
            std::process::exit(1);
        }
        return;
    }
    let mut records = Vec::new();
    let public = suite_public_key();
    let mut v4a_rows = Vec::new();
    let mut v4a_ns: Vec<(&str, bool, f64, f64)> = Vec::new();
    println!(
        "{:<3} {:<6} {:>11} {:>11} {:>11} {:>11} {:>9} {:>9} {:>7}",
        "", "", "sigv4rs C", "sigv4rs Rs", "floor", "aws-sigv4", "x floor", "vs aws", "allocs"
    );
    for w in workloads() {
        // Same signatures as aws-sigv4, and the canonical request the floor hashes.
        let s = Signer::new(&config(&w)).unwrap();
        let t = Target::parse_url(w.url.as_bytes()).unwrap();
        let hs: Vec<(&[u8], &[u8])> = w.headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect();
        let hl: &[(&[u8], &[u8])] = &hs;
        let req = Request {
            method: w.method.as_bytes(),
            target: t,
            headers: &hl,
            payload: Payload::Auto(&w.body),
        };
        let mode = w.presign.map_or(Mode::Headers, Mode::Presign);
        let ours = String::from_utf8(s.signature(&req, TIME, mode).unwrap().to_vec()).unwrap();
        let aws = Aws::new(&w);
        assert_eq!(ours, aws.sign(&w), "{}: signatures differ from aws-sigv4", w.id);
        let mut buf = vec![0u8; 4096];
        let n = s.canonical_request(&req, TIME, mode, &mut buf).unwrap();
        assert_eq!(
            &buf[..n - 1],
            w.creq.as_bytes(),
            "{}: floor's canonical request differs",
            w.id
        );

        let floor = Floor::new(&w);
        let creq = c_request(&w);
        let mut cfg_storage = Box::new(sigv4rs_signer_storage {
            _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
        });
        let ccfg = c_config(&w);
        let mut reused = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_new(&ccfg, &mut reused), sigv4rs_status::Ok);
        let mut out = [0u8; 2048];

        for fresh in [false, true] {
            let variant = if fresh { "fresh" } else { "reuse" };
            let mut c_call = || {
                if fresh {
                    let mut p = std::ptr::null_mut();
                    assert_eq!(
                        sigv4rs_signer_init(&mut *cfg_storage, &ccfg, &mut p),
                        sigv4rs_status::Ok
                    );
                    black_box(c_sign(p, &w, &creq, &mut out));
                    sigv4rs_signer_deinit(&mut *cfg_storage);
                } else {
                    black_box(c_sign(reused, &w, &creq, &mut out));
                }
            };
            let c_allocs = allocs_per_call(200, &mut c_call);
            let mut rs_out = [0u8; 2048];
            let mut rs_call = || {
                if fresh {
                    let s = Signer::new(&config(&w)).unwrap();
                    black_box(rust_sign(&s, &w, &mut rs_out));
                } else {
                    black_box(rust_sign(&s, &w, &mut rs_out));
                }
            };
            let rs_allocs = allocs_per_call(200, &mut rs_call);
            let mut floor_call = || {
                black_box(floor.run(&w.body, fresh));
            };
            let mut aws_call = || {
                black_box(aws.sign(&w));
            };
            let aws_allocs = allocs_per_call(50, &mut aws_call);
            let mut sha_call = || {
                black_box(sha2::Sha256::digest(&w.body));
            };
            let big = w.id == "W4";
            let t = if big {
                measure(
                    &mut [&mut c_call, &mut rs_call, &mut floor_call, &mut aws_call, &mut sha_call],
                    budget,
                )
            } else {
                measure(&mut [&mut c_call, &mut rs_call, &mut floor_call, &mut aws_call], budget)
            };
            let (c_ns, rs_ns, floor_ns, aws_ns) = (t[0], t[1], t[2], t[3]);
            println!(
                "{:<3} {:<6} {:>11.0} {:>11.0} {:>11.0} {:>11.0} {:>9.3} {:>9.2} {:>7.1}",
                w.id,
                variant,
                c_ns,
                rs_ns,
                floor_ns,
                aws_ns,
                c_ns / floor_ns,
                aws_ns / c_ns,
                c_allocs
            );
            let mut rec = format!(
                "{{\"workload\":\"{}\",\"variant\":\"{variant}\",\"operation\":\"sign\",\"algorithm\":\"sigv4\",\"sigv4rs_ns\":{c_ns:.1},\"sigv4rs_rust_ns\":{rs_ns:.1},\
                 \"floor_ns\":{floor_ns:.1},\"aws_sigv4_ns\":{aws_ns:.1},\"ratio_to_floor\":{:.4},\
                 \"ratio_to_floor_rust\":{:.4},\"speedup_vs_aws_sigv4\":{:.3},\"allocs_per_sign\":{c_allocs},\
                 \"allocs_per_sign_rust\":{rs_allocs},\"aws_sigv4_allocs_per_sign\":{aws_allocs}",
                w.id,
                c_ns / floor_ns,
                rs_ns / floor_ns,
                aws_ns / c_ns
            );
            if big {
                let mib = w.body.len() as f64 / 1e6;
                rec.push_str(&format!(
                    ",\"mb_per_s\":{:.1},\"sha256_mb_per_s\":{:.1},\"throughput_ratio\":{:.4}",
                    mib / (c_ns / 1e9),
                    mib / (t[4] / 1e9),
                    t[4] / c_ns
                ));
                println!(
                    "    W4 throughput: sigv4rs {:.0} MB/s, raw SHA-256 {:.0} MB/s ({:.1} %)",
                    mib / (c_ns / 1e9),
                    mib / (t[4] / 1e9),
                    100.0 * t[4] / c_ns
                );
            }
            rec.push('}');
            records.push(rec);
        }

        // SigV4a on the same workload (the region becomes the region set),
        // timed interleaved with SigV4 through the C ABI for the ratio.
        let a_flags = if w.s3 { SIGV4RS_FLAG_S3 } else { 0 } | SIGV4RS_FLAG_SIGV4A;
        let sa = Signer::new(&config_flags(&w, a_flags)).unwrap();
        check_v4a(&w, &sa, &aws, &public);
        let ccfg_a = c_config_flags(&w, a_flags);
        let mut reused_a = std::ptr::null_mut();
        assert_eq!(sigv4rs_signer_new(&ccfg_a, &mut reused_a), sigv4rs_status::Ok);
        let mut storage_a = Box::new(sigv4rs_signer_storage {
            _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
        });
        let mut out_a = [0u8; 2048];
        let mut rs_out_a = [0u8; 2048];
        for fresh in [false, true] {
            let variant = if fresh { "fresh" } else { "reuse" };
            let mut v4_call = || {
                black_box(c_once(&mut cfg_storage, &ccfg, reused, fresh, &w, &creq, &mut out));
            };
            let mut a_call = || {
                black_box(c_once(&mut storage_a, &ccfg_a, reused_a, fresh, &w, &creq, &mut out_a));
            };
            let a_allocs = allocs_per_call(100, &mut a_call);
            let mut rs_a_call = || {
                if fresh {
                    let s = Signer::new(&config_flags(&w, a_flags)).unwrap();
                    black_box(rust_sign(&s, &w, &mut rs_out_a));
                } else {
                    black_box(rust_sign(&sa, &w, &mut rs_out_a));
                }
            };
            let rs_a_allocs = allocs_per_call(100, &mut rs_a_call);
            let mut aws_a_call = || {
                black_box(aws.sign_v4a(&w));
            };
            // The private key derivation alone (what a fresh signer adds).
            let mut kdf_call = || {
                black_box(sigv4rs::sign::derive_v4a(AKID.as_bytes(), SECRET.as_bytes()));
            };
            let t = measure(
                &mut [
                    &mut v4_call,
                    &mut a_call,
                    &mut rs_a_call,
                    &mut aws_a_call,
                    &mut kdf_call,
                ],
                budget,
            );
            let (v4_ns, a_ns, rs_a_ns, aws_a_ns, kdf_ns) = (t[0], t[1], t[2], t[3], t[4]);
            v4a_rows.push(format!(
                "{:<3} {:<6} {:>11.0} {:>11.0} {:>11.0} {:>11.0} {:>9.2} {:>9.2} {:>7.1}",
                w.id,
                variant,
                v4_ns,
                a_ns,
                rs_a_ns,
                aws_a_ns,
                a_ns / v4_ns,
                aws_a_ns / a_ns,
                a_allocs
            ));
            v4a_ns.push((w.id, fresh, a_ns, kdf_ns));
            records.push(format!(
                "{{\"workload\":\"{}\",\"variant\":\"{variant}\",\"operation\":\"sign\",\"algorithm\":\"sigv4a\",\"sigv4rs_ns\":{a_ns:.1},\
                 \"sigv4rs_rust_ns\":{rs_a_ns:.1},\"sigv4_ns\":{v4_ns:.1},\"ratio_to_sigv4\":{:.4},\
                 \"aws_sigv4a_ns\":{aws_a_ns:.1},\"speedup_vs_aws_sigv4a\":{:.3},\"kdf_ns\":{kdf_ns:.1},\
                 \"allocs_per_sign\":{a_allocs},\"allocs_per_sign_rust\":{rs_a_allocs}}}",
                w.id,
                a_ns / v4_ns,
                aws_a_ns / a_ns
            ));
        }
        sigv4rs_signer_free(reused_a);
        sigv4rs_signer_free(reused);
    }
    println!();
    println!("SigV4a (AWS4-ECDSA-P256-SHA256), same workloads, timed interleaved with SigV4 (C ABI):");
    println!(
        "{:<3} {:<6} {:>11} {:>11} {:>11} {:>11} {:>9} {:>9} {:>7}",
        "", "", "v4 C", "v4a C", "v4a Rs", "aws v4a", "v4a/v4", "vs aws", "allocs"
    );
    for r in &v4a_rows {
        println!("{r}");
    }
    // First signature (fresh: a new signer derives the private key, then
    // caches it) vs steady state (reuse: the cached key).
    let kdf = v4a_ns.iter().map(|r| r.3).fold(f64::MAX, f64::min);
    for id in ["W1", "W2", "W3"] {
        let get = |fresh| v4a_ns.iter().find(|r| r.0 == id && r.1 == fresh).map(|r| r.2).unwrap();
        println!(
            "    {id} v4a first signature {:.0} ns, steady state {:.0} ns ({:+.0} ns; key derivation alone {kdf:.0} ns)",
            get(true),
            get(false),
            get(true) - get(false)
        );
    }
    records.extend(bench_verify(budget / 2));
    records.extend(bench_body_verify(budget / 2));
    let timing_ok = timing_test(quick);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("summary.json"), format!("[\n{}\n]\n", records.join(",\n"))).unwrap();
    println!("wrote target/bench/summary.json");
    if !timing_ok {
        eprintln!("bench: the timing test failed (see above)");
        std::process::exit(1);
    }
}
