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

/// The target registry is documented: `docs/architecture.md` has a row
/// for every backend, with the registry's summary, and no row for a target
/// without one.
#[test]
fn every_backend_is_documented() {
    let doc =
        std::fs::read_to_string(repo().join("docs/architecture.md")).expect("docs/architecture.md");
    for b in stackc::emit::BACKENDS {
        let row = format!("| `{}` | {} |", b.name(), b.summary);
        assert!(
            doc.contains(&row),
            "docs/architecture.md lacks the registry row `{row}`"
        );
    }
    for t in stackc::model::Target::ALL {
        if stackc::emit::backend(t).is_none() {
            let row = format!("| `{}` |", t.name());
            assert!(
                !doc.contains(&row),
                "docs/architecture.md lists `{}`, which has no backend",
                t.name()
            );
        }
    }
}

/// Every file the architecture document and the README name exists: a
/// backticked path is looked up from the repository root, `compiler/src`,
/// `compiler/src/diagnostics`, `docs` and `scripts` (the documents' own
/// conventions).
/// Patterns (`*`, `<…>`, `E0xxx`, `…`) are skipped.
#[test]
fn docs_name_only_files_that_exist() {
    let bases = [
        "",
        "compiler/src",
        "compiler/src/diagnostics",
        "docs",
        "scripts",
    ];
    for doc in ["docs/architecture.md", "README.md"] {
        let text = std::fs::read_to_string(repo().join(doc)).expect("doc");
        let missing: Vec<&str> = backticked_paths(&text)
            .into_iter()
            .filter(|p| !bases.iter().any(|b| repo().join(b).join(p).exists()))
            .collect();
        assert!(
            missing.is_empty(),
            "{doc} names files that do not exist: {missing:?}"
        );
    }
}

/// Backticked words that look like repository paths: a known extension or
/// a trailing `/`, and no pattern characters.
fn backticked_paths(text: &str) -> Vec<&str> {
    let exts = [".rs", ".md", ".stack", ".sh", ".py", ".pest", ".toml"];
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| !w.contains(char::is_whitespace) && !w.contains(['*', '<', '>', '…', '{', '$']))
        .filter(|w| !w.contains("xxx") && !w.starts_with("std/") && !w.contains("://"))
        .filter(|w| !w.starts_with('.') || w.contains('/'))
        .filter(|w| exts.iter().any(|e| w.ends_with(e)) || (w.ends_with('/') && w.len() > 1))
        .collect()
}
