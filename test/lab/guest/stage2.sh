#!/bin/bash
# Stage 2: PID 1 of the lab's guest. Its root is the host's root (read-only, 9p) under a tmpfs.
# Loads the kernel modules swarm needs (IPVS above all), then starts one dockerd per node, each
# in its own network, mount and UTS namespace (node.sh), on a bridge of their own, and forwards
# each node's Engine API socket to TCP on the guest's address for the host, and imports the
# local images into each node as soon as it answers.
# Kernel command line: lab.ip=A.B.C.D/N lab.engines=20,20,26 lab.cache=DIR (and lab.stage2=).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
say() { echo "lab-guest: $(cut -d' ' -f1 /proc/uptime)s $*" >/dev/console; }
mount -t proc proc /proc
for a in $(cat /proc/cmdline); do
  case $a in lab.ip=*) IP=${a#*=} ;; lab.engines=*) ENGINES=${a#*=} ;; lab.cache=*) CACHE=${a#*=} ;; esac
done
say "stage 2 (ip $IP, engines $ENGINES)"
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# tmpfs where dockerd writes: overlay2 cannot use the overlay root as upper dir, and the host may
# lack these folders (create them first, else the mount point is missing). Not /tmp: the
# project, and this very script, may live there.
for d in /run /var/lib/docker /var/lib/containerd /var/log /lab; do
  mkdir -p $d && mount -t tmpfs tmpfs $d
done
mkdir -p /lab-out && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 labout /lab-out ||
  say "cannot mount the log share: node logs stay in the guest"
KV=$(uname -r)
mkdir -p /lib/modules && mount -t tmpfs tmpfs /lib/modules && mkdir -p /lib/modules/$KV &&
  mount --bind "$CACHE/kernel/$KV/lib/modules/$KV" /lib/modules/$KV
for m in virtio_net ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh nf_conntrack xt_mark xt_ipvs br_netfilter \
  overlay vxlan veth bridge iptable_nat iptable_mangle iptable_filter iptable_raw nf_tables nft_compat \
  xt_conntrack xt_addrtype xt_MASQUERADE xt_nat xt_u32 xt_tcpudp xt_comment xt_multiport ipt_REJECT; do
  modprobe $m 2>/dev/null || say "modprobe $m failed"
done
[ -d /proc/net/ip_vs ] || [ -e /proc/net/ip_vs ] || say "no IPVS in this kernel"
hostname lab; echo lab >/etc/hostname; echo "127.0.0.1 localhost lab" >/etc/hosts
ip link set lo up
ip link set eth0 up && ip addr add "$IP" dev eth0
sysctl -qw net.ipv4.ip_forward=1
say "modules and network ready"

# The nodes' own network: a bridge, and a veth into each node's namespace. No default route:
# nothing a node sends can leave 10.99.0.0/24.
ip link add swbr0 type bridge && ip addr add 10.99.0.1/24 dev swbr0 && ip link set swbr0 up
i=0
for engine in ${ENGINES//,/ }; do
  i=$((i + 1))
  ip netns add node$i
  ip link add swv$i type veth peer name eth0 netns node$i
  ip link set swv$i master swbr0 up
  ip -n node$i addr add 10.99.0.1$i/24 dev eth0
  ip -n node$i link set eth0 up
  ip -n node$i link set lo up
  mkdir -p /lab/node$i /lab-out/node$i
  nsenter --net=/run/netns/node$i unshare -m -u --propagation private \
    "$(dirname "$0")/node.sh" $i "$engine" "$CACHE" >/lab-out/node$i/dockerd.log 2>&1 &
  # The host reaches node I's Engine API on port 2380+I of the guest's address.
  socat -t 3600 TCP-LISTEN:238$i,bind=${IP%/*},fork,reuseaddr UNIX-CONNECT:/lab/node$i/docker.sock \
    >/dev/null 2>&1 &
done
say "$i dockerds started"
for n in $(seq 1 $i); do
  until [ -S /lab/node$n/docker.sock ] && docker -H unix:///lab/node$n/docker.sock version >/dev/null 2>&1; do sleep 0.5; done
  say "node$n dockerd answers"
  "$(dirname "$0")/import.sh" $n "${CACHE%/lab}" >/lab-out/node$n/import.log 2>&1 &
done
# PID 1 reaps every orphan, forever.
while :; do wait -n 2>/dev/null || sleep 1; done
