//! Building the values files and the schema in one pass over the services.
//!
//! Input: the [`Models`]. Output: the text of `values.yaml`, of each
//! `values-<env>.yaml` and of `values.schema.json`, plus the lowerings of
//! the k8s objects the values are read off.
//!
//! The chart-wide keys come first; then, for each service of the
//! [`Union`], the k8s backend's objects of that one service are built in
//! every model (base and environments, [`k8s::service_objects`]), read
//! into values, diffed into each environment's file, written into
//! `values.yaml` and described in the schema, and dropped. So memory is
//! the output plus one service's objects and values, and nothing scans the
//! services or the objects per service: time is linear in the stack.
//!
//! # Invariants
//!
//! * Every file has the text the whole-tree way gives: the values tree of
//!   a model is its chart-wide entries and then its service keys, in the
//!   same order in every model, so its diff is the diffs of its top-level
//!   keys ([`Writers::key`]), and both writers write a top-level map entry
//!   by entry.
//! * The lowering report is that of building every model's objects in
//!   turn (the environments, or the base when there are none), each in its
//!   service order: lowerings are recorded per (model, service) and
//!   replayed in that order at the end ([`Reports`]).

use super::diff;
use super::schema_file;
use super::service_key;
use super::union::Union;
use super::values::{self, Kind, ModelIndex};
use super::values_file;
use crate::emit::k8s::{self, Object};
use crate::emit::output::{Lowering, Output};
use crate::emit::yaml::{Key, Yaml};
use crate::emit::{Models, Target};
use crate::model::{Model, Service};
use rustc_hash::FxHashSet as HashSet;

/// The chart's values files and schema, and its services.
pub struct Built {
    /// `(path in the chart, text)`.
    pub files: Vec<(String, String)>,
    /// The [`Union`]'s services, for the templates.
    pub services: Vec<String>,
}

pub fn build(models: &Models, chart: &str, out: &mut Output) -> Built {
    let all: Vec<&Model> = std::iter::once(&models.base)
        .chain(models.envs.iter())
        .collect();
    let union = Union::of(&all);
    let envs = models
        .envs
        .iter()
        .map(|m| {
            note_stack_changes(&models.base, m, out);
            values_file::Env::new(m, chart)
        })
        .collect();
    let configs = super::values::config_names(std::iter::once(&models.base).chain(&models.envs));
    let mut w = Writers {
        base: values_file::Base::new(&models.base, chart),
        envs,
        schema: schema_file::Writer::new(chart, &union, &configs),
    };
    chart_wide(&all, &union, &mut w);
    let mut reports = Reports::new(models.envs.is_empty());
    let index: Vec<ModelIndex> = all.iter().map(|m| ModelIndex::new(m)).collect();
    for name in &union.services {
        service(&all, &index, name, &mut reports, &mut w);
    }
    not_rendered(&all, &union, &mut reports);
    reports.replay(out);
    let mut files = vec![("values.yaml".to_string(), w.base.finish())];
    for (m, env) in models.envs.iter().zip(w.envs) {
        let name = m.env_name().unwrap_or("base");
        files.push((format!("values-{name}.yaml"), env.finish()));
    }
    files.push(("values.schema.json".to_string(), w.schema.finish()));
    Built {
        files,
        services: union.services,
    }
}

/// The files being written.
struct Writers<'m> {
    base: values_file::Base<'m>,
    envs: Vec<values_file::Env>,
    schema: schema_file::Writer,
}

impl Writers<'_> {
    /// One top-level key of the values: `base` in `values.yaml`, and in
    /// each environment's file what its value (`envs`, in order) changes.
    fn key(&mut self, key: Key, base: Yaml, envs: Vec<Yaml>) {
        for (file, v) in self.envs.iter_mut().zip(envs) {
            let v = diff::inherit_disabled(v, &base);
            if let Some(d) = diff::diff(&base, &v) {
                file.change(key.clone(), d);
            }
        }
        self.base.entry(&key, base);
    }
}

