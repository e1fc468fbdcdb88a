//! One container service → its Compose service mapping. Keys are written
//! in one fixed order (profiles, image, build, process, environment,
//! secrets, ports, volumes, health, dependencies, restart, deploy,
//! security, metadata) so documents of different environments diff
//! cleanly.

use super::document::{Cx, ServiceDoc};
use super::health;
use super::values::{bytes, duration, env_value, lit, lit_seq, lit_yaml};
use crate::emit::yaml::Yaml;
use crate::model::{AccessMode, Restart, Service, Volume};

/// Lowers `svc` (a container service).
pub(super) fn lower(cx: &mut Cx, svc: &Service) -> ServiceDoc {
    let mut sd = ServiceDoc {
        name: svc.name.clone(),
        doc: Yaml::map(),
        volumes: Vec::new(),
        secrets: Vec::new(),
        networks: Vec::new(),
        configs: Vec::new(),
        uses: Vec::new(),
    };
    profiles(cx, svc, &mut sd);
    image(cx, svc, &mut sd);
    process(cx, svc, &mut sd);
    environment(cx, svc, &mut sd);
    ports(cx, svc, &mut sd);
    volumes(cx, svc, &mut sd);
    networks(cx, svc, &mut sd);
    files(cx, svc, &mut sd);
    health::healthcheck(cx, svc, &mut sd.doc);
    health::depends_on(cx, svc, &mut sd.doc);
    restart(cx, svc, &mut sd.doc);
    deploy(cx, svc, &mut sd.doc);
    security(cx, svc, &mut sd.doc);
    metadata(cx, svc, &mut sd.doc);
    kubernetes_only(cx, svc);
    sd
}

/// `networks:` with the named networks the service joins and its aliases
/// on each; none: the project's `default` network (Compose's default).
fn networks(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) {
    if svc.networks.is_empty() {
        return;
    }
    let mut m = Yaml::map();
    for (name, n) in &svc.networks {
        let mut entry = Yaml::map();
        if let Some(a) = n.aliases.as_ref().filter(|a| !a.is_empty()) {
            entry.push_entry("aliases", lit_seq(a));
        }
        m.push_entry(name.clone(), entry);
        if name != "default" {
            sd.networks.push(name.clone());
        }
    }
    set(&mut sd.doc, "networks", m);
    cx.findings.exact(&svc.name, "network");
}

fn set(doc: &mut Yaml, key: &'static str, value: Yaml) {
    doc.push_entry(key, value);
}

fn profiles(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) {
    let Some(envs) = cx.gating.get(svc.name.as_str()) else {
        return;
    };
    if !envs.is_empty() {
        set(&mut sd.doc, "profiles", lit_seq(envs));
        cx.findings.exact(&svc.name, "environments");
    }
}

/// A service with a `build` is tagged with its local name (`build.image`),
/// never with the release name in the registry: a local build must not
/// pass for a released image.
fn image(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) {
    match (&svc.build, &svc.image_ref) {
        (Some(b), _) => set(&mut sd.doc, "image", lit_yaml(&b.image)),
        (None, Some(r)) => set(&mut sd.doc, "image", lit_yaml(&r.reference)),
        (None, None) => {}
    }
    if svc.image_ref.is_some() {
        cx.findings.exact(&svc.name, "image");
    }
    if let Some(p) = svc.pull {
        set(&mut sd.doc, "pull_policy", Yaml::lit(p.compose()));
        cx.findings.exact(&svc.name, "pull");
    }
    if let Some(n) = &svc.container_name {
        set(&mut sd.doc, "container_name", lit_yaml(n));
        cx.findings.exact(&svc.name, "container_name");
    }
    let Some(b) = &svc.build else { return };
    let mut m = Yaml::map().with("context", lit_yaml(&b.context));
    if let Some(d) = &b.dockerfile {
        m.push_entry("dockerfile", lit_yaml(d));
    }
    if let Some(t) = &b.target {
        m.push_entry("target", lit_yaml(t));
    }
    if !b.args.is_empty() {
        let args = b
            .args
            .iter()
            .map(|(k, v)| (k.clone().into(), lit_yaml(v)))
            .collect();
        m.push_entry("args", Yaml::Map(args));
    }
    if let Some(p) = &b.platforms {
        m.push_entry("platforms", lit_seq(p));
    }
    set(&mut sd.doc, "build", m);
    cx.findings.exact(&svc.name, "build");
}

