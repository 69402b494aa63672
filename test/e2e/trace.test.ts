// The trace engine against the real swarm, through both probes. Expected values come from the
// docker CLI and the Engine API. This kernel has no IPVS; where one has, the marks and backends
// are checked against the tasks instead.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { Cluster } from '../../src/core/cluster/cluster';
import { loadCluster } from '../../src/core/cluster/load';
import { Engine } from '../../src/core/docker/engine';
import { parseHost } from '../../src/core/docker/endpoint';
import { EngineError } from '../../src/core/docker/errors';
import { HELPER_LABEL } from '../../src/core/netns/probe';
import { traceMesh, traceService, TraceRunOptions } from '../../src/core/trace/run';
import type { Trace } from '../../src/core/trace/types';
import { waitUntil } from './workbench';
import { skipOrFail, swarmUp } from './swarm';

const HELPER_IMAGE = 'local/swarm-lens-helper:2';
let env: Record<string, string> = {};
let missing: string | undefined;
let engine: Engine;
let cluster: Cluster;
let kernelHasIpvs = false;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 }).trim();
}

const options = (probe: 'host' | 'helper'): TraceRunOptions => ({ timeoutMs: 30_000, helperImage: HELPER_IMAGE, recheckDelayMs: 3000, probe });

function helpersLeft(): string[] {
  return docker('ps', '-a', '--filter', `label=${HELPER_LABEL}`, '--format', '{{.ID}}').split('\n').filter(Boolean);
}

/** Unix seconds now, as the engine's event filters take them. */
const engineTime = () => (Date.now() / 1000).toFixed(3);

/**
 * Helpers listed now (but not in `before`), and helpers created since `since` and never destroyed:
 * the events also catch a container whose create was still in flight when the list was taken.
 */
function helpersNotRemoved(since: string, before: readonly string[]): string[] {
  const events = docker('events', '--since', since, '--until', engineTime(), '--filter', 'type=container', '--filter', `label=${HELPER_LABEL}`, '--format', '{{.Action}} {{.Actor.ID}}');
  const alive = new Set<string>();
  for (const [action, id] of events.split('\n').filter(Boolean).map((l) => l.split(' '))) {
    if (action === 'create') alive.add(id.slice(0, 12));
    if (action === 'destroy') alive.delete(id.slice(0, 12));
  }
  for (const id of helpersLeft()) if (!before.includes(id)) alive.add(id);
  return [...alive];
}

/** Waits, with a deadline, until every helper since `since` is removed; fails naming the ones left. */
async function assertHelpersRemoved(since: string, what: string, before: readonly string[] = []): Promise<void> {
  await waitUntil('the helpers removed', () => helpersNotRemoved(since, before).length === 0, 20_000).catch(() => undefined);
  assert.deepEqual(helpersNotRemoved(since, before), [], `helper containers left ${what}`);
}

before(async () => {
  const swarm = swarmUp();
  if ('missing' in swarm) {
    missing = swarm.missing;
    return;
  }
  env = swarm.env;
  engine = new Engine(parseHost(env.DOCKER_HOST, 'default', 'DOCKER_HOST', undefined), { timeoutMs: 15_000 });
  cluster = await loadCluster(engine);
  kernelHasIpvs = execFileSync('sh', ['-c', 'test -e /proc/net/ip_vs && echo yes || echo no'], { encoding: 'utf8' }).trim() === 'yes';
});

function ready(t: { skip(msg: string): void }): boolean {
  if (!missing) return true;
  skipOrFail(t, missing);
  return false;
}

function vipOf(service: string): string {
  return docker('service', 'inspect', '-f', '{{(index .Endpoint.VirtualIPs 0).Addr}}', service).split('/')[0];
}

function runningTaskIps(service: string): Map<string, string> {
  const ids = docker('service', 'ps', '-q', '--filter', 'desired-state=running', service).split('\n').filter(Boolean);
  const out = new Map<string, string>();
  for (const id of ids) {
    const [name, ip] = docker('inspect', '-f', '{{.Slot}} {{range .NetworksAttachments}}{{if eq .Network.Spec.Name "overlay1"}}{{index .Addresses 0}}{{end}}{{end}}', id).split(' ');
    out.set(ip.split('/')[0], `${service}.${name}`);
  }
  return out;
}

function checkVoteTrace(t: Trace): void {
  assert.equal(t.service?.name, 'vote');
  assert.equal(t.source?.task?.service, 'client');
  const byName = Object.fromEntries(t.dns.map((d) => [d.query, d]));
  assert.deepEqual(byName.vote.answers.map((a) => a.address), [vipOf('vote')], 'vote -> its VIP');
  const tasks = runningTaskIps('vote');
  const answered = byName['tasks.vote'].answers;
  assert.deepEqual(answered.map((a) => a.address).sort(), [...tasks.keys()].sort(), 'tasks.vote -> the task IPs');
  for (const a of answered) assert.equal(a.owner.kind === 'task' && a.owner.task.name, tasks.get(a.address), 'each answer linked to its task');
  if (kernelHasIpvs) {
    assert.ok(t.vips[0].mark, 'a MARK rule for the VIP');
    assert.equal(t.vips[0].mark!.mark, t.vips[0].lbIndex);
    assert.deepEqual(t.vips[0].ipvs?.backends.map((b) => b.address).sort(), [...tasks.keys()].sort());
  } else {
    const f = t.findings.find((x) => x.id === 'ipvs-missing');
    assert.ok(f, `IPVS missing is reported: ${t.findings.map((x) => x.id)}`);
    assert.ok(f.evidence.some((e) => /Protocol not available|No such file/.test(e)), f.evidence.join('\n'));
  }
}

