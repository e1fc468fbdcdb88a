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

pub mod preview;
pub mod rename;
pub mod tokens;

use crate::check::schema::{FieldDef, Schema, Ty};
use crate::resolve::ItemKind;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Block, Body, Entry, Item};
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
                .chain(o.defaults.iter().map(|d| &d.value))
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

/// What hovering `offset` of `file` shows: for a reference or declaration,
/// what it names and its doc comment; for a field's key, its type, default
/// and documentation.
pub fn hover(c: &Compilation, file: FileId, offset: usize) -> Option<Hover> {
    let Some((span, target)) = target_at(c, file, offset) else {
        return hover_key(c, file, offset);
    };
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

// ---------------------------------------------------------------- the schema at a position

/// The record type a top-level block's body follows (`None`: free keys,
/// as in `config`).
fn item_record(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "stack" => "Stack",
        "service" | "template" => "Service",
        "secret" => "Secret",
        "environment" => "Environment",
        "pipeline" => "Pipeline",
        _ => return None,
    })
}

/// Where `offset` is in the schema: the record of the innermost block
/// body around it, the entries already written there, and the field
/// whose key (or block keyword) is under the offset.
struct Place<'a> {
    record: Option<usize>,
    /// Keywords of a union's arms, when the body holds `union` blocks
    /// (`steps { checkout {} }`).
    tagged: Option<usize>,
    written: Vec<&'a str>,
    key: Option<(Span, &'a FieldDef)>,
    /// Inside a top-level item's body (else between items, or on an
    /// item's keyword, name or doc comment).
    in_item: bool,
    /// The service whose body holds the position (a `service` item, or an
    /// environment's overlay of one), and the key path from its root to
    /// the hovered key (`["port", "http", "container"]`).
    service: Option<String>,
    path: Vec<String>,
    /// The field whose value (after `=`) the position is in.
    value_of: Option<&'a FieldDef>,
}

/// Whether `offset` is in `s`; at its very end too, where a cursor sits
/// right after a word.
fn contains(s: Span, offset: usize) -> bool {
    s.range().contains(&offset) || s.range().end == offset
}

/// The entry of `body` under `offset`: strictly inside one, else one that
/// ends right there.
fn entry_at(body: &Body, offset: usize) -> Option<&Entry> {
    // An entry's span may run on over the blank lines after it; it ends
    // with its value or its closing brace.
    let written = |e: &Entry| {
        let (start, end) = match e {
            Entry::Attr(a) => (a.span, a.value.span),
            Entry::Block(b) => (b.span, b.body.span),
            Entry::Error(e) => (e.span, e.span),
        };
        Span::new(start.file, start.range().start, end.range().end)
    };
    let entries = &body.entries;
    entries
        .iter()
        .find(|e| written(e).range().contains(&offset))
        .or_else(|| entries.iter().find(|e| contains(written(e), offset)))
}

/// The record or union a field's type opens as a block body.
fn opens(ty: &Ty) -> (Option<usize>, Option<usize>) {
    match ty {
        Ty::Record(i) => (Some(*i), None),
        Ty::Map(_, inner) | Ty::List(inner) => opens(inner),
        Ty::Tagged(t) => (None, Some(*t)),
        _ => (None, None),
    }
}

