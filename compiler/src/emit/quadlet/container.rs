//! One `<service>.container` from a service with an image, with its
//! lowering findings.

use super::{assignment, raw, runs_as_container, secret_name, Cx};
use crate::emit::output::hash_header;
use crate::emit::unitfile::{
    self, exec_word, specifiers, time, Vantage, RESTART_SEC, START_LIMIT_BURST,
    START_LIMIT_INTERVAL,
};
use crate::model::{Bytes, Condition, Cpu, EnvValue, Model, Probe, Restart, Service};
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// How long a start may take: pulling an image, then (with
/// `Notify=healthy`) the first passing health check.
const START_TIMEOUT: &str = "15min";

/// What the rest of the backend needs to know about one container.
pub(super) struct Unit {
    pub(super) service: String,
    /// The stack secrets the container reads.
    pub(super) secrets: Vec<String>,
    /// The image reference as written in `Image=`.
    pub(super) image: String,
    /// Whether the stack builds the image.
    pub(super) built: bool,
    /// The copies of its mounted files (`files/<service>/<name>`) and
    /// the paths they are mounted at.
    pub(super) files: Vec<(String, String)>,
    /// For an init container: `(service, init name)`.
    pub(super) init_of: Option<(String, String)>,
}

/// An init container's place: the service it runs before, its name, and
/// the init unit before it (each waits for the one before).
pub(super) struct InitRole<'a> {
    pub(super) owner: &'a Service,
    pub(super) name: &'a str,
    pub(super) previous: Option<String>,
}

/// The unit name of init container `name` of `service`.
pub(super) fn init_unit(service: &str, name: &str) -> String {
    format!("{service}-init-{name}")
}

/// The service's container and, before it, one one-shot container per
/// init container (`<service>-init-<name>.container`, `Type=oneshot`,
/// `RemainAfterExit=yes`), each after the one before; the service
/// `Requires=`/`After=` them all.
pub(super) fn build_all(cx: &mut Cx, s: &Service) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut previous = None;
    for (name, init) in &s.init {
        let as_init = s.as_init(name, init);
        let role = InitRole {
            owner: s,
            name,
            previous: previous.clone(),
        };
        units.push(build(cx, &as_init, Some(&role)));
        // What the init container lowers counts for the service (as `init`).
        cx.exact.retain(|(n, _)| *n != as_init.name);
        previous = Some(init_unit(&s.name, name));
    }
    units.push(build(cx, s, None));
    units
}

/// A variable's value in the container.
enum Var {
    Literal(String),
    /// A Podman secret as the variable (`type=env`).
    Secret(String),
    /// A `file = true` secret: mounted, the variable holds its path.
    File(String),
}

/// Where a `file = true` secret is mounted.
fn secret_path(secret: &str) -> String {
    format!("/run/secrets/{secret}")
}

/// The containers of `m` that another container waits for as `healthy`
/// and that have a health check: they send `Notify=healthy`.
pub(super) fn waited_for_health(m: &Model) -> BTreeSet<String> {
    let waited: BTreeSet<&str> = m
        .services
        .values()
        .filter(|o| runs_as_container(o))
        .flat_map(|o| o.depends_on.iter())
        .filter(|(_, c)| **c == Condition::Healthy)
        .map(|(d, _)| d.as_str())
        .collect();
    waited
        .into_iter()
        .filter(|d| m.services.get(*d).is_some_and(|s| check(s).is_some()))
        .map(str::to_string)
        .collect()
}

