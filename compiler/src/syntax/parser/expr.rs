//! Expressions, numbers and strings (escapes, `"""` dedent) from pairs.

use super::{ident_of, key_path_of, Ctx, Rule, P};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::*;

pub(super) fn expr_of(ctx: &mut Ctx, p: P) -> Expr {
    let span = ctx.span(&p);
    let mut it = p.into_inner();
    let first = primary_of(ctx, it.next().expect("grammar: expr has a primary"));
    match (it.next(), it.next()) {
        (Some(_), Some(hi)) => {
            let hi = primary_of(ctx, hi);
            Expr {
                kind: ExprKind::Range(Box::new(first), Box::new(hi)),
                span,
            }
        }
        _ => first,
    }
}

fn primary_of(ctx: &mut Ctx, p: P) -> Expr {
    let span = ctx.span(&p);
    let kind = match p.as_rule() {
        Rule::string | Rule::mstring => ExprKind::Str(str_of(ctx, p)),
        Rule::number => ExprKind::Number(Box::new(number_of(ctx, p))),
        Rule::boolean => ExprKind::Bool(p.as_str() == "true"),
        Rule::null => ExprKind::Null,
        Rule::list => ExprKind::List(p.into_inner().map(|e| expr_of(ctx, e)).collect()),
        Rule::object => ExprKind::Object(p.into_inner().map(|e| obj_entry_of(ctx, e)).collect()),
        _ => match p.as_str() {
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "null" => ExprKind::Null,
            _ => ExprKind::Path(path_of(ctx, p)),
        },
    };
    Expr { kind, span }
}

fn obj_entry_of(ctx: &mut Ctx, p: P) -> ObjEntry {
    let span = ctx.span(&p);
    let mut it = p.into_inner();
    let path = key_path_of(ctx, it.next().expect("grammar: obj_entry has a key"));
    let value = expr_of(ctx, it.next().expect("grammar: obj_entry has an expr"));
    ObjEntry { path, value, span }
}

fn path_of(ctx: &Ctx, p: P) -> Path {
    let span = ctx.span(&p);
    let segments = p.into_inner().map(|s| ident_of(ctx, &s)).collect();
    Path { segments, span }
}

pub(super) fn number_of(ctx: &mut Ctx, p: P) -> NumberLit {
    let span = ctx.span(&p);
    let text = p.as_str();
    let unit_len = p.into_inner().next().map_or(0, |u| u.as_str().len());
    let (lit, diag) = number_lit(text, unit_len, span);
    ctx.diags.extend(diag);
    lit
}

/// The literal `text` (its last `unit_len` bytes its unit), with E0005
/// when it does not fit (it is then read as 0).
pub(super) fn number_lit(
    text: &str,
    unit_len: usize,
    span: Span,
) -> (NumberLit, Option<Diagnostic>) {
    let digits = &text[..text.len() - unit_len];
    // Most literals have no `_` separators: read in place, not copied.
    let clean: std::borrow::Cow<str> = if digits.contains('_') {
        digits.replace('_', "").into()
    } else {
        digits.into()
    };
    let integer = !clean.contains(['.', 'e', 'E']);
    let value = clean.parse::<f64>().unwrap_or(f64::NAN);
    let fits = value.is_finite() && !(integer && clean.parse::<i64>().is_err());
    let lit = NumberLit {
        value: if value.is_finite() { value } else { 0.0 },
        integer,
        text: text.to_string(),
        unit_len,
        span,
    };
    if fits {
        return (lit, None);
    }
    let diag = Diagnostic::new(
        Code::E0005,
        span,
        format!("the number `{digits}` is too large"),
    )
    .label("out of range")
    .help("numbers must fit in a signed 64-bit integer");
    (lit, Some(diag))
}

