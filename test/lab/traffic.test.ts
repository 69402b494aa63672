// Traffic on the live lab, where IPVS is real: Probe Load Distribution from the client on each
// node to vote (and through voteweb's published port), a backend out of rotation (weight 0, then
// its task gone), a port nothing listens on, a cancel, and the connection table during an open
// connection checked against what the backend itself sees.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { traceConnections } from '../../src/core/trace/connectionRows';
import { traceService } from '../../src/core/trace/run';
import { probeDistribution } from '../../src/core/traffic/run';
import type { ProbeReport } from '../../src/core/traffic/types';
import { REPO_ROOT } from '../e2e/codeServer';
import { contextOn, docker, eventually, HELPER_IMAGE, inSandbox, LAB_TEST, labSuite, NODES, overlayFacts, type Lab } from './lab';

let lab: Lab;
const ready = labSuite((up) => (lab = up));
const T = LAB_TEST;

const rows = (r: ProbeReport) => r.backends.map((b) => `${b.task ?? b.address}@${b.node}: ${b.connections}${b.notServing ? ` (${b.notServing})` : ''}`).join(', ');

/** Each share of what connected between 20% and 47%, the counts summing to what connected. */
function assertSpread(r: ProbeReport, backends: number, what: string): void {
  const serving = r.backends.filter((b) => !b.notServing);
  assert.equal(serving.length, backends, `${what}: ${backends} backends (${rows(r)})`);
  assert.equal(r.connected, r.sent, `${what}: every connection connected (${JSON.stringify(r.findings)})`);
  assert.equal(serving.reduce((n, b) => n + b.connections, 0), r.connected, `${what}: the counts sum to what connected (${rows(r)})`);
  for (const b of serving) {
    const share = b.connections / r.connected;
    assert.ok(share >= 0.2 && share <= 0.47, `${what}: ${b.task} got ${Math.round(share * 100)}% (${rows(r)})`);
    assert.ok(b.task && b.node, `${what}: ${b.address} named as a task on a node`);
  }
}

/** Running helper or job containers left on a node (there must be none after a probe). */
function leftovers(node: number): string {
  return docker(lab, node, 'ps', '-a', '-q', '--filter', 'label=swarm-lens.helper');
}

test('90 connections from the client on each node to vote: spread over its three tasks on three nodes, 20% to 47% each', T, async (t) => {
  if (!ready(t)) return;
  for (const node of NODES) {
    const ctx = await contextOn(lab, node);
    const report = await probeDistribution(ctx, 'vote', { count: 90, port: 80 });
    assert.equal(report.node, `node${node}`, 'read on the client\'s node');
    assert.match(report.from, /^client\./);
    assert.equal(report.vip, overlayFacts(lab, node).vote.VIP.split('/')[0]);
    assertSpread(report, 3, `from node${node}`);
    assert.deepEqual(report.backends.map((b) => b.node).sort(), ['node1', 'node2', 'node3']);
    assert.deepEqual(report.findings.filter((f) => f.severity !== 'info'), []);
    assert.equal(leftovers(node), '', `no helper left on node${node}`);
  }
});

test('the same through voteweb\'s published port 8080, entering the routing mesh at each node', T, async (t) => {
  if (!ready(t)) return;
  for (const node of NODES) {
    const ctx = await contextOn(lab, node);
    const report = await probeDistribution(ctx, 'voteweb', { count: 90, published: { port: 8080 } });
    assert.equal(report.mode, 'mesh');
    assert.equal(report.node, `node${node}`);
    assertSpread(report, 3, `mesh at node${node}`);
  }
});

test('swarm-lens probe --json: the contract, and exit 0 on a healthy spread', T, async (t) => {
  if (!ready(t)) return;
  const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), 'probe', 'vote', '-n', '30', '--port', '80', '--json', '--host', lab.host(2), '--helper-image', HELPER_IMAGE, '--probe', 'helper', '--timeout', '180'], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...lab.env } });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as Record<string, unknown>;
  for (const k of ['version', 'service', 'from', 'node', 'vip', 'port', 'sent', 'connected', 'failed', 'backends', 'findings']) assert.ok(k in report, `"${k}" in probe --json`);
  assert.equal(report.version, 1);
  assert.equal(report.node, 'node2');
  assert.equal(report.sent, 30);
  for (const b of report.backends as Record<string, unknown>[]) for (const k of ['address', 'task', 'node', 'connections']) assert.ok(k in b, `backends[].${k}`);
});

