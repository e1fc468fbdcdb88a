//! Queries for editors over a finished compilation: what a position names,
//! where that is declared, every place that names it, and what to show
//! when hovering it.
//!
//! Nothing is checked again. The queries read what the stages already
//! produced: the symbol tables of `resolve` (where each item is declared),
//! the checked values of `check` (every reference is a `Ref` value carrying
//! the span it was written at), template lists and doc comments from the
//! syntax tree, and for `${service.…}` interpolations the source text of
//! the string that holds them.

use crate::resolve::ItemKind;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Block, Item};
use crate::value::{Ref, Val, ValKind};
use crate::Compilation;

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Service(String),
    Template(String),
    Secret(String),
    Config(String),
    Environment(String),
    Pipeline(String),
}

impl Target {
    fn kind(&self) -> (ItemKind, &str) {
        match self {
            Target::Service(n) => (ItemKind::Service, n),
            Target::Template(n) => (ItemKind::Template, n),
            Target::Secret(n) => (ItemKind::Secret, n),
            Target::Config(n) => (ItemKind::Config, n),
            Target::Environment(n) => (ItemKind::Environment, n),
            Target::Pipeline(n) => (ItemKind::Pipeline, n),
        }
    }

    /// `service `api``, for hover text.
    pub fn describe(&self) -> String {
        let (kind, name) = self.kind();
        let word = match kind {
            ItemKind::Service => "service",
            ItemKind::Template => "template",
            ItemKind::Secret => "secret",
            ItemKind::Config => "config",
            ItemKind::Environment => "environment",
            ItemKind::Pipeline => "pipeline",
            ItemKind::Stack => "stack",
        };
        format!("{word} `{name}`")
    }
}

/// One place the source names a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub span: Span,
    pub target: Target,
}

/// What hovering a position shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    /// The reference or declaration hovered.
    pub span: Span,
    /// Markdown: what it is and its doc comment.
    pub markdown: String,
}

/// Every reference in the user's files, in no particular order.
pub fn references_in(c: &Compilation) -> Vec<Reference> {
    let mut out = Vec::new();
    let ch = &c.checked;
    let vals = ch
        .stack
        .iter()
        .chain(ch.services.values())
        .chain(ch.templates.values())
        .chain(ch.secrets.values())
        .chain(ch.configs.values())
        .chain(ch.pipelines.values())
        .chain(ch.environments.values().flat_map(|o| {
            o.fields
                .iter()
                .chain(o.services.values())
                .chain(o.configs.values())
        }));
    for v in vals {
        collect(c, v, &mut out);
    }
    for (file, f) in c.program.files.iter().enumerate() {
        if c.program.map.is_stdlib(FileId(file as u32)) {
            continue;
        }
        for item in &f.items {
            if let Item::Block(b) = item {
                templates_of(b, &mut out);
            }
        }
    }
    out.retain(|r| !c.program.map.is_stdlib(r.span.file));
    out.sort_by_key(|r| (r.span, r.target.clone()));
    out.dedup();
    out
}

fn templates_of(b: &Block, out: &mut Vec<Reference>) {
    for t in &b.templates {
        out.push(Reference {
            span: t.span,
            target: Target::Template(t.name.clone()),
        });
    }
}

fn collect(c: &Compilation, v: &Val, out: &mut Vec<Reference>) {
    match &v.kind {
        ValKind::Ref(r) => {
            let target = match r {
                Ref::Service(n) => Some(Target::Service(n.clone())),
                Ref::Secret(n) => Some(Target::Secret(n.clone())),
                Ref::Config(n) => Some(Target::Config(n.clone())),
                Ref::ConfigKey(k) => Some(Target::Config(k.0.clone())),
                Ref::Environment(n) => Some(Target::Environment(n.clone())),
                Ref::Pipeline(n) => Some(Target::Pipeline(n.clone())),
                Ref::Port(_) | Ref::Job(_) => None,
            };
            if let Some(target) = target {
                out.push(Reference {
                    span: name_span(c, v.span, &target),
                    target,
                });
            }
        }
        ValKind::Interp(_) => interpolations(c, v.span, out),
        ValKind::List(items) => items.iter().for_each(|i| collect(c, i, out)),
        ValKind::Map(m) => m.values().for_each(|i| collect(c, i, out)),
        ValKind::Tagged(t) => collect(c, &t.2, out),
        ValKind::Range(a, b) => {
            collect(c, a, out);
            collect(c, b, out);
        }
        _ => {}
    }
}

