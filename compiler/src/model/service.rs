//! Services in the model (mirrors `stdlib/service.stack`).

use super::units::{Bytes, Cpu, Duration, Percent};
use crate::source::Span;
use indexmap::IndexMap;
use serde::Serialize;

/// One service of a model.
///
/// Fields that are large and seldom set are boxed: a model holds one
/// `Service` per service and environment (`--target all` at 10,000
/// services: four models and the cache), and every byte of them is memory
/// the kernel zeroes first. Its maps hash with FxHash (no hasher state
/// to store; ports are looked up by name for every object rendered).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Service {
    #[serde(rename = "__span")]
    pub span: Span,
    pub name: String,
    /// As written (`name[:tag]`); see [`Service::image_ref`] for the full reference.
    pub image: Option<String>,
    pub tag: Option<String>,
    /// The full image reference `registry/name:tag` (computed).
    pub image_ref: Option<ImageRef>,
    pub build: Option<Box<Build>>,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub workdir: Option<String>,
    #[serde(rename = "port")]
    pub ports: super::FxIndexMap<String, Port>,
    pub env: super::FxIndexMap<String, EnvValue>,
    pub env_from: Option<Vec<String>>,
    #[serde(rename = "volume")]
    pub volumes: super::FxIndexMap<String, Volume>,
    /// Files mounted read-only, by absolute path.
    #[serde(rename = "file")]
    pub files: super::FxIndexMap<String, File>,
    pub health: Option<Probe>,
    /// Effective liveness probe: `liveness` over `health` (computed).
    pub liveness: Option<Probe>,
    /// Effective readiness probe: `readiness` over `health` (computed).
    pub readiness: Option<Probe>,
    pub startup: Option<Box<Probe>>,
    pub resources: Option<Resources>,
    pub replicas: u32,
    pub workload: Workload,
    pub pod_management: Option<PodManagement>,
    pub autoscale: Option<Autoscale>,
    pub disruption: Option<Disruption>,
    pub restart: Restart,
    pub rollout: Option<Box<Rollout>>,
    pub security: Option<Box<Security>>,
    pub depends_on: super::FxIndexMap<String, Condition>,
    pub expose: Option<Expose>,
    pub load_balancer: Option<Box<LoadBalancer>>,
    pub ingress: Option<Box<Ingress>>,
    pub external: Option<Box<External>>,
    pub host: Option<Box<Host>>,
    pub node_selector: super::FxIndexMap<String, String>,
    #[serde(rename = "toleration")]
    pub tolerations: super::FxIndexMap<String, Toleration>,
    pub spread: Option<Spread>,
    pub labels: super::FxIndexMap<String, String>,
    pub annotations: super::FxIndexMap<String, String>,
    pub environments: Option<Vec<String>>,
    pub init: super::FxIndexMap<String, Init>,
    pub pre_stop: Option<Box<PreStop>>,
    pub stop_grace: Option<Duration>,
    pub pull: Option<PullPolicy>,
    pub service_links: Option<bool>,
    pub container_name: Option<String>,
    #[serde(rename = "network")]
    pub networks: super::FxIndexMap<String, Network>,
    /// Where each field that is set was written (for lowering reports).
    #[serde(rename = "__fields")]
    pub field_spans: FieldSpans,
}

/// Where each field of a service that is set was written, in the order of
/// its value. The names are the evaluated value's own (shared, not copied:
/// a model has one of these per service, and only a lowering report reads
/// one), looked up by a scan of the few dozen a service sets. Serialized as
/// a map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSpans(pub Vec<(crate::value::Key, Span)>);

impl FieldSpans {
    /// Where `field` was written, if it is set.
    pub fn get(&self, field: &str) -> Option<Span> {
        self.0.iter().find(|(k, _)| &**k == field).map(|(_, s)| *s)
    }
}

impl Serialize for FieldSpans {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = ser.serialize_map(Some(self.0.len()))?;
        for (k, span) in &self.0 {
            map.serialize_entry(&**k, span)?;
        }
        map.end()
    }
}