fn build(cx: &mut Cx, s: &Service, role: Option<&InitRole>) -> Unit {
    let m = cx.model;
    let name = &s.name;
    let mut unit = String::new();
    let mut ctr = String::new();
    let mut svc = String::new();
    let line = |buf: &mut String, k: &str, v: &str| buf.push_str(&format!("{k}={v}\n"));

    // ---------------------------------------------------------- [Unit]
    let env_desc = m
        .env_name()
        .map_or(String::new(), |e| format!(" (environment {e})"));
    line(
        &mut unit,
        "Description",
        &specifiers(&format!("{}: {name}{env_desc}", m.stack.name)),
    );
    line(&mut unit, "PartOf", &format!("{}.target", m.stack.name));
    let mut deps = Vec::new();
    for (dep, cond) in &s.depends_on {
        if depends(cx, s, dep, *cond) {
            deps.push(format!("{dep}.service"));
        }
    }
    match role {
        Some(r) => deps.extend(r.previous.iter().map(|p| format!("{p}.service"))),
        None => {
            let inits = s
                .init
                .keys()
                .map(|i| format!("{}.service", init_unit(name, i)));
            deps.extend(inits);
            if !s.init.is_empty() {
                cx.exact(name, "init");
            }
        }
    }
    if !deps.is_empty() {
        line(&mut unit, "Requires", &deps.join(" "));
        line(&mut unit, "After", &deps.join(" "));
    }
    if s.restart != Restart::Never {
        line(&mut unit, "StartLimitIntervalSec", START_LIMIT_INTERVAL);
        line(&mut unit, "StartLimitBurst", &START_LIMIT_BURST.to_string());
    }

    // ---------------------------------------------------------- [Container]
    let (image, built) = image(cx, s);
    line(&mut ctr, "Image", &raw(&image));
    if let Some(p) = s.pull {
        line(&mut ctr, "Pull", p.compose());
        cx.exact(name, "pull");
    }
    // An init container never takes the service's fixed name.
    match s.container_name.as_ref().filter(|_| role.is_none()) {
        Some(n) => {
            line(&mut ctr, "ContainerName", &raw(n));
            cx.exact(name, "container_name");
        }
        None => line(
            &mut ctr,
            "ContainerName",
            &format!("{}-{name}", m.stack.name),
        ),
    }
    line(&mut ctr, "Network", &format!("{}.network", m.stack.name));
    line(&mut ctr, "NetworkAlias", name);
    networks(cx, s, &mut ctr);
    if let Some(cmd) = &s.command {
        line(&mut ctr, "Entrypoint", &raw(&json(cmd)));
        cx.exact(name, "command");
    }
    if let Some(args) = &s.args {
        let words: Vec<String> = args.iter().map(|a| exec_word(a)).collect();
        line(&mut ctr, "Exec", &words.join(" "));
        cx.exact(name, "args");
    }
    if let Some(wd) = &s.workdir {
        line(&mut ctr, "WorkingDir", &raw(wd));
        cx.exact(name, "workdir");
    }
    security(cx, s, &mut ctr);
    ports(cx, s, &mut ctr);

    let vars = variables(cx, s);
    for v in vars.values() {
        if let Var::Secret(secret) | Var::File(secret) = v {
            optional_secret(cx, secret);
        }
    }
    let mut secrets: Vec<String> = Vec::new();
    for (k, v) in &vars {
        match v {
            Var::Literal(text) => line(&mut ctr, "Environment", &assignment(k, text)),
            Var::File(secret) => {
                line(
                    &mut ctr,
                    "Environment",
                    &assignment(k, &secret_path(secret)),
                );
            }
            Var::Secret(_) => {}
        }
    }
    for (k, v) in &vars {
        match v {
            Var::Secret(secret) => {
                line(
                    &mut ctr,
                    "Secret",
                    &format!("{},type=env,target={k}", secret_name(m, secret)),
                );
                if !secrets.contains(secret) {
                    secrets.push(secret.clone());
                }
            }
            Var::File(secret) if !secrets.contains(secret) => {
                line(
                    &mut ctr,
                    "Secret",
                    &format!(
                        "{},type=mount,target={}",
                        secret_name(m, secret),
                        secret_path(secret)
                    ),
                );
                secrets.push(secret.clone());
            }
            _ => {}
        }
    }
    let mounted = files(cx, s, role.map_or(name, |r| &r.owner.name), &mut ctr);
    volumes(cx, s, &mut ctr);
    let notify = cx.notify_healthy.contains(name);
    health(cx, s, notify, &mut ctr);
    resources(cx, s, &mut ctr);
    // The stack's labels and annotations, then the service's (which win).
    for (key, stack, own) in [
        ("Label", &m.stack.labels, &s.labels),
        ("Annotation", &m.stack.annotations, &s.annotations),
    ] {
        let mut all = stack.clone();
        all.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (k, v) in &all {
            line(&mut ctr, key, &assignment(k, v));
        }
        if !all.is_empty() {
            cx.exact(name, "labels");
        }
    }
    if let Some(g) = s.stop_grace {
        line(&mut ctr, "StopTimeout", &g.seconds_ceil().to_string());
        cx.exact(name, "stop_grace");
    }

    // ---------------------------------------------------------- [Service]
    if role.is_some() {
        // Runs to completion once; the service's start waits for it
        // (a long migration is not cut short).
        line(&mut svc, "Type", "oneshot");
        line(&mut svc, "RemainAfterExit", "yes");
        line(&mut svc, "TimeoutStartSec", "infinity");
    } else {
        pre_stop(cx, s, &mut svc);
    }
    line(&mut svc, "Restart", unitfile::restart(s.restart));
    if s.restart != Restart::Never {
        line(&mut svc, "RestartSec", RESTART_SEC);
    }
    if role.is_none() {
        cx.exact(name, "restart");
        line(&mut svc, "TimeoutStartSec", START_TIMEOUT);
    }
    if let Some(g) = s.stop_grace {
        // Podman's own stop timeout first, then systemd's.
        line(
            &mut svc,
            "TimeoutStopSec",
            &time(crate::model::Duration(g.0 + 30_000)),
        );
    }
    if role.is_none() {
        k8s_only(cx, s);
    }

    let mut text = hash_header();
    let what = match role {
        Some(r) => format!(
            "Init container `{}` of service `{}`, run once before it,",
            r.name, r.owner.name
        ),
        None => format!("Container `{name}`"),
    };
    text.push_str(&format!(
        "# {what} of stack `{}`{}; see README.txt to install.\n",
        m.stack.name,
        crate::emit::unitfile::env_phrase(m)
    ));
    text.push_str("\n[Unit]\n");
    text.push_str(&unit);
    text.push_str("\n[Container]\n");
    text.push_str(&ctr);
    text.push_str("\n[Service]\n");
    text.push_str(&svc);
    if role.is_none() {
        // An init container starts because its service requires it.
        text.push_str("\n[Install]\nWantedBy=default.target\n");
    }
    cx.files.push((format!("{name}.container"), text));
    Unit {
        service: name.clone(),
        secrets,
        image,
        built,
        files: mounted,
        init_of: role.map(|r| (r.owner.name.clone(), r.name.to_string())),
    }
}

