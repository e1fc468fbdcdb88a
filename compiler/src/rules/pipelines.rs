//! Pipeline rules: `needs` names jobs of the same pipeline and has no
//! cycles, image builds name services that have a `build`, deploy steps use
//! a mechanism the stack emits; the links a workflow run would otherwise
//! find broken (`links`): matrix keys, approvals, registry credentials,
//! deployed images, untrusted input in scripts, health check URLs.

mod links;

use super::graph;
use crate::check::head_span;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::eval::Evaluated;
use crate::resolve::Program;
use crate::value::{Ref, Val, ValKind};

pub fn run(p: &Program, w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    let targets: Vec<&str> = w
        .stack
        .get("targets")
        .map(|t| t.list().iter().filter_map(Val::str).collect())
        .unwrap_or_default();
    for (name, pl) in &w.pipelines {
        let jobs = pl.get("job").and_then(Val::as_map);
        // Nodes are the jobs by position, edges go to jobs it defines.
        let mut g = graph::Graph::default();
        for (jname, job) in jobs.into_iter().flatten() {
            let needs = needs_of(job);
            for (n, span) in &needs {
                if !jobs.is_some_and(|j| j.contains_key(n.as_str())) {
                    let names = jobs
                        .map(|j| j.keys().map(|k| &**k).collect::<Vec<_>>())
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::new(Code::E0601, *span, format!("job `{jname}` needs `{n}`, which pipeline `{name}` does not define"))
                            .label("unknown job")
                            .unknown("job", n, names.iter().copied(), *span, str::to_string),
                    );
                }
            }
            g.add(
                needs
                    .iter()
                    .filter_map(|(n, _)| jobs?.get_index_of(n.as_str())),
            );
            for step in job.get("steps").map(Val::list).unwrap_or_default() {
                self::step(p, w, step, &targets, diags);
            }
            links::job(p, w, pl, jname, job, diags);
        }
        for cycle in g.cycles() {
            let names: Vec<String> = cycle
                .into_iter()
                .filter_map(|i| Some(jobs?.get_index(i)?.0.to_string()))
                .collect();
            diags.push(needs_cycle(p, name, jobs, &names));
        }
    }
}

/// E0600: the `needs` entry that closes the cycle, the other edges as labels.
fn needs_cycle(
    p: &Program,
    pipeline: &str,
    jobs: Option<&crate::value::Map>,
    cycle: &[String],
) -> Diagnostic {
    let edge = |a: &str, b: &str| {
        let job = jobs.and_then(|j| j.get(a))?;
        needs_of(job)
            .into_iter()
            .find(|(n, _)| n == b)
            .map(|(_, span)| span)
    };
    let waits = |a: &str, b: &str| format!("`{a}` needs `{b}`");
    let primary = edge(&cycle[0], &cycle[1]).unwrap_or(p.symbols.pipelines[pipeline].name_span);
    let mut d = Diagnostic::new(
        Code::E0600,
        primary,
        format!("`needs` cycle in pipeline `{pipeline}`: {}", cycle.join(" → ")),
    )
    .label(waits(&cycle[0], &cycle[1]))
    .help("jobs in a cycle wait for each other forever; remove one of the `needs` entries in the cycle");
    for pair in cycle.windows(2).skip(1) {
        if let Some(span) = edge(&pair[0], &pair[1]) {
            d = d.secondary(span, waits(&pair[0], &pair[1]));
        }
    }
    d
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
    let ValKind::Tagged(tg) = &step.kind else {
        return;
    };
    let (kind, body) = (&tg.0, &tg.2);
    match kind.as_str() {
        "docker_build" => {
            for v in links::build_services(body) {
                let ValKind::Ref(Ref::Service(svc)) = &v.kind else {
                    continue;
                };
                let Some(s) = w.services.get(svc) else {
                    continue;
                };
                if s.get("build").is_none() {
                    diags.push(
                        Diagnostic::new(
                            Code::E0605,
                            v.span,
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
        }
        "deploy" | "rollback" => {
            let via = body.get("via").and_then(Val::str).unwrap_or("kustomize");
            if !targets.contains(&via) {
                let span = body
                    .get("via")
                    .filter(|v| !p.map.is_stdlib(v.span.file))
                    .map_or_else(|| head_span(&p.map, step.span), |v| v.span);
                diags.push(
                    Diagnostic::new(
                        Code::E0602,
                        span,
                        format!(
                            "this step deploys with `{via}`, but the stack does not emit `{via}`"
                        ),
                    )
                    .label(format!("no `{via}` output to deploy"))
                    .help(deploy_help(via, targets)),
                );
            }
        }
        _ => {}
    }
}

/// How to fix a deploy step whose mechanism the stack does not emit.
fn deploy_help(via: &str, targets: &[&str]) -> String {
    let usable: Vec<&str> = ["kustomize", "helm", "k8s"]
        .into_iter()
        .filter(|t| targets.contains(t))
        .collect();
    let add = format!("add `{via}` to `targets` in the `stack` block");
    match usable.as_slice() {
        [] => add,
        [one] => format!("{add}, or deploy with `via = {one}`"),
        _ => format!(
            "{add}, or deploy `via` one of {}",
            suggest::quote_list(&usable).replace(" and ", " or ")
        ),
    }
}
