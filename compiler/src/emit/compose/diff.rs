//! The override file: the smallest document that Compose's merge rules
//! (compose-spec "Merge", as implemented by Compose v2.24+) turn the base
//! document into an environment's document.
//!
//! * Mappings merge key by key: only changed keys are written; a key the
//!   environment lacks is `!reset` (to `null`, `[]` or `{}` by the base's
//!   kind). Maps are compared without regard to key order.
//! * `command`, `entrypoint` and `healthcheck.test` replace: the new list.
//! * Lists Compose merges by a unique key (`ports`, `volumes`, `secrets`)
//!   or as sets (`expose`, `cap_add`, `cap_drop`, `security_opt`): when
//!   the environment only appends, the appended items; otherwise the whole
//!   list under `!override`.
//! * Any other changed list, and any change of kind (scalar ↔ collection),
//!   is written whole under `!override`.

use crate::emit::yaml::{key_eq, Key, Yaml};

/// The override turning `base` into `env` (an empty mapping when equal).
pub(super) fn overrides(base: &Yaml, env: &Yaml) -> Yaml {
    diff(&mut Vec::new(), base, env).unwrap_or_else(Yaml::map)
}

/// Two maps are diffed without first comparing them whole: keys are
/// unique, so their diff is empty exactly when they are the [`same`]
/// (asking at every level would compare each subtree once per map above
/// it).
fn diff<'a>(path: &mut Vec<&'a str>, b: &'a Yaml, e: &'a Yaml) -> Option<Yaml> {
    if let (Yaml::Map(bm), Yaml::Map(em)) = (b, e) {
        let out = diff_map(path, bm, em);
        return (!out.is_empty()).then_some(out);
    }
    if same(b, e) {
        return None;
    }
    Some(match (b, e) {
        (Yaml::Seq(bs), Yaml::Seq(es)) => diff_seq(path, bs, es),
        (Yaml::Map(_) | Yaml::Seq(_), _) | (_, Yaml::Map(_) | Yaml::Seq(_)) => {
            Yaml::tagged("!override", e.clone())
        }
        _ => e.clone(),
    })
}

fn diff_map<'a>(path: &mut Vec<&'a str>, bm: &'a [(Key, Yaml)], em: &'a [(Key, Yaml)]) -> Yaml {
    let mut out = Yaml::map();
    let (bkeys, ekeys) = (Keys::of(bm), Keys::of(em));
    for (k, ev) in em {
        match bkeys.get(k) {
            Some(bv) => {
                path.push(k);
                if let Some(d) = diff(path, bv, ev) {
                    out.push_entry(k.clone(), d);
                }
                path.pop();
            }
            None => out.push_entry(k.clone(), ev.clone()),
        }
    }
    for (k, bv) in bm {
        if ekeys.get(k).is_none() {
            out.push_entry(k.clone(), reset(bv));
        }
    }
    out
}

fn diff_seq(path: &[&str], bs: &[Yaml], es: &[Yaml]) -> Yaml {
    if replaces(path) {
        return Yaml::Seq(es.to_vec());
    }
    if appends(path)
        && es.len() > bs.len()
        && es[..bs.len()].iter().zip(bs).all(|(e, b)| same(e, b))
    {
        return Yaml::Seq(es[bs.len()..].to_vec());
    }
    Yaml::tagged("!override", Yaml::Seq(es.to_vec()))
}

/// `services.<name>.<key>` paths whose lists the override replaces.
fn replaces(path: &[&str]) -> bool {
    matches!(
        path,
        ["services", _, "command" | "entrypoint"] | ["services", _, "healthcheck", "test"]
    )
}

/// `services.<name>.<key>` paths whose lists Compose merges by appending.
fn appends(path: &[&str]) -> bool {
    matches!(
        path,
        [
            "services",
            _,
            "ports" | "volumes" | "secrets" | "expose" | "cap_add" | "cap_drop" | "security_opt"
        ]
    )
}

fn reset(b: &Yaml) -> Yaml {
    let empty = match b {
        Yaml::Seq(_) => Yaml::seq(),
        Yaml::Map(_) => Yaml::map(),
        _ => Yaml::Null,
    };
    Yaml::tagged("!reset", empty)
}

fn lookup<'a>(m: &'a [(Key, Yaml)], key: &str) -> Option<&'a Yaml> {
    m.iter().find(|(k, _)| key_eq(k, key)).map(|(_, v)| v)
}

/// Key lookup in a mapping: a scan for small ones, a hash index for large
/// ones (the `services` mapping of a big stack), so diffs stay linear.
enum Keys<'a> {
    Small(&'a [(Key, Yaml)]),
    Large(rustc_hash::FxHashMap<&'a str, &'a Yaml>),
}

impl<'a> Keys<'a> {
    fn of(m: &'a [(Key, Yaml)]) -> Self {
        if m.len() <= 16 {
            Keys::Small(m)
        } else {
            Keys::Large(m.iter().map(|(k, v)| (&**k, v)).collect())
        }
    }

    fn get(&self, key: &str) -> Option<&'a Yaml> {
        match self {
            Keys::Small(m) => lookup(m, key),
            Keys::Large(h) => h.get(key).copied(),
        }
    }
}

/// Equality with mappings compared as unordered.
fn same(a: &Yaml, b: &Yaml) -> bool {
    match (a, b) {
        (Yaml::Map(am), Yaml::Map(bm)) => {
            am.len() == bm.len() && {
                let keys = Keys::of(bm);
                am.iter()
                    .all(|(k, av)| keys.get(k).is_some_and(|bv| same(av, bv)))
            }
        }
        (Yaml::Seq(a), Yaml::Seq(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
