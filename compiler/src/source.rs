//! Sources, spans and positions.
//!
//! Every node of every stage carries a [`Span`]: a file and a byte range. The
//! [`SourceMap`] owns the text of every file of one compilation; the stdlib is
//! registered first, under stable display names `<stdlib/…>`. Line and column
//! numbers (and the UTF-16 columns the LSP wants) are computed only at the
//! edges, by [`LineIndex`].

use serde::{Deserialize, Serialize};

/// Index of a file in a [`SourceMap`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct FileId(pub u32);

/// A byte range in one file. Serialised as `[file, start, end]`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(from = "(u32, u32, u32)", into = "(u32, u32, u32)")]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl From<(u32, u32, u32)> for Span {
    fn from((file, start, end): (u32, u32, u32)) -> Self {
        Span {
            file: FileId(file),
            start,
            end,
        }
    }
}

impl From<Span> for (u32, u32, u32) {
    fn from(s: Span) -> Self {
        (s.file.0, s.start, s.end)
    }
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// An empty span at the start of this one.
    pub fn shrink_to_start(self) -> Span {
        Span {
            end: self.start,
            ..self
        }
    }
}

/// One source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to users: a path as given, or `<stdlib/…>`.
    pub name: String,
    pub text: String,
    pub is_stdlib: bool,
    /// Made on first use: a run that reports nothing never needs it.
    lines: std::sync::OnceLock<LineIndex>,
}

impl SourceFile {
    /// The line starts of the text.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }
}

/// All files of one compilation.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(
        &mut self,
        name: impl Into<String>,
        text: impl Into<String>,
        is_stdlib: bool,
    ) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            is_stdlib,
            lines: std::sync::OnceLock::new(),
        });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.get(id).name
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.get(id).text
    }

    pub fn is_stdlib(&self, id: FileId) -> bool {
        self.get(id).is_stdlib
    }

    pub fn find(&self, name: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.name == name)
            .map(|i| FileId(i as u32))
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.text(span.file).get(span.range()).unwrap_or("")
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        let f = self.get(span.file);
        f.lines().line_col(&f.text, span.start as usize)
    }
}

/// Line starts of one text, for byte → line/column conversion.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        // Byte by byte: a search call per line costs more than the line.
        starts.extend(
            (0u32..)
                .zip(text.bytes())
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// 0-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&(offset as u32)) {
            Ok(l) => l,
            Err(l) => l - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line)
            .copied()
            .unwrap_or(*self.starts.last().unwrap_or(&0)) as usize
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char(text, offset);
        let line = self.line(offset);
        let start = self.line_start(line);
        (line + 1, text[start..offset].chars().count() + 1)
    }

    /// 0-based line and UTF-16 column, as the LSP counts them.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = clamp_to_char(text, offset);
        let line = self.line(offset);
        let start = self.line_start(line);
        let col: usize = text[start..offset].chars().map(char::len_utf16).sum();
        (line as u32, col as u32)
    }

    /// Byte offset of a 0-based line and UTF-16 column; out-of-range values clamp.
    pub fn offset_of_utf16(&self, text: &str, line: u32, col: u32) -> usize {
        if line as usize >= self.starts.len() {
            return text.len();
        }
        let start = self.line_start(line as usize);
        let mut units = 0u32;
        for (i, ch) in text[start..].char_indices() {
            if units >= col || ch == '\n' {
                return start + i;
            }
            units += ch.len_utf16() as u32;
        }
        text.len()
    }
}

fn clamp_to_char(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// Where the front end reads files from. The CLI reads the disk, the LSP its
/// open buffers, tests an in-memory map.
pub trait FileLoader {
    /// Canonical name of `path` imported from the file named `from`.
    fn resolve(&self, from: &str, path: &str) -> String;
    /// The text of a file, or why it cannot be read.
    fn load(&self, name: &str) -> Result<String, LoadError>;
}

/// Why a file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// There is no such file (the system's message).
    Missing(String),
    /// The file exists but cannot be read (the system's message).
    Io(String),
    /// The file was read but is not UTF-8 text.
    NotText(NotText),
}

