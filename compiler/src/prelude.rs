//! The prelude: the stdlib parsed and its schema and defaults built once
//! per process.
//!
//! Input: the embedded stdlib sources ([`crate::stdlib::FILES`]). Output: a
//! `&'static` [`Prelude`] every compilation starts from: the stdlib's
//! source files and syntax trees (copied into each program, registered
//! first, so their `FileId`s are the same in every compilation), the
//! [`Schema`] the checker checks against and the elaborated stdlib
//! [`Defaults`]. A language server re-checking a file on every keystroke,
//! and a fuzzer compiling thousands of inputs a second, pay for the stdlib
//! once.
//!
//! Invariant: nothing here depends on user code. The schema and defaults
//! are built against a program holding the stdlib alone; their spans point
//! into stdlib files only.

use crate::check::{self, schema::Schema, Defaults};
use crate::diagnostics::Diagnostic;
use crate::resolve::{self, StdlibSources};
use crate::source::MemoryLoader;
use std::sync::OnceLock;

/// What every compilation shares.
#[derive(Debug)]
pub struct Prelude {
    pub sources: StdlibSources,
    pub schema: Schema,
    pub defaults: Defaults,
    /// Problems in the stdlib itself (empty in a released compiler; a test
    /// keeps it so). Reported with every compilation, never lost.
    pub diagnostics: Vec<Diagnostic>,
}

/// The prelude, built on first use.
pub fn get() -> &'static Prelude {
    static PRELUDE: OnceLock<Prelude> = OnceLock::new();
    PRELUDE.get_or_init(build)
}

fn build() -> Prelude {
    let sources = resolve::parse_stdlib();
    let mut diagnostics = sources.diags.clone();
    // A program of the stdlib alone: an empty root file on top of it.
    let root = "<prelude>";
    let loader = MemoryLoader::new().with(root, "");
    // Its only findings are about the empty root (it declares no stack):
    // not the stdlib's problems, so not kept.
    let (program, _) = resolve::load(root, &loader, &sources);
    let (schema, d) = check::schema(&program);
    diagnostics.extend(d);
    let (defaults, d) = check::defaults(&program, &schema);
    diagnostics.extend(d);
    Prelude {
        sources,
        schema,
        defaults,
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::get;
    use crate::source::MemoryLoader;

    #[test]
    fn the_stdlib_is_clean() {
        assert!(get().diagnostics.is_empty(), "{:?}", get().diagnostics);
    }

    #[test]
    fn compilations_share_one_schema() {
        let loader = MemoryLoader::new().with("a.stack", "stack a {}\n");
        let one = crate::compile("a.stack", &loader, &Default::default());
        let two = crate::compile("a.stack", &loader, &Default::default());
        assert!(std::ptr::eq(one.schema, two.schema));
        assert!(std::ptr::eq(one.defaults, two.defaults));
    }
}
