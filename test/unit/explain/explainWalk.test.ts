// explain reads the whole debugging walk (DNS, NAT, the mesh, inspect JSON, several hosts) and
// says what it could not read instead of stating more than it saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../fixtures';
import { analyseDump, decodeDump, explainDump, explainToText } from '../../../src/core/explain';

const WALK = ['explain-dns.txt', 'explain-nat.txt', 'explain-mesh.txt', 'explain-network-inspect.txt', 'explain-two-hosts.md', 'explain-damaged.txt', 'explain-ip-addr.txt', 'explain-ip-o-addr.txt'];

test('each kind of fixture gives its recorded contract', () => {
  for (const f of WALK) {
    const want = JSON.parse(fixture(`parse/${f.replace(/\.(txt|md)$/, '.explain.json')}`));
    assert.deepEqual(JSON.parse(JSON.stringify(explainDump(fixture(`parse/${f}`)))), want, f);
  }
});

test('dig and nslookup answers are kept: name, type, server, status, answers with TTL', () => {
  const r = explainDump(fixture('parse/explain-dns.txt'));
  assert.deepEqual(
    r.dns.map((d) => [d.name, d.type, d.server, d.status, d.answers.map((a) => `${a.address}/${a.ttl}`)]),
    [
      ['web.appnet', 'A', '127.0.0.11', 'NOERROR', ['10.0.4.7/600']],
      ['tasks.web', null, '127.0.0.11', 'NOERROR', ['10.0.4.9/null', '10.0.4.8/null']],
      ['gone', null, '127.0.0.11', 'NXDOMAIN', []],
    ],
  );
});

test('NAT: DNAT to the ingress sandbox, embedded DNS, REDIRECT, the IPVS SNAT and MASQUERADE', () => {
  const r = explainDump(fixture('parse/explain-nat.txt'));
  const by = (action: string) => r.nat.filter((n) => n.action === action).map((n) => [n.chain, n.protocol, n.port, n.destination, n.to]);
  assert.deepEqual(by('DNAT'), [
    ['DOCKER-INGRESS', 'tcp', 9443, null, '172.19.0.2:9443'],
    ['DOCKER_OUTPUT', 'tcp', 53, '127.0.0.11', '127.0.0.11:41873'],
    ['DOCKER_OUTPUT', 'udp', 53, '127.0.0.11', '127.0.0.11:50442'],
  ]);
  assert.deepEqual(by('REDIRECT'), [['PREROUTING', 'tcp', 80, '10.0.4.7', '8080']]);
  assert.deepEqual(by('SNAT').at(-1), ['POSTROUTING', null, null, '10.0.4.0/24', '10.0.4.3']);
  assert.deepEqual(by('MASQUERADE').map((n) => n[4]), [null, null]);
  assert.ok(r.nat.every((n) => n.table === 'nat'));
});

test('the routing mesh: a PREROUTING port mark joins its FWM pool', () => {
  const r = explainDump(fixture('parse/explain-mesh.txt'));
  assert.deepEqual(r.ports, [{ protocol: 'tcp', port: 9443, mark: 266, backends: ['10.255.0.43', '10.255.0.44'] }]);
  const text = explainToText(analyseDump(fixture('parse/explain-mesh.txt')), false);
  assert.match(text, /Port 9443\/tcp \(routing mesh\): mark 0x10a = 266 -> FWM 266 rr/);
  assert.match(text, /10\.255\.0\.44:0 {2}Masq {2}weight 0 \(takes no new connections\)/, 'a weight-0 backend does not look live');
  assert.match(text, /NAT nat\/DOCKER-INGRESS: DNAT tcp port 9443 -> 172\.19\.0\.2:9443/);
});

