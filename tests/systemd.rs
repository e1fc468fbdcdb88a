//! The systemd backend (`stackc emit --target systemd`).
//!
//! Every directory of `fixtures/emit/systemd/` is one case: a `stack.stack`
//! whose leading comment says what it covers. Each case's files and
//! lowering report are snapshotted (the examples' are in `emit.rs`). For
//! every case and every example, semantic properties of the units:
//!
//! * a variable bound to a secret is never an `Environment=` line: it is in
//!   the unit's environment file (listed in `<service>.env.example` with a
//!   placeholder) or, for a `file = true` secret, a credential path
//!   (`%d/<secret>`, with `LoadCredential=`);
//! * `CAP_NET_BIND_SERVICE` is in a unit exactly when the service binds a
//!   port below 1024; a `strict` unit without one keeps no capability;
//! * `<stack>.target` wants every unit of its directory, and every unit is
//!   `PartOf=` it;
//! * `depends_on` between units is `After=` + `Requires=`.
//!
//! The real tools (`systemd-analyze verify` and `security`) run in
//! `conformance.rs`.
//!
//! Adding a case: write `fixtures/emit/systemd/<case>/stack.stack`, run
//! `cargo insta test -p stackc-tests --test systemd`, review the new
//! snapshots, `cargo insta accept`.

use stackc::emit::{self, Output, Target};
use stackc::model::{EnvValue, Hardening, Model, Service};
use stackc_tests::stacks::{self, report, snapshot_component, StackDir};

fn emitted(stack: &StackDir) -> (stackc::Compilation, stackc::emit::Models, Output) {
    let c = stack.compile();
    let models = c.models(None).expect("models");
    let out = emit::emit(&models, Target::Systemd);
    (c, models, out)
}

#[test]
fn snapshots_of_every_case() {
    insta::glob!("fixtures/emit/systemd", "*/stack.stack", |path| {
        let dir = path.parent().unwrap();
        let stack = StackDir {
            name: format!("systemd-{}", dir.file_name().unwrap().to_string_lossy()),
            dir: dir.to_path_buf(),
        };
        let (c, _, out) = emitted(&stack);
        let mut settings = insta::Settings::clone_current();
        settings.remove_snapshot_suffix();
        settings.bind(|| {
            for f in &out.files {
                let name = format!("{}__{}", stack.name, snapshot_component(&f.path));
                insta::assert_snapshot!(name, &f.contents);
            }
            insta::assert_snapshot!(format!("{}__report", stack.name), report(&c, &out));
        });
    });
}

/// Every example and every systemd fixture.
fn all() -> Vec<StackDir> {
    let mut all = stacks::examples();
    all.extend(
        stacks::emit_fixtures()
            .into_iter()
            .filter(|s| s.name.starts_with("systemd-")),
    );
    all
}

fn file<'a>(out: &'a Output, path: &str) -> Option<&'a str> {
    out.files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.contents.as_str())
}

/// `(directory prefix, model)` for each emitted environment.
fn dirs(models: &stackc::emit::Models) -> Vec<(String, &Model)> {
    models
        .env_or_base()
        .into_iter()
        .map(|m| (m.env_name().map_or(String::new(), |e| format!("{e}/")), m))
        .collect()
}

fn runs(s: &Service) -> bool {
    s.host.is_some() && s.external.is_none()
}

/// The values of `key=` lines of a unit.
fn values<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    let prefix = format!("{key}=");
    unit.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

