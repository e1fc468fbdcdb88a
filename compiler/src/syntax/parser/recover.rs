//! Recovery inside a block whose item failed to parse.
//!
//! The fast path parses a whole item at once; only when that fails does
//! this module read the item again, entry by entry: the block's head up to
//! its `{`, then each entry anchored at its own offset. An entry that
//! parses is kept; a nested block that does not is entered and recovered
//! the same way; anything else becomes an [`Entry::Error`] (with its key
//! when one could be read) and reading resumes after it (at the next `,`,
//! `;` or line at the entry's depth, or before the `}` that closes the
//! block). So one broken entry costs that entry, not its item.
//!
//! An unclosed `{` is found by counting: braces left open from the item to
//! the end of the file (outside strings and comments) are the blocks that
//! may end unclosed. Such a block ends, as rustc guesses, before the first
//! line that starts an entry (or a `}`) indented no deeper than the line
//! that opened it (E0006 at the `{`, a label at that line); the items after
//! it are read as items. A list whose `]` is missing is cut the same way
//! (E0006 at the `[`). A string left open (E0002) ends at its line.
//!
//! Work stays linear per nesting level: each entry is parsed once where it
//! starts, a failed block is re-entered once, and nesting is bounded by
//! `MAX_DEPTH` before this module runs.

use super::*;

/// State for one recovered item.
pub(super) struct Recovery {
    /// Braces still unclosed from here to the end of the file: how many
    /// blocks may yet be reported unclosed.
    budget: usize,
    /// The first unterminated string or comment from here on (heuristic:
    /// a newline ends a plain string): kind and offset.
    open_quote: Option<(&'static str, usize)>,
    /// Where the whole item failed: a string opened before it that the
    /// heuristic finds unterminated is what swallowed the text.
    item_fail: usize,
    /// A comment or `"""` string ran to the end of the file (reported):
    /// the blocks it swallowed are not reported unclosed as well.
    swallowed: bool,
}

/// Recovers the failed item at `pos` when it is a block (`kind label* {`),
/// returning it and where parsing resumes; `None` for anything else (its
/// head does not parse, or it is a declaration), which stays an
/// `Item::Error`.
pub(super) fn block_item(
    ctx: &mut Ctx,
    pos: usize,
    item_fail: usize,
    unclosed: &[usize],
) -> Option<(Item, usize)> {
    let text = ctx.text;
    let head = Grammar::parse(Rule::block_open, &text[pos..]).ok()?;
    let head = head.into_iter().next()?;
    let brace = pos + head.as_span().end() - 1;
    ctx.base = pos;
    let (docs, rest) = docs_and_rest(ctx, head);
    let mut it = rest.into_iter();
    let kind = ident_of(ctx, &it.next()?);
    if matches!(
        kind.name.as_str(),
        "import" | "let" | "type" | "enum" | "union"
    ) {
        return None;
    }
    let (labels, templates) = labels_templates(ctx, it);
    let mut rc = Recovery {
        budget: unclosed.len() - unclosed.partition_point(|&u| u < pos),
        open_quote: super::super::trivia::unterminated(&text[pos..]).map(|(k, s)| (k, pos + s)),
        item_fail,
        swallowed: false,
    };
    let what = head_text(text, pos, brace);
    let (entries, end) = body(ctx, &mut rc, brace, indent_of(text, pos), &what);
    let span = Span::new(ctx.file, pos, end);
    let block = Block {
        docs,
        kind,
        labels,
        templates,
        body: Body {
            entries,
            span: Span::new(ctx.file, brace, end),
        },
        span,
    };
    Some((Item::Block(block), end))
}

fn labels_templates<'i>(
    ctx: &mut Ctx,
    rest: impl Iterator<Item = P<'i>>,
) -> (Vec<Label>, Vec<Ident>) {
    let mut labels = Vec::new();
    let mut templates = Vec::new();
    for c in rest {
        match c.as_rule() {
            Rule::label => labels.push(label_of(ctx, c)),
            Rule::templates => templates = c.into_inner().map(|t| ident_of(ctx, &t)).collect(),
            _ => {}
        }
    }
    (labels, templates)
}

/// `service api` of `service api {`, for messages (shortened when long).
fn head_text(text: &str, start: usize, brace: usize) -> String {
    // Doc comments come first; the head is the last line with text
    // before `{`.
    let head = text[start..brace]
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with("//"))
        .unwrap_or("");
    let mut out: String = head.chars().take(40).collect();
    if out.len() < head.len() {
        out.push('…');
    }
    out
}

