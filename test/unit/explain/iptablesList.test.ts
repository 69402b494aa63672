import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../fixtures';
import { parseIptablesList } from '../../../src/core/explain';
import { flattenRules, type IptablesRule } from '../../../src/core/parse';

const rules = (text: string): IptablesRule[] => flattenRules(parseIptablesList(text));

test('pre-18.06 task sandbox: mangle OUTPUT marks with K/M counters, table from the command', () => {
  const r = parseIptablesList(fixture('parse/task-sandbox-pre1806-mangle-nvL-ipvsadm-names.txt'));
  assert.equal(r.tables.length, 1);
  const t = r.tables[0]!;
  assert.deepEqual([t.name, t.source], ['mangle', 'command']);
  assert.deepEqual(t.chains.map((c) => c.name), ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
  assert.deepEqual(t.chains[3], { name: 'OUTPUT', policy: 'ACCEPT', counters: { packets: 61007, bytes: 5120332 }, references: null });
  assert.deepEqual(
    t.rules.map((x) => [x.chain, x.target, x.protocol, x.source, x.destination, x.mark, x.markOp, x.counters]),
    [
      ['OUTPUT', 'MARK', null, null, '10.0.9.5', 261, 'set', { packets: 12873, bytes: 1_034_000 }],
      ['OUTPUT', 'MARK', null, null, '10.0.9.12', 263, 'set', { packets: 205_000, bytes: 31_000_000 }],
      ['OUTPUT', 'MARK', null, null, '10.0.9.20', 267, 'set', { packets: 0, bytes: 0 }],
    ],
  );
  assert.deepEqual(t.rules[0]!.targetOptions, { 'set-mark': '0x105' });
});

test('host nat with --line-numbers: DOCKER-INGRESS DNAT, addrtype jumps, negated columns, references', () => {
  const r = parseIptablesList(fixture('parse/host-nat-nvL-docker-ingress.txt'));
  assert.equal(r.skippedLines, 0);
  const t = r.tables[0]!;
  assert.deepEqual([t.name, t.source], ['nat', 'command']);
  assert.deepEqual(t.chains.find((c) => c.name === 'DOCKER-INGRESS'), { name: 'DOCKER-INGRESS', policy: null, counters: null, references: 2 });
  const jumps = t.rules.filter((x) => x.target === 'DOCKER-INGRESS');
  assert.deepEqual(jumps.map((x) => [x.chain, x.addrType?.dst, x.counters?.packets]), [
    ['PREROUTING', 'LOCAL', 1_644_000],
    ['OUTPUT', 'LOCAL', 8812],
  ]);
  const docker = t.rules.find((x) => x.chain === 'OUTPUT' && x.target === 'DOCKER')!;
  assert.equal(docker.destination, '127.0.0.0/8');
  assert.deepEqual(docker.negated, ['destination']);
  const masq = t.rules.filter((x) => x.target === 'MASQUERADE');
  assert.deepEqual(masq.map((x) => [x.source, x.outInterface, x.negated, x.addrType]), [
    [null, 'docker_gwbridge', [], { src: 'LOCAL', dst: null }],
    ['172.17.0.0/16', 'docker0', ['outInterface'], null],
    ['172.18.0.0/16', 'docker_gwbridge', ['outInterface'], null],
  ]);
  const dnat = t.rules.filter((x) => x.target === 'DNAT');
  assert.deepEqual(dnat.map((x) => [x.chain, x.protocol, x.dport, x.toDestination]), [
    ['DOCKER-INGRESS', 'tcp', 8443, '172.18.0.2:8443'],
    ['DOCKER-INGRESS', 'udp', 5353, '172.18.0.2:5353'],
  ]);
  assert.equal(t.rules.find((x) => x.chain === 'DOCKER' && x.inInterface === 'docker0')!.target, 'RETURN');
});

test('iptables-nft listing: protocol numbers, MARK xset with a mask, ipvs SNAT, two tables', () => {
  const r = parseIptablesList(fixture('parse/lb-sandbox-nft-nvL-mangle-nat.txt'));
  assert.deepEqual(r.tables.map((t) => [t.name, t.source, t.rules.length]), [
    ['mangle', 'command', 3],
    ['nat', 'command', 7],
  ]);
  const [a, b, own] = r.tables[0]!.rules;
  assert.deepEqual([a!.protocol, a!.destination, a!.mark], [null, '10.0.7.2', 258]);
  assert.equal(b!.mark, 260);
  assert.deepEqual([own!.protocol, own!.source, own!.dport, own!.mark, own!.markMask, own!.markOp], ['tcp', '10.0.7.0/24', 9000, 1, 0xff, 'xset']);
  const snat = r.tables[1]!.rules.find((x) => x.ipvs)!;
  assert.deepEqual([snat.chain, snat.destination, snat.toSource], ['POSTROUTING', '10.0.7.0/24', '10.0.7.4']);
  const dns = r.tables[1]!.rules.filter((x) => x.chain === 'DOCKER_POSTROUTING');
  assert.deepEqual(dns.map((x) => [x.protocol, x.sport, x.toSource]), [
    ['tcp', 41873, ':53'],
    ['udp', 52209, ':53'],
  ]);
  assert.equal(r.skippedLines, 0, 'the iptables-nft legacy warning is known noise');
});

test('-L without -v and without -n: names, service ports, redir ports', () => {
  const all = rules(fixture('parse/task-sandbox-nat-L-names-no-counters.txt'));
  assert.ok(all.every((x) => x.table === 'nat' && x.counters === null));
  assert.deepEqual(
    all.filter((x) => x.target === 'REDIRECT').map((x) => [x.protocol, x.source, x.destination, x.dport, x.toPorts]),
    [
      ['tcp', null, '10.0.0.15', 8443, '443'],
      ['udp', null, '10.0.0.15', 5353, '53'],
    ],
  );
  assert.deepEqual(all.filter((x) => x.target === 'DNAT').map((x) => [x.dport, x.toDestination]), [
    [53, '127.0.0.11:35977'],
    [53, '127.0.0.11:60114'],
  ]);
});

test('without a command, the table is guessed from the chains listed and the targets', () => {
  const filter = [
    'Chain INPUT (policy ACCEPT)',
    'target     prot opt source               destination',
    '',
    'Chain FORWARD (policy DROP)',
    'target     prot opt source               destination',
    'DOCKER-USER  all  --  0.0.0.0/0            0.0.0.0/0',
    '',
    'Chain OUTPUT (policy ACCEPT)',
    'target     prot opt source               destination',
  ].join('\n');
  const r = parseIptablesList(filter);
  assert.deepEqual(r.tables.map((t) => [t.name, t.source]), [['filter', 'inferred']]);
  assert.equal(r.tables[0]!.chains[1]!.policy, 'DROP');
  // A trimmed paste: one chain, no header line, the MARK target says mangle.
  const frag = rules('Chain OUTPUT (policy ACCEPT 864 packets, 62611 bytes)\n   26  1757 MARK       all  --  *      *       0.0.0.0/0            10.0.0.13            MARK set 0x103\n');
  assert.deepEqual(frag.map((x) => [x.table, x.mark, x.destination]), [['mangle', 259, '10.0.0.13']]);
  // Two listings back to back without their commands are two tables.
  const two = parseIptablesList(`${filter}\n${filter}`);
  assert.equal(two.tables.length, 2);
});

test('a rule without a target and rules with comments, ranges, multiport, goto', () => {
  const text = [
    'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
    ' pkts bytes target     prot opt in     out     source               destination',
    '    5   300            all  --  eth0   *       0.0.0.0/0            0.0.0.0/0',
    '    0     0 ACCEPT     tcp  --  *      *       10.0.0.0/24          0.0.0.0/0            tcp dpts:1000:2000 /* swarm range */',
    '    0     0 ACCEPT     udp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport dports 53,5353',
    '    0     0 DOCKER     all  --  *      *       0.0.0.0/0            0.0.0.0/0           [goto] ',
    '    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED',
  ].join('\n');
  const [none, range, multi, jump, ct] = rules(text);
  assert.equal(none!.target, null);
  assert.equal(none!.inInterface, 'eth0');
  assert.deepEqual([range!.dport, range!.dportSpec, range!.comment], [null, '1000:2000', 'swarm range']);
  assert.deepEqual([multi!.dport, multi!.dportSpec], [null, '53,5353']);
  assert.equal(jump!.goto, true);
  assert.deepEqual(ct!.ctstate, ['RELATED', 'ESTABLISHED']);
});
