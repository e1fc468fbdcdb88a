//! `values.schema.json`: the stack's types as JSON Schema (draft-07, which
//! Helm 3 and Helm 4 both check on install, upgrade, template and lint).
//!
//! Every map the chart reads is closed (`additionalProperties: false`)
//! except label and annotation maps and the keys of a config. Numbers carry
//! the stdlib's ranges ([`STDLIB_RANGES`], checked against `stdlib/*.stack`
//! by the tests), enums are the Kubernetes ones, and references are
//! closed too: an env `secret` must be a key of `secrets`, a `config` a key
//! of `configs`. Secret values are required exactly when
//! `secrets.create` is true.
//!
//! Shapes used more than once (the service shapes, probes, env items,
//! volumes, quantities, …) are written once under `$defs` and referred to
//! with `$ref`, so the file reads like a schema a person would write: one
//! line per service, pointing at its shape. Draft-07 resolves `$ref` as a
//! JSON pointer into the document, which both Helms (and check-jsonschema)
//! follow; `$defs` lists only the shapes the document reaches.
//!
//! This module builds the JSON values; `schema_file.rs` writes the file
//! from them, service by service.

use super::union::Union;
use serde_json::{json, Map, Value};

/// `(record, field, min, max)`: the stdlib ranges the schema enforces.
pub const STDLIB_RANGES: &[(&str, &str, i64, i64)] = &[
    ("Service", "replicas", 0, 1000),
    ("Port", "container", 1, 65535),
    ("Port", "service", 1, 65535),
    ("Port", "node_port", 1, 65535),
    ("Autoscale", "min", 1, 1000),
    ("Autoscale", "max", 1, 1000),
    ("Autoscale", "cpu", 1, 100),
    ("Autoscale", "memory", 1, 100),
    ("Probe", "retries", 1, 100),
    ("Probe", "success_threshold", 1, 100),
    ("Security", "user", 0, 2147483647),
    ("Security", "group", 0, 2147483647),
    ("External", "port", 1, 65535),
];

/// `(stdlib enum, the Kubernetes values its variants lower to)`: the enums
/// the schema takes from the stack's types (variant for variant, checked
/// by the tests).
pub const STDLIB_ENUMS: &[(&str, &[&str])] = &[
    ("Protocol", &["TCP", "UDP"]),
    (
        "AccessMode",
        &["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"],
    ),
    ("RolloutStrategy", &["RollingUpdate", "Recreate"]),
];

/// The Kubernetes values of a stdlib enum.
fn stdlib_enum(name: &str) -> Value {
    let values = STDLIB_ENUMS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[][..], |(_, v)| *v);
    enumeration(values)
}

fn range(record: &str, field: &str) -> Value {
    let (_, _, min, max) = STDLIB_RANGES
        .iter()
        .find(|(r, f, _, _)| *r == record && *f == field)
        .copied()
        .unwrap_or((record, field, 0, i64::MAX));
    json!({ "type": "integer", "minimum": min, "maximum": max })
}

const DNS_LABEL: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const DNS_SUBDOMAIN: &str = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";
const CPU: &str = "^([0-9]+m|[0-9]+(\\.[0-9]+)?)$";
const BYTES: &str = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";

/// The keys that are not services, in the schema's order.
pub fn chart_wide(u: &Union, configs: &[String]) -> Map<String, Value> {
    let mut props = Map::new();
    let mut add = |k: &str, v: Value, text: &str| {
        props.insert(k.into(), described(v, text));
    };
    add(
        "global",
        json!({ "type": "object" }),
        "Helm's values shared with subcharts (unused).",
    );
    add(
        "nameOverride",
        string(),
        "Replaces the chart name in resource names.",
    );
    let full = "Replaces the <release>-<chart> prefix of every resource name (names are cut at 63 characters).";
    add("fullnameOverride", string(), full);
    add("commonLabels", def("stringMap"), "Labels on every object.");
    add(
        "podAnnotations",
        def("stringMap"),
        "Annotations on every pod.",
    );
    add(
        "imagePullSecrets",
        image_pull_secrets(),
        "Secrets for pulling images from private registries.",
    );
    add(
        "configs",
        configs_schema(configs),
        "Non-secret settings: one ConfigMap each.",
    );
    add(
        "secrets",
        secrets_schema(u),
        "Secrets the services read (references by default).",
    );
    props
}

