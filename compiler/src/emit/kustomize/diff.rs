//! A generic tree diff over [`Yaml`]: the operations (RFC 6902 vocabulary)
//! that turn one document into another.
//!
//! Maps are compared key by key, regardless of key order. Sequences are
//! compared in one of three ways, chosen from their contents alone:
//!
//! * **scalars only** (`args`, `command`, `accessModes`, TLS `hosts`): one
//!   `replace` of the whole list, so the patch shows the complete new list;
//! * **maps with a unique `name`** in both lists (containers, env, ports,
//!   volumes, volumeMounts): items are aligned by name. Removed items go
//!   first (highest index first), then the list is walked in the new order,
//!   moving or adding items into place and recursing into kept items. Every
//!   operation on an item is preceded by a `test` of the item's name, so a
//!   patch applied to a base that changed underneath fails instead of
//!   editing the wrong item;
//! * **anything else** (Ingress rules, HPA metrics): by position, recursing
//!   into common positions, removing extra items from the end, appending new
//!   ones with `/-`.
//!
//! Invariant: applying the operations in order to `base` with RFC 6902
//! semantics yields `env` (modulo map key order). Paths of two operations
//! never nest except a `test` and the operation it guards.
//!
//! Cost: about linear in the size of the documents (times their depth):
//! keys of large maps are looked up through a hash index, named items
//! through a name index, and the index an item is moved from is counted in
//! a Fenwick tree of the items not yet placed.

use crate::emit::yaml::{key_eq, Key, Yaml};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// One step of a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(Key),
    Index(usize),
    /// `-`: past the end of a sequence (append).
    End,
}

pub type Path = Vec<Seg>;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Add { path: Path, value: Yaml },
    Remove { path: Path },
    Replace { path: Path, value: Yaml },
    Move { from: Path, path: Path },
    Test { path: Path, value: Yaml },
}

impl Op {
    pub fn path(&self) -> &[Seg] {
        match self {
            Op::Add { path, .. }
            | Op::Remove { path }
            | Op::Replace { path, .. }
            | Op::Move { path, .. }
            | Op::Test { path, .. } => path,
        }
    }

    /// The value the operation writes, if any.
    pub fn value(&self) -> Option<&Yaml> {
        match self {
            Op::Add { value, .. } | Op::Replace { value, .. } | Op::Test { value, .. } => {
                Some(value)
            }
            Op::Remove { .. } | Op::Move { .. } => None,
        }
    }

    /// The operation as one item of a JSON 6902 patch.
    pub fn to_yaml(&self) -> Yaml {
        let (name, from) = match self {
            Op::Add { .. } => ("add", None),
            Op::Remove { .. } => ("remove", None),
            Op::Replace { .. } => ("replace", None),
            Op::Move { from, .. } => ("move", Some(from)),
            Op::Test { .. } => ("test", None),
        };
        let mut y = Yaml::map().with("op", Yaml::lit(name));
        if let Some(from) = from {
            y.push_entry("from", Yaml::str(pointer(from)));
        }
        y.push_entry("path", Yaml::str(pointer(self.path())));
        if let Some(v) = self.value() {
            y.push_entry("value", v.clone());
        }
        y
    }
}

/// The RFC 6901 pointer of `path` (`~` → `~0`, `/` → `~1`).
pub fn pointer(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        s.push('/');
        match seg {
            Seg::Key(k) => {
                for c in k.chars() {
                    match c {
                        '~' => s.push_str("~0"),
                        '/' => s.push_str("~1"),
                        c => s.push(c),
                    }
                }
            }
            Seg::Index(i) => {
                use std::fmt::Write as _;
                let _ = write!(s, "{i}");
            }
            Seg::End => s.push('-'),
        }
    }
    s
}

