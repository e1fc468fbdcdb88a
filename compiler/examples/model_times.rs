//! Times compile, model building and the k8s backend on one file (profiling aid).
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args().nth(1).expect("path");
    let t = Instant::now();
    let c = stackc::compile(&path, &stackc::cli::DiskLoader, &stackc::EnvSelection::All);
    eprintln!("compile {:?}", t.elapsed());
    let t = Instant::now();
    let models = stackc::emit::Models::build(&c, None).expect("the model builds");
    eprintln!(
        "models (base + {} envs) {:?}",
        models.envs.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let out = stackc::emit::emit(&models, stackc::emit::Target::K8s);
    let bytes: usize = out.files.iter().map(|f| f.contents.len()).sum();
    eprintln!(
        "k8s emit {:?} ({} files, {} MB)",
        t.elapsed(),
        out.files.len(),
        bytes / 1_000_000
    );
    std::mem::forget((c, models, out));
}
