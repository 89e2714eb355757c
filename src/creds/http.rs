//! A minimal HTTP/1.1 client over `std::net::TcpStream`, for the plain-HTTP
//! link-local and loopback credential endpoints (IMDS, ECS / EKS container
//! endpoints). No TLS, no proxies, no redirects, no keep-alive: one request
//! per connection (`Connection: close`).
//!
//! Every call is bounded by its `timeout_ms`, end to end: name resolution,
//! connect, each write and each read get only what is left of it, so a
//! server that drips bytes cannot hold a caller past the deadline. Responses
//! are capped ([`MAX_HEAD`], [`MAX_BODY`]); `Content-Length`, chunked and
//! read-to-close bodies are understood.
//!
//! Error messages name the host, the port and what failed; never a header
//! value (tokens travel in headers) or a response body (credentials do).

use std::format;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::string::{String, ToString};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use std::vec::Vec;

use super::HttpResponse;

/// Largest status line plus headers accepted (interim 1xx heads included).
pub const MAX_HEAD: usize = 16 * 1024;
/// Largest response body accepted (credential documents are < 2 KiB).
pub const MAX_BODY: usize = 64 * 1024;
/// Largest raw response read: head, body and chunked framing together.
const MAX_RAW: usize = MAX_HEAD + 2 * MAX_BODY;

/// Why a request failed, for the retry rules of IMDS and the container
/// endpoint (botocore retries connection errors but treats a read timeout
/// of the IMDS token request as "no IMDSv2").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailKind {
    /// Bad URL, method or header: nothing was sent; retrying cannot help.
    Invalid,
    /// Name resolution or connect failed (refused, unreachable).
    Connect,
    /// The deadline passed before the connection was up.
    ConnectTimeout,
    /// The deadline passed while sending or waiting for the answer.
    ReadTimeout,
    /// The connection broke, or the answer is not HTTP/1.x, is truncated
    /// or too large.
    Protocol,
}

/// A failed request: its class and a message without secrets.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub kind: FailKind,
    pub msg: String,
}

fn fail(kind: FailKind, msg: impl Into<String>) -> Failure {
    Failure { kind, msg: msg.into() }
}

/// Sends one request to an `http://` URL and reads the answer; the whole
/// exchange finishes within `timeout_ms`. A `host` header in `headers`
/// replaces the one made from the URL. Errors are short messages without
/// secrets.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout_ms: u32,
) -> Result<HttpResponse, String> {
    request_classified(method, url, headers, body, timeout_ms).map_err(|f| f.msg)
}

/// [`request`] with the failure's class.
pub(crate) fn request_classified(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout_ms: u32,
) -> Result<HttpResponse, Failure> {
    let deadline = Instant::now() + Duration::from_millis(u64::from(timeout_ms));
    let u = parse_url(url)?;
    let head = request_head(method, &u, headers, body.len())?;
    let where_ = u.display();
    let mut stream = connect(&u, deadline)?;
    send(&mut stream, &head, body, deadline).map_err(|f| Failure {
        kind: f.kind,
        msg: format!("{where_}: {}", f.msg),
    })?;
    let is_head = method.eq_ignore_ascii_case("HEAD");
    receive(&mut stream, is_head, deadline).map_err(|f| Failure {
        kind: f.kind,
        msg: format!("{where_}: {}", f.msg),
    })
}

/// Parses a complete raw response (as read until the server closed), with
/// the same rules and caps as [`request`]. For tests and fuzzing.
pub fn parse_response(raw: &[u8]) -> Result<HttpResponse, String> {
    if raw.len() > MAX_RAW {
        return Err("response too large".to_string());
    }
    match parse(raw, true, false) {
        Ok(Parsed::Done(r)) => Ok(r),
        Ok(Parsed::Incomplete) => Err("truncated response".to_string()),
        Err(m) => Err(m.to_string()),
    }
}

/// [`parse_response`] as [`request`] meets the bytes when they arrive in
/// two reads split at `split`: the answer must not depend on where reads
/// end. For fuzzing.
#[doc(hidden)]
pub fn parse_response_in_two_reads(raw: &[u8], split: usize) -> Result<HttpResponse, String> {
    let first = &raw[..split.min(raw.len())];
    match parse(first, false, false) {
        Ok(Parsed::Done(r)) => Ok(r),
        Ok(Parsed::Incomplete) if first.len() > MAX_RAW => Err("response too large".to_string()),
        Ok(Parsed::Incomplete) => parse_response(raw),
        Err(m) => Err(m.to_string()),
    }
}

