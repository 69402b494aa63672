import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../fixtures';
import { analyseDump, explainDump, foundAnything } from '../../../src/core/explain';
import { EMPTY } from '../parse/helpers';

test('a pasted bug report (prompts, U+3000, fences, prose, quotes, indented block) gives the recorded contract', () => {
  const got = explainDump(fixture('parse/bug-report-mixed.md'));
  const want = JSON.parse(fixture('parse/bug-report-mixed.explain.json'));
  assert.deepEqual(JSON.parse(JSON.stringify(got)), want);
});

test('the contract has exactly its documented fields', () => {
  const r = explainDump(fixture('parse/bug-report-mixed.md'));
  assert.deepEqual(Object.keys(r), ['marks', 'ipvs', 'vips', 'skippedLines', 'dns', 'nat', 'ports', 'lb', 'warnings', 'hosts', 'addresses']);
  assert.deepEqual(Object.keys(r.marks[0]!), ['mark', 'hex', 'table', 'chain', 'destination', 'protocol', 'port']);
  assert.deepEqual(Object.keys(r.ipvs[0]!), ['protocol', 'fwmark', 'address', 'port', 'scheduler', 'backends']);
  assert.deepEqual(Object.keys(r.ipvs[0]!.backends[0]!), ['address', 'host', 'port', 'forward', 'weight', 'activeConnections', 'inactiveConnections']);
  assert.deepEqual(Object.keys(r.vips[0]!), ['destination', 'mark', 'backends', 'alias']);
  assert.deepEqual(Object.keys(r.dns[0]!), ['name', 'type', 'server', 'status', 'answers']);
  assert.deepEqual(Object.keys(r.nat[0]!), ['table', 'chain', 'action', 'protocol', 'port', 'destination', 'to']);
  assert.deepEqual(Object.keys(r.hosts[0]!), ['name', 'marks', 'ipvs', 'vips', 'dns', 'nat', 'ports', 'lb', 'addresses']);
  const mesh = explainDump(fixture('parse/explain-mesh.txt'));
  assert.deepEqual(Object.keys(mesh.ports[0]!), ['protocol', 'port', 'mark', 'backends']);
  const lb = explainDump(fixture('parse/explain-network-inspect.txt'));
  assert.deepEqual(Object.keys(lb.lb[0]!), ['network', 'service', 'vip', 'localLBIndex', 'tasks', 'mark', 'backends', 'alias']);
  assert.deepEqual(Object.keys(lb.warnings[0]!), ['code', 'line', 'message']);
  const ip = explainDump(fixture('parse/explain-ip-addr.txt'));
  assert.deepEqual(Object.keys(ip.addresses[0]!), ['interface', 'address', 'prefix']);
});

test('what the bug report shows: a second mark for one VIP that no IPVS service answers', () => {
  const r = explainDump(fixture('parse/bug-report-mixed.md'));
  const vip = r.vips.filter((v) => v.destination === '10.0.7.6');
  assert.deepEqual(
    vip.map((v) => [v.mark, v.backends]),
    [
      [260, ['10.0.7.11', '10.0.7.12', '10.0.7.13']],
      [265, []],
      [257, ['checkout.1.a1b2c3d4e5f6g7h8i9j0k1l2m.shop_default', 'checkout.2.n3o4p5q6r7s8t9u0v1w2x3y4z.shop_default', '10.0.7.13']],
    ],
  );
  assert.equal(r.skippedLines, 13);
});

test('pre-18.06 task sandbox (-nvL marks + ipvsadm names), host names where no address was shown', () => {
  const r = explainDump(fixture('parse/task-sandbox-pre1806-mangle-nvL-ipvsadm-names.txt'));
  assert.deepEqual(r.marks.map((m) => [m.mark, m.hex, m.table, m.chain, m.destination]), [
    [261, '0x105', 'mangle', 'OUTPUT', '10.0.9.5'],
    [263, '0x107', 'mangle', 'OUTPUT', '10.0.9.12'],
    [267, '0x10b', 'mangle', 'OUTPUT', '10.0.9.20'],
  ]);
  assert.deepEqual(r.vips[0], { destination: '10.0.9.5', mark: 261, backends: ['web.1.qz8x4m2n6b0v9c7x5z3l1k', 'web.2.p0o9i8u7y6t5r4e3w2q1a2', '7f3a9c1b2e44.appnet'], alias: null });
  assert.equal(r.ipvs[0]!.backends[0]!.port, null, 'a name cut at 28 characters lost its port');
});

