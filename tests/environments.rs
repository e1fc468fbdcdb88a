//! Environment-wide service defaults (`services { … }` and
//! `services NAME… { … }` in an environment): where they apply, their
//! precedence under `service NAME { … }`, their checks, and that they reach
//! `eval`, the emitted files and hover.

use stackc::analysis;
use stackc::diagnostics::Code;
use stackc::model::Model;
use stackc::source::MemoryLoader;
use stackc::{compile, Compilation, EnvSelection};

const STACK: &str = r#"
stack shop { namespace = "shop" registry = "ghcr.io/acme" version = "1.0.0" targets = [compose, k8s] }

service api {
  build { context = "./api" }
  port http { container = 8080 }
  resources { cpu = 100m..200m memory = 128Mi..256Mi }
}

service web {
  image = "ghcr.io/acme/web:1.0.0"
  port http { container = 3000 }
}

service worker {
  image = "ghcr.io/acme/worker:1.0.0"
}

service mailhog {
  image = "mailhog/mailhog:v1.0.1"
  environments = [dev]
}

environment dev {}

environment prod {
  // The per-service block is written first and still wins.
  service worker { replicas = 1 }
  services {
    replicas = 3
    resources.memory = 512Mi..1Gi
    labels { tier = "prod" }
  }
  services api web {
    disruption { min_available = 2 }
  }
}
"#;

fn compiled(source: &str) -> Compilation {
    let loader = MemoryLoader::new().with("shop/stack.stack", source);
    compile("shop/stack.stack", &loader, &EnvSelection::All)
}

fn model(c: &Compilation, env: Option<&str>) -> Model {
    c.model(env).expect("model")
}

fn codes(c: &Compilation) -> Vec<(Code, String)> {
    c.diagnostics
        .iter()
        .map(|d| (d.code, d.message.clone()))
        .collect()
}

#[test]
fn defaults_apply_to_every_running_service_and_overrides_win() {
    let c = compiled(STACK);
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
    let prod = model(&c, Some("prod"));
    assert_eq!(prod.services["api"].replicas, 3);
    assert_eq!(prod.services["web"].replicas, 3);
    assert_eq!(
        prod.services["worker"].replicas, 1,
        "`service worker` beats `services`"
    );
    assert!(!prod.services.contains_key("mailhog"));
    // Deep merge: the memory range is replaced, the CPU range kept.
    let r = prod.services["api"].resources.as_ref().unwrap();
    assert_eq!(r.memory.as_ref().unwrap().limit.0, 1 << 30);
    assert!(r.cpu.is_some());
    assert_eq!(prod.services["worker"].labels["tier"], "prod");
    // The named block reaches only the services it names.
    assert!(prod.services["api"].disruption.is_some());
    assert!(prod.services["web"].disruption.is_some());
    assert!(prod.services["worker"].disruption.is_none());
    // The base and other environments are untouched.
    for env in [None, Some("dev")] {
        let m = model(&c, env);
        assert!(m.services.values().all(|s| s.replicas == 1), "{env:?}");
        assert!(
            m.services.values().all(|s| s.disruption.is_none()),
            "{env:?}"
        );
    }
}

#[test]
fn defaults_reach_eval_and_every_target() {
    let c = compiled(STACK);
    let models = c.models(None).expect("models");
    let k8s = stackc::emit::emit(&models, stackc::emit::Target::K8s);
    let prod = k8s.files.iter().find(|f| f.path == "prod.yaml").unwrap();
    assert_eq!(
        prod.contents.matches("replicas: 3").count(),
        2,
        "{}",
        prod.contents
    );
    assert_eq!(
        prod.contents.matches("kind: PodDisruptionBudget").count(),
        2
    );
    let compose = stackc::emit::emit(&models, stackc::emit::Target::Compose);
    let over = compose
        .files
        .iter()
        .find(|f| f.path == "compose.prod.yaml")
        .unwrap();
    assert_eq!(
        over.contents.matches("replicas: 3").count(),
        2,
        "{}",
        over.contents
    );
    assert!(!over.contents.contains("mailhog"), "{}", over.contents);
    let json = serde_json::to_value(model(&c, Some("prod"))).unwrap();
    assert_eq!(json["services"]["web"]["replicas"], 3);
}

