//! Rename: every place the stack's files write a declared name, and the
//! edits that rename it safely.
//!
//! The occurrences come from walking the syntax trees of the user's files
//! with the schema's meaning of each position: item declarations and
//! template lists, an environment's `service NAME` / `config NAME`
//! overlays, `depends_on` keys, `secret.NAME`, `config.NAME.KEY` and
//! `${SERVICE.port.NAME}` paths (bare or interpolated), a service's
//! `port NAME` blocks and the `port = NAME` fields of its probes and
//! ingress, a pipeline's `job NAME` blocks, `needs = [...]` and the
//! `needs.JOB` of its `${{ … }}` GitHub expressions, and a config's keys
//! (in the config and in the environments' overlays of it). Every bare
//! reference the checker resolved (`environments = [dev]`, `service =
//! api`, …) is taken from the checked values ([`super::references_in`]),
//! so nothing the checker knows to be a reference is missed.
//!
//! Ports belong to a *family*: the services and templates joined by
//! applying templates (`service api : web`). A port `http` the template
//! `web` declares is the same port in every service that applies it, so
//! renaming it renames it there too.
//!
//! A rename is refused, with the reason, when the position holds nothing
//! the stack declares (a field or enum value of the stdlib schema, a
//! keyword), when the name is not declared (the reference is an error),
//! when the new name is not an identifier or already names something of
//! the same kind, and when the renamed stack would report an error it did
//! not report before (the stack is compiled again with the edits applied,
//! so a name Kubernetes would reject, E0207, is refused with the
//! compiler's own message). A rename that changes names in the generated
//! files (a Deployment, a GitHub secret, a workflow file) is allowed, and
//! says so in [`Renamed::consequence`] (the server asks the editor to
//! confirm it).

use std::collections::BTreeMap;

use super::{references_in, Target};
use crate::resolve::ItemKind;
use crate::source::{join_relative, FileId, FileLoader, LoadError, Span};
use crate::syntax::ast::{Attr, Block, Body, Entry, Expr, ExprKind, Item, Path, StrPart};
use crate::Compilation;

/// Something a rename renames.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Name {
    /// A top-level item: service, template, secret, config, environment,
    /// pipeline.
    Item(Target),
    /// A key of a config: the config, the key.
    ConfigKey(String, String),
    /// A port: its family (named by its first member, `service api` or
    /// `template web`), the port.
    Port(String, String),
    /// A job: the pipeline, the job.
    Job(String, String),
}

impl Name {
    /// The name as written.
    pub fn text(&self) -> &str {
        match self {
            Name::Item(t) => t.kind().1,
            Name::ConfigKey(_, n) | Name::Port(_, n) | Name::Job(_, n) => n,
        }
    }

    /// `service `api``, `port `http` of service `api``.
    pub fn describe(&self) -> String {
        match self {
            Name::Item(t) => t.describe(),
            Name::ConfigKey(c, k) => format!("key `{k}` of config `{c}`"),
            Name::Port(f, p) => format!("port `{p}` of {}", family_words(f)),
            Name::Job(pl, j) => format!("job `{j}` of pipeline `{pl}`"),
        }
    }

    /// The same kind of name, called `new`.
    fn renamed(&self, new: &str) -> Name {
        let n = new.to_string();
        match self {
            Name::Item(t) => Name::Item(match t {
                Target::Service(_) => Target::Service(n),
                Target::Template(_) => Target::Template(n),
                Target::Secret(_) => Target::Secret(n),
                Target::Config(_) => Target::Config(n),
                Target::Environment(_) => Target::Environment(n),
                Target::Pipeline(_) => Target::Pipeline(n),
            }),
            Name::ConfigKey(c, _) => Name::ConfigKey(c.clone(), n),
            Name::Port(f, _) => Name::Port(f.clone(), n),
            Name::Job(p, _) => Name::Job(p.clone(), n),
        }
    }
}

/// `service api` → ``service `api` ``.
fn family_words(f: &str) -> String {
    match f.split_once(' ') {
        Some((kind, name)) => format!("{kind} `{name}`"),
        None => f.to_string(),
    }
}

/// One place a name is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub span: Span,
    pub name: Name,
    /// Where it is declared (`service api`, `port http`, `KEY =` in a
    /// config), not a use.
    pub declaration: bool,
}

