// The stackc VS Code extension: the `stack` language (contributed in
// package.json) and a client for the `stackc-lsp` language server over stdio.
// Plain JavaScript, no build step.
'use strict';

const vscode = require('vscode');
const { LanguageClient, State } = require('vscode-languageclient/node');
const { resolveServer, resolveCommand } = require('./server');

const SETTING = 'stackc.server.path';
const PREVIEW_SCHEME = 'stackc-preview';

/**
 * Read-only documents with generated files (`stackc-preview:` URIs), filled
 * by the `stackc.showGenerated` command from the server's `stackc.preview`.
 */
class PreviewProvider {
  constructor() {
    /** @type {Map<string, string>} */
    this.contents = new Map();
    this.emitter = new vscode.EventEmitter();
    this.onDidChange = this.emitter.event;
  }

  provideTextDocumentContent(uri) {
    return this.contents.get(uri.toString()) ?? '';
  }

  set(uri, text) {
    this.contents.set(uri.toString(), text);
    this.emitter.fire(uri);
  }
}

const preview = new PreviewProvider();

/** What each open preview shows: preview URI → the request that filled it. */
const previewRequests = new Map();

/** Asks the server again for every preview (after a .stack file is saved). */
async function refreshPreviews() {
  if (!client || client.state !== State.Running) return;
  for (const [key, { uri, args }] of previewRequests) {
    try {
      const result = await client.sendRequest('workspace/executeCommand', {
        command: 'stackc.preview',
        arguments: [args],
      });
      if (result.files && result.files.length > 0) preview.set(uri, previewText(result.files));
    } catch (err) {
      // The stack has errors now: keep the last good preview.
      output?.appendLine(`stackc: preview not refreshed (${key}): ${err?.message ?? err}`);
    }
  }
}

/** What the preview document shows: one file as is, several one after another. */
function previewText(files) {
  if (files.length === 1) return files[0].contents;
  return files.map((f) => `# ==> ${f.path} <==\n${f.contents}`).join('\n');
}

/**
 * `stackc.showGenerated`: asks the server which targets and environments the
 * stack has, lets the user pick one of each, and opens the generated file of
 * the service (or pipeline, …) under the cursor read-only beside the source.
 */
async function showGenerated() {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'stack') {
    vscode.window.showInformationMessage('stackc: open a .stack file to see what it generates.');
    return;
  }
  if (!client || client.state !== State.Running) {
    vscode.window.showErrorMessage('stackc: the language server is not running.');
    return;
  }
  const where = {
    uri: editor.document.uri.toString(),
    position: client.code2ProtocolConverter.asPosition(editor.selection.active),
  };
  const ask = (extra) =>
    client.sendRequest('workspace/executeCommand', {
      command: 'stackc.preview',
      arguments: [{ ...where, ...extra }],
    });
  try {
    const choices = await ask({});
    const target = await vscode.window.showQuickPick(choices.targets, {
      title: 'stackc: show the generated file for target…',
    });
    if (!target) return;
    let environment = '';
    if (choices.environments.length > 0) {
      const all = 'every environment';
      const picked = await vscode.window.showQuickPick([...choices.environments, all], {
        title: `stackc: ${target} for environment…`,
      });
      if (!picked) return;
      environment = picked === all ? '' : picked;
    }
    const result = await ask({ target, environment });
    if (!result.files || result.files.length === 0) {
      vscode.window.showInformationMessage(`stackc: ${target} generates no file for this.`);
      return;
    }
    const item = result.item ? `${result.item.kind}-${result.item.name}` : 'stack';
    const last = result.files[0].path.split('/').pop();
    const uri = vscode.Uri.from({
      scheme: PREVIEW_SCHEME,
      path: `/${target}/${environment || 'all'}/${item}/${last}`,
    });
    preview.set(uri, previewText(result.files));
    previewRequests.set(uri.toString(), { uri, args: { ...where, target, environment } });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
      preserveFocus: true,
    });
  } catch (err) {
    vscode.window.showErrorMessage(`stackc: ${err?.message ?? err}`);
  }
}

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

/**
 * The setting's value when the user set it explicitly (in any scope), else
 * undefined: the package.json default does not count, so the bundled
 * binary is used unless the user chose another.
 */
function explicitSetting() {
  const i = vscode.workspace.getConfiguration().inspect(SETTING);
  if (!i) return undefined;
  return i.workspaceFolderValue ?? i.workspaceValue ?? i.globalValue ?? undefined;
}

async function reportMissing(found) {
  const message =
    found.source === 'setting'
      ? `stackc: the language server \`${found.tried[0]}\` (setting "${SETTING}") was not found. ` +
        `Fix the path, or remove the setting to use the bundled server or stackc-lsp on PATH.`
      : `stackc: the language server stackc-lsp was not found: this .vsix bundles none and it is not on PATH. ` +
        `Build it with \`cargo build --release -p stackc-lsp\` and put it on PATH, or set "${SETTING}" ` +
        `to the binary (e.g. /path/to/stackc/target/release/stackc-lsp).`;
  output?.appendLine(message);
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', SETTING);
  }
}

async function startClient(context) {
  const found = resolveServer({
    explicit: explicitSetting(),
    extensionPath: context.extensionPath,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  });
  const resolved = found.command;
  if (!resolved) {
    await reportMissing(found);
    return;
  }
  const run = { command: resolved, args: [], options: { env: process.env } };
  /** @type {import('vscode-languageclient/node').ServerOptions} */
  const serverOptions = { run, debug: run };
  /** @type {import('vscode-languageclient/node').LanguageClientOptions} */
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'stack' },
      { scheme: 'untitled', language: 'stack' },
    ],
    outputChannel: output,
    // No `errorHandler` and no `connectionOptions.maxRestartCount`: the
    // client's DefaultErrorHandler restarts a server that dies, up to 4
    // times in 3 minutes (the 5th crash in that window stops it with a
    // message). test/server.test.js keeps these options out; the e2e test
    // (e2e/run.mjs) kills the server and sees it restarted.
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.stack'),
    },
  };
  // The id `stackc` makes `stackc.trace.server` the trace setting.
  client = new LanguageClient('stackc', 'stackc', serverOptions, clientOptions);
  try {
    await client.start();
    output?.appendLine(`stackc: started ${resolved} (${found.source})`);
  } catch (err) {
    const message = `stackc: could not start the language server \`${resolved}\`: ${err?.message ?? err}`;
    output?.appendLine(message);
    vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
      if (choice === 'Open Settings') {
        vscode.commands.executeCommand('workbench.action.openSettings', SETTING);
      }
    });
    client = undefined;
  }
}

async function stopClient() {
  const c = client;
  client = undefined;
  if (c && c.state !== State.Stopped) {
    try {
      await c.stop();
    } catch (err) {
      output?.appendLine(`stackc: error while stopping the server: ${err?.message ?? err}`);
    }
  }
}

async function restart(context) {
  await stopClient();
  await startClient(context);
}

async function activate(context) {
  output = vscode.window.createOutputChannel('stackc');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('stackc.restartServer', () => restart(context)),
    vscode.commands.registerCommand('stackc.showGenerated', showGenerated),
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, preview),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (doc.languageId === 'stack') refreshPreviews();
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme === PREVIEW_SCHEME) previewRequests.delete(doc.uri.toString());
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTING)) restart(context);
    }),
  );
  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate, resolveCommand, previewText };
