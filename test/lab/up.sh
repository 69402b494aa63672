#!/usr/bin/env bash
# Bring up the live lab: a three-node swarm whose kernel has IPVS (see lib.sh), with the seed
# services spread over the nodes. Prints each phase with its time.
#   bash test/lab/up.sh        (npm run lab:up)      undo: bash test/lab/down.sh (npm run lab:down)
# A second run while the lab is up reuses it. A failed step names the node and the step in one
# line, shows the guest's console and the node's log, and tears everything down.
# Exit 3: this machine cannot run it. Last line of stdout: the environment to use the lab.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/assets.sh"
source "$HERE/../swarm/images.sh"

# All in one function, so bash has read the whole script before it runs any of it: an edit
# of this file during a bring-up cannot change what that bring-up does.
main() {
require_linux_root
[[ $REPO =~ ^[A-Za-z0-9_./-]+$ ]] || unavailable "the project's path '$REPO' must have no spaces or special characters (it goes on the guest's kernel command line)"
[[ $CACHE =~ ^[A-Za-z0-9_./-]+$ ]] || unavailable "the cache path '$CACHE' must have no spaces or special characters"
# The host as it is before anything of the lab exists; kept only for a fresh bring-up.
local before
before=$(bash "$HERE/hoststate.sh")
mkdir -p "$LAB" "$CACHE"
chmod 700 "$LAB"
exec 9>"$LAB.lock"
flock -n 9 || { log "another lab:up or lab:down is running; waiting for it"; flock 9; }

print_env() {
  {
    echo "DOCKER_CONFIG=$DOCKER_CONFIG"
    echo "SWARM_LENS_LAB_DIR=$LAB"
    echo "SWARM_LENS_LAB_ENGINES='$ENGINES'"
    for i in $(seq 1 $NODES); do echo "SWARM_LENS_LAB_NODE$i=unix://$(sock "$i")"; done
  } >"$LAB/env"
  log "contexts lab-node1..lab-node$NODES: export DOCKER_CONFIG=$DOCKER_CONFIG; docker --context lab-node2 ps"
  echo "DOCKER_CONFIG=$DOCKER_CONFIG"
}

all_nodes_answer() {
  local i
  for i in $(seq 1 $NODES); do timeout 20 docker -H "unix://$(sock "$i")" info >/dev/null 2>&1 || return 1; done
}

if [[ -n $(qemu_pid) ]]; then
  if all_nodes_answer && [[ -s $LAB/ready ]]; then
    log "the lab is already up (since $(cat "$LAB/ready")): reusing it"
    print_env
    exit 0
  fi
  die "a lab is running in $LAB but is not ready (an interrupted lab:up, or a node died): run npm run lab:down first"
fi
if [[ -e $LAB/qemu.pid ]]; then   # leftovers of a lab whose guest died
  flock -u 9   # down.sh takes the lock itself
  bash "$HERE/down.sh" --quiet
  flock 9
fi

STEP=setup
NODE=
fail() { # the one line that says where, then what to read
  trap - ERR
  log "FAILED at ${NODE:+$NODE, }step '$STEP': $*"
  console_tail
  [[ -z $NODE ]] || node_log_tail "${NODE#node}"
  if [[ -z ${SWARM_LENS_LAB_KEEP:-} ]]; then
    log "tearing the lab down (SWARM_LENS_LAB_KEEP=1 keeps it for a look)"
    flock -u 9   # down.sh takes the lock itself
    bash "$HERE/down.sh" --quiet || true
  fi
  exit 1
}
trap 'fail "a command failed (line $LINENO: $BASH_COMMAND)"' ERR

# ---------------------------------------------------------------- setup (cached after the first run)
ensure_host_packages
KV=$(kernel_version)
fetch_kernel "$KV"
INITRD=$(build_initramfs "$KV")
for e in $ENGINES; do
  case $e in 20) ;; 26) fetch_engine26 ;; *) unavailable "unknown engine '$e' in SWARM_LENS_LAB_ENGINES (20 or 26)" ;; esac
done
[[ -x /usr/sbin/dockerd ]] || fail "docker.io is not installed on the host (the guest runs the host's dockerd)"
# Local images (no registry), as rootfs tars the guest imports into each node (guest/import.sh).
mkdir -p "$CACHE/images"
for img in web helper; do
  tar=$(image_tar "$img")
  [[ -s $tar ]] || { rootfs_tar "make_${img}_rootfs" >"$tar.tmp" && mv "$tar.tmp" "$tar"; }
done
phase "setup: packages, kernel $KV, engines"

# Host state before: down.sh must leave exactly this (the lab test compares).
echo "$before" >"$LAB.before"

