//! End-to-end runs of the `stackc` command line: `stackc::cli::run`, the
//! function `main` calls and whose return value `main` exits with, run
//! in-process on real files (examples, `fixtures/cli/`, scratch copies).
//!
//! Cargo runs integration tests from the package directory (`tests/`), so
//! fixture paths are given relative to it and appear as written in the
//! output. Exit codes: 0 clean, 1 problems found (errors, `--deny`,
//! `--check` differences), 2 usage errors (bad arguments, missing paths,
//! unknown environments, refused writes).
//!
//! Fixtures: `fixtures/cli/errors.stack` (two errors), `warning.stack`
//! (one warning), `lossy.stack` (valid; the k8s target drops a bind mount).

use serde_json::Value as Json;
use stackc_tests::cli::{stackc, stackc_on_a_terminal, Run};
use stackc_tests::stacks::files_under;
use stackc_tests::tools::Scratch;
use std::path::Path;

const ERRORS: &str = "fixtures/cli/errors.stack";
const WARNING: &str = "fixtures/cli/warning.stack";
const LOSSY: &str = "fixtures/cli/lossy.stack";
const MINIMAL: &str = "../examples/minimal";
const DOCSEARCH: &str = "../examples/docsearch";

fn assert_exit(run: &Run, code: i32) {
    assert_eq!(run.code, code, "{}", run.log());
}

/// Relative paths of the files under `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    if !dir.exists() {
        return Vec::new();
    }
    let files = files_under(dir).into_iter();
    files
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

