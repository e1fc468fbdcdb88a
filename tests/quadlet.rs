//! The Podman Quadlet backend (`stackc emit --target quadlet`).
//!
//! Every directory of `fixtures/emit/quadlet/` is one case: a `stack.stack`
//! whose leading comment says what it covers. Each case's files and
//! lowering report are snapshotted (the examples' are in `emit.rs`). For
//! every case and every example, semantic properties of the units:
//!
//! * every service runs as a `<service>.container` exactly when it has an
//!   image and is not `external`; the others are in the lowering report;
//! * secrets stay out of the files: a variable bound to a secret is a
//!   `Secret=…,type=env,target=VAR` line (or, for a `file = true` secret,
//!   a mounted secret whose path the variable holds), never an
//!   `Environment=` value, and every `Secret=` names a Podman secret the
//!   README creates with `podman secret create`;
//! * every `Volume=` of a `.volume` unit and every `Network=` names a file
//!   of the same directory;
//! * `depends_on` between containers is `Requires=` + `After=` on units
//!   emitted in the same directory, and nothing else is;
//! * `Notify=healthy` is on exactly the containers with a health check
//!   that another container waits for as `healthy`;
//! * `<stack>.target` wants every container, and every container is
//!   `PartOf=` it and `WantedBy=default.target`.
//!
//! Podman's generator (`quadlet -dryrun`) and `systemd-analyze verify` of
//! what it generates run in `conformance.rs`.
//!
//! Adding a case: write `fixtures/emit/quadlet/<case>/stack.stack`, run
//! `INSTA_UPDATE=always cargo test -p stackc-tests --test quadlet`, read
//! every new snapshot.

use stackc::emit::{self, Output, Target};
use stackc::model::{Condition, EnvValue, Model, Service};
use stackc_tests::stacks::{self, report, snapshot_component, StackDir};

fn emitted(stack: &StackDir) -> (stackc::Compilation, stackc::emit::Models, Output) {
    let c = stack.compile();
    let models = c.models(None).expect("models");
    let out = emit::emit(&models, Target::Quadlet);
    (c, models, out)
}

