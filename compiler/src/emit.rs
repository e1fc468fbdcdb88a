//! Backends: turn the per-environment model into files.
pub mod yaml;