/// `command` replaces the entrypoint, `args` are the command (as in Kubernetes).
fn process(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) {
    let fields = [
        ("entrypoint", svc.command.as_ref()),
        ("command", svc.args.as_ref()),
    ];
    for (key, value) in fields {
        if let Some(v) = value {
            set(&mut sd.doc, key, lit_seq(v));
            cx.findings.exact(&svc.name, key);
        }
    }
    if let Some(w) = &svc.workdir {
        set(&mut sd.doc, "working_dir", lit_yaml(w));
        cx.findings.exact(&svc.name, "workdir");
    }
}

/// `env_from` configs first, then `env` (which wins on a clash).
fn environment(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) {
    let mut env = Yaml::map();
    for config in svc.env_from.iter().flatten() {
        for (k, v) in cx.model.configs.get(config).into_iter().flatten() {
            env.insert(k.clone(), lit_yaml(v));
        }
        cx.findings.exact(&svc.name, "env_from");
    }
    for (var, v) in &svc.env {
        let value = env_value(cx, svc, var, v, sd);
        env.insert(var.clone(), value);
    }
    if !env.is_empty() {
        set(&mut sd.doc, "environment", env);
        cx.findings.exact(&svc.name, "env");
    }
    if !sd.secrets.is_empty() {
        let list = sd.secrets.iter().map(Yaml::str).collect();
        set(&mut sd.doc, "secrets", Yaml::Seq(list));
    }
}

/// Published ports (long form, with the port's name) for ports with a
/// `host`; `expose` for the others.
fn ports(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) {
    let mut published = Vec::new();
    let mut expose: Vec<Yaml> = Vec::new();
    for (name, p) in &svc.ports {
        if let Some(host) = p.host {
            let entry = Yaml::map()
                .with("name", Yaml::str(name))
                .with("target", i64::from(p.container).into())
                .with("published", Yaml::str(host.to_string()))
                .with("protocol", Yaml::lit(p.protocol.lower()));
            published.push(entry);
            if replicas(svc) > 1 {
                cx.findings.approximated(
                    p.span,
                    "ports",
                    format!("{} replicas cannot all publish host port {host}: only one container binds it, the others fail to start", replicas(svc)),
                );
            }
        } else {
            let e = match p.protocol.lower() {
                "tcp" => p.container.to_string(),
                proto => format!("{}/{proto}", p.container),
            };
            if !expose.contains(&Yaml::str(e.clone())) {
                expose.push(Yaml::str(e));
            }
        }
        if let Some(np) = p.node_port {
            cx.findings.dropped(
                p.span,
                "node_port",
                format!(
                    "NodePort {np} is Kubernetes-only; set `host` to publish the port with Compose"
                ),
            );
        }
        cx.findings.exact(&svc.name, "ports");
    }
    if !published.is_empty() {
        set(&mut sd.doc, "ports", Yaml::Seq(published));
    }
    if !expose.is_empty() {
        set(&mut sd.doc, "expose", Yaml::Seq(expose));
    }
}

/// The replica count Compose runs: `autoscale.min` under autoscaling.
fn replicas(svc: &Service) -> u32 {
    svc.autoscale.as_ref().map_or(svc.replicas, |a| a.min)
}

/// Long-form mounts: named volumes `<service>-<volume>` for persistent
/// storage, bind mounts, tmpfs.
fn volumes(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) {
    let mut list = Vec::new();
    for (name, v) in &svc.volumes {
        let mut m = mount(cx, svc, name, v, sd);
        if v.read_only {
            m.push_entry("read_only", true.into());
        }
        list.push(m);
        cx.findings.exact(&svc.name, "volumes");
    }
    if !list.is_empty() {
        set(&mut sd.doc, "volumes", Yaml::Seq(list));
    }
}

fn mount(cx: &mut Cx, svc: &Service, name: &str, v: &Volume, sd: &mut ServiceDoc) -> Yaml {
    let target = lit_yaml(&v.mount);
    if let Some(source) = &v.bind {
        let m = Yaml::map()
            .with("type", "bind".into())
            .with("source", lit_yaml(source));
        return m.with("target", target);
    }
    if let Some(size) = v.tmpfs {
        let m = Yaml::map()
            .with("type", "tmpfs".into())
            .with("target", target);
        return m.with("tmpfs", Yaml::map().with("size", bytes(size)));
    }
    let volume = format!("{}-{name}", svc.name);
    persistent(cx, svc, name, v);
    sd.volumes.push(volume.clone());
    let m = Yaml::map()
        .with("type", "volume".into())
        .with("source", Yaml::str(volume));
    m.with("target", target)
}

