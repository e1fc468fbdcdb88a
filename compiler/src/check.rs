//! Check: every item's body against the stdlib schema.
//!
//! Input: a resolved [`Program`]. Output: [`Checked`]: one [`Val`] per item,
//! typed by the schema (units normalised, references resolved, strings split
//! into interpolation parts), plus diagnostics for unknown fields, wrong
//! types and units, out-of-range values, unknown enum values, unknown
//! references, duplicate fields, invalid names and suspicious literals.
//!
//! Bodies are checked as *partial* values: templates, services and
//! environment overlays are all checked the same way, and required fields
//! are enforced by `eval` once templates and overlays are merged. Rules that
//! need the merged, per-environment picture (cycles, ports, limits) are a
//! later stage, [`crate::rules`], run on the evaluated worlds.
//!
//! [`schema()`] and [`defaults()`] read only the stdlib; the driver runs them
//! once per process ([`crate::prelude`]). This stage imports nothing of the
//! stages after it (`tests/architecture.rs`).

pub mod cron;
mod elab;
pub(crate) mod refs;
pub mod schema;
mod values;

use crate::diagnostics::Diagnostic;
use crate::resolve::{ItemKind, ItemRef, Program};
use crate::source::{SourceMap, Span};
use crate::value::Val;
use indexmap::{IndexMap, IndexSet};
use schema::Schema;

/// The stdlib defaults per record type, with the fields a walk over a
/// value of that type has to visit (computed once with the schema).
#[derive(Debug, Default)]
pub struct Defaults {
    /// Record index → field → default value.
    pub values: Vec<IndexMap<crate::value::Key, Val>>,
    /// Record index → positions (in the record's fields) of the fields whose
    /// type can hold a record with a default: the only ones filling defaults
    /// descends into.
    pub holding: Vec<Vec<usize>>,
    /// Record index → positions of the fields the required-field check
    /// visits: the required ones and those whose type can hold a record
    /// with a required field.
    pub required: Vec<Vec<usize>>,
}

impl std::ops::Index<usize> for Defaults {
    type Output = IndexMap<crate::value::Key, Val>;
    fn index(&self, rec: usize) -> &Self::Output {
        &self.values[rec]
    }
}

/// Per record: whether a value of it can hold, at any depth, a record for
/// which `seed` holds (a least fixpoint: records may nest each other).
fn holds_anywhere(schema: &Schema, seed: impl Fn(usize) -> bool) -> Vec<bool> {
    let mut holds: Vec<bool> = (0..schema.records.len()).map(&seed).collect();
    loop {
        let mut changed = false;
        for (r, rec) in schema.records.iter().enumerate() {
            if !holds[r] && rec.fields.values().any(|f| ty_holds(schema, &f.ty, &holds)) {
                holds[r] = true;
                changed = true;
            }
        }
        if !changed {
            return holds;
        }
    }
}

/// Positions of the fields of each record for which `keep` holds.
fn field_positions(schema: &Schema, keep: impl Fn(&schema::FieldDef) -> bool) -> Vec<Vec<usize>> {
    schema
        .records
        .iter()
        .map(|rec| {
            rec.fields
                .values()
                .enumerate()
                .filter(|(_, f)| keep(f))
                .map(|(i, _)| i)
                .collect()
        })
        .collect()
}

/// Whether a value of type `ty` can hold a record marked in `holds`.
fn ty_holds(schema: &Schema, ty: &schema::Ty, holds: &[bool]) -> bool {
    use schema::Ty;
    match ty {
        Ty::Record(r) => holds[*r],
        Ty::Range(e) | Ty::List(e) | Ty::Map(_, e) => ty_holds(schema, e, holds),
        Ty::Tagged(t) => schema.tagged[*t].arms.values().any(|r| holds[*r]),
        Ty::OneOf(alts) => alts.iter().any(|t| ty_holds(schema, t, holds)),
        _ => false,
    }
}

/// Items by name, hashed with FxHash: evaluation looks every service up in
/// several of these per environment.
pub type ByName<V> = IndexMap<String, V, rustc_hash::FxBuildHasher>;

/// The position of `name` in `map`, looked for at `hint` first. The tables
/// of services (the symbols, the checked values, the template chains, every
/// world's) list them in the order they are declared, so a service's
/// position in one is mostly its position in the others; comparing the key
/// found there costs less, on a large stack, than hashing the name and
/// following the table into memory the cache no longer holds.
pub fn position_of<V>(map: &ByName<V>, hint: usize, name: &str) -> Option<usize> {
    match map.get_index(hint) {
        Some((k, _)) if k == name => Some(hint),
        _ => map.get_index_of(name),
    }
}

