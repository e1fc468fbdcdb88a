// Where the extension finds `stackc-lsp`. No `vscode` import, so the
// resolution order is tested with plain node (test/server.test.js).
//
// The order, as rust-analyzer's extension does it:
//   1. the `stackc.server.path` setting, when the user set it explicitly
//      (user, remote or workspace settings): an explicit choice wins over
//      what the extension ships, so a locally built server can be tried
//      with the platform .vsix installed; if that path does not exist the
//      user is told, rather than silently given another binary;
//   2. the binary bundled in the platform .vsix, `server/stackc-lsp`
//      (`server/stackc-lsp.exe` on Windows), put there by
//      scripts/package-vscode.sh;
//   3. `stackc-lsp` on `PATH`.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const BINARY = 'stackc-lsp';

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolves `command` the way a spawn would: a path as is, a bare name on
 * `PATH`. Returns the file, or undefined.
 */
function resolveCommand(command, env = process.env, platform = process.platform) {
  if (command.includes('/') || command.includes('\\')) {
    return isFile(command) ? command : undefined;
  }
  const exts = platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  const sep = platform === 'win32' ? ';' : ':';
  for (const dir of (env.PATH || '').split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The bundled binary's path inside the installed extension. */
function bundledPath(extensionPath, platform = process.platform) {
  return path.join(extensionPath, 'server', platform === 'win32' ? `${BINARY}.exe` : BINARY);
}

/**
 * Expands `~/` and `${workspaceFolder}` in a configured command.
 */
function expandCommand(command, workspaceFolder) {
  let c = command.trim();
  if (c.startsWith('~/')) c = path.join(os.homedir(), c.slice(2));
  if (workspaceFolder) c = c.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  return c;
}

/**
 * Which `stackc-lsp` to start.
 *
 * @param {object} o
 * @param {string | undefined} o.explicit  the setting's value when the user set it
 *   (undefined when only the default applies)
 * @param {string} o.extensionPath  the installed extension's directory
 * @param {string} [o.workspaceFolder]
 * @param {NodeJS.ProcessEnv} [o.env]
 * @param {NodeJS.Platform} [o.platform]
 * @returns {{ command: string | undefined, source: 'setting' | 'bundled' | 'path',
 *             tried: string[] }}
 *   `command` is the file to spawn, undefined when none was found; `source`
 *   says which step chose it (or failed); `tried` lists what was looked at.
 */
function resolveServer({ explicit, extensionPath, workspaceFolder, env = process.env, platform = process.platform }) {
  if (explicit !== undefined && explicit !== null && String(explicit).trim() !== '') {
    const wanted = expandCommand(String(explicit), workspaceFolder);
    return { command: resolveCommand(wanted, env, platform), source: 'setting', tried: [wanted] };
  }
  const bundled = bundledPath(extensionPath, platform);
  if (isFile(bundled)) {
    if (platform !== 'win32') {
      try {
        fs.accessSync(bundled, fs.constants.X_OK);
      } catch {
        // A .vsix unpacked without the executable bit: restore it.
        try {
          fs.chmodSync(bundled, 0o755);
        } catch {
          /* reported by the spawn */
        }
      }
    }
    return { command: bundled, source: 'bundled', tried: [bundled] };
  }
  return { command: resolveCommand(BINARY, env, platform), source: 'path', tried: [bundled, `${BINARY} on PATH`] };
}

module.exports = { BINARY, resolveCommand, bundledPath, expandCommand, resolveServer };
