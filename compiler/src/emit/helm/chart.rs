//! `Chart.yaml` and `.helmignore`.

use crate::emit::output::{hash_header, Output};
use crate::emit::yaml::{self, Yaml};
use crate::model::Model;

/// The oldest Kubernetes the templates' APIs exist in (autoscaling/v2 is
/// GA since 1.23; policy/v1 and networking.k8s.io/v1 are older).
const KUBE_VERSION: &str = ">=1.23.0-0";

pub fn chart_yaml(m: &Model, chart: &str, out: &mut Output) -> String {
    let version = if is_semver(&m.stack.version) {
        m.stack.version.clone()
    } else {
        out.note(format!(
            "the stack version `{}` is not SemVer 2, which Helm requires of a chart \
             version; the chart is version 0.0.0 and its appVersion keeps `{}`",
            m.stack.version, m.stack.version
        ));
        "0.0.0".to_string()
    };
    let description = m
        .stack
        .description
        .clone()
        .unwrap_or_else(|| format!("The {} stack", m.stack.name));
    let mut doc = Yaml::map();
    doc.push_entry("apiVersion", Yaml::lit("v2"));
    doc.push_entry("name", Yaml::str(chart));
    doc.push_entry("description", Yaml::str(description));
    doc.push_entry("type", Yaml::lit("application"));
    doc.push_entry("version", Yaml::str(version));
    doc.push_entry("appVersion", Yaml::str(&m.stack.version));
    doc.push_entry("kubeVersion", Yaml::lit(KUBE_VERSION));
    let mut s = hash_header();
    s.push_str(
        "# The chart version and appVersion are the stack's `version`; the values and\n\
         # templates follow the stack, so re-run `stackc emit` instead of editing them.\n",
    );
    yaml::write_document(&mut s, &doc);
    s
}

/// SemVer 2.0.0: `MAJOR.MINOR.PATCH[-pre][+build]`, no leading zeros.
pub fn is_semver(v: &str) -> bool {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numeric = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|i| ident(i) && (!i.bytes().all(|b| b.is_ascii_digit()) || numeric(i)))
    });
    let build_ok = build.is_none_or(|b| b.split('.').all(ident));
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| numeric(p)) && pre_ok && build_ok
}

/// `.helmignore`: the patterns `helm package` leaves out (`helm create`'s list).
pub fn helmignore() -> String {
    let mut s = hash_header();
    s.push_str(HELMIGNORE);
    s
}

const HELMIGNORE: &str = "# Patterns to ignore when building packages.
# This supports shell glob matching, relative path matching, and
# negation (prefixed with !). Only one pattern per line.
.DS_Store
# Common VCS dirs
.git/
.gitignore
.bzr/
.bzrignore
.hg/
.hgignore
.svn/
# Common backup files
*.swp
*.bak
*.tmp
*.orig
*~
# Various IDEs
.project
.idea/
*.tmproj
.vscode/
";

#[cfg(test)]
mod tests {
    use super::is_semver;

    #[test]
    fn semver() {
        for ok in [
            "1.4.2",
            "0.1.0",
            "1.0.0-rc.1",
            "1.0.0+build.5",
            "1.0.0-alpha-1",
        ] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "1.4", "v1.0.0", "01.0.0", "1.0.0-01", "latest", "1.0.0-", "",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
