//! The Deployment: pod template, container, probes, env, volumes, security.

use super::meta::{k8s_name, labels, metadata, object, selector_labels};
use super::Object;
use crate::emit::output::Output;
use crate::emit::yaml::Yaml;
use crate::model::interp;
use crate::model::{
    Condition, EnvValue, Model, PodManagement, Probe, Restart, RolloutStrategy, Service,
};

/// The Deployment, or the StatefulSet of a `stateful` service.
pub fn workload(m: &Model, name: &str, s: &Service, out: &mut Output) -> Object {
    let env = m.env_name();
    let mut spec = Yaml::map();
    // Under an HPA the replica count is the autoscaler's: leave it out, so
    // that re-applying the manifest does not reset a scaled workload.
    if s.autoscale.is_none() {
        spec.push_entry("replicas", Yaml::Int(s.replicas as i64));
    }
    spec.push_entry(
        "selector",
        Yaml::map().with("matchLabels", selector_labels(m, name)),
    );
    let kind = s.workload_kind();
    if s.is_stateful() {
        stateful_spec(m, name, s, &mut spec, out);
    } else {
        spec.push_entry("strategy", strategy(s));
        if let Some(d) = s.rollout.as_ref().and_then(|r| r.deadline) {
            spec.push_entry(
                "progressDeadlineSeconds",
                Yaml::Int(d.seconds_ceil().max(1) as i64),
            );
            out.exact += 1;
        }
    }
    spec.push_entry("template", pod_template(m, name, s, out));
    if s.is_stateful() {
        let claims = claim_templates(m, name, s, out);
        if !claims.is_empty() {
            spec.push_entry("volumeClaimTemplates", Yaml::Seq(claims));
        }
    }
    out.exact += 3;
    if matches!(s.restart, Restart::OnFailure | Restart::Never) {
        out.approximated(
            s.span_of("restart"),
            env,
            "restart",
            format!("a {kind} always restarts its containers (restartPolicy: Always)"),
        );
    }
    if !s.depends_on.is_empty() {
        let healthy = s.depends_on.values().any(|c| *c == Condition::Healthy);
        let how = if healthy {
            "start order is not expressible; readiness probes gate traffic instead".to_string()
        } else {
            format!("Kubernetes has no start order between {kind}s")
        };
        out.approximated(s.span_of("depends_on"), env, "depends_on", how);
    }
    object(
        "apps/v1",
        kind,
        name,
        Some(name),
        metadata(m, name, labels(m, name, Some(s))),
        vec![("spec", spec)],
    )
}

/// The name of the headless Service that gives a StatefulSet's pods their
/// DNS names.
pub fn headless_name(name: &str) -> String {
    format!("{name}-headless")
}

/// `serviceName`, `podManagementPolicy` and `updateStrategy` of a
/// StatefulSet; what of `rollout` a StatefulSet cannot do is reported.
fn stateful_spec(m: &Model, name: &str, s: &Service, spec: &mut Yaml, out: &mut Output) {
    let env = m.env_name();
    spec.push_entry("serviceName", Yaml::str(headless_name(name)));
    if let Some(pm) = s.pod_management {
        let policy = match pm {
            PodManagement::Ordered => "OrderedReady",
            PodManagement::Parallel => "Parallel",
        };
        spec.push_entry("podManagementPolicy", Yaml::lit(policy));
        out.exact += 1;
    }
    spec.push_entry(
        "updateStrategy",
        Yaml::map().with("type", Yaml::lit("RollingUpdate")),
    );
    let Some(r) = &s.rollout else { return };
    if r.strategy == RolloutStrategy::Recreate {
        out.approximated(
            r.span,
            env,
            "rollout",
            "a StatefulSet has no Recreate strategy: it replaces its pods one at a time, each stopped before its successor starts",
        );
    }
    if r.max_surge.is_some() {
        out.dropped(
            r.span,
            env,
            "rollout.max_surge",
            "a StatefulSet never runs extra pods during an update (each pod keeps its name and volume)",
        );
    }
    if r.max_unavailable.is_some() {
        out.dropped(
            r.span,
            env,
            "rollout.max_unavailable",
            "a StatefulSet updates one pod at a time (maxUnavailable for StatefulSets is an alpha feature, off by default)",
        );
    }
    if r.deadline.is_some() {
        out.dropped(
            r.span,
            env,
            "rollout.deadline",
            "a StatefulSet has no progress deadline (progressDeadlineSeconds is a Deployment field)",
        );
    }
}

