// The trace engine on the live lab, where IPVS is real: every node traced through its own engine
// and a helper container (a remote node cannot be entered from this host). Every expected value
// comes from the docker CLI of the node read, never from the trace itself.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { HELPER_LABEL } from '../../src/core/netns/probe';
import { PROBE_SCRIPT, splitProbeOutput } from '../../src/core/netns/script';
import { lbSandboxName, parseSandbox } from '../../src/core/trace/sandbox';
import { traceMesh, traceService } from '../../src/core/trace/run';
import type { Trace } from '../../src/core/trace/types';
import { contextOn, docker, eventually, HELPER_IMAGE, LAB_TEST, labSuite, NODES, type Lab } from './lab';

let lab: Lab;
const ready = labSuite((up) => (lab = up));
const T = LAB_TEST;

interface RunningTask {
  id: string;
  task: string;
  node: string;
}

/** Running tasks of a service on one network, as the node's docker CLI reports them: IP -> task. */
function runningTasks(node: number, service: string, network = 'overlay1'): Map<string, RunningTask> {
  const out = new Map<string, RunningTask>();
  const ids = docker(lab, node, 'service', 'ps', '-q', '--filter', 'desired-state=running', service).split('\n').filter(Boolean);
  for (const id of ids) {
    const line = docker(lab, node, 'inspect', '--type', 'task', '-f', `{{.Status.State}} {{.Slot}} {{.NodeID}} {{range .NetworksAttachments}}{{if eq .Network.Spec.Name "${network}"}}{{index .Addresses 0}}{{end}}{{end}}`, id);
    const [state, slot, nodeId, cidr] = line.split(' ');
    if (state !== 'running' || !cidr) continue;
    const hostname = docker(lab, node, 'node', 'inspect', '-f', '{{.Description.Hostname}}', nodeId);
    out.set(cidr.split('/')[0], { id, task: slot === '0' ? `${service}.${nodeId}` : `${service}.${slot}`, node: hostname });
  }
  return out;
}

function localLbIndex(node: number, service: string): number {
  const services = JSON.parse(docker(lab, node, 'network', 'inspect', '--verbose', '--format', '{{json .Services}}', 'overlay1')) as Record<string, { LocalLBIndex: number }>;
  return services[service].LocalLBIndex;
}

function problems(t: Trace): string[] {
  return t.findings.filter((f) => f.severity !== 'info').map((f) => `${f.id}: ${f.title}`);
}

/** The checks of a healthy VIP trace, each against the node's own docker CLI. */
function checkVote(node: number, t: Trace): void {
  assert.equal(t.node, `node${node}`, 'the namespaces read are those of the source task\'s node');
  assert.equal(t.layout, 'lb-sandbox');
  assert.deepEqual(problems(t), [], 'no finding on a settled swarm');
  const vip = docker(lab, node, 'service', 'inspect', '-f', '{{range .Endpoint.VirtualIPs}}{{.Addr}} {{end}}', 'vote')
    .split(' ').map((a) => a.split('/')[0]).filter((a) => a.startsWith('10.0.0.'));
  const step = t.vips.find((v) => v.network === 'overlay1');
  assert.ok(step, 'a VIP on overlay1');
  assert.deepEqual([step.address], vip, 'the VIP is the one docker service inspect shows');
  const index = localLbIndex(node, 'vote');
  assert.equal(step.lbIndex, index);
  assert.equal(step.mark?.mark, index, `the MARK in node${node}'s lb_ sandbox is LocalLBIndex ${index}`);
  assert.equal(step.mark?.sandbox.startsWith('lb_'), true);
  assert.equal(step.ipvs?.fwmark, index, 'the IPVS service is FWM <LocalLBIndex>');
  const tasks = runningTasks(node, 'vote');
  assert.equal(tasks.size, 3);
  const backends = step.ipvs!.backends;
  assert.deepEqual(backends.map((b) => b.address).sort(), [...tasks.keys()].sort(), 'the pool is exactly the running task IPs');
  for (const b of backends) {
    const want = tasks.get(b.address!)!;
    assert.equal(b.weight, 1, `${b.address} weight 1`);
    assert.equal(b.task?.name, want.task, `${b.address} named as its task`);
    assert.equal(b.task?.node, want.node, `${b.address} on its node`);
  }
  assert.deepEqual(new Set(backends.map((b) => b.task?.node)), new Set(['node1', 'node2', 'node3']), 'three backends on three nodes');
  const dns = Object.fromEntries(t.dns.map((d) => [d.query, d.answers.map((a) => a.address).sort()]));
  assert.deepEqual(dns.vote, vip, 'vote resolves to the VIP');
  assert.deepEqual(dns['tasks.vote'], [...tasks.keys()].sort(), 'tasks.vote resolves to the task IPs');
}

