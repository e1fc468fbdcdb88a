//! Checked values: what `check` makes of the syntax tree and what `eval`
//! merges into per-environment models.
//!
//! A [`Val`] is typed by the schema that checked it: units are normalised
//! (durations in milliseconds, sizes in bytes, CPU in millicores), references
//! are resolved to their kind and name, interpolated strings are split into
//! parts. Every value keeps the span it came from.

use crate::source::Span;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    pub kind: ValKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValKind {
    /// `null`: in an overlay, removes what the base set.
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Key),
    /// A string with `${…}` parts that depend on the environment or target
    /// (shared, as strings and enum values are: an environment that copies
    /// a service's `env` map to resolve one variable copies no other text).
    Interp(Arc<[Part]>),
    Quantity(Quantity),
    Range(Box<Val>, Box<Val>),
    Enum(Key),
    Ref(Ref),
    List(Vec<Val>),
    /// Records and maps (insertion-ordered), shared: a copy of a value is
    /// a reference count, and a change copies only the maps on its path
    /// ([`Val::as_map_mut`] is `Arc::make_mut`). Environments and templates
    /// thus share what they do not change.
    Map(Arc<Map>),
    /// A block of a `union`: the keyword, its optional label, its body.
    Tagged(Box<(String, Option<String>, Val)>),
    /// A poisoned value: the field was written but its value was rejected
    /// (or a misspelled field most likely meant this one). It counts as
    /// *present but unknown*: rules that report a missing field see it
    /// ([`Val::is_set`]), rules that read values do not ([`Val::get`]), so
    /// one mistake yields one diagnostic. Only compilations with errors
    /// hold one.
    Poison,
}

mod map;

pub use map::Map;

/// A key of a [`Map`]: shared, so copying a map (an environment changing
/// one field of a record) copies no key text.
pub type Key = Arc<str>;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// Milliseconds.
    Duration(u64),
    Bytes(u64),
    /// Millicores.
    Cpu(u64),
    Percent(f64),
}

/// A resolved reference to something declared in the stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ref {
    Service(String),
    Secret(String),
    Config(String),
    /// `config.NAME.KEY` (boxed: the rare two-string reference keeps values small).
    ConfigKey(Box<(String, String)>),
    Environment(String),
    /// A port of the enclosing service (checked after evaluation).
    Port(String),
    /// A job of the enclosing pipeline (checked after evaluation).
    Job(String),
    Pipeline(String),
}

/// A piece of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    /// The host name other services reach `service` at.
    Host(String),
    /// The port number of `service.port.NAME` (as other services see it).
    Port(String, String),
    /// A config value.
    Config(String, String),
    /// A stack field (`namespace`, `name`, `registry`, `version`) in the current environment.
    Stack(String),
    /// The current environment's name.
    EnvName,
}

impl Val {
    /// The key of a poisoned entry in a record whose body holds an entry
    /// that failed to parse before its key could be read: any field may
    /// have been written there. Only compilations with errors hold one.
    pub const UNREAD: &'static str = "";

    pub fn new(kind: ValKind, span: Span) -> Self {
        Val { kind, span }
    }

