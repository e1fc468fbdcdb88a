//! Evaluated values → JSON → typed model, guided by the schema types.
//!
//! Records get a `__span`; references become names, except inside the
//! string-valued unions of environment variables, where secrets and config
//! keys become `{"secret": …}` / `{"config": …, "key": …}` and
//! interpolations `{"interp": [parts]}`. Elsewhere an interpolation is
//! rendered as Kubernetes sees it (service name, service port).

use super::*;
use crate::check::schema::Ty;
use crate::eval::{text_of, Evaluated};
use crate::value::{Part as VPart, Ref, Val, ValKind};
use serde_json::{json, Map as JMap, Value as J};

struct Conv<'a> {
    c: &'a Compilation,
    w: &'a Evaluated,
}

pub fn to_model(c: &Compilation, w: &Evaluated) -> Model {
    to_model_with(c, w, true)
}

/// With `services = false`, only the stack-level parts (a shell of the model).
pub fn to_model_with(c: &Compilation, w: &Evaluated, with_services: bool) -> Model {
    let cv = Conv { c, w };
    let stack: Stack = cv.record_as(&w.stack, "Stack");
    let environment: Option<Environment> = w
        .environment
        .as_ref()
        .map(|e| cv.record_as(e, "Environment"));
    let environments = cv.environment_summaries();
    let mut services = IndexMap::new();
    for (name, v) in w.services.iter().filter(|_| with_services) {
        let mut s = cv.service(name, v);
        complete_service(&mut s, &stack, environment.as_ref());
        services.insert(name.clone(), s);
    }
    let secrets = w
        .secrets
        .iter()
        .map(|(n, v)| (n.clone(), cv.secret(n, v)))
        .collect();
    let configs = w
        .configs
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                v.as_map()
                    .map(|m| m.iter().map(|(k, x)| (k.clone(), text_of(x))).collect())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let pipelines = w
        .pipelines
        .iter()
        .map(|(n, v)| (n.clone(), cv.record_as(v, "Pipeline")))
        .collect();
    Model {
        stack,
        environment,
        environments,
        services,
        skipped_services: w.skipped.clone(),
        secrets,
        configs,
        pipelines,
    }
}