test('network inspect -v: VIP, LocalLBIndex and tasks joined to marks and pools; a missing mark is said', () => {
  const r = explainDump(fixture('parse/explain-network-inspect.txt'));
  const [cart, pay, vipOnly] = r.lb;
  assert.deepEqual([cart!.service, cart!.vip, cart!.localLBIndex, cart!.mark, cart!.backends], ['cart', '10.0.9.2', 262, 262, ['10.0.9.5', '10.0.9.6']]);
  assert.deepEqual(cart!.tasks.map((t) => t.address), ['10.0.9.5', '10.0.9.6']);
  // No MARK rule for pay's VIP was pasted: its pool is found by LocalLBIndex, and a warning says so.
  assert.deepEqual([pay!.mark, pay!.backends], [null, ['10.0.9.8']]);
  const w = r.warnings.filter((x) => x.code === 'mark-missing');
  assert.equal(w.length, 1);
  assert.match(w[0]!.message, /10\.0\.9\.7 of pay has LocalLBIndex 263 \(0x107\)/);
  // service inspect's VirtualIPs (one line of JSON): the VIP, no index.
  assert.deepEqual([vipOnly!.network, vipOnly!.vip, vipOnly!.localLBIndex], ['q3v8k1m0c7x2b9n4l6j5h8g2f', '10.0.9.7', null]);
});

test('a mark that differs from LocalLBIndex is said', () => {
  const text = '[{"Name":"n","Services":{"s":{"VIP":"10.1.0.2","LocalLBIndex":300,"Tasks":[]}}}]\n-A INPUT -d 10.1.0.2/32 -j MARK --set-xmark 0x12d/0xffffffff\n';
  const r = explainDump(text);
  assert.equal(r.lb[0]!.mark, 301);
  assert.deepEqual(r.warnings.map((w) => w.code), ['mark-differs', 'ipvs-not-pasted']);
});

test('two hosts: facts grouped per host, no mark joined to another host\'s pool, no false "no backends"', () => {
  const a = analyseDump(fixture('parse/explain-two-hosts.md'));
  const r = a.explain;
  assert.deepEqual(r.hosts.map((h) => [h.name, h.vips, h.ipvs]), [
    ['node-a', [0], [0]],
    ['node-b', [1, 2], []],
  ]);
  assert.deepEqual(r.vips[0], { destination: '10.0.12.2', mark: 257, backends: ['10.0.12.5', '10.0.12.6'], alias: null });
  assert.deepEqual(r.vips[1], { destination: '10.0.12.2', mark: 257, backends: [], alias: null }, "node-a's FWM 257 is not node-b's");
  const w = r.warnings.find((x) => x.code === 'ipvs-not-pasted');
  assert.ok(w !== undefined && /of node-b/.test(w.message) && /0x101, 0x102/.test(w.message), JSON.stringify(r.warnings));
  const text = explainToText(a, false);
  assert.match(text, /Host node-a:\n {2}VIP 10\.0\.12\.2: mark 0x101 = 257 -> FWM 257 rr\n {8}10\.0\.12\.5:0 {2}Masq {2}weight 1/);
  assert.match(text, /Host node-b:\n {2}VIP 10\.0\.12\.2: mark 0x101 = 257 -> ipvsadm output not pasted/);
  assert.doesNotMatch(text, /no backends/);
});

test('an ipvsadm table without the mark\'s pool is a finding, said as such', () => {
  const text = '-A INPUT -d 10.2.0.2/32 -j MARK --set-xmark 0x101/0xffffffff\nIP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  const a = analyseDump(text);
  assert.deepEqual(a.explain.warnings, []);
  assert.match(explainToText(a, false), /mark 0x101 = 257 -> no IPVS service for FWM 257 in the pasted ipvsadm output/);
});

test('wrapped rule lines are joined where the rest cannot be a line of its own; colour codes removed', () => {
  const r = explainDump(fixture('parse/explain-damaged.txt'));
  assert.deepEqual(r.vips, [
    { destination: '10.0.3.2', mark: 261, backends: ['10.0.3.5'], alias: null },
    { destination: '10.0.3.9', mark: 263, backends: ['10.0.3.10'], alias: null },
  ]);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['colour-codes', 9], ['wrapped-joined', 3]]);
  assert.equal(r.skippedLines, 0);
});

