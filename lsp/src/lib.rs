//! `stackc-lsp`: the language server for `.stack` files.
//!
//! A thin shell over the compiler library (built without its command
//! line): every change to an open document recompiles that document as a
//! root, and every open document whose compilation read the changed file,
//! with the same front end `stackc check` runs, so the diagnostics are the
//! same in code, range, message, related information and help. The stdlib
//! and its schema are built once per process (`stackc::prelude`).
//!
//! Modules: [`server`] routes requests (tower-lsp), [`state`] holds the open
//! documents and what each compilation read, [`convert`] turns spans and
//! diagnostics into LSP values (UTF-16 positions, computed only here).

// stdout carries the protocol: nothing in the server may print.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

pub mod convert;
pub mod server;
pub mod state;

/// Serves the protocol on stdin/stdout until the client exits.
pub async fn serve_stdio() {
    let (service, socket) = tower_lsp::LspService::new(server::Server::new);
    tower_lsp::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
}
