//! Open documents, and which files each document's compilation read.
//!
//! Every open document is compiled as a root (as `stackc check FILE`
//! would), reading other files from the open buffers first and the disk
//! second. A compilation records the files it read, so a change to a file
//! re-checks every open document that imports it (reverse imports). Files
//! are named by their path, as the compiler names them; documents that are
//! not files (`untitled:`) by their URI.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use stackc::analysis;
use stackc::diagnostics::Diagnostic;
use stackc::source::{decode, join_relative, FileLoader, LoadError, SourceMap, Span};
use tower_lsp::lsp_types::{self as lsp, Url};

use crate::convert;

/// An open document.
#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Url,
    pub text: Arc<str>,
    pub version: i32,
}

/// What the client said it supports (from `initialize`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Support {
    /// Versioned `documentChanges` in workspace edits.
    pub document_changes: bool,
    /// Change annotations (a rename the user confirms).
    pub change_annotations: bool,
    /// Snippets in completion items.
    pub snippets: bool,
}

impl Support {
    pub fn of(caps: &lsp::ClientCapabilities) -> Support {
        let edit = caps
            .workspace
            .as_ref()
            .and_then(|w| w.workspace_edit.as_ref());
        let snippets = caps
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        Support {
            document_changes: edit.and_then(|e| e.document_changes).unwrap_or(false),
            change_annotations: edit.is_some_and(|e| e.change_annotation_support.is_some()),
            snippets,
        }
    }
}

/// What the server knows between requests.
#[derive(Debug, Default)]
pub struct State {
    /// What the client supports.
    pub support: Support,
    /// Open documents by name.
    docs: BTreeMap<String, Document>,
    /// For each open document, the user files its last compilation read.
    reads: BTreeMap<String, BTreeSet<String>>,
    /// For each open document, its last compilation (what navigation and
    /// hover query; nothing is compiled again for them).
    compiled: BTreeMap<String, Arc<stackc::Compilation>>,
    /// Files changed since they were last checked.
    dirty: BTreeSet<String>,
}

/// The diagnostics of one document, ready to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub uri: Url,
    pub version: Option<i32>,
    pub diagnostics: Vec<lsp::Diagnostic>,
}

/// The compiler's name of a document: its path for `file:` URIs.
pub fn name_of(uri: &Url) -> String {
    match uri.to_file_path() {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(()) => uri.to_string(),
    }
}

fn uri_of_name(name: &str) -> Option<Url> {
    Url::from_file_path(name)
        .ok()
        .or_else(|| Url::parse(name).ok())
}

impl State {
    pub fn open(&mut self, uri: Url, text: String, version: i32) -> String {
        let name = name_of(&uri);
        let text = Arc::from(text);
        self.docs
            .insert(name.clone(), Document { uri, text, version });
        name
    }

    pub fn change(&mut self, uri: &Url, text: String, version: i32) -> String {
        self.open(uri.clone(), text, version)
    }

    /// Notes that `name` changed and is to be checked.
    pub fn mark_dirty(&mut self, name: &str) {
        self.dirty.insert(name.to_string());
    }

    /// The files changed since the last check, forgetting them.
    pub fn take_dirty(&mut self) -> BTreeSet<String> {
        std::mem::take(&mut self.dirty)
    }

    /// Re-checks `name` and every open document that read it; returns what
    /// to publish.
    pub fn recheck(&mut self, name: &str) -> Vec<Published> {
        let mut out: Vec<Published> = self
            .affected(name)
            .iter()
            .flat_map(|root| self.check(root))
            .collect();
        // A root on disk that turned out not to import `name`: check
        // `name` on its own after all.
        if let Some(uri) = self.uri_of_open(name) {
            if !out.iter().any(|p| p.uri == uri) {
                out.extend(self.check(name));
            }
        }
        out
    }

    /// Closes a document; returns its name and the open documents its
    /// compilation read (they are checked on their own again).
    pub fn close(&mut self, uri: &Url) -> (String, Vec<String>) {
        let name = name_of(uri);
        self.docs.remove(&name);
        self.compiled.remove(&name);
        let read = self.reads.remove(&name).unwrap_or_default();
        let orphans = read
            .into_iter()
            .filter(|f| *f != name && self.docs.contains_key(f))
            .collect();
        (name, orphans)
    }

