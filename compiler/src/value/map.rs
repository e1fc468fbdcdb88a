//! [`Map`]: the insertion-ordered map of record and map values.
//!
//! Records are small (a service has a dozen fields, an `env` block a
//! handful), and most of checking and evaluating is looking up a field by
//! name in one. Keys and values are kept in two vectors in insertion order;
//! a lookup scans the keys, comparing lengths first (a key's length is in
//! its pointer, so a mismatch reads no text), and only a map of more than
//! [`SCAN`] entries keeps a hash index. Against a hash map of the same
//! contents this hashes nothing, reads three or four cache lines of keys
//! for a record instead of a control group, a slot and an entry, and
//! copying a map (an environment changing one field of a shared record)
//! copies no hash table.
//!
//! Most lookups miss: a rule asks a service for a dozen fields it may set
//! (`external`, `build`, `init`, `command`, …) and most services set few of
//! them. A map keeps one bit per key in a word ([`bit`]: the key's length
//! and first and last bytes, mixed), so a lookup whose bit is clear misses
//! without reading a key.
//!
//! Equality is that of maps: the same keys with equal values, in any
//! order (as `IndexMap`'s, which this replaces).

use super::{Key, Val};
use rustc_hash::FxHashMap;

/// Most entries a map finds by scanning its keys; a larger one keeps an
/// index from key to position.
const SCAN: usize = 16;

#[derive(Clone, Default)]
pub struct Map {
    keys: Vec<Key>,
    vals: Vec<Val>,
    /// The [`bit`] of every key.
    bits: u64,
    /// Position of every key, for a map of more than [`SCAN`] entries.
    index: Option<Box<FxHashMap<Key, usize>>>,
}

impl Map {
    pub fn new() -> Self {
        Map::default()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Position of `key`.
    #[inline]
    pub fn get_index_of(&self, key: &str) -> Option<usize> {
        let bytes = key.as_bytes();
        if self.bits & bit(bytes) == 0 {
            return None;
        }
        if let Some(index) = &self.index {
            return index.get(key).copied();
        }
        self.keys
            .iter()
            .position(|k| k.len() == bytes.len() && k.as_bytes() == bytes)
    }

    #[inline]
    pub fn get(&self, key: &str) -> Option<&Val> {
        self.get_index_of(key).map(|i| &self.vals[i])
    }

    #[inline]
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Val> {
        self.get_index_of(key).map(|i| &mut self.vals[i])
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get_index_of(key).is_some()
    }

    pub fn get_index(&self, i: usize) -> Option<(&Key, &Val)> {
        Some((self.keys.get(i)?, &self.vals[i]))
    }

    pub fn get_index_mut(&mut self, i: usize) -> Option<(&Key, &mut Val)> {
        Some((self.keys.get(i)?, &mut self.vals[i]))
    }

    /// Sets `key` to `val`: in its place when the map holds it (returning
    /// the value it had), at the end otherwise.
    pub fn insert(&mut self, key: Key, val: Val) -> Option<Val> {
        self.insert_full(key, val).1
    }

    /// [`Map::insert`], with the position of the entry.
    fn insert_full(&mut self, key: Key, val: Val) -> (usize, Option<Val>) {
        if let Some(i) = self.get_index_of(&key) {
            return (i, Some(std::mem::replace(&mut self.vals[i], val)));
        }
        let i = self.keys.len();
        if let Some(index) = &mut self.index {
            index.insert(Key::clone(&key), i);
        }
        self.bits |= bit(key.as_bytes());
        self.keys.push(key);
        self.vals.push(val);
        if self.index.is_none() && self.keys.len() > SCAN {
            self.reindex();
        }
        (i, None)
    }

    /// The value of `key`, set to `make()` first (at the end) when the map
    /// lacks it.
    pub fn get_or_insert_with(&mut self, key: Key, make: impl FnOnce() -> Val) -> &mut Val {
        let i = match self.get_index_of(&key) {
            Some(i) => i,
            None => self.insert_full(key, make()).0,
        };
        &mut self.vals[i]
    }

    /// Moves the entry at `from` to position `to`, shifting the entries
    /// in between by one place.
    pub fn move_index(&mut self, from: usize, to: usize) {
        if from < to {
            self.keys[from..=to].rotate_left(1);
            self.vals[from..=to].rotate_left(1);
        } else if to < from {
            self.keys[to..=from].rotate_right(1);
            self.vals[to..=from].rotate_right(1);
        }
        if self.index.is_some() && from != to {
            self.reindex();
        }
    }

    /// Removes `key`, moving the entries after it up one place.
    pub fn shift_remove(&mut self, key: &str) -> Option<Val> {
        let i = self.get_index_of(key)?;
        self.keys.remove(i);
        let v = self.vals.remove(i);
        self.reindex();
        Some(v)
    }

    /// Keeps the entries for which `keep` holds, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Key, &mut Val) -> bool) {
        let mut w = 0;
        for r in 0..self.keys.len() {
            if keep(&self.keys[r], &mut self.vals[r]) {
                self.keys.swap(w, r);
                self.vals.swap(w, r);
                w += 1;
            }
        }
        if w < self.keys.len() {
            self.keys.truncate(w);
            self.vals.truncate(w);
            self.reindex();
        }
    }

