// The live lab the lab suites run against (test/lab/up.sh: three swarm managers whose kernel has
// IPVS). Brings it up, or reuses it; the docker CLI of each node; what is missing otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCluster } from '../../src/core/cluster/load';
import type { Cluster } from '../../src/core/cluster/cluster';
import { Engine } from '../../src/core/docker/engine';
import { parseHost } from '../../src/core/docker/endpoint';
import type { TraceContext } from '../../src/core/trace/run';
import { REPO_ROOT } from '../e2e/codeServer';

export const NODES = [1, 2, 3] as const;
export const HELPER_IMAGE = 'local/swarm-lens-helper:1';

export interface Lab {
  /** DOCKER_CONFIG with the contexts lab-node1..3, and each node's engine address. */
  env: Record<string, string>;
  host(node: number): string;
}

/** Brings the lab up (about 5 to 10 minutes the first time), or reuses the running one. */
export function labUp(): Lab | { missing: string } {
  const run = spawnSync('bash', [path.join(REPO_ROOT, 'test', 'lab', 'up.sh')], { encoding: 'utf8', timeout: 25 * 60_000, stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status === 3) return { missing: 'the live lab (test/lab/up.sh says why above)' };
  if (run.status !== 0) throw new Error(`test/lab/up.sh failed (${run.status ?? run.signal}); its output is above`);
  const dir = process.env.SWARM_LENS_LAB_DIR ?? '/tmp/swarm-lens-lab';
  const env = Object.fromEntries(
    fs.readFileSync(path.join(dir, 'env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'|'$/g, '')]),
  );
  return { env, host: (node) => env[`SWARM_LENS_LAB_NODE${node}`] };
}

/** The docker CLI against one node of the lab. */
export function docker(lab: Lab, node: number, ...args: string[]): string {
  return execFileSync('docker', ['-H', lab.host(node), ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...lab.env } }).trim();
}

export function engineOf(lab: Lab, node: number): Engine {
  return new Engine(parseHost(lab.host(node), 'default', 'DOCKER_HOST', undefined), { timeoutMs: 60_000 });
}

/** A trace context read from one node's own engine: its tasks, its LocalLBIndex, its namespaces. */
export async function contextOn(lab: Lab, node: number): Promise<TraceContext & { cluster: Cluster }> {
  const engine = engineOf(lab, node);
  const cluster = await loadCluster(engine);
  // Emulated nodes are slow: a helper container takes seconds to start.
  return { cluster, engine, options: { timeoutMs: 180_000, helperImage: HELPER_IMAGE, recheckDelayMs: 3000, probe: 'helper' } };
}

/** Polls `check` until it returns a value, or fails with the last reason after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    const result = await check().catch((err: unknown) => `threw ${err instanceof Error ? err.message : String(err)}`);
    if (typeof result !== 'string') return result;
    last = result;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s; last: ${last}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
