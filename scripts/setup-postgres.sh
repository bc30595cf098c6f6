#!/usr/bin/env bash
# Installs what the registry's PostgreSQL and reachability tests need from
# Debian: PostgreSQL's server binaries (the tests start their own server in a
# temp folder, so no cluster is set up here) and iptables (the reachability
# test builds a NAT between network namespaces). Safe to run twice.
set -euo pipefail

log() { printf '[setup-postgres] %s\n' "$*"; }

missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v iptables >/dev/null || missing+=(iptables)
if [[ ${#missing[@]} -eq 0 ]]; then
  log 'already installed'
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  log "not root: install ${missing[*]} yourself (apt-get install -y ${missing[*]})"
  exit 1
fi
log "installing ${missing[*]}"
# Another process may hold the dpkg lock for a while; wait for it rather than fail.
apt-get update -o DPkg::Lock::Timeout=600
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
