//! Stdlib steps → workflow steps.
//!
//! Each step kind of `stdlib/pipeline.stack` expands to one or more
//! workflow steps: pinned actions ([`super::pins`]) with their inputs, or
//! bash scripts. Scripts never contain `${{ … }}`: every value that comes
//! from an expression, a secret or the user reaches them through `env:`,
//! so nothing a pull request controls is pasted into a shell.
//!
//! Images and deployments are linked through the tag `sha-<commit>`: every
//! `docker_build` tags `sha-${{ github.sha }}` (metadata-action's long sha
//! tag), and a deploy in the same pipeline points the environment's
//! workloads at that tag.

use super::pins::{self, Pin};
use super::{secret_expr, Cx};
use crate::emit::yaml::Yaml;
use crate::model::pipeline::{
    DeployVia, Job, NodeCache, NotifyWhen, Severity, Step, StepKind, TagScheme,
};
use crate::model::{k8s_name, Model};

/// The workflow steps of `job`.
pub(super) fn expand(cx: &mut Cx, job: &Job) -> Vec<Yaml> {
    let mut out = Vec::new();
    let mut state = JobState::default();
    for (i, step) in job.steps.iter().enumerate() {
        let later = &job.steps[i + 1..];
        let earlier = &job.steps[..i];
        let first = out.len();
        lower(cx, step, earlier, later, &mut state, &mut out);
        // The pipeline's `working_dir` is for `run` steps; the scripts
        // stackc writes name paths from the repository root.
        if cx.pipeline.working_dir.is_some() && !matches!(step.kind, StepKind::Run { .. }) {
            for y in &mut out[first..] {
                if y.get("run").is_some() && y.get("working-directory").is_none() {
                    y.insert("working-directory", Yaml::lit("."));
                }
            }
        }
    }
    out
}

/// What earlier steps of a job already set up.
#[derive(Default)]
struct JobState {
    qemu: bool,
    buildx: bool,
    /// Registries logged in to (`None`: Docker Hub).
    logins: Vec<Option<String>>,
}