/// One PersistentVolumeClaim template per persistent volume: each pod gets
/// its own claim `<volume>-<service>-<ordinal>`.
fn claim_templates(m: &Model, name: &str, s: &Service, out: &mut Output) -> Vec<Yaml> {
    let mut claims = Vec::new();
    for (vname, v) in s.persistent_volumes() {
        let Some(size) = v.size else { continue };
        let md = Yaml::map()
            .with("name", Yaml::str(vname))
            .with("labels", labels(m, name, Some(s)));
        claims.push(
            Yaml::map()
                .with("metadata", md)
                .with("spec", super::storage::claim_spec(v, size)),
        );
        out.exact += 1;
    }
    claims
}

fn strategy(s: &Service) -> Yaml {
    let Some(r) = &s.rollout else {
        return Yaml::map().with("type", Yaml::lit("RollingUpdate"));
    };
    if r.strategy == RolloutStrategy::Recreate {
        return Yaml::map().with("type", Yaml::lit("Recreate"));
    }
    let mut ru = Yaml::map();
    if let Some(v) = &r.max_surge {
        ru.push_entry("maxSurge", super::scaling::int_or_percent(v));
    }
    if let Some(v) = &r.max_unavailable {
        ru.push_entry("maxUnavailable", super::scaling::int_or_percent(v));
    }
    let mut y = Yaml::map().with("type", Yaml::lit("RollingUpdate"));
    if !ru.is_empty() {
        y.push_entry("rollingUpdate", ru);
    }
    y
}

fn pod_template(m: &Model, name: &str, s: &Service, out: &mut Output) -> Yaml {
    let mut md = Yaml::map().with("labels", labels(m, name, Some(s)));
    let ann = annotations(m, s);
    if !ann.is_empty() {
        md.push_entry("annotations", ann);
    }
    let mut spec = Yaml::map();
    if let Some(links) = s.service_links {
        spec.push_entry("enableServiceLinks", Yaml::Bool(links));
        out.exact += 1;
    }
    if let Some(sc) = pod_security(s) {
        spec.push_entry("securityContext", sc);
    }
    if let Some(g) = s.stop_grace {
        spec.push_entry(
            "terminationGracePeriodSeconds",
            Yaml::Int(g.seconds_ceil() as i64),
        );
    }
    if !s.init.is_empty() {
        let inits = s
            .init
            .iter()
            .map(|(n, i)| {
                out.exact += 1;
                container(m, n, &s.as_init(n, i), &pod_file_secrets(s, m), out)
            })
            .collect();
        spec.push_entry("initContainers", Yaml::Seq(inits));
    }
    let main = container(m, name, s, &pod_file_secrets(s, m), out);
    spec.push_entry("containers", Yaml::Seq(vec![main]));
    let vols = volumes(name, s, m, out);
    if !vols.is_empty() {
        spec.push_entry("volumes", Yaml::Seq(vols));
    }
    scheduling(m, name, s, &mut spec, out);
    Yaml::map().with("metadata", md).with("spec", spec)
}

/// `nodeSelector`, `tolerations` and `topologySpreadConstraints`.
fn scheduling(m: &Model, name: &str, s: &Service, spec: &mut Yaml, out: &mut Output) {
    if !s.node_selector.is_empty() {
        let mut sel = Yaml::map();
        for (k, v) in &s.node_selector {
            sel.push_entry(k.clone(), Yaml::str(v));
        }
        spec.push_entry("nodeSelector", sel);
        out.exact += 1;
    }
    if !s.tolerations.is_empty() {
        let items = s
            .tolerations
            .iter()
            .map(|(key, t)| {
                let mut y = Yaml::map().with("key", Yaml::str(key));
                match &t.value {
                    Some(v) => {
                        y.push_entry("operator", Yaml::lit("Equal"));
                        y.push_entry("value", Yaml::str(v));
                    }
                    None => y.push_entry("operator", Yaml::lit("Exists")),
                }
                if let Some(e) = t.effect {
                    y.push_entry("effect", Yaml::lit(e.k8s()));
                }
                if let Some(d) = t.evict_after {
                    y.push_entry("tolerationSeconds", Yaml::Int(d.seconds_ceil() as i64));
                }
                out.exact += 1;
                y
            })
            .collect();
        spec.push_entry("tolerations", Yaml::Seq(items));
    }
    if let Some(sp) = &s.spread {
        let mut items = Vec::new();
        for d in &sp.across {
            if items
                .iter()
                .any(|y: &Yaml| y.get("topologyKey") == Some(&Yaml::lit(d.topology_key())))
            {
                continue;
            }
            items.push(
                Yaml::map()
                    .with("maxSkew", Yaml::Int(i64::from(sp.max_skew)))
                    .with("topologyKey", Yaml::lit(d.topology_key()))
                    .with("whenUnsatisfiable", Yaml::lit(sp.when_unsatisfiable.k8s()))
                    .with(
                        "labelSelector",
                        Yaml::map().with("matchLabels", selector_labels(m, name)),
                    ),
            );
        }
        if !items.is_empty() {
            spec.push_entry("topologySpreadConstraints", Yaml::Seq(items));
            out.exact += 1;
        }
    }
}

