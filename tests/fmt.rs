//! `stackc fmt`: snapshots of messy inputs, and properties over every
//! example and fixture that parses.
//!
//! * `fixtures/fmt/*.stack` — each file's formatted text is an insta
//!   snapshot (`snapshots/fmt__canonical@<file>.snap`); review with
//!   `cargo insta review`.
//! * Every `.stack` file under `examples/` and `tests/fixtures/` that parses:
//!   formatting succeeds, is idempotent, keeps every comment in order, and
//!   gives the same syntax tree modulo spans (compared through a Debug dump
//!   with the spans cut out, independent of the formatter's own check).
//! * Every such file that compiles as a root: compiling the formatted files
//!   gives the same diagnostics (code and message) and, when error-free, the
//!   same model for the base and every environment (JSON, spans removed).

use stackc::cli::DiskLoader;
use stackc::source::{FileId, FileLoader};
use stackc::syntax::format::{format, FormatError};
use stackc::syntax::{parse, trivia};
use stackc::EnvSelection;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fmt(text: &str) -> String {
    match format(text, FileId(0)) {
        Ok(t) => t,
        Err(FormatError::Syntax(d)) => panic!("syntax errors: {d:#?}"),
        Err(FormatError::Unsafe(why)) => panic!("refused: {why}\n--- input\n{text}"),
    }
}

#[test]
fn canonical() {
    insta::glob!("fixtures/fmt/*.stack", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let out = fmt(&text);
        assert_properties(&text, &out, path);
        insta::assert_snapshot!(out);
    });
}

/// Every `.stack` file under `examples/` and `tests/fixtures/`.
fn corpus() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures"] {
        walk(&repo().join(dir), &mut out);
    }
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "stack") {
            out.push(p);
        }
    }
}

#[test]
fn every_file_that_parses_formats_faithfully() {
    let mut checked = 0;
    for path in corpus() {
        let text = std::fs::read_to_string(&path).unwrap();
        if !parse(FileId(0), &text).1.is_empty() {
            continue;
        }
        let out = fmt(&text);
        assert_properties(&text, &out, &path);
        checked += 1;
    }
    eprintln!("{checked} files formatted");
}

fn assert_properties(text: &str, out: &str, path: &Path) {
    let name = path.display();
    assert_eq!(fmt(out), out, "not idempotent: {name}");
    assert_eq!(tree(text), tree(out), "tree changed: {name}");
    assert_eq!(comments(text), comments(out), "comments changed: {name}");
}

/// The syntax tree as text, with every span cut out.
fn tree(text: &str) -> String {
    let (file, diags) = parse(FileId(0), text);
    assert!(diags.is_empty(), "{diags:#?}");
    erase_spans(&format!("{file:#?}"))
}

