//! "Did you mean": the closest candidate by edit distance.

/// Levenshtein distance between two strings, counted in characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo:
/// a case-insensitive match, or within a third of the name's length.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = name.to_lowercase().replace('-', "_");
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
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
    candidates
        .into_iter()
        .filter(|c| {
            *c != name
                && (c.to_lowercase().replace('-', "_") == lower || distance(name, c) <= limit)
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
