// The check's judgement on a snapshot collected from the live lab (three nodes, IPVS, healthy):
// nothing on it as it is, and each fault written into one node's recorded outputs is found on
// that node only, with its code. The same faults were injected into the real kernels in
// test/lab/check.test.ts; here every code is covered, fast and offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBundle, type Bundle } from '../../src/core/bundle/bundle';
import { bundleTraceContext } from '../../src/core/bundle/collect';
import { compareNode, type NodeReading } from '../../src/core/check/compare';
import { cellState, checkToText, hasError } from '../../src/core/check/matrix';
import { checkLoadBalancing } from '../../src/core/check/run';
import type { CheckFinding } from '../../src/core/check/types';
import { parseSandbox } from '../../src/core/trace/sandbox';
import { fixture } from '../fixtures';

const OPTIONS = { timeoutMs: 1000, helperImage: 'unused', recheckDelayMs: 0 };
const load = (): Bundle => parseBundle(fixture('check/lab-3node.json'));
const check = (b: Bundle, services: string[] = []) => checkLoadBalancing(bundleTraceContext(b, OPTIONS), services);
const show = (f: CheckFinding) => `${f.node}/${f.service}/${f.code}${f.address ? `/${f.address}` : ''}`;

/** Rewrites one section of one node's recorded sandbox (`net` is the node's own namespace). */
function edit(b: Bundle, node: string, sandbox: string, section: 'iptables-save' | 'ipvsadm-ln', change: (text: string) => string): void {
  const dump = b.nodes.find((n) => n.node === node)!.output.sandboxes.find((s) => s.netns.split('/').pop()!.startsWith(sandbox))!;
  const before = dump.sections[section]!.output;
  dump.sections[section]!.output = change(before);
  assert.notEqual(dump.sections[section]!.output, before, `the edit of ${node} ${sandbox} ${section} changed something`);
  // The save-format fallback must not bring back what the edit took out.
  delete dump.sections['ipvsadm-s'];
  delete dump.sections['proc-ip-vs'];
}

function editDns(b: Bundle, node: string, name: string, change: (text: string) => string): void {
  const d = b.nodes.find((n) => n.node === node)!.output.dns.find((x) => x.name === name)!;
  d.result.output = change(d.result.output);
}

/** vote's mark and a backend on node2, from the recording. */
function voteOnNode2(b: Bundle) {
  const ctx = bundleTraceContext(b, OPTIONS);
  const vote = ctx.cluster.service('vote')!;
  const vip = vote.vips[0].address;
  const lb = b.nodes.find((n) => n.node === 'node2')!.output.sandboxes.find((s) => s.netns.includes('lb_'))!;
  const mark = parseSandbox(lb).rules.find((r) => r.target === 'MARK' && r.destination === vip)!.mark!;
  const task = ctx.cluster.tasksOf(vote.id).find((t) => t.nodeName === 'node1')!;
  return { vip, mark, task, address: task.addresses[0].address };
}

test('the healthy lab, recorded: no finding on any node, every node read from the snapshot', async () => {
  const report = await check(load());
  assert.deepEqual(report.findings.map(show), []);
  assert.deepEqual(report.nodes.map((n) => [n.hostname, n.reachable, n.via]).sort(), [['node1', true, 'the snapshot'], ['node2', true, 'the snapshot'], ['node3', true, 'the snapshot']]);
  assert.deepEqual([...report.services].sort(), ['client', 'vote', 'votedns', 'votehost', 'voteweb']);
  assert.equal(hasError(report), false);
  assert.match(checkToText(report), /No findings/);
});

