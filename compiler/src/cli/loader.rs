//! The CLI's [`FileLoader`]: the disk.

use crate::source::{join_relative, FileLoader};

/// Reads files from the disk; names are paths as given (relative paths stay relative).
#[derive(Debug, Clone, Default)]
pub struct DiskLoader;

impl FileLoader for DiskLoader {
    fn resolve(&self, from: &str, path: &str) -> String {
        join_relative(from, path)
    }

    fn load(&self, name: &str) -> Result<String, String> {
        std::fs::read_to_string(name).map_err(|e| e.to_string())
    }
}
