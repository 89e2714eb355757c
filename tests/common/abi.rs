//! Generated ABI facts, all from the Rust sources: the header's status enum
//! and version macros (spliced into cbindgen's output), and each binding's
//! table of version, constants, statuses and struct layouts. `make header`
//! writes them; tests/header.rs fails when a committed copy is stale.

use std::fmt::Write;
use std::mem::{offset_of, size_of};
use std::path::{Path, PathBuf};

use sigv4rs::ffi::*;

use super::header::Header;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn version_parts() -> [u32; 3] {
    let mut it = VERSION.split('.').map(|p| p.parse::<u32>().unwrap());
    [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
}

/// `InvalidUrl` -> `INVALID_URL`.
pub fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Every status: number, `NAME`, `CamelName`, message.
pub fn statuses() -> Vec<(u32, String, String, String)> {
    sigv4rs_status::ALL
        .iter()
        .map(|&s| {
            (
                s as u32,
                screaming(s.name()),
                s.name().to_string(),
                s.message().to_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The version macros and the status enum, in cbindgen's style, for the
/// header's `after_includes`.
pub fn header_block() -> String {
    let [major, minor, patch] = version_parts();
    let mut s = String::new();
    writeln!(s).unwrap();
    writeln!(s, "#define SIGV4RS_VERSION_MAJOR {major}").unwrap();
    writeln!(s, "#define SIGV4RS_VERSION_MINOR {minor}").unwrap();
    writeln!(s, "#define SIGV4RS_VERSION_PATCH {patch}").unwrap();
    s.push_str(
        "/* (MAJOR << 16) | (MINOR << 8) | PATCH */\n\
         #define SIGV4RS_VERSION_NUMBER ((SIGV4RS_VERSION_MAJOR << 16) | (SIGV4RS_VERSION_MINOR << 8) | SIGV4RS_VERSION_PATCH)\n\n\
         /* Builds without the `std` feature (firmware) define SIGV4RS_NO_STD before\n \
         * including this header: it hides the heap and environment functions. */\n\
         #if !defined(SIGV4RS_NO_STD)\n#define SIGV4RS_STD 1\n#endif\n\n\
         /* A library built with the small build-time limits (firmware:\n \
         * --cfg sigv4rs_limits=\"small\") takes a smaller signer storage; its\n \
         * C code defines SIGV4RS_LIMITS_SMALL. The names differ so that a\n \
         * mismatch fails to link instead of overrunning the storage. */\n\
         #if defined(SIGV4RS_LIMITS_SMALL)\n\
         #define sigv4rs_signer_init sigv4rs_signer_init_small\n\
         #define sigv4rs_signer_deinit sigv4rs_signer_deinit_small\n\
         #endif\n\n",
    );
    s.push_str(
        "// Result of every fallible call. `SIGV4RS_STATUS_OK` is 0; see\n\
         // `sigv4rs_status_str` for a message. Numbers are fixed forever.\n\
         enum sigv4rs_status\n\
         #if defined(__cplusplus) || __STDC_VERSION__ >= 202311L\n  : uint32_t\n\
         #endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L\n {\n",
    );
    for &st in sigv4rs_status::ALL {
        for line in st.doc() {
            writeln!(s, "  //{line}").unwrap();
        }
        writeln!(s, "  SIGV4RS_STATUS_{} = {},", screaming(st.name()), st as u32).unwrap();
    }
    s.push_str(
        "};\n#ifndef __cplusplus\n#if __STDC_VERSION__ >= 202311L\n\
         typedef enum sigv4rs_status sigv4rs_status;\n#else\ntypedef uint32_t sigv4rs_status;\n\
         #endif // __STDC_VERSION__ >= 202311L\n#endif // __cplusplus",
    );
    s
}

/// The header as `make header` writes it.
pub fn generate_header() -> String {
    let config = cbindgen::Config::from_file(root().join("cbindgen.toml")).expect("cbindgen.toml");
    let mut config = config;
    config.after_includes = Some(header_block());
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root())
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut out);
    String::from_utf8(out).unwrap()
}

/// `SIGV4RS_*` integer constants of the header (less the version macros)
/// and its enum values but the statuses, without the prefix.
pub fn constants(h: &Header) -> Vec<(String, i64)> {
    let defines = h
        .defines
        .iter()
        .filter(|(k, v)| k.starts_with("SIGV4RS_") && !k.starts_with("SIGV4RS_VERSION") && v.parse::<i64>().is_ok())
        .map(|(k, v)| (k["SIGV4RS_".len()..].to_string(), v.parse().unwrap()));
    let enums = h
        .enums
        .iter()
        .filter(|(name, _)| *name != "sigv4rs_status")
        .flat_map(|(_, values)| values.iter())
        .map(|(k, v)| (k.strip_prefix("SIGV4RS_").unwrap_or(k).to_string(), *v));
    let mut all: Vec<(String, i64)> = defines.chain(enums).collect();
    all.sort();
    all
}

/// Size and field offsets of each `#[repr(C)]` struct the bindings build.
/// A struct's name, size and `(field, offset)`s.
pub type Layout = (&'static str, usize, Vec<(&'static str, usize)>);

pub fn layouts() -> Vec<Layout> {
    macro_rules! layout {
        ($t:ty, $($f:ident),*) => {
            (stringify!($t), size_of::<$t>(), vec![$((stringify!($f), offset_of!($t, $f))),*])
        };
    }
    vec![
        layout!(sigv4rs_bytes, ptr, len),
        layout!(sigv4rs_header, name, value),
        layout!(
            sigv4rs_config,
            access_key_id,
            secret_access_key,
            session_token,
            region,
            service,
            flags,
            unsigned_headers,
            unsigned_headers_len,
            expiration
        ),
        layout!(
            sigv4rs_credentials,
            access_key_id,
            secret_access_key,
            session_token,
            expiration
        ),
        layout!(
            sigv4rs_request,
            method,
            url,
            host,
            path,
            query,
            headers,
            headers_len,
            payload_mode,
            payload
        ),
        layout!(sigv4rs_stream, mode, checksum, decoded_length, chunk_size),
        layout!(sigv4rs_location, field, index, offset),
        layout!(sigv4rs_signer_storage, _opaque),
        layout!(sigv4rs_payload_hasher, _opaque),
        layout!(sigv4rs_checksum_state, _opaque),
        layout!(sigv4rs_chunked, _opaque),
        layout!(sigv4rs_body_verifier, _opaque),
        layout!(
            sigv4rs_chain_options,
            profile,
            region,
            transport,
            transport_user,
            process_timeout_ms
        ),
        layout!(
            sigv4rs_http_request,
            method,
            url,
            headers,
            headers_len,
            body,
            timeout_ms
        ),
        layout!(sigv4rs_http_response, status, _private),
        layout!(
            sigv4rs_verifier_config,
            region,
            service,
            flags,
            skip,
            max_skew,
            lookup,
            lookup_user
        ),
        layout!(
            sigv4rs_verify_result,
            form,
            expires,
            signed_at,
            access_key_id,
            access_key_id_len,
            region,
            region_len,
            service,
            service_len,
            signed_headers,
            signed_headers_len,
            canonical_request_len
        ),
    ]
}

const GENERATED: &str = "Generated by `make header` (tests/common/abi.rs) from the Rust sources. Do not edit.";

pub fn soname() -> String {
    let [major, minor, _] = version_parts();
    if major == 0 {
        format!("libsigv4rs.so.0.{minor}")
    } else {
        format!("libsigv4rs.so.{major}")
    }
}

pub fn python(h: &Header) -> String {
    let [major, minor, _] = version_parts();
    let mut s = format!("\"\"\"{GENERATED}\"\"\"\n\n");
    writeln!(s, "VERSION = {VERSION:?}").unwrap();
    writeln!(s, "ABI_VERSION = ({major}, {minor})").unwrap();
    writeln!(s, "SONAME = {:?}\n", soname()).unwrap();
    for (k, v) in constants(h) {
        writeln!(s, "{k} = {v}").unwrap();
    }
    s.push('\n');
    for (n, name, _, _) in statuses() {
        writeln!(s, "STATUS_{name} = {n}").unwrap();
    }
    s.push_str("\n# (code, NAME, CamelName, message), in number order.\nSTATUSES = (\n");
    for (n, name, camel, msg) in statuses() {
        writeln!(s, "    ({n}, {name:?}, {camel:?}, {msg:?}),").unwrap();
    }
    s.push_str(")\n\n# struct: (size, {field: offset}).\nLAYOUTS = {\n");
    for (name, size, fields) in layouts() {
        let f: Vec<String> = fields.iter().map(|(n, o)| format!("{n:?}: {o}")).collect();
        writeln!(s, "    {name:?}: ({size}, {{{}}}),", f.join(", ")).unwrap();
    }
    s.push_str("}\n");
    s
}

pub fn ruby(h: &Header) -> String {
    let [major, minor, _] = version_parts();
    let mut s = format!("# frozen_string_literal: true\n\n# {GENERATED}\n\nmodule Sigv4rs\n  module ABI\n");
    writeln!(s, "    VERSION = {VERSION:?}").unwrap();
    writeln!(s, "    ABI_VERSION = [{major}, {minor}].freeze").unwrap();
    writeln!(s, "    SONAME = {:?}", soname()).unwrap();
    for (k, v) in constants(h) {
        writeln!(s, "    {k} = {v}").unwrap();
    }
    s.push_str("    # [code, NAME, CamelName, message], in number order.\n    STATUSES = [\n");
    for (n, name, camel, msg) in statuses() {
        writeln!(s, "      [{n}, :{name}, {camel:?}, {msg:?}],").unwrap();
    }
    s.push_str("    ].freeze\n    # struct => [size, {field => offset}].\n    LAYOUTS = {\n");
    for (name, size, fields) in layouts() {
        let f: Vec<String> = fields.iter().map(|(n, o)| format!("{n}: {o}")).collect();
        writeln!(s, "      {name}: [{size}, {{ {} }}],", f.join(", ")).unwrap();
    }
    s.push_str("    }.freeze\n  end\nend\n");
    s
}

/// Go's name for a status: `InvalidUrl` -> `InvalidURL`, `...KeyId` -> `...KeyID`.
fn go_name(camel: &str) -> String {
    camel.replace("Url", "URL").replace("KeyId", "KeyID")
}

pub fn go() -> String {
    let [major, minor, _] = version_parts();
    let mut s =
        "// Code generated by `make header` (tests/common/abi.rs). DO NOT EDIT.\n\npackage sigv4rs\n\n".to_string();
    s.push_str("// The ABI this binding was generated for (Cargo.toml's version).\nconst (\n");
    writeln!(s, "\tabiVersion = {VERSION:?}").unwrap();
    writeln!(s, "\tabiMajor   = {major}").unwrap();
    writeln!(s, "\tabiMinor   = {minor}").unwrap();
    s.push_str(")\n\n// One sentinel per status, comparable with errors.Is.\nvar (\n");
    let st = statuses();
    let width = st.iter().map(|(_, _, c, _)| go_name(c).len()).max().unwrap();
    // Aligned as gofmt aligns them.
    for (n, _, camel, msg) in st.iter().filter(|(n, ..)| *n != 0) {
        let call = format!("sentinel({n})");
        writeln!(s, "\tErr{:<width$} = {call:<13} // {msg}", go_name(camel)).unwrap();
    }
    s.push_str(")\n\n// Every sentinel, in number order.\nvar sentinels = []*Error{\n");
    for (_, _, camel, _) in st.iter().filter(|(n, ..)| *n != 0) {
        writeln!(s, "\tErr{},", go_name(camel)).unwrap();
    }
    s.push_str("}\n");
    s
}

/// Each generated file and its text.
pub fn tables(h: &Header) -> Vec<(PathBuf, String)> {
    vec![
        (root().join("bindings/python/sigv4rs/_abi.py"), python(h)),
        (root().join("bindings/ruby/lib/sigv4rs/abi.rb"), ruby(h)),
        (root().join("bindings/go/abi_gen.go"), go()),
    ]
}
