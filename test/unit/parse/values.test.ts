import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markToHex, normaliseAddress, parseCount, parseMark, parsePort } from '../../../src/core/parse';

test('parseCount reads plain numbers and the x1000 suffixes of iptables and ipvsadm', () => {
  assert.equal(parseCount('0'), 0);
  assert.equal(parseCount('5654'), 5654);
  assert.equal(parseCount('475K'), 475_000);
  assert.equal(parseCount('1282K'), 1_282_000);
  assert.equal(parseCount('31M'), 31_000_000);
  assert.equal(parseCount('2G'), 2_000_000_000);
  assert.equal(parseCount('3T'), 3e12);
  assert.equal(parseCount(' 12K '), 12_000);
  for (const bad of ['', 'K', '12KB', '-1', '1.5K', 'abc', '0x10', '1 2']) assert.equal(parseCount(bad), null, bad);
});

test('parseMark accepts every spelling of a firewall mark and returns decimal', () => {
  assert.equal(parseMark('0x103'), 259);
  assert.equal(parseMark('0x103/0xffffffff'), 259);
  assert.equal(parseMark('0X10F'), 271);
  assert.equal(parseMark('259'), 259);
  assert.equal(parseMark(' 0x100 '), 256);
  assert.equal(parseMark('0xffffffff'), 0xffffffff);
  for (const bad of ['', '0x', 'x103', '0x1g', '0x100000000', '4294967296', '-1', 'MARK', '/0xff']) {
    assert.equal(parseMark(bad), null, bad);
  }
});

test('markToHex is lowercase, 0x-prefixed, and refuses what is not a 32-bit mark', () => {
  assert.equal(markToHex(259), '0x103');
  assert.equal(markToHex(271), '0x10f');
  assert.equal(markToHex(0), '0x0');
  assert.equal(markToHex(0xffffffff), '0xffffffff');
  for (const bad of [-1, 1.5, 2 ** 32, Number.NaN, Infinity]) assert.equal(markToHex(bad), null);
  for (let n = 0; n < 70000; n += 997) assert.equal(parseMark(markToHex(n)!), n);
});

test('normaliseAddress drops host prefixes and any-addresses, keeps subnets', () => {
  assert.equal(normaliseAddress('10.0.0.9/32'), '10.0.0.9');
  assert.equal(normaliseAddress('fd00::9/128'), 'fd00::9');
  assert.equal(normaliseAddress('10.0.0.0/24'), '10.0.0.0/24');
  assert.equal(normaliseAddress('0.0.0.0/0'), null);
  assert.equal(normaliseAddress('anywhere'), null);
  assert.equal(normaliseAddress('10.0.0.9'), '10.0.0.9');
});

test('parsePort reads numbers and the service names getservbyport prints', () => {
  assert.equal(parsePort('0'), 0);
  assert.equal(parsePort('8080'), 8080);
  assert.equal(parsePort('http'), 80);
  assert.equal(parsePort('https-alt'), 8443);
  assert.equal(parsePort('domain'), 53);
  assert.equal(parsePort('65536'), null);
  assert.equal(parsePort('htt'), null);
  assert.equal(parsePort('__proto__'), null);
  assert.equal(parsePort('toString'), null);
});
