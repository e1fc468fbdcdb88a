//! 10,000 random edits driven through the server's state layer (the same
//! `State` calls `stackc-lsp` makes on `didChange` and on requests): text
//! from the examples and half-typed tokens inserted, deleted and replaced
//! at random places. Nothing panics: not the check, not any request at a
//! random position (hover, completion, definition, references,
//! highlights, outline, workspace symbols, semantic tokens, inlay hints,
//! rename, formatting, preview); and after every batch of edits, and at
//! the end, the diagnostics the server publishes are those `stackc check`
//! reports on the same text (code, position, message).
//!
//! Deterministic (a fixed seed; `STACKC_EDIT_SEED` picks another, and a
//! failure prints the seed, the edit and the text). Checks every
//! `CHECK_EVERY` edits to keep the run short in a debug build.

use std::path::{Path, PathBuf};

use stackc_lsp::state::State;
use tower_lsp::lsp_types::{Position, Range, Url};

const EDITS: usize = 10_000;
const CHECK_EVERY: usize = 50;
/// Longer texts are cut back (the edits would otherwise grow them).
const MAX_LEN: usize = 24_000;

/// xorshift64*: enough randomness, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Pieces of real stack text (1–4 lines of the examples) and half-typed
/// tokens.
fn corpus() -> Vec<String> {
    let mut out: Vec<String> = [
        "\"",
        "{",
        "}",
        "${",
        "${api.",
        "${api.port.",
        "secret.",
        "config.",
        "= ",
        " = \"",
        "\"\"\"",
        "/*",
        "*/",
        "//",
        "///",
        "..",
        "10Mi",
        "250m..1",
        "5s",
        "[",
        "]",
        ",",
        ":",
        ".",
        "\n",
        "\n}\n",
        "port http {",
        "service api {",
        "environment prod {",
        "pipeline ci {",
        "job build {",
        "needs = [",
        "depends_on {",
        "replicas = ",
        "image = \"",
        "env {",
        "é",
        "😀",
        "\t",
        "null",
        "true",
        "import \"./x.stack\"\n",
        "let x = ",
        "template web {",
        "service web : ",
        "${{ needs.build.outputs.x }}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for ex in [
        "docsearch/stack.stack",
        "docsearch/pipelines.stack",
        "lucia/stack.stack",
    ] {
        let text = std::fs::read_to_string(repo().join("examples").join(ex)).expect("example");
        let lines: Vec<&str> = text.lines().collect();
        for (i, _) in lines.iter().enumerate().step_by(3) {
            let n = 1 + i % 4;
            let end = (i + n).min(lines.len());
            out.push(format!("{}\n", lines[i..end].join("\n")));
        }
    }
    out
}

/// The nearest char boundary at or before `i`.
fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// An LSP position of a byte offset, computed independently of the server.
fn position(text: &str, offset: usize) -> Position {
    let before = &text[..boundary(text, offset)];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    Position::new(line, before[start..].encode_utf16().count() as u32)
}

/// Reads the disk, as `stackc check` does.
struct Disk;

impl stackc::source::FileLoader for Disk {
    fn resolve(&self, from: &str, path: &str) -> String {
        stackc::source::join_relative(from, path)
    }

    fn load(&self, name: &str) -> Result<String, stackc::source::LoadError> {
        let bytes = std::fs::read(name).map_err(|e| stackc::source::LoadError::io(&e))?;
        stackc::source::decode(bytes)
    }
}

