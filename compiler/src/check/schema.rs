//! The domain schema, read from the stdlib's `type`, `enum` and `union`
//! declarations. The checker knows no field names of its own: it looks
//! everything up here.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, Docs, Expr, Item, TypeExprKind};
use indexmap::IndexMap;

/// What a `ref KIND` points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    Service,
    Secret,
    Config,
    ConfigKey,
    Environment,
    Port,
    Job,
    Pipeline,
}

impl RefKind {
    pub fn parse(s: &str) -> Option<RefKind> {
        Some(match s {
            "service" => RefKind::Service,
            "secret" => RefKind::Secret,
            "config" => RefKind::Config,
            "config_key" => RefKind::ConfigKey,
            "environment" => RefKind::Environment,
            "port" => RefKind::Port,
            "job" => RefKind::Job,
            "pipeline" => RefKind::Pipeline,
            _ => return None,
        })
    }

    pub fn noun(self) -> &'static str {
        match self {
            RefKind::Service => "service",
            RefKind::Secret => "secret",
            RefKind::Config => "config",
            RefKind::ConfigKey => "config key",
            RefKind::Environment => "environment",
            RefKind::Port => "port",
            RefKind::Job => "job",
            RefKind::Pipeline => "pipeline",
        }
    }
}

pub use crate::units::Unit;

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    String,
    Int,
    Number,
    Bool,
    Cron,
    Quantity(Unit),
    Range(Box<Ty>),
    List(Box<Ty>),
    Map(Option<RefKind>, Box<Ty>),
    Ref(RefKind),
    Record(usize),
    Enum(usize),
    /// A `union` of record types chosen by block keyword.
    Tagged(usize),
    /// Alternatives of scalar types (`int | percent`).
    OneOf(Vec<Ty>),
}

impl Ty {
    /// How the type reads in messages.
    pub fn describe(&self, s: &Schema) -> String {
        match self {
            Ty::String => "a string".into(),
            Ty::Int => "an integer".into(),
            Ty::Number => "a number".into(),
            Ty::Bool => "`true` or `false`".into(),
            Ty::Cron => "a cron expression (string)".into(),
            Ty::Quantity(Unit::Duration) => "a duration (e.g. `30s`, `5m`)".into(),
            Ty::Quantity(Unit::Bytes) => "a size in bytes (e.g. `512Mi`, `1Gi`)".into(),
            Ty::Quantity(Unit::Cpu) => "a CPU amount (e.g. `250m`, `0.5`, `2`)".into(),
            Ty::Quantity(Unit::Percent) => "a percentage (e.g. `70%`)".into(),
            Ty::Range(t) => format!("a range `request..limit` of {}", t.describe(s)),
            Ty::List(t) => format!("a list of {}", plural(&t.describe(s))),
            Ty::Map(..) => "a block of `name = value` entries".into(),
            Ty::Ref(k) => format!("a reference to a {}", k.noun()),
            Ty::Record(i) => format!("a `{}` block", s.records[*i].name),
            Ty::Enum(i) => {
                let e = &s.enums[*i];
                let names: Vec<&str> = e.variants.keys().map(String::as_str).collect();
                format!(
                    "one of {}",
                    crate::diagnostics::suggest::quote_list(&names).replace(" and ", " or ")
                )
            }
            Ty::Tagged(i) => format!("`{}` blocks", s.tagged[*i].name),
            Ty::OneOf(ts) => {
                let mut names: Vec<String> = ts.iter().map(|t| t.describe(s)).collect();
                let last = names.pop().unwrap_or_default();
                if names.is_empty() {
                    last
                } else {
                    format!("{} or {last}", names.join(", "))
                }
            }
        }
    }
}

fn plural(s: &str) -> String {
    s.strip_prefix("a ")
        .or_else(|| s.strip_prefix("an "))
        .map_or(s.to_string(), |r| r.to_string())
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    pub optional: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub default: Option<Expr>,
    pub docs: Docs,
    pub span: Span,
}

impl FieldDef {
    /// Must be written (after templates and overlays are applied).
    pub fn required(&self) -> bool {
        !self.optional && self.default.is_none() && !matches!(self.ty, Ty::Map(..))
    }
}

