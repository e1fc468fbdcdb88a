//! Semantic tokens: what each word of a file is, for an editor's colours.
//!
//! Read from the syntax tree and the compilation, not from the text:
//! item keywords, keys and block keywords (fields of the schema), labels,
//! strings (split around their `${…}` interpolations), numbers with their
//! units, `true`/`false`/`null`, enum values and `let` constants, and the
//! names the stack declares, as declarations or references, from the
//! rename walk ([`super::rename::occurrences`]): services, templates,
//! secrets, configs and their keys, environments, pipelines, ports and
//! jobs. Comments are found in the text between the strings.

use std::collections::BTreeMap;

use super::rename::{occurrences, Name};
use super::Target;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Block, Body, Entry, Expr, ExprKind, Item, StrPart};
use crate::Compilation;

/// The kinds of tokens, in the order of the legend an editor is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Item keywords, `import`, `let`, `as`, `true`, `false`, `null`, and
    /// the `secret` / `config` of a reference path.
    Keyword,
    /// Templates.
    Type,
    /// Keys and block keywords: fields of the schema; config keys.
    Property,
    String,
    Number,
    /// Enum values (`strategy = rolling`).
    EnumMember,
    /// Secrets, configs, `let` constants, labels of other blocks.
    Variable,
    /// Pipelines and jobs.
    Function,
    /// Environments.
    Namespace,
    Comment,
    /// Services.
    Class,
    /// Ports.
    Parameter,
}

impl Kind {
    /// The legend, as LSP names the token types.
    pub const LEGEND: &'static [&'static str] = &[
        "keyword",
        "type",
        "property",
        "string",
        "number",
        "enumMember",
        "variable",
        "function",
        "namespace",
        "comment",
        "class",
        "parameter",
    ];

    pub fn index(self) -> u32 {
        self as u32
    }
}

/// Token modifiers, as bits; the legend is [`MODIFIERS`].
pub const DECLARATION: u32 = 1;
pub const READONLY: u32 = 2;
pub const DOCUMENTATION: u32 = 4;
pub const MODIFIERS: &[&str] = &["declaration", "readonly", "documentation"];

/// One token: a span on one line or more (an editor splits it), its kind
/// and modifier bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: Kind,
    pub modifiers: u32,
}

/// The tokens of `file`, sorted and not overlapping.
pub fn tokens(c: &Compilation, file: FileId) -> Vec<Token> {
    let Some(f) = c.program.files.iter().find(|f| f.id == file) else {
        return Vec::new();
    };
    let mut t = Tokens {
        c,
        names: occurrences(c)
            .into_iter()
            .filter(|o| o.span.file == file)
            .map(|o| (o.span, (o.name, o.declaration)))
            .collect(),
        out: BTreeMap::new(),
        strings: Vec::new(),
    };
    for item in &f.items {
        match item {
            Item::Import(i) => {
                t.keyword_before(i.path.span, "import");
                t.string(&i.path.parts, i.path.span);
                if let Some(a) = &i.alias {
                    t.keyword_before(a.span, "as");
                    t.add(a.span, Kind::Variable, DECLARATION);
                }
            }
            Item::Let(l) => {
                t.keyword_before(l.name.span, "let");
                t.add(l.name.span, Kind::Variable, DECLARATION | READONLY);
                t.expr(&l.value);
            }
            Item::Block(b) => {
                t.add(b.kind.span, Kind::Keyword, 0);
                t.block_head(b);
                t.body(&b.body);
            }
            _ => {}
        }
    }
    t.comments(file);
    // Not overlapping: a later token starting inside an earlier one is
    // dropped (a name inside a string was split out of it already).
    let mut out: Vec<Token> = Vec::new();
    for tok in t.out.into_values() {
        if out.last().is_some_and(|p| p.span.end > tok.span.start) {
            continue;
        }
        out.push(tok);
    }
    out
}

struct Tokens<'a> {
    c: &'a Compilation,
    names: BTreeMap<Span, (Name, bool)>,
    out: BTreeMap<(u32, u32), Token>,
    /// The strings seen, where comments cannot start.
    strings: Vec<Span>,
}

