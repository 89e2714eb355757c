//! One signer shared by many threads (issue 7): a heap signer (`_new`) and
//! one in caller storage (`_init`), each used by 8 threads at once for
//! header signing, presigning, the debug outputs and aws-chunked uploads
//! (per-thread state), on requests spread over several UTC days so the key
//! cache is replaced while others read it. Every result must equal the one a
//! fresh signer gives single-threaded. Under ThreadSanitizer:
//! `tests/tools/tsan.sh`.

mod common;

use std::sync::Barrier;

use common::b;
use sigv4rs::ffi::*;
use sigv4rs_status as S;

const T: i64 = 1_440_938_160;
const THREADS: usize = 8;

/// Fewer rounds under a sanitizer (`SIGV4RS_THREADS_ROUNDS`).
fn rounds(default: usize) -> usize {
    std::env::var("SIGV4RS_THREADS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy)]
struct Shared(*const sigv4rs_signer);
// SAFETY: the header's promise under test: a signer may be used from any
// number of threads at once.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    // A method, so closures capture the whole (Send) wrapper.
    fn get(self) -> *const sigv4rs_signer {
        self.0
    }
}

fn config() -> sigv4rs_config {
    sigv4rs_config {
        access_key_id: b(b"AKIDEXAMPLE"),
        secret_access_key: b(b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        session_token: b(b"SESSIONTOKEN"),
        region: b(b"us-east-1"),
        service: b(b"s3"),
        flags: SIGV4RS_FLAG_S3,
        unsigned_headers: std::ptr::null(),
        unsigned_headers_len: 0,
        expiration: 0,
    }
}

fn new_signer() -> *mut sigv4rs_signer {
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&config(), &mut s), S::Ok);
    s
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Headers,
    Presign,
    Canonical,
    StringToSign,
    Chunked,
}

/// The work item `j` of thread `i`: its operation, time and request bits.
#[derive(Clone, Debug)]
struct Job {
    op: Op,
    time: i64,
    url: String,
    meta: String,
    body: Vec<u8>,
}

fn job(i: usize, j: usize) -> Job {
    let op = [Op::Headers, Op::Presign, Op::Canonical, Op::StringToSign, Op::Chunked][(i + j) % 5];
    // Six UTC days, a different one for neighbouring jobs and threads.
    let day = ((i * 7 + j * 5) % 6) as i64;
    Job {
        op,
        time: T + day * 86_400 + (i * 37 + j) as i64,
        url: format!("https://examplebucket.s3.amazonaws.com/t{i}/obj-{j}.bin?part={j}&x=%20{i}"),
        meta: format!("thread {i} job {j}"),
        body: (0..(100 + 31 * j)).map(|k| (k * 7 + i) as u8).collect(),
    }
}

fn run(signer: *const sigv4rs_signer, job: &Job) -> Vec<u8> {
    let hs = [
        sigv4rs_header {
            name: b(b"X-Amz-Meta-Note"),
            value: b(job.meta.as_bytes()),
        },
        sigv4rs_header {
            name: b(b"Content-Type"),
            value: b(b"application/octet-stream"),
        },
    ];
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(job.url.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: hs.len(),
        payload_mode: sigv4rs_payload_mode::Bytes as u32,
        payload: b(&job.body),
    };
    let mut out = vec![0u8; 4096];
    let mut len = 0usize;
    let (o, c) = (out.as_mut_ptr(), out.len());
    let t = job.time;
    let st = match job.op {
        Op::Headers => sigv4rs_signer_sign_headers(signer, &req, t, o, c, &mut len),
        Op::Presign => sigv4rs_signer_presign(signer, &req, t, 900, o, c, &mut len),
        Op::Canonical => {
            sigv4rs_signer_canonical_request(signer, &req, t, sigv4rs_auth::Headers as u32, 0, o, c, &mut len)
        }
        Op::StringToSign => {
            sigv4rs_signer_string_to_sign(signer, &req, t, sigv4rs_auth::Presign as u32, 60, o, c, &mut len)
        }
        Op::Chunked => return chunked(signer, &req, job),
    };
    assert_eq!(st, S::Ok, "{job:?}");
    out.truncate(len);
    out
}