#[test]
fn secrets_stay_out_of_units() {
    let mut checked = 0;
    for stack in all() {
        let (_, models, out) = emitted(&stack);
        for (dir, m) in dirs(&models) {
            for s in m.services.values().filter(|s| runs(s)) {
                let what = format!("{} {dir}{}.service", stack.name, s.name);
                let unit = file(&out, &format!("{dir}{}.service", s.name))
                    .unwrap_or_else(|| panic!("{what}: missing"));
                assert!(!unit.contains("change-me"), "{what}: holds a placeholder");
                let example = file(&out, &format!("{dir}{}.env.example", s.name));
                for (var, v) in &s.env {
                    let EnvValue::Secret { secret } = v else {
                        continue;
                    };
                    let envs = values(unit, "Environment");
                    if m.secrets[secret].file {
                        let want = format!("\"{var}=%d/{secret}\"");
                        assert!(envs.contains(&want.as_str()), "{what}: {var}");
                        let cred = values(unit, "LoadCredential");
                        assert!(
                            cred.iter().any(|c| c.starts_with(&format!("{secret}:"))),
                            "{what}: no LoadCredential for {secret}"
                        );
                    } else {
                        let set_here = envs.iter().any(|e| e.starts_with(&format!("\"{var}=")));
                        assert!(!set_here, "{what}: {var} is in the unit");
                        assert_eq!(values(unit, "EnvironmentFile").len(), 1, "{what}");
                        let example = example.unwrap_or_else(|| panic!("{what}: no .env.example"));
                        assert!(
                            example.contains(&format!("\n{var}=change-me\n")),
                            "{what}: {var} not in the example"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 0, "no secret variable checked");
}

#[test]
fn capabilities_follow_privileged_ports() {
    for stack in all() {
        let (_, models, out) = emitted(&stack);
        for (dir, m) in dirs(&models) {
            for s in m.services.values().filter(|s| runs(s)) {
                let what = format!("{} {dir}{}.service", stack.name, s.name);
                let unit = file(&out, &format!("{dir}{}.service", s.name)).unwrap();
                let low = s.ports.values().any(|p| p.container < 1024);
                assert_eq!(unit.contains("CAP_NET_BIND_SERVICE"), low, "{what}");
                let strict = s.host.as_ref().unwrap().hardening == Hardening::Strict;
                if strict && !low {
                    assert_eq!(values(unit, "CapabilityBoundingSet"), [""], "{what}");
                }
            }
        }
    }
}

#[test]
fn the_target_groups_the_units_and_dependencies_order_them() {
    for stack in all() {
        let (_, models, out) = emitted(&stack);
        for (dir, m) in dirs(&models) {
            let stack_name = &m.stack.name;
            let target = file(&out, &format!("{dir}{stack_name}.target"))
                .unwrap_or_else(|| panic!("{} {dir}: no target", stack.name));
            let wants: Vec<&str> = values(target, "Wants")
                .iter()
                .flat_map(|w| w.split(' '))
                .collect();
            for s in m.services.values().filter(|s| runs(s)) {
                let name = format!("{}.service", s.name);
                let what = format!("{} {dir}{name}", stack.name);
                assert!(wants.contains(&name.as_str()), "{what}: not wanted");
                let unit = file(&out, &format!("{dir}{name}")).unwrap();
                assert_eq!(
                    values(unit, "PartOf"),
                    [format!("{stack_name}.target")],
                    "{what}"
                );
                let list = |k| values(unit, k).join(" ");
                for dep in s.depends_on.keys() {
                    if !m.services.get(dep).is_some_and(runs) {
                        continue;
                    }
                    let d = format!("{dep}.service");
                    assert!(list("After").split(' ').any(|x| x == d), "{what}: After");
                    assert!(list("Requires").split(' ').any(|x| x == d), "{what}");
                }
            }
        }
    }
}

/// Every mounted `file` of a host process (but one whose path has a `:`)
/// is written as `files/<service>/<name>` with its text byte for byte, the
/// README installs that copy under `/etc/<stack>/files/`, and the unit
/// bind-mounts the installed copy read-only at the file's path.
#[test]
fn mounted_files_are_installed_and_bound_read_only() {
    let mut checked = 0;
    for stack in all() {
        let (_, models, out) = emitted(&stack);
        for (dir, m) in dirs(&models) {
            let readme = file(&out, &format!("{dir}README.txt")).unwrap_or_default();
            for s in m.services.values().filter(|s| runs(s)) {
                let what = format!("{} {dir}{}.service", stack.name, s.name);
                let unit = file(&out, &format!("{dir}{}.service", s.name)).unwrap();
                // Unquoted: the `BindReadOnlyPaths=` words without their
                // quotes and with `%%` as `%`.
                let binds: Vec<String> = values(unit, "BindReadOnlyPaths")
                    .iter()
                    .map(|b| b.trim_matches('"').replace("%%", "%"))
                    .collect();
                let mut bound = 0;
                for (path, f) in &s.files {
                    if path.contains(':') {
                        continue;
                    }
                    let bind = binds
                        .iter()
                        .find(|b| b.ends_with(&format!(":{path}")))
                        .unwrap_or_else(|| panic!("{what}: {path} is not bound"));
                    let installed = bind.strip_suffix(&format!(":{path}")).unwrap();
                    let copy = installed
                        .strip_prefix(&format!("/etc/{}/", m.stack.name))
                        .unwrap_or_else(|| panic!("{what}: {installed}"));
                    assert!(copy.starts_with(&format!("files/{}/", s.name)), "{what}");
                    assert_eq!(
                        file(&out, &format!("{dir}{copy}")),
                        Some(f.content.as_str()),
                        "{what}: {copy} is not the text of {path}"
                    );
                    assert!(
                        readme.contains(&format!("install -D -m 0644 {copy} {installed}\n")),
                        "{what}: README does not install {copy}"
                    );
                    bound += 1;
                    checked += 1;
                }
                assert_eq!(binds.len(), bound, "{what}: a bind for no file");
            }
        }
    }
    assert!(checked >= 3, "only {checked} files checked");
}
