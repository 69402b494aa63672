// Which task answered, and why idle connections die: the IPVS connection table, timeouts and
// sysctls of a load-balancer sandbox joined into the trace, each end named as its task, and the
// notes on the 900 s idle timeout and the routing mesh's SNAT. On the demo (a real collect of
// the lab, with IPVS) with the new outputs written in ipvsadm's real format, and on the
// recorded swarm without IPVS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBundle, type Bundle } from '../../src/core/bundle/bundle';
import { bundleTraceContext } from '../../src/core/bundle/collect';
import { Cluster } from '../../src/core/cluster/cluster';
import { buildClusterState } from '../../src/core/cluster/state';
import type { SandboxSection } from '../../src/core/netns/script';
import { connectionLine, traceConnections } from '../../src/core/trace/connectionRows';
import { traceMesh, traceService } from '../../src/core/trace/run';
import { traceToMarkdown, traceToText } from '../../src/core/trace/text';
import { TRACE_VERSION, type Trace } from '../../src/core/trace/types';
import { fixture, repoRoot } from '../fixtures';

const demo = () => parseBundle(fs.readFileSync(path.join(repoRoot, 'media', 'demo-snapshot.json'), 'utf8'));
const recorded = () => parseBundle(fixture('trace/swarm-20.10-no-ipvs.json'));
const context = (b: Bundle) => bundleTraceContext(b, { timeoutMs: 1000, helperImage: 'unused', recheckDelayMs: 0 });

function setOutput(b: Bundle, sandbox: string, section: SandboxSection, output: string, exitCode = 0): void {
  const dump = b.nodes[0].output.sandboxes.find((s) => path.basename(s.netns) === sandbox || (sandbox === 'lb_' && path.basename(s.netns).startsWith('lb_')));
  assert.ok(dump, `sandbox ${sandbox} recorded`);
  dump.sections[section] = { command: `nsenter --net=${dump.netns} ${section}`, output, exitCode };
}

const HEAD = ['IPVS connection entries', 'pro expire state       source             virtual            destination'];
const row = (state: string, expire: string, client: string, virtual: string, backend: string) => `TCP ${expire}  ${state.padEnd(11)} ${client.padEnd(18)} ${virtual.padEnd(18)} ${backend}`;

/** The demo's addresses: vote's VIP on overlay1, its running tasks there, and client's address. */
function addresses(b: Bundle) {
  const cluster = new Cluster(buildClusterState(b.raw));
  const vote = cluster.service('vote')!;
  const vip = vote.vips.find((v) => v.networkName === 'overlay1')!;
  const on = (service: string) => cluster.tasksOf(cluster.service(service)!.id).filter((t) => t.state === 'running').map((t) => ({ name: t.name, node: t.nodeName, address: t.addresses.find((a) => a.networkId === vip.networkId)?.address }));
  const client = on('client').find((t) => t.address)!;
  const other = cluster.services.find((s) => s.name !== 'vote' && s.vips.some((v) => v.networkId === vip.networkId));
  return { vip: vip.address, tasks: on('vote'), client, otherVip: other?.vips.find((v) => v.networkId === vip.networkId)?.address };
}

function withTraffic(b: Bundle, timeout = 'Timeout (tcp tcpfin udp): 900 120 300'): ReturnType<typeof addresses> {
  const a = addresses(b);
  const rows = [
    row('ESTABLISHED', '14:59', `${a.client.address}:41234`, `${a.vip}:80`, `${a.tasks[1].address}:80`),
    row('TIME_WAIT', '01:52', `${a.client.address}:41220`, `${a.vip}:80`, `${a.tasks[0].address}:80`),
    row('ESTABLISHED', '10:00', '10.0.1.250:5000', `${a.vip}:80`, '10.0.1.251:80'),
  ];
  if (a.otherVip) rows.push(row('ESTABLISHED', '14:00', `${a.client.address}:41300`, `${a.otherVip}:80`, '10.0.1.252:80'));
  setOutput(b, 'lb_', 'ipvsadm-lnc', [...HEAD, ...rows].join('\n'));
  setOutput(b, 'lb_', 'ipvsadm-timeout', timeout);
  setOutput(b, 'lb_', 'ipvs-sysctls', 'net.ipv4.vs.conn_reuse_mode = 0\nnet.ipv4.vs.expire_nodest_conn = 1\nnet.ipv4.vs.expire_quiescent_template = 1');
  return a;
}

