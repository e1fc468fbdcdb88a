//! The values of one model: what `values.yaml` holds for the base and what
//! each `values-<env>.yaml` is diffed from.
//!
//! Top level ([`chart_wide`]): `nameOverride`, `fullnameOverride`,
//! `commonLabels` (stack and environment labels), `podAnnotations` (stack
//! annotations), `imagePullSecrets`, `configs` (one map per declared
//! config), `secrets` (`create` plus one entry per secret a service reads,
//! [`secret_key`]); then one key per service ([`service_key`],
//! [`service_values`]). A service the model does not run is
//! `{enabled: false}` ([`disabled`]); a feature it does not use is
//! `enabled: false` with `helm create`'s defaults. The chart holds the
//! [`Union`] of the services and secrets of all models, so every values
//! file has the same keys. Kubernetes structures (probes, resources,
//! security contexts, strategy, volumes, init containers, lifecycle,
//! scheduling, load balancer settings) are copied from the k8s backend's
//! objects of the service; keys a stack does not use (`workload`,
//! `initContainers`, `lifecycle`, `topologySpreadConstraints`, …) are
//! left out, so charts of stacks without them do not change.
//!
//! Everything here is per model or per service and looks up by key, so
//! building the values of a whole stack is linear in its size.

use super::union::{SecretRef, Union};
use crate::emit::k8s::{k8s_name, Object};
use crate::emit::yaml::{Key, Yaml};
use crate::model::interp::{self, Services};
use crate::model::{EnvValue, External, IntOrPercent, Model, Part, SecretKind, Service};
use indexmap::IndexMap;
use rustc_hash::FxHashMap as HashMap;

/// Top-level values keys a service name could collide with (service names
/// are lowercase DNS labels, so the camelCase keys never collide).
pub const RESERVED_KEYS: &[&str] = &["configs", "secrets", "global"];

/// The values key of a service: its name, or `<name>Service` for a name in
/// [`RESERVED_KEYS`] (the templates strip the suffix again).
pub fn service_key(name: &str) -> String {
    if RESERVED_KEYS.contains(&name) {
        format!("{name}Service")
    } else {
        name.to_string()
    }
}

/// The values key of a secret under `secrets`: its name, except that a
/// secret named `create` (the switch beside it) becomes `create_secret`
/// (with `_2`, `_3`, … while that is taken by another declared secret).
pub fn secret_key(name: &str, m: &Model) -> String {
    if name != "create" {
        return name.to_string();
    }
    let mut key = "create_secret".to_string();
    let mut n = 1;
    while m.secrets.contains_key(&key) {
        n += 1;
        key = format!("create_secret_{n}");
    }
    key
}

/// What a service is in one model.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Runs as a Deployment or a StatefulSet.
    Container,
    /// An ExternalName Service (or nothing without a host).
    External,
}

/// The chart-wide values of one model, in the order of `values.yaml`:
/// everything but the services. The secrets are those of `u`, so that
/// every values file has the same keys.
pub fn chart_wide(m: &Model, u: &Union) -> Vec<(Key, Yaml)> {
    vec![
        ("nameOverride".into(), Yaml::lit("")),
        ("fullnameOverride".into(), Yaml::lit("")),
        ("commonLabels".into(), common_labels(m)),
        ("podAnnotations".into(), string_map(&m.stack.annotations)),
        ("imagePullSecrets".into(), Yaml::seq()),
        ("configs".into(), configs(m)),
        ("secrets".into(), secrets_tree(&u.secrets)),
    ]
}

/// The values of a service a model does not render.
pub fn disabled() -> Yaml {
    Yaml::map().with("enabled", Yaml::Bool(false))
}

fn secrets_tree(secrets: &IndexMap<String, SecretRef>) -> Yaml {
    let mut t = Yaml::map().with("create", Yaml::Bool(false));
    for (key, secret) in secrets {
        let ty = if secret.kind == SecretKind::Tls {
            "kubernetes.io/tls"
        } else {
            "Opaque"
        };
        let mut s = Yaml::map()
            .with("name", Yaml::str(&secret.name))
            .with("type", Yaml::lit(ty));
        if secret.optional {
            s.push_entry("optional", Yaml::Bool(true));
        }
        t.push_entry(key.clone(), s);
    }
    t
}

