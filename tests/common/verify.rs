//! The verifier's test harness: a received request, the keys a lookup
//! knows, the server's configuration; shared by tests/verify.rs and
//! tests/verify_foreign.rs.

use sigv4rs::sign::{HeaderList, LookupError, Payload, Request, Target, VerifyConfig, VerifyError, VerifyInfo, verify};

pub type Headers = Vec<(Vec<u8>, Vec<u8>)>;

pub struct Hs<'a>(pub &'a Headers);

impl HeaderList for Hs<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn header(&self, i: usize) -> (&[u8], &[u8]) {
        (&self.0[i].0, &self.0[i].1)
    }
}

/// A received request.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: Vec<u8>,
    pub host: Vec<u8>,
    pub path: Vec<u8>,
    pub query: Vec<u8>,
    pub headers: Headers,
    pub body: Option<Vec<u8>>,
}

/// Who the lookup knows.
pub struct Keys {
    pub akid: Vec<u8>,
    pub secret: Vec<u8>,
    pub token: Vec<u8>,
}

pub struct Env<'a> {
    pub region: &'a str,
    pub service: &'a str,
    pub flags: u32,
    pub skip: u32,
    pub now: i64,
}

pub fn check(r: &Received, keys: &Keys, env: &Env<'_>, creq: &mut [u8]) -> (Result<(), VerifyError>, VerifyInfo) {
    let hs = Hs(&r.headers);
    let req = Request {
        method: &r.method,
        target: Target::from_parts(&r.host, &r.path, &r.query).expect("target"),
        headers: &hs,
        payload: match &r.body {
            Some(b) => Payload::Bytes(b),
            None => Payload::Unsigned,
        },
    };
    let cfg = VerifyConfig {
        region: env.region.as_bytes(),
        service: env.service.as_bytes(),
        flags: env.flags,
        skip: env.skip,
        max_skew: 0,
    };
    let mut lookup = |akid: &[u8], secret: &mut [u8], token: &mut [u8]| {
        if akid != keys.akid.as_slice() {
            return Err(LookupError::UnknownKey);
        }
        secret[..keys.secret.len()].copy_from_slice(&keys.secret);
        token[..keys.token.len()].copy_from_slice(&keys.token);
        Ok((keys.secret.len(), keys.token.len()))
    };
    let mut info = VerifyInfo::default();
    let r = verify(&cfg, &req, env.now, &mut lookup, &mut info, creq);
    (r, info)
}

pub fn run(r: &Received, keys: &Keys, env: &Env<'_>) -> Result<(), VerifyError> {
    check(r, keys, env, &mut []).0
}

pub fn split_url(url: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let rest = url.split_once("://").unwrap().1;
    let (host, pq) = rest.split_at(rest.find('/').unwrap());
    let (p, q) = pq.split_once('?').unwrap_or((pq, ""));
    (host.into(), p.into(), q.into())
}
