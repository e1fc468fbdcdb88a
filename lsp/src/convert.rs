//! Compiler values → LSP values: byte spans to UTF-16 ranges, diagnostics
//! to LSP diagnostics. The only place that knows the protocol's positions.
//!
//! A diagnostic keeps its code (`E0201`), severity, message and primary
//! range; its secondary labels become related information (with their
//! messages), and its notes and `help:` are appended to the message as
//! `stackc check` prints them, so an editor shows the same text. A
//! mechanical fix travels in the diagnostic's `data` and comes back as a
//! quick-fix code action.

use stackc::diagnostics::{Diagnostic, Severity};
use stackc::source::{SourceMap, Span};
use tower_lsp::lsp_types as lsp;

/// The LSP range of a span (0-based lines, UTF-16 columns).
pub fn range(map: &SourceMap, span: Span) -> lsp::Range {
    let file = map.get(span.file);
    let pos = |offset: u32| {
        let (line, character) = file.lines().utf16_position(&file.text, offset as usize);
        lsp::Position { line, character }
    };
    lsp::Range {
        start: pos(span.start),
        end: pos(span.end),
    }
}

/// One diagnostic; `uri_of` names the document a span's file is.
pub fn diagnostic(
    map: &SourceMap,
    d: &Diagnostic,
    uri_of: &dyn Fn(Span) -> Option<lsp::Url>,
) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri_of(l.span)?, range(map, l.span)),
                message: l.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: range(map, d.primary.span),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("stackc".to_string()),
        message: message(d),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: d.fix.as_ref().map(|f| fix_data(map, f, uri_of)),
    }
}

/// A diagnostic's mechanical fix, carried in its `data` so that a code
/// action needs no state: `{ "range", "newText" }` in the primary file,
/// and `also`: the fix's further edits with their documents' URIs.
fn fix_data(
    map: &SourceMap,
    f: &stackc::diagnostics::Fix,
    uri_of: &dyn Fn(Span) -> Option<lsp::Url>,
) -> serde_json::Value {
    let mut v = serde_json::json!({ "range": range(map, f.span), "newText": f.replacement });
    let also: Vec<serde_json::Value> = f
        .also
        .iter()
        .filter_map(|e| {
            Some(serde_json::json!({
                "uri": uri_of(e.span)?,
                "range": range(map, e.span),
                "newText": e.replacement,
            }))
        })
        .collect();
    if !also.is_empty() {
        v["also"] = serde_json::Value::Array(also);
    }
    v
}

/// The quick fix of a published diagnostic that carries one.
pub fn code_action(uri: &lsp::Url, d: &lsp::Diagnostic) -> Option<lsp::CodeAction> {
    let data = d.data.as_ref()?;
    let range: lsp::Range = serde_json::from_value(data.get("range")?.clone()).ok()?;
    let new_text = data.get("newText")?.as_str()?.to_string();
    let others = data
        .get("also")
        .and_then(|a| a.as_array())
        .map_or(0, Vec::len);
    let title = match (new_text.as_str(), others) {
        ("", _) => "remove it".to_string(),
        (t, 0) => format!("replace with `{t}`"),
        (t, 1) => format!("rename to `{t}` (and the 1 reference)"),
        (t, n) => format!("rename to `{t}` (and the {n} references)"),
    };
    let edit = lsp::TextEdit::new(range, new_text);
    let mut changes = std::collections::HashMap::from([(uri.clone(), vec![edit])]);
    // A rename's other edits, in this document or another.
    for e in data
        .get("also")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
    {
        let (Some(u), Some(r), Some(t)) = (
            e.get("uri")
                .and_then(|u| u.as_str())
                .and_then(|u| lsp::Url::parse(u).ok()),
            e.get("range")
                .and_then(|r| serde_json::from_value::<lsp::Range>(r.clone()).ok()),
            e.get("newText").and_then(|t| t.as_str()),
        ) else {
            continue;
        };
        changes
            .entry(u)
            .or_default()
            .push(lsp::TextEdit::new(r, t.to_string()));
    }
    Some(lsp::CodeAction {
        title,
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(lsp::WorkspaceEdit::new(changes)),
        is_preferred: Some(true),
        ..Default::default()
    })
}

/// The message, then the primary label, the notes and the help, one per
/// line, as `stackc check` prints them.
pub fn message(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if !d.primary.message.is_empty() {
        text.push_str(&format!("\n{}", d.primary.message));
    }
    for n in &d.notes {
        text.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &d.help {
        text.push_str(&format!("\nhelp: {h}"));
    }
    text
}

fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
    }
}

/// Semantic tokens in the protocol's relative encoding: a token that spans
/// lines (a multi-line string or comment) is one token per line, since
/// clients need not support multi-line tokens.
pub fn semantic_tokens(
    map: &SourceMap,
    tokens: &[stackc::analysis::tokens::Token],
) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::new();
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    for t in tokens {
        let file = map.get(t.span.file);
        let text = &file.text;
        let end = (t.span.end as usize).min(text.len());
        let mut start = t.span.start as usize;
        while start < end {
            let Some(rest) = text.get(start..end) else {
                break;
            };
            let line_end = rest.find('\n').map_or(end, |i| start + i);
            let piece = text
                .get(start..line_end)
                .unwrap_or("")
                .trim_end_matches('\r');
            if !piece.is_empty() {
                let (line, col) = file.lines().utf16_position(text, start);
                let delta_line = line.saturating_sub(prev_line);
                let delta_start = if delta_line == 0 {
                    col.saturating_sub(prev_start)
                } else {
                    col
                };
                out.push(lsp::SemanticToken {
                    delta_line,
                    delta_start,
                    length: piece.encode_utf16().count() as u32,
                    token_type: t.kind.index(),
                    token_modifiers_bitset: t.modifiers,
                });
                (prev_line, prev_start) = (line, col);
            }
            start = line_end + 1;
        }
    }
    out
}

/// The legend of [`semantic_tokens`].
pub fn semantic_legend() -> lsp::SemanticTokensLegend {
    use stackc::analysis::tokens;
    lsp::SemanticTokensLegend {
        token_types: tokens::Kind::LEGEND
            .iter()
            .map(|t| lsp::SemanticTokenType::new(t))
            .collect(),
        token_modifiers: tokens::MODIFIERS
            .iter()
            .map(|m| lsp::SemanticTokenModifier::new(m))
            .collect(),
    }
}