/// A rename that may be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    pub name: Name,
    /// Every span to replace with the new name, sorted.
    pub edits: Vec<Span>,
    /// What the rename changes beyond the stack's files: names in the
    /// generated files. `None` when nothing generated is named after it.
    pub consequence: Option<String>,
}

/// Every occurrence of every renamable name in the stack's files, sorted
/// by position.
pub fn occurrences(c: &Compilation) -> Vec<Occurrence> {
    let mut w = Walk {
        c,
        refs: references_in(c)
            .into_iter()
            .map(|r| (r.span, r.target))
            .collect(),
        families: families(c),
        out: Vec::new(),
    };
    for f in c.program.user_files() {
        for item in &f.items {
            match item {
                Item::Let(l) => w.expr(&l.value, &Ctx::default()),
                Item::Block(b) => w.item(b),
                _ => {}
            }
        }
    }
    // Anything the checker resolved that the walk did not see.
    let seen: std::collections::BTreeSet<Span> = w.out.iter().map(|o| o.span).collect();
    let extra: Vec<Occurrence> = w
        .refs
        .iter()
        .filter(|(s, t)| !seen.contains(s) && c.program.map.snippet(**s) == t.kind().1)
        .map(|(s, t)| Occurrence {
            span: *s,
            name: Name::Item(t.clone()),
            declaration: false,
        })
        .collect();
    let mut out = w.out;
    out.extend(extra);
    out.retain(|o| !c.program.map.is_stdlib(o.span.file) && !o.name.text().is_empty());
    out.sort_by(|a, b| (a.span, &a.name).cmp(&(b.span, &b.name)));
    out.dedup_by(|a, b| a.span == b.span);
    out
}

/// The occurrence at `offset` of `file` and every occurrence of the same
/// name (declarations first): navigation for the names [`super::target_at`]
/// does not cover (ports, jobs, config keys, `depends_on` keys).
pub fn same_name(
    c: &Compilation,
    file: FileId,
    offset: usize,
) -> Option<(Occurrence, Vec<Occurrence>)> {
    let all = occurrences(c);
    let hit = all
        .iter()
        .find(|o| o.span.file == file && super::contains(o.span, offset))?
        .clone();
    let mut same: Vec<Occurrence> = all.into_iter().filter(|o| o.name == hit.name).collect();
    same.sort_by_key(|o| !o.declaration);
    Some((hit, same))
}

/// The name at `offset` of `file` and the span it is written at, or why
/// there is nothing to rename there.
pub fn prepare(c: &Compilation, file: FileId, offset: usize) -> Result<(Span, Name), String> {
    let all = occurrences(c);
    prepare_in(c, &all, file, offset)
}

fn prepare_in(
    c: &Compilation,
    all: &[Occurrence],
    file: FileId,
    offset: usize,
) -> Result<(Span, Name), String> {
    let hit = all
        .iter()
        .find(|o| o.span.file == file && super::contains(o.span, offset));
    let Some(o) = hit else {
        if c.program.map.is_stdlib(file) {
            return Err("the standard library cannot be renamed".to_string());
        }
        let enum_value = super::place(c, file, offset)
            .and_then(|p| p.value_of)
            .and_then(|f| match &f.ty {
                crate::check::schema::Ty::Enum(i) => Some(c.schema.enums[*i].name.clone()),
                _ => None,
            });
        if let Some(e) = enum_value {
            return Err(format!(
                "this is a value of the stdlib enum `{e}`; only names the stack declares can be renamed"
            ));
        }
        if super::hover_key(c, file, offset).is_some() {
            return Err(
                "this is a field of the stdlib schema; only names the stack declares can be renamed"
                    .to_string(),
            );
        }
        return Err(
            "nothing to rename here: put the cursor on the name of a service, template, secret, \
             config or config key, environment, pipeline, port or job"
                .to_string(),
        );
    };
    let declared = match &o.name {
        Name::Item(t) => super::definition(c, t).is_some(),
        n => all.iter().any(|x| x.declaration && x.name == *n),
    };
    if !declared {
        return Err(format!(
            "{} is not declared, so there is nothing to rename: declare it or fix the reference first",
            o.name.describe()
        ));
    }
    Ok((o.span, o.name.clone()))
}