fn lower(
    cx: &mut Cx,
    step: &Step,
    earlier: &[Step],
    later: &[Step],
    state: &mut JobState,
    out: &mut Vec<Yaml>,
) {
    let named = |default: String| step.name.clone().unwrap_or(default);
    let base = &cx.models.base;
    match &step.kind {
        StepKind::Run {
            script,
            id,
            working_dir,
            shell,
            env,
            if_,
            continue_on_error,
        } => {
            let mut y = Yaml::map().with("name", Yaml::str(named("Run".into())));
            if let Some(i) = id {
                y.insert("id", Yaml::str(i));
            }
            if let Some(c) = if_ {
                y.insert("if", Yaml::str(c));
            }
            if !env.is_empty() {
                y.insert("env", cx.env_map(env, step.span));
            }
            if let Some(d) = working_dir {
                y.insert("working-directory", Yaml::str(d));
            }
            if let Some(s) = shell {
                y.insert("shell", Yaml::str(s));
            }
            if *continue_on_error {
                y.insert("continue-on-error", Yaml::Bool(true));
            }
            y.insert("run", Yaml::str(script_text(script)));
            out.push(y);
        }
        StepKind::Checkout {
            fetch_depth,
            submodules,
        } => {
            let mut with = Yaml::map();
            if *fetch_depth != 1 {
                with.insert("fetch-depth", Yaml::Int(i64::from(*fetch_depth)));
            }
            if *submodules {
                with.insert("submodules", Yaml::Bool(true));
            }
            // The token stays out of .git/config, where later steps (and
            // uploaded artifacts) could read it.
            with.insert("persist-credentials", Yaml::Bool(false));
            out.push(uses(named("Check out".into()), pins::CHECKOUT, with));
        }
        StepKind::Rust {
            toolchain,
            components,
            targets,
            cache,
            working_dir,
        } => {
            let mut cmd = String::from(
                "rustup toolchain install \"$TOOLCHAIN\" --profile minimal --no-self-update",
            );
            let mut env = Yaml::map().with("TOOLCHAIN", Yaml::str(toolchain));
            if let Some(c) = components.as_ref().filter(|c| !c.is_empty()) {
                cmd.push_str(" --component \"$COMPONENTS\"");
                env.insert("COMPONENTS", Yaml::str(c.join(",")));
            }
            if let Some(t) = targets.as_ref().filter(|t| !t.is_empty()) {
                cmd.push_str(" --target \"$TARGETS\"");
                env.insert("TARGETS", Yaml::str(t.join(",")));
            }
            cmd.push_str("\nrustup default \"$TOOLCHAIN\"\n");
            out.push(
                Yaml::map()
                    .with(
                        "name",
                        Yaml::str(named(format!("Install Rust {toolchain}"))),
                    )
                    .with("env", env)
                    .with("run", Yaml::str(cmd)),
            );
            if *cache && !no_cache(cx, step) {
                let mut with = Yaml::map();
                if let Some(d) = working_dir {
                    with.insert("workspaces", Yaml::str(d));
                }
                out.push(uses(
                    "Cache Rust dependencies".into(),
                    pins::RUST_CACHE,
                    with,
                ));
            }
        }
        StepKind::Node {
            version,
            cache,
            working_dir,
            install,
        } => {
            if *cache == Some(NodeCache::Pnpm) {
                // pnpm itself, at the version `packageManager` in
                // package.json names, before setup-node looks for its cache.
                let mut with = Yaml::map();
                if let Some(d) = working_dir {
                    with.insert("package_json_file", Yaml::str(format!("{d}/package.json")));
                }
                out.push(uses("Install pnpm".into(), pins::PNPM, with));
            }
            let mut with = Yaml::map().with("node-version", Yaml::str(version));
            if let Some(c) = cache.filter(|_| !no_cache(cx, step)) {
                let (name, lock) = match c {
                    NodeCache::Npm => ("npm", "package-lock.json"),
                    NodeCache::Pnpm => ("pnpm", "pnpm-lock.yaml"),
                    NodeCache::Yarn => ("yarn", "yarn.lock"),
                };
                with.insert("cache", Yaml::lit(name));
                with.insert(
                    "cache-dependency-path",
                    Yaml::str(in_dir(working_dir, lock)),
                );
            } else {
                // setup-node caches npm by itself when package.json names it.
                with.insert("package-manager-cache", Yaml::Bool(false));
            }
            out.push(uses(
                named(format!("Set up Node.js {version}")),
                pins::SETUP_NODE,
                with,
            ));
            if *install {
                let cmd = match cache {
                    Some(NodeCache::Pnpm) => "pnpm install --frozen-lockfile",
                    Some(NodeCache::Yarn) => "yarn install --frozen-lockfile",
                    Some(NodeCache::Npm) | None => "npm ci",
                };
                let mut y = Yaml::map().with("name", Yaml::lit("Install dependencies"));
                if let Some(d) = working_dir {
                    y.insert("working-directory", Yaml::str(d));
                }
                y.insert("run", Yaml::lit(cmd));
                out.push(y);
            }
        }
        StepKind::Python {
            version,
            cache,
            requirements,
        } => {
            let mut with = Yaml::map().with("python-version", Yaml::str(version));
            // setup-python's pip cache keys on a requirements file and fails
            // without one.
            if let Some(r) = requirements
                .as_ref()
                .filter(|_| *cache && !no_cache(cx, step))
            {
                with.insert("cache", Yaml::lit("pip"));
                with.insert("cache-dependency-path", Yaml::str(r));
            }
            out.push(uses(
                named(format!("Set up Python {version}")),
                pins::SETUP_PYTHON,
                with,
            ));
            if let Some(r) = requirements {
                out.push(
                    Yaml::map()
                        .with("name", Yaml::lit("Install requirements"))
                        .with("env", Yaml::map().with("REQUIREMENTS", Yaml::str(r)))
                        .with(
                            "run",
                            Yaml::lit("python -m pip install -r \"$REQUIREMENTS\"\n"),
                        ),
                );
            }
        }
        StepKind::Dotnet { version } => {
            let with = Yaml::map().with("dotnet-version", Yaml::str(version));
            out.push(uses(
                named(format!("Set up .NET {version}")),
                pins::SETUP_DOTNET,
                with,
            ));
        }
        StepKind::DockerBuild {
            services, matrix, ..
        } => {
            let scanned_here = !matrix
                && later.iter().any(|s| {
                    matches!(&s.kind, StepKind::Scan { service: x, .. } if services.contains(x))
                });
            docker_build(cx, step, scanned_here, state, out);
        }
        StepKind::Scan {
            service,
            severity,
            fail,
        } => {
            let built_here = earlier.iter().any(|s| {
                matches!(&s.kind, StepKind::DockerBuild { services: x, matrix: false, .. } if x.contains(service))
            });
            let image = match (built_here, repository(base, service)) {
                (true, Some(repo)) => format!("{repo}:sha-${{{{ github.sha }}}}"),
                _ => base
                    .services
                    .get(service)
                    .and_then(|s| s.image_ref.as_ref())
                    .map_or_else(|| service.clone(), |r| r.reference.clone()),
            };
            let sev: Vec<&str> = severity.iter().map(|s| severity_name(*s)).collect();
            let with = Yaml::map()
                .with("image-ref", Yaml::str(image))
                .with("severity", Yaml::str(sev.join(",")))
                .with("exit-code", Yaml::lit(if *fail { "1" } else { "0" }))
                .with("format", Yaml::lit("table"));
            out.push(uses(
                named(format!("Scan {service} image")),
                pins::TRIVY,
                with,
            ));
        }
        StepKind::Deploy {
            environment,
            via,
            kubeconfig,
            wait,
        } => {
            out.push(kubeconfig_step(base, environment, kubeconfig, None));
            let Some(m) = cx.env_model(environment) else {
                return;
            };
            let built = built_services(cx);
            let script = deploy_script(m, *via, &built, wait.seconds_ceil());
            out.push(
                Yaml::map()
                    .with("name", Yaml::str(named(format!("Deploy to {environment}"))))
                    .with("env", kubeconfig_env())
                    .with("run", Yaml::str(script)),
            );
        }
        StepKind::HealthCheck {
            environment,
            url,
            service,
            retries,
            interval,
        } => {
            let env = cx.env_model(environment);
            let url = url.clone().or_else(|| {
                env.and_then(|m| m.environment.as_ref())
                    .and_then(|e| e.url.clone())
            });
            let Some(mut url) = url else {
                // The rules reject a health check without a URL.
                return;
            };
            if let Some(path) = service
                .as_ref()
                .and_then(|s| env.and_then(|m| m.services.get(s)))
                .and_then(|s| s.readiness.as_ref().or(s.health.as_ref()))
                .and_then(|p| p.http.as_deref())
            {
                url = format!(
                    "{}/{}",
                    url.trim_end_matches('/'),
                    path.trim_start_matches('/')
                );
            }
            let script = format!(
                "curl --fail --silent --show-error --location --output /dev/null \\\n  --retry {retries} --retry-delay {} --retry-all-errors --max-time 10 \\\n  \"$URL\"\necho \"$URL answers\"\n",
                interval.seconds_ceil().max(1)
            );
            out.push(
                Yaml::map()
                    .with(
                        "name",
                        Yaml::str(named(format!("Health check ({environment})"))),
                    )
                    .with("env", Yaml::map().with("URL", Yaml::str(url)))
                    .with("run", Yaml::str(script)),
            );
        }
        StepKind::Rollback {
            environment,
            kubeconfig,
            via,
        } => {
            let has_kubeconfig = earlier.iter().any(
                |s| matches!(&s.kind, StepKind::Deploy { environment: e, .. } if e == environment),
            );
            if !has_kubeconfig {
                out.push(kubeconfig_step(
                    base,
                    environment,
                    kubeconfig,
                    Some("failure()"),
                ));
            }
            let Some(m) = cx.env_model(environment) else {
                return;
            };
            out.push(
                Yaml::map()
                    .with("name", Yaml::str(named(format!("Roll back {environment}"))))
                    .with("if", Yaml::lit("failure()"))
                    .with("env", kubeconfig_env())
                    .with("run", Yaml::str(rollback_script(m, *via))),
            );
        }
        StepKind::Stackc {
            version,
            path,
            deny_warnings,
            emit_check,
        } => {
            let version = version
                .clone()
                .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string());
            let mut env = Yaml::map()
                .with("STACKC_VERSION", Yaml::str(&version))
                .with("STACK", Yaml::str(path));
            let mut script =
                String::from("cargo install --locked --version \"$STACKC_VERSION\" stackc\n");
            script.push_str("stackc check --format github");
            if *deny_warnings {
                script.push_str(" --deny warnings");
            }
            script.push_str(" \"$STACK\"\n");
            if *emit_check {
                env.insert(
                    "DEPLOY_DIR",
                    Yaml::str(base.stack.deploy_dir.trim_end_matches('/')),
                );
                script.push_str(
                    "stackc emit \"$STACK\" --target all --out \"$DEPLOY_DIR\" --check\n",
                );
            }
            out.push(
                Yaml::map()
                    .with("name", Yaml::str(named("stackc check".into())))
                    .with("env", env)
                    .with("run", Yaml::str(script)),
            );
        }
        StepKind::Notify {
            webhook,
            when,
            message,
        } => {
            let cond = match when {
                NotifyWhen::Always => "always()",
                NotifyWhen::Success => "success()",
                NotifyWhen::Failure => "failure()",
            };
            let text = message.clone().unwrap_or_else(|| {
                "${{ github.workflow }}: ${{ job.status }} (${{ github.ref_name }} at ${{ github.sha }})".into()
            });
            let script = "payload=\"$(jq --null-input --arg text \"$MESSAGE\" '{text: $text}')\"\ncurl --fail --silent --show-error --request POST \\\n  --header 'Content-Type: application/json' --data \"$payload\" \"$WEBHOOK_URL\"\n";
            out.push(
                Yaml::map()
                    .with("name", Yaml::str(named("Notify".into())))
                    .with("if", Yaml::lit(cond))
                    .with(
                        "env",
                        Yaml::map()
                            .with("WEBHOOK_URL", Yaml::str(secret_expr(base, webhook)))
                            .with("MESSAGE", Yaml::str(text)),
                    )
                    .with("run", Yaml::lit(script)),
            );
        }
    }
}