/// Structural equality where map key order does not matter.
pub fn same(a: &Yaml, b: &Yaml) -> bool {
    match (a, b) {
        (Yaml::Map(x), Yaml::Map(y)) => {
            x.len() == y.len() && {
                // Keys in the same order (the usual case) need no lookup:
                // keys are unique, so a key at the same position is the
                // entry a lookup finds.
                let common = x.iter().zip(y).take_while(|((k, _), (l, _))| key_eq(k, l));
                let mut n = 0;
                for ((_, v), (_, w)) in common {
                    if !same(v, w) {
                        return false;
                    }
                    n += 1;
                }
                n == x.len() || {
                    let keys = Keys::of(y);
                    x[n..]
                        .iter()
                        .all(|(k, v)| keys.get(k).is_some_and(|w| same(v, w)))
                }
            }
        }
        (Yaml::Seq(x), Yaml::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        (Yaml::Float(x), Yaml::Float(y)) => x.to_bits() == y.to_bits() || x == y,
        _ => a == b,
    }
}

/// The operations turning `base` into `env`.
pub fn diff(base: &Yaml, env: &Yaml) -> Vec<Op> {
    let mut ops = Vec::new();
    walk(base, env, &mut Vec::new(), &mut ops);
    ops
}

/// Maps and sequences are walked without first comparing them whole: on
/// equal ones the walk finds nothing to do (keys are unique), so asking
/// [`same`] at every level would only compare each subtree once per level
/// above it.
fn walk(base: &Yaml, env: &Yaml, path: &mut Path, ops: &mut Vec<Op>) {
    match (base, env) {
        (Yaml::Map(b), Yaml::Map(e)) => diff_map(b, e, path, ops),
        (Yaml::Seq(b), Yaml::Seq(e)) => diff_seq(b, e, path, ops),
        _ if same(base, env) => {}
        _ => ops.push(Op::Replace {
            path: path.clone(),
            value: env.clone(),
        }),
    }
}

fn at(path: &Path, seg: Seg) -> Path {
    let mut p = path.clone();
    p.push(seg);
    p
}

/// Key lookup in a mapping: a scan for small ones, a hash index for large
/// ones (a ConfigMap with many keys), so diffs stay linear.
enum Keys<'a> {
    Small(&'a [(Key, Yaml)]),
    Large(HashMap<&'a str, &'a Yaml>),
}

impl<'a> Keys<'a> {
    fn of(m: &'a [(Key, Yaml)]) -> Self {
        if m.len() <= 16 {
            Keys::Small(m)
        } else {
            Keys::Large(m.iter().rev().map(|(k, v)| (&**k, v)).collect())
        }
    }

    fn get(&self, key: &str) -> Option<&'a Yaml> {
        match self {
            Keys::Small(m) => m.iter().find(|(k, _)| key_eq(k, key)).map(|(_, v)| v),
            Keys::Large(h) => h.get(key).copied(),
        }
    }
}

/// A key at the same position in both maps is looked up by no index (the
/// usual case: both built by the same code); the indexes are built for
/// the first key that is not.
fn diff_map(base: &[(Key, Yaml)], env: &[(Key, Yaml)], path: &mut Path, ops: &mut Vec<Op>) {
    let (mut bkeys, mut ekeys) = (None, None);
    for (i, (k, _)) in base.iter().enumerate() {
        let found = aligned(i, k, env).is_some()
            || ekeys.get_or_insert_with(|| Keys::of(env)).get(k).is_some();
        if !found {
            ops.push(Op::Remove {
                path: at(path, Seg::Key(k.clone())),
            });
        }
    }
    for (i, (k, e)) in env.iter().enumerate() {
        let b = match aligned(i, k, base) {
            Some(b) => Some(b),
            None => bkeys.get_or_insert_with(|| Keys::of(base)).get(k),
        };
        match b {
            Some(b) => {
                if is_scalar(b) && is_scalar(e) && same(b, e) {
                    continue;
                }
                path.push(Seg::Key(k.clone()));
                walk(b, e, path, ops);
                path.pop();
            }
            None => ops.push(Op::Add {
                path: at(path, Seg::Key(k.clone())),
                value: e.clone(),
            }),
        }
    }
}