/// Mounted files: a top-level config each (`content:`, the text inline,
/// named `<service>-<volume name the k8s backend gives it>`), mounted at
/// its path.
fn files(cx: &mut Cx, svc: &Service, sd: &mut ServiceDoc) {
    let mut list = Vec::new();
    for item in crate::emit::k8s::files::items(svc) {
        let name = format!("{}-{}", svc.name, item.volume);
        list.push(
            Yaml::map()
                .with("source", lit_yaml(&name))
                .with("target", lit_yaml(&item.path)),
        );
        sd.configs.push((name, item.content));
        cx.findings.exact(&svc.name, "files");
    }
    if !list.is_empty() {
        set(&mut sd.doc, "configs", Yaml::Seq(list));
    }
}

/// What a named volume cannot carry: size, storage class, access mode.
fn persistent(cx: &mut Cx, svc: &Service, name: &str, v: &Volume) {
    let id = format!("{}-{name}", svc.name);
    if let Some(size) = v.size {
        cx.findings.approximated(
            v.span,
            "volume size",
            format!("named volume `{id}` has no size limit in Compose (requested {size})"),
        );
    }
    if svc.is_stateful() && replicas(svc) > 1 {
        cx.findings.approximated(
            v.span,
            "volume",
            format!(
                "the {} replicas of stateful `{}` share the one named volume `{id}`; Kubernetes gives each pod a volume of its own",
                replicas(svc),
                svc.name
            ),
        );
    }
    if let Some(class) = &v.storage_class {
        cx.findings.dropped(
            v.span,
            "storage_class",
            format!(
                "storage class `{class}` is Kubernetes-only; `{id}` uses the default local driver"
            ),
        );
    }
    if v.access != AccessMode::ReadWriteOnce {
        cx.findings.dropped(
            v.span,
            "access",
            format!(
                "access mode {} is Kubernetes-only; any container may mount `{id}`",
                v.access.k8s()
            ),
        );
    }
}

fn restart(cx: &mut Cx, svc: &Service, doc: &mut Yaml) {
    let policy = match svc.restart {
        Restart::Always => "always",
        Restart::OnFailure => "on-failure",
        Restart::UnlessStopped => "unless-stopped",
        Restart::Never => "no",
    };
    set(doc, "restart", Yaml::lit(policy));
    cx.findings.exact(&svc.name, "restart");
}

/// `deploy.replicas` (when not 1) and `deploy.resources`.
fn deploy(cx: &mut Cx, svc: &Service, doc: &mut Yaml) {
    let mut d = Yaml::map();
    if let Some(a) = &svc.autoscale {
        cx.findings.dropped(
            a.span,
            "autoscale",
            format!(
                "Compose does not autoscale; runs a fixed {} replica(s) (`autoscale.min`)",
                a.min
            ),
        );
    }
    if replicas(svc) != 1 {
        d.push_entry("replicas", replicas(svc).into());
        cx.findings.exact(&svc.name, "replicas");
    }
    if let Some(res) = resources(cx, svc) {
        d.push_entry("resources", res);
    }
    if !d.is_empty() {
        set(doc, "deploy", d);
    }
}

/// Limits are enforced exactly; requests become reservations, which plain
/// Docker does not schedule by (and does not apply to CPU).
fn resources(cx: &mut Cx, svc: &Service) -> Option<Yaml> {
    let r = svc.resources.as_ref()?;
    let mut limits = Yaml::map();
    let mut reservations = Yaml::map();
    if let Some(cpu) = &r.cpu {
        limits.push_entry("cpus", Yaml::str(cpu.limit.cores()));
        reservations.push_entry("cpus", Yaml::str(cpu.request.cores()));
    }
    if let Some(mem) = &r.memory {
        limits.push_entry("memory", bytes(mem.limit));
        reservations.push_entry("memory", bytes(mem.request));
    }
    if limits.is_empty() {
        return None;
    }
    cx.findings.exact(&svc.name, "resource limits");
    cx.findings.approximated(
        svc.span_of("resources"),
        "resources",
        "requests become `deploy.resources.reservations`: without Swarm, Docker neither schedules by them nor reserves CPU; the limits are enforced",
    );
    Some(
        Yaml::map()
            .with("limits", limits)
            .with("reservations", reservations),
    )
}

