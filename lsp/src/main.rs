//! The `stackc-lsp` binary: the language server on stdin/stdout.

use std::io::IsTerminal;

fn main() {
    if std::io::stdin().is_terminal() {
        eprintln!(
            "stackc-lsp speaks the Language Server Protocol on stdin/stdout; \
             start it from an editor (e.g. the stackc VS Code extension)"
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => rt.block_on(stackc_lsp::serve_stdio()),
        Err(e) => {
            eprintln!("stackc-lsp: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    }
}
