//! Building one model from an evaluated world.
//!
//! Input: [`Inputs`]: the evaluated world of one environment (or of the
//! base), the summaries of every environment, and the cache of services
//! shared between environments. Output: the [`Model`], or an E0900
//! diagnostic when a value does not fit (a compiler bug, never a panic).
//!
//! Services are converted from their values ([`from_val`]) and then
//! completed for the environment: the full image reference, effective
//! probes (`health` under `liveness`/`readiness`), default probe and
//! ingress ports. A base service shared by environments (the same `Arc`)
//! whose conversion reads no other service is converted once.

use super::from_val::{self, keywords, Cx, FromVal, Keyword, Misfit, Rec, Res};
use super::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::{text_of, Evaluated};
use crate::value::{Val, ValKind};
use std::sync::Arc;

/// What building a model reads.
pub struct Inputs<'a> {
    pub world: &'a Evaluated,
    /// Every declared environment, in order (see [`summaries`]).
    pub environments: &'a [EnvironmentSummary],
    /// Converted services, shared by the models of one compilation.
    pub cache: &'a ServiceCache,
    /// The base services, which environments that do not change a service
    /// share: only their conversions are cached (their addresses live as
    /// long as the compilation, so they cannot be reused).
    pub shared: Option<&'a crate::eval::Services>,
    /// `false`: a shell without services and pipelines.
    pub services: bool,
    /// The repository files `file` blocks read.
    pub files: &'a Files,
}

/// The model of `inputs.world`.
#[allow(clippy::result_large_err)] // E0900 is a compiler bug: the error path is cold.
pub fn build(inputs: &Inputs) -> Result<Model, Diagnostic> {
    model(inputs).map_err(internal_error)
}

/// What pipelines need to know of every environment: `(name, overlay
/// fields)` in declaration order.
#[allow(clippy::result_large_err)] // E0900 is a compiler bug: the error path is cold.
pub fn summaries<'a>(
    envs: impl Iterator<Item = (&'a str, Option<&'a Val>)>,
) -> Result<Vec<EnvironmentSummary>, Diagnostic> {
    envs.map(|(name, ov)| summary(name, ov))
        .collect::<Res<_>>()
        .map_err(internal_error)
}

fn summary(name: &str, ov: Option<&Val>) -> Res<EnvironmentSummary> {
    let get = |k: &str| ov.and_then(|v| v.get(k));
    let tier = get("tier")
        .and_then(Val::str)
        .unwrap_or(crate::eval::default_tier(name));
    Ok(EnvironmentSummary {
        name: name.to_string(),
        tier: Tier::from_name(tier).ok_or_else(|| Misfit {
            span: get("tier").map_or_else(Span::default, |t| t.span),
            expected: format!("expected a tier, found `{tier}`"),
        })?,
        approval: get("approval").and_then(Val::bool).unwrap_or(false),
        url: get("url").map(text_of),
        namespace: get("namespace")
            .filter(|v| !matches!(&v.kind, ValKind::Enum(k) if &**k == "none"))
            .map(text_of),
        targets: get("targets").and_then(|v| match &v.kind {
            ValKind::List(items) => Some(
                items
                    .iter()
                    .filter_map(|t| t.str().and_then(Target::from_name))
                    .collect(),
            ),
            _ => None,
        }),
    })
}

/// E0900: a value the checker accepted that the model cannot hold.
pub fn internal_error(m: Misfit) -> Diagnostic {
    Diagnostic::new(
        Code::E0900,
        m.span,
        "internal compiler error: an evaluated value does not fit the model",
    )
    .label(m.expected)
    .help(
        "this is a bug in stackc, not in the stack: please report it with the \
         input that produced it",
    )
}

/// E0900 for a model asked of a world that was freed before it was
/// evaluated (see `Compilation::release_checked`).
pub fn world_not_kept(what: &str) -> Diagnostic {
    internal_error(Misfit {
        span: Span::default(),
        expected: format!("the world of {what} was not kept before the checked items were freed"),
    })
}

fn model(i: &Inputs) -> Res<Model> {
    let w = i.world;
    let cx = Cx {
        services: &w.services,
        files: i.files,
    };
    let stack = Stack::from_val(&w.stack, &cx)?;
    let environment = w
        .environment
        .as_ref()
        .map(|e| Environment::from_val(e, &cx))
        .transpose()?;
    let mut model = Model {
        stack,
        environment,
        environments: i.environments.to_vec(),
        services: Default::default(),
        skipped_services: w.skipped.clone(),
        secrets: secrets(w, &cx)?,
        configs: w
            .configs
            .iter()
            .map(|(n, v)| (n.clone(), config(v)))
            .collect(),
        pipelines: IndexMap::new(),
    };
    if i.services {
        model.services = services(i, &cx, &model)?;
        model.pipelines = pipelines(w, &cx)?;
    }
    Ok(model)
}

