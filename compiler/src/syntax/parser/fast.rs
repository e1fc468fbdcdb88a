//! A direct reader for the common case: an item that parses.
//!
//! It follows `grammar.pest` rule by rule on bytes, with the same implicit
//! whitespace and comments between tokens and the same ordered choices,
//! and builds the nodes the pest path builds from its pairs. It never
//! decides what is an error: on anything it does not take (a syntax error,
//! a schema declaration, a number too large, an unknown escape, a dotted
//! block key) it returns `None` and the item is read again by pest, which
//! reports it. So the result for every input is the pest path's, which
//! `tests` checks on every `.stack` file of the repository and on thousands
//! of mutations of them; this module only makes the valid items cheap
//! (pest's generic state machine was two thirds of the front end's parse
//! time on the 5,000-service benchmark).

use super::expr::{dedent, escaped, number_lit, push_text};
use crate::source::{FileId, Span};
use crate::syntax::ast::*;

/// The item starting at `pos` (after trivia) and where it ends, when it
/// parses and holds nothing the pest path would report.
pub(super) fn item(file: FileId, text: &str, pos: usize) -> Option<(Item, usize)> {
    let r = Reader {
        t: text,
        b: text.as_bytes(),
        file,
    };
    r.item(pos)
}

struct Reader<'t> {
    t: &'t str,
    b: &'t [u8],
    file: FileId,
}

/// `v` in an allocation of its length: the tree lives as long as the
/// compilation, and most of its lists hold one to three items, which a
/// grown `Vec` would keep in room for four or eight.
fn exact<T>(v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        return v;
    }
    let mut w = Vec::with_capacity(v.len());
    w.extend(v);
    w
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

