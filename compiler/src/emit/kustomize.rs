//! Kustomize: a base and one overlay per environment holding only what
//! differs.
//!
//! Input: the [`Models`]. Output:
//!
//! * `base/kustomization.yaml` and the base's objects: `namespace.yaml`,
//!   `configmaps.yaml` and one `<service>.yaml` per service (its
//!   Deployment or StatefulSet, Services, PVCs, HPA, PDB, Ingress). The objects are exactly
//!   those [`k8s::objects`] builds for the base model, labels and
//!   `metadata.namespace` included, so `kubectl kustomize base` is the base
//!   stack, except that services restricted to some environments
//!   (`environments = [...]` not naming every environment emitted for
//!   Kustomize; one with `targets = [compose]` has no say) and the
//!   ConfigMaps only they read are left to the overlays of the
//!   environments they run in;
//! * `overlays/<env>/kustomization.yaml` (`resources: [../../base]`), plus
//!   resource files for objects only that environment has and `patches/`
//!   files. Its contents are computed, never copied: the environment's
//!   objects ([`k8s::objects`] of the environment model) are compared with
//!   the base's. Built-in transformers take what they express exactly
//!   (`namespace`, `labels`, `replicas`, `images`; see `transform.rs` and
//!   `images.rs`), and a generic tree diff (`diff.rs`) turns what remains into patches
//!   (`overlay.rs`): `$patch: delete` for objects the environment lacks,
//!   strategic-merge patches for changes to maps, JSON 6902 operations for
//!   changes inside lists. Every patch has a `target:` naming exactly one
//!   object;
//! * `secrets.example.yaml`: Secret templates with placeholders, outside
//!   every kustomization so that `kubectl apply -k` never applies them.
//!
//! Invariant (checked by the tests with the real `kubectl kustomize`):
//! `kubectl kustomize overlays/<env>` renders the same objects as the k8s
//! target's `<env>.yaml`. Only current Kustomize fields are written:
//! `resources`, `namespace`, `labels`, `images`, `replicas`, `patches`.
//! The lowering report is the k8s target's: the rendered objects are the
//! same.
//!
//! Cost: linear in the number of objects. Base and environment objects are
//! paired, files grouped and image entries matched through hash indexes,
//! never by scanning a list per object; only one environment's objects
//! (and no transformed copy of the base) are alive at a time.

mod diff;
mod images;
mod overlay;
mod transform;

#[cfg(test)]
mod tests;

use super::k8s;
use super::output::{hash_header, Output};
use super::yaml::{self, Key, Yaml};
use super::{Models, Target};
use crate::model::Model;
use overlay::{Body, Overlay, Patch};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use diff::Op;

/// What Kustomize identifies an object by (all objects share a namespace).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id {
    /// API version and kind: fixed text, borrowed as the documents do.
    pub api: Key,
    pub kind: Key,
    pub name: String,
}

impl Id {
    pub fn of(doc: &Yaml) -> Id {
        let text = |v: Option<&Yaml>| match v {
            Some(Yaml::Str(s)) => s.clone(),
            _ => Key::Borrowed(""),
        };
        Id {
            api: text(doc.get("apiVersion")),
            kind: text(doc.get("kind")),
            name: text(doc.get("metadata").and_then(|m| m.get("name"))).into_owned(),
        }
    }
}

/// An object with its identity and owning service.
#[derive(Debug, Clone, PartialEq)]
pub struct Obj {
    pub id: Id,
    pub service: Option<String>,
    pub doc: Yaml,
}

impl From<k8s::Object> for Obj {
    fn from(o: k8s::Object) -> Obj {
        Obj {
            id: Id::of(&o.doc),
            service: o.service,
            doc: o.doc,
        }
    }
}

const API_VERSION: &str = "kustomize.config.k8s.io/v1beta1";

/// Lowerings are reported for the environments' objects (as the k8s target
/// does), the base's only when there are no environments. One
/// environment's objects are alive at a time.
pub fn emit(models: &Models, mut out: Output) -> Output {
    let mut base = if models.envs.is_empty() {
        base_objects(&models.base, &mut out)
    } else {
        base_objects(&models.base, &mut Output::new(Target::Kustomize))
    };
    let order: Vec<&str> = models.base.services.keys().map(String::as_str).collect();
    write_base(&mut out, &base, &order);
    for m in &models.envs {
        let objs = objs(k8s::objects(m, &mut out));
        let name = m.env_name().unwrap_or("base");
        write_overlay(&mut out, name, &overlay::compute(&mut base, objs), &order);
    }
    write_secrets(&mut out, models);
    out.finish()
}

fn objs(v: Vec<k8s::Object>) -> Vec<Obj> {
    v.into_iter().map(Obj::from).collect()
}

