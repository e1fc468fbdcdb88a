//! The systemd backend: the stack's host processes as systemd units on one
//! Linux host.
//!
//! # Input and output
//!
//! Input: the environments' models (the base when the stack declares no
//! environment). Output, one directory per environment (`<env>/`; the
//! top level when there is none), each complete on its own, because a host
//! runs one environment:
//!
//! * `<service>.service` for every service with `host` settings that is
//!   not `external`: `ExecStart=` from `host.exec` and `host.args` (each
//!   word quoted for systemd: `%` and `$` escaped, double quotes with C
//!   escapes where needed), `WorkingDirectory=`, `User=`/`Group=` or
//!   `DynamicUser=yes`, `Environment=` for literals, config keys and
//!   interpolations, `EnvironmentFile=` for secrets (`host.environment_file`,
//!   else `/etc/<stack>/<service>.env`), `LoadCredential=` for `file = true`
//!   secrets (the variable holds `%d/<secret>`), the restart policy with
//!   `RestartSec=` and start limits, `TimeoutStopSec=` from `stop_grace`,
//!   resources as `CPUQuota=`/`CPUWeight=`/`MemoryLow=`/`MemoryMax=`,
//!   `After=`/`Requires=` from `depends_on` and `After=` from `host.after`,
//!   an HTTP readiness probe as an `ExecStartPost=` gate (curl until it
//!   answers, bounded by `TimeoutStartSec=`), and the sandboxing of
//!   `host.hardening`;
//! * `files/<service>/<name>` for every mounted `file`: its text byte for
//!   byte (the user's content: no generated-by header), which the README
//!   installs at `/etc/<stack>/files/<service>/<name>` and the unit
//!   bind-mounts read-only at the file's path (`BindReadOnlyPaths=`, in the
//!   service's own mount namespace);
//! * `<service>.env.example` beside a unit that reads an environment file:
//!   every secret variable with a placeholder, never a value;
//! * `<stack>.target`, which wants every unit (each unit is `PartOf=` it);
//! * `README.txt`: users, directories, secrets, where to copy the files and
//!   the `systemctl` commands.
//!
//! # Other services
//!
//! On one host every service is at `localhost` (or its `external` host):
//! see [`unitfile::render`] for `${svc.host}` and `${svc.port.NAME}`. A
//! service without `host` settings gets no unit and is reported (dropped);
//! so are the Kubernetes-only features of the services that do run
//! (replicas, autoscale, disruption, ingress) and everything approximated
//! (volumes, resources requests, probes other than HTTP readiness).

mod unit;

use super::output::hash_header;
use super::unitfile as quote;
use super::{Models, Output};
use crate::model::{Hardening, Model, Service};
use std::collections::BTreeSet;

/// Whether systemd runs `s` on the host.
pub(crate) fn runs_on_host(s: &Service) -> bool {
    s.host.is_some() && s.external.is_none()
}

/// What lowering one model needs.
struct Cx<'a> {
    model: &'a Model,
    env: Option<&'a str>,
    out: &'a mut Output,
    exact: &'a mut BTreeSet<(String, &'static str)>,
    /// `(file name, contents)` of the model's directory.
    files: Vec<(String, String)>,
}

impl Cx<'_> {
    fn exact(&mut self, service: &str, feature: &'static str) {
        self.exact.insert((service.to_string(), feature));
    }
}

/// Runs the systemd backend.
pub fn emit(models: &Models, mut out: Output) -> Output {
    let mut exact = BTreeSet::new();
    for m in models.env_or_base() {
        let dir = m.env_name().map_or(String::new(), |e| format!("{e}/"));
        let mut cx = Cx {
            model: m,
            env: m.env_name(),
            out: &mut out,
            exact: &mut exact,
            files: Vec::new(),
        };
        let units = lower(&mut cx);
        let mut files = std::mem::take(&mut cx.files);
        files.push((format!("{}.target", m.stack.name), target(m, &units)));
        files.push(("README.txt".to_string(), readme(m, &units)));
        for u in &units {
            files.extend(u.env_example.clone());
        }
        for (path, text) in files {
            out.file(format!("{dir}{path}"), text);
        }
    }
    out.exact += exact.len();
    out.finish()
}

/// The units of one model; services without one are reported.
fn lower(cx: &mut Cx) -> Vec<unit::Unit> {
    let m = cx.model;
    let mut units = Vec::new();
    for s in m.services.values() {
        if let Some(e) = &s.external {
            crate::emit::unitfile::report_external(cx.out, cx.env, s, e, "unit");
            continue;
        }
        match &s.host {
            Some(h) => units.push(unit::build(cx, s, h)),
            None => cx.out.dropped(
                s.span,
                cx.env,
                "service",
                format!(
                    "`{}` has no `host` settings: no unit (run it another way, \
                     or give it `host {{ exec = … }}`)",
                    s.name
                ),
            ),
        }
    }
    units
}

