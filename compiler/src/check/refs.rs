//! References, `let` constants, string interpolation and name rules.
//!
//! Paths resolve by the type expected where they appear: `secret.NAME`,
//! `config.NAME[.KEY]`, a service name, an environment name, a port or job
//! name (checked after evaluation, when the merged service or pipeline is
//! known), or a `let` constant. Inside strings, `${…}` may name a `let`, a
//! config key, `SERVICE.host`, `SERVICE.port.NAME`, `stack.FIELD` or
//! `environment.name`; secrets are refused (E0700): their values must never
//! reach generated files.

use super::elab::Elab;
use super::schema::{FieldDef, RefKind, Ty};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, Expr, ExprKind, Key, Path, StrLit, StrPart};
use crate::value::{Part, Ref, Val, ValKind};

const STACK_FIELDS: &[&str] = &["name", "namespace", "registry", "version"];

impl Elab<'_> {
    /// A `let` constant used where `ty` is expected. `None` when `p` is not a let.
    pub(super) fn let_value(
        &mut self,
        p: &Path,
        ty: &Ty,
        field: Option<&FieldDef>,
    ) -> Option<Option<Val>> {
        if p.segments.len() != 1 {
            return None;
        }
        let r = *self.p.symbols.lets.get(p.first())?;
        let name = p.first().to_string();
        if let Some(pos) = self.let_stack.iter().position(|n| *n == name) {
            let chain = format!("{} → {name}", self.let_stack[pos..].join(" → "));
            let mut d = Diagnostic::new(
                Code::E0112,
                p.span,
                format!("`let` constants refer to each other in a cycle: {chain}"),
            )
            .label(format!("`{name}` is used inside its own definition"))
            .help("give one of the constants a literal value");
            for pair in self.let_stack[pos..].windows(2) {
                let span = self.p.symbols.lets[&pair[0]].name_span;
                d = d.secondary(span, format!("`{}` refers to `{}`", pair[0], pair[1]));
            }
            self.report(d);
            return Some(None);
        }
        self.let_stack.push(name);
        let expr = self.p.let_item(r).value.clone();
        let v = self.value(&expr, ty, field);
        self.let_stack.pop();
        Some(v.map(|mut v| {
            v.span = p.span;
            v
        }))
    }

    pub(super) fn ref_value(&mut self, e: &Expr, kind: RefKind) -> Option<Val> {
        let ExprKind::Path(p) = &e.kind else {
            let mut d = Diagnostic::new(
                Code::E0201,
                e.span,
                format!(
                    "expected a reference to a {}, found {}",
                    kind.noun(),
                    super::values::describe_expr(e)
                ),
            );
            d = d.help(format!("refer to a declared {} by name", kind.noun()));
            if let (ExprKind::Str(s), true) = (&e.kind, kind == RefKind::Secret) {
                let text = s.as_plain().unwrap_or_default();
                let declared = self.p.symbols.secrets.keys().map(String::as_str);
                match suggest::did_you_mean(&text, declared.clone())
                    .or_else(|| declared.clone().find(|n| *n == text))
                {
                    Some(name) => {
                        // What it meant is used: not reported unused too.
                        if self.trial == 0 {
                            self.used_secrets.insert(name.to_string());
                        }
                        d = d
                            .help(format!("refer to the declared secret: `secret.{name}` (secret values never appear in .stack files)"))
                            .fix(e.span, format!("secret.{name}"));
                    }
                    None => {
                        let name = suggest::snake(&text);
                        d = d.help(format!("declare `secret {name} {{ }}` and write `secret.{name}`: secret values never appear in .stack files"));
                    }
                }
            } else if let (ExprKind::Number(n), RefKind::Port) = (&e.kind, kind) {
                // `port = 8080` (Kubernetes' `httpGet.port`): the port
                // with that number, by name.
                if let Some((name, _)) = self.ports.iter().find(|(_, ns)| ns.contains(&n.value)) {
                    d = d
                        .help(format!(
                            "refer to the port by its name: `{name}` (port `{name}` is {})",
                            n.text
                        ))
                        .fix(e.span, name.clone());
                }
            } else if let ExprKind::Str(s) = &e.kind {
                if let Some(t) = s.as_plain() {
                    d = d.help(format!("write the name without quotes: {t}"));
                }
            }
            self.report(d);
            return None;
        };
        let r = self.reference(p, kind)?;
        Some(Val::new(ValKind::Ref(r), e.span))
    }

    /// Resolves `p` as a reference of `kind`, reporting unknown names.
    pub(super) fn reference(&mut self, p: &Path, kind: RefKind) -> Option<Ref> {
        let segs: Vec<&str> = p.segments.iter().map(|s| s.name.as_str()).collect();
        match (kind, segs.as_slice()) {
            (RefKind::Secret, ["secret", name]) => {
                self.secret_ref(name, p.segments[1].span).map(Ref::Secret)
            }
            (RefKind::Config, ["config", name]) => {
                self.config_ref(name, p.segments[1].span).map(Ref::Config)
            }
            (RefKind::ConfigKey, ["config", name, key]) => {
                let c = self.config_ref(name, p.segments[1].span)?;
                self.config_key(&c, key, p.segments[2].span)?;
                Some(Ref::ConfigKey(Box::new((c, key.to_string()))))
            }
            (RefKind::Service, [name]) => self
                .named_ref(RefKind::Service, name, p.span)
                .map(Ref::Service),
            (RefKind::Environment, [name]) => self
                .named_ref(RefKind::Environment, name, p.span)
                .map(Ref::Environment),
            (RefKind::Pipeline, [name]) => self
                .named_ref(RefKind::Pipeline, name, p.span)
                .map(Ref::Pipeline),
            (RefKind::Port, [name]) => Some(Ref::Port(name.to_string())),
            (RefKind::Job, [name]) => Some(Ref::Job(name.to_string())),
            _ => {
                self.bad_reference(p, kind);
                None
            }
        }
    }

    fn bad_reference(&mut self, p: &Path, kind: RefKind) {
        let form = match kind {
            RefKind::Secret => "`secret.NAME`",
            RefKind::Config => "`config.NAME`",
            RefKind::ConfigKey => "`config.NAME.KEY`",
            _ => "a bare name",
        };
        let mut d = Diagnostic::new(
            Code::E0201,
            p.span,
            format!(
                "expected a reference to a {} ({form}), found `{}`",
                kind.noun(),
                p.dotted()
            ),
        )
        .label(format!("not a {} reference", kind.noun()))
        .help(format!("write {form}"));
        if kind == RefKind::Secret
            && p.segments.len() == 1
            && self.p.symbols.secrets.contains_key(p.first())
        {
            d = d
                .help(format!("write `secret.{}`", p.first()))
                .fix(p.span, format!("secret.{}", p.first()));
        }
        self.report(d);
    }

    fn secret_ref(&mut self, name: &str, span: Span) -> Option<String> {
        if self.trial == 0 {
            self.used_secrets.insert(name.to_string());
        }
        if self.p.symbols.secrets.contains_key(name) {
            return Some(name.to_string());
        }
        if self.trial == 0 {
            // The secrets this reference most likely meant are not reported
            // unused as well (one mistake, one diagnostic).
            let likely = suggest::likely(name, self.p.symbols.secrets.keys().map(String::as_str));
            self.used_secrets
                .extend(likely.into_iter().map(str::to_string));
        }
        let d = Diagnostic::new(
            Code::E0105,
            span,
            format!("secret `{name}` is used but not declared"),
        )
        .label("not declared")
        .unknown(
            "secret",
            name,
            self.p.symbols.secrets.keys().map(String::as_str),
            span,
            str::to_string,
        );
        let d = if d.fix.is_some() {
            d
        } else {
            d.help(format!(
                "declare it: `secret {name} {{ description = \"…\" }}`"
            ))
        };
        self.report(d);
        None
    }

    fn config_ref(&mut self, name: &str, span: Span) -> Option<String> {
        if self.p.symbols.configs.contains_key(name) {
            return Some(name.to_string());
        }
        let d = Diagnostic::new(Code::E0106, span, format!("unknown config `{name}`"))
            .label("no config with this name")
            .unknown(
                "config",
                name,
                self.p.symbols.configs.keys().map(String::as_str),
                span,
                str::to_string,
            );
        self.report(d);
        None
    }

    fn config_key(&mut self, config: &str, key: &str, span: Span) -> Option<()> {
        let b = self.p.block(self.p.symbols.configs[config]);
        let keys: Vec<&str> = b
            .body
            .entries
            .iter()
            .filter_map(|e| match e {
                ast::Entry::Attr(a) => Some(a.path[0].name.as_str()),
                _ => None,
            })
            .collect();
        if keys.contains(&key) {
            return Some(());
        }
        let d = Diagnostic::new(
            Code::E0106,
            span,
            format!("config `{config}` has no key `{key}`"),
        )
        .label("unknown key")
        .unknown("key", key, keys.iter().copied(), span, str::to_string);
        self.report(d);
        None
    }

    fn named_ref(&mut self, kind: RefKind, name: &str, span: Span) -> Option<String> {
        let (table, code) = match kind {
            RefKind::Service => (&self.p.symbols.services, Code::E0104),
            RefKind::Environment => (&self.p.symbols.environments, Code::E0107),
            _ => (&self.p.symbols.pipelines, Code::E0103),
        };
        if table.contains_key(name) {
            return Some(name.to_string());
        }
        let d = Diagnostic::new(code, span, format!("unknown {} `{name}`", kind.noun()))
            .label(format!("no {} with this name", kind.noun()))
            .unknown(
                kind.noun(),
                name,
                table.keys().map(String::as_str),
                span,
                str::to_string,
            );
        self.report(d);
        None
    }

    // ------------------------------------------------------------ strings

    pub(super) fn string(&mut self, s: &StrLit, span: Span) -> Option<Val> {
        let mut parts: Vec<Part> = Vec::new();
        for part in &s.parts {
            match part {
                StrPart::Text(t) => push_text(&mut parts, t),
                StrPart::Interp(p) => {
                    for q in self.interp(p)? {
                        match q {
                            Part::Text(t) => push_text(&mut parts, &t),
                            other => parts.push(other),
                        }
                    }
                }
            }
        }
        Some(Val::new(simplify(parts), span))
    }

    /// A bare path where a string is expected (`url = backend.host`).
    pub(super) fn path_as_string(&mut self, p: &Path, span: Span) -> Option<Val> {
        let parts = self.interp(p)?;
        Some(Val::new(simplify(parts), span))
    }

    /// The parts one `${path}` stands for.
    fn interp(&mut self, p: &Path) -> Option<Vec<Part>> {
        let segs: Vec<&str> = p.segments.iter().map(|s| s.name.as_str()).collect();
        match segs.as_slice() {
            ["secret", name, ..] => {
                let declared = self.secret_ref(name, p.segments[1].span).is_some();
                let mut d = Diagnostic::new(Code::E0700, p.span, format!("secret `{name}` cannot be interpolated into a string"))
                    .label("a secret's value would end up in generated files")
                    .help("pass the whole value as a secret: make the variable `secret.NAME` and store the full string (e.g. the whole connection URL) in the secret");
                if !declared {
                    d = d.note("the secret is not declared either");
                }
                self.report(d);
                None
            }
            ["config", name, key] => {
                let c = self.config_ref(name, p.segments[1].span)?;
                self.config_key(&c, key, p.segments[2].span)?;
                Some(vec![Part::Config(c, key.to_string())])
            }
            ["stack", field] if STACK_FIELDS.contains(field) => {
                Some(vec![Part::Stack(field.to_string())])
            }
            ["environment", "name"] => Some(vec![Part::EnvName]),
            [name] if self.p.symbols.lets.contains_key(*name) => self.let_text(p),
            [svc, rest @ ..] if self.p.symbols.services.contains_key(*svc) => {
                self.service_part(p, svc, rest)
            }
            _ => {
                self.unknown_name(p);
                None
            }
        }
    }

    fn let_text(&mut self, p: &Path) -> Option<Vec<Part>> {
        let ty = Ty::OneOf(vec![Ty::String, Ty::Number, Ty::Bool]);
        let v = self.let_value(p, &ty, None)??;
        Some(match v.kind {
            ValKind::Str(s) => vec![Part::Text(s.to_string())],
            ValKind::Interp(parts) => parts.to_vec(),
            ValKind::Float(f) => vec![Part::Text(crate::units::trim_float(f))],
            ValKind::Int(i) => vec![Part::Text(i.to_string())],
            ValKind::Bool(b) => vec![Part::Text(b.to_string())],
            _ => return None,
        })
    }

    fn service_part(&mut self, p: &Path, svc: &str, rest: &[&str]) -> Option<Vec<Part>> {
        match rest {
            ["host"] => Some(vec![Part::Host(svc.to_string())]),
            ["port", port] => Some(vec![Part::Port(svc.to_string(), port.to_string())]),
            ["name"] => Some(vec![Part::Text(svc.to_string())]),
            _ => {
                let mut d = Diagnostic::new(
                    Code::E0701,
                    p.span,
                    format!("`{}` cannot be interpolated", p.dotted()),
                )
                .label("not a value of the service")
                .help(format!(
                    "a service offers `{svc}.host`, `{svc}.port.NAME` and `{svc}.name`"
                ));
                // `${api.prot.http}`: a misspelled member, fixed in place
                // when the rest of the path then has the member's shape.
                let meant = rest
                    .first()
                    .and_then(|m| suggest::did_you_mean(m, ["host", "port", "name"]));
                let shape = |m: &str| (m == "port") == (rest.len() == 2) && rest.len() <= 2;
                if let Some(m) = meant.filter(|m| shape(m)) {
                    let fixed: Vec<&str> = [svc, m]
                        .into_iter()
                        .chain(rest[1..].iter().copied())
                        .collect();
                    let fixed = fixed.join(".");
                    d = d
                        .help(format!("did you mean `{fixed}`?"))
                        .fix(p.span, fixed);
                }
                self.report(d);
                None
            }
        }
    }

    fn unknown_name(&mut self, p: &Path) {
        let first = p.first();
        let lets = self.p.symbols.lets.keys().map(String::as_str);
        let services = self.p.symbols.services.keys().map(String::as_str);
        let all: Vec<&str> = lets
            .chain(services)
            .chain(["secret", "config", "stack", "environment"])
            .collect();
        let mut d = Diagnostic::new(
            Code::E0103,
            p.segments[0].span,
            format!("unknown name `{first}`"),
        )
        .label("not declared");
        let secret = p.segments.len() == 1 && self.p.symbols.secrets.contains_key(first);
        if secret && self.trial == 0 {
            self.used_secrets.insert(first.to_string());
        }
        d = match suggest::did_you_mean(first, all.iter().copied()) {
            _ if secret => d
                .help(format!("`{first}` is a secret: write `secret.{first}`"))
                .fix(p.span, format!("secret.{first}")),
            Some(s) => d
                .help(format!("did you mean `{s}`?"))
                .fix(p.segments[0].span, s),
            None => d.help("a name here is a `let` constant, a service (`svc.host`, `svc.port.NAME`), `config.NAME.KEY`, `stack.FIELD` or `environment.name`; text must be quoted"),
        };
        self.report(d);
    }

    // ------------------------------------------------------------ names

    /// DNS-1123 labels: what Kubernetes and Compose accept as names.
    pub fn check_dns_name(&mut self, what: &str, name: &str, span: Span) {
        if is_dns_label(name) {
            return;
        }
        let fixed = to_dns_label(name);
        let d = Diagnostic::new(Code::E0207, span, format!("the {what} name `{name}` is not a valid DNS-1123 label"))
            .label("used as a Kubernetes and Compose name")
            .help(format!("use lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters, e.g. `{fixed}`"))
            .fix(span, fixed);
        self.report(d);
    }

    pub(super) fn check_env_name(&mut self, key: &Key) {
        let n = &key.name;
        let ok = !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            return;
        }
        let fixed: String = n
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let d = Diagnostic::new(
            Code::E0208,
            key.span,
            format!("`{n}` is not a valid environment variable name"),
        )
        .label("invalid name")
        .help(format!(
            "use letters, digits and `_`, not starting with a digit, e.g. `{fixed}`"
        ));
        // The key as written: quoted (`"log-level"`) or bare.
        let quoted = self.p.map.snippet(key.span).starts_with('"');
        let ok = !fixed.is_empty() && !fixed.starts_with(|c: char| c.is_ascii_digit());
        let d = match (ok, quoted) {
            (false, _) => d,
            (true, true) => d.fix(key.span, format!("\"{fixed}\"")),
            (true, false) => d.fix(key.span, fixed),
        };
        self.report(d);
    }

    /// E0401: a literal in an `env` map that looks like a credential.
    pub(super) fn check_credential(&mut self, key: &Key, v: &Val) {
        let ValKind::Str(text) = &v.kind else { return };
        if let Some(why) = credential_reason(&key.name, text) {
            let d = Diagnostic::new(
                Code::E0401,
                v.span,
                format!(
                    "`{}` looks like a credential written in plain text",
                    key.name
                ),
            )
            .label(why)
            .help(format!(
                "declare a secret and reference it: `{} = secret.NAME`",
                key.name
            ));
            self.report(d);
        }
    }
}

