//! The Podman Quadlet backend: the stack's containers as Quadlet units on
//! one Linux host, which Podman's systemd generator turns into services.
//!
//! # Input and output
//!
//! Input: the environments' models (the base when the stack declares no
//! environment). Output, one directory per environment (`<env>/`; the
//! top level when there is none), each complete on its own, because a host
//! runs one environment:
//!
//! * `<service>.container` for every service with an image that is not
//!   `external` (see [`container`]): the image (fully qualified), the
//!   stack's network with the service's name as network alias, published
//!   ports, `Environment=` for literals, config keys and interpolations,
//!   Podman secrets (`Secret=…,type=env` for variables, `type=mount` for
//!   `file = true` secrets), volumes, the health check with its timings,
//!   `Notify=healthy` where a dependant waits for health, user, read-only
//!   root, capabilities, resources as `PodmanArgs=`, `[Unit]`
//!   `Requires=`/`After=` from `depends_on` (and its init containers), the
//!   restart policy, `pre_stop` as an `ExecStop=` before Podman's own, and
//!   `[Install] WantedBy=default.target`;
//! * `<service>-init-<name>.container` for every init container: one-shot
//!   (`Type=oneshot`, `RemainAfterExit=yes`, no `[Install]`), after the
//!   one before it, with the service's dependencies;
//! * `files/<service>/<name>` for every mounted `file`: its text byte
//!   for byte (the user's content: no generated-by header), bind-mounted
//!   read-only (`Volume=./files/…:<path>:ro,Z`, `./` being the directory
//!   the `.container` file is installed in);
//! * `<service>-<volume>.volume` for every persistent volume;
//! * `<stack>.network`, the network every container joins;
//! * `<stack>.target`, which wants every container's service (each is
//!   `PartOf=` it), to start and stop the stack together;
//! * `README.txt`: the Podman secrets to create (`podman secret create`,
//!   from a file or an environment variable: never a value here), where to
//!   copy the files and the `systemctl` commands.
//!
//! # Other services
//!
//! Containers reach each other on the stack's network by service name; a
//! service that runs on the host is at `host.containers.internal` (see
//! [`unitfile::render`](super::unitfile::render)). A service without an
//! image or an `external` one gets no container and is reported; so are
//! the Kubernetes-only features of the containers (replicas, autoscale,
//! disruption, ingress) and everything approximated (volume sizes,
//! resource requests, HTTP and TCP checks that need a client in the image).
//!
//! # Quoting
//!
//! Quadlet copies most values into the `podman run` command line of the
//! service it generates, where systemd expands `%` specifiers and `$VAR`:
//! every value is written with `%%` and `$$` ([`raw`]), and word lists
//! (`Exec=`) and assignments (`Environment=`) are quoted as systemd reads
//! them.

mod container;

use super::output::hash_header;
use super::unitfile::{double_quoted, kind_hint, specifiers};
use super::{Models, Output};
use crate::model::{Model, Service};
use std::collections::{BTreeMap, BTreeSet};

/// Whether Quadlet runs `s` as a container.
pub(crate) fn runs_as_container(s: &Service) -> bool {
    s.is_container()
}

/// A value Quadlet copies into the generated command line: `%` and `$`
/// escaped for systemd.
pub(crate) fn raw(s: &str) -> String {
    specifiers(s).replace('$', "$$")
}

/// `"NAME=value"` for `Environment=` and `Label=`: double-quoted, with
/// `%` and `$` escaped (the pair ends up in `podman run`'s command line).
pub(crate) fn assignment(name: &str, value: &str) -> String {
    double_quoted(&raw(&format!("{name}={value}")))
}

/// The Podman secret a stack secret becomes (`<stack>-<secret>`: secrets
/// are per host, shared by every stack on it).
pub(crate) fn secret_name(m: &Model, secret: &str) -> String {
    format!("{}-{secret}", m.stack.name)
}

/// What lowering one model needs.
struct Cx<'a> {
    model: &'a Model,
    env: Option<&'a str>,
    out: &'a mut Output,
    exact: &'a mut BTreeSet<(String, &'static str)>,
    /// `(file name, contents)` of the model's directory.
    files: Vec<(String, String)>,
    /// Persistent volumes: file stem → `(service, volume)`.
    volumes: BTreeMap<String, (String, String)>,
    /// The containers that send `Notify=healthy`.
    notify_healthy: BTreeSet<String>,
}

impl Cx<'_> {
    fn exact(&mut self, service: &str, feature: &'static str) {
        self.exact.insert((service.to_string(), feature));
    }
}