/// The entries of the body whose `{` is at `open` (on a line indented
/// `indent`), and the offset after its `}` (or where it stops unclosed).
fn body(
    ctx: &mut Ctx,
    rc: &mut Recovery,
    open: usize,
    indent: usize,
    what: &str,
) -> (Vec<Entry>, usize) {
    let text = ctx.text;
    let b = text.as_bytes();
    let mut entries = Vec::new();
    let mut i = open + 1;
    loop {
        i = skip_separators(text, i);
        if i >= b.len() {
            if !rc.swallowed {
                rc.budget = rc.budget.saturating_sub(1);
                ctx.diags.push(unclosed(ctx, open, what, None));
            }
            return (entries, b.len());
        }
        let dedented = rc.budget > 0 && starts_line(text, i) && indent_of(text, i) <= indent;
        if b[i] == b'}' {
            if dedented && indent_of(text, i) < indent {
                // A `}` left of the block's own line closes an outer block.
                rc.budget -= 1;
                ctx.diags.push(unclosed(ctx, open, what, Some(i)));
                return (entries, i);
            }
            return (entries, i + 1);
        }
        if dedented && starts_entry(b[i]) {
            rc.budget -= 1;
            ctx.diags.push(unclosed(ctx, open, what, Some(i)));
            return (entries, i);
        }
        let next = entry(ctx, rc, i, &mut entries);
        // `next` is before `i` only when `value_on_next_line` reads a
        // line again, once.
        i = if next != i { next } else { next_char(text, i) };
    }
}

/// Reads the entry at `i` into `entries`; returns where the next one starts.
fn entry(ctx: &mut Ctx, rc: &mut Recovery, i: usize, entries: &mut Vec<Entry>) -> usize {
    let text = ctx.text;
    let input = &text[i..extent(text, i)];
    let (fail_at, error) = match Grammar::parse(Rule::entry_start, input) {
        Ok(mut pairs) => {
            let start = pairs.next().expect("grammar: one entry_start");
            let end = i + start.as_span().end();
            let quoted = rc
                .open_quote
                .is_some_and(|(_, s)| s >= i && s < end && s <= rc.item_fail);
            // A block whose `}` sits left of its first line most likely
            // took the `}` of the block around it.
            let crossed = rc.budget > 0
                && text.as_bytes()[end - 1] == b'}'
                && starts_line(text, end - 1)
                && indent_of(text, end - 1) < indent_of(text, i);
            if !quoted {
                if crossed {
                    if let Some(end) = try_block(ctx, rc, i, entries, None) {
                        return end;
                    }
                }
                ctx.base = i;
                let e = start
                    .into_inner()
                    .next()
                    .expect("grammar: entry_start has an entry");
                entries.push(entry_of(ctx, e));
                return end;
            }
            (end, None)
        }
        Err(e) => {
            let at = i + match e.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((s, _)) => s,
            };
            (at, Some(e))
        }
    };
    let quote = rc.open_quote.filter(|&(_, s)| s >= i && s <= fail_at);
    // A block is entered unless the open quote is in its head.
    if let Some(end) = try_block(ctx, rc, i, entries, quote.map(|q| q.1)) {
        return end;
    }
    if quote.is_none() {
        if let Some(resume) = value_on_next_line(ctx, i, fail_at, entries) {
            return resume;
        }
    }
    let mut path = key_at(ctx, i);
    let (diag, resume) = match (quote, error) {
        (None, Some(_)) if key_alone(text, &path, fail_at) => {
            // `rep` being typed: the grammar reads the next line's key as
            // its label and fails there; the key's own line is the entry.
            let last = &path[path.len() - 1];
            let dotted = path
                .iter()
                .map(|k| k.name.as_str())
                .collect::<Vec<_>>()
                .join(".");
            let span = path[0].span.to(last.span);
            let d = Diagnostic::new(
                Code::E0001,
                span,
                format!("expected `=` or `{{` after `{dotted}`"),
            )
            .label("nothing follows on this line")
            .help(format!(
                "write `{dotted} = value` for an attribute or `{dotted} {{ … }}` for a block"
            ));
            (d, line_after(text, last.span.end as usize))
        }
        (Some((kind, s)), _) => {
            let d = super::unterminated_diag(ctx, kind, s);
            let resume = if kind == "string" {
                line_after(text, s)
            } else {
                rc.swallowed = true;
                text.len()
            };
            rc.open_quote =
                super::super::trivia::unterminated(&text[resume..]).map(|(k, s)| (k, resume + s));
            (d, resume)
        }
        (None, Some(_)) if glued(text, i, entries) => {
            let span = Span::new(ctx.file, i, i + 1);
            let d = Diagnostic::new(Code::E0001, span, "expected a name after `.`")
                .label("the path ends here")
                .help("finish the path (`secret.NAME`, `config.NAME.KEY`) or remove the `.`");
            (d, resume_after(text, i, i + 1))
        }
        (None, Some(_)) if unclosed_list(text, i, fail_at).is_some() => {
            let (open, at) = unclosed_list(text, i, fail_at).expect("checked");
            let tok = found_token(text, at);
            let d = Diagnostic::new(
                Code::E0006,
                Span::new(ctx.file, open, open + 1),
                "unclosed `[`",
            )
            .label("this `[` is never closed")
            .secondary(
                Span::new(ctx.file, at, (at + tok.len().max(1)).min(text.len())),
                "the list most likely ends before this line (by its indentation)",
            )
            .help("add `]` after the list's last element");
            let line = text[..at].rfind('\n').map_or(0, |n| n + 1);
            (d, line)
        }
        (None, Some(e)) => {
            let (d, at) = error_expected(ctx, i, e);
            let resume = if at == i && path.is_empty() {
                after_stray(text, i)
            } else {
                // Not past the line the grammar was stopped at.
                resume_after(text, i, at).min(extent(text, i))
            };
            (d, resume)
        }
        (None, None) => unreachable!("an entry that parsed is kept or blamed on a quote"),
    };
    ctx.diags.push(diag);
    // Text glued to the entry before (`secret.` read as `secret`, then
    // `.`) belongs to it: the two are one broken entry.
    let mut start = i;
    if let Some(Entry::Attr(prev)) = entries.last() {
        if prev.value.span.end as usize == i {
            start = prev.span.start as usize;
            if let Some(Entry::Attr(prev)) = entries.pop() {
                path = prev.path;
            }
        }
    }
    let end = trim_end(text, start, resume);
    entries.push(Entry::Error(BrokenEntry {
        path,
        span: Span::new(ctx.file, start, end),
    }));
    resume
}

