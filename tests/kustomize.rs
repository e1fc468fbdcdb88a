//! The Kustomize backend: snapshots of every emitted file, the fixtures'
//! expectations, structural checks of every kustomization, and the crucial
//! property: `kubectl kustomize overlays/<env>` renders the same objects
//! as the k8s target's `<env>.yaml` (compared as parsed YAML, keyed by kind
//! and name). The validator (`scripts/validate.sh kustomize`) runs on the
//! whole output too.
//!
//! Every directory of `fixtures/emit/kustomize/` is one case: its
//! `stack.stack` opens with `//` comment lines saying what it shows, and
//! lines of the form
//!
//! ```text
//! // expect PATH has "TEXT"     (the emitted file PATH contains TEXT)
//! // expect PATH lacks "TEXT"
//! // expect PATH exists | absent
//! ```
//!
//! The examples (`examples/*/stack.stack`) go through the structural and
//! equivalence checks as well. `scripts/validate.sh kustomize` runs on every
//! fixture and example in `conformance.rs`, with the other targets.
//!
//! `kubectl` comes from `$STACKC_VALIDATORS_PREFIX/bin` (default
//! `/opt/stackc-validators/bin`, installed by
//! `scripts/install-validators.sh`) or `PATH`. When it is missing the
//! equivalence check is skipped with a notice, unless `CI=true` or
//! `STACKC_REQUIRE_VALIDATORS=1`, which make it fail.
//!
//! Adding a case: create `fixtures/emit/kustomize/<case>/stack.stack`, run
//! `cargo insta test -p stackc-tests --test kustomize`, read every new
//! snapshot, `cargo insta accept`.

use serde_yaml::Value;
use stackc::emit::{self, Output, Target};
use stackc::source::MemoryLoader;
use stackc::{compile, Compilation, EnvSelection};
use stackc_tests::stacks::{self, workspace};
use stackc_tests::tools::{tool, Scratch};
use stackc_tests::yaml::{canonical, documents};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

// ---------------------------------------------------------------- cases

struct Case {
    name: String,
    source: String,
    envs: Vec<String>,
    kustomize: Output,
    k8s: Output,
    /// One line per lowering: kind, feature, environments, line, message.
    lowering: String,
}

impl Case {
    fn load(name: &str, file: &Path) -> Case {
        let source = std::fs::read_to_string(file).unwrap();
        let root = format!("{name}/stack.stack");
        let loader = MemoryLoader::new().with(&root, &source);
        let c = compile(&root, &loader, &EnvSelection::All);
        let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        let mut case = Case::build(name, &c);
        case.source = source;
        case.lowering = case
            .kustomize
            .lowerings
            .iter()
            .map(|l| {
                let (line, _) = c.program.map.line_col(l.span);
                format!(
                    "{:?} `{}` {:?} line {line}: {}\n",
                    l.kind, l.feature, l.envs, l.message
                )
            })
            .collect();
        case
    }

    /// Both targets' output, without source or lowering lines.
    fn build(name: &str, c: &Compilation) -> Case {
        let models = c.models(None).expect("models");
        Case {
            name: name.to_string(),
            source: String::new(),
            // The environments emitted for Kustomize (an environment may
            // be restricted to other targets).
            envs: models
                .envs
                .iter()
                .filter_map(|m| m.environment.as_ref())
                .filter(|e| e.emits(Target::Kustomize))
                .map(|e| e.name.clone())
                .collect(),
            k8s: emit::emit(&models, Target::K8s),
            kustomize: emit::emit(&models, Target::Kustomize),
            lowering: String::new(),
        }
    }

    fn file(&self, path: &str) -> Option<&str> {
        let f = self.kustomize.files.iter().find(|f| f.path == path);
        f.map(|f| f.contents.as_str())
    }

    fn k8s_file(&self, path: &str) -> &str {
        let f = self.k8s.files.iter().find(|f| f.path == path);
        f.map(|f| f.contents.as_str())
            .unwrap_or_else(|| panic!("{}: k8s emitted no {path}", self.name))
    }

    /// Writes the Kustomize tree under `root/<case>` and returns that directory.
    fn write(&self, root: &Path) -> PathBuf {
        let dir = root.join(&self.name);
        for f in &self.kustomize.files {
            let path = dir.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &f.contents).unwrap();
        }
        dir
    }
}

fn fixture_cases() -> Vec<Case> {
    let root = workspace().join("tests/fixtures/emit/kustomize");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| Case::load(n, &root.join(n).join("stack.stack")))
        .collect()
}

