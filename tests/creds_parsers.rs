//! The credential document parsers (`creds::json`, `creds::xml`) against
//! Python, an independent reader: a seeded corpus of generated and mutated
//! documents whose expected outcome Python computes.
//!
//! * JSON: `json.loads` (strict; `NaN`/`Infinity` refused through
//!   `parse_constant`, as RFC 8259 has no such literals) decides validity;
//!   a model of the documented field rules, run on Python's parsed pairs,
//!   gives the fields (unescaped by Python) or the error.
//! * XML: expat (no namespace processing) decides well-formedness; the same
//!   field model runs on its events (text decoded by expat). Named
//!   differences: expat reads DOCTYPEs, declared non-UTF-8 encodings and
//!   versions other than XML 1.0's `1.[0-9]+` (we refuse all three), and
//!   refuses duplicate attributes (we do not look).
//! * RFC 3339 instants: `calendar.timegm` on a regex-and-`datetime` model.
//! * credential_process: botocore's own `ProcessProvider` (from the Python
//!   binding's venv, target/pyvenv, when it exists) on fixed outputs.
//!
//! Skipped with a note when python3 is missing.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use sigv4rs::creds::json::{self, JsonError, JsonStr};
use sigv4rs::creds::xml::{self, XmlError, XmlText};

const SEED: u32 = 13;
const PER_KIND: usize = 3000;

