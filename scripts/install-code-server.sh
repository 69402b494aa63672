#!/usr/bin/env bash
# Install code-server (a real VS Code 1.100.3 workbench + Node extension host) into a private npm
# prefix, for the "real VS Code" integration/UI tests (test/e2e/codeServer.ts). Not a dependency of
# package.json. Also makes sure Debian's chromium is present (the browser playwright-core drives).
#
# Idempotent: a fast no-op when the pinned version is already installed and chromium exists.
# Exit codes: 0 ready; 3 = component unavailable (one line on stderr, details in the log file).
#
# Environment:
#   CODE_SERVER_DIR  install prefix (default: <repo>/.cache/code-server)
#   (the version is pinned below on purpose: newer code-server releases need Node 22+)
#
# Why the extra steps (found on Debian 12 machines without GitHub access):
#   - kerberos builds from source: needs libkrb5-dev (+ a C/C++ toolchain and python3 for node-gyp).
#   - @vscode/ripgrep downloads rg from GitHub (unreachable): we seed its download cache with a
#     tarball holding Debian's rg at the top level ($TMPDIR/vscode-ripgrep-cache-1.15.11/...).
#   - Install scripts: code-server's postinstall runs two *nested* `npm install`s (lib/vscode and
#     lib/vscode/extensions), which build node-pty, kerberos, spdlog, native-watchdog, deviceid,
#     @parcel/watcher and fetch ripgrep. npm 11.19's allowScripts policy must not block them.
#     An allow-list does NOT work here: npm exports every non-default config (including
#     allow-scripts from an npmrc) to lifecycle scripts as npm_config_* env vars, and the nested
#     project-scoped installs then fail with EALLOWSCRIPTS ("--allow-scripts is not allowed in
#     project-scoped installs"). What works is npm_config_dangerously_allow_all_scripts=true, set
#     only for this one npm command; it is inherited by the nested installs. The set of scripts is
#     fixed (code-server ships npm-shrinkwrap.json for all three levels): see EXPECTED_SCRIPTS.
#     ignore-scripts/strict-allow-scripts are forced off too, in case a machine's npmrc sets them.
#   - npm_config_yes=true (node-pty's install runs npx; ~/.npmrc here says yes=false) and
#     npm_config_unsafe_perm=true (postinstall.sh refuses to run as root without it; npm 11 no
#     longer knows the option and warns "Unknown env config", which is harmless).
set -uo pipefail

VERSION=4.100.3
RG_PKG_VERSION=1.15.11
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
# Packages whose install scripts run (pinned by code-server's shrinkwrap files); checked after install.
EXPECTED_SCRIPTS="argon2 code-server @parcel/watcher @vscode/deviceid @vscode/spdlog @vscode/windows-process-tree @vscode/windows-registry kerberos native-watchdog node-pty @vscode/ripgrep vscode-extensions"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${CODE_SERVER_DIR:-$ROOT/.cache/code-server}"
MARKER="$DIR/.installed-$VERSION"
PKG_JSON="$DIR/node_modules/code-server/package.json"
LOG="$DIR/install.log"

unavailable() { echo "install-code-server: $*" >&2; exit 3; }
say() { echo "install-code-server: $*"; }

installed_version() {
  [ -f "$PKG_JSON" ] || return 0
  node -e 'try{process.stdout.write(require(process.argv[1]).version)}catch{}' "$PKG_JSON" 2>/dev/null
}

is_ready() {
  [ -f "$MARKER" ] && [ "$(installed_version)" = "$VERSION" ] && [ -x /usr/bin/chromium ]
}

# Fast path, no lock, no network.
if is_ready; then
  say "code-server $VERSION already installed in $DIR"
  exit 0
fi

command -v node >/dev/null 2>&1 || unavailable "node not found"
command -v npm >/dev/null 2>&1 || unavailable "npm not found"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = "20" ] || unavailable "code-server $VERSION needs Node 20, found $(node -v)"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || unavailable "only linux x86_64 is supported, found $(uname -s)-$(uname -m)"

mkdir -p "$DIR" 2>/dev/null || unavailable "cannot create $DIR"

# One installer at a time (parallel CI jobs sharing the checkout).
{ exec 9>"$DIR/.lock"; } 2>/dev/null || unavailable "cannot write $DIR/.lock"
flock 9 || unavailable "cannot lock $DIR/.lock"
if is_ready; then
  say "code-server $VERSION already installed in $DIR"
  exit 0
