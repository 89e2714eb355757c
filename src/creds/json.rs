//! The JSON credential documents: EC2 IMDS role credentials, the ECS / EKS
//! Pod Identity container endpoint, `credential_process` output and the AWS
//! IoT credentials provider (`{"credentials": {...}}`).
//!
//! `no_std`, no allocation, no recursion: one pass over the input with a
//! fixed-size stack of container kinds ([`MAX_DEPTH`] levels), O(n) time.
//! The whole document is checked against RFC 8259 (UTF-8, strings, numbers,
//! literals, nothing after the value) before any field is looked at, so a
//! [`JsonError::Syntax`] always means "not JSON". Results borrow from the
//! input; strings keep their escapes until the caller unescapes them into
//! its own buffer ([`JsonStr::write_unescaped`]).

/// Nesting limit (objects and arrays). AWS documents use two levels.
pub const MAX_DEPTH: usize = 32;

/// Longest `Expiration` (unescaped) read; longer ones are [`JsonError::BadExpiration`].
const EXPIRATION_MAX: usize = 64;

/// A JSON string's contents as they appear between the quotes (escapes
/// intact, validated).
#[derive(Clone, Copy)]
pub struct JsonStr<'a> {
    raw: &'a [u8],
}

/// Never shows the contents: a `JsonStr` may hold a secret.
impl core::fmt::Debug for JsonStr<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "JsonStr(<{} bytes>)", self.raw.len())
    }
}

impl<'a> JsonStr<'a> {
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Bytes after unescaping (\" \\ \/ \b \f \n \r \t \uXXXX incl.
    /// surrogate pairs -> UTF-8).
    pub fn unescaped_len(&self) -> usize {
        let mut n = 0;
        let mut i = 0;
        while let Some((_, len)) = next_piece(self.raw, &mut i) {
            n += len;
        }
        n
    }

    /// Writes the unescaped bytes into `dst[..unescaped_len()]`; returns
    /// that length, or `None` if `dst` is too small (nothing promised about
    /// `dst` then).
    pub fn write_unescaped(&self, dst: &mut [u8]) -> Option<usize> {
        let mut at = 0;
        let mut i = 0;
        while let Some((piece, len)) = next_piece(self.raw, &mut i) {
            dst.get_mut(at..at + len)?.copy_from_slice(piece.get(..len)?);
            at += len;
        }
        Some(at)
    }

    /// Equality with an unescaped byte string, without a buffer.
    pub fn eq_unescaped(&self, s: &[u8]) -> bool {
        let mut at = 0;
        let mut i = 0;
        while let Some((piece, len)) = next_piece(self.raw, &mut i) {
            if s.get(at..at + len) != piece.get(..len) {
                return false;
            }
            at += len;
        }
        at == s.len()
    }
}

/// The next unescaped piece of `raw` from `*i`: one byte, or the UTF-8 of
/// one escape. Total on any input (a string that was never validated ends
/// early; a lone surrogate becomes U+FFFD), so it cannot panic.
fn next_piece(raw: &[u8], i: &mut usize) -> Option<([u8; 4], usize)> {
    let b = *raw.get(*i)?;
    if b != b'\\' {
        *i += 1;
        return Some(([b, 0, 0, 0], 1));
    }
    let c = match *raw.get(*i + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(raw.get(*i + 2..*i + 6)?)?;
            *i += 6;
            let mut cp = hi;
            if (0xD800..0xDC00).contains(&hi) {
                let lo = low_surrogate_at(raw, *i);
                if let Some(lo) = lo {
                    *i += 6;
                    cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                }
            }
            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
            let mut out = [0u8; 4];
            let len = ch.encode_utf8(&mut out).len();
            return Some((out, len));
        }
        _ => return None,
    };
    *i += 2;
    Some(([c as u8, 0, 0, 0], 1))
}

/// `\uXXXX` with a low surrogate at `raw[i..]`.
fn low_surrogate_at(raw: &[u8], i: usize) -> Option<u32> {
    if raw.get(i..i + 2)? != b"\\u" {
        return None;
    }
    let lo = hex4(raw.get(i + 2..i + 6)?)?;
    (0xDC00..0xE000).contains(&lo).then_some(lo)
}

fn hex4(h: &[u8]) -> Option<u32> {
    if h.len() != 4 {
        return None;
    }
    h.iter()
        .try_fold(0u32, |acc, &c| Some(acc << 4 | (c as char).to_digit(16)?))
}

/// Credentials read from one of the documents.
pub struct JsonCredentials<'a> {
    pub access_key_id: JsonStr<'a>,
    pub secret_access_key: JsonStr<'a>,
    pub session_token: Option<JsonStr<'a>>,
    /// Unix seconds.
    pub expiration: Option<i64>,
    pub account_id: Option<JsonStr<'a>>,
}

/// Shows the access key id's (escaped) text and the expiration; never the
/// secret or the token.
impl core::fmt::Debug for JsonCredentials<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let akid = core::str::from_utf8(self.access_key_id.raw).unwrap_or("<non-UTF-8>");
        f.debug_struct("JsonCredentials")
            .field("access_key_id", &akid)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &if self.session_token.is_some() {
                    "<redacted>"
                } else {
                    "<none>"
                },
            )
            .field("expiration", &self.expiration)
            .field(
                "account_id",
                &self.account_id.map(|a| core::str::from_utf8(a.raw).unwrap_or("?")),
            )
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON (RFC 8259): the offset of the first byte that cannot be
    /// read (the input's length when it ends too early).
    Syntax { offset: usize },
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A required field is absent (or, for the key id and the secret, empty).
    MissingField(&'static str),
    /// A credential field given twice (under one name or two of its variants).
    DuplicateField(&'static str),
    /// A known field with a value of the wrong JSON type.
    WrongType(&'static str),
    /// `Expiration` is not an RFC 3339 instant [`parse_iso8601`] reads.
    BadExpiration,
    /// IMDS "Code" other than "Success".
    NotSuccess,
    /// credential_process "Version" != 1.
    UnsupportedVersion,
}

/// Reads any of the four documents. Field names (case-sensitive):
/// `AccessKeyId`/`accessKeyId`, `SecretAccessKey`/`secretAccessKey`,
/// `Token`/`SessionToken`/`sessionToken`, `Expiration`/`expiration`,
/// `AccountId`/`accountId`, at the top level or inside a top-level
/// `credentials` object (AWS IoT). Top level only: `Code` (must be
/// `"Success"` when present) and `Version` (must be 1 when present; see
/// [`parse_process_credentials`] for credential_process, where it is
/// required). Other fields are skipped. `null`, or an empty string, for the
/// token, the expiration's absence and the account id mean "absent", as in
/// botocore; the key id and the secret must be non-empty strings.
pub fn parse_credentials(json: &[u8]) -> Result<JsonCredentials<'_>, JsonError> {
    let found = scan(json, Dialect::Any)?;
    found.into_credentials()
}

/// `credential_process` output, read as botocore's `ProcessProvider` reads
/// it: `Version` is required and must be 1 (missing or any other value:
/// [`JsonError::UnsupportedVersion`]), and only its names count:
/// `AccessKeyId`, `SecretAccessKey`, `SessionToken`, `Expiration`,
/// `AccountId` (a `Token` or a `credentials` object is an unknown field).
pub fn parse_process_credentials(json: &[u8]) -> Result<JsonCredentials<'_>, JsonError> {
    let found = scan(json, Dialect::Process)?;
    if found.pending.is_none() && !found.version_seen {
        return Err(JsonError::UnsupportedVersion);
    }
    found.into_credentials()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Any,
    Process,
}