test('prose after a rule is never glued to it; a rest that cannot be joined safely is warned about', () => {
  const rule = '-A INPUT -d 10.0.0.9/32 -m comment --comment "vote on appnet" -j MARK --set-xmark 0x103/0xffffffff';
  for (const prose of ['Looks fine.', 'see below', 'and then (twice)', 'Chain FOO (1 references)']) {
    const r = explainDump(`${rule}\n${prose}\n`);
    assert.deepEqual(r.marks.map((m) => m.mark), [259], prose);
    assert.ok(!r.warnings.some((w) => w.code === 'wrapped-joined'), prose);
  }
  // A short line cut inside the mark (no terminal is 45 columns wide): not joined, but not silent.
  const r = explainDump('-A INPUT -d 10.0.3.9/32 -j MARK --set-xmark 0x10\n7/0xffffffff\n');
  assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['maybe-wrapped', 2], ['ipvs-not-pasted', null]]);
});

test('grep --color with the ESC lost, and ^[ as cat -v shows it, are removed too', () => {
  for (const [on, off] of [['[01;31m[K', '[m[K'], ['^[[01;31m', '^[[0m']]) {
    const r = explainDump(`-A INPUT -d 10.0.0.9/32 -j MARK --set-xmark ${on}0x103${off}/0xffffffff\n`);
    assert.deepEqual(r.marks.map((m) => m.mark), [259], on);
    assert.equal(r.warnings[0]!.code, 'colour-codes');
  }
});

test('UTF-16 input (with and without BOM, LE and BE) reads like UTF-8, and says so', () => {
  const text = fixture('parse/explain-two-hosts.md');
  const want = explainDump(text);
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const be = Buffer.from(le);
  be.swap16();
  for (const [bytes, name] of [[le, 'UTF-16LE'], [be, 'UTF-16BE'], [Buffer.from(text, 'utf16le'), 'UTF-16LE']] as const) {
    const d = decodeDump(bytes);
    assert.equal(d.text, text);
    assert.equal(d.warnings.length, 1);
    assert.match(d.warnings[0]!.message, new RegExp(name));
  }
  assert.deepEqual(decodeDump(Buffer.from(text, 'utf8')).warnings, []);
  // The same UTF-16 bytes already read as latin1 text: the NULs are dropped and the facts are the same.
  const asLatin1 = Buffer.from(text, 'utf16le').toString('latin1');
  const r = explainDump(asLatin1);
  assert.deepEqual(r.vips, want.vips);
  assert.equal(r.warnings[0]!.code, 'encoding');
});

test('text output never replays control characters from the paste; --verbose shows skipped lines', () => {
  const a = analyseDump('web\u0007.appnet.\t600\tIN\tA\t10.0.4.7\nhello \u009b31m there\n');
  const text = explainToText(a, true);
  assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  assert.match(text, /DNS web\?\.appnet/);
  assert.match(text, /\n {2}2: hello/);
  assert.match(explainToText(a, false), /--verbose shows them/);
});

test('JSON that is not inspect output, or is cut, is no fact; a cut one is warned about', () => {
  const cut = explainDump('[\n  {\n    "Name": "ov1",\n    "Services": {\n-A INPUT -d 10.0.0.9/32 -j MARK --set-xmark 0x103/0xffffffff\n');
  assert.equal(cut.lb.length, 0);
  assert.equal(cut.marks.length, 1, 'the rule after the cut JSON is still read');
  assert.deepEqual(cut.warnings.map((w) => [w.code, w.line]), [['json-unreadable', 1], ['ipvs-not-pasted', null]]);
  const proto = explainDump('{"__proto__": {"VIP": "10.0.0.5", "LocalLBIndex": 1e999, "Tasks": [1, null, {"Name": 7}]}}');
  assert.deepEqual(proto.lb, [{ network: null, service: '__proto__', vip: '10.0.0.5', localLBIndex: null, tasks: [{ name: null, address: null }], mark: null, backends: null, alias: null }]);
  assert.equal(({} as Record<string, unknown>)['VIP'], undefined);
});

