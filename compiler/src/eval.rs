//! Evaluate: templates, environment overlays, defaults → one evaluated
//! world per environment.
//!
//! Input: the [`Checked`] items and an environment name (or none, for the
//! base). Output: an [`Evaluated`] world where every service is its
//! templates, then its own body, then the environment's overlay, merged in
//! that order (maps merge key by key, `null` removes, anything else
//! replaces), with stdlib defaults filled in and required fields checked
//! (E0204). Interpolations that depend only on the environment (`stack.*`,
//! `environment.name`, config values) are resolved here; those that depend
//! on the target (`svc.host`, `svc.port.NAME`) stay structured for the
//! backends.

use crate::check::schema::{Schema, Ty};
use crate::check::{Checked, Defaults};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::resolve::Program;
use crate::value::{Map, Part, Val, ValKind};
use indexmap::IndexMap;
use std::sync::Arc;

/// One environment's (or the base's) evaluated world.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// `None` for the base (no overlay applied).
    pub env: Option<String>,
    /// The `Stack` record, with `name` and the environment's stack-level overrides.
    pub stack: Val,
    /// The `Environment` record, with its tier resolved.
    pub environment: Option<Val>,
    /// Services that run in this environment. Services an environment does
    /// not change share their value with the base (see [`BaseServices`]).
    pub services: Services,
    /// Per service (in order): what its strings hold. Its `env_paths` are
    /// `None` when it shares the base's value: resolved already, or in a
    /// world for the rules alone, its environment variables left
    /// unresolved ([`Evaluator::for_rules`]).
    pub strings: Vec<Strings>,
    /// Services declared but restricted to other environments.
    pub skipped: Vec<String>,
    pub secrets: IndexMap<String, Val>,
    pub configs: IndexMap<String, Val>,
    pub pipelines: IndexMap<String, Val>,
}

/// A world's services by name (FxHash: rules look names up in it for every
/// reference, and SipHash's flooding resistance buys nothing here).
pub type Services = IndexMap<String, Arc<Val>, rustc_hash::FxBuildHasher>;

/// Where a value's environment-dependent strings are ([`strings_of`]): a
/// path of indices of map entries and list items (`u32::MAX` enters a
/// tagged block) per string. Found once per service value; an environment
/// that leaves a service unchanged resolves the base's unresolved value at
/// the base's paths.
pub type EnvPaths = Arc<Vec<Vec<u32>>>;

/// `${svc.host}` or `${svc.port.NAME}` in a string of a service's value.
/// Resolving a string for an environment leaves these parts and its span
/// as they are, so what is found before resolving holds after.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    /// The string's span.
    pub span: crate::source::Span,
    /// The service whose address it is.
    pub service: String,
    /// The port named, for `${svc.port.NAME}`.
    pub port: Option<String>,
    /// Whether the string is inside a block of a `union` field.
    pub tagged: bool,
}

/// The addresses in one service's strings, in the order of its value
/// (maps and lists in order, parts in order).
pub type Addresses = Arc<[Address]>;

/// What one walk of a service's value finds in its strings ([`strings_of`]).
#[derive(Debug, Clone, Default)]
pub struct Strings {
    /// Where its strings that depend on the environment are; `None` when
    /// there are none.
    pub env_paths: Option<EnvPaths>,
    /// The addresses of services it holds; `None` when there are none. The
    /// rules across services read these instead of walking every value.
    pub addresses: Option<Addresses>,
}

impl Strings {
    /// The addresses, in order.
    pub fn addresses(&self) -> &[Address] {
        self.addresses.as_deref().unwrap_or_default()
    }
}

/// The tier an environment name implies when `tier` is not set.
pub fn default_tier(name: &str) -> &'static str {
    match name {
        "prod" | "production" | "prd" | "live" => "production",
        "staging" | "stage" | "stg" | "qa" | "preprod" | "uat" => "staging",
        _ => "development",
    }
}

pub struct Evaluator<'a> {
    pub p: &'a Program,
    pub schema: &'a Schema,
    pub checked: &'a Checked,
    pub defaults: &'a Defaults,
    /// The base services, computed once; environments reuse the ones they
    /// do not change.
    pub base: Option<&'a BaseServices>,
    /// While the base is evaluated: the shared records it filled defaults
    /// into ([`BaseServices::defaulted`]).
    pub defaulted: std::sync::Mutex<Defaulted>,
    /// The world is evaluated for the rules alone (a `check`, which keeps
    /// no world for a model): a service the environment does not change,
    /// whose only strings that depend on the environment are environment
    /// variables (`env { MODE = "${environment.name}" }`), is the base's
    /// value before resolution, shared, instead of a copy resolved for
    /// this environment. No rule reads the text of an environment variable
    /// (the addresses in them are listed before resolving; the test
    /// `rules_read_no_environment_variable_text` holds the rules to it),
    /// and a model never reads such a world.
    pub for_rules: bool,
}

/// Shared records (a template's or a service's own `health { … }`, say)
/// and maps of records (its `port`s) with the stdlib defaults filled in,
/// by the address of the map and the type (a record's position, its
/// complement for a map of such records): an environment whose overlay
/// leaves such a map alone takes the base's result, map and all, instead
/// of filling and copying it again. Each entry keeps the map it was made
/// from alive, so an address names one map for as long as the entry lives.
pub type Defaulted = rustc_hash::FxHashMap<(usize, usize), (Arc<Map>, Arc<Map>)>;

