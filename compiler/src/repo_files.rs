//! Repository files that `file "/path" { source = "…" }` blocks mount:
//! read once per compilation, through the same loader as `.stack` files
//! (so the language server sees unsaved buffers), relative to the file
//! that names them.
//!
//! Input: an evaluated world and the loader. Output: the texts, by (file
//! the path is written in, path as written), for the model; E0341 for a
//! file that cannot be read, is not UTF-8 text or is larger than a
//! ConfigMap holds. Never a panic: whatever the bytes, a
//! file is either text in the map or a diagnostic.

use crate::diagnostics::{Code, Diagnostic};
use crate::eval::Evaluated;
use crate::model::Files;
use crate::resolve::Program;
use crate::source::{FileLoader, LoadError, Span};
use crate::value::{Key, Val, ValKind};

/// The most a mounted file may hold: a ConfigMap's data is limited to
/// 1 MiB in all (etcd's object limit), and Compose inlines the text.
pub const MAX_BYTES: usize = 1 << 20;

/// The `source` files `w`'s services mount: the text as written and its
/// span, in order.
pub fn sources(w: &Evaluated) -> Vec<(Key, Span)> {
    let mut out = Vec::new();
    for s in w.services.values() {
        let Some(mounts) = s.get("file").and_then(Val::as_map) else {
            continue;
        };
        for f in mounts.values() {
            let Some(src) = f.get("source") else { continue };
            if let ValKind::Str(path) = &src.kind {
                out.push((path.clone(), src.span));
            }
        }
    }
    out
}

/// Reads the files of `sources` (see [`sources`]) that are not read yet.
pub fn read(
    p: &Program,
    sources: &[(Key, Span)],
    loader: &dyn FileLoader,
    files: &mut Files,
    failed: &mut std::collections::HashSet<(crate::source::FileId, String)>,
    diags: &mut Vec<Diagnostic>,
) {
    for (path, span) in sources {
        let key = (span.file, path.to_string());
        if files.contains_key(&key) || failed.contains(&key) {
            continue;
        }
        match read_one(p, loader, path, *span) {
            Ok(text) => {
                files.insert(key, text);
            }
            Err(d) => {
                failed.insert(key);
                diags.push(d);
            }
        }
    }
}

#[allow(clippy::result_large_err)] // read once per file; the error path is cold.
fn read_one(
    p: &Program,
    loader: &dyn FileLoader,
    path: &str,
    at: Span,
) -> Result<String, Diagnostic> {
    let name = loader.resolve(p.map.name(at.file), path);
    match loader.load(&name) {
        Ok(text) if text.len() > MAX_BYTES => Err(Diagnostic::new(
            Code::E0341,
            at,
            format!(
                "`{path}` is {} bytes, more than a mounted file may hold ({MAX_BYTES} bytes)",
                text.len()
            ),
        )
        .label("too large to mount from a ConfigMap")
        .help("mount large files from a volume (`volume NAME { … }`) or build them into the image")),
        Ok(text) => Ok(text),
        Err(LoadError::NotText(n)) => Err(Diagnostic::new(
            Code::E0341,
            at,
            format!("`{path}` is not UTF-8 text: {} at byte {}", n.problem.describe(), n.offset),
        )
        .label("a mounted file holds text")
        .help("build binary files into the image, or mount them from a volume")),
        Err(e) => Err(Diagnostic::new(
            Code::E0341,
            at,
            format!("cannot read `{path}`: {e}"),
        )
        .label(if name.is_empty() || name == path {
            "not a readable file".to_string()
        } else {
            format!("looked for `{name}`")
        })
        .help("the path is relative to the .stack file that names it; check the spelling, or add the file to the repository")),
    }
}
