//! The real `stackc-lsp` binary driven over stdio by a small JSON-RPC
//! client: initialize, diagnostics for every diagnostics fixture compared
//! with what `stackc check --format json` reports, re-checks through
//! imports, formatting, and survival of half-typed input.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pending: Vec<Value>,
    /// The server's answer to `initialize`.
    capabilities: Value,
}

impl Client {
    fn start() -> Client {
        Client::start_with(json!({}))
    }

    /// A client announcing `capabilities`.
    fn start_with(capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stackc-lsp"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start stackc-lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            next_id: 1,
            pending: Vec::new(),
            capabilities: Value::Null,
        };
        c.capabilities = c.request("initialize", json!({ "capabilities": capabilities }));
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let msg = self.request_raw(method, params);
        assert!(msg.get("error").is_none(), "{method}: {msg}");
        msg["result"].clone()
    }

    /// The whole answer: `result` or `error`.
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if !params.is_null() {
            msg["params"] = params;
        }
        self.send(msg);
        loop {
            let msg = self.recv(&format!("the answer to `{method}`"));
            if msg["id"] == json!(id) {
                return msg;
            }
            self.pending.push(msg);
        }
    }

    fn recv(&mut self, what: &str) -> Value {
        self.rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no message from stackc-lsp: waited for {what}"))
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        self.diagnostics_of(uri, None)
    }

    /// The next diagnostics published for `uri` at `version` (publishes
    /// for earlier versions are skipped).
    fn diagnostics_at(&mut self, uri: &str, version: i32) -> Vec<Value> {
        self.diagnostics_of(uri, Some(version))
    }

    fn diagnostics_of(&mut self, uri: &str, version: Option<i32>) -> Vec<Value> {
        let is_for = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        };
        if let Some(i) = self.pending.iter().position(is_for) {
            let m = self.pending.remove(i);
            return m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let m = self.recv(&format!("diagnostics for {uri}"));
            if is_for(&m) {
                return m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            self.pending.push(m);
        }
        panic!("no diagnostics published for {uri}");
    }

    fn open(&mut self, uri: &str, text: &str) {
        let doc = json!({ "uri": uri, "languageId": "stack", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": doc }));
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        let doc = json!({ "uri": uri, "version": version });
        let changes = json!([{ "text": text }]);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": doc, "contentChanges": changes }),
        );
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Reads the disk, as `stackc check` does.
struct Disk;

impl stackc::source::FileLoader for Disk {
    fn resolve(&self, from: &str, path: &str) -> String {
        stackc::source::join_relative(from, path)
    }

    fn load(&self, name: &str) -> Result<String, stackc::source::LoadError> {
        let bytes = std::fs::read(name).map_err(|e| stackc::source::LoadError::io(&e))?;
        stackc::source::decode(bytes)
    }
}

/// What `stackc check --format json` reports for `path`, as the LSP would
/// carry it: code, severity, the range of the primary span (0-based lines,
/// UTF-16 columns, computed here from byte offsets), the message with its
/// label, notes and help, and the secondary labels.
fn expected(path: &Path) -> Vec<Value> {
    let name = path.to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).expect("fixture");
    let c = stackc::compile(&name, &Disk, &stackc::EnvSelection::All);
    c.diagnostics
        .iter()
        .map(|d| stackc::diagnostics::render::json_value(&c.program.map, d))
        .filter(|j| j["primary"]["span"]["file"] == name.as_str())
        .map(|j| {
            let mut message = j["message"].as_str().unwrap_or_default().to_string();
            let label = j["primary"]["message"].as_str().unwrap_or_default();
            if !label.is_empty() {
                message.push_str(&format!("\n{label}"));
            }
            for n in j["notes"].as_array().into_iter().flatten() {
                message.push_str(&format!("\nnote: {}", n.as_str().unwrap_or_default()));
            }
            if let Some(h) = j["help"].as_str() {
                message.push_str(&format!("\nhelp: {h}"));
            }
            let span = &j["primary"]["span"];
            let at = |key: &str| position(&text, span[key].as_u64().unwrap_or(0) as usize);
            let secondary: Vec<String> = j["secondary"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|l| l["span"]["file"] == name.as_str())
                .map(|l| l["message"].as_str().unwrap_or_default().to_string())
                .collect();
            json!({
                "code": j["code"],
                "severity": if j["severity"] == "error" { 1 } else { 2 },
                "range": { "start": at("start"), "end": at("end") },
                "message": message,
                "related": secondary,
            })
        })
        .collect()
}

/// An LSP position of a byte offset, computed independently of the server.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[start..].encode_utf16().count();
    json!({ "line": line, "character": character })
}

