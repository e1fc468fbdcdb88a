//! Bad input never panics the front end or a backend.
//!
//! Property tests feed three kinds of text to `syntax::parse`,
//! `syntax::format::format`, `stackc::compile` (through a `MemoryLoader`),
//! the three diagnostic renderers and, when compilation reports no error,
//! `Compilation::models` (the base and every environment) and every backend
//! on them:
//! * arbitrary bytes (made UTF-8 lossily);
//! * sequences of the language's own tokens, which get further than bytes;
//! * real files (examples, fixtures, the stdlib) with random ranges
//!   deleted, duplicated or spliced elsewhere.
//!
//! Formatting must also never refuse a file that parses (that would be a
//! formatter bug) and must be idempotent on whatever it accepts.
//! `PROPTEST_CASES` raises the number of cases for a longer hunt.

use proptest::prelude::*;
use stackc::diagnostics::render;
use stackc::source::{FileId, MemoryLoader};
use stackc::syntax::format::{format, FormatError};
use stackc::EnvSelection;
use std::path::Path;
use std::sync::OnceLock;

fn exercise(text: &str) {
    let _ = stackc::syntax::parse(FileId(0), text);
    match format(text, FileId(0)) {
        Ok(out) => match format(&out, FileId(0)) {
            Ok(again) => assert_eq!(again, out, "not idempotent on {text:?}"),
            Err(e) => panic!("formatted text rejected: {e:?}\ninput: {text:?}\noutput: {out:?}"),
        },
        Err(FormatError::Unsafe(why)) => panic!("formatter refused ({why}) on {text:?}"),
        Err(FormatError::Syntax(_)) => {}
    }
    let loader = MemoryLoader::new().with("main.stack", text);
    let c = stackc::compile("main.stack", &loader, &EnvSelection::All);
    let _ = render::human(&c.program.map, &c.diagnostics);
    let _ = render::json(&c.program.map, &c.diagnostics);
    let _ = render::github(&c.program.map, &c.diagnostics);
    if !c.has_errors() {
        // A model that cannot be built (E0900) is a compiler bug too, and
        // so is a backend that panics on one.
        match c.models(None) {
            Ok(models) => {
                for b in stackc::emit::BACKENDS {
                    let _ = stackc::emit::emit(&models, b.target);
                }
            }
            Err(d) => panic!("{}: {}", d.code, d.primary.message),
        }
    }
}

/// Real `.stack` texts to mutate.
fn corpus() -> &'static [String] {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut out = Vec::new();
        for dir in ["examples", "tests/fixtures", "stdlib", "fuzz/seeds"] {
            collect(&root.join(dir), &mut out);
        }
        out.sort();
        out.dedup();
        out
    })
}

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "stack") {
            out.extend(std::fs::read_to_string(&p));
        }
    }
}

const TOKENS: &[&str] = &[
    "stack",
    "service",
    "template",
    "secret",
    "config",
    "environment",
    "pipeline",
    "job",
    "steps",
    "run",
    "import",
    "let",
    "type",
    "enum",
    "union",
    "as",
    "in",
    "ref",
    "api",
    "web",
    "db",
    "port",
    "http",
    "env",
    "health",
    "resources",
    "replicas",
    "image",
    "depends_on",
    "build",
    "volume",
    "ingress",
    "autoscale",
    "environments",
    "namespace",
    "version",
    "targets",
    "null",
    "true",
    "false",
    "{",
    "}",
    "[",
    "]",
    "=",
    ":",
    ",",
    ";",
    ".",
    "..",
    "|",
    "?",
    "<",
    ">",
    "\"",
    "\"x\"",
    "\"\"\"",
    "\"${api.host}\"",
    "\"${{ github.sha }}\"",
    "\\",
    "${",
    "0",
    "8080",
    "-1",
    "1.5",
    "30s",
    "512Mi",
    "250m",
    "70%",
    "1e9",
    "99999999999999999999",
    "//",
    "// c\n",
    "/*",
    "*/",
    "/* c */",
    "///",
    "/// d\n",
    " ",
    "\n",
    "\t",
    "é",
    "\u{FEFF}",
    "secret.db",
    "config.app.K",
    "'",
    "==",
    "api.port.http",
];

fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.join(" "))
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Splice(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let n = 0..100_000usize;
    prop_oneof![
        (n.clone(), 0..64usize).prop_map(|(a, l)| Edit::Delete(a, l)),
        (n.clone(), 0..64usize).prop_map(|(a, l)| Edit::Duplicate(a, l)),
        (n.clone(), 0..64usize, n).prop_map(|(a, l, to)| Edit::Splice(a, l, to)),
    ]
}

