//! stackc: the compiler for `.stack` files.
//!
//! One pipeline, each stage a module, arrows one way: [`syntax`] (text →
//! AST) → [`resolve`] (imports, names, templates) → [`check`] (types against
//! the stdlib schema, units, ranges, references) → [`eval`] (templates,
//! overlays, defaults, interpolation: one world per environment) →
//! [`rules`] (semantic rules over each evaluated world) → [`model`] (plain
//! data per environment) → [`emit`] (one backend per target in the
//! registry [`emit::BACKENDS`], reading only the model). [`prelude`] holds
//! the stdlib parsed and its schema built once per process; [`units`] and
//! [`names`] are leaves every stage may use. This file is the driver: it
//! runs the stages in order ([`compile`]) and builds models on request
//! ([`Compilation::models_for`]); no stage calls back into it.
//!
//! The library is pure: it reads files only through a [`source::FileLoader`]
//! and never prints or exits. The `cli` feature (on by default) adds the
//! command line and its dependencies (clap, miette, mimalloc); the
//! language server builds without it.

// The library's lints (the workspace's are in the root Cargo.toml): no
// `unwrap` (a case user input can reach is handled; one it cannot is an
// `expect` that says why), and no printing: diagnostics are values, and
// only the CLI (`cli.rs`, which allows it) writes to the terminal.
// `#[cfg(test)]` modules may unwrap (clippy.toml).
#![deny(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

extern crate alloc;

pub mod analysis;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod diagnostics;
pub mod emit;
pub mod eval;
pub mod model;
pub mod names;
pub mod par;
pub mod prelude;
pub mod repo_files;
pub mod resolve;
pub mod rules;
pub mod source;
pub mod stdlib;
pub mod syntax;
pub mod units;
pub mod value;

use check::schema::Schema;
use check::Checked;
use diagnostics::Diagnostic;
use resolve::Program;
use source::FileLoader;

/// One compilation: a stack and everything the front end learnt about it.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub program: Program,
    /// The stdlib's schema and defaults, shared by every compilation of the
    /// process ([`prelude`]).
    pub schema: &'static Schema,
    pub checked: Checked,
    pub defaults: &'static check::Defaults,
    /// Every diagnostic, sorted by position, duplicates removed.
    pub diagnostics: Vec<Diagnostic>,
    /// The base services, evaluated once and shared by every environment.
    base: std::sync::OnceLock<eval::BaseServices>,
    /// Evaluated worlds, once each: index 0 is the base, then environments
    /// in declaration order.
    worlds: Vec<std::sync::OnceLock<std::sync::Arc<eval::Evaluated>>>,
    /// Services converted to the model, by the address of their shared value.
    model_cache: model::ServiceCache,
    /// The checked items were freed ([`Compilation::release_checked`]): only
    /// the worlds evaluated before can be asked for.
    released: bool,
    /// Repository files that `file { source = … }` blocks mount.
    pub files: model::Files,
}

/// What checking one environment found ([`Compilation::check_environment`]).
struct CheckedEnvironment {
    /// Diagnostics of its evaluation.
    evaluated: Vec<Diagnostic>,
    /// The repository files it mounts.
    sources: Vec<(value::Key, source::Span)>,
    /// Diagnostics of the rules.
    rules: Vec<Diagnostic>,
    absent: rules::absent::Absent,
    /// The world, when kept.
    world: Option<std::sync::Arc<eval::Evaluated>>,
}

/// Which environments `compile` evaluates and checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EnvSelection {
    /// The base and every declared environment.
    #[default]
    All,
    /// Only this environment (and the base).
    Only(String),
}

/// Parses, resolves and checks the stack rooted at `root`, then evaluates
/// the selected environments and runs the semantic rules on each.
pub fn compile(root: &str, loader: &dyn FileLoader, envs: &EnvSelection) -> Compilation {
    compile_with(
        root,
        loader,
        envs,
        Keep {
            worlds: false,
            syntax: true,
        },
    )
}

/// What a compilation keeps once it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    /// The evaluated worlds, for the models that follow (`emit`, `eval`).
    pub worlds: bool,
    /// The syntax trees (the LSP wants them; a command-line run does not,
    /// and freeing them early lets evaluation reuse their memory).
    pub syntax: bool,
}

/// [`compile`], keeping what `keep` says: evaluated worlds for the models
/// that follow (`emit`, `eval`) instead of evaluating them again, and the
/// syntax trees or not.
pub fn compile_with(
    root: &str,
    loader: &dyn FileLoader,
    envs: &EnvSelection,
    keep: Keep,
) -> Compilation {
    let prelude = prelude::get();
    let mut diags = prelude.diagnostics.clone();
    let (program, d) = resolve::load(root, loader, &prelude.sources);
    diags.extend(d);
    let alone = program.symbols.services.len() < CHECK_ALONE_BELOW;
    par::alone_if(alone, || check_loaded(program, diags, loader, envs, keep))
}

