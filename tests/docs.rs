//! Documentation that is generated from the code stays in step with it.

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
}

/// `docs/language.md`'s schema reference is generated from the stdlib's doc
/// comments by `docs/stdlib-reference.py`; it must match the stdlib.
#[test]
fn stdlib_reference_is_current() {
    let out = Command::new("python3")
        .arg("docs/stdlib-reference.py")
        .arg("--check")
        .current_dir(repo())
        .output();
    match out {
        Ok(o) => assert!(
            o.status.success(),
            "docs/language.md is out of date with stdlib/*.stack; run `python3 docs/stdlib-reference.py`\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) if std::env::var_os("CI").is_some() => panic!("python3 is needed to check docs/language.md: {e}"),
        Err(e) => eprintln!("skipped: python3 not available ({e})"),
    }
}

/// Every diagnostic code is listed in the language reference.
#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(repo().join("docs/language.md")).expect("docs/language.md");
    let missing: Vec<&str> = stackc::diagnostics::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !doc.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from docs/language.md: {missing:?}"
    );
}
