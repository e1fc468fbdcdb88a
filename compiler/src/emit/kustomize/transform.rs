//! Kustomize's built-in transformers an overlay uses (`namespace`,
//! `labels`, `replicas`, `images`): choosing them from the difference
//! between the base and an environment, and simulating them.
//!
//! Kustomize runs an overlay's `patches` first and these transformers after
//! (namespace, labels, replicas, images, in that order). The emitter diffs
//! the *transformed* base against the environment, so a patch never repeats
//! what a transformer already does. That is sound when the transformers
//! commute with the patches: a patch never touches a field a transformer
//! writes. They write `metadata.namespace` and the Namespace's name (equal
//! after the transform, so never patched), the chosen label pairs (present
//! in every environment object, so equal), `spec.replicas` of the named
//! workloads (equal) and container images. Images are the one place a patch
//! and a transformer can meet: a patched or newly added container whose
//! image matches an `images` entry would be rewritten, so entries are
//! dropped until every container ends up with its environment image (see
//! `images.rs`).
//!
//! Everything here is linear in the number of objects: base and
//! environment objects are paired through a hash index of identities, and
//! the transformers' names are looked up through hash maps.

use super::diff::same;
use super::images::{self, ImageEntry, Matcher};
use super::{Id, Obj};
use crate::emit::yaml::{key_eq, Key, Yaml};
use rustc_hash::FxHashMap as HashMap;

/// The transformers of one overlay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transformers {
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
    pub replicas: Vec<(String, i64)>,
    pub images: Vec<ImageEntry>,
}

/// Kinds whose `spec.template` is a pod template (labels `includeTemplates`).
const TEMPLATED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
];
/// Kinds the `replicas` transformer sets.
const SCALED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

/// The transformers of an overlay and the objects they pair.
pub struct Transformed {
    pub transformers: Transformers,
    /// For every base object, the index of the environment object with its
    /// identity after the transformers, if any.
    pub pairs: Vec<Option<usize>>,
}

/// Chooses the transformers turning `base` towards `env`. Each transformer
/// is chosen from what the earlier ones leave, as Kustomize runs them; of
/// what the later choices read, the namespace transformer changes only
/// identities, and the labels and replicas transformers no container.
pub fn choose(base: &[Obj], env: &[Obj]) -> Transformed {
    let mut t = Transformers {
        namespace: namespace_change(base, env),
        ..Transformers::default()
    };
    let pairs = matched(&t, base, env);
    t.labels = label_changes(base, &pairs, env);
    t.replicas = replica_changes(&pairs, base, env);
    t.images = images::changes(&with_base(base, &pairs, env));
    Transformed {
        transformers: t,
        pairs,
    }
}

/// The transformers, ready to run on one document after another.
pub struct Apply<'t> {
    t: &'t Transformers,
    replicas: HashMap<&'t str, i64>,
    images: Matcher<'t>,
}

impl<'t> Apply<'t> {
    pub fn new(t: &'t Transformers) -> Self {
        let mut replicas = HashMap::with_capacity_and_hasher(t.replicas.len(), Default::default());
        for (name, n) in &t.replicas {
            replicas.entry(name.as_str()).or_insert(*n);
        }
        let images = Matcher::new(&t.images);
        Apply {
            t,
            replicas,
            images,
        }
    }

    /// Runs every transformer on `doc`, in Kustomize's order, recording
    /// each edit in `journal` so that [`Journal::undo`] restores `doc`.
    pub fn run(&self, doc: &mut Yaml, journal: &mut Journal) {
        apply_namespace(self.t, doc, journal);
        apply_labels(self.t, doc, journal);
        apply_replicas(&self.replicas, doc, journal);
        images::apply(&self.images, doc, journal);
    }
}

/// Applies every transformer to one document, in Kustomize's order.
#[cfg(test)]
pub fn apply(t: &Transformers, doc: &mut Yaml) {
    Apply::new(t).run(doc, &mut Journal::default());
}

