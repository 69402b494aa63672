#!/usr/bin/env bash
# Rewrites media/demo-snapshot.json, the demo that ships with Swarm Lens: a real `swarm-lens
# collect` of the live lab's node1 (npm run lab:up first), taken through the helper probe. Only
# its display name is set ("swarm-lens-lab" instead of the swarm's random cluster ID).
set -euo pipefail
cd "$(dirname "$0")/.."
LAB=${SWARM_LENS_LAB_DIR:-/tmp/swarm-lens-lab}
[[ -S $LAB/node1.sock ]] || { echo "no lab at $LAB: run npm run lab:up first" >&2; exit 1; }
npm run --silent build
out=media/demo-snapshot.json
node dist/cli.js collect -o "$out.tmp" --host "unix://$LAB/node1.sock" --probe helper \
  --helper-image local/swarm-lens-helper:2 --timeout 300
node -e 'const fs = require("fs"); const [file] = process.argv.slice(1);
  const b = JSON.parse(fs.readFileSync(file, "utf8")); b.cluster = "swarm-lens-lab";
  fs.writeFileSync(file, JSON.stringify(b, null, 1) + "\n");' "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
