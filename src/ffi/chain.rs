//! The default credential chain for C (hosted builds): environment,
//! shared files and profiles (`credential_process`, `role_arn`, web
//! identity), container endpoint, IMDSv2, as `creds::chain` resolves them,
//! with HTTPS (STS) through a transport callback the caller supplies
//! (libcurl, or a binding's HTTP stack): the library links no TLS stack.

use core::ffi::c_void;
use std::boxed::Box;
use std::format;
use std::string::{String, ToString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::vec::Vec;

use zeroize::Zeroize;

use super::boundary::{ffi_boundary, ffi_boundary_void, try_status};
use super::consts::SIGV4RS_MAX_REGION_LEN;
use super::creds::sigv4rs_credentials_sink;
use super::request::sigv4rs_header;
use super::slice::{array, bytes, output, sigv4rs_bytes};
use super::status::{CallbackStatus, callback_code, sigv4rs_status};
use crate::creds::chain::{ChainOptions, DEFAULT_PROCESS_TIMEOUT_MS, resolve};
use crate::creds::{ErrorKind, HttpRequest, HttpResponse, ProcessEnv, Transport};
use crate::sign::{CredentialSet, CredentialSink};

/// Longest response body a transport may deliver with
/// `sigv4rs_http_response_write` (1 MiB); more fails the exchange.
pub const SIGV4RS_MAX_HTTP_RESPONSE_LEN: usize = 1_048_576;

/// An HTTPS request the library asks the transport to send (STS
/// `AssumeRole` / `AssumeRoleWithWebIdentity`). Every pointer is valid
/// during the transport call only. Header values and the body may hold
/// credentials (a signature, a session token, a web identity token): do
/// not log them.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_http_request {
    /// `POST`.
    pub method: sigv4rs_bytes,
    /// Absolute `https://` URL (`http://` when `AWS_ENDPOINT_URL_STS` or a
    /// profile's endpoint says so).
    pub url: sigv4rs_bytes,
    /// Headers to send as given (`Content-Type`, `Authorization`,
    /// `X-Amz-Date`, ...); the transport adds `Host` and `Content-Length`.
    pub headers: *const sigv4rs_header,
    /// Number of entries in `headers`.
    pub headers_len: usize,
    /// Request body (a form).
    pub body: sigv4rs_bytes,
    /// The whole exchange (connect, send, receive) must end within this
    /// many milliseconds: the transport enforces it (libcurl:
    /// `CURLOPT_TIMEOUT_MS`) and fails the call when it passes.
    pub timeout_ms: u32,
}

/// Where the transport puts the answer: it sets `status` and delivers the
/// body with `sigv4rs_http_response_write`. Made by the library for one
/// transport call and valid during that call only.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct sigv4rs_http_response {
    /// The HTTP status code received (200, 403, ...). Leaving it 0 fails
    /// the exchange.
    pub status: u32,
    /// Private to the library: do not change.
    pub _private: *mut c_void,
}

/// The HTTPS transport: sends `req`, sets `resp->status`, delivers the body
/// with `sigv4rs_http_response_write(resp, ...)` (in as many pieces as
/// convenient, like libcurl's write callback) and returns OK. Any other
/// status (a connection error, a timeout, a write that was refused) fails
/// the exchange; the library then retries as botocore does (5 attempts in
/// all, or `AWS_MAX_ATTEMPTS` / the profile's `max_attempts`, with backoff). The transport enforces `req->timeout_ms`
/// itself. It runs on the thread that resolves (a signing thread when the
/// chain is a signer's provider), one call at a time per chain, and must
/// not call `sigv4rs_chain_resolve` on the same chain.
#[allow(non_camel_case_types)]
pub type sigv4rs_transport_fn = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        req: *const sigv4rs_http_request,
        resp: *mut sigv4rs_http_response,
    ) -> sigv4rs_status,
>;

