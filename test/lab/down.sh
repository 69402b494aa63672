#!/usr/bin/env bash
# Tear the lab down: the guest, the socket forwards, the network namespace, the lab's folder.
# Everything else lived inside the guest and goes with it. Safe when nothing is up.
#   bash test/lab/down.sh [--quiet]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
quiet=${1:-}
say() { [[ $quiet == --quiet ]] || log "$*"; }

require_linux_root
if [[ ! -e $LAB ]] && ! ip netns list 2>/dev/null | grep -qw "$NETNS"; then
  say "nothing to tear down"
  exit 0
fi
exec 9>"$LAB.lock"
flock 9

stop() { # pid or -pgid: TERM, then KILL after 10 s
  local pid=$1 i
  kill -TERM -- "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do kill -0 -- "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "$pid" 2>/dev/null || true
  while kill -0 -- "$pid" 2>/dev/null; do sleep 0.1; done
}
# Each forward was started by setsid: its group holds the children it forked per connection.
for f in "$LAB"/socat*.pid; do
  [[ -e $f ]] || continue
  pid=$(live_pid "$f" "$LAB/") && stop "-$pid"
done
if pid=$(qemu_pid); then
  stop "$pid"   # the guest's file systems are tmpfs: nothing to flush
  say "guest stopped"
fi
if ip netns list 2>/dev/null | grep -qw "$NETNS"; then
  ip netns delete "$NETNS"   # with it, the bridge and the tap
fi
# ip netns made /run/netns a mount point the first time; undo it when the lab was its only user.
if [[ -f $LAB.before ]] && ! grep -q '^folder /run/netns$' "$LAB.before" && [[ -z $(ls -A /run/netns 2>/dev/null) ]]; then
  umount /run/netns 2>/dev/null || true
  rmdir /run/netns 2>/dev/null || true
fi
rm -rf "$LAB"
rm -f "$LAB.lock"
say "down: the lab is gone"
