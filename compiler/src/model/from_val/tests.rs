//! Each model enum reads exactly the keywords the stdlib declares, and they
//! are the names it prints as.

use super::{interp, Keyword};
use crate::check::schema::Schema;
use crate::model::*;
use crate::source::MemoryLoader;
use serde::Serialize;

fn schema() -> &'static Schema {
    &crate::prelude::get().schema
}

fn check<T: Keyword + Serialize>(s: &Schema, name: &str) {
    let declared: Vec<&str> = s
        .enums
        .iter()
        .find(|e| e.name == name)
        .map(|e| e.variants.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let read: Vec<&str> = T::NAMES.iter().map(|(n, _)| *n).collect();
    assert_eq!(read, declared, "keywords of {name}");
    for (n, k) in T::NAMES {
        assert_eq!(serde_json::to_value(k).ok(), Some((*n).into()), "{name}");
    }
}

#[test]
fn keywords_are_the_stdlib_ones_and_the_serialised_names() {
    let s: &Schema = schema();
    check::<Target>(s, "Target");
    check::<Tier>(s, "Tier");
    check::<SecretKind>(s, "SecretKind");
    check::<Protocol>(s, "Protocol");
    check::<AccessMode>(s, "AccessMode");
    check::<Restart>(s, "Restart");
    check::<RolloutStrategy>(s, "RolloutStrategy");
    check::<PullPolicy>(s, "PullPolicy");
    check::<Expose>(s, "Expose");
    check::<Workload>(s, "Workload");
    check::<PodManagement>(s, "PodManagement");
    check::<TaintEffect>(s, "TaintEffect");
    check::<SpreadDomain>(s, "SpreadDomain");
    check::<Unsatisfiable>(s, "Unsatisfiable");
    check::<Condition>(s, "Condition");
    check::<Hardening>(s, "Hardening");
    check::<Permission>(s, "Permission");
    check::<NodeCache>(s, "NodeCache");
    check::<TagScheme>(s, "TagScheme");
    check::<Severity>(s, "Severity");
    check::<DeployVia>(s, "DeployVia");
    check::<NotifyWhen>(s, "NotifyWhen");
}

/// A value the model cannot hold is E0900 at the value, not a panic.
#[test]
fn a_misfit_is_an_internal_error_diagnostic() {
    let text = "stack s {}\nservice api { image = \"x:1\" replicas = 2 }\n";
    let loader = MemoryLoader::new().with("main.stack", text);
    let c = crate::compile("main.stack", &loader, &crate::EnvSelection::All);
    let mut world = (*c.world(None)).clone();
    let mut api = (*world.services["api"]).clone();
    let replicas = api.as_map_mut().and_then(|m| m.get_mut("replicas"));
    let span = replicas.as_ref().map(|r| r.span).unwrap_or_default();
    if let Some(r) = replicas {
        r.kind = crate::value::ValKind::Int(-2);
    }
    world.services["api"] = std::sync::Arc::new(api);
    let inputs = Inputs {
        world: &world,
        environments: &[],
        cache: &ServiceCache::default(),
        shared: None,
        services: true,
        files: &Default::default(),
    };
    let d = build(&inputs).expect_err("a negative replica count does not fit");
    assert_eq!(d.code, crate::diagnostics::Code::E0900);
    assert_eq!(d.span(), span);
    assert!(d.primary.message.contains("u32"), "{}", d.primary.message);
}

/// Outside `env`, `${svc.host}`/`${svc.port.NAME}` render as the k8s
/// backend renders env values: an external service at its `external` host
/// and port (they once rendered as `db:5432` there).
#[test]
fn interpolations_outside_env_reach_external_services_there() {
    let text = r#"stack s { targets = [k8s] }
secret db_url { kind = url }
service db {
  external { host = "db.example.com" port = 5433 url = secret.db_url }
  port main { container = 5432 }
}
service api {
  image = "acme/api:1.0"
  args = ["--db=${db.host}:${db.port.main}"]
  env { DB = "${db.host}:${db.port.main}" }
}
"#;
    let loader = MemoryLoader::new().with("main.stack", text);
    let c = crate::compile("main.stack", &loader, &crate::EnvSelection::All);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let m = c.model(None).expect("the model builds");
    let api = &m.services["api"];
    assert_eq!(api.args, Some(vec!["--db=db.example.com:5433".to_string()]));
    let EnvValue::Interp { interp } = &api.env["DB"] else {
        panic!("DB is an interpolation");
    };
    assert_eq!(interp::k8s(&m.services, interp), "db.example.com:5433");
}
