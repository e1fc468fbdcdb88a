//! E0311: declarations whose generated Kubernetes names collide. Secrets
//! and configs become objects named `k8s_name(NAME)` (`db_url` and `db-url`
//! are both `db-url`); persistent volumes become claims named
//! `SERVICE-VOLUME` (`a` + `b-c` and `a-b` + `c` are both `a-b-c`).

use crate::check::head_span;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::Evaluated;
use crate::model::{claim_name, k8s_name};
use crate::resolve::Program;
use crate::source::Span;
use crate::value::Val;
use std::collections::HashMap;

pub fn run(p: &Program, w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    let secrets = p
        .symbols
        .secrets
        .iter()
        .map(|(n, r)| (k8s_name(n), format!("secret `{n}`"), r.name_span));
    unique("Secret", secrets, diags);
    let configs = p
        .symbols
        .configs
        .iter()
        .map(|(n, r)| (k8s_name(n), format!("config `{n}`"), r.name_span));
    unique("ConfigMap", configs, diags);
    let mut claims = Vec::new();
    for (svc, s) in &w.services {
        for (vol, v) in s.get("volume").and_then(Val::as_map).into_iter().flatten() {
            if v.get("size").is_some() {
                claims.push((
                    claim_name(svc, vol),
                    format!("volume `{vol}` of service `{svc}`"),
                    head_span(&p.map, v.span),
                ));
            }
        }
    }
    unique("PersistentVolumeClaim", claims.into_iter(), diags);
}

fn unique(
    kind: &str,
    items: impl Iterator<Item = (String, String, Span)>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<String, (String, Span)> = HashMap::new();
    for (name, what, span) in items {
        if let Some((first, first_span)) = seen.get(&name) {
            diags.push(
                Diagnostic::new(
                    Code::E0311,
                    span,
                    format!("{what} and {first} both become the {kind} `{name}`"),
                )
                .label(format!("becomes {kind} `{name}`"))
                .secondary(*first_span, format!("also becomes `{name}`"))
                .help("rename one of them so that their Kubernetes names differ"),
            );
            continue;
        }
        seen.insert(name, (what, span));
    }
}