fn path_arg(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

// ---------------------------------------------------------------- check

#[test]
fn check_exits_0_on_a_clean_stack() {
    let run = stackc(["check", MINIMAL]);
    assert_exit(&run, 0);
    assert!(run.out.is_empty(), "{}", run.log());
    assert!(run.err.contains("0 errors, 0 warnings"), "{}", run.log());
}

#[test]
fn check_exits_1_on_errors_and_prints_them() {
    let run = stackc(["check", ERRORS, "--color", "never"]);
    assert_exit(&run, 1);
    insta::assert_snapshot!("check_errors_human", run.err);
}

#[test]
fn check_checks_every_path_given() {
    let run = stackc(["check", MINIMAL, ERRORS, WARNING]);
    assert_exit(&run, 1);
    assert!(run.err.contains("2 errors, 1 warning"), "{}", run.log());
}

#[test]
fn usage_errors_exit_2() {
    let cases: [&[&str]; 6] = [
        &["check", "fixtures/cli/no-such.stack"],
        &["check", "fixtures"],
        &["check", "--no-such-flag", MINIMAL],
        &["emit", MINIMAL],
        &["emit", "fixtures/cli/no-such.stack", "--target", "k8s"],
        &["frobnicate"],
    ];
    for args in cases {
        let run = stackc(args.iter().copied());
        assert_eq!(run.code, 2, "stackc {args:?}\n{}", run.log());
        assert!(!run.err.trim().is_empty(), "stackc {args:?}: no message");
    }
    let missing = stackc(["check", "fixtures/cli/no-such.stack"]);
    assert!(missing.err.contains("does not exist"), "{}", missing.log());
    let no_root = stackc(["check", "fixtures"]);
    assert!(
        no_root.err.contains("holds no `stack.stack`"),
        "{}",
        no_root.log()
    );
}

#[test]
fn help_and_version_exit_0() {
    let version = stackc(["--version"]);
    assert_exit(&version, 0);
    assert!(version.out.starts_with("stackc "), "{}", version.log());
    let help = stackc(["--help"]);
    assert_exit(&help, 0);
    for cmd in ["check", "fmt", "explain", "eval", "emit"] {
        assert!(
            help.out.contains(cmd),
            "--help lacks `{cmd}`:\n{}",
            help.out
        );
    }
}

#[test]
fn json_format_prints_one_diagnostic_per_line() {
    let run = stackc(["check", ERRORS, WARNING, "--format", "json"]);
    assert_exit(&run, 1);
    let mut seen = Vec::new();
    for line in run.out.lines() {
        let d: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let code = d["code"].as_str().expect("code");
        let severity = d["severity"].as_str().expect("severity");
        let span = &d["primary"]["span"];
        assert!(span["line"].as_u64().is_some_and(|l| l >= 1), "{line}");
        assert!(span["column"].as_u64().is_some_and(|c| c >= 1), "{line}");
        assert!(
            d["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{line}"
        );
        seen.push((
            code.to_string(),
            severity.to_string(),
            span["line"].as_u64().unwrap(),
        ));
    }
    let want = [
        ("E0105", "error", 10),
        ("E0104", "error", 11),
        ("E0400", "warning", 6),
    ];
    let want: Vec<_> = want
        .map(|(c, s, l)| (c.to_string(), s.to_string(), l))
        .into();
    assert_eq!(seen, want, "{}", run.log());
    assert!(!run.err.contains("errors,"), "json prints no human summary");
}

#[test]
fn github_format_prints_workflow_annotations() {
    let run = stackc(["check", ERRORS, WARNING, "--format", "github"]);
    assert_exit(&run, 1);
    let lines: Vec<&str> = run.out.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.log());
    assert!(
        lines[0].starts_with(&format!("::error file={ERRORS},line=10,col=33,")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("::error file={ERRORS},line=11,col=18,")),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(&format!("::warning file={WARNING},line=6,col=8,")),
        "{}",
        lines[2]
    );
    for l in &lines {
        let (head, message) = l[2..].split_once("::").expect("`::KIND props::message`");
        assert!(head.contains("title=E0"), "{l}");
        assert!(!message.contains('\n') && !message.is_empty(), "{l}");
    }
}

/// A file that is not UTF-8 text: one E0100 at the first bad byte that
/// names the encoding problem, no "no `stack` block" on top, exit 2 (I/O).
#[test]
fn a_file_that_is_not_utf8_text_is_an_io_error_at_its_first_bad_byte() {
    let dir = Scratch::new("not-text");
    let cases: [(&str, &[u8], &str, u64, u64); 4] = [
        (
            "latin1.stack",
            b"stack shop {\n  namespace = \"caf\xE9\"\n}\n",
            "invalid UTF-8 sequence (byte 0xE9) at byte 31 (line 2, column 19)",
            2,
            19,
        ),
        (
            "utf16.stack",
            b"\xFF\xFEs\0t\0a\0c\0k\0",
            "a UTF-16 byte-order mark at byte 0 (line 1, column 1)",
            1,
            1,
        ),
        (
            "nul.stack",
            b"stack shop {}\n\0\0",
            "a NUL byte (UTF-16 without a byte-order mark, or a binary file) at byte 14 (line 2, column 1)",
            2,
            1,
        ),
        (
            "cut.stack",
            b"stack shop {}\n// \xE2\x82",
            "a UTF-8 sequence cut off by the end of the file at byte 17 (line 2, column 4)",
            2,
            4,
        ),
    ];
    for (name, bytes, problem, line, column) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let run = stackc(["check", path_arg(&path), "--format", "json"]);
        assert_exit(&run, 2);
        let lines: Vec<&str> = run.out.lines().collect();
        assert_eq!(lines.len(), 1, "one diagnostic, no E0109: {}", run.log());
        let d: Json = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(d["code"], "E0100", "{}", run.log());
        let message = d["message"].as_str().unwrap_or("");
        assert!(message.ends_with(problem), "{name}: {message}");
        assert_eq!(d["primary"]["span"]["line"], line, "{}", run.log());
        assert_eq!(d["primary"]["span"]["column"], column, "{}", run.log());
        assert!(
            d["help"].as_str().is_some_and(|h| h.contains("UTF-8")),
            "{}",
            run.log()
        );
        // The human rendering shows the line up to the bad byte.
        let human = stackc(["check", path_arg(&path)]);
        assert_exit(&human, 2);
        assert!(!human.err.contains("E0109"), "{}", human.log());
    }
    // Imported: the same error, pointing at the file with the import as a
    // secondary label; `eval` and `emit` exit 2 as well.
    let root = dir.path().join("stack.stack");
    std::fs::write(
        &root,
        "stack shop { namespace = \"shop\" }\nimport \"./latin1.stack\"\n",
    )
    .unwrap();
    let run = stackc(["check", path_arg(&root), "--format", "json"]);
    assert_exit(&run, 2);
    assert_eq!(run.out.lines().count(), 1, "{}", run.log());
    assert!(run.out.contains("imported here"), "{}", run.log());
    assert_exit(&stackc(["eval", path_arg(&root)]), 2);
    let out = dir.path().join("out");
    assert_exit(
        &stackc([
            "emit",
            path_arg(&root),
            "--target",
            "compose",
            "--out",
            path_arg(&out),
        ]),
        2,
    );
}

