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
//! systemd: every environment's directory is verified as one set
//! (`systemd-analyze verify`, host binaries stubbed), and every `strict`
//! unit must score "OK" (≤ 2.5) with `systemd-analyze security
//! --offline=true`.
//!
//! quadlet: every environment's directory is one set: Podman's generator
//! (`quadlet -dryrun`) accepts every file, and `systemd-analyze verify`
//! accepts the services it generates together with `<stack>.target`.
//!
//! Kubernetes schemas: `$K8S_VERSIONS`, else 1.28.0 and 1.37.0 when strict
//! (`CI=true` or `STACKC_REQUIRE_VALIDATORS=1`), else 1.28.0 alone. A
//! missing tool skips a target with a notice, or fails when strict.
//!
//! The equivalences (a Kustomize overlay renders what the k8s target
//! writes for that environment; `helm template` renders it too) live with
//! their backends in `kustomize.rs` and `helm.rs`, over the examples as
//! well as their fixtures.

use stackc::emit::{self, Target};
use stackc::model::Hardening;
use stackc_tests::cli::stackc;
use stackc_tests::stacks::{self, files_under, supported_targets, StackDir};
use stackc_tests::tools::{have_validators, jobs, validate, validate_in_parallel, Scratch};
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
    let models = c.models(None).expect("models");
    // As the CLI does: host paths are rebased from the stack's directory to
    // the output's for the targets whose registry entry asks for it.
    let opts = emit::EmitOptions {
        stack_dir: stackc::cli::relative_path(out, &stack.dir),
        ..Default::default()
    };
    let backend = emit::backend(target).expect("a backend");
    let expected = emit::run(backend, &models, &opts).files;
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

/// Every workflow of every stack with pipelines: actionlint, the workflow
/// schema, shellcheck on every `run:` script and zizmor's audits
/// (`validate.sh gha`).
#[test]
fn github_workflows_pass_actionlint_the_schema_shellcheck_and_zizmor() {
    if !have_validators("gha") {
        return;
    }
    let scratch = Scratch::new("conformance-github");
    let dirs: Vec<PathBuf> = emit_all(Target::Github, scratch.path())
        .into_iter()
        .filter(|d| d.join(".github/workflows").is_dir())
        .collect();
    assert!(
        dirs.len() >= 6,
        "expected workflows from the examples and the github cases"
    );
    let v = validate_in_parallel("gha", &dirs, jobs());
    assert_eq!(
        v.code,
        Some(0),
        "validate.sh gha rejected stackc's workflows:\n{}",
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

// ---------------------------------------------------------------- systemd

/// The highest `systemd-analyze security` exposure a `strict` unit may
/// have: systemd rates up to 2.5 "OK".
const MAX_STRICT_EXPOSURE: f64 = 2.5;

/// Every emitted unit passes `systemd-analyze verify` (one run per
/// environment directory, its units together, so `Requires=` between them
/// resolves; `Exec*=` binaries of the deployed host are stubbed, as
/// `validate.sh` does with `SYSTEMD_STUB_EXEC=1`), and every service whose
/// `host.hardening` is `strict` scores at most [`MAX_STRICT_EXPOSURE`]
/// with `systemd-analyze security --offline=true`. Scores are printed.
#[test]
fn systemd_units_verify_and_strict_units_score_ok() {
    let target = Target::Systemd;
    if !supported_targets().contains(&target) || !have_validators(target.name()) {
        return;
    }
    let scratch = Scratch::new("conformance-systemd");
    let dirs = emit_all(target, scratch.path());
    // A host runs one environment: each directory holding units is a set.
    let unit_dirs: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| {
            let mut sets: Vec<PathBuf> = files_under(d)
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "target"))
                .map(|p| p.parent().unwrap().to_path_buf())
                .collect();
            sets.dedup();
            sets
        })
        .collect();
    assert!(!unit_dirs.is_empty(), "no systemd units emitted");
    // One run per directory: environments share unit names, and
    // `validate.sh` verifies the units it is given as one set.
    let size = unit_dirs.len().div_ceil(jobs());
    std::thread::scope(|s| {
        for group in unit_dirs.chunks(size) {
            let scratch = &scratch;
            s.spawn(move || {
                for dir in group {
                    let v = validate(target.name(), std::slice::from_ref(dir));
                    let what = dir.strip_prefix(scratch.path()).unwrap_or(dir).display();
                    assert_eq!(
                        v.code,
                        Some(0),
                        "validate.sh systemd rejected {what}:\n{}",
                        v.log
                    );
                    let ok = v.log.lines().filter(|l| l.starts_with("ok:"));
                    eprintln!("{what}: {}", ok.collect::<Vec<_>>().join("; "));
                }
            });
        }
    });

    let mut scored = 0;
    for (stack, out) in all_stacks().iter().zip(&dirs) {
        let c = stack.compile();
        let models = c.models(None).expect("models");
        for m in models.env_or_base() {
            let dir = m.env_name().map_or(out.clone(), |e| out.join(e));
            for s in m.services.values() {
                let strict = s
                    .host
                    .as_ref()
                    .is_some_and(|h| h.hardening == Hardening::Strict);
                if !strict || s.external.is_some() {
                    continue;
                }
                let unit = dir.join(format!("{}.service", s.name));
                let score = exposure(&unit);
                eprintln!(
                    "security: {} {}: {score:.1}",
                    stack.name,
                    unit.strip_prefix(out).unwrap().display()
                );
                assert!(
                    score <= MAX_STRICT_EXPOSURE,
                    "{}: exposure {score} > {MAX_STRICT_EXPOSURE}",
                    unit.display()
                );
                scored += 1;
            }
        }
    }
    assert!(scored > 0, "no strict unit was scored");
}

