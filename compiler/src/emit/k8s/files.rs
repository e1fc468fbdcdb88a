//! Files mounted into a container (`file "/path" { … }`): a ConfigMap
//! item each, mounted read-only at its path with `subPath`. A file read
//! from a config key is an item of that config's ConfigMap; a file from
//! the repository (`source`) or written in the stack (`content`) is an
//! item of the service's own ConfigMap `<service>-files`. The pod
//! template's `checksum/config` covers the files' text, so a change rolls
//! the pods (`subPath` mounts are not updated in place).

use super::meta::{base_labels, k8s_name, metadata, object};
use super::Object;
use crate::emit::yaml::Yaml;
use crate::model::{Model, Service};

/// One mounted file as Kubernetes sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The absolute path in the container.
    pub path: String,
    /// The pod volume (a DNS label, unique in the pod).
    pub volume: String,
    /// The ConfigMap holding the text.
    pub config_map: String,
    /// The ConfigMap key (`[-._a-zA-Z0-9]+`).
    pub key: String,
    /// Whether the ConfigMap is the service's own (`<service>-files`).
    pub own: bool,
    pub content: String,
}

/// The service's own ConfigMap of files.
pub fn own_config_map(service: &str) -> String {
    format!("{}-files", k8s_name(service))
}

/// The mounted files of `s`, in declaration order.
pub fn items(s: &Service) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(s.files.len());
    for (path, f) in &s.files {
        let (config_map, key, own) = match &f.config {
            Some((c, k)) => (k8s_name(c), k.clone(), false),
            None => {
                let base = path.rsplit('/').find(|p| !p.is_empty()).unwrap_or("file");
                let mut key: String = base
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                if key.chars().all(|c| c == '.') {
                    key = format!("file{key}");
                }
                let taken = |k: &str| out.iter().any(|i| i.own && i.key == k);
                if taken(&key) {
                    let mut n = 2;
                    while taken(&format!("{key}-{n}")) {
                        n += 1;
                    }
                    key = format!("{key}-{n}");
                }
                (own_config_map(&s.name), key, true)
            }
        };
        let volume = unique_label(&out, &key);
        out.push(Item {
            path: path.clone(),
            volume,
            config_map,
            key,
            own,
            content: f.content.clone(),
        });
    }
    out
}

/// `file-<key>` as a DNS label (lowercase alphanumerics and `-`, at most
/// 63 characters), unique among the items so far.
fn unique_label(items: &[Item], key: &str) -> String {
    let mut base: String = format!("file-{key}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while base.contains("--") {
        base = base.replace("--", "-");
    }
    let base = base.trim_end_matches('-');
    let base = &base[..base.len().min(56)];
    let base = base.trim_end_matches('-').to_string();
    if !items.iter().any(|i| i.volume == base) {
        return base;
    }
    let mut n = 2;
    while items.iter().any(|i| i.volume == format!("{base}-{n}")) {
        n += 1;
    }
    format!("{base}-{n}")
}

/// The service's own ConfigMap, when it mounts a file from the repository
/// or the stack.
pub fn config_map(m: &Model, s: &Service) -> Option<Object> {
    let own: Vec<Item> = items(s).into_iter().filter(|i| i.own).collect();
    if own.is_empty() {
        return None;
    }
    let name = own_config_map(&s.name);
    let mut data = Yaml::map();
    for i in &own {
        data.push_entry(i.key.clone(), Yaml::str(&i.content));
    }
    Some(object(
        "v1",
        "ConfigMap",
        &name,
        Some(&s.name),
        metadata(m, &name, base_labels(m)),
        vec![("data", data)],
    ))
}

/// The pod volumes: one ConfigMap volume per file, with the one item.
pub fn volumes(s: &Service) -> Vec<Yaml> {
    items(s)
        .into_iter()
        .map(|i| {
            let item = Yaml::map()
                .with("key", Yaml::str(&i.key))
                .with("path", Yaml::str(&i.key));
            let cm = Yaml::map()
                .with("name", Yaml::str(&i.config_map))
                .with("items", Yaml::Seq(vec![item]));
            Yaml::map()
                .with("name", Yaml::str(&i.volume))
                .with("configMap", cm)
        })
        .collect()
}

/// The container's mounts: each file at its path, read-only.
pub fn mounts(s: &Service) -> Vec<Yaml> {
    items(s)
        .into_iter()
        .map(|i| {
            Yaml::map()
                .with("name", Yaml::str(&i.volume))
                .with("mountPath", Yaml::str(&i.path))
                .with("subPath", Yaml::str(&i.key))
                .with("readOnly", Yaml::Bool(true))
        })
        .collect()
}
