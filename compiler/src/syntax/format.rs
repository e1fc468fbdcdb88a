//! Canonical formatting (`stackc fmt`).