/// `--format sarif`: one SARIF 2.1.0 log for every path, valid against the
/// vendored OASIS schema (`fixtures/sarif/`), with the registry as rules,
/// regions, related locations and fixes.
#[test]
fn sarif_format_is_one_valid_sarif_log() {
    const HOST_PORT_TWICE: &str = "fixtures/diagnostics/E0302_host_port_twice.stack";
    const UNKNOWN_FIELD: &str = "fixtures/diagnostics/E0200_unknown_field.stack";
    let run = stackc([
        "check",
        ERRORS,
        WARNING,
        HOST_PORT_TWICE,
        UNKNOWN_FIELD,
        "--format",
        "sarif",
    ]);
    assert_exit(&run, 1);
    assert!(
        !run.err.contains("errors,"),
        "sarif prints no human summary"
    );
    let log: Json = serde_json::from_str(&run.out).expect("one JSON document");
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run for all paths");
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "stackc");
    assert!(driver["version"].is_string() && driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), stackc::diagnostics::Code::ALL.len());
    for (rule, code) in rules.iter().zip(stackc::diagnostics::Code::ALL) {
        assert_eq!(rule["id"], code.as_str());
        assert_eq!(rule["shortDescription"]["text"], code.summary());
        assert_eq!(rule["help"]["markdown"], code.explanation());
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty() && !t.starts_with('#')));
    }
    let results = runs[0]["results"].as_array().expect("results");
    let ids: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["E0105", "E0104", "E0400", "E0302", "E0200"],
        "{}",
        run.out
    );
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.starts_with("fixtures/"), "relative uri: {uri}");
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(loc["region"][key].as_u64().is_some_and(|n| n >= 1), "{r}");
        }
    }
    // The first result: errors.stack line 10, `db_url` at columns 33..39.
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endColumn"]
        ),
        (&Json::from(10), &Json::from(33), &Json::from(39))
    );
    assert_eq!(results[2]["level"], "warning");
    let related = results[3]["relatedLocations"]
        .as_array()
        .expect("secondary labels");
    assert!(!related.is_empty() && related[0]["message"]["text"].is_string());
    let fix = &results[4]["fixes"][0];
    let replacement = &fix["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "replicas");
    assert_eq!(replacement["deletedRegion"]["startLine"], 10);

    // Valid against the schema; a broken copy is not (the validator works).
    let Some(validator) = stackc_tests::tools::tool("check-jsonschema") else {
        return;
    };
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sarif/sarif-schema-2.1.0.json");
    let dir = Scratch::new("sarif");
    let validate = |text: &str| {
        let file = dir.path().join("check.sarif");
        std::fs::write(&file, text).unwrap();
        std::process::Command::new(&validator)
            .arg("--schemafile")
            .arg(&schema)
            .arg(&file)
            .output()
            .expect("run check-jsonschema")
    };
    let out = validate(&run.out);
    assert!(
        out.status.success(),
        "not valid SARIF 2.1.0:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let broken = run
        .out
        .replace("\"level\": \"warning\"", "\"level\": \"fatal\"");
    assert!(
        !validate(&broken).status.success(),
        "the validator rejects a bad level"
    );
    // A clean stack is a log with no results.
    let clean = stackc(["check", MINIMAL, "--format", "sarif"]);
    assert_exit(&clean, 0);
    let log: Json = serde_json::from_str(&clean.out).expect("JSON");
    assert_eq!(log["runs"][0]["results"], Json::Array(Vec::new()));
    assert!(validate(&clean.out).status.success());
}

#[test]
fn deny_warnings_turns_a_warning_into_exit_1() {
    assert_exit(&stackc(["check", WARNING]), 0);
    let denied = stackc(["check", WARNING, "--deny", "warnings", "--format", "json"]);
    assert_exit(&denied, 1);
    let d: Json = serde_json::from_str(denied.out.lines().next().unwrap()).unwrap();
    assert_eq!(d["code"], "E0400");
    assert_eq!(d["severity"], "error");
}

#[test]
fn unknown_environment_is_a_usage_error_that_lists_the_known_ones() {
    let out = Scratch::new("cli-unknown-env");
    let runs = [
        stackc(["check", DOCSEARCH, "--env", "qa"]),
        stackc(["eval", DOCSEARCH, "--env", "qa"]),
        stackc([
            "emit",
            DOCSEARCH,
            "--target",
            "k8s",
            "--env",
            "qa",
            "--out",
            path_arg(out.path()),
        ]),
    ];
    for run in &runs {
        assert_exit(run, 2);
        assert!(
            run.err.contains("unknown environment `qa`"),
            "{}",
            run.log()
        );
        assert!(run.err.contains("dev, staging, prod"), "{}", run.log());
    }
    assert!(listing(out.path()).is_empty(), "emit wrote files");
}

#[test]
fn check_one_environment() {
    assert_exit(&stackc(["check", DOCSEARCH, "--env", "prod"]), 0);
}

// ---------------------------------------------------------------- explain

#[test]
fn explain_prints_a_code_and_rejects_unknown_ones() {
    let run = stackc(["explain", "E0201"]);
    assert_exit(&run, 0);
    assert!(run.out.starts_with("# E0201"), "{}", run.log());
    assert!(run.out.lines().count() > 3, "{}", run.log());
    let unknown = stackc(["explain", "E9999"]);
    assert_exit(&unknown, 2);
    assert!(
        unknown.err.contains("unknown diagnostic code `E9999`"),
        "{}",
        unknown.log()
    );
}

// ---------------------------------------------------------------- eval

#[test]
fn eval_prints_the_model_as_json_or_yaml() {
    let json = stackc(["eval", DOCSEARCH, "--env", "prod", "--format", "json"]);
    assert_exit(&json, 0);
    let j: Json = serde_json::from_str(&json.out).expect("eval --format json parses");
    let yaml = stackc(["eval", DOCSEARCH, "--env", "prod", "--format", "yaml"]);
    assert_exit(&yaml, 0);
    let y: serde_yaml::Value = serde_yaml::from_str(&yaml.out).expect("eval --format yaml parses");
    assert_eq!(
        serde_json::to_value(&y).unwrap(),
        j,
        "yaml and json give the same model"
    );
    assert_eq!(j["environment"]["name"], "prod");
    assert_eq!(j["services"]["backend"]["replicas"], 3);
    assert!(
        j["services"].get("grafana").is_none(),
        "grafana runs only in dev"
    );
}

#[test]
fn eval_without_env_uses_the_default_environment() {
    let run = stackc(["eval", DOCSEARCH]);
    assert_exit(&run, 0);
    let j: Json = serde_json::from_str(&run.out).unwrap();
    assert_eq!(j["environment"]["name"], "dev", "docsearch's default_env");
}

#[test]
fn eval_of_a_stack_with_errors_exits_1() {
    let run = stackc(["eval", ERRORS]);
    assert_exit(&run, 1);
    assert!(run.out.is_empty(), "{}", run.log());
    assert!(run.err.contains("E0104"), "{}", run.log());
}

#[test]
fn eval_honours_color_and_no_color() {
    // Colour is on when an ANSI escape is printed.
    let coloured = |run: &Run| run.err.contains("\u{1b}[");
    let always = stackc(["eval", ERRORS, "--color", "always"]);
    assert_exit(&always, 1);
    assert!(coloured(&always), "{}", always.log());
    let never = stackc_on_a_terminal(["eval", ERRORS, "--color", "never"]);
    assert_exit(&never, 1);
    assert!(!coloured(&never), "{}", never.log());
    assert!(never.err.contains("E0104"), "{}", never.log());
    // `auto` (the default) colours a terminal unless NO_COLOR is set. No
    // other test runs on a terminal, so setting NO_COLOR affects none.
    let before = std::env::var_os("NO_COLOR");
    std::env::set_var("NO_COLOR", "1");
    let no_color = stackc_on_a_terminal(["eval", ERRORS]);
    std::env::remove_var("NO_COLOR");
    let auto = stackc_on_a_terminal(["eval", ERRORS]);
    if let Some(v) = before {
        std::env::set_var("NO_COLOR", v);
    }
    assert_exit(&no_color, 1);
    assert!(!coloured(&no_color), "{}", no_color.log());
    assert_exit(&auto, 1);
    assert!(coloured(&auto), "{}", auto.log());
}

// ---------------------------------------------------------------- emit

fn emit(stack: &str, target: &str, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["emit", stack, "--target", target, "--out", path_arg(out)];
    args.extend_from_slice(extra);
    stackc(args)
}

#[test]
fn emit_check_compares_with_the_disk() {
    let scratch = Scratch::new("cli-emit-check");
    let out = scratch.path().join("out");
    let missing = emit(DOCSEARCH, "k8s", &out, &["--check"]);
    assert_exit(&missing, 1);
    assert!(missing.out.contains("missing:"), "{}", missing.log());
    assert!(!out.exists(), "--check wrote files");
    assert_exit(&emit(DOCSEARCH, "k8s", &out, &[]), 0);
    let clean = emit(DOCSEARCH, "k8s", &out, &["--check"]);
    assert_exit(&clean, 0);
    assert!(clean.out.is_empty(), "{}", clean.log());
    std::fs::write(
        out.join("prod.yaml"),
        "# generated by stackc\nedited: true\n",
    )
    .unwrap();
    let changed = emit(DOCSEARCH, "k8s", &out, &["--check"]);
    assert_exit(&changed, 1);
    assert!(
        changed.out.contains("changed:") && changed.out.contains("prod.yaml"),
        "{}",
        changed.log()
    );
}

#[test]
fn emit_writes_what_the_report_says() {
    let scratch = Scratch::new("cli-emit-report");
    let run = emit(
        DOCSEARCH,
        "kustomize",
        scratch.path(),
        &["--color", "never"],
    );
    assert_exit(&run, 0);
    let files = listing(scratch.path());
    let written = files.iter().filter(|f| *f != ".stackc-manifest").count();
    assert!(
        run.err
            .contains(&format!("kustomize: {written} files; lowering: ")),
        "{}",
        run.log()
    );
    assert!(
        run.err.contains(&format!("wrote {written} files to ")),
        "{}",
        run.log()
    );
    // By default the drops are counted per feature, not listed one by one.
    assert!(
        run.err.contains("  dropped: bind mount ×5, host ×2"),
        "the summary groups drops:\n{}",
        run.log()
    );
    assert!(!run.err.contains("warning[E0800]"), "{}", run.log());
    let full = emit(
        DOCSEARCH,
        "kustomize",
        scratch.path(),
        &["--color", "never", "--report", "full"],
    );
    assert_exit(&full, 0);
    assert_eq!(
        full.err.matches("warning[E0800]").count(),
        7,
        "--report full lists each drop:\n{}",
        full.log()
    );
    let json = emit(
        DOCSEARCH,
        "kustomize",
        scratch.path(),
        &["--color", "never", "--report", "json"],
    );
    assert_exit(&json, 0);
    let v: serde_json::Value = serde_json::from_str(&json.out).expect("--report json is JSON");
    let t = &v["targets"][0];
    assert_eq!(t["target"], "kustomize");
    assert_eq!(t["dropped"], 7);
    assert_eq!(t["lowerings"].as_array().map(Vec::len), Some(10));
    for l in t["lowerings"].as_array().unwrap() {
        assert!(l["code"] == "E0800" || l["code"] == "E0801", "{l}");
        assert!(
            l["feature"].is_string() && l["primary"]["span"]["line"].is_u64(),
            "{l}"
        );
    }
}

/// A stack with environments `dev` and `prod`, written to `dir/stack.stack`.
fn write_stack(dir: &Path, envs: &[&str]) {
    let mut text = String::from(
        "stack shop { namespace = \"shop\" }\n\
         secret token { description = \"API token\" kind = token }\n\
         service api {\n  image = \"ghcr.io/acme/api:1.0\"\n  port http { container = 8080 }\n  env { TOKEN = secret.token }\n}\n",
    );
    for e in envs {
        text.push_str(&format!("environment {e} {{ namespace = \"shop-{e}\" }}\n"));
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("stack.stack"), text).unwrap();
}

/// A file whose text is already what would be written is left alone, time
/// and all; a changed file is replaced; the run says how many were which.
#[test]
fn emit_leaves_unchanged_files_as_they_are() {
    let scratch = Scratch::new("cli-emit-unchanged");
    let (src, out) = (scratch.path().join("src"), scratch.path().join("out"));
    let stack = path_arg(&src).to_string();
    write_stack(&src, &["dev", "prod"]);
    assert_exit(&emit(&stack, "k8s", &out, &[]), 0);
    let files = ["dev.yaml", "prod.yaml"];
    // Back-dated, so a rewrite would show in the modification time.
    let past = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    let set_past = |f: &str| {
        let file = std::fs::File::options()
            .write(true)
            .open(out.join(f))
            .unwrap();
        file.set_modified(past).unwrap();
    };
    let modified = |f: &str| std::fs::metadata(out.join(f)).unwrap().modified().unwrap();
    files.iter().for_each(|f| set_past(f));

    let again = emit(&stack, "k8s", &out, &[]);
    assert_exit(&again, 0);
    assert!(
        again.err.contains("wrote 0 files to ") && again.err.contains(", 4 unchanged (0 stale"),
        "{}",
        again.log()
    );
    assert!(
        files.iter().all(|f| modified(f) == past),
        "{:?}",
        listing(&out)
    );

    // prod's namespace changes: its two files are written, dev's are not.
    let text = std::fs::read_to_string(src.join("stack.stack")).unwrap();
    std::fs::write(
        src.join("stack.stack"),
        text.replace("shop-prod", "shop-live"),
    )
    .unwrap();
    let changed = emit(&stack, "k8s", &out, &[]);
    assert_exit(&changed, 0);
    assert!(
        changed.err.contains("wrote 2 files to ") && changed.err.contains(", 2 unchanged (0 stale"),
        "{}",
        changed.log()
    );
    assert_eq!(modified("dev.yaml"), past);
    assert_ne!(modified("prod.yaml"), past);
    let prod = std::fs::read_to_string(out.join("prod.yaml")).unwrap();
    assert!(prod.contains("namespace: shop-live"), "{prod}");
    assert_exit(&emit(&stack, "k8s", &out, &["--check"]), 0);
}

#[test]
fn emit_removes_its_stale_files_and_keeps_the_users() {
    let scratch = Scratch::new("cli-emit-stale");
    let (src, out) = (scratch.path().join("src"), scratch.path().join("out"));
    let stack = path_arg(&src).to_string();
    write_stack(&src, &["dev", "prod"]);
    assert_exit(&emit(&stack, "k8s", &out, &[]), 0);
    let user = out.join("NOTES.md");
    std::fs::write(&user, "my notes\n").unwrap();
    let prod = ["prod.secrets.example.yaml", "prod.yaml"];
    assert!(
        prod.iter().all(|f| out.join(f).is_file()),
        "{:?}",
        listing(&out)
    );

    write_stack(&src, &["dev"]);
    let stale = emit(&stack, "k8s", &out, &["--check"]);
    assert_exit(&stale, 1);
    assert!(
        stale.out.contains("stale:") && stale.out.contains("prod.yaml"),
        "{}",
        stale.log()
    );
    let run = emit(&stack, "k8s", &out, &[]);
    assert_exit(&run, 0);
    assert!(run.err.contains("(2 stale files removed)"), "{}", run.log());
    assert!(
        prod.iter().all(|f| !out.join(f).exists()),
        "{:?}",
        listing(&out)
    );
    assert_eq!(std::fs::read_to_string(&user).unwrap(), "my notes\n");
    assert_exit(&emit(&stack, "k8s", &out, &["--check"]), 0);
}

#[test]
fn emit_refuses_to_overwrite_a_file_it_did_not_generate() {
    let scratch = Scratch::new("cli-emit-user-file");
    let (src, out) = (scratch.path().join("src"), scratch.path().join("out"));
    write_stack(&src, &["dev"]);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("dev.yaml"), "apiVersion: v1\nkind: List\n").unwrap();
    let run = emit(path_arg(&src), "k8s", &out, &[]);
    assert_exit(&run, 2);
    assert!(run.err.contains("refusing to overwrite"), "{}", run.log());
    assert!(run.err.contains("dev.yaml"), "{}", run.log());
    let text = std::fs::read_to_string(out.join("dev.yaml")).unwrap();
    assert_eq!(
        text, "apiVersion: v1\nkind: List\n",
        "the user's file changed"
    );
    assert_eq!(listing(&out), ["dev.yaml"], "nothing else is written");
    let leftovers = std::fs::read_dir(scratch.path()).unwrap().count();
    assert_eq!(
        leftovers, 2,
        "no temporary directory is left next to the output"
    );
}

