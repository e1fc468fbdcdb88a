//! Writing an emitted tree safely.
//!
//! Each backend's files are written into a temporary directory next to the
//! output directory as soon as the backend returns ([`Stager`]; their text
//! is freed then, so memory holds one target's output at a time), then the
//! tree is renamed into place, whole or file by file. A manifest (`.stackc-manifest`) records what stackc wrote, so a
//! later run removes its own stale files and never touches a file it did
//! not generate: an existing file that is neither in the manifest nor
//! carries the generated header is never overwritten.
//!
//! A file whose text on disk is already the text to write is left as it
//! is, modification time and all: a build that regenerates its manifests
//! rewrites only those that changed (tools that watch the tree or cache
//! by time see no change), and a run that changes nothing creates and
//! deletes no file. (On ext4 without a journal, as on the benchmark
//! machine, creating files right after deleting many is slow: each new
//! inode is looked for past the recently deleted ones. Re-emitting 20,000
//! unchanged files by replacing them took 1.6 to 11 s there.)

use crate::emit::output::is_generated;
use crate::emit::OutputFile;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = ".stackc-manifest";

/// What `--check` compares with the disk.
pub struct Plan {
    pub out: PathBuf,
    pub files: Vec<OutputFile>,
}

pub struct Written {
    /// Files written (new or changed).
    pub written: usize,
    /// Files left as they were: their text was the text to write.
    pub unchanged: usize,
    pub removed: usize,
}