/// The block is checked like a `service NAME { … }` overlay.
#[test]
fn defaults_are_checked_like_overlays() {
    let cases: &[(&str, Code)] = &[
        ("services { replica = 3 }", Code::E0200),
        ("services { replicas = \"three\" }", Code::E0201),
        ("services { replicas = 5000 }", Code::E0203),
        ("services { port admin { host = 9000 } }", Code::E0500),
        ("services api nginx { replicas = 2 }", Code::E0500),
        ("services mailhog { replicas = 2 }", Code::E0502),
        ("services api api { replicas = 2 }", Code::E0350),
        ("services { autoscale { max = 4 cpu = 70% } }", Code::E0312),
        (
            "services api { replicas = 2 autoscale { max = 4 cpu = 70% } }",
            Code::E0309,
        ),
        ("services { resources.memory = 2Gi..1Gi }", Code::E0303),
        ("services { ingress.tls = true }", Code::E0204),
    ];
    for (block, want) in cases {
        let source = STACK.replace(
            "environment dev {}",
            &format!("environment dev {{}}\nenvironment qa {{\n  {block}\n}}"),
        );
        let c = compiled(&source);
        let got = codes(&c);
        assert!(
            got.iter().any(|(code, _)| code == want),
            "{block}: want {want:?}, got {got:?}"
        );
        for d in &c.diagnostics {
            assert!(
                !c.program.map.is_stdlib(d.primary.span.file),
                "{block}: {d:?}"
            );
        }
    }
}

#[test]
fn hover_inside_a_services_block_shows_the_service_field() {
    let c = compiled(STACK);
    let (file, _) = c
        .program
        .map
        .files()
        .find(|(_, f)| f.name.ends_with("shop/stack.stack"))
        .unwrap();
    let text = c.program.map.text(file);
    let offset = text.find("replicas = 3").unwrap() + 2;
    let h = analysis::hover(&c, file, offset).expect("hover");
    assert!(h.markdown.starts_with("**`replicas`**"), "{}", h.markdown);
    assert!(h.markdown.contains("Number of instances"), "{}", h.markdown);
}

/// The Compose-only checks (E0351 fixed name with replicas, E0353 address
/// on no shared network) run only where Compose (or, for names, Quadlet) is
/// emitted: a Kubernetes-only environment may scale a named service.
#[test]
fn compose_checks_run_only_where_compose_is_emitted() {
    let source = r#"
stack shop { namespace = "shop" targets = [compose, k8s] }
service db {
  image = "postgres:16.4"
  container_name = "shop-db"
  port pg { container = 5432 }
  network backend {}
}
service api {
  image = "ghcr.io/acme/api:1.4.2"
  env { DB = "${db.host}" }
  network backend {}
}
environment dev { targets = [compose] }
environment prod {
  targets = [k8s]
  service db { replicas = 2 }
  service api { network = null }
}
"#;
    let c = compiled(source);
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
    let c = compiled(&source.replace("targets = [k8s]", "targets = [k8s, compose]"));
    let got: Vec<Code> = codes(&c).into_iter().map(|(code, _)| code).collect();
    assert!(
        got.contains(&Code::E0351) && got.contains(&Code::E0353),
        "{got:?}"
    );
}

