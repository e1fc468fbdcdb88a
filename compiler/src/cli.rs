//! The `stackc` command line. `main.rs` only calls [`run`], so tests can
//! run commands in-process. miette reports the CLI's own errors (I/O,
//! arguments); diagnostics about stacks go through `diagnostics::render`.

// The command line is where output reaches the terminal, so it may print
// (lib.rs denies printing everywhere else). Commands still write through
// [`Io`], so tests capture what they say.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod check_cmd;
mod emit_cmd;
pub use emit_cmd::relative_path;
mod eval_cmd;
mod fmt_cmd;
pub(crate) mod loader;
mod write;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

pub use loader::DiskLoader;

#[derive(Parser, Debug)]
#[command(
    name = "stackc",
    version,
    about = "Compiler for .stack files: describe a stack once, emit every deployment artifact"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check stacks and report every problem found.
    Check(CheckArgs),
    /// Format .stack files canonically.
    Fmt(FmtArgs),
    /// Print the long explanation of a diagnostic code.
    Explain {
        /// A code such as E0201.
        code: String,
    },
    /// Print the resolved model of one environment (the backends' input).
    Eval(EvalArgs),
    /// Write deployment files for a target.
    Emit(EmitArgs),
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Stack files, or directories holding `stack.stack` (default: `.`).
    pub paths: Vec<PathBuf>,
    /// Check only this environment (and the base).
    #[arg(long)]
    pub env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors.
    #[arg(long, value_enum)]
    pub deny: Vec<Deny>,
    #[command(flatten)]
    pub color: ColorArg,
}

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Files or directories (default: `.`).
    pub paths: Vec<PathBuf>,
    /// Do not write; exit 1 when a file is not formatted.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub color: ColorArg,
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The stack file (or a directory holding `stack.stack`).
    pub path: PathBuf,
    /// Environment to evaluate (default: the base, without any overlay).
    #[arg(long)]
    pub env: Option<String>,
    #[arg(long, value_enum, default_value_t = DataFormat::Json)]
    pub format: DataFormat,
    #[command(flatten)]
    pub color: ColorArg,
}

#[derive(clap::Args, Debug)]
pub struct EmitArgs {
    /// The stack file (or a directory holding `stack.stack`).
    pub path: PathBuf,
    /// What to emit: a target of the registry, or `all` (every target the
    /// stack lists in `targets`).
    #[arg(long, value_parser = target_values())]
    pub target: String,
    /// Only this environment (default: every environment).
    #[arg(long)]
    pub env: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Do not write; exit 1 when the files on disk differ from what would be emitted.
    #[arg(long)]
    pub check: bool,
    /// Turn lossy lowerings (dropped features) into errors.
    #[arg(long, value_enum)]
    pub deny: Vec<Deny>,
    /// The lowering report (what a target approximates or drops):
    /// `summary` counts features per target, `full` prints every entry
    /// where it is written, `json` prints the whole report on stdout.
    #[arg(long, value_enum, default_value_t = Report::Summary)]
    pub report: Report,
    #[command(flatten)]
    pub color: ColorArg,
}

/// How `stackc emit` prints its lowering report.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    Summary,
    Full,
    Json,
}

/// `--color`, shared by every command that prints diagnostics; read it
/// with [`use_color`].
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct ColorArg {
    /// Colour for diagnostics on stderr (`auto`: only on a terminal, and
    /// not when NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `--target` values: one per entry of the target registry, and `all`.
fn target_values() -> clap::builder::PossibleValuesParser {
    let backends = crate::emit::BACKENDS
        .iter()
        .map(|b| clap::builder::PossibleValue::new(b.name()).help(b.summary));
    let all = clap::builder::PossibleValue::new(ALL_TARGETS)
        .help("every target the stack lists in `targets`");
    clap::builder::PossibleValuesParser::new(backends.chain([all]))
}

/// The `--target` value that selects the stack's own list.
pub const ALL_TARGETS: &str = "all";

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
    /// SARIF 2.1.0 (GitHub code scanning, CI dashboards): one log for all paths.
    Sarif,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFormat {
    Json,
    Yaml,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deny {
    Warnings,
    Lossy,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Exit codes.
pub const OK: i32 = 0;
pub const FAILED: i32 = 1;
pub const USAGE: i32 = 2;

/// The exit code of a compilation with errors: 2 when a file could not be
/// read as text (an I/O problem), else 1.
pub fn failure_code(c: &crate::Compilation) -> i32 {
    if c.program.unreadable {
        USAGE
    } else {
        FAILED
    }
}

/// Where a command writes.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// Whether stderr is a terminal (for colour).
    pub err_is_tty: bool,
}

/// Whether diagnostics on stderr are coloured: `--color always` or
/// `never` decides; `auto` colours a terminal unless `NO_COLOR` is set.
/// Every command that renders diagnostics asks this, and nothing else.
pub fn use_color(arg: ColorArg, io: &Io) -> bool {
    match arg.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io.err_is_tty && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Runs `stackc` with `args` (including the program name); returns the exit code.
pub fn run<I, T>(args: I, io: &mut Io) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { USAGE } else { OK };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                write!(io.err, "{text}")
            } else {
                write!(io.out, "{text}")
            };
            return code;
        }
    };
    let result = match cli.command {
        Command::Check(a) => check_cmd::run(&a, io),
        Command::Fmt(a) => fmt_cmd::run(&a, io),
        Command::Explain { code } => explain(&code, io),
        Command::Eval(a) => eval_cmd::run(&a, io),
        Command::Emit(a) => emit_cmd::run(&a, io),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            let _ = writeln!(io.err, "{report:?}");
            USAGE
        }
    }
}