/// Whether a toolchain step's cache stays off because the pipeline
/// publishes (reported as approximated).
fn no_cache(cx: &mut Cx, step: &Step) -> bool {
    if !cx.publishes() {
        return false;
    }
    cx.out.approximated(
        step.span,
        None,
        "cache",
        "no dependency cache in a pipeline that runs on tags or releases: a cache poisoned by another run could reach a release",
    );
    true
}

/// A step that uses a pinned action.
fn uses(name: String, pin: Pin, with: Yaml) -> Yaml {
    let mut y = Yaml::map()
        .with("name", Yaml::str(name))
        .with("uses", Yaml::str(pin.uses()));
    if !with.is_empty() {
        y.insert("with", with);
    }
    y
}

/// A script as written, ending with one newline (a block scalar).
fn script_text(s: &str) -> String {
    let mut t = s.trim_end_matches('\n').to_string();
    t.push('\n');
    t
}

fn in_dir(dir: &Option<String>, file: &str) -> String {
    match dir.as_deref().map(|d| d.trim_end_matches('/')) {
        Some(d) if !d.is_empty() && d != "." => format!("{d}/{file}"),
        _ => file.to_string(),
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
    }
}

/// The image repository of `service` (registry host and path, no tag).
fn repository(m: &Model, service: &str) -> Option<String> {
    m.services
        .get(service)
        .and_then(|s| s.image_ref.as_ref())
        .map(|r| r.repository.clone())
}

