//! Editor queries (`stackc::analysis`) over the docsearch example: a
//! reference resolves to its declaration, the declaration lists every
//! reference, interpolations and templates count, and hover shows the doc
//! comment. The language server's protocol tests drive the same queries.

use stackc::analysis::{self, Target};
use stackc::source::FileId;
use stackc_tests::stacks::{self, StackDir};

fn docsearch() -> (StackDir, stackc::Compilation) {
    let stack = stacks::examples()
        .into_iter()
        .find(|s| s.name == "docsearch")
        .expect("the docsearch example");
    let c = stack.compile();
    assert!(!c.has_errors());
    (stack, c)
}

/// The file named `…/name` and the offset of the `nth` occurrence of
/// `needle` in it, plus `into` bytes.
fn at(
    c: &stackc::Compilation,
    name: &str,
    needle: &str,
    nth: usize,
    into: usize,
) -> (FileId, usize) {
    let (id, _) = c
        .program
        .map
        .files()
        .find(|(_, f)| f.name.ends_with(name))
        .unwrap_or_else(|| panic!("no file {name}"));
    let text = c.program.map.text(id);
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle} #{nth} not in {name}"))
        .0;
    (id, offset + into)
}

#[test]
fn a_secret_reference_goes_to_its_declaration_and_back() {
    let (_, c) = docsearch();
    let (file, offset) = at(&c, "pipelines.stack", "secret.kubeconfig", 0, 9);
    let (span, target) = analysis::target_at(&c, file, offset).expect("a reference");
    assert_eq!(target, Target::Secret("kubeconfig".into()));
    assert_eq!(c.program.map.snippet(span), "kubeconfig");
    let decl = analysis::definition(&c, &target).expect("declared");
    assert!(c.program.map.name(decl.file).ends_with("stack.stack"));
    assert_eq!(c.program.map.snippet(decl), "kubeconfig");
    let refs = analysis::references(&c, &target, true);
    assert_eq!(refs[0], decl);
    // Two deploys and a rollback in pipelines.stack.
    assert!(refs.len() >= 4, "{refs:?}");
    // From the declaration, the same target.
    let (_, again) =
        analysis::target_at(&c, decl.file, decl.range().start).expect("the declaration");
    assert_eq!(again, target);
}

#[test]
fn interpolations_and_environments_are_references() {
    let (_, c) = docsearch();
    let (file, offset) = at(&c, "stack.stack", "${backend.host}", 0, 3);
    let (span, target) = analysis::target_at(&c, file, offset).expect("an interpolation");
    assert_eq!(target, Target::Service("backend".into()));
    assert_eq!(c.program.map.snippet(span), "backend");
    let (file, offset) = at(&c, "pipelines.stack", "environment = prod", 0, 15);
    let (_, target) = analysis::target_at(&c, file, offset).expect("an environment");
    assert_eq!(target, Target::Environment("prod".into()));
    let decl = analysis::definition(&c, &target).expect("declared");
    assert!(c
        .program
        .map
        .name(decl.file)
        .ends_with("environments.stack"));
}

#[test]
fn hover_shows_what_it_is_and_its_doc_comment() {
    let (_, c) = docsearch();
    let (file, offset) = at(&c, "pipelines.stack", "service = backend", 0, 11);
    let h = analysis::hover(&c, file, offset).expect("hover");
    assert!(
        h.markdown.starts_with("**service `backend`**"),
        "{}",
        h.markdown
    );
    assert!(h.markdown.contains("declared at "), "{}", h.markdown);
    assert!(
        h.markdown.lines().count() > 3,
        "no doc comment: {}",
        h.markdown
    );
    // Nothing to show on a keyword.
    let (file, offset) = at(&c, "pipelines.stack", "pipeline ", 0, 2);
    assert!(analysis::hover(&c, file, offset).is_none());
}

