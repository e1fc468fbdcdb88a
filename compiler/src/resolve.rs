//! Resolve: files, imports and the names a stack declares.
//!
//! Input: a root file name and a [`FileLoader`]. Output: a [`Program`]: the
//! source map (stdlib first), every parsed file, and the [`Symbols`] table
//! of top-level items (services, templates, secrets, configs, environments,
//! pipelines, `let` constants and the one `stack` block), with diagnostics
//! for unreadable or cyclic imports, duplicates, unknown item kinds, unknown
//! templates and template cycles. The LSP reuses the table for
//! go-to-definition and completion.

use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::source::{FileLoader, LoadError, SourceMap, Span};
use crate::stdlib;
use crate::syntax::{self, ast};
use indexmap::IndexMap;
use std::sync::Arc;

/// Where a top-level item lives: file index in `Program::files`, item index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef {
    pub file: usize,
    pub item: usize,
    /// The span of the item's name (or keyword when unnamed).
    pub name_span: Span,
}

/// The kinds of top-level blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Stack,
    Service,
    Template,
    Secret,
    Config,
    Environment,
    Pipeline,
}

impl ItemKind {
    pub const ALL: &'static [(&'static str, ItemKind)] = &[
        ("stack", ItemKind::Stack),
        ("service", ItemKind::Service),
        ("template", ItemKind::Template),
        ("secret", ItemKind::Secret),
        ("config", ItemKind::Config),
        ("environment", ItemKind::Environment),
        ("pipeline", ItemKind::Pipeline),
    ];

    pub fn parse(s: &str) -> Option<ItemKind> {
        Self::ALL.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
    }

    pub fn keyword(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map(|(k, _)| *k)
            .unwrap_or("?")
    }
}

/// Names declared at the top level, in declaration order.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    pub stack: Option<ItemRef>,
    /// The `stack` block's name.
    pub stack_name: Option<String>,
    pub services: Table,
    pub templates: Table,
    pub secrets: Table,
    pub configs: Table,
    pub environments: Table,
    pub pipelines: Table,
    pub lets: Table,
}

/// Declared names of one kind, in declaration order (FxHash: rules and
/// checks look a service up by name for every reference).
pub type Table = IndexMap<String, ItemRef, rustc_hash::FxBuildHasher>;

impl Symbols {
    pub fn table(&self, kind: ItemKind) -> &Table {
        match kind {
            ItemKind::Service => &self.services,
            ItemKind::Template => &self.templates,
            ItemKind::Secret => &self.secrets,
            ItemKind::Config => &self.configs,
            ItemKind::Environment => &self.environments,
            ItemKind::Pipeline => &self.pipelines,
            ItemKind::Stack => &self.services,
        }
    }

    fn table_mut(&mut self, kind: ItemKind) -> &mut Table {
        match kind {
            ItemKind::Service => &mut self.services,
            ItemKind::Template => &mut self.templates,
            ItemKind::Secret => &mut self.secrets,
            ItemKind::Config => &mut self.configs,
            ItemKind::Environment => &mut self.environments,
            ItemKind::Pipeline => &mut self.pipelines,
            ItemKind::Stack => &mut self.services,
        }
    }
}

/// Everything the later stages need about one compilation.
#[derive(Debug, Clone)]
pub struct Program {
    pub map: SourceMap,
    /// Every parsed file; the stdlib's trees are shared with the prelude
    /// (and so with every other compilation of the process).
    pub files: Vec<Arc<ast::File>>,
    /// Indices into `files` of the stdlib files.
    pub stdlib: Vec<usize>,
    /// Index into `files` of the root file.
    pub root: usize,
    pub symbols: Symbols,
    /// A file exists but could not be read as text (an I/O problem, not a
    /// mistake in the stack: `stackc check` exits 2).
    pub unreadable: bool,
}

impl Program {
    pub fn item(&self, r: ItemRef) -> &ast::Item {
        &self.files[r.file].items[r.item]
    }

