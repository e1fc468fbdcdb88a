//! The GitHub Actions backend (`stackc emit --target github`).
//!
//! Every directory of `fixtures/emit/github/` is one case: a `stack.stack`
//! whose leading comment says what it covers. Each case's workflows and
//! lowering report are snapshotted (the examples' are in `emit.rs`). For
//! every case and every example, what the workflows mean:
//!
//! * every `uses:` is pinned to a full commit SHA with its version beside
//!   it, from the one pin table;
//! * every `${{ secrets.X }}` names a declared secret (its `env_name`) or
//!   the workflow token, and no secret's value-like text appears;
//! * no script stackc writes pastes an expression into the shell: values
//!   reach scripts through `env:`;
//! * what a deploy applies exists: the overlay, manifest file or chart and
//!   values file that `--target all` writes under `deploy_dir`, and every
//!   `deployment/<name>` a rollout waits for or undoes is a Deployment
//!   there;
//! * a pipeline that lists no permissions gets none at the workflow level
//!   and, per job, only `contents: read` (checkout) and `packages: write`
//!   (a push to GHCR with the workflow token);
//! * an image a deploy points at is tagged by the build of the same run.
//!
//! The real tools (actionlint, the workflow schema, shellcheck, zizmor) run
//! in `conformance.rs`.

use serde_yaml::Value;
use stackc::emit::{self, github::pins, Models, Output, Target};
use stackc_tests::stacks::{self, report, snapshot_component, StackDir};

fn emitted(stack: &StackDir) -> (stackc::Compilation, Models, Output) {
    let c = stack.compile();
    let models = c.models(None).expect("models");
    let out = emit::emit(&models, Target::Github);
    (c, models, out)
}

fn cases() -> Vec<StackDir> {
    stacks::stack_dirs(&stacks::workspace().join("tests/fixtures/emit/github"), "")
}

/// The examples and the cases.
fn all() -> Vec<StackDir> {
    let mut v = stacks::examples();
    v.extend(cases());
    v
}

#[test]
fn snapshots_of_every_case() {
    insta::glob!("fixtures/emit/github", "*/stack.stack", |path| {
        let dir = path.parent().unwrap();
        let stack = StackDir {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_path_buf(),
        };
        let (c, _, out) = emitted(&stack);
        assert!(!out.files.is_empty(), "{}: no workflow", stack.name);
        let mut settings = insta::Settings::clone_current();
        settings.remove_snapshot_suffix();
        settings.bind(|| {
            let prefix = stack.name.clone();
            for f in &out.files {
                let name = format!("{prefix}__{}", snapshot_component(&f.path));
                insta::assert_snapshot!(name, &f.contents);
            }
            insta::assert_snapshot!(format!("{prefix}__report"), report(&c, &out));
        });
    });
}

/// `(path, parsed workflow, text)` of every workflow of every stack.
fn workflows() -> Vec<(String, StackDir, Models, String, Value)> {
    let mut v = Vec::new();
    for stack in all() {
        let (_, models, out) = emitted(&stack);
        for f in out.files {
            assert!(
                f.path.starts_with(".github/workflows/") && f.path.ends_with(".yml"),
                "{}: {} is not a workflow path",
                stack.name,
                f.path
            );
            let doc: Value = serde_yaml::from_str(&f.contents).expect("a workflow parses");
            let what = format!("{} {}", stack.name, f.path);
            v.push((what, stack.clone(), models.clone(), f.contents, doc));
        }
    }
    assert!(v.len() >= 10, "expected the examples' and cases' workflows");
    v
}

fn steps(doc: &Value) -> Vec<(&str, &Value)> {
    let mut v = Vec::new();
    for (id, job) in doc["jobs"].as_mapping().expect("jobs") {
        for step in job["steps"].as_sequence().expect("steps") {
            v.push((id.as_str().unwrap(), step));
        }
    }
    v
}

