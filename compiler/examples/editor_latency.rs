//! What the language server costs per keystroke on one file, measured on
//! the library calls it makes (the protocol adds a copy of the text and
//! JSON): re-checking the file after an edit (every environment, the
//! diagnostics it publishes), then completion, hover and go to definition
//! over that compilation, then semantic tokens, inlay hints, rename and
//! the generated-file preview. The floor is parsing the same text alone, timed
//! in the same run, so the ratios carry across machines.
//!
//! `cargo run --release -p stackc --example editor_latency -- FILE [RUNS]`
//! (`bench/run.sh` runs it on a generated 5,000-line stack).

use stackc::analysis;
use stackc::source::{FileId, MemoryLoader};
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Best wall time of `runs` calls of `f`, in milliseconds.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    best
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE: a .stack file");
    let runs: usize = args
        .next()
        .map_or(10, |r| r.parse().expect("RUNS: a number"));
    let text = std::fs::read_to_string(&path).expect("readable");
    let lines = text.lines().count();
    let keep = stackc::Keep {
        worlds: false,
        syntax: true,
    };
    let check = |t: &str| {
        let loader = MemoryLoader::new().with("main.stack", t);
        stackc::compile_with("main.stack", &loader, &stackc::EnvSelection::All, keep)
    };
    // The stdlib and schema are built once per process, as in the server.
    let c = check(&text);
    let floor = best(runs, || stackc::syntax::parse(FileId(0), &text));
    // An edit: one value changed, as a keystroke would.
    let edited = text.replacen("version = \"1.0.0\"", "version = \"1.0.1\"", 1);
    let recheck = best(runs, || check(&edited));
    let file = c.program.map.find("main.stack").expect("the file");
    let at = |needle: &str, into: usize| text.find(needle).map_or(0, |i| i + into);
    let in_service = at("port metrics", 0);
    let complete = best(runs, || analysis::completions(&c, file, in_service).len());
    let reference = at("secret.db_url", 8);
    let hover = best(runs, || analysis::hover(&c, file, reference));
    let definition = best(runs, || {
        analysis::target_at(&c, file, reference).and_then(|(_, t)| analysis::definition(&c, &t))
    });
    let tokens = best(runs, || analysis::tokens::tokens(&c, file).len());
    let hints = best(runs, || analysis::inlay_hints(&c, file).len());
    let prepare = best(runs, || {
        analysis::rename::prepare(&c, file, reference).is_ok()
    });
    // Renaming compiles the renamed stack once more, to refuse a rename
    // that would not compile.
    let rename = best(runs, || {
        analysis::rename::rename(&c, file, reference, "database_url").is_ok()
    });
    let preview = best(runs, || {
        analysis::preview::preview(&c, file, in_service, Some("compose"), Some("prod"))
            .map_or(0, |p| p.files.len())
    });
    println!("{lines} lines, best of {runs}:");
    println!("  parse (floor)   {floor:8.2} ms");
    println!(
        "  re-check        {recheck:8.2} ms  x{:.1} floor",
        recheck / floor
    );
    println!("  completion      {complete:8.2} ms");
    println!("  hover           {hover:8.2} ms");
    println!("  definition      {definition:8.2} ms");
    println!("  semantic tokens {tokens:8.2} ms");
    println!("  inlay hints     {hints:8.2} ms");
    println!("  prepare rename  {prepare:8.2} ms");
    println!("  rename          {rename:8.2} ms");
    println!("  preview         {preview:8.2} ms  (compose, prod)");
}
