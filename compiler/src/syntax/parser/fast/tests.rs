//! The direct reader against pest: every `.stack` file of the repository,
//! hand-picked corner cases of the grammar, and thousands of mutations of
//! the files must parse to the same tree and the same diagnostics both
//! ways. The reader may decline anything (pest then reads it); what it
//! takes must be exactly what pest would build.

use super::super::parse_with;
use crate::source::FileId;
use std::path::{Path, PathBuf};

fn both(text: &str) {
    let file = FileId(0);
    let fast = parse_with(file, text, true);
    let slow = parse_with(file, text, false);
    if fast.0 != slow.0 {
        let at = (0..fast.0.items.len().max(slow.0.items.len()))
            .find(|&i| fast.0.items.get(i) != slow.0.items.get(i))
            .unwrap_or(0);
        let (f, s) = (
            format!("{:#?}", fast.0.items.get(at)),
            format!("{:#?}", slow.0.items.get(at)),
        );
        let (f, s): (Vec<&str>, Vec<&str>) = (f.lines().collect(), s.lines().collect());
        let line = (0..f.len().max(s.len()))
            .find(|&i| f.get(i) != s.get(i))
            .unwrap_or(0);
        let from = line.saturating_sub(12);
        panic!(
            "trees differ for {text:?} at item {at}, line {line}:\nfast:\n{}\npest:\n{}",
            f[from.min(f.len())..(line + 3).min(f.len())].join("\n"),
            s[from.min(s.len())..(line + 3).min(s.len())].join("\n"),
        );
    }
    assert_eq!(fast.1, slow.1, "diagnostics differ for {text:?}");
}

fn stack_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() && !matches!(name, "target" | "out" | "node_modules" | ".git") {
            stack_files(&p, out);
        } else if name.ends_with(".stack") {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths = Vec::new();
    for dir in ["examples", "stdlib", "tests", "lsp", "docs", "editors"] {
        stack_files(&root.join(dir), &mut paths);
    }
    paths
        .into_iter()
        .filter_map(|p| Some((p.clone(), std::fs::read_to_string(&p).ok()?)))
        .collect()
}

#[test]
fn every_repository_file_parses_the_same_both_ways() {
    let files = corpus();
    assert!(files.len() > 100, "found only {} .stack files", files.len());
    for (_, text) in &files {
        both(text);
    }
}

/// `STACKC_PARSE_CORPUS=DIR`: every file of DIR too (e.g. the fuzzer's
/// local corpus, `fuzz/corpus/check`, which is not committed; debug builds
/// want `RUST_MIN_STACK=8388608` for its deepest inputs, as for pest alone).
#[test]
fn a_corpus_given_parses_the_same_both_ways() {
    let Some(dir) = std::env::var_os("STACKC_PARSE_CORPUS") else {
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("STACKC_PARSE_CORPUS: a directory") {
        let path = entry.expect("an entry").path();
        // Not UTF-8: as the loader would not pass it, but with its bytes
        // replaced, still a test of the reader.
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            both(&text);
            n += 1;
        }
    }
    assert!(n > 0, "STACKC_PARSE_CORPUS holds no file");
}

/// The reader is not dead code: every item of the examples, which parse
/// without errors, takes it.
#[test]
fn the_examples_take_the_direct_reader() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut paths = Vec::new();
    stack_files(&root, &mut paths);
    assert!(!paths.is_empty());
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let (file, diags) = parse_with(FileId(0), &text, false);
        assert!(diags.is_empty(), "{}", p.display());
        for item in &file.items {
            let start = item.span().start as usize;
            let got = super::item(FileId(0), &text, start);
            assert!(
                got.as_ref().is_some_and(|(i, _)| i == item),
                "{}: the item at {start} was declined or read differently",
                p.display()
            );
        }
    }
}