impl LoadError {
    /// An I/O error of reading a file: missing, or unreadable.
    pub fn io(e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::NotFound {
            LoadError::Missing(e.to_string())
        } else {
            LoadError::Io(e.to_string())
        }
    }

    /// Whether the file is there but cannot be read as text: an I/O
    /// problem (`stackc` exits 2), not a mistake in the stack.
    pub fn is_io(&self) -> bool {
        !matches!(self, LoadError::Missing(_))
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Missing(m) | LoadError::Io(m) => f.write_str(m),
            LoadError::NotText(n) => write!(
                f,
                "not UTF-8 text: {} at byte {} (line {}, column {})",
                n.problem.describe(),
                n.offset,
                n.line,
                n.column
            ),
        }
    }
}

/// Where and how a file's bytes fail to be UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotText {
    pub problem: Encoding,
    /// Byte offset of the first bad byte in the file.
    pub offset: usize,
    /// 1-based line and column (in characters) of that byte.
    pub line: usize,
    pub column: usize,
    /// The text to show: the file with bad bytes replaced by `U+FFFD`
    /// (the first at `offset`), the text before the first NUL byte, or
    /// nothing after a byte-order mark.
    pub shown: String,
    /// Length in `shown` of what the diagnostic underlines.
    pub len: usize,
}

/// The encoding problem of a file that is not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A UTF-16 byte-order mark (`FF FE` or `FE FF`).
    Utf16Bom,
    /// A UTF-32 byte-order mark.
    Utf32Bom,
    /// A NUL byte: UTF-16 without a byte-order mark, or a binary file.
    Nul,
    /// A byte that starts or continues no valid UTF-8 sequence.
    InvalidUtf8(u8),
    /// A UTF-8 sequence cut off by the end of the file.
    Truncated,
}

impl Encoding {
    pub fn describe(self) -> String {
        match self {
            Encoding::Utf16Bom => "a UTF-16 byte-order mark".into(),
            Encoding::Utf32Bom => "a UTF-32 byte-order mark".into(),
            Encoding::Nul => {
                "a NUL byte (UTF-16 without a byte-order mark, or a binary file)".into()
            }
            Encoding::InvalidUtf8(b) => format!("invalid UTF-8 sequence (byte 0x{b:02X})"),
            Encoding::Truncated => "a UTF-8 sequence cut off by the end of the file".into(),
        }
    }

    /// How to repair the file.
    pub fn help(self) -> &'static str {
        match self {
            Encoding::Utf16Bom | Encoding::Utf32Bom | Encoding::Nul => {
                "save the file as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`, or your editor's \"Save with encoding\")"
            }
            Encoding::InvalidUtf8(_) => {
                "save the file as UTF-8; a file in Latin-1 or Windows-1252 converts with `iconv -f WINDOWS-1252 -t UTF-8`"
            }
            Encoding::Truncated => "the file ends in the middle of a UTF-8 character: complete it or remove its last bytes",
        }
    }
}

/// The text of a file's bytes, or where and how they are not UTF-8 text
/// (byte-order marks of UTF-16 and UTF-32, NUL bytes, invalid sequences).
pub fn decode(bytes: Vec<u8>) -> Result<String, LoadError> {
    let bom = if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        Some(Encoding::Utf32Bom)
    } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        Some(Encoding::Utf16Bom)
    } else {
        None
    };
    if let Some(problem) = bom {
        return Err(not_text(problem, 0, "", 0));
    }
    match String::from_utf8(bytes) {
        Ok(text) => match text.find('\0') {
            Some(at) => Err(not_text(Encoding::Nul, at, &text[..at], 0)),
            None => Ok(text),
        },
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let problem = match e.utf8_error().error_len() {
                Some(_) => Encoding::InvalidUtf8(e.as_bytes().get(at).copied().unwrap_or(0)),
                None => Encoding::Truncated,
            };
            let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Err(not_text(
                problem,
                at,
                &shown,
                char::REPLACEMENT_CHARACTER.len_utf8(),
            ))
        }
    }
}

