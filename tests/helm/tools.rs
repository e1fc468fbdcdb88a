//! Finding the validators, and a scratch directory to run Helm in.

use stackc::emit::Output;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A validator binary, or `None` (with a notice) when it may be skipped
/// (the shared lookup: `$STACKC_VALIDATORS_PREFIX/bin`, then `PATH`).
pub use stackc_tests::tools::tool;

pub fn helms() -> Vec<(&'static str, PathBuf)> {
    ["helm3", "helm4"]
        .into_iter()
        .filter_map(|h| tool(h).map(|p| (h, p)))
        .collect()
}

/// A scratch directory with private Helm homes.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("stackc-helm-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn write(&self, out: &Output) -> PathBuf {
        for f in &out.files {
            let p = self.0.join(&f.path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, &f.contents).unwrap();
        }
        let chart = out.files[0].path.split('/').next().unwrap();
        self.0.join(chart)
    }

    pub fn helm(&self, bin: &Path, args: &[&str]) -> (bool, String, String) {
        let home = self.0.join("home");
        let o = Command::new(bin)
            .args(args)
            .env("HELM_CACHE_HOME", home.join("cache"))
            .env("HELM_CONFIG_HOME", home.join("config"))
            .env("HELM_DATA_HOME", home.join("data"))
            .output()
            .expect("run helm");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (o.status.success(), text(&o.stdout), text(&o.stderr))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
