import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../fixtures';
import { flattenRules, parseIptablesSave, type IptablesRule } from '../../../src/core/parse';

const rules = (text: string): IptablesRule[] => flattenRules(parseIptablesSave(text));

test('lb_ sandbox dump with -c counters: tables, chains, policies and decoded rules', () => {
  const r = parseIptablesSave(fixture('parse/lb-sandbox-iptables-save-counters.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(
    r.tables.map((t) => [t.name, t.source, t.rules.length]),
    [
      ['mangle', 'header', 3],
      ['nat', 'header', 7],
    ],
  );
  const mangle = r.tables[0]!;
  assert.deepEqual(mangle.chains[0], { name: 'PREROUTING', policy: 'ACCEPT', counters: { packets: 88412, bytes: 7311290 }, references: null });
  const [vip, idle, commented] = mangle.rules;
  assert.equal(vip!.chain, 'INPUT');
  assert.equal(vip!.destination, '10.0.7.2');
  assert.equal(vip!.target, 'MARK');
  assert.equal(vip!.mark, 258);
  assert.equal(vip!.markOp, 'xset');
  assert.equal(vip!.markMask, 0xffffffff);
  assert.deepEqual(vip!.counters, { packets: 4411, bytes: 264660 });
  assert.deepEqual(idle!.counters, { packets: 0, bytes: 0 });
  // --set-mark (older iptables) and a quoted comment.
  assert.equal(commented!.mark, 262);
  assert.equal(commented!.markOp, 'set');
  assert.equal(commented!.comment, 'swarm vip for orders-db');
  assert.deepEqual(commented!.matches, [{ module: 'comment', options: { comment: 'swarm vip for orders-db' } }]);

  const nat = r.tables[1]!;
  assert.deepEqual(nat.chains.map((c) => [c.name, c.policy]), [
    ['PREROUTING', 'ACCEPT'],
    ['INPUT', 'ACCEPT'],
    ['OUTPUT', 'ACCEPT'],
    ['POSTROUTING', 'ACCEPT'],
    ['DOCKER_OUTPUT', null],
    ['DOCKER_POSTROUTING', null],
  ]);
  const snat = nat.rules.find((x) => x.ipvs)!;
  assert.equal(snat.target, 'SNAT');
  assert.equal(snat.destination, '10.0.7.0/24');
  assert.equal(snat.toSource, '10.0.7.4');
  const dns = nat.rules.filter((x) => x.target === 'DNAT');
  assert.deepEqual(dns.map((x) => [x.protocol, x.dport, x.toDestination]), [
    ['tcp', 53, '127.0.0.11:41873'],
    ['udp', 53, '127.0.0.11:52209'],
  ]);
  const back = nat.rules.filter((x) => x.chain === 'DOCKER_POSTROUTING');
  assert.deepEqual(back.map((x) => [x.source, x.sport, x.toSource]), [
    ['127.0.0.11', 41873, ':53'],
    ['127.0.0.11', 52209, ':53'],
  ]);
});

test('ingress_sbox: --dport marks in PREROUTING, VIP mark in INPUT', () => {
  const all = rules(fixture('parse/ingress-sbox-iptables-save-ipvsadm-S.txt'));
  assert.deepEqual(
    all.map((x) => [x.table, x.chain, x.protocol, x.dport, x.destination, x.mark]),
    [
      ['mangle', 'PREROUTING', 'tcp', 8443, null, 270],
      ['mangle', 'PREROUTING', 'udp', 5353, null, 270],
      ['mangle', 'INPUT', null, null, '10.0.0.14', 270],
    ],
  );
  assert.deepEqual(all[0]!.matches, [{ module: 'tcp', options: { dport: '8443' } }]);
});

test('headerless fragments: table from the -t of the command, else from what the rules say', () => {
  const r = parseIptablesSave(fixture('parse/iptables-S-and-grep-fragments.txt'));
  assert.deepEqual(
    r.tables.map((t) => [t.name, t.source, t.rules.map((x) => x.target)]),
    [
      ['nat', 'command', ['DOCKER-INGRESS', 'DOCKER-INGRESS', 'DNAT', 'RETURN']],
      ['mangle', 'inferred', ['MARK', 'MARK']],
      // PREROUTING + POSTROUTING say nat; the MARK rule can only be mangle.
      ['nat', 'inferred', ['SNAT', 'DOCKER-INGRESS']],
      ['mangle', 'inferred', ['MARK']],
    ],
  );
  assert.ok(r.tables[0]!.chains.some((c) => c.name === 'DOCKER-INGRESS' && c.policy === null));
  const jump = r.tables[0]!.rules[0]!;
  assert.deepEqual(jump.addrType, { src: null, dst: 'LOCAL' });
  assert.equal(r.skippedLines, 1, 'the prose line');
});

test('a lone MARK fragment (grep output pasted in an issue) is mangle', () => {
  const r = parseIptablesSave('-A OUTPUT -d 10.0.0.11/32 -j MARK --set-xmark 0x113/0xffffffff\n-A OUTPUT -d 10.0.0.2/32 -j MARK --set-xmark 0x110/0xffffffff\n');
  assert.equal(r.tables.length, 1);
  assert.equal(r.tables[0]!.name, 'mangle');
  assert.deepEqual(r.tables[0]!.rules.map((x) => [x.destination, x.mark]), [
    ['10.0.0.11', 275],
    ['10.0.0.2', 272],
  ]);
});

test('negations, interfaces, conntrack, addrtype, goto, and authors\' trailing notes', () => {
  const text = [
    '*filter',
    ':DOCKER-INGRESS - [0:0]',
    '-A FORWARD ! -i docker_gwbridge -o docker_gwbridge -j DROP',
    '-A DOCKER-INGRESS -p tcp -m tcp --sport 8443 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -g DOCKER',
    '-A INPUT -s 10.0.0.4/32 ! -p udp -m state --state NEW -j ACCEPT',
    'COMMIT',
    '*nat',
    '-A POSTROUTING -d 10.0.7.0/24 -m ipvs --ipvs -j SNAT --to-source 10.0.7.39 # another IP on lb_x',
    '-A PREROUTING -d 10.0.0.4/32 -p tcp -m tcp --dport 3000 -j REDIRECT --to-ports 80',
    '-I OUTPUT 1 -p udp --dport 53 -j ACCEPT',
    'COMMIT',
  ].join('\n');
  const all = rules(text);
  assert.deepEqual(all[0]!.negated, ['inInterface']);
  assert.equal(all[0]!.inInterface, 'docker_gwbridge');
  assert.equal(all[0]!.outInterface, 'docker_gwbridge');
  assert.deepEqual(all[1]!.ctstate, ['RELATED', 'ESTABLISHED']);
  assert.equal(all[1]!.sport, 8443);
  assert.deepEqual(all[2]!.negated, ['destination']);
  assert.equal(all[2]!.destination, '127.0.0.0/8');
  assert.deepEqual(all[2]!.addrType, { src: null, dst: 'LOCAL' });
  assert.equal(all[2]!.goto, true);
  assert.equal(all[2]!.target, 'DOCKER');
  assert.deepEqual(all[3]!.negated, ['protocol']);
  assert.deepEqual(all[3]!.ctstate, ['NEW']);
  assert.equal(all[4]!.toSource, '10.0.7.39', 'the note after # is not part of the value');
  assert.equal(all[5]!.toPorts, '80');
  assert.equal(all[5]!.dport, 3000);
  // -I with a rule number; --dport without -m udp gets the implicit protocol match.
  assert.equal(all[6]!.chain, 'OUTPUT');
  assert.equal(all[6]!.dport, 53);
  assert.deepEqual(all[6]!.matches, [{ module: 'udp', options: { dport: '53' } }]);
});

test('comments (## notes, flattened rulesets) never become rules; ipvsadm -S lines are not iptables', () => {
  const r = parseIptablesSave(
    ['*mangle', '### why this mark', '## -A INPUT -d 10.0.0.1/32 -j MARK --set-xmark 0x1/0xffffffff', 'COMMIT', '-A -f 259 -s rr', '-a -f 259 -r 10.0.0.10:0 -m -w 1'].join('\n'),
  );
  assert.equal(flattenRules(r).length, 0);
  assert.equal(r.skippedLines, 2);
});

test('line numbers point into the original text', () => {
  const all = rules('# dump\n\n*nat\n-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT\nCOMMIT\n');
  assert.equal(all[0]!.line, 4);
  assert.equal(all[0]!.raw, '-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT');
});
