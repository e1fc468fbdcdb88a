//! The Docker Compose backend (`stackc emit --target compose`).
//!
//! Every directory of `fixtures/emit/compose/` is one case: a `stack.stack`
//! whose leading comment says what it covers. For each case:
//!
//! * every emitted file and the lowering report are snapshotted;
//! * every file starts with the generated header, every YAML file parses,
//!   emitting twice gives the same bytes;
//! * merging `compose.yaml` with each `compose.<env>.yaml` under Compose's
//!   merge rules ([`merge`]) gives the environment's complete document, and
//!   the override holds nothing the base already has;
//! * secrets appear only as `${VAR:?…}` references, Compose secret sources
//!   and `.env.example` placeholders;
//! * the real Compose (`docker-compose config`, through
//!   `scripts/validate.sh compose`) accepts base + every override with
//!   `.env.example` copied to `.env`, and `config` of base + override equals
//!   `config` of the environment's complete document. The tool comes from
//!   `$STACKC_VALIDATORS_PREFIX/bin` (default `/opt/stackc-validators`);
//!   without it the test is skipped, unless `CI=true` or
//!   `STACKC_REQUIRE_VALIDATORS=1`, where it fails.
//!
//! Adding a case: write `fixtures/emit/compose/<case>/stack.stack`, run
//! `cargo insta test -p stackc-tests --test compose`, review the new
//! snapshots, `cargo insta accept`.

#[path = "compose/merge.rs"]
mod merge;
#[path = "compose/tool.rs"]
mod tool;

use serde_yaml::Value;
use stackc::diagnostics::render;
use stackc::emit::{self, compose, LoweringKind, Models, Output, Target};
use stackc::source::MemoryLoader;
use stackc::{compile, Compilation, EnvSelection};
use stackc_tests::stacks::{self, workspace};
use std::path::PathBuf;

// ---------------------------------------------------------------- cases

struct Case {
    name: String,
    c: Compilation,
    models: Models,
    out: Output,
}

impl Case {
    /// A fixture, compiled from memory (stable paths in snapshots).
    fn load(name: &str) -> Case {
        let path = fixtures().join(name).join("stack.stack");
        let text = std::fs::read_to_string(&path).unwrap();
        let loader = MemoryLoader::new().with("stack.stack", &text);
        Case::compile(name, compile("stack.stack", &loader, &EnvSelection::All))
    }

    /// An example under `examples/` (with the files it imports).
    fn example(stack: &stacks::StackDir) -> Case {
        Case::compile(&format!("example-{}", stack.name), stack.compile())
    }

    fn compile(name: &str, c: Compilation) -> Case {
        let diags = render::human(&c.program.map, &c.diagnostics);
        assert!(!c.has_errors(), "{name}: {diags}");
        let models = c.models(None).expect("models");
        let out = emit::emit(&models, Target::Compose);
        Case {
            name: name.to_string(),
            c,
            models,
            out,
        }
    }

    fn file(&self, path: &str) -> &str {
        let f = self.out.files.iter().find(|f| f.path == path);
        &f.unwrap_or_else(|| panic!("{}: no {path}", self.name))
            .contents
    }

    fn yaml(&self, path: &str) -> Value {
        serde_yaml::from_str(self.file(path))
            .unwrap_or_else(|e| panic!("{}/{path}: {e}", self.name))
    }

    /// The environments emitted for Compose (those restricted to other
    /// targets have no override file).
    fn env_names(&self) -> Vec<String> {
        self.models
            .envs
            .iter()
            .filter_map(|m| m.environment.as_ref())
            .filter(|e| e.emits(Target::Compose))
            .map(|e| e.name.clone())
            .collect()
    }

    /// The environment's complete document.
    fn env_text(&self, env: &str) -> String {
        let m = self.models.envs.iter().find(|m| m.env_name() == Some(env));
        compose::env_document(&self.models, m.unwrap())
    }

    /// The environment's complete document, parsed.
    fn env_doc(&self, env: &str) -> Value {
        serde_yaml::from_str(&self.env_text(env)).unwrap()
    }

    /// The lowering report as `stackc emit` prints it.
    fn report(&self) -> String {
        stacks::report(&self.c, &self.out)
    }

    fn features(&self, kind: LoweringKind) -> Vec<&str> {
        let list = self.out.lowerings.iter().filter(|l| l.kind == kind);
        list.map(|l| l.feature.as_str()).collect()
    }
}

