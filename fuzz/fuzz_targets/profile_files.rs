#![no_main]
//! (14) The shared `config` / `credentials` parser and the `shlex` splitter
//! (`sigv4rs::creds::profile`, `::process`; Rust API, no C ABI). Any input:
//! no panic; a parsed file rendered back to canonical INI parses to the same
//! sections, keys and values; `Debug` does not depend on the values (they
//! may be secrets); the profiles of both files agree with the sections;
//! words quoted back for a shell split to the same words.

use libfuzzer_sys::fuzz_target;
use sigv4rs::creds::process::split_command;
use sigv4rs::creds::profile::{Ini, IniSection, IniValue, ProfileFiles, parse_ini};

fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Plain data for comparisons (IniValue zeroizes and has no PartialEq).
#[derive(Debug, PartialEq)]
enum V {
    T(String),
    N(Vec<(String, String)>),
}

fn plain(entries: &[(String, IniValue)]) -> Vec<(String, V)> {
    entries
        .iter()
        .map(|(k, v)| {
            let v = match v {
                IniValue::Text(t) => V::T(t.clone()),
                IniValue::Nested(m) => V::N(m.clone()),
            };
            (k.clone(), v)
        })
        .collect()
}

fn model(ini: &Ini) -> (Vec<(String, Vec<(String, V)>)>, Vec<(String, V)>) {
    (
        ini.sections
            .iter()
            .map(|s| (s.name.clone(), plain(&s.entries)))
            .collect(),
        plain(&ini.defaults),
    )
}

fn render_entries(out: &mut String, entries: &[(String, IniValue)]) {
    for (k, v) in entries {
        match v {
            IniValue::Text(t) => {
                let mut lines = t.split('\n');
                out.push_str(&format!("{k} = {}\n", lines.next().unwrap_or("")));
                for l in lines {
                    if l.is_empty() {
                        out.push('\n');
                    } else {
                        out.push_str(&format!("  {l}\n"));
                    }
                }
            }
            IniValue::Nested(m) => {
                out.push_str(&format!("{k} ="));
                for (i, (nk, nv)) in m.iter().enumerate() {
                    // A key starting with `#` / `;` came after a vertical tab
                    // (a `splitlines` boundary) on a line that was no comment.
                    let sep = if i > 0 && nk.starts_with(['#', ';']) {
                        "\u{b}"
                    } else {
                        "\n  "
                    };
                    out.push_str(&format!("{sep}{nk} = {nv}"));
                }
                out.push('\n');
                if m.is_empty() {
                    // `k =` then only blank lines parses as empty text, so an
                    // empty nested map cannot come from a file.
                    panic!("empty nested map");
                }
            }
        }
    }
}

fn render(ini: &Ini) -> String {
    let mut out = String::new();
    if !ini.defaults.is_empty() {
        out.push_str("[DEFAULT]\n");
        render_entries(&mut out, &ini.defaults);
    }
    for s in &ini.sections {
        out.push_str(&format!("[{}]\n", s.name));
        render_entries(&mut out, &s.entries);
    }
    out
}

fn check_section(s: &IniSection) {
    assert!(!s.name.is_empty() && s.name != "DEFAULT");
    check_entries(&s.entries);
}

fn check_entries(entries: &[(String, IniValue)]) {
    for (i, (k, v)) in entries.iter().enumerate() {
        assert!(!k.is_empty(), "empty key");
        assert_eq!(k.trim_matches(is_py_space), k, "key not stripped");
        assert!(!entries[..i].iter().any(|(p, _)| p == k), "duplicate key {k:?}");
        match v {
            IniValue::Text(t) => {
                assert_eq!(t.trim_matches(is_py_space), t, "value not stripped");
                assert!(!t.contains('\r'));
            }
            IniValue::Nested(m) => {
                for (j, (nk, nv)) in m.iter().enumerate() {
                    assert_eq!(nk.trim_matches(is_py_space), nk);
                    assert_eq!(nv.trim_matches(is_py_space), nv);
                    assert!(!nk.contains('='));
                    assert!(!m[..j].iter().any(|(p, _)| p == nk), "duplicate nested key");
                }
            }
        }
    }
}

/// The same file with every value replaced: `Debug` must not change.
fn redacted(ini: &Ini) -> Ini {
    let red = |e: &[(String, IniValue)]| {
        e.iter()
            .map(|(k, v)| {
                let v = match v {
                    IniValue::Text(_) => IniValue::Text("x".into()),
                    IniValue::Nested(m) => IniValue::Nested(m.iter().map(|(k, _)| (k.clone(), "x".into())).collect()),
                };
                (k.clone(), v)
            })
            .collect::<Vec<_>>()
    };
    Ini {
        sections: ini
            .sections
            .iter()
            .map(|s| IniSection {
                name: s.name.clone(),
                entries: red(&s.entries),
            })
            .collect(),
        defaults: red(&ini.defaults),
    }
}

fn shell_quote(w: &str) -> String {
    format!("'{}'", w.replace('\'', "'\\''"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(ini) = parse_ini(data) {
        for s in &ini.sections {
            check_section(s);
        }
        check_entries(&ini.defaults);
        for (i, s) in ini.sections.iter().enumerate() {
            assert!(!ini.sections[..i].iter().any(|p| p.name == s.name), "duplicate section");
        }
        let text = render(&ini);
        let again = parse_ini(text.as_bytes()).unwrap_or_else(|e| panic!("rendered file fails: {e}\n{text}"));
        assert_eq!(model(&again), model(&ini), "round trip\n{text}");
        assert_eq!(
            format!("{ini:?}"),
            format!("{:?}", redacted(&ini)),
            "Debug shows a value"
        );
    }

    // Both files: the first NUL splits config from credentials.
    let (config, creds) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    if let Ok(files) = ProfileFiles::from_contents(Some(config), Some(creds)) {
        let creds_ini = parse_ini(creds).expect("credentials parsed once already");
        for s in &creds_ini.sections {
            assert!(files.has_profile(&s.name));
            for (k, v) in &s.entries {
                assert_eq!(files.get_credentials_file(&s.name, k), v.text());
                // The credentials file wins in the merged view.
                assert_eq!(files.get(&s.name, k), v.text());
            }
        }
        assert!(!format!("{files:?}").is_empty());
    }

    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(words) = split_command(s) {
            let joined: Vec<String> = words.iter().map(|w| shell_quote(w)).collect();
            assert_eq!(
                split_command(&joined.join(" ")).as_deref(),
                Ok(&words[..]),
                "quoted words"
            );
        }
    }
});
