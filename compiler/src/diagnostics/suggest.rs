//! "Did you mean": the closest candidate by edit distance.

/// Levenshtein distance between two strings, counted in characters.
/// Two swapped neighbours (`prot` for `port`) count as one edit.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows i-2, i-1 and i of the optimal-string-alignment table.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 0..a.len() {
        cur[0] = i + 1;
        for j in 0..b.len() {
            let sub = prev[j] + usize::from(a[i] != b[j]);
            let mut best = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                best = best.min(before[j - 1] + 1);
            }
            cur[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Spellings carried over from Docker Compose, Kubernetes and GitHub
/// Actions, mapped deliberately to what the stack language calls the same
/// thing (used only when the right side is among the candidates).
const ALIASES: &[(&str, &str)] = &[
    // Compose `restart: "no"`.
    ("no", "never"),
    // Compose keys.
    ("environment", "env"),
    ("healthcheck", "health"),
    ("working_dir", "workdir"),
    ("entrypoint", "command"),
    // Kubernetes probe and workload fields.
    ("failure_threshold", "retries"),
    ("period", "interval"),
    ("period_seconds", "interval"),
    ("timeout_seconds", "timeout"),
    ("initial_delay_seconds", "initial_delay"),
    ("readiness_probe", "readiness"),
    ("liveness_probe", "liveness"),
    ("startup_probe", "startup"),
    ("rolling_update", "rolling"),
    ("termination_grace_period_seconds", "stop_grace"),
    ("min_replicas", "min"),
    ("max_replicas", "max"),
    // Environment names: the long and the short spelling.
    ("production", "prod"),
    ("prod", "production"),
    ("development", "dev"),
    ("dev", "development"),
    ("stage", "staging"),
    ("staging", "stage"),
    // GitHub Actions.
    ("timeout_minutes", "timeout"),
];

/// A name in the form the language writes names: `camelCase` and
/// `kebab-case` become `snake_case`, everything lowercase.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c == '-' || c == ' ' {
            out.push('_');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// The same name with separators and case ignored (`KUBE_CONFIG`,
/// `kube-config` and `kubeconfig` agree).
fn squashed(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a foreign spelling most likely means among `candidates`, without
/// edit distance: an alias, the same name in snake case or with its
/// separators and case ignored, or the name without a Compose or
/// Kubernetes decoration (`service_healthy` → `healthy`,
/// `initialDelaySeconds` → `initial_delay`,
/// `service_completed_successfully` → `completed`).
fn spelled_differently<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let s = snake(name);
    let find = |want: &str| candidates.iter().copied().find(|c| *c == want);
    if let Some(c) = ALIASES
        .iter()
        .filter(|(from, _)| *from == s)
        .find_map(|(_, to)| find(to))
    {
        return Some(c);
    }
    if let Some(c) = find(&s) {
        return Some(c);
    }
    let sq = squashed(name);
    if let Some(c) = candidates.iter().copied().find(|c| squashed(c) == sq) {
        return Some(c);
    }
    let mut core = s.as_str();
    for prefix in ["service_", "container_"] {
        core = core.strip_prefix(prefix).unwrap_or(core);
    }
    for suffix in ["_successfully", "_seconds", "_probe", "_policy"] {
        core = core.strip_suffix(suffix).unwrap_or(core);
    }
    if core != s {
        if let Some(c) = ALIASES
            .iter()
            .filter(|(from, _)| *from == core)
            .find_map(|(_, to)| find(to))
            .or_else(|| find(core))
        {
            return Some(c);
        }
    }
    None
}

/// The candidate closest to `name`, if it is close enough to be a likely
/// typo: a foreign spelling of it (see [`spelled_differently`]), a
/// case-insensitive match, or within a third of the name's length.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let all: Vec<&'a str> = candidates.into_iter().filter(|c| *c != name).collect();
    if let Some(c) = spelled_differently(name, &all) {
        return Some(c);
    }
    let lower = name.to_lowercase().replace('-', "_");
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in all {
        let d = if c.to_lowercase().replace('-', "_") == lower {
            0
        } else {
            distance(name, c)
        };
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Every candidate close enough to `name` to be a likely typo (the same
/// test as [`did_you_mean`]), in the order given: what an unresolved
/// reference most likely meant, so that it is not reported unused as well.
pub fn likely<'a, I>(name: &str, candidates: I) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = name.to_lowercase().replace('-', "_");
    let limit = (name.chars().count() / 3).max(1);
    let all: Vec<&'a str> = candidates.into_iter().collect();
    let foreign = spelled_differently(name, &all);
    all.into_iter()
        .filter(|c| {
            *c != name
                && (Some(*c) == foreign
                    || c.to_lowercase().replace('-', "_") == lower
                    || distance(name, c) <= limit)
        })
        .collect()
}

/// `help:` text for an unknown name: a suggestion, or the list of what exists.
pub fn help_for_unknown<'a, I>(what: &str, name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    if let Some(s) = did_you_mean(name, candidates.clone()) {
        return Some(format!("did you mean `{s}`?"));
    }
    let mut all: Vec<&str> = candidates.into_iter().collect();
    all.sort_unstable();
    all.dedup();
    match all.len() {
        0 => None,
        1..=8 => Some(format!(
            "the {what}s declared here are: {}",
            quote_list(&all)
        )),
        n => Some(format!("{n} {what}s are declared here; check the spelling")),
    }
}

