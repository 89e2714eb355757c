//! Credentials that change while a signer is in use: rotation, expiry and a
//! provider the signer calls to refresh them.

use core::ffi::c_void;

use zeroize::Zeroize;

use super::boundary::{ffi_boundary, try_status};
use super::signer::{SignerHandle, as_signer, sigv4rs_signer};
use super::slice::{bytes, sigv4rs_bytes};
use super::status::{CallbackStatus, callback_code, sigv4rs_status};
use crate::creds::json::{JsonCredentials, JsonStr, parse_credentials};
use crate::creds::xml::{StsCredentials, XmlText, parse_credentials_xml};
use crate::sign::{CredentialSet, CredentialSink, Error, MAX_ACCESS_KEY_ID_LEN, MAX_SECRET_KEY_LEN, Provider};

/// One set of credentials.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sigv4rs_credentials {
    /// Access key id, as in `sigv4rs_config`.
    pub access_key_id: sigv4rs_bytes,
    /// Secret access key.
    pub secret_access_key: sigv4rs_bytes,
    /// Session token; empty for long-term keys.
    pub session_token: sigv4rs_bytes,
    /// When they expire (Unix seconds); 0 if they do not.
    pub expiration: i64,
}

/// Where a provider puts the credentials it fetched (valid only during the
/// provider call; see `sigv4rs_credentials_sink_put`).
#[allow(non_camel_case_types)]
pub struct sigv4rs_credentials_sink {
    _private: [u8; 0],
}

/// A credential provider: called by a signing call on `signer` when the
/// signer has no credentials or they expire within the margin, with the
/// signing time. It puts fresh credentials with
/// `sigv4rs_credentials_sink_put(sink, ...)` and returns OK; any other
/// status (or OK without a put) is a failure: the signer keeps what it has
/// and asks again `SIGV4RS_PROVIDER_RETRY_SECS` later. One call at a time
/// per signer; meanwhile other threads sign with the current credentials.
/// It runs on the signing thread and should bound its own time (network
/// fetches need timeouts).
#[allow(non_camel_case_types)]
pub type sigv4rs_provider_fn = Option<
    unsafe extern "C" fn(user: *mut c_void, unix_time: i64, sink: *mut sigv4rs_credentials_sink) -> sigv4rs_status,
>;

/// Seconds before expiry at which a signer asks its provider (the default
/// margin): 300.
pub const SIGV4RS_DEFAULT_REFRESH_MARGIN: u32 = 300;
/// Seconds after a failed provider call before the next one: 10.
pub const SIGV4RS_PROVIDER_RETRY_SECS: u32 = 10;

// Literals above so that cbindgen writes them into the header; checked here.
const _: () = assert!(
    SIGV4RS_DEFAULT_REFRESH_MARGIN == crate::sign::DEFAULT_REFRESH_MARGIN
        && SIGV4RS_PROVIDER_RETRY_SECS == crate::sign::PROVIDER_RETRY_SECS
);

/// The C view of `c`: checked pointers, 0 as "does not expire".
unsafe fn credential_set(c: *const sigv4rs_credentials) -> Result<CredentialSet<'static>, sigv4rs_status> {
    // SAFETY: NULL checked; the pointers inside are the caller's contract.
    let c = unsafe { c.as_ref() }.ok_or(sigv4rs_status::NullArgument)?;
    // SAFETY: as above.
    unsafe {
        Ok(CredentialSet {
            access_key_id: bytes(&c.access_key_id)?,
            secret_access_key: bytes(&c.secret_access_key)?,
            session_token: bytes(&c.session_token)?,
            expiration: (c.expiration != 0).then_some(c.expiration),
        })
    }
}

/// Replaces the credentials of `signer` while other threads may be signing
/// with it: each signature uses one set, whole; the day's key is derived
/// afresh; the replaced secret is zeroed once the calls using it return.
/// The strings are copied. On cores without atomic compare-and-swap
/// (RV32IMC) it must not run concurrently with any other call on `signer`.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (a length over
/// `PTRDIFF_MAX`), NOT_INITIALIZED, INVALID_ACCESS_KEY_ID,
/// INVALID_SECRET_KEY, INVALID_SESSION_TOKEN, INVALID_TIME (expiration
/// negative or after 9999), BUSY (another rotation or provider call is
/// under way: nothing changed), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_rotate(
    signer: *const sigv4rs_signer,
    credentials: *const sigv4rs_credentials,
) -> sigv4rs_status {
    ffi_boundary! {
        let s = try_status!(as_signer(signer));
        // SAFETY: NULL or valid (contract).
        let c = try_status!(unsafe { credential_set(credentials) });
        match rotate(s, signer, &c) {
            Ok(()) => sigv4rs_status::Ok,
            Err(e) => e.into(),
        }
    }
}

