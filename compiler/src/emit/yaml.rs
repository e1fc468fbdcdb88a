//! Deterministic block-style YAML writer shared by every YAML backend.
//!
//! Backends build a [`Yaml`] tree (maps keep insertion order, so the backend
//! decides key order) and this module turns it into text. There is no hash
//! map anywhere: identical trees always produce identical bytes.
//!
//! # Style rules
//!
//! * 2-space indentation, block mappings and block sequences only.
//! * Sequences are indented under their key the kubectl way
//!   (`containers:\n  - name: x\n    image: y`); a mapping or sequence that is
//!   an item of a sequence starts on the `- ` line (`- - a` for nested seqs).
//! * Empty collections are written in flow style: `{}` and `[]`.
//! * Null is `null`, booleans `true`/`false`, integers in decimal.
//! * Floats always read back as the same float: they always carry a `.` and
//!   a signed exponent when there is one (`1.0`, `1.0e+300`), and
//!   non-finite values are `.nan`, `.inf`, `-.inf`.
//!
//! # Strings
//!
//! A string is written plain only when every YAML 1.1 and YAML 1.2 reader
//! reads it back as that same string: printable ASCII only (so any non-ASCII
//! string is quoted), no leading/trailing space, no indicator as first
//! character (`-` is allowed when not followed by a space), no `: `, ` #`
//! or trailing `:`, no document marker (`---`, `...`) prefix, and nothing a
//! resolver could turn into another type: the YAML 1.1 null/bool words in
//! any letter case (`y`, `no`, `On`, `NULL`, `~`, ...), `<<`, `=`, `inf`,
//! `nan`, `infinity`, and anything number-, date- or sexagesimal-looking
//! (after an optional sign: a `0x`/`0o`/`0b` prefix, a `YYYY-` prefix, or
//! only digits and `_ . : e E + -` starting with a digit or `.`).
//! Everything else is quoted:
//!
//! * single-quoted when it is one printable line containing `"` or `\`;
//! * as a literal block scalar (`|`, `|-`, `|+`) when it is multi-line,
//!   printable (no tab or `\r`), has no trailing spaces, has a non-empty
//!   line and its first non-empty line does not start with a space (so no
//!   indentation indicator is ever needed);
//! * double-quoted otherwise, escaping `"`, `\`, control characters, C1
//!   controls, U+2028/U+2029, U+FEFF, U+FFFE/U+FFFF; other non-ASCII text
//!   is kept raw.
//!
//! Keys follow the same rules except that they are never block scalars, and
//! a key longer than YAML's 1024-character implicit-key limit is written as
//! an explicit `? key` / `: value` entry.
//!
//! # Invariants
//!
//! * Keys of one map are unique ([`Yaml::insert`] guarantees it; callers of
//!   [`Yaml::push_entry`] promise it). The writer does not check.
//! * [`Yaml::insert`], [`Yaml::with`] and [`Yaml::push_entry`] extend a
//!   mapping, [`Yaml::push`] a sequence; on any other node they panic. That
//!   is a bug in a backend, never an outcome of a stack: backends extend the
//!   nodes they built (`Yaml::map()`, `Yaml::seq()`), stack values enter as
//!   scalars or whole trees, and code that extends a node it looked up
//!   (`get_mut`) first matches it as a mapping.
//! * Each document ends with a newline; nothing but `---` separates two.
use std::borrow::Cow;
use std::fmt::Write as _;

/// A mapping key: a `&'static str` (the field names backends write) costs
/// no allocation; a key read from the stack is owned.
pub type Key = Cow<'static, str>;

/// Whether two keys are equal. Keys written from the same literal share
/// their address, which answers without comparing the bytes.
#[inline]
pub fn key_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && (std::ptr::eq(a.as_ptr(), b.as_ptr()) || a == b)
}

#[cfg(test)]
mod tests;

