//! Elaboration of block bodies against record types: fields, nested blocks,
//! dotted keys, duplicates. Values are elaborated in `refs.rs` (references)
//! and `values` below (literals by expected type).

use super::schema::{FieldDef, RefKind, Schema, Ty, Unit};
use super::units::{self, UnitError};
use super::Overlay;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::resolve::{ItemRef, Program};
use crate::source::Span;
use crate::syntax::ast::{self, Block, Body, Entry, Expr, ExprKind, Key};
use crate::value::{Map, Val, ValKind};
use indexmap::IndexSet;

pub(super) struct Elab<'p> {
    pub p: &'p Program,
    pub schema: &'p Schema,
    pub diags: Vec<Diagnostic>,
    pub used_secrets: IndexSet<String>,
    /// `let` constants being elaborated (cycle detection).
    pub let_stack: Vec<String>,
    /// Trial elaboration (for `a | b` types): diagnostics are counted, not kept.
    pub trial: usize,
    pub trial_failed: bool,
}

impl<'p> Elab<'p> {
    pub fn new(p: &'p Program, schema: &'p Schema) -> Self {
        Elab {
            p,
            schema,
            diags: Vec::new(),
            used_secrets: IndexSet::new(),
            let_stack: Vec::new(),
            trial: 0,
            trial_failed: false,
        }
    }

    pub fn finish(self) -> Vec<Diagnostic> {
        self.diags
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
        self.item_body(r, "Service")
    }

    /// `config NAME { KEY = value … }`: a map of scalars.
    pub fn config(&mut self, b: &Block) -> Val {
        let ty = Ty::OneOf(vec![Ty::String, Ty::Number, Ty::Bool]);
        let mut out = Map::new();
        self.scalar_entries(&mut out, &b.body, &ty, "config");
        Val::map(out, b.span)
    }

    /// `environment NAME { … }`: Environment fields plus `service` and
    /// `config` overlay blocks.
    pub fn environment(&mut self, r: ItemRef) -> Overlay {
        let b = self.p.block(r);
        let rec = self.record("Environment");
        let service = self.record("Service");
        let mut ov = Overlay::default();
        let mut fields = Map::new();
        for e in &b.body.entries {
            match e {
                Entry::Block(inner) if inner.kind.name == "service" => {
                    let Some(name) =
                        self.overlay_target(inner, &self.p.symbols.services, RefKind::Service)
                    else {
                        continue;
                    };
                    let v = Val::map(self.body(&inner.body, service), inner.span);
                    merge_into(&mut ov.services, name, v);
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

    fn overlay_target(
        &mut self,
        b: &Block,
        table: &indexmap::IndexMap<String, ItemRef>,
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
            .help_opt(suggest::help_for_unknown(kind.noun(), &label.value, table.keys().map(String::as_str)))
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
            .label("unexpected label");
            self.report(d);
        }
    }

    // ------------------------------------------------------------ bodies

    /// A body checked against record `rec`.
    pub fn body(&mut self, body: &Body, rec: usize) -> Map {
        let mut out = Map::new();
        for e in &body.entries {
            self.entry(&mut out, e, rec);
        }
        out
    }

    fn entry(&mut self, out: &mut Map, e: &Entry, rec: usize) {
        match e {
            Entry::Attr(a) => self.assign(out, &a.path, &a.value, rec),
            Entry::Block(b) => self.nested_block(out, b, rec),
        }
    }

    /// `a.b.c = value` in record `rec`.
    fn assign(&mut self, out: &mut Map, path: &[Key], value: &Expr, rec: usize) {
        let key = &path[0];
        let Some(field) = self.field(rec, key) else {
            return;
        };
        if path.len() == 1 {
            if let Some(v) = self.value(value, &field.ty, Some(&field)) {
                self.insert(out, key, v, &field);
            }
            return;
        }
        let sub = out
            .entry(key.name.clone())
            .or_insert_with(|| Val::map(Map::new(), key.span));
        let Some(sub_map) = sub.as_map_mut() else {
            let d = Diagnostic::new(
                Code::E0206,
                key.span,
                format!("`{}` is set twice", key.name),
            );
            self.report(d);
            return;
        };
        let mut sub_map = std::mem::take(sub_map);
        match &field.ty {
            Ty::Record(r) => self.assign(&mut sub_map, &path[1..], value, *r),
            Ty::Map(k, elem) => {
                self.assign_in_map(&mut sub_map, &path[1..], value, *k, elem, &field)
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
                );
                self.report(d);
            }
        }
        if let Some(m) = out.get_mut(&key.name).and_then(Val::as_map_mut) {
            *m = sub_map;
        }
    }

    fn assign_in_map(
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
            );
            self.report(d);
            return;
        };
        let sub = out
            .entry(key.name.clone())
            .or_insert_with(|| Val::map(Map::new(), key.span));
        if let Some(m) = sub.as_map_mut() {
            let mut m = std::mem::take(m);
            self.assign(&mut m, &path[1..], value, *r);
            if let Some(slot) = out.get_mut(&key.name).and_then(Val::as_map_mut) {
                *slot = m;
            }
        }
    }

