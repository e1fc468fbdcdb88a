// Grammar and manifest tests, run with `node --test test/` (no VS Code
// needed): the TextMate grammar is valid JSON, claims the scopes the README
// lists, and tokenizes a sample as expected through the same engine VS Code
// uses (vscode-textmate + vscode-oniguruma); package.json contributes the
// language id and extension that `stackc-lsp` expects.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ext = path.join(__dirname, '..');
const repo = path.join(ext, '..', '..');
const grammarPath = path.join(ext, 'syntaxes', 'stack.tmLanguage.json');
const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));

/** Every scope name the grammar can assign (with `name`, `contentName`, captures). */
function scopesOf(grammar) {
  const out = new Set();
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'name' || k === 'contentName') && typeof v === 'string') {
        v.split(/\s+/).forEach((s) => out.add(s));
      } else walk(v);
    }
  };
  walk(grammar.patterns);
  walk(grammar.repository);
  return out;
}

let registryPromise;
function loadGrammar() {
  registryPromise ??= (async () => {
    const vsctm = require('vscode-textmate');
    const oniguruma = require('vscode-oniguruma');
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (p) => new oniguruma.OnigScanner(p),
        createOnigString: (s) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName) => {
        if (scopeName !== 'source.stack') return null;
        return vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
      },
    });
    return registry.loadGrammar('source.stack');
  })();
  return registryPromise;
}

/** Tokenizes `text`: a list of { line, text, scopes } per token. */
async function tokenize(text) {
  const vsctm = require('vscode-textmate');
  const grammar = await loadGrammar();
  let state = vsctm.INITIAL;
  const tokens = [];
  text.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      tokens.push({ line: i, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = r.ruleStack;
  });
  return tokens;
}

/** The scopes of the first token on `line` (0-based) whose text is `text`. */
function scopesAt(tokens, line, text) {
  const t = tokens.find((t) => t.line === line && t.text === text);
  assert.ok(t, `no token ${JSON.stringify(text)} on line ${line}: ` +
    JSON.stringify(tokens.filter((t) => t.line === line).map((t) => t.text)));
  return t.scopes;
}

function assertScope(tokens, line, text, scope) {
  const scopes = scopesAt(tokens, line, text);
  assert.ok(scopes.includes(scope),
    `${JSON.stringify(text)} on line ${line}: expected ${scope}, got ${scopes.join(' ')}`);
}

function assertNoScope(tokens, line, text, scope) {
  const scopes = scopesAt(tokens, line, text);
  assert.ok(!scopes.some((s) => s.startsWith(scope)),
    `${JSON.stringify(text)} on line ${line}: expected no ${scope}*, got ${scopes.join(' ')}`);
}

const SAMPLE = [
  /*  0 */ '/// A small shop.',
  /*  1 */ 'stack shop {',
  /*  2 */ '    registry = "ghcr.io/acme" // where images go',
  /*  3 */ '}',
  /*  4 */ 'import "./secrets.stack"',
  /*  5 */ 'let timeout = 15m',
  /*  6 */ 'service api: base, web {',
  /*  7 */ '    port http {',
  /*  8 */ '        container = 8080',
  /*  9 */ '    }',
  /* 10 */ '    env {',
  /* 11 */ '        DATABASE_URL = secret.db_url',
  /* 12 */ '        PEER = "http://${svc.host}:${svc.port.http}"',
  /* 13 */ '        LEVEL = config.api.LOG_LEVEL',
  /* 14 */ '    }',
  /* 15 */ '    resources {',
  /* 16 */ '        cpu = 250m..500m',
  /* 17 */ '        memory = 512Mi',
  /* 18 */ '    }',
  /* 19 */ '    health { interval = 30s }',
  /* 20 */ '    autoscale { cpu = 70%  enabled = true  max = null }',
  /* 21 */ '}',
  /* 22 */ '/* block /* nested */ still comment */',
  /* 23 */ 'pipeline ci {',
  /* 24 */ '    concurrency { group = "ci-${{ github.sha }}" }',
  /* 25 */ '    job build {',
  /* 26 */ '        run "Tests" { script = "echo \\${HOME} $HOME" }',
  /* 27 */ '        deploy { environment = prod  kubeconfig = secret.kubeconfig }',
  /* 28 */ '    }',
  /* 29 */ '}',
  /* 30 */ '//// four slashes: an ordinary comment',
  /* 31 */ 'enum Tier { a, b }',
  /* 32 */ 'x = 30sec',
].join('\n');