/// An environment that writes Compose where the base does not checks the
/// services it shares with the base unchanged too: `web` keeps the base's
/// two replicas and fixed name in dev (E0351 there, where Compose would
/// refuse to start it), and prod scales it to three (E0351 again, in its
/// own words). Likewise `${svc.host}` in a command (E0337) is reported
/// where the environment makes the service it names internal.
#[test]
fn rules_that_read_the_world_run_on_services_an_environment_shares() {
    let source = r#"
stack shop { namespace = "shop" targets = [k8s] }
service web {
  image = "nginx:1.27"
  container_name = "web"
  replicas = 2
  port http { container = 80 }
}
service cache {
  external { host = "cache.internal" port = 6379 }
}
service worker {
  image = "ghcr.io/acme/worker:1.0.0"
  command = ["run", "--cache=${cache.host}"]
}
environment dev { targets = [compose] }
environment prod {
  targets = [compose]
  service web { replicas = 3 }
  service cache {
    external = null
    image = "redis:7.4"
    port redis { container = 6379 }
  }
}
"#;
    let c = compiled(source);
    let got = codes(&c);
    let named: Vec<&String> = got
        .iter()
        .filter(|(code, _)| *code == Code::E0351)
        .map(|(_, m)| m)
        .collect();
    assert_eq!(
        named,
        [
            "service `web` has a fixed `container_name` but runs 2 replicas",
            "service `web` has a fixed `container_name` but runs 3 replicas",
        ],
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(code, m)| *code == Code::E0337 && m.contains("`command`")),
        "{got:?}"
    );
}

/// A large stack is read, checked and evaluated on parallel threads (the
/// file in pieces, the services' own values and the base's services in
/// chunks, the environments side by side with the base's rules, the
/// per-service rules in chunks): what is found must not depend on how many
/// threads there are.
#[test]
fn findings_do_not_depend_on_the_number_of_threads() {
    let mut src = String::from(
        "stack big { namespace = \"big\" version = \"1.0.0\" targets = [compose, k8s] }\n\
         secret token {}\n\
         secret unused {}\n\
         secret in-overlays {}\n\
         environment staging {\n  services { replicas = 3 }\n}\n\
         environment prod {\n  services { replicas = 2 }\n}\n\
         service only-prod {\n  image = \"ghcr.io/acme/p:1\"\n  port http { container = 80 }\n  environments = [prod]\n}\n",
    );
    let n = 4 * stackc::par::MIN_CHUNK + 3;
    for i in 0..n {
        src.push_str(&format!(
            "service s{i} {{\n  image = \"ghcr.io/acme/s{i}:1.0.{i}\"\n  port http {{ container = 8080 }}\n"
        ));
        // Every seventh service: a probe on an undeclared port (E0301) and
        // a fixed container name that prod scales (E0351).
        if i % 7 == 0 {
            src.push_str("  health { http = \"/h\" port = admin }\n  container_name = \"c");
            src.push_str(&format!("{i}\"\n"));
        }
        // Every eleventh: a misspelt field (checking) and the secret.
        if i % 11 == 0 {
            src.push_str("  replica = 2\n  env { TOKEN = secret.token }\n");
        }
        // Every thirteenth: the address of a service only prod runs
        // (E0313, once for dev and staging together).
        if i % 13 == 0 {
            src.push_str("  env { UP = \"http://${only-prod.host}/\" }\n");
        }
        // Every seventeenth: a port without its required container port
        // (E0204, found evaluating the base's services in chunks).
        if i % 17 == 0 {
            src.push_str("  port extra { service = 81 }\n");
        }
        src.push_str("}\n");
    }
    // An overlay of every service in dev (whose rules run in chunks): every
    // nineteenth misspells a field, every twenty-third reads a secret only
    // overlays read, and one names a service that does not exist (E0500).
    src.push_str("environment dev {\n  service ghost { replicas = 1 }\n");
    for i in 0..n {
        src.push_str(&format!("  service s{i} {{\n    replicas = 1\n"));
        if i % 19 == 0 {
            src.push_str("    replicaz = 1\n");
        }
        if i % 23 == 0 {
            src.push_str("    env { KEY = secret.in-overlays }\n");
        }
        src.push_str("  }\n");
    }
    src.push_str("}\n");
    // Large enough to be read in two pieces.
    while src.len() < (1 << 20) + 1000 {
        src.push_str("\n// padding padding padding padding padding padding padding padding\n");
    }
    let findings = |threads: usize| {
        stackc::par::set_threads(threads);
        let c = compiled(&src);
        let found: Vec<(Code, stackc::source::Span, String, Option<String>)> = c
            .diagnostics
            .iter()
            .map(|d| (d.code, d.primary.span, d.message.clone(), d.help.clone()))
            .collect();
        found
    };
    let one = findings(1);
    let four = findings(4);
    stackc::par::set_threads(0);
    let count = |code| one.iter().filter(|d| d.0 == code).count();
    assert_eq!(count(Code::E0301), n.div_ceil(7), "{one:?}");
    // In staging and in prod, which scale the services.
    assert_eq!(count(Code::E0351), 2 * n.div_ceil(7), "{one:?}");
    assert_eq!(
        count(Code::E0200),
        n.div_ceil(11) + n.div_ceil(19),
        "{one:?}"
    );
    assert_eq!(count(Code::E0500), 1, "{one:?}");
    assert_eq!(count(Code::E0313), n.div_ceil(13), "{one:?}");
    // Each names both environments that lack the address (in the order
    // declared), though a thread each may have checked them.
    let both = "does not run in environments `staging` and `dev`";
    let mut e0313 = one.iter().filter(|d| d.0 == Code::E0313);
    assert!(e0313.all(|d| d.2.ends_with(both)), "{one:?}");
    assert_eq!(count(Code::E0400), 1, "{one:?}");
    assert_eq!(count(Code::E0204), n.div_ceil(17), "{one:?}");
    assert_eq!(one, four);
}

