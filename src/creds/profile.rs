//! The shared `config` and `credentials` files, read as botocore reads them.
//!
//! botocore parses both files with Python's `configparser.RawConfigParser`
//! (configloader.py); this module reproduces its rules, quirks included,
//! because a file that works with the AWS CLI must work here too
//! (tests/creds/botocore_agreement.py compares the two on generated files):
//! * `[name]`: the name is what lies between the `[` and the *last* `]` of
//!   the stripped line, inner spaces kept; text after that `]` is ignored.
//!   `[DEFAULT]` is no profile: its keys are inherited by every section
//!   that lacks them.
//! * `key = value` or `key: value`, split at the first `=` or `:`; keys are
//!   lower-cased; keys and values are stripped of (Unicode) whitespace.
//! * Comments are whole lines starting with `#` or `;`: `a = b # c` keeps
//!   `b # c` as the value.
//! * A line indented deeper than its key line continues the value (joined
//!   with `\n`); a value that starts on the next line (`s3 =` then indented
//!   `k = v` lines) is a nested map.
//! * A duplicate section or key in one file, a line before any section, a
//!   line without `=` or `:`, a nested line without `=`, or invalid UTF-8
//!   fails the whole file.
//! * `config` profiles are `[default]` and `[profile name]` (the header split
//!   shell-like, so `[profile "a b"]` is `a b`); `credentials` sections are
//!   profiles by their plain name. botocore's merged view (its
//!   `full_config`) lets a `credentials` section override the `config`
//!   profile of the same name key by key: [`ProfileFiles::get`].

use super::{Environment, Error, ErrorKind, Source};
use std::collections::{HashMap, HashSet};
use std::format;
use std::path::{Path, PathBuf};
use std::string::String;
use std::vec::Vec;
use zeroize::Zeroize;

/// Files larger than this are refused (botocore has no limit; a credentials
/// file of 16 MiB is certainly not one).
pub const MAX_FILE_LEN: usize = 16 << 20;

/// A value in a section: text, or the nested map of an indented block.
/// Dropping it zeroizes the text (it may be a secret).
pub enum IniValue {
    Text(String),
    Nested(Vec<(String, String)>),
}

impl IniValue {
    /// The text, or `None` for a nested map.
    pub fn text(&self) -> Option<&str> {
        match self {
            IniValue::Text(s) => Some(s),
            IniValue::Nested(_) => None,
        }
    }
}

impl Drop for IniValue {
    fn drop(&mut self) {
        match self {
            IniValue::Text(s) => s.zeroize(),
            IniValue::Nested(v) => {
                for (k, val) in v.iter_mut() {
                    k.zeroize();
                    val.zeroize();
                }
            }
        }
    }
}

impl core::fmt::Debug for IniValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IniValue::Text(_) => f.write_str("<text>"),
            IniValue::Nested(v) => f.debug_list().entries(v.iter().map(|(k, _)| k)).finish(),
        }
    }
}

/// One section of a parsed file, `[DEFAULT]` keys merged in. `Debug` shows
/// the names and keys, never the values.
#[derive(Debug)]
pub struct IniSection {
    pub name: String,
    pub entries: Vec<(String, IniValue)>,
}

impl IniSection {
    pub fn value(&self, key: &str) -> Option<&IniValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Why a file does not parse, and where (1-based line; never the line's
/// text, which may hold a secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IniError {
    pub line: usize,
    pub what: IniErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IniErrorKind {
    NotUtf8,
    /// A key line before the first `[section]`.
    MissingSectionHeader,
    DuplicateSection,
    DuplicateKey,
    /// A line with neither `=` nor `:`, or with an empty key.
    BadLine,
    /// A line of a nested block without `=`.
    BadNestedLine,
    TooLarge,
}

impl core::fmt::Display for IniError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let what = match self.what {
            IniErrorKind::NotUtf8 => "not valid UTF-8",
            IniErrorKind::MissingSectionHeader => "a line before the first [section]",
            IniErrorKind::DuplicateSection => "duplicate section",
            IniErrorKind::DuplicateKey => "duplicate key in a section",
            IniErrorKind::BadLine => "neither '=' nor ':' (or an empty key)",
            IniErrorKind::BadNestedLine => "a line of a nested block without '='",
            IniErrorKind::TooLarge => "file too large",
        };
        write!(f, "line {}: {}", self.line, what)
    }
}

