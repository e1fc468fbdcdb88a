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

/// Rules on one evaluated world. With `base`, the per-service rules skip
/// the services the environment shares unchanged with the base (they were
/// checked there); rules across services always run.
pub fn run(p: &Program, w: &Evaluated, base: Option<&Evaluated>, diags: &mut Vec<Diagnostic>) {
    let shared = |name: &str| -> bool {
        let (Some(b), Some(s)) = (base, w.services.get(name)) else {
            return false;
        };
        b.services
            .get(name)
            .is_some_and(|bs| std::sync::Arc::ptr_eq(bs, s))
    };
    services::run(p, w, base, &shared, diags);
    names::run(p, w, diags);
    ports::run(p, w, &shared, diags);
    pipelines::run(p, w, diags);
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