impl Service {
    /// Where `field` was written, else the service's span.
    pub fn span_of(&self, field: &str) -> Span {
        self.field_spans.get(field).unwrap_or(self.span)
    }

    /// Whether the stack runs this service as a container.
    pub fn is_container(&self) -> bool {
        self.external.is_none() && self.image_ref.is_some()
    }

    /// The first declared port.
    pub fn first_port(&self) -> Option<(&String, &Port)> {
        self.ports.first()
    }

    /// A port by name.
    pub fn port(&self, name: &str) -> Option<&Port> {
        self.ports.get(name)
    }

    /// How the Kubernetes Service is reached: `expose`, else NodePort when a
    /// port sets `node_port`, else ClusterIP.
    pub fn exposure(&self) -> Expose {
        self.expose.unwrap_or_else(|| {
            if self.ports.values().any(|p| p.node_port.is_some()) {
                Expose::NodePort
            } else {
                Expose::ClusterIp
            }
        })
    }

    /// Whether Kubernetes runs it as a StatefulSet.
    pub fn is_stateful(&self) -> bool {
        self.workload == Workload::Stateful
    }

    /// The Kubernetes kind of its workload.
    pub fn workload_kind(&self) -> &'static str {
        match self.workload {
            Workload::Deployment => "Deployment",
            Workload::Stateful => "StatefulSet",
        }
    }

    /// Persistent volumes (with a size).
    pub fn persistent_volumes(&self) -> impl Iterator<Item = (&String, &Volume)> {
        self.volumes.iter().filter(|(_, v)| v.size.is_some())
    }
}

/// A node taint the pods tolerate.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Toleration {
    #[serde(rename = "__span")]
    pub span: Span,
    pub value: Option<String>,
    pub effect: Option<TaintEffect>,
    pub evict_after: Option<Duration>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    pub fn k8s(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

/// Spreading pods across failure domains.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spread {
    #[serde(rename = "__span")]
    pub span: Span,
    pub across: Vec<SpreadDomain>,
    pub max_skew: u32,
    pub when_unsatisfiable: Unsatisfiable,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SpreadDomain {
    Nodes,
    Zones,
}

impl SpreadDomain {
    /// The node label of the domain (`topologyKey`).
    pub fn topology_key(self) -> &'static str {
        match self {
            SpreadDomain::Nodes => "kubernetes.io/hostname",
            SpreadDomain::Zones => "topology.kubernetes.io/zone",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Unsatisfiable {
    ScheduleAnyway,
    DoNotSchedule,
}

impl Unsatisfiable {
    pub fn k8s(self) -> &'static str {
        match self {
            Unsatisfiable::ScheduleAnyway => "ScheduleAnyway",
            Unsatisfiable::DoNotSchedule => "DoNotSchedule",
        }
    }
}

/// An init container.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Init {
    #[serde(rename = "__span")]
    pub span: Span,
    pub image: Option<String>,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub workdir: Option<String>,
    pub env: IndexMap<String, EnvValue>,
}

/// What runs before a container is stopped.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PreStop {
    #[serde(rename = "__span")]
    pub span: Span,
    pub exec: Option<Vec<String>>,
    pub shell: Option<String>,
    pub sleep: Option<Duration>,
}

impl PreStop {
    /// The command it runs: `exec`, `sh -c shell`, or `sleep SECONDS`.
    pub fn command(&self) -> Vec<String> {
        if let Some(e) = &self.exec {
            return e.clone();
        }
        if let Some(line) = &self.shell {
            return vec!["sh".into(), "-c".into(), line.clone()];
        }
        let secs = self.sleep.map_or(0, |d| d.seconds_ceil());
        vec!["sleep".into(), secs.to_string()]
    }
}