/// Pod annotations: stack and service annotations, and a checksum of the
/// configs the service reads so that config changes roll the pods.
fn annotations(m: &Model, s: &Service) -> Yaml {
    let mut a = Yaml::map();
    for (k, v) in m.stack.annotations.iter().chain(s.annotations.iter()) {
        a.insert(k.clone(), Yaml::str(v));
    }
    let used = configs_used(s);
    if !used.is_empty() || !s.files.is_empty() {
        let mut data = String::new();
        for c in &used {
            for (k, v) in m.configs.get(c).into_iter().flatten() {
                for part in [c.as_str(), k.as_str(), v.as_str()] {
                    data.push_str(part);
                    data.push('\0');
                }
            }
        }
        // Mounted files (subPath mounts are not updated in place).
        for (path, f) in &s.files {
            for part in ["file", path.as_str(), f.content.as_str()] {
                data.push_str(part);
                data.push('\0');
            }
        }
        a.insert("checksum/config", Yaml::str(super::super::checksum(&data)));
    }
    a
}

/// Configs a service reads (env references, its init containers' too,
/// env_from, and the files it mounts from a config), in order.
pub fn configs_used(s: &Service) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if !out.iter().any(|x| x == c) {
            out.push(c.to_string());
        }
    };
    let inits = s.init.values().flat_map(|i| i.env.values());
    for v in s.env.values().chain(inits) {
        if let EnvValue::ConfigKey { config, .. } = v {
            add(config);
        }
    }
    for c in s.env_from.iter().flatten() {
        add(c);
    }
    for (c, _) in s.files.values().filter_map(|f| f.config.as_ref()) {
        add(c);
    }
    out
}

fn pod_security(s: &Service) -> Option<Yaml> {
    let sec = s.security.as_ref()?;
    let mut y = Yaml::map();
    y.push_entry("runAsNonRoot", Yaml::Bool(sec.non_root));
    if let Some(u) = sec.user {
        y.push_entry("runAsUser", Yaml::Int(u as i64));
    }
    if let Some(g) = sec.group {
        y.push_entry("runAsGroup", Yaml::Int(g as i64));
        y.push_entry("fsGroup", Yaml::Int(g as i64));
    }
    y.push_entry(
        "seccompProfile",
        Yaml::map().with("type", Yaml::lit("RuntimeDefault")),
    );
    Some(y)
}

/// One container of the pod; every container mounts the pod's file
/// secrets (`secrets`), those of its init containers included.
fn container(m: &Model, name: &str, s: &Service, secrets: &[&str], out: &mut Output) -> Yaml {
    // name, image, pull policy, command, args, workingDir, ports, env,
    // envFrom, resources, three probes, securityContext, mounts, lifecycle
    let mut c = Yaml::map_with_capacity(16);
    c.push_entry("name", Yaml::str(name));
    let image = s
        .image_ref
        .as_ref()
        .map_or(String::new(), |i| i.reference.clone());
    c.push_entry("image", Yaml::str(image));
    if let Some(p) = s.pull {
        c.push_entry("imagePullPolicy", Yaml::lit(p.k8s()));
        out.exact += 1;
    }
    if let Some(cmd) = &s.command {
        c.push_entry("command", strings(cmd));
    }
    if let Some(args) = &s.args {
        c.push_entry("args", strings(args));
    }
    if let Some(w) = &s.workdir {
        c.push_entry("workingDir", Yaml::str(w));
    }
    add_ports(&mut c, s);
    add_env(&mut c, m, s);
    if let Some(r) = resources(s) {
        c.push_entry("resources", r);
    }
    add_probes(&mut c, m, s, out);
    if let Some(sec) = container_security(s) {
        c.push_entry("securityContext", sec);
    }
    let mounts = mounts(s, m, secrets);
    if !mounts.is_empty() {
        c.push_entry("volumeMounts", Yaml::Seq(mounts));
    }
    if let Some(p) = &s.pre_stop {
        let exec = Yaml::map().with("command", strings(&p.command()));
        let hook = Yaml::map().with("exec", exec);
        c.push_entry("lifecycle", Yaml::map().with("preStop", hook));
        out.exact += 1;
    }
    c
}

