//! `stackc fmt [--check] [PATHS…]`.
//!
//! Paths are files or directories (searched recursively for `*.stack`,
//! skipping hidden directories); the default is `.`. Each file is formatted
//! by `syntax::format::format`. Without `--check` a changed file is replaced
//! atomically (written to a temporary file next to it, then renamed). With
//! `--check` nothing is written and every unformatted file is listed with
//! the first lines that differ. Exit code: 0 when every file is (now)
//! formatted, 1 when a file has syntax errors or, with `--check`, is not
//! formatted, 2 when a path cannot be read or written.

use super::{display_name, FmtArgs, Io, FAILED, OK};
use crate::source::SourceMap;
use crate::syntax::format::{format, FormatError};
use std::path::{Path, PathBuf};

pub fn run(args: &FmtArgs, io: &mut Io) -> miette::Result<i32> {
    let files = stack_files(&args.paths)?;
    let mut failed = false;
    for file in &files {
        failed |= !one_file(file, args, io)?;
    }
    if args.check && failed {
        let _ = writeln!(io.err, "run `stackc fmt` to format the files listed above");
    }
    Ok(if failed { FAILED } else { OK })
}

/// Formats (or checks) one file; `Ok(false)` when it fails the run.
fn one_file(path: &Path, args: &FmtArgs, io: &mut Io) -> miette::Result<bool> {
    let name = display_name(path);
    let text =
        std::fs::read_to_string(path).map_err(|e| miette::miette!("cannot read `{name}`: {e}"))?;
    let mut map = SourceMap::new();
    let id = map.add(name.clone(), text.clone(), false);
    let formatted = match format(&text, id) {
        Ok(f) => f,
        Err(FormatError::Syntax(diags)) => {
            let color = super::use_color(args.color, io);
            super::check_cmd::human(&map, &diags, color, io);
            let _ = writeln!(io.err, "`{name}` was not formatted: it has syntax errors");
            return Ok(false);
        }
        Err(FormatError::Unsafe(why)) => {
            let _ = writeln!(
                io.err,
                "error: `{name}` was left as it is: formatting would change it ({why}).\n\
                 This is a bug in `stackc fmt`; please report it with the file."
            );
            return Ok(false);
        }
    };
    if formatted == text {
        return Ok(true);
    }
    if args.check {
        let _ = write!(io.out, "{}", diff_hint(&name, &text, &formatted));
        return Ok(false);
    }
    write_atomically(path, &formatted)
        .map_err(|e| miette::miette!("cannot write `{name}`: {e}"))?;
    Ok(true)
}

/// The `.stack` files the paths name, sorted within each directory.
fn stack_files(paths: &[PathBuf]) -> miette::Result<Vec<PathBuf>> {
    let paths = super::paths_or_cwd(paths);
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(&p, &mut out)
                .map_err(|e| miette::miette!("cannot read `{}`: {e}", p.display()))?;
        } else if p.is_file() {
            out.push(p);
        } else {
            return Err(miette::miette!("`{}` does not exist", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "stack") {
            out.push(p);
        }
    }
    Ok(())
}

/// Writes to a temporary file in the same directory, then renames it over
/// `path`, so a reader never sees half a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let file_name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy());
    let tmp_name = format!(".{file_name}.stackc-fmt-{}.tmp", std::process::id());
    let tmp = dir.map_or(PathBuf::from(&tmp_name), |d| d.join(&tmp_name));
    let result = std::fs::write(&tmp, text).and_then(|()| {
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `Diff in NAME at line N:` and the lines that differ (at most 12 of each),
/// found by trimming the common first and last lines.
fn diff_hint(name: &str, old: &str, new: &str) -> String {
    const MAX: usize = 12;
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = format!("Diff in {name} at line {}:\n", head + 1);
    for (sign, lines) in [
        ('-', &a[head..a.len() - tail]),
        ('+', &b[head..b.len() - tail]),
    ] {
        for l in lines.iter().take(MAX) {
            out.push_str(&format!("{sign}{l}\n"));
        }
        if lines.len() > MAX {
            out.push_str(&format!("{sign}… {} more lines\n", lines.len() - MAX));
        }
    }
    if a.len() == b.len() && head == a.len() {
        out.push_str(" (whitespace at line ends or the end of the file)\n");
    }
    out
}
