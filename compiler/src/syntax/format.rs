//! Canonical formatting (`stackc fmt`, the LSP's formatting request).
//!
//! Input: one file's text. Output: the same file written canonically, or
//! the reason it was left alone ([`FormatError`]).
//!
//! The canonical form: four spaces per level; one attribute, block or
//! declaration per line; `key = value` with single spaces; block heads as
//! `kind label "label" : template, other {`; an empty body as `{}`; at most
//! one blank line wherever the source had blank lines, none after an opening
//! bracket or before a closing one; lists and objects on one line when they
//! fit in 100 columns (see `expr`), strings re-escaped (see `strings`),
//! numbers and units exactly as written, `/// doc` lines with one space.
//!
//! Invariants:
//! * Nothing is lost. Every `//` and `/* */` comment is written exactly once
//!   and in source order (`writer`): leading comments on their own lines,
//!   trailing ones on the line of what they follow, comments inside an
//!   entry next to the token they preceded.
//! * The meaning is unchanged, and this is checked, not hoped: the output
//!   is parsed again and must give the same tree modulo spans and the same
//!   comments (`verify`); if not, formatting is refused with
//!   [`FormatError::Unsafe`] and the file is left as it was.
//! * A file with syntax errors is not formatted ([`FormatError::Syntax`]).
//! * Formatting is idempotent: `format(format(x)) == format(x)` (tested over
//!   every fixture and example, and by the property tests).

mod expr;
mod strings;
mod verify;
mod writer;

use super::ast::{
    Block, Docs, Entry, EnumDecl, File, Ident, Import, Item, Let, TypeDecl, UnionDecl,
};
use super::trivia;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};
use writer::Writer;

pub use verify::{comment_texts, erase_spans};

/// Why a file was not formatted.
#[derive(Debug, Clone)]
pub enum FormatError {
    /// The file does not parse; these are its syntax errors.
    Syntax(Vec<Diagnostic>),
    /// The formatted text would not mean the same (a formatter bug); the
    /// message says what differed.
    Unsafe(String),
}

/// Formats one file. `file` is the id its diagnostics should carry.
pub fn format(text: &str, file: FileId) -> Result<String, FormatError> {
    let (ast, diags) = super::parse(file, text);
    if !diags.is_empty() {
        return Err(FormatError::Syntax(diags));
    }
    let out = print(&ast, text);
    verify::same_meaning(&ast, text, &out).map_err(FormatError::Unsafe)?;
    Ok(out)
}

/// Writes a parsed, error-free file canonically (no verification).
fn print(file: &File, text: &str) -> String {
    let mut p = Printer {
        w: Writer::new(text, trivia::comments(text)),
    };
    for item in &file.items {
        p.w.leading(item.span().start as usize, false);
        p.item(item);
        p.w.trailing();
    }
    p.w.leading(text.len(), true);
    p.w.finish()
}

struct Printer<'a> {
    w: Writer<'a>,
}

