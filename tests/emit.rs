//! Every example × every target, emitted in-process: one insta snapshot per
//! emitted file and one per lowering report, plus the properties every
//! emitted tree must have whatever the target.
//!
//! The examples are found with `insta::glob!` over `examples/*/stack.stack`,
//! so a new example is picked up without touching this file. The targets
//! are those this build has a backend for ([`supported_targets`]). Each
//! example is compiled from memory under `<example>/…` names, so rendered
//! paths in the reports are stable.
//!
//! Snapshot names: `emit__<example>__<target>__<path>` for a file (`/` in
//! the path becomes `__`, a leading dot is dropped) and
//! `emit__<example>__<target>__report` for the lowering report.
//!
//! Properties checked for every example and target:
//!
//! * emitting twice gives byte-identical files and the same report;
//! * every file whose format has comments starts with the generated-by
//!   header (except the copies of mounted files the host targets write,
//!   `[<env>/]files/<service>/<name>`, which must equal the text of a file
//!   that service mounts, byte for byte); every YAML file (Helm's Go templates aside) starts with it on
//!   its first line and parses; JSON files parse;
//! * every environment (or the base, when none is declared) has its files;
//! * secrets are references: Secret objects exist only in `*.example*`
//!   files, holding placeholders; placeholders appear nowhere else; every
//!   variable bound to a secret reads it (`secretKeyRef` in Kubernetes,
//!   a required `${VAR:?…}` in Compose);
//! * lowerings name only declared environments.
//!
//! Adding an example needs no change here: run `cargo insta test -p
//! stackc-tests --test emit`, read every new snapshot, `cargo insta accept`.

use serde_yaml::Value;
use stackc::emit::{self, output::HEADER, Models, Output, Target};
use stackc::model::{EnvValue, Model};
use stackc::Compilation;
use stackc_tests::stacks::{self, report, snapshot_component, supported_targets, StackDir};
use stackc_tests::yaml::{documents, each_mapping, try_documents};
use std::path::Path;

// ---------------------------------------------------------------- emitting

/// One example compiled, with every supported target's output.
struct Emitted {
    name: String,
    c: Compilation,
    models: Models,
    outputs: Vec<Output>,
}

impl Emitted {
    fn new(stack: &StackDir) -> Emitted {
        let c = stack.compile();
        let models = c.models(None).expect("models");
        let outputs = supported_targets()
            .into_iter()
            .map(|t| emit::emit(&models, t))
            .collect();
        Emitted {
            name: stack.name.clone(),
            c,
            models,
            outputs,
        }
    }

    fn envs(&self) -> Vec<String> {
        self.c.environment_names()
    }

    fn what(&self, out: &Output, path: &str) -> String {
        format!("{} {} {path}", self.name, out.target.name())
    }
}