/// The edits the transformers made to one document, so that a base
/// document can be transformed in place, diffed and restored instead of
/// copied per environment. Every edit sets one key of a mapping: it either
/// replaces the value of an entry in place or appends an entry, so undoing
/// the edits in reverse order gives back the document exactly (entries in
/// the same order). A node is addressed by the positions (entry of a
/// mapping, item of a sequence) leading to it from the root.
#[derive(Debug, Default)]
pub struct Journal {
    edits: Vec<Edit>,
}

#[derive(Debug)]
struct Edit {
    /// The mapping edited, then (for a replacement) the entry's position.
    path: Vec<usize>,
    /// The replaced value; `None` when the entry was appended.
    old: Option<Yaml>,
}

impl Journal {
    /// [`Yaml::insert`] on the mapping `map` found at `path`, recorded.
    /// Does nothing when `map` is not a mapping.
    pub fn insert(&mut self, path: &[usize], map: &mut Yaml, key: &str, value: Yaml) {
        let Yaml::Map(entries) = map else { return };
        match entries.iter().position(|(k, _)| key_eq(k, key)) {
            Some(i) => {
                let old = std::mem::replace(&mut entries[i].1, value);
                let mut path = path.to_vec();
                path.push(i);
                self.edits.push(Edit {
                    path,
                    old: Some(old),
                });
            }
            None => {
                entries.push((key.to_string().into(), value));
                self.edits.push(Edit {
                    path: path.to_vec(),
                    old: None,
                });
            }
        }
    }

    /// Undoes every recorded edit of `doc`, last first, and forgets them.
    pub fn undo(&mut self, doc: &mut Yaml) {
        while let Some(Edit { path, old }) = self.edits.pop() {
            match old {
                Some(old) => {
                    let Some((&i, parent)) = path.split_last() else {
                        continue;
                    };
                    if let Some(Yaml::Map(entries)) = node_at(doc, parent) {
                        entries[i].1 = old;
                    }
                }
                None => {
                    if let Some(Yaml::Map(entries)) = node_at(doc, &path) {
                        entries.pop();
                    }
                }
            }
        }
    }
}

fn node_at<'a>(doc: &'a mut Yaml, path: &[usize]) -> Option<&'a mut Yaml> {
    let mut node = doc;
    for &i in path {
        node = match node {
            Yaml::Map(entries) => &mut entries.get_mut(i)?.1,
            Yaml::Seq(items) => items.get_mut(i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The first entry of mapping `node` with `key`: its position and value
/// (what [`Yaml::get_mut`] finds).
pub(super) fn child<'a>(node: &'a mut Yaml, key: &str) -> Option<(usize, &'a mut Yaml)> {
    match node {
        Yaml::Map(entries) => entries
            .iter_mut()
            .enumerate()
            .find(|(_, (k, _))| key_eq(k, key))
            .map(|(i, (_, v))| (i, v)),
        _ => None,
    }
}

/// For every base object, the index of the first environment object with
/// its identity after the namespace transformer, if any.
fn matched(t: &Transformers, base: &[Obj], env: &[Obj]) -> Vec<Option<usize>> {
    let mut index: HashMap<&Id, usize> =
        HashMap::with_capacity_and_hasher(env.len(), Default::default());
    for (j, e) in env.iter().enumerate() {
        index.entry(&e.id).or_insert(j);
    }
    // The namespace transformer renames only Namespace objects.
    let pair = |o: &Obj| match t.namespace {
        Some(_) if o.id.kind == "Namespace" => index.get(&renamed(t, &o.doc)).copied(),
        _ => index.get(&o.id).copied(),
    };
    base.iter().map(pair).collect()
}

/// The identity of `doc` after the namespace transformer (which renames
/// the Namespace object): the transformer run on a copy of the fields an
/// identity is read from.
fn renamed(t: &Transformers, doc: &Yaml) -> Id {
    let mut head = Yaml::map();
    for key in ["apiVersion", "kind", "metadata"] {
        if let Some(v) = doc.get(key) {
            head.push_entry(key, v.clone());
        }
    }
    apply_namespace(t, &mut head, &mut Journal::default());
    Id::of(&head)
}

/// `(base index, environment index)` of every pair.
fn kept(pairs: &[Option<usize>]) -> impl Iterator<Item = (usize, usize)> + '_ {
    pairs
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|j| (i, j)))
}

