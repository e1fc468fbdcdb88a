//! Diagnostics: one owned type, four renderings.
//!
//! Every stage reports problems as [`Diagnostic`] values: a stable [`Code`], a
//! severity, a message saying what is wrong, a primary label, secondary labels,
//! notes, a `help:` line when a fix is known and, when it is mechanical, a
//! structured [`Fix`]. No stage formats output; `render` turns diagnostics into
//! human text (codespan-reporting), JSON and GitHub annotations, and the LSP
//! converts the same values.

pub mod codes;
pub mod render;
pub mod suggest;

pub use codes::Code;

use crate::source::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A mechanical fix: replace the text of `span` by `replacement`, and
/// make the `also` edits with it (a rename changes every reference too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Edit>,
}

/// One more edit of a [`Fix`], possibly in another file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    /// Text under the primary caret.
    pub fn label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets `help` unless the diagnostic has one already.
    pub fn help_if_none(self, help: impl Into<String>) -> Self {
        if self.help.is_some() {
            self
        } else {
            self.help(help)
        }
    }

    pub fn help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Fix {
            span,
            replacement: replacement.into(),
            also: Vec::new(),
        });
        self
    }

    /// `help:` for an unknown name: when a candidate is a likely typo or
    /// a foreign spelling of it, "did you mean" with a fix replacing `span`
    /// by `replace(candidate)`; else the list of what is declared.
    pub fn unknown<'a, I>(
        self,
        what: &str,
        name: &str,
        candidates: I,
        span: Span,
        replace: impl Fn(&str) -> String,
    ) -> Self
    where
        I: IntoIterator<Item = &'a str> + Clone,
    {
        if let Some(s) = suggest::did_you_mean(name, candidates.clone()) {
            let r = replace(s);
            return self.help(format!("did you mean `{r}`?")).fix(span, r);
        }
        self.help_opt(suggest::help_for_unknown(what, name, candidates))
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn span(&self) -> Span {
        self.primary.span
    }
}

/// Sorts diagnostics by file, position and code, and drops exact duplicates.
pub fn sort_dedup(items: &mut Vec<Diagnostic>) {
    items.sort_by(|a, b| {
        (
            a.primary.span.file,
            a.primary.span.start,
            a.primary.span.end,
            a.code,
            &a.message,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                b.primary.span.end,
                b.code,
                &b.message,
            ))
    });
    items.dedup_by(|a, b| {
        a.code == b.code && a.primary.span == b.primary.span && a.message == b.message
    });
}
