/**
 * Property tests: whatever the text, every parser returns a result (never throws, never hangs),
 * and the result keeps its invariants. Inputs: random code units, soups of the tokens the
 * formats are made of (to reach deep into the parsers), and mutations of every fixture (lines
 * deleted, duplicated, shuffled, truncated, columns swapped, characters flipped). Seeded, so a
 * failure reproduces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, repoRoot } from '../../fixtures';
import {
  flattenRules,
  markToHex,
  parseCount,
  parseDnsAnswers,
  parseIptablesSave,
  parseIpvsadm,
  parseIpvsadmSave,
  parseIpvsConnections,
  parseIpvsSysctls,
  parseIpvsTimeouts,
  parseMark,
  parseProcIpVs,
} from '../../../src/core/parse';
import { analyseDump, explainToText, parseIptablesList } from '../../../src/core/explain';
import { isIPv4, isIPv6 } from '../../../src/core/parse/values';
import { scanHooks } from '../../../src/core/parse/scan';
import { EMPTY, int, pick, prng } from './helpers';

// The scanner's safety nets must never be needed: record anything they catch and fail on it.
const caught: unknown[] = [];
scanHooks.onError = (e) => caught.push(e);

const FIXTURES = fs
  .readdirSync(path.join(repoRoot, 'test', 'fixtures', 'parse'))
  .filter((f) => !f.endsWith('.json'))
  .sort()
  .map((f) => fixture(`parse/${f}`));

function lineCount(text: string): number {
  return text.length === 0 ? 0 : text.split(/\r\n|\r|\n/).length;
}

/** Runs every parser on text and checks the invariants of what they return. */
function checkAll(text: string): void {
  const lines = lineCount(text);
  const skipped = (n: number, what: string): void => {
    assert.ok(Number.isInteger(n) && n >= 0 && n <= lines, `${what}: skippedLines ${n} of ${lines}`);
  };
  for (const parse of [parseIptablesSave, parseIptablesList]) {
    const r = parse(text);
    skipped(r.skippedLines, parse.name);
    for (const rule of flattenRules(r)) {
      assert.ok(rule.line >= 1 && rule.line <= lines, `${parse.name}: line ${rule.line}`);
      if (rule.mark !== null) assert.ok(Number.isInteger(rule.mark) && rule.mark >= 0 && rule.mark <= 0xffffffff);
      assert.equal(typeof rule.table, 'string');
      assert.ok(rule.table.length > 0);
    }
  }
  for (const parse of [parseIpvsadm, parseIpvsadmSave, parseProcIpVs]) {
    const r = parse(text);
    skipped(r.skippedLines, parse.name);
    for (const s of r.services) {
      assert.ok(['FWM', 'TCP', 'UDP', 'SCTP'].includes(s.protocol));
      assert.equal(s.protocol === 'FWM', s.fwmark !== null);
      for (const b of s.backends) assert.ok(b.forward === null || ['Masq', 'Route', 'Tunnel', 'Local'].includes(b.forward));
    }
  }
  const conns = parseIpvsConnections(text);
  skipped(conns.skippedLines, 'parseIpvsConnections');
  for (const c of conns.connections) {
    assert.ok(c.line >= 1 && c.line <= lines && Number.isInteger(c.expiresInSeconds) && c.expiresInSeconds >= 0);
    for (const e of [c.client, c.virtual, c.backend]) assert.ok(Number.isInteger(e.port) && e.port >= 0 && e.port <= 65535 && (isIPv4(e.address) || isIPv6(e.address)));
  }
  const timeouts = parseIpvsTimeouts(text);
  if (timeouts) for (const v of Object.values(timeouts)) assert.ok(Number.isInteger(v) && v >= 0);
  for (const v of Object.values(parseIpvsSysctls(text))) assert.ok(v === null || Number.isInteger(v));
  const dns = parseDnsAnswers(text);
  skipped(dns.skippedLines, 'parseDnsAnswers');
  const a = analyseDump(text);
  skipped(a.explain.skippedLines, 'explain');
  for (const m of a.explain.marks) assert.equal(m.hex, markToHex(m.mark));
  for (const v of a.explain.vips) assert.ok(a.explain.marks.some((m) => m.mark === v.mark && m.destination === v.destination));
  for (const b of a.blocks) assert.ok(b.startLine >= 1 && b.startLine <= b.endLine && b.endLine <= lines);
  const e = a.explain;
  for (const n of e.nat) assert.ok(['DNAT', 'SNAT', 'REDIRECT', 'MASQUERADE'].includes(n.action));
  for (const p of e.ports) assert.ok(e.marks.some((m) => m.mark === p.mark && m.port === p.port && m.destination === null));
  for (const l of e.lb) assert.ok((l.mark === null || Number.isInteger(l.mark)) && (l.backends === null || Array.isArray(l.backends)));
  for (const w of e.warnings) assert.ok(typeof w.message === 'string' && w.message.length > 0 && (w.line === null || (w.line >= 1 && w.line <= lines)));
  for (const x of e.addresses) {
    const v4 = isIPv4(x.address);
    assert.ok((v4 || isIPv6(x.address)) && Number.isInteger(x.prefix) && x.prefix >= 0 && x.prefix <= (v4 ? 32 : 128), JSON.stringify(x));
  }
  // An alias is only ever claimed for a VIP that some pasted ip addr holds as a /32 (or /128).
  const held = new Set(e.addresses.filter((x) => x.prefix === (isIPv4(x.address) ? 32 : 128)).map((x) => x.address));
  for (const v of [...e.vips.map((x) => [x.destination, x.alias] as const), ...e.lb.map((x) => [x.vip, x.alias] as const)]) {
    assert.ok(v[1] === null || v[1] === false || held.has(v[0]!), `alias ${v[0]}`);
    if (e.addresses.length === 0) assert.equal(v[1], null, 'no ip addr pasted: alias unknown');
  }
  const sizes = { marks: e.marks.length, ipvs: e.ipvs.length, vips: e.vips.length, dns: e.dns.length, nat: e.nat.length, ports: e.ports.length, lb: e.lb.length, addresses: e.addresses.length };
  for (const h of e.hosts) for (const k of Object.keys(sizes) as (keyof typeof sizes)[]) assert.ok(h[k].every((i) => i >= 0 && i < sizes[k]));
  assert.equal(a.vipPools.length, e.vips.length);
  explainToText(a, true);
  // Plain data: serialisable, no cycles.
  JSON.parse(JSON.stringify(a));
  assert.deepEqual(caught, [], 'a parser threw (caught by the scanner)');
}

