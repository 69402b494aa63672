/**
 * Time properties: every parser is linear (doubling the input at most ~2.2x the time, best of
 * several runs of CPU time, retried), including on hostile single-line inputs.
 * The absolute budget for a large dump is in budget.test.ts (its own process, a clean heap).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../fixtures';
import {
  parseDnsAnswers,
  parseIptablesSave,
  parseIpvsadm,
  parseIpvsadmSave,
  parseIpvsConnections,
  parseProcIpVs,
} from '../../../src/core/parse';
import { explainDump, parseIptablesList } from '../../../src/core/explain';
import { settledMedian } from './helpers';

type Gen = (k: number) => string;

const repeat = (text: string): Gen => (k) => Array.from({ length: k }, () => text).join('\n');

/** Smallest power-of-two k whose input takes at least `ms` to parse, warm and at best (so timer
 *  and scheduler noise stay small next to the measurement). */
function calibrate(parse: (t: string) => unknown, gen: Gen, ms: number): number {
  let k = 8;
  for (; k < 1 << 24; k *= 2) {
    const text = gen(k);
    if (settledMedian(() => parse(text), 3, 1).min >= ms) break;
  }
  return k;
}

/**
 * Doubling ratio at two scales (k -> 2k and 2k -> 4k), best of up to four attempts. A step in the
 * garbage collector's heap sizing can make one doubling look superlinear on a shared machine;
 * a really superlinear parser (quadratic: ratio ~4) shows it at every scale. So: the better of
 * the two ratios must be <= 2.2, and k -> 4k must stay far from quadratic's 16 (<= 6).
 */
function doublingRatio(parse: (t: string) => unknown, gen: Gen): { ratio: number; quad: number; detail: string } {
  const k = calibrate(parse, gen, 4);
  const texts = [gen(k), gen(2 * k), gen(4 * k)];
  let best = Infinity;
  let quad = Infinity;
  let detail = '';
  for (let attempt = 0; attempt < 4 && (best > 2.2 || quad > 6); attempt++) {
    // The best run: noise (another process's cache traffic, a collector thread) only adds time.
    const ts = texts.map((x) => settledMedian(() => parse(x)).min);
    const r = Math.min(ts[1]! / ts[0]!, ts[2]! / ts[1]!);
    if (r < best) {
      best = r;
      detail = texts.map((x, i) => `${x.length} chars: ${ts[i]!.toFixed(2)} ms`).join(', ');
    }
    quad = Math.min(quad, ts[2]! / ts[0]!);
  }
  return { ratio: best, quad, detail };
}