fn all_examples() -> Vec<Emitted> {
    let examples = stacks::examples();
    assert!(!examples.is_empty(), "no examples/*/stack.stack");
    examples.iter().map(Emitted::new).collect()
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshots_of_every_file_and_report() {
    insta::glob!("../examples", "*/stack.stack", |path| {
        let dir = path.parent().unwrap();
        let stack = StackDir {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_path_buf(),
        };
        let e = Emitted::new(&stack);
        let mut settings = insta::Settings::clone_current();
        settings.remove_snapshot_suffix();
        settings.bind(|| snapshot(&e));
    });
}

fn snapshot(e: &Emitted) {
    for out in &e.outputs {
        let prefix = format!("{}__{}", e.name, out.target.name());
        for f in &out.files {
            let name = format!("{prefix}__{}", snapshot_component(&f.path));
            insta::assert_snapshot!(name, &f.contents);
        }
        insta::assert_snapshot!(format!("{prefix}__report"), report(&e.c, out));
    }
}

// ---------------------------------------------------------------- determinism

#[test]
fn emitting_twice_gives_the_same_bytes() {
    for stack in stacks::examples() {
        let (a, b) = (Emitted::new(&stack), Emitted::new(&stack));
        for (x, y) in a.outputs.iter().zip(&b.outputs) {
            let what = format!("{} {}", a.name, x.target.name());
            assert_eq!(x.files, y.files, "{what}: files differ between runs");
            assert_eq!(
                report(&a.c, x),
                report(&b.c, y),
                "{what}: reports differ between runs"
            );
        }
    }
}

// ---------------------------------------------------------------- headers and parsing

/// Helm's templates are Go templates, not YAML until rendered.
fn is_template(out: &Output, path: &str) -> bool {
    out.target == Target::Helm && path.contains("/templates/")
}

#[test]
fn files_have_the_header_and_parse() {
    for e in all_examples() {
        for out in &e.outputs {
            let nothing_to_write =
                out.target == Target::Github && e.models.base.pipelines.is_empty();
            assert!(
                nothing_to_write || !out.files.is_empty(),
                "{}: no files",
                e.what(out, "")
            );
            for f in &out.files {
                let what = e.what(out, &f.path);
                match mounted_copy(&e.models, out, &f.path) {
                    // The user's text, which cannot carry a header.
                    Some(texts) => assert!(
                        texts.contains(&f.contents.as_str()),
                        "{what}: not the text of a file the service mounts"
                    ),
                    None => check_file(&what, out, &f.path, &f.contents),
                }
            }
        }
    }
}

/// The one exception to the header: the host targets (Quadlet, systemd)
/// write each mounted `file` as `[<env>/]files/<service>/<name>`, the
/// user's text byte for byte. For such a path, the texts of the files that
/// service mounts in that environment (the copy must be one of them).
fn mounted_copy<'a>(models: &'a Models, out: &Output, path: &str) -> Option<Vec<&'a str>> {
    if !matches!(out.target, Target::Quadlet | Target::Systemd) {
        return None;
    }
    for m in models.env_or_base() {
        let dir = m.env_name().map_or(String::new(), |e| format!("{e}/"));
        let Some(rest) = path.strip_prefix(&format!("{dir}files/")) else {
            continue;
        };
        let (service, name) = rest.split_once('/')?;
        if name.is_empty() || name.contains('/') {
            return None;
        }
        let s = m.services.get(service)?;
        return Some(s.files.values().map(|f| f.content.as_str()).collect());
    }
    None
}

fn check_file(what: &str, out: &Output, path: &str, text: &str) {
    if path.ends_with(".json") {
        let parsed = serde_json::from_str::<serde_json::Value>(text);
        assert!(parsed.is_ok(), "{what}: not JSON: {parsed:?}");
        return;
    }
    assert!(
        text.lines().take(3).any(|l| l.contains(HEADER)),
        "{what}: no generated-by header"
    );
    let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
    if yaml && !is_template(out, path) {
        assert!(
            text.starts_with(&format!("# {HEADER}\n")),
            "{what}: the header is not the first line"
        );
        if let Err(e) = try_documents(text) {
            panic!("{what}: not YAML: {e}");
        }
    }
    assert!(text.ends_with('\n'), "{what}: no final newline");
}

// ---------------------------------------------------------------- environments

