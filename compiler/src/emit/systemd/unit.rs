//! One `<service>.service` unit (and its `<service>.env.example`) from a
//! service with `host` settings, with its lowering findings.

use super::Cx;
use crate::emit::output::hash_header;
use crate::emit::unitfile::{
    self as quote, bytes, env_assignment, exec_word, kind_hint, path_word, sh_word, specifiers,
    time, Vantage, RESTART_SEC, START_LIMIT_BURST, START_LIMIT_INTERVAL,
};
use crate::model::{Condition, EnvValue, Hardening, Host, Model, Probe, Restart, Service, Volume};
use indexmap::IndexMap;

/// The files of one service.
pub(super) struct Unit {
    pub(super) service: String,
    pub(super) env_example: Option<(String, String)>,
    /// Where the secrets' environment file goes.
    pub(super) env_file: Option<String>,
    /// Credentials (`file = true` secrets): `(secret, path)`.
    pub(super) credentials: Vec<(String, String)>,
    /// Mounted files: `(copy in the output, where it is installed, path
    /// the process sees)`.
    pub(super) files: Vec<(String, String, String)>,
    /// Directories the process writes (must exist, owned by its user).
    pub(super) writable: Vec<String>,
    pub(super) user: Option<String>,
    pub(super) health_gate: bool,
}

/// A variable's value in the unit: a literal for `Environment=`, a secret
/// for the environment file, or a credential path.
enum Var {
    Literal(String),
    Secret(String),
    Credential(String),
}

/// Whether `s`'s readiness is a gate systemd can wait for (an HTTP probe
/// run by `ExecStartPost=`).
pub(super) fn has_gate(s: &Service) -> bool {
    s.readiness.as_ref().is_some_and(|p| p.http.is_some())
}

/// Whether `s` is a job another service waits for (`depends_on = completed`)
/// that may run as `Type=oneshot`: it does not restart after a success, so
/// the unit is started once it has exited, and what is ordered after it
/// starts then.
pub(super) fn is_job(m: &Model, s: &Service) -> bool {
    let waited = m
        .services
        .values()
        .any(|o| o.depends_on.get(&s.name) == Some(&Condition::Completed));
    waited && matches!(s.restart, Restart::Never | Restart::OnFailure)
}