/// Renames the name at `offset` of `file` to `new`: the edits, or why it
/// is refused.
pub fn rename(c: &Compilation, file: FileId, offset: usize, new: &str) -> Result<Renamed, String> {
    let all = occurrences(c);
    let (_, name) = prepare_in(c, &all, file, offset)?;
    let old = name.text().to_string();
    if !is_identifier(new) {
        return Err(format!(
            "`{new}` is not a name: a name starts with a letter or `_` and continues with \
             letters, digits, `_` and `-`"
        ));
    }
    if matches!(new, "import" | "let" | "as" | "true" | "false" | "null") {
        return Err(format!("`{new}` is a keyword"));
    }
    if matches!(name, Name::Item(Target::Service(_)))
        && matches!(new, "secret" | "config" | "stack" | "environment")
    {
        return Err(format!(
            "a service cannot be called `{new}`: `${{{new}.…}}` means something else in strings"
        ));
    }
    let mut edits: Vec<Span> = all
        .iter()
        .filter(|o| o.name == name)
        .map(|o| o.span)
        .collect();
    edits.sort();
    edits.dedup();
    if new == old {
        return Ok(Renamed {
            name,
            edits: Vec::new(),
            consequence: None,
        });
    }
    if let Some(clash) = existing(c, &all, &name.renamed(new)) {
        let (line, _) = c.program.map.line_col(clash);
        return Err(format!(
            "{} is already declared at {}:{line}",
            name.renamed(new).describe(),
            c.program.map.name(clash.file)
        ));
    }
    if let Some(d) = new_error(c, &edits, new) {
        return Err(format!(
            "renaming {} to `{new}` would be an error: {} {}",
            name.describe(),
            d.code.as_str(),
            d.message
        ));
    }
    Ok(Renamed {
        consequence: consequence(c, &name),
        name,
        edits,
    })
}

/// Where `name` is already declared.
fn existing(c: &Compilation, all: &[Occurrence], name: &Name) -> Option<Span> {
    match name {
        Name::Item(t) => super::definition(c, t),
        n => all
            .iter()
            .find(|o| o.declaration && o.name == *n)
            .map(|o| o.span),
    }
}

/// `api`, `_x`, `lint-backend`: what the lexer reads as one identifier.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
}

/// Compiles the stack again with `edits` applied, and returns the first
/// error whose code it reports more often than before.
fn new_error(c: &Compilation, edits: &[Span], new: &str) -> Option<crate::diagnostics::Diagnostic> {
    let map = &c.program.map;
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for (id, f) in map.files().filter(|(_, f)| !f.is_stdlib) {
        let mut text = f.text.clone();
        // From the end, so earlier offsets stay valid.
        for s in edits.iter().rev().filter(|s| s.file == id) {
            if text.get(s.range()).is_some() {
                text.replace_range(s.range(), new);
            }
        }
        texts.insert(f.name.clone(), text);
    }
    let root_id = c.program.files.get(c.program.root)?.id;
    let root = map.name(root_id).to_string();
    let after = crate::compile(&root, &Texts(texts), &crate::EnvSelection::All);
    let count = |ds: &[crate::diagnostics::Diagnostic], code: &str| {
        ds.iter()
            .filter(|d| d.is_error() && d.code.as_str() == code)
            .count()
    };
    after
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .find(|d| {
            let code = d.code.as_str();
            count(&after.diagnostics, code) > count(&c.diagnostics, code)
        })
        .cloned()
}

/// The stack's files as the rename would leave them.
struct Texts(BTreeMap<String, String>);

impl FileLoader for Texts {
    fn resolve(&self, from: &str, path: &str) -> String {
        join_relative(from, path)
    }

    fn load(&self, name: &str) -> Result<String, LoadError> {
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| LoadError::Missing(format!("{name}: not part of the stack")))
    }
}

