//! pest pairs → AST. Only this module (with `parser/`) sees `Pair`.
//!
//! The file is parsed one item at a time (`item_start` anchored at the
//! current offset). When a block item fails, `recover` reads it again
//! entry by entry, so a broken entry costs that entry (see there; also
//! unclosed braces, E0006). Any other failed item is reported and parsing
//! resumes at the next line that starts in column 0 with something that
//! can begin an item.
//! Brackets nested deeper than [`MAX_DEPTH`] make the item an error before
//! pest sees it. Naming: `*_of` build nodes from pairs; `error_*` build
//! diagnostics. `schema` holds the declarations, `expr` the values.
//!
//! `expect("grammar: …")` takes a child pair that `grammar.pest` says is
//! there: pest only builds trees that match the grammar, so no input reaches
//! these panics (the no-panic property tests feed the parser arbitrary text).

mod expr;
mod fast;
mod recover;
mod schema;

use super::ast::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use expr::{expr_of, str_of};
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser as _;
use schema::{enum_decl_of, type_decl_of, union_decl_of};

#[derive(pest_derive::Parser)]
#[grammar = "syntax/grammar.pest"]
struct Grammar;

type P<'i> = Pair<'i, Rule>;

struct Ctx<'t> {
    file: FileId,
    base: usize,
    text: &'t str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }
}

/// Brackets nested deeper than this make the item an error before pest
/// sees it: pest, and every stage after it, recurses once per level, and a
/// fixed limit keeps the outcome independent of the thread's stack size.
const MAX_DEPTH: usize = 64;

/// Parses a whole file; never fails. Broken items become [`Item::Error`].
///
/// A large file is read in pieces on a thread per CPU ([`parse_split`]);
/// the result is the one-piece parse's.
pub fn parse(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let cuts = split_points(text, crate::par::threads());
    parse_split(file, text, &cuts)
}

/// Smallest file worth reading in pieces: about 6 ms of parsing. A second
/// reader's allocator heap costs a few MB of memory touched, which a
/// smaller file does not win back (at 670 KB, peak memory rose by 8 MB).
const SPLIT_MIN: usize = 1 << 20;

/// Where to cut `text` for `n` readers: after a line that is a lone `}`
/// (the end of a top-level block, as `stackc fmt` writes it) and the blank
/// lines that follow, near each `k/n` of the text. A cut is a guess:
/// [`parse_split`] uses a piece only when the reading before it ends
/// exactly at the cut.
fn split_points(text: &str, n: usize) -> Vec<usize> {
    if n < 2 || text.len() < SPLIT_MIN {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut cuts: Vec<usize> = Vec::with_capacity(n - 1);
    for k in 1..n {
        let mut from = (text.len() / n * k).max(cuts.last().map_or(0, |&c| c + 1));
        while let Some(close) = b
            .get(from..)
            .and_then(|r| r.windows(3).position(|w| w == b"\n}\n"))
        {
            let mut at = from + close + 3;
            while at < b.len() && matches!(b[at], b'\n' | b'\r') {
                at += 1;
            }
            if at < b.len() && (b[at].is_ascii_alphabetic() || b[at] == b'_' || b[at] == b'/') {
                cuts.push(at);
                break;
            }
            from = at;
        }
    }
    cuts
}

/// [`parse`] with the file cut at `cuts` (increasing offsets): each piece,
/// from its cut up to the first item starting at or after the next cut, is
/// read on a thread of its own. An item is read the same wherever reading
/// starts, so a piece whose cut is where the reading before it stopped
/// goes in as it is; one whose cut fell inside an item (the piece before
/// read past it) is read again from where that stopped, on this thread.
/// The tree and the diagnostics are therefore those of one reading from the
/// start, for any cuts (the tests cut at every line).
fn parse_split(file: FileId, text: &str, cuts: &[usize]) -> (File, Vec<Diagnostic>) {
    let bounds: Vec<(usize, usize)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain(std::iter::once(text.len())))
        .collect();
    let pieces = crate::par::map_each(&bounds, |&(from, to)| {
        parse_range(file, text, from, to, true)
    });
    let mut items = Vec::new();
    let mut diags = Vec::new();
    let mut pos = 0;
    for (&(from, to), piece) in bounds.iter().zip(pieces) {
        let (piece_items, piece_diags, end) = if pos == from {
            piece
        } else if pos < to {
            parse_range(file, text, pos, to, true)
        } else {
            continue;
        };
        items.extend(piece_items);
        diags.extend(piece_diags);
        pos = end;
    }
    (whole_file(file, text, items), diags)
}

