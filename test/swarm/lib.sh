# Shared by up.sh, down.sh and dockerd.sh (sourced, not run): paths, packages and the
# lifecycle of the harness's private dockerd. Facts behind the choices: shared ENVIRONMENT.md.

DIR=${SWARM_LENS_SWARM_DIR:-/tmp/swarm-lens}   # short: the socket path must stay < 108 bytes
SOCK=$DIR/docker.sock
HOST=$DIR/host                  # the host's state before our dockerd changed it
WEB_IMAGE=local/swarm-lens-web:1
HELPER_IMAGE=local/swarm-lens-helper:2
TEST_LABEL=swarm-lens.test=1    # on everything we create, so tear-down never touches other things
PACKAGES=(docker.io containerd runc iptables ipvsadm bind9-dnsutils busybox-static tini iproute2 netcat-openbsd)
# Written by 20.10 outside --data-root/--exec-root (no flag moves them).
FIXED_PATHS=(/var/lib/docker/network/files /run/docker/plugins /run/containerd)
LINKS=(docker0 docker_gwbridge)
SYSCTLS=(net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables)
DOCKERD_ARGS=(-H "unix://$SOCK" --data-root "$DIR/data" --exec-root "$DIR/exec"
  --pidfile "$DIR/dockerd.pid" --config-file "$DIR/daemon.json")

log() { echo "swarm-lens: $*" >&2; }
die() { log "$*"; exit 1; }
unavailable() { log "$*"; exit 3; }   # exit 3 = "component unavailable" for callers

require_linux_root() {
  [[ $(uname -s) == Linux ]] || unavailable "needs Linux (this is $(uname -s))"
  [[ $EUID == 0 ]] || unavailable "needs root (to run dockerd)"
}

use_local_engine() { export DOCKER_HOST=unix://$SOCK; }

ensure_packages() {
  local status=0
  bash "$(dirname "${BASH_SOURCE[0]}")/../../scripts/apt-install.sh" "${PACKAGES[@]}" || status=$?
  ((status != 3)) || unavailable "cannot install ${PACKAGES[*]}"
  ((status == 0)) || die "apt-get install failed"
}

# PID of our dockerd if it runs (checked against its socket, so a reused PID never matches).
dockerd_pid() {
  local pid
  pid=$(cat "$DIR/dockerd.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"unix://$SOCK "* ]] &&
    echo "$pid"
}

engine_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# First missing component of a path: what to delete to undo its creation.
first_missing() {
  local p=$1
  [[ -e $p ]] && return 0
  while [[ ! -e $(dirname "$p") ]]; do p=$(dirname "$p"); done
  echo "$p"
}

# Once per bring-up (never overwritten while the harness's changes are in place).
save_host_state() {
  [[ -d $HOST ]] && return 0
  mkdir -p "$HOST.tmp"
  iptables-save >"$HOST.tmp/iptables"
  local s p l
  for s in "${SYSCTLS[@]}"; do
    [[ -e /proc/sys/$s ]] && echo "$s $(cat "/proc/sys/$s")"
  done >"$HOST.tmp/sysctls"
  for p in "${FIXED_PATHS[@]}"; do first_missing "$p"; done >"$HOST.tmp/paths"
  for p in /sys/fs/cgroup/*/; do first_missing "${p}docker"; done >"$HOST.tmp/cgroups"
  for l in "${LINKS[@]}"; do [[ -e /sys/class/net/$l ]] || echo "$l"; done >"$HOST.tmp/links"
  mv "$HOST.tmp" "$HOST"
}

dockerd_start() {
  local i started=
  if [[ -z $(dockerd_pid) ]]; then
    rm -f "$DIR/dockerd.pid"   # stale after a SIGKILL; 20.10 refuses to start if its PID is taken
    # dns: the embedded DNS forwards names it does not know to 127.0.0.1, where nothing
    # listens, so no query from a task leaves the machine. The price: such names get no answer
    # at all (the client times out) instead of NXDOMAIN from the host's resolver.
    printf '{"deprecated-key-path": "%s/key.json", "dns": ["127.0.0.1"]}\n' "$DIR" >"$DIR/daemon.json"
    # setsid: outlives the calling npm/test process; 9>&-: must not inherit up.sh's lock. The
    # env var stops swarm tasks from trying to pull local/... from Docker Hub first.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid dockerd "${DOCKERD_ARGS[@]}" \
      >>"$DIR/dockerd.log" 2>&1 </dev/null 9>&- &
    started=$!
  fi
  for ((i = 0; i < 150; i++)); do
    engine_answers && [[ -n $(dockerd_pid) ]] && return 0
    [[ -z $started ]] || kill -0 "$started" 2>/dev/null || break
    sleep 0.2
  done
  tail -20 "$DIR/dockerd.log" >&2
  die "dockerd did not answer on $SOCK (log: $DIR/dockerd.log)"
}

# Children of a PID (containerd, docker-proxy), read from /proc so procps is not needed.
children_of() {
  local parent=$1 s line
  for s in /proc/[0-9]*/stat; do
    read -r line <"$s" 2>/dev/null || continue
    line=${line##*) }   # drop "pid (comm) ": comm may contain spaces; then state, ppid, ...
    set -- $line
    [[ $2 == "$parent" ]] && { s=${s#/proc/}; echo "${s%/stat}"; }
  done
  return 0
}

dockerd_stop() {
  local pid i kids
  pid=$(dockerd_pid) || { log "dockerd not running"; return 0; }
  kids=$(children_of "$pid")
  kill -TERM "$pid"
  # 20.10 stops every container first (--init tasks stop at once), then containerd.
  for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "dockerd $pid ignored SIGTERM for 30 s, killing it"
    kill -KILL "$pid" $kids 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  ! engine_answers || die "something still answers on $SOCK"
}

# Every labelled service at n/n running tasks, or fail with their task list after 60 s. On our
# own node the containers are counted too: just after a dockerd restart the manager still
# reports the old tasks as running although their containers are gone.
wait_for_tasks() {
  local pending ext=0 deadline=$((SECONDS + 60))
  [[ ! -e $DIR/external ]] || ext=1
  while :; do
    pending=$({
      ((ext)) || docker ps --filter "label=$TEST_LABEL" --filter status=running \
        --format '{{.Label "com.docker.swarm.service.name"}}'
      echo --
      docker service ls --filter "label=$TEST_LABEL" --format '{{.Name}} {{.Replicas}}'
    } | awk -v ext=$ext '$0 == "--" {svc = 1; next} !svc {up[$1]++; next}
        {split($2, r, "/"); if (r[1] != r[2] || r[2] + 0 == 0 || (!ext && up[$1] != r[2])) print $1}') ||
      pending="(docker did not answer)"
    [[ -n $pending ]] || return 0
    if ((SECONDS > deadline)); then
      docker service ps --no-trunc $pending >&2 2>/dev/null || true
      die "tasks not running after 60 s: $pending"
    fi
    sleep 0.5
  done
}
