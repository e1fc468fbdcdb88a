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
//! dropped until every container ends up with its environment image.

use super::diff::same;
use super::Obj;
use crate::emit::yaml::Yaml;

/// The transformers of one overlay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transformers {
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
    pub replicas: Vec<(String, i64)>,
    pub images: Vec<ImageEntry>,
}

/// One `images:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEntry {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
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

/// Chooses the transformers turning `base` towards `env` and returns them
/// with the transformed base documents (same order as `base`).
pub fn choose(base: &[Obj], env: &[Obj]) -> (Transformers, Vec<Yaml>) {
    let mut t = Transformers::default();
    let mut docs: Vec<Yaml> = base.iter().map(|o| o.doc.clone()).collect();
    t.namespace = namespace_change(base, env);
    apply_namespace(&t, &mut docs);
    let pairs = matched(&docs, env);
    t.labels = label_changes(&docs, &pairs, env);
    apply_labels(&t, &mut docs);
    t.replicas = replica_changes(&pairs, base, env);
    apply_replicas(&t, &mut docs);
    t.images = image_changes(&docs, &pairs, env);
    for d in &mut docs {
        apply_images(&t.images, d);
    }
    (t, docs)
}

/// Applies every transformer to one document, in Kustomize's order.
#[cfg(test)]
pub fn apply(t: &Transformers, doc: &mut Yaml) {
    let mut one = vec![std::mem::replace(doc, Yaml::Null)];
    apply_namespace(t, &mut one);
    apply_labels(t, &mut one);
    apply_replicas(t, &mut one);
    apply_images(&t.images, &mut one[0]);
    *doc = one.remove(0);
}

/// `(base index, env object)` for every base document (already transformed
/// as far as the caller got) whose identity the environment has.
pub fn matched<'e>(docs: &[Yaml], env: &'e [Obj]) -> Vec<(usize, &'e Obj)> {
    (0..docs.len())
        .filter_map(|i| {
            let id = super::Id::of(&docs[i]);
            env.iter().find(|e| e.id == id).map(|e| (i, e))
        })
        .collect()
}

fn namespace_of(objs: &[Obj]) -> Option<&str> {
    objs.iter()
        .find(|o| o.id.kind == "Namespace")
        .map(|o| o.id.name.as_str())
}

fn namespace_change(base: &[Obj], env: &[Obj]) -> Option<String> {
    let (b, e) = (namespace_of(base)?, namespace_of(env)?);
    (b != e).then(|| e.to_string())
}