/// Python's `str.isspace()`: Rust's White_Space plus U+001C..U+001F.
pub(crate) fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// Python's `str.splitlines()` boundaries (used on nested blocks).
fn py_splitlines(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| {
        matches!(
            c,
            '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    })
}

struct RawOpt {
    name: String,
    lines: Vec<String>,
    line: usize,
}

#[derive(Default)]
struct RawSection {
    name: String,
    opts: Vec<RawOpt>,
    names: HashSet<String>,
}

/// A parsed file: its sections in file order and its `[DEFAULT]` keys,
/// which every section inherits where it lacks them.
#[derive(Debug, Default)]
pub struct Ini {
    pub sections: Vec<IniSection>,
    pub defaults: Vec<(String, IniValue)>,
}

impl Ini {
    /// A key of a section, `[DEFAULT]` included (configparser's `get`).
    pub fn get(&self, section: &str, key: &str) -> Option<&IniValue> {
        let s = self.sections.iter().find(|s| s.name == section)?;
        s.value(key).or_else(|| default_value(&self.defaults, key))
    }
}

fn default_value<'a>(defaults: &'a [(String, IniValue)], key: &str) -> Option<&'a IniValue> {
    defaults.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Parses one file as `RawConfigParser` + botocore's `raw_config_parse`
/// do: sections in file order, nested blocks parsed. Linear in the input
/// (hash sets for the duplicate checks).
pub fn parse_ini(bytes: &[u8]) -> Result<Ini, IniError> {
    if bytes.len() > MAX_FILE_LEN {
        return Err(IniError {
            line: 0,
            what: IniErrorKind::TooLarge,
        });
    }
    let text = match core::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
            return Err(IniError {
                line,
                what: IniErrorKind::NotUtf8,
            });
        }
    };
    // sections[0] is [DEFAULT]; `cur` indexes the current one.
    let mut sections: Vec<RawSection> = std::vec![RawSection::default()];
    let result = read_sections(text, &mut sections).and_then(|()| materialize(&sections));
    for o in sections.iter_mut().flat_map(|s| s.opts.iter_mut()) {
        for l in o.lines.iter_mut() {
            l.zeroize();
        }
    }
    result
}

fn read_sections(text: &str, sections: &mut Vec<RawSection>) -> Result<(), IniError> {
    let mut by_name: HashSet<String> = HashSet::new();
    let mut cur: Option<usize> = None;
    // The option that continuation lines extend (configparser's truthy
    // `optname`).
    let mut cur_opt: Option<usize> = None;
    let mut indent_level = 0usize;
    let mut bad_line: Option<usize> = None;
    for (idx, line) in universal_lines(text).enumerate() {
        let lineno = idx + 1;
        let stripped = py_strip(line);
        let comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || comment {
            // A blank line (not a comment) joins the value, to be stripped
            // again if nothing follows it.
            if let (false, Some(c), Some(o)) = (comment, cur, cur_opt) {
                sections[c].opts[o].lines.push(String::new());
            }
            continue;
        }
        let indent = line.chars().take_while(|&c| py_space(c)).count();
        if let (Some(c), Some(o)) = (cur, cur_opt)
            && indent > indent_level
        {
            sections[c].opts[o].lines.push(String::from(stripped));
            continue;
        }
        indent_level = indent;
        if let Some(name) = section_header(stripped) {
            if name == "DEFAULT" {
                cur = Some(0);
            } else if !by_name.insert(String::from(name)) {
                return Err(IniError {
                    line: lineno,
                    what: IniErrorKind::DuplicateSection,
                });
            } else {
                sections.push(RawSection {
                    name: String::from(name),
                    ..RawSection::default()
                });
                cur = Some(sections.len() - 1);
            }
            cur_opt = None;
            continue;
        }
        let Some(c) = cur else {
            return Err(IniError {
                line: lineno,
                what: IniErrorKind::MissingSectionHeader,
            });
        };
        let Some(d) = stripped.find(['=', ':']) else {
            // configparser collects these and fails at the end.
            bad_line.get_or_insert(lineno);
            continue;
        };
        if d == 0 {
            bad_line.get_or_insert(lineno);
        }
        let name = py_strip(&stripped[..d]).to_lowercase();
        let value = String::from(py_strip(&stripped[d + 1..]));
        let s = &mut sections[c];
        if !s.names.insert(name.clone()) {
            return Err(IniError {
                line: lineno,
                what: IniErrorKind::DuplicateKey,
            });
        }
        let truthy = !name.is_empty();
        s.opts.push(RawOpt {
            name,
            lines: std::vec![value],
            line: lineno,
        });
        cur_opt = if truthy { Some(s.opts.len() - 1) } else { None };
    }
    match bad_line {
        Some(line) => Err(IniError {
            line,
            what: IniErrorKind::BadLine,
        }),
        None => Ok(()),
    }
}