/// The value at position `i` of `map` when its key is `k`.
fn aligned<'a>(i: usize, k: &str, map: &'a [(Key, Yaml)]) -> Option<&'a Yaml> {
    map.get(i).filter(|(o, _)| key_eq(o, k)).map(|(_, v)| v)
}

fn is_scalar(y: &Yaml) -> bool {
    !matches!(y, Yaml::Map(_) | Yaml::Seq(_))
}

fn diff_seq(base: &[Yaml], env: &[Yaml], path: &mut Path, ops: &mut Vec<Op>) {
    if base.iter().chain(env).all(is_scalar) {
        if base.len() == env.len() && base.iter().zip(env).all(|(b, e)| same(b, e)) {
            return;
        }
        ops.push(Op::Replace {
            path: path.clone(),
            value: Yaml::Seq(env.to_vec()),
        });
    } else if let (Some(b), Some(e)) = (names(base), names(env)) {
        by_name(base, &b, env, &e, path, ops);
    } else {
        by_position(base, env, path, ops);
    }
}

/// The `name` of every item, when every item is a map with a distinct
/// string `name`.
fn names(items: &[Yaml]) -> Option<Vec<&str>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(Yaml::Str(n)) = item.get("name") else {
            return None;
        };
        out.push(&**n);
    }
    // Short lists (containers, ports, mounts) are checked without a set.
    let distinct = if out.len() <= 16 {
        out.iter().enumerate().all(|(i, n)| !out[..i].contains(n))
    } else {
        let mut seen = HashSet::with_capacity_and_hasher(out.len(), Default::default());
        out.iter().all(|n| seen.insert(*n))
    };
    distinct.then_some(out)
}

fn test_name(path: &Path, i: usize, name: &str) -> Op {
    Op::Test {
        path: at(&at(path, Seg::Index(i)), Seg::Key("name".into())),
        value: Yaml::str(name),
    }
}

/// Aligns two lists of named items; see the module documentation.
fn by_name(
    base: &[Yaml],
    bnames: &[&str],
    env: &[Yaml],
    enames: &[&str],
    path: &mut Path,
    ops: &mut Vec<Op>,
) {
    if bnames == enames {
        // Nothing is removed, added or moved (what the general case finds
        // for the same names in the same order): items pair by position.
        for (i, ((b, item), name)) in base.iter().zip(env).zip(enames).enumerate() {
            guarded(b, item, i, name, path, ops);
        }
        return;
    }
    let mut rest = remove_missing(bnames, enames, path, ops);
    for (i, (item, name)) in env.iter().zip(enames).enumerate() {
        let Some(b) = place(&mut rest, i, name, item, path, ops) else {
            continue;
        };
        guarded(&base[b], item, i, name, path, ops);
    }
}

/// The operations inside item `i` (named `name`) of a list, after a
/// `test` of its name when there are any.
fn guarded(base: &Yaml, item: &Yaml, i: usize, name: &str, path: &mut Path, ops: &mut Vec<Op>) {
    path.push(Seg::Index(i));
    let mut nested = Vec::new();
    walk(base, item, path, &mut nested);
    path.pop();
    if !nested.is_empty() {
        ops.push(test_name(path, i, name));
        ops.extend(nested);
    }
}

/// The base items the environment keeps and not yet placed. While item `i`
/// of the environment is being placed, the list being patched is the `i`
/// items already placed followed by these, in base order.
struct Rest<'a> {
    /// Name → (position among the kept items, index in the base list).
    at: HashMap<&'a str, (usize, usize)>,
    left: Left,
}

