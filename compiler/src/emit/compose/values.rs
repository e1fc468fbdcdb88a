//! Scalars in Compose form: escaped literals, byte sizes, durations, and
//! the rendering of environment values (secrets, config keys,
//! `${svc.host}` / `${svc.port.NAME}`).

use super::document::{Cx, SecretUse, ServiceDoc};
use crate::emit::yaml::Yaml;
use crate::model::{Bytes, Duration, EnvValue, Part, Service};

/// A literal as Compose must see it: `$` doubled, so nothing interpolates.
pub(super) fn lit(s: &str) -> String {
    s.replace('$', "$$")
}

pub(super) fn lit_yaml(s: &str) -> Yaml {
    Yaml::str(lit(s))
}

/// A list of literals.
pub(super) fn lit_seq(items: &[String]) -> Yaml {
    Yaml::Seq(items.iter().map(|s| lit_yaml(s)).collect())
}

/// Compose byte values (strings; Compose's schema rejects numbers for
/// `memory`): the largest of `g`/`m`/`k` (binary, as Compose reads them)
/// that divides evenly, else the plain byte count.
pub(super) fn bytes(b: Bytes) -> Yaml {
    let b = b.0;
    for (suffix, size) in [("g", 1u64 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
        if b >= size && b.is_multiple_of(size) {
            return Yaml::str(format!("{}{suffix}", b / size));
        }
    }
    Yaml::str(b.to_string())
}

/// A Go duration (`10s`, `1m30s`, `250ms`), as Compose reads them.
pub(super) fn duration(d: Duration) -> Yaml {
    Yaml::str(d.to_string())
}

/// Where secrets' values come from: `${NAME:?…}`, required.
pub(super) fn required_var(name: &str) -> String {
    format!("${{{name}:?set {name} in .env (see .env.example)}}")
}

/// An optional secret's value: `${NAME:-}`, empty when unset.
pub(super) fn optional_var(name: &str) -> String {
    format!("${{{name}:-}}")
}

/// `name` as a Compose variable name (`[A-Za-z_][A-Za-z0-9_]*`): other
/// characters become `_`, a leading digit gets a `_` before it.
pub(super) fn var_name(name: &str) -> String {
    let mut v: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        v.insert(0, '_');
    }
    v
}

/// Path of a file secret inside the container.
pub(super) fn secret_path(name: &str) -> String {
    format!("/run/secrets/{name}")
}

/// The value of environment variable `var` of `svc`.
pub(super) fn env_value(
    cx: &mut Cx,
    svc: &Service,
    var: &str,
    v: &EnvValue,
    sd: &mut ServiceDoc,
) -> Yaml {
    match v {
        EnvValue::Literal(s) => lit_yaml(s),
        EnvValue::Secret { secret } => Yaml::str(secret_ref(cx, svc, var, secret, sd)),
        EnvValue::ConfigKey { config, key } => {
            let value = cx.model.configs.get(config).and_then(|c| c.get(key));
            lit_yaml(value.map_or("", String::as_str))
        }
        EnvValue::Interp { interp } => {
            let text: String = interp.iter().map(|p| part(cx, svc, p)).collect();
            Yaml::str(text)
        }
    }
}

fn secret_ref(cx: &mut Cx, svc: &Service, var: &str, name: &str, sd: &mut ServiceDoc) -> String {
    let Some(secret) = cx.model.secrets.get(name) else {
        return String::new();
    };
    sd.uses.push(SecretUse {
        secret: name.to_string(),
        service: svc.name.clone(),
        var: var.to_string(),
        file: secret.file,
    });
    if secret.file {
        if !sd.secrets.contains(&name.to_string()) {
            sd.secrets.push(name.to_string());
        }
        if secret.kind == crate::model::SecretKind::Tls {
            cx.findings.approximated(
                secret.span,
                "file",
                format!("Compose mounts TLS secret `{name}` as one file, {} (certificate and key in the one value); Kubernetes mounts a directory holding `tls.crt` and `tls.key`", secret_path(name)),
            );
        }
        cx.findings.exact(&svc.name, "secret files");
        return secret_path(name);
    }
    let var = var_name(&secret.env_name);
    if var != secret.env_name {
        cx.findings.approximated(
            secret.span,
            "env_name",
            format!(
                "`{}` is not a valid Compose variable name; `{var}` is used instead",
                secret.env_name
            ),
        );
    } else {
        cx.findings.exact(&svc.name, "secret variables");
    }
    if secret.optional {
        optional_var(&var)
    } else {
        required_var(&var)
    }
}

/// One piece of an interpolated string.
fn part(cx: &mut Cx, svc: &Service, p: &Part) -> String {
    match p {
        Part::Text(t) => lit(t),
        Part::Host(s) => host_of(cx, svc, s),
        Part::Port(s, port) => port_of(cx, svc, s, port),
    }
}

fn host_of(cx: &mut Cx, svc: &Service, target: &str) -> String {
    let Some(t) = cx.model.services.get(target) else {
        not_here(cx, svc, &format!("${{{target}.host}}"), target);
        return lit(target);
    };
    let Some(ext) = &t.external else {
        return lit(target);
    };
    if let Some(h) = &ext.host {
        return lit(h);
    }
    cx.findings.approximated(
        ext.span,
        "external",
        format!(
            "`{target}` has no `host`; `${{{target}.host}}` in `{}` is written as `{target}`",
            svc.name
        ),
    );
    lit(target)
}

fn port_of(cx: &mut Cx, svc: &Service, target: &str, port: &str) -> String {
    let Some(t) = cx.model.services.get(target) else {
        not_here(cx, svc, &format!("${{{target}.port.{port}}}"), target);
        return String::new();
    };
    if let Some(ext) = &t.external {
        if let Some(p) = ext.port {
            return p.to_string();
        }
    }
    match t.port(port) {
        Some(p) => p.container.to_string(),
        None => {
            cx.findings.approximated(
                svc.span_of("env"),
                "env",
                format!(
                    "`${{{target}.port.{port}}}`: `{target}` has no such port here; written empty"
                ),
            );
            String::new()
        }
    }
}

/// A reference to a service the environment does not run.
fn not_here(cx: &mut Cx, svc: &Service, reference: &str, target: &str) {
    let env = cx.model.env_name().unwrap_or("the base");
    cx.findings.approximated(
        svc.span_of("env"),
        "env",
        format!("`{reference}` in `{}`: `{target}` does not run in {env}; the host is its name and the port empty", svc.name),
    );
}

#[cfg(test)]
mod tests;
