//! Pipeline records from evaluated values (mirrors `model/pipeline.rs`).
//!
//! Input: a pipeline's evaluated record. Output: its [`Pipeline`]. A step
//! is a union block: its keyword picks the [`StepKind`], its label is the
//! step's name, and its span is the whole block's.

use super::{keywords, misfit, Cx, FromVal, Rec, Res};
use crate::model::pipeline::*;
use crate::value::{Val, ValKind};

impl FromVal for Pipeline {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Pipeline {
            span: v.span,
            name: r.opt("name")?,
            on: r.req("on")?,
            concurrency: r.opt("concurrency")?,
            permissions: r.opt("permissions")?,
            env: r.map("env")?,
            working_dir: r.opt("working_dir")?,
            jobs: r.map("job")?,
        })
    }
}

impl FromVal for Triggers {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Triggers {
            push: r.opt("push")?,
            pull_request: r.opt("pull_request")?,
            manual: r.req("manual")?,
            inputs: r.map("input")?,
            release: r.opt("release")?,
            schedule: r.opt("schedule")?,
            after: r.opt("after")?,
        })
    }
}

impl FromVal for Input {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Input {
            description: r.opt("description")?,
            ty: r.req("type")?,
            required: r.req("required")?,
            default: r.opt("default")?,
            options: r.opt("options")?,
        })
    }
}

impl FromVal for RefFilter {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(RefFilter {
            branches: r.opt("branches")?,
            tags: r.opt("tags")?,
            paths: r.opt("paths")?,
            paths_ignore: r.opt("paths_ignore")?,
        })
    }
}

impl FromVal for Concurrency {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Concurrency {
            group: r.req("group")?,
            cancel_in_progress: r.req("cancel_in_progress")?,
        })
    }
}

impl FromVal for Permissions {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Permissions {
            span: v.span,
            actions: r.opt("actions")?,
            attestations: r.opt("attestations")?,
            checks: r.opt("checks")?,
            contents: r.opt("contents")?,
            deployments: r.opt("deployments")?,
            discussions: r.opt("discussions")?,
            id_token: r.opt("id_token")?,
            issues: r.opt("issues")?,
            models: r.opt("models")?,
            packages: r.opt("packages")?,
            pages: r.opt("pages")?,
            pull_requests: r.opt("pull_requests")?,
            repository_projects: r.opt("repository_projects")?,
            security_events: r.opt("security_events")?,
            statuses: r.opt("statuses")?,
        })
    }
}

impl FromVal for Job {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Job {
            span: v.span,
            name: r.opt("name")?,
            runs_on: r.req("runs_on")?,
            needs: r.opt("needs")?,
            if_: r.opt("if")?,
            matrix: r.map("matrix")?,
            fail_fast: r.req("fail_fast")?,
            timeout: r.req("timeout")?,
            environment: r.opt("environment")?,
            env: r.map("env")?,
            outputs: r.map("outputs")?,
            steps: r.req("steps")?,
        })
    }
}

impl FromVal for Step {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let ValKind::Tagged(tg) = &v.kind else {
            return misfit(v, "a step block");
        };
        let (kw, label, body) = (&tg.0, &tg.1, &tg.2);
        Ok(Step {
            span: v.span,
            name: label.clone(),
            kind: step_kind(kw, &Rec::new(body, cx)?)?,
        })
    }
}

/// The step of keyword `kw`.
fn step_kind(kw: &str, r: &Rec) -> Res<StepKind> {
    match kw {
        "run" => run(r),
        "checkout" => checkout(r),
        "rust" => rust(r),
        "node" => node(r),
        "python" => python(r),
        "dotnet" => Ok(StepKind::Dotnet {
            version: r.req("version")?,
        }),
        "docker_build" => docker_build(r),
        "scan" => scan(r),
        "deploy" => deploy(r),
        "health_check" => health_check(r),
        "rollback" => rollback(r),
        "notify" => notify(r),
        "stackc" => Ok(StepKind::Stackc {
            version: r.opt("version")?,
            path: r.req("path")?,
            deny_warnings: r.req("deny_warnings")?,
            emit_check: r.req("emit_check")?,
        }),
        _ => misfit(r.v, "a known step keyword"),
    }
}

fn run(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Run {
        script: r.req("script")?,
        id: r.opt("id")?,
        working_dir: r.opt("working_dir")?,
        shell: r.opt("shell")?,
        env: r.map("env")?,
        if_: r.opt("if")?,
        continue_on_error: r.req("continue_on_error")?,
    })
}

fn checkout(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Checkout {
        fetch_depth: r.req("fetch_depth")?,
        submodules: r.req("submodules")?,
    })
}

fn rust(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Rust {
        toolchain: r.req("toolchain")?,
        components: r.opt("components")?,
        targets: r.opt("targets")?,
        cache: r.req("cache")?,
        working_dir: r.opt("working_dir")?,
    })
}

fn node(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Node {
        version: r.req("version")?,
        cache: r.opt("cache")?,
        working_dir: r.opt("working_dir")?,
        install: r.req("install")?,
    })
}

fn python(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Python {
        version: r.req("version")?,
        cache: r.req("cache")?,
        requirements: r.opt("requirements")?,
    })
}

fn docker_build(r: &Rec) -> Res<StepKind> {
    let one: Option<String> = r.opt("service")?;
    let many: Option<Vec<String>> = r.opt("services")?;
    Ok(StepKind::DockerBuild {
        matrix: many.is_some(),
        services: one.into_iter().chain(many.into_iter().flatten()).collect(),
        push: r.req("push")?,
        platforms: r.opt("platforms")?,
        tags: r.req("tags")?,
        registry_user: r.opt("registry_user")?,
        registry_password: r.opt("registry_password")?,
        cache: r.req("cache")?,
    })
}

fn scan(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Scan {
        service: r.req("service")?,
        severity: r.req("severity")?,
        fail: r.req("fail")?,
    })
}

fn deploy(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Deploy {
        environment: r.req("environment")?,
        via: r.req("via")?,
        kubeconfig: r.req("kubeconfig")?,
        wait: r.req("wait")?,
    })
}

fn health_check(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::HealthCheck {
        environment: r.req("environment")?,
        url: r.opt("url")?,
        service: r.opt("service")?,
        retries: r.req("retries")?,
        interval: r.req("interval")?,
    })
}

fn rollback(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Rollback {
        environment: r.req("environment")?,
        kubeconfig: r.req("kubeconfig")?,
        via: r.req("via")?,
    })
}

fn notify(r: &Rec) -> Res<StepKind> {
    Ok(StepKind::Notify {
        webhook: r.req("webhook")?,
        when: r.req("when")?,
        message: r.opt("message")?,
    })
}

keywords! {
    Permission { "read" => Read, "write" => Write, "none" => None }
    NodeCache { "npm" => Npm, "pnpm" => Pnpm, "yarn" => Yarn }
    TagScheme { "semver" => Semver, "sha" => Sha, "ref" => Ref }
    Severity { "critical" => Critical, "high" => High, "medium" => Medium, "low" => Low }
    DeployVia { "kustomize" => Kustomize, "helm" => Helm, "k8s" => K8s }
    InputType { "string" => String, "boolean" => Boolean, "number" => Number, "choice" => Choice, "environment" => Environment }
    ReleaseEvent { "published" => Published, "created" => Created, "released" => Released, "prereleased" => Prereleased, "edited" => Edited }
    NotifyWhen { "always" => Always, "success" => Success, "failure" => Failure }
}