/// Files that must exist for each environment (or the base).
fn env_files(target: Target, stack: &str, envs: &[String]) -> Vec<String> {
    let base = |p: &str| vec![p.to_string()];
    let per_env = |f: &dyn Fn(&str) -> String| envs.iter().map(|e| f(e)).collect::<Vec<_>>();
    match target {
        Target::Compose => [
            base("compose.yaml"),
            per_env(&|e| format!("compose.{e}.yaml")),
        ]
        .concat(),
        Target::K8s if envs.is_empty() => base("base.yaml"),
        Target::K8s => per_env(&|e| format!("{e}.yaml")),
        Target::Kustomize => [
            base("base/kustomization.yaml"),
            per_env(&|e| format!("overlays/{e}/kustomization.yaml")),
        ]
        .concat(),
        Target::Helm => [
            base(&format!("{stack}/Chart.yaml")),
            base(&format!("{stack}/values.yaml")),
            per_env(&|e| format!("{stack}/values-{e}.yaml")),
        ]
        .concat(),
        // One complete directory per environment (a host runs one).
        Target::Systemd if envs.is_empty() => {
            [base(&format!("{stack}.target")), base("README.txt")].concat()
        }
        Target::Systemd => [
            per_env(&|e| format!("{e}/{stack}.target")),
            per_env(&|e| format!("{e}/README.txt")),
        ]
        .concat(),
        Target::Quadlet if envs.is_empty() => [
            base(&format!("{stack}.network")),
            base(&format!("{stack}.target")),
            base("README.txt"),
        ]
        .concat(),
        Target::Quadlet => [
            per_env(&|e| format!("{e}/{stack}.network")),
            per_env(&|e| format!("{e}/{stack}.target")),
            per_env(&|e| format!("{e}/README.txt")),
        ]
        .concat(),
        // Workflows are per pipeline, not per environment (tests/github.rs).
        Target::Github => Vec::new(),
    }
}

#[test]
fn every_environment_has_its_files() {
    for e in all_examples() {
        let stack = &e.models.base.stack.name;
        for out in &e.outputs {
            for want in env_files(out.target, stack, &e.envs()) {
                assert!(
                    out.files.iter().any(|f| f.path == want),
                    "{}: missing",
                    e.what(out, &want)
                );
            }
        }
    }
}

#[test]
fn lowerings_name_declared_environments() {
    for e in all_examples() {
        let envs = e.envs();
        for out in &e.outputs {
            for l in &out.lowerings {
                for env in &l.envs {
                    assert!(
                        envs.contains(env),
                        "{}: lowering in `{env}`",
                        e.what(out, "")
                    );
                }
                let file = e.c.program.map.name(l.span.file);
                assert!(
                    file.starts_with(&format!("{}/", e.name)),
                    "{}: lowering `{}` points into {file}",
                    e.what(out, ""),
                    l.feature
                );
            }
        }
    }
}

// ---------------------------------------------------------------- secrets

fn is_example_file(path: &str) -> bool {
    Path::new(path)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains(".example"))
}

/// The placeholder values of an example file: Secret `data`/`stringData`
/// values and `.env.example` values.
fn placeholders(path: &str, text: &str) -> Vec<String> {
    if path.ends_with(".env.example") {
        let lines = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty());
        return lines
            .map(|l| l.split_once('=').map_or("", |(_, v)| v).to_string())
            .collect();
    }
    let mut out = Vec::new();
    for doc in documents(text) {
        out.extend(secret_values(&doc));
    }
    out
}

/// The `data`/`stringData` values of a Secret object (none for other kinds).
fn secret_values(doc: &Value) -> Vec<String> {
    if doc["kind"] != "Secret" {
        return Vec::new();
    }
    let fields = ["data", "stringData"].map(|k| doc[k].as_mapping().cloned().unwrap_or_default());
    let values = fields
        .into_iter()
        .flat_map(|m| m.into_iter().map(|(_, v)| v));
    values
        .map(|v| v.as_str().map_or_else(|| format!("{v:?}"), str::to_string))
        .collect()
}

fn is_placeholder(v: &str) -> bool {
    v == "change-me" || (v.starts_with('<') && v.ends_with('>') && v.len() > 2)
}

#[test]
fn secrets_are_placeholders_only_in_example_files() {
    for e in all_examples() {
        for out in &e.outputs {
            let mut seen = Vec::new();
            for f in out.files.iter().filter(|f| is_example_file(&f.path)) {
                for v in placeholders(&f.path, &f.contents) {
                    let what = e.what(out, &f.path);
                    assert!(is_placeholder(&v), "{what}: `{v}` is not a placeholder");
                    seen.push(v);
                }
            }
            seen.retain(|v| v != "change-me");
            for f in out.files.iter().filter(|f| !is_example_file(&f.path)) {
                no_secret_in_applied_file(&e.what(out, &f.path), out, f, &seen);
            }
        }
    }
}

