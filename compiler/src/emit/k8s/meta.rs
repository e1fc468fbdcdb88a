//! Names, labels, the Namespace, ConfigMaps and Secret templates.

use super::Object;
use crate::emit::yaml::Yaml;
use crate::model::{Model, SecretKind, Service};

pub use crate::model::k8s_name;

/// Labels on every object (stack-wide).
pub fn base_labels(m: &Model) -> Yaml {
    let mut l = Yaml::map();
    l.push_entry("app.kubernetes.io/instance", Yaml::str(&m.stack.name));
    l.push_entry("app.kubernetes.io/part-of", Yaml::str(&m.stack.name));
    l.push_entry("app.kubernetes.io/version", Yaml::str(&m.stack.version));
    l.push_entry("app.kubernetes.io/managed-by", Yaml::lit("stackc"));
    extra(&mut l, m, None);
    l
}

/// Labels of a service's objects.
pub fn labels(m: &Model, service: &str, s: Option<&Service>) -> Yaml {
    let env_labels = m.environment.as_ref().map_or(0, |e| e.labels.len());
    let svc_labels = s.map_or(0, |s| s.labels.len());
    let mut l = Yaml::map_with_capacity(5 + m.stack.labels.len() + env_labels + svc_labels);
    l.push_entry("app.kubernetes.io/name", Yaml::str(service));
    l.push_entry("app.kubernetes.io/instance", Yaml::str(&m.stack.name));
    l.push_entry("app.kubernetes.io/part-of", Yaml::str(&m.stack.name));
    l.push_entry("app.kubernetes.io/version", Yaml::str(&m.stack.version));
    l.push_entry("app.kubernetes.io/managed-by", Yaml::lit("stackc"));
    extra(&mut l, m, s);
    l
}

fn extra(l: &mut Yaml, m: &Model, s: Option<&Service>) {
    let env_labels = m.environment.iter().flat_map(|e| e.labels.iter());
    let svc_labels = s.into_iter().flat_map(|s| s.labels.iter());
    for (k, v) in m.stack.labels.iter().chain(env_labels).chain(svc_labels) {
        l.insert(k.clone(), Yaml::str(v));
    }
}

/// The selector of a service's pods.
pub fn selector_labels(m: &Model, service: &str) -> Yaml {
    Yaml::map()
        .with("app.kubernetes.io/name", Yaml::str(service))
        .with("app.kubernetes.io/instance", Yaml::str(&m.stack.name))
}

/// `metadata` of a namespaced object.
pub fn metadata(m: &Model, name: &str, labels: Yaml) -> Yaml {
    let mut md = Yaml::map_with_capacity(3);
    md.push_entry("name", Yaml::str(name));
    if let Some(ns) = m.namespace() {
        md.push_entry("namespace", Yaml::str(ns));
    }
    md.push_entry("labels", labels);
    md
}

/// `apiVersion`, `kind`, `metadata` and the rest.
pub fn object(
    api: &str,
    kind: &'static str,
    name: &str,
    service: Option<&str>,
    metadata: Yaml,
    rest: Vec<(&'static str, Yaml)>,
) -> Object {
    let mut doc = Yaml::map_with_capacity(3 + rest.len());
    doc.push_entry("apiVersion", Yaml::str(api));
    doc.push_entry("kind", Yaml::lit(kind));
    doc.push_entry("metadata", metadata);
    for (k, v) in rest {
        doc.push_entry(k, v);
    }
    Object {
        kind,
        name: name.to_string(),
        service: service.map(str::to_string),
        doc,
    }
}

/// The Namespace object; none for `namespace = none`.
pub fn namespace(m: &Model) -> Option<Object> {
    let ns = m.namespace()?;
    let md = Yaml::map()
        .with("name", Yaml::str(ns))
        .with("labels", base_labels(m));
    Some(object("v1", "Namespace", ns, None, md, Vec::new()))
}

/// One ConfigMap per config a service of `m` reads (`env_from` or a
/// `config.NAME.KEY` value): a config only services of other environments
/// read is not part of this one.
pub fn configmaps(m: &Model) -> Vec<Object> {
    let read: rustc_hash::FxHashSet<String> = m
        .services
        .values()
        .filter(|s| s.is_container())
        .flat_map(super::workload::configs_used)
        .collect();
    m.configs
        .iter()
        .filter(|(name, _)| read.contains(*name))
        .map(|(name, data)| {
            let n = k8s_name(name);
            let mut d = Yaml::map();
            for (k, v) in data {
                d.push_entry(k.clone(), Yaml::str(v));
            }
            object(
                "v1",
                "ConfigMap",
                &n,
                None,
                metadata(m, &n, base_labels(m)),
                vec![("data", d)],
            )
        })
        .collect()
}

/// Secrets the workloads of `m` read (environment variables of containers
/// and init containers), in declaration
/// order. Secrets only pipelines use (kubeconfigs, registry tokens) are not
/// cluster Secrets.
pub fn secrets_read(m: &Model) -> Vec<&str> {
    let mut read = std::collections::HashSet::new();
    for s in m.services.values().filter(|s| s.external.is_none()) {
        let inits = s.init.values().flat_map(|i| i.env.values());
        for v in s.env.values().chain(inits) {
            if let crate::model::EnvValue::Secret { secret } = v {
                read.insert(secret.as_str());
            }
        }
    }
    m.secrets
        .keys()
        .map(String::as_str)
        .filter(|n| read.contains(n))
        .collect()
}

/// Secret templates with placeholders, one per secret the workloads read.
pub fn secret_templates(m: &Model) -> Vec<Object> {
    let used = secrets_read(m);
    m.secrets
        .iter()
        .filter(|(name, _)| used.contains(&name.as_str()))
        .map(|(name, s)| {
            let n = k8s_name(name);
            let what = s
                .description
                .clone()
                .unwrap_or_else(|| format!("the value of secret `{name}`"));
            let placeholder = |key: &str| format!("<{key}: {what}>");
            let (ty, data) = match s.kind {
                SecretKind::Tls => (
                    "kubernetes.io/tls",
                    Yaml::map()
                        .with("tls.crt", Yaml::str(placeholder("PEM certificate")))
                        .with("tls.key", Yaml::str(placeholder("PEM private key"))),
                ),
                _ => (
                    "Opaque",
                    Yaml::map().with("value", Yaml::str(placeholder(&s.env_name))),
                ),
            };
            object(
                "v1",
                "Secret",
                &n,
                None,
                metadata(m, &n, base_labels(m)),
                vec![("type", Yaml::lit(ty)), ("stringData", data)],
            )
        })
        .collect()
}
