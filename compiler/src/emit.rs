//! Backends: turn per-environment models into files.

pub mod yaml;

/// `--target` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetArg {
    Compose,
    K8s,
    Kustomize,
    Helm,
    All,
}
