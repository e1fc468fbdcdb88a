//! The owned syntax tree. Every node has a [`Span`]; `///` doc comments are
//! attached to the item, attribute, block or declaration that follows them.
//!
//! The tree is generic: a block is a keyword, labels, optional templates and
//! a body of attributes and nested blocks. What a block *means* comes from the
//! stdlib schema (`type`, `enum` and `union` declarations), read by `check`.

use crate::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub id: FileId,
    pub items: Vec<Item>,
    pub span: Span,
}

impl File {
    /// Whether an item or entry of the file failed to parse.
    pub fn has_broken(&self) -> bool {
        self.items.iter().any(|i| match i {
            Item::Error(_) => true,
            Item::Block(b) => b.has_broken(),
            _ => false,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import(Import),
    Let(Let),
    Block(Block),
    Type(TypeDecl),
    Enum(EnumDecl),
    Union(UnionDecl),
    /// An item that failed to parse; later stages skip it.
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::Let(l) => l.span,
            Item::Block(b) => b.span,
            Item::Type(t) => t.span,
            Item::Enum(e) => e.span,
            Item::Union(u) => u.span,
            Item::Error(s) => *s,
        }
    }
}

/// A name with its span.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `///` lines, joined with newlines, without the slashes and one leading space.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Docs {
    pub text: String,
    pub span: Option<Span>,
}

impl Docs {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub docs: Docs,
    pub path: StrLit,
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub docs: Docs,
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `kind label* (: template, …)? { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub docs: Docs,
    pub kind: Ident,
    pub labels: Vec<Label>,
    pub templates: Vec<Ident>,
    pub body: Body,
    pub span: Span,
}

impl Block {
    /// Whether an entry of the block, at any depth, failed to parse.
    pub fn has_broken(&self) -> bool {
        self.body.entries.iter().any(|e| match e {
            Entry::Error(_) => true,
            Entry::Block(b) => b.has_broken(),
            Entry::Attr(_) => false,
        })
    }

    /// The first label's text, if any.
    pub fn name(&self) -> Option<&Label> {
        self.labels.first()
    }
}

/// A block label: a bare identifier or a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub value: String,
    pub quoted: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub entries: Vec<Entry>,
    /// From `{` to `}` inclusive.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Attr(Attr),
    /// Boxed: blocks are larger than attributes and rarer.
    Block(Box<Block>),
    /// An entry that failed to parse (its syntax error is reported); the
    /// entries around it are kept.
    Error(BrokenEntry),
}

impl Entry {
    pub fn span(&self) -> Span {
        match self {
            Entry::Attr(a) => a.span,
            Entry::Block(b) => b.span,
            Entry::Error(e) => e.span,
        }
    }
}

/// What survives of an entry that failed to parse: its key when one was
/// read (`replicas` of `replicas = }`), and the text it covers. Later
/// stages treat the keyed field as written with a rejected value, and a
/// keyless one as possibly any field of its block, so a half-typed entry
/// yields its syntax error and nothing else.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenEntry {
    /// Empty when not even a key could be read.
    pub path: KeyPath,
    pub span: Span,
}

/// `key.path = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub docs: Docs,
    pub path: KeyPath,
    pub value: Expr,
    pub span: Span,
}

impl Attr {
    pub fn key_span(&self) -> Span {
        let first = self.path[0].span;
        first.to(self.path[self.path.len() - 1].span)
    }

    pub fn dotted(&self) -> String {
        self.path
            .iter()
            .map(|k| k.name.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// The segments of an attribute's key (`replicas`, `resources.cpu`): held
/// in place when there is one, as for nearly every attribute, so that an
/// attribute costs no allocation for its key path (a 5,000-service stack
/// has some 80,000 of them).
pub type KeyPath = smallvec::SmallVec<[Key; 1]>;

/// One segment of an attribute key: an identifier or a quoted string.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub quoted: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Str(StrLit),
    /// Boxed: a number literal is the largest expression and keeps every
    /// other one small.
    Number(Box<NumberLit>),
    Bool(bool),
    Null,
    List(Vec<Expr>),
    Object(Vec<ObjEntry>),
    Path(Path),
    Range(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjEntry {
    pub path: KeyPath,
    pub value: Expr,
    pub span: Span,
}

/// A string literal: text and `${path}` interpolations.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    pub parts: Vec<StrPart>,
    /// Written with `"""`.
    pub multiline: bool,
    pub span: Span,
}

impl StrLit {
    /// The text when the literal has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                StrPart::Text(t) => s.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Text with escapes resolved (`${{ … }}` GitHub expressions stay text).
    Text(String),
    Interp(Path),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NumberLit {
    pub value: f64,
    /// True when written without a fractional part or exponent.
    pub integer: bool,
    /// The literal as written, its unit suffix included.
    pub text: String,
    /// How many of the last bytes of `text` are its unit ([`Self::unit`]).
    pub unit_len: usize,
    pub span: Span,
}

impl NumberLit {
    /// The unit suffix as written (`s`, `Mi`, `m`, `%`), if any: the end
    /// of the text, not a string of its own (a stack has some ten numbers
    /// per service).
    pub fn unit(&self) -> Option<&str> {
        (self.unit_len > 0).then(|| &self.text[self.digits().len()..])
    }

    /// The text before the unit, as written (`_` separators included).
    pub fn digits(&self) -> &str {
        &self.text[..self.text.len() - self.unit_len]
    }
}

/// `a.b.c`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    pub fn first(&self) -> &str {
        &self.segments[0].name
    }

    pub fn dotted(&self) -> String {
        self.segments
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

// ---------------------------------------------------------------- schema

/// `type Name { field: Type in lo..hi = default }` (stdlib).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDecl {
    pub docs: Docs,
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
    /// `type Name = A | B`: an alias instead of a record.
    pub alias: Option<TypeExpr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub docs: Docs,
    pub name: Ident,
    pub ty: TypeExpr,
    pub range: Option<RangeBound>,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RangeBound {
    pub min: Option<NumberLit>,
    pub max: Option<NumberLit>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub optional: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExprKind {
    Named(Ident, Option<Box<TypeExpr>>),
    List(Box<TypeExpr>),
    /// `{T}` or `{ref kind: T}`.
    Map(Option<Ident>, Box<TypeExpr>),
    Ref(Ident),
    Union(Vec<TypeExpr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub docs: Docs,
    pub name: Ident,
    pub variants: Vec<(Docs, Ident)>,
    pub span: Span,
}

/// `union Step { run = Run, checkout = Checkout }`: a block keyword picks a type.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionDecl {
    pub docs: Docs,
    pub name: Ident,
    pub arms: Vec<(Docs, Ident, Ident)>,
    pub span: Span,
}