/// Fewest services for which checking a stack hands work to other threads.
/// Below, every stage stays on the calling thread, where each hand-off
/// would cost more than the work it hands off and the pool's threads would
/// take fresh pages for what the caller's heap already holds. Measured on
/// two cores, re-checking in one process as the language server does (one
/// thread / two): 150 services 2.5 / 4–6 ms, 300 services 5.1 / 9–10 ms,
/// 500 services 8.5–8.9 / 10.1–10.9 ms, 1,000 services 21.2 / 19.7 ms.
/// `stackc check` (a process each) of 300 and 500 services takes as long
/// either way, with 10–15 % less CPU and memory on one thread; of 1,000
/// services as long or up to 15 % longer on one thread, with a third less
/// CPU and memory; of 2,000 services 15 % longer.
const CHECK_ALONE_BELOW: usize = 3 * par::MIN_CHUNK;

/// [`compile_with`] once the program is loaded.
fn check_loaded(
    program: Program,
    mut diags: Vec<Diagnostic>,
    loader: &dyn FileLoader,
    envs: &EnvSelection,
    keep: Keep,
) -> Compilation {
    let prelude = prelude::get();
    let (schema, defaults) = (&prelude.schema, &prelude.defaults);
    let (checked, d) = check::check(&program, schema);
    diags.extend(d);
    // Text that did not parse may hold the reference that uses a secret:
    // asked (a walk of every syntax tree) only when a secret seems unused.
    let unused = |name: &String| !checked.used_secrets.contains(name);
    let broken =
        program.symbols.secrets.keys().any(unused) && program.files.iter().any(|f| f.has_broken());
    let mut c = Compilation {
        program,
        schema,
        checked,
        defaults,
        diagnostics: Vec::new(),
        base: Default::default(),
        worlds: Vec::new(),
        model_cache: Default::default(),
        released: false,
        files: Default::default(),
    };
    // Unless kept, the syntax trees are freed beside the base's
    // evaluation (millions of small nodes: 8 ms at 5,000 services).
    let trees = if keep.syntax {
        Vec::new()
    } else {
        c.take_syntax()
    };
    c.worlds = (0..=c.program.symbols.environments.len())
        .map(|_| Default::default())
        .collect();
    let envs: Vec<String> = match envs {
        EnvSelection::All => c.environment_names(),
        EnvSelection::Only(e) => vec![e.clone()],
    };
    let mut absent = rules::absent::Absent::default();
    let mut unread = std::collections::HashSet::new();
    // The base first: every environment starts from its services.
    let ((world, d), ()) = par::both(|| c.evaluate(None), move || drop(trees));
    diags.extend(d);
    let sources = repo_files::sources(&world);
    repo_files::read(
        &c.program,
        &sources,
        loader,
        &mut c.files,
        &mut unread,
        &mut diags,
    );
    let base_world = std::sync::Arc::new(world);
    if keep.worlds {
        if let Some(slot) = c.world_slot(None) {
            let _ = slot.set(base_world.clone());
        }
    }
    // Then the base's rules and the environments, for a large stack side
    // by side on a thread per CPU (each thread takes the next until none
    // is left; the environments first, as they take longest): each
    // environment evaluated, checked by the rules and, unless kept, freed
    // where it was built. What they found is taken in below in the order
    // one thread would: the base's findings, then each environment's in
    // declaration order.
    let jobs: Vec<Option<&String>> = envs.iter().map(Some).chain([None]).collect();
    // A job gives the base's findings, or an environment.
    let job = |job: &Option<&String>| match job {
        Some(env) => (
            Vec::new(),
            Some(c.check_environment(env, &base_world, keep.worlds)),
        ),
        None => {
            let mut found = Vec::new();
            rules::run(&c.program, &base_world, None, &mut found);
            (found, None)
        }
    };
    let mut done = par::map_queue(&jobs, usize::MAX, job);
    if let Some((found, _)) = done.pop() {
        diags.extend(found);
    }
    let done = done.into_iter().filter_map(|(_, env)| env);
    for (env, done) in envs.iter().zip(done) {
        diags.extend(done.evaluated);
        repo_files::read(
            &c.program,
            &done.sources,
            loader,
            &mut c.files,
            &mut unread,
            &mut diags,
        );
        diags.extend(done.rules);
        rules::absent::merge(&mut absent, done.absent);
        if let (Some(slot), Some(world)) = (c.world_slot(Some(env)), done.world) {
            let _ = slot.set(world);
        }
    }
    drop(base_world);
    let restricted = |svc: &str| {
        let list = c.checked.services.get(svc)?.get("environments")?;
        Some(list.span)
    };
    if keep.worlds {
        // Every world that follows reads its evaluated copy; the shared base
        // services would only add to peak memory from here on (a world not
        // kept evaluates them again when asked).
        c.base = Default::default();
    }
    rules::absent::report(absent, &restricted, &mut diags);
    if !broken {
        rules::unused_secrets(&c.program, &c.checked.used_secrets, &mut diags);
    }
    analysis::rename_references(&c, &mut diags);
    diagnostics::sort_dedup(&mut diags);
    c.diagnostics = diags;
    c
}