/// `examples/<name>/stack.stack`, named `example-<name>`.
fn example_cases() -> Vec<Case> {
    let examples = stacks::examples();
    let cases = examples
        .iter()
        .map(|s| Case::build(&format!("example-{}", s.name), &s.compile()));
    cases.collect()
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshots() {
    for case in fixture_cases() {
        for f in &case.kustomize.files {
            let name = format!("{}__{}", case.name, f.path.replace('/', "__"));
            insta::assert_snapshot!(name, &f.contents);
        }
        if !case.lowering.is_empty() {
            insta::assert_snapshot!(format!("{}__lowering", case.name), &case.lowering);
        }
    }
}

#[test]
fn deterministic() {
    let first: Vec<_> = fixture_cases()
        .into_iter()
        .map(|c| c.kustomize.files)
        .collect();
    let second: Vec<_> = fixture_cases()
        .into_iter()
        .map(|c| c.kustomize.files)
        .collect();
    assert_eq!(first, second);
}

#[test]
fn selecting_one_environment_keeps_the_base() {
    for case in fixture_cases().iter().filter(|c| c.envs.len() > 1) {
        let root = workspace()
            .join("tests/fixtures/emit/kustomize")
            .join(&case.name);
        let text = std::fs::read_to_string(root.join("stack.stack")).unwrap();
        let name = format!("{}/stack.stack", case.name);
        let loader = MemoryLoader::new().with(&name, &text);
        let env = case.envs.last().unwrap();
        let c = compile(&name, &loader, &EnvSelection::Only(env.clone()));
        let one = emit::emit(&c.models(Some(env)).expect("models"), Target::Kustomize);
        let expected: Vec<_> = case
            .kustomize
            .files
            .iter()
            .filter(|f| {
                !f.path.starts_with("overlays/") || f.path.starts_with(&format!("overlays/{env}/"))
            })
            .filter(|f| f.path != "secrets.example.yaml")
            .collect();
        let got: Vec<_> = one
            .files
            .iter()
            .filter(|f| f.path != "secrets.example.yaml")
            .collect();
        assert_eq!(got, expected, "{}: --env {env}", case.name);
    }
}

// ---------------------------------------------------------------- expectations

#[test]
fn fixture_expectations() {
    for case in fixture_cases() {
        let mut seen = 0;
        for line in case.source.lines() {
            let Some(rest) = line.strip_prefix("// expect ") else {
                continue;
            };
            seen += 1;
            check_expectation(&case, rest);
        }
        assert!(seen > 0, "{}: the fixture states no expectation", case.name);
    }
}

fn check_expectation(case: &Case, rest: &str) {
    let (path, claim) = rest.split_once(' ').expect("`// expect PATH CLAIM`");
    let file = case.file(path);
    let what = format!("{}: expect {rest}", case.name);
    match claim.split_once(' ') {
        None if claim == "exists" => assert!(file.is_some(), "{what}"),
        None if claim == "absent" => assert!(file.is_none(), "{what}"),
        Some((verb, text)) => {
            let text: String = serde_json::from_str(text).expect("a quoted string");
            let file = file.unwrap_or_else(|| panic!("{what}: no such file"));
            let has = file.contains(&text);
            match verb {
                "has" => assert!(has, "{what}\n--- {path}:\n{file}"),
                "lacks" => assert!(!has, "{what}\n--- {path}:\n{file}"),
                _ => panic!("{what}: unknown claim `{verb}`"),
            }
        }
        None => panic!("{what}: unknown claim `{claim}`"),
    }
}

// ---------------------------------------------------------------- workloads

/// The objects of the `workloads` fixture, in prod (k8s target): what each
/// workload setting becomes.
#[test]
fn workload_settings_become_their_kubernetes_fields() {
    let root = workspace().join("tests/fixtures/emit/kustomize/workloads/stack.stack");
    let case = Case::load("workloads", &root);
    let docs = documents(case.k8s_file("prod.yaml"));
    let find = |kind: &str, name: &str| -> &Value {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind}/{name}"))
    };
    // The stateful database: a StatefulSet with its headless Service and a
    // claim per pod, and no PersistentVolumeClaim of its own.
    let db = find("StatefulSet", "db");
    assert_eq!(db["spec"]["serviceName"], "db-headless");
    assert_eq!(db["spec"]["podManagementPolicy"], "Parallel");
    assert_eq!(db["spec"]["replicas"], 3);
    let claims = &db["spec"]["volumeClaimTemplates"];
    assert_eq!(claims[0]["metadata"]["name"], "data");
    assert_eq!(
        claims[0]["spec"]["resources"]["requests"]["storage"],
        "50Gi"
    );
    let pod = &db["spec"]["template"]["spec"];
    assert!(
        pod["volumes"].is_null(),
        "claim templates are no pod volumes"
    );
    assert_eq!(pod["containers"][0]["volumeMounts"][0]["name"], "data");
    assert_eq!(pod["containers"][0]["imagePullPolicy"], "IfNotPresent");
    assert_eq!(pod["nodeSelector"]["kubernetes.io/arch"], "amd64");
    assert_eq!(pod["tolerations"][0]["operator"], "Equal");
    assert_eq!(pod["tolerations"][1]["operator"], "Exists");
    assert_eq!(pod["tolerations"][1]["tolerationSeconds"], 30);
    let headless = find("Service", "db-headless");
    assert_eq!(headless["spec"]["clusterIP"], "None");
    assert_eq!(
        headless["spec"]["selector"],
        db["spec"]["selector"]["matchLabels"]
    );
    assert!(!docs.iter().any(|d| d["kind"] == "PersistentVolumeClaim"));
    // The API: a LoadBalancer, init containers in order, a preStop hook.
    let svc = find("Service", "api");
    assert_eq!(svc["spec"]["type"], "LoadBalancer");
    assert_eq!(svc["spec"]["loadBalancerClass"], "service.k8s.aws/nlb");
    assert_eq!(svc["spec"]["loadBalancerSourceRanges"][0], "203.0.113.0/24");
    assert_eq!(svc["spec"]["externalTrafficPolicy"], "Local");
    assert_eq!(
        svc["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"],
        "internet-facing"
    );
    let api = find("Deployment", "api");
    assert_eq!(api["spec"]["progressDeadlineSeconds"], 300);
    let pod = &api["spec"]["template"]["spec"];
    assert_eq!(pod["enableServiceLinks"], false);
    let main = &pod["containers"][0];
    let inits = pod["initContainers"].as_sequence().unwrap();
    let names: Vec<&str> = inits.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["wait-for-db", "migrate"]);
    assert_eq!(inits[0]["image"], "busybox:1.36");
    assert!(
        inits[0]["imagePullPolicy"].is_null(),
        "its own image, its own default"
    );
    assert_eq!(inits[1]["image"], main["image"]);
    assert_eq!(inits[1]["imagePullPolicy"], "Always");
    assert_eq!(inits[1]["resources"], main["resources"]);
    let env: Vec<&str> = inits[1]["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        env,
        [
            "DATABASE_URL",
            "DB_PASSWORD",
            "LOG",
            "MIGRATE_LOCK",
            "MIGRATION_KEY_FILE"
        ]
    );
    // A file secret only the migration reads is a volume of the pod, and
    // every container mounts the pod's file secrets.
    let vols = pod["volumes"].as_sequence().unwrap();
    assert!(vols
        .iter()
        .any(|v| v["secret"]["secretName"] == "migration-key"));
    for c in inits.iter().chain([main]) {
        let mounts = c["volumeMounts"].as_sequence().unwrap();
        assert!(mounts
            .iter()
            .any(|v| v["mountPath"] == "/run/secrets/migration_key"));
    }
    assert!(inits
        .iter()
        .all(|c| c["ports"].is_null() && c["livenessProbe"].is_null()));
    assert_eq!(
        main["lifecycle"]["preStop"]["exec"]["command"],
        serde_yaml::from_str::<Value>("[sleep, \"5\"]").unwrap()
    );
    let spread = pod["topologySpreadConstraints"].as_sequence().unwrap();
    let keys: Vec<&str> = spread
        .iter()
        .map(|c| c["topologyKey"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]
    );
    for c in spread {
        assert_eq!(c["whenUnsatisfiable"], "DoNotSchedule");
        assert_eq!(
            c["labelSelector"]["matchLabels"],
            api["spec"]["selector"]["matchLabels"]
        );
    }
    // Staging exposes the API inside the cluster only.
    let staging = documents(case.k8s_file("staging.yaml"));
    let svc = staging
        .iter()
        .find(|d| d["kind"] == "Service" && d["metadata"]["name"] == "api")
        .unwrap();
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    assert!(svc["spec"]["loadBalancerSourceRanges"].is_null());
    assert!(svc["metadata"]["annotations"].is_null());
}

