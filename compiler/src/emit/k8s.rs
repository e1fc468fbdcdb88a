//! Kubernetes: plain manifests per environment.
//!
//! Input: the [`Models`]. Output: `<env>.yaml` (every object of that
//! environment, multi-document, in apply order) and
//! `<env>.secrets.example.yaml` (Secret templates with placeholders, never
//! applied automatically); `base.yaml` when the stack declares no
//! environments. Objects: Namespace, ConfigMap, PersistentVolumeClaim,
//! Service, Deployment or StatefulSet, HorizontalPodAutoscaler (autoscaling/v2),
//! PodDisruptionBudget (policy/v1), Ingress (networking.k8s.io/v1). Names
//! and labels follow `notes/EMIT.md`; selectors are the name and instance
//! labels only. Kustomize and Helm reuse [`objects`] so the three targets
//! agree by construction.

pub mod files;
mod meta;
mod network;
mod scaling;
mod storage;
mod workload;

pub use meta::{k8s_name, labels, secret_templates, selector_labels};
pub use workload::configs_used;

use super::output::{hash_header, Output, Pieces};
use super::yaml::{self, Yaml};
use super::{Models, Target};
use crate::model::Model;

/// One Kubernetes object with its kind and name, for grouping and patching.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub kind: &'static str,
    pub name: String,
    /// The service it belongs to, if any.
    pub service: Option<String>,
    pub doc: Yaml,
}

pub fn emit(models: &Models, mut out: Output) -> Output {
    let multi = !models.envs.is_empty();
    for m in models.env_or_base() {
        let file = if multi {
            m.env_name().unwrap_or("base").to_string()
        } else {
            "base".to_string()
        };
        let text = render_streaming(m, &mut out);
        out.file(format!("{file}.yaml"), text);
        let secrets = meta::secret_templates(m);
        if !secrets.is_empty() {
            out.file(
                format!("{file}.secrets.example.yaml"),
                render_secret_templates(m, &secrets),
            );
        }
    }
    out.finish()
}

/// The manifests of one model, in the order of [`objects`], written one
/// service at a time: each object goes into the text of its kind and is
/// dropped, so no model-sized tree of objects is ever held. The texts of
/// the kinds are [`Pieces`], joined once at the end into a buffer of the
/// exact size.
fn render_streaming(m: &Model, out: &mut Output) -> String {
    let new_kinds = || -> Vec<Pieces> { (0..=KINDS).map(|_| Pieces::new()).collect() };
    let mut kinds = new_kinds();
    let put = |o: &Object, kinds: &mut Vec<Pieces>| {
        let buf = kinds[kind_order(o.kind) as usize].room();
        buf.push_str("---\n");
        yaml::write_document(buf, &o.doc);
    };
    if let Some(ns) = meta::namespace(m) {
        put(&ns, &mut kinds);
    }
    for o in meta::configmaps(m) {
        put(&o, &mut kinds);
    }
    // The services in contiguous chunks, on a thread per CPU for a large
    // stack; each chunk's text of each kind, and what it reports, is
    // taken in in service order.
    let services: Vec<(&String, &crate::model::Service)> = m.services.iter().collect();
    let chunks = crate::par::map_chunks(&services, |chunk| {
        let mut part = new_kinds();
        let mut report = Output::new(Target::K8s);
        for &(name, s) in chunk {
            for o in service_objects(m, name, s, &mut report) {
                put(&o, &mut part);
            }
        }
        (part, report)
    });
    for (part, report) in chunks {
        for (all, p) in kinds.iter_mut().zip(part) {
            all.append(p);
        }
        out.absorb(report);
    }
    let header = hash_header();
    let total: usize = kinds.iter().map(Pieces::len).sum();
    let mut text = String::with_capacity(header.len() + total);
    text.push_str(&header);
    // The first document needs no separator.
    let mut first = true;
    for piece in kinds.iter().flat_map(Pieces::iter) {
        match piece.strip_prefix("---\n").filter(|_| first) {
            Some(rest) => text.push_str(rest),
            None => text.push_str(piece),
        }
        first &= piece.is_empty();
    }
    text
}