/// An applied (non-example) file holds no Secret object and no placeholder.
fn no_secret_in_applied_file(what: &str, out: &Output, f: &emit::OutputFile, seen: &[String]) {
    for p in seen {
        assert!(
            !f.contents.contains(p.as_str()),
            "{what}: holds the placeholder `{p}`"
        );
    }
    if f.path.ends_with(".yaml") && !is_template(out, &f.path) {
        for doc in documents(&f.contents) {
            assert!(doc["kind"] != "Secret", "{what}: applies a Secret object");
        }
    }
}

/// The variables bound to a secret, per service: `(service, var, secret)`.
fn secret_vars(m: &Model) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (svc, s) in &m.services {
        for (var, v) in &s.env {
            if let EnvValue::Secret { secret } = v {
                out.push((svc.clone(), var.clone(), secret.clone()));
            }
        }
    }
    out
}

#[test]
fn kubernetes_reads_secrets_through_secret_key_refs() {
    for e in all_examples() {
        let Some(out) = e.outputs.iter().find(|o| o.target == Target::K8s) else {
            continue;
        };
        for m in e.models.env_or_base() {
            let file = format!("{}.yaml", m.env_name().unwrap_or("base"));
            let docs = documents(&out.files.iter().find(|f| f.path == file).unwrap().contents);
            for (svc, var, secret) in secret_vars(m) {
                let entry = env_entry(&docs, &svc, &var)
                    .unwrap_or_else(|| panic!("{}: {svc} has no env {var}", e.what(out, &file)));
                let name = secret.to_lowercase().replace('_', "-");
                let what = format!("{}: {svc} env {var}", e.what(out, &file));
                assert!(entry.get("value").is_none(), "{what}: has a value");
                assert_eq!(
                    entry["valueFrom"]["secretKeyRef"]["name"],
                    name.as_str(),
                    "{what}"
                );
            }
        }
    }
}

/// The env entry `var` of a container of the workload named `svc`.
fn env_entry(docs: &[Value], svc: &str, var: &str) -> Option<Value> {
    let workload = docs
        .iter()
        .find(|d| d["metadata"]["name"] == svc && d["kind"] != "Service" && has_containers(d))?;
    let mut found = None;
    each_mapping(workload, &mut |m| {
        let Some(env) = m.get("env").and_then(Value::as_sequence) else {
            return;
        };
        if m.get("image").is_some() {
            found = found
                .take()
                .or_else(|| env.iter().find(|x| x["name"] == var).cloned());
        }
    });
    found
}

fn has_containers(doc: &Value) -> bool {
    let mut yes = false;
    each_mapping(doc, &mut |m| yes |= m.contains_key("containers"));
    yes
}

#[test]
fn compose_reads_secrets_as_required_variables() {
    for e in all_examples() {
        let Some(out) = e.outputs.iter().find(|o| o.target == Target::Compose) else {
            continue;
        };
        let file = |p: &str| {
            out.files
                .iter()
                .find(|f| f.path == p)
                .map(|f| documents(&f.contents))
        };
        let base = file("compose.yaml").unwrap().remove(0);
        for m in e.models.env_or_base() {
            let over = m
                .env_name()
                .and_then(|n| file(&format!("compose.{n}.yaml")));
            let over = over.and_then(|mut d| (!d.is_empty()).then(|| d.remove(0)));
            for (svc, var, secret) in secret_vars(m) {
                let docs = [over.as_ref(), Some(&base)];
                let service = |d: &&Value| !d["services"][svc.as_str()].is_null();
                if !docs.iter().flatten().any(service) {
                    continue; // not run by Compose (external): reported as a lowering
                }
                let what = format!("{} compose {svc} env {var}", e.name);
                let v = docs
                    .into_iter()
                    .flatten()
                    .map(|d| &d["services"][svc.as_str()]["environment"][var.as_str()])
                    .find(|v| !v.is_null())
                    .unwrap_or_else(|| panic!("{what}: not set"));
                let v = v.as_str().unwrap_or_else(|| panic!("{what}: {v:?}"));
                let ok = if m.secrets[&secret].file {
                    v == format!("/run/secrets/{secret}")
                } else if m.secrets[&secret].optional {
                    v.starts_with("${") && v.ends_with(":-}")
                } else {
                    v.starts_with("${") && v.contains(":?") && v.ends_with('}')
                };
                assert!(ok, "{what}: `{v}`");
            }
        }
    }
}