// ---------------------------------------------------------------- request

/// The parts of an `http://` URL a request needs.
struct Url<'a> {
    /// Host without brackets (an IPv6 literal is bare here).
    host: &'a str,
    port: u16,
    bracketed: bool,
    /// Path and query, starting with `/`.
    target: String,
}

impl Url<'_> {
    /// `host:port` for messages and the `Host` header (no default port).
    fn authority(&self, with_default_port: bool) -> String {
        let h = if self.bracketed {
            format!("[{}]", self.host)
        } else {
            self.host.to_string()
        };
        if self.port == 80 && !with_default_port {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }
    fn display(&self) -> String {
        self.authority(true)
    }
}

fn invalid(msg: &str) -> Failure {
    fail(FailKind::Invalid, msg)
}

fn parse_url(url: &str) -> Result<Url<'_>, Failure> {
    // Spaces and control bytes would split the request line or a header.
    if url.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        return Err(invalid("URL has spaces, control or non-ASCII bytes"));
    }
    let rest = match url.get(..7) {
        Some(s) if s.eq_ignore_ascii_case("http://") => &url[7..],
        _ => return Err(invalid("only http:// URLs are fetched here")),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(end);
    if authority.contains('@') {
        return Err(invalid("URL with user info"));
    }
    let (host, port, bracketed) = if let Some(inner) = authority.strip_prefix('[') {
        let close = inner.find(']').ok_or_else(|| invalid("URL has an unclosed '['"))?;
        (&inner[..close], &inner[close + 1..], true)
    } else {
        match authority.rfind(':') {
            Some(i) => (&authority[..i], &authority[i..], false),
            None => (authority, "", false),
        }
    };
    if host.is_empty() {
        return Err(invalid("URL without a host"));
    }
    if bracketed && host.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(invalid("URL has an invalid IPv6 literal"));
    }
    if !bracketed && host.contains(':') {
        return Err(invalid("URL has an IPv6 literal without brackets"));
    }
    let port = match port {
        "" | ":" => 80,
        p => match p.strip_prefix(':').map(str::parse::<u16>) {
            Some(Ok(n)) if n != 0 && p[1..].bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(invalid("URL has an invalid port")),
        },
    };
    let target = if target.starts_with('/') {
        target.to_string()
    } else {
        format!("/{target}")
    };
    Ok(Url {
        host,
        port,
        bracketed,
        target,
    })
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Request line and headers.
fn request_head(method: &str, u: &Url<'_>, headers: &[(&str, &str)], body_len: usize) -> Result<Vec<u8>, Failure> {
    if !is_token(method) {
        return Err(invalid("invalid method"));
    }
    let mut h = format!("{method} {} HTTP/1.1\r\n", u.target);
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    if !has("host") {
        h.push_str(&format!("Host: {}\r\n", u.authority(false)));
    }
    for (name, value) in headers {
        if !is_token(name) {
            return Err(invalid("invalid header name"));
        }
        // The value is never quoted in the message: it may be a token.
        if value.bytes().any(|b| (b < b' ' && b != b'\t') || b == 0x7f) {
            return Err(invalid("header value with control bytes"));
        }
        if name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("connection")
            || name.eq_ignore_ascii_case("transfer-encoding")
        {
            return Err(invalid("framing headers are set by the client"));
        }
        h.push_str(name);
        h.push_str(": ");
        h.push_str(value);
        h.push_str("\r\n");
    }
    if !has("user-agent") {
        h.push_str(concat!("User-Agent: sigv4rs/", env!("CARGO_PKG_VERSION"), "\r\n"));
    }
    // As http.client does: a length for methods that carry a body.
    let m = method.to_ascii_uppercase();
    if body_len > 0 || m == "POST" || m == "PUT" || m == "PATCH" {
        h.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    h.push_str("Connection: close\r\n\r\n");
    Ok(h.into_bytes())
}

fn remaining(deadline: Instant) -> Option<Duration> {
    deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
}

/// Resolves a host name on a helper thread: `getaddrinfo` has no timeout of
/// its own, and the caller's deadline must hold. (A resolver that hangs
/// leaves that thread behind until it returns.)
fn resolve(host: &str, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>, Failure> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(std::vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("sigv4rs-resolve".to_string())
        .spawn(move || {
            let _ = tx.send((name.as_str(), port).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
        })
        .map_err(|e| fail(FailKind::Connect, format!("resolve {host}: {e}")))?;
    let wait =
        remaining(deadline).ok_or_else(|| fail(FailKind::ConnectTimeout, format!("resolve {host}: timed out")))?;
    match rx.recv_timeout(wait) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(fail(FailKind::Connect, format!("resolve {host}: no address"))),
        Ok(Err(e)) => Err(fail(FailKind::Connect, format!("resolve {host}: {e}"))),
        Err(_) => Err(fail(FailKind::ConnectTimeout, format!("resolve {host}: timed out"))),
    }
}

fn connect(u: &Url<'_>, deadline: Instant) -> Result<TcpStream, Failure> {
    let addrs = resolve(u.host, u.port, deadline)?;
    let mut last = fail(FailKind::Connect, format!("connect {}: no address", u.display()));
    for addr in addrs {
        let Some(wait) = remaining(deadline) else {
            return Err(fail(
                FailKind::ConnectTimeout,
                format!("connect {}: timed out", u.display()),
            ));
        };
        match TcpStream::connect_timeout(&addr, wait) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                last = fail(FailKind::ConnectTimeout, format!("connect {}: timed out", u.display()));
            }
            Err(e) => last = fail(FailKind::Connect, format!("connect {}: {e}", u.display())),
        }
    }
    Err(last)
}

