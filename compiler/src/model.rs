//! The resolved, typed model of one environment: the contract between the
//! front end and the backends, and what `stackc eval` prints.
//!
//! Built from an evaluated world (`eval::Evaluated`) and plain inputs
//! ([`Inputs`]; the driver's `Compilation::model` gathers them) by
//! converting its values directly ([`from_val`]), so the structs mirror the
//! stdlib schema field for field (`port` → `ports`, `volume` → `volumes`).
//! A few conveniences are computed once here for every backend: the full
//! image reference, effective probes (`health` merged into
//! `liveness`/`readiness`) and probe ports. Records carry the span of the
//! block they came from, for lowering reports. The model never calls back
//! into the driver.

mod build;
mod from_val;
pub mod interp;
pub mod pipeline;
pub mod service;
pub mod units;

pub use build::{build, summaries, world_not_kept, Inputs};

pub use pipeline::*;
pub use service::*;
pub use units::{Bytes, Cpu, Duration, Percent};

use crate::source::Span;
use indexmap::IndexMap;

/// An ordered map hashed with FxHash: the services and secrets of a model
/// are looked up by name for every reference every backend renders.
pub type FxIndexMap<K, V> = IndexMap<K, V, rustc_hash::FxBuildHasher>;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Model {
    pub stack: Stack,
    /// The environment this model is for; `None` for the base.
    pub environment: Option<Environment>,
    /// Every environment the stack declares (pipelines refer to them).
    pub environments: Vec<EnvironmentSummary>,
    pub services: FxIndexMap<String, Service>,
    /// Declared services that do not run in this environment.
    pub skipped_services: Vec<String>,
    pub secrets: FxIndexMap<String, Secret>,
    pub configs: IndexMap<String, IndexMap<String, String>>,
    pub pipelines: IndexMap<String, Pipeline>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stack {
    pub name: String,
    pub description: Option<String>,
    pub namespace: Option<Namespace>,
    pub registry: Option<String>,
    pub version: String,
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
    pub targets: Vec<Target>,
    pub default_env: Option<String>,
    /// Where the repository keeps the `--target all` output (pipelines
    /// deploy from it).
    pub deploy_dir: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Compose,
    K8s,
    Kustomize,
    Helm,
    Systemd,
    Quadlet,
    Github,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Environment {
    pub name: String,
    pub description: Option<String>,
    pub tier: Tier,
    pub namespace: Option<Namespace>,
    pub registry: Option<String>,
    pub tag: Option<String>,
    pub approval: bool,
    pub url: Option<String>,
    pub labels: IndexMap<String, String>,
    /// Targets this environment is emitted for; `None`: all of the stack's.
    pub targets: Option<Vec<Target>>,
}

impl Target {
    /// Every target of the language, in the order `--target all` writes them.
    pub const ALL: [Target; 7] = [
        Target::Compose,
        Target::K8s,
        Target::Kustomize,
        Target::Helm,
        Target::Systemd,
        Target::Quadlet,
        Target::Github,
    ];

    /// As `targets = [...]` and `--target` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Target::Compose => "compose",
            Target::K8s => "k8s",
            Target::Kustomize => "kustomize",
            Target::Helm => "helm",
            Target::Systemd => "systemd",
            Target::Quadlet => "quadlet",
            Target::Github => "github",
        }
    }

    /// The target `targets = [...]` names `name` (the stdlib's keywords).
    pub fn from_name(name: &str) -> Option<Target> {
        <Target as from_val::Keyword>::from_name(name)
    }
}

/// A `namespace` setting: a name, or `none` (the objects carry no
/// namespace and go to the one the applying tool uses).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub enum Namespace {
    #[serde(rename = "none")]
    None,
    #[serde(untagged)]
    Name(String),
}

impl Namespace {
    /// The name; `None` for `namespace = none`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Namespace::Name(n) => Some(n),
            Namespace::None => None,
        }
    }
}

impl Environment {
    /// Whether this environment is emitted for `t`.
    pub fn emits(&self, t: Target) -> bool {
        self.targets.as_ref().is_none_or(|ts| ts.contains(&t))
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Development,
    Staging,
    Production,
}

/// What pipelines need to know about every environment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnvironmentSummary {
    pub name: String,
    pub tier: Tier,
    pub approval: bool,
    pub url: Option<String>,
    /// `None` when unset or `none` (pipelines then name no namespace).
    pub namespace: Option<String>,
    /// Targets this environment is emitted for; `None`: all of the stack's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<Target>>,
}

impl EnvironmentSummary {
    /// Whether this environment is emitted for `t`.
    pub fn emits(&self, t: Target) -> bool {
        self.targets.as_ref().is_none_or(|ts| ts.contains(&t))
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Secret {
    #[serde(rename = "__span")]
    pub span: Span,
    pub description: Option<String>,
    pub kind: SecretKind,
    /// Variable name in `.env` files and CI secret stores.
    pub env_name: String,
    pub file: bool,
    /// The value may be absent or empty.
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    Opaque,
    Password,
    Token,
    Url,
    Tls,
}

impl Model {
    /// The namespace resources go to (environment's, else the stack's, else
    /// the stack name); `None` for `namespace = none`: the objects carry no
    /// namespace and go to the one `kubectl` or `helm` uses.
    pub fn namespace(&self) -> Option<&str> {
        match self
            .environment
            .as_ref()
            .and_then(|e| e.namespace.as_ref())
            .or(self.stack.namespace.as_ref())
        {
            Some(ns) => ns.name(),
            None => Some(&self.stack.name),
        }
    }

    pub fn env_name(&self) -> Option<&str> {
        self.environment.as_ref().map(|e| e.name.as_str())
    }
}

pub use crate::names::{claim_name, k8s_name};

/// Repository files read for `file { source = "…" }`: the text by (the
/// file the path is written in, the path as written).
pub type Files = std::collections::HashMap<(crate::source::FileId, String), String>;

/// Converted services by the address of the evaluated value they come
/// from (values shared between environments are converted once). Clones of
/// a compilation start with an empty cache.
///
/// Each service is boxed: a `Service` is about 3 KB, and a table of them
/// moved on every growth of the map (10,000 services: 50 MB copied into
/// fresh pages while the base model was built, 5 % of `--target all`).
#[derive(Debug, Default)]
pub struct ServiceCache(std::sync::Mutex<std::collections::HashMap<usize, Box<Service>>>);

impl Clone for ServiceCache {
    fn clone(&self) -> Self {
        ServiceCache::default()
    }
}

impl ServiceCache {
    fn get(&self, key: usize) -> Option<Service> {
        self.0.lock().ok()?.get(&key).map(|s| (**s).clone())
    }

    fn put(&self, key: usize, s: &Service) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, Box::new(s.clone()));
        }
    }
}

#[cfg(test)]
mod target_tests {
    use super::Target;

    /// `name` (what `--target` and the lowering report print) and the
    /// stdlib keywords the model reads agree for every target.
    #[test]
    fn target_names_round_trip() {
        for t in Target::ALL {
            assert_eq!(Target::from_name(t.name()), Some(t));
        }
    }
}
