#!/usr/bin/env bash
# npm run bench: build what users get, then measure it. A benchmark, not a test: it prints numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent package >/dev/null
npx tsc -p tsconfig.test.json
node out/bench/run.js