#[test]
fn hover_on_a_key_shows_the_field_of_the_schema() {
    let (_, c) = docsearch();
    let (file, offset) = at(&c, "stack.stack", "registry = ", 0, 2);
    let h = analysis::hover(&c, file, offset).expect("hover on a key");
    assert!(
        h.markdown.starts_with("**`registry`**: a string"),
        "{}",
        h.markdown
    );
    assert!(
        h.markdown.contains("Registry and path prefix"),
        "{}",
        h.markdown
    );
    assert_eq!(c.program.map.snippet(h.span), "registry");
    // A dotted key: the field of the nested record.
    let (file, offset) = at(&c, "environments.stack", "build.target", 0, 7);
    let h = analysis::hover(&c, file, offset).expect("hover on build.target");
    assert!(h.markdown.starts_with("**`target`**"), "{}", h.markdown);
    // A step's field, inside `steps { deploy { … } }`.
    let (file, offset) = at(&c, "pipelines.stack", "via = kustomize", 0, 1);
    let h = analysis::hover(&c, file, offset).expect("hover on via");
    assert!(
        h.markdown.starts_with("**`via`**: one of `kustomize`"),
        "{}",
        h.markdown
    );
}

#[test]
fn completion_offers_the_fields_not_written_yet() {
    let (_, c) = docsearch();
    let labels = |file, offset| -> Vec<String> {
        analysis::completions(&c, file, offset)
            .into_iter()
            .map(|c| c.label)
            .collect()
    };
    // Inside `stack docsearch { … }`, after `description = …`.
    let (file, offset) = at(&c, "stack.stack", "namespace = \"docsearch\"", 0, 0);
    let got = labels(file, offset);
    assert!(got.contains(&"deploy_dir".to_string()), "{got:?}");
    assert!(
        !got.contains(&"namespace".to_string()),
        "written already: {got:?}"
    );
    // Inside `steps { … }`: the step kinds.
    let (file, offset) = at(&c, "pipelines.stack", "checkout {}", 0, 0);
    let got = labels(file, offset);
    for kind in ["checkout", "docker_build", "deploy", "stackc"] {
        assert!(got.contains(&kind.to_string()), "{kind}: {got:?}");
    }
    // Inside an environment: its fields and the overlay blocks.
    let (file, offset) = at(&c, "environments.stack", "approval = true", 0, 0);
    let got = labels(file, offset);
    for kw in ["service", "services", "config", "targets"] {
        assert!(got.contains(&kw.to_string()), "{kw}: {got:?}");
    }
    // Between items: the item keywords.
    let (file, _) = at(&c, "stack.stack", "stack docsearch", 0, 0);
    let got = labels(file, 0);
    assert!(
        got.contains(&"service".to_string()) && got.contains(&"pipeline".to_string()),
        "{got:?}"
    );
    let snippet = analysis::completions(&c, file, 0)
        .into_iter()
        .find(|c| c.label == "service")
        .map(|c| c.snippet);
    assert_eq!(snippet.as_deref(), Some(analysis::snippet("service")));
}

#[test]
fn hover_on_a_service_field_shows_its_value_in_each_environment() {
    let (_, c) = docsearch();
    // `replicas = 1` in dev's overlay of `backend`.
    let (file, offset) = at(&c, "environments.stack", "replicas = 1", 0, 2);
    let h = analysis::hover(&c, file, offset).expect("hover");
    assert!(
        h.markdown
            .contains("`1` (dev) · `2` (staging) · `3` (prod)"),
        "{}",
        h.markdown
    );
}

#[test]
fn completion_in_values_offers_enum_variants_and_names() {
    let (_, c) = docsearch();
    let labels = |file, offset| -> Vec<String> {
        analysis::completions(&c, file, offset)
            .into_iter()
            .map(|c| c.label)
            .collect()
    };
    // `via = kustomize`: the enum's variants.
    let (file, offset) = at(&c, "pipelines.stack", "via = kustomize", 0, 6);
    let got = labels(file, offset);
    assert_eq!(got, ["kustomize", "helm", "k8s"], "{got:?}");
    // `environment = prod`: the environments.
    let (file, offset) = at(&c, "pipelines.stack", "environment = prod", 0, 14);
    let got = labels(file, offset);
    assert_eq!(got, ["dev", "staging", "prod"], "{got:?}");
    // After `secret.`: the secrets.
    let (file, offset) = at(&c, "pipelines.stack", "secret.kubeconfig", 0, 7);
    let got = labels(file, offset);
    assert!(
        got.contains(&"kubeconfig".to_string()) && got.contains(&"registry_token".to_string()),
        "{got:?}"
    );
    // Inside `${`: the services.
    let (file, offset) = at(&c, "stack.stack", "${backend.host}", 0, 2);
    let got = labels(file, offset);
    assert!(
        got.contains(&"backend".to_string()) && got.contains(&"frontend".to_string()),
        "{got:?}"
    );
}

