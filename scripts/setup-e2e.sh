#!/usr/bin/env bash
# Installs what the end-to-end tests need on a machine that reaches only the npm
# registry and Debian: Debian's Chromium (for Playwright) and code-server, which
# bundles the VS Code the tests drive, into .tools/code-server.
# Safe to run twice: each phase leaves a stamp and is skipped once stamped.
set -euo pipefail

readonly CODE_SERVER_VERSION=4.100.3 # the last release that runs on Node 20
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly tools_dir=$root/.tools/code-server
readonly stamps_dir=$tools_dir/.setup-stamps-$CODE_SERVER_VERSION
readonly vscode_dir=$tools_dir/node_modules/code-server/lib/vscode
# The browser Playwright drives; the e2e harness reads the same variable.
readonly chromium=${PEER_BACKUP_CHROMIUM:-/usr/bin/chromium}
# Keep npm quiet about audits and funding: they need hosts beyond the registry.
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

log() { printf '[setup-e2e] %s\n' "$*"; }

# run_phase NAME COMMAND...: runs COMMAND once, prints how long it took, stamps it.
run_phase() {
  local name=$1
  shift
  if [[ -e $stamps_dir/$name ]]; then
    log "$name: already done"
    return
  fi
  local started=$SECONDS
  log "$name: running"
  "$@"
  mkdir -p "$stamps_dir"
  touch "$stamps_dir/$name"
  log "$name: done in $((SECONDS - started)) s"
}

apt_packages_missing=()
need_apt_package() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || apt_packages_missing+=("$1"); }

install_apt_packages() {
  # Another process may hold the dpkg lock for a while; wait for it rather than fail.
  apt-get update -o DPkg::Lock::Timeout=600
  # Say what else apt will change before it does: packages the new ones need, and any it must upgrade for them.
  local upgrades
  upgrades=$(apt-get install -s --no-install-recommends "${apt_packages_missing[@]}" | awk '/^Inst [^ ]+ \[/ { print $2 }' | tr '\n' ' ')
  [[ -z $upgrades ]] || log "apt packages: these installed packages must be upgraded for them: $upgrades"
  # --no-upgrade: nothing already installed is upgraded unless a new package cannot work without it.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends --no-upgrade \
    -o DPkg::Lock::Timeout=600 "${apt_packages_missing[@]}"
}

install_code_server_package() {
  mkdir -p "$tools_dir"
  # A package.json of its own keeps code-server out of the extension's dependencies.
  [[ -e $tools_dir/package.json ]] || printf '{ "private": true }\n' >"$tools_dir/package.json"
  # Its postinstall scripts call the network; the phases below do their work offline.
  (cd "$tools_dir" && npm install --no-save --ignore-scripts "code-server@$CODE_SERVER_VERSION")
}

# code-server loads argon2, a native module, at startup: build it for this Node.
rebuild_argon2() { (cd "$tools_dir" && npm rebuild argon2); }

# The VS Code that code-server bundles has dependencies of its own, which the package leaves out.
install_vscode_dependencies() { (cd "$vscode_dir" && npm install --omit=dev --ignore-scripts); }

provide_ripgrep() {
  # @vscode/ripgrep's postinstall downloads rg unless bin/ exists; the editor's
  # search uses it, so give it Debian's rg, or a stub that finds nothing.
  local bin_dir=$vscode_dir/node_modules/@vscode/ripgrep/bin
  mkdir -p "$bin_dir"
  if command -v rg >/dev/null; then
    ln -sf "$(command -v rg)" "$bin_dir/rg"
  else
    printf '#!/bin/sh\nexit 1\n' >"$bin_dir/rg"
    chmod +x "$bin_dir/rg"
  fi
}

# node-pty's install step runs `npx node-gyp`, which would stop to ask without npm_config_yes.
rebuild_vscode_native_modules() { (cd "$vscode_dir" && npm_config_yes=true npm rebuild); }

# The editor's built-in extensions have dependencies of their own too.
install_builtin_extension_dependencies() { (cd "$vscode_dir/extensions" && npm install --omit=dev); }

total_started=$SECONDS

# No stamps for this version: an install of another version, or one cut short. Start over.
if [[ -d $tools_dir && ! -d $stamps_dir ]]; then
  log "removing an install of another code-server version"
  rm -rf "$tools_dir"
fi

if [[ ! -x $chromium ]]; then
  if [[ $chromium != /usr/bin/chromium ]]; then
    log "PEER_BACKUP_CHROMIUM=$chromium is not an executable"
    exit 1
  fi
  need_apt_package chromium
fi
command -v rg >/dev/null || need_apt_package ripgrep
need_apt_package libkrb5-dev # the `kerberos` module that the editor ships compiles against it
# Say what this will do, and roughly how long, before doing any of it.
if ((${#apt_packages_missing[@]})) || [[ ! -d $stamps_dir ]]; then
  log "setting up the editor the end-to-end tests drive; the first time takes several minutes:"
  ((${#apt_packages_missing[@]})) && log "  - Debian packages (apt, as root): ${apt_packages_missing[*]}"
  [[ -d $stamps_dir ]] || log "  - code-server $CODE_SERVER_VERSION and the VS Code it bundles, from the npm registry, into .tools/code-server (nothing outside this folder)"
fi
if ((${#apt_packages_missing[@]})); then
  started=$SECONDS
  log "apt packages: installing ${apt_packages_missing[*]}"
  install_apt_packages
  log "apt packages: done in $((SECONDS - started)) s"
else
  log "apt packages: already installed"
fi

run_phase code-server-package install_code_server_package
run_phase argon2 rebuild_argon2
run_phase vscode-dependencies install_vscode_dependencies
run_phase ripgrep provide_ripgrep
run_phase vscode-native-modules rebuild_vscode_native_modules
run_phase builtin-extension-dependencies install_builtin_extension_dependencies

log "ready in $((SECONDS - total_started)) s: $tools_dir/node_modules/code-server/out/node/entry.js"
