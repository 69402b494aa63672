// The shipped demo (media/demo-snapshot.json) is a real `swarm-lens collect` of the live lab's
// node1: traced offline, its marks must equal the LocalLBIndex recorded in the same file and its
// pools the running tasks' addresses, each named. And the seed article's Docker 18.03 cluster
// (the legacy layout, marks in every container) stays a fixture that traces as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBundle, type Bundle } from '../../src/core/bundle/bundle';
import { bundleTraceContext } from '../../src/core/bundle/collect';
import { traceMesh, traceService } from '../../src/core/trace/run';
import { fixture } from '../fixtures';

const demo = () => parseBundle(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'media', 'demo-snapshot.json'), 'utf8'));
const context = (b: Bundle) => bundleTraceContext(b, { timeoutMs: 1000, helperImage: 'unused', recheckDelayMs: 0 });

/** What the recorded Engine API data says, read straight from the file, not through the model. */
function recorded(b: Bundle, service: string, network: string): { lbIndex: number; vip: string; tasks: Map<string, string> } {
  const raw = b.raw as unknown as {
    networks: { Id: string; Name: string }[];
    verboseNetworks: Record<string, { Services?: Record<string, { VIP: string; LocalLBIndex: number }> }>;
    services: { ID: string; Spec: { Name: string } }[];
    tasks: { ServiceID: string; Slot?: number; NodeID: string; Status: { State: string }; NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses: string[] }[] }[];
  };
  const net = raw.networks.find((n) => n.Name === network)!;
  const entry = raw.verboseNetworks[net.Id].Services![service];
  const id = raw.services.find((s) => s.Spec.Name === service)!.ID;
  const tasks = new Map<string, string>();
  for (const t of raw.tasks.filter((x) => x.ServiceID === id && x.Status.State === 'running')) {
    const address = t.NetworksAttachments?.find((a) => a.Network.Spec.Name === network)?.Addresses[0]?.split('/')[0];
    if (address) tasks.set(address, t.Slot ? `${service}.${t.Slot}` : `${service}.${t.NodeID}`);
  }
  return { lbIndex: entry.LocalLBIndex, vip: entry.VIP.split('/')[0], tasks };
}

test('the demo is a collect of a three-node lab with IPVS, on engines 20.10 and 26.1', () => {
  const b = demo();
  const nodes = (b.raw.nodes as { Description: { Hostname: string; Engine: { EngineVersion: string } } }[]).map((n) => `${n.Description.Hostname} ${n.Description.Engine.EngineVersion.split('.')[0]}`).sort();
  assert.deepEqual(nodes, ['node1 20', 'node2 20', 'node3 26']);
  assert.equal(b.nodes.length, 1, "the manager's sandboxes");
  assert.ok(b.nodes[0].output.sandboxes.some((s) => /IP Virtual Server/.test(s.sections['ipvsadm-ln']?.output ?? '')), 'a real IPVS table');
});

test('the demo trace of vote: mark = LocalLBIndex, FWM pool = the three running tasks, DNS answers, no finding', async () => {
  const b = demo();
  const want = recorded(b, 'vote', 'overlay1');
  const t = await traceService(context(b), 'vote');
  assert.deepEqual(t.findings.filter((f) => f.severity !== 'info').map((f) => f.id), []);
  const vip = t.vips[0];
  assert.equal(vip.address, want.vip);
  assert.equal(vip.mark?.mark, want.lbIndex);
  assert.equal(vip.mark?.hex, `0x${want.lbIndex.toString(16)}`);
  assert.equal(vip.ipvs?.fwmark, want.lbIndex);
  assert.equal(want.tasks.size, 3);
  assert.deepEqual(vip.ipvs!.backends.map((x) => `${x.address} ${x.task?.name} w${x.weight}`).sort(), [...want.tasks].map(([a, n]) => `${a} ${n} w1`).sort());
  assert.deepEqual(new Set(vip.ipvs!.backends.map((x) => x.task?.node)), new Set(['node1', 'node2', 'node3']));
  const dns = Object.fromEntries(t.dns.map((d) => [d.query, d.answers.map((a) => a.address).sort()]));
  assert.deepEqual(dns.vote, [want.vip]);
  assert.deepEqual(dns['tasks.vote'], [...want.tasks.keys()].sort());
});

test('the demo routing mesh on 8080: DNAT, ingress mark, pool = voteweb on the ingress network', async () => {
  const b = demo();
  const want = recorded(b, 'voteweb', 'ingress');
  const t = await traceMesh(context(b), 8080);
  assert.deepEqual(t.findings.filter((f) => f.severity !== 'info').map((f) => f.id), []);
  const [mesh] = t.mesh;
  assert.match(mesh.dnat ?? '', /:8080$/);
  assert.equal(mesh.ipvs?.fwmark, mesh.marks[0].mark);
  assert.deepEqual(mesh.ipvs!.backends.map((x) => x.address).sort(), [...want.tasks.keys()].sort());
});

test('the seed article\'s 18.03 cluster (fixture): the legacy layout, vote at 0x103 = 259 in the container', async () => {
  const b = parseBundle(fixture('trace/seed-18.03-legacy.json'));
  const t = await traceService(context(b), 'vote', 'client.1');
  assert.equal(t.layout, 'legacy');
  assert.equal(t.vips[0].mark?.hex, '0x103');
  assert.equal(t.vips[0].ipvs?.fwmark, 259);
  assert.deepEqual(t.vips[0].ipvs!.backends.map((x) => `${x.task?.name}@${x.task?.node}`).sort(), ['vote.1@node2', 'vote.2@node1']);
});