test("vote's connections: client task -> VIP:80 (vote) -> backend task, state and time left, from the lb_ sandbox", async () => {
  const b = demo();
  const a = withTraffic(b);
  const t = await traceService(context(b), 'vote');
  assert.equal(t.version, TRACE_VERSION);
  assert.equal(TRACE_VERSION, 1, 'fields were only added');
  const lb = t.sandboxes.find((s) => s.kind === 'lb')!;
  assert.equal(lb.connections?.length, a.otherVip ? 4 : 3, 'the sandbox keeps its whole table');
  const rows = traceConnections(t);
  assert.deepEqual(
    rows.map((c) => [c.client.task?.name ?? c.client.address, `${c.virtual.address}:${c.virtual.port}`, c.virtual.service, c.backend.task?.name ?? c.backend.address, c.state, c.expiresInSeconds, c.sandbox.startsWith('lb_')]),
    [
      [a.client.name, `${a.vip}:80`, 'vote', a.tasks[1].name, 'ESTABLISHED', 899, true],
      [a.client.name, `${a.vip}:80`, 'vote', a.tasks[0].name, 'TIME_WAIT', 112, true],
      ['10.0.1.250', `${a.vip}:80`, 'vote', '10.0.1.251', 'ESTABLISHED', 600, true],
    ],
    "only vote's connections, each end named when a task has the address",
  );
  assert.equal(rows[0].backend.task?.node, a.tasks[1].node);
  assert.deepEqual(lb.timeouts, { tcp: 900, tcpfin: 120, udp: 300 });
  assert.deepEqual(lb.sysctls, { conn_reuse_mode: 0, expire_nodest_conn: 1, expire_quiescent_template: 1 });
  const text = traceToText(t);
  assert.match(text, /^Connections:$/m);
  assert.ok(text.includes(`  ${a.client.name} on ${a.client.node} (${a.client.address}:41234) -> ${a.vip}:80 (vote) -> ${a.tasks[1].name} on ${a.tasks[1].node} (${a.tasks[1].address}:80)  TCP ESTABLISHED 14:59 left  [lb_`), text);
  assert.match(text, /IPVS settings:\n {2}lb_\w+: timeouts tcp 900 s, tcpfin 120 s, udp 300 s; conn_reuse_mode 0, expire_nodest_conn 1, expire_quiescent_template 1/);
  assert.match(traceToMarkdown(t), /## Connections/);
  assert.deepEqual(JSON.parse(JSON.stringify(t)).sandboxes.find((s: { kind: string }) => s.kind === 'lb').connections.length, lb.connections!.length);
});

test('the 900 s IPVS idle timeout is a note that says what happens and what to do; another timeout is not', async () => {
  const b = demo();
  withTraffic(b);
  const t = await traceService(context(b), 'vote');
  const f = t.findings.find((x) => x.id === 'ipvs-idle-timeout');
  assert.ok(f, t.findings.map((x) => x.id).join());
  assert.equal(f.severity, 'info');
  assert.match(f.title, /900 s \(15 minutes\)/);
  assert.match(f.evidence[0], /^lb_\w+: Timeout \(tcp tcpfin udp\): 900 120 300$/);
  assert.match(f.fix, /keepalive/i);
  assert.match(f.fix, /net\.ipv4\.tcp_keepalive_time/);
  assert.match(f.fix, /moby#31208/);
  assert.match(f.fix, /37822/);
  assert.deepEqual(t.findings.filter((x) => x.severity !== 'info').map((x) => x.id), [], 'a note, never a fault');

  const longer = demo();
  withTraffic(longer, 'Timeout (tcp tcpfin udp): 7200 120 300');
  const t2 = await traceService(context(longer), 'vote');
  assert.ok(!t2.findings.some((x) => x.id === 'ipvs-idle-timeout'));
  assert.equal(t2.sandboxes.find((s) => s.kind === 'lb')!.timeouts?.tcp, 7200);
});

test('an empty table is an empty list; a table that could not be read is no list at all, never "no connections"', async () => {
  const b = demo();
  setOutput(b, 'lb_', 'ipvsadm-lnc', HEAD.join('\n'));
  const t = await traceService(context(b), 'vote');
  assert.deepEqual(t.sandboxes.find((s) => s.kind === 'lb')!.connections, []);
  assert.match(traceToText(t), /Connections:\n {2}none in the IPVS connection table for vote/);

  const broken = demo();
  setOutput(broken, 'lb_', 'ipvsadm-lnc', "Can't initialize ipvs: Protocol not available", 1);
  setOutput(broken, 'lb_', 'ipvsadm-timeout', "Can't initialize ipvs: Protocol not available", 1);
  const t2 = await traceService(context(broken), 'vote');
  const lb = t2.sandboxes.find((s) => s.kind === 'lb')!;
  assert.equal(lb.connections, undefined);
  assert.equal(lb.timeouts, null);
  assert.doesNotMatch(traceToText(t2), /Connections:/);
  assert.match(traceToText(t2), /timeouts not read/);
});

test('a snapshot from before these reads traces as before: no connections, no timeouts, no note', async () => {
  const t = await traceService(context(demo()), 'vote');
  assert.ok(t.sandboxes.every((s) => s.connections === undefined && s.timeouts === undefined && s.sysctls === undefined));
  assert.deepEqual(traceConnections(t), []);
  assert.ok(!t.findings.some((x) => x.id === 'ipvs-idle-timeout'));
  assert.doesNotMatch(traceToText(t), /Connections:|IPVS settings:/);
});

test("the routing mesh's SNAT in ingress_sbox: what the backend sees as the client, and host mode as the way out", async () => {
  const t = await traceMesh(context(demo()), 8080);
  assert.deepEqual(t.mesh[0].snat, { action: 'SNAT', toSource: '10.255.0.2', rule: '-A POSTROUTING -d 10.255.0.0/16 -m ipvs --ipvs -j SNAT --to-source 10.255.0.2' });
  const f = t.findings.find((x) => x.id === 'mesh-snat');
  assert.ok(f, t.findings.map((x) => x.id).join());
  assert.equal(f.severity, 'info');
  assert.match(f.title, /backend task sees 10\.255\.0\.2 as the client/);
  assert.deepEqual(f.evidence, ['ingress_sbox nat: -A POSTROUTING -d 10.255.0.0/16 -m ipvs --ipvs -j SNAT --to-source 10.255.0.2']);
  assert.match(f.fix, /mode=host,published=8080,target=80/);
  assert.match(f.fix, /moby#25526/);
  assert.match(traceToText(t), /ingress_sbox SNAT: backends see 10\.255\.0\.2 as the client's address/);
});

test('no SNAT note when ingress_sbox holds only the embedded DNS SNAT, or a MASQUERADE when it does', async () => {
  const t = await traceMesh(context(recorded()), 8080);
  assert.equal(t.mesh[0].snat, null);
  assert.ok(!t.findings.some((x) => x.id === 'mesh-snat'));

  const b = demo();
  const dump = b.nodes[0].output.sandboxes.find((s) => s.netns.endsWith('/ingress_sbox'))!;
  const save = dump.sections['iptables-save']!.output.replace(/-A POSTROUTING -d 10\.255\.0\.0\/16 -m ipvs --ipvs -j SNAT --to-source 10\.255\.0\.2/, '-A POSTROUTING -d 10.255.0.0/16 -m ipvs --ipvs -j MASQUERADE');
  setOutput(b, 'ingress_sbox', 'iptables-save', save);
  const t2 = await traceMesh(context(b), 8080);
  assert.deepEqual([t2.mesh[0].snat?.action, t2.mesh[0].snat?.toSource], ['MASQUERADE', null]);
  assert.match(t2.findings.find((x) => x.id === 'mesh-snat')!.title, /sees ingress_sbox's own address/);
});

test('ingress_sbox connections in a mesh trace: the virtual address is the DNAT target, the service comes from the backend task', async () => {
  const b = demo();
  const cluster = new Cluster(buildClusterState(b.raw));
  const web = cluster.tasksOf(cluster.service('voteweb')!.id).find((x) => x.state === 'running')!;
  const ingress = web.addresses.find((a) => a.networkName === 'ingress')!.address;
  setOutput(b, 'ingress_sbox', 'ipvsadm-lnc', [...HEAD, row('ESTABLISHED', '14:58', '192.168.122.1:52814', '172.18.0.2:8080', `${ingress}:8080`)].join('\n'));
  const t: Trace = await traceMesh(context(b), 8080);
  const [c] = traceConnections(t);
  assert.deepEqual([c.client.task, c.virtual.service, c.backend.task?.name, c.sandbox], [undefined, 'voteweb', web.name, 'ingress_sbox']);
  assert.equal(connectionLine(c), `192.168.122.1:52814 -> 172.18.0.2:8080 (voteweb) -> ${web.name} on ${web.nodeName} (${ingress}:8080)  TCP ESTABLISHED 14:58 left  [ingress_sbox]`);
});
