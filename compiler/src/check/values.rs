//! Values by expected type: literals, units, ranges, lists, maps, enums
//! and alternatives (`string | number | ref secret`). References and strings
//! are in `refs.rs`; bodies and blocks in `elab.rs`.

use super::elab::Elab;
use super::schema::{FieldDef, RefKind, Ty, Unit};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, Expr, ExprKind};
use crate::units::{self, UnitError};
use crate::value::{Map, Val, ValKind};

impl Elab<'_> {
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
            Ty::Enum(i) => self.enum_value(e, *i, field),
            Ty::Range(inner) => self.range_value(e, inner, field),
            Ty::List(elem) => self.list_value(e, elem, field),
            Ty::Map(kk, elem) => self.map_value(e, *kk, elem, field),
            Ty::Record(r) => self.record_value(e, *r),
            _ => self.scalar(e, ty, field),
        }?;
        Some(v)
    }

    /// `a | b | c`: the first alternative that elaborates without error.
    /// When none does, the alternative the expression's shape asks for
    /// (`secret.X` → a secret reference, a string → a string, …) is
    /// elaborated for real, so its precise diagnostics are reported instead
    /// of a vague "expected a or b or c".
    fn one_of(&mut self, e: &Expr, ts: &[Ty], field: Option<&FieldDef>) -> Option<Val> {
        // `secret.X` and `config.X.K` are references wherever the type
        // accepts one (a config key stays a reference, so that Kubernetes
        // reads it from the ConfigMap), never text.
        if let ExprKind::Path(p) = &e.kind {
            if matches!(p.first(), "secret" | "config") {
                if let Some(t @ Ty::Ref(_)) = self.likely_alternative(e, ts, 0) {
                    return self.value(e, t, field);
                }
            }
        }
        let outer = std::mem::replace(&mut self.trial_failed, false);
        let found = ts
            .iter()
            .find_map(|t| self.attempt(e, t, field).map(|v| (t, v)));
        self.trial_failed = outer;
        if let Some((t, v)) = found {
            // Re-run for real so that uses (secrets) are recorded.
            return self.value(e, t, field).or(Some(v));
        }
        if let Some(t) = self.likely_alternative(e, ts, 0) {
            return self.value(e, t, field);
        }
        let expected = Ty::OneOf(ts.to_vec()).describe(self.schema);
        self.mismatch(e, &expected, field);
        None
    }

    /// Elaborates without reporting; `None` when it would have reported.
    fn attempt(&mut self, e: &Expr, t: &Ty, field: Option<&FieldDef>) -> Option<Val> {
        self.trial += 1;
        let v = self.value(e, t, field);
        self.trial -= 1;
        let failed = std::mem::replace(&mut self.trial_failed, false);
        v.filter(|_| !failed)
    }

    /// The alternative of `ts` that the form of `e` was written for.
    fn likely_alternative<'t>(&self, e: &Expr, ts: &'t [Ty], depth: usize) -> Option<&'t Ty> {
        let find = |pred: &dyn Fn(&Ty) -> bool| ts.iter().find(|t| pred(t));
        let reference = |k: RefKind| find(&|t| *t == Ty::Ref(k));
        match &e.kind {
            ExprKind::Path(p) => {
                let n = p.segments.len();
                if n == 1 && depth < 8 {
                    if let Some(r) = self.p.symbols.lets.get(p.first()) {
                        let expr = &self.p.let_item(*r).value;
                        return self.likely_alternative(expr, ts, depth + 1);
                    }
                }
                let prefixed = match p.first() {
                    "secret" => reference(RefKind::Secret),
                    "config" if n == 3 => {
                        reference(RefKind::ConfigKey).or_else(|| reference(RefKind::Config))
                    }
                    "config" => {
                        reference(RefKind::Config).or_else(|| reference(RefKind::ConfigKey))
                    }
                    _ => None,
                };
                let bare = |t: &Ty| {
                    n == 1
                        && matches!(
                            t,
                            Ty::Enum(_)
                                | Ty::Ref(
                                    RefKind::Service
                                        | RefKind::Environment
                                        | RefKind::Port
                                        | RefKind::Job
                                        | RefKind::Pipeline
                                )
                        )
                };
                prefixed
                    .or_else(|| find(&bare))
                    .or_else(|| find(&|t| *t == Ty::String))
            }
            ExprKind::Str(_) => find(&|t| matches!(t, Ty::String | Ty::Cron))
                .or_else(|| find(&|t| matches!(t, Ty::Enum(_) | Ty::Ref(_)))),
            ExprKind::Number(n) => {
                let fits = |t: &Ty| match (t, n.unit()) {
                    (Ty::Quantity(u), Some(s)) => units::quantity(*u, 1.0, Some(s)).is_ok(),
                    _ => false,
                };
                let numeric = |t: &Ty| matches!(t, Ty::Int | Ty::Number);
                let quantity = |t: &Ty| matches!(t, Ty::Quantity(_));
                let first = if n.unit().is_some() {
                    quantity
                } else {
                    numeric
                };
                find(&fits)
                    .or_else(|| find(&first))
                    .or_else(|| find(&|t| numeric(t) || quantity(t)))
            }
            ExprKind::Bool(_) => find(&|t| *t == Ty::Bool),
            ExprKind::List(_) => find(&|t| matches!(t, Ty::List(_))),
            ExprKind::Object(_) => find(&|t| matches!(t, Ty::Map(..) | Ty::Record(_))),
            ExprKind::Range(..) => find(&|t| matches!(t, Ty::Range(_))),
            ExprKind::Null => None,
        }
    }

    fn enum_value(&mut self, e: &Expr, i: usize, field: Option<&FieldDef>) -> Option<Val> {
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
                )
                .label("a quoted string");
                let names = def.variants.keys().map(String::as_str);
                let meant = if def.variants.contains_key(&text) {
                    Some(text.as_str())
                } else {
                    suggest::did_you_mean(&text, names)
                };
                if let Some(v) = meant {
                    let help = if v == text {
                        format!("write `{v}` without quotes")
                    } else {
                        format!("`{text}` is written `{v}` here, without quotes")
                    };
                    d = d.help(help).fix(e.span, v);
                } else {
                    d = d.help("enum values are bare names, written without quotes");
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
            return Some(Val::new(ValKind::Enum(name.into()), span));
        }
        let names: Vec<&str> = def.variants.keys().map(String::as_str).collect();
        let target = field.map_or_else(|| format!("`{}`", def.name), |f| format!("`{}`", f.name));
        let mut d = Diagnostic::new(
            Code::E0205,
            span,
            format!("`{name}` is not a valid value for {target}"),
        )
        .label(format!("not a `{}` value", def.name));
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
            if let (Some(f), ExprKind::List(items)) = (field, &e.kind) {
                if f.name == "depends_on" {
                    // Compose's short form `depends_on: [db]`.
                    let names: Option<Vec<String>> = items
                        .iter()
                        .map(|i| match &i.kind {
                            ExprKind::Path(p) if p.segments.len() == 1 => Some(p.dotted()),
                            ExprKind::Str(s) => s.as_plain(),
                            _ => None,
                        })
                        .collect();
                    if let Some(names) = names.filter(|n| !n.is_empty()) {
                        let body: Vec<String> =
                            names.iter().map(|n| format!("{n} = started")).collect();
                        let block = format!("{{ {} }}", body.join("  "));
                        let d = Diagnostic::new(
                            Code::E0201,
                            e.span,
                            "expected a block of conditions, found a list",
                        )
                        .label("a list of services")
                        .help(format!(
                            "`depends_on` names each service with a condition: `depends_on {block}` (`healthy` waits for its health check)"
                        ))
                        .fix(e.span, block);
                        self.report(d);
                        return None;
                    }
                }
            }
            self.mismatch(e, "a block `{ name = value, … }`", field);
            return None;
        };
        let mut out = Map::default();
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
        let mut out = Map::default();
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
                if let Err(msg) = super::cron::validate(&text) {
                    let d = Diagnostic::new(Code::E0603, e.span, format!("malformed cron expression: {msg}"))
                        .label("not a valid schedule")
                        .help("five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * 1\" (03:00 every Monday)");
                    self.report(d);
                    return None;
                }
                ValKind::Str(text.into())
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
        if overflows(n) {
            // E0005, already reported by the parser.
            return None;
        }
        if let Some(u) = n.unit() {
            if !units::is_known_suffix(u) {
                let mut d = Diagnostic::new(Code::E0004, n.span, format!("unknown unit `{u}`"))
                    .label("not a unit");
                let wanted = match ty {
                    Ty::Quantity(q) => Some(*q),
                    _ => None,
                };
                match wanted.and_then(|q| unit_suggestion(q, n)) {
                    Some((fixed, help)) => d = d.help(help).fix(n.span, fixed),
                    None => d = d.help("units: ms s m h d (durations), Ki Mi Gi Ti k M G T B (sizes), m (millicores), % (percent)"),
                }
                self.report(d);
                return None;
            }
        }
        let kind = match ty {
            Ty::Int | Ty::Number => {
                if let Some(u) = n.unit() {
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
                    )
                    .label("not a whole number")
                    .help("write a whole number");
                    self.report(d);
                    return None;
                }
                if *ty == Ty::Int {
                    ValKind::Int(n.value as i64)
                } else {
                    ValKind::Float(n.value)
                }
            }
            Ty::Quantity(u) => match units::quantity(*u, n.value, n.unit()) {
                Ok(q) => ValKind::Quantity(q),
                Err(err) => {
                    self.unit_error(n, *u, err, field);
                    return None;
                }
            },
            _ => unreachable!("scalar() calls number() for Int, Number and Quantity only"),
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
            UnitError::WrongUnit(accepted) => {
                let d = Diagnostic::new(
                    Code::E0202,
                    n.span,
                    format!(
                        "{what} is {}, but `{}` is not such a unit",
                        Ty::Quantity(u).describe(self.schema),
                        n.unit().unwrap_or("")
                    ),
                )
                .label("wrong unit");
                match unit_suggestion(u, n) {
                    Some((fixed, help)) => d.help(help).fix(n.span, fixed),
                    None => d.help(format!("use one of: {accepted}")),
                }
            }
            UnitError::BadValue(msg) => {
                let help = match u {
                    Unit::Duration => "durations are whole milliseconds from 0 up; use a smaller unit (e.g. `1500ms` for `1.5s`)",
                    Unit::Bytes => "sizes are whole bytes from 0 up; use a smaller unit (e.g. `1536Mi` for `1.5Gi`)",
                    Unit::Cpu => "CPU is counted in whole millicores from 0 up (`250m`, `0.5`, `2`)",
                    Unit::Percent => "percentages are 0 or more (`70%`)",
                };
                Diagnostic::new(Code::E0203, n.span, format!("`{}` {msg}", n.text))
                    .label("out of range")
                    .help(help)
            }
        };
        self.report(d);
    }

    fn range_check(&mut self, n: &ast::NumberLit, field: Option<&FieldDef>) -> Option<()> {
        let Some(f) = field else { return Some(()) };
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
                (None, None) => return Some(()),
            };
            let mut d = Diagnostic::new(
                Code::E0203,
                n.span,
                format!("`{}` must be {bounds}, found {}", f.name, n.text),
            )
            .label("out of range")
            .help(format!("use a value {bounds}"));
            if let Some(doc) = f.docs.text.lines().next().filter(|l| !l.is_empty()) {
                d = d.note(format!("`{}`: {doc}", f.name));
            }
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
                let t = text.trim();
                let quantity = expected.contains("duration")
                    || expected.contains("size")
                    || expected.contains("CPU")
                    || expected.contains("percent");
                // Suggest the bare value only when it is one (`"3"`,
                // `"30s"`); `"three"` is not a number without quotes either.
                let holds_one = if expected.contains("integer") {
                    t.parse::<i64>().is_ok()
                } else {
                    quantity
                        && t.starts_with(|c: char| c.is_ascii_digit() || c == '.')
                        && !t.contains(char::is_whitespace)
                };
                let mapping = t.split_once(':').filter(|(a, b)| {
                    [a, b]
                        .iter()
                        .all(|x| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit()))
                });
                let boolean = expected == "`true` or `false`";
                if holds_one {
                    d = d
                        .help(format!("write the value without quotes: {t}"))
                        .fix(e.span, t);
                } else if let (Some((host, container)), true) =
                    (mapping, expected.contains("integer"))
                {
                    // Compose's `"8080:80"`: published port first.
                    d = d.help(format!(
                        "a port mapping is two fields here: `container = {container}` and `host = {host}`"
                    ));
                } else if boolean && matches!(t, "true" | "false") {
                    d = d.help(format!("write `{t}` without quotes")).fix(e.span, t);
                } else if expected.starts_with("a list") && expected.contains("string") {
                    // `command = "npm run start"`: the words as a list, or a
                    // shell for a line that needs one.
                    let shell = t.contains(|c: char| "'\"$|&;<>()*?`\\~{}[]=".contains(c));
                    if shell || t.is_empty() {
                        d = d.help(format!(
                            "a list runs without a shell; to run this line with one, write `[\"sh\", \"-c\", {t:?}]`"
                        ));
                    } else {
                        let words: Vec<String> =
                            t.split_whitespace().map(|w| format!("{w:?}")).collect();
                        let list = format!("[{}]", words.join(", "));
                        d = d
                            .help(format!("write the words as a list: {list}"))
                            .fix(e.span, list);
                    }
                } else if expected.contains("integer") || quantity {
                    d = d.help(format!("`{t}` is not {expected}; write {expected} here"));
                }
            }
        }
        if let (ExprKind::Number(n), "a string") = (&e.kind, expected) {
            // `tag = 1.2`: a version written as a number.
            let quoted = format!("\"{}\"", n.text);
            d = d.help(format!("quote it: {quoted}")).fix(e.span, quoted);
        }
        if d.help.is_none() {
            d = d.help(format!("write {expected} here"));
        }
        self.report(d);
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
        ExprKind::Number(n) if n.unit().is_some() => format!("`{}`", n.text),
        ExprKind::Number(n) => format!("the number {}", n.text),
        ExprKind::Bool(b) => format!("`{b}`"),
        ExprKind::Null => "`null`".into(),
        ExprKind::List(_) => "a list".into(),
        ExprKind::Object(_) => "a block".into(),
        ExprKind::Path(p) => format!("the name `{}`", p.dotted()),
        ExprKind::Range(..) => "a range".into(),
    }
}