    pub fn document(&self, uri: &Url) -> Option<&Document> {
        self.docs.get(&name_of(uri))
    }

    /// Whether another open document's compilation read `name`: then
    /// `name` is checked as part of it (a file that only declares what
    /// others import is not a stack of its own).
    fn imported(&self, name: &str) -> bool {
        self.reads.iter().any(|(root, files)| {
            root != name && self.docs.contains_key(root) && files.contains(name)
        })
    }

    /// The open documents to re-check as roots after `name` changed: those
    /// whose compilation read it, else `name` itself when it is open.
    pub fn affected(&self, name: &str) -> Vec<String> {
        let importers: Vec<String> = self
            .reads
            .iter()
            .filter(|(root, files)| *root != name && files.contains(name))
            .map(|(root, _)| root.clone())
            .collect();
        if importers.is_empty() && self.docs.contains_key(name) {
            if let Some(root) = self.disk_root(name) {
                return vec![root];
            }
            return vec![name.to_string()];
        }
        importers
    }

    /// For an open file that declares no `stack` block (a file others
    /// import), the `stack.stack` beside it on disk: checked as the root,
    /// it checks the file as part of its stack instead of as a stack of its
    /// own (which would report "no `stack` block" and everything it does
    /// not declare). `None` when the file declares a stack, there is no such
    /// file, or its last check did not read this one.
    fn disk_root(&self, name: &str) -> Option<String> {
        let doc = self.docs.get(name)?;
        let (file, _) = stackc::syntax::parse(stackc::source::FileId(0), &doc.text);
        let declares_stack = file
            .items
            .iter()
            .any(|i| matches!(i, stackc::syntax::ast::Item::Block(b) if b.kind.name == "stack"));
        if declares_stack {
            return None;
        }
        let candidate = std::path::Path::new(name).parent()?.join("stack.stack");
        let root = candidate.to_string_lossy().into_owned();
        let read_it_before = self
            .reads
            .get(&root)
            .is_none_or(|files| files.contains(name));
        (root != name && candidate.is_file() && read_it_before).then_some(root)
    }

    /// The URI of an open document.
    pub fn uri_of_open(&self, name: &str) -> Option<Url> {
        self.docs.get(name).map(|d| d.uri.clone())
    }

    /// Compiles the open document `root` and returns the diagnostics to
    /// publish: for the document itself and every file it imports (open or
    /// not: an imported file's diagnostics are those of its importer).
    pub fn check(&mut self, root: &str) -> Vec<Published> {
        // A root on disk (see `disk_root`) has no version of its own.
        let version = match self.docs.get(root) {
            Some(doc) => Some(doc.version),
            None if std::path::Path::new(root).is_file() => None,
            None => return Vec::new(),
        };
        let loader = Buffers { docs: &self.docs };
        let keep = stackc::Keep {
            worlds: false,
            // Templates and doc comments, for navigation and hover.
            syntax: true,
        };
        let c = stackc::compile_with(root, &loader, &stackc::EnvSelection::All, keep);
        let map = &c.program.map;
        let files: Vec<String> = map
            .files()
            .filter(|(_, f)| !f.is_stdlib)
            .map(|(_, f)| f.name.clone())
            .collect();
        self.reads
            .insert(root.to_string(), files.iter().cloned().collect());
        let out = files
            .iter()
            .filter(|f| {
                // A root on disk checks the open files it reads for them.
                let disk_root = version.is_none();
                *f == root || disk_root || !self.docs.contains_key(*f) || self.imported(f)
            })
            .filter_map(|f| {
                let uri = self
                    .docs
                    .get(f)
                    .map(|d| d.uri.clone())
                    .or_else(|| uri_of_name(f))?;
                let version = self
                    .docs
                    .get(f)
                    .map(|d| d.version)
                    .filter(|_| f != root)
                    .or(version.filter(|_| f == root));
                Some(publish(map, &c.diagnostics, f, uri, version))
            })
            .collect();
        self.compiled.insert(root.to_string(), Arc::new(c));
        out
    }