/// A JSON array of strings (`Entrypoint=`, `HealthCmd=`).
fn json(words: &[String]) -> String {
    serde_json::to_string(words).unwrap_or_else(|_| "[]".to_string())
}

/// The fully qualified image reference (Podman warns about, and may
/// prompt for, short names): a reference without a registry host is
/// Docker Hub's, as Docker reads it, or, for an image the stack builds
/// without a registry, the one `podman build -t` leaves on the host.
fn image(cx: &mut Cx, s: &Service) -> (String, bool) {
    let built = s.build.is_some();
    let reference = s
        .image_ref
        .as_ref()
        .map_or_else(|| s.name.clone(), |r| r.reference.clone());
    let first = reference.split('/').next().unwrap_or("");
    let has_host = reference.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost");
    let full = if has_host {
        reference
    } else if built {
        let full = format!("localhost/{reference}");
        cx.out.approximated(
            s.span_of("build"),
            cx.env,
            "build",
            format!(
                "no registry: the container runs `{full}`, which `podman build -t {reference}` \
                 leaves on the host; build it there first"
            ),
        );
        return (full, true);
    } else if reference.contains('/') {
        format!("docker.io/{reference}")
    } else {
        format!("docker.io/library/{reference}")
    };
    if built {
        cx.out.approximated(
            s.span_of("build"),
            cx.env,
            "build",
            format!("not built by the host: push `{full}` before starting (or build it there with `podman build -t {full}`)"),
        );
    } else {
        cx.exact(&s.name, "image");
    }
    (full, built)
}