#[test]
fn completion_on_a_blank_line_inside_a_block_offers_its_fields() {
    let text = "stack shop {\n    namespace = \"shop\"\n}\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n    \n}\n";
    let loader = stackc::source::MemoryLoader::new().with("main.stack", text);
    let keep = stackc::Keep {
        worlds: false,
        syntax: true,
    };
    let c = stackc::compile_with("main.stack", &loader, &stackc::EnvSelection::All, keep);
    let file = c.program.map.find("main.stack").expect("file");
    let offset = text.find("    \n}").expect("blank line") + 4;
    let got: Vec<String> = analysis::completions(&c, file, offset)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(
        got.contains(&"replicas".to_string()) && !got.contains(&"image".to_string()),
        "{got:?}"
    );
}

// ---------------------------------------------------------------- rename

use stackc::analysis::rename;

/// The stack's files after replacing `edits` with `new`, compiled again.
fn renamed(
    c: &stackc::Compilation,
    edits: &[stackc::source::Span],
    new: &str,
) -> stackc::Compilation {
    let mut loader = stackc::source::MemoryLoader::new();
    for (id, f) in c.program.map.files().filter(|(_, f)| !f.is_stdlib) {
        let mut text = f.text.clone();
        for s in edits.iter().rev().filter(|s| s.file == id) {
            text.replace_range(s.range(), new);
        }
        loader = loader.with(&f.name, &text);
    }
    let root = c
        .program
        .map
        .name(c.program.files[c.program.root].id)
        .to_string();
    stackc::compile(&root, &loader, &stackc::EnvSelection::All)
}

#[test]
fn renaming_a_service_renames_every_place_that_names_it() {
    let (_, c) = docsearch();
    let (file, offset) = at(&c, "pipelines.stack", "service = backend", 0, 12);
    let (span, name) = rename::prepare(&c, file, offset).expect("renamable");
    assert_eq!(c.program.map.snippet(span), "backend");
    assert_eq!(name, rename::Name::Item(Target::Service("backend".into())));
    let r = rename::rename(&c, file, offset, "search-api").expect("renamed");
    assert!(r
        .edits
        .iter()
        .all(|s| c.program.map.snippet(*s) == "backend"));
    let in_file = |suffix: &str| {
        r.edits
            .iter()
            .filter(|s| c.program.map.name(s.file).ends_with(suffix))
            .count()
    };
    // The declaration and `${backend.host}` in stack.stack, the three
    // environments' overlays, the pipelines' `service = backend`.
    assert!(in_file("stack.stack") >= 2, "{r:?}");
    assert_eq!(in_file("environments.stack"), 3, "{r:?}");
    assert!(in_file("pipelines.stack") >= 5, "{r:?}");
    assert!(r
        .consequence
        .as_deref()
        .is_some_and(|t| t.contains("Deployment")));
    // The renamed stack is as clean as before.
    let after = renamed(&c, &r.edits, "search-api");
    assert!(after.diagnostics.is_empty(), "{:?}", after.diagnostics);
    assert!(after.program.symbols.services.contains_key("search-api"));
}

#[test]
fn renaming_a_job_renames_needs_and_github_expressions() {
    let (_, c) = docsearch();
    let (file, offset) = at(&c, "pipelines.stack", "job health-check", 0, 5);
    let r = rename::rename(&c, file, offset, "smoke").expect("renamed");
    let text = c.program.map.text(file);
    let lines: Vec<usize> = r
        .edits
        .iter()
        .map(|s| text[..s.range().start].matches('\n').count() + 1)
        .collect();
    // `job health-check`, `needs = [health-check]`, `${{ needs.health-check.result }}`.
    assert_eq!(r.edits.len(), 3, "{lines:?}");
    assert!(
        matches!(r.name, rename::Name::Job(ref p, ref j) if j == "health-check" && !p.is_empty())
    );
    let after = renamed(&c, &r.edits, "smoke");
    assert!(after.diagnostics.is_empty(), "{:?}", after.diagnostics);
}