    /// The block of a block item: `r` comes from one of the symbol
    /// tables other than `lets`.
    pub fn block(&self, r: ItemRef) -> &ast::Block {
        match self.item(r) {
            ast::Item::Block(b) => b,
            _ => unreachable!("collect_symbols files only blocks outside `lets`"),
        }
    }

    /// The `let` item: `r` comes from `symbols.lets`.
    pub fn let_item(&self, r: ItemRef) -> &ast::Let {
        match self.item(r) {
            ast::Item::Let(l) => l,
            _ => unreachable!("collect_symbols files only `let` items in `lets`"),
        }
    }

    /// The stack's name (the `stack` block's label), if declared.
    pub fn stack_name(&self) -> Option<&str> {
        self.symbols.stack_name.as_deref()
    }

    /// Files that are not the stdlib.
    pub fn user_files(&self) -> impl Iterator<Item = &ast::File> {
        self.files
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.stdlib.contains(i))
            .map(|(_, f)| &**f)
    }

    pub fn stdlib_files(&self) -> Vec<&ast::File> {
        self.stdlib.iter().map(|i| &*self.files[*i]).collect()
    }
}

/// The stdlib as every compilation starts: its files registered first in a
/// source map and their syntax trees. Parsed once per process by the
/// driver (`crate::prelude`) and copied into each [`Program`].
#[derive(Debug, Clone)]
pub struct StdlibSources {
    pub map: SourceMap,
    pub files: Vec<Arc<ast::File>>,
    /// Syntax errors in the stdlib (none in a released compiler).
    pub diags: Vec<Diagnostic>,
}

/// Registers and parses the stdlib.
pub fn parse_stdlib() -> StdlibSources {
    let mut map = SourceMap::new();
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for id in stdlib::register(&mut map) {
        let (f, d) = syntax::parse(id, map.text(id));
        files.push(Arc::new(f));
        diags.extend(d);
    }
    StdlibSources { map, files, diags }
}

/// Loads, parses and resolves the stack rooted at `root`, on top of the
/// parsed stdlib `std` (its diagnostics are not repeated here).
pub fn load(
    root: &str,
    loader: &dyn FileLoader,
    std: &StdlibSources,
) -> (Program, Vec<Diagnostic>) {
    let map = std.map.clone();
    let files = std.files.clone();
    let diags = Vec::new();
    let stdlib: Vec<usize> = (0..files.len()).collect();
    let mut loading = Loading {
        loader,
        map,
        files,
        diags,
        stack: Vec::new(),
        via: Vec::new(),
        unreadable: false,
    };
    let (root_idx, root_read) = match loader.load(root) {
        Ok(text) => (loading.add_file(root, text), true),
        Err(e) => {
            let d = loading
                .unreadable(root, e, None)
                .help_if_none("check the path");
            loading.diags.push(d);
            (loading.files.len() - 1, false)
        }
    };
    let Loading {
        map,
        files,
        mut diags,
        unreadable,
        ..
    } = loading;
    let mut program = Program {
        map,
        files,
        stdlib,
        root: root_idx,
        symbols: Symbols::default(),
        unreadable,
    };
    collect_symbols(&mut program, &mut diags);
    if !root_read {
        // A file that could not be read declares nothing: E0100 says why,
        // "this file declares no `stack` block" would only repeat it.
        diags.retain(|d| d.code != Code::E0109);
    }
    check_templates(&program, &mut diags);
    (program, diags)
}

struct Loading<'l> {
    loader: &'l dyn FileLoader,
    map: SourceMap,
    files: Vec<Arc<ast::File>>,
    diags: Vec<Diagnostic>,
    /// Names of the files being loaded (for cycle detection).
    stack: Vec<String>,
    /// The import (path span) that loaded each file of `stack` but the root.
    via: Vec<Span>,
    /// See [`Program::unreadable`].
    unreadable: bool,
}

