//! `stackc emit`: compile, run the backends, print the lowering report,
//! then write the files (or compare them, with `--check`).

use super::write::{self, Plan};
use super::{Deny, EmitArgs, Io, Report, FAILED, OK};
use crate::diagnostics::{render, Diagnostic};
use crate::emit::{self, Backend, EmitOptions, LoweringKind, Output};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub fn run(args: &EmitArgs, io: &mut Io) -> miette::Result<i32> {
    let mut t = super::Timings::start();
    let (root, mut c) = super::compile_for_models(&args.path, args.env.as_deref())?;
    t.lap(io, "compile");
    let color = super::use_color(args.color, io);
    if c.has_errors() {
        super::check_cmd::human(&c.program.map, &c.diagnostics, color, io);
        let _ = writeln!(io.err, "{}", render::summary(&c.diagnostics));
        return Ok(super::failure_code(&c));
    }
    super::known_env(&c, args.env.as_deref())?;
    let backends = backends(&c, &args.target, io);
    let models = match c.models_for(args.env.as_deref(), &backends) {
        Ok(m) => m,
        Err(d) => return Ok(internal_error(&c, d, color, io)),
    };
    // The models own what backends read: free the evaluated worlds now, so
    // the output reuses their memory (peak memory, not time, is the cost
    // here: page faults of a larger heap cost more than the frees).
    c.release_worlds();
    // The process ends soon; skip freeing the rest piece by piece.
    let models = std::mem::ManuallyDrop::new(models);
    let c = std::mem::ManuallyDrop::new(c);
    t.lap(io, "model");
    let nested = backends.len() > 1;
    // Each backend stages every file as it makes it, so a target's output
    // is in memory a file at a time; `--check` keeps them all and compares
    // them at the end. Backends run side by side (a thread per CPU, at most
    // SIDE_BY_SIDE, the longest first); their results are taken in
    // registry order.
    let stager = (!args.check).then(|| Arc::new(write::Stager::new(&args.out)));
    let run_one = |&i: &usize| {
        let b: &Backend = backends[i];
        let dir = if nested {
            args.out.join(b.name())
        } else {
            args.out.clone()
        };
        let staging = Arc::new(Mutex::new(write::Staging::default()));
        let sink = stager.as_ref().map(|s| {
            let (s, staging) = (s.clone(), staging.clone());
            let prefix = nested.then(|| b.name());
            emit::FileSink::new(move |mut f| {
                if let Some(dir) = prefix {
                    f.nest(dir);
                }
                let mut staging = staging.lock().unwrap_or_else(|e| e.into_inner());
                s.stage(&f, &mut staging);
            })
        });
        let opts = EmitOptions {
            stack_dir: relative_path(&dir, root.parent().unwrap_or(Path::new("."))),
            sink,
        };
        let mut o = emit::run(b, &models, &opts);
        let n = o.file_count();
        let files = match &stager {
            Some(_) => {
                let staging =
                    std::mem::take(&mut *staging.lock().unwrap_or_else(|e| e.into_inner()));
                Files::Staged(staging.finish())
            }
            None => Files::Kept(o.take_files(nested.then(|| b.name()))),
        };
        (i, o, n, files)
    };
    let mut done = crate::par::map_queue(&start_order(&backends), SIDE_BY_SIDE, run_one);
    done.sort_by_key(|(i, ..)| *i);
    // Every sink is gone with its backend's run: the stager is ours again.
    let mut stager = stager.map(|s| {
        Arc::try_unwrap(s).unwrap_or_else(|_| unreachable!("a sink outlived its backend"))
    });
    let mut kept: Vec<emit::OutputFile> = Vec::new();
    // Each output with the number of files it wrote.
    let outputs: Vec<(Output, usize)> = done
        .into_iter()
        .map(|(_, o, n, files)| {
            match files {
                Files::Staged(staged) => {
                    if let Some(s) = &mut stager {
                        s.join(staged);
                    }
                }
                Files::Kept(files) => kept.extend(files),
            }
            (o, n)
        })
        .collect();
    t.lap(io, "backends");
    let deny_lossy = args.deny.contains(&Deny::Lossy);
    // Every entry as a diagnostic only for `--report full`; otherwise
    // only the errors are printed (E0800 and E0801 are warnings unless
    // `--deny lossy` makes drops errors), and they alone stop the write.
    // `all` at 10,000 services has 53,000 entries.
    let full = args.report == Report::Full;
    let lowering: Vec<Diagnostic> = outputs
        .iter()
        .flat_map(|(o, _)| o.lowerings.iter())
        .filter(|l| full || (deny_lossy && l.kind == LoweringKind::Dropped))
        .map(|l| l.to_diagnostic(deny_lossy))
        .collect();
    report(&c, &outputs, &lowering, args.report, color, io);
    if lowering.iter().any(Diagnostic::is_error) {
        let _ = writeln!(
            io.err,
            "error: lossy lowering denied (--deny lossy); nothing written"
        );
        return Ok(FAILED);
    }
    let Some(stager) = stager else {
        let plan = Plan {
            out: args.out.clone(),
            files: kept,
        };
        let diffs = write::compare(&plan).map_err(|e| miette::miette!("{e}"))?;
        for d in &diffs {
            let _ = writeln!(io.out, "{d}");
        }
        return Ok(if diffs.is_empty() { OK } else { FAILED });
    };
    let written = stager.finish().map_err(|e| {
        miette::miette!(help = "nothing was changed in the output directory", "{e}")
    })?;
    t.lap(io, "write");
    let unchanged = match written.unchanged {
        0 => String::new(),
        n => format!(", {n} unchanged"),
    };
    let _ = writeln!(
        io.err,
        "wrote {} files to {}{unchanged} ({} stale files removed)",
        written.written,
        args.out.display(),
        written.removed
    );
    Ok(OK)
}