#[test]
fn corner_cases_of_the_grammar() {
    let cases = [
        "service api { image = \"x\" }",
        "\u{c}service api { replicas = 1 }",
        "\u{FEFF}service api {}",
        "/// doc\n/// more  \nservice api {}",
        "/// doc\n//// not doc\n/// again\nservice api {}",
        "///\nservice api {}",
        "service api {\n  /// field doc\n  replicas = 1\n}",
        "service api {\n  /// dangling\n}",
        "import \"a.stack\"",
        "import \"a.stack\" as b",
        "import \"a.stack\" as",
        "import \"\"\"a\"\"\"",
        "import x {}",
        "let x = 1",
        "let x = ",
        "let = 1 {}",
        "type X { a: int }",
        "types x {}",
        "service a : t1, t2 { }",
        "service a : t1, { }",
        "service a: { }",
        "service \"quoted\" label2 { }",
        "service \"${x}\" { }",
        "s { a.b.c = 1, \"q\".d = 2; e = 3 }",
        "s { a.b { } }",
        "s { \"a\" { } }",
        "s { a b c { } }",
        "s { a = 1 b = 2 }",
        "s { a = 1,, b = 2 }",
        "s { a == 1 }",
        "s { a = 1..5, b = 1 .. 5, c = 1.., d = ..5 }",
        "s { a = -1, b = 1_000, c = 1__0, d = 1_, e = 1.5, f = 1., g = .5 }",
        "s { a = 1e5, b = 1e5x, c = 1e, d = 1E+5, e = 1e-5s, f = 10%, g = 512Mi }",
        "s { a = 99999999999999999999, b = 1e999 }",
        "s { a = true, b = false, c = null, d = true.x, e = nulls }",
        "s { a = x.y.0, b = x.0y, c = x., d = x..y, e = x-y }",
        "s { a = [], b = [1], c = [1,], d = [1, 2 ,3 ], e = [,], f = [1 2] }",
        "s { a = {}, b = { x = 1 }, c = { x = 1; y.z = 2, }, d = { x } }",
        "s { a = \"\", b = \"x\\n\\t\\r\\0\\\"\\\\\\$\\'\", c = \"\\q\", d = \"a\\\nb\" }",
        "s { a = \"${x}\", b = \"${ x.y }\", c = \"${/*c*/x}\", d = \"${x\", e = \"${}\" }",
        "s { a = \"${{ github.sha }}\", b = \"${{ x\", c = \"$\", d = \"$$\", e = \"a$b\" }",
        "s { a = \"line\nbreak\", b = \"é ü 中\" }",
        "s { a = \"\"\"\n    one\n      two\n    \"\"\" }",
        "s { a = \"\"\"x\"\"\"\" }",
        "s { a = \"\"\"no end }",
        "s { a = \"\"\"a \" b \"\" c ${x} \\n\"\"\" }",
        "s { a = \"\\",
        "s { a = \"unterminated }",
        "s { a = 1 /* c /* nested */ */ b = 2 // tail\n c = 3 }",
        "s { a = 1 /* open",
        "s { a = 1 /*/ b = 2 */ }",
        "s { a = 1 ///x\n }",
        "s { a = 1 ////x\n }",
        "s {",
        "s { a = }",
        "s { a",
        "s",
        "",
        "   ",
        "s { a = 1 } t { b = 2 }",
        "s { a = [[[[1]]]] }",
        "s { a = { b = { c = [ { d = 1 } ] } } }",
        "s { \"key with spaces\" = 1, \"${i}\" = 2 }",
        "s\t{\u{b}a\u{c}=\u{1f}1\r\n}",
        "s { a = 1 }\u{FEFF}",
        "s { a = x.\"y\" }",
        "s { a = ${x} }",
        "s { a = 'x' }",
        "s { a: 1 }",
    ];
    for c in cases {
        both(c);
    }
}

/// proptest's generator, seeded: a failure reproduces.
struct Rng(proptest::test_runner::TestRng);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        Rng(proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &bytes,
        ))
    }

    fn below(&mut self, n: usize) -> usize {
        use proptest::prelude::Rng as _;
        (self.0.next_u64() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "{", "}", "[", "]", "=", ".", "..", ",", ";", ":", "\"", "\"\"\"", "${", "${{", "}}", "\\",
    "\\q", "/*", "*/", "//", "///", "////", "\n", " ", "\t", "\u{c}", "-", "_", "0", "1e", "9e9",
    "%", "Mi", "x", "true", "null", "import", "let", "type", "as", "é", "\u{FEFF}",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<char> = chars.clone();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let n = (1 + rng.below(4)).min(out.len() - at.min(out.len()));
                out.drain(at.min(out.len())..at.min(out.len()) + n);
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())];
                out.splice(at..at, piece.chars());
            }
            2 if !out.is_empty() => {
                let from = rng.below(out.len());
                let n = (1 + rng.below(40)).min(out.len() - from);
                let copy: Vec<char> = out[from..from + n].to_vec();
                out.splice(at..at, copy);
            }
            3 if at + 1 < out.len() => out.swap(at, at + 1),
            _ => out.truncate(at),
        }
    }
    out.into_iter().collect()
}

