// Probe Load Distribution's counting, from outputs the probe script printed on the live lab (node1,
// 90 connections from client to vote's VIP, then 12 to a port nothing listens on), and changed
// by hand where a case needs a fault the lab did not have. Also the script's bounds and a real
// run of its connect loop against a local listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { checkProbeRequests } from '../../src/core/netns/guard';
import { mapPaths, PROBE_SCRIPT, probeArgs, splitProbeOutput, type TrafficDump, type TrafficRequest } from '../../src/core/netns/script';
import { parseIpvsadm } from '../../src/core/parse';
import { countProbe, failureReason, parseAttempts, type PoolMember, type ProbePlan } from '../../src/core/traffic/count';
import { probeFailed, probeToText } from '../../src/core/traffic/text';
import { fixture } from '../fixtures';

const pool = JSON.parse(fixture('traffic/vote-pool.json')) as { vip: string; backends: { address: string; task: string; node: string; weight: number }[] };
const members = (): PoolMember[] => pool.backends.map((b) => ({ address: b.address, task: b.task, node: b.node, weight: b.weight }));
const TASK = new Map(pool.backends.map((b) => [b.address, b]));
const nameOf = (address: string) => ({ task: TASK.get(address)?.task ?? null, node: TASK.get(address)?.node ?? null });

function dumpOf(name: string, edit: (text: string) => string = (t) => t): TrafficDump {
  const out = splitProbeOutput(edit(fixture(`traffic/vote-${name}.txt`)));
  assert.equal(out.traffic?.length, 1, 'one traffic dump');
  return out.traffic![0];
}

function plan(over: Partial<ProbePlan> = {}, port = 80, count = 90): ProbePlan {
  const request: TrafficRequest = { kind: 'traffic', netns: '/var/run/docker/netns/c73744914692', lb: '/var/run/docker/netns/lb_ks08q59kv', targets: [pool.vip], port, count, firstPort: 45000, timeoutSeconds: 2, http: false };
  return { service: 'vote', from: 'client.1', node: 'node1', mode: 'vip', vip: pool.vip, scheduler: 'rr', fwmark: 258, pool: members(), request, commands: [], ...over };
}

const count = (name: string, p = plan(), edit?: (t: string) => string) => countProbe(p, dumpOf(name, edit), '2026-11-30T10:53:00.000Z', 1000, nameOf);

test('the lab run: 90 connections spread 30/30/30 over vote\'s three tasks, summing to what connected, no finding', () => {
  const r = count('ok');
  assert.equal(r.sent, 90);
  assert.equal(r.connected, 90);
  assert.equal(r.failed, 0);
  assert.deepEqual(r.backends.map((b) => [b.task, b.node, b.connections]), [['vote.1', 'node1', 30], ['vote.2', 'node3', 30], ['vote.3', 'node2', 30]]);
  assert.equal(r.backends.reduce((n, b) => n + b.connections, 0), r.connected);
  for (const b of r.backends) assert.ok(Math.abs(b.expectedShare - 1 / 3) < 1e-9);
  assert.deepEqual(r.findings, []);
  assert.equal(probeFailed(r), false);
  // The contract's fields, in order.
  assert.deepEqual(Object.keys(r).slice(0, 4), ['version', 'service', 'from', 'node']);
  for (const k of ['vip', 'port', 'sent', 'connected', 'failed', 'backends', 'findings']) assert.ok(k in r, k);
  for (const b of r.backends) for (const k of ['address', 'task', 'node', 'connections']) assert.ok(k in b, k);
});

test('counted from the connection table, not assumed: a backend the table never names got nothing, and is named', () => {
  // Every connection IPVS sent to vote.2 (10.0.0.10) rewritten as sent to vote.3.
  const r = count('ok', plan(), (t) => t.replace(/(ESTABLISHED|FIN_WAIT|TIME_WAIT|CLOSE)(\s+\S+\s+\S+\s+)10\.0\.0\.10:80/g, '$1$210.0.0.11:80'));
  assert.deepEqual(r.backends.map((b) => b.connections), [30, 0, 60]);
  const idle = r.findings.find((f) => f.code === 'backend-idle');
  assert.ok(idle, JSON.stringify(r.findings));
  assert.match(idle.message, /^vote\.2 on node3 \(10\.0\.0\.10\) got none of the 90 connections/);
  const uneven = r.findings.find((f) => f.code === 'spread-uneven');
  assert.equal(uneven?.address, '10.0.0.11');
  assert.equal(probeFailed(r), true);
});

test('a port nothing listens on: every failure counted, by backend, with the reason in plain words', () => {
  const r = count('refused', plan({}, 81, 12));
  assert.equal(r.sent, 12);
  assert.equal(r.connected, 0);
  assert.equal(r.failed, 12);
  assert.equal(r.backends.reduce((n, b) => n + b.failed, 0), 12, 'each refused connection found in the table');
  const failed = r.findings.filter((f) => f.code === 'connections-failed');
  assert.equal(failed.length, 1);
  assert.match(failed[0].message, /^12 of 12 connections were refused at 3 backends: nothing listens on that port there/);
  assert.ok(failed[0].evidence.some((e) => /Connection refused/.test(e)));
  assert.match(failed[0].fix ?? '', /probe used 81/);
  assert.equal(r.findings.some((f) => f.code === 'backend-idle'), false, 'a backend that refused is not "idle"');
});

