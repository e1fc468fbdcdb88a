//! The real validators and scratch directories.
//!
//! Validators come from `$STACKC_VALIDATORS_PREFIX/bin` (default
//! `/opt/stackc-validators/bin`, installed by `scripts/install-validators.sh`)
//! or `PATH`. A test that needs a missing one prints a notice and passes,
//! unless the run is [`strict`] (`CI=true` or `STACKC_REQUIRE_VALIDATORS=1`):
//! then it fails.

use crate::stacks::workspace;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether a missing validator fails the run instead of skipping.
pub fn strict() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("STACKC_REQUIRE_VALIDATORS").is_ok_and(|v| v == "1")
}

/// Where the validators are installed.
pub fn validators_prefix() -> PathBuf {
    std::env::var_os("STACKC_VALIDATORS_PREFIX")
        .map_or_else(|| PathBuf::from("/opt/stackc-validators"), PathBuf::from)
}

/// A validator binary, or `None` (with a notice) when it is missing and the
/// run is not strict; panics when it is missing and the run is strict.
pub fn tool(name: &str) -> Option<PathBuf> {
    let installed = validators_prefix().join("bin").join(name);
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    let found = Some(installed).filter(|p| p.is_file()).or(on_path);
    if found.is_none() {
        assert!(
            !strict(),
            "{name} is missing (CI=true or STACKC_REQUIRE_VALIDATORS=1); run scripts/install-validators.sh"
        );
        eprintln!("note: skipping: {name} not found (scripts/install-validators.sh installs it)");
    }
    found
}

/// The tools `scripts/validate.sh TARGET` runs.
pub fn validator_tools(target: &str) -> &'static [&'static str] {
    match target {
        "compose" => &["docker-compose"],
        "k8s" => &["kubernetes-validate"],
        "kustomize" => &["kubectl", "kubernetes-validate"],
        "helm" => &["helm3", "helm4", "kubernetes-validate"],
        "systemd" => &["systemd-analyze", "python3"],
        "quadlet" => &["quadlet", "systemd-analyze", "python3"],
        "gha" => &[
            "actionlint",
            "node",
            "check-jsonschema",
            "shellcheck",
            "zizmor",
        ],
        other => panic!("no validator list for target `{other}`"),
    }
}

/// Whether every tool of `validate.sh TARGET` is there (see [`tool`]).
pub fn have_validators(target: &str) -> bool {
    validator_tools(target).iter().all(|t| tool(t).is_some())
}

/// `scripts/validate.sh` (or `$STACKC_VALIDATE`).
pub fn validate_script() -> PathBuf {
    std::env::var_os("STACKC_VALIDATE")
        .map_or_else(|| workspace().join("scripts/validate.sh"), PathBuf::from)
}

/// Kubernetes schema versions to validate against: `$K8S_VERSIONS`, else the
/// full supported range when strict, else the oldest supported version
/// (each version costs one more `kubernetes-validate` run).
pub fn k8s_versions() -> String {
    match std::env::var("K8S_VERSIONS") {
        Ok(v) => v,
        Err(_) if strict() => "1.28.0 1.37.0".into(),
        Err(_) => "1.28.0".into(),
    }
}

/// What `validate.sh` said.
#[derive(Debug)]
pub struct Validation {
    pub code: Option<i32>,
    /// stdout then stderr.
    pub log: String,
}

/// Runs `scripts/validate.sh TARGET PATH...` with [`k8s_versions`].
pub fn validate(target: &str, paths: &[PathBuf]) -> Validation {
    let out = Command::new("bash")
        .arg(validate_script())
        .arg(target)
        .args(paths)
        .env("K8S_VERSIONS", k8s_versions())
        .env("STACKC_VALIDATORS_PREFIX", validators_prefix())
        // Units run binaries of the deployed host (`/opt/app/bin/x`), which
        // this machine lacks: verify them against stubs.
        .env("SYSTEMD_STUB_EXEC", "1")
        .output()
        .expect("bash runs");
    Validation {
        code: out.status.code(),
        log: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// [`validate`] over `paths` split into up to `jobs` groups run at the same
/// time (Helm lints and renders each chart several times; the groups keep
/// every core busy). Exit code: the first non-zero one, else 0.
pub fn validate_in_parallel(target: &str, paths: &[PathBuf], jobs: usize) -> Validation {
    let size = paths.len().div_ceil(jobs.max(1)).max(1);
    let runs: Vec<Validation> = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(size)
            .map(|group| s.spawn(move || validate(target, group)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let code = runs
        .iter()
        .map(|r| r.code)
        .find(|c| *c != Some(0))
        .unwrap_or(Some(0));
    let log = runs.iter().map(|r| r.log.as_str()).collect();
    Validation { code, log }
}

/// The cores to use for parallel validator runs (at most 4).
pub fn jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// A fresh directory under the system's temp dir, removed when dropped
/// unless the thread is panicking (so a failure leaves it to inspect).
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("stackc-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("note: left {} for inspection", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
