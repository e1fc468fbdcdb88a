use super::*;
use crate::emit::yaml::to_string;

fn svc(key: &str, value: Yaml) -> Yaml {
    Yaml::map().with(
        "services",
        Yaml::map().with("a", Yaml::map().with(key.to_string(), value)),
    )
}

fn seq(items: &[&str]) -> Yaml {
    Yaml::Seq(items.iter().map(|s| Yaml::str(*s)).collect())
}

#[test]
fn equal_documents_give_an_empty_override() {
    let d = svc("image", "x".into());
    assert_eq!(overrides(&d, &d), Yaml::map());
}

#[test]
fn maps_merge_and_removed_keys_are_reset() {
    let b = svc(
        "environment",
        Yaml::map().with("A", "1".into()).with("B", "2".into()),
    );
    let e = svc(
        "environment",
        Yaml::map().with("A", "1".into()).with("C", "3".into()),
    );
    assert_eq!(
        to_string(&overrides(&b, &e)),
        "services:\n  a:\n    environment:\n      C: \"3\"\n      B: !reset null\n"
    );
}

#[test]
fn key_order_alone_is_no_difference() {
    let b = svc(
        "environment",
        Yaml::map().with("A", "1".into()).with("B", "2".into()),
    );
    let e = svc(
        "environment",
        Yaml::map().with("B", "2".into()).with("A", "1".into()),
    );
    assert_eq!(overrides(&b, &e), Yaml::map());
}

#[test]
fn commands_replace_unique_lists_append_other_lists_override() {
    let cmd = overrides(
        &svc("command", seq(&["a"])),
        &svc("command", seq(&["a", "b"])),
    );
    assert_eq!(
        to_string(&cmd),
        "services:\n  a:\n    command:\n      - a\n      - b\n"
    );
    let ports = overrides(&svc("ports", seq(&["1"])), &svc("ports", seq(&["1", "2"])));
    assert_eq!(
        to_string(&ports),
        "services:\n  a:\n    ports:\n      - \"2\"\n"
    );
    let changed = overrides(&svc("ports", seq(&["1", "2"])), &svc("ports", seq(&["2"])));
    assert_eq!(
        to_string(&changed),
        "services:\n  a:\n    ports: !override\n      - \"2\"\n"
    );
    let profiles = overrides(&svc("profiles", seq(&["dev"])), &svc("image", "x".into()));
    assert_eq!(
        to_string(&profiles),
        "services:\n  a:\n    image: x\n    profiles: !reset []\n"
    );
}

#[test]
fn a_change_of_kind_is_an_override() {
    let o = overrides(
        &svc("build", "ctx".into()),
        &svc("build", Yaml::map().with("context", "x".into())),
    );
    assert_eq!(
        to_string(&o),
        "services:\n  a:\n    build: !override\n      context: x\n"
    );
}
