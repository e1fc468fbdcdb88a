//! Service rules: something to run, exclusive fields, `depends_on`,
//! resources, autoscaling, production image tags.

use super::{graph, per_service, Across, Change, Service};
use crate::check::{head_span, key_before};
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::{Address, Evaluated};
use crate::resolve::Program;
use crate::source::Span;
use crate::value::{Quantity, Val, ValKind};
use indexmap::IndexMap;

pub fn run(
    p: &Program,
    w: &Evaluated,
    base: Option<&Evaluated>,
    services: &[Service],
    across: &Across,
    diags: &mut Vec<Diagnostic>,
) {
    let compose = emits(w, &["compose"]);
    let containers = names_containers(w);
    let production = is_production(w);
    // Whether the base ran the rules these flags switch on, and read the
    // same configs.
    let base_compose = base.is_some_and(|b| emits(b, &["compose"]));
    let base_containers = base.is_some_and(names_containers);
    let configs_kept = base.is_some_and(|b| b.configs == w.configs);
    per_service(
        services,
        |svc, diags| {
            let (name, s) = (&**svc.name, &**svc.value);
            // A rule that reads the world as well (the other services, the
            // targets it is written for) runs on a service the environment
            // shares with the base too, unless neither the fields it reads
            // of this service (`own`) nor those of the others changed.
            let kept =
                |own: &[&str], others: &[&str]| svc.change.leaves(own) && across.leaves(others);
            if !matches!(svc.change, Change::Shared) {
                own_rules(p, name, s, &svc.change, diags);
            }
            if !kept(&INITS_READ, &[]) {
                inits(p, w, name, s, diags);
            }
            if !kept(&COMMANDS_READ.0, &COMMANDS_READ.1) {
                addresses_in_commands(p, w, s, diags);
            }
            if containers && !(base_containers && svc.change.leaves(&CONTAINER_NAME_READ)) {
                container_name(name, s, diags);
            }
            // The base is never a production world: no finding to share.
            if production {
                image_tag(name, s, w, diags);
            }
            if !(configs_kept && svc.change.leaves(&ENV_FROM_READ)) {
                env_from_keys(p, w, s, diags);
            }
            let found_in_base = base_compose
                && kept(&NETWORKS_READ.0, &NETWORKS_READ.1)
                && svc.addresses_as_in_base();
            if compose && !found_in_base {
                unreachable_addresses(w, name, s, svc.strings.addresses(), diags);
            }
        },
        diags,
    );
}

/// The fields of a service [`inits`] reads (and which services there are).
pub(super) const INITS_READ: [&str; 1] = ["init"];
/// The fields [`addresses_in_commands`] reads of its service, and of the
/// other services.
pub(super) const COMMANDS_READ: ([&str; 3], [&str; 1]) =
    (["command", "args", "init"], ["external"]);
/// The fields [`container_name`] reads (of its service alone).
pub(super) const CONTAINER_NAME_READ: [&str; 3] = ["container_name", "replicas", "autoscale"];
/// The fields [`env_from_keys`] reads of its service (and the configs).
pub(super) const ENV_FROM_READ: [&str; 1] = ["env_from"];
/// The fields [`unreachable_addresses`] reads of its service (and the
/// addresses in its strings), and of the services they name.
pub(super) const NETWORKS_READ: ([&str; 1], [&str; 4]) =
    (["network"], ["external", "image", "build", "network"]);

/// The rules across the services of a world: cycles and waits in
/// `depends_on`, container names two services share. In an environment,
/// each runs only where the fields it reads changed (or the base did not
/// run it).
pub fn across(
    p: &Program,
    w: &Evaluated,
    base: Option<&Evaluated>,
    across: &Across,
    diags: &mut Vec<Diagnostic>,
) {
    if !across.leaves(&DEPENDS_ON_READ) {
        depends_on(p, w, diags);
    }
    if !(across.leaves(&CONTAINER_NAMES_READ) && base.is_some_and(names_containers)) {
        container_names(w, diags);
    }
}

/// The fields of a service [`depends_on`] reads (all it reads, besides
/// which services there are).
pub(super) const DEPENDS_ON_READ: [&str; 3] = ["depends_on", "health", "readiness"];
/// The field of a service [`container_names`] reads (besides which
/// services there are, and where containers are named).
pub(super) const CONTAINER_NAMES_READ: [&str; 1] = ["container_name"];

/// A rule on a service's own value alone (and the program, for spans).
pub(super) type OwnRule = fn(&Program, &str, &Val, &mut Vec<Diagnostic>);

const PROBES: [&str; 4] = ["health", "liveness", "readiness", "startup"];

/// The rules on a service's own value, each with the fields of the service
/// it reads (all it reads: a rule that read another field could miss a
/// finding in an environment that changes only that field).
pub(super) const OWN_RULES: [(&[&str], OwnRule); 15] = [
    (&["image", "build", "external", "host"], |p, name, s, d| {
        runnable(name, s, p.symbols.services[name].name_span, d)
    }),
    (
        &[
            "external",
            "image",
            "build",
            "host",
            "volume",
            "file",
            "health",
            "liveness",
            "readiness",
            "startup",
            "pre_stop",
            "disruption",
        ],
        |p, _, s, d| exclusive(p, s, d),
    ),
    (&["resources"], |p, _, s, d| resources(p, s, d)),
    (
        &["health", "liveness", "readiness", "startup", "ingress"],
        |_, _, s, d| http_paths(s, d),
    ),
    (&["file", "volume"], |p, _, s, d| mount_paths(p, s, d)),
    (&PROBES, |p, _, s, d| probe_timing(p, s, d)),
    (&PROBES, |p, _, s, d| liveness_budget(p, s, d)),
    (&PROBES, |p, _, s, d| liveness_like_readiness(p, s, d)),
    (&["ingress"], |_, _, s, d| ingress_host(s, d)),
    (&["image"], |_, _, s, d| image_reference(s, d)),
    (&PROBES, |_, _, s, d| exec_keywords(s, d)),
    (&["autoscale", "resources", "replicas"], |p, _, s, d| {
        autoscale(p, s, d)
    }),
    (&["expose", "load_balancer", "port"], |p, _, s, d| {
        exposure(p, s, d)
    }),
    (
        &["workload", "pod_management", "autoscale"],
        |p, _, s, d| stateful(p, s, d),
    ),
    (&["toleration"], |_, _, s, d| tolerations(s, d)),
];

