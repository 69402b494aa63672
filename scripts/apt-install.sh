#!/usr/bin/env bash
# Installs the Debian packages named that are missing, for every script of the project (the test
# swarm, the lab, code-server). Installs run one at a time: a lock of ours (the scripts may run in
# parallel), then dpkg's own (unattended upgrades at boot), waited for, not failed on. No service
# starts: docker.io's postinst would otherwise start a system dockerd.
#   bash scripts/apt-install.sh PKG...     exit 3: missing packages and no way to install them
set -euo pipefail
missing() { local p; for p; do dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done; }
[[ -n $(missing "$@") ]] || exit 0
command -v apt-get >/dev/null || { echo "missing Debian packages ($(missing "$@" | xargs)) and no apt-get" >&2; exit 3; }
SUDO=()
if [[ $EUID != 0 ]]; then
  sudo -n true 2>/dev/null || { echo "missing Debian packages ($(missing "$@" | xargs)) and not root (no passwordless sudo)" >&2; exit 3; }
  SUDO=(sudo -n)
fi
exec 8>/tmp/swarm-lens-apt.lock
flock 8
mapfile -t need < <(missing "$@")   # another script may have installed them meanwhile
((${#need[@]})) || exit 0
echo "installing ${need[*]}" >&2
log=$(mktemp)
guard=
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod +x /usr/sbin/policy-rc.d
  guard=1
fi
apt=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q)
status=0
{ "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${need[@]}"; } >"$log" 2>&1 || status=$?
[[ -z $guard ]] || "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d
if ((status)); then
  tail -20 "$log" >&2
  echo "apt-get install ${need[*]} failed" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