/// Removes the items `enames` lacks, last first; returns the items left.
fn remove_missing<'a>(
    bnames: &[&'a str],
    enames: &[&str],
    path: &Path,
    ops: &mut Vec<Op>,
) -> Rest<'a> {
    let wanted: HashSet<&str> = enames.iter().copied().collect();
    for i in (0..bnames.len()).rev() {
        if !wanted.contains(bnames[i]) {
            ops.push(test_name(path, i, bnames[i]));
            ops.push(Op::Remove {
                path: at(path, Seg::Index(i)),
            });
        }
    }
    let kept = bnames
        .iter()
        .enumerate()
        .filter(|(_, n)| wanted.contains(*n));
    let at: HashMap<_, _> = kept.enumerate().map(|(p, (i, n))| (*n, (p, i))).collect();
    let left = Left::ones(at.len());
    Rest { at, left }
}

/// Puts item `name` at index `i`: moves it there or adds it. Returns the
/// item's index in the base list when the base has it.
fn place(
    rest: &mut Rest,
    i: usize,
    name: &str,
    item: &Yaml,
    path: &Path,
    ops: &mut Vec<Op>,
) -> Option<usize> {
    let Some(&(p, b)) = rest.at.get(name) else {
        let seg = if rest.left.total == 0 {
            Seg::End
        } else {
            Seg::Index(i)
        };
        ops.push(Op::Add {
            path: at(path, seg),
            value: item.clone(),
        });
        return None;
    };
    let j = i + rest.left.before(p);
    rest.left.take(p);
    if j != i {
        ops.push(test_name(path, j, name));
        ops.push(Op::Move {
            from: at(path, Seg::Index(j)),
            path: at(path, Seg::Index(i)),
        });
    }
    Some(b)
}

/// Which positions `0..n` are still set, with counts of set positions
/// before any position in O(log n) (a Fenwick tree); all set at first.
struct Left {
    /// `tree[k]` counts the set positions in `k - lowbit(k) .. k`.
    tree: Vec<usize>,
    total: usize,
}

impl Left {
    fn ones(n: usize) -> Left {
        let tree = (0..=n).map(|k| k & k.wrapping_neg()).collect();
        Left { tree, total: n }
    }

    /// How many of the positions before `p` are set.
    fn before(&self, p: usize) -> usize {
        let (mut k, mut sum) = (p, 0);
        while k > 0 {
            sum += self.tree[k];
            k &= k - 1;
        }
        sum
    }

    /// Clears position `p` (set).
    fn take(&mut self, p: usize) {
        let mut k = p + 1;
        while k < self.tree.len() {
            self.tree[k] -= 1;
            k += k & k.wrapping_neg();
        }
        self.total -= 1;
    }
}

fn by_position(base: &[Yaml], env: &[Yaml], path: &mut Path, ops: &mut Vec<Op>) {
    for (i, (b, e)) in base.iter().zip(env).enumerate() {
        path.push(Seg::Index(i));
        walk(b, e, path, ops);
        path.pop();
    }
    for i in (env.len()..base.len()).rev() {
        ops.push(Op::Remove {
            path: at(path, Seg::Index(i)),
        });
    }
    for e in env.iter().skip(base.len()) {
        ops.push(Op::Add {
            path: at(path, Seg::End),
            value: e.clone(),
        });
    }
}

/// Looks nodes of one document up by path. Every map a path goes through
/// is indexed the first time (see [`Keys`]), so that many lookups among
/// the children of one large map (a ConfigMap's `data`) stay linear.
pub struct Finder<'a> {
    doc: &'a Yaml,
    /// By the address of the map in `doc`.
    maps: HashMap<*const Yaml, Keys<'a>>,
}

impl<'a> Finder<'a> {
    pub fn new(doc: &'a Yaml) -> Self {
        Finder {
            doc,
            maps: HashMap::default(),
        }
    }

    /// The node at `path`, if there is one.
    pub fn get(&mut self, path: &[Seg]) -> Option<&'a Yaml> {
        let mut node = self.doc;
        for seg in path {
            node = match (node, seg) {
                (Yaml::Map(m), Seg::Key(k)) => {
                    let keys = self.maps.entry(std::ptr::from_ref(node));
                    keys.or_insert_with(|| Keys::of(m)).get(k)?
                }
                (Yaml::Seq(s), Seg::Index(i)) => s.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }
}