#[test]
fn snapshots_of_every_case() {
    insta::glob!("fixtures/emit/quadlet", "*/stack.stack", |path| {
        let dir = path.parent().unwrap();
        let stack = StackDir {
            name: format!("quadlet-{}", dir.file_name().unwrap().to_string_lossy()),
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

/// Every example and every emit fixture (each backend's cases exercise
/// features this one must lower or report too).
fn all() -> Vec<StackDir> {
    let mut all = stacks::examples();
    all.extend(stacks::emit_fixtures());
    all
}

fn file<'a>(out: &'a Output, path: &str) -> Option<&'a str> {
    out.files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.contents.as_str())
}

/// `(directory prefix, model)` for each emitted environment.
fn dirs(models: &emit::Models) -> Vec<(String, &Model)> {
    models
        .env_or_base()
        .into_iter()
        .filter(|m| {
            m.environment
                .as_ref()
                .is_none_or(|e| e.emits(Target::Quadlet))
        })
        .map(|m| (m.env_name().map_or(String::new(), |e| format!("{e}/")), m))
        .collect()
}

fn runs(s: &Service) -> bool {
    s.image_ref.is_some() && s.external.is_none()
}

/// The values of `key=` lines of a unit.
fn values<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    let prefix = format!("{key}=");
    unit.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

/// Every container of every directory: `(what, dir, model, service, unit)`.
fn each_container(mut f: impl FnMut(&str, &str, &Model, &Service, &str, &Output)) {
    let mut seen = 0;
    for stack in all() {
        let (_, models, out) = emitted(&stack);
        for (dir, m) in dirs(&models) {
            for s in m.services.values().filter(|s| runs(s)) {
                let path = format!("{dir}{}.container", s.name);
                let what = format!("{} {path}", stack.name);
                let unit = file(&out, &path).unwrap_or_else(|| panic!("{what}: missing"));
                f(&what, &dir, m, s, unit, &out);
                seen += 1;
            }
        }
    }
    assert!(seen > 20, "only {seen} containers checked");
}

#[test]
fn every_service_is_a_container_or_reported() {
    for stack in all() {
        let (c, models, out) = emitted(&stack);
        for (dir, m) in dirs(&models) {
            for s in m.services.values() {
                let path = format!("{dir}{}.container", s.name);
                let what = format!("{} {path}", stack.name);
                assert_eq!(file(&out, &path).is_some(), runs(s), "{what}");
                if runs(s) {
                    continue;
                }
                let reported = out.lowerings.iter().any(|l| {
                    (l.feature == "service" || l.feature == "external")
                        && l.message.contains(&format!("`{}`", s.name))
                });
                assert!(reported, "{what}: no container and not reported");
            }
            let units = out
                .files
                .iter()
                .filter(|f| f.path.starts_with(&dir) && f.path.ends_with(".container"))
                .count();
            // One per service and one per init container of it.
            let services: usize = m
                .services
                .values()
                .filter(|s| runs(s))
                .map(|s| 1 + s.init.len())
                .sum();
            assert_eq!(units, services, "{} {dir}: stray containers", stack.name);
        }
        drop(c);
    }
}

#[test]
fn secrets_stay_out_of_the_files_and_the_readme_creates_them() {
    let mut checked = 0;
    each_container(|what, dir, m, s, unit, out| {
        let readme = file(out, &format!("{dir}README.txt")).expect("README.txt");
        let envs = values(unit, "Environment");
        let secrets = values(unit, "Secret");
        for sec in &secrets {
            let name = sec.split(',').next().unwrap();
            assert!(
                readme.contains(&format!("podman secret create {name} ")),
                "{what}: README does not create {name}"
            );
        }
        for (var, v) in &s.env {
            let EnvValue::Secret { secret } = v else {
                continue;
            };
            let podman = format!("{}-{secret}", m.stack.name);
            if m.secrets[secret].file {
                let path = format!("/run/secrets/{secret}");
                assert!(
                    envs.contains(&format!("\"{var}={path}\"").as_str()),
                    "{what}: {var} does not hold the secret's path"
                );
                let mount = format!("{podman},type=mount,target={path}");
                assert!(secrets.contains(&mount.as_str()), "{what}: no {mount}");
            } else {
                let set_here = envs.iter().any(|e| e.starts_with(&format!("\"{var}=")));
                assert!(!set_here, "{what}: {var} is an Environment= value");
                let want = format!("{podman},type=env,target={var}");
                assert!(secrets.contains(&want.as_str()), "{what}: no {want}");
            }
            checked += 1;
        }
    });
    assert!(checked > 0, "no secret variable checked");
    // Nothing a secret could be is written anywhere: no placeholder, no
    // `.env` file.
    for stack in all() {
        let (_, _, out) = emitted(&stack);
        for f in &out.files {
            assert!(!f.contents.contains("change-me"), "{}", f.path);
            assert!(!f.path.contains(".env"), "{}", f.path);
        }
    }
}

#[test]
fn volumes_networks_and_dependencies_name_emitted_units() {
    each_container(|what, dir, m, s, unit, out| {
        for v in values(unit, "Volume") {
            let src = v.split(':').next().unwrap();
            if src.ends_with(".volume") {
                assert!(
                    file(out, &format!("{dir}{src}")).is_some(),
                    "{what}: {src} is not emitted"
                );
            }
        }
        let networks = values(unit, "Network");
        assert_eq!(networks, [format!("{}.network", m.stack.name)], "{what}");
        assert!(
            file(out, &format!("{dir}{}", networks[0])).is_some(),
            "{what}"
        );
        let list = |k| {
            values(unit, k)
                .iter()
                .flat_map(|l| l.split(' '))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let (requires, after) = (list("Requires"), list("After"));
        assert_eq!(requires, after, "{what}: Requires= and After= differ");
        let inits: Vec<String> = s
            .init
            .keys()
            .map(|i| format!("{}-init-{i}.service", s.name))
            .collect();
        let last = requires.len() - inits.len().min(requires.len());
        assert_eq!(requires[last..], inits[..], "{what}: its init containers");
        for r in &requires[..last] {
            let dep = r.strip_suffix(".service").expect("a service");
            assert!(
                file(out, &format!("{dir}{dep}.container")).is_some(),
                "{what}: {r} is not an emitted container"
            );
            assert!(s.depends_on.contains_key(dep), "{what}: {dep} not declared");
        }
        for dep in s.depends_on.keys() {
            let container = m.services.get(dep).is_some_and(runs);
            let listed = requires.contains(&format!("{dep}.service"));
            assert_eq!(container, listed, "{what}: depends_on {dep}");
        }
    });
}

#[test]
fn notify_healthy_exactly_where_a_dependant_waits_for_health() {
    let mut notified = 0;
    each_container(|what, _, m, s, unit, _| {
        let waited = m
            .services
            .values()
            .any(|o| runs(o) && o.depends_on.get(&s.name) == Some(&Condition::Healthy));
        let checked = !values(unit, "HealthCmd").is_empty();
        let notify = values(unit, "Notify");
        assert_eq!(
            notify == ["healthy"],
            waited && checked,
            "{what}: Notify={notify:?}, waited for health: {waited}, health check: {checked}"
        );
        notified += usize::from(waited && checked);
    });
    assert!(notified > 0, "no Notify=healthy checked");
}

#[test]
fn the_target_groups_the_containers() {
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
                let what = format!("{} {dir}{}.container", stack.name, s.name);
                let name = format!("{}.service", s.name);
                assert!(wants.contains(&name.as_str()), "{what}: not wanted");
                let unit = file(&out, &format!("{dir}{}.container", s.name)).unwrap();
                assert_eq!(
                    values(unit, "PartOf"),
                    [format!("{stack_name}.target")],
                    "{what}"
                );
                assert_eq!(values(unit, "WantedBy"), ["default.target"], "{what}");
            }
        }
    }
}