/// How `sigv4rs_chain_new` sets up a chain. Zero-initialize, then set what
/// you need: `{0}` is the SDKs' default chain without STS.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_chain_options {
    /// Profile to use (as `Session(profile_name=...)`): it must exist in
    /// the shared files, and the environment variables step is skipped.
    /// Empty: `AWS_PROFILE`, else `default`. UTF-8 without control bytes.
    pub profile: sigv4rs_bytes,
    /// Region for STS. Empty: `AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile's `region`, else `us-east-1`.
    pub region: sigv4rs_bytes,
    /// HTTPS for STS; NULL: no STS, so `role_arn` and web identity
    /// profiles fail with NO_TRANSPORT.
    pub transport: sigv4rs_transport_fn,
    /// Passed back to `transport`; must stay valid while the chain lives.
    pub transport_user: *mut c_void,
    /// Longest run of a `credential_process` before it is killed (ms); 0:
    /// 60,000.
    pub process_timeout_ms: u32,
}

/// The default credential chain (heap, hosted builds only). Resolves with
/// the process environment and the shared files each time it is asked;
/// calls from several threads run one at a time.
#[allow(non_camel_case_types)]
pub struct sigv4rs_chain {
    _private: [u8; 0],
}

const CHAIN_TAG: u64 = u64::from_le_bytes(*b"sv4chain");
const BODY_TAG: u64 = u64::from_le_bytes(*b"sv4rbody");

/// What a `sigv4rs_chain *` points to.
#[repr(C)]
struct Chain {
    /// `CHAIN_TAG` (first, so that a pointer to something else is refused).
    tag: u64,
    opts: ChainOptions,
    /// Held for a whole resolve: they run one at a time.
    resolving: Mutex<()>,
    /// The thread running a resolve ([`thread_mark`], 0 for none): a
    /// transport calling back in is BUSY instead of a deadlock.
    holder: AtomicUsize,
    /// "<Source>: <kind>: <detail>" of the last resolve; empty after a
    /// success. Never a secret.
    last_error: Mutex<String>,
}