fn string_map<S>(m: &IndexMap<String, String, S>) -> Yaml {
    let mut y = Yaml::map();
    for (k, v) in m {
        y.insert(k.clone(), Yaml::str(v));
    }
    y
}

fn common_labels(m: &Model) -> Yaml {
    let mut y = string_map(&m.stack.labels);
    for (k, v) in m.environment.iter().flat_map(|e| e.labels.iter()) {
        y.insert(k.clone(), Yaml::str(v));
    }
    y
}

/// The declared configs, then each service's own map of mounted files
/// (`<service>-files`, as the k8s backend names its ConfigMap).
fn configs(m: &Model) -> Yaml {
    let mut y = Yaml::map();
    for (name, data) in &m.configs {
        y.push_entry(name.clone(), string_map(data));
    }
    for s in m.services.values().filter(|s| s.is_container()) {
        let own: Vec<_> = crate::emit::k8s::files::items(s)
            .into_iter()
            .filter(|i| i.own)
            .collect();
        if own.is_empty() {
            continue;
        }
        let mut data = Yaml::map();
        for i in own {
            data.push_entry(i.key, Yaml::str(&i.content));
        }
        y.push_entry(crate::emit::k8s::files::own_config_map(&s.name), data);
    }
    y
}

/// Every key of `configs` in any model: the declared configs and the
/// services' own maps of mounted files.
pub fn config_names<'m>(models: impl Iterator<Item = &'m Model>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in models {
        if let Yaml::Map(entries) = configs(m) {
            for (k, _) in entries {
                if !out.iter().any(|o| *o == k) {
                    out.push(k.into_owned());
                }
            }
        }
    }
    out
}

/// What the values read of a model besides the service at hand.
pub struct ModelIndex<'m> {
    /// Secret names by their Kubernetes name (the first declared wins).
    secrets_by_k8s_name: HashMap<String, &'m str>,
}

impl<'m> ModelIndex<'m> {
    pub fn new(m: &'m Model) -> Self {
        let mut secrets_by_k8s_name = HashMap::default();
        for name in m.secrets.keys() {
            secrets_by_k8s_name
                .entry(k8s_name(name))
                .or_insert(name.as_str());
        }
        ModelIndex {
            secrets_by_k8s_name,
        }
    }
}

/// The values of one service from its k8s objects (those of
/// `k8s::service_objects`); `None` when Kubernetes does not run it.
pub fn service_values(
    m: &Model,
    ix: &ModelIndex,
    name: &str,
    s: &Service,
    objs: &[Object],
) -> Option<(Kind, Yaml)> {
    if let Some(ext) = &s.external {
        return Some((Kind::External, external_values(s, ext)));
    }
    let image = s.image_ref.as_ref()?;
    let w = Workload::of(find(objs, s.workload_kind(), name)?);
    let mut v = Yaml::map();
    // A service limited to some environments is off in the base values and
    // switched on by the values files of the environments it runs in.
    let enabled = match (&s.environments, m.env_name()) {
        (None, _) => true,
        (Some(envs), Some(e)) => envs.iter().any(|x| x == e),
        (Some(_), None) => false,
    };
    v.push_entry("enabled", Yaml::Bool(enabled));
    v.push_entry("replicaCount", Yaml::Int(i64::from(s.replicas)));
    if s.is_stateful() {
        v.push_entry("workload", Yaml::lit(s.workload_kind()));
    }
    let img = Yaml::map()
        .with("repository", Yaml::str(&image.repository))
        .with("tag", Yaml::str(image.tag.clone().unwrap_or_default()))
        .with("pullPolicy", Yaml::lit(s.pull.map_or("", |p| p.k8s())));
    v.push_entry("image", img);
    for key in ["command", "args", "workingDir"] {
        if let Some(x) = w.container.and_then(|c| c.get(key)) {
            v.push_entry(key, x.clone());
        }
    }
    v.push_entry("labels", string_map(&s.labels));
    v.push_entry("podAnnotations", string_map(&s.annotations));
    w.pod_settings(&mut v);
    v.push_entry("service", service_ports(s, objs, name));
    v.push_entry("env", env(m, s, w.container));
    let env_from = s.env_from.iter().flatten().map(Yaml::str).collect();
    v.push_entry("envFrom", Yaml::Seq(env_from));
    for key in [
        "resources",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
    ] {
        v.push_entry(key, or_empty(w.container, key));
    }
    if let Some(l) = w.container.and_then(|c| c.get("lifecycle")) {
        v.push_entry("lifecycle", l.clone());
    }
    if !s.init.is_empty() {
        v.push_entry("initContainers", init_containers(m, s, w.pod));
    }
    v.push_entry("volumes", volumes(m, ix, &w, objs));
    v.push_entry("ingress", ingress(s));
    v.push_entry("autoscaling", autoscaling(s));
    v.push_entry("podDisruptionBudget", disruption(s));
    v.push_entry("nodeSelector", or_empty(w.pod, "nodeSelector"));
    let tolerations = w.pod.and_then(|p| p.get("tolerations")).cloned();
    v.push_entry("tolerations", tolerations.unwrap_or_else(Yaml::seq));
    v.push_entry("affinity", Yaml::map());
    if let Some(Yaml::Seq(items)) = w.pod.and_then(|p| p.get("topologySpreadConstraints")) {
        // The template adds the label selector, which names the release.
        let items = items
            .iter()
            .map(|c| match c {
                Yaml::Map(e) => Yaml::Map(
                    e.iter()
                        .filter(|(k, _)| k != "labelSelector")
                        .cloned()
                        .collect(),
                ),
                other => other.clone(),
            })
            .collect();
        v.push_entry("topologySpreadConstraints", Yaml::Seq(items));
    }
    Some((Kind::Container, v))
}