const CASES: [string, (t: string) => unknown, Gen][] = [
  ['parseIptablesSave', parseIptablesSave, repeat(fixture('parse/lb-sandbox-iptables-save-counters.txt'))],
  ['parseIptablesList', parseIptablesList, repeat(fixture('parse/host-nat-nvL-docker-ingress.txt'))],
  ['parseIpvsadm', parseIpvsadm, repeat(fixture('parse/ipvsadm-Ln-mixed.txt'))],
  ['parseIpvsadmSave', parseIpvsadmSave, repeat(fixture('parse/ipvsadm-S-n.txt'))],
  ['parseProcIpVs', parseProcIpVs, repeat(fixture('parse/proc-net-ip_vs.txt'))],
  ['parseIpvsConnections', parseIpvsConnections, repeat(fixture('parse/ipvsadm-Lnc-lb-sandbox.txt'))],
  ['parseIpvsConnections (rows that fail last)', parseIpvsConnections, (k) => `IPVS connection entries\npro expire state source virtual destination\n${'TCP 14:59  ESTABLISHED 10.0.0.1:1 10.0.0.2:80 [fd00::zz]:80\n'.repeat(k)}`],
  ['parseDnsAnswers', parseDnsAnswers, repeat(fixture('parse/dig-full.txt') + fixture('parse/nslookup-alpine.txt'))],
  ['explainDump', explainDump, repeat(fixture('parse/bug-report-mixed.md'))],
  // Hostile shapes: one endless line of option words, quotes, prompts, brackets; endless blank lines.
  ['explainDump (one line of options)', explainDump, (k) => '-A X -m y --z "q '.repeat(k)],
  ['explainDump (quotes)', explainDump, (k) => '"'.repeat(8 * k)],
  ['explainDump (prompts)', explainDump, (k) => 'a@b:~# '.repeat(k)],
  ['explainDump (brackets)', explainDump, (k) => '[0:'.repeat(4 * k)],
  ['explainDump (blank lines)', explainDump, (k) => '\n'.repeat(8 * k)],
  ['explainDump (the walk: DNS, NAT, mesh, inspect JSON, hosts)', explainDump, repeat(['explain-dns.txt', 'explain-nat.txt', 'explain-mesh.txt', 'explain-network-inspect.txt', 'explain-two-hosts.md'].map((f) => fixture(`parse/${f}`)).join('\n'))],
  ['explainDump (wrapped and coloured)', explainDump, repeat(fixture('parse/explain-damaged.txt'))],
  ['explainDump (open JSON brackets)', explainDump, (k) => '[\n'.repeat(4 * k)],
  ['explainDump (one line of JSON)', explainDump, (k) => `[${'{"VIP":"10.0.0.2","Tasks":[]},'.repeat(k)}{}]`],
  ['explainDump (ip addr and ip -o addr)', explainDump, repeat(fixture('parse/explain-ip-addr.txt') + fixture('parse/explain-ip-o-addr.txt'))],
  // One lb_ sandbox with ever more VIP aliases, each with its mark: the alias join stays linear.
  ['explainDump (one ip addr block of many aliases)', explainDump, (k) => {
    const vip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const out = ['2: eth0@if3: <BROADCAST,UP> mtu 1450', '    inet 10.0.0.1/8 scope global eth0'];
    for (let i = 2; i < k + 2; i++) out.push(`    inet ${vip(i)}/32 scope global eth0`);
    for (let i = 2; i < k + 2; i++) out.push(`-A INPUT -d ${vip(i + (i % 2))}/32 -j MARK --set-xmark 0x${(256 + (i % 4000)).toString(16)}/0xffffffff`);
    return out.join('\n');
  }],
  ['explainDump (ip -o headers without end)', explainDump, (k) => '1: a: <'.repeat(k)],
  ['explainDump (colour codes)', explainDump, (k) => '\u001b[01;31m\u001b[K0x103\u001b[m\u001b[K\n'.repeat(k)],
  ['parseIptablesSave (one line of options)', parseIptablesSave, (k) => `-A X${' -m y --z w'.repeat(k)}`],
  ['parseIptablesList (one wide row)', parseIptablesList, (k) => `Chain X (policy ACCEPT)\n0 0 A all -- * * 1.1.1.1 2.2.2.2 tcp dpt:1 /*${' x'.repeat(k)} */${' y'.repeat(k)}`],
  ['parseIpvsadm (one wide row)', parseIpvsadm, (k) => `FWM  1 rr\n  -> 1.1.1.1:0 Masq${' 1'.repeat(k)}`],
  ['parseDnsAnswers (Name/Address pairs)', parseDnsAnswers, (k) => 'Name: x\nAddress: 1.2.3.4\n'.repeat(k)],
];

for (const [name, parse, gen] of CASES) {
  test(`${name} is linear: doubling the input at most ~2.2x the time`, (t) => {
    const { ratio, quad, detail } = doublingRatio(parse, gen);
    const what = `${name}: doubling ratio ${ratio.toFixed(2)}, x4 ratio ${quad.toFixed(2)} (${detail})`;
    t.diagnostic(what);
    assert.ok(ratio <= 2.2 && quad <= 6, what);
  });
}