/// The file node of `text` holding `items`.
fn whole_file(file: FileId, text: &str, items: Vec<Item>) -> File {
    File {
        id: file,
        items,
        span: Span::new(file, 0, text.len()),
    }
}

/// [`parse`] in one piece; with `fast`, an item is first read by
/// [`fast::item`] and given to pest only when that declines it (the result
/// is the same; the tests compare both ways).
#[cfg(test)]
fn parse_with(file: FileId, text: &str, fast: bool) -> (File, Vec<Diagnostic>) {
    let (items, diags, _) = parse_range(file, text, 0, text.len(), fast);
    (whole_file(file, text, items), diags)
}

/// The items from offset `from` up to the first one that starts at or
/// after `to`, their diagnostics, and where that item starts (the end of
/// the text when none does).
fn parse_range(
    file: FileId,
    text: &str,
    from: usize,
    to: usize,
    fast: bool,
) -> (Vec<Item>, Vec<Diagnostic>, usize) {
    let mut ctx = Ctx {
        file,
        base: 0,
        text,
        diags: Vec::new(),
    };
    let mut items = Vec::new();
    let mut pos = from;
    // The `{` no `}` closes, counted once when an item first fails.
    let mut unclosed: Option<Vec<usize>> = None;
    while pos < text.len() {
        pos = skip_trivia(text, pos);
        if pos >= text.len() || pos >= to {
            break;
        }
        ctx.base = pos;
        let deep = super::trivia::too_deep(&text[pos..], MAX_DEPTH).map(|d| pos + d);
        if fast && deep.is_none() {
            if let Some((item, end)) = fast::item(file, text, pos) {
                items.push(item);
                pos = end.max(pos + 1);
                continue;
            }
        }
        let input = deep.map_or(&text[pos..], |d| &text[pos..d]);
        match Grammar::parse(Rule::item_start, input) {
            Ok(mut pairs) => {
                let start = pairs.next().expect("grammar: one item_start");
                let consumed = start.as_span().end();
                let item = start
                    .into_inner()
                    .next()
                    .expect("grammar: item_start has an item");
                items.push(item_of(&mut ctx, item));
                pos += consumed.max(1);
            }
            Err(e) if deep.is_none() => {
                let at = pos + error_offset(&e);
                let unclosed = unclosed.get_or_insert_with(|| super::trivia::unclosed_braces(text));
                if let Some((item, end)) = recover::block_item(&mut ctx, pos, at, unclosed) {
                    items.push(item);
                    pos = end.max(pos + 1);
                    continue;
                }
                ctx.base = pos;
                let (diag, err_at) = error_syntax(&ctx, pos, e);
                pos = skip_item(&mut ctx, &mut items, pos, diag, err_at);
            }
            Err(e) => {
                let (diag, err_at) = match deep {
                    Some(d) => (error_too_deep(&ctx, d), d),
                    None => error_syntax(&ctx, pos, e),
                };
                pos = skip_item(&mut ctx, &mut items, pos, diag, err_at);
            }
        }
    }
    let end = pos.min(text.len());
    (items, ctx.diags, end)
}

/// Skips whitespace and non-doc comments (doc comments start the next item).
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let b = text.as_bytes();
    loop {
        let rest = &text[pos..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n', '\u{FEFF}']);
        pos += rest.len() - trimmed.len();
        let doc = trimmed.starts_with("///") && !trimmed.starts_with("////");
        if trimmed.starts_with("//") && !doc {
            pos += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            match super::trivia::block_comment_end(b, pos) {
                Some(end) => pos = end,
                None => return pos,
            }
        } else {
            return pos;
        }
    }
}

/// Reports `diag` for the item at `pos` and keeps it as an error node up
/// to where parsing resumes (the next line that starts an item); returns
/// that position.
fn skip_item(
    ctx: &mut Ctx,
    items: &mut Vec<Item>,
    pos: usize,
    diag: Diagnostic,
    err_at: usize,
) -> usize {
    ctx.diags.push(diag);
    let resume = resume_point(ctx.text, err_at.max(pos + 1));
    items.push(Item::Error(Span::new(
        ctx.file,
        skip_ws(ctx.text, pos),
        resume.max(pos + 1).min(ctx.text.len()),
    )));
    resume
}