/// `initContainers`: per init container its name, its own image (none:
/// the service's), the command, arguments and working directory it runs
/// and its environment (the service's under its own), as `env` items. The
/// templates give each the service's envFrom, resources, security context
/// and mounts.
fn init_containers(m: &Model, s: &Service, pod: Option<&Yaml>) -> Yaml {
    let rendered = match pod.and_then(|p| p.get("initContainers")) {
        Some(Yaml::Seq(items)) => items.as_slice(),
        _ => &[],
    };
    let items = s
        .init
        .iter()
        .map(|(n, i)| {
            let c = rendered
                .iter()
                .find(|c| c.get("name").is_some_and(|x| is_str(x, n)));
            let mut y = Yaml::map().with("name", Yaml::str(n));
            if i.image.is_some() {
                let init = s.as_init(n, i);
                if let Some(r) = &init.image_ref {
                    let img = Yaml::map()
                        .with("repository", Yaml::str(&r.repository))
                        .with("tag", Yaml::str(r.tag.clone().unwrap_or_default()));
                    y.push_entry("image", img);
                }
            }
            for key in ["command", "args", "workingDir"] {
                if let Some(x) = c.and_then(|c| c.get(key)) {
                    y.push_entry(key, x.clone());
                }
            }
            y.push_entry("env", env(m, &s.as_init(n, i), c));
            y
        })
        .collect();
    Yaml::Seq(items)
}

fn external_values(s: &Service, ext: &External) -> Yaml {
    let mut e = Yaml::map();
    if let Some(h) = &ext.host {
        e.push_entry("host", Yaml::str(h));
    }
    if let Some(p) = ext.port {
        e.push_entry("port", Yaml::Int(i64::from(p)));
    }
    Yaml::map()
        .with("enabled", Yaml::Bool(true))
        .with("external", e)
        .with("labels", string_map(&s.labels))
}

/// The parts of a k8s Deployment (or StatefulSet) the values copy.
struct Workload<'a> {
    spec: Option<&'a Yaml>,
    pod: Option<&'a Yaml>,
    container: Option<&'a Yaml>,
}