fn target(m: &Model, units: &[unit::Unit]) -> String {
    let mut t = hash_header();
    t.push_str(&format!(
        "# Stack `{}`{}: starts and stops its units together; see README.txt.\n\n[Unit]\n",
        m.stack.name,
        crate::emit::unitfile::env_phrase(m)
    ));
    let what = m
        .stack
        .description
        .as_deref()
        .unwrap_or("the stack's units");
    t.push_str(&format!(
        "Description={}\n",
        quote::specifiers(&format!("{}: {what}", m.stack.name))
    ));
    if !units.is_empty() {
        let names: Vec<String> = units
            .iter()
            .map(|u| format!("{}.service", u.service))
            .collect();
        t.push_str(&format!("Wants={}\n", names.join(" ")));
    }
    t.push_str("\n[Install]\nWantedBy=multi-user.target\n");
    t
}

fn readme(m: &Model, units: &[unit::Unit]) -> String {
    let stack = &m.stack.name;
    let mut r = hash_header();
    r.push_str(&format!(
        "\nStack `{stack}`{}: systemd units for one Linux host.\n\n",
        crate::emit::unitfile::env_phrase(m)
    ));
    if units.is_empty() {
        r.push_str(
            "No service of this stack has `host` settings, so there is no service unit;\n\
             the lowering report of `stackc emit --target systemd` lists them.\n\n",
        );
    }
    r.push_str("Files:\n");
    for u in units {
        let s = &m.services[&u.service];
        let level = s.host.as_ref().map_or(Hardening::None, |h| h.hardening);
        r.push_str(&format!(
            "  {}.service  hardening {}\n",
            u.service,
            match level {
                Hardening::None => "none",
                Hardening::Standard => "standard",
                Hardening::Strict => "strict",
            }
        ));
        if let Some((f, _)) = &u.env_example {
            r.push_str(&format!(
                "  {f}  template of its secrets' environment file\n"
            ));
        }
        for (copy, _, path) in &u.files {
            r.push_str(&format!(
                "  {copy}  seen by {} at {path} (your text, as written)\n",
                u.service
            ));
        }
    }
    r.push_str(&format!("  {stack}.target  wants every unit above\n\n"));
    r.push_str("Install, as root:\n");
    let mut step = 0;
    let mut say = |r: &mut String, text: String| {
        step += 1;
        r.push_str(&format!("  {step}. {text}\n"));
    };
    let users: BTreeSet<&str> = units.iter().filter_map(|u| u.user.as_deref()).collect();
    if !users.is_empty() {
        let cmds: Vec<String> = users
            .iter()
            .map(|u| format!("useradd --system --no-create-home --shell /usr/sbin/nologin {u}"))
            .collect();
        say(
            &mut r,
            format!(
                "Users (unless they exist):\n       {}",
                cmds.join("\n       ")
            ),
        );
    }
    for u in units {
        if !u.writable.is_empty() {
            // A dynamic user has no fixed uid to own a directory (systemd
            // manages only those under /var/lib/, as StateDirectory=).
            let owner = u
                .user
                .as_deref()
                .map_or(" -m 1777".to_string(), |o| format!(" -o {o} -m 0750"));
            say(
                &mut r,
                format!(
                    "Directories {} writes: install -d{owner} {}",
                    u.service,
                    u.writable.join(" ")
                ),
            );
        }
        if let (Some(f), Some((example, _))) = (&u.env_file, &u.env_example) {
            say(
                &mut r,
                format!(
                    "Secrets of {}: install -D -m 0600 -o root -g root {example} {f}\n       \
                     then replace every placeholder in {f}",
                    u.service
                ),
            );
        }
        if !u.files.is_empty() {
            let cmds: Vec<String> = u
                .files
                .iter()
                .map(|(copy, installed, _)| format!("install -D -m 0644 {copy} {installed}"))
                .collect();
            say(
                &mut r,
                format!(
                    "Files {} reads (bind-mounted read-only at their paths, for it alone):\n       {}",
                    u.service,
                    cmds.join("\n       ")
                ),
            );
        }
        for (secret, path) in &u.credentials {
            say(
                &mut r,
                format!(
                    "Credential `{secret}` of {}: install -D -m 0600 -o root -g root FILE {path}",
                    u.service
                ),
            );
        }
    }
    let mut files: Vec<String> = units
        .iter()
        .map(|u| format!("{}.service", u.service))
        .collect();
    files.push(format!("{stack}.target"));
    say(
        &mut r,
        format!(
            "Copy the units: cp {} /etc/systemd/system/",
            files.join(" ")
        ),
    );
    say(&mut r, "systemctl daemon-reload".to_string());
    say(&mut r, format!("systemctl enable --now {stack}.target"));
    r.push_str(&format!(
        "\nStatus: systemctl list-dependencies {stack}.target; logs: journalctl -u <service>.service\n"
    ));
    if units.iter().any(|u| u.health_gate) {
        r.push_str("Health gates (ExecStartPost=) call /usr/bin/curl: install curl on the host.\n");
    }
    r
}
