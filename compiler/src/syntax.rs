//! Text → syntax tree.
//!
//! Input: one file's text and its [`FileId`]. Output: an [`ast::File`] that
//! always exists (broken entries become `Entry::Error`, items whose head
//! does not parse `Item::Error`) and the syntax diagnostics (E0001–E0006). `format` prints a tree back as canonical text;
//! `trivia` finds the comments the tree does not hold.

pub mod ast;
pub mod format;
mod parser;
pub mod trivia;

use crate::diagnostics::Diagnostic;
use crate::source::FileId;

/// Parses one file. Never fails and never panics.
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    parser::parse(file, text)
}
