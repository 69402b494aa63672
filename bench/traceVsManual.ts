// Issue 3: `swarm-lens trace vote` against the commands a person runs for the same answers, on the
// real test swarm, side by side. Skipped (with one line) when no swarm is reachable.
import { execFileSync, execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TraceBenchResult {
  manualMs: number;
  traceHostMs: number;
  traceHelperMs: number;
  helpersPerTrace: number;
  commands: number;
}

function swarmEnv(userEnv: NodeJS.ProcessEnv): NodeJS.ProcessEnv | undefined {
  const envFile = '/tmp/swarm-lens/env';
  const env = { ...userEnv };
  if (!env.DOCKER_HOST && fs.existsSync(envFile)) {
    for (const line of fs.readFileSync(envFile, 'utf8').split('\n')) {
      const [k, ...v] = line.split('=');
      if (k && v.length) env[k] = v.join('=');
    }
  }
  try {
    execFileSync('docker', ['service', 'inspect', 'vote', 'client'], { env, stdio: 'ignore', timeout: 10_000 });
    return env;
  } catch {
    return undefined;
  }
}

/** What a person types, in order, each waiting for the last (they need its answer). */
async function manual(env: NodeJS.ProcessEnv): Promise<number> {
  const sh = async (cmd: string, ...args: string[]) => (await run(cmd, args, { env, timeout: 30_000 })).stdout.trim();
  let count = 0;
  const step = async (cmd: string, ...args: string[]) => {
    count++;
    return sh(cmd, ...args).catch((e: { stdout?: string }) => e.stdout ?? '');
  };
  await step('docker', 'service', 'inspect', '-f', '{{json .Endpoint.VirtualIPs}}', 'vote');
  const container = (await step('docker', 'ps', '-q', '--filter', 'name=client')).split('\n')[0];
  const sandbox = await step('docker', 'inspect', '-f', '{{.NetworkSettings.SandboxKey}}', container);
  const netId = await step('docker', 'network', 'inspect', '-f', '{{.Id}}', 'overlay1');
  await step('docker', 'network', 'inspect', '--verbose', 'overlay1');
  const lb = path.join(path.dirname(sandbox), `lb_${netId.slice(0, 9)}`);
  await step('nsenter', `--net=${sandbox}`, 'dig', '@127.0.0.11', 'vote', '+short');
  await step('nsenter', `--net=${sandbox}`, 'dig', '@127.0.0.11', 'tasks.vote', '+short');
  await step('nsenter', `--net=${sandbox}`, 'iptables', '-nvL', '-t', 'mangle');
  await step('nsenter', `--net=${lb}`, 'iptables', '-nvL', '-t', 'mangle');
  await step('nsenter', `--net=${lb}`, 'ipvsadm', '-Ln');
  await step('docker', 'service', 'ps', '--no-trunc', 'vote');
  const tasks = (await step('docker', 'service', 'ps', '-q', '--filter', 'desired-state=running', 'vote')).split('\n');
  await step('docker', 'inspect', '-f', '{{range .NetworksAttachments}}{{.Addresses}}{{end}}', ...tasks);
  return count;
}

export async function benchTraceVsManual(repoRoot: string, runs: number, userEnv: NodeJS.ProcessEnv): Promise<TraceBenchResult | string> {
  if (process.getuid?.() !== 0) return 'not root (the manual sequence needs nsenter)';
  const env = swarmEnv(userEnv);
  if (!env) return 'no swarm with the seed services (npm run swarm:up)';
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const manualTimes: number[] = [];
  const hostTimes: number[] = [];
  const helperTimes: number[] = [];
  let commands = 0;
  const since = Math.floor(Date.now() / 1000);
  for (let i = 0; i < runs; i++) {
    manualTimes.push(await time(async () => (commands = await manual(env))));
    hostTimes.push(await time(() => run(process.execPath, [cli, 'trace', 'vote', '--probe', 'host'], { env })));
    helperTimes.push(await time(() => run(process.execPath, [cli, 'trace', 'vote', '--probe', 'helper', '--helper-image', 'local/swarm-lens-helper:2'], { env })));
  }
  const until = Math.ceil(Date.now() / 1000) + 1;
  const created = execFileSync('docker', ['events', '--since', String(since), '--until', String(until), '--filter', 'type=container', '--filter', 'event=create', '--filter', 'label=swarm-lens.helper', '--format', '{{.ID}}'], { env, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean).length;
  return { manualMs: median(manualTimes), traceHostMs: median(hostTimes), traceHelperMs: median(helperTimes), helpersPerTrace: created / runs, commands };
}
