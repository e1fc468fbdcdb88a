//! The Helm backend: snapshots of every emitted file, and the real Helm.
//!
//! Each case is a folder `fixtures/emit/helm/<case>/` with a `stack.stack`.
//! For every case:
//!
//! * `snapshots`: every file of the chart, and the lowering report;
//! * `lint_and_equivalence`: with Helm 3 and Helm 4, `helm lint --strict`
//!   passes with the defaults and with each `values-<env>.yaml`, and
//!   `helm template <chart> <dir> -f values-<env>.yaml --namespace <ns>`
//!   renders the objects `stackc emit --target k8s --env <env>` writes
//!   (the defaults render `base.yaml` when the stack has no environments),
//!   compared as parsed YAML after the normalisation in [`normalise`];
//! * `scripts/validate.sh helm` (lint, template and the strict Kubernetes
//!   schema of the rendered objects, both Helms) runs on every chart, these
//!   cases' and every other stack's, in `conformance.rs`.
//!
//! Plus: `values.schema.json` rejects bad values, secrets are only created
//! on request and then required, hostile strings stay data, and the
//! schema's ranges are the stdlib's.
//!
//! The Helm binaries come from `$STACKC_VALIDATORS_PREFIX/bin` (default
//! `/opt/stackc-validators/bin`, installed by `scripts/install-validators.sh`)
//! or PATH. When they are missing the tests that need them print a notice
//! and pass, unless `CI=true` or `STACKC_REQUIRE_VALIDATORS=1`: then they fail.

#[path = "helm/normalise.rs"]
mod normalise;
#[path = "helm/tools.rs"]
mod tools;

use normalise::{compare, docs, normalise, normalise_k8s};
use serde_yaml::Value;
use stackc::cli::DiskLoader;
use stackc::emit::{self, Output, Target};
use stackc::{Compilation, EnvSelection};
use tools::{helms, tool, Scratch};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/emit/helm");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");

/// The fixture cases (snapshotted), by name.
fn cases() -> Vec<String> {
    stacks_in(FIXTURES)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// Every stack the real-Helm tests run on: the fixtures, then the
/// repository's examples (`example-<name>`).
fn all_stacks() -> Vec<(String, String)> {
    let mut v = stacks_in(FIXTURES);
    v.extend(
        stacks_in(EXAMPLES)
            .into_iter()
            .map(|(name, root)| (format!("example-{name}"), root)),
    );
    v
}

/// `(folder name, path of its stack.stack)` for each folder of `dir` that has one.
fn stacks_in(dir: &str) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<(String, String)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("stack.stack").exists())
        .map(|e| {
            let root = e.path().join("stack.stack").to_string_lossy().into_owned();
            (e.file_name().to_string_lossy().into_owned(), root)
        })
        .collect();
    v.sort();
    v
}

fn compile(case: &str) -> Compilation {
    compile_root(case, &format!("{FIXTURES}/{case}/stack.stack"))
}