# ---------------------------------------------------------------- network (a namespace of its own)
STEP=network
ip netns add "$NETNS"
ip -n "$NETNS" link set lo up
ip -n "$NETNS" link add br0 type bridge
ip -n "$NETNS" addr add "$BRIDGE_ADDR" dev br0
ip -n "$NETNS" link set br0 up
ip -n "$NETNS" tuntap add tap1 mode tap
ip -n "$NETNS" link set tap1 master br0 up
phase "network namespace $NETNS"

# ---------------------------------------------------------------- boot
STEP=boot
mkdir -p "$LAB/guest"
: >"$LAB/console.log"
engines_csv=$(echo $ENGINES | tr ' ' ,)
ip netns exec "$NETNS" qemu-system-x86_64 -name swarm-lens-lab \
  -accel tcg,thread=multi,tb-size=512 -cpu max -smp "$GUEST_CPUS" -m "$GUEST_MEM_MB" \
  -nodefaults -no-user-config -display none -no-reboot \
  -daemonize -pidfile "$LAB/qemu.pid" -serial "file:$LAB/console.log" \
  -kernel "$CACHE/kernel/$KV/boot/vmlinuz-$KV" -initrd "$INITRD" \
  -append "console=ttyS0 quiet panic=-1 lab.stage2=$HERE/guest/stage2.sh lab.ip=$GUEST_ADDR/24 lab.engines=$engines_csv lab.cache=$CACHE" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,id=hostroot" \
  -virtfs "local,path=$LAB/guest,mount_tag=labout,security_model=none,id=labout" \
  -netdev tap,id=n0,ifname=tap1,script=no,downscript=no -device virtio-net-pci,netdev=n0 \
  >"$LAB/qemu.err" 2>&1 9>&- || fail "QEMU did not start: $(head -3 "$LAB/qemu.err")"
# The host reaches node I's API through a unix socket forwarded into the namespace. A deep listen
# queue, as dockerd's own socket has: socat's default (5) refuses (EAGAIN) or resets connections
# when a check asks all nodes at once.
for i in $(seq 1 $NODES); do
  ip netns exec "$NETNS" setsid socat UNIX-LISTEN:"$(sock "$i")",fork,mode=600,unlink-early,backlog=512 \
    TCP:$GUEST_ADDR:238$i </dev/null >/dev/null 2>&1 9>&- &
  echo $! >"$LAB/socat$i.pid"
done

# Wait for a condition with a deadline, failing at once if the guest died.
await() { # seconds, description, command...
  local limit=$1 what=$2 deadline=$((SECONDS + $1)); shift 2
  until "$@" >/dev/null 2>&1; do
    [[ -n $(qemu_pid) ]] || fail "the guest stopped while waiting for $what"
    if ((SECONDS >= deadline)); then
      [[ -z ${AWAIT_DETAIL:-} ]] || "$AWAIT_DETAIL" >&2 || true
      fail "$what did not happen within $limit s"
    fi
    sleep 1
  done
}
await 120 "the guest's stage 2" grep -q 'lab-guest: .* stage 2' "$LAB/console.log"
phase "guest booted (stage 2 runs)"
STEP=dockerd
for i in $(seq 1 $NODES); do
  NODE=node$i
  await 300 "node$i's dockerd answering" on "$i" version
  phase "node$i dockerd $(on "$i" version --format '{{.Server.Version}}') answers"
done
NODE=

import_log() { tail -5 "$LAB/guest/$NODE/import.log" 2>/dev/null; }

# "fn I" for nodes FIRST..N at once, in the background; wait_each fails with the node that failed.
start_each() { # name first fn
  local i
  for i in $(seq "$2" $NODES); do
    "$3" "$i" >"$LAB/$1$i.err" 2>&1 &
    echo $! >"$LAB/$1$i.pid"
  done
}
wait_each() { # name first what
  local i
  for i in $(seq "$2" $NODES); do
    NODE=node$i
    wait "$(cat "$LAB/$1$i.pid")" || fail "$3: $(tail -1 "$LAB/$1$i.err")"
  done
  NODE=
}