// ---------------------------------------------------------------- empty values and dangling keys

/// Every example and every backend's emit fixture, with every supported
/// target's output.
fn all_stacks() -> Vec<Emitted> {
    let mut stacks = stacks::examples();
    stacks.extend(stacks::emit_fixtures());
    stacks.iter().map(Emitted::new).collect()
}

/// Where a rendered string shows an empty interpolation result: an empty
/// port before a path (`http://api:/`), an empty host (`http://:8080`,
/// `://:`), or a host with an empty port at the end (`api:`).
fn empty_interpolation(s: &str) -> Option<&'static str> {
    if s.contains("://:") || s.contains("://\"") {
        return Some("empty host");
    }
    let b = s.as_bytes();
    for (i, w) in b.windows(2).enumerate() {
        let host_before = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-');
        let not_scheme = b.get(i + 2) != Some(&b'/');
        if w == b":/" && host_before && not_scheme {
            return Some("empty port before a path");
        }
    }
    let host_port = |t: &str| {
        t.strip_suffix(':').is_some_and(|h| {
            !h.is_empty()
                && h.contains(|c: char| c.is_ascii_alphabetic())
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
    };
    if host_port(s) || s.split("://").nth(1).is_some_and(host_port) {
        return Some("empty port");
    }
    None
}

/// Install notes and other prose (`README.txt`): sentences, not settings;
/// a heading like `Files:` is no host with an empty port.
fn is_prose(path: &str) -> bool {
    path.ends_with(".txt") || path.ends_with(".md")
}

/// systemd settings whose syntax is `ID:PATH` (`LoadCredential=tls:/etc/…`)
/// and `SOURCE:PATH` mounts (Quadlet `Volume=data.volume:/data`, systemd
/// `BindReadOnlyPaths=/etc/s/files/api/a.json:/etc/api/a.json`): the
/// `:/` is no host with an empty port.
fn is_id_path(line: &str) -> bool {
    [
        "LoadCredential=",
        "LoadCredentialEncrypted=",
        "ImportCredential=",
        "BindReadOnlyPaths=",
        "Volume=",
    ]
    .iter()
    .any(|k| line.starts_with(k))
}

/// Every string scalar (not keys) of a YAML value.
fn each_string<'a>(v: &'a Value, f: &mut dyn FnMut(&'a str)) {
    match v {
        Value::String(s) => f(s),
        Value::Mapping(m) => m.values().for_each(|v| each_string(v, f)),
        Value::Sequence(s) => s.iter().for_each(|v| each_string(v, f)),
        Value::Tagged(t) => each_string(&t.value, f),
        _ => {}
    }
}

/// The class of the silent wrong outputs of issue 10: no emitted file of
/// any example or fixture holds an interpolation that rendered empty.
#[test]
fn no_empty_interpolation_results() {
    for e in all_stacks() {
        for out in &e.outputs {
            for f in &out.files {
                let what = e.what(out, &f.path);
                if mounted_copy(&e.models, out, &f.path).is_some() {
                    // The user's own text, copied as written.
                    continue;
                }
                let yaml = (f.path.ends_with(".yaml") || f.path.ends_with(".yml"))
                    && !is_template(out, &f.path);
                if yaml {
                    for doc in documents(&f.contents) {
                        each_string(&doc, &mut |s| {
                            if let Some(why) = empty_interpolation(s) {
                                panic!("{what}: `{s}`: {why}");
                            }
                        });
                    }
                } else if !is_template(out, &f.path) && !is_prose(&f.path) {
                    for line in f
                        .contents
                        .lines()
                        .filter(|l| !l.starts_with('#') && !is_id_path(l))
                    {
                        let value = line.split_once('=').map_or(line, |(_, v)| v);
                        if let Some(why) = empty_interpolation(value.trim()) {
                            panic!("{what}: `{line}`: {why}");
                        }
                    }
                }
            }
        }
    }
}

/// An env value that is an interpolation of services never renders empty
/// in Kubernetes.
#[test]
fn kubernetes_interpolated_env_values_are_not_empty() {
    for e in all_stacks() {
        let Some(out) = e.outputs.iter().find(|o| o.target == Target::K8s) else {
            continue;
        };
        for m in e.models.env_or_base() {
            let file = format!("{}.yaml", m.env_name().unwrap_or("base"));
            let Some(f) = out.files.iter().find(|f| f.path == file) else {
                continue;
            };
            let docs = documents(&f.contents);
            for (svc, s) in m.services.iter().filter(|(_, s)| s.external.is_none()) {
                for (var, v) in &s.env {
                    if !matches!(v, EnvValue::Interp { .. }) {
                        continue;
                    }
                    let Some(entry) = env_entry(&docs, svc, var) else {
                        continue;
                    };
                    let value = entry["value"].as_str().unwrap_or_default();
                    assert!(
                        !value.is_empty(),
                        "{}: {svc} env {var} is empty",
                        e.what(out, &file)
                    );
                }
            }
        }
    }
}

/// The keys of the Secrets and ConfigMaps of some YAML documents, by name.
fn object_keys(docs: &[Value]) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for d in docs {
        let kind = d["kind"].as_str().unwrap_or_default();
        if kind != "Secret" && kind != "ConfigMap" {
            continue;
        }
        let name = d["metadata"]["name"].as_str().unwrap_or_default();
        let keys = ["data", "stringData"]
            .iter()
            .filter_map(|k| d[*k].as_mapping())
            .flat_map(|m| m.keys().filter_map(Value::as_str).map(str::to_string))
            .collect();
        out.push((kind.to_string(), name.to_string(), keys));
    }
    out
}

