//! `values-<env>.yaml`: the environment's values minus the base values.
//!
//! [`diff`] follows Helm's own merge of a `-f` file over `values.yaml`:
//! maps merge key by key, anything else (scalars, lists) is replaced whole,
//! and a key set to `null` is deleted. So the diff holds, per map key, the
//! environment's value where it differs, `null` where the environment has
//! no such key, and nothing where both agree; merging it back yields the
//! environment's tree exactly.
//!
//! Before diffing, [`inherit_disabled`] rewrites each map that the
//! environment switches off (`enabled: false`) into the base's map with
//! `enabled: false`: the other fields are inert then, so the diff says
//! `ingress: {enabled: false}` instead of restating defaults.

use crate::emit::yaml::Yaml;

/// The changes that turn `base` into `env`; `None` when they are equal.
pub fn diff(base: &Yaml, env: &Yaml) -> Option<Yaml> {
    match (base, env) {
        (Yaml::Map(b), Yaml::Map(e)) => {
            let mut out = Yaml::map();
            for (k, ev) in e {
                match b.iter().find(|(bk, _)| bk == k) {
                    Some((_, bv)) => {
                        if let Some(d) = diff(bv, ev) {
                            out.push_entry(k.clone(), d);
                        }
                    }
                    None => out.push_entry(k.clone(), ev.clone()),
                }
            }
            for (k, _) in b {
                if !e.iter().any(|(ek, _)| ek == k) {
                    out.push_entry(k.clone(), Yaml::Null);
                }
            }
            (!out.is_empty()).then_some(out)
        }
        _ if base == env => None,
        _ => Some(env.clone()),
    }
}

/// Replaces every map of `env` holding `enabled: false` by its counterpart
/// in `base` (when that is a map) with `enabled: false`.
pub fn inherit_disabled(env: Yaml, base: &Yaml) -> Yaml {
    let Yaml::Map(entries) = env else { return env };
    if entries
        .iter()
        .any(|(k, v)| k == "enabled" && *v == Yaml::Bool(false))
    {
        if let Yaml::Map(_) = base {
            let mut b = base.clone();
            b.insert("enabled", Yaml::Bool(false));
            return b;
        }
    }
    let entries = entries
        .into_iter()
        .map(|(k, v)| {
            let v = match base.get(&k) {
                Some(bv) => inherit_disabled(v, bv),
                None => v,
            };
            (k, v)
        })
        .collect();
    Yaml::Map(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(text: &str) -> Yaml {
        crate::emit::yaml::from_serde_yaml(&serde_yaml::from_str(text).unwrap())
    }

    #[test]
    fn equal_trees_have_no_diff() {
        assert_eq!(diff(&y("a: {b: 1, c: [1]}"), &y("a: {c: [1], b: 1}")), None);
    }

    #[test]
    fn changed_added_and_removed_keys() {
        let d = diff(
            &y("a: {b: 1, c: 2}\nl: [1, 2]"),
            &y("a: {b: 3, d: 4}\nl: [1]"),
        );
        assert_eq!(d, Some(y("a: {b: 3, d: 4, c: null}\nl: [1]")));
    }

    #[test]
    fn disabled_maps_inherit_the_base() {
        let base = y("ingress: {enabled: true, host: a}\nx: {enabled: true}");
        let env = inherit_disabled(
            y("ingress: {enabled: false, host: ''}\nx: {enabled: true}"),
            &base,
        );
        assert_eq!(diff(&base, &env), Some(y("ingress: {enabled: false}")));
    }
}