#[derive(Debug, Clone)]
pub struct RecordDef {
    pub name: String,
    /// FxHash: every field of every checked block is looked up here.
    pub fields: IndexMap<String, FieldDef, rustc_hash::FxBuildHasher>,
    pub docs: Docs,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub variants: IndexMap<String, Docs>,
    pub docs: Docs,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct TaggedDef {
    pub name: String,
    /// Block keyword → record index.
    pub arms: IndexMap<String, usize>,
    pub docs: Docs,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub records: Vec<RecordDef>,
    pub enums: Vec<EnumDef>,
    pub tagged: Vec<TaggedDef>,
    aliases: IndexMap<String, ast::TypeExpr>,
    names: IndexMap<String, Ty>,
}

impl Schema {
    /// Builds the schema from the stdlib's declarations.
    pub fn build(files: &[&ast::File]) -> (Schema, Vec<Diagnostic>) {
        let mut s = Schema::default();
        let mut diags = Vec::new();
        let items = || files.iter().flat_map(|f| f.items.iter());
        for item in items() {
            s.declare(item, &mut diags);
        }
        for item in items() {
            s.define(item, &mut diags);
        }
        (s, diags)
    }

    fn declare(&mut self, item: &Item, diags: &mut Vec<Diagnostic>) {
        let (name, ty) = match item {
            Item::Type(ast::TypeDecl {
                name,
                alias: Some(alias),
                ..
            }) => {
                self.aliases.insert(name.name.clone(), alias.clone());
                return;
            }
            Item::Type(t) => {
                self.records.push(RecordDef {
                    name: t.name.name.clone(),
                    fields: IndexMap::default(),
                    docs: t.docs.clone(),
                    span: t.span,
                });
                (&t.name, Ty::Record(self.records.len() - 1))
            }
            Item::Enum(e) => {
                let variants = e
                    .variants
                    .iter()
                    .map(|(d, v)| (v.name.clone(), d.clone()))
                    .collect();
                self.enums.push(EnumDef {
                    name: e.name.name.clone(),
                    variants,
                    docs: e.docs.clone(),
                    span: e.span,
                });
                (&e.name, Ty::Enum(self.enums.len() - 1))
            }
            Item::Union(u) => {
                let def = TaggedDef {
                    name: u.name.name.clone(),
                    arms: IndexMap::new(),
                    docs: u.docs.clone(),
                    span: u.span,
                };
                self.tagged.push(def);
                (&u.name, Ty::Tagged(self.tagged.len() - 1))
            }
            _ => return,
        };
        if self.names.insert(name.name.clone(), ty).is_some() {
            diags.push(Diagnostic::new(
                Code::E0102,
                name.span,
                format!("type `{}` is declared twice", name.name),
            ));
        }
    }

    fn define(&mut self, item: &Item, diags: &mut Vec<Diagnostic>) {
        match item {
            Item::Type(t) if t.alias.is_none() => {
                let Some(Ty::Record(i)) = self.names.get(&t.name.name).cloned() else {
                    return;
                };
                for f in &t.fields {
                    let def = self.field(f, diags);
                    self.records[i].fields.insert(f.name.name.clone(), def);
                }
            }
            Item::Union(u) => {
                let Some(Ty::Tagged(i)) = self.names.get(&u.name.name).cloned() else {
                    return;
                };
                for (_, kw, ty) in &u.arms {
                    match self.names.get(&ty.name) {
                        Some(Ty::Record(r)) => {
                            let r = *r;
                            self.tagged[i].arms.insert(kw.name.clone(), r);
                        }
                        _ => diags.push(unknown_type(ty)),
                    }
                }
            }
            _ => {}
        }
    }

    fn field(&self, f: &ast::FieldDecl, diags: &mut Vec<Diagnostic>) -> FieldDef {
        let ty = self.resolve_type(&f.ty, diags, 0);
        let optional = f.ty.optional || self.alias_optional(&f.ty);
        let bound = |n: &Option<ast::NumberLit>| n.as_ref().map(|n| n.value);
        FieldDef {
            name: f.name.name.clone(),
            ty,
            optional,
            min: f.range.as_ref().and_then(|r| bound(&r.min)),
            max: f.range.as_ref().and_then(|r| bound(&r.max)),
            default: f.default.clone(),
            docs: f.docs.clone(),
            span: f.span,
        }
    }

    fn alias_optional(&self, t: &ast::TypeExpr) -> bool {
        match &t.kind {
            TypeExprKind::Named(n, None) => self.aliases.get(&n.name).is_some_and(|a| a.optional),
            _ => false,
        }
    }

