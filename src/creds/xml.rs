//! STS query-protocol XML: the credentials of an `AssumeRoleResponse`,
//! `AssumeRoleWithWebIdentityResponse` (any `<X>Response/<X>Result/
//! Credentials`), and the `<Code>` of an `<ErrorResponse>`; and S3's
//! `CreateSessionResult/Credentials` (S3 Express One Zone).
//!
//! `no_std`, no allocation, no recursion: one pass with a fixed stack of
//! [`MAX_DEPTH`] open elements (their name offsets), O(n) time. The whole
//! document is checked for well-formedness first (UTF-8, XML characters,
//! names, matching tags, attributes, references, comments, CDATA,
//! processing instructions, one root); only the five predefined entities
//! and character references exist: a DOCTYPE (and so any entity
//! declaration) is refused, nothing is ever expanded. Namespaces are not
//! resolved: elements match by local name, whatever their prefix or
//! `xmlns`. Results borrow from the input.

use crate::creds::json::parse_iso8601;

/// Element nesting limit. STS responses use four levels.
pub const MAX_DEPTH: usize = 32;

/// Longest `Expiration` (unescaped) read; longer is [`XmlError::BadExpiration`].
const EXPIRATION_MAX: usize = 64;

/// The text of an element, entities (and any CDATA sections or comments
/// inside it) intact. Not trimmed: whitespace around a value is part of it,
/// as in botocore (`Expiration` alone is trimmed before it is read).
#[derive(Clone, Copy)]
pub struct XmlText<'a> {
    raw: &'a [u8],
}

/// Never shows the contents: an `XmlText` may hold a secret.
impl core::fmt::Debug for XmlText<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "XmlText(<{} bytes>)", self.raw.len())
    }
}

impl<'a> XmlText<'a> {
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Bytes after decoding `&amp; &lt; &gt; &quot; &apos; &#NN; &#xNN;`,
    /// CDATA sections, dropping comments and normalizing line ends (CR LF
    /// and CR to LF, as XML 1.0 section 2.11).
    pub fn unescaped_len(&self) -> usize {
        self.pieces().map(|(_, n)| n).sum()
    }

    /// Writes the unescaped bytes into `dst[..unescaped_len()]`; returns
    /// that length, or `None` if `dst` is too small.
    pub fn write_unescaped(&self, dst: &mut [u8]) -> Option<usize> {
        let mut at = 0;
        for (piece, len) in self.pieces() {
            dst.get_mut(at..at + len)?.copy_from_slice(piece.get(..len)?);
            at += len;
        }
        Some(at)
    }

    /// Equality with an unescaped byte string, without a buffer.
    pub fn eq_unescaped(&self, s: &[u8]) -> bool {
        let mut at = 0;
        for (piece, len) in self.pieces() {
            if s.get(at..at + len) != piece.get(..len) {
                return false;
            }
            at += len;
        }
        at == s.len()
    }

    fn pieces(&self) -> Pieces<'a> {
        Pieces {
            raw: self.raw,
            i: 0,
            cdata: false,
        }
    }
}

/// Unescaped pieces (a byte, or the UTF-8 of a reference) of element text.
/// Total on any input: text that was never validated ends early.
struct Pieces<'a> {
    raw: &'a [u8],
    i: usize,
    cdata: bool,
}

impl Iterator for Pieces<'_> {
    type Item = ([u8; 4], usize);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.raw.get(self.i..)?;
            let b = *rest.first()?;
            if self.cdata {
                if rest.starts_with(b"]]>") {
                    self.i += 3;
                    self.cdata = false;
                    continue;
                }
            } else if b == b'<' {
                if rest.starts_with(b"<![CDATA[") {
                    self.i += 9;
                    self.cdata = true;
                } else if rest.starts_with(b"<!--") {
                    self.i += 4 + find(rest.get(4..)?, b"-->")? + 3;
                } else if rest.starts_with(b"<?") {
                    self.i += 2 + find(rest.get(2..)?, b"?>")? + 2;
                } else {
                    return None;
                }
                continue;
            } else if b == b'&' {
                let end = find(rest, b";")?;
                let cp = reference(rest.get(1..end)?)?;
                self.i += end + 1;
                let mut out = [0u8; 4];
                let len = char::from_u32(cp)?.encode_utf8(&mut out).len();
                return Some((out, len));
            }
            self.i += 1;
            if b == b'\r' {
                if rest.get(1) == Some(&b'\n') {
                    self.i += 1;
                }
                return Some(([b'\n', 0, 0, 0], 1));
            }
            return Some(([b, 0, 0, 0], 1));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The code point of a reference's body (between `&` and `;`), if it is a
/// predefined entity or a character reference to an XML character.
fn reference(body: &[u8]) -> Option<u32> {
    let cp = match body {
        b"amp" => '&' as u32,
        b"lt" => '<' as u32,
        b"gt" => '>' as u32,
        b"quot" => '"' as u32,
        b"apos" => '\'' as u32,
        [b'#', b'x', hex @ ..] => digits(hex, 16)?,
        [b'#', dec @ ..] => digits(dec, 10)?,
        _ => return None,
    };
    is_xml_char(cp).then_some(cp)
}

/// Digits to a value, saturating above U+10FFFF (then not a character).
fn digits(d: &[u8], radix: u32) -> Option<u32> {
    if d.is_empty() {
        return None;
    }
    d.iter().try_fold(0u32, |acc, &c| {
        let v = (c as char).to_digit(radix)?;
        Some(acc.saturating_mul(radix).saturating_add(v).min(0x11_0000))
    })
}