impl Compilation {
    /// Declared environment names, in order.
    pub fn environment_names(&self) -> Vec<String> {
        self.program.symbols.environments.keys().cloned().collect()
    }

    /// Evaluates the base (`None`) or one environment.
    pub fn evaluate(&self, env: Option<&str>) -> (eval::Evaluated, Vec<Diagnostic>) {
        self.evaluate_for(env, false)
    }

    /// [`Self::evaluate`]; with `for_rules`, a world only the rules read
    /// ([`eval::Evaluator::for_rules`]).
    fn evaluate_for(
        &self,
        env: Option<&str>,
        for_rules: bool,
    ) -> (eval::Evaluated, Vec<Diagnostic>) {
        let mut ev = eval::Evaluator {
            p: &self.program,
            schema: self.schema,
            checked: &self.checked,
            defaults: self.defaults,
            base: None,
            defaulted: Default::default(),
            for_rules,
        };
        let base = self.base.get_or_init(|| ev.base_services());
        ev.base = Some(base);
        let (world, mut diags) = ev.evaluate(env);
        if env.is_none() {
            diags.extend(base.diags.iter().cloned());
        }
        (world, diags)
    }

    /// Evaluates environment `env` and runs the rules on it (see
    /// [`compile_with`]); keeps the world when `keep`.
    fn check_environment(
        &self,
        env: &str,
        base: &std::sync::Arc<eval::Evaluated>,
        keep: bool,
    ) -> CheckedEnvironment {
        // A world not kept is read by the rules alone.
        let (world, evaluated) = self.evaluate_for(Some(env), !keep);
        let mut found = Vec::new();
        rules::run(&self.program, &world, Some(base.as_ref()), &mut found);
        let mut absent = rules::absent::Absent::default();
        rules::absent::collect(&self.program, &world, &mut absent);
        CheckedEnvironment {
            evaluated,
            sources: repo_files::sources(&world),
            rules: found,
            absent,
            world: keep.then(|| std::sync::Arc::new(world)),
        }
    }

    fn world_slot(
        &self,
        env: Option<&str>,
    ) -> Option<&std::sync::OnceLock<std::sync::Arc<eval::Evaluated>>> {
        let i = match env {
            None => 0,
            Some(e) => self.program.symbols.environments.get_index_of(e)? + 1,
        };
        self.worlds.get(i)
    }

    /// The evaluated world of the base (`None`) or one environment, computed
    /// once (its diagnostics were reported by [`compile`]).
    pub fn world(&self, env: Option<&str>) -> std::sync::Arc<eval::Evaluated> {
        match self.world_slot(env) {
            Some(slot) => slot
                .get_or_init(|| std::sync::Arc::new(self.evaluate(env).0))
                .clone(),
            None => std::sync::Arc::new(self.evaluate(env).0),
        }
    }

    /// Frees the checked services, templates and environment overlays once
    /// every world a command needs is evaluated and kept ([`Keep::worlds`]):
    /// a command-line run that builds models from those worlds then needs
    /// less memory while it builds them. A world not evaluated before cannot
    /// be asked for afterwards (its model is an internal error, not a wrong
    /// model).
    pub fn release_checked(&mut self) {
        let ch = &mut self.checked;
        ch.services = Default::default();
        ch.templates = Default::default();
        ch.template_chains = Default::default();
        for o in ch.environments.values_mut() {
            o.services = Default::default();
        }
        self.base = Default::default();
        self.released = true;
    }

    /// Frees the evaluated worlds and base services once the models are
    /// built (models own their data): the backends' output then reuses
    /// that memory instead of adding to it.
    pub fn release_worlds(&mut self) {
        self.worlds.clear();
        self.base = Default::default();
        self.model_cache = Default::default();
    }