test('the grammar is valid JSON for source.stack', () => {
  const grammar = JSON.parse(fs.readFileSync(grammarPath, 'utf8'));
  assert.equal(grammar.scopeName, 'source.stack');
  const contributed = pkg.contributes.grammars.find((g) => g.language === 'stack');
  assert.equal(contributed.scopeName, 'source.stack');
  assert.equal(path.resolve(ext, contributed.path), grammarPath);
});

test('the grammar assigns every scope the README claims', () => {
  const grammar = JSON.parse(fs.readFileSync(grammarPath, 'utf8'));
  const scopes = scopesOf(grammar);
  const readme = fs.readFileSync(path.join(ext, 'README.md'), 'utf8');
  const claimed = [...readme.matchAll(/`([a-z][a-z0-9.-]*\.stack)`/g)].map((m) => m[1])
    .filter((s) => s !== 'source.stack' && !s.includes('/'));
  assert.ok(claimed.length >= 15, `README lists only ${claimed.length} scopes`);
  for (const s of claimed) assert.ok(scopes.has(s), `README claims ${s}, the grammar never assigns it`);
});

test('tokenizes comments, strings, interpolations, numbers and keywords', async () => {
  const t = await tokenize(SAMPLE);
  // comments
  assertScope(t, 0, '/// A small shop.', 'comment.line.documentation.stack');
  assertScope(t, 2, '// where images go', 'comment.line.double-slash.stack');
  assertScope(t, 22, ' still comment ', 'comment.block.stack');
  assertScope(t, 30, '//// four slashes: an ordinary comment', 'comment.line.double-slash.stack');
  // strings and interpolation
  assertScope(t, 2, 'ghcr.io/acme', 'string.quoted.double.stack');
  assertScope(t, 12, '${', 'punctuation.definition.interpolation.begin.stack');
  assertScope(t, 12, 'svc', 'meta.interpolation.stack');
  assertScope(t, 12, 'svc', 'variable.other.interpolated.stack');
  assertScope(t, 12, 'host', 'variable.other.interpolated.stack');
  assertScope(t, 12, 'host', 'string.quoted.double.stack');
  assertScope(t, 12, 'http://', 'string.quoted.double.stack');
  assertNoScope(t, 12, 'http://', 'meta.interpolation');
  // GitHub expressions, distinct from interpolation
  assertScope(t, 24, '${{', 'punctuation.section.embedded.begin.github.stack');
  assertScope(t, 24, 'github', 'meta.embedded.expression.github.stack');
  assertScope(t, 24, 'github', 'variable.other.github.stack');
  assertNoScope(t, 24, 'github', 'meta.interpolation');
  assertScope(t, 24, '}}', 'punctuation.section.embedded.end.github.stack');
  // an escaped \$ is no interpolation
  assertScope(t, 26, '\\$', 'constant.character.escape.stack');
  assertNoScope(t, 26, '{HOME} $HOME', 'meta.interpolation');
  // numbers and quantities
  assertScope(t, 8, '8080', 'constant.numeric.stack');
  for (const [line, value, unit] of [[5, '15', 'm'], [16, '250', 'm'], [16, '500', 'm'], [17, '512', 'Mi'], [19, '30', 's'], [20, '70', '%']]) {
    assertScope(t, line, value, 'constant.numeric.quantity.stack');
    assertScope(t, line, unit, 'keyword.other.unit.stack');
  }
  assertScope(t, 16, '..', 'keyword.operator.range.stack');
  assertScope(t, 32, 'sec', 'invalid.illegal.unit.stack');
  // keywords, labels, keys
  assertScope(t, 1, 'stack', 'keyword.other.item.stack');
  assertScope(t, 1, 'shop', 'entity.name.label.stack');
  assertScope(t, 6, 'service', 'keyword.other.item.stack');
  assertScope(t, 6, 'api', 'entity.name.label.stack');
  assertScope(t, 6, 'base, web', 'entity.other.inherited-class.template.stack');
  assertScope(t, 23, 'pipeline', 'keyword.other.item.stack');
  assertScope(t, 25, 'job', 'keyword.other.item.stack');
  assertScope(t, 25, 'build', 'entity.name.label.stack');
  assertScope(t, 4, 'import', 'keyword.control.import.stack');
  assertScope(t, 5, 'let', 'keyword.other.let.stack');
  assertScope(t, 5, 'timeout', 'variable.other.constant.stack');
  assertScope(t, 31, 'enum', 'storage.type.schema.stack');
  assertScope(t, 31, 'Tier', 'entity.name.type.stack');
  assertScope(t, 7, 'port', 'keyword.other.block.stack');
  assertScope(t, 7, 'http', 'entity.name.label.stack');
  assertScope(t, 10, 'env', 'keyword.other.block.stack');
  assertScope(t, 26, '"Tests"', 'entity.name.label.stack');
  assertScope(t, 2, 'registry', 'variable.other.property.stack');
  assertScope(t, 2, '=', 'keyword.operator.assignment.stack');
  // `environment = prod` is a key, not an item header
  assertScope(t, 27, 'environment', 'variable.other.property.stack');
  assertNoScope(t, 27, 'environment', 'keyword');
  // literals
  assertScope(t, 20, 'true', 'constant.language.boolean.stack');
  assertScope(t, 20, 'null', 'constant.language.null.stack');
  // references
  assertScope(t, 11, 'secret', 'variable.language.secret.stack');
  assertScope(t, 11, 'db_url', 'variable.other.secret.stack');
  assertScope(t, 27, 'kubeconfig', 'variable.other.property.stack');
  assertScope(t, 27, 'secret', 'variable.language.secret.stack');
  assertScope(t, 13, 'config', 'variable.language.config.stack');
  assertScope(t, 13, 'api', 'variable.other.config.stack');
  assertScope(t, 13, 'LOG_LEVEL', 'variable.other.config.key.stack');
});