pub fn strings(v: &[String]) -> Yaml {
    Yaml::Seq(v.iter().map(Yaml::str).collect())
}

fn add_ports(c: &mut Yaml, s: &Service) {
    if s.ports.is_empty() {
        return;
    }
    let ports = s
        .ports
        .iter()
        .map(|(n, p)| {
            Yaml::map()
                .with("name", Yaml::str(n))
                .with("containerPort", Yaml::Int(p.container as i64))
                .with("protocol", Yaml::lit(p.protocol.upper()))
        })
        .collect();
    c.push_entry("ports", Yaml::Seq(ports));
}

fn add_env(c: &mut Yaml, m: &Model, s: &Service) {
    if !s.env.is_empty() {
        let env = s.env.iter().map(|(k, v)| env_var(m, k, v)).collect();
        c.push_entry("env", Yaml::Seq(env));
    }
    if let Some(from) = &s.env_from {
        let refs = from
            .iter()
            .map(|c| {
                Yaml::map().with(
                    "configMapRef",
                    Yaml::map().with("name", Yaml::str(k8s_name(c))),
                )
            })
            .collect();
        c.push_entry("envFrom", Yaml::Seq(refs));
    }
}

fn env_var(m: &Model, key: &str, v: &EnvValue) -> Yaml {
    let e = Yaml::map().with("name", Yaml::str(key));
    match v {
        EnvValue::Literal(t) => e.with("value", Yaml::str(t)),
        EnvValue::Interp { interp } => e.with("value", Yaml::str(interp::k8s(&m.services, interp))),
        EnvValue::Secret { secret } if m.secrets.get(secret).is_some_and(|s| s.file) => {
            // A file secret is mounted at /run/secrets/NAME; the variable holds
            // the path (the `*_FILE` convention), as in Compose.
            e.with("value", Yaml::str(format!("/run/secrets/{secret}")))
        }
        EnvValue::Secret { secret } => {
            let key = if is_tls(m, secret) {
                TLS_KEYS[0]
            } else {
                "value"
            };
            let mut r = Yaml::map()
                .with("name", Yaml::str(k8s_name(secret)))
                .with("key", Yaml::lit(key));
            if is_optional(m, secret) {
                // The pod starts without the Secret (or the key); the
                // variable is then unset.
                r.push_entry("optional", Yaml::Bool(true));
            }
            e.with("valueFrom", Yaml::map().with("secretKeyRef", r))
        }
        EnvValue::ConfigKey { config, key } => {
            let r = Yaml::map()
                .with("name", Yaml::str(k8s_name(config)))
                .with("key", Yaml::str(key));
            e.with("valueFrom", Yaml::map().with("configMapKeyRef", r))
        }
    }
}

fn resources(s: &Service) -> Option<Yaml> {
    let r = s.resources.as_ref()?;
    let mut req = Yaml::map();
    let mut lim = Yaml::map();
    if let Some(c) = &r.cpu {
        req.push_entry("cpu", Yaml::str(c.request.k8s()));
        lim.push_entry("cpu", Yaml::str(c.limit.k8s()));
    }
    if let Some(mem) = &r.memory {
        req.push_entry("memory", Yaml::str(mem.request.k8s()));
        lim.push_entry("memory", Yaml::str(mem.limit.k8s()));
    }
    Some(Yaml::map().with("requests", req).with("limits", lim))
}

fn add_probes(c: &mut Yaml, m: &Model, s: &Service, out: &mut Output) {
    if let Some(p) = &s.liveness {
        c.push_entry("livenessProbe", probe(p));
        out.exact += 1;
    }
    if let Some(p) = &s.readiness {
        c.push_entry("readinessProbe", probe(p));
        out.exact += 1;
    }
    let startup = s.startup.as_deref().cloned().or_else(|| derived_startup(s));
    if let Some(p) = startup {
        c.push_entry("startupProbe", startup_probe(&p, s.startup.is_none()));
    }
    let _ = m;
}