fn apply_namespace(t: &Transformers, docs: &mut [Yaml]) {
    let Some(ns) = &t.namespace else { return };
    for d in docs {
        let namespace_kind = matches!(d.get("kind"), Some(Yaml::Str(k)) if k == "Namespace");
        let Some(md) = d.get_mut("metadata") else {
            continue;
        };
        let key = if namespace_kind { "name" } else { "namespace" };
        md.insert(key, Yaml::str(ns));
    }
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

fn replica_changes(pairs: &[(usize, &Obj)], base: &[Obj], env: &[Obj]) -> Vec<(String, i64)> {
    let scaled = |o: &&Obj| SCALED.contains(&o.id.kind.as_str());
    let mut out = Vec::new();
    for (i, e) in pairs {
        let b = &base[*i];
        if !SCALED.contains(&b.id.kind.as_str()) {
            continue;
        }
        let (Some(from), Some(to)) = (replicas_of(&b.doc), replicas_of(&e.doc)) else {
            continue;
        };
        // The transformer selects by name alone: the name must be unambiguous.
        let same_name = base.iter().chain(env).filter(scaled);
        let unique = same_name.filter(|o| o.id.name == b.id.name).count() == 2;
        if from != to && unique {
            out.push((b.id.name.clone(), to));
        }
    }
    out
}

fn apply_replicas(t: &Transformers, docs: &mut [Yaml]) {
    for d in docs {
        if !SCALED.contains(&kind_of(d)) {
            continue;
        }
        let name = d.get("metadata").and_then(|m| m.get("name")).cloned();
        let Some(Yaml::Str(name)) = name else {
            continue;
        };
        if let Some((_, n)) = t.replicas.iter().find(|(r, _)| *r == name) {
            if let Some(spec) = d.get_mut("spec") {
                spec.insert("replicas", Yaml::Int(*n));
            }
        }
    }
}

/// Every label map the `labels` transformer (with `includeTemplates`) writes.
fn label_maps(doc: &Yaml) -> Vec<Option<&Yaml>> {
    let mut maps = vec![doc.get("metadata").and_then(|m| m.get("labels"))];
    if TEMPLATED.contains(&kind_of(doc)) {
        let template = doc.get("spec").and_then(|s| s.get("template"));
        maps.push(template.and_then(|t| t.get("metadata")?.get("labels")));
    }
    maps
}

/// Label pairs every environment object carries and some kept base object
/// lacks.
fn label_changes(docs: &[Yaml], pairs: &[(usize, &Obj)], env: &[Obj]) -> Vec<(String, String)> {
    let Some(Some(Yaml::Map(first))) = env.first().map(|o| label_maps(&o.doc)[0]) else {
        return Vec::new();
    };
    let has =
        |m: Option<&Yaml>, k: &str, v: &Yaml| m.and_then(|m| m.get(k)).is_some_and(|x| same(x, v));
    let everywhere = |k: &str, v: &Yaml| {
        env.iter()
            .flat_map(|o| label_maps(&o.doc))
            .all(|m| has(m, k, v))
    };
    let missing = |k: &str, v: &Yaml| {
        pairs
            .iter()
            .flat_map(|(i, _)| label_maps(&docs[*i]))
            .any(|m| !has(m, k, v))
    };
    first
        .iter()
        .filter(|(k, v)| everywhere(k, v) && missing(k, v))
        .filter_map(|(k, v)| match v {
            Yaml::Str(s) => Some((k.clone(), s.clone())),
            _ => None,
        })
        .collect()
}

fn apply_labels(t: &Transformers, docs: &mut [Yaml]) {
    if t.labels.is_empty() {
        return;
    }
    for d in docs {
        let templated = TEMPLATED.contains(&kind_of(d));
        set_labels(d, &["metadata", "labels"], &t.labels);
        if templated {
            set_labels(d, &["spec", "template", "metadata", "labels"], &t.labels);
        }
    }
}

fn set_labels(doc: &mut Yaml, path: &[&str], labels: &[(String, String)]) {
    let mut node = doc;
    for key in path {
        if !matches!(node, Yaml::Map(_)) {
            return;
        }
        if node.get(key).is_none() {
            node.insert(*key, Yaml::map());
        }
        let Some(next) = node.get_mut(key) else {
            return;
        };
        node = next;
    }
    if let Yaml::Map(_) = node {
        for (k, v) in labels {
            node.insert(k.clone(), Yaml::str(v));
        }
    }
}

// ---------------------------------------------------------------- images

/// `name[:tag]` split the way Kustomize does (the `:` after the first `/`);
/// `None` for digests, which are only ever patched.
pub(super) fn split_image(image: &str) -> Option<(&str, Option<&str>)> {
    if image.contains('@') {
        return None;
    }
    let from = image.find('/').unwrap_or(0);
    Some(match image[from..].find(':') {
        Some(c) => (&image[..from + c], Some(&image[from + c + 1..])),
        None => (image, None),
    })
}

/// The image after the `images` transformer; `None` when Kustomize's result
/// is not modelled here (a digest under a matching entry).
pub(super) fn transformed(entries: &[ImageEntry], image: &str) -> Option<String> {
    let Some((name, tag)) = split_image(image) else {
        let name = image.split('@').next().unwrap_or(image);
        let hit = entries.iter().any(|e| name_matches(&e.name, name));
        return (!hit).then(|| image.to_string());
    };
    let hit = |e: &&ImageEntry| name_matches(&e.name, name) && tag.is_none_or(valid_tag);
    let Some(e) = entries.iter().find(hit) else {
        return Some(image.to_string());
    };
    let name = e.new_name.as_deref().unwrap_or(name);
    Some(match e.new_tag.as_deref().or(tag) {
        Some(t) => format!("{name}:{t}"),
        None => name.to_string(),
    })
}

/// Kustomize matches an entry's name as an unescaped regex
/// (`^NAME(@sha256)?(:TAG)?$`); in an image name the only metacharacter is
/// `.`, which matches any character.
fn name_matches(entry: &str, name: &str) -> bool {
    entry.len() == name.len()
        && entry
            .bytes()
            .zip(name.bytes())
            .all(|(e, n)| e == n || e == b'.')
}

/// A tag Kustomize's matcher accepts: `[\w][\w.-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    tag.len() <= 128
        && tag.starts_with(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-')
}

fn apply_images(entries: &[ImageEntry], doc: &mut Yaml) {
    if entries.is_empty() {
        return;
    }
    for c in containers_mut(doc) {
        if let Some(Yaml::Str(img)) = c.get("image") {
            if let Some(new) = transformed(entries, img) {
                c.insert("image", Yaml::Str(new));
            }
        }
    }
}

/// The entry that turns `from` into `to`, if one can.
fn entry_for(from: &str, to: &str) -> Option<ImageEntry> {
    let ((bn, bt), (en, et)) = (split_image(from)?, split_image(to)?);
    if bt.is_some() && et.is_none() {
        return None;
    }
    Some(ImageEntry {
        name: bn.to_string(),
        new_name: (bn != en).then(|| en.to_string()),
        new_tag: (bt != et).then(|| et.map(str::to_string)).flatten(),
    })
}

const POD_PATHS: &[&[&str]] = &[&["spec", "template", "spec"], &["spec"]];

fn containers(doc: &Yaml) -> Vec<&Yaml> {
    let mut out = Vec::new();
    for path in POD_PATHS {
        let pod = path.iter().try_fold(doc, |n, k| n.get(k));
        for key in ["initContainers", "containers"] {
            if let Some(Yaml::Seq(cs)) = pod.and_then(|p| p.get(key)) {
                out.extend(cs.iter());
            }
        }
    }
    out
}

/// The containers of a pod (`spec`) or of a workload's pod template
/// (`spec.template.spec`), init containers included.
fn containers_mut(doc: &mut Yaml) -> Vec<&mut Yaml> {
    let mut out = Vec::new();
    let Some(Yaml::Map(spec)) = doc.get_mut("spec") else {
        return out;
    };
    for (k, v) in spec.iter_mut() {
        match k.as_str() {
            "template" => {
                if let Some(pod) = v.get_mut("spec") {
                    push_containers(pod, &mut out);
                }
            }
            "initContainers" | "containers" => push_seq(v, &mut out),
            _ => {}
        }
    }
    out
}

fn push_containers<'a>(pod: &'a mut Yaml, out: &mut Vec<&'a mut Yaml>) {
    if let Yaml::Map(entries) = pod {
        for (k, v) in entries.iter_mut() {
            if k == "initContainers" || k == "containers" {
                push_seq(v, out);
            }
        }
    }
}