/// Whether the entry is a key alone on its line (`rep`), the grammar
/// failing on a later line.
fn key_alone(text: &str, path: &[Key], fail_at: usize) -> bool {
    let Some(last) = path.last() else {
        return false;
    };
    let end = last.span.end as usize;
    let line_end = text[end..].find('\n').map_or(text.len(), |n| end + n);
    fail_at > line_end && text[end..line_end].trim().is_empty()
}

/// A `[` of the entry at `i` still open where the grammar failed (at
/// `fail_at`, after blanks), when that token starts a later line indented
/// no deeper than the `[`'s: the list's `]` is missing. Returns the `[`
/// and the token's offset.
fn unclosed_list(text: &str, i: usize, fail_at: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let at = skip_ws(text, fail_at.min(text.len()));
    if at >= b.len() || !starts_line(text, at) {
        return None;
    }
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut j = i;
    while j < fail_at.min(b.len()) {
        if let Some(end) = super::super::trivia::opaque_end(b, j) {
            j = end.max(j + 1);
            continue;
        }
        match b[j] {
            b'{' | b'[' => open.push((b[j], j)),
            b'}' | b']' => {
                open.pop();
            }
            _ => {}
        }
        j += 1;
    }
    let &(kind, o) = open.last()?;
    let later = text[o..at].contains('\n');
    (kind == b'[' && later && indent_of(text, at) <= indent_of(text, o)).then_some((o, at))
}

/// A `.` right after the value before it (`secret.` read as `secret`).
fn glued(text: &str, i: usize, entries: &[Entry]) -> bool {
    text.as_bytes()[i] == b'.'
        && matches!(entries.last(), Some(Entry::Attr(a)) if a.value.span.end as usize == i)
}

