//! Deterministic YAML writer (placeholder).