#[test]
fn every_action_is_pinned_to_a_commit_with_its_version() {
    for (what, _, _, text, _) in workflows() {
        for line in text.lines().filter(|l| l.trim_start().starts_with("uses:")) {
            let pin = pins::ALL
                .iter()
                .find(|p| line.trim_start() == format!("uses: {} # {}", p.uses(), p.version));
            assert!(pin.is_some(), "{what}: not a pinned action: {line}");
        }
    }
    for p in pins::ALL {
        assert!(
            p.sha.len() == 40 && p.sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{} is not pinned to a full commit SHA",
            p.action
        );
    }
}

#[test]
fn secrets_are_declared_references() {
    for (what, _, models, text, _) in workflows() {
        let declared: Vec<&str> = models
            .base
            .secrets
            .values()
            .map(|s| s.env_name.as_str())
            .collect();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("secrets.") {
            let name: String = rest[i + 8..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                name == "GITHUB_TOKEN" || declared.contains(&name.as_str()),
                "{what}: secrets.{name} is not a declared secret"
            );
            rest = &rest[i + 8..];
        }
    }
}

/// User `run` scripts are the user's; stackc's own never hold `${{`.
#[test]
fn generated_scripts_take_values_from_env() {
    for (what, stack, _, _, doc) in workflows() {
        let user_scripts: Vec<String> = {
            let (_, models, _) = emitted(&stack);
            models
                .base
                .pipelines
                .values()
                .flat_map(|p| p.jobs.values())
                .flat_map(|j| &j.steps)
                .filter_map(|s| match &s.kind {
                    stackc::model::pipeline::StepKind::Run { script, .. } => {
                        Some(script.trim_end().to_string())
                    }
                    _ => None,
                })
                .collect()
        };
        for (job, step) in steps(&doc) {
            let Some(run) = step["run"].as_str() else {
                continue;
            };
            if user_scripts.contains(&run.trim_end().to_string()) {
                continue;
            }
            assert!(
                !run.contains("${{"),
                "{what} job {job}: an expression in a generated script:\n{run}"
            );
        }
    }
}

/// The words after `flag` on every line of the scripts that contain it.
fn args_after<'a>(script: &'a str, flag: &str) -> Vec<&'a str> {
    script
        .lines()
        .filter_map(|l| l.split_once(flag))
        .filter_map(|(_, rest)| rest.split_whitespace().next())
        .collect()
}

#[test]
fn deploys_apply_files_that_the_other_targets_write() {
    let mut checked = 0;
    for (what, _, models, _, doc) in workflows() {
        let dir = models
            .base
            .stack
            .deploy_dir
            .trim_end_matches('/')
            .to_string();
        let written = written_by_all(&models);
        let exists = |p: &str| {
            let rel = p
                .strip_prefix(&format!("{dir}/"))
                .unwrap_or_else(|| panic!("{what}: {p} is outside deploy_dir {dir}"));
            written
                .iter()
                .any(|w| w == rel || w.starts_with(&format!("{rel}/")))
        };
        for (job, step) in steps(&doc) {
            let Some(run) = step["run"].as_str() else {
                continue;
            };
            let applied = [
                args_after(run, "kubectl apply -k "),
                args_after(run, "kubectl apply -f "),
                args_after(run, "--values "),
            ]
            .concat();
            let charts: Vec<&str> = run
                .lines()
                .filter_map(|l| l.trim().strip_prefix("helm upgrade --install "))
                .filter_map(|l| l.split_whitespace().nth(1))
                .collect();
            for p in applied.iter().chain(&charts) {
                assert!(
                    exists(p),
                    "{what} job {job}: applies {p}, which is not written"
                );
                checked += 1;
            }
            for d in [
                args_after(run, " deployment/"),
                args_after(run, "rollout undo --namespace "),
            ]
            .concat()
            {
                let name = d
                    .trim_start_matches(|c: char| c != '/')
                    .trim_start_matches('/');
                let name = name.split([' ', '=']).next().unwrap_or(name);
                if name.is_empty() || d.contains(' ') {
                    continue;
                }
                let is_deployment = models.envs.iter().any(|m| {
                    m.services
                        .values()
                        .any(|s| s.is_container() && stackc::model::k8s_name(&s.name) == name)
                });
                assert!(is_deployment, "{what} job {job}: no Deployment `{name}`");
            }
        }
    }
    assert!(checked >= 4, "no deploy was checked ({checked})");
}