fn place<'a>(c: &'a Compilation, file: FileId, offset: usize) -> Option<Place<'a>> {
    let schema: &'a Schema = c.schema;
    let f = c.program.files.iter().find(|f| f.id == file)?;
    let mut p = Place {
        record: None,
        tagged: None,
        written: Vec::new(),
        key: None,
        in_item: false,
        service: None,
        path: Vec::new(),
        value_of: None,
    };
    let Some(Item::Block(b)) = f.items.iter().find(|i| contains(i.span(), offset)) else {
        return Some(p);
    };
    if !b.body.span.range().contains(&offset) {
        // On the item's doc comment, keyword or name.
        return Some(p);
    }
    p.in_item = true;
    p.record = item_record(&b.kind.name).and_then(|r| schema.record(r));
    if b.kind.name == "service" {
        p.service = b.name().map(|l| l.value.clone());
    }
    let mut body: &'a Body = &b.body;
    let mut in_environment = b.kind.name == "environment";
    loop {
        p.written = body
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Attr(a) => Some(a.path[0].name.as_str()),
                Entry::Block(b) => Some(b.kind.name.as_str()),
                // Being typed: not yet written.
                Entry::Error(_) => None,
            })
            .collect();
        let Some(entry) = entry_at(body, offset) else {
            return Some(p);
        };
        match entry {
            Entry::Attr(a) => {
                let mut rec = p.record;
                let mut last = None;
                for k in &a.path {
                    let field = rec.and_then(|r| schema.records[r].fields.get(&k.name));
                    p.path.push(k.name.clone());
                    if contains(k.span, offset) {
                        p.key = field.map(|f| (k.span, f));
                        return Some(p);
                    }
                    rec = field.and_then(|f| opens(&f.ty).0);
                    last = field;
                }
                if offset >= a.key_span().range().end {
                    p.value_of = last;
                }
                return Some(p);
            }
            // Being typed (`rep`, `image = `): its key, if read, and
            // after `=` the value of that field.
            Entry::Error(e) => {
                let mut rec = p.record;
                let mut last = None;
                for k in &e.path {
                    let field = rec.and_then(|r| schema.records[r].fields.get(&k.name));
                    if contains(k.span, offset) {
                        p.key = field.map(|f| (k.span, f));
                        return Some(p);
                    }
                    p.path.push(k.name.clone());
                    rec = field.and_then(|f| opens(&f.ty).0);
                    last = field;
                }
                let key_end = e.path.last().map_or(e.span.start, |k| k.span.end) as usize;
                let text = c.program.map.text(file);
                let after = text.get(key_end..offset.max(key_end)).unwrap_or("");
                if !e.path.is_empty() && after.trim_start().starts_with('=') {
                    p.value_of = last;
                }
                return Some(p);
            }
            Entry::Block(inner) => {
                // An environment's `service NAME { … }` overlays a service;
                // its `services { … }` every service (or the named ones).
                let overlay =
                    in_environment && matches!(inner.kind.name.as_str(), "service" | "services");
                if overlay {
                    p.service = match inner.kind.name.as_str() {
                        "service" => inner.name().map(|l| l.value.clone()),
                        _ => None,
                    };
                    p.path.clear();
                } else {
                    p.path.push(inner.kind.name.clone());
                    p.path.extend(inner.name().map(|l| l.value.clone()));
                }
                let (rec, tagged, field) = if overlay {
                    (schema.record("Service"), None, None)
                } else if let Some(t) = p.tagged {
                    let arm = schema.tagged[t].arms.get(&inner.kind.name).copied();
                    (arm, None, None)
                } else {
                    let field = p
                        .record
                        .and_then(|r| schema.records[r].fields.get(&inner.kind.name));
                    let (rec, tagged) = field.map_or((None, None), |f| opens(&f.ty));
                    (rec, tagged, field)
                };
                if contains(inner.kind.span, offset) {
                    p.key = field.map(|f| (inner.kind.span, f));
                    return Some(p);
                }
                if !contains(inner.body.span, offset) {
                    return Some(p);
                }
                p.record = rec;
                p.tagged = tagged;
                body = &inner.body;
                in_environment = false;
            }
        }
    }
}

/// What a field is, for hover and completion details: its type, default
/// and doc comment.
fn field_markdown(c: &Compilation, f: &FieldDef) -> String {
    let mut md = format!("**`{}`**: {}", f.name, f.ty.describe(c.schema));
    if f.optional {
        md.push_str(" (optional)");
    }
    if let Some(d) = &f.default {
        md.push_str(&format!(" · default `{}`", c.program.map.snippet(d.span)));
    }
    if !f.docs.text.trim().is_empty() {
        md.push_str("\n\n");
        md.push_str(f.docs.text.trim());
    }
    md
}

/// Hover over a field's key: its type, default and documentation, and
/// for a service's field the value each environment resolves it to.
pub fn hover_key(c: &Compilation, file: FileId, offset: usize) -> Option<Hover> {
    let p = place(c, file, offset)?;
    let (span, f) = p.key?;
    let mut markdown = field_markdown(c, f);
    if let Some(values) = p
        .service
        .as_deref()
        .and_then(|s| per_environment(c, s, &p.path))
    {
        markdown.push_str("\n\n");
        markdown.push_str(&values);
    }
    Some(Hover { span, markdown })
}