impl Service {
    /// The service as its init container `name` runs: the init's image
    /// (else the service's, with its command, arguments and working
    /// directory unless the init sets them), the service's environment
    /// under the init's, its volumes, resources and security; no ports,
    /// probes, hooks or exposure.
    pub fn as_init(&self, name: &str, init: &Init) -> Service {
        let mut s = self.clone();
        s.name = format!("{}-init-{name}", self.name);
        s.span = init.span;
        if let Some(image) = &init.image {
            s.image = Some(image.clone());
            s.tag = None;
            s.build = None;
            s.pull = None;
            s.image_ref = Some(ImageRef::as_written(image));
            s.command = init.command.clone();
            s.args = init.args.clone();
            s.workdir = init.workdir.clone();
        } else {
            s.command = init.command.clone().or(s.command);
            s.args = init.args.clone().or(s.args);
            s.workdir = init.workdir.clone().or(s.workdir);
        }
        for (k, v) in &init.env {
            s.env.insert(k.clone(), v.clone());
        }
        s.ports.clear();
        s.health = None;
        s.liveness = None;
        s.readiness = None;
        s.startup = None;
        s.pre_stop = None;
        s.init.clear();
        s.ingress = None;
        s.expose = None;
        s.load_balancer = None;
        s.autoscale = None;
        s.disruption = None;
        s.replicas = 1;
        s.restart = Restart::Never;
        s
    }
}

/// `registry/name:tag`, split.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImageRef {
    /// Repository including the registry host and path, e.g. `ghcr.io/acme/backend`.
    pub repository: String,
    pub tag: Option<String>,
    /// `repository:tag` (or the repository alone without a tag).
    pub reference: String,
}

