//! Elaboration of block bodies against record types: fields, nested blocks,
//! dotted keys, duplicates. Values are elaborated in `refs.rs` (references)
//! and `values` below (literals by expected type).

use super::schema::{FieldDef, RefKind, Schema, Ty, Unit};
use super::Overlay;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::resolve::{ItemRef, Program};
use crate::syntax::ast::{self, Block, Body, Entry, Expr, ExprKind, Key};
use crate::value::{Map, Val, ValKind};
use indexmap::IndexSet;

pub(super) struct Elab<'p> {
    pub p: &'p Program,
    pub schema: &'p Schema,
    pub diags: Vec<Diagnostic>,
    pub used_secrets: IndexSet<String>,
    /// Fields whose value was rejected (see `Checked::rejected`).
    pub rejected: Vec<(String, crate::source::Span)>,
    /// `let` constants being elaborated (cycle detection).
    pub let_stack: Vec<String>,
    /// Trial elaboration (for `a | b` types): diagnostics are counted, not kept.
    pub trial: usize,
    pub trial_failed: bool,
    /// The ports the service being checked declares in its own body: name
    /// and the numbers it is known by (container, service), so that a
    /// number where a port name belongs can name the port.
    pub ports: Vec<(String, Vec<f64>)>,
    /// Every map key written so far, once: the 5,000 `env` blocks of a
    /// large stack share one `LOG_LEVEL`, and every service one `image`.
    keys: rustc_hash::FxHashSet<crate::value::Key>,
}

impl<'p> Elab<'p> {
    pub fn new(p: &'p Program, schema: &'p Schema) -> Self {
        Elab {
            p,
            schema,
            diags: Vec::new(),
            used_secrets: IndexSet::new(),
            rejected: Vec::new(),
            let_stack: Vec::new(),
            trial: 0,
            trial_failed: false,
            ports: Vec::new(),
            keys: Default::default(),
        }
    }

    /// The shared key for `name`.
    fn key(&mut self, name: &str) -> crate::value::Key {
        if let Some(k) = self.keys.get(name) {
            return k.clone();
        }
        let k: crate::value::Key = name.into();
        self.keys.insert(k.clone());
        k
    }

    pub fn finish(self) -> Vec<Diagnostic> {
        self.diags
    }

    /// An elaborator for another thread: the same program and schema, the
    /// keys shared so far, nothing else (what it finds comes back through
    /// [`Elab::absorb`]).
    pub fn worker(&self) -> Self {
        let mut w = Elab::new(self.p, self.schema);
        w.keys = self.keys.clone();
        w
    }

    /// Takes in what a [`Elab::worker`] found, after what this one found:
    /// in order, the same as if this one had done the worker's items.
    pub fn absorb(&mut self, w: Elab<'p>) {
        self.diags.extend(w.diags);
        self.used_secrets.extend(w.used_secrets);
        self.rejected.extend(w.rejected);
        // A key this one has stays as it is.
        self.keys.extend(w.keys);
    }

    pub fn report(&mut self, d: Diagnostic) {
        if self.trial > 0 {
            self.trial_failed = true;
        } else {
            self.diags.push(d);
        }
    }

    fn record(&self, name: &str) -> usize {
        self.schema.expect_record(name)
    }

    /// A top-level block checked against the named record type.
    pub fn item_body(&mut self, r: ItemRef, record: &str) -> Val {
        let b = self.p.block(r);
        self.check_extra_labels(b, 1);
        let rec = self.record(record);
        Val::map(self.body(&b.body, rec), b.span)
    }