/// A nested block at `i` read entry by entry (its head parses up to `{`,
/// which must come before `quote`, an open string, if any).
fn try_block(
    ctx: &mut Ctx,
    rc: &mut Recovery,
    i: usize,
    entries: &mut Vec<Entry>,
    quote: Option<usize>,
) -> Option<usize> {
    let text = ctx.text;
    let head = Grammar::parse(Rule::entry_open, &text[i..extent(text, i)]).ok()?;
    let head = head.into_iter().next()?;
    let brace = i + head.as_span().end() - 1;
    if quote.is_some_and(|q| q < brace) {
        return None;
    }
    ctx.base = i;
    let (docs, rest) = docs_and_rest(ctx, head);
    let mut it = rest.into_iter();
    let path = key_path_of(ctx, it.next()?);
    let kind = block_kind(ctx, &path);
    let (labels, templates) = labels_templates(ctx, it);
    let what = head_text(text, i, brace);
    let (body_entries, end) = body(ctx, rc, brace, indent_of(text, i), &what);
    entries.push(Entry::Block(Box::new(Block {
        docs,
        kind,
        labels,
        templates,
        body: Body {
            entries: body_entries,
            span: Span::new(ctx.file, brace, end),
        },
        span: Span::new(ctx.file, i, end),
    })));
    Some(end)
}

/// `replicas =` with nothing after it on its line: the grammar reads the
/// next line's key as its value (`replicas = image`) and fails on that
/// line's `=`. The attribute before is then the broken one, and the next
/// line is read again as an entry.
fn value_on_next_line(
    ctx: &mut Ctx,
    i: usize,
    fail_at: usize,
    entries: &mut Vec<Entry>,
) -> Option<usize> {
    let text = ctx.text;
    let Some(Entry::Attr(a)) = entries.last() else {
        return None;
    };
    let ExprKind::Path(p) = &a.value.kind else {
        return None;
    };
    let key_end = a.key_span().end as usize;
    let value = a.value.span.start as usize;
    let gap = &text[key_end..value];
    let same_line = |x: usize, y: usize| !text[x.min(y)..x.max(y)].contains('\n');
    if p.segments.len() != 1 || !gap.contains('\n') || !same_line(value, fail_at) {
        return None;
    }
    if !text[i..fail_at].trim().is_empty() {
        return None;
    }
    let eq = key_end + gap.find('=')?;
    let Some(Entry::Attr(a)) = entries.pop() else {
        return None;
    };
    let span = Span::new(ctx.file, eq, eq + 1);
    let d = Diagnostic::new(Code::E0001, span, "expected a value after `=`")
        .label("nothing follows on this line")
        .help(format!("write the value after `=`: `{} = …`", a.dotted()));
    ctx.diags.push(d);
    entries.push(Entry::Error(BrokenEntry {
        path: a.path,
        span: Span::new(ctx.file, a.span.start as usize, trim_end(text, eq, value)),
    }));
    Some(value)
}

/// The key of the entry at `i`, when one can be read.
fn key_at(ctx: &mut Ctx, i: usize) -> KeyPath {
    let Ok(mut pairs) = Grammar::parse(Rule::entry_key, &ctx.text[i..extent(ctx.text, i)]) else {
        return KeyPath::new();
    };
    let Some(p) = pairs.next() else {
        return KeyPath::new();
    };
    ctx.base = i;
    let (_, rest) = docs_and_rest(ctx, p);
    rest.into_iter()
        .next()
        .map(|k| key_path_of(ctx, k))
        .unwrap_or_default()
}

/// E0006 for the `{` at `open`; `stop` is where the block most likely
/// ends (the line it is cut at), `None` at the end of the file.
fn unclosed(ctx: &Ctx, open: usize, what: &str, stop: Option<usize>) -> Diagnostic {
    let span = Span::new(ctx.file, open, open + 1);
    let d = Diagnostic::new(Code::E0006, span, format!("unclosed `{{` of `{what}`"))
        .label("this `{` is never closed");
    match stop {
        Some(at) => {
            let tok = found_token(ctx.text, at);
            let end = (at + tok.len().max(1)).min(ctx.text.len());
            d.secondary(
                Span::new(ctx.file, at, end),
                "the block most likely ends before this line (by its indentation)",
            )
            .help(format!(
                "add `}}` to close `{what}` after its last entry; what follows is read as if it were there"
            ))
        }
        None => d.help(format!("add `}}` to close `{what}` after its last entry")),
    }
}