fn compile_root(case: &str, root: &str) -> Compilation {
    let c = stackc::compile(root, &DiskLoader, &EnvSelection::All);
    let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{case}: {errors:#?}");
    c
}

fn helm_output(c: &Compilation) -> Output {
    emit::emit(&c.models(None).expect("models"), Target::Helm)
}

// ------------------------------------------------------------------ snapshots

#[test]
fn snapshots() {
    for case in cases() {
        let out = helm_output(&compile(&case));
        for f in &out.files {
            let name = format!("{case}__{}", f.path.replace('/', "__"));
            insta::assert_snapshot!(name, f.contents);
        }
        insta::assert_snapshot!(format!("{case}__report"), report(&out));
    }
}

fn report(out: &Output) -> String {
    let mut s = format!("exact: {}\n", out.exact);
    for l in &out.lowerings {
        s.push_str(&format!(
            "{:?} {} in {:?}: {}\n",
            l.kind, l.feature, l.envs, l.message
        ));
    }
    for n in &out.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    s
}

#[test]
fn emit_is_deterministic() {
    for case in cases() {
        let c = compile(&case);
        assert_eq!(helm_output(&c).files, helm_output(&c).files, "{case}");
    }
}

#[test]
fn env_values_hold_only_differences() {
    let out = helm_output(&compile("full"));
    assert!(
        !out.files.iter().any(|f| f.path.contains("preview")),
        "preview is k8s-only"
    );
    let staging = file(&out, "shop/values-staging.yaml");
    let v: Value = serde_yaml::from_str(&staging).unwrap();
    let keys: Vec<&str> = v
        .as_mapping()
        .unwrap()
        .keys()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(keys, ["api", "web"], "{staging}");
    // `debug` runs in dev only: off in values.yaml, switched on by values-dev.yaml.
    let base: Value = serde_yaml::from_str(&file(&out, "shop/values.yaml")).unwrap();
    assert_eq!(base["debug"]["enabled"], Value::Bool(false));
    let dev: Value = serde_yaml::from_str(&file(&out, "shop/values-dev.yaml")).unwrap();
    assert_eq!(dev["debug"]["enabled"], Value::Bool(true));
    assert_eq!(
        v["web"],
        serde_yaml::from_str::<Value>("replicaCount: 2").unwrap()
    );
}

fn file(out: &Output, path: &str) -> String {
    out.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
        .clone()
}

#[test]
fn stdlib_ranges_are_the_schemas() {
    let c = compile("full");
    for (record, field, min, max) in stackc::emit::helm::STDLIB_RANGES {
        let r = c
            .schema
            .records
            .iter()
            .find(|r| r.name == *record)
            .unwrap_or_else(|| panic!("no record {record}"));
        let f = &r.fields[*field];
        assert_eq!(f.min, Some(*min as f64), "{record}.{field} min");
        assert_eq!(f.max, Some(*max as f64), "{record}.{field} max");
    }
}

#[test]
fn stdlib_enums_are_the_schemas() {
    let c = compile("full");
    for (name, values) in stackc::emit::helm::STDLIB_ENUMS {
        let e = c
            .schema
            .enums
            .iter()
            .find(|e| e.name == *name)
            .unwrap_or_else(|| panic!("no enum {name}"));
        assert_eq!(
            e.variants.len(),
            values.len(),
            "{name}: {:?} vs {values:?}",
            e.variants.keys()
        );
    }
    let schema: serde_json::Value =
        serde_json::from_str(&file(&helm_output(&c), "shop/values.schema.json")).unwrap();
    let mut enums = Vec::new();
    collect_enums(&schema, &mut enums);
    for (name, values) in stackc::emit::helm::STDLIB_ENUMS {
        assert!(
            enums.contains(&serde_json::json!(values)),
            "{name} is not in the schema"
        );
    }
}

fn collect_enums(v: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(e) = m.get("enum") {
                out.push(e.clone());
            }
            m.values().for_each(|v| collect_enums(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_enums(v, out)),
        _ => {}
    }
}

#[test]
fn hostile_strings_never_reach_templates() {
    let out = helm_output(&compile("hostile"));
    for f in out.files.iter().filter(|f| f.path.contains("/templates/")) {
        for needle in [
            "fail",
            "boom",
            "github.sha",
            "{{path}}",
            "{{x}}",
            "daemon off",
            "Hello",
            "configuration-snippet",
        ] {
            assert!(
                !f.contents.contains(needle),
                "{} contains `{needle}`",
                f.path
            );
        }
    }
}

// ------------------------------------------------------------------ equivalence

#[test]
fn lint_and_equivalence() {
    let helms = helms();
    if helms.is_empty() {
        return;
    }
    for (case, root) in all_stacks() {
        let c = compile_root(&case, &root);
        let scratch = Scratch::new(&case);
        let chart = scratch.write(&helm_output(&c));
        let chart_dir = chart.to_str().unwrap();
        let release = chart.file_name().unwrap().to_str().unwrap().to_string();
        for (h, bin) in &helms {
            let (ok, out, err) = scratch.helm(bin, &["lint", "--strict", chart_dir]);
            assert!(ok, "{h} lint --strict {case} (defaults):\n{out}{err}");
            for (env, expected) in k8s_renderings(&c, &chart) {
                let mut args = vec!["template", &release, chart_dir];
                let values = chart.join(format!("values-{env}.yaml"));
                let values = values.to_str().unwrap();
                if env != "base" {
                    let (ok, out, err) =
                        scratch.helm(bin, &["lint", "--strict", chart_dir, "-f", values]);
                    assert!(
                        ok,
                        "{h} lint --strict {case} -f values-{env}.yaml:\n{out}{err}"
                    );
                    args.extend(["-f", values]);
                }
                // `namespace = none`: the k8s objects name no namespace;
                // Helm writes the release's, which is then not compared.
                let ns = namespace(&c, &env);
                let release_ns = ns.clone().unwrap_or_else(|| "default".into());
                args.extend(["--namespace", &release_ns]);
                let (ok, out, err) = scratch.helm(bin, &args);
                assert!(ok, "{h} template {case} {env}:\n{err}");
                let mut rendered = docs(&out);
                if ns.is_none() {
                    for d in &mut rendered {
                        if let Some(md) = d.get_mut("metadata").and_then(|m| m.as_mapping_mut()) {
                            md.remove("namespace");
                        }
                    }
                }
                let rendered = normalise(rendered, &release, &c);
                let k8s = normalise_k8s(docs(&expected));
                compare(&format!("{h} {case} {env}"), rendered, k8s);
            }
        }
    }
}

/// `values.schema.json` names each shared shape once under `$defs`: every
/// service entry is a description and a `$ref`, every `$ref` resolves and
/// every shape is used; `values.yaml` validates against the schema with
/// check-jsonschema (a validator independent of both Helms).
#[test]
fn schema_shares_shapes_and_values_validate() {
    let validator = tool("check-jsonschema");
    for (case, root) in all_stacks() {
        let c = compile_root(&case, &root);
        let out = helm_output(&c);
        let path = out
            .files
            .iter()
            .map(|f| f.path.clone())
            .find(|p| p.ends_with("/values.schema.json"))
            .unwrap();
        let schema: serde_json::Value = serde_json::from_str(&file(&out, &path)).unwrap();
        let defs = schema["$defs"].as_object().expect("$defs");
        let mut refs = Vec::new();
        collect_refs(&schema, &mut refs);
        for r in &refs {
            let name = r
                .strip_prefix("#/$defs/")
                .unwrap_or_else(|| panic!("{case}: {r}"));
            assert!(defs.contains_key(name), "{case}: dangling {r}");
        }
        for name in defs.keys() {
            assert!(
                refs.iter().any(|r| r == &format!("#/$defs/{name}")),
                "{case}: unused $defs/{name}"
            );
        }
        for svc in &c.model(None).unwrap().services {
            let key = stackc::emit::helm::service_key(svc.0);
            let entry = schema["properties"][&key].as_object().unwrap();
            assert_eq!(entry.len(), 2, "{case}: {key} is more than a reference");
            assert!(entry["$ref"].as_str().unwrap().ends_with("Service"));
        }
        let Some(validator) = &validator else {
            continue;
        };
        let scratch = Scratch::new(&format!("{case}-jsonschema"));
        let chart = scratch.write(&out);
        let run = std::process::Command::new(validator)
            .arg("--schemafile")
            .arg(chart.join("values.schema.json"))
            .arg(chart.join("values.yaml"))
            .output()
            .expect("run check-jsonschema");
        assert!(
            run.status.success(),
            "{case}: values.yaml does not validate:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// `(env, <env>.yaml)` of the k8s backend for each environment both
/// backends emit (an environment may be limited to some targets), or
/// `("base", base.yaml)` when the stack has none.
fn k8s_renderings(c: &Compilation, chart: &std::path::Path) -> Vec<(String, String)> {
    let envs = c.environment_names();
    if envs.is_empty() {
        let out = emit::emit(&c.models(None).expect("models"), Target::K8s);
        return vec![("base".into(), file(&out, "base.yaml"))];
    }
    envs.into_iter()
        .filter(|e| chart.join(format!("values-{e}.yaml")).exists())
        .filter_map(|e| {
            let out = emit::emit(&c.models(Some(&e)).expect("models"), Target::K8s);
            let path = format!("{e}.yaml");
            let text = out.files.iter().find(|f| f.path == path)?.contents.clone();
            Some((e, text))
        })
        .collect()
}

fn namespace(c: &Compilation, env: &str) -> Option<String> {
    let models = c.models((env != "base").then_some(env)).expect("models");
    models.env_or_base()[0].namespace().map(str::to_string)
}

// ------------------------------------------------------------------ validate.sh

// ------------------------------------------------------------------ values

/// Renders the `full` chart with extra arguments; `(ok, stdout, stderr)` per Helm.
fn render_full(extra: &[&str]) -> Vec<(&'static str, bool, String, String)> {
    let c = compile("full");
    let scratch = Scratch::new("render");
    let chart = scratch.write(&helm_output(&c));
    let mut args = vec!["template", "shop", chart.to_str().unwrap()];
    args.extend(extra);
    helms()
        .into_iter()
        .map(|(h, bin)| {
            let (ok, out, err) = scratch.helm(&bin, &args);
            (h, ok, out, err)
        })
        .collect()
}

#[test]
fn schema_rejects_bad_values() {
    let bad: &[(&str, &str)] = &[
        ("api.replicaCount=-1", "replicaCount"),
        ("api.replicaCount=1001", "replicaCount"),
        ("api.image.pullPolicy=Sometimes", "pullPolicy"),
        ("web.service.type=Headless", "type"),
        (
            "api.autoscaling.targetCPUUtilizationPercentage=150",
            "targetCPUUtilizationPercentage",
        ),
        ("api.service.ports[0].port=70000", "port"),
        ("api.unknown=1", "unknown"),
        ("api.env[0].secret=nope", "env"),
        ("cache.volumes[0].persistence.size=lots", "size"),
        ("api.resources.limits.cpu=fast", "cpu"),
    ];
    for (set, field) in bad {
        for (h, ok, _, err) in render_full(&["--set", set]) {
            assert!(!ok, "{h} accepted --set {set}");
            assert!(err.contains(field), "{h} --set {set}: {err}");
        }
    }
    for (h, ok, _, err) in render_full(&[
        "--set",
        "api.replicaCount=5",
        "--set",
        "api.autoscaling.enabled=false",
    ]) {
        assert!(ok, "{h} rejected a good value: {err}");
    }
}

#[test]
fn secrets_are_references_unless_created() {
    for (h, ok, out, err) in render_full(&[]) {
        assert!(ok, "{h}: {err}");
        assert!(
            !out.contains("kind: Secret"),
            "{h} created a Secret by default"
        );
    }
    for (h, ok, _, err) in render_full(&["--set", "secrets.create=true"]) {
        assert!(!ok, "{h} created Secrets without values");
        assert!(
            err.contains("db_url") || err.contains("value"),
            "{h}: {err}"
        );
    }
    let set = [
        "--set",
        "secrets.create=true",
        "--set",
        "secrets.db_url.value=postgres://u:p@db/shop",
        "--set",
        "secrets.payment_token.value=tok",
        "--set",
        "secrets.web_tls.cert=CERT",
        "--set",
        "secrets.web_tls.key=KEY",
    ];
    for (h, ok, out, err) in render_full(&set) {
        assert!(ok, "{h}: {err}");
        let secrets: Vec<Value> = docs(&out)
            .into_iter()
            .filter(|d| d["kind"] == "Secret")
            .collect();
        assert_eq!(secrets.len(), 3, "{h}");
        let db = secrets
            .iter()
            .find(|d| d["metadata"]["name"] == "db-url")
            .unwrap();
        assert_eq!(db["stringData"]["value"], "postgres://u:p@db/shop");
        let tls = secrets
            .iter()
            .find(|d| d["metadata"]["name"] == "web-tls")
            .unwrap();
        assert_eq!(tls["type"], "kubernetes.io/tls");
        assert_eq!(tls["stringData"]["tls.key"], "KEY");
    }
}

#[test]
fn hostile_strings_render_verbatim() {
    let c = compile("hostile");
    let scratch = Scratch::new("hostile-render");
    let chart = scratch.write(&helm_output(&c));
    let values = chart.join("values-prod.yaml");
    let args = [
        "template",
        "hostile",
        chart.to_str().unwrap(),
        "-f",
        values.to_str().unwrap(),
    ];
    for (h, bin) in helms() {
        let (ok, out, err) = scratch.helm(&bin, &args);
        assert!(ok, "{h}: {err}");
        let d = docs(&out);
        let deployment = d.iter().find(|d| d["kind"] == "Deployment").unwrap();
        let ctr = &deployment["spec"]["template"]["spec"]["containers"][0];
        let env = |n: &str| {
            ctr["env"]
                .as_sequence()
                .unwrap()
                .iter()
                .find(|e| e["name"] == n)
                .unwrap()["value"]
                .clone()
        };
        assert_eq!(env("RAW"), "{{ required \"boom\" nil }}", "{h}");
        assert_eq!(env("URL"), "http://hostile-app:80/{{path}}", "{h}");
        assert_eq!(env("GITHUB"), "${{ github.sha }}", "{h}");
        assert_eq!(
            ctr["command"][2],
            "echo '{{ .Chart.Name }}' && exec nginx -g 'daemon off;'"
        );
        assert_eq!(ctr["livenessProbe"]["httpGet"]["path"], "/health?q={{x}}");
        let ann = &deployment["spec"]["template"]["metadata"]["annotations"];
        assert_eq!(ann["example.com/hostile"], "}}{{");
        assert_eq!(ann["example.com/note"], "{{ .Values.secrets }}");
        let cm = d.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
        assert_eq!(
            cm["data"]["SNIPPET"],
            "{{- /* comment */ -}}{{ include \"x\" . }}"
        );
    }
}

#[test]
fn names_follow_the_release() {
    let long = "a-very-long-full-name-override-that-is-well-past-the-dns-label-limit-of-63";
    for (h, ok, out, err) in render_full(&["--set", &format!("fullnameOverride={long}")]) {
        assert!(ok, "{h}: {err}");
        for d in docs(&out) {
            let name = d["metadata"]["name"].as_str().unwrap();
            assert!(name.len() <= 63 && !name.ends_with('-'), "{h}: {name}");
        }
    }
    for (h, ok, out, err) in render_full(&["--set", "fullnameOverride=store"]) {
        assert!(ok, "{h}: {err}");
        let d = docs(&out);
        let names: Vec<&str> = d
            .iter()
            .filter_map(|d| d["metadata"]["name"].as_str())
            .collect();
        assert!(
            names.contains(&"store-api") && names.contains(&"store-app"),
            "{h}: {names:?}"
        );
        let api = d
            .iter()
            .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "store-api")
            .unwrap();
        let ctr = &api["spec"]["template"]["spec"]["containers"][0];
        let self_url = ctr["env"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "SELF_URL")
            .unwrap();
        assert_eq!(self_url["value"], "http://store-api:80", "{h}");
        assert_eq!(
            ctr["envFrom"][0]["configMapRef"]["name"], "store-app",
            "{h}"
        );
        let hpa = d
            .iter()
            .find(|d| d["kind"] == "HorizontalPodAutoscaler")
            .unwrap();
        assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "store-api", "{h}");
    }
}

#[test]
fn notes_list_the_endpoints() {
    // `install --dry-run=client` renders NOTES.txt offline with Helm 4 only
    // (Helm 3 asks the cluster for its version first).
    let Some(helm4) = tool("helm4") else { return };
    let c = compile("full");
    let scratch = Scratch::new("notes");
    let chart = scratch.write(&helm_output(&c));
    let values = chart.join("values-prod.yaml");
    let args = [
        "install",
        "shop",
        chart.to_str().unwrap(),
        "--dry-run=client",
        "-f",
        values.to_str().unwrap(),
        "--namespace",
        "shop-prod",
    ];
    let (ok, out, err) = scratch.helm(&helm4, &args);
    assert!(ok, "{err}");
    let notes = &out[out.find("NOTES:").expect("NOTES")..];
    insta::assert_snapshot!("full__NOTES_prod", notes);
}

#[test]
fn config_changes_roll_only_the_pods_that_read_them() {
    let c = compile("full");
    let scratch = Scratch::new("checksum");
    let chart = scratch.write(&helm_output(&c));
    let chart_dir = chart.to_str().unwrap().to_string();
    for (h, bin) in helms() {
        let checksums = |env: &str| {
            let values = chart.join(format!("values-{env}.yaml"));
            let args = [
                "template",
                "shop",
                &chart_dir,
                "-f",
                values.to_str().unwrap(),
            ];
            let (ok, out, err) = scratch.helm(&bin, &args);
            assert!(ok, "{h} {env}: {err}");
            docs(&out)
                .into_iter()
                .filter(|d| d["kind"] == "Deployment")
                .map(|d| {
                    let name = d["metadata"]["name"].as_str().unwrap().to_string();
                    let sum =
                        d["spec"]["template"]["metadata"]["annotations"]["checksum/config"].clone();
                    (name, sum)
                })
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let (dev, prod) = (checksums("dev"), checksums("prod"));
        assert!(dev["shop-api"].is_string(), "{h}: api reads config app");
        assert_ne!(
            dev["shop-api"], prod["shop-api"],
            "{h}: app's LOG_LEVEL differs"
        );
        assert!(dev["shop-web"].is_string(), "{h}: web reads web_settings");
        assert_eq!(
            dev["shop-web"], prod["shop-web"],
            "{h}: web_settings is the same"
        );
        assert!(dev["shop-cache"].is_null(), "{h}: cache reads no config");
    }
}

/// Helm reports exactly what the k8s backend reports, for the environments
/// both emit: the chart renders the same objects, so it approximates and
/// drops the same features.
#[test]
fn lowerings_are_the_k8s_ones() {
    for (case, root) in all_stacks() {
        let models = compile_root(&case, &root).models(None).expect("models");
        let helm = emit::emit(&models, Target::Helm);
        let charted = |env: &String| {
            helm.files
                .iter()
                .any(|f| f.path.ends_with(&format!("/values-{env}.yaml")))
        };
        let key = |out: &Output| -> Vec<String> {
            out.lowerings
                .iter()
                .filter_map(|l| {
                    let envs: Vec<&String> = l.envs.iter().filter(|e| charted(e)).collect();
                    let shown = l.envs.is_empty() || !envs.is_empty();
                    shown.then(|| {
                        format!(
                            "{:?} {:?} {} {envs:?} {}",
                            l.kind, l.span, l.feature, l.message
                        )
                    })
                })
                .collect()
        };
        let k8s = emit::emit(&models, Target::K8s);
        assert_eq!(key(&helm), key(&k8s), "{case}");
    }
}
