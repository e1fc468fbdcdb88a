//! Pipelines in the model (mirrors `stdlib/pipeline.stack`).

use super::service::EnvValue;
use super::units::Duration;
use crate::source::Span;
use indexmap::IndexMap;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pipeline {
    #[serde(rename = "__span")]
    pub span: Span,
    pub name: Option<String>,
    pub on: Triggers,
    pub concurrency: Option<Concurrency>,
    pub permissions: Option<Permissions>,
    pub env: IndexMap<String, EnvValue>,
    pub working_dir: Option<String>,
    #[serde(rename = "job")]
    pub jobs: IndexMap<String, Job>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Triggers {
    pub push: Option<RefFilter>,
    pub pull_request: Option<RefFilter>,
    pub manual: bool,
    pub inputs: IndexMap<String, Input>,
    pub release: Option<Vec<ReleaseEvent>>,
    pub schedule: Option<Vec<String>>,
    pub after: Option<Vec<String>>,
}

/// A value asked for when a pipeline is started by hand.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Input {
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub ty: InputType,
    pub required: bool,
    pub default: Option<String>,
    pub options: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    String,
    Boolean,
    Number,
    Choice,
    Environment,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseEvent {
    Published,
    Created,
    Released,
    Prereleased,
    Edited,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct RefFilter {
    pub branches: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub paths: Option<Vec<String>>,
    pub paths_ignore: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Concurrency {
    pub group: String,
    pub cancel_in_progress: bool,
}

/// Token permissions per scope (unset scopes: none, once any is set).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Permissions {
    #[serde(rename = "__span")]
    pub span: Span,
    pub actions: Option<Permission>,
    pub attestations: Option<Permission>,
    pub checks: Option<Permission>,
    pub contents: Option<Permission>,
    pub deployments: Option<Permission>,
    pub discussions: Option<Permission>,
    pub id_token: Option<Permission>,
    pub issues: Option<Permission>,
    pub models: Option<Permission>,
    pub packages: Option<Permission>,
    pub pages: Option<Permission>,
    pub pull_requests: Option<Permission>,
    pub repository_projects: Option<Permission>,
    pub security_events: Option<Permission>,
    pub statuses: Option<Permission>,
}

impl Permissions {
    /// `(github-name, access)` of every scope that is set.
    pub fn scopes(&self) -> Vec<(&'static str, Permission)> {
        let all = [
            ("actions", self.actions),
            ("attestations", self.attestations),
            ("checks", self.checks),
            ("contents", self.contents),
            ("deployments", self.deployments),
            ("discussions", self.discussions),
            ("id-token", self.id_token),
            ("issues", self.issues),
            ("models", self.models),
            ("packages", self.packages),
            ("pages", self.pages),
            ("pull-requests", self.pull_requests),
            ("repository-projects", self.repository_projects),
            ("security-events", self.security_events),
            ("statuses", self.statuses),
        ];
        all.into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Read,
    Write,
    None,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Job {
    #[serde(rename = "__span")]
    pub span: Span,
    pub name: Option<String>,
    pub runs_on: String,
    pub needs: Option<Vec<String>>,
    #[serde(rename = "if")]
    pub if_: Option<String>,
    pub matrix: IndexMap<String, Vec<String>>,
    pub fail_fast: bool,
    pub timeout: Duration,
    pub environment: Option<String>,
    pub env: IndexMap<String, EnvValue>,
    pub outputs: IndexMap<String, String>,
    pub steps: Vec<Step>,
}

/// A step; `name` is the block label when one was written.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    #[serde(rename = "__span")]
    pub span: Span,
    pub name: Option<String>,
    #[serde(flatten)]
    pub kind: StepKind,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    Run {
        script: String,
        id: Option<String>,
        working_dir: Option<String>,
        shell: Option<String>,
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
        /// One service (`service`), or several as a job matrix (`services`).
        services: Vec<String>,
        /// Whether `services` was written (the job is a matrix over them).
        matrix: bool,
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
        service: Option<String>,
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
    Stackc {
        version: Option<String>,
        path: String,
        deny_warnings: bool,
        emit_check: bool,
    },
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NodeCache {
    Npm,
    Pnpm,
    Yarn,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TagScheme {
    Semver,
    Sha,
    Ref,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeployVia {
    Kustomize,
    Helm,
    K8s,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NotifyWhen {
    Always,
    Success,
    Failure,
}

impl StepKind {
    /// The services a `docker_build` step pushes (none for other steps).
    pub fn pushed_services(&self) -> &[String] {
        match self {
            StepKind::DockerBuild {
                services,
                push: true,
                ..
            } => services,
            _ => &[],
        }
    }
}