/// `a`, `b` and `c`.
pub fn quote_list(items: &[&str]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        n => format!("{} and {}", q[..n - 1].join(", "), q[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("replicas", "replicas"), 0);
        assert_eq!(distance("prot", "port"), 1);
    }

    #[test]
    fn suggestions() {
        let c = ["replicas", "restart", "resources"];
        assert_eq!(did_you_mean("replica", c), Some("replicas"));
        assert_eq!(did_you_mean("zzz", c), None);
        assert_eq!(did_you_mean("Replicas", c), Some("replicas"));
        assert_eq!(did_you_mean("node-port", ["node_port"]), Some("node_port"));
    }

    #[test]
    fn foreign_spellings() {
        let cond = ["started", "healthy", "completed"];
        assert_eq!(did_you_mean("service_healthy", cond), Some("healthy"));
        assert_eq!(did_you_mean("service_started", cond), Some("started"));
        assert_eq!(
            did_you_mean("service_completed_successfully", cond),
            Some("completed")
        );
        let restart = ["always", "on_failure", "unless_stopped", "never"];
        assert_eq!(
            did_you_mean("unless-stopped", restart),
            Some("unless_stopped")
        );
        assert_eq!(did_you_mean("no", restart), Some("never"));
        let probe = ["initial_delay", "interval", "retries", "timeout"];
        assert_eq!(
            did_you_mean("initialDelaySeconds", probe),
            Some("initial_delay")
        );
        assert_eq!(did_you_mean("failureThreshold", probe), Some("retries"));
        assert_eq!(did_you_mean("periodSeconds", probe), Some("interval"));
        let fields = ["env", "environments", "health", "liveness"];
        assert_eq!(did_you_mean("environment", fields), Some("env"));
        assert_eq!(did_you_mean("livenessProbe", fields), Some("liveness"));
        assert_eq!(
            did_you_mean("KUBE_CONFIG", ["kubeconfig"]),
            Some("kubeconfig")
        );
        assert_eq!(
            did_you_mean("ReadWriteOnce", ["read_write_once"]),
            Some("read_write_once")
        );
        assert_eq!(
            did_you_mean("RollingUpdate", ["rolling", "recreate"]),
            Some("rolling")
        );
        assert_eq!(did_you_mean("UDP", ["tcp", "udp"]), Some("udp"));
        assert_eq!(did_you_mean("no", ["tcp", "udp"]), None);
    }

    #[test]
    fn likely_targets() {
        let c = ["jwt_secret", "jwt_secrets", "db_url"];
        assert_eq!(likely("jwt_secre", c), vec!["jwt_secret", "jwt_secrets"]);
        assert!(likely("zzz", c).is_empty());
        assert!(
            likely("db_url", c).is_empty(),
            "an exact name is not a typo"
        );
    }
}