#[test]
fn ports_config_keys_and_templates_rename_within_their_scope() {
    let text = r#"stack shop {
    namespace = "shop"
}
template web {
    port http {
        container = 8080
    }
    readiness {
        http = "/ready"
        port = http
    }
}
service api : web {
    image = "ghcr.io/acme/api:1.0"
    ingress {
        host = "api.example.com"
        port = http
    }
    env {
        LEVEL = config.app.LOG_LEVEL
    }
}
service worker {
    image = "ghcr.io/acme/worker:1.0"
    port http {
        container = 9000
    }
    env {
        API = "http://${api.host}:${api.port.http}"
    }
}
config app {
    LOG_LEVEL = "info"
}
environment prod {
    config app {
        LOG_LEVEL = "warn"
    }
}
"#;
    let loader = stackc::source::MemoryLoader::new().with("main.stack", text);
    let c = stackc::compile("main.stack", &loader, &stackc::EnvSelection::All);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let file = c.program.map.find("main.stack").expect("file");
    let line_of = |s: &stackc::source::Span| text[..s.range().start].matches('\n').count() + 1;
    // The template's port: declared in `web`, named by `api` (which applies
    // it) in its ingress and in `${api.port.http}`; `worker`'s own `http`
    // is another port.
    let offset = text.find("port http").expect("port") + 6;
    let r = rename::rename(&c, file, offset, "web").expect("renamed");
    let lines: Vec<usize> = r.edits.iter().map(line_of).collect();
    assert_eq!(lines, [5, 10, 17, 29], "{r:?}");
    assert!(renamed(&c, &r.edits, "web").diagnostics.is_empty());
    // A config key: its declaration, the environment's override, the reference.
    let offset = text.find("LOG_LEVEL = \"info\"").expect("key");
    let r = rename::rename(&c, file, offset, "LEVEL").expect("renamed");
    let lines: Vec<usize> = r.edits.iter().map(line_of).collect();
    assert_eq!(lines, [20, 33, 37], "{r:?}");
    assert!(renamed(&c, &r.edits, "LEVEL").diagnostics.is_empty());
    // A template: its declaration and where it is applied; nothing generated changes.
    let offset = text.find("api : web").expect("template") + 7;
    let r = rename::rename(&c, file, offset, "base").expect("renamed");
    assert_eq!(r.edits.len(), 2);
    assert_eq!(r.consequence, None);
}

#[test]
fn unsafe_renames_are_refused_with_the_reason() {
    let (_, c) = docsearch();
    let (file, offset) = at(&c, "pipelines.stack", "service = backend", 0, 12);
    // A name already taken by a service.
    let err = rename::rename(&c, file, offset, "frontend").expect_err("collision");
    assert!(err.contains("already declared"), "{err}");
    // Not an identifier.
    let err = rename::rename(&c, file, offset, "search api").expect_err("not a name");
    assert!(err.contains("not a name"), "{err}");
    // An identifier Kubernetes rejects as a service name: the compiler's error.
    let err = rename::rename(&c, file, offset, "Search_API").expect_err("E0207");
    assert!(err.contains("E0207"), "{err}");
    // A field of the schema, and a keyword.
    let (file, offset) = at(&c, "stack.stack", "registry = ", 0, 2);
    let err = rename::prepare(&c, file, offset).expect_err("a field");
    assert!(err.contains("field"), "{err}");
    let (file, offset) = at(&c, "pipelines.stack", "pipeline ", 0, 2);
    assert!(rename::prepare(&c, file, offset).is_err());
    // An enum value of the schema.
    let (file, offset) = at(&c, "pipelines.stack", "via = kustomize", 0, 8);
    let err = rename::prepare(&c, file, offset).expect_err("an enum value");
    assert!(err.contains("stdlib enum"), "{err}");
}

// ---------------------------------------------------------------- semantic tokens and inlay hints

const ENVS: &str = r#"// A comment.
stack shop {
    namespace = "shop"
}
/// The API.
service api {
    image = "ghcr.io/acme/api:1.0"
    replicas = 2
    env {
        MODE = "http://${web.host}/x"
        TOKEN = secret.token
    }
    restart = always
}
service web {
    image = "ghcr.io/acme/web:1.0"
}
secret token {
    kind = token
}
environment dev {
    service api {
        replicas = 1
    }
}
environment staging {}
environment prod {
    service api {
        replicas = 3
    }
}
"#;

fn envs() -> stackc::Compilation {
    let loader = stackc::source::MemoryLoader::new().with("main.stack", ENVS);
    let c = stackc::compile("main.stack", &loader, &stackc::EnvSelection::All);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    c
}