impl ImageRef {
    /// An image reference used as written: `name[:tag]` or
    /// `registry/name[:tag]` (a digest stays part of the repository).
    pub fn as_written(image: &str) -> ImageRef {
        let from = image.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match image[from..].find(':') {
            Some(c) if !image.contains('@') => (
                image[..from + c].to_string(),
                Some(image[from + c + 1..].to_string()),
            ),
            _ => (image.to_string(), None),
        };
        ImageRef {
            repository,
            tag,
            reference: image.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Build {
    pub context: String,
    pub dockerfile: Option<String>,
    pub target: Option<String>,
    pub args: IndexMap<String, String>,
    pub platforms: Option<Vec<String>>,
    /// The name and tag a local build gets: as written, else
    /// `<stack>/<service>:<tag>` with the image's tag (computed).
    pub image: String,
}

/// A named network a service joins (Compose).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Network {
    #[serde(rename = "__span")]
    pub span: Span,
    pub aliases: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Port {
    #[serde(rename = "__span")]
    pub span: Span,
    pub container: u16,
    pub service: Option<u16>,
    pub node_port: Option<u16>,
    pub host: Option<u16>,
    pub protocol: Protocol,
}

impl Port {
    /// The port other services connect to in Kubernetes.
    pub fn service_port(&self) -> u16 {
        self.service.unwrap_or(self.container)
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn upper(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }

    pub fn lower(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// The value of an environment variable.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum EnvValue {
    Literal(String),
    Secret { secret: String },
    ConfigKey { config: String, key: String },
    Interp { interp: Vec<Part> },
}

/// A piece of an interpolated string that depends on the target.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Text(String),
    /// Host name of a service.
    Host(String),
    /// Port number of a service's named port: `[service, port]`.
    Port(String, String),
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Volume {
    #[serde(rename = "__span")]
    pub span: Span,
    pub mount: String,
    pub size: Option<Bytes>,
    pub bind: Option<String>,
    pub tmpfs: Option<Bytes>,
    pub read_only: bool,
    pub storage_class: Option<String>,
    pub access: AccessMode,
}

/// A file mounted read-only into the container (`file "/path" { … }`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct File {
    #[serde(rename = "__span")]
    pub span: Span,
    /// The repository file it is read from, as written.
    pub source: Option<String>,
    /// The config key it holds: `[config, key]`.
    pub config: Option<(String, String)>,
    /// The text: read from `source`, the config's value in this
    /// environment, or as written (computed).
    pub content: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
}

impl AccessMode {
    pub fn k8s(self) -> &'static str {
        match self {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadOnlyMany => "ReadOnlyMany",
            AccessMode::ReadWriteMany => "ReadWriteMany",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Probe {
    #[serde(rename = "__span")]
    pub span: Span,
    pub http: Option<String>,
    pub tcp: Option<bool>,
    pub exec: Option<Vec<String>>,
    /// A command line run by `/bin/sh -c`.
    pub shell: Option<String>,
    /// Port name; filled with the service's first port when unset (computed).
    pub port: Option<String>,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
    pub start_period: Option<Duration>,
    pub initial_delay: Option<Duration>,
    pub success_threshold: Option<u32>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Resources {
    pub cpu: Option<Range<Cpu>>,
    pub memory: Option<Range<Bytes>>,
}

/// `request..limit`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Range<T> {
    pub request: T,
    pub limit: T,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Autoscale {
    #[serde(rename = "__span")]
    pub span: Span,
    pub min: u32,
    pub max: u32,
    pub cpu: Option<Percent>,
    pub memory: Option<Percent>,
}

/// An absolute count or a percentage.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum IntOrPercent {
    Int(i64),
    Percent(Percent),
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Disruption {
    #[serde(rename = "__span")]
    pub span: Span,
    pub min_available: Option<IntOrPercent>,
    pub max_unavailable: Option<IntOrPercent>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Restart {
    Always,
    OnFailure,
    UnlessStopped,
    Never,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rollout {
    #[serde(rename = "__span")]
    pub span: Span,
    pub strategy: RolloutStrategy,
    pub max_surge: Option<IntOrPercent>,
    pub max_unavailable: Option<IntOrPercent>,
    pub deadline: Option<Duration>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    Deployment,
    Stateful,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PodManagement {
    Ordered,
    Parallel,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    /// Kubernetes' `imagePullPolicy`.
    pub fn k8s(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }

    /// Compose's `pull_policy` and Quadlet's `Pull=`.
    pub fn compose(self) -> &'static str {
        match self {
            PullPolicy::Always => "always",
            PullPolicy::IfNotPresent => "missing",
            PullPolicy::Never => "never",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RolloutStrategy {
    Rolling,
    Recreate,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Security {
    #[serde(rename = "__span")]
    pub span: Span,
    pub non_root: bool,
    pub user: Option<u32>,
    pub group: Option<u32>,
    pub read_only_root: bool,
    pub no_new_privileges: bool,
    pub drop_capabilities: Vec<String>,
    pub add_capabilities: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Started,
    Healthy,
    Completed,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Expose {
    ClusterIp,
    NodePort,
    LoadBalancer,
}

impl Expose {
    /// The Kubernetes Service `type`.
    pub fn k8s(self) -> &'static str {
        match self {
            Expose::ClusterIp => "ClusterIP",
            Expose::NodePort => "NodePort",
            Expose::LoadBalancer => "LoadBalancer",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoadBalancer {
    #[serde(rename = "__span")]
    pub span: Span,
    pub annotations: IndexMap<String, String>,
    pub source_ranges: Option<Vec<String>>,
    pub class: Option<String>,
    pub preserve_client_ip: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ingress {
    #[serde(rename = "__span")]
    pub span: Span,
    pub host: String,
    pub paths: Vec<String>,
    /// Port name; the service's first port when unset (computed).
    pub port: Option<String>,
    pub class: Option<String>,
    pub tls: bool,
    pub tls_secret: Option<String>,
    pub annotations: IndexMap<String, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct External {
    #[serde(rename = "__span")]
    pub span: Span,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Host {
    #[serde(rename = "__span")]
    pub span: Span,
    pub exec: String,
    pub args: Option<Vec<String>>,
    pub user: Option<String>,
    pub group: Option<String>,
    pub working_dir: Option<String>,
    pub environment_file: Option<String>,
    pub hardening: Hardening,
    pub after: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Hardening {
    None,
    Standard,
    Strict,
}