test('every example and stdlib file tokenizes without invalid tokens', async () => {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.stack')) files.push(p);
    }
  };
  for (const d of ['examples', 'stdlib']) {
    if (fs.existsSync(path.join(repo, d))) walk(path.join(repo, d));
  }
  assert.ok(files.length > 0, 'no .stack files under examples/ or stdlib/');
  for (const f of files) {
    const tokens = await tokenize(fs.readFileSync(f, 'utf8'));
    const bad = tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid.')));
    assert.deepEqual(bad, [], `${path.relative(repo, f)} has invalid tokens`);
  }
});

test("package.json contributes the language id and extension stackc-lsp expects", () => {
  assert.equal(pkg.name, 'stackc');
  assert.equal(pkg.publisher, 'stackc');
  const lang = pkg.contributes.languages.find((l) => l.id === 'stack');
  assert.ok(lang, 'no `stack` language contributed');
  assert.deepEqual(lang.extensions, ['.stack']);
  assert.ok(fs.existsSync(path.join(ext, lang.configuration)));
  // The server's own protocol test opens documents as `languageId: "stack"`
  // and treats files ending in `.stack` as stack sources.
  const protocol = fs.readFileSync(path.join(repo, 'lsp', 'tests', 'protocol.rs'), 'utf8');
  assert.match(protocol, /"languageId":\s*"stack"/);
  assert.match(protocol, /x == "stack"/);
  // The client selects exactly that language.
  const client = fs.readFileSync(path.join(ext, 'extension.js'), 'utf8');
  assert.match(client, /\{ scheme: 'file', language: 'stack' \}/);
  assert.match(client, /\{ scheme: 'untitled', language: 'stack' \}/);
  // Settings and command.
  const props = pkg.contributes.configuration.properties;
  // Empty by default: the bundled server, else PATH (server.js).
  assert.equal(props['stackc.server.path'].default, '');
  assert.ok(props['stackc.trace.server']);
  assert.ok(pkg.contributes.commands.some((c) => c.command === 'stackc.restartServer'));
  assert.ok(pkg.dependencies['vscode-languageclient'].startsWith('^9'));
  assert.equal(pkg.engines.vscode, '^1.90.0');
});

test('language-configuration.json is valid and has comments, brackets, pairs, folding, indentation', () => {
  const conf = JSON.parse(fs.readFileSync(path.join(ext, 'language-configuration.json'), 'utf8'));
  assert.equal(conf.comments.lineComment, '//');
  assert.deepEqual(conf.comments.blockComment, ['/*', '*/']);
  assert.ok(conf.autoClosingPairs.some((p) => p.open === '"'));
  assert.ok(conf.folding.markers.start && conf.folding.markers.end);
  const inc = new RegExp(conf.indentationRules.increaseIndentPattern);
  const dec = new RegExp(conf.indentationRules.decreaseIndentPattern);
  assert.ok(inc.test('service api {'));
  assert.ok(inc.test('    platforms = ['));
  assert.ok(!inc.test('    health { interval = 30s }'));
  assert.ok(dec.test('    }'));
});
