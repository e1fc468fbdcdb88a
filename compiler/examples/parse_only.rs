#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args().nth(1).expect("path");
    let text = std::fs::read_to_string(&path).expect("read");
    let t = std::time::Instant::now();
    let (f, d) = stackc::syntax::parse(stackc::source::FileId(0), &text);
    eprintln!(
        "parse {:?} items={} diags={}",
        t.elapsed(),
        f.items.len(),
        d.len()
    );
}
