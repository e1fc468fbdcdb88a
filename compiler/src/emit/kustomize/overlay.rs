//! One environment's overlay: the base objects transformed, then diffed
//! object by object against the environment's objects.
//!
//! * an object only in the environment becomes a resource file of the
//!   overlay;
//! * an object only in the base gets a `$patch: delete` strategic-merge
//!   patch;
//! * an object in both gets its field operations ([`super::diff`]) split in
//!   two patches, both with a `target:` naming exactly that object (kind,
//!   group, version and the name as an anchored, escaped regex):
//!   - a **strategic-merge** patch for the operations on paths made of map
//!     keys only whose value holds no list and no null (labels,
//!     annotations such as `checksum/config`, ConfigMap data, storage
//!     requests, `minReplicas`); a removal is written as `key: null`.
//!     Because it never holds a list, none of Kustomize's list merge or
//!     replace rules can apply;
//!   - a **JSON 6902** patch for everything else: any path through a list
//!     (containers, env, ports, probes, volumes, Ingress rules), a list
//!     added or removed wholesale, a value that changes type. The list
//!     operations carry `test`s of item names (see [`super::diff`]).
//!
//! The two sets of operations touch disjoint subtrees, so their order does
//! not matter.

use super::diff::{self, Finder, Op, Seg};
use super::transform::{self, Apply, Journal, Transformed, Transformers};
use super::{Id, Obj};
use crate::emit::yaml::{Key, Yaml};
use indexmap::IndexMap;
use rustc_hash::FxHashSet as HashSet;

/// The overlay of one environment, before layout.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    pub transformers: Transformers,
    /// Objects only in the environment, in environment order.
    pub added: Vec<Obj>,
    /// Patches, in base object order.
    pub patches: Vec<Patch>,
}

/// One patch and the base object it targets (its identity before the
/// overlay's transformers run, which is what Kustomize matches patches on).
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub target: Id,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A strategic-merge patch document (including `$patch: delete`).
    Strategic(Yaml),
    /// JSON 6902 operations.
    Json(Vec<Op>),
}

/// The overlay turning `base` into `env`. Each base document is
/// transformed in place for its diff and restored right after (see
/// [`Journal`]): `base` is unchanged on return, and no document is copied.
/// An environment document is dropped right after its last diff, while it
/// is still in the cache, instead of in a pass of its own.
pub fn compute(base: &mut [Obj], mut env: Vec<Obj>) -> Overlay {
    let Transformed {
        transformers,
        pairs,
    } = transform::choose(base, &env);
    let apply = Apply::new(&transformers);
    let mut journal = Journal::default();
    let mut patches = Vec::new();
    // How many base objects each environment object is still paired with.
    let mut uses = vec![0u32; env.len()];
    for &j in pairs.iter().flatten() {
        uses[j] += 1;
    }
    for (i, b) in base.iter_mut().enumerate() {
        match pairs[i] {
            Some(j) => {
                let ns = namespace(&b.doc).cloned();
                apply.run(&mut b.doc, &mut journal);
                patches.extend(object_patches(&b.id, ns, &b.doc, &env[j].doc));
                journal.undo(&mut b.doc);
                uses[j] -= 1;
                if uses[j] == 0 {
                    // Paired, so never one of the `added` objects.
                    drop(std::mem::replace(&mut env[j].doc, Yaml::Null));
                }
            }
            None => patches.push(Patch {
                target: b.id.clone(),
                body: Body::Strategic(delete(b)),
            }),
        }
    }
    let matched: HashSet<&Id> = pairs.iter().flatten().map(|&j| &env[j].id).collect();
    let keep: Vec<bool> = env.iter().map(|e| !matched.contains(&e.id)).collect();
    drop(matched);
    let added = env
        .into_iter()
        .zip(keep)
        .filter_map(|(e, keep)| keep.then_some(e))
        .collect();
    Overlay {
        transformers,
        added,
        patches,
    }
}

/// A document's `metadata.namespace`.
fn namespace(doc: &Yaml) -> Option<&Yaml> {
    doc.get("metadata").and_then(|m| m.get("namespace"))
}

/// The head of a strategic-merge patch: enough to identify the object `id`
/// whose (untransformed) namespace is `ns`.
fn head(id: &Id, ns: Option<Yaml>) -> Yaml {
    let mut md = Yaml::map().with("name", Yaml::str(&id.name));
    if let Some(ns) = ns {
        md.push_entry("namespace", ns);
    }
    Yaml::map()
        .with("apiVersion", Yaml::Str(id.api.clone()))
        .with("kind", Yaml::Str(id.kind.clone()))
        .with("metadata", md)
}

