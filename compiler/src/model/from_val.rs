//! Evaluated values → model values: one [`FromVal`] impl per model type,
//! written against the model structs (records in `from_val/`).
//!
//! Input: a checked, evaluated [`Val`] and a [`Cx`] (the environment's
//! evaluated services, for interpolations outside `env`). Output: the model
//! value, or a [`Misfit`] saying where and what was expected. The checker
//! guarantees the shape, so a misfit is a compiler bug: the driver reports
//! it as E0900, never a panic.
//!
//! Conventions: `null` and unset are the same; an unset optional field is
//! `None` and an unset map is empty; references become names; environment
//! variables keep secrets, config keys and interpolations apart
//! ([`EnvValue`]); any other interpolated string is rendered as Kubernetes
//! sees it ([`interp::k8s`]).

mod pipeline;
mod service;

pub use service::service;

use super::interp;
use super::service::{EnvValue, IntOrPercent, Part, Range};
use super::units::{Bytes, Cpu, Duration, Percent};
use crate::eval::text_of;
use crate::source::Span;
use crate::value::{Part as VPart, Quantity, Ref, Val, ValKind};
use indexmap::IndexMap;

/// What converting a value may look at besides the value.
pub struct Cx<'a> {
    /// The services of the environment (for `${svc.host}`, `${svc.port.NAME}`).
    pub services: &'a crate::eval::Services,
    /// The repository files `file { source = … }` blocks name, as read by
    /// the driver.
    pub files: &'a super::Files,
}

/// A value that does not fit the model: where, and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Misfit {
    pub span: Span,
    pub expected: String,
}

pub type Res<T> = Result<T, Misfit>;

/// A model type built from an evaluated value.
pub trait FromVal: Sized {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self>;
}

/// The misfit of `v` where `expected` was expected.
pub fn misfit<T>(v: &Val, expected: &str) -> Res<T> {
    Err(Misfit {
        span: v.span,
        expected: format!("expected {expected}, found {}", describe(v)),
    })
}

fn describe(v: &Val) -> &'static str {
    match v.kind {
        ValKind::Null => "null",
        ValKind::Bool(_) => "a boolean",
        ValKind::Int(_) => "an integer",
        ValKind::Float(_) => "a number",
        ValKind::Str(_) | ValKind::Interp(_) => "a string",
        ValKind::Quantity(_) => "a quantity",
        ValKind::Range(..) => "a range",
        ValKind::Enum(_) => "an enum value",
        ValKind::Ref(_) => "a reference",
        ValKind::List(_) => "a list",
        ValKind::Map(_) => "a block",
        ValKind::Tagged(_) => "a union block",
        ValKind::Poison => "a rejected value",
    }
}

/// The fields of a record value.
pub struct Rec<'a> {
    pub v: &'a Val,
    cx: &'a Cx<'a>,
}

impl<'a> Rec<'a> {
    pub fn new(v: &'a Val, cx: &'a Cx<'a>) -> Res<Self> {
        match v.kind {
            ValKind::Map(_) => Ok(Rec { v, cx }),
            _ => misfit(v, "a block"),
        }
    }

    /// A field that must be set (the evaluator fills defaults).
    pub fn req<T: FromVal>(&self, k: &str) -> Res<T> {
        match self.v.get(k) {
            Some(x) => T::from_val(x, self.cx),
            None => Err(Misfit {
                span: self.v.span,
                expected: format!("expected field `{k}` to be set"),
            }),
        }
    }

    pub fn opt<T: FromVal>(&self, k: &str) -> Res<Option<T>> {
        self.v.get(k).map(|x| T::from_val(x, self.cx)).transpose()
    }

    /// A map field; unset is empty.
    pub fn map<T: FromVal, S: std::hash::BuildHasher + Default>(
        &self,
        k: &str,
    ) -> Res<IndexMap<String, T, S>> {
        Ok(self.opt(k)?.unwrap_or_default())
    }
}

impl<T: FromVal> FromVal for Box<T> {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        T::from_val(v, cx).map(Box::new)
    }
}

impl<T: FromVal, S: std::hash::BuildHasher + Default> FromVal for IndexMap<String, T, S> {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let Some(m) = v.as_map() else {
            return misfit(v, "a block of entries");
        };
        // Sized up front: collecting through `Result` would over-allocate.
        let mut out = IndexMap::with_capacity_and_hasher(m.len(), S::default());
        for (k, x) in m.iter() {
            out.insert(k.to_string(), T::from_val(x, cx)?);
        }
        Ok(out)
    }
}

impl<T: FromVal> FromVal for Vec<T> {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        match &v.kind {
            ValKind::List(l) => {
                let mut out = Vec::with_capacity(l.len());
                for x in l {
                    out.push(T::from_val(x, cx)?);
                }
                Ok(out)
            }
            _ => misfit(v, "a list"),
        }
    }
}