#[test]
fn mutations_parse_the_same_both_ways() {
    let files = corpus();
    // `STACKC_PARSE_MUTATIONS=N` fuzzes harder (N per file, a seed per run).
    let per_file = std::env::var("STACKC_PARSE_MUTATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let seed = std::env::var("STACKC_PARSE_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x5EED_CAFE_F00D_0001);
    let mut rng = Rng::new(seed);
    let mut count = 0;
    for (_, text) in &files {
        // Long files would make each mutation slow to parse twice; their
        // first items carry the same constructs.
        let chars: Vec<char> = text.chars().collect();
        for _ in 0..per_file {
            let from = if chars.len() > 3000 {
                rng.below(chars.len() - 3000)
            } else {
                0
            };
            let cut: String = chars[from..(from + 3000).min(chars.len())].iter().collect();
            let m = mutate(&mut rng, &cut);
            both(&m);
            count += 1;
        }
    }
    assert!(count >= 40 * files.len().min(100), "only {count} mutations");
}

// ------------------------------------------------- reading in pieces

/// The line starts of `text`, at most `most` of them, evenly spread.
fn line_starts(text: &str, most: usize) -> Vec<usize> {
    let all: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len())
        .collect();
    let step = all.len().div_ceil(most.max(1)).max(1);
    all.into_iter().step_by(step).collect()
}

/// Reading `text` in pieces cut at `cuts` gives the one-piece reading.
fn same_in_pieces(text: &str, cuts: &[usize]) {
    let file = FileId(0);
    let whole = parse_with(file, text, true);
    let split = super::super::parse_split(file, text, cuts);
    assert!(
        whole == split,
        "reading cut at {cuts:?} differs for {:?}",
        &text[..text.len().min(400)]
    );
}

#[test]
fn a_file_cut_at_any_line_reads_as_one_piece() {
    for (_, text) in corpus() {
        for cut in line_starts(&text, 60) {
            same_in_pieces(&text, &[cut]);
        }
        let starts = line_starts(&text, 7);
        same_in_pieces(&text, &starts[1.min(starts.len())..]);
    }
}

#[test]
fn a_broken_file_cut_at_any_line_reads_as_one_piece() {
    let mut rng = Rng::new(0x5EED_0000_C075);
    for (_, text) in corpus() {
        let chars: Vec<char> = text.chars().collect();
        let head: String = chars[..chars.len().min(3000)].iter().collect();
        for _ in 0..4 {
            let m = mutate(&mut rng, &head);
            let starts = line_starts(&m, usize::MAX);
            if starts.len() < 2 {
                continue;
            }
            let mut cuts = vec![
                starts[1 + rng.below(starts.len() - 1)],
                starts[1 + rng.below(starts.len() - 1)],
            ];
            cuts.sort_unstable();
            cuts.dedup();
            same_in_pieces(&m, &cuts);
        }
    }
}

#[test]
fn a_large_file_is_cut_between_top_level_blocks() {
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 2 * super::super::SPLIT_MIN {
        text.push_str(&format!(
            "/// Service {i}.\nservice s{i} {{\n    image = \"x:{i}\"\n    env {{\n        A = \"\"\"\nsplit here?\n}}\n\n\"\"\"\n    }}\n}}\n\n"
        ));
        i += 1;
    }
    let cuts = super::super::split_points(&text, 4);
    assert_eq!(cuts.len(), 3, "{cuts:?}");
    for &c in &cuts {
        // Every cut is the start of a service's docs: the pieces are used
        // as read, none is read twice.
        assert!(text[c..].starts_with("/// Service"), "cut at {c}");
    }
    same_in_pieces(&text, &cuts);
    // One reader, or a small file: no cut.
    assert!(super::super::split_points(&text, 1).is_empty());
    assert!(super::super::split_points(&text[..10_000], 4).is_empty());
}
