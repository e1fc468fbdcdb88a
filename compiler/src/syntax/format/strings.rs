//! Strings written canonically.
//!
//! A `"…"` string is re-escaped: `\"`, `\\`, `\n`, `\t`, `\r`, `\0`, and
//! `\$` before a `{` that does not open a `${{ … }}` GitHub expression
//! (which is written verbatim). A `"""` string is written over several
//! lines, its lines indented one level deeper than the line that opens it
//! and the closing `"""` on a line of its own when the text ends with a
//! newline; quotes are escaped only where three in a row would close it.
//!
//! Every canonical form is checked by parsing it back; when the parse does
//! not give the same text (whitespace-only lines interact with the dedent
//! rule of `"""` strings), the literal is written exactly as in the source.
//! Labels and quoted keys holding `${` are also written as in the source.
//! Interpolations are written `${a.b}`; comments inside one are moved out
//! of the string by the writer.

use super::super::ast::{Expr, ExprKind, Item, StrLit, StrPart};
use super::writer::INDENT;
use crate::source::FileId;
use crate::syntax::parse;

/// The literal's text: canonical when that round-trips, else `source`.
pub fn literal(s: &StrLit, source: &str, indent: usize) -> String {
    let canonical = if s.multiline {
        multiline(&s.parts, indent)
    } else {
        plain(&s.parts)
    };
    if reparses_to(&canonical, s) {
        canonical
    } else {
        source.to_string()
    }
}

/// A quoted label or key: canonical unless its source holds `${`.
pub fn quoted_name(value: &str, source: &str) -> String {
    if source.contains("${") {
        source.to_string()
    } else {
        plain(&[StrPart::Text(value.to_string())])
    }
}

fn reparses_to(canonical: &str, s: &StrLit) -> bool {
    let text = format!("let x = {canonical}");
    let (file, diags) = parse(FileId(0), &text);
    if !diags.is_empty() {
        return false;
    }
    match file.items.first() {
        Some(Item::Let(l)) => match &l.value {
            Expr {
                kind: ExprKind::Str(t),
                ..
            } => t.multiline == s.multiline && same_parts(&t.parts, &s.parts),
            _ => false,
        },
        _ => false,
    }
}

fn same_parts(a: &[StrPart], b: &[StrPart]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (StrPart::Text(x), StrPart::Text(y)) => x == y,
            (StrPart::Interp(x), StrPart::Interp(y)) => x.dotted() == y.dotted(),
            _ => false,
        })
}

/// `"…"` with canonical escapes.
pub fn plain(parts: &[StrPart]) -> String {
    let mut out = String::from("\"");
    for p in parts {
        match p {
            StrPart::Text(t) => escape_into(&mut out, t, false),
            StrPart::Interp(path) => {
                out.push_str("${");
                out.push_str(&path.dotted());
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// `"""` with the text's lines one level deeper than `indent`.
fn multiline(parts: &[StrPart], indent: usize) -> String {
    if parts.is_empty() {
        return "\"\"\"\"\"\"".to_string();
    }
    let inner = INDENT.repeat(indent + 1);
    let mut body = String::new();
    for p in parts {
        match p {
            StrPart::Text(t) => escape_into(&mut body, t, true),
            StrPart::Interp(path) => {
                body.push_str("${");
                body.push_str(&path.dotted());
                body.push('}');
            }
        }
    }
    let mut out = String::from("\"\"\"\n");
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            out.push_str(&inner);
            out.push_str(line);
        }
    }
    if body.ends_with('\n') {
        out.push_str(&INDENT.repeat(indent));
    }
    out.push_str("\"\"\"");
    out
}

/// Escapes `t` into `out`. In a `"""` string newlines, tabs and lone quotes
/// stay as they are.
fn escape_into(out: &mut String, t: &str, multiline: bool) {
    let mut rest = t;
    while let Some(c) = rest.chars().next() {
        if let Some(gha) = github_expression(rest) {
            out.push_str(gha);
            rest = &rest[gha.len()..];
            continue;
        }
        let after = &rest[c.len_utf8()..];
        match c {
            '\\' => out.push_str("\\\\"),
            '"' if !multiline || after.is_empty() || after.starts_with('"') => out.push_str("\\\""),
            '\n' if !multiline => out.push_str("\\n"),
            '\t' if !multiline => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '$' if after.starts_with('{') => out.push_str("\\$"),
            _ => out.push(c),
        }
        rest = after;
    }
}

/// A `${{ … }}` GitHub expression at the start of `t`, written verbatim.
fn github_expression(t: &str) -> Option<&str> {
    let body = t.strip_prefix("${{")?;
    let end = body.find("}}")?;
    Some(&t[..3 + end + 2])
}
