//! `stackc emit`.

use super::{EmitArgs, Io, USAGE};

pub fn run(_args: &EmitArgs, _io: &mut Io) -> miette::Result<i32> {
    Ok(USAGE)
}
