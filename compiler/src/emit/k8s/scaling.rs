//! HorizontalPodAutoscaler (autoscaling/v2) and PodDisruptionBudget (policy/v1).

use super::meta::{labels, metadata, object, selector_labels};
use super::Object;
use crate::emit::output::Output;
use crate::emit::yaml::Yaml;
use crate::model::{IntOrPercent, Model, Service};

pub fn hpa(m: &Model, name: &str, s: &Service, out: &mut Output) -> Option<Object> {
    let a = s.autoscale.as_ref()?;
    let target = Yaml::map()
        .with("apiVersion", Yaml::lit("apps/v1"))
        .with("kind", Yaml::lit(s.workload_kind()))
        .with("name", Yaml::str(name));
    let mut metrics = Vec::new();
    for (res, p) in [("cpu", a.cpu), ("memory", a.memory)] {
        if let Some(p) = p {
            let t = Yaml::map()
                .with("type", Yaml::lit("Utilization"))
                .with("averageUtilization", Yaml::Int(p.0.round() as i64));
            let r = Yaml::map().with("name", Yaml::lit(res)).with("target", t);
            metrics.push(
                Yaml::map()
                    .with("type", Yaml::lit("Resource"))
                    .with("resource", r),
            );
        }
    }
    let mut spec = Yaml::map();
    spec.push_entry("scaleTargetRef", target);
    spec.push_entry("minReplicas", Yaml::Int(a.min as i64));
    spec.push_entry("maxReplicas", Yaml::Int(a.max as i64));
    spec.push_entry("metrics", Yaml::Seq(metrics));
    out.exact += 1;
    Some(object(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        name,
        Some(name),
        metadata(m, name, labels(m, name, Some(s))),
        vec![("spec", spec)],
    ))
}

pub fn pdb(m: &Model, name: &str, s: &Service, out: &mut Output) -> Option<Object> {
    let d = s.disruption.as_ref()?;
    let mut spec = Yaml::map();
    if let Some(v) = &d.min_available {
        spec.push_entry("minAvailable", int_or_percent(v));
    }
    if let Some(v) = &d.max_unavailable {
        spec.push_entry("maxUnavailable", int_or_percent(v));
    }
    spec.push_entry(
        "selector",
        Yaml::map().with("matchLabels", selector_labels(m, name)),
    );
    out.exact += 1;
    Some(object(
        "policy/v1",
        "PodDisruptionBudget",
        name,
        Some(name),
        metadata(m, name, labels(m, name, Some(s))),
        vec![("spec", spec)],
    ))
}

/// `1` or `"25%"` (Kubernetes IntOrString).
pub fn int_or_percent(v: &IntOrPercent) -> Yaml {
    match v {
        IntOrPercent::Int(i) => Yaml::Int(*i),
        IntOrPercent::Percent(p) => Yaml::str(p.to_string()),
    }
}
