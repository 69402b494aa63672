#!/usr/bin/env bash
# Tear down what up.sh made and put the host back as up.sh found it. Safe when nothing is up.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

if [[ ! -e $DIR ]]; then log "nothing to tear down in $DIR"; rm -f "$DIR.lock"; exit 0; fi
exec 9>"$DIR.lock"; flock 9

if [[ -e $DIR/external ]]; then
  # Someone else's engine: remove only what carries our label, leave its swarm alone.
  if [[ -e $DIR/env ]]; then set -a; source "$DIR/env"; set +a; fi
  docker service ls -q --filter "label=$TEST_LABEL" | xargs -r docker service rm >/dev/null
  tries=0   # the network stays busy until the tasks' containers are gone
  while nets=$(docker network ls -q --filter "label=$TEST_LABEL") && [[ -n $nets ]] &&
    ! docker network rm $nets >/dev/null 2>&1; do
    ((++tries < 60)) || die "could not remove network(s) $nets"
    sleep 0.5
  done
  rm -rf "$DIR" "$DIR.lock"
  exit 0
fi

require_linux_root
use_local_engine
if [[ -n $(dockerd_pid) ]] && engine_answers; then
  docker service ls -q | xargs -r docker service rm >/dev/null
  docker swarm leave --force >/dev/null 2>&1 || true
fi
dockerd_stop

# Leftovers exist only if dockerd died hard. Container processes go first (found by the cgroups
# of our own container IDs), else they outlive their shims; then containerd and shims, which
# name our state dir on their command lines. Nothing is matched by name alone.
victims=
for id in $(ls "$DIR/data/containers" 2>/dev/null); do
  victims+=" $(cat /sys/fs/cgroup/*/docker/"$id"/cgroup.procs 2>/dev/null | sort -u | tr '\n' ' ' || true)"
done
for p in /proc/[0-9]*; do
  case $(readlink "$p/exe" 2>/dev/null) in
  */containerd | */containerd-shim* | */dockerd | */docker-proxy | */runc) ;;
  *) continue ;;
  esac
  [[ $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) != *"$DIR/"* ]] || victims+=" ${p#/proc/}"
done
if [[ -n ${victims// /} ]]; then
  log "killing leftover processes:$victims"
  kill -KILL $victims 2>/dev/null || true
  sleep 0.5
fi

# Netns files (nsfs), overlay2 merged dirs: deepest first.
awk -v d="$DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
  while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
! awk -v d="$DIR/" 'index($5, d) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo ||
  die "mounts left under $DIR; not deleting it"

if [[ -d $HOST ]]; then
  # Whole filter and nat tables as saved before dockerd started (empty tables if they were).
  for t in filter nat; do
    if grep -qx "\*$t" "$HOST/iptables"; then
      sed -n "/^\*$t\$/,/^COMMIT\$/p" "$HOST/iptables"
    elif [[ $t == filter ]]; then
      printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n'
    else
      printf '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n'
    fi | iptables-restore
  done
  while read -r s v; do echo "$v" >"/proc/sys/$s"; done <"$HOST/sysctls"
  for l in $(cat "$HOST/links"); do ip link delete "$l" 2>/dev/null || true; done
  while read -r p; do
    case $p in /var/lib/?* | /run/?*) rm -rf -- "$p" ;; esac   # only what up.sh saw missing
  done <"$HOST/paths"
  while read -r c; do   # cgroupfs dirs can only be rmdir'ed, and only when empty
    [[ $c == /sys/fs/cgroup/*/docker ]] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done <"$HOST/cgroups"
fi

rm -rf "$DIR" "$DIR.lock"
log "down: $DIR removed, host restored"