/// Where reading resumes after an entry that starts at `start` and failed
/// at `at`: after the first `,`, `;` or line end at the entry's own depth
/// at or after the failure, or before a `}` that closes the block around.
/// Strings, comments and brackets are skipped.
fn resume_after(text: &str, start: usize, at: usize) -> usize {
    let b = text.as_bytes();
    let mut stack: Vec<u8> = Vec::new();
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        if let Some(end) = super::super::trivia::opaque_end(b, i) {
            i = end;
            continue;
        }
        match c {
            b'{' | b'[' => stack.push(c),
            b'}' => match stack.iter().rposition(|&o| o == b'{') {
                Some(k) => stack.truncate(k),
                // Nothing of the entry open: the block around ends here.
                None => return i,
            },
            b']' if stack.last() == Some(&b'[') => {
                stack.pop();
            }
            b',' | b';' | b'\n' if stack.is_empty() && i >= at => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// After a stray token at `i` (nothing of an entry could be read): the
/// next name on the same line, where an entry may start (`) image = …`
/// keeps `image`), else where [`resume_after`] resumes.
fn after_stray(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let mut j = next_char(text, i);
    while j < b.len() && b[j] != b'\n' {
        let word_before =
            b[j - 1].is_ascii_alphanumeric() || matches!(b[j - 1], b'_' | b'-' | b'.');
        if (b[j].is_ascii_alphabetic() || b[j] == b'_') && !word_before {
            return j;
        }
        if matches!(b[j], b'"' | b'{' | b'[' | b'}' | b'/') {
            break;
        }
        j += 1;
    }
    resume_after(text, i, j.min(b.len()))
}

/// How far the entry at `i` can reach: up to the first line, outside
/// its brackets, indented no deeper than the entry that starts with
/// something other than what can go on an entry (a name, a comment, a
/// `}`, a stray token). The grammar alone would read such a line as
/// more labels or a value (`rep` then `restart = …`), and re-reading the
/// rest of the block for every broken entry would make recovery
/// quadratic.
fn extent(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let indent = indent_of(text, i);
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        if let Some(end) = super::super::trivia::opaque_end(b, j) {
            j = end.max(j + 1);
            continue;
        }
        match b[j] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'\n' if depth == 0 => {
                let line = j + 1;
                let blanks = b[line..]
                    .iter()
                    .take_while(|&&c| c == b' ' || c == b'\t')
                    .count();
                let first = b.get(line + blanks).copied().unwrap_or(b'\n');
                // What can go on an entry from an earlier line: `=`, a
                // value, a body, a separator.
                let goes_on = first.is_ascii_digit()
                    || matches!(
                        first,
                        b'\n'
                            | b'\r'
                            | b'='
                            | b'{'
                            | b'['
                            | b'"'
                            | b':'
                            | b','
                            | b';'
                            | b'.'
                            | b'-'
                    );
                if blanks <= indent && !goes_on {
                    return line;
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// Skips whitespace, non-doc comments and entry separators.
fn skip_separators(text: &str, mut i: usize) -> usize {
    loop {
        let j = skip_trivia(text, i);
        let j = j + text[j..].len() - text[j..].trim_start_matches([',', ';']).len();
        if j == i {
            return i;
        }
        i = j;
    }
}

/// Whether only blanks precede `i` on its line.
fn starts_line(text: &str, i: usize) -> bool {
    let line = text[..i].rfind('\n').map_or(0, |n| n + 1);
    text[line..i].bytes().all(|c| c == b' ' || c == b'\t')
}

/// The indentation (in bytes of blanks) of the line holding `i`.
fn indent_of(text: &str, i: usize) -> usize {
    let line = text[..i].rfind('\n').map_or(0, |n| n + 1);
    text[line..]
        .bytes()
        .take_while(|&c| c == b' ' || c == b'\t')
        .count()
}

/// Whether an entry (or item) can start with byte `c`.
fn starts_entry(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'"' || c == b'/'
}

fn line_after(text: &str, i: usize) -> usize {
    text[i..].find('\n').map_or(text.len(), |n| i + n + 1)
}

fn next_char(text: &str, i: usize) -> usize {
    text[i..]
        .chars()
        .next()
        .map_or(text.len(), |c| i + c.len_utf8())
}

/// `end` moved back over line ends and separators (not before `start`),
/// keeping the blanks after the last text on its line: a cursor there
/// (`image = |`) is still in the entry.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let t = text[start..end].trim_end_matches([' ', '\t', '\r', '\n', ',', ';']);
    let cut = start + t.len();
    let blanks = text[cut..end].len() - text[cut..end].trim_start_matches([' ', '\t']).len();
    cut + blanks
}
