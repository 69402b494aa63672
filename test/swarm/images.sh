# Local images without a registry: a rootfs made from host files, fed to `docker import`.
# Sourced by up.sh after lib.sh; DOCKER_HOST must already point at the target engine.

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

import_tar() { # image cmd-json, the rootfs tar on stdin
  docker import --change "LABEL $TEST_LABEL" --change "ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "CMD $2" - "$1" >/dev/null
}

# Each image is a rootfs made by make_*_rootfs, as a tar, then imported (here, or by the lab on
# each of its nodes).
WEB_IMAGE_CMD='["/bin/serve"]'
HELPER_IMAGE_CMD='["/bin/sh"]'
build_web_image() { rootfs_tar make_web_rootfs | import_tar "$WEB_IMAGE" "$WEB_IMAGE_CMD"; }
build_helper_image() { rootfs_tar make_helper_rootfs | import_tar "$HELPER_IMAGE" "$HELPER_IMAGE_CMD"; }
# The cached rootfs tar of an image, named by its tag, so a new tag (new tools) is built afresh.
image_tar() { local image=$WEB_IMAGE; [[ $1 == web ]] || image=$HELPER_IMAGE; echo "$CACHE/images/$1-${image##*:}.tar"; }
rootfs_tar() { # make_rootfs: the rootfs it makes, as a tar on stdout
  local root
  root=$(mktemp -d)
  "$1" "$root"
  tar --numeric-owner -C "$root" -c .
  rm -rf "$root"
}

# busybox httpd that answers with the task's hostname, so a response names its backend.
make_web_rootfs() {
  local root=$1 a
  mkdir -p "$root"/{bin,etc,tmp,www}
  cp /bin/busybox "$root/bin/"   # busybox-static: no libraries needed
  for a in $("$root/bin/busybox" --list); do [[ -e $root/bin/$a ]] || ln -s busybox "$root/bin/$a"; done
  printf '#!/bin/sh\nhostname >/www/index.html\nexec httpd -f -p 80 -h /www\n' >"$root/bin/serve"
  chmod 755 "$root/bin/serve"
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
}

# Copy a host file to the same real path inside the rootfs (follows merged-/usr symlinks).
put() {
  local dir
  dir=$(cd "$(dirname "$1")" && pwd -P)
  mkdir -p "$ROOT$dir"
  cp -L "$1" "$ROOT$dir/"
}

# The tools a trace runs inside a sandbox: nsenter, iptables (both backends), ipvsadm, dig, ip.
# Host binaries plus what ldd reports; xtables extensions are dlopen()ed, so copied explicitly.
make_helper_rootfs() {
  local ROOT=$1 d f n bins=() libs sbin
  for d in bin sbin lib lib64; do   # mirror the host's layout (merged /usr or not)
    if [[ -L /$d ]]; then ln -s "$(readlink "/$d")" "$ROOT/$d"; mkdir -p "$ROOT/$(readlink -f "/$d")"
    elif [[ -d /$d ]]; then mkdir -p "$ROOT/$d"; fi
  done
  mkdir -p "$ROOT"/{etc,run,tmp,netns}
  # A shell and a few coreutils from the host too: busybox's sh (and every busybox applet that
  # runs a command) prefers its own built-in `ip` and `nsenter` over the real ones in PATH.
  # nc (netcat-openbsd) opens the probe's connections (Probe Load Distribution); rm cleans its list.
  for n in nsenter ip dig ipvsadm xtables-legacy-multi xtables-nft-multi dash cat ls grep timeout env head tr sleep nc rm; do
    f=$(command -v "$n") || unavailable "needs $n to build $HELPER_IMAGE"
    bins+=("$f")
  done
  bins+=(/usr/lib/x86_64-linux-gnu/xtables/*.so)
  libs=$(ldd "${bins[@]}" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*[^:]$/ {print $1}' | sort -u)
  for f in "${bins[@]}" $libs; do put "$f"; done
  # iptables* and ip6tables* are symlinks to the multi-call binaries; keep the host's choice
  # for the plain names (nft here) and both explicit variants.
  sbin=$ROOT$(dirname "$(readlink -f "$(command -v xtables-nft-multi)")")
  for n in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    for f in "$n" "${n/tables/tables-legacy}" "${n/tables/tables-nft}"; do
      command -v "$f" >/dev/null || continue
      ln -sf "$(basename "$(readlink -f "$(command -v "$f")")")" "$sbin/$f"
    done
  done
  ln -s dash "$ROOT$(cd /bin && pwd -P)/sh"
  for f in /etc/protocols /etc/services /etc/ethertypes /etc/iproute2; do
    if [[ -e $f ]]; then cp -r "$f" "$ROOT/etc/"; fi
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$ROOT/etc/passwd"
}

# What the netns probe will do: enter a swarm sandbox and read its rules; the tools start.
# Capabilities, not --privileged: that asks for every capability, and runc fails ("unable to
# apply caps") where the host's bounding set lacks one (CAP_SYS_RESOURCE on these machines).
check_helper_image() {
  docker run --rm --pull never --cap-add SYS_ADMIN --cap-add NET_ADMIN --network none \
    -v "$DIR/exec/netns:/netns:ro" "$HELPER_IMAGE" sh -c '
      nsenter --net=/netns/ingress_sbox iptables-save | grep -q "^\*nat" &&
      nsenter --net=/netns/ingress_sbox ip -br addr | grep -q eth0 &&
      iptables-legacy --version >/dev/null && dig -v 2>&1 | grep -q DiG &&
      { ipvsadm -Ln 2>&1 | grep -q "IP Virtual Server"; }' && return 0
  docker image rm "$HELPER_IMAGE" >/dev/null   # so the next run rebuilds it
  die "helper image $HELPER_IMAGE does not work (nsenter, iptables-save, ip, dig, ipvsadm)"
}
