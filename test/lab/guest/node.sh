#!/bin/bash
# One swarm node inside the lab's guest: runs in the node's own network namespace and a fresh
# mount and UTS namespace (stage2.sh starts it), gives the fixed paths dockerd and containerd
# use a private copy, then becomes dockerd.   node.sh I ENGINE CACHE
set -euo pipefail
i=$1 engine=$2 cache=$3
N=/lab/node$i
hostname node$i
# This mount namespace began as a copy of the guest's: drop its copy of the other nodes'
# netns files, else it pins them.
! mountpoint -q /run/netns || umount -l /run/netns
# A sysfs of this network namespace (so /sys/class/net shows the node's links), keeping the
# cgroup tree mounted below it.
mkdir -p $N/cgroup
mount --rbind /sys/fs/cgroup $N/cgroup
umount -l /sys
mount -t sysfs sysfs /sys
mount --make-rprivate $N/cgroup
mount --move $N/cgroup /sys/fs/cgroup
# Fixed paths, per node: /run (containerd and shim sockets, dockerd's exec root /run/docker with
# its netns folder at the default /var/run/docker/netns, as on a real node; xtables lock),
# /etc/docker, /var/lib (swarm writes /var/lib/docker/network/files), resolv.conf.
mkdir -p $N/run/lock $N/etc-docker $N/varlib/upper $N/varlib/work
mount --bind $N/run /run
mount --bind $N/etc-docker /etc/docker
mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$N/varlib/upper,workdir=$N/varlib/work /var/lib
# The embedded DNS forwards names it does not know to these servers: 10.99.0.1, where nothing
# listens, so no query leaves the lab.
printf 'nameserver 10.99.0.1\noptions timeout:1 attempts:1\n' >$N/resolv.conf
mount --bind $N/resolv.conf /etc/resolv.conf
case $engine in
20) echo "{\"deprecated-key-path\": \"$N/key.json\"}" >$N/daemon.json ;;   # else /etc/docker/key.json
*) echo '{}' >$N/daemon.json   # 26 refuses deprecated-key-path
  export PATH=$cache/engine$engine/usr/sbin:$cache/engine$engine/usr/bin:$PATH ;;
esac
echo "node$i: engine $engine, dockerd $(command -v dockerd), net $(readlink /proc/self/ns/net)"
# containerd on its own, ready before dockerd starts: dockerd's own start of it times out (and
# dockerd exits) when the emulated machine is busy.
C=$N/containerd
mkdir -p $C
printf 'version = 2\nroot = "%s"\nstate = "%s"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s"\n' \
  $C/root $C/state $C/containerd.sock >$C/config.toml
containerd --config $C/config.toml >$C/log 2>&1 &
until ctr --address $C/containerd.sock version >/dev/null 2>&1; do
  kill -0 $! 2>/dev/null || { echo "node$i: containerd exited:"; tail -5 $C/log; exit 1; }
  sleep 1
done
echo "node$i: containerd ready"
# The env var: swarm tasks use the local image instead of trying a registry first.
DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 exec dockerd -H unix://$N/docker.sock --containerd $C/containerd.sock \
  --config-file $N/daemon.json --data-root $N/data --pidfile $N/dockerd.pid \
  --cgroup-parent /lab-node$i