/// The rules on service `name`'s own value. In an environment, a rule whose
/// fields all hold what they hold in the base would find what it found
/// there ([`Change::leaves`]), so it is not run again: an overlay that
/// changes `replicas` and `resources` re-runs only the rules that read
/// those.
fn own_rules(p: &Program, name: &str, s: &Val, change: &Change, diags: &mut Vec<Diagnostic>) {
    for (fields, rule) in OWN_RULES {
        if !change.leaves(fields) {
            rule(p, name, s, diags);
        }
    }
}

/// The Compose networks a service is on: those it names, else `default`.
fn networks_of(s: &Val) -> Vec<&str> {
    match s.get("network").and_then(Val::as_map) {
        Some(m) if !m.is_empty() => m.keys().map(|k| &**k).collect(),
        _ => vec!["default"],
    }
}

fn quoted(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    q.join(", ")
}

/// E0353: service `name` uses the address of a service it shares no
/// Compose network with (named networks separate them), so the host name
/// does not resolve there. Only where Compose is emitted (the caller
/// asks): Quadlet and Kubernetes put every service on one network.
pub(super) fn unreachable_addresses(
    w: &Evaluated,
    name: &str,
    s: &Val,
    found: &[Address],
    diags: &mut Vec<Diagnostic>,
) {
    if found.is_empty() {
        return;
    }
    let own = networks_of(s);
    let mut seen: Vec<&str> = Vec::new();
    for (target, span) in found.iter().map(|a| (a.service.as_str(), a.span)) {
        if target == name || seen.contains(&target) {
            continue;
        }
        let Some(t) = w.services.get(target) else {
            continue;
        };
        if t.get("external").is_some_and(|e| !e.is_null())
            || t.get("image").is_none() && t.get("build").is_none()
        {
            continue;
        }
        seen.push(target);
        let theirs = networks_of(t);
        if own.iter().any(|n| theirs.contains(n)) {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::E0353,
                span,
                format!(
                    "`{name}` uses the address of `{target}`, but they share no Compose network"
                ),
            )
            .label(format!("`{target}` does not resolve from `{name}`"))
            .note(format!(
                "`{name}` is on {}; `{target}` is on {}",
                quoted(&own),
                quoted(&theirs)
            ))
            .help(format!(
                "add `network {} {{}}` to `{name}`, or `network {} {{}}` to `{target}`",
                theirs[0], own[0]
            )),
        );
    }
}

/// E0351: a fixed container name on a service that runs more than one
/// container (`replicas` above 1 or `autoscale`), in a world written for a
/// target that names containers (the caller asks [`names_containers`]).
pub(super) fn container_name(name: &str, s: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(cn) = s.get("container_name").filter(|v| !v.is_null()) else {
        return;
    };
    let replicas = s.get("replicas").filter(|r| r.int().is_some_and(|n| n > 1));
    let autoscale = s.get("autoscale").filter(|a| !a.is_null());
    let (count, span) = match (replicas, autoscale) {
        (_, Some(a)) => ("is autoscaled".to_string(), a.span),
        (Some(r), None) => (format!("runs {} replicas", r.int().unwrap_or(0)), r.span),
        (None, None) => return,
    };
    diags.push(
        Diagnostic::new(
            Code::E0351,
            cn.span,
            format!("service `{name}` has a fixed `container_name` but {count}"),
        )
        .label("one name for one container")
        .secondary(span, "more than one container")
        .help("remove `container_name` (Compose then numbers the containers), or set it to `null` where the service scales"),
    );
}

/// Whether `w` is emitted for a target that uses `container_name`
/// (Compose, Quadlet).
fn names_containers(w: &Evaluated) -> bool {
    emits(w, &["compose", "quadlet"])
}

/// Whether `w` is emitted for one of `targets`: the environment's
/// `targets`, else the stack's.
fn emits(w: &Evaluated, targets: &[&str]) -> bool {
    let listed = w
        .environment
        .as_ref()
        .and_then(|e| e.get("targets"))
        .filter(|t| !t.is_null())
        .or_else(|| w.stack.get("targets"));
    listed.is_none_or(|t| {
        t.list()
            .iter()
            .any(|x| x.str().is_some_and(|n| targets.contains(&n)))
    })
}

/// E0352: two services of one environment with the same container name.
pub(super) fn container_names(w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    if !names_containers(w) {
        return;
    }
    let mut seen: IndexMap<&str, (&str, Span)> = IndexMap::new();
    for (name, s) in &w.services {
        let Some(cn) = s.get("container_name").filter(|v| !v.is_null()) else {
            continue;
        };
        let Some(text) = cn.str() else { continue };
        match seen.get(text) {
            Some((first, first_span)) => diags.push(
                Diagnostic::new(
                    Code::E0352,
                    cn.span,
                    format!(
                        "services `{first}` and `{name}` both have the container name `{text}`"
                    ),
                )
                .label("this name is taken")
                .secondary(*first_span, format!("`{first}` has it"))
                .help("give each service its own `container_name`, or leave it out"),
            ),
            None => {
                seen.insert(text, (name.as_str(), cn.span));
            }
        }
    }
}

