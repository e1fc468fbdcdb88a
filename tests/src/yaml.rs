//! YAML as data: multi-document parsing and an order-independent canonical
//! form, so two renderings of the same objects compare equal.

use serde_yaml::Value;
use std::collections::BTreeMap;

/// The documents of a (multi-document) YAML text, empty ones left out.
/// Panics with the parser's message when the text is not YAML.
pub fn documents(text: &str) -> Vec<Value> {
    try_documents(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

/// The documents of a YAML text, or the parser's message.
pub fn try_documents(text: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    for d in serde_yaml::Deserializer::from_str(text) {
        let v: Value = serde::Deserialize::deserialize(d).map_err(|e| e.to_string())?;
        if !v.is_null() {
            docs.push(v);
        }
    }
    Ok(docs)
}

/// Kubernetes objects keyed by kind and name, each as YAML with sorted keys.
pub fn canonical(text: &str) -> BTreeMap<(String, String), String> {
    documents(text)
        .into_iter()
        .map(|d| {
            let kind = d["kind"].as_str().unwrap_or_default().to_string();
            let name = d["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            ((kind, name), serde_yaml::to_string(&sorted(d)).unwrap())
        })
        .collect()
}

/// `v` with every mapping's keys sorted (sequences keep their order).
pub fn sorted(v: Value) -> Value {
    match v {
        Value::Mapping(m) => {
            let mut entries: Vec<(Value, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
            Value::Mapping(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Sequence(s) => Value::Sequence(s.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Calls `f` on every mapping in `v` (depth first, `v` itself included).
pub fn each_mapping(v: &Value, f: &mut dyn FnMut(&serde_yaml::Mapping)) {
    match v {
        Value::Mapping(m) => {
            f(m);
            m.values().for_each(|v| each_mapping(v, f));
        }
        Value::Sequence(s) => s.iter().for_each(|v| each_mapping(v, f)),
        Value::Tagged(t) => each_mapping(&t.value, f),
        _ => {}
    }
}