#[test]
fn target_all_nests_each_declared_target() {
    let scratch = Scratch::new("cli-emit-all");
    let run = emit(DOCSEARCH, "all", scratch.path(), &[]);
    assert_exit(&run, 0);
    let files = listing(scratch.path());
    let tops: std::collections::BTreeSet<&str> = files
        .iter()
        .filter(|f| *f != ".stackc-manifest")
        .map(|f| f.split('/').next().unwrap())
        .collect();
    // docsearch declares `targets = [compose, kustomize, systemd, quadlet, github]`.
    assert_eq!(
        tops.into_iter().collect::<Vec<_>>(),
        ["compose", "github", "kustomize", "quadlet", "systemd"],
        "{files:?}"
    );
    assert!(files.contains(&"github/.github/workflows/production-deploy.yml".to_string()));
    assert!(files.contains(&"compose/compose.yaml".to_string()));
    assert!(files.contains(&"kustomize/overlays/prod/kustomization.yaml".to_string()));
    assert!(files.contains(&"systemd/prod/backend.service".to_string()));
    assert!(files.contains(&"quadlet/prod/backend.container".to_string()));
    assert_exit(&emit(DOCSEARCH, "all", scratch.path(), &["--check"]), 0);
}

/// The files under `dir` with their contents.
fn tree(dir: &Path) -> Vec<(String, String)> {
    let text = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    listing(dir)
        .into_iter()
        .map(|f| {
            let t = text(&f);
            (f, t)
        })
        .collect()
}