test('a backend at weight 0 (a task stopping) takes no share and is named as out of rotation; a stopped task too', () => {
  const pool = members();
  pool[0].weight = 0;
  pool.push({ address: '10.0.0.20', task: 'vote.4', node: 'node2', weight: null, notServing: 'shutdown' });
  // The lab's run had vote.2 (10.0.0.10) in rotation: here its connections went to the other two (by source port parity).
  const r = count('ok', plan({ pool }), (t) => t.replace(/:(\d+)(\s+\S+\s+)10\.0\.0\.10:80/g, (_m, port: string, gap: string) => `:${port}${gap}10.0.0.${Number(port) % 2 ? 11 : 12}:80`));
  const stopping = r.backends.find((b) => b.address === '10.0.0.10')!;
  assert.equal(stopping.notServing, 'weight 0');
  assert.equal(stopping.expectedShare, 0);
  assert.equal(stopping.connections, 0);
  const gone = r.backends.find((b) => b.task === 'vote.4')!;
  assert.equal(gone.connections, 0);
  assert.equal(gone.notServing, 'shutdown');
  const notes = r.findings.filter((f) => f.code === 'backend-not-serving');
  assert.deepEqual(notes.map((f) => f.severity), ['info', 'info']);
  assert.ok(notes.some((f) => /^vote\.4 on node2 \(10\.0\.0\.20\) got nothing: it is out of rotation \(shutdown\)/.test(f.message)));
  for (const b of r.backends.filter((b) => !b.notServing)) assert.equal(b.expectedShare, 0.5);
  assert.equal(r.findings.some((f) => f.code === 'spread-uneven' || f.code === 'backend-idle'), false, JSON.stringify(r.findings));
});

test('a backend out of rotation that still got connections is a warning', () => {
  const pool = members();
  pool[1].weight = 0; // 10.0.0.11, which the lab's run sent 30 connections to
  const r = count('ok', plan({ pool }));
  const f = r.findings.find((x) => x.code === 'backend-not-serving');
  assert.equal(f?.severity, 'warning');
  assert.match(f!.message, /out of rotation \(weight 0\) but got 30/);
});

test('the IPVS counters moved more than the probe did: other clients are said to have used the service', () => {
  const r = count('ok', plan(), (t) => t.replace(/(ipvs-stats-after[\s\S]*?FWM {2}258\s+)220/, '$1225'));
  const other = r.findings.find((f) => f.code === 'other-traffic');
  assert.match(other?.message ?? '', /5 more connection\(s\) for FWM 258/);
  assert.equal(count('ok').findings.some((f) => f.code === 'other-traffic'), false, 'the lab run: the counters moved by exactly 90');
});

test('a connection missing from the table is unattributed, never guessed', () => {
  const r = count('ok', plan(), (t) => t.replace(/^.*:45000 .*$/gm, ''));
  assert.equal(r.connected, 90);
  assert.equal(r.backends.reduce((n, b) => n + b.connections, 0), 89);
  assert.match(r.findings.find((f) => f.code === 'connections-unattributed')?.message ?? '', /^1 connection/);
});

test('the counters from ipvsadm --stats --exact; the attempt lines and nc errors', () => {
  // The counters, as the one ipvsadm parser reads them (--stats --exact).
  const fwm = parseIpvsadm(dumpOf('ok').sections['ipvs-stats-before']!.output).services.find((v) => v.fwmark === 258);
  assert.equal(fwm?.stats?.conns, 130);
  assert.equal(fwm?.backends.find((b) => b.address === '10.0.0.11')?.stats?.conns, 44);
  assert.deepEqual(parseAttempts('45000 ok 10.0.0.9\n45001 fail 10.0.0.9 nc: connect to 10.0.0.9 port 81 (tcp) failed: Connection refused\ngarbage\n45002 ok 10.0.0.9 HTTP/1.0 200 OK'), [
    { port: 45000, ok: true, target: '10.0.0.9', text: '' },
    { port: 45001, ok: false, target: '10.0.0.9', text: 'nc: connect to 10.0.0.9 port 81 (tcp) failed: Connection refused' },
    { port: 45002, ok: true, target: '10.0.0.9', text: 'HTTP/1.0 200 OK' },
  ]);
  assert.equal(failureReason('nc: connect to 10.0.0.9 port 80 (tcp) timed out: Operation now in progress'), 'timed out');
  assert.equal(failureReason('nc: connect to 10.0.0.9 port 80 (tcp) failed: No route to host'), 'no route to host');
  assert.equal(failureReason(''), 'no answer');
});