    fn insert(&mut self, out: &mut Map, key: &Key, v: Val, field: &FieldDef) {
        if let Some(prev) = out.get(&key.name) {
            let d = Diagnostic::new(
                Code::E0206,
                key.span,
                format!("`{}` is set twice", key.name),
            )
            .label("set again here")
            .secondary(prev.span, "first set here")
            .help(format!("remove one of the two `{}` settings", field.name));
            self.report(d);
            return;
        }
        out.insert(key.name.clone(), v);
    }

    /// Looks up a field, reporting E0200 with a suggestion when unknown.
    fn field(&mut self, rec: usize, key: &Key) -> Option<FieldDef> {
        let r = &self.schema.records[rec];
        if let Some(f) = r.fields.get(&key.name) {
            return Some(f.clone());
        }
        let names = r.fields.keys().map(String::as_str);
        let help = suggest::did_you_mean(&key.name, names.clone()).map(|s| s.to_string());
        let mut d = Diagnostic::new(
            Code::E0200,
            key.span,
            format!("`{}` has no field `{}`", r.name, key.name),
        )
        .label("unknown field");
        if let Some(s) = &help {
            d = d
                .help(format!("did you mean `{s}`?"))
                .fix(key.span, s.clone());
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
        }
    }

    // ------------------------------------------------------------ nested blocks

    fn nested_block(&mut self, out: &mut Map, b: &Block, rec: usize) {
        let key = Key {
            name: b.kind.name.clone(),
            quoted: false,
            span: b.kind.span,
        };
        let Some(field) = self.field(rec, &key) else {
            return;
        };
        if !b.templates.is_empty() {
            let d = Diagnostic::new(
                Code::E0001,
                b.templates[0].span,
                "templates apply only to top-level services",
            );
            self.report(d);
        }
        match field.ty.clone() {
            Ty::Record(r) => {
                self.check_extra_labels(b, 0);
                let v = Val::map(self.body(&b.body, r), b.span);
                self.insert(out, &key, v, &field);
            }
            Ty::Map(kk, elem) => self.map_block(out, b, kk, &elem, &field),
            Ty::List(elem) => self.list_block(out, b, &elem, &field),
            other => {
                let d = Diagnostic::new(
                    Code::E0201,
                    b.kind.span,
                    format!(
                        "`{}` is {}, not a block",
                        field.name,
                        other.describe(self.schema)
                    ),
                )
                .help(format!("write `{} = …`", field.name));
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
        let slot = out
            .entry(field.name.clone())
            .or_insert_with(|| Val::map(Map::new(), b.span));
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
                }
            }
        }
        if let Some(m) = out.get_mut(&field.name).and_then(Val::as_map_mut) {
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

    /// `steps { checkout {} run "x" { … } }`: a list of union blocks.
    fn list_block(&mut self, out: &mut Map, b: &Block, elem: &Ty, field: &FieldDef) {
        let Ty::Tagged(t) = elem else {
            let d = Diagnostic::new(
                Code::E0201,
                b.kind.span,
                format!(
                    "`{}` is {}, not a block",
                    field.name,
                    field.ty.describe(self.schema)
                ),
            )
            .help(format!("write `{} = [ … ]`", field.name));
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
            .help_opt(suggest::help_for_unknown(
                "step kind",
                &step.kind.name,
                names,
            ));
            self.report(d);
            return None;
        };
        self.check_extra_labels(step, 1);
        let label = step.name().map(|l| l.value.clone());
        let body = Val::map(self.body(&step.body, rec), step.span);
        Some(Val::new(
            ValKind::Tagged(step.kind.name.clone(), label, Box::new(body)),
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
                    if let Some(prev) = out.get(&key.name) {
                        let d = Diagnostic::new(
                            Code::E0206,
                            key.span,
                            format!("`{}` is set twice", key.name),
                        )
                        .secondary(prev.span, "first set here");
                        self.report(d);
                        continue;
                    }
                    out.insert(key.name.clone(), v);
                }
                other => {
                    let d = Diagnostic::new(
                        Code::E0201,
                        other.span(),
                        format!("a {what} holds `KEY = value` entries only"),
                    );
                    self.report(d);
                }
            }
        }
    }