/// Runs the Quadlet backend.
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
            volumes: BTreeMap::new(),
            notify_healthy: container::waited_for_health(m),
        };
        let units = lower(&mut cx);
        let mut files = std::mem::take(&mut cx.files);
        for (stem, (svc, vol)) in &cx.volumes {
            files.push((format!("{stem}.volume"), volume(m, stem, svc, vol)));
        }
        files.push((format!("{}.network", m.stack.name), network(m)));
        files.push((format!("{}.target", m.stack.name), target(m, &units)));
        files.push(("README.txt".to_string(), readme(m, &units, &cx.volumes)));
        for (path, text) in files {
            out.file(format!("{dir}{path}"), text);
        }
    }
    out.exact += exact.len();
    out.finish()
}

/// The containers of one model; services without one are reported.
fn lower(cx: &mut Cx) -> Vec<container::Unit> {
    let m = cx.model;
    let mut units = Vec::new();
    for s in m.services.values() {
        if let Some(e) = &s.external {
            crate::emit::unitfile::report_external(cx.out, cx.env, s, e, "container");
            continue;
        }
        if runs_as_container(s) {
            units.extend(container::build_all(cx, s));
        } else {
            cx.out.dropped(
                s.span,
                cx.env,
                "service",
                format!(
                    "`{}` has no image: no container (give it `image` or `build`, \
                     or run it with the systemd target)",
                    s.name
                ),
            );
        }
    }
    units
}

fn volume(m: &Model, stem: &str, svc: &str, vol: &str) -> String {
    let mut t = hash_header();
    t.push_str(&format!(
        "# Volume `{vol}` of service `{svc}`, stack `{}`{}; see README.txt.\n\n",
        m.stack.name,
        crate::emit::unitfile::env_phrase(m)
    ));
    t.push_str(&format!(
        "[Unit]\nDescription={}\n\n[Volume]\nVolumeName={}-{stem}\n",
        specifiers(&format!("{}: volume {vol} of {svc}", m.stack.name)),
        m.stack.name
    ));
    t
}

fn network(m: &Model) -> String {
    let mut t = hash_header();
    t.push_str(&format!(
        "# The network of stack `{}`{}: its containers reach each other by service name.\n\n",
        m.stack.name,
        crate::emit::unitfile::env_phrase(m)
    ));
    t.push_str(&format!(
        "[Unit]\nDescription={}\n\n[Network]\nNetworkName={}\n",
        specifiers(&format!("{}: network", m.stack.name)),
        m.stack.name
    ));
    t
}

fn target(m: &Model, units: &[container::Unit]) -> String {
    let mut t = hash_header();
    t.push_str(&format!(
        "# Stack `{}`{}: starts and stops its containers together; see README.txt.\n\n[Unit]\n",
        m.stack.name,
        crate::emit::unitfile::env_phrase(m)
    ));
    let what = m
        .stack
        .description
        .as_deref()
        .unwrap_or("the stack's containers");
    t.push_str(&format!(
        "Description={}\n",
        specifiers(&format!("{}: {what}", m.stack.name))
    ));
    if !units.is_empty() {
        let names: Vec<String> = units
            .iter()
            .filter(|u| u.init_of.is_none())
            .map(|u| format!("{}.service", u.service))
            .collect();
        t.push_str(&format!("Wants={}\n", names.join(" ")));
    }
    t.push_str("\n[Install]\nWantedBy=default.target\n");
    t
}