#[test]
fn semantic_tokens_say_what_each_word_is() {
    use stackc::analysis::tokens::{self, Kind};
    let c = envs();
    let file = c.program.map.find("main.stack").expect("file");
    let toks = tokens::tokens(&c, file);
    let kind_of = |needle: &str, nth: usize| {
        let at = ENVS.match_indices(needle).nth(nth).expect(needle).0 as u32;
        toks.iter()
            .find(|t| t.span.start == at)
            .map(|t| (t.kind, t.modifiers))
            .unwrap_or_else(|| panic!("no token at {needle} #{nth}"))
    };
    assert_eq!(kind_of("// A comment.", 0), (Kind::Comment, 0));
    assert_eq!(
        kind_of("/// The API.", 0),
        (Kind::Comment, tokens::DOCUMENTATION)
    );
    assert_eq!(kind_of("service", 0), (Kind::Keyword, 0));
    assert_eq!(kind_of("api", 0), (Kind::Class, tokens::DECLARATION));
    assert_eq!(kind_of("replicas", 0), (Kind::Property, 0));
    assert_eq!(kind_of("2", 0), (Kind::Number, 0));
    assert_eq!(kind_of("\"ghcr", 0), (Kind::String, 0));
    assert_eq!(kind_of("web.host", 0), (Kind::Class, 0));
    assert_eq!(kind_of("secret.token", 0), (Kind::Keyword, 0));
    assert_eq!(kind_of("token\n", 0), (Kind::Variable, 0));
    assert_eq!(kind_of("always", 0), (Kind::EnumMember, 0));
    assert_eq!(kind_of("dev", 0), (Kind::Namespace, tokens::DECLARATION));
    // Sorted, not overlapping.
    assert!(toks.windows(2).all(|w| w[0].span.end <= w[1].span.start));
}

#[test]
fn inlay_hints_show_the_environments_that_override_a_value() {
    let c = envs();
    let file = c.program.map.find("main.stack").expect("file");
    let hints = analysis::inlay_hints(&c, file);
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0].label, "dev 1 · prod 3");
    assert_eq!(
        hints[0].offset,
        ENVS.find("replicas = 2").unwrap() + "replicas = 2".len()
    );
    assert!(hints[0].tooltip.contains("`2` (staging)"), "{hints:?}");
}

// ---------------------------------------------------------------- preview

#[test]
fn preview_shows_the_generated_files_of_the_service_under_the_cursor() {
    use stackc::analysis::preview::preview;
    let (_, c) = docsearch();
    let (file, offset) = at(&c, "stack.stack", "service backend", 0, 9);
    let paths = |target: &str, env: Option<&str>| -> Vec<String> {
        preview(&c, file, offset, Some(target), env)
            .expect("preview")
            .files
            .into_iter()
            .map(|f| f.path)
            .collect()
    };
    let choices = preview(&c, file, offset, None, None).expect("choices");
    assert_eq!(choices.item, Some(("service".into(), "backend".into())));
    assert_eq!(
        choices.targets,
        ["compose", "kustomize", "systemd", "quadlet", "github"]
    );
    assert_eq!(choices.environments, ["dev", "staging", "prod"]);
    assert!(choices.files.is_empty());
    assert_eq!(
        paths("compose", Some("dev")),
        ["compose.yaml", "compose.dev.yaml"]
    );
    assert_eq!(paths("systemd", Some("prod")), ["prod/backend.service"]);
    let kustomize = paths("kustomize", Some("dev"));
    assert!(
        kustomize.contains(&"base/backend.yaml".to_string()),
        "{kustomize:?}"
    );
    assert!(
        kustomize
            .iter()
            .all(|p| p.contains("backend") && !p.contains("prod")),
        "{kustomize:?}"
    );
    // Every file carries the header, as `stackc emit` writes it.
    let f = preview(&c, file, offset, Some("compose"), None).expect("preview");
    assert!(f
        .files
        .iter()
        .all(|f| f.contents.contains("generated by stackc")));
    // Refused with the reason.
    let err = preview(&c, file, offset, Some("nomad"), None).expect_err("no such target");
    assert!(err.contains("no target `nomad`"), "{err}");
    let err = preview(&c, file, offset, Some("compose"), Some("qa")).expect_err("no such env");
    assert!(err.contains("no environment `qa`"), "{err}");
}

// ---------------------------------------------------------------- snippets