/// `--target all` runs the backends side by side on several threads: the
/// files, the report and the manifest do not depend on how many.
#[test]
fn target_all_writes_the_same_on_one_thread_and_on_several() {
    let scratch = Scratch::new("cli-emit-all-threads");
    let mut runs = Vec::new();
    // More threads than run side by side too: the rest stay unused.
    for threads in [1, 2, 8] {
        stackc::par::set_threads(threads);
        let out = scratch.path().join(format!("t{threads}"));
        let run = emit(DOCSEARCH, "all", &out, &["--report", "json"]);
        stackc::par::set_threads(0);
        assert_exit(&run, 0);
        let err = run.err.replace(path_arg(&out), "OUT");
        runs.push((threads, run.out, err, tree(&out)));
    }
    let (_, out, err, files) = &runs[0];
    assert!(files.len() > 20, "{files:?}");
    let manifest = &files
        .iter()
        .find(|(f, _)| f == ".stackc-manifest")
        .unwrap()
        .1;
    // The manifest lists the targets' files in registry order.
    let order: Vec<&str> = manifest
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('/').next().unwrap())
        .fold(Vec::new(), |mut v, t| {
            if v.last() != Some(&t) {
                v.push(t);
            }
            v
        });
    assert_eq!(
        order,
        ["compose", "kustomize", "systemd", "quadlet", "github"]
    );
    for (threads, o, e, f) in &runs[1..] {
        assert_eq!(o, out, "report with {threads} threads");
        assert_eq!(e, err, "stderr with {threads} threads");
        assert!(f == files, "files with {threads} threads");
    }
}