test('random code units (controls, quotes, surrogates, CR/LF) never break a parser', () => {
  const rand = prng(0x5eed1);
  const alphabet = ' \t\n\r"\'#$%>[]:!-/*.0123456789abcdefxABCDEFX\u3000\u00a0\ud800\udfff\u2026\ufeff\u0000';
  for (let i = 0; i < 300; i++) {
    const len = int(rand, 1500);
    let s = '';
    for (let j = 0; j < len; j++) s += rand() < 0.7 ? alphabet.charAt(int(rand, alphabet.length)) : String.fromCharCode(int(rand, 0x10000));
    checkAll(s);
  }
});

test('soups of the formats\' own tokens never break a parser', () => {
  const rand = prng(0xc0ffee);
  const vocab = [
    '*nat', '*mangle', 'COMMIT', ':INPUT', 'ACCEPT', '-', '[0:0]', '[12:3', '-A', '-I', '-P', '-N', 'INPUT', 'OUTPUT', 'PREROUTING',
    '-d', '-s', '-p', 'tcp', '-m', '--dport', '80', '!', '-j', '-g', 'MARK', '--set-xmark', '0x103/0xffffffff', '--set-mark',
    '0x', 'DNAT', '--to-destination', '"a b', '"', '\\"', '#', '-c', 'Chain', '(policy', 'DROP', '0', 'packets,', 'bytes)',
    '(2', 'references)', 'pkts', 'bytes', 'target', 'prot', 'opt', 'in', 'out', 'source', 'destination', 'num', '--', '*',
    '0.0.0.0/0', '10.0.0.9', '!10.0.0.0/8', 'set', 'xset', 'tcp', 'dpt:8080', 'dpts:1:2', 'to:1.2.3.4:5', 'redir', 'ports',
    'ADDRTYPE', 'match', 'dst-type', 'ipvs', 'ctstate', '/*', '*/', 'IP', 'Virtual', 'Server', 'version', 'Prot',
    'LocalAddress:Port', '->', 'RemoteAddress:Port', 'FWM', '259', '00000103', 'TCP', 'UDP', 'SCTP', '0A000009:0050',
    '[fd00::1]:80', '[', 'rr', 'Masq', 'Route', 'Tunnel', 'Local', '1', '475K', '3M', 'host.name.that.is.long.enough.x', ':http',
    '-a', '-f', '-t', '-u', '-r', '-w', ';', ';;', '<<>>', 'DiG', '->>HEADER<<-', 'status:', 'NXDOMAIN,', 'ANSWER', 'SECTION:',
    'IN', 'A', 'PTR', '600', 'Server:', 'Address:', 'Address', '1:', 'Name:', 'Non-authoritative', 'answer:', '**', "can't",
    'find', 'nslookup:', "resolve", "'(null)'", 'name', '=', '$', 'root@h:~#', 'iptables', 'ipvsadm', '-nvL', '-S', 'dig',
    '+short', '```', '...', '.. code-block::', '\u3000',
    // explain's newer readers: inspect JSON, colour codes, host names, wrapped rests, NAT targets
    '[', ']', '{', '}', '[{', '{"', '"VIP":', '"10.0.0.2",', '"LocalLBIndex":', '257,', '"Tasks":', '"Services":', '"Addr":',
    '"EndpointIP":', '"Name":', 'null', '\u001b[01;31m\u001b[K', '\u001b[m', '[m[K', '^[[0m', 'root@node1:~#', 'On', 'node2:',
    '0xffffffff', 'rk', '--to-ports', 'REDIRECT', 'MASQUERADE', 'SNAT', '--to-source', ':53', '\u0000',
    // ip addr and ip -o addr
    '14:', 'eth0@if15:', 'eth0', 'lo:', '<BROADCAST,MULTICAST,UP,LOWER_UP>', '<>', 'mtu', '1450', 'link/ether', 'brd', 'inet',
    'inet6', '10.0.0.2/32', '10.0.0.6/24', '10.0.0.6/33', 'fe80::1/64', '::1/128', 'scope', 'global', 'host', 'secondary',
    'valid_lft', 'forever', 'preferred_lft', '\\', 'altname', 'ip', 'addr',
  ];
  for (let i = 0; i < 400; i++) {
    const lines: string[] = [];
    const n = int(rand, 40);
    for (let l = 0; l < n; l++) {
      const words: string[] = [];
      const w = int(rand, 14);
      for (let k = 0; k < w; k++) words.push(pick(rand, vocab));
      lines.push((rand() < 0.2 ? '    ' : '') + words.join(rand() < 0.8 ? ' ' : '\t'));
    }
    checkAll(lines.join('\n'));
  }
});