#[cfg(target_has_atomic = "32")]
fn rotate(s: &crate::sign::Signer, _: *const sigv4rs_signer, c: &CredentialSet<'_>) -> Result<(), Error> {
    s.rotate(c)
}

// No compare-and-swap: exclusive by the documented contract.
#[cfg(not(target_has_atomic = "32"))]
fn rotate(_: &crate::sign::Signer, p: *const sigv4rs_signer, c: &CredentialSet<'_>) -> Result<(), Error> {
    // SAFETY: a valid handle (checked non-NULL by the caller); no other call
    // uses it now (contract on these cores).
    let h = unsafe { &mut *p.cast::<SignerHandle>().cast_mut() };
    h.signer.rotate_mut(c)
}

/// Sets the provider `signer` calls for credentials (NULL `provider`
/// removes it), with `user` passed back to it, asked `margin_secs` before
/// expiry (`SIGV4RS_DEFAULT_REFRESH_MARGIN` is the SDKs' kind of window).
/// A signer may start without credentials (all three empty in its config):
/// its first signing call then asks the provider. Call this before sharing
/// the signer between threads; `user` must stay valid while it is set.
///
/// Statuses: OK, NULL_ARGUMENT, NOT_INITIALIZED, INVALID_ARGUMENT (a
/// provider on a core without compare-and-swap: rotate from your own code
/// there), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_set_provider(
    signer: *mut sigv4rs_signer,
    provider: sigv4rs_provider_fn,
    user: *mut c_void,
    margin_secs: u32,
) -> sigv4rs_status {
    ffi_boundary! {
        // SAFETY: NULL or a valid handle, not shared yet (contract).
        let h = try_status!(unsafe { signer.cast::<SignerHandle>().as_mut() }.ok_or(sigv4rs_status::NullArgument));
        let p = provider.map(|f| Provider {
            call: call_c_provider,
            // Exposed, so that `call_c_provider` may turn them back into
            // pointers (a plain integer has no provenance: Miri's check).
            data: [(f as *const ()).expose_provenance(), user.expose_provenance()],
        });
        match h.signer.set_provider(p, margin_secs) {
            Ok(()) => sigv4rs_status::Ok,
            Err(e) => e.into(),
        }
    }
}

/// Calls the C function stored by `sigv4rs_signer_set_provider`.
fn call_c_provider(p: &Provider, t: i64, sink: &mut CredentialSink<'_>) -> Result<(), Error> {
    // Read back as a plain u32: a C provider returning a number that is no
    // status must not be undefined behaviour here.
    type F = unsafe extern "C" fn(*mut c_void, i64, *mut sigv4rs_credentials_sink) -> CallbackStatus;
    let fp: *const () = core::ptr::with_exposed_provenance(p.data[0]);
    // SAFETY: `data[0]` is the non-NULL function pointer stored above.
    let f: F = unsafe { core::mem::transmute::<*const (), F>(fp) };
    let user: *mut c_void = core::ptr::with_exposed_provenance_mut(p.data[1]);
    let sink: *mut CredentialSink<'_> = sink;
    // SAFETY: the provider's contract; the sink is valid for this call.
    let st = callback_code(unsafe { f(user, t, sink.cast()) });
    if st == sigv4rs_status::Ok as u32 {
        Ok(())
    } else {
        Err(Error::NoCredentials)
    }
}