/// The registry host of a service's image: the first path component when
/// it looks like a host (has `.` or `:`, or is `localhost`), else Docker
/// Hub (`None`).
pub(super) fn registry_of(m: &Model, service: &str) -> Option<String> {
    let repo = repository(m, service)?;
    let (first, rest) = repo.split_once('/')?;
    let host = first.contains('.') || first.contains(':') || first == "localhost";
    (host && !rest.is_empty()).then(|| first.to_string())
}

/// The services this pipeline pushes (so its deploys use the new tag).
fn built_services(cx: &Cx) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for job in cx.pipeline.jobs.values() {
        for s in &job.steps {
            for service in s.kind.pushed_services() {
                if !v.contains(service) {
                    v.push(service.clone());
                }
            }
        }
    }
    v
}

/// What `docker_build` reads of one service: every value is a literal,
/// or for a matrix over services, `${{ matrix.KEY }}` of its entry.
struct BuildInputs {
    service: String,
    image: String,
    context: String,
    file: Option<String>,
    target: Option<String>,
    build_args: Option<String>,
    platforms: String,
    /// Whether any platform needs emulation.
    emulated: bool,
    registry: Option<String>,
}

/// The inputs of one service's build, or `None` when it has no `build`
/// (the rules reject that).
fn build_inputs(
    base: &Model,
    service: &str,
    platforms: &Option<Vec<String>>,
) -> Option<BuildInputs> {
    let svc = base.services.get(service)?;
    let (Some(build), Some(image)) = (&svc.build, repository(base, service)) else {
        return None;
    };
    let platforms: Vec<String> = platforms
        .clone()
        .or_else(|| build.platforms.clone())
        .unwrap_or_else(|| vec!["linux/amd64".into()]);
    let context = build.context.trim_end_matches('/');
    let context = if context.is_empty() { "." } else { context }.to_string();
    let args: Vec<String> = build.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Some(BuildInputs {
        service: service.to_string(),
        image,
        file: build
            .dockerfile
            .as_ref()
            .map(|f| in_dir(&Some(context.clone()), f)),
        context,
        target: build.target.clone(),
        build_args: (!args.is_empty()).then(|| lines(&args)),
        emulated: platforms.iter().any(|p| p != "linux/amd64"),
        platforms: platforms.join(","),
        registry: registry_of(base, service),
    })
}