/// What a key names, at a level whose keys are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    AccessKeyId,
    Secret,
    Token,
    Expiration,
    AccountId,
    Code,
    Version,
    Credentials,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::None => "",
            Field::AccessKeyId => "AccessKeyId",
            Field::Secret => "SecretAccessKey",
            Field::Token => "SessionToken",
            Field::Expiration => "Expiration",
            Field::AccountId => "AccountId",
            Field::Code => "Code",
            Field::Version => "Version",
            Field::Credentials => "credentials",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// `top`: the document's object (else the IoT `credentials` object).
    fn of_key(key: JsonStr<'_>, top: bool, dialect: Dialect) -> Field {
        const ANY: &[(&[u8], Field)] = &[
            (b"AccessKeyId", Field::AccessKeyId),
            (b"accessKeyId", Field::AccessKeyId),
            (b"SecretAccessKey", Field::Secret),
            (b"secretAccessKey", Field::Secret),
            (b"Token", Field::Token),
            (b"SessionToken", Field::Token),
            (b"sessionToken", Field::Token),
            (b"Expiration", Field::Expiration),
            (b"expiration", Field::Expiration),
            (b"AccountId", Field::AccountId),
            (b"accountId", Field::AccountId),
        ];
        const ANY_TOP: &[(&[u8], Field)] = &[
            (b"Code", Field::Code),
            (b"Version", Field::Version),
            (b"credentials", Field::Credentials),
        ];
        // botocore's ProcessProvider reads exactly these.
        const PROCESS: &[(&[u8], Field)] = &[
            (b"AccessKeyId", Field::AccessKeyId),
            (b"SecretAccessKey", Field::Secret),
            (b"SessionToken", Field::Token),
            (b"Expiration", Field::Expiration),
            (b"AccountId", Field::AccountId),
            (b"Version", Field::Version),
        ];
        let tables: [&[(&[u8], Field)]; 2] = match (dialect, top) {
            (Dialect::Any, true) => [ANY, ANY_TOP],
            (Dialect::Any, false) => [ANY, &[]],
            (Dialect::Process, true) => [PROCESS, &[]],
            (Dialect::Process, false) => [&[], &[]],
        };
        for table in tables {
            for &(name, field) in table {
                if key.eq_unescaped(name) {
                    return field;
                }
            }
        }
        Field::None
    }
}

/// Fields found in a syntactically valid document, and the first semantic
/// error (reported only once the whole document has been checked).
struct Found<'a> {
    top_is_object: bool,
    seen: u16,
    access_key_id: Option<JsonStr<'a>>,
    secret: Option<JsonStr<'a>>,
    token: Option<JsonStr<'a>>,
    expiration: Option<i64>,
    account_id: Option<JsonStr<'a>>,
    version_seen: bool,
    pending: Option<JsonError>,
}

/// A value as the field logic sees it (containers by kind only).
enum Scalar<'a> {
    Str(JsonStr<'a>, bool),
    Number(&'a [u8]),
    Null,
    Bool,
    Object,
    Array,
}

impl<'a> Found<'a> {
    fn fail(&mut self, e: JsonError) {
        if self.pending.is_none() {
            self.pending = Some(e);
        }
    }

    fn value(&mut self, field: Field, v: Scalar<'a>) {
        if field == Field::None {
            return;
        }
        if self.seen & field.bit() != 0 {
            return self.fail(JsonError::DuplicateField(field.name()));
        }
        self.seen |= field.bit();
        let wrong = JsonError::WrongType(field.name());
        match (field, v) {
            (Field::Credentials, Scalar::Object) => {}
            (Field::Credentials, _) => self.fail(wrong),
            (Field::Version, Scalar::Number(n)) => {
                self.version_seen = true;
                if !number_is_one(n) {
                    self.fail(JsonError::UnsupportedVersion);
                }
            }
            (Field::Version, _) => {
                self.version_seen = true;
                self.fail(wrong)
            }
            (Field::Code, Scalar::Str(s, _)) => {
                if !s.eq_unescaped(b"Success") {
                    self.fail(JsonError::NotSuccess);
                }
            }
            (Field::Code, _) => self.fail(wrong),
            // A lone surrogate escape has no UTF-8 form.
            (_, Scalar::Str(_, true)) => self.fail(wrong),
            (Field::AccessKeyId, Scalar::Str(s, _)) => self.access_key_id = Some(s),
            (Field::Secret, Scalar::Str(s, _)) => self.secret = Some(s),
            (Field::Token, Scalar::Str(s, _)) => self.token = Some(s).filter(|s| !s.raw.is_empty()),
            (Field::AccountId, Scalar::Str(s, _)) => self.account_id = Some(s).filter(|s| !s.raw.is_empty()),
            (Field::Expiration, Scalar::Str(s, _)) => {
                let mut buf = [0u8; EXPIRATION_MAX];
                match s.write_unescaped(&mut buf).and_then(|n| parse_iso8601(buf.get(..n)?)) {
                    Some(t) => self.expiration = Some(t),
                    None => self.fail(JsonError::BadExpiration),
                }
            }
            (Field::Token | Field::AccountId | Field::Expiration, Scalar::Null) => {}
            _ => self.fail(wrong),
        }
    }

    fn into_credentials(self) -> Result<JsonCredentials<'a>, JsonError> {
        if let Some(e) = self.pending {
            return Err(e);
        }
        if !self.top_is_object {
            return Err(JsonError::WrongType("document"));
        }
        let access_key_id = self
            .access_key_id
            .filter(|s| !s.raw.is_empty())
            .ok_or(JsonError::MissingField("AccessKeyId"))?;
        let secret_access_key = self
            .secret
            .filter(|s| !s.raw.is_empty())
            .ok_or(JsonError::MissingField("SecretAccessKey"))?;
        Ok(JsonCredentials {
            access_key_id,
            secret_access_key,
            session_token: self.token,
            expiration: self.expiration,
            account_id: self.account_id,
        })
    }
}