/// `` `1` (dev) · `2` (staging) · `3` (prod) ``: the value of a service's
/// field in each environment (as written where it is set), or one value
/// when they all agree. `None` without environments or values.
fn per_environment(c: &Compilation, service: &str, path: &[String]) -> Option<String> {
    let shown = env_values(c, service, path)?;
    if shown.iter().all(|(_, v)| *v == shown[0].1) {
        return Some(format!("`{}` in every environment", shown[0].1));
    }
    let parts: Vec<String> = shown.iter().map(|(e, v)| format!("`{v}` ({e})")).collect();
    Some(parts.join(" · "))
}

/// The value of a service's field at `path` in each environment the
/// service runs in (`—` where it is unset); `None` without environments,
/// or when no environment sets it.
fn env_values(c: &Compilation, service: &str, path: &[String]) -> Option<Vec<(String, String)>> {
    let envs = c.environment_names();
    if envs.is_empty() || path.is_empty() {
        return None;
    }
    // Environments the service does not run in (`environments = [dev]`)
    // have no value to show.
    let shown: Vec<(String, String)> = envs
        .iter()
        .filter(|e| c.world(Some(e)).services.contains_key(service))
        .map(|e| {
            let value = value_at(c, Some(e), service, path);
            (e.clone(), value.unwrap_or_else(|| "—".to_string()))
        })
        .collect();
    if shown.is_empty() || shown.iter().all(|(_, v)| v == "—") {
        return None;
    }
    Some(shown)
}

/// A service's field at `path` in the base (`None`) or an environment, as
/// written where it is set.
fn value_at(c: &Compilation, env: Option<&str>, service: &str, path: &[String]) -> Option<String> {
    let world = c.world(env);
    let mut v: &Val = world.services.get(service)?;
    for k in path {
        v = v.get(k)?;
    }
    Some(short(c, v))
}

/// An inlay hint: text shown after a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlayHint {
    /// Where it is shown: the end of the value.
    pub offset: usize,
    /// `dev 1 · prod 3`.
    pub label: String,
    /// Markdown: the value in every environment.
    pub tooltip: String,
}

/// For each field a service sets in its own body, the environments that
/// resolve it to another value than the base does (`replicas = 2` shows
/// `dev 1 · prod 3` when `dev` and `prod` override it, `staging` not).
/// The values are those hover shows.
pub fn inlay_hints(c: &Compilation, file: FileId) -> Vec<InlayHint> {
    let Some(f) = c.program.files.iter().find(|f| f.id == file) else {
        return Vec::new();
    };
    if c.program.symbols.environments.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for item in &f.items {
        let Item::Block(b) = item else { continue };
        if b.kind.name != "service" {
            continue;
        }
        let Some(service) = b.name().map(|l| l.value.as_str()) else {
            continue;
        };
        if !c.program.symbols.services.contains_key(service) {
            continue;
        }
        hints_in(c, service, &b.body, &mut Vec::new(), &mut out);
    }
    out
}

fn hints_in(
    c: &Compilation,
    service: &str,
    body: &Body,
    path: &mut Vec<String>,
    out: &mut Vec<InlayHint>,
) {
    for e in &body.entries {
        match e {
            Entry::Attr(a) => {
                let depth = path.len();
                path.extend(a.path.iter().map(|k| k.name.clone()));
                if let Some(values) = env_values(c, service, path) {
                    let base = value_at(c, None, service, path).unwrap_or_else(|| "—".into());
                    let differ: Vec<String> = values
                        .iter()
                        .filter(|(_, v)| *v != base)
                        .map(|(e, v)| format!("{e} {v}"))
                        .collect();
                    if !differ.is_empty() {
                        let all: Vec<String> =
                            values.iter().map(|(e, v)| format!("`{v}` ({e})")).collect();
                        out.push(InlayHint {
                            offset: a.value.span.range().end,
                            label: differ.join(" · "),
                            tooltip: format!("`{base}` in the base · {}", all.join(" · ")),
                        });
                    }
                }
                path.truncate(depth);
            }
            Entry::Block(inner) => {
                let depth = path.len();
                path.push(inner.kind.name.clone());
                path.extend(inner.name().map(|l| l.value.clone()));
                hints_in(c, service, &inner.body, path, out);
                path.truncate(depth);
            }
            // Half-typed: no value to show yet.
            Entry::Error(_) => {}
        }
    }
}