fn is_xml_char(cp: u32) -> bool {
    matches!(cp, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF)
}

/// Temporary credentials from STS.
pub struct StsCredentials<'a> {
    pub access_key_id: XmlText<'a>,
    pub secret_access_key: XmlText<'a>,
    pub session_token: XmlText<'a>,
    /// Unix seconds.
    pub expiration: i64,
}

/// Never shows the secret or the token.
impl core::fmt::Debug for StsCredentials<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let akid = core::str::from_utf8(self.access_key_id.raw).unwrap_or("<non-UTF-8>");
        f.debug_struct("StsCredentials")
            .field("access_key_id", &akid)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XmlError {
    /// Not well-formed (or a DOCTYPE): the offset of the first byte that
    /// cannot be read (the length when the input ends early). Also a
    /// credential element that is ambiguous (given twice) or holds elements:
    /// the offset of its `<`.
    Syntax { offset: usize },
    /// Elements nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// `Credentials` (no `<X>Response/<X>Result/Credentials`), or one of its
    /// four elements, absent or (but for `Expiration`'s) empty.
    MissingField(&'static str),
    /// `Expiration` is not an RFC 3339 instant [`parse_iso8601`] reads.
    BadExpiration,
    /// An STS <ErrorResponse>: the <Code> text (borrowed) for the caller's message.
    Sts,
}

/// The credentials of an STS response (see the module doc).
pub fn parse_sts_credentials(xml: &[u8]) -> Result<StsCredentials<'_>, XmlError> {
    credentials_of(scan(xml)?, Kind::Root)
}

/// The credentials of an STS response or of an S3 `CreateSession`
/// response (root `CreateSessionResult`, no `Response` wrapper).
pub fn parse_credentials_xml(xml: &[u8]) -> Result<StsCredentials<'_>, XmlError> {
    let f = scan(xml)?;
    let root = if f.root == Kind::Result {
        Kind::Result
    } else {
        Kind::Root
    };
    credentials_of(f, root)
}

/// The four fields of `f`, whose root must be `root`.
fn credentials_of(f: Found<'_>, root: Kind) -> Result<StsCredentials<'_>, XmlError> {
    if let Some(e) = f.pending {
        return Err(e);
    }
    if f.root == Kind::ErrorRoot {
        return Err(XmlError::Sts);
    }
    if !f.credentials || f.root != root {
        return Err(XmlError::MissingField("Credentials"));
    }
    let [akid, secret, token, expiration] = f.fields;
    fn present<'a>(t: Option<XmlText<'a>>, name: &'static str) -> Result<XmlText<'a>, XmlError> {
        t.filter(|t| t.unescaped_len() > 0).ok_or(XmlError::MissingField(name))
    }
    let access_key_id = present(akid, "AccessKeyId")?;
    let secret_access_key = present(secret, "SecretAccessKey")?;
    let session_token = present(token, "SessionToken")?;
    let expiration = expiration.ok_or(XmlError::MissingField("Expiration"))?;
    let mut buf = [0u8; EXPIRATION_MAX];
    let n = expiration.write_unescaped(&mut buf).ok_or(XmlError::BadExpiration)?;
    let text = buf.get(..n).ok_or(XmlError::BadExpiration)?.trim_ascii();
    let expiration = parse_iso8601(text).ok_or(XmlError::BadExpiration)?;
    Ok(StsCredentials {
        access_key_id,
        secret_access_key,
        session_token,
        expiration,
    })
}

/// `ErrorResponse/Error/Code` (or `ErrorResponse/Errors/Error/Code`) of a
/// well-formed STS error document (`None` when that `Code` holds elements).
pub fn sts_error_code(xml: &[u8]) -> Option<XmlText<'_>> {
    let f = scan(xml).ok()?;
    if f.root != Kind::ErrorRoot || f.pending.is_some() {
        return None;
    }
    f.code
}

/// What an open element is, from its parent and its local name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Other,
    /// `<X>Response`.
    Root,
    /// `ErrorResponse`.
    ErrorRoot,
    /// `<X>Result` in `<X>Response`.
    Result,
    Credentials,
    /// One of the four credential elements (index in [`FIELDS`]).
    Field(u8),
    /// `Errors` in `ErrorResponse` (the EC2-style wrapper some STS-compatible
    /// servers, moto among them, put around `Error`).
    Errors,
    /// `Error` in `ErrorResponse` or in its `Errors`.
    Error,
    /// `Code` in `Error`.
    Code,
}

const FIELDS: [&[u8]; 4] = [b"AccessKeyId", b"SecretAccessKey", b"SessionToken", b"Expiration"];

struct Found<'a> {
    root: Kind,
    /// Local name of a `<X>Response` root (offset, length).
    root_name: (usize, usize),
    credentials: bool,
    opened: u8,
    fields: [Option<XmlText<'a>>; 4],
    error: bool,
    code: Option<XmlText<'a>>,
    pending: Option<XmlError>,
}

impl<'a> Found<'a> {
    fn fail(&mut self, e: XmlError) {
        if self.pending.is_none() {
            self.pending = Some(e);
        }
    }

