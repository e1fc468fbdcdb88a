//! Semantic rules that need the merged, per-environment picture: cycles,
//! ports, resource limits, autoscaling, names, secrets, environments and
//! pipelines. One file per rule family; each takes an evaluated
//! environment and pushes diagnostics.

pub mod cron;