/// Every key a workload reads from a Secret or ConfigMap (`secretKeyRef`,
/// `configMapKeyRef`, volume `items`): (kind, name, key, where).
fn keys_read(docs: &[Value]) -> Vec<(&'static str, String, String, &'static str)> {
    let mut out = Vec::new();
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    for d in docs {
        each_mapping(d, &mut |m| {
            let get = |k: &str| m.get(k);
            if let Some(r) = get("secretKeyRef") {
                out.push(("Secret", s(&r["name"]), s(&r["key"]), "secretKeyRef"));
            }
            if let Some(r) = get("configMapKeyRef") {
                out.push(("ConfigMap", s(&r["name"]), s(&r["key"]), "configMapKeyRef"));
            }
            for (field, kind, name) in [
                ("secret", "Secret", "secretName"),
                ("configMap", "ConfigMap", "name"),
            ] {
                let Some(v) = get(field) else { continue };
                for item in v["items"].as_sequence().into_iter().flatten() {
                    out.push((kind, s(&v[name]), s(&item["key"]), "volume items"));
                }
            }
        });
    }
    out
}

/// Every key a Kubernetes workload reads from a Secret or ConfigMap is a
/// key the emitted object (or, for Secrets, its template in
/// `*.secrets.example.yaml`) has: a pod never waits for a missing key.
#[test]
fn kubernetes_keys_read_exist_in_their_secret_or_config_map() {
    for e in all_stacks() {
        let Some(out) = e.outputs.iter().find(|o| o.target == Target::K8s) else {
            continue;
        };
        for f in out.files.iter().filter(|f| !is_example_file(&f.path)) {
            let env = f.path.trim_end_matches(".yaml");
            let template = format!("{env}.secrets.example.yaml");
            let mut docs = documents(&f.contents);
            let applied = docs.len();
            if let Some(t) = out.files.iter().find(|t| t.path == template) {
                docs.extend(documents(&t.contents));
            }
            assert_keys_exist(&e.what(out, &f.path), &docs[..applied], &docs);
        }
    }
}

