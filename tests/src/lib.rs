//! Shared helpers for the stackc integration tests (package `stackc-tests`).
//!
//! Each test binary (`compose.rs`, `kustomize.rs`, `emit.rs`,
//! `conformance.rs`, `cli.rs`, …) links this library for what more than one
//! of them needs:
//!
//! * [`stacks`]: the workspace, the examples and the emit fixtures, loaded
//!   into memory under stable names, compiled and emitted in-process, and
//!   the lowering report as `stackc emit` prints it;
//! * [`tools`]: the real validators (where they are, whether a missing one
//!   fails the run, `scripts/validate.sh`) and scratch directories;
//! * [`yaml`]: multi-document parsing and comparison of YAML as data;
//! * [`cli`]: `stackc` run in-process with captured output.
//!
//! Nothing here asserts on a backend's behaviour; the tests do.

pub mod cli;
pub mod stacks;
pub mod tools;
pub mod yaml;
