//! The Docker Compose backend: models → `compose.yaml`, one
//! `compose.<env>.yaml` override per environment, and `.env.example`.
//!
//! # Input and output
//!
//! Input: the [`Models`] (the base and the selected environments). Output:
//!
//! * `compose.yaml`, the base model as a complete Compose project;
//! * `compose.<env>.yaml` for each environment, holding only what that
//!   environment changes, so that
//!   `docker compose -f compose.yaml -f compose.<env>.yaml up` runs exactly
//!   the environment's model;
//! * `.env.example`, every variable the files read (the secrets), with a
//!   placeholder and a description, never a value.
//!
//! # How an override is computed
//!
//! Each model is lowered to a complete Compose document by the same code
//! (`document`), then `diff` computes the smallest override that Compose's
//! merge rules turn back into the environment's document: mappings merge key
//! by key (so `environment`, `labels`, `deploy` and `depends_on` are written
//! as mappings), a removed key becomes `!reset`, `command`/`entrypoint`/
//! `healthcheck.test` replace, the unique-resource lists (`ports`, `volumes`,
//! `secrets`) and the set-like lists (`expose`, `cap_add`, ...) get only
//! appended items when the environment only adds, and any other changed list
//! is written whole under `!override`. `docker compose config` on base +
//! override equals `config` on the environment's complete document
//! ([`env_document`]); the tests check exactly that.
//!
//! # Environments and profiles
//!
//! A service restricted with `environments = [dev]` is in `compose.yaml`
//! under `profiles: [dev]`, so plain `docker compose up` leaves it out, and
//! `compose.dev.yaml` enables it with `profiles: !reset []`. Overrides of
//! environments that skip it leave it untouched (still gated).
//!
//! # Secrets and variables
//!
//! A secret referenced in `env` becomes `${ENV_NAME:?…}`: Compose reads it
//! from the process environment or from `.env` beside `compose.yaml`, and
//! refuses to start while it is unset. A `file = true` secret becomes a
//! top-level Compose secret with `environment: ENV_NAME` as its source,
//! mounted at `/run/secrets/<name>` in every service that references it; the
//! variable that references it holds that path (the `*_FILE` convention).
//! Validation therefore needs a `.env`: copy `.env.example` to `.env` (its
//! placeholders are non-empty). Every other `$` in a value is written `$$`,
//! so no user text is ever interpolated. Config keys are inlined as literals;
//! `${svc.host}` is the service name (an external service's host) and
//! `${svc.port.NAME}` the container port (an external service's port).
//!
//! # Lowering report
//!
//! Everything lowered exactly is counted once per (service, feature) in
//! `out.exact`; everything else is an approximated or dropped lowering at
//! the source span (`report`), reported for the base and again for an
//! environment only where it differs.

mod diff;
mod document;
mod dotenv;
mod health;
mod report;
mod service;
mod values;

use super::output::hash_header;
use super::yaml::{self, Yaml};
use super::{Models, Output};
use crate::model::Model;
use document::{Built, ServiceDoc};
use report::Findings;

/// Runs the Compose backend.
pub fn emit(models: &Models, mut out: Output) -> Output {
    let mut base_findings = Findings::default();
    let base = document::build(&models.base, &mut base_findings);
    let base_doc = document::assemble(&models.base, &base.all());
    out.file(
        "compose.yaml",
        render(&base_header(models, &base), &base_doc),
    );
    let mut env_findings = Vec::new();
    let mut uses = base.uses.clone();
    for m in &models.envs {
        let mut findings = Findings::default();
        let mut built = document::build(m, &mut findings);
        let doc = assemble_env(m, &base, &mut built);
        let name = m.env_name().unwrap_or_default();
        out.file(
            format!("compose.{name}.yaml"),
            render(&env_header(name, &built), &diff::overrides(&base_doc, &doc)),
        );
        uses.extend(built.uses.iter().cloned());
        env_findings.push((name.to_string(), findings));
    }
    out.file(".env.example", dotenv::render(&models.base, &uses));
    notes(&mut out, models, &base);
    report::finish(&mut out, base_findings, env_findings);
    out.finish()
}

/// The complete Compose document of one model as Compose sees it after
/// merging `compose.yaml` with the model's override: the model's services,
/// plus the base's definitions of the services the environment skips
/// (still gated by their profiles). For the base model, `compose.yaml`.
/// Tests compare `docker compose config` of this with base + override.
pub fn env_document(models: &Models, model: &Model) -> String {
    let base = document::build(&models.base, &mut Findings::default());
    let built = document::build(model, &mut Findings::default());
    let services = if model.environment.is_some() {
        effective(&base, &built, model)
    } else {
        built.all()
    };
    render(&hash_header(), &document::assemble(model, &services))
}