// ---------------------------------------------------------------- structure

/// Top-level fields a generated kustomization may use.
const FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "replicas",
    "patches",
];

#[test]
fn kustomizations_use_current_fields_and_existing_files() {
    for case in fixture_cases().iter().chain(&example_cases()) {
        for f in &case.kustomize.files {
            if f.path.ends_with("kustomization.yaml") {
                check_kustomization(case, &f.path, &f.contents);
            }
        }
        for f in &case.kustomize.files {
            assert!(
                f.contents.starts_with("# generated by stackc"),
                "{}: {} lacks the header",
                case.name,
                f.path
            );
        }
    }
}

fn check_kustomization(case: &Case, path: &str, text: &str) {
    let k: Value = serde_yaml::from_str(text).unwrap();
    let dir = path.trim_end_matches("kustomization.yaml");
    let what = format!("{}: {path}", case.name);
    for key in k.as_mapping().unwrap().keys() {
        let key = key.as_str().unwrap();
        assert!(FIELDS.contains(&key), "{what}: field `{key}`");
    }
    for r in k["resources"].as_sequence().unwrap() {
        let r = r.as_str().unwrap();
        assert!(!r.contains("secrets"), "{what}: applies secrets");
        if r != "../../base" {
            assert!(
                case.file(&format!("{dir}{r}")).is_some(),
                "{what}: missing resource {r}"
            );
        }
    }
    for i in k["images"].as_sequence().into_iter().flatten() {
        let name = i["name"].as_str().unwrap();
        let used = base_docs(case).iter().any(|d| uses_image(d, name));
        assert!(
            used,
            "{what}: images entry `{name}` matches no base container"
        );
    }
    for r in k["replicas"].as_sequence().into_iter().flatten() {
        let name = r["name"].as_str().unwrap();
        let n = base_docs(case)
            .iter()
            .filter(|d| {
                (d["kind"] == "Deployment" || d["kind"] == "StatefulSet")
                    && d["metadata"]["name"] == name
            })
            .count();
        assert_eq!(n, 1, "{what}: replicas entry `{name}`");
    }
    for p in k["patches"].as_sequence().into_iter().flatten() {
        let file = p["path"].as_str().unwrap();
        let patch = case.file(&format!("{dir}{file}"));
        assert!(patch.is_some(), "{what}: missing patch {file}");
        check_target(case, &what, &p["target"]);
    }
}