/// A number that identifies the calling thread while it lives (the
/// address of a thread-local; `std::thread::current()` would allocate a
/// handle that a C thread never frees).
fn thread_mark() -> usize {
    std::thread_local!(static MARK: u8 = const { 0 });
    MARK.with(|m| m as *const u8 as usize)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one cannot leave these values half-written.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The chain behind a handle: NULL_ARGUMENT for NULL, INVALID_ARGUMENT for
/// a pointer to something else (a signer passed by mistake).
fn as_chain<'a>(p: *const c_void) -> Result<&'a Chain, sigv4rs_status> {
    if p.is_null() {
        return Err(sigv4rs_status::NullArgument);
    }
    // SAFETY: a non-NULL handle points to at least 8 readable bytes (a
    // chain, or another library object: contract).
    if unsafe { p.cast::<u64>().read_unaligned() } != CHAIN_TAG {
        return Err(sigv4rs_status::InvalidArgument);
    }
    // SAFETY: the tag says it is a live `Chain` from `sigv4rs_chain_new`.
    Ok(unsafe { &*p.cast::<Chain>() })
}

/// Text options: UTF-8 without control bytes (a profile name goes into
/// messages and file lookups).
unsafe fn text(b: &sigv4rs_bytes) -> Result<Option<String>, sigv4rs_status> {
    // SAFETY: the caller's contract on `b`.
    let v = unsafe { bytes(b) }?;
    let s = core::str::from_utf8(v).map_err(|_| sigv4rs_status::InvalidArgument)?;
    if s.chars().any(char::is_control) {
        return Err(sigv4rs_status::InvalidArgument);
    }
    Ok((!s.is_empty()).then(|| String::from(s)))
}

/// The status for a chain error's kind.
fn status_of(kind: ErrorKind) -> sigv4rs_status {
    use sigv4rs_status as S;
    match kind {
        ErrorKind::NotFound => S::CredentialsNotFound,
        ErrorKind::Malformed => S::CredentialsMalformed,
        ErrorKind::Expired => S::CredentialsExpired,
        ErrorKind::Config => S::CredentialsConfig,
        ErrorKind::Fetch => S::CredentialsFetchFailed,
        ErrorKind::NoTransport => S::NoTransport,
    }
}

/// One line of printable text (details quote file contents and names).
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// The caller's transport as a [`Transport`] for the chain (and for tests
/// and bindings that drive a C transport from Rust).
#[doc(hidden)]
pub struct CTransport {
    f: RawTransport,
    user: *mut c_void,
}

/// `sigv4rs_transport_fn` returning a plain `u32` (`CallbackStatus`): a C
/// callback may return a number that is no `sigv4rs_status` variant.
type RawTransport =
    unsafe extern "C" fn(*mut c_void, *const sigv4rs_http_request, *mut sigv4rs_http_response) -> CallbackStatus;

// SAFETY: the callback and its user data are the caller's; the documented
// contract is that the transport may be called from any thread that
// resolves, one call at a time per chain.
unsafe impl Send for CTransport {}
// SAFETY: as above.
unsafe impl Sync for CTransport {}

impl CTransport {
    /// `None` for a NULL callback.
    pub fn new(f: sigv4rs_transport_fn, user: *mut c_void) -> Option<CTransport> {
        // SAFETY: same signature but the return type, `u32` for a
        // `#[repr(u32)]` enum: the same ABI.
        let f = f.map(|f| unsafe { core::mem::transmute::<_, RawTransport>(f) })?;
        Some(CTransport { f, user })
    }
}

/// The body a transport delivers; its growth leaves no copy of the old
/// bytes behind (an STS answer holds a secret key).
struct Body {
    tag: u64,
    data: Vec<u8>,
    /// A write went over the cap: the exchange fails.
    over: bool,
}

impl Body {
    fn write(&mut self, d: &[u8]) -> Result<(), sigv4rs_status> {
        if self.over || d.len() > SIGV4RS_MAX_HTTP_RESPONSE_LEN - self.data.len() {
            self.over = true;
            self.data.zeroize();
            return Err(sigv4rs_status::InputTooLong);
        }
        let need = self.data.len() + d.len();
        if need > self.data.capacity() {
            let cap = need.next_power_of_two().clamp(4096, SIGV4RS_MAX_HTTP_RESPONSE_LEN);
            let mut bigger = Vec::with_capacity(cap);
            bigger.extend_from_slice(&self.data);
            self.data.zeroize();
            self.data = bigger;
        }
        self.data.extend_from_slice(d);
        Ok(())
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        self.tag = 0;
        self.data.zeroize();
    }
}

fn view(s: &[u8]) -> sigv4rs_bytes {
    sigv4rs_bytes {
        ptr: s.as_ptr(),
        len: s.len(),
    }
}

impl Transport for CTransport {
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, String> {
        let headers: Vec<sigv4rs_header> = req
            .headers
            .iter()
            .map(|(n, v)| sigv4rs_header {
                name: view(n.as_bytes()),
                value: view(v.as_bytes()),
            })
            .collect();
        let creq = sigv4rs_http_request {
            method: view(req.method.as_bytes()),
            url: view(req.url.as_bytes()),
            headers: headers.as_ptr(),
            headers_len: headers.len(),
            body: view(&req.body),
            timeout_ms: req.timeout_ms,
        };
        let mut body = Body {
            tag: BODY_TAG,
            data: Vec::new(),
            over: false,
        };
        let mut resp = sigv4rs_http_response {
            status: 0,
            _private: (&mut body as *mut Body).cast(),
        };
        // SAFETY: the caller's callback with its user data; every pointer
        // is valid for the call.
        let st = callback_code(unsafe { (self.f)(self.user, &creq, &mut resp) });
        if st != 0 {
            let name = sigv4rs_status::from_u32(st).map_or("an unknown status", sigv4rs_status::name);
            return Err(format!("the transport failed ({name}, {st})"));
        }
        if body.over {
            return Err(format!(
                "the response body is over {SIGV4RS_MAX_HTTP_RESPONSE_LEN} bytes"
            ));
        }
        let status = u16::try_from(resp.status)
            .ok()
            .filter(|s| (100..=999).contains(s))
            .ok_or_else(|| format!("the transport set no HTTP status ({})", resp.status))?;
        Ok(HttpResponse {
            status,
            body: core::mem::take(&mut body.data),
        })
    }
}

/// Creates a credential chain from `options` (strings are copied). On OK,
/// `*out` is the chain, to be released with `sigv4rs_chain_free`; on error
/// `*out` is not written. Nothing is read from files or the network yet.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (a profile or region that
/// is not valid text: see the options; or a length no object can have),
/// INVALID_REGION, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_chain_new(
    options: *const sigv4rs_chain_options,
    out: *mut *mut sigv4rs_chain,
) -> sigv4rs_status {
    ffi_boundary! {
        if out.is_null() {
            return sigv4rs_status::NullArgument;
        }
        // SAFETY: NULL or valid (contract).
        let o = try_status!(unsafe { options.as_ref() }.ok_or(sigv4rs_status::NullArgument));
        // SAFETY: valid for reads (contract).
        let profile = try_status!(unsafe { text(&o.profile) });
        // SAFETY: as above.
        let region = try_status!(unsafe { text(&o.region) });
        if let Some(r) = &region {
            let ok = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.';
            if r.len() > SIGV4RS_MAX_REGION_LEN || !r.bytes().all(ok) {
                return sigv4rs_status::InvalidRegion;
            }
        }
        let transport = CTransport::new(o.transport, o.transport_user).map(|t| Arc::new(t) as Arc<dyn Transport>);
        let chain = Box::new(Chain {
            tag: CHAIN_TAG,
            opts: ChainOptions {
                profile,
                region,
                transport,
                process_timeout_ms: match o.process_timeout_ms {
                    0 => DEFAULT_PROCESS_TIMEOUT_MS,
                    ms => ms,
                },
            },
            resolving: Mutex::new(()),
            holder: AtomicUsize::new(0),
            last_error: Mutex::new(String::new()),
        });
        // SAFETY: non-NULL and writable (contract).
        unsafe { *out = Box::into_raw(chain).cast() };
        sigv4rs_status::Ok
    }
}