/// `depends_on`: whether `dep` is a container to order after (reported
/// otherwise).
fn depends(cx: &mut Cx, s: &Service, dep: &str, cond: Condition) -> bool {
    let span = s.span_of("depends_on");
    let target = cx.model.services.get(dep);
    match target {
        Some(t) if runs_as_container(t) => {}
        Some(t) if t.external.is_some() => {
            cx.out.approximated(
                span,
                cx.env,
                "depends_on",
                format!("`{dep}` runs elsewhere: nothing here orders the start after it"),
            );
            return false;
        }
        _ => {
            cx.out.dropped(
                span,
                cx.env,
                "depends_on",
                format!(
                    "`{dep}` has no container in this stack: nothing orders the start after it"
                ),
            );
            return false;
        }
    }
    match cond {
        Condition::Started => cx.exact(&s.name, "depends_on"),
        Condition::Healthy if target.and_then(check).is_some() => cx.exact(&s.name, "depends_on"),
        Condition::Healthy => cx.out.approximated(
            span,
            cx.env,
            "depends_on",
            format!("`{dep}` has no health check to wait for: ordered after it starts"),
        ),
        Condition::Completed => cx.out.approximated(
            span,
            cx.env,
            "depends_on",
            format!("`{dep}` runs as a service: ordered after it starts, not after it completes"),
        ),
    }
    true
}

/// `env_from` configs first, then `env` (which wins on a clash).
fn variables(cx: &mut Cx, s: &Service) -> IndexMap<String, Var> {
    let m = cx.model;
    let mut vars = IndexMap::new();
    for config in s.env_from.iter().flatten() {
        for (k, v) in m.configs.get(config).into_iter().flatten() {
            vars.insert(k.clone(), Var::Literal(v.clone()));
        }
        cx.exact(&s.name, "env_from");
    }
    for (k, v) in &s.env {
        let var = match v {
            EnvValue::Literal(t) => Var::Literal(t.clone()),
            EnvValue::ConfigKey { config, key } => {
                let t = m.configs.get(config).and_then(|c| c.get(key));
                Var::Literal(t.cloned().unwrap_or_default())
            }
            EnvValue::Interp { interp } => {
                Var::Literal(unitfile::render(m, interp, Vantage::Container))
            }
            EnvValue::Secret { secret } => match m.secrets.get(secret) {
                Some(sec) if sec.file => Var::File(secret.clone()),
                _ => Var::Secret(secret.clone()),
            },
        };
        vars.shift_remove(k);
        vars.insert(k.clone(), var);
    }
    if !s.env.is_empty() {
        cx.exact(&s.name, "env");
    }
    vars
}

/// `port`: published ports (`host`) as `PublishPort=`; the others are
/// reached on the stack's network.
fn ports(cx: &mut Cx, s: &Service, ctr: &mut String) {
    for p in s.ports.values() {
        if let Some(h) = p.host {
            ctr.push_str(&format!(
                "PublishPort={h}:{}/{}\n",
                p.container,
                p.protocol.lower()
            ));
        }
        cx.exact(&s.name, "port");
        if p.node_port.is_some() {
            cx.out.dropped(
                p.span,
                cx.env,
                "port.node_port",
                "no node port on a single host: publish it with `host`",
            );
        }
    }
}