    pub fn service(&mut self, r: ItemRef) -> Val {
        let b = self.p.block(r);
        self.ports = b
            .body
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Block(pb) if pb.kind.name == "port" => {
                    let name = pb.name()?.value.clone();
                    let numbers = pb
                        .body
                        .entries
                        .iter()
                        .filter_map(|e| match e {
                            Entry::Attr(a)
                                if a.path.len() == 1
                                    && ["container", "service"]
                                        .contains(&a.path[0].name.as_str()) =>
                            {
                                match &a.value.kind {
                                    ExprKind::Number(n) => Some(n.value),
                                    _ => None,
                                }
                            }
                            _ => None,
                        })
                        .collect();
                    Some((name, numbers))
                }
                _ => None,
            })
            .collect();
        let v = self.item_body(r, "Service");
        self.ports.clear();
        v
    }

    /// `config NAME { KEY = value … }`: a map of scalars.
    pub fn config(&mut self, b: &Block) -> Val {
        let ty = Ty::OneOf(vec![Ty::String, Ty::Number, Ty::Bool]);
        let mut out = Map::default();
        self.scalar_entries(&mut out, &b.body, &ty, "config");
        for (key, v) in &out {
            self.service_address_in_config(key, v);
        }
        Val::map(out, b.span)
    }

    /// E0702: `${svc.host}` / `${svc.port.NAME}` in a config value. Configs
    /// are one text for every target (a ConfigMap, Compose `environment`
    /// values), but a service's address differs per target (the Service port
    /// in Kubernetes, the container port in Compose, a Helm release prefix),
    /// so only a service's `env` can hold it.
    fn service_address_in_config(&mut self, key: &str, v: &Val) {
        let ValKind::Interp(parts) = &v.kind else {
            return;
        };
        let Some(reference) = parts.iter().find_map(|p| match p {
            crate::value::Part::Host(svc) => Some(format!("{svc}.host")),
            crate::value::Part::Port(svc, port) => Some(format!("{svc}.port.{port}")),
            _ => None,
        }) else {
            return;
        };
        let text = self.p.map.snippet(v.span);
        let span = match text.find(&reference) {
            Some(i) => crate::source::Span::new(
                v.span.file,
                v.span.start as usize + i,
                v.span.start as usize + i + reference.len(),
            ),
            None => v.span,
        };
        let d = Diagnostic::new(
            Code::E0702,
            span,
            format!("config key `{key}` refers to a service's address (`${{{reference}}}`)"),
        )
        .label("a config value is the same text in every target")
        .note("a service's address depends on the target (the Kubernetes Service port, the Compose container port, the Helm release name), so a config cannot hold it")
        .help(format!(
            "set it in the `env` of the services that read it, where each target renders it: `env {{ {key} = {text} }}`"
        ));
        self.report(d);
    }

    /// `environment NAME { … }`: Environment fields plus `service` and
    /// `config` overlay blocks.
    pub fn environment(&mut self, r: ItemRef) -> Overlay {
        let b = self.p.block(r);
        let rec = self.record("Environment");
        let service = self.record("Service");
        let mut ov = Overlay::default();
        let mut fields = Map::default();
        for e in &b.body.entries {
            match e {
                Entry::Block(inner) if inner.kind.name == "service" => {
                    let Some(name) =
                        self.overlay_target(inner, &self.p.symbols.services, RefKind::Service)
                    else {
                        continue;
                    };
                    // The overlay's span is its head (`service api`): what
                    // diagnostics about the whole overlay point at.
                    let head = super::head_span(&self.p.map, inner.span);
                    let v = Val::map(self.body(&inner.body, service), head);
                    merge_into(&mut ov.services, name, v);
                }
                Entry::Block(inner) if inner.kind.name == "services" => {
                    if let Some(d) = self.service_defaults(inner, service) {
                        ov.defaults.push(d);
                    }
                }
                Entry::Block(inner) if inner.kind.name == "config" => {
                    let Some(name) =
                        self.overlay_target(inner, &self.p.symbols.configs, RefKind::Config)
                    else {
                        continue;
                    };
                    let v = self.config(inner);
                    merge_into(&mut ov.configs, name, v);
                }
                e => self.entry(&mut fields, e, rec),
            }
        }
        ov.fields = Some(Val::map(fields, b.span));
        ov
    }

    /// `services { … }` (every service that runs in the environment) or
    /// `services api web { … }` (those named): a partial service checked
    /// like an overlay. `None` when it names services only and none exists.
    fn service_defaults(&mut self, b: &Block, service: usize) -> Option<super::ServiceDefaults> {
        let head = super::head_span(&self.p.map, b.span);
        let value = Val::map(self.body(&b.body, service), head);
        if b.labels.is_empty() {
            return Some(super::ServiceDefaults { only: None, value });
        }
        let table = &self.p.symbols.services;
        let mut only: Vec<(String, crate::source::Span)> = Vec::new();
        for label in &b.labels {
            if !table.contains_key(&label.value) {
                let d = Diagnostic::new(
                    Code::E0500,
                    label.span,
                    format!(
                        "this environment changes service `{}`, which the base does not declare",
                        label.value
                    ),
                )
                .label("no service with this name")
                .help_opt(suggest::help_for_unknown(
                    "service",
                    &label.value,
                    table.keys().map(String::as_str),
                ))
                .note("`services NAME… { … }` changes the services it names; declare each at the top level first");
                self.report(d);
            } else if let Some((_, first)) = only.iter().find(|(n, _)| *n == label.value) {
                let d = Diagnostic::new(
                    Code::E0350,
                    label.span,
                    format!(
                        "service `{}` is named twice in this `services` block",
                        label.value
                    ),
                )
                .label("named again here")
                .secondary(*first, "first named here")
                .help("name each service once");
                self.report(d);
            } else {
                only.push((label.value.clone(), label.span));
            }
        }
        if only.is_empty() {
            return None;
        }
        Some(super::ServiceDefaults {
            only: Some(only),
            value,
        })
    }

    fn overlay_target(
        &mut self,
        b: &Block,
        table: &crate::resolve::Table,
        kind: RefKind,
    ) -> Option<String> {
        let Some(label) = b.name() else {
            let d = Diagnostic::new(
                Code::E0001,
                b.kind.span,
                format!(
                    "`{}` in an environment needs the name of the {} it changes",
                    b.kind.name,
                    kind.noun()
                ),
            )
            .help(format!("write `{} NAME {{ … }}`", b.kind.name));
            self.report(d);
            return None;
        };
        if table.contains_key(&label.value) {
            return Some(label.value.clone());
        }
        let code = if kind == RefKind::Service {
            Code::E0500
        } else {
            Code::E0106
        };
        let d = Diagnostic::new(code, label.span, format!("this environment changes {} `{}`, which the base does not declare", kind.noun(), label.value))
            .label(format!("no {} with this name", kind.noun()))
            .unknown(kind.noun(), &label.value, table.keys().map(String::as_str), label.span, str::to_string)
            .note("an environment can only change what the base declares; declare it at the top level first");
        self.report(d);
        None
    }

    /// Blocks take at most `max` labels.
    fn check_extra_labels(&mut self, b: &Block, max: usize) {
        if let Some(extra) = b.labels.get(max) {
            let d = Diagnostic::new(
                Code::E0001,
                extra.span,
                format!(
                    "`{}` takes {} label",
                    b.kind.name,
                    if max == 0 { "no" } else { "one" }
                ),
            )
            .label("unexpected label")
            .help(if max == 0 {
                format!(
                    "`{}` has no name: write `{} {{ … }}`",
                    b.kind.name, b.kind.name
                )
            } else {
                format!(
                    "a `{}` block has one name; declare one block per name",
                    b.kind.name
                )
            });
            self.report(d);
        }
    }

    // ------------------------------------------------------------ bodies

    /// A body checked against record `rec`.
    pub fn body(&mut self, body: &Body, rec: usize) -> Map {
        let mut out = Map::default();
        for e in &body.entries {
            self.entry(&mut out, e, rec);
        }
        out
    }

    fn entry(&mut self, out: &mut Map, e: &Entry, rec: usize) {
        match e {
            Entry::Attr(a) => self.assign(out, &a.path, &a.value, rec),
            Entry::Block(b) => self.nested_block(out, b, rec),
            Entry::Error(e) => self.broken(out, e, rec),
        }
    }

    /// An entry that failed to parse (its syntax error is reported): the
    /// field its key names counts as written with a rejected value; with no
    /// such key, it may have been any field of the record, so none is
    /// reported missing (see `Checked::was_rejected`).
    fn broken(&mut self, out: &mut Map, e: &ast::BrokenEntry, rec: usize) {
        if self.trial > 0 {
            return;
        }
        let fields = &self.schema.records[rec].fields;
        match e.path.first().filter(|k| fields.contains_key(&k.name)) {
            Some(k) => {
                self.rejected.push((k.name.clone(), k.span));
                poison(out, &k.name, k.span);
            }
            None => {
                self.rejected.push((String::new(), e.span));
                poison(out, Val::UNREAD, e.span);
            }
        }
    }

    /// `a.b.c = value` in record `rec`.
    pub(super) fn assign(&mut self, out: &mut Map, path: &[Key], value: &Expr, rec: usize) {
        let key = &path[0];
        let written = (path.len() == 1).then_some(value);
        let Some(field) = self.field(rec, key, written) else {
            self.poison_meant(out, rec, key);
            return;
        };
        if path.len() == 1 {
            match self.value(value, &field.ty, Some(field)) {
                Some(v) => self.insert(out, key, v, field),
                None => {
                    if self.trial == 0 {
                        self.rejected.push((key.name.clone(), key.span));
                    }
                    poison(out, &key.name, key.span);
                }
            }
            return;
        }
        let sub =
            out.get_or_insert_with(self.key(&key.name), || Val::map(Map::default(), key.span));
        let Some(sub_map) = sub.as_map_mut() else {
            let d = Diagnostic::new(
                Code::E0206,
                key.span,
                format!("`{}` is set twice", key.name),
            )
            .label("set again here, field by field")
            .help(format!(
                "set `{}` either as a whole or field by field (`{}.FIELD = …`), not both",
                key.name, key.name
            ));
            self.report(d);
            return;
        };
        let mut sub_map = std::mem::take(sub_map);
        match &field.ty {
            Ty::Record(r) => self.assign(&mut sub_map, &path[1..], value, *r),
            Ty::Map(k, elem) => {
                self.assign_in_map(&mut sub_map, &path[1..], value, *k, elem, field)
            }
            _ => {
                let d = Diagnostic::new(
                    Code::E0201,
                    path[1].span,
                    format!(
                        "`{}` is {}, it has no field `{}`",
                        key.name,
                        field.ty.describe(self.schema),
                        path[1].name
                    ),
                )
                .label("no such field")
                .help(format!("write `{} = …`", key.name));
                self.report(d);
            }
        }
        if let Some(m) = out.get_mut(key.name.as_str()).and_then(Val::as_map_mut) {
            *m = sub_map;
        }
    }

    pub(super) fn assign_in_map(
        &mut self,
        out: &mut Map,
        path: &[Key],
        value: &Expr,
        kk: Option<RefKind>,
        elem: &Ty,
        field: &FieldDef,
    ) {
        let key = &path[0];
        self.map_key(key, kk, field);
        if path.len() == 1 {
            if let Some(v) = self.value(value, elem, Some(field)) {
                if field.name == "env" {
                    self.check_credential(key, &v);
                }
                self.insert(out, key, v, field);
            }
            return;
        }
        let Ty::Record(r) = elem else {
            let d = Diagnostic::new(
                Code::E0201,
                path[1].span,
                format!(
                    "entries of `{}` are {}, not blocks",
                    field.name,
                    elem.describe(self.schema)
                ),
            )
            .label("not a block")
            .help(format!("write `{} = …` inside `{}`", key.name, field.name));
            self.report(d);
            return;
        };
        let sub =
            out.get_or_insert_with(self.key(&key.name), || Val::map(Map::default(), key.span));
        if let Some(m) = sub.as_map_mut() {
            let mut m = std::mem::take(m);
            self.assign(&mut m, &path[1..], value, *r);
            if let Some(slot) = out.get_mut(key.name.as_str()).and_then(Val::as_map_mut) {
                *slot = m;
            }
        }
    }

    fn insert(&mut self, out: &mut Map, key: &Key, v: Val, field: &FieldDef) {
        match out.get_mut(&key.name) {
            Some(prev) if !prev.is_poison() => {
                let first = super::head_span(&self.p.map, prev.span);
                let d = set_twice(key, first, (key.name != field.name).then_some(&field.name));
                self.report(d);
            }
            // A poisoned entry keeps its place and takes the value.
            Some(prev) => *prev = v,
            None => {
                out.insert(self.key(&key.name), v);
            }
        }
    }

    /// A misspelled field poisons the field it most likely meant (`imagee`
    /// → `image`), unless that one is set: later rules see it as written
    /// with an unknown value and do not report it missing as well.
    fn poison_meant(&self, out: &mut Map, rec: usize, key: &Key) {
        let r = &self.schema.records[rec];
        if let Some(meant) = suggest::did_you_mean(&key.name, r.fields.keys().map(String::as_str)) {
            poison(out, meant, key.span);
        }
    }

    /// Looks up a field, reporting E0200 with a suggestion when unknown.
    fn field(&mut self, rec: usize, key: &Key, value: Option<&Expr>) -> Option<&'p FieldDef> {
        let schema: &'p Schema = self.schema;
        let r = &schema.records[rec];
        if let Some(f) = r.fields.get(&key.name) {
            return Some(f);
        }
        let names = r.fields.keys().map(String::as_str);
        let help = suggest::did_you_mean(&key.name, names.clone()).map(|s| s.to_string());
        let mut d = Diagnostic::new(
            Code::E0200,
            key.span,
            format!("`{}` has no field `{}`", r.name, key.name),
        )
        .label("unknown field");
        if let Some(h) = compose_key(&r.name, &key.name) {
            // A Compose key written the Compose way: no one-word fix.
            d = d.help(h);
        } else if let Some(s) = &help {
            d = d
                .help(format!("did you mean `{s}`?"))
                .fix(key.span, s.clone());
            // `initialDelaySeconds = 30`: the number becomes `30s` too.
            let duration = r
                .fields
                .get(s)
                .is_some_and(|f| f.ty == Ty::Quantity(Unit::Duration));
            if let (
                true,
                true,
                Some(Expr {
                    kind: ExprKind::Number(n),
                    ..
                }),
            ) = (
                duration,
                suggest::snake(&key.name).ends_with("_seconds"),
                value,
            ) {
                if n.unit().is_none() {
                    if let Some(f) = d.fix.as_mut() {
                        f.also.push(crate::diagnostics::Edit {
                            span: n.span,
                            replacement: format!("{}s", n.text),
                        });
                    }
                    d = d.help(format!("did you mean `{s} = {}s`?", n.text));
                }
            }
        } else {
            let mut all: Vec<&str> = names.collect();
            all.sort_unstable();
            d = d.help(format!(
                "the fields of `{}` are {}",
                r.name,
                suggest::quote_list(&all)
            ));
        }
        self.report(d);
        None
    }

    fn map_key(&mut self, key: &Key, kk: Option<RefKind>, field: &FieldDef) {
        if let Some(kind) = kk {
            let path = ast::Path {
                segments: vec![ast::Ident {
                    name: key.name.clone(),
                    span: key.span,
                }],
                span: key.span,
            };
            self.reference(&path, kind);
        } else if field.name == "env" {
            self.check_env_name(key);
        } else if field.name == "init" {
            // Init containers are named after their key in the pod.
            self.check_dns_name("init container", &key.name, key.span);
        }
    }

    // ------------------------------------------------------------ nested blocks

    fn nested_block(&mut self, out: &mut Map, b: &Block, rec: usize) {
        let key = Key {
            name: b.kind.name.clone(),
            quoted: false,
            span: b.kind.span,
        };
        let Some(field) = self.field(rec, &key, None) else {
            self.poison_meant(out, rec, &key);
            return;
        };
        if !b.templates.is_empty() {
            let d = Diagnostic::new(
                Code::E0001,
                b.templates[0].span,
                "templates apply only to top-level services",
            )
            .label("not allowed here")
            .help(format!(
                "remove `: {}`; put shared settings in a template applied to the service",
                b.templates[0].name
            ));
            self.report(d);
        }
        match &field.ty {
            Ty::Record(r) => {
                self.check_extra_labels(b, 0);
                let v = Val::map(self.body(&b.body, *r), b.span);
                self.insert(out, &key, v, field);
            }
            Ty::Map(kk, elem) => self.map_block(out, b, *kk, elem, field),
            Ty::List(elem) => self.list_block(out, b, elem, field),
            other => {
                let d = self.value_not_block(b, field, other, "…");
                self.report(d);
            }
        }
    }

    /// `port http { … }` (map of records) or `env { K = v }` (map of scalars).
    fn map_block(
        &mut self,
        out: &mut Map,
        b: &Block,
        kk: Option<RefKind>,
        elem: &Ty,
        field: &FieldDef,
    ) {
        let slot =
            out.get_or_insert_with(self.key(&field.name), || Val::map(Map::default(), b.span));
        let mut map = slot.as_map_mut().map(std::mem::take).unwrap_or_default();
        if let Ty::Record(r) = elem {
            match b.name() {
                Some(label) => {
                    self.check_extra_labels(b, 1);
                    let key = Key {
                        name: label.value.clone(),
                        quoted: label.quoted,
                        span: label.span,
                    };
                    self.map_key(&key, kk, field);
                    let v = Val::map(self.body(&b.body, *r), b.span);
                    self.insert(&mut map, &key, v, field);
                }
                None => {
                    let d = Diagnostic::new(
                        Code::E0001,
                        b.kind.span,
                        format!("`{}` needs a name", field.name),
                    )
                    .label("name missing")
                    .help(format!("write `{} NAME {{ … }}`", field.name));
                    self.report(d);
                }
            }
        } else {
            self.check_extra_labels(b, 0);
            for e in &b.body.entries {
                match e {
                    Entry::Attr(a) => {
                        self.assign_in_map(&mut map, &a.path, &a.value, kk, elem, field)
                    }
                    Entry::Block(inner) => self.not_a_block(inner, field),
                    Entry::Error(e) => {
                        if let Some(k) = e.path.first() {
                            poison(&mut map, &k.name, k.span);
                        }
                    }
                }
            }
        }
        if let Some(m) = out.get_mut(field.name.as_str()).and_then(Val::as_map_mut) {
            *m = map;
        }
    }

    fn not_a_block(&mut self, b: &Block, field: &FieldDef) {
        let d = Diagnostic::new(
            Code::E0201,
            b.kind.span,
            format!("entries of `{}` are values, not blocks", field.name),
        )
        .help(format!("write `{} = …`", b.kind.name));
        self.report(d);
    }

    /// E0201: a block written for a field that takes a value.
    fn value_not_block(&self, b: &Block, field: &FieldDef, ty: &Ty, example: &str) -> Diagnostic {
        Diagnostic::new(
            Code::E0201,
            b.kind.span,
            format!(
                "`{}` is {}, not a block",
                field.name,
                ty.describe(self.schema)
            ),
        )
        .help(format!("write `{} = {example}`", field.name))
    }

    /// `steps { checkout {} run "x" { … } }`: a list of union blocks.
    fn list_block(&mut self, out: &mut Map, b: &Block, elem: &Ty, field: &FieldDef) {
        let Ty::Tagged(t) = elem else {
            let d = self.value_not_block(b, field, &field.ty, "[ … ]");
            self.report(d);
            return;
        };
        self.check_extra_labels(b, 0);
        let mut items = Vec::new();
        for e in &b.body.entries {
            match e {
                Entry::Block(step) => {
                    if let Some(v) = self.tagged(step, *t) {
                        items.push(v);
                    }
                }
                Entry::Error(_) => {}
                Entry::Attr(a) => {
                    let d = Diagnostic::new(Code::E0201, a.key_span(), format!("`{}` holds step blocks, not values", field.name))
                        .help("write each step as a block, e.g. `run \"Test\" { script = \"make test\" }`");
                    self.report(d);
                }
            }
        }
        let key = Key {
            name: field.name.clone(),
            quoted: false,
            span: b.kind.span,
        };
        self.insert(out, &key, Val::new(ValKind::List(items), b.span), field);
    }

    fn tagged(&mut self, step: &Block, t: usize) -> Option<Val> {
        let def = &self.schema.tagged[t];
        let Some(rec) = def.arms.get(&step.kind.name).copied() else {
            let names = def.arms.keys().map(String::as_str);
            let d = Diagnostic::new(
                Code::E0604,
                step.kind.span,
                format!("unknown step kind `{}`", step.kind.name),
            )
            .label("not a step kind")
            .unknown(
                "step kind",
                &step.kind.name,
                names,
                step.kind.span,
                str::to_string,
            );
            self.report(d);
            return None;
        };
        self.check_extra_labels(step, 1);
        let label = step.name().map(|l| l.value.clone());
        let body = Val::map(self.body(&step.body, rec), step.span);
        Some(Val::new(
            ValKind::Tagged(Box::new((step.kind.name.clone(), label, body))),
            step.span,
        ))
    }

    /// Attributes of a block whose entries are all scalars of `ty`.
    fn scalar_entries(&mut self, out: &mut Map, body: &Body, ty: &Ty, what: &str) {
        for e in &body.entries {
            match e {
                Entry::Attr(a) if a.path.len() == 1 => {
                    let key = &a.path[0];
                    let Some(v) = self.value(&a.value, ty, None) else {
                        continue;
                    };
                    if let Some(prev) = out.get(key.name.as_str()) {
                        let d = set_twice(key, prev.span, Some(&what.to_string()));
                        self.report(d);
                        continue;
                    }
                    out.insert(self.key(&key.name), v);
                }
                Entry::Error(e) => {
                    if let Some(k) = e.path.first() {
                        poison(out, &k.name, k.span);
                    }
                }
                other => {
                    let d = Diagnostic::new(
                        Code::E0201,
                        other.span(),
                        format!("a {what} holds `KEY = value` entries only"),
                    )
                    .help("write each entry as `KEY = \"value\"`: a config holds plain values, without blocks or dotted keys");
                    self.report(d);
                }
            }
        }
    }
}

