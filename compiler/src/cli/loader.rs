//! The CLI's [`FileLoader`]: the disk.

use crate::source::{decode, join_relative, FileLoader, LoadError};

/// Reads files from the disk; names are paths as given (relative paths stay relative).
#[derive(Debug, Clone, Default)]
pub struct DiskLoader;

impl FileLoader for DiskLoader {
    fn resolve(&self, from: &str, path: &str) -> String {
        join_relative(from, path)
    }

    fn load(&self, name: &str) -> Result<String, LoadError> {
        decode(std::fs::read(name).map_err(|e| LoadError::io(&e))?)
    }
}
