//! The floor `bench/run.sh` compares `stackc emit` with: the time to write
//! output that is already built. Reads every YAML file under DIR (what an
//! emit wrote), builds each file's documents as [`Yaml`] trees once, then
//! times only the writing: serialising every tree with the same writer the
//! backends use, with the generated-by header, into files under OUT.
//! Prints the best of RUNS in seconds.
//!
//! `cargo run --release -p stackc --example write_floor -- DIR OUT [RUNS]`

use serde::Deserialize;
use stackc::emit::output::hash_header;
use stackc::emit::yaml::{self, Yaml};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let src = PathBuf::from(args.next().expect("DIR: a directory stackc emit wrote"));
    let out = PathBuf::from(args.next().expect("OUT: where to write"));
    let runs: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("RUNS: a number"));
    let mut paths = Vec::new();
    yaml_files(&src, &mut paths);
    // The prebuilt output: every document of every file as a tree.
    let files: Vec<(PathBuf, Vec<Yaml>, usize)> = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("UTF-8 YAML");
            let docs = serde_yaml::Deserializer::from_str(&text)
                .map(|d| yaml::from_serde_yaml(&serde_yaml::Value::deserialize(d).expect("YAML")))
                .collect();
            let rel = p.strip_prefix(&src).expect("under DIR").to_path_buf();
            (rel, docs, text.len())
        })
        .collect();
    let mut best = f64::MAX;
    for _ in 0..runs.max(1) {
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        for (rel, docs, len) in &files {
            let mut s = String::with_capacity(len + 64);
            s.push_str(&hash_header());
            yaml::write_documents(&mut s, docs);
            let path = out.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create OUT");
            }
            std::fs::write(&path, s).expect("write OUT");
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("{best:.3}");
}