    /// Classifies an element opening at `lt` with local name `local` (at `at`).
    fn open(&mut self, s: &[u8], parent: Option<Kind>, local: &[u8], at: usize, lt: usize) -> Kind {
        let kind = match parent {
            None if local == b"ErrorResponse" => Kind::ErrorRoot,
            // S3 (REST-XML) has no `Response` wrapper.
            None if local == b"CreateSessionResult" => Kind::Result,
            None if local.ends_with(b"Response") => {
                self.root_name = (at, local.len());
                Kind::Root
            }
            None => Kind::Other,
            Some(Kind::Root) => {
                let (o, n) = self.root_name;
                let stem = s.get(o..o + n.saturating_sub(8)).unwrap_or_default();
                let is_result = local.len() == stem.len() + 6 && local.starts_with(stem) && local.ends_with(b"Result");
                if is_result { Kind::Result } else { Kind::Other }
            }
            Some(Kind::Result) if local == b"Credentials" => {
                if self.credentials {
                    self.fail(XmlError::Syntax { offset: lt });
                }
                self.credentials = true;
                Kind::Credentials
            }
            Some(Kind::Credentials) => match FIELDS.iter().position(|f| *f == local) {
                Some(k) => {
                    if self.opened & (1 << k) != 0 {
                        self.fail(XmlError::Syntax { offset: lt });
                    }
                    self.opened |= 1 << k;
                    Kind::Field(k as u8)
                }
                None => Kind::Other,
            },
            Some(Kind::ErrorRoot) if local == b"Errors" => Kind::Errors,
            Some(Kind::ErrorRoot | Kind::Errors) if local == b"Error" && !self.error => {
                self.error = true;
                Kind::Error
            }
            Some(Kind::Error) if local == b"Code" && self.code.is_none() => Kind::Code,
            // Text-only elements hold no elements.
            Some(Kind::Field(_) | Kind::Code) => {
                self.fail(XmlError::Syntax { offset: lt });
                Kind::Other
            }
            Some(_) => Kind::Other,
        };
        if parent.is_none() {
            self.root = kind;
        }
        kind
    }

    fn close(&mut self, kind: Kind, text: &'a [u8]) {
        match kind {
            Kind::Field(k) => {
                if let Some(slot) = self.fields.get_mut(k as usize) {
                    slot.get_or_insert(XmlText { raw: text });
                }
            }
            Kind::Code => {
                self.code.get_or_insert(XmlText { raw: text });
            }
            _ => {}
        }
    }
}

struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn err(&self) -> XmlError {
        XmlError::Syntax { offset: self.i }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.s.get(self.i..).unwrap_or_default()
    }

    fn starts(&self, p: &[u8]) -> bool {
        self.rest().starts_with(p)
    }

    fn expect(&mut self, p: &[u8]) -> Result<(), XmlError> {
        for &c in p {
            if self.peek() != Some(c) {
                return Err(self.err());
            }
            self.i += 1;
        }
        Ok(())
    }

    /// XML `S`; returns how many bytes it skipped.
    fn ws(&mut self) -> usize {
        let from = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
        self.i - from
    }

    /// Moves past the first `end` from here.
    fn past(&mut self, end: &[u8]) -> Result<(), XmlError> {
        match find(self.rest(), end) {
            Some(k) => {
                self.i += k + end.len();
                Ok(())
            }
            None => Err(XmlError::Syntax { offset: self.s.len() }),
        }
    }

    /// A name (ASCII name characters; any non-ASCII character).
    fn name(&mut self) -> Result<&'a [u8], XmlError> {
        let from = self.i;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b':' || c >= 0x80 => self.i += 1,
            _ => return Err(self.err()),
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || b"_:-.".contains(&c) || c >= 0x80) {
            self.i += 1;
        }
        self.s.get(from..self.i).ok_or(self.err())
    }

    /// `&...;` at `self.i`.
    fn reference(&mut self) -> Result<(), XmlError> {
        let at = self.i;
        let end = find(self.rest(), b";").ok_or(XmlError::Syntax { offset: at })?;
        let body = self.rest().get(1..end).ok_or(XmlError::Syntax { offset: at })?;
        reference(body).ok_or(XmlError::Syntax { offset: at })?;
        self.i += end + 1;
        Ok(())
    }

    /// Character data up to the next `<` (or the end).
    fn text(&mut self) -> Result<(), XmlError> {
        while let Some(c) = self.peek() {
            match c {
                b'<' => break,
                b'&' => self.reference()?,
                b']' if self.starts(b"]]>") => return Err(self.err()),
                _ => self.i += 1,
            }
        }
        Ok(())
    }

    /// `<!-- ... -->` (no `--` inside).
    fn comment(&mut self) -> Result<(), XmlError> {
        self.i += 4;
        self.past(b"--")?;
        if self.peek() != Some(b'>') {
            return Err(XmlError::Syntax { offset: self.i - 2 });
        }
        self.i += 1;
        Ok(())
    }

    /// `<?target ...?>`; the target `xml` (any case) is the declaration,
    /// allowed only at the start.
    fn pi(&mut self) -> Result<(), XmlError> {
        self.i += 2;
        let at = self.i;
        let target = self.name()?;
        if target.eq_ignore_ascii_case(b"xml") {
            return Err(XmlError::Syntax { offset: at });
        }
        if self.starts(b"?>") {
            self.i += 2;
            return Ok(());
        }
        if self.ws() == 0 {
            return Err(self.err());
        }
        self.past(b"?>")
    }

    /// `<?xml version="1.x" (encoding="UTF-8")? (standalone="yes|no")? ?>`.
    /// Input is read as UTF-8, so another declared encoding is refused.
    fn declaration(&mut self) -> Result<(), XmlError> {
        self.i += 5;
        let mut seen = 0;
        loop {
            let had_ws = self.ws() > 0;
            if self.starts(b"?>") {
                if seen == 0 {
                    return Err(self.err());
                }
                self.i += 2;
                return Ok(());
            }
            if !had_ws {
                return Err(self.err());
            }
            let at = self.i;
            let name = self.name()?;
            let order = match name {
                b"version" => 1,
                b"encoding" => 2,
                b"standalone" => 3,
                _ => return Err(XmlError::Syntax { offset: at }),
            };
            if order <= seen || (seen == 0 && order != 1) {
                return Err(XmlError::Syntax { offset: at });
            }
            seen = order;
            self.ws();
            self.expect(b"=")?;
            self.ws();
            let q = self.peek().filter(|q| matches!(q, b'"' | b'\'')).ok_or(self.err())?;
            self.i += 1;
            let vstart = self.i;
            let len = find(self.rest(), &[q]).ok_or(XmlError::Syntax { offset: self.s.len() })?;
            let value = self.rest().get(..len).unwrap_or_default();
            let ok = match order {
                1 => value
                    .strip_prefix(b"1.")
                    .is_some_and(|d| !d.is_empty() && d.iter().all(u8::is_ascii_digit)),
                2 => value.eq_ignore_ascii_case(b"UTF-8"),
                _ => value == b"yes" || value == b"no",
            };
            if !ok {
                return Err(XmlError::Syntax { offset: vstart });
            }
            self.i += len + 1;
        }
    }

    /// `"..."` or `'...'` attribute value: no `<`, valid references.
    fn attr_value(&mut self) -> Result<(), XmlError> {
        let q = self.peek().filter(|q| matches!(q, b'"' | b'\'')).ok_or(self.err())?;
        self.i += 1;
        loop {
            match self.peek().ok_or(self.err())? {
                c if c == q => {
                    self.i += 1;
                    return Ok(());
                }
                b'<' => return Err(self.err()),
                b'&' => self.reference()?,
                _ => self.i += 1,
            }
        }
    }
}