impl<'a> Printer<'a> {
    fn slice(&self, span: Span) -> &'a str {
        self.w.source().get(span.range()).unwrap_or("")
    }

    fn ident(&mut self, id: &Ident) {
        self.w
            .token(id.span.start as usize, id.span.end as usize, &id.name);
    }

    /// A keyword at the start of an item whose docs (if any) end before it.
    fn keyword(&mut self, item: Span, docs: &Docs, kw: &str) {
        let from = docs.span.map_or(item.start, |d| d.end) as usize;
        let at = self.w.code_after(from);
        self.w.leading(at, false);
        self.w.token(at, at + kw.len(), kw);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Import(i) => self.import(i),
            Item::Let(l) => self.let_item(l),
            Item::Block(b) => self.block(b),
            Item::Type(t) => self.type_decl(t),
            Item::Enum(e) => self.enum_decl(e),
            Item::Union(u) => self.union_decl(u),
            Item::Error(span) => self.verbatim(*span),
        }
    }

    /// Text that did not parse, as written.
    fn verbatim(&mut self, span: Span) {
        let end = self.w.code_end(span.end as usize);
        let text = self.w.source().get(span.start as usize..end).unwrap_or("");
        self.w.token(span.start as usize, end, text);
    }

    /// `///` lines as in the source (one space after the slashes), with the
    /// comments between them.
    fn docs(&mut self, docs: &Docs) {
        let Some(span) = docs.span else { return };
        let text = self.w.source();
        let mut i = span.start as usize;
        while i < span.end as usize {
            if let Some(end) = self.w.comment_at(i) {
                i = end;
            } else if text.as_bytes()[i..].starts_with(b"///") {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let line = &text[i + 3..end];
                let line = line.strip_prefix(' ').unwrap_or(line).trim_end();
                self.w.leading(i, false);
                let doc = if line.is_empty() {
                    "///".to_string()
                } else {
                    format!("/// {line}")
                };
                self.w.token(i, end, &doc);
                i = end;
            } else {
                i += 1;
            }
        }
    }

    fn import(&mut self, i: &Import) {
        self.docs(&i.docs);
        self.keyword(i.span, &i.docs, "import");
        self.w.gap();
        self.w.flush_to(i.path.span.start as usize);
        self.string(&i.path);
        if let Some(alias) = &i.alias {
            self.w.gap();
            self.w.write("as");
            self.w.gap();
            self.ident(alias);
        }
    }

    fn let_item(&mut self, l: &Let) {
        self.docs(&l.docs);
        self.keyword(l.span, &l.docs, "let");
        self.w.gap();
        self.ident(&l.name);
        self.equals();
        self.expr(&l.value);
    }

    fn block(&mut self, b: &Block) {
        self.docs(&b.docs);
        self.w.leading(b.kind.span.start as usize, false);
        self.ident(&b.kind);
        for label in &b.labels {
            self.w.gap();
            let text = if label.quoted {
                strings::quoted_name(&label.value, self.slice(label.span))
            } else {
                label.value.clone()
            };
            self.w
                .token(label.span.start as usize, label.span.end as usize, &text);
        }
        let mut prev = b.labels.last().map_or(b.kind.span, |l| l.span);
        for (i, t) in b.templates.iter().enumerate() {
            let at = self.w.code_after(prev.end as usize);
            if i == 0 {
                self.w.flush_to(at);
                self.w.gap();
            }
            self.w.token(at, at + 1, if i == 0 { ":" } else { "," });
            self.w.gap();
            self.ident(t);
            prev = t.span;
        }
        self.w.gap();
        self.body(b.body.span, &b.body.entries);
    }

    fn body(&mut self, span: Span, entries: &[Entry]) {
        let (start, end) = (span.start as usize, span.end as usize);
        self.w.token(start, start + 1, "{");
        if entries.is_empty() && !self.w.has_comment_before(end) {
            return self.w.token(end - 1, end, "}");
        }
        self.open_block();
        for e in entries {
            self.w.leading(e.span().start as usize, false);
            match e {
                Entry::Attr(a) => {
                    self.docs(&a.docs);
                    self.w.leading(a.path[0].span.start as usize, false);
                    self.keys(&a.path);
                    self.equals();
                    self.expr(&a.value);
                }
                Entry::Block(b) => self.block(b),
                Entry::Error(e) => self.verbatim(e.span),
            }
            self.w.trailing();
        }
        self.close_block(end);
    }

    /// `{` of a declaration, found after `from`; then its members, one per line.
    fn decl_body<T>(
        &mut self,
        from: usize,
        end: usize,
        members: &[T],
        mut each: impl FnMut(&mut Self, &T),
    ) {
        let open = self.w.code_after(from);
        self.w.gap();
        self.w.token(open, open + 1, "{");
        if members.is_empty() && !self.w.has_comment_before(end) {
            return self.w.token(end - 1, end, "}");
        }
        self.open_block();
        for m in members {
            each(self, m);
            self.w.trailing();
        }
        self.close_block(end);
    }

    fn type_decl(&mut self, t: &TypeDecl) {
        self.docs(&t.docs);
        self.keyword(t.span, &t.docs, "type");
        self.w.gap();
        self.ident(&t.name);
        if let Some(alias) = &t.alias {
            self.equals();
            return self.type_expr(alias);
        }
        let (from, end) = (t.name.span.end as usize, t.span.end as usize);
        self.decl_body(from, end, &t.fields, |p, f| {
            p.docs(&f.docs);
            p.w.leading(f.name.span.start as usize, false);
            p.ident(&f.name);
            p.w.write(":");
            p.w.gap();
            p.type_expr(&f.ty);
            if let Some(r) = &f.range {
                p.w.gap();
                p.w.write("in");
                p.w.gap();
                p.w.flush_to(r.span.start as usize);
                let min = r.min.as_ref().map_or("", |n| n.text.as_str());
                let max = r.max.as_ref().map_or("", |n| n.text.as_str());
                let end = p.w.code_end(r.span.end as usize);
                p.w.token(r.span.start as usize, end, &format!("{min}..{max}"));
            }
            if let Some(d) = &f.default {
                p.equals();
                p.expr(d);
            }
        });
    }

    fn enum_decl(&mut self, e: &EnumDecl) {
        self.docs(&e.docs);
        self.keyword(e.span, &e.docs, "enum");
        self.w.gap();
        self.ident(&e.name);
        let (from, end) = (e.name.span.end as usize, e.span.end as usize);
        self.decl_body(from, end, &e.variants, |p, (docs, v)| {
            p.docs(docs);
            p.w.leading(v.span.start as usize, false);
            p.ident(v);
        });
    }

    fn union_decl(&mut self, u: &UnionDecl) {
        self.docs(&u.docs);
        self.keyword(u.span, &u.docs, "union");
        self.w.gap();
        self.ident(&u.name);
        let (from, end) = (u.name.span.end as usize, u.span.end as usize);
        self.decl_body(from, end, &u.arms, |p, (docs, kw, ty)| {
            p.docs(docs);
            p.w.leading(kw.span.start as usize, false);
            p.ident(kw);
            p.equals();
            p.ident(ty);
        });
    }
}