fn io_failure(what: &str, e: &io::Error) -> Failure {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            fail(FailKind::ReadTimeout, format!("{what}: timed out"))
        }
        _ => fail(FailKind::Protocol, format!("{what}: {e}")),
    }
}

fn timed_out(what: &str) -> Failure {
    fail(FailKind::ReadTimeout, format!("{what}: timed out"))
}

fn send(stream: &mut TcpStream, head: &[u8], body: &[u8], deadline: Instant) -> Result<(), Failure> {
    for mut part in [head, body] {
        while !part.is_empty() {
            let wait = remaining(deadline).ok_or_else(|| timed_out("send"))?;
            stream
                .set_write_timeout(Some(wait))
                .map_err(|e| io_failure("send", &e))?;
            match stream.write(part) {
                Ok(0) => return Err(fail(FailKind::Protocol, "send: connection closed")),
                Ok(n) => part = &part[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_failure("send", &e)),
            }
        }
    }
    Ok(())
}

fn receive(stream: &mut TcpStream, is_head: bool, deadline: Instant) -> Result<HttpResponse, Failure> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        let wait = remaining(deadline).ok_or_else(|| timed_out("response"))?;
        stream
            .set_read_timeout(Some(wait))
            .map_err(|e| io_failure("response", &e))?;
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // A reset after a complete answer is still an answer.
            Err(e) if e.kind() != io::ErrorKind::TimedOut && e.kind() != io::ErrorKind::WouldBlock => {
                return match parse(&buf, true, is_head) {
                    Ok(Parsed::Done(r)) => Ok(r),
                    _ => Err(io_failure("response", &e)),
                };
            }
            Err(e) => return Err(io_failure("response", &e)),
        };
        let eof = n == 0;
        buf.extend_from_slice(&chunk[..n]);
        match parse(&buf, eof, is_head) {
            Ok(Parsed::Done(r)) => return Ok(r),
            Ok(Parsed::Incomplete) if eof => return Err(fail(FailKind::Protocol, "truncated response")),
            Ok(Parsed::Incomplete) if buf.len() > MAX_RAW => {
                return Err(fail(FailKind::Protocol, "response too large"));
            }
            Ok(Parsed::Incomplete) => {}
            Err(m) => return Err(fail(FailKind::Protocol, m)),
        }
    }
}

// --------------------------------------------------------------- response

/// The outcome of parsing what has arrived so far.
enum Parsed {
    /// More bytes are needed.
    Incomplete,
    Done(HttpResponse),
}