/// Inside a provider call: validates and stores `credentials` (copied) as
/// the signer's next set. A later put in the same call replaces an earlier
/// one.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (a length over
/// `PTRDIFF_MAX`), INVALID_ACCESS_KEY_ID, INVALID_SECRET_KEY,
/// INVALID_SESSION_TOKEN, INVALID_TIME, PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_credentials_sink_put(
    sink: *mut sigv4rs_credentials_sink,
    credentials: *const sigv4rs_credentials,
) -> sigv4rs_status {
    ffi_boundary! {
        // SAFETY: NULL or the sink of a running provider call (contract).
        let sink = try_status!(unsafe { sink.cast::<CredentialSink<'_>>().as_mut() }.ok_or(sigv4rs_status::NullArgument));
        // SAFETY: NULL or valid (contract).
        let c = try_status!(unsafe { credential_set(credentials) });
        match sink.put(&c) {
            Ok(()) => sigv4rs_status::Ok,
            Err(e) => e.into(),
        }
    }
}

/// When the credentials of `signer` expire: `*out` gets Unix seconds, or
/// 0 when they do not expire.
///
/// Statuses: OK, NULL_ARGUMENT, NOT_INITIALIZED, MISSING_CREDENTIALS (none
/// yet), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_expiration(signer: *const sigv4rs_signer, out: *mut i64) -> sigv4rs_status {
    ffi_boundary! {
        let s = try_status!(as_signer(signer));
        if out.is_null() {
            return sigv4rs_status::NullArgument;
        }
        match s.expiration() {
            Ok(e) => {
                // SAFETY: non-NULL and writable (contract).
                unsafe { *out = e.unwrap_or(0) };
                sigv4rs_status::Ok
            }
            Err(e) => e.into(),
        }
    }
}

/// Rotates `signer` (as `sigv4rs_signer_rotate` does, same threading rules)
/// to the credentials in `json`: the document the AWS IoT credentials
/// provider (`{"credentials": {...}}`), EC2 instance metadata, the ECS / EKS
/// Pod Identity container endpoint or a `credential_process` returns. Field
/// names: `AccessKeyId` / `accessKeyId`, `SecretAccessKey` /
/// `secretAccessKey`, `Token` / `SessionToken` / `sessionToken`, `Expiration`
/// / `expiration` (an RFC 3339 instant; absent: they do not expire), at the
/// top level or in a top-level `credentials` object; other fields are
/// skipped. No heap and little stack (for firmware): the strings go from
/// `json` straight into the signer. An access key id or secret written
/// with JSON escapes is unescaped on the stack and must fit
/// `SIGV4RS_MAX_ACCESS_KEY_ID_LEN` / `SIGV4RS_MAX_SECRET_KEY_LEN` once
/// unescaped; a session token with any escape is refused as an invalid
/// session token (AWS tokens are base64: they never need one). An
/// `Expiration` in the past is accepted; signing then returns
/// CREDENTIALS_EXPIRED. On any error the signer keeps its credentials.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (a length over
/// `PTRDIFF_MAX`), NOT_INITIALIZED, INVALID_CREDENTIALS_DOCUMENT (not a
/// credentials document: see the status), INVALID_ACCESS_KEY_ID,
/// INVALID_SECRET_KEY, INVALID_SESSION_TOKEN (also a token with an escape),
/// INVALID_TIME (an `Expiration` at the epoch or after 9999), BUSY (another
/// rotation or provider call is under way: nothing changed), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_rotate_json(signer: *const sigv4rs_signer, json: sigv4rs_bytes) -> sigv4rs_status {
    ffi_boundary! {
        let s = try_status!(as_signer(signer));
        // SAFETY: `(NULL, 0)` or valid for `json.len` bytes (contract).
        let doc = try_status!(unsafe { bytes(&json) });
        // As `sigv4rs_signer_rotate`: pointers, then the signer, then the
        // contents.
        if !s.is_ready() {
            return sigv4rs_status::NotInitialized;
        }
        let Ok(c) = parse_credentials(doc) else {
            return sigv4rs_status::InvalidCredentialsDocument;
        };
        match rotate_document(s, signer, &c) {
            Ok(()) => sigv4rs_status::Ok,
            Err(e) => e.into(),
        }
    }
}

/// Rotates to parsed credentials: unescaped strings as they are in the
/// document, escaped key ids and secrets through small stack buffers
/// (zeroed after). Not inlined: the buffers live only in this frame.
#[inline(never)]
fn rotate_document(s: &crate::sign::Signer, p: *const sigv4rs_signer, c: &JsonCredentials<'_>) -> Result<(), Error> {
    let mut akid = [0u8; MAX_ACCESS_KEY_ID_LEN];
    let mut secret = [0u8; MAX_SECRET_KEY_LEN];
    let r = (|| {
        let access_key_id = as_is_or_unescaped(c.access_key_id, &mut akid).ok_or(Error::InvalidAccessKeyId)?;
        let secret_access_key = as_is_or_unescaped(c.secret_access_key, &mut secret).ok_or(Error::InvalidSecretKey)?;
        let session_token = match c.session_token {
            None => &[][..],
            Some(t) if !t.raw().contains(&b'\\') => t.raw(),
            Some(_) => return Err(Error::InvalidSessionToken),
        };
        rotate(
            s,
            p,
            &CredentialSet {
                access_key_id,
                secret_access_key,
                session_token,
                expiration: c.expiration,
            },
        )
    })();
    akid.zeroize();
    secret.zeroize();
    r
}