/// Removes `Span { … }` (which holds no braces) from a Debug dump.
fn erase_spans(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len());
    let mut rest = dump;
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        out.push_str("Span");
        let close = rest[i..].find('}').expect("span closes");
        rest = &rest[i + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Comment texts, each line without its indentation (block comments are re-indented).
fn comments(text: &str) -> Vec<String> {
    trivia::comments(text)
        .into_iter()
        .map(|c| {
            c.text
                .lines()
                .map(str::trim_start)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// Reads from the disk and formats every file that formats.
struct FormattingLoader;

impl FileLoader for FormattingLoader {
    fn resolve(&self, from: &str, path: &str) -> String {
        DiskLoader.resolve(from, path)
    }

    fn load(&self, name: &str) -> Result<String, stackc::source::LoadError> {
        let text = DiskLoader.load(name)?;
        Ok(format(&text, FileId(0)).unwrap_or(text))
    }
}

#[test]
fn formatted_stacks_compile_to_the_same_models() {
    let mut compared = 0;
    for path in corpus() {
        let root = path.to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        if !parse(FileId(0), &text).1.is_empty() {
            continue;
        }
        let before = stackc::compile(&root, &DiskLoader, &EnvSelection::All);
        let after = stackc::compile(&root, &FormattingLoader, &EnvSelection::All);
        assert_eq!(
            messages(&before),
            messages(&after),
            "diagnostics changed: {root}"
        );
        if before.has_errors() {
            continue;
        }
        for env in std::iter::once(None).chain(before.environment_names().into_iter().map(Some)) {
            let m = |c| model_json(c, env.as_deref());
            assert_eq!(m(&before), m(&after), "model changed: {root} env {env:?}");
        }
        compared += 1;
    }
    eprintln!("{compared} stacks compared");
}

fn messages(c: &stackc::Compilation) -> Vec<String> {
    let mut m: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| format!("{:?} {}", d.code, d.message))
        .collect();
    m.sort();
    m
}

fn model_json(c: &stackc::Compilation, env: Option<&str>) -> serde_json::Value {
    let mut v = serde_json::to_value(c.model(env).unwrap()).unwrap();
    strip_spans(&mut v);
    v
}

/// Removes `__span` and keeps only the keys of `__fields` (their values are spans).
fn strip_spans(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove("__span");
            if let Some(serde_json::Value::Object(fields)) = map.get_mut("__fields") {
                fields
                    .values_mut()
                    .for_each(|f| *f = serde_json::Value::Null);
            }
            map.values_mut().for_each(strip_spans);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_spans),
        _ => {}
    }
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    match format("service api {\n  port = \n}\n", FileId(0)) {
        Err(FormatError::Syntax(d)) => assert_eq!(d[0].code.to_string(), "E0001"),
        other => panic!("expected syntax errors, got {other:?}"),
    }
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n  \n"), "");
    assert_eq!(fmt("// a\n\n\n// b"), "// a\n\n// b\n");
}

/// Runs `stackc ARGS…` in-process; returns (exit code, stdout, stderr).
fn stackc(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = stackc::cli::Io {
        out: &mut out,
        err: &mut err,
        err_is_tty: false,
    };
    let code = stackc::cli::run(
        std::iter::once("stackc").chain(args.iter().copied()),
        &mut io,
    );
    let s = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (code, s(out), s(err))
}

/// A fresh directory holding `files` (name, text).
fn temp_dir(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackc-fmt-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const MESSY: &str = "service api{image=\"nginx\"}\n";
const TIDY: &str = "service api {\n    image = \"nginx\"\n}\n";

#[test]
fn cli_check_lists_unformatted_files_without_writing() {
    let dir = temp_dir(
        "check",
        &[
            ("a.stack", MESSY),
            ("sub/b.stack", TIDY),
            (".hidden/c.stack", MESSY),
        ],
    );
    let (code, out, err) = stackc(&["fmt", "--check", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("a.stack at line 1:\n-service api{image=\"nginx\"}\n+service api {"),
        "{out}"
    );
    assert!(
        !out.contains("b.stack") && !out.contains("c.stack"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("a.stack")).unwrap(), MESSY);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cli_writes_formatted_files_and_then_checks_clean() {
    let dir = temp_dir("write", &[("a.stack", MESSY), ("notes.txt", MESSY)]);
    let d = dir.to_str().unwrap();
    assert_eq!(stackc(&["fmt", d]).0, 0);
    assert_eq!(std::fs::read_to_string(dir.join("a.stack")).unwrap(), TIDY);
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        MESSY
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "temporary files left: {leftovers:?}");
    assert_eq!(
        stackc(&["fmt", "--check", d]),
        (0, String::new(), String::new())
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cli_reports_syntax_errors_and_leaves_the_file() {
    let broken = "service api {\n    image = \n}\n";
    let dir = temp_dir("syntax", &[("bad.stack", broken), ("good.stack", MESSY)]);
    let (code, _, err) = stackc(&["fmt", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error[E0001]") && err.contains("bad.stack"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("bad.stack")).unwrap(),
        broken
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("good.stack")).unwrap(),
        TIDY
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cli_missing_path_is_a_usage_error() {
    let (code, _, err) = stackc(&["fmt", "/definitely/not/here.stack"]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
}