test('ingress_sbox: port marks have no destination and no VIP entry; the VIP mark joins -S backends', () => {
  const r = explainDump(fixture('parse/ingress-sbox-iptables-save-ipvsadm-S.txt'));
  assert.deepEqual(r.marks.map((m) => [m.chain, m.protocol, m.port, m.destination]), [
    ['PREROUTING', 'tcp', 8443, null],
    ['PREROUTING', 'udp', 5353, null],
    ['INPUT', null, null, '10.0.0.14'],
  ]);
  // Two listings of FWM 270 follow the rule; the nearest one (-S -n) is joined.
  assert.deepEqual(r.vips, [{ destination: '10.0.0.14', mark: 270, backends: ['10.0.0.15', '10.0.0.16'], alias: null }]);
  assert.deepEqual(r.ipvs.map((s) => s.backends.map((b) => b.activeConnections)), [
    [null, null],
    [null, null],
  ]);
});

test('lb_ sandbox pieces from several commands and formats join across blocks', () => {
  const text = [fixture('parse/lb-sandbox-iptables-save-counters.txt'), fixture('parse/ipvsadm-Ln-mixed.txt'), fixture('parse/proc-net-ip_vs.txt')].join('\n');
  const r = explainDump(text);
  assert.deepEqual(r.vips, [
    { destination: '10.0.7.2', mark: 258, backends: ['10.0.7.8', '10.0.7.9'], alias: null },
    { destination: '10.0.7.6', mark: 260, backends: ['10.0.7.11', '127.0.0.1'], alias: null },
    { destination: '10.0.7.10', mark: 262, backends: ['fd00:7::11'], alias: null },
  ]);
  assert.ok(r.ipvs.some((s) => s.protocol === 'FWM' && s.fwmark === 270), '/proc/net/ip_vs read too');
});

test('foundAnything: recognised blocks count even without marks; prose alone does not', () => {
  const nat = analyseDump(fixture('parse/host-nat-nvL-docker-ingress.txt'));
  assert.equal(nat.explain.marks.length, 0);
  assert.equal(foundAnything(nat), true);
  assert.ok(nat.explain.nat.length > 0, 'a nat-only dump is facts now');
  assert.equal(foundAnything(nat.explain), true);
  assert.equal(foundAnything(analyseDump('{\n"Containers": {\n').explain), false, 'a JSON fragment is no fact');
  const empty = analyseDump('IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n');
  assert.equal(foundAnything(empty), true, 'an empty IPVS table is itself a finding');
  const prose = analyseDump('Hello,\nmy swarm is broken, please help.\n$ docker ps\n');
  assert.equal(foundAnything(prose), false);
  assert.equal(prose.explain.skippedLines, 2);
  assert.deepEqual(analyseDump('').explain, EMPTY);
});

const MARKS_OF_MIXED = [258, 260, 265, 257];

test('analyseDump lists the blocks it recognised and the DNS it saw', () => {
  const a = analyseDump(fixture('parse/bug-report-mixed.md'));
  assert.deepEqual(a.blocks.map((b) => b.format), ['iptables-save', 'ipvs-list', 'iptables-list', 'dns', 'iptables-list', 'ipvs-save']);
  assert.deepEqual(a.dns.map((q) => [q.name, q.answers.map((x) => x.address)]), [['checkout', ['10.0.7.6']]]);
  assert.deepEqual(a.explain.marks.map((m) => m.mark), MARKS_OF_MIXED, 'rules are read into marks block by block');
});
