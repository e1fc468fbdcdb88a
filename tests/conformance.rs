//! The conformance suite: everything stackc emits is accepted by the real
//! tool of its target.
//!
//! For every target this build has a backend for, every example
//! (`examples/*/`) and every backend's emit fixture
//! (`tests/fixtures/emit/<backend>/<case>/`, whichever backend it was
//! written for) is emitted through the CLI (`stackc emit DIR --target T
//! --out OUT`, run in-process as `main` runs it) into a scratch directory.
//! Then:
//!
//! * the files on disk are exactly the backend's output (plus the
//!   `.stackc-manifest`), byte for byte;
//! * one `scripts/validate.sh T OUT...` run checks all of them with the
//!   real tool: `docker compose config` (with `.env` copied from
//!   `.env.example`), `kubernetes-validate --strict`, `kubectl kustomize`
//!   then the schemas, `helm lint --strict` + `helm template` then the
//!   schemas. One run per target and core keeps the tools' start-up cost
//!   (about 0.4 s per `kubernetes-validate`) paid once or twice, and every
//!   core busy.
//!
//! Kubernetes schemas: `$K8S_VERSIONS`, else 1.28.0 and 1.37.0 when strict
//! (`CI=true` or `STACKC_REQUIRE_VALIDATORS=1`), else 1.28.0 alone. A
//! missing tool skips a target with a notice, or fails when strict.
//!
//! The equivalences (a Kustomize overlay renders what the k8s target
//! writes for that environment; `helm template` renders it too) live with
//! their backends in `kustomize.rs` and `helm.rs`, over the examples as
//! well as their fixtures.

use stackc::emit::{self, Models, Target};
use stackc_tests::cli::stackc;
use stackc_tests::stacks::{self, files_under, supported_targets, StackDir};
use stackc_tests::tools::{have_validators, jobs, validate_in_parallel, Scratch};
use std::path::{Path, PathBuf};

/// Every example and every emit fixture.
fn all_stacks() -> Vec<StackDir> {
    let mut all = stacks::examples();
    all.extend(stacks::emit_fixtures());
    assert!(!all.is_empty(), "no stacks to emit");
    all
}

/// `stackc emit` of every stack into `<scratch>/<stack>/`; returns those
/// directories.
fn emit_all(target: Target, scratch: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for stack in all_stacks() {
        let out = scratch.join(&stack.name);
        let run = stackc([
            "emit".as_ref(),
            stack.dir.as_os_str(),
            "--target".as_ref(),
            target.name().as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
            "--color".as_ref(),
            "never".as_ref(),
        ]);
        assert_eq!(
            run.code,
            0,
            "{} --target {}:\n{}",
            stack.name,
            target.name(),
            run.log()
        );
        written_is_emitted(&stack, target, &out);
        dirs.push(out);
    }
    dirs
}

/// The CLI wrote exactly the backend's files (and its manifest).
fn written_is_emitted(stack: &StackDir, target: Target, out: &Path) {
    let c = stack.compile();
    let mut models = Models::build(&c, None).expect("the model builds");
    if target == Target::Compose {
        // The CLI rewrites host paths from the stack's directory to the output's.
        let prefix = stackc::cli::relative_path(out, &stack.dir).expect("paths");
        models.rebase_paths(&prefix);
    }
    let expected = emit::emit(&models, target).files;
    let on_disk: Vec<(String, String)> = files_under(out)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .filter(|(rel, _)| rel != ".stackc-manifest")
        .collect();
    let mut want: Vec<(String, String)> =
        expected.into_iter().map(|f| (f.path, f.contents)).collect();
    want.sort();
    let names = |v: &[(String, String)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    let what = format!("{} --target {}", stack.name, target.name());
    assert_eq!(names(&on_disk), names(&want), "{what}: files written");
    for (got, want) in on_disk.iter().zip(&want) {
        assert!(
            got.1 == want.1,
            "{what}: {} differs from the backend's output",
            got.0
        );
    }
}

/// Emits everything for `target` and runs its validator once over all of it.
fn conforms(target: Target) {
    if !supported_targets().contains(&target) {
        eprintln!(
            "note: no {} backend in this build; nothing to validate",
            target.name()
        );
        return;
    }
    if !have_validators(target.name()) {
        return;
    }
    let scratch = Scratch::new(&format!("conformance-{}", target.name()));
    let dirs = emit_all(target, scratch.path());
    if target == Target::Compose {
        for d in &dirs {
            std::fs::copy(d.join(".env.example"), d.join(".env")).unwrap();
        }
    }
    let v = validate_in_parallel(target.name(), &dirs, jobs());
    assert_eq!(
        v.code,
        Some(0),
        "validate.sh {} rejected stackc's output:\n{}",
        target.name(),
        v.log
    );
    eprintln!("{}", v.log.trim_end());
}

#[test]
fn compose_output_passes_docker_compose_config() {
    conforms(Target::Compose);
}

#[test]
fn k8s_output_passes_the_strict_kubernetes_schemas() {
    conforms(Target::K8s);
}

#[test]
fn kustomize_output_builds_and_passes_the_schemas() {
    conforms(Target::Kustomize);
}

#[test]
fn helm_charts_lint_template_and_pass_the_schemas() {
    conforms(Target::Helm);
}
