//! Rules: the semantic rules that need the merged, per-environment picture.
//!
//! Input: an evaluated world (`eval::Evaluated`) of the base or of one
//! environment, and the program for spans. Output: diagnostics (cycles,
//! ports, resource limits, autoscaling, exclusive fields, names that collide
//! once lowered, environments and pipelines). This stage runs after `eval`
//! and before `model`; it reads `check` (spans of heads and keys) and
//! `eval`, and nothing reads it but the driver. One file per rule family;
//! each reads a world and pushes diagnostics. The driver runs them on the
//! base and on every environment; identical findings are reported once.

pub mod absent;
mod graph;
mod names;
mod pipelines;
mod ports;
mod services;

use crate::diagnostics::{Code, Diagnostic};
use crate::eval::Evaluated;
use crate::resolve::Program;
use crate::value::{Val, ValKind};
use std::sync::Arc;

/// Rules on one evaluated world. With `base`, the per-service rules skip
/// what the base checked already: a service the environment shares
/// unchanged, and on a changed one the rules whose fields it left alone
/// ([`Change`]); rules across services always run.
pub fn run(p: &Program, w: &Evaluated, base: Option<&Evaluated>, diags: &mut Vec<Diagnostic>) {
    let services: Vec<(&String, &Arc<Val>)> = w.services.iter().collect();
    let changes: Vec<Change> = crate::par::map_chunks(&services, |chunk| {
        chunk
            .iter()
            .map(|(name, s)| Change::of(s, base.and_then(|b| b.services.get(*name))))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    services::run(p, w, &changes, diags);
    names::run(p, w, diags);
    ports::run(p, w, &changes, diags);
    pipelines::run(p, w, diags);
}

/// What a service of an environment's world shares with the base's value
/// of it, for the per-service rules.
pub(crate) enum Change<'v> {
    /// The very value the base checked.
    Shared,
    /// The fields that differ: present in one only, or other values (a map
    /// is the same only when shared, anything else when equal, spans
    /// included).
    Fields(Vec<&'v str>),
    /// No base, or not to be told: one holds an entry that did not parse
    /// ([`Val::UNREAD`]), which may stand for any field.
    Unknown,
}

impl<'v> Change<'v> {
    fn of(s: &'v Arc<Val>, base: Option<&'v Arc<Val>>) -> Self {
        let Some(b) = base else {
            return Change::Unknown;
        };
        if Arc::ptr_eq(s, b) {
            return Change::Shared;
        }
        changed_fields(s, b).map_or(Change::Unknown, Change::Fields)
    }

    /// Whether a rule that reads `fields` of the service (all it reads)
    /// would find what it found in the base.
    pub(crate) fn leaves(&self, fields: &[&str]) -> bool {
        match self {
            Change::Shared => true,
            Change::Fields(changed) => !fields.iter().any(|f| changed.contains(f)),
            Change::Unknown => false,
        }
    }
}

/// The fields in which records `a` and `b` differ (see [`Change::Fields`]);
/// `None` when that cannot be told.
fn changed_fields<'v>(a: &'v Val, b: &'v Val) -> Option<Vec<&'v str>> {
    let (am, bm) = (a.as_map()?, b.as_map()?);
    if am.contains_key(Val::UNREAD) || bm.contains_key(Val::UNREAD) {
        return None;
    }
    let same = |x: &Val, y: &Val| match (&x.kind, &y.kind) {
        (ValKind::Map(xm), ValKind::Map(ym)) => Arc::ptr_eq(xm, ym) && x.span == y.span,
        _ => x == y,
    };
    // Entries are mostly at the same place in both, under one shared key:
    // looked up only where they are not.
    let mut changed: Vec<&str> = Vec::new();
    let mut aligned = am.len() == bm.len();
    for (i, (k, x)) in am.iter().enumerate() {
        let y = match bm.get_index(i) {
            Some((bk, y)) if Arc::ptr_eq(k, bk) => Some(y),
            _ => {
                aligned = false;
                bm.get(&**k)
            }
        };
        if y.is_none_or(|y| !same(x, y)) {
            changed.push(k);
        }
    }
    if !aligned {
        changed.extend(bm.keys().filter(|k| !am.contains_key(&***k)).map(|k| &**k));
    }
    Some(changed)
}

/// E0400: secrets declared but never used (once per compilation).
pub fn unused_secrets(p: &Program, used: &indexmap::IndexSet<String>, diags: &mut Vec<Diagnostic>) {
    for (name, r) in &p.symbols.secrets {
        if !used.contains(name) {
            diags.push(
                Diagnostic::new(Code::E0400, r.name_span, format!("secret `{name}` is declared but never used"))
                    .label("unused")
                    .help(format!("reference it (e.g. `VAR = secret.{name}` in a service's `env`) or remove the declaration")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::source::{FileLoader, LoadError, Span};
    use std::path::Path;

    struct Disk;
    impl FileLoader for Disk {
        fn resolve(&self, from: &str, path: &str) -> String {
            crate::source::join_relative(from, path)
        }
        fn load(&self, name: &str) -> Result<String, LoadError> {
            let bytes = std::fs::read(name).map_err(|e| LoadError::io(&e))?;
            crate::source::decode(bytes)
        }
    }

    /// The findings of `rule` on `s`, as compared here.
    fn findings(
        p: &Program,
        rule: services::OwnRule,
        name: &str,
        s: &Val,
    ) -> Vec<(Code, Span, String)> {
        let mut diags = Vec::new();
        rule(p, name, s, &mut diags);
        diags
            .into_iter()
            .map(|d| (d.code, d.primary.span, d.message))
            .collect()
    }

    /// A rule on a service's own value is skipped in an environment when
    /// the fields it lists are unchanged ([`Change::leaves`]), so it must
    /// read no other field: each of `services::OWN_RULES`, and
    /// `ports::own_ports` with `ports::OWN_PORTS_READ`. Checked on every
    /// service of every world of the examples and the diagnostics fixtures:
    /// taking away any field a rule does not list leaves its findings as
    /// they are. A rule changed to read a new field fails here until the
    /// field is listed (if some stack of the corpus sets that field).
    #[test]
    fn own_rules_read_only_the_fields_they_list() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut roots: Vec<String> = Vec::new();
        for dir in ["examples", "tests/fixtures/diagnostics"] {
            let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
                .expect("a corpus directory")
                .filter_map(|e| Some(e.ok()?.path()))
                .collect();
            entries.sort();
            for p in entries {
                let file = if p.is_dir() { p.join("stack.stack") } else { p };
                if file.extension().is_some_and(|e| e == "stack") && file.is_file() {
                    roots.push(file.to_string_lossy().into_owned());
                }
            }
        }
        assert!(roots.len() > 100, "found only {} stacks", roots.len());
        let mut checked = 0;
        for path in &roots {
            let keep = crate::Keep {
                worlds: true,
                syntax: false,
            };
            let c = crate::compile_with(path, &Disk, &crate::EnvSelection::All, keep);
            let envs = std::iter::once(None).chain(c.environment_names().into_iter().map(Some));
            for env in envs {
                let w = c.world(env.as_deref());
                for (name, s) in &w.services {
                    let Some(m) = s.as_map() else { continue };
                    let own_ports: services::OwnRule = ports::own_ports;
                    let rules = services::OWN_RULES
                        .into_iter()
                        .chain([(&ports::OWN_PORTS_READ[..], own_ports)]);
                    for (fields, rule) in rules {
                        let all = findings(&c.program, rule, name, s);
                        // (An entry that did not parse may stand for any
                        // field: `Change::of` never skips with one.)
                        let unlisted = m
                            .keys()
                            .filter(|k| !fields.contains(&&***k) && &***k != Val::UNREAD);
                        for key in unlisted {
                            let mut without = (**s).clone();
                            without.as_map_mut().map(|m| m.shift_remove(&**key));
                            let rest = findings(&c.program, rule, name, &without);
                            assert_eq!(
                                all, rest,
                                "{path}: a rule listing {fields:?} reads `{key}` (service `{name}`)"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 10_000, "only {checked} cases");
    }
}