/// `strategy.matrix.include` for a job whose `docker_build` lists
/// `services`: one entry per service with what its build reads.
pub(super) fn service_matrix(base: &Model, job: &Job) -> Option<Yaml> {
    let (services, platforms) = job.steps.iter().find_map(|s| match &s.kind {
        StepKind::DockerBuild {
            services,
            matrix: true,
            platforms,
            ..
        } => Some((services, platforms)),
        _ => None,
    })?;
    let all: Vec<BuildInputs> = services
        .iter()
        .filter_map(|svc| build_inputs(base, svc, platforms))
        .collect();
    // Optional keys only when some service has them (an empty value is
    // the action's default).
    let file = all.iter().any(|b| b.file.is_some());
    let target = all.iter().any(|b| b.target.is_some());
    let args = all.iter().any(|b| b.build_args.is_some());
    let entries = all
        .into_iter()
        .map(|b| {
            let mut y = Yaml::map()
                .with("service", Yaml::str(b.service))
                .with("image", Yaml::str(b.image))
                .with("context", Yaml::str(b.context));
            if file {
                y.insert("file", Yaml::str(b.file.unwrap_or_default()));
            }
            if target {
                y.insert("target", Yaml::str(b.target.unwrap_or_default()));
            }
            if args {
                y.insert("build-args", Yaml::str(b.build_args.unwrap_or_default()));
            }
            y.with("platforms", Yaml::str(b.platforms))
        })
        .collect();
    Some(Yaml::Seq(entries))
}