test('the lab: three managers, Ready, on two engine versions', T, (t) => {
  if (!ready(t)) return;
  const nodes = docker(lab, 1, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.EngineVersion}}').split('\n').sort();
  assert.equal(nodes.length, 3, nodes.join('\n'));
  for (const n of nodes) assert.match(n, /^node[123] Ready \d+\./);
  const versions = new Set(nodes.map((n) => n.split(' ')[2].split('.')[0]));
  assert.ok(versions.has('20') && versions.has('26'), `engines 20.10 and 26.1 in one swarm: ${[...versions]}`);
});

for (const node of NODES) {
  test(`trace vote from the client task on node${node}: marks = LocalLBIndex, pool = the three tasks, DNS right`, T, async (t) => {
    if (!ready(t)) return;
    const ctx = await contextOn(lab, node);
    const client = ctx.cluster.state.tasks.find((x) => x.serviceName === 'client' && x.nodeName === `node${node}` && x.state === 'running');
    assert.ok(client, `a running client task on node${node}`);
    const trace = await traceService(ctx, 'vote', client.name);
    assert.equal(trace.probe, 'helper');
    assert.equal(trace.source?.task?.name, client.name);
    checkVote(node, trace);
    assert.ok(!trace.findings.some((f) => f.id === 'ipvs-missing'));
    assert.equal(docker(lab, node, 'ps', '-aq', '--filter', `label=${HELPER_LABEL}`), '', 'no helper left behind');
  });

  test(`the routing mesh on 8080 from node${node}: DOCKER-INGRESS DNAT, ingress_sbox mark, pool = voteweb's ingress tasks`, T, async (t) => {
    if (!ready(t)) return;
    const trace = await traceMesh(await contextOn(lab, node), 8080);
    assert.equal(trace.node, `node${node}`);
    assert.deepEqual(problems(trace), []);
    const [mesh] = trace.mesh;
    assert.match(mesh.dnat ?? '', /^172\.\d+\.\d+\.\d+:8080$/, 'the host DNATs 8080 to the ingress sandbox');
    assert.ok(mesh.marks.length > 0, 'a PREROUTING mark for --dport 8080 in ingress_sbox');
    assert.equal(mesh.ipvs?.fwmark, mesh.marks[0].mark, 'the mark selects the pool');
    const tasks = runningTasks(node, 'voteweb', 'ingress');
    assert.equal(tasks.size, 3);
    assert.deepEqual(mesh.ipvs!.backends.map((b) => b.address).sort(), [...tasks.keys()].sort());
    for (const b of mesh.ipvs!.backends) assert.equal(b.task?.name, tasks.get(b.address!)!.task);
  });

  test(`votedns from node${node}: the answers are the task IPs, no IPVS`, T, async (t) => {
    if (!ready(t)) return;
    const trace = await traceService(await contextOn(lab, node), 'votedns');
    const answers = trace.dns.find((d) => d.query === 'votedns')!.answers;
    assert.deepEqual(answers.map((a) => a.address).sort(), [...runningTasks(node, 'votedns').keys()].sort());
    for (const a of answers) assert.equal(a.owner.kind, 'task');
    assert.deepEqual(trace.vips, [], 'a dnsrr service has no VIP');
    assert.ok(!trace.findings.some((f) => f.id === 'ipvs-missing' || f.severity === 'error'), problems(trace).join('\n'));
  });
}

/**
 * Watches one sandbox's IPVS table as it changes: one helper container on the node runs the
 * probe script's brief read in a loop (rules and IPVS listing, not the connection table, so a
 * round stays short enough to catch the ~2 s at weight 0); each round is parsed by the
 * product's own parser. stop() returns the rounds, each as backend address -> weight.
 */
