//! Comments with spans, found by a small scanner that knows strings.
//!
//! pest skips comments, so the formatter gets them from here. The scanner
//! mirrors the grammar's lexical rules exactly for files that parse: strings
//! may span lines, `${{ … }}` GitHub expressions are skipped whole, and the
//! comments pest allows inside a `${ path }` interpolation are reported too
//! (the formatter moves them out of the string rather than lose them). The
//! scanner also finds strings and block comments that never end (for
//! E0002); there, a newline ends a plain string, which is what a user who
//! forgot a quote means.
//!
//! It works on bytes: every delimiter is ASCII, so offsets it reports are
//! always character boundaries, whatever the text holds.

/// A `//` or `/* */` comment (not a `///` doc comment, which the AST keeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// Nothing but whitespace precedes it on its line.
    pub own_line: bool,
}

impl Comment {
    /// A `//` comment, which runs to the end of its line.
    pub fn is_line(&self) -> bool {
        self.text.starts_with("//")
    }
}

/// Every non-doc comment in `text`, in order.
pub fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    scan(text, Mode::Grammar, |start, end, kind| {
        if kind == Tok::Comment && !is_doc(&text[start..]) {
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let own_line = text[line_start..start].trim().is_empty();
            out.push(Comment {
                start,
                end,
                text: text[start..end].trim_end().to_string(),
                own_line,
            });
        }
    });
    out
}

/// `///` starts a doc comment; `////` and more is an ordinary comment.
fn is_doc(rest: &str) -> bool {
    rest.starts_with("///") && !rest.starts_with("////")
}

/// The first unterminated string (`"string"` or `"multiline"`) or block
/// comment (`"comment"`), with its start offset.
pub fn unterminated(text: &str) -> Option<(&'static str, usize)> {
    let mut found = None;
    scan(text, Mode::Heuristic, |start, _, kind| {
        if found.is_none() {
            found = match kind {
                Tok::OpenString => Some(("string", start)),
                Tok::OpenMultiline => Some(("multiline", start)),
                Tok::OpenComment => Some(("comment", start)),
                Tok::Comment => None,
            };
        }
    });
    found
}

/// Where brackets (`{`, `[`, `<`) first nest deeper than `max` within the
/// first item of `text` (strings and comments skipped), if they do. The item
/// ends where its first bracketed group closes, or, outside brackets, at a
/// line starting with a name (the next item), so the scan stays linear.
pub fn too_deep(text: &str, max: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let next_item = rest.len() > 1 && (rest[1].is_ascii_alphabetic() || rest[1] == b'_');
        if depth == 0 && rest[0] == b'\n' && next_item {
            return None;
        }
        i = if rest.starts_with(b"//") {
            line_end(b, i)
        } else if rest.starts_with(b"/*") {
            block_comment_end(b, i)?
        } else if rest.starts_with(b"\"\"\"") {
            string_end(b, i + 3, true, Mode::Grammar, &mut |_, _, _| {})?
        } else if rest[0] == b'"' {
            string_end(b, i + 1, false, Mode::Grammar, &mut |_, _, _| {})?
        } else if matches!(rest[0], b'{' | b'[' | b'<') {
            depth += 1;
            if depth > max {
                return Some(i);
            }
            i + 1
        } else if matches!(rest[0], b'}' | b']' | b'>') {
            if depth == 1 {
                return None;
            }
            depth = depth.saturating_sub(1);
            i + 1
        } else {
            i + 1
        };
    }
    None
}

/// When a comment or string starts at `i`, the offset after it. A plain
/// string left open ends before its line's newline (what a user who forgot
/// the quote means); an open comment or `"""` string runs to the end.
pub(super) fn opaque_end(b: &[u8], i: usize) -> Option<usize> {
    let rest = &b[i..];
    let mut none = |_, _, _| {};
    if rest.starts_with(b"//") {
        Some(line_end(b, i))
    } else if rest.starts_with(b"/*") {
        Some(block_comment_end(b, i).unwrap_or(b.len()))
    } else if rest.starts_with(b"\"\"\"") {
        Some(string_end(b, i + 3, true, Mode::Grammar, &mut none).unwrap_or(b.len()))
    } else if rest.first() == Some(&b'"') {
        Some(
            string_end(b, i + 1, false, Mode::Heuristic, &mut none)
                .unwrap_or_else(|| line_end(b, i)),
        )
    } else {
        None
    }
}

/// The offsets of the `{` that no `}` closes (strings and comments
/// skipped, as [`opaque_end`] reads them), in order.
pub(super) fn unclosed_braces(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut open = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if let Some(end) = opaque_end(b, i) {
            i = end.max(i + 1);
            continue;
        }
        match b[i] {
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Comment,
    OpenString,
    OpenMultiline,
    OpenComment,
}

/// `Grammar`: exactly what the grammar accepts. `Heuristic`: a newline ends
/// a plain string (for error messages about a missing quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Grammar,
    Heuristic,
}