/// Whether a literal does not fit (the parser reports E0005 for it).
fn overflows(n: &ast::NumberLit) -> bool {
    let digits = n.digits();
    // Up to 18 plain digits fit an i64 (and a finite f64): most literals.
    if (1..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let clean = digits.replace('_', "");
    let value = clean.parse::<f64>().unwrap_or(f64::NAN);
    !value.is_finite() || (n.integer && clean.parse::<i64>().is_err())
}

/// The unit a foreign suffix most likely meant for a quantity of kind `u`:
/// the literal rewritten and a `help:` saying why. Docker's sizes
/// (`512m`, `1g`, `512MB`) are binary, Kubernetes' `m` is milli, and
/// durations are often written with words.
fn unit_suggestion(u: Unit, n: &ast::NumberLit) -> Option<(String, String)> {
    let suffix = n.unit()?;
    let digits = n.digits();
    let lower = suffix.to_ascii_lowercase();
    let to = match u {
        Unit::Bytes => match lower.as_str() {
            "m" | "mb" | "mib" => "Mi",
            "g" | "gb" | "gib" => "Gi",
            "kb" | "kib" => "Ki",
            "t" | "tb" | "tib" => "Ti",
            _ => return None,
        },
        Unit::Duration => match lower.as_str() {
            "sec" | "secs" | "second" | "seconds" => "s",
            "min" | "mins" | "minute" | "minutes" => "m",
            "hr" | "hrs" | "hour" | "hours" => "h",
            "day" | "days" => "d",
            "msec" | "msecs" | "millis" => "ms",
            _ if suffix == "S" || suffix == "H" || suffix == "D" => {
                return Some((
                    format!("{digits}{lower}"),
                    format!("units are lowercase here: `{digits}{lower}`"),
                ))
            }
            _ => return None,
        },
        Unit::Cpu => match lower.as_str() {
            "mi" | "mc" | "millicores" | "millis" => "m",
            _ => return None,
        },
        Unit::Percent => match lower.as_str() {
            "pct" | "percent" => "%",
            _ => return None,
        },
    };
    let fixed = format!("{digits}{to}");
    let help = match (u, lower.as_str()) {
        (Unit::Bytes, "m") => format!(
            "`m` is milli (a thousandth of a byte); write `{fixed}` for mebibytes (or `{digits}M` for 10⁶ bytes)"
        ),
        (Unit::Bytes, _) => format!(
            "write `{fixed}` (binary, what Docker's `{digits}{}` means) or `{digits}{}` (decimal)",
            lower.chars().next().unwrap_or('m'),
            match to {
                "Ki" => "k",
                "Gi" => "G",
                "Ti" => "T",
                _ => "M",
            }
        ),
        (Unit::Cpu, _) => format!(
            "CPU is counted in millicores: `{fixed}` ({suffix} is a size unit)"
        ),
        _ => format!("write `{fixed}`"),
    };
    Some((fixed, help))
}