fn read_manifest(out: &Path) -> BTreeSet<String> {
    fs::read_to_string(out.join(MANIFEST))
        .map(|t| {
            t.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn manifest_text(files: &[String]) -> String {
    let mut s = format!(
        "# {}\n# files written by the last `stackc emit` into this directory\n",
        crate::emit::output::HEADER
    );
    for f in files {
        s.push_str(f);
        s.push('\n');
    }
    s
}

/// Paths must stay inside the output directory.
fn safe_join(out: &Path, rel: &str) -> Result<PathBuf, String> {
    if rel.starts_with('/') || rel.split('/').any(|c| c == ".." || c.is_empty()) {
        return Err(format!(
            "refusing to write outside the output directory: `{rel}`"
        ));
    }
    Ok(out.join(rel))
}

/// One output tree, written as it is produced: [`Stager::stage`] checks
/// each file of one backend (inside the output directory; never over a
/// file stackc did not write) and writes it into the staging directory,
/// unless the output directory holds that very text already;
/// [`Stager::join`] takes in what a backend staged, in backend order;
/// [`Stager::finish`] moves the tree into place. Backends may stage at the
/// same time (each into a directory of its own). On the first error
/// nothing more is staged, `finish` returns it, and the staging directory
/// is removed (also when the stager is dropped unfinished): the output
/// directory is untouched.
pub struct Stager {
    out: PathBuf,
    old: BTreeSet<String>,
    /// Whether the output directory existed when staging began: when it
    /// did not, no file is in the way, and none is looked up.
    out_existed: bool,
    /// Made on first use, by whichever backend stages first.
    tmp: std::sync::OnceLock<Result<PathBuf, String>>,
    /// Every file of the tree, in order (the manifest).
    paths: Vec<String>,
    /// Those left as they are on disk (not staged).
    unchanged: std::collections::HashSet<String>,
    error: Option<String>,
}

/// What [`Stager::stage`] did for one backend: the paths, up to the first
/// error, and those it left as they are.
#[derive(Default)]
pub struct Staged {
    paths: Vec<String>,
    unchanged: Vec<String>,
    error: Option<String>,
}

/// One backend's files being staged ([`Stager::stage`]).
#[derive(Default)]
pub struct Staging {
    staged: Staged,
    dirs: std::collections::HashSet<PathBuf>,
}

impl Staging {
    /// What was staged, the paths in order (a backend makes its files in
    /// an order of its own; the manifest lists them by path).
    pub fn finish(self) -> Staged {
        let mut staged = self.staged;
        staged.paths.sort();
        staged
    }
}

/// What staging one file did.
enum Stage {
    Written,
    /// The file on disk holds this text already.
    Unchanged,
}

impl Stager {
    pub fn new(out: &Path) -> Self {
        Stager {
            out: out.to_path_buf(),
            old: read_manifest(out),
            out_existed: out.exists(),
            tmp: std::sync::OnceLock::new(),
            paths: Vec::new(),
            unchanged: Default::default(),
            error: None,
        }
    }

    /// Stages one file of a backend into what `into` holds of it (a file
    /// at a time, as the backend makes them), unless an earlier file of
    /// that backend failed. Directories already made are remembered
    /// (`--target all` stages 40,000 files into a few directories: one
    /// `create_dir_all` each).
    pub fn stage(&self, f: &OutputFile, into: &mut Staging) {
        if into.staged.error.is_some() {
            return;
        }
        match self.stage_one(f, &mut into.dirs) {
            Ok(done) => {
                if let Stage::Unchanged = done {
                    into.staged.unchanged.push(f.path.clone());
                }
                into.staged.paths.push(f.path.clone());
            }
            Err(e) => into.staged.error = Some(e),
        }
    }

    /// Takes in what one backend staged: its paths join the manifest, and
    /// the first error (in the order backends are joined) is the one
    /// `finish` reports; after it, nothing more is taken in.
    pub fn join(&mut self, staged: Staged) {
        if self.error.is_some() {
            return;
        }
        self.paths.extend(staged.paths);
        self.unchanged.extend(staged.unchanged);
        self.error = staged.error;
    }

    fn stage_one(
        &self,
        f: &OutputFile,
        dirs: &mut std::collections::HashSet<PathBuf>,
    ) -> Result<Stage, String> {
        let target = safe_join(&self.out, &f.path)?;
        if self.out_existed {
            if !self.old.contains(&f.path) && target.exists() {
                let text = fs::read_to_string(&target).unwrap_or_default();
                if !is_generated(&text) {
                    return Err(format!(
                        "refusing to overwrite `{}`: stackc did not generate it",
                        target.display()
                    ));
                }
            }
            if holds(&target, &f.contents) {
                return Ok(Stage::Unchanged);
            }
        }
        let path = self.tmp_dir()?.join(&f.path);
        write_file(&path, &f.contents, dirs)?;
        Ok(Stage::Written)
    }

    fn tmp_dir(&self) -> Result<&Path, String> {
        match self.tmp.get_or_init(|| temp_dir(&self.out)) {
            Ok(t) => Ok(t),
            Err(e) => Err(e.clone()),
        }
    }

    /// Moves the staged tree into place, with its manifest.
    pub fn finish(mut self) -> Result<Written, String> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let tmp = self.tmp_dir()?.to_path_buf();
        write_file(
            &tmp.join(MANIFEST),
            &manifest_text(&self.paths),
            &mut Default::default(),
        )?;
        // A tree with files left in place is committed file by file.
        let whole = if self.unchanged.is_empty() {
            swap_whole(&tmp, &self.out, &self.old, &self.paths)?
        } else {
            None
        };
        match whole {
            Some(done) => Ok(done),
            None => commit(&tmp, &self.out, &self.paths, &self.unchanged, &self.old),
        }
    }
}

impl Drop for Stager {
    fn drop(&mut self) {
        if let Some(Ok(t)) = self.tmp.get() {
            // Gone already when the tree was swapped in whole.
            let _ = fs::remove_dir_all(t);
        }
    }
}

/// When the output directory does not exist, or holds nothing but what the
/// last run generated, the staged tree replaces it with two renames instead
/// of one per file. `None` when a file stackc did not write is in the way.
fn swap_whole(
    tmp: &Path,
    out: &Path,
    old: &BTreeSet<String>,
    paths: &[String],
) -> Result<Option<Written>, String> {
    let new: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    let removed = old.iter().filter(|p| !new.contains(p.as_str())).count();
    if !out.exists() {
        fs::rename(tmp, out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
        return Ok(Some(Written {
            written: paths.len(),
            unchanged: 0,
            removed: 0,
        }));
    }
    let mut present = Vec::new();
    if list_files(out, out, &mut present).is_err() {
        return Ok(None);
    }
    let ours = |p: &String| p == MANIFEST || old.contains(p);
    if !present.iter().all(ours) {
        return Ok(None);
    }
    // `.<name>.stackc-tmp-<pid>.old`: this run's own, so concurrent runs
    // never share it.
    let mut trash = tmp.as_os_str().to_owned();
    trash.push(".old");
    let trash = PathBuf::from(trash);
    fs::rename(out, &trash).map_err(|e| format!("cannot move `{}` aside: {e}", out.display()))?;
    if let Err(e) = fs::rename(tmp, out) {
        let _ = fs::rename(&trash, out);
        return Err(format!("cannot write `{}`: {e}", out.display()));
    }
    let _ = fs::remove_dir_all(&trash);
    Ok(Some(Written {
        written: paths.len(),
        unchanged: 0,
        removed,
    }))
}

/// Relative paths (with `/`) of every file under `dir`.
fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_files(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(rel);
        }
    }
    Ok(())
}

fn temp_dir(out: &Path) -> Result<PathBuf, String> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    remove_stale_staging(parent, &name);
    let tmp = parent.join(format!(".{name}.stackc-tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| format!("cannot create `{}`: {e}", tmp.display()))?;
    Ok(tmp)
}

/// Removes the staging directories (`.<name>.stackc-tmp-<pid>`, and their
/// `.old` twins) that runs killed mid-way left beside the output: those
/// whose process is gone. Where running processes cannot be listed
/// (no `/proc`), those untouched for a day.
fn remove_stale_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}.stackc-tmp-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let procfs = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.strip_suffix(".old").unwrap_or(rest);
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let stale = if procfs {
            !Path::new("/proc").join(pid).exists()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 24 * 3600)
        };
        if stale && pid != std::process::id().to_string() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes `text` to `path`, making its directory first unless `made`