/// A value as written where it was set, on one line and at most 40
/// characters.
fn short(c: &Compilation, v: &Val) -> String {
    let text: String = c
        .program
        .map
        .snippet(v.span)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(39).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// One completion item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    /// One line: the type.
    pub detail: String,
    /// Markdown documentation.
    pub docs: String,
    /// What to insert, as an LSP snippet (`$0` is where the cursor goes).
    pub snippet: String,
}

/// What may be written at `offset`: the fields of the block around it
/// that are not written yet, the step kinds inside `steps`, or the item
/// keywords between items.
pub fn completions(c: &Compilation, file: FileId, offset: usize) -> Vec<Completion> {
    // A number just typed in a quantity's place: its units.
    if let Some(n) = number_before(c.program.map.text(file), offset) {
        let ty = place(c, file, offset).and_then(|p| p.value_of.map(|f| f.ty.clone()));
        if let Some(units) = ty.and_then(|t| unit_completions(&t, n)) {
            return units;
        }
    }
    if let Some(names) = reference_completions(c, file, offset) {
        return names;
    }
    let Some(p) = place(c, file, offset) else {
        return Vec::new();
    };
    if let Some(f) = p.value_of {
        return value_completions(c, &f.ty);
    }
    if !p.in_item {
        return [
            ("stack", "stack ${1:name} {\n\t$0\n}"),
            ("service", snippet("service")),
            ("template", "template ${1:name} {\n\t$0\n}"),
            ("secret", snippet("secret")),
            ("config", snippet("config")),
            ("environment", snippet("environment")),
            ("pipeline", snippet("pipeline")),
            ("import", "import \"$0\""),
            ("let", "let ${1:name} = $0"),
        ]
        .into_iter()
        .map(|(k, s)| Completion {
            label: k.to_string(),
            detail: "item".to_string(),
            docs: String::new(),
            snippet: s.to_string(),
        })
        .collect();
    }
    if let Some(t) = p.tagged {
        let def = &c.schema.tagged[t];
        return def
            .arms
            .iter()
            .map(|(kw, rec)| Completion {
                label: kw.clone(),
                detail: format!("{} step", def.name),
                docs: c.schema.records[*rec].docs.text.trim().to_string(),
                snippet: format!("{kw} {{\n\t$0\n}}"),
            })
            .collect();
    }
    let Some(r) = p.record else {
        return Vec::new();
    };
    let overlays = (c.schema.records[r].name == "Environment").then(|| {
        [
            ("service", "service ${1:name} {\n\t$0\n}", "Changes one service in this environment."),
            ("services", "services {\n\t$0\n}", "Changes every service that runs in this environment (`services NAME… { … }`: the named ones); a `service NAME { … }` block wins over it."),
            ("config", "config ${1:name} {\n\t$0\n}", "Changes config values in this environment."),
        ]
        .map(|(k, snippet, docs)| Completion {
            label: k.to_string(),
            detail: "overlay".to_string(),
            docs: docs.to_string(),
            snippet: snippet.to_string(),
        })
    });
    let fields = c.schema.records[r]
        .fields
        .values()
        .filter(|f| !p.written.contains(&f.name.as_str()) || matches!(f.ty, Ty::Map(..)))
        .map(|f| {
            let snippet = match &f.ty {
                Ty::Map(_, inner) if opens(inner) != (None, None) => {
                    format!("{} ${{1:name}} {{\n\t$0\n}}", f.name)
                }
                Ty::Record(_) | Ty::Map(..) | Ty::List(_)
                    if opens(&f.ty) != (None, None) || matches!(f.ty, Ty::Map(..)) =>
                {
                    format!("{} {{\n\t$0\n}}", f.name)
                }
                _ => format!("{} = $0", f.name),
            };
            // The service's ports and health check: the richer snippets.
            let in_service = c.schema.record("Service") == Some(r);
            let snippet = match f.name.as_str() {
                "port" | "health" if in_service => self::snippet(&f.name).to_string(),
                _ => snippet,
            };
            Completion {
                label: f.name.clone(),
                detail: f.ty.describe(c.schema),
                docs: field_markdown(c, f),
                snippet,
            }
        });
    fields.chain(overlays.into_iter().flatten()).collect()
}

// ---------------------------------------------------------------- snippets

