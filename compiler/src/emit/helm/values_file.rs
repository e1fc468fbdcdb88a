//! Writing `values.yaml` (commented, in the `helm create` manner) and
//! `values-<env>.yaml` (the diff, with a usage header).
//!
//! The YAML writer has no comments, so each commented entry is written as
//! its own one-key document and indented: the writer's output depends on
//! the indentation only through block scalars, whose lines all shift
//! together, so the text stays exact. Comment text from the stack (secret
//! descriptions) is split into lines, each behind its own `# `.

use crate::emit::output::{hash_header, Pieces};
use crate::emit::yaml::{self, Key, Yaml};
use crate::model::{Model, Secret};
use rustc_hash::FxHashMap as HashMap;

/// `values.yaml`, written entry by entry (an entry per piece of the
/// text: the file is as large as the k8s target's manifests).
pub struct Base<'m> {
    m: &'m Model,
    head: String,
    text: Pieces,
    /// Declared secrets by their values key ([`super::values::secret_key`]).
    secrets: HashMap<String, (&'m str, &'m Secret)>,
}

impl<'m> Base<'m> {
    pub fn new(m: &'m Model, chart: &str) -> Base<'m> {
        let mut head = hash_header();
        head.push_str(&format!(
            "# Default values for the {chart} chart: the stack's settings before any environment.\n\
             # values-<env>.yaml files hold only what an environment changes; install one with\n\
             #   helm upgrade --install {chart} ./{chart} -f ./{chart}/values-<env>.yaml --namespace <ns> --create-namespace\n"
        ));
        let mut secrets = HashMap::default();
        for (name, sec) in &m.secrets {
            secrets
                .entry(super::values::secret_key(name, m))
                .or_insert((name.as_str(), sec));
        }
        Base {
            m,
            head,
            text: Pieces::new(),
            secrets,
        }
    }

    /// One top-level entry, commented.
    pub fn entry(&mut self, key: &str, value: Yaml) {
        let s = self.text.room();
        s.push('\n');
        let comment = top_comment(key, self.m);
        comment_lines(s, &comment, 0);
        match key {
            "secrets" => write_secrets(s, &self.secrets, value),
            _ if is_service(key, &value) => write_service(s, key, value),
            _ => entry(s, key, value, 0),
        }
    }

    pub fn finish(self) -> String {
        self.text.join(&self.head)
    }
}

/// `values-<env>.yaml`, written change by change.
pub struct Env {
    head: String,
    text: Pieces,
}

impl Env {
    pub fn new(m: &Model, chart: &str) -> Env {
        let name = m.env_name().unwrap_or("base");
        let mut head = hash_header();
        head.push_str(&format!(
            "# What environment `{name}` changes in values.yaml (a key set to null is removed):\n\
             #   helm upgrade --install {chart} ./{chart} -f ./{chart}/values-{name}.yaml{ns}\n",
            ns = m.namespace().map_or(String::new(), |ns| format!(
                " --namespace {ns} --create-namespace"
            ))
        ));
        Env {
            head,
            text: Pieces::new(),
        }
    }

    /// One top-level key of the changes. Written alone, an entry of a
    /// top-level map has the same text as in the whole map.
    pub fn change(&mut self, key: Key, value: Yaml) {
        yaml::write_document(self.text.room(), &Yaml::Map(vec![(key, value)]));
    }