/// A YAML document tree. Maps keep insertion order (the backend decides order).
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text: a literal the backend writes is borrowed, text from the
    /// stack owned.
    Str(Key),
    Seq(Vec<Yaml>),
    Map(Vec<(Key, Yaml)>),
    /// A node with a local tag, written `!tag value` (Compose's `!reset null`
    /// and `!override`). The tag is a YAML tag shorthand (`!reset`) and the
    /// value is never itself tagged; the writer checks neither. Boxed
    /// whole, so that a node is no larger than a string or a list.
    Tagged(Box<(String, Yaml)>),
}

// Trees are built and dropped by the million: a node is one word more
// than a string at most.
const _: () = assert!(std::mem::size_of::<Yaml>() <= 32);

impl Yaml {
    /// An empty mapping.
    pub fn map() -> Self {
        Yaml::Map(Vec::new())
    }

    /// An empty mapping with room for `n` entries (a builder that knows
    /// its size grows no list).
    pub fn map_with_capacity(n: usize) -> Self {
        Yaml::Map(Vec::with_capacity(n))
    }

    /// An empty sequence.
    pub fn seq() -> Self {
        Yaml::Seq(Vec::new())
    }

    /// A string scalar.
    pub fn str(s: impl Into<String>) -> Self {
        Yaml::Str(Key::Owned(s.into()))
    }

    /// A string scalar of fixed text, which costs no allocation.
    pub const fn lit(s: &'static str) -> Self {
        Yaml::Str(Cow::Borrowed(s))
    }

    /// A tagged node: `Yaml::tagged("!reset", Yaml::Null)` is `!reset null`.
    pub fn tagged(tag: impl Into<String>, value: Yaml) -> Self {
        Yaml::Tagged(Box::new((tag.into(), value)))
    }

    /// Sets `key` on a mapping: replaces the value of an existing key in
    /// place (keeping its position), else appends. Linear in the map size.
    ///
    /// # Panics
    /// If `self` is not a [`Yaml::Map`].
    pub fn insert(&mut self, key: impl Into<Key>, value: Yaml) {
        let key = key.into();
        let entries = self.entries_mut("insert");
        match entries.iter_mut().find(|(k, _)| key_eq(k, &key)) {
            Some(slot) => slot.1 = value,
            None => entries.push((key, value)),
        }
    }

    /// Appends `key` to a mapping without looking for a duplicate: O(1),
    /// for large maps whose keys the caller knows to be unique.
    ///
    /// # Panics
    /// If `self` is not a [`Yaml::Map`].
    pub fn push_entry(&mut self, key: impl Into<Key>, value: Yaml) {
        self.entries_mut("push_entry").push((key.into(), value));
    }

    /// Appends an item to a sequence.
    ///
    /// # Panics
    /// If `self` is not a [`Yaml::Seq`].
    pub fn push(&mut self, item: Yaml) {
        match self {
            Yaml::Seq(items) => items.push(item),
            other => panic!("Yaml::push on a non-sequence (a backend bug): {other:?}"),
        }
    }

    /// Builder form of [`Yaml::insert`].
    ///
    /// # Panics
    /// If `self` is not a [`Yaml::Map`].
    pub fn with(mut self, key: impl Into<Key>, value: Yaml) -> Self {
        self.insert(key, value);
        self
    }

    /// True for `Null` and for a mapping or sequence without entries.
    /// Scalars (including the empty string) are never empty.
    pub fn is_empty(&self) -> bool {
        match self {
            Yaml::Null => true,
            Yaml::Map(entries) => entries.is_empty(),
            Yaml::Seq(items) => items.is_empty(),
            _ => false,
        }
    }

