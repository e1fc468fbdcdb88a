//! The `stackc` binary: parses arguments and exits with the command's code.

// The binary is the program's edge: it may print (the library may not; see
// lib.rs). It hands stdout and stderr to `cli::run` rather than printing.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::IsTerminal;

/// mimalloc: the compiler allocates many small, short-lived values; it is
/// markedly faster than the system allocator at that (see bench/).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // STACKC_THREADS=N: how many threads the per-service stages use (1: the
    // main thread alone; unset or 0: one per CPU this process may use).
    if let Some(n) = std::env::var("STACKC_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        stackc::par::set_threads(n);
    }
    // The command runs on a thread of the pool the stages use (see
    // `stackc::par`), so that what one stage frees is there for the next.
    let code = stackc::par::on_pool(|| {
        let stdout = std::io::stdout();
        let stderr = std::io::stderr();
        let err_is_tty = stderr.is_terminal();
        let mut out = stdout.lock();
        let mut err = stderr.lock();
        let mut io = stackc::cli::Io {
            out: &mut out,
            err: &mut err,
            err_is_tty,
        };
        stackc::cli::run(std::env::args_os(), &mut io)
    });
    std::process::exit(code);
}
