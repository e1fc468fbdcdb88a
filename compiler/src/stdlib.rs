//! The stdlib: `.stack` sources embedded in the compiler.
//!
//! They declare the domain schema (`type`, `enum`, `union`) the checker
//! checks user code against. Registered first in every [`SourceMap`] under
//! stable names `<stdlib/NAME>`.

use crate::source::{FileId, SourceMap};

/// `(display name, text)` of every stdlib file, in registration order.
pub const FILES: &[(&str, &str)] = &[
    (
        "<stdlib/stack.stack>",
        include_str!("../../stdlib/stack.stack"),
    ),
    (
        "<stdlib/service.stack>",
        include_str!("../../stdlib/service.stack"),
    ),
    (
        "<stdlib/pipeline.stack>",
        include_str!("../../stdlib/pipeline.stack"),
    ),
];

/// Registers every stdlib file; returns their ids in order.
pub fn register(map: &mut SourceMap) -> Vec<FileId> {
    FILES
        .iter()
        .map(|(name, text)| map.add(*name, *text, true))
        .collect()
}

/// Whether an import path names the stdlib (`std` or `std/…`).
pub fn is_std_import(path: &str) -> bool {
    path == "std" || path.starts_with("std/")
}

/// The stdlib module an import names, if it exists (`std/steps` → the
/// pipeline schema). Every module is always loaded; importing one documents
/// the dependency and is checked for existence.
pub fn module_exists(path: &str) -> bool {
    matches!(
        path,
        "std" | "std/stack" | "std/service" | "std/pipeline" | "std/steps"
    )
}
