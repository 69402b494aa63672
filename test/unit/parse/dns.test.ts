import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../fixtures';
import { parseDnsAnswers, type DnsQuery } from '../../../src/core/parse';

const brief = (q: DnsQuery) => [q.name, q.status, q.answers.map((a) => `${a.type} ${a.address}`)];

test('dig full output: VIP, tasks., NXDOMAIN, reverse lookup, timeout', () => {
  const r = parseDnsAnswers(fixture('parse/dig-full.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.queries.map(brief), [
    ['web.appnet', 'NOERROR', ['A 10.0.9.5']],
    ['tasks.web.appnet', 'NOERROR', ['A 10.0.9.14', 'A 10.0.9.13']],
    ['nosuch.appnet', 'NXDOMAIN', []],
    ['14.9.0.10.in-addr.arpa', 'NOERROR', ['PTR web.2.p0o9i8u7y6t5r4e3w2q1a2s3d.appnet']],
    ['web.appnet', 'TIMEOUT', []],
  ]);
  const first = r.queries[0]!;
  assert.deepEqual(first.answers[0], { name: 'web.appnet', type: 'A', ttl: 600, address: '10.0.9.5' });
  assert.deepEqual([first.type, first.server, first.tool], ['A', '127.0.0.11', 'dig']);
});

test('dig +short takes the name from the command; +noall +answer keeps TTLs', () => {
  const r = parseDnsAnswers(fixture('parse/dig-short.txt'));
  assert.deepEqual(r.queries.map(brief), [
    ['web', 'NOERROR', ['A 10.0.9.5']],
    ['tasks.web', 'NOERROR', ['A 10.0.9.14', 'A 10.0.9.13']],
    ['13.9.0.10.in-addr.arpa', 'NOERROR', ['PTR web.1.qz8x4m2n6b0v9c7x5z3l1k2j4.appnet']],
    ['tasks.web.appnet', 'NOERROR', ['A 10.0.9.13', 'A 10.0.9.14']],
  ]);
  assert.equal(r.queries[3]!.answers[0]!.ttl, 600);
  // Bare dig +short output with no command: the name is unknown, the answers are not.
  assert.deepEqual(parseDnsAnswers('10.0.9.14\n10.0.9.13\n').queries.map(brief), [[null, 'NOERROR', ['A 10.0.9.14', 'A 10.0.9.13']]]);
});

test('busybox nslookup (alpine): A and AAAA sections, NXDOMAIN printed twice', () => {
  const r = parseDnsAnswers(fixture('parse/nslookup-alpine.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.queries.map(brief), [
    ['web', 'NOERROR', ['A 10.0.9.5']],
    ['tasks.web', 'NOERROR', ['A 10.0.9.14', 'A 10.0.9.13']],
    ['web6', 'NOERROR', ['AAAA fd00:9::5', 'A 10.0.9.40']],
    ['nosuch', 'NXDOMAIN', []],
  ]);
  assert.ok(r.queries.every((q) => q.server === '127.0.0.11' && q.tool === 'nslookup'));
  assert.deepEqual(r.queries[0]!.answers[0], { name: 'web', type: 'A', ttl: null, address: '10.0.9.5' });
});

test("old busybox nslookup: 'Address 1:' lines, and can't resolve '(null)' is not a failure", () => {
  const r = parseDnsAnswers(fixture('parse/nslookup-busybox-old.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.queries.map(brief), [
    ['web', 'NOERROR', ['A 10.0.9.5']],
    ['tasks.web', 'NOERROR', ['A 10.0.9.13', 'A 10.0.9.14']],
    ['nosuch', 'NXDOMAIN', []],
  ]);
  assert.equal(r.queries[0]!.server, '127.0.0.11', 'the Address after Server: is the server, not an answer');
});

test('BIND nslookup: #53 server address, PTR by "name =", NXDOMAIN', () => {
  const r = parseDnsAnswers(fixture('parse/nslookup-bind.txt'));
  assert.equal(r.skippedLines, 0);
  assert.deepEqual(r.queries.map(brief), [
    ['web', 'NOERROR', ['A 10.0.9.5']],
    ['10.0.9.13', 'NOERROR', ['PTR web.1.qz8x4m2n6b0v9c7x5z3l1k2j4.appnet']],
    ['nosuch', 'NXDOMAIN', []],
  ]);
});