fn services(i: &Inputs, cx: &Cx, m: &Model) -> Res<crate::model::FxIndexMap<String, Service>> {
    let one = |(name, v): &(&String, &Arc<Val>)| {
        let mut s = service(i, cx, name, v)?;
        complete_service(&mut s, &m.stack, m.environment.as_ref());
        // Config values change per environment: filled here, after the cache.
        for f in s.files.values_mut() {
            if let Some((c, k)) = &f.config {
                f.content = m
                    .configs
                    .get(c)
                    .and_then(|c| c.get(k))
                    .cloned()
                    .unwrap_or_default();
            }
        }
        Ok(((*name).clone(), s))
    };
    // A large stack's services in chunks on the pool; the first misfit in
    // service order is the one reported, as on one thread.
    let all: Vec<(&String, &Arc<Val>)> = i.world.services.iter().collect();
    // (A service is 1.8 KB: each chunk's list is made at its size, not
    // grown by copying.)
    let chunks = crate::par::map_chunks(&all, |chunk| {
        let mut done = Vec::with_capacity(chunk.len());
        for svc in chunk {
            done.push(one(svc)?);
        }
        Res::Ok(done)
    });
    let mut out = crate::model::FxIndexMap::with_capacity_and_hasher(all.len(), Default::default());
    for chunk in chunks {
        out.extend(chunk?);
    }
    Ok(out)
}

/// A service before its completion, from the cache when it is there.
fn service(i: &Inputs, cx: &Cx, name: &str, v: &Arc<Val>) -> Res<Service> {
    let key = Arc::as_ptr(v) as usize;
    if let Some(s) = i.cache.get(key) {
        return Ok(s);
    }
    let s = from_val::service(name, v, cx)?;
    let shared = i.shared.and_then(|b| b.get(name));
    if shared.is_some_and(|b| Arc::ptr_eq(b, v)) && !reads_other_services(v) {
        i.cache.put(key, &s);
    }
    Ok(s)
}

fn secrets(w: &Evaluated, cx: &Cx) -> Res<crate::model::FxIndexMap<String, Secret>> {
    let secret = |name: &String, v: &Val| -> Res<(String, Secret)> {
        let r = Rec::new(v, cx)?;
        let env_name: Option<String> = r.opt("env_name")?;
        let s = Secret {
            span: v.span,
            description: r.opt("description")?,
            kind: r.req("kind")?,
            env_name: env_name.unwrap_or_else(|| screaming_snake(name)),
            file: r.req("file")?,
            optional: r.req("optional")?,
        };
        Ok((name.clone(), s))
    };
    w.secrets.iter().map(|(n, v)| secret(n, v)).collect()
}

fn config(v: &Val) -> IndexMap<String, String> {
    let entries = v.as_map().into_iter().flatten();
    entries.map(|(k, x)| (k.to_string(), text_of(x))).collect()
}

fn pipelines(w: &Evaluated, cx: &Cx) -> Res<IndexMap<String, Pipeline>> {
    let pipeline = |(n, v): (&String, &Val)| Ok((n.clone(), Pipeline::from_val(v, cx)?));
    w.pipelines.iter().map(pipeline).collect()
}

impl FromVal for Stack {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Stack {
            name: r.req("name")?,
            description: r.opt("description")?,
            namespace: r.opt("namespace")?,
            registry: r.opt("registry")?,
            version: r.req("version")?,
            labels: r.map("labels")?,
            annotations: r.map("annotations")?,
            targets: r.req("targets")?,
            default_env: r.opt("default_env")?,
            deploy_dir: r.req("deploy_dir")?,
        })
    }
}

impl FromVal for Environment {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Environment {
            name: r.req("name")?,
            description: r.opt("description")?,
            tier: r.req("tier")?,
            namespace: r.opt("namespace")?,
            registry: r.opt("registry")?,
            tag: r.opt("tag")?,
            approval: r.req("approval")?,
            url: r.opt("url")?,
            labels: r.map("labels")?,
            targets: r.opt("targets")?,
        })
    }
}

