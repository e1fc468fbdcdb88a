//! Port rules: probes and ingress on declared ports, `${svc.port.NAME}`
//! naming a real port, host ports published once, NodePorts in range and
//! unique, port and volume names valid for Kubernetes.

use super::{per_service, Across, Service};
use crate::check::head_span;
use crate::check::refs::is_dns_label;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::eval::{Address, Evaluated};
use crate::resolve::Program;
use crate::source::Span;
use crate::value::{Ref, Val, ValKind};
use indexmap::IndexMap;

pub fn run(
    prog: &Program,
    w: &Evaluated,
    services: &[Service],
    across: &Across,
    diags: &mut Vec<Diagnostic>,
) {
    // In an environment that changes no service's ports, the ports its
    // addresses name and those published are the base's.
    let ports_kept = across.leaves(&PORTS_READ);
    // Each service's own findings first; the ports published across
    // services in one pass after.
    per_service(
        services,
        |svc, diags| {
            if !(ports_kept && svc.addresses_as_in_base()) {
                interpolated_ports(prog, svc.strings.addresses(), w, diags);
            }
            // Again only where this world changed a field they read.
            if !svc.change.leaves(&OWN_PORTS_READ) {
                own_ports(prog, svc.name, svc.value, diags);
            }
        },
        diags,
    );
    if !ports_kept {
        published(w, diags);
    }
}

/// The fields of the services [`published`] and [`interpolated_ports`]
/// read (all they read, besides which services there are and, for the
/// latter, the addresses in a service's strings).
pub(super) const PORTS_READ: [&str; 1] = ["port"];

/// E0302, E0305, E0308: host ports and NodePorts of the world's services.
pub(super) fn published(w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    let mut host_ports: IndexMap<(i64, String), (String, Span), rustc_hash::FxBuildHasher> =
        IndexMap::default();
    let mut node_ports: IndexMap<i64, (String, Span), rustc_hash::FxBuildHasher> =
        IndexMap::default();
    for (name, s) in &w.services {
        for (pname, p) in s.get("port").and_then(Val::as_map).into_iter().flatten() {
            unique(&mut host_ports, p, "host", name, pname, diags);
            node_port(&mut node_ports, p, name, diags);
        }
    }
}

/// The fields of a service [`own_ports`] reads (all it reads).
pub(super) const OWN_PORTS_READ: [&str; 7] = [
    "health",
    "liveness",
    "readiness",
    "startup",
    "ingress",
    "port",
    "volume",
];

/// Rules on one service's own ports, probes and volumes.
pub(super) fn own_ports(prog: &Program, name: &str, s: &Val, diags: &mut Vec<Diagnostic>) {
    let ports: Vec<&str> = port_names(s);
    for probe in ["health", "liveness", "readiness", "startup"] {
        let Some(pv) = s.get(probe) else { continue };
        match pv.get("port") {
            Some(port) => check_port_ref(name, port, &ports, probe, Code::E0301, diags),
            None if ports.is_empty()
                && (pv.get("http").is_some()
                    || pv.get("tcp").is_some_and(|t| t.bool() != Some(false))) =>
            {
                diags.push(
                    Diagnostic::new(Code::E0301, head_span(&prog.map, pv.span), format!("the {probe} probe of `{name}` needs a port, but `{name}` declares none"))
                        .label("an HTTP or TCP check connects to a port")
                        .help(format!("declare the port the process listens on, e.g. `port http {{ container = 8080 }}` in service `{name}`, or check with `exec = [ … ]`")),
                );
            }
            None => {}
        }
    }
    if let Some(port) = s.get("ingress").and_then(|i| i.get("port")) {
        check_port_ref(name, port, &ports, "ingress", Code::E0306, diags);
    }
    for (pname, p) in s.get("port").and_then(Val::as_map).into_iter().flatten() {
        port_name(pname, || head_span(&prog.map, p.span), diags);
    }
    for (vname, v) in s.get("volume").and_then(Val::as_map).into_iter().flatten() {
        if !is_dns_label(vname) {
            let fixed = crate::check::refs::to_dns_label(vname);
            diags.push(
                Diagnostic::new(
                    Code::E0207,
                    head_span(&prog.map, v.span),
                    format!("the volume name `{vname}` is not a valid DNS-1123 label"),
                )
                .label("used as a Kubernetes volume and claim name")
                .help(format!(
                    "use lowercase letters, digits and `-`, e.g. `{fixed}`"
                )),
            );
        }
    }
}

fn port_names(s: &Val) -> Vec<&str> {
    s.get("port")
        .and_then(Val::as_map)
        .map(|m| m.keys().map(|k| &**k).collect())
        .unwrap_or_default()
}

