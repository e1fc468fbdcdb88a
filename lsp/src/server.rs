//! The tower-lsp `LanguageServer`: routing only. Each notification updates
//! the [`State`] and publishes what the re-checked documents report; each
//! request asks the state.
//!
//! Capabilities: full-text document sync (open, change, save, close),
//! diagnostics pushed after every change, quick fixes from the diagnostics
//! that carry one, formatting (`stackc fmt`), and over the last
//! compilation (`stackc::analysis`): go to definition, references,
//! document highlight and hover for services, templates, secrets, configs,
//! environments and pipelines; hover and completion of fields from the
//! schema (snippets when the client takes them); rename; the document
//! outline and workspace symbols; semantic tokens; inlay hints with
//! per-environment values; and the command `stackc.preview` (the
//! generated files of the item under the cursor).
//!
//! Staleness: a change is checked [`DEBOUNCE`] after it arrives, and only
//! if no newer change came meanwhile (typing fast checks once, not once
//! per keystroke); opening, saving and closing check at once. Every
//! request first checks what changed since the last check, so it is
//! answered from the newest text. A request the client cancels
//! (`$/cancelRequest`) is dropped by tower-lsp.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer};

use crate::state::{Published, State};

/// How long the server waits after a change before checking: changes that
/// arrive within it are checked once, together. A 5,000-line stack checks
/// in under 10 ms (`editor_latency`), so diagnostics are fresh within
/// 50 ms of the last keystroke.
pub const DEBOUNCE: Duration = Duration::from_millis(25);

pub struct Server {
    client: Client,
    state: Arc<Mutex<State>>,
    /// Bumped by every change; a scheduled check that finds it moved on
    /// leaves the work to the check the newer change scheduled.
    generation: Arc<AtomicU64>,
}

/// The state (a poisoned lock is taken over: the state is plain data, and
/// a panic elsewhere must not silence the server).
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    match state.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Checks every document changed since the last check (and those that
/// read it), and publishes each document's newest diagnostics once.
async fn flush(client: &Client, state: &Mutex<State>) {
    let published: Vec<Published> = {
        let mut s = lock(state);
        let dirty = s.take_dirty();
        let mut out: Vec<Published> = Vec::new();
        for name in dirty {
            for p in s.recheck(&name) {
                out.retain(|o| o.uri != p.uri);
                out.push(p);
            }
        }
        out
    };
    for p in published {
        client
            .publish_diagnostics(p.uri, p.diagnostics, p.version)
            .await;
    }
}

impl Server {
    pub fn new(client: Client) -> Self {
        Server {
            client,
            state: Arc::new(Mutex::new(State::default())),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Runs `f` on the state.
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut lock(&self.state))
    }

    /// Runs `f` on the state once every pending change is checked: a
    /// request is answered from the newest text the client sent, never
    /// from a compilation of an older version.
    async fn fresh<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        flush(&self.client, &self.state).await;
        self.with_state(f)
    }

    /// Checks `name` now (open, save, close).
    async fn recheck(&self, name: &str) {
        self.with_state(|s| s.mark_dirty(name));
        flush(&self.client, &self.state).await;
    }

    /// Checks `name` after [`DEBOUNCE`], unless another change comes first.
    fn schedule(&self, name: &str) {
        self.with_state(|s| s.mark_dirty(name));
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let (client, state, current) = (
            self.client.clone(),
            self.state.clone(),
            self.generation.clone(),
        );
        tokio::spawn(async move {
            tokio::time::sleep(DEBOUNCE).await;
            if current.load(Ordering::SeqCst) == generation {
                flush(&client, &state).await;
            }
        });
    }
}

/// The command that returns the generated files of the item under the
/// cursor (`State::preview`).
pub const PREVIEW: &str = "stackc.preview";