/// `shown` holds the valid text before `offset` unchanged.
fn not_text(problem: Encoding, offset: usize, shown: &str, len: usize) -> LoadError {
    let before = shown.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let shown = shown.to_string();
    LoadError::NotText(NotText {
        problem,
        offset,
        line,
        column,
        shown,
        len,
    })
}

/// A loader over an in-memory map of name → text.
#[derive(Debug, Clone, Default)]
pub struct MemoryLoader {
    pub files: indexmap::IndexMap<String, String>,
}

impl MemoryLoader {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: &str, text: &str) -> Self {
        self.files.insert(name.to_string(), text.to_string());
        self
    }
}

impl FileLoader for MemoryLoader {
    fn resolve(&self, from: &str, path: &str) -> String {
        join_relative(from, path)
    }

    fn load(&self, name: &str) -> Result<String, LoadError> {
        self.files
            .get(name)
            .cloned()
            .ok_or_else(|| LoadError::Missing("no such file".to_string()))
    }
}

/// Joins `path` to the directory of `from`, normalising `.` and `..`.
pub fn join_relative(from: &str, path: &str) -> String {
    if path.starts_with('/') {
        return normalize(path);
    }
    let dir = match from.rfind('/') {
        Some(i) => &from[..i + 1],
        None => "",
    };
    normalize(&format!("{dir}{path}"))
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            _ => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(bytes: &[u8]) -> NotText {
        match decode(bytes.to_vec()) {
            Err(LoadError::NotText(n)) => n,
            other => panic!("expected not text, got {other:?}"),
        }
    }

    #[test]
    fn decoding() {
        assert_eq!(decode(b"stack a {}\n".to_vec()), Ok("stack a {}\n".into()));
        let n = problem(b"stack a {\n  x = \"caf\xE9\"\n}\n");
        assert_eq!(n.problem, Encoding::InvalidUtf8(0xE9));
        assert_eq!((n.offset, n.line, n.column), (20, 2, 11));
        assert_eq!(&n.shown[20..23], "\u{FFFD}");
        assert_eq!(problem(b"\xFF\xFEs\0").problem, Encoding::Utf16Bom);
        assert_eq!(problem(b"\xFE\xFF\0s").problem, Encoding::Utf16Bom);
        assert_eq!(problem(b"\xFF\xFE\0\0s\0\0\0").problem, Encoding::Utf32Bom);
        let n = problem(b"s\0t\0");
        assert_eq!(
            (n.problem, n.offset, n.line, n.column),
            (Encoding::Nul, 1, 1, 2)
        );
        let n = problem(b"ab\n\xE2\x82");
        assert_eq!(
            (n.problem, n.offset, n.line, n.column),
            (Encoding::Truncated, 3, 2, 1)
        );
    }

    #[test]
    fn line_col_and_utf16() {
        let text = "ab\nçd€x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 3), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(idx.line_col(text, x), (2, 4));
        assert_eq!(idx.utf16_position(text, x), (1, 3));
        assert_eq!(idx.offset_of_utf16(text, 1, 3), x);
        assert_eq!(idx.offset_of_utf16(text, 9, 0), text.len());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            join_relative("a/b/main.stack", "./lib.stack"),
            "a/b/lib.stack"
        );
        assert_eq!(
            join_relative("a/b/main.stack", "../lib.stack"),
            "a/lib.stack"
        );
        assert_eq!(join_relative("main.stack", "lib/x.stack"), "lib/x.stack");
        assert_eq!(join_relative("/r/main.stack", "x.stack"), "/r/x.stack");
    }
}