/// When files of several targets are in the way, the error names the one
/// of the first target in registry order, however the backends ran, and
/// nothing is written.
#[test]
fn target_all_reports_the_first_refusal_in_target_order() {
    let scratch = Scratch::new("cli-emit-all-refusal");
    for threads in [1, 2, 8] {
        let out = scratch.path().join(format!("t{threads}"));
        let mine = ["compose/compose.yaml", "systemd/prod/backend.service"];
        for f in mine {
            std::fs::create_dir_all(out.join(f).parent().unwrap()).unwrap();
            std::fs::write(out.join(f), "mine\n").unwrap();
        }
        stackc::par::set_threads(threads);
        let run = emit(DOCSEARCH, "all", &out, &[]);
        stackc::par::set_threads(0);
        assert_exit(&run, 2);
        assert!(
            run.err.contains("refusing to overwrite") && run.err.contains("compose.yaml"),
            "{threads} threads: {}",
            run.log()
        );
        assert!(!run.err.contains("backend.service"), "{}", run.log());
        assert_eq!(
            listing(&out),
            mine,
            "{threads} threads: nothing else is written"
        );
    }
    let leftovers = std::fs::read_dir(scratch.path()).unwrap().count();
    assert_eq!(leftovers, 3, "no temporary directory is left");
}

