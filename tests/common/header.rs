//! The one reader of `include/sigv4rs.h` for the tests: functions (name,
//! return type, parameters, doc comment and its "Statuses:" list), the
//! `SIGV4RS_*` macros, enum values and struct names. It reads the layout
//! cbindgen writes (and `cbindgen.toml` adds), not C in general; anything
//! it does not recognise is skipped, so tests also check what it found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub ty: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub returns: String,
    pub params: Vec<Param>,
    /// The `//` comment right above the declaration, lines joined by spaces.
    pub doc: String,
    /// Declared under `#if defined(SIGV4RS_STD)` (not in firmware builds).
    pub std_only: bool,
}

impl Function {
    /// The text after "Statuses:" in the doc comment.
    pub fn statuses_text(&self) -> Option<&str> {
        let i = self.doc.find("Statuses:")?;
        Some(&self.doc[i + "Statuses:".len()..])
    }
}

#[derive(Clone, Debug, Default)]
pub struct Header {
    /// Exported functions by name (`static inline` helpers are not exports
    /// and are left out).
    pub functions: BTreeMap<String, Function>,
    /// `#define SIGV4RS_*` macros: name to the rest of the line.
    pub defines: BTreeMap<String, String>,
    /// Each enum's `NAME = value` entries, in order.
    pub enums: BTreeMap<String, Vec<(String, i64)>>,
    pub structs: BTreeSet<String>,
}

/// The header the tests read: `SIGV4RS_HEADER` names another file (to try a
/// change without touching `include/`), else `include/sigv4rs.h`.
pub fn path() -> PathBuf {
    std::env::var_os("SIGV4RS_HEADER").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/include/sigv4rs.h")),
        PathBuf::from,
    )
}

impl Header {
    pub fn load() -> Header {
        let p = path();
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        Header::parse(&text)
    }