impl Loading<'_> {
    fn add_file(&mut self, name: &str, text: String) -> usize {
        let id = self.map.add(name, text, false);
        let (file, d) = syntax::parse(id, self.map.text(id));
        self.diags.extend(d);
        self.stack.push(name.to_string());
        let imports: Vec<ast::Import> = file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Import(im) => Some(im.clone()),
                _ => None,
            })
            .collect();
        self.files.push(Arc::new(file));
        let idx = self.files.len() - 1;
        for im in &imports {
            self.import(name, im);
        }
        self.stack.pop();
        idx
    }

    fn import(&mut self, from: &str, im: &ast::Import) {
        let Some(path) = im.path.as_plain() else {
            self.diags.push(Diagnostic::new(
                Code::E0003,
                im.path.span,
                "an import path cannot use `${…}`",
            )
            .label("interpolation in an import")
            .help("imports are read before any name is known; write the path literally, e.g. `import \"./common.stack\"`"));
            return;
        };
        if let Some(alias) = &im.alias {
            self.diags.push(
                Diagnostic::new(Code::E0001, alias.span, "import aliases are not supported")
                    .label("`as` is not allowed here")
                    .help("imported items join this file's names directly; remove `as NAME` and refer to the items by their own names"),
            );
        }
        if stdlib::is_std_import(&path) {
            if !stdlib::module_exists(&path) {
                self.diags.push(
                    Diagnostic::new(Code::E0100, im.path.span, format!("there is no stdlib module `{path}`"))
                        .label("unknown module")
                        .help("the stdlib modules are `std/stack`, `std/service`, `std/pipeline` and `std/steps`"),
                );
            }
            return;
        }
        let name = self.loader.resolve(from, &path);
        if let Some(pos) = self.stack.iter().position(|n| *n == name) {
            self.diags.push(self.import_cycle(pos, im.path.span));
            return;
        }
        if self.map.find(&name).is_some() {
            return;
        }
        match self.loader.load(&name) {
            Ok(text) => {
                self.via.push(im.path.span);
                self.add_file(&name, text);
                self.via.pop();
            }
            Err(e) => {
                let d = self
                    .unreadable(&name, e, Some(im.path.span))
                    .help_if_none("import paths are relative to the importing file");
                self.diags.push(d);
            }
        }
    }

    /// E0100 for a file that cannot be loaded, which joins the source map
    /// with no items. A file that is not text shows what could be decoded,
    /// and the diagnostic points at its first bad byte; otherwise it points
    /// at the import that names the file (`importer`) or at the file itself.
    fn unreadable(&mut self, name: &str, e: LoadError, importer: Option<Span>) -> Diagnostic {
        self.unreadable |= e.is_io();
        let shown = match &e {
            LoadError::NotText(n) => n.shown.as_str(),
            _ => "",
        };
        let id = self.map.add(name, shown, false);
        self.files.push(Arc::new(ast::File {
            id,
            items: Vec::new(),
            span: Span::new(id, 0, 0),
        }));
        let message = format!("cannot read `{name}`: {e}");
        match (e, importer) {
            (LoadError::NotText(n), importer) => {
                let mut d = Diagnostic::new(
                    Code::E0100,
                    Span::new(id, n.offset, n.offset + n.len),
                    message,
                )
                .label(n.problem.describe())
                .help(n.problem.help());
                if let Some(at) = importer {
                    d = d.secondary(at, "imported here");
                }
                d
            }
            (_, Some(at)) => Diagnostic::new(Code::E0100, at, message).label("imported here"),
            (_, None) => Diagnostic::new(Code::E0100, Span::new(id, 0, 0), message),
        }
    }
}

