//! The real Compose: where it is, and the checks run with it.

use crate::Case;
use stackc_tests::tools;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `docker-compose`, or `None` (with a notice) when it is missing and the
/// run is not strict.
pub fn compose_tool() -> Option<PathBuf> {
    tools::tool("docker-compose")
}

/// Writes the case's files and `.env` (a copy of `.env.example`) to a
/// fresh directory.
fn write_case(case: &Case) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stackc-compose-{}-{}",
        std::process::id(),
        case.name
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in &case.out.files {
        std::fs::write(dir.join(&f.path), &f.contents).unwrap();
    }
    std::fs::write(dir.join(".env"), case.file(".env.example")).unwrap();
    dir
}

fn config(tool: &Path, dir: &Path, files: &[&str]) -> serde_json::Value {
    let mut cmd = Command::new(tool);
    for f in files {
        cmd.arg("-f").arg(dir.join(f));
    }
    let out = cmd
        .arg("--project-directory")
        .arg(dir)
        .args(["config", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "{files:?}: {stderr}"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `scripts/validate.sh compose` on the case (with `.env` from
/// `.env.example`), then `config` of base + override against `config` of
/// the environment's complete document.
pub fn validate_with_tool(tool: &Path, case: &Case) {
    let dir = write_case(case);
    let prefix = tool.parent().unwrap().parent().unwrap();
    let v = Command::new("bash")
        .arg(tools::validate_script())
        .arg("compose")
        .arg(&dir)
        .env("STACKC_VALIDATORS_PREFIX", prefix)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&v.stdout).into_owned() + &String::from_utf8_lossy(&v.stderr);
    assert!(
        v.status.success(),
        "{}: validate.sh compose failed:\n{said}",
        case.name
    );
    for env in case.env_names() {
        let expected = format!("expected-{env}.yml");
        std::fs::write(dir.join(&expected), case.env_text(&env)).unwrap();
        let merged = config(
            tool,
            &dir,
            &["compose.yaml", &format!("compose.{env}.yaml")],
        );
        let want = config(tool, &dir, &[&expected]);
        assert_eq!(merged, want, "{}/{env}", case.name);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