    /// The value of `key` when `self` is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| key_eq(k, key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Mutable form of [`Yaml::get`].
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Yaml> {
        match self {
            Yaml::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| key_eq(k, key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    fn entries_mut(&mut self, op: &str) -> &mut Vec<(Key, Yaml)> {
        match self {
            Yaml::Map(entries) => {
                // A first entry makes room for two, not the four a `Vec`
                // starts with: most maps backends build entry by entry
                // hold one or two (`matchLabels`, `valueFrom`, an env
                // item), and Kustomize holds every object of the base and
                // of an environment at once (`all` at 10,000 services:
                // peak 580 -> 512 MB).
                if entries.capacity() == 0 {
                    entries.reserve_exact(2);
                }
                entries
            }
            other => panic!("Yaml::{op} on a non-mapping (a backend bug): {other:?}"),
        }
    }
}

/// `From` conversions for the scalar and sequence types backends use.
macro_rules! yaml_from {
    ($($ty:ty => |$v:ident| $body:expr;)*) => {
        $(impl From<$ty> for Yaml {
            fn from($v: $ty) -> Self {
                $body
            }
        })*
    };
}

yaml_from! {
    &str => |s| Yaml::str(s);
    String => |s| Yaml::str(s);
    i64 => |i| Yaml::Int(i);
    u32 => |i| Yaml::Int(i64::from(i));
    f64 => |f| Yaml::Float(f);
    bool => |b| Yaml::Bool(b);
    Vec<Yaml> => |items| Yaml::Seq(items);
}

/// Converts a JSON value. Integers beyond `i64` become floats.
pub fn from_json(v: &serde_json::Value) -> Yaml {
    use serde_json::Value as J;
    match v {
        J::Null => Yaml::Null,
        J::Bool(b) => Yaml::Bool(*b),
        J::Number(n) => number(n.as_i64(), n.as_f64()),
        J::String(s) => Yaml::str(s.clone()),
        J::Array(items) => Yaml::Seq(items.iter().map(from_json).collect()),
        J::Object(m) => Yaml::Map(
            m.iter()
                .map(|(k, v)| (Key::Owned(k.clone()), from_json(v)))
                .collect(),
        ),
    }
}

/// Converts a `serde_yaml` value. Integers beyond `i64` become floats, tags
/// are dropped, non-string keys are replaced by their YAML text.
pub fn from_serde_yaml(v: &serde_yaml::Value) -> Yaml {
    use serde_yaml::Value as V;
    match v {
        V::Null => Yaml::Null,
        V::Bool(b) => Yaml::Bool(*b),
        V::Number(n) => number(n.as_i64(), n.as_f64()),
        V::String(s) => Yaml::str(s.clone()),
        V::Sequence(items) => Yaml::Seq(items.iter().map(from_serde_yaml).collect()),
        V::Mapping(m) => Yaml::Map(
            m.iter()
                .map(|(k, v)| (Key::Owned(key_text(k)), from_serde_yaml(v)))
                .collect(),
        ),
        V::Tagged(t) => from_serde_yaml(&t.value),
    }
}

fn number(int: Option<i64>, float: Option<f64>) -> Yaml {
    int.map_or_else(|| Yaml::Float(float.unwrap_or(f64::NAN)), Yaml::Int)
}

fn key_text(k: &serde_yaml::Value) -> String {
    match k {
        serde_yaml::Value::String(s) => s.clone(),
        other => {
            serde_yaml::to_string(other).map_or_else(|_| String::new(), |s| s.trim_end().to_owned())
        }
    }
}

/// Writes one document (no leading `---`), ending with a newline.
pub fn to_string(doc: &Yaml) -> String {
    let mut out = String::with_capacity(4096);
    write_document(&mut out, doc);
    out
}

/// Appends one document (no leading `---`), ending with a newline.
pub fn write_document(out: &mut String, doc: &Yaml) {
    write_item(out, doc, 0);
}

/// Several documents separated by `---` lines (Kubernetes multi-doc files).
pub fn write_documents(out: &mut String, docs: &[Yaml]) {
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_document(out, doc);
    }
}

/// Appends `key: value` as one entry of a block mapping whose keys are at
/// column `indent`: the text of the one-entry document `{key: value}` with
/// every non-empty line shifted right by `indent` (block scalar lines
/// included, as their indentation follows the entry's).
pub fn write_entry(out: &mut String, key: &str, value: &Yaml, indent: usize) {
    pad(out, indent);
    write_key(out, key, indent);
    out.push(':');
    write_value(out, value, indent + 2);
}

// ---------------------------------------------------------------------------
// Layout

/// Writes `node` where its first line is already started (after `- ` or at
/// the start of a document). `indent` is the column of the node.
fn write_item(out: &mut String, node: &Yaml, indent: usize) {
    match node {
        Yaml::Tagged(t) => {
            let (tag, value) = &**t;
            out.push_str(tag);
            write_value(out, value, indent);
        }
        Yaml::Map(entries) if !entries.is_empty() => write_map(out, entries, indent, true),
        Yaml::Seq(items) if !items.is_empty() => write_seq(out, items, indent, true),
        scalar => write_scalar_line(out, scalar, indent),
    }
}

/// Writes `node` after a `key:`; `indent` is the column of nested content.
fn write_value(out: &mut String, node: &Yaml, indent: usize) {
    match node {
        Yaml::Tagged(t) => {
            let (tag, value) = &**t;
            out.push(' ');
            out.push_str(tag);
            write_value(out, value, indent);
        }
        Yaml::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_map(out, entries, indent, false);
        }
        Yaml::Seq(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, indent, false);
        }
        scalar => {
            out.push(' ');
            write_scalar_line(out, scalar, indent);
        }
    }
}

