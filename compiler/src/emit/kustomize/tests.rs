//! Unit tests: the diff against an RFC 6902 applier, the transformers,
//! and whole overlays against a simulation of Kustomize.

use super::diff::{diff, pointer, same, Op, Seg};
use super::images::{self, ImageEntry, Matcher};
use super::overlay::{self, Body, Overlay};
use super::transform;
use super::*;
use crate::source::MemoryLoader;
use proptest::prelude::*;

// ---------------------------------------------------------------- RFC 6902

/// Applies `ops` to `doc` with RFC 6902 semantics; `Err` names the first
/// operation that does not apply.
fn apply_ops(doc: &mut Yaml, ops: &[Op]) -> Result<(), String> {
    for op in ops {
        apply_one(doc, op).map_err(|e| format!("{} {}: {e}", op_name(op), pointer(op.path())))?;
    }
    Ok(())
}

fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Add { .. } => "add",
        Op::Remove { .. } => "remove",
        Op::Replace { .. } => "replace",
        Op::Move { .. } => "move",
        Op::Test { .. } => "test",
    }
}

fn apply_one(doc: &mut Yaml, op: &Op) -> Result<(), String> {
    match op {
        Op::Add { path, value } => insert(doc, path, value.clone()),
        Op::Remove { path } => take(doc, path).map(drop),
        Op::Replace { path, value } => {
            *node_mut(doc, path)? = value.clone();
            Ok(())
        }
        Op::Move { from, path } => {
            let v = take(doc, from)?;
            insert(doc, path, v)
        }
        Op::Test { path, value } => match node_mut(doc, path) {
            Ok(v) if same(v, value) => Ok(()),
            _ => Err("test failed".into()),
        },
    }
}

fn node_mut<'a>(doc: &'a mut Yaml, path: &[Seg]) -> Result<&'a mut Yaml, String> {
    let mut node = doc;
    for seg in path {
        node = match (node, seg) {
            (Yaml::Map(m), Seg::Key(k)) => m
                .iter_mut()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v)
                .ok_or("missing key")?,
            (Yaml::Seq(s), Seg::Index(i)) => s.get_mut(*i).ok_or("index out of range")?,
            _ => return Err("path does not exist".into()),
        };
    }
    Ok(node)
}

fn split(path: &[Seg]) -> Result<(&[Seg], &Seg), String> {
    match path.split_last() {
        Some((last, parent)) => Ok((parent, last)),
        None => Err("empty path".into()),
    }
}

fn insert(doc: &mut Yaml, path: &[Seg], value: Yaml) -> Result<(), String> {
    let (parent, last) = split(path)?;
    match (node_mut(doc, parent)?, last) {
        (m @ Yaml::Map(_), Seg::Key(k)) => m.insert(k.clone(), value),
        (Yaml::Seq(s), Seg::Index(i)) if *i <= s.len() => s.insert(*i, value),
        (Yaml::Seq(s), Seg::End) => s.push(value),
        _ => return Err("cannot add here".into()),
    }
    Ok(())
}

fn take(doc: &mut Yaml, path: &[Seg]) -> Result<Yaml, String> {
    let (parent, last) = split(path)?;
    match (node_mut(doc, parent)?, last) {
        (Yaml::Map(m), Seg::Key(k)) => {
            let i = m.iter().position(|(x, _)| x == k).ok_or("missing key")?;
            Ok(m.remove(i).1)
        }
        (Yaml::Seq(s), Seg::Index(i)) if *i < s.len() => Ok(s.remove(*i)),
        _ => Err("nothing to remove".into()),
    }
}

// ---------------------------------------------------------------- diff

fn y(text: &str) -> Yaml {
    crate::emit::yaml::from_serde_yaml(&serde_yaml::from_str(text).unwrap())
}

/// Diffs, applies, and checks the result is `env`; returns the operations.
fn roundtrip(base: &Yaml, env: &Yaml) -> Vec<Op> {
    let ops = diff(base, env);
    let mut doc = base.clone();
    apply_ops(&mut doc, &ops).unwrap();
    assert!(same(&doc, env), "{doc:?}\n!=\n{env:?}\nops: {ops:?}");
    ops
}

fn pointers(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .map(|op| format!("{} {}", op_name(op), pointer(op.path())))
        .collect()
}

#[test]
fn equal_documents_have_no_operations() {
    let a = y("{a: 1, b: [x, y], c: [{name: n, v: 1}]}");
    let b = y("{c: [{v: 1, name: n}], b: [x, y], a: 1}");
    assert!(diff(&a, &b).is_empty());
}