fn push_text(parts: &mut Vec<Part>, t: &str) {
    if let Some(Part::Text(last)) = parts.last_mut() {
        last.push_str(t);
    } else {
        parts.push(Part::Text(t.to_string()));
    }
}

fn simplify(parts: Vec<Part>) -> ValKind {
    match parts.as_slice() {
        [] => ValKind::Str("".into()),
        [Part::Text(t)] => ValKind::Str(t.as_str().into()),
        _ => ValKind::Interp(parts.into()),
    }
}

pub fn is_dns_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

pub fn to_dns_label(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-');
    let s: String = s.chars().take(63).collect();
    if s.is_empty() {
        "x".into()
    } else {
        s.trim_end_matches('-').to_string()
    }
}

const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "ACCESS_KEY",
];
/// Prefixes of well-known credentials: GitHub (personal, OAuth, app,
/// user-to-server, refresh, fine-grained), GitLab, Slack (bot, user, app,
/// refresh, app-level), OpenAI-style `sk-`, Stripe (secret and restricted,
/// live and test), AWS access key ids (long-term and temporary), Google
/// API keys, PEM blocks.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xapp-",
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "AKIA",
    "ASIA",
    "AIza",
    "-----BEGIN",
];

/// A JSON Web Token: three base64url segments, the first two JSON objects
/// (`eyJ` is `{"` encoded).
fn is_jwt(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    let b64url = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts.iter().all(|p| b64url(p))
        && v.len() >= 30
}