test('a port nothing listens on: every connection refused, counted by backend and explained; no hang, no helper left', T, async (t) => {
  if (!ready(t)) return;
  const ctx = await contextOn(lab, 2);
  const started = Date.now();
  const report = await probeDistribution(ctx, 'vote', { count: 30, port: 81 });
  assert.ok(Date.now() - started < 180_000, 'bounded in time');
  assert.equal(report.connected, 0);
  assert.equal(report.failed, 30);
  assert.equal(report.backends.reduce((n, b) => n + b.failed, 0), 30, `every refusal found in IPVS's table (${rows(report)})`);
  const failed = report.findings.find((f) => f.code === 'connections-failed');
  assert.match(failed?.message ?? '', /^30 of 30 connections were refused at 3 backends: nothing listens on that port/);
  assert.equal(leftovers(2), '', 'no helper left on node2');
});

test('a cancel while the connections go out stops the probe at once and leaves no helper', T, async (t) => {
  if (!ready(t)) return;
  const ctx = await contextOn(lab, 1);
  const controller = new AbortController();
  const run = probeDistribution({ ...ctx, signal: controller.signal }, 'vote', { count: 1000, port: 80 });
  // Once the helper runs (the trace before it is done), cancel.
  // The helper that sends (not the trace's before it): its command line holds the traffic request.
  await eventually('the probe helper sending from node1', 180_000, async () => (docker(lab, 1, 'ps', '--no-trunc', '--filter', 'label=swarm-lens.helper', '--format', '{{.Command}}').includes(' traffic ') ? true : 'not yet'));
  const cancelled = Date.now();
  controller.abort();
  await assert.rejects(run);
  assert.ok(Date.now() - cancelled < 60_000, `stopped within a minute (${Date.now() - cancelled} ms), not after 1000 connections`);
  await eventually('no helper left on node1', 60_000, async () => (leftovers(1) === '' ? true : leftovers(1)));
});

test('a backend out of rotation gets nothing and is named: weight 0 (a task stopping), then its task gone', T, async (t) => {
  if (!ready(t)) return;
  docker(lab, 1, 'service', 'create', '--detach', '--name', 'probed', '--label', 'swarm-lens.test=1', '--network', 'overlay1', '--replicas', '2', '--replicas-max-per-node', '1', '--constraint', 'node.hostname!=node1', 'local/swarm-lens-web:1');
  try {
    const ctx = await eventually('probed\'s two tasks in node1\'s pool', 300_000, async () => {
      const c = await contextOn(lab, 1);
      const trace = await traceService(c, 'probed');
      const pool = trace.vips.find((v) => v.ipvs)?.ipvs?.backends ?? [];
      return pool.length === 2 && pool.every((b) => b.task?.state === 'running') ? c : `pool ${pool.map((b) => b.address).join(', ') || 'empty'}`;
    });
    const before = await probeDistribution(ctx, 'probed', { count: 40, port: 80 });
    assert.equal(before.backends.filter((b) => !b.notServing && b.connections > 0).length, 2, rows(before));
    // Weight 0, as Docker sets it while a task stops: node1's IPVS, by hand.
    const stopping = before.backends[0];
    const mark = (await traceService(ctx, 'probed')).vips.find((v) => v.ipvs)!.ipvs!.fwmark!;
    const lb = overlayFacts(lab, 1).lb;
    inSandbox(lab, 1, lb, 'ipvsadm', '-e', '-f', String(mark), '-r', `${stopping.address}:0`, '-m', '-w', '0');
    try {
      const drained = await probeDistribution({ ...ctx, options: { ...ctx.options, recheckDelayMs: 0 } }, 'probed', { count: 40, port: 80 });
      const row = drained.backends.find((b) => b.address === stopping.address)!;
      assert.equal(row.notServing, 'weight 0', rows(drained));
      assert.equal(row.connections, 0, rows(drained));
      assert.equal(row.task, stopping.task);
      assert.match(drained.findings.find((f) => f.code === 'backend-not-serving')?.message ?? '', new RegExp(`^${stopping.task!.replace('.', '\\.')} on node\\d .* got nothing: it is out of rotation \\(weight 0\\)`));
      assert.equal(drained.backends.find((b) => b.address !== stopping.address)?.connections, 40, 'the other task got all of them');
    } finally {
      inSandbox(lab, 1, lb, 'ipvsadm', '-e', '-f', String(mark), '-r', `${stopping.address}:0`, '-m', '-w', '1');
    }
    // Then gone: its task stops and cannot be placed again (the other node has one, node1 is
    // excluded), so its slot keeps the stopped task.
    const goneNode = stopping.node!;
    docker(lab, 1, 'service', 'update', '--detach', '--constraint-add', `node.hostname!=${goneNode}`, 'probed');
    const gone = await eventually(`probed's task on ${goneNode} out of node1's pool`, 300_000, async () => {
      const r = await probeDistribution(await contextOn(lab, 1), 'probed', { count: 20, port: 80 });
      return r.backends.filter((b) => !b.notServing).length === 1 && r.backends.some((b) => b.notServing === 'shutdown') ? r : rows(r);
    });
    const stopped = gone.backends.find((b) => b.notServing === 'shutdown')!;
    assert.equal(stopped.connections, 0);
    assert.equal(stopped.node, goneNode);
    assert.match(stopped.task ?? '', /^probed\.\d$/);
    assert.match(gone.findings.find((f) => f.code === 'backend-not-serving' && f.address === stopped.address)?.message ?? '', /got nothing: it is out of rotation \(shutdown\)/);
    assert.equal(gone.backends.find((b) => !b.notServing)?.connections, 20);
  } finally {
    docker(lab, 1, 'service', 'rm', 'probed');
  }
});

