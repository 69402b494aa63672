// npm run bench: the numbers the issues ask for, printed as a table (copied into the README).
import './vscodeShim';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClusterModel } from '../src/vscode/clusterModel';
import { ServicesTreeProvider } from '../src/vscode/servicesTree';
import { hoverMarkdown } from '../src/vscode/hover';
import { execFileSync, fork } from 'node:child_process';
import { syntheticCluster } from './syntheticCluster';
import { benchCheckVsTrace } from './checkVsTrace';
import { ipvsListing, swarmSave } from './parseInputs';
import { parseIptablesSave, parseIpvsadm } from '../src/core/parse';
import { benchTraceVsManual } from './traceVsManual';
import { benchPanelPaint } from './panelPaint';
import { builtSizes, kib } from './sizes';

const SIZE = { services: 1000, tasks: 10000, nodes: 50, networks: 20 };
const RUNS = 7;
const repoRoot = path.resolve(__dirname, '../..');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(x < 1 ? 3 : 1)} ms`;
const rows: [string, string, string][] = [];
const row = (what: string, value: string, aim = '') => {
  rows.push([what, value, aim]);
  console.log(`${what.padEnd(66)} ${value.padEnd(24)} ${aim}`);
};

async function main(): Promise<void> {
  const userEnv = { ...process.env };
  const raw = syntheticCluster(SIZE);
  const replay = await startReplayProcess();
  process.env.DOCKER_HOST = replay.host;
  const log = { info() {}, warn() {}, error() {}, debug() {} } as never;
  console.log(`Synthetic cluster: ${SIZE.services} services, ${SIZE.tasks} tasks, ${SIZE.nodes} nodes, ${SIZE.networks} overlay networks (+ ingress), served over a unix socket\n`);

  const bodies = [raw.info, raw.services, raw.tasks, raw.nodes, raw.networks, ...Object.values(raw.verboseNetworks)].map((v) => JSON.stringify(v));
  const megabytes = bodies.reduce((n, b) => n + b.length, 0) / 1e6;

  // Each refresh: a new provider (so the tree index is rebuilt too), the model's refresh, root items.
  const model = new ClusterModel(log);
  const timedRefresh = async () => {
    const tree = new ServicesTreeProvider(model);
    await replay.requests();
    const t0 = performance.now();
    await model.refresh();
    tree.getChildren().forEach((r) => tree.getTreeItem(r));
    const elapsed = performance.now() - t0;
    if (model.state.kind !== 'ready') throw new Error(`refresh failed: ${JSON.stringify(model.state)}`);
    return elapsed;
  };
  const first = await timedRefresh();
  const firstCalls = (await replay.requests()).length;
  const refresh: number[] = [];
  const parse: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    refresh.push(await timedRefresh());
    const p0 = performance.now();
    for (const b of bodies) JSON.parse(b);
    parse.push(performance.now() - p0);
  }
  const calls = (await replay.requests()).length; // the last refresh alone
  const swarmNetworks = SIZE.networks + 1;
  row('Engine API calls per refresh', `${calls}`, `must be 5 + ${swarmNetworks} networks = ${5 + swarmNetworks}`);
  row('Engine API calls, first refresh of a connection (+ /version)', `${firstCalls}`);
  row('First refresh of a new connection, to root tree items', ms(first));
  row(`Refresh: first request to root tree items (median of ${RUNS})`, ms(median(refresh)));
  row(`JSON.parse of the same ${megabytes.toFixed(1)} MB of payloads`, ms(median(parse)));
  row('Ratio refresh / JSON.parse', `${(median(refresh) / median(parse)).toFixed(2)}x`, 'aim: at most 3x');

  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const tree = new ServicesTreeProvider(model);
    let t0 = performance.now();
    tree.getChildren().forEach((r) => tree.getTreeItem(r));
    cold.push(performance.now() - t0);
    t0 = performance.now();
    tree.getChildren().forEach((r) => tree.getTreeItem(r));
    warm.push(performance.now() - t0);
  }
  row('getChildren(root) + getTreeItem, first call (builds index)', ms(median(cold)), 'aim: under 50 ms');
  row('getChildren(root) + getTreeItem, cached', ms(median(warm)));

  const cluster = model.cluster!;
  const ips = cluster.services.flatMap((s) => s.vips.map((v) => v.address)).concat(cluster.state.tasks.map((t) => t.addresses[0].address));
  const hover: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const ip = ips[(i * 7919) % ips.length];
    const t0 = performance.now();
    hoverMarkdown(cluster, ip, cluster.ownersOf(ip));
    hover.push(performance.now() - t0);
  }
  row('IP hover lookup + Markdown (median of 2000)', ms(median(hover)), 'aim: under 1 ms');
  row('IP hover lookup, slowest of 2000', ms(Math.max(...hover)));
  await replay.close();

  parserRows();
  const live = await benchTraceVsManual(repoRoot, 5, userEnv);
  if (typeof live === 'string') console.log(`Trace vs manual: skipped, ${live}`);
  else {
    row(`Manual sequence for vote (${live.commands} docker/nsenter/dig commands)`, ms(live.manualMs));
    row('swarm-lens trace vote, host probe (whole CLI process)', `${ms(live.traceHostMs)} (${(live.manualMs / live.traceHostMs).toFixed(1)}x faster)`, 'aim: at least 2x');
    row('swarm-lens trace vote, helper probe (whole CLI process)', `${ms(live.traceHelperMs)} (${(live.manualMs / live.traceHelperMs).toFixed(1)}x faster)`);
    row('Helper containers started per helper trace', `${live.helpersPerTrace}`);
  }

  const lab = await benchCheckVsTrace(repoRoot, 5);
  if (typeof lab === 'string') console.log(`Check vs trace on the lab: skipped, ${lab}`);
  else {
    row('swarm-lens trace vote on the lab, helper probe (whole CLI process)', ms(lab.traceMs));
    row(`swarm-lens check, ${lab.nodes} nodes × ${lab.services} services, one helper per node`, `${ms(lab.checkMs)} (${(lab.checkMs / lab.traceMs).toFixed(1)}x one trace)`, 'aim: at most 2x');
  }

  const panel = await benchPanelPaint(repoRoot, 200, 5);
  if (typeof panel === 'string') console.log(`Panel paint: skipped, ${panel}`);
  else {
    row(`Trace data to a painted panel, ${panel.backends} backends (Chromium)`, ms(panel.paintMs), 'aim: under 300 ms');
    row('Panel JS heap once painted', `${panel.heapMB.toFixed(1)} MB`);
  }

  const bundle = path.join(repoRoot, 'dist', 'extension.js');
  if (fs.existsSync(bundle)) {
    const t0 = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built bundle, loaded as VS Code loads it (require), which is what is timed
    const ext = require(bundle) as { activate(c: unknown): unknown };
    const loaded = performance.now();
    ext.activate({ subscriptions: [], extensionUri: { fsPath: repoRoot } });
    const activated = performance.now();
    row('Bundle load (require of dist/extension.js)', ms(loaded - t0));
    row('activate() (registers only, no Docker call)', ms(activated - loaded));
  }
  for (const size of builtSizes(repoRoot)) {
    if (size.bytes === undefined) console.log(`${size.label}: not built`);
    else row(size.label, kib(size.bytes));
  }
  fs.mkdirSync(path.join(repoRoot, 'test-artifacts'), { recursive: true });
  fs.writeFileSync(path.join(repoRoot, 'test-artifacts', 'bench.json'), JSON.stringify(rows, null, 1));
}

/** Issue 3: a 20,000-rule iptables-save plus a 2,000 x 10 ipvsadm -Ln, and twice that. */
function parserRows(): void {
  const time = (rules: number, services: number) => {
    const save = swarmSave(rules);
    const ipvs = ipvsListing(services, 10);
    const runs: number[] = [];
    for (let i = 0; i < 2 + RUNS; i++) {
      const t0 = performance.now();
      parseIptablesSave(save);
      parseIpvsadm(ipvs);
      if (i >= 2) runs.push(performance.now() - t0);
    }
    return median(runs);
  };
  const one = time(20_000, 2_000);
  const two = time(40_000, 4_000);
  row('Parse iptables-save 20,000 rules + ipvsadm -Ln 2,000 x 10', ms(one), 'aim: under 50 ms');
  row('The same at twice the size', `${ms(two)} (${(two / one).toFixed(2)}x)`, 'aim: at most 2.2x');
  const paste = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'explainPaste.js'), repoRoot, '50'], { encoding: 'utf8' })) as { mb: number; ms: number; maxRssMb: number };
  row(`explain of a ${paste.mb.toFixed(0)} MB paste (every fixture, repeated)`, `${ms(paste.ms)}, peak ${paste.maxRssMb.toFixed(0)} MB`, 'aim: under 5 s and 300 MB');
}

async function startReplayProcess(): Promise<{ host: string; requests(): Promise<string[]>; close(): Promise<void> }> {
  const child = fork(path.join(__dirname, 'replayProcess.js'), [JSON.stringify(SIZE)]);
  const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', (m) => resolve(m as Record<string, unknown>)));
  const { host } = (await next()) as { host: string };
  return {
    host,
    requests: async () => {
      const answer = next();
      child.send('requests');
      return (await answer).requests as string[];
    },
    close: async () => {
      child.send('close');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
