//! Preview: the generated files of the item under the cursor, for one
//! target and environment, in memory (nothing is written).
//!
//! The backends run as `stackc emit` runs them ([`crate::emit::run`] over
//! [`Compilation::models_for`]); the preview then keeps the files that
//! belong to the environment asked for (or to none in particular) and,
//! among them, those that are about the item: named after it (Kustomize's
//! `base/api.yaml`, systemd's `dev/api.service`, a workflow named after
//! its pipeline), else mentioning it (Compose's `compose.yaml`), else all.

use crate::emit::{self, EmitOptions, OutputFile};
use crate::source::FileId;
use crate::Compilation;

/// What a preview may be asked for, and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The item under the cursor (`service api`), if any.
    pub item: Option<(String, String)>,
    /// The targets to choose from: those the stack lists, else all.
    pub targets: Vec<String>,
    /// The stack's environments.
    pub environments: Vec<String>,
    /// The files, when a target was given.
    pub files: Vec<OutputFile>,
}

/// The item at `offset` of `file` and the choices; with `target`, the
/// generated files of that target for `env` (`None`: every environment,
/// or the base when none is declared) that concern the item.
pub fn preview(
    c: &Compilation,
    file: FileId,
    offset: usize,
    target: Option<&str>,
    env: Option<&str>,
) -> Result<Preview, String> {
    let item = super::symbols(c, file)
        .into_iter()
        .find(|s| super::contains(s.span, offset))
        .filter(|s| s.kind != "stack")
        .map(|s| (s.kind, s.name));
    let listed: Vec<String> = emit::declared(&c.stack_targets())
        .0
        .iter()
        .map(|b| b.name().to_string())
        .collect();
    let targets = if listed.is_empty() {
        emit::BACKENDS
            .iter()
            .map(|b| b.name().to_string())
            .collect()
    } else {
        listed
    };
    let environments = c.environment_names();
    let mut p = Preview {
        item,
        targets,
        environments,
        files: Vec::new(),
    };
    let Some(target) = target else {
        return Ok(p);
    };
    let backend = emit::backend_named(target).ok_or_else(|| {
        let known: Vec<&str> = emit::BACKENDS.iter().map(|b| b.name()).collect();
        format!("no target `{target}`: the targets are {}", known.join(", "))
    })?;
    if let Some(e) = env.filter(|e| !p.environments.iter().any(|x| x == e)) {
        return Err(format!("the stack declares no environment `{e}`"));
    }
    let errors = c.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        let s = if errors == 1 { "" } else { "s" };
        return Err(format!(
            "the stack has {errors} error{s}: fix them to see the generated files"
        ));
    }
    let models = c
        .models_for(env, &[backend])
        .map_err(|d| format!("{} {}", d.code.as_str(), d.message))?;
    let out = emit::run(backend, &models, &EmitOptions::default());
    let others: Vec<&String> = p
        .environments
        .iter()
        .filter(|e| Some(e.as_str()) != env)
        .collect();
    let mut files: Vec<OutputFile> = out
        .files
        .into_iter()
        .filter(|f| env.is_none() || !others.iter().any(|o| names(&f.path, o)))
        .collect();
    // The base before what the environment changes.
    files.sort_by_key(|f| env.is_some_and(|e| names(&f.path, e)));
    let Some((_, name)) = &p.item else {
        p.files = files;
        return Ok(p);
    };
    let named: Vec<&OutputFile> = files.iter().filter(|f| names(&f.path, name)).collect();
    let chosen: Vec<OutputFile> = if !named.is_empty() {
        named.into_iter().cloned().collect()
    } else {
        let mentioning: Vec<&OutputFile> = files
            .iter()
            .filter(|f| mentions(&f.contents, name))
            .collect();
        if mentioning.is_empty() {
            files.clone()
        } else {
            mentioning.into_iter().cloned().collect()
        }
    };
    p.files = chosen;
    Ok(p)
}

/// Whether a generated path is named after `word`: one of its parts split
/// at `/`, `.` and `-` (`overlays/dev/…`, `compose.dev.yaml`,
/// `values-dev.yaml`, `base/api.yaml`), or the whole file name before
/// its extension (`pr-validation.yml`).
fn names(path: &str, word: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    stem == word
        || path.split(['/', '.', '-']).any(|part| part == word)
        || path.split('/').any(|dir| dir == word)
}

/// Whether `text` holds `word` as a whole word.
fn mentions(text: &str, word: &str) -> bool {
    let is_word = |ch: char| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}
