//! What the unit-file backends (systemd, quadlet) share: quoting for unit
//! files, systemd's units of measure, restart settings, secret kind hints,
//! and the one-host rendering of `${svc.host}` / `${svc.port.NAME}`.

use super::Output;
use crate::model::{Bytes, Duration, External, Model, Part, Restart, SecretKind, Service};

/// Restarts allowed within [`START_LIMIT_INTERVAL`] before systemd gives up.
pub(crate) const START_LIMIT_BURST: u32 = 5;
pub(crate) const START_LIMIT_INTERVAL: &str = "5min";
pub(crate) const RESTART_SEC: &str = "5s";

/// `Restart=` of a restart policy (`unless_stopped` is `always`: systemd
/// never restarts a unit an administrator stopped).
pub(crate) fn restart(r: Restart) -> &'static str {
    match r {
        Restart::Always | Restart::UnlessStopped => "always",
        Restart::OnFailure => "on-failure",
        Restart::Never => "no",
    }
}

/// `, environment `prod`` for a model of an environment, empty for the
/// base: the tail of the header comment of every generated file.
pub(crate) fn env_phrase(m: &Model) -> String {
    m.env_name()
        .map_or(String::new(), |e| format!(", environment `{e}`"))
}

/// Reports an external service, which gets no `what` (unit, container) on
/// the host: it runs elsewhere.
pub(crate) fn report_external(
    out: &mut Output,
    env: Option<&str>,
    s: &Service,
    e: &External,
    what: &str,
) {
    let at = match (&e.host, &e.url) {
        (Some(h), _) => format!("reached at {h}"),
        (None, Some(_)) => "reached through its `external.url`".to_string(),
        (None, None) => "reached at its address".to_string(),
    };
    out.approximated(
        e.span,
        env,
        "external",
        format!("no {what}: `{}` runs elsewhere, {at}", s.name),
    );
}

/// Reports what a cluster does for `s` that one host cannot: more than
/// one replica, autoscaling, a disruption budget, an ingress (dropped) and
/// a rollout strategy (a restart replaces the `what`: approximated).
pub(crate) fn single_host_limits(out: &mut Output, env: Option<&str>, s: &Service, what: &str) {
    if s.replicas > 1 {
        out.dropped(
            s.span_of("replicas"),
            env,
            "replicas",
            format!("one {what} per host, not {}", s.replicas),
        );
    }
    if let Some(a) = &s.autoscale {
        out.dropped(a.span, env, "autoscale", "no autoscaling on a single host");
    }
    if let Some(d) = &s.disruption {
        out.dropped(
            d.span,
            env,
            "disruption",
            "no disruption budget on a single host",
        );
    }
    if let Some(i) = &s.ingress {
        out.dropped(
            i.span,
            env,
            "ingress",
            format!(
                "no ingress on a host: put a reverse proxy in front of it for `{}`",
                i.host
            ),
        );
    }
    if let Some(r) = &s.rollout {
        out.approximated(
            r.span,
            env,
            "rollout",
            format!("a restart replaces the {what} (recreate)"),
        );
    }
    for (feature, span, what) in scheduling(s) {
        out.dropped(
            span,
            env,
            feature,
            format!("{what}: there is one host, no scheduler"),
        );
    }
    if let Some(how) = exposure_elsewhere(s) {
        out.dropped(
            s.span_of("expose"),
            env,
            "expose",
            format!("no {how} on a single host: ports with `host` are published on the host"),
        );
    }
    if s.service_links == Some(true) {
        out.dropped(
            s.span_of("service_links"),
            env,
            "service_links",
            "no Kubernetes service-link variables (`<SERVICE>_SERVICE_HOST`) on a host",
        );
    }
}

/// The Kubernetes scheduling settings of `s` (feature, where, what), for
/// the targets that place containers on one host.
pub(crate) fn scheduling(s: &Service) -> Vec<(&'static str, crate::source::Span, &'static str)> {
    let mut v = Vec::new();
    if !s.node_selector.is_empty() {
        v.push((
            "node_selector",
            s.span_of("node_selector"),
            "no node selection",
        ));
    }
    if let Some(t) = s.tolerations.values().next() {
        v.push(("toleration", t.span, "no taints to tolerate"));
    }
    if let Some(sp) = &s.spread {
        v.push(("spread", sp.span, "no spreading across nodes or zones"));
    }
    v
}

/// What an explicit `expose` asks of Kubernetes that a runtime without a
/// cluster has no counterpart for (`None`: nothing, or `node_port` set on
/// a port, which is reported with the port).
pub(crate) fn exposure_elsewhere(s: &Service) -> Option<&'static str> {
    match s.expose? {
        crate::model::Expose::LoadBalancer => Some("load balancer"),
        crate::model::Expose::NodePort if !s.ports.values().any(|p| p.node_port.is_some()) => {
            Some("NodePort")
        }
        _ => None,
    }
}