/// A key name for a file called `k`: `default.conf` → `default_conf`.
fn file_key(k: &str) -> String {
    let mut out: String = k
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Whether `k` is an environment variable name (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_env_name(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// E0342: `env_from` exports every key of a config as a variable; a key
/// that is not a variable name (a file such as `"default.conf"`) would be
/// one in Compose and in recent Kubernetes.
pub(super) fn env_from_keys(p: &Program, w: &Evaluated, s: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(list) = s.get("env_from") else {
        return;
    };
    for item in list.list() {
        let ValKind::Ref(crate::value::Ref::Config(config)) = &item.kind else {
            continue;
        };
        let Some(keys) = w.configs.get(config).and_then(Val::as_map) else {
            continue;
        };
        for (k, v) in keys {
            if is_env_name(k) {
                continue;
            }
            diags.push(
                Diagnostic::new(
                    Code::E0342,
                    key_before(&p.map, v.span, k),
                    format!(
                        "`env_from` exports config `{config}`, whose key `{k}` is not an environment variable name"
                    ),
                )
                .label("not a variable name")
                .secondary(item.span, "every key of the config becomes a variable here")
                .help(format!(
                    "keep files and variables in separate configs: move `{k}` to a config of its own (under a name such as `{}`) and mount it with `file \"/path/{k}\" {{ config = config.NAME.{} }}`", file_key(k), file_key(k)
                )),
            );
        }
    }
}

fn is_production(w: &Evaluated) -> bool {
    w.environment
        .as_ref()
        .and_then(|e| e.get("tier"))
        .and_then(Val::str)
        == Some("production")
}

/// E0210: a service needs an image, a build, an external endpoint or a host process.
fn runnable(name: &str, s: &Val, span: Span, diags: &mut Vec<Diagnostic>) {
    if ["image", "build", "external", "host"]
        .iter()
        .any(|k| s.is_set(k))
    {
        return;
    }
    diags.push(
        Diagnostic::new(Code::E0210, span, format!("service `{name}` has nothing to run"))
            .label("no `image`, `build`, `external` or `host`")
            .help("set `image = \"name:tag\"`, add a `build { context = \"…\" }` block, or describe an `external` service"),
    );
}

/// E0209: fields that exclude each other.
fn exclusive(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    let head = |v: &Val| head_span(&p.map, v.span);
    if let Some(ext) = s.get("external") {
        for k in ["image", "build", "host"] {
            if let Some(v) = s.get(k) {
                diags.push(conflict(
                    head(v),
                    k,
                    head(ext),
                    "external",
                    "an external service is not run by this stack",
                ));
            }
        }
    }
    for v in s
        .get("volume")
        .and_then(Val::as_map)
        .into_iter()
        .flat_map(|m| m.values())
    {
        one_of(
            v,
            head(v),
            &["size", "bind", "tmpfs"],
            "a volume is persistent (`size`), a bind mount (`bind`) or memory (`tmpfs`)",
            diags,
        );
    }
    for v in s
        .get("file")
        .and_then(Val::as_map)
        .into_iter()
        .flat_map(|m| m.values())
    {
        one_of(
            v,
            head(v),
            &["source", "config", "content"],
            "a file's text comes from a repository file (`source`), a config key (`config`) or the stack (`content`)",
            diags,
        );
    }
    for probe in ["health", "liveness", "readiness", "startup"] {
        if let Some(v) = s.get(probe) {
            one_of_opt(
                v,
                &["http", "tcp", "exec", "shell"],
                "a probe checks one thing: `http`, `tcp`, `exec` or `shell`",
                diags,
            );
        }
    }
    if let Some(ps) = s.get("pre_stop") {
        one_of(
            ps,
            head(ps),
            &["exec", "shell", "sleep"],
            "a pre-stop hook runs one thing: `exec`, `shell` or `sleep`",
            diags,
        );
    }
    if let Some(d) = s.get("disruption") {
        one_of(
            d,
            head(d),
            &["min_available", "max_unavailable"],
            "a disruption budget sets `min_available` or `max_unavailable`",
            diags,
        );
    }
}

fn one_of(v: &Val, head: Span, keys: &[&str], why: &str, diags: &mut Vec<Diagnostic>) {
    let set: Vec<(&str, &Val)> = keys
        .iter()
        .filter_map(|k| v.get(k).map(|x| (*k, x)))
        .collect();
    if set.is_empty() {
        let list = keys
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        diags.push(
            Diagnostic::new(Code::E0209, head, format!("set one of {list}"))
                .label("none is set")
                .help(why.to_string()),
        );
    }
    one_of_opt(v, keys, why, diags);
}

fn one_of_opt(v: &Val, keys: &[&str], why: &str, diags: &mut Vec<Diagnostic>) {
    let set: Vec<(&str, &Val)> = keys
        .iter()
        .filter_map(|k| v.get(k).map(|x| (*k, x)))
        .filter(|(_, x)| x.bool() != Some(false))
        .collect();
    if let [(ka, va), (kb, vb), ..] = set.as_slice() {
        diags.push(conflict(vb.span, kb, va.span, ka, why));
    }
}

fn conflict(span: Span, a: &str, other: Span, b: &str, why: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0209,
        span,
        format!("`{a}` and `{b}` exclude each other"),
    )
    .label(format!("`{a}` set here"))
    .secondary(other, format!("`{b}` set here"))
    .help(format!("{why}; remove one of them"))
}

/// E0314: `exec = ["CMD-SHELL", …]` (and `CMD`, `NONE`): Compose's test
/// keywords inside `exec`, which runs its list as written. Compose would
/// get `[CMD, CMD-SHELL, …]` and Kubernetes would run a program named
/// `CMD-SHELL`.
fn exec_keywords(s: &Val, diags: &mut Vec<Diagnostic>) {
    for probe in ["health", "liveness", "readiness", "startup"] {
        let Some(exec) = s.get(probe).and_then(|p| p.get("exec")) else {
            continue;
        };
        let items = exec.list();
        let Some(first) = items.first() else { continue };
        let Some(word) = first.str() else { continue };
        let rest: Vec<String> = items[1..]
            .iter()
            .map(|v| format!("{:?}", v.str().unwrap_or_default()))
            .collect();
        let (help, fix) = match word {
            "CMD-SHELL" => {
                let line = items[1..]
                    .iter()
                    .filter_map(Val::str)
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    format!("replace `exec` with `shell = {line:?}`, which runs the line with `/bin/sh -c` in every target"),
                    None,
                )
            }
            "CMD" => {
                let list = format!("[{}]", rest.join(", "));
                (
                    format!("`exec` runs its list as written; leave out `CMD`: `exec = {list}`"),
                    Some(list),
                )
            }
            "NONE" => (
                format!("to have no check, remove the `{probe}` block (or set `{probe} = null` in an environment)"),
                None,
            ),
            _ => continue,
        };
        let mut d = Diagnostic::new(
            Code::E0314,
            first.span,
            format!("`{word}` is a Docker Compose keyword, not a command to run"),
        )
        .label("`exec` runs this list as written")
        .note(format!("stackc adds Compose's `CMD` itself; Kubernetes would try to run a program named `{word}`"))
        .help(help);
        if let Some(list) = fix {
            d = d.fix(exec.span, list);
        }
        diags.push(d);
    }
}

/// E0310: HTTP probe paths and ingress paths start with `/`.
fn http_paths(s: &Val, diags: &mut Vec<Diagnostic>) {
    let probes = ["health", "liveness", "readiness", "startup"]
        .into_iter()
        .filter_map(|p| s.get(p)?.get("http"));
    let ingress = s
        .get("ingress")
        .and_then(|i| i.get("paths"))
        .map(Val::list)
        .unwrap_or_default();
    for v in probes.chain(ingress.iter()) {
        let Some(path) = v.str() else { continue };
        if path.starts_with('/') {
            continue;
        }
        let fixed = format!("/{}", path.trim_start_matches(['.', ' ']));
        diags.push(
            Diagnostic::new(
                Code::E0310,
                v.span,
                format!("the HTTP path `{path}` does not start with `/`"),
            )
            .label("not an absolute path")
            .help(format!("write it from the root: \"{fixed}\""))
            .fix(v.span, format!("\"{fixed}\"")),
        );
    }
}

/// E0315: a volume's `mount` is a path inside the container, from its
/// root; Kubernetes rejects a relative `mountPath` only at apply time.
fn mount_paths(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    for (path, f) in s.get("file").and_then(Val::as_map).into_iter().flatten() {
        if path.starts_with('/') && !path.ends_with('/') {
            continue;
        }
        let fixed = format!("/{}", path.trim_start_matches("./").trim_start_matches('/'));
        let fixed = fixed.trim_end_matches('/');
        diags.push(
            Diagnostic::new(
                Code::E0315,
                head_span(&p.map, f.span),
                format!("a file is mounted at `{path}`, which is not an absolute file path"),
            )
            .label("a file path inside the container, from its root")
            .help(format!(
                "write the whole path of the file, e.g. \"{fixed}\""
            )),
        );
    }
    let Some(volumes) = s.get("volume").and_then(Val::as_map) else {
        return;
    };
    for (name, v) in volumes {
        let Some(m) = v.get("mount") else { continue };
        let Some(path) = m.str() else { continue };
        if path.starts_with('/') {
            continue;
        }
        let fixed = format!("/{}", path.trim_start_matches("./"));
        diags.push(
            Diagnostic::new(
                Code::E0315,
                m.span,
                format!("volume `{name}` is mounted at `{path}`, which is not an absolute path"),
            )
            .label("a path inside the container, from its root")
            .help(format!("write it from the root: \"{fixed}\""))
            .fix(m.span, format!("\"{fixed}\"")),
        );
    }
}

/// E0318: a probe whose check may take as long as the time between checks
/// (the next check starts before the last one gave up).
fn probe_timing(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    let ms = |v: &Val| match v.kind {
        ValKind::Quantity(Quantity::Duration(ms)) => Some(ms),
        _ => None,
    };
    for probe in ["health", "liveness", "readiness", "startup"] {
        let Some(pr) = s.get(probe) else { continue };
        let (Some(t), Some(i)) = (pr.get("timeout"), pr.get("interval")) else {
            continue;
        };
        let (Some(tm), Some(im)) = (ms(t), ms(i)) else {
            continue;
        };
        // Only a timeout the user wrote: the default's relation to short
        // intervals is the defaults' business, not a mistake in the stack.
        let user = |v: &Val| !p.map.is_stdlib(v.span.file);
        if tm < im || !user(t) {
            continue;
        }
        let (primary, other, other_what) = (t, i, "the interval");
        let show = |m: u64| {
            if m.is_multiple_of(1000) {
                format!("{}s", m / 1000)
            } else {
                format!("{m}ms")
            }
        };
        let fixed = (im / 2).max(1);
        let mut d = Diagnostic::new(
            Code::E0318,
            primary.span,
            format!(
                "the `{probe}` check may take {} (`timeout`), as long as or longer than the {} between checks (`interval`)",
                show(tm),
                show(im)
            ),
        )
        .label("a check would still be running when the next one starts");
        if user(other) {
            d = d.secondary(other.span, other_what);
        }
        d = d.help(format!(
            "make the timeout shorter than the interval, e.g. `timeout = {}`",
            show(fixed)
        ));
        diags.push(d);
    }
}

fn millis(v: Option<&Val>) -> Option<u64> {
    match v?.kind {
        ValKind::Quantity(Quantity::Duration(ms)) => Some(ms),
        _ => None,
    }
}

/// `1m30s`-style text of a duration.
fn show_ms(ms: u64) -> String {
    crate::units::format_duration(ms)
}

/// Two values that read the same (spans aside).
fn same_value(a: Option<&Val>, b: Option<&Val>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => match (&a.kind, &b.kind) {
            (ValKind::List(x), ValKind::List(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(Some(a), Some(b)))
            }
            (ValKind::Str(x), ValKind::Str(y)) => x == y,
            (ValKind::Int(x), ValKind::Int(y)) => x == y,
            (ValKind::Bool(x), ValKind::Bool(y)) => x == y,
            (ValKind::Quantity(x), ValKind::Quantity(y)) => x == y,
            (ValKind::Ref(x), ValKind::Ref(y)) => x == y,
            (ValKind::Enum(x), ValKind::Enum(y)) => x == y,
            _ => false,
        },
        _ => false,
    }
}