#[test]
fn deny_lossy_fails_when_a_feature_is_dropped_and_writes_nothing() {
    let scratch = Scratch::new("cli-emit-lossy");
    let out = scratch.path().join("out");
    let denied = emit(LOSSY, "k8s", &out, &["--deny", "lossy", "--color", "never"]);
    assert_exit(&denied, 1);
    assert!(denied.err.contains("error[E0800]"), "{}", denied.log());
    assert!(denied.err.contains("nothing written"), "{}", denied.log());
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    assert_exit(&emit(LOSSY, "k8s", &out, &[]), 0);
    let exact = emit(
        MINIMAL,
        "k8s",
        &scratch.path().join("exact"),
        &["--deny", "lossy"],
    );
    assert_exit(&exact, 0);
}

#[test]
fn emit_of_a_stack_with_errors_exits_1_and_writes_nothing() {
    let scratch = Scratch::new("cli-emit-errors");
    let run = emit(ERRORS, "compose", scratch.path(), &[]);
    assert_exit(&run, 1);
    assert!(run.err.contains("2 errors"), "{}", run.log());
    assert!(listing(scratch.path()).is_empty());
}

#[test]
fn emit_one_environment() {
    let scratch = Scratch::new("cli-emit-env");
    assert_exit(
        &emit(DOCSEARCH, "k8s", scratch.path(), &["--env", "staging"]),
        0,
    );
    let files = listing(scratch.path());
    assert!(files.contains(&"staging.yaml".to_string()), "{files:?}");
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("prod") || f.starts_with("dev")),
        "{files:?}"
    );
}