fn readme(
    m: &Model,
    units: &[container::Unit],
    volumes: &BTreeMap<String, (String, String)>,
) -> String {
    let stack = &m.stack.name;
    let mut r = hash_header();
    r.push_str(&format!(
        "\nStack `{stack}`{}: Podman Quadlet units for one Linux host (Podman 5.0 or later).\n\n",
        crate::emit::unitfile::env_phrase(m)
    ));
    if units.is_empty() {
        r.push_str(
            "No service of this stack runs from an image here, so there is no container;\n\
             the lowering report of `stackc emit --target quadlet` lists them.\n\n",
        );
    }
    r.push_str("Files:\n");
    for u in units {
        let role = u.init_of.as_ref().map_or(String::new(), |(svc, init)| {
            format!(", init container `{init}` of {svc}: runs once before it")
        });
        r.push_str(&format!(
            "  {}.container  becomes {}.service{role}\n",
            u.service, u.service
        ));
    }
    for (stem, (svc, vol)) in volumes {
        r.push_str(&format!(
            "  {stem}.volume  volume `{vol}` of {svc} (Podman volume {stack}-{stem})\n"
        ));
    }
    r.push_str(&format!(
        "  {stack}.network  the network of every container (Podman network {stack})\n"
    ));
    for u in units {
        for (copy, path) in &u.files {
            r.push_str(&format!(
                "  {copy}  mounted read-only at {path} in {} (your text, as written)\n",
                u.service
            ));
        }
    }
    r.push_str(&format!(
        "  {stack}.target  a systemd unit: wants every container above\n\n"
    ));

    // Secrets: every one a container reads, once.
    let mut secrets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for u in units {
        for s in &u.secrets {
            secrets
                .entry(s.clone())
                .or_default()
                .push(u.service.clone());
        }
    }
    r.push_str(
        "Install, as root (rootless: the same commands as the user, with\n\
         ~/.config/containers/systemd/ for the Quadlet files, ~/.config/systemd/user/\n\
         for the target, and `systemctl --user`):\n",
    );
    let mut step = 0;
    let mut say = |r: &mut String, text: String| {
        step += 1;
        r.push_str(&format!("  {step}. {text}\n"));
    };
    if !secrets.is_empty() {
        let mut text = String::from(
            "Create the Podman secrets (values never appear in these files), each from a\n       \
             file holding the value or from an environment variable of your shell:",
        );
        for (secret, readers) in &secrets {
            let name = secret_name(m, secret);
            let var = m
                .secrets
                .get(secret)
                .map_or_else(|| secret.to_uppercase(), |s| s.env_name.clone());
            text.push_str(&format!("\n\n       # secret `{secret}`"));
            if let Some(sec) = m.secrets.get(secret) {
                if let Some(d) = &sec.description {
                    text.push_str(&format!(": {}", d.lines().next().unwrap_or("").trim()));
                }
                text.push_str(&format!("; {}", kind_hint(sec.kind)));
            }
            text.push_str(&format!(", read by {}", readers.join(", ")));
            text.push_str(&format!(
                "\n       podman secret create {name} /path/to/{secret}\
                 \n       # or: podman secret create --env {name} {var}"
            ));
            if m.secrets.get(secret).is_some_and(|s| s.optional) {
                text.push_str(&format!(
                    "\n       # optional, but Podman needs the secret: without a value, printf '' | podman secret create {name} -"
                ));
            }
        }
        say(&mut r, text);
    }
    let mut files: Vec<String> = units
        .iter()
        .map(|u| format!("{}.container", u.service))
        .collect();
    files.extend(volumes.keys().map(|stem| format!("{stem}.volume")));
    files.push(format!("{stack}.network"));
    say(
        &mut r,
        format!(
            "Copy the Quadlet files: cp {} /etc/containers/systemd/",
            files.join(" ")
        ),
    );
    if units.iter().any(|u| !u.files.is_empty()) {
        say(
            &mut r,
            "Copy the mounted files beside them, keeping the directory: cp -r files /etc/containers/systemd/\n       \
             (each .container mounts ./files/<service>/<name>: Quadlet resolves ./ against the\n       \
             directory the .container file is in)"
                .to_string(),
        );
    }
    say(
        &mut r,
        format!("Copy the target: cp {stack}.target /etc/systemd/system/"),
    );
    say(
        &mut r,
        "Check what Podman generates: /usr/libexec/podman/quadlet -dryrun".to_string(),
    );
    say(
        &mut r,
        "systemctl daemon-reload   (Podman's generator writes the services)".to_string(),
    );
    say(&mut r, format!("systemctl enable --now {stack}.target"));
    r.push_str(&format!(
        "\nGenerated services are not enabled with `systemctl enable`: each container's\n\
         [Install] section starts it at boot. Status: systemctl list-dependencies {stack}.target;\n\
         logs: journalctl -u <service>.service; health: podman healthcheck run {stack}-<service>\n"
    ));
    let low: BTreeSet<u16> = m
        .services
        .values()
        .filter(|s| runs_as_container(s))
        .flat_map(|s| s.ports.values().filter_map(|p| p.host))
        .filter(|p| *p < 1024)
        .collect();
    if !low.is_empty() {
        let ports: Vec<String> = low.iter().map(u16::to_string).collect();
        r.push_str(&format!(
            "Rootless Podman publishes port(s) {} only if sysctl net.ipv4.ip_unprivileged_port_start allows it.\n",
            ports.join(", ")
        ));
    }
    let mut pulls: Vec<&str> = Vec::new();
    for u in units.iter().filter(|u| u.built) {
        if !pulls.contains(&u.image.as_str()) {
            pulls.push(u.image.as_str());
        }
    }
    if !pulls.is_empty() {
        r.push_str(&format!(
            "Images this stack builds must be pushed, or built on this host first: {}\n",
            pulls.join(", ")
        ));
    }
    r
}