fn docker_build(
    cx: &mut Cx,
    step: &Step,
    scanned_here: bool,
    state: &mut JobState,
    out: &mut Vec<Yaml>,
) {
    let StepKind::DockerBuild {
        services,
        matrix,
        push,
        platforms,
        tags,
        registry_user,
        registry_password,
        cache,
    } = &step.kind
    else {
        return;
    };
    let base = &cx.models.base;
    let mut all: Vec<BuildInputs> = services
        .iter()
        .filter_map(|s| build_inputs(base, s, platforms))
        .collect();
    if all.is_empty() {
        // The rules reject a build of a service without `build`.
        return;
    }
    let emulated = all.iter().any(|b| b.emulated);
    let registry = all[0].registry.clone();
    if all.iter().any(|b| b.registry != registry) {
        cx.out.approximated(
            step.span,
            None,
            "services",
            "the services push to different registries; the job logs in to the first one's only",
        );
    }
    let m = |key: &str| format!("${{{{ matrix.{key} }}}}");
    let b = if *matrix {
        BuildInputs {
            service: m("service"),
            image: m("image"),
            context: m("context"),
            file: all.iter().any(|b| b.file.is_some()).then(|| m("file")),
            target: all.iter().any(|b| b.target.is_some()).then(|| m("target")),
            build_args: all
                .iter()
                .any(|b| b.build_args.is_some())
                .then(|| m("build-args")),
            platforms: m("platforms"),
            emulated,
            registry: registry.clone(),
        }
    } else {
        all.swap_remove(0)
    };
    let on_pr = cx.pipeline.on.pull_request.is_some();
    let not_pr = "github.event_name != 'pull_request'";
    if !state.qemu && b.emulated {
        state.qemu = true;
        out.push(uses("Set up QEMU".into(), pins::SETUP_QEMU, Yaml::map()));
    }
    if !state.buildx {
        state.buildx = true;
        out.push(uses(
            "Set up Docker Buildx".into(),
            pins::SETUP_BUILDX,
            Yaml::map(),
        ));
    }
    if *push && !state.logins.contains(&registry) {
        state.logins.push(registry.clone());
        let mut with = Yaml::map();
        if let Some(r) = &registry {
            with.insert("registry", Yaml::str(r));
        }
        let user = match registry_user {
            Some(s) => secret_expr(base, s),
            None => "${{ github.actor }}".into(),
        };
        let password = match registry_password {
            Some(s) => secret_expr(base, s),
            None => "${{ secrets.GITHUB_TOKEN }}".into(),
        };
        with.insert("username", Yaml::str(user));
        with.insert("password", Yaml::str(password));
        let name = format!("Log in to {}", registry.as_deref().unwrap_or("Docker Hub"));
        let mut y = Yaml::map().with("name", Yaml::str(name));
        if on_pr {
            y.insert("if", Yaml::lit(not_pr));
        }
        y.insert("uses", Yaml::str(pins::LOGIN.uses()));
        y.insert("with", with);
        out.push(y);
    }
    // A step id cannot hold an expression: a matrix job has one build.
    let meta_id = if *matrix {
        "meta".to_string()
    } else {
        format!("meta-{}", b.service)
    };
    let mut tag_rules: Vec<&str> = match tags {
        TagScheme::Semver => vec![
            "type=semver,pattern={{version}}",
            "type=semver,pattern={{major}}.{{minor}}",
            "type=semver,pattern={{major}}",
            "type=ref,event=branch",
            "type=ref,event=pr",
        ],
        TagScheme::Sha => vec![],
        TagScheme::Ref => vec![
            "type=ref,event=branch",
            "type=ref,event=tag",
            "type=ref,event=pr",
        ],
    };
    // Deploys and scans of this run find the image by this tag.
    tag_rules.push("type=sha,format=long");
    if *tags == TagScheme::Semver {
        tag_rules.push("type=raw,value=latest,enable={{is_default_branch}}");
    }
    let meta = Yaml::map()
        .with("name", Yaml::str(format!("Image tags for {}", b.service)))
        .with("id", Yaml::str(&meta_id))
        .with("uses", Yaml::str(pins::METADATA.uses()))
        .with(
            "with",
            Yaml::map()
                .with("images", Yaml::str(&b.image))
                .with("tags", Yaml::str(lines(&tag_rules))),
        );
    out.push(meta);
    let mut with = Yaml::map().with("context", Yaml::str(&b.context));
    if let Some(f) = &b.file {
        with.insert("file", Yaml::str(f));
    }
    if let Some(t) = &b.target {
        with.insert("target", Yaml::str(t));
    }
    if let Some(a) = &b.build_args {
        with.insert("build-args", Yaml::str(a));
    }
    with.insert("platforms", Yaml::str(&b.platforms));
    let push_value = match (push, on_pr) {
        (false, _) => Yaml::Bool(false),
        (true, false) => Yaml::Bool(true),
        (true, true) => Yaml::str(format!("${{{{ {not_pr} }}}}")),
    };
    with.insert("push", push_value);
    if scanned_here {
        if b.platforms.contains(',') {
            cx.out.approximated(
                step.span,
                None,
                "scan",
                "a multi-platform image cannot be loaded into the runner for scanning; the scan reads it from the registry",
            );
        } else {
            // Into the runner's image store, where the scan finds it.
            with.insert("load", Yaml::Bool(true));
        }
    }
    with.insert(
        "tags",
        Yaml::str(format!("${{{{ steps.{meta_id}.outputs.tags }}}}")),
    );
    with.insert(
        "labels",
        Yaml::str(format!("${{{{ steps.{meta_id}.outputs.labels }}}}")),
    );
    if *cache {
        let scope = &b.service;
        with.insert("cache-from", Yaml::str(format!("type=gha,scope={scope}")));
        with.insert(
            "cache-to",
            Yaml::str(format!("type=gha,mode=max,scope={scope}")),
        );
    }
    let verb = if *push { "Build and push" } else { "Build" };
    let name = step
        .name
        .clone()
        .unwrap_or(format!("{verb} {} image", b.service));
    out.push(uses(name, pins::BUILD_PUSH, with));
}

