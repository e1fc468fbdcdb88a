//! The [`Union`]: what the chart holds for every environment.
//!
//! Every values file has the same keys, so the chart lists the services
//! that any model renders (base order first) and the secrets any of them
//! reads. Both are found from the models alone, in one pass each, before
//! any values are built.

use super::values::secret_key;
use crate::emit::k8s::k8s_name;
use crate::model::{EnvValue, Model, SecretKind, Service};
use indexmap::{IndexMap, IndexSet};
use rustc_hash::FxHashSet as HashSet;

/// A secret as the chart sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretRef {
    /// The Kubernetes Secret's name.
    pub name: String,
    pub kind: SecretKind,
    /// `optional = true`: pods start without it.
    pub optional: bool,
}

/// Whether Kubernetes renders a service, i.e. whether
/// [`super::values::service_values`] has values for it: an external
/// service, or a container with an image (the k8s backend always gives it
/// a Deployment or a StatefulSet). Host processes are not.
pub fn renders(s: &Service) -> bool {
    s.external.is_some() || s.image_ref.is_some()
}

/// What the chart holds for every environment: the services renderable in
/// at least one model (base order first) and the secrets any of them reads.
#[derive(Debug, Clone, Default)]
pub struct Union {
    pub services: Vec<String>,
    pub secrets: IndexMap<String, SecretRef>,
}

impl Union {
    pub fn of(models: &[&Model]) -> Union {
        let mut services = IndexSet::new();
        let mut secrets = IndexMap::new();
        for m in models {
            for (name, s) in &m.services {
                if renders(s) && !services.contains(name.as_str()) {
                    services.insert(name.clone());
                }
            }
            for (key, secret) in secrets_read(m) {
                secrets.entry(key).or_insert(secret);
            }
        }
        Union {
            services: services.into_iter().collect(),
            secrets,
        }
    }
}

/// Secrets the services (and their init containers) reference, in
/// declaration order: one pass over
/// the services collects the names, so this is linear in the stack.
fn secrets_read(m: &Model) -> IndexMap<String, SecretRef> {
    let used: HashSet<&str> = m
        .services
        .values()
        .flat_map(|s| {
            let inits = s.init.values().flat_map(|i| i.env.values());
            s.env.values().chain(inits)
        })
        .filter_map(|v| match v {
            EnvValue::Secret { secret } => Some(secret.as_str()),
            _ => None,
        })
        .collect();
    let mut read = IndexMap::new();
    for (name, sec) in &m.secrets {
        if used.contains(name.as_str()) {
            let secret = SecretRef {
                name: k8s_name(name),
                kind: sec.kind,
                optional: sec.optional,
            };
            read.insert(secret_key(name, m), secret);
        }
    }
    read
}