test('ip addr in an lb_ sandbox: addresses per interface, /32 aliases joined to the marked VIPs, a missing one warned about', () => {
  const a = analyseDump(fixture('parse/explain-ip-addr.txt'));
  const r = a.explain;
  assert.deepEqual(r.addresses.map((x) => `${x.interface} ${x.address}/${x.prefix}`), ['lo 127.0.0.1/8', 'eth0 10.0.3.4/24', 'eth0 10.0.3.2/32', 'eth0 10.0.3.7/32']);
  assert.deepEqual(r.vips.map((v) => [v.destination, v.alias]), [['10.0.3.2', true], ['10.0.3.7', true], ['10.0.3.12', false]]);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['alias-missing', 13]]);
  assert.match(r.warnings[0]!.message, /VIP 10\.0\.3\.12 holds no \/32 alias/);
  assert.deepEqual(r.hosts.map((h) => [h.name, h.addresses]), [['swarm-a1', [0, 1, 2, 3]]]);
  const text = explainToText(a, false);
  assert.match(text, /VIP 10\.0\.3\.2: mark 0x101 = 257, VIP alias present -> FWM 257 rr/);
  assert.match(text, /VIP 10\.0\.3\.12: mark 0x107 = 263, no VIP alias on its load-balancer endpoint -> FWM 263 rr/);
  assert.match(text, /Interface eth0: 10\.0\.3\.4\/24; \/32 aliases 10\.0\.3\.2, 10\.0\.3\.7/);
});

test('ip -o -4 addr: one line per address, joined to the VIPs of network inspect; inet6 and the host\'s own interfaces read too', () => {
  const r = explainDump(fixture('parse/explain-ip-o-addr.txt'));
  assert.deepEqual(r.lb.map((l) => [l.service, l.vip, l.alias]), [['queue', '10.0.8.3', true], ['store', '10.0.8.9', false]]);
  assert.deepEqual(r.warnings.map((w) => w.code), ['alias-missing']);
  assert.ok(r.addresses.some((x) => x.interface === 'eth0' && x.address === 'fe80::42:aff:fe00:804' && x.prefix === 64));
  assert.ok(r.addresses.some((x) => x.interface === 'enp0s8' && x.address === '192.168.57.12' && x.prefix === 24));
  assert.equal(r.skippedLines, 0);
});

test('a task container\'s ip addr (no aliases, marks in the container as before 18.06) says nothing about aliases', () => {
  // The seed 18.03 layout: marks in the task's own mangle table, its eth0 on the VIP's network, no /32.
  const text = [
    '-A OUTPUT -d 10.0.0.9/32 -j MARK --set-xmark 0x103/0xffffffff',
    '$ ip -o -4 addr',
    '66: eth0    inet 10.0.0.3/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  ].join('\n');
  const r = explainDump(text);
  assert.deepEqual(r.vips.map((v) => v.alias), [null]);
  assert.ok(!r.warnings.some((w) => w.code === 'alias-missing'));
  assert.equal(r.addresses.length, 1);
});

test('another host\'s ip addr is no evidence either way; grepped inet lines take their label as the interface', () => {
  const text = [
    'root@node-1:~# iptables-save -t mangle | grep MARK',
    '-A INPUT -d 10.0.5.2/32 -j MARK --set-xmark 0x101/0xffffffff',
    'root@node-2:~# ip addr show eth0 | grep inet',
    '    inet 10.0.5.4/24 brd 10.0.5.255 scope global eth0',
    '    inet 10.0.5.8/32 scope global eth0',
  ].join('\n');
  const r = explainDump(text);
  assert.deepEqual(r.vips.map((v) => [v.destination, v.alias]), [['10.0.5.2', null]], 'node-2 cannot speak for node-1');
  assert.deepEqual(r.addresses.map((x) => x.interface), ['eth0', 'eth0']);
  assert.deepEqual(r.hosts.map((h) => [h.name, h.addresses]), [['node-1', []], ['node-2', [0, 1]]]);
});

test('ip addr lines with impossible addresses or prefixes are no addresses', () => {
  const r = explainDump('7: eth0    inet 999.1.1.1/24 scope global eth0\n7: eth0    inet 10.1.1.1/33 scope global eth0\n7: eth0    inet6 fe80::zz/64 scope link\n7: eth0    inet 10.1.1.1/24 scope global eth0\n');
  assert.deepEqual(r.addresses, [{ interface: 'eth0', address: '10.1.1.1', prefix: 24 }]);
});
