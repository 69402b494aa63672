// The real swarm the e2e suites run against: test/swarm/up.sh (a private dockerd), or the engine in
// DOCKER_HOST with SWARM_LENS_EXTERNAL=1. Returns its environment, or what is missing.
import { spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { REPO_ROOT } from './environment';

export const CI = process.env.CI === 'true';

export function swarmUp(): { env: Record<string, string> } | { missing: string } {
  if (process.env.SWARM_LENS_EXTERNAL === '1' && !process.env.DOCKER_HOST) return { missing: 'SWARM_LENS_EXTERNAL=1 needs DOCKER_HOST' };
  const run = spawnSync('bash', [path.join(REPO_ROOT, 'test', 'swarm', 'up.sh')], { encoding: 'utf8', timeout: 10 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status === 3) return { missing: `a real swarm (${(run.stderr || '').trim().split('\n').pop()})` };
  if (run.status !== 0) throw new Error(`test/swarm/up.sh failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  const match = /^DOCKER_HOST=(.+)$/.exec(line);
  if (!match) throw new Error(`up.sh did not print DOCKER_HOST=...: ${line}`);
  return { env: { DOCKER_HOST: match[1] } };
}

/** In CI a missing component fails the suite; elsewhere it skips with one line. */
export function skipOrFail(t: { skip(msg: string): void }, missing: string): void {
  if (CI) assert.fail(`missing ${missing}: in CI every suite must run`);
  console.log(`skipped: missing ${missing}`);
  t.skip(`missing ${missing}`);
}
