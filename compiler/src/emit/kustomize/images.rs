//! The `images` transformer: choosing its entries from the containers of
//! the base and of an environment, and simulating it.
//!
//! Kustomize matches an entry's name against an image name as an unescaped
//! regex (`^NAME(@sha256)?(:TAG)?$`); in an image name the only
//! metacharacter is `.`, which matches any character. [`Matcher`] indexes
//! the entries so that finding the first entry matching a name costs a few
//! hash lookups rather than a scan of every entry: a stack of N services
//! has up to N entries and N containers.
//!
//! Choosing: one candidate entry per image name a changed container
//! suggests (names suggested differently dropped), then — as long as some
//! container would end up with the wrong image — the entries matching the
//! first such container's image name are dropped (see [`settle`]).
//! Invariant: every environment container ends up with its environment
//! image, whether it starts from its base image or from one a patch writes.

use super::transform::{child, Journal};
use crate::emit::yaml::Yaml;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;

/// One `images:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEntry {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
}

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

/// The name an entry must match to rewrite `image`.
fn image_name(image: &str) -> &str {
    split_image(image).map_or(image.split('@').next().unwrap_or(image), |x| x.0)
}

/// A tag Kustomize's matcher accepts: `[\w][\w.-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    tag.len() <= 128
        && tag.starts_with(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-')
}

// ---------------------------------------------------------------- matching

/// Entries indexed by shape: entries of one name length with `.` at the
/// same positions form a group, keyed by name; a name is looked up in each
/// group of its length with the group's `.` positions masked. Image names
/// of a stack come in few shapes, so a lookup is a few hash probes.
/// Entries can be dropped; lookups see only the live ones.
pub(super) struct Matcher<'e> {
    entries: &'e [ImageEntry],
    live: Vec<bool>,
    alive: usize,
    groups: Vec<Group<'e>>,
    /// Name length → indices into `groups`.
    by_len: HashMap<usize, Vec<usize>>,
}

struct Group<'e> {
    dots: Vec<usize>,
    /// Entry name → entry indices, ascending.
    names: HashMap<&'e [u8], Vec<usize>>,
}

impl<'e> Matcher<'e> {
    pub(super) fn new(entries: &'e [ImageEntry]) -> Self {
        let mut m = Matcher {
            entries,
            live: vec![true; entries.len()],
            alive: entries.len(),
            groups: Vec::new(),
            by_len: HashMap::default(),
        };
        let mut shapes: HashMap<(usize, Vec<usize>), usize> = HashMap::default();
        for (i, e) in entries.iter().enumerate() {
            let name = e.name.as_bytes();
            let dots: Vec<usize> = (0..name.len()).filter(|&p| name[p] == b'.').collect();
            let shape = (name.len(), dots.clone());
            let g = *shapes.entry(shape).or_insert_with(|| {
                m.by_len.entry(name.len()).or_default().push(m.groups.len());
                m.groups.push(Group {
                    dots,
                    names: HashMap::default(),
                });
                m.groups.len() - 1
            });
            m.groups[g].names.entry(name).or_default().push(i);
        }
        m
    }

    fn is_empty(&self) -> bool {
        self.alive == 0
    }

    fn drop_entry(&mut self, i: usize) {
        if std::mem::replace(&mut self.live[i], false) {
            self.alive -= 1;
        }
    }

    /// The live entries matching `name`, ascending.
    fn matching(&self, name: &str) -> Vec<usize> {
        let mut hits = Vec::new();
        let mut key = name.as_bytes().to_vec();
        for &g in self.by_len.get(&name.len()).into_iter().flatten() {
            let group = &self.groups[g];
            key.copy_from_slice(name.as_bytes());
            for &p in &group.dots {
                key[p] = b'.';
            }
            let found = group.names.get(key.as_slice()).into_iter().flatten();
            hits.extend(found.filter(|&&i| self.live[i]));
        }
        hits.sort_unstable();
        hits
    }

    /// The first live entry matching `name`.
    fn first(&self, name: &str) -> Option<usize> {
        self.matching(name).first().copied()
    }

    /// The image after the transformer (`None` when Kustomize's result is
    /// not modelled here: a digest under a matching entry), and the entry
    /// whose match decided it.
    fn rewrite(&self, image: &str) -> (Option<String>, Option<usize>) {
        let Some((name, tag)) = split_image(image) else {
            let hit = self.first(image_name(image));
            return (hit.is_none().then(|| image.to_string()), hit);
        };
        let hit = tag.is_none_or(valid_tag).then(|| self.first(name));
        let Some(i) = hit.flatten() else {
            return (Some(image.to_string()), None);
        };
        let e = &self.entries[i];
        let name = e.new_name.as_deref().unwrap_or(name);
        let image = match e.new_tag.as_deref().or(tag) {
            Some(t) => format!("{name}:{t}"),
            None => name.to_string(),
        };
        (Some(image), Some(i))
    }

    /// The image after the transformer; see [`Matcher::rewrite`].
    pub(super) fn transformed(&self, image: &str) -> Option<String> {
        self.rewrite(image).0
    }

    /// The live entries, in their order.
    fn live_entries(&self) -> Vec<ImageEntry> {
        let live = self.entries.iter().zip(&self.live);
        live.filter(|(_, l)| **l).map(|(e, _)| e.clone()).collect()
    }
}