/// Two probes that run the same check (the same path, port or command).
fn same_check(a: &Val, b: &Val) -> bool {
    ["http", "tcp", "exec", "shell", "port"]
        .iter()
        .all(|k| same_value(a.get(k), b.get(k)))
}

/// E0319: without a startup probe, a liveness probe that runs the same
/// check as a readiness probe with an initial delay gives up (initial
/// delay + retries × interval) before that delay is over: the check is
/// expected to fail until then, so every start ends in a restart. With a
/// startup probe (declared, or derived from a `start_period`) liveness
/// waits for it, so nothing is reported.
fn liveness_budget(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    let (Some(readiness), Some(liveness)) = (
        s.get("readiness"),
        s.get("liveness").or_else(|| s.get("health")),
    ) else {
        return;
    };
    let guarded = s.get("startup").is_some()
        || ["health", "liveness", "readiness"]
            .iter()
            .any(|k| s.get(k).and_then(|pr| pr.get("start_period")).is_some());
    if guarded || !same_check(liveness, readiness) {
        return;
    }
    let Some(ready_at) = millis(readiness.get("initial_delay")) else {
        return;
    };
    let interval = millis(liveness.get("interval")).unwrap_or(10_000);
    let retries = liveness
        .get("retries")
        .and_then(Val::int)
        .unwrap_or(3)
        .max(1) as u64;
    let delay = millis(liveness.get("initial_delay")).unwrap_or(0);
    let gives_up = delay + retries * interval;
    if gives_up >= ready_at {
        return;
    }
    let which = if s.get("liveness").is_some() {
        "liveness"
    } else {
        "health"
    };
    let head = head_span(&p.map, liveness.span);
    let mut d = Diagnostic::new(
        Code::E0319,
        head,
        format!(
            "the `{which}` probe restarts the container after {} of failed checks, but `readiness` only starts checking after {}",
            show_ms(gives_up),
            show_ms(ready_at)
        ),
    )
    .label("gives up before the service is expected to be ready")
    .note("Kubernetes runs liveness from the start; it does not wait for readiness");
    if let Some(r) = readiness.get("initial_delay") {
        d = d.secondary(
            r.span,
            "the service is not expected to be ready before this",
        );
    }
    let needed = ready_at.div_ceil(interval).max(retries + 1);
    diags.push(d.help(format!(
        "add a startup probe with the same check that allows the slow start, e.g. `startup {{ … retries = {needed} }}` ({needed} × {}), or give `{which}` `initial_delay = {}`",
        show_ms(interval),
        show_ms(ready_at)
    )));
}

