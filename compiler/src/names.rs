//! Names of generated objects, derived from declared names.
//!
//! A leaf module: the rules (which report names that collide once lowered)
//! and the model and backends (which write them) must agree on every
//! derived name, so each derivation is written once, here.

/// A declared name as a Kubernetes object name (lowercase, `_` → `-`):
/// the names of the ConfigMaps and Secrets every Kubernetes target writes.
pub fn k8s_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches('-').to_string()
}

/// The PersistentVolumeClaim of a service's persistent volume.
pub fn claim_name(service: &str, volume: &str) -> String {
    format!("{service}-{volume}")
}