fn check_port_ref(
    svc: &str,
    port: &Val,
    ports: &[&str],
    what: &str,
    code: Code,
    diags: &mut Vec<Diagnostic>,
) {
    let ValKind::Ref(Ref::Port(name)) = &port.kind else {
        return;
    };
    if ports.contains(&name.as_str()) {
        return;
    }
    let help = if ports.is_empty() {
        Some(format!(
            "declare it: `port {name} {{ container = … }}` in service `{svc}`"
        ))
    } else {
        suggest::help_for_unknown("port", name, ports.iter().copied())
    };
    let message = if code == Code::E0301 {
        format!("the {what} probe of `{svc}` targets port `{name}`, which `{svc}` does not declare")
    } else {
        format!("the {what} of `{svc}` targets port `{name}`, which `{svc}` does not declare")
    };
    let mut d = Diagnostic::new(code, port.span, message)
        .label("undeclared port")
        .help_opt(help);
    if let Some(s) = suggest::did_you_mean(name, ports.iter().copied()) {
        d = d.fix(port.span, s);
    }
    diags.push(d);
}

/// E0306 for `${svc.port.NAME}` where `svc` has no such port (in a
/// service's strings, outside `union` blocks).
pub(super) fn interpolated_ports(
    p: &Program,
    addresses: &[Address],
    w: &Evaluated,
    diags: &mut Vec<Diagnostic>,
) {
    for a in addresses {
        let (Some(port), false) = (&a.port, a.tagged) else {
            continue;
        };
        let svc = &a.service;
        let Some(target) = w.services.get(svc) else {
            continue;
        };
        let names = port_names(target);
        if !names.contains(&port.as_str()) {
            let span = interp_span(p, a.span, svc, port);
            let mut d = Diagnostic::new(
                Code::E0306,
                span,
                format!("service `{svc}` has no port `{port}`"),
            )
            .label(format!("`{svc}` declares no port `{port}`"))
            .help_opt(suggest::help_for_unknown(
                "port",
                port,
                names.iter().copied(),
            ));
            let meant = suggest::did_you_mean(port, names.iter().copied());
            if let (Some(m), true) = (meant, span != a.span) {
                d = d.fix(span, format!("{svc}.port.{m}"));
            }
            diags.push(d);
        }
    }
}

/// The span of `svc.port.NAME` inside the string at `span` (the whole
/// string when it cannot be found, e.g. after a `let` substitution).
fn interp_span(p: &Program, span: Span, svc: &str, port: &str) -> Span {
    let text = p.map.snippet(span);
    let needle = format!("{svc}.port.{port}");
    match text.find(&needle) {
        Some(i) => Span::new(
            span.file,
            span.start as usize + i,
            span.start as usize + i + needle.len(),
        ),
        None => span,
    }
}

/// Kubernetes port names: at most 15 characters, lowercase, a letter in them.
fn port_name(name: &str, at: impl FnOnce() -> Span, diags: &mut Vec<Diagnostic>) {
    let ok = is_dns_label(name)
        && name.len() <= 15
        && name.chars().any(|c| c.is_ascii_lowercase())
        && !name.contains("--");
    if !ok {
        diags.push(
            Diagnostic::new(Code::E0207, at(), format!("the port name `{name}` is not valid in Kubernetes"))
                .label("port names are IANA service names")
                .help("use at most 15 lowercase letters, digits and `-`, with at least one letter, e.g. `http`, `grpc`, `metrics`"),
        );
    }
}

fn unique(
    seen: &mut IndexMap<(i64, String), (String, Span), rustc_hash::FxBuildHasher>,
    p: &Val,
    key: &str,
    svc: &str,
    pname: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(v) = p.get(key) else { return };
    let Some(n) = v.int() else { return };
    let proto = p
        .get("protocol")
        .and_then(Val::str)
        .unwrap_or("tcp")
        .to_string();
    let me = format!("{svc}.port.{pname}");
    if let Some((other, span)) = seen.get(&(n, proto.clone())) {
        diags.push(
            Diagnostic::new(
                Code::E0302,
                v.span,
                format!("host port {n}/{proto} is published twice"),
            )
            .label(format!("published by `{me}`"))
            .secondary(*span, format!("already published by `{other}`"))
            .help("each host port can be bound once; pick another `host` port"),
        );
        return;
    }
    seen.insert((n, proto), (me, v.span));
}

fn node_port(
    seen: &mut IndexMap<i64, (String, Span), rustc_hash::FxBuildHasher>,
    p: &Val,
    svc: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(v) = p.get("node_port") else { return };
    let Some(n) = v.int() else { return };
    if !(30000..=32767).contains(&n) {
        diags.push(
            Diagnostic::new(Code::E0305, v.span, format!("NodePort {n} is outside 30000–32767"))
                .label("outside the default NodePort range")
                .help("Kubernetes allocates NodePorts from 30000–32767 unless the cluster is configured otherwise; pick a port in that range"),
        );
        return;
    }
    if let Some((other, span)) = seen.get(&n) {
        diags.push(
            Diagnostic::new(Code::E0308, v.span, format!("NodePort {n} is used twice"))
                .label(format!("used by `{svc}`"))
                .secondary(*span, format!("already used by `{other}`"))
                .help("each NodePort is cluster-wide; pick another one"),
        );
        return;
    }
    seen.insert(n, (svc.to_string(), v.span));
}
