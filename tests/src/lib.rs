//! Shared helpers for the stackc integration tests.