    // ------------------------------------------------------------ values

    /// Elaborates `e` as a value of type `ty`; `None` after reporting.
    pub fn value(&mut self, e: &Expr, ty: &Ty, field: Option<&FieldDef>) -> Option<Val> {
        if matches!(e.kind, ExprKind::Null) {
            return Some(Val::new(ValKind::Null, e.span));
        }
        if let (ExprKind::Path(p), false) = (
            &e.kind,
            matches!(ty, Ty::Ref(_) | Ty::Enum(_) | Ty::OneOf(_)),
        ) {
            if let Some(v) = self.let_value(p, ty, field) {
                return v;
            }
        }
        let v = match ty {
            Ty::OneOf(ts) => self.one_of(e, ts, field),
            Ty::Ref(kind) => self.ref_value(e, *kind),
            Ty::Enum(i) => self.enum_value(e, *i),
            Ty::Range(inner) => self.range_value(e, inner, field),
            Ty::List(elem) => self.list_value(e, elem, field),
            Ty::Map(kk, elem) => self.map_value(e, *kk, elem, field),
            Ty::Record(r) => self.record_value(e, *r),
            _ => self.scalar(e, ty, field),
        }?;
        Some(v)
    }

    fn one_of(&mut self, e: &Expr, ts: &[Ty], field: Option<&FieldDef>) -> Option<Val> {
        for t in ts {
            self.trial += 1;
            self.trial_failed = false;
            let v = self.value(e, t, field);
            self.trial -= 1;
            let failed = std::mem::replace(&mut self.trial_failed, false);
            if !failed {
                if let Some(v) = v {
                    // Re-run for real so that uses (secrets) are recorded.
                    return self.value(e, t, field).or(Some(v));
                }
            }
        }
        let expected = Ty::OneOf(ts.to_vec()).describe(self.schema);
        self.mismatch(e, &expected, field);
        None
    }