/// Every environment document with the base document of the first pair
/// that has its identity.
fn with_base<'a>(
    base: &'a [Obj],
    pairs: &[Option<usize>],
    env: &'a [Obj],
) -> Vec<(Option<&'a Yaml>, &'a Yaml)> {
    let mut base_of: HashMap<&Id, usize> =
        HashMap::with_capacity_and_hasher(env.len(), Default::default());
    for (i, j) in kept(pairs) {
        base_of.entry(&env[j].id).or_insert(i);
    }
    env.iter()
        .map(|e| (base_of.get(&e.id).map(|&i| &base[i].doc), &e.doc))
        .collect()
}

fn namespace_of(objs: &[Obj]) -> Option<&str> {
    objs.iter()
        .find(|o| o.id.kind == "Namespace")
        .map(|o| o.id.name.as_str())
}

/// The overlay's `namespace:` when the environment's namespace differs
/// from the base's, or the base has none (`namespace = none`).
fn namespace_change(base: &[Obj], env: &[Obj]) -> Option<String> {
    let e = namespace_of(env)?;
    (namespace_of(base) != Some(e)).then(|| e.to_string())
}

fn apply_namespace(t: &Transformers, d: &mut Yaml, j: &mut Journal) {
    let Some(ns) = &t.namespace else { return };
    let namespace_kind = matches!(d.get("kind"), Some(Yaml::Str(k)) if k == "Namespace");
    let Some((i, md @ Yaml::Map(_))) = child(d, "metadata") else {
        return;
    };
    let key = if namespace_kind { "name" } else { "namespace" };
    j.insert(&[i], md, key, Yaml::str(ns));
}

fn kind_of(doc: &Yaml) -> &str {
    match doc.get("kind") {
        Some(Yaml::Str(k)) => k,
        _ => "",
    }
}

fn replicas_of(doc: &Yaml) -> Option<i64> {
    match doc.get("spec")?.get("replicas")? {
        Yaml::Int(n) => Some(*n),
        _ => None,
    }
}

fn replica_changes(pairs: &[Option<usize>], base: &[Obj], env: &[Obj]) -> Vec<(String, i64)> {
    let scaled = |o: &&Obj| SCALED.contains(&&*o.id.kind);
    // The transformer selects by name alone: the name must be unambiguous.
    let mut named: HashMap<&str, usize> = HashMap::default();
    for o in base.iter().chain(env).filter(scaled) {
        *named.entry(o.id.name.as_str()).or_default() += 1;
    }
    let mut out = Vec::new();
    for (i, j) in kept(pairs) {
        let (b, e) = (&base[i], &env[j]);
        if !SCALED.contains(&&*b.id.kind) {
            continue;
        }
        let (Some(from), Some(to)) = (replicas_of(&b.doc), replicas_of(&e.doc)) else {
            continue;
        };
        if from != to && named.get(b.id.name.as_str()) == Some(&2) {
            out.push((b.id.name.clone(), to));
        }
    }
    out
}

/// Sets `spec.replicas` of a scaled workload named in `counts`.
fn apply_replicas(counts: &HashMap<&str, i64>, d: &mut Yaml, j: &mut Journal) {
    if counts.is_empty() || !SCALED.contains(&kind_of(d)) {
        return;
    }
    let name = match d.get("metadata").and_then(|m| m.get("name")) {
        Some(Yaml::Str(name)) => counts.get(&**name).copied(),
        _ => None,
    };
    if let (Some(n), Some((i, spec @ Yaml::Map(_)))) = (name, child(d, "spec")) {
        j.insert(&[i], spec, "replicas", Yaml::Int(n));
    }
}

/// Every label map the `labels` transformer (with `includeTemplates`)
/// writes: `None` for a map the document lacks.
fn label_maps(doc: &Yaml) -> impl Iterator<Item = Option<&Yaml>> {
    let kind = kind_of(doc);
    let labels = doc.get("metadata").and_then(|m| m.get("labels"));
    let template = TEMPLATED.contains(&kind).then(|| {
        let template = doc.get("spec").and_then(|s| s.get("template"));
        template.and_then(|t| t.get("metadata")?.get("labels"))
    });
    let claims = claim_templates(doc, kind)
        .iter()
        .map(|c| c.get("metadata").and_then(|m| m.get("labels")));
    std::iter::once(labels).chain(template).chain(claims)
}

