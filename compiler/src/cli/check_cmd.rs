//! `stackc check`.

use super::{display_name, stack_roots, CheckArgs, Deny, DiskLoader, Format, Io, OK};
use crate::diagnostics::{render, Diagnostic, Severity};
use crate::source::SourceMap;
use crate::EnvSelection;
use codespan_reporting::term::termcolor::{Ansi, NoColor};

pub fn run(args: &CheckArgs, io: &mut Io) -> miette::Result<i32> {
    let roots = stack_roots(&args.paths)?;
    let envs = args
        .env
        .clone()
        .map_or(EnvSelection::All, EnvSelection::Only);
    let deny_warnings = args.deny.contains(&Deny::Warnings);
    // The exit code: the worst of the roots' (0, 1 errors, 2 unreadable).
    let mut code = OK;
    let mut total: Vec<Diagnostic> = Vec::new();
    // SARIF is one document for every root: results are gathered, then printed.
    let mut sarif = Vec::new();
    for root in roots {
        let c = crate::compile_with(
            &display_name(&root),
            &DiskLoader,
            &envs,
            crate::Keep {
                worlds: false,
                syntax: false,
            },
        );
        if !c.program.unreadable {
            super::known_env(&c, args.env.as_deref())?;
        }
        let mut diags = c.diagnostics.clone();
        if deny_warnings {
            diags.iter_mut().for_each(|d| d.severity = Severity::Error);
        }
        if diags.iter().any(Diagnostic::is_error) {
            code = code.max(super::failure_code(&c));
        }
        if args.format == Format::Sarif {
            sarif.extend(render::sarif::results(&c.program.map, &diags));
        } else {
            print(&c.program.map, &diags, args, io);
        }
        total.extend(diags);
        // The process ends soon: freeing a large compilation piece by piece
        // costs more time than it returns.
        let _ = std::mem::ManuallyDrop::new(c);
    }
    match args.format {
        Format::Human => {
            let _ = writeln!(io.err, "{}", render::summary(&total));
        }
        Format::Sarif => {
            let _ = write!(io.out, "{}", render::sarif::log(sarif));
        }
        Format::Json | Format::Github => {}
    }
    Ok(code)
}

fn print(map: &SourceMap, diags: &[Diagnostic], args: &CheckArgs, io: &mut Io) {
    match args.format {
        Format::Json => {
            let _ = write!(io.out, "{}", render::json(map, diags));
        }
        Format::Github => {
            let _ = write!(io.out, "{}", render::github(map, diags));
        }
        Format::Human => human(map, diags, super::use_color(args.color, io), io),
        Format::Sarif => {}
    }
}

/// Human output to stderr, coloured or not.
pub fn human(map: &SourceMap, diags: &[Diagnostic], color: bool, io: &mut Io) {
    let mut buf = Vec::new();
    let _ = if color {
        render::human_to(&mut Ansi::new(&mut buf), map, diags)
    } else {
        render::human_to(&mut NoColor::new(&mut buf), map, diags)
    };
    let _ = io.err.write_all(&buf);
}
