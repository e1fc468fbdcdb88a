//! The read-set test of the rules on a service's own value.

use super::*;
use crate::cli::loader::DiskLoader;
use crate::diagnostics::Code;
use crate::source::Span;
use std::path::Path;

/// Findings as compared here: code, primary span and message, sorted.
fn compared(diags: Vec<Diagnostic>) -> Vec<(Code, Span, String)> {
    let mut out: Vec<_> = diags
        .into_iter()
        .map(|d| (d.code, d.primary.span, d.message))
        .collect();
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out
}

/// The findings of `rule` on `s`, as compared here.
fn findings(
    p: &Program,
    rule: services::OwnRule,
    name: &str,
    s: &Val,
) -> Vec<(Code, Span, String)> {
    let mut diags = Vec::new();
    rule(p, name, s, &mut diags);
    compared(diags)
}

/// The stacks of the examples and the diagnostics fixtures.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut roots: Vec<String> = Vec::new();
    for dir in ["examples", "tests/fixtures/diagnostics"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("a corpus directory")
            .filter_map(|e| Some(e.ok()?.path()))
            .collect();
        entries.sort();
        for p in entries {
            let file = if p.is_dir() { p.join("stack.stack") } else { p };
            if file.extension().is_some_and(|e| e == "stack") && file.is_file() {
                roots.push(file.to_string_lossy().into_owned());
            }
        }
    }
    assert!(roots.len() > 100, "found only {} stacks", roots.len());
    roots
}

/// Every world (the base's, then each environment's) of the stack at
/// `path`, evaluated for a model (strings resolved).
fn worlds(path: &str) -> (crate::Compilation, Vec<Arc<crate::eval::Evaluated>>) {
    let keep = crate::Keep {
        worlds: true,
        syntax: false,
    };
    let c = crate::compile_with(path, &DiskLoader, &crate::EnvSelection::All, keep);
    let envs = std::iter::once(None).chain(c.environment_names().into_iter().map(Some));
    let all = envs.map(|env| c.world(env.as_deref())).collect();
    (c, all)
}