/// A StatefulSet's `volumeClaimTemplates` (which the labels transformer
/// labels too); `kind` is the document's.
fn claim_templates<'a>(doc: &'a Yaml, kind: &str) -> &'a [Yaml] {
    if kind != "StatefulSet" {
        return &[];
    }
    match doc.get("spec").and_then(|s| s.get("volumeClaimTemplates")) {
        Some(Yaml::Seq(items)) => items,
        _ => &[],
    }
}

/// Label pairs every environment object carries and some kept base object
/// lacks. One pass over the objects, checking every candidate pair (those
/// of the first environment object) against each label map.
fn label_changes(base: &[Obj], pairs: &[Option<usize>], env: &[Obj]) -> Vec<(String, String)> {
    let Some(Some(Yaml::Map(first))) = env.first().and_then(|o| label_maps(&o.doc).next()) else {
        return Vec::new();
    };
    // Label maps are mostly in the same key order as `first`: the entry
    // at the pair's position is tried before a scan (keys are unique, so
    // it is the entry the scan would find).
    let has = |m: Option<&Yaml>, i: usize, (k, v): &(Key, Yaml)| {
        let Some(Yaml::Map(entries)) = m else {
            return false;
        };
        let at = entries
            .get(i)
            .filter(|(key, _)| key_eq(key, k))
            .map(|(_, x)| x);
        let x = at.or_else(|| {
            entries
                .iter()
                .find(|(key, _)| key_eq(key, k))
                .map(|(_, x)| x)
        });
        x.is_some_and(|x| same(x, v))
    };
    let mut everywhere = vec![true; first.len()];
    for m in env.iter().flat_map(|o| label_maps(&o.doc)) {
        for (i, (yes, pair)) in everywhere.iter_mut().zip(first).enumerate() {
            *yes = *yes && has(m, i, pair);
        }
    }
    let mut missing = vec![false; first.len()];
    for m in kept(pairs).flat_map(|(i, _)| label_maps(&base[i].doc)) {
        for (i, (yes, pair)) in missing.iter_mut().zip(first).enumerate() {
            *yes = *yes || !has(m, i, pair);
        }
    }
    let chosen = first.iter().zip(everywhere.iter().zip(&missing));
    chosen
        .filter(|(_, (everywhere, missing))| **everywhere && **missing)
        .filter_map(|((k, v), _)| match v {
            Yaml::Str(s) => Some((k.to_string(), s.to_string())),
            _ => None,
        })
        .collect()
}

fn apply_labels(t: &Transformers, d: &mut Yaml, j: &mut Journal) {
    if t.labels.is_empty() {
        return;
    }
    let templated = TEMPLATED.contains(&kind_of(d));
    set_labels(d, Vec::new(), &["metadata", "labels"], &t.labels, j);
    if templated {
        let path = &["spec", "template", "metadata", "labels"];
        set_labels(d, Vec::new(), path, &t.labels, j);
    }
    if kind_of(d) == "StatefulSet" {
        let Some((s, spec)) = child(d, "spec") else {
            return;
        };
        if let Some((v, Yaml::Seq(items))) = child(spec, "volumeClaimTemplates") {
            for (i, c) in items.iter_mut().enumerate() {
                set_labels(c, vec![s, v, i], &["metadata", "labels"], &t.labels, j);
            }
        }
    }
}

/// Sets `labels` in the mapping at `path` under `doc` (which is at
/// `at`), creating the maps on the way.
fn set_labels(
    doc: &mut Yaml,
    mut at: Vec<usize>,
    path: &[&str],
    labels: &[(String, String)],
    j: &mut Journal,
) {
    let mut node = doc;
    for key in path {
        if !matches!(node, Yaml::Map(_)) {
            return;
        }
        if node.get(key).is_none() {
            j.insert(&at, node, key, Yaml::map());
        }
        let Some((i, next)) = child(node, key) else {
            return;
        };
        at.push(i);
        node = next;
    }
    if let Yaml::Map(_) = node {
        for (k, v) in labels {
            j.insert(&at, node, k, Yaml::str(v));
        }
    }
}
