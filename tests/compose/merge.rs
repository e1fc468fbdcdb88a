//! Compose's merge rules (compose-spec "Merge", Compose v2.24+), written
//! from the specification independently of the backend's diff, so that a
//! test can merge `compose.yaml` with an override and compare the result
//! with the environment's complete document.

use serde_yaml::{Mapping, Value};

/// `base` merged with `over`; `None` when `over` resets the node.
pub fn merge(path: &[String], base: Value, over: Value) -> Option<Value> {
    match over {
        Value::Tagged(t) if t.tag == "reset" => None,
        Value::Tagged(t) if t.tag == "override" => Some(t.value),
        Value::Mapping(om) => Some(match base {
            Value::Mapping(bm) => Value::Mapping(merge_map(path, bm, om)),
            _ => Value::Mapping(om),
        }),
        Value::Sequence(os) => Some(match base {
            Value::Sequence(bs) => Value::Sequence(merge_seq(path, bs, os)),
            _ => Value::Sequence(os),
        }),
        scalar => Some(scalar),
    }
}

fn merge_map(path: &[String], mut bm: Mapping, om: Mapping) -> Mapping {
    for (k, ov) in om {
        let mut p = path.to_vec();
        p.push(k.as_str().unwrap_or_default().to_string());
        match bm.remove(&k) {
            Some(bv) => {
                if let Some(m) = merge(&p, bv, ov) {
                    bm.insert(k, m);
                }
            }
            None => {
                if let Some(m) = merge(&p, Value::Null, ov) {
                    bm.insert(k, m);
                }
            }
        }
    }
    bm
}

fn merge_seq(path: &[String], bs: Vec<Value>, os: Vec<Value>) -> Vec<Value> {
    let key: Vec<&str> = path.iter().map(String::as_str).collect();
    match key.as_slice() {
        ["services", _, "command" | "entrypoint"] | ["services", _, "healthcheck", "test"] => os,
        ["services", _, "ports"] => by_key(bs, os, port_key),
        ["services", _, "volumes"] => by_key(bs, os, |v| v.get("target").cloned()),
        ["services", _, "secrets"] => by_key(bs, os, |v| match v {
            Value::String(_) => Some(v.clone()),
            _ => v.get("target").or(v.get("source")).cloned(),
        }),
        ["services", _, "expose" | "cap_add" | "cap_drop" | "security_opt" | "dns"] => {
            by_key(bs, os, |v| Some(v.clone()))
        }
        _ => bs.into_iter().chain(os).collect(),
    }
}

/// Unique resources: an item with the key of an earlier one replaces it,
/// others are appended.
fn by_key(mut bs: Vec<Value>, os: Vec<Value>, key: impl Fn(&Value) -> Option<Value>) -> Vec<Value> {
    for o in os {
        let k = key(&o);
        match bs.iter().position(|b| k.is_some() && key(b) == k) {
            Some(i) => bs[i] = o,
            None => bs.push(o),
        }
    }
    bs
}

fn port_key(v: &Value) -> Option<Value> {
    let field = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    Some(Value::Sequence(vec![
        field("host_ip"),
        field("target"),
        field("published"),
        field("protocol"),
    ]))
}

/// Whether a tree still holds a `!reset`/`!override` tag (a merge result
/// must not).
pub fn has_tags(v: &Value) -> bool {
    match v {
        Value::Tagged(_) => true,
        Value::Mapping(m) => m.values().any(has_tags),
        Value::Sequence(s) => s.iter().any(has_tags),
        _ => false,
    }
}