fi
: >"$LOG" 2>/dev/null || unavailable "cannot write $LOG"

# ---- Debian packages -----------------------------------------------------------------------
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
need_pkgs=()
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
[ -x /usr/bin/rg ] || need_pkgs+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_pkgs+=(libkrb5-dev)
{ command -v make && command -v g++; } >/dev/null 2>&1 || need_pkgs+=(build-essential)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; then
    unavailable "missing Debian packages (${need_pkgs[*]}) and not root (no passwordless sudo)"
  fi
  say "apt-get install ${need_pkgs[*]}"
  bash "$(dirname "$0")/apt-install.sh" "${need_pkgs[@]}" >>"$LOG" 2>&1 || unavailable "apt-get install ${need_pkgs[*]} failed (see $LOG)"
fi
[ -x /usr/bin/chromium ] || unavailable "/usr/bin/chromium missing after apt-get install chromium"

if [ -f "$MARKER" ] && [ "$(installed_version)" = "$VERSION" ]; then
  say "code-server $VERSION already installed in $DIR (chromium now present)"
  exit 0
fi

# ---- code-server via npm -------------------------------------------------------------------
started=$(date +%s)
say "installing code-server $VERSION into $DIR (about 40-60 s; log: $LOG)"
rm -rf "$DIR/node_modules" "$DIR/package-lock.json" "$DIR/tmp" "$DIR"/.installed-*
WORK_TMP="$DIR/tmp"
mkdir -p "$WORK_TMP/vscode-ripgrep-cache-$RG_PKG_VERSION" "$WORK_TMP/rg" 2>>"$LOG" || unavailable "cannot create $WORK_TMP"
{ cp /usr/bin/rg "$WORK_TMP/rg/rg" \
  && tar -C "$WORK_TMP/rg" -czf "$WORK_TMP/vscode-ripgrep-cache-$RG_PKG_VERSION/$RG_ASSET" rg; } 2>>"$LOG" \
  || unavailable "cannot build the ripgrep cache tarball"

cat >"$DIR/package.json" 2>>"$LOG" <<EOF
{
  "name": "swarm-lens-code-server",
  "private": true,
  "description": "Private prefix for the e2e tests; installed by scripts/install-code-server.sh",
  "dependencies": { "code-server": "$VERSION" }
}
EOF

(
  cd "$DIR" \
  && env TMPDIR="$WORK_TMP" \
    npm_config_dangerously_allow_all_scripts=true \
    npm_config_ignore_scripts=false \
    npm_config_strict_allow_scripts=false \
    npm_config_yes=true \
    npm_config_unsafe_perm=true \
    npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false \
    npm install --no-save --foreground-scripts --loglevel=warn
) >>"$LOG" 2>&1 || unavailable "npm install code-server@$VERSION failed (see $LOG)"

# Report (in the log, not fatal) any install script outside the expected set: a sign that the
# pinned tree changed and this script deserves a look.
ran="$(sed -n 's/^> \(@\{0,1\}[^@ ]*\)@[^ ]* \(preinstall\|install\|postinstall\)$/\1/p' "$LOG" | sort -u)"
for p in $ran; do
  case " $EXPECTED_SCRIPTS " in
    *" $p "*) ;;
    *) echo "install-code-server: NOTE unexpected install script ran: $p" >>"$LOG" ;;
  esac
done

# Check it really runs (XDG dirs pointed away: even --version writes a config file otherwise).
CHECK_HOME="$WORK_TMP/version-check"
mkdir -p "$CHECK_HOME"
out="$(XDG_CONFIG_HOME="$CHECK_HOME" XDG_DATA_HOME="$CHECK_HOME" XDG_CACHE_HOME="$CHECK_HOME" \
  "$DIR/node_modules/.bin/code-server" --version 2>>"$LOG")" || unavailable "installed code-server does not run (see $LOG)"
case "$out" in
  *"$VERSION"*) ;;
  *) unavailable "unexpected code-server --version output: $(echo "$out" | tail -1)" ;;
esac
for f in \
  "$DIR/node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node" \
  "$DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"; do
  [ -e "$f" ] || unavailable "install incomplete: $f missing (see $LOG)"
done
rm -rf "$WORK_TMP"
echo "$out" >"$MARKER"
say "code-server $VERSION installed in $(( $(date +%s) - started )) s"
