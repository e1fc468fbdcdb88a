//! Diagnostic fixtures, renderings and the code registry.
//!
//! Every entry of `fixtures/diagnostics/` is one case: a `.stack` file, or a
//! directory whose `stack.stack` imports its other files. The leading `//`
//! lines of the root file are a TOML header saying what must be true:
//!
//! ```text
//! // # What the case shows (a TOML comment).
//! // env = "prod"            (optional: check only this environment)
//! // allow_others = true     (optional: other diagnostics may appear)
//! // emit = "k8s"            (optional: also run this backend; its lowering
//! //                          report adds E0800/E0801 diagnostics)
//! // [[expect]]
//! // code = "E0303"
//! // line = 12               (1-based line of the primary span)
//! // severity = "error"      (optional)
//! // file = "lib.stack"      (optional, directory cases: the file of the span)
//! ```
//!
//! Each case is compiled from memory (a `MemoryLoader` holding the case's
//! files under names relative to the fixture directory, so rendered paths are
//! stable), its human rendering is snapshotted, and the header is checked
//! against the diagnostics: every expectation matched, nothing else reported.
//! The registry test fails when a code lacks an explanation or a fixture.
//!
//! Adding a case: write the fixture, run `cargo insta test -p stackc-tests
//! --test diagnostics`, read the new snapshot, `cargo insta accept`.

use stackc::cli::{self, Io};
use stackc::diagnostics::{render, sort_dedup, Code, Diagnostic, Severity};
use stackc::emit::{self, Target};
use stackc::source::MemoryLoader;
use stackc::{compile, Compilation, EnvSelection};
use std::path::{Path, PathBuf};

#[path = "diagnostics/header.rs"]
mod header;

use header::{Expect, Header};

// ---------------------------------------------------------------- fixtures

/// One fixture: its files in memory and the root file's name.
struct Case {
    name: String,
    root: String,
    loader: MemoryLoader,
    header: Header,
}

impl Case {
    fn load(path: &Path) -> Case {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut loader = MemoryLoader::new();
        let root = if path.is_dir() {
            for file in files_under(path) {
                let rel = file.strip_prefix(path.parent().unwrap()).unwrap();
                let text = std::fs::read_to_string(&file).unwrap();
                loader = loader.with(&slash(rel), &text);
            }
            format!("{name}/stack.stack")
        } else {
            loader = loader.with(&name, &std::fs::read_to_string(path).unwrap());
            name.clone()
        };
        let text = loader.files.get(&root).unwrap_or_else(|| {
            panic!("{name}: a fixture directory needs a `stack.stack`");
        });
        let header = Header::parse(text).unwrap_or_else(|e| panic!("{name}: header: {e}"));
        Case {
            name,
            root,
            loader,
            header,
        }
    }

    fn compile(&self) -> Compilation {
        let envs = self
            .header
            .env
            .clone()
            .map_or(EnvSelection::All, EnvSelection::Only);
        let mut c = compile(&self.root, &self.loader, &envs);
        if let Some(name) = &self.header.emit {
            let target = *Target::ALL
                .iter()
                .find(|t| t.name() == name)
                .unwrap_or_else(|| panic!("{}: unknown target `{name}`", self.name));
            add_lowerings(&mut c, &[target], self.header.env.as_deref());
        }
        c
    }
}

/// Runs `targets` on the compilation and adds their lowering reports
/// (E0800 dropped, E0801 approximated) to its diagnostics.
fn add_lowerings(c: &mut Compilation, targets: &[Target], env: Option<&str>) {
    assert!(
        !c.has_errors(),
        "lowerings are only computed for valid stacks"
    );
    let models = c.models(env).expect("models");
    for t in targets {
        let out = emit::emit(&models, *t);
        c.diagnostics
            .extend(out.lowerings.iter().map(|l| l.to_diagnostic(false)));
    }
    sort_dedup(&mut c.diagnostics);
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diagnostics")
}

fn all_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| Case::load(p)).collect()
}

// ---------------------------------------------------------------- checks