/// The services the merged project holds for an environment: the
/// environment's own, and the base's for the services it skips, in base
/// order; services only the environment runs come last.
/// The environment's document: [`effective`] services, whose documents
/// are moved out of `env` (which is dropped next) instead of copied.
fn assemble_env(m: &Model, base: &Built, env: &mut Built) -> Yaml {
    let picks = picks(base, env, m);
    let mut count = vec![0u32; env.services.len()];
    for p in &picks {
        if let Pick::Env(i) = *p {
            count[i] += 1;
        }
    }
    let docs: Vec<Yaml> = picks
        .iter()
        .map(|p| match *p {
            Pick::Env(i) if count[i] == 1 => {
                std::mem::replace(&mut env.services[i].doc, Yaml::Null)
            }
            Pick::Env(i) => env.services[i].doc.clone(),
            Pick::Base(i) => base.services[i].doc.clone(),
        })
        .collect();
    let services: Vec<&ServiceDoc> = picks.iter().map(|p| p.of(base, env)).collect();
    document::assemble_docs(m, &services, docs)
}

/// A service of [`effective`]: its position in the base's or the
/// environment's services.
#[derive(Clone, Copy)]
enum Pick {
    Base(usize),
    Env(usize),
}

impl Pick {
    fn of<'a>(self, base: &'a Built, env: &'a Built) -> &'a ServiceDoc {
        match self {
            Pick::Base(i) => &base.services[i],
            Pick::Env(i) => &env.services[i],
        }
    }
}

fn effective<'a>(base: &'a Built, env: &'a Built, m: &Model) -> Vec<&'a ServiceDoc> {
    picks(base, env, m)
        .into_iter()
        .map(|p| p.of(base, env))
        .collect()
}

fn picks<'a>(base: &'a Built, env: &'a Built, m: &Model) -> Vec<Pick> {
    let by_name = |b: &'a Built| {
        b.services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect::<rustc_hash::FxHashMap<_, _>>()
    };
    let (in_base, in_env) = (by_name(base), by_name(env));
    let skipped: rustc_hash::FxHashSet<&str> =
        m.skipped_services.iter().map(String::as_str).collect();
    let mut list: Vec<Pick> = Vec::new();
    for (i, b) in base.services.iter().enumerate() {
        if let Some(&e) = in_env.get(b.name.as_str()) {
            list.push(Pick::Env(e));
        } else if skipped.contains(b.name.as_str()) {
            list.push(Pick::Base(i));
        }
    }
    list.extend(
        env.services
            .iter()
            .enumerate()
            .filter(|(_, e)| !in_base.contains_key(e.name.as_str()))
            .map(|(i, _)| Pick::Env(i)),
    );
    list
}

fn render(header: &str, doc: &Yaml) -> String {
    let mut text = String::from(header);
    yaml::write_document(&mut text, doc);
    text
}

fn base_header(models: &Models, base: &Built) -> String {
    let m = &models.base;
    let mut h = hash_header();
    h.push_str(&format!(
        "# Docker Compose project `{}`: the base model (no environment applied).\n",
        m.stack.name
    ));
    h.push_str("# Run: docker compose up   (secrets: copy .env.example to .env and fill it in)\n");
    if !models.envs.is_empty() {
        let names: Vec<&str> = models.envs.iter().filter_map(Model::env_name).collect();
        h.push_str(&format!(
            "# Environments: docker compose -f compose.yaml -f compose.<env>.yaml up   ({})\n",
            names.join(", ")
        ));
    }
    for line in &base.not_run {
        h.push_str(&format!("# Not run by Compose: {line}\n"));
    }
    h
}

fn env_header(env: &str, built: &Built) -> String {
    let mut h = format!(
        "{}# Environment `{env}`: only what differs from compose.yaml (Compose merge rules).\n\
         # Run: docker compose -f compose.yaml -f compose.{env}.yaml up\n",
        hash_header()
    );
    for line in &built.not_run {
        h.push_str(&format!("# Not run by Compose: {line}\n"));
    }
    h
}

/// Notes for things the lowering report cannot point at (no source span).
fn notes(out: &mut Output, models: &Models, base: &Built) {
    if base.relative_paths {
        out.note(
            "bind mounts and build contexts are relative to the directory of compose.yaml \
             (`stackc emit` rewrites them from the .stack file's directory)",
        );
    }
    for m in std::iter::once(&models.base).chain(&models.envs) {
        let Some(ns) = m.namespace() else { continue };
        if ns != m.stack.name {
            let env = m.env_name().map_or(String::new(), |e| format!(" (`{e}`)"));
            out.note(format!(
                "namespace `{ns}`{env} has no Compose equivalent; the project is named `{}`",
                m.stack.name
            ));
        }
    }
}
