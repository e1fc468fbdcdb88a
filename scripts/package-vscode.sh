#!/usr/bin/env bash
# package-vscode.sh — the platform .vsix: the VS Code extension with stackc-lsp bundled.
#
# Usage:  bash scripts/package-vscode.sh        (after `npm ci` in editors/vscode)
#
# Builds stackc-lsp in release, copies it to editors/vscode/server/stackc-lsp, and runs
# `vsce package --target <platform>` (vsce is a devDependency: no network needed once
# `npm ci` has run). The platform comes from `uname` (linux-x64, linux-arm64, darwin-x64,
# darwin-arm64). Writes editors/vscode/stackc-<version>-<platform>.vsix and prints its path
# on the last line. The extension starts this bundled binary unless the user set
# `stackc.server.path` (see editors/vscode/server.js).
#
# Environment:
#   CARGO_TARGET_DIR   where cargo builds (default <repo>/target)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXT="$ROOT/editors/vscode"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "package-vscode.sh: unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "package-vscode.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
TARGET="$os-$arch"

if [ ! -x "$EXT/node_modules/.bin/vsce" ]; then
  echo "package-vscode.sh: no vsce in editors/vscode/node_modules: run \`npm ci\` in editors/vscode first" >&2
  exit 1
fi

# STACKC_VSIX_PROFILE=debug bundles the dev-profile build instead (what
# `cargo test` already built: .ci/run uses it to save a release build; a
# .vsix for users is built in release, the default).
PROFILE="${STACKC_VSIX_PROFILE:-release}"
case "$PROFILE" in
  release) (cd "$ROOT" && cargo build --release --locked -p stackc-lsp); DIR=release ;;
  debug) (cd "$ROOT" && cargo build --locked -p stackc-lsp); DIR=debug ;;
  *) echo "package-vscode.sh: STACKC_VSIX_PROFILE must be release or debug, not $PROFILE" >&2; exit 1 ;;
esac
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$DIR/stackc-lsp"
[ -x "$BIN" ] || { echo "package-vscode.sh: $BIN was not built" >&2; exit 1; }

rm -rf "$EXT/server"
mkdir -p "$EXT/server"
install -m 0755 "$BIN" "$EXT/server/stackc-lsp"

VERSION="$(node -p "require('$EXT/package.json').version")"
OUT="$EXT/stackc-$VERSION-$TARGET.vsix"
rm -f "$OUT"
(cd "$EXT" && ./node_modules/.bin/vsce package --target "$TARGET" --out "$OUT" \
  --skip-license --allow-missing-repository --no-rewrite-relative-links --no-update-package-json)

# The package must hold the executable server and the client's resolver.
python3 - "$OUT" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = set(z.namelist())
for need in ("extension/server/stackc-lsp", "extension/server.js", "extension/extension.js"):
    if need not in names:
        sys.exit(f"package-vscode.sh: {sys.argv[1]} has no {need}")
PY
echo "$OUT"
