//! The pipeline's dependency rules, checked on the compiler's source.
//!
//! Each stage reads only earlier stages: `syntax` → `resolve` → `check` →
//! `eval` → `model` → `emit`, with the semantic `rules` running on the
//! evaluated worlds (after `eval`). A backend under `emit/` reads the model and
//! the emit helpers, nothing of the front end (docs/architecture.md). These
//! tests read every `.rs` file of a stage (`compiler/src/<stage>.rs` and
//! everything under `compiler/src/<stage>/`) and list the crate's top-level
//! items it names: `use crate::x`, `crate::x::…` paths, `use crate::{x, y}`
//! groups, and `super::…` paths that climb to the crate root. Comments,
//! strings and test code (`tests.rs`, `tests/` directories, items under
//! `#[cfg(test)]`) are skipped: tests may build whole compilations.

use std::path::{Path, PathBuf};

/// What the backends may name: the model, the emit helpers, spans and
/// diagnostics, the shared unit and name helpers, and `par` (per-service
/// work on threads).
const EMIT_MAY_USE: &[&str] = &[
    "model",
    "emit",
    "source",
    "diagnostics",
    "units",
    "names",
    "par",
];

/// The crate-root entry points that drive a whole compilation.
const DRIVER: &[&str] = &["Compilation", "compile", "compile_with", "cli"];

#[test]
fn emit_reads_only_the_model_and_the_emit_helpers() {
    let bad = violations("emit", |item| !EMIT_MAY_USE.contains(&item));
    assert!(
        bad.is_empty(),
        "backends read only the model and the emit helpers ({}):\n{}",
        EMIT_MAY_USE.join(", "),
        bad.join("\n")
    );
}

#[test]
fn syntax_imports_no_later_stage() {
    assert_no_later_stage(
        "syntax",
        &["resolve", "check", "eval", "rules", "model", "emit"],
    );
}

#[test]
fn resolve_imports_no_later_stage() {
    assert_no_later_stage("resolve", &["check", "eval", "rules", "model", "emit"]);
}

#[test]
fn check_imports_no_later_stage() {
    assert_no_later_stage("check", &["eval", "rules", "model", "emit"]);
}

#[test]
fn eval_imports_no_later_stage() {
    assert_no_later_stage("eval", &["rules", "model", "emit"]);
}

#[test]
fn rules_import_no_later_stage() {
    assert_no_later_stage("rules", &["model", "emit"]);
}

/// The model is plain data built from evaluated values: it never calls
/// back into the driver (which builds models on request) nor reads rules
/// or backends.
#[test]
fn model_imports_no_later_stage() {
    assert_no_later_stage("model", &["rules", "emit", "prelude"]);
}

/// The leaves every stage may use import no stage.
#[test]
fn leaves_import_no_stage() {
    let stages = [
        "syntax", "resolve", "check", "eval", "rules", "model", "emit", "prelude",
    ];
    for leaf in ["units", "names", "par"] {
        assert_no_later_stage(leaf, &stages);
    }
}

fn assert_no_later_stage(stage: &str, later: &[&str]) {
    let bad = violations(stage, |item| {
        later.contains(&item) || DRIVER.contains(&item)
    });
    assert!(
        bad.is_empty(),
        "`{stage}` must not import {} (or the driver: {}):\n{}",
        later.join(", "),
        DRIVER.join(", "),
        bad.join("\n")
    );
}

/// `path:line: crate::item` for every forbidden item a stage names.
fn violations(stage: &str, forbidden: impl Fn(&str) -> bool) -> Vec<String> {
    let files = stage_files(stage);
    assert!(!files.is_empty(), "no source files for stage `{stage}`");
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let rel = file.strip_prefix(src()).unwrap_or(&file);
        let module = module_path(rel);
        for (line, item) in crate_items(&text, &module) {
            if forbidden(&item) {
                out.push(format!(
                    "compiler/src/{}:{line}: crate::{item}",
                    slashed(rel)
                ));
            }
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package sits in the workspace root")
        .join("compiler/src")
}

/// `compiler/src/<stage>.rs` and every `.rs` under `compiler/src/<stage>/`,
/// test files left out.
fn stage_files(stage: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let root = src().join(format!("{stage}.rs"));
    if root.is_file() {
        files.push(root);
    }
    let dir = src().join(stage);
    if dir.is_dir() {
        walk(&dir, &mut files);
    }
    files.retain(|f| !is_test_file(f));
    files.sort();
    files
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn is_test_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "tests.rs")
        || path.components().any(|c| c.as_os_str() == "tests")
}