/// What renaming `name` changes in the generated files.
fn consequence(c: &Compilation, name: &Name) -> Option<String> {
    let text = match name {
        Name::Item(Target::Template(_)) => return None,
        Name::Item(Target::Service(_)) => {
            "the generated files are named after the service: the Compose service, the \
             Kubernetes Deployment and Service (and the DNS name clients reach it at), the \
             systemd unit and the Quadlet container"
        }
        Name::Item(Target::Secret(s)) => {
            let named = c
                .checked
                .secrets
                .get(s)
                .is_some_and(|v| v.is_set("env_name"));
            if named {
                "the generated files name the secret after it (the Kubernetes Secret); its \
                 `env_name` stays"
            } else {
                "the generated files name the secret after it (the Kubernetes Secret, and the \
                 GitHub secret or environment variable, since it has no `env_name`): the value \
                 stored there must be renamed too"
            }
        }
        Name::Item(Target::Config(_)) => {
            "the generated files name the config after it (the ConfigMap and the Compose config)"
        }
        Name::Item(Target::Environment(_)) => {
            "the generated files name the environment after it (override and overlay files, the \
             GitHub environment)"
        }
        Name::Item(Target::Pipeline(_)) => "the generated GitHub workflow is named after it",
        Name::ConfigKey(..) => {
            "the key is a variable name in the generated files (ConfigMap data, environment)"
        }
        Name::Port(..) => "the generated Kubernetes container and Service ports are named after it",
        Name::Job(..) => {
            "the generated GitHub Actions job id is the job's name (`needs.JOB` expressions in \
             its pipeline are renamed too)"
        }
    };
    Some(format!("Renaming {}: {text}.", name.describe()))
}

// ---------------------------------------------------------------- the walk

/// The services and templates joined by applying templates; each maps to
/// its family's name (the first member, `service api`).
fn families(c: &Compilation) -> BTreeMap<String, String> {
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    fn root(parent: &BTreeMap<String, String>, mut n: String) -> String {
        while let Some(p) = parent.get(&n).filter(|p| **p != n) {
            n = p.clone();
        }
        n
    }
    let join = |parent: &mut BTreeMap<String, String>, a: String, b: String| {
        parent.entry(a.clone()).or_insert_with(|| a.clone());
        parent.entry(b.clone()).or_insert_with(|| b.clone());
        let (ra, rb) = (root(parent, a), root(parent, b));
        let (lo, hi) = if ra <= rb { (ra, rb) } else { (rb, ra) };
        parent.insert(hi, lo);
    };
    for f in c.program.user_files() {
        for item in &f.items {
            let Item::Block(b) = item else { continue };
            if !matches!(b.kind.name.as_str(), "service" | "template") {
                continue;
            }
            let Some(l) = b.name() else { continue };
            let me = format!("{} {}", b.kind.name, l.value);
            join(&mut parent, me.clone(), me.clone());
            for t in &b.templates {
                join(&mut parent, me.clone(), format!("template {}", t.name));
            }
        }
    }
    let keys: Vec<String> = parent.keys().cloned().collect();
    keys.into_iter()
        .map(|k| (k.clone(), root(&parent, k)))
        .collect()
}

#[derive(Debug, Clone, Default)]
struct Ctx {
    /// The port family whose body this is (a service, a template, an
    /// environment's overlay of a service).
    family: Option<String>,
    /// The pipeline whose body this is.
    pipeline: Option<String>,
}

struct Walk<'a> {
    c: &'a Compilation,
    /// What the checker resolved, by the span of the name.
    refs: BTreeMap<Span, Target>,
    families: BTreeMap<String, String>,
    out: Vec<Occurrence>,
}

