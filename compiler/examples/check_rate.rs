//! Inputs per second of the `check` fuzz target's work (compile, the three
//! renderers, models without errors) over every file of a directory, as a
//! release build without sanitizers runs it: a profiling aid for the fuzz
//! throughput. `cargo run --release --example check_rate -- fuzz/corpus/check`
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).expect("a directory of inputs");
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("directory")
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .collect();
    inputs.sort();
    let t = Instant::now();
    for _ in 0..rounds {
        for data in &inputs {
            one(data);
        }
    }
    let n = inputs.len() * rounds;
    let secs = t.elapsed().as_secs_f64();
    eprintln!("{n} inputs in {secs:.2} s: {:.0} inputs/s", n as f64 / secs);
}

fn one(data: &[u8]) {
    use stackc::diagnostics::render;
    let text = String::from_utf8_lossy(data);
    let loader = stackc::source::MemoryLoader::new().with("main.stack", &text);
    let c = stackc::compile("main.stack", &loader, &stackc::EnvSelection::All);
    let _ = render::human(&c.program.map, &c.diagnostics);
    let _ = render::json(&c.program.map, &c.diagnostics);
    let _ = render::github(&c.program.map, &c.diagnostics);
    if !c.has_errors() {
        let _ = c.models(None);
    }
}
