#!/usr/bin/env bash
# Stop or start the harness's dockerd, for tests of the "cannot connect" state and recovery.
#   dockerd.sh stop    SIGTERM by PID; returns once the socket refuses connections
#   dockerd.sh start   same arguments as up.sh; returns once the swarm answers and every
#                      seed service has its tasks running again
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

[[ ! -e $DIR/external ]] || unavailable "SWARM_LENS_EXTERNAL run: there is no harness dockerd"
require_linux_root
[[ -d $DIR/data ]] || unavailable "no harness swarm in $DIR (run up.sh first)"
use_local_engine

case ${1:-} in
stop) dockerd_stop ;;
start)
  dockerd_start
  deadline=$((SECONDS + 60))
  until docker node ls >/dev/null 2>&1 && [[ -n $(docker service ls -q) ]]; do
    ((SECONDS < deadline)) || die "swarm did not answer within 60 s"
    sleep 0.2
  done
  wait_for_tasks
  ;;
*) echo "usage: $0 stop|start" >&2; exit 2 ;;
esac
