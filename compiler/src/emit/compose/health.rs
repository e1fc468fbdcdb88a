//! `healthcheck` (one per container: `health`, else `readiness`, else
//! `liveness`) and `depends_on` (long form with a condition).

use super::document::Cx;
use super::values::{duration, lit, lit_yaml};
use crate::emit::yaml::Yaml;
use crate::model::{Condition, Probe, Service};

/// Writes the service's health check and reports the probes Compose
/// cannot run.
pub(super) fn healthcheck(cx: &mut Cx, svc: &Service, doc: &mut Yaml) {
    let chosen = svc
        .health
        .as_ref()
        .or(svc.readiness.as_ref())
        .or(svc.liveness.as_ref());
    other_probes(cx, svc, chosen);
    let Some(p) = chosen else { return };
    let Some(test) = test(cx, svc, p) else { return };
    let mut h = Yaml::map().with("test", test);
    h.push_entry("interval", duration(p.interval));
    h.push_entry("timeout", duration(p.timeout));
    h.push_entry("retries", p.retries.into());
    start(cx, p, &mut h);
    if let Some(n) = p.success_threshold.filter(|n| *n > 1) {
        cx.findings.dropped(
            p.span,
            "success_threshold",
            format!("Compose counts a container healthy after one success, not {n}"),
        );
    }
    doc.push_entry("healthcheck", h);
    if p.exec.is_some() || p.shell.is_some() {
        cx.findings.exact(&svc.name, "healthcheck");
    }
}

/// `start_period`; Compose has no initial delay, so `initial_delay`
/// stands in for a missing `start_period`.
fn start(cx: &mut Cx, p: &Probe, h: &mut Yaml) {
    match (p.start_period, p.initial_delay) {
        (Some(sp), delay) => {
            h.push_entry("start_period", duration(sp));
            if let Some(d) = delay {
                cx.findings.dropped(
                    p.span,
                    "initial_delay",
                    format!("Compose has no initial delay; `start_period` ({sp}) covers the start, {d} delay is not applied"),
                );
            }
        }
        (None, Some(d)) => {
            h.push_entry("start_period", duration(d));
            cx.findings.approximated(
                p.span,
                "initial_delay",
                format!("Compose has no initial delay: checks run from the start, failures within {d} (`start_period`) do not count"),
            );
        }
        (None, None) => {}
    }
}

/// The check command. Exec checks run as written; HTTP and TCP checks
/// need a client inside the image and a port to check.
fn test(cx: &mut Cx, svc: &Service, p: &Probe) -> Option<Yaml> {
    if let Some(cmd) = &p.exec {
        let mut items = vec![Yaml::lit("CMD")];
        items.extend(cmd.iter().map(|c| lit_yaml(c)));
        return Some(Yaml::Seq(items));
    }
    if let Some(line) = &p.shell {
        return Some(Yaml::Seq(vec![Yaml::lit("CMD-SHELL"), lit_yaml(line)]));
    }
    let Some(port) = probe_port(svc, p) else {
        cx.findings.dropped(
            p.span,
            "health",
            format!(
                "`{}` declares no port for the check to connect to; no health check is written",
                svc.name
            ),
        );
        return None;
    };
    if let Some(path) = &p.http {
        let path = if path.starts_with('/') {
            path.clone()
        } else {
            format!("/{path}")
        };
        let url = shell_quote(&format!("http://127.0.0.1:{port}{path}"));
        cx.findings.approximated(
            p.span,
            "health",
            format!("HTTP check runs inside the container as `wget`, else `curl`, on port {port}: the image needs one of them"),
        );
        let cmd = format!("wget -q -O /dev/null {url} || curl -fsS -o /dev/null {url}");
        return Some(shell(&cmd));
    }
    cx.findings.approximated(
        p.span,
        "health",
        format!("TCP check runs inside the container as `nc -z`, else bash's /dev/tcp, on port {port}: the image needs one of them"),
    );
    Some(shell(&format!(
        "nc -z 127.0.0.1 {port} || bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}'"
    )))
}

fn shell(cmd: &str) -> Yaml {
    vec![Yaml::str("CMD-SHELL"), Yaml::str(lit(cmd))].into()
}

/// `'…'` for sh, with embedded quotes closed and reopened.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The container port a probe targets (its `port`, else the first port).
fn probe_port(svc: &Service, p: &Probe) -> Option<u16> {
    p.port
        .as_deref()
        .and_then(|n| svc.port(n))
        .or(svc.first_port().map(|(_, port)| port))
        .map(|port| port.container)
}

/// Probes other than the chosen one, which Compose cannot express.
fn other_probes(cx: &mut Cx, svc: &Service, chosen: Option<&Probe>) {
    if let Some(l) = &svc.liveness {
        let msg = if Some(l) == chosen {
            "Compose marks an unhealthy container but never restarts it (the restart policy acts on exit only)"
        } else {
            "Compose has one health check per container (the `health`/`readiness` one is used) and never restarts an unhealthy container"
        };
        let kind_dropped = Some(l) != chosen;
        report(cx, l, "liveness", msg, kind_dropped);
    }
    if let Some(r) = svc.readiness.as_ref().filter(|r| Some(*r) != chosen) {
        report(
            cx,
            r,
            "readiness",
            "Compose has one health check per container; `health` is used",
            true,
        );
    }
    if let Some(s) = &svc.startup {
        let msg = "Compose has no startup probe; set `start_period` on `health` to give a slow start time";
        report(cx, s, "startup", msg, true);
    }
}

fn report(cx: &mut Cx, p: &Probe, feature: &str, msg: &str, dropped: bool) {
    if dropped {
        cx.findings.dropped(p.span, feature, msg);
    } else {
        cx.findings.approximated(p.span, feature, msg);
    }
}

/// Long-form `depends_on`. A dependency on a service the environment skips
/// does not exist there; one on a service Compose does not run (external,
/// host process) is dropped and reported; one gated by profiles that may be
/// inactive while this service runs is `required: false` (in the base only).
pub(super) fn depends_on(cx: &mut Cx, svc: &Service, doc: &mut Yaml) {
    let mut deps = Yaml::map();
    for (dep, cond) in &svc.depends_on {
        if cx.model.skipped_services.contains(dep) {
            continue; // not part of this environment: nothing to wait for
        }
        let Some(dep_profiles) = cx.gating.get(dep.as_str()) else {
            cx.findings.dropped(
                svc.span_of("depends_on"),
                "depends_on",
                format!("`{}` depends on `{dep}`, which Compose does not run; Compose cannot wait for it", svc.name),
            );
            continue;
        };
        let own = cx
            .gating
            .get(svc.name.as_str())
            .map_or(&[][..], Vec::as_slice);
        let may_run_without = own.is_empty() || own.iter().any(|p| !dep_profiles.contains(p));
        let mut d = Yaml::map().with("condition", Yaml::lit(condition(*cond)));
        if !dep_profiles.is_empty() && may_run_without {
            d.push_entry("required", false.into());
        }
        deps.push_entry(dep.clone(), d);
        cx.findings.exact(&svc.name, "depends_on");
    }
    if !deps.is_empty() {
        doc.push_entry("depends_on", deps);
    }
}

fn condition(c: Condition) -> &'static str {
    match c {
        Condition::Started => "service_started",
        Condition::Healthy => "service_healthy",
        Condition::Completed => "service_completed_successfully",
    }
}
