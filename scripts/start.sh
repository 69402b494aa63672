#!/usr/bin/env bash
# npm start: build Swarm Lens and open it in VS Code.
#  - desktop VS Code when `code` is on PATH (extension development host on this checkout);
#  - otherwise code-server (a real VS Code in the browser) on 127.0.0.1, with the URL printed.
# The engine is the one the docker CLI would use (swarmLens.docker.host, DOCKER_HOST, context).
# When none answers and this machine runs the test swarm (npm run swarm:up), that one is used.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent package >/dev/null
echo "start: built dist/swarm-lens.vsix"

if [ -z "${DOCKER_HOST:-}" ] && ! docker info >/dev/null 2>&1 && [ -f /tmp/swarm-lens/env ]; then
  set -a; . /tmp/swarm-lens/env; set +a
  echo "start: no engine at the default address; using the test swarm at $DOCKER_HOST"
fi
if ! docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null | grep -q 'active true'; then
  # A first look should show a full trace: open the shipped demo snapshot instead.
  export SWARM_LENS_DEMO=1
  echo "start: no swarm manager answers here, so the demo snapshot opens (run 'npm run swarm:up' as root for a local test swarm)"
fi

WORKSPACE=${1:-$ROOT}
if command -v code >/dev/null 2>&1; then
  exec code --extensionDevelopmentPath="$ROOT" "$WORKSPACE"
fi

bash scripts/install-code-server.sh
CS=$ROOT/.cache/code-server/node_modules/.bin/code-server
DATA=$ROOT/.cache/start
mkdir -p "$DATA/user/User" "$DATA/extensions" "$DATA/xdg"
[ -f "$DATA/user/User/settings.json" ] || echo '{ "workbench.startupEditor": "none" }' > "$DATA/user/User/settings.json"
export XDG_CONFIG_HOME=$DATA/xdg XDG_DATA_HOME=$DATA/xdg XDG_CACHE_HOME=$DATA/xdg
"$CS" --user-data-dir "$DATA/user" --extensions-dir "$DATA/extensions" --install-extension "$ROOT/dist/swarm-lens.vsix" --force >/dev/null
PORT=${PORT:-8443}
echo "start: open http://127.0.0.1:$PORT/?folder=$WORKSPACE   (Ctrl+C stops it)"
exec "$CS" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check --disable-workspace-trust \
  --user-data-dir "$DATA/user" --extensions-dir "$DATA/extensions" "$WORKSPACE"