/// Characters XML 1.0 allows, over the whole input: UTF-8, no C0 controls
/// but tab, LF and CR, no U+FFFE / U+FFFF.
fn check_chars(s: &[u8]) -> Result<(), XmlError> {
    if let Err(e) = core::str::from_utf8(s) {
        return Err(XmlError::Syntax {
            offset: e.valid_up_to(),
        });
    }
    for (i, &b) in s.iter().enumerate() {
        let bad = match b {
            0x09 | 0x0A | 0x0D => false,
            0x00..=0x1F => true,
            0xEF => matches!(s.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])),
            _ => false,
        };
        if bad {
            return Err(XmlError::Syntax { offset: i });
        }
    }
    Ok(())
}

fn local(name: &[u8]) -> (&[u8], usize) {
    match name.iter().rposition(|&c| c == b':') {
        Some(k) => (name.get(k + 1..).unwrap_or_default(), k + 1),
        None => (name, 0),
    }
}

/// One pass: well-formedness of the whole input, collecting the elements
/// the two functions read.
fn scan(xml: &[u8]) -> Result<Found<'_>, XmlError> {
    check_chars(xml)?;
    let mut p = Scanner { s: xml, i: 0 };
    let mut f = Found {
        root: Kind::Other,
        root_name: (0, 0),
        credentials: false,
        opened: 0,
        fields: [None; 4],
        error: false,
        code: None,
        pending: None,
    };
    if p.starts(b"\xEF\xBB\xBF") {
        p.i = 3;
    }
    if p.starts(b"<?xml") && matches!(p.s.get(p.i + 5), Some(b' ' | b'\t' | b'\r' | b'\n' | b'?')) {
        p.declaration()?;
    }
    // Offset of each open element's name, and what it is.
    let mut names = [0usize; MAX_DEPTH];
    let mut kinds = [Kind::Other; MAX_DEPTH];
    let mut depth = 0usize;
    let mut root_done = false;
    // Where the text of the open credential (or Code) element starts.
    let mut text_start = 0usize;
    loop {
        if depth == 0 {
            p.ws();
            match p.peek() {
                None => break,
                Some(b'<') => {}
                Some(_) => return Err(p.err()),
            }
        } else {
            p.text()?;
            if p.peek().is_none() {
                return Err(p.err());
            }
        }
        let lt = p.i;
        if p.starts(b"<!--") {
            p.comment()?;
        } else if p.starts(b"<![CDATA[") && depth > 0 {
            p.i += 9;
            p.past(b"]]>")?;
        } else if p.starts(b"<!") {
            // DOCTYPE (and with it entity declarations), CDATA outside the root.
            return Err(p.err());
        } else if p.starts(b"<?") {
            p.pi()?;
        } else if p.starts(b"</") {
            if depth == 0 {
                return Err(p.err());
            }
            p.i += 2;
            let at = p.i;
            let name = p.name()?;
            let open_at = *names.get(depth - 1).ok_or(p.err())?;
            let mut open = Scanner { s: xml, i: open_at };
            if open.name()? != name {
                return Err(XmlError::Syntax { offset: at });
            }
            p.ws();
            p.expect(b">")?;
            depth -= 1;
            let kind = *kinds.get(depth).ok_or(p.err())?;
            f.close(kind, xml.get(text_start..lt).unwrap_or_default());
            root_done |= depth == 0;
        } else {
            if depth == 0 && root_done {
                return Err(p.err());
            }
            p.i += 1;
            let at = p.i;
            let name = p.name()?;
            let empty = loop {
                let had_ws = p.ws() > 0;
                match p.peek() {
                    Some(b'>') => {
                        p.i += 1;
                        break false;
                    }
                    Some(b'/') => {
                        p.expect(b"/>")?;
                        break true;
                    }
                    Some(_) if had_ws => {
                        p.name()?;
                        p.ws();
                        p.expect(b"=")?;
                        p.ws();
                        p.attr_value()?;
                    }
                    _ => return Err(p.err()),
                }
            };
            if depth == MAX_DEPTH {
                return Err(XmlError::TooDeep);
            }
            let parent = depth.checked_sub(1).and_then(|d| kinds.get(d).copied());
            let (local_name, skip) = local(name);
            let kind = f.open(xml, parent, local_name, at + skip, lt);
            if matches!(kind, Kind::Field(_) | Kind::Code) {
                text_start = p.i;
            }
            if empty {
                f.close(kind, &[]);
                root_done |= depth == 0;
            } else {
                *names.get_mut(depth).ok_or(p.err())? = at;
                *kinds.get_mut(depth).ok_or(p.err())? = kind;
                depth += 1;
            }
        }
    }
    if !root_done {
        return Err(XmlError::Syntax { offset: xml.len() });
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;
    use std::{format, vec};

    fn un(t: XmlText<'_>) -> Vec<u8> {
        let mut v = vec![0u8; t.unescaped_len()];
        assert_eq!(t.write_unescaped(&mut v), Some(v.len()));
        assert!(t.eq_unescaped(&v));
        v
    }

    fn ok(doc: &[u8]) -> StsCredentials<'_> {
        match parse_sts_credentials(doc) {
            Ok(c) => c,
            Err(e) => panic!("{e:?} for {}", String::from_utf8_lossy(doc)),
        }
    }

    fn err(doc: &[u8]) -> XmlError {
        match parse_sts_credentials(doc) {
            Ok(_) => panic!("accepted {}", String::from_utf8_lossy(doc)),
            Err(e) => e,
        }
    }

    /// The example token of the STS API reference (moto returns it too).
    const DOC_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    // STS API reference, AssumeRole, "Example": the token wrapped over lines.
    const ASSUME_ROLE: &[u8] = b"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">
