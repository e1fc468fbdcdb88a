//! stackc: the compiler for `.stack` files.
//!
//! One pipeline: [`syntax`] (text → AST) → [`resolve`] (imports, names,
//! templates) → [`check`] (types against the stdlib schema, units, ranges,
//! references, semantic rules) → [`eval`] (templates, interpolation,
//! environment overlays) → [`model`] (one resolved model per environment) →
//! [`emit`] (one backend per target, reading only the model).
//!
//! The library is pure: it reads files only through a [`source::FileLoader`]
//! and never prints or exits.

pub mod diagnostics;
pub mod emit;
pub mod source;
pub mod syntax;
pub mod check;
pub mod resolve;
pub mod stdlib;
pub mod value;
