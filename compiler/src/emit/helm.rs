//! Helm: one chart per stack, values per environment.
//!
//! Input: the [`Models`] (the base and the selected environments). Output,
//! under `<chart>/` (the stack name as a DNS label):
//!
//! * `Chart.yaml`: apiVersion v2, type application, `version` and
//!   `appVersion` = the stack's version (`chart.rs`);
//! * `values.yaml`: the base model in the `helm create` idiom, one key per
//!   service plus the chart-wide `configs` and `secrets` (`values.rs`,
//!   written by `values_file.rs`);
//! * `values-<env>.yaml`: ONLY what the environment changes: a tree diff of
//!   the environment's values against the base values, where a removed key
//!   is `null` (Helm deletes it) and lists are replaced whole (`diff.rs`);
//! * `values.schema.json`: the stack's types as JSON Schema, so that
//!   `helm install` rejects a bad value (`schema.rs`, written by
//!   `schema_file.rs`);
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
//!   backend's objects ([`crate::emit::k8s::service_objects`]) wherever a
//!   value is a Kubernetes structure (probes, resources, security
//!   contexts, strategy, volumes), so the two targets agree by
//!   construction.
//! * Time and memory are linear in the stack: the values files and the
//!   schema are built in one pass over the services, one service at a
//!   time (`build.rs`).
//! * User data never becomes template code: every string of the stack
//!   lives in the values (which Helm never evaluates); the templates are
//!   fixed text in `helm/templates/` plus names that are DNS labels, and
//!   the few strings baked into them are Go string literals
//!   (`templates::go_quote`).
//! * Secrets are references: by default the chart uses Secrets that exist
//!   (named as in every Kubernetes target); with `secrets.create=true` it
//!   creates them from values that are `required` and have no default.

mod build;
mod chart;
mod diff;
mod schema;
mod schema_file;
mod templates;
#[cfg(test)]
mod tests;
mod union;
pub(crate) mod values;
mod values_file;

pub use schema::{STDLIB_ENUMS, STDLIB_RANGES};
pub use values::{service_key, RESERVED_KEYS};

use super::k8s::k8s_name;
use super::output::Output;
use super::Models;
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

pub fn emit(models: &Models, mut out: Output) -> Output {
    let chart = chart_name(&models.base);
    if chart != models.base.stack.name {
        out.note(format!(
            "the chart is named `{chart}`: the stack name `{}` is not a DNS label, which Helm \
             wants of chart and release names (the instance label is the release name)",
            models.base.stack.name
        ));
    }
    let dir = |p: &str| format!("{chart}/{p}");
    let chart_yaml = chart::chart_yaml(&models.base, &chart, &mut out);
    out.file(dir("Chart.yaml"), chart_yaml);
    out.file(dir(".helmignore"), chart::helmignore());
    let built = build::build(models, &chart, &mut out);
    for (path, text) in built.files {
        out.file(dir(&path), text);
    }
    for (path, text) in templates::files(&chart, &built.services) {
        out.file(dir(&path), text);
    }
    out.finish()
}
