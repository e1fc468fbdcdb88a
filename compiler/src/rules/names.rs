//! E0311: declarations whose generated Kubernetes names collide. Secrets
//! and configs become objects named `k8s_name(NAME)` (`db_url` and `db-url`
//! are both `db-url`); persistent volumes become claims named
//! `SERVICE-VOLUME` (`a` + `b-c` and `a-b` + `c` are both `a-b-c`); a
//! stateful service's headless Service is `SERVICE-headless`; the
//! files a service mounts from the repository or the stack are the
//! ConfigMap `SERVICE-files`, which a config may also become.

use super::Across;
use crate::check::head_span;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::Evaluated;
use crate::names::{claim_name, k8s_name};
use crate::resolve::Program;
use crate::source::Span;
use crate::value::Val;

/// The fields of a service [`run`] reads (all it reads, besides which
/// services there are).
pub(super) const READ: [&str; 3] = ["file", "workload", "volume"];

/// The names of a world; in an environment that changes none of [`READ`],
/// those the base had.
pub fn run(p: &Program, w: &Evaluated, across: &Across, diags: &mut Vec<Diagnostic>) {
    if !across.leaves(&READ) {
        collisions(p, w, diags);
    }
}

/// E0311 for every generated name of `w` taken twice.
pub(super) fn collisions(p: &Program, w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    let secrets = p
        .symbols
        .secrets
        .iter()
        .map(|(n, r)| (k8s_name(n).into(), r.name_span));
    unique(
        "Secret",
        secrets,
        |i| {
            format!(
                "secret `{}`",
                p.symbols.secrets.get_index(i).map_or("", |e| e.0)
            )
        },
        diags,
    );
    // Configs, then the ConfigMap `<service>-files` of each service that
    // mounts a file from the repository or the stack.
    let mut config_maps: Vec<(String, Span, String)> = p
        .symbols
        .configs
        .iter()
        .map(|(n, r)| (k8s_name(n), r.name_span, format!("config `{n}`")))
        .collect();
    for (svc, s) in &w.services {
        let files = s.get("file").and_then(Val::as_map).into_iter().flatten();
        if let Some((_, f)) = files.into_iter().find(|(_, f)| f.get("config").is_none()) {
            config_maps.push((
                format!("{}-files", k8s_name(svc)),
                head_span(&p.map, f.span),
                format!("the mounted files of service `{svc}`"),
            ));
        }
    }
    unique(
        "ConfigMap",
        config_maps.iter().map(|c| (c.0.as_str().into(), c.1)),
        |i| config_maps[i].2.clone(),
        diags,
    );
    // Services, and the headless Service `NAME-headless` of each stateful
    // one (described only when they collide).
    let mut services: Vec<(std::borrow::Cow<str>, Span, &str, bool)> = Vec::new();
    for (svc, s) in &w.services {
        let span = p.symbols.services.get(svc).map_or(s.span, |r| r.name_span);
        services.push((svc.as_str().into(), span, svc, false));
    }
    for (svc, s) in &w.services {
        if s.get("workload").and_then(Val::str) == Some("stateful") {
            let span = s.get("workload").map_or(s.span, |v| v.span);
            services.push((format!("{svc}-headless").into(), span, svc, true));
        }
    }
    unique(
        "Service",
        services.iter().map(|x| (x.0.clone(), x.1)),
        |i| match services[i] {
            (_, _, svc, false) => format!("service `{svc}`"),
            (_, _, svc, true) => format!("the headless Service of stateful service `{svc}`"),
        },
        diags,
    );
    let mut claims: Vec<(String, Span, &str, &str)> = Vec::new();
    for (svc, s) in &w.services {
        for (vol, v) in s.get("volume").and_then(Val::as_map).into_iter().flatten() {
            if v.get("size").is_some() {
                claims.push((claim_name(svc, vol), v.span, svc, vol));
            }
        }
    }
    let what = |i: usize| format!("volume `{}` of service `{}`", claims[i].3, claims[i].2);
    let items = claims.iter().map(|c| (c.0.as_str().into(), c.1));
    let before = diags.len();
    unique("PersistentVolumeClaim", items, what, diags);
    for d in &mut diags[before..] {
        d.primary.span = head_span(&p.map, d.primary.span);
        for l in &mut d.secondary {
            l.span = head_span(&p.map, l.span);
        }
    }
}

/// E0311 for every name already taken; `what(i)` describes item `i`.
fn unique<'a>(
    kind: &str,
    items: impl Iterator<Item = (std::borrow::Cow<'a, str>, Span)>,
    what: impl Fn(usize) -> String,
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen: rustc_hash::FxHashMap<std::borrow::Cow<'a, str>, (usize, Span)> =
        Default::default();
    for (i, (name, span)) in items.enumerate() {
        if let Some(&(first, first_span)) = seen.get(&name) {
            diags.push(
                Diagnostic::new(
                    Code::E0311,
                    span,
                    format!(
                        "{} and {} both become the {kind} `{name}`",
                        what(i),
                        what(first)
                    ),
                )
                .label(format!("becomes {kind} `{name}`"))
                .secondary(first_span, format!("also becomes `{name}`"))
                .help("rename one of them so that their Kubernetes names differ"),
            );
            continue;
        }
        seen.insert(name, (i, span));
    }
}
