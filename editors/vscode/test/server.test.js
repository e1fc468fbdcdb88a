// Where the extension finds stackc-lsp (server.js): the explicit setting,
// else the binary bundled in the platform .vsix, else PATH. Fake binaries in
// a temporary directory stand in for the three.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { resolveServer, bundledPath } = require('../server');

function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackc-ext-'));
  const ext = path.join(dir, 'extension');
  const bin = path.join(dir, 'bin');
  const own = path.join(dir, 'own', 'stackc-lsp');
  for (const d of [ext, bin, path.dirname(own)]) fs.mkdirSync(d, { recursive: true });
  const fake = (p) => fs.writeFileSync(p, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fake(path.join(bin, 'stackc-lsp'));
  fake(own);
  const bundle = () => {
    fs.mkdirSync(path.join(ext, 'server'), { recursive: true });
    fake(bundledPath(ext, 'linux'));
  };
  const env = { PATH: ['/nonexistent', bin].join(':') };
  return { dir, ext, bin, own, bundle, env, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('without a bundled binary or a setting, stackc-lsp comes from PATH', () => {
  const f = fixture();
  try {
    const r = resolveServer({ explicit: undefined, extensionPath: f.ext, env: f.env, platform: 'linux' });
    assert.equal(r.source, 'path');
    assert.equal(r.command, path.join(f.bin, 'stackc-lsp'));
  } finally {
    f.done();
  }
});

test('the bundled binary wins over PATH', () => {
  const f = fixture();
  try {
    f.bundle();
    const r = resolveServer({ explicit: undefined, extensionPath: f.ext, env: f.env, platform: 'linux' });
    assert.equal(r.source, 'bundled');
    assert.equal(r.command, path.join(f.ext, 'server', 'stackc-lsp'));
    // An empty setting (cleared in the Settings editor) is no choice.
    const cleared = resolveServer({ explicit: '  ', extensionPath: f.ext, env: f.env, platform: 'linux' });
    assert.equal(cleared.source, 'bundled');
  } finally {
    f.done();
  }
});

test('an explicit setting wins over the bundled binary', () => {
  const f = fixture();
  try {
    f.bundle();
    const r = resolveServer({ explicit: f.own, extensionPath: f.ext, env: f.env, platform: 'linux' });
    assert.deepEqual(r, { command: f.own, source: 'setting', tried: [f.own] });
    // A bare name in the setting is looked up on PATH, not in the bundle.
    const bare = resolveServer({ explicit: 'stackc-lsp', extensionPath: f.ext, env: f.env, platform: 'linux' });
    assert.equal(bare.source, 'setting');
    assert.equal(bare.command, path.join(f.bin, 'stackc-lsp'));
    // ${workspaceFolder} is expanded.
    const rel = resolveServer({
      explicit: '${workspaceFolder}/own/stackc-lsp',
      workspaceFolder: f.dir,
      extensionPath: f.ext,
      env: f.env,
      platform: 'linux',
    });
    assert.equal(rel.command, f.own);
  } finally {
    f.done();
  }
});

test('an explicit setting that does not exist is reported, not replaced by another binary', () => {
  const f = fixture();
  try {
    f.bundle();
    const r = resolveServer({ explicit: '/nonexistent/stackc-lsp', extensionPath: f.ext, env: f.env, platform: 'linux' });
    assert.deepEqual(r, { command: undefined, source: 'setting', tried: ['/nonexistent/stackc-lsp'] });
  } finally {
    f.done();
  }
});

test('nothing found anywhere says what was tried', () => {
  const f = fixture();
  try {
    const r = resolveServer({ explicit: undefined, extensionPath: f.ext, env: { PATH: '/nonexistent' }, platform: 'linux' });
    assert.equal(r.command, undefined);
    assert.equal(r.source, 'path');
    assert.deepEqual(r.tried, [path.join(f.ext, 'server', 'stackc-lsp'), 'stackc-lsp on PATH']);
  } finally {
    f.done();
  }
});

test('a bundled binary unpacked without the executable bit gets it back', () => {
  const f = fixture();
  try {
    f.bundle();
    const b = bundledPath(f.ext, 'linux');
    fs.chmodSync(b, 0o644);
    const r = resolveServer({ explicit: undefined, extensionPath: f.ext, env: f.env, platform: 'linux' });
    assert.equal(r.command, b);
    fs.accessSync(b, fs.constants.X_OK);
  } finally {
    f.done();
  }
});

test('the client keeps vscode-languageclient restarting a server that dies', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', 'extension.js'), 'utf8');
  const code = source.replace(/\/\/.*$/gm, '');
  // The default error handler (4 restarts in 3 minutes) applies only when
  // the client options set neither of these.
  assert.ok(!/\berrorHandler\s*:/.test(code), 'extension.js sets an errorHandler');
  assert.ok(!/maxRestartCount/.test(code), 'extension.js sets maxRestartCount');
  assert.ok(code.includes("require('./server')"), 'extension.js does not use server.js');
  assert.ok(code.includes('resolveServer('));
});

test('the .vsix carries server.js and the bundled server directory', () => {
  const ignore = fs.readFileSync(path.join(__dirname, '..', '.vscodeignore'), 'utf8').split('\n');
  for (const line of ignore) {
    assert.ok(!/^server(\/|\.js|$)/.test(line.trim()), `.vscodeignore drops ${line}`);
  }
});
