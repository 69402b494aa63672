import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4At } from '../../src/core/cluster/ipAt';

test('finds the whole address under any of its characters', () => {
  const line = 'curl http://10.0.1.4:80/ from 10.0.1.3';
  for (let col = 12; col <= 20; col++) assert.equal(ipv4At(line, col)?.ip, '10.0.1.4', `column ${col}`);
  assert.equal(ipv4At(line, line.length - 1)?.ip, '10.0.1.3');
  assert.deepEqual(ipv4At(line, 12), { ip: '10.0.1.4', start: 12, end: 20 });
});

test('CIDR, quotes and brackets around the address', () => {
  assert.equal(ipv4At('"Addr": "10.0.0.9/24"', 12)?.ip, '10.0.0.9');
  assert.equal(ipv4At('-> 10.0.0.10:0  Masq', 5)?.ip, '10.0.0.10');
  assert.equal(ipv4At('[10.255.0.5]', 3)?.ip, '10.255.0.5');
});

test('no match inside longer dotted tokens or out-of-range octets', () => {
  assert.equal(ipv4At('version 1.2.3.4.5 here', 10), undefined);
  assert.equal(ipv4At('10.0.0.300', 3), undefined);
  assert.equal(ipv4At('v10.0.0.1', 3)?.ip, '10.0.0.1');
  assert.equal(ipv4At('no address here', 3), undefined);
  assert.equal(ipv4At('', 0), undefined);
});

test('the cursor outside any address gives nothing', () => {
  assert.equal(ipv4At('10.0.0.1 and more', 12), undefined);
});