fn fixtures() -> PathBuf {
    workspace().join("tests/fixtures/emit/compose")
}

fn all_cases() -> Vec<Case> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.iter().map(|n| Case::load(n)).collect()
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshots_of_every_file_and_the_report() {
    for case in all_cases() {
        for f in &case.out.files {
            insta::assert_snapshot!(
                format!("{}__{}", case.name, f.path.trim_start_matches('.')),
                &f.contents
            );
        }
        insta::assert_snapshot!(format!("{}__report", case.name), case.report());
    }
}

#[test]
fn files_have_the_header_parse_and_are_deterministic() {
    for case in all_cases() {
        let again = Case::load(&case.name);
        assert_eq!(
            case.out.files, again.out.files,
            "{}: not deterministic",
            case.name
        );
        let mut names: Vec<&str> = case.out.files.iter().map(|f| f.path.as_str()).collect();
        let mut want = vec!["compose.yaml".to_string(), ".env.example".to_string()];
        want.extend(case.env_names().iter().map(|e| format!("compose.{e}.yaml")));
        want.sort();
        names.sort();
        assert_eq!(names, want, "{}", case.name);
        for f in &case.out.files {
            assert!(
                f.contents.starts_with("# generated by stackc"),
                "{}/{}",
                case.name,
                f.path
            );
            if f.path.ends_with(".yaml") {
                case.yaml(&f.path);
            }
        }
    }
}

// ---------------------------------------------------------------- overrides

#[test]
fn base_merged_with_each_override_is_the_environment() {
    for case in all_cases() {
        for env in case.env_names() {
            let base = case.yaml("compose.yaml");
            let over = case.yaml(&format!("compose.{env}.yaml"));
            let merged = merge::merge(&[], base, over).unwrap();
            assert!(
                !merge::has_tags(&merged),
                "{}/{env}: tags left after merging",
                case.name
            );
            assert_eq!(merged, case.env_doc(&env), "{}/{env}", case.name);
        }
    }
}

#[test]
fn overrides_hold_only_differences() {
    for case in all_cases() {
        let base = case.yaml("compose.yaml");
        for env in case.env_names() {
            let over = case.yaml(&format!("compose.{env}.yaml"));
            no_redundant_entries(&format!("{}/{env}", case.name), &base, &over);
        }
    }
}

/// Every untagged entry of `over` changes something in `base`.
fn no_redundant_entries(at: &str, base: &Value, over: &Value) {
    let Value::Mapping(om) = over else { return };
    assert!(
        !om.is_empty() || at.matches('/').count() == 1,
        "{at}: empty mapping"
    );
    for (k, ov) in om {
        let at = format!("{at}.{}", k.as_str().unwrap());
        let bv = base.get(k);
        match (bv, ov) {
            (_, Value::Tagged(_)) | (None, _) => {}
            (Some(bv), Value::Mapping(_)) => no_redundant_entries(&at, bv, ov),
            (Some(bv), ov) => assert_ne!(bv, ov, "{at}: repeats the base"),
        }
    }
}

// ---------------------------------------------------------------- semantics

