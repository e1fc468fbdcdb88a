// End-to-end test of the stackc extension in real VS Code: code-server
// 4.100.3 (VS Code 1.100.3 in a browser) with the platform .vsix installed
// (its bundled stackc-lsp, no setting), driven in Debian's headless chromium
// by playwright-core. Run by .ci/run after scripts/install-editor-e2e.sh and
// scripts/package-vscode.sh:
//
//   node editors/vscode/e2e/run.mjs
//
// Opens a copy of examples/docsearch with one mistake (`replicas = "three"`
// in environment dev) and asserts, in the browser, what a user sees:
//   1. the diagnostic: a squiggle and the Problems panel row with stackc(E0201);
//   2. hover over a field: its schema docs and per-environment values;
//   3. completion inside `health { … }`: the block's fields not written yet;
//   4. go to definition: `secret.kubeconfig` in pipelines.stack jumps to its
//      declaration in stack.stack;
//   5. inlay hints: the per-environment values after a service's field;
//   6. `stackc: Show Generated File`: YAML opened beside the source;
//      (refused with the reason while the mistake is there; the mistake is
//      then fixed in the editor and saved, and the squiggle goes);
//   7. the server came from the .vsix (server/stackc-lsp) and, killed, is
//      restarted by the client, which serves hovers again;
//   8. the stackc.server.path setting wins over the bundled server: a path
//      that does not exist is reported (and nothing else started), another
//      binary is started instead of the bundled one.
// Exits 1 at the first failed check, with failure.png in the artifacts.
//
// Environment:
//   STACKC_EDITOR_E2E_PREFIX  where install-editor-e2e.sh put code-server and playwright-core
//                             (default /opt/stackc-editor-e2e)
//   VSIX                      the platform .vsix (default: the newest editors/vscode/stackc-*-<platform>.vsix)
//   E2E_ARTIFACTS             screenshots, observed.json, code-server.log (default: a new temp dir)
//   UPDATE_PROOF=1            also copy the screenshots and observed.json to editors/vscode/proof/
//   PORT                      default 18080 (127.0.0.1 only)
//   CHROMIUM                  default /usr/bin/chromium
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const T0 = Date.now();
const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.join(here, '..');
const repo = path.join(ext, '..', '..');
const proofDir = path.join(ext, 'proof');
const PREFIX = process.env.STACKC_EDITOR_E2E_PREFIX ?? '/opt/stackc-editor-e2e';
const PORT = Number(process.env.PORT ?? 18080);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const log = (...a) => console.log(`[e2e +${((Date.now() - T0) / 1000).toFixed(1)}s]`, ...a);
const die = (msg) => {
  console.error(`e2e: ${msg}`);
  process.exit(1);
};

const codeServer = path.join(PREFIX, 'node_modules/.bin/code-server');
if (!fs.existsSync(codeServer)) die(`no code-server in ${PREFIX}: run scripts/install-editor-e2e.sh`);
if (!fs.existsSync(CHROMIUM)) die(`no ${CHROMIUM}: run scripts/install-editor-e2e.sh`);
const VSIX = process.env.VSIX ?? fs.readdirSync(ext).filter((f) => /^stackc-.*-(linux|darwin)-(x64|arm64)\.vsix$/.test(f))
  .map((f) => path.join(ext, f)).sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs).pop();
if (!VSIX || !fs.existsSync(VSIX)) die('no platform .vsix: run scripts/package-vscode.sh');
const require = createRequire(path.join(PREFIX, 'package.json'));
const { chromium } = require('playwright-core');