/// The environments' models of a large stack are built side by side: what
/// the backends write from them must not depend on how many threads.
#[test]
fn models_do_not_depend_on_the_number_of_threads() {
    let mut src = String::from(
        "stack big { namespace = \"big\" version = \"1.0.0\" targets = [compose, k8s, kustomize, helm] }\n\
         environment dev {}\n\
         environment staging {\n  services { replicas = 3 }\n}\n\
         environment prod {\n  namespace = \"big-prod\"\n  services { replicas = 2 }\n}\n",
    );
    // Enough services for several chunks in every stage that splits them.
    for i in 0..3 * stackc::par::MIN_CHUNK + 5 {
        src.push_str(&format!(
            "service s{i} {{\n  image = \"ghcr.io/acme/s{i}:1.0.{i}\"\n  port http {{ container = 8080 }}\n  \
             env {{ NEXT = \"http://${{s{}.host}}:${{s{}.port.http}}/\" }}\n",
            (i + 1) % 200,
            (i + 1) % 200
        ));
        // Lowerings the backends report: Kubernetes approximates
        // `depends_on`, Compose a volume's size.
        if i % 9 == 0 && i > 0 {
            src.push_str(&format!("  depends_on {{ s{} = started }}\n", i - 1));
        }
        if i % 10 == 0 {
            src.push_str("  volume data {\n    size = 1Gi\n    mount = \"/data\"\n  }\n");
        }
        src.push_str("}\n");
    }
    let emitted = |threads: usize| {
        stackc::par::set_threads(threads);
        let c = compiled(&src);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let models = c.models(None).expect("models");
        assert_eq!(models.envs.len(), 3);
        let outputs: Vec<_> = stackc::emit::BACKENDS
            .iter()
            .map(|b| stackc::emit::run(b, &models, &Default::default()))
            .collect();
        let files: Vec<(String, String)> = outputs
            .iter()
            .flat_map(|o| o.files.iter().map(|f| (f.path.clone(), f.contents.clone())))
            .collect();
        let lowered: Vec<String> = outputs
            .iter()
            .map(|o| format!("{} {} {:?}", o.target.name(), o.exact, o.lowerings))
            .collect();
        (files, lowered)
    };
    let one = emitted(1);
    let four = emitted(4);
    stackc::par::set_threads(0);
    assert!(one
        .0
        .iter()
        .any(|(p, t)| p == "prod.yaml" && t.contains("big-prod")));
    // Each Kubernetes target reports the approximation.
    for target in ["k8s ", "kustomize ", "helm "] {
        let reported = |l: &String| l.starts_with(target) && l.contains("depends_on");
        assert!(one.1.iter().any(reported), "{target}: {:?}", one.1);
    }
    assert!(one.0 == four.0, "the output differs with four threads");
    assert_eq!(one.1, four.1, "the lowerings differ with four threads");
}