#[test]
fn full_lowers_every_feature_exactly() {
    let case = Case::load("full");
    let doc = case.yaml("compose.yaml");
    let api = get(&doc, "services.api");
    let model = &case.models.base.services["api"];
    assert_eq!(doc["name"], "shop");
    assert_eq!(get(&doc, "networks.default.name"), "shop");
    // A local build is tagged with a local name, never the release name.
    assert_eq!(api["image"], "shop/api:2.0.1");
    assert_eq!(
        model.image_ref.as_ref().unwrap().reference,
        "ghcr.io/acme/api:2.0.1"
    );
    assert_eq!(get(api, "build.target"), "runtime");
    assert_eq!(
        api["entrypoint"],
        serde_yaml::to_value(["/usr/local/bin/api"]).unwrap()
    );
    assert_eq!(
        api["command"],
        serde_yaml::to_value(["serve", "--port", "8080"]).unwrap()
    );
    for (dep, cond) in [
        ("db", "service_healthy"),
        ("migrate", "service_completed_successfully"),
        ("cache", "service_started"),
    ] {
        assert_eq!(get(api, &format!("depends_on.{dep}.condition")), cond);
    }
    let health = model.health.as_ref().unwrap();
    assert_eq!(
        get(api, "healthcheck.interval"),
        health.interval.to_string().as_str()
    );
    assert_eq!(
        get(api, "healthcheck.timeout"),
        health.timeout.to_string().as_str()
    );
    assert_eq!(get(api, "healthcheck.start_period"), "1m30s");
    assert_eq!(get(api, "healthcheck.retries"), 5);
    assert_eq!(get(api, "healthcheck.test")[0], "CMD");
    assert_eq!(get(api, "deploy.replicas"), 2);
    assert_eq!(get(api, "deploy.resources.limits.cpus"), "1.5");
    assert_eq!(get(api, "deploy.resources.reservations.memory"), "256m");
    assert_eq!(
        get(&doc, "services.cache.deploy.resources.limits.memory"),
        "100000000"
    );
    assert_eq!(api["user"], "1000:1000");
    assert_eq!(api["read_only"], true);
    assert_eq!(api["security_opt"][0], "no-new-privileges:true");
    assert_eq!(api["restart"], "unless-stopped");
    assert_eq!(get(&doc, "services.migrate.restart"), "on-failure");
    assert_eq!(get(&doc, "services.cache.restart"), "no");
    assert_eq!(api["stop_grace_period"], "45s");
    assert_eq!(
        get(api, "environment.GREETING"),
        "costs $$5, not $${{ nothing }}"
    );
    assert_eq!(
        get(api, "environment.DATABASE_URL"),
        "postgres://app@db:5432/app"
    );
    assert_eq!(get(api, "environment.CURRENCY"), "EUR");
    assert_eq!(get(api, "labels.tier"), "backend");
    assert_eq!(get(api, "ports")[0]["published"], "8080");
    assert_eq!(
        api["expose"],
        serde_yaml::to_value(["9090", "7946/udp"]).unwrap()
    );
    assert_eq!(get(api, "volumes")[0]["tmpfs"]["size"], "128m");
    assert_eq!(get(&doc, "services.db.volumes")[0]["source"], "db-data");
    assert!(get(&doc, "volumes.db-data").is_mapping());
    assert!(
        case.features(LoweringKind::Dropped).is_empty(),
        "{}",
        case.report()
    );
}

#[test]
fn compose_specifics_networks_container_names_and_local_build_names() {
    let case = Case::load("networks");
    let doc = case.yaml("compose.yaml");
    assert_eq!(get(&doc, "services.db.container_name"), "shop-db");
    assert_eq!(
        get(&doc, "services.db.networks.backend.aliases")[0],
        "postgres"
    );
    let proxy = get(&doc, "services.proxy.networks");
    assert!(proxy["frontend"].is_mapping() && proxy["backend"].is_mapping());
    assert!(
        proxy["default"].is_null(),
        "a service naming networks leaves `default`"
    );
    assert!(get(&doc, "services.api.networks.default").is_mapping());
    assert_eq!(get(&doc, "networks.backend.name"), "shop_backend");
    assert_eq!(get(&doc, "networks.frontend.name"), "shop_frontend");
    assert_eq!(get(&doc, "networks.default.name"), "shop");
    // Local builds: a local name with the image's tag, or the one written.
    assert_eq!(get(&doc, "services.api.image"), "shop/api:2.1.0");
    assert_eq!(get(&doc, "services.worker.image"), "shop-worker:local");
    assert_eq!(
        get(&case.yaml("compose.dev.yaml"), "services.api.image"),
        "shop/api:dev"
    );
    // The release name is what every other target runs.
    let api = &case.models.base.services["api"];
    assert_eq!(
        api.image_ref.as_ref().unwrap().reference,
        "ghcr.io/acme/api:2.1.0"
    );
    let prod = case.yaml("compose.prod.yaml");
    assert_eq!(get(&prod, "services.api.deploy.replicas"), 2);
    assert!(get(&prod, "services.db.deploy").is_null());
}

#[test]
fn profiles_name_only_environments_emitted_for_compose() {
    let case = Case::load("compose_only_env");
    let doc = case.yaml("compose.yaml");
    let names = |v: &Value| -> Vec<String> {
        v.as_sequence()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(get(&doc, "services.worker.profiles")), ["staging"]);
    assert_eq!(
        names(get(&doc, "services.canary.profiles")),
        ["stackc.never"]
    );
    assert!(case.out.files.iter().all(|f| f.path != "compose.prod.yaml"));
}