/// The same for Kustomize: the objects of `base/` and of the overlays
/// (patches aside; the Kustomize tests check that overlays render what the
/// k8s backend writes) against `base/`'s objects and `secrets.example.yaml`.
#[test]
fn kustomize_keys_read_exist_in_their_secret_or_config_map() {
    for e in all_stacks() {
        let Some(out) = e.outputs.iter().find(|o| o.target == Target::Kustomize) else {
            continue;
        };
        let objects_file = |p: &str| {
            p.ends_with(".yaml") && !p.contains("/patches/") && !p.ends_with("kustomization.yaml")
        };
        let mut docs = Vec::new();
        for f in out.files.iter().filter(|f| objects_file(&f.path)) {
            docs.extend(documents(&f.contents));
        }
        assert_keys_exist(&e.what(out, ""), &docs, &docs);
    }
}

/// Every key that an object of `readers` reads names a key of a Secret or
/// ConfigMap among `objects` (emitted or templated).
fn assert_keys_exist(what: &str, readers: &[Value], objects: &[Value]) {
    let objects = object_keys(objects);
    for (kind, name, key, how) in keys_read(readers) {
        let Some((_, _, keys)) = objects.iter().find(|(k, n, _)| k == kind && *n == name) else {
            panic!("{what}: {how} reads {kind} `{name}`, which is neither emitted nor templated");
        };
        assert!(
            keys.contains(&key),
            "{what}: {how} reads key `{key}` of {kind} `{name}`, which has only {keys:?}"
        );
    }
}

