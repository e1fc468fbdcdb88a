//! The output buffer of the formatter and the queue of comments still to
//! print.
//!
//! Every token the printer writes may carry the source offset where it
//! started; before writing it, the comments that come earlier in the source
//! are written (`flush_to`, inline; `leading`, on their own lines between
//! entries; `trailing`, on the line of the entry they follow). Comments are
//! written in source order and each exactly once, so none is ever lost.
//!
//! Spaces are lazy (`gap` asks for one before the next token), so no line
//! ends in a space the printer added, and indentation is written only in
//! front of text, so blank lines stay empty.

use crate::syntax::trivia::Comment;

pub const INDENT: &str = "    ";

pub struct Writer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    /// Index of the first comment not yet written.
    next: usize,
    out: String,
    pub indent: usize,
    /// Source offset just after the last token or comment written.
    last_end: usize,
    /// A space is owed before the next token on this line.
    space: bool,
    /// Just after an opening bracket (or at the start of the file): no blank line.
    fresh: bool,
}

impl<'a> Writer<'a> {
    pub fn new(text: &'a str, comments: Vec<Comment>) -> Self {
        Writer {
            text,
            comments,
            next: 0,
            out: String::with_capacity(text.len() + text.len() / 8),
            indent: 0,
            last_end: 0,
            space: false,
            fresh: true,
        }
    }

    /// The text written so far, ending in exactly one newline (or empty).
    pub fn finish(mut self) -> String {
        let kept = self.out.trim_end_matches('\n').len();
        self.out.truncate(kept);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    pub fn source(&self) -> &'a str {
        self.text
    }

    // ------------------------------------------------------------ text

    /// Writes `s` (which may hold newlines, written verbatim) on the current line.
    pub fn write(&mut self, s: &str) {
        if self.at_line_start() {
            for _ in 0..self.indent {
                self.out.push_str(INDENT);
            }
        } else if self.space {
            self.out.push(' ');
        }
        self.out.push_str(s);
        self.space = false;
        self.fresh = false;
    }

    /// Writes a token that starts at `start` and ends at `end` in the source,
    /// after the comments that precede it.
    pub fn token(&mut self, start: usize, end: usize, s: &str) {
        self.flush_to(start);
        self.write(s);
        self.last_end = self.last_end.max(end);
    }

    pub fn gap(&mut self) {
        self.space = true;
    }

    pub fn newline(&mut self) {
        if !self.at_line_start() {
            self.out.push('\n');
        }
        self.space = false;
    }

    fn blank_line(&mut self) {
        self.newline();
        if !self.fresh && !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// After an opening bracket: the next line gets no blank line before it.
    pub fn open(&mut self) {
        self.fresh = true;
    }

    pub fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    /// The column (in characters) where the next token would start.
    pub fn column(&self) -> usize {
        if self.at_line_start() {
            return self.indent * INDENT.len();
        }
        let line = self.out.rsplit('\n').next().unwrap_or("");
        line.chars().count() + usize::from(self.space)
    }

    // ------------------------------------------------------------ comments

    /// Whether a comment not yet written starts before `end`.
    pub fn has_comment_before(&self, end: usize) -> bool {
        self.comments.get(self.next).is_some_and(|c| c.start < end)
    }

    /// The end of the comment that starts at `i`, if one does.
    pub fn comment_at(&self, i: usize) -> Option<usize> {
        let k = self.comments.partition_point(|c| c.start < i);
        self.comments.get(k).filter(|c| c.start == i).map(|c| c.end)
    }

    /// The first offset at or after `i` that is neither whitespace nor comment.
    pub fn code_after(&self, mut i: usize) -> usize {
        let b = self.text.as_bytes();
        while i < b.len() {
            if let Some(end) = self.comment_at(i) {
                i = end;
            } else if matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                i += 1;
            } else if self.text[i..].starts_with('\u{FEFF}') {
                i += '\u{FEFF}'.len_utf8();
            } else {
                break;
            }
        }
        i
    }