/// Every mounted `file` (but one whose path has a `:`, which a bind mount
/// cannot name) is one read-only `Volume=./files/<service>/<name>:<path>:ro,Z`
/// whose source is emitted with the file's text byte for byte; and every
/// `files/` copy is mounted.
#[test]
fn mounted_files_are_written_and_bind_mounted_read_only() {
    let mut checked = 0;
    each_container(|what, dir, _, s, unit, out| {
        let mounts: Vec<(&str, &str)> = values(unit, "Volume")
            .into_iter()
            .filter_map(|v| v.strip_prefix("./"))
            .filter_map(|v| {
                let v = v.strip_suffix(":ro,Z")?;
                v.split_once(':')
            })
            .collect();
        for (path, f) in &s.files {
            if path.contains(':') {
                continue;
            }
            let (src, _) = mounts
                .iter()
                .find(|(_, dst)| dst == path)
                .unwrap_or_else(|| panic!("{what}: {path} is not mounted"));
            assert!(
                src.starts_with(&format!("files/{}/", s.name)),
                "{what}: {src}"
            );
            assert_eq!(
                file(out, &format!("{dir}{src}")),
                Some(f.content.as_str()),
                "{what}: {src} is not the text of {path}"
            );
            checked += 1;
        }
        assert_eq!(
            mounts.len(),
            s.files.len() - s.files.keys().filter(|p| p.contains(':')).count(),
            "{what}"
        );
    });
    assert!(checked >= 3, "only {checked} files checked");
}

/// Each init container is a one-shot `<service>-init-<name>.container`
/// (`Type=oneshot`, `RemainAfterExit=yes`, no `[Install]`: its service
/// starts it), after the init container before it, with the service's
/// dependencies; a `pre_stop` hook is an `ExecStop=` that may fail.
#[test]
fn init_containers_run_once_before_their_service_and_pre_stop_is_exec_stop() {
    let (mut inits, mut hooks) = (0, 0);
    each_container(|what, dir, _, s, unit, out| {
        let mut previous: Option<String> = None;
        for name in s.init.keys() {
            let stem = format!("{}-init-{name}", s.name);
            let init = file(out, &format!("{dir}{stem}.container"))
                .unwrap_or_else(|| panic!("{what}: no {stem}.container"));
            assert_eq!(values(init, "Type"), ["oneshot"], "{what}: {stem}");
            assert_eq!(values(init, "RemainAfterExit"), ["yes"], "{what}: {stem}");
            assert!(!init.contains("[Install]"), "{what}: {stem} is installed");
            let requires: Vec<&str> = values(init, "Requires")
                .iter()
                .flat_map(|l| l.split(' '))
                .collect();
            if let Some(p) = &previous {
                assert_eq!(
                    requires.last(),
                    Some(&format!("{p}.service").as_str()),
                    "{what}: {stem} does not follow {p}"
                );
            }
            assert_eq!(values(init, "Requires"), values(init, "After"), "{what}");
            previous = Some(stem);
            inits += 1;
        }
        let stops = values(unit, "ExecStop");
        match &s.pre_stop {
            Some(_) => {
                assert_eq!(stops.len(), 1, "{what}: {stops:?}");
                assert!(
                    stops[0].starts_with('-'),
                    "{what}: a failing hook blocks the stop"
                );
                hooks += 1;
            }
            None => assert!(stops.is_empty(), "{what}"),
        }
    });
    assert!(
        inits >= 3 && hooks >= 3,
        "only {inits} init containers, {hooks} hooks"
    );
}