/// Number of kinds `kind_order` ranks before the catch-all.
const KINDS: usize = 9;

/// Every object of one model, in apply order.
pub fn objects(m: &Model, out: &mut Output) -> Vec<Object> {
    let mut objs: Vec<Object> = meta::namespace(m).into_iter().collect();
    objs.extend(meta::configmaps(m));
    for (name, s) in &m.services {
        objs.extend(service_objects(m, name, s, out));
    }
    objs.sort_by_key(|o| kind_order(o.kind));
    objs
}

/// Compose settings Kubernetes has no use for. Pods of a namespace share
/// one network and Kubernetes names them itself, so named networks and a
/// fixed container name are left out without a word; network aliases are
/// reported dropped, since a name only they give does not resolve.
fn compose_only(s: &crate::model::Service, env: Option<&str>, out: &mut Output) {
    let aliases: Vec<&str> = s
        .networks
        .values()
        .flat_map(|n| n.aliases.iter().flatten())
        .map(String::as_str)
        .collect();
    if !aliases.is_empty() {
        out.dropped(
            s.span_of("network"),
            env,
            "network alias",
            format!(
                "Kubernetes pods share one network and are reached by their Service name `{}`; \
                 the aliases {} do not resolve (refer to the service as `${{{}.host}}`)",
                s.name,
                aliases.join(", "),
                s.name
            ),
        );
    }
}

/// The objects of one service (workload, service, storage, scaling, ingress).
pub fn service_objects(
    m: &Model,
    name: &str,
    s: &crate::model::Service,
    out: &mut Output,
) -> Vec<Object> {
    let env = m.env_name();
    if let Some(ext) = &s.external {
        return network::external_service(m, name, s, ext, out)
            .into_iter()
            .collect();
    }
    if s.image_ref.is_none() {
        out.dropped(
            s.span,
            env,
            "host",
            "a host process (no image) is not run by Kubernetes; see the systemd target",
        );
        return Vec::new();
    }
    if s.host.is_some() {
        out.dropped(
            s.span_of("host"),
            env,
            "host",
            "host-process settings apply to the systemd target; Kubernetes runs the container",
        );
    }
    compose_only(s, env, out);
    let mut objs: Vec<Object> = files::config_map(m, s).into_iter().collect();
    if !s.files.is_empty() {
        out.exact += s.files.len();
    }
    objs.extend(storage::claims(m, name, s, out));
    objs.extend(network::service(m, name, s, out));
    objs.extend(network::headless_service(m, name, s));
    objs.push(workload::workload(m, name, s, out));
    objs.extend(scaling::hpa(m, name, s, out));
    objs.extend(scaling::pdb(m, name, s, out));
    objs.extend(network::ingress(m, name, s, out));
    objs
}

fn kind_order(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "ConfigMap" => 1,
        "Secret" => 2,
        "PersistentVolumeClaim" => 3,
        "Service" => 4,
        "Deployment" | "StatefulSet" => 5,
        "HorizontalPodAutoscaler" => 6,
        "PodDisruptionBudget" => 7,
        "Ingress" => 8,
        _ => 9,
    }
}

/// Documents separated by `---`, written straight from the objects.
fn write_objects(s: &mut String, objs: &[Object]) {
    for (i, o) in objs.iter().enumerate() {
        if i > 0 {
            s.push_str("---\n");
        }
        yaml::write_document(s, &o.doc);
    }
}

fn render_secret_templates(m: &Model, secrets: &[Object]) -> String {
    let mut s = hash_header();
    s.push_str(&format!(
        "# Secret templates for `{}`: fill in the values and apply them yourself\n# (or create the Secrets with sealed-secrets / external-secrets). stackc never writes secret values.\n",
        m.namespace().unwrap_or("the namespace the stack is deployed to")
    ));
    write_objects(&mut s, secrets);
    s
}