fn scan(text: &str, mode: Mode, mut f: impl FnMut(usize, usize, Tok)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            let end = line_end(b, i);
            f(i, end, Tok::Comment);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            match block_comment_end(b, i) {
                Some(end) => {
                    f(i, end, Tok::Comment);
                    i = end;
                }
                None => return f(i, b.len(), Tok::OpenComment),
            }
        } else if b[i..].starts_with(b"\"\"\"") {
            match string_end(b, i + 3, true, mode, &mut f) {
                Some(end) => i = end,
                None => return f(i, b.len(), Tok::OpenMultiline),
            }
        } else if b[i] == b'"' {
            match string_end(b, i + 1, false, mode, &mut f) {
                Some(end) => i = end,
                None => return f(i, b.len(), Tok::OpenString),
            }
        } else {
            i += 1;
        }
    }
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |n| i + n)
}

/// The end (after `*/`) of the nested block comment starting at `start`.
pub(super) fn block_comment_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// End offset (after the closing quote) of a string whose body starts at `i`.
/// Comments inside `${ … }` interpolations are reported through `f`.
fn string_end(
    b: &[u8],
    mut i: usize,
    multiline: bool,
    mode: Mode,
    f: &mut impl FnMut(usize, usize, Tok),
) -> Option<usize> {
    while i < b.len() {
        let rest = &b[i..];
        if rest[0] == b'\\' {
            i += 2;
        } else if rest.starts_with(b"${{") && find(b, i + 3, b"}}").is_some() {
            i = find(b, i + 3, b"}}").map_or(b.len(), |e| e + 2);
        } else if rest.starts_with(b"${") {
            i = interpolation_end(b, i + 2, f).unwrap_or(i + 2);
        } else if multiline && rest.starts_with(b"\"\"\"") {
            return Some(i + 3);
        } else if !multiline && rest[0] == b'"' {
            return Some(i + 1);
        } else if !multiline && rest[0] == b'\n' && mode == Mode::Heuristic {
            return None;
        } else {
            i += 1;
        }
    }
    None
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|n| from + n)
}

/// After `${`: whitespace and comments, a path, whitespace and comments, `}`.
/// Returns the offset after `}` and reports the comments, or `None` (and
/// reports nothing) when the text is not an interpolation.
fn interpolation_end(
    b: &[u8],
    start: usize,
    f: &mut impl FnMut(usize, usize, Tok),
) -> Option<usize> {
    let mut found = Vec::new();
    let mut i = skip_trivia(b, start, &mut found)?;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b'.')) {
        i += 1;
    }
    i = skip_trivia(b, i, &mut found)?;
    if b.get(i) != Some(&b'}') {
        return None;
    }
    for (s, e) in found {
        f(s, e, Tok::Comment);
    }
    Some(i + 1)
}

fn skip_trivia(b: &[u8], mut i: usize, found: &mut Vec<(usize, usize)>) -> Option<usize> {
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if b[i..].starts_with(b"//") && !is_doc_bytes(&b[i..]) {
            let end = line_end(b, i);
            found.push((i, end));
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let end = block_comment_end(b, i)?;
            found.push((i, end));
            i = end;
        } else {
            return Some(i);
        }
    }
}

fn is_doc_bytes(rest: &[u8]) -> bool {
    rest.starts_with(b"///") && !rest.starts_with(b"////")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_outside_strings() {
        let t = "a = \"// not\" // yes\n/// doc\n/* b */ x";
        let c = comments(t);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].text, "// yes");
        assert!(!c[0].own_line);
        assert_eq!(c[1].text, "/* b */");
        assert!(c[1].own_line);
    }

    #[test]
    fn unterminated_things() {
        assert_eq!(unterminated("a = \"abc\nb = 1"), Some(("string", 4)));
        assert_eq!(unterminated("/* x"), Some(("comment", 0)));
        assert_eq!(unterminated("a = \"\"\"\nx"), Some(("multiline", 4)));
        assert_eq!(unterminated("a = \"ok\""), None);
    }

    #[test]
    fn strings_follow_the_grammar() {
        // A plain string may span lines; `${{ … }}` may hold quotes.
        let t = "a = \"x\ny // no\" // one\nb = \"${{ a \" }}\" // two";
        let texts: Vec<_> = comments(t).into_iter().map(|c| c.text).collect();
        assert_eq!(texts, ["// one", "// two"]);
    }

    #[test]
    fn comments_inside_interpolations_are_reported() {
        let t = "a = \"${ /* in */ x.y }\" /* out */";
        let texts: Vec<_> = comments(t).into_iter().map(|c| c.text).collect();
        assert_eq!(texts, ["/* in */", "/* out */"]);
    }

    #[test]
    fn nesting_depth() {
        assert_eq!(too_deep("a = [[[1]]]", 3), None);
        assert_eq!(too_deep("a = [[[[1]]]]", 3), Some(7));
        assert_eq!(too_deep("a = \"[[[[\" // [[[[\n{}", 3), None);
        assert_eq!(too_deep("a {} b [[[[[", 3), None);
        assert_eq!(too_deep("let a = 1\nb [[[[[", 3), None);
        assert_eq!(too_deep("a\n{[[[", 3), Some(5));
    }

    #[test]
    fn non_ascii_text_never_splits_a_character() {
        for t in ["é", "\"é", "/*é", "\"\\é\"", "a = \"€\" // ü", "${é"] {
            let _ = comments(t);
            let _ = unterminated(t);
        }
    }
}