/// `security`: user, group, read-only root, privileges, capabilities.
fn security(cx: &mut Cx, s: &Service, ctr: &mut String) {
    let Some(sec) = &s.security else { return };
    match (sec.user, sec.group) {
        (Some(u), g) => {
            ctr.push_str(&format!("User={u}\n"));
            if let Some(g) = g {
                ctr.push_str(&format!("Group={g}\n"));
            }
            cx.exact(&s.name, "security.user");
        }
        (None, Some(_)) => cx.out.dropped(
            sec.span,
            cx.env,
            "security.group",
            "a group without a user: the image's user and group apply",
        ),
        (None, None) if sec.non_root => cx.out.approximated(
            sec.span,
            cx.env,
            "security.non_root",
            "Podman does not refuse a root user: the image's user applies (set `user`)",
        ),
        (None, None) => {}
    }
    if sec.read_only_root {
        ctr.push_str("ReadOnly=true\n");
    }
    if sec.no_new_privileges {
        ctr.push_str("NoNewPrivileges=true\n");
    }
    for c in &sec.drop_capabilities {
        ctr.push_str(&format!("DropCapability={}\n", raw(c)));
    }
    for c in sec.add_capabilities.iter().flatten() {
        ctr.push_str(&format!("AddCapability={}\n", raw(c)));
    }
    cx.exact(&s.name, "security");
}

/// Mounted files: each written to `files/<service>/<name>` beside the
/// units and bind-mounted read-only from there (`./` is the directory the
/// `.container` file is installed in; `Z` relabels the copy for SELinux,
/// each service has its own).
fn files(cx: &mut Cx, s: &Service, owner: &str, ctr: &mut String) -> Vec<(String, String)> {
    let (copies, unmountable) = unitfile::file_copies(s, owner);
    let mut mounted = Vec::new();
    for c in copies {
        mounted.push((c.copy.clone(), c.path.to_string()));
        ctr.push_str(&format!("Volume=./{}:{}:ro,Z\n", raw(&c.copy), raw(c.path)));
        if !cx.files.iter().any(|(p, _)| *p == c.copy) {
            cx.files.push((c.copy, c.file.content.clone()));
        }
        cx.exact(&s.name, "file");
    }
    for path in unmountable.into_iter().filter(|_| owner == s.name) {
        let span = s.files.get(path).map_or(s.span, |f| f.span);
        cx.out.dropped(
            span,
            cx.env,
            "file",
            format!("mounted file {path}: Podman cannot bind-mount a path with a `:`; build it into the image"),
        );
    }
    mounted
}

/// Volumes: persistent ones as `<service>-<volume>.volume` units, binds
/// as host paths, tmpfs as `Tmpfs=`, the others anonymous (removed with
/// the container).
fn volumes(cx: &mut Cx, s: &Service, ctr: &mut String) {
    for (vname, v) in &s.volumes {
        let ro = if v.read_only { ":ro" } else { "" };
        if let Some(size) = v.tmpfs {
            let mode = if v.read_only { "ro," } else { "" };
            ctr.push_str(&format!(
                "Tmpfs={}:{mode}size={}\n",
                raw(&v.mount),
                podman_bytes(size)
            ));
            cx.exact(&s.name, "volume.tmpfs");
        } else if let Some(src) = &v.bind {
            ctr.push_str(&format!("Volume={}:{}{ro}\n", raw(src), raw(&v.mount)));
            if src.starts_with('/') {
                cx.exact(&s.name, "volume.bind");
            } else {
                cx.out.approximated(
                    v.span,
                    cx.env,
                    "volume",
                    format!(
                        "`{vname}`: Quadlet resolves the relative bind source `{src}` against \
                         the directory the .container file is installed in; use an absolute path"
                    ),
                );
            }
        } else if let Some(size) = v.size {
            let stem = crate::names::claim_name(&s.name, vname);
            ctr.push_str(&format!("Volume={stem}.volume:{}{ro}\n", raw(&v.mount)));
            cx.out.approximated(
                v.span,
                cx.env,
                "volume",
                format!("`{vname}`: a Podman volume on the host's disk; its size ({size}) is not enforced"),
            );
            cx.volumes.insert(stem, (s.name.clone(), vname.clone()));
        } else {
            ctr.push_str(&format!("Volume={}{ro}\n", raw(&v.mount)));
            cx.exact(&s.name, "volume");
        }
    }
}