fn python(exe: &str, script: &str, args: &[String], stdin: &[u8]) -> Option<String> {
    let mut child = Command::new(exe)
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(stdin).ok()?;
    let out = child.wait_with_output().ok()?;
    assert!(out.status.success(), "{exe} failed");
    Some(String::from_utf8(out.stdout).unwrap())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn json_text(s: JsonStr<'_>) -> String {
    let mut v = vec![0u8; s.unescaped_len()];
    assert_eq!(s.write_unescaped(&mut v), Some(v.len()));
    assert!(s.eq_unescaped(&v));
    hex(&v)
}

fn xml_text(s: XmlText<'_>) -> String {
    let mut v = vec![0u8; s.unescaped_len()];
    assert_eq!(s.write_unescaped(&mut v), Some(v.len()));
    hex(&v)
}

/// The outcome in the corpus's terms.
fn json_outcome(r: Result<json::JsonCredentials<'_>, JsonError>) -> Value {
    use serde_json::json;
    match r {
        Ok(c) => json!({"r": "ok", "akid": json_text(c.access_key_id), "secret": json_text(c.secret_access_key),
            "token": c.session_token.map(json_text), "exp": c.expiration, "acct": c.account_id.map(json_text)}),
        Err(JsonError::Syntax { .. }) => json!({"r": "syntax"}),
        Err(JsonError::TooDeep) => json!({"r": "toodeep"}),
        Err(e) => {
            let (e, f) = match e {
                JsonError::MissingField(f) => ("MissingField", Some(f)),
                JsonError::DuplicateField(f) => ("DuplicateField", Some(f)),
                JsonError::WrongType(f) => ("WrongType", Some(f)),
                JsonError::BadExpiration => ("BadExpiration", None),
                JsonError::NotSuccess => ("NotSuccess", None),
                JsonError::UnsupportedVersion => ("UnsupportedVersion", None),
                JsonError::Syntax { .. } | JsonError::TooDeep => unreachable!(),
            };
            json!({"r": "err", "e": e, "f": f})
        }
    }
}

fn xml_outcome(r: Result<xml::StsCredentials<'_>, XmlError>) -> Value {
    use serde_json::json;
    match r {
        Ok(c) => json!({"r": "ok", "akid": xml_text(c.access_key_id), "secret": xml_text(c.secret_access_key),
            "token": xml_text(c.session_token), "exp": c.expiration}),
        Err(XmlError::Syntax { offset }) => json!({"r": "err", "e": "Syntax", "off": offset}),
        Err(XmlError::TooDeep) => json!({"r": "toodeep"}),
        Err(XmlError::MissingField(f)) => json!({"r": "err", "e": "MissingField", "f": f}),
        Err(XmlError::BadExpiration) => json!({"r": "err", "e": "BadExpiration"}),
        Err(XmlError::Sts) => json!({"r": "err", "e": "Sts"}),
    }
}

#[test]
fn parsers_against_python() {
    // SIGV4RS_CORPUS_SEED=n explores another corpus.
    let seed = std::env::var("SIGV4RS_CORPUS_SEED").map_or(SEED, |s| s.parse().unwrap());
    let args = [seed.to_string(), PER_KIND.to_string(), json::MAX_DEPTH.to_string()];
    assert_eq!(json::MAX_DEPTH, xml::MAX_DEPTH, "the corpus assumes one bound");
    let Some(out) = python("python3", CORPUS, &args, b"") else {
        println!("creds parsers vs Python: skipped (no python3)");
        return;
    };
    let (mut iso, mut js, mut xm) = (0, 0, 0);
    let (mut json_ok, mut json_syntax, mut xml_ok, mut xml_syntax) = (0, 0, 0, 0);
    let mut named: std::collections::BTreeMap<String, usize> = Default::default();
    let mut failures = Vec::new();
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let doc = unhex(v["doc"].as_str().unwrap());
        let want = &v["want"];
        let shown = String::from_utf8_lossy(&doc).into_owned();
        match v["t"].as_str().unwrap() {
            "iso" => {
                iso += 1;
                let got = json::parse_iso8601(&doc);
                if got != want.as_i64() {
                    failures.push(format!("iso {shown:?}: python {want}, ours {got:?}"));
                }
            }
            "json" => {
                js += 1;
                for (key, got) in [
                    ("any", json_outcome(json::parse_credentials(&doc))),
                    ("process", json_outcome(json::parse_process_credentials(&doc))),
                ] {
                    // Too deep before the error Python reports: TooDeep is fine.
                    let deep_first = want[key]["r"] == "syntax" && got["r"] == "toodeep";
                    if got != want[key] && !deep_first {
                        failures.push(format!("json/{key} {shown:?}:\n  python {}\n  ours   {got}", want[key]));
                    }
                }
                match want["any"]["r"].as_str() {
                    Some("ok") => json_ok += 1,
                    Some("syntax") => json_syntax += 1,
                    _ => {}
                }
            }
            "xml" => {
                xm += 1;
                let res = &want["res"];
                let got = xml_outcome(xml::parse_sts_credentials(&doc));
                let code = xml::sts_error_code(&doc).map(xml_text);
                let fine = match (res["r"].as_str().unwrap(), res["named"].as_str()) {
                    ("syntax", Some("dupattr")) => {
                        *named
                            .entry("duplicate attribute (expat refuses, we read)".into())
                            .or_default() += 1;
                        true
                    }
                    ("syntax", n) => {
                        if let Some(n) = n {
                            *named.entry(format!("{n} (expat reads, we refuse)")).or_default() += 1;
                        }
                        xml_syntax += 1;
                        // Any offset: the first error each reader meets may differ.
                        matches!(got["e"].as_str(), Some("Syntax")) || got["r"] == "toodeep"
                    }
                    _ => {
                        xml_ok += (res["r"] == "ok") as usize;
                        got == *res && code.as_deref() == want["code"].as_str()
                    }
                };
                if !fine {
                    failures.push(format!("xml {shown:?}:\n  python {want}\n  ours   {got} code {code:?}"));
                }
            }
            t => panic!("{t}"),
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!((iso, js, xm), (PER_KIND, PER_KIND, PER_KIND));
    // The corpus reaches both sides of every line.
    assert!(json_ok > 300 && json_syntax > 300 && xml_ok > 300 && xml_syntax > 300);
    println!(
        "creds parsers vs Python: iso {iso}/{iso}, json {js}/{js} ({json_ok} read, {json_syntax} not JSON), \
         xml {xm}/{xm} ({xml_ok} read, {xml_syntax} not well-formed); named differences: {named:?}"
    );
}

/// credential_process outputs through botocore's ProcessProvider: accepted
/// or refused alike, and the same key, secret and token.
#[test]
fn process_output_against_botocore() {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyvenv/bin/python");
    let base = r#""AccessKeyId":"AKID","SecretAccessKey":"SECRET""#;
    let exp = r#""Expiration":"2099-01-01T00:00:00Z""#;
    let docs: Vec<String> = vec![
        format!(r#"{{"Version":1,{base},"SessionToken":"TOKEN",{exp}}}"#),
        format!(r#"{{"Version":1,{base}}}"#),
        format!(r#"{{"Version":2,{base}}}"#),
        format!(r#"{{{base},"SessionToken":"TOKEN"}}"#),
        format!(r#"{{"Version":1.0,{base}}}"#),
        format!(r#"{{"Version":10e-1,{base}}}"#),
        format!(r#"{{"Version":"1",{base}}}"#),
        format!(r#"{{"Version":0,{base}}}"#),
        format!(r#"{{"Version":-1,{base}}}"#),
        format!(r#"{{"Version":1.5,{base}}}"#),
        format!(r#"{{"Version":null,{base}}}"#),
        format!(r#"{{"Version":1,{base},"SessionToken":null,"Expiration":null}}"#),
        format!(r#"{{"Version":1,{base},"SessionToken":""}}"#),
        format!(r#"{{"Version":1,{base},"Token":"TOKEN"}}"#),
        format!(r#"{{"Version":1,{base},"AccountId":"123456789012"}}"#),
        r#"{"Version":1,"SecretAccessKey":"SECRET"}"#.into(),
        r#"{"Version":1,"AccessKeyId":"AKID"}"#.into(),
        r#"{"Version":1,"accessKeyId":"AKID","secretAccessKey":"SECRET"}"#.into(),
        r#"{"Version":1,"credentials":{"AccessKeyId":"AKID","SecretAccessKey":"SECRET"}}"#.into(),
        r#"{"Version":1,"AccessKeyId":"\u0041KID","SecretAccessKey":"S\/\"\u00e9"}"#.into(),
        format!(r#"{{"Version":1,{base},"Unknown":[1,{{"a":null}}]}}"#),
    ];
    // Documented differences: botocore takes these (Python's True == 1; no
    // check of the key id's type or emptiness); we refuse them.
    let differences: Vec<String> = vec![
        format!(r#"{{"Version":true,{base}}}"#),
        r#"{"Version":1,"AccessKeyId":"","SecretAccessKey":"SECRET"}"#.into(),
        r#"{"Version":1,"AccessKeyId":5,"SecretAccessKey":"SECRET"}"#.into(),
    ];
    let all: Vec<&String> = docs.iter().chain(&differences).collect();
    let input = serde_json::to_vec(&all).unwrap();
    let out = venv
        .exists()
        .then(|| python(venv.to_str().unwrap(), BOTOCORE_PROCESS, &[], &input))
        .flatten();
    let Some(out) = out.filter(|o| !o.is_empty()) else {
        println!("credential_process vs botocore: skipped (no target/pyvenv with botocore; make python-test makes it)");
        return;
    };
    let answers: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(answers.len(), all.len());
    let mut agreed = 0;
    for (doc, botocore) in all.iter().zip(&answers) {
        let ours = json::parse_process_credentials(doc.as_bytes());
        let ours_v = match &ours {
            Ok(c) => {
                let s = |t: JsonStr<'_>| String::from_utf8(unhex(&json_text(t))).unwrap();
                serde_json::json!({"ok": true, "akid": s(c.access_key_id), "secret": s(c.secret_access_key),
                    "token": c.session_token.map(s)})
            }
            Err(_) => serde_json::json!({"ok": false}),
        };
        let same = if botocore["ok"] == true {
            ours_v == *botocore
        } else {
            ours.is_err()
        };
        if differences.contains(doc) {
            assert!(
                !same && botocore["ok"] == true && ours.is_err(),
                "{doc}: no longer a difference"
            );
        } else {
            assert!(
                same,
                "{doc}:\n  botocore {botocore}\n  ours     {ours_v} {:?}",
                ours.err()
            );
            agreed += 1;
        }
    }
    println!(
        "credential_process vs botocore: {agreed}/{} agree, {} named differences (Version true, empty or non-string AccessKeyId)",
        docs.len(),
        differences.len()
    );
}

const CORPUS: &str = r##"import calendar, datetime, json, random, re, sys
import xml.parsers.expat

R = random.Random(int(sys.argv[1]))
N = int(sys.argv[2])
MAX_DEPTH = int(sys.argv[3])


def emit(kind, doc, want):
    sys.stdout.write(json.dumps({"t": kind, "doc": doc.hex(), "want": want}) + "\n")


def mutate(doc, alphabet):
    doc = bytearray(doc)
    for _ in range(R.randint(1, 3)):
        at = R.randrange(len(doc) + 1)
        op = R.randrange(4)
        if op == 0 and at < len(doc):
            doc[at] = R.choice(alphabet)
        elif op == 1 and at < len(doc):
            del doc[at]
        elif op == 2:
            doc.insert(at, R.choice(alphabet))
        else:
            del doc[at:]
    return bytes(doc)


# ---- RFC 3339 instants (the model of parse_iso8601) ----
ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:?[0-9]{2})", re.ASCII)


def iso_model(s):
    m = ISO.fullmatch(s)
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in range(1, 7))
    z = m.group(8)
    off = 0
    if z not in "Zz":
        oh, om = int(z[1:3]), int(z[-2:])
        if oh > 23 or om > 59:
            return None
        off = (oh * 3600 + om * 60) * (1 if z[0] == "+" else -1)
    if not 1970 <= y <= 9999:
        return None
    try:
        t = datetime.datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return None
    return calendar.timegm(t.timetuple()) - off


def rand_instant():
    t = R.randrange(0, 253402300800)
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t)
    s = d.strftime("%Y-%m-%dT%H:%M:%S")
    if R.random() < 0.4:
        s += "." + "".join(R.choice("0123456789") for _ in range(R.randint(1, 9)))
    r = R.random()
    if r < 0.5:
        s += R.choice("Zz")
    else:
        oh, om = R.randrange(24), R.choice([0, 30, 45, R.randrange(60)])
        s += "%s%02d%s%02d" % (R.choice("+-"), oh, R.choice([":", ":", ""]), om)
    if R.random() < 0.3:
        s = mutate(s.encode(), b"0123456789:-+.TZtz 9").decode("latin-1")
    return s


# ---- JSON ----
class Pairs(list):
    pass


def bad_constant(name):
    raise ValueError(name)


def depth(v):
    if isinstance(v, Pairs):
        return 1 + max([depth(x) for _, x in v] or [0])
    if isinstance(v, list):
        return 1 + max([depth(x) for x in v] or [0])
    return 0


ANY = {"AccessKeyId": "akid", "accessKeyId": "akid", "SecretAccessKey": "secret", "secretAccessKey": "secret",
       "Token": "token", "SessionToken": "token", "sessionToken": "token", "Expiration": "exp", "expiration": "exp",
       "AccountId": "acct", "accountId": "acct"}
ANY_TOP = {"Code": "code", "Version": "version", "credentials": "creds"}
PROCESS = {"AccessKeyId": "akid", "SecretAccessKey": "secret", "SessionToken": "token", "Expiration": "exp",
           "AccountId": "acct", "Version": "version"}
NAMES = {"akid": "AccessKeyId", "secret": "SecretAccessKey", "token": "SessionToken", "exp": "Expiration",
         "acct": "AccountId", "code": "Code", "version": "Version", "creds": "credentials"}


def lone(s):
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def hexs(s):
    return s.encode("utf-8").hex()


def json_model(v, process):
    """What parse_credentials (process=False) / parse_process_credentials returns."""
    seen, vals, pending, version_seen = set(), {}, [], [False]

    def fail(kind, field=None):
        if not pending:
            pending.append({"r": "err", "e": kind, "f": field})

    def visit(pairs, top):
        table = (PROCESS if top else {}) if process else (dict(ANY, **ANY_TOP) if top else ANY)
        for k, val in pairs:
            f = table.get(k)
            if f is None:
                continue
            name = NAMES[f]
            if f in seen:
                fail("DuplicateField", name)
                if f == "creds" and isinstance(val, Pairs):
                    visit(val, False)
                continue
            seen.add(f)
            num = type(val) in (int, float)
            if f == "creds":
                if isinstance(val, Pairs):
                    visit(val, False)
                else:
                    fail("WrongType", name)
            elif f == "version":
                version_seen[0] = True
                if not num:
                    fail("WrongType", name)
                elif val != 1:
                    fail("UnsupportedVersion")
            elif f == "code":
                if not isinstance(val, str):
                    fail("WrongType", name)
                elif val != "Success":
                    fail("NotSuccess")
            elif isinstance(val, str) and lone(val):
                fail("WrongType", name)
            elif f in ("akid", "secret"):
                if isinstance(val, str):
                    vals[f] = val
                else:
                    fail("WrongType", name)
            elif f in ("token", "acct"):
                if isinstance(val, str):
                    vals[f] = val or None
                elif val is not None:
                    fail("WrongType", name)
            elif f == "exp":
                if isinstance(val, str):
                    t = iso_model(val) if len(val.encode()) <= 64 else None
                    if t is None:
                        fail("BadExpiration")
                    else:
                        vals["exp"] = t
                elif val is not None:
                    fail("WrongType", name)

    top = isinstance(v, Pairs)
    if top:
        visit(v, True)
    if pending:
        return pending[0]
    if process and not version_seen[0]:
        return {"r": "err", "e": "UnsupportedVersion", "f": None}
    if not top:
        return {"r": "err", "e": "WrongType", "f": "document"}
    if not vals.get("akid"):
        return {"r": "err", "e": "MissingField", "f": "AccessKeyId"}
    if not vals.get("secret"):
        return {"r": "err", "e": "MissingField", "f": "SecretAccessKey"}
    return {"r": "ok", "akid": hexs(vals["akid"]), "secret": hexs(vals["secret"]),
            "token": vals.get("token") and hexs(vals["token"]), "exp": vals.get("exp"),
            "acct": vals.get("acct") and hexs(vals["acct"])}


def json_expect(doc):
    try:
        v = json.loads(doc.decode("utf-8"), object_pairs_hook=Pairs, parse_constant=bad_constant)
    except (ValueError, RecursionError):
        return {"r": "syntax"}, {"r": "syntax"}
    if depth(v) > MAX_DEPTH:
        return {"r": "toodeep"}, {"r": "toodeep"}
    return json_model(v, False), json_model(v, True)


def ws():
    return "".join(R.choice(" \t\n\r") for _ in range(R.choice([0, 0, 0, 1, 2])))


CHARS = ["a", "Z", "0", "/", "+", "=", '"', "\\", "\b", "\f", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "é", "€",
         "\u2028", "😀", "\U0010FFFF", "\ufeff"]


def jstr(s, allow_lone=False):
    out = ['"']
    for c in s:
        r = R.random()
        if c in '"\\' or ord(c) < 0x20 or r < 0.3:
            short = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "/": "\\/"}
            if c in short and R.random() < 0.6:
                out.append(short[c])
            elif ord(c) > 0xFFFF:
                v = ord(c) - 0x10000
                hx = R.choice(["%04x", "%04X"])
                out.append("\\u" + hx % (0xD800 + (v >> 10)) + "\\u" + hx % (0xDC00 + (v & 0x3FF)))
            else:
                out.append("\\u" + R.choice(["%04x", "%04X"]) % ord(c))
        else:
            out.append(c)
    if allow_lone and R.random() < 0.03:
        out.insert(R.randrange(1, len(out) + 1), "\\u" + "%04x" % R.randrange(0xD800, 0xE000))
    out.append('"')
    return "".join(out)


def rand_text(n=None):
    return "".join(R.choice(CHARS) for _ in range(R.randint(0, 12) if n is None else n))


def rand_number():
    s = R.choice(["", "-"]) + R.choice(["0", str(R.randrange(1, 10**R.randint(1, 25)))])
    if R.random() < 0.3:
        s += "." + str(R.randrange(10**R.randint(1, 5)))
    if R.random() < 0.2:
        s += R.choice("eE") + R.choice(["", "+", "-"]) + str(R.randrange(400))
    return s


def rand_value(d=0):
    r = R.random()
    if d < 4 and r < 0.15:
        return "[" + ",".join(ws() + rand_value(d + 1) + ws() for _ in range(R.randint(0, 3))) + "]"
    if d < 4 and r < 0.3:
        return "{" + ",".join(ws() + jstr(rand_text(3)) + ws() + ":" + ws() + rand_value(d + 1) for _ in range(R.randint(0, 3))) + "}"
    if r < 0.5:
        return jstr(rand_text(), True)
    if r < 0.75:
        return rand_number()
    return R.choice(["true", "false", "null"])


def cred_value(kind):
    r = R.random()
    if r < 0.03:
        return rand_value()
    if r < 0.05:
        return "null"
    if r < 0.07:
        return '""'
    if kind == "exp":
        return jstr(rand_instant())
    if kind == "version":
        return R.choice(["1", "1", "1", "1", "1.0", "1e0", "10e-1", "2", "0", "-1", "1.5", '"1"', "true",
                         "1.0000000000000001", "0.99999999999999995", "0.9999999999999999", "1.0000000000000003",
                         "0.999999999999999944488848768742172978818416595458984375",
                         "1.00000000000000011102230246251565404236316680908203126"])
    if kind == "code":
        return jstr(R.choice(["Success", "Success", "Success", "Failure", "success"]))
    return jstr(rand_text(R.randint(1, 20)), True)


def rand_json_doc():
    fields = []
    for kind, names in [("akid", ["AccessKeyId", "accessKeyId"]), ("secret", ["SecretAccessKey", "secretAccessKey"]),
                        ("token", ["Token", "SessionToken", "sessionToken"]), ("exp", ["Expiration", "expiration"]),
                        ("acct", ["AccountId", "accountId"]), ("code", ["Code"]), ("version", ["Version"])]:
        p = {"akid": 0.95, "secret": 0.95, "code": 0.2, "version": 0.3}.get(kind, 0.5)
        for _ in range(2 if R.random() < 0.05 else 1):
            if R.random() < p:
                fields.append((R.choice(names), cred_value(kind)))
    for _ in range(R.randint(0, 4)):
        fields.append((rand_text(R.randint(1, 8)), rand_value()))
    R.shuffle(fields)

    def obj(pairs):
        return "{" + ",".join(ws() + jstr(k) + ws() + ":" + ws() + v + ws() for k, v in pairs) + "}"

    if R.random() < 0.2:  # AWS IoT
        inner = [(k, v) for k, v in fields if k not in ("Code", "Version")]
        outer = [(k, v) for k, v in fields if k in ("Code", "Version")] + [("credentials", obj(inner))]
        doc = obj(outer)
    else:
        doc = obj(fields)
    if R.random() < 0.03:  # around the nesting limit
        n = R.randint(MAX_DEPTH - 3, MAX_DEPTH + 3)
        doc = "{\"x\":" + "[" * (n - 1) + "1" + "]" * (n - 1) + "," + doc[1:]
    doc = ws() + doc + ws()
    b = doc.encode("utf-8", "surrogatepass")
    if R.random() < 0.3:
        b = mutate(b, b'{}[]:,"\\/ 0123456789.eE+-tfnulr\x00\x1f\xc3\xa9\xff\n')
    return b


# ---- XML ----
def xml_model(doc):
    """Expat (no namespace processing) reads the document; the model of
    parse_sts_credentials / sts_error_code runs on its events."""
    p = xml.parsers.expat.ParserCreate()
    st = {"stack": [], "root": None, "stem": None, "creds": False, "opened": set(), "fields": {}, "error": False,
          "code": None, "pending": None, "text": None, "max": 0}
    FIELDS = ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]

    def fail(off):
        if st["pending"] is None:
            st["pending"] = off

    def start(name, attrs):
        at = p.CurrentByteIndex
        local = name.rsplit(":", 1)[-1]
        parent = st["stack"][-1] if st["stack"] else None
        if parent is None:
            if local == "ErrorResponse":
                kind = "errroot"
            elif local.endswith("Response"):
                kind, st["stem"] = "root", local[:-8]
            else:
                kind = "other"
            st["root"] = kind
        elif parent == "root" and local == st["stem"] + "Result":
            kind = "result"
        elif parent == "result" and local == "Credentials":
            if st["creds"]:
                fail(at)
            st["creds"] = True
            kind = "creds"
        elif parent == "creds" and local in FIELDS:
            if local in st["opened"]:
                fail(at)
            st["opened"].add(local)
            kind = "field:" + local
        elif parent == "errroot" and local == "Error" and not st["error"]:
            st["error"] = True
            kind = "error"
        elif parent == "error" and local == "Code" and st["code"] is None:
            kind = "code"
        elif parent is not None and (parent.startswith("field:") or parent == "code"):
            fail(at)
            kind = "other"
        else:
            kind = "other"
        if kind.startswith("field:") or kind == "code":
            st["text"] = []
        st["stack"].append(kind)
        st["max"] = max(st["max"], len(st["stack"]))

    def end(name):
        kind = st["stack"].pop()
        if kind.startswith("field:"):
            st["fields"].setdefault(kind[6:], "".join(st["text"]))
        elif kind == "code" and st["code"] is None:
            st["code"] = "".join(st["text"])

    def data(s):
        if st["text"] is not None:
            st["text"].append(s)

    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, data
    try:
        p.Parse(doc, True)
    except LookupError:  # an encoding name Python does not know
        return {"r": "syntax", "named": None}, None
    except xml.parsers.expat.ExpatError as e:
        named = "dupattr" if e.code == xml.parsers.expat.errors.codes[xml.parsers.expat.errors.XML_ERROR_DUPLICATE_ATTRIBUTE] else None
        return {"r": "syntax", "named": named}, None
    if re.search(rb"<!DOCTYPE", doc):
        return {"r": "syntax", "named": "doctype-refused"}, None
    m = re.match(rb"(\xef\xbb\xbf)?<\?xml[^>]*encoding=[\"']([^\"']*)", doc)
    if m and m.group(2).lower() != b"utf-8":
        return {"r": "syntax", "named": "encoding-refused"}, None
    m = re.match(rb"(\xef\xbb\xbf)?<\?xml\s+version\s*=\s*[\"']([^\"']*)", doc)
    if m and not re.fullmatch(rb"1\.[0-9]+", m.group(2)):
        return {"r": "syntax", "named": "version-refused"}, None
    if st["max"] > MAX_DEPTH:
        return {"r": "toodeep"}, None
    code = st["code"] if st["root"] == "errroot" else None
    code = code.encode().hex() if code is not None else None
    if st["pending"] is not None:
        return {"r": "err", "e": "Syntax", "off": st["pending"]}, code
    if st["root"] == "errroot":
        return {"r": "err", "e": "Sts"}, code
    if not st["creds"]:
        return {"r": "err", "e": "MissingField", "f": "Credentials"}, code
    f = st["fields"]
    for name in FIELDS[:3]:
        if not f.get(name):
            return {"r": "err", "e": "MissingField", "f": name}, code
    if "Expiration" not in f:
        return {"r": "err", "e": "MissingField", "f": "Expiration"}, code
    e = f["Expiration"]
    t = iso_model(e.strip(" \t\r\n")) if len(e.encode()) <= 64 else None
    if t is None:
        return {"r": "err", "e": "BadExpiration"}, code
    return {"r": "ok", "akid": hexs(f["AccessKeyId"]), "secret": hexs(f["SecretAccessKey"]),
            "token": hexs(f["SessionToken"]), "exp": t}, code


def xtext(s):
    out = []
    for c in s:
        r = R.random()
        if c in "<&" or r < 0.1:
            out.append(R.choice(["&#%d;" % ord(c), "&#x%x;" % ord(c), "&#x%X;" % ord(c)])
                       if c not in "<&" or R.random() < 0.5 else {"<": "&lt;", "&": "&amp;"}[c])
        elif c == ">" and R.random() < 0.5:
            out.append("&gt;")
        elif r < 0.15:
            out.append("<![CDATA[" + c + "]]>")
        elif r < 0.18:
            out.append("<!--" + R.choice(["", " c ", "<&>", "é-x"]) + "-->" + c)
        else:
            out.append(c)
    return "".join(out)


XCHARS = ["a", "Z", "0", "/", "+", "=", "<", ">", "&", '"', "'", " ", "\n", "\r\n", "\r", "\t", "é", "€", "😀"]


def rand_xml_doc():
    pre = R.choice(["", "", "sts:", "a:"])
    decl_ns = ' xmlns%s="https://sts.amazonaws.com/doc/2011-06-15/"' % (":" + pre[:-1] if pre else "")
    op = R.choice(["AssumeRole", "AssumeRoleWithWebIdentity", "GetSessionToken", "Error", "Other"])

    def el(name, body, attrs=""):
        if body == "" and R.random() < 0.3:
            return "<%s%s%s/>" % (pre, name, attrs)
        return "<%s%s%s>%s</%s%s%s>" % (pre, name, attrs, body, pre, name, R.choice(["", "", " "]))

    def sp():
        return R.choice(["", "", "\n  ", " ", "<!-- c -->", "<?pi x?>"])

    if op == "Error":
        body = sp() + el("Error", el("Type", "Sender") + el("Code", xtext("".join(R.choice(XCHARS) for _ in range(R.randint(0, 8))))) + el("Message", xtext("no"))) + sp()
        root = el("ErrorResponse", body, decl_ns)
    else:
        fields = []
        for name in ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]:
            for _ in range(2 if R.random() < 0.04 else 1):
                if R.random() < 0.95:
                    v = rand_instant() if name == "Expiration" else "".join(R.choice(XCHARS) for _ in range(R.randint(0, 15)))
                    if name == "Expiration" and R.random() < 0.2:
                        v = R.choice([" ", "\n"]) + v + R.choice([" ", "\n  "])
                    fields.append(sp() + el(name, xtext(v)))
        if R.random() < 0.2:
            fields.append(el("Extra", el("AccessKeyId", "x")))
        R.shuffle(fields)
        creds = el("Credentials", "".join(fields) + sp())
        result_name = op + "Result" if R.random() < 0.95 else "OtherResult"
        result = el(result_name, sp() + el("AssumedRoleUser", el("Arn", "arn:aws:sts::1:x")) + sp() + creds + sp())
        root = el(op + "Response", sp() + result + sp() + el("ResponseMetadata", el("RequestId", "r")) + sp(), decl_ns)
    doc = R.choice(["", '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>", "\ufeff"]) + sp() + root + sp()
    if R.random() < 0.03:
        n = R.randint(MAX_DEPTH - 8, MAX_DEPTH)
        doc = doc.replace("<%sResponseMetadata>" % pre, "<x>" * n + "</x>" * n + "<%sResponseMetadata>" % pre, 1)
    b = doc.encode("utf-8")
    if R.random() < 0.35:
        b = mutate(b, b"<>/=\"'&;!?-[]:ax \n\r\x00\xc3\xa9\xff#")
    return b


for _ in range(N):
    s = rand_instant()
    emit("iso", s.encode("latin-1"), iso_model(s))
for _ in range(N):
    doc = rand_json_doc()
    any_, process = json_expect(doc)
    emit("json", doc, {"any": any_, "process": process})
for _ in range(N):
    doc = rand_xml_doc()
    res, code = xml_model(doc)
    emit("xml", doc, {"res": res, "code": code})
"##;

const BOTOCORE_PROCESS: &str = r##"import json, sys
from botocore.credentials import ProcessProvider


class Proc:
    def __init__(self, out):
        self.out, self.returncode = out, 0

    def communicate(self):
        return self.out.encode("utf-8"), b""


for doc in json.loads(sys.stdin.read()):
    config = {"profiles": {"p": {"credential_process": "x"}}}
    provider = ProcessProvider("p", lambda: config, popen=lambda *a, **k: Proc(doc))
    try:
        c = provider.load().get_frozen_credentials()
        print(json.dumps({"ok": True, "akid": c.access_key, "secret": c.secret_key, "token": c.token or None}))
    except Exception as e:
        print(json.dumps({"ok": False, "err": type(e).__name__}))
"##;