/// One line ending at `\n` (a `\r` before it dropped), and the offset after
/// it; `None` when no `\n` has arrived.
fn line(buf: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let rel = buf[from..].iter().position(|&b| b == b'\n')?;
    let mut l = &buf[from..from + rel];
    if let [head @ .., b'\r'] = l {
        l = head;
    }
    Some((l, from + rel + 1))
}

/// The status code of `HTTP/1.x SSS reason`.
fn status_line(l: &[u8]) -> Result<u16, &'static str> {
    let rest = l.strip_prefix(b"HTTP/1.").ok_or("not an HTTP/1.x status line")?;
    match rest {
        [v, b' ', a, b, c, tail @ ..]
            if v.is_ascii_digit()
                && [a, b, c].iter().all(|d| d.is_ascii_digit())
                && (tail.is_empty() || tail[0] == b' ') =>
        {
            let code = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
            if code < 100 {
                return Err("status code below 100");
            }
            Ok(code)
        }
        _ => Err("malformed status line"),
    }
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// Body framing from the headers.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// Parses `buf` (everything read so far; `eof`: the server closed).
fn parse(buf: &[u8], eof: bool, is_head: bool) -> Result<Parsed, &'static str> {
    let mut pos = 0;
    // Interim 1xx answers come before the real one; skip them.
    loop {
        let Some((first, mut at)) = line(buf, pos) else {
            return more(buf.len(), eof, "truncated status line");
        };
        if at > MAX_HEAD {
            return Err("response head too large");
        }
        let status = status_line(first)?;
        let mut length: Option<usize> = None;
        let mut chunked = false;
        loop {
            let Some((l, next)) = line(buf, at) else {
                return more(buf.len(), eof, "truncated headers");
            };
            if next > MAX_HEAD {
                return Err("response head too large");
            }
            at = next;
            if l.is_empty() {
                break;
            }
            let colon = l.iter().position(|&b| b == b':').ok_or("header line without ':'")?;
            let (name, value) = (&l[..colon], trim_ows(&l[colon + 1..]));
            if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
                // Also refuses obsolete line folding (a leading space).
                return Err("invalid header name");
            }
            if name.eq_ignore_ascii_case(b"content-length") {
                // Repeated (or listed) values must agree.
                for part in value.split(|&b| b == b',') {
                    let n = decimal(trim_ows(part)).ok_or("invalid Content-Length")?;
                    if length.is_some_and(|m| m != n) {
                        return Err("conflicting Content-Length values");
                    }
                    length = Some(n);
                }
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                let last = value.rsplit(|&b| b == b',').next().map(trim_ows).unwrap_or(b"");
                if !last.eq_ignore_ascii_case(b"chunked") || chunked {
                    return Err("unsupported Transfer-Encoding");
                }
                chunked = true;
            }
        }
        if (100..200).contains(&status) {
            if status == 101 {
                return Err("unexpected protocol switch");
            }
            pos = at;
            continue;
        }
        let body = &buf[at..];
        if is_head || status == 204 || status == 304 {
            return Ok(Parsed::Done(HttpResponse {
                status,
                body: Vec::new(),
            }));
        }
        // Transfer-Encoding wins over Content-Length (RFC 9112, 6.3).
        let framing = match (chunked, length) {
            (true, _) => Framing::Chunked,
            (false, Some(n)) => Framing::Length(n),
            (false, None) => Framing::UntilClose,
        };
        return match framing {
            Framing::Length(n) if n > MAX_BODY => Err("response body too large"),
            Framing::Length(n) if body.len() >= n => Ok(Parsed::Done(HttpResponse {
                status,
                body: body[..n].to_vec(),
            })),
            Framing::Length(_) => more(0, eof, "truncated body"),
            Framing::UntilClose if body.len() > MAX_BODY => Err("response body too large"),
            Framing::UntilClose if eof => Ok(Parsed::Done(HttpResponse {
                status,
                body: body.to_vec(),
            })),
            Framing::UntilClose => Ok(Parsed::Incomplete),
            Framing::Chunked => match dechunk(body)? {
                Some(b) => Ok(Parsed::Done(HttpResponse { status, body: b })),
                None => more(0, eof, "truncated chunked body"),
            },
        };
    }
}