/// `stackc emit` stages each file the moment a backend makes it (the sink
/// of its output): every backend hands the sink exactly the files it
/// returns without one, keeps none of them, counts them, and reports the
/// same lowerings.
#[test]
fn backends_stream_the_files_they_would_return() {
    use stackc::emit::{EmitOptions, FileSink, OutputFile};
    use std::sync::{Arc, Mutex};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/emit/kustomize/kitchen_sink/stack.stack"
    );
    let c = compiled(&std::fs::read_to_string(path).expect("the fixture"));
    assert!(!c.has_errors(), "{:?}", codes(&c));
    let models = c.models(None).expect("models");
    for b in stackc::emit::BACKENDS {
        let kept = stackc::emit::run(b, &models, &Default::default());
        let got: Arc<Mutex<Vec<OutputFile>>> = Arc::default();
        let to = got.clone();
        let opts = EmitOptions {
            sink: Some(FileSink::new(move |f| to.lock().expect("sink").push(f))),
            ..Default::default()
        };
        let streamed = stackc::emit::run(b, &models, &opts);
        let mut got = std::mem::take(&mut *got.lock().expect("sink"));
        got.sort_by(|x, y| x.path.cmp(&y.path));
        assert!(streamed.files.is_empty(), "{}: files kept", b.name());
        assert_eq!(streamed.file_count(), kept.files.len(), "{}", b.name());
        assert_eq!(got, kept.files, "{}", b.name());
        assert_eq!(streamed.lowerings, kept.lowerings, "{}", b.name());
        if ["compose", "k8s", "kustomize", "helm"].contains(&b.name()) {
            assert!(!got.is_empty(), "{}: no files", b.name());
        }
    }
}

/// In an environment, a rule on a service's own value runs again only when
/// a field it reads differs from the base: a finding an overlay causes is
/// reported, one the base has is reported once, and the spans are the
/// overlay's where the overlay wrote the value.
#[test]
fn rules_rerun_where_an_environment_changes_what_they_read() {
    let src = r#"
stack shop { namespace = "shop" version = "1.0.0" targets = [k8s] }

service api {
  image = "ghcr.io/acme/api:1.0.0"
  port http { container = 8080 }
  health { http = "/health" interval = 10s timeout = 3s }
  ingress { host = "api.example.com" paths = ["v1"] }
}

environment dev {
  service api { replicas = 2 }
}

environment prod {
  service api { health { timeout = 20s } }
}
"#;
    let c = compiled(src);
    let found = |code: Code| -> Vec<stackc::source::Span> {
        c.diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| d.primary.span)
            .collect()
    };
    // The base's relative ingress path: reported once, though dev changes
    // the service (not its ingress).
    let paths = c
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("v1"))
        .count();
    assert_eq!(paths, 1, "{:?}", codes(&c));
    // Only prod's health block has a timeout past its interval (E0318),
    // at the timeout prod writes.
    let timing = found(Code::E0318);
    assert_eq!(timing.len(), 1, "{:?}", codes(&c));
    let at = timing[0].start as usize;
    assert!(src[at..].starts_with("20s }"), "{}", &src[at..]);
}

#[test]
fn overlay_blocks_reach_their_services_in_any_order() {
    // The blocks are found by the position of their service, looked for
    // where the previous block's service was: here in reverse, and one
    // service (`b`) changed by no block of its own.
    let source = r#"
stack s { targets = [k8s] }
service a { image = "a:1" }
service b { image = "b:1" }
service c { image = "c:1" }
service d { image = "d:1" }
environment prod {
  service d { replicas = 4 }
  service c { replicas = 3 }
  service a { replicas = 5 }
}
"#;
    let c = compiled(source);
    assert!(c.diagnostics.is_empty(), "{:?}", codes(&c));
    let prod = model(&c, Some("prod"));
    let replicas: Vec<(&str, u32)> = prod
        .services
        .iter()
        .map(|(n, s)| (n.as_str(), s.replicas))
        .collect();
    assert_eq!(replicas, [("a", 5), ("b", 1), ("c", 3), ("d", 4)]);
}