/// The probe Podman runs as the health check: `health`, else `readiness`,
/// else `liveness` (as the Compose target chooses), when it can be
/// written as a command.
fn check(s: &Service) -> Option<&Probe> {
    let p = s
        .health
        .as_ref()
        .or(s.readiness.as_ref())
        .or(s.liveness.as_ref())?;
    let runnable = p.exec.is_some() || p.shell.is_some() || probe_port(s, p).is_some();
    runnable.then_some(p)
}

/// The container port a probe targets (its `port`, else the first port).
fn probe_port(s: &Service, p: &Probe) -> Option<u16> {
    p.port
        .as_deref()
        .and_then(|n| s.port(n))
        .or(s.first_port().map(|(_, port)| port))
        .map(|port| port.container)
}

/// A probe as a Podman health command (JSON, `CMD` or `CMD-SHELL`), and
/// what it approximates.
fn command(s: &Service, p: &Probe) -> Option<(String, Option<String>)> {
    let words = |first: &str, rest: &[String]| {
        let mut v = vec![first.to_string()];
        v.extend(rest.iter().cloned());
        json(&v)
    };
    if let Some(cmd) = &p.exec {
        return Some((words("CMD", cmd), None));
    }
    if let Some(line) = &p.shell {
        return Some((words("CMD-SHELL", std::slice::from_ref(line)), None));
    }
    let port = probe_port(s, p)?;
    if let Some(path) = &p.http {
        let path = if path.starts_with('/') {
            path.clone()
        } else {
            format!("/{path}")
        };
        let url = unitfile::sh_word(&format!("http://127.0.0.1:{port}{path}"));
        let cmd = format!("wget -q -O /dev/null {url} || curl -fsS -o /dev/null {url}");
        let note = format!("HTTP check runs inside the container as `wget`, else `curl`, on port {port}: the image needs one of them");
        return Some((words("CMD-SHELL", &[cmd]), Some(note)));
    }
    let cmd = format!("nc -z 127.0.0.1 {port} || bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}'");
    let note = format!("TCP check runs inside the container as `nc -z`, else bash's /dev/tcp, on port {port}: the image needs one of them");
    Some((words("CMD-SHELL", &[cmd]), Some(note)))
}