/// Python's `version == 1` on the parsed number: an integer token equals 1
/// only as `1`; a token with a fraction or exponent is a float, equal when
/// it rounds to 1.0, i.e. lies in [1 - 2^-54, 1 + 2^-53] (both ties round to
/// 1.0, the even neighbour). Compared exactly in decimal: no float parser
/// linked into firmware.
fn number_is_one(n: &[u8]) -> bool {
    // 1 - 2^-54 = 0.LOW and 1 + 2^-53 = 0.HIGH x 10, exactly.
    const LOW: &[u8] = b"999999999999999944488848768742172978818416595458984375";
    const HIGH: &[u8] = b"100000000000000011102230246251565404236316680908203125";
    let (mantissa, exp) = match n.iter().position(|&c| c == b'e' || c == b'E') {
        Some(k) => (n.get(..k).unwrap_or_default(), n.get(k + 1..)),
        None => (n, None),
    };
    let (int, frac) = match mantissa.iter().position(|&c| c == b'.') {
        Some(k) => (
            mantissa.get(..k).unwrap_or_default(),
            mantissa.get(k + 1..).unwrap_or_default(),
        ),
        None => (mantissa, &[][..]),
    };
    if exp.is_none() && frac.is_empty() {
        return n == b"1";
    }
    if int.first() == Some(&b'-') {
        return false;
    }
    // Saturated far past any digit count: only the sign of the gap matters.
    let exp = exp.map_or(0, |e| {
        let (neg, digits) = match e.split_first() {
            Some((b'-', d)) => (true, d),
            Some((b'+', d)) => (false, d),
            _ => (false, e),
        };
        let v = digits.iter().fold(0i64, |acc, &c| {
            (acc * 10 + i64::from(c.wrapping_sub(b'0') % 10)).min(1 << 40)
        });
        if neg { -v } else { v }
    });
    let lead = int.iter().chain(frac).take_while(|&&c| c == b'0').count();
    let mut digits = int.iter().chain(frac).skip(lead);
    // The value is 0.DIGITS x 10^point.
    let point = int.len() as i64 + exp - lead as i64;
    let bound = match point {
        0 => LOW,
        1 => HIGH,
        _ => return false,
    };
    let mut bound_digits = bound.iter();
    let order = loop {
        match (digits.next(), bound_digits.next()) {
            (None, None) => break core::cmp::Ordering::Equal,
            (d, b) => {
                let (d, b) = (d.unwrap_or(&b'0'), b.unwrap_or(&b'0'));
                if d != b {
                    break d.cmp(b);
                }
            }
        }
    };
    // All zeros (0.0e5) compare below LOW and never reach HIGH's digits.
    if point == 0 { order.is_ge() } else { order.is_le() }
}

/// What the scanner expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Value,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object.
    Key,
    /// After `[`: a value or `]`.
    FirstElement,
    /// After a value: `,`, the container's closing bracket, or the end.
    Next,
}

struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn syntax(&self) -> JsonError {
        JsonError::Syntax { offset: self.i }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A string at `self.i` (on the quote). Returns it and whether it has a
    /// lone surrogate escape (valid JSON, but no UTF-8 form).
    fn string(&mut self) -> Result<(JsonStr<'a>, bool), JsonError> {
        let start = self.i + 1;
        self.i = start;
        let mut lone = false;
        loop {
            match self.peek().ok_or(self.syntax())? {
                b'"' => break,
                b'\\' => {
                    self.i += 1;
                    match self.peek().ok_or(self.syntax())? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let cp = self.hex4_at(self.i + 1)?;
                            self.i += 5;
                            if (0xD800..0xDC00).contains(&cp) && low_surrogate_at(self.s, self.i).is_some() {
                                self.i += 6;
                            } else if (0xD800..0xE000).contains(&cp) {
                                lone = true;
                            }
                        }
                        _ => return Err(self.syntax()),
                    }
                }
                0..=0x1f => return Err(self.syntax()),
                _ => self.i += 1,
            }
        }
        let raw = self.s.get(start..self.i).ok_or(self.syntax())?;
        // Escapes are ASCII, so the raw text is UTF-8 iff the string is.
        if let Err(e) = core::str::from_utf8(raw) {
            return Err(JsonError::Syntax {
                offset: start + e.valid_up_to(),
            });
        }
        self.i += 1;
        Ok((JsonStr { raw }, lone))
    }

    fn hex4_at(&self, at: usize) -> Result<u32, JsonError> {
        for k in 0..4 {
            match self.s.get(at + k) {
                Some(c) if c.is_ascii_hexdigit() => {}
                _ => return Err(JsonError::Syntax { offset: at + k }),
            }
        }
        self.s.get(at..at + 4).and_then(hex4).ok_or(self.syntax())
    }

    fn digits(&mut self) -> usize {
        let from = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - from
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<&'a [u8], JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax()),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.syntax());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax());
            }
        }
        self.s.get(start..self.i).ok_or(self.syntax())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), JsonError> {
        for &w in word {
            if self.peek() != Some(w) {
                return Err(self.syntax());
            }
            self.i += 1;
        }
        Ok(())
    }
}

/// One pass: RFC 8259 validation of the whole input, collecting the fields
/// of the top-level object and of a top-level `credentials` object.
fn scan(json: &[u8], dialect: Dialect) -> Result<Found<'_>, JsonError> {
    let mut p = Scanner { s: json, i: 0 };
    let mut found = Found {
        top_is_object: false,
        seen: 0,
        access_key_id: None,
        secret: None,
        token: None,
        expiration: None,
        account_id: None,
        version_seen: false,
        pending: None,
    };
    // Bit d: the container at depth d + 1 is an object.
    let mut objects: u64 = 0;
    let mut depth = 0usize;
    // Inside the IoT `credentials` object (depth 2).
    let mut in_creds = false;
    // The field the key just read names (None at levels that are skipped).
    let mut field = Field::None;
    let mut expect = Expect::Value;
    loop {
        p.skip_ws();
        let Some(c) = p.peek() else {
            // Only a complete top-level value may end the input.
            if expect == Expect::Next && depth == 0 {
                break;
            }
            return Err(p.syntax());
        };
        match expect {
            Expect::FirstKey | Expect::Key => {
                if c == b'}' && expect == Expect::FirstKey {
                    p.i += 1;
                    close(&mut depth, &mut in_creds);
                    expect = Expect::Next;
                    continue;
                }
                if c != b'"' {
                    return Err(p.syntax());
                }
                let (key, _) = p.string()?;
                field = if depth == 1 {
                    Field::of_key(key, true, dialect)
                } else if depth == 2 && in_creds {
                    Field::of_key(key, false, dialect)
                } else {
                    Field::None
                };
                p.skip_ws();
                if p.peek() != Some(b':') {
                    return Err(p.syntax());
                }
                p.i += 1;
                expect = Expect::Value;
            }
            Expect::FirstElement if c == b']' => {
                p.i += 1;
                close(&mut depth, &mut in_creds);
                expect = Expect::Next;
            }
            Expect::Value | Expect::FirstElement => {
                match c {
                    b'{' | b'[' => {
                        if depth == MAX_DEPTH {
                            return Err(JsonError::TooDeep);
                        }
                        let is_object = c == b'{';
                        if depth == 0 {
                            found.top_is_object = is_object;
                        } else {
                            if field == Field::Credentials && is_object && depth == 1 {
                                in_creds = true;
                            }
                            found.value(field, if is_object { Scalar::Object } else { Scalar::Array });
                        }
                        if is_object {
                            objects |= 1 << depth;
                        } else {
                            objects &= !(1 << depth);
                        }
                        depth += 1;
                        p.i += 1;
                        expect = if is_object {
                            Expect::FirstKey
                        } else {
                            Expect::FirstElement
                        };
                    }
                    b'"' => {
                        let (s, lone) = p.string()?;
                        found.value(field, Scalar::Str(s, lone));
                        expect = Expect::Next;
                    }
                    b'-' | b'0'..=b'9' => {
                        let n = p.number()?;
                        found.value(field, Scalar::Number(n));
                        expect = Expect::Next;
                    }
                    b't' => {
                        p.literal(b"true")?;
                        found.value(field, Scalar::Bool);
                        expect = Expect::Next;
                    }
                    b'f' => {
                        p.literal(b"false")?;
                        found.value(field, Scalar::Bool);
                        expect = Expect::Next;
                    }
                    b'n' => {
                        p.literal(b"null")?;
                        found.value(field, Scalar::Null);
                        expect = Expect::Next;
                    }
                    _ => return Err(p.syntax()),
                }
                // Values inside arrays are never fields.
                field = Field::None;
            }
            Expect::Next => {
                if depth == 0 {
                    // Something after the top-level value.
                    return Err(p.syntax());
                }
                let in_object = objects & (1 << (depth - 1)) != 0;
                match (c, in_object) {
                    (b',', true) => expect = Expect::Key,
                    (b',', false) => expect = Expect::Value,
                    (b'}', true) | (b']', false) => {
                        close(&mut depth, &mut in_creds);
                        expect = Expect::Next;
                    }
                    _ => return Err(p.syntax()),
                }
                p.i += 1;
            }
        }
    }
    Ok(found)
}