test('the text report: a row per backend with its share and what was expected', () => {
  const text = probeToText(count('ok'));
  assert.match(text, /^Probe from client\.1 on node1: 90 connections to vote at 10\.0\.0\.9:80, rr, counted from IPVS's connection table\./);
  assert.match(text, /vote\.2 on node3\s+10\.0\.0\.10\s+#{10}\.{20}\s+30\s+33%\s+\(expected 33%\)/);
});

const DIR = '/var/run/docker/netns';
const good: TrafficRequest = { kind: 'traffic', netns: `${DIR}/c73744914692`, lb: `${DIR}/lb_ks08q59kv`, targets: ['10.0.0.9'], port: 80, count: 90, firstPort: 45000, timeoutSeconds: 2, http: false };

test('the probe refuses traffic beyond its bounds or to anything but an address, before any shell runs', () => {
  assert.doesNotThrow(() => checkProbeRequests([good], DIR));
  const refused = (r: Partial<TrafficRequest>, message: RegExp) => assert.throws(() => checkProbeRequests([{ ...good, ...r }], DIR), message);
  refused({ count: 1001 }, /1 to 1000 connections/);
  refused({ count: 0 }, /1 to 1000 connections/);
  refused({ port: 0 }, /a port from 1 to 65535/);
  refused({ timeoutSeconds: 60 }, /1 to 10 s each/);
  refused({ firstPort: 65500 }, /bounds/);
  refused({ targets: ['10.0.0.9; reboot'] }, /not an IPv4 address/);
  refused({ targets: ['-e/bin/sh'] }, /not an IPv4 address/);
  refused({ targets: [] }, /not an IPv4 address/);
  refused({ lb: '/etc/passwd' }, /outside \/var\/run\/docker\/netns/);
  refused({ netns: `${DIR}/../../../proc/1/ns/net` }, /outside/);
});

test('the script\'s arguments: one traffic group ending in --, paths mapped into a helper and back', () => {
  assert.deepEqual(probeArgs([good, { kind: 'dns', netns: good.netns, name: 'vote' }]), ['traffic', good.netns, good.lb, '80', '90', '45000', '2', '0', '10.0.0.9', '--', 'dns', good.netns, 'vote', '--']);
  const inside = mapPaths(good, (p) => p.replace(DIR, '/netns'));
  assert.equal(inside.netns, '/netns/c73744914692');
  assert.equal((inside as TrafficRequest).lb, '/netns/lb_ks08q59kv');
});

test('the connect loop for real: a listener counted, a closed port refused, one line per connection, each from its own source port', { skip: process.env.CI ? false : process.getuid?.() !== 0 ? 'needs root (nsenter into this process\'s own namespace)' : spawnSync('sh', ['-c', 'command -v nc']).status !== 0 ? 'needs nc (netcat-openbsd)' : false }, async () => {
  const server = net.createServer((s) => s.on('error', () => undefined).end('HTTP/1.0 200 OK\r\n\r\nhi\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const open = (server.address() as net.AddressInfo).port;
  const closed = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  // Source ports from a random base, as the probe picks them: a run right after another never meets its TIME_WAIT.
  const base = 33000 + Math.floor(Math.random() * 27000);
  try {
    const run = (port: number, count: number, http: boolean) => {
      const args = probeArgs([{ ...good, netns: '/proc/self/ns/net', lb: undefined, targets: ['127.0.0.1'], port, count, firstPort: base + (http ? 100 : 0) + (port === closed ? 200 : 0), http }]);
      // Asynchronous: the listener runs in this process.
      return new Promise<string>((resolve, reject) => {
        const child = spawn('sh', ['-c', PROBE_SCRIPT, 'swarm-lens', ...args]);
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', () => resolve(out));
      });
    };
    const ok = parseAttempts(splitProbeOutput(await run(open, 23, false)).traffic![0].sections.connects!.output);
    assert.equal(ok.length, 23);
    assert.ok(ok.every((a) => a.ok), JSON.stringify(ok.filter((a) => !a.ok)));
    assert.deepEqual(ok.map((a) => a.port).sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => base + i));
    const web = parseAttempts(splitProbeOutput(await run(open, 3, true)).traffic![0].sections.connects!.output);
    assert.deepEqual(web.map((a) => a.text), ['HTTP/1.0 200 OK', 'HTTP/1.0 200 OK', 'HTTP/1.0 200 OK']);
    const refused = parseAttempts(splitProbeOutput(await run(closed, 5, false)).traffic![0].sections.connects!.output);
    assert.equal(refused.length, 5);
    assert.ok(refused.every((a) => !a.ok && failureReason(a.text) === 'refused'), JSON.stringify(refused));
  } finally {
    server.close();
  }
  assert.ok(execFileSync('sh', ['-c', 'ls /tmp | grep -c "^swarm-lens-.*ports" || true'], { encoding: 'utf8' }).trim() === '0', 'the port list is removed');
});
