//! Quoting for unit files, systemd's units of measure, and the host
//! rendering of `${svc.host}` / `${svc.port.NAME}`.

use crate::model::{Bytes, Duration, Model, Part};

/// `%` is a specifier in almost every unit setting: `%%` is a literal `%`.
pub(super) fn specifiers(s: &str) -> String {
    s.replace('%', "%%")
}

/// One word of an `Exec*=` command line. `%` and `$` are escaped always
/// (systemd expands specifiers and `$VAR`/`${VAR}` in command lines); a
/// word that is empty, holds whitespace, quotes, backslashes or control
/// characters, or is a lone `;` (the old command separator), is written
/// in double quotes with C escapes.
pub(super) fn exec_word(s: &str) -> String {
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
pub(super) fn env_assignment(name: &str, value: &str) -> String {
    double_quoted(&specifiers(&format!("{name}={value}")))
}

/// A path in a space-separated list (`ReadWritePaths=`): quoted when it
/// holds whitespace or quotes.
pub(super) fn path_word(p: &str) -> String {
    exec_word(p).replace("$$", "$")
}

fn double_quoted(s: &str) -> String {
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
pub(super) fn sh_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A time span as systemd reads it: `20s`, `1500ms`.
pub(super) fn time(d: Duration) -> String {
    let ms = d.millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// A size as systemd reads it (base 1024): `1G`, `256M`, else bytes.
pub(super) fn bytes(b: Bytes) -> String {
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

/// How other services are reached from a process on the host. This is the
/// systemd backend's own rendering (the Kubernetes one is `model::interp`):
///
/// * `${svc.host}`: the service's `external.host`, else `localhost`: on one
///   host every service of the stack runs on the same machine;
/// * `${svc.port.NAME}`: the service's `external.port`, else, for a service
///   systemd runs (it has `host` settings), the container port, which the
///   process binds itself; for any other service (a container or a
///   distribution package on the same host) the published `host` port,
///   else the container port. An unknown service or port renders empty.
pub(super) fn render(m: &Model, parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Host(svc) => {
                let ext = m.services.get(svc).and_then(|s| s.external.as_ref());
                out.push_str(ext.and_then(|e| e.host.as_deref()).unwrap_or("localhost"));
            }
            Part::Port(svc, port) => {
                if let Some(n) = port_of(m, svc, port) {
                    out.push_str(&n.to_string());
                }
            }
        }
    }
    out
}

fn port_of(m: &Model, svc: &str, port: &str) -> Option<u16> {
    let s = m.services.get(svc)?;
    if let Some(p) = s.external.as_ref().and_then(|e| e.port) {
        return Some(p);
    }
    let p = s.ports.get(port)?;
    if s.host.is_some() {
        Some(p.container)
    } else {
        Some(p.host.unwrap_or(p.container))
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