const faults: { name: string; apply(b: Bundle): void; want(b: Bundle): string[] }[] = [
  {
    name: 'a backend gone from one pool',
    apply: (b) => edit(b, 'node2', 'lb_', 'ipvsadm-ln', (t) => t.replace(new RegExp(`\\n\\s+-> ${voteOnNode2(b).address.replace(/\./g, '\\.')}:0 .*`), '')),
    want: (b) => [`node2/vote/backend-missing/${voteOnNode2(b).address}`],
  },
  {
    name: 'a bogus backend',
    apply: (b) => edit(b, 'node2', 'lb_', 'ipvsadm-ln', (t) => t.replace(new RegExp(`(FWM\\s+${voteOnNode2(b).mark} rr\\n)`), '$1  -> 10.0.0.250:0                 Masq    1      0          0\n')),
    want: () => ['node2/vote/backend-stale/10.0.0.250'],
  },
  {
    name: 'a backend held at weight 0 (read again: still 0)',
    apply: (b) => edit(b, 'node2', 'lb_', 'ipvsadm-ln', (t) => t.replace(new RegExp(`(-> ${voteOnNode2(b).address.replace(/\./g, '\\.')}:0\\s+Masq\\s+)1`), '$10')),
    want: (b) => [`node2/vote/backend-weight-zero/${voteOnNode2(b).address}`],
  },
  {
    name: 'the VIP MARK rule deleted',
    apply: (b) => edit(b, 'node2', 'lb_', 'iptables-save', (t) => t.replace(new RegExp(`-A INPUT -d ${voteOnNode2(b).vip.replace(/\./g, '\\.')}/32 .*\\n`), '')),
    want: (b) => [`node2/vote/mark-missing/${voteOnNode2(b).vip}`],
  },
  {
    name: 'the VIP marked with another service\'s number (a pool of its own)',
    apply: (b) => {
      const { vip, mark } = voteOnNode2(b);
      edit(b, 'node2', 'lb_', 'iptables-save', (t) => t.replace(new RegExp(`(-d ${vip.replace(/\./g, '\\.')}/32 -j MARK --set-xmark )0x[0-9a-f]+`), '$10x1ff'));
      edit(b, 'node2', 'lb_', 'ipvsadm-ln', (t) => t.replace(new RegExp(`FWM\\s+${mark} rr`), 'FWM  511 rr'));
    },
    want: (b) => [`node2/vote/mark-mismatch/${voteOnNode2(b).vip}`],
  },
  {
    name: 'a mark without its IPVS service',
    apply: (b) => edit(b, 'node2', 'lb_', 'ipvsadm-ln', (t) => t.replace(new RegExp(`FWM\\s+${voteOnNode2(b).mark} rr\\n(\\s+->.*\\n)+`), '')),
    want: (b) => [`node2/vote/pool-missing/${voteOnNode2(b).vip}`],
  },
  {
    name: 'tasks.vote answering without one task',
    apply: (b) => editDns(b, 'node2', 'tasks.vote', (t) => t.replace(new RegExp(`\\ntasks\\.vote\\.\\s+\\d+\\s+IN\\s+A\\s+${voteOnNode2(b).address.replace(/\./g, '\\.')}`), '')),
    want: () => ['node2/vote/dns-mismatch'],
  },
  {
    name: 'two lines ipvsadm printed that no reader knows',
    apply: (b) => edit(b, 'node2', 'lb_', 'ipvsadm-ln', (t) => t.replace(new RegExp(`(FWM\\s+${voteOnNode2(b).mark} rr\\n)`), '$1  ~> a format of tomorrow\n  ~> and another line\n')),
    want: () => ['node2/*/output-unread'],
  },
  {
    name: 'the DNAT of 8080 deleted',
    apply: (b) => edit(b, 'node2', 'net', 'iptables-save', (t) => t.replace(/-A DOCKER-INGRESS -p tcp -m tcp --dport 8080 -j DNAT .*\n/, '')),
    want: () => ['node2/voteweb/mesh-dnat-missing'],
  },
  {
    name: 'the ingress pool of 8080 gone',
    apply: (b) => {
      const mark = parseSandbox(b.nodes.find((n) => n.node === 'node2')!.output.sandboxes.find((s) => s.netns.endsWith('ingress_sbox'))!).rules.find((r) => r.target === 'MARK' && r.dport === 8080)!.mark!;
      // The pool is the listing's last: its last backend line has no newline after it.
      edit(b, 'node2', 'ingress_sbox', 'ipvsadm-ln', (t) => t.replace(new RegExp(`FWM\\s+${mark} rr\\n(\\s+->.*(\\n|$))+`), ''));
    },
    want: () => ['node2/voteweb/mesh-pool-missing'],
  },
];

for (const fault of faults) {
  test(`${fault.name} on node2: found there, and nowhere else`, async () => {
    const want = fault.want(load()); // from the recording as it was
    const b = load();
    fault.apply(b);
    const report = await check(b);
    assert.deepEqual(report.findings.map(show), want);
    assert.equal(cellState(report, 'node2', report.findings[0].service), report.findings[0].severity);
    assert.equal(cellState(report, 'node1', report.findings[0].service), 'ok');
    assert.ok(report.findings.every((f) => f.message && !f.message.includes('\n') && f.evidence.length > 0));
  });
}

test('a node the snapshot does not hold is node-unreachable (a warning that says how), the others still checked', async () => {
  const b = load();
  b.nodes = b.nodes.filter((n) => n.node !== 'node3');
  const report = await check(b);
  assert.deepEqual(report.findings.map((f) => [f.node, f.code, f.severity, f.service]), [['node3', 'node-unreachable', 'warning', '*']]);
  assert.match(report.findings[0].message, /^The snapshot holds no namespaces of node3/);
  assert.equal(cellState(report, 'node3', 'vote'), 'unreachable');
  assert.equal(hasError(report), false);
});

test('health: a running task Docker left out of DNS and the pool because its check fails is not a fault', async () => {
  const b = load();
  const { address, task, mark } = voteOnNode2(b);
  edit(b, 'node2', 'lb_', 'ipvsadm-ln', (t) => t.replace(new RegExp(`\\n\\s+-> ${address.replace(/\./g, '\\.')}:0 .*`), ''));
  editDns(b, 'node2', 'tasks.vote', (t) => t.replace(new RegExp(`\\ntasks\\.vote\\.\\s+\\d+\\s+IN\\s+A\\s+${address.replace(/\./g, '\\.')}`), ''));
  const ctx = bundleTraceContext(b, OPTIONS);
  const node2 = b.nodes.find((n) => n.node === 'node2')!;
  const overlay = ctx.cluster.state.networks.find((n) => n.name === 'overlay1')!;
  const reading: NodeReading = {
    hostname: 'node2',
    views: new Map(),
    sandboxes: node2.output.sandboxes.map(parseSandbox),
    dns: node2.output.dns.map((dump) => ({ networkId: overlay.id, dump })),
    localNetworks: new Set([overlay.id]),
  };
  const vote = [ctx.cluster.service('vote')!];
  const unhealthy = compareNode(ctx.cluster, reading, vote, new Map([[task.id, 'unhealthy']])).map(show);
  assert.deepEqual(unhealthy, [], 'left out as Docker leaves it out');
  const healthy = compareNode(ctx.cluster, reading, vote, new Map([[task.id, 'healthy']])).map(show);
  assert.deepEqual(healthy.sort(), [`node2/vote/backend-missing/${address}`, 'node2/vote/dns-mismatch'].sort(), `FWM ${mark}: a healthy task missing is a fault`);
});

test('checking one service checks only it; an unknown service is one sentence', async () => {
  const report = await check(load(), ['vote']);
  assert.deepEqual(report.services, ['vote']);
  await assert.rejects(check(load(), ['nope']), (err: Error) => /^No service named "nope" in this swarm/.test(err.message));
});