/// A request the server declines, with the reason the editor shows.
fn refused(reason: String) -> tower_lsp::jsonrpc::Error {
    tower_lsp::jsonrpc::Error {
        code: tower_lsp::jsonrpc::ErrorCode::InvalidRequest,
        message: reason.into(),
        data: None,
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Server {
    async fn initialize(&self, p: InitializeParams) -> Result<InitializeResult> {
        let support = crate::state::Support::of(&p.capabilities);
        self.with_state(|s| s.support = support);
        let sync = TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..Default::default()
        };
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(sync)),
                document_formatting_provider: Some(OneOf::Left(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions::default()),
                document_symbol_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: crate::convert::semantic_legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: Default::default(),
                        },
                    ),
                ),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![PREVIEW.to_string()],
                    work_done_progress_options: Default::default(),
                }),
                inlay_hint_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "stackc-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let d = p.text_document;
        let name = self.with_state(|s| s.open(d.uri, d.text, d.version));
        self.recheck(&name).await;
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        let Some(change) = p.content_changes.into_iter().last() else {
            return;
        };
        let (uri, version) = (p.text_document.uri, p.text_document.version);
        let name = self.with_state(|s| s.change(&uri, change.text, version));
        self.schedule(&name);
    }

    async fn did_save(&self, p: DidSaveTextDocumentParams) {
        let name = crate::state::name_of(&p.text_document.uri);
        self.recheck(&name).await;
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        let uri = p.text_document.uri;
        flush(&self.client, &self.state).await;
        let (name, orphans) = self.with_state(|s| s.close(&uri));
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
        // Documents that import it now read it from the disk, and the open
        // files it imported are checked on their own again.
        self.recheck(&name).await;
        for o in orphans {
            self.recheck(&o).await;
        }
    }

    /// Quick fixes: one per diagnostic in the request that carries a fix.
    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = p.text_document.uri;
        let actions: Vec<CodeActionOrCommand> = p
            .context
            .diagnostics
            .iter()
            .filter_map(|d| crate::convert::code_action(&uri, d))
            .map(CodeActionOrCommand::CodeAction)
            .collect();
        Ok(Some(actions))
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self.fresh(|s| s.format(&p.text_document.uri)).await)
    }

    async fn goto_definition(
        &self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = p.text_document_position_params;
        Ok(self
            .fresh(|s| s.definition(&at.text_document.uri, at.position))
            .await
            .map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = p.text_document_position;
        let decl = p.context.include_declaration;
        Ok(self
            .fresh(|s| s.references(&at.text_document.uri, at.position, decl))
            .await)
    }

    async fn document_highlight(
        &self,
        p: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let at = p.text_document_position_params;
        Ok(self
            .fresh(|s| s.highlights(&at.text_document.uri, at.position))
            .await)
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = p.text_document_position;
        Ok(self
            .fresh(|s| s.completions(&at.text_document.uri, at.position))
            .await
            .map(CompletionResponse::Array))
    }

    async fn document_symbol(
        &self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .fresh(|s| s.symbols(&p.text_document.uri))
            .await
            .map(DocumentSymbolResponse::Nested))
    }

    async fn semantic_tokens_full(
        &self,
        p: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let data = self
            .fresh(|s| s.semantic_tokens(&p.text_document.uri))
            .await;
        Ok(data.map(|data| {
            SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data,
            })
        }))
    }

    async fn inlay_hint(&self, p: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        Ok(self
            .fresh(|s| s.inlay_hints(&p.text_document.uri, p.range))
            .await)
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<serde_json::Value>> {
        if p.command != PREVIEW {
            return Err(refused(format!("no command `{}`", p.command)));
        }
        let args = p.arguments.into_iter().next().unwrap_or_default();
        self.fresh(|s| s.preview(&args))
            .await
            .map(Some)
            .map_err(refused)
    }

    async fn symbol(&self, p: WorkspaceSymbolParams) -> Result<Option<Vec<SymbolInformation>>> {
        Ok(Some(self.fresh(|s| s.workspace_symbols(&p.query)).await))
    }

    async fn prepare_rename(
        &self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.fresh(|s| s.prepare_rename(&p.text_document.uri, p.position))
            .await
            .map(Some)
            .map_err(refused)
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = p.text_document_position;
        self.fresh(|s| s.rename(&at.text_document.uri, at.position, &p.new_name))
            .await
            .map(Some)
            .map_err(refused)
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        let at = p.text_document_position_params;
        Ok(self
            .fresh(|s| s.hover(&at.text_document.uri, at.position))
            .await)
    }
}
