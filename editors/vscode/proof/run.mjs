// The stackc extension in real VS Code (code-server 4.100.3, headless
// Debian chromium driven by playwright-core): installs the .vsix, opens a
// copy of examples/docsearch with one mistake, waits for the server's
// diagnostic, reads the Problems panel, hovers `secret.kubeconfig` in
// pipelines.stack and `replicas` in environments.stack, and saves
// screenshots next to this script. See README.md here for the setup.
//
//   CS_DIR=/tmp/cs/d node editors/vscode/proof/run.mjs
//
// Environment:
//   CS_DIR      where code-server@4.100.3 and playwright-core are installed
//               (node_modules/.bin/code-server, node_modules/playwright-core)
//   VSIX        the packaged extension (default: editors/vscode/stackc-*.vsix)
//   STACKC_LSP  the server binary (default: /work/main/target/release/stackc-lsp,
//               else <repo>/target/release/stackc-lsp)
//   PORT        default 18080 (bound to 127.0.0.1 only)
//   CHROMIUM    default /usr/bin/chromium
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.join(here, '..');
const repo = path.join(ext, '..', '..');
const CS_DIR = process.env.CS_DIR ?? '/tmp/cs/d';
const PORT = Number(process.env.PORT ?? 18080);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const firstExisting = (...ps) => ps.find((p) => p && fs.existsSync(p));
const LSP = firstExisting(process.env.STACKC_LSP, '/work/main/target/release/stackc-lsp',
  path.join(repo, 'target/release/stackc-lsp'));
const VSIX = process.env.VSIX ?? fs.readdirSync(ext).filter((f) => /^stackc-.*\.vsix$/.test(f))
  .map((f) => path.join(ext, f)).sort().pop();
if (!LSP) throw new Error('no stackc-lsp binary: cargo build --release -p stackc-lsp');
if (!VSIX) throw new Error('no .vsix: run `npm run package` in editors/vscode');

const require = createRequire(path.join(CS_DIR, 'package.json'));
const { chromium } = require('playwright-core');
const codeServer = path.join(CS_DIR, 'node_modules/.bin/code-server');

// A fresh profile: user data (settings), extensions, config, workspace.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stackc-proof-'));
const ud = path.join(tmp, 'ud');
const extDir = path.join(tmp, 'ext');
const ws = path.join(tmp, 'ws');
fs.mkdirSync(path.join(ud, 'User'), { recursive: true });
fs.writeFileSync(path.join(ud, 'User', 'settings.json'), JSON.stringify({
  'stackc.server.path': LSP,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'editor.hover.delay': 200,
  'editor.minimap.enabled': false,
}, null, 2));
fs.cpSync(path.join(repo, 'examples', 'docsearch'), path.join(ws, 'docsearch'), { recursive: true });
// The mistake: an integer written as a string.
const envFile = path.join(ws, 'docsearch', 'environments.stack');
const envText = fs.readFileSync(envFile, 'utf8');
if (!envText.includes('        replicas = 1\n')) throw new Error('examples/docsearch changed: no `replicas = 1`');
fs.writeFileSync(envFile, envText.replace('        replicas = 1\n', '        replicas = "three"\n'));

const csArgs = ['--user-data-dir', ud, '--extensions-dir', extDir, '--config', path.join(tmp, 'config.yaml')];
console.log(execFileSync(codeServer, [...csArgs, '--install-extension', VSIX], { encoding: 'utf8' }).trim());