    /// The compilation that covers `uri` (its own, else that of an open
    /// document importing it) and the file's id in it.
    fn compilation_of(
        &self,
        uri: &Url,
    ) -> Option<(Arc<stackc::Compilation>, stackc::source::FileId)> {
        let name = name_of(uri);
        let own = self.compiled.get(&name);
        let importer = || {
            self.reads
                .iter()
                .filter(|(_, files)| files.contains(&name))
                .find_map(|(root, _)| self.compiled.get(root))
        };
        let c = own.or_else(importer)?.clone();
        let id = c.program.map.find(&name)?;
        Some((c, id))
    }

    /// The byte offset of an LSP position in the compiled text of `id`.
    fn offset(c: &stackc::Compilation, id: stackc::source::FileId, p: lsp::Position) -> usize {
        let text = c.program.map.text(id);
        stackc::source::LineIndex::new(text).offset_of_utf16(text, p.line, p.character)
    }

    fn location(c: &stackc::Compilation, span: Span) -> Option<lsp::Location> {
        let uri = uri_of_name(c.program.map.name(span.file))?;
        Some(lsp::Location::new(
            uri,
            convert::range(&c.program.map, span),
        ))
    }

    /// Where the item named at `pos` is declared.
    pub fn definition(&self, uri: &Url, pos: lsp::Position) -> Option<lsp::Location> {
        let (c, id) = self.compilation_of(uri)?;
        let offset = Self::offset(&c, id, pos);
        let Some((_, target)) = analysis::target_at(&c, id, offset) else {
            // A port, job or config key: its declaration.
            let (_, same) = analysis::rename::same_name(&c, id, offset)?;
            let decl = same.into_iter().find(|o| o.declaration)?;
            return Self::location(&c, decl.span);
        };
        Self::location(&c, analysis::definition(&c, &target)?)
    }

    /// Every span naming what is at `offset`, and the declaration's: the
    /// items `analysis` resolves, else ports, jobs and config keys.
    fn spans_of(
        c: &stackc::Compilation,
        id: stackc::source::FileId,
        offset: usize,
        decl: bool,
    ) -> Option<(Vec<Span>, Option<Span>)> {
        if let Some((_, target)) = analysis::target_at(c, id, offset) {
            let spans = analysis::references(c, &target, decl);
            return Some((spans, analysis::definition(c, &target)));
        }
        let (_, same) = analysis::rename::same_name(c, id, offset)?;
        let declaration = same.iter().find(|o| o.declaration).map(|o| o.span);
        let spans = same
            .into_iter()
            .filter(|o| decl || !o.declaration)
            .map(|o| o.span)
            .collect();
        Some((spans, declaration))
    }

    /// Every place that names the item at `pos` (with its declaration when
    /// asked).
    pub fn references(
        &self,
        uri: &Url,
        pos: lsp::Position,
        decl: bool,
    ) -> Option<Vec<lsp::Location>> {
        let (c, id) = self.compilation_of(uri)?;
        let (spans, _) = Self::spans_of(&c, id, Self::offset(&c, id, pos), decl)?;
        Some(
            spans
                .into_iter()
                .filter_map(|s| Self::location(&c, s))
                .collect(),
        )
    }

    /// The places in this document that name the item at `pos`.
    pub fn highlights(&self, uri: &Url, pos: lsp::Position) -> Option<Vec<lsp::DocumentHighlight>> {
        let (c, id) = self.compilation_of(uri)?;
        let (spans, decl) = Self::spans_of(&c, id, Self::offset(&c, id, pos), true)?;
        Some(
            spans
                .into_iter()
                .filter(|s| s.file == id)
                .map(|s| lsp::DocumentHighlight {
                    range: convert::range(&c.program.map, s),
                    kind: Some(if Some(s) == decl {
                        lsp::DocumentHighlightKind::WRITE
                    } else {
                        lsp::DocumentHighlightKind::READ
                    }),
                })
                .collect(),
        )
    }