test('trace vote from client, host probe', { timeout: 60_000 }, async (t) => {
  if (!ready(t)) return;
  if (process.getuid?.() !== 0) return skipOrFail(t, 'root (the host probe runs nsenter here)');
  const trace = await traceService({ cluster, engine, options: options('host') }, 'vote');
  assert.equal(trace.probe, 'host');
  checkVoteTrace(trace);
});

test('trace vote from client, helper probe: one helper container, none left behind', { timeout: 60_000 }, async (t) => {
  if (!ready(t)) return;
  const [since, before] = [engineTime(), helpersLeft()];
  const trace = await traceService({ cluster, engine, options: options('helper') }, 'vote', 'client.1');
  assert.equal(trace.probe, 'helper');
  checkVoteTrace(trace);
  await assertHelpersRemoved(since, 'after a finished trace', before);
});

test('trace votedns: the two task IPs and no IPVS finding', { timeout: 60_000 }, async (t) => {
  if (!ready(t)) return;
  const trace = await traceService({ cluster, engine, options: options('helper') }, 'votedns');
  const answers = trace.dns.find((d) => d.query === 'votedns')!.answers.map((a) => a.address).sort();
  assert.deepEqual(answers, [...runningTaskIps('votedns').keys()].sort());
  assert.ok(!trace.findings.some((f) => f.id === 'ipvs-missing'));
  assert.ok(trace.findings.some((f) => f.id === 'dnsrr-caveat'));
});

test('the routing mesh on 8080', { timeout: 60_000 }, async (t) => {
  if (!ready(t)) return;
  const since = engineTime();
  const trace = await traceMesh({ cluster, engine, options: options('helper') }, 8080);
  if (kernelHasIpvs) {
    assert.ok(trace.mesh[0].dnat, 'DOCKER-INGRESS DNAT for 8080');
    assert.ok(trace.mesh[0].marks.length > 0);
  } else {
    assert.ok(trace.findings.some((f) => f.id === 'mesh-not-programmed'), trace.findings.map((f) => f.id).join());
  }
  await assertHelpersRemoved(since, 'after a mesh trace');
});

test('a trace cancelled midway removes its helper container', { timeout: 60_000 }, async (t) => {
  if (!ready(t)) return;
  const outcomes: string[] = [];
  for (const delay of [20, 60, 150, 400]) {
    const since = engineTime();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), delay);
    const outcome = await traceService({ cluster, engine, options: options('helper'), signal: controller.signal }, 'vote').then(
      () => 'finished',
      (err: unknown) => (err instanceof EngineError ? err.kind : String(err)),
    );
    assert.ok(['finished', 'cancelled'].includes(outcome), outcome);
    outcomes.push(outcome);
    await assertHelpersRemoved(since, `after a cancel at ${delay} ms`);
  }
  assert.ok(outcomes.includes('cancelled'), `some cancels landed mid-trace: ${outcomes}`);
});

test('a helper left by a crash is removed by the next trace', { timeout: 60_000 }, async (t) => {
  if (!ready(t)) return;
  const since = engineTime();
  // Named and labelled as the probe names its helpers: the clean-up removes nothing else.
  const id = docker('create', '--pull', 'never', '--name', `swarm-lens-helper-${randomBytes(6).toString('hex')}`, '--label', `${HELPER_LABEL}=1`, '--network', 'none', HELPER_IMAGE, 'true');
  assert.deepEqual(helpersLeft(), [id.slice(0, 12)]);
  // A stopped helper younger than 5 s may be another trace's, about to start: wait until the
  // engine's own creation time makes it a leftover.
  const created = Date.parse(docker('inspect', '-f', '{{.Created}}', id));
  await waitUntil('the helper older than 5 s', () => Date.now() - created > 5500);
  await traceService({ cluster, engine, options: options('helper') }, 'vote');
  await assertHelpersRemoved(since, 'after a crash and another trace');
});

test('a helper image that is not on the node: one sentence saying what to do', { timeout: 60_000 }, async (t) => {
  if (!ready(t)) return;
  const since = engineTime();
  const err = await traceService({ cluster, engine, options: { ...options('helper'), helperImage: 'local/does-not-exist:1' } }, 'vote').catch((e: unknown) => e);
  assert.ok(err instanceof EngineError, String(err));
  assert.match(err.message, /local\/does-not-exist:1 is not on the node/);
  await assertHelpersRemoved(since, 'after a failed create');
});
