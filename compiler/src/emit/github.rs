//! The GitHub Actions backend: every `pipeline` becomes a workflow.
//!
//! # Input and output
//!
//! Input: the base model (its pipelines, services and secrets) and the
//! environments' models (what a deploy step applies, where an environment
//! answers). Output: `.github/workflows/<pipeline>.yml` per pipeline, so
//! `stackc emit --target github --out .` writes them where GitHub reads
//! them.
//!
//! # What a workflow holds
//!
//! * `on`: `push`/`pull_request` with their filters, `release` with its
//!   event types, `workflow_dispatch` for `manual` with its `inputs`,
//!   `schedule`, and `workflow_run` for `after` (jobs that start the run
//!   then also require the other workflow's success);
//! * `permissions`: none at the workflow level; per job, what its steps
//!   need (`contents: read` to check out, `packages: write` to push to
//!   GHCR with the workflow token) and, of the pipeline's `permissions`
//!   block, the read scopes, and the write scopes for jobs that run
//!   scripts (whose needs stackc cannot see);
//! * `defaults.run` (`shell: bash`, the pipeline's `working_dir`),
//!   `concurrency`, `env`;
//! * jobs with `needs`, `if`, `strategy.matrix`, `timeout-minutes`, `outputs`,
//!   `environment` (with the environment's `url`; an `approval`
//!   environment says in a comment that the approval is its protection
//!   rule), and the steps of [`steps`].
//!
//! Secrets appear only as `${{ secrets.NAME }}` (the secret's `env_name`);
//! expressions reach scripts only through `env:` (no template injection);
//! every action is pinned to a commit ([`pins`]), its version in a comment.

pub mod pins;
mod steps;

use super::output::hash_header;
use super::yaml::{self, Yaml};
use super::{Models, Output};
use crate::model::pipeline::{
    Input, InputType, Job, Permission, Pipeline, RefFilter, ReleaseEvent, StepKind,
};
use crate::model::{EnvValue, Model};
use indexmap::IndexMap;

/// Where GitHub reads workflows, relative to the repository root.
pub const WORKFLOW_DIR: &str = ".github/workflows";

/// Runs the GitHub Actions backend.
pub fn emit(models: &Models, mut out: Output) -> Output {
    if models.base.pipelines.is_empty() {
        out.note("the stack declares no `pipeline`; no workflow to write");
    }
    for (name, p) in &models.base.pipelines {
        let mut cx = Cx {
            models,
            pipeline: p,
            out: &mut out,
        };
        let (doc, comments) = cx.workflow(name);
        let mut text = hash_header();
        if let Some(d) = &p.name {
            text.push_str(&format!("# Pipeline `{name}` ({d}).\n"));
        }
        text.push_str(&yaml::to_string(&doc));
        let text = annotate(text, &comments);
        out.file(format!("{WORKFLOW_DIR}/{name}.yml"), text);
        out.exact += 1;
    }
    out.finish()
}

/// What lowering one pipeline needs.
struct Cx<'a> {
    models: &'a Models,
    pipeline: &'a Pipeline,
    out: &'a mut Output,
}

/// A comment line put above the line `job`'s `key:` starts (the YAML tree
/// holds no comments).
struct JobComment {
    job: String,
    key: &'static str,
    text: String,
}