    fn resolve_type(&self, t: &ast::TypeExpr, diags: &mut Vec<Diagnostic>, depth: usize) -> Ty {
        match &t.kind {
            TypeExprKind::Named(n, arg) => self.named(n, arg.as_deref(), diags, depth),
            TypeExprKind::List(e) => Ty::List(Box::new(self.resolve_type(e, diags, depth))),
            TypeExprKind::Map(k, v) => {
                let key = k.as_ref().and_then(|k| ref_kind(k, diags));
                Ty::Map(key, Box::new(self.resolve_type(v, diags, depth)))
            }
            TypeExprKind::Ref(k) => ref_kind(k, diags).map_or(Ty::String, Ty::Ref),
            TypeExprKind::Union(ts) => Ty::OneOf(
                ts.iter()
                    .map(|t| self.resolve_type(t, diags, depth))
                    .collect(),
            ),
        }
    }

    fn named(
        &self,
        n: &ast::Ident,
        arg: Option<&ast::TypeExpr>,
        diags: &mut Vec<Diagnostic>,
        depth: usize,
    ) -> Ty {
        let builtin = match n.name.as_str() {
            "string" => Some(Ty::String),
            "int" => Some(Ty::Int),
            "number" => Some(Ty::Number),
            "bool" => Some(Ty::Bool),
            "cron" => Some(Ty::Cron),
            "duration" => Some(Ty::Quantity(Unit::Duration)),
            "bytes" => Some(Ty::Quantity(Unit::Bytes)),
            "cpu" => Some(Ty::Quantity(Unit::Cpu)),
            "percent" => Some(Ty::Quantity(Unit::Percent)),
            "range" => {
                let inner = arg.map_or(Ty::Number, |a| self.resolve_type(a, diags, depth));
                Some(Ty::Range(Box::new(inner)))
            }
            _ => None,
        };
        if let Some(b) = builtin {
            return b;
        }
        if let Some(t) = self.names.get(&n.name) {
            return t.clone();
        }
        if let Some(a) = self.aliases.get(&n.name) {
            if depth < 16 {
                return self.resolve_type(a, diags, depth + 1);
            }
        }
        diags.push(unknown_type(n));
        Ty::String
    }

    pub fn record(&self, name: &str) -> Option<usize> {
        match self.names.get(name) {
            Some(Ty::Record(i)) => Some(*i),
            _ => None,
        }
    }

    /// The record type with this name, one the compiler itself names
    /// (`Stack`, `Service`, `Secret`, `Environment`, `Pipeline`).
    ///
    /// Panics when the stdlib lacks it. The schema is read from the
    /// embedded stdlib only (user files cannot declare or hide a type), so
    /// that is a bug in the compiler that every test would catch, never an
    /// outcome of user input; `tests::the_stdlib_declares_the_records_the_compiler_names`
    /// checks the names.
    pub fn expect_record(&self, name: &str) -> usize {
        self.record(name).unwrap_or_else(|| {
            panic!("the embedded stdlib declares no type `{name}`, which the compiler names")
        })
    }
}

fn ref_kind(k: &ast::Ident, diags: &mut Vec<Diagnostic>) -> Option<RefKind> {
    let r = RefKind::parse(&k.name);
    if r.is_none() {
        diags.push(
            Diagnostic::new(Code::E0103, k.span, format!("unknown reference kind `{}`", k.name))
                .help("reference kinds: service, secret, config, config_key, environment, port, job, pipeline"),
        );
    }
    r
}

fn unknown_type(n: &ast::Ident) -> Diagnostic {
    Diagnostic::new(Code::E0103, n.span, format!("unknown type `{}`", n.name))
        .label("not declared in the stdlib")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names passed to [`Schema::expect_record`] (in `check`, `eval`
    /// and `model`): the embedded stdlib declares each, without errors.
    #[test]
    fn the_stdlib_declares_the_records_the_compiler_names() {
        let mut map = crate::source::SourceMap::new();
        let ids = crate::stdlib::register(&mut map);
        let files: Vec<ast::File> = ids
            .into_iter()
            .map(|id| crate::syntax::parse(id, map.text(id)).0)
            .collect();
        let (schema, diags) = Schema::build(&files.iter().collect::<Vec<_>>());
        assert!(diags.is_empty(), "{diags:?}");
        for name in ["Stack", "Service", "Secret", "Environment", "Pipeline"] {
            assert!(schema.record(name).is_some(), "no record type `{name}`");
        }
    }
}
