//! Open documents, and which files each document's compilation read.
//!
//! Every open document is compiled as a root (as `stackc check FILE`
//! would), reading other files from the open buffers first and the disk
//! second. A compilation records the files it read, so a change to a file
//! re-checks every open document that imports it (reverse imports). Files
//! are named by their path, as the compiler names them; documents that are
//! not files (`untitled:`) by their URI.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use stackc::diagnostics::Diagnostic;
use stackc::source::{decode, join_relative, FileLoader, LoadError, SourceMap, Span};
use tower_lsp::lsp_types::{self as lsp, Url};

use crate::convert;

/// An open document.
#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Url,
    pub text: Arc<str>,
    pub version: i32,
}

/// What the server knows between requests.
#[derive(Debug, Default)]
pub struct State {
    /// Open documents by name.
    docs: BTreeMap<String, Document>,
    /// For each open document, the user files its last compilation read.
    reads: BTreeMap<String, BTreeSet<String>>,
}

/// The diagnostics of one document, ready to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub uri: Url,
    pub version: Option<i32>,
    pub diagnostics: Vec<lsp::Diagnostic>,
}

/// The compiler's name of a document: its path for `file:` URIs.
pub fn name_of(uri: &Url) -> String {
    match uri.to_file_path() {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(()) => uri.to_string(),
    }
}

fn uri_of_name(name: &str) -> Option<Url> {
    Url::from_file_path(name)
        .ok()
        .or_else(|| Url::parse(name).ok())
}

impl State {
    pub fn open(&mut self, uri: Url, text: String, version: i32) -> String {
        let name = name_of(&uri);
        let text = Arc::from(text);
        self.docs
            .insert(name.clone(), Document { uri, text, version });
        name
    }

    pub fn change(&mut self, uri: &Url, text: String, version: i32) -> String {
        self.open(uri.clone(), text, version)
    }

    /// Closes a document; returns its name and the open documents its
    /// compilation read (they are checked on their own again).
    pub fn close(&mut self, uri: &Url) -> (String, Vec<String>) {
        let name = name_of(uri);
        self.docs.remove(&name);
        let read = self.reads.remove(&name).unwrap_or_default();
        let orphans = read
            .into_iter()
            .filter(|f| *f != name && self.docs.contains_key(f))
            .collect();
        (name, orphans)
    }

    pub fn document(&self, uri: &Url) -> Option<&Document> {
        self.docs.get(&name_of(uri))
    }

    /// Whether another open document's compilation read `name`: then
    /// `name` is checked as part of it (a file that only declares what
    /// others import is not a stack of its own).
    fn imported(&self, name: &str) -> bool {
        self.reads.iter().any(|(root, files)| {
            root != name && self.docs.contains_key(root) && files.contains(name)
        })
    }

    /// The open documents to re-check as roots after `name` changed: those
    /// whose compilation read it, else `name` itself when it is open.
    pub fn affected(&self, name: &str) -> Vec<String> {
        let importers: Vec<String> = self
            .reads
            .iter()
            .filter(|(root, files)| *root != name && files.contains(name))
            .map(|(root, _)| root.clone())
            .collect();
        if importers.is_empty() && self.docs.contains_key(name) {
            return vec![name.to_string()];
        }
        importers
    }

    /// Compiles the open document `root` and returns the diagnostics to
    /// publish: for the document itself and every file it imports (open or
    /// not: an imported file's diagnostics are those of its importer).
    pub fn check(&mut self, root: &str) -> Vec<Published> {
        let Some(doc) = self.docs.get(root) else {
            return Vec::new();
        };
        let version = doc.version;
        let loader = Buffers { docs: &self.docs };
        let keep = stackc::Keep {
            worlds: false,
            syntax: false,
        };
        let c = stackc::compile_with(root, &loader, &stackc::EnvSelection::All, keep);
        let map = &c.program.map;
        let files: Vec<String> = map
            .files()
            .filter(|(_, f)| !f.is_stdlib)
            .map(|(_, f)| f.name.clone())
            .collect();
        self.reads
            .insert(root.to_string(), files.iter().cloned().collect());
        let out = files
            .iter()
            .filter(|f| *f == root || !self.docs.contains_key(*f) || self.imported(f))
            .filter_map(|f| {
                let uri = self
                    .docs
                    .get(f)
                    .map(|d| d.uri.clone())
                    .or_else(|| uri_of_name(f))?;
                let version = self
                    .docs
                    .get(f)
                    .map(|d| d.version)
                    .filter(|_| f != root)
                    .or((f == root).then_some(version));
                Some(publish(map, &c.diagnostics, f, uri, version))
            })
            .collect();
        out
    }

    /// `stackc fmt` of an open document: one edit replacing the whole text,
    /// `None` when it is formatted already or does not parse.
    pub fn format(&self, uri: &Url) -> Option<Vec<lsp::TextEdit>> {
        let doc = self.document(uri)?;
        let formatted =
            stackc::syntax::format::format(&doc.text, stackc::source::FileId(0)).ok()?;
        if *formatted == *doc.text {
            return Some(Vec::new());
        }
        let lines = stackc::source::LineIndex::new(&doc.text);
        let (line, character) = lines.utf16_position(&doc.text, doc.text.len());
        let whole = lsp::Range::new(
            lsp::Position::new(0, 0),
            lsp::Position::new(line, character),
        );
        Some(vec![lsp::TextEdit::new(whole, formatted)])
    }
}

/// The diagnostics whose primary span lies in `file`.
fn publish(
    map: &SourceMap,
    diags: &[Diagnostic],
    file: &str,
    uri: Url,
    version: Option<i32>,
) -> Published {
    let uri_of = |s: Span| uri_of_name(map.name(s.file));
    let diagnostics = diags
        .iter()
        .filter(|d| map.name(d.primary.span.file) == file)
        .map(|d| convert::diagnostic(map, d, &uri_of))
        .collect();
    Published {
        uri,
        version,
        diagnostics,
    }
}

/// Open buffers first, then the disk.
struct Buffers<'a> {
    docs: &'a BTreeMap<String, Document>,
}

impl FileLoader for Buffers<'_> {
    fn resolve(&self, from: &str, path: &str) -> String {
        join_relative(from, path)
    }

    fn load(&self, name: &str) -> Result<String, LoadError> {
        match self.docs.get(name) {
            Some(d) => Ok(d.text.to_string()),
            None => decode(std::fs::read(name).map_err(|e| LoadError::io(&e))?),
        }
    }
}