keywords! {
    Target {
        "compose" => Compose,
        "k8s" => K8s,
        "kustomize" => Kustomize,
        "helm" => Helm,
        "systemd" => Systemd,
        "quadlet" => Quadlet,
        "github" => Github,
    }
    Tier { "development" => Development, "staging" => Staging, "production" => Production }
    SecretKind {
        "opaque" => Opaque,
        "password" => Password,
        "token" => Token,
        "url" => Url,
        "tls" => Tls,
    }
}

/// Whether converting a service looks at other services: interpolations
/// outside `env` are rendered with other services' hosts and ports.
fn reads_other_services(v: &Val) -> bool {
    fn any_interp(v: &Val) -> bool {
        match &v.kind {
            ValKind::Interp(_) => true,
            ValKind::Map(m) => m.values().any(any_interp),
            ValKind::List(l) => l.iter().any(any_interp),
            ValKind::Tagged(tg) => any_interp(&tg.2),
            ValKind::Range(a, b) => any_interp(a) || any_interp(b),
            _ => false,
        }
    }
    v.as_map()
        .is_some_and(|m| m.iter().any(|(k, x)| &**k != "env" && any_interp(x)))
}

/// `db_password` → `DB_PASSWORD`.
pub fn screaming_snake(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Fills the computed fields of a service.
fn complete_service(s: &mut Service, stack: &Stack, env: Option<&Environment>) {
    s.image_ref = image_ref(s, stack, env);
    if let Some(b) = &mut s.build {
        if b.image.is_empty() {
            let tag = s.image_ref.as_ref().and_then(|r| r.tag.as_deref());
            let repo = format!("{}/{}", stack.name, s.name).to_ascii_lowercase();
            b.image = format!("{repo}:{}", tag.unwrap_or("latest"));
        }
    }
    let health = s.health.clone();
    s.liveness = merge_probe(health.as_ref(), s.liveness.take());
    s.readiness = merge_probe(health.as_ref(), s.readiness.take());
    let first = s.ports.keys().next().cloned();
    for p in [&mut s.health, &mut s.liveness, &mut s.readiness]
        .into_iter()
        .flatten()
        .chain(s.startup.as_deref_mut())
    {
        if p.port.is_none() && p.exec.is_none() && p.shell.is_none() {
            p.port = first.clone();
        }
    }
    if let Some(i) = &mut s.ingress {
        if i.port.is_none() {
            i.port = first;
        }
    }
}

fn merge_probe(health: Option<&Probe>, specific: Option<Probe>) -> Option<Probe> {
    match (health, specific) {
        (_, Some(p)) => Some(p),
        (Some(h), None) => Some(h.clone()),
        (None, None) => None,
    }
}

/// The full image reference of a service (see `stdlib/service.stack`).
pub fn image_ref(s: &Service, stack: &Stack, env: Option<&Environment>) -> Option<ImageRef> {
    if s.external.is_some() {
        return None;
    }
    let built = s.build.is_some();
    let registry = env
        .and_then(|e| e.registry.clone())
        .or_else(|| stack.registry.clone());
    let (repo, written_tag) = match s.image.as_deref() {
        Some(img) => split_image(img),
        None if built => (s.name.clone(), None),
        None => return None,
    };
    let repository = match (&registry, built && !has_registry_host(&repo)) {
        (Some(r), true) => format!("{}/{repo}", r.trim_end_matches('/')),
        (None, true) if s.image.is_none() => format!("{}-{repo}", stack.name),
        _ => repo,
    };
    let env_tag = env.and_then(|e| e.tag.clone());
    // An environment's default tag and the stack version apply to the
    // stack's own (built) images only; other images are used as written.
    let default_tag = built.then(|| env_tag.unwrap_or_else(|| stack.version.clone()));
    let tag = s.tag.clone().or(written_tag).or(default_tag);
    let reference = match &tag {
        Some(t) => format!("{repository}:{t}"),
        None => repository.clone(),
    };
    Some(ImageRef {
        repository,
        tag,
        reference,
    })
}

fn split_image(img: &str) -> (String, Option<String>) {
    let slash = img.rfind('/').map_or(0, |i| i + 1);
    match img[slash..].find(':') {
        Some(i) => (
            img[..slash + i].to_string(),
            Some(img[slash + i + 1..].to_string()),
        ),
        None => (img.to_string(), None),
    }
}

fn has_registry_host(repo: &str) -> bool {
    match repo.split_once('/') {
        Some((first, _)) => first.contains('.') || first.contains(':') || first == "localhost",
        None => false,
    }
}
