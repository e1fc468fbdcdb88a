//! The floor `bench/run.sh` compares `stackc emit` with: the time to write
//! output that is already built. Reads every file under DIR (what an emit
//! wrote), builds each YAML file's documents as [`Yaml`] trees once (other
//! files, and YAML files that are templates such as a Helm chart's, are
//! kept as text), then times only the writing: serialising every tree with
//! the same writer the backends use, with the generated-by header, and
//! writing every file under OUT. Prints the best of RUNS in seconds.
//!
//! `cargo run --release -p stackc --example write_floor -- DIR OUT [RUNS]`

use serde::Deserialize;
use stackc::emit::output::hash_header;
use stackc::emit::yaml::{self, Yaml};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// One file of the output, ready to write.
enum Built {
    /// YAML documents, and the length of the text they were read from.
    Trees(Vec<Yaml>, usize),
    /// Any other file, written as it is.
    Text(String),
}

/// The documents of a YAML file; `None` when it is not YAML (a template).
fn trees(text: &str) -> Option<Vec<Yaml>> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| {
            serde_yaml::Value::deserialize(d)
                .ok()
                .map(|v| yaml::from_serde_yaml(&v))
        })
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let src = PathBuf::from(args.next().expect("DIR: a directory stackc emit wrote"));
    let out = PathBuf::from(args.next().expect("OUT: where to write"));
    let runs: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("RUNS: a number"));
    let mut paths = Vec::new();
    files_under(&src, &mut paths);
    // The prebuilt output: every document of every YAML file as a tree,
    // the other files as text.
    let files: Vec<(PathBuf, Built)> = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("UTF-8 text");
            let rel = p.strip_prefix(&src).expect("under DIR").to_path_buf();
            let yaml = p.extension().is_some_and(|e| e == "yaml" || e == "yml");
            let built = yaml
                .then(|| trees(&text))
                .flatten()
                .map_or(Built::Text(text.clone()), |docs| {
                    Built::Trees(docs, text.len())
                });
            (rel, built)
        })
        .collect();
    let mut best = f64::MAX;
    for _ in 0..runs.max(1) {
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        for (rel, built) in &files {
            let path = out.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create OUT");
            }
            match built {
                Built::Trees(docs, len) => {
                    let mut s = String::with_capacity(len + 64);
                    s.push_str(&hash_header());
                    yaml::write_documents(&mut s, docs);
                    std::fs::write(&path, s).expect("write OUT");
                }
                Built::Text(text) => std::fs::write(&path, text).expect("write OUT"),
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("{best:.3}");
}