fn lines<S: AsRef<str>>(items: &[S]) -> String {
    let mut s = String::new();
    for i in items {
        s.push_str(i.as_ref());
        s.push('\n');
    }
    s
}

/// Writes the kubeconfig secret to a file only this job's steps read.
fn kubeconfig_step(base: &Model, environment: &str, secret: &str, cond: Option<&str>) -> Yaml {
    let mut y = Yaml::map().with(
        "name",
        Yaml::str(format!("Configure kubectl for {environment}")),
    );
    if let Some(c) = cond {
        y.insert("if", Yaml::str(c));
    }
    y.with(
        "env",
        Yaml::map()
            .with("KUBECONFIG_DATA", Yaml::str(secret_expr(base, secret)))
            .with("KUBECONFIG", Yaml::lit(KUBECONFIG_PATH)),
    )
    .with(
        "run",
        Yaml::lit("umask 077\nprintf '%s\\n' \"$KUBECONFIG_DATA\" > \"$KUBECONFIG\"\n"),
    )
}

const KUBECONFIG_PATH: &str = "${{ runner.temp }}/kubeconfig";

fn kubeconfig_env() -> Yaml {
    Yaml::map().with("KUBECONFIG", Yaml::lit(KUBECONFIG_PATH))
}

/// The workloads of an environment: its container services.
fn deployments(m: &Model) -> Vec<&str> {
    m.services
        .values()
        .filter(|s| s.is_container())
        .map(|s| s.name.as_str())
        .collect()
}

/// `deployment/<name>` or `statefulset/<name>`, as kubectl names the
/// workload of service `svc`.
fn workload_ref(m: &Model, svc: &str) -> String {
    let kind = m
        .services
        .get(svc)
        .map_or("Deployment", |s| s.workload_kind());
    format!("{}/{}", kind.to_ascii_lowercase(), k8s_name(svc))
}

/// The containers of `svc`'s pods that run its image: the service's own
/// and its init containers without an image of their own.
fn containers_of_image(m: &Model, svc: &str) -> Vec<String> {
    let mut names = vec![k8s_name(svc)];
    if let Some(s) = m.services.get(svc) {
        let inits = s.init.iter().filter(|(_, i)| i.image.is_none());
        names.extend(inits.map(|(n, _)| n.clone()));
    }
    names
}

/// Where `stackc emit --target all --out <deploy_dir>` puts what one
/// environment is applied from.
pub(super) fn deploy_path(m: &Model, via: DeployVia) -> String {
    let dir = m.stack.deploy_dir.trim_end_matches('/');
    match (via, m.env_name()) {
        (DeployVia::Kustomize, Some(env)) => format!("{dir}/kustomize/overlays/{env}"),
        (DeployVia::Kustomize, None) => format!("{dir}/kustomize/base"),
        (DeployVia::K8s, Some(env)) => format!("{dir}/k8s/{env}.yaml"),
        (DeployVia::K8s, None) => format!("{dir}/k8s/base.yaml"),
        (DeployVia::Helm, _) => format!("{dir}/helm/{}", m.stack.name),
    }
}