#[test]
fn environments_override_by_compose_merge_rules() {
    let case = Case::load("environments");
    let base = case.yaml("compose.yaml");
    assert_eq!(get(&base, "services.mailpit.profiles")[0], "dev");
    let dev = case.yaml("compose.dev.yaml");
    let added = get(&dev, "services.frontend.volumes");
    assert!(
        added.is_sequence(),
        "hot-reload mounts are appended, not overridden"
    );
    assert_eq!(added[0]["source"], "./frontend/src");
    assert_eq!(get(&dev, "services.backend.environment.LOG_LEVEL"), "debug");
    assert!(matches!(get(&dev, "services.mailpit.profiles"), Value::Tagged(t) if t.tag == "reset"));
    assert_eq!(
        case.yaml("compose.staging.yaml"),
        Value::Mapping(Default::default())
    );
    let prod = case.yaml("compose.prod.yaml");
    assert!(
        matches!(get(&prod, "services.backend.environment.TRACE"), Value::Tagged(t) if t.tag == "reset")
    );
    assert_eq!(get(&prod, "services.backend.deploy.replicas"), 3);
    assert_eq!(get(&prod, "services.backend.environment.LOG_LEVEL"), "warn");
    assert!(
        get(&prod, "services.mailpit").is_null(),
        "prod leaves the dev-only service gated"
    );
}

#[test]
fn restricted_services_become_profiles() {
    let case = Case::load("restricted");
    let base = case.yaml("compose.yaml");
    let profiles =
        |s: &str| serde_yaml::to_value(get(&base, &format!("services.{s}.profiles"))).unwrap();
    assert_eq!(
        profiles("seed"),
        serde_yaml::to_value(["dev", "test"]).unwrap()
    );
    assert_eq!(profiles("adminer"), serde_yaml::to_value(["dev"]).unwrap());
    assert!(get(&base, "services.app.profiles").is_null());
    assert_eq!(
        get(&base, "services.app.depends_on.seed.required").as_bool(),
        Some(false)
    );
    assert!(get(&base, "services.adminer.depends_on.seed.required").is_null());
    for (env, enabled) in [
        ("dev", vec!["seed", "adminer"]),
        ("test", vec!["seed", "smtp"]),
        ("prod", vec![]),
    ] {
        let over = case.yaml(&format!("compose.{env}.yaml"));
        let services = over["services"].as_mapping().cloned().unwrap_or_default();
        let reset: Vec<&str> = services
            .iter()
            .filter(|(_, v)| v.get("profiles").is_some())
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        assert_eq!(reset, enabled, "{env}");
    }
}

#[test]
fn lossy_features_are_reported_never_silent() {
    let case = Case::load("lossy");
    let dropped = case.features(LoweringKind::Dropped);
    for f in [
        "autoscale",
        "disruption",
        "rollout",
        "ingress",
        "node_port",
        "startup",
        "liveness",
        "success_threshold",
        "storage_class",
        "access",
        "security.group",
        "security.non_root",
        "depends_on",
        "host",
        "initial_delay",
    ] {
        assert!(
            dropped.contains(&f),
            "{f} not reported as dropped:\n{}",
            case.report()
        );
    }
    let approximated = case.features(LoweringKind::Approximated);
    for f in ["external", "health", "volume size"] {
        assert!(
            approximated.contains(&f),
            "{f} not reported as approximated:\n{}",
            case.report()
        );
    }
    let doc = case.yaml("compose.yaml");
    assert!(get(&doc, "services.db").is_null() && get(&doc, "services.agent").is_null());
    assert_eq!(
        get(&doc, "services.web.environment.DB_HOST"),
        "db.example.internal"
    );
    assert!(case
        .file("compose.yaml")
        .contains("# Not run by Compose: db (external"));
    assert!(case
        .out
        .notes
        .iter()
        .any(|n| n.contains("namespace `edge-prod`")));
    let prod_only: Vec<_> = case
        .out
        .lowerings
        .iter()
        .filter(|l| !l.envs.is_empty())
        .collect();
    assert_eq!(
        prod_only.len(),
        1,
        "only the prod ingress host differs:\n{}",
        case.report()
    );
}

