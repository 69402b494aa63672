// The live lab the lab suites run against (test/lab/up.sh: three swarm managers whose kernel has
// IPVS). Brings it up, or reuses it; the docker CLI of each node; what is missing otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before } from 'node:test';
import { loadCluster } from '../../src/core/cluster/load';
import type { Cluster } from '../../src/core/cluster/cluster';
import { Engine } from '../../src/core/docker/engine';
import { parseHost } from '../../src/core/docker/endpoint';
import { systemEndpointInputs } from '../../src/core/docker/system';
import { mappedCandidates, reachCandidates, reachNodes, type ReachCandidate } from '../../src/core/nodes/reach';
import type { TraceContext } from '../../src/core/trace/run';
import { lbSandboxName } from '../../src/core/trace/sandbox';
import { REPO_ROOT } from '../e2e/codeServer';
import { skipOrFail } from '../e2e/swarm';
import { startVsCodeUnderTest, type VsCodeUnderTest } from '../e2e/vscodeUnderTest';

export const NODES = [1, 2, 3] as const;
export const HELPER_IMAGE = 'local/swarm-lens-helper:2';

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

/** Every node's engine, as the extension finds them: through the lab's docker contexts (lab-node1..3). */
export function labContexts(lab: Lab): ReachCandidate[] {
  return reachCandidates(systemEndpointInputs({}, { ...process.env, ...lab.env }), {});
}

/** Every node's engine given by address, as swarmLens.nodes or --node-host give them. */
export function labMapping(lab: Lab, nodes: readonly number[] = NODES): ReachCandidate[] {
  return mappedCandidates(Object.fromEntries(nodes.map((n) => [`node${n}`, lab.host(n)])), (host) => parseHost(host, 'default', 'node setting', undefined));
}

/** A context read through node `node`'s engine that reaches the other nodes through `candidates`. */
export async function reachingContext(lab: Lab, node: number, candidates: ReachCandidate[] = labContexts(lab), swarmJobs = false): Promise<TraceContext & { cluster: Cluster }> {
  const ctx = await contextOn(lab, node);
  return { ...ctx, reach: () => reachNodes(ctx.cluster, ctx.engine, candidates, { timeoutMs: 5000, engineFor: (endpoint) => new Engine(endpoint, { timeoutMs: 60_000 }), swarmJobs }) };
}

/** The folder of a node's sandboxes (where its SandboxKeys point). */
export function netnsDir(lab: Lab, node: number): string {
  const client = docker(lab, node, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=client').split('\n')[0];
  return path.dirname(docker(lab, node, 'inspect', '-f', '{{.NetworkSettings.SandboxKey}}', client));
}

/**
 * Runs a command as root in one sandbox of a node (lb_<net>, ingress_sbox), or in the node's own
 * namespace (`host`): how the tests inject a fault into one node's real kernel state.
 */
export function inSandbox(lab: Lab, node: number, sandbox: string, ...argv: string[]): string {
  const caps = ['--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN'];
  if (sandbox === 'host') return runHelper(lab, node, ['--network', 'host', ...caps], argv);
  return runHelper(lab, node, ['--network', 'none', ...caps, '-v', `${netnsDir(lab, node)}:/netns:ro`], ['nsenter', `--net=/netns/${sandbox}`, ...argv]);
}

/**
 * Runs the helper image on a node and returns its output; throws with it when the command fails.
 * Detached, then its logs: an attached `docker run` of the host's newer CLI against these engines
 * loses the output of a container that exits at once.
 */
export function runHelper(lab: Lab, node: number, options: string[], argv: string[]): string {
  const id = docker(lab, node, 'run', '-d', '--label', 'swarm-lens.fault=1', ...options, '--entrypoint', argv[0], HELPER_IMAGE, ...argv.slice(1));
  try {
    const status = docker(lab, node, 'wait', id);
    const output = execFileSync('docker', ['-H', lab.host(node), 'logs', id], { encoding: 'utf8', env: { ...process.env, ...lab.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (status !== '0') throw new Error(`${argv.join(' ')} on node${node} exited ${status}: ${output}`);
    return output;
  } finally {
    docker(lab, node, 'rm', '-f', id);
  }
}

/** A node's overlay1 facts from its own docker CLI: the lb_ sandbox, vote's VIP, LocalLBIndex and tasks there. */
export function overlayFacts(lab: Lab, node: number) {
  const id = docker(lab, node, 'network', 'inspect', '-f', '{{.Id}}', 'overlay1');
  const services = JSON.parse(docker(lab, node, 'network', 'inspect', '--verbose', '--format', '{{json .Services}}', 'overlay1')) as Record<string, { VIP: string; LocalLBIndex: number; Tasks: { Name: string; EndpointIP: string }[] }>;
  return { lb: lbSandboxName(id), vote: services.vote };
}

/** A lab test's time limit: the emulated nodes take seconds per container. */
export const LAB_TEST = { timeout: 15 * 60_000 };

/**
 * The lab for one suite: brought up (or reused) before its tests and handed to `onUp`. The
 * returned `ready(t)` is false when the lab is missing, after failing the test (CI) or skipping it.
 */
export function labSuite(onUp: (lab: Lab) => void): (t: { skip(msg: string): void }) => boolean {
  let missing: string | undefined;
  before(() => {
    const up = labUp();
    if ('missing' in up) missing = up.missing;
    else onUp(up);
  });
  return (t) => {
    if (!missing) return true;
    skipOrFail(t, missing);
    return false;
  };
}

/**
 * A real VS Code (code-server) on the lab, connected to node1's engine; with `contexts`, the lab's
 * docker contexts too (through which node2 and node3 are found). Settings for emulated nodes.
 */
export async function startVsCodeOnLab(contexts: boolean, onUp: (lab: Lab) => void): Promise<{ vscode: VsCodeUnderTest; workspace: string }> {
  const vscode = await startVsCodeUnderTest(
    // The lab is emulated: its Engine API and a helper container take seconds, not milliseconds.
    { 'swarmLens.trace.helperImage': HELPER_IMAGE, 'swarmLens.trace.probe': 'helper', 'swarmLens.docker.timeoutSeconds': 120 },
    () => {
      const up = labUp();
      if ('missing' in up) return up;
      onUp(up);
      return { env: { DOCKER_HOST: up.host(1), ...(contexts ? { DOCKER_CONFIG: up.env.DOCKER_CONFIG } : {}) } };
    },
  );
  const workspace = path.join(vscode.dir, 'ws');
  fs.mkdirSync(workspace);
  return { vscode, workspace };
}