fn slashed(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The module a file under `compiler/src` defines: `emit/helm/diff.rs` →
/// `[emit, helm, diff]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

// ---------------------------------------------------------------- scanner

/// `(line, item)` for each top-level crate item the source names, outside
/// comments, strings and `#[cfg(test)]` items. `module` is the file's
/// module path, against which `super::` is resolved.
fn crate_items(text: &str, module: &[String]) -> Vec<(usize, String)> {
    let code = without_test_items(&blank_comments_and_strings(text));
    let b = code.as_bytes();
    let line = |i: usize| 1 + b[..i].iter().filter(|&&c| c == b'\n').count();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is_ident(b[i]) || (i > 0 && is_ident(b[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        let word = ident_at(b, i);
        i += word.len();
        let at_root = match word {
            "crate" => true,
            // `super::super::x`: each `super` climbs one module; the path
            // names a crate item when it climbs out of every module.
            "super" if !preceded_by_path(b, start) => {
                let mut climbs = 1;
                while let Some(k) = after_path_sep(b, i).filter(|&k| ident_at(b, k) == "super") {
                    climbs += 1;
                    i = k + "super".len();
                }
                climbs == module.len()
            }
            _ => false,
        };
        let Some(k) = after_path_sep(b, i).filter(|_| at_root) else {
            continue;
        };
        if b[k] == b'{' {
            out.extend(
                group_heads(b, k)
                    .into_iter()
                    .map(|item| (line(start), item)),
            );
        } else if is_ident(b[k]) {
            out.push((line(start), ident_at(b, k).to_string()));
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn ident_at(b: &[u8], i: usize) -> &str {
    let end = (i..b.len()).find(|&j| !is_ident(b[j])).unwrap_or(b.len());
    std::str::from_utf8(&b[i..end]).unwrap_or("")
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The position after `::` (and spaces) at `i`, if there is one.
fn after_path_sep(b: &[u8], i: usize) -> Option<usize> {
    let i = skip_space(b, i);
    if b.get(i..i + 2) != Some(b"::".as_slice()) {
        return None;
    }
    let k = skip_space(b, i + 2);
    (k < b.len()).then_some(k)
}

/// Whether the word at `i` follows `::` (it is not the start of a path).
fn preceded_by_path(b: &[u8], i: usize) -> bool {
    let before = b[..i].trim_ascii_end();
    before.ends_with(b"::")
}

/// The first segment of each entry of the `{…}` group at `open`:
/// `{a, b::c, d::{e}}` → `a, b, d`.
fn group_heads(b: &[u8], open: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut expect_head = true;
    for (j, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'{' => {
                depth += 1;
                expect_head = depth == 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expect_head = true,
            c if expect_head && depth == 1 && is_ident(c) => {
                heads.push(ident_at(b, j).to_string());
                expect_head = false;
            }
            _ => {}
        }
    }
    heads
}

/// The text with every comment, string and character literal replaced by
/// spaces (newlines kept, so line numbers stay right).
fn blank_comments_and_strings(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&c, i) {
            while i < end {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if let Some(end) = char_literal_end(&c, i) {
            while i < end {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// `r"…"`, `r#"…"#`, `br"…"`: the index after the literal starting at `i`.
fn raw_string_end(c: &[char], i: usize) -> Option<usize> {
    let word_start = i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if !word_start || c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = c[j..].iter().take_while(|&&x| x == '#').count();
    j += hashes;
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"'
            && c[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&x| x == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}

/// `'x'`, `'\n'`, `'\u{1F600}'`: the index after the literal starting at
/// `i`. `None` for a lifetime (`'a`) or anything else.
fn char_literal_end(c: &[char], i: usize) -> Option<usize> {
    if c[i] != '\'' {
        return None;
    }
    if c.get(i + 1) == Some(&'\\') {
        // After the escaped character: `'\''` and `'\\'` close after it.
        let close = (i + 3..c.len()).find(|&j| c[j] == '\'')?;
        return Some(close + 1);
    }
    (c.get(i + 2) == Some(&'\'')).then_some(i + 3)
}

/// The code with each item under `#[cfg(test)]` (a `mod tests { … }`, a
/// `mod tests;`, a helper function) blanked out.
fn without_test_items(code: &str) -> String {
    const ATTR: &str = "#[cfg(test)]";
    let mut out = code.as_bytes().to_vec();
    let mut from = 0;
    while let Some(at) = code[from..].find(ATTR).map(|p| p + from) {
        let end = item_end(code.as_bytes(), at + ATTR.len());
        for byte in &mut out[at..end] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
        from = end;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The end of the item starting at `i`: after its `;` or its closing `}`.
fn item_end(b: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    for (j, &c) in b.iter().enumerate().skip(i) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            b';' if depth == 0 => return j + 1,
            _ => {}
        }
    }
    b.len()
}

#[test]
fn the_scanner_finds_every_form_and_skips_comments_strings_and_tests() {
    let text = r##"
use crate::a;
use crate::{b, c::d, e::{f, g}, self};
fn h() { crate::i::j(); let _ = crate :: k::L; }
use super::super::m;
use super::sibling;
// use crate::no1;
/* crate::no2 /* nested crate::no3 */ crate::no4 */
const S: &str = "crate::no5 \" crate::no6";
const R: &str = r#"crate::no7 "quoted" crate::no8"#;
const C: char = '"';
const Q: [char; 2] = ['\'', '\\'];
const D: &str = "crate::no13";
fn lifetimes<'a>(x: &'a str) -> &'a str { crate::n::o(x) }
/// crate::no9
#[cfg(test)]
mod tests {
    use crate::no10;
    fn f() { if true { crate::no11(); } }
}
#[cfg(test)]
fn helper() -> [u8; 2] { crate::no12(); [0; 2] }
#[cfg(test)]
mod more_tests;
pub(crate) fn p() { crate::q(); }
"##;
    let module = ["stage".to_string(), "sub".to_string()];
    let found: Vec<String> = crate_items(text, &module)
        .into_iter()
        .map(|(_, item)| item)
        .collect();
    assert_eq!(
        found,
        ["a", "b", "c", "e", "self", "i", "k", "m", "n", "q"],
        "{found:?}"
    );
    // From `stage.rs` (one level deep) `super::x` is already the root.
    let found = crate_items("use super::x; use super::super::y;", &["stage".to_string()]);
    assert_eq!(found, [(1, "x".to_string())]);
    assert_eq!(
        crate_items("\n\nuse crate::z;", &[])[0].0,
        3,
        "line numbers"
    );
}