/// Leaves a container; leaving depth 2 leaves the `credentials` object.
fn close(depth: &mut usize, in_creds: &mut bool) {
    if *depth == 2 {
        *in_creds = false;
    }
    *depth = depth.saturating_sub(1);
}

/// RFC 3339 / ISO 8601 UTC instants as AWS writes them: `2026-12-05T22:00:00Z`,
/// with fractional seconds (`.123Z`, dropped), with a numeric offset
/// (`+00:00`, `-07:00`, applied); years 1970..=9999. Also `t`/`z`
/// (RFC 3339 allows them) and `+HHMM`. No leap second (`:60`), no local
/// times (a zone is required).
pub fn parse_iso8601(s: &[u8]) -> Option<i64> {
    fn num(s: &[u8], at: usize, n: usize) -> Option<i64> {
        let d = s.get(at..at + n)?;
        d.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    }
    fn at(s: &[u8], i: usize, c: u8) -> Option<()> {
        (s.get(i) == Some(&c)).then_some(())
    }
    let year = num(s, 0, 4)?;
    at(s, 4, b'-')?;
    let month = num(s, 5, 2)?;
    at(s, 7, b'-')?;
    let day = num(s, 8, 2)?;
    if !matches!(s.get(10), Some(b'T' | b't')) {
        return None;
    }
    let hour = num(s, 11, 2)?;
    at(s, 13, b':')?;
    let minute = num(s, 14, 2)?;
    at(s, 16, b':')?;
    let second = num(s, 17, 2)?;
    let mut i = 19;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let from = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == from {
            return None;
        }
    }
    let offset = match s.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest.len() {
                5 if rest.get(2) == Some(&b':') => (num(rest, 0, 2)?, num(rest, 3, 2)?),
                4 => (num(rest, 0, 2)?, num(rest, 2, 2)?),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // Local time minus its offset from UTC.
    Some(days * 86400 + hour * 3600 + minute * 60 + second - offset)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to y-m-d (proleptic Gregorian; y >= 1970 here):
/// whole years, then whole months of year `y`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let prior = y - 1; // leap years in 1..=prior, minus those in 1..=1969
    let leaps = |n: i64| n / 4 - n / 100 + n / 400;
    let mut days = (y - 1970) * 365 + leaps(prior) - leaps(1969);
    for mm in 1..m {
        days += days_in_month(y, mm);
    }
    days + d - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;
    use std::{format, vec};

    fn un(s: JsonStr<'_>) -> Vec<u8> {
        let mut v = vec![0u8; s.unescaped_len()];
        assert_eq!(s.write_unescaped(&mut v), Some(v.len()));
        v
    }

    fn ok(doc: &[u8]) -> JsonCredentials<'_> {
        match parse_credentials(doc) {
            Ok(c) => c,
            Err(e) => panic!("{e:?} for {}", String::from_utf8_lossy(doc)),
        }
    }

    fn err(doc: &[u8]) -> JsonError {
        match parse_credentials(doc) {
            Ok(_) => panic!("accepted {}", String::from_utf8_lossy(doc)),
            Err(e) => e,
        }
    }

    // EC2 user guide, "Retrieve security credentials from instance metadata"
    // (the documented shape; values from its example).
    const IMDS: &[u8] = br#"{
  "Code" : "Success",
  "LastUpdated" : "2012-04-26T16:39:16Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIAIOSFODNN7EXAMPLE",
  "SecretAccessKey" : "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "Token" : "token",
  "Expiration" : "2017-05-17T15:09:54Z"
}"#;

    // ECS "Task IAM role" / the SDKs' container credentials format; Pod
    // Identity adds AccountId.
    const ECS: &[u8] = br#"{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","Expiration":"2016-02-25T06:03:31Z","RoleArn":"arn:aws:iam::123456789012:role/task","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","Token":"AQoDYXdzEJr..."}"#;
    const POD_IDENTITY: &[u8] = br#"{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","Token":"tok","AccountId":"123456789012","Expiration":"2024-01-01T00:00:00Z"}"#;

    // SDKs and Tools reference guide, "Process credential provider".
    const PROCESS: &[u8] = br#"{
    "Version": 1,
    "AccessKeyId": "an AWS access key",
    "SecretAccessKey": "your AWS secret access key",
    "SessionToken": "the AWS session token for temporary credentials",
    "Expiration": "2026-12-05T22:00:00Z"
}"#;

    // AWS IoT developer guide, "Authorizing direct calls to AWS services".
    const IOT: &[u8] = br#"{"credentials":{"accessKeyId":"access key","secretAccessKey":"secret access key","sessionToken":"session token","expiration":"2018-01-18T09:18:06Z"}}"#;

    #[test]
    fn real_documents() {
        let c = ok(IMDS);
        assert_eq!(un(c.access_key_id), b"ASIAIOSFODNN7EXAMPLE");
        assert_eq!(un(c.secret_access_key), b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(un(c.session_token.unwrap()), b"token");
        assert_eq!(c.expiration, Some(1_495_033_794)); // python: calendar.timegm
        assert!(c.account_id.is_none());

        let c = ok(ECS);
        assert_eq!(un(c.session_token.unwrap()), b"AQoDYXdzEJr...");
        assert_eq!(c.expiration, Some(1_456_380_211));

        let c = ok(POD_IDENTITY);
        assert_eq!(un(c.account_id.unwrap()), b"123456789012");
        assert_eq!(c.expiration, Some(1_704_067_200));

        for c in [ok(PROCESS), parse_process_credentials(PROCESS).unwrap()] {
            assert_eq!(un(c.access_key_id), b"an AWS access key");
            assert_eq!(un(c.secret_access_key), b"your AWS secret access key");
            assert_eq!(
                un(c.session_token.unwrap()),
                b"the AWS session token for temporary credentials"
            );
            assert_eq!(c.expiration, Some(1_796_508_000));
        }

        let c = ok(IOT);
        assert_eq!(un(c.access_key_id), b"access key");
        assert_eq!(un(c.secret_access_key), b"secret access key");
        assert_eq!(un(c.session_token.unwrap()), b"session token");
        assert_eq!(c.expiration, Some(1_516_267_086));
    }

    #[test]
    fn every_field_variant() {
        let akid = ["AccessKeyId", "accessKeyId"];
        let secret = ["SecretAccessKey", "secretAccessKey"];
        let token = ["Token", "SessionToken", "sessionToken"];
        let exp = ["Expiration", "expiration"];
        let acct = ["AccountId", "accountId"];
        for (n, a) in akid.iter().enumerate() {
            for s in secret {
                for t in token {
                    for e in exp {
                        for x in acct {
                            let body = format!(
                                r#""{a}":"AK{n}","{s}":"SK","{t}":"TK","{e}":"1970-01-02T00:00:00Z","{x}":"42""#
                            );
                            for doc in [format!("{{{body}}}"), format!(r#"{{"credentials":{{{body}}}}}"#)] {
                                let c = ok(doc.as_bytes());
                                assert_eq!(un(c.access_key_id), format!("AK{n}").as_bytes());
                                assert_eq!(un(c.secret_access_key), b"SK");
                                assert_eq!(un(c.session_token.unwrap()), b"TK");
                                assert_eq!(c.expiration, Some(86400));
                                assert_eq!(un(c.account_id.unwrap()), b"42");
                            }
                        }
                    }
                }
            }
        }
        // Names are case-sensitive: other spellings are unknown fields.
        assert_eq!(
            err(br#"{"ACCESSKEYID":"a","SecretAccessKey":"s"}"#),
            JsonError::MissingField("AccessKeyId")
        );
        assert_eq!(
            err(br#"{"AccessKeyId":"a","secretaccesskey":"s"}"#),
            JsonError::MissingField("SecretAccessKey")
        );
        assert!(
            ok(br#"{"AccessKeyId":"a","SecretAccessKey":"s","token":"t"}"#)
                .session_token
                .is_none()
        );
        // Only the top level and a top-level `credentials` object count.
        assert_eq!(
            err(br#"{"x":{"AccessKeyId":"a","SecretAccessKey":"s"}}"#),
            JsonError::MissingField("AccessKeyId")
        );
        assert_eq!(
            err(br#"{"x":{"credentials":{"AccessKeyId":"a","SecretAccessKey":"s"}}}"#),
            JsonError::MissingField("AccessKeyId")
        );
        assert_eq!(
            err(br#"[{"AccessKeyId":"a","SecretAccessKey":"s"}]"#),
            JsonError::WrongType("document")
        );
    }

    #[test]
    fn escapes() {
        let doc = r#"{"AccessKeyId":"\u0041\u004b\/x\"\\\b\f\n\r\t","SecretAccessKey":"caf\u00e9 \u20ac \ud83d\ude00 \uD834\uDD1E é","Token":"plain"}"#.as_bytes();
        let c = ok(doc);
        assert_eq!(un(c.access_key_id), b"AK/x\"\\\x08\x0c\n\r\t");
        assert_eq!(un(c.secret_access_key), "café € 😀 𝄞 é".as_bytes());
        assert_eq!(c.access_key_id.raw(), br#"\u0041\u004b\/x\"\\\b\f\n\r\t"#);
        assert!(c.access_key_id.eq_unescaped(b"AK/x\"\\\x08\x0c\n\r\t"));
        assert!(!c.access_key_id.eq_unescaped(b"AK/x\"\\\x08\x0c\n\r"));
        assert!(!c.access_key_id.eq_unescaped(b"AK/x\"\\\x08\x0c\n\r\t!"));
        assert!(c.secret_access_key.eq_unescaped("café € 😀 𝄞 é".as_bytes()));
        // Keys are compared unescaped.
        let c = ok(br#"{"\u0041ccessKeyId":"a","Secret\u0041ccessKey":"s","\u0054oken":"t"}"#);
        assert_eq!(un(c.session_token.unwrap()), b"t");
        // Buffer too small: None.
        let n = c.access_key_id.unescaped_len();
        assert_eq!(
            c.access_key_id.write_unescaped(&mut [0u8; 0][..n.saturating_sub(1)]),
            None
        );
        let c = ok(doc);
        let n = c.secret_access_key.unescaped_len();
        let mut small = vec![0u8; n - 1];
        assert_eq!(c.secret_access_key.write_unescaped(&mut small), None);
        let mut big = vec![0u8; n + 10];
        assert_eq!(c.secret_access_key.write_unescaped(&mut big), Some(n));
    }

    #[test]
    fn lone_surrogates() {
        // Valid JSON (Python reads it), but no UTF-8 form: refused in a
        // credential field, fine in a skipped one.
        assert_eq!(
            err(br#"{"AccessKeyId":"\ud800","SecretAccessKey":"s"}"#),
            JsonError::WrongType("AccessKeyId")
        );
        assert_eq!(
            err(br#"{"AccessKeyId":"a","SecretAccessKey":"x\udc00y"}"#),
            JsonError::WrongType("SecretAccessKey")
        );
        assert_eq!(
            err(br#"{"AccessKeyId":"a","SecretAccessKey":"\ud800\u0041"}"#),
            JsonError::WrongType("SecretAccessKey")
        );
        ok(br#"{"AccessKeyId":"a","SecretAccessKey":"s","Other":"\ud800","\udfff":1}"#);
    }

    #[test]
    fn malformed() {
        let s = |offset| JsonError::Syntax { offset };
        let cases: &[(&[u8], JsonError)] = &[
            (b"", s(0)),
            (b"   ", s(3)),
            (b"{", s(1)),
            (b"{\"a\"", s(4)),
            (b"{\"a\":}", s(5)),
            (b"{\"a\":1,}", s(7)),
            (b"{\"a\" 1}", s(5)),
            (b"{a:1}", s(1)),
            (b"{'a':1}", s(1)),
            (b"{\"a\":1}}", s(7)),
            (b"{\"a\":1} x", s(8)),
            (b"{\"a\":1]", s(6)),
            (b"[1,]", s(3)),
            (b"[1 2]", s(3)),
            (b"{\"a\":01}", s(6)),
            (b"{\"a\":-}", s(6)),
            (b"{\"a\":1.}", s(7)),
            (b"{\"a\":.5}", s(5)),
            (b"{\"a\":1e}", s(7)),
            (b"{\"a\":+1}", s(5)),
            (b"{\"a\":NaN}", s(5)),
            (b"{\"a\":Infinity}", s(5)),
            (b"{\"a\":tru}", s(8)),
            (b"{\"a\":nul}", s(8)),
            (b"{\"a\":True}", s(5)),
            (b"{\"a\":\"\\x\"}", s(7)),
            (b"{\"a\":\"\\u12g4\"}", s(10)),
            (b"{\"a\":\"\\u12\"}", s(10)),
            (b"{\"a\":\"tab\there\"}", s(9)),
            (b"{\"a\":\"nl\nx\"}", s(8)),
            (b"{\"a\":\"\xff\"}", s(6)),
            (b"{\"a\":\"\xc3\"}", s(6)),
            (b"{\"a\":\"\xed\xa0\x80\"}", s(6)), // UTF-8 of a surrogate
            (b"{\"a\":\"\xc0\xaf\"}", s(6)),     // overlong
            (b"\xef\xbb\xbf{}", s(0)),           // BOM
            (b"{\"a\":1}\x00", s(7)),
            (b"{\"a\"\x0c:1}", s(4)), // form feed is not JSON whitespace
        ];
        for (doc, want) in cases {
            assert_eq!(
                parse_credentials(doc).err(),
                Some(*want),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    fn truncated_at_every_offset() {
        for doc in [IMDS, ECS, POD_IDENTITY, PROCESS, IOT] {
            for n in 0..doc.len() {
                // Every proper prefix fails: none is a complete document
                // (each ends with `}`), and reading it must not panic.
                match parse_credentials(&doc[..n]) {
                    Err(JsonError::Syntax { offset }) => assert!(offset <= n),
                    other => panic!("prefix {n}: {:?}", other.err()),
                }
                let _ = parse_process_credentials(&doc[..n]);
            }
            ok(doc);
        }
    }

    #[test]
    fn huge_inputs() {
        // 4 MiB of token and 100k skipped fields: linear, no limit on size.
        let token = "A".repeat(4 << 20);
        let mut doc = String::from("{");
        for i in 0..100_000 {
            doc.push_str(&format!("\"f{i}\":[{i},\"x\",null,{{}}],"));
        }
        doc.push_str(&format!(
            r#""AccessKeyId":"a","SecretAccessKey":"s","Token":"{token}"}}"#
        ));
        let c = ok(doc.as_bytes());
        assert_eq!(c.session_token.unwrap().unescaped_len(), 4 << 20);
        assert!(c.session_token.unwrap().eq_unescaped(token.as_bytes()));
        // A huge unterminated string: an error at the end, not a hang.
        let mut bad = String::from("{\"Token\":\"");
        bad.push_str(&"\\u0041".repeat(1 << 18));
        assert_eq!(err(bad.as_bytes()), JsonError::Syntax { offset: bad.len() });
    }

    #[test]
    fn depth() {
        let nest = |n: usize, open: &str, close: &str| {
            format!(
                r#"{{"AccessKeyId":"a","SecretAccessKey":"s","x":{}1{}}}"#,
                open.repeat(n),
                close.repeat(n)
            )
        };
        // The top object plus MAX_DEPTH - 1 arrays: the limit, accepted.
        ok(nest(MAX_DEPTH - 1, "[", "]").as_bytes());
        assert_eq!(err(nest(MAX_DEPTH, "[", "]").as_bytes()), JsonError::TooDeep);
        let objs = |n: usize| {
            format!(
                r#"{{"AccessKeyId":"a","SecretAccessKey":"s","x":{}1{}}}"#,
                "{\"k\":".repeat(n),
                "}".repeat(n)
            )
        };
        ok(objs(MAX_DEPTH - 1).as_bytes());
        assert_eq!(err(objs(MAX_DEPTH).as_bytes()), JsonError::TooDeep);
        // A depth bomb: a million brackets, refused at the bound.
        let bomb = "[".repeat(1_000_000);
        assert_eq!(err(bomb.as_bytes()), JsonError::TooDeep);
        // Bracket kinds are tracked per level: `[{]}` is not JSON.
        assert_eq!(err(b"{\"x\":[{]}}"), JsonError::Syntax { offset: 7 });
        assert_eq!(err(b"{\"x\":{\"y\":[1}]}"), JsonError::Syntax { offset: 12 });
    }

    #[test]
    fn duplicates() {
        let d = |doc: &[u8]| err(doc);
        assert_eq!(
            d(br#"{"AccessKeyId":"a","AccessKeyId":"b","SecretAccessKey":"s"}"#),
            JsonError::DuplicateField("AccessKeyId")
        );
        assert_eq!(
            d(br#"{"AccessKeyId":"a","accessKeyId":"b","SecretAccessKey":"s"}"#),
            JsonError::DuplicateField("AccessKeyId")
        );
        assert_eq!(
            d(br#"{"AccessKeyId":"a","SecretAccessKey":"s","Token":"t","SessionToken":"u"}"#),
            JsonError::DuplicateField("SessionToken")
        );
        assert_eq!(
            d(br#"{"AccessKeyId":"a","SecretAccessKey":"s","credentials":{"secretAccessKey":"x"}}"#),
            JsonError::DuplicateField("SecretAccessKey")
        );
        assert_eq!(
            d(br#"{"AccessKeyId":"a","SecretAccessKey":"s","Expiration":null,"expiration":"2020-01-01T00:00:00Z"}"#),
            JsonError::DuplicateField("Expiration")
        );
        assert_eq!(
            d(br#"{"Version":1,"Version":1,"AccessKeyId":"a","SecretAccessKey":"s"}"#),
            JsonError::DuplicateField("Version")
        );
        assert_eq!(
            d(br#"{"credentials":{},"credentials":{}}"#),
            JsonError::DuplicateField("credentials")
        );
        // Unknown fields may repeat (Python keeps the last; nothing reads them).
        ok(br#"{"RoleArn":"x","RoleArn":"y","AccessKeyId":"a","SecretAccessKey":"s"}"#);
        // Syntax wins over a duplicate seen earlier: the whole document is read first.
        assert_eq!(
            d(br#"{"AccessKeyId":"a","AccessKeyId":"b","SecretAccessKey":"s",}"#),
            JsonError::Syntax { offset: 59 }
        );
    }

    #[test]
    fn wrong_types_and_empty_values() {
        let w = |doc: &str| err(doc.as_bytes());
        let base = r#""AccessKeyId":"a","SecretAccessKey":"s""#;
        assert_eq!(
            w(r#"{"AccessKeyId":1,"SecretAccessKey":"s"}"#),
            JsonError::WrongType("AccessKeyId")
        );
        assert_eq!(
            w(r#"{"AccessKeyId":null,"SecretAccessKey":"s"}"#),
            JsonError::WrongType("AccessKeyId")
        );
        assert_eq!(
            w(r#"{"AccessKeyId":"a","SecretAccessKey":["s"]}"#),
            JsonError::WrongType("SecretAccessKey")
        );
        assert_eq!(
            w(r#"{"AccessKeyId":"a","SecretAccessKey":{"s":1}}"#),
            JsonError::WrongType("SecretAccessKey")
        );
        assert_eq!(
            w(&format!(r#"{{{base},"Token":true}}"#)),
            JsonError::WrongType("SessionToken")
        );
        assert_eq!(
            w(&format!(r#"{{{base},"Expiration":1700000000}}"#)),
            JsonError::WrongType("Expiration")
        );
        assert_eq!(
            w(&format!(r#"{{{base},"AccountId":123}}"#)),
            JsonError::WrongType("AccountId")
        );
        assert_eq!(w(&format!(r#"{{{base},"Code":0}}"#)), JsonError::WrongType("Code"));
        assert_eq!(
            w(&format!(r#"{{{base},"Version":"1"}}"#)),
            JsonError::WrongType("Version")
        );
        assert_eq!(
            w(&format!(r#"{{{base},"Version":true}}"#)),
            JsonError::WrongType("Version")
        );
        assert_eq!(
            w(&format!(r#"{{{base},"credentials":"x"}}"#)),
            JsonError::WrongType("credentials")
        );
        assert_eq!(
            w(&format!(r#"{{{base},"credentials":[]}}"#)),
            JsonError::WrongType("credentials")
        );
        assert_eq!(w(r#""just a string""#), JsonError::WrongType("document"));
        assert_eq!(w("null"), JsonError::WrongType("document"));
        // Empty key id / secret: missing. Empty or null token, account id,
        // null expiration: absent (botocore sends no token for "").
        assert_eq!(
            w(r#"{"AccessKeyId":"","SecretAccessKey":"s"}"#),
            JsonError::MissingField("AccessKeyId")
        );
        assert_eq!(
            w(r#"{"AccessKeyId":"a","SecretAccessKey":""}"#),
            JsonError::MissingField("SecretAccessKey")
        );
        assert_eq!(w(r#"{"SecretAccessKey":"s"}"#), JsonError::MissingField("AccessKeyId"));
        assert_eq!(w(r#"{"AccessKeyId":"a"}"#), JsonError::MissingField("SecretAccessKey"));
        assert_eq!(w("{}"), JsonError::MissingField("AccessKeyId"));
        let doc = format!(r#"{{{base},"Token":"","AccountId":null,"Expiration":null}}"#);
        let c = ok(doc.as_bytes());
        assert!(c.session_token.is_none() && c.account_id.is_none() && c.expiration.is_none());
        let doc = format!(r#"{{{base},"Token":null,"AccountId":""}}"#);
        let c = ok(doc.as_bytes());
        assert!(c.session_token.is_none() && c.account_id.is_none());
        // A bad expiration.
        for e in [
            "",
            "yesterday",
            "2020-13-01T00:00:00Z",
            "2020-01-01 00:00:00Z",
            "2020-01-01T00:00:00",
        ] {
            assert_eq!(
                w(&format!(r#"{{{base},"Expiration":"{e}"}}"#)),
                JsonError::BadExpiration,
                "{e}"
            );
        }
        // Escaped but valid; and too long to be one.
        let doc = format!(r#"{{{base},"Expiration":"\u0032015-08-30T12:36:00Z"}}"#);
        let c = ok(doc.as_bytes());
        assert_eq!(c.expiration, Some(1_440_938_160));
        let long = format!("2015-08-30T12:36:00.{}Z", "0".repeat(60));
        assert_eq!(
            w(&format!(r#"{{{base},"Expiration":"{long}"}}"#)),
            JsonError::BadExpiration
        );
        assert_eq!(parse_iso8601(long.as_bytes()), Some(1_440_938_160));
    }

    #[test]
    fn imds_code_and_process_version() {
        let base = r#""AccessKeyId":"a","SecretAccessKey":"s""#;
        ok(format!(r#"{{"Code":"Success",{base}}}"#).as_bytes());
        ok(format!(r#"{{"Code":"Succ\u0065ss",{base}}}"#).as_bytes());
        // IMDS's JSON error (e.g. EC2 not a trusted entity of the role).
        let imds_err = br#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role","LastUpdated":"2023-01-01T00:00:00Z"}"#;
        assert_eq!(err(imds_err), JsonError::NotSuccess);
        assert_eq!(
            err(format!(r#"{{"Code":"success",{base}}}"#).as_bytes()),
            JsonError::NotSuccess
        );
        // `Code` only counts at the top level.
        ok(format!(r#"{{"credentials":{{"Code":"x",{base}}}}}"#).as_bytes());

        // botocore: `parsed.get('Version') != 1` fails; 1.0 == 1 in Python.
        // Expected answers from Python (`json.loads(v) == 1`), including the
        // two rounding ties and their neighbours.
        for v in [
            "1",
            "1.0",
            "1e0",
            "10e-1",
            "0.1e1",
            "1.00000000000000000001",
            "1.00000000000000011102230246251565404236316680908203125",
            "0.999999999999999944488848768742172978818416595458984375",
            "1.0000000000000001",
            "0.99999999999999995",
            "100e-2",
            "0.000001e6",
            "1e-0",
            "1E+0",
        ] {
            let doc = format!(r#"{{"Version":{v},"AccessKeyId":"a","SecretAccessKey":"s"}}"#);
            ok(doc.as_bytes());
            parse_process_credentials(doc.as_bytes()).unwrap();
        }
        for v in [
            "2",
            "0",
            "-1",
            "1.5",
            "1.0000001",
            "11",
            "1e1",
            "-1.0",
            "1.00000000000000011102230246251565404236316680908203126",
            "0.999999999999999944488848768742172978818416595458984374",
            "0.9999999999999999",
            "1.000000000000000222",
            "1e99999999999999999999",
            "0.1e-99999999999999999999",
            "0e0",
            "0.0",
            "10",
        ] {
            let doc = format!(r#"{{"Version":{v},"AccessKeyId":"a","SecretAccessKey":"s"}}"#);
            assert_eq!(err(doc.as_bytes()), JsonError::UnsupportedVersion, "{v}");
            assert_eq!(
                parse_process_credentials(doc.as_bytes()).err(),
                Some(JsonError::UnsupportedVersion),
                "{v}"
            );
        }
        // Missing: fine for IMDS/ECS, refused for credential_process.
        let doc = br#"{"AccessKeyId":"a","SecretAccessKey":"s","SessionToken":"t"}"#;
        ok(doc);
        assert_eq!(
            parse_process_credentials(doc).err(),
            Some(JsonError::UnsupportedVersion)
        );
        // ... but a syntax error is still a syntax error.
        assert!(matches!(parse_process_credentials(b"{"), Err(JsonError::Syntax { .. })));
        // credential_process reads only botocore's names.
        let c =
            parse_process_credentials(br#"{"Version":1,"AccessKeyId":"a","SecretAccessKey":"s","Token":"t"}"#).unwrap();
        assert!(c.session_token.is_none());
        assert_eq!(
            parse_process_credentials(br#"{"Version":1,"accessKeyId":"a","SecretAccessKey":"s"}"#).err(),
            Some(JsonError::MissingField("AccessKeyId"))
        );
        assert_eq!(
            parse_process_credentials(br#"{"Version":1,"credentials":{"AccessKeyId":"a","SecretAccessKey":"s"}}"#)
                .err(),
            Some(JsonError::MissingField("AccessKeyId"))
        );
    }

    #[test]
    fn iso8601_known_answers() {
        // Expected values from Python (calendar.timegm / datetime.timestamp);
        // the first from the SigV4 suite (2015-08-30T12:36:00Z).
        let cases: &[(&[u8], i64)] = &[
            (b"1970-01-01T00:00:00Z", 0),
            (b"1970-01-01T00:00:01Z", 1),
            (b"1972-02-29T12:00:00Z", 68212800),
            (b"1999-12-31T23:59:59Z", 946684799),
            (b"2000-02-29T00:00:00Z", 951782400),
            (b"2000-03-01T00:00:00Z", 951868800),
            (b"2015-08-30T12:36:00Z", 1440938160),
            (b"2019-11-09T13:34:41Z", 1573306481),
            (b"2014-10-24T23:00:23Z", 1414191623),
            (b"2038-01-19T03:14:07Z", 2147483647),
            (b"2038-01-19T03:14:08Z", 2147483648),
            (b"2100-02-28T23:59:59Z", 4107542399),
            (b"2100-03-01T00:00:00Z", 4107542400),
            (b"2400-02-29T06:07:08Z", 13574585228),
            (b"2026-12-05T22:00:00Z", 1796508000),
            (b"9999-12-31T23:59:59Z", 253402300799),
            (b"2026-12-05T15:00:00-07:00", 1796508000),
            (b"2026-12-06T05:30:00+05:30", 1796515200),
            (b"1970-01-01T00:00:00+01:00", -3600),
            (b"9999-12-31T23:59:59-23:59", 253402387139),
            (b"2026-12-05T22:00:00.123456Z", 1796508000),
            (b"2026-12-05T22:00:00.9Z", 1796508000),
            (b"2026-12-05t22:00:00z", 1796508000),
            (b"2026-12-05T15:00:00-0700", 1796508000),
            (b"2026-12-05T22:00:00+00:00", 1796508000),
            (b"2026-12-05T22:00:00-00:00", 1796508000),
        ];
        for (s, want) in cases {
            assert_eq!(parse_iso8601(s), Some(*want), "{}", String::from_utf8_lossy(s));
        }
        let bad: &[&[u8]] = &[
            b"",
            b"2026-12-05",
            b"2026-12-05T22:00:00",
            b"2026-12-05T22:00Z",
            b"2026-12-05 22:00:00Z",
            b"2026-12-05T22:00:00ZZ",
            b"2026-12-05T22:00:00Z ",
            b" 2026-12-05T22:00:00Z",
            b"2026-12-05T22:00:00.Z",
            b"2026-13-05T22:00:00Z",
            b"2026-00-05T22:00:00Z",
            b"2026-12-00T22:00:00Z",
            b"2026-12-32T22:00:00Z",
            b"2026-02-29T22:00:00Z",
            b"2100-02-29T00:00:00Z",
            b"2026-04-31T00:00:00Z",
            b"2026-12-05T24:00:00Z",
            b"2026-12-05T23:60:00Z",
            b"2026-12-05T23:59:60Z",
            b"1969-12-31T23:59:59Z",
            b"10000-01-01T00:00:00Z",
            b"2026-12-05T22:00:00+24:00",
            b"2026-12-05T22:00:00+05:60",
            b"2026-12-05T22:00:00+5:00",
            b"2026-12-05T22:00:00+05:0",
            b"2026-12-05T22:00:00+05",
            b"+026-12-05T22:00:00Z",
            b"2026-1a-05T22:00:00Z",
            b"2026/12/05T22:00:00Z",
            b"2026-12-05T22:00:00\xff",
        ];
        for s in bad {
            assert_eq!(parse_iso8601(s), None, "{}", String::from_utf8_lossy(s));
        }
        // Day by day over 1970..=2400 against a count that only adds days.
        let mut t = 0i64;
        for y in 1970..=2400i64 {
            for m in 1..=12i64 {
                for d in 1..=days_in_month(y, m) {
                    let s = format!("{y:04}-{m:02}-{d:02}T00:00:00Z");
                    assert_eq!(parse_iso8601(s.as_bytes()), Some(t), "{s}");
                    t += 86400;
                }
            }
        }
        // Every prefix of a valid instant is refused.
        let full = b"2026-12-05T15:00:00.5-07:00";
        for n in 0..full.len() {
            assert_eq!(parse_iso8601(&full[..n]), None);
        }
    }

    #[test]
    fn debug_and_errors_hold_no_secret() {
        let doc = br#"{"AccessKeyId":"AKIDVISIBLE","SecretAccessKey":"SECRETSECRET","Token":"TOKENTOKEN","AccountId":"1234"}"#;
        let c = ok(doc);
        let dbg = format!("{c:?} {:?} {:?}", c.secret_access_key, c.session_token);
        assert!(dbg.contains("AKIDVISIBLE"), "{dbg}");
        assert!(!dbg.contains("SECRET") && !dbg.contains("TOKEN"), "{dbg}");
        // Errors are offsets and field names only.
        for n in 0..doc.len() {
            if let Err(e) = parse_credentials(&doc[..n]) {
                let s = format!("{e:?}");
                assert!(!s.contains("SECRET") && !s.contains("TOKEN"), "{s}");
            }
        }
        let e = err(br#"{"AccessKeyId":"a","SecretAccessKey":"SECRETSECRET","Token":7}"#);
        assert!(!format!("{e:?}").contains("SECRET"));
    }

    #[test]
    fn against_serde_json() {
        // serde_json as a second JSON reader over a few thousand mutated
        // documents: Syntax exactly when serde_json refuses (lone
        // surrogates aside: serde_json refuses them, we skip them).
        let seeds = [
            IMDS,
            ECS,
            POD_IDENTITY,
            PROCESS,
            IOT,
            br#"{"a":[1,-2.5e+3,true,false,null,{"b":"\u00e9\ud83d\ude00"}]}"#,
        ];
        let alphabet = b"{}[]:,\"\\/ 0123456789.eE+-tfnulrsaubx\x00\x1f\x7f\xc3\xa9\xff\n";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..20_000 {
            let mut doc = seeds[rnd(seeds.len())].to_vec();
            for _ in 0..1 + rnd(3) {
                let at = rnd(doc.len() + 1);
                match rnd(3) {
                    0 if at < doc.len() => doc[at] = alphabet[rnd(alphabet.len())],
                    1 if at < doc.len() => {
                        doc.remove(at);
                    }
                    _ => doc.insert(at, alphabet[rnd(alphabet.len())]),
                }
            }
            let serde_ok = serde_json::from_slice::<serde_json::Value>(&doc).is_ok();
            let ours = parse_credentials(&doc);
            let ours_syntax = matches!(ours, Err(JsonError::Syntax { .. } | JsonError::TooDeep));
            if serde_ok == ours_syntax {
                let text = String::from_utf8_lossy(&doc);
                // serde_json refuses lone surrogates; we read them where skipped.
                assert!(
                    !serde_ok && text.contains("\\u"),
                    "serde_json ok={serde_ok}, ours={:?}: {text}",
                    ours.err()
                );
            }
            if serde_ok { valid += 1 } else { invalid += 1 }
        }
        // Both sides of the line were exercised.
        std::println!("serde_json comparison: {valid} valid, {invalid} invalid");
        assert!(valid > 2000 && invalid > 2000, "{valid} {invalid}");
    }
}