/// Init containers run as one-shot services before the service, in order;
/// what Compose has no counterpart for is reported.
#[test]
fn init_containers_run_first_and_kubernetes_settings_are_reported() {
    let case = Case::load("workloads");
    let doc = case.yaml("compose.yaml");
    let services: Vec<&str> = doc["services"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        services,
        ["db", "api-init-wait-for-db", "api-init-migrate", "api"]
    );
    let wait = get(&doc, "services.api-init-wait-for-db");
    let migrate = get(&doc, "services.api-init-migrate");
    let api = get(&doc, "services.api");
    let done = "service_completed_successfully";
    assert_eq!(get(api, "depends_on.api-init-migrate.condition"), done);
    assert_eq!(
        get(migrate, "depends_on.api-init-wait-for-db.condition"),
        done
    );
    // Each waits for what the service waits for.
    for s in [wait, migrate] {
        assert_eq!(get(s, "depends_on.db.condition"), "service_healthy");
        assert_eq!(s["restart"], "no");
        assert!(s["ports"].is_null() && s["expose"].is_null() && s["healthcheck"].is_null());
    }
    assert_eq!(wait["image"], "busybox:1.36");
    assert!(wait["build"].is_null() && wait["pull_policy"].is_null());
    assert_eq!(migrate["image"], api["image"]);
    assert_eq!(migrate["build"], api["build"]);
    assert_eq!(migrate["pull_policy"], "always");
    assert_eq!(get(&doc, "services.db.pull_policy"), "missing");
    assert_eq!(get(migrate, "environment.MIGRATE_LOCK"), "1");
    assert_eq!(
        get(migrate, "environment.DATABASE_URL"),
        get(api, "environment.DATABASE_URL")
    );
    assert!(api["environment"]["MIGRATE_LOCK"].is_null());
    // The stateful database keeps its named volume.
    assert_eq!(get(&doc, "services.db.volumes")[0]["source"], "db-data");
    let dropped = case.features(LoweringKind::Dropped);
    for f in [
        "expose",
        "pre_stop",
        "node_selector",
        "toleration",
        "spread",
        "rollout",
    ] {
        assert!(
            dropped.contains(&f),
            "{f} not reported as dropped:\n{}",
            case.report()
        );
    }
    let approximated = case.features(LoweringKind::Approximated);
    assert!(
        approximated.contains(&"volume"),
        "replicas sharing a stateful volume not reported:\n{}",
        case.report()
    );
}

#[test]
fn secrets_are_references_never_values() {
    for case in all_cases() {
        let env_file = case.file(".env.example");
        for line in env_file
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (var, value) = line.split_once('=').unwrap();
            assert_eq!(value, "change-me", "{}: {var}", case.name);
        }
        for (name, s) in &case.models.base.secrets {
            for f in case.out.files.iter().filter(|f| f.path.ends_with(".yaml")) {
                let mentions = |l: &&str| {
                    l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .any(|w| w == s.env_name)
                };
                for line in f.contents.lines().filter(mentions) {
                    let reference = if s.optional {
                        format!("${{{}:-}}", s.env_name)
                    } else {
                        format!("${{{}:?", s.env_name)
                    };
                    let ok = line.contains(&reference)
                        || line.trim() == format!("environment: {}", s.env_name);
                    assert!(
                        ok,
                        "{}/{}: secret {name} used as `{line}`",
                        case.name, f.path
                    );
                }
            }
        }
    }
    let case = Case::load("secrets");
    let doc = case.yaml("compose.yaml");
    assert_eq!(
        get(&doc, "services.app.environment.ADMIN_PASSWORD_FILE"),
        "/run/secrets/admin_password"
    );
    assert_eq!(get(&doc, "secrets.tls_cert.environment"), "TLS_CERT");
    assert_eq!(get(&doc, "services.app.environment.PRICE"), "$$9.99");
    let env_file = case.file(".env.example");
    assert!(env_file.contains("DATABASE_URL=change-me") && env_file.contains("TLS_CERT=change-me"));
    assert!(env_file.contains("not read by any Compose service: deploy_token (DEPLOY_TOKEN)"));
}

// ---------------------------------------------------------------- the real tool

#[test]
fn real_compose_accepts_every_fixture_and_merges_to_each_environment() {
    let Some(tool) = tool::compose_tool() else {
        return;
    };
    for case in all_cases() {
        tool::validate_with_tool(&tool, &case);
    }
}

/// The examples are snapshotted centrally; here they must only satisfy
/// the real Compose and the merge equality.
#[test]
fn real_compose_accepts_every_example() {
    let Some(tool) = tool::compose_tool() else {
        return;
    };
    for stack in stacks::examples() {
        let case = Case::example(&stack);
        tool::validate_with_tool(&tool, &case);
        for env in case.env_names() {
            let merged = merge::merge(
                &[],
                case.yaml("compose.yaml"),
                case.yaml(&format!("compose.{env}.yaml")),
            );
            assert_eq!(merged.unwrap(), case.env_doc(&env), "{}/{env}", case.name);
        }
    }
}