impl Loading<'_> {
    /// E0101: the import at `closing` leads back to `stack[pos]`.
    fn import_cycle(&self, pos: usize, closing: Span) -> Diagnostic {
        let files = &self.stack[pos..];
        let chain = format!("{} → {}", files.join(" → "), files[0]);
        let mut d = Diagnostic::new(Code::E0101, closing, format!("import cycle: {chain}"))
            .label(format!("this import leads back to `{}`", files[0]))
            .help("move the items both files need into a third file that each imports");
        // via[i] loaded stack[i + 1]: the imports inside the cycle.
        for (i, span) in self.via.iter().enumerate().skip(pos) {
            d = d.secondary(
                *span,
                format!("`{}` imports `{}`", self.stack[i], self.stack[i + 1]),
            );
        }
        d
    }
}

fn collect_symbols(p: &mut Program, diags: &mut Vec<Diagnostic>) {
    let mut syms = Symbols::default();
    for (fi, file) in p.files.iter().enumerate() {
        if p.stdlib.contains(&fi) {
            continue;
        }
        for (ii, item) in file.items.iter().enumerate() {
            match item {
                ast::Item::Let(l) => {
                    let r = ItemRef {
                        file: fi,
                        item: ii,
                        name_span: l.name.span,
                    };
                    insert_unique(&mut syms.lets, "constant", &l.name.name, r, diags);
                }
                ast::Item::Block(b) => collect_block(&mut syms, fi, ii, b, diags),
                _ => {}
            }
        }
    }
    if syms.stack.is_none() {
        let id = p.files[p.root].id;
        diags.push(
            Diagnostic::new(
                Code::E0109,
                Span::new(id, 0, 0),
                "this file declares no `stack` block",
            )
            .help(
                "add `stack NAME { }` naming the stack, e.g. `stack shop { namespace = \"shop\" }`",
            ),
        );
    }
    p.symbols = syms;
}

fn collect_block(
    syms: &mut Symbols,
    fi: usize,
    ii: usize,
    b: &ast::Block,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(kind) = ItemKind::parse(&b.kind.name) else {
        diags.push(unknown_item_kind(&b.kind));
        return;
    };
    let Some(label) = b.name() else {
        diags.push(
            Diagnostic::new(
                Code::E0001,
                b.kind.span,
                format!("`{}` needs a name", b.kind.name),
            )
            .label("name missing")
            .help(format!("write `{} NAME {{ … }}`", b.kind.name)),
        );
        return;
    };
    let r = ItemRef {
        file: fi,
        item: ii,
        name_span: label.span,
    };
    if kind == ItemKind::Stack {
        match syms.stack {
            Some(first) => diags.push(
                Diagnostic::new(Code::E0110, label.span, "a second `stack` block")
                    .label("declared again here")
                    .secondary(first.name_span, "the stack is declared here")
                    .help(
                        "one compilation describes one stack; split it into separate stack files",
                    ),
            ),
            None => {
                syms.stack = Some(r);
                syms.stack_name = Some(label.value.clone());
            }
        }
        return;
    }
    insert_unique(syms.table_mut(kind), kind.keyword(), &label.value, r, diags);
}

fn unknown_item_kind(kw: &ast::Ident) -> Diagnostic {
    let kinds = ItemKind::ALL.iter().map(|(k, _)| *k);
    let help = suggest::did_you_mean(&kw.name, kinds.clone())
        .map(|s| format!("did you mean `{s}`?"))
        .unwrap_or_else(|| {
            let all: Vec<&str> = kinds.collect();
            format!(
                "top-level items are {}, `let` and `import`",
                suggest::quote_list(&all)
            )
        });
    Diagnostic::new(
        Code::E0113,
        kw.span,
        format!("unknown item kind `{}`", kw.name),
    )
    .label("not an item kind")
    .help(help)
}

fn insert_unique(
    table: &mut Table,
    what: &str,
    name: &str,
    r: ItemRef,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(first) = table.get(name) {
        diags.push(
            Diagnostic::new(Code::E0102, r.name_span, format!("the {what} `{name}` is declared twice"))
                .label("declared again here")
                .secondary(first.name_span, "first declared here")
                .help(format!("rename one of them or merge them; an environment changes a {what} with an `environment` block")),
        );
        return;
    }
    table.insert(name.to_string(), r);
}