#[test]
fn named_items_are_aligned_by_name_with_tests() {
    let base = y("env: [{name: A, value: '1'}, {name: B, value: '2'}, {name: C, value: '3'}]");
    let env = y("env: [{name: A, value: '1'}, {name: C, value: '4'}, {name: D, value: '5'}]");
    let ops = roundtrip(&base, &env);
    assert_eq!(
        pointers(&ops),
        [
            "test /env/1/name",
            "remove /env/1",
            "test /env/1/name",
            "replace /env/1/value",
            "add /env/-",
        ]
    );
}

#[test]
fn reordered_named_items_are_moved() {
    let base = y("[{name: a}, {name: b}, {name: c}]");
    let env = y("[{name: c}, {name: a, x: 1}, {name: new}, {name: b}]");
    let ops = roundtrip(&base, &env);
    assert!(ops.iter().any(|op| matches!(op, Op::Move { .. })));
}

#[test]
fn unnamed_maps_are_diffed_by_position() {
    let base = y("rules: [{host: a.example, http: {paths: [{path: /}]}}]");
    let env = y("rules: [{host: b.example, http: {paths: [{path: /}]}}, {host: c}]");
    let ops = roundtrip(&base, &env);
    assert_eq!(pointers(&ops), ["replace /rules/0/host", "add /rules/-"]);
}

#[test]
fn scalar_lists_are_replaced_whole() {
    let ops = roundtrip(&y("args: [a, b, c]"), &y("args: [x, a, b, c]"));
    assert_eq!(pointers(&ops), ["replace /args"]);
}

#[test]
fn pointers_escape_slash_and_tilde() {
    let ops = roundtrip(
        &y("a: {checksum/config: x}"),
        &y("a: {checksum/config: y, t~: 1}"),
    );
    assert_eq!(
        pointers(&ops),
        ["replace /a/checksum~1config", "add /a/t~0"]
    );
}

#[test]
fn duplicate_names_fall_back_to_positions() {
    let base = y("[{name: a, v: 1}, {name: a, v: 2}]");
    let env = y("[{name: a, v: 3}]");
    let ops = roundtrip(&base, &env);
    assert!(!ops.iter().any(|op| matches!(op, Op::Test { .. })));
}

fn leaf() -> impl Strategy<Value = Yaml> {
    prop_oneof![
        (0i64..3).prop_map(Yaml::Int),
        prop::sample::select(vec!["p", "q"]).prop_map(Yaml::str),
        any::<bool>().prop_map(Yaml::Bool),
    ]
}

fn named(inner: impl Strategy<Value = Yaml>) -> impl Strategy<Value = Yaml> {
    let names = prop::sample::subsequence(vec!["w", "x", "y", "z"], 0..=4).prop_shuffle();
    (names, prop::collection::vec(inner, 4)).prop_map(|(names, values)| {
        let items = names.iter().zip(values);
        let items = items.map(|(n, v)| Yaml::map().with("name", Yaml::str(*n)).with("v", v));
        Yaml::Seq(items.collect())
    })
}

fn tree() -> impl Strategy<Value = Yaml> {
    leaf().prop_recursive(3, 32, 4, |inner| {
        let keys = prop::sample::select(vec!["a", "b", "c"]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Yaml::Seq),
            prop::collection::btree_map(keys, inner.clone(), 0..3).prop_map(|m| Yaml::Map(
                m.into_iter()
                    .map(|(k, v)| (k.to_string().into(), v))
                    .collect()
            )),
            named(inner),
        ]
    })
}

proptest! {
    #[test]
    fn applying_the_diff_yields_the_target(base in tree(), env in tree()) {
        roundtrip(&base, &env);
        prop_assert!(diff(&env, &env).is_empty());
    }

    #[test]
    fn nested_named_lists_roundtrip(base in named(named(leaf())), env in named(named(leaf()))) {
        roundtrip(&base, &env);
    }
}

// ---------------------------------------------------------------- images

#[test]
fn images_split_like_kustomize() {
    let split = images::split_image;
    assert_eq!(split("redis:7.2"), Some(("redis", Some("7.2"))));
    assert_eq!(split("ghcr.io/acme/api"), Some(("ghcr.io/acme/api", None)));
    assert_eq!(
        split("localhost:5000/api:1"),
        Some(("localhost:5000/api", Some("1")))
    );
    assert_eq!(
        split("localhost:5000/api"),
        Some(("localhost:5000/api", None))
    );
    assert_eq!(split("redis@sha256:abc"), None);
}

#[test]
fn entry_names_match_as_kustomize_regexes() {
    let entries = [ImageEntry {
        name: "ghcr.io/a".into(),
        new_name: None,
        new_tag: Some("2".into()),
    }];
    let m = Matcher::new(&entries);
    assert_eq!(m.transformed("ghcr.io/a:1").as_deref(), Some("ghcr.io/a:2"));
    // `.` is a regex wildcard to Kustomize.
    assert_eq!(m.transformed("ghcrxio/a:1").as_deref(), Some("ghcrxio/a:2"));
    assert_eq!(
        m.transformed("ghcr.io/ab:1").as_deref(),
        Some("ghcr.io/ab:1")
    );
    assert_eq!(m.transformed("ghcr.io/a").as_deref(), Some("ghcr.io/a:2"));
    assert_eq!(m.transformed("ghcr.io/a@sha256:0"), None);
}