/// Why a literal env value looks like a credential, if it does.
fn credential_reason(key: &str, value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.is_empty() || looks_like_placeholder(v) {
        return None;
    }
    if TOKEN_PREFIXES.iter().any(|p| v.starts_with(p)) && v.len() >= 12 {
        return Some("this has the shape of an access token or key");
    }
    if v.contains("PRIVATE KEY-----") {
        return Some("this holds a private key");
    }
    if is_jwt(v) {
        return Some("this is a JSON Web Token");
    }
    if let Some(rest) = v.split("://").nth(1) {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if userinfo.contains(':') {
                return Some("this URL embeds a password");
            }
        }
    }
    let upper = key.to_ascii_uppercase();
    let secret_key = SECRET_WORDS.iter().any(|w| upper.contains(w))
        && !upper.ends_with("_FILE")
        && !upper.ends_with("_PATH");
    if secret_key && v.len() >= 6 && !v.starts_with('/') && !v.contains("://") {
        return Some("a literal value for a variable named like a secret");
    }
    None
}

fn looks_like_placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    l.starts_with("change")
        || l.contains("placeholder")
        || l.starts_with('<')
        || l.contains("example")
        || l.starts_with("${")
        || l == "dummy"
        || l == "test"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("backend-1"));
        assert!(!is_dns_label("Backend"));
        assert!(!is_dns_label("back_end"));
        assert!(!is_dns_label("-x"));
        assert_eq!(to_dns_label("Back_End"), "back-end");
    }

    #[test]
    fn credentials() {
        assert!(credential_reason("DB_PASSWORD", "hunter22").is_some());
        assert!(credential_reason("DATABASE_URL", "postgres://u:pw@db/x").is_some());
        assert!(credential_reason("GH", "ghp_abcdefghijklmnop").is_some());
        assert!(credential_reason("DB_PASSWORD_FILE", "/run/secrets/db").is_none());
        assert!(credential_reason("TOKEN_TTL", "change-me").is_none());
        assert!(credential_reason("LOG_LEVEL", "debug").is_none());
        // Shapes, whatever the variable is called.
        assert!(credential_reason("X", "ghs_16C7e42F292c6912E7710c838347Ae178B4a").is_some());
        assert!(credential_reason("X", "xapp-1-A0123456789-0123456789012-abc").is_some());
        assert!(credential_reason("X", "rk_live_51H8zYAbcdEfGh").is_some());
        assert!(credential_reason("X", "ASIAIOSFODNN7EXAMPLF").is_some());
        assert!(credential_reason(
            "X",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        )
        .is_some());
        assert!(credential_reason("CERT", "MIIB-----BEGIN RSA PRIVATE KEY-----abc").is_some());
        // Not tokens: a version, a hostname with dots, a short id.
        assert!(credential_reason("X", "1.2.3").is_none());
        assert!(credential_reason("X", "eyJ.eyJ.x").is_none());
        assert!(credential_reason("REGION", "eu-west-1").is_none());
    }
}
