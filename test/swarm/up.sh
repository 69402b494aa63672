#!/usr/bin/env bash
# Bring up a single-node Docker swarm with the seed services for Swarm Lens tests.
# Idempotent: a second run finds everything in place and returns in about a second.
#   bash test/swarm/up.sh                     private dockerd in $SWARM_LENS_SWARM_DIR (/tmp/swarm-lens)
#   SWARM_LENS_EXTERNAL=1 bash test/swarm/up.sh   use the swarm manager at $DOCKER_HOST instead
# Exit 3: this machine cannot run it (not Linux, not root, not a swarm manager).
# Last line of stdout: DOCKER_HOST=...; the same is in $DIR/env.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/images.sh"

[[ $(uname -s) == Linux ]] || unavailable "needs Linux to build its images (this is $(uname -s))"
if [[ ${SWARM_LENS_EXTERNAL:-} == 1 ]]; then
  # Someone else's engine: create only labelled things there, and only with free names.
  [[ $EUID != 0 ]] || ensure_packages   # for the image build tools; else they must be present
  command -v busybox >/dev/null || unavailable "needs busybox-static to build $WEB_IMAGE"
  [[ $(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null) == true ]] ||
    unavailable "SWARM_LENS_EXTERNAL=1 but ${DOCKER_HOST:-the default engine} is not a swarm manager"
  engine=${DOCKER_HOST:-$(docker context inspect --format '{{.Endpoints.docker.Host}}')}
else
  require_linux_root
  ensure_packages
  use_local_engine
  engine=$DOCKER_HOST
fi

mkdir -p "$DIR"
exec 9>"$DIR.lock"; flock 9   # parallel test suites may all call up.sh
if [[ ${SWARM_LENS_EXTERNAL:-} == 1 ]]; then
  touch "$DIR/external"
else
  if [[ -z $(dockerd_pid) ]]; then
    [[ ! -e $DIR/external ]] || die "$DIR belongs to an external-mode run; run down.sh first"
    save_host_state
  fi
  dockerd_start   # returns at once when it already answers
fi

image_exists "$WEB_IMAGE" || { log "building $WEB_IMAGE"; build_web_image; }
new_helper=
image_exists "$HELPER_IMAGE" || { log "building $HELPER_IMAGE"; build_helper_image; new_helper=1; }

if [[ $(docker info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
  # 127.0.0.1 keeps the swarm ports off the real network; eth0's address is the fallback.
  addr=127.0.0.1
  if ! docker swarm init --advertise-addr $addr --listen-addr $addr:2377 >/dev/null 2>"$DIR/init.err"; then
    addr=$(ip -4 -o addr show scope global | awk '{sub(/\/.*/, "", $4); print $4; exit}')
    log "swarm init on 127.0.0.1 failed ($(head -1 "$DIR/init.err")), using $addr"
    docker swarm init --advertise-addr "$addr" --listen-addr "$addr:2377" >/dev/null
  fi
fi

# Never adopt a same-named object that we did not create (external engines).
refuse() { die "$1 exists on $engine but is not labelled $TEST_LABEL; refusing to touch it"; }

if docker network inspect overlay1 >/dev/null 2>&1; then
  [[ $(docker network inspect --format '{{index .Labels "swarm-lens.test"}}' overlay1) == 1 ]] ||
    refuse "network overlay1"
else
  docker network create --driver overlay --attachable --label "$TEST_LABEL" overlay1 >/dev/null
fi

create_service() { # name, extra args
  local name=$1 label; shift
  if label=$(docker service inspect --format '{{index .Spec.Labels "swarm-lens.test"}}' "$name" 2>/dev/null); then
    [[ $label == 1 ]] || refuse "service $name"
    return 0
  fi
  docker service create --detach --no-resolve-image --init --name "$name" --network overlay1 \
    --label "$TEST_LABEL" --container-label "$TEST_LABEL" "$@" "$WEB_IMAGE" >/dev/null
}
stack=(--label com.docker.stack.namespace=web --container-label com.docker.stack.namespace=web)
create_service client --replicas 1
create_service vote --replicas 2
create_service votedns --replicas 2 --endpoint-mode dnsrr
create_service voteweb --replicas 2 --publish published=8080,target=80 "${stack[@]}"
create_service votehost --replicas 1 --endpoint-mode dnsrr --publish mode=host,published=8081,target=80 "${stack[@]}"

wait_for_tasks

[[ -z $new_helper || -e $DIR/external ]] || check_helper_image

printf 'DOCKER_HOST=%s\nSWARM_LENS_SWARM_DIR=%s\n' "$engine" "$DIR" >"$DIR/env"
docker service ls --filter "label=$TEST_LABEL"
echo "overlay1 $(docker network inspect --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}' overlay1)," \
  "env in $DIR/env"
echo "DOCKER_HOST=$engine"