fn materialize(sections: &[RawSection]) -> Result<Ini, IniError> {
    let convert = |s: &RawSection| -> Result<Vec<(String, IniValue)>, IniError> {
        let mut entries = Vec::with_capacity(s.opts.len());
        for o in &s.opts {
            let mut joined = join_lines(&o.lines);
            let v = to_value(&joined, o.line);
            joined.zeroize();
            entries.push((o.name.clone(), v?));
        }
        Ok(entries)
    };
    let mut ini = Ini::default();
    // botocore reads every key of every section; a [DEFAULT] block that is
    // not a valid nested map fails once some section inherits it.
    let default_section = &sections[0];
    for (i, o) in default_section.opts.iter().enumerate() {
        let mut joined = join_lines(&o.lines);
        let v = to_value(&joined, o.line);
        joined.zeroize();
        match v {
            Ok(v) => ini.defaults.push((o.name.clone(), v)),
            Err(e) => {
                if sections[1..]
                    .iter()
                    .any(|s| !s.names.contains(&default_section.opts[i].name))
                {
                    return Err(e);
                }
            }
        }
    }
    for s in &sections[1..] {
        ini.sections.push(IniSection {
            name: s.name.clone(),
            entries: convert(s)?,
        });
    }
    Ok(ini)
}

/// Lines as Python's text mode yields them: `\r\n`, `\r` and `\n` end a
/// line (the terminator is left out; it is whitespace either way).
fn universal_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\n', '\r']) {
            None => {
                let l = rest;
                rest = "";
                Some(l)
            }
            Some(i) => {
                let l = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(l)
            }
        }
    })
}

/// `'\n'.join(lines).rstrip()`.
fn join_lines(lines: &[String]) -> String {
    let mut s = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(l);
    }
    let keep = s.trim_end_matches(py_space).len();
    s.truncate(keep);
    s
}

/// botocore's `_parse_nested` for values that start on the next line.
fn to_value(joined: &str, line: usize) -> Result<IniValue, IniError> {
    if !joined.starts_with('\n') {
        return Ok(IniValue::Text(String::from(joined)));
    }
    // IniValue zeroizes on drop, also on the error path.
    let mut map = IniValue::Nested(Vec::new());
    let IniValue::Nested(entries) = &mut map else {
        unreachable!()
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    for l in py_splitlines(joined) {
        let l = py_strip(l);
        if l.is_empty() {
            continue;
        }
        let Some(eq) = l.find('=') else {
            return Err(IniError {
                line,
                what: IniErrorKind::BadNestedLine,
            });
        };
        let k = String::from(py_strip(&l[..eq]));
        let v = String::from(py_strip(&l[eq + 1..]));
        // A dict: the last duplicate wins, in the first one's place.
        match index.get(&k) {
            Some(&i) => {
                entries[i].1.zeroize();
                entries[i].1 = v;
            }
            None => {
                index.insert(k.clone(), entries.len());
                entries.push((k, v));
            }
        }
    }
    Ok(map)
}

/// `RawConfigParser`'s `\[(?P<header>.+)\]` matched at the start of the
/// stripped line: greedy, so up to the last `]`, at least one character.
fn section_header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    if end == 0 {
        return None;
    }
    Some(&rest[..end])
}

