//! Values, keys and type expressions.
//!
//! A list or object goes on one line when it holds no comment, no `"""`
//! string, and fits in [`WIDTH`] columns from where it starts; otherwise
//! one element per line (lists keep a comma after every element, objects
//! use none, like block bodies).

use super::strings;
use super::Printer;
use crate::syntax::ast::{Expr, ExprKind, Key, ObjEntry, StrLit, TypeExpr, TypeExprKind};

/// The column a one-line list or object may reach.
pub const WIDTH: usize = 100;

impl Printer<'_> {
    pub(super) fn expr(&mut self, e: &Expr) {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        self.w.flush_to(start);
        match &e.kind {
            ExprKind::Str(s) => self.string(s),
            ExprKind::Number(n) => self.w.token(start, end, &n.text),
            ExprKind::Bool(b) => self.w.token(start, end, if *b { "true" } else { "false" }),
            ExprKind::Null => self.w.token(start, end, "null"),
            ExprKind::Path(p) => self.w.token(start, end, &p.dotted()),
            ExprKind::Range(lo, hi) => {
                self.expr(lo);
                let dots = self.w.code_after(lo.span.end as usize);
                self.w.token(dots, dots + 2, "..");
                self.expr(hi);
            }
            ExprKind::List(items) => self.list(e, items),
            ExprKind::Object(entries) => self.object(e, entries),
        }
    }

    pub(super) fn string(&mut self, s: &StrLit) {
        let text = strings::literal(s, self.slice(s.span), self.w.indent);
        self.w
            .token(s.span.start as usize, s.span.end as usize, &text);
    }

    /// `e` on one line, if it fits where the writer stands.
    fn one_line(&self, e: &Expr) -> Option<String> {
        if self.w.has_comment_before(e.span.end as usize) {
            return None;
        }
        let s = self.flat(e)?;
        (self.w.column() + s.chars().count() <= WIDTH).then_some(s)
    }

    /// `e` written on one line, or `None` when it cannot be.
    fn flat(&self, e: &Expr) -> Option<String> {
        let s = match &e.kind {
            ExprKind::Str(s) => strings::literal(s, self.slice(s.span), self.w.indent),
            ExprKind::Number(n) => n.text.clone(),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Null => "null".into(),
            ExprKind::Path(p) => p.dotted(),
            ExprKind::Range(lo, hi) => format!("{}..{}", self.flat(lo)?, self.flat(hi)?),
            ExprKind::List(items) => {
                let items: Option<Vec<String>> = items.iter().map(|i| self.flat(i)).collect();
                format!("[{}]", items?.join(", "))
            }
            ExprKind::Object(entries) if entries.is_empty() => "{}".into(),
            ExprKind::Object(entries) => {
                let entries: Option<Vec<String>> = entries
                    .iter()
                    .map(|en| {
                        Some(format!(
                            "{} = {}",
                            self.flat_keys(&en.path),
                            self.flat(&en.value)?
                        ))
                    })
                    .collect();
                format!("{{ {} }}", entries?.join(", "))
            }
        };
        (!s.contains('\n')).then_some(s)
    }

    fn list(&mut self, e: &Expr, items: &[Expr]) {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        if let Some(s) = self.one_line(e) {
            return self.w.token(start, end, &s);
        }
        self.w.token(start, start + 1, "[");
        self.open_block();
        for item in items {
            self.w.leading(item.span.start as usize, false);
            self.expr(item);
            self.w.write(",");
            self.w.trailing();
        }
        self.close_block(end);
    }

    fn object(&mut self, e: &Expr, entries: &[ObjEntry]) {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        if let Some(s) = self.one_line(e) {
            return self.w.token(start, end, &s);
        }
        self.w.token(start, start + 1, "{");
        self.open_block();
        for en in entries {
            self.w.leading(en.span.start as usize, false);
            self.keys(&en.path);
            self.equals();
            self.expr(&en.value);
            self.w.trailing();
        }
        self.close_block(end);
    }

    /// After an opening bracket: its trailing comment, one level deeper.
    pub(super) fn open_block(&mut self) {
        self.w.open();
        self.w.trailing();
        self.w.indent += 1;
    }

    /// The comments before the closing bracket at `end - 1`, then the bracket.
    pub(super) fn close_block(&mut self, end: usize) {
        self.w.leading(end - 1, true);
        self.w.indent -= 1;
        let close = &self.w.source()[end - 1..end];
        self.w.token(end - 1, end, close);
    }

    /// ` = ` between a key and its value.
    pub(super) fn equals(&mut self) {
        self.w.gap();
        self.w.write("=");
        self.w.gap();
    }

    pub(super) fn keys(&mut self, path: &[Key]) {
        for (i, k) in path.iter().enumerate() {
            if i > 0 {
                self.w.write(".");
            }
            let text = self.key_text(k);
            self.w
                .token(k.span.start as usize, k.span.end as usize, &text);
        }
    }

    fn flat_keys(&self, path: &[Key]) -> String {
        let keys: Vec<String> = path.iter().map(|k| self.key_text(k)).collect();
        keys.join(".")
    }

    fn key_text(&self, k: &Key) -> String {
        if k.quoted {
            strings::quoted_name(&k.name, self.slice(k.span))
        } else {
            k.name.clone()
        }
    }

    pub(super) fn type_expr(&mut self, t: &TypeExpr) {
        self.w.flush_to(t.span.start as usize);
        match &t.kind {
            TypeExprKind::Named(name, arg) => {
                self.ident(name);
                if let Some(arg) = arg {
                    self.w.write("<");
                    self.type_expr(arg);
                    self.w.write(">");
                }
            }
            TypeExprKind::List(inner) => {
                self.w.write("[");
                self.type_expr(inner);
                self.w.write("]");
            }
            TypeExprKind::Map(key, value) => {
                self.w.write("{");
                if let Some(key) = key {
                    self.w.write("ref");
                    self.w.gap();
                    self.ident(key);
                    self.w.write(":");
                    self.w.gap();
                }
                self.type_expr(value);
                self.w.write("}");
            }
            TypeExprKind::Ref(kind) => {
                self.w.write("ref");
                self.w.gap();
                self.ident(kind);
            }
            TypeExprKind::Union(atoms) => self.union_type(atoms),
        }
        if t.optional && !matches!(t.kind, TypeExprKind::Union(_)) {
            self.w.write("?");
        }
    }

    fn union_type(&mut self, atoms: &[TypeExpr]) {
        for (i, a) in atoms.iter().enumerate() {
            if i > 0 {
                self.w.gap();
                self.w.write("|");
                self.w.gap();
            }
            self.type_expr(a);
        }
    }
}
