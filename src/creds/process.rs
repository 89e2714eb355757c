//! `credential_process`: run a command, read its JSON credentials.
//!
//! As botocore's `ProcessProvider`: the command line is split like Python's
//! `shlex.split` (POSIX rules, no shell: no `$VAR`, globs, pipes or `~`),
//! the program inherits stdin and the environment, stdout is the
//! document (`{"Version": 1, "AccessKeyId", "SecretAccessKey",
//! "SessionToken", "Expiration"}`), a non-zero exit status is an error.
//! Unlike botocore, which waits forever, the run is bounded by a timeout
//! (the program is killed), stdout is capped at [`MAX_OUTPUT`], and stderr
//! is discarded rather than put into the error (it may echo a secret).

use super::json;
use super::{Credentials, Error, ErrorKind, Source};
use std::format;
use std::io::Read;
use std::process::{Command, Stdio};
use std::string::String;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use std::vec::Vec;
use zeroize::Zeroize;

/// Bytes of stdout read at most; more is an error (a credentials document
/// is a few KiB).
pub const MAX_OUTPUT: usize = 1 << 20;

/// Why [`split_command`] refused a command line (Python's messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitError {
    NoClosingQuotation,
    NoEscapedCharacter,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    Space,
    Word,
    Quote(char),
    Escape,
    Eof,
}

/// Python's `shlex.split(s)` (posix=True, no comments, whitespace_split):
/// words separated by space, tab, CR or LF; `'...'` literal; `"..."` where
/// `\` escapes only `"` and `\`; `\` outside quotes escapes any character;
/// `''` is an empty word.
pub fn split_command(s: &str) -> Result<Vec<String>, SplitError> {
    let ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut chars = s.chars();
    let mut state = St::Space;
    let mut out = Vec::new();
    loop {
        // One `read_token` call.
        let mut quoted = false;
        let mut escaped_state = St::Word;
        let mut token = String::new();
        loop {
            let next = if state == St::Eof { None } else { chars.next() };
            match state {
                St::Eof => break,
                St::Space => match next {
                    None => {
                        state = St::Eof;
                        break;
                    }
                    Some(c) if ws(c) => {
                        if !token.is_empty() || quoted {
                            break;
                        }
                    }
                    Some('\\') => {
                        escaped_state = St::Word;
                        state = St::Escape;
                    }
                    Some(c @ ('\'' | '"')) => state = St::Quote(c),
                    Some(c) => {
                        token.push(c);
                        state = St::Word;
                    }
                },
                St::Quote(q) => {
                    quoted = true;
                    match next {
                        None => return Err(SplitError::NoClosingQuotation),
                        Some(c) if c == q => state = St::Word,
                        Some('\\') if q == '"' => {
                            escaped_state = state;
                            state = St::Escape;
                        }
                        Some(c) => token.push(c),
                    }
                }
                St::Escape => match next {
                    None => return Err(SplitError::NoEscapedCharacter),
                    Some(c) => {
                        // Inside quotes only the quote and `\` are escapable.
                        if let St::Quote(q) = escaped_state
                            && c != '\\'
                            && c != q
                        {
                            token.push('\\');
                        }
                        token.push(c);
                        state = escaped_state;
                    }
                },
                St::Word => match next {
                    None => {
                        state = St::Eof;
                        break;
                    }
                    Some(c) if ws(c) => {
                        state = St::Space;
                        if !token.is_empty() || quoted {
                            break;
                        }
                    }
                    Some(c @ ('\'' | '"')) => state = St::Quote(c),
                    Some('\\') => {
                        escaped_state = St::Word;
                        state = St::Escape;
                    }
                    Some(c) => token.push(c),
                },
            }
        }
        if token.is_empty() && !quoted {
            return Ok(out);
        }
        out.push(token);
    }
}

fn err(kind: ErrorKind, detail: impl Into<String>) -> Error {
    Error {
        source: Source::Process,
        kind,
        detail: detail.into(),
    }
}

