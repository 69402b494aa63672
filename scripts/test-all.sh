#!/usr/bin/env bash
# npm test: every test, with everything it needs set up on a fresh Debian machine.
#   unit (node:test) -> real swarm (test/swarm/up.sh) -> real VS Code (code-server + chromium)
#   -> the live lab (test/lab/up.sh: three nodes whose kernel has IPVS), then its tear-down.
# With CI=true a suite whose component cannot start fails; elsewhere it skips with one line.
# SWARM_LENS_LAB_KEEP=1 leaves the lab up for the next run (it then takes seconds, not minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

step "Debian packages the unit tests run (nc: the probe's connect loop)"
bash scripts/apt-install.sh netcat-openbsd || { [ "${CI:-}" = true ] && exit 1; echo "netcat-openbsd unavailable: its unit test will skip"; }

# The lab boots for minutes under emulation: it starts first and the other suites run meanwhile
# (they must pass on a busy machine anyway). Its tests wait for it; its log is kept.
mkdir -p test-artifacts
if [ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ]; then
  step "the live lab: booting in the background (log: test-artifacts/lab-up.log)"
  bash test/lab/up.sh >test-artifacts/lab-up.log 2>&1 &
fi

step "type-check, lint and build the .vsix users install"
npm run --silent typecheck
npm run --silent lint
npm run --silent package
npm run --silent compile-tests   # from an empty out/: a moved test must not run from a stale copy

step "real VS Code: code-server and chromium"
if ! bash scripts/install-code-server.sh; then
  [ "${CI:-}" = true ] && { echo "code-server could not be installed (see .cache/code-server/install.log)"; exit 1; }
  echo "code-server unavailable: the VS Code suites will skip"
fi

shopt -s nullglob globstar
status=0
# The harness checks itself (a throwaway extension whose suite must pass, and one that must fail):
# it tests the tooling, not Swarm Lens, so its tests stay out of the product's count below.
step "test tooling: the VS Code harness checks itself (not product tests)"
node --test --test-concurrency=1 --test-reporter=spec out/test/harness/*.test.js || status=$?

step "product tests"
# One file at a time (node:test orders them by path): the e2e suites share the swarm and stop
# its dockerd once; the lab suites wait for the lab. Then, on its own, the lab's tear-down.
node --test --test-concurrency=1 --test-reporter=spec \
  out/test/unit/**/*.test.js \
  out/test/e2e/*.test.js \
  out/test/lab/*.test.js || status=$?
node --test --test-reporter=spec out/test/lab/teardown/*.test.js || status=$?
if [ -s test-artifacts/lab-up.log ]; then
  step "lab bring-up, phase by phase"
  grep '^lab: ' test-artifacts/lab-up.log || true
fi
exit $status