/// The span of the name inside a reference expression: `kubeconfig` in
/// `secret.kubeconfig`, `shop` in `config.shop.KEY`.
fn name_span(c: &Compilation, span: Span, target: &Target) -> Span {
    let (_, name) = target.kind();
    let text = c.program.map.snippet(span);
    let prefixed = |p: &str| text.strip_prefix(p).is_some_and(|r| r.starts_with(name));
    let start = ["secret.", "config."]
        .iter()
        .find(|p| prefixed(p))
        .map_or_else(|| text.find(name).unwrap_or(0), |p| p.len());
    if text.get(start..start + name.len()) == Some(name) {
        let at = span.range().start + start;
        Span::new(span.file, at, at + name.len())
    } else {
        span
    }
}

/// `${NAME.…}` inside the string at `span`: a service (or `config.NAME`).
fn interpolations(c: &Compilation, span: Span, out: &mut Vec<Reference>) {
    let text = c.program.map.snippet(span);
    let mut from = 0;
    while let Some(i) = text[from..].find("${").map(|i| from + i) {
        let inner_start = i + 2;
        if text[inner_start..].starts_with('{') {
            // `${{ … }}`: a GitHub expression, passed through.
            from = inner_start + 1;
            continue;
        }
        let end = text[inner_start..]
            .find('}')
            .map_or(text.len(), |e| inner_start + e);
        let inner = &text[inner_start..end];
        let mut parts = inner.split('.');
        let first = parts.next().unwrap_or_default().trim();
        let (name, offset) = match first {
            "config" => {
                let n = parts.next().unwrap_or_default().trim();
                (n, inner_start + inner.find(n).unwrap_or(0))
            }
            "stack" | "environment" | "" => ("", 0),
            n => (n, inner_start + inner.find(n).unwrap_or(0)),
        };
        if !name.is_empty() {
            let target = if first == "config" {
                Target::Config(name.to_string())
            } else {
                Target::Service(name.to_string())
            };
            if c.program.symbols.table(target.kind().0).contains_key(name) {
                let at = span.range().start + offset;
                out.push(Reference {
                    span: Span::new(span.file, at, at + name.len()),
                    target,
                });
            }
        }
        from = end.max(inner_start);
    }
}

/// Where `target` is declared (its name).
pub fn definition(c: &Compilation, target: &Target) -> Option<Span> {
    let (kind, name) = target.kind();
    c.program.symbols.table(kind).get(name).map(|r| r.name_span)
}

/// The reference or declaration name at `offset` of `file`, and what it
/// names.
pub fn target_at(c: &Compilation, file: FileId, offset: usize) -> Option<(Span, Target)> {
    let hit = |s: Span| s.file == file && (s.range().contains(&offset) || s.range().end == offset);
    if let Some(r) = references_in(c).into_iter().find(|r| hit(r.span)) {
        return Some((r.span, r.target));
    }
    let s = &c.program.symbols;
    let tables: [(&dyn Fn(String) -> Target, _); 6] = [
        (&Target::Service, &s.services),
        (&Target::Template, &s.templates),
        (&Target::Secret, &s.secrets),
        (&Target::Config, &s.configs),
        (&Target::Environment, &s.environments),
        (&Target::Pipeline, &s.pipelines),
    ];
    tables.iter().find_map(|(make, table)| {
        table
            .iter()
            .find(|(_, r)| hit(r.name_span))
            .map(|(n, r)| (r.name_span, make(n.clone())))
    })
}

/// Every place that names `target`, the declaration first when asked.
pub fn references(c: &Compilation, target: &Target, with_declaration: bool) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    if with_declaration {
        spans.extend(definition(c, target));
    }
    spans.extend(
        references_in(c)
            .into_iter()
            .filter(|r| &r.target == target)
            .map(|r| r.span),
    );
    spans
}

/// What hovering `offset` of `file` shows: the target and its doc comment.
pub fn hover(c: &Compilation, file: FileId, offset: usize) -> Option<Hover> {
    let (span, target) = target_at(c, file, offset)?;
    let mut markdown = format!("**{}**", target.describe());
    if let Some(docs) = docs_of(c, &target) {
        markdown.push_str("\n\n");
        markdown.push_str(docs.trim());
    }
    if let Some(decl) = definition(c, &target) {
        let (line, _) = c.program.map.line_col(decl);
        let name = c.program.map.name(decl.file);
        markdown.push_str(&format!("\n\n*declared at {name}:{line}*"));
    }
    Some(Hover { span, markdown })
}

/// The `///` doc comment of the item that declares `target`.
fn docs_of<'a>(c: &'a Compilation, target: &Target) -> Option<&'a str> {
    let (kind, name) = target.kind();
    let r = c.program.symbols.table(kind).get(name)?;
    match c.program.files.get(r.file)?.items.get(r.item)? {
        Item::Block(b) => Some(b.docs.text.as_str()).filter(|d| !d.trim().is_empty()),
        _ => None,
    }
}
