//! Prints how long each front-end stage takes on one file, and the resident
//! memory after it (profiling aid; Linux).
use stackc::source::FileLoader;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Disk;
impl FileLoader for Disk {
    fn resolve(&self, from: &str, path: &str) -> String {
        stackc::source::join_relative(from, path)
    }
    fn load(&self, name: &str) -> Result<String, stackc::source::LoadError> {
        let bytes = std::fs::read(name).map_err(|e| stackc::source::LoadError::io(&e))?;
        stackc::source::decode(bytes)
    }
}

fn rss() -> String {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("")
        .to_string()
}

fn main() {
    let path = std::env::args().nth(1).expect("path");
    let t = Instant::now();
    let prelude = stackc::prelude::get();
    eprintln!(
        "prelude (stdlib parsed, schema built) {:?}  {}",
        t.elapsed(),
        rss()
    );
    let t = Instant::now();
    let (program, _) = stackc::resolve::load(&path, &Disk, &prelude.sources);
    eprintln!("parse+resolve {:?}  {}", t.elapsed(), rss());
    let t = Instant::now();
    let (checked, d) = stackc::check::check(&program, &prelude.schema);
    eprintln!("check {:?} ({} diags)  {}", t.elapsed(), d.len(), rss());
    drop((program, checked));
    let t = Instant::now();
    let keep = stackc::Keep {
        worlds: true,
        syntax: false,
    };
    let c = stackc::compile_with(
        &path,
        &Disk,
        &stackc::EnvSelection::Only("prod".into()),
        keep,
    );
    eprintln!(
        "compile (again, base + prod) {:?} ({} diags)  {}",
        t.elapsed(),
        c.diagnostics.len(),
        rss()
    );
    let t = Instant::now();
    let m = c.model(Some("prod")).expect("model");
    eprintln!(
        "model prod {:?} ({} services)  {}",
        t.elapsed(),
        m.services.len(),
        rss()
    );
    let _ = std::mem::ManuallyDrop::new((c, m));
}