    /// The file; `{}` when the environment changes nothing.
    pub fn finish(mut self) -> String {
        if self.text.is_empty() {
            yaml::write_document(self.text.room(), &Yaml::map());
        }
        self.text.join(&self.head)
    }
}

fn is_service(key: &str, value: &Yaml) -> bool {
    !matches!(
        key,
        "nameOverride"
            | "fullnameOverride"
            | "commonLabels"
            | "podAnnotations"
            | "imagePullSecrets"
            | "configs"
    ) && value.get("enabled").is_some()
}

fn top_comment(key: &str, m: &Model) -> String {
    let text = match key {
        "nameOverride" => "Replaces the chart name in resource names.",
        "fullnameOverride" => "Replaces the `<release>-<chart>` prefix of every resource name.",
        "commonLabels" => "Labels on every object (the stack's and the environment's labels).",
        "podAnnotations" => "Annotations on every pod (the stack's annotations).",
        "imagePullSecrets" => {
            "Secrets for pulling images from private registries, e.g. [{name: regcred}]."
        }
        "configs" => "Non-secret settings: one ConfigMap `<release>-<config>` each.",
        "secrets" => {
            "Secrets the services read, as references. By default (create: false) the chart uses\n\
             Secrets that already exist in the release namespace, named as below. With\n\
             `create: true` it creates them from `value` (or `cert` and `key` for TLS), which\n\
             have no default and are required then: pass them with --set or a values file\n\
             that stays out of version control, never in this file."
        }
        _ => return service_comment(key, m),
    };
    text.to_string()
}

fn service_comment(key: &str, m: &Model) -> String {
    let name = key
        .strip_suffix("Service")
        .filter(|n| super::RESERVED_KEYS.contains(n));
    let name = name.unwrap_or(key);
    let what = match m.services.get(name) {
        Some(s) if s.external.is_some() => {
            "a service outside the cluster (an ExternalName Service)"
        }
        Some(s) if s.build.is_some() => "built from source by this stack",
        _ => "a container service",
    };
    format!("Service `{name}`: {what}.")
}

fn write_secrets(s: &mut String, declared: &HashMap<String, (&str, &Secret)>, value: Yaml) {
    let Yaml::Map(entries) = value else {
        return entry(s, "secrets", value, 0);
    };
    s.push_str("secrets:\n");
    for (k, v) in entries {
        let text = match k.as_ref() {
            "create" => "Create the Secrets below from values (true) or use existing ones (false)."
                .to_string(),
            key => match declared.get(key) {
                Some((_, sec)) if sec.description.is_some() => {
                    sec.description.clone().unwrap_or_default()
                }
                Some((n, _)) => format!("Secret `{n}`."),
                None => format!("Secret `{key}`."),
            },
        };
        comment_lines(s, &text, 2);
        entry(s, &k, v, 2);
    }
}

fn write_service(s: &mut String, key: &str, value: Yaml) {
    let Yaml::Map(entries) = value else {
        return entry(s, key, value, 0);
    };
    // Service keys are DNS labels (or `<label>Service`): always plain.
    s.push_str(key);
    s.push_str(":\n");
    for (k, v) in entries {
        if let Some(c) = service_key_comment(&k) {
            comment_lines(s, c, 2);
        }
        entry(s, &k, v, 2);
    }
}

fn service_key_comment(key: &str) -> Option<&'static str> {
    Some(match key {
        "enabled" => "Set to false to leave the service out of the release.",
        "replicaCount" => "Pods to run (while autoscaling is off).",
        "image" => "The container image; an empty tag means none, an empty pullPolicy Kubernetes' default.",
        "command" => "Replaces the image's entrypoint.",
        "args" => "Arguments to the entrypoint.",
        "workingDir" => "The container's working directory.",
        "labels" => "Labels on the service's objects.",
        "podAnnotations" => "Annotations on the service's pods.",
        "podSecurityContext" => "The pod's securityContext.",
        "securityContext" => "The container's securityContext.",
        "terminationGracePeriodSeconds" => "Seconds between SIGTERM and SIGKILL.",
        "strategy" => "How new versions roll out (the Deployment's strategy).",
        "workload" => "StatefulSet: stable pod names through a headless Service, and a claim per pod\nfor each persistent volume (volumeClaimTemplates).",
        "podManagementPolicy" => "The order in which the StatefulSet starts and stops its pods.",
        "progressDeadlineSeconds" => "Seconds a rollout may make no progress before it counts as failed.",
        "enableServiceLinks" => "Whether Kubernetes injects <SERVICE>_SERVICE_HOST/_PORT variables.",
        "resources" => "CPU and memory requests and limits.",
        "lifecycle" => "The container's lifecycle hooks (preStop runs before it is asked to stop).",
        "initContainers" => "Run to completion in order before the container starts: the service's image unless\n`image` is set, with the service's environment (then `env`), resources, security and mounts.",
        "livenessProbe" => "Restarts the container when it fails.",
        "readinessProbe" => "Takes the pod out of the Service while it fails.",
        "startupProbe" => "Holds the other probes back while a slow start completes.",
        "nodeSelector" => "Scheduling: node labels the pods require.",
        "tolerations" => "Scheduling: taints the pods tolerate.",
        "affinity" => "Scheduling: affinity and anti-affinity rules.",
        "topologySpreadConstraints" => "Scheduling: spread the pods across nodes or zones (the template adds the label selector).",
        "service" => "The Service in front of the pods; each port is also a container port.",
        "env" => "Environment: `value`, `secret` (a key of `secrets`), `config` + `key` (a key of\n`configs`) or `parts` (text and `host: <service>`, which becomes that Service's name).",
        "envFrom" => "Configs (keys of `configs`) exposed whole as environment variables.",
        "volumes" => "Mounts and their volumes: `persistence` (a PersistentVolumeClaim `<release>-<service>-<name>`,\nor `existingClaim`), `emptyDir`, `secret` (a key of `secrets`, mounted as a file), or `configMap`\n(a key of `configs`) and its `key` (a mounted file).",
        "ingress" => "Public HTTP routes to the Service port `port`.",
        "autoscaling" => "A HorizontalPodAutoscaler; the Deployment then starts at minReplicas.",
        "podDisruptionBudget" => "A PodDisruptionBudget: minAvailable or maxUnavailable (a count or \"N%\").",
        "external" => "Where the service runs; other services reach it under the Service's name.",
        _ => return None,
    })
}

/// `key: value` as its own document, indented by `indent`.
fn entry(s: &mut String, key: &str, value: Yaml, indent: usize) {
    yaml::write_entry(s, key, &value, indent);
}

fn spaces(s: &mut String, n: usize) {
    s.extend(std::iter::repeat_n(' ', n));
}

/// `# text`, one comment per line of `text` (split at every character a
/// YAML reader takes for a line break), indented.
fn comment_lines(s: &mut String, text: &str, indent: usize) {
    let breaks = ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];
    for line in text.split(breaks) {
        spaces(s, indent);
        s.push('#');
        if !line.trim().is_empty() {
            s.push(' ');
            let line = line.trim_end();
            // Printable ASCII (the usual comment) is kept as it is.
            if line
                .bytes()
                .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
            {
                s.push_str(line);
            } else {
                let printable = |c: char| !(c.is_control() && c != '\t') && c != '\u{feff}';
                s.extend(line.chars().map(|c| if printable(c) { c } else { ' ' }));
            }
        }
        s.push('\n');
    }
}