/// Rotates `signer` (as `sigv4rs_signer_rotate` does, same threading rules)
/// to the credentials in `xml`: the body of an S3 `CreateSession` response
/// (`CreateSessionResult/Credentials`, for S3 Express One Zone; see
/// `SIGV4RS_FLAG_S3EXPRESS`) or of an STS `AssumeRole*` response
/// (`<X>Response/<X>Result/Credentials`). `AccessKeyId`, `SecretAccessKey`,
/// `SessionToken` and `Expiration` (RFC 3339) are all required. No heap
/// and little stack: the whole document is checked (well-formed, no
/// DOCTYPE, 32 levels at most), then the strings go from `xml` into the
/// signer; a key id or secret with entity or character references is
/// decoded on the stack; a session token with one is refused as invalid
/// (AWS tokens never need one). An `Expiration` in the past is accepted;
/// signing then returns CREDENTIALS_EXPIRED. On any error the signer keeps
/// its credentials.
///
/// Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (a length over
/// `PTRDIFF_MAX`), NOT_INITIALIZED, INVALID_CREDENTIALS_DOCUMENT (not
/// well-formed, an error document, or no complete credentials),
/// INVALID_ACCESS_KEY_ID, INVALID_SECRET_KEY, INVALID_SESSION_TOKEN (also a
/// token with a reference), INVALID_TIME (an `Expiration` at the epoch or
/// after 9999), BUSY (another rotation or provider call is under way:
/// nothing changed), PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn sigv4rs_signer_rotate_xml(signer: *const sigv4rs_signer, xml: sigv4rs_bytes) -> sigv4rs_status {
    ffi_boundary! {
        let s = try_status!(as_signer(signer));
        // SAFETY: `(NULL, 0)` or valid for `xml.len` bytes (contract).
        let doc = try_status!(unsafe { bytes(&xml) });
        if !s.is_ready() {
            return sigv4rs_status::NotInitialized;
        }
        let Ok(c) = parse_credentials_xml(doc) else {
            return sigv4rs_status::InvalidCredentialsDocument;
        };
        match rotate_xml_document(s, signer, &c) {
            Ok(()) => sigv4rs_status::Ok,
            Err(e) => e.into(),
        }
    }
}

/// As [`rotate_document`], for XML text.
#[inline(never)]
fn rotate_xml_document(s: &crate::sign::Signer, p: *const sigv4rs_signer, c: &StsCredentials<'_>) -> Result<(), Error> {
    let mut akid = [0u8; MAX_ACCESS_KEY_ID_LEN];
    let mut secret = [0u8; MAX_SECRET_KEY_LEN];
    let r = (|| {
        let access_key_id = xml_as_is_or_decoded(c.access_key_id, &mut akid).ok_or(Error::InvalidAccessKeyId)?;
        let secret_access_key =
            xml_as_is_or_decoded(c.secret_access_key, &mut secret).ok_or(Error::InvalidSecretKey)?;
        let token = c.session_token.raw();
        if !xml_plain(token) {
            return Err(Error::InvalidSessionToken);
        }
        rotate(
            s,
            p,
            &CredentialSet {
                access_key_id,
                secret_access_key,
                session_token: token,
                expiration: Some(c.expiration),
            },
        )
    })();
    akid.zeroize();
    secret.zeroize();
    r
}

/// Text whose raw bytes are its value: no reference, CDATA, comment or CR.
fn xml_plain(raw: &[u8]) -> bool {
    !raw.iter().any(|&b| matches!(b, b'&' | b'<' | b'\r'))
}

/// The text's bytes: the document's own when plain, else decoded into
/// `buf` (`None` when they do not fit).
fn xml_as_is_or_decoded<'b>(t: XmlText<'b>, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    if xml_plain(t.raw()) {
        return Some(t.raw());
    }
    let n = t.write_unescaped(buf)?;
    buf.get(..n)
}

/// The string's bytes: the document's own when it has no escape, else
/// unescaped into `buf` (`None` when they do not fit).
fn as_is_or_unescaped<'b>(s: JsonStr<'b>, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    if !s.raw().contains(&b'\\') {
        return Some(s.raw());
    }
    let n = s.write_unescaped(buf)?;
    buf.get(..n)
}