impl Cx<'_> {
    fn workflow(&mut self, name: &str) -> (Yaml, Vec<JobComment>) {
        let p = self.pipeline;
        let mut wf = Yaml::map();
        wf.insert("name", Yaml::str(p.name.as_deref().unwrap_or(name)));
        wf.insert("on", self.triggers());
        if let Some(c) = &p.concurrency {
            wf.insert(
                "concurrency",
                Yaml::map()
                    .with("group", Yaml::str(&c.group))
                    .with("cancel-in-progress", Yaml::Bool(c.cancel_in_progress)),
            );
        }
        wf.insert("permissions", self.declared_permissions());
        if !p.env.is_empty() {
            wf.insert("env", self.env_map(&p.env, p.span));
        }
        let mut run = Yaml::map().with("shell", Yaml::lit("bash"));
        if let Some(d) = &p.working_dir {
            run.insert("working-directory", Yaml::str(d));
        }
        wf.insert("defaults", Yaml::map().with("run", run));
        let mut jobs = Yaml::map();
        let mut comments = Vec::new();
        for (id, job) in &p.jobs {
            jobs.push_entry(id.clone(), self.job(id, job, &mut comments));
        }
        if let Some(listed) = &p.permissions {
            for (scope, access) in listed.scopes() {
                let given = match &jobs {
                    Yaml::Map(js) => js
                        .iter()
                        .any(|(_, j)| j.get("permissions").and_then(|p| p.get(scope)).is_some()),
                    _ => false,
                };
                if !given && access != Permission::None {
                    self.out.note(format!(
                        "pipeline `{name}`: no job is given `{scope}: {}`: none of its steps needs it (jobs get only what they use)",
                        permission_name(access)
                    ));
                }
            }
        }
        wf.insert("jobs", jobs);
        (wf, comments)
    }

    fn triggers(&self) -> Yaml {
        let on = &self.pipeline.on;
        let mut y = Yaml::map();
        if let Some(f) = &on.push {
            y.insert("push", ref_filter(f, true));
        }
        if let Some(f) = &on.pull_request {
            y.insert("pull_request", ref_filter(f, false));
        }
        if let Some(events) = on.release.as_ref().filter(|e| !e.is_empty()) {
            let types = events
                .iter()
                .map(|e| Yaml::lit(release_event(*e)))
                .collect();
            y.insert("release", Yaml::map().with("types", Yaml::Seq(types)));
        }
        if on.manual || !on.inputs.is_empty() {
            let mut inputs = Yaml::map();
            for (name, i) in &on.inputs {
                inputs.push_entry(name.clone(), input(i));
            }
            let mut d = Yaml::map();
            if !inputs.is_empty() {
                d.insert("inputs", inputs);
            }
            y.insert("workflow_dispatch", d);
        }
        if let Some(crons) = &on.schedule {
            let items = crons
                .iter()
                .map(|c| Yaml::map().with("cron", Yaml::str(c)))
                .collect();
            y.insert("schedule", Yaml::Seq(items));
        }
        if let Some(after) = &on.after {
            let names = after
                .iter()
                .map(|a| {
                    let other = self.models.base.pipelines.get(a);
                    Yaml::str(other.and_then(|o| o.name.as_deref()).unwrap_or(a))
                })
                .collect();
            y.insert(
                "workflow_run",
                Yaml::map()
                    .with("workflows", Yaml::Seq(names))
                    .with("types", Yaml::Seq(vec![Yaml::lit("completed")])),
            );
        }
        y
    }

    /// The workflow level grants nothing; each job asks for its own.
    fn declared_permissions(&self) -> Yaml {
        Yaml::map()
    }

    /// A job's permissions: what its steps need (`contents: read` to check
    /// out, `packages: write` to push to GHCR with the workflow token); of
    /// a listed `permissions` block, the read scopes, and the write scopes
    /// for jobs with scripts (whose needs stackc cannot see). The rules
    /// reject a need the listing does not grant.
    fn job_permissions(&mut self, job: &Job) -> Yaml {
        let needs = job_needs(&self.models.base, job);
        let mut y = Yaml::map();
        let Some(listed) = &self.pipeline.permissions else {
            for (scope, access) in needs {
                y.insert(scope, Yaml::lit(access));
            }
            return y;
        };
        let scripts = job
            .steps
            .iter()
            .any(|s| matches!(s.kind, StepKind::Run { .. }));
        for (scope, access) in listed.scopes() {
            let needed = needs.iter().any(|(s, _)| *s == scope);
            let give = match access {
                Permission::None => false,
                Permission::Read => true,
                Permission::Write => needed || scripts,
            };
            if give {
                y.insert(scope, Yaml::lit(permission_name(access)));
            }
        }
        for (scope, access) in needs {
            if y.get(scope).is_none() && listed.scopes().iter().all(|(s, _)| *s != scope) {
                y.insert(scope, Yaml::lit(access));
            }
        }
        y
    }

    fn job(&mut self, id: &str, job: &Job, comments: &mut Vec<JobComment>) -> Yaml {
        let mut y = Yaml::map();
        y.insert("name", Yaml::str(job.name.as_deref().unwrap_or(id)));
        y.insert("runs-on", Yaml::str(&job.runs_on));
        if let Some(needs) = job.needs.as_ref().filter(|n| !n.is_empty()) {
            y.insert("needs", Yaml::Seq(needs.iter().map(Yaml::str).collect()));
        }
        if let Some(cond) = self.job_condition(job) {
            y.insert("if", Yaml::str(cond));
        }
        let perms = self.job_permissions(job);
        y.insert("permissions", perms);
        if let Some(env) = &job.environment {
            y.insert("environment", self.environment(env));
            if self
                .env_model(env)
                .is_some_and(|m| m.environment.as_ref().is_some_and(|e| e.approval))
            {
                comments.push(JobComment {
                    job: id.to_string(),
                    key: "environment",
                    text: format!(
                        "Approval: `{env}` requires a reviewer; set it as this environment's protection rule (Settings → Environments → {env} → Required reviewers)."
                    ),
                });
            }
        }
        y.insert(
            "timeout-minutes",
            Yaml::Int(job.timeout.seconds_ceil().div_ceil(60).max(1) as i64),
        );
        let mut m = Yaml::map();
        for (k, vs) in &job.matrix {
            m.insert(k.clone(), Yaml::Seq(vs.iter().map(Yaml::str).collect()));
        }
        if let Some(include) = steps::service_matrix(&self.models.base, job) {
            m.insert("include", include);
        }
        if !m.is_empty() {
            y.insert(
                "strategy",
                Yaml::map()
                    .with("fail-fast", Yaml::Bool(job.fail_fast))
                    .with("matrix", m),
            );
        }
        if !job.outputs.is_empty() {
            let mut o = Yaml::map();
            for (k, v) in &job.outputs {
                o.insert(k.clone(), Yaml::str(v));
            }
            y.insert("outputs", o);
        }
        if !job.env.is_empty() {
            y.insert("env", self.env_map(&job.env, job.span));
        }
        let steps = steps::expand(self, job);
        y.insert("steps", Yaml::Seq(steps));
        y
    }

    /// The job's `if`, and for pipelines started `after` another one, the
    /// other run's success on jobs that need no other job.
    fn job_condition(&self, job: &Job) -> Option<String> {
        let after = self
            .pipeline
            .on
            .after
            .as_ref()
            .is_some_and(|a| !a.is_empty());
        let root = job.needs.as_ref().is_none_or(|n| n.is_empty());
        let success = "github.event_name != 'workflow_run' || github.event.workflow_run.conclusion == 'success'";
        match (&job.if_, after && root) {
            (Some(c), true) => Some(format!("({c}) && ({success})")),
            (Some(c), false) => Some(c.clone()),
            (None, true) => Some(success.to_string()),
            (None, false) => None,
        }
    }

    fn environment(&self, env: &str) -> Yaml {
        let mut y = Yaml::map().with("name", Yaml::str(env));
        if let Some(url) = self
            .env_model(env)
            .and_then(|m| m.environment.as_ref())
            .and_then(|e| e.url.as_deref())
        {
            y.insert("url", Yaml::str(url));
        }
        y
    }

    /// Whether the pipeline runs on tag pushes or releases, which usually
    /// publish: its toolchain caches stay off there, so a cache another
    /// run poisoned cannot reach a release.
    pub(crate) fn publishes(&self) -> bool {
        let on = &self.pipeline.on;
        let tags = on
            .push
            .as_ref()
            .and_then(|p| p.tags.as_ref())
            .is_some_and(|t| !t.is_empty());
        tags || on.release.as_ref().is_some_and(|r| !r.is_empty())
    }

    /// The model of environment `env`.
    fn env_model(&self, env: &str) -> Option<&Model> {
        self.models.envs.iter().find(|m| m.env_name() == Some(env))
    }

    /// `env:` of a pipeline, job or step: literals, config values and
    /// secrets as `${{ secrets.NAME }}`.
    fn env_map(&mut self, env: &IndexMap<String, EnvValue>, at: crate::source::Span) -> Yaml {
        let mut y = Yaml::map();
        for (k, v) in env {
            let base = &self.models.base;
            let value = match v {
                EnvValue::Literal(s) => Some(s.clone()),
                EnvValue::Secret { secret } => Some(secret_expr(base, secret)),
                EnvValue::ConfigKey { config, key } => {
                    base.configs.get(config).and_then(|c| c.get(key)).cloned()
                }
                EnvValue::Interp { .. } => {
                    self.out.dropped(
                        at,
                        None,
                        "env",
                        format!("`{k}` names a service's address, which a CI runner cannot reach; left out"),
                    );
                    None
                }
            };
            if let Some(value) = value {
                y.insert(k.clone(), Yaml::str(value));
            }
        }
        y
    }
}