fn skip_ws(text: &str, pos: usize) -> usize {
    pos + text[pos..].len() - text[pos..].trim_start().len()
}

/// The next line after `at` that starts in column 0 with an item start.
/// Works on bytes: `at` need not be a character boundary.
fn resume_point(text: &str, at: usize) -> usize {
    let b = text.as_bytes();
    let next_line = |from: usize| {
        b.get(from..)
            .and_then(|r| r.iter().position(|&c| c == b'\n'))
            .map_or(b.len(), |n| from + n + 1)
    };
    let mut i = next_line(at);
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphabetic() || c == b'_' || b[i..].starts_with(b"///") {
            return i;
        }
        i = next_line(i);
    }
    b.len()
}

// ---------------------------------------------------------------- errors

/// Where in its input a parse failed.
fn error_offset(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
}

fn error_syntax(ctx: &Ctx, base: usize, e: pest::error::Error<Rule>) -> (Diagnostic, usize) {
    let at = base + error_offset(&e);
    if let Some(d) = unterminated_at(ctx, base, at) {
        return (d, ctx.text.len());
    }
    error_expected(ctx, base, e)
}

/// E0001: what the grammar expected where the input at `base` failed.
fn error_expected(ctx: &Ctx, base: usize, e: pest::error::Error<Rule>) -> (Diagnostic, usize) {
    // pest may fail on the blanks before the token it could not take.
    let at = skip_ws(ctx.text, base + error_offset(&e));
    let found = found_token(ctx.text, at);
    let mut span = Span::new(ctx.file, at, (at + found.len()).min(ctx.text.len()));
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    // `replicas =` with the value not yet typed: what follows is on a
    // later line, so the `=` is what the error is about.
    let before = ctx.text[..at].trim_end();
    let mut label = format!("expected {expected}");
    if before.ends_with('=') && ctx.text[before.len()..at].contains('\n') {
        span = Span::new(ctx.file, before.len() - 1, before.len());
        label = format!("expected {expected} after this `=`");
    }
    let found_text = if found.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{found}`")
    };
    let mut d = Diagnostic::new(
        Code::E0001,
        span,
        format!("expected {expected}, found {found_text}"),
    )
    .label(label);
    if let Some(h) = syntax_help(ctx.text, at, &found) {
        d = d.help(h);
        // `name: value` (YAML): the colon becomes ` =`.
        let before = ctx.text[..at].trim_end();
        if found == ":" && ctx.text[..at].ends_with(|c: char| c.is_alphanumeric()) {
            d = d.fix(span, " =");
        } else if before.ends_with(':') {
            let colon = before.len() - 1;
            d = d.fix(Span::new(ctx.file, colon, colon + 1), " =");
        }
    } else if expected.contains("a value") {
        d = d.help("write the value after `=`: a string (`\"…\"`), a number, `true`, `false`, a list (`[…]`) or a name");
    } else if found == "=" && expected.contains("an attribute") {
        d = d.help("write the field's name before `=`: `name = value`");
    } else if found == "}" || found == "]" {
        d = d.help(format!(
            "finish what comes before `{found}`: an attribute is `name = value`, a block `name {{ … }}`"
        ));
    } else if found.len() == 1 && !found.starts_with(|c: char| c.is_alphanumeric()) {
        d = d.help(format!(
            "remove `{found}`: a block holds `name = value` attributes and `name {{ … }}` blocks"
        ));
    }
    (d, at)
}

fn error_too_deep(ctx: &Ctx, at: usize) -> Diagnostic {
    Diagnostic::new(
        Code::E0001,
        Span::new(ctx.file, at, at + 1),
        format!("brackets nest more than {MAX_DEPTH} levels deep"),
    )
    .label("too deep")
    .help("split the value into named blocks or `let` constants")
}

/// E0002 when the failure comes from a string or block comment that never ends.
fn unterminated_at(ctx: &Ctx, base: usize, at: usize) -> Option<Diagnostic> {
    let (kind, start) = super::trivia::unterminated(&ctx.text[base..])?;
    let start = base + start;
    if start > at {
        return None;
    }
    Some(unterminated_diag(ctx, kind, start))
}

