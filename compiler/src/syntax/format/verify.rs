//! The formatter's safety check: the output must parse to the same tree
//! (spans aside) and hold the same comments, in the same order.

use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::trivia;

/// `Ok` when `out` means what `before` (parsed from `text`) meant.
pub fn same_meaning(before: &File, text: &str, out: &str) -> Result<(), String> {
    let (mut after, diags) = crate::syntax::parse(before.id, out);
    if let Some(d) = diags.first() {
        return Err(format!("the formatted text does not parse: {}", d.message));
    }
    let mut before = before.clone();
    erase_spans(&mut before);
    erase_spans(&mut after);
    if let Some(i) = (0..before.items.len().max(after.items.len()))
        .find(|&i| before.items.get(i) != after.items.get(i))
    {
        return Err(format!("item {} would change", i + 1));
    }
    if comment_texts(text) != comment_texts(out) {
        return Err("a comment would be lost or moved out of order".into());
    }
    Ok(())
}

/// The comments of `text`, each line without its indentation (the
/// formatter re-indents the later lines of block comments).
pub fn comment_texts(text: &str) -> Vec<String> {
    trivia::comments(text)
        .into_iter()
        .map(|c| {
            c.text
                .lines()
                .map(str::trim_start)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// Sets every span in the tree to the default span, so two trees compare
/// equal when they differ only in layout.
pub fn erase_spans(file: &mut File) {
    file.span = Span::default();
    file.items.iter_mut().for_each(item);
}

fn item(it: &mut Item) {
    match it {
        Item::Import(i) => {
            docs(&mut i.docs);
            str_lit(&mut i.path);
            i.alias.iter_mut().for_each(ident);
            i.span = Span::default();
        }
        Item::Let(l) => {
            docs(&mut l.docs);
            ident(&mut l.name);
            expr(&mut l.value);
            l.span = Span::default();
        }
        Item::Block(b) => block(b),
        Item::Type(t) => type_decl(t),
        Item::Enum(e) => {
            docs(&mut e.docs);
            ident(&mut e.name);
            for (d, v) in &mut e.variants {
                docs(d);
                ident(v);
            }
            e.span = Span::default();
        }
        Item::Union(u) => {
            docs(&mut u.docs);
            ident(&mut u.name);
            for (d, k, t) in &mut u.arms {
                docs(d);
                ident(k);
                ident(t);
            }
            u.span = Span::default();
        }
        Item::Error(s) => *s = Span::default(),
    }
}

fn docs(d: &mut Docs) {
    d.span = d.span.map(|_| Span::default());
}

fn ident(i: &mut Ident) {
    i.span = Span::default();
}

fn block(b: &mut Block) {
    docs(&mut b.docs);
    ident(&mut b.kind);
    b.labels.iter_mut().for_each(|l| l.span = Span::default());
    b.templates.iter_mut().for_each(ident);
    b.body.span = Span::default();
    for e in &mut b.body.entries {
        match e {
            Entry::Attr(a) => {
                docs(&mut a.docs);
                keys(&mut a.path);
                expr(&mut a.value);
                a.span = Span::default();
            }
            Entry::Block(b) => block(b),
            Entry::Error(e) => {
                keys(&mut e.path);
                e.span = Span::default();
            }
        }
    }
    b.span = Span::default();
}

fn keys(path: &mut [Key]) {
    path.iter_mut().for_each(|k| k.span = Span::default());
}

fn expr(e: &mut Expr) {
    match &mut e.kind {
        ExprKind::Str(s) => str_lit(s),
        ExprKind::Number(n) => n.span = Span::default(),
        ExprKind::Bool(_) | ExprKind::Null => {}
        ExprKind::List(items) => items.iter_mut().for_each(expr),
        ExprKind::Object(entries) => {
            for en in entries {
                keys(&mut en.path);
                expr(&mut en.value);
                en.span = Span::default();
            }
        }
        ExprKind::Path(p) => path(p),
        ExprKind::Range(lo, hi) => {
            expr(lo);
            expr(hi);
        }
    }
    e.span = Span::default();
}

fn path(p: &mut Path) {
    p.segments.iter_mut().for_each(ident);
    p.span = Span::default();
}

fn str_lit(s: &mut StrLit) {
    for part in &mut s.parts {
        if let StrPart::Interp(p) = part {
            path(p);
        }
    }
    s.span = Span::default();
}

fn type_decl(t: &mut TypeDecl) {
    docs(&mut t.docs);
    ident(&mut t.name);
    t.alias.iter_mut().for_each(type_expr);
    for f in &mut t.fields {
        docs(&mut f.docs);
        ident(&mut f.name);
        type_expr(&mut f.ty);
        if let Some(r) = &mut f.range {
            r.min.iter_mut().for_each(|n| n.span = Span::default());
            r.max.iter_mut().for_each(|n| n.span = Span::default());
            r.span = Span::default();
        }
        f.default.iter_mut().for_each(expr);
        f.span = Span::default();
    }
    t.span = Span::default();
}

fn type_expr(t: &mut TypeExpr) {
    match &mut t.kind {
        TypeExprKind::Named(n, arg) => {
            ident(n);
            arg.iter_mut().for_each(|a| type_expr(a));
        }
        TypeExprKind::List(inner) => type_expr(inner),
        TypeExprKind::Map(key, value) => {
            key.iter_mut().for_each(ident);
            type_expr(value);
        }
        TypeExprKind::Ref(k) => ident(k),
        TypeExprKind::Union(atoms) => atoms.iter_mut().for_each(type_expr),
    }
    t.span = Span::default();
}