impl Tokens<'_> {
    fn add(&mut self, span: Span, kind: Kind, modifiers: u32) {
        if span.end <= span.start {
            return;
        }
        self.out.entry((span.start, span.end)).or_insert(Token {
            span,
            kind,
            modifiers,
        });
    }

    /// A name the stack declares, if `span` is one.
    fn name(&mut self, span: Span) -> bool {
        let Some((name, decl)) = self.names.get(&span).cloned() else {
            return false;
        };
        let kind = match name {
            Name::Item(Target::Service(_)) => Kind::Class,
            Name::Item(Target::Template(_)) => Kind::Type,
            Name::Item(Target::Secret(_) | Target::Config(_)) => Kind::Variable,
            Name::Item(Target::Environment(_)) => Kind::Namespace,
            Name::Item(Target::Pipeline(_)) | Name::Job(..) => Kind::Function,
            Name::ConfigKey(..) => Kind::Property,
            Name::Port(..) => Kind::Parameter,
        };
        self.add(span, kind, if decl { DECLARATION } else { 0 });
        true
    }

    /// `word` right before `span` (`let` before a constant's name).
    fn keyword_before(&mut self, span: Span, word: &str) {
        let text = self.c.program.map.text(span.file);
        let before = text.get(..span.range().start).unwrap_or("").trim_end();
        if before.ends_with(word) {
            let end = before.len();
            self.add(
                Span::new(span.file, end - word.len(), end),
                Kind::Keyword,
                0,
            );
        }
    }

    fn block_head(&mut self, b: &Block) {
        for l in &b.labels {
            if !self.name(l.span) {
                if l.quoted {
                    self.add(l.span, Kind::String, 0);
                } else {
                    self.add(l.span, Kind::Variable, DECLARATION);
                }
            }
        }
        for t in &b.templates {
            if !self.name(t.span) {
                self.add(t.span, Kind::Type, 0);
            }
        }
    }

    fn body(&mut self, body: &Body) {
        for e in &body.entries {
            match e {
                Entry::Attr(a) => {
                    for k in &a.path {
                        if !self.name(k.span) {
                            let kind = if k.quoted {
                                Kind::String
                            } else {
                                Kind::Property
                            };
                            self.add(k.span, kind, 0);
                        }
                    }
                    self.expr(&a.value);
                }
                Entry::Block(b) => {
                    self.add(b.kind.span, Kind::Property, 0);
                    self.block_head(b);
                    self.body(&b.body);
                }
                // Half-typed: its key, if one was read, is still a field.
                Entry::Error(b) => {
                    for k in &b.path {
                        if !self.name(k.span) {
                            self.add(k.span, Kind::Property, 0);
                        }
                    }
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Str(s) => self.string(&s.parts, s.span),
            ExprKind::Number(n) => self.add(n.span, Kind::Number, 0),
            ExprKind::Bool(_) | ExprKind::Null => self.add(e.span, Kind::Keyword, 0),
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::Object(entries) => {
                for o in entries {
                    for k in &o.path {
                        if !self.name(k.span) {
                            self.add(k.span, Kind::Property, 0);
                        }
                    }
                    self.expr(&o.value);
                }
            }
            ExprKind::Path(p) => self.path(&p.segments, false),
            ExprKind::Range(a, b) => {
                self.expr(a);
                self.expr(b);
            }
        }
    }

    fn path(&mut self, segs: &[crate::syntax::ast::Ident], interp: bool) {
        let c = self.c;
        let lets = &c.program.symbols.lets;
        for (i, s) in segs.iter().enumerate() {
            if self.name(s.span) {
                continue;
            }
            let kind = match (i, s.name.as_str()) {
                (0, "secret" | "config" | "stack" | "environment") if segs.len() > 1 => {
                    Kind::Keyword
                }
                (0, n) if lets.contains_key(n) => {
                    self.add(s.span, Kind::Variable, READONLY);
                    continue;
                }
                (0, _) if segs.len() == 1 && !interp => Kind::EnumMember,
                _ => Kind::Property,
            };
            self.add(s.span, kind, 0);
        }
    }

    /// A string, split around its interpolations (whose names are tokens
    /// of their own).
    fn string(&mut self, parts: &[StrPart], span: Span) {
        self.strings.push(span);
        let mut at = span.start;
        for p in parts {
            let StrPart::Interp(path) = p else { continue };
            let (start, end) = (path.span.start, path.span.end);
            if start < at || end > span.end {
                continue;
            }
            // `…${` before the path and `}` after it stay string.
            self.add(
                Span::new(span.file, at as usize, start as usize),
                Kind::String,
                0,
            );
            self.path(&path.segments, true);
            at = end;
        }
        self.add(
            Span::new(span.file, at as usize, span.end as usize),
            Kind::String,
            0,
        );
    }

    /// `//` and nesting `/* */` comments outside the strings.
    fn comments(&mut self, file: FileId) {
        let text = self.c.program.map.text(file);
        let bytes = text.as_bytes();
        let mut strings = self.strings.clone();
        strings.sort();
        let in_string = |i: usize| {
            strings
                .iter()
                .any(|s| (s.start as usize) <= i && i < s.end as usize)
        };
        let mut i = 0;
        while i + 1 < bytes.len() {
            if bytes[i] != b'/' || in_string(i) {
                i += 1;
                continue;
            }
            match bytes[i + 1] {
                b'/' => {
                    let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
                    let doc = text[i..].starts_with("///") && !text[i..].starts_with("////");
                    let modifiers = if doc { DOCUMENTATION } else { 0 };
                    self.add(Span::new(file, i, end), Kind::Comment, modifiers);
                    i = end;
                }
                b'*' => {
                    let mut depth = 0usize;
                    let mut j = i;
                    while j + 1 < bytes.len() {
                        match (bytes[j], bytes[j + 1]) {
                            (b'/', b'*') => {
                                depth += 1;
                                j += 2;
                            }
                            (b'*', b'/') => {
                                depth -= 1;
                                j += 2;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => j += 1,
                        }
                    }
                    let end = if depth == 0 { j } else { bytes.len() };
                    self.add(Span::new(file, i, end), Kind::Comment, 0);
                    i = end.max(i + 2);
                }
                _ => i += 1,
            }
        }
    }
}
