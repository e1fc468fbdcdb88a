//! The lowering report of the Compose backend: findings are collected per
//! model, then merged so that an environment only reports what the base
//! does not already report.

use crate::emit::output::{LoweringKind, Output};
use crate::emit::yaml::key_eq;
use crate::source::Span;
use indexmap::IndexSet;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Entry {
    kind: LoweringKind,
    span: Span,
    feature: String,
    message: String,
}

/// What lowering one model found.
#[derive(Debug, Default)]
pub(super) struct Findings {
    /// In insertion order, without duplicates.
    entries: IndexSet<Entry, rustc_hash::FxBuildHasher>,
    /// `(service, feature)` pairs lowered exactly: per service, its
    /// features (a few, distinct), so that a pair seen again costs a lookup
    /// and no allocation.
    exact: rustc_hash::FxHashMap<String, Vec<&'static str>>,
}

/// Adds `feature` to `features` unless it is there.
fn add_feature(features: &mut Vec<&'static str>, feature: &'static str) {
    if !features.iter().any(|f| key_eq(f, feature)) {
        features.push(feature);
    }
}

impl Findings {
    pub(super) fn exact(&mut self, service: &str, feature: &'static str) {
        match self.exact.get_mut(service) {
            Some(features) => add_feature(features, feature),
            None => {
                self.exact.insert(service.to_string(), vec![feature]);
            }
        }
    }

    pub(super) fn approximated(&mut self, span: Span, feature: &str, message: impl Into<String>) {
        self.push(LoweringKind::Approximated, span, feature, message.into());
    }

    pub(super) fn dropped(&mut self, span: Span, feature: &str, message: impl Into<String>) {
        self.push(LoweringKind::Dropped, span, feature, message.into());
    }

    fn push(&mut self, kind: LoweringKind, span: Span, feature: &str, message: String) {
        let e = Entry {
            kind,
            span,
            feature: feature.to_string(),
            message,
        };
        self.entries.insert(e);
    }
}

/// Moves the findings into `out`: the base's without an environment, each
/// environment's only where the base has no identical entry.
pub(super) fn finish(out: &mut Output, base: Findings, envs: Vec<(String, Findings)>) {
    let mut exact = base.exact;
    for e in &base.entries {
        emit(out, e, None);
    }
    for (env, f) in envs {
        for e in f.entries.iter().filter(|e| !base.entries.contains(*e)) {
            emit(out, e, Some(&env));
        }
        for (service, features) in f.exact {
            let all = exact.entry(service).or_default();
            for feature in features {
                add_feature(all, feature);
            }
        }
    }
    out.exact += exact.values().map(Vec::len).sum::<usize>();
}

fn emit(out: &mut Output, e: &Entry, env: Option<&str>) {
    match e.kind {
        LoweringKind::Approximated => out.approximated(e.span, env, &e.feature, e.message.clone()),
        LoweringKind::Dropped => out.dropped(e.span, env, &e.feature, e.message.clone()),
    }
}