impl<'a> Workload<'a> {
    fn of(deployment: &'a Object) -> Workload<'a> {
        let spec = deployment.doc.get("spec");
        let pod = spec.and_then(|s| path(s, &["template", "spec"]));
        let container = match pod.and_then(|p| p.get("containers")) {
            Some(Yaml::Seq(items)) => items.first(),
            _ => None,
        };
        Workload {
            spec,
            pod,
            container,
        }
    }

    /// Security contexts, grace period and rollout strategy.
    fn pod_settings(&self, v: &mut Yaml) {
        v.push_entry("podSecurityContext", or_empty(self.pod, "securityContext"));
        v.push_entry(
            "securityContext",
            or_empty(self.container, "securityContext"),
        );
        if let Some(g) = self
            .pod
            .and_then(|p| p.get("terminationGracePeriodSeconds"))
        {
            v.push_entry("terminationGracePeriodSeconds", g.clone());
        }
        // A StatefulSet's `updateStrategy` is its `strategy`.
        let strategy = match self.spec.and_then(|sp| sp.get("updateStrategy")) {
            Some(u) => u.clone(),
            None => or_empty(self.spec, "strategy"),
        };
        v.push_entry("strategy", strategy);
        let spec = [
            ("progressDeadlineSeconds", self.spec),
            ("podManagementPolicy", self.spec),
        ];
        let pod = [("enableServiceLinks", self.pod)];
        for (key, from) in spec.into_iter().chain(pod) {
            if let Some(x) = from.and_then(|y| y.get(key)) {
                v.push_entry(key, x.clone());
            }
        }
    }
}

/// `y.key`, or `{}` when it is not set.
fn or_empty(y: Option<&Yaml>, key: &str) -> Yaml {
    y.and_then(|y| y.get(key))
        .cloned()
        .unwrap_or_else(Yaml::map)
}

/// The object of `kind` named `name` among one service's objects (a few).
fn find<'a>(objs: &'a [Object], kind: &str, name: &str) -> Option<&'a Object> {
    objs.iter().find(|o| o.kind == kind && o.name == name)
}

/// Whether `y` is the string `s` (without allocating a `Yaml` to compare).
fn is_str(y: &Yaml, s: &str) -> bool {
    matches!(y, Yaml::Str(t) if t == s)
}

fn path<'a>(y: &'a Yaml, keys: &[&str]) -> Option<&'a Yaml> {
    keys.iter().try_fold(y, |y, k| y.get(k))
}

fn service_ports(s: &Service, objs: &[Object], name: &str) -> Yaml {
    let svc = find(objs, "Service", name);
    let ty = svc
        .and_then(|o| path(&o.doc, &["spec", "type"]))
        .cloned()
        .unwrap_or_else(|| Yaml::lit("ClusterIP"));
    let ports = s
        .ports
        .iter()
        .map(|(pname, p)| {
            let mut y = Yaml::map()
                .with("name", Yaml::str(pname))
                .with("port", Yaml::Int(i64::from(p.service_port())))
                .with("containerPort", Yaml::Int(i64::from(p.container)))
                .with("protocol", Yaml::lit(p.protocol.upper()));
            if let Some(np) = p.node_port {
                y.push_entry("nodePort", Yaml::Int(i64::from(np)));
            }
            y
        })
        .collect();
    let mut y = Yaml::map().with("type", ty).with("ports", Yaml::Seq(ports));
    // A load balancer's settings, as the k8s Service has them.
    let md = svc.and_then(|o| o.doc.get("metadata"));
    if let Some(a) = md.and_then(|m| m.get("annotations")) {
        y.push_entry("annotations", a.clone());
    }
    let spec = svc.and_then(|o| o.doc.get("spec"));
    for key in [
        "loadBalancerClass",
        "loadBalancerSourceRanges",
        "externalTrafficPolicy",
    ] {
        if let Some(v) = spec.and_then(|sp| sp.get(key)) {
            y.push_entry(key, v.clone());
        }
    }
    y
}

/// `env`: a list in declaration order; each item has `name` and one of
/// `value`, `secret`, `config` + `key`, or `parts` (text and `{host: svc}`).
/// Whatever k8s renders as a plain value (literals, a file secret's path)
/// is that value; only release-dependent text (hosts) stays structured.
fn env(m: &Model, s: &Service, container: Option<&Yaml>) -> Yaml {
    let rendered = match container.and_then(|c| c.get("env")) {
        Some(Yaml::Seq(items)) => items.as_slice(),
        _ => &[],
    };
    let items = s
        .env
        .iter()
        .map(|(k, v)| {
            let item = Yaml::map().with("name", Yaml::str(k));
            let k8s = rendered
                .iter()
                .find(|e| e.get("name").is_some_and(|n| is_str(n, k)));
            let plain = k8s.and_then(|e| e.get("value")).cloned();
            match (v, plain) {
                (EnvValue::Interp { interp }, _) => interpolated(m, item, interp),
                (_, Some(value)) => item.with("value", value),
                (EnvValue::Secret { secret }, None) => {
                    item.with("secret", Yaml::str(secret_key(secret, m)))
                }
                (EnvValue::ConfigKey { config, key }, None) => item
                    .with("config", Yaml::str(config))
                    .with("key", Yaml::str(key)),
                (EnvValue::Literal(t), None) => item.with("value", Yaml::str(t)),
            }
        })
        .collect();
    Yaml::Seq(items)
}

