//! One model → its complete Compose document: the services (built by
//! [`super::service`]), then the top-level `volumes`, `secrets`,
//! `networks` and `name` they need.

use super::report::Findings;
use super::service;
use super::values::var_name;
use crate::emit::yaml::Yaml;
use crate::model::{Model, Service, Target};
use indexmap::IndexMap;

/// The state shared while lowering one model.
pub(super) struct Cx<'a> {
    pub model: &'a Model,
    /// Container services of this document and their profiles (empty when
    /// not gated).
    pub gating: IndexMap<String, Vec<String>>,
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
    /// Named networks it joins (besides `default`).
    pub networks: Vec<String>,
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
        .map(|s| (s.name.clone(), profiles_of(m, s)))
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
            let mut sd = service::lower(&mut cx, svc);
            for init in inits(&mut cx, svc, &mut sd) {
                built.uses.extend(init.uses.iter().cloned());
                built.services.push(init);
            }
            built.uses.extend(sd.uses.iter().cloned());
            built.services.push(sd);
            built.relative_paths |= relative_paths(svc);
        } else {
            built.not_run.push(not_run(&mut cx, svc));
        }
    }
    built
}

/// The init containers of `svc` as one-shot services `<service>-init-<name>`,
/// each waiting for the one before it to complete, and `sd` (the service)
/// waiting for the last. Each runs as the service would (its image unless
/// the init names one, its environment, volumes, resources, security and
/// dependencies) but publishes no ports, has no health check and is not
/// restarted. Compose runs them once per `up`, not once per replica.
fn inits(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) -> Vec<ServiceDoc> {
    let mut out: Vec<ServiceDoc> = Vec::new();
    let profiles = cx
        .gating
        .get(svc.name.as_str())
        .cloned()
        .unwrap_or_default();
    for (name, init) in &svc.init {
        let mut s = svc.as_init(name, init);
        // The service's named volumes, not volumes of the init's own.
        s.volumes.clear();
        s.stop_grace = None;
        cx.gating.insert(s.name.clone(), profiles.clone());
        let mut isd = service::lower(cx, &s);
        if let Some(v) = sd.doc.get("volumes") {
            put_before(
                &mut isd.doc,
                "volumes",
                v.clone(),
                &["depends_on", "restart"],
            );
        }
        isd.volumes = sd.volumes.clone();
        if let Some(prev) = out.last() {
            let name = prev.name.clone();
            wait_for_completion(&mut isd.doc, &name);
        }
        cx.findings.exact(&svc.name, "init");
        out.push(isd);
    }
    if let Some(last) = out.last() {
        wait_for_completion(&mut sd.doc, &last.name);
    }
    out
}

/// `depends_on: {dep: {condition: service_completed_successfully}}`.
fn wait_for_completion(doc: &mut Yaml, dep: &str) {
    let cond = Yaml::map().with("condition", Yaml::lit("service_completed_successfully"));
    match doc.get_mut("depends_on") {
        Some(d) => d.push_entry(dep.to_string(), cond),
        None => put_before(
            doc,
            "depends_on",
            Yaml::map().with(dep.to_string(), cond),
            &["restart"],
        ),
    }
}

/// Inserts `key` before the first of `before` the mapping has (at the end
/// when it has none), keeping the fixed key order of a service.
fn put_before(doc: &mut Yaml, key: &str, value: Yaml, before: &[&str]) {
    let Yaml::Map(entries) = doc else { return };
    let at = entries
        .iter()
        .position(|(k, _)| before.contains(&&**k))
        .unwrap_or(entries.len());
    entries.insert(at, (key.to_string().into(), value));
}

/// The profile of a service that runs in no environment (`environments =
/// []`): never active, since an environment name cannot contain a `.`.
const NEVER: &str = "stackc.never";

/// The profiles gating `s` in this document: in the base, its
/// environments that are emitted for Compose (an environment restricted to
/// other targets has no `compose.<env>.yaml`, so no profile names it); a
/// service that runs in none of them is never active.
fn profiles_of(m: &Model, s: &Service) -> Vec<String> {
    let (Some(envs), true) = (&s.environments, m.environment.is_none()) else {
        return Vec::new();
    };
    let composed = |e: &String| {
        m.environments
            .iter()
            .find(|d| &d.name == e)
            .is_none_or(|d| d.emits(Target::Compose))
    };
    let envs: Vec<String> = envs.iter().filter(|e| composed(e)).cloned().collect();
    if envs.is_empty() {
        vec![NEVER.to_string()]
    } else {
        envs
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
    let docs = services.iter().map(|s| s.doc.clone()).collect();
    assemble_docs(m, services, docs)
}

/// [`assemble`] with the services' documents given (`docs`, one per
/// service, in order) instead of copied from `services`.
pub(super) fn assemble_docs(m: &Model, services: &[&ServiceDoc], docs: Vec<Yaml>) -> Yaml {
    let mut doc = Yaml::map().with("name", Yaml::str(&m.stack.name));
    let mut svcs = Yaml::map();
    for (s, d) in services.iter().zip(docs) {
        svcs.push_entry(s.name.clone(), d);
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
                name.clone(),
                Yaml::map().with("content", super::values::lit_yaml(text)),
            );
        }
    }
    if !configs.is_empty() {
        doc.insert("configs", configs);
    }
    let network = Yaml::map().with("name", Yaml::str(&m.stack.name));
    let mut networks = Yaml::map().with("default", network);
    let named = top_level(
        services,
        |s| &s.networks,
        |n| Yaml::map().with("name", Yaml::str(format!("{}_{n}", m.stack.name))),
    );
    if let Yaml::Map(named) = named {
        for (k, v) in named {
            networks.push_entry(k, v);
        }
    }
    doc.insert("networks", networks);
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
                out.push_entry(n.to_string(), value(n));
            }
        }
    }
    out
}

/// A file secret's source: the variable named by its `env_name`.
fn secret_source(m: &Model, name: &str) -> Yaml {
    let var = m.secrets.get(name).map_or(name, |s| s.env_name.as_str());
    Yaml::map().with("environment", Yaml::str(var_name(var)))
}
