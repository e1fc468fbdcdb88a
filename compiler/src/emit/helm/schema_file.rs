//! Writing `values.schema.json` service by service.
//!
//! The schema of a large stack is mostly its services, and each service is
//! one `properties` entry: its description and a `$ref` to its shape
//! (container, external or both, see [`schema::shape_name`]) under
//! `$defs`. The [`Writer`] writes each entry straight into the file as the
//! services come and the `$defs` the document reaches at the end: no JSON
//! tree of the whole schema is ever built, so time and memory are linear in
//! the file's size.
//!
//! # Invariant
//!
//! The text is byte for byte what `serde_json::to_string_pretty` makes of
//! the whole document, plus a final newline: keys in insertion order
//! (`$comment`, `$schema`, `title`, `type`, `additionalProperties`,
//! `required`, `properties`, `$defs`), members as `"key": value`, each on
//! its own line indented two spaces per level, `{}`/`[]` when empty. Pretty
//! JSON breaks lines only between tokens (strings escape their line
//! breaks), so a nested value's text is its own pretty text with every line
//! break followed by the indentation of its level ([`nested`]).

use super::schema::{self, Refs};
use super::service_key;
use super::union::Union;
use crate::emit::output::HEADER;
use serde_json::{json, Map, Value};

/// `values.schema.json`, written as the services come.
pub struct Writer {
    text: String,
    /// The chart-wide `properties` (what `$defs` they reach is computed at
    /// the end).
    chart: Map<String, Value>,
    secrets: Vec<String>,
    configs: Vec<String>,
    /// The service shapes used so far, in first-use order.
    shapes: Vec<(bool, bool)>,
    /// The top-level object and its `properties`, both open.
    doc: Level,
    properties: Level,
}

impl Writer {
    /// The document up to the services: the head, `required` (the
    /// chart-wide keys but `global`, then every service of `u`) and the
    /// chart-wide `properties`. `configs` are the base's config names.
    pub fn new(chart: &str, u: &Union, configs: &[String]) -> Writer {
        let secrets: Vec<String> = u.secrets.keys().cloned().collect();
        let props = schema::chart_wide(u, configs);
        let mut text = String::from('{');
        let mut doc = Level::new(1);
        doc.member(&mut text, "$comment", &json!(HEADER));
        let draft = json!("http://json-schema.org/draft-07/schema#");
        doc.member(&mut text, "$schema", &draft);
        let title = json!(format!("Values of the {chart} chart"));
        doc.member(&mut text, "title", &title);
        doc.member(&mut text, "type", &json!("object"));
        doc.member(&mut text, "additionalProperties", &json!(false));
        doc.key(&mut text, "required");
        text.push('[');
        let mut required = Level::new(2);
        let chart_keys = props.keys().filter(|k| *k != "global").cloned();
        for key in chart_keys.chain(u.services.iter().map(|s| service_key(s))) {
            required.item(&mut text);
            text.push_str(&json_string(&key));
        }
        required.close(&mut text, ']');
        doc.key(&mut text, "properties");
        text.push('{');
        let mut properties = Level::new(2);
        for (key, value) in &props {
            properties.member(&mut text, key, value);
        }
        // `"<key>Service": {"description": "Service `<name>`.", "$ref": …}`.
        let own = |name: &String| 2 * name.len() + 120;
        text.reserve(u.services.iter().map(own).sum::<usize>());
        Writer {
            text,
            chart: props,
            secrets,
            configs: configs.to_vec(),
            shapes: Vec::new(),
            doc,
            properties,
        }
    }

    /// The entry of service `name`, whose models give it a container
    /// and/or an external shape.
    pub fn service(&mut self, name: &str, container: bool, external: bool) {
        if !self.shapes.contains(&(container, external)) {
            self.shapes.push((container, external));
        }
        let entry = schema::service_entry(&format!("Service `{name}`."), container, external);
        self.properties
            .member(&mut self.text, &service_key(name), &entry);
    }

    /// The whole file: the services' entries closed, then `$defs`.
    pub fn finish(mut self) -> String {
        self.properties.close(&mut self.text, '}');
        let refs = Refs {
            secrets: &self.secrets,
            configs: &self.configs,
        };
        let defs = schema::defs(&self.chart, &self.shapes, &refs);
        self.doc
            .member(&mut self.text, "$defs", &Value::Object(defs));
        self.doc.close(&mut self.text, '}');
        self.text.push('\n');
        self.text
    }
}