function mutate(text: string, rand: () => number): string {
  const lines = text.split('\n');
  const ops = 1 + int(rand, 4);
  for (let o = 0; o < ops && lines.length > 0; o++) {
    const i = int(rand, lines.length);
    switch (int(rand, 7)) {
      case 0: // delete a line
        lines.splice(i, 1);
        break;
      case 1: // duplicate a line
        lines.splice(i, 0, lines[i]!);
        break;
      case 2: {
        // truncate a line
        const l = lines[i]!;
        lines[i] = l.slice(0, int(rand, l.length + 1));
        break;
      }
      case 3: {
        // swap two columns
        const w = lines[i]!.split(/(\s+)/);
        const cols = w.map((_, k) => k).filter((k) => k % 2 === 0);
        if (cols.length >= 2) {
          const a = pick(rand, cols);
          const b = pick(rand, cols);
          [w[a], w[b]] = [w[b]!, w[a]!];
        }
        lines[i] = w.join('');
        break;
      }
      case 4: {
        // flip a character
        const l = lines[i]!;
        const at = int(rand, l.length + 1);
        lines[i] = l.slice(0, at) + String.fromCharCode(int(rand, 128)) + l.slice(at + 1);
        break;
      }
      case 5: {
        // swap two lines
        const j = int(rand, lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        break;
      }
      default:
        // cut the text short
        lines.length = i;
    }
  }
  return lines.join(rand() < 0.1 ? '\r\n' : '\n');
}

test('mutated fixtures (deleted, duplicated, swapped, truncated lines and columns) never break a parser', () => {
  const rand = prng(0xbad5eed);
  assert.ok(FIXTURES.length >= 15);
  for (const f of FIXTURES) {
    checkAll(f);
    for (let i = 0; i < 60; i++) checkAll(mutate(f, rand));
  }
  // Every fixture glued to every other one (in pairs), as a long paste would.
  for (let i = 0; i < 40; i++) checkAll(`${pick(rand, FIXTURES)}\n${pick(rand, FIXTURES)}`);
});

test('value helpers are total', () => {
  const rand = prng(7);
  for (let i = 0; i < 2000; i++) {
    let s = '';
    for (let j = int(rand, 24); j > 0; j--) s += String.fromCharCode(int(rand, 0x7f));
    const m = parseMark(s);
    assert.ok(m === null || (Number.isInteger(m) && m >= 0 && m <= 0xffffffff));
    const c = parseCount(s);
    assert.ok(c === null || (Number.isFinite(c) && c >= 0));
  }
  for (const bad of [undefined, null, 42, {}, []]) {
    // Untyped callers (JSON from elsewhere) get empty results, not exceptions.
    assert.equal(parseMark(bad as unknown as string), null);
    assert.equal(parseCount(bad as unknown as string), null);
    assert.deepEqual(parseIptablesSave(bad as unknown as string), { tables: [], skippedLines: 0 });
    assert.deepEqual(analyseDump(bad as unknown as string).explain, EMPTY);
  }
});

test('random ip addr output (headers, aliases, -o lines, lifetimes, cut and shuffled) never breaks explain', () => {
  const rand = prng(0x1ba55);
  const octet = (): number => (rand() < 0.05 ? 256 + int(rand, 800) : int(rand, 256));
  const ip = (): string => `10.${octet()}.${octet()}.${octet()}`;
  for (let i = 0; i < 200; i++) {
    const lines: string[] = [];
    for (let n = int(rand, 30); n > 0; n--) {
      const idx = int(rand, 99);
      const dev = pick(rand, ['eth0', 'eth1', 'lo', 'eth0@if7', 'docker_gwbridge', 'x'.repeat(int(rand, 90))]);
      const prefix = pick(rand, [8, 16, 24, 32, 33, 128, 999]);
      lines.push(
        pick(rand, [
          `${idx}: ${dev}: <BROADCAST,UP> mtu 1450 qdisc noqueue state UP`,
          `    link/ether 02:42:0a:00:00:05 brd ff:ff:ff:ff:ff:ff`,
          `    inet ${ip()}/${prefix} scope global ${dev}`,
          `       valid_lft forever preferred_lft forever`,
          `${idx}: ${dev}    inet ${ip()}/${prefix} scope global ${dev}\\       valid_lft forever preferred_lft forever`,
          `${idx}: ${dev}    inet6 fe80::${idx}/${prefix} scope link \\       valid_lft forever preferred_lft forever`,
          `-A INPUT -d ${ip()}/32 -j MARK --set-xmark 0x${(256 + int(rand, 20)).toString(16)}/0xffffffff`,
          `root@node${int(rand, 3)}:~# ip -o addr`,
        ]),
      );
      if (rand() < 0.1) lines.push(lines[lines.length - 1]!.slice(0, int(rand, 40)));
    }
    checkAll(lines.join(rand() < 0.2 ? '\r\n' : '\n'));
  }
});