/// The base model's objects, without those of services that do not run in
/// every environment emitted for Kustomize (environments restricted to
/// other targets, e.g. `targets = [compose]`, have no say), and without the
/// ConfigMaps no remaining service reads: the overlays of the environments
/// that run those services add them.
fn base_objects(m: &Model, out: &mut Output) -> Vec<Obj> {
    let envs: Vec<&str> = m
        .environments
        .iter()
        .filter(|e| e.emits(Target::Kustomize))
        .map(|e| e.name.as_str())
        .collect();
    let everywhere = |svc: &str| {
        let listed = m.services.get(svc).and_then(|s| s.environments.as_ref());
        listed.is_none_or(|l| envs.iter().all(|e| l.iter().any(|x| x == e)))
    };
    let read: HashSet<String> = m
        .services
        .keys()
        .filter(|s| everywhere(s))
        .flat_map(|s| k8s::configs_used(&m.services[s]))
        .map(|c| crate::model::k8s_name(&c))
        .collect();
    objs(k8s::objects(m, out))
        .into_iter()
        .filter(|o| o.service.as_deref().is_none_or(everywhere))
        // A service's own ConfigMap (the files it mounts) goes with it.
        .filter(|o| o.id.kind != "ConfigMap" || o.service.is_some() || read.contains(&o.id.name))
        .collect()
}

// ---------------------------------------------------------------- layout

/// Objects grouped into files: objects of no service by kind first
/// (`namespace.yaml`, `configmaps.yaml`), then one file per service in
/// declaration order. A service whose file name is taken gets
/// `<service>.service.yaml` (service names have no dots).
fn files<'o>(objs: &'o [Obj], services: &[&str]) -> Vec<(String, Vec<&'o Obj>)> {
    let mut groups = Groups::default();
    let mut by_service: HashMap<&str, Vec<&Obj>> = HashMap::default();
    let mut order: Vec<&str> = services.to_vec();
    let mut known: HashSet<&str> = services.iter().copied().collect();
    for o in objs {
        match o.service.as_deref() {
            None => groups.add(kind_file(&o.id.kind), [o]),
            Some(s) => {
                if known.insert(s) {
                    order.push(s);
                }
                by_service.entry(s).or_default().push(o);
            }
        }
    }
    let mut taken: HashSet<String> = groups.index.keys().cloned().collect();
    taken.insert("kustomization.yaml".into());
    for s in order {
        let Some(objs) = by_service.remove(s) else {
            continue;
        };
        let mut file = format!("{s}.yaml");
        if taken.contains(&file) {
            file = format!("{s}.service.yaml");
        }
        groups.add(file, objs);
    }
    groups.files
}

/// Files in order of first use, with an index by name.
#[derive(Default)]
struct Groups<'o> {
    files: Vec<(String, Vec<&'o Obj>)>,
    index: HashMap<String, usize>,
}

impl<'o> Groups<'o> {
    fn add(&mut self, file: String, objs: impl IntoIterator<Item = &'o Obj>) {
        let next = self.files.len();
        let i = *self.index.entry(file.clone()).or_insert(next);
        if i == next {
            self.files.push((file, Vec::new()));
        }
        self.files[i].1.extend(objs);
    }
}

fn kind_file(kind: &str) -> String {
    match kind {
        "Namespace" => "namespace.yaml".into(),
        "ConfigMap" => "configmaps.yaml".into(),
        k => format!("{}s.yaml", k.to_ascii_lowercase()),
    }
}

/// The header and the objects' documents separated by `---` lines (what
/// [`yaml::write_documents`] writes, without copying the documents).
fn documents(objs: &[&Obj]) -> String {
    let mut s = hash_header();
    for (i, o) in objs.iter().enumerate() {
        if i > 0 {
            s.push_str("---\n");
        }
        yaml::write_document(&mut s, &o.doc);
    }
    s
}