/// A whole aws-chunked upload with a state on this thread's stack: seed
/// headers, every chunk header, the end; concatenated.
fn chunked(signer: *const sigv4rs_signer, req: &sigv4rs_request, job: &Job) -> Vec<u8> {
    let stream = sigv4rs_stream {
        mode: sigv4rs_stream_mode::SignedTrailer as u32,
        checksum: sigv4rs_checksum::Crc32c as u32,
        decoded_length: job.body.len() as u64,
        chunk_size: 64,
    };
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let mut out = vec![0u8; 4096];
    let mut all = Vec::new();
    let mut len = 0usize;
    let st = sigv4rs_chunked_begin(
        signer,
        req,
        job.time,
        &stream,
        &mut state,
        out.as_mut_ptr(),
        out.len(),
        &mut len,
    );
    assert_eq!(st, S::Ok);
    all.extend_from_slice(&out[..len]);
    for piece in job.body.chunks(64) {
        let st = sigv4rs_chunked_sign_chunk(signer, &mut state, b(piece), out.as_mut_ptr(), out.len(), &mut len);
        assert_eq!(st, S::Ok);
        all.extend_from_slice(&out[..len]);
    }
    let st = sigv4rs_chunked_finish(signer, &mut state, out.as_mut_ptr(), out.len(), &mut len);
    assert_eq!(st, S::Ok);
    all.extend_from_slice(&out[..len]);
    all
}

/// Single-threaded, a fresh signer (cold cache) per job.
fn reference(jobs: &[Vec<Job>]) -> Vec<Vec<Vec<u8>>> {
    jobs.iter()
        .map(|row| {
            row.iter()
                .map(|j| {
                    let s = new_signer();
                    let r = run(s, j);
                    sigv4rs_signer_free(s);
                    r
                })
                .collect()
        })
        .collect()
}