impl Conv<'_> {
    /// A service's model before the environment-dependent completion. A
    /// service value shared by several environments (the same `Arc`) whose
    /// conversion does not read other services is converted once.
    fn service(&self, name: &str, v: &std::sync::Arc<Val>) -> Service {
        let key = std::sync::Arc::as_ptr(v) as usize;
        if let Some(s) = self.c.model_cache.get(key) {
            return s;
        }
        let s: Service = self.record_as_named(v, "Service", name);
        // Only values the compilation keeps for its lifetime (the shared
        // base services) are keys: their addresses cannot be reused.
        if self.c.is_base_service(name, v) && !reads_other_services(v) {
            self.c.model_cache.put(key, &s);
        }
        s
    }

    fn record_as<T: serde::de::DeserializeOwned>(&self, v: &Val, record: &str) -> T {
        let j = self.record(v, self.c.schema.expect_record(record));
        from_json(j, record)
    }

    fn record_as_named<T: serde::de::DeserializeOwned>(
        &self,
        v: &Val,
        record: &str,
        name: &str,
    ) -> T {
        let mut j = self.record(v, self.c.schema.expect_record(record));
        j["name"] = J::String(name.to_string());
        let fields: JMap<String, J> = v
            .as_map()
            .into_iter()
            .flatten()
            .map(|(k, x)| (k.clone(), json!([x.span.file.0, x.span.start, x.span.end])))
            .collect();
        j["__fields"] = J::Object(fields);
        from_json(j, record)
    }

    fn secret(&self, name: &str, v: &Val) -> Secret {
        let mut j = self.record(v, self.c.schema.expect_record("Secret"));
        if j.get("env_name").is_none_or(J::is_null) {
            j["env_name"] = J::String(screaming_snake(name));
        }
        from_json(j, "Secret")
    }

    fn environment_summaries(&self) -> Vec<EnvironmentSummary> {
        self.c
            .environment_names()
            .iter()
            .map(|name| {
                let ov = self
                    .c
                    .checked
                    .environments
                    .get(name)
                    .and_then(|o| o.fields.as_ref());
                let get = |k: &str| ov.and_then(|v| v.get(k));
                let tier = get("tier")
                    .and_then(Val::str)
                    .unwrap_or(crate::eval::default_tier(name));
                EnvironmentSummary {
                    name: name.clone(),
                    tier: from_json(J::String(tier.into()), "Tier"),
                    approval: get("approval").and_then(Val::bool).unwrap_or(false),
                    url: get("url").map(text_of),
                    namespace: get("namespace").map(text_of),
                }
            })
            .collect()
    }

    fn record(&self, v: &Val, rec: usize) -> J {
        let def = &self.c.schema.records[rec];
        let mut out = JMap::new();
        let s = v.span;
        out.insert("__span".into(), json!([s.file.0, s.start, s.end]));
        for (name, field) in &def.fields {
            // Unset fields are left out: serde reads a missing `Option` as `None`.
            let j = match v.get(name) {
                Some(x) => self.value(x, &field.ty),
                None if matches!(field.ty, Ty::Map(..)) => J::Object(JMap::new()),
                None => continue,
            };
            out.insert(name.clone(), j);
        }
        // Fields the evaluator adds (`name` of stacks and environments).
        for (k, x) in v.as_map().into_iter().flatten() {
            if !def.fields.contains_key(k) {
                out.insert(k.clone(), self.scalar(x));
            }
        }
        J::Object(out)
    }

    fn value(&self, v: &Val, ty: &Ty) -> J {
        match (ty, &v.kind) {
            (Ty::Record(r), _) => self.record(v, *r),
            (Ty::Map(_, elem), ValKind::Map(m)) => J::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.value(x, elem)))
                    .collect(),
            ),
            (Ty::List(elem), ValKind::List(l)) => {
                J::Array(l.iter().map(|x| self.value(x, elem)).collect())
            }
            (Ty::Tagged(t), ValKind::Tagged(tg)) => {
                let (kw, label, body) = (&tg.0, &tg.1, &tg.2);
                self.tagged(*t, kw, label.as_deref(), body, v)
            }
            (Ty::Range(inner), ValKind::Range(lo, hi)) => {
                json!({"request": self.value(lo, inner), "limit": self.value(hi, inner)})
            }
            (Ty::OneOf(ts), _) if ts.contains(&Ty::String) => self.env_value(v),
            _ => self.scalar(v),
        }
    }

    fn tagged(&self, t: usize, kw: &str, label: Option<&str>, body: &Val, whole: &Val) -> J {
        let rec = self.c.schema.tagged[t].arms[kw];
        let mut j = self.record(body, rec);
        let s = whole.span;
        j["__span"] = json!([s.file.0, s.start, s.end]);
        j["kind"] = J::String(kw.to_string());
        j["name"] = label.map_or(J::Null, |l| J::String(l.to_string()));
        j
    }

    /// A value of a string-ish union (environment variables).
    fn env_value(&self, v: &Val) -> J {
        match &v.kind {
            ValKind::Ref(Ref::Secret(s)) => json!({ "secret": s }),
            ValKind::Ref(Ref::ConfigKey(ck)) => json!({ "config": ck.0, "key": ck.1 }),
            ValKind::Interp(parts) => {
                json!({ "interp": parts.iter().map(|p| self.part(p)).collect::<Vec<_>>() })
            }
            _ => J::String(text_of(v)),
        }
    }

    fn part(&self, p: &VPart) -> J {
        match p {
            VPart::Host(s) => json!({ "host": s }),
            VPart::Port(s, port) => json!({ "port": [s, port] }),
            VPart::Text(t) => json!({ "text": t }),
            _ => json!({ "text": "" }),
        }
    }

    fn scalar(&self, v: &Val) -> J {
        match &v.kind {
            ValKind::Null => J::Null,
            ValKind::Bool(b) => J::Bool(*b),
            ValKind::Int(i) => J::from(*i),
            ValKind::Float(f) => json!(f),
            ValKind::Str(s) | ValKind::Enum(s) => J::String(s.clone()),
            ValKind::Quantity(q) => J::String(crate::units::format(*q)),
            ValKind::Ref(r) => J::String(ref_name(r)),
            ValKind::Interp(parts) => J::String(self.render_k8s(parts)),
            ValKind::Range(lo, hi) => json!({"request": self.scalar(lo), "limit": self.scalar(hi)}),
            ValKind::List(l) => J::Array(l.iter().map(|x| self.scalar(x)).collect()),
            ValKind::Map(m) => {
                J::Object(m.iter().map(|(k, x)| (k.clone(), self.scalar(x))).collect())
            }
            ValKind::Tagged(..) => J::Null,
        }
    }

    fn render_k8s(&self, parts: &[VPart]) -> String {
        let mut s = String::new();
        for p in parts {
            match p {
                VPart::Text(t) => s.push_str(t),
                VPart::Host(h) => s.push_str(h),
                VPart::Port(svc, port) => {
                    let n = self
                        .w
                        .services
                        .get(svc)
                        .and_then(|v| v.get("port"))
                        .and_then(|m| m.get(port));
                    let n = n
                        .and_then(|p| p.get("service").or(p.get("container")))
                        .and_then(Val::int);
                    s.push_str(&n.map(|n| n.to_string()).unwrap_or_default());
                }
                _ => {}
            }
        }
        s
    }
}

fn ref_name(r: &Ref) -> String {
    match r {
        Ref::Service(n)
        | Ref::Secret(n)
        | Ref::Config(n)
        | Ref::Environment(n)
        | Ref::Port(n)
        | Ref::Job(n)
        | Ref::Pipeline(n) => n.clone(),
        Ref::ConfigKey(ck) => format!("{}.{}", ck.0, ck.1),
    }
}

fn from_json<T: serde::de::DeserializeOwned>(j: J, what: &str) -> T {
    match serde_json::from_value(j.clone()) {
        Ok(t) => t,
        Err(e) => panic!("model: the evaluated {what} does not fit the model ({e}); value: {j}"),
    }
}

/// Whether converting a service looks at other services: interpolations
/// outside `env` are rendered with other services' ports.
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
        .is_some_and(|m| m.iter().any(|(k, x)| k != "env" && any_interp(x)))
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
    let health = s.health.clone();
    s.liveness = merge_probe(health.as_ref(), s.liveness.take());
    s.readiness = merge_probe(health.as_ref(), s.readiness.take());
    let first = s.ports.keys().next().cloned();
    for p in [
        &mut s.health,
        &mut s.liveness,
        &mut s.readiness,
        &mut s.startup,
    ]
    .into_iter()
    .flatten()
    {
        if p.port.is_none() && p.exec.is_none() {
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