/// E0320: `liveness` and `readiness` written out identically (the same
/// check, interval, timeout and retries) on a service that starts slowly
/// (a startup probe, a `start_period` or an initial delay of 30 s or more).
/// Both fail at the same moment, so an instance that is only busy is
/// restarted instead of being taken out of traffic, and each restart costs
/// the slow start again. Kubernetes' guidance: the same cheap endpoint, but
/// liveness with a higher failure threshold.
fn liveness_like_readiness(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    let (Some(l), Some(r)) = (s.get("liveness"), s.get("readiness")) else {
        return;
    };
    let identical = same_check(l, r)
        && [
            "interval",
            "timeout",
            "retries",
            "initial_delay",
            "success_threshold",
        ]
        .iter()
        .all(|k| same_value(l.get(k), r.get(k)));
    if !identical {
        return;
    }
    let slow = s.get("startup").is_some()
        || ["health", "liveness", "readiness"].iter().any(|k| {
            let pr = s.get(k);
            pr.and_then(|pr| pr.get("start_period")).is_some()
                || millis(pr.and_then(|pr| pr.get("initial_delay"))).is_some_and(|d| d >= 30_000)
        });
    if !slow {
        return;
    }
    let retries = l.get("retries").and_then(Val::int).unwrap_or(3);
    let more = (retries * 2).max(retries + 2);
    let mut d = Diagnostic::new(
        Code::E0320,
        head_span(&p.map, l.span),
        "`liveness` is identical to `readiness` on a service that starts slowly",
    )
    .label("fails at the same moment as readiness")
    .secondary(head_span(&p.map, r.span), "the same check, timing and retries")
    .note("a busy instance is restarted instead of taken out of traffic, and each restart pays the slow start again")
    .help(format!(
        "give `liveness` more retries than `readiness`, e.g. `retries = {more}`, so that an instance leaves traffic first and is restarted only if it stays unhealthy"
    ));
    if let Some(v) = l.get("retries").filter(|v| !p.map.is_stdlib(v.span.file)) {
        d = d.fix(v.span, more.to_string());
    }
    diags.push(d);
}

/// E0316: an ingress `host` is a DNS name: no scheme, path or port, and
/// lowercase labels of letters, digits and `-` (a leading `*.` allowed).
fn ingress_host(s: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(h) = s.get("ingress").and_then(|i| i.get("host")) else {
        return;
    };
    let Some(host) = h.str() else { return };
    let bare = host
        .split_once("://")
        .map_or(host, |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let bare = bare.rsplit_once('@').map_or(bare, |(_, h)| h);
    let bare = match bare.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => bare,
    };
    let fixed = bare.to_ascii_lowercase();
    let name = fixed.strip_prefix("*.").unwrap_or(&fixed);
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let valid = !name.is_empty() && name.len() <= 253 && name.split('.').all(valid_label);
    if host == fixed && valid {
        return;
    }
    let what = if host.contains("://") {
        "has a scheme"
    } else if host.contains('/') {
        "has a path"
    } else if host != bare && bare != host.to_ascii_lowercase() {
        "has a port"
    } else if host.bytes().any(|b| b.is_ascii_uppercase()) {
        "has uppercase letters"
    } else {
        "is not a valid DNS name"
    };
    let mut d = Diagnostic::new(
        Code::E0316,
        h.span,
        format!("the ingress host `{host}` {what}"),
    )
    .label("Kubernetes expects a bare host name here");
    if valid {
        d = d
            .help(format!(
                "write the host alone: \"{fixed}\" (paths go in `paths`, TLS in `tls`)"
            ))
            .fix(h.span, format!("\"{fixed}\""));
    } else {
        d = d.help("use lowercase letters, digits, `-` and `.` only, e.g. \"shop.example.com\"");
    }
    diags.push(d);
}

