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