/// A JSON object or array being written: its depth and whether it is
/// still empty.
struct Level {
    depth: usize,
    first: bool,
}

impl Level {
    fn new(depth: usize) -> Level {
        Level { depth, first: true }
    }

    /// Starts an item: the separator, a line break and the indentation.
    fn item(&mut self, t: &mut String) {
        t.push_str(if self.first { "\n" } else { ",\n" });
        indent(t, self.depth);
        self.first = false;
    }

    /// Starts a member: an item and `"key": `.
    fn key(&mut self, t: &mut String, key: &str) {
        self.item(t);
        t.push_str(&json_string(key));
        t.push_str(": ");
    }

    fn member(&mut self, t: &mut String, key: &str, value: &Value) {
        self.key(t, key);
        t.push_str(&nested(value, self.depth));
    }

    /// Ends the object or array with `closer` (`}` or `]`).
    fn close(&self, t: &mut String, closer: char) {
        if !self.first {
            t.push('\n');
            indent(t, self.depth - 1);
        }
        t.push(closer);
    }
}

fn indent(t: &mut String, depth: usize) {
    for _ in 0..depth {
        t.push_str("  ");
    }
}

/// `v` as pretty JSON for a value at `depth`: its lines after the first
/// indented by that level.
fn nested(v: &Value, depth: usize) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::helm::union::SecretRef;
    use crate::model::SecretKind;

    /// The schema as one JSON tree, pretty-printed whole: what [`Writer`]
    /// must write byte for byte.
    fn whole(chart: &str, u: &Union, configs: &[String], shapes: &[(bool, bool)]) -> String {
        let secrets: Vec<String> = u.secrets.keys().cloned().collect();
        let refs = Refs {
            secrets: &secrets,
            configs,
        };
        let chart_props = schema::chart_wide(u, configs);
        let mut props = chart_props.clone();
        let mut required: Vec<String> = props.keys().filter(|k| *k != "global").cloned().collect();
        for (name, (container, external)) in u.services.iter().zip(shapes) {
            let description = format!("Service `{name}`.");
            let v = schema::service_entry(&description, *container, *external);
            props.insert(service_key(name), v);
            required.push(service_key(name));
        }
        let mut used: Vec<(bool, bool)> = Vec::new();
        for s in shapes {
            if !used.contains(s) {
                used.push(*s);
            }
        }
        let doc = json!({
            "$comment": HEADER,
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": format!("Values of the {chart} chart"),
            "type": "object",
            "additionalProperties": false,
            "required": required,
            "properties": props,
            "$defs": schema::defs(&chart_props, &used, &refs),
        });
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    fn written(chart: &str, u: &Union, configs: &[String], shapes: &[(bool, bool)]) -> String {
        let mut w = Writer::new(chart, u, configs);
        for (name, (container, external)) in u.services.iter().zip(shapes) {
            w.service(name, *container, *external);
        }
        w.finish()
    }

    #[test]
    fn streamed_schema_is_the_whole_tree_pretty_printed() {
        let mut u = Union {
            services: ["api", "secrets", "db", "both", "api-2"]
                .map(String::from)
                .to_vec(),
            ..Union::default()
        };
        for (name, kind) in [("db_url", SecretKind::Url), ("tls", SecretKind::Tls)] {
            let secret = SecretRef {
                name: name.replace('_', "-"),
                kind,
                optional: false,
            };
            u.secrets.insert(name.to_string(), secret);
        }
        let configs = vec!["app".to_string(), "web \"x\"".to_string()];
        let shapes = [
            (true, false),
            (true, false),
            (false, true),
            (true, true),
            (true, false),
        ];
        assert_eq!(
            written("shop", &u, &configs, &shapes),
            whole("shop", &u, &configs, &shapes)
        );
    }

    #[test]
    fn streamed_schema_without_services_secrets_or_configs() {
        let u = Union::default();
        assert_eq!(written("x", &u, &[], &[]), whole("x", &u, &[], &[]));
    }
}