pub(super) fn str_of(ctx: &mut Ctx, p: P) -> StrLit {
    let span = ctx.span(&p);
    let multiline = p.as_rule() == Rule::mstring;
    let mut parts: Vec<StrPart> = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::interp => {
                let path = path_of(
                    ctx,
                    c.into_inner().next().expect("grammar: interp has a path"),
                );
                parts.push(StrPart::Interp(path));
            }
            Rule::escape => {
                let t = escape_of(ctx, &c);
                push_text(&mut parts, &t);
            }
            _ => push_text(&mut parts, c.as_str()),
        }
    }
    if multiline {
        dedent(&mut parts);
    }
    parts.retain(|p| !matches!(p, StrPart::Text(t) if t.is_empty()));
    StrLit {
        parts,
        multiline,
        span,
    }
}

pub(super) fn push_text(parts: &mut Vec<StrPart>, t: &str) {
    if let Some(StrPart::Text(last)) = parts.last_mut() {
        last.push_str(t);
    } else {
        parts.push(StrPart::Text(t.to_string()));
    }
}

fn escape_of(ctx: &mut Ctx, p: &P) -> String {
    let s = p.as_str();
    let c = s[1..].chars().next().unwrap_or(' ');
    if let Some(t) = escaped(c) {
        return t.to_string();
    }
    ctx.diags.push(
        Diagnostic::new(Code::E0003, ctx.span(p), format!("unknown escape `\\{c}`"))
            .label("not an escape")
            .help("the escapes are \\n \\t \\r \\0 \\\" \\\\ and \\$; write \\\\ for a backslash"),
    );
    s.to_string()
}

/// The text the escape `\c` stands for; `None` when it is not an escape.
pub(super) fn escaped(c: char) -> Option<&'static str> {
    Some(match c {
        'n' => "\n",
        't' => "\t",
        'r' => "\r",
        '0' => "\0",
        '"' => "\"",
        '\\' => "\\",
        '$' => "$",
        '\'' => "'",
        '\n' => "",
        _ => return None,
    })
}

/// `"""` strings: drop the first newline and the closing line's indentation,
/// and remove the common indentation of the lines.
pub(super) fn dedent(parts: &mut [StrPart]) {
    if let Some(StrPart::Text(first)) = parts.first_mut() {
        if let Some(rest) = first
            .strip_prefix('\n')
            .or_else(|| first.strip_prefix("\r\n"))
        {
            *first = rest.to_string();
        }
    }
    if let Some(StrPart::Text(last)) = parts.last_mut() {
        if let Some(i) = last.rfind('\n') {
            if last[i + 1..].trim().is_empty() {
                last.truncate(i + 1);
            }
        }
    }
    let indent = common_indent(parts);
    if indent == 0 {
        return;
    }
    let mut at_line_start = true;
    for p in parts.iter_mut() {
        if let StrPart::Text(t) = p {
            *t = strip_indent(t, indent, at_line_start);
            at_line_start = t.ends_with('\n');
        } else {
            at_line_start = false;
        }
    }
}

fn common_indent(parts: &[StrPart]) -> usize {
    let mut min = usize::MAX;
    let mut at_line_start = true;
    for p in parts {
        match p {
            StrPart::Text(t) => {
                for (i, line) in t.split('\n').enumerate() {
                    if (i > 0 || at_line_start) && !line.trim().is_empty() {
                        min = min.min(line.len() - line.trim_start_matches([' ', '\t']).len());
                    }
                }
                at_line_start = t.ends_with('\n');
            }
            StrPart::Interp(_) => at_line_start = false,
        }
    }
    if min == usize::MAX {
        0
    } else {
        min
    }
}

fn strip_indent(t: &str, indent: usize, at_line_start: bool) -> String {
    let mut out = String::with_capacity(t.len());
    for (i, line) in t.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if i > 0 || at_line_start {
            let ws = line.len() - line.trim_start_matches([' ', '\t']).len();
            out.push_str(&line[ws.min(indent)..]);
        } else {
            out.push_str(line);
        }
    }
    out
}