    pub fn map(map: Map, span: Span) -> Self {
        Val {
            kind: ValKind::Map(Arc::new(map)),
            span,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.kind {
            ValKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The map to change: copied first when another value shares it.
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.kind {
            ValKind::Map(m) => Some(Arc::make_mut(m)),
            _ => None,
        }
    }

    /// The known value of field `key`: `None` when unset, `null` or poisoned.
    pub fn get(&self, key: &str) -> Option<&Val> {
        self.as_map()?
            .get(key)
            .filter(|v| !matches!(v.kind, ValKind::Null | ValKind::Poison))
    }

    /// Whether field `key` was written, even with a rejected value. A
    /// poisoned record is unknown, so every field of it counts as set; so
    /// does every field of a record holding [`Val::UNREAD`].
    pub fn is_set(&self, key: &str) -> bool {
        match &self.kind {
            ValKind::Poison => true,
            ValKind::Map(m) => {
                m.get(key).is_some_and(|v| !v.is_null()) || m.contains_key(Val::UNREAD)
            }
            _ => false,
        }
    }

    /// Field `key` as written, poisoned or not (`None` when unset or `null`).
    pub fn field(&self, key: &str) -> Option<&Val> {
        self.as_map()?.get(key).filter(|v| !v.is_null())
    }

    pub fn is_poison(&self) -> bool {
        matches!(self.kind, ValKind::Poison)
    }

    pub fn str(&self) -> Option<&str> {
        match &self.kind {
            ValKind::Str(s) => Some(s),
            ValKind::Enum(s) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self.kind {
            ValKind::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn bool(&self) -> Option<bool> {
        match self.kind {
            ValKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn list(&self) -> &[Val] {
        match &self.kind {
            ValKind::List(l) => l,
            _ => &[],
        }
    }

    /// Whether `self` is or may contain an interpolated string: a walk
    /// looking for them tests children with this before descending, which
    /// spares a call per scalar.
    #[inline]
    pub fn may_hold_interp(&self) -> bool {
        matches!(self.kind, ValKind::Interp(_)) || self.is_container()
    }

    /// Whether `self` holds other values (a walk tests a child with this
    /// before descending, which spares a call per scalar).
    #[inline]
    fn is_container(&self) -> bool {
        matches!(
            self.kind,
            ValKind::Map(_) | ValKind::List(_) | ValKind::Tagged(_)
        )
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, ValKind::Null)
    }

    /// Deep merge of `over` onto `self`: maps merge key by key, `null`
    /// removes, anything else replaces.
    pub fn merge(&mut self, over: &Val) {
        match (&mut self.kind, &over.kind) {
            // Onto nothing (a service's first template) or onto itself, the
            // merge is `over`'s map: shared, not copied.
            (ValKind::Map(base), ValKind::Map(top))
                if base.is_empty() || Arc::ptr_eq(base, top) =>
            {
                *base = Arc::clone(top);
            }
            (ValKind::Map(base), ValKind::Map(top)) => {
                let base = Arc::make_mut(base);
                for (k, v) in top.iter() {
                    match base.get_mut(k) {
                        Some(b) if v.is_null() => b.kind = ValKind::Null,
                        Some(b) => b.merge(v),
                        None => {
                            base.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            _ => *self = over.clone(),
        }
    }

    /// Drops `null` entries recursively (after overlays are applied),
    /// copying only the shared maps that hold one.
    pub fn prune_nulls(&mut self) {
        if !self.holds_null() {
            return;
        }
        match &mut self.kind {
            ValKind::Map(m) => {
                let m = Arc::make_mut(m);
                m.retain(|_, v| !v.is_null());
                m.values_mut().for_each(Val::prune_nulls);
            }
            ValKind::List(l) => l.iter_mut().for_each(Val::prune_nulls),
            ValKind::Tagged(tg) => tg.2.prune_nulls(),
            _ => {}
        }
    }

    /// A copy whose outermost map (if it is one) is its own, the entries
    /// shared: what changes one does not change the other.
    pub fn copied(&self) -> Val {
        match &self.kind {
            ValKind::Map(m) => Val::map((**m).clone(), self.span),
            _ => self.clone(),
        }
    }

    /// Whether [`Val::prune_nulls`] would drop something.
    pub fn holds_null(&self) -> bool {
        match &self.kind {
            ValKind::Map(m) => m
                .values()
                .any(|v| v.is_null() || v.is_container() && v.holds_null()),
            ValKind::List(l) => l.iter().any(|v| v.is_container() && v.holds_null()),
            ValKind::Tagged(tg) => tg.2.holds_null(),
            _ => false,
        }
    }
}