/// Marks field `name` of `out` as written with a rejected value, unless it
/// holds a value already (see [`ValKind::Poison`]).
fn poison(out: &mut Map, name: &str, span: crate::source::Span) {
    if !out.contains_key(name) {
        out.insert(name.into(), Val::new(ValKind::Poison, span));
    }
}

fn merge_into<S: std::hash::BuildHasher>(
    m: &mut indexmap::IndexMap<String, Val, S>,
    name: String,
    v: Val,
) {
    match m.get_mut(&name) {
        Some(prev) => prev.merge(&v),
        None => {
            m.insert(name, v);
        }
    }
}

/// E0206: `key` set again; `first` is the first setting; `within` names the
/// map the key is an entry of (`env`, `port`, a config), if any.
fn set_twice(key: &Key, first: crate::source::Span, within: Option<&String>) -> Diagnostic {
    let (message, help) = match within {
        None => (
            format!("`{}` is set twice", key.name),
            format!("remove one of the two `{}` settings", key.name),
        ),
        Some(map) => (
            format!("`{}` is set twice in `{map}`", key.name),
            format!(
                "remove one of the two `{}` entries, or merge them",
                key.name
            ),
        ),
    };
    Diagnostic::new(Code::E0206, key.span, message)
        .label("set again here")
        .secondary(first, "first set here")
        .help(help)
}

/// How a Docker Compose service key that has no field of the same shape is
/// written in a `service` block.
fn compose_key(record: &str, key: &str) -> Option<&'static str> {
    if record != "Service" {
        return None;
    }
    Some(match key {
        "ports" => "a port is a labelled block, one per port: `port http { container = 80  host = 8080 }`",
        "volumes" => "a volume is a labelled block, one per volume: `volume data { mount = \"/data\"  size = 1Gi }`",
        "container_name" | "hostname" => {
            "containers and host names are named after the service's name (`service NAME`); rename the service to change them"
        }
        "networks" => "the services of a stack share one network; remove `networks`",
        "env_file" => "list the variables in `env { … }`, or declare a `config` and use `env_from = [config.NAME]`",
        _ => return None,
    })
}
