//! Comments with spans, found by a small scanner that knows strings.
//!
//! pest skips comments, so the formatter gets them from here. The scanner
//! also finds strings and block comments that never end (for E0002).

/// A `//` or `/* */` comment (not a `///` doc comment, which the AST keeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// Nothing but whitespace precedes it on its line.
    pub own_line: bool,
}

/// Every non-doc comment in `text`, in order.
pub fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    scan(text, |start, end, kind| {
        if kind == Tok::Comment && !text[start..].starts_with("///")
            || text[start..].starts_with("////")
        {
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

/// The first unterminated string (`"string"` or `"multiline"`) or block
/// comment (`"comment"`), with its start offset.
pub fn unterminated(text: &str) -> Option<(&'static str, usize)> {
    let mut found = None;
    scan(text, |start, _, kind| {
        if found.is_none() {
            found = match kind {
                Tok::OpenString => Some(("string", start)),
                Tok::OpenMultiline => Some(("multiline", start)),
                Tok::OpenComment => Some(("comment", start)),
                _ => None,
            };
        }
    });
    found
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Comment,
    OpenString,
    OpenMultiline,
    OpenComment,
}

fn scan(text: &str, mut f: impl FnMut(usize, usize, Tok)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if text[i..].starts_with("//") {
            let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
            f(i, end, Tok::Comment);
            i = end;
        } else if text[i..].starts_with("/*") {
            match block_comment_end(text, i) {
                Some(end) => {
                    f(i, end, Tok::Comment);
                    i = end;
                }
                None => {
                    f(i, b.len(), Tok::OpenComment);
                    return;
                }
            }
        } else if text[i..].starts_with("\"\"\"") {
            match string_end(text, i + 3, true) {
                Some(end) => i = end,
                None => return f(i, b.len(), Tok::OpenMultiline),
            }
        } else if b[i] == b'"' {
            match string_end(text, i + 1, false) {
                Some(end) => i = end,
                None => return f(i, b.len(), Tok::OpenString),
            }
        } else {
            i += 1;
        }
    }
}

fn block_comment_end(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = start;
    while i < text.len() {
        if text[i..].starts_with("/*") {
            depth += 1;
            i += 2;
        } else if text[i..].starts_with("*/") {
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
/// A plain string also ends, unterminated, at a newline.
fn string_end(text: &str, mut i: usize, multiline: bool) -> Option<usize> {
    let b = text.as_bytes();
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' if multiline && text[i..].starts_with("\"\"\"") => return Some(i + 3),
            b'"' if !multiline => return Some(i + 1),
            b'\n' if !multiline => return None,
            _ => i += 1,
        }
    }
    None
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
}