/**
 * A container's TCP sockets from its own namespace (/proc/net/tcp and tcp6 read through the
 * helper: `docker exec` output is lost on these engines). busybox httpd listens on [::]:80, so
 * its IPv4 peers are IPv4-mapped entries of tcp6.
 */
function socketsOf(node: number, container: string): { local: string; remote: string; established: boolean }[] {
  const sandbox = path.basename(docker(lab, node, 'inspect', '-f', '{{.NetworkSettings.SandboxKey}}', container));
  const ipv4 = (h: string) => [6, 4, 2, 0].map((i) => parseInt(h.slice(i, i + 2), 16)).join('.');
  const hex = (h: string) => {
    const [ip, port] = h.split(':');
    const address = ip.length === 8 ? ipv4(ip) : ip.startsWith('0000000000000000FFFF0000') ? ipv4(ip.slice(24)) : ip;
    return `${address}:${parseInt(port, 16)}`;
  };
  return inSandbox(lab, node, sandbox, 'cat', '/proc/net/tcp', '/proc/net/tcp6')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 3 && /^\d+:$/.test(f[0]))
    .map((f) => ({ local: hex(f[1]), remote: hex(f[2]), established: f[3] === '01' }));
}

test('the connection table during an open connection names the client and the backend, as the backend itself sees it', T, async (t) => {
  if (!ready(t)) return;
  const vip = overlayFacts(lab, 1).vote.VIP.split('/')[0];
  const client = docker(lab, 1, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=client').split('\n')[0];
  // One connection held open for two minutes (busybox nc in the web image; `sleep` keeps its stdin open).
  docker(lab, 1, 'exec', '-d', client, 'sh', '-c', `sleep 120 | nc ${vip} 80`);
  try {
    const { local } = await eventually("the client's connection to the VIP", 120_000, async () => socketsOf(1, client).find((s) => s.established && s.remote === `${vip}:80`) ?? 'not yet');
    const port = Number(local.split(':')[1]);
    const trace = await traceService(await contextOn(lab, 1), 'vote');
    const established = traceConnections(trace).filter((c) => c.state === 'ESTABLISHED' && c.virtual.address === vip);
    const entry = established.find((c) => c.client.port === port);
    assert.ok(entry, `an ESTABLISHED entry for client port ${port} in node1's table`);
    assert.equal(entry.client.address, local.split(':')[0]);
    assert.match(entry.client.task?.name ?? '', /^client\./, 'the client named as its task');
    assert.equal(entry.virtual.service, 'vote');
    const backend = entry.backend.task;
    assert.ok(backend && backend.service === 'vote', 'the backend named as a vote task');
    // The backends' own view: node1's load balancer rewrites the source to its own address, so each
    // vote task sees as many ESTABLISHED connections on :80 from that address as the table sends it.
    const lbAddress = (Object.values(JSON.parse(docker(lab, 1, 'network', 'inspect', '--format', '{{json .Containers}}', 'overlay1')) as Record<string, { Name: string; IPv4Address: string }>).find((c) => c.Name === 'overlay1-endpoint')?.IPv4Address ?? '').split('/')[0];
    assert.ok(lbAddress, "node1's load-balancer address on overlay1");
    for (const task of trace.vips.find((v) => v.ipvs)!.ipvs!.backends.map((b) => b.task!)) {
      const seen = socketsOf(Number(task.node.replace('node', '')), task.containerId!).filter((s) => s.established && s.local.endsWith(':80') && s.remote.startsWith(`${lbAddress}:`)).length;
      const table = established.filter((c) => c.backend.task?.name === task.name).length;
      assert.equal(seen, table, `${task.name} on ${task.node}: ${seen} connection(s) from ${lbAddress} seen by the task, ${table} in node1's table`);
    }
  } finally {
    docker(lab, 1, 'exec', client, 'sh', '-c', 'pkill -f "sleep 120" || killall sleep || true');
  }
});
