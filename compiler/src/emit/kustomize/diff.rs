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

use crate::emit::yaml::Yaml;

/// One step of a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
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
        let mut y = Yaml::map().with("op", Yaml::str(name));
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
            Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => s.push_str(&i.to_string()),
            Seg::End => s.push('-'),
        }
    }
    s
}

/// Structural equality where map key order does not matter.
pub fn same(a: &Yaml, b: &Yaml) -> bool {
    match (a, b) {
        (Yaml::Map(x), Yaml::Map(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
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

fn walk(base: &Yaml, env: &Yaml, path: &mut Path, ops: &mut Vec<Op>) {
    if same(base, env) {
        return;
    }
    match (base, env) {
        (Yaml::Map(b), Yaml::Map(e)) => diff_map(b, e, path, ops),
        (Yaml::Seq(b), Yaml::Seq(e)) => diff_seq(b, e, path, ops),
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

fn lookup<'a>(m: &'a [(String, Yaml)], k: &str) -> Option<&'a Yaml> {
    m.iter().find(|(x, _)| x == k).map(|(_, v)| v)
}

fn diff_map(base: &[(String, Yaml)], env: &[(String, Yaml)], path: &mut Path, ops: &mut Vec<Op>) {
    for (k, _) in base {
        if lookup(env, k).is_none() {
            ops.push(Op::Remove {
                path: at(path, Seg::Key(k.clone())),
            });
        }
    }
    for (k, e) in env {
        path.push(Seg::Key(k.clone()));
        match lookup(base, k) {
            Some(b) => walk(b, e, path, ops),
            None => ops.push(Op::Add {
                path: path.clone(),
                value: e.clone(),
            }),
        }
        path.pop();
    }
}

fn diff_seq(base: &[Yaml], env: &[Yaml], path: &mut Path, ops: &mut Vec<Op>) {
    let scalar = |y: &Yaml| !matches!(y, Yaml::Map(_) | Yaml::Seq(_));
    if base.iter().chain(env).all(scalar) {
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
    let mut out: Vec<&str> = Vec::with_capacity(items.len());
    for item in items {
        match item.get("name") {
            Some(Yaml::Str(n)) if !out.contains(&n.as_str()) => out.push(n),
            _ => return None,
        }
    }
    Some(out)
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
    let mut cur = remove_missing(bnames, enames, path, ops);
    for (i, (item, name)) in env.iter().zip(enames).enumerate() {
        if !place(&mut cur, i, name, item, path, ops) {
            continue;
        }
        let b = &base[bnames.iter().position(|n| n == name).unwrap_or(0)];
        path.push(Seg::Index(i));
        let mut nested = Vec::new();
        walk(b, item, path, &mut nested);
        path.pop();
        if !nested.is_empty() {
            ops.push(test_name(path, i, name));
            ops.extend(nested);
        }
    }
}

/// Removes the items `enames` lacks, last first; returns the names left.
fn remove_missing<'a>(
    bnames: &[&'a str],
    enames: &[&str],
    path: &Path,
    ops: &mut Vec<Op>,
) -> Vec<&'a str> {
    let mut cur = bnames.to_vec();
    for i in (0..bnames.len()).rev() {
        if !enames.contains(&bnames[i]) {
            ops.push(test_name(path, i, bnames[i]));
            ops.push(Op::Remove {
                path: at(path, Seg::Index(i)),
            });
            cur.remove(i);
        }
    }
    cur
}

/// Puts item `name` at index `i` of the list whose names are `cur`: moves
/// it there or adds it. Returns whether it was already in the list.
fn place<'a>(
    cur: &mut Vec<&'a str>,
    i: usize,
    name: &'a str,
    item: &Yaml,
    path: &Path,
    ops: &mut Vec<Op>,
) -> bool {
    match cur.iter().position(|n| *n == name) {
        Some(j) if j == i => true,
        Some(j) => {
            ops.push(test_name(path, j, name));
            ops.push(Op::Move {
                from: at(path, Seg::Index(j)),
                path: at(path, Seg::Index(i)),
            });
            cur.remove(j);
            cur.insert(i, name);
            true
        }
        None => {
            let seg = if i == cur.len() {
                Seg::End
            } else {
                Seg::Index(i)
            };
            ops.push(Op::Add {
                path: at(path, seg),
                value: item.clone(),
            });
            cur.insert(i, name);
            false
        }
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

/// The node at `path`, if there is one.
pub fn get<'a>(doc: &'a Yaml, path: &[Seg]) -> Option<&'a Yaml> {
    path.iter().try_fold(doc, |node, seg| match (node, seg) {
        (Yaml::Map(_), Seg::Key(k)) => node.get(k),
        (Yaml::Seq(s), Seg::Index(i)) => s.get(*i),
        _ => None,
    })
}