/// All threads start together and run their jobs on `signer`.
fn concurrent(signer: Shared, jobs: &[Vec<Job>]) -> Vec<Vec<Vec<u8>>> {
    let start = Barrier::new(jobs.len());
    std::thread::scope(|sc| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|row| {
                let start = &start;
                sc.spawn(move || {
                    start.wait();
                    row.iter().map(|j| run(signer.get(), j)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn check(kind: &str, signer: Shared, n: usize) {
    let jobs: Vec<Vec<Job>> = (0..THREADS).map(|i| (0..n).map(|j| job(i, j)).collect()).collect();
    let want = reference(&jobs);
    for round in 0..3 {
        let got = concurrent(signer, &jobs);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            for (j, (g, w)) in g.iter().zip(w).enumerate() {
                assert!(
                    g == w,
                    "{kind} signer, round {round}, thread {i}, job {j} ({:?}): differs from single-threaded",
                    jobs[i][j]
                );
            }
        }
    }
}

#[test]
fn heap_signer_shared_by_threads() {
    let s = new_signer();
    check("heap", Shared(s), rounds(100));
    sigv4rs_signer_free(s);
}

#[test]
fn storage_signer_shared_by_threads() {
    let mut storage = Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    });
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(&mut *storage, &config(), &mut s), S::Ok);
    check("storage", Shared(s), rounds(100));
    sigv4rs_signer_deinit(&mut *storage);
}

/// The key cache's writers race: every thread signs the same request on
/// alternating days, so the cached day flips all the time; a torn key would
/// give a wrong signature.
#[test]
fn key_cache_under_contention() {
    let s = new_signer();
    let shared = Shared(s);
    let days = 3;
    let jobs: Vec<Job> = (0..days)
        .map(|d| Job {
            op: Op::Headers,
            time: T + d as i64 * 86_400,
            url: "https://examplebucket.s3.amazonaws.com/same".into(),
            meta: "same".into(),
            body: b"same".to_vec(),
        })
        .collect();
    let want: Vec<Vec<u8>> = jobs
        .iter()
        .map(|j| {
            let f = new_signer();
            let r = run(f, j);
            sigv4rs_signer_free(f);
            r
        })
        .collect();
    let n = rounds(5000);
    let start = Barrier::new(THREADS);
    std::thread::scope(|sc| {
        for i in 0..THREADS {
            let (start, jobs, want) = (&start, &jobs, &want);
            sc.spawn(move || {
                start.wait();
                for k in 0..n {
                    let d = (i + k) % days;
                    assert!(
                        run(shared.get(), &jobs[d]) == want[d],
                        "thread {i}, iteration {k}, day {d}"
                    );
                }
            });
        }
    });
    sigv4rs_signer_free(s);
}

/// The Rust API's `Signer` is `Sync` and gives the same answers shared.
#[test]
fn rust_signer_is_sync() {
    use sigv4rs::sign::{Config, Flags, Payload, Request, Signer, Target};
    fn assert_sync<T: Sync + Send>() {}
    assert_sync::<Signer>();
    const NONE: [&[u8]; 0] = [];
    let cfg = Config {
        access_key_id: b"AKIDEXAMPLE",
        secret_access_key: b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token: b"",
        expiration: None,
        region: b"us-east-1",
        service: b"s3",
        flags: Flags::S3,
        unsigned_headers: &NONE,
    };
    let sign = |s: &Signer, day: i64| {
        let hs: [(&[u8], &[u8]); 0] = [];
        let req = Request {
            method: b"GET",
            target: Target::parse_url(b"https://examplebucket.s3.amazonaws.com/k").unwrap(),
            headers: &hs,
            payload: Payload::Unsigned,
        };
        let mut out = [0u8; 1024];
        let n = s.sign_headers(&req, T + day * 86_400, &mut out).unwrap();
        out[..n].to_vec()
    };
    let want: Vec<Vec<u8>> = (0..4).map(|d| sign(&Signer::new(&cfg).unwrap(), d)).collect();
    let shared = Signer::new(&cfg).unwrap();
    let n = rounds(2000);
    std::thread::scope(|sc| {
        for i in 0..THREADS {
            let (shared, want, sign) = (&shared, &want, &sign);
            sc.spawn(move || {
                for k in 0..n {
                    let d = (i + k) % 4;
                    assert!(sign(shared, d as i64) == want[d]);
                }
            });
        }
    });
}

// ---------------------------------------------------------------------------
// Rotation under load (issue 13).

/// Milliseconds each rotation run lasts (`SIGV4RS_ROTATION_MS`; a
/// sanitizer run may shorten it).
fn rotation_ms() -> u64 {
    std::env::var("SIGV4RS_ROTATION_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

const W1_URL: &str = "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026";

/// Credential set `k` of the rotation: key id, secret, token.
fn rotation_set(k: usize) -> (String, String, String) {
    (
        format!("ASIAROTATION{k}EXAMPLE"),
        format!("rotation/secret+{k}/{}", "abcdefghij".repeat(3)),
        format!("rotation-token-{k}-{}", "Zm9vYmFy".repeat(4 + k)),
    )
}

/// aws-sigv4's signature of the W1 request (GET, `Range`, empty body, S3
/// settings) with set `k` at `T`.
fn aws_w1_signature(k: usize) -> String {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
        UriPathNormalizationMode, sign,
    };
    use std::time::{Duration, UNIX_EPOCH};
    let (akid, secret, token) = rotation_set(k);
    let identity = aws_credential_types::Credentials::new(akid, secret, Some(token), None, "test").into();
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("s3")
        .time(UNIX_EPOCH + Duration::from_secs(T as u64))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let hs = [("range", "bytes=0-9")];
    let req = SignableRequest::new("GET", W1_URL, hs.iter().copied(), SignableBody::Bytes(b"")).unwrap();
    sign(req, &params).unwrap().into_parts().1
}

/// Signs W1 and returns (key id, token, signature) from the output.
fn sign_w1(signer: *const sigv4rs_signer, out: &mut [u8]) -> (String, String, String) {
    let hs = [sigv4rs_header {
        name: b(b"Range"),
        value: b(b"bytes=0-9"),
    }];
    let req = sigv4rs_request {
        method: b(b"GET"),
        url: b(W1_URL.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: hs.len(),
        payload_mode: sigv4rs_payload_mode::Auto as u32,
        payload: b(b""),
    };
    let mut len = 0usize;
    let st = sigv4rs_signer_sign_headers(signer, &req, T, out.as_mut_ptr(), out.len(), &mut len);
    assert_eq!(st, S::Ok);
    let text = std::str::from_utf8(&out[..len - 1]).unwrap();
    let (mut akid, mut token, mut sig) = (String::new(), String::new(), String::new());
    for line in text.split('\0') {
        if let Some(v) = line.strip_prefix("X-Amz-Security-Token: ") {
            token = v.to_string();
        } else if let Some(v) = line.strip_prefix("Authorization: ") {
            let cred = v.split("Credential=").nth(1).unwrap();
            akid = cred[..cred.find('/').unwrap()].to_string();
            sig = v.rsplit("Signature=").next().unwrap().to_string();
        }
    }
    (akid, token, sig)
}

/// 8 threads sign W1 on one signer while another rotates it every
/// millisecond among 4 sets: every Authorization carries set k's key id and
/// set k's signature (aws-sigv4's), and the token of set k: never a mix.
/// With `storage` (the signer's caller storage), also: once the threads
/// are done, the storage holds no secret but the current set's.
fn rotation_under_load(kind: &str, signer: Shared, storage: Option<*const sigv4rs_signer_storage>) -> usize {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::time::{Duration, Instant};
    let sets: Vec<(String, String, String)> = (0..4).map(rotation_set).collect();
    let want: Vec<(String, String, String)> = (0..4)
        .map(|k| (sets[k].0.clone(), sets[k].2.clone(), aws_w1_signature(k)))
        .collect();
    let stop = AtomicBool::new(false);
    let verified = AtomicUsize::new(0);
    let (mut rotations, mut busy, mut current) = (0usize, 0usize, 0usize);
    let mut slowest = Duration::ZERO;
    let seen = std::sync::Mutex::new([0usize; 4]);
    let start = Barrier::new(THREADS + 1);
    std::thread::scope(|sc| {
        for i in 0..THREADS {
            let (stop, verified, want, start, seen) = (&stop, &verified, &want, &start, &seen);
            sc.spawn(move || {
                let mut out = vec![0u8; 4096];
                let mut counts = [0usize; 4];
                start.wait();
                while !stop.load(SeqCst) {
                    let got = sign_w1(signer.get(), &mut out);
                    let k = want
                        .iter()
                        .position(|w| w.0 == got.0)
                        .unwrap_or_else(|| panic!("{kind}, thread {i}: key id {:?} of no set", got.0));
                    assert!(
                        got == want[k],
                        "{kind}, thread {i}: key id of set {k} but {got:?}, want {:?}",
                        want[k]
                    );
                    counts[k] += 1;
                }
                verified.fetch_add(counts.iter().sum::<usize>(), SeqCst);
                let mut s = seen.lock().unwrap();
                for (a, c) in s.iter_mut().zip(counts) {
                    *a += c;
                }
            });
        }
        start.wait();
        let t0 = Instant::now();
        let mut next = 1;
        let mut tick = t0;
        while t0.elapsed() < Duration::from_millis(rotation_ms()) {
            // One rotation per millisecond, or back to back when one takes
            // longer (a rotation waits for the calls still using the slot
            // it refills).
            tick += Duration::from_millis(1);
            if let Some(d) = tick.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
            let r0 = Instant::now();
            let (akid, secret, token) = &sets[next % 4];
            let c = sigv4rs_credentials {
                access_key_id: b(akid.as_bytes()),
                secret_access_key: b(secret.as_bytes()),
                session_token: b(token.as_bytes()),
                expiration: 0,
            };
            let st = sigv4rs_signer_rotate(signer.get(), &c);
            slowest = slowest.max(r0.elapsed());
            match st {
                S::Ok => {
                    rotations += 1;
                    current = next % 4;
                    next += 1;
                }
                // The slot to fill still had a reader (a signing thread
                // descheduled mid-call): nothing changed; try again.
                S::Busy => busy += 1,
                st => panic!("{kind}: rotate: {st:?}"),
            }
        }
        stop.store(true, SeqCst);
    });
    let n = verified.load(SeqCst);
    let per_set = *seen.lock().unwrap();
    eprintln!(
        "{kind} signer: {n} signatures verified, {rotations} rotations ({busy} BUSY retries, slowest {slowest:?}), \
         per set {per_set:?}"
    );
    if let Some(st) = storage {
        // SAFETY: the storage outlives this call; no thread uses it now.
        let bytes: Vec<u8> = unsafe { &*st }._opaque.iter().flat_map(|w| w.to_ne_bytes()).collect();
        let held: Vec<usize> = sets
            .iter()
            .map(|(_, secret, _)| bytes.windows(secret.len()).filter(|w| *w == secret.as_bytes()).count())
            .collect();
        let want: Vec<usize> = (0..4).map(|k| usize::from(k == current)).collect();
        assert_eq!(
            held, want,
            "{kind}: copies of each set's secret in the storage (current: set {current})"
        );
    }
    assert!(rotations >= 4, "{kind}: only {rotations} rotations");
    assert!(
        per_set.iter().all(|&c| c > 0),
        "{kind}: some set never signed: {per_set:?}"
    );
    n
}

#[test]
fn rotation_under_load_every_signature_is_one_whole_set() {
    let (akid, secret, token) = rotation_set(0);
    let cfg = sigv4rs_config {
        access_key_id: b(akid.as_bytes()),
        secret_access_key: b(secret.as_bytes()),
        session_token: b(token.as_bytes()),
        ..config()
    };
    let mut heap = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&cfg, &mut heap), S::Ok);
    let mut n = rotation_under_load("heap", Shared(heap), None);
    sigv4rs_signer_free(heap);
    let mut storage = Box::new(sigv4rs_signer_storage {
        _opaque: [0; SIGV4RS_SIGNER_STORAGE_SIZE / 8],
    });
    let mut s = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_init(&mut *storage, &cfg, &mut s), S::Ok);
    n += rotation_under_load("storage", Shared(s), Some(&*storage));
    sigv4rs_signer_deinit(&mut *storage);
    eprintln!("rotation: {n} signatures verified");
}