impl<'t> Reader<'t> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn at(&self, p: usize) -> u8 {
        self.b.get(p).copied().unwrap_or(0)
    }

    fn starts(&self, p: usize, s: &[u8]) -> bool {
        self.b.get(p..).is_some_and(|r| r.starts_with(s))
    }

    /// pest's implicit `(WHITESPACE | COMMENT)*`.
    fn skip(&self, mut p: usize) -> usize {
        let b = self.b;
        loop {
            match b.get(p) {
                Some(c) if (b'\t'..=b' ').contains(c) => p += 1,
                Some(0xEF) if self.starts(p, "\u{FEFF}".as_bytes()) => p += 3,
                Some(b'/') if self.starts(p, b"/*") => {
                    match super::super::trivia::block_comment_end(b, p) {
                        Some(e) => p = e,
                        None => return p,
                    }
                }
                // `//` is a comment unless a third `/` starts a doc
                // comment (`///` not followed by `/`).
                Some(b'/') if self.starts(p, b"//") => {
                    if self.at(p + 2) == b'/' && (p + 3 >= b.len() || b[p + 3] != b'/') {
                        return p;
                    }
                    p = b[p..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(b.len(), |n| p + n);
                }
                _ => return p,
            }
        }
    }

    /// `kw` followed by something that cannot continue a name.
    fn keyword(&self, p: usize, kw: &str) -> bool {
        self.starts(p, kw.as_bytes()) && !ident_char(self.at(p + kw.len()))
    }

    /// `ident`: the end of the name at `p`.
    fn ident_end(&self, p: usize) -> Option<usize> {
        if !ident_start(self.at(p)) {
            return None;
        }
        let mut q = p + 1;
        while q < self.b.len() && ident_char(self.b[q]) {
            q += 1;
        }
        Some(q)
    }

    fn ident(&self, p: usize) -> Option<(Ident, usize)> {
        let q = self.ident_end(p)?;
        Some((
            Ident {
                name: self.t[p..q].to_string(),
                span: self.span(p, q),
            },
            q,
        ))
    }

    /// `doc*`: the docs and the end of the last one (`p` when none).
    fn docs(&self, p: usize) -> (Docs, usize) {
        let mut docs = Docs::default();
        let mut lines: Vec<&str> = Vec::new();
        let (mut end, mut q) = (p, p);
        while self.starts(q, b"///") {
            let line_end = self.b[q..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(self.b.len(), |n| q + n);
            let span = self.span(q, line_end);
            docs.span = Some(docs.span.map_or(span, |s| s.to(span)));
            let t = &self.t[q + 3..line_end];
            lines.push(t.strip_prefix(' ').unwrap_or(t).trim_end());
            end = line_end;
            q = self.skip(line_end);
        }
        docs.text = lines.join("\n");
        (docs, end)
    }

    /// `item`: `import | let_item | type_decl | enum_decl | union_decl | block`.
    fn item(&self, p: usize) -> Option<(Item, usize)> {
        // `item_start` is `SOI ~ item`: blanks the caller's trivia skip
        // leaves (form feeds, other control characters) come before the item.
        let p = self.skip(p);
        let (docs, q) = self.docs(p);
        let q = self.skip(q);
        if self.keyword(q, "import") {
            let (path, e) = self.string(self.skip(q + 6))?;
            let mut alias = None;
            // Without an alias, pest's `import` pair ends after the blanks
            // skipped looking for `as`.
            let a = self.skip(e);
            let mut end = a;
            if self.keyword(a, "as") {
                if let Some((name, e)) = self.ident(self.skip(a + 2)) {
                    alias = Some(name);
                    end = e;
                }
            }
            let span = self.span(p, end);
            return Some((
                Item::Import(Import {
                    docs,
                    path,
                    alias,
                    span,
                }),
                end,
            ));
        }
        if self.keyword(q, "let") {
            let (name, e) = self.ident(self.skip(q + 3))?;
            let e = self.skip(e);
            if self.at(e) != b'=' {
                return None;
            }
            let (value, end) = self.expr(self.skip(e + 1))?;
            let span = self.span(p, end);
            return Some((
                Item::Let(Let {
                    docs,
                    name,
                    value,
                    span,
                }),
                end,
            ));
        }
        if ["type", "enum", "union"].iter().any(|k| self.keyword(q, k)) {
            return None;
        }
        let (kind, e) = self.ident(q)?;
        let (block, end) = self.block(p, docs, kind, e)?;
        Some((Item::Block(block), end))
    }

    /// The block starting at `p` (at its docs) whose name `kind` ends at
    /// `e`: its labels, templates and body.
    fn block(&self, p: usize, docs: Docs, kind: Ident, e: usize) -> Option<(Block, usize)> {
        let (labels, templates, body, end) = self.block_tail(e)?;
        let block = Block {
            docs,
            kind,
            labels,
            templates,
            body,
            span: self.span(p, end),
        };
        Some((block, end))
    }

    /// `label* ~ templates? ~ body` after the block's name, which ends at `p`.
    fn block_tail(&self, p: usize) -> Option<(Vec<Label>, Vec<Ident>, Body, usize)> {
        let mut labels = Vec::new();
        let mut q = p;
        loop {
            let l = self.skip(q);
            let Some((label, e)) = self.label(l) else {
                break;
            };
            labels.push(label);
            q = e;
        }
        let mut templates = Vec::new();
        let c = self.skip(q);
        if self.at(c) == b':' {
            if let Some((first, mut e)) = self.ident(self.skip(c + 1)) {
                templates.push(first);
                loop {
                    let comma = self.skip(e);
                    if self.at(comma) != b',' {
                        break;
                    }
                    let Some((t, te)) = self.ident(self.skip(comma + 1)) else {
                        break;
                    };
                    templates.push(t);
                    e = te;
                }
                q = e;
            }
        }
        let (body, end) = self.body(self.skip(q))?;
        Some((exact(labels), exact(templates), body, end))
    }

    /// `label`: a string or a name.
    fn label(&self, p: usize) -> Option<(Label, usize)> {
        if self.at(p) == b'"' {
            let (s, e) = self.string(p)?;
            let label = Label {
                value: s.as_plain().unwrap_or_default(),
                quoted: true,
                span: s.span,
            };
            return Some((label, e));
        }
        let e = self.ident_end(p)?;
        let label = Label {
            value: self.t[p..e].to_string(),
            quoted: false,
            span: self.span(p, e),
        };
        Some((label, e))
    }

    /// `body`: `{ (entry (,|;)?)* }`.
    fn body(&self, p: usize) -> Option<(Body, usize)> {
        if self.at(p) != b'{' {
            return None;
        }
        let mut entries = Vec::new();
        let mut q = self.skip(p + 1);
        while self.at(q) != b'}' {
            let (entry, e) = self.entry(q)?;
            entries.push(entry);
            q = self.skip(e);
            if matches!(self.at(q), b',' | b';') {
                q = self.skip(q + 1);
            }
        }
        let end = q + 1;
        Some((
            Body {
                entries: exact(entries),
                span: self.span(p, end),
            },
            end,
        ))
    }

    /// `entry`: `doc* key_path (= expr | label* templates? body)`.
    fn entry(&self, p: usize) -> Option<(Entry, usize)> {
        let (docs, q) = self.docs(p);
        let (path, e) = self.key_path(self.skip(q))?;
        let a = self.skip(e);
        if self.at(a) == b'=' {
            let (value, end) = self.expr(self.skip(a + 1))?;
            let span = self.span(p, end);
            return Some((
                Entry::Attr(Attr {
                    docs,
                    path,
                    value,
                    span,
                }),
                end,
            ));
        }
        // A nested block's key is one plain name (else the pest path
        // reports it).
        if path.len() > 1 || path[0].quoted {
            return None;
        }
        let first = path.into_iter().next()?;
        let kind = Ident {
            name: first.name,
            span: first.span,
        };
        let (block, end) = self.block(p, docs, kind, e)?;
        Some((Entry::Block(Box::new(block)), end))
    }

    /// `key_path`: `key (. key)*`, no blanks between.
    fn key_path(&self, p: usize) -> Option<(KeyPath, usize)> {
        let (first, mut e) = self.key(p)?;
        let mut path = KeyPath::new();
        path.push(first);
        while self.at(e) == b'.' {
            let Some((k, ke)) = self.key(e + 1) else {
                break;
            };
            path.push(k);
            e = ke;
        }
        Some((path, e))
    }

    /// `key`: a string or a name.
    fn key(&self, p: usize) -> Option<(Key, usize)> {
        let (label, e) = self.label(p)?;
        Some((
            Key {
                name: label.value,
                quoted: label.quoted,
                span: label.span,
            },
            e,
        ))
    }

    /// `expr`: `primary (.. primary)?`. Where it ends is where pest's
    /// `expr` pair ends: without a range, after the blanks that were
    /// skipped looking for one (so an attribute's span takes them too; the
    /// value's own span does not).
    fn expr(&self, p: usize) -> Option<(Expr, usize)> {
        let (lo, e) = self.primary(p)?;
        let r = self.skip(e);
        if self.starts(r, b"..") {
            if let Some((hi, end)) = self.primary(self.skip(r + 2)) {
                let span = self.span(p, end);
                return Some((
                    Expr {
                        kind: ExprKind::Range(Box::new(lo), Box::new(hi)),
                        span,
                    },
                    end,
                ));
            }
        }
        Some((lo, r))
    }

    /// `primary`: `mstring | string | number | path | list | object`.
    fn primary(&self, p: usize) -> Option<(Expr, usize)> {
        let (kind, end) = match self.at(p) {
            b'"' => {
                // `"""` that does not close would be read by pest as an
                // empty `""` and more: left to pest.
                let (s, e) = if self.starts(p, b"\"\"\"") {
                    self.mstring(p)?
                } else {
                    self.string(p)?
                };
                (ExprKind::Str(s), e)
            }
            b'-' | b'0'..=b'9' => {
                let (n, e) = self.number(p)?;
                (ExprKind::Number(Box::new(n)), e)
            }
            b'[' => self.list(p)?,
            b'{' => self.object(p)?,
            _ => {
                let (path, e) = self.path(p)?;
                let kind = match &self.t[p..e] {
                    "true" => ExprKind::Bool(true),
                    "false" => ExprKind::Bool(false),
                    "null" => ExprKind::Null,
                    _ => ExprKind::Path(path),
                };
                (kind, e)
            }
        };
        Some((
            Expr {
                kind,
                span: self.span(p, end),
            },
            end,
        ))
    }

    /// `number`, with its unit; `None` when it does not fit (E0005 is
    /// pest's to report).
    fn number(&self, p: usize) -> Option<(NumberLit, usize)> {
        let digit = |q: usize| self.at(q).is_ascii_digit();
        let digits = |mut q: usize| {
            while digit(q) {
                q += 1;
            }
            q
        };
        let mut q = p;
        if self.at(q) == b'-' {
            q += 1;
        }
        if !digit(q) {
            return None;
        }
        q = digits(q);
        while self.at(q) == b'_' && digit(q + 1) {
            q = digits(q + 1);
        }
        if self.at(q) == b'.' && digit(q + 1) {
            q = digits(q + 1);
        }
        if matches!(self.at(q), b'e' | b'E') {
            let mut r = q + 1;
            if matches!(self.at(r), b'+' | b'-') {
                r += 1;
            }
            if digit(r) {
                r = digits(r);
                if !self.at(r).is_ascii_alphabetic() {
                    q = r;
                }
            }
        }
        let unit_start = q;
        if self.at(q).is_ascii_alphabetic() {
            while self.at(q).is_ascii_alphabetic() {
                q += 1;
            }
        } else if self.at(q) == b'%' {
            q += 1;
        }
        match number_lit(&self.t[p..q], q - unit_start, self.span(p, q)) {
            (lit, None) => Some((lit, q)),
            (_, Some(_)) => None,
        }
    }

    /// `path`: `ident (. path_seg)*`, no blanks between; a segment is a
    /// name or digits, and `..` is a range, not a segment.
    fn path(&self, p: usize) -> Option<(Path, usize)> {
        let (first, mut e) = self.ident(p)?;
        let mut segments = vec![first];
        while self.at(e) == b'.' && self.at(e + 1) != b'.' {
            let s = e + 1;
            let se = match self.ident_end(s) {
                Some(se) => se,
                None if self.at(s).is_ascii_digit() => {
                    let mut q = s;
                    while self.at(q).is_ascii_digit() {
                        q += 1;
                    }
                    q
                }
                None => break,
            };
            segments.push(Ident {
                name: self.t[s..se].to_string(),
                span: self.span(s, se),
            });
            e = se;
        }
        Some((
            Path {
                segments: exact(segments),
                span: self.span(p, e),
            },
            e,
        ))
    }

    /// `list`: `[ (expr (, expr)* ,?)? ]`.
    fn list(&self, p: usize) -> Option<(ExprKind, usize)> {
        let mut items = Vec::new();
        let mut q = self.skip(p + 1);
        if self.at(q) != b']' {
            let (first, e) = self.expr(q)?;
            items.push(first);
            q = self.skip(e);
            while self.at(q) == b',' {
                q = self.skip(q + 1);
                if self.at(q) == b']' {
                    break;
                }
                let (item, e) = self.expr(q)?;
                items.push(item);
                q = self.skip(e);
            }
        }
        if self.at(q) != b']' {
            return None;
        }
        Some((ExprKind::List(exact(items)), q + 1))
    }

    /// `object`: `{ (key_path = expr (,|;)?)* }`.
    fn object(&self, p: usize) -> Option<(ExprKind, usize)> {
        let mut entries = Vec::new();
        let mut q = self.skip(p + 1);
        while self.at(q) != b'}' {
            let (path, e) = self.key_path(q)?;
            let eq = self.skip(e);
            if self.at(eq) != b'=' {
                return None;
            }
            let (value, end) = self.expr(self.skip(eq + 1))?;
            entries.push(ObjEntry {
                path,
                value,
                span: self.span(q, end),
            });
            q = self.skip(end);
            if matches!(self.at(q), b',' | b';') {
                q = self.skip(q + 1);
            }
        }
        Some((ExprKind::Object(exact(entries)), q + 1))
    }

    /// `string`: `"…"`.
    fn string(&self, p: usize) -> Option<(StrLit, usize)> {
        if self.at(p) != b'"' {
            return None;
        }
        self.str_body(p, p + 1, false)
    }

    /// `mstring`: `"""…"""`, dedented.
    fn mstring(&self, p: usize) -> Option<(StrLit, usize)> {
        self.str_body(p, p + 3, true)
    }

    /// The parts of a string opened at `open` whose text starts at `q`:
    /// `(gha_expr | interp | escape | text)*` up to the closing quote(s).
    fn str_body(&self, open: usize, mut q: usize, multiline: bool) -> Option<(StrLit, usize)> {
        let b = self.b;
        let mut parts = Vec::new();
        let end = loop {
            let c = *b.get(q)?;
            if c == b'"' && (!multiline || self.starts(q, b"\"\"\"")) {
                break q + if multiline { 3 } else { 1 };
            }
            if self.starts(q, b"${{") {
                let close = b[q + 3..].windows(2).position(|w| w == b"}}")?;
                let e = q + 3 + close + 2;
                push_text(&mut parts, &self.t[q..e]);
                q = e;
            } else if self.starts(q, b"${") {
                // `interp` is not atomic: blanks and comments may surround the path.
                let (path, e) = self.path(self.skip(q + 2))?;
                let e = self.skip(e);
                if self.at(e) != b'}' {
                    return None;
                }
                parts.push(StrPart::Interp(path));
                q = e + 1;
            } else if c == b'\\' {
                let ch = self.t.get(q + 1..)?.chars().next()?;
                push_text(&mut parts, escaped(ch)?);
                q += 1 + ch.len_utf8();
            } else {
                let start = q;
                while q < b.len() {
                    let c = b[q];
                    let stop = if multiline {
                        self.starts(q, b"\"\"\"") || c == b'\\' || self.starts(q, b"${")
                    } else {
                        c == b'"' || c == b'\\' || self.starts(q, b"${")
                    };
                    if stop {
                        break;
                    }
                    q += 1;
                }
                push_text(&mut parts, &self.t[start..q]);
            }
        };
        if multiline {
            dedent(&mut parts);
        }
        parts.retain(|p| !matches!(p, StrPart::Text(t) if t.is_empty()));
        Some((
            StrLit {
                parts: exact(parts),
                multiline,
                span: self.span(open, end),
            },
            end,
        ))
    }
}

#[cfg(test)]
mod tests;