/// The health check (`Health*=`), the startup check (`HealthStartup*=`),
/// `Notify=healthy` when a dependant waits for health, and a liveness
/// probe as `HealthOnFailure=kill` (the restart policy starts it again).
fn health(cx: &mut Cx, s: &Service, notify: bool, ctr: &mut String) {
    let chosen = check(s);
    if let Some(p) = chosen {
        if let Some((cmd, note)) = command(s, p) {
            ctr.push_str(&format!("HealthCmd={}\n", raw(&cmd)));
            ctr.push_str(&format!("HealthInterval={}\n", time(p.interval)));
            ctr.push_str(&format!("HealthTimeout={}\n", time(p.timeout)));
            ctr.push_str(&format!("HealthRetries={}\n", p.retries.max(1)));
            if let Some(sp) = p.start_period.or(p.initial_delay) {
                ctr.push_str(&format!("HealthStartPeriod={}\n", time(sp)));
            }
            if p.start_period.is_some() && p.initial_delay.is_some() {
                cx.out.dropped(
                    p.span,
                    cx.env,
                    "initial_delay",
                    "Podman has no initial delay besides the start period: `start_period` is used",
                );
            } else if p.start_period.is_none() && p.initial_delay.is_some() {
                cx.out.approximated(
                    p.span,
                    cx.env,
                    "initial_delay",
                    "Podman has no initial delay: checks run from the start, failures within it (HealthStartPeriod=) do not count",
                );
            }
            if let Some(n) = p.success_threshold.filter(|n| *n > 1) {
                cx.out.dropped(
                    p.span,
                    cx.env,
                    "success_threshold",
                    format!("Podman counts a container healthy after one success, not {n}"),
                );
            }
            match note {
                Some(n) => cx.out.approximated(p.span, cx.env, "health", n),
                None => cx.exact(&s.name, "health"),
            }
            if notify {
                ctr.push_str("Notify=healthy\n");
            }
        }
    } else if let Some(p) = s
        .health
        .as_ref()
        .or(s.readiness.as_ref())
        .or(s.liveness.as_ref())
    {
        cx.out.dropped(
            p.span,
            cx.env,
            "health",
            format!(
                "`{}` declares no port for the check to connect to; no health check is written",
                s.name
            ),
        );
    }
    if let Some(l) = &s.liveness {
        if Some(l) == chosen {
            if s.restart == Restart::Never {
                cx.out.dropped(
                    l.span,
                    cx.env,
                    "liveness",
                    "an unhealthy container is not restarted: `restart = never`",
                );
            } else {
                ctr.push_str("HealthOnFailure=kill\n");
                cx.exact(&s.name, "liveness");
            }
        } else {
            cx.out.dropped(
                l.span,
                cx.env,
                "liveness",
                "Podman runs one health check per container (the `health`/`readiness` one)",
            );
        }
    }
    if let Some(r) = s.readiness.as_ref().filter(|r| Some(*r) != chosen) {
        cx.out.dropped(
            r.span,
            cx.env,
            "readiness",
            "Podman runs one health check per container; `health` is used",
        );
    }
    if let Some(st) = &s.startup {
        match command(s, st) {
            Some((cmd, note)) => {
                ctr.push_str(&format!("HealthStartupCmd={}\n", raw(&cmd)));
                ctr.push_str(&format!("HealthStartupInterval={}\n", time(st.interval)));
                ctr.push_str(&format!("HealthStartupTimeout={}\n", time(st.timeout)));
                ctr.push_str(&format!("HealthStartupRetries={}\n", st.retries.max(1)));
                match note {
                    Some(n) => cx.out.approximated(st.span, cx.env, "startup", n),
                    None => cx.exact(&s.name, "startup"),
                }
            }
            None => cx.out.dropped(
                st.span,
                cx.env,
                "startup",
                "no port for the startup check to connect to",
            ),
        }
    }
}

/// CPU as `--cpus` (a number of cores), memory as Podman sizes.
fn cores(c: Cpu) -> String {
    let (whole, frac) = (c.0 / 1000, c.0 % 1000);
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:03}")
            .trim_end_matches('0')
            .to_string()
    }
}