fn write_map(out: &mut String, entries: &[(Key, Yaml)], indent: usize, inline_first: bool) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        match key {
            Cow::Borrowed(k) => write_static_key(out, k, indent),
            Cow::Owned(k) => write_key(out, k, indent),
        }
        out.push(':');
        write_value(out, value, indent + 2);
    }
}

/// [`write_key`] for a key of fixed text: its style is looked up by
/// address in a small cache (fixed text never changes), not computed for
/// every entry written.
fn write_static_key(out: &mut String, key: &'static str, indent: usize) {
    let style = static_style(&KEY_STYLES, key, false);
    write_key_styled(out, key, style, indent);
}

/// [`style_of`] a fixed text, through `cache`, which only ever sees one
/// value of `allow_block`.
fn static_style(
    cache: &'static std::thread::LocalKey<StyleCache>,
    s: &'static str,
    allow_block: bool,
) -> Style {
    let addr = s.as_ptr() as usize;
    let slot = ((addr >> 3) ^ (addr >> 11)) % STYLE_SLOTS;
    cache.with(|cache| {
        let (a, len, style) = cache[slot].get();
        if a == addr && len == s.len() {
            style
        } else {
            let style = style_of(s, allow_block);
            cache[slot].set((addr, s.len(), style));
            style
        }
    })
}

const STYLE_SLOTS: usize = 256;

/// `(address, length, style)` of fixed texts written lately.
type StyleCache = [std::cell::Cell<(usize, usize, Style)>; STYLE_SLOTS];

thread_local! {
    /// Fixed-text keys.
    static KEY_STYLES: StyleCache =
        const { [const { std::cell::Cell::new((0, 0, Style::Double)) }; STYLE_SLOTS] };
    /// Fixed-text string values.
    static VALUE_STYLES: StyleCache =
        const { [const { std::cell::Cell::new((0, 0, Style::Double)) }; STYLE_SLOTS] };
}

fn write_seq(out: &mut String, items: &[Yaml], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push_str("- ");
        write_item(out, item, indent + 2);
    }
}

/// Writes a key; one too long for an implicit key becomes `? key\n` and the
/// `:` goes on its own line at `indent`.
fn write_key(out: &mut String, key: &str, indent: usize) {
    write_key_styled(out, key, style_of(key, false), indent);
}

fn write_key_styled(out: &mut String, key: &str, style: Style, indent: usize) {
    let start = out.len();
    write_styled(out, key, style, indent);
    if out.len() - start > MAX_IMPLICIT_KEY {
        out.insert_str(start, "? ");
        out.push('\n');
        pad(out, indent);
    }
}

/// Bytes, so at most that many characters: safely below YAML's 1024.
const MAX_IMPLICIT_KEY: usize = 1000;

