#!/usr/bin/env bash
# What the lab may change on the host, one fact a line, for a before/after comparison: network
# namespaces, links of the root namespace (those of the test swarm's dockerd aside: it starts
# and stops meanwhile),
# mounts of namespaces and of the lab's folder, and processes of the lab (QEMU, socat).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
ip netns list 2>/dev/null | awk '{print "netns", $1}' | sort
ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); if ($2 !~ /^(veth|docker0$|docker_gwbridge$)/) print "link", $2}' | sort
awk -v lab="$LAB" '$5 == "/run/netns" || index($5, "/run/netns/") == 1 || index($5, lab) == 1 {print "mount", $5}' \
  /proc/self/mountinfo | sort
for p in /proc/[0-9]*; do
  cmd=$( { tr "\0" " " <"$p/cmdline"; } 2>/dev/null) || continue
  case $cmd in *qemu-system*|*socat*|*swarm-lens-lab*) echo "process ${cmd%% *} ${p#/proc/}" ;; esac
done | grep -v "hoststate" | sort
[[ ! -e $LAB ]] || echo "folder $LAB"
[[ ! -d /run/netns ]] || echo "folder /run/netns"