/// Runs `command` (a profile's `credential_process`) and reads its
/// credentials; the program is killed after `timeout_ms`. Errors: `Config`
/// (empty or unsplittable command line), `Fetch` (cannot start, timeout,
/// non-zero exit), `Malformed` (output), `Expired`. The detail never holds
/// the command line (it may carry a password) nor the program's output.
pub fn run(command: &str, timeout_ms: u32) -> Result<Credentials, Error> {
    let argv = split_command(command)
        .map_err(|e| err(ErrorKind::Config, format!("credential_process does not split: {e:?}")))?;
    let Some((program, args)) = argv.split_first() else {
        return Err(err(ErrorKind::Config, "credential_process is empty"));
    };
    let deadline = Instant::now() + Duration::from_millis(u64::from(timeout_ms));
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            err(
                ErrorKind::Fetch,
                format!("credential_process cannot start: {}", e.kind()),
            )
        })?;

    // A thread drains stdout so a chatty program never blocks on a full
    // pipe; the wait below is bounded even if a grandchild keeps the pipe
    // open (the thread then ends when it closes).
    let mut stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = (&mut stdout).take(MAX_OUTPUT as u64 + 1).read_to_end(&mut buf);
        if tx.send(r.map(|_| buf)).is_err() {
            // Nobody waits any more: nothing to hand the bytes to.
        }
    });
    let kill = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
        err(
            ErrorKind::Fetch,
            format!("credential_process timed out after {timeout_ms} ms"),
        )
    };
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let mut out = match rx.recv_timeout(remaining()) {
        Ok(Ok(buf)) => buf,
        Ok(Err(e)) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(err(
                ErrorKind::Fetch,
                format!("credential_process stdout: {}", e.kind()),
            ));
        }
        Err(_) => return Err(kill(&mut child)),
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if remaining().is_zero() => {
                out.zeroize();
                return Err(kill(&mut child));
            }
            Ok(None) => std::thread::sleep(remaining().min(Duration::from_millis(1))),
            Err(e) => {
                out.zeroize();
                return Err(err(ErrorKind::Fetch, format!("credential_process wait: {}", e.kind())));
            }
        }
    };
    let result = if !status.success() {
        Err(err(
            ErrorKind::Fetch,
            format!("credential_process exited with {status}"),
        ))
    } else if out.len() > MAX_OUTPUT {
        Err(err(
            ErrorKind::Malformed,
            format!("credential_process printed more than {MAX_OUTPUT} bytes"),
        ))
    } else {
        parse_output(&out)
    };
    out.zeroize();
    result
}

/// Reads a `credential_process` document as botocore does: `Version` must
/// be 1, `AccessKeyId` and `SecretAccessKey` are required, `SessionToken`
/// and `Expiration` optional; credentials already expired are refused
/// (botocore raises once its refresh returns them again).
pub fn parse_output(doc: &[u8]) -> Result<Credentials, Error> {
    let parsed = json::parse_process_credentials(doc)
        .map_err(|e| err(ErrorKind::Malformed, format!("credential_process output: {e:?}")))?;
    let creds = Credentials {
        access_key_id: unescape(parsed.access_key_id, "AccessKeyId")?,
        secret_access_key: unescape(parsed.secret_access_key, "SecretAccessKey")?,
        session_token: match parsed.session_token {
            Some(t) => unescape(t, "SessionToken")?,
            None => String::new(),
        },
        expiration: parsed.expiration,
        source: Source::Process,
    };
    check_expiry(&creds, Source::Process)?;
    Ok(creds)
}

/// A JSON string as an owned `String` (UTF-8 checked; zeroized on error).
pub(crate) fn unescape(s: json::JsonStr<'_>, field: &str) -> Result<String, Error> {
    let mut buf = std::vec![0u8; s.unescaped_len()];
    match s.write_unescaped(&mut buf) {
        Some(n) => buf.truncate(n),
        None => {
            buf.zeroize();
            return Err(err(ErrorKind::Malformed, format!("{field}: cannot unescape")));
        }
    }
    String::from_utf8(buf).map_err(|e| {
        let mut b = e.into_bytes();
        b.zeroize();
        err(ErrorKind::Malformed, format!("{field}: not UTF-8"))
    })
}

/// `Expired` when `expiration` is not in the future.
pub(crate) fn check_expiry(c: &Credentials, source: Source) -> Result<(), Error> {
    if let Some(exp) = c.expiration {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        if exp <= now {
            return Err(Error {
                source,
                kind: ErrorKind::Expired,
                detail: format!("expired {} s ago (expiration {exp})", now - exp),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected words printed by Python 3.11's shlex.split.
    #[test]
    fn split_as_shlex() {
        let cases: &[(&str, &[&str])] = &[
            ("a b", &["a", "b"]),
            ("  a\t b\r\nc  ", &["a", "b", "c"]),
            ("a '' b", &["a", "", "b"]),
            ("''", &[""]),
            ("a\"b\\\"c\"d", &["ab\"cd"]),
            ("\"a\\nb\"", &["a\\nb"]),
            ("\"a\\\\b\"", &["a\\b"]),
            ("'a\\b'", &["a\\b"]),
            ("x\\ y", &["x y"]),
            ("\\'x", &["'x"]),
            ("\u{a0}a b", &["\u{a0}a", "b"]),
            ("a#b #c", &["a#b", "#c"]),
            ("a'b'c\"d\"", &["abcd"]),
            ("'' ''", &["", ""]),
            ("\"\"x", &["x"]),
            ("'/p q/x' --flag=\"v 1\"", &["/p q/x", "--flag=v 1"]),
            ("", &[]),
            ("   ", &[]),
        ];
        for (input, want) in cases {
            let got = split_command(input).unwrap_or_else(|e| panic!("{input:?}: {e:?}"));
            assert_eq!(
                got,
                want.iter().map(|s| String::from(*s)).collect::<Vec<_>>(),
                "{input:?}"
            );
        }
        assert_eq!(split_command("a\\"), Err(SplitError::NoEscapedCharacter));
        assert_eq!(split_command("\"a\\"), Err(SplitError::NoEscapedCharacter));
        assert_eq!(split_command("\"a"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split_command("'/p q/x' '"), Err(SplitError::NoClosingQuotation));
    }
}
