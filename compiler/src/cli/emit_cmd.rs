//! `stackc emit`: compile, run the backends, print the lowering report,
//! then write the files (or compare them, with `--check`).

use super::write::{self, Plan};
use super::{ColorChoice, Deny, EmitArgs, Io, FAILED, OK};
use crate::diagnostics::{render, Diagnostic};
use crate::emit::{self, Models, Output};
use std::path::Path;

pub fn run(args: &EmitArgs, io: &mut Io) -> miette::Result<i32> {
    let mut t = super::Timings::start();
    let (root, c) = super::compile_for_models(&args.path, args.env.as_deref())?;
    t.lap(io, "compile");
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io.err_is_tty && std::env::var_os("NO_COLOR").is_none(),
    };
    if c.has_errors() {
        super::check_cmd::human(&c.program.map, &c.diagnostics, color, io);
        let _ = writeln!(io.err, "{}", render::summary(&c.diagnostics));
        return Ok(FAILED);
    }
    super::known_env(&c, args.env.as_deref())?;
    let shell = match c.model_shell() {
        Ok(m) => m,
        Err(d) => return Ok(internal_error(&c, d, color, io)),
    };
    let targets = match args.target.target() {
        Some(t) => vec![t],
        None => emit::declared_targets(&shell),
    };
    if args.target.target().is_none() {
        let known: Vec<_> = emit::Target::ALL.iter().map(|t| t.model_target()).collect();
        let missing: Vec<String> = shell
            .stack
            .targets
            .iter()
            .filter(|t| !known.contains(t))
            .map(|t| format!("{t:?}").to_lowercase())
            .collect();
        if !missing.is_empty() {
            let _ = writeln!(
                io.err,
                "note: no backend yet for {} (listed in `targets`); nothing written for them",
                missing.join(", ")
            );
        }
    }
    let models = match Models::build_for(&c, args.env.as_deref(), &targets) {
        Ok(m) => m,
        Err(d) => return Ok(internal_error(&c, d, color, io)),
    };
    // The process ends soon; skip freeing the compilation piece by piece.
    let models = std::mem::ManuallyDrop::new(models);
    let c = std::mem::ManuallyDrop::new(c);
    t.lap(io, "model");
    let nested = targets.len() > 1;
    let outputs: Vec<Output> = targets
        .iter()
        .map(|t| run_backend(&models, *t, &root, &args.out, nested))
        .collect();
    t.lap(io, "backends");
    let deny_lossy = args.deny.contains(&Deny::Lossy);
    let lowering: Vec<Diagnostic> = outputs
        .iter()
        .flat_map(|o| o.lowerings.iter().map(|l| l.to_diagnostic(deny_lossy)))
        .collect();
    super::check_cmd::human(&c.program.map, &lowering, color, io);
    for o in &outputs {
        let _ = writeln!(io.err, "{}", report_line(o));
        for n in &o.notes {
            let _ = writeln!(io.err, "  note: {n}");
        }
    }
    if lowering.iter().any(Diagnostic::is_error) {
        let _ = writeln!(
            io.err,
            "error: lossy lowering denied (--deny lossy); nothing written"
        );
        return Ok(FAILED);
    }
    let files = collect(outputs, targets.len() > 1);
    let plan = Plan {
        out: args.out.clone(),
        files,
    };
    if args.check {
        let diffs = write::compare(&plan).map_err(|e| miette::miette!("{e}"))?;
        for d in &diffs {
            let _ = writeln!(io.out, "{d}");
        }
        return Ok(if diffs.is_empty() { OK } else { FAILED });
    }
    let written = write::write(&plan).map_err(|e| {
        miette::miette!(help = "nothing was changed in the output directory", "{e}")
    })?;
    t.lap(io, "write");
    let _ = writeln!(
        io.err,
        "wrote {} files to {} ({} stale files removed)",
        written.written,
        args.out.display(),
        written.removed
    );
    Ok(OK)
}

/// A model that could not be built (E0900): printed, exit 1.
pub(super) fn internal_error(
    c: &crate::Compilation,
    d: Diagnostic,
    color: bool,
    io: &mut Io,
) -> i32 {
    super::check_cmd::human(&c.program.map, &[d], color, io);
    FAILED
}

/// Runs one backend; Compose gets host paths rebased to where its files land.
fn run_backend(models: &Models, t: emit::Target, root: &Path, out: &Path, nested: bool) -> Output {
    if t != emit::Target::Compose {
        return emit::emit(models, t);
    }
    let dir = if nested {
        out.join(t.name())
    } else {
        out.to_path_buf()
    };
    let from = root.parent().unwrap_or(Path::new("."));
    match relative_path(&dir, from) {
        Some(prefix) if prefix != "." => {
            let mut rebased = models.clone();
            rebased.rebase_paths(&prefix);
            emit::emit(&rebased, t)
        }
        _ => emit::emit(models, t),
    }
}

/// The path that leads from directory `from` to directory `to`, with `/`.
pub fn relative_path(from: &Path, to: &Path) -> Option<String> {
    let (from, to) = (
        std::path::absolute(from).ok()?,
        std::path::absolute(to).ok()?,
    );
    let norm = |p: &Path| -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                std::path::Component::Normal(s) => v.push(s.to_string_lossy().into_owned()),
                std::path::Component::ParentDir => {
                    v.pop();
                }
                _ => {}
            }
        }
        v
    };
    let (f, t) = (norm(&from), norm(&to));
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(t[common..].iter().cloned());
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

fn collect(outputs: Vec<Output>, nest: bool) -> Vec<emit::OutputFile> {
    outputs
        .into_iter()
        .flat_map(|o| {
            if nest {
                let t = o.target.name();
                o.nest(t).files
            } else {
                o.files
            }
        })
        .collect()
}

fn report_line(o: &Output) -> String {
    let count = |k| o.lowerings.iter().filter(|l| l.kind == k).count();
    format!(
        "{}: {} files; lowering: {} exact, {} approximated, {} dropped",
        o.target.name(),
        o.files.len(),
        o.exact,
        count(emit::LoweringKind::Approximated),
        count(emit::LoweringKind::Dropped)
    )
}