// A fresh profile: user data (settings), extensions, config, workspace.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stackc-e2e-'));
const artifacts = process.env.E2E_ARTIFACTS ?? path.join(tmp, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const ud = path.join(tmp, 'ud');
const extDir = path.join(tmp, 'ext');
const ws = path.join(tmp, 'ws');
fs.mkdirSync(path.join(ud, 'User'), { recursive: true });
// No stackc.server.path: the bundled server must be the one that runs.
fs.writeFileSync(path.join(ud, 'User', 'settings.json'), JSON.stringify({
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'editor.hover.delay': 200,
  'editor.minimap.enabled': false,
  'editor.inlayHints.enabled': 'on',
}, null, 2));
fs.cpSync(path.join(repo, 'examples', 'docsearch'), path.join(ws, 'docsearch'), { recursive: true });
// The mistake: an integer written as a string.
const envFile = path.join(ws, 'docsearch', 'environments.stack');
const envText = fs.readFileSync(envFile, 'utf8');
if (!envText.includes('        replicas = 1\n')) die('examples/docsearch changed: no `replicas = 1` in environments.stack');
fs.writeFileSync(envFile, envText.replace('        replicas = 1\n', '        replicas = "three"\n'));

const csArgs = ['--user-data-dir', ud, '--extensions-dir', extDir, '--config', path.join(tmp, 'config.yaml')];
log(execFileSync(codeServer, [...csArgs, '--install-extension', VSIX], { encoding: 'utf8' }).trim());

const server = spawn(codeServer, [...csArgs, '--auth', 'none', '--bind-addr', `127.0.0.1:${PORT}`,
  '--disable-telemetry', '--disable-workspace-trust', ws], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let serverLog = '';
server.stdout.on('data', (d) => { serverLog += d; });
server.stderr.on('data', (d) => { serverLog += d; });
const stopServer = () => {
  // code-server and what it started (extension host, stackc-lsp): its process group.
  try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ }
};
process.on('exit', stopServer);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; ; i++) {
  if (serverLog.includes('HTTP server listening')) break;
  if (i > 120 || server.exitCode !== null) die(`code-server did not start:\n${serverLog}`);
  await sleep(500);
}

/** stackc-lsp processes of this test (under its temp dir): [pid, exe]. */
const lspProcesses = () => {
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      if (cmd.startsWith(tmp + path.sep) && cmd.endsWith('/stackc-lsp')) out.push([Number(pid), cmd]);
    } catch { /* exited */ }
  }
  return out;
};
const bundledServer = (cmd) => cmd.startsWith(extDir) && cmd.endsWith('/server/stackc-lsp');

