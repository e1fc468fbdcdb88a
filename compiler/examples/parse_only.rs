//! Parsing alone: the best of RUNS parses of one file, in seconds and MB/s
//! (issue 12 asks for at least 100 MB/s), and the rate of the first, cold
//! parse (a fresh heap's page faults included, as in a `stackc` run).
//! `bench/run.sh` prints it beside `check`. `cargo run --release -p stackc --example parse_only -- FILE [RUNS]`

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE: a .stack file");
    let runs: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("RUNS: a number"));
    let text = std::fs::read_to_string(&path).expect("a readable UTF-8 file");
    let mut best = f64::MAX;
    let mut first = None;
    let mut items = 0;
    let mut diags = 0;
    for _ in 0..runs.max(1) {
        let t = std::time::Instant::now();
        let (f, d) = stackc::syntax::parse(stackc::source::FileId(0), &text);
        let secs = t.elapsed().as_secs_f64();
        first.get_or_insert(secs);
        best = best.min(secs);
        (items, diags) = (f.items.len(), d.len());
    }
    let mb = text.len() as f64 / 1e6;
    let first = first.unwrap_or(best);
    println!(
        "{best:.4} {:.0} {:.0} {mb:.1} {items} {diags}",
        mb / best.max(1e-9),
        mb / first.max(1e-9)
    );
}