/// Strings, enum values, names of references, and interpolations rendered
/// as Kubernetes sees them.
impl FromVal for String {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        match &v.kind {
            ValKind::Str(s) => Ok(s.to_string()),
            ValKind::Enum(s) => Ok(s.to_string()),
            ValKind::Ref(r) => Ok(ref_name(r)),
            ValKind::Interp(parts) => Ok(interp::k8s(cx.services, &model_parts(parts))),
            _ => misfit(v, "a string"),
        }
    }
}

/// A name, or the keyword `none`.
impl FromVal for super::Namespace {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        match &v.kind {
            ValKind::Enum(k) if &**k == "none" => Ok(super::Namespace::None),
            _ => Ok(super::Namespace::Name(String::from_val(v, cx)?)),
        }
    }
}

impl FromVal for bool {
    fn from_val(v: &Val, _: &Cx) -> Res<Self> {
        v.bool().map_or_else(|| misfit(v, "`true` or `false`"), Ok)
    }
}

macro_rules! int_from_val {
    ($($t:ty),*) => {$(
        impl FromVal for $t {
            fn from_val(v: &Val, _: &Cx) -> Res<Self> {
                match v.int().map(<$t>::try_from) {
                    Some(Ok(i)) => Ok(i),
                    _ => misfit(v, concat!("an integer that fits ", stringify!($t))),
                }
            }
        }
    )*};
}

int_from_val!(u16, u32, i64);

macro_rules! quantity_from_val {
    ($($t:ident),*) => {$(
        impl FromVal for $t {
            fn from_val(v: &Val, _: &Cx) -> Res<Self> {
                match v.kind {
                    ValKind::Quantity(Quantity::$t(q)) => Ok($t(q)),
                    _ => misfit(v, concat!("a quantity (", stringify!($t), ")")),
                }
            }
        }
    )*};
}

quantity_from_val!(Duration, Bytes, Cpu, Percent);

impl<T: FromVal> FromVal for Range<T> {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        match &v.kind {
            ValKind::Range(lo, hi) => Ok(Range {
                request: T::from_val(lo, cx)?,
                limit: T::from_val(hi, cx)?,
            }),
            _ => misfit(v, "a range `request..limit`"),
        }
    }
}

impl FromVal for IntOrPercent {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        match v.kind {
            ValKind::Int(i) => Ok(IntOrPercent::Int(i)),
            _ => Ok(IntOrPercent::Percent(Percent::from_val(v, cx)?)),
        }
    }
}

/// Secrets, config keys and interpolations stay apart; anything else is
/// its text.
impl FromVal for EnvValue {
    fn from_val(v: &Val, _: &Cx) -> Res<Self> {
        Ok(match &v.kind {
            ValKind::Ref(Ref::Secret(s)) => EnvValue::Secret { secret: s.clone() },
            ValKind::Ref(Ref::ConfigKey(ck)) => EnvValue::ConfigKey {
                config: ck.0.clone(),
                key: ck.1.clone(),
            },
            ValKind::Interp(parts) => EnvValue::Interp {
                interp: model_parts(parts),
            },
            _ => EnvValue::Literal(text_of(v)),
        })
    }
}

/// The target-dependent parts of an interpolation (the evaluator resolved
/// the others; any left render empty).
fn model_parts(parts: &[VPart]) -> Vec<Part> {
    let part = |p: &VPart| match p {
        VPart::Host(s) => Part::Host(s.clone()),
        VPart::Port(s, port) => Part::Port(s.clone(), port.clone()),
        VPart::Text(t) => Part::Text(t.clone()),
        _ => Part::Text(String::new()),
    };
    parts.iter().map(part).collect()
}

pub fn ref_name(r: &Ref) -> String {
    match r {
        Ref::Service(n)
        | Ref::Secret(n)
        | Ref::Config(n)
        | Ref::Environment(n)
        | Ref::Port(n)
        | Ref::Job(n)
        | Ref::Pipeline(n) => n.clone(),
        Ref::ConfigKey(ck) => format!("{}.{}", ck.0, ck.1),
    }
}

/// A model enum read from its keyword; `NAMES` lists them (the serialised
/// names, which a test checks).
pub trait Keyword: Sized + Copy + 'static {
    const NAMES: &'static [(&'static str, Self)];

    fn from_name(s: &str) -> Option<Self> {
        Self::NAMES.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }
}

macro_rules! keywords {
    ($($t:ident { $($name:literal => $variant:ident),* $(,)? })*) => {$(
        impl $crate::model::from_val::Keyword for $t {
            const NAMES: &'static [(&'static str, Self)] = &[$(($name, $t::$variant)),*];
        }

        impl $crate::model::from_val::FromVal for $t {
            fn from_val(
                v: &$crate::value::Val,
                _: &$crate::model::from_val::Cx,
            ) -> $crate::model::from_val::Res<Self> {
                use $crate::model::from_val::{misfit, Keyword};
                match v.str().and_then(<$t as Keyword>::from_name) {
                    Some(k) => Ok(k),
                    None => misfit(v, concat!("a `", stringify!($t), "` keyword")),
                }
            }
        }
    )*};
}

pub(crate) use keywords;

#[cfg(test)]
mod tests;