/// `${{ secrets.NAME }}` for a secret of the stack (its `env_name`).
pub(crate) fn secret_expr(m: &Model, secret: &str) -> String {
    let name = m
        .secrets
        .get(secret)
        .map_or_else(|| secret.to_ascii_uppercase(), |s| s.env_name.clone());
    format!("${{{{ secrets.{name} }}}}")
}

fn ref_filter(f: &RefFilter, push: bool) -> Yaml {
    let mut y = Yaml::map();
    let list = |v: &Vec<String>| Yaml::Seq(v.iter().map(Yaml::str).collect());
    if let Some(b) = &f.branches {
        y.insert("branches", list(b));
    }
    if push {
        if let Some(t) = &f.tags {
            y.insert("tags", list(t));
        }
    }
    if let Some(p) = &f.paths {
        y.insert("paths", list(p));
    }
    if let Some(p) = &f.paths_ignore {
        y.insert("paths-ignore", list(p));
    }
    y
}

fn release_event(e: ReleaseEvent) -> &'static str {
    match e {
        ReleaseEvent::Published => "published",
        ReleaseEvent::Created => "created",
        ReleaseEvent::Released => "released",
        ReleaseEvent::Prereleased => "prereleased",
        ReleaseEvent::Edited => "edited",
    }
}