// ---------------------------------------------------------------- quadlet

/// Every environment directory of every stack passes `validate.sh
/// quadlet`: Podman's generator in dry-run mode accepts each file (an
/// unknown key or a bad value fails), then `systemd-analyze verify` checks
/// the services it generates with the stack's target (host binaries
/// stubbed). One run per directory: environments share file names.
#[test]
fn quadlet_units_pass_the_generator_and_systemd_analyze_verify() {
    let target = Target::Quadlet;
    if !supported_targets().contains(&target) || !have_validators(target.name()) {
        return;
    }
    let scratch = Scratch::new("conformance-quadlet");
    let dirs = emit_all(target, scratch.path());
    // Each directory with a `<stack>.network` is one host's set.
    let sets: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| {
            let mut sets: Vec<PathBuf> = files_under(d)
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "network"))
                .map(|p| p.parent().unwrap().to_path_buf())
                .collect();
            sets.dedup();
            sets
        })
        .collect();
    assert!(sets.len() >= 10, "too few quadlet directories emitted");
    let size = sets.len().div_ceil(jobs());
    std::thread::scope(|s| {
        for group in sets.chunks(size) {
            let scratch = &scratch;
            s.spawn(move || {
                for dir in group {
                    let v = validate(target.name(), std::slice::from_ref(dir));
                    let what = dir.strip_prefix(scratch.path()).unwrap_or(dir).display();
                    assert_eq!(
                        v.code,
                        Some(0),
                        "validate.sh quadlet rejected {what}:\n{}",
                        v.log
                    );
                    let ok = v.log.lines().filter(|l| l.starts_with("ok:"));
                    eprintln!("{what}: {}", ok.collect::<Vec<_>>().join("; "));
                }
            });
        }
    });
}

/// `systemd-analyze security --offline=true UNIT`: the overall exposure.
fn exposure(unit: &Path) -> f64 {
    let run = std::process::Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(unit)
        .output()
        .expect("systemd-analyze runs");
    let text = String::from_utf8_lossy(&run.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| {
            panic!(
                "{}: no exposure level:\n{text}{}",
                unit.display(),
                String::from_utf8_lossy(&run.stderr)
            )
        });
    let after = line.rsplit_once(": ").map_or("", |(_, r)| r);
    let number = after.split_whitespace().next().unwrap_or("");
    number
        .parse()
        .unwrap_or_else(|_| panic!("{}: cannot read `{line}`", unit.display()))
}
