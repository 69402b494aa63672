# What the guest boots and runs, fetched from Debian's archive once and kept under $CACHE
# (sourced by up.sh after lib.sh). Nothing of the host's /boot or /lib/modules changes.

# Debian's own 6.1 kernel has IPVS, VXLAN, overlay and 9p as modules. The "unsigned" flavour:
# the cloud one lacks 9p. The newest 6.1.0-N the archive has today.
kernel_version() {
  local kv
  kv=$(ls "$CACHE/kernel" 2>/dev/null | sort -V | tail -1)
  if [[ -z $kv || -n ${SWARM_LENS_LAB_REFRESH:-} ]]; then
    apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' 2>/dev/null | grep -q . ||
      flock /tmp/swarm-lens-apt.lock apt-get -o DPkg::Lock::Timeout=600 -qq update >/dev/null 2>&1 || true
    kv=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' 2>/dev/null |
      awk '{sub(/^linux-image-/, "", $1); sub(/-unsigned$/, "", $1); print $1}' | sort -V | tail -1)
  fi
  [[ -n $kv ]] || die "setup: no linux-image-6.1.0-*-amd64-unsigned in the apt lists"
  echo "$kv"
}

fetch_kernel() { # version
  local kv=$1 dir=$CACHE/kernel/$1 tmp
  [[ -e $dir/boot/vmlinuz-$kv ]] && return 0
  log "fetching kernel $kv"
  tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
  (cd "$tmp" && apt-get -qq download "linux-image-$kv-unsigned" >/dev/null 2>"$tmp/err") ||
    { cat "$tmp/err" >&2; rm -rf "$tmp"; die "setup: apt-get download linux-image-$kv-unsigned failed"; }
  dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
  depmod -b "$tmp/root" "$kv"
  rm -rf "$dir"; mkdir -p "$(dirname "$dir")"; mv "$tmp/root" "$dir"; rm -rf "$tmp"
}

# Stage 1: busybox and the four modules that mount the host's root over 9p with a tmpfs overlay.
# Rebuilt when guest/init changes (the checksum is part of the file name).
build_initramfs() { # kernel version; prints the path
  local kv=$1 sum out r n=0 f m
  sum=$(cat "$LAB_HOME/guest/init" /bin/busybox | md5sum | cut -c1-12)
  out=$CACHE/initramfs-$kv-$sum.gz
  if [[ ! -s $out ]]; then
    r=$(mktemp -d "$CACHE/tmp.XXXXXX")
    mkdir -p "$r"/{bin,mods,proc,sys,dev,lower,ov,newroot}
    cp /bin/busybox "$r/bin/busybox"
    for m in virtio_pci 9pnet_virtio 9p overlay; do
      modprobe -d "$CACHE/kernel/$kv" -S "$kv" --show-depends "$m" | awk '/^insmod/ {print $2}'
    done | awk '!seen[$0]++' | while read -r f; do
      n=$((n + 1)); cp "$f" "$r/mods/$(printf %02d "$n")-$(basename "$f")"
    done
    cp "$LAB_HOME/guest/init" "$r/init"; chmod 755 "$r/init"
    # Debian has no cpio command; busybox's applet writes the newc format the kernel reads.
    (cd "$r" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$out.tmp" && mv "$out.tmp" "$out"
    rm -rf "$r"
  fi
  echo "$out"
}

# Debian trixie's docker.io 26.1.5 and containerd 1.7.24, unpacked (never installed): a private
# apt configuration of its own lists, pointed at the mirror the host already uses. runc stays
# bookworm's (trixie's needs a newer glibc); dockerd 26 runs on the host's libraries.
fetch_engine26() {
  local dir=$CACHE/engine26 a=$CACHE/apt-trixie uri o tmp
  [[ -x $dir/usr/sbin/dockerd ]] && return 0
  log "fetching Debian trixie's docker.io and containerd"
  uri=$(awk '/^URIs:/ {print $2; exit} /^deb / {print ($2 ~ /^\[/ ? $3 : $2); exit}' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -m1 'debian/*$') ||
    die "setup: cannot tell which Debian mirror apt uses"
  mkdir -p "$a"/{lists/partial,cache/archives/partial}
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" >"$a/sources.list"
  o=(-o "Dir::Etc::SourceList=$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" -qq)
  tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
  { apt-get "${o[@]}" update && (cd "$tmp" && apt-get "${o[@]}" download docker.io containerd); } \
    >"$tmp/log" 2>&1 || { tail -5 "$tmp/log" >&2; rm -rf "$tmp"; die "setup: fetching trixie's docker.io failed"; }
  for f in "$tmp"/*.deb; do dpkg-deb -x "$f" "$tmp/root"; done
  # docker-init points at trixie's tini-static, which is not fetched: bookworm's is on PATH.
  find "$tmp/root" -xtype l -delete
  rm -rf "$dir"; mv "$tmp/root" "$dir"; rm -rf "$tmp" "$a"
}