/// The extension's snippets are the server's, and expanded with their
/// defaults they make a stack that checks clean.
#[test]
fn snippets_match_the_extension_and_compile() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../editors/vscode/snippets/stack.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("snippets")).expect("json");
    let contributed = json.as_object().expect("an object");
    assert_eq!(contributed.len(), analysis::SNIPPETS.len());
    for (prefix, description, body) in analysis::SNIPPETS {
        let entry = contributed
            .values()
            .find(|e| e["prefix"] == *prefix)
            .unwrap_or_else(|| panic!("no snippet `{prefix}` in the extension"));
        let lines: Vec<&str> = entry["body"]
            .as_array()
            .expect("body")
            .iter()
            .filter_map(|l| l.as_str())
            .collect();
        assert_eq!(lines.join("\n"), *body, "{prefix}");
        assert_eq!(entry["description"], *description, "{prefix}");
    }
    let text = |p: &str| analysis::snippet_text(analysis::snippet(p));
    let service = analysis::snippet("service").replace(
        "$0",
        &format!(
            "{}\n\tenv {{ TOKEN = secret.api_token }}\n\tenv_from = [config.app]",
            analysis::snippet("health").replace('\n', "\n\t")
        ),
    );
    let worker = format!(
        "service worker {{\n\timage = \"ghcr.io/acme/worker:1.0\"\n\t{}\n}}",
        analysis::snippet("port").replace('\n', "\n\t")
    );
    let stack = [
        "stack shop {\n\tnamespace = \"shop\"\n}".to_string(),
        analysis::snippet_text(&service),
        analysis::snippet_text(&worker),
        text("environment"),
        text("pipeline"),
        text("secret"),
        text("config"),
    ]
    .join("\n");
    assert!(!stack.contains('$'), "{stack}");
    let loader = stackc::source::MemoryLoader::new().with("main.stack", &stack);
    let c = stackc::compile("main.stack", &loader, &stackc::EnvSelection::All);
    assert!(c.diagnostics.is_empty(), "{stack}\n{:?}", c.diagnostics);
    assert_eq!(analysis::snippet_text("a ${1:b} $2c ${3} $$0"), "a b c  $");
}

#[test]
fn inlay_hints_leave_out_environments_a_service_does_not_run_in() {
    let text = "stack shop {\n    namespace = \"shop\"\n}\nservice tools {\n    image = \"ghcr.io/acme/tools:1.0\"\n    environments = [dev, prod]\n    replicas = 1\n}\nenvironment dev {}\nenvironment staging {}\nenvironment prod {\n    service tools {\n        replicas = 2\n    }\n}\n";
    let loader = stackc::source::MemoryLoader::new().with("main.stack", text);
    let c = stackc::compile("main.stack", &loader, &stackc::EnvSelection::All);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let file = c.program.map.find("main.stack").expect("file");
    let hints = analysis::inlay_hints(&c, file);
    let labels: Vec<&str> = hints.iter().map(|h| h.label.as_str()).collect();
    // Not `staging —`: the service does not run there.
    assert_eq!(labels, ["prod 2"], "{hints:?}");
}

#[test]
fn hover_inside_an_environment_wide_services_block() {
    let (_, c) = docsearch();
    // prod's `services { disruption { min_available = 2 } }`.
    let (file, offset) = at(&c, "environments.stack", "min_available = 2", 0, 2);
    let h = analysis::hover(&c, file, offset).expect("hover");
    assert!(
        h.markdown.starts_with("**`min_available`**"),
        "{}",
        h.markdown
    );
}

/// A compilation of `text` as `main.stack`, keeping the syntax tree.
fn compile_text(text: &str) -> (FileId, stackc::Compilation) {
    let loader = stackc::source::MemoryLoader::new().with("main.stack", text);
    let keep = stackc::Keep {
        worlds: false,
        syntax: true,
    };
    let c = stackc::compile_with("main.stack", &loader, &stackc::EnvSelection::All, keep);
    let file = c.program.map.find("main.stack").expect("file");
    (file, c)
}

fn completion_labels(c: &stackc::Compilation, file: FileId, offset: usize) -> Vec<String> {
    analysis::completions(c, file, offset)
        .into_iter()
        .map(|c| c.label)
        .collect()
}

/// A file with a broken entry: `container =` with no value in `api`, a
/// half-typed `rep` in `web`, and `restart = ` with no value yet.
const BROKEN: &str = r#"stack shop { namespace = "shop" }

secret db_password { description = "database password" }

