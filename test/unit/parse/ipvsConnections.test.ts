// The IPVS connection table, timeouts and sysctls as the probe prints them in a load-balancer
// sandbox: each row read exactly, empty tables and garbage without a throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../fixtures';
import { parseIpvsConnections, parseIpvsSysctls, parseIpvsTimeouts } from '../../../src/core/parse';
import { int, pick, prng } from './helpers';

const row = (c: ReturnType<typeof parseIpvsConnections>['connections'][number]) =>
  `${c.protocol} ${c.expiresInSeconds}s ${c.state} ${c.client.address}:${c.client.port} ${c.virtual.address}:${c.virtual.port} ${c.backend.address}:${c.backend.port}`;

test('ipvsadm -Lnc in an lb_ sandbox: every state, UDP, a template, minutes past 99, IPv6', () => {
  const r = parseIpvsConnections(fixture('parse/ipvsadm-Lnc-lb-sandbox.txt'));
  assert.equal(r.recognised, true);
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.connections.map(row), [
    'TCP 899s ESTABLISHED 10.0.1.7:41234 10.0.1.5:80 10.0.1.9:80',
    'TCP 112s TIME_WAIT 10.0.1.7:41220 10.0.1.5:80 10.0.1.10:80',
    'TCP 41s FIN_WAIT 10.0.1.8:52010 10.0.1.5:80 10.0.1.11:80',
    'TCP 58s SYN_RECV 10.0.1.8:52012 10.0.1.5:80 10.0.1.9:80',
    'TCP 7s CLOSE 10.0.1.7:41236 10.0.1.5:80 10.0.1.10:80',
    'UDP 252s UDP 10.0.1.7:53011 10.0.1.12:5353 10.0.1.13:5353',
    'TCP 10803s NONE 10.0.1.8:0 10.0.1.5:0 10.0.1.11:0',
    'TCP 871s ESTABLISHED fd00:1::7:41240 fd00:1::5:80 fd00:1::9:80',
  ]);
  assert.equal(r.connections[0]!.line, 3);
});

test('ipvsadm -Lnc in ingress_sbox: the virtual address is where the host DNAT sent the port', () => {
  const r = parseIpvsConnections(fixture('parse/ipvsadm-Lnc-ingress-sbox.txt'));
  assert.deepEqual(r.connections.map((c) => [c.client.address, c.virtual.address, c.virtual.port, c.backend.address]), [
    ['192.168.122.1', '172.18.0.2', 8080, '10.0.0.7'],
    ['172.18.0.1', '172.18.0.2', 8080, '10.0.0.8'],
  ]);
});

test('an empty table is recognised with no connections; an error or other output is not', () => {
  assert.deepEqual(parseIpvsConnections(fixture('parse/ipvsadm-Lnc-empty.txt')), { connections: [], recognised: true, skippedLines: 0 });
  const missing = parseIpvsConnections("Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n");
  assert.deepEqual([missing.recognised, missing.connections.length, missing.skippedLines], [false, 0, 2]);
  // Rows without the header are not read: the strict parser only trusts ipvsadm's own layout.
  const headless = parseIpvsConnections('TCP 14:59  ESTABLISHED 10.0.1.7:41234     10.0.1.5:80        10.0.1.9:80\n');
  assert.deepEqual([headless.recognised, headless.connections.length], [false, 0]);
  assert.deepEqual(parseIpvsConnections(''), { connections: [], recognised: false, skippedLines: 0 });
});

test('malformed rows are skipped and counted, the good ones kept', () => {
  const text = [
    'IPVS connection entries',
    'pro expire state       source             virtual            destination',
    'TCP 14:59  ESTABLISHED 10.0.1.7:41234     10.0.1.5:80        10.0.1.9:80',
    'TCP 14:60  ESTABLISHED 10.0.1.7:41234     10.0.1.5:80        10.0.1.9:80',
    'TCP 14:59  ESTABLISHED 10.0.1.7:99999     10.0.1.5:80        10.0.1.9:80',
    'TCP 14:59  ESTABLISHED 10.0.1.300:1       10.0.1.5:80        10.0.1.9:80',
    'TCP 14:59  ESTABLISHED vote.1:41234       10.0.1.5:80        10.0.1.9:80',
    'TCP 14:59  ESTABLISHED 10.0.1.7:41234     10.0.1.5:80',
    'TCP 14:59  ESTABLISHED [zz::1]:1          10.0.1.5:80        10.0.1.9:80',
    'tcp 14:59  established 10.0.1.7:41234     10.0.1.5:80        10.0.1.9:80',
  ].join('\n');
  const r = parseIpvsConnections(text);
  assert.equal(r.connections.length, 1);
  assert.equal(r.skippedLines, 7);
});

test('random and mutated input never throws', () => {
  const rand = prng(9);
  const base = fixture('parse/ipvsadm-Lnc-lb-sandbox.txt');
  const junk = [' ', ':', '[', ']', '\n', '\t', '0', '9', 'TCP', '\u0000', '\u202e', 'ESTABLISHED', '99:99', '-'];
  for (let i = 0; i < 300; i++) {
    const chars = [...base];
    for (let k = 0; k < 1 + int(rand, 8); k++) chars.splice(int(rand, chars.length), int(rand, 3), pick(rand, junk));
    const text = chars.join('');
    const r = parseIpvsConnections(text);
    for (const c of r.connections) assert.ok(Number.isInteger(c.expiresInSeconds) && c.client.port <= 65535);
    parseIpvsTimeouts(text);
    parseIpvsSysctls(text);
  }
  for (const bad of [undefined, null, 42, {}] as unknown as string[]) {
    assert.deepEqual(parseIpvsConnections(bad).connections, []);
    assert.equal(parseIpvsTimeouts(bad), null);
    assert.deepEqual(parseIpvsSysctls(bad), {});
  }
});

test('ipvsadm -L --timeout: tcp, tcpfin and udp seconds; anything else is null', () => {
  assert.deepEqual(parseIpvsTimeouts(fixture('parse/ipvsadm-L-timeout.txt')), { tcp: 900, tcpfin: 120, udp: 300 });
  assert.deepEqual(parseIpvsTimeouts('Timeout (tcp tcpfin udp): 7200 120 300'), { tcp: 7200, tcpfin: 120, udp: 300 });
  assert.equal(parseIpvsTimeouts("Can't initialize ipvs: Protocol not available"), null);
  assert.equal(parseIpvsTimeouts('Timeout (tcp tcpfin udp): 900 120'), null);
  assert.equal(parseIpvsTimeouts(''), null);
});

test("the probe's sysctl lines: values, and null for one it could not read", () => {
  const text = [
    'net.ipv4.vs.conn_reuse_mode = 0',
    'net.ipv4.vs.expire_nodest_conn = 1',
    'net.ipv4.vs.expire_quiescent_template: cat: /proc/sys/net/ipv4/vs/expire_quiescent_template: No such file or directory',
    'net.ipv4.vs.__proto__ = 1',
    'garbage',
  ].join('\n');
  assert.deepEqual(parseIpvsSysctls(text), { conn_reuse_mode: 0, expire_nodest_conn: 1, expire_quiescent_template: null });
});