/// A `start_period` becomes a startup probe when none is declared.
fn derived_startup(s: &Service) -> Option<Probe> {
    // The check of the liveness probe (else readiness, else health); the
    // start period of whichever of them declares one.
    let check = s
        .liveness
        .as_ref()
        .or(s.readiness.as_ref())
        .or(s.health.as_ref())?;
    let start = [&s.liveness, &s.readiness, &s.health]
        .into_iter()
        .flatten()
        .find_map(|p| p.start_period)?;
    let mut p = check.clone();
    p.start_period = Some(start);
    // The start period replaces any initial delay: the liveness and
    // readiness probes only begin once the startup probe has passed.
    p.initial_delay = None;
    Some(p)
}

fn startup_probe(p: &Probe, derived: bool) -> Yaml {
    let mut y = probe(p);
    if derived {
        let period = p.interval.millis().max(1000);
        let budget = p.start_period.map_or(0, |d| d.millis());
        let threshold = budget.div_ceil(period).max(1);
        y.insert("failureThreshold", Yaml::Int(threshold as i64));
        y.insert(
            "timeoutSeconds",
            Yaml::Int(p.timeout.seconds_ceil().max(1) as i64),
        );
    }
    y
}

/// A probe: the check plus its timings.
pub fn probe(p: &Probe) -> Yaml {
    let mut y = Yaml::map();
    let port = || match &p.port {
        Some(n) => Yaml::str(n),
        None => Yaml::Int(80),
    };
    if let Some(path) = &p.http {
        y.push_entry(
            "httpGet",
            Yaml::map()
                .with("path", Yaml::str(path))
                .with("port", port()),
        );
    } else if let Some(cmd) = &p.exec {
        y.push_entry("exec", Yaml::map().with("command", strings(cmd)));
    } else if let Some(line) = &p.shell {
        let cmd = ["sh".to_string(), "-c".to_string(), line.clone()];
        y.push_entry("exec", Yaml::map().with("command", strings(&cmd)));
    } else {
        y.push_entry("tcpSocket", Yaml::map().with("port", port()));
    }
    if let Some(d) = p.initial_delay {
        y.push_entry("initialDelaySeconds", Yaml::Int(d.seconds_ceil() as i64));
    }
    y.push_entry(
        "periodSeconds",
        Yaml::Int(p.interval.seconds_ceil().max(1) as i64),
    );
    y.push_entry(
        "timeoutSeconds",
        Yaml::Int(p.timeout.seconds_ceil().max(1) as i64),
    );
    if let Some(n) = p.success_threshold {
        y.push_entry("successThreshold", Yaml::Int(n as i64));
    }
    y.push_entry("failureThreshold", Yaml::Int(p.retries as i64));
    y
}

fn container_security(s: &Service) -> Option<Yaml> {
    let sec = s.security.as_ref()?;
    let mut y = Yaml::map();
    y.push_entry(
        "allowPrivilegeEscalation",
        Yaml::Bool(!sec.no_new_privileges),
    );
    y.push_entry("readOnlyRootFilesystem", Yaml::Bool(sec.read_only_root));
    let mut caps = Yaml::map();
    if !sec.drop_capabilities.is_empty() {
        caps.push_entry("drop", strings(&sec.drop_capabilities));
    }
    if let Some(add) = &sec.add_capabilities {
        caps.push_entry("add", strings(add));
    }
    if !caps.is_empty() {
        y.push_entry("capabilities", caps);
    }
    Some(y)
}

/// Secrets this service mounts as files (`file = true` secrets it references).
/// The keys of a `kubernetes.io/tls` Secret.
pub const TLS_KEYS: [&str; 2] = ["tls.crt", "tls.key"];

fn is_optional(m: &Model, secret: &str) -> bool {
    m.secrets.get(secret).is_some_and(|s| s.optional)
}

fn is_tls(m: &Model, secret: &str) -> bool {
    m.secrets
        .get(secret)
        .is_some_and(|s| s.kind == crate::model::SecretKind::Tls)
}

/// The file secrets of the pod: the service's and its init containers'.
fn pod_file_secrets<'m>(s: &Service, m: &'m Model) -> Vec<&'m str> {
    let inits = s.init.values().flat_map(|i| i.env.values());
    file_secrets_of(s.env.values().chain(inits), m)
}

fn file_secrets_of<'a, 'm>(env: impl Iterator<Item = &'a EnvValue>, m: &'m Model) -> Vec<&'m str> {
    let mut out: Vec<&str> = Vec::new();
    for v in env {
        if let EnvValue::Secret { secret } = v {
            if let Some((name, _)) = m.secrets.get_key_value(secret).filter(|(_, sec)| sec.file) {
                if !out.contains(&name.as_str()) {
                    out.push(name);
                }
            }
        }
    }
    out
}