/// The target names one kind and one name, and exactly one base object.
fn check_target(case: &Case, what: &str, target: &Value) {
    let kind = target["kind"].as_str().expect("target.kind");
    let name = target["name"]
        .as_str()
        .expect("target.name")
        .replace('\\', "");
    let n = base_docs(case)
        .iter()
        .filter(|d| d["kind"] == kind && d["metadata"]["name"] == name.as_str())
        .count();
    assert_eq!(n, 1, "{what}: target {kind}/{name}");
}

fn base_docs(case: &Case) -> Vec<Value> {
    let files = case.kustomize.files.iter();
    files
        .filter(|f| f.path.starts_with("base/") && !f.path.ends_with("kustomization.yaml"))
        .flat_map(|f| documents(&f.contents))
        .collect()
}

/// Whether a container of `doc` runs image `name` (any tag).
fn uses_image(doc: &Value, name: &str) -> bool {
    let containers = &doc["spec"]["template"]["spec"]["containers"];
    containers.as_sequence().into_iter().flatten().any(|c| {
        let image = c["image"].as_str().unwrap_or("");
        image == name || image.starts_with(&format!("{name}:"))
    })
}

// ---------------------------------------------------------------- equivalence

#[test]
fn overlays_render_like_k8s() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let scratch = Scratch::new("kustomize-render");
    for case in fixture_cases().iter().chain(&example_cases()) {
        let dir = case.write(scratch.path());
        if case.envs.is_empty() {
            let got = render(&kubectl, &dir.join("base"));
            assert_same(case, "base", &got, case.k8s_file("base.yaml"));
        }
        for env in &case.envs {
            let got = render(&kubectl, &dir.join("overlays").join(env));
            assert_same(case, env, &got, case.k8s_file(&format!("{env}.yaml")));
        }
    }
}

fn render(kubectl: &Path, dir: &Path) -> String {
    let out = Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl kustomize {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn assert_same(case: &Case, env: &str, rendered: &str, k8s: &str) {
    let (got, want) = (canonical(rendered), canonical(k8s));
    let keys = |m: &BTreeMap<(String, String), String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&got), keys(&want), "{} {env}: objects", case.name);
    for (id, doc) in &want {
        assert_eq!(&got[id], doc, "{} {env}: {id:?}", case.name);
    }
}