/// An environment's overlay, as written.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// The `Environment` record (namespace, tier, …).
    pub fields: Option<Val>,
    /// `service NAME { … }` blocks: partial services.
    pub services: ByName<Val>,
    /// `config NAME { … }` blocks: changed keys.
    pub configs: IndexMap<String, Val>,
    /// `services { … }` and `services NAME… { … }` blocks: environment-wide
    /// service defaults, in the order written.
    pub defaults: Vec<ServiceDefaults>,
}

impl Overlay {
    /// Whether the environment evaluates service `name` anew: a `service
    /// NAME { … }` block or a `services { … }` block applies to it.
    pub fn changes(&self, name: &str) -> bool {
        self.services.contains_key(name) || self.defaults_apply_to(name)
    }

    /// Whether a `services { … }` block applies to service `name`.
    pub fn defaults_apply_to(&self, name: &str) -> bool {
        self.defaults.iter().any(|d| d.applies_to(name))
    }
}

/// One `services { … }` block of an environment: a partial service merged
/// into every service that runs in the environment (or only into the named
/// ones), before the environment's `service NAME { … }` blocks.
#[derive(Debug, Clone)]
pub struct ServiceDefaults {
    /// The services it applies to (`services api web { … }`), with the
    /// span of each name; `None`: every service that runs in the environment.
    pub only: Option<Vec<(String, Span)>>,
    /// The partial service; its span is the block's head (`services`).
    pub value: Val,
}

impl ServiceDefaults {
    /// Whether this block applies to service `name`.
    pub fn applies_to(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|l| l.iter().any(|(n, _)| n == name))
    }
}

/// The checked items of a program, by kind and name, in declaration order.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub stack: Option<Val>,
    pub services: ByName<Val>,
    pub templates: ByName<Val>,
    pub secrets: IndexMap<String, Val>,
    pub configs: IndexMap<String, Val>,
    pub environments: IndexMap<String, Overlay>,
    pub pipelines: IndexMap<String, Val>,
    /// Secrets referenced anywhere.
    pub used_secrets: IndexSet<String>,
    /// The templates each service applies, in the order they merge (so
    /// that evaluation needs no syntax tree).
    pub template_chains: ByName<Vec<String>>,
    /// Fields whose value was rejected (name, key span): `eval` does not
    /// report them missing as well. An empty name stands for any field
    /// (an entry that failed to parse without a readable key).
    pub rejected: Vec<(String, Span)>,
}

impl Checked {
    /// Whether field `name` was written inside `within` with a rejected
    /// value, or may have been (an entry there failed to parse before its
    /// key could be read: recorded with an empty name).
    pub fn was_rejected(&self, within: Span, name: &str) -> bool {
        self.rejected.iter().any(|(n, s)| {
            (n == name || n.is_empty())
                && s.file == within.file
                && s.start >= within.start
                && s.end <= within.end
        })
    }
}

/// The head of a block (`port http` of `port http { … }`): where a
/// diagnostic about the whole block points. Other spans are returned as is.
pub fn head_span(map: &SourceMap, span: Span) -> Span {
    let text = map.snippet(span);
    if !text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return span;
    }
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => {
                let head = text[..i].trim_end();
                return Span::new(
                    span.file,
                    span.start as usize,
                    span.start as usize + head.len(),
                );
            }
            _ => {}
        }
    }
    span
}

/// Builds the schema from the program's stdlib files.
pub fn schema(p: &Program) -> (Schema, Vec<Diagnostic>) {
    Schema::build(&p.stdlib_files())
}

/// The stdlib defaults, elaborated once: record index → field → value.
pub fn defaults(p: &Program, schema: &Schema) -> (Defaults, Vec<Diagnostic>) {
    let mut cx = elab::Elab::new(p, schema);
    let mut out = Vec::with_capacity(schema.records.len());
    for rec in &schema.records {
        let mut m = IndexMap::new();
        for f in rec.fields.values() {
            if let Some(e) = &f.default {
                if let Some(v) = cx.value(e, &f.ty, Some(f)) {
                    m.insert(f.name.as_str().into(), v);
                }
            }
        }
        out.push(m);
    }
    let with_default = holds_anywhere(schema, |r| !out[r].is_empty());
    let with_required = holds_anywhere(schema, |r| {
        schema.records[r]
            .fields
            .values()
            .any(schema::FieldDef::required)
    });
    let defaults = Defaults {
        holding: field_positions(schema, |f| ty_holds(schema, &f.ty, &with_default)),
        required: field_positions(schema, |f| {
            f.required() || ty_holds(schema, &f.ty, &with_required)
        }),
        values: out,
    };
    (defaults, cx.finish())
}