fn mounts(s: &Service, m: &Model, secrets: &[&str]) -> Vec<Yaml> {
    let mut v: Vec<Yaml> = Vec::new();
    for (n, vol) in &s.volumes {
        if vol.bind.is_some() {
            continue;
        }
        let mut y = Yaml::map()
            .with("name", Yaml::str(n))
            .with("mountPath", Yaml::str(&vol.mount));
        if vol.read_only {
            y.push_entry("readOnly", Yaml::Bool(true));
        }
        v.push(y);
    }
    v.extend(super::files::mounts(s));
    for &sec in secrets {
        let n = format!("secret-{}", k8s_name(sec));
        let mut y = Yaml::map()
            .with("name", Yaml::str(n))
            .with("mountPath", Yaml::str(format!("/run/secrets/{sec}")));
        // A TLS secret is a directory holding `tls.crt` and `tls.key`; any
        // other secret is the one file `value` becomes.
        if !is_tls(m, sec) {
            y.push_entry("subPath", Yaml::str(sec));
        }
        y.push_entry("readOnly", Yaml::Bool(true));
        v.push(y);
    }
    if s.security.as_ref().is_some_and(|sec| sec.read_only_root)
        && !s.volumes.values().any(|v| v.mount == "/tmp")
    {
        v.push(
            Yaml::map()
                .with("name", Yaml::lit("tmp"))
                .with("mountPath", Yaml::lit("/tmp")),
        );
    }
    v
}

fn volumes(name: &str, s: &Service, m: &Model, out: &mut Output) -> Vec<Yaml> {
    let env = m.env_name();
    let mut v = Vec::new();
    for (n, vol) in &s.volumes {
        if let Some(size) = vol.tmpfs {
            let ed = Yaml::map()
                .with("medium", Yaml::lit("Memory"))
                .with("sizeLimit", Yaml::str(size.k8s()));
            v.push(Yaml::map().with("name", Yaml::str(n)).with("emptyDir", ed));
        } else if vol.size.is_some() && s.is_stateful() {
            // Mounted from the claim template of the same name.
            continue;
        } else if vol.size.is_some() {
            let claim = Yaml::map().with("claimName", Yaml::str(format!("{name}-{n}")));
            v.push(
                Yaml::map()
                    .with("name", Yaml::str(n))
                    .with("persistentVolumeClaim", claim),
            );
        } else if vol.bind.is_some() {
            out.dropped(vol.span, env, "bind mount", "host bind mounts are a local-development feature; Kubernetes pods get no host directory");
            continue;
        }
        out.exact += 1;
    }
    v.extend(super::files::volumes(s));
    for sec in pod_file_secrets(s, m) {
        let item = |key: &str, path: &str| {
            Yaml::map()
                .with("key", Yaml::str(key))
                .with("path", Yaml::str(path))
        };
        // The items name the keys the Secret has (see `meta::secret_templates`).
        let items = Yaml::Seq(if is_tls(m, sec) {
            TLS_KEYS.iter().map(|k| item(k, k)).collect()
        } else {
            vec![item("value", sec)]
        });
        let mut secret = Yaml::map()
            .with("secretName", Yaml::str(k8s_name(sec)))
            .with("items", items);
        if is_optional(m, sec) {
            // An absent Secret mounts as an empty volume.
            secret.push_entry("optional", Yaml::Bool(true));
            if !is_tls(m, sec) {
                if let Some(decl) = m.secrets.get(sec) {
                    out.approximated(
                        decl.span,
                        env,
                        "optional",
                        format!(
                            "when Secret `{}` is absent, Kubernetes mounts an empty directory at /run/secrets/{sec} (a subPath of an empty volume), not no file",
                            k8s_name(sec)
                        ),
                    );
                }
            }
        }
        v.push(
            Yaml::map()
                .with("name", Yaml::str(format!("secret-{}", k8s_name(sec))))
                .with("secret", secret),
        );
    }
    if s.security.as_ref().is_some_and(|sec| sec.read_only_root)
        && !s.volumes.values().any(|v| v.mount == "/tmp")
    {
        v.push(
            Yaml::map()
                .with("name", Yaml::lit("tmp"))
                .with("emptyDir", Yaml::map()),
        );
    }
    v
}