    /// The syntax trees of the stack's files, taken out (the program keeps
    /// empty files in their place). Evaluation and models need no syntax
    /// tree, only the LSP's queries do: [`compile_with`] frees them beside
    /// the base's evaluation, which does not read them.
    fn take_syntax(&mut self) -> Vec<std::sync::Arc<syntax::ast::File>> {
        let mut taken = Vec::new();
        for (i, f) in self.program.files.iter_mut().enumerate() {
            if !self.program.stdlib.contains(&i) {
                let empty = std::sync::Arc::new(syntax::ast::File {
                    id: f.id,
                    items: Vec::new(),
                    span: f.span,
                });
                taken.push(std::mem::replace(f, empty));
            }
        }
        taken
    }

    /// The targets the stack lists in `targets` (what `--target all`
    /// writes), read from the evaluated stack without building a model.
    pub fn stack_targets(&self) -> Vec<model::Target> {
        let world = self.world(None);
        let listed = world.stack.get("targets").map(value::Val::list);
        listed
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.str().and_then(model::Target::from_name))
            .collect()
    }

    /// The stack's `default_env`, if set.
    pub fn default_env(&self) -> Option<String> {
        match &self.world(None).stack.get("default_env")?.kind {
            value::ValKind::Ref(value::Ref::Environment(e)) => Some(e.clone()),
            value::ValKind::Str(e) => Some(e.to_string()),
            _ => None,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}
/// The models: the driver gathers what [`model::build`] reads.
#[allow(clippy::result_large_err)] // E0900 is a compiler bug: the error path is cold.
impl Compilation {
    /// The model of `env` (of the base when `None`). The compilation must be
    /// free of errors; with errors the model is best-effort. An error here
    /// is E0900, a compiler bug.
    pub fn model(&self, env: Option<&str>) -> Result<model::Model, Diagnostic> {
        self.model_with(env, &self.environment_summaries()?, true)
    }

    /// The base model without services and pipelines: what backends that do
    /// not read the base still get (stack name, namespace, secrets, configs).
    pub fn model_shell(&self) -> Result<model::Model, Diagnostic> {
        self.model_with(None, &self.environment_summaries()?, false)
    }

    /// The models every backend reads: the base and the environments `only`
    /// selects (all when `None`).
    pub fn models(&self, only: Option<&str>) -> Result<emit::Models, Diagnostic> {
        let all: Vec<&emit::Backend> = emit::BACKENDS.iter().collect();
        self.models_for(only, &all)
    }

    /// The models these backends read: when none of them reads the base
    /// (plain Kubernetes with environments declared), the base is a shell
    /// without services, which saves building it.
    pub fn models_for(
        &self,
        only: Option<&str>,
        backends: &[&emit::Backend],
    ) -> Result<emit::Models, Diagnostic> {
        let summaries = self.environment_summaries()?;
        let names = self.environment_names();
        let full_base = names.is_empty() || emit::need_base(backends);
        let base = self.model_with(None, &summaries, full_base)?;
        let selected: Vec<&String> = names
            .iter()
            .filter(|e| only.is_none_or(|o| o == e.as_str()))
            .collect();
        // For a large stack, the environments' models side by side; a
        // small one's on the calling thread, where a thread costs more
        // than it saves.
        let small = self.program.symbols.services.len() < par::MIN_CHUNK;
        let envs = par::alone_if(small, || {
            par::map_queue(&selected, usize::MAX, |e| {
                self.model_with(Some(e), &summaries, true)
            })
        })
        .into_iter()
        .collect::<Result<_, _>>()?;
        Ok(emit::Models { base, envs })
    }

    fn model_with(
        &self,
        env: Option<&str>,
        environments: &[model::EnvironmentSummary],
        services: bool,
    ) -> Result<model::Model, Diagnostic> {
        let kept = self.world_slot(env).is_some_and(|s| s.get().is_some());
        if self.released && !kept {
            return Err(model::world_not_kept(
                &env.map_or_else(|| "the base".to_string(), |e| format!("`{e}`")),
            ));
        }
        let world = self.world(env);
        // Services an environment shares with the base are the same values
        // in both worlds (the base world outlives the models: kept in its slot).
        let base_world = self.worlds.first().and_then(|s| s.get()).cloned();
        model::build(&model::Inputs {
            world: &world,
            environments,
            cache: &self.model_cache,
            shared: base_world
                .as_ref()
                .map(|w| &w.services)
                .or_else(|| self.base.get().map(|b| &b.services)),
            services,
            files: &self.files,
        })
    }

    /// What pipelines need to know of every environment.
    fn environment_summaries(&self) -> Result<Vec<model::EnvironmentSummary>, Diagnostic> {
        let overlay = |e: &str| self.checked.environments.get(e)?.fields.as_ref();
        let names = self.program.symbols.environments.keys();
        model::summaries(names.map(|e| (e.as_str(), overlay(e))))
    }
}
