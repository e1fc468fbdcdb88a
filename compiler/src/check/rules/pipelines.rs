//! Pipeline rules: `needs` names jobs of the same pipeline and has no
//! cycles, image builds name services that have a `build`, deploy steps use
//! a mechanism the stack emits.

use super::graph;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::eval::Evaluated;
use crate::resolve::Program;
use crate::value::{Ref, Val, ValKind};
use indexmap::IndexMap;

pub fn run(p: &Program, w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    let targets: Vec<&str> = w
        .stack
        .get("targets")
        .map(|t| t.list().iter().filter_map(Val::str).collect())
        .unwrap_or_default();
    for (name, pl) in &w.pipelines {
        let jobs = pl.get("job").and_then(Val::as_map);
        let mut g: IndexMap<String, Vec<String>> = IndexMap::new();
        for (jname, job) in jobs.into_iter().flatten() {
            let needs = needs_of(job);
            for (n, span) in &needs {
                if !jobs.is_some_and(|j| j.contains_key(n)) {
                    let names = jobs
                        .map(|j| j.keys().map(String::as_str).collect::<Vec<_>>())
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::new(Code::E0601, *span, format!("job `{jname}` needs `{n}`, which pipeline `{name}` does not define"))
                            .label("unknown job")
                            .help_opt(suggest::help_for_unknown("job", n, names.iter().copied())),
                    );
                }
            }
            g.insert(jname.clone(), needs.into_iter().map(|(n, _)| n).collect());
            for step in job.get("steps").map(Val::list).unwrap_or_default() {
                self::step(p, w, step, &targets, diags);
            }
        }
        for cycle in graph::cycles(&g) {
            let span = jobs
                .and_then(|j| j.get(&cycle[0]))
                .and_then(|j| j.get("needs"))
                .map_or(p.symbols.pipelines[name].name_span, |v| v.span);
            diags.push(
                Diagnostic::new(
                    Code::E0600,
                    span,
                    format!("`needs` cycle in pipeline `{name}`: {}", cycle.join(" → ")),
                )
                .label("this job waits for itself through the cycle")
                .help("remove one of the `needs` entries in the cycle"),
            );
        }
    }
}

fn needs_of(job: &Val) -> Vec<(String, crate::source::Span)> {
    job.get("needs")
        .map(|n| {
            n.list()
                .iter()
                .filter_map(|v| match &v.kind {
                    ValKind::Ref(Ref::Job(j)) => Some((j.clone(), v.span)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn step(p: &Program, w: &Evaluated, step: &Val, targets: &[&str], diags: &mut Vec<Diagnostic>) {
    let ValKind::Tagged(kind, _, body) = &step.kind else {
        return;
    };
    match kind.as_str() {
        "docker_build" | "scan" => {
            let Some(ValKind::Ref(Ref::Service(svc))) = body.get("service").map(|v| &v.kind) else {
                return;
            };
            let Some(s) = w.services.get(svc) else { return };
            if kind == "docker_build" && s.get("build").is_none() {
                let span = body.get("service").map_or(step.span, |v| v.span);
                diags.push(
                    Diagnostic::new(
                        Code::E0605,
                        span,
                        format!(
                            "`docker_build` builds service `{svc}`, which has no `build` block"
                        ),
                    )
                    .label("nothing to build")
                    .secondary(
                        p.symbols.services[svc].name_span,
                        "declared here without `build`",
                    )
                    .help(format!("add `build {{ context = \"…\" }}` to `{svc}`")),
                );
            }
        }
        "deploy" | "rollback" => {
            let via = body.get("via").and_then(Val::str).unwrap_or("kustomize");
            if !targets.contains(&via) {
                let span = body.get("via").map_or(step.span, |v| v.span);
                diags.push(
                    Diagnostic::new(
                        Code::E0602,
                        span,
                        format!(
                            "this step deploys with `{via}`, but the stack does not emit `{via}`"
                        ),
                    )
                    .label(format!("no `{via}` output to deploy"))
                    .help(format!(
                        "add `{via}` to `targets` in the `stack` block, or deploy `via` one of {}",
                        targets.join(", ")
                    )),
                );
            }
        }
        _ => {}
    }
}