/// The public API.
service api {
  image = "ghcr.io/acme/api:1.0"
  port http { container = }
  env { DB_PASSWORD = secret.db_password }
}

service web {
  image = "ghcr.io/acme/web:1.0"
  rep
  restart = 
  env { API_URL = "http://${api.host}:80" }
}
"#;

#[test]
fn a_broken_entry_leaves_the_rest_of_the_file_to_the_editor() {
    let (file, c) = compile_text(BROKEN);
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    // One error per broken entry, nothing that follows from them.
    assert_eq!(codes, ["E0001", "E0001", "E0001"], "{:?}", c.diagnostics);
    // Hover and definition on the reference after the broken port.
    let offset = BROKEN.find("secret.db_password").unwrap() + 8;
    let (_, target) = analysis::target_at(&c, file, offset).expect("a reference");
    assert_eq!(target, Target::Secret("db_password".into()));
    let h = analysis::hover(&c, file, offset).expect("hover");
    assert!(
        h.markdown.contains("secret `db_password`"),
        "{}",
        h.markdown
    );
    // Hover on a key of the block holding the broken entry.
    let offset = BROKEN.find("image = \"ghcr.io/acme/api").unwrap() + 2;
    let h = analysis::hover(&c, file, offset).expect("hover on image");
    assert!(h.markdown.contains("`image`"), "{}", h.markdown);
    // The reference after two broken entries still resolves.
    let offset = BROKEN.find("${api.host}").unwrap() + 2;
    let (_, target) = analysis::target_at(&c, file, offset).expect("an interpolation");
    assert_eq!(target, Target::Service("api".into()));
}

#[test]
fn completion_at_a_half_typed_entry_offers_fields_and_values() {
    let (file, c) = compile_text(BROKEN);
    // `rep|`: the fields of Service not written yet.
    let offset = BROKEN.find("  rep\n").unwrap() + 5;
    let got = completion_labels(&c, file, offset);
    assert!(got.contains(&"replicas".to_string()), "{got:?}");
    assert!(!got.contains(&"image".to_string()), "{got:?}");
    // `restart = |`: the values of the field's enum.
    let offset = BROKEN.find("restart = ").unwrap() + "restart = ".len();
    let got = completion_labels(&c, file, offset);
    assert!(got.contains(&"always".to_string()), "{got:?}");
    // `port http { container = | }`: inside the recovered nested block.
    let offset = BROKEN.find("container = ").unwrap() + "container".len() - 2;
    let h = analysis::hover(&c, file, offset).expect("hover on container");
    assert!(h.markdown.contains("`container`"), "{}", h.markdown);
}

#[test]
fn an_unclosed_brace_keeps_the_items_after_it() {
    let text = "stack shop { namespace = \"shop\" }\n\nservice api {\n  image = \"ghcr.io/acme/api:1.0\"\n  port http {\n    container = 8080\n}\n\nservice web {\n  image = \"ghcr.io/acme/web:1.0\"\n  env { API_URL = \"http://${api.host}:80\" }\n}\n";
    let (file, c) = compile_text(text);
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E0006"], "{:?}", c.diagnostics);
    let offset = text.find("${api.host}").unwrap() + 2;
    let (_, target) = analysis::target_at(&c, file, offset).expect("an interpolation");
    assert_eq!(target, Target::Service("api".into()));
    // Completion inside the item after the unclosed one.
    let offset = text.find("  env {").unwrap();
    let got = completion_labels(&c, file, offset);
    assert!(got.contains(&"replicas".to_string()), "{got:?}");
}

#[test]
fn completion_offers_units_after_a_number() {
    let text = "stack shop {\n    namespace = \"shop\"\n}\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n    stop_grace = 30\n    resources {\n        memory = 512\n        cpu = 250m..1\n    }\n}\n";
    let (file, c) = compile_text(text);
    let after = |needle: &str| text.find(needle).unwrap() + needle.len();
    let got = completion_labels(&c, file, after("memory = 512"));
    assert_eq!(&got[..2], ["512Mi", "512Gi"], "{got:?}");
    let got = completion_labels(&c, file, after("stop_grace = 30"));
    assert!(got.contains(&"30s".to_string()), "{got:?}");
    let got = completion_labels(&c, file, after("250m..1"));
    assert!(
        got.contains(&"1m".to_string()) && got.contains(&"1".to_string()),
        "{got:?}"
    );
}