#[test]
fn an_entry_that_would_rewrite_a_patched_container_is_dropped() {
    let entry = |name: &str, new: &str| ImageEntry {
        name: name.into(),
        new_name: Some(new.into()),
        new_tag: None,
    };
    // worker: b:1 → c:1 (an entry b → c); api: a:1 → b:1 (patched to b:1,
    // which the entry would turn into c:1).
    let imgs = vec![
        (Some("b:1".to_string()), "c:1".to_string()),
        (Some("a:1".to_string()), "b:1".to_string()),
    ];
    let entries = vec![entry("b", "c"), entry("d", "e")];
    assert_eq!(images::settle(&entries, &imgs), [entry("d", "e")]);
    let fine = vec![(Some("b:1".to_string()), "c:1".to_string())];
    assert_eq!(images::settle(&entries, &fine), entries);
}

/// Whether an entry's name, read as Kustomize's regex, matches `name`.
fn matches(e: &ImageEntry, name: &str) -> bool {
    e.name.len() == name.len()
        && e.name
            .bytes()
            .zip(name.bytes())
            .all(|(e, n)| e == n || e == b'.')
}

/// The reference for [`Matcher`]: a scan of the entries for the first
/// that matches.
fn scanned(entries: &[ImageEntry], image: &str) -> Option<String> {
    let Some((name, tag)) = images::split_image(image) else {
        let name = image.split('@').next().unwrap_or(image);
        let hit = entries.iter().any(|e| matches(e, name));
        return (!hit).then(|| image.to_string());
    };
    let valid = |t: &str| {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        t.len() <= 128 && t.starts_with(word) && t.chars().all(|c| word(c) || c == '.' || c == '-')
    };
    let Some(e) = entries
        .iter()
        .find(|e| matches(e, name) && tag.is_none_or(valid))
    else {
        return Some(image.to_string());
    };
    let name = e.new_name.as_deref().unwrap_or(name);
    Some(match e.new_tag.as_deref().or(tag) {
        Some(t) => format!("{name}:{t}"),
        None => name.to_string(),
    })
}

/// The reference for [`images::settle`]: check every container from the
/// first after each drop.
fn settled_by_rescans(entries: &[ImageEntry], imgs: &[images::Images]) -> Vec<ImageEntry> {
    let mut entries = entries.to_vec();
    let wrong = |entries: &[ImageEntry]| {
        imgs.iter().find_map(|(b, e)| {
            let start = match b {
                Some(b) if scanned(entries, b).as_deref() == Some(e.as_str()) => b,
                _ => e,
            };
            if scanned(entries, start).as_deref() == Some(e.as_str()) {
                return None;
            }
            let name = images::split_image(start);
            Some(
                name.map_or(start.split('@').next().unwrap_or(start), |x| x.0)
                    .to_string(),
            )
        })
    };
    while let Some(bad) = wrong(&entries) {
        let before = entries.len();
        entries.retain(|x| !matches(x, &bad));
        if entries.len() == before {
            entries.clear();
        }
    }
    entries
}

fn image() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "a", "b", "c.d", "cxd", "c.x", "r/a", "r.io/a", "rxio/a",
    ]);
    let tags = prop::sample::select(vec!["", ":1", ":2", ":-bad", "@sha256:0"]);
    (names, tags).prop_map(|(n, t)| format!("{n}{t}"))
}

fn image_entry() -> impl Strategy<Value = ImageEntry> {
    let names = prop::sample::select(vec!["a", "b", "c.d", "cxd", "c.x", "r/a", "r.io/a", "..."]);
    let tags = prop::option::of(prop::sample::select(vec!["1", "2", "3"]));
    (names.clone(), prop::option::of(names), tags).prop_map(|(n, new, tag)| ImageEntry {
        name: n.into(),
        new_name: new.map(str::to_string),
        new_tag: tag.map(str::to_string),
    })
}

proptest! {
    #[test]
    fn the_matcher_finds_what_a_scan_finds(
        entries in prop::collection::vec(image_entry(), 0..6),
        image in image(),
    ) {
        prop_assert_eq!(Matcher::new(&entries).transformed(&image), scanned(&entries, &image));
    }

    #[test]
    fn settling_drops_what_rescanning_drops(
        entries in prop::collection::vec(image_entry(), 0..6),
        imgs in prop::collection::vec((prop::option::of(image()), image()), 0..8),
    ) {
        prop_assert_eq!(images::settle(&entries, &imgs), settled_by_rescans(&entries, &imgs));
    }
}