/// holds it already (and then noting it there).
fn write_file(
    path: &Path,
    text: &str,
    made: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !made.contains(*d)) {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        made.insert(dir.to_path_buf());
    }
    fs::write(path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

fn commit(
    tmp: &Path,
    out: &Path,
    paths: &[String],
    unchanged: &std::collections::HashSet<String>,
    old: &BTreeSet<String>,
) -> Result<Written, String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    for f in paths.iter().filter(|f| !unchanged.contains(*f)) {
        let target = out.join(f);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        }
        fs::rename(tmp.join(f), &target)
            .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
    }
    let new: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    let mut removed = 0;
    for stale in old.iter().filter(|p| !new.contains(p.as_str())) {
        let Ok(path) = safe_join(out, stale) else {
            continue;
        };
        if path.is_file() && fs::remove_file(&path).is_ok() {
            removed += 1;
            remove_empty_parents(out, &path);
        }
    }
    fs::rename(tmp.join(MANIFEST), out.join(MANIFEST))
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(Written {
        written: paths.len() - unchanged.len(),
        unchanged: unchanged.len(),
        removed,
    })
}

/// Whether `path` is a regular file (not a link) holding exactly `text`.
/// Its length is compared first, so a changed file is seldom read.
fn holds(path: &Path, text: &str) -> bool {
    let same_len =
        fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == text.len() as u64);
    same_len && fs::read(path).is_ok_and(|b| b == text.as_bytes())
}

fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == out || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Differences between the plan and the disk, one line each.
pub fn compare(plan: &Plan) -> Result<Vec<String>, String> {
    let mut diffs = Vec::new();
    for f in &plan.files {
        let path = safe_join(&plan.out, &f.path)?;
        match fs::read_to_string(&path) {
            Ok(t) if t == f.contents => {}
            Ok(_) => diffs.push(format!("changed: {}", path.display())),
            Err(_) => diffs.push(format!("missing: {}", path.display())),
        }
    }
    let new: BTreeSet<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
    for stale in read_manifest(&plan.out)
        .iter()
        .filter(|p| !new.contains(p.as_str()))
    {
        if plan.out.join(stale).exists() {
            diffs.push(format!("stale: {}", plan.out.join(stale).display()));
        }
    }
    Ok(diffs)
}