    /// Every named item and block of the stacks of the open documents
    /// (their files, open or not) whose name matches `query` (its
    /// characters in order, ignoring case; all of them for an empty
    /// query), with the item that holds it.
    pub fn workspace_symbols(&self, query: &str) -> Vec<lsp::SymbolInformation> {
        let query: Vec<char> = query.to_lowercase().chars().collect();
        let matches = |name: &str| {
            let mut want = query.iter().peekable();
            for ch in name.to_lowercase().chars() {
                if want.peek() == Some(&&ch) {
                    want.next();
                }
            }
            want.peek().is_none()
        };
        let mut seen: BTreeSet<(String, u32, u32)> = BTreeSet::new();
        let mut out = Vec::new();
        fn walk(
            s: &analysis::Symbol,
            container: Option<&str>,
            found: &mut Vec<(analysis::Symbol, Option<String>)>,
        ) {
            found.push((
                analysis::Symbol {
                    children: Vec::new(),
                    ..s.clone()
                },
                container.map(str::to_string),
            ));
            let me = format!("{} {}", s.kind, s.name);
            for ch in &s.children {
                walk(ch, Some(&me), found);
            }
        }
        for c in self.compiled.values() {
            for (id, f) in c.program.map.files().filter(|(_, f)| !f.is_stdlib) {
                let mut found = Vec::new();
                for s in analysis::symbols(c, id) {
                    walk(&s, None, &mut found);
                }
                for (s, container) in found {
                    let key = (f.name.clone(), s.span.start, s.span.end);
                    if !matches(&s.name) || !seen.insert(key) {
                        continue;
                    }
                    let Some(location) = Self::location(c, s.name_span) else {
                        continue;
                    };
                    #[allow(deprecated)]
                    out.push(lsp::SymbolInformation {
                        name: s.name,
                        kind: symbol_kind(&s.kind),
                        tags: None,
                        deprecated: None,
                        location,
                        container_name: container,
                    });
                }
            }
        }
        out
    }

    /// The outline of a document: its items and their named blocks.
    pub fn symbols(&self, uri: &Url) -> Option<Vec<lsp::DocumentSymbol>> {
        let (c, id) = self.compilation_of(uri)?;
        fn convert_symbol(c: &stackc::Compilation, s: analysis::Symbol) -> lsp::DocumentSymbol {
            let kind = symbol_kind(&s.kind);
            #[allow(deprecated)]
            lsp::DocumentSymbol {
                name: s.name,
                detail: Some(s.kind),
                kind,
                tags: None,
                deprecated: None,
                range: convert::range(&c.program.map, s.span),
                selection_range: convert::range(&c.program.map, s.name_span),
                children: Some(
                    s.children
                        .into_iter()
                        .map(|ch| convert_symbol(c, ch))
                        .collect(),
                ),
            }
        }
        Some(
            analysis::symbols(&c, id)
                .into_iter()
                .map(|s| convert_symbol(&c, s))
                .collect(),
        )
    }

    /// What may be written at `pos`, from the schema.
    pub fn completions(&self, uri: &Url, pos: lsp::Position) -> Option<Vec<lsp::CompletionItem>> {
        let (c, id) = self.compilation_of(uri)?;
        let snippets = self.support.snippets;
        let items = analysis::completions(&c, id, Self::offset(&c, id, pos))
            .into_iter()
            .map(|k| lsp::CompletionItem {
                label: k.label,
                kind: Some(if k.detail == "item" {
                    lsp::CompletionItemKind::KEYWORD
                } else {
                    lsp::CompletionItemKind::FIELD
                }),
                detail: Some(k.detail),
                documentation: (!k.docs.is_empty()).then_some(lsp::Documentation::MarkupContent(
                    lsp::MarkupContent {
                        kind: lsp::MarkupKind::Markdown,
                        value: k.docs,
                    },
                )),
                insert_text: Some(if snippets {
                    k.snippet
                } else {
                    analysis::snippet_text(&k.snippet)
                }),
                insert_text_format: Some(if snippets {
                    lsp::InsertTextFormat::SNIPPET
                } else {
                    lsp::InsertTextFormat::PLAIN_TEXT
                }),
                ..Default::default()
            })
            .collect();
        Some(items)
    }

