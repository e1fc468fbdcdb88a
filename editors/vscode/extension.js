// The stackc VS Code extension: the `stack` language (contributed in
// package.json) and a client for the `stackc-lsp` language server over stdio.
// Plain JavaScript, no build step.
'use strict';

const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient, State } = require('vscode-languageclient/node');

const SETTING = 'stackc.server.path';

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

/** Resolves `command` the way a spawn would: a path as is, a bare name on PATH. */
function resolveCommand(command) {
  const isFile = (p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/') || command.includes('\\')) {
    return isFile(command) ? command : undefined;
  }
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The configured server command, with `~` and `${workspaceFolder}` expanded. */
function configuredCommand() {
  let command = vscode.workspace.getConfiguration().get(SETTING) || 'stackc-lsp';
  command = command.trim();
  if (command.startsWith('~/')) {
    command = path.join(require('os').homedir(), command.slice(2));
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder) command = command.replace(/\$\{workspaceFolder\}/g, folder);
  return command;
}

async function reportMissing(command) {
  const message =
    `stackc: the language server \`${command}\` was not found. ` +
    `Build it with \`cargo build --release -p stackc-lsp\` and set "${SETTING}" ` +
    `to the binary (e.g. /path/to/stackc/target/release/stackc-lsp), or put stackc-lsp on PATH.`;
  output?.appendLine(message);
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', SETTING);
  }
}

async function startClient(context) {
  const command = configuredCommand();
  const resolved = resolveCommand(command);
  if (!resolved) {
    await reportMissing(command);
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
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.stack'),
    },
  };
  // The id `stackc` makes `stackc.trace.server` the trace setting.
  client = new LanguageClient('stackc', 'stackc', serverOptions, clientOptions);
  try {
    await client.start();
    output?.appendLine(`stackc: started ${resolved}`);
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
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTING)) restart(context);
    }),
  );
  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate, resolveCommand };
