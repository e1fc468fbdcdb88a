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
//!
//! Both are linear in the size of the trees: keys are looked up through
//! [`Keys`], a hash index for maps past a few entries.

use crate::emit::yaml::{key_eq, Key, Yaml};
use rustc_hash::FxHashMap as HashMap;

/// The changes that turn `base` into `env`; `None` when they are equal.
pub fn diff(base: &Yaml, env: &Yaml) -> Option<Yaml> {
    match (base, env) {
        (Yaml::Map(b), Yaml::Map(e)) => {
            let (mut bkeys, mut ekeys) = (None, None);
            let mut out = Yaml::map();
            for (i, (k, ev)) in e.iter().enumerate() {
                match find(b, i, k, &mut bkeys) {
                    Some(bv) => {
                        if let Some(d) = diff(bv, ev) {
                            out.push_entry(k.clone(), d);
                        }
                    }
                    None => out.push_entry(k.clone(), ev.clone()),
                }
            }
            for (i, (k, _)) in b.iter().enumerate() {
                if find(e, i, k, &mut ekeys).is_none() {
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
    let b: &[(Key, Yaml)] = match base {
        Yaml::Map(b) => b,
        _ => &[],
    };
    let mut bkeys = None;
    let entries = entries
        .into_iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let v = match find(b, i, &k, &mut bkeys) {
                Some(bv) => inherit_disabled(v, bv),
                None => v,
            };
            (k, v)
        })
        .collect();
    Yaml::Map(entries)
}

/// The value of `key` in `entries`: the entry at position `i` when it has
/// that key (maps built by the same code list their keys in the same
/// order; keys are unique, so it is the entry a lookup finds), else
/// through `keys`, built on first use.
fn find<'a>(
    entries: &'a [(Key, Yaml)],
    i: usize,
    key: &str,
    keys: &mut Option<Keys<'a>>,
) -> Option<&'a Yaml> {
    match entries.get(i) {
        Some((k, v)) if key_eq(k, key) => Some(v),
        _ => keys.get_or_insert_with(|| Keys::new(entries)).get(key),
    }
}

/// Looks the keys of a map up as [`Yaml::get`] does (the first entry with
/// the key): by a scan for a few entries, else through a hash index, so
/// that a map of thousands of services or config keys is not quadratic.
struct Keys<'a> {
    entries: &'a [(Key, Yaml)],
    index: Option<HashMap<&'a str, usize>>,
}

impl<'a> Keys<'a> {
    /// Maps up to this size are scanned.
    const SCAN: usize = 16;

    fn new(entries: &'a [(Key, Yaml)]) -> Keys<'a> {
        let index = (entries.len() > Self::SCAN).then(|| {
            let mut index = HashMap::with_capacity_and_hasher(entries.len(), Default::default());
            for (i, (k, _)) in entries.iter().enumerate() {
                index.entry(&**k).or_insert(i);
            }
            index
        });
        Keys { entries, index }
    }

    fn get(&self, key: &str) -> Option<&'a Yaml> {
        let i = match &self.index {
            Some(index) => *index.get(key)?,
            None => self.entries.iter().position(|(k, _)| key_eq(k, key))?,
        };
        Some(&self.entries[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Helm's merge of a `-f` file over the defaults: maps merge, `null`
    /// deletes, anything else replaces.
    fn helm_merge(base: &Yaml, over: &Yaml) -> Yaml {
        match (base, over) {
            (Yaml::Map(b), Yaml::Map(o)) => {
                let mut out: Vec<(Key, Yaml)> = Vec::new();
                for (k, bv) in b {
                    match o.iter().find(|(ok, _)| ok == k) {
                        Some((_, Yaml::Null)) => {}
                        Some((_, ov)) => out.push((k.clone(), helm_merge(bv, ov))),
                        None => out.push((k.clone(), bv.clone())),
                    }
                }
                for (k, ov) in o {
                    if !b.iter().any(|(bk, _)| bk == k) && *ov != Yaml::Null {
                        out.push((k.clone(), ov.clone()));
                    }
                }
                Yaml::Map(out)
            }
            (_, over) => over.clone(),
        }
    }

    /// Map equality regardless of key order.
    fn same(a: &Yaml, b: &Yaml) -> bool {
        match (a, b) {
            (Yaml::Map(x), Yaml::Map(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same(v, v2)))
            }
            _ => a == b,
        }
    }

    /// Trees shaped like values: maps of a few keys, scalars, short lists, no nulls.
    fn tree() -> impl Strategy<Value = Yaml> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Yaml::Bool),
            (0i64..4).prop_map(Yaml::Int),
            "[ab]{0,2}".prop_map(Yaml::str),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Yaml::Seq),
                proptest::collection::btree_map("[a-d]", inner, 0..4)
                    .prop_map(|m| Yaml::Map(m.into_iter().map(|(k, v)| (k.into(), v)).collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn merging_the_diff_gives_the_environment(base in tree(), env in tree()) {
            let merged = match diff(&base, &env) {
                Some(d) => helm_merge(&base, &d),
                None => base.clone(),
            };
            prop_assert!(same(&merged, &env), "base {base:?}\nenv {env:?}\nmerged {merged:?}");
        }
    }

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

    /// A map past the scan size, so that keys go through the index.
    fn big(n: usize, f: impl Fn(usize) -> Option<Yaml>) -> Yaml {
        Yaml::Map(
            (0..n)
                .filter_map(|i| f(i).map(|v| (format!("k{i}").into(), v)))
                .collect(),
        )
    }

    #[test]
    fn large_maps_diff_and_merge_back() {
        let base = big(100, |i| Some(Yaml::Int(i as i64)));
        // Changes every 7th key, removes every 11th, adds 100..110.
        let env = big(110, |i| match i {
            _ if i >= 100 => Some(Yaml::Int(-1)),
            _ if i % 11 == 0 => None,
            _ if i % 7 == 0 => Some(Yaml::Int(0)),
            _ => Some(Yaml::Int(i as i64)),
        });
        let d = diff(&base, &env).unwrap();
        assert_eq!(d.get("k7"), Some(&Yaml::Int(0)));
        assert_eq!(d.get("k11"), Some(&Yaml::Null));
        assert_eq!(d.get("k105"), Some(&Yaml::Int(-1)));
        assert_eq!(d.get("k1"), None);
        assert!(same(&helm_merge(&base, &d), &env));
        assert_eq!(diff(&base, &base.clone()), None);
    }

    #[test]
    fn large_maps_inherit_disabled_by_key() {
        let entry = |on: bool, host: &str| {
            Yaml::map()
                .with("enabled", Yaml::Bool(on))
                .with("host", Yaml::str(host))
        };
        let base = big(40, |i| Some(entry(true, &format!("h{i}"))));
        let env = big(40, |i| Some(entry(i != 30, "")));
        let env = inherit_disabled(env, &base);
        assert_eq!(env.get("k30"), Some(&entry(false, "h30")));
        assert_eq!(env.get("k29"), Some(&entry(true, "")));
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