/// Checks every item of the program.
pub fn check(p: &Program, schema: &Schema) -> (Checked, Vec<Diagnostic>) {
    let mut cx = elab::Elab::new(p, schema);
    let mut out = Checked::default();
    if let Some(r) = p.symbols.stack {
        out.stack = Some(cx.item_body(r, "Stack"));
    }
    let syms = &p.symbols;
    out.templates = each(syms.templates.iter(), |r| cx.item_body(r, "Service"));
    out.services = services(&mut cx, syms);
    // The template chains read the syntax alone: found beside the other
    // items (the environments' overlays take as long, on one thread).
    let chains = || {
        each(syms.services.iter(), |r| {
            let chain = crate::resolve::template_chain(p, p.block(r));
            chain
                .into_iter()
                .filter_map(|t| p.block(t).name().map(|l| l.value.clone()))
                .collect()
        })
    };
    let rest = || {
        out.secrets = each(syms.secrets.iter(), |r| cx.item_body(r, "Secret"));
        out.configs = each(syms.configs.iter(), |r| cx.config(p.block(r)));
        out.environments = each(syms.environments.iter(), |r| cx.environment(r));
        out.pipelines = each(syms.pipelines.iter(), |r| cx.item_body(r, "Pipeline"));
    };
    let (template_chains, ()) = crate::par::both(chains, rest);
    out.template_chains = template_chains;
    for (kind, table) in [
        (ItemKind::Environment, &syms.environments),
        (ItemKind::Service, &syms.services),
    ] {
        for (name, r) in table {
            cx.check_dns_name(kind.keyword(), name, r.name_span);
        }
    }
    out.used_secrets = std::mem::take(&mut cx.used_secrets);
    out.rejected = std::mem::take(&mut cx.rejected);
    let diags = cx.finish();
    (out, diags)
}

/// The services' own values, in declaration order. A large stack is
/// checked in contiguous chunks on a thread per CPU, each by its own
/// [`elab::Elab::worker`]; the findings and keys come back in order
/// ([`elab::Elab::absorb`]), so the result is the one-thread result.
fn services(cx: &mut elab::Elab, syms: &crate::resolve::Symbols) -> ByName<Val> {
    let items: Vec<(&String, &ItemRef)> = syms.services.iter().collect();
    let shared = &*cx;
    let chunks = crate::par::map_chunks(&items, |chunk| {
        let mut w = shared.worker();
        let vals: Vec<(String, Val)> = chunk
            .iter()
            .map(|&(n, r)| (n.clone(), w.service(*r)))
            .collect();
        (vals, w)
    });
    let mut out = ByName::with_capacity_and_hasher(items.len(), Default::default());
    for (vals, w) in chunks {
        out.extend(vals);
        cx.absorb(w);
    }
    out
}

fn each<'a, T, S: std::hash::BuildHasher + Default>(
    table: impl Iterator<Item = (&'a String, &'a ItemRef)>,
    mut f: impl FnMut(ItemRef) -> T,
) -> IndexMap<String, T, S> {
    table.map(|(n, r)| (n.clone(), f(*r))).collect()
}

/// The span of the key `key` written before the value at `value`
/// (`key = value` or `"key" = value` on the same line); `value` itself when
/// the key cannot be found there.
pub fn key_before(map: &SourceMap, value: Span, key: &str) -> Span {
    let text = map.text(value.file);
    let before = &text[..(value.start as usize).min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let Some(eq) = before[line_start..].rfind('=') else {
        return value;
    };
    let lhs = before[line_start..line_start + eq].trim_end();
    let quoted = format!("\"{key}\"");
    let found = [key, quoted.as_str()]
        .into_iter()
        .find(|k| lhs.ends_with(k) && is_word_start(lhs, lhs.len() - k.len()));
    match found {
        Some(k) => {
            let end = line_start + lhs.len();
            Span::new(value.file, end - k.len(), end)
        }
        None => value,
    }
}

fn is_word_start(text: &str, at: usize) -> bool {
    !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod position_tests {
    use super::{position_of, ByName};

    #[test]
    fn position_of_looks_at_the_hint_then_by_name() {
        let map: ByName<u8> = [("a", 1), ("b", 2), ("c", 3)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(position_of(&map, 1, "b"), Some(1));
        assert_eq!(position_of(&map, 0, "c"), Some(2));
        assert_eq!(position_of(&map, 7, "a"), Some(0));
        assert_eq!(position_of(&map, 1, "z"), None);
    }
}