/// How a secret of kind `k` is described next to its placeholder.
pub(crate) fn kind_hint(k: SecretKind) -> &'static str {
    match k {
        SecretKind::Opaque => "opaque value",
        SecretKind::Password => "a password",
        SecretKind::Token => "a token",
        SecretKind::Url => "a URL with credentials",
        SecretKind::Tls => "a TLS certificate and key (PEM)",
    }
}

/// `%` is a specifier in almost every unit setting: `%%` is a literal `%`.
pub(crate) fn specifiers(s: &str) -> String {
    s.replace('%', "%%")
}

/// One word of an `Exec*=` command line. `%` and `$` are escaped always
/// (systemd expands specifiers and `$VAR`/`${VAR}` in command lines); a
/// word that is empty, holds whitespace, quotes, backslashes or control
/// characters, or is a lone `;` (the old command separator), is written
/// in double quotes with C escapes.
pub(crate) fn exec_word(s: &str) -> String {
    let escaped = specifiers(s).replace('$', "$$");
    let plain = !s.is_empty()
        && s != ";"
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\'));
    if plain {
        escaped
    } else {
        double_quoted(&escaped)
    }
}

/// An `Environment=` assignment, always in double quotes: `"NAME=value"`
/// (systemd does not expand `$` there, but does expand `%`).
pub(crate) fn env_assignment(name: &str, value: &str) -> String {
    double_quoted(&specifiers(&format!("{name}={value}")))
}

/// A path in a space-separated list (`ReadWritePaths=`): quoted when it
/// holds whitespace or quotes.
pub(crate) fn path_word(p: &str) -> String {
    exec_word(p).replace("$$", "$")
}

pub(crate) fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A shell word in single quotes (`'` as `'\''`).
pub(crate) fn sh_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A time span as systemd reads it: `20s`, `1500ms`.
pub(crate) fn time(d: Duration) -> String {
    let ms = d.millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// A size as systemd reads it (base 1024): `1G`, `256M`, else bytes.
pub(crate) fn bytes(b: Bytes) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("T", 1 << 40),
        ("G", 1 << 30),
        ("M", 1 << 20),
        ("K", 1 << 10),
    ];
    for (suffix, size) in UNITS {
        if b.0 >= size && b.0.is_multiple_of(size) {
            return format!("{}{suffix}", b.0 / size);
        }
    }
    b.0.to_string()
}

/// Where a process that reads `${svc.host}` / `${svc.port.NAME}` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vantage {
    /// A process systemd runs on the host (the systemd target).
    Host,
    /// A container on the stack's Podman network (the quadlet target).
    Container,
}

/// The address containers reach their host at (Podman's name for it).
pub(crate) const CONTAINER_HOST: &str = "host.containers.internal";

/// How other services are reached on one host. This is the unit-file
/// backends' own rendering (the Kubernetes one is `model::interp`):
///
/// * a service with `external.host` / `external.port` is reached there;
/// * from a host process ([`Vantage::Host`]) every other service is at
///   `localhost`: on a service systemd runs (it has `host` settings) its
///   container port, which the process binds itself; on any other (a
///   container or a distribution package on the same host) its published
///   `host` port, else the container port;
/// * from a container on the stack's network ([`Vantage::Container`]) a
///   service the stack runs as a container is at its name (the container's
///   name and network alias) and its container port; any other service
///   runs on the host (`host.containers.internal`): a process systemd
///   runs at its container port, anything else at its published `host`
///   port, else its container port.
///
/// An unknown service or port renders empty (port) or as `localhost` /
/// the host's address (host).
pub(crate) fn render(m: &Model, parts: &[Part], from: Vantage) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Host(svc) => out.push_str(&host_of(m, svc, from)),
            Part::Port(svc, port) => {
                if let Some(n) = port_of(m, svc, port, from) {
                    out.push_str(&n.to_string());
                }
            }
        }
    }
    out
}

fn host_of(m: &Model, svc: &str, from: Vantage) -> String {
    let s = m.services.get(svc);
    if let Some(h) = s.and_then(|s| s.external.as_ref()?.host.clone()) {
        return h;
    }
    match from {
        Vantage::Host => "localhost".to_string(),
        Vantage::Container if s.is_some_and(|s| s.is_container()) => svc.to_string(),
        Vantage::Container => CONTAINER_HOST.to_string(),
    }
}