// ---------------------------------------------------------------- fmt

#[test]
fn fmt_check_reports_unformatted_files() {
    let scratch = Scratch::new("cli-fmt");
    let file = scratch.path().join("messy.stack");
    let messy = "stack   shop{namespace=\"shop\"}\nservice  web {image=\"nginx:1.27\"   }\n";
    std::fs::write(&file, messy).unwrap();
    let check = stackc(["fmt", "--check", path_arg(&file)]);
    // Until `stackc fmt` lands, main's stub exits 2 and says nothing.
    let unavailable = check.err.is_empty() || check.err.contains("not built");
    if check.code == 2 && unavailable {
        eprintln!("note: skipping: `stackc fmt` is not available in this build");
        return;
    }
    assert_exit(&check, 1);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        messy,
        "--check wrote"
    );
    assert_exit(&stackc(["fmt", path_arg(&file)]), 0);
    assert_ne!(std::fs::read_to_string(&file).unwrap(), messy);
    assert_exit(&stackc(["fmt", "--check", path_arg(&file)]), 0);
}

/// A run killed mid-way leaves `.<out>.stackc-tmp-<pid>` beside the
/// output; the next run removes it when that process is gone, and leaves a
/// live run's staging directory alone.
#[test]
fn stale_staging_directories_of_dead_runs_are_removed() {
    let scratch = Scratch::new("cli-emit-staging");
    let out = scratch.path().join("out");
    // Beyond Linux's largest pid: never a running process.
    let dead = scratch.path().join(".out.stackc-tmp-999999999");
    let dead_old = scratch.path().join(".out.stackc-tmp-999999998.old");
    // pid 1 (init) always runs.
    let live = scratch.path().join(".out.stackc-tmp-1");
    for d in [&dead, &dead_old, &live] {
        std::fs::create_dir_all(d.join("k8s")).unwrap();
        std::fs::write(d.join("k8s/half.yaml"), "half written").unwrap();
    }
    let run = emit(DOCSEARCH, "k8s", &out, &[]);
    assert_exit(&run, 0);
    assert!(!dead.exists(), "a dead run's staging directory is left");
    assert!(
        !dead_old.exists(),
        "a dead run's moved-aside output is left"
    );
    if std::path::Path::new("/proc/self").exists() {
        assert!(live.exists(), "a live run's staging directory was removed");
    }
}