/// Unknown templates (E0108) and templates that apply themselves (E0111).
fn check_templates(p: &Program, diags: &mut Vec<Diagnostic>) {
    let syms = &p.symbols;
    let users = syms.services.values().chain(syms.templates.values());
    for r in users {
        for t in &p.block(*r).templates {
            if !syms.templates.contains_key(&t.name) {
                diags.push(
                    Diagnostic::new(
                        Code::E0108,
                        t.span,
                        format!("unknown template `{}`", t.name),
                    )
                    .label("no template with this name")
                    .help_opt(suggest::help_for_unknown(
                        "template",
                        &t.name,
                        syms.templates.keys().map(String::as_str),
                    )),
                );
            }
        }
    }
    let mut reported: Vec<Vec<String>> = Vec::new();
    for (name, r) in &syms.templates {
        let mut seen = vec![name.clone()];
        let Some(cycle) = template_cycle(p, *r, &mut seen) else {
            continue;
        };
        let mut members = cycle[1..].to_vec();
        members.sort();
        if !reported.contains(&members) {
            reported.push(members);
            diags.push(template_cycle_error(p, &cycle));
        }
    }
}

/// E0111, once per cycle: the first `: template` reference, the others as labels.
fn template_cycle_error(p: &Program, cycle: &[String]) -> Diagnostic {
    let edge = |a: &str, b: &str| -> Option<Span> {
        let r = p.symbols.templates.get(a)?;
        p.block(*r)
            .templates
            .iter()
            .find(|t| t.name == b)
            .map(|t| t.span)
    };
    let applies = |a: &str, b: &str| format!("`{a}` applies `{b}`");
    let primary = edge(&cycle[0], &cycle[1]).unwrap_or(p.symbols.templates[&cycle[0]].name_span);
    let mut d = Diagnostic::new(
        Code::E0111,
        primary,
        format!(
            "template `{}` applies itself: {}",
            cycle[0],
            cycle.join(" → ")
        ),
    )
    .label(applies(&cycle[0], &cycle[1]));
    for pair in cycle.windows(2).skip(1) {
        if let Some(s) = edge(&pair[0], &pair[1]) {
            d = d.secondary(s, applies(&pair[0], &pair[1]));
        }
    }
    d.help(
        "a template cannot include itself; remove one of the `: template` references in the cycle",
    )
}

fn template_cycle(p: &Program, r: ItemRef, seen: &mut Vec<String>) -> Option<Vec<String>> {
    for t in &p.block(r).templates {
        if seen.first() == Some(&t.name) {
            let mut c = seen.clone();
            c.push(t.name.clone());
            return Some(c);
        }
        if seen.contains(&t.name) {
            continue;
        }
        if let Some(next) = p.symbols.templates.get(&t.name) {
            seen.push(t.name.clone());
            if let Some(c) = template_cycle(p, *next, seen) {
                return Some(c);
            }
            seen.pop();
        }
    }
    None
}

/// Template order for a block: templates first (depth-first, in the order
/// written), each at most once. Unknown templates and cycles are skipped
/// (already reported).
pub fn template_chain(p: &Program, b: &ast::Block) -> Vec<ItemRef> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    chain_into(p, b, &mut out, &mut seen);
    out
}

fn chain_into(p: &Program, b: &ast::Block, out: &mut Vec<ItemRef>, seen: &mut Vec<String>) {
    for t in &b.templates {
        if seen.contains(&t.name) {
            continue;
        }
        if let Some(r) = p.symbols.templates.get(&t.name) {
            seen.push(t.name.clone());
            chain_into(p, p.block(*r), out, seen);
            out.push(*r);
        }
    }
}
