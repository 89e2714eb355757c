//! The README's C quick start is the file `make test` compiles and runs.

#[test]
fn readme_quickstart_matches_the_compiled_example() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let marker = "<!-- quickstart: bindings/c/examples/quickstart.c -->\n```c\n";
    let start = readme.find(marker).expect("quick start marker") + marker.len();
    let end = start + readme[start..].find("```\n").unwrap();
    let file = std::fs::read_to_string(format!("{root}/bindings/c/examples/quickstart.c")).unwrap();
    assert_eq!(
        &readme[start..end],
        file,
        "README quick start differs from bindings/c/examples/quickstart.c"
    );
}

#[test]
fn readme_verify_examples_match_the_compiled_examples() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    for (tag, path) in [
        ("verify", "bindings/c/examples/verify_request.c"),
        ("verify-upload", "bindings/c/examples/verify_upload.c"),
    ] {
        let marker = format!("<!-- {tag}: {path} -->\n```c\n");
        let start = readme.find(&marker).expect("verify example marker") + marker.len();
        let end = start + readme[start..].find("```\n").unwrap();
        let file = std::fs::read_to_string(format!("{root}/{path}")).unwrap();
        assert_eq!(&readme[start..end], file, "README example differs from {path}");
    }
}