fn delete(b: &Obj) -> Yaml {
    head(&b.id, namespace(&b.doc).cloned()).with("$patch", Yaml::lit("delete"))
}

fn object_patches(id: &Id, ns: Option<Yaml>, transformed: &Yaml, env: &Yaml) -> Vec<Patch> {
    let mut before = Finder::new(transformed);
    let (smp, json): (Vec<Op>, Vec<Op>) = diff::diff(transformed, env)
        .into_iter()
        .partition(|op| strategic(op, &mut before));
    let mut out = Vec::new();
    if !smp.is_empty() {
        let mut doc = Node::from(head(id, ns));
        for op in smp {
            let value = op.value().cloned().unwrap_or(Yaml::Null);
            doc.set(op.path(), value);
        }
        out.push(Patch {
            target: id.clone(),
            body: Body::Strategic(doc.into_yaml()),
        });
    }
    if !json.is_empty() {
        out.push(Patch {
            target: id.clone(),
            body: Body::Json(json),
        });
    }
    out
}

/// Whether a strategic-merge patch expresses `op` exactly: an add, a
/// scalar-for-scalar replace or a remove on a path of map keys (not the
/// object's identity), writing a value without lists, nulls or `$`
/// directives.
fn strategic(op: &Op, before: &mut Finder) -> bool {
    let keys: Option<Vec<&str>> = op
        .path()
        .iter()
        .map(|s| match s {
            Seg::Key(k) => Some(&**k),
            _ => None,
        })
        .collect();
    let Some(keys) = keys else { return false };
    let identity = matches!(
        keys.as_slice(),
        [] | ["apiVersion"] | ["kind"] | ["metadata"] | ["metadata", "name" | "namespace"]
    );
    let plain = match op {
        Op::Add { value, .. } => mergeable(value),
        Op::Replace { value, path } => scalar(value) && before.get(path).is_some_and(scalar),
        // Kustomize keeps an object's whole annotation or label map when a
        // strategic merge sets it to null (found with a Service whose
        // load balancer annotations an environment removes): a JSON 6902
        // `remove` drops it.
        Op::Remove { .. } => !matches!(keys.as_slice(), ["metadata", "annotations" | "labels"]),
        Op::Move { .. } | Op::Test { .. } => false,
    };
    !identity && plain && keys.iter().all(|k| !k.starts_with('$'))
}

fn scalar(v: &Yaml) -> bool {
    !matches!(v, Yaml::Null | Yaml::Map(_) | Yaml::Seq(_))
}

/// A value a strategic merge writes as is: scalars and maps of them.
fn mergeable(v: &Yaml) -> bool {
    match v {
        Yaml::Null | Yaml::Seq(_) => false,
        Yaml::Map(m) => m.iter().all(|(k, v)| !k.starts_with('$') && mergeable(v)),
        _ => true,
    }
}

/// A strategic-merge patch being built: maps are indexed by key, so that
/// setting many keys of one map (a ConfigMap's `data`) stays linear.
enum Node {
    Leaf(Yaml),
    Map(IndexMap<Key, Node>),
}

impl Node {
    fn from(y: Yaml) -> Node {
        match y {
            Yaml::Map(m) => Node::Map(m.into_iter().map(|(k, v)| (k, Node::from(v))).collect()),
            other => Node::Leaf(other),
        }
    }

    fn into_yaml(self) -> Yaml {
        match self {
            Node::Leaf(y) => y,
            Node::Map(m) => Yaml::Map(m.into_iter().map(|(k, v)| (k, v.into_yaml())).collect()),
        }
    }

    /// Sets `value` at a path of map keys, creating maps on the way (in
    /// place of anything else there). A key already set keeps its
    /// position.
    fn set(&mut self, path: &[Seg], value: Yaml) {
        let Some((Seg::Key(last), parents)) = path.split_last() else {
            return;
        };
        let mut node = self;
        for seg in parents {
            let (Seg::Key(k), Node::Map(m)) = (seg, node) else {
                return;
            };
            let child = m.entry(k.clone()).or_insert(Node::Leaf(Yaml::Null));
            if let Node::Leaf(leaf) = child {
                *child = match std::mem::replace(leaf, Yaml::Null) {
                    map @ Yaml::Map(_) => Node::from(map),
                    _ => Node::Map(IndexMap::new()),
                };
            }
            node = child;
        }
        if let Node::Map(m) = node {
            m.insert(last.clone(), Node::Leaf(value));
        }
    }
}