fn explain(code: &str, io: &mut Io) -> miette::Result<i32> {
    match code.parse::<crate::diagnostics::Code>() {
        Ok(c) => {
            let _ = write!(io.out, "{}", c.explanation());
            Ok(OK)
        }
        Err(()) => Err(miette::miette!(
            help = "codes look like E0201; `stackc check` prints them in brackets",
            "unknown diagnostic code `{code}`"
        )),
    }
}

/// Compiles the stack a path names for commands that build models (`emit`,
/// `eval`): the selected environments' worlds are kept, the syntax trees
/// are not. Returns the root file too.
pub fn compile_for_models(
    path: &std::path::Path,
    env: Option<&str>,
) -> miette::Result<(PathBuf, crate::Compilation)> {
    let root = stack_roots(&[path.to_path_buf()])?.remove(0);
    let envs = env.map_or(crate::EnvSelection::All, |e| {
        crate::EnvSelection::Only(e.to_string())
    });
    let keep = crate::Keep {
        worlds: true,
        syntax: false,
    };
    let mut c = crate::compile_with(&display_name(&root), &DiskLoader, &envs, keep);
    // Every world the models need is kept (the base and the selected
    // environments): the checked items would only add to peak memory.
    c.release_checked();
    Ok((root, c))
}

/// `--env NAME` must name a declared environment.
pub fn known_env(c: &crate::Compilation, env: Option<&str>) -> miette::Result<()> {
    match env {
        Some(e) if !c.program.symbols.environments.contains_key(e) => Err(miette::miette!(
            help = format!(
                "environments declared: {}",
                c.environment_names().join(", ")
            ),
            "unknown environment `{e}`"
        )),
        _ => Ok(()),
    }
}

/// The paths a command was given, or `.`.
pub fn paths_or_cwd(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    }
}

/// The root `.stack` files a path names: a file, or a directory's `stack.stack`.
pub fn stack_roots(paths: &[PathBuf]) -> miette::Result<Vec<PathBuf>> {
    let paths = paths_or_cwd(paths);
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let candidate = p.join("stack.stack");
            if !candidate.is_file() {
                return Err(miette::miette!(
                    help = "pass the stack file itself, or name it `stack.stack`",
                    "`{}` holds no `stack.stack`",
                    p.display()
                ));
            }
            out.push(candidate);
        } else if p.is_file() {
            out.push(p);
        } else {
            return Err(miette::miette!("`{}` does not exist", p.display()));
        }
    }
    Ok(out)
}

/// Stage timings printed to stderr when `STACKC_TIMINGS` is set (used by
/// `bench/run.sh`; the library itself never reads the clock).
pub struct Timings {
    enabled: bool,
    last: std::time::Instant,
}

impl Timings {
    pub fn start() -> Self {
        Timings {
            enabled: std::env::var_os("STACKC_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    /// Prints the time since the previous lap under `stage`.
    pub fn lap(&mut self, io: &mut Io, stage: &str) {
        if self.enabled {
            let now = std::time::Instant::now();
            let ms = (now - self.last).as_secs_f64() * 1000.0;
            let _ = writeln!(io.err, "time: {stage:<10} {ms:>8.1} ms{}", rss_mb());
            self.last = now;
        }
    }
}

/// `  rss N MB`: the process's resident memory, where /proc tells it.
fn rss_mb() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok());
    kb.map_or(String::new(), |kb| format!("  rss {:>6} MB", kb / 1024))
}

/// Display name of a path: as given, with `./` removed.
pub fn display_name(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}