# ---------------------------------------------------------------- swarm: three managers
# Three managers, so every node's own Engine API lists the services: a trace can then run
# against any node (the node whose namespaces it reads). The dispatcher heartbeat is raised:
# under emulation the 5 s default let nodes go Down.
STEP=swarm
NODE=node1
on 1 swarm init --advertise-addr 10.99.0.11 --listen-addr 10.99.0.11:2377 --dispatcher-heartbeat 30s >/dev/null
NODE=
token=$(on 1 swarm join-token -q manager)
# A slow join answers "Timeout was reached ... will continue in the background": not a failure,
# the Ready check below waits for it.
join() {
  local out
  out=$(on "$1" swarm join --token "$token" --advertise-addr "10.99.0.1$1" --listen-addr "10.99.0.1$1:2377" 10.99.0.11:2377 2>&1) ||
    [[ $out == *"continue in the background"* ]] || { echo "$out"; return 1; }
}
start_each join 2 join
wait_each join 2 "swarm join"
ready_nodes() { [[ $(on 1 node ls --format '{{.Status}} {{.ManagerStatus}}' | grep -c '^Ready \(Leader\|Reachable\)') == "$NODES" ]]; }
await 180 "all $NODES managers Ready and Reachable" ready_nodes
phase "swarm: $NODES managers ready"
STEP=images
images_on() { on "$1" image inspect "$WEB_IMAGE" "$HELPER_IMAGE"; }
for i in $(seq 1 $NODES); do
  NODE=node$i
  AWAIT_DETAIL=import_log await 300 "node$i's images" images_on "$i"
done
NODE=
phase "images $WEB_IMAGE, $HELPER_IMAGE on every node"

# ---------------------------------------------------------------- networks and services
STEP=services
# 20.10's default ingress is 10.0.0.0/24, the seed article's overlay: tasks on overlapping
# subnets stay New ("pending allocations"). 18.03 had 10.255.0.0/16.
if [[ $(on 1 network inspect ingress --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}') != 10.255.0.0/16 ]]; then
  echo y | on 1 network rm ingress >/dev/null
  gone() { ! on 1 network inspect ingress; }
  await 60 "the old ingress network gone" gone
  on 1 network create --driver overlay --ingress --subnet 10.255.0.0/16 --gateway 10.255.0.1 ingress >/dev/null
fi
on 1 network create --driver overlay --attachable --subnet 10.0.0.0/24 --label "$TEST_LABEL" overlay1 >/dev/null
svc() { # name, args
  local name=$1; shift
  on 1 service create --detach --no-resolve-image --init --name "$name" --network overlay1 \
    --label "$TEST_LABEL" --container-label "$TEST_LABEL" "$@" "$WEB_IMAGE" >/dev/null
}
stack=(--label com.docker.stack.namespace=web --container-label com.docker.stack.namespace=web)
one_each=(--replicas "$NODES" --replicas-max-per-node 1)
svc client --mode global
# vote drains for 4 s when a task stops (SIGWINCH changes nothing for httpd), as real services
# do: with swarm's own 2 s gossip delay its backend stays at weight 0 long enough to be seen.
svc vote "${one_each[@]}" --stop-signal SIGWINCH --stop-grace-period 4s
svc votedns "${one_each[@]}" --endpoint-mode dnsrr
svc voteweb "${one_each[@]}" --publish published=8080,target=80 "${stack[@]}"
svc votehost --replicas 1 --endpoint-mode dnsrr --publish mode=host,published=8081,target=80 "${stack[@]}"
# Converged: every service n/n, and on every node the containers it should run are running.
converged() {
  local i want
  [[ -z $(on 1 service ls --filter "label=$TEST_LABEL" --format '{{.Replicas}}' | awk '{split($1, r, "/"); if (r[1] != r[2] || r[2] == 0) print}') ]] || return 1
  for i in $(seq 1 $NODES); do
    want=$(on 1 node ps "node$i" --filter desired-state=running --format '{{.Name}}' | wc -l)
    [[ $(on "$i" ps -q --filter "label=$TEST_LABEL" --filter status=running | wc -l) -ge $want && $want -ge 4 ]] || return 1
  done
}
pending_tasks() { on 1 service ps --filter desired-state=running --format '{{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}' $(on 1 service ls -q) | grep -v ' Running '; }
AWAIT_DETAIL=pending_tasks await 420 "every service running on every node" converged
phase "services converged: $(on 1 service ls -q | wc -l) services, $(on 1 service ps -q --filter desired-state=running $(on 1 service ls -q) | wc -l) tasks"

# ---------------------------------------------------------------- contexts
STEP=contexts
mkdir -p "$DOCKER_CONFIG"
for i in $(seq 1 $NODES); do
  docker context rm -f "lab-node$i" >/dev/null 2>&1 || true
  docker context create "lab-node$i" --description "Swarm Lens lab node$i (engine $(engine_of "$i"))" \
    --docker "host=unix://$(sock "$i")" >/dev/null
done
date -u +%FT%TZ >"$LAB/ready"
trap - ERR
phase "lab ready"
print_env
}

main "$@"