const server = spawn(codeServer, [...csArgs, '--auth', 'none', '--bind-addr', `127.0.0.1:${PORT}`,
  '--disable-telemetry', '--disable-workspace-trust', ws], { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stdout.on('data', (d) => { serverLog += d; });
server.stderr.on('data', (d) => { serverLog += d; });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; ; i++) {
  if (serverLog.includes('HTTP server listening')) break;
  if (i > 120) throw new Error(`code-server did not start:\n${serverLog}`);
  await sleep(500);
}

const observed = { codeServer: execFileSync(codeServer, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0], server: LSP };
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  const shot = async (name) => {
    const file = path.join(here, name);
    await page.screenshot({ path: file });
    console.log(`screenshot: ${path.relative(repo, file)}`);
  };
  await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(ws)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  await sleep(3000);

  const openFile = async (name) => {
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(name);
    await sleep(1500);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.tab.active[aria-label*="${name}"]`, { timeout: 30_000 });
    await sleep(1000);
  };
  const goToLine = async (line) => {
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await sleep(800);
  };
  // Hovers the `nth` span (from the end when negative) whose text is `word`
  // in the view line containing `lineText`; returns the hover's text.
  const hover = async (lineText, word, nth = -1) => {
    const line = page.locator('.monaco-editor .view-line', { hasText: lineText }).first();
    await line.waitFor({ timeout: 30_000 });
    const spans = line.locator('span > span', { hasText: new RegExp(`^${word}$`) });
    const n = await spans.count();
    if (n === 0) throw new Error(`no ${word} in the line ${lineText}`);
    const target = spans.nth(nth < 0 ? n + nth : nth);
    await page.mouse.move(0, 0);
    await target.hover();
    const content = page.locator('.monaco-hover-content').last();
    await content.waitFor({ state: 'visible', timeout: 30_000 });
    await sleep(800);
    return (await content.innerText()).trim();
  };

  // 1. The diagnostic: a squiggle in the editor, the Problems panel.
  // stack.stack imports environments.stack and pipelines.stack: opened
  // first, it is the root the server checks them under (a file opened
  // alone is checked as a stack of its own).
  await openFile('stack.stack');
  await sleep(3000);
  observed.rootErrors = await page.locator('.statusbar-item[id="status.problems"]').getAttribute('aria-label');
  await openFile('environments.stack');
  observed.language = await page.locator('.statusbar-item[id="status.editor.mode"]').innerText();
  await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 90_000 });
  observed.squiggles = await page.locator('.monaco-editor .squiggly-error').count();
  await goToLine(18);
  await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'E0201' }).first();
  await row.waitFor({ timeout: 30_000 });
  await sleep(800);
  observed.problems = (await page.locator('.markers-panel .monaco-list-rows').innerText()).trim();
  observed.statusBar = await page.locator('.statusbar-item[id="status.problems"]').getAttribute('aria-label');
  await shot('diagnostic.png');
  // The squiggle's own hover (the diagnostic as the editor shows it).
  observed.squiggleHover = await hover('replicas = "three"', '"three"', 0);
  await shot('diagnostic-hover.png');
  await page.keyboard.press('Escape');

  // 2. Hover over a field: the schema and the per-environment values.
  await page.keyboard.press('Control+J'); // hide the panel
  await openFile('pipelines.stack');
  await goToLine(167);
  observed.referenceHover = await hover('kubeconfig = secret.kubeconfig', 'kubeconfig', -1);
  await shot('hover-secret.png');
  await page.keyboard.press('Escape');

  // 3. Hover over a field: its schema type and docs, and its value per environment.
  await openFile('environments.stack');
  await goToLine(100);
  observed.fieldHover = await hover('replicas = 3', 'replicas', 0);
  await shot('hover-field.png');
  await page.keyboard.press('Escape');

  // 4. Completion inside `health { … }`. On a new blank line the server
  // offers nothing (only VS Code's word-based suggestions show); at the
  // start of an existing entry it offers the block's fields not written yet.
  const suggestions = async () => {
    await page.keyboard.press('Control+Space');
    await page.locator('.suggest-widget .monaco-list-rows').waitFor({ state: 'visible', timeout: 30_000 });
    await sleep(2000);
    const rows = page.locator('.suggest-widget .monaco-list-row');
    const out = [];
    for (let i = 0; i < await rows.count(); i++) {
      const label = (await rows.nth(i).locator('.label-name').innerText()).trim();
      const icon = await rows.nth(i).locator('.suggest-icon').getAttribute('class');
      out.push(`${label} (${(icon.match(/codicon-symbol-(\w+)/) ?? [, '?'])[1]})`);
    }
    return out;
  };
  await openFile('stack.stack');
  await goToLine(161);
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  observed.completionBlankLine = await suggestions();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Z');
  await goToLine(160);
  await page.keyboard.press('Home');
  observed.completionAtEntry = await suggestions();
  await shot('completion.png');
  await page.keyboard.press('Escape');

  // 5. A missing binary: the setting, changed in the Settings editor to a
  // path that does not exist, restarts the client, which reports it with a
  // button to the setting.
  const setServerPath = async (value) => {
    const input = page.locator('.settings-editor .setting-item-contents input.input').first();
    if (await input.isVisible()) {
      await input.fill(value);
      await input.press('Tab');
      await sleep(1500);
      return;
    }
    await page.keyboard.press('Control+Shift+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type('Preferences: Open User Settings');
    await sleep(1200);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.settings-editor', { timeout: 30_000 });
    await sleep(1000);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('stackc.server.path');
    // A machine-overridable setting: in code-server (a remote window) the
    // Settings editor lists it under the Remote tab, not User.
    await page.locator('.settings-tabs-widget .action-label', { hasText: 'Remote' }).first().click();
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await sleep(800);
    await input.fill(value);
    await input.press('Tab');
    await sleep(1500);
  };
  await setServerPath('/nonexistent/stackc-lsp');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'was not found' }).first();
  await toast.waitFor({ state: 'visible', timeout: 60_000 });
  observed.missingServer = (await toast.innerText()).trim();
  observed.statusBarWithoutServer = await page.locator('.statusbar-item[id="status.problems"]').getAttribute('aria-label');
  await shot('missing-server.png');
  // 6. Back to the real binary, then the restart command from the palette:
  // the diagnostic is published again.
  await setServerPath(LSP);
  await page.locator('.tab', { hasText: 'Settings' }).locator('.codicon-close').click();
  await sleep(3000);
  observed.statusBarAfterSettingBack = await page.locator('.statusbar-item[id="status.problems"]').getAttribute('aria-label');
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Shift+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type('stackc: Restart Language Server');
  await sleep(1500);
  observed.restartCommand = (await page.locator('.quick-input-list .monaco-list-row').first().innerText()).trim();
  await page.keyboard.press('Enter');
  await sleep(5000);
  observed.statusBarAfterRestart = await page.locator('.statusbar-item[id="status.problems"]').getAttribute('aria-label');
} catch (err) {
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (pages[0]) await pages[0].screenshot({ path: path.join(tmp, 'failure.png') });
  console.error(`failed; screenshot ${path.join(tmp, 'failure.png')}`);
  throw err;
} finally {
  fs.writeFileSync(path.join(tmp, 'code-server.log'), serverLog);
  await browser.close();
  server.kill();
}
console.log(JSON.stringify(observed, null, 2));
fs.writeFileSync(path.join(here, 'observed.json'), JSON.stringify(observed, null, 2) + '\n');
console.log(`profile and code-server log: ${tmp}`);