/// An interpolation: hosts of services in this release stay references
/// (the release prefixes them); everything else is text as k8s renders it.
fn interpolated(m: &Model, item: Yaml, parts: &[Part]) -> Yaml {
    let mut out: Vec<Yaml> = Vec::new();
    let mut text = String::new();
    for p in parts {
        match p {
            Part::Host(svc) if m.services.external_host(svc).is_none() => {
                if !text.is_empty() {
                    out.push(Yaml::str(std::mem::take(&mut text)));
                }
                out.push(Yaml::map().with("host", Yaml::str(svc)));
            }
            other => text.push_str(&interp::k8s(&m.services, std::slice::from_ref(other))),
        }
    }
    if out.is_empty() {
        return item.with("value", Yaml::str(text));
    }
    if !text.is_empty() {
        out.push(Yaml::str(text));
    }
    item.with("parts", Yaml::Seq(out))
}

/// `volumes`: one item per mount, in the pod's order, with its source:
/// `persistence` (a claim), `emptyDir`, or `secret` (a file secret).
fn volumes(m: &Model, ix: &ModelIndex, w: &Workload, objs: &[Object]) -> Yaml {
    let seq = |y: Option<&'_ Yaml>, key: &str| match y.and_then(|y| y.get(key)) {
        Some(Yaml::Seq(items)) => items.clone(),
        _ => Vec::new(),
    };
    let mounts = seq(w.container, "volumeMounts");
    let vols = seq(w.pod, "volumes");
    // A StatefulSet's persistent volumes are its claim templates.
    let templates = seq(w.spec, "volumeClaimTemplates");
    let items = mounts
        .iter()
        .map(|mount| {
            let name = mount.get("name").cloned().unwrap_or(Yaml::Null);
            let vol = vols.iter().find(|v| v.get("name") == Some(&name));
            let template = templates
                .iter()
                .find(|t| path(t, &["metadata", "name"]) == Some(&name));
            match (vol, template) {
                (None, Some(t)) => {
                    let mut y = volume_item(m, ix, mount, None, objs);
                    y.push_entry("persistence", persistence(t.get("spec")));
                    y
                }
                _ => volume_item(m, ix, mount, vol, objs),
            }
        })
        .collect();
    Yaml::Seq(items)
}

fn volume_item(
    m: &Model,
    ix: &ModelIndex,
    mount: &Yaml,
    vol: Option<&Yaml>,
    objs: &[Object],
) -> Yaml {
    let mut y = Yaml::map();
    for key in ["name", "mountPath", "subPath", "readOnly"] {
        if let Some(v) = mount.get(key) {
            y.push_entry(key, v.clone());
        }
    }
    let Some(vol) = vol else { return y };
    if let Some(claim) = path(vol, &["persistentVolumeClaim", "claimName"]) {
        let pvc = objs
            .iter()
            .find(|o| o.kind == "PersistentVolumeClaim" && is_str(claim, &o.name));
        y.push_entry(
            "persistence",
            persistence(pvc.and_then(|o| o.doc.get("spec"))),
        );
    } else if let Some(ed) = vol.get("emptyDir") {
        y.push_entry("emptyDir", ed.clone());
    } else if let Some(Yaml::Str(secret_name)) = path(vol, &["secret", "secretName"]) {
        let key = ix
            .secrets_by_k8s_name
            .get(secret_name.as_ref())
            .map_or_else(|| secret_name.to_string(), |k| secret_key(k, m));
        y.push_entry("secret", Yaml::str(key));
    } else if let Some(Yaml::Str(cm)) = path(vol, &["configMap", "name"]) {
        // A mounted file: the config (or the service's own files map) and
        // the key.
        let config = m
            .configs
            .keys()
            .find(|c| k8s_name(c) == *cm)
            .cloned()
            .unwrap_or_else(|| cm.to_string());
        y.push_entry("configMap", Yaml::str(config));
        if let Some(Yaml::Seq(items)) = path(vol, &["configMap", "items"]) {
            if let Some(k) = items.first().and_then(|i| i.get("key")) {
                y.push_entry("key", k.clone());
            }
        }
    }
    y
}