/// botocore's `build_profile_map`: the profiles of a `config` file, and
/// its `[services name]` sections.
fn config_profiles(ini: Ini) -> (Ini, Vec<IniSection>) {
    let Ini { sections, defaults } = ini;
    let mut out: Vec<IniSection> = Vec::new();
    let mut services: Vec<IniSection> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // `_parse_section`: shlex-split, exactly two words (so even
    // `[profilex y]` is profile `y`, as in botocore).
    let second_word = |name: &str| match super::process::split_command(name) {
        Ok(mut parts) if parts.len() == 2 => parts.pop(),
        _ => None,
    };
    for mut s in sections {
        let name = if s.name.starts_with("profile") {
            second_word(&s.name)
        } else if s.name.starts_with("sso-session") {
            None
        } else if s.name.starts_with("services") {
            if let Some(n) = second_word(&s.name) {
                s.name = n;
                services.retain(|x| x.name != s.name);
                services.push(s);
            }
            continue;
        } else if s.name == "default" {
            Some(s.name.clone())
        } else {
            None
        };
        if let Some(name) = name {
            s.name = name;
            // A dict update: a later section of the same name replaces.
            match index.get(&s.name) {
                Some(&i) => out[i] = s,
                None => {
                    index.insert(s.name.clone(), out.len());
                    out.push(s);
                }
            }
        }
    }
    (
        Ini {
            sections: out,
            defaults,
        },
        services,
    )
}

/// Both shared files, parsed. Missing files are empty. `Debug` shows
/// paths, profile names and keys only; dropping it zeroizes the values.
pub struct ProfileFiles {
    config_path: PathBuf,
    credentials_path: PathBuf,
    /// `config` profiles by profile name (`[profile x]` -> `x`).
    config: Ini,
    /// `credentials` sections by section name.
    credentials: Ini,
    /// `config`'s `[services name]` sections by name.
    services: Vec<IniSection>,
}

impl core::fmt::Debug for ProfileFiles {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProfileFiles")
            .field("config_path", &self.config_path)
            .field("credentials_path", &self.credentials_path)
            .field("config", &self.config)
            .field("credentials", &self.credentials)
            .field("services", &self.services)
            .finish()
    }
}

/// Which file (or botocore's merged view) a lookup reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum View {
    Config,
    Credentials,
    Merged,
}