fn push_seq<'a>(v: &'a mut Yaml, out: &mut Vec<&'a mut Yaml>) {
    if let Yaml::Seq(items) = v {
        out.extend(items.iter_mut());
    }
}

fn image_of(c: &Yaml) -> Option<&str> {
    match c.get("image") {
        Some(Yaml::Str(s)) => Some(s),
        _ => None,
    }
}

fn name_of(c: &Yaml) -> Option<&str> {
    match c.get("name") {
        Some(Yaml::Str(s)) => Some(s),
        _ => None,
    }
}

/// `(base image, environment image)` of every environment container; the
/// base image is `None` for containers the base does not have.
fn container_images(
    base: &[Yaml],
    pairs: &[(usize, &Obj)],
    env: &[Obj],
) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    for e in env {
        let b = pairs
            .iter()
            .find(|(_, x)| x.id == e.id)
            .map(|(i, _)| &base[*i]);
        let bcs = b.map(containers).unwrap_or_default();
        for c in containers(&e.doc) {
            let Some(img) = image_of(c) else { continue };
            let bc = bcs
                .iter()
                .find(|x| name_of(x) == name_of(c) && name_of(c).is_some());
            out.push((
                bc.and_then(|x| image_of(x)).map(str::to_string),
                img.to_string(),
            ));
        }
    }
    out
}

/// Entries for image changes that every container agrees with: candidates
/// from changed base containers (one per image name, conflicting names
/// dropped), then entries removed until no container is rewritten wrongly.
fn image_changes(docs: &[Yaml], pairs: &[(usize, &Obj)], env: &[Obj]) -> Vec<ImageEntry> {
    let imgs = container_images(docs, pairs, env);
    let mut entries: Vec<ImageEntry> = Vec::new();
    let mut conflicting: Vec<String> = Vec::new();
    for (b, e) in &imgs {
        let Some(entry) = b
            .as_deref()
            .filter(|b| b != e)
            .and_then(|b| entry_for(b, e))
        else {
            continue;
        };
        match entries.iter().find(|x| x.name == entry.name) {
            Some(x) if *x != entry => conflicting.push(entry.name),
            Some(_) => {}
            None => entries.push(entry),
        }
    }
    entries.retain(|x| !conflicting.contains(&x.name));
    while let Some(bad) = wrongly_rewritten(&entries, &imgs) {
        let before = entries.len();
        entries.retain(|x| !name_matches(&x.name, &bad));
        if entries.len() == before {
            entries.clear();
        }
    }
    entries
}

/// The image name of an entry that rewrites some container wrongly. A
/// container starts from its base image when the entries turn that into
/// its environment image, else from the environment image (a patch or a
/// new object writes it).
pub(super) fn wrongly_rewritten(
    entries: &[ImageEntry],
    imgs: &[(Option<String>, String)],
) -> Option<String> {
    imgs.iter().find_map(|(b, e)| {
        let start = match b {
            Some(b) if transformed(entries, b).as_deref() == Some(e.as_str()) => b,
            _ => e,
        };
        if transformed(entries, start).as_deref() == Some(e.as_str()) {
            return None;
        }
        let name = split_image(start).map_or(start.split('@').next().unwrap_or(start), |x| x.0);
        Some(name.to_string())
    })
}