<AssumeRoleResult>
<SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>
       AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW
       LWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGd
       QrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU
       9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz
       +scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==
      </SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>";

    // STS API reference, AssumeRoleWithWebIdentity, "Example".
    const WEB_IDENTITY: &[u8] =
        b"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>SourceIdentityValue</SourceIdentity>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>";

    // moto 5.2.5's answer to AssumeRole (one line, microseconds).
    const MOTO: &[u8] = b"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIARZPUZDIKBX5B642D</AccessKeyId><SecretAccessKey>+8xF+79s9ZgILy6jY3gNr1j8bCz1cuQJtpfcYQXU</SecretAccessKey><SessionToken>FQoGZXIvYXdzEBYaD+sz8ZeZsRd4Kxp2VLiH9J8Ygl2LFRhCxy6muG9g5VEvAWGYpGZhJj9oYKxh10DV+hdgJZKj+GEzOOfgT37uUWLyJ+xjBM4BsK+ran387rz5tULRSMvIPU71PU0KpfbYWog18M3YwZU4co+QwKrcpCMnfieiQF2OisORHsnDa6suuM/gZShhipWDH23b4HxY1Q+mrO1Lj2g/xTtltmiPX4wJRk8fKTfwF1TUOYQxV3/qkDAw/nVXd9R4gMc+byKDIm37RXPr+UP5THAUakcw002K7b9V/XrvW44A6/hx/BMBd1/TRErjNHAmClidOOEZmPTOqtCMWg5Ir9gPRYk=</SessionToken><Expiration>2026-12-05T23:32:38.567473Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA3X42LBCDS4K0QGI8I:s1</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/demo/s1</Arn></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>Pvexl0MVqc7ynSqVn2PQ04xIoa3iALhPATjbPyvx5cDuHVEL5ofX</RequestId></ResponseMetadata></AssumeRoleResponse>";

    // moto's error (HTTP 400) for a RoleSessionName over 64 characters.
    const MOTO_ERROR: &[u8] = b"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>1 validation error detected: Value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or  equal to 64</Message></Error><RequestId>KHyDSo0xQPwkcoMhoVKm3S3lQ1lcqnj7sHzKwckxBpcZNX0lkcHV</RequestId></ErrorResponse>";

    // The STS error shape (API reference, "Common Errors").
    const STS_ERROR: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidClientTokenId</Code>
    <Message>The security token included in the request is invalid.</Message>
  </Error>
  <RequestId>4f5e1b8a-0000-0000-0000-000000000000</RequestId>