/// Frees a chain. NULL (or a pointer that is not a chain) is a no-op. It
/// must not race with a call using the chain, and a signer whose provider
/// it is must be freed (or its provider removed) first.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_chain_free(chain: *mut sigv4rs_chain) {
    ffi_boundary_void! {
        if as_chain(chain.cast_const().cast()).is_ok() {
            let p = chain.cast::<Chain>();
            // SAFETY: a live chain from `sigv4rs_chain_new` (tag checked),
            // freed once (contract); the tag is cleared first.
            unsafe {
                (*p).tag = 0;
                drop(Box::from_raw(p));
            }
        }
    }
}

/// A `sigv4rs_provider_fn`: resolves the chain (`user` is the
/// `sigv4rs_chain *`) and puts the credentials into `sink`. Give it to a
/// signer with `sigv4rs_signer_set_provider(signer, sigv4rs_chain_resolve,
/// chain, margin)`; or call it from your own provider (with the `sink` you
/// got) to log `sigv4rs_chain_last_error` when it fails. `unix_time` is the
/// signing time; expirations are checked against the system clock. The
/// sources are read afresh on each call (a signer calls it when its
/// credentials near expiry); calls on one chain run one at a time. The
/// credentials are copied into the sink and the library's copies zeroed.
///
/// A signer sees only success or failure (the provider contract); the
/// status says why: CREDENTIALS_NOT_FOUND (no source had any),
/// CREDENTIALS_MALFORMED (a file, process output or STS answer that does
/// not parse), CREDENTIALS_EXPIRED (a source gave expired credentials),
/// CREDENTIALS_FETCH_FAILED (a process, endpoint or STS call failed),
/// CREDENTIALS_CONFIG (an invalid or unsupported profile setting, a
/// missing profile), NO_TRANSPORT (STS needed, no transport), or the
/// sink's refusal of what the source gave.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (`chain` is not a chain),
/// BUSY (called from the chain's own transport), CREDENTIALS_NOT_FOUND,
/// CREDENTIALS_MALFORMED, CREDENTIALS_EXPIRED, CREDENTIALS_FETCH_FAILED,
/// CREDENTIALS_CONFIG, NO_TRANSPORT, INVALID_ACCESS_KEY_ID,
/// INVALID_SECRET_KEY, INVALID_SESSION_TOKEN, INVALID_TIME, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_chain_resolve(
    chain: *mut c_void,
    unix_time: i64,
    sink: *mut sigv4rs_credentials_sink,
) -> sigv4rs_status {
    ffi_boundary! {
        let c = try_status!(as_chain(chain.cast_const()));
        if sink.is_null() {
            return sigv4rs_status::NullArgument;
        }
        let _ = unix_time;
        let me = thread_mark();
        if c.holder.load(Ordering::SeqCst) == me {
            return sigv4rs_status::Busy;
        }
        let _one_at_a_time = lock(&c.resolving);
        c.holder.store(me, Ordering::SeqCst);
        struct Release<'a>(&'a AtomicUsize);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.store(0, Ordering::SeqCst);
            }
        }
        let _release = Release(&c.holder);
        let (status, message) = match resolve(&ProcessEnv, &c.opts) {
            Ok(creds) => {
                let set = CredentialSet {
                    access_key_id: creds.access_key_id.as_bytes(),
                    secret_access_key: creds.secret_access_key.as_bytes(),
                    session_token: creds.session_token.as_bytes(),
                    expiration: creds.expiration,
                };
                // SAFETY: the sink of the running provider call (contract).
                let sink = unsafe { &mut *sink.cast::<CredentialSink<'_>>() };
                match sink.put(&set) {
                    Ok(()) => (sigv4rs_status::Ok, String::new()),
                    Err(e) => {
                        let st = sigv4rs_status::from(e);
                        let why = st.message().to_str().unwrap_or("refused");
                        (st, format!("{:?}: Malformed: refused by the signer: {why}", creds.source))
                    }
                }
                // `creds` drops here: its secret and token are zeroed.
            }
            Err(e) => (status_of(e.kind), one_line(&e.to_string())),
        };
        *lock(&c.last_error) = message;
        status
    }
}