/// What env items and volumes may refer to: the keys of `secrets` and of
/// `configs`.
pub struct Refs<'a> {
    pub secrets: &'a [String],
    pub configs: &'a [String],
}

fn described(mut v: Value, text: &str) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("description".into(), Value::String(text.into()));
    }
    v
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

fn string_map() -> Value {
    json!({ "type": "object", "additionalProperties": { "type": "string" } })
}

fn pattern(p: &str) -> Value {
    json!({ "type": "string", "pattern": p })
}

/// A closed object.
fn object(props: Value, required: &[&str]) -> Value {
    let mut v = json!({ "type": "object", "additionalProperties": false, "properties": props });
    if !required.is_empty() {
        v["required"] = json!(required);
    }
    v
}

fn enumeration(values: &[&str]) -> Value {
    json!({ "enum": values })
}

fn quantity(p: &str) -> Value {
    json!({ "type": ["string", "number"], "pattern": p })
}

fn int_or_percent() -> Value {
    json!({ "anyOf": [
        { "type": "integer", "minimum": 0 },
        { "type": "string", "pattern": "^[0-9]+%$" },
    ] })
}

/// `enabled: true` requires `keys`.
fn when_enabled(mut v: Value, keys: &[&str]) -> Value {
    v["if"] = json!({ "properties": { "enabled": { "const": true } }, "required": ["enabled"] });
    v["then"] = json!({ "required": keys });
    v
}

fn image_pull_secrets() -> Value {
    let item = object(json!({ "name": pattern(DNS_SUBDOMAIN) }), &["name"]);
    json!({ "type": "array", "items": item })
}

fn configs_schema(configs: &[String]) -> Value {
    let mut props = Map::new();
    for c in configs {
        props.insert(c.clone(), def("stringMap"));
    }
    let required: Vec<&str> = configs.iter().map(String::as_str).collect();
    object(Value::Object(props), &required)
}

fn secrets_schema(u: &Union) -> Value {
    let mut props = Map::new();
    props.insert(
        "create".into(),
        described(
            boolean(),
            "Create the Secrets from the values below (else they must exist).",
        ),
    );
    let mut needed = Map::new();
    for (name, secret) in &u.secrets {
        let tls = secret.kind == crate::model::SecretKind::Tls;
        let (ty, keys): (&str, &[&str]) = if tls {
            ("kubernetes.io/tls", &["cert", "key"])
        } else {
            ("Opaque", &["value"])
        };
        let secret_name = json!({ "type": "string", "pattern": DNS_SUBDOMAIN, "maxLength": 253 });
        let mut p = json!({ "name": secret_name, "type": { "const": ty } });
        for k in keys {
            p[*k] = json!({ "type": "string", "minLength": 1 });
        }
        if secret.optional {
            p["optional"] = described(
                boolean(),
                "Pods start without this Secret (it may be absent or lack a key).",
            );
        }
        props.insert(name.clone(), object(p, &["name", "type"]));
        if !secret.optional {
            needed.insert(name.clone(), json!({ "required": keys }));
        }
    }
    let mut required = vec!["create"];
    required.extend(u.secrets.keys().map(String::as_str));
    let mut v = object(Value::Object(props), &required);
    if !u.secrets.is_empty() {
        v["if"] = json!({ "properties": { "create": { "const": true } }, "required": ["create"] });
        v["then"] = json!({ "properties": needed });
    }
    v
}