fn kustomization() -> Yaml {
    Yaml::map()
        .with("apiVersion", Yaml::lit(API_VERSION))
        .with("kind", Yaml::lit("Kustomization"))
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Yaml {
    Yaml::Seq(items.into_iter().map(Yaml::str).collect())
}

fn write_base(out: &mut Output, base: &[Obj], services: &[&str]) {
    let groups = files(base, services);
    for (file, objs) in &groups {
        out.file(format!("base/{file}"), documents(objs));
    }
    let k = kustomization().with("resources", strings(groups.iter().map(|(f, _)| f.as_str())));
    let mut s = hash_header();
    s.push_str("# The base: every object all environments share. Overlays change it.\n");
    yaml::write_document(&mut s, &k);
    out.file("base/kustomization.yaml", s);
}

fn write_overlay(out: &mut Output, env: &str, ov: &Overlay, services: &[&str]) {
    let dir = format!("overlays/{env}");
    let added = files(&ov.added, services);
    for (file, objs) in &added {
        out.file(format!("{dir}/{file}"), documents(objs));
    }
    let mut resources = vec!["../../base"];
    resources.extend(added.iter().map(|(f, _)| f.as_str()));
    let mut k = kustomization().with("resources", strings(resources));
    transformers(&mut k, &ov.transformers);
    let mut entries = Vec::new();
    for p in &ov.patches {
        let (file, text) = patch_file(p);
        out.file(format!("{dir}/{file}"), text);
        entries.push(
            Yaml::map()
                .with("path", Yaml::str(file))
                .with("target", target(&p.target)),
        );
    }
    if !entries.is_empty() {
        k.push_entry("patches", Yaml::Seq(entries));
    }
    let mut s = hash_header();
    s.push_str(&format!(
        "# Environment `{env}`: the base plus only what differs in `{env}`.\n"
    ));
    yaml::write_document(&mut s, &k);
    out.file(format!("{dir}/kustomization.yaml"), s);
}

fn transformers(k: &mut Yaml, t: &transform::Transformers) {
    if let Some(ns) = &t.namespace {
        k.push_entry("namespace", Yaml::str(ns));
    }
    if !t.labels.is_empty() {
        let mut pairs = Yaml::map();
        for (key, v) in &t.labels {
            pairs.push_entry(key.clone(), Yaml::str(v));
        }
        let entry = Yaml::map()
            .with("pairs", pairs)
            .with("includeSelectors", Yaml::Bool(false))
            .with("includeTemplates", Yaml::Bool(true));
        k.push_entry("labels", Yaml::Seq(vec![entry]));
    }
    if !t.images.is_empty() {
        let images = t.images.iter().map(|i| {
            let mut y = Yaml::map().with("name", Yaml::str(&i.name));
            if let Some(n) = &i.new_name {
                y.push_entry("newName", Yaml::str(n));
            }
            if let Some(n) = &i.new_tag {
                y.push_entry("newTag", Yaml::str(n));
            }
            y
        });
        k.push_entry("images", Yaml::Seq(images.collect()));
    }
    if !t.replicas.is_empty() {
        let replicas = t.replicas.iter().map(|(name, n)| {
            Yaml::map()
                .with("name", Yaml::str(name))
                .with("count", Yaml::Int(*n))
        });
        k.push_entry("replicas", Yaml::Seq(replicas.collect()));
    }
}

/// `patches/<kind>-<name>.yaml` (strategic merge) or
/// `patches/<kind>-<name>.json6902.yaml`, and its text.
fn patch_file(p: &Patch) -> (String, String) {
    let stem = format!(
        "patches/{}-{}",
        p.target.kind.to_ascii_lowercase(),
        p.target.name
    );
    let mut s = hash_header();
    match &p.body {
        Body::Strategic(doc) => {
            yaml::write_document(&mut s, doc);
            (format!("{stem}.yaml"), s)
        }
        Body::Json(ops) => {
            let seq = Yaml::Seq(ops.iter().map(Op::to_yaml).collect());
            yaml::write_document(&mut s, &seq);
            (format!("{stem}.json6902.yaml"), s)
        }
    }
}

/// A selector matching exactly `id`: group, version, kind, and the name as
/// a regex (Kustomize anchors it; metacharacters such as `.` are escaped).
fn target(id: &Id) -> Yaml {
    let (group, version) = id.api.rsplit_once('/').unwrap_or(("", &*id.api));
    let mut t = Yaml::map();
    if !group.is_empty() {
        t.push_entry("group", Yaml::str(group));
    }
    t.push_entry("version", Yaml::str(version));
    t.push_entry("kind", Yaml::Str(id.kind.clone()));
    t.push_entry("name", Yaml::str(regex_escape(&id.name)));
    t
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------- secrets

fn write_secrets(out: &mut Output, models: &Models) {
    let mut docs = k8s::secret_templates(&models.base);
    if docs.is_empty() {
        return;
    }
    for d in &mut docs {
        if let Some(Yaml::Map(md)) = d.doc.get_mut("metadata") {
            md.retain(|(k, _)| k != "namespace");
        }
    }
    let mut s = hash_header();
    s.push_str(concat!(
        "# Secret templates. Copy this file (e.g. to secrets.yaml, kept out of version control),\n",
        "# replace the placeholders and create the Secrets in each environment's namespace:\n",
    ));
    for m in models.env_or_base() {
        let env = m.env_name().unwrap_or("base");
        match m.namespace() {
            Some(ns) => s.push_str(&format!("#   {env}: kubectl apply -n {ns} -f secrets.yaml\n")),
            None => s.push_str(&format!(
                "#   {env}: kubectl apply -f secrets.yaml   (into the namespace the stack is deployed to)\n"
            )),
        }
    }
    s.push_str(concat!(
        "# No kustomization lists this file, so `kubectl apply -k` never applies placeholders.\n",
        "# stackc never writes secret values.\n",
    ));
    let docs: Vec<Yaml> = docs.into_iter().map(|o| o.doc).collect();
    yaml::write_documents(&mut s, &docs);
    out.file("secrets.example.yaml", s);
}