impl Walk<'_> {
    fn push(&mut self, span: Span, name: Name, declaration: bool) {
        self.out.push(Occurrence {
            span,
            name,
            declaration,
        });
    }

    fn family(&self, kind: &str, name: &str) -> String {
        let me = format!("{kind} {name}");
        self.families.get(&me).cloned().unwrap_or(me)
    }

    fn is_service(&self, name: &str) -> bool {
        self.c.program.symbols.services.contains_key(name)
    }

    fn item(&mut self, b: &Block) {
        let kind = ItemKind::parse(&b.kind.name);
        let label = b.name();
        let target = match (kind, label) {
            (Some(k), Some(l)) if k != ItemKind::Stack => Some(target(k, &l.value)),
            _ => None,
        };
        if let (Some(t), Some(l)) = (&target, label) {
            self.push(l.span, Name::Item(t.clone()), true);
        }
        for t in &b.templates {
            self.push(t.span, Name::Item(Target::Template(t.name.clone())), false);
        }
        let name = label.map(|l| l.value.clone()).unwrap_or_default();
        match kind {
            Some(ItemKind::Service | ItemKind::Template) => {
                let ctx = Ctx {
                    family: label.map(|_| self.family(&b.kind.name, &name)),
                    pipeline: None,
                };
                self.body(&b.body, &ctx, 0);
            }
            Some(ItemKind::Pipeline) => {
                let ctx = Ctx {
                    family: None,
                    pipeline: label.map(|_| name.clone()),
                };
                self.body(&b.body, &ctx, 0);
            }
            Some(ItemKind::Config) if label.is_some() => self.config_body(&name, &b.body, true),
            Some(ItemKind::Environment) => {
                for e in &b.body.entries {
                    match e {
                        Entry::Block(inner) if inner.kind.name == "service" => {
                            let Some(l) = inner.name() else { continue };
                            let svc = Target::Service(l.value.clone());
                            self.push(l.span, Name::Item(svc), false);
                            let ctx = Ctx {
                                family: Some(self.family("service", &l.value)),
                                pipeline: None,
                            };
                            self.body(&inner.body, &ctx, 0);
                        }
                        Entry::Block(inner) if inner.kind.name == "config" => {
                            let Some(l) = inner.name() else { continue };
                            let cfg = Target::Config(l.value.clone());
                            self.push(l.span, Name::Item(cfg), false);
                            self.config_body(&l.value, &inner.body, false);
                        }
                        e => self.entry(e, &Ctx::default(), 0),
                    }
                }
            }
            _ => self.body(&b.body, &Ctx::default(), 0),
        }
    }

    fn config_body(&mut self, config: &str, body: &Body, base: bool) {
        for e in &body.entries {
            match e {
                Entry::Attr(a) => {
                    let Some(k) = a.path.first() else { continue };
                    let key = Name::ConfigKey(config.to_string(), k.name.clone());
                    self.push(k.span, key, base);
                    self.expr(&a.value, &Ctx::default());
                }
                Entry::Block(_) => self.entry(e, &Ctx::default(), 1),
                // Half-typed: nothing in it refers to a name yet.
                Entry::Error(_) => {}
            }
        }
    }

    fn body(&mut self, body: &Body, ctx: &Ctx, depth: usize) {
        for e in &body.entries {
            self.entry(e, ctx, depth);
        }
    }

    fn entry(&mut self, e: &Entry, ctx: &Ctx, depth: usize) {
        match e {
            Entry::Error(_) => {}
            Entry::Attr(a) => self.attr(a, ctx),
            Entry::Block(inner) => {
                let label = inner.name();
                match (inner.kind.name.as_str(), label) {
                    ("port", Some(l)) if depth == 0 => {
                        if let Some(f) = &ctx.family {
                            self.push(l.span, Name::Port(f.clone(), l.value.clone()), true);
                        }
                    }
                    ("job", Some(l)) if depth == 0 => {
                        if let Some(p) = &ctx.pipeline {
                            self.push(l.span, Name::Job(p.clone(), l.value.clone()), true);
                        }
                    }
                    ("depends_on", None) => {
                        for e in &inner.body.entries {
                            if let Some(k) = e_key(e) {
                                self.service_key(&k.name, k.span);
                            }
                        }
                    }
                    _ => {}
                }
                self.body(&inner.body, ctx, depth + 1);
            }
        }
    }

    /// A `depends_on` key.
    fn service_key(&mut self, name: &str, span: Span) {
        if self.is_service(name) {
            self.push(span, Name::Item(Target::Service(name.to_string())), false);
        }
    }

    fn attr(&mut self, a: &Attr, ctx: &Ctx) {
        if a.path.first().is_some_and(|k| k.name == "depends_on") {
            if let Some(k) = a.path.get(1) {
                self.service_key(&k.name, k.span);
            }
            if let ExprKind::Object(entries) = &a.value.kind {
                for k in entries.iter().filter_map(|e| e.path.first()) {
                    self.service_key(&k.name, k.span);
                }
            }
        }
        let last = a.path.last().map(|k| k.name.as_str()).unwrap_or_default();
        let single = |e: &Expr| match &e.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => Some(p.segments[0].clone()),
            _ => None,
        };
        match last {
            "port" => {
                let family = ctx.family.clone();
                let port =
                    single(&a.value).filter(|s| !self.c.program.symbols.lets.contains_key(&s.name));
                if let (Some(f), Some(s)) = (family, port) {
                    self.push(s.span, Name::Port(f, s.name), false);
                }
            }
            "needs" => {
                if let Some(p) = ctx.pipeline.clone() {
                    let names: Vec<_> = match &a.value.kind {
                        ExprKind::List(items) => items.iter().filter_map(single).collect(),
                        _ => single(&a.value).into_iter().collect(),
                    };
                    for s in names {
                        self.push(s.span, Name::Job(p.clone(), s.name), false);
                    }
                }
            }
            _ => {}
        }
        self.expr(&a.value, ctx);
    }

    fn expr(&mut self, e: &Expr, ctx: &Ctx) {
        match &e.kind {
            ExprKind::Str(s) => {
                for part in &s.parts {
                    if let StrPart::Interp(p) = part {
                        self.path(p, true);
                    }
                }
                if let Some(p) = &ctx.pipeline {
                    self.github_needs(p, s.span);
                }
            }
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i, ctx)),
            ExprKind::Object(entries) => entries.iter().for_each(|o| self.expr(&o.value, ctx)),
            ExprKind::Path(p) => self.path(p, false),
            ExprKind::Range(a, b) => {
                self.expr(a, ctx);
                self.expr(b, ctx);
            }
            _ => {}
        }
    }

    /// A path in a value (`interp`: inside `${…}`).
    fn path(&mut self, p: &Path, interp: bool) {
        let segs = &p.segments;
        let Some(first) = segs.first() else { return };
        let second = segs.get(1);
        match (first.name.as_str(), second) {
            ("secret", Some(n)) => {
                self.push(n.span, Name::Item(Target::Secret(n.name.clone())), false);
            }
            ("config", Some(n)) => {
                self.push(n.span, Name::Item(Target::Config(n.name.clone())), false);
                if let Some(k) = segs.get(2) {
                    let key = Name::ConfigKey(n.name.clone(), k.name.clone());
                    self.push(k.span, key, false);
                }
            }
            (svc, Some(field))
                if self.is_service(svc)
                    && (interp || matches!(field.name.as_str(), "host" | "port" | "name")) =>
            {
                self.push(
                    first.span,
                    Name::Item(Target::Service(svc.to_string())),
                    false,
                );
                if let (Some(port), "port") = (segs.get(2), field.name.as_str()) {
                    let f = self.family("service", svc);
                    self.push(port.span, Name::Port(f, port.name.clone()), false);
                }
            }
            (_, None) if !interp => {
                if let Some(t) = self.refs.get(&first.span).cloned() {
                    self.push(first.span, Name::Item(t), false);
                }
            }
            _ => {}
        }
    }

    /// `needs.JOB` inside the `${{ … }}` GitHub expressions of a string in
    /// pipeline `pipeline`.
    fn github_needs(&mut self, pipeline: &str, span: Span) {
        let text = self.c.program.map.snippet(span);
        let base = span.range().start;
        let mut from = 0;
        while let Some(open) = text[from..].find("${{").map(|i| from + i) {
            let close = text[open..].find("}}").map_or(text.len(), |i| open + i);
            let inner = &text[open..close];
            let mut at = 0;
            while let Some(i) = inner[at..].find("needs.").map(|i| at + i) {
                let start = i + "needs.".len();
                let before_ok = i == 0
                    || !inner[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.');
                let len = inner[start..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
                    .unwrap_or(inner.len() - start);
                if before_ok && len > 0 {
                    let job = inner[start..start + len].to_string();
                    let s = base + open + start;
                    let job_span = Span::new(span.file, s, s + len);
                    self.push(job_span, Name::Job(pipeline.to_string(), job), false);
                }
                at = start;
            }
            from = close.max(open + 3);
        }
    }
}

/// The first key of an attribute entry.
fn e_key(e: &Entry) -> Option<&crate::syntax::ast::Key> {
    match e {
        Entry::Attr(a) => a.path.first(),
        Entry::Error(b) => b.path.first(),
        Entry::Block(_) => None,
    }
}

fn target(kind: ItemKind, name: &str) -> Target {
    let n = name.to_string();
    match kind {
        ItemKind::Service | ItemKind::Stack => Target::Service(n),
        ItemKind::Template => Target::Template(n),
        ItemKind::Secret => Target::Secret(n),
        ItemKind::Config => Target::Config(n),
        ItemKind::Environment => Target::Environment(n),
        ItemKind::Pipeline => Target::Pipeline(n),
    }
}
