//! Pipelines in the model (mirrors `stdlib/pipeline.stack`).

use super::service::EnvValue;
use super::units::Duration;
use crate::source::Span;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pipeline {
    #[serde(rename = "__span", default)]
    pub span: Span,
    pub name: Option<String>,
    pub on: Triggers,
    pub concurrency: Option<Concurrency>,
    #[serde(default)]
    pub permissions: IndexMap<String, Permission>,
    #[serde(default)]
    pub env: IndexMap<String, EnvValue>,
    #[serde(rename = "job", default)]
    pub jobs: IndexMap<String, Job>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Triggers {
    pub push: Option<RefFilter>,
    pub pull_request: Option<RefFilter>,
    pub manual: bool,
    pub schedule: Option<Vec<String>>,
    pub after: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct RefFilter {
    pub branches: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub paths: Option<Vec<String>>,
    pub paths_ignore: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Concurrency {
    pub group: String,
    pub cancel_in_progress: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Read,
    Write,
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Job {
    #[serde(rename = "__span", default)]
    pub span: Span,
    pub name: Option<String>,
    pub runs_on: String,
    pub needs: Option<Vec<String>>,
    #[serde(rename = "if")]
    pub if_: Option<String>,
    #[serde(default)]
    pub matrix: IndexMap<String, Vec<String>>,
    pub fail_fast: bool,
    pub timeout: Duration,
    pub environment: Option<String>,
    #[serde(default)]
    pub env: IndexMap<String, EnvValue>,
    pub steps: Vec<Step>,
}

/// A step; `name` is the block label when one was written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Step {
    #[serde(rename = "__span", default)]
    pub span: Span,
    pub name: Option<String>,
    #[serde(flatten)]
    pub kind: StepKind,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    Run {
        script: String,
        working_dir: Option<String>,
        shell: Option<String>,
        #[serde(default)]
        env: IndexMap<String, EnvValue>,
        #[serde(rename = "if")]
        if_: Option<String>,
        continue_on_error: bool,
    },
    Checkout {
        fetch_depth: u32,
        submodules: bool,
    },
    Rust {
        toolchain: String,
        components: Option<Vec<String>>,
        targets: Option<Vec<String>>,
        cache: bool,
        working_dir: Option<String>,
    },
    Node {
        version: String,
        cache: Option<NodeCache>,
        working_dir: Option<String>,
        install: bool,
    },
    Python {
        version: String,
        cache: bool,
        requirements: Option<String>,
    },
    Dotnet {
        version: String,
    },
    DockerBuild {
        service: String,
        push: bool,
        platforms: Option<Vec<String>>,
        tags: TagScheme,
        registry_user: Option<String>,
        registry_password: Option<String>,
        cache: bool,
    },
    Scan {
        service: String,
        severity: Vec<Severity>,
        fail: bool,
    },
    Deploy {
        environment: String,
        via: DeployVia,
        kubeconfig: String,
        wait: Duration,
    },
    HealthCheck {
        environment: String,
        url: Option<String>,
        retries: u32,
        interval: Duration,
    },
    Rollback {
        environment: String,
        kubeconfig: String,
        via: DeployVia,
    },
    Notify {
        webhook: String,
        when: NotifyWhen,
        message: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NodeCache {
    Npm,
    Pnpm,
    Yarn,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TagScheme {
    Semver,
    Sha,
    Ref,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeployVia {
    Kustomize,
    Helm,
    K8s,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NotifyWhen {
    Always,
    Success,
    Failure,
}