/// A reference to the shared shape `name` of `$defs`.
pub fn def(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

/// The `$defs` name of a service's shape: `container` and `external` say
/// which shapes the models give it (a service may be a container in one
/// environment and external in another).
pub fn shape_name(container: bool, external: bool) -> &'static str {
    match (container, external) {
        (true, false) => "containerService",
        (false, true) => "externalService",
        (true, true) => "containerOrExternalService",
        (false, false) => "disabledService",
    }
}

/// A service's entry in `properties`: its description and its shape.
pub fn service_entry(description: &str, container: bool, external: bool) -> Value {
    json!({ "description": description, "$ref": format!("#/$defs/{}", shape_name(container, external)) })
}

/// The shape of a service.
fn service_shape(container: bool, external: bool) -> Value {
    let mut props = Map::new();
    props.insert(
        "enabled".into(),
        described(boolean(), "Include the service in the release."),
    );
    props.insert("labels".into(), def("stringMap"));
    if container {
        container_props(&mut props);
    }
    if external {
        props.insert("external".into(), def("external"));
    }
    let what = match (container, external) {
        (true, false) => "A service the chart runs as a Deployment.",
        (false, true) => "A service that runs elsewhere (an ExternalName Service).",
        (true, true) => {
            "A service that is a Deployment in some environments and external in others."
        }
        (false, false) => "A service no environment of the chart runs.",
    };
    let v = described(object(Value::Object(props), &["enabled"]), what);
    if container && !external {
        when_enabled(v, &["image", "replicaCount"])
    } else {
        v
    }
}

/// Every shared shape, in the order `$defs` lists them: the four service
/// shapes, then what they are made of.
fn all_defs(refs: &Refs) -> Map<String, Value> {
    let mut d = Map::new();
    for (c, e) in [(true, false), (false, true), (true, true), (false, false)] {
        d.insert(shape_name(c, e).into(), service_shape(c, e));
    }
    let mut add = |k: &str, v: Value| {
        d.insert(k.into(), v);
    };
    add(
        "external",
        object(
            json!({ "host": string(), "port": range("External", "port") }),
            &[],
        ),
    );
    add(
        "image",
        object(
            json!({
                "repository": { "type": "string", "minLength": 1 },
                "tag": string(),
                "pullPolicy": enumeration(&["", "Always", "IfNotPresent", "Never"]),
            }),
            &["repository"],
        ),
    );
    add("podSecurityContext", pod_security());
    add("securityContext", container_security());
    add("strategy", strategy());
    add("kubernetesService", service_ports());
    add("envVar", env_item(refs));
    add("resources", resources());
    add("boundedProbe", bounded_probe());
    add("probe", probe());
    add(
        "probePort",
        json!({ "anyOf": [pattern(DNS_LABEL), range("Port", "container")] }),
    );
    add("volume", volume_item());
    add("ingress", ingress());
    add("autoscaling", autoscaling());
    add("podDisruptionBudget", disruption());
    add("stringMap", string_map());
    add("stringList", strings());
    add("intOrPercent", int_or_percent());
    add("cpu", quantity(CPU));
    add("bytes", quantity(BYTES));
    add("secretName", ref_enum(refs.secrets));
    add("configName", ref_enum(refs.configs));
    add(
        "portName",
        json!({ "type": "string", "pattern": DNS_LABEL, "maxLength": 15 }),
    );
    d
}

/// The `$defs` a document with these chart-wide `properties` and these
/// service shapes needs: every shape they reach through `$ref`, in the
/// order of [`all_defs`].
pub fn defs(
    props: &Map<String, Value>,
    shapes: &[(bool, bool)],
    refs: &Refs,
) -> Map<String, Value> {
    let all = all_defs(refs);
    let mut reached: std::collections::HashSet<String> = shapes
        .iter()
        .map(|(c, e)| shape_name(*c, *e).to_string())
        .collect();
    let mut todo: Vec<&Value> = props.values().collect();
    todo.extend(reached.iter().filter_map(|n| all.get(n)));
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    let name = r.trim_start_matches("#/$defs/");
                    if let Some((k, d)) = all.get_key_value(name) {
                        if reached.insert(k.clone()) {
                            todo.push(d);
                        }
                    }
                }
                todo.extend(m.values());
            }
            Value::Array(a) => todo.extend(a),
            _ => {}
        }
    }
    all.into_iter()
        .filter(|(k, _)| reached.contains(k))
        .collect()
}

