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
use crate::eval::{Evaluated, Strings};
use crate::resolve::Program;
use crate::value::{Val, ValKind};
use std::sync::Arc;

/// Rules on one evaluated world. With `base`, the rules skip what the base
/// checked already: per service, a service the environment shares
/// unchanged, and on a changed one the rules whose fields it left alone
/// ([`Change`]); across services, a rule whose fields no service changed,
/// when the environment runs the base's services in the base's order
/// ([`Across`]). What a skipped rule would find is what the base's run
/// found, and findings are reported once.
pub fn run(p: &Program, w: &Evaluated, base: Option<&Evaluated>, diags: &mut Vec<Diagnostic>) {
    let all: Vec<_> = w.services.iter().zip(&w.strings).enumerate().collect();
    let services: Vec<Service> = crate::par::map_chunks(&all, |chunk| {
        chunk
            .iter()
            .map(|&(i, ((name, value), strings))| {
                let was = base.and_then(|b| counterpart(b, i, name));
                Service {
                    name,
                    value,
                    strings,
                    change: Change::of(value, was.map(|w| w.value)),
                    was,
                }
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let across = Across::of(w, base, &services);
    // The families side by side: a thread with nothing left to do takes
    // one up (the last environment's rules otherwise run on one thread
    // while the other waits). Findings are taken in the order written.
    type Family<'a> = &'a (dyn Fn(&mut Vec<Diagnostic>) + Sync);
    let families: [Family; 5] = [
        &|d| services::run(p, w, base, &services, &across, d),
        &|d| services::across(p, w, base, &across, d),
        &|d| names::run(p, w, &across, d),
        &|d| ports::run(p, w, &services, &across, d),
        &|d| pipelines::run(p, w, d),
    ];
    let found = crate::par::map_each(&families, |family| {
        let mut found = Vec::new();
        family(&mut found);
        found
    });
    found.into_iter().for_each(|f| diags.extend(f));
}

/// A service of the world the rules check, with what it shares with the
/// base.
pub(crate) struct Service<'w> {
    name: &'w String,
    value: &'w Arc<Val>,
    /// What its strings hold (the addresses of services in them).
    strings: &'w Strings,
    change: Change<'w>,
    /// The base's service of that name, when there is a base.
    was: Option<Was<'w>>,
}

impl Service<'_> {
    /// Whether its strings name the addresses its base service's do.
    fn addresses_as_in_base(&self) -> bool {
        let addresses = self.strings.addresses();
        self.was
            .is_some_and(|was| was.strings.addresses() == addresses)
    }
}

/// A service of the base world.
#[derive(Clone, Copy)]
pub(crate) struct Was<'w> {
    value: &'w Arc<Val>,
    strings: &'w Strings,
    /// Whether it is at the position the environment's service is at.
    aligned: bool,
}

/// The base's service `name`, which an environment's service at position
/// `i` is: looked for at `i` first (both worlds list services in the order
/// they are declared), by name only when another is there.
fn counterpart<'b>(base: &'b Evaluated, i: usize, name: &str) -> Option<Was<'b>> {
    let at = crate::check::position_of(&base.services, i, name)?;
    Some(Was {
        value: &base.services[at],
        strings: base.strings.get(at)?,
        aligned: at == i,
    })
}

/// What an environment's world changes across its services, for the rules
/// across services: such a rule whose fields it [`leaves`](Self::leaves)
/// would find what it found in the base.
pub(crate) struct Across<'w> {
    /// Whether the environment runs the base's services, in its order, and
    /// every change of theirs is known.
    known: bool,
    /// The fields some service changes.
    changed: Vec<&'w str>,
}

impl<'w> Across<'w> {
    fn of(w: &Evaluated, base: Option<&Evaluated>, services: &[Service<'w>]) -> Self {
        let mut across = Across {
            known: base.is_some_and(|b| b.services.len() == w.services.len()),
            changed: Vec::new(),
        };
        for s in services {
            if !across.known {
                break;
            }
            across.known = s.was.is_some_and(|was| was.aligned);
            match &s.change {
                Change::Shared => {}
                Change::Fields(fields) => {
                    for f in fields {
                        if !across.changed.contains(f) {
                            across.changed.push(f);
                        }
                    }
                }
                Change::Unknown => across.known = false,
            }
        }
        across
    }

    /// Whether no service changes any of `fields` (all that a rule across
    /// services reads of them).
    pub(crate) fn leaves(&self, fields: &[&str]) -> bool {
        self.known && !fields.iter().any(|f| self.changed.contains(f))
    }
}

/// `rule` on every service, in parallel chunks for a large stack (findings
/// are sorted in the end, whatever the order they come in).
fn per_service(
    services: &[Service],
    rule: impl Fn(&Service, &mut Vec<Diagnostic>) + Sync,
    diags: &mut Vec<Diagnostic>,
) {
    for found in crate::par::map_chunks(services, |chunk| {
        let mut found = Vec::new();
        chunk.iter().for_each(|s| rule(s, &mut found));
        found
    }) {
        diags.extend(found);
    }
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
                bm.get(k)
            }
        };
        if y.is_none_or(|y| !same(x, y)) {
            changed.push(k);
        }
    }
    if !aligned {
        changed.extend(bm.keys().filter(|k| !am.contains_key(k)).map(|k| &**k));
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

// The read-set test compiles stacks from the disk with the CLI's loader.
#[cfg(all(test, feature = "cli"))]
mod tests;