/// A `workflow_dispatch` input.
fn input(i: &Input) -> Yaml {
    let mut y = Yaml::map();
    if let Some(d) = &i.description {
        y.insert("description", Yaml::str(d));
    }
    let ty = match i.ty {
        InputType::String => "string",
        InputType::Boolean => "boolean",
        InputType::Number => "number",
        InputType::Choice => "choice",
        InputType::Environment => "environment",
    };
    y.insert("type", Yaml::lit(ty));
    y.insert("required", Yaml::Bool(i.required));
    if let Some(d) = &i.default {
        let v = match (i.ty, d.as_str()) {
            (InputType::Boolean, "true") => Yaml::Bool(true),
            (InputType::Boolean, "false") => Yaml::Bool(false),
            (InputType::Number, n) => n.parse::<i64>().map_or_else(|_| Yaml::str(n), Yaml::Int),
            _ => Yaml::str(d),
        };
        y.insert("default", v);
    }
    if let Some(o) = &i.options {
        y.insert("options", Yaml::Seq(o.iter().map(Yaml::str).collect()));
    }
    y
}

fn permission_name(p: Permission) -> &'static str {
    match p {
        Permission::Read => "read",
        Permission::Write => "write",
        Permission::None => "none",
    }
}

/// What a job's steps need of the workflow token: `contents: read` to
/// check out, `packages: write` to push to GHCR with the token.
pub(crate) fn job_needs(base: &Model, job: &Job) -> Vec<(&'static str, &'static str)> {
    let mut y = Vec::new();
    let checks_out = job
        .steps
        .iter()
        .any(|s| matches!(s.kind, StepKind::Checkout { .. }));
    if checks_out {
        y.push(("contents", "read"));
    }
    let pushes_with_token = job.steps.iter().any(|s| match &s.kind {
        StepKind::DockerBuild {
            services,
            push: true,
            registry_password: None,
            ..
        } => services
            .iter()
            .any(|svc| steps::registry_of(base, svc).as_deref() == Some("ghcr.io")),
        _ => false,
    });
    if pushes_with_token {
        y.push(("packages", "write"));
    }
    y
}

/// Puts the version beside every pinned `uses:` (`@<sha> # v1.2.3`) and the
/// job comments above their keys.
fn annotate(text: String, comments: &[JobComment]) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut job: Option<&str> = None;
    let mut in_jobs = false;
    for line in text.lines() {
        if line == "jobs:" {
            in_jobs = true;
        } else if in_jobs && line.starts_with("  ") && !line.starts_with("   ") {
            job = line.trim().strip_suffix(':');
        }
        if let (Some(j), Some(key)) = (job, line.strip_prefix("    ")) {
            for c in comments.iter().filter(|c| c.job == j) {
                if key.starts_with(&format!("{}:", c.key)) {
                    out.push_str("    # ");
                    out.push_str(&c.text);
                    out.push('\n');
                }
            }
        }
        out.push_str(line);
        if line == "  workflow_run:" {
            out.push_str(" # zizmor: ignore[dangerous-triggers] `after`: runs the default branch's own code once the other pipeline succeeded; nothing of the triggering run is checked out or read");
        }
        if let Some(pin) = pins::ALL.iter().find(|p| line.ends_with(&p.uses())) {
            out.push_str(" # ");
            out.push_str(pin.version);
        }
        out.push('\n');
    }
    out
}