/// A claim's spec as `persistence` values.
fn persistence(spec: Option<&Yaml>) -> Yaml {
    let access = match spec.and_then(|s| s.get("accessModes")) {
        Some(Yaml::Seq(modes)) => modes.first().cloned(),
        _ => None,
    };
    let size = spec.and_then(|s| path(s, &["resources", "requests", "storage"]));
    let mut y = Yaml::map();
    y.push_entry("size", size.cloned().unwrap_or_else(|| Yaml::lit("1Gi")));
    y.push_entry(
        "accessMode",
        access.unwrap_or_else(|| Yaml::lit("ReadWriteOnce")),
    );
    let class = spec.and_then(|s| s.get("storageClassName")).cloned();
    y.push_entry("storageClass", class.unwrap_or_else(|| Yaml::lit("")));
    y.push_entry("existingClaim", Yaml::lit(""));
    y
}

fn ingress(s: &Service) -> Yaml {
    let first_port = s.ports.keys().next().cloned();
    let port = s
        .ingress
        .as_ref()
        .and_then(|i| i.port.clone().or(first_port.clone()));
    let (Some(ing), Some(port)) = (&s.ingress, port) else {
        return ingress_off(first_port);
    };
    let paths = ing
        .paths
        .iter()
        .map(|p| {
            Yaml::map()
                .with("path", Yaml::str(p))
                .with("pathType", Yaml::lit("Prefix"))
        })
        .collect();
    let host = Yaml::map()
        .with("host", Yaml::str(&ing.host))
        .with("paths", Yaml::Seq(paths));
    let tls = if ing.tls {
        let secret = ing
            .tls_secret
            .clone()
            .unwrap_or_else(|| format!("{}-tls", s.name));
        vec![Yaml::map()
            .with("secretName", Yaml::str(secret))
            .with("hosts", Yaml::Seq(vec![Yaml::str(&ing.host)]))]
    } else {
        Vec::new()
    };
    Yaml::map()
        .with("enabled", Yaml::Bool(true))
        .with(
            "className",
            Yaml::str(ing.class.clone().unwrap_or_default()),
        )
        .with("annotations", string_map(&ing.annotations))
        .with("hosts", Yaml::Seq(vec![host]))
        .with("tls", Yaml::Seq(tls))
        .with("port", Yaml::str(port))
}

/// A disabled ingress: the `helm create` defaults.
fn ingress_off(port: Option<String>) -> Yaml {
    let mut y = Yaml::map()
        .with("enabled", Yaml::Bool(false))
        .with("className", Yaml::lit(""))
        .with("annotations", Yaml::map())
        .with("hosts", Yaml::seq())
        .with("tls", Yaml::seq());
    if let Some(p) = port {
        y.push_entry("port", Yaml::str(p));
    }
    y
}

fn autoscaling(s: &Service) -> Yaml {
    let Some(a) = &s.autoscale else {
        return Yaml::map()
            .with("enabled", Yaml::Bool(false))
            .with("minReplicas", Yaml::Int(1))
            .with("maxReplicas", Yaml::Int(100))
            .with("targetCPUUtilizationPercentage", Yaml::Int(80));
    };
    let mut y = Yaml::map()
        .with("enabled", Yaml::Bool(true))
        .with("minReplicas", Yaml::Int(i64::from(a.min)))
        .with("maxReplicas", Yaml::Int(i64::from(a.max)));
    if let Some(p) = a.cpu {
        y.push_entry(
            "targetCPUUtilizationPercentage",
            Yaml::Int(p.0.round() as i64),
        );
    }
    if let Some(p) = a.memory {
        y.push_entry(
            "targetMemoryUtilizationPercentage",
            Yaml::Int(p.0.round() as i64),
        );
    }
    y
}

fn disruption(s: &Service) -> Yaml {
    let Some(d) = &s.disruption else {
        return Yaml::map()
            .with("enabled", Yaml::Bool(false))
            .with("minAvailable", Yaml::Int(1));
    };
    let mut y = Yaml::map().with("enabled", Yaml::Bool(true));
    if let Some(v) = &d.min_available {
        y.push_entry("minAvailable", int_or_percent(v));
    }
    if let Some(v) = &d.max_unavailable {
        y.push_entry("maxUnavailable", int_or_percent(v));
    }
    y
}

fn int_or_percent(v: &IntOrPercent) -> Yaml {
    match v {
        IntOrPercent::Int(i) => Yaml::Int(*i),
        IntOrPercent::Percent(p) => Yaml::str(p.to_string()),
    }
}
