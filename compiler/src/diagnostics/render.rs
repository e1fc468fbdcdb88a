//! Renderings of [`Diagnostic`]s: human text (through codespan-reporting, the
//! only file that knows it), JSON (one object per line), GitHub Actions
//! workflow commands and SARIF 2.1.0 ([`sarif`]). All read the same values.

pub mod sarif;

use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term;
use serde_json::json;
use std::ops::Range;

struct MapFiles<'a>(&'a SourceMap);

impl<'a> Files<'a> for MapFiles<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.0.name(id))
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.0.text(id))
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.0.get(id).lines().line(byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self.0.get(id);
        if line_index >= f.lines().line_count() {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: f.lines().line_count() - 1,
            });
        }
        let start = f.lines().line_start(line_index);
        let end = if line_index + 1 < f.lines().line_count() {
            f.lines().line_start(line_index + 1)
        } else {
            f.text.len()
        };
        Ok(start..end)
    }
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = vec![
        cs::Label::primary(d.primary.span.file, d.primary.span.range())
            .with_message(d.primary.message.clone()),
    ];
    for l in &d.secondary {
        labels.push(
            cs::Label::secondary(l.span.file, l.span.range()).with_message(l.message.clone()),
        );
    }
    let mut notes = d.notes.clone();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// Human-readable text, without colour (tests, pipes).
pub fn human(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let files = MapFiles(map);
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let cd = to_codespan(d);
        if term::emit_to_string(&mut out, &config, &files, &cd).is_err() {
            out.push_str(&format!(
                "{}[{}]: {}\n",
                severity_word(d.severity),
                d.code,
                d.message
            ));
        }
    }
    out
}

/// Human-readable text written to a colour-capable stream.
pub fn human_to<W: term::termcolor::WriteColor>(
    w: &mut W,
    map: &SourceMap,
    diags: &[Diagnostic],
) -> std::io::Result<()> {
    let files = MapFiles(map);
    let config = term::Config::default();
    for d in diags {
        let cd = to_codespan(d);
        term::emit_to_write_style(w, &config, &files, &cd).map_err(std::io::Error::other)?;
    }
    Ok(())
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One JSON value describing a diagnostic, with 1-based lines and columns.
pub fn json_value(map: &SourceMap, d: &Diagnostic) -> serde_json::Value {
    let loc = |span: crate::source::Span| {
        let (line, col) = map.line_col(span);
        let end = crate::source::Span {
            start: span.end,
            ..span
        };
        let (end_line, end_col) = map.line_col(end);
        json!({
            "file": map.name(span.file),
            "start": span.start, "end": span.end,
            "line": line, "column": col, "end_line": end_line, "end_column": end_col,
        })
    };
    let mut v = json!({
        "code": d.code.as_str(),
        "severity": severity_word(d.severity),
        "message": d.message,
        "summary": d.code.summary(),
        "primary": { "span": loc(d.primary.span), "message": d.primary.message },
        "secondary": d.secondary.iter().map(|l| json!({"span": loc(l.span), "message": l.message})).collect::<Vec<_>>(),
        "notes": d.notes,
        "help": d.help,
    });
    if let Some(fix) = &d.fix {
        v["fix"] = json!({ "span": loc(fix.span), "replacement": fix.replacement });
        if !fix.also.is_empty() {
            v["fix"]["also"] = fix
                .also
                .iter()
                .map(|e| json!({ "span": loc(e.span), "replacement": e.replacement }))
                .collect();
        }
    }
    v
}

/// JSON Lines: one object per diagnostic.
pub fn json(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&json_value(map, d).to_string());
        out.push('\n');
    }
    out
}

/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`).
pub fn github(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let (line, col) = map.line_col(d.primary.span);
        let (end_line, end_col) = map.line_col(crate::source::Span {
            start: d.primary.span.end,
            ..d.primary.span
        });
        let mut msg = d.message.clone();
        if !d.primary.message.is_empty() {
            msg.push_str(&format!(": {}", d.primary.message));
        }
        if let Some(h) = &d.help {
            msg.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            severity_word(d.severity),
            escape_property(map.name(d.primary.span.file)),
            line,
            col,
            end_line,
            end_col,
            escape_property(&format!("{} {}", d.code, d.code.summary())),
            escape_data(&msg)
        ));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `N errors, M warnings` summary line.
pub fn summary(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("1 {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}