/// The character boundary at or before `i % (len + 1)`.
fn at(text: &str, i: usize) -> usize {
    let mut i = i % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, e: &Edit) -> String {
    let range = |a: usize, l: usize| {
        let s = at(text, a);
        (s, at(text, s + l).max(s))
    };
    match *e {
        Edit::Delete(a, l) => {
            let (s, e) = range(a, l);
            format!("{}{}", &text[..s], &text[e..])
        }
        Edit::Duplicate(a, l) => {
            let (s, e) = range(a, l);
            format!("{}{}", &text[..e], &text[s..])
        }
        Edit::Splice(a, l, to) => {
            let (s, e) = range(a, l);
            let piece = &text[s..e];
            let rest = format!("{}{}", &text[..s], &text[e..]);
            let to = at(&rest, to);
            format!("{}{piece}{}", &rest[..to], &rest[to..])
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup(text in tokens()) {
        exercise(&text);
    }

    #[test]
    fn mutated_real_files(pick in any::<usize>(), edits in prop::collection::vec(edit(), 1..6)) {
        let corpus = corpus();
        prop_assume!(!corpus.is_empty());
        let mut text = corpus[pick % corpus.len()].clone();
        for e in &edits {
            text = apply(&text, e);
        }
        exercise(&text);
    }
}

#[test]
fn every_real_file_and_every_prefix_of_a_few() {
    for text in corpus() {
        exercise(text);
    }
    for text in corpus().iter().take(3) {
        let mut i = 0;
        while i < text.len() {
            if text.is_char_boundary(i) {
                exercise(&text[..i]);
            }
            i += 7;
        }
    }
}

/// Deep nesting: pest refuses input that would exhaust the stack ("stack
/// limit reached"); what it accepts, the later stages must survive too.
#[test]
fn deep_nesting() {
    for depth in [10, 100, 500, 1000, 2000, 5000, 20000] {
        let list = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let object = format!("{}1{}", "{ a = ".repeat(depth), " }".repeat(depth));
        let blocks = format!("{}{}", "b { ".repeat(depth), "} ".repeat(depth));
        exercise(&format!("let x = {list}\nlet y = {object}\n"));
        exercise(&format!(
            "stack s {{ version = \"1\" }}\nservice api {{ image = \"x\" labels = {object} }}\n"
        ));
        exercise(&format!("service api {{ image = \"x\" {blocks} }}\n"));
        exercise(&format!("let s = \"{}\"\n", "${a}".repeat(depth)));
    }
}

/// Inputs that once crashed the front end.
#[test]
fn former_crashers() {
    for text in [
        // `skip_trivia` sliced `[2..1]` looking for the end of `/*/`.
        "/*/ */\nlet x = 1\n",
        "/*/",
        // Recovery resumed inside a multi-byte character.
        "é",
        "€ service a {}\nservice b {}",
        // The comment scanner stepped into multi-byte characters.
        "let x = \"é\" // ü\n/* € */",
        "\"\\é",
        // k8s cut the first document's separator out of an empty text: no
        // namespace to create and nothing Kubernetes runs.
        "stack s { namespace = none version = \"1\" targets = [k8s] }\n\
         service b { host { exec = \"/usr/bin/b\" } }",
    ] {
        exercise(text);
    }
}

/// Inputs that once took exponential time: unterminated, nested `/*`
/// comments made pest try every way to pair their openers (20–30 s for the
/// 2 KiB inputs the fuzzer kept in `fuzz/former-slow/`; a language server
/// would have hung on such a buffer). They finish in microseconds now; how
/// long they take is a benchmark's business, this test only runs them.
#[test]
fn former_slow_units() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/former-slow");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/former-slow") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
        exercise(&String::from_utf8_lossy(&bytes));
        seen += 1;
    }
    assert!(seen >= 2, "fuzz/former-slow lost its inputs");
    for openers in [8, 30, 64] {
        let nested = "/* a ".repeat(openers);
        exercise(&format!(
            "service api {{\n  image = \"x\" {nested}\n  replicas = 2\n}}\n"
        ));
        exercise(&format!("{nested} */ */\nlet x = 1\n"));
        exercise(&format!("let x = [1, {nested}\n"));
    }
}

/// Recovery inside a block reads each broken entry once: a block of
/// thousands of broken lines of one kind gives one diagnostic per line
/// and takes time linear in its size (each entry is parsed no further
/// than the next line at its indentation; these once took minutes).
#[test]
fn many_broken_entries_in_one_block() {
    let n = 3000;
    for line in [
        "x",
        "x y",
        ")",
        "x = ",
        "image = \"x",
        "port p { container = }",
    ] {
        let body: String = (0..n).map(|_| format!("  {line}\n")).collect();
        let text = format!("service api {{\n{body}}}\n");
        let (_, diags) = stackc::syntax::parse(FileId(0), &text);
        assert_eq!(
            diags.len(),
            n,
            "one diagnostic per `{line}`: {:?}",
            &diags[..3]
        );
        exercise(&text);
    }
    // Unclosed lists swallow up to the end of their block, once.
    let body: String = (0..n).map(|_| "  x = [\n").collect();
    let (_, diags) = stackc::syntax::parse(FileId(0), &format!("service api {{\n{body}}}\n"));
    assert!(!diags.is_empty() && diags.len() < 3, "{diags:?}");
}

/// Half-typed text at every prefix of a real block parses and checks.
#[test]
fn half_typed_prefixes() {
    let text = "stack s { namespace = \"s\" }\nsecret db { description = \"d\" }\nservice api {\n  image = \"ghcr.io/a/api:1\"\n  port http { container = 8080 }\n  env { DB = secret.db, URL = \"http://${api.host}\" }\n  depends_on { web = started }\n}\nservice web { image = \"w\" }\nenvironment prod { service api { replicas = 2 } }\n";
    for (i, _) in text.char_indices() {
        exercise(&text[..i]);
        // The rest of the file after a cut-out piece (an edit in progress).
        exercise(&format!(
            "{}{}",
            &text[..i],
            &text[(i + 7).min(text.len())..]
        ));
    }
}
