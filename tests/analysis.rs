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
    assert_eq!(snippet.as_deref(), Some("service ${1:name} {\n\t$0\n}"));
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