    /// `end` moved back over whitespace and comments (pest spans of rules
    /// that end in an optional part include the trivia after them).
    pub fn code_end(&self, mut end: usize) -> usize {
        let b = self.text.as_bytes();
        end = end.min(b.len());
        loop {
            while end > 0 && matches!(b[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
                end -= 1;
            }
            let k = self.comments.partition_point(|c| c.end < end);
            match self.comments.get(k).filter(|c| c.end == end) {
                Some(c) => end = c.start,
                None => return end,
            }
        }
    }

    fn pending_before(&self, pos: usize) -> Option<Comment> {
        self.comments
            .get(self.next)
            .filter(|c| c.start < pos)
            .cloned()
    }

    /// The source between two offsets ("" when they are out of order).
    fn between(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or("")
    }

    fn blank_in_source(&self, pos: usize) -> bool {
        self.between(self.last_end, pos).matches('\n').count() >= 2
    }

    /// Writes the comments before `pos` where they fall inside an entry:
    /// on the current line when they were on the line of the previous token.
    pub fn flush_to(&mut self, pos: usize) {
        while let Some(c) = self.pending_before(pos) {
            let same_line = !self.between(self.last_end, c.start).contains('\n');
            if !self.at_line_start() && !same_line {
                self.newline();
            }
            self.gap();
            self.comment(&c);
        }
    }

    /// Writes the comments before `pos` on their own lines, keeping one blank
    /// line where the source had any, then starts a new line for the entry at
    /// `pos`. With `closing`, `pos` is a closing bracket: no blank line before it.
    pub fn leading(&mut self, pos: usize, closing: bool) {
        while let Some(c) = self.pending_before(pos) {
            self.separate(c.start);
            self.comment(&c);
            self.newline();
        }
        if closing {
            self.newline();
        } else {
            self.separate(pos);
        }
    }

    /// A new line, blank when the source has a blank line before `pos`.
    fn separate(&mut self, pos: usize) {
        if self.blank_in_source(pos) {
            self.blank_line();
        } else {
            self.newline();
        }
    }

    /// Writes the comments that follow the last token on its source line
    /// (past separators `,` and `;`).
    pub fn trailing(&mut self) {
        while let Some(c) = self.pending_before(usize::MAX) {
            let gap = self.between(self.last_end, c.start);
            let only_separators = gap
                .chars()
                .all(|ch| ch == ',' || ch == ';' || ch == ' ' || ch == '\t' || ch == '\r');
            if self.last_end < c.start && !only_separators {
                return;
            }
            self.gap();
            self.comment(&c);
        }
    }

    fn comment(&mut self, c: &Comment) {
        let text = self.reindent(c);
        self.write(&text);
        self.last_end = self.last_end.max(c.end);
        self.next += 1;
        if c.is_line() || self.text[c.end..].starts_with(['\n', '\r']) {
            self.newline();
        } else {
            self.gap();
        }
    }

    /// A multi-line block comment moves its later lines by as many columns
    /// as its first line moved, when they all have the room.
    fn reindent(&self, c: &Comment) -> String {
        if !c.text.contains('\n') {
            return c.text.clone();
        }
        let line_start = self.text[..c.start].rfind('\n').map_or(0, |i| i + 1);
        let old = self.text[line_start..c.start].chars().count();
        let new = self.column();
        let lines: Vec<&str> = c.text.split('\n').collect();
        let room = |l: &&str| l.len() - l.trim_start_matches(' ').len();
        let min_room = lines[1..]
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(room)
            .min();
        if new < old && min_room.is_some_and(|m| m < old - new) {
            return c.text.clone();
        }
        let mut out = lines[0].to_string();
        for l in &lines[1..] {
            out.push('\n');
            if l.trim().is_empty() {
                out.push_str(l);
            } else if new >= old {
                out.push_str(&" ".repeat(new - old));
                out.push_str(l);
            } else {
                out.push_str(&l[old - new..]);
            }
        }
        out
    }
}