    /// What the item at `pos` is, with its doc comment.
    pub fn hover(&self, uri: &Url, pos: lsp::Position) -> Option<lsp::Hover> {
        let (c, id) = self.compilation_of(uri)?;
        let h = analysis::hover(&c, id, Self::offset(&c, id, pos))?;
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: h.markdown,
            }),
            range: Some(convert::range(&c.program.map, h.span)),
        })
    }

    /// The semantic tokens of a document (what each word is, for colours).
    pub fn semantic_tokens(&self, uri: &Url) -> Option<Vec<lsp::SemanticToken>> {
        let (c, id) = self.compilation_of(uri)?;
        let tokens = analysis::tokens::tokens(&c, id);
        Some(convert::semantic_tokens(&c.program.map, &tokens))
    }

    /// Per-environment values after the fields of the services in `range`
    /// (`replicas = 2  dev 1 · prod 3`).
    pub fn inlay_hints(&self, uri: &Url, range: lsp::Range) -> Option<Vec<lsp::InlayHint>> {
        let (c, id) = self.compilation_of(uri)?;
        let map = &c.program.map;
        let hints = analysis::inlay_hints(&c, id)
            .into_iter()
            .filter_map(|h| {
                let at = Span::new(id, h.offset, h.offset);
                let position = convert::range(map, at).start;
                let inside = range.start <= position && position <= range.end;
                inside.then(|| lsp::InlayHint {
                    position,
                    label: lsp::InlayHintLabel::String(h.label),
                    kind: None,
                    text_edits: None,
                    tooltip: Some(lsp::InlayHintTooltip::MarkupContent(lsp::MarkupContent {
                        kind: lsp::MarkupKind::Markdown,
                        value: h.tooltip,
                    })),
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                })
            })
            .collect();
        Some(hints)
    }

    /// `stackc.preview`: for `{ uri, position, target?, environment? }`,
    /// the item under the cursor, the targets and environments to choose
    /// from, and with a target the generated files about the item
    /// (`{ item: { kind, name }, targets, environments, files: [{ path,
    /// contents }] }`). Nothing is written.
    pub fn preview(&self, args: &serde_json::Value) -> Result<serde_json::Value, String> {
        let uri: Url = args
            .get("uri")
            .and_then(|u| u.as_str())
            .and_then(|u| Url::parse(u).ok())
            .ok_or_else(|| "stackc.preview: `uri` is missing".to_string())?;
        let pos: lsp::Position = args
            .get("position")
            .and_then(|p| serde_json::from_value(p.clone()).ok())
            .unwrap_or_default();
        let text = |key: &str| {
            args.get(key)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let (c, id) = self
            .compilation_of(&uri)
            .ok_or_else(|| "the document is not checked yet".to_string())?;
        let p = analysis::preview::preview(
            &c,
            id,
            Self::offset(&c, id, pos),
            text("target"),
            text("environment"),
        )?;
        let files: Vec<serde_json::Value> = p
            .files
            .iter()
            .map(|f| serde_json::json!({ "path": f.path, "contents": f.contents }))
            .collect();
        Ok(serde_json::json!({
            "item": p.item.map(|(kind, name)| serde_json::json!({ "kind": kind, "name": name })),
            "targets": p.targets,
            "environments": p.environments,
            "files": files,
        }))
    }

    /// The name at `pos` and its range, or why it cannot be renamed.
    pub fn prepare_rename(
        &self,
        uri: &Url,
        pos: lsp::Position,
    ) -> Result<lsp::PrepareRenameResponse, String> {
        let (c, id) = self
            .compilation_of(uri)
            .ok_or_else(|| "the document is not checked yet".to_string())?;
        let (span, name) = analysis::rename::prepare(&c, id, Self::offset(&c, id, pos))?;
        Ok(lsp::PrepareRenameResponse::RangeWithPlaceholder {
            range: convert::range(&c.program.map, span),
            placeholder: name.text().to_string(),
        })
    }

    /// The edits renaming the name at `pos` to `new` in every file of the
    /// stack, or why it is refused. A rename that changes names in the
    /// generated files carries a change annotation the editor asks the
    /// user to confirm (when it supports them).
    pub fn rename(
        &self,
        uri: &Url,
        pos: lsp::Position,
        new: &str,
    ) -> Result<lsp::WorkspaceEdit, String> {
        let (c, id) = self
            .compilation_of(uri)
            .ok_or_else(|| "the document is not checked yet".to_string())?;
        let r = analysis::rename::rename(&c, id, Self::offset(&c, id, pos), new)?;
        let map = &c.program.map;
        let mut by_file: BTreeMap<String, Vec<lsp::TextEdit>> = BTreeMap::new();
        for s in &r.edits {
            by_file
                .entry(map.name(s.file).to_string())
                .or_default()
                .push(lsp::TextEdit::new(convert::range(map, *s), new.to_string()));
        }
        let uri_version = |name: &str| {
            let uri = self
                .docs
                .get(name)
                .map(|d| d.uri.clone())
                .or_else(|| uri_of_name(name))?;
            Some((uri, self.docs.get(name).map(|d| d.version)))
        };
        if !self.support.document_changes {
            let changes = by_file
                .into_iter()
                .filter_map(|(f, edits)| Some((uri_version(&f)?.0, edits)))
                .collect();
            return Ok(lsp::WorkspaceEdit::new(changes));
        }
        let annotate = r.consequence.filter(|_| self.support.change_annotations);
        let id = "stackc.rename".to_string();
        let edits = by_file
            .into_iter()
            .filter_map(|(f, edits)| {
                let (uri, version) = uri_version(&f)?;
                let edits = edits
                    .into_iter()
                    .map(|e| match &annotate {
                        Some(_) => lsp::OneOf::Right(lsp::AnnotatedTextEdit {
                            text_edit: e,
                            annotation_id: id.clone(),
                        }),
                        None => lsp::OneOf::Left(e),
                    })
                    .collect();
                Some(lsp::TextDocumentEdit {
                    text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version },
                    edits,
                })
            })
            .collect();
        let change_annotations = annotate.map(|text| {
            let a = lsp::ChangeAnnotation {
                label: format!("rename {}", r.name.describe()),
                needs_confirmation: Some(true),
                description: Some(text),
            };
            std::collections::HashMap::from([(id.clone(), a)])
        });
        Ok(lsp::WorkspaceEdit {
            changes: None,
            document_changes: Some(lsp::DocumentChanges::Edits(edits)),
            change_annotations,
        })
    }

    /// `stackc fmt` of an open document: one edit replacing the whole text,
    /// `None` when it is formatted already or does not parse.
    pub fn format(&self, uri: &Url) -> Option<Vec<lsp::TextEdit>> {
        let doc = self.document(uri)?;
        let formatted =
            stackc::syntax::format::format(&doc.text, stackc::source::FileId(0)).ok()?;
        if *formatted == *doc.text {
            return Some(Vec::new());
        }
        let lines = stackc::source::LineIndex::new(&doc.text);
        let (line, character) = lines.utf16_position(&doc.text, doc.text.len());
        let whole = lsp::Range::new(
            lsp::Position::new(0, 0),
            lsp::Position::new(line, character),
        );
        Some(vec![lsp::TextEdit::new(whole, formatted)])
    }
}

