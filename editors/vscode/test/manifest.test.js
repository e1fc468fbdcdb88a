// Manifest tests for what the extension contributes besides the grammar:
// snippets (the same as the server's completion snippets: a Rust test in
// tests/analysis.rs compares them with stackc::analysis::SNIPPETS and
// compiles them), and commands that extension.js registers.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ext = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
const source = fs.readFileSync(path.join(ext, 'extension.js'), 'utf8');

test('snippets are contributed for the stack language', () => {
  const contributed = pkg.contributes.snippets.find((s) => s.language === 'stack');
  assert.ok(contributed, 'no snippets for `stack`');
  const snippets = JSON.parse(fs.readFileSync(path.join(ext, contributed.path), 'utf8'));
  const prefixes = Object.values(snippets).map((s) => s.prefix).sort();
  assert.deepEqual(prefixes, ['config', 'environment', 'health', 'pipeline', 'port', 'secret', 'service']);
  for (const [name, s] of Object.entries(snippets)) {
    assert.ok(Array.isArray(s.body) && s.body.length > 0, name);
    assert.ok(s.description, name);
    // Braces balance, so an expanded snippet is a whole block.
    const text = s.body.join('\n').replace(/\$\{\d+:[^}]*\}/g, 'x');
    assert.equal((text.match(/\{/g) || []).length, (text.match(/\}/g) || []).length, name);
  }
});

test('every contributed command is registered by extension.js', () => {
  const commands = pkg.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(commands, ['stackc.restartServer', 'stackc.showGenerated']);
  for (const c of commands) {
    assert.ok(source.includes(`registerCommand('${c}'`), `${c} is not registered`);
  }
  for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
    for (const e of entries) assert.ok(commands.includes(e.command), `${menu}: ${e.command}`);
  }
});

test('the preview asks the server for stackc.preview and shows it read-only beside the source', () => {
  assert.ok(source.includes("command: 'stackc.preview'"));
  assert.ok(source.includes("registerTextDocumentContentProvider(PREVIEW_SCHEME"));
  assert.ok(source.includes("const PREVIEW_SCHEME = 'stackc-preview'"));
  assert.ok(source.includes('vscode.ViewColumn.Beside'));
});
