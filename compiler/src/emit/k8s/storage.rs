//! PersistentVolumeClaims for persistent volumes (claim templates of
//! StatefulSets share their spec).

use super::meta::{labels, metadata, object};
use super::Object;
use crate::emit::output::Output;
use crate::emit::yaml::Yaml;
use crate::model::{Bytes, Model, Service, Volume};

/// The PersistentVolumeClaims of a Deployment's persistent volumes (a
/// StatefulSet's are claim templates of the workload).
pub fn claims(m: &Model, name: &str, s: &Service, out: &mut Output) -> Vec<Object> {
    let mut objs = Vec::new();
    if s.is_stateful() {
        return objs;
    }
    for (vname, v) in s.persistent_volumes() {
        let Some(size) = v.size else { continue };
        let claim = format!("{name}-{vname}");
        let spec = claim_spec(v, size);
        objs.push(object(
            "v1",
            "PersistentVolumeClaim",
            &claim,
            Some(name),
            metadata(m, &claim, labels(m, name, Some(s))),
            vec![("spec", spec)],
        ));
        out.exact += 1;
        if s.replicas > 1 && v.access == crate::model::AccessMode::ReadWriteOnce {
            out.approximated(v.span, m.env_name(), "volume", format!("{} replicas share one ReadWriteOnce claim; pods on different nodes cannot mount it", s.replicas));
        }
    }
    objs
}

/// A claim's spec: access mode, size, storage class.
pub fn claim_spec(v: &Volume, size: Bytes) -> Yaml {
    let mut spec = Yaml::map();
    spec.push_entry("accessModes", Yaml::Seq(vec![Yaml::lit(v.access.k8s())]));
    spec.push_entry(
        "resources",
        Yaml::map().with(
            "requests",
            Yaml::map().with("storage", Yaml::str(size.k8s())),
        ),
    );
    if let Some(sc) = &v.storage_class {
        spec.push_entry("storageClassName", Yaml::str(sc));
    }
    spec
}