/// Where a diagnostic points: file name, 1-based line.
fn location(c: &Compilation, d: &Diagnostic) -> (String, usize) {
    let (line, _) = c.program.map.line_col(d.primary.span);
    (c.program.map.name(d.primary.span.file).to_string(), line)
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn describe(c: &Compilation, d: &Diagnostic) -> String {
    let (file, line) = location(c, d);
    format!(
        "{} {} at {file}:{line}: {}",
        severity_word(d.severity),
        d.code,
        d.message
    )
}

fn matches(case: &Case, c: &Compilation, e: &Expect, d: &Diagnostic) -> bool {
    let (file, line) = location(c, d);
    let want_file = match &e.file {
        Some(f) => format!("{}/{f}", case.name),
        None => case.root.clone(),
    };
    d.code.as_str() == e.code
        && line == e.line
        && file == want_file
        && e.severity
            .as_deref()
            .is_none_or(|s| s == severity_word(d.severity))
}

/// The header's expectations hold: each matched once, nothing else unless allowed.
fn check_expectations(case: &Case, c: &Compilation) {
    let mut unmatched: Vec<&Diagnostic> = c.diagnostics.iter().collect();
    for e in &case.header.expect {
        let found = unmatched.iter().position(|d| matches(case, c, e, d));
        match found {
            Some(i) => {
                unmatched.remove(i);
            }
            None => panic!(
                "{}: expected {} at line {}, got:\n{}",
                case.name,
                e.code,
                e.line,
                listing(c, &c.diagnostics)
            ),
        }
    }
    if !case.header.allow_others && !unmatched.is_empty() {
        panic!(
            "{}: unexpected diagnostics:\n{}",
            case.name,
            listing(c, &unmatched.into_iter().cloned().collect::<Vec<_>>())
        );
    }
}

fn listing(c: &Compilation, ds: &[Diagnostic]) -> String {
    ds.iter()
        .map(|d| format!("  {}\n", describe(c, d)))
        .collect()
}

/// What every diagnostic must offer: a message, a precise primary span in
/// user code (one line, inside the file), and labels inside their files.
fn check_quality(case: &Case, c: &Compilation) {
    let map = &c.program.map;
    for d in &c.diagnostics {
        let what = describe(c, d);
        assert!(
            !d.message.is_empty(),
            "{}: empty message: {what}",
            case.name
        );
        assert!(
            !map.is_stdlib(d.primary.span.file),
            "{}: points into the stdlib: {what}",
            case.name
        );
        let text = map.text(d.primary.span.file);
        assert!(
            d.primary.span.end as usize <= text.len(),
            "{}: span outside the file: {what}",
            case.name
        );
        let snippet = map.snippet(d.primary.span);
        assert!(
            !snippet.trim_end().contains('\n'),
            "{}: the primary span covers several lines (point at the offending token): {what}",
            case.name
        );
        for l in &d.secondary {
            assert!(
                l.span.end as usize <= map.text(l.span.file).len(),
                "{}: label outside its file: {what}",
                case.name
            );
        }
        // The lowering report (E08xx, emit/output.rs) carries its advice in
        // the label; every checker diagnostic has a `help:`.
        let lowering = matches!(d.code, Code::E0800 | Code::E0801);
        assert!(
            d.help.is_some() || lowering,
            "{}: no `help:` for {what}",
            case.name
        );
    }
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/diagnostics/*", |path| {
        let case = Case::load(path);
        let c = case.compile();
        check_expectations(&case, &c);
        check_quality(&case, &c);
        let mut text = render::human(&c.program.map, &c.diagnostics);
        text.push_str(&render::summary(&c.diagnostics));
        insta::assert_snapshot!("human", text);
    });
}

// ---------------------------------------------------------------- renderings

fn case(name: &str) -> (Case, Compilation) {
    let case = Case::load(&fixture_dir().join(name));
    let c = case.compile();
    (case, c)
}

#[test]
fn json_rendering() {
    for name in [
        "E0102_duplicate_service.stack",
        "E0200_unknown_field.stack",
        "E0309_replicas_with_autoscale.stack",
    ] {
        let (_, c) = case(name);
        let out = render::json(&c.program.map, &c.diagnostics);
        for (line, d) in out.lines().zip(&c.diagnostics) {
            let v: serde_json::Value =
                serde_json::from_str(line).expect("one JSON object per line");
            assert_eq!(v["code"], d.code.as_str());
            assert_eq!(v["severity"], severity_word(d.severity));
            assert_eq!(v["message"], d.message.as_str());
            let (_, line_no) = location(&c, d);
            assert_eq!(v["primary"]["span"]["line"], line_no);
        }
        assert_eq!(out.lines().count(), c.diagnostics.len());
        insta::assert_snapshot!(format!("json@{name}"), out);
    }
}

#[test]
fn github_rendering() {
    let (_, c) = case("E0302_host_port_twice.stack");
    let (_, w) = case("E0309_replicas_with_autoscale.stack");
    let mut out = render::github(&c.program.map, &c.diagnostics);
    out.push_str(&render::github(&w.program.map, &w.diagnostics));
    for line in out.lines() {
        assert!(
            line.starts_with("::error file=") || line.starts_with("::warning file="),
            "not a workflow command: {line}"
        );
    }
    assert_eq!(
        out.lines().count(),
        2,
        "one command per diagnostic, newlines escaped"
    );
    assert!(out.contains("title=E0302 host port published twice::"));
    insta::assert_snapshot!("github", out);
}

#[test]
fn many_errors_in_one_run() {
    let (case, c) = case("many_unrelated_errors.stack");
    let errors = c.diagnostics.iter().filter(|d| d.is_error()).count();
    assert!(errors >= 5, "{}: only {errors} errors", case.name);
}

/// A secret no reference uses is reported (E0400), unless some text did not
/// parse: the reference that uses it may be there.
#[test]
fn unused_secrets_are_not_reported_beside_text_that_did_not_parse() {
    let stack = "stack shop { namespace = \"shop\" }\n\
                 secret token {}\n\
                 service api {\n  image = \"ghcr.io/acme/api:1\"\n  port http { container = 80 }\n}\n";
    let unused = |source: &str| {
        let loader = MemoryLoader::new().with("shop/stack.stack", source);
        let c = compile("shop/stack.stack", &loader, &EnvSelection::All);
        c.diagnostics
            .iter()
            .filter(|d| d.code == Code::E0400)
            .count()
    };
    assert_eq!(unused(stack), 1);
    let broken = stack.replace("port http", "env { TOKEN = = secret.token }\n  port http");
    assert_eq!(unused(&broken), 0);
}

/// No input makes the front end panic: every prefix of every fixture
/// (cut at line ends and mid-line) compiles to diagnostics.
#[test]
fn truncated_fixtures_do_not_panic() {
    for case in all_cases() {
        for (name, text) in &case.loader.files {
            let mut cuts: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
            let mids: Vec<usize> = cuts.windows(2).map(|w| (w[0] + w[1]) / 2).collect();
            cuts.extend(mids);
            for cut in cuts {
                let cut = (0..=cut)
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(0);
                let loader = case.loader.clone().with(name, &text[..cut]);
                let c = compile(&case.root, &loader, &EnvSelection::All);
                let _ = render::human(&c.program.map, &c.diagnostics);
            }
        }
    }
}

// ---------------------------------------------------------------- registry

/// Internal errors: compiler bugs no input can provoke (a fixture producing
/// one would be a bug to fix), so they have an explanation but neither a
/// fixture nor a failing example. Keep this list short.
const INTERNAL: &[Code] = &[
    // A value the checker accepted that the model cannot hold.
    Code::E0900,
];

/// The code a fixture's file name starts with (`E0303_…`), if any.
fn code_prefix(name: &str) -> Option<&str> {
    name.split('_').next().filter(|p| p.starts_with('E'))
}

#[test]
fn every_code_has_an_explanation_and_a_fixture() {
    let cases = all_cases();
    let mut problems = Vec::new();
    for code in Code::ALL {
        let text = code.explanation();
        let title = format!("# {code}: ");
        if !text.starts_with(&title) || text.contains("TODO") || text.lines().count() < 15 {
            problems.push(format!(
                "{code}: explain/{code}.md is missing or a placeholder"
            ));
        }
        let covered = cases
            .iter()
            .any(|c| c.header.expect.iter().any(|e| e.code == code.as_str()));
        if !covered && !INTERNAL.contains(code) {
            problems.push(format!("{code}: no fixture expects it"));
        }
    }
    for c in &cases {
        let codes = c.header.expect.iter().map(|e| e.code.as_str());
        for code in codes.chain(code_prefix(&c.name)) {
            if code.parse::<Code>().is_err() {
                problems.push(format!("{}: names unknown code {code}", c.name));
            }
        }
        if let Some(prefix) = code_prefix(&c.name) {
            if !c.header.expect.iter().any(|e| e.code == prefix) {
                problems.push(format!(
                    "{}: named after {prefix} but does not expect it",
                    c.name
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "registry drift:\n{}",
        problems.join("\n")
    );
}

/// The ```stack examples of each explanation: the first must produce the
/// code, the second (the fix) must compile without any diagnostic. A block
/// marked ```stack file=NAME is a file the next example imports; blocks
/// marked otherwise (```stack ignore) are prose only.
#[test]
fn explanation_examples_are_true() {
    let mut problems = Vec::new();
    for code in Code::ALL.iter().filter(|c| !INTERNAL.contains(c)) {
        let examples = examples(code.explanation());
        let (Some(bad), fixed) = (examples.first(), examples.get(1)) else {
            problems.push(format!("{code}: no ```stack example"));
            continue;
        };
        let lowering = matches!(code, Code::E0800 | Code::E0801);
        let c = bad.compile(lowering);
        if !c.diagnostics.iter().any(|d| d.code == *code) {
            problems.push(format!(
                "{code}: the failing example does not produce it:\n{}",
                listing(&c, &c.diagnostics)
            ));
        }
        match fixed {
            Some(fixed) => {
                let c = fixed.compile(lowering);
                if !c.diagnostics.is_empty() {
                    problems.push(format!(
                        "{code}: the fixed example is not clean:\n{}",
                        listing(&c, &c.diagnostics)
                    ));
                }
            }
            None => problems.push(format!("{code}: no fixed example")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A root file and the files it may import.
#[derive(Default)]
struct Example {
    root: String,
    files: Vec<(String, String)>,
}

impl Example {
    /// Compiles the example; with `lowering`, also runs the targets it
    /// declares and adds their lowering reports.
    fn compile(&self, lowering: bool) -> Compilation {
        let mut loader = MemoryLoader::new().with("example.stack", &self.root);
        for (name, text) in &self.files {
            loader = loader.with(name, text);
        }
        let mut c = compile("example.stack", &loader, &EnvSelection::All);
        if lowering && !c.has_errors() {
            let targets = emit::declared_targets(&c.models(None).expect("models").base);
            add_lowerings(&mut c, &targets, None);
        }
        c
    }
}

fn examples(md: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut pending = Example::default();
    // (file name, or "" for a root example; text so far)
    let mut current: Option<(String, String)> = None;
    for line in md.lines() {
        let line = line.trim_end();
        match &mut current {
            None => {
                if line == "```stack" {
                    current = Some((String::new(), String::new()));
                } else if let Some(name) = line.strip_prefix("```stack file=") {
                    current = Some((name.to_string(), String::new()));
                }
            }
            Some(_) if line == "```" => {
                let (name, text) = current.take().unwrap();
                if name.is_empty() {
                    pending.root = text;
                    out.push(std::mem::take(&mut pending));
                } else {
                    pending.files.push((name, text));
                }
            }
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    out
}

// ---------------------------------------------------------------- explain

fn run_cli(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli::run(
        args.iter().copied(),
        &mut Io {
            out: &mut out,
            err: &mut err,
            err_is_tty: false,
        },
    );
    let s = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (code, s(out), s(err))
}

#[test]
fn explain_prints_the_explanation() {
    let (code, out, _) = run_cli(&["stackc", "explain", "E0303"]);
    assert_eq!(code, cli::OK);
    assert_eq!(out, Code::E0303.explanation());
    assert!(out.starts_with("# E0303: "));
    let (code, out, _) = run_cli(&["stackc", "explain", "e0101"]);
    assert_eq!(code, cli::OK, "codes are case-insensitive");
    assert_eq!(out, Code::E0101.explanation());
    let (code, out, err) = run_cli(&["stackc", "explain", "E9999"]);
    assert_eq!(code, cli::USAGE);
    assert!(out.is_empty());
    assert!(err.contains("unknown diagnostic code `E9999`"), "{err}");
}