    /// Sets the bits of the keys there are, and builds the index of a map
    /// too large to scan (drops it otherwise).
    fn reindex(&mut self) {
        self.bits = self.keys.iter().fold(0, |b, k| b | bit(k.as_bytes()));
        self.index = (self.keys.len() > SCAN).then(|| {
            let mut index = FxHashMap::default();
            index.reserve(self.keys.len());
            for (i, k) in self.keys.iter().enumerate() {
                index.insert(Key::clone(k), i);
            }
            Box::new(index)
        });
    }

    pub fn iter(&self) -> Iter<'_> {
        self.keys.iter().zip(self.vals.iter())
    }

    pub fn keys(&self) -> std::slice::Iter<'_, Key> {
        self.keys.iter()
    }

    pub fn values(&self) -> std::slice::Iter<'_, Val> {
        self.vals.iter()
    }

    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, Val> {
        self.vals.iter_mut()
    }
}

/// The bit of a key in [`Map::bits`]: its length, first two bytes and last
/// byte, mixed by a multiplication whose top six bits pick the bit.
#[inline]
fn bit(key: &[u8]) -> u64 {
    let (first, last) = match key {
        [] => (0, 0),
        [a, .., z] | [a @ z] => (*a, *z),
    };
    let second = key.get(1).copied().unwrap_or(0);
    let h = (key.len() as u64) << 24
        | u64::from(first) << 16
        | u64::from(second) << 8
        | u64::from(last);
    1 << (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

pub type Iter<'a> = std::iter::Zip<std::slice::Iter<'a, Key>, std::slice::Iter<'a, Val>>;

impl std::ops::Index<usize> for Map {
    type Output = Val;
    fn index(&self, i: usize) -> &Val {
        &self.vals[i]
    }
}

impl std::ops::IndexMut<usize> for Map {
    fn index_mut(&mut self, i: usize) -> &mut Val {
        &mut self.vals[i]
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(Key, Val)> for Map {
    fn from_iter<I: IntoIterator<Item = (Key, Val)>>(it: I) -> Self {
        let mut m = Map::new();
        m.extend(it);
        m
    }
}

impl Extend<(Key, Val)> for Map {
    fn extend<I: IntoIterator<Item = (Key, Val)>>(&mut self, it: I) {
        for (k, v) in it {
            self.insert(k, v);
        }
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Key, &'a Val);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ValKind;

    fn v(i: i64) -> Val {
        Val::new(ValKind::Int(i), crate::source::Span::default())
    }

    fn key(s: &str) -> Key {
        Key::from(s)
    }

    /// Lookups, replacing and removing agree with a plain list of entries,
    /// below and above the size that builds an index.
    #[test]
    fn agrees_with_a_list_of_entries() {
        for n in [0, 1, 5, SCAN, SCAN + 1, 3 * SCAN] {
            let mut m = Map::new();
            let mut list: Vec<(String, i64)> = Vec::new();
            for i in 0..n {
                let k = format!("k{}", i * 7 % (n + 3));
                let prev = m.insert(key(&k), v(i as i64));
                match list.iter_mut().find(|(lk, _)| *lk == k) {
                    Some(e) => {
                        assert_eq!(prev, Some(v(e.1)));
                        e.1 = i as i64;
                    }
                    None => {
                        assert_eq!(prev, None);
                        list.push((k, i as i64));
                    }
                }
            }
            let check = |m: &Map, list: &[(String, i64)]| {
                assert_eq!(m.len(), list.len());
                for (i, ((k, val), (lk, lv))) in m.iter().zip(list).enumerate() {
                    assert_eq!((&**k, val), (lk.as_str(), &v(*lv)));
                    assert_eq!(m.get_index_of(lk), Some(i));
                }
                assert_eq!(m.get("absent"), None);
            };
            check(&m, &list);
            let gone: Vec<String> = list
                .iter()
                .filter(|(k, _)| k.ends_with('3'))
                .map(|(k, _)| k.clone())
                .collect();
            m.retain(|k, _| !k.ends_with('3'));
            list.retain(|(k, _)| !k.ends_with('3'));
            check(&m, &list);
            if let Some((k, _)) = list.first().cloned() {
                assert!(m.shift_remove(&k).is_some());
                list.remove(0);
                check(&m, &list);
                assert_eq!(m.get(&k), None);
            }
            for k in &gone {
                assert_eq!(m.get(k), None, "{k} was removed");
            }
        }
    }

    #[test]
    fn equality_ignores_order() {
        let a: Map = [(key("a"), v(1)), (key("b"), v(2))].into_iter().collect();
        let b: Map = [(key("b"), v(2)), (key("a"), v(1))].into_iter().collect();
        let c: Map = [(key("b"), v(2)), (key("a"), v(3))].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            format!("{a:?}"),
            format!("{{\"a\": {:?}, \"b\": {:?}}}", v(1), v(2))
        );
    }
}