/// The keys before the services.
fn chart_wide(all: &[&Model], union: &Union, w: &mut Writers) {
    let mut per_model: Vec<_> = all
        .iter()
        .map(|m| values::chart_wide(m, union).into_iter())
        .collect();
    let Some((base, envs)) = per_model.split_first_mut() else {
        return;
    };
    for (key, value) in base {
        let env_values = envs
            .iter_mut()
            .map(|e| e.next().map_or(Yaml::Null, |(_, v)| v))
            .collect();
        w.key(key, value, env_values);
    }
}

/// One service of the union, in every model.
fn service(
    all: &[&Model],
    index: &[ModelIndex],
    name: &str,
    reports: &mut Reports,
    w: &mut Writers,
) {
    let mut values: Vec<Option<(Kind, Yaml)>> = all
        .iter()
        .zip(index)
        .enumerate()
        .map(|(i, (m, ix))| {
            let s = m.services.get(name)?;
            let objs = reports.objects(i, m, name, s);
            values::service_values(m, ix, name, s, &objs)
        })
        .collect();
    let kinds = || values.iter().flatten().map(|(k, _)| k);
    let container = kinds().any(|k| *k == Kind::Container);
    let external = kinds().any(|k| *k == Kind::External);
    w.schema.service(name, container, external);
    let mut values = values
        .iter_mut()
        .map(|v| v.take().map_or_else(values::disabled, |(_, y)| y));
    let base = values.next().unwrap_or_else(values::disabled);
    w.key(service_key(name).into(), base, values.collect());
}

/// Services no model renders (host processes): their objects are none,
/// but building them reports the lowering.
fn not_rendered(all: &[&Model], union: &Union, reports: &mut Reports) {
    let rendered: HashSet<&str> = union.services.iter().map(String::as_str).collect();
    for (i, m) in all.iter().enumerate() {
        for (name, s) in &m.services {
            if !rendered.contains(name.as_str()) {
                reports.objects(i, m, name, s);
            }
        }
    }
}

/// The lowerings of the k8s objects, by (model, service position).
struct Reports {
    /// Whether the base's lowerings are reported (no environments).
    base_reported: bool,
    exact: usize,
    recorded: Vec<(usize, usize, Vec<Lowering>)>,
}

impl Reports {
    fn new(base_reported: bool) -> Reports {
        Reports {
            base_reported,
            exact: 0,
            recorded: Vec::new(),
        }
    }

    /// The k8s objects of service `name` of model `i` (0: the base),
    /// recording what building them reports.
    fn objects(&mut self, i: usize, m: &Model, name: &str, s: &Service) -> Vec<Object> {
        let mut report = Output::new(Target::Helm);
        let objs = k8s::service_objects(m, name, s, &mut report);
        if i > 0 || self.base_reported {
            self.exact += report.exact;
            if !report.lowerings.is_empty() {
                let at = m.services.get_index_of(name).unwrap_or(usize::MAX);
                self.recorded.push((i, at, report.lowerings));
            }
        }
        objs
    }

    /// Reports everything into `out`, model by model, each in service order.
    fn replay(mut self, out: &mut Output) {
        out.exact += self.exact;
        self.recorded.sort_by_key(|(i, at, _)| (*i, *at));
        out.take_lowerings(self.recorded.into_iter().flat_map(|(_, _, ls)| ls));
    }
}

/// Stack fields an environment may change that a chart cannot follow.
fn note_stack_changes(base: &Model, m: &Model, out: &mut Output) {
    let env = m.env_name().unwrap_or("base");
    if m.stack.version != base.stack.version {
        out.note(format!(
            "environment `{env}` sets version `{}`: the chart's appVersion and the \
             `app.kubernetes.io/version` label stay `{}` (image tags follow the environment)",
            m.stack.version, base.stack.version
        ));
    }
    if m.stack.name != base.stack.name {
        out.note(format!(
            "environment `{env}` renames the stack to `{}`: the chart and its release keep `{}`",
            m.stack.name, base.stack.name
        ));
    }
}