/// The same fields from what the server published.
fn received(published: &[Value]) -> Vec<Value> {
    published
        .iter()
        .map(|d| {
            let related: Vec<String> = d["relatedInformation"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| r["message"].as_str().unwrap_or_default().to_string())
                .collect();
            json!({
                "code": d["code"],
                "severity": d["severity"],
                "range": d["range"],
                "message": d["message"],
                "related": related,
            })
        })
        .collect()
}

#[test]
fn initialize_announces_full_sync_and_formatting() {
    let c = Client::start();
    let caps = &c.capabilities["capabilities"];
    assert_eq!(caps["textDocumentSync"]["change"], 1, "{caps}"); // full
    assert_eq!(caps["textDocumentSync"]["openClose"], true, "{caps}");
    assert_eq!(caps["documentFormattingProvider"], true, "{caps}");
    assert_eq!(c.capabilities["serverInfo"]["name"], "stackc-lsp");
}

#[test]
fn every_diagnostics_fixture_matches_stackc_check() {
    let dir = repo().join("tests/fixtures/diagnostics");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "stack"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() > 50, "fixtures found: {}", fixtures.len());
    let mut c = Client::start();
    let mut reporting = 0;
    for path in fixtures {
        let path = path.canonicalize().expect("path");
        let text = std::fs::read_to_string(&path).expect("fixture");
        let u = uri(&path);
        c.open(&u, &text);
        let got = received(&c.diagnostics(&u));
        let want = expected(&path);
        assert_eq!(got, want, "{}", path.display());
        reporting += usize::from(!want.is_empty());
        c.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": u } }),
        );
        let _ = c.diagnostics(&u); // cleared on close
    }
    // Lowering fixtures (E08xx) report only when emitting; every other does.
    assert!(reporting > 50, "fixtures with diagnostics: {reporting}");
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackc-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn a_change_to_an_imported_file_rechecks_its_importers() {
    let dir = scratch("imports");
    let lib = dir.join("lib.stack");
    let main = dir.join("main.stack");
    let lib_ok = "secret token {\n    kind = token\n}\n";
    let main_text = "import \"./lib.stack\"\n\nstack shop {}\n\nservice api {\n    image = \"nginx:1.27\"\n    env {\n        TOKEN = secret.token\n    }\n}\n";
    std::fs::write(&lib, lib_ok).expect("write");
    std::fs::write(&main, main_text).expect("write");
    let mut c = Client::start();
    c.open(&uri(&main), main_text);
    assert_eq!(c.diagnostics(&uri(&main)), Vec::<Value>::new());
    // Open the library and rename the secret: main now uses an undeclared one
    // (renamed to a name unlike `token`: a near miss such as `tokn` would be
    // the secret the reference most likely meant, not reported unused).
    // Opening the library re-checks its importer, which now reads the
    // buffer and reports for both files (the library is no stack of its
    // own: no E0109 for its missing `stack` block).
    c.open(&uri(&lib), lib_ok);
    assert_eq!(c.diagnostics(&uri(&main)), Vec::<Value>::new());
    assert_eq!(c.diagnostics_at(&uri(&lib), 1), Vec::<Value>::new());
    c.change(&uri(&lib), 2, "secret api_key {\n    kind = token\n}\n");
    let codes = |ds: Vec<Value>| ds.iter().map(|d| d["code"].clone()).collect::<Vec<_>>();
    let main_codes = codes(c.diagnostics(&uri(&main)));
    assert_eq!(codes(c.diagnostics_at(&uri(&lib), 2)), vec![json!("E0400")]);
    assert!(main_codes.contains(&json!("E0105")), "{main_codes:?}");
    // Closing the importer checks the library on its own again.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri(&main) } }),
    );
    assert_eq!(c.diagnostics(&uri(&main)), Vec::<Value>::new());
    let own = codes(c.diagnostics_at(&uri(&lib), 2));
    assert!(own.contains(&json!("E0109")), "{own:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn formatting_is_stackc_fmt() {
    let dir = scratch("fmt");
    let path = dir.join("stack.stack");
    let text = "stack   shop {\nnamespace=\"shop\"\n}\n";
    let mut c = Client::start();
    c.open(&uri(&path), text);
    let _ = c.diagnostics(&uri(&path));
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri(&path) }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    let want = stackc::syntax::format::format(text, stackc::source::FileId(0)).expect("formats");
    assert_eq!(edits[0]["newText"], want.as_str(), "{edits}");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn half_typed_input_keeps_the_server_answering() {
    let dir = scratch("typing");
    let path = dir.join("stack.stack");
    let u = uri(&path);
    let mut c = Client::start();
    c.open(&u, "");
    let _ = c.diagnostics(&u);
    let steps = [
        "stack shop {",
        "stack shop {}\nservice api { port http { container = } }",
        "stack shop {}\nservice api { env { X = } }",
        "stack shop {}\nservice api { image = \"",
        "stack shop {}\nservice api { image = \"nginx:1.27\" }\n\u{1F600} = ${",
    ];
    for (i, text) in steps.iter().enumerate() {
        c.change(&u, i as i32 + 2, text);
        let ds = c.diagnostics(&u);
        assert!(!ds.is_empty(), "step {i}: broken input reports something");
    }
    let shutdown = c.request("shutdown", Value::Null);
    assert_eq!(shutdown, Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_diagnostic_with_a_fix_offers_it_as_a_quick_fix() {
    let path = repo()
        .join("tests/fixtures/diagnostics/E0201_quoted_enum_value.stack")
        .canonicalize()
        .expect("fixture");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let u = uri(&path);
    let mut c = Client::start();
    c.open(&u, &text);
    let diags = c.diagnostics(&u);
    let with_fix: Vec<Value> = diags
        .iter()
        .filter(|d| !d["data"].is_null())
        .cloned()
        .collect();
    assert_eq!(with_fix.len(), 1, "{diags:?}");
    let d = &with_fix[0];
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": u }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix", "{actions}");
    let edit = &action["edit"]["changes"][u.as_str()][0];
    assert_eq!(edit["newText"], d["data"]["newText"]);
    // The edit is the compiler's fix, at the compiler's span.
    let name = path.to_string_lossy().into_owned();
    let compiled = stackc::compile(&name, &Disk, &stackc::EnvSelection::All);
    let fix = compiled
        .diagnostics
        .iter()
        .find_map(|d| d.fix.clone())
        .expect("the fixture's diagnostic has a fix");
    assert_eq!(edit["newText"], fix.replacement.as_str());
    assert_eq!(
        edit["range"]["start"],
        position(&text, fix.span.start as usize)
    );
    assert_eq!(edit["range"]["end"], position(&text, fix.span.end as usize));
}

/// A rename fix (an invalid service name) is one quick fix that edits the
/// declaration and every reference in the document.
#[test]
fn a_rename_fix_edits_every_reference() {
    let path = repo()
        .join("tests/fixtures/diagnostics/E0207_rename_with_references.stack")
        .canonicalize()
        .expect("fixture");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let u = uri(&path);
    let mut c = Client::start();
    c.open(&u, &text);
    let diags = c.diagnostics(&u);
    let d = diags
        .iter()
        .find(|d| d["code"] == "E0207")
        .cloned()
        .expect("E0207");
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": u }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let action = &actions[0];
    assert_eq!(
        action["title"], "rename to `api-gateway` (and the 4 references)",
        "{actions}"
    );
    let edits = action["edit"]["changes"][u.as_str()]
        .as_array()
        .expect("edits in the document");
    assert_eq!(
        edits.len(),
        5,
        "the declaration and 4 references: {edits:?}"
    );
    assert!(edits.iter().all(|e| e["newText"] == "api-gateway"));
}

/// Go to definition, references, highlights and hover over the last
/// compilation, across an import.
#[test]
fn navigation_and_hover_follow_references_across_files() {
    let dir = scratch("navigation");
    let root = dir.join("stack.stack");
    let lib = dir.join("secrets.stack");
    let lib_text = "/// The token the API calls the payment provider with.\nsecret token {\n    kind = token\n}\n";
    let root_text = "stack shop {\n    namespace = \"shop\"\n}\nimport \"./secrets.stack\"\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n    env {\n        TOKEN = secret.token\n        PEER = \"http://${web.host}\"\n    }\n}\nservice web {\n    image = \"ghcr.io/acme/web:1.0\"\n    port http {\n        container = 80\n    }\n    env {\n        TOKEN = secret.token\n    }\n}\n";
    std::fs::write(&lib, lib_text).expect("write");
    let mut c = Client::start();
    assert_eq!(c.capabilities["capabilities"]["definitionProvider"], true);
    assert_eq!(c.capabilities["capabilities"]["hoverProvider"], true);
    c.open(&uri(&root), root_text);
    let _ = c.diagnostics(&uri(&root));
    let at = |needle: &str, into: usize| {
        let offset = root_text.find(needle).expect("needle") + into;
        json!({ "textDocument": { "uri": uri(&root) }, "position": position(root_text, offset) })
    };
    // `secret.token` → the declaration in the imported file.
    let def = c.request("textDocument/definition", at("secret.token", 8));
    assert_eq!(def["uri"], uri(&lib), "{def}");
    assert_eq!(
        def["range"]["start"],
        json!({ "line": 1, "character": 7 }),
        "{def}"
    );
    // Both uses and the declaration.
    let mut params = at("secret.token", 8);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = c.request("textDocument/references", params);
    assert_eq!(refs.as_array().map(Vec::len), Some(3), "{refs}");
    // `${web.host}` names the service `web`.
    let def = c.request("textDocument/definition", at("${web.host}", 3));
    assert_eq!(def["uri"], uri(&root), "{def}");
    let web_line = root_text[..root_text.find("service web").unwrap()]
        .matches('\n')
        .count();
    assert_eq!(def["range"]["start"]["line"], web_line, "{def}");
    // Highlights in this document: the two uses (the declaration is elsewhere).
    let hl = c.request("textDocument/documentHighlight", at("secret.token", 8));
    assert_eq!(hl.as_array().map(Vec::len), Some(2), "{hl}");
    // Hover: what it is and its doc comment.
    let hover = c.request("textDocument/hover", at("secret.token", 8));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.starts_with("**secret `token`**"), "{hover}");
    assert!(text.contains("payment provider"), "{hover}");
    // Nothing under a keyword.
    let none = c.request("textDocument/hover", at("service api", 2));
    assert!(none.is_null(), "{none}");
    // A field's key: its type and documentation.
    let hover = c.request("textDocument/hover", at("image = ", 1));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.starts_with("**`image`**"), "{hover}");
    // Completion inside `service web { … }`: fields not written yet.
    let items = c.request("textDocument/completion", at("port http", 0));
    let labels: Vec<&str> = items
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        labels.contains(&"replicas") && !labels.contains(&"image"),
        "{labels:?}"
    );
    // The outline: the stack `shop` and both services, `web` with its port.
    let outline = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri(&root) } }),
    );
    let names: Vec<&str> = outline
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["shop", "api", "web"], "{outline}");
    assert_eq!(outline[2]["children"][0]["name"], "http", "{outline}");
    // Workspace symbols: every file of the open stacks, matched in order.
    let found = c.request("workspace/symbol", json!({ "query": "tkn" }));
    let found: Vec<(String, String)> = found
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_string(),
                s["location"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(found, [("token".to_string(), uri(&lib))]);
    let port = c.request("workspace/symbol", json!({ "query": "http" }));
    assert_eq!(port[0]["containerName"], "service web", "{port}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Opening a file that others import, before its root: it is checked as
/// part of the `stack.stack` beside it, not as a stack of its own (which
/// would report a missing `stack` block and everything it does not
/// declare).
#[test]
fn an_imported_file_opened_alone_is_checked_through_the_stack_beside_it() {
    let dir = scratch("imported-first");
    let root = dir.join("stack.stack");
    let lib = dir.join("services.stack");
    std::fs::write(
        &root,
        "stack shop {\n    namespace = \"shop\"\n}\nimport \"./services.stack\"\nsecret token {\n    kind = token\n}\n",
    )
    .expect("write");
    let lib_text = "service api {\n    image = \"ghcr.io/acme/api:1.0\"\n    env {\n        TOKEN = secret.token\n    }\n}\n";
    std::fs::write(&lib, lib_text).expect("write");
    let mut c = Client::start();
    c.open(&uri(&lib), lib_text);
    let got = c.diagnostics(&uri(&lib));
    assert!(got.is_empty(), "false errors: {got:?}");
    // A real mistake in it is still reported, at its place.
    let broken = lib_text.replace("secret.token", "secret.tokn");
    c.change(&uri(&lib), 2, &broken);
    let got = c.diagnostics_at(&uri(&lib), 2);
    let codes: Vec<&str> = got.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["E0105"], "{got:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Rename across files: `prepareRename` gives the name's range, `rename`
/// edits every file that names it; a collision is refused with the reason;
/// a client with change annotations is asked to confirm a rename that
/// changes generated names.
#[test]
fn rename_edits_every_file_or_says_why_not() {
    let dir = scratch("rename");
    let root = dir.join("stack.stack");
    let lib = dir.join("secrets.stack");
    let lib_text = "secret token {\n    kind = token\n}\nsecret other {\n    kind = token\n}\n";
    let root_text = "stack shop {\n    namespace = \"shop\"\n}\nimport \"./secrets.stack\"\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n    env {\n        TOKEN = secret.token\n        OTHER = secret.other\n    }\n}\nservice web {\n    image = \"ghcr.io/acme/web:1.0\"\n    depends_on {\n        api = started\n    }\n    env {\n        TOKEN = secret.token\n    }\n}\n";
    std::fs::write(&lib, lib_text).expect("write");
    std::fs::write(&root, root_text).expect("write");
    let caps = json!({ "workspace": { "workspaceEdit": { "documentChanges": true, "changeAnnotationSupport": {} } } });
    for annotated in [false, true] {
        let mut c = if annotated {
            Client::start_with(caps.clone())
        } else {
            Client::start()
        };
        assert_eq!(
            c.capabilities["capabilities"]["renameProvider"]["prepareProvider"],
            true
        );
        c.open(&uri(&root), root_text);
        assert_eq!(c.diagnostics(&uri(&root)), Vec::<Value>::new());
        let at = |needle: &str, into: usize| {
            let offset = root_text.find(needle).expect("needle") + into;
            json!({ "textDocument": { "uri": uri(&root) }, "position": position(root_text, offset) })
        };
        let prep = c.request("textDocument/prepareRename", at("secret.token", 9));
        assert_eq!(prep["placeholder"], "token", "{prep}");
        assert_eq!(
            prep["range"]["start"],
            position(root_text, root_text.find("secret.token").unwrap() + 7)
        );
        let mut params = at("secret.token", 9);
        params["newName"] = json!("api_token");
        let edit = c.request("textDocument/rename", params);
        // Edits per file: the two uses here, the declaration there.
        let per_file: Vec<(String, usize, Value)> = if annotated {
            edit["documentChanges"]
                .as_array()
                .expect("documentChanges")
                .iter()
                .map(|d| {
                    let edits = d["edits"].as_array().cloned().unwrap_or_default();
                    (
                        d["textDocument"]["uri"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        edits.len(),
                        d["textDocument"]["version"].clone(),
                    )
                })
                .collect()
        } else {
            let mut v: Vec<(String, usize, Value)> = edit["changes"]
                .as_object()
                .expect("changes")
                .iter()
                .map(|(u, e)| (u.clone(), e.as_array().map_or(0, Vec::len), Value::Null))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        let want_root_version = if annotated { json!(1) } else { Value::Null };
        assert_eq!(
            per_file,
            [
                (uri(&lib), 1, Value::Null),
                (uri(&root), 2, want_root_version)
            ],
            "{edit}"
        );
        if annotated {
            let a = &edit["changeAnnotations"]["stackc.rename"];
            assert_eq!(a["needsConfirmation"], true, "{edit}");
            assert!(
                a["description"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("Kubernetes Secret"),
                "{edit}"
            );
            assert_eq!(
                edit["documentChanges"][0]["edits"][0]["annotationId"],
                "stackc.rename"
            );
        }
        // `depends_on { api = … }` names the service.
        let mut params = at("api = started", 0);
        params["newName"] = json!("backend");
        let edit = c.request("textDocument/rename", params);
        let text = edit.to_string();
        assert_eq!(text.matches("\"backend\"").count(), 2, "{edit}");
        // Refused: the name is taken, and a keyword is nothing to rename.
        let mut params = at("secret.token", 9);
        params["newName"] = json!("other");
        let refused = c.request_raw("textDocument/rename", params);
        let why = refused["error"]["message"].as_str().unwrap_or_default();
        assert!(
            why.contains("secret `other` is already declared at"),
            "{refused}"
        );
        let refused = c.request_raw("textDocument/prepareRename", at("service api", 2));
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("nothing to rename here"),
            "{refused}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Semantic tokens (decoded from the relative encoding) and the inlay hint
/// of a value that environments override.
#[test]
fn semantic_tokens_and_inlay_hints() {
    let dir = scratch("tokens");
    let path = dir.join("stack.stack");
    let text = "stack shop {\n    namespace = \"shop\"\n}\n// ok\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n    replicas = 2\n}\nenvironment dev {\n    service api {\n        replicas = 1\n    }\n}\nenvironment prod {}\n";
    let u = uri(&path);
    let mut c = Client::start();
    let legend = &c.capabilities["capabilities"]["semanticTokensProvider"]["legend"];
    let types: Vec<String> = legend["tokenTypes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    assert!(types.contains(&"class".to_string()), "{legend}");
    c.open(&u, text);
    assert_eq!(c.diagnostics(&u), Vec::<Value>::new());
    let got = c.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": u } }),
    );
    let data: Vec<u64> = got["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(data.len() % 5, 0);
    let (mut line, mut col) = (0, 0);
    let mut decoded = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            col = 0;
        }
        line += t[0];
        col += t[1];
        decoded.push((line, col, t[2], types[t[3] as usize].clone()));
    }
    let has = |l: u64, ch: u64, len: u64, ty: &str| decoded.contains(&(l, ch, len, ty.to_string()));
    assert!(has(0, 0, 5, "keyword"), "{decoded:?}"); // stack
    assert!(has(3, 0, 5, "comment"), "{decoded:?}");
    assert!(has(4, 8, 3, "class"), "{decoded:?}"); // api
    assert!(has(6, 4, 8, "property"), "{decoded:?}"); // replicas
    assert!(has(6, 15, 1, "number"), "{decoded:?}");
    assert!(has(8, 12, 3, "namespace"), "{decoded:?}"); // dev
    let hints = c.request(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": u }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 14, "character": 0 } } }),
    );
    assert_eq!(hints.as_array().map(Vec::len), Some(1), "{hints}");
    assert_eq!(hints[0]["label"], "dev 1", "{hints}");
    assert_eq!(hints[0]["position"], json!({ "line": 6, "character": 16 }));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `workspace/executeCommand` `stackc.preview`: the choices, then the
/// generated Compose file of the service under the cursor, in memory.
#[test]
fn the_preview_command_returns_the_generated_file() {
    let dir = scratch("preview");
    let path = dir.join("stack.stack");
    let text = "stack shop {\n    namespace = \"shop\"\n    targets = [compose, k8s]\n}\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n    port http {\n        container = 8080\n    }\n}\nenvironment dev {}\n";
    let u = uri(&path);
    let mut c = Client::start();
    let commands = &c.capabilities["capabilities"]["executeCommandProvider"]["commands"];
    assert_eq!(commands, &json!(["stackc.preview"]));
    c.open(&u, text);
    assert_eq!(c.diagnostics(&u), Vec::<Value>::new());
    let cursor = position(text, text.find("image").unwrap());
    let ask = |extra: Value| {
        let mut args = json!({ "uri": u, "position": cursor });
        if let Value::Object(m) = extra {
            for (k, v) in m {
                args[k] = v;
            }
        }
        json!({ "command": "stackc.preview", "arguments": [args] })
    };
    let choices = c.request("workspace/executeCommand", ask(json!({})));
    assert_eq!(choices["item"], json!({ "kind": "service", "name": "api" }));
    assert_eq!(choices["targets"], json!(["compose", "k8s"]));
    assert_eq!(choices["environments"], json!(["dev"]));
    let got = c.request(
        "workspace/executeCommand",
        ask(json!({ "target": "compose", "environment": "dev" })),
    );
    let files = got["files"].as_array().expect("files");
    assert_eq!(files[0]["path"], "compose.yaml", "{got}");
    let yaml = files[0]["contents"].as_str().unwrap_or_default();
    assert!(
        yaml.contains("generated by stackc") && yaml.contains("api:"),
        "{yaml}"
    );
    let refused = c.request_raw(
        "workspace/executeCommand",
        ask(json!({ "target": "nomad" })),
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no target"),
        "{refused}"
    );
    // Nothing was written beside the stack.
    let written: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert!(written.is_empty(), "{written:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Typing fast: twenty changes sent at once are checked together (far
/// fewer publishes than changes), the last publish is for the last
/// version, and a request sent right after a change is answered from that
/// change's text, not from an older compilation.
#[test]
fn fast_typing_is_checked_once_and_requests_see_the_latest_text() {
    let dir = scratch("debounce");
    let path = dir.join("stack.stack");
    let u = uri(&path);
    let base = "stack shop {\n    namespace = \"shop\"\n}\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n}\n";
    let mut c = Client::start();
    c.open(&u, base);
    assert_eq!(c.diagnostics(&u), Vec::<Value>::new());
    for v in 2..=21 {
        // A comment typed one keystroke at a time.
        c.change(&u, v, &format!("{base}// {}", "x".repeat(v as usize)));
    }
    let last = format!(
        "{base}service web {{\n    image = \"ghcr.io/acme/web:1.0\"\n    replicas = \"2\"\n}}\n"
    );
    c.change(&u, 22, &last);
    // A request right away sees version 22: `web` is there to hover.
    let offset = last.find("service web").unwrap() + 9;
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": u }, "position": position(&last, offset) }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .starts_with("**service `web`**"),
        "{hover}"
    );
    // Everything published in the next moments, in order.
    std::thread::sleep(std::time::Duration::from_millis(300));
    while let Ok(m) = c.rx.try_recv() {
        c.pending.push(m);
    }
    let published: Vec<&Value> = c
        .pending
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u)
        .collect();
    let versions: Vec<i64> = published
        .iter()
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    // The newest text is the last word, with its diagnostics.
    assert_eq!(versions.last(), Some(&22), "{versions:?}");
    let last_codes: Vec<&str> = published[published.len() - 1]["params"]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(last_codes, ["E0201"], "{versions:?}");
    // Fewer checks than keystrokes.
    let typing = versions.iter().filter(|v| (2..=21).contains(*v)).count();
    assert!(typing < 20, "every keystroke was checked: {versions:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Definition, references and highlights for ports, jobs and config keys
/// (the names that live inside an item).
#[test]
fn navigation_covers_ports_jobs_and_config_keys() {
    let dir = scratch("inner-names");
    let path = dir.join("stack.stack");
    let text = "stack shop {\n    namespace = \"shop\"\n}\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n    port http {\n        container = 8080\n    }\n    readiness {\n        http = \"/ready\"\n        port = http\n    }\n    env {\n        LEVEL = config.app.LOG_LEVEL\n    }\n}\nconfig app {\n    LOG_LEVEL = \"info\"\n}\npipeline ci {\n    on {\n        push {}\n    }\n    job build {\n        steps {\n            checkout {}\n        }\n    }\n    job test {\n        needs = [build]\n        steps {\n            checkout {}\n        }\n    }\n}\n";
    let u = uri(&path);
    let mut c = Client::start();
    c.open(&u, text);
    assert_eq!(c.diagnostics(&u), Vec::<Value>::new());
    let at = |needle: &str, into: usize| {
        let offset = text.find(needle).expect("needle") + into;
        json!({ "textDocument": { "uri": u }, "position": position(text, offset) })
    };
    let line_of = |needle: &str| {
        text[..text.find(needle).expect("needle")]
            .matches('\n')
            .count()
    };
    let def = c.request("textDocument/definition", at("port = http", 8));
    assert_eq!(def["range"]["start"]["line"], line_of("port http"), "{def}");
    let def = c.request("textDocument/definition", at("needs = [build]", 10));
    assert_eq!(def["range"]["start"]["line"], line_of("job build"), "{def}");
    let def = c.request("textDocument/definition", at("app.LOG_LEVEL", 5));
    assert_eq!(
        def["range"]["start"]["line"],
        line_of("LOG_LEVEL = "),
        "{def}"
    );
    let mut params = at("port http", 6);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = c.request("textDocument/references", params);
    assert_eq!(refs.as_array().map(Vec::len), Some(2), "{refs}");
    let hl = c.request("textDocument/documentHighlight", at("job build", 5));
    let kinds: Vec<i64> = hl
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["kind"].as_i64())
        .collect();
    assert_eq!(kinds, [3, 2], "{hl}"); // the declaration (write), the use (read)
    let _ = std::fs::remove_dir_all(&dir);
}

/// Completion inserts snippets only for a client that takes them; others
/// get the placeholders' default text.
#[test]
fn completion_snippets_follow_the_clients_support() {
    let dir = scratch("snippets");
    let path = dir.join("stack.stack");
    let text = "stack shop {\n    namespace = \"shop\"\n}\n\n";
    let u = uri(&path);
    let caps = json!({ "textDocument": { "completion": { "completionItem": { "snippetSupport": true } } } });
    for snippets in [true, false] {
        let mut c = if snippets {
            Client::start_with(caps.clone())
        } else {
            Client::start()
        };
        c.open(&u, text);
        let _ = c.diagnostics(&u);
        let items = c.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": u }, "position": { "line": 3, "character": 0 } }),
        );
        let service = items
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["label"] == "service")
            .cloned()
            .unwrap_or_default();
        if snippets {
            assert_eq!(service["insertTextFormat"], 2, "{service}");
            assert_eq!(service["insertText"], stackc::analysis::snippet("service"));
        } else {
            assert_eq!(service["insertTextFormat"], 1, "{service}");
            let plain = service["insertText"].as_str().unwrap_or_default();
            assert!(
                plain.starts_with("service api {\n\timage = \"ghcr.io/acme/api:1.0\""),
                "{plain}"
            );
            assert!(!plain.contains('$'), "{plain}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Completion and hover while an entry is half typed: the compiler keeps
/// the rest of the block (and the file) in the tree, so the server
/// answers from the text as it is now, not from an older version.
#[test]
fn completion_at_a_half_typed_entry_uses_the_recovered_tree() {
    let dir = scratch("half-typed-completion");
    let path = dir.join("stack.stack");
    let u = uri(&path);
    let mut c = Client::start();
    let base = "stack shop {\n    namespace = \"shop\"\n}\nservice api {\n    image = \"ghcr.io/acme/api:1.0\"\n}\nservice web {\n    image = \"ghcr.io/acme/web:1.0\"\n}\n";
    c.open(&u, base);
    assert!(c.diagnostics(&u).is_empty());
    let labels = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["label"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let at = |text: &str, needle: &str, into: usize| {
        let offset = text.find(needle).expect("needle") + into;
        json!({ "textDocument": { "uri": u.clone() }, "position": position(text, offset) })
    };
    // `rep|` typed in `api`: one error, at `rep`; completion offers the
    // fields `api` does not set yet.
    let text = base.replace("api:1.0\"\n}", "api:1.0\"\n    rep\n}");
    c.change(&u, 2, &text);
    let ds = c.diagnostics_at(&u, 2);
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert_eq!(ds[0]["code"], "E0001", "{ds:?}");
    assert_eq!(ds[0]["range"]["start"]["line"], 5, "{ds:?}");
    let got = labels(&c.request("textDocument/completion", at(&text, "    rep\n", 7)));
    assert!(got.iter().any(|l| l == "replicas"), "{got:?}");
    assert!(!got.iter().any(|l| l == "image"), "{got:?}");
    // `restart = |`: the field's values.
    let text = base.replace("api:1.0\"\n}", "api:1.0\"\n    restart = \n}");
    c.change(&u, 3, &text);
    let ds = c.diagnostics_at(&u, 3);
    assert_eq!(ds.len(), 1, "{ds:?}");
    let got = labels(&c.request("textDocument/completion", at(&text, "restart = ", 10)));
    assert!(got.iter().any(|l| l == "on_failure"), "{got:?}");
    // `image = "` left open in `api`: `web` after it is still there for
    // hover, and its block for completion.
    let text = base.replace("\"ghcr.io/acme/api:1.0\"", "\"");
    c.change(&u, 4, &text);
    let ds = c.diagnostics_at(&u, 4);
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert_eq!(ds[0]["code"], "E0002", "{ds:?}");
    let hover = c.request(
        "textDocument/hover",
        at(&text, "image = \"ghcr.io/acme/web", 1),
    );
    let md = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(md.starts_with("**`image`**"), "{hover}");
    let got = labels(&c.request("textDocument/completion", at(&text, "web:1.0\"\n", 9)));
    assert!(got.iter().any(|l| l == "replicas"), "{got:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