fn pad(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

// ---------------------------------------------------------------------------
// Scalars

/// Writes a scalar (or empty collection) and the newline ending its line.
fn write_scalar_line(out: &mut String, node: &Yaml, indent: usize) {
    match node {
        Yaml::Null => out.push_str("null"),
        Yaml::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Yaml::Int(i) => write_int(out, *i),
        Yaml::Float(f) => write_float(out, *f),
        Yaml::Str(Cow::Borrowed(s)) => {
            write_styled(out, s, static_style(&VALUE_STYLES, s, true), indent);
        }
        Yaml::Str(s) => write_str(out, s, true, indent),
        Yaml::Seq(_) => out.push_str("[]"),
        Yaml::Map(_) => out.push_str("{}"),
        Yaml::Tagged(..) => return write_item(out, node, indent),
    }
    out.push('\n');
}

fn write_int(out: &mut String, i: i64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut n = i.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&buf[pos..]).unwrap_or_default());
}

/// Shortest round-trip digits, shaped so YAML 1.1 readers see a float too:
/// always a `.` in the mantissa and a sign on the exponent.
fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        return out.push_str(".nan");
    }
    if f.is_infinite() {
        return out.push_str(if f > 0.0 { ".inf" } else { "-.inf" });
    }
    let start = out.len();
    let _ = write!(out, "{f:?}");
    let Some(e) = out[start..].find('e').map(|e| start + e) else {
        return;
    };
    if !out[e + 1..].starts_with('-') {
        out.insert(e + 1, '+');
    }
    if !out[start..e].contains('.') {
        out.insert_str(e, ".0");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// `indent` is the column for the lines of a block scalar (at least 2, so
/// that no content line can be read as a document marker).
fn write_str(out: &mut String, s: &str, allow_block: bool, indent: usize) {
    write_styled(out, s, style_of(s, allow_block), indent);
}

fn write_styled(out: &mut String, s: &str, style: Style, indent: usize) {
    match style {
        Style::Plain => out.push_str(s),
        Style::Single => write_single(out, s),
        Style::Double => write_double(out, s),
        Style::Literal => write_literal(out, s, indent.max(2)),
    }
}

/// What one pass over a string's bytes found.
#[derive(Default)]
struct Scan {
    /// No `: `, trailing `:` or ` #` seen.
    plain_ok: bool,
    newline: bool,
    /// C0 controls other than `\n`, or DEL.
    control: bool,
    non_ascii: bool,
    quote_or_backslash: bool,
}

/// Bytes [`scan`] looks at; every other byte is plain-safe anywhere.
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = matches!(c as u8, b':' | b'#' | b'"' | b'\\' | 0..=0x1f | 0x7f..);
        c += 1;
    }
    table
};

fn scan(b: &[u8]) -> Scan {
    let mut r = Scan {
        plain_ok: true,
        ..Scan::default()
    };
    for (i, &c) in b.iter().enumerate() {
        if !SPECIAL[usize::from(c)] {
            continue;
        }
        match c {
            b':' if matches!(b.get(i + 1), None | Some(b' ')) => r.plain_ok = false,
            b'#' if i > 0 && b[i - 1] == b' ' => r.plain_ok = false,
            b'"' | b'\\' => r.quote_or_backslash = true,
            b'\n' => r.newline = true,
            0..=0x1f | 0x7f => r.control = true,
            0x80.. => r.non_ascii = true,
            _ => {}
        }
    }
    r
}

fn style_of(s: &str, allow_block: bool) -> Style {
    let b = s.as_bytes();
    let r = scan(b);
    let escapes = r.control || (r.non_ascii && s.chars().any(must_escape));
    if r.plain_ok && !r.newline && !r.control && !r.non_ascii && plain_ends(b) && !is_ambiguous(b) {
        Style::Plain
    } else if r.newline && allow_block && !escapes && literal_ok(s) {
        Style::Literal
    } else if !escapes && !r.newline && r.quote_or_backslash {
        Style::Single
    } else {
        Style::Double
    }
}

/// Non-empty, and first/last characters allowed in a plain scalar.
fn plain_ends(b: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    last != b' '
        && match first {
            b'-' => b.len() > 1 && b[1] != b' ' && !b.starts_with(b"---"),
            b'.' => !b.starts_with(b"..."),
            b' ' | b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' => {
                false
            }
            b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => false,
            _ => true,
        }
}

