//! Stacks to test with: the examples (`examples/<name>/stack.stack`) and
//! the backends' emit fixtures (`tests/fixtures/emit/<backend>/<case>/`),
//! loaded into a `MemoryLoader` under `<name>/<file>` so rendered paths are
//! the same on every machine; compiled and emitted in-process.

use stackc::diagnostics::{render, Diagnostic};
use stackc::emit::{self, Output, Target};
use stackc::source::MemoryLoader;
use stackc::{compile, Compilation, EnvSelection};
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A stack on disk: a directory holding `stack.stack` (and what it imports).
#[derive(Debug, Clone)]
pub struct StackDir {
    /// A stable name: `docsearch` for an example, `compose-full` for a fixture.
    pub name: String,
    pub dir: PathBuf,
}

impl StackDir {
    /// The root file's name in [`StackDir::loader`].
    pub fn root(&self) -> String {
        format!("{}/stack.stack", self.name)
    }

    /// Every `.stack` file under the directory, named `<name>/<relative path>`.
    pub fn loader(&self) -> MemoryLoader {
        let mut loader = MemoryLoader::new();
        // `.stack` files, and the text files `file { source = … }` blocks
        // may mount.
        for file in files_under(&self.dir) {
            let rel = file.strip_prefix(&self.dir).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            let is_stack = file.extension().is_some_and(|x| x == "stack");
            match std::fs::read_to_string(&file) {
                Ok(text) => loader = loader.with(&format!("{}/{rel}", self.name), &text),
                Err(e) if is_stack => panic!("{}: {e}", file.display()),
                Err(_) => {}
            }
        }
        loader
    }

    /// Compiled with every environment; panics (with the rendered
    /// diagnostics) when the stack has errors.
    pub fn compile(&self) -> Compilation {
        let c = compile(&self.root(), &self.loader(), &EnvSelection::All);
        assert!(
            !c.has_errors(),
            "{}: {}",
            self.name,
            render::human(&c.program.map, &c.diagnostics)
        );
        c
    }
}

/// Files under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Sub-directories of `dir` that hold a `stack.stack`, sorted by name.
pub fn stack_dirs(dir: &Path, prefix: &str) -> Vec<StackDir> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    dirs.sort();
    dirs.into_iter()
        .filter(|d| d.join("stack.stack").is_file())
        .map(|d| StackDir {
            name: format!("{prefix}{}", d.file_name().unwrap().to_string_lossy()),
            dir: d,
        })
        .collect()
}

/// `examples/<name>/`, named `<name>`.
pub fn examples() -> Vec<StackDir> {
    stack_dirs(&workspace().join("examples"), "")
}

/// One example by name.
pub fn example(name: &str) -> StackDir {
    let found = examples().into_iter().find(|s| s.name == name);
    found.unwrap_or_else(|| panic!("no example `{name}`"))
}

/// Every backend's emit fixtures, `tests/fixtures/emit/<backend>/<case>/`,
/// named `<backend>-<case>`.
pub fn emit_fixtures() -> Vec<StackDir> {
    let root = workspace().join("tests/fixtures/emit");
    let mut backends: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    backends.sort();
    backends
        .iter()
        .flat_map(|b| stack_dirs(b, &format!("{}-", b.file_name().unwrap().to_string_lossy())))
        .collect()
}

/// The targets this build has a backend for (the target registry).
pub fn supported_targets() -> Vec<Target> {
    emit::BACKENDS.iter().map(|b| b.target).collect()
}

/// The lowering report as `stackc emit` prints it (without colour), then
/// the count of exact lowerings and the backend's notes.
pub fn report(c: &Compilation, out: &Output) -> String {
    let diags: Vec<Diagnostic> = out
        .lowerings
        .iter()
        .map(|l| l.to_diagnostic(false))
        .collect();
    let mut text = render::human(&c.program.map, &diags);
    text.push_str(&format!("exact: {}\n", out.exact));
    for n in &out.notes {
        text.push_str(&format!("note: {n}\n"));
    }
    text
}

/// A path made into one snapshot-name component (`/` → `__`, no leading dot).
pub fn snapshot_component(path: &str) -> String {
    path.replace('/', "__").trim_start_matches('.').to_string()
}