/// E0317: an `image` no registry accepts: whitespace, uppercase letters in
/// the repository, or a tag that is not `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn image_reference(s: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(v) = s.get("image") else { return };
    let Some(image) = v.str() else { return };
    if image.contains("${") {
        return;
    }
    let (name, digest) = image
        .split_once('@')
        .map_or((image, None), |(n, d)| (n, Some(d)));
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    // The registry host (first component with `.` or `:`) may be mixed-case.
    let path = match repo.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => repo,
    };
    let tag_ok = |t: &str| {
        !t.is_empty()
            && t.len() <= 128
            && !t.starts_with(['.', '-'])
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    };
    let problem = if image.trim().is_empty() {
        Some("is empty".to_string())
    } else if image.chars().any(char::is_whitespace) {
        Some("contains whitespace".to_string())
    } else if path.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(format!("has uppercase letters in its repository `{path}`"))
    } else if tag.is_some_and(|t| !tag_ok(t)) {
        Some(format!(
            "has the tag `{}`, which no registry accepts",
            tag.unwrap_or_default()
        ))
    } else if digest.is_some_and(|d| !d.starts_with("sha256:")) {
        Some("has a digest that is not `sha256:…`".to_string())
    } else {
        None
    };
    let Some(problem) = problem else { return };
    let fixed = {
        // `nginx:1.27 alpine` meant `nginx:1.27-alpine`; a space next to
        // a separator (`api: 1.0`, `acme/ api`) is dropped.
        let words: Vec<&str> = image.split_whitespace().collect();
        let mut t = String::new();
        for w in &words {
            let joined =
                t.is_empty() || t.ends_with([':', '/', '@']) || w.starts_with([':', '/', '@']);
            if !joined {
                t.push('-');
            }
            t.push_str(w);
        }
        let mut out = t.clone();
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            out = t.replacen(path, &path.to_ascii_lowercase(), 1);
        }
        out
    };
    let mut d = Diagnostic::new(
        Code::E0317,
        v.span,
        format!("the image `{image}` {problem}"),
    )
    .label("no registry accepts this reference");
    if fixed != image && !fixed.is_empty() {
        d = d
            .help(format!("write it as \"{fixed}\""))
            .fix(v.span, format!("\"{fixed}\""));
    } else {
        d = d.help("an image is `[registry/]path[:tag]`: lowercase path, tag of letters, digits, `_`, `.` and `-`");
    }
    diags.push(d);
}

/// E0303: request above limit.
fn resources(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(r) = s.get("resources") else { return };
    for kind in ["cpu", "memory"] {
        let Some(v) = r.get(kind) else { continue };
        let ValKind::Range(lo, hi) = &v.kind else {
            continue;
        };
        if let (Some(a), Some(b)) = (amount(lo), amount(hi)) {
            if a > b {
                diags.push(
                    Diagnostic::new(
                        Code::E0303,
                        lo.span,
                        format!("the {kind} request is above its limit"),
                    )
                    .label("request")
                    .secondary(hi.span, "limit")
                    .fix(
                        lo.span.to(hi.span),
                        format!("{}..{}", p.map.snippet(hi.span), p.map.snippet(lo.span)),
                    )
                    .help(format!(
                        "write `{kind} = request..limit` with the request at most the limit, e.g. `{kind} = {}..{}`",
                        p.map.snippet(hi.span),
                        p.map.snippet(lo.span)
                    )),
                );
            }
        }
    }
}

fn amount(v: &Val) -> Option<u64> {
    match v.kind {
        ValKind::Quantity(Quantity::Cpu(m)) => Some(m),
        ValKind::Quantity(Quantity::Bytes(b)) => Some(b),
        _ => None,
    }
}

/// E0330: `load_balancer` settings on a service not exposed through a
/// load balancer (they would be ignored); E0331: an `expose` its ports
/// contradict (a fixed NodePort on a ClusterIP service, or an exposure
/// of a service without ports, which gets no Kubernetes Service).
fn exposure(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    let expose = s.get("expose");
    let kind = expose.and_then(Val::str);
    if let Some(lb) = s.get("load_balancer") {
        if kind != Some("load_balancer") {
            let mut d = Diagnostic::new(
                Code::E0330,
                head_span(&p.map, lb.span),
                "`load_balancer` settings on a service that is not exposed through a load balancer",
            )
            .label("ignored: the Kubernetes Service is not of type LoadBalancer");
            if let Some(e) = expose {
                d = d.secondary(e.span, format!("exposed as `{}`", kind.unwrap_or("?")));
            }
            diags.push(d.help("set `expose = load_balancer`, or remove the `load_balancer` block"));
        }
    }
    let (Some(e), Some(kind)) = (expose, kind) else {
        return;
    };
    let ports = s.get("port").and_then(Val::as_map);
    let no_ports = ports.is_none_or(|m| m.is_empty());
    if no_ports && kind != "cluster_ip" {
        diags.push(
            Diagnostic::new(
                Code::E0331,
                e.span,
                format!("`expose = {kind}` on a service without ports"),
            )
            .label("a service without ports gets no Kubernetes Service to expose")
            .help(
                "declare the port to expose (`port http { container = 8080 }`), or remove `expose`",
            ),
        );
        return;
    }
    if kind != "cluster_ip" {
        return;
    }
    for (name, port) in ports.into_iter().flatten() {
        if let Some(np) = port.get("node_port") {
            diags.push(
                Diagnostic::new(
                    Code::E0331,
                    np.span,
                    format!(
                        "port `{name}` sets a NodePort, but the service is exposed as `cluster_ip`"
                    ),
                )
                .label("a ClusterIP Service has no node ports")
                .secondary(e.span, "exposed inside the cluster only")
                .help(
                    "remove `node_port`, or expose the service as `node_port` or `load_balancer`",
                ),
            );
        }
    }
}

/// E0332: `pod_management` on a service that is not stateful (only a
/// StatefulSet has a pod management policy); E0333: autoscaling a
/// stateful service (every pod the autoscaler adds starts with empty
/// volumes of its own, and scaling down leaves their claims behind).
fn stateful(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    let workload = s.get("workload");
    let is_stateful = workload.and_then(Val::str) == Some("stateful");
    if let Some(pm) = s.get("pod_management").filter(|_| !is_stateful) {
        let mut d = Diagnostic::new(
            Code::E0332,
            key_before(&p.map, pm.span, "pod_management"),
            "`pod_management` on a service that is not `stateful`",
        )
        .label("only a StatefulSet starts its pods in an order");
        if let Some(w) = workload.filter(|w| !p.map.is_stdlib(w.span.file)) {
            d = d.secondary(w.span, "runs as a Deployment");
        }
        diags.push(d.help("set `workload = stateful`, or remove `pod_management`"));
    }
    let (Some(a), Some(w)) = (s.get("autoscale"), workload) else {
        return;
    };
    if is_stateful {
        diags.push(
            Diagnostic::new(
                Code::E0333,
                head_span(&p.map, a.span),
                "autoscaling a stateful service",
            )
            .label("the autoscaler adds and removes StatefulSet pods")
            .secondary(w.span, "each pod has volumes of its own")
            .help("every pod the autoscaler adds starts with empty volumes, and scaling down leaves their claims behind: set a fixed `replicas` (and scale by hand), or make the service a `deployment`"),
        );
    }
}