/// `--namespace NS ` for kubectl and helm; empty for `namespace = none`
/// (they use the kubeconfig context's namespace).
fn ns_flag(m: &Model) -> String {
    m.namespace()
        .map_or(String::new(), |ns| format!("--namespace {} ", sh(ns)))
}

fn deploy_script(m: &Model, via: DeployVia, built: &[String], wait: u64) -> String {
    let ns = ns_flag(m);
    let path = deploy_path(m, via);
    let mut s = String::from("set -euo pipefail\n");
    let built: Vec<(&str, String)> = deployments(m)
        .into_iter()
        .filter(|svc| built.iter().any(|b| b == svc))
        .filter_map(|svc| repository(m, svc).map(|r| (svc, r)))
        .collect();
    match via {
        DeployVia::Kustomize => {
            if !built.is_empty() {
                s.push_str("# The images this run built, by their commit tag.\n");
                s.push_str(&format!("cd {}\n", sh(&path)));
                for (_, repo) in &built {
                    s.push_str(&format!(
                        "kustomize edit set image {}=\"{}:sha-$GITHUB_SHA\"\n",
                        sh(repo),
                        repo
                    ));
                }
                s.push_str("cd \"$GITHUB_WORKSPACE\"\n");
            }
            s.push_str(&format!("kubectl apply -k {}\n", sh(&path)));
            rollout_status(&mut s, m, &ns, wait);
        }
        DeployVia::K8s => {
            s.push_str(&format!("kubectl apply -f {}\n", sh(&path)));
            for (svc, repo) in &built {
                let images: Vec<String> = containers_of_image(m, svc)
                    .iter()
                    .map(|c| format!("{c}=\"{repo}:sha-$GITHUB_SHA\""))
                    .collect();
                s.push_str(&format!(
                    "kubectl set image {ns}{} {}\n",
                    workload_ref(m, svc),
                    images.join(" ")
                ));
            }
            rollout_status(&mut s, m, &ns, wait);
        }
        DeployVia::Helm => {
            let env = m.env_name().unwrap_or("");
            let values = if env.is_empty() {
                format!("{path}/values.yaml")
            } else {
                format!("{path}/values-{env}.yaml")
            };
            s.push_str(&format!(
                "helm upgrade --install {} {} \\\n  --values {} \\\n{}",
                sh(&m.stack.name),
                sh(&path),
                sh(&values),
                if ns.is_empty() {
                    String::new()
                } else {
                    format!("  {ns}--create-namespace \\\n")
                }
            ));
            for (svc, _) in &built {
                // The chart's values key of the service (a name the chart
                // reserves gets a suffix).
                let key = crate::emit::helm::values::service_key(svc);
                s.push_str(&format!("  --set \"{key}.image.tag=sha-$GITHUB_SHA\" \\\n"));
            }
            s.push_str(&format!("  --wait --timeout {wait}s\n"));
        }
    }
    s
}

fn rollout_status(s: &mut String, m: &Model, ns: &str, wait: u64) {
    // `ns` is `--namespace NS ` or empty.
    for svc in deployments(m) {
        s.push_str(&format!(
            "kubectl rollout status {ns}{} --timeout={wait}s\n",
            workload_ref(m, svc)
        ));
    }
}

fn rollback_script(m: &Model, via: DeployVia) -> String {
    let ns = ns_flag(m);
    let mut s = String::from("set -euo pipefail\n");
    match via {
        DeployVia::Kustomize | DeployVia::K8s => {
            for svc in deployments(m) {
                s.push_str(&format!(
                    "kubectl rollout undo {ns}{}\n",
                    workload_ref(m, svc)
                ));
            }
        }
        DeployVia::Helm => {
            s.push_str(&format!("helm rollback {} {ns}--wait\n", sh(&m.stack.name),));
        }
    }
    s
}

/// A word for bash: as is when it holds only safe characters, else single-quoted.
fn sh(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:@%+=,-".contains(&b));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