/// The snippets completion offers and the VS Code extension contributes
/// (`editors/vscode/snippets/stack.json`, which a test keeps equal):
/// prefix, description, body (LSP snippet syntax, tabs for indentation).
pub const SNIPPETS: &[(&str, &str, &str)] = &[
    (
        "service",
        "A service with an image and a port",
        "service ${1:api} {\n\timage = \"${2:ghcr.io/acme/api:1.0}\"\n\tport ${3:http} {\n\t\tcontainer = ${4:8080}\n\t}\n\t$0\n}",
    ),
    (
        "environment",
        "An environment overlay",
        "environment ${1:staging} {\n\tnamespace = \"${2:shop-staging}\"\n\t$0\n}",
    ),
    (
        "pipeline",
        "A pipeline with a job that checks out and runs a script",
        "pipeline ${1:ci} {\n\ton {\n\t\tpull_request {\n\t\t\tbranches = [\"${2:main}\"]\n\t\t}\n\t}\n\tjob ${3:test} {\n\t\tsteps {\n\t\t\tcheckout {}\n\t\t\trun \"${4:Test}\" {\n\t\t\t\tscript = \"${5:make test}\"\n\t\t\t}\n\t\t}\n\t}\n\t$0\n}",
    ),
    (
        "secret",
        "A secret the stack needs",
        "secret ${1:api_token} {\n\tdescription = \"${2:what it is for}\"\n\tkind = ${3:token}\n\t$0\n}",
    ),
    (
        "config",
        "A config with one key",
        "config ${1:app} {\n\t${2:LOG_LEVEL} = \"${3:info}\"\n\t$0\n}",
    ),
    (
        "port",
        "A port of a service",
        "port ${1:http} {\n\tcontainer = ${2:8080}\n}",
    ),
    (
        "health",
        "An HTTP health check",
        "health {\n\thttp = \"${1:/health}\"\n\tinterval = ${2:10s}\n\ttimeout = ${3:5s}\n}",
    ),
];

/// The body of the snippet `prefix` (empty when there is none).
pub fn snippet(prefix: &str) -> &'static str {
    SNIPPETS
        .iter()
        .find(|(p, _, _)| *p == prefix)
        .map_or("", |(_, _, body)| body)
}

/// A snippet as plain text, for clients without snippet support: each
/// placeholder becomes its default text, tab stops disappear.
pub fn snippet_text(snippet: &str) -> String {
    let mut out = String::new();
    let mut rest = snippet;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}').unwrap_or(inner.len());
            let body = &inner[..end];
            if let Some((_, default)) = body.split_once(':') {
                out.push_str(default);
            }
            rest = inner.get(end + 1..).unwrap_or("");
        } else {
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits == 0 {
                out.push('$');
            }
            rest = &after[digits..];
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------- symbols

/// One entry of a document's outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// The item keyword (`service`, `pipeline`, …) or nested block keyword
    /// (`port`, `job`, …).
    pub kind: String,
    /// The whole item or block.
    pub span: Span,
    /// Its name.
    pub name_span: Span,
    pub children: Vec<Symbol>,
}

/// The outline of a file: its named items, and inside them their named
/// blocks (ports, volumes, jobs, an environment's overlays, …).
pub fn symbols(c: &Compilation, file: FileId) -> Vec<Symbol> {
    let Some(f) = c.program.files.iter().find(|f| f.id == file) else {
        return Vec::new();
    };
    f.items
        .iter()
        .filter_map(|i| match i {
            Item::Block(b) => block_symbol(b),
            _ => None,
        })
        .collect()
}

fn block_symbol(b: &Block) -> Option<Symbol> {
    let (name, name_span) = match b.name() {
        Some(l) => (l.value.clone(), l.span),
        None if b.kind.name == "stack" => ("stack".to_string(), b.kind.span),
        None => return None,
    };
    let children = b
        .body
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Block(inner) => block_symbol(inner),
            Entry::Attr(_) | Entry::Error(_) => None,
        })
        .collect();
    Some(Symbol {
        name,
        kind: b.kind.name.clone(),
        span: b.span,
        name_span,
        children,
    })
}

