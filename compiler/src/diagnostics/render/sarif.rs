//! SARIF 2.1.0: the static-analysis log GitHub code scanning and most CI
//! dashboards ingest. One log holds one run: the tool (with every code of
//! the registry as a rule, its explanation as the rule's help) and one
//! result per diagnostic, with 1-based regions counted in Unicode code
//! points (`columnKind`), secondary labels as related locations and a
//! diagnostic's mechanical fix as a SARIF fix.
//!
//! Diagnostics of several roots (several source maps) go into one log:
//! [`results`] renders each root's, [`log`] wraps them.

use super::super::{Code, Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use serde_json::{json, Value};

/// The schema every log names.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// A complete SARIF log of `results` (from [`results`]), pretty-printed,
/// ending with a newline.
pub fn log(results: Vec<Value>) -> String {
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver() },
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "The directory `stackc` ran in: file names are relative to it." } }
            },
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// `stackc` and its rules: every registered code, in numeric order (a
/// result's `ruleIndex` is the code's position in [`Code::ALL`]).
fn driver() -> Value {
    json!({
        "name": "stackc",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": env!("CARGO_PKG_REPOSITORY"),
        "rules": Code::ALL.iter().map(|c| rule(*c)).collect::<Vec<_>>(),
    })
}

fn rule(code: Code) -> Value {
    let explanation = code.explanation();
    json!({
        "id": code.as_str(),
        "shortDescription": { "text": code.summary() },
        "fullDescription": { "text": first_paragraph(explanation) },
        "help": { "text": explanation, "markdown": explanation },
        "defaultConfiguration": { "level": level(code.default_severity()) },
    })
}

/// The first paragraph after the `# E0xxx: title` line, joined into one line.
fn first_paragraph(markdown: &str) -> String {
    let body = markdown
        .lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if body.is_empty() {
        markdown.lines().next().unwrap_or("").to_string()
    } else {
        body
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The SARIF results of one compilation's diagnostics.
pub fn results(map: &SourceMap, diags: &[Diagnostic]) -> Vec<Value> {
    diags.iter().map(|d| result(map, d)).collect()
}

fn result(map: &SourceMap, d: &Diagnostic) -> Value {
    let mut text = d.message.clone();
    for n in &d.notes {
        text.push_str(&format!("\n{n}"));
    }
    if let Some(h) = &d.help {
        text.push_str(&format!("\nhelp: {h}"));
    }
    let rule_index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
    let mut primary = location(map, d.primary.span);
    if !d.primary.message.is_empty() {
        primary["message"] = json!({ "text": d.primary.message });
    }
    let mut v = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [primary],
    });
    if !d.secondary.is_empty() {
        let related: Vec<Value> = d
            .secondary
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut r = location(map, l.span);
                r["id"] = json!(i);
                if !l.message.is_empty() {
                    r["message"] = json!({ "text": l.message });
                }
                r
            })
            .collect();
        v["relatedLocations"] = json!(related);
    }
    if let Some(fix) = &d.fix {
        let description = d
            .help
            .clone()
            .unwrap_or_else(|| format!("replace with `{}`", fix.replacement));
        // One artifact change per file, its replacements in file order.
        let mut edits: Vec<(Span, &str)> = std::iter::once((fix.span, fix.replacement.as_str()))
            .chain(fix.also.iter().map(|e| (e.span, e.replacement.as_str())))
            .collect();
        edits.sort_by_key(|(s, _)| *s);
        let mut changes: Vec<Value> = Vec::new();
        let mut files: Vec<crate::source::FileId> = edits.iter().map(|(s, _)| s.file).collect();
        files.dedup();
        for file in files {
            let replacements: Vec<Value> = edits
                .iter()
                .filter(|(s, _)| s.file == file)
                .map(|(s, text)| {
                    json!({
                        "deletedRegion": region(map, *s),
                        "insertedContent": { "text": text },
                    })
                })
                .collect();
            let first = edits.iter().find(|(s, _)| s.file == file).map(|(s, _)| *s);
            changes.push(json!({
                "artifactLocation": artifact(map, first.unwrap_or(fix.span)),
                "replacements": replacements,
            }));
        }
        v["fixes"] = json!([{
            "description": { "text": description },
            "artifactChanges": changes,
        }]);
    }
    v
}

fn location(map: &SourceMap, span: Span) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": artifact(map, span),
            "region": region(map, span),
        }
    })
}

/// A file as a URI: relative to `%SRCROOT%` (where `stackc` ran) when its
/// name is relative, else a `file:` URI.
fn artifact(map: &SourceMap, span: Span) -> Value {
    let name = map.name(span.file);
    if name.starts_with('/') {
        json!({ "uri": format!("file://{}", encode(name)) })
    } else {
        json!({ "uri": encode(name), "uriBaseId": "%SRCROOT%" })
    }
}

/// 1-based lines and columns (code points); the end column is one past the
/// last character, as SARIF counts it.
fn region(map: &SourceMap, span: Span) -> Value {
    let (start_line, start_column) = map.line_col(span);
    let (end_line, end_column) = map.line_col(Span {
        start: span.end,
        ..span
    });
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

/// Percent-encodes what a URI path cannot hold (keeps `/`).
fn encode(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_paragraphs() {
        assert_eq!(encode("a b/ç.stack"), "a%20b/%C3%A7.stack");
        assert_eq!(
            first_paragraph("# E0001: t\n\nOne\ntwo.\n\nThree."),
            "One two."
        );
    }
}