// ---------------------------------------------------------------- overlays

/// What Kustomize does with an overlay, as this module models it:
/// patches first, then resources, then the transformers.
fn simulate(base: &[Obj], ov: &Overlay) -> Vec<Yaml> {
    let mut out = Vec::new();
    for b in base {
        let mut doc = b.doc.clone();
        let mut deleted = false;
        for p in ov.patches.iter().filter(|p| p.target == b.id) {
            match &p.body {
                Body::Strategic(s) if s.get("$patch").is_some() => deleted = true,
                Body::Strategic(s) => merge(&mut doc, s),
                Body::Json(ops) => apply_ops(&mut doc, ops).unwrap(),
            }
        }
        if !deleted {
            out.push(doc);
        }
    }
    out.extend(ov.added.iter().map(|o| o.doc.clone()));
    for d in &mut out {
        transform::apply(&ov.transformers, d);
    }
    out
}

/// A strategic merge of maps without lists: null deletes, maps merge.
fn merge(doc: &mut Yaml, patch: &Yaml) {
    let Yaml::Map(entries) = patch else { return };
    for (k, v) in entries {
        match (v, doc.get_mut(k)) {
            (Yaml::Null, _) => {
                if let Yaml::Map(m) = doc {
                    m.retain(|(x, _)| x != k);
                }
            }
            (Yaml::Map(_), Some(d @ Yaml::Map(_))) => merge(d, v),
            _ => doc.insert(k.clone(), v.clone()),
        }
    }
}

/// Every fixture and example: its name, root file and loader.
fn stacks() -> Vec<(String, String, MemoryLoader)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs: Vec<std::path::PathBuf> = ["tests/fixtures/emit/kustomize", "examples"]
        .iter()
        .filter_map(|d| std::fs::read_dir(root.join(d)).ok())
        .flat_map(|rd| rd.map(|e| e.unwrap().path()))
        .filter(|p| p.join("stack.stack").is_file())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| load(d)).collect()
}

fn load(dir: &std::path::Path) -> (String, String, MemoryLoader) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let mut loader = MemoryLoader::new();
    // `.stack` files, and the text files `file { source = … }` mounts.
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if let Ok(text) = std::fs::read_to_string(&p) {
                loader = loader.with(&format!("{name}/{rel}"), &text);
            }
        }
    }
    (name.clone(), format!("{name}/stack.stack"), loader)
}

/// An environment's name, objects and overlay.
type EnvOverlay = (String, Vec<Obj>, Overlay);

/// The base objects and every environment's overlay.
fn overlays(root: &str, loader: &MemoryLoader) -> (Vec<Obj>, Vec<EnvOverlay>) {
    let c = crate::compile(root, loader, &Default::default());
    assert!(!c.has_errors(), "{root}");
    let models = c.models(None).expect("models");
    let mut out = Output::new(Target::Kustomize);
    let mut base = base_objects(&models.base, &mut out);
    let envs = models.envs.iter().map(|m| {
        let env = objs(k8s::objects(m, &mut out));
        let ov = overlay::compute(&mut base, env.clone());
        (m.env_name().unwrap_or_default().to_string(), env, ov)
    });
    let envs = envs.collect();
    (base, envs)
}

fn sorted_by_id(mut docs: Vec<Yaml>) -> Vec<Yaml> {
    docs.sort_by_key(|d| {
        let id = Id::of(d);
        (id.kind, id.name, id.api)
    });
    docs
}

#[test]
fn overlays_reproduce_every_environment() {
    for (name, root, loader) in stacks() {
        let (base, envs) = overlays(&root, &loader);
        for (env_name, env, ov) in envs {
            let got = sorted_by_id(simulate(&base, &ov));
            let want = sorted_by_id(env.into_iter().map(|o| o.doc).collect());
            assert_eq!(got.len(), want.len(), "{name} {env_name}");
            for (g, w) in got.iter().zip(&want) {
                assert!(same(g, w), "{name} {env_name}:\n{g:?}\n!=\n{w:?}");
            }
        }
    }
}

#[test]
fn strategic_patches_never_hold_lists() {
    fn has_list(y: &Yaml) -> bool {
        match y {
            Yaml::Seq(_) => true,
            Yaml::Map(m) => m.iter().any(|(_, v)| has_list(v)),
            _ => false,
        }
    }
    for (name, root, loader) in stacks() {
        for (env, _, ov) in overlays(&root, &loader).1 {
            for p in &ov.patches {
                if let Body::Strategic(s) = &p.body {
                    assert!(!has_list(s), "{name} {env}: {s:?}");
                }
            }
        }
    }
}
