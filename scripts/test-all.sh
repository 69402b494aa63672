#!/usr/bin/env bash
# npm test: every test, with everything it needs set up on a fresh Debian machine.
#   unit (node:test) -> real swarm (test/swarm/up.sh) -> real VS Code (code-server + chromium)
# With CI=true a suite whose component cannot start fails; elsewhere it skips with one line.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

step "type-check and build the .vsix users install"
npm run --silent typecheck
npm run --silent package
npx tsc -p tsconfig.test.json

step "real VS Code: code-server and chromium"
if ! bash scripts/install-code-server.sh; then
  [ "${CI:-}" = true ] && { echo "code-server could not be installed (see .cache/code-server/install.log)"; exit 1; }
  echo "code-server unavailable: the VS Code suites will skip"
fi

step "tests"
shopt -s nullglob globstar
# One node:test run, one at a time: the e2e suites share the swarm and stop its dockerd once.
node --test --test-concurrency=1 --test-reporter=spec \
  out/test/unit/**/*.test.js \
  out/test/e2e/*.test.js
