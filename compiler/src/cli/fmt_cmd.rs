//! `stackc fmt`.

use super::{FmtArgs, Io, USAGE};

pub fn run(_args: &FmtArgs, _io: &mut Io) -> miette::Result<i32> {
    Err(miette::miette!("`stackc fmt` is not built yet")).or(Ok(USAGE))
}