fn container_props(props: &mut Map<String, Value>) {
    props.insert("replicaCount".into(), range("Service", "replicas"));
    props.insert("image".into(), def("image"));
    props.insert("command".into(), def("stringList"));
    props.insert("args".into(), def("stringList"));
    props.insert("workingDir".into(), string());
    props.insert("podAnnotations".into(), def("stringMap"));
    props.insert("podSecurityContext".into(), def("podSecurityContext"));
    props.insert("securityContext".into(), def("securityContext"));
    props.insert(
        "terminationGracePeriodSeconds".into(),
        json!({ "type": "integer", "minimum": 0 }),
    );
    props.insert("strategy".into(), def("strategy"));
    props.insert(
        "progressDeadlineSeconds".into(),
        json!({ "type": "integer", "minimum": 1 }),
    );
    props.insert("enableServiceLinks".into(), boolean());
    props.insert(
        "workload".into(),
        enumeration(&["Deployment", "StatefulSet"]),
    );
    props.insert(
        "podManagementPolicy".into(),
        enumeration(&["OrderedReady", "Parallel"]),
    );
    props.insert("service".into(), def("kubernetesService"));
    props.insert(
        "env".into(),
        json!({ "type": "array", "items": def("envVar") }),
    );
    props.insert(
        "envFrom".into(),
        json!({ "type": "array", "items": def("configName") }),
    );
    props.insert("resources".into(), def("resources"));
    props.insert("lifecycle".into(), lifecycle());
    props.insert(
        "initContainers".into(),
        json!({ "type": "array", "items": init_container() }),
    );
    props.insert("livenessProbe".into(), def("boundedProbe"));
    props.insert("readinessProbe".into(), def("boundedProbe"));
    props.insert("startupProbe".into(), def("probe"));
    props.insert(
        "volumes".into(),
        json!({ "type": "array", "items": def("volume") }),
    );
    props.insert("ingress".into(), def("ingress"));
    props.insert("autoscaling".into(), def("autoscaling"));
    props.insert("podDisruptionBudget".into(), def("podDisruptionBudget"));
    props.insert("nodeSelector".into(), def("stringMap"));
    props.insert(
        "tolerations".into(),
        json!({ "type": "array", "items": { "type": "object" } }),
    );
    props.insert("affinity".into(), json!({ "type": "object" }));
    let spread = object(
        json!({
            "maxSkew": { "type": "integer", "minimum": 1 },
            "topologyKey": { "type": "string", "minLength": 1 },
            "whenUnsatisfiable": enumeration(&["ScheduleAnyway", "DoNotSchedule"]),
        }),
        &["maxSkew", "topologyKey", "whenUnsatisfiable"],
    );
    props.insert(
        "topologySpreadConstraints".into(),
        json!({ "type": "array", "items": spread }),
    );
}

/// A reference to one of `names` (nothing matches when there are none).
fn ref_enum(names: &[String]) -> Value {
    if names.is_empty() {
        json!({ "not": {} })
    } else {
        json!({ "enum": names })
    }
}

fn pod_security() -> Value {
    let seccomp = object(
        json!({
            "type": enumeration(&["RuntimeDefault", "Localhost", "Unconfined"]),
            "localhostProfile": string(),
        }),
        &["type"],
    );
    object(
        json!({
            "runAsNonRoot": boolean(),
            "runAsUser": range("Security", "user"),
            "runAsGroup": range("Security", "group"),
            "fsGroup": range("Security", "group"),
            "seccompProfile": seccomp,
        }),
        &[],
    )
}