/// E0002 for the string or comment of `kind` opened at `start`.
fn unterminated_diag(ctx: &Ctx, kind: &str, start: usize) -> Diagnostic {
    let what = if kind == "comment" {
        "block comment"
    } else {
        "string"
    };
    let (open, close) = match kind {
        "comment" => ("/*", "*/"),
        "multiline" => ("\"\"\"", "\"\"\""),
        _ => ("\"", "\""),
    };
    let span = Span::new(ctx.file, start, (start + open.len()).min(ctx.text.len()));
    Diagnostic::new(Code::E0002, span, format!("unterminated {what}"))
        .label(format!("this {what} is never closed"))
        .help(format!("close it with `{close}`"))
}

fn found_token(text: &str, at: usize) -> String {
    let rest = &text[at.min(text.len())..];
    let first = match rest.chars().next() {
        Some(c) => c,
        None => return String::new(),
    };
    if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    } else {
        first.to_string()
    }
}

fn syntax_help(text: &str, at: usize, found: &str) -> Option<String> {
    let before = text[..at].trim_end();
    let after_colon = before
        .strip_suffix(':')
        .is_some_and(|b| b.ends_with(|c: char| c.is_alphanumeric()));
    if (found == ":" && before.ends_with(|c: char| c.is_alphanumeric())) || after_colon {
        return Some("attributes are written `name = value`, not `name: value`".into());
    }
    if found == "=" && before.ends_with('=') {
        return Some("use a single `=` to set a value".into());
    }
    if found == "'" {
        return Some("strings use double quotes: \"…\"".into());
    }
    None
}

fn describe_expected(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = rules.iter().filter_map(|r| rule_name(*r)).collect();
    names.sort_unstable();
    names.dedup();
    match names.len() {
        0 => "something else".into(),
        1 => names[0].into(),
        n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::ident | Rule::key | Rule::key_path | Rule::label | Rule::path_seg => "a name",
        Rule::expr => "a value",
        Rule::string | Rule::mstring => "a string",
        Rule::number => "a number",
        Rule::block | Rule::item => "an item (e.g. `service name { … }`)",
        Rule::entry => "an attribute (`name = value`)",
        Rule::assign | Rule::block_tail => "`=` or `{`",
        Rule::range_op => "`..`",
        Rule::templates => "`:`",
        Rule::type_expr | Rule::type_atom => "a type",
        Rule::doc => "a doc comment",
        _ => return None,
    })
}

// ---------------------------------------------------------------- items

fn item_of(ctx: &mut Ctx, p: P) -> Item {
    let inner = p
        .into_inner()
        .next()
        .expect("grammar: item has one alternative");
    match inner.as_rule() {
        Rule::import => Item::Import(import_of(ctx, inner)),
        Rule::let_item => Item::Let(let_of(ctx, inner)),
        Rule::type_decl => Item::Type(type_decl_of(ctx, inner)),
        Rule::enum_decl => Item::Enum(enum_decl_of(ctx, inner)),
        Rule::union_decl => Item::Union(union_decl_of(ctx, inner)),
        _ => Item::Block(block_of(ctx, inner)),
    }
}

/// Splits leading `doc` pairs from the rest.
fn docs_and_rest<'i>(ctx: &Ctx, p: P<'i>) -> (Docs, Vec<P<'i>>) {
    let mut docs = Docs::default();
    let mut lines = Vec::new();
    let mut rest = Vec::new();
    for c in p.into_inner() {
        if c.as_rule() == Rule::doc && rest.is_empty() {
            let span = ctx.span(&c);
            docs.span = Some(docs.span.map_or(span, |s| s.to(span)));
            let t = c.into_inner().next().map(|t| t.as_str()).unwrap_or("");
            lines.push(t.strip_prefix(' ').unwrap_or(t).trim_end().to_string());
        } else {
            rest.push(c);
        }
    }
    docs.text = lines.join("\n");
    (docs, rest)
}

fn ident_of(ctx: &Ctx, p: &P) -> Ident {
    Ident {
        name: p.as_str().to_string(),
        span: ctx.span(p),
    }
}

fn import_of(ctx: &mut Ctx, p: P) -> Import {
    let span = ctx.span(&p);
    let (docs, rest) = docs_and_rest(ctx, p);
    let path = str_of(ctx, rest[1].clone());
    let alias = rest.get(3).map(|a| ident_of(ctx, a));
    Import {
        docs,
        path,
        alias,
        span,
    }
}