fn port_of(m: &Model, svc: &str, port: &str, from: Vantage) -> Option<u16> {
    let s = m.services.get(svc)?;
    if let Some(p) = s.external.as_ref().and_then(|e| e.port) {
        return Some(p);
    }
    let p = s.ports.get(port)?;
    let direct = match from {
        Vantage::Host => s.host.is_some(),
        // A host process binds its container port itself.
        Vantage::Container => s.is_container() || s.host.is_some(),
    };
    if direct {
        Some(p.container)
    } else {
        Some(p.host.unwrap_or(p.container))
    }
}

/// The extensions of the files Podman's Quadlet generator reads as units
/// (it also reads the subdirectories of its unit directories).
const QUADLET_UNIT_EXTENSIONS: [&str; 8] = [
    "container",
    "volume",
    "network",
    "kube",
    "image",
    "build",
    "pod",
    "artifact",
];

/// A service's mounted file as a host backend writes it beside its units.
pub(crate) struct FileCopy<'a> {
    /// The path inside the container (or seen by the host process), as
    /// written in the stack.
    pub(crate) path: &'a str,
    /// The copy's path relative to the output directory:
    /// `files/<service>/<name>`.
    pub(crate) copy: String,
    pub(crate) file: &'a crate::model::File,
}

/// The copies of `s`'s mounted files: `files/<owner>/<name>` (`owner` is
/// the service, also for its init containers, which mount the same), where
/// `<name>` is the last component of the path with every character but
/// `A-Za-z0-9._-` as `_`, made unique within the service by a `2-`, `3-`…
/// prefix, and given a `.txt` tail where it would end in an extension
/// Quadlet reads as a unit (the generator scans subdirectories). Paths
/// that a bind mount cannot name (with a `:`) are returned in the second
/// list.
pub(crate) fn file_copies<'a>(s: &'a Service, owner: &str) -> (Vec<FileCopy<'a>>, Vec<&'a str>) {
    let mut copies: Vec<FileCopy> = Vec::new();
    let mut unmountable = Vec::new();
    let mut taken = std::collections::BTreeSet::new();
    for (path, file) in &s.files {
        if path.contains(':') {
            unmountable.push(path.as_str());
            continue;
        }
        let last = path
            .rsplit('/')
            .find(|c| !c.is_empty() && *c != "." && *c != "..")
            .unwrap_or("file");
        let mut name: String = last
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if name.starts_with('.') {
            name.insert(0, '_');
        }
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        if QUADLET_UNIT_EXTENSIONS.contains(&ext) {
            name.push_str(".txt");
        }
        let mut unique = name.clone();
        let mut n = 1;
        while !taken.insert(unique.clone()) {
            n += 1;
            unique = format!("{n}-{name}");
        }
        copies.push(FileCopy {
            path,
            copy: format!("files/{owner}/{unique}"),
            file,
        });
    }
    (copies, unmountable)
}

/// An `optional = true` secret on a host target: neither systemd credentials
/// nor Podman secrets have an optional form, so it is reported as
/// approximated with `why` (what the unit does without it, and what to do).
pub fn report_optional(
    m: &Model,
    out: &mut Output,
    env: Option<&str>,
    secret: &str,
    why: impl FnOnce() -> String,
) {
    if let Some(sec) = m.secrets.get(secret).filter(|s| s.optional) {
        out.approximated(sec.span, env, "optional", why());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_words() {
        assert_eq!(exec_word("--urls"), "--urls");
        assert_eq!(exec_word("http://0.0.0.0:8080"), "http://0.0.0.0:8080");
        assert_eq!(exec_word("a b"), "\"a b\"");
        assert_eq!(exec_word(""), "\"\"");
        assert_eq!(exec_word(";"), "\";\"");
        assert_eq!(exec_word("$HOME"), "$$HOME");
        assert_eq!(exec_word("100%"), "100%%");
        assert_eq!(exec_word("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(exec_word("it's"), "\"it's\"");
        assert_eq!(exec_word("a\\b"), "\"a\\\\b\"");
        assert_eq!(exec_word("x\ny"), "\"x\\ny\"");
    }

    #[test]
    fn environment_assignments() {
        assert_eq!(env_assignment("A", "b c"), "\"A=b c\"");
        assert_eq!(env_assignment("A", "50% \"q\""), "\"A=50%% \\\"q\\\"\"");
        assert_eq!(env_assignment("A", "$x"), "\"A=$x\"");
    }

    #[test]
    fn units() {
        assert_eq!(time(Duration(20_000)), "20s");
        assert_eq!(time(Duration(1_500)), "1500ms");
        assert_eq!(bytes(Bytes(1 << 30)), "1G");
        assert_eq!(bytes(Bytes(256 << 20)), "256M");
        assert_eq!(bytes(Bytes(1000)), "1000");
    }
}
