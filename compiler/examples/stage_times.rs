//! Prints how long each front-end stage takes on one file (profiling aid).
use stackc::source::FileLoader;
use std::time::Instant;

struct Disk;
impl FileLoader for Disk {
    fn resolve(&self, from: &str, path: &str) -> String {
        stackc::source::join_relative(from, path)
    }
    fn load(&self, name: &str) -> Result<String, String> {
        std::fs::read_to_string(name).map_err(|e| e.to_string())
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("path");
    let t = Instant::now();
    let (program, _) = stackc::resolve::load(&path, &Disk);
    eprintln!("parse+resolve {:?}", t.elapsed());
    let t = Instant::now();
    let (schema, _) = stackc::check::schema(&program);
    let (_defaults, _) = stackc::check::defaults(&program, &schema);
    let (_checked, d) = stackc::check::check(&program, &schema);
    eprintln!("check {:?} ({} diags)", t.elapsed(), d.len());
    let t = Instant::now();
    let c = stackc::compile(&path, &Disk, &stackc::EnvSelection::All);
    eprintln!(
        "full compile {:?} ({} diags)",
        t.elapsed(),
        c.diagnostics.len()
    );
    let t = Instant::now();
    let (w, _) = c.evaluate(Some("prod"));
    eprintln!("evaluate prod {:?}", t.elapsed());
    let t = Instant::now();
    let mut ds = Vec::new();
    stackc::check::rules::run(&c.program, &w, None, &mut ds);
    eprintln!("rules prod {:?}", t.elapsed());
    let t = Instant::now();
    let m = stackc::model::build(&c, Some("prod"));
    eprintln!(
        "model prod {:?} ({} services)",
        t.elapsed(),
        m.services.len()
    );
}