pub(super) fn build(cx: &mut Cx, s: &Service, h: &Host) -> Unit {
    let m = cx.model;
    let name = &s.name;
    let mut unit = String::new();
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
    let (mut after, mut wants, mut requires) = (Vec::new(), Vec::new(), Vec::new());
    for a in h.after.iter().flatten() {
        after.push(a.clone());
        if a == "network-online.target" {
            wants.push(a.clone());
        }
    }
    cx.exact(name, "host.after");
    for (dep, cond) in &s.depends_on {
        depends(cx, s, h, dep, *cond, &mut after, &mut requires);
    }
    for (k, list) in [
        ("After", &after),
        ("Wants", &wants),
        ("Requires", &requires),
    ] {
        if !list.is_empty() {
            line(&mut unit, k, &list.join(" "));
        }
    }
    if s.restart != Restart::Never {
        line(&mut unit, "StartLimitIntervalSec", START_LIMIT_INTERVAL);
        line(&mut unit, "StartLimitBurst", &START_LIMIT_BURST.to_string());
    }

    // ---------------------------------------------------------- [Service]
    let job = is_job(m, s);
    line(&mut svc, "Type", if job { "oneshot" } else { "exec" });
    if job {
        // Stays active once it has succeeded; a long job is not cut short.
        line(&mut svc, "RemainAfterExit", "yes");
        line(&mut svc, "TimeoutStartSec", "infinity");
    }
    let mut cmd = vec![exec_word(&h.exec)];
    cmd.extend(h.args.iter().flatten().map(|a| exec_word(a)));
    line(&mut svc, "ExecStart", &cmd.join(" "));
    if let Some(p) = &s.pre_stop {
        // Like a preStop hook: systemd runs it when the unit is stopped,
        // then sends the stop signal to what is left.
        let mut command = p.command();
        // The hook's own `sh` and `sleep`, by their absolute paths.
        if p.exec.is_none() {
            if let Some(first) = command.first_mut() {
                *first = format!("/bin/{first}");
            }
        }
        let words: Vec<String> = command.iter().map(|w| exec_word(w)).collect();
        line(&mut svc, "ExecStop", &words.join(" "));
        cx.exact(name, "pre_stop");
    }
    if h.exec.starts_with('/') {
        cx.exact(name, "host.exec");
    } else {
        cx.out.approximated(
            h.span,
            cx.env,
            "host.exec",
            format!(
                "`{}` is not an absolute path: systemd looks it up in its own fixed search path",
                h.exec
            ),
        );
    }
    if let Some(wd) = &h.working_dir {
        line(&mut svc, "WorkingDirectory", &specifiers(wd));
    }
    match &h.user {
        Some(u) => line(&mut svc, "User", u),
        None => line(&mut svc, "DynamicUser", "yes"),
    }
    if let Some(g) = &h.group {
        line(&mut svc, "Group", g);
    }
    let health_gate = health(cx, s, job, &mut svc);

    // environment
    let vars = variables(cx, s);
    let env_file = (h.environment_file.is_some()
        || vars.values().any(|v| matches!(v, Var::Secret(_))))
    .then(|| {
        h.environment_file
            .clone()
            .unwrap_or_else(|| format!("/etc/{}/{name}.env", m.stack.name))
    });
    let mut credentials = Vec::new();
    for (k, v) in &vars {
        match v {
            Var::Literal(text) => line(&mut svc, "Environment", &env_assignment(k, text)),
            Var::Credential(secret) => {
                optional_credential(cx, secret);
                // `%d`: the unit's credentials directory.
                line(&mut svc, "Environment", &format!("\"{k}=%d/{secret}\""));
                if !credentials.iter().any(|(c, _)| c == secret) {
                    let path = format!("/etc/{}/credentials/{secret}", m.stack.name);
                    credentials.push((secret.clone(), path));
                }
            }
            Var::Secret(_) => {}
        }
    }
    if let Some(f) = &env_file {
        line(&mut svc, "EnvironmentFile", &specifiers(f));
    }
    for (secret, path) in &credentials {
        line(
            &mut svc,
            "LoadCredential",
            &format!("{secret}:{}", specifiers(path)),
        );
    }

    // restart and stop
    line(&mut svc, "Restart", quote::restart(s.restart));
    if s.restart != Restart::Never {
        line(&mut svc, "RestartSec", RESTART_SEC);
    }
    cx.exact(name, "restart");
    if let Some(g) = s.stop_grace {
        line(&mut svc, "TimeoutStopSec", &time(g));
        cx.exact(name, "stop_grace");
    }

    resources(cx, s, &mut svc);
    let files = files(cx, s, &mut svc);
    let writable = volumes(cx, s, h, &mut svc);
    let writable = hardening(cx, s, h, &writable, &mut svc);
    k8s_only(cx, s);

    let mut text = hash_header();
    text.push_str(&format!(
        "# Service `{name}` of stack `{}`{}; see README.txt to install.\n",
        m.stack.name,
        crate::emit::unitfile::env_phrase(m)
    ));
    text.push_str("\n[Unit]\n");
    text.push_str(&unit);
    text.push_str("\n[Service]\n");
    text.push_str(&svc);
    text.push_str("\n[Install]\nWantedBy=multi-user.target\n");
    cx.files.push((format!("{name}.service"), text));

    let env_example = env_file
        .as_ref()
        .map(|f| (format!("{name}.env.example"), env_example(cx, s, f, &vars)));
    Unit {
        service: name.clone(),
        env_example,
        env_file,
        credentials,
        files,
        writable,
        user: h.user.clone(),
        health_gate,
    }
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
            EnvValue::Interp { interp } => Var::Literal(quote::render(m, interp, Vantage::Host)),
            EnvValue::Secret { secret } => match m.secrets.get(secret) {
                Some(sec) if sec.file => Var::Credential(secret.clone()),
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

fn env_example(cx: &Cx, s: &Service, file: &str, vars: &IndexMap<String, Var>) -> String {
    let m = cx.model;
    let mut out = hash_header();
    out.push_str(&format!(
        "# Secrets of {}.service (stack `{}`{}): never put them in the unit.\n\
         # Install this file as {file}, owned by root, mode 0600 (systemd reads it\n\
         # before it drops privileges), then replace every placeholder:\n\
         #   install -D -m 0600 -o root -g root {}.env.example {file}\n",
        s.name,
        m.stack.name,
        crate::emit::unitfile::env_phrase(m),
        s.name,
    ));
    let mut any = false;
    for (k, v) in vars {
        let Var::Secret(secret) = v else { continue };
        any = true;
        out.push('\n');
        if let Some(sec) = m.secrets.get(secret) {
            for l in sec.description.as_deref().unwrap_or("").lines() {
                out.push_str(&format!("# {}\n", l.trim_end()));
            }
            out.push_str(&format!("# secret `{secret}`, {}\n", kind_hint(sec.kind)));
            if sec.optional {
                out.push_str("# optional: may be left out (the variable is then unset)\n");
            }
        }
        out.push_str(&format!("{k}=change-me\n"));
    }
    if !any {
        out.push_str("\n# (no secret: the stack's service reads none; the file may stay empty)\n");
    }
    out
}

/// `depends_on`: ordering and requirement between the stack's units; a
/// dependency without a unit here is reported.
fn depends(
    cx: &mut Cx,
    s: &Service,
    h: &Host,
    dep: &str,
    cond: Condition,
    after: &mut Vec<String>,
    requires: &mut Vec<String>,
) {
    let span = s.span_of("depends_on");
    let target = cx.model.services.get(dep);
    let runs = target.is_some_and(super::runs_on_host);
    if !runs {
        let via = if h.after.as_ref().is_some_and(|a| !a.is_empty()) {
            "only what `host.after` names orders it"
        } else {
            "nothing orders it; name its unit in `host.after`"
        };
        let msg = format!("`{dep}` has no systemd unit in this stack: {via}");
        if h.after.as_ref().is_some_and(|a| !a.is_empty()) {
            cx.out.approximated(span, cx.env, "depends_on", msg);
        } else {
            cx.out.dropped(span, cx.env, "depends_on", msg);
        }
        return;
    }
    let unit = format!("{dep}.service");
    after.push(unit.clone());
    requires.push(unit);
    match cond {
        Condition::Started => cx.exact(&s.name, "depends_on"),
        Condition::Healthy if target.is_some_and(has_gate) => cx.exact(&s.name, "depends_on"),
        Condition::Healthy => cx.out.approximated(
            span,
            cx.env,
            "depends_on",
            format!("`{dep}` has no HTTP health check to wait for: ordered after it starts"),
        ),
        Condition::Completed if target.is_some_and(|t| is_job(cx.model, t)) => {
            cx.exact(&s.name, "depends_on")
        }
        Condition::Completed => cx.out.approximated(
            span,
            cx.env,
            "depends_on",
            format!("`{dep}` restarts always, so it cannot run as a oneshot job: ordered after it starts, not after it completes"),
        ),
    }
}

/// The readiness probe as a start gate: `ExecStartPost=` polls an HTTP
/// probe until it answers, so the unit (and what is ordered after it)
/// becomes active only once the service is healthy. Returns whether it did.
fn health(cx: &mut Cx, s: &Service, job: bool, svc: &mut String) -> bool {
    let mut gate = false;
    if let Some(p) = s.readiness.as_ref().filter(|_| !job) {
        match (&p.http, probe_port(s, p)) {
            (Some(path), Some(port)) => {
                let url = format!("http://localhost:{port}{path}");
                let script = format!(
                    "until /usr/bin/curl -fsS -o /dev/null --max-time {} {}; do sleep {}; done",
                    p.timeout.seconds_ceil().max(1),
                    sh_word(&url),
                    p.interval.seconds_ceil().max(1),
                );
                svc.push_str(&format!("ExecStartPost=/bin/sh -c {}\n", exec_word(&script)));
                let budget = start_budget(s.startup.as_deref().unwrap_or(p));
                svc.push_str(&format!("TimeoutStartSec={}s\n", budget.div_ceil(1000)));
                cx.exact(&s.name, "readiness");
                gate = true;
            }
            _ => cx.out.dropped(
                p.span,
                cx.env,
                "readiness",
                "only HTTP checks map to a start gate (ExecStartPost=): the unit is active once the process runs",
            ),
        }
    }
    if let Some(l) = &s.liveness {
        cx.out.dropped(
            l.span,
            cx.env,
            "liveness",
            "systemd restarts the process when it exits (Restart=), not when a probe fails \
             (WatchdogSec= needs sd_notify support in the program)",
        );
    }
    if let Some(st) = &s.startup {
        if gate {
            cx.out.approximated(
                st.span,
                cx.env,
                "startup",
                "bounds the start gate: TimeoutStartSec= is its whole budget",
            );
        } else {
            cx.out
                .dropped(st.span, cx.env, "startup", "no start gate to bound");
        }
    }
    gate
}

/// Milliseconds a probe allows before giving up.
fn start_budget(p: &Probe) -> u64 {
    let first = p.start_period.or(p.initial_delay).map_or(0, |d| d.millis());
    first + (p.interval.millis() + p.timeout.millis()) * u64::from(p.retries.max(1))
}

fn probe_port(s: &Service, p: &Probe) -> Option<u16> {
    let name = p.port.as_deref()?;
    s.port(name).map(|port| port.container)
}

fn resources(cx: &mut Cx, s: &Service, svc: &mut String) {
    let Some(r) = &s.resources else { return };
    let span = s.span_of("resources");
    if let Some(cpu) = &r.cpu {
        svc.push_str(&format!("CPUQuota={}%\n", (cpu.limit.0 / 10).max(1)));
        let weight = (cpu.request.0 / 10).clamp(1, 10_000);
        svc.push_str(&format!("CPUWeight={weight}\n"));
        cx.out.approximated(
            span,
            cx.env,
            "resources.cpu",
            "the request becomes a relative CPUWeight= (100 = one core), not a reservation",
        );
    }
    if let Some(mem) = &r.memory {
        svc.push_str(&format!("MemoryLow={}\n", bytes(mem.request)));
        svc.push_str(&format!("MemoryMax={}\n", bytes(mem.limit)));
        cx.out.approximated(
            span,
            cx.env,
            "resources.memory",
            "the request becomes MemoryLow= (protected from reclaim), not a reservation",
        );
    }
}

/// Mounted files: each written to `files/<service>/<name>` beside the
/// units, installed at `/etc/<stack>/files/<service>/<name>` (README) and
/// bind-mounted read-only at its path in the service's own mount namespace
/// (`BindReadOnlyPaths=`): the process sees it there, the host's file at
/// that path (if any) is untouched, and the hardening settings keep
/// working. A path with a `:` cannot be named there and is reported.
fn files(cx: &mut Cx, s: &Service, svc: &mut String) -> Vec<(String, String, String)> {
    let (copies, unmountable) = quote::file_copies(s, &s.name);
    let mut files = Vec::new();
    for c in copies {
        let installed = format!("/etc/{}/{}", cx.model.stack.name, c.copy);
        svc.push_str(&format!(
            "BindReadOnlyPaths={}\n",
            path_word(&format!("{installed}:{}", c.path))
        ));
        cx.files.push((c.copy.clone(), c.file.content.clone()));
        files.push((c.copy, installed, c.path.to_string()));
        cx.exact(&s.name, "file");
    }
    for path in unmountable {
        let span = s.files.get(path).map_or(s.span, |f| f.span);
        cx.out.dropped(
            span,
            cx.env,
            "file",
            format!("mounted file {path}: systemd cannot bind-mount a path with a `:`; install it on the host"),
        );
    }
    files
}

/// Volumes on a host: directories the process writes (`ReadWritePaths=`
/// under strict hardening), private tmpfs mounts. Returns the writable
/// directories.
fn volumes(cx: &mut Cx, s: &Service, h: &Host, svc: &mut String) -> Vec<String> {
    let mut writable = Vec::new();
    let mut private_tmp = false;
    for (vname, v) in &s.volumes {
        if let Some(size) = v.tmpfs {
            if is_tmp(v) {
                private_tmp = true;
                cx.out.approximated(
                    v.span,
                    cx.env,
                    "volume",
                    format!("`{vname}`: PrivateTmp= gives the service its own {}; its size is not enforced", v.mount),
                );
            } else {
                svc.push_str(&format!(
                    "TemporaryFileSystem={}:mode=1777,size={}\n",
                    path_word(&v.mount),
                    size.0
                ));
                cx.exact(&s.name, "volume.tmpfs");
            }
            continue;
        }
        let what = if v.bind.is_some() {
            "the bind source is not used: the process reads the host's"
        } else {
            "a host directory, its size not enforced:"
        };
        if v.read_only {
            cx.out.approximated(
                v.span,
                cx.env,
                "volume",
                format!("`{vname}`: {what} {} (read-only)", v.mount),
            );
            continue;
        }
        cx.out.approximated(
            v.span,
            cx.env,
            "volume",
            format!("`{vname}`: {what} {}, writable by the service", v.mount),
        );
        writable.push(v.mount.clone());
    }
    if private_tmp && h.hardening == Hardening::None {
        svc.push_str("PrivateTmp=yes\n");
    }
    writable
}

fn is_tmp(v: &Volume) -> bool {
    matches!(v.mount.trim_end_matches('/'), "/tmp" | "/var/tmp")
}

/// Sandboxing by `host.hardening`. `strict` scores "OK" (≤ 2.5) with
/// `systemd-analyze security`; `MemoryDenyWriteExecute=` is left out on
/// purpose: it breaks JIT runtimes (.NET, the JVM, Node.js).
///
/// Writable directories: with a dynamic user (which implies a read-only
/// system), one under `/var/lib/` becomes `StateDirectory=` (systemd
/// creates it and hands it to the user); the others are `ReadWritePaths=`
/// when the system is read-only. Returns the directories the
/// administrator creates.
fn hardening(
    cx: &mut Cx,
    s: &Service,
    h: &Host,
    writable: &[String],
    svc: &mut String,
) -> Vec<String> {
    let low_port = s.ports.values().any(|p| p.container < 1024);
    let root = h.user.as_deref() == Some("root");
    if low_port && !root {
        svc.push_str("AmbientCapabilities=CAP_NET_BIND_SERVICE\n");
    }
    let dynamic = h.user.is_none();
    let read_only = dynamic || h.hardening == Hardening::Strict;
    let mut create = Vec::new();
    for w in writable {
        match w
            .strip_prefix("/var/lib/")
            .filter(|r| dynamic && !r.is_empty())
        {
            Some(rest) => svc.push_str(&format!("StateDirectory={}\n", path_word(rest))),
            None => {
                if read_only {
                    svc.push_str(&format!("ReadWritePaths={}\n", path_word(w)));
                }
                create.push(w.clone());
            }
        }
    }
    if h.hardening == Hardening::None {
        cx.exact(&s.name, "host.hardening");
        return create;
    }
    svc.push_str("NoNewPrivileges=yes\nPrivateTmp=yes\nProtectHome=yes\n");
    if h.hardening == Hardening::Strict {
        svc.push_str(STRICT);
        if low_port {
            svc.push_str("CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n");
        } else {
            svc.push_str("CapabilityBoundingSet=\nPrivateUsers=yes\n");
        }
    }
    cx.exact(&s.name, "host.hardening");
    create
}

const STRICT: &str = "\
ProtectSystem=strict
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
KeyringMode=private
DevicePolicy=closed
UMask=0077
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
";

/// What a host process has no counterpart for.
fn k8s_only(cx: &mut Cx, s: &Service) {
    let env = cx.env;
    for (pname, p) in &s.ports {
        match p.host {
            Some(hp) if hp != p.container => cx.out.approximated(
                p.span,
                env,
                "port",
                format!(
                    "`{pname}`: no port mapping on a host: the process listens on {}, not {hp}",
                    p.container
                ),
            ),
            _ => cx.exact(&s.name, "port"),
        }
    }
    crate::emit::unitfile::single_host_limits(cx.out, env, s, "process");
    for init in s.init.values() {
        cx.out.dropped(
            init.span,
            env,
            "init",
            "init containers run before the container in the container targets; the host process has none",
        );
    }
    if let Some(sec) = &s.security {
        cx.out.approximated(
            sec.span,
            env,
            "security",
            "the container security context does not apply: `host.user` and `host.hardening` do",
        );
    }
    if !s.labels.is_empty() || !s.annotations.is_empty() {
        cx.out.dropped(
            s.span_of("labels"),
            env,
            "labels",
            "units carry no labels or annotations",
        );
    }
}

/// An `optional = true` file secret: `LoadCredential=` fails the unit when
/// its file is missing, so it is reported.
fn optional_credential(cx: &mut Cx, secret: &str) {
    let m = cx.model;
    crate::emit::unitfile::report_optional(m, cx.out, cx.env, secret, || {
        format!(
            "systemd has no optional credential: the unit does not start without /etc/{}/credentials/{secret}; install an empty file when there is no value",
            m.stack.name
        )
    });
}
