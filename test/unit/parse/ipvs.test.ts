import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../fixtures';
import { parseIpvsadm, parseIpvsadmSave, parseProcIpVs, type IpvsService } from '../../../src/core/parse';

const brief = (s: IpvsService) => ({
  svc: [s.protocol, s.fwmark, s.address, s.port, s.scheduler, s.flags],
  backends: s.backends.map((b) => [b.address ?? b.host, b.port, b.forward, b.weight, b.activeConnections, b.inactiveConnections]),
});

test('ipvsadm -Ln: FWM, TCP, UDP, SCTP, IPv6, every forward method, weight 0, an empty service', () => {
  const r = parseIpvsadm(fixture('parse/ipvsadm-Ln-mixed.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.services.map(brief), [
    { svc: ['TCP', null, '10.0.7.2', 80, 'rr', ''], backends: [['10.0.7.8', 80, 'Masq', 1, 3, 12], ['10.0.7.9', 80, 'Masq', 0, 0, 5]] },
    { svc: ['UDP', null, '10.0.7.2', 53, 'wlc', 'persistent 300'], backends: [['10.0.7.8', 53, 'Route', 2, 0, 1]] },
    { svc: ['SCTP', null, '10.0.7.2', 3868, 'sh', ''], backends: [['10.0.7.8', 3868, 'Masq', 1, 0, 0]] },
    { svc: ['FWM', 258, null, null, 'rr', ''], backends: [['10.0.7.8', 0, 'Masq', 1, 0, 0], ['10.0.7.9', 0, 'Masq', 1, 0, 0]] },
    { svc: ['FWM', 260, null, null, 'rr', ''], backends: [['10.0.7.11', 0, 'Tunnel', 1, 0, 0], ['127.0.0.1', 0, 'Local', 1, 0, 0]] },
    { svc: ['FWM', 262, null, null, 'rr', ''], backends: [['fd00:7::11', 0, 'Masq', 1, 0, 0]] },
    { svc: ['FWM', 264, null, null, 'rr', ''], backends: [] },
  ]);
  assert.equal(r.services[5]!.ipv6, true);
  assert.equal(r.services[3]!.line, 12);
});

test('ipvsadm without -n: resolved names, names cut at 28 characters, prompts and other output around', () => {
  const r = parseIpvsadm(fixture('parse/task-sandbox-pre1806-mangle-nvL-ipvsadm-names.txt'));
  assert.deepEqual(r.services.map((s) => s.fwmark), [261, 263, 267]);
  const web = r.services[0]!.backends;
  assert.deepEqual(
    web.map((b) => [b.address, b.host, b.port, b.truncated]),
    [
      [null, 'web.1.qz8x4m2n6b0v9c7x5z3l1k', null, true],
      [null, 'web.2.p0o9i8u7y6t5r4e3w2q1a2', null, true],
      [null, '7f3a9c1b2e44.appnet', 0, false],
    ],
  );
  assert.deepEqual(r.services[1]!.backends.map((b) => [b.host, b.port, b.activeConnections, b.inactiveConnections]), [
    ['api.1.zzq1w2e3r4t5y6u7i8o9p0', null, 2, 7],
    ['node3.example.internal', 0, 0, 3],
  ]);
  assert.deepEqual(brief(r.services[2]!).backends, [['10.0.9.21', 0, 'Masq', 0, 0, 1]]);
  assert.ok(r.skippedLines > 0, 'the iptables listing in the same paste is skipped, not misread');
});

test('names with service ports and a cut that leaves half a port', () => {
  const text = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    'TCP  web.appnet:http rr',
    '  -> 10.0.9.13:http               Masq    1      0          0',
    '  -> web.2.p0o9i8u7y6t5r4e3w2q.a:8 Masq    1      0          0',
    '  -> [fd00:9::13]:https           Masq    1      0          0',
  ].join('\n');
  const [s] = parseIpvsadm(text).services;
  assert.deepEqual([s!.address, s!.host, s!.port], [null, 'web.appnet', 80]);
  assert.deepEqual(s!.backends.map((b) => [b.address, b.host, b.port, b.truncated]), [
    ['10.0.9.13', null, 80, false],
    [null, 'web.2.p0o9i8u7y6t5r4e3w2q.a', null, true],
    ['fd00:9::13', null, 443, false],
  ]);
});