/// Writes why the last `sigv4rs_chain_resolve` on `chain` failed,
/// NUL-terminated: `"<source>: <kind>: <detail>"` (e.g. `Process: Fetch:
/// credential_process for profile "dev" exited with status 1`), or just the
/// NUL after a success or before any resolve. Never holds a secret. May run
/// while another thread resolves.
///
/// Statuses: OK, NULL_ARGUMENT, BUFFER_TOO_SMALL, INVALID_ARGUMENT
/// (`chain` is not a chain), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_chain_last_error(
    chain: *const sigv4rs_chain,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> sigv4rs_status {
    ffi_boundary! {
        let c = try_status!(as_chain(chain.cast()));
        // SAFETY: the caller's contract on the output.
        let (buf, len) = try_status!(unsafe { output(out, out_cap, out_len) });
        let msg = lock(&c.last_error);
        let need = msg.len() + 1;
        if need > buf.len() {
            *len = need;
            return sigv4rs_status::BufferTooSmall;
        }
        buf[..msg.len()].copy_from_slice(msg.as_bytes());
        buf[msg.len()] = 0;
        *len = need;
        sigv4rs_status::Ok
    }
}

/// Inside a transport call: appends `len` bytes at `data` to the response
/// body (call it as often as needed). Past `SIGV4RS_MAX_HTTP_RESPONSE_LEN`
/// bytes in all it returns INPUT_TOO_LONG and the exchange fails whatever
/// the transport returns (with libcurl, return 0 from the write callback).
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (`resp` is not the one the
/// library passed, or a length no object can have), INPUT_TOO_LONG, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_http_response_write(
    resp: *mut sigv4rs_http_response,
    data: *const u8,
    len: usize,
) -> sigv4rs_status {
    ffi_boundary! {
        // SAFETY: NULL or the response of a running transport call (contract).
        let r = try_status!(unsafe { resp.as_mut() }.ok_or(sigv4rs_status::NullArgument));
        // SAFETY: valid for reads of `len` bytes (contract).
        let d = try_status!(unsafe { array(data, len) });
        let body = r._private.cast::<Body>();
        if body.is_null() || !body.is_aligned() {
            return sigv4rs_status::InvalidArgument;
        }
        // SAFETY: the library's `Body` while the call runs (contract); the
        // tag is read first so that a stray pointer is refused.
        if unsafe { core::ptr::addr_of!((*body).tag).read() } != BODY_TAG {
            return sigv4rs_status::InvalidArgument;
        }
        // SAFETY: as above, tag checked.
        match unsafe { &mut *body }.write(d) {
            Ok(()) => sigv4rs_status::Ok,
            Err(s) => s,
        }
    }
}