function watchPool(node: number, lb: string): { stop(): Array<Map<string, number>> } {
  const name = `swarm-lens-test-watch-${node}`;
  if (docker(lab, node, 'ps', '-aq', '--filter', `name=^${name}$`)) docker(lab, node, 'rm', '-f', name);
  const client = docker(lab, node, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=client');
  const netnsDir = path.dirname(docker(lab, node, 'inspect', '-f', '{{.NetworkSettings.SandboxKey}}', client));
  docker(lab, node, 'run', '-d', '--name', name, '--label', 'swarm-lens.test=1', '--network', 'none', '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN',
    '-v', `${netnsDir}:/netns:ro`, '--entrypoint', 'sh', HELPER_IMAGE, '-c', `while :; do sh -c "$0" x brief /netns/${lb}; sleep 0.2; done`, PROBE_SCRIPT);
  let rounds: Array<Map<string, number>> | undefined;
  return {
    stop() {
      if (rounds) return rounds;
      const logs = docker(lab, node, 'logs', name);
      docker(lab, node, 'rm', '-f', name);
      rounds = logs.split(/(?=@@swarm-lens sandbox )/).map((round) => {
        const pool = new Map<string, number>();
        const dump = splitProbeOutput(round).sandboxes[0];
        if (dump) for (const v of parseSandbox(dump).ipvs) for (const b of v.backends) if (b.address) pool.set(b.address, b.weight ?? -1);
        return pool;
      });
      return rounds;
    },
  };
}

test('scale vote 3 -> 2: the backend goes to weight 0, then leaves the pool; no finding once settled', T, async (t) => {
  if (!ready(t)) return;
  const before = runningTasks(1, 'vote');
  const ctx = await contextOn(lab, 1);
  const lb = lbSandboxName(ctx.cluster.state.networks.find((n) => n.name === 'overlay1')!.id);
  const watch = watchPool(1, lb);
  try {
    docker(lab, 1, 'service', 'scale', '--detach', 'vote=2');
    const gone = await eventually('vote at 2 running tasks', 300_000, async () => {
      const now = runningTasks(1, 'vote');
      return now.size === 2 ? [...before.keys()].filter((ip) => !now.has(ip)) : `${now.size} running`;
    });
    assert.equal(gone.length, 1);
    const trace = await eventually('a trace of vote with two backends and no finding', 300_000, async () => {
      const tr = await traceService(await contextOn(lab, 1), 'vote');
      const n = tr.vips[0]?.ipvs?.backends.length;
      return n === 2 && problems(tr).length === 0 ? tr : `${n} backends; ${problems(tr).join('; ')}`;
    });
    assert.ok(!trace.vips[0].ipvs!.backends.some((b) => b.address === gone[0]));
    const rounds = watch.stop();
    const weights = rounds.map((r) => r.get(gone[0]));
    const zeroAt = weights.indexOf(0);
    assert.ok(zeroAt >= 0, `${gone[0]} was seen at weight 0 before it left (${rounds.length} rounds: ${weights.join(',')})`);
    assert.ok(weights.slice(zeroAt).includes(undefined), `then it left the pool: ${weights.join(',')}`);
    assert.equal(weights.slice(weights.lastIndexOf(0) + 1).filter((w) => w !== undefined).length, 0, 'and did not come back');
  } finally {
    watch.stop();
    docker(lab, 1, 'service', 'scale', '--detach', 'vote=3');
    await eventually('vote back at 3 running tasks', 420_000, async () => (runningTasks(1, 'vote').size === 3 ? true : 'not yet'));
  }
});

test('docker kill a vote task on node2: its replacement takes its place in the pool', T, async (t) => {
  if (!ready(t)) return;
  const victim = docker(lab, 2, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=vote');
  assert.ok(victim, 'a vote container on node2');
  const victimTask = docker(lab, 2, 'inspect', '-f', '{{index .Config.Labels "com.docker.swarm.task.id"}}', victim);
  docker(lab, 2, 'kill', victim);
  const after = await eventually('a replacement task running', 420_000, async () => {
    const now = runningTasks(2, 'vote');
    const ids = [...now.values()].map((x) => x.id);
    return now.size === 3 && !ids.includes(victimTask) ? now : `${now.size} running, the killed task ${ids.includes(victimTask) ? 'still listed' : 'gone'}`;
  });
  const trace = await eventually('node2 traces the new pool with no finding', 300_000, async () => {
    const ctx = await contextOn(lab, 2);
    const client = ctx.cluster.state.tasks.find((x) => x.serviceName === 'client' && x.nodeName === 'node2' && x.state === 'running')!;
    const tr = await traceService(ctx, 'vote', client.name);
    const pool = tr.vips[0]?.ipvs?.backends.map((b) => b.address).sort();
    return JSON.stringify(pool) === JSON.stringify([...after.keys()].sort()) && problems(tr).length === 0 ? tr : `pool ${pool}; ${problems(tr).join('; ')}`;
  });
  const named = trace.vips[0].ipvs!.backends.map((b) => b.task?.id);
  assert.ok(!named.includes(victimTask), 'the killed task is not in the pool');
  assert.deepEqual(named.sort(), [...after.values()].map((x) => x.id).sort(), 'each backend named as the running task');
});
