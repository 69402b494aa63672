// Issue 8: `swarm-lens check` of every node and service against one single-node `swarm-lens trace
// vote`, whole CLI processes, on the live lab (three nodes whose kernels have IPVS; one helper
// per node). Skipped (with one line) when the lab is not up: `npm run lab:up` brings it up.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CheckBenchResult {
  traceMs: number;
  checkMs: number;
  nodes: number;
  services: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCheckVsTrace(repoRoot: string, rounds: number): Promise<CheckBenchResult | string> {
  const envFile = '/tmp/swarm-lens-lab/env';
  if (!fs.existsSync(envFile)) return 'the lab is not up (npm run lab:up)';
  const lab = Object.fromEntries(fs.readFileSync(envFile, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'|'$/g, '')]));
  const host = (n: number) => lab[`SWARM_LENS_LAB_NODE${n}`];
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const env = { ...process.env, SWARM_LENS_HELPER_IMAGE: 'local/swarm-lens-helper:2', DOCKER_CONFIG: lab.DOCKER_CONFIG };
  const timed = async (args: string[]) => {
    const t0 = performance.now();
    const { stdout } = await run(process.execPath, [cli, ...args, '--host', host(1), '--probe', 'helper', '--timeout', '120'], { env, timeout: 600_000 }).catch((e: { stdout?: string; code?: number }) => {
      // check exits 1 when it finds an error: still a timed run.
      if (e.code === 1 && e.stdout) return { stdout: e.stdout };
      throw e;
    });
    return { ms: performance.now() - t0, stdout };
  };
  try {
    await timed(['trace', 'vote', '--json']); // warm: the helper image's layers, the engines' caches
    const trace: number[] = [];
    const check: number[] = [];
    let report = { nodes: [] as unknown[], services: [] as unknown[] };
    for (let i = 0; i < rounds; i++) {
      trace.push((await timed(['trace', 'vote', '--json'])).ms);
      const c = await timed(['check', '--json']);
      check.push(c.ms);
      report = JSON.parse(c.stdout) as typeof report;
    }
    return { traceMs: median(trace), checkMs: median(check), nodes: report.nodes.length, services: report.services.length };
  } catch (err) {
    return `the lab did not answer (${(err as Error).message.split('\n')[0]})`;
  }
}