fn container_security() -> Value {
    let caps = object(
        json!({ "drop": def("stringList"), "add": def("stringList") }),
        &[],
    );
    object(
        json!({
            "allowPrivilegeEscalation": boolean(),
            "readOnlyRootFilesystem": boolean(),
            "privileged": boolean(),
            "runAsNonRoot": boolean(),
            "runAsUser": range("Security", "user"),
            "runAsGroup": range("Security", "group"),
            "capabilities": caps,
        }),
        &[],
    )
}

fn strategy() -> Value {
    let rolling = object(
        json!({ "maxSurge": def("intOrPercent"), "maxUnavailable": def("intOrPercent") }),
        &[],
    );
    object(
        json!({ "type": stdlib_enum("RolloutStrategy"), "rollingUpdate": rolling }),
        &["type"],
    )
}

fn service_ports() -> Value {
    let port = object(
        json!({
            "name": def("portName"),
            "port": range("Port", "service"),
            "containerPort": range("Port", "container"),
            "protocol": stdlib_enum("Protocol"),
            "nodePort": range("Port", "node_port"),
        }),
        &["name", "port", "containerPort"],
    );
    object(
        json!({
            "type": enumeration(&["ClusterIP", "NodePort", "LoadBalancer"]),
            "ports": { "type": "array", "items": port },
            "annotations": string_map(),
            "loadBalancerClass": string(),
            "loadBalancerSourceRanges": strings(),
            "externalTrafficPolicy": enumeration(&["Cluster", "Local"]),
        }),
        &["type", "ports"],
    )
}

fn env_item(refs: &Refs) -> Value {
    let name = json!({ "type": "string", "pattern": "^[-._a-zA-Z][-._a-zA-Z0-9]*$" });
    let host = object(json!({ "host": pattern(DNS_LABEL) }), &["host"]);
    let parts = json!({ "type": "array", "items": { "anyOf": [string(), host] } });
    let mut shapes = vec![object(
        json!({ "name": name, "value": string() }),
        &["name", "value"],
    )];
    if !refs.secrets.is_empty() {
        shapes.push(object(
            json!({ "name": name, "secret": def("secretName") }),
            &["name", "secret"],
        ));
    }
    if !refs.configs.is_empty() {
        let c = json!({ "name": name, "config": def("configName"), "key": string() });
        shapes.push(object(c, &["name", "config", "key"]));
    }
    shapes.push(object(
        json!({ "name": name, "parts": parts }),
        &["name", "parts"],
    ));
    json!({ "oneOf": shapes })
}

/// A container's `lifecycle`: the preStop hook stackc writes.
fn lifecycle() -> Value {
    let exec = object(json!({ "command": strings() }), &["command"]);
    let sleep = object(
        json!({ "seconds": { "type": "integer", "minimum": 0 } }),
        &["seconds"],
    );
    let hook = object(json!({ "exec": exec, "sleep": sleep }), &[]);
    object(json!({ "preStop": hook }), &[])
}

fn init_container() -> Value {
    let image = object(
        json!({ "repository": { "type": "string", "minLength": 1 }, "tag": string() }),
        &["repository"],
    );
    object(
        json!({
            "name": json!({ "type": "string", "pattern": DNS_LABEL, "maxLength": 63 }),
            "image": image,
            "command": strings(),
            "args": strings(),
            "workingDir": string(),
            "env": { "type": "array", "items": def("envVar") },
        }),
        &["name"],
    )
}

fn resources() -> Value {
    let amounts = object(json!({ "cpu": def("cpu"), "memory": def("bytes") }), &[]);
    object(json!({ "requests": amounts, "limits": amounts }), &[])
}