/// Whether some YAML 1.1 or 1.2 resolver would read the plain scalar as a
/// non-string (or a merge/value key). Errs on the side of quoting.
fn is_ambiguous(b: &[u8]) -> bool {
    match b[0] {
        b'0'..=b'9' | b'+' | b'-' | b'.' => looks_numeric(b),
        _ => is_reserved_word(b),
    }
}

fn is_reserved_word(b: &[u8]) -> bool {
    // The words' first bytes, ignoring ASCII case (`| 0x20` lowers
    // letters and keeps `~ < = .`): most keys and values are ruled out
    // here without comparing them to every word.
    if b.len() > 8
        || !matches!(
            b.first().map(|c| c | 0x20),
            Some(b'~' | b'n' | b'y' | b't' | b'f' | b'o' | b'<' | b'=' | b'i' | b'.')
        )
    {
        return false;
    }
    #[rustfmt::skip]
    const WORDS: &[&[u8]] = &[
        b"~", b"null", b"y", b"n", b"yes", b"no", b"true", b"false", b"on", b"off",
        b"<<", b"=", b"inf", b"infinity", b"nan", b".inf", b".nan",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(b))
}

/// Ints in any base, floats, `.inf`/`.nan`, sexagesimals, dates.
fn looks_numeric(b: &[u8]) -> bool {
    let body = match b[0] {
        b'+' | b'-' => &b[1..],
        _ => b,
    };
    let radix_prefix =
        body.len() >= 2 && body[0] == b'0' && matches!(body[1] | 0x20, b'x' | b'o' | b'b');
    if radix_prefix || is_date_prefix(body) || is_reserved_word(body) {
        return true;
    }
    let numeric_char = |c: &u8| c.is_ascii_digit() || b"_.:eE+-".contains(c);
    matches!(body.first(), Some(b'0'..=b'9' | b'.')) && body.iter().all(numeric_char)
}

/// `YYYY-`: the start of every YAML 1.1 timestamp.
fn is_date_prefix(b: &[u8]) -> bool {
    b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Characters that are not printable in YAML, or that YAML 1.1 treats as
/// line breaks or a byte-order mark.
fn must_escape(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// A literal block reproduces `s` exactly and needs no indentation
/// indicator: no trailing spaces, first non-empty line not indented, and at
/// least one non-empty line. (Tabs and other controls were ruled out.)
fn literal_ok(s: &str) -> bool {
    let mut seen_text = false;
    for line in s.split('\n') {
        if line.ends_with(' ') || (!seen_text && line.starts_with(' ')) {
            return false;
        }
        seen_text |= !line.is_empty();
    }
    seen_text
}

fn write_literal(out: &mut String, s: &str, indent: usize) {
    let body = s.strip_suffix('\n').unwrap_or(s);
    out.push_str(match (s.ends_with('\n'), body.ends_with('\n')) {
        (false, _) => "|-",
        (true, false) => "|",
        (true, true) => "|+",
    });
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
}

fn write_single(out: &mut String, s: &str) {
    out.push('\'');
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

fn write_double(out: &mut String, s: &str) {
    out.push('"');
    let mut clean = 0;
    for (i, c) in s.char_indices() {
        if c == '"' || c == '\\' || must_escape(c) {
            out.push_str(&s[clean..i]);
            write_escape(out, c);
            clean = i + c.len_utf8();
        }
    }
    out.push_str(&s[clean..]);
    out.push('"');
}

fn write_escape(out: &mut String, c: char) {
    let short = match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\0' => "\\0",
        '\x07' => "\\a",
        '\x08' => "\\b",
        '\t' => "\\t",
        '\n' => "\\n",
        '\x0b' => "\\v",
        '\x0c' => "\\f",
        '\r' => "\\r",
        '\x1b' => "\\e",
        _ => "",
    };
    if !short.is_empty() {
        out.push_str(short);
    } else if (c as u32) < 0x100 {
        let _ = write!(out, "\\x{:02X}", c as u32);
    } else {
        let _ = write!(out, "\\u{:04X}", c as u32);
    }
}
