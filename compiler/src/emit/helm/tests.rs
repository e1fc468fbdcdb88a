//! Unit tests of the one-pass build: what reading one service's objects at
//! a time must keep from reading every model's objects at once.

use super::*;
use crate::emit::Target;
use crate::source::MemoryLoader;

fn models(text: &str) -> Models {
    let loader = MemoryLoader::new().with("stack.stack", text);
    let c = crate::compile("stack.stack", &loader, &Default::default());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    c.models(None).expect("models")
}

/// Models of a stack the checker rejects with exactly `code`.
fn models_despite(code: crate::diagnostics::Code, text: &str) -> Models {
    let loader = MemoryLoader::new().with("stack.stack", text);
    let c = crate::compile("stack.stack", &loader, &Default::default());
    assert!(
        c.diagnostics.iter().all(|d| d.code == code),
        "{:?}",
        c.diagnostics
    );
    c.models(None).expect("models")
}

fn file<'a>(out: &'a Output, path: &str) -> &'a str {
    let f = out.files.iter().find(|f| f.path == path);
    &f.unwrap_or_else(|| panic!("no {path}")).contents
}

/// Lowerings whose order and environment lists depend on the order in
/// which the services of each model are built: one template volume whose
/// message differs per service and environment, a service only some
/// environments run, and a host process.
const ORDER: &str = r#"
stack order {
    version = "1.0.0"
    targets = [k8s, helm]
}
template shared {
    restart = on_failure
    volume data {
        size = 1Gi
        mount = "/data"
    }
}
service late : shared {
    image = "busybox:1"
    replicas = 2
    environments = [prod]
}
service early : shared {
    image = "busybox:1"
    replicas = 3
}
service daemon {
    host {
        exec = "/usr/bin/daemon"
    }
}
environment dev {
    service early {
        replicas = 2
    }
}
environment prod {
    service late {
        replicas = 3
    }
}
"#;

/// Helm reports what k8s reports, in the same order, with the same
/// environments, and counts the same exact lowerings.
fn assert_same_report(helm: &Output, k8s: &Output) {
    let what = |o: &Output| -> Vec<_> {
        let key = |l: &crate::emit::Lowering| {
            let (envs, feature, message) = (l.envs.clone(), l.feature.clone(), l.message.clone());
            (l.kind, l.span, envs, feature, message)
        };
        o.lowerings.iter().map(key).collect()
    };
    assert_eq!(what(helm), what(k8s));
    assert_eq!(helm.exact, k8s.exact);
}

#[test]
fn lowerings_are_reported_as_building_each_model_in_turn() {
    let m = models(ORDER);
    let (helm, k8s) = (
        crate::emit::emit(&m, Target::Helm),
        crate::emit::emit(&m, Target::K8s),
    );
    assert!(helm.lowerings.iter().any(|l| l.envs.len() > 1));
    assert_same_report(&helm, &k8s);
}

#[test]
fn without_environments_the_base_is_reported() {
    let text = ORDER.split("environment dev").next().unwrap_or_default();
    let m = models(&text.replace("environments = [prod]", ""));
    let (helm, k8s) = (
        crate::emit::emit(&m, Target::Helm),
        crate::emit::emit(&m, Target::K8s),
    );
    assert!(!helm.lowerings.is_empty());
    assert_same_report(&helm, &k8s);
}

/// `a` + volume `b-c` and `a-b` + volume `c` both claim `a-b-c`: the
/// checker reports it (E0311); should the backend see such a model anyway,
/// each service's values describe the claim it declares.
#[test]
fn each_service_reads_its_own_claim() {
    let m = models_despite(
        crate::diagnostics::Code::E0311,
        r#"
stack claims {
    version = "1.0.0"
    targets = [k8s, helm]
}
service a {
    image = "busybox:1"
    volume b-c {
        size = 1Gi
        mount = "/x"
    }
}
service a-b {
    image = "busybox:1"
    volume c {
        size = 5Gi
        mount = "/y"
    }
}
"#,
    );
    let out = crate::emit::emit(&m, Target::Helm);
    let values: serde_yaml::Value = serde_yaml::from_str(file(&out, "claims/values.yaml")).unwrap();
    let size = |svc: &str| values[svc]["volumes"][0]["persistence"]["size"].clone();
    assert_eq!(size("a"), serde_yaml::Value::from("1Gi"));
    assert_eq!(size("a-b"), serde_yaml::Value::from("5Gi"));
}