/// How an item or block keyword shows in outlines.
fn symbol_kind(keyword: &str) -> lsp::SymbolKind {
    match keyword {
        "service" | "template" => lsp::SymbolKind::CLASS,
        "secret" => lsp::SymbolKind::KEY,
        "config" => lsp::SymbolKind::OBJECT,
        "environment" => lsp::SymbolKind::NAMESPACE,
        "pipeline" => lsp::SymbolKind::MODULE,
        "job" => lsp::SymbolKind::FUNCTION,
        "stack" => lsp::SymbolKind::PACKAGE,
        _ => lsp::SymbolKind::FIELD,
    }
}

/// The diagnostics whose primary span lies in `file`.
fn publish(
    map: &SourceMap,
    diags: &[Diagnostic],
    file: &str,
    uri: Url,
    version: Option<i32>,
) -> Published {
    let uri_of = |s: Span| uri_of_name(map.name(s.file));
    let diagnostics = diags
        .iter()
        .filter(|d| map.name(d.primary.span.file) == file)
        .map(|d| convert::diagnostic(map, d, &uri_of))
        .collect();
    Published {
        uri,
        version,
        diagnostics,
    }
}

/// Open buffers first, then the disk.
struct Buffers<'a> {
    docs: &'a BTreeMap<String, Document>,
}

impl FileLoader for Buffers<'_> {
    fn resolve(&self, from: &str, path: &str) -> String {
        join_relative(from, path)
    }

    fn load(&self, name: &str) -> Result<String, LoadError> {
        match self.docs.get(name) {
            Some(d) => Ok(d.text.to_string()),
            None => decode(std::fs::read(name).map_err(|e| LoadError::io(&e))?),
        }
    }
}