/// How many backends run at once, at most, whatever the CPUs: each holds
/// its target's output until it is staged, and at scale Kustomize takes
/// about as long as the other backends together (10,000 services: 2.0 s
/// against 1.9 s), so a third thread would gain little and hold a third
/// target's output.
const SIDE_BY_SIDE: usize = 2;

/// A backend's files: staged (written into the staging directory), or
/// kept for `--check` to compare.
enum Files {
    Staged(write::Staged),
    Kept(Vec<emit::OutputFile>),
}

/// The order in which backends start when several run side by side: the
/// costliest first ([`Backend::cost`]), ties in registry order.
fn start_order(backends: &[&Backend]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..backends.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(backends[i].cost));
    order
}

/// The backends `--target` selects: one, or with `all` those the stack
/// lists (noting the listed targets that have no backend yet).
fn backends(c: &crate::Compilation, target: &str, io: &mut Io) -> Vec<&'static Backend> {
    if let Some(b) = emit::backend_named(target) {
        return vec![b];
    }
    let (with, without) = emit::declared(&c.stack_targets());
    if !without.is_empty() {
        let names: Vec<&str> = without.iter().map(|t| t.name()).collect();
        let _ = writeln!(
            io.err,
            "note: no backend yet for {} (listed in `targets`); nothing written for them",
            names.join(", ")
        );
    }
    with
}

/// A model that could not be built: a compiler bug, reported as such.
fn internal_error(c: &crate::Compilation, d: Diagnostic, color: bool, io: &mut Io) -> i32 {
    let diags = [d];
    super::check_cmd::human(&c.program.map, &diags, color, io);
    let _ = writeln!(io.err, "{}", render::summary(&diags));
    FAILED
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

/// Prints the lowering report: by default one line per target with its
/// features counted by kind (a user reads 40 warnings as 40 problems);
/// every entry with `--report full`; JSON on stdout with `--report json`.
/// Denied drops (`--deny lossy`) are errors and always print in full.
fn report(
    c: &crate::Compilation,
    outputs: &[(Output, usize)],
    lowering: &[Diagnostic],
    how: Report,
    color: bool,
    io: &mut Io,
) {
    let map = &c.program.map;
    match how {
        Report::Full => super::check_cmd::human(map, lowering, color, io),
        Report::Summary => {
            let errors: Vec<Diagnostic> =
                lowering.iter().filter(|d| d.is_error()).cloned().collect();
            super::check_cmd::human(map, &errors, color, io);
        }
        Report::Json => {
            let targets: Vec<serde_json::Value> = outputs
                .iter()
                .map(|(o, files)| {
                    let entries: Vec<serde_json::Value> = o
                        .lowerings
                        .iter()
                        .map(|l| {
                            let mut v = render::json_value(map, &l.to_diagnostic(false));
                            if let Some(obj) = v.as_object_mut() {
                                obj.insert("feature".into(), l.feature.clone().into());
                                obj.insert("environments".into(), l.envs.clone().into());
                            }
                            v
                        })
                        .collect();
                    serde_json::json!({
                        "target": o.target.name(),
                        "files": files,
                        "exact": o.exact,
                        "approximated": count(o, LoweringKind::Approximated),
                        "dropped": count(o, LoweringKind::Dropped),
                        "notes": o.notes,
                        "lowerings": entries,
                    })
                })
                .collect();
            let _ = writeln!(io.out, "{}", serde_json::json!({ "targets": targets }));
        }
    }
    for (o, files) in outputs {
        let _ = writeln!(io.err, "{}", report_line(o, *files));
        if how == Report::Summary {
            for kind in [LoweringKind::Dropped, LoweringKind::Approximated] {
                if let Some(line) = grouped(o, kind) {
                    let _ = writeln!(io.err, "  {line}");
                }
            }
        }
        for n in &o.notes {
            let _ = writeln!(io.err, "  note: {n}");
        }
    }
    if how == Report::Summary && outputs.iter().any(|(o, _)| !o.lowerings.is_empty()) {
        let _ = writeln!(
            io.err,
            "(`--report full` shows each entry where it is written)"
        );
    }
}

fn count(o: &Output, kind: LoweringKind) -> usize {
    o.lowerings.iter().filter(|l| l.kind == kind).count()
}

/// `dropped: ingress ×6, autoscale ×3`: the features of one kind, most
/// frequent first (then by name), or `None` when there are none.
fn grouped(o: &Output, kind: LoweringKind) -> Option<String> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for l in o.lowerings.iter().filter(|l| l.kind == kind) {
        match counts.iter_mut().find(|(f, _)| *f == l.feature) {
            Some((_, n)) => *n += 1,
            None => counts.push((&l.feature, 1)),
        }
    }
    if counts.is_empty() {
        return None;
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let items: Vec<String> = counts
        .iter()
        .map(|(f, n)| {
            if *n > 1 {
                format!("{f} ×{n}")
            } else {
                f.to_string()
            }
        })
        .collect();
    let what = match kind {
        LoweringKind::Dropped => "dropped",
        LoweringKind::Approximated => "approximated",
    };
    Some(format!("{what}: {}", items.join(", ")))
}

fn report_line(o: &Output, files: usize) -> String {
    format!(
        "{}: {files} files; lowering: {} exact, {} approximated, {} dropped",
        o.target.name(),
        o.exact,
        count(o, LoweringKind::Approximated),
        count(o, LoweringKind::Dropped)
    )
}
