/* eslint-disable @typescript-eslint/no-explicit-any -- these tests edit raw Engine API JSON in place (newer shapes, mutations). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClusterState, formatPort, RawCluster } from '../../src/core/cluster/state';
import { Cluster } from '../../src/core/cluster/cluster';
import { EngineError } from '../../src/core/docker/errors';
import { serviceSummary, taskSummary, vipBackends } from '../../src/core/cluster/describe';
import { recordedCluster } from './engineFixtures';

const raw = recordedCluster();
const state = buildClusterState(raw);
const service = (name: string) => state.services.find((s) => s.name === name)!;

test('services from a real 20.10 swarm: modes, replicas, VIPs with marks', () => {
  assert.deepEqual(state.services.map((s) => s.name), ['client', 'vote', 'votedns', 'votehost', 'voteweb']);
  const vote = service('vote');
  assert.equal(vote.endpointMode, 'vip');
  assert.equal(vote.mode, 'replicated');
  assert.deepEqual([vote.running, vote.desired], [2, 2]);
  assert.equal(vote.vips.length, 1);
  assert.equal(vote.vips[0].address, '10.0.1.4');
  assert.equal(vote.vips[0].networkName, 'overlay1');
  assert.equal(vote.vips[0].prefixLength, 24);
  assert.deepEqual(vote.vips[0].mark, { decimal: 258, hex: '0x102' });
  assert.equal(serviceSummary(vote), 'vip · 2/2');
});

test('dnsrr services have no VIP and report the mode', () => {
  const dnsrr = service('votedns');
  assert.equal(dnsrr.endpointMode, 'dnsrr');
  assert.deepEqual(dnsrr.vips, []);
  assert.equal(serviceSummary(dnsrr), 'dnsrr · 2/2');
});

test('published ports: ingress and host mode, and the stack label', () => {
  const web = service('voteweb');
  assert.deepEqual(web.ports.map(formatPort), ['*:8080->80/tcp']);
  assert.equal(web.stack, 'web');
  assert.deepEqual(web.vips.map((v) => v.networkName).sort(), ['ingress', 'overlay1']);
  assert.equal(web.vips.find((v) => v.networkName === 'ingress')?.mark?.decimal, 260);
  const host = service('votehost');
  assert.equal(host.ports[0].publishMode, 'host');
  assert.equal(formatPort(host.ports[0]), '*:8081->80/tcp (host)');
});

test('tasks are named as docker service ps names them, with node and addresses', () => {
  const votes = state.tasks.filter((t) => t.serviceName === 'vote');
  assert.deepEqual(votes.map((t) => t.name), ['vote.1', 'vote.2']);
  for (const t of votes) {
    assert.equal(t.state, 'running');
    assert.equal(t.nodeName, 'vm');
    assert.match(t.containerId ?? '', /^[0-9a-f]{64}$/);
    assert.equal(t.addresses[0].networkName, 'overlay1');
  }
  assert.equal(taskSummary(votes[0]), `vm · running · ${votes[0].addresses[0].address}`);
});

test('networks: overlay and ingress with subnet, VXLAN id and the load-balancer endpoints', () => {
  const overlay = state.networks.find((n) => n.name === 'overlay1')!;
  assert.equal(overlay.subnet, '10.0.1.0/24');
  assert.ok(overlay.vxlanId && overlay.vxlanId >= 4096);
  assert.equal(overlay.lbEndpoint?.name, 'overlay1-endpoint');
  const ingress = state.networks.find((n) => n.ingress)!;
  assert.equal(ingress.lbEndpoint?.name, 'ingress-endpoint');
  assert.ok(!ingress.services.some((s) => s.serviceName === ''), 'the nameless <nil> entry is no service');
  assert.equal(overlay.services.find((s) => s.serviceName === 'votedns')?.vip, undefined, '"<nil>" VIP reads as none');
});

test('the IP index names VIPs, tasks, LB endpoints and nodes', () => {
  const cluster = new Cluster(state);
  const [vip] = cluster.ownersOf('10.0.1.4');
  assert.equal(vip.kind, 'vip');
  assert.equal(vip.kind === 'vip' && vip.service.name, 'vote');
  const voteTask = state.tasks.find((t) => t.name === 'vote.2')!;
  const [task] = cluster.ownersOf(voteTask.addresses[0].address);
  assert.equal(task.kind === 'task' && task.task.name, 'vote.2');
  const lb = state.networks.find((n) => n.name === 'overlay1')!.lbEndpoint!.address;
  assert.equal(cluster.ownersOf(lb)[0].kind, 'lb-endpoint');
  assert.equal(cluster.ownersOf(state.networks.find((n) => n.ingress)!.lbEndpoint!.address)[0].kind, 'ingress-sandbox');
  assert.equal(cluster.ownersOf('127.0.0.1')[0].kind, 'node');
  assert.deepEqual(cluster.ownersOf('192.0.2.77'), []);
  const vote = cluster.service('vote')!;
  assert.deepEqual(vipBackends(cluster, vote, vote.vips[0]).map((b) => b.task.name), ['vote.1', 'vote.2']);
});

test('newer API shapes: jobs, global services, empty dnsrr VIP, missing ServiceStatus and optional fields', () => {
  const newer: RawCluster = structuredClone(raw);
  const services = newer.services as Record<string, any>[];
  for (const s of services) delete s.ServiceStatus;
  services.find((s) => s.Spec.Name === 'client')!.Spec.Mode = { Global: {} };
  services.find((s) => s.Spec.Name === 'votehost')!.Spec.Mode = { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } };
  for (const n of Object.values(newer.verboseNetworks) as Record<string, any>[]) {
    for (const entry of Object.values(n.Services ?? {}) as Record<string, any>[]) if (entry.VIP === '<nil>') entry.VIP = '';
    n.EnableIPv4 = true;
  }
  for (const t of newer.tasks as Record<string, any>[]) t.Status.PortStatus = {};
  const s = buildClusterState(newer);
  const client = s.services.find((x) => x.name === 'client')!;
  assert.equal(client.mode, 'global');
  assert.equal(client.desired, 1, 'global desired falls back to its tasks');
  assert.equal(s.services.find((x) => x.name === 'votehost')!.mode, 'replicated-job');
  assert.equal(s.services.find((x) => x.name === 'vote')!.desired, 2, 'replicated desired falls back to Spec.Mode');
  assert.equal(s.networks.find((n) => n.name === 'overlay1')!.services.find((e) => e.serviceName === 'votedns')!.vip, undefined);
});

test('global tasks without a slot are named service.nodeid', () => {
  const r: RawCluster = structuredClone(raw);
  const t = (r.tasks as Record<string, any>[]).find((x) => x.Slot === 1)!;
  delete t.Slot;
  const s = buildClusterState(r);
  const task = s.tasks.find((x) => x.id === t.ID)!;
  assert.equal(task.name, `${task.serviceName}.${t.NodeID}`);
});

test('shutdown tasks are not listed', () => {
  const r: RawCluster = structuredClone(raw);
  const t = (r.tasks as Record<string, any>[])[0];
  t.DesiredState = 'shutdown';
  assert.ok(!buildClusterState(r).tasks.some((x) => x.id === t.ID));
});

test('bad input: wrong top-level types are one clear EngineError, never a TypeError', () => {
  for (const [key, value] of [['services', {}], ['tasks', 'oops'], ['nodes', null], ['networks', 42]] as const) {
    const r = { ...raw, [key]: value } as RawCluster;
    assert.throws(() => buildClusterState(r), (err: unknown) => err instanceof EngineError && err.kind === 'bad-response' && err.message.includes('could not be read'), key);
  }
  assert.throws(() => buildClusterState({ ...raw, info: [] }), EngineError);
});

test('bad input: malformed items are skipped with a warning, the rest still shows', () => {
  const r: RawCluster = structuredClone(raw);
  (r.services as unknown[]).push(null, 7, { ID: 'x' }, { Spec: { Name: 'noid' } });
  (r.tasks as unknown[]).push('garbage', { ID: 'y' }, { ID: 'z', ServiceID: 'unknown', NetworksAttachments: 'bad', Status: 5 });
  (r.nodes as unknown[]).push({});
  (r.networks as unknown[]).push({ Scope: 'swarm' });
  r.verboseNetworks[Object.keys(r.verboseNetworks)[0]] = { Services: { vote: { VIP: 12, Tasks: 'x', LocalLBIndex: 'no' } }, Containers: [1, 2] };
  const s = buildClusterState(r);
  assert.equal(s.services.length, 5);
  assert.ok(s.warnings.length >= 6, s.warnings.join('\n'));
  assert.ok(s.tasks.some((t) => t.id === 'z' && t.addresses.length === 0 && t.state === 'unknown'));
});

test('bad input: random field types never crash the cluster state', () => {
  const values = [null, 0, -1, 'x', '', [], {}, true, [null], { a: 1 }, 1e308, '10.0.0.1/99'];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const mutate = (v: any, depth: number): any => {
    if (Array.isArray(v)) return v.map((x) => mutate(x, depth + 1));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (rnd() < 0.05) continue;
        out[k] = rnd() < 0.08 ? values[Math.floor(rnd() * values.length)] : mutate(x, depth + 1);
      }
      return out;
    }
    return v;
  };
  for (let i = 0; i < 200; i++) {
    const r = mutate(structuredClone(raw), 0) as RawCluster;
    try {
      const s = buildClusterState(r);
      new Cluster(s);
    } catch (err) {
      assert.ok(err instanceof EngineError, `iteration ${i}: ${(err as Error).stack}`);
    }
  }
});