</ErrorResponse>
";

    fn creds(inner: &str) -> String {
        format!(
            "<AssumeRoleResponse><AssumeRoleResult><Credentials>{inner}</Credentials></AssumeRoleResult></AssumeRoleResponse>"
        )
    }

    const FOUR: &str = "<AccessKeyId>AK</AccessKeyId><SecretAccessKey>SK</SecretAccessKey><SessionToken>TK</SessionToken><Expiration>2015-08-30T12:36:00Z</Expiration>";

    #[test]
    fn real_documents() {
        let c = ok(ASSUME_ROLE);
        assert_eq!(un(c.access_key_id), b"ASIAIOSFODNN7EXAMPLE");
        assert_eq!(un(c.secret_access_key), b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
        assert_eq!(c.expiration, 1_573_306_481); // python: calendar.timegm
        // The element's text as XML (and botocore) has it: not trimmed.
        let token = un(c.session_token);
        assert!(token.starts_with(b"\n       AQoD") && token.ends_with(b"BA==\n      "));
        let joined: Vec<u8> = token.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
        assert_eq!(joined, DOC_TOKEN.as_bytes());

        let c = ok(WEB_IDENTITY);
        assert_eq!(un(c.access_key_id), b"ASgeIAIOSFODNN7EXAMPLE");
        assert_eq!(un(c.session_token), b"AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
        assert_eq!(c.expiration, 1_414_191_623);

        let c = ok(MOTO);
        assert_eq!(un(c.access_key_id), b"ASIARZPUZDIKBX5B642D");
        assert_eq!(un(c.secret_access_key), b"+8xF+79s9ZgILy6jY3gNr1j8bCz1cuQJtpfcYQXU");
        assert!(un(c.session_token).starts_with(b"FQoGZXIvYXdzEBYaD+sz8Ze"));
        assert_eq!(c.expiration, 1_796_513_558);

        // Declaration, BOM, other STS actions with credentials.
        let d = format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
            String::from_utf8_lossy(WEB_IDENTITY)
        );
        assert_eq!(ok(d.as_bytes()).expiration, 1_414_191_623);
        let d = format!(
            "<GetSessionTokenResponse><GetSessionTokenResult><Credentials>{FOUR}</Credentials></GetSessionTokenResult></GetSessionTokenResponse>"
        );
        assert_eq!(un(ok(d.as_bytes()).secret_access_key), b"SK");
    }

    #[test]
    fn errors() {
        assert_eq!(err(MOTO_ERROR), XmlError::Sts);
        assert_eq!(un(sts_error_code(MOTO_ERROR).unwrap()), b"ValidationError");
        assert_eq!(err(STS_ERROR), XmlError::Sts);
        assert_eq!(un(sts_error_code(STS_ERROR).unwrap()), b"InvalidClientTokenId");
        assert!(sts_error_code(STS_ERROR).unwrap().eq_unescaped(b"InvalidClientTokenId"));
        // Not an error document, or not well-formed: no code.
        assert!(sts_error_code(MOTO).is_none());
        assert!(sts_error_code(&STS_ERROR[..STS_ERROR.len() - 3]).is_none());
        assert!(sts_error_code(b"<ErrorResponse><Error><Type>x</Type></Error></ErrorResponse>").is_none());
        assert!(sts_error_code(b"<Other><Error><Code>x</Code></Error></Other>").is_none());
        assert!(sts_error_code(b"<ErrorResponse><Code>x</Code></ErrorResponse>").is_none());
        // moto's auth failures wrap the error in `Errors` (EC2 style).
        let wrapped = b"<ErrorResponse><Errors><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>\
<Message>m</Message></Error></Errors><RequestId>r</RequestId></ErrorResponse>";
        assert_eq!(un(sts_error_code(wrapped).unwrap()), b"InvalidClientTokenId");
        assert!(sts_error_code(b"<ErrorResponse><Errors><Code>x</Code></Errors></ErrorResponse>").is_none());
        // Entities decoded, prefixes ignored, the first Code counts.
        let e = b"<e:ErrorResponse xmlns:e=\"u\"><e:Error><e:Code>A&amp;B</e:Code><Code>C</Code></e:Error></e:ErrorResponse>";
        assert_eq!(un(sts_error_code(e).unwrap()), b"A&B");
        // A Code holding an element: no code, and the document is refused there.
        let e = b"<ErrorResponse><Error><Code>A<b/></Code></Error></ErrorResponse>";
        assert!(sts_error_code(e).is_none());
        assert_eq!(err(e), XmlError::Syntax { offset: 29 });
        // A truncated error document is a syntax error, not Sts.
        assert!(matches!(err(&MOTO_ERROR[..100]), XmlError::Syntax { .. }));
    }

    #[test]
    fn namespaces_and_markup() {
        for (open, close) in [
            ("<AssumeRoleResponse>", "</AssumeRoleResponse>"),
            ("<AssumeRoleResponse xmlns='urn:other'>", "</AssumeRoleResponse>"),
            (
                "<sts:AssumeRoleResponse xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">",
                "</sts:AssumeRoleResponse >",
            ),
        ] {
            let d = format!(
                "{open}<AssumeRoleResult a=\"1\" b='2' ><x:Credentials xmlns:x=\"y\">{FOUR}</x:Credentials></AssumeRoleResult>{close}"
            );
            let c = ok(d.as_bytes());
            assert_eq!(un(c.access_key_id), b"AK");
            assert_eq!(c.expiration, 1_440_938_160);
        }
        // Entities, character references, CDATA, comments, PIs, line ends.
        let d = creds(
            "<AccessKeyId>a&amp;b&lt;&gt;&quot;&apos;&#65;&#x42;&#x1F600;<![CDATA[<&amp;]]>x<!-- c -->y<?pi z?></AccessKeyId>\
             <SecretAccessKey>l1\r\nl2\rl3&#13;&#xA;</SecretAccessKey>\
             <SessionToken><![CDATA[]]>t<!---->\u{e9}</SessionToken>\
             <Expiration>\n  2015-08-30T12:36:00Z\n</Expiration>",
        );
        let c = ok(d.as_bytes());
        assert_eq!(un(c.access_key_id), "a&b<>\"'AB😀<&amp;xy".as_bytes());
        assert_eq!(un(c.secret_access_key), b"l1\nl2\nl3\r\n");
        assert_eq!(un(c.session_token), "t\u{e9}".as_bytes());
        assert_eq!(c.expiration, 1_440_938_160);
        let mut small = vec![0u8; c.access_key_id.unescaped_len() - 1];
        assert_eq!(c.access_key_id.write_unescaped(&mut small), None);
        assert!(!c.access_key_id.eq_unescaped(b"a&b"));
        // Unknown elements anywhere are skipped; comments and PIs around the root.
        let d = format!(
            "<!-- a --><?pi?>\n<AssumeRoleResponse><X><Credentials><AccessKeyId>no</AccessKeyId></Credentials></X>\
             <AssumeRoleResult><Empty/><Credentials><Extra><AccessKeyId>no</AccessKeyId></Extra>{FOUR}</Credentials></AssumeRoleResult>\
             </AssumeRoleResponse><!-- b -->\n"
        );
        assert_eq!(un(ok(d.as_bytes()).access_key_id), b"AK");
    }

    #[test]
    fn doctype_and_entities_refused() {
        let laughs = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><AssumeRoleResponse>&lol2;</AssumeRoleResponse>";
        assert_eq!(err(laughs), XmlError::Syntax { offset: 21 });
        let xxe = b"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
        assert_eq!(err(xxe), XmlError::Syntax { offset: 0 });
        // An undeclared entity is not expanded or passed through.
        let d = creds(&FOUR.replace("AK", "&x;"));
        assert!(matches!(err(d.as_bytes()), XmlError::Syntax { .. }));
    }

    #[test]
    fn malformed() {
        let s = |offset| XmlError::Syntax { offset };
        let cases: &[(&[u8], XmlError)] = &[
            (b"", s(0)),
            (b"  \n", s(3)),
            (b"text", s(0)),
            (b"<a>", s(3)),
            (b"<a></b>", s(5)),
            (b"<a></a><b></b>", s(7)),
            (b"<a></a>x", s(7)),
            (b"</a>", s(0)),
            (b"<a><b></a></b>", s(8)),
            (b"< a></a>", s(1)),
            (b"<a></ a>", s(5)),
            (b"<1a></1a>", s(1)),
            (b"<a b></a>", s(4)),
            (b"<a b=c></a>", s(5)),
            (b"<a b=\"c></a>", s(8)),
            (b"<a b=\"<\"></a>", s(6)),
            (b"<a b=\"&\"></a>", s(6)),
            (b"<a b=\"1\"c=\"2\"></a>", s(8)),
            (b"<a/ >", s(3)),
            (b"<a>&</a>", s(3)),
            (b"<a>&amp</a>", s(3)),
            (b"<a>&unknown;</a>", s(3)),
            (b"<a>&#;</a>", s(3)),
            (b"<a>&#x;</a>", s(3)),
            (b"<a>&#0;</a>", s(3)),
            (b"<a>&#xD800;</a>", s(3)),
            (b"<a>&#x110000;</a>", s(3)),
            (b"<a>&#99999999999999999999;</a>", s(3)),
            (b"<a>]]></a>", s(3)),
            (b"<a><!-- x -- y --></a>", s(10)),
            (b"<a><!-- x ---></a>", s(10)),
            (b"<a><!-- x </a>", s(14)),
            (b"<a><![CDATA[x</a>", s(17)),
            (b"<![CDATA[x]]><a></a>", s(0)),
            (b"<a><?xml version=\"1.0\"?></a>", s(5)),
            (b" <?xml version=\"1.0\"?><a></a>", s(3)),
            (b"<?xml?><a></a>", s(5)),
            (b"<?xml encoding=\"UTF-8\"?><a></a>", s(6)),
            (b"<?xml version=\"2.0\"?><a></a>", s(15)),
            (b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a></a>", s(30)),
            (b"<?xml version=\"1.0\" standalone=\"maybe\"?><a></a>", s(32)),
            (b"<?xml version=\"1.0\"encoding=\"UTF-8\"?><a></a>", s(19)),
            (b"<a>\x00</a>", s(3)),
            (b"<a>\x0c</a>", s(3)),
            (b"<a>\xff</a>", s(3)),
            (b"<a>\xc3</a>", s(3)),
            (b"<a>\xef\xbf\xbe</a>", s(3)),
            (b"<a>\xed\xa0\x80</a>", s(3)),
        ];
        for (doc, want) in cases {
            assert_eq!(
                parse_sts_credentials(doc).err(),
                Some(*want),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    fn truncated_at_every_offset() {
        let four = creds(FOUR);
        for doc in [
            ASSUME_ROLE,
            WEB_IDENTITY,
            MOTO,
            MOTO_ERROR,
            STS_ERROR.trim_ascii_end(),
            four.as_bytes(),
        ] {
            for n in 0..doc.len() {
                match parse_sts_credentials(&doc[..n]) {
                    Err(XmlError::Syntax { offset }) => assert!(offset <= n),
                    other => panic!("prefix {n}: {:?}", other.err()),
                }
                assert!(sts_error_code(&doc[..n]).is_none());
            }
        }
    }

    #[test]
    fn missing_empty_duplicate_fields() {
        let names = ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"];
        for (k, name) in names.iter().enumerate() {
            let without: String = FOUR.split_inclusive(&format!("</{name}>")).collect::<Vec<_>>().join("");
            let without = without.replace(
                &format!("<{name}>{}</{name}>", ["AK", "SK", "TK", "2015-08-30T12:36:00Z"][k]),
                "",
            );
            assert_eq!(
                err(creds(&without).as_bytes()),
                XmlError::MissingField(name),
                "{without}"
            );
            let empty = format!("<{name}/>{without}");
            let want = if k == 3 {
                XmlError::BadExpiration
            } else {
                XmlError::MissingField(name)
            };
            assert_eq!(err(creds(&empty).as_bytes()), want);
            let empty = format!("{without}<{name}></{name}>");
            assert_eq!(err(creds(&empty).as_bytes()), want);
            // Twice: refused (ambiguous), at the second one.
            let twice = format!("{FOUR}<{name}>x</{name}>");
            let d = creds(&twice);
            let at = d.rfind(&format!("<{name}>")).unwrap();
            assert_eq!(err(d.as_bytes()), XmlError::Syntax { offset: at });
            // Holding an element: refused, at that element.
            let nested = FOUR.replace(&format!("</{name}>"), &format!("<b/></{name}>"));
            let d = creds(&nested);
            assert_eq!(
                err(d.as_bytes()),
                XmlError::Syntax {
                    offset: d.find("<b/>").unwrap()
                }
            );
        }
        let missing = |d: &str| err(d.as_bytes());
        assert_eq!(missing(&creds("")), XmlError::MissingField("AccessKeyId"));
        assert_eq!(missing("<AssumeRoleResponse/>"), XmlError::MissingField("Credentials"));
        assert_eq!(missing("<Other/>"), XmlError::MissingField("Credentials"));
        let wrong_result = format!(
            "<AssumeRoleResponse><GetSessionTokenResult><Credentials>{FOUR}</Credentials></GetSessionTokenResult></AssumeRoleResponse>"
        );
        assert_eq!(missing(&wrong_result), XmlError::MissingField("Credentials"));
        let too_deep = format!(
            "<AssumeRoleResponse><X><AssumeRoleResult><Credentials>{FOUR}</Credentials></AssumeRoleResult></X></AssumeRoleResponse>"
        );
        assert_eq!(missing(&too_deep), XmlError::MissingField("Credentials"));
        let two = format!(
            "<AssumeRoleResponse><AssumeRoleResult><Credentials>{FOUR}</Credentials><Credentials>{FOUR}</Credentials></AssumeRoleResult></AssumeRoleResponse>"
        );
        assert_eq!(
            missing(&two),
            XmlError::Syntax {
                offset: two.rfind("<Credentials>").unwrap()
            }
        );
        // Syntax wins over a duplicate seen earlier.
        let two_bad = format!("{}<", &two[..two.len() - 1]);
        assert!(
            matches!(missing(&two_bad), XmlError::Syntax { offset } if offset > two.rfind("<Credentials>").unwrap())
        );
        for e in [
            "x",
            "2015-08-30T12:36:00",
            "2015-02-30T12:36:00Z",
            "&#50;015-08-30T12:36:00Z x",
        ] {
            let d = creds(&FOUR.replace("2015-08-30T12:36:00Z", e));
            assert_eq!(err(d.as_bytes()), XmlError::BadExpiration, "{e}");
        }
        let d = creds(&FOUR.replace("2015-08-30T12:36:00Z", "&#50;015-08-30T12:36:00.5+00:00"));
        assert_eq!(ok(d.as_bytes()).expiration, 1_440_938_160);
        let d = creds(&FOUR.replace(
            "2015-08-30T12:36:00Z",
            &format!("2015-08-30T12:36:00.{}Z", "1".repeat(60)),
        ));
        assert_eq!(err(d.as_bytes()), XmlError::BadExpiration);
    }

    #[test]
    fn huge_and_deep() {
        let token = "T".repeat(4 << 20);
        let mut d = String::from("<AssumeRoleResponse><AssumeRoleResult>");
        for i in 0..100_000 {
            d.push_str(&format!("<x{i} a=\"{i}\">t&amp;<y/></x{i}>"));
        }
        d.push_str(&format!(
            "<Credentials>{}</Credentials></AssumeRoleResult></AssumeRoleResponse>",
            FOUR.replace(">TK<", &format!(">{token}<"))
        ));
        let c = ok(d.as_bytes());
        assert_eq!(c.session_token.unescaped_len(), 4 << 20);
        // Depth: MAX_DEPTH levels are fine, one more is not.
        let nest = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert_eq!(err(nest(MAX_DEPTH).as_bytes()), XmlError::MissingField("Credentials"));
        assert_eq!(err(nest(MAX_DEPTH + 1).as_bytes()), XmlError::TooDeep);
        assert_eq!(err("<a>".repeat(1_000_000).as_bytes()), XmlError::TooDeep);
        // Long runs of markup that never closes end at the input's end.
        let open_comment = format!("<a><!--{}", "-a".repeat(1 << 18));
        assert_eq!(
            err(open_comment.as_bytes()),
            XmlError::Syntax {
                offset: open_comment.len()
            }
        );
    }

    #[test]
    fn debug_and_errors_hold_no_secret() {
        let d = creds(
            "<AccessKeyId>AKIDVISIBLE</AccessKeyId><SecretAccessKey>SECRETSECRET</SecretAccessKey><SessionToken>TOKENTOKEN</SessionToken><Expiration>2015-08-30T12:36:00Z</Expiration>",
        );
        let c = ok(d.as_bytes());
        let dbg = format!("{c:?} {:?} {:?}", c.secret_access_key, c.session_token);
        assert!(dbg.contains("AKIDVISIBLE"), "{dbg}");
        assert!(!dbg.contains("SECRET") && !dbg.contains("TOKEN"), "{dbg}");
        for n in 0..d.len() {
            let e = format!("{:?}", parse_sts_credentials(&d.as_bytes()[..n]).err());
            assert!(!e.contains("SECRET") && !e.contains("TOKEN"), "{e}");
        }
    }
}
