//! Comparing `helm template` output with the k8s backend's manifests.

use serde_yaml::Value;
use stackc::Compilation;

pub fn docs(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| serde::Deserialize::deserialize(d).expect("YAML"))
        .filter(|v: &Value| !v.is_null())
        .collect()
}

/// The documented normalisation of `helm template` output:
///
/// 1. names: the `<release>-` prefix is removed from object names and from
///    the references to them (HPA targets, Ingress backends, claim names,
///    a StatefulSet's `serviceName`, ConfigMap references and volumes of
///    containers and init containers), and `<release>-<service>` becomes `<service>`
///    inside env values (interpolated hosts);
/// 2. labels: `helm.sh/chart` is dropped and `managed-by: Helm` reads
///    `stackc`;
/// 3. `checksum/*` annotation values are blanked (both sides);
/// 4. documents are sorted by kind and name (both sides).
///
/// On the k8s side the Namespace object is dropped: Helm installs into
/// `--namespace` (with `--create-namespace`) and never owns the namespace.
pub fn normalise(docs: Vec<Value>, release: &str, c: &Compilation) -> Vec<Value> {
    let services: Vec<String> = c.program.symbols.services.keys().cloned().collect();
    let prefix = format!("{release}-");
    let strip = |v: &mut Value| {
        if let Some(s) = v.as_str().and_then(|s| s.strip_prefix(&prefix)) {
            *v = Value::String(s.to_string());
        }
    };
    let mut docs: Vec<Value> = docs
        .into_iter()
        .map(|mut d| {
            strip(&mut d["metadata"]["name"]);
            if let Some(t) = d.get_mut("spec").and_then(|s| s.get_mut("scaleTargetRef")) {
                strip(&mut t["name"]);
            }
            for rule in seq(&mut d, &["spec", "rules"]) {
                for p in seq(rule, &["http", "paths"]) {
                    strip(&mut p["backend"]["service"]["name"]);
                }
            }
            for v in seq(&mut d, &["spec", "template", "spec", "volumes"]) {
                if let Some(claim) = v.get_mut("persistentVolumeClaim") {
                    strip(&mut claim["claimName"]);
                }
                if let Some(cm) = v.get_mut("configMap") {
                    strip(&mut cm["name"]);
                }
            }
            if let Some(sts) = d.get_mut("spec").and_then(|s| s.get_mut("serviceName")) {
                strip(sts);
            }
            let mut ctrs: Vec<&mut Value> = Vec::new();
            if let Some(pod) = d
                .get_mut("spec")
                .and_then(|s| s.get_mut("template"))
                .and_then(|t| t.get_mut("spec"))
                .and_then(Value::as_mapping_mut)
            {
                for (k, v) in pod.iter_mut() {
                    if k.as_str() == Some("initContainers") || k.as_str() == Some("containers") {
                        if let Some(list) = v.as_sequence_mut() {
                            ctrs.extend(list.iter_mut());
                        }
                    }
                }
            }
            for ctr in ctrs {
                for e in seq(ctr, &["envFrom"]) {
                    strip(&mut e["configMapRef"]["name"]);
                }
                for e in seq(ctr, &["env"]) {
                    if let Some(r) = e
                        .get_mut("valueFrom")
                        .and_then(|v| v.get_mut("configMapKeyRef"))
                    {
                        strip(&mut r["name"]);
                    }
                    if let Some(Value::String(s)) = e.get_mut("value") {
                        for svc in &services {
                            *s = s.replace(&format!("{prefix}{svc}"), svc);
                        }
                    }
                }
            }
            labels_and_annotations(&mut d);
            d
        })
        .collect();
    sort(&mut docs);
    docs
}

pub fn normalise_k8s(docs: Vec<Value>) -> Vec<Value> {
    let mut docs: Vec<Value> = docs
        .into_iter()
        .filter(|d| d["kind"] != "Namespace")
        .map(|mut d| {
            labels_and_annotations(&mut d);
            d
        })
        .collect();
    sort(&mut docs);
    docs
}

/// The items of the sequence at `path` (none when it is missing).
fn seq<'a>(v: &'a mut Value, path: &[&str]) -> impl Iterator<Item = &'a mut Value> {
    let mut cur = Some(v);
    for k in path {
        cur = cur.and_then(|c| c.get_mut(*k));
    }
    cur.and_then(Value::as_sequence_mut).into_iter().flatten()
}

fn labels_and_annotations(v: &mut Value) {
    let Some(m) = v.as_mapping_mut() else {
        if let Some(s) = v.as_sequence_mut() {
            s.iter_mut().for_each(labels_and_annotations);
        }
        return;
    };
    if let Some(labels) = m.get_mut("labels").and_then(Value::as_mapping_mut) {
        labels.remove("helm.sh/chart");
        if let Some(by) = labels.get_mut("app.kubernetes.io/managed-by") {
            if by == "Helm" {
                *by = Value::String("stackc".into());
            }
        }
    }
    if let Some(ann) = m.get_mut("annotations").and_then(Value::as_mapping_mut) {
        for (k, val) in ann.iter_mut() {
            if k.as_str().is_some_and(|k| k.starts_with("checksum/")) {
                *val = Value::String("<checksum>".into());
            }
        }
    }
    m.values_mut().for_each(labels_and_annotations);
}

fn sort(docs: &mut [Value]) {
    let key = |d: &Value| {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        (s(&d["kind"]), s(&d["metadata"]["name"]))
    };
    docs.sort_by_key(key);
}

pub fn compare(what: &str, helm: Vec<Value>, k8s: Vec<Value>) {
    let names = |d: &[Value]| -> Vec<String> {
        d.iter()
            .map(|d| {
                format!(
                    "{}/{}",
                    d["kind"].as_str().unwrap_or("?"),
                    d["metadata"]["name"].as_str().unwrap_or("?")
                )
            })
            .collect()
    };
    assert_eq!(names(&helm), names(&k8s), "{what}: objects differ");
    for (h, k) in helm.iter().zip(&k8s) {
        assert!(
            h == k,
            "{what}: {} differs\n--- helm (normalised)\n{}--- k8s\n{}",
            names(std::slice::from_ref(h))[0],
            serde_yaml::to_string(h).unwrap(),
            serde_yaml::to_string(k).unwrap()
        );
    }
}