/// `user`, `read_only`, capabilities and `no-new-privileges`.
fn security(cx: &mut Cx, svc: &Service, doc: &mut Yaml) {
    let Some(s) = &svc.security else { return };
    match (s.user, s.group) {
        (Some(u), Some(g)) => set(doc, "user", Yaml::str(format!("{u}:{g}"))),
        (Some(u), None) => set(doc, "user", Yaml::str(u.to_string())),
        (None, Some(g)) => cx.findings.dropped(
            s.span,
            "security.group",
            format!("Compose sets a group only together with a user; group {g} is not applied"),
        ),
        (None, None) => {}
    }
    if s.non_root && s.user.is_none_or(|u| u == 0) {
        cx.findings.dropped(
            s.span,
            "security.non_root",
            "Compose cannot refuse to run as root; set `security.user` to a non-zero uid",
        );
    }
    if s.read_only_root {
        set(doc, "read_only", true.into());
    }
    if !s.drop_capabilities.is_empty() {
        set(doc, "cap_drop", lit_seq(&s.drop_capabilities));
    }
    if let Some(add) = s.add_capabilities.as_ref().filter(|a| !a.is_empty()) {
        set(doc, "cap_add", lit_seq(add));
    }
    if s.no_new_privileges {
        set(
            doc,
            "security_opt",
            vec![Yaml::lit("no-new-privileges:true")].into(),
        );
    }
    cx.findings.exact(&svc.name, "security");
}

/// `stop_grace_period`, `labels` (stack, environment, service) and
/// `annotations` (stack, service).
fn metadata(cx: &mut Cx, svc: &Service, doc: &mut Yaml) {
    if let Some(d) = svc.stop_grace {
        set(doc, "stop_grace_period", duration(d));
        cx.findings.exact(&svc.name, "stop_grace");
    }
    let m = cx.model;
    let env_labels = m.environment.iter().flat_map(|e| &e.labels);
    let labels = string_map(m.stack.labels.iter().chain(env_labels).chain(&svc.labels));
    if !labels.is_empty() {
        set(doc, "labels", labels);
        cx.findings.exact(&svc.name, "labels");
    }
    let annotations = string_map(m.stack.annotations.iter().chain(&svc.annotations));
    if !annotations.is_empty() {
        set(doc, "annotations", annotations);
        cx.findings.exact(&svc.name, "annotations");
    }
}

/// A mapping of literals; later pairs win.
fn string_map<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>) -> Yaml {
    let mut m = Yaml::map();
    for (k, v) in pairs {
        m.insert(k.clone(), Yaml::str(lit(v)));
    }
    m
}

/// Kubernetes features Compose has no counterpart for.
fn kubernetes_only(cx: &mut Cx, svc: &Service) {
    if let Some(i) = &svc.ingress {
        cx.findings.dropped(
            i.span,
            "ingress",
            format!("Compose has no Ingress; `{}` is not routed (publish a port with `host`, or run a reverse proxy)", i.host),
        );
    }
    if let Some(d) = &svc.disruption {
        cx.findings
            .dropped(d.span, "disruption", "Compose has no disruption budget");
    }
    if let Some(r) = &svc.rollout {
        cx.findings.dropped(
            r.span,
            "rollout",
            "Compose recreates containers on `up`; the rollout strategy does not apply",
        );
    }
    if let Some(h) = &svc.host {
        cx.findings.dropped(
            h.span,
            "host",
            "host-process settings are for the systemd target; Compose runs the container",
        );
    }
    for (feature, span, what) in crate::emit::unitfile::scheduling(svc) {
        cx.findings.dropped(
            span,
            feature,
            format!("{what}: Compose runs every container on the one Docker host"),
        );
    }
    if let Some(how) = crate::emit::unitfile::exposure_elsewhere(svc) {
        cx.findings.dropped(
            svc.span_of("expose"),
            "expose",
            format!("Compose has no {how}: ports with `host` are published on the host, the others stay on the stack's network"),
        );
    }
    if let Some(p) = &svc.pre_stop {
        cx.findings.dropped(
            p.span,
            "pre_stop",
            "Compose has no pre-stop hook: the container gets the stop signal at once (`stop_grace` still bounds the shutdown)",
        );
    }
    if svc.service_links == Some(true) {
        cx.findings.dropped(
            svc.span_of("service_links"),
            "service_links",
            "Compose injects no Kubernetes service-link variables (`<SERVICE>_SERVICE_HOST`); use `${svc.host}` in `env`",
        );
    }
}