/// A size as Podman reads it (base 1024): `1g`, `256m`, `64k`, else bytes.
fn podman_bytes(b: Bytes) -> String {
    const UNITS: [(&str, u64); 3] = [("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)];
    for (suffix, size) in UNITS {
        if b.0 >= size && b.0.is_multiple_of(size) {
            return format!("{}{suffix}", b.0 / size);
        }
    }
    format!("{}b", b.0)
}

fn resources(cx: &mut Cx, s: &Service, ctr: &mut String) {
    let Some(r) = &s.resources else { return };
    let span = s.span_of("resources");
    let mut args = Vec::new();
    if let Some(cpu) = &r.cpu {
        args.push(format!("--cpus={}", cores(cpu.limit)));
        // A relative weight: 1024 shares is one core's worth.
        args.push(format!(
            "--cpu-shares={}",
            (cpu.request.0 * 1024 / 1000).clamp(2, 262_144)
        ));
        cx.out.approximated(
            span,
            cx.env,
            "resources.cpu",
            "the request becomes a relative weight (--cpu-shares), not a reservation",
        );
    }
    if let Some(mem) = &r.memory {
        args.push(format!("--memory={}", podman_bytes(mem.limit)));
        args.push(format!(
            "--memory-reservation={}",
            podman_bytes(mem.request)
        ));
        cx.out.approximated(
            span,
            cx.env,
            "resources.memory",
            "the request becomes --memory-reservation (a soft limit under memory pressure), not a reservation",
        );
    }
    if !args.is_empty() {
        ctr.push_str(&format!("PodmanArgs={}\n", args.join(" ")));
    }
}

/// Named networks: the stack has one Podman network, so every alias is
/// added to it and the separation between named networks is lost
/// (approximated).
fn networks(cx: &mut Cx, s: &Service, ctr: &mut String) {
    if s.networks.is_empty() {
        return;
    }
    let mut seen = BTreeSet::new();
    for n in s.networks.values() {
        for a in n.aliases.iter().flatten() {
            if a != &s.name && seen.insert(a.clone()) {
                ctr.push_str(&format!("NetworkAlias={}\n", raw(a)));
            }
        }
    }
    let names: Vec<&str> = s.networks.keys().map(String::as_str).collect();
    let env = cx.env;
    cx.out.approximated(
        s.span_of("network"),
        env,
        "network",
        format!(
            "`{}` joins {}: Quadlet puts every container of the stack on `{}.network`, \
             so the networks are not separated (aliases are kept)",
            s.name,
            names.join(", "),
            cx.model.stack.name
        ),
    );
}

/// What one container on one host has no counterpart for.
fn k8s_only(cx: &mut Cx, s: &Service) {
    let env = cx.env;
    unitfile::single_host_limits(cx.out, env, s, "container");
}

/// `pre_stop`: an `ExecStop=` before the one Quadlet generates (systemd
/// runs them in order when the service is stopped): `exec` and `shell`
/// run in the container (`podman exec`), `sleep` waits on the host; then
/// Podman stops the container. Like Kubernetes' hook, it counts against
/// the stop timeout (`TimeoutStopSec=`).
fn pre_stop(cx: &mut Cx, s: &Service, svc: &mut String) {
    let Some(p) = &s.pre_stop else { return };
    let words: Vec<String> =
        if let Some(d) = p.sleep.filter(|_| p.exec.is_none() && p.shell.is_none()) {
            vec!["/bin/sleep".to_string(), d.seconds_ceil().to_string()]
        } else {
            let container = s
                .container_name
                .clone()
                .unwrap_or_else(|| format!("{}-{}", cx.model.stack.name, s.name));
            let mut w = vec!["/usr/bin/podman".to_string(), "exec".to_string(), container];
            w.extend(p.command());
            w
        };
    let words: Vec<String> = words.iter().map(|w| exec_word(w)).collect();
    // `-`: a failed hook (the container has exited already) does not keep
    // Podman's own stop from running, as a failed preStop hook does not.
    svc.push_str(&format!("ExecStop=-{}\n", words.join(" ")));
    cx.exact(&s.name, "pre_stop");
}

/// An `optional = true` secret: Podman has no optional secret (a container
/// whose `Secret=` names a missing one does not start), so it is reported.
fn optional_secret(cx: &mut Cx, secret: &str) {
    let m = cx.model;
    crate::emit::unitfile::report_optional(m, cx.out, cx.env, secret, || {
        format!(
            "Podman has no optional secret: create `{}` with an empty value when there is none (README.txt)",
            secret_name(m, secret)
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_cores() {
        assert_eq!(cores(Cpu(1000)), "1");
        assert_eq!(cores(Cpu(100)), "0.1");
        assert_eq!(cores(Cpu(1250)), "1.25");
        assert_eq!(podman_bytes(Bytes(1 << 30)), "1g");
        assert_eq!(podman_bytes(Bytes(256 << 20)), "256m");
        assert_eq!(podman_bytes(Bytes(1000)), "1000b");
    }
}