/// The same for Compose: an env value built from `${svc…}` interpolations
/// is set and non-empty in the environment's merged view (its override,
/// else `compose.yaml`).
#[test]
fn compose_interpolated_env_values_are_not_empty() {
    for e in all_stacks() {
        let Some(out) = e.outputs.iter().find(|o| o.target == Target::Compose) else {
            continue;
        };
        let file = |p: &str| {
            out.files
                .iter()
                .find(|f| f.path == p)
                .map(|f| documents(&f.contents))
        };
        let Some(mut base) = file("compose.yaml") else {
            continue;
        };
        let base = base.remove(0);
        for m in e.models.env_or_base() {
            let over = m
                .env_name()
                .and_then(|n| file(&format!("compose.{n}.yaml")));
            let over = over.and_then(|mut d| (!d.is_empty()).then(|| d.remove(0)));
            for (svc, s) in m.services.iter().filter(|(_, s)| s.external.is_none()) {
                for (var, v) in &s.env {
                    if !matches!(v, EnvValue::Interp { .. }) {
                        continue;
                    }
                    let value = [over.as_ref(), Some(&base)]
                        .into_iter()
                        .flatten()
                        .map(|d| &d["services"][svc.as_str()]["environment"][var.as_str()])
                        .find(|v| !v.is_null());
                    let Some(value) = value else { continue };
                    let what = format!(
                        "{} compose {} {svc} env {var}",
                        e.name,
                        m.env_name().unwrap_or("base")
                    );
                    assert!(
                        value.as_str().is_some_and(|t| !t.is_empty()),
                        "{what}: `{value:?}`"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------- namespaces and optional secrets

/// `namespace = none` (fixture `helm-optional_no_namespace`): the k8s
/// manifests of an environment without a namespace have no Namespace
/// object and no `metadata.namespace`; one that names a namespace has
/// both; optional secrets are `optional: true` references.
#[test]
fn namespace_none_and_optional_secrets_in_kubernetes() {
    let e = all_stacks()
        .into_iter()
        .find(|e| e.name == "helm-optional_no_namespace")
        .expect("fixture helm/optional_no_namespace");
    let out = e.outputs.iter().find(|o| o.target == Target::K8s).unwrap();
    let docs_of = |p: &str| documents(&out.files.iter().find(|f| f.path == p).unwrap().contents);
    let dev = docs_of("dev.yaml");
    assert!(dev.iter().all(|d| d["kind"] != "Namespace"));
    assert!(dev.iter().all(|d| d["metadata"]["namespace"].is_null()));
    let prod = docs_of("prod.yaml");
    assert!(prod.iter().any(|d| d["kind"] == "Namespace"));
    assert!(prod
        .iter()
        .filter(|d| d["kind"] != "Namespace")
        .all(|d| d["metadata"]["namespace"] == "shop-prod"));
    let optional = |var: &str| {
        env_entry(&dev, "api", var).unwrap()["valueFrom"]["secretKeyRef"]["optional"].clone()
    };
    assert_eq!(optional("SENTRY_DSN"), Value::Bool(true));
    assert!(optional("DATABASE_URL").is_null());
    let deploy = dev
        .iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "api")
        .unwrap();
    let vols = deploy["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .unwrap();
    let ca = vols
        .iter()
        .find(|v| v["secret"]["secretName"] == "extra-ca")
        .unwrap();
    assert_eq!(ca["secret"]["optional"], Value::Bool(true));
}

// ---------------------------------------------------------------- mounted files

/// `file` blocks (fixture `kustomize-files`): each file is a configMap
/// volume item that the ConfigMap has, mounted read-only with subPath at
/// its path; a config value that changes per environment changes the pod
/// template's checksum (so the pods roll); Compose mounts a config with
/// the text inline.
#[test]
fn mounted_files_in_kubernetes_and_compose() {
    let e = all_stacks()
        .into_iter()
        .find(|e| e.name == "kustomize-files")
        .expect("fixture kustomize/files");
    let out = e.outputs.iter().find(|o| o.target == Target::K8s).unwrap();
    let docs_of = |p: &str| documents(&out.files.iter().find(|f| f.path == p).unwrap().contents);
    let checksum = |docs: &[Value]| {
        let d = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
        d["spec"]["template"]["metadata"]["annotations"]["checksum/config"].clone()
    };
    let (dev, prod) = (docs_of("dev.yaml"), docs_of("prod.yaml"));
    assert_ne!(
        checksum(&dev),
        checksum(&prod),
        "a config change rolls the pods"
    );
    let deploy = dev.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let pod = &deploy["spec"]["template"]["spec"];
    let mounts = pod["containers"][0]["volumeMounts"].as_sequence().unwrap();
    let paths: Vec<&str> = mounts
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/etc/nginx/conf.d/default.conf",
            "/etc/rabbitmq/enabled_plugins",
            "/etc/app/default.conf"
        ]
    );
    assert!(mounts
        .iter()
        .all(|m| m["readOnly"] == Value::Bool(true) && m["subPath"].is_string()));
    let own = dev
        .iter()
        .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "web-files")
        .unwrap();
    assert!(own["data"]["default.conf"]
        .as_str()
        .unwrap()
        .contains("listen 8080;"));
    assert_eq!(
        own["data"]["default.conf-2"],
        "same file name, another key\n"
    );
    let compose = e
        .outputs
        .iter()
        .find(|o| o.target == Target::Compose)
        .unwrap();
    let doc = documents(
        &compose
            .files
            .iter()
            .find(|f| f.path == "compose.yaml")
            .unwrap()
            .contents,
    )
    .remove(0);
    let targets: Vec<&str> = doc["services"]["web"]["configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|c| c["target"].as_str())
        .collect();
    assert_eq!(targets.len(), 3);
    assert!(doc["configs"]["web-file-enabled-plugins"]["content"]
        .as_str()
        .unwrap()
        .contains("rabbitmq_management"));
}