/// E0334: an init container that would run the service itself (no image,
/// command or arguments of its own: the pod would start the service's
/// program, which never completes, before the service); E0335: an init
/// container named like its service (container names of a pod are unique);
/// E0360: an init container whose Compose service and Quadlet unit,
/// `<service>-init-<name>`, is named like another service of the stack.
pub(super) fn inits(p: &Program, w: &Evaluated, name: &str, s: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(inits) = s.get("init").and_then(Val::as_map) else {
        return;
    };
    for (iname, init) in inits.iter() {
        let head = head_span(&p.map, init.span);
        if !["image", "command", "args"].iter().any(|k| init.is_set(k)) {
            diags.push(
                Diagnostic::new(
                    Code::E0334,
                    head,
                    format!("init container `{iname}` runs the service's own program"),
                )
                .label("no `image`, `command` or `args` of its own")
                .help("say what it runs: `command = [\"…\"]` (in the service's image), or an `image` of its own"),
            );
        }
        if &**iname == name {
            diags.push(
                Diagnostic::new(
                    Code::E0335,
                    head,
                    format!("init container `{iname}` has the name of its service"),
                )
                .label("the service's container has this name too")
                .help(format!("rename it, e.g. `init {iname}-init {{ … }}` or after what it does (`init migrate`)")),
            );
        }
        let unit = format!("{name}-init-{iname}");
        if w.services.contains_key(&unit) {
            let mut d = Diagnostic::new(
                Code::E0360,
                head,
                format!("init container `{iname}` of `{name}` runs as `{unit}`, which is also the name of a service"),
            )
            .label(format!("Compose runs it as the service `{unit}`, Quadlet as `{unit}.container`"))
            .help(format!("rename the init container or the service `{unit}`"));
            if let Some(sym) = p.symbols.services.get(&unit) {
                d = d.secondary(sym.name_span, "the service with that name");
            }
            diags.push(d);
        }
    }
}

/// E0336: `evict_after` on a toleration of another effect than
/// `no_execute` (only NoExecute taints evict; Kubernetes rejects the pod).
fn tolerations(s: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(ts) = s.get("toleration").and_then(Val::as_map) else {
        return;
    };
    for (key, t) in ts.iter() {
        let Some(after) = t.get("evict_after") else {
            continue;
        };
        let effect = t.get("effect");
        if effect.and_then(Val::str) == Some("no_execute") {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::E0336,
            after.span,
            format!(
                "toleration `{key}` sets `evict_after`, but only a `no_execute` taint evicts pods"
            ),
        )
        .label("Kubernetes rejects tolerationSeconds without effect NoExecute");
        d = match effect {
            Some(e) => d.secondary(e.span, "this effect never evicts"),
            None => d,
        };
        diags.push(d.help("set `effect = no_execute`, or remove `evict_after`"));
    }
}

/// E0337: `${svc.host}` / `${svc.port.NAME}` in a `command` or `args`
/// (the service's or an init container's). A command is one list of words
/// for every target, but a service's address is not (the Kubernetes Service
/// port, the Compose container port, the Helm release prefix): only `env`
/// renders it per target, and a command reads it from there. An external
/// service's address is the same everywhere and may be written.
pub(super) fn addresses_in_commands(
    p: &Program,
    w: &Evaluated,
    s: &Val,
    diags: &mut Vec<Diagnostic>,
) {
    // An external service has one address everywhere: its `external` host and port.
    let runs_here = |svc: &str| w.services.get(svc).is_none_or(|v| !v.is_set("external"));
    let mut lists: Vec<(String, &Val)> = Vec::new();
    for field in ["command", "args"] {
        if let Some(v) = s.get(field) {
            lists.push((format!("`{field}`"), v));
        }
    }
    for (name, init) in s.get("init").and_then(Val::as_map).into_iter().flatten() {
        for field in ["command", "args"] {
            if let Some(v) = init.get(field) {
                lists.push((format!("`{field}` of init container `{name}`"), v));
            }
        }
    }
    for (what, list) in lists {
        for word in list.list() {
            let ValKind::Interp(parts) = &word.kind else {
                continue;
            };
            let Some((reference, var)) = parts.iter().find_map(|part| match part {
                crate::value::Part::Host(svc) if runs_here(svc) => {
                    Some((format!("{svc}.host"), format!("{}_HOST", env_word(svc))))
                }
                crate::value::Part::Port(svc, port) if runs_here(svc) => Some((
                    format!("{svc}.port.{port}"),
                    format!("{}_PORT", env_word(svc)),
                )),
                _ => None,
            }) else {
                continue;
            };
            let text = p.map.snippet(word.span);
            let span = match text.find(&reference) {
                Some(i) => Span::new(
                    word.span.file,
                    word.span.start as usize + i,
                    word.span.start as usize + i + reference.len(),
                ),
                None => word.span,
            };
            diags.push(
                Diagnostic::new(
                    Code::E0337,
                    span,
                    format!("{what} refers to a service's address (`${{{reference}}}`)"),
                )
                .label("a command is the same words in every target")
                .note("a service's address depends on the target (the Kubernetes Service port, the Compose container port, the Helm release name); only `env` is rendered per target")
                .help(format!(
                    "set it in `env` (`{var} = \"${{{reference}}}\"`) and let a shell read the variable: `[\"sh\", \"-c\", \"… ${var} …\"]`"
                )),
            );
        }
    }
}