test('--stats and --rate listings: counters with suffixes, no forward/weight shown', () => {
  const r = parseIpvsadm(fixture('parse/ipvsadm-Ln-stats-rate.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.services.map((s) => [s.protocol, s.fwmark, s.port, s.scheduler, s.stats?.kind, s.stats?.conns, s.stats?.inBytes, s.stats?.outBytes]), [
    ['FWM', 258, null, null, 'stats', 1520, 130_455_000, 0],
    ['TCP', null, 80, null, 'stats', 12, 21000, 1_500_000_000],
    ['FWM', 258, null, null, 'rate', 4, 41200, 0],
  ]);
  const b = r.services[0]!.backends[0]!;
  assert.deepEqual([b.address, b.port, b.forward, b.weight, b.stats?.conns, b.stats?.inPackets], ['10.0.7.8', 0, null, null, 760, 44100]);
  assert.equal(r.services[2]!.backends[1]!.stats?.inBytes, 20600);
});

test('/proc/net/ip_vs: hex addresses, ports and marks', () => {
  const r = parseProcIpVs(fixture('parse/proc-net-ip_vs.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.services.map(brief), [
    { svc: ['TCP', null, '10.0.7.2', 80, 'rr', ''], backends: [['10.0.7.8', 80, 'Masq', 1, 3, 12], ['10.0.7.9', 80, 'Masq', 0, 0, 5]] },
    { svc: ['FWM', 258, null, null, 'rr', ''], backends: [['10.0.7.8', 0, 'Masq', 1, 0, 0], ['10.0.7.9', 0, 'Masq', 1, 0, 0]] },
    { svc: ['UDP', null, '10.0.7.2', 53, 'wlc', 'persistent 300 FFFFFFFF'], backends: [['10.0.7.8', 53, 'Route', 2, 0, 1]] },
    { svc: ['FWM', 270, null, null, 'rr', ''], backends: [['10.0.0.15', 0, 'Masq', 1, 0, 0]] },
  ]);
  // parseIpvsadm recognises the same text by its zero-padded hex.
  assert.deepEqual(parseIpvsadm(fixture('parse/proc-net-ip_vs.txt')).services.map(brief), r.services.map(brief));
  // ipvsadm's decimal text is not read as hex by mistake.
  assert.deepEqual(parseProcIpVs(fixture('parse/ipvsadm-Ln-mixed.txt')).services, []);
  const v6 = parseProcIpVs('FWM  00000103 rr\n  -> [2001:0db8:0000:0000:0000:0000:0000:0011]:0050      Masq    1      0          0\n');
  assert.deepEqual(brief(v6.services[0]!).backends, [['2001:db8::11', 80, 'Masq', 1, 0, 0]]);
});

test('ipvsadm -S -n: services, forward flags, weights, persistence, IPv6 marks', () => {
  const r = parseIpvsadmSave(fixture('parse/ipvsadm-S-n.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.services.map(brief), [
    { svc: ['TCP', null, '10.0.7.2', 80, 'rr', ''], backends: [['10.0.7.8', 80, 'Masq', 1, null, null], ['10.0.7.9', 80, 'Masq', 0, null, null]] },
    { svc: ['UDP', null, '10.0.7.2', 53, 'wlc', 'persistent 300'], backends: [['10.0.7.8', 53, 'Route', 2, null, null]] },
    { svc: ['FWM', 258, null, null, 'rr', ''], backends: [['10.0.7.8', 0, 'Masq', 1, null, null], ['10.0.7.9', 0, 'Masq', 1, null, null]] },
    { svc: ['FWM', 260, null, null, 'rr', ''], backends: [['10.0.7.11', 0, 'Tunnel', 1, null, null]] },
    { svc: ['FWM', 262, null, null, 'rr', ''], backends: [['fd00:7::11', 0, 'Masq', 1, null, null]] },
  ]);
  assert.equal(r.services[4]!.ipv6, true);
});

test('ipvsadm -S without -n keeps full names (no 28-character cut); each listing is its own block', () => {
  const r = parseIpvsadmSave(fixture('parse/ingress-sbox-iptables-save-ipvsadm-S.txt'));
  assert.equal(r.services.length, 2);
  assert.deepEqual(r.services[1]!.backends.map((b) => [b.address, b.host, b.port, b.truncated]), [
    [null, 'gateway.1.m2k4j6h8g0f1d3s5a7p9o2i4u.ingress', 0, false],
    [null, 'gateway.2.c1v3b5n7m9l2k4j6h8g0f2d4s.ingress', 0, false],
  ]);
});

test('a -a line whose -A was trimmed away still yields its service; the default forward is Route', () => {
  const r = parseIpvsadmSave('-a -f 259 -r 10.0.0.10:0 -w 1\n-a -f 259 -r 10.0.0.11:0 -m\n');
  assert.deepEqual(r.services.map(brief), [{ svc: ['FWM', 259, null, null, null, ''], backends: [['10.0.0.10', 0, 'Route', 1, null, null], ['10.0.0.11', 0, 'Masq', 1, null, null]] }]);
});