/// A probe. Its failure count is unbounded: a startup probe allows a long
/// start as many short checks.
fn probe() -> Value {
    let port = def("probePort");
    object(
        json!({
            "httpGet": object(json!({ "path": string(), "port": port }), &["port"]),
            "tcpSocket": object(json!({ "port": port }), &["port"]),
            "exec": object(json!({ "command": def("stringList") }), &["command"]),
            "grpc": object(json!({ "port": range("Port", "container"), "service": string() }), &["port"]),
            "initialDelaySeconds": { "type": "integer", "minimum": 0 },
            "periodSeconds": { "type": "integer", "minimum": 1 },
            "timeoutSeconds": { "type": "integer", "minimum": 1 },
            "successThreshold": range("Probe", "success_threshold"),
            "failureThreshold": { "type": "integer", "minimum": 1 },
            "terminationGracePeriodSeconds": { "type": "integer", "minimum": 1 },
        }),
        &[],
    )
}

/// A liveness or readiness probe: a probe whose failure count is the
/// stdlib's `retries` range.
fn bounded_probe() -> Value {
    let (_, _, _, max) = STDLIB_RANGES
        .iter()
        .find(|(r, f, _, _)| *r == "Probe" && *f == "retries")
        .copied()
        .unwrap_or(("Probe", "retries", 1, 100));
    json!({ "allOf": [
        def("probe"),
        { "properties": { "failureThreshold": { "maximum": max } } },
    ] })
}

fn volume_item() -> Value {
    let persistence = object(
        json!({
            "size": def("bytes"),
            "accessMode": stdlib_enum("AccessMode"),
            "storageClass": string(),
            "existingClaim": string(),
        }),
        &["size"],
    );
    let empty_dir = object(
        json!({ "medium": enumeration(&["", "Memory"]), "sizeLimit": def("bytes") }),
        &[],
    );
    let mut v = object(
        json!({
            "name": json!({ "type": "string", "pattern": DNS_LABEL, "maxLength": 63 }),
            "mountPath": { "type": "string", "pattern": "^/" },
            "subPath": string(),
            "readOnly": boolean(),
            "persistence": persistence,
            "emptyDir": empty_dir,
            "secret": def("secretName"),
            "configMap": def("configName"),
            "key": string(),
        }),
        &["name", "mountPath"],
    );
    v["not"] = json!({ "anyOf": [
        { "required": ["persistence", "emptyDir"] },
        { "required": ["persistence", "secret"] },
        { "required": ["emptyDir", "secret"] },
        { "required": ["configMap", "persistence"] },
        { "required": ["configMap", "emptyDir"] },
        { "required": ["configMap", "secret"] },
    ] });
    v
}

fn ingress() -> Value {
    let path = object(
        json!({ "path": { "type": "string", "pattern": "^/" }, "pathType": enumeration(&["Prefix", "Exact", "ImplementationSpecific"]) }),
        &["path"],
    );
    let host = object(
        json!({ "host": { "type": "string", "minLength": 1 }, "paths": { "type": "array", "minItems": 1, "items": path } }),
        &["host", "paths"],
    );
    let tls = object(
        json!({ "secretName": pattern(DNS_SUBDOMAIN), "hosts": def("stringList") }),
        &["hosts"],
    );
    let v = object(
        json!({
            "enabled": boolean(),
            "className": string(),
            "annotations": def("stringMap"),
            "hosts": { "type": "array", "items": host },
            "tls": { "type": "array", "items": tls },
            "port": def("portName"),
        }),
        &["enabled"],
    );
    let mut v = when_enabled(v, &["hosts", "port"]);
    v["then"]["properties"] = json!({ "hosts": { "minItems": 1 } });
    v
}

fn autoscaling() -> Value {
    let v = object(
        json!({
            "enabled": boolean(),
            "minReplicas": range("Autoscale", "min"),
            "maxReplicas": range("Autoscale", "max"),
            "targetCPUUtilizationPercentage": range("Autoscale", "cpu"),
            "targetMemoryUtilizationPercentage": range("Autoscale", "memory"),
        }),
        &["enabled"],
    );
    when_enabled(v, &["minReplicas", "maxReplicas"])
}

fn disruption() -> Value {
    object(
        json!({ "enabled": boolean(), "minAvailable": def("intOrPercent"), "maxUnavailable": def("intOrPercent") }),
        &["enabled"],
    )
}