    fn enum_value(&mut self, e: &Expr, i: usize) -> Option<Val> {
        let def = &self.schema.enums[i];
        let (name, span) = match &e.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => (p.first().to_string(), e.span),
            ExprKind::Str(s) => {
                let text = s.as_plain().unwrap_or_default();
                let mut d = Diagnostic::new(
                    Code::E0201,
                    e.span,
                    format!(
                        "expected {}, found a string",
                        Ty::Enum(i).describe(self.schema)
                    ),
                );
                if def.variants.contains_key(&text) {
                    d = d
                        .help(format!("write `{text}` without quotes"))
                        .fix(e.span, text);
                }
                self.report(d);
                return None;
            }
            _ => {
                let expected = Ty::Enum(i).describe(self.schema);
                self.mismatch(e, &expected, None);
                return None;
            }
        };
        if def.variants.contains_key(&name) {
            return Some(Val::new(ValKind::Enum(name), span));
        }
        let names: Vec<&str> = def.variants.keys().map(String::as_str).collect();
        let mut d = Diagnostic::new(
            Code::E0205,
            span,
            format!("`{name}` is not a valid `{}`", def.name),
        )
        .label("unknown value");
        match suggest::did_you_mean(&name, names.iter().copied()) {
            Some(s) => d = d.help(format!("did you mean `{s}`?")).fix(span, s),
            None => d = d.help(format!("expected {}", Ty::Enum(i).describe(self.schema))),
        }
        self.report(d);
        None
    }

    fn range_value(&mut self, e: &Expr, inner: &Ty, field: Option<&FieldDef>) -> Option<Val> {
        let (lo, hi) = match &e.kind {
            ExprKind::Range(lo, hi) => {
                (self.value(lo, inner, field)?, self.value(hi, inner, field)?)
            }
            _ => {
                let v = self.value(e, inner, field)?;
                (v.clone(), v)
            }
        };
        Some(Val::new(ValKind::Range(Box::new(lo), Box::new(hi)), e.span))
    }

    fn list_value(&mut self, e: &Expr, elem: &Ty, field: Option<&FieldDef>) -> Option<Val> {
        let ExprKind::List(items) = &e.kind else {
            self.mismatch(
                e,
                &format!("a list `[ … ]` of {}", elem.describe(self.schema)),
                field,
            );
            return None;
        };
        let vals: Vec<Val> = items
            .iter()
            .filter_map(|i| self.value(i, elem, field))
            .collect();
        Some(Val::new(ValKind::List(vals), e.span))
    }

    fn map_value(
        &mut self,
        e: &Expr,
        kk: Option<RefKind>,
        elem: &Ty,
        field: Option<&FieldDef>,
    ) -> Option<Val> {
        let ExprKind::Object(entries) = &e.kind else {
            self.mismatch(e, "a block `{ name = value, … }`", field);
            return None;
        };
        let mut out = Map::new();
        let stub = field
            .cloned()
            .unwrap_or_else(|| anonymous_field(elem.clone(), e.span));
        for en in entries {
            self.assign_in_map(&mut out, &en.path, &en.value, kk, elem, &stub);
        }
        Some(Val::map(out, e.span))
    }

    fn record_value(&mut self, e: &Expr, r: usize) -> Option<Val> {
        let ExprKind::Object(entries) = &e.kind else {
            let expected = Ty::Record(r).describe(self.schema);
            self.mismatch(e, &expected, None);
            return None;
        };
        let mut out = Map::new();
        for en in entries {
            self.assign(&mut out, &en.path, &en.value, r);
        }
        Some(Val::map(out, e.span))
    }

    fn scalar(&mut self, e: &Expr, ty: &Ty, field: Option<&FieldDef>) -> Option<Val> {
        let kind = match (&e.kind, ty) {
            (ExprKind::Str(s), Ty::String) => return self.string(s, e.span),
            (ExprKind::Str(s), Ty::Cron) => {
                let text = s.as_plain().unwrap_or_default();
                if let Err(msg) = super::rules::cron::validate(&text) {
                    let d = Diagnostic::new(Code::E0603, e.span, format!("malformed cron expression: {msg}"))
                        .label("not a valid schedule")
                        .help("five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * 1\" (03:00 every Monday)");
                    self.report(d);
                    return None;
                }
                ValKind::Str(text)
            }
            (ExprKind::Bool(b), Ty::Bool) => ValKind::Bool(*b),
            (ExprKind::Number(n), Ty::Int | Ty::Number | Ty::Quantity(_)) => {
                return self.number(n, ty, field)
            }
            (ExprKind::Path(p), Ty::String) => return self.path_as_string(p, e.span),
            _ => {
                self.mismatch(e, &ty.describe(self.schema), field);
                return None;
            }
        };
        Some(Val::new(kind, e.span))
    }

    fn number(&mut self, n: &ast::NumberLit, ty: &Ty, field: Option<&FieldDef>) -> Option<Val> {
        if let Some(u) = &n.unit {
            if !units::is_known_suffix(u) {
                let d = Diagnostic::new(Code::E0004, n.span, format!("unknown unit `{u}`"))
                    .label("not a unit")
                    .help("units: ms s m h d (durations), Ki Mi Gi Ti k M G T B (sizes), m (millicores), % (percent)");
                self.report(d);
                return None;
            }
        }
        let kind = match ty {
            Ty::Int | Ty::Number => {
                if let Some(u) = &n.unit {
                    let d = Diagnostic::new(
                        Code::E0202,
                        n.span,
                        format!(
                            "expected {}, found a value with unit `{u}`",
                            ty.describe(self.schema)
                        ),
                    )
                    .help("write the number without a unit");
                    self.report(d);
                    return None;
                }
                if *ty == Ty::Int && !n.integer {
                    let d = Diagnostic::new(
                        Code::E0201,
                        n.span,
                        format!("expected an integer, found `{}`", n.text),
                    );
                    self.report(d);
                    return None;
                }
                if *ty == Ty::Int {
                    ValKind::Int(n.value as i64)
                } else {
                    ValKind::Float(n.value)
                }
            }
            Ty::Quantity(u) => match units::quantity(*u, n.value, n.unit.as_deref()) {
                Ok(q) => ValKind::Quantity(q),
                Err(err) => {
                    self.unit_error(n, *u, err, field);
                    return None;
                }
            },
            _ => unreachable!("number() is called for numeric types"),
        };
        self.range_check(n, field)?;
        Some(Val::new(kind, n.span))
    }

    fn unit_error(
        &mut self,
        n: &ast::NumberLit,
        u: Unit,
        err: UnitError,
        field: Option<&FieldDef>,
    ) {
        let what = field.map_or("this value".to_string(), |f| format!("`{}`", f.name));
        let d = match err {
            UnitError::Missing(accepted) => {
                let example = match u {
                    Unit::Duration => format!("{}s", n.text),
                    Unit::Bytes => format!("{}Mi", n.text),
                    _ => format!("{}%", n.text),
                };
                Diagnostic::new(Code::E0202, n.span, format!("{what} needs a unit"))
                    .label(format!(
                        "a bare number; expected {}",
                        Ty::Quantity(u).describe(self.schema)
                    ))
                    .help(format!("add a unit ({accepted}), e.g. `{example}`"))
                    .fix(n.span, example)
            }
            UnitError::WrongUnit(accepted) => Diagnostic::new(
                Code::E0202,
                n.span,
                format!(
                    "{what} is {}, but `{}` is not such a unit",
                    Ty::Quantity(u).describe(self.schema),
                    n.unit.as_deref().unwrap_or("")
                ),
            )
            .label("wrong unit")
            .help(format!("use one of: {accepted}")),
            UnitError::BadValue(msg) => {
                Diagnostic::new(Code::E0203, n.span, format!("`{}` {msg}", n.text))
                    .label("out of range")
            }
        };
        self.report(d);
    }

    fn range_check(&mut self, n: &ast::NumberLit, field: Option<&FieldDef>) -> Option<()> {
        let f = field?;
        let (lo, hi) = (f.min, f.max);
        let v = n.value;
        if lo.is_some_and(|l| v < l) || hi.is_some_and(|h| v > h) {
            let bounds = match (lo, hi) {
                (Some(l), Some(h)) => format!(
                    "between {} and {}",
                    units::trim_float(l),
                    units::trim_float(h)
                ),
                (Some(l), None) => format!("at least {}", units::trim_float(l)),
                (None, Some(h)) => format!("at most {}", units::trim_float(h)),
                _ => unreachable!("a bound exists"),
            };
            let d = Diagnostic::new(
                Code::E0203,
                n.span,
                format!("`{}` must be {bounds}, found {}", f.name, n.text),
            )
            .label("out of range");
            self.report(d);
            return None;
        }
        Some(())
    }

    pub fn mismatch(&mut self, e: &Expr, expected: &str, field: Option<&FieldDef>) {
        let found = describe_expr(e);
        let mut d = Diagnostic::new(
            Code::E0201,
            e.span,
            format!("expected {expected}, found {found}"),
        )
        .label(format!("this is {found}"));
        if let Some(f) = field {
            d = d.note(format!("`{}` is {}", f.name, f.ty.describe(self.schema)));
        }
        if let ExprKind::Str(s) = &e.kind {
            if let Some(text) = s.as_plain() {
                if expected.contains("duration")
                    || expected.contains("size")
                    || expected.contains("integer")
                    || expected.contains("CPU")
                    || expected.contains("percent")
                {
                    d = d.help(format!("write the value without quotes: {text}"));
                }
            }
        }
        self.report(d);
    }
}

fn merge_into(m: &mut indexmap::IndexMap<String, Val>, name: String, v: Val) {
    match m.get_mut(&name) {
        Some(prev) => prev.merge(&v),
        None => {
            m.insert(name, v);
        }
    }
}

fn anonymous_field(ty: Ty, span: Span) -> FieldDef {
    FieldDef {
        name: "value".into(),
        ty,
        optional: true,
        min: None,
        max: None,
        default: None,
        docs: Default::default(),
        span,
    }
}

/// How an expression reads in messages.
pub fn describe_expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Str(_) => "a string".into(),
        ExprKind::Number(n) if n.unit.is_some() => format!("`{}`", n.text),
        ExprKind::Number(n) => format!("the number {}", n.text),
        ExprKind::Bool(b) => format!("`{b}`"),
        ExprKind::Null => "`null`".into(),
        ExprKind::List(_) => "a list".into(),
        ExprKind::Object(_) => "a block".into(),
        ExprKind::Path(p) => format!("the name `{}`", p.dotted()),
        ExprKind::Range(..) => "a range".into(),
    }
}