const observed = {
  codeServer: execFileSync(codeServer, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0],
  vsix: path.basename(VSIX),
};
const check = (name, ok, detail) => {
  if (!ok) throw new Error(`check failed: ${name}\n${typeof detail === 'string' ? detail : JSON.stringify(detail, null, 2)}`);
  log(`ok: ${name}`);
};
const shots = [];
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  const shot = async (name) => {
    await page.screenshot({ path: path.join(artifacts, name) });
    shots.push(name);
  };
  await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(ws)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  await sleep(2000);

  const palette = async (text) => {
    await page.keyboard.press('Control+Shift+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(text);
    await sleep(1000);
    await page.keyboard.press('Enter');
  };
  const openFile = async (name) => {
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(name);
    await sleep(1200);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.tab.active[aria-label*="${name}"]`, { timeout: 30_000 });
    await sleep(800);
  };
  const goToLine = async (line) => {
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await sleep(600);
  };
  const wordIn = (lineText, word, nth) => {
    const line = page.locator('.monaco-editor .view-line', { hasText: lineText }).first();
    return { line, spans: line.locator('span > span', { hasText: new RegExp(`^${word}$`) }), nth };
  };
  // Hovers the `nth` span (from the end when negative) whose text is `word`
  // in the view line containing `lineText`; returns the hover's text.
  const hover = async (lineText, word, nth = -1) => {
    const { line, spans } = wordIn(lineText, word);
    await line.waitFor({ timeout: 30_000 });
    const n = await spans.count();
    if (n === 0) throw new Error(`no ${word} in the line ${lineText}`);
    await page.mouse.move(0, 0);
    await sleep(300);
    await spans.nth(nth < 0 ? n + nth : nth).hover();
    const content = page.locator('.monaco-hover-content').last();
    await content.waitFor({ state: 'visible', timeout: 30_000 });
    await sleep(700);
    return (await content.innerText()).trim();
  };
  const statusProblems = () => page.locator('.statusbar-item[id="status.problems"]').getAttribute('aria-label');

  // 1. The diagnostic. stack.stack imports environments.stack: opened first,
  // it is the root the server checks the overlay under.
  await openFile('stack.stack');
  await sleep(2000);
  await openFile('environments.stack');
  observed.language = await page.locator('.statusbar-item[id="status.editor.mode"]').innerText();
  check('the language of a .stack file is Stack', observed.language.trim() === 'Stack', observed.language);
  await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 90_000 });
  observed.squiggles = await page.locator('.monaco-editor .squiggly-error').count();
  await goToLine(18);
  await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'E0201' }).first();
  await row.waitFor({ timeout: 30_000 });
  await sleep(600);
  observed.problems = (await page.locator('.markers-panel .monaco-list-rows').innerText()).trim();
  observed.statusBar = await statusProblems();
  check('the Problems panel lists the injected mistake with stackc(E0201)',
    /expected an integer, found a string\s+stackc\s*\(?E0201\)?\s+\[Ln 18, Col 20\]/.test(observed.problems)
      && observed.problems.includes('`replicas` is an integer'), observed.problems);
  check('exactly one error', observed.squiggles === 1 && /Errors: 1\b/.test(observed.statusBar ?? ''), observed);
  await shot('diagnostic.png');
  await page.keyboard.press('Control+J'); // hide the panel

  // 2. Hover over a field: schema type, docs, value per environment.
  await goToLine(100);
  observed.fieldHover = await hover('replicas = 3', 'replicas', 0);
  check('hover over `replicas` shows its docs and per-environment values',
    observed.fieldHover.includes('Number of instances') && observed.fieldHover.includes('3 (prod)')
      && observed.fieldHover.includes('2 (staging)'), observed.fieldHover);
  await shot('hover.png');
  await page.keyboard.press('Escape');

  // 3. Completion at the start of an entry inside `health { … }`.
  await openFile('stack.stack');
  await goToLine(160);
  await page.keyboard.press('Home');
  await page.keyboard.press('Control+Space');
  await page.locator('.suggest-widget .monaco-list-rows').waitFor({ state: 'visible', timeout: 30_000 });
  await sleep(1500);
  const rows = page.locator('.suggest-widget .monaco-list-row');
  observed.completion = [];
  for (let i = 0; i < await rows.count(); i++) {
    const label = (await rows.nth(i).locator('.label-name').innerText()).trim();
    const icon = (await rows.nth(i).locator('.suggest-icon').getAttribute('class')) ?? '';
    observed.completion.push(`${label} (${(icon.match(/codicon-symbol-(\w+)/) ?? [, '?'])[1]})`);
  }
  for (const f of ['exec', 'initial_delay', 'tcp']) {
    check(`completion in health { } offers the field ${f}`, observed.completion.includes(`${f} (field)`), observed.completion);
  }
  check('completion leaves out fields already written', !observed.completion.some((c) => /^(interval|timeout|http) /.test(c)),
    observed.completion);
  await shot('completion.png');
  await page.keyboard.press('Escape');

  // 4. Go to definition across files.
  await openFile('pipelines.stack');
  await goToLine(167);
  {
    const { line, spans } = wordIn('kubeconfig = secret.kubeconfig', 'kubeconfig');
    await line.waitFor({ timeout: 30_000 });
    await spans.nth((await spans.count()) - 1).click();
    await page.keyboard.press('F12');
    await page.waitForSelector('.tab.active[aria-label*="stack.stack"]', { timeout: 30_000 });
    await sleep(800);
    observed.definition = (await page.locator('.statusbar-item[id="status.editor.selection"]').innerText()).trim();
    check('go to definition on secret.kubeconfig opens stack.stack at `secret kubeconfig` (line 50)',
      /^Ln 50,/.test(observed.definition), observed.definition);
  }

  // 5. Inlay hints: per-environment values after the fields of service
  // backend that environments resolve differently (`resources` at line 166:
  // staging runs lower limits). The hints are text injected into the line.
  observed.inlayHints = [];
  for (const at of [166, 150, 180]) {
    await goToLine(at);
    for (let tries = 0; tries < 12 && observed.inlayHints.length === 0; tries++) {
      await sleep(500);
      const lines = page.locator('.monaco-editor .view-line');
      for (let i = 0; i < await lines.count(); i++) {
        const t = (await lines.nth(i).innerText()).replace(/\u00a0/g, ' ');
        if (/\b(dev|staging|prod) \S.*·/.test(t) && !t.trim().startsWith('///')) observed.inlayHints.push(t.trim());
      }
    }
    if (observed.inlayHints.length > 0) break;
  }
  check('inlay hints show per-environment values in service backend', observed.inlayHints.length > 0, observed);
  await shot('inlay-hints.png');

  // 6. Show Generated File: the service under the cursor, kustomize, prod.
  // With the mistake in the stack it is refused with the reason; fixed in
  // the editor (and saved), the diagnostic goes and the YAML opens beside
  // the source.
  const showGenerated = async () => {
    await goToLine(138);
    await palette('stackc: Show Generated File');
    await page.waitForSelector('.quick-input-widget .quick-input-list .monaco-list-row', { timeout: 30_000 });
    await sleep(800);
    observed.previewTargets = (await page.locator('.quick-input-widget .quick-input-list .monaco-list-rows').innerText()).trim().split('\n');
    await page.keyboard.type('kustomize');
    await sleep(500);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.quick-input-widget .quick-input-title:has-text("environment")', { timeout: 30_000 });
    await page.keyboard.type('prod');
    await sleep(500);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.tab[aria-label*=".yaml"], .notifications-toasts .notification-toast', { timeout: 30_000 });
    await sleep(1500);
    return page.locator('.notifications-toasts .notification-toast').allInnerTexts();
  };
  observed.previewWithError = await showGenerated();
  check('Show Generated File refuses a stack with errors, saying why',
    observed.previewWithError.some((t) => t.includes('the stack has 1 error')), observed.previewWithError);
  await palette('Notifications: Clear All Notifications');
  await openFile('environments.stack');
  await goToLine(18);
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type('replicas = 1');
  await page.keyboard.press('Control+S');
  for (let i = 0; i < 40 && (await page.locator('.monaco-editor .squiggly-error').count()) > 0; i++) await sleep(250);
  observed.statusBarFixed = await statusProblems();
  check('fixing the mistake in the editor clears the diagnostic',
    (await page.locator('.monaco-editor .squiggly-error').count()) === 0 && !/Errors: [1-9]/.test(observed.statusBarFixed ?? ''),
    observed.statusBarFixed);
  await openFile('stack.stack');
  observed.previewToasts = await showGenerated();
  check('Show Generated File raised no message', observed.previewToasts.length === 0, observed.previewToasts);
  observed.previewTab = await page.locator('.tab[aria-label*=".yaml"]').first().getAttribute('aria-label');
  observed.editorGroups = await page.locator('.editor-group-container').count();
  const previewEditor = page.locator('.editor-group-container', { has: page.locator('.tab[aria-label*=".yaml"]') })
    .locator('.monaco-editor .view-lines').first();
  observed.previewText = (await previewEditor.innerText()).replace(/\u00a0/g, ' ');
  check('Show Generated File opens the YAML beside the source',
    observed.editorGroups === 2 && /generated by stackc/.test(observed.previewText) && /kind: /.test(observed.previewText)
      && /backend/.test(observed.previewText), observed);
  await shot('preview.png');

  // 7. The server is the bundled one; killed, it is restarted by the client.
  const before = lspProcesses();
  observed.serverProcesses = before.map(([, cmd]) => path.relative(extDir, cmd));
  check('the running stackc-lsp is the one bundled in the .vsix', before.length === 1 && bundledServer(before[0][1]),
    observed.serverProcesses);
  process.kill(before[0][0], 'SIGKILL');
  let after = [];
  for (let i = 0; i < 60; i++) {
    await sleep(500);
    after = lspProcesses().filter(([pid]) => pid !== before[0][0]);
    if (after.length > 0) break;
  }
  check('the client restarts stackc-lsp after it is killed', after.length === 1, { before, after });
  await sleep(2000);
  await openFile('environments.stack');
  await goToLine(100);
  observed.hoverAfterRestart = await hover('replicas = 3', 'replicas', 0);
  check('the restarted server answers hovers', observed.hoverAfterRestart.includes('Number of instances'), observed.hoverAfterRestart);
  await page.keyboard.press('Escape');

  // 8. The setting, when set, wins over the bundled server: a path that
  // does not exist is reported (not replaced by the bundled binary), a
  // copy of the server elsewhere is started instead of the bundled one.
  const own = path.join(tmp, 'own', 'stackc-lsp');
  fs.mkdirSync(path.dirname(own), { recursive: true });
  fs.copyFileSync(lspProcesses()[0][1], own);
  fs.chmodSync(own, 0o755);
  const setServerPath = async (value) => {
    const input = page.locator('.settings-editor .setting-item-contents input.input').first();
    if (!(await input.isVisible())) {
      await palette('Preferences: Open User Settings');
      await page.waitForSelector('.settings-editor', { timeout: 30_000 });
      await sleep(1000);
      await page.keyboard.press('Control+A');
      await page.keyboard.type('stackc.server.path');
      // A machine-overridable setting: in code-server (a remote window) the
      // Settings editor lists it under the Remote tab.
      await page.locator('.settings-tabs-widget .action-label', { hasText: 'Remote' }).first().click();
      await input.waitFor({ state: 'visible', timeout: 30_000 });
      await sleep(800);
    }
    await input.fill(value);
    await input.press('Tab');
    await sleep(1500);
  };
  await setServerPath('/nonexistent/stackc-lsp');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'was not found' }).first();
  await toast.waitFor({ state: 'visible', timeout: 60_000 });
  observed.missingServer = (await toast.innerText()).trim();
  check('a stackc.server.path that does not exist is reported, naming the setting',
    observed.missingServer.includes('/nonexistent/stackc-lsp') && observed.missingServer.includes('stackc.server.path')
      && observed.missingServer.includes('Open Settings'), observed.missingServer);
  check('no server runs in its place', lspProcesses().length === 0, lspProcesses());
  await shot('missing-server.png');
  await setServerPath(own);
  let running = [];
  for (let i = 0; i < 60 && running.length === 0; i++) {
    await sleep(500);
    running = lspProcesses();
  }
  observed.serverFromSetting = running.map(([, cmd]) => path.relative(tmp, cmd));
  check('the server the setting names runs instead of the bundled one',
    running.length === 1 && running[0][1] === own, observed.serverFromSetting);
} catch (err) {
  failed = true;
  observed.toasts = await browser.contexts().flatMap((c) => c.pages())[0]
    ?.locator('.notifications-toasts .notification-toast').allInnerTexts().catch(() => []);
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (pages[0]) await pages[0].screenshot({ path: path.join(artifacts, 'failure.png') }).catch(() => {});
  console.error(`e2e: ${err?.stack ?? err}`);
  console.error(`e2e: screenshot ${path.join(artifacts, 'failure.png')}`);
} finally {
  await browser.close();
  stopServer();
  fs.writeFileSync(path.join(artifacts, 'code-server.log'), serverLog);
  fs.writeFileSync(path.join(artifacts, 'observed.json'), JSON.stringify(observed, null, 2) + '\n');
}
if (failed) {
  console.error(`e2e: FAILED; artifacts in ${artifacts}`);
  process.exit(1);
}
if (process.env.UPDATE_PROOF === '1') {
  for (const f of [...shots, 'observed.json']) fs.copyFileSync(path.join(artifacts, f), path.join(proofDir, f));
  log(`proof updated: ${shots.join(', ')}, observed.json`);
}
log(`passed; artifacts in ${artifacts}`);
if (!process.env.E2E_ARTIFACTS) {
  // Keep only the artifacts of a passing run.
  for (const d of ['ud', 'ext', 'ws']) fs.rmSync(path.join(tmp, d), { recursive: true, force: true });
}