fn let_of(ctx: &mut Ctx, p: P) -> Let {
    let span = ctx.span(&p);
    let (docs, rest) = docs_and_rest(ctx, p);
    let name = ident_of(ctx, &rest[1]);
    let value = expr_of(ctx, rest[2].clone());
    Let {
        docs,
        name,
        value,
        span,
    }
}

fn block_of(ctx: &mut Ctx, p: P) -> Block {
    let span = ctx.span(&p);
    let (docs, rest) = docs_and_rest(ctx, p);
    let mut it = rest.into_iter();
    let kind = ident_of(ctx, &it.next().expect("grammar: block has a kind"));
    let mut labels = Vec::new();
    let mut templates = Vec::new();
    let mut body = None;
    for c in it {
        match c.as_rule() {
            Rule::label => labels.push(label_of(ctx, c)),
            Rule::templates => templates = c.into_inner().map(|t| ident_of(ctx, &t)).collect(),
            Rule::body => body = Some(body_of(ctx, c)),
            _ => {}
        }
    }
    let body = body.unwrap_or(Body {
        entries: Vec::new(),
        span,
    });
    Block {
        docs,
        kind,
        labels,
        templates,
        body,
        span,
    }
}

fn label_of(ctx: &mut Ctx, p: P) -> Label {
    let span = ctx.span(&p);
    let inner = p
        .into_inner()
        .next()
        .expect("grammar: label is a string or ident");
    if inner.as_rule() == Rule::string {
        let s = str_of(ctx, inner);
        Label {
            value: s.as_plain().unwrap_or_default(),
            quoted: true,
            span,
        }
    } else {
        Label {
            value: inner.as_str().to_string(),
            quoted: false,
            span,
        }
    }
}

fn body_of(ctx: &mut Ctx, p: P) -> Body {
    let span = ctx.span(&p);
    let entries = p.into_inner().map(|e| entry_of(ctx, e)).collect();
    Body { entries, span }
}

/// `doc* key_path (= expr | label* templates? body)`.
fn entry_of(ctx: &mut Ctx, p: P) -> Entry {
    let span = ctx.span(&p);
    let (docs, mut rest) = docs_and_rest(ctx, p);
    let tail = rest.pop().expect("grammar: entry has a tail");
    let path = key_path_of(ctx, rest.pop().expect("grammar: entry has a key"));
    if tail.as_rule() == Rule::assign {
        let value = expr_of(
            ctx,
            tail.into_inner()
                .next()
                .expect("grammar: assign has an expr"),
        );
        return Entry::Attr(Attr {
            docs,
            path,
            value,
            span,
        });
    }
    let kind = block_kind(ctx, &path);
    let mut block = Block {
        docs,
        kind,
        labels: Vec::new(),
        templates: Vec::new(),
        body: Body {
            entries: Vec::new(),
            span,
        },
        span,
    };
    for c in tail.into_inner() {
        match c.as_rule() {
            Rule::label => block.labels.push(label_of(ctx, c)),
            Rule::templates => {
                block.templates = c.into_inner().map(|t| ident_of(ctx, &t)).collect()
            }
            _ => block.body = body_of(ctx, c),
        }
    }
    Entry::Block(Box::new(block))
}

/// The keyword of a nested block: a single unquoted name.
fn block_kind(ctx: &mut Ctx, path: &[Key]) -> Ident {
    let first = &path[0];
    if path.len() > 1 || first.quoted {
        let span = first.span.to(path[path.len() - 1].span);
        ctx.diags.push(
            Diagnostic::new(Code::E0001, span, "a block starts with a plain name")
                .label("expected a name such as `port` or `health`")
                .help("write `name label { … }`; dotted or quoted keys are for attributes (`a.b = value`)"),
        );
    }
    Ident {
        name: first.name.clone(),
        span: first.span,
    }
}

fn key_path_of(ctx: &mut Ctx, p: P) -> KeyPath {
    p.into_inner().map(|k| key_of(ctx, k)).collect()
}

fn key_of(ctx: &mut Ctx, p: P) -> Key {
    let span = ctx.span(&p);
    let inner = p
        .into_inner()
        .next()
        .expect("grammar: key is a string or ident");
    if inner.as_rule() == Rule::string {
        let s = str_of(ctx, inner);
        Key {
            name: s.as_plain().unwrap_or_default(),
            quoted: true,
            span,
        }
    } else {
        Key {
            name: inner.as_str().to_string(),
            quoted: false,
            span,
        }
    }
}