/// A service name as part of an environment variable name.
fn env_word(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// E0304 and E0309.
fn autoscale(p: &Program, s: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(a) = s.get("autoscale") else { return };
    if let (Some(min), Some(max)) = (a.get("min"), a.get("max")) {
        if min.int() > max.int() {
            diags.push(
                Diagnostic::new(
                    Code::E0304,
                    min.span,
                    format!(
                        "autoscale minimum {} is above the maximum {}",
                        min.int().unwrap_or(0),
                        max.int().unwrap_or(0)
                    ),
                )
                .label("minimum")
                .secondary(max.span, "maximum")
                .help("make `min` at most `max`"),
            );
        }
    }
    for metric in ["cpu", "memory"] {
        if let Some(target) = a.get(metric) {
            if !s.field("resources").is_some_and(|r| r.is_set(metric)) {
                diags.push(
                    Diagnostic::new(Code::E0312, target.span, format!("autoscaling on {metric} utilisation needs a {metric} request"))
                        .label(format!("a percentage of the {metric} request"))
                        .help(format!("set `resources {{ {metric} = REQUEST..LIMIT }}`; without a request the autoscaler cannot compute utilisation and never scales")),
                );
            }
        }
    }
    if !a.is_set("cpu") && !a.is_set("memory") {
        diags.push(
            Diagnostic::new(
                Code::E0204,
                head_span(&p.map, a.span),
                "autoscaling needs a target",
            )
            .label("no `cpu` or `memory` target")
            .help("add `cpu = 70%` (and/or `memory = 80%`)"),
        );
    }
    if let Some(r) = s.get("replicas") {
        if !p.map.is_stdlib(r.span.file) {
            diags.push(
                Diagnostic::new(
                    Code::E0309,
                    r.span,
                    "`replicas` is ignored while `autoscale` is set",
                )
                .label("fixed replica count")
                .secondary(
                    head_span(&p.map, a.span),
                    "autoscaling decides the replica count",
                )
                .help("remove `replicas`, or set `autoscale.min` to the count you want at least"),
            );
        }
    }
}

/// E0501: `latest` or no tag in production.
fn image_tag(name: &str, s: &Val, w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    let built = s.get("build").is_some();
    let Some(image) = s.get("image").or(s.get("build").filter(|_| built)) else {
        return;
    };
    // The same precedence as the model: the service's `tag`, a tag written
    // in the image, then (built images only) the environment's `tag` and
    // the stack's version.
    let explicit = s.get("tag");
    let written = s.get("image").and_then(Val::str).and_then(tag_of);
    let env_tag = w
        .environment
        .as_ref()
        .and_then(|e| e.get("tag"))
        .filter(|_| built);
    let version = built.then(|| w.stack.get("version")).flatten();
    let (tag, span) = match (explicit, written, env_tag, version) {
        (Some(t), ..) => (t.str().map(str::to_string), t.span),
        (None, Some(t), ..) => (Some(t.to_string()), image.span),
        (None, None, Some(t), _) | (None, None, None, Some(t)) => {
            (t.str().map(str::to_string), t.span)
        }
        (None, None, None, None) => (None, image.span),
    };
    let problem = match tag.as_deref() {
        None => "has no tag",
        Some("latest") => "uses the `latest` tag",
        Some(_) => return,
    };
    let env = w.env.as_deref().unwrap_or("");
    let help = match s.get("image").and_then(Val::str).filter(|_| !built) {
        // A published image: its own versions, not this stack's.
        Some(image) => {
            let repo = image.split('@').next().unwrap_or(image);
            let repo = match tag_of(repo) {
                Some(t) => &repo[..repo.len() - t.len() - 1],
                None => repo,
            };
            let short = repo.rsplit('/').next().unwrap_or(repo);
            format!(
                "pin a version of {short}, e.g. `image = \"{repo}:<version>\"` with a release from its registry (or `tag = \"<version>\"` in `environment {env} {{ service {name} {{ … }} }}`)"
            )
        }
        // An image this stack builds: the stack's version or a release tag.
        None => {
            let version = w
                .stack
                .get("version")
                .and_then(Val::str)
                .unwrap_or("1.0.0")
                .to_string();
            format!(
                "pin the version you release: `tag = \"{version}\"` in `environment {env} {{ service {name} {{ … }} }}` (or set `tag` on the environment)"
            )
        }
    };
    diags.push(
        Diagnostic::new(
            Code::E0501,
            span,
            format!("service `{name}` {problem} in production environment `{env}`"),
        )
        .label("not a pinned version")
        .help(help),
    );
}

/// The tag of `registry/name:tag` (a `:` after the last `/`).
pub fn tag_of(image: &str) -> Option<&str> {
    let image = image.split('@').next().unwrap_or(image);
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, t)| t)
}

/// E0300 and E0307.
pub(super) fn depends_on(p: &Program, w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    // Nodes are the services by position, edges go to those of this world.
    let mut g = graph::Graph::with_capacity(w.services.len());
    for (name, s) in &w.services {
        let deps = s.get("depends_on").and_then(Val::as_map);
        for (dep, cond) in deps.into_iter().flatten() {
            let Some((i, _, target)) = w.services.get_full(&**dep) else {
                continue;
            };
            g.edge(i);
            if cond.str() == Some("healthy")
                && target.get("health").is_none()
                && target.get("readiness").is_none()
            {
                diags.push(
                    Diagnostic::new(Code::E0307, cond.span, format!("`{name}` waits for `{dep}` to be healthy, but `{dep}` has no health check"))
                        .label("waits forever")
                        .secondary(p.symbols.services[&**dep].name_span, "no `health` block")
                        .help(format!("add a `health {{ … }}` block to `{dep}`, or write `{dep} = started`")),
                );
            }
        }
        g.close();
    }
    for cycle in g.cycles() {
        let names: Vec<String> = cycle
            .into_iter()
            .filter_map(|i| w.services.get_index(i).map(|(n, _)| n.clone()))
            .collect();
        diags.push(depends_on_cycle(p, w, &names));
    }
}

/// E0300: the dependency that closes the cycle, the other edges as labels.
fn depends_on_cycle(p: &Program, w: &Evaluated, cycle: &[String]) -> Diagnostic {
    // The span of `b` in `a`'s `depends_on { b = … }`: the key, found
    // before its condition's span.
    let edge = |a: &str, b: &str| {
        let cond = w.services[a].get("depends_on")?.get(b)?;
        Some(key_before(&p.map, cond.span, b))
    };
    let on = |a: &str, b: &str| format!("`{a}` depends on `{b}`");
    let primary = edge(&cycle[0], &cycle[1]).unwrap_or(p.symbols.services[&cycle[0]].name_span);
    let mut d = Diagnostic::new(
        Code::E0300,
        primary,
        format!("`depends_on` cycle: {}", cycle.join(" → ")),
    )
    .label(on(&cycle[0], &cycle[1]))
    .help(
        "services in a cycle wait for each other and never start; remove one of the dependencies",
    );
    for pair in cycle.windows(2).skip(1) {
        if let Some(span) = edge(&pair[0], &pair[1]) {
            d = d.secondary(span, on(&pair[0], &pair[1]));
        }
    }
    d
}
