//! `.env.example`: every variable the Compose files read, with a
//! placeholder and what it is for. Never a value.
//!
//! The placeholders are non-empty, so a copy of this file as `.env` makes
//! `docker compose config` succeed (the `${VAR:?…}` references are
//! satisfied); a real run needs real values.

use super::document::SecretUse;
use super::values::var_name;
use crate::emit::output::hash_header;
use crate::model::{Model, Secret, SecretKind};

/// The placeholder every variable gets.
pub(crate) const PLACEHOLDER: &str = "change-me";

/// Renders the file for the secrets `uses` mentions (base and every
/// environment), in declaration order; unused secrets are listed last.
pub(super) fn render(m: &Model, uses: &[SecretUse]) -> String {
    let mut out = hash_header();
    out.push_str(&format!(
        "# Variables the Compose files of stack `{}` read. Copy this file to `.env` beside\n\
         # compose.yaml and replace every placeholder; keep `.env` out of version control.\n\
         # Compose refuses to start while one of them is unset or empty.\n",
        m.stack.name
    ));
    if m.secrets.values().any(|s| s.optional) {
        out.push_str("# Except the ones marked optional: they may be left empty or out.\n");
    }
    let mut unused = Vec::new();
    for (name, secret) in &m.secrets {
        let mine: Vec<&SecretUse> = uses.iter().filter(|u| &u.secret == name).collect();
        if mine.is_empty() {
            unused.push(format!("{name} ({})", var_name(&secret.env_name)));
            continue;
        }
        out.push('\n');
        variable(&mut out, name, secret, &mine);
    }
    if uses.is_empty() {
        out.push_str("\n# (none: no service reads a secret)\n");
    }
    if !unused.is_empty() {
        out.push_str(&format!(
            "\n# Declared but not read by any Compose service: {}\n",
            unused.join(", ")
        ));
    }
    out
}

fn variable(out: &mut String, name: &str, s: &Secret, uses: &[&SecretUse]) {
    for line in s.description.as_deref().unwrap_or("").lines() {
        out.push_str(&format!("# {}\n", line.trim_end()).replace("# \n", "#\n"));
    }
    out.push_str(&format!("# secret `{name}`, {}", kind_hint(s.kind)));
    out.push_str(&format!("; {}\n", used_by(name, uses)));
    if s.optional {
        out.push_str("# optional: may be left empty or out\n");
    }
    out.push_str(&format!("{}={PLACEHOLDER}\n", var_name(&s.env_name)));
}

fn kind_hint(k: SecretKind) -> &'static str {
    match k {
        SecretKind::Opaque => "opaque value",
        SecretKind::Password => "a password",
        SecretKind::Token => "a token",
        SecretKind::Url => "a URL with credentials, e.g. scheme://user:password@host:port/path",
        SecretKind::Tls => "a TLS certificate and key (PEM)",
    }
}

/// `read as DB_URL by api, worker` / `mounted at /run/secrets/x in api`.
fn used_by(name: &str, uses: &[&SecretUse]) -> String {
    let mut by_var: indexmap::IndexSet<String> = indexmap::IndexSet::new();
    let mut mounted: indexmap::IndexSet<&str> = indexmap::IndexSet::new();
    for u in uses {
        if u.file {
            mounted.insert(&u.service);
        } else {
            by_var.insert(format!("{} ({})", u.service, u.var));
        }
    }
    let mut parts = Vec::new();
    if !by_var.is_empty() {
        parts.push(format!(
            "environment of {}",
            some(by_var.iter().map(String::as_str))
        ));
    }
    if !mounted.is_empty() {
        parts.push(format!(
            "mounted at /run/secrets/{name} in {}",
            some(mounted.iter().copied())
        ));
    }
    parts.join("; ")
}

/// `a, b, c` — at most ten names, then how many more.
fn some<'a>(items: impl ExactSizeIterator<Item = &'a str>) -> String {
    const SHOWN: usize = 10;
    let n = items.len();
    let mut s: Vec<&str> = items.take(SHOWN).collect();
    let more;
    if n > SHOWN {
        more = format!("and {} more", n - SHOWN);
        s.push(&more);
    }
    s.join(", ")
}