/// What `stackc check` reports on `text` written to `path`: code, start,
/// the message's first line.
fn expected(path: &Path, text: &str) -> Vec<(String, Position, String)> {
    std::fs::write(path, text).expect("write the text");
    let name = path.to_string_lossy().into_owned();
    let c = stackc::compile(&name, &Disk, &stackc::EnvSelection::All);
    c.diagnostics
        .iter()
        .filter(|d| c.program.map.name(d.primary.span.file) == name)
        .map(|d| {
            (
                d.code.as_str().to_string(),
                position(text, d.primary.span.start as usize),
                d.message.lines().next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// One random edit of `text`.
fn edit(rng: &mut Rng, corpus: &[String], text: &mut String) -> String {
    let at = boundary(text, rng.below(text.len() + 1));
    let piece = &corpus[rng.below(corpus.len())];
    match rng.below(10) {
        0..=5 => {
            text.insert_str(at, piece);
            format!("insert {piece:?} at {at}")
        }
        6..=8 => {
            let end = boundary(text, at + 1 + rng.below(40));
            text.replace_range(at..end.max(at), "");
            format!("delete {at}..{end}")
        }
        _ => {
            let end = boundary(text, at + rng.below(20));
            text.replace_range(at..end.max(at), piece);
            format!("replace {at}..{end} with {piece:?}")
        }
    }
}

/// Every request the server answers, at random positions of `text`.
fn requests(rng: &mut Rng, s: &State, uri: &Url, text: &str) {
    for _ in 0..4 {
        let p = position(text, rng.below(text.len() + 1));
        let _ = s.hover(uri, p);
        let _ = s.completions(uri, p);
        let _ = s.definition(uri, p);
        let _ = s.references(uri, p, true);
        let _ = s.highlights(uri, p);
        let _ = s.prepare_rename(uri, p);
        let _ = s.rename(uri, p, "renamed");
        let args = serde_json::json!({ "uri": uri.as_str(), "position": p, "target": "compose" });
        let _ = s.preview(&args);
    }
    let _ = s.symbols(uri);
    let _ = s.workspace_symbols("a");
    let _ = s.semantic_tokens(uri);
    let whole = Range::new(Position::new(0, 0), position(text, text.len()));
    let _ = s.inlay_hints(uri, whole);
    let _ = s.format(uri);
}

#[test]
fn random_edits_never_panic_and_end_with_stackc_checks_diagnostics() {
    let seed: u64 = std::env::var("STACKC_EDIT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_57ac);
    let mut rng = Rng(seed.max(1));
    let corpus = corpus();
    let start = std::fs::read_to_string(repo().join("examples/habit-tracker/stack.stack"))
        .expect("example");
    // The server reads the buffer; `stackc check` reads the same text
    // written to the file.
    let dir = std::env::temp_dir().join(format!("stackc-random-edits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join("stack.stack");
    let uri = Url::from_file_path(&path).expect("uri");
    let name = path.to_string_lossy().into_owned();
    let mut s = State::default();
    let mut text = start.clone();
    s.open(uri.clone(), text.clone(), 1);
    let _ = s.recheck(&name);
    let mut checks = 0;
    for i in 1..=EDITS {
        let what = edit(&mut rng, &corpus, &mut text);
        if text.len() > MAX_LEN {
            text.truncate(boundary(&text, MAX_LEN / 2));
        }
        if text.trim().is_empty() {
            text = start.clone();
        }
        s.change(&uri, text.clone(), i as i32 + 1);
        if i % CHECK_EVERY != 0 && i != EDITS {
            continue;
        }
        checks += 1;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let published = s.recheck(&name);
            let mine = published
                .iter()
                .find(|p| p.uri == uri)
                .map(|p| p.diagnostics.clone())
                .unwrap_or_default();
            requests(&mut rng, &s, &uri, &text);
            mine
        }));
        let Ok(mine) = outcome else {
            panic!("panicked after edit {i} ({what}), seed {seed}; the text:\n{text}");
        };
        let got: Vec<(String, Position, String)> = mine
            .iter()
            .map(|d| {
                let code = match &d.code {
                    Some(tower_lsp::lsp_types::NumberOrString::String(c)) => c.clone(),
                    other => format!("{other:?}"),
                };
                let message = d.message.lines().next().unwrap_or_default().to_string();
                (code, d.range.start, message)
            })
            .collect();
        let want = expected(&path, &text);
        assert_eq!(
            got, want,
            "after edit {i} ({what}), seed {seed}, the server and stackc check disagree on:\n{text}"
        );
    }
    assert!(checks >= EDITS / CHECK_EVERY, "checked {checks} times");
    let _ = std::fs::remove_dir_all(&dir);
}