/// Every service of the base world: merged from its templates and itself,
/// with defaults, its environment-dependent strings resolved for the base.
/// The base world is these values; an environment shares those it does not
/// change and whose strings do not depend on the environment (the others it
/// evaluates itself, so no world holds a copy of another's service).
#[derive(Debug, Clone, Default)]
pub struct BaseServices {
    pub services: Services,
    /// The same services before their strings were resolved: what an
    /// environment that does not change a dependent service resolves for
    /// itself. Shares every map but those on the way to such a string.
    pub unresolved: Vec<Arc<Val>>,
    /// Per service, what its strings hold: where those that depend on the
    /// environment (`stack.*`, `environment.name`, config values) are in the
    /// unresolved value (`None` for a service with none, which environments
    /// share), and the addresses of services.
    pub strings: Vec<Strings>,
    /// Per service, for one that an environment changes: its templates and
    /// itself merged, before defaults (when that holds no `null`). An
    /// environment merges its overlay onto this instead of merging the
    /// templates and the service again.
    pub merged: Vec<Option<Val>>,
    /// The shared records the base filled defaults into.
    pub defaulted: Defaulted,
    pub diags: Vec<Diagnostic>,
}

impl Evaluator<'_> {
    /// Evaluates the base (`env = None`) or one environment.
    pub fn evaluate(&self, env: Option<&str>) -> (Evaluated, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let overlay = env.and_then(|e| self.checked.environments.get(e));
        let environment = env.map(|e| self.environment(e, overlay.and_then(|o| o.fields.clone())));
        let stack = self.stack(environment.as_ref());
        let configs = self.configs(overlay);
        let (services, strings, skipped, _) = self.services(env, &mut diags);
        let secrets = self.items(&self.checked.secrets, "Secret", &mut diags);
        let pipelines = self.items(&self.checked.pipelines, "Pipeline", &mut diags);
        let mut world = Evaluated {
            env: env.map(str::to_string),
            stack,
            environment,
            services,
            strings,
            skipped,
            secrets,
            configs,
            pipelines,
        };
        namespace_none_refs(&world, &mut diags);
        let resolve = if self.for_rules {
            Resolve::AllButEnvVars
        } else {
            Resolve::InPlace
        };
        resolve_env_parts(&mut world, resolve);
        (world, diags)
    }

    /// The base services, once (call with `base: None`).
    pub fn base_services(&self) -> BaseServices {
        let mut diags = Vec::new();
        let (services, strings, _, merged) = self.services(None, &mut diags);
        let mut world = Evaluated {
            env: None,
            stack: self.stack(None),
            environment: None,
            services,
            strings,
            skipped: Vec::new(),
            secrets: IndexMap::new(),
            configs: self.configs(None),
            pipelines: IndexMap::new(),
        };
        // Before their strings are resolved (the base world reuses them).
        namespace_none_in(
            &world.stack,
            world.services.values().map(|v| &**v),
            &mut diags,
        );
        let unresolved = world.services.values().cloned().collect();
        resolve_env_parts(&mut world, Resolve::Chunked);
        BaseServices {
            services: world.services,
            merged,
            unresolved,
            strings: world.strings,
            defaulted: std::mem::take(&mut *self.defaulted_map()),
            diags,
        }
    }

    /// The services of `env`, with what the strings of each hold, those
    /// that do not run there, and (for the base) the merged values kept
    /// for the environments ([`BaseServices::merged`]).
    fn services(
        &self,
        env: Option<&str>,
        diags: &mut Vec<Diagnostic>,
    ) -> (Services, Vec<Strings>, Vec<String>, Vec<Option<Val>>) {
        let mut services =
            Services::with_capacity_and_hasher(self.checked.services.len(), Default::default());
        let mut strings = Vec::with_capacity(self.checked.services.len());
        let mut skipped = Vec::new();
        let mut merged = Vec::new();
        let overlay = env.and_then(|e| self.checked.environments.get(e));
        // Each service's own block in the overlay, by the service's position.
        let blocks = overlay.map_or_else(Vec::new, |o| self.blocks_by_position(o));
        // A service's value, or `None` when it does not run here.
        let one = |&(i, name): &(usize, &String), diags: &mut Vec<Diagnostic>| {
            let block = blocks.get(i).copied().flatten();
            // `Overlay::changes`, with the block already found.
            let changed = block.is_some() || overlay.is_some_and(|o| o.defaults_apply_to(name));
            let shared = match self.base {
                Some(b) if !changed => crate::check::position_of(&b.services, i, name).map(|at| {
                    // Resolved for the base: shareable where the base's
                    // strings are the environment's too.
                    let same = env.is_none() || b.strings[at].env_paths.is_none();
                    (&b.services[at], same, (&b.unresolved[at], &b.strings[at]))
                }),
                _ => None,
            };
            match shared {
                Some((v, ..)) if env.is_some_and(|e| !runs_in(v, e)) => None,
                // Already resolved: nothing to re-resolve in this world.
                Some((v, true, (_, found))) => Some((
                    None,
                    Arc::clone(v),
                    Strings {
                        env_paths: None,
                        addresses: found.addresses.clone(),
                    },
                )),
                // Unchanged, and only its environment variables differ
                // here, which the rules do not read: the base's value
                // before resolution, shared (see `for_rules`).
                Some((_, false, (unresolved, found)))
                    if self.for_rules && only_env_vars(unresolved, found) =>
                {
                    Some((
                        None,
                        Arc::clone(unresolved),
                        Strings {
                            env_paths: None,
                            addresses: found.addresses.clone(),
                        },
                    ))
                }
                // Unchanged, but its strings differ here: the base's value
                // before resolution (the same merge of templates, body and
                // defaults, with the same findings), resolved for this world.
                Some((_, false, (unresolved, found))) => {
                    Some((None, Arc::new((**unresolved).clone()), found.clone()))
                }
                // Changed here: evaluated anew (from the base's merge of its
                // templates and itself, when kept).
                None => self.service(i, name, block, env, diags).map(|(v, kept)| {
                    let found = strings_of(&v);
                    (kept, Arc::new(v), found)
                }),
            }
        };
        let names: Vec<(usize, &String)> = self.checked.services.keys().enumerate().collect();
        // The base's services of a large stack are evaluated in chunks on a
        // thread per CPU (an environment runs beside the others already);
        // findings come back in service order.
        let base = env.is_none() && self.base.is_none();
        let least = if base {
            crate::par::MIN_CHUNK
        } else {
            usize::MAX
        };
        let chunks = crate::par::map_chunks_of(&names, least, |chunk| {
            let mut found = Vec::new();
            let values: Vec<_> = chunk.iter().map(|n| one(n, &mut found)).collect();
            (values, found)
        });
        let values = chunks.into_iter().flat_map(|(values, found)| {
            diags.extend(found);
            values
        });
        for ((_, name), v) in names.iter().zip(values) {
            match v {
                Some((kept, v, found)) => {
                    services.insert((*name).clone(), v);
                    strings.push(found);
                    merged.push(kept);
                }
                None => skipped.push((*name).clone()),
            }
        }
        if env.is_some() || merged.iter().all(Option::is_none) {
            merged = Vec::new();
        }
        (services, strings, skipped, merged)
    }

    fn environment(&self, name: &str, fields: Option<Val>) -> Val {
        let rec = self.schema.expect_record("Environment");
        let span = self
            .p
            .symbols
            .environments
            .get(name)
            .map(|r| r.name_span)
            .unwrap_or_default();
        let mut v = fields.unwrap_or_else(|| Val::map(Map::default(), span));
        self.apply_defaults(&mut v, rec);
        if let Some(m) = v.as_map_mut() {
            if !m.contains_key("tier") {
                m.insert(
                    "tier".into(),
                    Val::new(ValKind::Enum(default_tier(name).into()), span),
                );
            }
            m.insert("name".into(), Val::new(ValKind::Str(name.into()), span));
        }
        v
    }

    fn stack(&self, environment: Option<&Val>) -> Val {
        let rec = self.schema.expect_record("Stack");
        let mut v = self
            .checked
            .stack
            .clone()
            .unwrap_or_else(|| Val::map(Map::default(), Default::default()));
        if let (Some(env), Some(m)) = (environment, v.as_map_mut()) {
            for key in ["namespace", "registry"] {
                if let Some(x) = env.get(key) {
                    m.insert(key.into(), x.clone());
                }
            }
            if let Some(labels) = env.get("labels") {
                let slot =
                    m.get_or_insert_with("labels".into(), || Val::map(Map::default(), labels.span));
                slot.merge(labels);
            }
        }
        self.apply_defaults(&mut v, rec);
        let name = self.p.stack_name().unwrap_or("stack").to_string();
        let span = v.span;
        if let Some(m) = v.as_map_mut() {
            m.insert("name".into(), Val::new(ValKind::Str(name.into()), span));
        }
        v
    }

    fn configs(&self, overlay: Option<&crate::check::Overlay>) -> IndexMap<String, Val> {
        let mut out = self.checked.configs.clone();
        if let Some(ov) = overlay {
            for (name, v) in &ov.configs {
                if let Some(base) = out.get_mut(name) {
                    base.merge(v);
                    base.prune_nulls();
                }
            }
        }
        out
    }

    /// The `service NAME { … }` blocks of overlay `o`, at the positions of
    /// their services (found in the order written, mostly the services').
    fn blocks_by_position<'o>(&self, o: &'o crate::check::Overlay) -> Vec<Option<&'o Val>> {
        let mut at = vec![None; self.checked.services.len()];
        let mut next = 0;
        for (name, block) in &o.services {
            if let Some(i) = crate::check::position_of(&self.checked.services, next, name) {
                at[i] = Some(block);
                next = i + 1;
            }
        }
        at
    }

    /// Service `name` (at position `i` of the checked services) in `env`
    /// (`None` when it does not run there), with its own block of the
    /// environment's overlay, if any; and, for the base, the merge of its
    /// templates and itself to keep for the environments that change it
    /// ([`BaseServices::merged`]).
    fn service(
        &self,
        i: usize,
        name: &str,
        overlay: Option<&Val>,
        env: Option<&str>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(Val, Option<Val>)> {
        let symbols = &self.p.symbols.services;
        let r = symbols[crate::check::position_of(symbols, i, name).expect("a declared service")];
        let kept = match self.base {
            Some(b) if env.is_some() => crate::check::position_of(&b.services, i, name)
                .and_then(|at| b.merged.get(at)?.as_ref()),
            _ => None,
        };
        let mut v = match kept {
            Some(m) => m.clone(),
            None => self.merged(i, name),
        };
        // Whether the value may hold a `null` to prune: only if one of the
        // values merged into it does (a kept merge holds none).
        let mut nulls = kept.is_none() && v.holds_null();
        let keep = match (env, self.base) {
            (None, None)
                if !nulls && self.checked.environments.values().any(|o| o.changes(name)) =>
            {
                Some(v.copied())
            }
            _ => None,
        };
        let env_overlay = env.and_then(|e| self.checked.environments.get(e));
        let runs = env.is_none_or(|e| runs_in(&v, e));
        // Environment-wide defaults (`services { … }`), in the order
        // written, under the environment's own `service NAME { … }`.
        for d in env_overlay.map_or(&[][..], |o| &o.defaults[..]) {
            if !d.applies_to(name) {
                continue;
            }
            if !runs {
                // Only a block that names the service says something about it.
                let named = d.only.iter().flatten().find(|(n, _)| n == name);
                if let Some((_, span)) = named {
                    diags.push(overlay_not_running(name, env.unwrap_or(""), *span, &v));
                }
                continue;
            }
            let mut found = Vec::new();
            let invalid = self.check_overlay_targets(&v, &d.value, &mut found);
            for f in found {
                if !diags
                    .iter()
                    .any(|x| x.code == f.code && x.span() == f.span())
                {
                    diags.push(f);
                }
            }
            nulls |= d.value.holds_null();
            if invalid.is_empty() {
                v.merge(&d.value);
            } else {
                v.merge(&without_entries(&d.value, &invalid));
            }
        }
        if let Some(ov) = overlay {
            if !runs {
                diags.push(overlay_not_running(name, env.unwrap_or(""), ov.span, &v));
                return None;
            }
            let invalid = self.check_overlay_targets(&v, ov, diags);
            nulls |= ov.holds_null();
            if invalid.is_empty() {
                v.merge(ov);
            } else {
                v.merge(&without_entries(ov, &invalid));
            }
        }
        if !runs {
            return None;
        }
        if nulls {
            v.prune_nulls();
        }
        let rec = self.schema.expect_record("Service");
        self.apply_defaults(&mut v, rec);
        self.check_required(&v, rec, r.name_span, &What::Item("service", name), diags);
        Some((v, keep))
    }

    /// Service `name`'s (at position `i`) templates merged in order, then
    /// the service itself.
    fn merged(&self, i: usize, name: &str) -> Val {
        let own = &self.checked.services[i];
        let chains = &self.checked.template_chains;
        let chain = crate::check::position_of(chains, i, name).map(|at| &chains[at]);
        let mut v = Val::map(Map::default(), own.span);
        for tname in chain.into_iter().flatten() {
            if let Some(tv) = self.checked.templates.get(tname) {
                v.merge(tv);
            }
        }
        v.merge(own);
        own_ports_first(&mut v, own);
        v.span = own.span;
        v
    }

    fn items(
        &self,
        table: &IndexMap<String, Val>,
        record: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> IndexMap<String, Val> {
        let rec = self.schema.expect_record(record);
        let kind = record.to_lowercase();
        table
            .iter()
            .map(|(name, v)| {
                let mut v = v.clone();
                v.prune_nulls();
                self.apply_defaults(&mut v, rec);
                let span = self.name_span(&kind, name).unwrap_or(v.span);
                self.check_required(&v, rec, span, &What::Item(&kind, name), diags);
                (name.clone(), v)
            })
            .collect()
    }

    fn name_span(&self, kind: &str, name: &str) -> Option<crate::source::Span> {
        let syms = &self.p.symbols;
        let table = match kind {
            "secret" => &syms.secrets,
            "pipeline" => &syms.pipelines,
            _ => return None,
        };
        table.get(name).map(|r| r.name_span)
    }

    /// E0500: an overlay entry of `port`/`volume` that the base lacks and
    /// that is not complete enough to be an addition.
    /// Returns the `(field, key)` entries it reported, which are then not merged.
    fn check_overlay_targets(
        &self,
        base: &Val,
        ov: &Val,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<(String, String)> {
        let mut invalid = Vec::new();
        let rec = &self.schema.records[self.schema.expect_record("Service")];
        let Some(om) = ov.as_map() else {
            return invalid;
        };
        for (field, entries) in om {
            let Some(Ty::Map(None, elem)) = rec.fields.get(&**field).map(|f| &f.ty) else {
                continue;
            };
            let Ty::Record(er) = **elem else { continue };
            let Some(em) = entries.as_map() else { continue };
            let base_keys: Vec<&str> = base
                .get(field)
                .and_then(Val::as_map)
                .map(|m| m.keys().map(|k| &**k).collect())
                .unwrap_or_default();
            for (key, entry) in em {
                if base_keys.contains(&&**key) || entry.is_null() {
                    continue;
                }
                let missing = self.missing_required(entry, er);
                if missing.is_empty() {
                    continue;
                }
                let d = Diagnostic::new(
                    Code::E0500,
                    crate::check::head_span(&self.p.map, entry.span),
                    format!(
                        "this environment changes {field} `{key}`, which the base does not declare"
                    ),
                )
                .label(format!("no {field} `{key}` in the base"))
                .help_opt(suggest::help_for_unknown(
                    field,
                    key,
                    base_keys.iter().copied(),
                ))
                .note(format!(
                    "to add a new {field} here instead, give it every required field ({})",
                    missing.join(", ")
                ));
                diags.push(d);
                invalid.push((field.to_string(), key.to_string()));
            }
        }
        invalid
    }

    fn missing_required(&self, v: &Val, rec: usize) -> Vec<String> {
        let Some(m) = v.as_map() else {
            return Vec::new();
        };
        self.schema.records[rec]
            .fields
            .values()
            .filter(|f| f.required() && !m.contains_key(f.name.as_str()))
            .map(|f| format!("`{}`", f.name))
            .collect()
    }

    /// Fills stdlib defaults into `v` (a record of type `rec`), recursively,
    /// copying only the shared maps that lack one.
    pub fn apply_defaults(&self, v: &mut Val, rec: usize) {
        self.fill_once(v, rec, |v| self.fill_defaults(v, rec));
    }

    /// `fill` on `v`, a map of the type `tag` stands for (a record's
    /// position, or its complement for a map of such records), or the
    /// result it gave for the same shared map before: a value that holds
    /// it is then shared with every world that takes it, and a rule finds
    /// it unchanged there.
    fn fill_once(&self, v: &mut Val, tag: usize, fill: impl FnOnce(&mut Val)) {
        // A shared map may have been filled before (a map this value
        // alone holds is new, so it cannot have been).
        let shared = match &v.kind {
            ValKind::Map(m) if Arc::strong_count(m) > 1 => Some(Arc::clone(m)),
            _ => None,
        };
        let key = shared.as_ref().map(|m| (Arc::as_ptr(m) as usize, tag));
        if let Some(key) = key {
            let done = match self.base {
                Some(b) => b.defaulted.get(&key).map(|(_, out)| Arc::clone(out)),
                None => self
                    .defaulted_map()
                    .get(&key)
                    .map(|(_, out)| Arc::clone(out)),
            };
            if let Some(out) = done {
                v.kind = ValKind::Map(out);
                return;
            }
        }
        fill(v);
        if let (Some(key), Some(before), None, ValKind::Map(after)) =
            (key, shared, self.base, &v.kind)
        {
            // The first result for a map is everyone's, also when
            // services are evaluated on several threads: a value that
            // holds it is then shared with every world that takes it.
            let mut done = self.defaulted_map();
            let first = done.entry(key).or_insert((before, Arc::clone(after)));
            v.kind = ValKind::Map(Arc::clone(&first.1));
        }
    }

    /// The shared records filled so far (a thread that panicked while
    /// holding them left them whole: entries are inserted at once).
    fn defaulted_map(&self) -> std::sync::MutexGuard<'_, Defaulted> {
        self.defaulted.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// [`Self::apply_defaults`] without looking for an earlier result.
    fn fill_defaults(&self, v: &mut Val, rec: usize) {
        if !self.lacks_defaults(v, rec) {
            return;
        }
        let Some(m) = v.as_map_mut() else { return };
        for (name, def) in &self.defaults[rec] {
            if !m.contains_key(name) {
                m.insert(name.clone(), def.clone());
            }
        }
        let fields = &self.schema.records[rec].fields;
        for &i in &self.defaults.holding[rec] {
            let (name, field) = fields.get_index(i).expect("a field position");
            let Some(child) = m.get_mut(name.as_str()) else {
                continue;
            };
            self.defaults_in(child, &field.ty);
        }
    }

    fn defaults_in(&self, v: &mut Val, ty: &Ty) {
        match ty {
            Ty::Record(r) => self.apply_defaults(v, *r),
            _ if !self.lacks_defaults_in(v, ty) => {}
            Ty::Map(_, elem) => {
                let fill = |v: &mut Val| {
                    if let ValKind::Map(m) = &mut v.kind {
                        Arc::make_mut(m)
                            .values_mut()
                            .for_each(|e| self.defaults_in(e, elem));
                    }
                };
                // A map of records (ports, volumes) a template or the
                // service wrote: filled once, like a record.
                match **elem {
                    Ty::Record(r) => self.fill_once(v, !r, fill),
                    _ => fill(v),
                }
            }
            Ty::List(elem) => {
                if let ValKind::List(l) = &mut v.kind {
                    l.iter_mut().for_each(|e| self.defaults_in(e, elem));
                }
            }
            Ty::Tagged(t) => {
                if let ValKind::Tagged(tg) = &mut v.kind {
                    let (kw, body) = (&tg.0, &mut tg.2);
                    if let Some(r) = self.schema.tagged[*t].arms.get(kw.as_str()) {
                        self.apply_defaults(body, *r);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether [`Self::apply_defaults`] would add something to `v`.
    fn lacks_defaults(&self, v: &Val, rec: usize) -> bool {
        let Some(m) = v.as_map() else { return false };
        let fields = &self.schema.records[rec].fields;
        self.defaults[rec].keys().any(|name| !m.contains_key(name))
            || self.defaults.holding[rec].iter().any(|&i| {
                let (name, field) = fields.get_index(i).expect("a field position");
                m.get(name.as_str())
                    .is_some_and(|c| self.lacks_defaults_in(c, &field.ty))
            })
    }

    fn lacks_defaults_in(&self, v: &Val, ty: &Ty) -> bool {
        match (ty, &v.kind) {
            (Ty::Record(r), _) => self.lacks_defaults(v, *r),
            (Ty::Map(_, elem), ValKind::Map(m)) => {
                m.values().any(|e| self.lacks_defaults_in(e, elem))
            }
            (Ty::List(elem), ValKind::List(l)) => l.iter().any(|e| self.lacks_defaults_in(e, elem)),
            (Ty::Tagged(t), ValKind::Tagged(tg)) => self.schema.tagged[*t]
                .arms
                .get(tg.0.as_str())
                .is_some_and(|r| self.lacks_defaults(&tg.2, *r)),
            _ => false,
        }
    }

    /// E0204 for required fields missing after merging, recursively.
    fn check_required(
        &self,
        v: &Val,
        rec: usize,
        span: crate::source::Span,
        what: &What,
        diags: &mut Vec<Diagnostic>,
    ) {
        let Some(m) = v.as_map() else { return };
        let fields = &self.schema.records[rec].fields;
        for &i in &self.defaults.required[rec] {
            let (name, field) = fields.get_index(i).expect("a field position");
            match m.get(name.as_str()) {
                None if field.required() && !self.checked.was_rejected(v.span, name) => {
                    let d = Diagnostic::new(
                        Code::E0204,
                        // The head of the block (`port http`), found only
                        // when there is something to report.
                        crate::check::head_span(&self.p.map, span),
                        format!("{what} is missing the required field `{name}`"),
                    )
                    .label(format!("`{name}` is not set"))
                    .help(format!(
                        "add `{name} = …` ({})",
                        field.ty.describe(self.schema)
                    ));
                    diags.push(d);
                }
                Some(child) => self.required_in(child, &field.ty, &What::Field(name, what), diags),
                None => {}
            }
        }
    }

    fn required_in(&self, v: &Val, ty: &Ty, what: &What, diags: &mut Vec<Diagnostic>) {
        match (ty, &v.kind) {
            (Ty::Record(r), _) => self.check_required(v, *r, v.span, what, diags),
            (Ty::Map(_, elem), ValKind::Map(m)) => {
                for (k, e) in m.iter() {
                    self.required_in(e, elem, &What::Key(k, what), diags);
                }
            }
            (Ty::List(elem), ValKind::List(l)) => l
                .iter()
                .for_each(|e| self.required_in(e, elem, what, diags)),
            (Ty::Tagged(t), ValKind::Tagged(tg)) => {
                let (kw, body) = (&tg.0, &tg.2);
                if let Some(r) = self.schema.tagged[*t].arms.get(kw.as_str()) {
                    self.check_required(body, *r, v.span, &What::Step(kw), diags);
                }
            }
            _ => {}
        }
    }
}

/// What a required-field message talks about, built without allocating
/// until a message is needed.
enum What<'a> {
    Item(&'a str, &'a str),
    Field(&'a str, &'a What<'a>),
    Key(&'a str, &'a What<'a>),
    Step(&'a str),
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Item(kind, name) => write!(f, "{kind} `{name}`"),
            What::Field(name, of) => write!(f, "`{name}` of {of}"),
            What::Key(key, of) => write!(f, "`{key}` in {of}"),
            What::Step(kw) => write!(f, "step `{kw}`"),
        }
    }
}

/// Whether every string of service value `v` that depends on the
/// environment ([`Strings::env_paths`]) is an environment variable (under
/// its `env` field).
fn only_env_vars(v: &Val, found: &Strings) -> bool {
    let Some(env) = env_position(v) else {
        return false;
    };
    found
        .env_paths
        .as_ref()
        .is_some_and(|paths| paths.iter().all(|p| p.first() == Some(&env)))
}

/// The position of a service's `env` entry, where the paths of its
/// environment variables' strings start.
fn env_position(service: &Val) -> Option<u32> {
    let at = service.as_map()?.get_index_of("env")?;
    u32::try_from(at).ok()
}

fn runs_in(service: &Val, env: &str) -> bool {
    match service.get("environments") {
        Some(list) => list.list().iter().any(
            |e| matches!(&e.kind, ValKind::Ref(crate::value::Ref::Environment(n)) if n == env),
        ),
        None => true,
    }
}

fn overlay_not_running(
    name: &str,
    env: &str,
    span: crate::source::Span,
    service: &Val,
) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::E0502,
        span,
        format!("environment `{env}` changes service `{name}`, which does not run in `{env}`"),
    )
    .label("this change has no effect")
    .help(format!(
        "add `{env}` to the service's `environments`, or remove this block"
    ));
    if let Some(list) = service.get("environments") {
        d = d.secondary(
            list.span,
            format!("`{name}` runs only in these environments"),
        );
    }
    d
}

/// E0340: `${stack.namespace}` where the namespace is `none`: the objects
/// go to whatever namespace `kubectl` or `helm` uses, so stackc has no name
/// to write.
///
/// Services the base world shares were looked at (and resolved) when the
/// base services were evaluated: see [`Evaluator::base_services`].
fn namespace_none_refs(w: &Evaluated, diags: &mut Vec<Diagnostic>) {
    let items = w.configs.values().chain(w.pipelines.values());
    namespace_none_in(&w.stack, w.services.values().map(|v| &**v), diags);
    namespace_none_in(
        &w.stack,
        items.chain([&w.stack]).chain(&w.environment),
        diags,
    );
}

fn namespace_none_in<'a>(
    stack: &Val,
    values: impl Iterator<Item = &'a Val>,
    diags: &mut Vec<Diagnostic>,
) {
    let none = matches!(
        stack.get("namespace").map(|v| &v.kind),
        Some(ValKind::Enum(k)) if &**k == "none"
    );
    if !none {
        return;
    }
    let declared = stack.get("namespace").map(|v| v.span);
    let mut visit = |v: &Val| {
        let mut found = Vec::new();
        stack_namespace_parts(v, &mut found);
        for span in found {
            let mut d = Diagnostic::new(
                Code::E0340,
                span,
                "`${stack.namespace}` has no value: the stack deploys without a namespace",
            )
            .label("no namespace to write here")
            .help(
                "give the stack (or this environment) a namespace name, or let the \
                 program read its namespace at run time (in Kubernetes, the file \
                 /var/run/secrets/kubernetes.io/serviceaccount/namespace)",
            )
            .note(
                "with `namespace = none` the objects go to the namespace `kubectl` or \
                 `helm` uses, which stackc cannot know",
            );
            if let Some(at) = declared {
                d = d.secondary(at, "the namespace is `none` here");
            }
            diags.push(d);
        }
    };
    values.for_each(&mut visit);
}

/// Spans of the strings holding `${stack.namespace}`.
fn stack_namespace_parts(v: &Val, out: &mut Vec<crate::source::Span>) {
    match &v.kind {
        ValKind::Interp(parts)
            if parts
                .iter()
                .any(|p| matches!(p, Part::Stack(f) if f == "namespace")) =>
        {
            out.push(v.span);
        }
        ValKind::Map(m) => m.values().for_each(|c| stack_namespace_parts(c, out)),
        ValKind::List(l) => l.iter().for_each(|c| stack_namespace_parts(c, out)),
        ValKind::Tagged(tg) => stack_namespace_parts(&tg.2, out),
        _ => {}
    }
}

/// How [`resolve_env_parts`] resolves the strings of a world's services.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resolve {
    /// In chunks on the pool, into copies (the base, which every
    /// environment waits for: its values are shared with its unresolved
    /// ones anyway).
    Chunked,
    /// In place.
    InPlace,
    /// In place, but for the environment variables, in a world for the
    /// rules alone (see [`Evaluator::for_rules`]): resolving them would
    /// copy each changed service's `env` map (shared with the base's
    /// merge) for text no rule reads.
    AllButEnvVars,
}

/// Replaces `stack.*`, `environment.name` and config parts by text, as
/// `how` says.
fn resolve_env_parts(w: &mut Evaluated, how: Resolve) {
    let env_name = w.env.clone().unwrap_or_default();
    // Stack fields, environment fields and configs may refer to each other;
    // a few passes resolve chains (a cycle leaves an empty string).
    for _ in 0..3 {
        let stack = w.stack.clone();
        let configs = w.configs.clone();
        let resolve = resolver(&env_name, &stack, &configs);
        rewrite_parts(&mut w.stack, &resolve);
        if let Some(e) = &mut w.environment {
            rewrite_parts(e, &resolve);
        }
        for c in w.configs.values_mut() {
            rewrite_parts(c, &resolve);
        }
    }
    let stack = w.stack.clone();
    let configs = w.configs.clone();
    let resolve = resolver(&env_name, &stack, &configs);
    if how == Resolve::Chunked {
        let todo: Vec<_> = w
            .services
            .values()
            .zip(&w.strings)
            .enumerate()
            .filter_map(|(i, (v, found))| Some((i, v, &found.env_paths.as_ref()?[..])))
            .collect();
        let done = crate::par::map_chunks(&todo, |chunk| {
            chunk
                .iter()
                .map(|&(i, v, paths)| {
                    let mut v = Val::clone(v);
                    for path in paths {
                        rewrite_at(&mut v, path, &resolve);
                    }
                    (i, Arc::new(v))
                })
                .collect::<Vec<_>>()
        });
        for (i, v) in done.into_iter().flatten() {
            if let Some((_, slot)) = w.services.get_index_mut(i) {
                *slot = v;
            }
        }
    } else {
        for (v, found) in w.services.values_mut().zip(&w.strings) {
            let Some(paths) = &found.env_paths else {
                continue;
            };
            // The position of `env`, whose strings are left as they are.
            let left = match how {
                Resolve::AllButEnvVars => env_position(v),
                _ => None,
            };
            let mut todo = paths
                .iter()
                .filter(|p| left.is_none() || p.first() != left.as_ref())
                .peekable();
            if todo.peek().is_some() {
                let v = Arc::make_mut(v);
                for path in todo {
                    rewrite_at(v, path, &resolve);
                }
            }
        }
    }
    for v in w.pipelines.values_mut() {
        rewrite_parts(v, &resolve);
    }
}

/// Text of an environment-dependent part, from the current environment.
fn resolver<'a>(
    env: &'a str,
    stack: &'a Val,
    configs: &'a IndexMap<String, Val>,
) -> impl Fn(&Part) -> Option<String> + Sync + 'a {
    move |part: &Part| match part {
        Part::Stack(f) => Some(stack.get(f).map(text_of).unwrap_or_default()),
        Part::EnvName => Some(env.to_string()),
        Part::Config(c, k) => Some(
            configs
                .get(c)
                .and_then(|m| m.get(k))
                .map(text_of)
                .unwrap_or_default(),
        ),
        _ => None,
    }
}

/// Resolves the environment-dependent parts of the strings in `v`, in
/// place where `v` owns its maps; shared maps are copied only on the way to
/// a string that changes.
fn rewrite_parts(v: &mut Val, f: &dyn Fn(&Part) -> Option<String>) {
    match &mut v.kind {
        ValKind::Map(m) => {
            if let Some(m) = Arc::get_mut(m) {
                m.values_mut().for_each(|c| rewrite_parts(c, f));
                return;
            }
        }
        ValKind::List(l) => return l.iter_mut().for_each(|c| rewrite_parts(c, f)),
        ValKind::Tagged(tg) => return rewrite_parts(&mut tg.2, f),
        _ => {}
    }
    if let Some(kind) = resolved(v, f) {
        v.kind = kind;
    }
}

/// What [`rewrite_parts`] makes of `v`, or `None` when it stays as it is;
/// one walk, which copies the maps above a change and no others.
fn resolved(v: &Val, f: &dyn Fn(&Part) -> Option<String>) -> Option<ValKind> {
    match &v.kind {
        ValKind::Interp(parts) if interp_changes(parts) => Some(resolve_interp(parts, f)),
        ValKind::Map(m) => {
            let mut copy: Option<Map> = None;
            for (i, c) in m.values().enumerate() {
                if let Some(kind) = resolved(c, f) {
                    copy.get_or_insert_with(|| (**m).clone())[i].kind = kind;
                }
            }
            copy.map(|c| ValKind::Map(Arc::new(c)))
        }
        ValKind::List(l) => {
            let mut copy: Option<Vec<Val>> = None;
            for (i, c) in l.iter().enumerate() {
                if let Some(kind) = resolved(c, f) {
                    copy.get_or_insert_with(|| l.clone())[i].kind = kind;
                }
            }
            copy.map(ValKind::List)
        }
        ValKind::Tagged(tg) => resolved(&tg.2, f).map(|kind| {
            let mut tg = tg.clone();
            tg.2.kind = kind;
            ValKind::Tagged(tg)
        }),
        _ => None,
    }
}

/// What the strings of service value `v` hold, in one walk: where those
/// that depend on the environment are, and the addresses of services.
fn strings_of(v: &Val) -> Strings {
    let mut walk = StringWalk::default();
    walk.value(v, false);
    let StringWalk {
        env_paths,
        addresses,
        ..
    } = walk;
    Strings {
        env_paths: (!env_paths.is_empty()).then(|| Arc::new(env_paths)),
        addresses: (!addresses.is_empty()).then(|| addresses.into()),
    }
}

#[derive(Default)]
struct StringWalk {
    /// The path to the value being walked.
    path: Vec<u32>,
    env_paths: Vec<Vec<u32>>,
    addresses: Vec<Address>,
}

impl StringWalk {
    /// Walks `v`; `tagged` when it is inside a block of a `union` field.
    fn value(&mut self, v: &Val, tagged: bool) {
        match &v.kind {
            ValKind::Interp(parts) => {
                if env_dependent(parts) {
                    self.env_paths.push(self.path.clone());
                }
                for part in parts.iter() {
                    let (service, port) = match part {
                        Part::Host(s) => (s, None),
                        Part::Port(s, p) => (s, Some(p.clone())),
                        _ => continue,
                    };
                    self.addresses.push(Address {
                        span: v.span,
                        service: service.clone(),
                        port,
                        tagged,
                    });
                }
            }
            ValKind::Map(m) => m
                .values()
                .enumerate()
                .for_each(|(i, c)| self.enter(i, c, tagged)),
            ValKind::List(l) => l
                .iter()
                .enumerate()
                .for_each(|(i, c)| self.enter(i, c, tagged)),
            ValKind::Tagged(tg) => self.enter(u32::MAX as usize, &tg.2, true),
            _ => {}
        }
    }

    fn enter(&mut self, i: usize, c: &Val, tagged: bool) {
        if c.may_hold_interp() {
            self.path.push(i as u32);
            self.value(c, tagged);
            self.path.pop();
        }
    }
}

/// Resolves the string at `path` in `v` (see [`strings_of`]), copying the
/// shared maps on the way.
fn rewrite_at(v: &mut Val, path: &[u32], f: &dyn Fn(&Part) -> Option<String>) {
    let Some((&i, rest)) = path.split_first() else {
        if let ValKind::Interp(parts) = &v.kind {
            v.kind = resolve_interp(parts, f);
        }
        return;
    };
    let child = match &mut v.kind {
        ValKind::Map(m) => Arc::make_mut(m).get_index_mut(i as usize).map(|(_, c)| c),
        ValKind::List(l) => l.get_mut(i as usize),
        ValKind::Tagged(tg) if i == u32::MAX => Some(&mut tg.2),
        _ => None,
    };
    if let Some(c) = child {
        rewrite_at(c, rest, f);
    }
}

/// Whether an interpolated string has a part resolved per environment.
fn env_dependent(parts: &[Part]) -> bool {
    parts
        .iter()
        .any(|p| matches!(p, Part::Stack(_) | Part::EnvName | Part::Config(..)))
}

/// Whether resolving changes an interpolated string: it has a part that
/// depends on the environment, or text to join (the checker joins text
/// already; this keeps the rule exact).
fn interp_changes(parts: &[Part]) -> bool {
    env_dependent(parts)
        || parts.iter().all(|p| matches!(p, Part::Text(_)))
        || parts
            .windows(2)
            .any(|w| matches!(w, [Part::Text(_), Part::Text(_)]))
}

/// An interpolated string with the environment's parts written in, as text
/// joined to its neighbours; a plain string when nothing else is left.
fn resolve_interp(parts: &[Part], f: &dyn Fn(&Part) -> Option<String>) -> ValKind {
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    for p in parts {
        let resolved = match p {
            Part::Text(t) => Some(t.clone()),
            other => f(other),
        };
        match (resolved, out.last_mut()) {
            (Some(t), Some(Part::Text(last))) => last.push_str(&t),
            (Some(t), _) => out.push(Part::Text(t)),
            (None, _) => out.push(p.clone()),
        }
    }
    match out.as_slice() {
        [Part::Text(t)] => ValKind::Str(t.as_str().into()),
        _ => ValKind::Interp(out.into()),
    }
}

/// Puts the ports a service declares itself before those of its templates,
/// so that "the first port" (the default of probes and ingresses) is the
/// service's own.
fn own_ports_first(v: &mut Val, own: &Val) {
    let Some(own_ports) = own.get("port").and_then(Val::as_map) else {
        return;
    };
    // Most often the service's ports are all there are, or come first
    // already: the map stays shared (and equal to the base's in every
    // environment, for the rules).
    let Some(ports) = v.get("port").and_then(Val::as_map) else {
        return;
    };
    let at = own_ports.keys().filter_map(|k| ports.get_index_of(k));
    if at.enumerate().all(|(i, p)| i == p) {
        return;
    }
    let Some(ports) = v
        .as_map_mut()
        .and_then(|m| m.get_mut("port"))
        .and_then(Val::as_map_mut)
    else {
        return;
    };
    let mut i = 0;
    for key in own_ports.keys() {
        if let Some(from) = ports.get_index_of(key) {
            ports.move_index(from, i);
            i += 1;
        }
    }
}

/// A copy of an overlay without the given `(field, key)` map entries.
fn without_entries(ov: &Val, drop: &[(String, String)]) -> Val {
    let mut v = ov.clone();
    for (field, key) in drop {
        if let Some(m) = v
            .as_map_mut()
            .and_then(|m| m.get_mut(field.as_str()))
            .and_then(Val::as_map_mut)
        {
            m.shift_remove(key.as_str());
        }
    }
    v
}

/// Plain text of a scalar value.
pub fn text_of(v: &Val) -> String {
    match &v.kind {
        ValKind::Str(s) => s.to_string(),
        ValKind::Enum(s) => s.to_string(),
        ValKind::Int(i) => i.to_string(),
        ValKind::Float(f) => crate::units::trim_float(*f),
        ValKind::Bool(b) => b.to_string(),
        ValKind::Quantity(q) => crate::units::format(*q),
        _ => String::new(),
    }
}
