//! stackc: the compiler for `.stack` files.
pub mod emit;