/// Incomplete input: wait for more, or fail if the server closed, or if the
/// head alone passed its cap.
fn more(len: usize, eof: bool, what: &'static str) -> Result<Parsed, &'static str> {
    if eof {
        Err(what)
    } else if len > MAX_HEAD {
        Err("response head too large")
    } else {
        Ok(Parsed::Incomplete)
    }
}

fn decimal(s: &[u8]) -> Option<usize> {
    if s.is_empty() || s.len() > 12 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0usize, |n, d| n * 10 + usize::from(d - b'0')))
}

/// Decodes a chunked body; `None` while incomplete.
fn dechunk(buf: &[u8]) -> Result<Option<Vec<u8>>, &'static str> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let Some((l, next)) = line(buf, at) else {
            return if buf.len() - at > 1024 {
                Err("chunk size line too long")
            } else {
                Ok(None)
            };
        };
        let size_part = trim_ows(l.split(|&b| b == b';').next().unwrap_or(b""));
        if size_part.is_empty() || !size_part.iter().all(u8::is_ascii_hexdigit) {
            return Err("invalid chunk size");
        }
        let mut size = 0usize;
        for &d in size_part {
            let v = (d as char).to_digit(16).unwrap_or(0) as usize;
            size = size
                .checked_mul(16)
                .and_then(|s| s.checked_add(v))
                .ok_or("chunk too large")?;
            if size > MAX_BODY {
                return Err("response body too large");
            }
        }
        at = next;
        if size == 0 {
            // Trailer fields, then an empty line.
            loop {
                let Some((t, next)) = line(buf, at) else {
                    return Ok(None);
                };
                at = next;
                if t.is_empty() {
                    return Ok(Some(out));
                }
                if at > MAX_RAW {
                    return Err("trailer too large");
                }
            }
        }
        if out.len() + size > MAX_BODY {
            return Err("response body too large");
        }
        let Some(data) = buf.get(at..at + size) else {
            return Ok(None);
        };
        out.extend_from_slice(data);
        at += size;
        match line(buf, at) {
            None if buf.len() - at < 2 => return Ok(None),
            Some((b"", next)) => at = next,
            _ => return Err("chunk data longer than its size"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    fn ok(raw: &[u8]) -> (u16, Vec<u8>) {
        let r = parse_response(raw).unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(raw)));
        (r.status, r.body)
    }

    #[test]
    fn content_length_chunked_and_close_bodies() {
        assert_eq!(
            ok(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA"),
            (200, b"hello".to_vec())
        );
        assert_eq!(ok(b"HTTP/1.0 404 Not Found\r\n\r\nno"), (404, b"no".to_vec()));
        // RFC 9112 section 7.1 example framing, with an extension and a trailer.
        assert_eq!(
            ok(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n"),
            (200, b"Wikipedia in\r\n\r\nchunks.".to_vec())
        );
        // Bare LF line ends, a reason phrase missing, interim 100 skipped.
        assert_eq!(
            ok(b"HTTP/1.1 100 Continue\n\nHTTP/1.1 201\nContent-Length: 2\n\nab"),
            (201, b"ab".to_vec())
        );
        // Transfer-Encoding wins over Content-Length.
        assert_eq!(
            ok(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"),
            (200, b"x".to_vec())
        );
        assert_eq!(
            ok(b"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"),
            (204, Vec::new())
        );
        assert_eq!(
            ok(b"HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc"),
            (200, b"abc".to_vec())
        );
    }

    #[test]
    fn garbage_truncation_and_caps_are_errors() {
        for raw in [
            &b""[..],
            b"HELLO\r\n\r\n",
            b"HTTP/2 200\r\n\r\n",
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 200OK\r\n\r\n",
            b"HTTP/1.1 099 x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
            b"HTTP/1.1 101 Switching\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 3",
        ] {
            assert!(
                parse_response(raw).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(raw)
            );
        }
        let mut big = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        big.resize(big.len() + MAX_BODY + 1, b'a');
        assert!(parse_response(&big).is_err());
        big.truncate(big.len() - 1);
        assert_eq!(ok(&big).1.len(), MAX_BODY);
        let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
        while head.len() <= MAX_HEAD {
            head.extend_from_slice(b"X-Pad: 0123456789012345678901234567890123456789\r\n");
        }
        head.extend_from_slice(b"\r\n");
        assert_eq!(parse_response(&head).unwrap_err(), "response head too large");
    }

    #[test]
    fn urls_and_headers_are_checked_before_anything_is_sent() {
        for url in [
            "https://127.0.0.1/",
            "ftp://127.0.0.1/",
            "http://",
            "http://u@127.0.0.1/",
            "http://127.0.0.1:0/",
            "http://127.0.0.1:99999/",
            "http://127.0.0.1:8a/",
            "http://[::1/",
            "http://[nothost]/",
            "http://::1/",
            "http://127.0.0.1/a b",
            "http://127.0.0.1/\r\nX: y",
        ] {
            let e = request_classified("GET", url, &[], b"", 1000).err().unwrap();
            assert_eq!(e.kind, FailKind::Invalid, "{url}");
        }
        for (m, h) in [
            ("G T", ("a", "b")),
            ("GET", ("a b", "c")),
            ("GET", ("a", "b\r\nEvil: 1")),
            ("GET", ("content-length", "5")),
        ] {
            let e = request_classified(m, "http://127.0.0.1:9/", &[h], b"", 1000)
                .err()
                .unwrap();
            assert_eq!(e.kind, FailKind::Invalid);
            assert!(!e.msg.contains('\n'));
        }
        let u = parse_url("HTTP://[fd00:ec2::254]/latest?x#frag").ok().unwrap();
        assert_eq!((u.host, u.port, u.target.as_str()), ("fd00:ec2::254", 80, "/latest?x"));
        assert_eq!(u.authority(false), "[fd00:ec2::254]");
        let u = parse_url("http://localhost:8080?q").ok().unwrap();
        assert_eq!((u.host, u.port, u.target.as_str()), ("localhost", 8080, "/?q"));
        assert_eq!(u.authority(false), "localhost:8080");
    }

    /// A one-connection server: reads the request head, then runs `answer`.
    fn serve(answer: impl FnOnce(&mut TcpStream, String) + Send + 'static) -> (u16, thread::JoinHandle<()>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let h = thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut req = Vec::new();
            let mut b = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap_or(0) == 1 {
                req.push(b[0]);
            }
            answer(&mut s, String::from_utf8_lossy(&req).into_owned());
        });
        (port, h)
    }

    #[test]
    fn request_on_the_wire() {
        let (port, h) = serve(|s, req| {
            // The exact head http.client would send for the same call,
            // apart from our User-Agent.
            let want = "PUT /latest/api/token HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n\
                        x-aws-ec2-metadata-token-ttl-seconds: 21600\r\n";
            let port = s.local_addr().unwrap().port().to_string();
            assert!(req.starts_with(&want.replace("PORT", &port)), "{req}");
            assert!(req.contains("\r\nContent-Length: 0\r\n"), "{req}");
            assert!(req.ends_with("Connection: close\r\n\r\n"), "{req}");
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntok").unwrap();
        });
        let url = format!("http://127.0.0.1:{port}/latest/api/token");
        let r = request(
            "PUT",
            &url,
            &[("x-aws-ec2-metadata-token-ttl-seconds", "21600")],
            b"",
            2000,
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"tok"[..]));
        h.join().unwrap();
    }

    #[test]
    fn a_dripping_server_cannot_outlast_the_deadline() {
        let (port, h) = serve(|s, _| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
            for _ in 0..40 {
                if s.write_all(b"x").is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
        });
        let t = Instant::now();
        let e = request_classified("GET", &format!("http://127.0.0.1:{port}/"), &[], b"", 400)
            .err()
            .unwrap();
        let took = t.elapsed();
        assert_eq!(e.kind, FailKind::ReadTimeout, "{}", e.msg);
        assert!(
            took >= Duration::from_millis(400) && took < Duration::from_millis(900),
            "{took:?}"
        );
        h.join().unwrap();
    }

    #[test]
    fn refused_and_closed_connections_are_classified() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = request_classified("GET", &format!("http://127.0.0.1:{port}/"), &[], b"", 1000)
            .err()
            .unwrap();
        assert_eq!(e.kind, FailKind::Connect, "{}", e.msg);
        assert!(e.msg.contains(&format!("127.0.0.1:{port}")), "{}", e.msg);
        let (port, h) = serve(|s, _| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Le");
        });
        let e = request_classified("GET", &format!("http://localhost:{port}/"), &[], b"", 2000)
            .err()
            .unwrap();
        assert_eq!(e.kind, FailKind::Protocol, "{}", e.msg);
        h.join().unwrap();
    }
}
