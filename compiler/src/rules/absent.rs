//! References to services an environment does not run: `${svc.host}` and
//! `${svc.port.NAME}` where `svc` is restricted to other environments
//! (`environments = [...]`). There is no address to render (the port would
//! be written empty, e.g. `http://api:/`), so each such reference is an
//! error (E0313), reported once for all the environments it fails in.

use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::eval::Evaluated;
use crate::resolve::Program;
use crate::source::Span;
use crate::value::{Part, Val, ValKind};
use indexmap::IndexMap;

/// The references of one string to one service, across environments:
/// (string span, referring service, target) → the references (span, as
/// written) and the environments the target does not run in.
pub type Absent = IndexMap<(Span, String, String), (Vec<(Span, String)>, Vec<String>)>;

/// Collects the references of one environment's running services to
/// services it skips.
pub fn collect(p: &Program, w: &Evaluated, found: &mut Absent) {
    let Some(env) = &w.env else { return };
    if w.skipped.is_empty() {
        return;
    }
    for (name, s) in &w.services {
        walk(p, s, &mut |string, span, target, reference| {
            if w.skipped.iter().any(|k| k == target) {
                let key = (string, name.clone(), target.to_string());
                add(found, key, [(span, reference)], [env.clone()]);
            }
        });
    }
}

/// Takes in what [`collect`] found in a later environment: the same as
/// collecting that environment into `into`.
pub fn merge(into: &mut Absent, later: Absent) {
    for (key, (refs, envs)) in later {
        add(into, key, refs, envs);
    }
}

/// Adds references and environments under `key`, each once.
fn add(
    found: &mut Absent,
    key: (Span, String, String),
    refs: impl IntoIterator<Item = (Span, String)>,
    envs: impl IntoIterator<Item = String>,
) {
    let (all_refs, all_envs) = found.entry(key).or_default();
    for r in refs {
        if !all_refs.iter().any(|(s, _)| *s == r.0) {
            all_refs.push(r);
        }
    }
    for e in envs {
        if !all_envs.contains(&e) {
            all_envs.push(e);
        }
    }
}

fn walk(p: &Program, v: &Val, f: &mut dyn FnMut(Span, Span, &str, String)) {
    match &v.kind {
        ValKind::Interp(parts) => {
            for part in parts.iter() {
                let (target, reference) = match part {
                    Part::Host(svc) => (svc, format!("{svc}.host")),
                    Part::Port(svc, port) => (svc, format!("{svc}.port.{port}")),
                    _ => continue,
                };
                f(v.span, span_of(p, v.span, &reference), target, reference);
            }
        }
        ValKind::Map(m) => m.values().for_each(|c| walk(p, c, f)),
        ValKind::List(l) => l.iter().for_each(|c| walk(p, c, f)),
        _ => {}
    }
}

/// The span of `reference` inside the string at `span` (the whole string
/// when it cannot be found, e.g. after a `let` substitution).
fn span_of(p: &Program, span: Span, reference: &str) -> Span {
    match p.map.snippet(span).find(reference) {
        Some(i) => Span::new(
            span.file,
            span.start as usize + i,
            span.start as usize + i + reference.len(),
        ),
        None => span,
    }
}

/// E0313 for every collected reference, once, naming its environments.
/// `restricted(svc)` is the span of the target's `environments` list.
pub fn report(
    found: Absent,
    restricted: &dyn Fn(&str) -> Option<Span>,
    diags: &mut Vec<Diagnostic>,
) {
    for ((_, svc, target), (refs, envs)) in found {
        let Some(((span, reference), more)) = refs.split_first() else {
            continue;
        };
        let names: Vec<&str> = envs.iter().map(String::as_str).collect();
        let list = suggest::quote_list(&names);
        let noun = if envs.len() == 1 {
            "environment"
        } else {
            "environments"
        };
        let mut d = Diagnostic::new(
            Code::E0313,
            *span,
            format!("`{svc}` refers to `{target}`, which does not run in {noun} {list}"),
        )
        .label(format!(
            "`${{{reference}}}` has no value in {list}"
        ))
        .help(format!(
            "run `{target}` there too (add {list} to its `environments`), limit `{svc}` to the environments `{target}` runs in, or set the value differently for {list} in an `environment` block (`service {svc} {{ … }}`)"
        ))
        .note(format!(
            "there is no address to write: the port would be empty (e.g. `http://{target}:/`)"
        ));
        for (at, other) in more {
            d = d.secondary(*at, format!("nor does `${{{other}}}`"));
        }
        if let Some(at) = restricted(&target) {
            d = d.secondary(at, format!("`{target}` runs only in these environments"));
        }
        diags.push(d);
    }
}