/// Names after `secret.` and `config.`, and services inside `${`: from the
/// text just before the cursor.
fn reference_completions(c: &Compilation, file: FileId, offset: usize) -> Option<Vec<Completion>> {
    let text = c.program.map.text(file);
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let before = text.get(line_start..offset)?;
    // After the last character that is not part of a name (which may be
    // more than one byte long: `é`).
    let word_start = before
        .char_indices()
        .rfind(|(_, ch)| !(ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-'))
        .map_or(0, |(i, ch)| i + ch.len_utf8());
    let head = &before[..word_start];
    let s = &c.program.symbols;
    let (kind, table) = if head.ends_with("secret.") {
        ("secret", &s.secrets)
    } else if head.ends_with("config.") && !head.ends_with("${config.") {
        ("config", &s.configs)
    } else if head.ends_with("${") && !head.ends_with("$${") {
        ("service", &s.services)
    } else {
        return None;
    };
    Some(table.keys().map(|n| name_completion(c, kind, n)).collect())
}

/// A declared name as a completion, with its doc comment.
fn name_completion(c: &Compilation, kind: &str, name: &str) -> Completion {
    Completion {
        label: name.to_string(),
        detail: kind.to_string(),
        docs: docs_of(c, &target_of(kind, name))
            .unwrap_or_default()
            .trim()
            .to_string(),
        snippet: name.to_string(),
    }
}

fn target_of(kind: &str, name: &str) -> Target {
    let n = name.to_string();
    match kind {
        "secret" => Target::Secret(n),
        "config" => Target::Config(n),
        "environment" => Target::Environment(n),
        "pipeline" => Target::Pipeline(n),
        _ => Target::Service(n),
    }
}

/// What a field's value may be: an enum's variants, `true`/`false`, or
/// the names a reference may point at.
/// The number typed just before `offset` (`512` of `memory = 512|`, `1`
/// of `cpu = 250m..1|`).
fn number_before(text: &str, offset: usize) -> Option<&str> {
    let head = text.get(..offset)?;
    let start = head
        .rfind(|ch: char| !(ch.is_ascii_digit() || ch == '.' || ch == '_'))
        .map_or(0, |i| i + 1);
    let mut n = &head[start..];
    // The upper end of a range (`250m..1`).
    if let Some(i) = n.rfind("..") {
        n = &n[i + 2..];
    }
    n.starts_with(|ch: char| ch.is_ascii_digit()).then_some(n)
}

/// Units after a number in a quantity's place: `512` → `512Mi`, `512Gi`, …
/// (the label carries the number, so that editors filtering by the word
/// typed keep them).
fn unit_completions(ty: &Ty, number: &str) -> Option<Vec<Completion>> {
    use crate::units::Unit;
    fn unit_of(ty: &Ty) -> Option<Unit> {
        match ty {
            Ty::Quantity(u) => Some(*u),
            Ty::Range(inner) => unit_of(inner),
            Ty::OneOf(alts) => alts.iter().find_map(unit_of),
            _ => None,
        }
    }
    let unit = unit_of(ty)?;
    let (kind, units): (&str, &[(&str, &str)]) = match unit {
        Unit::Duration => (
            "duration",
            &[
                ("s", "seconds"),
                ("m", "minutes"),
                ("ms", "milliseconds"),
                ("h", "hours"),
                ("d", "days"),
            ],
        ),
        Unit::Bytes => (
            "size",
            &[
                (
                    "Mi",
                    "mebibytes (2^20 bytes): what Kubernetes memory usually uses",
                ),
                ("Gi", "gibibytes (2^30 bytes)"),
                ("Ki", "kibibytes (2^10 bytes)"),
                ("Ti", "tebibytes (2^40 bytes)"),
                ("M", "megabytes (10^6 bytes)"),
                ("G", "gigabytes (10^9 bytes)"),
            ],
        ),
        Unit::Cpu => (
            "cpu",
            &[
                ("m", "millicores: `500m` is half a core"),
                ("", "cores: `2` is two cores"),
            ],
        ),
        Unit::Percent => ("percent", &[("%", "percent")]),
    };
    Some(
        units
            .iter()
            .map(|(u, docs)| Completion {
                label: format!("{number}{u}"),
                detail: kind.to_string(),
                docs: docs.to_string(),
                snippet: format!("{number}{u}"),
            })
            .collect(),
    )
}

fn value_completions(c: &Compilation, ty: &Ty) -> Vec<Completion> {
    use crate::check::schema::RefKind;
    let named = |kind: &str, names: Vec<&String>| -> Vec<Completion> {
        names
            .into_iter()
            .map(|n| name_completion(c, kind, n))
            .collect()
    };
    let s = &c.program.symbols;
    match ty {
        Ty::Enum(i) => {
            let e = &c.schema.enums[*i];
            e.variants
                .iter()
                .map(|(v, d)| Completion {
                    label: v.clone(),
                    detail: e.name.clone(),
                    docs: d.text.trim().to_string(),
                    snippet: v.clone(),
                })
                .collect()
        }
        Ty::Bool => ["true", "false"]
            .into_iter()
            .map(|b| Completion {
                label: b.to_string(),
                detail: "bool".to_string(),
                docs: String::new(),
                snippet: b.to_string(),
            })
            .collect(),
        Ty::Ref(RefKind::Service) => named("service", s.services.keys().collect()),
        Ty::Ref(RefKind::Environment) => named("environment", s.environments.keys().collect()),
        Ty::Ref(RefKind::Pipeline) => named("pipeline", s.pipelines.keys().collect()),
        Ty::Ref(RefKind::Secret) => s
            .secrets
            .keys()
            .map(|n| Completion {
                label: format!("secret.{n}"),
                detail: "secret".to_string(),
                docs: docs_of(c, &Target::Secret(n.clone()))
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                snippet: format!("secret.{n}"),
            })
            .collect(),
        Ty::List(inner) if !matches!(**inner, Ty::List(_)) => value_completions(c, inner),
        _ => Vec::new(),
    }
}

/// E0207 on a service's name: its fix renames the declaration and, as
/// further edits, every reference to the service (`depends_on` keys,
/// `${svc.…}`, `service = …` in pipeline steps, `service NAME { … }`
/// overrides in environments), so that applying it leaves a stack that
/// still compiles. Each reference is also marked as a label.
pub fn rename_references(c: &Compilation, diags: &mut [crate::diagnostics::Diagnostic]) {
    let services = &c.program.symbols.services;
    let mut refs: Option<Vec<Reference>> = None;
    for d in diags.iter_mut() {
        if d.code != crate::diagnostics::Code::E0207 {
            continue;
        }
        let Some(fix) = d.fix.as_mut() else { continue };
        let Some((name, _)) = services.iter().find(|(_, s)| s.name_span == d.primary.span) else {
            continue;
        };
        let all = refs.get_or_insert_with(|| references_in(c));
        let target = Target::Service(name.clone());
        let mut spans: Vec<Span> = all
            .iter()
            .filter(|r| r.target == target && r.span != d.primary.span)
            .map(|r| r.span)
            .collect();
        let map = &c.program.map;
        // `depends_on { NAME = … }` keys (map keys carry no reference).
        for svc in c.checked.services.values() {
            if let Some(cond) = svc.get("depends_on").and_then(|m| m.get(name)) {
                let key = crate::check::key_before(map, cond.span, name);
                if key != cond.span {
                    spans.push(key);
                }
            }
        }
        // `service NAME { … }` in environments.
        for o in c.checked.environments.values() {
            if let Some(v) = o.services.get(name.as_str()) {
                spans.extend(block_label(map, v.span, name));
            }
        }
        spans.retain(|s| !map.is_stdlib(s.file) && map.snippet(*s) == name.as_str());
        spans.sort();
        spans.dedup();
        let new = fix.replacement.clone();
        for s in &spans {
            fix.also.push(crate::diagnostics::Edit {
                span: *s,
                replacement: new.clone(),
            });
            d.secondary.push(crate::diagnostics::Label {
                span: *s,
                message: format!("renamed to `{new}` by the fix"),
            });
        }
        let help = d.help.take().unwrap_or_default();
        d.help = Some(match spans.len() {
            0 => format!("{help}; nothing refers to `{name}`"),
            1 => format!("{help}; the fix renames the 1 reference as well"),
            n => format!("{help}; the fix renames the {n} references as well"),
        });
    }
}

/// The span of `name` in the head of the block at `span` (`service NAME {`),
/// found in the text from the start of its line.
fn block_label(map: &crate::source::SourceMap, span: Span, name: &str) -> Option<Span> {
    let text = map.text(span.file);
    let start = span.start as usize;
    let line_start = text[..start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = text[start.min(text.len())..]
        .find('{')
        .map_or(text.len(), |i| start + i);
    let head = &text[line_start..end];
    let at = head.find("service")? + "service".len();
    let rest = &head[at..];
    let off = rest.len() - rest.trim_start().len();
    let label = rest.trim_start();
    let ok = label.starts_with(name)
        && !label[name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-');
    ok.then(|| {
        let s = line_start + at + off;
        Span::new(span.file, s, s + name.len())
    })
}