    pub fn parse(text: &str) -> Header {
        let mut h = Header::default();
        let mut comment: Vec<&str> = Vec::new();
        // Open `#if`s: whether each is `defined(SIGV4RS_STD)`.
        let mut conds: Vec<bool> = Vec::new();
        // Open `#if`s: whether each is `defined(SIGV4RS_LIMITS_SMALL)` (the
        // small-limits build's names: not in a default build).
        let mut smalls: Vec<bool> = Vec::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let t = line.trim();
            if let Some(c) = t.strip_prefix("//") {
                comment.push(c.trim());
                continue;
            }
            if let Some(d) = t.strip_prefix('#') {
                let d = d.trim_start();
                let std = d.split_whitespace().nth(1) == Some("defined(SIGV4RS_STD)");
                let small = d.split_whitespace().nth(1) == Some("defined(SIGV4RS_LIMITS_SMALL)");
                if d.starts_with("if") {
                    conds.push(std);
                    smalls.push(small);
                } else if d.starts_with("elif") || d.starts_with("else") {
                    if let Some(top) = conds.last_mut() {
                        *top = std;
                    }
                } else if d.starts_with("endif") {
                    conds.pop();
                    smalls.pop();
                } else if let Some(def) = d.strip_prefix("define ") {
                    let (name, value) = def.trim().split_once(char::is_whitespace).unwrap_or((def.trim(), ""));
                    if name.starts_with("SIGV4RS_") && !smalls.contains(&true) {
                        h.defines.insert(name.to_string(), value.trim().to_string());
                    }
                }
            } else if let Some(rest) = line.strip_prefix("enum ") {
                let name = rest.trim().to_string();
                let mut values = Vec::new();
                for l in lines.by_ref() {
                    let l = l.trim();
                    if l.starts_with('}') {
                        break;
                    }
                    if l.starts_with("//") {
                        continue;
                    }
                    if let Some((n, v)) = l.trim_end_matches(',').split_once(" = ") {
                        let v = v.trim();
                        let v = match v.strip_prefix("0x") {
                            Some(x) => i64::from_str_radix(x, 16),
                            None => v.parse(),
                        };
                        values.push((n.to_string(), v.unwrap_or_else(|_| panic!("enum {name}: {l}"))));
                    }
                }
                h.enums.insert(name, values);
            } else if let Some(rest) = line.strip_prefix("typedef struct ") {
                // `typedef struct name name;` (opaque) or `typedef struct {`
                // ... `} name;`.
                let name = if rest.starts_with('{') {
                    lines.by_ref().find_map(|l| l.strip_prefix('}')).unwrap_or_default()
                } else {
                    rest.split_whitespace().last().unwrap_or_default()
                };
                h.structs.insert(name.trim().trim_end_matches(';').trim().to_string());
            } else if line.starts_with("typedef ") && line.contains("(*") {
                // A function pointer type, perhaps over several lines.
                let mut decl = line.to_string();
                while !decl.trim_end().ends_with(");") {
                    match lines.next() {
                        Some(l) => decl.push_str(l),
                        None => break,
                    }
                }
            } else if line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && !line.starts_with("static")
                && line.contains('(')
            {
                // A declaration, perhaps over several lines, up to `);`.
                let mut decl = line.to_string();
                while !decl.trim_end().ends_with(");") {
                    match lines.next() {
                        Some(l) if !l.trim().is_empty() => decl.push_str(l),
                        _ => break,
                    }
                }
                if let Some(f) = function(&decl, comment.join(" "), conds.contains(&true))
                    && !smalls.contains(&true)
                {
                    h.functions.insert(f.name.clone(), f);
                }
            }
            comment.clear();
        }
        h
    }

    /// A macro's value as an integer (`NAME value` with a plain number).
    pub fn define_int(&self, name: &str) -> i64 {
        let v = self.defines.get(name).unwrap_or_else(|| panic!("no #define {name}"));
        v.parse().unwrap_or_else(|_| panic!("#define {name} {v}: not a number"))
    }

    /// `enum sigv4rs_status` without the `SIGV4RS_STATUS_` prefix.
    pub fn status_codes(&self) -> BTreeMap<String, u32> {
        self.enums
            .get("sigv4rs_status")
            .expect("no enum sigv4rs_status")
            .iter()
            .map(|(n, v)| {
                let n = n.strip_prefix("SIGV4RS_STATUS_").unwrap_or(n);
                (n.to_string(), u32::try_from(*v).unwrap())
            })
            .collect()
    }

    pub fn status_name(&self, code: u32) -> String {
        self.status_codes()
            .into_iter()
            .find(|(_, v)| *v == code)
            .map_or(format!("status {code}"), |(n, _)| n)
    }

    /// The statuses each function's doc lists, with "those of `X`" / "as
    /// `X`" references resolved; or every problem found reading them.
    pub fn documented_statuses(&self) -> Result<BTreeMap<String, BTreeSet<u32>>, Vec<String>> {
        let codes = self.status_codes();
        let mut direct: BTreeMap<&str, (BTreeSet<u32>, Vec<&str>)> = BTreeMap::new();
        let mut errors = Vec::new();
        for (f, d) in &self.functions {
            let Some(text) = d.statuses_text() else {
                if d.returns == "sigv4rs_status" {
                    errors.push(format!(
                        "{f}: returns a status but its comment has no \"Statuses:\" list"
                    ));
                }
                continue;
            };
            let (mut set, mut refs) = (BTreeSet::new(), Vec::new());
            for (k, part) in text.split('`').enumerate() {
                if k % 2 == 1 {
                    if self.functions.contains_key(part) {
                        refs.push(part);
                    }
                    continue;
                }
                for w in part.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                    let upper = w.len() >= 2
                        && w.chars().any(|c| c.is_ascii_uppercase())
                        && w.chars()
                            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit());
                    if !upper {
                        continue;
                    }
                    match codes.get(w) {
                        Some(&c) => {
                            set.insert(c);
                        }
                        None => errors.push(format!("{f}: \"Statuses:\" names {w}, which is no status")),
                    }
                }
            }
            direct.insert(f, (set, refs));
        }
        fn resolve<'a>(
            f: &'a str,
            direct: &BTreeMap<&'a str, (BTreeSet<u32>, Vec<&'a str>)>,
            stack: &mut Vec<&'a str>,
            errors: &mut Vec<String>,
        ) -> BTreeSet<u32> {
            if stack.contains(&f) {
                errors.push(format!("circular status references: {stack:?} -> {f}"));
                return BTreeSet::new();
            }
            let Some((set, refs)) = direct.get(f) else {
                errors.push(format!("{stack:?} refers to {f}, which has no \"Statuses:\" list"));
                return BTreeSet::new();
            };
            stack.push(f);
            let mut all = set.clone();
            for r in refs {
                all.extend(resolve(r, direct, stack, errors));
            }
            stack.pop();
            all
        }
        let out = direct
            .keys()
            .map(|f| (f.to_string(), resolve(f, &direct, &mut Vec::new(), &mut errors)))
            .collect();
        if errors.is_empty() { Ok(out) } else { Err(errors) }
    }
}

/// `ret name(type a, type b);` (already joined onto one line).
fn function(decl: &str, doc: String, std_only: bool) -> Option<Function> {
    let open = decl.find('(')?;
    let close = decl.rfind(')')?;
    let (returns, name) = split_last_word(&decl[..open])?;
    if !name.starts_with("sigv4rs_") {
        return None;
    }
    let inner = decl[open + 1..close].trim();
    let params = if inner.is_empty() || inner == "void" {
        Vec::new()
    } else {
        inner
            .split(',')
            .map(|p| {
                let (ty, name) = split_last_word(p).unwrap_or_else(|| panic!("{name}: parameter {p:?}"));
                Param {
                    ty: ty.to_string(),
                    name: name.to_string(),
                }
            })
            .collect()
    };
    Some(Function {
        name: name.to_string(),
        returns: returns.to_string(),
        params,
        doc,
        std_only,
    })
}

/// `const char *name` to (`const char *`, `name`).
fn split_last_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let i = s.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))? + 1;
    Some((s[..i].trim(), &s[i..])).filter(|(ty, n)| !ty.is_empty() && !n.is_empty())
}