impl ProfileFiles {
    /// Reads `AWS_CONFIG_FILE` (default `~/.aws/config`) and
    /// `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`), with
    /// `$VAR` and `~` expanded as botocore does. A path that is not a
    /// readable file counts as an empty file; a file that does not parse is
    /// a `Malformed` error naming the path and line.
    pub fn load(env: &dyn Environment) -> Result<ProfileFiles, Error> {
        let config_path = file_path(env, "AWS_CONFIG_FILE", "~/.aws/config");
        let credentials_path = file_path(env, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");
        let config = read_and_parse(&config_path, Source::SharedConfigFile)?;
        let credentials = read_and_parse(&credentials_path, Source::SharedCredentialsFile)?;
        let (config, services) = config_profiles(config);
        Ok(ProfileFiles {
            config_path,
            credentials_path,
            config,
            credentials,
            services,
        })
    }

    /// Parses file contents given directly (`None`: no such file).
    pub fn from_contents(config: Option<&[u8]>, credentials: Option<&[u8]>) -> Result<ProfileFiles, Error> {
        let parse = |bytes: Option<&[u8]>, source: Source, name: &str| match bytes {
            None => Ok(Ini::default()),
            Some(b) => parse_ini(b).map_err(|e| parse_error(source, Path::new(name), e)),
        };
        let config = parse(config, Source::SharedConfigFile, "config")?;
        let credentials = parse(credentials, Source::SharedCredentialsFile, "credentials")?;
        let (config, services) = config_profiles(config);
        Ok(ProfileFiles {
            config_path: PathBuf::from("config"),
            credentials_path: PathBuf::from("credentials"),
            config,
            credentials,
            services,
        })
    }

    /// A setting of `profile` as botocore's scoped config sees it: the
    /// `config` file's `[profile x]` (or `[default]`), overridden key by key
    /// by a `[x]` section of the `credentials` file. Keys are lower case.
    /// `None` for a missing key or a nested block.
    pub fn get(&self, profile: &str, key: &str) -> Option<&str> {
        self.lookup(View::Merged, profile, key)?.text()
    }

    /// A setting of the `config` file's profile only.
    pub fn get_config_file(&self, profile: &str, key: &str) -> Option<&str> {
        self.lookup(View::Config, profile, key)?.text()
    }

    /// A setting of the `credentials` file's `[profile]` section only.
    pub fn get_credentials_file(&self, profile: &str, key: &str) -> Option<&str> {
        self.lookup(View::Credentials, profile, key)?.text()
    }

    /// Whether either file defines `profile` (botocore raises
    /// `ProfileNotFound` for an explicitly chosen profile that neither does).
    pub fn has_profile(&self, profile: &str) -> bool {
        self.has_section(View::Config, profile) || self.has_section(View::Credentials, profile)
    }

    /// A per-service setting: the profile's `services = name` names a
    /// `[services name]` section of `config` whose `service` key is a
    /// nested block (`sts =` then `  endpoint_url = ...`); nested keys are
    /// not lower-cased (botocore).
    pub fn service_setting(&self, profile: &str, service: &str, key: &str) -> Option<&str> {
        let name = self.get(profile, "services")?;
        let section = self.services.iter().find(|s| s.name == name)?;
        match section.value(service)? {
            IniValue::Nested(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()),
            IniValue::Text(_) => None,
        }
    }

    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    pub fn credentials_path(&self) -> &Path {
        &self.credentials_path
    }

    pub(crate) fn has_section(&self, view: View, profile: &str) -> bool {
        match view {
            View::Config => self.config.sections.iter().any(|s| s.name == profile),
            View::Credentials => self.credentials.sections.iter().any(|s| s.name == profile),
            View::Merged => self.has_profile(profile),
        }
    }

    pub(crate) fn lookup(&self, view: View, profile: &str, key: &str) -> Option<&IniValue> {
        match view {
            View::Config => self.config.get(profile, key),
            View::Credentials => self.credentials.get(profile, key),
            View::Merged => self
                .credentials
                .get(profile, key)
                .or_else(|| self.config.get(profile, key)),
        }
    }

    /// Whether the key is present at all (even empty or nested).
    pub(crate) fn contains(&self, view: View, profile: &str, key: &str) -> bool {
        self.lookup(view, profile, key).is_some()
    }
}

fn parse_error(source: Source, path: &Path, e: IniError) -> Error {
    Error {
        source,
        kind: ErrorKind::Malformed,
        detail: format!("{}: {}", path.display(), e),
    }
}

fn read_and_parse(path: &Path, source: Source) -> Result<Ini, Error> {
    use std::io::Read;
    // botocore: `os.path.isfile`, and configparser skips what it cannot open.
    if !path.is_file() {
        return Ok(Ini::default());
    }
    let Ok(f) = std::fs::File::open(path) else {
        return Ok(Ini::default());
    };
    let mut bytes = Vec::new();
    if f.take(MAX_FILE_LEN as u64 + 1).read_to_end(&mut bytes).is_err() {
        bytes.zeroize();
        return Ok(Ini::default());
    }
    let parsed = parse_ini(&bytes);
    bytes.zeroize();
    parsed.map_err(|e| parse_error(source, path, e))
}

/// The profile botocore uses: `AWS_DEFAULT_PROFILE`, then `AWS_PROFILE`
/// (botocore's order), else `default`.
pub fn selected_profile(env: &dyn Environment) -> String {
    env.var("AWS_DEFAULT_PROFILE")
        .or_else(|| env.var("AWS_PROFILE"))
        .unwrap_or_else(|| String::from("default"))
}

fn file_path(env: &dyn Environment, var: &str, default: &str) -> PathBuf {
    let raw = env.var(var).unwrap_or_else(|| String::from(default));
    PathBuf::from(expand_user(&expand_vars(&raw, env), env))
}

/// Python's `posixpath.expandvars`: `$NAME` (ASCII word characters) and
/// `${anything}` replaced when the variable is set, left as is otherwise.
pub fn expand_vars(path: &str, env: &dyn Environment) -> String {
    if !path.contains('$') {
        return String::from(path);
    }
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let n = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            (&after[..n], n)
        };
        let value = if len > 0 { env.var(name) } else { None };
        match value {
            Some(v) => {
                out.push_str(&v);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Python's `posixpath.expanduser`: `~` is `$HOME` (the account's home
/// directory when unset), `~name` that user's home from /etc/passwd.
pub fn expand_user(path: &str, env: &dyn Environment) -> String {
    let Some(after) = path.strip_prefix('~') else {
        return String::from(path);
    };
    let i = after.find('/').unwrap_or(after.len());
    let home = if i == 0 {
        match env.var("HOME") {
            Some(h) => h,
            None => match std::env::home_dir() {
                Some(h) => h.to_string_lossy().into_owned(),
                None => return String::from(path),
            },
        }
    } else {
        match passwd_home(&after[..i]) {
            Some(h) => h,
            None => return String::from(path),
        }
    };
    let mut out = String::from(home.trim_end_matches('/'));
    out.push_str(&after[i..]);
    if out.is_empty() { String::from("/") } else { out }
}

fn passwd_home(user: &str) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 7 && f[0] == user).then(|| String::from(f[5]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Env(HashMap<&'static str, &'static str>);
    impl Environment for Env {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| String::from(*v))
        }
    }

    fn text<'a>(s: &'a Ini, sect: &str, key: &str) -> Option<&'a str> {
        s.get(sect, key)?.text()
    }

    // Expected values below were printed by Python 3.11's
    // configparser.RawConfigParser + botocore.configloader.raw_config_parse.
    #[test]
    fn configparser_rules() {
        let src = b"# c\n; c\n[default]\nAWS_Access_Key_ID : AK # not a comment\n  more\n\n   # inside\n  end\n\n\
[ spaced ] trailing\nk=v=w\nempty =\ns3 =\n  addressing_style = path\n  x=1\n  x = 2\n[a]b]\nk = 1\r\n\
[DEFAULT]\nk = d\nonly_default = yes\n";
        let s = parse_ini(src).unwrap();
        let names: Vec<&str> = s.sections.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["default", " spaced ", "a]b"]);
        assert_eq!(
            text(&s, "default", "aws_access_key_id"),
            Some("AK # not a comment\nmore\n\nend")
        );
        assert_eq!(text(&s, " spaced ", "k"), Some("v=w"));
        assert_eq!(text(&s, " spaced ", "empty"), Some(""));
        match s.get(" spaced ", "s3") {
            Some(IniValue::Nested(m)) => {
                assert_eq!(m.len(), 2);
                assert_eq!((m[0].0.as_str(), m[0].1.as_str()), ("addressing_style", "path"));
                assert_eq!((m[1].0.as_str(), m[1].1.as_str()), ("x", "2"));
            }
            _ => panic!("s3 is not nested"),
        }
        assert_eq!(text(&s, "a]b", "k"), Some("1"));
        // [DEFAULT] fills in, never overrides.
        assert_eq!(text(&s, "default", "only_default"), Some("yes"));
        assert_eq!(text(&s, "a]b", "only_default"), Some("yes"));
    }

    #[test]
    fn configparser_errors() {
        let err = |src: &[u8]| parse_ini(src).err().map(|e| (e.line, e.what));
        use IniErrorKind::*;
        assert_eq!(err(b"k = v\n"), Some((1, MissingSectionHeader)));
        assert_eq!(err(b"[a]\nk=1\n[b]\n[a]\n"), Some((4, DuplicateSection)));
        assert_eq!(err(b"[a]\nk=1\nK = 2\n"), Some((3, DuplicateKey)));
        assert_eq!(err(b"[a]\nnovalue\nk=1\n"), Some((2, BadLine)));
        assert_eq!(err(b"[a]\n= 1\n"), Some((2, BadLine)));
        assert_eq!(err(b"[a]\nk =\n  nested\n"), Some((2, BadNestedLine)));
        assert_eq!(err(b"[a]\nk = \xff\n"), Some((2, NotUtf8)));
        // "[]" is no header; a BOM is not whitespace.
        assert_eq!(err(b"[]\n"), Some((1, MissingSectionHeader)));
        assert_eq!(err(b"\xef\xbb\xbf[a]\n"), Some((1, MissingSectionHeader)));
        // Two [DEFAULT] blocks are one section; keys still unique.
        assert_eq!(err(b"[DEFAULT]\nk=1\n[DEFAULT]\nj=1\n"), None);
        assert_eq!(err(b"[DEFAULT]\nk=1\n[DEFAULT]\nk=1\n"), Some((4, DuplicateKey)));
        // A bad nested block in [DEFAULT] only fails once a section inherits it.
        assert_eq!(err(b"[DEFAULT]\nk =\n  x\n"), None);
        assert_eq!(err(b"[DEFAULT]\nk =\n  x\n[s]\n"), Some((2, BadNestedLine)));
        // Python's whitespace: U+001C..U+001F too (Rust's trim keeps them).
        let s = parse_ini(b"[a]\n\x1e# comment\n\x1d\n\x1fk = v\x1c\n").unwrap();
        assert_eq!(text(&s, "a", "k"), Some("v"));
    }

    #[test]
    fn config_profile_names() {
        let cfg = b"[default]\nregion = a\n[profile default]\nregion = b\n[profile  x ]\nk = 1\n\
[profile \"y z\"]\nk = 2\n[profilex w]\nk = 3\n[profile a b]\nk = 4\n[plain]\nk = 5\n[profile 'q]\nk=6\n";
        let f = ProfileFiles::from_contents(Some(cfg), Some(b"[plain]\nk = c\n[x]\nk = cred\nj = 9\n")).unwrap();
        // The later of [default] / [profile default] wins, whole.
        assert_eq!(f.get_config_file("default", "region"), Some("b"));
        assert_eq!(f.get_config_file("x", "k"), Some("1"));
        assert_eq!(f.get_config_file("y z", "k"), Some("2"));
        assert_eq!(f.get_config_file("w", "k"), Some("3"));
        assert_eq!(f.get_config_file("plain", "k"), None);
        assert!(!f.has_profile("a b") && !f.has_profile("a"));
        // Credentials sections override the config profile key by key.
        assert_eq!(f.get("x", "k"), Some("cred"));
        assert_eq!(f.get("x", "j"), Some("9"));
        assert_eq!(f.get("plain", "k"), Some("c"));
        assert!(f.has_profile("plain"));
        assert_eq!(f.get_credentials_file("x", "k"), Some("cred"));
    }

    #[test]
    fn services_sections() {
        let cfg = b"[default]\nservices = mine\n[services mine]\nsts =\n  Endpoint_URL = http://a\n  endpoint_url = http://b\n[services other]\ns3 =\n  endpoint_url = http://c\n";
        let f = ProfileFiles::from_contents(Some(cfg), None).unwrap();
        assert_eq!(f.service_setting("default", "sts", "endpoint_url"), Some("http://b"));
        assert_eq!(f.service_setting("default", "sts", "Endpoint_URL"), Some("http://a"));
        assert_eq!(f.service_setting("default", "s3", "endpoint_url"), None);
        assert!(!f.has_profile("mine"));
    }

    #[test]
    fn paths_as_posixpath() {
        let env = Env(HashMap::from([("HOME", "/home/u/"), ("A", "aa"), ("B_1", "b")]));
        assert_eq!(
            expand_vars("$A/${B_1}/$NOPE/${A}x/$/${}/${A", &env),
            "aa/b/$NOPE/aax/$/${}/${A"
        );
        assert_eq!(expand_user("~/.aws/config", &env), "/home/u/.aws/config");
        assert_eq!(expand_user("~", &env), "/home/u");
        assert_eq!(expand_user("x/~", &env), "x/~");
        assert_eq!(expand_user("~no_such_user_xyz/a", &env), "~no_such_user_xyz/a");
        assert_eq!(expand_user("~root/a", &env), "/root/a");
        let env = Env(HashMap::from([("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "d")]));
        assert_eq!(selected_profile(&env), "d");
        assert_eq!(selected_profile(&Env(HashMap::from([("AWS_PROFILE", "p")]))), "p");
        assert_eq!(selected_profile(&Env(HashMap::new())), "default");
    }

    #[test]
    fn debug_hides_values() {
        let f = ProfileFiles::from_contents(
            Some(b"[default]\naws_secret_access_key = SECRETVALUE1\ns3 =\n  k = SECRETVALUE2\n"),
            Some(b"[default]\naws_session_token = SECRETVALUE3\n"),
        )
        .unwrap();
        let d = format!("{f:?}");
        assert!(!d.contains("SECRETVALUE"), "{d}");
        assert!(
            d.contains("aws_secret_access_key") && d.contains("aws_session_token"),
            "{d}"
        );
        let e = ProfileFiles::from_contents(Some(b"[a]\nSECRETVALUE4\n"), None).unwrap_err();
        assert!(!format!("{e:?} {e}").contains("SECRETVALUE"));
    }
}
