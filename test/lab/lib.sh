# Shared by the lab's up.sh, down.sh and assets.sh (sourced, not run): paths, logging with
# phase timings, and the host side of the lab's lifecycle.
#
# The lab: ONE QEMU guest on Debian's 6.1 kernel (it has IPVS; this machine's kernel has not),
# software-emulated (KVM here runs only PVM guests), sharing the host's root file system read-only
# over 9p. Inside it three dockerds, each in its own network, mount and UTS namespace, make a
# swarm of three managers. Why one guest and not three: see README.md ("The live lab").

LAB=${SWARM_LENS_LAB_DIR:-/tmp/swarm-lens-lab}          # sockets, console log, contexts; short for sun_path
LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)    # test/lab
REPO=$(cd "$LAB_HOME/../.." && pwd)
CACHE=${SWARM_LENS_CACHE:-$REPO/.cache}/lab               # kernel, initramfs, other engines: reused
NETNS=swarm-lens-lab                                      # all lab traffic stays inside it
BRIDGE_ADDR=10.77.0.1/24
GUEST_ADDR=10.77.0.11                                     # the guest, on the bridge in $NETNS
NODES=3
# One engine version per node: 20 = the host's docker.io (Debian bookworm, 20.10), 26 = Debian
# trixie's docker.io 26.1.5 unpacked under $CACHE. A mixed swarm is what a rolling upgrade looks like.
ENGINES=${SWARM_LENS_LAB_ENGINES:-20 20 26}
GUEST_MEM_MB=${SWARM_LENS_LAB_MEM:-3072}
GUEST_CPUS=2
HOST_PACKAGES=(qemu-system-x86 busybox-static kmod socat docker.io containerd runc iptables ipvsadm
  bind9-dnsutils iproute2 tini util-linux netcat-openbsd)
TEST_LABEL=swarm-lens.test=1
WEB_IMAGE=local/swarm-lens-web:1
HELPER_IMAGE=local/swarm-lens-helper:2
export DOCKER_CONFIG=$LAB/docker-config   # the lab's contexts only; the user's config is untouched

T_START=${T_START:-$SECONDS}
T_PHASE=$SECONDS
log() { echo "lab: $*" >&2; }
# One line per finished phase: its own time and the total so far.
phase() {
  printf 'lab: %-44s %4ds  (total %4ds)\n' "$1" $((SECONDS - T_PHASE)) $((SECONDS - T_START)) >&2
  T_PHASE=$SECONDS
}
die() { log "$*"; exit 1; }
unavailable() { log "$*"; exit 3; }   # exit 3 = "this machine cannot run the lab", as test/swarm

require_linux_root() {
  [[ $(uname -s) == Linux ]] || unavailable "needs Linux (this is $(uname -s))"
  [[ $EUID == 0 ]] || unavailable "needs root (network namespaces, QEMU's tap device)"
}

sock() { echo "$LAB/node$1.sock"; }
on() { local i=$1; shift; docker -H "unix://$(sock "$i")" "$@"; }   # docker CLI on node I
engine_of() { local e=($ENGINES); echo "${e[$1 - 1]}"; }

ensure_host_packages() {
  local status=0
  bash "$REPO/scripts/apt-install.sh" "${HOST_PACKAGES[@]}" || status=$?
  ((status != 3)) || unavailable "cannot install ${HOST_PACKAGES[*]}"
  ((status == 0)) || die "setup: apt-get install failed"
}

# PID from a pid file, only while it is still the process we started (checked by its command
# line, so a reused PID never matches).
live_pid() { # pidfile, word that must be in its command line
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$2"* ]] && echo "$pid"
}
qemu_pid() { live_pid "$LAB/qemu.pid" "$LAB/"; }

# What the guest printed last: the first thing to read when a step fails.
console_tail() {
  log "last lines of the guest's console ($LAB/console.log):"
  tail -n "${1:-25}" "$LAB/console.log" 2>/dev/null | sed 's/^/  | /' >&2 || true
}
node_log_tail() { # node
  local f="$LAB/guest/node$1/dockerd.log"
  [[ -s $f ]] || return 0
  log "last lines of node$1's dockerd log ($f):"
  tail -n 15 "$f" | sed 's/^/  | /' >&2
}