/// The files `stackc emit --target all` writes for the deploy targets, with
/// the target's directory in front.
fn written_by_all(models: &Models) -> Vec<String> {
    [Target::K8s, Target::Kustomize, Target::Helm]
        .into_iter()
        .flat_map(|t| {
            emit::emit(models, t)
                .nest(t.name())
                .files
                .into_iter()
                .map(|f| f.path)
        })
        .collect()
}

#[test]
fn unlisted_permissions_are_least_privilege() {
    let mut seen = 0;
    for (what, stack, models, _, doc) in workflows() {
        let name = doc["name"].as_str().unwrap_or_default().to_string();
        let listed = models
            .base
            .pipelines
            .values()
            .find(|p| {
                p.name.as_deref().unwrap_or_default() == name
                    || what.contains(&format!("/{}.yml", name))
            })
            .is_some_and(|p| p.permissions.is_some());
        let perms = &doc["permissions"];
        if listed || !perms.as_mapping().is_some_and(|m| m.is_empty()) {
            continue;
        }
        seen += 1;
        for (id, job) in doc["jobs"].as_mapping().unwrap() {
            let job_perms = job["permissions"].as_mapping().unwrap_or_else(|| {
                panic!("{what} job {id:?}: no permissions in a pipeline that lists none")
            });
            let steps = job["steps"].as_sequence().unwrap();
            let uses = |a: &str| {
                steps
                    .iter()
                    .any(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(a)))
            };
            let ghcr_token_push = steps.iter().any(|s| {
                s["with"]["registry"].as_str() == Some("ghcr.io")
                    && s["with"]["password"].as_str() == Some("${{ secrets.GITHUB_TOKEN }}")
            });
            for (scope, access) in job_perms {
                let ok = match (scope.as_str().unwrap(), access.as_str().unwrap()) {
                    ("contents", "read") => uses("actions/checkout@"),
                    ("packages", "write") => ghcr_token_push,
                    _ => false,
                };
                assert!(
                    ok,
                    "{what} job {id:?}: {scope:?}: {access:?} is more than its steps need"
                );
            }
            assert_eq!(
                uses("actions/checkout@"),
                job_perms.contains_key("contents"),
                "{what} job {id:?}: checks out without contents: read"
            );
        }
        let _ = stack;
    }
    assert!(
        seen >= 2,
        "no pipeline without listed permissions was checked"
    );
}

#[test]
fn deployed_images_are_the_ones_the_run_built() {
    for (what, _, _, _, doc) in workflows() {
        let built: Vec<String> = steps(&doc)
            .iter()
            .filter(|(_, s)| {
                s["with"]["push"].as_bool() == Some(true) || s["with"]["push"].as_str().is_some()
            })
            .filter_map(|(_, s)| {
                let meta = s["with"]["tags"].as_str()?;
                let id = meta
                    .strip_prefix("${{ steps.")?
                    .split('.')
                    .next()?
                    .to_string();
                let images = steps(&doc)
                    .iter()
                    .find(|(_, m)| m["id"].as_str() == Some(id.as_str()))
                    .and_then(|(_, m)| m["with"]["images"].as_str().map(str::to_string))?;
                Some(images)
            })
            .collect();
        for (job, step) in steps(&doc) {
            let Some(run) = step["run"].as_str() else {
                continue;
            };
            for line in run.lines().filter(|l| l.contains("sha-$GITHUB_SHA")) {
                let named = built.iter().any(|img| line.contains(img.as_str()))
                    || line.contains(".image.tag=");
                assert!(
                    named,
                    "{what} job {job}: {line} names no image this run builds"
                );
            }
        }
        let tags_every_build_by_sha = steps(&doc)
            .iter()
            .filter(|(_, s)| s["id"].as_str().is_some_and(|i| i.starts_with("meta-")))
            .all(|(_, s)| {
                s["with"]["tags"]
                    .as_str()
                    .is_some_and(|t| t.lines().any(|l| l == "type=sha,format=long"))
            });
        assert!(
            tags_every_build_by_sha,
            "{what}: a build without the sha tag deploys use"
        );
    }
}
