//! Helm: one chart per stack, values per environment.
//!
//! Input: the [`Models`] (the base and the selected environments). Output,
//! under `<chart>/` (the stack name as a DNS label):
//!
//! * `Chart.yaml`: apiVersion v2, type application, `version` and
//!   `appVersion` = the stack's version (`chart.rs`);
//! * `values.yaml`: the base model in the `helm create` idiom, one key per
//!   service plus the chart-wide `configs` and `secrets` (`values.rs`);
//! * `values-<env>.yaml`: ONLY what the environment changes: a tree diff of
//!   the environment's values against the base values, where a removed key
//!   is `null` (Helm deletes it) and lists are replaced whole (`diff.rs`);
//! * `values.schema.json`: the stack's types as JSON Schema, so that
//!   `helm install` rejects a bad value (`schema.rs`);
//! * `templates/`: `_helpers.tpl` (names, labels, the service list), one
//!   file per resource kind ranging over the services, `NOTES.txt` from the
//!   declared endpoints (`templates.rs`), and `.helmignore`.
//!
//! # Names
//!
//! A service's objects are `<fullname>-<service>` (`<chart>.serviceFullname`,
//! cut at 63 characters), a config's ConfigMap `<fullname>-<config>`, a
//! volume's claim `<fullname>-<service>-<volume>`; `<fullname>` is Helm's
//! usual `<release>-<chart>` (just `<release>` when that contains the chart
//! name, `fullnameOverride` when set). Secrets keep the names of every
//! Kubernetes target: they are not the release's. Labels and selectors are
//! those of the k8s backend, with `instance` = the release name. A service
//! named like a chart-wide key (`configs`, `secrets`, `global`) is under
//! `<name>Service` in the values; a secret named `create` under
//! `secrets.create_secret`.
//!
//! # Invariants
//!
//! * `helm template <chart> <dir> -f values-<env>.yaml --namespace <ns>`
//!   renders the same objects as `stackc emit --target k8s --env <env>`,
//!   modulo: the `<release>-` name prefix (Helm objects are per release),
//!   the `helm.sh/chart` label, `managed-by: Helm`, `checksum/*` values, the
//!   Namespace object (Helm installs into `--namespace`; it does not own
//!   namespaces) and document order. The values are read off the k8s
//!   backend's objects ([`crate::emit::k8s::objects`]) wherever a value is
//!   a Kubernetes structure (probes, resources, security contexts,
//!   strategy, volumes), so the two targets agree by construction.
//! * User data never becomes template code: every string of the stack
//!   lives in the values (which Helm never evaluates); the templates are
//!   fixed text in `helm/templates/` plus names that are DNS labels, and
//!   the few strings baked into them are Go string literals
//!   (`templates::go_quote`).
//! * Secrets are references: by default the chart uses Secrets that exist
//!   (named as in every Kubernetes target); with `secrets.create=true` it
//!   creates them from values that are `required` and have no default.

mod chart;
mod diff;
mod schema;
mod templates;
mod values;
mod values_file;

pub use schema::{STDLIB_ENUMS, STDLIB_RANGES};
pub use values::{service_key, RESERVED_KEYS};

use super::k8s::{self, k8s_name};
use super::output::Output;
use super::yaml::Yaml;
use super::{Models, Target};
use crate::model::Model;

/// The chart's name: the stack name as a DNS label (`stack` when nothing is left).
pub fn chart_name(m: &Model) -> String {
    let n = k8s_name(&m.stack.name).replace('.', "-");
    let n: String = n.chars().take(53).collect();
    let n = n.trim_matches('-').to_string();
    if n.is_empty() {
        "stack".to_string()
    } else {
        n
    }
}

pub fn emit(models: &Models) -> Output {
    let mut out = Output::new(Target::Helm);
    let chart = chart_name(&models.base);
    if chart != models.base.stack.name {
        out.note(format!(
            "the chart is named `{chart}`: the stack name `{}` is not a DNS label, which Helm \
             wants of chart and release names (the instance label is the release name)",
            models.base.stack.name
        ));
    }
    let (base, envs) = build(models, &mut out);
    let all: Vec<&values::Built> = std::iter::once(&base)
        .chain(envs.iter().map(|(_, b)| b))
        .collect();
    let union = values::Union::of(all.iter().copied());
    let dir = |p: &str| format!("{chart}/{p}");
    let chart_yaml = chart::chart_yaml(&models.base, &chart, &mut out);
    out.file(dir("Chart.yaml"), chart_yaml);
    out.file(dir(".helmignore"), chart::helmignore());
    for (path, text) in values_files(models, &chart, &union, &base, &envs, &mut out) {
        out.file(dir(&path), text);
    }
    let schema = schema::schema(&chart, &union, &all);
    out.file(dir("values.schema.json"), schema);
    for (path, text) in templates::files(&chart, &union.services) {
        out.file(dir(&path), text);
    }
    out.finish()
}

/// The values of the base and of each environment, read off the k8s
/// objects. Lowerings are reported for what k8s reports them for: the
/// environments, or the base when there are none.
fn build<'m>(
    models: &'m Models,
    out: &mut Output,
) -> (values::Built, Vec<(&'m Model, values::Built)>) {
    let mut base_report = Output::new(Target::Helm);
    let report = if models.envs.is_empty() {
        &mut *out
    } else {
        &mut base_report
    };
    let base = values::Built::new(&models.base, &k8s::objects(&models.base, report));
    let envs = models
        .envs
        .iter()
        .map(|m| (m, values::Built::new(m, &k8s::objects(m, out))))
        .collect();
    (base, envs)
}

/// `values.yaml` and one `values-<env>.yaml` per environment.
fn values_files(
    models: &Models,
    chart: &str,
    union: &values::Union,
    base: &values::Built,
    envs: &[(&Model, values::Built)],
    out: &mut Output,
) -> Vec<(String, String)> {
    let base_tree = base.tree(union);
    let mut files = vec![(
        "values.yaml".to_string(),
        values_file::base(&models.base, chart, &base_tree),
    )];
    for (m, built) in envs {
        note_stack_changes(&models.base, m, out);
        let tree = diff::inherit_disabled(built.tree(union), &base_tree);
        let changes = diff::diff(&base_tree, &tree).unwrap_or_else(Yaml::map);
        let name = m.env_name().unwrap_or("base");
        let text = values_file::env(m, chart, &changes);
        files.push((format!("values-{name}.yaml"), text));
    }
    files
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
