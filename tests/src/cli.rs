//! `stackc` run in-process through `stackc::cli::run` (what `main.rs`
//! calls), with stdout and stderr captured.

use stackc::cli::{self, Io};
use std::ffi::OsString;

/// One run: the exit code `main` would exit with, and what was printed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl Run {
    /// Everything printed, for failure messages.
    pub fn log(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.out, self.err
        )
    }
}

/// `stackc ARGS...` (the program name is added).
pub fn stackc<I, T>(args: I) -> Run
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    run(args, false)
}

/// [`stackc`] with stderr taken for a terminal, as `--color auto` sees it.
pub fn stackc_on_a_terminal<I, T>(args: I) -> Run
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    run(args, true)
}

fn run<I, T>(args: I, err_is_tty: bool) -> Run
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut argv: Vec<OsString> = vec!["stackc".into()];
    argv.extend(args.into_iter().map(Into::into));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli::run(
        argv,
        &mut Io {
            out: &mut out,
            err: &mut err,
            err_is_tty,
        },
    );
    Run {
        code,
        out: String::from_utf8(out).expect("stdout is UTF-8"),
        err: String::from_utf8(err).expect("stderr is UTF-8"),
    }
}