/// A rule on a service's own value is skipped in an environment when
/// the fields it lists are unchanged ([`Change::leaves`]), so it must
/// read no other field: each of `services::OWN_RULES`, and
/// `ports::own_ports` with `ports::OWN_PORTS_READ`. Checked on every
/// service of every world of the examples and the diagnostics fixtures:
/// taking away any field a rule does not list leaves its findings as
/// they are. A rule changed to read a new field fails here until the
/// field is listed (if some stack of the corpus sets that field).
#[test]
fn own_rules_read_only_the_fields_they_list() {
    let mut checked = 0;
    for path in &corpus() {
        let (c, worlds) = worlds(path);
        for w in worlds {
            for (name, s) in &w.services {
                let Some(m) = s.as_map() else { continue };
                let own_ports: services::OwnRule = ports::own_ports;
                let rules = services::OWN_RULES
                    .into_iter()
                    .chain([(&ports::OWN_PORTS_READ[..], own_ports)]);
                for (fields, rule) in rules {
                    let all = findings(&c.program, rule, name, s);
                    // (An entry that did not parse may stand for any
                    // field: `Change::of` never skips with one.)
                    let unlisted = m
                        .keys()
                        .filter(|k| !fields.contains(&&***k) && &***k != Val::UNREAD);
                    for key in unlisted {
                        let mut without = (**s).clone();
                        without.as_map_mut().map(|m| m.shift_remove(key));
                        let rest = findings(&c.program, rule, name, &without);
                        assert_eq!(
                            all, rest,
                            "{path}: a rule listing {fields:?} reads `{key}` (service `{name}`)"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} cases");
}

/// All the rules' findings on `w`, as compared here.
fn all_findings(p: &Program, w: &crate::eval::Evaluated) -> Vec<(Code, Span, String)> {
    let mut diags = Vec::new();
    run(p, w, None, &mut diags);
    compared(diags)
}

/// A `check` leaves the environment variables of the services an
/// environment shares with the base unresolved
/// ([`crate::eval::Evaluator::for_rules`]), so no rule may read the text
/// of an environment variable. Checked on every world of the examples and
/// the diagnostics fixtures: with every environment variable's value
/// replaced by other text (the addresses in them, which the rules read
/// from the list made before resolving, stay), the rules find the same.
#[test]
fn rules_read_no_environment_variable_text() {
    let mut checked = 0;
    for path in &corpus() {
        let (c, worlds) = worlds(path);
        for w in worlds {
            let all = all_findings(&c.program, &w);
            let mut other = (*w).clone();
            let mut changed = false;
            for s in other.services.values_mut() {
                let Some(vars) = Arc::make_mut(s)
                    .as_map_mut()
                    .and_then(|m| m.get_mut("env"))
                    .and_then(Val::as_map_mut)
                else {
                    continue;
                };
                for v in vars.values_mut() {
                    v.kind = ValKind::Str("some other text".into());
                    changed = true;
                }
            }
            if changed {
                assert_eq!(
                    all,
                    all_findings(&c.program, &other),
                    "{path}: a rule reads the text of an environment variable"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} worlds with environment variables"
    );
}

/// A `check` (no world kept: worlds for the rules alone) reports exactly
/// what a build that keeps its worlds for the models reports, on every
/// stack of the corpus.
#[test]
fn a_check_reports_what_a_build_reports() {
    for path in &corpus() {
        let report = |worlds: bool| {
            let keep = crate::Keep {
                worlds,
                syntax: false,
            };
            let c = crate::compile_with(path, &DiskLoader, &crate::EnvSelection::All, keep);
            c.diagnostics
                .iter()
                .map(|d| format!("{:?} {:?} {}", d.code, d.primary.span, d.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(report(false), report(true), "{path}");
    }
}

/// An environment that changes a service's replicas leaves its ports and
/// volumes (here merged from a template and the service) as the base has
/// them: the environment starts from the base's merge, the defaults are
/// filled once, the maps shared. The rules on ports and volumes are then
/// not run again there.
#[test]
fn an_environment_shares_the_ports_and_volumes_it_leaves_alone() {
    let text = r#"
stack s {
    targets = [compose, k8s]
}
template web {
    restart = always
    port metrics {
        container = 9100
    }
}
service api : web {
    image = "acme/api:1"
    port http {
        container = 8080
    }
    volume data {
        size = 1Gi
        mount = "/data"
    }
}
environment prod {
    service api {
        replicas = 3
    }
}
"#;
    let loader = crate::source::MemoryLoader::new().with("s.stack", text);
    let keep = crate::Keep {
        worlds: true,
        syntax: false,
    };
    let c = crate::compile_with("s.stack", &loader, &crate::EnvSelection::All, keep);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let (base, prod) = (c.world(None), c.world(Some("prod")));
    let (b, p) = (&base.services["api"], &prod.services["api"]);
    assert!(!Arc::ptr_eq(b, p), "prod changes the service");
    let Change::Fields(changed) = Change::of(p, Some(b)) else {
        panic!("the fields prod changes can be told");
    };
    assert_eq!(changed, vec!["replicas"]);
    // The service's own port first, as when each world merged anew.
    let ports = p.get("port").and_then(Val::as_map).expect("ports");
    assert_eq!(
        ports.keys().map(|k| &**k).collect::<Vec<_>>(),
        ["http", "metrics"]
    );
}

/// The findings of one rule across services on `w`, as compared here.
type AcrossRule = fn(&Program, &crate::eval::Evaluated, &mut Vec<Diagnostic>);

fn across_findings(
    p: &Program,
    rule: AcrossRule,
    w: &crate::eval::Evaluated,
) -> Vec<(Code, Span, String)> {
    let mut diags = Vec::new();
    rule(p, w, &mut diags);
    compared(diags)
}

/// Every field some service of `w` sets.
fn fields_set(w: &crate::eval::Evaluated) -> indexmap::IndexSet<&str> {
    let maps = w.services.values().filter_map(|s| s.as_map());
    let keys = maps.flat_map(|m| m.keys().map(|k| &**k));
    keys.filter(|k| *k != Val::UNREAD).collect()
}

/// `w` with field `key` taken from every service.
fn without_everywhere(w: &crate::eval::Evaluated, key: &str) -> crate::eval::Evaluated {
    let mut without = w.clone();
    for s in without.services.values_mut() {
        Arc::make_mut(s).as_map_mut().map(|m| m.shift_remove(key));
    }
    without
}

/// A rule across services is skipped in an environment that runs the
/// base's services and changes none of the fields it lists
/// ([`Across::leaves`]), so it must read no other field of any service.
/// Checked on every world of the examples and the diagnostics fixtures:
/// taking a field it does not list away from every service leaves its
/// findings as they are.
#[test]
fn rules_across_services_read_only_the_fields_they_list() {
    let interpolated: AcrossRule = |p, w, d| {
        for strings in &w.strings {
            ports::interpolated_ports(p, strings.addresses(), w, d);
        }
    };
    let rules: [(&[&str], AcrossRule); 5] = [
        (&services::DEPENDS_ON_READ, services::depends_on),
        (&services::CONTAINER_NAMES_READ, |_, w, d| {
            services::container_names(w, d)
        }),
        (&names::READ, names::collisions),
        (&ports::PORTS_READ, |_, w, d| ports::published(w, d)),
        (&ports::PORTS_READ, interpolated),
    ];
    let mut checked = 0;
    for path in &corpus() {
        let (c, worlds) = worlds(path);
        for w in worlds {
            let keys = fields_set(&w);
            for (fields, rule) in rules {
                let all = across_findings(&c.program, rule, &w);
                for key in keys.iter().filter(|k| !fields.contains(k)) {
                    let without = without_everywhere(&w, key);
                    assert_eq!(
                        all,
                        across_findings(&c.program, rule, &without),
                        "{path}: a rule across services listing {fields:?} reads `{key}`"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 3_000, "only {checked} cases");
}

/// What the rules skip in an environment they found in the base: on every
/// stack of the corpus, the findings of each environment checked against
/// the base, with the base's, are those of the environment checked whole.
#[test]
fn skipping_what_the_base_checked_loses_no_finding() {
    let set = |p: &Program, w: &crate::eval::Evaluated, base: Option<&crate::eval::Evaluated>| {
        let mut diags = Vec::new();
        run(p, w, base, &mut diags);
        diags
            .into_iter()
            .map(|d| format!("{:?} {:?} {}", d.code, d.primary.span, d.message))
            .collect::<std::collections::BTreeSet<_>>()
    };
    let mut checked = 0;
    for path in &corpus() {
        let (c, worlds) = worlds(path);
        let Some((base, envs)) = worlds.split_first() else {
            continue;
        };
        let in_base = set(&c.program, base, None);
        for w in envs {
            let skipped: Vec<_> = set(&c.program, w, Some(base))
                .union(&in_base)
                .cloned()
                .collect();
            let whole: Vec<_> = set(&c.program, w, None).union(&in_base).cloned().collect();
            assert_eq!(skipped, whole, "{path}: environment {:?}", w.env);
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} environments");
}

/// The codes `stackc check` reports on the stack `text`, and the
/// diagnostics (for a failing assertion to show).
fn checked(text: &str) -> (Vec<Code>, Vec<Diagnostic>) {
    let loader = crate::source::MemoryLoader::new().with("s.stack", text);
    let c = crate::compile("s.stack", &loader, &crate::EnvSelection::All);
    (
        c.diagnostics.iter().map(|d| d.code).collect(),
        c.diagnostics,
    )
}

/// An environment that changes ports, dependencies, health checks and
/// volumes of the base's services is checked for what those changes
/// break, though each service is the base's and in its place.
#[test]
fn an_environment_that_changes_what_rules_across_services_read_is_checked() {
    let text = r#"
stack s {
    targets = [compose, k8s]
}
service api {
    image = "acme/api:1"
    port http {
        container = 8080
        host = 8080
    }
    health {
        http = "/healthz"
        port = main
    }
    port main {
        container = 9000
    }
}
service web {
    image = "acme/web:1"
    port http {
        container = 80
        host = 8081
    }
    depends_on {
        api = healthy
    }
    env {
        API = "http://${api.host}:${api.port.http}"
    }
}
environment staging {
    service api {
        replicas = 2
    }
}
environment prod {
    service api {
        port = { http = null }
        port main {
            host = 8081
        }
        depends_on {
            web = started
        }
    }
}
"#;
    let (codes, diags) = checked(text);
    // In prod only (staging changes what none of these rules reads): `web`
    // names a port `api` no longer has, both publish host port 8081, and
    // the two wait for each other.
    for code in [Code::E0306, Code::E0302, Code::E0300] {
        assert!(codes.contains(&code), "{code:?} missing: {diags:#?}");
    }
}

/// A rule on one service that reads the world too.
type WorldRule = fn(
    &Program,
    &crate::eval::Evaluated,
    &str,
    &Val,
    &[crate::eval::Address],
    &mut Vec<Diagnostic>,
);

/// The rules on one service that read other services are skipped in an
/// environment where neither the fields they list of the service nor
/// those they list of the other services changed, so they must read no
/// other field of either. Checked on every service of every world of the
/// examples and the diagnostics fixtures: a field a rule does not list,
/// taken away from the service (or from every other service), leaves its
/// findings as they are.
#[test]
fn rules_on_a_service_that_read_the_world_read_only_the_fields_they_list() {
    use services::{COMMANDS_READ, CONTAINER_NAME_READ, ENV_FROM_READ, INITS_READ, NETWORKS_READ};
    let rules: [(&[&str], &[&str], WorldRule); 5] = [
        (&INITS_READ, &[], |p, w, n, s, _, d| {
            services::inits(p, w, n, s, d)
        }),
        (&COMMANDS_READ.0, &COMMANDS_READ.1, |p, w, _, s, _, d| {
            services::addresses_in_commands(p, w, s, d)
        }),
        (&CONTAINER_NAME_READ, &[], |_, _, n, s, _, d| {
            services::container_name(n, s, d)
        }),
        (&ENV_FROM_READ, &[], |p, w, _, s, _, d| {
            services::env_from_keys(p, w, s, d)
        }),
        (&NETWORKS_READ.0, &NETWORKS_READ.1, |_, w, n, s, a, d| {
            services::unreachable_addresses(w, n, s, a, d)
        }),
    ];
    let run = |p: &Program, rule: WorldRule, w: &crate::eval::Evaluated, i: usize, s: &Val| {
        let (name, _) = w.services.get_index(i).expect("a service");
        let mut diags = Vec::new();
        rule(p, w, name, s, w.strings[i].addresses(), &mut diags);
        compared(diags)
    };
    let mut checked = 0;
    for path in &corpus() {
        let (c, worlds) = worlds(path);
        for w in worlds {
            let keys = fields_set(&w);
            for (own, others, rule) in rules {
                // The other services without a field: all of them, as the
                // rule on a service skips itself among the others.
                for key in keys.iter().filter(|k| !others.contains(k)) {
                    let without = without_everywhere(&w, key);
                    for (i, s) in w.services.values().enumerate() {
                        assert_eq!(
                            run(&c.program, rule, &w, i, s),
                            run(&c.program, rule, &without, i, s),
                            "{path}: a rule listing {others:?} of other services reads `{key}`"
                        );
                        checked += 1;
                    }
                }
                // The service itself without a field.
                for (i, s) in w.services.values().enumerate() {
                    let Some(m) = s.as_map() else { continue };
                    for key in m
                        .keys()
                        .filter(|k| !own.contains(&&***k) && &***k != Val::UNREAD)
                    {
                        let mut without = (**s).clone();
                        without.as_map_mut().map(|m| m.shift_remove(key));
                        assert_eq!(
                            run(&c.program, rule, &w, i, s),
                            run(&c.program, rule, &w, i, &without),
                            "{path}: a rule listing {own:?} of its service reads `{key}`"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} cases");
}

/// The rules on a service that read the world run again in an environment
/// that is written for another target or changes a config, though the
/// service is the base's: here `local` alone emits Compose (where `api`
/// cannot reach `db`) and gives the config `api` exports a file key.
#[test]
fn an_environment_with_other_targets_or_configs_is_checked_again() {
    let text = r#"
stack shop {
    namespace = "shop"
    targets = [k8s]
}
config web {
    LOG_LEVEL = "info"
}
service db {
    image = "postgres:16.4"
    port pg {
        container = 5432
    }
    network backend {}
}
service api {
    image = "ghcr.io/acme/api:1.4.2"
    env {
        DATABASE_URL = "postgres://${db.host}:${db.port.pg}/shop"
    }
    env_from = [config.web]
}
environment local {
    targets = [compose]
    config web {
        "default.conf" = "server { listen 8080; }"
    }
}
"#;
    let (codes, diags) = checked(text);
    assert_eq!(codes, [Code::E0353, Code::E0342], "{diags:#?}");
}