/// Rewrites the image of every container of `doc`.
pub(super) fn apply(m: &Matcher, doc: &mut Yaml, j: &mut Journal) {
    if m.is_empty() {
        return;
    }
    for (path, c) in containers_mut(doc) {
        if let Some(Yaml::Str(img)) = c.get("image") {
            if let Some(new) = m.transformed(img) {
                j.insert(&path, c, "image", Yaml::str(new));
            }
        }
    }
}

// ---------------------------------------------------------------- choosing

/// Entries for image changes that every container agrees with, from every
/// environment document paired with its base document (if any): candidates
/// from changed base containers (one per image name, conflicting names
/// dropped), then [`settle`]d.
pub(super) fn changes(pairs: &[(Option<&Yaml>, &Yaml)]) -> Vec<ImageEntry> {
    let imgs = container_images(pairs);
    let mut entries: Vec<ImageEntry> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::default();
    let mut conflicting: HashSet<String> = HashSet::default();
    for (b, e) in &imgs {
        let Some(entry) = b
            .as_deref()
            .filter(|b| b != e)
            .and_then(|b| entry_for(b, e))
        else {
            continue;
        };
        match index.get(&entry.name) {
            Some(&x) if entries[x] != entry => {
                conflicting.insert(entry.name);
            }
            Some(_) => {}
            None => {
                index.insert(entry.name.clone(), entries.len());
                entries.push(entry);
            }
        }
    }
    entries.retain(|x| !conflicting.contains(&x.name));
    settle(&entries, &imgs)
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

/// `(base image, environment image)` of a container.
pub(super) type Images = (Option<String>, String);

/// The entries left once no container is rewritten wrongly. A container
/// starts from its base image when the entries turn that into its
/// environment image, else from the environment image (a patch or a new
/// object writes it); it is rewritten wrongly when the entries then turn
/// its start into anything else. While one is, the entries matching the
/// image name of the first one (in `imgs` order) are dropped; should none
/// match, all are.
///
/// Dropping entries changes only the containers whose lookups hit a
/// dropped entry, so only those are checked again: linear in `imgs` when
/// few entries match any one name.
pub(super) fn settle(entries: &[ImageEntry], imgs: &[Images]) -> Vec<ImageEntry> {
    let mut m = Matcher::new(entries);
    let mut s = Settling::default();
    for i in 0..imgs.len() {
        s.check(&m, imgs, i);
    }
    while let Some((_, bad)) = s.wrong.pop_first() {
        let dropped = m.matching(&bad);
        if dropped.is_empty() {
            return Vec::new();
        }
        for &e in &dropped {
            m.drop_entry(e);
        }
        for e in dropped {
            for i in s.watchers.remove(&e).unwrap_or_default() {
                s.check(&m, imgs, i);
            }
        }
    }
    m.live_entries()
}

/// The state of [`settle`].
#[derive(Default)]
struct Settling {
    /// Containers rewritten wrongly → the image name to drop entries for.
    wrong: BTreeMap<usize, String>,
    /// Entry → containers whose last check a match of it decided.
    watchers: HashMap<usize, Vec<usize>>,
}

impl Settling {
    fn check(&mut self, m: &Matcher, imgs: &[Images], i: usize) {
        let (b, e) = &imgs[i];
        let mut hits = Vec::with_capacity(2);
        let start = match b {
            Some(b) => {
                let (img, hit) = m.rewrite(b);
                hits.extend(hit);
                if img.as_deref() == Some(e.as_str()) {
                    b
                } else {
                    e
                }
            }
            None => e,
        };
        let (img, hit) = m.rewrite(start);
        hits.extend(hit);
        for h in hits {
            self.watchers.entry(h).or_default().push(i);
        }
        if img.as_deref() == Some(e.as_str()) {
            self.wrong.remove(&i);
        } else {
            self.wrong.insert(i, image_name(start).to_string());
        }
    }
}

// ---------------------------------------------------------------- containers

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
/// Each with its path from `doc` (see [`Journal`]).
fn containers_mut(doc: &mut Yaml) -> Vec<(Vec<usize>, &mut Yaml)> {
    let mut out = Vec::new();
    let Some((s, Yaml::Map(spec))) = child(doc, "spec") else {
        return out;
    };
    for (i, (k, v)) in spec.iter_mut().enumerate() {
        match &**k {
            "template" => {
                if let Some((t, pod)) = child(v, "spec") {
                    push_containers(pod, &[s, i, t], &mut out);
                }
            }
            "initContainers" | "containers" => push_seq(v, &[s, i], &mut out),
            _ => {}
        }
    }
    out
}

type Located<'a> = (Vec<usize>, &'a mut Yaml);

fn push_containers<'a>(pod: &'a mut Yaml, at: &[usize], out: &mut Vec<Located<'a>>) {
    if let Yaml::Map(entries) = pod {
        for (i, (k, v)) in entries.iter_mut().enumerate() {
            if k == "initContainers" || k == "containers" {
                let mut path = at.to_vec();
                path.push(i);
                push_seq(v, &path, out);
            }
        }
    }
}

fn push_seq<'a>(v: &'a mut Yaml, at: &[usize], out: &mut Vec<Located<'a>>) {
    if let Yaml::Seq(items) = v {
        for (i, item) in items.iter_mut().enumerate() {
            let mut path = at.to_vec();
            path.push(i);
            out.push((path, item));
        }
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
fn container_images(pairs: &[(Option<&Yaml>, &Yaml)]) -> Vec<Images> {
    let mut out = Vec::new();
    for (b, e) in pairs {
        let bcs = b.map(containers).unwrap_or_default();
        for c in containers(e) {
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
