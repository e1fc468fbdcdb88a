#!/usr/bin/env bash
# install-editor-e2e.sh — install real VS Code (code-server) and a headless browser for the
# extension's end-to-end test (editors/vscode/e2e/run.mjs, run by .ci/run).
#
# Usage:  bash scripts/install-editor-e2e.sh
#
# Only the ordinary package clients (apt-get, npm) are used. The recipe is the one tried on
# these machines (Debian 12, Node 20): code-server 4.100.3 (VS Code 1.100.3; newer releases
# need Node 22+) installed with --ignore-scripts, because its postinstall would download
# from GitHub; its native modules (node-pty, @parcel/watcher, kerberos, …) rebuilt from
# Debian's headers; ripgrep taken from Debian instead of the GitHub download of
# @vscode/ripgrep; argon2 built from source; Debian's `chromium` driven by playwright-core
# (no browser download).
#
# Idempotent: when PREFIX/versions.txt records the pinned versions and the binaries are
# there, it exits in a second. A fresh install takes about 5 minutes on 2 cores.
#
# Environment:
#   STACKC_EDITOR_E2E_PREFIX   install prefix (default /opt/stackc-editor-e2e)
#
# Layout of PREFIX:
#   node_modules/.bin/code-server     code-server 4.100.3
#   node_modules/playwright-core      playwright-core (uses /usr/bin/chromium)
#   versions.txt
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_CORE_VERSION=1.65.1
PREFIX="${STACKC_EDITOR_E2E_PREFIX:-/opt/stackc-editor-e2e}"
WANT="code-server $CODE_SERVER_VERSION; playwright-core $PLAYWRIGHT_CORE_VERSION; node $(node --version 2>/dev/null || echo none)"

if [ -f "$PREFIX/versions.txt" ] && [ "$(head -n1 "$PREFIX/versions.txt")" = "$WANT" ] \
  && [ -x "$PREFIX/node_modules/.bin/code-server" ] && [ -d "$PREFIX/node_modules/playwright-core" ] \
  && command -v chromium >/dev/null && command -v rg >/dev/null; then
  echo "editor e2e tools already installed in $PREFIX: $WANT"
  exit 0
fi

# ---- apt: headers for the native modules, ripgrep, the browser ---------------------------
apt_pkgs=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium build-essential python3)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ---- npm: code-server and its native modules ---------------------------------------------
rm -rf "$PREFIX"
mkdir -p "$PREFIX"
cd "$PREFIX"
echo '{ "name": "stackc-editor-e2e", "private": true }' > package.json
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
npm install --ignore-scripts --loglevel=error "code-server@$CODE_SERVER_VERSION"   # its postinstall would fetch from GitHub
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --loglevel=error
# @vscode/ripgrep's postinstall downloads from GitHub unless bin/ exists: use Debian's rg.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
cd ../..                                     # node_modules/code-server
npm_config_user_agent="npm/11 node/$(node --version) linux x64" npm_config_unsafe_perm=true sh postinstall.sh
cd lib/vscode
npm_config_yes=true npm rebuild --loglevel=error          # node-pty runs `npx node-gyp`
cd "$PREFIX"
npm rebuild argon2 --loglevel=error                       # the prebuilt download fails: from source
npm install --ignore-scripts --loglevel=error "playwright-core@$PLAYWRIGHT_CORE_VERSION"   # no browser download

./node_modules/.bin/code-server --version >/dev/null
node -e "require('$PREFIX/node_modules/playwright-core')"
{
  echo "$WANT"
  echo "code-server: $(./node_modules/.bin/code-server --version | head -n1)"
  echo "chromium: $(chromium --version 2>/dev/null || echo '?')"
  echo "ripgrep: $(rg --version | head -n1)"
} > versions.txt
cat versions.txt
