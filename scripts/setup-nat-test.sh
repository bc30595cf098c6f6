#!/usr/bin/env bash
# Installs what the port-mapping test needs from Debian: miniupnpd, the UPnP
# IGD and NAT-PMP daemon the test runs inside its router namespace, and nft.
# Debian's miniupnpd pulls its nftables build (miniupnpd-nftables), which adds
# its rules to chains that must already exist: the test makes them with nft.
# No service is started: the test runs its own daemon with its own
# configuration. Safe to run twice.
set -euo pipefail

log() { printf '[setup-nat-test] %s\n' "$*"; }

missing=()
[[ -x /usr/sbin/miniupnpd ]] || missing+=(miniupnpd)
[[ -x /usr/sbin/nft ]] || missing+=(nftables)
if [[ ${#missing[@]} -eq 0 ]]; then
  log 'already installed'
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  log "not root: install ${missing[*]} yourself (apt-get install -y --no-install-recommends ${missing[*]}); the port-mapping test is skipped without them"
  exit 1
fi

# Debconf answers, so the install asks nothing: no service at boot.
debconf-set-selections <<'ANSWERS'
miniupnpd miniupnpd/start_daemon boolean false
miniupnpd miniupnpd/force_igd_desc_v1 boolean false
miniupnpd miniupnpd/ip6script boolean false
ANSWERS

# No service may start while packages are installed (invoke-rc.d asks policy-rc.d); restore what was there after.
policy=/usr/sbin/policy-rc.d
saved=''
if [[ -e $policy ]]; then
  saved=$(mktemp)
  cp -p "$policy" "$saved"
fi
restore_policy() {
  if [[ -n $saved ]]; then mv "$saved" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"

log "installing ${missing[*]}"
# Another process may hold the dpkg lock for a while; wait for it rather than fail.
apt-get update -o DPkg::Lock::Timeout=600
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends --no-upgrade -o DPkg::Lock::Timeout=600 "${missing[@]}"
if [[ -e /run/miniupnpd.pid ]]; then
  log 'the miniupnpd service started during the install: stop it (the test runs its own daemon)'
  exit 1
fi
log 'installed'
