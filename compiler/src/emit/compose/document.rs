//! One model → its complete Compose document: the services (built by
//! [`super::service`]), then the top-level `volumes`, `secrets`,
//! `networks` and `name` they need.

use super::report::Findings;
use super::service;
use super::values::var_name;
use crate::emit::yaml::Yaml;
use crate::model::{Model, Service};
use indexmap::IndexMap;

/// The state shared while lowering one model.
pub(super) struct Cx<'a> {
    pub model: &'a Model,
    /// Container services of this document and their profiles (empty when
    /// not gated).
    pub gating: IndexMap<&'a str, Vec<String>>,
    pub findings: &'a mut Findings,
}

/// One service's lowering.
#[derive(Debug, Clone)]
pub(crate) struct ServiceDoc {
    pub name: String,
    pub doc: Yaml,
    /// Top-level named volumes it mounts.
    pub volumes: Vec<String>,
    /// File secrets it mounts.
    pub secrets: Vec<String>,
    /// Top-level configs (mounted files) it defines: `(name, text)`.
    pub configs: Vec<(String, String)>,
    pub uses: Vec<SecretUse>,
}

/// A secret read by a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretUse {
    pub secret: String,
    pub service: String,
    /// The environment variable that references it.
    pub var: String,
    pub file: bool,
}

/// A lowered model.
#[derive(Debug)]
pub(crate) struct Built {
    pub services: Vec<ServiceDoc>,
    pub uses: Vec<SecretUse>,
    /// Lines for the header: services Compose does not run, and why.
    pub not_run: Vec<String>,
    /// Whether a bind mount or build context is a relative path.
    pub relative_paths: bool,
}

impl Built {
    pub(super) fn all(&self) -> Vec<&ServiceDoc> {
        self.services.iter().collect()
    }
}

/// Lowers every service of `m`.
pub(super) fn build(m: &Model, findings: &mut Findings) -> Built {
    let gating = m
        .services
        .values()
        .filter(|s| s.is_container())
        .map(|s| (s.name.as_str(), profiles_of(m, s)))
        .collect();
    let mut cx = Cx {
        model: m,
        gating,
        findings,
    };
    let mut built = Built {
        services: Vec::new(),
        uses: Vec::new(),
        not_run: Vec::new(),
        relative_paths: false,
    };
    for svc in m.services.values() {
        if svc.is_container() {
            let sd = service::lower(&mut cx, svc);
            built.uses.extend(sd.uses.iter().cloned());
            built.services.push(sd);
            built.relative_paths |= relative_paths(svc);
        } else {
            built.not_run.push(not_run(&mut cx, svc));
        }
    }
    built
}

/// The profile of a service that runs in no environment (`environments =
/// []`): never active, since an environment name cannot contain a `.`.
const NEVER: &str = "stackc.never";

/// The profiles gating `s` in this document: its environments in the base.
fn profiles_of(m: &Model, s: &Service) -> Vec<String> {
    match (&s.environments, m.environment.is_none()) {
        (Some(envs), true) if envs.is_empty() => vec![NEVER.to_string()],
        (Some(envs), true) => envs.clone(),
        _ => Vec::new(),
    }
}

fn relative_paths(s: &Service) -> bool {
    let relative = |p: &str| !p.starts_with('/');
    s.build.as_ref().is_some_and(|b| relative(&b.context))
        || s.volumes
            .values()
            .any(|v| v.bind.as_deref().is_some_and(relative))
}

/// Reports a service Compose does not run; returns its header line.
fn not_run(cx: &mut Cx, s: &Service) -> String {
    if let Some(ext) = &s.external {
        let addr = match (&ext.host, ext.port) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.clone(),
            _ => "no host given".to_string(),
        };
        cx.findings.approximated(
            ext.span,
            "external",
            format!(
                "`{}` is external: Compose does not run it; references to it resolve to {addr}",
                s.name
            ),
        );
        return format!("{} (external: {addr})", s.name);
    }
    let span = s.host.as_ref().map_or(s.span, |h| h.span);
    cx.findings.dropped(
        span,
        "host",
        format!(
            "`{}` is a host process (systemd); Compose runs containers only",
            s.name
        ),
    );
    format!("{} (host process; see the systemd target)", s.name)
}

/// The complete document: `name`, `services`, then the top-level objects
/// the services use.
pub(super) fn assemble(m: &Model, services: &[&ServiceDoc]) -> Yaml {
    let mut doc = Yaml::map().with("name", Yaml::str(&m.stack.name));
    let mut svcs = Yaml::map();
    for s in services {
        svcs.push_entry(&s.name, s.doc.clone());
    }
    doc.insert("services", svcs);
    let volumes = top_level(services, |s| &s.volumes, |_| Yaml::map());
    if !volumes.is_empty() {
        doc.insert("volumes", volumes);
    }
    let secrets = top_level(services, |s| &s.secrets, |name| secret_source(m, name));
    if !secrets.is_empty() {
        doc.insert("secrets", secrets);
    }
    let mut configs = Yaml::map();
    for s in services {
        for (name, text) in &s.configs {
            configs.push_entry(
                name,
                Yaml::map().with("content", super::values::lit_yaml(text)),
            );
        }
    }
    if !configs.is_empty() {
        doc.insert("configs", configs);
    }
    let network = Yaml::map().with("name", Yaml::str(&m.stack.name));
    doc.insert("networks", Yaml::map().with("default", network));
    doc
}

/// Top-level entries named by the services, in first-use order.
fn top_level(
    services: &[&ServiceDoc],
    names: impl Fn(&ServiceDoc) -> &Vec<String>,
    value: impl Fn(&str) -> Yaml,
) -> Yaml {
    let mut out = Yaml::map();
    for s in services {
        for n in names(s) {
            if out.get(n).is_none() {
                out.push_entry(n, value(n));
            }
        }
    }
    out
}

/// A file secret's source: the variable named by its `env_name`.
fn secret_source(m: &Model, name: &str) -> Yaml {
    let var = m.secrets.get(name).map_or(name, |s| s.env_name.as_str());
    Yaml::map().with("environment", Yaml::Str(var_name(var)))
}
